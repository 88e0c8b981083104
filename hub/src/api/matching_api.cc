// SPDX-License-Identifier: Apache-2.0
//
// Matching through the API, for coordinators (editors): what the matcher reads and what
// it cannot use, a request's ranked candidates with their reasons, and a proposal that
// assigns many open requests at once. See matching/matcher.h and docs/matching.md.
// A person's home never leaves the hub: candidates carry a distance rounded to 0.5 km,
// requests an area (their postcode), not an address.
#include <charconv>
#include <cstdint>

#include "api/accounts_api.h"
#include "api/handlers.h"
#include "base/timeutil.h"
#include "matching/matcher.h"

namespace coophub {
namespace {

bool ParseInt(const std::string& s, int64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

ApiResponse NotConfigured() {
  return Problem(404, "Matching is not set up",
                 "add a matching: section to hub.yaml naming the sources of people and requests (docs/matching.md)");
}

json Reasons(const matching::Candidate& c) {
  json out = json::array();
  for (const auto& r : c.reasons)
    out.push_back({{"code", r.code}, {"points", r.points}, {"value", r.value}, {"text", r.text}});
  return out;
}

json RequestJson(const matching::Request& r) {
  return {{"uid", r.uid},
          {"source", r.source},
          {"id", r.id},
          {"title", r.title},
          {"area", r.postcode},
          {"start", FormatRfc3339(r.window.start)},
          {"end", FormatRfc3339(r.window.end)}};
}

Result<std::shared_ptr<const matching::Snapshot>> Snapshot(const Services& hub) { return hub.matcher->Current(); }

}  // namespace

ApiResponse MatchingStatus(const Services& hub, const ApiRequest& req, const Principal&, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.matcher) return NotConfigured();
  auto s = Snapshot(hub);
  if (!s.ok()) return FromStatus(s.status());
  int64_t now = hub.matcher->Now();
  int open = 0;
  for (const auto& r : (*s)->requests) open += (*s)->Open(r, now) && r.problem.empty();
  json problems = json::array();
  for (size_t i = 0; i < (*s)->problems.size() && i < 100; ++i) problems.push_back((*s)->problems[i]);
  const auto& c = hub.matcher->config();
  json missing = json::array();
  for (const auto* list : {&c.people.sources, &c.requests.sources, &c.busy.sources})
    for (const auto& id : *list)
      if (!hub.config.FindSource(id) && !(hub.sources && hub.sources->Find(id))) missing.push_back(id);
  return Json(200,
              {{"people", (*s)->people.size()},
               {"requests", (*s)->requests.size()},
               {"open_requests", open},
               {"problems", problems},
               {"problem_count", (*s)->problems.size()},
               {"missing_sources", missing},
               {"sources", {{"people", c.people.sources}, {"requests", c.requests.sources}, {"busy", c.busy.sources}}},
               {"weights",
                {{"skills", c.weights.skills},
                 {"distance", c.weights.distance},
                 {"continuity", c.weights.continuity},
                 {"fairness", c.weights.fairness},
                 {"preference", c.weights.preference}}}});
}

// ?limit=N (default 20, at most 500) or ?limit=all: every feasible candidate.
ApiResponse RequestCandidates(const Services& hub, const ApiRequest& req, const Principal&, const Params& p) {
  if (auto bad = CheckParams(req, {"limit"})) return *bad;
  if (!hub.matcher) return NotConfigured();
  int64_t uid = 0;
  if (!ParseInt(p[0], &uid) || uid <= 0) return Problem(400, "Bad uid", "the request's uid is a positive number");
  std::string limit_text = Param(req, "limit");
  size_t limit = 20;
  if (limit_text == "all") {
    limit = SIZE_MAX;
  } else if (!limit_text.empty()) {
    int64_t n = 0;
    if (!ParseInt(limit_text, &n) || n < 1 || n > 500)
      return Problem(400, "Bad limit", "limit is a number from 1 to 500, or all");
    limit = static_cast<size_t>(n);
  }
  auto s = Snapshot(hub);
  if (!s.ok()) return FromStatus(s.status());
  auto ranking = hub.matcher->Candidates(**s, uid);
  if (!ranking.ok()) {
    if (ranking.status().code() == Status::Code::kNotFound)
      return Problem(404, "No such request", ranking.status().message());
    return Problem(422, "Request cannot be matched", ranking.status().message());
  }
  const matching::Request& r = (*s)->requests.at((*s)->request_at.at(uid));
  json items = json::array();
  for (size_t i = 0; i < ranking->candidates.size() && i < limit; ++i) {
    const auto& c = ranking->candidates[i];
    items.push_back({{"person", {{"uid", c.person->uid}, {"title", c.person->title}}},
                     {"score", c.score},
                     {"km", r.place ? json(c.km) : json(nullptr)},
                     {"reasons", Reasons(c)}});
  }
  json request = RequestJson(r);
  request["open"] = (*s)->Open(r, hub.matcher->Now());
  return Json(
      200,
      {{"request", request}, {"items", items}, {"count", ranking->candidates.size()}, {"excluded", ranking->excluded}});
}

// {"requests": [uid…], "capacity": N?} → a proposal: {"assignments": [{"request", "person",
// "score"}], "total", "unassigned": [uid…], "optimal"}. Nothing is written.
ApiResponse AssignRequests(const Services& hub, const ApiRequest& req, const Principal&, const Params&) {
  if (!hub.matcher) return NotConfigured();
  auto body = ReadJsonBody(req);
  if (!body.ok()) return Problem(400, "Bad body", body.status().message());
  for (const auto& [key, _] : body->items())
    if (key != "requests" && key != "capacity")
      return Problem(400, "Bad body", "unknown field \"" + key.substr(0, 40) + "\" (requests, capacity)");
  const json& list = (*body)["requests"];
  if (!list.is_array() || list.empty() || list.size() > 5000)
    return Problem(400, "Bad body", "requests is a list of 1 to 5000 request uids");
  std::vector<int64_t> uids;
  for (const auto& u : list) {
    if (!u.is_number_integer())
      return Problem(400, "Bad body", "requests: " + u.dump().substr(0, 40) + " is not a uid");
    uids.push_back(u.get<int64_t>());
  }
  std::optional<int> capacity;
  if (body->contains("capacity") && !(*body)["capacity"].is_null()) {
    const json& c = (*body)["capacity"];
    if (!c.is_number_integer() || c.get<int64_t>() < 1 || c.get<int64_t>() > 1000)
      return Problem(400, "Bad body", "capacity is a number of requests from 1 to 1000");
    capacity = c.get<int>();
  }
  auto s = Snapshot(hub);
  if (!s.ok()) return FromStatus(s.status());
  auto result = hub.matcher->Assign(**s, uids, capacity);
  if (!result.ok()) return Problem(400, "Bad requests", result.status().message());
  json assignments = json::array();
  for (const auto& a : result->assignments)
    assignments.push_back({{"request", a.request}, {"person", a.person}, {"score", a.score}});
  return Json(200, {{"assignments", assignments},
                    {"total", result->total},
                    {"unassigned", result->unassigned},
                    {"optimal", result->optimal}});
}

}  // namespace coophub
