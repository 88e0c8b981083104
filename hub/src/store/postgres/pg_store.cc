// SPDX-License-Identifier: Apache-2.0
//
// The PostgreSQL backend of Store, for several hub replicas sharing one database. As on
// SQLite, this replica's writes go through one writer thread in submission order, and
// reads run on a pool of connections. Across replicas: a batch locks the change
// sequence's row (store_seq) for its transaction, so batches commit in seq order
// whoever writes them; every commit NOTIFYs its seq, and a watcher thread LISTENs on a
// connection of its own and also polls the newest seq (a notification can be missed),
// so LastSeq() moves for other replicas' writes too. The same thread writes the
// heartbeat of this replica's running runs and reaps the runs of replicas that died.
// Search is a tsvector (pg_schema.h's configuration) under a GIN index.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include <spdlog/spdlog.h>

#include "base/mutex.h"
#include "base/timeutil.h"
#include "store/page_cache.h"
#include "store/postgres/pg_conn.h"
#include "store/postgres/pg_schema.h"
#include "store/record_text.h"
#include "store/sql.h"
#include "store/store.h"
#include "store/work_queue.h"

namespace coophub {
namespace {

using pg::Param;

std::string Num(int64_t v) { return std::to_string(v); }

// How many of the newest records (those the filters pass) a search reads in order
// before it asks the GIN index for the hits instead (ListRecords).
constexpr int kSearchWindow = 10000;
// A search's first walk: its newest records (ListRecords).
constexpr int kFirstWindow = 1000;
// A search that matches at most this many records takes them from the GIN index at
// once: a longer walk would cost more than sorting so few.
constexpr int64_t kFewHits = 2000;
// Searches' memory (PgStore::Words): at most this many words (of up to 500 characters,
// the API's limit) before it starts again.
constexpr size_t kTsQueriesKept = 1024;

// A text[] literal: {"a","b"}, each element quoted.
std::string ArrayLiteral(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    out += i ? ",\"" : "\"";
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

// kSearchJoiners (pg_schema.h): records' vectors and queries' words get them as spaces;
// headlines get each as a noncharacter no stored text holds, U+FDD2 onwards, and back
// after (Unprotected).
constexpr std::string_view kJoiners = pg::kSearchJoiners;

std::string JoinersAsSpaces(std::string text) {
  for (char& c : text)
    if (kJoiners.find(c) != std::string_view::npos) c = ' ';
  return text;
}

// SQL for text with the joiners as the noncharacters: a replace() a joiner, each a
// memchr over the text, where translate() would compare every character with every
// joiner (a fifth of a search's CPU, with its page's snippets).
std::string ProtectedSql(const std::string& text) {
  std::string sql = text;
  for (size_t i = 0; i < kJoiners.size(); ++i)
    sql = "replace(" + sql + ", '" + std::string(1, kJoiners[i]) + "', U&'\\FDD" + std::string(1, "23456789"[i]) + "')";
  return sql;
}

std::string Unprotected(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    // U+FDD2 onwards are EF B7 92 onwards in UTF-8.
    auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    if (i + 2 < text.size() && byte(i) == 0xEF && byte(i + 1) == 0xB7 && byte(i + 2) >= 0x92 &&
        byte(i + 2) < 0x92 + kJoiners.size()) {
      out += kJoiners[byte(i + 2) - 0x92];
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string HostReplica() {
  static std::atomic<int> opened{0};
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  int n = opened.fetch_add(1);
  return std::string(host) + ":" + std::to_string(getpid()) + (n ? "." + std::to_string(n) : "");
}

class PgStore final : public Store {
 public:
  explicit PgStore(PostgresOptions o) : opts_(std::move(o)) {
    if (opts_.replica.empty()) opts_.replica = HostReplica();
  }
  ~PgStore() override {
    writer_.Stop();
    if (wake_[1] >= 0) (void)!write(wake_[1], "x", 1);
    if (watcher_.joinable()) watcher_.join();
    for (int fd : wake_)
      if (fd >= 0) close(fd);
  }

  Status Open() {
    if (auto s = wdb_.Open(opts_.url); !s.ok()) return s;
    if (auto s = pg::Migrate(wdb_); !s.ok()) return s.Prefixed("the PostgreSQL store " + RedactedUrl());
    auto seq = wdb_.Exec("SELECT value FROM store_seq");
    if (!seq.ok()) return seq.status();
    last_seq_ = seq->Int(0, 0);
    auto rows = wdb_.Exec("SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = 'records'::regclass");
    if (rows.ok() && rows->size() == 1) analyzed_rows_ = rows->Int(0, 0);
    for (int i = 0; i < std::max(1, opts_.readers); ++i) {
      auto c = std::make_unique<pg::Conn>();
      if (auto s = c->Open(opts_.url); !s.ok()) return s;
      readers_.Add(std::move(c));
    }
    if (auto s = watch_.Open(opts_.url); !s.ok()) return s;
    if (auto s = watch_.Script("LISTEN coophub_changes"); !s.ok()) return s;
    if (pipe(wake_) != 0) return Status::Internal("pipe: " + std::string(strerror(errno)));
    Reap(wdb_);  // runs left by replicas that died while none watched
    writer_.Start();
    watcher_ = std::thread([this] { WatchLoop(); });
    return Status::Ok();
  }

  std::future<Result<WriteStats>> Write(WriteBatch batch) override {
    auto job = std::make_shared<WriteBatch>(std::move(batch));
    return Submit<WriteStats>([this, job](pg::Conn& db) { return ApplyBatch(db, *job); });
  }
  Status Flush() override {
    return Submit<bool>([](pg::Conn&) -> Result<bool> { return true; }).get().status();
  }
  void ReleaseMemory() override {}  // the server keeps the pages

  Result<json> LoadState(const std::string& source) override {
    return WithReader<json>([&](pg::Conn& db) -> Result<json> {
      auto r = db.Exec("SELECT stream, state FROM stream_state WHERE source = $1", {source});
      if (!r.ok()) return r.status();
      json out = json::object();
      for (int i = 0; i < r->size(); ++i) {
        json v = json::parse(r->View(i, 1), nullptr, false);
        if (!v.is_discarded()) out[r->Text(i, 0)] = std::move(v);
      }
      return out;
    });
  }

  using Store::BeginRun;
  Result<int64_t> BeginRun(const RunClaim& c) override {
    return Submit<int64_t>([=, this](pg::Conn& db) -> Result<int64_t> {
             if (auto s = db.Begin(); !s.ok()) return s;
             auto id = ClaimRun(db, c);
             Status s = id.ok() ? db.Commit() : id.status();
             if (!s.ok()) {
               db.Rollback();
               return s;
             }
             MutexLock lock(runs_mu_);
             running_.insert(*id);
             return *id;
           })
        .get();
  }

  Status RequestRun(const std::string& source) override {
    return Submit<bool>([=](pg::Conn& db) -> Result<bool> {
             auto r = db.Exec(
                 "INSERT INTO sync_requests(source, requested_ms)"
                 " SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM sync_requests WHERE source = $1)",
                 {source, Num(NowMs())});
             if (!r.ok()) return r.status();
             return true;
           })
        .get()
        .status();
  }

  Result<std::vector<std::string>> RequestedRuns() override {
    return WithReader<std::vector<std::string>>([&](pg::Conn& db) -> Result<std::vector<std::string>> {
      auto r = db.Exec("SELECT DISTINCT source FROM sync_requests ORDER BY source");
      if (!r.ok()) return r.status();
      std::vector<std::string> out;
      for (int i = 0; i < r->size(); ++i) out.push_back(r->Text(i, 0));
      return out;
    });
  }

  Status AppendRunLog(int64_t run_id, const std::string& level, const std::string& message) override {
    Submit<bool>([=](pg::Conn& db) -> Result<bool> {
      (void)db.Exec("INSERT INTO run_logs(run_id, ts_ms, level, message) VALUES($1, $2, $3, $4)",
                    {Num(run_id), Num(NowMs()), level, pg::Clean(message.substr(0, 4000))});
      return true;
    });
    return Status::Ok();
  }

  // A run whose end cannot be written (the server went away) keeps its heartbeat and is
  // written again by the watcher once the server answers, so that it never stays running.
  Status FinishRun(const RunInfo& r) override {
    Status s = Submit<bool>([=](pg::Conn& db) { return WriteFinish(db, r); }).get().status();
    (void)Submit<bool>([this](pg::Conn& db) -> Result<bool> {  // not waited for
      MaybeAnalyze(db);
      return true;
    });
    MutexLock lock(runs_mu_);
    if (s.ok())
      running_.erase(r.id);
    else
      unfinished_[r.id] = r;
    return s;
  }

  Result<RecordPage> ListRecords(const RecordQuery& q) override;
  Result<ChangePage> ListChanges(int64_t after, const std::vector<std::string>& visibilities, int limit) override;

  Result<RecordPage> LinkedRecords(const std::vector<std::string>& names, int64_t after_uid, int limit) override {
    if (names.size() > 100) return Status::Invalid("at most 100 names");
    std::string list = json(names).dump();
    return WithReader<RecordPage>([&](pg::Conn& db) -> Result<RecordPage> {
      auto r = db.Exec(
          "SELECT r.uid, r.json FROM records r WHERE r.uid IN (SELECT uid FROM record_names"
          " WHERE name IN (SELECT jsonb_array_elements_text($1::jsonb)) AND uid > $2) ORDER BY r.uid LIMIT $3",
          {list, Num(after_uid), Num(int64_t{limit})});
      if (!r.ok()) return r.status();
      RecordPage page;
      page.items_json = "[";
      for (int i = 0; i < r->size(); ++i) {
        if (i) page.items_json += ',';
        store::AppendWithUid(r->Int(i, 0), r->View(i, 1), &page.items_json);
      }
      page.items_json += ']';
      page.count = r->size();
      if (page.count == limit) page.next_cursor = r->Text(page.count - 1, 0);
      return page;
    });
  }
  Result<std::string> GetRecord(int64_t uid) override {
    return WithReader<std::string>([&](pg::Conn& db) -> Result<std::string> {
      auto r = db.Exec("SELECT json FROM records WHERE uid = $1", {Num(uid)});
      if (!r.ok()) return r.status();
      if (r->size() == 0) return Status::NotFound("no record with uid " + Num(uid));
      std::string out;
      store::AppendWithUid(uid, r->View(0, 0), &out);
      return out;
    });
  }

  Result<std::vector<SourceStats>> Stats() override {
    return WithReader<std::vector<SourceStats>>([&](pg::Conn& db) -> Result<std::vector<SourceStats>> {
      auto r = db.Exec(
          "SELECT source, records, (SELECT MAX(time) FROM records r WHERE r.source = s.source), first_seq"
          " FROM source_stats s WHERE records > 0 ORDER BY source");
      if (!r.ok()) return r.status();
      std::vector<SourceStats> out;
      for (int i = 0; i < r->size(); ++i) out.push_back({r->Text(i, 0), r->Int(i, 1), r->Text(i, 2), r->Int(i, 3)});
      return out;
    });
  }

  static constexpr const char* kRunColumns =
      "SELECT id, source, trigger, status, started_ms, finished_ms, records, deletes, message,"
      " COALESCE(scheduled_ms, 0), replica FROM sync_runs ";
  // BeginRun's writes, in its transaction. An occurrence already begun, or a run of
  // the source going, is a conflict DO NOTHING skips; requests another replica is
  // taking are skipped (SKIP LOCKED), not waited for.
  Result<int64_t> ClaimRun(pg::Conn& db, const RunClaim& c) {
    Param scheduled;
    if (c.scheduled_ms > 0) scheduled = Num(c.scheduled_ms);
    auto r = db.Exec(
        "INSERT INTO sync_runs(source, trigger, status, started_ms, replica, heartbeat_ms, scheduled_ms)"
        " VALUES($1, $2, 'running', $3, $4, $3, $5) ON CONFLICT DO NOTHING RETURNING id",
        {c.source, c.trigger, Num(NowMs()), opts_.replica, scheduled});
    if (!r.ok()) return r.status();
    if (r->size() == 0)
      return Status::Conflict(c.scheduled_ms > 0
                                  ? "this occurrence of source " + c.source + " has run already"
                                  : "source " + c.source + " is syncing already (on this or another replica)");
    std::string id = r->Text(0, 0);
    if (c.requested) {
      auto taken = db.Exec(
          "DELETE FROM sync_requests WHERE id IN"
          " (SELECT id FROM sync_requests WHERE source = $1 FOR UPDATE SKIP LOCKED) RETURNING id",
          {c.source});
      if (!taken.ok()) return taken.status();
      if (taken->size() == 0) return Status::Conflict("the sync-now of " + c.source + " was taken by another replica");
    }
    auto last = db.Exec(
        "INSERT INTO source_runs VALUES($1, $2, 0) ON CONFLICT(source) DO UPDATE SET last_run = excluded.last_run",
        {c.source, id});
    if (!last.ok()) return last.status();
    return r->Int(0, 0);
  }

  static RunInfo RunRow(const pg::Rows& r, int i) {
    return {r.Int(i, 0), r.Text(i, 1), r.Text(i, 2), r.Text(i, 3), r.Int(i, 4),  r.Int(i, 5),
            r.Int(i, 6), r.Int(i, 7),  r.Text(i, 8), r.Int(i, 9),  r.Text(i, 10)};
  }

  Result<std::vector<RunInfo>> ListRuns(const std::string& source, int limit) override {
    return WithReader<std::vector<RunInfo>>([&](pg::Conn& db) -> Result<std::vector<RunInfo>> {
      auto r = db.Exec(std::string(kRunColumns) + "WHERE source = $1 ORDER BY id DESC LIMIT $2", {source, Num(limit)});
      if (!r.ok()) return r.status();
      std::vector<RunInfo> out;
      for (int i = 0; i < r->size(); ++i) out.push_back(RunRow(*r, i));
      return out;
    });
  }

  Result<RunInfo> GetRun(int64_t run_id) override {
    return WithReader<RunInfo>([&](pg::Conn& db) -> Result<RunInfo> {
      auto r = db.Exec(std::string(kRunColumns) + "WHERE id = $1", {Num(run_id)});
      if (!r.ok()) return r.status();
      if (r->size() == 0) return Status::NotFound("no run " + Num(run_id));
      return RunRow(*r, 0);
    });
  }

  Result<std::map<std::string, SourceRuns>> LatestRuns() override {
    return WithReader<std::map<std::string, SourceRuns>>(
        [&](pg::Conn& db) -> Result<std::map<std::string, SourceRuns>> {
          auto r = db.Exec(
              "SELECT r.id, r.source, r.trigger, r.status, r.started_ms, r.finished_ms, r.records, r.deletes,"
              " r.message, COALESCE(r.scheduled_ms, 0), r.replica, s.last_success_ms, " +
              std::string(sql::kFailuresSinceSuccess) + " FROM source_runs s JOIN sync_runs r ON r.id = s.last_run");
          if (!r.ok()) return r.status();
          std::map<std::string, SourceRuns> out;
          for (int i = 0; i < r->size(); ++i) {
            RunInfo run = RunRow(*r, i);
            out[run.source] = {run, r->Int(i, 11), static_cast<int>(r->Int(i, 12))};
          }
          return out;
        });
  }

  Result<std::vector<RunLogLine>> RunLogs(int64_t run_id) override {
    return WithReader<std::vector<RunLogLine>>([&](pg::Conn& db) -> Result<std::vector<RunLogLine>> {
      auto r =
          db.Exec("SELECT ts_ms, level, message FROM run_logs WHERE run_id = $1 ORDER BY id LIMIT 5000", {Num(run_id)});
      if (!r.ok()) return r.status();
      std::vector<RunLogLine> out;
      for (int i = 0; i < r->size(); ++i) out.push_back({r->Int(i, 0), r->Text(i, 1), r->Text(i, 2)});
      return out;
    });
  }

  Result<std::map<std::pair<std::string, std::string>, int64_t>> RunTotals() override {
    using Totals = std::map<std::pair<std::string, std::string>, int64_t>;
    return WithReader<Totals>([&](pg::Conn& db) -> Result<Totals> {
      auto r = db.Exec(
          "SELECT source, status, SUM(n) FROM (SELECT source, status, COUNT(*) AS n FROM sync_runs GROUP BY source, "
          "status UNION ALL SELECT source, status, n FROM runs_pruned) t GROUP BY source, status");
      if (!r.ok()) return r.status();
      Totals out;
      for (int i = 0; i < r->size(); ++i) out[{r->Text(i, 0), r->Text(i, 1)}] = r->Int(i, 2);
      return out;
    });
  }

  std::future<Result<int64_t>> Prune(const PruneBatch& batch) override {
    return Submit<int64_t>([this, batch](pg::Conn& db) { return ApplyPrune(db, batch); });
  }

  int64_t LastSeq() override { return last_seq_.load(); }

  StoreHealth Health() override {
    MutexLock lock(health_mu_);
    return health_;
  }

 private:
  std::string RedactedUrl() const;

  template <class T>
  std::future<Result<T>> Submit(std::function<Result<T>(pg::Conn&)> fn) {
    return writer_.Submit<T>(std::move(fn));
  }
  template <class T>
  Result<T> WithReader(const std::function<Result<T>(pg::Conn&)>& fn) {
    return readers_.With<T>(fn);
  }

  // Seen seq: the newest of what this replica knows.
  void SawSeq(int64_t seq) {
    int64_t known = last_seq_.load();
    while (seq > known && !last_seq_.compare_exchange_weak(known, seq)) {}
  }

  static Result<bool> WriteFinish(pg::Conn& db, const RunInfo& r) {
    int64_t now = NowMs();
    if (auto s = db.Begin(); !s.ok()) return s;
    Status s = db.Exec(
                     "UPDATE sync_runs SET status = $1, finished_ms = $2, records = $3, deletes = $4,"
                     " message = $5 WHERE id = $6",
                     {r.status, Num(now), Num(r.records), Num(r.deletes), pg::Clean(r.message), Num(r.id)})
                   .status();
    if (s.ok() && r.status == "ok")
      s = db.Exec(
                "UPDATE source_runs SET last_success_ms = $1"
                " WHERE source = (SELECT source FROM sync_runs WHERE id = $2)",
                {Num(now), Num(r.id)})
              .status();
    if (s.ok()) s = db.Commit();
    if (!s.ok()) {
      db.Rollback();
      return s;
    }
    return true;
  }

  // After a run that changed a tenth of the records or more (a first sync, above all),
  // the planner's statistics are made again at once rather than when autovacuum next
  // comes round (up to a minute later): without them it guesses a common word rare and
  // reads every hit of a search to sort them, seconds at a million records. The
  // writer's alone.
  void MaybeAnalyze(pg::Conn& db) {
    if (changed_since_analyze_ < 1000 || changed_since_analyze_ * 10 < analyzed_rows_) return;
    if (auto s = db.Script("ANALYZE records"); !s.ok()) {
      spdlog::warn("the PostgreSQL store: ANALYZE records: {}", s.message());
      return;
    }
    changed_since_analyze_ = 0;
    if (auto r = db.Exec("SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = 'records'::regclass");
        r.ok() && r->size() == 1)
      analyzed_rows_ = r->Int(0, 0);
  }

  // What the store remembers of a search's words, kept while they are asked again
  // (paging asks the same words page after page).
  // Where the last search for the same words found its page (ListRecords' steps).
  enum class Found { kNewest, kFewHits, kOnlyAllHits };
  struct Words {
    std::string key;    // the words, one a line, then the filters
    std::string query;  // the tsquery as text, from the server's own parser; "" when
                        // the words hold no lexeme
    Found found = Found::kNewest;
  };
  // The words' Words, with `filters` (those a search keeps from page to page) in the
  // key: the first time with a round trip to build the tsquery.
  Result<Words> SearchWords(pg::Conn& db, const std::vector<std::string>& words, const std::string& filters);
  void Remember(const std::string& key, Found found);

  void WatchLoop();
  // One tick of the watcher, connected: the newest seq, heartbeats, the ends of runs not
  // written yet, the reaper. Not ok: the server went away.
  Status WatchTick(int64_t now);
  void Reap(pg::Conn& db);  // on Open's connection, then the watcher's
  Result<WriteStats> ApplyBatch(pg::Conn& db, const WriteBatch& b);
  Result<int64_t> ApplyPrune(pg::Conn& db, const PruneBatch& p);
  Status Upsert(pg::Conn& db, const WriteBatch& b, int64_t* seq, WriteStats* stats);
  Status Delete(pg::Conn& db, const std::string& source, const std::string& stream, const std::string& id, int64_t* seq,
                WriteStats* stats);

  PostgresOptions opts_;
  pg::Conn wdb_;                       // the writer thread's (and Open's before it starts)
  pg::Conn watch_;                     // the watcher thread's: LISTEN, heartbeats, the reaper
  int64_t reap_after_ms_ = 0;          // the watcher's: no reaping before (just back from an outage)
  int64_t changed_since_analyze_ = 0;  // the writer's: records changed or deleted since
  int64_t analyzed_rows_ = 0;          // the rows ANALYZE last found
  int wake_[2] = {-1, -1};
  std::atomic<int64_t> last_seq_{0};

  Mutex runs_mu_;
  std::set<int64_t> running_ GUARDED_BY(runs_mu_);              // this replica's running runs
  std::map<int64_t, RunInfo> unfinished_ GUARDED_BY(runs_mu_);  // ended, the end not yet written
  mutable Mutex health_mu_;
  StoreHealth health_ GUARDED_BY(health_mu_);
  Mutex tsq_mu_;
  std::unordered_map<std::string, Words> words_ GUARDED_BY(tsq_mu_);  // by Words::key

  store::Writer<pg::Conn> writer_{wdb_};
  store::Pool<pg::Conn> readers_;
  std::thread watcher_;

  PageCache pages_{opts_.page_cache_bytes};
};

std::string PgStore::RedactedUrl() const { return wdb_.url().empty() ? "" : sql::RedactUrl(wdb_.url()); }

void PgStore::WatchLoop() {
  int64_t next_tick = 0, backoff_ms = 0;  // backoff: while the server is away, doubling to 30 s
  for (;;) {
    pollfd fds[2] = {{watch_.socket(), POLLIN, 0}, {wake_[0], POLLIN, 0}};
    int n = poll(fds, 2, static_cast<int>(std::max<int64_t>(50, opts_.heartbeat_ms)));
    if (n > 0 && (fds[1].revents & POLLIN)) return;
    for (const auto& payload : watch_.Notifications()) {
      int64_t seq = 0;
      std::from_chars(payload.data(), payload.data() + payload.size(), seq);
      SawSeq(seq);
    }
    int64_t now = NowMs();
    if (now < next_tick) continue;
    Status s = Status::Ok();
    bool reopened = !watch_.ok();
    if (reopened) {  // connect again, and LISTEN with the new connection
      s = watch_.Open(opts_.url);
      if (s.ok()) s = watch_.Script("LISTEN coophub_changes");
    }
    if (s.ok()) s = WatchTick(now);
    MutexLock lock(health_mu_);
    if (s.ok()) {
      if (!health_.up || reopened) {
        ++health_.reconnects;
        // No other replica could beat its runs' hearts while the server was away: give
        // them lost_after to do so before taking their runs for lost.
        reap_after_ms_ = now + opts_.lost_after_ms;
        spdlog::info("the PostgreSQL store {} answers again", RedactedUrl());
      }
      health_.up = true;
      health_.error.clear();
      backoff_ms = 0;
      next_tick = now + opts_.heartbeat_ms;
    } else {
      if (health_.up) spdlog::warn("{}; this replica connects again, waiting longer each time up to 30 s", s.message());
      health_.up = false;
      health_.error = s.message();
      backoff_ms = std::clamp<int64_t>(backoff_ms * 2, 1000, 30000);
      next_tick = now + backoff_ms;
    }
  }
}

Status PgStore::WatchTick(int64_t now) {
  // A notification can be missed (a connection lost and made again): poll too.
  auto seq = watch_.Exec("SELECT value FROM store_seq");
  if (!seq.ok()) return seq.status();
  SawSeq(seq->Int(0, 0));
  std::vector<std::string> ids;
  std::map<int64_t, RunInfo> unfinished;
  {
    MutexLock lock(runs_mu_);
    for (int64_t id : running_) ids.push_back(Num(id));
    unfinished = unfinished_;
  }
  if (!ids.empty()) {
    auto beat =
        watch_.Exec("UPDATE sync_runs SET heartbeat_ms = $1 WHERE id = ANY($2::bigint[]) AND status = 'running'",
                    {Num(now), ArrayLiteral(ids)});
    if (!beat.ok()) return beat.status();
  }
  for (const auto& entry : unfinished) {
    const RunInfo& run = entry.second;
    if (Status s = Submit<bool>([run](pg::Conn& db) { return WriteFinish(db, run); }).get().status(); !s.ok()) return s;
    MutexLock lock(runs_mu_);
    unfinished_.erase(run.id);
    running_.erase(run.id);
  }
  if (now >= reap_after_ms_) Reap(watch_);
  return Status::Ok();
}

// Runs of other replicas whose heartbeat stopped: their replica died (or lost the
// database) mid-run. Marked lost, so that the source's next occurrence runs on another
// replica (lost is no failure of the source's: it adds no backoff).
void PgStore::Reap(pg::Conn& db) {
  (void)db.Exec(
      "UPDATE sync_runs SET status = 'lost', finished_ms = $1,"
      " message = 'lost: the hub stopped during this run (replica ' || replica || ' stopped answering)'"
      " WHERE status = 'running' AND replica <> $2 AND heartbeat_ms <= $3",
      {Num(NowMs()), opts_.replica, Num(NowMs() - opts_.lost_after_ms)});
}

// Upserts through a staging table: COPY in (the fastest way into PostgreSQL), then one
// INSERT … ON CONFLICT of the rows whose hash changed, numbered in batch order. The hash
// is compared by a scalar subquery, one index probe a staged row: as NOT EXISTS, the
// planner (knowing nothing of the temporary table) hashed the whole of records for
// every batch, which made a first sync quadratic.
Status PgStore::Upsert(pg::Conn& db, const WriteBatch& b, int64_t* seq, WriteStats* stats) {
  // One row a key, the last one sent (a batch may carry a record twice).
  std::map<std::pair<std::string_view, std::string_view>, size_t> last;
  for (size_t i = 0; i < b.upserts.size(); ++i) last[{b.upserts[i].stream, b.upserts[i].id}] = i;
  std::string data;
  bool versions = false, names = false;
  for (size_t i = 0; i < b.upserts.size(); ++i) {
    const StoredRecord& r = b.upserts[i];
    if (last[{r.stream, r.id}] != i) continue;
    versions |= r.table_version != 0;
    data += Num(static_cast<int64_t>(i));
    for (const std::string* field : {&r.stream, &r.id, &r.kind, &r.time, &r.visibility}) {
      data += '\t';
      pg::AppendCopyText(&data, *field);
    }
    data += '\t' + Num(static_cast<int64_t>(std::hash<std::string>{}(r.json))) + '\t';
    pg::AppendCopyText(&data, r.json);
    data += '\t' + Num(r.table_version);
    for (const std::string* field : {&r.title, &r.summary, &r.search_text}) {
      data += '\t';
      pg::AppendCopyText(&data, *field);
    }
    data += '\t';
    if (!r.names.empty()) {  // a JSON array, for jsonb_array_elements_text
      names = true;
      pg::AppendCopyText(&data, json(r.names).dump());
    }
    data += '\n';
  }
  if (auto s = db.Script("CREATE TEMP TABLE IF NOT EXISTS staging(n BIGINT, stream TEXT, id TEXT, kind TEXT,"
                         " time TEXT, visibility TEXT, hash BIGINT, json TEXT, tv BIGINT, title TEXT, summary TEXT,"
                         " body TEXT, names TEXT) ON COMMIT DELETE ROWS");
      !s.ok())
    return s;
  if (auto s = db.Copy("COPY staging FROM STDIN", data); !s.ok()) return s;
  int64_t staged = static_cast<int64_t>(last.size());
  if (names) {  // records that name someone erased are never stored again
    auto gone = db.Exec(
        "DELETE FROM staging s WHERE s.names <> '' AND EXISTS (SELECT 1 FROM erased_names e"
        " WHERE e.name IN (SELECT jsonb_array_elements_text(s.names::jsonb)))");
    if (!gone.ok()) return gone.status().Prefixed("erased names");
    stats->suppressed += gone->Changes();
    staged -= gone->Changes();
  }
  // The search vector is a generated column (pg_schema.cc, migration 3): the server
  // makes it of title, summary and body, with kJoiners as spaces, as FTS5 reads them.
  auto r = db.Exec(
      "INSERT INTO records AS r (uid, source, stream, id, kind, time, visibility, hash, seq, created_seq, json,"
      " table_version, title, summary, body)"
      " SELECT nextval('record_uids'), $1, s.stream, s.id, s.kind, s.time, s.visibility, s.hash,"
      " $2 + row_number() OVER w, $2 + row_number() OVER w, s.json, s.tv, s.title, s.summary, s.body"
      " FROM staging s WHERE (SELECT o.hash FROM records o"
      "   WHERE o.source = $1 AND o.stream = s.stream AND o.id = s.id) IS DISTINCT FROM s.hash"
      " WINDOW w AS (ORDER BY s.n) ORDER BY s.n"
      " ON CONFLICT (source, stream, id) DO UPDATE SET kind = excluded.kind, time = excluded.time,"
      " visibility = excluded.visibility, hash = excluded.hash, seq = excluded.seq, json = excluded.json,"
      " table_version = excluded.table_version, title = excluded.title, summary = excluded.summary,"
      " body = excluded.body, previous_seq = r.seq,"
      " previous = jsonb_build_object('seq', r.seq, 'title', r.title, 'time', r.time,"
      "   'end', r.json::jsonb->'end', 'place', r.json::jsonb->'location'->'name')::text"
      " RETURNING r.created_seq = r.seq, r.uid",
      {b.source, Num(*seq)});
  if (!r.ok()) return r.status().Prefixed("upsert");
  int64_t changed = r->size();
  if (changed > 0) {  // whom the changed records are about, afresh (an updated one's old names go)
    std::string uids = "{", updated = "{";
    for (int i = 0; i < r->size(); ++i) {
      if (i) uids += ',';
      uids += r->View(i, 1);
      if (r->View(i, 0) == "t") continue;
      if (updated.size() > 1) updated += ',';
      updated += r->View(i, 1);
    }
    uids += '}';
    updated += '}';
    if (updated.size() > 2)
      if (auto d = db.Exec("DELETE FROM record_names WHERE uid = ANY($1::bigint[])", {updated}); !d.ok())
        return d.status().Prefixed("record names");
    if (names)
      if (auto put = db.Exec("INSERT INTO record_names(name, uid) SELECT DISTINCT n.name, o.uid FROM staging s"
                             " JOIN records o ON o.source = $1 AND o.stream = s.stream AND o.id = s.id,"
                             " jsonb_array_elements_text(s.names::jsonb) AS n(name)"
                             " WHERE s.names <> '' AND o.uid = ANY($2::bigint[])",
                             {b.source, uids});
          !put.ok())
        return put.status().Prefixed("record names");
  }
  for (int i = 0; i < r->size(); ++i) stats->inserted += r->View(i, 0) == "t";
  stats->changed += changed;
  stats->unchanged += staged - changed;
  *seq += changed;
  // Sent again unchanged by a full pass: only its version moves (no change to feed).
  if (versions && staged > changed)
    if (auto u = db.Exec("UPDATE records r SET table_version = s.tv FROM staging s WHERE s.tv <> 0 AND"
                         " r.source = $1 AND r.stream = s.stream AND r.id = s.id AND r.table_version <> s.tv",
                         {b.source});
        !u.ok())
      return u.status();
  return Status::Ok();
}

Status PgStore::Delete(pg::Conn& db, const std::string& source, const std::string& stream, const std::string& id,
                       int64_t* seq, WriteStats* stats) {
  auto r = db.Exec(
      "WITH gone AS (DELETE FROM records WHERE source = $1 AND stream = $2 AND id = $3"
      "  RETURNING stream, id, visibility, title, kind, json_build_object('people', COALESCE(json::jsonb->'people', "
      "'[]'::jsonb), 'time', time)::text AS was)"
      " INSERT INTO tombstones(seq, source, stream, id, deleted_ms, visibility, title, kind, was)"
      " SELECT $4, $1, stream, id, $5, visibility, title, kind, was FROM gone",
      {source, stream, id, Num(*seq + 1), Num(NowMs())});
  if (!r.ok()) return r.status().Prefixed("delete");
  *seq += r->Changes();
  stats->deleted += r->Changes();
  return Status::Ok();
}

Result<WriteStats> PgStore::ApplyBatch(pg::Conn& db, const WriteBatch& b) {
  WriteStats stats;
  if (auto s = db.Begin(); !s.ok()) return s;
  auto run = [&]() -> Status {
    // The sequence's row, locked until COMMIT: writers of every replica take turns.
    auto locked = db.Exec("SELECT value FROM store_seq WHERE id = 1 FOR UPDATE");
    if (!locked.ok()) return locked.status();
    const int64_t before = locked->Int(0, 0);
    int64_t seq = before;
    if (!b.upserts.empty())
      if (auto s = Upsert(db, b, &seq, &stats); !s.ok()) return s;
    for (const auto& [stream, id] : b.deletes)
      if (auto s = Delete(db, b.source, stream, id, &seq, &stats); !s.ok()) return s;
    for (const auto& [stream, version] : b.activations) {
      auto r = db.Exec(
          "WITH gone AS (DELETE FROM records WHERE source = $1 AND stream = $2 AND table_version < $3"
          "  RETURNING uid, stream, id, visibility, title, kind, json_build_object('people', "
          "COALESCE(json::jsonb->'people', '[]'::jsonb), 'time', time)::text AS was)"
          " INSERT INTO tombstones(seq, source, stream, id, deleted_ms, visibility, title, kind, was)"
          " SELECT $4 + row_number() OVER (ORDER BY uid), $1, stream, id, $5, visibility, title, kind, was FROM gone",
          {b.source, stream, Num(version), Num(seq), Num(NowMs())});
      if (!r.ok()) return r.status().Prefixed("retire");
      seq += r->Changes();
      stats.deleted += r->Changes();
    }
    if (stats.inserted != stats.deleted)
      if (auto r = db.Exec("INSERT INTO source_stats(source, records, first_seq) VALUES($1, $2, $3)"
                           " ON CONFLICT(source) DO UPDATE SET records = source_stats.records + excluded.records",
                           {b.source, Num(stats.inserted - stats.deleted), Num(before + 1)});
          !r.ok())
        return r.status();
    if (b.run_id > 0 && (!b.upserts.empty() || stats.deleted > 0))
      if (auto r = db.Exec("UPDATE sync_runs SET records = records + $1, deletes = deletes + $2 WHERE id = $3",
                           {Num(static_cast<int64_t>(b.upserts.size())), Num(stats.deleted), Num(b.run_id)});
          !r.ok())
        return r.status();
    if (b.state)
      if (auto r = db.Exec("INSERT INTO stream_state(source, stream, state, updated_ms) VALUES($1, $2, $3, $4)"
                           " ON CONFLICT(source, stream) DO UPDATE SET state = excluded.state,"
                           " updated_ms = excluded.updated_ms",
                           {b.source, b.state->first, b.state->second, Num(NowMs())});
          !r.ok())
        return r.status();
    if (seq != before) {
      if (auto r = db.Exec("UPDATE store_seq SET value = $1 WHERE id = 1", {Num(seq)}); !r.ok()) return r.status();
      // Delivered at COMMIT, to every replica listening.
      if (auto r = db.Exec("SELECT pg_notify('coophub_changes', $1)", {Num(seq)}); !r.ok()) return r.status();
    }
    if (auto s = db.Commit(); !s.ok()) return s;
    SawSeq(seq);
    changed_since_analyze_ += stats.changed + stats.deleted;
    return Status::Ok();
  };
  if (Status s = run(); !s.ok()) {
    db.Rollback();
    return s;
  }
  return stats;
}

Result<int64_t> PgStore::ApplyPrune(pg::Conn& db, const PruneBatch& p) {
  using What = PruneBatch::What;
  if (p.what == What::kRecords) {  // as the source's deletes: tombstones, the change feed, the counts
    auto old =
        db.Exec("SELECT stream, id FROM records WHERE source = $1 AND time <> '' AND time < $2 ORDER BY time LIMIT $3",
                {p.source, FormatRfc3339(p.before_ms / 1000), Num(p.limit)});
    if (!old.ok()) return old.status();
    WriteBatch b;
    b.source = p.source;
    for (int i = 0; i < old->size(); ++i) b.deletes.emplace_back(old->Text(i, 0), old->Text(i, 1));
    if (b.deletes.empty()) return int64_t{0};
    auto stats = ApplyBatch(db, b);
    if (!stats.ok()) return stats.status();
    return stats->deleted;
  }
  if (p.what == What::kNamed) {  // an erasure: deletes, source by source
    auto named = db.Exec(
        "SELECT source, stream, id FROM records WHERE uid IN (SELECT uid FROM record_names"
        " WHERE name IN (SELECT jsonb_array_elements_text($1::jsonb))) ORDER BY uid LIMIT $2",
        {json(p.names).dump(), Num(int64_t{p.limit})});
    if (!named.ok()) return named.status();
    std::map<std::string, WriteBatch> by_source;
    for (int i = 0; i < named->size(); ++i)
      by_source[named->Text(i, 0)].deletes.emplace_back(named->Text(i, 1), named->Text(i, 2));
    int64_t removed = 0;
    for (auto& [source, b] : by_source) {
      b.source = source;
      auto stats = ApplyBatch(db, b);
      if (!stats.ok()) return stats.status();
      removed += stats->deleted;
    }
    return removed;
  }
  if (p.what == What::kAudit) {
    auto r = db.Exec("DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE ts_ms < $1 ORDER BY ts_ms LIMIT $2)",
                     {Num(p.before_ms), Num(p.limit)});
    if (!r.ok()) return r.status();
    return r->Changes();
  }
  if (auto s = db.Begin(); !s.ok()) return s;
  auto run = [&]() -> Result<int64_t> {
    auto gone = db.Exec(
        "WITH old AS (SELECT id FROM sync_runs WHERE status <> 'running' AND finished_ms > 0 AND finished_ms < $1"
        "  AND id NOT IN (SELECT last_run FROM source_runs)"
        "  AND id NOT IN (SELECT MAX(id) FROM sync_runs WHERE status = 'ok' GROUP BY source) ORDER BY id LIMIT $2),"
        " logs AS (DELETE FROM run_logs WHERE run_id IN (SELECT id FROM old))"
        " DELETE FROM sync_runs WHERE id IN (SELECT id FROM old) RETURNING source, status",
        {Num(p.before_ms), Num(p.limit)});
    if (!gone.ok()) return gone.status();
    std::map<std::pair<std::string, std::string>, int64_t> counted;
    for (int i = 0; i < gone->size(); ++i) ++counted[{gone->Text(i, 0), gone->Text(i, 1)}];
    for (const auto& [key, n] : counted)
      if (auto r = db.Exec("INSERT INTO runs_pruned(source, status, n) VALUES($1, $2, $3) ON CONFLICT(source, status)"
                           " DO UPDATE SET n = runs_pruned.n + excluded.n",
                           {key.first, key.second, Num(n)});
          !r.ok())
        return r.status();
    if (auto s = db.Commit(); !s.ok()) return s;
    return static_cast<int64_t>(gone->size());
  };
  auto n = run();
  if (!n.ok()) db.Rollback();
  return n;
}

Result<ChangePage> PgStore::ListChanges(int64_t after, const std::vector<std::string>& visibilities, int limit) {
  std::string filter = visibilities.empty() ? "" : " AND visibility = ANY($3::text[])";
  std::string sql =
      "SELECT seq, uid, json, created_seq, CASE WHEN previous_seq <= $1 THEN previous END, '', '', '', '', '', '', ''"
      " FROM records WHERE seq > $1" +
      filter +
      " UNION ALL SELECT seq, 0, '', 0, NULL, source, stream, id, title, kind, was, visibility FROM tombstones"
      " WHERE seq > $1" +
      filter + " ORDER BY seq LIMIT $2";
  std::vector<Param> params = {Num(after), Num(limit)};
  if (!visibilities.empty()) params.emplace_back(ArrayLiteral(visibilities));
  return WithReader<ChangePage>([&](pg::Conn& db) -> Result<ChangePage> {
    auto r = db.Exec(sql, params);
    if (!r.ok()) return r.status();
    ChangePage page;
    page.items_json = "[";
    for (int i = 0; i < r->size(); ++i) {
      int64_t seq = r->Int(i, 0), uid = r->Int(i, 1);
      std::string item = "{\"seq\":" + Num(seq);
      if (uid) {
        item += r->Int(i, 3) > after ? ",\"op\":\"upsert\",\"created\":true,\"record\":"
                                     : ",\"op\":\"upsert\",\"created\":false,\"record\":";
        store::AppendWithUid(uid, r->View(i, 2), &item);
        if (!r->Null(i, 4)) item += ",\"previous\":" + r->Text(i, 4);
      } else {
        json key = {{"source", r->Text(i, 5)}, {"stream", r->Text(i, 6)}, {"id", r->Text(i, 7)},
                    {"title", r->Text(i, 8)},  {"kind", r->Text(i, 9)},   {"visibility", r->Text(i, 11)}};
        json was = json::parse(r->View(i, 10), nullptr, /*allow_exceptions=*/false);
        key["was"] = was.is_object() ? was : json::object();
        std::string text = key.dump(-1, ' ', false, json::error_handler_t::replace);
        item += ",\"op\":\"delete\"," + text.substr(1, text.size() - 2);
      }
      item += '}';
      if (page.count++) page.items_json += ',';
      page.items_json += item;
      page.items.emplace_back(seq, std::move(item));
      page.last_seq = seq;
    }
    page.items_json += "]";
    return page;
  });
}

Result<PgStore::Words> PgStore::SearchWords(pg::Conn& db, const std::vector<std::string>& words,
                                            const std::string& filters) {
  Words w;
  for (const std::string& word : words) w.key += word + '\n';  // no word holds a control character
  w.key += filters;
  {
    MutexLock lock(tsq_mu_);
    if (auto it = words_.find(w.key); it != words_.end()) return it->second;
  }
  // Every word required, as a phrase of its tokens; the last also as a prefix when
  // it is one token of two characters or more. Words with no letters or digits add
  // nothing; with none left, there is no search.
  std::string expr;
  std::vector<Param> wargs;
  for (size_t i = 0; i < words.size(); ++i) {
    wargs.emplace_back(JoinersAsSpaces(words[i]));  // as in the records' vectors
    std::string p = "$" + Num(static_cast<int64_t>(i + 1));
    std::string part = "phraseto_tsquery('coophub_search', " + p + ")";
    if (i + 1 == words.size())  // its tokens in order, the last one as a prefix
      part = "(SELECT CASE WHEN count(*) = 1 AND max(char_length(lexeme)) < 2 THEN " + part +
             " ELSE COALESCE(string_agg('''' || replace(replace(lexeme, '\\', '\\\\'), '''', '''''') ||"
             " CASE WHEN pos = last THEN ''':*' ELSE '''' END, ' <-> ' ORDER BY pos), '')::tsquery END"
             " FROM (SELECT lexeme, positions[1] AS pos, max(positions[1]) OVER () AS last"
             " FROM unnest(to_tsvector('coophub_search', " +
             p + "))) t)";
    expr += (i ? " && " : "") + part;
  }
  auto built = db.Exec("SELECT q::text, numnode(q) FROM (SELECT " + expr + " AS q) x", wargs);
  if (!built.ok()) return built.status();
  if (built->Int(0, 1) > 0) w.query = built->Text(0, 0);
  MutexLock lock(tsq_mu_);
  if (words_.size() >= kTsQueriesKept) words_.clear();
  words_.emplace(w.key, w);
  return w;
}

void PgStore::Remember(const std::string& key, Found found) {
  MutexLock lock(tsq_mu_);
  if (auto it = words_.find(key); it != words_.end()) it->second.found = found;
}

Result<RecordPage> PgStore::ListRecords(const RecordQuery& q) {
  std::vector<Param> params;
  std::string filters;
  auto add = [&](const char* column, const char* op, const std::string& v) {
    params.emplace_back(v);
    filters += std::string(" AND r.") + column + op + "$" + Num(static_cast<int64_t>(params.size()));
  };
  if (!q.kind.empty()) add("kind", " = ", q.kind);
  if (!q.source.empty()) add("source", " = ", q.source);
  if (!q.stream.empty()) add("stream", " = ", q.stream);
  if (!q.since.empty()) add("time", " >= ", q.since);
  if (!q.until.empty()) add("time", " < ", q.until);
  if (!q.visibilities.empty()) {
    params.emplace_back(ArrayLiteral(q.visibilities));
    filters += " AND r.visibility = ANY($" + Num(static_cast<int64_t>(params.size())) + "::text[])";
  }
  int64_t offset = 0;  // sort=relevance pages by position
  if (!q.cursor.empty() && q.relevance) {
    auto at = store::DecodeOffsetCursor(q.cursor);
    if (!at.ok()) return at.status();
    offset = *at;
  } else if (!q.cursor.empty()) {
    auto cursor = store::DecodeCursor(q.cursor);
    if (!cursor.ok()) return cursor.status();
    params.emplace_back(cursor->time);
    std::string t = "$" + Num(static_cast<int64_t>(params.size()));
    params.emplace_back(Num(cursor->uid));
    std::string u = "$" + Num(static_cast<int64_t>(params.size()));
    filters += q.oldest_first ? " AND (r.time, r.uid) > (" + t + ", " + u + ")"
                              : " AND (r.time, r.uid) < (" + t + ", " + u + ")";
  }
  int limit = std::clamp(q.limit, 1, 500);
  std::vector<std::string> words = store::QueryWords(q.q);
  return WithReader<RecordPage>([&](pg::Conn& db) -> Result<RecordPage> {
    // The newest seq, read before the page: a page kept under it is never older (the
    // same check SQLite's data_version makes, here across replicas).
    bool cache = opts_.page_cache_bytes > 0;
    std::string key;
    uint64_t version = 0;
    if (cache) {
      auto v = db.Exec("SELECT value FROM store_seq");
      if (!v.ok()) return v.status();
      SawSeq(v->Int(0, 0));
      version = static_cast<uint64_t>(v->Int(0, 0));
      key = PageCache::Key(q);
      if (auto hit = pages_.Find(key, version)) return RecordPage(*hit);
    }
    std::vector<Param> args = params;
    Words searched;
    if (!words.empty()) {
      // Where a search found its page depends on its filters too, not on the time
      // bounds a page of it moves.
      std::string kept = q.kind + '\n' + q.source + '\n' + q.stream + '\n' + (q.oldest_first ? "old" : "new");
      for (const std::string& v : q.visibilities) kept += '\n' + v;
      auto w = SearchWords(db, words, kept);
      if (!w.ok()) return w.status();
      searched = std::move(*w);
    }
    const std::string& query = searched.query;  // the tsquery, as text
    const bool ranked = q.relevance && !query.empty();
    // sort=relevance without words to rank: newest first, as SQLite's.
    std::string order = ranked                           ? " ORDER BY rank DESC, r.time DESC, r.uid DESC"
                        : q.oldest_first && !q.relevance ? " ORDER BY r.time, r.uid"
                                                         : " ORDER BY r.time DESC, r.uid DESC";
    std::string cut = " LIMIT " + Num(limit + 1) + (q.relevance ? " OFFSET " + Num(offset) : "");
    bool snippets = q.snippet && !query.empty();
    // ts_headline gets the joiners protected (see kJoiners): it also drops what looks
    // like an HTML tag.
    std::string columns = snippets ? "r.uid, r.time, r.json, " +
                                         ProtectedSql(
                                             "concat_ws(' ', NULLIF(r.title, ''), NULLIF(r.summary, ''),"
                                             " NULLIF(r.body, ''))") +
                                         " AS text"
                                   : "r.uid, r.time, r.json";
    // Headlines for the page's rows only: a short text whole, as FTS5 gives it.
    // extra: columns of page_sql's to keep after the headline (", hits").
    auto with_snippets = [&](const std::string& page_sql, const std::string& extra = "") {
      if (!snippets) return page_sql;
      std::string qp = "$" + Num(static_cast<int64_t>(args.size())) + "::tsquery";
      std::string marks = "StartSel=\xEF\xB7\x90, StopSel=\xEF\xB7\x91";
      return "SELECT uid, time, json, CASE WHEN array_length(string_to_array(text, ' '), 1) <= 16"
             " THEN ts_headline('coophub_search', text, " +
             qp + ", '" + marks +
             ", HighlightAll=true')"
             " ELSE ts_headline('coophub_search', text, " +
             qp + ", '" + marks + ", MaxWords=16, MinWords=8, ShortWord=0, MaxFragments=1') END" + extra + " FROM (" +
             page_sql + ") r" + order;
    };
    Result<pg::Rows> r = Status::Internal("no query ran");
    if (query.empty()) {
      r = db.Exec("SELECT " + columns + " FROM records r WHERE true" + filters + order + cut, args);
    } else if (ranked) {
      // Every hit ranked (ts_rank_cd), then the page cut at its position: the cost of the hits.
      args.emplace_back(query);
      std::string qp = "$" + Num(static_cast<int64_t>(args.size())) + "::tsquery";
      r = db.Exec(with_snippets("SELECT " + columns + ", ts_rank_cd(r.search, " + qp +
                                ") AS rank FROM records r WHERE" + " r.search @@ " + qp + filters + order + cut),
                  args, pg::Conn::Plan::kPerCall);
    } else {
      // A search's page costs about a page, not its hits, in up to four steps, each
      // taken only when the one before could not fill the page:
      //  1. the newest kFirstWindow records that pass the filters, in order, each checked
      //     against the words: a word most records have fills the page there, and the
      //     walk stops at it;
      //  2. up to kFewHits + 1 hits from the GIN index, and the page of them, in one
      //     statement: when there are no more than kFewHits, that page is the answer
      //     (sorting so few costs less than a longer walk);
      //  3. the newest kSearchWindow records, as in 1;
      //  4. every hit from the GIN index, sorted: a word in many records of which none
      //     is recent, whose cost is its hits.
      // The words' next search starts where this one found its page (Words::found):
      // few hits take step 2 first; hits only step 4 found go from 1 to 4.
      // Whichever step answers, the page is the same: the first limit+1 matches in the
      // order asked (a window's matches come before any outside it). The plain plan,
      // for tests, is step 4 alone. The walks are prepared statements, which the server
      // plans once for all after a few runs; the steps from the GIN index are planned
      // for their values each time (see hits_page).
      args.emplace_back(query);
      std::string match = " r.search @@ $" + Num(static_cast<int64_t>(args.size())) + "::tsquery";
      auto walk = [&](int records) {
        std::string window =
            "SELECT r.uid, r.time, r.json, r.search, r.title, r.summary, r.body FROM records r WHERE"
            " true" +
            filters + order + " LIMIT " + Num(records);
        return db.Exec(with_snippets("SELECT " + columns + " FROM (" + window + ") r WHERE" + match + order + cut),
                       args);
      };
      // The page of the first `most` hits the GIN index gives (all, without); with
      // `most`, how many those were, in the last column of each row.
      auto hits_page = [&](std::optional<int64_t> most) {
        std::string hits = "WITH hits AS MATERIALIZED (SELECT r.uid, r.time FROM records r WHERE" + match + filters +
                           (most ? " LIMIT " + Num(*most) : "") + ") SELECT " + columns +
                           (most ? ", (SELECT count(*) FROM hits) AS hits" : "") +
                           " FROM records r WHERE r.uid IN (SELECT h.uid FROM hits h" +
                           (q.oldest_first ? " ORDER BY h.time, h.uid" : " ORDER BY h.time DESC, h.uid DESC") + cut +
                           ")" + order + cut;
        // Planned for its values: a generic plan would guess a filter's selectivity and
        // read every hit of "invoice" to find that no event has it.
        return db.Exec(with_snippets(hits, most ? ", hits" : ""), args, pg::Conn::Plan::kPerCall);
      };
      bool done = false;
      auto walk_step = [&](int records) {
        r = walk(records);
        done = !r.ok() || r->size() == limit + 1;
      };
      auto few_step = [&] {
        r = hits_page(kFewHits + 1);
        if (!r.ok()) {
          done = true;
          return;
        }
        done = r->size() == 0 || r->Int(0, r->columns() - 1) <= kFewHits;
        if (done != (searched.found == Found::kFewHits))
          Remember(searched.key, done ? Found::kFewHits : Found::kNewest);
      };
      if (!q.plain_plan) {
        const Found last = searched.found;
        if (last == Found::kFewHits) few_step();
        if (!done) walk_step(kFirstWindow);
        if (done && last == Found::kOnlyAllHits) Remember(searched.key, Found::kNewest);
        if (!done && last == Found::kNewest) few_step();
        if (!done && last != Found::kOnlyAllHits) walk_step(kSearchWindow);
        if (!done && last != Found::kOnlyAllHits) Remember(searched.key, Found::kOnlyAllHits);
      }
      if (!done) r = hits_page(std::nullopt);
    }
    if (!r.ok()) return r.status();
    RecordPage page;
    page.items_json.clear();
    page.items_json.reserve(static_cast<size_t>(limit) * 640);
    page.items_json += '[';
    for (int i = 0; i < r->size(); ++i) {
      if (page.count == limit) {
        page.next_cursor = q.relevance ? store::EncodeOffsetCursor(offset + limit)
                                       : store::EncodeCursor(r->Text(i - 1, 1), r->Int(i - 1, 0));
        break;
      }
      int64_t uid = r->Int(i, 0);
      if (page.count++) page.items_json += ',';
      if (snippets) {
        store::AppendWithSnippet(uid, r->View(i, 2), Unprotected(r->Text(i, 3)), q.snippet, &page.items_json);
      } else {
        store::AppendWithUid(uid, r->View(i, 2), &page.items_json);
      }
    }
    page.items_json += ']';
    if (cache) pages_.Put(key, version, page);
    return page;
  });
}

}  // namespace

int PostgresSchemaVersion() { return pg::SchemaVersion(); }

Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options) {
  auto store = std::make_unique<PgStore>(options);
  if (auto s = store->Open(); !s.ok()) return s;
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace coophub
