// SPDX-License-Identifier: Apache-2.0
//
// Times as a reader says them: in their time zone and language, counted in calendar
// days, not 24-hour blocks. "in 20 minutes", "today 14:00", "tomorrow 09:00",
// "Monday 18:00" (within the coming week), "Mon, 12 Jan 14:00", "Mon, 12 Jan 2027"; and
// behind: "5 minutes ago", "today 09:12", "yesterday 18:00". ICU does the calendar, the
// zone rules (DST included) and every word, the same data the browser's Intl has, so
// web/src/when.js says the same thing when it has to re-render in the browser's zone.
//
// One Dates per page (making one loads ICU's formatters for the language); not
// thread-safe, cheap to keep.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace coophub {

// A day without a time (an all-day event): its civil date, no zone.
struct CivilDate {
  int year = 0, month = 0, day = 0;                            // month 1-12
  static bool Parse(const std::string& text, CivilDate* out);  // "2026-12-12"
};

// The zone's offset from UTC at an instant (unix seconds), in seconds; 0 for an
// unknown zone. Thread-safe.
int64_t UtcOffsetSeconds(const std::string& zone, int64_t unix);

class Dates {
 public:
  // lang: a BCP 47 tag ("fr", "sv-SE"); zone: an IANA zone ("Europe/Paris"). An unknown
  // zone is UTC.
  // day_time is how the language joins a day and a time: "{day} {time}".
  Dates(const std::string& lang, const std::string& zone, std::string day_time = "{day} {time}");
  ~Dates();
  Dates(Dates&&) noexcept;
  Dates& operator=(Dates&&) noexcept;

  // Whether ICU knows zone as an IANA name (the reader's browser sends it).
  static bool KnownZone(const std::string& zone);
  // This machine's zone, as ICU finds it ("UTC" when it cannot).
  static std::string HostZone();

  const std::string& zone() const;

  // An instant (unix seconds) as the reader says it, relative to now.
  std::string When(int64_t t, int64_t now) const;
  // An all-day date: "today", "tomorrow", "Monday", "Mon 12 Jan".
  std::string WhenDate(const CivilDate& d, int64_t now) const;
  // start–end: "today 14:00–16:00", "Mon 12 Jan 14:00 – Tue 13 Jan 10:00".
  std::string Range(int64_t start, int64_t end, int64_t now) const;

  // A moment behind, for "since": "21:00" today, else "yesterday 21:00", "Fri 27 Nov 21:00".
  std::string Since(int64_t t, int64_t now) const;
  // How many days after today the reader's week goes on (0 on its last day), by the
  // language's first day of the week (Monday in fr and sv, Sunday in en-US).
  int DaysLeftInWeek(int64_t now) const;

  // Calendar days from now's day to t's day in the zone: 0 today, 1 tomorrow, -1 yesterday.
  int DaysFrom(int64_t now, int64_t t) const;
  int DaysFrom(int64_t now, const CivilDate& d) const;
  // The parts: "14:00" (or "2:00 PM", as the language writes it), "Monday", "Mon 12 Jan"
  // (with the year when it is not now's).
  std::string Time(int64_t t) const;
  std::string Weekday(int64_t t) const;
  std::string Date(int64_t t, int64_t now) const;
  // t's civil date in the zone.
  CivilDate DateOf(int64_t t) const;

  // For a month's calendar: when d begins in the zone (unix seconds, DST-aware); how
  // many days the month of year has; the month as a title ("décembre 2026", "December
  // 2026"); d's place in the reader's week (0 on its first day: Monday in fr and sv,
  // Sunday in en-US); and the weekdays' names in that order, short ("lun.") or whole.
  int64_t StartOf(const CivilDate& d) const;
  static int DaysInMonth(int year, int month);
  std::string MonthTitle(int year, int month) const;
  int PlaceInWeek(const CivilDate& d) const;
  std::vector<std::string> WeekdayNames(bool short_names) const;

 private:
  struct Icu;
  std::unique_ptr<Icu> icu_;
  std::string zone_, day_time_;
  std::string Join(const std::string& day, const std::string& time) const;
  std::string DayWord(int days, int64_t any_instant_that_day, int64_t now) const;
  std::string Relative(int64_t offset, int unit) const;  // unit: a URelativeDateTimeUnit
};

}  // namespace coophub
