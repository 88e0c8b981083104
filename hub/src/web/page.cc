// SPDX-License-Identifier: Apache-2.0
// Server-rendered pages; see page.h. Every piece of markup comes from the builder of
// html.h: text is escaped wherever it goes, and the few raw pieces say who made them safe.
#include "web/page.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "base/text.h"
#include "base/timeutil.h"
#include "web/feeds.h"
#include "web/html.h"

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

// "5 min ago", "in 3 days": how far t is from now.
std::string Distance(const Words& w, int64_t t, int64_t now) {
  int64_t d = t > now ? t - now : now - t;
  const char* unit = d < 3600 ? "min" : d < 86400 ? "h" : "d";
  int64_t n = d < 3600 ? d / 60 : d < 86400 ? d / 3600 : d / 86400;
  if (t <= now && d < 60) return w("ago.now");
  return w(std::string(t > now ? "in." : "ago.") + unit, {{"n", std::to_string(n)}});
}

// A <time> the web code re-formats with Intl; without it, a distance and the UTC time.
Html TimeTag(const Words& w, const std::string& rfc3339, int64_t now) {
  auto ts = ParseRfc3339(rfc3339);
  std::string text = rfc3339;
  if (ts) {
    std::string iso = FormatRfc3339(*ts);
    text = *ts <= now ? Distance(w, *ts, now)
                      : Distance(w, *ts, now) + " · " + iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC";
  }
  return El("time").Attr("datetime", rfc3339)(text);
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
Html Money(const std::string& value, const std::string& currency) {
  return El("data").Class("money").Attr("value", value).Attr("data-currency", currency)(value + " " + currency);
}

Html Line() { return Html::Trusted("\n", "a newline"); }

// What a link may point to on the page: the web, not javascript: or data:.
bool SafeUrl(const std::string& url) { return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0; }

struct Renderer {
  const PageData& d;
  Words w;
  int64_t now;
  Html out;

  // snippet: the search passage as SnippetHtml made it.
  void Record(const json& r, const std::string& badge = "", const std::string& snippet = "") {
    std::string title = Str(r, "title");
    if (title.empty()) title = w("untitled");
    std::string url = Str(r, "url");
    std::string source = Str(r, "source");
    auto s = d.sources.find(source);
    bool stale = s != d.sources.end() && Str(s->second, "freshness") == "stale";
    Html head;
    if (!badge.empty()) head += El("span").Class("badge badge-" + badge)(w("badge." + badge)) + Html::Text(" ");
    head += SafeUrl(url) ? El("a").Attr("href", url).Attr("rel", "noopener")(title) : Html::Text(title);
    Html meta;
    if (auto a = r.find("amount"); a != r.end() && a->is_object())
      meta += Money(Str(*a, "value"), Str(*a, "currency")) + Html::Text(" · ");
    if (std::string t = Str(r, "time"); !t.empty()) {
      if (Str(r, "kind") == "decision") meta += w("decision.closes") + " ";
      meta += TimeTag(w, t, now) + Html::Text(" · ");
    }
    if (std::string author = Str(r, "author"); !author.empty()) meta += author + " · ";
    // Where it came from, and how fresh that is.
    meta += El("span").Class("source")(source);
    if (s != d.sources.end())
      meta += Html::Text(" ") + El("span").Class("fresh")("(" + Freshness(w, s->second, now, d.show_reasons) + ")");
    Html body = El("div").Class("title")(head) + El("div").Class("meta")(meta);
    if (!snippet.empty()) {
      body += El("p").Class("summary")(Html::Trusted(snippet, "SnippetHtml: the passage escaped, matches in <mark>"));
    } else if (std::string summary = Str(r, "summary"); !summary.empty()) {
      if (summary.size() > 280) {
        size_t cut = 280;
        while (cut > 0 && (static_cast<unsigned char>(summary[cut]) & 0xC0) == 0x80) --cut;
        summary = summary.substr(0, cut) + "…";
      }
      body += El("p").Class("summary")(summary);
    }
    out += El("li").Class("record kind-" + Str(r, "kind") + (stale ? " stale" : ""))(body) + Line();
  }

  void Empty(const std::string& key, const std::map<std::string, std::string>& args = {}) {
    out += El("p").Class("empty")(w(key, args));
  }

  void List(const std::vector<json>& records, const std::function<void(const json&)>& each) {
    Html items = std::exchange(out, Html());
    for (const auto& r : records) each(r);
    out = items + El("ul")(Line(), out) + Line();
  }

  void Records(const std::vector<json>& records, const std::string& empty_key) {
    if (records.empty()) return Empty(empty_key);
    List(records, [&](const json& r) { Record(r); });
  }

  void Changes(const WidgetData& wd) {
    if (d.first_visit) return Empty("changes.first");
    if (wd.changes.empty() && wd.deleted == 0) return Empty("changes.none");
    Html counts;
    for (const auto& kind : RecordKinds()) {
      auto c = wd.created_by_kind.find(kind), u = wd.changed_by_kind.find(kind);
      int64_t created = c == wd.created_by_kind.end() ? 0 : c->second;
      int64_t changed = u == wd.changed_by_kind.end() ? 0 : u->second;
      if (!created && !changed) continue;
      Html li = El("strong")(w("kind." + kind)) + Html::Text(" ");
      if (created) li += w("changes.new", {{"n", std::to_string(created)}});
      if (created && changed) li += " · ";
      if (changed) li += w("changes.changed", {{"n", std::to_string(changed)}});
      counts += El("li")(li);
    }
    if (wd.deleted) counts += El("li")(w("changes.removed", {{"n", std::to_string(wd.deleted)}}));
    out += El("ul").Class("counts")(counts) + Line();
    List(wd.changes, [&](const json& c) { Record(c["record"], ChangeBadge(c)); });
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
      Html totals;
      for (const auto& [currency, sum] : wd.totals)
        totals += El("div")(El("dt")(currency), El("dd")(Money(sum, currency)));
      out += El("h3")(w("money.totals")) + El("dl").Class("totals")(totals) +
             El("p").Class("note")(
                 w(wd.totals_capped ? "money.capped" : "money.count", {{"n", std::to_string(wd.totals_count)}}));
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
    if (order.empty()) return Empty("empty.metrics");
    auto Value = [](const json& r) {
      if (auto a = r.find("amount"); a != r.end() && a->is_object()) return Str(*a, "value");
      if (auto v = r.find("data"); v != r.end() && v->is_object() && v->contains("value"))
        return (*v)["value"].is_string() ? (*v)["value"].get<std::string>() : (*v)["value"].dump();
      return std::string();
    };
    auto Number = [](const std::string& v) { return El("data").Class("number").Attr("value", v)(v); };
    for (const auto& name : order) {
      auto& points = by_name[name];  // newest first
      Html rows;
      for (auto it = points.rbegin(); it != points.rend(); ++it)
        rows += El("tr")(El("td")(TimeTag(w, Str(**it, "time"), now)), El("td")(Number(Value(**it))));
      Html caption =
          El("strong")(name.empty() ? w("untitled") : name) + Html::Text(" ") + Number(Value(*points.front()));
      Html head = El("thead")(
          El("tr")(El("th").Attr("scope", "col")(w("metric.time")), El("th").Attr("scope", "col")(w("metric.value"))));
      out += El("figure").Class("metric")(El("figcaption")(caption),
                                          El("table").Class("series")(head, El("tbody")(rows))) +
             Line();
    }
  }

  void Sources() {
    Html items;
    for (const auto& [id, s] : d.sources) {
      std::string f = Str(s, "freshness");
      items += El("li").Class("source " + f)(
                   El("strong")(id), " ", El("span").Class("plugin")(Str(s, "plugin")), " ",
                   El("span").Class("count")(w("sources.records", {{"n", std::to_string(s.value("records", 0))}})), " ",
                   El("span").Class("fresh")(Freshness(w, s, now, d.show_reasons))) +
               Line();
    }
    out += El("ul").Class("sources")(Line(), items) + Line();
  }

  void Widget(const WidgetData& wd, size_t i) {
    const std::string& type = wd.config.type;
    std::string h = "w" + std::to_string(i);
    std::string title = wd.config.title.empty() ? w("widget." + type) : wd.config.title;
    Html before = std::exchange(out, Html());
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
    out = before +
          El("section")
              .Class("widget w-" + type)
              .Attr("data-widget", type)
              .Attr("aria-labelledby", h)(El("h2").Id(h)(title), Line(), out) +
          Line();
  }
};

Html Head(const Words& w, const PageContext& c, const std::string& title, const char* script) {
  Html head = El("meta").Attr("charset", "utf-8")() + Line() +
              El("meta").Attr("name", "viewport").Attr("content", "width=device-width, initial-scale=1")() + Line() +
              El("title")(title) + El("link").Attr("rel", "icon").Attr("href", "data:,")() +
              El("link").Attr("rel", "stylesheet").Attr("href", "/static/style.css")();
  if (script) head += El("script").Attr("type", "module").Attr("src", std::string("/static/") + script)();
  El body("body");
  body.Attr("data-lang", c.lang);
  if (!c.csrf.empty()) body.Attr("data-csrf", c.csrf);
  if (!c.role.empty()) body.Attr("data-role", c.role);
  if (c.seq >= 0) body.Attr("data-seq", std::to_string(c.seq));
  // <html> and <body> are left open: the page's parts follow, and Footer closes them.
  Html out = Html::Trusted("<!doctype html>\n", "a literal") + El("html").Attr("lang", c.lang).Open() +
             El("head")(head) + Line() + body.Open() + Line();
  if (c.catalogs) {
    // The web code's words: a data block, which the CSP lets be (nothing runs).
    out += El("script")
               .Attr("type", "application/json")
               .Id("coophub-words")(
                   Html::Trusted(c.catalogs->WordsJson(c.lang), "Catalogs::Load writes every </ as <\\/")) +
           Line();
  }
  out += El("a").Class("skip").Attr("href", "#main")(w("skip")) + Line();
  return out;
}

// The header: the hub's name, the search box, and who is signed in.
Html Header(const Words& w, const PageContext& c, const std::string& q) {
  Html search = El("label").Attr("for", "q").Class("visually-hidden")(w("search.label")) +
                El("input")
                    .Id("q")
                    .Attr("name", "q")
                    .Attr("type", "search")
                    .Attr("placeholder", w("search.label"))
                    .Attr("value", q)() +
                El("button").Attr("type", "submit")(w("search.button"));
  Html nav;
  if (c.user.empty()) {
    nav = El("a").Attr("href", "/login")(w("nav.signin"));
  } else {
    nav = El("span").Class("user")(c.user);
    if (c.role == "admin" || c.role == "editor")
      nav += Html::Text(" ") + El("a").Attr("href", "/admin")(w("nav.admin"));
    nav += Html::Text(" ") +
           El("form")
               .Attr("method", "post")
               .Attr("action", "/logout")
               .Class("inline")(El("input").Attr("type", "hidden").Attr("name", "csrf").Attr("value", c.csrf)(),
                                El("button").Attr("type", "submit").Class("link")(w("nav.signout")));
  }
  return El("header")(El("p").Class("brand")(El("a").Attr("href", "/")("coophub")), Line(),
                      El("form").Attr("role", "search").Attr("method", "get").Attr("action", "/")(search), Line(),
                      El("nav").Attr("aria-label", w("nav.label"))(nav)) +
         Line();
}

// The footer: the API, and a plain language form that works without JavaScript; it
// closes the page.
Html Footer(const Words& w, const PageContext& c) {
  Html footer = El("a").Attr("href", "/api/v1/records")(w("footer.api"));
  if (c.catalogs) {
    Html options;
    for (const auto& [code, name] : c.catalogs->Languages())
      options += El("option").Attr("value", code).Attr("lang", code).Flag("selected", code == c.lang)(name);
    footer += El("form")
                  .Class("lang")
                  .Attr("method", "get")
                  .Attr("action", c.path)(El("label").Attr("for", "lang")(w("language.label")), " ",
                                          El("select").Id("lang").Attr("name", "lang")(options), " ",
                                          El("button").Attr("type", "submit")(w("language.button")));
  }
  return El("footer")(footer) + Html::Trusted("</body></html>\n", "the end tags Head left open");
}

}  // namespace

std::string HtmlEscape(std::string_view s) { return XmlEscape(std::string(s)); }  // the same five, for HTML

std::string SnippetHtml(std::string_view passage) {
  std::string html = HtmlEscape(passage);
  for (auto [from, to] :
       {std::pair{kMatchBegin, std::string_view("<mark>")}, std::pair{kMatchEnd, std::string_view("</mark>")}})
    for (size_t at = 0; (at = html.find(from, at)) != std::string::npos; at += to.size())
      html.replace(at, from.size(), to);
  return html;
}

std::string RenderDashboard(const PageData& d) {
  Renderer r{d, Words{d.ctx}, d.ctx.now, {}};
  const Words& w = r.w;
  std::string title = d.title.empty() ? "coophub" : d.title;
  Html page = Head(w, d.ctx, title, "dashboard.js") + Header(w, d.ctx, d.q);
  Html main = El("h1")(title) + Line();
  if (d.dashboards.size() > 1) {
    Html items;
    for (const auto& [id, t] : d.dashboards) {
      El a("a");
      a.Attr("href", "/?dashboard=" + id);
      if (id == d.dashboard_id) a.Attr("aria-current", "page");
      items += El("li")(a(t.empty() ? id : t));
    }
    main += El("nav").Class("dashboards").Attr("aria-label", w("nav.dashboards"))(El("ul")(items)) + Line();
  }
  if (!d.q.empty()) {
    if (d.results.empty())
      r.Empty("empty.search", {{"q", d.q}});
    else
      r.List(d.results, [&](const json& rec) { r.Record(rec, "", Str(rec, "snippet")); });
    main += El("section")
                .Class("widget w-results")
                .Attr("aria-labelledby", "results-h")(El("h2").Id("results-h")(w("search.results", {{"q", d.q}})),
                                                      Line(), r.out) +
            Line();
  } else {
    for (size_t i = 0; i < d.widgets.size(); ++i) r.Widget(d.widgets[i], i);
    main += El("div").Class("widgets")(Line(), r.out) + Line();
  }
  page += El("main").Id("main")(main) + Line() + Footer(w, d.ctx);
  return std::move(page).str();
}

std::string RenderEmbed(const PageData& d, const std::string& hub_url, bool fragment) {
  Renderer r{d, Words{d.ctx}, d.ctx.now, {}};
  for (size_t i = 0; i < d.widgets.size(); ++i) r.Widget(d.widgets[i], i);
  r.out += El("p").Class("via")(
               El("a").Attr("href", hub_url + "/").Attr("target", "_blank").Attr("rel", "noopener")("coophub")) +
           Line();
  if (fragment) return std::move(r.out).str();
  Html page = Head(r.w, d.ctx, d.title.empty() ? "coophub" : d.title, "dashboard.js") +
              El("main").Id("main").Class("embed")(r.out) + Html::Trusted("</body></html>\n", "Head left them open");
  return std::move(page).str();
}

std::string RenderLogin(const PageContext& ctx, const std::string& next, const std::string& csrf,
                        const std::string& error, const std::string& arg) {
  Words w{ctx};
  std::string why = error.empty() ? "" : w(error, {{"s", arg}});
  Html form = El("input").Attr("type", "hidden").Attr("name", "next").Attr("value", next)() +
              El("input").Attr("type", "hidden").Attr("name", "csrf").Attr("value", csrf)() +
              El("label").Attr("for", "name")(w("login.name")) +
              El("input").Id("name").Attr("name", "name").Attr("autocomplete", "username").Flag("required")() +
              El("label").Attr("for", "password")(w("login.password")) +
              El("input")
                  .Id("password")
                  .Attr("name", "password")
                  .Attr("type", "password")
                  .Attr("autocomplete", "current-password")
                  .Flag("required")() +
              El("button").Attr("type", "submit")(w("login.button"));
  Html main = El("h1")(w("login.title")) + Line() +
              El("form").Id("login").Attr("method", "post").Attr("action", "/login")(form) + Line() +
              El("p").Id("status").Attr("role", "status").Attr("aria-live", "polite")(why);
  Html page = Head(w, ctx, w("login.title") + " · coophub", "login.js") + Header(w, ctx, "") +
              El("main").Id("main").Class("narrow")(main) + Line() + Footer(w, ctx);
  return std::move(page).str();
}

std::string RenderAdmin(const PageContext& ctx) {
  Words w{ctx};
  Html main = El("h1")(w("admin.title")) + Line() + El("p").Id("admin-loading").Attr("role", "status")(w("loading")) +
              Line() + El("noscript")(El("p")(w("admin.noscript"))) + Line() + El("div").Id("admin")();
  Html page = Head(w, ctx, w("admin.title") + " · coophub", "admin.js") + Header(w, ctx, "") +
              El("main").Id("main").Class("admin")(main) + Line() + Footer(w, ctx);
  return std::move(page).str();
}

}  // namespace coophub
