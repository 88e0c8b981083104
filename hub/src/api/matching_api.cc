// SPDX-License-Identifier: Apache-2.0
//
// Matching through the API, for coordinators (editors): what the matcher reads and what
// it cannot use, a request's ranked candidates with their reasons, and a proposal that
// assigns many open requests at once. See matching/matcher.h and docs/matching.md.
// A person's home never leaves the hub: candidates carry a distance rounded to 0.5 km,
// requests an area (their postcode), not an address.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <set>

#include "api/accounts_api.h"
#include "api/handlers.h"
#include "base/timeutil.h"
#include "matching/matcher.h"

namespace coophub {
namespace {

std::string ToLower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

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

// The open requests, soonest first, each with its problem if it cannot be matched:
// ?limit=N (default 100, at most 1000).
ApiResponse OpenRequests(const Services& hub, const ApiRequest& req, const Principal&, const Params&) {
  if (auto bad = CheckParams(req, {"limit"})) return *bad;
  if (!hub.matcher) return NotConfigured();
  int64_t limit = 100;
  if (std::string text = Param(req, "limit"); !text.empty() && (!ParseInt(text, &limit) || limit < 1 || limit > 1000))
    return Problem(400, "Bad limit", "limit is a number from 1 to 1000");
  auto s = Snapshot(hub);
  if (!s.ok()) return FromStatus(s.status());
  int64_t now = hub.matcher->Now();
  std::vector<const matching::Request*> open;
  for (const auto& r : (*s)->requests)
    if ((*s)->Open(r, now)) open.push_back(&r);
  std::stable_sort(open.begin(), open.end(), [](const matching::Request* a, const matching::Request* b) {
    return a->window.start < b->window.start;
  });
  json items = json::array();
  for (size_t i = 0; i < open.size() && static_cast<int64_t>(i) < limit; ++i) {
    json item = RequestJson(*open[i]);
    if (!open[i]->problem.empty()) item["problem"] = open[i]->problem;
    items.push_back(std::move(item));
  }
  return Json(200, {{"items", items}, {"count", open.size()}});
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
  json out = {
      {"request", request}, {"items", items}, {"count", ranking->candidates.size()}, {"excluded", ranking->excluded}};
  if (!ranking->scorer_error.empty()) out["scorer_error"] = ranking->scorer_error;
  return Json(200, out);
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
  for (const auto& a : result->assignments) {
    json item = {{"request", a.request}, {"person", a.person}, {"score", a.score}};
    if (auto at = (*s)->person_at.find(a.person); at != (*s)->person_at.end())
      item["person_title"] = (*s)->people[at->second].title;
    assignments.push_back(std::move(item));
  }
  json out = {{"assignments", assignments},
              {"total", result->total},
              {"unassigned", result->unassigned},
              {"optimal", result->optimal}};
  if (!result->scorer_error.empty()) out["scorer_error"] = result->scorer_error;
  return Json(200, out);
}

}  // namespace coophub

// ------------------------------------------------------------------------- Offers

namespace coophub {
namespace {

constexpr int64_t kOfferLinkDays = 3;  // a link answers for 3 days, or until the request starts

json OfferJson(const matching::Offer& o, const matching::Snapshot* s) {
  json j = {{"id", o.id},
            {"request", o.request},
            {"person", o.person},
            {"status", o.status},
            {"reason", o.reason},
            {"offered_by", o.offered_by},
            {"created", FormatRfc3339(o.created_ms / 1000)},
            {"expires", FormatRfc3339(o.expires_ms / 1000)}};
  if (o.answered_ms) j["answered"] = FormatRfc3339(o.answered_ms / 1000);
  if (s) {  // what the person is offered: the area and the time, never the address
    if (auto it = s->request_at.find(o.request); it != s->request_at.end()) {
      json r = RequestJson(s->requests[it->second]);
      r.erase("source");
      j["request_summary"] = r;
    }
    if (auto it = s->person_at.find(o.person); it != s->person_at.end())
      j["person_title"] = s->people[it->second].title;
  }
  return j;
}

ApiResponse OfferProblem(const Status& s) {
  switch (s.code()) {
    case Status::Code::kConflict:
      return Problem(409, "Taken", s.message());
    case Status::Code::kNotFound:
      return Problem(404, "No such offer", s.message());
    case Status::Code::kInvalid:
      return Problem(409, "Offer closed", s.message());
    default:
      return FromStatus(s);
  }
}

// The caller's offer, or a problem: only the person it was made to answers it.
Result<matching::Offer> OwnOffer(const Services& hub, const Principal& who, const std::string& id_text) {
  int64_t id = 0;
  if (!ParseInt(id_text, &id) || id <= 0) return Status::Invalid("the offer id is a positive number");
  auto offer = hub.offers->Get(id);
  if (!offer.ok()) return offer.status();
  auto s = hub.matcher->Current();
  if (!s.ok()) return s.status();
  auto mine = (*s)->person_by_account.find(ToLower(who.name));
  if (mine == (*s)->person_by_account.end() || mine->second != offer->person)
    return Status::NotFound("no offer " + id_text + " for you");
  return *offer;
}

ApiResponse Answer(const Services& hub, const Principal& who, const matching::Offer& offer, bool accept,
                   const std::string& reason, const std::string& by) {
  int64_t now = hub.matcher->Now() * 1000;
  auto done = accept ? hub.offers->Accept(offer.id, now) : hub.offers->Decline(offer.id, reason, now);
  if (!done.ok()) return OfferProblem(done.status());
  Audit(hub, who, accept ? "offer.accept" : "offer.decline", "request " + std::to_string(offer.request),
        "offer " + std::to_string(offer.id) + " by " + by + (reason.empty() ? "" : ": " + reason.substr(0, 200)));
  auto s = hub.matcher->Current();
  return Json(200, OfferJson(*done, s.ok() ? s->get() : nullptr));
}

// {"reason": "…"} or nothing.
Result<std::string> DeclineReason(const ApiRequest& req) {
  if (req.body.empty()) return std::string();
  auto body = ReadJsonBody(req);
  if (!body.ok()) return body.status();
  if (!body->contains("reason")) return std::string();
  if (!(*body)["reason"].is_string()) return Status::Invalid("reason is text");
  return (*body)["reason"].get<std::string>();
}

}  // namespace

// {"people": [uid…], "expires_in": "72h"?}: offers to each; each must be able to take it.
ApiResponse MakeOffers(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (!hub.matcher || !hub.offers) return NotConfigured();
  int64_t uid = 0;
  if (!ParseInt(p[0], &uid) || uid <= 0) return Problem(400, "Bad uid", "the request's uid is a positive number");
  auto body = ReadJsonBody(req);
  if (!body.ok()) return Problem(400, "Bad body", body.status().message());
  const json& people = (*body)["people"];
  if (!people.is_array() || people.empty() || people.size() > 100)
    return Problem(400, "Bad body", "people is a list of 1 to 100 person uids");
  int64_t now = hub.matcher->Now();
  int64_t expires = now + kOfferLinkDays * 86400;
  if (body->contains("expires_in")) {
    auto ms =
        (*body)["expires_in"].is_string() ? ParseDurationMs((*body)["expires_in"].get<std::string>()) : std::nullopt;
    if (!ms || *ms < 60000 || *ms > 30LL * 86400000)
      return Problem(400, "Bad body", "expires_in is a duration from 1m to 30d, such as 72h");
    expires = now + *ms / 1000;
  }
  auto s = Snapshot(hub);
  if (!s.ok()) return FromStatus(s.status());
  auto at = (*s)->request_at.find(uid);
  if (at == (*s)->request_at.end())
    return Problem(404, "No such request", "no request with uid " + p[0] + " in the sources matching.requests names");
  const matching::Request& r = (*s)->requests[at->second];
  if (!(*s)->Open(r, now)) return Problem(409, "Request not open", "it is taken, or it has started");
  expires = std::min(expires, r.window.start);
  matching::Context ctx = hub.matcher->ContextOf(**s);
  std::vector<std::pair<int64_t, std::string>> to;
  for (const auto& u : people) {
    auto pa = u.is_number_integer() ? (*s)->person_at.find(u.get<int64_t>()) : (*s)->person_at.end();
    if (pa == (*s)->person_at.end())
      return Problem(400, "Bad body", "people: " + u.dump().substr(0, 40) + " is not a person matching reads");
    const matching::Person& person = (*s)->people[pa->second];
    if (auto rule = matching::Excludes(person, r, ctx); rule != matching::Rule::kNone)
      return Problem(400, "Cannot take it",
                     person.title + " (" + std::to_string(person.uid) + ") cannot take this request: the " +
                         matching::RuleName(rule) + " rule excludes them");
    to.emplace_back(person.uid, person.id);
  }
  auto made = hub.offers->Make(uid, to, who.name, now * 1000, expires * 1000);
  if (!made.ok()) return FromStatus(made.status());
  json items = json::array();
  for (const auto& [offer, secret] : *made) {
    json j = OfferJson(offer, s->get());
    j["link"] = "/api/v1/offer-links/" + secret;  // shown this once: the API's answer …
    j["page"] = "/offer/" + secret;               // … and the page a person opens
    items.push_back(j);
    Audit(hub, who, "offer.make", "request " + std::to_string(uid), "to person " + std::to_string(offer.person));
  }
  return Json(201, {{"items", items}});
}

ApiResponse RequestOffers(const Services& hub, const ApiRequest& req, const Principal&, const Params& p) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.matcher || !hub.offers) return NotConfigured();
  int64_t uid = 0;
  if (!ParseInt(p[0], &uid) || uid <= 0) return Problem(400, "Bad uid", "the request's uid is a positive number");
  auto offers = hub.offers->ForRequest(uid);
  if (!offers.ok()) return FromStatus(offers.status());
  auto s = Snapshot(hub);
  json items = json::array();
  for (const auto& o : *offers) items.push_back(OfferJson(o, s.ok() ? s->get() : nullptr));
  return Json(200, {{"items", items}});
}

// The caller's own offers (the person whose account field is their name).
ApiResponse MyOffers(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.matcher || !hub.offers) return NotConfigured();
  auto s = Snapshot(hub);
  if (!s.ok()) return FromStatus(s.status());
  json items = json::array();
  if (auto me = (*s)->person_by_account.find(ToLower(who.name)); me != (*s)->person_by_account.end()) {
    auto offers = hub.offers->ForPerson(me->second);
    if (!offers.ok()) return FromStatus(offers.status());
    for (const auto& o : *offers) items.push_back(OfferJson(o, s->get()));
  }
  return Json(200, {{"items", items}});
}

ApiResponse AcceptOffer(const Services& hub, const ApiRequest&, const Principal& who, const Params& p) {
  if (!hub.matcher || !hub.offers) return NotConfigured();
  auto offer = OwnOffer(hub, who, p[0]);
  if (!offer.ok()) return OfferProblem(offer.status());
  return Answer(hub, who, *offer, true, "", who.name);
}

ApiResponse DeclineOffer(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (!hub.matcher || !hub.offers) return NotConfigured();
  auto reason = DeclineReason(req);
  if (!reason.ok()) return Problem(400, "Bad body", reason.status().message());
  auto offer = OwnOffer(hub, who, p[0]);
  if (!offer.ok()) return OfferProblem(offer.status());
  return Answer(hub, who, *offer, false, *reason, who.name);
}

// The link of an offer, for a person who does not sign in: the secret is the right.
ApiResponse OfferByLink(const Services& hub, const ApiRequest& req, const Principal&, const Params& p) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.matcher || !hub.offers) return NotConfigured();
  auto offer = hub.offers->ByLink(p[0]);
  if (!offer.ok()) return OfferProblem(offer.status());
  auto s = Snapshot(hub);
  return Json(200, OfferJson(*offer, s.ok() ? s->get() : nullptr));
}

ApiResponse AnswerByLink(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (!hub.matcher || !hub.offers) return NotConfigured();
  bool accept = p[1] == "accept";
  if (!accept && p[1] != "decline") return Problem(404, "Not found", "answer an offer with accept or decline");
  auto reason = accept ? Result<std::string>(std::string()) : DeclineReason(req);
  if (!reason.ok()) return Problem(400, "Bad body", reason.status().message());
  auto offer = hub.offers->ByLink(p[0]);
  if (!offer.ok()) return OfferProblem(offer.status());
  return Answer(hub, who, *offer, accept, *reason, "link");
}

}  // namespace coophub

// ------------------------------------------------------- Requests that fit you

namespace coophub {
namespace {

// The caller as a person matching reads, or nullptr.
const matching::Person* CallerPerson(const matching::Snapshot& s, const Principal& who) {
  auto it = s.person_by_account.find(ToLower(who.name));
  return it == s.person_by_account.end() ? nullptr : &s.people[s.person_at.at(it->second)];
}

using Fit = std::pair<matching::Candidate, const matching::Request*>;

// The open requests person may take, best first (then soonest), leaving out those they
// were offered already (their offers say those) and those they turned down.
Result<std::vector<Fit>> FitsOf(const Services& hub, const matching::Snapshot& s, const matching::Person& person) {
  std::set<int64_t> asked;
  if (hub.offers) {
    auto offers = hub.offers->ForPerson(person.uid);
    if (!offers.ok()) return offers.status();
    for (const auto& o : *offers) asked.insert(o.request);
  }
  int64_t now = hub.matcher->Now();
  matching::Context ctx = hub.matcher->ContextOf(s);
  std::vector<Fit> fits;
  for (const auto& r : s.requests) {
    if (!s.Open(r, now) || !r.problem.empty() || asked.count(r.uid)) continue;
    if (matching::Excludes(person, r, ctx) != matching::Rule::kNone) continue;
    fits.emplace_back(matching::Score(person, r, ctx), &r);
  }
  // The coop's scorer, if any, scores these too: one candidate per request, one run.
  std::vector<std::vector<matching::Candidate>> one(fits.size());
  std::vector<matching::ScoreJob> jobs;
  for (size_t i = 0; i < fits.size(); ++i) {
    one[i].push_back(fits[i].first);
    jobs.push_back({fits[i].second, &one[i]});
  }
  if (hub.matcher->Rescore(s, jobs).empty())
    for (size_t i = 0; i < fits.size(); ++i) fits[i].first = one[i].front();
  std::stable_sort(fits.begin(), fits.end(), [](const Fit& a, const Fit& b) {
    return a.first.score != b.first.score ? a.first.score > b.first.score
                                          : a.second->window.start < b.second->window.start;
  });
  return fits;
}

}  // namespace

// Open requests the caller (as a person) may take, best first: the area and time of
// each, never the client's address, with the caller's own score and its reasons.
// Requests already offered to them are in /api/v1/offers instead; declined ones are gone.
ApiResponse RequestsForMe(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.matcher) return NotConfigured();
  auto s = Snapshot(hub);
  if (!s.ok()) return FromStatus(s.status());
  const matching::Person* me = CallerPerson(**s, who);
  if (!me) return Json(200, {{"items", json::array()}, {"person", nullptr}});
  json person = {{"uid", me->uid}, {"title", me->title}};
  if (!me->problem.empty()) person["problem"] = me->problem;  // theirs to correct
  auto found = FitsOf(hub, **s, *me);
  if (!found.ok()) return FromStatus(found.status());
  const std::vector<Fit>& fits = *found;
  json items = json::array();
  for (size_t i = 0; i < fits.size() && i < 50; ++i) {
    const auto& [c, r] = fits[i];
    json request = RequestJson(*r);
    request.erase("source");
    items.push_back({{"request", request},
                     {"score", c.score},
                     {"km", r->place ? json(c.km) : json(nullptr)},
                     {"reasons", Reasons(c)}});
  }
  return Json(200, {{"items", items}, {"person", person}, {"count", fits.size()}});
}

// The caller takes (or turns down) a request that fits them, with no offer made: an
// offer to them is made and answered in one go, so the first accept still wins and the
// coordinator sees who said no, and why.
namespace {

ApiResponse AnswerRequestAs(const Services& hub, const Principal& who, const std::string& uid_text, bool accept,
                            const std::string& reason) {
  int64_t uid = 0;
  if (!ParseInt(uid_text, &uid) || uid <= 0) return Problem(400, "Bad uid", "the request's uid is a positive number");
  auto s = Snapshot(hub);
  if (!s.ok()) return FromStatus(s.status());
  const matching::Person* me = CallerPerson(**s, who);
  auto at = (*s)->request_at.find(uid);
  if (!me || at == (*s)->request_at.end())
    return Problem(404, "No such request", "no request " + uid_text.substr(0, 20) + " for you");
  const matching::Request& r = (*s)->requests[at->second];
  int64_t now = hub.matcher->Now();
  if (!(*s)->Open(r, now)) return Problem(409, "Taken", "someone else took this request first, or it has started");
  if (auto rule = matching::Excludes(*me, r, hub.matcher->ContextOf(**s)); rule != matching::Rule::kNone)
    return Problem(409, "Does not fit",
                   std::string("this request does not fit you: the ") + matching::RuleName(rule) + " rule");
  auto made = hub.offers->Make(uid, {{me->uid, me->id}}, who.name, now * 1000, r.window.start * 1000);
  if (!made.ok()) return FromStatus(made.status());
  return Answer(hub, who, made->front().first, accept, reason, who.name);
}

}  // namespace

ApiResponse AnswerRequest(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (!hub.matcher || !hub.offers) return NotConfigured();
  bool accept = p[1] == "accept";
  if (!accept && p[1] != "decline") return Problem(404, "Not found", "answer a request with accept or decline");
  auto reason = accept ? Result<std::string>(std::string()) : DeclineReason(req);
  if (!reason.ok()) return Problem(400, "Bad body", reason.status().message());
  return AnswerRequestAs(hub, who, p[0], accept, *reason);
}

}  // namespace coophub

// ------------------------------------------------------------ The offer's page

namespace coophub {
namespace {

// The page of an offer found by its link, with what was just done (a catalog key).
ApiResponse OfferPageFor(const Services& hub, const ApiRequest& req, const Principal& who, const std::string& secret,
                         const std::string& said) {
  OfferView v;
  v.ctx = Context(hub, req, who, "/offer/" + secret);
  v.action = "/offer/" + secret;
  v.said = said;
  auto offer = hub.offers->ByLink(secret);
  auto s = hub.matcher->Current();
  if (!offer.ok() || !s.ok()) {
    v.status = "unknown";
    ApiResponse page = HtmlPage(hub, req, v.ctx, RenderOffer(v));
    page.status = offer.ok() ? 503 : 404;
    return page;
  }
  v.status = offer->status;
  int64_t now = hub.matcher->Now();
  if (v.status == "offered" && offer->expires_ms && now * 1000 >= offer->expires_ms) v.status = "closed";
  if (auto at = (*s)->request_at.find(offer->request); at != (*s)->request_at.end()) {
    const matching::Request& r = (*s)->requests[at->second];
    v.title = r.title;
    v.area = r.postcode;
    v.start = r.window.start;
    v.end = r.window.end;
    auto pa = (*s)->person_at.find(offer->person);
    matching::Context ctx = hub.matcher->ContextOf(**s);
    if (pa != (*s)->person_at.end() && v.status == "offered" &&
        matching::Excludes((*s)->people[pa->second], r, ctx) == matching::Rule::kNone)
      for (const auto& reason : matching::Score((*s)->people[pa->second], r, ctx).reasons)
        v.reasons.emplace_back(reason.code, reason.value);
  }
  return HtmlPage(hub, req, v.ctx, RenderOffer(v));
}

}  // namespace

ApiResponse OfferPage(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(req, {"lang"})) return *bad;
  if (!hub.matcher || !hub.offers) return NotConfigured();
  return OfferPageFor(hub, req, who, p[0], "");
}

// The form of the offer's page: answer=accept|decline, reason.
ApiResponse OfferForm(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (!hub.matcher || !hub.offers) return NotConfigured();
  auto form = ReadFormBody(req);
  const std::string& answer = form["answer"];
  if (answer != "accept" && answer != "decline") return OfferPageFor(hub, req, who, p[0], "");
  auto offer = hub.offers->ByLink(p[0]);
  if (!offer.ok()) return OfferPageFor(hub, req, who, p[0], "");
  ApiResponse done = Answer(hub, who, *offer, answer == "accept", form["reason"], "link");
  std::string said = done.status == 200 ? (answer == "accept" ? "offer.accepted" : "offer.declined")
                     : done.status == 409 && answer == "accept" ? "offer.taken"
                                                                : "";
  ApiResponse page = OfferPageFor(hub, req, who, p[0], said);
  if (done.status != 200) page.status = done.status;
  return page;
}

}  // namespace coophub

// ------------------------------------------------------------ Work for you

namespace coophub {
namespace {

std::vector<std::pair<std::string, json>> ReasonPairs(const matching::Candidate& c) {
  std::vector<std::pair<std::string, json>> out;
  for (const auto& r : c.reasons) out.emplace_back(r.code, r.value);
  return out;
}

}  // namespace

Result<WorkView> WorkOf(const Services& hub, const Principal& who, size_t limit) {
  WorkView v;
  if (!hub.matcher) return v;
  auto s = hub.matcher->Current();
  if (!s.ok()) return s.status();
  const matching::Person* me = CallerPerson(**s, who);
  if (!me) return v;
  v.matched = true;
  v.problem = me->problem;
  int64_t now = hub.matcher->Now();
  matching::Context ctx = hub.matcher->ContextOf(**s);
  if (hub.offers) {  // offers waiting for an answer, soonest first
    auto offers = hub.offers->ForPerson(me->uid);
    if (!offers.ok()) return offers.status();
    std::vector<WorkItem> waiting;
    for (const auto& o : *offers) {
      auto at = (*s)->request_at.find(o.request);
      if (o.status != "offered" || (o.expires_ms && now * 1000 >= o.expires_ms) || at == (*s)->request_at.end())
        continue;
      const matching::Request& r = (*s)->requests[at->second];
      if (!(*s)->Open(r, now)) continue;
      WorkItem item{o.id, r.uid, r.title, r.postcode, o.offered_by, r.window.start, r.window.end, {}};
      if (matching::Excludes(*me, r, ctx) == matching::Rule::kNone)
        item.reasons = ReasonPairs(matching::Score(*me, r, ctx));
      waiting.push_back(std::move(item));
    }
    std::stable_sort(waiting.begin(), waiting.end(),
                     [](const WorkItem& a, const WorkItem& b) { return a.start < b.start; });
    v.total = waiting.size();
    for (auto& item : waiting)
      if (v.items.size() < limit) v.items.push_back(std::move(item));
  }
  auto fits = FitsOf(hub, **s, *me);
  if (!fits.ok()) return fits.status();
  v.total += fits->size();
  for (const auto& [c, r] : *fits) {
    if (v.items.size() >= limit) break;
    v.items.push_back({0, r->uid, r->title, r->postcode, "", r->window.start, r->window.end, ReasonPairs(c)});
  }
  return v;
}

namespace {

constexpr size_t kWorkPageItems = 50;

ApiResponse WorkPageFor(const Services& hub, const ApiRequest& req, const Principal& who, const std::string& said) {
  auto work = WorkOf(hub, who, kWorkPageItems);
  if (!work.ok()) return FromStatus(work.status());
  work->ctx = Context(hub, req, who, "/work");
  work->said = said;
  return HtmlPage(hub, req, work->ctx, RenderWork(*work));
}

// What a member's page of matching answers before it is itself: a bad parameter, the
// sign-in for a stranger (then back to path), or that matching is not set up.
std::optional<ApiResponse> MemberPageFirst(const Services& hub, const ApiRequest& req, const Principal& who,
                                           const std::string& path) {
  if (auto bad = CheckParams(req, {"lang"})) return *bad;
  if (who.role == Role::kAnonymous) {
    return SignInFirst(path);
  }
  if (!hub.matcher) return NotConfigured();
  return std::nullopt;
}

}  // namespace

ApiResponse WorkPage(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto first = MemberPageFirst(hub, req, who, "/work")) return *first;
  return WorkPageFor(hub, req, who, "");
}

// The forms of /work and of the dashboard: offer=ID or request=UID, answer=accept|decline,
// reason. The page says what came of it.
ApiResponse WorkForm(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (who.via != "session")
    return Problem(403, "Sign in on the page",
                   "the /work form is for a signed-in browser; an API client answers with "
                   "POST /api/v1/offers/{id}/accept or /api/v1/requests/{uid}/accept");
  if (!hub.matcher || !hub.offers) return NotConfigured();
  auto form = ReadFormBody(req);
  const std::string& answer = form["answer"];
  bool accept = answer == "accept";
  if (!accept && answer != "decline") return Problem(400, "Bad form", "answer is accept or decline");
  std::string reason = accept ? "" : form["reason"];
  ApiResponse done;
  if (form.count("offer")) {
    auto offer = OwnOffer(hub, who, form["offer"]);
    done = offer.ok() ? Answer(hub, who, *offer, accept, reason, who.name) : OfferProblem(offer.status());
  } else if (form.count("request")) {
    done = AnswerRequestAs(hub, who, form["request"], accept, reason);
  } else {
    return Problem(400, "Bad form", "the form names an offer (offer=ID) or a request (request=UID)");
  }
  std::string said = done.status == 200   ? (accept ? "offer.accepted" : "offer.declined")
                     : done.status == 409 ? "offer.taken"
                                          : "work.failed";
  ApiResponse page = WorkPageFor(hub, req, who, said);
  if (done.status != 200 && page.status == 200) page.status = done.status;
  return page;
}

}  // namespace coophub

// ------------------------------------------------------ Your matching profile

namespace coophub {
namespace {

// The caller's profile: as matching reads it now (corrections and all), the record it
// comes from, and their corrections.
struct OwnProfile {
  std::shared_ptr<const matching::Snapshot> snapshot;
  const matching::Person* now = nullptr;  // null: the caller is no person matching reads
  json record;                            // the person's record, as its source gave it
  json edits = json::object();
};

Result<OwnProfile> ReadOwnProfile(const Services& hub, const Principal& who) {
  OwnProfile own;
  auto s = hub.matcher->Current();
  if (!s.ok()) return s.status();
  own.snapshot = *s;
  own.now = CallerPerson(**s, who);
  if (!own.now) return own;
  auto text = hub.store.GetRecord(own.now->uid);
  if (!text.ok()) return text.status();
  own.record = json::parse(*text, nullptr, false);
  if (hub.profile_edits) {
    auto edits = hub.profile_edits->For(own.now->uid);
    if (!edits.ok()) return edits.status();
    own.edits = std::move(*edits);
  }
  return own;
}

std::vector<ProfileField> FieldsOf(const Services& hub, const OwnProfile& own) {
  const auto& config = hub.matcher->config();
  matching::Person source = matching::ReadPerson(own.record, config, hub.matcher->postcodes());
  std::vector<ProfileField> out;
  for (const char* name : matching::kEditableFields) {
    if (matching::EditablePath(config, name).empty()) continue;  // the coop does not match on it
    ProfileField f{name, matching::FieldText(*own.now, name), matching::FieldText(source, name),
                   own.edits.contains(name), true};
    if (!f.edited) f.source_value.clear();
    out.push_back(std::move(f));
  }
  if (!config.people.certificates.empty())
    out.push_back({"certificates", matching::FieldText(*own.now, "certificates"), "", false, false});
  return out;
}

json ProfileJson(const Services& hub, const OwnProfile& own) {
  if (!own.now) return {{"person", nullptr}};
  json fields = json::array();
  for (const auto& f : FieldsOf(hub, own)) {
    json j = {{"name", f.name}, {"value", f.value}, {"edited", f.edited}, {"editable", f.editable}};
    if (f.edited) j["source_value"] = f.source_value;
    fields.push_back(std::move(j));
  }
  json out = {{"person", {{"uid", own.now->uid}, {"title", own.now->title}}}, {"fields", fields}};
  if (!own.now->problem.empty()) out["problem"] = own.now->problem;
  auto hours = own.snapshot->history.hours_4w.find(own.now->uid);
  out["hours_4_weeks"] = hours == own.snapshot->history.hours_4w.end() ? 0.0 : hours->second;
  return out;
}

// Lays changes ({field: "text", or null to take a correction back}) over the caller's
// corrections. A value the coop's records already say is no correction: it is dropped.
Status ChangeProfile(const Services& hub, const Principal& who, const OwnProfile& own, const json& changes) {
  if (!changes.is_object()) return Status::Invalid("the body is an object of fields: {\"skills\": \"cooking:3\"}");
  const auto& config = hub.matcher->config();
  matching::Person source = matching::ReadPerson(own.record, config, hub.matcher->postcodes());
  json edits = own.edits;
  std::string what;
  for (const auto& [field, value] : changes.items()) {
    bool known = false;
    for (const char* name : matching::kEditableFields) known |= field == name;
    if (!known)
      return Status::Invalid("\"" + field.substr(0, 40) +
                             "\" is not a field you may correct (skills, languages, postcode, max_km, hours, "
                             "preferences)");
    if (value.is_null() || (value.is_string() && value.get<std::string>() == matching::FieldText(source, field))) {
      edits.erase(field);
    } else {
      if (Status s = matching::CheckEdit(config, hub.matcher->postcodes(), field, value); !s.ok()) return s;
      edits[field] = value;
    }
    what += (what.empty() ? "" : ", ") + field;
  }
  if (edits == own.edits) return Status::Ok();
  if (Status s = hub.profile_edits->Put(own.now->uid, edits, who.name, hub.matcher->Now() * 1000); !s.ok()) return s;
  Audit(hub, who, "profile.edit", "person " + std::to_string(own.now->uid), what);
  return Status::Ok();
}

ApiResponse ProfilePageFor(const Services& hub, const ApiRequest& req, const Principal& who, const std::string& said,
                           const std::string& error) {
  auto own = ReadOwnProfile(hub, who);
  if (!own.ok()) return FromStatus(own.status());
  ProfileView v;
  v.ctx = Context(hub, req, who, "/profile");
  v.said = said;
  v.error = error;
  if (own->now) {
    v.matched = true;
    v.title = own->now->title;
    v.problem = own->now->problem;
    v.fields = FieldsOf(hub, *own);
    auto hours = own->snapshot->history.hours_4w.find(own->now->uid);
    if (hours != own->snapshot->history.hours_4w.end()) v.hours_4w = hours->second;
  }
  return HtmlPage(hub, req, v.ctx, RenderProfile(v));
}

}  // namespace

ApiResponse MyMatchingProfile(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.matcher) return NotConfigured();
  auto own = ReadOwnProfile(hub, who);
  if (!own.ok()) return FromStatus(own.status());
  return Json(200, ProfileJson(hub, *own));
}

ApiResponse PutMyMatchingProfile(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (!hub.matcher || !hub.profile_edits) return NotConfigured();
  auto body = ReadJsonBody(req);
  if (!body.ok()) return Problem(400, "Bad body", body.status().message());
  auto own = ReadOwnProfile(hub, who);
  if (!own.ok()) return FromStatus(own.status());
  if (!own->now)
    return Problem(404, "No matching profile",
                   "your account is no person matching reads: ask your coordinator to put your account name in your "
                   "member record");
  if (Status s = ChangeProfile(hub, who, *own, *body); !s.ok()) {
    if (s.code() == Status::Code::kInvalid) return Problem(400, "Bad profile", s.message());
    return FromStatus(s);
  }
  auto after = ReadOwnProfile(hub, who);
  if (!after.ok()) return FromStatus(after.status());
  return Json(200, ProfileJson(hub, *after));
}

ApiResponse ProfilePage(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto first = MemberPageFirst(hub, req, who, "/profile")) return *first;
  return ProfilePageFor(hub, req, who, "", "");
}

// The profile's form: each editable field's text; reset=FIELD takes that correction back.
ApiResponse ProfileForm(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (who.via != "session")
    return Problem(403, "Sign in on the page",
                   "the /profile form is for a signed-in browser; an API client uses PUT /api/v1/me/matching");
  if (!hub.matcher || !hub.profile_edits) return NotConfigured();
  auto own = ReadOwnProfile(hub, who);
  if (!own.ok()) return FromStatus(own.status());
  if (!own->now) return ProfilePageFor(hub, req, who, "", "");
  auto form = ReadFormBody(req);
  json changes = json::object();
  if (form.count("reset")) {
    changes[form["reset"]] = nullptr;
  } else {
    // Only what changed from what the page showed: the rest stays as it is.
    for (const auto& f : FieldsOf(hub, *own))
      if (f.editable && form.count(f.name) && form[f.name] != f.value) changes[f.name] = form[f.name];
  }
  Status s = ChangeProfile(hub, who, *own, changes);
  if (!s.ok() && s.code() != Status::Code::kInvalid) return FromStatus(s);
  ApiResponse page = ProfilePageFor(hub, req, who, s.ok() ? "profile.saved" : "", s.ok() ? "" : s.message());
  if (!s.ok()) page.status = 400;
  return page;
}

}  // namespace coophub
