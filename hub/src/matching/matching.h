// SPDX-License-Identifier: Apache-2.0
//
// Matching: who can take this request? People (records of kind `person`) and requests
// (kind `task`) from any sources, read through hub.yaml's `matching:` section, which says
// where each attribute lives in a record. Hard rules exclude (skill, language,
// certificate valid on the day, travel distance, free for the window); a weighted score
// ranks the rest, and every score comes with its reasons, whose points add up to it.
//
// This file is the engine: the config, the profiles read from records, the rules and
// the score. Pure functions over values; thread-safe. matcher.h keeps the profiles of a
// store; assign.h assigns many requests at once.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "model/protocol.h"

namespace coophub::matching {

// Where an attribute lives in a record: a field ("location") or a path into it
// ("data.skills"). Empty: the attribute is not used.
using FieldPath = std::string;

struct PeopleFields {
  std::vector<std::string> sources;              // the sources whose `person` records are candidates
  FieldPath skills = "data.skills";              // ["cooking", "nursing:3"], [{name, level}] or "nursing:3; cooking"
  FieldPath languages = "data.languages";        // ["ca", "es"] or "ca, es"
  FieldPath location = "location";               // {lat, lon}
  FieldPath postcode = "data.postcode";          // when there is no lat/lon: through matching.postcodes
  FieldPath max_km = "data.max_km";              // how far they travel; none: matching.max_km
  FieldPath certificates = "data.certificates";  // [{name, expires}] or "first-aid:2027-03-01; driving"
  FieldPath hours = "data.hours";                // weekly: {"mon": "08:00-14:00"} or "mon-fri 08:00-14:00"
  FieldPath preferences = "data.preferences";    // skills or tags they would rather do
  FieldPath account = "data.account";            // the hub account (user name) this person signs in as
  bool operator==(const PeopleFields&) const = default;
};

struct RequestFields {
  std::vector<std::string> sources;        // the sources whose `task` records are requests
  FieldPath skills = "data.skills";        // required, with the least level: "nursing:2"
  FieldPath languages = "data.languages";  // the client speaks one of these (any one will do)
  FieldPath location = "location";
  FieldPath postcode = "data.postcode";
  FieldPath certificates = "data.certificates";  // required, valid on the request's day
  FieldPath client = "data.client";              // who asked (continuity)
  FieldPath duration = "data.duration_minutes";  // else the record's end; else 60 minutes
  FieldPath assignee = "data.assignee";          // the person's id once the request is taken
  FieldPath requester = "data.requester";        // a member asking (skills exchange): never their own match
  bool operator==(const RequestFields&) const = default;
};

// Records that keep people busy: events of these sources naming a person's id.
struct BusyFields {
  std::vector<std::string> sources;
  FieldPath person = "data.person";
  bool operator==(const BusyFields&) const = default;
};

struct Weights {
  double skills = 3, distance = 2, continuity = 1, fairness = 1, preference = 0.5;
  bool operator==(const Weights&) const = default;
};

struct MatchingConfig {
  PeopleFields people;
  RequestFields requests;
  BusyFields busy;
  std::string postcodes;         // a CSV file of postcode,lat,lon (relative to hub.yaml)
  std::string timezone = "UTC";  // the zone people's weekly hours are in
  double max_km = 10;            // how far a person travels when their record does not say
  double fairness_hours = 40;    // hours in 4 weeks at which fairness counts nothing more
  int batch_candidates = 50;     // a request's best candidates that batch assignment weighs
  std::string scorer;            // the coop's own scoring step: exec:PROGRAM or a .so ("" built-in)
  int64_t scorer_timeout_ms = 10000;
  Weights weights;
  bool operator==(const MatchingConfig&) const = default;
};

// hub.yaml's `matching:` section as JSON; where: "hub.yaml:12" for messages. Strict:
// an unknown key, a weight out of [0, 10], a source in no list are errors naming them.
Result<MatchingConfig> ParseMatching(const json& j, const std::string& where);

struct Skill {
  std::string name;  // lower case
  int level = 1;     // 1-5
};
struct Certificate {
  std::string name;     // lower case
  std::string expires;  // "YYYY-MM-DD", "" never
};
struct Place {
  double lat = 0, lon = 0;
};
// Minutes from local midnight, [start, end).
using DayHours = std::vector<std::pair<int, int>>;
struct Interval {
  int64_t start = 0, end = 0;  // unix seconds, [start, end)
};

struct Person {
  int64_t uid = 0;
  std::string id, source, title, account;
  std::vector<Skill> skills;
  std::vector<std::string> languages;  // lower case
  std::optional<Place> home;           // never leaves the hub
  std::string postcode;                // their area, when the record gives one
  double max_km = 0;
  std::vector<Certificate> certificates;
  std::optional<std::array<DayHours, 7>> weekly;  // Monday first; none declared: any time
  std::vector<std::string> preferences;
  std::vector<Interval> busy;  // sorted by start
  std::string problem;         // why this person cannot be matched ("no location"); "" none
};

struct Request {
  int64_t uid = 0;
  std::string id, source, title, client, assignee, requester;
  std::vector<Skill> skills;
  std::vector<std::string> languages;
  std::optional<Place> place;
  std::string postcode;  // the area shown before acceptance
  std::vector<std::string> certificates;
  std::vector<std::string> tags;
  Interval window;
  std::string problem;
};

// The value at a path ("data.skills") of a record, or nullptr (absent or null).
const json* ValueAt(const json& record, const FieldPath& path);

// A person's field as its owner reads and writes it, in the form ReadPerson reads:
// skills "nursing:3; cooking:1", languages "ca, es", postcode, max_km "7.5", hours
// "mon-fri 08:00-14:00; sun 09:00-13:00" ("" any time), preferences, certificates
// "first-aid:2027-03-01".
std::string FieldText(const Person& p, const std::string& field);
std::string FormatWeeklyHours(const std::array<DayHours, 7>& week);

// Where a field a member may correct (profile_edits.h, kEditableFields) lives in a
// person's record; "" when the config does not use it.
FieldPath EditablePath(const MatchingConfig& c, const std::string& field);
// The person's record with a member's corrections ({"skills": "cooking:3"}) laid over it.
// A postcode of their own removes the location, whose place it takes.
json WithEdits(json record, const json& edits, const MatchingConfig& c);

// Whether value (text) is a correction of field that matching can read: Invalid saying
// what is wrong with it, in the words of a member ("hours: \"9-5\" is not hours …").
Status CheckEdit(const MatchingConfig& c, const std::map<std::string, Place>& postcodes, const std::string& field,
                 const json& value);

// Postcode → place, from the coop's CSV (postcode,lat,lon; a header line is skipped).
using Postcodes = std::map<std::string, Place>;
Result<Postcodes> LoadPostcodes(const std::string& path);

// Reading records into profiles. A value of the wrong shape is the profile's problem
// ("data.max_km: not a number"), named with the record, not an error of the whole set.
Person ReadPerson(const json& record, const MatchingConfig& c, const Postcodes& postcodes);
Request ReadRequest(const json& record, const MatchingConfig& c, const Postcodes& postcodes);
// "mon-fri 08:00-14:00; sat 09:00-12:00" or {"mon": "08:00-14:00", "tue": ["08:00-12:00"]}.
Result<std::array<DayHours, 7>> ParseWeeklyHours(const json& v);

// What the past says of a person: hours taken in the 4 weeks before now and how often
// they worked for each client.
struct History {
  std::map<int64_t, double> hours_4w;                            // person uid → hours
  std::map<std::pair<int64_t, std::string>, int> client_visits;  // (person uid, client) → times
};

// The zone's offset from UTC at an instant, in seconds (ICU; UTC for an unknown zone).
using ZoneOffset = int64_t (*)(const std::string& zone, int64_t unix);

struct Context {
  const MatchingConfig* config = nullptr;
  const History* history = nullptr;
  ZoneOffset offset = nullptr;  // nullptr: UTC
  // The offset at the request's start, when the caller has worked it out once for many
  // people (Rank does).
  std::optional<int64_t> request_offset;
};

// One reason a candidate ranks where they do. code: "skills", "distance", "continuity",
// "fairness", "preference" (points > 0 count in the score) or "language",
// "certificate" (what the hard rules found, 0 points).
struct Reason {
  std::string code;
  double points = 0;  // their share of the score; the points of a candidate add up to it
  json value;         // the figure behind it: km, times, hours, the language, the skill
  std::string text;   // in English: "2.5 km", "speaks ca", "worked with this client 3×"
};

struct Candidate {
  const Person* person = nullptr;
  double score = 0;  // 0-100, one decimal
  double km = 0;     // rounded to 0.5 km
  std::vector<Reason> reasons;
};

// The hard rules, in the order they are checked; kNone: the person may take it.
// kSelf: the person asked for it (a skills exchange among members).
enum class Rule { kNone, kProfile, kSelf, kDistance, kLanguage, kSkills, kCertificate, kAvailability };
const char* RuleName(Rule r);  // "profile", "distance", …

// Great-circle distance in km.
double DistanceKm(const Place& a, const Place& b);

// The rule that excludes person from request, or kNone.
Rule Excludes(const Person& p, const Request& r, const Context& ctx);
// The person's score and reasons for the request (call only when Excludes is kNone).
Candidate Score(const Person& p, const Request& r, const Context& ctx);

// People with a home, sorted by latitude: those within a radius of a place in
// O(log n + the band of latitude). Holds pointers into the vector it was made from.
class PeopleIndex {
 public:
  explicit PeopleIndex(const std::vector<Person>& people);
  std::vector<const Person*> Near(const Place& place, double km) const;
  double max_km() const { return max_km_; }  // the farthest anyone travels

 private:
  std::vector<std::pair<double, const Person*>> by_lat_;
  double max_km_ = 0;
};

struct Ranking {
  std::vector<Candidate> candidates;    // best first; ties by title, then uid
  std::map<std::string, int> excluded;  // rule name → people it excluded
  std::string scorer_error;             // the coop's scorer failed: why (the built-in scores stand)
};
// Every person who may take the request, best first. A request with no place (a
// lesson given online) has no distance rule.
Ranking Rank(const Request& r, const PeopleIndex& index, const std::vector<Person>& people, const Context& ctx);

}  // namespace coophub::matching
