// SPDX-License-Identifier: Apache-2.0
// A coop's own scoring step, run as a connector is; see scorer.h.
#include "matching/scorer.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "base/timeutil.h"

namespace coophub::matching {
namespace {

json Words(const std::vector<std::string>& words) { return json(words); }

json PersonJson(const Person& p) {
  json skills = json::array();
  for (const auto& s : p.skills) skills.push_back({{"name", s.name}, {"level", s.level}});
  json certificates = json::array();
  for (const auto& c : p.certificates) certificates.push_back({{"name", c.name}, {"expires", c.expires}});
  return {{"uid", p.uid},
          {"id", p.id},
          {"title", p.title},
          {"skills", skills},
          {"languages", Words(p.languages)},
          {"preferences", Words(p.preferences)},
          {"certificates", certificates},
          {"area", p.postcode},
          {"max_km", p.max_km}};
}

json RequestJson(const Request& r) {
  json skills = json::array();
  for (const auto& s : r.skills) skills.push_back({{"name", s.name}, {"level", s.level}});
  return {{"uid", r.uid},
          {"id", r.id},
          {"title", r.title},
          {"client", r.client},
          {"skills", skills},
          {"languages", Words(r.languages)},
          {"certificates", Words(r.certificates)},
          {"tags", Words(r.tags)},
          {"area", r.postcode},
          {"start", FormatRfc3339(r.window.start)},
          {"end", FormatRfc3339(r.window.end)}};
}

// A scored line's reasons: [{"text", "code"?, "points"?}], or the built-in ones when
// it gives none.
Result<std::vector<Reason>> ReadReasons(const json& list, const std::string& where) {
  std::vector<Reason> out;
  if (!list.is_array()) return Status::Invalid(where + ": reasons must be a list of {text, code, points}");
  for (const auto& r : list) {
    if (!r.is_object() || !r.contains("text") || !r["text"].is_string())
      return Status::Invalid(where + ": each reason is {\"text\": \"…\"}, with code and points if you like");
    Reason reason{"scorer", 0, nullptr, r["text"].get<std::string>().substr(0, 200)};
    if (r.contains("code") && r["code"].is_string()) reason.code = r["code"].get<std::string>().substr(0, 40);
    if (r.contains("points") && r["points"].is_number()) reason.points = r["points"].get<double>();
    reason.value = r.contains("value") ? r["value"] : json(nullptr);
    out.push_back(std::move(reason));
  }
  return out;
}

}  // namespace

json ScorerInput(const std::vector<ScoreJob>& jobs, const Context& ctx) {
  json requests = json::array();
  for (const auto& job : jobs) {
    json candidates = json::array();
    for (const auto& c : *job.candidates) {
      json reasons = json::array();
      for (const auto& r : c.reasons)
        reasons.push_back({{"code", r.code}, {"points", r.points}, {"value", r.value}, {"text", r.text}});
      double hours = 0;
      int visits = 0;
      if (ctx.history) {
        if (auto it = ctx.history->hours_4w.find(c.person->uid); it != ctx.history->hours_4w.end()) hours = it->second;
        if (auto it = ctx.history->client_visits.find({c.person->uid, job.request->client});
            it != ctx.history->client_visits.end())
          visits = it->second;
      }
      candidates.push_back({{"person", PersonJson(*c.person)},
                            {"km", job.request->place ? json(c.km) : json(nullptr)},
                            {"score", c.score},
                            {"reasons", reasons},
                            {"hours_4_weeks", hours},
                            {"client_visits", visits}});
    }
    requests.push_back({{"request", RequestJson(*job.request)}, {"candidates", candidates}});
  }
  return {{"requests", requests}};
}

Status Scorer::Rescore(const std::vector<ScoreJob>& jobs, const Context& ctx) const {
  if (jobs.empty()) return Status::Ok();
  RunRequest run;
  run.command = Command::kRead;
  run.config = ScorerInput(jobs, ctx);
  run.workdir = workdir_;
  run.limits.timeout_ms = timeout_ms_;
  run.limits.heartbeat_ms = timeout_ms_;
  run.limits.memory_bytes = int64_t{256} << 20;
  // (request uid, person uid) → where that candidate is.
  std::map<std::pair<int64_t, int64_t>, Candidate*> at;
  for (const auto& job : jobs)
    for (auto& c : *job.candidates) at[{job.request->uid, c.person->uid}] = &c;
  std::map<Candidate*, Candidate> scored;  // applied only once the whole run is good
  RunResult result = RunConnector(program_, run, [&](Message&& m) -> Status {
    if (m.type != MsgType::kRecord) return Status::Ok();  // LOG and the like: the runner's
    const json& record = m.body["record"];
    const json data = record.contains("data") ? record["data"] : json::object();
    if (!data.is_object() || !data.contains("request") || !data.contains("person") || !data.contains("score") ||
        !data["request"].is_number_integer() || !data["person"].is_number_integer() || !data["score"].is_number())
      return Status::Invalid("a score is a RECORD whose data has request, person (uids) and score (0-100)");
    auto it = at.find({data["request"].get<int64_t>(), data["person"].get<int64_t>()});
    std::string who = "request " + data["request"].dump() + ", person " + data["person"].dump();
    if (it == at.end()) return Status::Invalid(who + " is not a candidate it was given");
    double score = data["score"].get<double>();
    if (score < 0 || score > 100) return Status::Invalid(who + ": score " + data["score"].dump() + " is not 0-100");
    Candidate c = *it->second;
    c.score = std::round(score * 10) / 10;
    if (data.contains("reasons")) {
      auto reasons = ReadReasons(data["reasons"], who);
      if (!reasons.ok()) return reasons.status();
      c.reasons = std::move(*reasons);
    }
    scored[it->second] = std::move(c);
    return Status::Ok();
  });
  if (result.outcome != RunResult::Outcome::kOk)
    return Status::Unavailable("matching.scorer " + program_.name + ": " + result.message +
                               " (the built-in scores are shown instead)");
  for (auto& [where, c] : scored) *where = std::move(c);
  for (const auto& job : jobs)
    std::stable_sort(job.candidates->begin(), job.candidates->end(), [](const Candidate& a, const Candidate& b) {
      if (a.score != b.score) return a.score > b.score;
      return a.person->title != b.person->title ? a.person->title < b.person->title : a.person->uid < b.person->uid;
    });
  return Status::Ok();
}

}  // namespace coophub::matching
