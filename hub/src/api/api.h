// SPDX-License-Identifier: Apache-2.0
//
// The hub's HTTP surface as plain functions: a request in, a response out, no sockets,
// so tests call it directly. http_server.cc adapts it to cpp-httplib. Routes are a
// table; errors are RFC 9457 problem+json with a detail a person can act on. Handle()
// is thread-safe and never throws.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <initializer_list>
#include <set>
#include <string_view>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "accounts/accounts.h"
#include "config/config.h"
#include "dashboards/dashboards.h"
#include "i18n/i18n.h"
#include "web/page.h"
#include "sync/scheduler.h"
#include "sources/sources.h"
#include "store/store.h"
#include "http/message.h"
#include "base/mutex.h"

namespace coophub {

// scheme://host of the hub as the client reached it (Host, X-Forwarded-Proto).
std::string SelfBase(const ApiRequest& r);
class LoginLimiter;
class HttpMetrics;
struct PluginCache;
struct PluginInfo;

// Who may call a route: anyone, or a signed-in role at least.
class Api {
 public:
  // web_dir holds the static assets served under /static/. Without accounts every
  // caller is anonymous: public records only, nothing that writes.
  Api(Store& store, Scheduler* scheduler, const HubConfig& config, std::string web_dir, Accounts* accounts = nullptr);
  ~Api();
  ApiResponse Handle(const ApiRequest& request) const noexcept;
  // (method, pattern) of every route; "{}" stands for one path segment.
  static std::vector<std::pair<std::string, std::string>> RouteTable();
  // Until the first user exists, POST /api/v1/setup with this code creates an admin.
  void SetSetupCode(std::string code);
  // Sources made through the API beside hub.yaml's; without, sources are read-only.
  void SetSources(Sources* sources) { sources_ = sources; }
  // Dashboards saved through the API beside hub.yaml's; without, they are read-only.
  void SetDashboards(Dashboards* dashboards) { dashboards_ = dashboards; }

 private:
  using Params = std::vector<std::string>;  // path parameters, in order
  using Handler = ApiResponse (Api::*)(const ApiRequest&, const Principal&, const Params&) const;
  struct Route {
    const char* method;
    const char* pattern;  // segments; "{}" matches one
    Role min_role;        // kAnonymous: open to everyone
    Handler handler;
  };
  static const std::vector<Route>& Routes();
  // The caller, from a bearer token or a session cookie; a problem for a bad token.
  Result<Principal> Authenticate(const ApiRequest& request) const;

  ApiResponse Health(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse ListRecords(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse GetRecord(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse ListSources(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse GetSource(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse SourceRuns(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse GetRun(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse SyncNow(const ApiRequest&, const Principal&, const Params&) const;
  // dashboards_api.cc: the pages, and dashboards through the API
  ApiResponse Dashboard(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse LoginPage(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse AdminPage(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse ListDashboards(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse GetDashboard(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse PutDashboard(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse DeleteDashboard(const ApiRequest&, const Principal&, const Params&) const;
  // embed_api.cc
  ApiResponse Embed(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse ListShares(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse CreateShare(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse RevokeShare(const ApiRequest&, const Principal&, const Params&) const;
  std::vector<DashboardEntry> DashboardEntries() const;
  Result<std::map<std::string, json>> SourcesById(Role reader) const;  // AllSourcesJson, by id
  // The reader, their language (?lang=, the coophub_lang cookie, Accept-Language).
  PageContext Context(const ApiRequest& r, const Principal& who, const std::string& path) const;
  // A page, keeping a language just picked in its cookie.
  ApiResponse Html(const ApiRequest& r, const PageContext& c, std::string body) const;
  ApiResponse Static(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse Changes(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse ChangesPage(int64_t after, std::vector<std::string> visible, int64_t limit,
                          std::chrono::steady_clock::time_point deadline) const;
  ApiResponse Feed(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse Metrics(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse OpenApi(const ApiRequest&, const Principal&, const Params&) const;
  // plugins_api.cc
  ApiResponse ListPlugins(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse CheckSource(const ApiRequest&, const Principal&, const Params&) const;
  Result<PluginInfo> CachedPlugin(const std::string& name, const std::string& path) const;
  // An installed plugin by name (never a path or a program), or a 400 problem.
  std::variant<std::pair<std::string, PluginInfo>, ApiResponse> InstalledPlugin(const std::string& name) const;
  // sources_api.cc
  ApiResponse CreateSource(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse UpdateSource(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse DeleteSource(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse SourceEvents(const ApiRequest&, const Principal&, const Params&) const;
  std::vector<SourceEntry> SourceEntries() const;
  std::optional<SourceEntry> FindSourceEntry(const std::string& id) const;
  // The sources whose visibility who may read: what a source says about itself (its
  // errors, counts, runs) is shown to readers of its records only. Others get a 404.
  std::vector<SourceEntry> VisibleSourceEntries(Role reader) const;
  std::optional<SourceEntry> FindVisibleSource(Role reader, const std::string& id) const;
  // Handle without the metrics: the route pattern matched goes to *route.
  ApiResponse Dispatch(const ApiRequest& request, const char** route) const noexcept;
  // The filters of /api/v1/records into *out (visibility from the caller), or a problem.
  std::optional<ApiResponse> ParseRecordQuery(const ApiRequest& r, const Principal& who, RecordQuery* out,
                                              int default_limit) const;
  // accounts_api.cc
  ApiResponse Login(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse Logout(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse LoginForm(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse LogoutForm(const ApiRequest&, const Principal&, const Params&) const;
  // The limiter and the password check of a sign-in: the user, or the problem to answer.
  std::variant<User, ApiResponse> SignIn(const ApiRequest& req, const std::string& name,
                                         const std::string& password) const;
  // The sign-in page with a fresh CSRF cookie; error names a catalog message ("" none),
  // with {s} in it filled from arg.
  ApiResponse LoginPageFor(const ApiRequest& r, const Principal& who, const std::string& next, const std::string& error,
                           std::string arg = "") const;
  ApiResponse Me(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse UpdateMe(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse Setup(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse SetupPage(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse ListTokens(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse CreateToken(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse RevokeToken(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse ListUsers(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse CreateUser(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse UpdateUser(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse DeleteUser(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse AuditLog(const ApiRequest&, const Principal&, const Params&) const;
  ApiResponse SessionResponse(const ApiRequest& req, const User& user) const;
  void Audit(const Principal& who, const std::string& action, const std::string& target,
             const std::string& detail = "") const;

  Result<json> SourceJson(const SourceEntry& entry, const std::vector<SourceStats>& stats,
                          const std::map<std::string, coophub::SourceRuns>& runs,
                          const std::vector<SourceLiveStatus>& live) const;
  Result<json> AllSourcesJson(Role reader) const;  // every source reader may see, as SourceJson
  // One source as SourceJson; with_config adds an API source's config (secrets left out).
  Result<json> OneSourceJson(const SourceEntry& entry, bool with_config) const;

  Store& store_;
  Scheduler* scheduler_;
  const HubConfig& config_;
  std::string web_dir_;
  Accounts* accounts_;
  Sources* sources_ = nullptr;
  Dashboards* dashboards_ = nullptr;
  std::unique_ptr<LoginLimiter> limiter_;
  std::unique_ptr<HttpMetrics> metrics_;
  std::unique_ptr<PluginCache> plugins_;
  Catalogs catalogs_;  // the page's words, by language
  mutable Mutex setup_mu_;
  mutable std::string setup_code_ GUARDED_BY(setup_mu_);  // "" once used or never set
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
