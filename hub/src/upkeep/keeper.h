// SPDX-License-Identifier: Apache-2.0
//
// The Keeper: what a serving hub does to keep its store, on a thread of its own.
//   - retention: sync runs (with their logs) older than retention.runs, audit entries
//     older than retention.audit, and each source's records older than its retention:,
//     removed by the store's writer in batches of 500, so that reads and syncs go on
//     between them;
//   - scheduled backups (backup: in hub.yaml), rotated to the newest backup.keep. On a
//     store replicas share, one replica takes each (a claim in hub_keys).
// What it removed and how its backups went are read by /metrics and the admin page
// (removed(), backup_state()).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "config/config.h"
#include "store/sql.h"
#include "store/store.h"

namespace coophub::upkeep {

struct KeeperSettings {
  const HubConfig* config = nullptr;
  // The sources whose records have a retention (hub.yaml's and those made through the
  // API), asked each round: (source id, retention in ms).
  std::function<std::vector<std::pair<std::string, int64_t>>()> retentions;
  int64_t round_ms = 10 * 60 * 1000;  // how often retention runs
};

class Keeper {
 public:
  Keeper(Store& store, sql::Database& db, KeeperSettings settings);
  ~Keeper();  // stops the thread, after the batch it is in
  Keeper(const Keeper&) = delete;
  Keeper& operator=(const Keeper&) = delete;

  void Start();
  // One round of retention, now, to its end (or the round's cap): what it removed, by
  // "runs", "audit" and "records:SOURCE".
  Result<std::map<std::string, int64_t>> Prune(int64_t now_ms);
  // Takes the scheduled backup if it is due and this replica claims it: its folder, ""
  // when none was due.
  Result<std::string> BackupIfDue(int64_t now_ms);
  // Asks the thread for a backup now (an admin's "Back up now"): Conflict while one is
  // being taken, Invalid without backup: in hub.yaml.
  Status RequestBackup();

  // What the admin page shows of backups.
  struct BackupState {
    bool running = false;
    int64_t done = 0, total = 0;  // of the one running, in pages (SQLite; 0 unknown)
    std::string last_error;       // of the last one this process tried ("" it worked)
    int64_t last_ms = 0;          // when this process last took one
    int64_t ok = 0, failed = 0;   // backups this process took, and tried in vain
  };
  BackupState backup_state() const;
  // Rows removed since the hub started, by "runs", "audit" and "records:SOURCE".
  std::map<std::string, int64_t> removed() const;

 private:
  void Loop();
  // Takes a backup now, keeping backup_state; its folder.
  Result<std::string> TakeBackup();

  Store& store_;
  sql::Database& db_;
  const KeeperSettings settings_;
  std::thread thread_;
  mutable Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::map<std::string, int64_t> removed_ GUARDED_BY(mu_);  // by what (and source)
  int64_t backups_ok_ GUARDED_BY(mu_) = 0, backups_failed_ GUARDED_BY(mu_) = 0;
  int64_t last_backup_ms_ GUARDED_BY(mu_) = 0;
  bool backup_requested_ GUARDED_BY(mu_) = false, backup_running_ GUARDED_BY(mu_) = false;
  int64_t backup_done_ GUARDED_BY(mu_) = 0, backup_total_ GUARDED_BY(mu_) = 0;
  std::string backup_error_ GUARDED_BY(mu_);
};

}  // namespace coophub::upkeep
