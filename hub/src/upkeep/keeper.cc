// SPDX-License-Identifier: Apache-2.0
// Retention and scheduled backups; see keeper.h.
#include "upkeep/keeper.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/timeutil.h"
#include "upkeep/backup.h"

namespace coophub::upkeep {
namespace {

constexpr int kBatch = 500;
// At most this many batches of one kind a round: a backlog (a first round over years of
// runs) is worked off over several rounds, never in one long burst of writes.
constexpr int kBatchesPerRound = 200;

}  // namespace

Keeper::Keeper(Store& store, sql::Database& db, KeeperSettings settings)
    : store_(store), db_(db), settings_(std::move(settings)) {}

Keeper::~Keeper() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Keeper::Start() {
  thread_ = std::thread([this] { Loop(); });
}

Result<std::map<std::string, int64_t>> Keeper::Prune(int64_t now_ms) {
  const HubConfig& c = *settings_.config;
  std::vector<std::pair<std::string, PruneBatch>> work = {
      {"runs", {.what = PruneBatch::What::kRuns, .before_ms = now_ms - c.keep_runs_ms, .limit = kBatch}},
      {"audit", {.what = PruneBatch::What::kAudit, .before_ms = now_ms - c.keep_audit_ms, .limit = kBatch}}};
  if (settings_.retentions)
    for (const auto& [source, keep_ms] : settings_.retentions())
      if (keep_ms > 0)
        work.push_back(
            {"records:" + source,
             {.what = PruneBatch::What::kRecords, .before_ms = now_ms - keep_ms, .source = source, .limit = kBatch}});
  std::map<std::string, int64_t> removed;
  for (const auto& [what, batch] : work) {
    for (int i = 0; i < kBatchesPerRound; ++i) {
      {
        MutexLock lock(mu_);
        if (stopping_) return removed;
      }
      auto n = store_.Prune(batch).get();
      if (!n.ok()) return n.status().Prefixed("retention of " + what);
      if (*n > 0) {
        removed[what] += *n;
        MutexLock lock(mu_);
        removed_[what] += *n;
      }
      if (*n < batch.limit) break;
    }
  }
  return removed;
}

Result<std::string> Keeper::BackupIfDue(int64_t now_ms) {
  const HubConfig& c = *settings_.config;
  if (!c.backup) return std::string();
  // The claim: the last backup's time, moved to now by the one replica that finds it a
  // period old (a minute's grace for clocks that differ).
  auto conn = db_.Connect();
  if (!conn.ok()) return conn.status();
  auto claim = (*conn)->Run(
      "INSERT INTO hub_keys(name, value) VALUES('backup.last_ms', ?) ON CONFLICT(name) DO UPDATE SET value = "
      "excluded.value WHERE CAST(hub_keys.value AS BIGINT) <= ?",
      {sql::Arg(std::to_string(now_ms)), sql::Arg(now_ms - c.backup->every_ms + 60 * 1000)});
  if (!claim.ok()) return claim.status();
  if (claim->changes == 0) return std::string();
  return TakeBackup();
}

Result<std::string> Keeper::TakeBackup() {
  const HubConfig& c = *settings_.config;
  {
    MutexLock lock(mu_);
    backup_running_ = true;
    backup_done_ = backup_total_ = 0;
  }
  BackupOptions o;
  o.dir = c.backup->dir;
  o.max_rate = c.backup->max_rate;
  o.progress = [this](int64_t done, int64_t total) {
    MutexLock lock(mu_);
    backup_done_ = done;
    backup_total_ = total;
  };
  auto made = Backup(c, o);
  MutexLock lock(mu_);
  backup_running_ = false;
  if (!made.ok()) {
    ++backups_failed_;
    backup_error_ = made.status().message();
    return made.status();
  }
  ++backups_ok_;
  backup_error_.clear();
  last_backup_ms_ = NowMs();
  lock.Unlock();
  for (const auto& old : Rotate(c.backup->dir, c.backup->keep)) spdlog::info("backup: removed the old {}", old);
  return made->folder;
}

Status Keeper::RequestBackup() {
  if (!settings_.config->backup)
    return Status::Invalid(
        "no backups directory: add backup: {dir: /var/backups/coophub} to hub.yaml (docs/operations.md), or run "
        "coophub backup DIR on the server");
  {
    MutexLock lock(mu_);
    if (backup_running_ || backup_requested_) return Status::Conflict("a backup is being taken");
    backup_requested_ = true;
  }
  cv_.notify_all();
  return Status::Ok();
}

Keeper::BackupState Keeper::backup_state() const {
  MutexLock lock(mu_);
  return {backup_running_ || backup_requested_,
          backup_done_,
          backup_total_,
          backup_error_,
          last_backup_ms_,
          backups_ok_,
          backups_failed_};
}

std::map<std::string, int64_t> Keeper::removed() const {
  MutexLock lock(mu_);
  return removed_;
}

void Keeper::Loop() {
  int64_t next_round = 0;  // when retention and the schedule are looked at next
  for (;;) {
    bool asked = false;
    {
      MutexLock lock(mu_);
      while (!stopping_ && !backup_requested_ && NowMs() < next_round)
        lock.WaitFor(cv_, std::chrono::milliseconds(std::max<int64_t>(1, next_round - NowMs())));
      if (stopping_) return;
      asked = backup_requested_;
      backup_requested_ = false;
      if (asked) backup_running_ = true;  // said at once, before the backup begins
    }
    if (asked) {
      auto made = TakeBackup();
      if (!made.ok())
        spdlog::error("backup into {}: {}", settings_.config->backup->dir, made.status().message());
      else
        spdlog::info("backup (asked for): {}", *made);
      continue;
    }
    int64_t now = NowMs();
    auto pruned = Prune(now);
    if (!pruned.ok())
      spdlog::warn("retention: {}; tried again in {} min", pruned.status().message(), settings_.round_ms / 60000);
    for (const auto& [what, n] : pruned.ok() ? *pruned : std::map<std::string, int64_t>{})
      spdlog::info("retention: removed {} {}", n, what);
    auto backup = BackupIfDue(now);
    if (!backup.ok())
      spdlog::error("backup into {}: {}", settings_.config->backup->dir, backup.status().message());
    else if (!backup->empty())
      spdlog::info("backup: {}", *backup);
    int64_t wait = settings_.round_ms;
    if (settings_.config->backup) wait = std::min(wait, settings_.config->backup->every_ms);
    next_round = NowMs() + wait;
  }
}

}  // namespace coophub::upkeep
