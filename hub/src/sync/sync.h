// SPDX-License-Identifier: Apache-2.0
//
// One sync of one source: run its connector's read, validate what it emits, and write
// it to the store in batches, each STATE committed with the records before it. What
// was written stays when the connector later fails. Records the run's history and
// log. Thread-safe: concurrent syncs of different sources are fine.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "config/config.h"
#include "runtime/runner.h"
#include "store/store.h"

namespace coophub {

struct SyncOptions {
  std::string trigger = "manual";  // manual (sync now), schedule, save (the source was just saved), cli
  int64_t scheduled_ms = 0;        // the occurrence of the schedule this run claims (RunClaim)
  bool requested = false;          // takes the source's queued sync-now requests (RunClaim)
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(int64_t done, int64_t total)> on_progress;  // total -1: unknown
  size_t batch_records = 2000;                                   // records in one transaction at most
};

struct SyncResult {
  // false: the run was not begun, as its claim went to another replica, or a run of the
  // source was going (run holds why); nothing was run or written.
  bool claimed = true;
  int64_t run_id = 0;
  RunResult run;
  int64_t received = 0, changed = 0, deleted = 0;
  bool ok() const { return run.outcome == RunResult::Outcome::kOk; }
};

SyncResult SyncSource(Store& store, const HubConfig& hub, const SourceConfig& source, const SyncOptions& options);

// What the source's tool holds about one person, for a member's export: runs the
// connector's optional subject operation (docs/plugins.md) with subject ({"account",
// "identities"}) and hands each record it emits, normalised, to `each`; nothing is
// stored. false when the connector has no subject operation (its SPEC does not list
// it); an error names what failed, without the source's secrets.
// A subject run's time limit (or the source's limits.timeout, if shorter).
inline constexpr int64_t kSubjectTimeoutMs = 2 * 60 * 1000;
Result<bool> AskSubject(const HubConfig& hub, const SourceConfig& source, const json& subject,
                        const std::function<Status(json&&)>& each);

// Feeds protocol lines, as a connector prints them, through the parsing and ingest of a
// run into run_id's source (for the fuzzer and tests). Lines up to the first bad one are
// written; the Status names that line, as a run's message would.
Status IngestLines(Store& store, const SourceConfig& source, int64_t run_id, std::string_view lines);

}  // namespace coophub
