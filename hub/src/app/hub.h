// SPDX-License-Identifier: Apache-2.0
//
// The composition root: the one place that makes the hub's parts from a HubConfig and
// wires them together (the store, accounts, sources, dashboards, the scheduler and the
// API over them). `coophub serve`, the in-process hubs of the tests and the API fuzzer
// all open a hub here, so what they exercise is what runs. A second store backend or a
// new service is added here and nowhere else.
#pragma once

#include <condition_variable>
#include <memory>
#include <string>
#include <thread>

#include "accounts/accounts.h"
#include "api/api.h"
#include "base/mutex.h"
#include "base/status.h"
#include "config/config.h"
#include "dashboards/dashboards.h"
#include "matching/matcher.h"
#include "notify/outbox.h"
#include "notify/postman.h"
#include "notify/webhooks.h"
#include "os/file_lock.h"
#include "upkeep/keeper.h"
#include "privacy/export.h"
#include "privacy/privacy.h"
#include "sources/sources.h"
#include "store/sql.h"
#include "store/store.h"
#include "sync/scheduler.h"

namespace coophub::app {

// The store hub.yaml's store: section names (SQLite by default, or PostgreSQL), opened
// and migrated, and the way to it for the parts kept beside the records (accounts,
// sources, dashboards). The error names the file or URL (never its password) and the
// fix. readers 0: the config's store.readers.
struct OpenedStore {
  // SQLite: data_dir/coophub.db.lock, held shared while the store is open, so that
  // `coophub restore` never swaps the file under a hub or a command. First: released last.
  FileLock lock;
  std::unique_ptr<Store> store;
  std::unique_ptr<sql::Database> db;
};
Result<OpenedStore> OpenHubStore(const HubConfig& config, int readers = 0);

struct HubOptions {
  int readers = 0;                        // the store's read connections (0: store.readers)
  bool scheduler = true;                  // without, "sync now" is refused and nothing syncs
  std::string web_dir = DefaultWebDir();  // the dashboard's assets; "" serves none
};

class Hub {
 public:
  // Opens every part on config, which the hub keeps. The error names the file or the
  // part that failed; nothing is started (see Start).
  static Result<std::unique_ptr<Hub>> Open(HubConfig config, const HubOptions& options = {});
  ~Hub();  // stops the scheduler and flushes the store's writes
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // Starts the scheduler (when there is one): every enabled source whose current
  // occurrence has not run (here or on another replica) syncs at once.
  void Start();

  const HubConfig& config() const { return config_; }
  Store& store() { return *store_; }
  Accounts& accounts() { return *accounts_; }
  Sources& sources() { return *sources_; }
  Dashboards& dashboards() { return *dashboards_; }
  Scheduler* scheduler() { return scheduler_.get(); }
  matching::Matcher* matcher() { return matcher_.get(); }
  notify::Postman* postman() { return postman_.get(); }  // null without a mail: section
  Api& api() { return *api_; }
  // How many sources were made through the API (beside hub.yaml's).
  size_t api_sources() const { return api_sources_; }

 private:
  explicit Hub(HubConfig config) : config_(std::move(config)) {}
  // On a store that replicas share: reads every kFollowMs what the others changed of
  // sources (the scheduler follows) and dashboards, until the hub is destroyed.
  void Follow();
  // The outbox and the postman, for a mail: section.
  Status OpenPostman();
  Status OpenWebhooks();  // the subscriptions, and the dispatcher that sends them
  static constexpr int64_t kFollowMs = 2000;

  HubConfig config_;
  // In the order they are made; destroyed the other way round.
  FileLock store_lock_;  // before store_: released after the store has closed
  std::unique_ptr<Store> store_;
  std::unique_ptr<sql::Database> db_;
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<Sources> sources_;
  std::unique_ptr<Dashboards> dashboards_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<matching::Offers> offers_;  // with a matching: section
  std::unique_ptr<matching::ProfileEdits> profile_edits_;
  std::unique_ptr<matching::Matcher> matcher_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<notify::Outbox> outbox_;  // with a mail: section
  std::unique_ptr<notify::Postman> postman_;
  std::unique_ptr<notify::HookStore> hooks_;
  std::unique_ptr<notify::Dispatcher> dispatcher_;
  std::unique_ptr<upkeep::Keeper> keeper_;       // retention and scheduled backups
  std::unique_ptr<privacy::Privacy> privacy_;    // members' identities, erasures, exports
  std::unique_ptr<privacy::Exporter> exporter_;  // builds the exports asked for
  size_t api_sources_ = 0;
  Mutex follow_mu_;
  std::condition_variable follow_cv_;
  bool stopping_ GUARDED_BY(follow_mu_) = false;
  std::thread follower_;
};

}  // namespace coophub::app
