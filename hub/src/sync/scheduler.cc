// SPDX-License-Identifier: Apache-2.0
// The sync scheduler; see scheduler.h.
#include "sync/scheduler.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <limits>

#include <spdlog/spdlog.h>

#include "base/mutex.h"
#include "base/timeutil.h"
#include "sync/sync.h"

namespace coophub {

namespace {

constexpr int64_t kFirstRetryMs = 60 * 1000;
// How often each replica reads the runs and requests in the store: how soon it sees a
// run another replica finished, or a sync-now asked of another replica.
constexpr int64_t kPollMs = 1000;
constexpr int64_t kStaleReadRetryMs = 20;  // a read from before a run here ended: read again this soon
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// FNV-1a: a spread of ids that every build and replica computes alike.
uint64_t IdHash(const std::string& id) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : id) h = (h ^ c) * 1099511628211ull;
  return h;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

int64_t NextOccurrence(const std::string& id, const ScheduleRule& rule, const SourceRuns* last, int64_t now_ms) {
  int64_t every = std::max<int64_t>(rule.every_ms, 1000);
  int64_t spread = std::clamp<int64_t>(rule.jitter_ms, 0, every - 1);
  int64_t offset = static_cast<int64_t>(IdHash(id) % static_cast<uint64_t>(spread + 1));
  auto at_or_before = [&](int64_t t) { return FloorDiv(t - offset, every) * every + offset; };
  if (!last) return at_or_before(now_ms);
  if (last->last.status == "running") return kNever;
  if (last->last.status == "failed" && last->failures > 0) {
    int shift = std::min(last->failures - 1, 20);
    return last->last.finished_ms + std::min(kFirstRetryMs << shift, std::max(rule.max_backoff_ms, kFirstRetryMs));
  }
  return at_or_before(last->last.started_ms) + every;
}

Scheduler::Scheduler(Store& store, const HubConfig& config) : store_(store), config_(config) {
  for (const auto& s : config.sources)
    if (s.enabled) entries_[s.id] = Entry{SourceLiveStatus{s.id}, std::make_shared<const SourceConfig>(s)};
}

void Scheduler::Put(std::shared_ptr<const SourceConfig> source, bool saved_here) {
  {
    MutexLock lock(mu_);
    if (!source->enabled) {
      entries_.erase(source->id);
      Changed();
      return;
    }
    auto [it, added] = entries_.try_emplace(source->id, Entry{SourceLiveStatus{source->id}, source});
    if (added && saved_here) {
      it->second.saved = true;  // a new source syncs at once
      it->second.status.queued = true;
      it->second.status.next_due_ms = NowMs();
    } else if (!added) {
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

void Scheduler::Start() {
  MutexLock lock(mu_);
  for (auto& [id, e] : entries_) {
    // Until the first tick has read the store: what a caller of WaitIdle waits for.
    e.status.queued = true;
    e.saved = false;  // sources put before the start are the hub's own, not saved now
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
    if (!entries_.count(source)) return Status::NotFound("no enabled source \"" + source + "\" in " + config_.file);
  }
  if (Status s = store_.RequestRun(source); !s.ok()) return s;
  {
    MutexLock lock(mu_);
    if (auto it = entries_.find(source); it != entries_.end()) {
      it->second.status.queued = true;
      it->second.status.next_due_ms = NowMs();
      it->second.retry_ms = 0;
    }
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

void Scheduler::Loop() {
  for (;;) {
    // What every replica reads alike, read outside the lock: the store may be far away.
    auto runs = store_.LatestRuns();
    auto asked = store_.RequestedRuns();
    MutexLock lock(mu_);
    if (stopping_) return;
    int64_t next = Tick(runs, asked, NowMs());
    if (stopping_) return;
    lock.WaitFor(cv_, std::chrono::milliseconds(std::clamp<int64_t>(next - NowMs(), 1, kPollMs)));
  }
}

int64_t Scheduler::Tick(const Result<std::map<std::string, SourceRuns>>& runs,
                        const Result<std::vector<std::string>>& asked, int64_t now) {
  if (!runs.ok() || !asked.ok()) {  // the store is away: the live status stays as it was
    spdlog::warn("scheduler: cannot read the runs in the store: {}",
                 (!runs.ok() ? runs.status() : asked.status()).message());
    return now + kPollMs;
  }
  int64_t next = now + kPollMs;
  bool changed = false;
  for (auto& [id, e] : entries_) {
    auto found = runs->find(id);
    const SourceRuns* last = found == runs->end() ? nullptr : &found->second;
    if (!e.here && e.done_run && (!last || last->last.id < e.done_run)) {
      // Read before the run that just ended here was in the store: it would say this
      // interval has not run yet. Look again with a fresh read, in a moment.
      next = std::min(next, now + kStaleReadRetryMs);
      continue;
    }
    bool requested = std::find(asked->begin(), asked->end(), id) != asked->end();
    SourceLiveStatus before = e.status;
    e.status.failures = last ? last->failures : 0;
    e.status.last_error = last && last->last.status == "failed" ? last->last.message : "";
    bool elsewhere = last && last->last.status == "running" && last->last.id != e.done_run;
    e.status.running = e.here || elsewhere;
    e.status.queued = requested || e.saved;
    if (!e.here) {
      ScheduleRule rule{e.config->every_ms, config_.jitter_ms, config_.max_backoff_ms};
      int64_t due = NextOccurrence(id, rule, last, now);
      if (due != kNever) e.status.next_due_ms = e.status.queued ? now : due;
      bool free = running_ < config_.max_concurrent_runs && e.retry_ms <= now;
      if (free && e.saved)
        Launch(id, e, "save", 0, false);
      else if (free && requested && !e.status.running)
        Launch(id, e, "manual", 0, true);
      else if (free && due <= now)
        Launch(id, e, "schedule", due, false);
      else if (due != kNever)
        next = std::min(next, std::max(due, e.retry_ms));
    }
    changed |= before.running != e.status.running || before.queued != e.status.queued ||
               before.failures != e.status.failures || before.next_due_ms != e.status.next_due_ms;
  }
  if (changed) Changed();
  return next;
}

void Scheduler::Launch(const std::string& id, Entry& e, std::string trigger, int64_t scheduled_ms, bool requested) {
  e.here = true;
  e.saved = false;
  e.status.running = true;
  e.status.progress_done = 0;
  e.status.progress_total = -1;
  ++running_;
  Changed();
  std::shared_ptr<const SourceConfig> src = e.config;  // kept by the run, whatever Put does
  std::thread([this, src, id, trigger = std::move(trigger), scheduled_ms, requested] {
    SyncOptions o;
    o.trigger = trigger;
    o.scheduled_ms = scheduled_ms;
    o.requested = requested;
    o.cancel = &cancel_;
    o.on_progress = [this, id](int64_t done, int64_t total) {
      MutexLock lock(mu_);
      auto it = entries_.find(id);
      if (it == entries_.end()) return;
      it->second.status.progress_done = done;
      it->second.status.progress_total = total;
      Changed();
    };
    bool claimed = true;
    int64_t run_id = 0;
    try {  // the thread's catch-all: a surprise ends this run, never the hub
      SyncResult r = SyncSource(store_, config_, *src, o);
      claimed = r.claimed;
      run_id = r.run_id;
      if (!claimed) spdlog::debug("sync {}: not run here: {}", id, r.run.message);
      store_.ReleaseMemory();
      malloc_trim(0);  // a sync's batches are gone: give their memory back to the system
    } catch (const std::exception& ex) {
      spdlog::error("sync {}: the sync failed: {}", id, ex.what());
    }
    // A read from after the run's end, so that its status (the next sync above all) is
    // never shown from a read that had not seen the run yet.
    OnDone(id, claimed, run_id, store_.LatestRuns(), store_.RequestedRuns());
  }).detach();
}

void Scheduler::OnDone(const std::string& id, bool claimed, int64_t run_id,
                       const Result<std::map<std::string, SourceRuns>>& runs,
                       const Result<std::vector<std::string>>& asked) {
  MutexLock lock(mu_);
  --running_;
  if (auto it = entries_.find(id); it != entries_.end()) {  // not removed meanwhile
    Entry& e = it->second;
    e.here = false;
    if (run_id) e.done_run = run_id;
    e.status.running = false;
    // Another replica has it: look again at the next poll, not at once.
    e.retry_ms = claimed ? 0 : NowMs() + kPollMs;
  }
  if (!stopping_) Tick(runs, asked, NowMs());
  Changed();
  cv_.notify_all();  // under mu_: after this the run's thread no longer touches *this
}

}  // namespace coophub
