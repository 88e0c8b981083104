// SPDX-License-Identifier: Apache-2.0
// Members' digests; see digest.h.
#include "notify/digest.h"

#include <algorithm>
#include <cstdio>

#include "base/text.h"
#include "base/timeutil.h"
#include "dashboards/widgets.h"
#include "i18n/dates.h"
#include "notify/letter.h"

namespace coophub::notify {

std::string DigestPeriod(Every every, int64_t now, const std::string& zone, int hour) {
  // Local time, moved back by the hour they go at: the label turns over at that hour.
  int64_t local = now + UtcOffsetSeconds(zone, now) - int64_t{hour} * 3600;
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  if (every == Every::kWeekly) days -= (days + 3) % 7;  // back to Monday (1970-01-01 was a Thursday)
  // Civil date of a day count (Howard Hinnant's days_from_civil, inverted).
  int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);
  char out[64];
  if (every == Every::kMonthly)
    std::snprintf(out, sizeof out, "m%04lld-%02lld", static_cast<long long>(y), static_cast<long long>(m));
  else
    std::snprintf(out, sizeof out, "w%04lld-%02lld-%02lld", static_cast<long long>(y), static_cast<long long>(m),
                  static_cast<long long>(d));
  return out;
}

namespace {

constexpr int kLinesPerSection = 8;
constexpr int64_t kClosingSoonS = 7 * 24 * 3600;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Line LineOf(const json& rec, const Letter& w, const std::string& hub_url) {
  Line l;
  l.title = Str(rec, "title");
  std::string kind = Str(rec, "kind");
  if (l.title.empty()) l.title = w.T("kind." + (kind.empty() ? std::string("other") : kind));
  l.detail = Str(rec, "source");
  l.url = Str(rec, "url");
  if (l.url.rfind("https://", 0) != 0 && l.url.rfind("http://", 0) != 0) l.url = hub_url + "/";
  return l;
}

void Push(Section& s, Line line) {
  if (static_cast<int>(s.lines.size()) < kLinesPerSection)
    s.lines.push_back(std::move(line));
  else
    ++s.more;
}

std::string WindowKey(const WidgetContext& ctx);

// A widget's data for ctx, from the round's cache when members share it.
Result<const WidgetData*> Load(Store& store, const WidgetConfig& widget, const WidgetContext& ctx, const DigestFor& d,
                               WidgetData* own) {
  std::string key = widget.type + "|" + WindowKey(ctx);
  if (d.cache)
    if (auto it = d.cache->loads.find(key); it != d.cache->loads.end()) return &it->second;
  auto data = LoadWidget(store, widget, ctx);
  if (!data.ok()) return data.status();
  if (!d.cache) {
    *own = std::move(*data);
    return own;
  }
  return &d.cache->loads.emplace(std::move(key), std::move(*data)).first->second;
}

std::string WindowKey(const WidgetContext& ctx) {
  std::string key = std::to_string(ctx.seen_seq) + "|" + std::to_string(ctx.seen_time) + "|" + std::to_string(ctx.now);
  for (const auto& v : ctx.visibilities) key += "|" + v;
  key += "|";
  for (const auto& s : ctx.added_sources) key += "|" + s;
  return key;
}

// A window's changes as lines in one language, and whom each names.
WindowLines MakeLines(const WidgetData& changes, const Letter& w, const std::string& hub_url) {
  WindowLines out;
  for (const auto& c : changes.changes) {
    const json& rec = c["record"];
    Line line = LineOf(rec, w, hub_url);
    if (!c.value("created", false))
      line.detail = w.T("digest.changed") + (line.detail.empty() ? "" : " · " + line.detail);
    if (auto people = rec.find("people"); people != rec.end())
      for (auto& name : NamesIn(*people)) out.named.emplace(std::move(name), out.lines.size());
    bool money = Str(rec, "kind") == "transaction";
    out.money.push_back(money);
    out.money_count += money;
    out.lines.push_back(std::move(line));
  }
  for (const auto& title : changes.removed) out.tail.push_back({w.T("changes.gone", {{"title", title}}), "", ""});
  int64_t untitled = changes.deleted - static_cast<int64_t>(changes.removed.size());
  if (untitled > 0) out.tail.push_back({w.T("changes.removed", {{"n", std::to_string(untitled)}}), "", ""});
  out.items = static_cast<int>(changes.changes.size() + changes.removed.size()) +
              static_cast<int>(std::max<int64_t>(untitled, 0));
  return out;
}

}  // namespace

Result<std::optional<Digest>> BuildDigest(Store& store, const Catalogs& catalogs, const DigestFor& d) {
  WidgetContext ctx;
  ctx.visibilities = d.visibilities;
  ctx.now = d.now;
  ctx.seen_seq = d.since_seq;
  ctx.seen_time = d.since_time;
  ctx.me = d.user.name;
  ctx.added_sources = d.added_sources;
  WidgetConfig changes_widget;
  changes_widget.type = "changes";
  changes_widget.limit = 1000;
  WidgetData own_changes, own_decisions;
  auto changes = Load(store, changes_widget, ctx, d, &own_changes);
  if (!changes.ok()) return changes.status();

  Letter w(catalogs, d.lang);
  Section failing{w.T("digest.failing"), {}, 0}, waiting{w.T("digest.waiting"), {}, 0},
      mine{w.T("digest.for_you"), {}, 0}, closing{w.T("digest.closing"), {}, 0}, money{w.T("kind.transaction"), {}, 0},
      also{w.T("digest.also"), {}, 0};
  Dates dates(d.lang, d.zone);
  for (const auto& line : d.waiting) Push(waiting, {line.title, line.when, d.hub_url + "/work"});
  for (const auto& line : d.failing) Push(failing, {line.title, line.when, d.hub_url + "/admin"});
  int items = static_cast<int>(d.waiting.size() + d.failing.size());

  // The window's lines in the reader's language, made once for all who share it.
  WindowLines own_lines;
  const WindowLines* window = &own_lines;
  std::string window_key = WindowKey(ctx) + "|" + d.lang + "|" + d.hub_url;
  if (d.cache && d.cache->windows.count(window_key)) {
    window = &d.cache->windows.at(window_key);
  } else {
    WindowLines made = MakeLines(**changes, w, d.hub_url);
    if (d.cache)
      window = &d.cache->windows.emplace(window_key, std::move(made)).first->second;
    else
      own_lines = std::move(made);
  }
  // What names them first; then the first of the money and of the rest, in feed order,
  // each section's others counted.
  std::string me = d.user.name;
  for (char& ch : me) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::vector<size_t> named;
  for (auto [at, to] = window->named.equal_range(me); at != to; ++at) named.push_back(at->second);
  std::sort(named.begin(), named.end());
  named.erase(std::unique(named.begin(), named.end()), named.end());
  int named_money = 0;
  for (size_t i : named) {
    Push(mine, window->lines[i]);
    named_money += window->money[i];
  }
  int money_total = window->money_count - named_money;
  int also_total = static_cast<int>(window->lines.size()) - window->money_count -
                   (static_cast<int>(named.size()) - named_money) + static_cast<int>(window->tail.size());
  for (size_t i = 0, n = 0;
       i < window->lines.size() && (money.lines.size() < kLinesPerSection || also.lines.size() < kLinesPerSection);
       ++i) {
    if (n < named.size() && named[n] == i) {
      ++n;
      continue;
    }
    Section& to = window->money[i] ? money : also;
    if (to.lines.size() < kLinesPerSection) to.lines.push_back(window->lines[i]);
  }
  for (const auto& line : window->tail)
    if (also.lines.size() < kLinesPerSection) also.lines.push_back(line);
  money.more = money_total - static_cast<int>(money.lines.size());
  also.more = also_total - static_cast<int>(also.lines.size());
  items += window->items;
  if (items == 0) return std::optional<Digest>();  // nothing changed: no mail

  // Decisions they can still vote on that close within the week, beside the news.
  WidgetConfig decisions_widget;
  decisions_widget.type = "decisions";
  decisions_widget.limit = 50;
  auto decisions = Load(store, decisions_widget, ctx, d, &own_decisions);
  if (!decisions.ok()) return decisions.status();
  for (const auto& rec : (*decisions)->records) {
    auto end = ParseRfc3339(Str(rec, "end"));
    if (!end || *end <= d.now || *end > d.now + kClosingSoonS) continue;
    Line line = LineOf(rec, w, d.hub_url);
    line.detail = w.T("digest.closes", {{"when", dates.When(*end, d.now)}});
    Push(closing, std::move(line));
  }

  Digest out;
  out.items = items;
  mail::Message& m = out.message;
  m.subject = w.T("digest.subject", {{"n", std::to_string(items)}, {"coop", d.coop}});
  w.Paragraph(w.T("digest.hello", {{"name", d.user.name}}));
  w.Paragraph(d.since_time > 0 ? w.T("digest.since", {{"since", dates.Since(d.since_time, d.now)}})
                               : w.T("digest.since_unknown"));
  for (const Section* s : {&waiting, &mine, &closing, &failing, &money, &also}) w.Add(*s);
  w.Button(w.T("digest.open"), d.hub_url + "/");
  w.Small(w.T(d.every == Every::kMonthly ? "digest.why_monthly" : "digest.why_weekly", {{"coop", d.coop}}),
          w.T("digest.unsubscribe"), d.unsubscribe_url);
  m.text = w.text() + w.T("digest.choices") + ": " + d.prefs_url + "\n";
  m.html = w.html();
  // RFC 2369 and RFC 8058: mail clients show "Unsubscribe" and POST to it in one click.
  m.headers.emplace_back("List-Unsubscribe", "<" + d.unsubscribe_url + ">");
  m.headers.emplace_back("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
  m.headers.emplace_back("Auto-Submitted", "auto-generated");  // RFC 3834: no autoreplies
  return std::optional<Digest>(std::move(out));
}

}  // namespace coophub::notify
