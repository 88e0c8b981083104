// SPDX-License-Identifier: Apache-2.0
// The Matcher over a store; see matcher.h.
#include "matching/matcher.h"

#include <algorithm>

#include "base/timeutil.h"
#include "i18n/dates.h"
#include <spdlog/spdlog.h>

namespace coophub::matching {
namespace {

constexpr int64_t kFourWeeks = 28 * 86400;
constexpr int64_t kStale = 60;  // a snapshot older than this is made again (history moves with now)

// Every record of a kind in the sources, oldest first, page by page.
Status ReadAll(Store& store, const std::vector<std::string>& sources, const std::string& kind, const std::string& since,
               const std::function<void(const json&)>& each) {
  for (const auto& source : sources) {
    RecordQuery q;
    q.source = source;
    q.kind = kind;
    q.since = since;
    q.limit = 500;
    q.oldest_first = true;
    for (;;) {
      auto page = store.ListRecords(q);
      if (!page.ok()) return page.status().Prefixed("matching: reading " + source);
      for (const auto& r : page->Items()) each(r);
      if (page->next_cursor.empty()) break;
      q.cursor = page->next_cursor;
    }
  }
  return Status::Ok();
}

int64_t Offset(const std::string& zone, int64_t unix) { return UtcOffsetSeconds(zone, unix); }

}  // namespace

Matcher::Matcher(Store& store, MatchingConfig config, Postcodes postcodes, std::function<int64_t()> now, Offers* offers,
                 ProfileEdits* edits)
    : store_(store),
      config_(std::move(config)),
      postcodes_(std::move(postcodes)),
      now_(std::move(now)),
      offers_(offers),
      edits_(edits) {}

int64_t Matcher::Now() const { return now_ ? now_() : NowUnix(); }

Context Matcher::ContextOf(const Snapshot& s) const {
  Context c;
  c.config = &config_;
  c.history = &s.history;
  c.offset = &Offset;
  return c;
}

Result<std::shared_ptr<const Snapshot>> Matcher::Current() {
  int64_t seq = store_.LastSeq(), now = Now();
  std::string stamp;
  if (offers_) {
    auto s = offers_->Stamp();
    if (!s.ok()) return s.status();
    stamp = *s;
  }
  if (edits_) {
    auto s = edits_->Stamp();
    if (!s.ok()) return s.status();
    stamp += "/" + *s;
  }
  {
    MutexLock lock(mu_);
    if (current_ && current_->seq == seq && current_->stamp == stamp && now - current_->made < kStale) return current_;
  }
  auto made = Load(seq, stamp, now);
  if (!made.ok()) return made.status();
  MutexLock lock(mu_);
  current_ = *made;
  return current_;
}

Result<std::shared_ptr<const Snapshot>> Matcher::Load(int64_t seq, const std::string& stamp, int64_t now) const {
  auto s = std::make_shared<Snapshot>();
  s->seq = seq;
  s->stamp = stamp;
  s->made = now;
  std::map<int64_t, json> edits;
  if (edits_) {
    auto all = edits_->All();
    if (!all.ok()) return all.status().Prefixed("matching: reading the members' corrections");
    edits = std::move(*all);
  }
  auto people = ReadAll(store_, config_.people.sources, "person", "", [&](const json& r) {
    auto edited = r.contains("uid") ? edits.find(r["uid"].get<int64_t>()) : edits.end();
    s->people.push_back(edited == edits.end() ? ReadPerson(r, config_, postcodes_)
                                              : ReadPerson(WithEdits(r, edited->second, config_), config_, postcodes_));
  });
  if (!people.ok()) return people;
  auto requests = ReadAll(store_, config_.requests.sources, "task", "",
                          [&](const json& r) { s->requests.push_back(ReadRequest(r, config_, postcodes_)); });
  if (!requests.ok()) return requests;
  if (offers_) {  // accepted through the hub: taken, as if the record named the assignee
    auto accepted = offers_->Accepted();
    if (!accepted.ok()) return accepted.status().Prefixed("matching: reading the accepted offers");
    for (auto& r : s->requests)
      if (auto it = accepted->find(r.uid); it != accepted->end() && r.assignee.empty())
        r.assignee = it->second.person_id;
  }
  std::map<std::string, size_t> at;
  for (size_t i = 0; i < s->people.size(); ++i) {
    const Person& p = s->people[i];
    at.emplace(p.id, i);
    s->person_by_id.emplace(p.id, p.uid);
    s->person_at[p.uid] = i;
    if (!p.account.empty()) s->person_by_account.emplace(p.account, p.uid);
    if (!p.problem.empty()) s->problems.push_back(p.source + "/" + p.id + ": " + p.problem);
  }
  // The past: what each person took, for fairness, continuity and their busy times.
  for (size_t i = 0; i < s->requests.size(); ++i) {
    const Request& r = s->requests[i];
    s->request_at[r.uid] = i;
    if (!r.problem.empty()) s->problems.push_back(r.source + "/" + r.id + ": " + r.problem);
    auto p = at.find(r.assignee);
    if (r.assignee.empty() || p == at.end() || !r.problem.empty()) continue;
    Person& person = s->people[p->second];
    person.busy.push_back(r.window);
    if (r.window.start >= now - kFourWeeks && r.window.start < now)
      s->history.hours_4w[person.uid] += static_cast<double>(r.window.end - r.window.start) / 3600;
    if (!r.client.empty() && r.window.start < now) ++s->history.client_visits[{person.uid, r.client}];
  }
  if (!config_.busy.sources.empty()) {
    auto busy = ReadAll(store_, config_.busy.sources, "event", FormatRfc3339(now - 86400), [&](const json& r) {
      const json* v = ValueAt(r, config_.busy.person);
      if (!v || !v->is_string()) return;
      auto p = at.find(v->get<std::string>());
      auto t0 = r.contains("time") && r["time"].is_string() ? ParseRfc3339(r["time"].get<std::string>()) : std::nullopt;
      if (p == at.end() || !t0) return;
      auto t1 = r.contains("end") && r["end"].is_string() ? ParseRfc3339(r["end"].get<std::string>()) : std::nullopt;
      s->people[p->second].busy.push_back({*t0, t1 && *t1 > *t0 ? *t1 : *t0 + 3600});
    });
    if (!busy.ok()) return busy;
  }
  for (auto& p : s->people)
    std::sort(p.busy.begin(), p.busy.end(), [](const Interval& a, const Interval& b) { return a.start < b.start; });
  s->index = std::make_unique<PeopleIndex>(s->people);
  return std::shared_ptr<const Snapshot>(std::move(s));
}

Result<Ranking> Matcher::Candidates(const Snapshot& s, int64_t request_uid) const {
  auto it = s.request_at.find(request_uid);
  if (it == s.request_at.end())
    return Status::NotFound("no request with uid " + std::to_string(request_uid) +
                            " in the sources matching.requests names");
  const Request& r = s.requests[it->second];
  if (!r.problem.empty())
    return Status::Invalid("request " + r.source + "/" + r.id + " cannot be matched: " + r.problem);
  Ranking ranking = Rank(r, *s.index, s.people, ContextOf(s));
  ranking.scorer_error = Rescore(s, {{&r, &ranking.candidates}});
  return ranking;
}

std::string Matcher::Rescore(const Snapshot& s, const std::vector<ScoreJob>& jobs) const {
  if (!scorer_) return "";
  Status done = scorer_->Rescore(jobs, ContextOf(s));
  if (done.ok()) return "";
  spdlog::warn("{}", done.message());
  return done.message();
}

Result<AssignResult> Matcher::Assign(const Snapshot& s, const std::vector<int64_t>& request_uids,
                                     std::optional<int> capacity) const {
  std::vector<Offerable> offers;
  int64_t now = Now();
  for (int64_t uid : request_uids) {
    auto it = s.request_at.find(uid);
    if (it == s.request_at.end()) return Status::Invalid("requests: no request with uid " + std::to_string(uid));
    const Request& r = s.requests[it->second];
    if (!s.Open(r, now))
      return Status::Invalid("requests: " + r.source + "/" + r.id + " is not open (taken, or in the past)");
    if (std::any_of(offers.begin(), offers.end(), [&](const Offerable& o) { return o.request == &r; }))
      return Status::Invalid("requests: uid " + std::to_string(uid) + " is given twice");
    Offerable o{&r, {}};
    if (r.problem.empty()) o.candidates = Rank(r, *s.index, s.people, ContextOf(s)).candidates;
    offers.push_back(std::move(o));
  }
  std::vector<ScoreJob> jobs;
  for (auto& o : offers) jobs.push_back({o.request, &o.candidates});
  std::string scorer_error = Rescore(s, jobs);
  auto result = AssignOptimal(offers, capacity, config_.batch_candidates);
  result.scorer_error = scorer_error;
  return result;
}

}  // namespace coophub::matching
