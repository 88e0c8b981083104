// SPDX-License-Identifier: Apache-2.0
// The matching engine: config, profiles, hard rules, scores and reasons, batch
// assignment against enumeration, and the Matcher over a SQLite store.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <random>

#include "base/timeutil.h"
#include "i18n/dates.h"
#include "matching/assign.h"
#include "matching/matcher.h"
#include "matching/matching.h"
#include "store/store.h"

namespace coophub::matching {
namespace {

MatchingConfig Config() {
  auto c = ParseMatching(json::parse(R"({"people": {"sources": ["carers"]}, "requests": {"sources": ["asks"]},
                                         "timezone": "Europe/Madrid", "max_km": 10})"),
                         "hub.yaml:3");
  EXPECT_TRUE(c.ok()) << c.status().message();
  return *c;
}

// Plaça de Catalunya, and places east of it along the same latitude.
constexpr Place kCentre{41.3870, 2.1700};
Place East(double km) { return {kCentre.lat, kCentre.lon + km / (111.32 * std::cos(kCentre.lat * M_PI / 180))}; }

json PersonRecord(int64_t uid, const std::string& id, Place home, json data) {
  return {{"uid", uid},       {"id", id},    {"source", "carers"},
          {"kind", "person"}, {"title", id}, {"location", {{"lat", home.lat}, {"lon", home.lon}}},
          {"data", data}};
}

// A request on Monday 2027-01-11, 10:00-11:00 in Barcelona (09:00Z: CET is UTC+1).
json RequestRecord(int64_t uid, Place at, json data, const std::string& time = "2027-01-11T09:00:00Z") {
  return {{"uid", uid},
          {"id", "r" + std::to_string(uid)},
          {"source", "asks"},
          {"kind", "task"},
          {"title", "visit"},
          {"time", time},
          {"location", {{"lat", at.lat}, {"lon", at.lon}}},
          {"data", data}};
}

int64_t ZoneOffset(const std::string& zone, int64_t t) { return UtcOffsetSeconds(zone, t); }

struct Fixture {
  MatchingConfig config = Config();
  History history;
  Context Ctx() const { return {&config, &history, &ZoneOffset, std::nullopt}; }
};

TEST(MatchingConfig, StrictAndNamed) {
  EXPECT_EQ(Config().people.sources, std::vector<std::string>{"carers"});
  auto bad = [](const char* text) {
    auto c = ParseMatching(json::parse(text), "hub.yaml:7");
    EXPECT_FALSE(c.ok()) << text;
    return c.ok() ? "" : c.status().message();
  };
  EXPECT_NE(bad(R"({"people": {"sources": ["a"]}, "requests": {"sources": ["b"]}, "weight": {}})")
                .find("hub.yaml:7: unknown key \"weight\""),
            std::string::npos);
  EXPECT_NE(bad(R"({"people": {"sources": ["a"]}, "requests": {"sources": ["b"]}, "weights": {"distance": 11}})")
                .find("hub.yaml:7.weights.distance: 11 must be a number from 0"),
            std::string::npos);
  EXPECT_NE(bad(R"({"people": {"sources": []}, "requests": {"sources": ["b"]}})").find("people.sources"),
            std::string::npos);
  EXPECT_NE(bad(R"({"people": {"sources": ["a"], "skill": "data.s"}, "requests": {"sources": ["b"]}})")
                .find("people: unknown key \"skill\""),
            std::string::npos);
  EXPECT_NE(bad(R"({"people": {"sources": ["a"]}})").find("requests: missing"), std::string::npos);
  EXPECT_NE(bad(R"({"people": {"sources": ["a"]}, "requests": {"sources": ["b"]}, "scorer": ""})")
                .find("hub.yaml:7.scorer: must name a program"),
            std::string::npos);
  EXPECT_NE(bad(R"({"people": {"sources": ["a"]}, "requests": {"sources": ["b"]}, "scorer_timeout": "1h"})")
                .find("hub.yaml:7.scorer_timeout: a duration from 100ms to 2m"),
            std::string::npos);
  auto scored = ParseMatching(json::parse(R"({"people": {"sources": ["a"]}, "requests": {"sources": ["b"]},
                                              "scorer": "exec:./score.py", "scorer_timeout": "5s"})"),
                              "hub.yaml:7");
  ASSERT_TRUE(scored.ok()) << scored.status().message();
  EXPECT_EQ(scored->scorer, "exec:./score.py");
  EXPECT_EQ(scored->scorer_timeout_ms, 5000);
}

TEST(MatchingProfile, ReadsSpreadsheetAndJsonForms) {
  MatchingConfig c = Config();
  Postcodes postcodes = {{"08001", {41.38, 2.17}}};
  json data = {{"skills", "Nursing:3; cooking"},
               {"languages", "CA, es"},
               {"max_km", "7.5"},
               {"certificates", "first-aid:2027-03-01; driving"},
               {"hours", "mon-fri 08:00-14:00; sat 09:00-12:00,16:00-18:00"},
               {"postcode", "08001"}};
  Person p = ReadPerson({{"uid", 4}, {"id", "c4"}, {"title", "Aina"}, {"data", data}}, c, postcodes);
  EXPECT_EQ(p.problem, "");
  ASSERT_EQ(p.skills.size(), 2u);
  EXPECT_EQ(p.skills[0].name, "nursing");
  EXPECT_EQ(p.skills[0].level, 3);
  EXPECT_EQ(p.skills[1].level, 1);
  EXPECT_EQ(p.languages, (std::vector<std::string>{"ca", "es"}));
  EXPECT_DOUBLE_EQ(p.max_km, 7.5);
  ASSERT_TRUE(p.home);  // by the postcode
  EXPECT_DOUBLE_EQ(p.home->lat, 41.38);
  ASSERT_EQ(p.certificates.size(), 2u);
  EXPECT_EQ(p.certificates[0].expires, "2027-03-01");
  EXPECT_EQ(p.certificates[1].expires, "");
  ASSERT_TRUE(p.weekly);
  EXPECT_EQ((*p.weekly)[0], (DayHours{{480, 840}}));
  EXPECT_EQ((*p.weekly)[5], (DayHours{{540, 720}, {960, 1080}}));
  EXPECT_TRUE((*p.weekly)[6].empty());

  json objects = {{"skills", {{{"name", "nursing"}, {"level", 4}}}}, {"hours", {{"tue", {"08:00-12:00"}}}}};
  Person q = ReadPerson(PersonRecord(5, "c5", kCentre, objects), c, {});
  EXPECT_EQ(q.problem, "");
  EXPECT_EQ(q.skills[0].level, 4);
  EXPECT_EQ((*q.weekly)[1], (DayHours{{480, 720}}));
}

TEST(MatchingProfile, ProblemsNameTheField) {
  MatchingConfig c = Config();
  auto problem = [&](json record) { return ReadPerson(record, c, {}).problem; };
  EXPECT_EQ(problem({{"id", "x"}, {"data", json::object()}}), "location: no location (lat/lon) and no known postcode");
  EXPECT_EQ(problem({{"id", "x"}, {"data", {{"postcode", "99999"}}}}).rfind("data.postcode: postcode \"99999\"", 0),
            0u);
  EXPECT_EQ(problem(PersonRecord(1, "x", {0, 0}, json::object())), "location: (0.0, 0.0) is not a place on Earth");
  EXPECT_EQ(problem(PersonRecord(1, "x", {95, 2}, json::object())).rfind("location: (95", 0), 0u);
  EXPECT_EQ(problem(PersonRecord(1, "x", kCentre, {{"max_km", "far"}})),
            "data.max_km: \"far\" is not a distance in km");
  EXPECT_EQ(problem(PersonRecord(1, "x", kCentre, {{"skills", "nursing:9"}})).rfind("data.skills: \"nursing:9\"", 0),
            0u);
  EXPECT_EQ(problem(PersonRecord(1, "x", kCentre, {{"hours", "mon 14:00-08:00"}})),
            "data.hours: \"14:00-08:00\" is not hours (08:00-14:00)");
  EXPECT_EQ(problem(PersonRecord(1, "x", kCentre, {{"hours", "someday 08:00-10:00"}})).rfind("data.hours: ", 0), 0u);
  EXPECT_EQ(problem(PersonRecord(1, "x", kCentre, {{"certificates", "first-aid:soon"}})),
            "data.certificates: \"soon\" is not a date (2027-03-01)");
}

// A member's profile as text and back: what FieldText writes, ReadPerson reads the same;
// corrections lay over the record (a postcode displaces the location); a bad one is
// named by the field, in the member's terms.
TEST(MatchingProfile, FieldsReadBackAndCorrectionsAreChecked) {
  MatchingConfig c = Config();
  Postcodes postcodes = {{"08001", {41.38, 2.17}}, {"08002", {41.39, 2.18}}};
  json data = {{"skills", "Nursing:3; cooking"},
               {"languages", "CA, es"},
               {"max_km", "7.5"},
               {"certificates", "first-aid:2027-03-01"},
               {"hours", "mon-fri 08:00-14:00; sat 09:00-12:00,16:00-18:00"},
               {"preferences", "cooking"},
               {"postcode", "08001"}};
  Person p = ReadPerson(PersonRecord(4, "c4", kCentre, data), c, postcodes);
  ASSERT_EQ(p.problem, "");
  EXPECT_EQ(FieldText(p, "skills"), "nursing:3; cooking:1");
  EXPECT_EQ(FieldText(p, "languages"), "ca, es");
  EXPECT_EQ(FieldText(p, "max_km"), "7.5");
  EXPECT_EQ(FieldText(p, "hours"), "mon-fri 08:00-14:00; sat 09:00-12:00, 16:00-18:00");
  EXPECT_EQ(FieldText(p, "postcode"), "08001");
  EXPECT_EQ(FieldText(p, "certificates"), "first-aid:2027-03-01");
  json again = data;
  for (const char* field : {"skills", "languages", "max_km", "hours", "preferences"})
    again[field] = FieldText(p, field);
  Person q = ReadPerson(PersonRecord(4, "c4", kCentre, again), c, postcodes);
  EXPECT_EQ(q.problem, "");
  EXPECT_EQ(FieldText(q, "skills"), FieldText(p, "skills"));
  EXPECT_EQ(*q.weekly, *p.weekly);
  std::array<DayHours, 7> odd{};
  odd[0] = {{60, 120}};
  odd[2] = {{60, 120}};
  odd[6] = {{0, 1439}};
  EXPECT_EQ(FormatWeeklyHours(odd), "mon 01:00-02:00; wed 01:00-02:00; sun 00:00-23:59");

  json edits = {{"skills", "cooking:4"}, {"postcode", "08002"}, {"certificates", "forged:2099-01-01"}};
  Person r = ReadPerson(WithEdits(PersonRecord(4, "c4", kCentre, data), edits, c), c, postcodes);
  EXPECT_EQ(r.problem, "");
  EXPECT_EQ(FieldText(r, "skills"), "cooking:4");
  ASSERT_TRUE(r.home);
  EXPECT_DOUBLE_EQ(r.home->lat, 41.39) << "the postcode given takes the location's place";
  EXPECT_EQ(FieldText(r, "certificates"), "first-aid:2027-03-01") << "certificates are not the member's to set";

  EXPECT_TRUE(CheckEdit(c, postcodes, "hours", "mon-fri 09:00-13:00").ok());
  EXPECT_TRUE(CheckEdit(c, postcodes, "max_km", "12").ok());
  EXPECT_EQ(CheckEdit(c, postcodes, "hours", "9 to 5").message(),
            "hours: \"9 to 5\" is not days and hours (mon-fri 08:00-14:00)");
  EXPECT_EQ(CheckEdit(c, postcodes, "max_km", "far").message(), "max_km: \"far\" is not a distance in km");
  EXPECT_EQ(CheckEdit(c, postcodes, "skills", "nursing:9").message().rfind("skills: \"nursing:9\"", 0), 0u);
  EXPECT_EQ(CheckEdit(c, postcodes, "postcode", "99999").message(),
            "postcode: \"99999\" is not one of the coop's postcodes");
  EXPECT_FALSE(CheckEdit(c, postcodes, "certificates", "x").ok());
  EXPECT_EQ(CheckEdit(c, postcodes, "skills", 3).message(), "skills: text, please");
}

TEST(MatchingRules, EachHardRuleExcludes) {
  Fixture f;
  json good = {{"skills", "nursing:3"},
               {"languages", "ca"},
               {"certificates", "first-aid:2027-01-11"},
               {"hours", "mon 09:30-12:00"},
               {"max_km", "5"}};
  Person p = ReadPerson(PersonRecord(1, "c1", East(3), good), f.config, {});
  ASSERT_EQ(p.problem, "");
  json ask = {{"skills", "nursing:2"}, {"languages", "ca, es"}, {"certificates", "first-aid"}};
  Request r = ReadRequest(RequestRecord(10, kCentre, ask), f.config, {});
  ASSERT_EQ(r.problem, "");
  EXPECT_EQ(Excludes(p, r, f.Ctx()), Rule::kNone);  // certificate valid through its last day

  auto with = [&](const char* key, json value) {
    json d = good;
    d[key] = value;
    return ReadPerson(PersonRecord(1, "c1", East(3), d), f.config, {});
  };
  EXPECT_EQ(Excludes(with("max_km", "2.5"), r, f.Ctx()), Rule::kDistance);
  EXPECT_EQ(Excludes(with("languages", "en, ar"), r, f.Ctx()), Rule::kLanguage);
  EXPECT_EQ(Excludes(with("skills", "nursing:1"), r, f.Ctx()), Rule::kSkills);
  EXPECT_EQ(Excludes(with("skills", "cooking:5"), r, f.Ctx()), Rule::kSkills);
  EXPECT_EQ(Excludes(with("certificates", "first-aid:2027-01-10"), r, f.Ctx()), Rule::kCertificate);
  // 10:00-11:00 local: hours from 10:30 miss its start, Tuesday's hours miss the day.
  EXPECT_EQ(Excludes(with("hours", "mon 10:30-12:00"), r, f.Ctx()), Rule::kAvailability);
  EXPECT_EQ(Excludes(with("hours", "tue 08:00-20:00"), r, f.Ctx()), Rule::kAvailability);
  EXPECT_EQ(Excludes(with("hours", "mon 10:00-11:00"), r, f.Ctx()), Rule::kNone);
  // In UTC the same hours would be read an hour early: the zone is applied.
  f.config.timezone = "UTC";
  EXPECT_EQ(Excludes(with("hours", "mon 10:00-11:00"), r, f.Ctx()), Rule::kAvailability);
  f.config.timezone = "Europe/Madrid";
  Person busy = p;
  busy.busy = {{r.window.start + 1800, r.window.start + 7200}};
  EXPECT_EQ(Excludes(busy, r, f.Ctx()), Rule::kAvailability);
  busy.busy = {{r.window.end, r.window.end + 3600}};  // right after: free
  EXPECT_EQ(Excludes(busy, r, f.Ctx()), Rule::kNone);
  Person broken = p;
  broken.problem = "data.max_km: bad";
  EXPECT_EQ(Excludes(broken, r, f.Ctx()), Rule::kProfile);
  // A member asking the exchange is never their own match; online asks have no distance.
  json exchange = ask;
  exchange["requester"] = "c1";
  json online = RequestRecord(11, kCentre, exchange);
  online.erase("location");
  Request own = ReadRequest(online, f.config, {});
  EXPECT_EQ(Excludes(p, own, f.Ctx()), Rule::kSelf);
  own.requester = "c2";
  EXPECT_EQ(Excludes(with("max_km", "0.5"), own, f.Ctx()), Rule::kNone);
}

TEST(MatchingScore, ReasonsAddUpAndBetterRanksHigher) {
  Fixture f;
  json ask = {{"skills", "nursing:2"}, {"languages", "ca"}, {"client", "client-9"}};
  Request r = ReadRequest(RequestRecord(10, kCentre, ask), f.config, {});
  Person near =
      ReadPerson(PersonRecord(1, "near", East(1), {{"skills", "nursing:5"}, {"languages", "ca"}}), f.config, {});
  Person far =
      ReadPerson(PersonRecord(2, "far", East(8), {{"skills", "nursing:2"}, {"languages", "ca"}}), f.config, {});
  f.history.client_visits[{2, "client-9"}] = 3;
  f.history.hours_4w[1] = 40;
  for (const Person* p : {&near, &far}) {
    Candidate c = Score(*p, r, f.Ctx());
    double sum = 0;
    for (const auto& reason : c.reasons) sum += reason.points;
    EXPECT_NEAR(sum, c.score, 0.051) << p->id;
    EXPECT_GT(c.score, 0);
    EXPECT_LE(c.score, 100);
  }
  Candidate n = Score(near, r, f.Ctx()), fa = Score(far, r, f.Ctx());
  auto reason = [](const Candidate& c, const std::string& code) {
    for (const auto& x : c.reasons)
      if (x.code == code) return x;
    return Reason{};
  };
  EXPECT_EQ(reason(n, "distance").text, "1.0 km");
  EXPECT_EQ(reason(fa, "distance").text, "8.0 km");
  EXPECT_EQ(reason(fa, "continuity").text, "worked with this client 3×");
  EXPECT_EQ(reason(n, "fairness").points, 0);  // 40 h in 4 weeks: fairness counts nothing more
  EXPECT_EQ(reason(n, "language").text, "speaks ca");
  EXPECT_GT(reason(n, "skills").points, reason(fa, "skills").points);
  EXPECT_GT(reason(n, "distance").points, reason(fa, "distance").points);
  // Raising continuity's weight turns the order round.
  f.config.weights.continuity = 10;
  EXPECT_GT(Score(far, r, f.Ctx()).score, Score(near, r, f.Ctx()).score);
}

// Many people around the centre: the index finds exactly whom a scan of all finds.
TEST(MatchingRank, IndexAgreesWithAScanOfEveryone) {
  Fixture f;
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> dlat(-0.06, 0.06), dlon(-0.08, 0.08), km(1, 12);
  std::vector<Person> people;
  for (int i = 0; i < 800; ++i) {
    json rec = PersonRecord(i + 1, "c" + std::to_string(i), {kCentre.lat + dlat(rng), kCentre.lon + dlon(rng)},
                            {{"max_km", std::to_string(km(rng))}, {"skills", i % 3 ? "nursing:3" : "cooking:2"}});
    people.push_back(ReadPerson(rec, f.config, {}));
  }
  PeopleIndex index(people);
  for (int k = 0; k < 50; ++k) {
    Request r = ReadRequest(
        RequestRecord(1000 + k, {kCentre.lat + dlat(rng), kCentre.lon + dlon(rng)}, {{"skills", "nursing:2"}}),
        f.config, {});
    Ranking ranking = Rank(r, index, people, f.Ctx());
    std::set<int64_t> ranked, scanned;
    for (const auto& c : ranking.candidates) ranked.insert(c.person->uid);
    int excluded = 0;
    for (const auto& p : people) {
      if (Excludes(p, r, f.Ctx()) == Rule::kNone)
        scanned.insert(p.uid);
      else
        ++excluded;
    }
    EXPECT_EQ(ranked, scanned) << "request " << k;
    int counted = 0;
    for (const auto& [rule, n] : ranking.excluded) counted += n;
    EXPECT_EQ(counted, excluded);
    for (size_t i = 1; i < ranking.candidates.size(); ++i)
      EXPECT_GE(ranking.candidates[i - 1].score, ranking.candidates[i].score);
  }
}

// Small instances, every assignment enumerated: GLPK's total is the best one, and what
// it proposes keeps every rule; greedy is never better.
TEST(MatchingAssign, OptimalMatchesEnumeration) {
  std::mt19937 rng(11);
  for (int round = 0; round < 60; ++round) {
    int n_people = 2 + static_cast<int>(rng() % 3), n_requests = 3 + static_cast<int>(rng() % 4);
    std::vector<Person> people(static_cast<size_t>(n_people));
    for (int i = 0; i < n_people; ++i) {
      people[static_cast<size_t>(i)].uid = 100 + i;
      if (rng() % 3 == 0) {  // two hours a week
        std::array<DayHours, 7> week;
        week[0] = {{0, 120}};
        people[static_cast<size_t>(i)].weekly = week;
      }
    }
    std::vector<Request> requests(static_cast<size_t>(n_requests));
    std::vector<Offerable> offers;
    for (int j = 0; j < n_requests; ++j) {
      Request& r = requests[static_cast<size_t>(j)];
      r.uid = j + 1;
      int64_t start = 1'800'000'000 + static_cast<int64_t>(rng() % 6) * 1800;
      r.window = {start, start + 3600};
    }
    for (auto& r : requests) {
      Offerable o{&r, {}};
      for (auto& p : people)
        if (rng() % 4) o.candidates.push_back({&p, static_cast<double>(rng() % 500) / 10, 0, {}});
      std::sort(o.candidates.begin(), o.candidates.end(),
                [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
      offers.push_back(std::move(o));
    }
    std::optional<int> capacity;
    if (rng() % 2) capacity = 1 + static_cast<int>(rng() % 2);

    double best = 0;
    std::vector<Assignment> pick;
    std::function<void(size_t, double)> walk = [&](size_t i, double total) {
      if (!Feasible(offers, pick, capacity)) return;
      if (i == offers.size()) {
        best = std::max(best, total);
        return;
      }
      walk(i + 1, total);
      for (const auto& c : offers[i].candidates) {
        pick.push_back({offers[i].request->uid, c.person->uid, c.score});
        walk(i + 1, total + c.score);
        pick.pop_back();
      }
    };
    walk(0, 0);
    AssignResult optimal = AssignOptimal(offers, capacity, 50);
    AssignResult greedy = AssignGreedy(offers, capacity);
    EXPECT_TRUE(optimal.optimal);
    EXPECT_NEAR(optimal.total, std::round(best * 10) / 10, 1e-6) << "round " << round;
    EXPECT_TRUE(Feasible(offers, optimal.assignments, capacity)) << "round " << round;
    EXPECT_TRUE(Feasible(offers, greedy.assignments, capacity)) << "round " << round;
    EXPECT_LE(greedy.total, optimal.total + 1e-6);
    EXPECT_EQ(optimal.assignments.size() + optimal.unassigned.size(), offers.size());
  }
}

// The Matcher over a real store: people and requests written as a sync writes them,
// history from the requests already taken.
TEST(Matcher, ReadsTheStoreAndCountsThePast) {
  namespace fs = std::filesystem;
  std::string dir = (fs::temp_directory_path() / ("matcher-test-" + std::to_string(getpid()))).string();
  fs::create_directories(dir);
  auto store = OpenSqliteStore({dir + "/coophub.db", 2});
  ASSERT_TRUE(store.ok()) << store.status().message();
  const int64_t now = *ParseRfc3339("2027-01-04T12:00:00Z");
  auto put = [&](const std::string& source, const std::string& stream, std::vector<json> records) {
    WriteBatch b;
    b.source = source;
    for (auto& r : records) {
      r.erase("uid");
      auto n = NormalizeRecord(r, source, stream, "members");
      ASSERT_TRUE(n.ok()) << n.status().message();
      b.upserts.push_back(*n);
    }
    ASSERT_TRUE((*store)->Write(std::move(b)).get().ok());
  };
  put("carers", "people",
      {PersonRecord(0, "ana", East(1), {{"skills", "nursing:3"}}),
       PersonRecord(0, "bo", East(2), {{"skills", "nursing:3"}}),
       PersonRecord(0, "cy", East(1), {{"skills", "nursing:3"}, {"max_km", "lots"}})});
  put("asks", "tasks",
      {RequestRecord(1, kCentre, {{"skills", "nursing"}, {"client", "k1"}}),
       RequestRecord(2, kCentre, {{"skills", "nursing"}, {"client", "k1"}, {"assignee", "bo"}}, "2027-01-02T09:00:00Z"),
       RequestRecord(3, kCentre, {{"assignee", "ana"}, {"duration_minutes", "600"}}, "2027-01-03T09:00:00Z"),
       RequestRecord(4, kCentre, {{"assignee", "ana"}}, "2027-01-11T09:30:00Z")});
  Matcher m(**store, Config(), {}, [&] { return now; });
  auto s = m.Current();
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ((*s)->people.size(), 3u);
  ASSERT_EQ((*s)->requests.size(), 4u);
  ASSERT_EQ((*s)->problems.size(), 1u);
  EXPECT_NE((*s)->problems[0].find("carers/cy: data.max_km"), std::string::npos);
  auto uid_of = [&](const std::string& id) {
    for (const auto& r : (*s)->requests)
      if (r.id == id) return r.uid;
    return int64_t{0};
  };
  int64_t open_uid = uid_of("r1");
  auto ranking = m.Candidates(**s, open_uid);
  ASSERT_TRUE(ranking.ok());
  // ana is busy (her 09:30 visit overlaps), cy cannot be matched; bo has been before.
  ASSERT_EQ(ranking->candidates.size(), 1u);
  EXPECT_EQ(ranking->candidates[0].person->id, "bo");
  EXPECT_EQ(ranking->excluded.at("availability"), 1);
  EXPECT_EQ(ranking->excluded.at("profile"), 1);
  EXPECT_EQ((*s)->history.client_visits.at({(*s)->person_by_id.at("bo"), "k1"}), 1);
  EXPECT_DOUBLE_EQ((*s)->history.hours_4w.at((*s)->person_by_id.at("ana")), 10 + 0.0);
  EXPECT_EQ(m.Candidates(**s, 999999).status().code(), Status::Code::kNotFound);
  auto assigned = m.Assign(**s, {open_uid}, std::nullopt);
  ASSERT_TRUE(assigned.ok());
  ASSERT_EQ(assigned->assignments.size(), 1u);
  EXPECT_EQ(assigned->assignments[0].person, (*s)->person_by_id.at("bo"));
  // A taken request is no one's to assign again.
  EXPECT_FALSE(m.Assign(**s, {uid_of("r4")}, std::nullopt).ok());
  // The same snapshot until the store moves on.
  EXPECT_EQ(m.Current()->get(), s->get());
  put("carers", "people", {PersonRecord(0, "dee", East(1), {{"skills", "nursing:3"}})});
  EXPECT_EQ((*m.Current())->people.size(), 4u);
  store->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace coophub::matching
