// SPDX-License-Identifier: Apache-2.0
//
// Runs each enabled source every `every`, with jitter, exponential backoff after
// failures (capped by scheduler.max_backoff), at most max_concurrent_runs at once, and
// on demand (sync now). Keeps each source's live status for the API and the page.
// All public methods are thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <random>
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

class Scheduler {
 public:
  Scheduler(Store& store, const HubConfig& config);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Starts the loop; every enabled source is due at once when sync_on_start.
  void Start(bool sync_on_start);
  // Cancels running syncs, waits for them, stops the loop.
  void Stop();
  // Queues a sync of source now. NotFound for an unknown source; a source already
  // running is not started twice (its next run is queued).
  Status SyncNow(const std::string& source);
  std::vector<SourceLiveStatus> Snapshot() const;
  // Adds a source, or gives a known one its new config from its next run on (a run
  // under way finishes with the config it started with). A disabled source is removed.
  void Put(std::shared_ptr<const SourceConfig> source);
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
    std::string trigger;  // of the next run, when not "schedule": "manual" (sync now), "save"
  };
  void Loop();
  void Launch(Entry& e) REQUIRES(mu_);
  void OnDone(const std::string& id, bool ok, const std::string& message);
  void Changed() REQUIRES(mu_);  // a status changed
  int64_t Jitter() REQUIRES(mu_);

  Store& store_;
  const HubConfig& config_;
  mutable Mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Entry> entries_ GUARDED_BY(mu_);
  int running_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;
  uint64_t version_ GUARDED_BY(mu_) = 0;
  std::mt19937_64 rng_ GUARDED_BY(mu_);
  std::atomic<bool> cancel_{false};
  std::thread loop_;
};

}  // namespace coophub
