// SPDX-License-Identifier: Apache-2.0
// The route table, the dispatch, and the handlers of records, sources, runs, changes,
// feeds, metrics and static assets; see api.h and handlers.h.
#include "api/api.h"
#include "upkeep/keeper.h"
#include "i18n/dates.h"
#include "api/handlers.h"

#include "sync/health.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

#include <coophub/encoding.hpp>
#include <spdlog/spdlog.h>

#include "api/accounts_api.h"
#include "web/feeds.h"
#include "http/metrics.h"
#include "api/openapi.h"
#include "api/plugins_api.h"
#include "web/page.h"
#include "os/subprocess.h"
#include "base/timeutil.h"

namespace coophub {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> MsTime(int64_t ms) {
  if (ms <= 0) return std::nullopt;
  return FormatRfc3339(ms / 1000);
}

json RunJson(const RunInfo& r) {
  json j = {{"id", r.id},           {"source", r.source},
            {"trigger", r.trigger}, {"status", r.status},
            {"records", r.records}, {"deletes", r.deletes},
            {"message", r.message}, {"started", MsTime(r.started_ms).value_or("")}};
  j["finished"] = r.finished_ms ? json(*MsTime(r.finished_ms)) : json(nullptr);
  if (r.scheduled_ms) j["scheduled"] = MsTime(r.scheduled_ms).value_or("");
  if (!r.replica.empty()) j["replica"] = r.replica;
  return j;
}

std::string ContentType(const fs::path& p) {
  static const std::map<std::string, std::string> types = {{".css", "text/css; charset=utf-8"},
                                                           {".js", "text/javascript; charset=utf-8"},
                                                           {".svg", "image/svg+xml"},
                                                           {".png", "image/png"},
                                                           {".html", "text/html; charset=utf-8"},
                                                           {".json", "application/json"}};
  auto it = types.find(p.extension().string());
  return it == types.end() ? "application/octet-stream" : it->second;
}

}  // namespace

std::string DefaultWebDir() {
  for (const fs::path& p :
       {fs::path(SelfExe()).parent_path() / "../share/coophub/web", fs::path(COOPHUB_BUILD_WEB_DIR)})
    if (fs::exists(p / "style.css")) return fs::weakly_canonical(p).string();
  return "";
}

Services::Services(Store& store, Scheduler* scheduler, const HubConfig& config, std::string web_dir, Accounts* accounts)
    : store(store),
      scheduler(scheduler),
      config(config),
      web_dir(std::move(web_dir)),
      accounts(accounts),
      limiter(std::make_unique<LoginLimiter>(accounts)),
      metrics(std::make_unique<HttpMetrics>()),
      plugins(std::make_unique<PluginCache>()),
      catalogs(Catalogs::Load(this->web_dir.empty() ? std::string() : this->web_dir + "/i18n")),
      time_zone(config.time_zone.empty() ? Dates::HostZone() : config.time_zone) {}

Services::~Services() = default;

Api::Api(Store& store, Scheduler* scheduler, const HubConfig& config, std::string web_dir, Accounts* accounts)
    : hub_(store, scheduler, config, std::move(web_dir), accounts) {}

Api::~Api() = default;

std::vector<std::string> VisibleTo(Role role) {
  if (role == Role::kAdmin) return {};  // all
  if (role == Role::kAnonymous) return {"public"};
  return {"public", "members"};
}

bool MayRead(Role role, const std::string& visibility) {
  if (role == Role::kAdmin) return true;
  if (visibility == "public") return true;
  return visibility == "members" && role >= Role::kViewer;
}

namespace {

using Handler = ApiResponse (*)(const Services&, const ApiRequest&, const Principal&, const Params&);

// Who may call a route: anyone (kAnonymous), or a signed-in role at least.
struct Route {
  const char* method;
  const char* pattern;  // segments; "{}" matches one
  Role min_role;
  Handler handler;
};

// Every route of the hub: the one list.
const std::vector<Route>& Routes() {
  using R = Role;
  static const std::vector<Route> routes = {
      {"GET", "/healthz", R::kAnonymous, &Health},
      {"GET", "/api/v1/openapi.json", R::kAnonymous, &OpenApi},
      {"GET", "/api/v1/records", R::kAnonymous, &ListRecords},
      {"GET", "/api/v1/records/{}", R::kAnonymous, &GetRecord},
      {"GET", "/api/v1/sources", R::kViewer, &ListSources},
      {"GET", "/api/v1/sources/{}", R::kViewer, &GetSource},
      {"GET", "/api/v1/sources/{}/runs", R::kViewer, &ListRuns},
      {"GET", "/api/v1/sources/{}/events", R::kViewer, &SourceEvents},
      {"POST", "/api/v1/sources/{}/sync", R::kEditor, &SyncNow},
      {"POST", "/api/v1/sources/check", R::kEditor, &CheckSource},
      {"POST", "/api/v1/sources", R::kEditor, &CreateSource},
      {"PATCH", "/api/v1/sources/{}", R::kEditor, &UpdateSource},
      {"DELETE", "/api/v1/sources/{}", R::kEditor, &DeleteSource},
      {"DELETE", "/api/v1/sources/{}/override", R::kEditor, &ClearOverride},
      {"GET", "/api/v1/plugins", R::kEditor, &ListPlugins},
      {"GET", "/api/v1/runs/{}", R::kViewer, &GetRun},
      {"GET", "/api/v1/changes", R::kAnonymous, &Changes},
      {"POST", "/api/v1/login", R::kAnonymous, &Login},
      {"POST", "/api/v1/logout", R::kViewer, &Logout},
      {"GET", "/api/v1/me", R::kViewer, &Me},
      {"PATCH", "/api/v1/me", R::kViewer, &UpdateMe},
      {"POST", "/api/v1/setup", R::kAnonymous, &Setup},
      {"GET", "/api/v1/tokens", R::kViewer, &ListTokens},
      {"POST", "/api/v1/tokens", R::kViewer, &CreateToken},
      {"DELETE", "/api/v1/tokens/{}", R::kViewer, &RevokeToken},
      {"GET", "/api/v1/users", R::kAdmin, &ListUsers},
      {"POST", "/api/v1/users", R::kAdmin, &CreateUser},
      {"PATCH", "/api/v1/users/{}", R::kAdmin, &UpdateUser},
      {"DELETE", "/api/v1/users/{}", R::kAdmin, &DeleteUser},
      {"GET", "/api/v1/audit", R::kAdmin, &AuditLog},
      {"GET", "/api/v1/dashboards", R::kAnonymous, &ListDashboards},
      {"GET", "/api/v1/dashboards/{}", R::kAnonymous, &GetDashboard},
      {"PUT", "/api/v1/dashboards/{}", R::kAdmin, &PutDashboard},
      {"DELETE", "/api/v1/dashboards/{}", R::kAdmin, &DeleteDashboard},
      {"GET", "/", R::kAnonymous, &Dashboard},
      {"GET", "/login", R::kAnonymous, &LoginPage},
      {"POST", "/login", R::kAnonymous, &LoginForm},
      {"POST", "/logout", R::kViewer, &LogoutForm},
      {"GET", "/admin", R::kAnonymous, &AdminPage},
      {"GET", "/calendar", R::kAnonymous, &CalendarPage},
      {"POST", "/calendar", R::kViewer, &CalendarForm},
      {"GET", "/account", R::kAnonymous, &AccountPage},
      {"GET", "/month", R::kAnonymous, &MonthPage},
      {"GET", "/manifest.webmanifest", R::kAnonymous, &Manifest},
      {"GET", "/sw.js", R::kAnonymous, &ServiceWorker},
      {"POST", "/account", R::kViewer, &AccountForm},
      {"GET", "/embed/{}/{}", R::kAnonymous, &Embed},
      {"GET", "/api/v1/shares", R::kEditor, &ListShares},
      {"GET", "/api/v1/embed/origins", R::kEditor, &ListEmbedOrigins},
      {"PUT", "/api/v1/embed/origins", R::kAdmin, &SetEmbedOrigins},
      {"POST", "/api/v1/shares", R::kEditor, &CreateShare},
      {"DELETE", "/api/v1/shares/{}", R::kEditor, &RevokeShare},
      {"GET", "/setup", R::kAnonymous, &SetupPage},
      {"GET", "/static/{}", R::kAnonymous, &Static},
      {"GET", "/feeds/{}", R::kAnonymous, &Feed},
      {"GET", "/metrics", R::kViewer, &Metrics},
      {"GET", "/api/v1/matching", R::kEditor, &MatchingStatus},
      {"GET", "/api/v1/requests/{}/candidates", R::kEditor, &RequestCandidates},
      {"POST", "/api/v1/matching/assign", R::kEditor, &AssignRequests},
      {"POST", "/api/v1/requests/{}/offers", R::kEditor, &MakeOffers},
      {"GET", "/api/v1/requests/{}/offers", R::kEditor, &RequestOffers},
      {"GET", "/api/v1/offers", R::kViewer, &MyOffers},
      {"GET", "/api/v1/matching/requests", R::kEditor, &OpenRequests},
      {"GET", "/api/v1/requests/for-me", R::kViewer, &RequestsForMe},
      {"POST", "/api/v1/requests/{}/{}", R::kViewer, &AnswerRequest},
      {"POST", "/api/v1/offers/{}/accept", R::kViewer, &AcceptOffer},
      {"POST", "/api/v1/offers/{}/decline", R::kViewer, &DeclineOffer},
      {"GET", "/api/v1/offer-links/{}", R::kAnonymous, &OfferByLink},
      {"POST", "/api/v1/offer-links/{}/{}", R::kAnonymous, &AnswerByLink},
      {"GET", "/offer/{}", R::kAnonymous, &OfferPage},
      {"POST", "/offer/{}", R::kAnonymous, &OfferForm},
      {"GET", "/work", R::kAnonymous, &WorkPage},
      {"POST", "/work", R::kViewer, &WorkForm},
      {"GET", "/api/v1/me/matching", R::kViewer, &MyMatchingProfile},
      {"PUT", "/api/v1/me/matching", R::kViewer, &PutMyMatchingProfile},
      {"GET", "/api/v1/me/notifications", R::kViewer, &MyNotifications},
      {"PUT", "/api/v1/me/notifications", R::kViewer, &PutMyNotifications},
      {"GET", "/notifications", R::kAnonymous, &NotificationsPage},
      {"POST", "/notifications", R::kViewer, &NotificationsForm},
      {"POST", "/notifications/read", R::kViewer, &ReadNoticesForm},
      {"GET", "/api/v1/me/notices", R::kViewer, &MyNotices},
      {"POST", "/api/v1/me/notices/read", R::kViewer, &ReadMyNotices},
      {"GET", "/unsubscribe", R::kAnonymous, &UnsubscribePage},
      {"POST", "/unsubscribe", R::kAnonymous, &Unsubscribe},
      {"GET", "/api/v1/mail/outbox", R::kAdmin, &ListOutbox},
      {"POST", "/api/v1/mail/outbox/{}/retry", R::kAdmin, &RetryMail},
      {"POST", "/api/v1/mail/test", R::kAdmin, &SendTestMail},
      {"GET", "/api/v1/backups", R::kAdmin, &ListBackups},
      {"POST", "/api/v1/backups", R::kAdmin, &CreateBackup},
      {"GET", "/api/v1/webhooks", R::kAdmin, &ListWebhooks},
      {"POST", "/api/v1/webhooks", R::kAdmin, &AddWebhook},
      {"DELETE", "/api/v1/webhooks/{}", R::kAdmin, &RemoveWebhook},
      {"POST", "/api/v1/webhooks/{}/test", R::kAdmin, &TestWebhook},
      {"GET", "/api/v1/webhooks/{}/deliveries", R::kAdmin, &ListDeliveries},
      {"POST", "/api/v1/webhooks/{}/deliveries/{}/redeliver", R::kAdmin, &Redeliver},
      {"POST", "/api/v1/mail/digests", R::kAdmin, &SendDigests},
      {"GET", "/api/v1/me/data", R::kViewer, &MyData},
      {"GET", "/api/v1/me/identities", R::kViewer, &MyIdentities},
      {"POST", "/api/v1/me/identities", R::kViewer, &ClaimIdentity},
      {"DELETE", "/api/v1/me/identities/{}", R::kViewer, &WithdrawIdentity},
      {"GET", "/api/v1/me/exports", R::kViewer, &MyExports},
      {"POST", "/api/v1/me/exports", R::kViewer, &RequestMyExport},
      {"GET", "/api/v1/me/exports/{}/archive", R::kViewer, &MyExportArchive},
      {"GET", "/api/v1/exports/{}/archive", R::kAnonymous, &ExportArchiveByLink},
      {"POST", "/api/v1/me/erasure", R::kViewer, &RequestMyErasure},
      {"GET", "/api/v1/identities", R::kAdmin, &ListIdentities},
      {"POST", "/api/v1/identities/{}/{}", R::kAdmin, &DecideIdentity},
      {"POST", "/api/v1/users/{}/exports", R::kAdmin, &RequestExportFor},
      {"POST", "/api/v1/users/{}/erasure", R::kAdmin, &RequestErasureFor},
      {"GET", "/api/v1/erasures", R::kAdmin, &ListErasures},
      {"GET", "/api/v1/erasures/{}", R::kAdmin, &GetErasure},
      {"POST", "/api/v1/erasures/{}/{}", R::kAdmin, &DecideErasure},
      {"GET", "/mydata", R::kAnonymous, &MyDataPage},
      {"POST", "/mydata", R::kViewer, &MyDataForm},
      {"GET", "/profile", R::kAnonymous, &ProfilePage},
      {"POST", "/profile", R::kViewer, &ProfileForm},
  };
  return routes;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> Api::RouteTable() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : Routes()) out.emplace_back(r.method, r.pattern);
  return out;
}

ApiResponse Api::Handle(const ApiRequest& req) const noexcept {
  auto start = std::chrono::steady_clock::now();
  const char* route = "(no route)";
  ApiResponse r = Dispatch(hub_, req, &route);
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  // Known methods only: a label per made-up method would let a client grow the series.
  static const std::set<std::string> kMethods = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  hub_.metrics->Observe(req.method == "HEAD"         ? "GET"
                        : kMethods.count(req.method) ? req.method
                                                     : "OTHER",
                        route, r.status, took.count());
  return r;
}

ApiResponse Dispatch(const Services& hub, const ApiRequest& req, const char** route_out) noexcept {
  try {
    // Everything in an address ends up in JSON, logs or feeds, which are UTF-8 text.
    if (InvalidUtf8At(req.path) != std::string::npos)
      return Problem(400, "Address not UTF-8", "the path has bytes that are not UTF-8 text: percent-encode UTF-8");
    for (const auto& [k, v] : req.query)
      if (InvalidUtf8At(k) != std::string::npos || InvalidUtf8At(v) != std::string::npos)
        return Problem(400, "Query parameter not UTF-8",
                       "a query parameter has bytes that are not UTF-8 text: percent-encode UTF-8");
    std::vector<std::string> segs = PathSegments(req.path);
    bool path_matched = false;
    // Each route's pattern, split once: matching is on the hot path of every request.
    static const std::vector<std::vector<std::string>> patterns = [] {
      std::vector<std::vector<std::string>> out;
      for (const auto& route : Routes()) out.push_back(PathSegments(route.pattern));
      return out;
    }();
    for (size_t r = 0; r < Routes().size(); ++r) {
      const Route& route = Routes()[r];
      const std::vector<std::string>& pat = patterns[r];
      if (pat.size() != segs.size()) continue;
      Params params;
      bool match = true;
      for (size_t i = 0; i < pat.size() && match; ++i) {
        if (pat[i] == "{}")
          params.push_back(segs[i]);
        else
          match = pat[i] == segs[i];
      }
      if (!match) continue;
      path_matched = true;
      *route_out = route.pattern;
      if (req.method != route.method && !(req.method == "HEAD" && std::string(route.method) == "GET")) continue;
      auto who = Authenticate(hub, req);
      // A stale token or cookie on an open route reads as anonymous: a page bookmarked
      // with an expired link still shows what is public.
      // A calendar link (?token=) is the exception: a calendar app shows its error, so that
      // the member knows the link was revoked, rather than quietly showing less.
      if (!who.ok() && route.min_role == Role::kAnonymous && !req.query.count("token")) who = Principal{};
      if (!who.ok()) return Problem(401, "Unauthorized", who.status().message());
      if (who->role < route.min_role) {
        if (who->role == Role::kAnonymous)
          return Problem(401, "Sign in needed",
                         req.path + " needs a signed-in " + RoleName(route.min_role) +
                             ": sign in, or send an API token as \"Authorization: Bearer …\"");
        return Problem(403, "Forbidden",
                       req.path + " needs the " + RoleName(route.min_role) + " role; " + who->name + " has " +
                           RoleName(who->role) + (who->via == "token" ? " (as capped by the token's scope)" : ""));
      }
      // What breaks the API's document is refused here, naming the field, before any
      // handler reads it: a wrong type is a 400, never a 500 in a handler.
      std::optional<json> body;
      if (!req.body.empty() && TakesJsonBody(req.method, req.path)) {
        auto parsed = ReadJsonBody(req);  // depth, syntax and "an object" first, in its words
        if (!parsed.ok()) return FromStatus(parsed.status());
        body = std::move(*parsed);
      }
      if (auto errs = CheckRequestAgainstOpenApi(req.method, req.path, req.query, body ? &*body : nullptr);
          !errs.empty()) {
        ApiResponse bad = Problem(400, "Request does not fit the API", errs.front());
        json j = json::parse(bad.body);
        j["errors"] = errs;
        bad.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
        return bad;
      }
      // A browser's session cookie rides along on any site's form: a write made with one
      // must also carry the session's CSRF token, which only our own pages can read.
      bool write = req.method != "GET" && req.method != "HEAD";
      if (write && who->via == "session") {
        auto it = req.headers.find("x-csrf-token");
        std::string token = it != req.headers.end() ? it->second : IsFormBody(req) ? ReadFormBody(req)["csrf"] : "";
        if (token.empty() || token != who->csrf)
          return Problem(403, "CSRF token missing",
                         "a write with a session cookie needs the X-CSRF-Token header that /api/v1/me returns");
      }
      return route.handler(hub, req, *who, params);
    }
    if (path_matched) {
      ApiResponse r = Problem(405, "Method not allowed", req.method + " is not allowed on " + req.path);
      return r;
    }
    return Problem(
        404, "Not found",
        "no such endpoint: " + req.path.substr(0, 200) + "; the API lives under /api/v1 (see /api/v1/records)");
  } catch (const std::exception& e) {
    spdlog::error("handler for {} {} failed: {}", req.method, req.path, e.what());
    return Problem(500, "Internal error", "the hub failed on this request; its log has the details");
  } catch (...) {
    return Problem(500, "Internal error", "the hub failed on this request");
  }
}

ApiResponse Health(const Services& hub, const ApiRequest&, const Principal&, const Params&) {
  StoreHealth health = hub.store.Health();
  if (!health.up) return Problem(503, "Store unavailable", health.error);
  auto s = hub.store.Stats();
  if (!s.ok()) return Problem(503, "Store unavailable", s.status().message());
  return Json(200, {{"status", "ok"}, {"store_reconnects", health.reconnects}});
}

std::optional<ApiResponse> ParseRecordQuery(const Services&, const ApiRequest& r, const Principal& who,
                                            RecordQuery* out, int default_limit) {
  if (auto bad = CheckParams(r, {"kind", "source", "stream", "q", "since", "until", "limit", "cursor", "sort"}))
    return *bad;
  RecordQuery q;
  q.limit = default_limit;
  q.kind = Param(r, "kind");
  q.source = Param(r, "source");
  q.stream = Param(r, "stream");
  q.q = Param(r, "q");
  q.cursor = Param(r, "cursor");
  if (!q.kind.empty() && std::find(RecordKinds().begin(), RecordKinds().end(), q.kind) == RecordKinds().end())
    return Problem(400, "Bad kind",
                   "kind \"" + q.kind.substr(0, 40) +
                       "\" is not one of post, event, person, task, transaction, "
                       "decision, resource, message, metric, other");
  for (auto [name, field] : {std::pair{"since", &q.since}, std::pair{"until", &q.until}}) {
    std::string v = Param(r, name);
    if (v.empty()) continue;
    auto norm = NormalizeRfc3339(v);
    if (!norm)
      return Problem(
          400, "Bad time",
          std::string(name) + "=\"" + v.substr(0, 40) + "\" is not an RFC 3339 time such as 2026-11-24T00:00:00Z");
    *field = *norm;
  }
  if (std::string l = Param(r, "limit"); !l.empty()) {
    char* end = nullptr;
    long v = std::strtol(l.c_str(), &end, 10);
    if (*end != '\0' || v < 1 || v > 500)
      return Problem(400, "Bad limit", "limit must be a whole number from 1 to 500, not \"" + l.substr(0, 20) + "\"");
    q.limit = static_cast<int>(v);
  }
  if (q.q.size() > 500) return Problem(400, "Query too long", "q is limited to 500 characters");
  if (std::string sort = Param(r, "sort"); sort == "time") {
    q.oldest_first = true;
  } else if (sort == "relevance") {
    if (q.q.empty()) return Problem(400, "Bad sort", "sort=relevance ranks a search's hits: give the words in q too");
    q.relevance = true;
  } else if (!sort.empty() && sort != "-time") {
    return Problem(400, "Bad sort",
                   "sort is -time (newest first, the default), time (oldest first) or relevance (best match first, "
                   "with q), not \"" +
                       sort.substr(0, 20) + "\"");
  }
  q.visibilities = VisibleTo(who.role);
  *out = std::move(q);
  return std::nullopt;
}

ApiResponse ListRecords(const Services& hub, const ApiRequest& r, const Principal& who, const Params&) {
  RecordQuery q;
  if (auto bad = ParseRecordQuery(hub, r, who, &q, 50)) return *bad;
  q.snippet = SnippetHtml;
  auto page = hub.store.ListRecords(q);
  if (!page.ok()) return FromStatus(page.status());
  // Stored records are written out as they are: no re-serialisation on the hot path.
  std::string body;
  body.reserve(page->items_json.size() + 96);
  body += "{\"items\":";
  body += page->items_json;
  body += ",\"next_cursor\":";
  body += page->next_cursor.empty() ? "null" : "\"" + page->next_cursor + "\"";
  body += "}";
  return {200, "application/json", std::move(body)};
}

ApiResponse GetRecord(const Services& hub, const ApiRequest&, const Principal& who, const Params& p) {
  char* end = nullptr;
  long long uid = std::strtoll(p[0].c_str(), &end, 10);
  if (*end != '\0' || uid <= 0)
    return Problem(400, "Bad record id", "\"" + p[0].substr(0, 40) + "\" is not a record uid (a positive number)");
  auto rec = hub.store.GetRecord(uid);
  if (!rec.ok()) return FromStatus(rec.status());
  std::vector<std::string> allowed = VisibleTo(who.role);
  if (!allowed.empty()) {
    std::string vis = json::parse(*rec, nullptr, false).value("visibility", "members");
    // Not 403: whether a private record exists is itself private.
    if (std::find(allowed.begin(), allowed.end(), vis) == allowed.end())
      return Problem(404, "Not found", "no record with uid " + p[0]);
  }
  return {200, "application/json", std::move(*rec)};
}

Result<json> SourceJson(const Services&, const SourceEntry& entry, const std::vector<SourceStats>& stats,
                        const std::map<std::string, coophub::SourceRuns>& runs,
                        const std::vector<SourceLiveStatus>& live) {
  const SourceConfig& src = *entry.config;
  json j = {{"id", src.id},
            {"name", DisplayName(src)},
            {"icon", SourceIcon(src)},
            {"color", SourceColor(src)},
            {"plugin", src.plugin},
            {"visibility", src.visibility},
            {"enabled", src.enabled},
            {"every_s", src.every_ms / 1000},
            {"retention", RetentionText(src.retention_ms)},
            {"records", 0},
            {"newest_record", nullptr},
            {"managed_by", entry.from_file ? "hub.yaml" : "api"}};
  if (entry.from_file) {
    json over = json::array();
    if (entry.overridden.enabled) over.push_back("enabled");
    if (entry.overridden.every_ms) over.push_back("every");
    if (entry.overridden.name) over.push_back("name");
    j["overridden"] = over;
  }
  for (const auto& s : stats)
    if (s.source == src.id) {
      j["records"] = s.records;
      j["newest_record"] = s.newest.empty() ? json(nullptr) : json(s.newest);
    }
  auto last = runs.find(src.id);
  j["last_run"] = last == runs.end() ? json(nullptr) : RunJson(last->second.last);
  int64_t success_ms = last == runs.end() ? 0 : last->second.last_success_ms;
  j["last_success"] = success_ms ? json(*MsTime(success_ms)) : json(nullptr);
  j["freshness"] =
      Freshness(success_ms, last == runs.end() ? "" : last->second.last.status, src.every_ms, NowUnix() * 1000);
  for (const auto& l : live)
    if (l.id == src.id) {
      j["running"] = l.running;
      j["queued"] = l.queued;
      j["next_run"] = MsTime(l.next_due_ms) ? json(*MsTime(l.next_due_ms)) : json(nullptr);
      j["consecutive_failures"] = l.failures;
      j["progress"] = {{"done", l.progress_done},
                       {"total", l.progress_total < 0 ? json(nullptr) : json(l.progress_total)}};
    }
  return j;
}

Result<json> AllSourcesJson(const Services& hub, Role reader, std::vector<SourceStats>* stats_out) {
  auto stats = hub.store.Stats();
  if (!stats.ok()) return stats.status();
  if (stats_out) *stats_out = *stats;
  auto runs = hub.store.LatestRuns();
  if (!runs.ok()) return runs.status();
  auto live = hub.scheduler ? hub.scheduler->Snapshot() : std::vector<SourceLiveStatus>{};
  json items = json::array();
  for (const auto& s : VisibleSourceEntries(hub, reader)) {
    auto j = SourceJson(hub, s, *stats, *runs, live);
    if (!j.ok()) return j.status();
    items.push_back(std::move(*j));
  }
  return items;
}

ApiResponse ListSources(const Services& hub, const ApiRequest& r, const Principal& who, const Params&) {
  if (auto bad = CheckParams(r, {})) return *bad;
  auto items = AllSourcesJson(hub, who.role);
  if (!items.ok()) return FromStatus(items.status());
  return Json(200, {{"items", *items}});
}

// A source as hub.yaml would have it, overrides folded in. The config of an API source
// comes without its secret fields (set them by reference: ${env:…} or ${file:…}); a
// hub.yaml source's config is the file's, so it is left out.
std::string SourceYaml(const SourceEntry& e) {
  const SourceConfig& c = *e.config;
  auto text = [](const std::string& s) { return json(s).dump(-1, ' ', false, json::error_handler_t::replace); };
  std::string every = c.every_ms % 3600000 == 0 ? std::to_string(c.every_ms / 3600000) + "h"
                      : c.every_ms % 60000 == 0 ? std::to_string(c.every_ms / 60000) + "m"
                                                : std::to_string(c.every_ms / 1000) + "s";
  std::string out = "- id: " + c.id + "\n";
  if (!c.name.empty()) out += "  name: " + text(c.name) + "\n";
  if (!c.icon.empty()) out += "  icon: " + c.icon + "\n";
  if (!c.color.empty()) out += "  color: " + c.color + "\n";
  out += "  plugin: " + text(c.plugin) + "\n  visibility: " + c.visibility + "\n  every: " + every + "\n";
  if (!c.enabled) out += "  enabled: false\n";
  if (c.retention_ms > 0) out += "  retention: " + RetentionText(c.retention_ms) + "\n";
  if (e.from_file) {
    out += "  # config: as it is in hub.yaml\n";
  } else {
    out += "  config: " + WithoutFields(c.config, e.secrets_set).dump(-1, ' ', false, json::error_handler_t::replace) +
           "\n";
    for (const auto& f : e.secrets_set) out += "  # config." + f + ": a secret, not exported: set it by reference\n";
  }
  return out;
}

ApiResponse GetSource(const Services& hub, const ApiRequest& r, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(r, {"format"})) return *bad;
  auto src = FindVisibleSource(hub, who.role, p[0]);
  if (!src) return Problem(404, "Unknown source", "no source \"" + p[0].substr(0, 64) + "\" in the hub");
  std::string format = Param(r, "format");
  if (!format.empty() && format != "json" && format != "yaml")
    return Problem(400, "Bad format", "format is json (the default) or yaml (to paste under sources: in hub.yaml)");
  if (format == "yaml") {
    if (who.role < Role::kEditor) return Problem(403, "Above your role", "exporting a source takes the editor role");
    return {200, "application/yaml; charset=utf-8", SourceYaml(*src)};
  }
  auto j = OneSourceJson(hub, *src, /*with_config=*/who.role >= Role::kEditor);
  if (!j.ok()) return FromStatus(j.status());
  return Json(200, *j);
}

ApiResponse ListRuns(const Services& hub, const ApiRequest& r, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(r, {"limit"})) return *bad;
  if (!FindVisibleSource(hub, who.role, p[0]))
    return Problem(404, "Unknown source", "no source \"" + p[0].substr(0, 64) + "\" in the hub");
  int limit = 20;
  if (std::string l = Param(r, "limit"); !l.empty()) {
    char* end = nullptr;
    long v = std::strtol(l.c_str(), &end, 10);
    if (*end != '\0' || v < 1 || v > 200)
      return Problem(400, "Bad limit", "limit must be a whole number from 1 to 200");
    limit = static_cast<int>(v);
  }
  auto runs = hub.store.ListRuns(p[0], limit);
  if (!runs.ok()) return FromStatus(runs.status());
  json items = json::array();
  for (const auto& run : *runs) items.push_back(RunJson(run));
  return Json(200, {{"items", items}});
}

ApiResponse GetRun(const Services& hub, const ApiRequest& r, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(r, {})) return *bad;
  char* end = nullptr;
  long long id = std::strtoll(p[0].c_str(), &end, 10);
  if (*end != '\0' || id <= 0) return Problem(400, "Bad run id", "a run id is a positive number");
  auto run = hub.store.GetRun(id);
  if (!run.ok()) return FromStatus(run.status());
  // A run of a source the reader may not see, or of one since removed (admins only).
  if (auto src = FindSourceEntry(hub, run->source);
      src ? !MayRead(who.role, src->config->visibility) : who.role < Role::kAdmin)
    return Problem(404, "Not found", "no run " + p[0]);
  auto logs = hub.store.RunLogs(id);
  if (!logs.ok()) return FromStatus(logs.status());
  json j = RunJson(*run);
  j["log"] = json::array();
  for (const auto& l : *logs)
    j["log"].push_back({{"time", *MsTime(l.ts_ms)}, {"level", l.level}, {"message", l.message}});
  return Json(200, j);
}

ApiResponse SyncNow(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!FindVisibleSource(hub, who.role, p[0]))
    return Problem(404, "Unknown source", "no source \"" + p[0].substr(0, 64) + "\" in the hub");
  if (!hub.scheduler) return Problem(503, "No scheduler", "this hub runs no scheduler");
  if (auto s = hub.scheduler->SyncNow(p[0]); !s.ok()) return FromStatus(s);
  Audit(hub, who, "source.sync", p[0]);
  ApiResponse r = Json(202, {{"source", p[0]}, {"queued", true}, {"status_url", "/api/v1/sources/" + p[0]}});
  r.headers.emplace_back("Location", "/api/v1/sources/" + p[0] + "/runs");
  return r;
}

ApiResponse Static(const Services& hub, const ApiRequest&, const Principal&, const Params& p) {
  const std::string& name = p[0];
  if (hub.web_dir.empty() || name.find("..") != std::string::npos || name.find('/') != std::string::npos)
    return Problem(404, "Not found", "no such asset");
  fs::path path = fs::path(hub.web_dir) / name;
  std::ifstream f(path, std::ios::binary);
  if (!f) return Problem(404, "Not found", "no asset " + name);
  std::stringstream ss;
  ss << f.rdbuf();
  ApiResponse resp{200, ContentType(path), ss.str()};
  resp.headers.emplace_back("Cache-Control", "public, max-age=300");
  return resp;
}

ApiResponse ServiceWorker(const Services& hub, const ApiRequest& r, const Principal& who, const Params&) {
  ApiResponse resp = Static(hub, r, who, {"sw.js"});
  for (auto& [k, v] : resp.headers)
    if (k == "Cache-Control") v = "no-cache";  // a new release's worker is picked up at once
  return resp;
}

// The change feed: what was committed after `after`, as the caller may see it. With
// wait=S an empty answer waits up to S seconds for a change (long polling); with
// Accept: text/event-stream the answer is a stream of server-sent events that lasts
// until the client goes, each event one change with its seq as the event id.
ApiResponse Changes(const Services& hub, const ApiRequest& r, const Principal& who, const Params&) {
  if (auto bad = CheckParams(r, {"after", "limit", "wait"})) return *bad;
  auto Number = [&](const char* name, int64_t lo, int64_t hi, int64_t dflt) -> std::optional<int64_t> {
    std::string v = Param(r, name);
    if (v.empty()) return dflt;
    char* end = nullptr;
    long long n = std::strtoll(v.c_str(), &end, 10);
    if (*end != '\0' || n < lo || n > hi) return std::nullopt;
    return n;
  };
  auto after = Number("after", 0, INT64_MAX, 0);
  if (!after) return Problem(400, "Bad after", "after is the seq of the last change you have (0 to start)");
  // A client resuming a stream sends the last event id it saw.
  if (auto id = r.headers.find("last-event-id"); id != r.headers.end() && Param(r, "after").empty()) {
    char* end = nullptr;
    long long n = std::strtoll(id->second.c_str(), &end, 10);
    if (*end == '\0' && n >= 0) after = n;
  }
  auto limit = Number("limit", 1, 1000, 500);
  if (!limit) return Problem(400, "Bad limit", "limit must be a whole number from 1 to 1000");
  auto wait = Number("wait", 0, 30, 0);
  if (!wait) return Problem(400, "Bad wait", "wait is the seconds to wait for a change, 0 to 30");
  std::vector<std::string> visible = VisibleTo(who.role);

  auto accept = r.headers.find("accept");
  if (accept != r.headers.end() && accept->second.find("text/event-stream") != std::string::npos) {
    auto cursor = std::make_shared<int64_t>(*after);
    int64_t page_size = *limit;
    Store* store = &hub.store;
    // The next changes after *cursor as events, moving the cursor; false if the store fails.
    auto events = [store, cursor, visible, page_size](std::string* chunk) {
      int64_t head = store->LastSeq();  // read first: every change up to it is in the page below
      auto page = store->ListChanges(*cursor, visible, static_cast<int>(page_size));
      if (!page.ok()) return false;
      // A full page may have more behind it; otherwise changes hidden from this caller
      // are passed over up to head.
      *cursor = page->count == page_size ? page->last_seq : std::max({*cursor, page->last_seq, head});
      for (const auto& [seq, item] : page->items)  // stored JSON as it is, one line each
        *chunk += "id: " + std::to_string(seq) + "\nevent: change\ndata: " + item + "\n\n";
      return true;
    };
    return EventStream(events, [store, cursor] { return store->LastSeq() > *cursor; });
  }
  return ChangesPage(hub, *after, std::move(visible), *limit,
                     std::chrono::steady_clock::now() + std::chrono::seconds(*wait));
}

// The changes after `after` as a page; while there are none and deadline has not
// passed, an answer that waits for the next commit (the server holds no thread for it).
ApiResponse ChangesPage(const Services& hub, int64_t after, std::vector<std::string> visible, int64_t limit,
                        std::chrono::steady_clock::time_point deadline) {
  int64_t head = hub.store.LastSeq();  // read before the page: every change up to it is in it
  auto page = hub.store.ListChanges(after, visible, static_cast<int>(limit));
  if (!page.ok()) return FromStatus(page.status());
  // A full page: continue from its end. Otherwise every change up to head was seen, and
  // those hidden from this caller are not waited for again.
  int64_t next = page->count == limit ? page->last_seq : std::max({after, page->last_seq, head});
  if (page->count == 0 && std::chrono::steady_clock::now() < deadline) {
    ApiResponse later;
    Store* store = &hub.store;
    later.ready = [store, head] { return store->LastSeq() > head; };
    later.finish = [&hub, next, visible = std::move(visible), limit, deadline] {
      return ChangesPage(hub, next, visible, limit, deadline);
    };
    later.deadline = deadline;
    return later;
  }
  std::string body;
  body.reserve(page->items_json.size() + 64);
  body += "{\"items\":";
  body += page->items_json;
  body += ",\"next\":" + std::to_string(next) + "}";
  return {200, "application/json", std::move(body)};
}

// Records as Atom or iCalendar, with the filters of /api/v1/records (100 by default):
// /feeds/records.atom?source=coop-news, /feeds/records.ics?kind=event.
ApiResponse Feed(const Services& hub, const ApiRequest& r, const Principal& who, const Params& p) {
  const std::string& name = p[0];
  bool atom = name == "records.atom", ics = name == "records.ics";
  if (!atom && !ics) return Problem(404, "Not found", "feeds are /feeds/records.atom and /feeds/records.ics");
  ApiRequest filters = r;  // a calendar link's token is no filter, nor part of the feed's own address
  filters.query.erase("token");
  RecordQuery q;
  if (auto bad = ParseRecordQuery(hub, filters, who, &q, 100)) return *bad;
  auto page = hub.store.ListRecords(q);
  if (!page.ok()) return FromStatus(page.status());
  std::string query;
  for (const auto& [k, v] : filters.query) query += (query.empty() ? "?" : "&") + k + "=" + v;
  FeedInfo info;
  info.now = NowUnix();
  info.self_url = SelfBase(r) + r.path + query;
  info.title = "coophub: " + (q.source.empty() ? "" : q.source + " ") + (q.kind.empty() ? "records" : q.kind + "s");
  json items = page->Items();
  ApiResponse resp = atom ? ApiResponse{200, "application/atom+xml; charset=utf-8", RenderAtom(items, info)}
                          : ApiResponse{200, "text/calendar; charset=utf-8", RenderIcs(items, info)};
  resp.headers.emplace_back("Cache-Control",
                            who.role == Role::kAnonymous ? "public, max-age=300" : "private, max-age=300");
  return resp;
}

// Prometheus text: the HTTP counters and latencies, then records and runs per source
// and each source's consecutive failures. Scrapers sign in with a read token.
ApiResponse Metrics(const Services& hub, const ApiRequest& r, const Principal& who, const Params&) {
  if (auto bad = CheckParams(r, {})) return *bad;
  std::string out = hub.metrics->Render();
  StoreHealth health = hub.store.Health();
  out += "# HELP coophub_store_up Whether the store answers (1) or not (0).\n# TYPE coophub_store_up gauge\n";
  out += "coophub_store_up " + std::string(health.up ? "1" : "0") + "\n";
  out +=
      "# HELP coophub_store_reconnects_total Times the store came back after it went away.\n"
      "# TYPE coophub_store_reconnects_total counter\n";
  out += "coophub_store_reconnects_total " + std::to_string(health.reconnects) + "\n";
  auto stats = hub.store.Stats();
  if (!stats.ok()) return FromStatus(stats.status());
  // Per-source series only for the sources the reader may see.
  std::set<std::string> visible;
  for (const auto& e : VisibleSourceEntries(hub, who.role)) visible.insert(e.config->id);
  auto shown = [&](const std::string& source) { return who.role == Role::kAdmin || visible.count(source) > 0; };
  out += "# HELP coophub_records Records stored, by source.\n# TYPE coophub_records gauge\n";
  for (const auto& s : *stats)
    if (shown(s.source))
      out += "coophub_records{source=\"" + PromLabel(s.source) + "\"} " + std::to_string(s.records) + "\n";
  auto runs = hub.store.RunTotals();
  if (!runs.ok()) return FromStatus(runs.status());
  out +=
      "# HELP coophub_sync_runs_total Sync runs, by source and outcome (ok, failed, cancelled, lost, running).\n"
      "# TYPE coophub_sync_runs_total counter\n";
  for (const auto& [key, n] : *runs)
    if (shown(key.first))
      out += "coophub_sync_runs_total{source=\"" + PromLabel(key.first) + "\",status=\"" + PromLabel(key.second) +
             "\"} " + std::to_string(n) + "\n";
  if (hub.scheduler) {
    out +=
        "# HELP coophub_source_consecutive_failures Failed runs in a row, by source (0: the last one worked).\n"
        "# TYPE coophub_source_consecutive_failures gauge\n";
    for (const auto& l : hub.scheduler->Snapshot())
      if (shown(l.id))
        out += "coophub_source_consecutive_failures{source=\"" + PromLabel(l.id) + "\"} " + std::to_string(l.failures) +
               "\n";
  }
  if (hub.keeper) {  // retention and backups (upkeep/keeper.h)
    auto removed = hub.keeper->removed();
    out +=
        "# HELP coophub_retention_removed_total Rows retention removed, by what (runs, audit, records) and source.\n"
        "# TYPE coophub_retention_removed_total counter\n";
    for (const char* what : {"runs", "audit"})
      out += "coophub_retention_removed_total{what=\"" + std::string(what) + "\",source=\"\"} " +
             std::to_string(removed[what]) + "\n";
    for (const auto& [what, n] : removed)
      if (what.rfind("records:", 0) == 0 && shown(what.substr(8)))
        out += "coophub_retention_removed_total{what=\"records\",source=\"" + PromLabel(what.substr(8)) + "\"} " +
               std::to_string(n) + "\n";
    if (hub.config.backup) {
      auto b = hub.keeper->backup_state();
      out +=
          "# HELP coophub_backups_total Scheduled and asked-for backups this process took, by outcome.\n"
          "# TYPE coophub_backups_total counter\ncoophub_backups_total{outcome=\"ok\"} " +
          std::to_string(b.ok) + "\ncoophub_backups_total{outcome=\"failed\"} " + std::to_string(b.failed) +
          "\n# HELP coophub_backup_last_success_timestamp_seconds When this process last took a backup (0: not "
          "yet).\n# TYPE coophub_backup_last_success_timestamp_seconds gauge\n"
          "coophub_backup_last_success_timestamp_seconds " +
          std::to_string(b.last_ms / 1000) + "\n";
    }
  }
  out += "# HELP coophub_change_seq The newest change's sequence number.\n# TYPE coophub_change_seq gauge\n";
  out += "coophub_change_seq " + std::to_string(hub.store.LastSeq()) + "\n";
  return {200, "text/plain; version=0.0.4; charset=utf-8", std::move(out)};
}

ApiResponse OpenApi(const Services&, const ApiRequest&, const Principal&, const Params&) {
  ApiResponse r{200, "application/json", OpenApiText()};
  r.headers.emplace_back("Cache-Control", "public, max-age=3600");
  return r;
}

}  // namespace coophub
