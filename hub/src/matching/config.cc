// SPDX-License-Identifier: Apache-2.0
// hub.yaml's `matching:` section; see matching.h.
#include <set>

#include "base/timeutil.h"
#include "matching/matching.h"

namespace coophub::matching {
namespace {

// The field paths of each side, by key: the table the parser and the docs follow.
template <class Side>
using PathTable = std::vector<std::pair<const char*, FieldPath Side::*>>;

const PathTable<PeopleFields> kPeoplePaths = {
    {"skills", &PeopleFields::skills},     {"languages", &PeopleFields::languages},
    {"location", &PeopleFields::location}, {"postcode", &PeopleFields::postcode},
    {"max_km", &PeopleFields::max_km},     {"certificates", &PeopleFields::certificates},
    {"hours", &PeopleFields::hours},       {"preferences", &PeopleFields::preferences},
    {"account", &PeopleFields::account},
};
const PathTable<RequestFields> kRequestPaths = {
    {"skills", &RequestFields::skills},
    {"languages", &RequestFields::languages},
    {"location", &RequestFields::location},
    {"postcode", &RequestFields::postcode},
    {"certificates", &RequestFields::certificates},
    {"client", &RequestFields::client},
    {"duration", &RequestFields::duration},
    {"assignee", &RequestFields::assignee},
    {"requester", &RequestFields::requester},
};
const std::vector<std::pair<const char*, double Weights::*>> kWeights = {
    {"skills", &Weights::skills},     {"distance", &Weights::distance},     {"continuity", &Weights::continuity},
    {"fairness", &Weights::fairness}, {"preference", &Weights::preference},
};

Status Unknown(const json& j, const std::string& where, std::set<std::string> known) {
  for (const auto& [key, _] : j.items())
    if (!known.count(key)) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      return Status::Invalid(where + ": unknown key \"" + key + "\" (known: " + list + ")");
    }
  return Status::Ok();
}

Status Sources(const json& j, const std::string& where, std::vector<std::string>* out) {
  if (!j.contains("sources")) return Status::Invalid(where + ".sources: missing: name the sources, as a list");
  const json& s = j["sources"];
  if (!s.is_array() || s.empty()) return Status::Invalid(where + ".sources: must be a list of source ids");
  for (const auto& id : s) {
    if (!id.is_string() || id.get<std::string>().empty())
      return Status::Invalid(where + ".sources: " + id.dump() + " is not a source id");
    out->push_back(id.get<std::string>());
  }
  return Status::Ok();
}

// A side's section: its sources and, for any attribute it names, where it lives.
template <class Side>
Status ReadSide(const json& j, const std::string& where, const PathTable<Side>& paths, Side* out) {
  if (!j.is_object()) return Status::Invalid(where + ": must be a map (sources: [...], skills: data.skills, ...)");
  std::set<std::string> known = {"sources"};
  for (const auto& [key, _] : paths) known.insert(key);
  if (auto s = Unknown(j, where, known); !s.ok()) return s;
  if (auto s = Sources(j, where, &out->sources); !s.ok()) return s;
  for (const auto& [key, member] : paths) {
    if (!j.contains(key)) continue;
    const json& v = j[key];
    if (v.is_null()) {
      out->*member = "";  // not used
    } else if (v.is_string()) {
      out->*member = v.get<std::string>();
    } else {
      return Status::Invalid(where + "." + key + ": must be a field (location) or a path (data.skills)");
    }
  }
  return Status::Ok();
}

Status Number(const json& j, const std::string& key, const std::string& where, double lo, double hi, double* out) {
  if (!j.contains(key)) return Status::Ok();
  const json& v = j[key];
  if (!v.is_number() || v.get<double>() < lo || v.get<double>() > hi)
    return Status::Invalid(where + "." + key + ": " + v.dump() + " must be a number from " + json(lo).dump() + " to " +
                           json(hi).dump());
  *out = v.get<double>();
  return Status::Ok();
}

}  // namespace

Result<MatchingConfig> ParseMatching(const json& j, const std::string& where) {
  MatchingConfig c;
  if (!j.is_object()) return Status::Invalid(where + ": matching must be a map (people:, requests:, ...)");
  if (auto s = Unknown(j, where,
                       {"people", "requests", "busy", "postcodes", "timezone", "max_km", "fairness_hours",
                        "batch_candidates", "weights", "scorer", "scorer_timeout"});
      !s.ok())
    return s;
  if (!j.contains("people")) return Status::Invalid(where + ".people: missing: which sources list the people?");
  if (!j.contains("requests")) return Status::Invalid(where + ".requests: missing: which sources list the requests?");
  if (auto s = ReadSide(j["people"], where + ".people", kPeoplePaths, &c.people); !s.ok()) return s;
  if (auto s = ReadSide(j["requests"], where + ".requests", kRequestPaths, &c.requests); !s.ok()) return s;
  if (j.contains("busy")) {
    const json& b = j["busy"];
    if (!b.is_object()) return Status::Invalid(where + ".busy: must be a map (sources: [...], person: data.person)");
    if (auto s = Unknown(b, where + ".busy", {"sources", "person"}); !s.ok()) return s;
    if (auto s = Sources(b, where + ".busy", &c.busy.sources); !s.ok()) return s;
    if (b.contains("person")) {
      if (!b["person"].is_string()) return Status::Invalid(where + ".busy.person: must be a path (data.person)");
      c.busy.person = b["person"].get<std::string>();
    }
  }
  for (const char* key : {"postcodes", "timezone"})
    if (j.contains(key) && !j[key].is_string()) return Status::Invalid(where + "." + key + ": must be text");
  if (j.contains("postcodes")) c.postcodes = j["postcodes"].get<std::string>();
  if (j.contains("timezone")) c.timezone = j["timezone"].get<std::string>();
  if (auto s = Number(j, "max_km", where, 0.5, 1000, &c.max_km); !s.ok()) return s;
  if (auto s = Number(j, "fairness_hours", where, 1, 1000, &c.fairness_hours); !s.ok()) return s;
  double batch = c.batch_candidates;
  if (auto s = Number(j, "batch_candidates", where, 1, 1000, &batch); !s.ok()) return s;
  c.batch_candidates = static_cast<int>(batch);
  if (j.contains("scorer")) {
    if (!j["scorer"].is_string() || j["scorer"].get<std::string>().empty())
      return Status::Invalid(where + ".scorer: must name a program (exec:./score.py) or a plugin (.so)");
    c.scorer = j["scorer"].get<std::string>();
  }
  if (j.contains("scorer_timeout")) {
    auto ms = j["scorer_timeout"].is_string() ? ParseDurationMs(j["scorer_timeout"].get<std::string>()) : std::nullopt;
    if (!ms || *ms < 100 || *ms > 120000)
      return Status::Invalid(where + ".scorer_timeout: a duration from 100ms to 2m, such as 5s");
    c.scorer_timeout_ms = *ms;
  }
  if (j.contains("weights")) {
    const json& w = j["weights"];
    if (!w.is_object()) return Status::Invalid(where + ".weights: must be a map (skills: 3, distance: 2, ...)");
    std::set<std::string> known;
    for (const auto& [key, _] : kWeights) known.insert(key);
    if (auto s = Unknown(w, where + ".weights", known); !s.ok()) return s;
    for (const auto& [key, member] : kWeights)
      if (auto s = Number(w, key, where + ".weights", 0, 10, &(c.weights.*member)); !s.ok()) return s;
  }
  const Weights& w = c.weights;
  if (w.skills + w.distance + w.continuity + w.fairness + w.preference <= 0)
    return Status::Invalid(where + ".weights: at least one weight must be above 0");
  return c;
}

}  // namespace coophub::matching
