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

#include "api/accounts_api.h"
#include "api/api.h"
#include "api/handlers.h"
#include "web/page.h"
#include "base/timeutil.h"
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

ApiResponse Embed(const Services& hub, const ApiRequest& r, const Principal&, const Params& p) {
  if (auto bad = CheckParams(r, {"share", "format", "lang", "tz"})) return *bad;
  std::string format = Param(r, "format");
  if (!format.empty() && format != "page" && format != "fragment")
    return Problem(400, "Bad format", "format is page (the default, for an iframe) or fragment (for <coophub-widget>)");
  // Who the embed stands for: a stranger, or what its share link allows.
  Role role = Role::kAnonymous;
  std::optional<ShareInfo> share;
  if (std::string secret = Param(r, "share"); !secret.empty()) {
    if (!hub.accounts) return Problem(404, "No share links", "this hub has no accounts, so no share links");
    auto s = hub.accounts->FindShare(secret);
    if (!s.ok())
      return Problem(403, "Share link refused", "this share link is unknown or was revoked: ask for a new one");
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
    return Problem(404, "No such widget",
                   "no widget " + p[1].substr(0, 8) + " on a dashboard \"" + p[0].substr(0, 64) +
                       "\": widgets count from 0 in the dashboard's order");
  WidgetConfig w = found->dashboard.widgets[static_cast<size_t>(n)];
  if (role < found->dashboard.role || role < WidgetRole(w))
    return Problem(403, "Not public", "this widget is for members: embed it with a share link (POST /api/v1/shares)");
  if (w.type == "changes" || w.type == "sources")
    return Problem(400, "Not embeddable",
                   "the " + w.type +
                       " widget is about the reader's own visits or the hub's "
                       "health: embed another widget");
  if (share && !share->source.empty()) {
    if (!w.sources.empty() && std::find(w.sources.begin(), w.sources.end(), share->source) == w.sources.end())
      return Problem(403, "Share link is for another source",
                     "this share link shows source " + share->source + " only, and this widget shows none of it");
    w.sources = {share->source};
  }
  if (share && !share->kind.empty()) {
    const WidgetType* t = FindWidgetType(w.type);
    std::string kind = w.type == "records" ? w.kind : t->kind;
    if (kind != share->kind)
      return Problem(403, "Share link is for another kind",
                     "this share link shows " + share->kind + " records only, and this widget shows " +
                         (kind.empty() ? "every kind" : kind));
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
  bool fragment = format == "fragment";
  ApiResponse resp{200, "text/html; charset=utf-8", RenderEmbed(data, SelfBase(r), fragment)};
  std::string ancestors = "'self'";
  for (const auto& o : hub.config.embed_origins) ancestors += " " + o;
  resp.headers.emplace_back("Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                            "frame-ancestors " +
                                ancestors + "; base-uri 'none'; form-action 'self'");
  resp.headers.emplace_back("X-Frame-Options", "");  // not sent: it cannot name several sites; CSP does
  resp.headers.emplace_back("Cache-Control", share ? "private, max-age=60" : "public, max-age=60");
  resp.headers.emplace_back("Vary", "Origin, Accept-Language");
  resp.headers.emplace_back("Content-Language", data.ctx.lang);
  if (auto origin = r.headers.find("origin");
      origin != r.headers.end() && fragment &&
      std::find(hub.config.embed_origins.begin(), hub.config.embed_origins.end(), origin->second) !=
          hub.config.embed_origins.end())
    resp.headers.emplace_back("Access-Control-Allow-Origin", origin->second);
  return resp;
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
