// SPDX-License-Identifier: Apache-2.0
//
// The Store: everything the hub keeps. One interface, two backends in time (SQLite
// now, PostgreSQL for hubs that outgrow one machine). Writes go through one writer
// (a queue, a thread) in submission order, so a stream's STATE is never stored before
// the records emitted ahead of it. Reads run concurrently on a pool of connections.
// All methods are thread-safe.
#pragma once

#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/protocol.h"
#include "base/status.h"

namespace coophub {

// One transaction's worth of a sync: upserts, deletes and, optionally, the state of a
// stream that they lead up to.
struct WriteBatch {
  std::string source;
  // The run the batch belongs to (0: none): its counts of records and deletes move in
  // the same transaction, so they are right even if the hub dies before the run ends.
  int64_t run_id = 0;
  std::vector<StoredRecord> upserts;
  std::vector<std::pair<std::string, std::string>> deletes;  // (stream, id)
  // (stream, version), after the upserts and deletes: a full pass of the stream ended, and
  // its records of older versions (or none) are deleted, as any other delete is.
  std::vector<std::pair<std::string, int64_t>> activations;
  std::optional<std::pair<std::string, std::string>> state;  // (stream, state JSON)
};

struct WriteStats {
  int64_t changed = 0;   // rows inserted or updated (an identical upsert changes nothing)
  int64_t inserted = 0;  // of which new
  int64_t unchanged = 0;
  int64_t deleted = 0;
  int64_t suppressed = 0;  // upserts left out: they name someone erased (erased_names)
};

struct RecordQuery {
  std::string kind, source, stream;
  std::string q;                          // full-text search over title, summary, author, tags
  std::string since, until;               // RFC 3339, since inclusive, until exclusive
  std::vector<std::string> visibilities;  // empty: all
  std::string cursor;                     // from a previous page's next_cursor
  int limit = 50;
  bool oldest_first = false;  // sort=time; newest first is the default (sort=-time)
  // sort=relevance, with q: best match first (FTS5's bm25 on SQLite, ts_rank_cd on
  // PostgreSQL), ties newest first; pages by position. Unlike the time orders, whose page
  // costs a page, it ranks every hit before cutting one: its cost grows with the hits.
  bool relevance = false;
  // For tests: a search takes the plain plan, every hit read and sorted before the page
  // is cut, which the faster plans must answer exactly as (store_test.cc compares them).
  bool plain_plan = false;
  // With q: each item gets "snippet", made by this from the passage that matched, its
  // matches between kMatchBegin and kMatchEnd (the caller's renderer: the store writes
  // no markup). nullptr: no snippets.
  std::string (*snippet)(std::string_view passage) = nullptr;
};

// Around each match in a passage handed to RecordQuery::snippet: the noncharacters
// U+FDD0 and U+FDD1, which no text in the store holds.
inline constexpr std::string_view kMatchBegin = "\xEF\xB7\x90", kMatchEnd = "\xEF\xB7\x91";

struct RecordPage {
  // The records as the text of a JSON array, each object with "uid" first: written
  // straight from the store into the response, with no per-record allocation.
  std::string items_json = "[]";
  int count = 0;
  std::string next_cursor;                                // "" on the last page
  json Items() const { return json::parse(items_json); }  // for callers that need values
};

// A page of the change feed: upserts and deletes in the order they were committed.
struct ChangePage {
  // A JSON array: {"seq":N,"op":"upsert","record":{…}} or
  // {"seq":N,"op":"delete","source":…,"stream":…,"id":…}, oldest first.
  std::string items_json = "[]";
  std::vector<std::pair<int64_t, std::string>> items;  // the same, one (seq, JSON text) each
  int count = 0;
  int64_t last_seq = 0;  // the seq of the last item; the `after` of the next page
};

struct RunInfo {
  int64_t id = 0;
  // status: running, ok, failed, cancelled, lost (its replica died during it)
  std::string source, trigger, status;
  int64_t started_ms = 0, finished_ms = 0;
  int64_t records = 0, deletes = 0;
  std::string message;
  int64_t scheduled_ms = 0;  // the occurrence of the schedule it was (0: asked for, not scheduled)
  std::string replica;       // who ran it, on a store replicas share ("" on SQLite)
};

struct RunLogLine {
  int64_t ts_ms = 0;
  std::string level, message;
};

// A source's last run, when one last succeeded (0: never) and how many runs failed
// since (or since the first, if none succeeded).
struct SourceRuns {
  RunInfo last;
  int64_t last_success_ms = 0;
  int failures = 0;
};

// What a run of a source is, for BeginRun. Every replica of a hub may try to begin the
// same run; the store lets one of them.
struct RunClaim {
  std::string source;
  std::string trigger;  // schedule, manual (sync now), save (the source was just saved), cli
  // > 0: the occurrence of the source's schedule this run is (its time, in ms). Each
  // occurrence is begun once, whichever replica asks first.
  int64_t scheduled_ms = 0;
  // Takes the source's queued sync-now requests (RequestRun) with the run, in its
  // transaction; Conflict when none is left (another replica took them).
  bool requested = false;
};

struct SourceStats {
  std::string source;
  int64_t records = 0;
  std::string newest;     // newest record time
  int64_t first_seq = 0;  // the seq of the source's first record: when it first wrote
};

// One small batch of what retention removes (Store::Prune).
struct PruneBatch {
  enum class What { kRuns, kAudit, kRecords, kNamed };
  What what = What::kRuns;
  // kRuns: runs that finished before this (ms), with their logs; kAudit: entries made
  // before it; kRecords: the source's records whose time is before it.
  int64_t before_ms = 0;
  std::string source;  // kRecords
  // kNamed: the records that name one of these (lower case, as RecordNames gives them),
  // of any source: an erasure.
  std::vector<std::string> names;
  int limit = 500;
};

// Whether the store answers, for /healthz and /metrics.
struct StoreHealth {
  bool up = true;
  int64_t reconnects = 0;  // times the store came back after it went away
  std::string error;       // why it is down ("" while up)
};

class Store {
 public:
  virtual ~Store() = default;

  // A file is always there; a server may go away, and the store follows it coming back.
  virtual StoreHealth Health() { return {}; }

  // Queues a batch for the writer; the future says whether it committed.
  virtual std::future<Result<WriteStats>> Write(WriteBatch batch) = 0;
  // Waits until everything queued so far is committed.
  virtual Status Flush() = 0;
  // Hands cached pages back to the allocator (after a sync: an idle hub stays small).
  virtual void ReleaseMemory() = 0;

  virtual Result<json> LoadState(const std::string& source) = 0;  // {stream: state}
  // Begins a run: its id. Conflict when a run of the source is going (here or on
  // another replica), when its occurrence was begun already, or when its requests
  // were taken; nothing is written then.
  virtual Result<int64_t> BeginRun(const RunClaim& claim) = 0;
  Result<int64_t> BeginRun(const std::string& source, const std::string& trigger) {
    return BeginRun(RunClaim{source, trigger});
  }
  // Queues a sync-now request for source, which any replica may take (BeginRun with
  // requested); requests made while one is queued are one.
  virtual Status RequestRun(const std::string& source) = 0;
  // The sources with sync-now requests waiting.
  virtual Result<std::vector<std::string>> RequestedRuns() = 0;
  virtual Status AppendRunLog(int64_t run_id, const std::string& level, const std::string& message) = 0;
  virtual Status FinishRun(const RunInfo& run) = 0;

  virtual Result<RecordPage> ListRecords(const RecordQuery& query) = 0;
  virtual Result<std::string> GetRecord(int64_t uid) = 0;  // NotFound when absent
  // The records that name one of names (lower case, as RecordNames gives them; at most
  // 100), whatever their visibility, by uid from after_uid (exclusive): a member's data.
  // next_cursor is the last uid's decimal text ("" on the last page).
  virtual Result<RecordPage> LinkedRecords(const std::vector<std::string>& names, int64_t after_uid, int limit) = 0;
  virtual Result<std::vector<SourceStats>> Stats() = 0;
  virtual Result<std::vector<RunInfo>> ListRuns(const std::string& source, int limit) = 0;
  virtual Result<RunInfo> GetRun(int64_t run_id) = 0;  // NotFound when absent
  // Every source's last run and last success, by source, in one read (kept by the writer:
  // no scan of the run history).
  virtual Result<std::map<std::string, SourceRuns>> LatestRuns() = 0;
  virtual Result<std::vector<RunLogLine>> RunLogs(int64_t run_id) = 0;

  // Changes committed after `after`, of records with one of `visibilities` (empty: all).
  virtual Result<ChangePage> ListChanges(int64_t after, const std::vector<std::string>& visibilities, int limit) = 0;
  // How many runs each source has had, by status: (source, status) -> count.
  virtual Result<std::map<std::pair<std::string, std::string>, int64_t>> RunTotals() = 0;
  // Removes at most batch.limit rows of what batch names, in one transaction of the
  // writer, so that reads and syncs go on between batches: how many it removed (fewer
  // than the limit: none is left). Records go as a source's deletes do (a tombstone,
  // the change feed); a record without a time is never old. A source's last run and its
  // last successful one are kept whatever their age, and pruned runs still count in
  // RunTotals.
  virtual std::future<Result<int64_t>> Prune(const PruneBatch& batch) = 0;

  // The newest committed change's seq. Cheap: the HTTP server asks it for every open
  // change stream and long poll, several times a second (ApiResponse::ready).
  virtual int64_t LastSeq() = 0;
};

struct SqliteOptions {
  std::string path;  // the database file; its directory is created
  int readers = 4;   // read connections in the pool
  // Record pages kept until the data changes (page_cache.h); 0 reads every page afresh.
  size_t page_cache_bytes = 1 << 20;
};

// Opens (creating and migrating) the SQLite store. The error names the file.
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);
// The schema version this hub brings a SQLite store to (its number of migrations).
int SqliteSchemaVersion();

struct PostgresOptions {
  std::string url;  // a libpq URL (postgresql://user:password@host/db) or keyword string
  int readers = 4;
  size_t page_cache_bytes = 1 << 20;
  // Who this replica is in the runs it claims ("": host name and process id).
  std::string replica;
  // How often a running run's heartbeat is written and the newest seq polled, and how
  // old a heartbeat may grow before its run is reaped as lost (its replica died).
  int64_t heartbeat_ms = 2000;
  int64_t lost_after_ms = 30000;
};

// Opens (migrating) the PostgreSQL store: several hub replicas may share it. The error
// names the URL without its password, the setting and the fix.
Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options);
// The schema version this hub brings a PostgreSQL store to.
int PostgresSchemaVersion();

}  // namespace coophub
