// SPDX-License-Identifier: Apache-2.0
// Calendar days, not 24-hour blocks: with a fixed clock, across midnight, DST changes
// and time zones.
#include "i18n/dates.h"

#include <gtest/gtest.h>

#include "base/timeutil.h"

namespace coophub {
namespace {

int64_t At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

TEST(Dates, CountsCalendarDaysInTheReadersZone) {
  Dates paris("en-GB", "Europe/Paris");
  int64_t tuesday_evening = At("2026-12-01T21:30:00Z");  // 22:30 in Paris
  // Two shifts on the same Monday are the same day away, whatever their hour.
  EXPECT_EQ(paris.DaysFrom(tuesday_evening, At("2026-12-07T06:00:00Z")), 6);
  EXPECT_EQ(paris.DaysFrom(tuesday_evening, At("2026-12-07T20:00:00Z")), 6);
  // Friday is three days from Tuesday, never "the day after tomorrow".
  EXPECT_EQ(paris.DaysFrom(tuesday_evening, At("2026-12-04T08:00:00Z")), 3);
  // 01:00 in Paris is tomorrow, though it is 2h30 away.
  EXPECT_EQ(paris.DaysFrom(tuesday_evening, At("2026-12-02T00:00:00Z")), 1);
  // The same instants in New York are still on Tuesday.
  Dates ny("en-GB", "America/New_York");
  EXPECT_EQ(ny.DaysFrom(tuesday_evening, At("2026-12-02T00:00:00Z")), 0);
}

TEST(Dates, SaysTodayTomorrowAWeekdayThenADate) {
  Dates d("en-GB", "Europe/Paris");
  int64_t now = At("2026-12-01T08:00:00Z");  // Tuesday 09:00 in Paris
  EXPECT_EQ(d.When(At("2026-12-01T08:20:00Z"), now), "in 20 minutes");
  EXPECT_EQ(d.When(At("2026-12-01T13:00:00Z"), now), "today 14:00");
  EXPECT_EQ(d.When(At("2026-12-02T08:00:00Z"), now), "tomorrow 09:00");
  EXPECT_EQ(d.When(At("2026-12-04T17:00:00Z"), now), "Friday 18:00");
  EXPECT_EQ(d.When(At("2026-12-07T17:00:00Z"), now), "Monday 18:00");
  EXPECT_EQ(d.When(At("2026-12-08T17:00:00Z"), now), "Tue, 8 Dec 18:00");  // a week on: a date
  EXPECT_EQ(d.When(At("2027-01-12T13:00:00Z"), now), "Tue, 12 Jan 2027 14:00");
  // Behind.
  EXPECT_EQ(d.When(At("2026-12-01T07:59:30Z"), now), "now");
  EXPECT_EQ(d.When(At("2026-12-01T07:55:00Z"), now), "5 minutes ago");
  EXPECT_EQ(d.When(At("2026-11-30T23:30:00Z"), now), "8 hours ago");  // 00:30 today
  EXPECT_EQ(d.When(At("2026-11-30T20:00:00Z"), now), "yesterday 21:00");
  EXPECT_EQ(d.When(At("2026-11-27T20:00:00Z"), now), "Fri, 27 Nov");
}

TEST(Dates, AcrossMidnight) {
  Dates d("en-GB", "Europe/Paris");
  int64_t event = At("2026-12-02T07:00:00Z");                              // Wednesday 08:00
  EXPECT_EQ(d.When(event, At("2026-12-01T22:59:00Z")), "tomorrow 08:00");  // Tuesday 23:59
  EXPECT_EQ(d.When(event, At("2026-12-01T23:00:00Z")), "today 08:00");     // Wednesday 00:00
}

TEST(Dates, AcrossDaylightSavingChanges) {
  Dates d("en-GB", "Europe/Paris");
  // Saturday 28 March 2026, 12:00; the clocks go forward on Sunday night, so Monday
  // 00:30 is only 35.5 hours later but two days away.
  int64_t saturday = At("2026-03-28T11:00:00Z");
  EXPECT_EQ(d.DaysFrom(saturday, At("2026-03-29T22:30:00Z")), 2);
  EXPECT_EQ(d.When(At("2026-03-29T22:30:00Z"), saturday), "Monday 00:30");
  // And back in October: Sunday 25th has 25 hours; 23:30 is still that Sunday.
  int64_t sunday = At("2026-10-25T00:30:00Z");  // 02:30 summer time
  EXPECT_EQ(d.DaysFrom(sunday, At("2026-10-25T22:30:00Z")), 0);
  EXPECT_EQ(d.When(At("2026-10-25T22:30:00Z"), sunday), "today 23:30");
}

TEST(Dates, AllDayDatesHaveNoZone) {
  Dates d("en-GB", "Pacific/Auckland");
  CivilDate day;
  ASSERT_TRUE(CivilDate::Parse("2026-12-12", &day));
  // Noon in Auckland on the 11th: the 12th is tomorrow there.
  EXPECT_EQ(d.WhenDate(day, At("2026-12-10T23:00:00Z")), "tomorrow");
  EXPECT_EQ(d.WhenDate(day, At("2026-12-08T23:00:00Z")), "Saturday");
  EXPECT_EQ(d.WhenDate(day, At("2026-11-30T23:00:00Z")), "Sat, 12 Dec");
  EXPECT_FALSE(CivilDate::Parse("2026-13-01", &day));
  EXPECT_FALSE(CivilDate::Parse("2026-12-1", &day));
  EXPECT_FALSE(CivilDate::Parse("2026-12-12T00", &day));
}

TEST(Dates, RangesSayTheDayOnce) {
  Dates d("en-GB", "Europe/Paris");
  int64_t now = At("2026-12-01T08:00:00Z");
  EXPECT_EQ(d.Range(At("2026-12-01T13:00:00Z"), At("2026-12-01T15:00:00Z"), now), "today 14:00–16:00");
  EXPECT_EQ(d.Range(At("2026-12-01T21:00:00Z"), At("2026-12-01T23:00:00Z"), now), "today 22:00–00:00");
  EXPECT_EQ(d.Range(At("2026-12-04T21:00:00Z"), At("2026-12-05T05:00:00Z"), now), "Friday 22:00 – Saturday 06:00");
}

TEST(Dates, SpeaksTheReadersLanguage) {
  int64_t now = At("2026-12-01T08:00:00Z");
  Dates fr("fr", "Europe/Paris");
  EXPECT_EQ(fr.When(At("2026-12-02T08:00:00Z"), now), "demain 09:00");
  EXPECT_EQ(fr.When(At("2026-12-04T17:00:00Z"), now), "vendredi 18:00");
  EXPECT_EQ(fr.When(At("2026-12-01T07:55:00Z"), now), "il y a 5 minutes");
  Dates sv("sv", "Europe/Stockholm");
  EXPECT_EQ(sv.When(At("2026-12-01T13:00:00Z"), now), "i dag 14:00");
  EXPECT_EQ(sv.When(At("2026-12-01T08:01:00Z") + 60, now), "om 2 minuter");
  EXPECT_EQ(sv.When(At("2026-12-01T07:59:00Z"), now), "för 1 minut sedan");
}

TEST(Dates, SinceAndTheRestOfTheWeek) {
  int64_t tuesday = At("2026-12-01T08:00:00Z");
  Dates fr("fr", "Europe/Paris");
  EXPECT_EQ(fr.Since(At("2026-12-01T06:00:00Z"), tuesday), "07:00");
  EXPECT_EQ(fr.Since(At("2026-11-30T20:00:00Z"), tuesday), "hier 21:00");
  EXPECT_EQ(fr.DaysLeftInWeek(tuesday), 5) << "a French week ends on Sunday";
  Dates us("en-US", "America/New_York");
  EXPECT_EQ(us.DaysLeftInWeek(tuesday), 4) << "an American one on Saturday";
}

TEST(Dates, ZonesAreCheckedAndTheDefaultIsUtc) {
  EXPECT_TRUE(Dates::KnownZone("Europe/Paris"));
  EXPECT_TRUE(Dates::KnownZone("America/Argentina/Buenos_Aires"));
  EXPECT_FALSE(Dates::KnownZone("Mars/Olympus"));
  EXPECT_FALSE(Dates::KnownZone(""));
  EXPECT_FALSE(Dates::KnownZone("Europe/Paris\"><script>"));
  Dates d("en-GB", "Mars/Olympus");
  EXPECT_EQ(d.zone(), "UTC");
  EXPECT_EQ(d.Time(At("2026-12-01T13:00:00Z")), "13:00");
  EXPECT_TRUE(Dates::KnownZone(Dates::HostZone()));
}

// A month's calendar: its title and weekdays in the reader's language, each day where the
// reader's week puts it, and days that begin at local midnight, a DST change or not.
TEST(Dates, AMonthInTheReadersWeekAndLanguage) {
  Dates fr("fr", "Europe/Paris"), us("en-US", "America/New_York"), sv("sv", "Europe/Stockholm");
  EXPECT_EQ(fr.MonthTitle(2026, 12), "Décembre 2026");
  EXPECT_EQ(us.MonthTitle(2026, 12), "December 2026");
  EXPECT_EQ(sv.MonthTitle(2027, 1), "Januari 2027");
  EXPECT_EQ(fr.WeekdayNames(false).front(), "lundi") << "a French week starts on Monday";
  EXPECT_EQ(us.WeekdayNames(false).front(), "Sunday");
  EXPECT_EQ(sv.WeekdayNames(true).size(), 7u);
  CivilDate tuesday{2026, 12, 1};
  EXPECT_EQ(fr.PlaceInWeek(tuesday), 1);
  EXPECT_EQ(us.PlaceInWeek(tuesday), 2);
  EXPECT_EQ(fr.StartOf({2026, 3, 29}), At("2026-03-28T23:00:00Z"));
  EXPECT_EQ(fr.StartOf({2026, 3, 30}) - fr.StartOf({2026, 3, 29}), 23 * 3600) << "the day the clocks go forward";
  EXPECT_EQ(Dates::DaysInMonth(2028, 2), 29);
  EXPECT_EQ(Dates::DaysInMonth(2100, 2), 28);
  EXPECT_EQ(Dates::DaysInMonth(2026, 12), 31);
}

}  // namespace
}  // namespace coophub
