// SPDX-License-Identifier: Apache-2.0
// Server-rendered pages; see page.h. Every piece of markup comes from the builder of
// html.h: text is escaped wherever it goes, and the few raw pieces say who made them safe.
#include "web/page.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "base/text.h"
#include "base/timeutil.h"
#include "i18n/dates.h"
#include "web/feeds.h"
#include "web/html.h"
#include "web/page_parts.h"

namespace coophub {
namespace {

using web::Line;
using web::Words;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// An amount as <data>: the web code shows it with Intl.NumberFormat in the currency.
Html Money(const std::string& value, const std::string& currency) {
  return El("data").Class("money").Attr("value", value).Attr("data-currency", currency)(value + " " + currency);
}

// What a link may point to on the page: the web, not javascript: or data:.
bool SafeUrl(const std::string& url) { return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0; }

const json& DataOf(const json& r) {
  static const json kNone = json::object();
  auto it = r.find("data");
  return it != r.end() && it->is_object() ? *it : kNone;
}

Html SourceIconSvg(const std::string& icon);  // below, with the other drawings

struct Renderer {
  const PageData& d;
  Words w;
  int64_t now;
  Dates dates;
  Html out;

  Renderer(const PageData& data)
      : d(data),
        w{data.ctx},
        now(data.ctx.now),
        dates(data.ctx.locale.empty() ? data.ctx.lang : data.ctx.locale, data.ctx.zone, w("when.day_time")) {}

  // A <time> as the reader says it (dates.h), in their zone: the same words the web code
  // would write (when.js re-renders only when the browser's zone is another).
  Html Time(const std::string& rfc3339) {
    auto t = ParseRfc3339(rfc3339);
    return El("time").Attr("datetime", rfc3339)(t ? dates.When(*t, now) : rfc3339);
  }

  // A record's time: a day for an all-day item, start–end for an event with an end.
  Html When(const json& r) {
    std::string start = Str(r, "time"), end = Str(r, "end");
    const json& data = DataOf(r);
    CivilDate day;
    if (data.value("all_day", false) && CivilDate::Parse(Str(data, "date"), &day))
      return El("time").Attr("datetime", Str(data, "date")).Attr("data-day", "")(dates.WhenDate(day, now));
    auto s = ParseRfc3339(start), e = ParseRfc3339(end);
    if (s && e && Str(r, "kind") == "event" && *e > *s)
      return El("time").Attr("datetime", start).Attr("data-end", end)(dates.Range(*s, *e, now));
    return Time(start);
  }

  // A source as its items name it: its icon, in its colour, and its name.
  Html SourceLabel(const std::string& source) const {
    auto s = d.sources.find(source);
    std::string icon = s == d.sources.end() ? "link" : Str(s->second, "icon");
    std::string color = s == d.sources.end() ? "" : Str(s->second, "color");
    return El("span")
        .Class(color.empty() ? "source" : "source c-" + color)
        .Attr("data-source", source)(SourceIconSvg(icon), Name(source));
  }

  std::string Name(const std::string& source) const {
    auto s = d.sources.find(source);
    std::string name = s == d.sources.end() ? "" : Str(s->second, "name");
    return name.empty() ? source : name;
  }

  // The one freshness rule (docs/dashboard.md): "updated" only ever says when a sync
  // last worked.
  std::string Freshness(const json& s) {
    auto success = ParseRfc3339(Str(s, "last_success"));
    bool stale = Str(s, "freshness") == "stale";
    if (!success) return w(stale ? "fresh.unread" : "fresh.never");
    if (!stale) return w("fresh.updated", {{"when", dates.When(*success, now)}});
    return w("fresh.since", {{"when", dates.Since(*success, now)}});
  }

  static bool Failed(const json& s) {
    return s.contains("last_run") && s["last_run"].is_object() && Str(s["last_run"], "status") == "failed";
  }

  // One plain sentence for each source behind whose records the widget shows (or that
  // it names): everyone reads it in their language; editors and admins also get the
  // connector's message, which says what to do.
  Html StaleNotices(const std::vector<std::string>& ids) {
    Html notices;
    for (const auto& id : ids) {
      auto it = d.sources.find(id);
      if (it == d.sources.end() || Str(it->second, "freshness") != "stale") continue;
      const json& s = it->second;
      auto success = ParseRfc3339(Str(s, "last_success"));
      std::string text = !success ? w("stale.never", {{"source", Name(id)}})
                                  : w(Failed(s) ? "stale.failed" : "stale.late",
                                      {{"source", Name(id)}, {"when", dates.Since(*success, now)}});
      Html notice = El("p")(text);
      if (d.show_reasons && Failed(s))
        notice += El("details").Class("why")(El("summary")(w("stale.why")),
                                             El("p").Class("reason")(Str(s["last_run"], "message")));
      notices += El("div").Class("notice stale").Attr("data-source", id)(notice) + Line();
    }
    return notices;
  }

  bool Mine(const json& r) const { return !d.ctx.user.empty() && Involves(r, d.ctx.user); }

  // snippet: the search passage as SnippetHtml made it. later: the further starts of
  // the record's series, which the agenda shows once.
  // note: a line under the time (what a change changed).
  void Record(const json& r, const std::string& badge = "", const std::string& snippet = "",
              const std::vector<std::string>& later = {}, const Html& note = Html()) {
    std::string title = Str(r, "title");
    if (title.empty()) title = w("untitled");
    std::string url = Str(r, "url");
    std::string source = Str(r, "source");
    auto s = d.sources.find(source);
    bool stale = s != d.sources.end() && Str(s->second, "freshness") == "stale";
    bool mine = Mine(r);
    Html head;
    if (!badge.empty()) head += El("span").Class("badge badge-" + badge)(w("badge." + badge)) + Html::Text(" ");
    if (mine) head += El("span").Class("badge badge-mine")(w("badge.mine")) + Html::Text(" ");
    head += SafeUrl(url) ? El("a").Attr("href", url).Attr("rel", "noopener")(title) : Html::Text(title);
    Html when;
    if (!Str(r, "time").empty()) {
      if (Str(r, "kind") == "decision") when += w("decision.closes") + " ";
      when += When(r);
    }
    Html meta;
    if (auto a = r.find("amount"); a != r.end() && a->is_object())
      meta += Money(Str(*a, "value"), Str(*a, "currency")) + Html::Text(" · ");
    if (auto loc = r.find("location"); loc != r.end() && loc->is_object() && !Str(*loc, "name").empty())
      meta += El("span").Class("place")(Str(*loc, "name")) + Html::Text(" · ");
    if (std::string author = Str(r, "author"); !author.empty()) meta += author + " · ";
    meta += SourceLabel(source);  // where it came from
    Html body = El("div").Class("title")(head);
    if (!when.empty()) body += El("div").Class("when")(when);
    if (!note.empty()) body += El("div").Class("was")(note);
    body += El("div").Class("meta")(meta);
    if (!later.empty()) {
      Html next;
      size_t shown = std::min<size_t>(later.size(), 3);
      for (size_t i = 0; i < shown; ++i) {
        if (i) next += Html::Text(", ");
        next += Time(later[i]);
      }
      std::string rest = later.size() > shown ? " " + w("agenda.andmore", {{"n", std::to_string(later.size() - shown)}})
                                              : std::string();
      body += El("div").Class("repeats")(w("agenda.also") + " ", next, rest);
    }
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
    // Today's items are marked: what a shift worker looks for first.
    auto at = ParseRfc3339(Str(r, "time"));
    CivilDate day;
    bool today = DataOf(r).value("all_day", false) && CivilDate::Parse(Str(DataOf(r), "date"), &day)
                     ? dates.DaysFrom(now, day) == 0
                     : at && dates.DaysFrom(now, *at) == 0;
    out += El("li").Class("record kind-" + Str(r, "kind") + (stale ? " stale" : "") + (mine ? " mine" : "") +
                          (today ? " today" : ""))(body) +
           Line();
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
    if (records.empty()) return Empty(d.ctx.only_mine ? "empty.mine" : empty_key);
    List(records, [&](const json& r) { Record(r); });
  }

  // Soonest first, grouped: today (and what began in the last hours), the rest of this
  // week, later. The first kShown are in view; the others behind "show N more", which
  // works without JavaScript.
  void Agenda(const WidgetData& wd) {
    constexpr size_t kShown = 6;
    if (wd.records.empty()) return Empty(d.ctx.only_mine ? "empty.mine" : "empty.agenda");
    int week_left = dates.DaysLeftInWeek(now);
    auto Group = [&](const json& r) {
      CivilDate day;
      const json& data = DataOf(r);
      int days = data.value("all_day", false) && CivilDate::Parse(Str(data, "date"), &day)
                     ? dates.DaysFrom(now, day)
                     : dates.DaysFrom(now, ParseRfc3339(Str(r, "time")).value_or(now));
      return days <= 0 ? 0 : days <= week_left ? 1 : 2;
    };
    static const char* kGroups[] = {"agenda.today", "agenda.week", "agenda.later"};
    auto Groups = [&](size_t from, size_t to) {
      Html html;
      for (size_t i = from; i < to;) {
        int g = Group(wd.records[i]);
        Html before = std::exchange(out, Html());
        for (; i < to && Group(wd.records[i]) == g; ++i)
          Record(wd.records[i], "", "", i < wd.later.size() ? wd.later[i] : std::vector<std::string>{});
        html += El("h3").Class(g == 0 ? "day today" : "day")(w(kGroups[g])) + El("ul")(Line(), out) + Line();
        out = std::move(before);
      }
      return html;
    };
    size_t n = wd.records.size();
    out += Groups(0, std::min(n, kShown));
    if (n > kShown)
      out += El("details").Class("more")(El("summary")(w("agenda.more", {{"n", std::to_string(n - kShown)}})),
                                         Groups(kShown, n)) +
             Line();
  }

  void Changes(const WidgetData& wd) {
    if (d.first_visit) return Empty("changes.first");
    Html added;
    for (const auto& [source, n] : wd.added)
      added += El("li").Class("added")(w("changes.source_added", {{"source", Name(source)}, {"n", std::to_string(n)}}));
    if (!added.empty()) added = El("ul").Class("added")(added) + Line();
    if (wd.changes.empty() && wd.deleted == 0) {
      if (added.empty()) return Empty("changes.none");
      out += added;
      return;
    }
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
    out += El("ul").Class("counts")(counts) + Line() + added;
    List(wd.changes, [&](const json& c) { Record(c["record"], ChangeBadge(c), "", {}, WhatChanged(c)); });
    if (!wd.removed.empty()) {
      Html gone;
      for (const auto& title : wd.removed) gone += El("li").Class("removed")(w("changes.gone", {{"title", title}}));
      out += El("ul").Class("removed")(gone) + Line();
    }
  }

  // A changed record against what it was at the reader's last visit: "moved from Tue
  // 14:00 to Tue 15:00", "was: Assembly", "place: from A to B".
  Html WhatChanged(const json& change) {
    auto p = change.find("previous");
    if (change.value("created", false) || p == change.end() || !p->is_object()) return Html();
    const json& r = change["record"];
    std::string was;
    auto Text = [](const json& j, const char* key) {
      return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
    };
    std::string place = r.contains("location") && r["location"].is_object() ? Str(r["location"], "name") : "";
    auto old_time = ParseRfc3339(Text(*p, "time")), new_time = ParseRfc3339(Str(r, "time"));
    Html note;
    auto Add = [&](const std::string& text) {
      if (!note.empty()) note += Html::Text(" · ");
      note += text;
    };
    if (old_time && new_time && *old_time != *new_time) {
      bool same_day = dates.DaysFrom(now, *old_time) == dates.DaysFrom(now, *new_time);  // then the hours say it
      Add(w("changes.moved", {{"from", same_day ? dates.Time(*old_time) : dates.When(*old_time, now)},
                              {"to", same_day ? dates.Time(*new_time) : dates.When(*new_time, now)}}));
    }
    if (std::string t = Text(*p, "title"); !t.empty() && t != Str(r, "title")) Add(w("changes.was", {{"title", t}}));
    if (std::string pl = Text(*p, "place"); pl != place && !(pl.empty() && place.empty()))
      Add(pl.empty() ? w("changes.place_new", {{"to", place}})
                     : w("changes.place", {{"from", pl}, {"to", place.empty() ? "–" : place}}));
    return note;
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
        rows += El("tr")(El("td")(Time(Str(**it, "time"))), El("td")(Number(Value(**it))));
      Html caption =
          El("strong")(name.empty() ? w("untitled") : name) + Html::Text(" ") + Number(Value(*points.front()));
      Html head = El("thead")(
          El("tr")(El("th").Attr("scope", "col")(w("metric.time")), El("th").Attr("scope", "col")(w("metric.value"))));
      out += El("figure").Class("metric")(El("figcaption")(caption),
                                          El("table").Class("series")(head, El("tbody")(rows))) +
             Line();
    }
  }

  // Each source: its name, how many records, how fresh; the connector and why a sync
  // failed for editors and admins.
  void Sources() {
    Html items;
    for (const auto& [id, s] : d.sources) {
      std::string f = Str(s, "freshness");
      Html line = El("strong")(SourceLabel(id)) + Html::Text(" ");
      if (d.show_reasons) line += El("span").Class("plugin")(Str(s, "plugin")) + Html::Text(" ");
      line += El("span").Class("count")(w("sources.records", {{"n", std::to_string(s.value("records", 0))}})) +
              Html::Text(" ") + El("span").Class("fresh")(Freshness(s));
      if (d.show_reasons && f == "stale" && Failed(s))
        line += El("p").Class("reason")(w("fresh.failed", {{"reason", Str(s["last_run"], "message")}}));
      items += El("li").Class("source " + f).Attr("data-source", id)(line) + Line();
    }
    out += El("ul").Class("sources")(Line(), items) + Line();
  }

  // The sources a widget's notices are about: those it names, and those of its items.
  static std::vector<std::string> SourcesOf(const WidgetData& wd) {
    std::vector<std::string> ids = wd.config.sources;
    auto Add = [&](const json& r) {
      std::string s = Str(r, "source");
      if (!s.empty() && std::find(ids.begin(), ids.end(), s) == ids.end()) ids.push_back(s);
    };
    for (const auto& r : wd.records) Add(r);
    for (const auto& c : wd.changes)
      if (c.contains("record")) Add(c["record"]);
    return ids;
  }

  void Widget(const WidgetData& wd, size_t i) {
    const std::string& type = wd.config.type;
    std::string h = "w" + std::to_string(i);
    std::string title =
        wd.config.title.empty() ? w("widget." + type) : TitleIn(wd.config.title, wd.config.titles, d.ctx.lang);
    Html before = std::exchange(out, Html());
    if (type != "sources") out += StaleNotices(SourcesOf(wd));
    if (type == "changes")
      Changes(wd);
    else if (type == "money")
      MoneyWidget(wd);
    else if (type == "metrics")
      Metrics(wd);
    else if (type == "sources")
      Sources();
    else if (type == "agenda")
      Agenda(wd);
    else
      Records(wd.records, "empty." + type);
    Html heading = El("h2").Id(h)(title);
    Html tools;
    if (type == "agenda" && d.ctx.path == "/")  // not in an embed, whose links would open another site's
      tools = El("a").Class("month-link").Attr("href", d.ctx.only_mine ? "/month?mine=1" : "/month")(w("month.view"));
    if (!d.ctx.user.empty() && (type == "agenda" || type == "tasks")) {
      // "My shifts": a plain link, so that it works without JavaScript too.
      std::string href =
          d.ctx.only_mine ? "/?dashboard=" + d.dashboard_id : "/?dashboard=" + d.dashboard_id + "&mine=1";
      if (!tools.empty()) tools += Html::Text(" ");
      tools += El("a").Class("mine-filter").Attr("href", href)(w(d.ctx.only_mine ? "mine.all" : "mine.only"));
      // "Put it in my phone's calendar": one tap makes the link, the next opens the app.
      if (type == "agenda" && !d.ctx.csrf.empty())
        tools += Html::Text(" ") +
                 El("form")
                     .Attr("method", "post")
                     .Attr("action", "/calendar")
                     .Class("inline subscribe")(
                         El("input").Attr("type", "hidden").Attr("name", "csrf").Attr("value", d.ctx.csrf)(),
                         El("input").Attr("type", "hidden").Attr("name", "make").Attr("value", "1")(),
                         El("button").Attr("type", "submit").Class("link")(w("agenda.subscribe")));
    }
    if (!tools.empty()) heading = El("div").Class("widget-head")(heading, El("span").Class("tools")(tools));
    out = before +
          El("section")
              .Class("widget w-" + type)
              .Attr("data-widget", type)
              .Attr("data-tz", d.ctx.zone)  // what its times are written in, also in an embed on another site
              .Attr("data-locale", d.ctx.locale.empty() ? d.ctx.lang : d.ctx.locale)
              .Attr("aria-labelledby", h)(heading, Line(), out) +
          Line();
  }
};

Html Head(const Words& w, const PageContext& c, const std::string& title, const char* script) {
  Html head = El("meta").Attr("charset", "utf-8")() + Line() +
              El("meta").Attr("name", "viewport").Attr("content", "width=device-width, initial-scale=1")() + Line() +
              El("meta").Attr("name", "color-scheme").Attr("content", "light dark")() + Line() +
              El("meta").Attr("name", "theme-color").Attr("content", "#0b5cad")() + Line() + El("title")(title) +
              El("link").Attr("rel", "icon").Attr("href", "/static/icon.svg").Attr("type", "image/svg+xml")() +
              El("link").Attr("rel", "manifest").Attr("href", "/manifest.webmanifest")() +
              El("link").Attr("rel", "stylesheet").Attr("href", "/static/style.css")();
  if (script) head += El("script").Attr("type", "module").Attr("src", std::string("/static/") + script)();
  El body("body");
  body.Attr("data-lang", c.lang);
  if (!c.locale.empty()) body.Attr("data-locale", c.locale);
  if (!c.csrf.empty()) body.Attr("data-csrf", c.csrf);
  if (!c.role.empty()) body.Attr("data-role", c.role);
  if (c.seq >= 0) body.Attr("data-seq", std::to_string(c.seq));
  body.Attr("data-tz", c.zone);  // what the page's times are in: when.js re-renders them for another
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

// The sources' icons (config.h, SourceIcons): 16 px line drawings in the text's colour.
Html SourceIconSvg(const std::string& icon) {
  static const std::map<std::string, const char*> paths = {
      {"news", "<path d=\"M3 3h8v10H3zM11 6h2v6a1 1 0 0 1-2 0M5 6h4M5 8.5h4M5 11h2\"/>"},
      {"calendar",
       "<rect x=\"2.5\" y=\"3.5\" width=\"11\" height=\"10\" rx=\"1\"/><path d=\"M2.5 7h11M5.5 2v3M10.5 2v3\"/>"},
      {"table",
       "<rect x=\"2.5\" y=\"3\" width=\"11\" height=\"10\" rx=\"1\"/><path d=\"M2.5 6.5h11M2.5 9.5h11M6.5 3v10\"/>"},
      {"vote", "<path d=\"M3 9.5l2.5 2.5L13 4.5\"/><path d=\"M2.5 14h11\"/>"},
      {"money",
       "<circle cx=\"8\" cy=\"8\" r=\"5.5\"/><path d=\"M10 6.2c-.4-.6-1.1-.9-2-.9-1.2 0-2 .6-2 1.4 0 2 4 1 4 3 0 .8-.8 "
       "1.4-2 1.4-.9 0-1.6-.3-2-.9M8 4v8\"/>"},
      {"chat", "<path d=\"M2.5 3.5h11v7H7l-3 2.5v-2.5H2.5z\"/>"},
      {"code", "<path d=\"M6 4.5L2.5 8 6 11.5M10 4.5L13.5 8 10 11.5\"/>"},
      {"people",
       "<circle cx=\"6\" cy=\"6\" r=\"2.2\"/><circle cx=\"11\" cy=\"6.5\" r=\"1.8\"/><path d=\"M2 13c.5-2.2 2-3.3 "
       "4-3.3s3.5 1.1 4 3.3M10.5 9.8c1.6 0 3 .9 3.5 3.2\"/>"},
      {"heart", "<path d=\"M8 13S2.5 9.8 2.5 6.2A2.7 2.7 0 0 1 8 5a2.7 2.7 0 0 1 5.5 1.2C13.5 9.8 8 13 8 13z\"/>"},
      {"file", "<path d=\"M4 2.5h5l3 3v8H4zM9 2.5v3h3\"/>"},
      {"link",
       "<path d=\"M7 9a2.5 2.5 0 0 0 3.5 0l2-2A2.5 2.5 0 0 0 9 3.5l-1 1M9 7a2.5 2.5 0 0 0-3.5 0l-2 2A2.5 2.5 0 0 0 7 "
       "12.5l1-1\"/>"},
      {"plug", "<path d=\"M6 2.5v3M10 2.5v3M4.5 5.5h7v2a3.5 3.5 0 0 1-7 0zM8 11v2.5\"/>"}};
  auto it = paths.find(icon);
  if (it == paths.end()) it = paths.find("link");
  return Html::Trusted(
      std::string("<svg class=\"icon\" aria-hidden=\"true\" width=\"16\" height=\"16\" viewBox=\"0 0 16 16\" "
                  "fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.4\" stroke-linecap=\"round\" "
                  "stroke-linejoin=\"round\">") +
          it->second + "</svg>",
      "literal drawings, chosen by name from this table");
}

// A globe: the language link reads as one in any language.
constexpr const char* kGlobe =
    "<svg aria-hidden=\"true\" width=\"16\" height=\"16\" viewBox=\"0 0 16 16\" fill=\"none\" "
    "stroke=\"currentColor\"><circle cx=\"8\" cy=\"8\" r=\"6.5\"/><ellipse cx=\"8\" cy=\"8\" rx=\"3\" "
    "ry=\"6.5\"/><path d=\"M1.5 8h13M2.5 4.5h11M2.5 11.5h11\"/></svg> ";

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
    nav = El("a").Class("user").Attr("href", "/account").Attr("title", w("account.title"))(c.user);
    if (c.role == "admin" || c.role == "editor")
      nav += Html::Text(" ") + El("a").Attr("href", "/admin")(w("nav.admin"));
    nav += Html::Text(" ") +
           El("form")
               .Attr("method", "post")
               .Attr("action", "/logout")
               .Class("inline")(El("input").Attr("type", "hidden").Attr("name", "csrf").Attr("value", c.csrf)(),
                                El("button").Attr("type", "submit").Class("link")(w("nav.signout")));
  }
  // The language picker is the footer's form (it works without JavaScript); from the top
  // of every page, a link to it, named in the page's language.
  if (c.catalogs)
    for (const auto& [code, name] : c.catalogs->Languages())
      if (code == c.lang)
        nav += Html::Text(" ") + El("a")
                                     .Class("lang-link")
                                     .Attr("href", "#lang")
                                     .Attr("title", w("language.label"))(Html::Trusted(kGlobe, "a literal"), name);
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

// A page other than the dashboard: head, header, main (of class main_class), footer.
std::string Page(const Words& w, const PageContext& c, const std::string& title, const char* script,
                 const char* main_class, Html main) {
  Html page = Head(w, c, title + " · coophub", script) + Header(w, c, "") +
              El("main").Id("main").Class(main_class)(std::move(main)) + Line() + Footer(w, c);
  return std::move(page).str();
}

}  // namespace

std::string web::FramedPage(const Words& w, const PageContext& c, const std::string& title, const char* script,
                            const char* main_class, Html main) {
  return Page(w, c, title, script, main_class, std::move(main));
}

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
  Renderer r(d);
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
    if (!d.work.empty()) {  // work for the reader comes first: it waits for their answer
      Html head = El("div").Class("widget-head")(El("h2").Id("work-h")(w("work.title")),
                                                 El("span").Class("tools")(El("a").Attr("href", "/work")(
                                                     w("work.all", {{"n", std::to_string(d.work_total)}}))));
      main += El("section")
                  .Class("widget w-work")
                  .Attr("aria-labelledby", "work-h")(head, Line(), web::WorkList(w, d.ctx, d.work)) +
              Line();
    }
    for (size_t i = 0; i < d.widgets.size(); ++i) r.Widget(d.widgets[i], i);
    main += El("div").Class("widgets")(Line(), r.out) + Line();
  }
  page += El("main").Id("main")(main) + Line() + Footer(w, d.ctx);
  return std::move(page).str();
}

std::string RenderEmbed(const PageData& d, const std::string& hub_url, bool fragment) {
  Renderer r(d);
  for (size_t i = 0; i < d.widgets.size(); ++i) r.Widget(d.widgets[i], i);
  r.out += El("p").Class("via")(
               El("a").Attr("href", hub_url + "/").Attr("target", "_blank").Attr("rel", "noopener")("coophub")) +
           Line();
  if (fragment) return std::move(r.out).str();
  Html page = Head(r.w, d.ctx, d.title.empty() ? "coophub" : d.title, "dashboard.js") +
              El("main").Id("main").Class("embed")(r.out) + Html::Trusted("</body></html>\n", "Head left them open");
  return std::move(page).str();
}

std::string RenderEmbedRefused(const PageContext& ctx, const std::string& why, const std::string& hub_url) {
  Words w{ctx};
  Html main = El("p").Class("refused").Attr("role", "alert")(why) + Line() +
              El("p").Class("via")(
                  El("a").Attr("href", hub_url + "/").Attr("target", "_blank").Attr("rel", "noopener")("coophub")) +
              Line();
  Html page = Head(w, ctx, "coophub", nullptr) + El("main").Id("main").Class("embed")(main) +
              Html::Trusted("</body></html>\n", "Head left them open");
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
  return Page(w, ctx, w("login.title"), "login.js", "narrow", std::move(main));
}

std::string RenderCalendar(const PageContext& ctx, const std::vector<CalendarLinkLine>& links,
                           const std::string& made_url, const std::string& said) {
  Words w{ctx};
  Dates dates(ctx.locale.empty() ? ctx.lang : ctx.locale, ctx.zone, w("when.day_time"));
  auto Csrf = [&] { return El("input").Attr("type", "hidden").Attr("name", "csrf").Attr("value", ctx.csrf)(); };
  Html main = El("h1")(w("calendar.title")) + Line() + El("p")(w("calendar.intro")) + Line();
  if (!said.empty()) main += El("p").Attr("role", "status").Class("said")(w(said)) + Line();
  if (!made_url.empty()) {
    // webcal:// is what phones hand to their calendar app; the same address over https
    // is what calendar services (Google's "From URL") take.
    std::string webcal = "webcal://" + made_url.substr(made_url.find("://") + 3);
    main += El("section").Class("made").Attr("aria-labelledby", "made-h")(
                El("h2").Id("made-h")(w("calendar.ready")),
                El("p")(El("a").Class("button primary").Id("subscribe").Attr("href", webcal)(w("calendar.add"))),
                El("label").Attr("for", "calendar-url")(w("calendar.copy")),
                El("input").Id("calendar-url").Attr("readonly", "").Attr("value", made_url)(),
                El("p").Class("note")(w("calendar.private"))) +
            Line();
  }
  Html items;
  for (const auto& l : links) {
    std::string used =
        l.last_used ? w("calendar.used", {{"when", dates.When(l.last_used, ctx.now)}}) : w("calendar.unused");
    items +=
        El("li")(
            w("calendar.made_on", {{"when", dates.When(l.created, ctx.now)}}), " · ", used, " ",
            El("form")
                .Attr("method", "post")
                .Attr("action", "/calendar")
                .Class("inline")(
                    Csrf(),
                    El("input").Attr("type", "hidden").Attr("name", "revoke").Attr("value", std::to_string(l.id))(),
                    El("button").Attr("type", "submit").Class("link danger")(w("calendar.revoke")))) +
        Line();
  }
  main +=
      El("h2")(w("calendar.links")) + Line() +
      (links.empty() ? El("p").Class("empty")(w("calendar.none")) : El("ul").Class("links")(Line(), items)) + Line() +
      El("form")
          .Attr("method", "post")
          .Attr("action", "/calendar")(Csrf(),
                                       El("input").Attr("type", "hidden").Attr("name", "make").Attr("value", "1")(),
                                       El("button")
                                           .Attr("type", "submit")
                                           .Class("primary")(w(links.empty() ? "calendar.make" : "calendar.another"))) +
      Line() + El("p")(El("a").Attr("href", "/")(w("nav.back")));
  return Page(w, ctx, w("calendar.title"), nullptr, "narrow", std::move(main));
}

std::string RenderAccount(const PageContext& ctx, const std::string& said, const std::string& error,
                          const std::string& arg) {
  Words w{ctx};
  auto Password = [&](const char* id, const char* label, const char* autocomplete) {
    El input("input");
    input.Id(id).Attr("name", id).Attr("type", "password").Attr("autocomplete", autocomplete).Flag("required");
    if (std::string_view(id) != "current") input.Attr("minlength", "10").Attr("aria-describedby", "password-hint");
    return El("label").Attr("for", id)(w(label)) + input();
  };
  Html main = El("h1")(w("account.title")) + Line() +
              El("p")(w("account.who", {{"name", ctx.user}, {"role", w("role." + ctx.role)}})) + Line() +
              El("p")(El("a").Attr("href", "/calendar")(w("calendar.title")), " · ",
                      El("a").Attr("href", "/notifications")(w("notify.title")), " · ",
                      El("a").Attr("href", "/mydata")(w("mydata.title"))) +
              Line() + El("h2")(w("account.password")) + Line();
  if (!said.empty()) main += El("p").Attr("role", "status").Class("said")(w(said)) + Line();
  if (!error.empty()) main += El("p").Attr("role", "alert").Class("error")(w(error, {{"s", arg}})) + Line();
  main +=
      El("form")
          .Id("password-form")
          .Attr("method", "post")
          .Attr("action", "/account")(El("input").Attr("type", "hidden").Attr("name", "csrf").Attr("value", ctx.csrf)(),
                                      Password("current", "account.current", "current-password"),
                                      Password("password", "account.new", "new-password"),
                                      El("p").Id("password-hint").Class("note")(w("account.hint")),
                                      Password("repeat", "account.repeat", "new-password"),
                                      El("button").Attr("type", "submit").Class("primary")(w("account.change"))) +
      Line() + El("p")(El("a").Attr("href", "/")(w("nav.back")));
  return Page(w, ctx, w("account.title"), nullptr, "narrow", std::move(main));
}

std::string RenderMonth(const MonthData& m) {
  const PageContext& ctx = m.ctx;
  Words w{ctx};
  Dates dates(ctx.locale.empty() ? ctx.lang : ctx.locale, ctx.zone, w("when.day_time"));
  const int days = Dates::DaysInMonth(m.year, m.month);
  // Each event on the day it begins, in the reader's zone (an all-day one on its date).
  std::vector<std::vector<std::pair<const json*, std::string>>> by_day(days + 1);  // (event, its time)
  for (const auto& r : m.events) {
    CivilDate day;
    std::string time = w("month.allday");
    const json& data = DataOf(r);
    if (!data.value("all_day", false) || !CivilDate::Parse(Str(data, "date"), &day)) {
      auto t = ParseRfc3339(Str(r, "time"));
      if (!t) continue;
      day = dates.DateOf(*t);
      time = dates.Time(*t);
    }
    if (day.year == m.year && day.month == m.month) by_day[day.day].emplace_back(&r, time);
  }
  auto Month = [&](int year, int month) {
    char text[8];
    std::snprintf(text, sizeof text, "%04d-%02d", year, month);
    return std::string(text);
  };
  auto Href = [&](const std::string& month) { return "/month?month=" + month + (ctx.only_mine ? "&mine=1" : ""); };
  auto [py, pm] = m.month == 1 ? std::pair(m.year - 1, 12) : std::pair(m.year, m.month - 1);
  auto [ny, nm] = m.month == 12 ? std::pair(m.year + 1, 1) : std::pair(m.year, m.month + 1);
  CivilDate today = dates.DateOf(ctx.now);
  bool this_month = today.year == m.year && today.month == m.month;
  std::string title = dates.MonthTitle(m.year, m.month);

  Html nav =
      El("a")
          .Attr("rel", "prev")
          .Attr("href", Href(Month(py, pm)))(El("span").Attr("aria-hidden", "true")("‹ "), dates.MonthTitle(py, pm));
  if (!this_month)
    nav += Html::Text(" ") + El("a").Attr("href", ctx.only_mine ? "/month?mine=1" : "/month")(w("month.this"));
  nav += Html::Text(" ") +
         El("a")
             .Attr("rel", "next")
             .Attr("href", Href(Month(ny, nm)))(dates.MonthTitle(ny, nm), El("span").Attr("aria-hidden", "true")(" ›"));
  Html tools;
  if (!ctx.user.empty())
    tools = El("a")
                .Class("mine-filter")
                .Attr("href", ctx.only_mine ? "/month?month=" + Month(m.year, m.month)
                                            : Href(Month(m.year, m.month)) +
                                                  "&mine=1")(w(ctx.only_mine ? "mine.all" : "mine.only"));

  std::vector<std::string> short_names = dates.WeekdayNames(true), long_names = dates.WeekdayNames(false);
  Html head;
  for (size_t i = 0; i < 7; ++i)
    head += El("th").Attr("scope", "col")(El("abbr").Attr("title", long_names[i])(short_names[i]));
  const int lead = dates.PlaceInWeek({m.year, m.month, 1});
  Html rows, row;
  int column = 0;
  auto EndRow = [&] {
    rows += El("tr")(row) + Line();
    row = Html();
    column = 0;
  };
  for (int i = 0; i < lead; ++i, ++column) row += El("td").Class("out")();
  for (int day = 1; day <= days; ++day, ++column) {
    if (column == 7) EndRow();
    bool is_today = this_month && day == today.day;
    Html events;
    for (const auto& [r, time] : by_day[day]) {
      std::string name = Str(*r, "title").empty() ? w("untitled") : Str(*r, "title");
      std::string url = Str(*r, "url");
      bool mine = !ctx.user.empty() && Involves(*r, ctx.user);
      events += El("li").Class(mine ? "mine" : "")(
                    El("span").Class("when")(time), " ",
                    url.empty() ? El("span").Class("title")(name)
                                : El("a").Class("title").Attr("href", url).Attr("rel", "noopener")(name),
                    mine ? Html::Text(" ") + El("span").Class("badge badge-mine")(w("badge.mine")) : Html()) +
                Line();
    }
    El cell("td");
    std::string cls = std::string("day") + (is_today ? " today" : "") + (by_day[day].empty() ? " free" : "");
    cell.Class(cls);
    if (is_today) cell.Attr("aria-current", "date");
    std::string date = Month(m.year, m.month) + (day < 10 ? "-0" : "-") + std::to_string(day);
    row +=
        cell(El("p").Class("date")(El("span").Class("wd")(long_names[(lead + day - 1) % 7]), " ",
                                   El("time").Attr("datetime", date)(std::to_string(day)),
                                   is_today ? Html::Text(" ") + El("span").Class("badge")(w("agenda.today")) : Html()),
             (events.empty() ? Html() : El("ul")(events)));
  }
  for (; column < 7; ++column) row += El("td").Class("out")();
  EndRow();

  Html main = El("div").Class("widget-head")(El("h1")(title), El("span").Class("tools")(tools)) + Line() +
              El("nav").Class("months").Attr("aria-label", w("month.nav"))(nav) + Line();
  if (m.events.empty()) main += El("p").Class("empty")(w(ctx.only_mine ? "empty.mine" : "month.none")) + Line();
  main += El("table").Class("month")(El("caption").Class("visually-hidden")(title), El("thead")(El("tr")(head)), Line(),
                                     El("tbody")(Line(), rows)) +
          Line();
  if (m.capped) main += El("p").Class("note")(w("month.capped", {{"n", std::to_string(m.events.size())}})) + Line();
  main += El("p")(El("a").Attr("href", "/")(w("nav.back")));
  return Page(w, ctx, title, nullptr, "month", std::move(main));
}

std::string RenderAdminRefused(const PageContext& ctx) {
  Words w{ctx};
  Html main = El("h1")(w("admin.title")) + Line() + El("p").Id("refused")(w("admin.refused", {{"name", ctx.user}})) +
              Line() + El("p")(El("a").Attr("href", "/")(w("nav.back")));
  return Page(w, ctx, w("admin.title"), nullptr, "narrow", std::move(main));
}

std::string RenderAdmin(const PageContext& ctx) {
  Words w{ctx};
  Html main = El("h1")(w("admin.title")) + Line() + El("p").Id("admin-loading").Attr("role", "status")(w("loading")) +
              Line() + El("noscript")(El("p")(w("admin.noscript"))) + Line() + El("div").Id("admin")();
  return Page(w, ctx, w("admin.title"), "admin.js", "admin", std::move(main));
}

}  // namespace coophub
