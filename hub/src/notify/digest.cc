// SPDX-License-Identifier: Apache-2.0
// Members' digests; see digest.h.
#include "notify/digest.h"

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

// A widget's data for ctx, from the round's cache when members share it.
Result<const WidgetData*> Load(Store& store, const WidgetConfig& widget, const WidgetContext& ctx, const DigestFor& d,
                               WidgetData* own) {
  std::string key = widget.type + "|" + std::to_string(ctx.seen_seq) + "|" + std::to_string(ctx.seen_time) + "|" +
                    std::to_string(ctx.now);
  for (const auto& v : ctx.visibilities) key += "|" + v;
  key += "|";
  for (const auto& s : ctx.added_sources) key += "|" + s;
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
  for (const auto& c : (*changes)->changes) {
    const json& rec = c["record"];
    Line line = LineOf(rec, w, d.hub_url);
    if (!c.value("created", false))
      line.detail = w.T("digest.changed") + (line.detail.empty() ? "" : " · " + line.detail);
    ++items;
    if (Involves(rec, d.user.name))
      Push(mine, std::move(line));
    else if (Str(rec, "kind") == "transaction")
      Push(money, std::move(line));
    else
      Push(also, std::move(line));
  }
  for (const auto& title : (*changes)->removed) {
    ++items;
    Push(also, {w.T("changes.gone", {{"title", title}}), "", ""});
  }
  if (int64_t untitled = (*changes)->deleted - static_cast<int64_t>((*changes)->removed.size()); untitled > 0) {
    items += static_cast<int>(untitled);
    Push(also, {w.T("changes.removed", {{"n", std::to_string(untitled)}}), "", ""});
  }
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
