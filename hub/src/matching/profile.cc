// SPDX-License-Identifier: Apache-2.0
// Records read into people and requests; see matching.h.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/timeutil.h"
#include "matching/matching.h"

namespace coophub::matching {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string_view::npos ? "" : std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> Split(std::string_view s, std::string_view seps) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || seps.find(s[i]) != std::string_view::npos) {
      std::string part = Trim(s.substr(start, i - start));
      if (!part.empty()) out.push_back(std::move(part));
      start = i + 1;
    }
  return out;
}

}  // namespace

const json* ValueAt(const json& record, const FieldPath& path) {
  if (path.empty()) return nullptr;
  const json* v = &record;
  for (const std::string& part : Split(path, ".")) {
    if (!v->is_object()) return nullptr;
    auto it = v->find(part);
    if (it == v->end()) return nullptr;
    v = &*it;
  }
  // Null, or an empty cell of a spreadsheet: not given.
  return v->is_null() || (v->is_string() && v->get_ref<const std::string&>().empty()) ? nullptr : v;
}

std::string FormatWeeklyHours(const std::array<DayHours, 7>& week) {
  static const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  auto Clock = [](int minutes) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60 % 100, minutes % 60);
    return std::string(buf);
  };
  std::string out;
  for (size_t d = 0; d < 7;) {
    size_t last = d;  // the days after d with the same hours go with it: "mon-fri"
    while (last + 1 < 7 && week[last + 1] == week[d]) ++last;
    if (!week[d].empty()) {
      std::string spans;
      for (const auto& [from, to] : week[d]) spans += (spans.empty() ? "" : ", ") + Clock(from) + "-" + Clock(to);
      out += (out.empty() ? "" : "; ") + std::string(kDays[d]) + (last > d ? std::string("-") + kDays[last] : "") +
             " " + spans;
    }
    d = last + 1;
  }
  return out;
}

std::string FieldText(const Person& p, const std::string& field) {
  auto Join = [](const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
    return out;
  };
  std::string out;
  if (field == "skills") {
    for (const auto& s : p.skills) out += (out.empty() ? "" : "; ") + s.name + ":" + std::to_string(s.level);
  } else if (field == "languages") {
    out = Join(p.languages);
  } else if (field == "postcode") {
    out = p.postcode;
  } else if (field == "max_km") {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", p.max_km);
    out = buf;
  } else if (field == "hours") {
    out = p.weekly ? FormatWeeklyHours(*p.weekly) : "";
  } else if (field == "preferences") {
    out = Join(p.preferences);
  } else if (field == "certificates") {
    for (const auto& c : p.certificates)
      out += (out.empty() ? "" : "; ") + c.name + (c.expires.empty() ? "" : ":" + c.expires);
  }
  return out;
}

FieldPath EditablePath(const MatchingConfig& c, const std::string& field) {
  const PeopleFields& p = c.people;
  if (field == "skills") return p.skills;
  if (field == "languages") return p.languages;
  if (field == "postcode") return p.postcode;
  if (field == "max_km") return p.max_km;
  if (field == "hours") return p.hours;
  if (field == "preferences") return p.preferences;
  return "";
}

namespace {

void SetAt(json* record, const FieldPath& path, json value) {
  json* at = record;
  for (const std::string& part : Split(path, ".")) {
    if (!at->is_object()) *at = json::object();
    at = &(*at)[part];
  }
  *at = std::move(value);
}

}  // namespace

Status CheckEdit(const MatchingConfig& c, const std::map<std::string, Place>& postcodes, const std::string& field,
                 const json& value) {
  FieldPath path = EditablePath(c, field);
  if (path.empty()) return Status::Invalid(field + ": the coop's matching does not use it");
  if (!value.is_string()) return Status::Invalid(field + ": text, please");
  if (value.get_ref<const std::string&>().size() > 500) return Status::Invalid(field + ": 500 characters at most");
  if (field == "postcode") {
    const auto& code = value.get_ref<const std::string&>();
    if (!code.empty() && !postcodes.count(code))
      return Status::Invalid("postcode: \"" + code + "\" is not one of the coop's postcodes");
    return Status::Ok();
  }
  // The field alone, in a record that has a place (else that would be its first
  // problem), read as a record would be: its problem, if it has one, is this one's.
  json record = json::object();
  if (!c.people.location.empty()) SetAt(&record, c.people.location, {{"lat", 1}, {"lon", 1}});  // any place but (0, 0)
  Person p = ReadPerson(WithEdits(record, json{{field, value}}, c), c, postcodes);
  if (p.problem.rfind(path + ": ", 0) == 0) return Status::Invalid(field + ": " + p.problem.substr(path.size() + 2));
  return Status::Ok();
}

json WithEdits(json record, const json& edits, const MatchingConfig& c) {
  if (!edits.is_object()) return record;
  for (const auto& [field, value] : edits.items()) {
    FieldPath path = EditablePath(c, field);
    if (path.empty()) continue;
    SetAt(&record, path, value);
    // A postcode of their own is where they are now: the old location gives way.
    if (field == "postcode" && !c.people.location.empty()) {
      json* holder = &record;
      std::vector<std::string> parts = Split(c.people.location, ".");
      for (size_t i = 0; i + 1 < parts.size() && holder && holder->is_object(); ++i)
        holder = holder->contains(parts[i]) ? &(*holder)[parts[i]] : nullptr;
      if (holder && holder->is_object()) holder->erase(parts.back());
    }
  }
  return record;
}

namespace {

const json* At(const json& record, const FieldPath& path) { return ValueAt(record, path); }

// A number, or text that is one whole ("7.5": a spreadsheet's cell).
std::optional<double> Number(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(d)) return std::nullopt;
  return d;
}

// Text items of a list, or of "a, b; c" (what a spreadsheet column holds).
bool Items(const json& v, std::vector<std::string>* out) {
  if (v.is_string()) {
    *out = Split(v.get<std::string>(), ",;");
    return true;
  }
  if (!v.is_array()) return false;
  for (const auto& item : v) {
    if (!item.is_string()) return false;
    std::string s = Trim(item.get<std::string>());
    if (!s.empty()) out->push_back(std::move(s));
  }
  return true;
}

// "nursing:3", "nursing" (level 1) or {name, level}.
std::optional<Skill> ReadSkill(const json& v) {
  Skill s;
  if (v.is_object()) {
    auto name = v.find("name");
    auto level = v.find("level");
    if (name == v.end() || !name->is_string()) return std::nullopt;
    s.name = Lower(Trim(name->get<std::string>()));
    if (level != v.end()) {
      if (!level->is_number_integer()) return std::nullopt;
      s.level = level->get<int>();
    }
  } else if (v.is_string()) {
    std::string text = v.get<std::string>();
    size_t colon = text.rfind(':');
    s.name = Lower(Trim(text.substr(0, colon)));
    if (colon != std::string::npos) {
      std::string level = Trim(text.substr(colon + 1));
      if (level.size() != 1 || !std::isdigit(static_cast<unsigned char>(level[0]))) return std::nullopt;
      s.level = level[0] - '0';
    }
  } else {
    return std::nullopt;
  }
  if (s.name.empty() || s.level < 1 || s.level > 5) return std::nullopt;
  return s;
}

// Problems are written as "<path>: <what>", the first one kept.
void Problem(std::string* problem, const FieldPath& path, const std::string& what) {
  if (problem->empty()) *problem = path + ": " + what;
}

// The entries at path: a list's items, or the parts of "a; b, c" (a spreadsheet's
// cell). Neither: the problem says "not a list of <what>".
std::vector<json> Entries(const json& record, const FieldPath& path, const char* what, std::string* problem) {
  std::vector<json> items;
  const json* v = At(record, path);
  if (!v) return items;
  if (v->is_string()) {
    for (auto& s : Split(v->get<std::string>(), ",;")) items.emplace_back(s);
  } else if (v->is_array()) {
    items.assign(v->begin(), v->end());
  } else {
    Problem(problem, path, std::string("not a list of ") + what);
  }
  return items;
}

std::vector<Skill> ReadSkills(const json& record, const FieldPath& path, std::string* problem) {
  std::vector<Skill> out;
  for (const auto& item : Entries(record, path, "skills", problem)) {
    auto s = ReadSkill(item);
    if (!s) {
      Problem(problem, path, item.dump() + " is not a skill (\"name\" or \"name:level\", level 1-5)");
      continue;
    }
    out.push_back(*s);
  }
  return out;
}

std::vector<std::string> ReadWords(const json& record, const FieldPath& path, std::string* problem) {
  std::vector<std::string> out;
  const json* v = At(record, path);
  if (v && !Items(*v, &out)) Problem(problem, path, "not a list of text");
  for (auto& w : out) w = Lower(w);
  return out;
}

bool IsDate(const std::string& s) {
  return s.size() == 10 && s[4] == '-' && s[7] == '-' && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || c == '-';
         });
}

std::vector<Certificate> ReadCertificates(const json& record, const FieldPath& path, std::string* problem) {
  std::vector<Certificate> out;
  for (const auto& item : Entries(record, path, "certificates", problem)) {
    Certificate c;
    if (item.is_object() && item.contains("name") && item["name"].is_string()) {
      c.name = item["name"].get<std::string>();
      if (item.contains("expires") && !item["expires"].is_null()) {
        if (!item["expires"].is_string()) {
          Problem(problem, path, item.dump() + ": expires must be a date (2027-03-01)");
          continue;
        }
        c.expires = item["expires"].get<std::string>().substr(0, 10);
      }
    } else if (item.is_string()) {
      std::string text = item.get<std::string>();
      size_t colon = text.find(':');
      c.name = text.substr(0, colon);
      if (colon != std::string::npos) c.expires = Trim(text.substr(colon + 1));
    } else {
      Problem(problem, path, item.dump() + " is not a certificate");
      continue;
    }
    c.name = Lower(Trim(c.name));
    if (!c.expires.empty() && !IsDate(c.expires)) {
      Problem(problem, path, "\"" + c.expires + "\" is not a date (2027-03-01)");
      continue;
    }
    if (!c.name.empty()) out.push_back(std::move(c));
  }
  return out;
}

std::optional<Place> ReadPlace(const json& record, const FieldPath& location, const FieldPath& postcode_path,
                               const Postcodes& postcodes, std::string* postcode, std::string* problem) {
  if (const json* pc = At(record, postcode_path)) {
    *postcode = pc->is_string() ? Trim(pc->get<std::string>()) : pc->is_number_integer() ? pc->dump() : "";
  }
  if (const json* loc = At(record, location); loc && loc->is_object() && loc->contains("lat")) {
    const json& lat = (*loc)["lat"];
    const json* lon = loc->contains("lon") ? &(*loc)["lon"] : nullptr;
    if (!lat.is_number() || !lon || !lon->is_number()) {
      Problem(problem, location, "lat and lon must both be numbers");
      return std::nullopt;
    }
    Place p{lat.get<double>(), lon->get<double>()};
    if (!std::isfinite(p.lat) || !std::isfinite(p.lon) || std::abs(p.lat) > 90 || std::abs(p.lon) > 180 ||
        (p.lat == 0 && p.lon == 0)) {
      Problem(problem, location, "(" + lat.dump() + ", " + lon->dump() + ") is not a place on Earth");
      return std::nullopt;
    }
    return p;
  }
  if (!postcode->empty()) {
    if (auto it = postcodes.find(*postcode); it != postcodes.end()) return it->second;
    Problem(problem, postcode_path, "postcode \"" + *postcode + "\" is not in matching.postcodes");
  }
  return std::nullopt;
}

std::string Text(const json& record, const FieldPath& path) {
  const json* v = At(record, path);
  if (!v) return "";
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number()) return v->dump();
  return "";
}

constexpr std::array<const char*, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int DayIndex(const std::string& d) {
  std::string l = Lower(d).substr(0, 3);
  for (size_t i = 0; i < kDays.size(); ++i)
    if (l == kDays[i]) return static_cast<int>(i);
  return -1;
}

// "08:00" → 480; "24:00" is the end of the day.
int Minutes(const std::string& hhmm) {
  if (hhmm.size() != 5 || hhmm[2] != ':') return -1;
  for (int i : {0, 1, 3, 4})
    if (!std::isdigit(static_cast<unsigned char>(hhmm[i]))) return -1;
  int h = std::stoi(hhmm.substr(0, 2)), m = std::stoi(hhmm.substr(3, 2));
  if (m > 59 || h > 24 || (h == 24 && m)) return -1;
  return h * 60 + m;
}

Status AddSpans(const std::string& spans, const std::vector<int>& days, std::array<DayHours, 7>* week) {
  for (const std::string& span : Split(spans, ",")) {
    auto ends = Split(span, "-");
    int from = ends.size() == 2 ? Minutes(ends[0]) : -1, to = ends.size() == 2 ? Minutes(ends[1]) : -1;
    if (from < 0 || to <= from) return Status::Invalid("\"" + span + "\" is not hours (08:00-14:00)");
    for (int d : days) (*week)[static_cast<size_t>(d)].push_back({from, to});
  }
  return Status::Ok();
}

// "mon-fri" → 0..4, "sat" → 5.
std::vector<int> Days(const std::string& text) {
  auto ends = Split(text, "-");
  if (ends.size() == 1 && DayIndex(ends[0]) >= 0) return {DayIndex(ends[0])};
  if (ends.size() != 2) return {};
  int a = DayIndex(ends[0]), b = DayIndex(ends[1]);
  if (a < 0 || b < a) return {};
  std::vector<int> out;
  for (int d = a; d <= b; ++d) out.push_back(d);
  return out;
}

}  // namespace

Result<std::array<DayHours, 7>> ParseWeeklyHours(const json& v) {
  std::array<DayHours, 7> week;
  if (v.is_object()) {
    for (const auto& [day, spans] : v.items()) {
      auto days = Days(day);
      if (days.empty()) return Status::Invalid("\"" + day + "\" is not a day (mon … sun, or mon-fri)");
      std::vector<std::string> list;
      if (!Items(spans, &list)) return Status::Invalid(day + ": hours must be text (08:00-14:00)");
      for (const auto& s : list)
        if (auto st = AddSpans(s, days, &week); !st.ok()) return st;
    }
  } else if (v.is_string()) {
    for (const std::string& part : Split(v.get<std::string>(), ";")) {
      size_t space = part.find(' ');
      auto days = Days(part.substr(0, space));
      if (space == std::string::npos || days.empty())
        return Status::Invalid("\"" + part + "\" is not days and hours (mon-fri 08:00-14:00)");
      if (auto st = AddSpans(part.substr(space + 1), days, &week); !st.ok()) return st;
    }
  } else {
    return Status::Invalid("hours must be text (mon-fri 08:00-14:00) or a map of days");
  }
  for (auto& day : week) std::sort(day.begin(), day.end());
  return week;
}

Result<Postcodes> LoadPostcodes(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return Status::Invalid("matching.postcodes: cannot read " + path + ": check the path (relative to hub.yaml)");
  Postcodes out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    auto cells = Split(line, ",");
    if (cells.size() != 3) return Status::Invalid(path + ":" + std::to_string(n) + ": expected postcode,lat,lon");
    try {
      size_t used = 0;
      double lat = std::stod(cells[1], &used), lon = std::stod(cells[2]);
      if (used != cells[1].size() || std::abs(lat) > 90 || std::abs(lon) > 180) throw std::invalid_argument("range");
      out[cells[0]] = {lat, lon};
    } catch (const std::exception&) {
      if (n == 1) continue;  // the header
      return Status::Invalid(path + ":" + std::to_string(n) + ": \"" + line + "\" has no lat,lon numbers");
    }
  }
  return out;
}

namespace {

// What people and requests both are: a record of the store (its uid, the hub's own).
template <class Profile>
void ReadRecordFields(const json& record, Profile* out) {
  auto uid = record.find("uid");
  out->uid = uid != record.end() && uid->is_number_integer() ? uid->get<int64_t>() : 0;
  out->id = Text(record, "id");
  out->source = Text(record, "source");
  out->title = Text(record, "title");
}

}  // namespace

Person ReadPerson(const json& record, const MatchingConfig& c, const Postcodes& postcodes) {
  const PeopleFields& f = c.people;
  Person p;
  ReadRecordFields(record, &p);
  p.account = Lower(Text(record, f.account));
  p.skills = ReadSkills(record, f.skills, &p.problem);
  p.languages = ReadWords(record, f.languages, &p.problem);
  p.certificates = ReadCertificates(record, f.certificates, &p.problem);
  p.preferences = ReadWords(record, f.preferences, &p.problem);
  std::string postcode;
  p.home = ReadPlace(record, f.location, f.postcode, postcodes, &postcode, &p.problem);
  p.postcode = postcode;
  if (!p.home) Problem(&p.problem, f.location, "no location (lat/lon) and no known postcode");
  p.max_km = c.max_km;
  if (const json* km = At(record, f.max_km)) {
    if (auto n = Number(*km); n && *n > 0 && *n <= 1000)
      p.max_km = *n;
    else
      Problem(&p.problem, f.max_km, km->dump() + " is not a distance in km");
  }
  if (const json* hours = At(record, f.hours)) {
    auto week = ParseWeeklyHours(*hours);
    if (week.ok())
      p.weekly = *week;
    else
      Problem(&p.problem, f.hours, week.status().message());
  }
  return p;
}

Request ReadRequest(const json& record, const MatchingConfig& c, const Postcodes& postcodes) {
  const RequestFields& f = c.requests;
  Request r;
  ReadRecordFields(record, &r);
  r.client = Text(record, f.client);
  r.assignee = Text(record, f.assignee);
  r.requester = Text(record, f.requester);
  r.skills = ReadSkills(record, f.skills, &r.problem);
  r.languages = ReadWords(record, f.languages, &r.problem);
  for (const auto& cert : ReadCertificates(record, f.certificates, &r.problem)) r.certificates.push_back(cert.name);
  r.tags = ReadWords(record, "tags", &r.problem);
  r.place = ReadPlace(record, f.location, f.postcode, postcodes, &r.postcode, &r.problem);
  auto start = ParseRfc3339(Text(record, "time"));
  if (!start) {
    Problem(&r.problem, "time", "no start time");
    return r;
  }
  r.window.start = *start;
  r.window.end = *start + 3600;
  if (const json* d = At(record, f.duration)) {
    if (auto n = Number(*d); n && *n > 0 && *n <= 7 * 24 * 60)
      r.window.end = *start + static_cast<int64_t>(*n * 60);
    else
      Problem(&r.problem, f.duration, d->dump() + " is not a number of minutes");
  } else if (auto end = ParseRfc3339(Text(record, "end")); end && *end > *start) {
    r.window.end = *end;
  }
  return r;
}

}  // namespace coophub::matching
