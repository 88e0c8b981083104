// SPDX-License-Identifier: Apache-2.0
//
// Embeds and share links. /embed/{dashboard}/{n} is widget n of a dashboard alone: a
// page for an iframe, or (format=fragment) its HTML for the <coophub-widget> element,
// answered with CORS to the origins in server.embed_origins, which are also the only
// sites allowed to frame it (frame-ancestors). An embed is always anonymous, whatever
// cookie the browser holds: a member visiting another site must not carry private
// records onto it. It shows public records, or what a share link allows: records up
// to one visibility, of one source and/or kind, until an editor revokes the link.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "api/accounts_api.h"
#include "api/api.h"
#include "api/handlers.h"
#include "web/page.h"
#include "base/timeutil.h"
#include "config/config.h"
#include "dashboards/widgets.h"

namespace coophub {
namespace {

Role RoleForVisibility(const std::string& v) {
  return v == "admins" ? Role::kAdmin : v == "members" ? Role::kViewer : Role::kAnonymous;
}

json ShareJson(const ShareInfo& s) {
  return {{"id", s.id},
          {"name", s.name},
          {"source", s.source},
          {"kind", s.kind},
          {"visibility", s.visibility},
          {"created_by", s.created_by},
          {"created", FormatRfc3339(s.created_ms / 1000)}};
}

}  // namespace

std::string SelfBase(const ApiRequest& r) {
  auto host = r.headers.find("host");
  auto proto = r.headers.find("x-forwarded-proto");
  std::string scheme = proto != r.headers.end() ? proto->second : r.secure ? "https" : "http";
  return scheme + "://" + (host != r.headers.end() ? host->second : "localhost");
}

std::vector<std::string> EmbedOrigins(const Services& hub) {
  std::vector<std::string> out = hub.config.embed_origins;
  if (hub.accounts) {
    if (auto stored = hub.accounts->EmbedOrigins(); stored.ok()) {
      for (const auto& [origin, by] : *stored)
        if (std::find(out.begin(), out.end(), origin) == out.end()) out.push_back(origin);
    } else {
      spdlog::error("embed origins: {}", stored.status().message());
    }
  }
  return out;
}

namespace {

// The site whose page asks: the Origin of a fetch, or for an iframe the origin of the
// page framing it (a browser's Referer across sites is that origin, at least). "" when
// the browser does not say, or it is the hub itself.
std::string AskingSite(const ApiRequest& r, bool fragment) {
  auto Header = [&](const char* name) {
    auto it = r.headers.find(name);
    return it == r.headers.end() ? std::string() : it->second;
  };
  std::string site;
  if (fragment) {
    site = Header("origin");
  } else if (Header("sec-fetch-dest") == "iframe" && Header("sec-fetch-site") != "same-origin") {
    std::string referer = Header("referer");
    size_t scheme = referer.find("://");
    if (scheme != std::string::npos) site = referer.substr(0, referer.find('/', scheme + 3));
  }
  if (site == SelfBase(r) || !IsOrigin(site)) return "";
  return site;
}

// A refused embed says why where the partner's page shows it, in the reader's language:
// for <coophub-widget> a problem its script may read (CORS to whoever asked: it holds
// nothing of the hub's), for an iframe a page any site may frame (the same).
ApiResponse Refuse(const Services& hub, const ApiRequest& r, bool fragment, int status, const std::string& title,
                   const std::string& key, const std::map<std::string, std::string>& args = {}) {
  PageContext c = Context(hub, r, Principal{}, r.path);
  std::string why = hub.catalogs.Text(c.lang, key, args);
  ApiResponse resp = fragment ? Problem(status, title, why) : ApiResponse{status, "text/html; charset=utf-8", ""};
  if (!fragment) {
    resp.body = RenderEmbedRefused(c, why, SelfBase(r));
    resp.headers.emplace_back("Content-Security-Policy",
                              "default-src 'self'; style-src 'self'; script-src 'none'; frame-ancestors *; "
                              "base-uri 'none'; form-action 'none'");
    resp.headers.emplace_back("X-Frame-Options", "");
  } else if (auto origin = r.headers.find("origin"); origin != r.headers.end()) {
    resp.headers.emplace_back("Access-Control-Allow-Origin", origin->second);
  }
  resp.headers.emplace_back("Cache-Control", "no-store");
  resp.headers.emplace_back("Vary", "Origin, Referer, Accept-Language");
  resp.headers.emplace_back("Content-Language", c.lang);
  return resp;
}

}  // namespace

ApiResponse Embed(const Services& hub, const ApiRequest& r, const Principal&, const Params& p) {
  if (auto bad = CheckParams(r, {"share", "format", "lang", "tz"})) return *bad;
  std::string format = Param(r, "format");
  if (!format.empty() && format != "page" && format != "fragment")
    return Problem(400, "Bad format", "format is page (the default, for an iframe) or fragment (for <coophub-widget>)");
  bool fragment = format == "fragment";
  std::vector<std::string> allowed = EmbedOrigins(hub);
  if (std::string site = AskingSite(r, fragment);
      !site.empty() && std::find(allowed.begin(), allowed.end(), site) == allowed.end())
    return Refuse(hub, r, fragment, 403, "Site not allowed", "embed.refused.site", {{"site", site}});
  // Who the embed stands for: a stranger, or what its share link allows.
  Role role = Role::kAnonymous;
  std::optional<ShareInfo> share;
  if (std::string secret = Param(r, "share"); !secret.empty()) {
    if (!hub.accounts) return Problem(404, "No share links", "this hub has no accounts, so no share links");
    auto s = hub.accounts->FindShare(secret);
    if (!s.ok()) return Refuse(hub, r, fragment, 403, "Share link refused", "embed.refused.revoked");
    share = *s;
    role = RoleForVisibility(share->visibility);
  }
  const DashboardEntry* found = nullptr;
  std::vector<DashboardEntry> all = DashboardEntries(hub);
  for (const auto& e : all)
    if (e.dashboard.id == p[0]) found = &e;
  char* end = nullptr;
  long n = std::strtol(p[1].c_str(), &end, 10);
  if (!found || *end != '\0' || n < 0 || static_cast<size_t>(n) >= found->dashboard.widgets.size())
    return Refuse(hub, r, fragment, 404, "No such widget", "embed.refused.missing");
  WidgetConfig w = found->dashboard.widgets[static_cast<size_t>(n)];
  if (role < found->dashboard.role || role < WidgetRole(w))
    return Refuse(hub, r, fragment, 403, "Not public", "embed.refused.share");
  if (w.type == "changes" || w.type == "sources")
    return Problem(400, "Not embeddable",
                   "the " + w.type +
                       " widget is about the reader's own visits or the hub's "
                       "health: embed another widget");
  if (share && !share->source.empty()) {
    if (!w.sources.empty() && std::find(w.sources.begin(), w.sources.end(), share->source) == w.sources.end())
      return Refuse(hub, r, fragment, 403, "Share link is for another source", "embed.refused.scope");
    w.sources = {share->source};
  }
  if (share && !share->kind.empty()) {
    const WidgetType* t = FindWidgetType(w.type);
    std::string kind = w.type == "records" ? w.kind : t->kind;
    if (kind != share->kind)
      return Refuse(hub, r, fragment, 403, "Share link is for another kind", "embed.refused.scope");
  }
  PageData data;
  data.ctx = Context(hub, r, Principal{}, r.path);
  data.title = TitleIn(found->dashboard.title, found->dashboard.titles, data.ctx.lang);
  auto sources = SourcesById(hub, role);
  if (!sources.ok()) return FromStatus(sources.status());
  data.sources = std::move(*sources);
  WidgetContext wc{VisibleTo(role), data.ctx.now, -1};
  auto wd = LoadWidget(hub.store, w, wc);
  if (!wd.ok()) return FromStatus(wd.status());
  data.widgets.push_back(std::move(*wd));
  ApiResponse resp{200, "text/html; charset=utf-8", RenderEmbed(data, SelfBase(r), fragment)};
  std::string ancestors = "'self'";
  for (const auto& o : allowed) ancestors += " " + o;
  resp.headers.emplace_back("Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                            "frame-ancestors " +
                                ancestors + "; base-uri 'none'; form-action 'self'");
  resp.headers.emplace_back("X-Frame-Options", "");  // not sent: it cannot name several sites; CSP does
  // Not kept by shared caches: the list of sites may change at any time, and it is
  // in the answer's CSP.
  resp.headers.emplace_back("Cache-Control", share ? "private, max-age=60" : "public, max-age=60");
  resp.headers.emplace_back("Vary", "Origin, Referer, Accept-Language");
  resp.headers.emplace_back("Content-Language", data.ctx.lang);
  if (auto origin = r.headers.find("origin");
      origin != r.headers.end() && fragment &&
      std::find(allowed.begin(), allowed.end(), origin->second) != allowed.end())
    resp.headers.emplace_back("Access-Control-Allow-Origin", origin->second);
  return resp;
}

// The sites allowed to embed: hub.yaml's and the admin's, each saying where it is set.
ApiResponse ListEmbedOrigins(const Services& hub, const ApiRequest& r, const Principal&, const Params&) {
  if (auto bad = CheckParams(r, {})) return *bad;
  json items = json::array();
  for (const auto& o : hub.config.embed_origins) items.push_back({{"origin", o}, {"from", "hub.yaml"}});
  if (hub.accounts) {
    auto stored = hub.accounts->EmbedOrigins();
    if (!stored.ok()) return FromStatus(stored.status());
    for (const auto& [origin, by] : *stored)
      if (std::find(hub.config.embed_origins.begin(), hub.config.embed_origins.end(), origin) ==
          hub.config.embed_origins.end())
        items.push_back({{"origin", origin}, {"from", "admin"}, {"added_by", by}});
  }
  return Json(200, {{"items", items}});
}

// {"origins": ["https://coop.example", …]}: the sites the admin allows, beside
// hub.yaml's, at once (no restart). A trailing slash or capitals are forgiven.
ApiResponse SetEmbedOrigins(const Services& hub, const ApiRequest& r, const Principal& who, const Params& p) {
  if (!hub.accounts) return Problem(404, "No accounts", "this hub has no accounts");
  auto body = ReadJsonBody(r);
  if (!body.ok()) return FromStatus(body.status());
  auto list = body->find("origins");
  if (body->size() != 1 || list == body->end() || !list->is_array())
    return Problem(400, "Bad request", "send {\"origins\": [\"https://coop.example\", …]}");
  std::vector<std::string> origins;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& o = (*list)[i];
    std::string origin = o.is_string() ? o.get<std::string>() : "";
    while (!origin.empty() && origin.back() == '/') origin.pop_back();
    std::transform(origin.begin(), origin.end(), origin.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (!IsOrigin(origin))
      return Problem(400, "Not a site",
                     "origins[" + std::to_string(i) + "]: \"" +
                         (o.is_string() ? o.get<std::string>().substr(0, 80) : "") +
                         "\" is not a site's address; write its scheme and host only, e.g. https://coop.example");
    if (std::find(origins.begin(), origins.end(), origin) == origins.end()) origins.push_back(origin);
  }
  if (origins.size() > 200) return Problem(400, "Too many sites", "at most 200 sites may embed widgets");
  if (auto s = hub.accounts->SetEmbedOrigins(origins, who.name); !s.ok()) return FromStatus(s);
  std::string detail;
  for (const auto& o : origins) detail += (detail.empty() ? "" : " ") + o;
  Audit(hub, who, "embed.origins", "embed origins", detail);
  return ListEmbedOrigins(hub, r, who, p);
}

ApiResponse ListShares(const Services& hub, const ApiRequest& r, const Principal&, const Params&) {
  if (auto bad = CheckParams(r, {})) return *bad;
  if (!hub.accounts) return Problem(404, "No accounts", "this hub has no accounts");
  auto shares = hub.accounts->ListShares();
  if (!shares.ok()) return FromStatus(shares.status());
  json items = json::array();
  for (const auto& s : *shares) items.push_back(ShareJson(s));
  return Json(200, {{"items", items}});
}

// {"name", "visibility": "public|members|admins", "source"?, "kind"?} -> 201 with the
// secret once, and the addresses to embed with it.
ApiResponse CreateShare(const Services& hub, const ApiRequest& r, const Principal& who, const Params&) {
  if (!hub.accounts) return Problem(404, "No accounts", "this hub has no accounts");
  auto body = ReadJsonBody(r);
  if (!body.ok()) return FromStatus(body.status());
  for (const auto& [key, v] : body->items()) {
    if (key != "name" && key != "visibility" && key != "source" && key != "kind")
      return Problem(
          400, "Unknown field",
          "\"" + key.substr(0, 40) + "\" is not a field of a share link; it takes name, visibility, source and kind");
    if (!v.is_string()) return Problem(400, "Bad " + key, key + " must be a string");
  }
  auto field = [&](const char* name, const char* dflt) {
    return body->contains(name) ? (*body)[name].get<std::string>() : std::string(dflt);
  };
  ShareInfo s;
  s.name = field("name", "");
  s.visibility = field("visibility", "members");
  s.source = field("source", "");
  s.kind = field("kind", "");
  s.created_by = who.name;
  if (!IsVisibility(s.visibility)) return Problem(400, "Bad visibility", "visibility is public, members or admins");
  if (RoleForVisibility(s.visibility) > who.role)
    return Problem(403, "Above your role", "you may not share records you cannot see yourself");
  if (!s.source.empty() && !FindVisibleSource(hub, who.role, s.source))
    return Problem(400, "Unknown source", "no source \"" + s.source.substr(0, 64) + "\" in the hub");
  if (!s.kind.empty() && std::find(RecordKinds().begin(), RecordKinds().end(), s.kind) == RecordKinds().end())
    return Problem(400, "Bad kind", "kind \"" + s.kind.substr(0, 40) + "\" is not a record kind");
  auto made = hub.accounts->CreateShare(s);
  if (!made.ok()) return FromStatus(made.status());
  Audit(hub, who, "share.create", std::to_string(made->first.id), s.name);
  json j = ShareJson(made->first);
  j["secret"] = made->second;
  ApiResponse resp = Json(201, j);
  resp.headers.emplace_back("Location", "/api/v1/shares/" + std::to_string(made->first.id));
  return resp;
}

ApiResponse RevokeShare(const Services& hub, const ApiRequest&, const Principal& who, const Params& p) {
  if (!hub.accounts) return Problem(404, "No accounts", "this hub has no accounts");
  char* end = nullptr;
  long long id = std::strtoll(p[0].c_str(), &end, 10);
  if (*end != '\0' || id <= 0) return Problem(400, "Bad id", "\"" + p[0].substr(0, 20) + "\" is not a share link's id");
  if (auto s = hub.accounts->RevokeShare(id); !s.ok()) return FromStatus(s);
  Audit(hub, who, "share.revoke", p[0]);
  return {204, "application/json", ""};
}

}  // namespace coophub
