// SPDX-License-Identifier: Apache-2.0
// iCalendar parsing and recurrence expansion over libical; see calendar.h.
#include "calendar.h"

#include <libical/ical.h>

#include <coophub/time.hpp>
#include <map>
#include <memory>
#include <set>
#include <strings.h>

namespace coophub::ical {
namespace {

using ComponentPtr = std::unique_ptr<icalcomponent, decltype(&icalcomponent_free)>;

// Unix seconds of a libical time: its zone if it has one, UTC if floating or a date.
int64_t ToUnix(icaltimetype t) {
  const icaltimezone* zone = t.zone ? t.zone : icaltimezone_get_utc_timezone();
  if (t.is_date) zone = icaltimezone_get_utc_timezone();
  return static_cast<int64_t>(icaltime_as_timet_with_zone(t, zone));
}

std::string DateOnly(icaltimetype t) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", t.year, t.month, t.day);
  return buf;
}

std::string Text(icalcomponent* c, icalproperty_kind kind) {
  icalproperty* p = icalcomponent_get_first_property(c, kind);
  const char* v = p ? icalproperty_get_value_as_string(p) : nullptr;
  if (!v) return "";
  // libical returns escaped text for some kinds; TEXT values come back unescaped below.
  if (kind == ICAL_SUMMARY_PROPERTY) return icalcomponent_get_summary(c) ? icalcomponent_get_summary(c) : "";
  if (kind == ICAL_DESCRIPTION_PROPERTY)
    return icalcomponent_get_description(c) ? icalcomponent_get_description(c) : "";
  if (kind == ICAL_LOCATION_PROPERTY) return icalcomponent_get_location(c) ? icalcomponent_get_location(c) : "";
  return v;
}

// The fields of a VEVENT or VTODO that do not depend on the occurrence.
json BaseRecord(icalcomponent* c, bool todo) {
  json r = {{"kind", todo ? "task" : "event"}};
  if (std::string s = Text(c, ICAL_SUMMARY_PROPERTY); !s.empty()) r["title"] = s;
  if (std::string s = Text(c, ICAL_DESCRIPTION_PROPERTY); !s.empty()) r["summary"] = s.substr(0, 2000);
  if (std::string s = Text(c, ICAL_URL_PROPERTY); !s.empty()) r["url"] = s;
  json loc = json::object();
  if (std::string s = Text(c, ICAL_LOCATION_PROPERTY); !s.empty()) loc["name"] = s;
  if (icalproperty* g = icalcomponent_get_first_property(c, ICAL_GEO_PROPERTY)) {
    icalgeotype geo = icalproperty_get_geo(g);
    loc["lat"] = geo.lat;
    loc["lon"] = geo.lon;
  }
  if (!loc.empty()) r["location"] = loc;
  if (icalproperty* o = icalcomponent_get_first_property(c, ICAL_ORGANIZER_PROPERTY)) {
    const char* cn = icalproperty_get_parameter_as_string(o, "CN");
    if (cn) r["author"] = cn;
  }
  // Who it involves, as "CN <address>" (or either alone): the hub marks a member's own.
  json people = json::array();
  for (icalproperty* p = icalcomponent_get_first_property(c, ICAL_ATTENDEE_PROPERTY); p && people.size() < 200;
       p = icalcomponent_get_next_property(c, ICAL_ATTENDEE_PROPERTY)) {
    const char* cn = icalproperty_get_parameter_as_string(p, "CN");
    const char* value = icalproperty_get_attendee(p);
    std::string address = value ? value : "";
    if (address.size() > 7 && strncasecmp(address.c_str(), "mailto:", 7) == 0) address = address.substr(7);
    std::string who =
        cn && *cn ? (address.empty() ? std::string(cn) : std::string(cn) + " <" + address + ">") : address;
    if (!who.empty() && who.size() <= 320) people.push_back(who);
  }
  if (!people.empty()) r["people"] = people;
  json tags = json::array();
  for (icalproperty* p = icalcomponent_get_first_property(c, ICAL_CATEGORIES_PROPERTY); p;
       p = icalcomponent_get_next_property(c, ICAL_CATEGORIES_PROPERTY))
    if (const char* v = icalproperty_get_categories(p)) tags.push_back(v);
  if (!tags.empty()) r["tags"] = tags;
  json data = json::object();
  if (std::string s = Text(c, ICAL_STATUS_PROPERTY); !s.empty()) data["status"] = s;
  if (icalproperty* lm = icalcomponent_get_first_property(c, ICAL_LASTMODIFIED_PROPERTY))
    r["updated"] = FormatRfc3339(ToUnix(icalproperty_get_lastmodified(lm)));
  r["data"] = data;
  return r;
}

// "2026-10-05T18:00:00": a time as written in its own zone, for people and calendar views.
std::string LocalIso(icaltimetype t) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", t.year, t.month, t.day, t.hour, t.minute, t.second);
  return buf;
}

bool IsUtc(icaltimetype t) { return t.zone == icaltimezone_get_utc_timezone(); }

// A TZID as tzdata names it, also when a calendar program prefixed it with its own path
// (Lightning's "/mozilla.org/20070129_1/America/New_York"): the longest tail of the path
// that is a known zone. nullptr when none is.
icaltimezone* ZoneFor(const char* tzid) {
  if (!tzid || !*tzid) return nullptr;
  if (icaltimezone* z = icaltimezone_get_builtin_timezone(tzid)) return z;
  std::string id = tzid;
  for (size_t slash = id.find('/'); slash != std::string::npos; slash = id.find('/', slash + 1))
    if (icaltimezone* z = icaltimezone_get_builtin_timezone(id.c_str() + slash + 1)) return z;
  return nullptr;
}

// A property's time with its TZID resolved when libical could not (no VTIMEZONE for it,
// or a prefixed name): otherwise such a time would be read as UTC.
icaltimetype Zoned(icaltimetype t, icalproperty* p) {
  if (t.zone || t.is_date || icaltime_is_null_time(t) || !p) return t;
  if (icaltimezone* z = ZoneFor(icalproperty_get_parameter_as_string(p, "TZID"))) t.zone = z;
  return t;
}

icaltimetype Start(icalcomponent* c) {
  return Zoned(icalcomponent_get_dtstart(c), icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY));
}

// Puts an occurrence's start and end into a record; all-day items keep their date, zoned
// and floating times also keep the local time as written.
void SetTimes(json& r, icaltimetype start, int64_t duration_s) {
  int64_t s = ToUnix(start);
  r["time"] = FormatRfc3339(s);
  if (duration_s > 0) r["end"] = FormatRfc3339(s + duration_s);
  if (!start.is_date && !IsUtc(start)) {
    r["data"]["start_local"] = LocalIso(start);
    if (duration_s > 0) {
      icaltimetype end = icaltime_add(start, icaldurationtype_from_int(static_cast<int>(duration_s)));
      r["data"]["end_local"] = LocalIso(end);
    }
  }
  if (start.is_date) {
    r["data"]["all_day"] = true;
    r["data"]["date"] = DateOnly(start);
  }
  if (start.zone)
    if (const char* tzid = icaltimezone_get_tzid(const_cast<icaltimezone*>(start.zone))) r["data"]["tzid"] = tzid;
}

int64_t DurationOf(icalcomponent* c, icaltimetype start) {
  icaltimetype end = Zoned(icalcomponent_get_dtend(c), icalcomponent_get_first_property(c, ICAL_DTEND_PROPERTY));
  if (!icaltime_is_null_time(end)) return ToUnix(end) - ToUnix(start);
  if (icalcomponent_get_first_property(c, ICAL_DURATION_PROPERTY))
    return icaldurationtype_as_int(icalcomponent_get_duration(c));
  return start.is_date ? 86400 : 0;
}

struct Collector {
  const ExpandOptions& opts;
  ParseResult* out;
  // RECURRENCE-ID overrides: uid -> (occurrence start -> the overriding component)
  std::map<std::string, std::map<int64_t, icalcomponent*>> overrides;
};

// What libical 3.0.16 expands wrongly (rfc5545_test.cc, kCoopRules): a rule that can be
// rewritten exactly is, and the reason for one that cannot is returned, so that no wrong
// date is stored. "" when the rule can be expanded as it is (after any rewrite).
std::string Mend(icalrecurrencetype* rule) {
  auto has = [](const short* list) { return list[0] != ICAL_RECURRENCE_ARRAY_MAX; };
  bool negative_monthday = false;
  for (int i = 0; i < ICAL_BY_MONTHDAY_SIZE && rule->by_month_day[i] != ICAL_RECURRENCE_ARRAY_MAX; ++i)
    negative_monthday |= rule->by_month_day[i] < 0;
  if (rule->freq == ICAL_DAILY_RECURRENCE && negative_monthday) {
    // Every day that is (say) the last of its month is the monthly rule on that day: the
    // same set, COUNT and UNTIL included, while the days follow one another.
    if (rule->interval > 1)
      return "FREQ=DAILY;INTERVAL=" + std::to_string(rule->interval) +
             " with a negative BYMONTHDAY, which libical 3.0.16 expands wrongly";
    rule->freq = ICAL_MONTHLY_RECURRENCE;
  }
  if (has(rule->by_set_pos) && rule->freq != ICAL_MONTHLY_RECURRENCE && rule->freq != ICAL_YEARLY_RECURRENCE)
    return std::string("BYSETPOS with FREQ=") + icalrecur_freq_to_string(rule->freq) +
           ", which libical 3.0.16 expands wrongly (it is right for MONTHLY and YEARLY rules)";
  return "";
}

void Expand(icalcomponent* c, Collector& col) {
  const char* uid_c = icalcomponent_get_uid(c);
  std::string uid = uid_c ? uid_c : "";
  icaltimetype dtstart = Start(c);
  if (icaltime_is_null_time(dtstart) || !icaltime_is_valid_time(dtstart)) {
    col.out->warnings.push_back("VEVENT " + uid + " has no valid DTSTART: skipped");
    return;
  }
  int64_t duration = DurationOf(c, dtstart);
  std::set<int64_t> starts;
  std::map<int64_t, icaltimetype> start_times;
  auto add = [&](icaltimetype t) {
    if (!t.zone && !t.is_date) t.zone = dtstart.zone;
    int64_t u = ToUnix(t);
    starts.insert(u);
    start_times.emplace(u, t);
  };
  bool recurring = false;
  int64_t produced = 0;
  for (icalproperty* p = icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY); p;
       p = icalcomponent_get_next_property(c, ICAL_RRULE_PROPERTY)) {
    recurring = true;
    icalrecurrencetype rule = icalproperty_get_rrule(p);
    if (std::string why = Mend(&rule); !why.empty()) {
      col.out->warnings.push_back("VEVENT " + uid + ": RRULE:" + icalproperty_get_value_as_string(p) + " uses " + why +
                                  ": only its DTSTART and RDATEs are kept; write the rule another way (e.g. BYDAY "
                                  "with an ordinal in a MONTHLY rule) to get all its dates");
      continue;
    }
    std::unique_ptr<icalrecur_iterator, decltype(&icalrecur_iterator_free)> it(icalrecur_iterator_new(rule, dtstart),
                                                                               icalrecur_iterator_free);
    if (!it) {
      col.out->warnings.push_back("VEVENT " + uid + ": RRULE cannot be expanded");
      continue;
    }
    for (icaltimetype t = icalrecur_iterator_next(it.get()); !icaltime_is_null_time(t);
         t = icalrecur_iterator_next(it.get())) {
      if (++produced > col.opts.max_occurrences) {
        ++col.out->capped;
        col.out->warnings.push_back("VEVENT " + uid + ": stopped after " + std::to_string(col.opts.max_occurrences) +
                                    " occurrences (max_occurrences)");
        break;
      }
      t.zone = dtstart.zone;
      int64_t u = ToUnix(t);
      if (u > col.opts.window_end) break;
      if (u + duration >= col.opts.window_start) add(t);
    }
  }
  for (icalproperty* p = icalcomponent_get_first_property(c, ICAL_RDATE_PROPERTY); p;
       p = icalcomponent_get_next_property(c, ICAL_RDATE_PROPERTY)) {
    recurring = true;
    icaldatetimeperiodtype rd = icalproperty_get_rdate(p);
    icaltimetype t = icaltime_is_null_time(rd.time) ? rd.period.start : rd.time;
    if (!icaltime_is_null_time(t)) {
      t = Zoned(t, p);
      int64_t u = ToUnix(t);
      if (u <= col.opts.window_end && u + duration >= col.opts.window_start) add(t);
    }
  }
  // DTSTART is the first instance of the recurrence set (RFC 5545 3.8.5), also when only
  // RDATEs follow it.
  if (!recurring)
    add(dtstart);
  else if (int64_t u = ToUnix(dtstart); u <= col.opts.window_end && u + duration >= col.opts.window_start)
    add(dtstart);
  for (icalproperty* p = icalcomponent_get_first_property(c, ICAL_EXDATE_PROPERTY); p;
       p = icalcomponent_get_next_property(c, ICAL_EXDATE_PROPERTY)) {
    icaltimetype ex = Zoned(icalproperty_get_exdate(p), p);
    if (ex.is_date && !dtstart.is_date) {  // a date on a timed series: every start on that (local) day
      for (auto it = start_times.begin(); it != start_times.end();)
        if (it->second.year == ex.year && it->second.month == ex.month && it->second.day == ex.day) {
          starts.erase(it->first);
          it = start_times.erase(it);
        } else {
          ++it;
        }
      continue;
    }
    if (!ex.zone && !ex.is_date) ex.zone = dtstart.zone;
    starts.erase(ToUnix(ex));
  }
  bool todo = icalcomponent_isa(c) == ICAL_VTODO_COMPONENT;
  json base = BaseRecord(c, todo);
  auto& ovr = col.overrides[uid];
  for (int64_t u : starts) {
    json r;
    icaltimetype start = start_times.at(u);
    int64_t dur = duration;
    if (auto o = ovr.find(u); o != ovr.end()) {  // this occurrence was moved or edited
      r = BaseRecord(o->second, todo);
      start = Start(o->second);
      if (icaltime_is_null_time(start)) start = start_times.at(u);
      dur = DurationOf(o->second, start);
    } else {
      r = base;
    }
    r["id"] = recurring ? uid + "/" + FormatRfc3339(u) : uid;
    SetTimes(r, start, dur);
    if (recurring) {
      r["data"]["recurrence_id"] = FormatRfc3339(u);
      r["data"]["series"] = uid;  // the page shows a series once, with its next dates
    }
    col.out->records.push_back(std::move(r));
  }
  ovr.clear();  // taken: what is left has no master in this file
}

// Occurrences whose series is not in the file (a single-instance invitation, a
// birthday export): each is an event of its own, under its series' id and start.
void AddOrphans(Collector& col) {
  for (auto& [uid, by_start] : col.overrides)
    for (auto& [u, c] : by_start) {
      icaltimetype start = Start(c);
      if (icaltime_is_null_time(start)) continue;
      int64_t dur = DurationOf(c, start);
      if (ToUnix(start) > col.opts.window_end || ToUnix(start) + dur < col.opts.window_start) continue;
      json r = BaseRecord(c, false);
      r["id"] = uid + "/" + FormatRfc3339(u);
      SetTimes(r, start, dur);
      r["data"]["recurrence_id"] = FormatRfc3339(u);
      col.out->records.push_back(std::move(r));
    }
}

void AddTodo(icalcomponent* c, Collector& col) {
  const char* uid = icalcomponent_get_uid(c);
  json r = BaseRecord(c, true);
  r["id"] = uid ? uid : "";
  icaltimetype due = icalcomponent_get_due(c);
  due = Zoned(due, icalcomponent_get_first_property(c, ICAL_DUE_PROPERTY));
  icaltimetype start = Start(c);
  icaltimetype t = !icaltime_is_null_time(due) ? due : start;
  if (!icaltime_is_null_time(t) && icaltime_is_valid_time(t)) SetTimes(r, t, 0);
  if (icalproperty* p = icalcomponent_get_first_property(c, ICAL_COMPLETED_PROPERTY))
    r["data"]["completed"] = FormatRfc3339(ToUnix(icalproperty_get_completed(p)));
  col.out->records.push_back(std::move(r));
}

void Walk(icalcomponent* root, Collector& col) {
  // Overrides first, so that their masters can find them.
  std::vector<icalcomponent*> masters, todos;
  std::vector<icalcomponent*> stack = {root};
  while (!stack.empty()) {
    icalcomponent* c = stack.back();
    stack.pop_back();
    icalcomponent_kind k = icalcomponent_isa(c);
    for (icalproperty* p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY))
      if (const char* e = icalproperty_get_xlicerror(p)) col.out->warnings.push_back(e);
    if (k == ICAL_VEVENT_COMPONENT || k == ICAL_VTODO_COMPONENT) {
      const char* uid = icalcomponent_get_uid(c);
      if (!uid || !*uid) {  // RFC 5545 requires one; feeds in the wild forget it
        // The same text gives the same id, sync after sync.
        std::string basis = icalcomponent_as_ical_string(c);
        icalcomponent_set_uid(c, ("no-uid-" + std::to_string(std::hash<std::string>{}(basis))).c_str());
        uid = icalcomponent_get_uid(c);
        col.out->warnings.push_back(std::string(k == ICAL_VTODO_COMPONENT ? "a VTODO" : "a VEVENT") +
                                    " without UID got the id " + uid);
      }
    }
    if (k == ICAL_VEVENT_COMPONENT) {
      const char* uid = icalcomponent_get_uid(c);
      icaltimetype rid = icalcomponent_get_recurrenceid(c);
      if (!icaltime_is_null_time(rid)) {
        rid = Zoned(rid, icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY));
        if (!rid.zone && !rid.is_date) rid.zone = Start(c).zone;
        col.overrides[uid][ToUnix(rid)] = c;
      } else {
        masters.push_back(c);
      }
      continue;
    }
    if (k == ICAL_VTODO_COMPONENT) {
      todos.push_back(c);
      continue;
    }
    for (icalcomponent* ch = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); ch;
         ch = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
      stack.push_back(ch);
  }
  for (icalcomponent* m : masters) Expand(m, col);
  AddOrphans(col);
  for (icalcomponent* t : todos) AddTodo(t, col);
}

}  // namespace

ParseResult Parse(const std::string& text, const ExpandOptions& opts) {
  ParseResult out;
  icalerror_set_errors_are_fatal(0);
  std::string body = text.substr(0, 3) == "\xEF\xBB\xBF" ? text.substr(3) : text;
  if (body.find("BEGIN:") == std::string::npos) {
    out.error = "not iCalendar: no BEGIN:VCALENDAR (or any BEGIN:) line";
    return out;
  }
  ComponentPtr root(icalparser_parse_string(body.c_str()), icalcomponent_free);
  if (!root) {
    out.error = "not iCalendar: libical could not read it";
    return out;
  }
  Collector col{opts, &out, {}};
  Walk(root.get(), col);
  return out;
}

}  // namespace coophub::ical
