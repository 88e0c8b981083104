// SPDX-License-Identifier: Apache-2.0
// Server-rendered pages; see page.h.
#include "web/page.h"

#include "base/text.h"

#include <algorithm>

#include "web/feeds.h"
#include "base/timeutil.h"

namespace coophub {
namespace {

// The words of the page in one language.
struct Words {
  const PageContext& c;
  std::string operator()(const std::string& key, const std::map<std::string, std::string>& args = {}) const {
    return c.catalogs ? c.catalogs->Text(c.lang, key, args) : key;
  }
};

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string E(const std::string& s) { return HtmlEscape(s); }

// "5 min ago", "in 3 days": how far t is from now.
std::string Distance(const Words& w, int64_t t, int64_t now) {
  int64_t d = t > now ? t - now : now - t;
  const char* unit = d < 3600 ? "min" : d < 86400 ? "h" : "d";
  int64_t n = d < 3600 ? d / 60 : d < 86400 ? d / 3600 : d / 86400;
  if (t <= now && d < 60) return w("ago.now");
  return w(std::string(t > now ? "in." : "ago.") + unit, {{"n", std::to_string(n)}});
}

// A <time> the web code re-formats with Intl; without it, a distance and the UTC time.
std::string TimeTag(const Words& w, const std::string& rfc3339, int64_t now, const char* cls = "") {
  auto ts = ParseRfc3339(rfc3339);
  std::string text = rfc3339;
  if (ts) {
    std::string iso = FormatRfc3339(*ts);
    text = *ts <= now ? Distance(w, *ts, now)
                      : Distance(w, *ts, now) + " · " + iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC";
  }
  return std::string("<time class=\"") + cls + "\" datetime=\"" + E(rfc3339) + "\">" + E(text) + "</time>";
}

// "updated 5 min ago", "not synced yet", and, when allowed, why the last sync failed.
std::string Freshness(const Words& w, const json& s, int64_t now, bool reasons) {
  std::string f = Str(s, "freshness");
  std::string text = f == "never" ? w("fresh.never")
                                  : w("fresh.updated",
                                      {{"ago", Distance(w, ParseRfc3339(Str(s, "last_success")).value_or(now), now)}});
  if (f == "stale") {
    bool failed = s.contains("last_run") && s["last_run"].is_object() && Str(s["last_run"], "status") == "failed";
    text +=
        " · " + (failed && reasons ? w("fresh.failed", {{"reason", Str(s["last_run"], "message")}}) : w("fresh.stale"));
  }
  return text;
}

// An amount as <data>: the web code shows it with Intl.NumberFormat in the currency.
std::string Money(const std::string& value, const std::string& currency) {
  return "<data class=\"money\" value=\"" + E(value) + "\" data-currency=\"" + E(currency) + "\">" + E(value) + " " +
         E(currency) + "</data>";
}

struct Renderer {
  const PageData& d;
  Words w;
  int64_t now;
  std::string out;

  void Record(const json& r, const std::string& badge = "", const std::string& snippet = "") {
    std::string title = Str(r, "title");
    if (title.empty()) title = w("untitled");
    std::string url = Str(r, "url");
    bool safe_url = url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
    std::string source = Str(r, "source");
    auto s = d.sources.find(source);
    bool stale = s != d.sources.end() && Str(s->second, "freshness") == "stale";
    out += "<li class=\"record kind-" + E(Str(r, "kind")) + (stale ? " stale" : "") + "\"><div class=\"title\">";
    if (!badge.empty()) out += "<span class=\"badge badge-" + badge + "\">" + E(w("badge." + badge)) + "</span> ";
    if (safe_url)
      out += "<a href=\"" + E(url) + "\" rel=\"noopener\">" + E(title) + "</a>";
    else
      out += E(title);
    out += "</div><div class=\"meta\">";
    if (auto a = r.find("amount"); a != r.end() && a->is_object())
      out += Money(Str(*a, "value"), Str(*a, "currency")) + " · ";
    if (std::string t = Str(r, "time"); !t.empty()) {
      if (Str(r, "kind") == "decision") out += E(w("decision.closes")) + " ";
      out += TimeTag(w, t, now) + " · ";
    }
    std::string author = Str(r, "author");
    if (!author.empty()) out += E(author) + " · ";
    // Where it came from, and how fresh that is.
    out += "<span class=\"source\">" + E(source) + "</span>";
    if (s != d.sources.end())
      out += " <span class=\"fresh\">(" + E(Freshness(w, s->second, now, d.show_reasons)) + ")</span>";
    out += "</div>";
    if (!snippet.empty()) {
      out += "<p class=\"summary\">" + snippet + "</p>";  // escaped by the store, matches in <mark>
    } else if (std::string summary = Str(r, "summary"); !summary.empty()) {
      if (summary.size() > 280) {
        size_t cut = 280;
        while (cut > 0 && (static_cast<unsigned char>(summary[cut]) & 0xC0) == 0x80) --cut;
        summary = summary.substr(0, cut) + "…";
      }
      out += "<p class=\"summary\">" + E(summary) + "</p>";
    }
    out += "</li>\n";
  }

  void Records(const std::vector<json>& records, const std::string& empty_key) {
    if (records.empty()) {
      out += "<p class=\"empty\">" + E(w(empty_key)) + "</p>";
      return;
    }
    out += "<ul>\n";
    for (const auto& r : records) Record(r);
    out += "</ul>\n";
  }

  void Changes(const WidgetData& wd) {
    if (d.first_visit) {
      out += "<p class=\"empty\">" + E(w("changes.first")) + "</p>";
      return;
    }
    if (wd.changes.empty() && wd.deleted == 0) {
      out += "<p class=\"empty\">" + E(w("changes.none")) + "</p>";
      return;
    }
    out += "<ul class=\"counts\">";
    for (const auto& kind : RecordKinds()) {
      auto c = wd.created_by_kind.find(kind), u = wd.changed_by_kind.find(kind);
      int64_t created = c == wd.created_by_kind.end() ? 0 : c->second;
      int64_t changed = u == wd.changed_by_kind.end() ? 0 : u->second;
      if (!created && !changed) continue;
      out += "<li><strong>" + E(w("kind." + kind)) + "</strong> ";
      if (created) out += E(w("changes.new", {{"n", std::to_string(created)}}));
      if (created && changed) out += " · ";
      if (changed) out += E(w("changes.changed", {{"n", std::to_string(changed)}}));
      out += "</li>";
    }
    if (wd.deleted) out += "<li>" + E(w("changes.removed", {{"n", std::to_string(wd.deleted)}})) + "</li>";
    out += "</ul>\n<ul>\n";
    for (const auto& c : wd.changes) Record(c["record"], ChangeBadge(c));
    out += "</ul>\n";
  }

  // new, changed, or (a decision whose end has come) closed.
  std::string ChangeBadge(const json& change) const {
    if (change.value("created", false)) return "new";
    const json& r = change["record"];
    std::string end = Str(r, "end");
    if (Str(r, "kind") == "decision" && !end.empty() && end <= FormatRfc3339(now)) return "closed";
    return "changed";
  }

  void MoneyWidget(const WidgetData& wd) {
    if (!wd.totals.empty()) {
      out += "<h3>" + E(w("money.totals")) + "</h3><dl class=\"totals\">";
      for (const auto& [currency, sum] : wd.totals)
        out += "<div><dt>" + E(currency) + "</dt><dd>" + Money(sum, currency) + "</dd></div>";
      out += "</dl><p class=\"note\">" +
             E(w(wd.totals_capped ? "money.capped" : "money.count", {{"n", std::to_string(wd.totals_count)}})) + "</p>";
    }
    Records(wd.records, "empty.money");
  }

  // Each metric (records of kind metric, by title): its latest value and its series, as
  // a table that the web code turns into a chart.
  void Metrics(const WidgetData& wd) {
    std::map<std::string, std::vector<const json*>> by_name;
    std::vector<std::string> order;
    for (const auto& r : wd.records) {
      std::string name = Str(r, "title");
      if (!by_name.count(name)) order.push_back(name);
      by_name[name].push_back(&r);
    }
    if (order.empty()) {
      out += "<p class=\"empty\">" + E(w("empty.metrics")) + "</p>";
      return;
    }
    for (const auto& name : order) {
      auto& points = by_name[name];  // newest first
      auto Value = [](const json& r) {
        if (auto a = r.find("amount"); a != r.end() && a->is_object()) return Str(*a, "value");
        if (auto v = r.find("data"); v != r.end() && v->is_object() && v->contains("value"))
          return (*v)["value"].is_string() ? (*v)["value"].get<std::string>() : (*v)["value"].dump();
        return std::string();
      };
      out += "<figure class=\"metric\"><figcaption><strong>" + E(name.empty() ? w("untitled") : name) +
             "</strong> <data class=\"number\" value=\"" + E(Value(*points.front())) + "\">" +
             E(Value(*points.front())) + "</data></figcaption><table class=\"series\"><thead><tr><th scope=\"col\">" +
             E(w("metric.time")) + "</th><th scope=\"col\">" + E(w("metric.value")) + "</th></tr></thead><tbody>";
      for (auto it = points.rbegin(); it != points.rend(); ++it)
        out += "<tr><td>" + TimeTag(w, Str(**it, "time"), now) + "</td><td><data class=\"number\" value=\"" +
               E(Value(**it)) + "\">" + E(Value(**it)) + "</data></td></tr>";
      out += "</tbody></table></figure>\n";
    }
  }

  void Sources() {
    out += "<ul class=\"sources\">\n";
    for (const auto& [id, s] : d.sources) {
      std::string f = Str(s, "freshness");
      out += "<li class=\"source " + E(f) + "\"><strong>" + E(id) + "</strong> <span class=\"plugin\">" +
             E(Str(s, "plugin")) + "</span> <span class=\"count\">" +
             E(w("sources.records", {{"n", std::to_string(s.value("records", 0))}})) +
             "</span> <span class=\"fresh\">" + E(Freshness(w, s, now, d.show_reasons)) + "</span></li>\n";
    }
    out += "</ul>\n";
  }

  void Widget(const WidgetData& wd, size_t i) {
    const std::string& type = wd.config.type;
    std::string h = "w" + std::to_string(i);
    std::string title = wd.config.title.empty() ? w("widget." + type) : wd.config.title;
    out += "<section class=\"widget w-" + type + "\" data-widget=\"" + type + "\" aria-labelledby=\"" + h +
           "\"><h2 id=\"" + h + "\">" + E(title) + "</h2>\n";
    if (type == "changes")
      Changes(wd);
    else if (type == "money")
      MoneyWidget(wd);
    else if (type == "metrics")
      Metrics(wd);
    else if (type == "sources")
      Sources();
    else
      Records(wd.records, "empty." + type);
    out += "</section>\n";
  }
};

std::string Head(const Words& w, const PageContext& c, const std::string& title, const char* script) {
  std::string out = "<!doctype html>\n<html lang=\"" + E(c.lang) +
                    "\"><head><meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, "
                    "initial-scale=1\">\n<title>" +
                    E(title) +
                    "</title><link rel=\"icon\" href=\"data:,\">"
                    "<link rel=\"stylesheet\" href=\"/static/style.css\">";
  if (script) out += "<script type=\"module\" src=\"/static/" + std::string(script) + "\"></script>";
  out += "</head>\n<body data-lang=\"" + E(c.lang) + "\"" + (c.csrf.empty() ? "" : " data-csrf=\"" + E(c.csrf) + "\"") +
         (c.role.empty() ? "" : " data-role=\"" + E(c.role) + "\"") +
         (c.seq < 0 ? "" : " data-seq=\"" + std::to_string(c.seq) + "\"") + ">\n";
  if (c.catalogs) {
    // The web code's words: a data block, which the CSP lets be (nothing runs).
    out += "<script type=\"application/json\" id=\"coophub-words\">" + c.catalogs->WordsJson(c.lang) + "</script>\n";
  }
  out += "<a class=\"skip\" href=\"#main\">" + E(w("skip")) + "</a>\n";
  return out;
}

// The header: the hub's name, the search box, and who is signed in.
std::string Header(const Words& w, const PageContext& c, const std::string& q) {
  std::string out =
      "<header><p class=\"brand\"><a href=\"/\">coophub</a></p>\n"
      "<form role=\"search\" method=\"get\" action=\"/\"><label for=\"q\" class=\"visually-hidden\">" +
      E(w("search.label")) + "</label><input id=\"q\" name=\"q\" type=\"search\" placeholder=\"" +
      E(w("search.label")) + "\" value=\"" + E(q) + "\"><button type=\"submit\">" + E(w("search.button")) +
      "</button></form>\n<nav aria-label=\"" + E(w("nav.label")) + "\">";
  if (c.user.empty()) {
    out += "<a href=\"/login\">" + E(w("nav.signin")) + "</a>";
  } else {
    out += "<span class=\"user\">" + E(c.user) + "</span>";
    if (c.role == "admin" || c.role == "editor") out += " <a href=\"/admin\">" + E(w("nav.admin")) + "</a>";
    out += " <form method=\"post\" action=\"/logout\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"" +
           E(c.csrf) + "\"><button type=\"submit\" class=\"link\">" + E(w("nav.signout")) + "</button></form>";
  }
  return out + "</nav></header>\n";
}

// The footer: the API, and a plain language form that works without JavaScript.
std::string Footer(const Words& w, const PageContext& c) {
  std::string out = "<footer><a href=\"/api/v1/records\">" + E(w("footer.api")) + "</a>";
  if (c.catalogs) {
    out += "<form class=\"lang\" method=\"get\" action=\"" + E(c.path) + "\"><label for=\"lang\">" +
           E(w("language.label")) + "</label> <select id=\"lang\" name=\"lang\">";
    for (const auto& [code, name] : c.catalogs->Languages())
      out += "<option value=\"" + E(code) + "\" lang=\"" + E(code) + "\"" + (code == c.lang ? " selected" : "") + ">" +
             E(name) + "</option>";
    out += "</select> <button type=\"submit\">" + E(w("language.button")) + "</button></form>";
  }
  return out + "</footer></body></html>\n";
}

}  // namespace

std::string HtmlEscape(const std::string& s) { return XmlEscape(s); }  // the same five, for HTML

std::string SnippetHtml(std::string_view passage) {
  std::string html = XmlEscape(std::string(passage));
  for (auto [from, to] :
       {std::pair{kMatchBegin, std::string_view("<mark>")}, std::pair{kMatchEnd, std::string_view("</mark>")}})
    for (size_t at = 0; (at = html.find(from, at)) != std::string::npos; at += to.size())
      html.replace(at, from.size(), to);
  return html;
}

std::string RenderDashboard(const PageData& d) {
  Renderer r{d, Words{d.ctx}, d.ctx.now, ""};
  const Words& w = r.w;
  std::string title = d.title.empty() ? "coophub" : d.title;
  r.out = Head(w, d.ctx, title, "dashboard.js") + Header(w, d.ctx, d.q);
  r.out += "<main id=\"main\"><h1>" + E(title) + "</h1>\n";
  if (d.dashboards.size() > 1) {
    r.out += "<nav class=\"dashboards\" aria-label=\"" + E(w("nav.dashboards")) + "\"><ul>";
    for (const auto& [id, t] : d.dashboards)
      r.out += "<li><a href=\"/?dashboard=" + E(id) + "\"" + (id == d.dashboard_id ? " aria-current=\"page\"" : "") +
               ">" + E(t.empty() ? id : t) + "</a></li>";
    r.out += "</ul></nav>\n";
  }
  if (!d.q.empty()) {
    r.out += "<section class=\"widget w-results\" aria-labelledby=\"results-h\"><h2 id=\"results-h\">" +
             E(w("search.results", {{"q", d.q}})) + "</h2>\n";
    if (d.results.empty()) {
      r.out += "<p class=\"empty\">" + E(w("empty.search", {{"q", d.q}})) + "</p>";
    } else {
      r.out += "<ul>\n";
      for (const auto& rec : d.results) r.Record(rec, "", Str(rec, "snippet"));
      r.out += "</ul>\n";
    }
    r.out += "</section>\n";
  } else {
    r.out += "<div class=\"widgets\">\n";
    for (size_t i = 0; i < d.widgets.size(); ++i) r.Widget(d.widgets[i], i);
    r.out += "</div>\n";
  }
  r.out += "</main>\n" + Footer(w, d.ctx);
  return r.out;
}

std::string RenderEmbed(const PageData& d, const std::string& hub_url, bool fragment) {
  Renderer r{d, Words{d.ctx}, d.ctx.now, ""};
  for (size_t i = 0; i < d.widgets.size(); ++i) r.Widget(d.widgets[i], i);
  r.out += "<p class=\"via\"><a href=\"" + E(hub_url) + "/\" target=\"_blank\" rel=\"noopener\">coophub</a></p>\n";
  if (fragment) return r.out;
  return Head(r.w, d.ctx, d.title.empty() ? "coophub" : d.title, "dashboard.js") +
         "<main id=\"main\" class=\"embed\">" + r.out + "</main></body></html>\n";
}

std::string RenderLogin(const PageContext& ctx, const std::string& next, const std::string& csrf,
                        const std::string& error, const std::string& arg) {
  Words w{ctx};
  std::string out = Head(w, ctx, w("login.title") + " · coophub", "login.js") + Header(w, ctx, "");
  std::string why = error.empty() ? "" : w(error, {{"s", arg}});
  out +=
      "<main id=\"main\" class=\"narrow\"><h1>" + E(w("login.title")) +
      "</h1>\n"
      "<form id=\"login\" method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"next\" value=\"" +
      E(next) + "\"><input type=\"hidden\" name=\"csrf\" value=\"" + E(csrf) + "\"><label for=\"name\">" +
      E(w("login.name")) +
      "</label><input id=\"name\" name=\"name\" autocomplete=\"username\" required>"
      "<label for=\"password\">" +
      E(w("login.password")) +
      "</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>"
      "<button type=\"submit\">" +
      E(w("login.button")) +
      "</button></form>\n"
      "<p id=\"status\" role=\"status\" aria-live=\"polite\">" +
      E(why) + "</p></main>\n";
  return out + Footer(w, ctx);
}

std::string RenderAdmin(const PageContext& ctx) {
  Words w{ctx};
  std::string out = Head(w, ctx, w("admin.title") + " · coophub", "admin.js") + Header(w, ctx, "");
  out += "<main id=\"main\" class=\"admin\"><h1>" + E(w("admin.title")) +
         "</h1>\n"
         "<p id=\"admin-loading\" role=\"status\">" +
         E(w("loading")) +
         "</p>\n"
         "<noscript><p>" +
         E(w("admin.noscript")) +
         "</p></noscript>\n"
         "<div id=\"admin\"></div></main>\n";
  return out + Footer(w, ctx);
}

}  // namespace coophub
