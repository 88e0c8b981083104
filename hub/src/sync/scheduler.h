// SPDX-License-Identifier: Apache-2.0
//
// Runs each enabled source every `every`, exponential backoff after failures (capped by
// scheduler.max_backoff), at most max_concurrent_runs at once, and on demand (sync now).
// Keeps each source's live status for the API and the page. All public methods are
// thread-safe.
//
// Several hub replicas may share one store: each source's next run is worked out from
// what every replica reads alike (NextOccurrence: the schedule and the last run in the
// store), and begun by a claim on that occurrence (RunClaim), which one replica gets.
// Sync-now requests are queued in the store and taken by whichever replica is free.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "config/config.h"
#include "store/store.h"
#include "base/mutex.h"

namespace coophub {

struct SourceLiveStatus {
  std::string id;
  bool running = false;
  bool queued = false;
  int64_t next_due_ms = 0;
  int failures = 0;  // consecutive
  int64_t progress_done = 0, progress_total = -1;
  std::string last_error;
};

struct ScheduleRule {
  int64_t every_ms = 3600 * 1000;
  int64_t jitter_ms = 0;  // the most a source's occurrences are offset from the hour's grid
  int64_t max_backoff_ms = 3600 * 1000;
};

// When source id's next scheduled run is due, in ms: the same on every replica for the
// same last run. Occurrences fall on a grid, every rule.every_ms, offset by a part of
// jitter that the id fixes (sources spread out; replicas agree); with no run yet, the
// occurrence at or before now (a new hub syncs at once); after failures, the last one's
// end plus the backoff (1 min, 2, 4… up to max_backoff). INT64_MAX while a run is going.
int64_t NextOccurrence(const std::string& id, const ScheduleRule& rule, const SourceRuns* last, int64_t now_ms);

class Scheduler {
 public:
  Scheduler(Store& store, const HubConfig& config);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Starts the loop: every enabled source whose current occurrence has not run yet
  // (here or on another replica) runs at once.
  void Start();
  // Cancels running syncs, waits for them, stops the loop.
  void Stop();
  // Queues a sync of source now, in the store: this replica or another takes it. NotFound
  // for an unknown source; a source already running is not started twice (its next run
  // is queued).
  Status SyncNow(const std::string& source);
  std::vector<SourceLiveStatus> Snapshot() const;
  // Adds a source, or gives a known one its new config from its next run on (a run
  // under way finishes with the config it started with). A disabled source is removed.
  // A new source runs at once (trigger "save") when saved here; one another replica
  // saved (and runs) waits for its next occurrence.
  void Put(std::shared_ptr<const SourceConfig> source, bool saved_here = true);
  // Forgets a source; a run under way finishes and records its result.
  void Remove(const std::string& id);
  // Blocks until no sync is running or queued, or timeout_ms passes; true if idle.
  bool WaitIdle(int64_t timeout_ms);
  // A number that grows whenever a source's live status changes (queued, started,
  // progress, finished): Snapshot() again once it has moved.
  uint64_t StatusVersion() const;

 private:
  struct Entry {
    SourceLiveStatus status;
    std::shared_ptr<const SourceConfig> config;
    bool here = false;     // running on this replica
    bool saved = false;    // just saved: runs at once, trigger "save"
    int64_t retry_ms = 0;  // a claim was lost: not tried again before this
    int64_t done_run = 0;  // the last run that ended here (a read from before its end says running)
  };
  // One tick: what the store says of runs and requests, then launches what is due.
  // Returns when the next tick is due.
  int64_t Tick(const Result<std::map<std::string, SourceRuns>>& runs, const Result<std::vector<std::string>>& asked,
               int64_t now) REQUIRES(mu_);
  void Loop();
  void Launch(const std::string& id, Entry& e, std::string trigger, int64_t scheduled_ms, bool requested) REQUIRES(mu_);
  // A run ended: the source's status anew from runs and asked, read after its end.
  void OnDone(const std::string& id, bool claimed, int64_t run_id,
              const Result<std::map<std::string, SourceRuns>>& runs, const Result<std::vector<std::string>>& asked);
  void Changed() REQUIRES(mu_);  // a status changed

  Store& store_;
  const HubConfig& config_;
  mutable Mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Entry> entries_ GUARDED_BY(mu_);
  int running_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;
  uint64_t version_ GUARDED_BY(mu_) = 0;
  std::atomic<bool> cancel_{false};
  std::thread loop_;
};

}  // namespace coophub
