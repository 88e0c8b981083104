// SPDX-License-Identifier: Apache-2.0
// The hard rules, the score and its reasons, the ranking; see matching.h.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include <coophub/time.hpp>

#include "matching/matching.h"

namespace coophub::matching {
namespace {

constexpr double kEarthKm = 6371.0088;  // the mean radius
constexpr double kKmPerDegree = kEarthKm * M_PI / 180;

std::string Fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

double Round(double v, double step) { return std::round(v / step) * step; }

// The day ("2026-12-07") of a unix instant, UTC.
std::string Day(int64_t t) { return FormatRfc3339(t).substr(0, 10); }

bool Overlaps(const Interval& a, const Interval& b) { return a.start < b.end && b.start < a.end; }

// Whether [from, to) minutes of a local day (to may pass midnight into the next) lie in
// the declared hours, day by day.
bool Within(const std::array<DayHours, 7>& week, int day, int from, int to) {
  while (from < to) {
    int until = std::min(to, 1440);
    bool inside = false;
    for (const auto& [a, b] : week[static_cast<size_t>(day)])
      if (a <= from && until <= b) inside = true;
    if (!inside) return false;
    from = 0;
    to -= 1440;
    day = (day + 1) % 7;
  }
  return true;
}

bool Free(const Person& p, const Request& r, const Context& ctx) {
  // busy is sorted by start: the first that ends after the window starts decides.
  auto it = std::lower_bound(p.busy.begin(), p.busy.end(), r.window.start,
                             [](const Interval& i, int64_t t) { return i.start < t; });
  if (it != p.busy.begin() && Overlaps(*std::prev(it), r.window)) return false;
  for (; it != p.busy.end() && it->start < r.window.end; ++it)
    if (Overlaps(*it, r.window)) return false;
  if (!p.weekly) return true;  // no hours declared: any time
  int64_t offset = ctx.request_offset ? *ctx.request_offset
                   : ctx.offset       ? ctx.offset(ctx.config->timezone, r.window.start)
                                      : 0;
  int64_t local = r.window.start + offset;
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int day = static_cast<int>((days % 7 + 7 + 3) % 7);  // 1970-01-01 was a Thursday (3)
  int from = static_cast<int>((local - days * 86400) / 60);
  int to = from + static_cast<int>((r.window.end - r.window.start + 59) / 60);
  return Within(*p.weekly, day, from, to);
}

const Skill* Find(const std::vector<Skill>& skills, const std::string& name) {
  for (const auto& s : skills)
    if (s.name == name) return &s;
  return nullptr;
}

bool Has(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

}  // namespace

const char* RuleName(Rule r) {
  switch (r) {
    case Rule::kNone:
      return "none";
    case Rule::kProfile:
      return "profile";
    case Rule::kSelf:
      return "self";
    case Rule::kDistance:
      return "distance";
    case Rule::kLanguage:
      return "language";
    case Rule::kSkills:
      return "skills";
    case Rule::kCertificate:
      return "certificate";
    case Rule::kAvailability:
      return "availability";
  }
  return "?";
}

double DistanceKm(const Place& a, const Place& b) {
  const double rad = M_PI / 180;
  double dlat = (b.lat - a.lat) * rad, dlon = (b.lon - a.lon) * rad;
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(a.lat * rad) * std::cos(b.lat * rad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthKm * std::asin(std::min(1.0, std::sqrt(h)));
}

Rule Excludes(const Person& p, const Request& r, const Context& ctx) {
  if (!p.problem.empty() || !r.problem.empty()) return Rule::kProfile;
  if (!r.requester.empty() && r.requester == p.id) return Rule::kSelf;
  if (r.place && (!p.home || DistanceKm(*p.home, *r.place) > p.max_km)) return Rule::kDistance;
  if (!r.languages.empty() &&
      std::none_of(r.languages.begin(), r.languages.end(), [&](const auto& l) { return Has(p.languages, l); }))
    return Rule::kLanguage;
  for (const auto& need : r.skills) {
    const Skill* s = Find(p.skills, need.name);
    if (!s || s->level < need.level) return Rule::kSkills;
  }
  std::string day = Day(r.window.start);
  for (const auto& need : r.certificates)
    if (std::none_of(p.certificates.begin(), p.certificates.end(),
                     [&](const Certificate& c) { return c.name == need && (c.expires.empty() || c.expires >= day); }))
      return Rule::kCertificate;
  if (!Free(p, r, ctx)) return Rule::kAvailability;
  return Rule::kNone;
}

Candidate Score(const Person& p, const Request& r, const Context& ctx) {
  const MatchingConfig& c = *ctx.config;
  const Weights& w = c.weights;
  const double total = w.skills + w.distance + w.continuity + w.fairness + w.preference;
  Candidate out;
  out.person = &p;
  auto add = [&](const char* code, double weight, double fit, json value, std::string text) {
    double points = Round(100 * weight * std::clamp(fit, 0.0, 1.0) / total, 0.1);
    out.score += points;
    out.reasons.push_back({code, points, std::move(value), std::move(text)});
  };

  // Skills: each required one counts half for having it, the rest for the levels above.
  double fit = 1;
  std::string skills_text = "no skill asked";
  json skills_value = json::array();
  if (!r.skills.empty()) {
    fit = 0;
    skills_text.clear();
    for (const auto& need : r.skills) {
      const Skill* s = Find(p.skills, need.name);
      fit += need.level >= 5 ? 1 : 0.5 + 0.5 * (s->level - need.level) / (5.0 - need.level);
      skills_text += (skills_text.empty() ? "" : ", ") + s->name + " " + std::to_string(s->level) + "/5";
      skills_value.push_back({{"name", s->name}, {"level", s->level}});
    }
    fit /= static_cast<double>(r.skills.size());
  }
  add("skills", w.skills, fit, skills_value, skills_text);

  if (r.place) {
    double km = DistanceKm(*p.home, *r.place);
    out.km = Round(km, 0.5);
    add("distance", w.distance, 1 - km / p.max_km, out.km, Fixed(out.km, 1) + " km");
  } else {
    add("distance", w.distance, 1, nullptr, "no travel");
  }

  int visits = 0;
  double hours = 0;
  if (ctx.history) {
    if (auto it = ctx.history->client_visits.find({p.uid, r.client});
        !r.client.empty() && it != ctx.history->client_visits.end())
      visits = it->second;
    if (auto it = ctx.history->hours_4w.find(p.uid); it != ctx.history->hours_4w.end()) hours = it->second;
  }
  add("continuity", w.continuity, std::min(visits, 3) / 3.0, visits,
      visits ? "worked with this client " + std::to_string(visits) + "×" : "new to this client");
  add("fairness", w.fairness, 1 - hours / c.fairness_hours, Round(hours, 0.5),
      Fixed(Round(hours, 0.5), 1) + " h in the last 4 weeks");

  std::string liked;
  for (const auto& pref : p.preferences)
    if (Find(r.skills, pref) || Has(r.tags, pref)) liked = pref;
  add("preference", w.preference, liked.empty() ? 0 : 1, liked.empty() ? json(nullptr) : json(liked),
      liked.empty() ? "no stated preference for this" : "would rather do " + liked);

  for (const auto& l : r.languages)
    if (Has(p.languages, l)) {
      out.reasons.push_back({"language", 0, l, "speaks " + l});
      break;
    }
  for (const auto& need : r.certificates) out.reasons.push_back({"certificate", 0, need, need + " valid"});
  out.score = Round(out.score, 0.1);
  return out;
}

PeopleIndex::PeopleIndex(const std::vector<Person>& people) {
  for (const auto& p : people)
    if (p.home && p.problem.empty()) {
      by_lat_.push_back({p.home->lat, &p});
      max_km_ = std::max(max_km_, p.max_km);
    }
  std::sort(by_lat_.begin(), by_lat_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

std::vector<const Person*> PeopleIndex::Near(const Place& place, double km) const {
  std::vector<const Person*> out;
  double band = km / kKmPerDegree;  // a degree of latitude is the same length everywhere
  auto lo = std::lower_bound(by_lat_.begin(), by_lat_.end(), place.lat - band,
                             [](const auto& e, double lat) { return e.first < lat; });
  for (auto it = lo; it != by_lat_.end() && it->first <= place.lat + band; ++it)
    if (DistanceKm(*it->second->home, place) <= km) out.push_back(it->second);
  return out;
}

Ranking Rank(const Request& r, const PeopleIndex& index, const std::vector<Person>& people, const Context& context) {
  Ranking out;
  Context ctx = context;
  if (!ctx.request_offset && ctx.offset) ctx.request_offset = ctx.offset(ctx.config->timezone, r.window.start);
  std::vector<const Person*> pool;
  if (r.place && r.problem.empty()) {
    pool = index.Near(*r.place, index.max_km());
    int unmatchable = 0;
    for (const auto& p : people) unmatchable += !p.problem.empty();
    if (unmatchable) out.excluded["profile"] = unmatchable;
    int far = static_cast<int>(people.size()) - unmatchable - static_cast<int>(pool.size());
    if (far) out.excluded["distance"] = far;
  } else {
    for (const auto& p : people) pool.push_back(&p);
  }
  for (const Person* p : pool) {
    Rule rule = Excludes(*p, r, ctx);
    if (rule != Rule::kNone) {
      ++out.excluded[RuleName(rule)];
      continue;
    }
    out.candidates.push_back(Score(*p, r, ctx));
  }
  std::sort(out.candidates.begin(), out.candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.person->title != b.person->title) return a.person->title < b.person->title;
    return a.person->uid < b.person->uid;
  });
  return out;
}

}  // namespace coophub::matching
