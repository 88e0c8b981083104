// SPDX-License-Identifier: Apache-2.0
//
// The SQLite backend of Store: one file in WAL mode, one writer thread fed by a queue,
// a pool of read-only connections. Full-text search (FTS5, keyed in time order: see
// fts_query.h) is kept by the writer with each batch, not by triggers.
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/sqlite/fts_query.h"
#include "store/page_cache.h"
#include "store/sql.h"
#include "store/sqlite/sqlite_db.h"
#include "store/record_text.h"
#include "store/work_queue.h"
#include "store/store.h"
#include "base/timeutil.h"
#include "base/mutex.h"

namespace coophub {
namespace {

namespace fs = std::filesystem;
using sqlite::Bind;
using sqlite::BuildFtsQuery;
using sqlite::Db;
using sqlite::SearchKey;
using sqlite::StepWith;
using sqlite::Text;

// Numbered migrations, applied in order inside one transaction each. Never edit one
// that has shipped: add the next.
const std::vector<const char*> kMigrations = {
    R"sql(
CREATE TABLE sources(id TEXT PRIMARY KEY, plugin TEXT NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE records(
  uid INTEGER PRIMARY KEY,
  source TEXT NOT NULL, stream TEXT NOT NULL, id TEXT NOT NULL,
  kind TEXT NOT NULL, time TEXT NOT NULL, visibility TEXT NOT NULL,
  hash INTEGER NOT NULL, seq INTEGER NOT NULL, created_seq INTEGER NOT NULL, json TEXT NOT NULL,
  UNIQUE(source, stream, id));
CREATE INDEX records_by_time ON records(time DESC, uid DESC);
CREATE INDEX records_by_kind ON records(kind, time DESC, uid DESC);
CREATE INDEX records_by_source ON records(source, time DESC, uid DESC);
CREATE INDEX records_by_seq ON records(seq);
CREATE VIRTUAL TABLE record_search USING fts5(title, summary, body,
  tokenize = 'unicode61 remove_diacritics 2');
CREATE TABLE tombstones(seq INTEGER PRIMARY KEY, source TEXT NOT NULL, stream TEXT NOT NULL,
  id TEXT NOT NULL, deleted_ms INTEGER NOT NULL);
CREATE TABLE stream_state(source TEXT NOT NULL, stream TEXT NOT NULL, state TEXT NOT NULL,
  updated_ms INTEGER NOT NULL, PRIMARY KEY(source, stream));
CREATE TABLE sync_runs(id INTEGER PRIMARY KEY, source TEXT NOT NULL, trigger TEXT NOT NULL,
  status TEXT NOT NULL, started_ms INTEGER NOT NULL, finished_ms INTEGER NOT NULL DEFAULT 0,
  records INTEGER NOT NULL DEFAULT 0, deletes INTEGER NOT NULL DEFAULT 0,
  message TEXT NOT NULL DEFAULT '');
CREATE INDEX sync_runs_by_source ON sync_runs(source, id DESC);
CREATE TABLE run_logs(run_id INTEGER NOT NULL, ts_ms INTEGER NOT NULL, level TEXT NOT NULL,
  message TEXT NOT NULL);
CREATE INDEX run_logs_by_run ON run_logs(run_id);
CREATE TABLE source_stats(source TEXT PRIMARY KEY, records INTEGER NOT NULL);
)sql",
    // 2: accounts. Sessions and tokens are stored as hashes of their secrets only.
    R"sql(
CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password TEXT NOT NULL, role TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE sessions(hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf TEXT NOT NULL, created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
CREATE TABLE tokens(id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, name TEXT NOT NULL,
  scope TEXT NOT NULL, created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL,
  last_used_ms INTEGER NOT NULL DEFAULT 0);
CREATE TABLE audit(id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, who TEXT NOT NULL,
  action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL);
)sql",
    // 3: a delete keeps the record's visibility, so the change feed shows it only to
    // those who saw the record.
    R"sql(
ALTER TABLE tombstones ADD COLUMN visibility TEXT NOT NULL DEFAULT 'admins';
)sql",
    // 4: the search index in time order (see fts_query.h): its rowid becomes the record's
    // search key, short prefixes get their own index, and its vocabulary becomes readable.
    R"sql(
ALTER TABLE records ADD COLUMN search_key INTEGER NOT NULL DEFAULT 0;
UPDATE records SET search_key = uid + 268435456 *
  max(min(COALESCE(CAST(strftime('%s', time) AS INTEGER), 0), 17179869183), -17179869184);
CREATE VIRTUAL TABLE record_search_by_time USING fts5(title, summary, body,
  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
INSERT INTO record_search_by_time(rowid, title, summary, body)
  SELECT r.search_key, s.title, s.summary, s.body FROM records r JOIN record_search s ON s.rowid = r.uid;
DROP TABLE record_search;
ALTER TABLE record_search_by_time RENAME TO record_search;
CREATE VIRTUAL TABLE record_terms USING fts5vocab(record_search, 'instance');
)sql",
    // 5: sources made through the API (hub.yaml's stay in the file). secrets: the
    // secret fields, sealed with data_dir/secrets.key (sqlite_sources.cc). Migration 1's
    // sources table was never written to.
    R"sql(
DROP TABLE sources;
CREATE TABLE sources(id TEXT PRIMARY KEY, plugin TEXT NOT NULL, visibility TEXT NOT NULL,
  every_ms INTEGER NOT NULL, enabled INTEGER NOT NULL, config TEXT NOT NULL,
  secrets TEXT NOT NULL DEFAULT '', updated_ms INTEGER NOT NULL);
)sql",
    // 6: dashboards saved through the API (hub.yaml's stay in the file), as their JSON
    // form (dashboards.h).
    R"sql(
CREATE TABLE dashboards(id TEXT PRIMARY KEY, json TEXT NOT NULL, updated_ms INTEGER NOT NULL);
)sql",
    // 7: share links for embeds, stored as hashes of their secrets only.
    R"sql(
CREATE TABLE shares(id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  source TEXT NOT NULL, kind TEXT NOT NULL, visibility TEXT NOT NULL, created_by TEXT NOT NULL,
  created_ms INTEGER NOT NULL);
)sql",
    // 8: the language each user picked for the pages.
    R"sql(
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT '';
)sql",
    // 9: the full pass that last sent each record (protocol.h, kActivateVersion); 0: none.
    R"sql(
ALTER TABLE records ADD COLUMN table_version INTEGER NOT NULL DEFAULT 0;
)sql",
    // 10: each source's last run and last success, kept as runs begin and end, so the
    // sources' health is one read however long their history.
    R"sql(
CREATE TABLE source_runs(source TEXT PRIMARY KEY, last_run INTEGER NOT NULL, last_success_ms INTEGER NOT NULL);
INSERT INTO source_runs SELECT source, MAX(id), COALESCE(MAX(CASE WHEN status = 'ok' THEN finished_ms END), 0)
  FROM sync_runs GROUP BY source;
)sql",
    // 11: the name members read for a source made through the API ("": its id).
    R"sql(
ALTER TABLE sources ADD COLUMN name TEXT NOT NULL DEFAULT '';
)sql",
    // 12: "since your last visit" says what changed: a changed record keeps what it
    // was (title, time, end, place, and the seq of that version), a removed one its
    // title; and each account's visits, so that every device agrees.
    R"sql(
ALTER TABLE records ADD COLUMN previous TEXT;
CREATE TRIGGER records_keep_previous AFTER UPDATE OF hash ON records BEGIN
  UPDATE records SET previous = json_object('seq', OLD.seq, 'title', json_extract(OLD.json, '$.title'),
    'time', OLD.time, 'end', json_extract(OLD.json, '$.end'), 'place', json_extract(OLD.json, '$.location.name'))
  WHERE uid = NEW.uid;
END;
ALTER TABLE tombstones ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE tombstones ADD COLUMN kind TEXT NOT NULL DEFAULT '';
CREATE TABLE visits(user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  base INTEGER NOT NULL, head INTEGER NOT NULL, time INTEGER NOT NULL);
)sql",
    // 13: what the admin changed of a hub.yaml source (NULL: the file's value).
    R"sql(
CREATE TABLE source_overrides(id TEXT PRIMARY KEY, enabled INTEGER, every_ms INTEGER, name TEXT,
  updated_ms INTEGER NOT NULL);
)sql",
    // 14: when each source first wrote (the seq of its first record), so that a source
    // added since a reader's last visit brings no flood of "new"; and when that visit
    // was (the time of its last page view), which such records are compared with. For
    // the records already here, the oldest seq left is the best guess.
    R"sql(
ALTER TABLE source_stats ADD COLUMN first_seq INTEGER NOT NULL DEFAULT 0;
UPDATE source_stats SET first_seq = COALESCE((SELECT MIN(seq) FROM records r WHERE r.source = source_stats.source), 0);
ALTER TABLE visits ADD COLUMN base_time INTEGER NOT NULL DEFAULT 0;
)sql",
    // 15: the sites an admin allowed to embed widgets, beside hub.yaml's embed_origins.
    R"sql(
CREATE TABLE embed_origins(origin TEXT PRIMARY KEY, added_by TEXT NOT NULL, added_ms INTEGER NOT NULL);
)sql",
    // 16: how an API source's items look: its icon and colour ("": the defaults).
    R"sql(
ALTER TABLE sources ADD COLUMN icon TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN color TEXT NOT NULL DEFAULT '';
)sql",
    // 17: runs claimed as PostgreSQL's are (store.h, RunClaim): each occurrence of a
    // schedule once, one running run a source, sync-now requests queued; failed
    // sign-ins kept in the store, as every replica must count them.
    R"sql(
UPDATE sync_runs SET status = 'failed', message = 'the hub stopped during this run' WHERE status = 'running';
ALTER TABLE sync_runs ADD COLUMN scheduled_ms INTEGER;
CREATE UNIQUE INDEX sync_runs_by_occurrence ON sync_runs(source, scheduled_ms);
CREATE UNIQUE INDEX sync_runs_one_running ON sync_runs(source) WHERE status = 'running';
CREATE TABLE sync_requests(id INTEGER PRIMARY KEY, source TEXT NOT NULL, requested_ms INTEGER NOT NULL);
-- Failed sign-ins, one row each, by key (an address; an address and a name).
CREATE TABLE login_failures(key TEXT NOT NULL, at_s INTEGER NOT NULL);
CREATE INDEX login_failures_by_key ON login_failures(key, at_s);
CREATE INDEX login_failures_by_time ON login_failures(at_s);
)sql",
    // 18: matching's offers; an accepted request is a row of match_accepts, whose key
    // makes the first accept the only one.
    R"sql(
CREATE TABLE match_offers(id INTEGER PRIMARY KEY, request_uid INTEGER NOT NULL, person_uid INTEGER NOT NULL,
  person_id TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', offered_by TEXT NOT NULL,
  link_hash TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL, answered_ms INTEGER NOT NULL DEFAULT 0,
  expires_ms INTEGER NOT NULL DEFAULT 0, UNIQUE(request_uid, person_uid));
CREATE INDEX match_offers_by_person ON match_offers(person_uid, id);
CREATE TABLE match_accepts(request_uid INTEGER PRIMARY KEY, person_uid INTEGER NOT NULL, person_id TEXT NOT NULL,
  offer_id INTEGER NOT NULL, accepted_ms INTEGER NOT NULL);
)sql",
    // 19: what members corrected in their own matching profile, by person record uid;
    // fields is a JSON object ({} once every correction is taken back).
    R"sql(
CREATE TABLE match_profiles(person_uid INTEGER PRIMARY KEY, fields TEXT NOT NULL, updated_by TEXT NOT NULL,
  updated_ms INTEGER NOT NULL);
)sql",
    // 20: where the hub's mail to each user goes ('' none).
    R"sql(
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
)sql",
    // 21: notifications: each member's choices, the outbox (a message queued once by its
    // dedupe key, claimed by one sender), and the key that signs links in mail.
    R"sql(
CREATE TABLE notify_prefs(user_id INTEGER PRIMARY KEY, digest TEXT NOT NULL DEFAULT '',
  alerts_off TEXT NOT NULL DEFAULT '', digest_seq INTEGER NOT NULL DEFAULT -1,
  digest_period TEXT NOT NULL DEFAULT '', digest_s INTEGER NOT NULL DEFAULT 0,
  updated_ms INTEGER NOT NULL DEFAULT 0);
CREATE TABLE mail_outbox(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, kind TEXT NOT NULL,
  dedupe TEXT NOT NULL UNIQUE, to_addr TEXT NOT NULL, subject TEXT NOT NULL, message TEXT NOT NULL,
  status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, code INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '', claimed_by TEXT NOT NULL DEFAULT '', claimed_ms INTEGER NOT NULL DEFAULT 0,
  next_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL, sent_ms INTEGER NOT NULL DEFAULT 0);
CREATE INDEX mail_outbox_due ON mail_outbox(status, next_ms);
CREATE INDEX mail_outbox_claimed ON mail_outbox(claimed_ms);
CREATE INDEX mail_outbox_by_user ON mail_outbox(user_id, id);
CREATE TABLE hub_keys(name TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql",
    // 22: what a removed record was ({"people":[…],"time":…}): whom its removal concerns.
    R"sql(
ALTER TABLE tombstones ADD COLUMN was TEXT NOT NULL DEFAULT '{}';
)sql",
    // 23: each member's notifications, as the page lists them (read_ms 0: unread); an
    // alert or digest is listed once, by its dedupe key.
    R"sql(
CREATE TABLE notices(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, kind TEXT NOT NULL,
  dedupe TEXT NOT NULL UNIQUE, title TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '', url TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL, read_ms INTEGER NOT NULL DEFAULT 0);
CREATE INDEX notices_by_user ON notices(user_id, id);
)sql",
    // 24: webhooks out: admins' subscriptions (the signing secret kept to sign with), and
    // each delivery: queued once by its dedupe key, claimed by one sender, retried for a
    // day, then failed (the dead letters) until redelivered.
    R"sql(
CREATE TABLE webhooks(id INTEGER PRIMARY KEY, url TEXT NOT NULL, format TEXT NOT NULL, events TEXT NOT NULL,
  kinds TEXT NOT NULL DEFAULT '', sources TEXT NOT NULL DEFAULT '', visibilities TEXT NOT NULL,
  secret TEXT NOT NULL, timeout_ms INTEGER NOT NULL, enabled INTEGER NOT NULL DEFAULT 1, from_seq INTEGER NOT NULL,
  created_by TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE webhook_deliveries(id INTEGER PRIMARY KEY, hook_id INTEGER NOT NULL, event TEXT NOT NULL,
  dedupe TEXT NOT NULL UNIQUE, payload TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  code INTEGER NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '', response TEXT NOT NULL DEFAULT '',
  claimed_by TEXT NOT NULL DEFAULT '', claimed_ms INTEGER NOT NULL DEFAULT 0, next_ms INTEGER NOT NULL,
  created_ms INTEGER NOT NULL, done_ms INTEGER NOT NULL DEFAULT 0);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_ms);
CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries(hook_id, id);
)sql",
    // 25: retention: the runs pruned, still counted by source and outcome (RunTotals);
    // the audit log by age.
    R"sql(
CREATE TABLE runs_pruned(source TEXT NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY(source, status));
CREATE INDEX audit_by_time ON audit(ts_ms);
)sql",
    // 26: a source made through the API keeps its records this long (0: while the source
    // has them), as hub.yaml's retention: says.
    R"sql(
ALTER TABLE sources ADD COLUMN retention_ms INTEGER NOT NULL DEFAULT 0;
)sql",
    // 27: members' data. Whom each record is about (RecordNames), filled for the records
    // already here when the store opens; the identities members claim and admins confirm;
    // erasure requests and the names erased, which no sync brings back; exports, kept in
    // chunks in the store so that any replica serves the link.
    R"sql(
CREATE TABLE record_names(name TEXT NOT NULL, uid INTEGER NOT NULL, PRIMARY KEY(name, uid)) WITHOUT ROWID;
CREATE INDEX record_names_by_uid ON record_names(uid);
CREATE TRIGGER record_names_gone AFTER DELETE ON records BEGIN DELETE FROM record_names WHERE uid = OLD.uid; END;
CREATE TABLE identities(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
  status TEXT NOT NULL, claimed_ms INTEGER NOT NULL, decided_by TEXT NOT NULL DEFAULT '',
  decided_ms INTEGER NOT NULL DEFAULT 0, UNIQUE(user_id, value));
CREATE INDEX identities_by_value ON identities(value);
CREATE TABLE erasure_requests(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, user_name TEXT NOT NULL,
  names TEXT NOT NULL, requested_by TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,
  created_ms INTEGER NOT NULL, decided_by TEXT NOT NULL DEFAULT '', decided_ms INTEGER NOT NULL DEFAULT 0,
  removed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE erased_names(name TEXT PRIMARY KEY, request_id INTEGER NOT NULL, erased_ms INTEGER NOT NULL);
CREATE TABLE exports(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, requested_by TEXT NOT NULL,
  status TEXT NOT NULL, link_hash TEXT NOT NULL, size INTEGER NOT NULL DEFAULT 0,
  records INTEGER NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '', claimed_by TEXT NOT NULL DEFAULT '',
  claimed_ms INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL, done_ms INTEGER NOT NULL DEFAULT 0,
  expires_ms INTEGER NOT NULL DEFAULT 0, about TEXT NOT NULL DEFAULT '');
CREATE TABLE export_chunks(export_id INTEGER NOT NULL, n INTEGER NOT NULL, data TEXT NOT NULL,
  PRIMARY KEY(export_id, n));
)sql",
};
// The migration that made record_names: a store that ran it now fills it (Open).
constexpr size_t kRecordNamesMigration = 27;

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(SqliteOptions o) : opts_(std::move(o)) {}
  ~SqliteStore() override { writer_.Stop(); }

  Status Open() {
    std::error_code ec;
    fs::path dir = fs::path(opts_.path).parent_path();
    if (!dir.empty()) fs::create_directories(dir, ec);
    if (ec) return Status::Unavailable("cannot create the data directory " + dir.string() + ": " + ec.message());
    if (auto s = wdb_.Open(opts_.path, false); !s.ok()) return s;
    if (auto s = Migrate(); !s.ok()) return s.Prefixed(opts_.path);
    if (fill_names_)
      if (auto s = FillNames(); !s.ok()) return s.Prefixed(opts_.path);
    sqlite3_stmt* st = wdb_.Prepare(
        "SELECT MAX(COALESCE((SELECT MAX(seq) FROM records),0),"
        " COALESCE((SELECT MAX(seq) FROM tombstones),0))");
    if (st && sqlite3_step(st) == SQLITE_ROW) next_seq_ = sqlite3_column_int64(st, 0) + 1;
    sqlite3_reset(st);  // a statement left on its row keeps a snapshot: the first write would fail
    {
      MutexLock lock(seq_mu_);
      committed_seq_ = next_seq_ - 1;
    }
    st = wdb_.Prepare("SELECT COALESCE(MAX(uid), 0) FROM records");
    if (st && sqlite3_step(st) == SQLITE_ROW) next_uid_ = sqlite3_column_int64(st, 0) + 1;
    sqlite3_reset(st);
    // Runs left "running" by a hub that died did not finish: say so.
    wdb_.Exec(
        "UPDATE sync_runs SET status='failed', message='the hub stopped during this run'"
        " WHERE status='running'");
    for (int i = 0; i < std::max(1, opts_.readers); ++i) {
      auto db = std::make_unique<Db>();
      if (auto s = db->Open(opts_.path, true); !s.ok()) return s;
      readers_.Add(std::move(db));
    }
    writer_.Start();
    return Status::Ok();
  }

  std::future<Result<WriteStats>> Write(WriteBatch batch) override {
    auto job = std::make_shared<WriteBatch>(std::move(batch));
    return Submit<WriteStats>([this, job](Db& db) { return ApplyBatch(db, *job); });
  }

  void ReleaseMemory() override {
    Submit<bool>([](Db& db) -> Result<bool> {
      sqlite3_db_release_memory(db.raw());
      // After a sync: fold the WAL into the file and cut it back to nothing, so a large
      // sync does not leave hundreds of MB of WAL behind. Without waiting: a reader that
      // holds an old snapshot makes it a passive checkpoint, and journal_size_limit
      // then cuts the WAL when the next write starts it over.
      sqlite3_busy_timeout(db.raw(), 0);
      sqlite3_wal_checkpoint_v2(db.raw(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
      sqlite3_busy_timeout(db.raw(), 5000);
      return true;
    }).get();
    readers_.ForEachIdle([](Db& db) { sqlite3_db_release_memory(db.raw()); });
  }

  Status Flush() override {
    auto f = Submit<bool>([](Db&) -> Result<bool> { return true; });
    return f.get().status();
  }

  Result<json> LoadState(const std::string& source) override {
    return WithReader<json>([&](Db& db) -> Result<json> {
      sqlite3_stmt* st = db.Prepare("SELECT stream, state FROM stream_state WHERE source=?");
      Bind(st, 1, source);
      json out = json::object();
      while (sqlite3_step(st) == SQLITE_ROW) {
        json v = json::parse(Text(st, 1), nullptr, false);
        if (!v.is_discarded()) out[Text(st, 0)] = std::move(v);
      }
      return out;
    });
  }

  using Store::BeginRun;
  Result<int64_t> BeginRun(const RunClaim& c) override {
    return Submit<int64_t>([=](Db& db) -> Result<int64_t> {
             if (auto s = db.Exec("SAVEPOINT begin_run"); !s.ok()) return s;
             auto r = ClaimRun(db, c);
             (void)db.Exec(r.ok() ? "RELEASE begin_run" : "ROLLBACK TO begin_run; RELEASE begin_run");
             return r;
           })
        .get();
  }

  Status RequestRun(const std::string& source) override {
    return Submit<bool>([=](Db& db) -> Result<bool> {
             if (StepWith(db.Prepare("INSERT INTO sync_requests(source, requested_ms)"
                                     " SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM sync_requests WHERE source = ?)"),
                          source, NowMs(), source) != SQLITE_DONE)
               return Status::Internal("SQLite: " + db.Error());
             return true;
           })
        .get()
        .status();
  }

  Result<std::vector<std::string>> RequestedRuns() override {
    return WithReader<std::vector<std::string>>([&](Db& db) -> Result<std::vector<std::string>> {
      sqlite3_stmt* st = db.Prepare("SELECT DISTINCT source FROM sync_requests ORDER BY source");
      if (!st) return Status::Internal("SQLite: " + db.Error());
      std::vector<std::string> out;
      while (sqlite3_step(st) == SQLITE_ROW) out.push_back(Text(st, 0));
      return out;
    });
  }

  Status AppendRunLog(int64_t run_id, const std::string& level, const std::string& message) override {
    // Fire and forget: a log line must never slow a sync down.
    Submit<bool>([=](Db& db) -> Result<bool> {
      sqlite3_stmt* st = db.Prepare("INSERT INTO run_logs(run_id, ts_ms, level, message) VALUES(?,?,?,?)");
      StepWith(st, run_id, NowMs(), level, message.substr(0, 4000));
      return true;
    });
    return Status::Ok();
  }

  Status FinishRun(const RunInfo& r) override {
    return Submit<bool>([=](Db& db) -> Result<bool> {
             sqlite3_stmt* st =
                 db.Prepare("UPDATE sync_runs SET status=?, finished_ms=?, records=?, deletes=?, message=? WHERE id=?");
             int64_t now = NowMs();
             if (StepWith(st, r.status, now, r.records, r.deletes, r.message, r.id) != SQLITE_DONE)
               return Status::Internal("SQLite: " + db.Error());
             if (r.status == "ok" && StepWith(db.Prepare("UPDATE source_runs SET last_success_ms = ?"
                                                         " WHERE source = (SELECT source FROM sync_runs WHERE id = ?)"),
                                              now, r.id) != SQLITE_DONE)
               return Status::Internal("SQLite: " + db.Error());
             return true;
           })
        .get()
        .status();
  }

  Result<RecordPage> ListRecords(const RecordQuery& q) override;
  Result<ChangePage> ListChanges(int64_t after, const std::vector<std::string>& visibilities, int limit) override;
  Result<std::map<std::pair<std::string, std::string>, int64_t>> RunTotals() override;
  std::future<Result<int64_t>> Prune(const PruneBatch& batch) override {
    return Submit<int64_t>([this, batch](Db& db) { return ApplyPrune(db, batch); });
  }
  int64_t LastSeq() override;
  Result<RecordPage> LinkedRecords(const std::vector<std::string>& names, int64_t after_uid, int limit) override {
    if (names.size() > 100) return Status::Invalid("at most 100 names");
    std::string list = json(names).dump();
    return WithReader<RecordPage>([&](Db& db) -> Result<RecordPage> {
      sqlite3_stmt* st = db.Prepare(
          "SELECT r.uid, r.json FROM records r WHERE r.uid IN (SELECT DISTINCT uid FROM record_names"
          " WHERE name IN (SELECT value FROM json_each(?)) AND uid > ?) ORDER BY r.uid LIMIT ?");
      Bind(st, 1, list);
      Bind(st, 2, after_uid);
      Bind(st, 3, int64_t{limit});
      RecordPage page;
      page.items_json = "[";
      int64_t last = 0;
      int rc;
      while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        last = sqlite3_column_int64(st, 0);
        if (page.count++) page.items_json += ',';
        store::AppendWithUid(last, View(st, 1), &page.items_json);
      }
      sqlite3_reset(st);
      if (rc != SQLITE_DONE) return Status::Internal("SQLite: " + db.Error());
      page.items_json += ']';
      if (page.count == limit) page.next_cursor = std::to_string(last);
      return page;
    });
  }
  Result<std::string> GetRecord(int64_t uid) override {
    return WithReader<std::string>([&](Db& db) -> Result<std::string> {
      sqlite3_stmt* st = db.Prepare("SELECT json FROM records WHERE uid=?");
      if (StepWith(st, uid) != SQLITE_ROW) return Status::NotFound("no record with uid " + std::to_string(uid));
      std::string out;
      store::AppendWithUid(uid, View(st, 0), &out);
      return out;
    });
  }

  Result<std::vector<SourceStats>> Stats() override {
    return WithReader<std::vector<SourceStats>>([&](Db& db) -> Result<std::vector<SourceStats>> {
      // Counts kept by the writer, the newest time from the (source, time) index: no scan.
      sqlite3_stmt* st = db.Prepare(
          "SELECT source, records, (SELECT MAX(time) FROM records r WHERE r.source = s.source), first_seq"
          " FROM source_stats s WHERE records > 0");
      std::vector<SourceStats> out;
      while (sqlite3_step(st) == SQLITE_ROW)
        out.push_back({Text(st, 0), sqlite3_column_int64(st, 1), Text(st, 2), sqlite3_column_int64(st, 3)});
      return out;
    });
  }

  // BeginRun's writes, in its savepoint.
  static Result<int64_t> ClaimRun(Db& db, const RunClaim& c) {
    sqlite3_stmt* st = db.Prepare(
        "INSERT INTO sync_runs(source, trigger, status, started_ms, scheduled_ms) VALUES(?, ?, 'running', ?, ?)"
        " ON CONFLICT DO NOTHING");
    std::optional<int64_t> scheduled;
    if (c.scheduled_ms > 0) scheduled = c.scheduled_ms;
    if (StepWith(st, c.source, c.trigger, NowMs(), scheduled) != SQLITE_DONE)
      return Status::Internal("SQLite: " + db.Error());
    if (sqlite3_changes(db.raw()) == 0)
      return Status::Conflict(c.scheduled_ms > 0 ? "this occurrence of source " + c.source + " has run already"
                                                 : "source " + c.source + " is syncing already");
    int64_t id = sqlite3_last_insert_rowid(db.raw());
    if (c.requested) {
      if (StepWith(db.Prepare("DELETE FROM sync_requests WHERE source = ?"), c.source) != SQLITE_DONE)
        return Status::Internal("SQLite: " + db.Error());
      if (sqlite3_changes(db.raw()) == 0) return Status::Conflict("the sync-now of " + c.source + " was taken");
    }
    if (StepWith(db.Prepare("INSERT INTO source_runs VALUES(?, ?, 0)"
                            " ON CONFLICT(source) DO UPDATE SET last_run = excluded.last_run"),
                 c.source, id) != SQLITE_DONE)
      return Status::Internal("SQLite: " + db.Error());
    return id;
  }

  static RunInfo RunRow(sqlite3_stmt* st) {
    return {sqlite3_column_int64(st, 0),
            Text(st, 1),
            Text(st, 2),
            Text(st, 3),
            sqlite3_column_int64(st, 4),
            sqlite3_column_int64(st, 5),
            sqlite3_column_int64(st, 6),
            sqlite3_column_int64(st, 7),
            Text(st, 8),
            sqlite3_column_int64(st, 9),
            ""};
  }
  static constexpr const char* kRunColumns =
      "SELECT id, source, trigger, status, started_ms, finished_ms, records, deletes, message,"
      " COALESCE(scheduled_ms, 0) FROM sync_runs ";

  Result<std::vector<RunInfo>> ListRuns(const std::string& source, int limit) override {
    return WithReader<std::vector<RunInfo>>([&](Db& db) -> Result<std::vector<RunInfo>> {
      sqlite3_stmt* st = db.Prepare(std::string(kRunColumns) + "WHERE source = ? ORDER BY id DESC LIMIT ?");
      Bind(st, 1, source);
      Bind(st, 2, static_cast<int64_t>(limit));
      std::vector<RunInfo> out;
      while (sqlite3_step(st) == SQLITE_ROW) out.push_back(RunRow(st));
      return out;
    });
  }

  Result<std::map<std::string, SourceRuns>> LatestRuns() override {
    return WithReader<std::map<std::string, SourceRuns>>([&](Db& db) -> Result<std::map<std::string, SourceRuns>> {
      sqlite3_stmt* st = db.Prepare(
          "SELECT r.id, r.source, r.trigger, r.status, r.started_ms, r.finished_ms, r.records, r.deletes, r.message,"
          " COALESCE(r.scheduled_ms, 0), s.last_success_ms, " +
          std::string(sql::kFailuresSinceSuccess) + " FROM source_runs s JOIN sync_runs r ON r.id = s.last_run");
      if (!st) return Status::Internal("SQLite: " + db.Error());
      std::map<std::string, SourceRuns> out;
      while (sqlite3_step(st) == SQLITE_ROW) {
        RunInfo run = RunRow(st);
        out[run.source] = {run, sqlite3_column_int64(st, 10), sqlite3_column_int(st, 11)};
      }
      return out;
    });
  }

  Result<RunInfo> GetRun(int64_t run_id) override {
    return WithReader<RunInfo>([&](Db& db) -> Result<RunInfo> {
      sqlite3_stmt* st = db.Prepare(std::string(kRunColumns) + "WHERE id = ?");
      if (StepWith(st, run_id) != SQLITE_ROW) return Status::NotFound("no run " + std::to_string(run_id));
      return RunRow(st);
    });
  }

  Result<std::vector<RunLogLine>> RunLogs(int64_t run_id) override {
    return WithReader<std::vector<RunLogLine>>([&](Db& db) -> Result<std::vector<RunLogLine>> {
      sqlite3_stmt* st =
          db.Prepare("SELECT ts_ms, level, message FROM run_logs WHERE run_id=? ORDER BY rowid LIMIT 5000");
      Bind(st, 1, run_id);
      std::vector<RunLogLine> out;
      while (sqlite3_step(st) == SQLITE_ROW) out.push_back({sqlite3_column_int64(st, 0), Text(st, 1), Text(st, 2)});
      return out;
    });
  }

 private:
  template <class T>
  std::future<Result<T>> Submit(std::function<Result<T>(Db&)> fn) {
    return writer_.Submit<T>(std::move(fn));
  }
  template <class T>
  Result<T> WithReader(const std::function<Result<T>(Db&)>& fn) {
    return readers_.With<T>(fn);
  }

  Status Migrate() {
    if (auto s = wdb_.Exec("CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY,"
                           " applied_ms INTEGER NOT NULL)");
        !s.ok())
      return s;
    sqlite3_stmt* st = wdb_.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    int64_t have = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (have > static_cast<int64_t>(kMigrations.size()))
      return Status::Invalid("the store is at schema version " + std::to_string(have) +
                             ", newer than this coophub knows (" + std::to_string(kMigrations.size()) +
                             "): upgrade coophub");
    for (size_t v = static_cast<size_t>(have); v < kMigrations.size(); ++v) {
      fill_names_ |= v + 1 == kRecordNamesMigration && have > 0;
      if (auto s = wdb_.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
      Status s = wdb_.Exec(kMigrations[v]);
      if (s.ok()) {
        sqlite3_stmt* ins = wdb_.Prepare("INSERT INTO schema_migrations VALUES(?, ?)");
        if (StepWith(ins, static_cast<int64_t>(v + 1), NowMs()) != SQLITE_DONE)
          s = Status::Internal("SQLite: " + wdb_.Error());
      }
      if (!s.ok()) {
        wdb_.Exec("ROLLBACK");
        return s.Prefixed("migration " + std::to_string(v + 1));
      }
      if (auto c = wdb_.Exec("COMMIT"); !c.ok()) return c;
    }
    return Status::Ok();
  }

  // record_names for the records a store held before it had the table: once, at Open.
  Status FillNames() {
    if (auto s = wdb_.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    sqlite3_stmt* st = wdb_.Prepare(
        "SELECT uid, json FROM records WHERE json_extract(json, '$.people') IS NOT NULL OR"
        " json_extract(json, '$.author') IS NOT NULL OR json_extract(json, '$.data.account') IS NOT NULL");
    // Written as they are read (another table: the read goes on), none held in memory.
    Status s;
    int rc = SQLITE_DONE;
    while (s.ok() && (rc = sqlite3_step(st)) == SQLITE_ROW) {
      json record = json::parse(View(st, 1), nullptr, false);
      if (!record.is_discarded()) s = PutNames(wdb_, sqlite3_column_int64(st, 0), RecordNames(record));
    }
    sqlite3_reset(st);
    if (s.ok() && rc != SQLITE_DONE) s = Status::Internal("SQLite: " + wdb_.Error());
    if (s.ok()) return wdb_.Exec("COMMIT");
    wdb_.Exec("ROLLBACK");
    return s;
  }
  static Status PutNames(Db& db, int64_t uid, const std::vector<std::string>& names) {
    sqlite3_stmt* put = db.Prepare("INSERT OR IGNORE INTO record_names(name, uid) VALUES(?, ?)");
    for (const auto& name : names) {
      int rc = StepWith(put, name, uid);
      sqlite3_reset(put);
      if (rc != SQLITE_DONE) return Status::Internal("SQLite record names: " + db.Error());
    }
    return Status::Ok();
  }
  // Whether one of the names was erased (erased_names): such a record is never stored again.
  static Result<bool> Erased(Db& db, const std::vector<std::string>& names) {
    sqlite3_stmt* st = db.Prepare("SELECT 1 FROM erased_names WHERE name = ?");
    for (const auto& name : names) {
      int rc = StepWith(st, name);
      sqlite3_reset(st);
      if (rc == SQLITE_ROW) return true;
      if (rc != SQLITE_DONE) return Status::Internal("SQLite erased names: " + db.Error());
    }
    return false;
  }

  Result<WriteStats> ApplyBatch(Db& db, const WriteBatch& b);
  Result<int64_t> ApplyPrune(Db& db, const PruneBatch& p);
  Status Upsert(Db& db, const StoredRecord& r, WriteStats* stats);
  Status Retire(Db& db, const std::string& source, const std::string& stream, int64_t version, WriteStats* stats);
  Status Delete(Db& db, const std::string& source, const std::string& stream, const std::string& id, WriteStats* stats);
  Status ApplySearchOps(Db& db);

  // A column's text without a copy (valid until the statement steps or resets).
  static std::string_view View(sqlite3_stmt* st, int col) {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(st, col))) : std::string_view();
  }

  SqliteOptions opts_;
  Db wdb_;                // used by the writer thread only (and by Open before it starts)
  int64_t next_seq_ = 1;  // writer thread only
  // uids are handed out here, in order, so that a new record's search key can be
  // written with it in one statement. Writer thread only.
  int64_t next_uid_ = 1;
  bool fill_names_ = false;  // Migrate made record_names for records already stored
  // The search index changes of the batch being written: a delete when record is null.
  struct SearchOp {
    int64_t key;
    const StoredRecord* record;
  };
  std::vector<SearchOp> search_ops_;  // writer thread only
  Mutex seq_mu_;
  int64_t committed_seq_ GUARDED_BY(seq_mu_) = 0;

  // A statement left on its row would pin its connection to an old WAL snapshot: each
  // job and each read ends with its connection's statements reset.
  store::Writer<Db> writer_{wdb_, [](Db& db) { db.ResetAll(); }};
  store::Pool<Db> readers_{[](Db& db) { db.ResetAll(); }};

  // Record pages by query, and the version of the data they were read at: one more each
  // time a reader sees that someone committed since it last looked. Connections' data
  // versions cannot be compared, so one commit moves it once per reader that sees it,
  // and pages kept between those moves are read again: a few extra reads per write,
  // which is what sharing one cache across the readers costs.
  PageCache pages_{opts_.page_cache_bytes};
  std::atomic<uint64_t> data_generation_{0};
  sqlite::Expansions expansions_;  // of searches' last words, kept for a data generation
};

Status SqliteStore::Upsert(Db& db, const StoredRecord& r, WriteStats* stats) {
  if (next_uid_ > sqlite::kMaxUid)
    return Status::Unavailable("the SQLite store is full (" + std::to_string(sqlite::kMaxUid) +
                               " records): move to the PostgreSQL store");
  // An update keeps its uid, created_seq and (in RETURNING) the old search key.
  sqlite3_stmt* st = db.Prepare(
      "INSERT INTO records(uid, source, stream, id, kind, time, visibility, hash, seq, created_seq, json, search_key,"
      " table_version) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?9,?10,?11,?12)"
      " ON CONFLICT(source, stream, id) DO UPDATE SET kind=excluded.kind, time=excluded.time,"
      " visibility=excluded.visibility, hash=excluded.hash, seq=excluded.seq, json=excluded.json,"
      " table_version=excluded.table_version WHERE records.hash != excluded.hash RETURNING uid, created_seq, "
      "search_key");
  if (!r.names.empty()) {
    auto erased = Erased(db, r.names);
    if (!erased.ok()) return erased.status();
    if (*erased) {
      ++stats->suppressed;
      return Status::Ok();
    }
  }
  int64_t hash = static_cast<int64_t>(std::hash<std::string>{}(r.json));
  int rc = StepWith(st, next_uid_, r.source, r.stream, r.id, r.kind, r.time, r.visibility, hash, next_seq_, r.json,
                    SearchKey(r.time, next_uid_), r.table_version);
  if (rc == SQLITE_DONE) {
    ++stats->unchanged;
    // Sent again unchanged by a full pass: only its version moves (no change to feed).
    if (r.table_version != 0 &&
        StepWith(
            db.Prepare(
                "UPDATE records SET table_version=?4 WHERE source=?1 AND stream=?2 AND id=?3 AND table_version!=?4"),
            r.source, r.stream, r.id, r.table_version) != SQLITE_DONE)
      return Status::Internal("SQLite upsert: " + db.Error());
    return Status::Ok();
  }
  if (rc != SQLITE_ROW) return Status::Internal("SQLite upsert: " + db.Error());
  int64_t uid = sqlite3_column_int64(st, 0);
  bool inserted = sqlite3_column_int64(st, 1) == next_seq_;
  int64_t old_key = sqlite3_column_int64(st, 2);
  sqlite3_reset(st);
  ++next_seq_;
  next_uid_ += inserted;
  ++stats->changed;
  stats->inserted += inserted;
  if (!inserted && StepWith(db.Prepare("DELETE FROM record_names WHERE uid = ?"), uid) != SQLITE_DONE)
    return Status::Internal("SQLite record names: " + db.Error());
  if (auto s = PutNames(db, uid, r.names); !s.ok()) return s;
  int64_t key = SearchKey(r.time, uid);
  if (key != old_key) {  // an update that moved the record in time
    search_ops_.push_back({old_key, nullptr});
    if (StepWith(db.Prepare("UPDATE records SET search_key=? WHERE uid=?"), key, uid) != SQLITE_DONE)
      return Status::Internal("SQLite search index: " + db.Error());
  }
  search_ops_.push_back({key, &r});
  return Status::Ok();
}

// FTS5 buffers a transaction's index changes in memory, but writes them out as a new
// segment whenever a rowid is not above the last one: changes in time order, as records
// come, would make a segment per record. So a batch's changes are sorted by key first
// (stably: two changes to one key keep their order).
Status SqliteStore::ApplySearchOps(Db& db) {
  std::stable_sort(search_ops_.begin(), search_ops_.end(),
                   [](const SearchOp& a, const SearchOp& b) { return a.key < b.key; });
  sqlite3_stmt* del = db.Prepare("DELETE FROM record_search WHERE rowid=?");
  sqlite3_stmt* put = db.Prepare("INSERT OR REPLACE INTO record_search(rowid, title, summary, body) VALUES(?,?,?,?)");
  for (const SearchOp& op : search_ops_) {
    int rc = op.record ? StepWith(put, op.key, op.record->title, op.record->summary, op.record->search_text)
                       : StepWith(del, op.key);
    sqlite3_reset(op.record ? put : del);
    if (rc != SQLITE_DONE) return Status::Internal("SQLite search index: " + db.Error());
  }
  search_ops_.clear();
  return Status::Ok();
}

Status SqliteStore::Delete(Db& db, const std::string& source, const std::string& stream, const std::string& id,
                           WriteStats* stats) {
  sqlite3_stmt* st = db.Prepare(
      "DELETE FROM records WHERE source=? AND stream=? AND id=? RETURNING search_key, visibility,"
      " COALESCE(json_extract(json, '$.title'), ''), kind, json_object('people',"
      " json(COALESCE(json_extract(json, '$.people'), '[]')), 'time', time)");
  int rc = StepWith(st, source, stream, id);
  if (rc == SQLITE_DONE) return Status::Ok();
  if (rc != SQLITE_ROW) return Status::Internal("SQLite delete: " + db.Error());
  int64_t key = sqlite3_column_int64(st, 0);
  std::string visibility = Text(st, 1), title = Text(st, 2), kind = Text(st, 3), was = Text(st, 4);
  sqlite3_reset(st);
  search_ops_.push_back({key, nullptr});
  if (StepWith(db.Prepare("INSERT INTO tombstones(seq, source, stream, id, deleted_ms, visibility, title, kind, was)"
                          " VALUES(?,?,?,?,?,?,?,?,?)"),
               next_seq_++, source, stream, id, NowMs(), visibility, title, kind, was) != SQLITE_DONE)
    return Status::Internal("SQLite tombstone: " + db.Error());
  ++stats->deleted;
  return Status::Ok();
}

Status SqliteStore::Retire(Db& db, const std::string& source, const std::string& stream, int64_t version,
                           WriteStats* stats) {
  std::vector<std::string> ids;
  sqlite3_stmt* st = db.Prepare("SELECT id FROM records WHERE source=? AND stream=? AND table_version<?");
  Bind(st, 1, source);
  Bind(st, 2, stream);
  Bind(st, 3, version);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) ids.push_back(Text(st, 0));
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return Status::Internal("SQLite: " + db.Error());
  for (const auto& id : ids)
    if (Status s = Delete(db, source, stream, id, stats); !s.ok()) return s;
  return Status::Ok();
}

Result<WriteStats> SqliteStore::ApplyBatch(Db& db, const WriteBatch& b) {
  WriteStats stats;
  int64_t seq_before = next_seq_, uid_before = next_uid_;
  search_ops_.clear();
  if (auto s = db.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  Status s;
  for (const auto& r : b.upserts)
    if (s = Upsert(db, r, &stats); !s.ok()) break;
  for (size_t i = 0; s.ok() && i < b.deletes.size(); ++i)
    s = Delete(db, b.source, b.deletes[i].first, b.deletes[i].second, &stats);
  for (size_t i = 0; s.ok() && i < b.activations.size(); ++i)
    s = Retire(db, b.source, b.activations[i].first, b.activations[i].second, &stats);
  if (s.ok()) s = ApplySearchOps(db);
  if (s.ok() && stats.inserted != stats.deleted) {
    sqlite3_stmt* st = db.Prepare(
        "INSERT INTO source_stats(source, records, first_seq) VALUES(?, ?, ?)"
        " ON CONFLICT(source) DO UPDATE SET records = records + excluded.records");
    if (StepWith(st, b.source, stats.inserted - stats.deleted, seq_before) != SQLITE_DONE)
      s = Status::Internal("SQLite stats: " + db.Error());
  }
  if (s.ok() && b.run_id > 0 && (!b.upserts.empty() || stats.deleted > 0)) {
    sqlite3_stmt* st = db.Prepare("UPDATE sync_runs SET records = records + ?, deletes = deletes + ? WHERE id = ?");
    if (StepWith(st, static_cast<int64_t>(b.upserts.size()), stats.deleted, b.run_id) != SQLITE_DONE)
      s = Status::Internal("SQLite run counts: " + db.Error());
  }
  if (s.ok() && b.state) {
    sqlite3_stmt* st = db.Prepare(
        "INSERT INTO stream_state(source, stream, state, updated_ms) VALUES(?,?,?,?)"
        " ON CONFLICT(source, stream) DO UPDATE SET state=excluded.state, updated_ms=excluded.updated_ms");
    if (StepWith(st, b.source, b.state->first, b.state->second, NowMs()) != SQLITE_DONE)
      s = Status::Internal("SQLite state: " + db.Error());
  }
  if (s.ok()) s = db.Exec("COMMIT");
  if (!s.ok()) {
    db.Exec("ROLLBACK");
    next_seq_ = seq_before;
    next_uid_ = uid_before;
    return s;
  }
  if (next_seq_ != seq_before) {
    MutexLock lock(seq_mu_);
    committed_seq_ = next_seq_ - 1;
  }
  return stats;
}

Result<int64_t> SqliteStore::ApplyPrune(Db& db, const PruneBatch& p) {
  using What = PruneBatch::What;
  if (p.what == What::kRecords) {  // as the source's deletes: tombstones, the change feed, the counts
    WriteBatch b;
    b.source = p.source;
    sqlite3_stmt* st =
        db.Prepare("SELECT stream, id FROM records WHERE source = ? AND time <> '' AND time < ? ORDER BY time LIMIT ?");
    Bind(st, 1, p.source);
    Bind(st, 2, FormatRfc3339(p.before_ms / 1000));
    Bind(st, 3, int64_t{p.limit});
    while (sqlite3_step(st) == SQLITE_ROW) b.deletes.emplace_back(Text(st, 0), Text(st, 1));
    sqlite3_reset(st);
    if (b.deletes.empty()) return int64_t{0};
    auto stats = ApplyBatch(db, b);
    if (!stats.ok()) return stats.status();
    return stats->deleted;
  }
  if (p.what == What::kNamed) {  // an erasure: deletes, source by source
    std::map<std::string, WriteBatch> by_source;
    sqlite3_stmt* st = db.Prepare(
        "SELECT source, stream, id FROM records WHERE uid IN (SELECT DISTINCT uid FROM record_names"
        " WHERE name IN (SELECT value FROM json_each(?))) ORDER BY uid LIMIT ?");
    Bind(st, 1, json(p.names).dump());
    Bind(st, 2, int64_t{p.limit});
    while (sqlite3_step(st) == SQLITE_ROW) by_source[Text(st, 0)].deletes.emplace_back(Text(st, 1), Text(st, 2));
    sqlite3_reset(st);
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
    sqlite3_stmt* st =
        db.Prepare("DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE ts_ms < ? ORDER BY ts_ms LIMIT ?)");
    if (StepWith(st, p.before_ms, int64_t{p.limit}) != SQLITE_DONE) return Status::Internal("SQLite: " + db.Error());
    return int64_t{sqlite3_changes(db.raw())};
  }
  if (auto s = db.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  std::vector<std::tuple<int64_t, std::string, std::string>> runs;  // (id, source, status)
  sqlite3_stmt* st = db.Prepare(
      "SELECT id, source, status FROM sync_runs WHERE status <> 'running' AND finished_ms > 0 AND finished_ms < ?"
      " AND id NOT IN (SELECT last_run FROM source_runs)"
      " AND id NOT IN (SELECT MAX(id) FROM sync_runs WHERE status = 'ok' GROUP BY source) ORDER BY id LIMIT ?");
  Bind(st, 1, p.before_ms);
  Bind(st, 2, int64_t{p.limit});
  while (sqlite3_step(st) == SQLITE_ROW) runs.emplace_back(sqlite3_column_int64(st, 0), Text(st, 1), Text(st, 2));
  sqlite3_reset(st);
  Status s;
  for (const auto& [id, source, status] : runs) {
    if (StepWith(db.Prepare("DELETE FROM run_logs WHERE run_id = ?"), id) != SQLITE_DONE ||
        StepWith(db.Prepare("DELETE FROM sync_runs WHERE id = ?"), id) != SQLITE_DONE ||
        StepWith(db.Prepare("INSERT INTO runs_pruned(source, status, n) VALUES(?, ?, 1)"
                            " ON CONFLICT(source, status) DO UPDATE SET n = n + 1"),
                 source, status) != SQLITE_DONE) {
      s = Status::Internal("SQLite: " + db.Error());
      break;
    }
  }
  if (s.ok()) s = db.Exec("COMMIT");
  if (!s.ok()) {
    db.Exec("ROLLBACK");
    return s;
  }
  return static_cast<int64_t>(runs.size());
}

Result<ChangePage> SqliteStore::ListChanges(int64_t after, const std::vector<std::string>& visibilities, int limit) {
  std::string filter;
  for (size_t i = 0; i < visibilities.size(); ++i) filter += i ? ",?" : " AND visibility IN (?";
  if (!filter.empty()) filter += ")";
  std::string sql =
      // previous only when the reader of `after` could have seen it: its version is older.
      "SELECT seq, uid, json, created_seq, CASE WHEN json_extract(previous, '$.seq') <= ?1 THEN previous END"
      " FROM records WHERE seq > ?1" +
      filter +
      " UNION ALL SELECT seq, 0, json_object('source', source, 'stream', stream, 'id', id, 'title', title,"
      " 'kind', kind, 'visibility', visibility, 'was', json(was)), 0, NULL FROM tombstones WHERE seq > ?1" +
      filter + " ORDER BY seq LIMIT ?";
  return WithReader<ChangePage>([&](Db& db) -> Result<ChangePage> {
    sqlite3_stmt* st = db.Prepare(sql);
    if (!st) return Status::Internal("SQLite: " + db.Error());
    int i = 1;
    Bind(st, 1, after);
    for (int part = 0; part < 2; ++part)
      for (const auto& v : visibilities) Bind(st, ++i, v);
    Bind(st, ++i, static_cast<int64_t>(limit));
    ChangePage page;
    page.items_json = "[";
    while (sqlite3_step(st) == SQLITE_ROW) {
      int64_t seq = sqlite3_column_int64(st, 0), uid = sqlite3_column_int64(st, 1);
      std::string item = "{\"seq\":" + std::to_string(seq);
      if (uid) {
        // created: the record is new since `after`, rather than changed.
        item += sqlite3_column_int64(st, 3) > after ? ",\"op\":\"upsert\",\"created\":true,\"record\":"
                                                    : ",\"op\":\"upsert\",\"created\":false,\"record\":";
        store::AppendWithUid(uid, View(st, 2), &item);
        if (sqlite3_column_type(st, 4) != SQLITE_NULL) item += ",\"previous\":" + Text(st, 4);
      } else {
        std::string key = Text(st, 2);  // {"source":…,"stream":…,"id":…}
        item += ",\"op\":\"delete\"," + key.substr(1, key.size() - 2);
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

Result<std::map<std::pair<std::string, std::string>, int64_t>> SqliteStore::RunTotals() {
  using Totals = std::map<std::pair<std::string, std::string>, int64_t>;
  return WithReader<Totals>([&](Db& db) -> Result<Totals> {
    sqlite3_stmt* st = db.Prepare(
        "SELECT source, status, SUM(n) FROM (SELECT source, status, COUNT(*) AS n FROM sync_runs GROUP BY source, "
        "status UNION ALL SELECT source, status, n FROM runs_pruned) GROUP BY source, status");
    Totals out;
    while (sqlite3_step(st) == SQLITE_ROW) out[{Text(st, 0), Text(st, 1)}] = sqlite3_column_int64(st, 2);
    return out;
  });
}

int64_t SqliteStore::LastSeq() {
  MutexLock lock(seq_mu_);
  return committed_seq_;
}

// Below this many records matching a search's other filters, the search walks them.
constexpr int kFewRecords = 5000;

Result<RecordPage> SqliteStore::ListRecords(const RecordQuery& q) {
  // Three plans, one order (newest first, or oldest with sort=time). Without words: the
  // records' time indexes. With words: the search index, whose rowids are search keys in
  // time order (fts_query.h), each hit joined to its record; or, when the other filters
  // leave few records, those records, each looked up in the index. All stop once the
  // page is full.
  std::vector<std::string> text_args;
  std::string filters;
  auto add = [&](const char* clause, const std::string& v) {
    filters += clause;
    text_args.push_back(v);
  };
  if (!q.kind.empty()) add(" AND r.kind = ?", q.kind);
  if (!q.source.empty()) add(" AND r.source = ?", q.source);
  if (!q.stream.empty()) add(" AND r.stream = ?", q.stream);
  if (!q.since.empty()) add(" AND r.time >= ?", q.since);
  if (!q.until.empty()) add(" AND r.time < ?", q.until);
  if (!q.visibilities.empty()) {
    filters += " AND r.visibility IN (";
    for (size_t i = 0; i < q.visibilities.size(); ++i) {
      filters += i ? ",?" : "?";
      text_args.push_back(q.visibilities[i]);
    }
    filters += ")";
  }
  std::string after_time;
  int64_t after_uid = 0, offset = 0;
  if (!q.cursor.empty() && q.relevance) {
    auto at = store::DecodeOffsetCursor(q.cursor);
    if (!at.ok()) return at.status();
    offset = *at;
  } else if (!q.cursor.empty()) {
    auto cursor = store::DecodeCursor(q.cursor);
    if (!cursor.ok()) return cursor.status();
    after_uid = cursor->uid;
    after_time = cursor->time;
  }
  int limit = std::clamp(q.limit, 1, 500);
  return WithReader<RecordPage>([&](Db& db) -> Result<RecordPage> {
    // Whatever reader a request gets, a commit since that reader's last look moves the
    // version before the lookup, and the page is read after it: a page is never older
    // than the version it is kept under.
    // The same version keeps a search's prefix expansions (fts_query.h).
    bool cache = opts_.page_cache_bytes > 0;
    if ((cache || !q.q.empty()) && db.OthersCommitted()) data_generation_.fetch_add(1);
    uint64_t version = data_generation_.load();
    std::string key = cache ? PageCache::Key(q) : std::string();
    if (auto hit = cache ? pages_.Find(key, version) : nullptr) return RecordPage(*hit);
    // A search of nothing but blanks and punctuation is no search at all.
    std::string fts = q.q.empty() ? std::string() : BuildFtsQuery(db, q.q, &expansions_, version);
    std::string sql;
    std::vector<int64_t> int_args;
    // Words and a narrow filter (a source, a kind with few records): walking the index's
    // hits in time order could pass over a million that the filter drops, so walk the
    // few records instead and ask the index about each.
    // (The plain plan, for tests, is this one whatever the filters.)
    bool few = q.plain_plan;
    if (!few && !q.relevance && !fts.empty() && (!q.kind.empty() || !q.source.empty() || !q.stream.empty())) {
      sqlite3_stmt* probe = db.Prepare("SELECT count(*) FROM (SELECT 1 FROM records r WHERE 1" + filters + " LIMIT " +
                                       std::to_string(kFewRecords) + ")");
      if (!probe) return Status::Internal("SQLite: " + db.Error());
      int k = 0;
      for (const auto& a : text_args) Bind(probe, ++k, a);
      few = sqlite3_step(probe) == SQLITE_ROW && sqlite3_column_int64(probe, 0) < kFewRecords;
      sqlite3_reset(probe);
    }
    std::string snippet = q.snippet ? ", snippet(record_search, -1, char(64976), char(64977), '…', 12)" : "";
    if (q.relevance) {
      // Every hit ranked (bm25), then the page cut at its position: the cost of the hits.
      sql = fts.empty()
                ? "SELECT r.uid, r.time, r.json FROM records r WHERE 1" + filters + " ORDER BY r.time DESC, r.uid DESC"
                : "SELECT r.uid, r.time, r.json" + snippet +
                      " FROM record_search s CROSS JOIN records r ON r.uid = (s.rowid & " +
                      std::to_string(sqlite::kMaxUid) + ") AND r.search_key = s.rowid WHERE s.record_search MATCH ?" +
                      filters + " ORDER BY bm25(record_search), r.time DESC, r.uid DESC";
      if (!fts.empty()) text_args.insert(text_args.begin(), fts);
      sql += " LIMIT ? OFFSET " + std::to_string(offset);
    } else if (fts.empty() || few) {
      sql = fts.empty() ? "SELECT r.uid, r.time, r.json FROM records r WHERE 1" + filters
                        : "SELECT r.uid, r.time, r.json" + snippet +
                              " FROM records r CROSS JOIN record_search s ON s.rowid = r.search_key"
                              " WHERE s.record_search MATCH ?" +
                              filters;
      if (!fts.empty()) text_args.insert(text_args.begin(), fts);
      if (!q.cursor.empty()) {
        sql += q.oldest_first ? " AND (r.time > ? OR (r.time = ? AND r.uid > ?))"
                              : " AND (r.time < ? OR (r.time = ? AND r.uid < ?))";
        text_args.push_back(after_time);
        text_args.push_back(after_time);
        int_args.push_back(after_uid);
      }
      sql += q.oldest_first ? " ORDER BY r.time, r.uid LIMIT ?" : " ORDER BY r.time DESC, r.uid DESC LIMIT ?";
    } else {
      // CROSS JOIN keeps the search index outside, walked newest first.
      sql = "SELECT r.uid, r.time, r.json" + snippet +
            " FROM record_search s CROSS JOIN records r"
            " ON r.uid = (s.rowid & " +
            std::to_string(sqlite::kMaxUid) +
            ") AND r.search_key = s.rowid"
            " WHERE s.record_search MATCH ?" +
            filters;
      text_args.insert(text_args.begin(), fts);
      // Time filters also bound the walk: keys in [since's second, until's second + 1).
      if (!q.since.empty() && ParseRfc3339(q.since)) {
        sql += " AND s.rowid >= ?";
        int_args.push_back(SearchKey(q.since, 0));
      }
      if (!q.until.empty() && ParseRfc3339(q.until)) {
        sql += " AND s.rowid < ?";
        int_args.push_back(SearchKey(q.until, 0) + sqlite::kMaxUid + 1);
      }
      if (!q.cursor.empty()) {
        sql += q.oldest_first ? " AND s.rowid > ?" : " AND s.rowid < ?";
        int_args.push_back(SearchKey(after_time, after_uid));
      }
      sql += q.oldest_first ? " ORDER BY s.rowid LIMIT ?" : " ORDER BY s.rowid DESC LIMIT ?";
    }
    int_args.push_back(limit + 1);
    sqlite3_stmt* st = db.Prepare(sql);
    if (!st) return Status::Internal("SQLite: " + db.Error());
    int i = 0;
    for (const auto& a : text_args) Bind(st, ++i, a);
    for (int64_t a : int_args) Bind(st, ++i, a);
    RecordPage page;
    page.items_json.clear();
    page.items_json.reserve(static_cast<size_t>(limit) * 640);
    page.items_json += '[';
    int rc;
    std::string last_time;
    int64_t last_uid = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      if (page.count == limit) {
        page.next_cursor =
            q.relevance ? store::EncodeOffsetCursor(offset + limit) : store::EncodeCursor(last_time, last_uid);
        break;
      }
      last_uid = sqlite3_column_int64(st, 0);
      last_time = Text(st, 1);
      if (page.count++) page.items_json += ',';
      if (q.snippet && !fts.empty())
        store::AppendWithSnippet(last_uid, View(st, 2), View(st, 3), q.snippet, &page.items_json);
      else
        store::AppendWithUid(last_uid, View(st, 2), &page.items_json);
    }
    page.items_json += ']';
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Status::Internal("SQLite: " + db.Error());
    sqlite3_reset(st);
    if (cache) pages_.Put(key, version, page);
    return page;
  });
}

}  // namespace

int SqliteSchemaVersion() { return static_cast<int>(kMigrations.size()); }

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  auto store = std::make_unique<SqliteStore>(options);
  if (auto s = store->Open(); !s.ok()) return s;
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace coophub
