// SPDX-License-Identifier: Apache-2.0
//
// The API: the one entry of HTTP requests into the hub, and what the rest of the hub
// (app, the tests) needs to know of it. Errors are RFC 9457 problem+json with a detail
// a person can act on.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "api/services.h"
#include "http/message.h"

namespace coophub {

// scheme://host of the hub as the client reached it (Host, X-Forwarded-Proto).
std::string SelfBase(const ApiRequest& r);

// The hub's HTTP surface as a function: a request in, a response out, no sockets, so
// tests call it directly. Handle() finds the route (api.cc's table), authenticates the
// caller, checks the role and the body, and calls the route's handler (handlers.h).
// Thread-safe; never throws.
class Api {
 public:
  Api(Store& store, Scheduler* scheduler, const HubConfig& config, std::string web_dir, Accounts* accounts = nullptr);
  ~Api();
  ApiResponse Handle(const ApiRequest& request) const noexcept;
  // (method, pattern) of every route; "{}" stands for one path segment.
  static std::vector<std::pair<std::string, std::string>> RouteTable();
  // Until the first user exists, POST /api/v1/setup with this code creates an admin.
  void SetSetupCode(std::string code);
  // Sources made through the API beside hub.yaml's; without, sources are read-only.
  void SetSources(Sources* sources) { hub_.sources = sources; }
  // Dashboards saved through the API beside hub.yaml's; without, they are read-only.
  void SetDashboards(Dashboards* dashboards) { hub_.dashboards = dashboards; }
  void SetMatcher(matching::Matcher* matcher, matching::Offers* offers, matching::ProfileEdits* edits) {
    hub_.matcher = matcher;
    hub_.offers = offers;
    hub_.profile_edits = edits;
  }
  void SetOutbox(notify::Outbox* outbox, notify::Postman* postman) {
    hub_.outbox = outbox;
    hub_.postman = postman;
  }
  void SetWebhooks(notify::HookStore* hooks, notify::Dispatcher* dispatcher) {
    hub_.hooks = hooks;
    hub_.dispatcher = dispatcher;
  }
  void SetKeeper(upkeep::Keeper* keeper) { hub_.keeper = keeper; }
  void SetPrivacy(privacy::Privacy* privacy, privacy::Exporter* exporter) {
    hub_.privacy = privacy;
    hub_.exporter = exporter;
  }
  const Services& services() const { return hub_; }

 private:
  Services hub_;
};

// Whether a sign-in's next is a path of this hub and nothing else (no "//", "\\" or
// control characters that a browser would read as another site).
bool IsLocalPath(const std::string& next);

// The record visibilities a role may read: public; public and members; all.
std::vector<std::string> VisibleTo(Role role);
// Whether a role may read records of this visibility.
bool MayRead(Role role, const std::string& visibility);

// The directory of web assets: the build tree's web/ or the installed share/coophub/web.
std::string DefaultWebDir();

}  // namespace coophub
