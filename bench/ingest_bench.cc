// SPDX-License-Identifier: Apache-2.0
//
// Ingest throughput: records from a plugin, through a worker process and the protocol,
// into the SQLite store, against a raw SQLite upsert of the same records into the same
// schema (records and search index, prepared statements, 2000 rows a transaction),
// measured in the same run on the same machine. Prints figures and the ratio.
// With COOPHUB_BENCH_PG (libpq keywords of a server: "host=… port=… user=…"), the same
// into the PostgreSQL store against a raw COPY of the same records into the same schema
// by libpq, and search over the CSV ledger there.
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "config/config.h"
#include "runtime/http_client.h"
#include "runtime/runner.h"
#include "store/postgres/pg_conn.h"  // AppendCopyText
#include "store/store.h"
#include "sync/sync.h"
#include "web/page.h"  // SnippetHtml

namespace fs = std::filesystem;
using namespace coophub;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kPad = 200;  // ~300-byte records, as in DESIGN's reference figure

double Seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The records the count plugin emits, normalised as the hub stores them.
std::vector<StoredRecord> SameRecords(int64_t n) {
  std::vector<StoredRecord> out;
  out.reserve(static_cast<size_t>(n));
  std::string pad(kPad, 'p');
  for (int64_t i = 1; i <= n; ++i) {
    json r = {{"id", std::to_string(i)},
              {"kind", "metric"},
              {"title", "number " + std::to_string(i)},
              {"summary", pad},
              {"time", "2026-11-24T00:00:00Z"},
              {"data", {{"n", i}, {"resumed_from", 0}}}};
    out.push_back(NormalizeRecord(r, "bench", "numbers", "members").value());
  }
  return out;
}

double RawUpsert(const std::string& dir, const std::vector<StoredRecord>& recs) {
  std::string path = dir + "/raw.db";
  { auto s = OpenSqliteStore({path, 1}); }  // the same schema, created by the store's migrations
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  // The store's own connection settings: temp_store=MEMORY matters (RETURNING spills
  // to a temporary table), so the baseline is not handicapped.
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY", nullptr, nullptr,
               nullptr);
  sqlite3_stmt *up = nullptr, *fts = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO records(source, stream, id, kind, time, visibility, hash, seq, created_seq, json)"
                     " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?8,?9) ON CONFLICT(source, stream, id) DO UPDATE SET"
                     " json=excluded.json, hash=excluded.hash WHERE records.hash != excluded.hash"
                     " RETURNING uid, created_seq",
                     -1, &up, nullptr);
  sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO record_search(rowid, title, summary, body) VALUES(?,?,?,?)", -1, &fts,
                     nullptr);
  auto t0 = Clock::now();
  int64_t seq = 1;
  for (size_t i = 0; i < recs.size(); ++i) {
    if (i % 2000 == 0) sqlite3_exec(db, i ? "COMMIT; BEGIN" : "BEGIN", nullptr, nullptr, nullptr);
    const StoredRecord& r = recs[i];
    sqlite3_bind_text(up, 1, r.source.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(up, 2, r.stream.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(up, 3, r.id.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(up, 4, r.kind.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(up, 5, r.time.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(up, 6, r.visibility.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_int64(up, 7, static_cast<int64_t>(std::hash<std::string>{}(r.json)));
    sqlite3_bind_int64(up, 8, seq++);
    sqlite3_bind_text(up, 9, r.json.c_str(), static_cast<int>(r.json.size()), SQLITE_STATIC);
    if (sqlite3_step(up) == SQLITE_ROW) {
      int64_t uid = sqlite3_column_int64(up, 0);
      sqlite3_reset(up);
      sqlite3_bind_int64(fts, 1, uid);
      sqlite3_bind_text(fts, 2, r.title.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(fts, 3, r.summary.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(fts, 4, r.search_text.c_str(), -1, SQLITE_STATIC);
      sqlite3_step(fts);
      sqlite3_reset(fts);
    }
    sqlite3_reset(up);
  }
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  double secs = Seconds(t0);
  sqlite3_finalize(up);
  sqlite3_finalize(fts);
  sqlite3_close(db);
  return static_cast<double>(recs.size()) / secs;
}

// Syncs one source into a fresh store in dir and returns records changed per second.
// Exits when the sync fails or changes fewer than min_changed records.
// pg: a PostgreSQL database's libpq keywords, for its store instead of SQLite's.
double TimedSync(const std::string& dir, const std::string& plugin, const json& config, int64_t min_changed,
                 int64_t* changed = nullptr, const std::string& pg = "") {
  PostgresOptions o;
  o.url = pg;
  o.readers = 1;
  auto store =
      pg.empty() ? OpenSqliteStore({dir + "/" + fs::path(plugin).stem().string() + ".db", 1}) : OpenPostgresStore(o);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().message().c_str());
    std::exit(1);
  }
  HubConfig hub;
  hub.base_dir = dir;
  SourceConfig src;
  src.id = "bench";
  src.plugin = plugin;
  src.config = config;
  src.limits.memory_bytes = int64_t{1} << 30;
  auto t0 = Clock::now();
  SyncResult r = SyncSource(**store, hub, src, SyncOptions{});
  double secs = Seconds(t0);
  if (!r.ok() || r.changed < min_changed) {
    std::fprintf(stderr, "%s ingest failed: %s (%lld changed)\n", plugin.c_str(), r.run.message.c_str(),
                 static_cast<long long>(r.changed));
    std::exit(1);
  }
  if (changed) *changed = r.changed;
  return static_cast<double>(r.changed) / secs;
}

double ThroughHub(const std::string& dir, int64_t n, const std::string& plugin, const std::string& pg = "") {
  return TimedSync(dir, plugin, {{"count", n}, {"state_every", 5000}, {"pad", kPad}}, n, nullptr, pg);
}

// A generated ledger of n rows through the csv connector: fetch, decode, parse, map.
double CsvThroughHub(const std::string& dir, int64_t n, const std::string& pg = "") {
  std::string path = dir + "/ledger.csv";
  if (!fs::exists(path)) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("Ref,Label,Date,Amount\n", f);
    for (int64_t i = 1; i <= n; ++i)
      std::fprintf(f, "%lld,Invoice %lld,2026-11-%02lld,%lld.%02lld\n", static_cast<long long>(i),
                   static_cast<long long>(i), static_cast<long long>(1 + i % 28), static_cast<long long>(i % 5000),
                   static_cast<long long>(i % 100));
    std::fclose(f);
  }
  return TimedSync(dir, "csv",
                   {{"url", path},
                    {"kind", "transaction"},
                    {"currency", "EUR"},
                    {"columns", {{"id", "Ref"}, {"title", "Label"}, {"time", "Date"}, {"amount", "Amount"}}}},
                   n, nullptr, pg);
}

// Full-text search over the CSV ledger's records as a signed-in member asks it (public
// and members' records, newest first, 50 a page, with snippets): a rare word, two-word
// queries, a word every record has, a short prefix, and a kind no record has. Returns
// {p50, p99} in ms over all the queries. Without the page cache: the same queries come
// round 60 times, and each must be the search itself, not a page remembered.
std::pair<double, double> SearchLatency(const std::string& dir, const std::string& pg = "") {
  PostgresOptions o;
  o.url = pg;
  o.readers = 2;
  o.page_cache_bytes = 0;
  auto store = pg.empty() ? OpenSqliteStore({dir + "/csv.db", 2, /*page_cache_bytes=*/0}) : OpenPostgresStore(o);
  if (!store.ok()) {
    std::fprintf(stderr, "search bench: %s\n", store.status().message().c_str());
    std::exit(1);
  }
  std::vector<double> ms;
  // {words, kind}: the last, as the page asks it for each kind, finds nothing: no
  // record of the ledger is an event.
  const std::pair<const char*, const char*> queries[] = {
      {"4711", ""}, {"invoice 99", ""}, {"invoice", ""}, {"invoice 123456", ""}, {"77", ""}, {"invoice", "event"}};
  for (int round = 0; round < 60; ++round)
    for (const auto& [text, kind] : queries) {
      RecordQuery q;
      q.q = text;
      q.kind = kind;
      q.visibilities = {"public", "members"};
      q.limit = 50;
      q.snippet = SnippetHtml;
      auto t0 = Clock::now();
      auto page = (*store)->ListRecords(q);
      ms.push_back(Seconds(t0) * 1000);
      if (!page.ok() || (page->count == 0) != (*kind != '\0')) {
        std::fprintf(stderr, "search bench: \"%s\" (kind \"%s\") found %d\n", text, kind, page.ok() ? page->count : -1);
        std::exit(1);
      }
    }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[ms.size() * 99 / 100]};
}

// 200 weekly events, each recurring for ten years, through the ical connector: parse,
// expand (about 104,000 occurrences), store.
double IcalThroughHub(const std::string& dir, int64_t* occurrences) {
  std::string path = dir + "/weekly.ics";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//coophub//bench//EN\r\n", f);
    for (int e = 0; e < 200; ++e)
      std::fprintf(f,
                   "BEGIN:VEVENT\r\nUID:weekly-%d@bench\r\nSUMMARY:Weekly %d\r\nDTSTART:20170102T%02d0000Z\r\n"
                   "DURATION:PT1H\r\nRRULE:FREQ=WEEKLY;UNTIL=20261231T235959Z\r\nEND:VEVENT\r\n",
                   e, e, e % 24);
    std::fputs("END:VCALENDAR\r\n", f);
    std::fclose(f);
  }
  return TimedSync(dir, "ical", {{"url", path}, {"window_past_days", 4000}, {"window_future_days", 400}}, 100000,
                   occurrences);
}

// A new, empty database on the server at keywords; its keywords.
std::string NewDatabase(const std::string& server, const std::string& name) {
  PGconn* c = PQconnectdb((server + " dbname=postgres").c_str());
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);  // "does not exist, skipping" is no news
  PQclear(PQexec(c, ("DROP DATABASE IF EXISTS " + name).c_str()));
  PGresult* r = PQexec(c, ("CREATE DATABASE " + name).c_str());
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    std::fprintf(stderr, "CREATE DATABASE %s: %s\n", name.c_str(), PQerrorMessage(c));
    std::exit(1);
  }
  PQclear(r);
  PQfinish(c);
  return server + " dbname=" + name;
}

// The same records COPYed by libpq straight into the store's schema (made by its
// migrations), each row whole: its uid and seq written by the client, its search vector
// made by the server (a generated column, as for the hub's own writes), in one
// transaction.
double RawCopy(const std::string& pg, const std::vector<StoredRecord>& recs) {
  {
    PostgresOptions o;
    o.url = pg;
    o.readers = 1;
    if (auto s = OpenPostgresStore(o); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.status().message().c_str());
      std::exit(1);
    }
  }
  PGconn* c = PQconnectdb(pg.c_str());
  auto t0 = Clock::now();
  PQclear(PQexec(c, "BEGIN"));
  PQclear(PQexec(c,
                 "COPY records(uid, source, stream, id, kind, time, visibility, hash, seq, created_seq, json, title,"
                 " summary, body) FROM STDIN"));
  std::string data;
  for (size_t i = 0; i < recs.size(); ++i) {
    const StoredRecord& r = recs[i];
    std::string n = std::to_string(i + 1);
    data += n;
    for (const std::string* f : {&r.source, &r.stream, &r.id, &r.kind, &r.time, &r.visibility}) {
      data += '\t';
      pg::AppendCopyText(&data, *f);
    }
    data += '\t' + std::to_string(static_cast<int64_t>(std::hash<std::string>{}(r.json))) + '\t' + n + '\t' + n + '\t';
    pg::AppendCopyText(&data, r.json);
    data += '\t';
    pg::AppendCopyText(&data, r.title);
    data += '\t';
    pg::AppendCopyText(&data, r.summary);
    data += '\t';
    pg::AppendCopyText(&data, r.search_text);
    data += '\n';
    if (data.size() > (4 << 20)) {
      PQputCopyData(c, data.data(), static_cast<int>(data.size()));
      data.clear();
    }
  }
  PQputCopyData(c, data.data(), static_cast<int>(data.size()));
  PQputCopyEnd(c, nullptr);
  while (PGresult* r = PQgetResult(c)) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      std::fprintf(stderr, "raw COPY: %s\n", PQresultErrorMessage(r));
      std::exit(1);
    }
    PQclear(r);
  }
  PQclear(PQexec(c, ("UPDATE store_seq SET value = " + std::to_string(recs.size()) + "; COMMIT").c_str()));
  double secs = Seconds(t0);
  PQfinish(c);
  return static_cast<double>(recs.size()) / secs;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: ingest_bench <coophub-worker binary> <count.so> [records] [csv rows]\n");
    return 2;
  }
  SetWorkerProgram(argv[1]);
  HttpGlobalInit();
  int64_t n = argc > 3 ? std::atoll(argv[3]) : 200000;
  std::string tmpl = (fs::temp_directory_path() / "coophub-bench-XXXXXX").string();
  std::string dir = mkdtemp(tmpl.data());
  auto recs = SameRecords(n);
  double raw = RawUpsert(dir, recs);
  double hub = ThroughHub(dir, n, argv[2]);
  int64_t csv_rows = argc > 4 ? std::atoll(argv[4]) : 1000000;
  double csv = csv_rows > 0 ? CsvThroughHub(dir, csv_rows) : 0;
  auto [search_p50, search_p99] = csv_rows > 0 ? SearchLatency(dir) : std::pair<double, double>{0, 0};
  int64_t occurrences = 0;
  double ical = IcalThroughHub(dir, &occurrences);
  if (const char* server = std::getenv("COOPHUB_BENCH_PG"); server && *server) {
    double pg_raw = RawCopy(NewDatabase(server, "bench_raw"), recs);
    double pg_hub = ThroughHub(dir, n, argv[2], NewDatabase(server, "bench_hub"));
    std::printf("pg_ingest_raw_copy_rps %.0f\npg_ingest_plugin_to_store_rps %.0f\n", pg_raw, pg_hub);
    if (csv_rows > 0) {
      std::string search = NewDatabase(server, "bench_search");
      std::printf("pg_csv_ingest_rps %.0f\n", CsvThroughHub(dir, csv_rows, search));
      auto [p50, p99] = SearchLatency(dir, search);
      std::printf("pg_search_p50_ms %.2f\npg_search_p99_ms %.2f\n", p50, p99);
    }
  }
  fs::remove_all(dir);
  std::printf("ingest_raw_sqlite_upsert_rps %.0f\n", raw);
  std::printf("ingest_plugin_to_store_rps %.0f\n", hub);
  std::printf("ingest_ratio %.2f\n", hub / raw);
  std::printf("csv_rows %lld\n", static_cast<long long>(csv_rows));
  std::printf("csv_ingest_rps %.0f\n", csv);
  std::printf("search_p50_ms %.2f\nsearch_p99_ms %.2f\n", search_p50, search_p99);
  std::printf("ical_occurrences %lld\n", static_cast<long long>(occurrences));
  std::printf("ical_expand_rps %.0f\n", ical);
  return 0;
}
