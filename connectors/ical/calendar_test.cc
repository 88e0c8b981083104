// SPDX-License-Identifier: Apache-2.0
// Calendars: recurrence expansion, time zones, all-day items, to-dos, the cap, and every
// calendar of the icalendar-python and ical.js corpora read or refused cleanly.
#include "calendar.h"

#include <gtest/gtest.h>

#include <coophub/time.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace coophub::ical {
namespace {

namespace fs = std::filesystem;

ExpandOptions Window(const char* from, const char* to) {
  ExpandOptions o;
  o.window_start = *ParseRfc3339(from);
  o.window_end = *ParseRfc3339(to);
  return o;
}

std::string Cal(const std::string& body) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//coophub//test//EN\r\n" + body + "END:VCALENDAR\r\n";
}

const char* kParisZone =
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n"
    "BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n";

TEST(Calendar, WeeklyMeetingWithExdateAndAMovedOccurrence) {
  std::string text = Cal(std::string(kParisZone) +
                         "BEGIN:VEVENT\r\nUID:board@coop\r\nSUMMARY:Board meeting\r\n"
                         "DTSTART;TZID=Europe/Paris:20261005T180000\r\nDTEND;TZID=Europe/Paris:20261005T193000\r\n"
                         "RRULE:FREQ=WEEKLY;COUNT=6\r\nEXDATE;TZID=Europe/Paris:20261019T180000\r\nEND:VEVENT\r\n"
                         "BEGIN:VEVENT\r\nUID:board@coop\r\nRECURRENCE-ID;TZID=Europe/Paris:20261026T180000\r\n"
                         "SUMMARY:Board meeting (moved)\r\nDTSTART;TZID=Europe/Paris:20261027T180000\r\n"
                         "DTEND;TZID=Europe/Paris:20261027T190000\r\nEND:VEVENT\r\n");
  ParseResult r = Parse(text, Window("2026-09-01T00:00:00Z", "2027-01-01T00:00:00Z"));
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.records.size(), 5u);  // six weekly, one excluded
  EXPECT_EQ(r.records[0]["time"], "2026-10-05T16:00:00Z") << "CEST is UTC+2";
  EXPECT_EQ(r.records[0]["end"], "2026-10-05T17:30:00Z");
  EXPECT_EQ(r.records[0]["id"], "board@coop/2026-10-05T16:00:00Z");
  EXPECT_EQ(r.records[2]["title"], "Board meeting (moved)");
  EXPECT_EQ(r.records[2]["time"], "2026-10-27T17:00:00Z") << "after the change to CET (UTC+1)";
  EXPECT_EQ(r.records[2]["end"], "2026-10-27T18:00:00Z");
  EXPECT_EQ(r.records[4]["time"], "2026-11-09T17:00:00Z");
}

// ATTENDEEs are the record's people ("CN <address>"), so that the page can mark a
// member's own shifts; each occurrence of a recurring event names its series.
TEST(Calendar, AttendeesArePeopleAndOccurrencesNameTheirSeries) {
  std::string text =
      Cal("BEGIN:VEVENT\r\nUID:shift@coop\r\nSUMMARY:Morning round\r\nDTSTART:20261207T070000Z\r\n"
          "DTEND:20261207T110000Z\r\nRRULE:FREQ=WEEKLY;COUNT=2\r\n"
          "ATTENDEE;CN=\"Lima, Ana\":mailto:ana@coop.example\r\nATTENDEE:MAILTO:joe@coop.example\r\n"
          "ATTENDEE;CN=Sam:urn:uuid:1\r\nEND:VEVENT\r\n"
          "BEGIN:VEVENT\r\nUID:once@coop\r\nSUMMARY:Assembly\r\nDTSTART:20261210T170000Z\r\nEND:VEVENT\r\n");
  ParseResult r = Parse(text, Window("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"));
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.records.size(), 3u) << json(r.records).dump();
  const json& once = r.records[0];  // components in the file's order, occurrences in theirs
  ASSERT_EQ(once.value("id", ""), "once@coop");
  EXPECT_FALSE(once["data"].contains("series")) << "a single event is no series";
  EXPECT_FALSE(once.contains("people"));
  for (const json& shift : {r.records[1], r.records[2]}) {
    EXPECT_EQ(shift.value("people", json()),
              json({"Lima, Ana <ana@coop.example>", "joe@coop.example", "Sam <urn:uuid:1>"}));
    EXPECT_EQ(shift["data"].value("series", ""), "shift@coop");
  }
}

// A named zone without its VTIMEZONE comes from tzdata, also when a calendar program
// (Lightning) wrote its own path before the name: the zone it ends with, not UTC.
TEST(Calendar, NamedZoneWithoutVtimezoneUsesTzdata) {
  for (std::string tzid : {"America/New_York", "/mozilla.org/20070129_1/America/New_York"}) {
    std::string text = Cal("BEGIN:VEVENT\r\nUID:x\r\nSUMMARY:Call\r\nDTSTART;TZID=" + tzid +
                           ":20260115T090000\r\n"
                           "DTEND;TZID=" +
                           tzid + ":20260115T093000\r\nEND:VEVENT\r\n");
    ParseResult r = Parse(text, Window("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"));
    ASSERT_EQ(r.records.size(), 1u) << r.error;
    EXPECT_EQ(r.records[0]["time"], "2026-01-15T14:00:00Z") << tzid;
    EXPECT_EQ(r.records[0]["end"], "2026-01-15T14:30:00Z") << tzid;
  }
}

// RFC 5545 3.8.5: the recurrence set is DTSTART, the RRULE's and RDATE's instances, less
// EXDATE; a date EXDATE on a timed series takes out that day's occurrence.
TEST(Calendar, DtstartRdatesAndDateExdates) {
  std::string rdates =
      Cal("BEGIN:VEVENT\r\nUID:r\r\nSUMMARY:Workshop\r\nDTSTART:20260302T090000Z\r\n"
          "DURATION:PT2H\r\nRDATE:20260309T090000Z,20260316T090000Z\r\nEND:VEVENT\r\n");
  ParseResult r = Parse(rdates, Window("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"));
  ASSERT_EQ(r.records.size(), 3u) << "DTSTART and two RDATEs";
  EXPECT_EQ(r.records[0]["time"], "2026-03-02T09:00:00Z");
  std::string weekly =
      Cal(std::string(kParisZone) +
          "BEGIN:VEVENT\r\nUID:w\r\nSUMMARY:Shift\r\nDTSTART;TZID=Europe/Paris:20261005T080000\r\n"
          "DURATION:PT8H\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE;VALUE=DATE:20261012\r\nEND:VEVENT\r\n");
  r = Parse(weekly, Window("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"));
  ASSERT_EQ(r.records.size(), 3u);
  for (const auto& rec : r.records) EXPECT_NE(rec["time"], "2026-10-12T06:00:00Z") << rec.dump();
}

// A moved occurrence whose series is elsewhere (an invitation to one instance, a
// birthday export) is kept as an event; a to-do without UID gets a stable id.
TEST(Calendar, AnOccurrenceWithoutItsSeriesAndATodoWithoutUid) {
  std::string text =
      Cal("BEGIN:VEVENT\r\nUID:series@elsewhere\r\nRECURRENCE-ID:20261105T100000Z\r\n"
          "DTSTART:20261105T110000Z\r\nDTEND:20261105T120000Z\r\nSUMMARY:Moved once\r\nEND:VEVENT\r\n"
          "BEGIN:VTODO\r\nSUMMARY:Order gloves\r\nDUE:20261110T170000Z\r\nEND:VTODO\r\n");
  ParseResult a = Parse(text, Window("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"));
  ASSERT_EQ(a.records.size(), 2u) << a.error;
  EXPECT_EQ(a.records[0]["id"], "series@elsewhere/2026-11-05T10:00:00Z");
  EXPECT_EQ(a.records[0]["title"], "Moved once");
  EXPECT_EQ(a.records[0]["time"], "2026-11-05T11:00:00Z");
  EXPECT_EQ(a.records[1]["kind"], "task");
  std::string id = a.records[1]["id"];
  EXPECT_EQ(id.rfind("no-uid-", 0), 0u) << id;
  EXPECT_EQ(Parse(text, Window("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")).records[1]["id"], id) << "stable";
}

TEST(Calendar, AllDayEventsKeepTheirDateAndTodosAreTasks) {
  std::string text = Cal(
      "BEGIN:VEVENT\r\nUID:hol\r\nSUMMARY:Coop holiday\r\nDTSTART;VALUE=DATE:20261224\r\n"
      "DTEND;VALUE=DATE:20261227\r\nCATEGORIES:holiday\r\nLOCATION:Everywhere\r\nEND:VEVENT\r\n"
      "BEGIN:VTODO\r\nUID:t1\r\nSUMMARY:Send minutes\r\nDUE:20261201T120000Z\r\nSTATUS:NEEDS-ACTION\r\nEND:VTODO\r\n");
  ParseResult r = Parse(text, Window("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"));
  ASSERT_EQ(r.records.size(), 2u) << r.error;
  const json& hol = r.records[0];
  EXPECT_EQ(hol["kind"], "event");
  EXPECT_EQ(hol["data"]["date"], "2026-12-24");
  EXPECT_EQ(hol["data"]["all_day"], true);
  EXPECT_EQ(hol["end"], "2026-12-27T00:00:00Z");
  EXPECT_EQ(hol["tags"], json({"holiday"}));
  EXPECT_EQ(hol["location"]["name"], "Everywhere");
  const json& todo = r.records[1];
  EXPECT_EQ(todo["kind"], "task");
  EXPECT_EQ(todo["time"], "2026-12-01T12:00:00Z");
  EXPECT_EQ(todo["data"]["status"], "NEEDS-ACTION");
}

TEST(Calendar, PathologicalRuleStopsAtTheCap) {
  std::string text =
      Cal("BEGIN:VEVENT\r\nUID:tick\r\nSUMMARY:Tick\r\nDTSTART:20260101T000000Z\r\n"
          "RRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\n");
  ExpandOptions o = Window("2026-01-01T00:00:00Z", "2036-01-01T00:00:00Z");
  o.max_occurrences = 500;
  ParseResult r = Parse(text, o);
  EXPECT_EQ(r.records.size(), 500u);
  EXPECT_EQ(r.capped, 1);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings.back().find("stopped after 500 occurrences"), std::string::npos);
}

TEST(Calendar, WindowBoundsAnEndlessRule) {
  std::string text =
      Cal("BEGIN:VEVENT\r\nUID:weekly\r\nSUMMARY:Lunch\r\nDTSTART:20200106T120000Z\r\n"
          "RRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n");
  ParseResult r = Parse(text, Window("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"));
  ASSERT_EQ(r.records.size(), 5u);  // the Mondays of November 2026
  EXPECT_EQ(r.records[0]["time"], "2026-11-02T12:00:00Z");
  EXPECT_EQ(r.capped, 0);
}

TEST(Calendar, NotACalendarIsAnError) {
  ExpandOptions o = Window("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
  EXPECT_NE(Parse("<html>nope</html>", o).error.find("not iCalendar"), std::string::npos);
  EXPECT_NE(Parse("", o).error.find("not iCalendar"), std::string::npos);
}

std::string Corpora() {
  const char* env = std::getenv("COOPHUB_CORPORA");
  return env ? env : COOPHUB_CORPORA;
}

TEST(CalendarCorpus, EveryCalendarReadsOrFailsCleanly) {
  int files = 0, read = 0, refused = 0, records = 0;
  ExpandOptions o = Window("2000-01-01T00:00:00Z", "2030-01-01T00:00:00Z");
  o.max_occurrences = 2000;
  for (const char* sub : {"icalendar-python", "ical.js"}) {
    fs::path root = fs::path(Corpora()) / sub;
    ASSERT_TRUE(fs::exists(root)) << root;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (!e.is_regular_file() || (e.path().extension() != ".ics" && e.path().extension() != ".vcf")) continue;
      std::ifstream f(e.path(), std::ios::binary);
      std::stringstream ss;
      ss << f.rdbuf();
      ParseResult r = Parse(ss.str(), o);  // ASan and UBSan watch for the rest
      ++files;
      if (r.error.empty())
        ++read;
      else
        ++refused;
      records += static_cast<int>(r.records.size());
      for (const auto& rec : r.records) {
        ASSERT_TRUE(rec.contains("id")) << e.path();
        if (rec.contains("time")) {
          EXPECT_TRUE(ParseRfc3339(rec["time"].get<std::string>())) << e.path();
        }
      }
    }
  }
  std::printf("calendar corpora: %d files, %d read (%d records), %d refused with an error\n", files, read, records,
              refused);
  EXPECT_GT(files, 150);
  EXPECT_GT(records, 100);
}

// jCal (RFC 7265) expectations of ical.js: for every VEVENT, our record of its first
// occurrence has the same start, end and summary. Local times compare as written with
// their zone; UTC times as instants; dates as dates.
struct JcalEvent {
  std::string uid, summary, start, start_tzid, start_type, end, end_tzid;
};

void CollectJcal(const json& comp, std::vector<JcalEvent>* out) {
  if (!comp.is_array() || comp.size() < 3) return;
  if (comp[0] == "vevent") {
    JcalEvent e;
    for (const auto& p : comp[1]) {
      std::string name = p[0], value = p.size() > 3 && p[3].is_string() ? p[3].get<std::string>() : "";
      std::string tzid = p[1].is_object() ? p[1].value("tzid", "") : "";
      if (name == "uid") e.uid = value;
      if (name == "summary") e.summary = value;
      if (name == "dtstart") e.start = value, e.start_tzid = tzid, e.start_type = p[2];
      if (name == "dtend") e.end = value, e.end_tzid = tzid;
    }
    out->push_back(e);
  }
  for (const auto& c : comp[2]) CollectJcal(c, out);
}

std::string Local(const json& rec, const char* key) {
  return rec.contains("data") && rec["data"].contains(key) ? rec["data"][key].get<std::string>() : "";
}

TEST(CalendarCorpus, IcalJsJcalExpectationsAgree) {
  fs::path dir = fs::path(Corpora()) / "ical.js/test/parser";
  ExpandOptions o = Window("1900-01-01T00:00:00Z", "2100-01-01T00:00:00Z");
  o.max_occurrences = 5;
  int events = 0, agreed = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".ics") continue;
    fs::path expect = e.path();
    expect.replace_extension(".json");
    if (!fs::exists(expect)) continue;
    std::ifstream jf(expect);
    json jcal = json::parse(jf, nullptr, false);
    std::vector<JcalEvent> want;
    if (jcal.is_array() && !jcal.empty() && jcal[0].is_array())
      for (const auto& c : jcal) CollectJcal(c, &want);
    else
      CollectJcal(jcal, &want);
    std::ifstream f(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    ParseResult r = Parse(ss.str(), o);
    for (const auto& w : want) {
      if (w.start.empty()) continue;
      ++events;
      const json* got = nullptr;  // the first occurrence of that UID, or (no UID) that summary
      for (const auto& rec : r.records) {
        std::string id = rec["id"];
        bool same = w.uid.empty() ? rec.value("title", "") == w.summary && id.rfind("no-uid-", 0) == 0
                                  : id == w.uid || id.rfind(w.uid + "/", 0) == 0;
        if (same && (!got || rec["time"] < (*got)["time"])) got = &rec;
      }
      if (!got) {
        ADD_FAILURE() << e.path().filename() << ": no record for " << w.uid;
        continue;
      }
      bool ok = got->value("title", "") == w.summary;
      if (w.start_type == "date")
        ok = ok && Local(*got, "date") == w.start;
      else if (!w.start.empty() && w.start.back() == 'Z')
        ok = ok && (*got)["time"] == w.start;
      else
        ok = ok && Local(*got, "start_local") == w.start && Local(*got, "tzid").find(w.start_tzid) != std::string::npos;
      if (!w.end.empty() && w.start_type != "date")
        ok = ok && (w.end.back() == 'Z' ? got->value("end", "") == w.end : Local(*got, "end_local") == w.end);
      EXPECT_TRUE(ok) << e.path().filename() << " " << w.uid << ": want " << w.start << " (" << w.start_tzid << ") - "
                      << w.end << " \"" << w.summary << "\", got " << got->dump();
      agreed += ok;
    }
  }
  std::printf("ical.js jCal: %d of %d events agree on start, end and summary\n", agreed, events);
  EXPECT_GE(events, 1) << "the corpus has VEVENTs with jCal expectations (rfc.ics)";
  EXPECT_EQ(agreed, events);
}

}  // namespace
}  // namespace coophub::ical
