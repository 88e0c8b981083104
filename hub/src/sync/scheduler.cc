// SPDX-License-Identifier: Apache-2.0
// The sync scheduler; see scheduler.h.
#include "sync/scheduler.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "sync/sync.h"
#include "base/timeutil.h"
#include "base/mutex.h"

namespace coophub {

namespace {
constexpr int64_t kFirstRetryMs = 60 * 1000;
}

Scheduler::Scheduler(Store& store, const HubConfig& config)
    : store_(store), config_(config), rng_(std::random_device{}()) {
  for (const auto& s : config.sources)
    if (s.enabled) entries_[s.id] = Entry{SourceLiveStatus{s.id}, std::make_shared<const SourceConfig>(s)};
}

void Scheduler::Put(std::shared_ptr<const SourceConfig> source) {
  {
    MutexLock lock(mu_);
    if (!source->enabled) {
      entries_.erase(source->id);
      Changed();
      return;
    }
    auto [it, added] = entries_.try_emplace(source->id, Entry{SourceLiveStatus{source->id}, source});
    if (added) {
      it->second.status.next_due_ms = NowMs();  // a new source syncs at once
      it->second.status.queued = true;
      it->second.trigger = "save";
    } else {
      it->second.config = std::move(source);
    }
    Changed();
  }
  cv_.notify_all();
}

void Scheduler::Remove(const std::string& id) {
  MutexLock lock(mu_);
  entries_.erase(id);
  Changed();
}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start(bool sync_on_start) {
  MutexLock lock(mu_);
  int64_t now = NowMs();
  for (auto& [id, e] : entries_) {
    e.status.next_due_ms = sync_on_start ? now : now + e.config->every_ms + Jitter();
    e.status.queued = sync_on_start;
    e.trigger.clear();  // sources put before the start are the hub's own, not saved now
  }
  loop_ = std::thread([this] { Loop(); });
}

void Scheduler::Stop() {
  {
    MutexLock lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    cancel_ = true;
    Changed();  // wakes status watchers
  }
  cv_.notify_all();
  if (loop_.joinable()) loop_.join();
  // Runs are detached; each signals under mu_ as its last touch of this object.
  MutexLock lock(mu_);
  while (running_ != 0) lock.Wait(cv_);
}

Status Scheduler::SyncNow(const std::string& source) {
  {
    MutexLock lock(mu_);
    auto it = entries_.find(source);
    if (it == entries_.end()) return Status::NotFound("no enabled source \"" + source + "\" in " + config_.file);
    it->second.status.next_due_ms = 0;
    it->second.status.queued = true;
    it->second.trigger = "manual";
    Changed();
  }
  cv_.notify_all();
  return Status::Ok();
}

std::vector<SourceLiveStatus> Scheduler::Snapshot() const {
  MutexLock lock(mu_);
  std::vector<SourceLiveStatus> out;
  for (const auto& [id, e] : entries_) out.push_back(e.status);
  return out;
}

void Scheduler::Changed() { ++version_; }

uint64_t Scheduler::StatusVersion() const {
  MutexLock lock(mu_);
  return version_;
}

bool Scheduler::WaitIdle(int64_t timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  MutexLock lock(mu_);
  for (;;) {
    bool idle = running_ == 0 && std::none_of(entries_.begin(), entries_.end(),
                                              [](const auto& entry) { return entry.second.status.queued; });
    if (idle || std::chrono::steady_clock::now() >= deadline) return idle;
    lock.WaitUntil(cv_, deadline);
  }
}

int64_t Scheduler::Jitter() {
  if (config_.jitter_ms <= 0) return 0;
  return std::uniform_int_distribution<int64_t>(0, config_.jitter_ms)(rng_);
}

void Scheduler::Loop() {
  MutexLock lock(mu_);
  while (!stopping_) {
    int64_t now = NowMs();
    int64_t next = now + 60 * 1000;
    for (auto& [id, e] : entries_) {
      if (e.status.running) continue;
      if (e.status.next_due_ms <= now && running_ < config_.max_concurrent_runs)
        Launch(e);
      else
        next = std::min(next, std::max(e.status.next_due_ms, now + 10));
    }
    lock.WaitFor(cv_, std::chrono::milliseconds(std::max<int64_t>(next - NowMs(), 1)));
  }
}

void Scheduler::Launch(Entry& e) {
  e.status.running = true;
  e.status.queued = false;
  e.status.progress_done = 0;
  e.status.progress_total = -1;
  ++running_;
  Changed();
  std::shared_ptr<const SourceConfig> src = e.config;  // kept by the run, whatever Put does
  std::string trigger = e.trigger.empty() ? "schedule" : e.trigger;
  e.trigger.clear();
  std::thread([this, src, trigger] {
    SyncOptions o;
    o.trigger = trigger;
    o.cancel = &cancel_;
    o.on_progress = [this, id = src->id](int64_t done, int64_t total) {
      MutexLock lock(mu_);
      auto it = entries_.find(id);
      if (it == entries_.end()) return;
      it->second.status.progress_done = done;
      it->second.status.progress_total = total;
      Changed();
    };
    bool ok = false;
    std::string message;
    try {  // the thread's catch-all: a surprise ends this run, never the hub
      SyncResult r = SyncSource(store_, config_, *src, o);
      ok = r.ok();
      message = r.run.message;
      store_.ReleaseMemory();
      malloc_trim(0);  // a sync's batches are gone: give their memory back to the system
    } catch (const std::exception& e) {
      message = std::string("the sync failed: ") + e.what();
      spdlog::error("sync {}: {}", src->id, message);
    }
    OnDone(src->id, ok, message);
  }).detach();
}

void Scheduler::OnDone(const std::string& id, bool ok, const std::string& message) {
  MutexLock lock(mu_);
  --running_;
  if (auto it = entries_.find(id); it != entries_.end()) {  // not removed meanwhile
    Entry& e = it->second;
    e.status.running = false;
    int64_t now = NowMs();
    if (ok) {
      e.status.failures = 0;
      e.status.last_error.clear();
      if (!e.status.queued) e.status.next_due_ms = now + e.config->every_ms + Jitter();
    } else {
      ++e.status.failures;
      e.status.last_error = message;
      int shift = std::min(e.status.failures - 1, 20);
      int64_t backoff = std::min(kFirstRetryMs << shift, config_.max_backoff_ms);
      if (!e.status.queued) e.status.next_due_ms = now + backoff + Jitter();
    }
  }
  Changed();
  cv_.notify_all();  // under mu_: after this the run's thread no longer touches *this
}

}  // namespace coophub
