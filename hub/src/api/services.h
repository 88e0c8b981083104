// SPDX-License-Identifier: Apache-2.0
//
// What the API's handlers work with: the hub's services, made by the composition root
// (app::Hub) and handed to every handler as `const Services& hub`. A handler is a free
// function of (hub, request, caller, path parameters); api.cc's route table is the one
// list of routes. Thread-safe: the services are, and the few things kept here (the setup
// code) have their lock.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "base/mutex.h"
#include "config/config.h"
#include "dashboards/dashboards.h"
#include "i18n/i18n.h"
#include "sources/sources.h"
#include "store/store.h"
#include "sync/scheduler.h"

namespace coophub {

namespace notify {
class Outbox;
class Postman;
class HookStore;
class Dispatcher;
}  // namespace notify
namespace upkeep {
class Keeper;
}
namespace privacy {
class Privacy;
class Exporter;
}  // namespace privacy
namespace matching {
class Matcher;
class Offers;
class ProfileEdits;
}  // namespace matching
class LoginLimiter;
class HttpMetrics;
struct PluginCache;

struct Services {
  // web_dir holds the static assets served under /static/ and the message catalogs.
  Services(Store& store, Scheduler* scheduler, const HubConfig& config, std::string web_dir, Accounts* accounts);
  ~Services();
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  Store& store;
  Scheduler* scheduler;  // null: nothing syncs, and "sync now" is refused
  const HubConfig& config;
  const std::string web_dir;
  Accounts* accounts;                               // null: every caller is anonymous (public records, no writes)
  Sources* sources = nullptr;                       // null: hub.yaml's sources only, read-only
  Dashboards* dashboards = nullptr;                 // null: hub.yaml's dashboards only, read-only
  matching::Matcher* matcher = nullptr;             // null: no matching: section in hub.yaml
  matching::Offers* offers = nullptr;               // with the matcher
  matching::ProfileEdits* profile_edits = nullptr;  // with the matcher: members' corrections
  notify::Outbox* outbox = nullptr;                 // null: no mail: section in hub.yaml
  notify::Postman* postman = nullptr;               // with the outbox, in a serving hub
  notify::HookStore* hooks = nullptr;               // webhooks out
  notify::Dispatcher* dispatcher = nullptr;         // with the hooks, in a serving hub
  upkeep::Keeper* keeper = nullptr;                 // retention and scheduled backups, in a serving hub
  privacy::Privacy* privacy = nullptr;              // members' identities, erasures, exports
  privacy::Exporter* exporter = nullptr;            // builds exports, in a serving hub (else queued)
  const std::unique_ptr<LoginLimiter> limiter;
  const std::unique_ptr<HttpMetrics> metrics;
  const std::unique_ptr<PluginCache> plugins;
  const Catalogs catalogs;      // the page's words, by language
  const std::string time_zone;  // the coop's: server.time_zone, else this machine's
  // Until the first user exists, POST /api/v1/setup with this code creates an admin.
  mutable Mutex setup_mu;
  mutable std::string setup_code GUARDED_BY(setup_mu);  // "" once used or never set
};

using Params = std::vector<std::string>;  // a route's path parameters, in order

}  // namespace coophub
