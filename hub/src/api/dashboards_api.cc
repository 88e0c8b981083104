// SPDX-License-Identifier: Apache-2.0
//
// The pages (dashboard, sign-in, admin shell) and the dashboards API: list and read
// for whoever may see a dashboard, save and remove for admins. What a dashboard shows
// is decided here, per reader: widgets above the reader's role are left out, and every
// record query carries the reader's visibilities. See dashboards.h and page.h.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "api/accounts_api.h"
#include "api/api.h"
#include "api/handlers.h"
#include "web/page.h"
#include "base/timeutil.h"
#include "i18n/dates.h"
#include "dashboards/widgets.h"

namespace coophub {
namespace {

constexpr const char* kSeenCookie = "coophub_seen";
constexpr int64_t kVisitGapS = 30 * 60;  // a page view this long after the last one is a new visit
constexpr size_t kWorkOnDashboard = 3;   // the first pieces of work; /work has them all

// "Since your last visit" (accounts.h, Visit): kept in the account for a signed-in
// reader, so that phone and office PC agree, and in a cookie for a stranger
// (base.head.time.base_time). A view more than kVisitGapS after the last starts a new
// visit, whose base is the head the last one ended with, at the time it ended.
Visit ReadCookieVisit(const ApiRequest& r) {
  Visit s;
  std::string v = CookieValue(r, kSeenCookie);
  long long b = 0, h = 0, t = 0, bt = 0;
  int n = std::sscanf(v.c_str(), "%lld.%lld.%lld.%lld", &b, &h, &t, &bt);
  if (n >= 3 && b >= 0 && h >= b) s = {b, h, t, n == 4 ? bt : 0};
  return s;
}

Visit ReadVisit(const Services& hub, const ApiRequest& r, const Principal& who) {
  if (who.user_id && hub.accounts)
    if (auto v = hub.accounts->GetVisit(who.user_id); v.ok() && v->has_value()) return **v;
  return ReadCookieVisit(r);  // a stranger; or an account's first view here, from what this browser saw
}

bool MayView(Role role, const DashboardConfig& d) { return role >= d.role; }

}  // namespace

PageContext Context(const Services& hub, const ApiRequest& r, const Principal& who, const std::string& path) {
  PageContext c;
  c.catalogs = &hub.catalogs;
  // Just picked (?lang=), else the account's choice, else this browser's, else what the
  // browser asks for.
  std::string picked = Param(r, "lang");
  if (picked.empty()) picked = who.lang;
  if (picked.empty()) picked = CookieValue(r, "coophub_lang");
  auto accept = r.headers.find("accept-language");
  c.lang = hub.catalogs.Negotiate(picked, accept == r.headers.end() ? "" : accept->second);
  c.locale = Catalogs::Locale(c.lang, accept == r.headers.end() ? "" : accept->second);
  c.user = who.name;
  c.role = who.role == Role::kAnonymous ? "" : RoleName(who.role);
  c.csrf = who.csrf;
  c.path = path;
  c.now = NowUnix();  // one clock for the page: its widgets' data and its relative times
  // The zone the browser said (?tz=, from an embed; else the cookie common.js keeps),
  // else the coop's.
  std::string zone = Param(r, "tz");
  if (!Dates::KnownZone(zone)) zone = CookieValue(r, "coophub_tz");
  c.zone = Dates::KnownZone(zone) ? zone : hub.time_zone;
  return c;
}

ApiResponse HtmlPage(const Services&, const ApiRequest& r, const PageContext& c, std::string body) {
  ApiResponse page{200, "text/html; charset=utf-8", std::move(body)};
  page.headers.emplace_back("Content-Language", c.lang);
  page.headers.emplace_back("Vary", "Accept-Language, Cookie");
  page.headers.emplace_back("Cache-Control", "no-store");
  if (std::string picked = Param(r, "lang"); !picked.empty() && picked == c.lang)
    page.headers.emplace_back("Set-Cookie", "coophub_lang=" + c.lang + "; Path=/; Max-Age=31536000; SameSite=Lax");
  return page;
}

Result<std::map<std::string, json>> SourcesById(const Services& hub, Role reader, std::vector<SourceStats>* stats) {
  auto sources = AllSourcesJson(hub, reader, stats);
  if (!sources.ok()) return sources.status();
  std::map<std::string, json> out;
  for (auto& s : *sources) {
    std::string id = s.value("id", "");  // before the move: = evaluates its right side first
    out[id] = std::move(s);
  }
  return out;
}

std::vector<DashboardEntry> DashboardEntries(const Services& hub) {
  if (hub.dashboards) return hub.dashboards->All();
  std::vector<DashboardEntry> out;
  for (const auto& d : hub.config.dashboards) out.push_back({d, "hub.yaml"});
  if (out.empty()) out.push_back({DefaultDashboard(), "default"});
  return out;
}

ApiResponse Dashboard(const Services& hub, const ApiRequest& r, const Principal& who, const Params&) {
  if (auto bad = CheckParams(r, {"q", "lang", "dashboard", "mine", "tz"})) return *bad;
  PageData data;
  data.ctx = Context(hub, r, who, "/");
  data.ctx.only_mine = Param(r, "mine") == "1" && !who.name.empty();
  data.q = Param(r, "q");
  if (data.q.size() > 500) return Problem(400, "Query too long", "q is limited to 500 characters");
  std::string wanted = Param(r, "dashboard");
  const DashboardEntry* shown = nullptr;
  std::vector<DashboardEntry> all = DashboardEntries(hub);
  for (const auto& e : all) {
    if (!MayView(who.role, e.dashboard)) continue;
    data.dashboards.emplace_back(e.dashboard.id, TitleIn(e.dashboard.title, e.dashboard.titles, data.ctx.lang));
    if (!shown && (wanted.empty() || e.dashboard.id == wanted)) shown = &e;
  }
  if (!shown) {
    if (who.role == Role::kAnonymous && !all.empty()) {  // perhaps it is for members: sign in first
      return SignInFirst(wanted.empty() ? std::string("/") : "/%3Fdashboard%3D" + wanted);
    }
    return Problem(404, "No such dashboard", "no dashboard \"" + wanted.substr(0, 64) + "\" that you may see");
  }
  data.dashboard_id = shown->dashboard.id;
  data.title = TitleIn(shown->dashboard.title, shown->dashboard.titles, data.ctx.lang);
  // Which sources are behind, for every reader; why, for editors and admins.
  std::vector<SourceStats> stats;
  auto sources = SourcesById(hub, who.role, &stats);
  if (!sources.ok()) return FromStatus(sources.status());
  data.sources = std::move(*sources);
  data.show_reasons = who.role >= Role::kEditor;

  WidgetContext wc;
  wc.visibilities = VisibleTo(who.role);
  wc.now = data.ctx.now;
  wc.me = who.name;
  wc.only_mine = data.ctx.only_mine;
  Visit seen = ReadVisit(hub, r, who);
  Visit before = seen;
  int64_t head = hub.store.LastSeq();
  if (seen.base >= 0 && wc.now - seen.time > kVisitGapS) {  // a new visit
    seen.base = seen.head;
    seen.base_time = seen.time;
  }
  wc.seen_seq = seen.base;
  wc.seen_time = seen.base_time;
  if (seen.base >= 0) {
    // Sources whose first record came after the last visit: what they brought is not all
    // news (a blog's archive, a calendar's past); only what is newer than that visit is.
    for (const auto& s : stats)
      if (s.first_seq > seen.base) wc.added_sources.insert(s.source);
  }
  data.first_visit = seen.base < 0;
  data.ctx.seq = head;
  if (!data.q.empty()) {
    RecordQuery q;
    q.q = data.q;
    q.visibilities = wc.visibilities;
    q.snippet = SnippetHtml;
    q.limit = 50;
    auto page = hub.store.ListRecords(q);
    if (!page.ok()) return FromStatus(page.status());
    data.results = page->Items();
  } else {
    if (who.role != Role::kAnonymous && hub.matcher) {
      // Work waiting for the reader's answer; the rest of the page does without it.
      if (auto work = WorkOf(hub, who, kWorkOnDashboard); work.ok()) {
        data.work = std::move(work->items);
        data.work_total = work->total;
      } else {
        spdlog::warn("dashboard: work for {} not shown: {}", who.name, work.status().message());
      }
    }
    for (const auto& w : shown->dashboard.widgets) {
      if (who.role < WidgetRole(w)) continue;
      auto wd = LoadWidget(hub.store, w, wc);
      if (!wd.ok()) return FromStatus(wd.status());
      data.widgets.push_back(std::move(*wd));
    }
  }
  ApiResponse page = HtmlPage(hub, r, data.ctx, RenderDashboard(data));
  Visit now{data.first_visit ? head : seen.base, head, wc.now, data.first_visit ? wc.now : seen.base_time};
  if (who.user_id && hub.accounts) {
    // One write per minute of viewing at most: the gap is counted in minutes anyway.
    if (before.base != now.base || before.head != now.head || before.base_time != now.base_time ||
        now.time - before.time >= 60)
      if (Status s = hub.accounts->PutVisit(who.user_id, now); !s.ok()) spdlog::warn("visits: {}", s.message());
  } else {
    page.headers.emplace_back("Set-Cookie", std::string(kSeenCookie) + "=" + std::to_string(now.base) + "." +
                                                std::to_string(now.head) + "." + std::to_string(now.time) + "." +
                                                std::to_string(now.base_time) +
                                                "; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly");
  }
  return page;
}

// Whether next is only ever a path of this hub: "/" then no second "/" or "\\", no
// backslash or control character anywhere (a browser drops a tab, so "/\t/evil.example"
// would read as "//evil.example": another site).
bool IsLocalPath(const std::string& next) {
  if (next.empty() || next[0] != '/' || next.size() > 2000) return false;
  if (next.size() > 1 && (next[1] == '/' || next[1] == '\\')) return false;
  for (char c : next) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '\\') return false;
  }
  return true;
}

ApiResponse LoginPage(const Services& hub, const ApiRequest& r, const Principal& who, const Params&) {
  if (auto bad = CheckParams(r, {"next", "lang"})) return *bad;
  std::string next = Param(r, "next");
  if (!IsLocalPath(next)) next = "/";
  return LoginPageFor(hub, r, who, next, "");
}

ApiResponse SignInFirst(const std::string& next) {
  ApiResponse go{303, "text/plain", ""};
  go.headers.emplace_back("Location", "/login?next=" + next);
  return go;
}

ApiResponse LoginPageFor(const Services& hub, const ApiRequest& r, const Principal& who, const std::string& next,
                         const std::string& error, std::string arg) {
  PageContext c = Context(hub, r, who, "/login");
  std::string csrf = NewLoginCsrf();
  ApiResponse page = HtmlPage(hub, r, c, RenderLogin(c, next, csrf, error, arg));
  page.headers.emplace_back("Set-Cookie", std::string(kLoginCsrfCookie) + "=" + csrf +
                                              "; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600" +
                                              (r.secure ? "; Secure" : ""));
  return page;
}

namespace {

constexpr int64_t kCalendarLinkTtlMs = 365LL * 24 * 3600 * 1000;

// The page with the reader's calendar links; made_url: the one just made, shown once.
ApiResponse CalendarPageFor(const Services& hub, const ApiRequest& r, const Principal& who, const std::string& made_url,
                            const std::string& said) {
  auto tokens = hub.accounts->ListTokens(who.user_id);
  if (!tokens.ok()) return FromStatus(tokens.status());
  std::vector<CalendarLinkLine> links;
  for (const auto& t : *tokens)
    if (t.scope == kCalendarScope && t.expires_ms > NowMs())
      links.push_back({t.id, t.created_ms / 1000, t.last_used_ms / 1000});
  PageContext c = Context(hub, r, who, "/calendar");
  return HtmlPage(hub, r, c, RenderCalendar(c, links, made_url, said));
}

}  // namespace

ApiResponse CalendarPage(const Services& hub, const ApiRequest& r, const Principal& who, const Params&) {
  if (auto bad = CheckParams(r, {"lang"})) return *bad;
  if (who.role == Role::kAnonymous || !hub.accounts) {
    return SignInFirst("/calendar");
  }
  return CalendarPageFor(hub, r, who, "", "");
}

// make=1: a new calendar link (a token of scope calendar, for a year), shown once;
// revoke=ID: the reader's link ID stops working at once.
ApiResponse CalendarForm(const Services& hub, const ApiRequest& r, const Principal& who, const Params&) {
  if (who.via != "session")
    return Problem(403, "Sign in on the page",
                   "calendar links are made on /calendar, signed in; an API client "
                   "makes one with POST /api/v1/tokens {\"scope\": \"calendar\"}");
  auto form = ReadFormBody(r);
  if (form.count("revoke")) {
    int64_t id = 0;
    try {
      id = std::stoll(form["revoke"]);
    } catch (const std::exception&) {
      return Problem(400, "Bad link", "revoke names a calendar link by its number");
    }
    if (auto s = hub.accounts->RevokeToken(who.user_id, id); !s.ok()) return FromStatus(s);
    Audit(hub, who, "token.revoke", "calendar link " + std::to_string(id));
    return CalendarPageFor(hub, r, who, "", "calendar.revoked");
  }
  if (form["make"] != "1") return Problem(400, "Bad form", "the calendar form sends make=1 or revoke=ID");
  auto t = hub.accounts->CreateCalendarLink(who.user_id, "calendar link", kCalendarLinkTtlMs);
  if (!t.ok()) return FromStatus(t.status());
  Audit(hub, who, "token.create", t->token.name, "scope calendar");
  // The events the member may see; the token is theirs alone and reads as them.
  std::string url = SelfBase(r) + "/feeds/records.ics?kind=event&token=" + t->secret;
  return CalendarPageFor(hub, r, who, url, "");
}

namespace {

ApiResponse AccountPageFor(const Services& hub, const ApiRequest& r, const Principal& who, const std::string& said,
                           const std::string& error, const std::string& arg = "") {
  PageContext c = Context(hub, r, who, "/account");
  return HtmlPage(hub, r, c, RenderAccount(c, said, error, arg));
}

}  // namespace

ApiResponse AccountPage(const Services& hub, const ApiRequest& r, const Principal& who, const Params&) {
  if (auto bad = CheckParams(r, {"lang", "done"})) return *bad;
  if (who.role == Role::kAnonymous || !hub.accounts || who.via != "session") {
    return SignInFirst("/account");
  }
  return AccountPageFor(hub, r, who, Param(r, "done") == "password" ? "account.changed" : "", "");
}

// The password form: current, password and repeat. Changed: a new session (the others
// end) and back to the page, which says so. Refused: the page again, saying why.
ApiResponse AccountForm(const Services& hub, const ApiRequest& r, const Principal& who, const Params&) {
  auto form = ReadFormBody(r);
  auto again = [&](int status, const char* why, std::string arg = "") {
    ApiResponse page = AccountPageFor(hub, r, who, "", why, std::move(arg));
    page.status = status;
    return page;
  };
  if (form["password"] != form["repeat"]) return again(400, "account.mismatch");
  auto changed = ChangeOwnPassword(hub, r, who, form["current"], form["password"]);
  if (auto* refused = std::get_if<ApiResponse>(&changed)) {
    std::string wait;
    for (const auto& [k, v] : refused->headers)
      if (k == "Retry-After") wait = v;
    switch (refused->status) {
      case 400:
        return again(400, "account.short");
      case 401:
        return again(401, "account.wrong");
      case 429: {
        ApiResponse page = again(429, "login.wait", wait);
        page.headers.emplace_back("Retry-After", wait);
        return page;
      }
      default:
        return *refused;
    }
  }
  ApiResponse go = SessionResponse(hub, r, std::get<User>(changed));
  if (go.status != 200) return go;
  go.status = 303;
  go.body.clear();
  go.content_type = "text/plain; charset=utf-8";
  go.headers.emplace_back("Location", "/account?done=password");
  return go;
}

// /month?month=2026-12: the agenda as a month's calendar (this month by default, in
// the reader's zone); mine=1 keeps the member's own.
ApiResponse MonthPage(const Services& hub, const ApiRequest& r, const Principal& who, const Params&) {
  if (auto bad = CheckParams(r, {"month", "mine", "lang", "tz"})) return *bad;
  MonthData m;
  m.ctx = Context(hub, r, who, "/month");
  m.ctx.only_mine = Param(r, "mine") == "1" && !who.name.empty();
  Dates dates(m.ctx.lang, m.ctx.zone);
  CivilDate today = dates.DateOf(m.ctx.now);
  m.year = today.year;
  m.month = today.month;
  if (std::string month = Param(r, "month"); !month.empty()) {
    CivilDate first;
    if (!CivilDate::Parse(month + "-01", &first) || first.year < 1970 || first.year > 9999)
      return Problem(400, "Bad month", "month is a year and a month, as 2026-12");
    m.year = first.year;
    m.month = first.month;
  }
  // A day more on each side: an all-day event is stored at its date's midnight in UTC,
  // which is another day in some zones. RenderMonth keeps the month's own days.
  CivilDate next = m.month == 12 ? CivilDate{m.year + 1, 1, 1} : CivilDate{m.year, m.month + 1, 1};
  RecordQuery q;
  q.kind = "event";
  q.visibilities = VisibleTo(who.role);
  q.since = FormatRfc3339(dates.StartOf({m.year, m.month, 1}) - 86400);
  q.until = FormatRfc3339(dates.StartOf(next) + 86400);
  q.oldest_first = true;
  q.limit = 500;
  constexpr size_t kMostEvents = 2000;
  for (;;) {
    auto page = hub.store.ListRecords(q);
    if (!page.ok()) return FromStatus(page.status());
    for (auto& e : page->Items())
      if (!m.ctx.only_mine || Involves(e, who.name)) m.events.push_back(std::move(e));
    if (page->next_cursor.empty()) break;
    if (m.events.size() >= kMostEvents) {
      m.capped = true;
      break;
    }
    q.cursor = page->next_cursor;
  }
  return HtmlPage(hub, r, m.ctx, RenderMonth(m));
}

// The web app manifest: the hub installs as an app on a phone, named after the first
// dashboard a stranger may open, in the reader's language.
ApiResponse Manifest(const Services& hub, const ApiRequest& r, const Principal&, const Params&) {
  PageContext c = Context(hub, r, Principal{}, "/");
  std::string name = "coophub";
  for (const auto& e : DashboardEntries(hub))
    if (MayView(Role::kAnonymous, e.dashboard)) {
      if (std::string t = TitleIn(e.dashboard.title, e.dashboard.titles, c.lang); !t.empty()) name = t;
      break;
    }
  json manifest = {
      {"name", name},
      {"short_name", name.size() <= 12 ? name : "coophub"},
      {"lang", c.lang},
      {"start_url", "/"},
      {"scope", "/"},
      {"display", "standalone"},
      {"background_color", "#ffffff"},
      {"theme_color", "#0b5cad"},
      {"icons",
       json::array({{{"src", "/static/icon.svg"}, {"sizes", "any"}, {"type", "image/svg+xml"}, {"purpose", "any"}},
                    {{"src", "/static/icon-192.png"}, {"sizes", "192x192"}, {"type", "image/png"}},
                    {{"src", "/static/icon-512.png"}, {"sizes", "512x512"}, {"type", "image/png"}}})}};
  ApiResponse resp{200, "application/manifest+json", manifest.dump()};
  resp.headers.emplace_back("Content-Language", c.lang);
  resp.headers.emplace_back("Vary", "Accept-Language, Cookie");
  resp.headers.emplace_back("Cache-Control", "public, max-age=300");
  return resp;
}

ApiResponse AdminPage(const Services& hub, const ApiRequest& r, const Principal& who, const Params&) {
  if (auto bad = CheckParams(r, {"lang"})) return *bad;
  if (who.role != Role::kAnonymous && who.role < Role::kEditor) {
    // Signed in, but not for this: say which role it takes, rather than a sign-in form.
    PageContext c = Context(hub, r, who, "/admin");
    ApiResponse page = HtmlPage(hub, r, c, RenderAdminRefused(c));
    page.status = 403;
    return page;
  }
  if (who.role < Role::kEditor) {
    return SignInFirst("/admin");
  }
  PageContext c = Context(hub, r, who, "/admin");
  return HtmlPage(hub, r, c, RenderAdmin(c));
}

ApiResponse ListDashboards(const Services& hub, const ApiRequest& r, const Principal& who, const Params&) {
  if (auto bad = CheckParams(r, {})) return *bad;
  json items = json::array();
  for (const auto& e : DashboardEntries(hub)) {
    if (!MayView(who.role, e.dashboard)) continue;
    json j = ToJson(e.dashboard);
    j["origin"] = e.origin;
    items.push_back(std::move(j));
  }
  json types = json::array();
  for (const auto& t : WidgetTypes())
    types.push_back({{"type", t.name},
                     {"kind", t.kind},
                     {"limit", t.default_limit},
                     {"role", t.least_role == Role::kAnonymous ? "anonymous" : RoleName(t.least_role)}});
  return Json(200, {{"items", items}, {"widget_types", types}});
}

ApiResponse GetDashboard(const Services& hub, const ApiRequest& r, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(r, {"format"})) return *bad;
  std::string format = Param(r, "format");
  if (!format.empty() && format != "json" && format != "yaml")
    return Problem(400, "Bad format", "format is json (the default) or yaml (to paste under dashboards: in hub.yaml)");
  for (const auto& e : DashboardEntries(hub)) {
    if (e.dashboard.id != p[0] || !MayView(who.role, e.dashboard)) continue;
    if (format == "yaml") return {200, "application/yaml; charset=utf-8", ToYaml(e.dashboard)};
    json j = ToJson(e.dashboard);
    j["origin"] = e.origin;
    return Json(200, j);
  }
  return Problem(404, "No such dashboard", "no dashboard \"" + p[0].substr(0, 64) + "\" that you may see");
}

// The whole dashboard: {"title"?, "role"?, "widgets": [...]}; the id is the path's.
ApiResponse PutDashboard(const Services& hub, const ApiRequest& r, const Principal& who, const Params& p) {
  if (!hub.dashboards)
    return Problem(503, "Dashboards are read-only", "this hub keeps its dashboards in hub.yaml only");
  auto body = ReadJsonBody(r);
  if (!body.ok()) return FromStatus(body.status());
  if (body->contains("id") && (*body)["id"] != p[0])
    return Problem(400, "Bad id", "the body's id must be the path's (\"" + p[0].substr(0, 64) + "\"), or left out");
  body->erase("origin");  // as GET gave it: accepted back unchanged
  (*body)["id"] = p[0];
  auto d = ParseDashboard(*body, "dashboard");
  if (!d.ok()) return Problem(400, "Bad dashboard", d.status().message());
  bool existed = hub.dashboards->Find(p[0]).has_value();
  auto saved = hub.dashboards->Put(*d);
  if (!saved.ok()) return FromStatus(saved.status());
  Audit(hub, who, existed ? "dashboard.update" : "dashboard.create", p[0]);
  json j = ToJson(saved->dashboard);
  j["origin"] = saved->origin;
  ApiResponse resp = Json(existed ? 200 : 201, j);
  if (!existed) resp.headers.emplace_back("Location", "/api/v1/dashboards/" + p[0]);
  return resp;
}

ApiResponse DeleteDashboard(const Services& hub, const ApiRequest&, const Principal& who, const Params& p) {
  if (!hub.dashboards)
    return Problem(503, "Dashboards are read-only", "this hub keeps its dashboards in hub.yaml only");
  if (auto s = hub.dashboards->Remove(p[0]); !s.ok()) return FromStatus(s);
  Audit(hub, who, "dashboard.delete", p[0]);
  return {204, "application/json", ""};
}

}  // namespace coophub
