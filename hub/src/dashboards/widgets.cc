// SPDX-License-Identifier: Apache-2.0
// Widget data from the store; see widgets.h.
#include "dashboards/widgets.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include "base/timeutil.h"

namespace coophub {
namespace {

constexpr int64_t kDay = 86400;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// 128 bits: sums of many amounts at many decimals never overflow (a GCC extension).
__extension__ typedef __int128 Int128;

// A decimal as an integer of 10^-scale units: "12.5" -> (125, 1).
struct Fixed {
  Int128 units = 0;
  int scale = 0;
};

std::optional<Fixed> ParseFixed(const std::string& s) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  Fixed f;
  int digits = 0;
  bool point = false;
  for (; i < s.size(); ++i) {
    if (s[i] == '.' && !point) {
      point = true;
      continue;
    }
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    f.units = f.units * 10 + (s[i] - '0');
    if (point) ++f.scale;
    // 24 digits and 8 decimals: 20,000 such sums still fit an int128 (10^32 each).
    if (++digits > 24 || f.scale > 8) return std::nullopt;
  }
  if (digits == 0) return std::nullopt;
  if (neg) f.units = -f.units;
  return f;
}

std::string FormatFixed(Fixed f) {
  bool neg = f.units < 0;
  Int128 u = neg ? -f.units : f.units;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  } while (u > 0);
  if (f.scale > 0) {
    if (static_cast<int>(digits.size()) <= f.scale)
      digits.insert(0, static_cast<size_t>(f.scale) - digits.size() + 1, '0');
    digits.insert(digits.size() - static_cast<size_t>(f.scale), ".");
  }
  return (neg ? "-" : "") + digits;
}

Fixed Plus(Fixed a, Fixed b) {
  while (a.scale < b.scale) a.units *= 10, ++a.scale;
  while (b.scale < a.scale) b.units *= 10, ++b.scale;
  a.units += b.units;
  return a;
}

// Every record the query finds, page after page, up to max; *capped if there were more.
Result<std::vector<json>> ListAll(Store& store, RecordQuery q, size_t max, bool* capped) {
  std::vector<json> out;
  q.limit = 500;
  for (;;) {
    auto page = store.ListRecords(q);
    if (!page.ok()) return page.status();
    for (auto& r : page->Items()) {
      if (out.size() == max) {
        *capped = true;
        return out;
      }
      out.push_back(std::move(r));
    }
    if (page->next_cursor.empty()) return out;
    q.cursor = page->next_cursor;
  }
}

// The widget's records: one query a source (or one for all), merged in the query's order.
Result<std::vector<json>> Query(Store& store, const WidgetConfig& w, RecordQuery q) {
  std::vector<std::string> sources = w.sources.empty() ? std::vector<std::string>{""} : w.sources;
  std::vector<json> out;
  for (const auto& s : sources) {
    q.source = s;
    auto page = store.ListRecords(q);
    if (!page.ok()) return page.status();
    for (auto& r : page->Items()) out.push_back(std::move(r));
  }
  if (sources.size() > 1) {
    std::stable_sort(out.begin(), out.end(), [&](const json& a, const json& b) {
      return q.oldest_first ? Str(a, "time") < Str(b, "time") : Str(a, "time") > Str(b, "time");
    });
    if (out.size() > static_cast<size_t>(q.limit)) out.resize(static_cast<size_t>(q.limit));
  }
  return out;
}

Status LoadMoney(Store& store, const WidgetContext& ctx, const RecordQuery& base, WidgetData* d) {
  RecordQuery q = base;
  q.since = FormatRfc3339(ctx.now - 30 * kDay);
  std::vector<std::string> sources = d->config.sources.empty() ? std::vector<std::string>{""} : d->config.sources;
  std::map<std::string, Fixed> sums;
  for (const auto& s : sources) {
    q.source = s;
    auto all = ListAll(store, q, 20000, &d->totals_capped);
    if (!all.ok()) return all.status();
    for (const auto& r : *all) {
      auto a = r.find("amount");
      if (a == r.end() || !a->is_object()) continue;
      auto v = ParseFixed(Str(*a, "value"));
      std::string currency = Str(*a, "currency");
      if (!v || currency.empty()) continue;
      sums[currency] = Plus(sums[currency], *v);
      ++d->totals_count;
    }
  }
  for (const auto& [currency, sum] : sums) d->totals[currency] = FormatFixed(sum);
  return Status::Ok();
}

Status LoadChanges(Store& store, const WidgetContext& ctx, WidgetData* d) {
  if (ctx.seen_seq < 0) return Status::Ok();  // a first visit: nothing to compare with
  auto page = store.ListChanges(ctx.seen_seq, ctx.visibilities, 1000);
  if (!page.ok()) return page.status();
  std::vector<json> items;
  for (const auto& [seq, text] : page->items) {
    json c = json::parse(text, nullptr, false);
    if (!c.is_object()) continue;
    const json* rec = c.contains("record") ? &c["record"] : nullptr;
    if (rec && !d->config.sources.empty() &&
        std::find(d->config.sources.begin(), d->config.sources.end(), Str(*rec, "source")) == d->config.sources.end())
      continue;
    bool created = rec && c.value("created", false);
    if (created && ctx.added_sources.count(Str(*rec, "source"))) {
      auto t = ParseRfc3339(Str(*rec, "time"));
      if (!t || *t <= ctx.seen_time) {  // older than the visit: it came with its source
        ++d->added[Str(*rec, "source")];
        continue;
      }
    }
    if (!rec) {
      ++d->deleted;
      if (!Str(c, "title").empty()) d->removed.push_back(Str(c, "title"));
    } else if (created)
      ++d->created_by_kind[Str(*rec, "kind")];
    else
      ++d->changed_by_kind[Str(*rec, "kind")];
    if (rec) items.push_back(std::move(c));
  }
  std::reverse(d->removed.begin(), d->removed.end());  // newest first, as the changes
  std::reverse(items.begin(), items.end());
  if (items.size() > static_cast<size_t>(WidgetLimit(d->config)))
    items.resize(static_cast<size_t>(WidgetLimit(d->config)));
  d->changes = std::move(items);
  return Status::Ok();
}

}  // namespace

std::optional<std::string> AddDecimal(const std::string& a, const std::string& b) {
  auto x = ParseFixed(a), y = ParseFixed(b);
  if (!x || !y) return std::nullopt;
  return FormatFixed(Plus(*x, *y));
}

namespace {

// A series once, at its next occurrence, with its later starts beside it; then limit.
void CollapseSeries(WidgetData* d, size_t limit) {
  std::vector<json> kept;
  std::map<std::pair<std::string, std::string>, size_t> first;  // (source, series) -> index in kept
  for (auto& r : d->records) {
    const json& data = r.contains("data") && r["data"].is_object() ? r["data"] : json::object();
    std::string series = Str(data, "series");
    if (!series.empty()) {
      auto [it, inserted] = first.try_emplace({Str(r, "source"), series}, kept.size());
      if (!inserted) {
        d->later[it->second].push_back(Str(r, "time"));
        continue;
      }
    }
    if (kept.size() == limit) break;
    kept.push_back(std::move(r));
    d->later.emplace_back();
  }
  d->later.resize(kept.size());
  d->records = std::move(kept);
}

}  // namespace

bool Involves(const json& record, const std::string& name) {
  auto people = record.find("people");
  if (name.empty() || people == record.end()) return false;
  std::string lower = name;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto names = NamesIn(*people);
  return std::find(names.begin(), names.end(), lower) != names.end();
}

Result<WidgetData> LoadWidget(Store& store, const WidgetConfig& widget, const WidgetContext& ctx) {
  WidgetData d;
  d.config = widget;
  const WidgetType* type = FindWidgetType(widget.type);
  if (!type) return Status::Invalid("no widget type \"" + widget.type + "\"");
  std::string name = type->name;
  if (name == "sources") return d;
  if (name == "changes") {
    if (auto s = LoadChanges(store, ctx, &d); !s.ok()) return s;
    return d;
  }
  RecordQuery q;
  q.kind = name == "records" ? widget.kind : type->kind;
  q.q = widget.q;
  q.visibilities = ctx.visibilities;
  q.limit = WidgetLimit(widget);
  if (name == "agenda") {  // what comes next, and what began in the last 12 hours
    q.since = FormatRfc3339(ctx.now - kDay / 2);
    q.oldest_first = true;
  }
  bool only_mine = ctx.only_mine && !ctx.me.empty() && (name == "agenda" || name == "tasks");
  // Some are closed, repeat a series or are someone else's: read more to show as many.
  if (name == "decisions" || name == "agenda" || only_mine) q.limit = std::min(500, q.limit * (only_mine ? 20 : 4));
  auto records = Query(store, widget, q);
  if (!records.ok()) return records.status();
  d.records = std::move(*records);
  if (only_mine) std::erase_if(d.records, [&](const json& r) { return !Involves(r, ctx.me); });
  if (name == "agenda") CollapseSeries(&d, static_cast<size_t>(WidgetLimit(widget)));
  if (name == "decisions") {
    // Open ones (no end, or one still ahead), the nearest deadline first.
    std::string now = FormatRfc3339(ctx.now);
    std::erase_if(d.records, [&](const json& r) {
      std::string end = Str(r, "end");
      return !end.empty() && end <= now;
    });
    std::stable_sort(d.records.begin(), d.records.end(),
                     [](const json& a, const json& b) { return Str(a, "time") < Str(b, "time"); });
    if (d.records.size() > static_cast<size_t>(WidgetLimit(widget)))
      d.records.resize(static_cast<size_t>(WidgetLimit(widget)));
  }
  if (name == "money")
    if (auto s = LoadMoney(store, ctx, q, &d); !s.ok()) return s;
  return d;
}

}  // namespace coophub
