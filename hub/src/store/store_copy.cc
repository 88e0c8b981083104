// SPDX-License-Identifier: Apache-2.0
// A SQLite store copied into PostgreSQL; see store_copy.h.
#include "store/store_copy.h"

#include <sqlite3.h>

#include <filesystem>

#include "store/postgres/pg_conn.h"
#include "store/postgres/pg_schema.h"
#include "store/sql.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace coophub {
namespace {

// The tables as both backends name their columns, in an order that keeps PostgreSQL's
// references (users before sessions and tokens). Records go apart: their search text
// is in SQLite's FTS5 table, their vector is made by PostgreSQL. The queue of sync-now
// requests and the runs' logs take new ids from PostgreSQL.
struct Table {
  const char* name;
  const char* columns;
  const char* order;  // SQLite's, so that ids given anew keep the order
};
constexpr Table kTables[] = {
    {"tombstones", "seq, source, stream, id, deleted_ms, visibility, title, kind, was", "seq"},
    {"stream_state", "source, stream, state, updated_ms", "source, stream"},
    {"source_stats", "source, records, first_seq", "source"},
    {"sync_runs", "id, source, trigger, status, started_ms, finished_ms, records, deletes, message, scheduled_ms",
     "id"},
    {"run_logs", "run_id, ts_ms, level, message", "rowid"},
    {"source_runs", "source, last_run, last_success_ms", "source"},
    {"sync_requests", "source, requested_ms", "id"},
    {"users", "id, name, password, role, created_ms, lang, email", "id"},
    {"sessions", "hash, user_id, csrf, created_ms, expires_ms", "hash"},
    {"tokens", "id, hash, user_id, name, scope, created_ms, expires_ms, last_used_ms", "id"},
    {"audit", "id, ts_ms, who, action, target, detail", "id"},
    {"visits", "user_id, base, head, time, base_time", "user_id"},
    {"shares", "id, hash, name, source, kind, visibility, created_by, created_ms", "id"},
    {"embed_origins", "origin, added_by, added_ms", "origin"},
    {"login_failures", "key, at_s", "rowid"},
    {"sources",
     "id, plugin, visibility, every_ms, enabled, config, secrets, updated_ms, name, icon, color, retention_ms", "id"},
    {"source_overrides", "id, enabled, every_ms, name, updated_ms", "id"},
    {"dashboards", "id, json, updated_ms", "id"},
    {"match_offers",
     "id, request_uid, person_uid, person_id, status, reason, offered_by, link_hash, created_ms, answered_ms,"
     " expires_ms",
     "id"},
    {"match_accepts", "request_uid, person_uid, person_id, offer_id, accepted_ms", "request_uid"},
    {"match_profiles", "person_uid, fields, updated_by, updated_ms", "person_uid"},
    {"notify_prefs", "user_id, digest, alerts_off, digest_seq, digest_period, digest_s, updated_ms", "user_id"},
    {"mail_outbox",
     "id, user_id, kind, dedupe, to_addr, subject, message, status, attempts, code, error, claimed_by, claimed_ms,"
     " next_ms, created_ms, sent_ms",
     "id"},
    {"hub_keys", "name, value", "name"},
    {"runs_pruned", "source, status, n", "source, status"},
    {"notices", "id, user_id, kind, dedupe, title, detail, url, created_ms, read_ms", "id"},
    {"webhooks",
     "id, url, format, events, kinds, sources, visibilities, secret, timeout_ms, enabled, from_seq, created_by,"
     " created_ms",
     "id"},
    {"webhook_deliveries",
     "id, hook_id, event, dedupe, payload, status, attempts, code, error, response, claimed_by, claimed_ms, next_ms,"
     " created_ms, done_ms",
     "id"},
    {"record_names", "name, uid", "uid, name"},  // after records, whose uids it names
    {"identities", "id, user_id, kind, value, status, claimed_ms, decided_by, decided_ms", "id"},
    {"erasure_requests",
     "id, user_id, user_name, names, requested_by, note, status, created_ms, decided_by, decided_ms, removed", "id"},
    {"erased_names", "name, request_id, erased_ms", "name"},
    {"exports",
     "id, user_id, requested_by, status, link_hash, size, records, error, claimed_by, claimed_ms, created_ms, done_ms,"
     " expires_ms, about",
     "id"},
    {"export_chunks", "export_id, n, data", "export_id, n"},
};
// The tables whose ids PostgreSQL gives from a sequence of its own: set past the copied.
constexpr const char* kIdentities[] = {"sync_runs",   "users",
                                       "tokens",      "audit",
                                       "shares",      "match_offers",
                                       "mail_outbox", "notices",
                                       "webhooks",    "webhook_deliveries",
                                       "identities",  "erasure_requests",
                                       "exports"};

constexpr const char* kRecordColumns =
    "uid, source, stream, id, kind, time, visibility, hash, seq, created_seq, json, table_version, title, summary, "
    "body, previous, previous_seq";
// The same from SQLite: the search text from FTS5, the previous version's seq from its JSON.
constexpr const char* kRecordSelect =
    "SELECT r.uid, r.source, r.stream, r.id, r.kind, r.time, r.visibility, r.hash, r.seq, r.created_seq, r.json,"
    " r.table_version, COALESCE(s.title, ''), COALESCE(s.summary, ''), COALESCE(s.body, ''), r.previous,"
    " json_extract(r.previous, '$.seq') FROM records r LEFT JOIN record_search s ON s.rowid = r.search_key"
    " ORDER BY r.uid";

constexpr size_t kChunk = 8 << 20;  // COPY data sent at once: memory stays bounded

// The rows of select, read from the SQLite snapshot, COPYed into `into` (a table and
// its columns) a chunk at a time. Returns how many.
Result<int64_t> CopyRows(sqlite::Db& from, pg::Conn& to, const std::string& select, const std::string& into) {
  sqlite3_stmt* st = from.Prepare(select);
  if (!st) return Status::Internal("SQLite: " + from.Error() + " (in: " + select + ")");
  int cols = sqlite3_column_count(st);
  std::string data;
  int64_t n = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    for (int c = 0; c < cols; ++c) {
      if (c) data += '\t';
      if (sqlite3_column_type(st, c) == SQLITE_NULL)
        data += "\\N";
      else
        pg::AppendCopyText(&data, pg::Clean(sqlite::Text(st, c)));
    }
    data += '\n';
    ++n;
    if (data.size() >= kChunk) {
      if (Status s = to.Copy("COPY " + into + " FROM STDIN", data); !s.ok()) return s.Prefixed(into);
      data.clear();
    }
  }
  if (rc != SQLITE_DONE) return Status::Internal("SQLite: " + from.Error());
  if (!data.empty())
    if (Status s = to.Copy("COPY " + into + " FROM STDIN", data); !s.ok()) return s.Prefixed(into);
  return n;
}

Result<int64_t> Count(pg::Conn& db, const std::string& table) {
  auto r = db.Exec("SELECT COUNT(*) FROM " + table);
  if (!r.ok()) return r.status();
  return r->Int(0, 0);
}

// Everything, inside the PostgreSQL transaction and the SQLite read.
Status CopyAll(sqlite::Db& from, pg::Conn& to, StoreCopyReport* report, void (*on_table)(const std::string&)) {
  auto told = [&](const std::string& t) {
    if (on_table) on_table(t);
  };
  told("records");
  // The search vector is the server's to make (a generated column).
  auto records = CopyRows(from, to, kRecordSelect, std::string("records(") + kRecordColumns + ")");
  if (!records.ok()) return records.status().Prefixed("records");
  report->rows.emplace_back("records", *records);
  for (const Table& t : kTables) {
    told(t.name);
    auto n = CopyRows(from, to, std::string("SELECT ") + t.columns + " FROM " + t.name + " ORDER BY " + t.order,
                      std::string(t.name) + "(" + t.columns + ")");
    if (!n.ok()) return n.status();
    report->rows.emplace_back(t.name, *n);
  }
  for (const char* t : kIdentities)
    if (Status s = to.Script(std::string("SELECT setval(pg_get_serial_sequence('") + t + "', 'id'), COALESCE((SELECT " +
                             "MAX(id) FROM " + t + "), 0) + 1, false)");
        !s.ok())
      return s;
  if (Status s = to.Script("SELECT setval('record_uids', COALESCE((SELECT MAX(uid) FROM records), 0) + 1, false);"
                           "UPDATE store_seq SET value = GREATEST((SELECT COALESCE(MAX(seq), 0) FROM records),"
                           " (SELECT COALESCE(MAX(seq), 0) FROM tombstones))");
      !s.ok())
    return s;
  // What arrived is what was read: each table's rows on both sides.
  for (const auto& [table, n] : report->rows) {
    auto there = Count(to, table);
    if (!there.ok()) return there.status();
    sqlite3_stmt* st = from.Prepare("SELECT COUNT(*) FROM " + table);
    int64_t here = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    if (*there != n || here != n)
      return Status::Internal(table + ": " + std::to_string(here) + " rows in the SQLite store, " + std::to_string(n) +
                              " copied, " + std::to_string(*there) +
                              " in PostgreSQL: nothing was kept; try again, and report it if it happens again");
  }
  return Status::Ok();
}

}  // namespace

Result<StoreCopyReport> CopySqliteToPostgres(const std::string& sqlite_path, const std::string& url,
                                             void (*on_table)(const std::string&)) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(sqlite_path, ec))
    return Status::Invalid("--from " + sqlite_path +
                           ": no such file (the SQLite store is data_dir/coophub.db, data/coophub.db by default)");
  sqlite::Db from;
  if (Status s = from.Open(sqlite_path, /*read_only=*/true); !s.ok()) return s;
  sqlite3_stmt* st = from.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  int64_t version = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_reset(st);
  if (version != SqliteSchemaVersion())
    return Status::Invalid("--from " + sqlite_path + ": its schema is version " + std::to_string(version) +
                           ", this coophub's is " + std::to_string(SqliteSchemaVersion()) +
                           ": copy with the coophub that serves it (start this one on it once first, "
                           "which brings it up to date)");

  pg::Conn to;
  if (Status s = to.Open(url); !s.ok()) return s.Prefixed("--to");
  if (Status s = pg::Migrate(to); !s.ok()) return s.Prefixed("--to");
  auto held = to.Exec("SELECT (SELECT COUNT(*) FROM records) + (SELECT COUNT(*) FROM users)");
  if (!held.ok()) return held.status();
  if (held->Int(0, 0) > 0)
    return Status::Invalid("--to " + sql::RedactUrl(url) +
                           " holds records or accounts already: copy into a new, empty database "
                           "(createdb -O coophub coophub_new), so that nothing there is mixed or lost");

  StoreCopyReport report;
  if (Status s = from.Exec("BEGIN"); !s.ok()) return s;  // one snapshot of a store that may be in use
  Status s = to.Begin();
  if (s.ok()) s = CopyAll(from, to, &report, on_table);
  if (s.ok()) s = to.Commit();
  if (!s.ok()) to.Rollback();
  (void)from.Exec("COMMIT");
  if (!s.ok()) return s;
  (void)to.Script("ANALYZE");  // plans for the tables just filled
  return report;
}

}  // namespace coophub
