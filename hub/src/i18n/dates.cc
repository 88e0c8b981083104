// SPDX-License-Identifier: Apache-2.0
// Times as a reader says them, by ICU; see dates.h.
#include "i18n/dates.h"

#include <unicode/calendar.h>
#include <unicode/dtfmtsym.h>
#include <unicode/dtptngen.h>
#include <unicode/gregocal.h>
#include <unicode/reldatefmt.h>
#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>

#include <cstdio>
#include <map>
#include <mutex>

namespace coophub {
namespace {

// The four patterns a language writes its times with (ICU skeletons, which Intl's
// options in when.js name the same way). Finding them is the slow part of ICU, so once
// a language.
struct Patterns {
  icu::UnicodeString time, weekday, date, date_year, month_year;
};

const Patterns& PatternsFor(const icu::Locale& locale) {
  static std::mutex mu;
  static std::map<std::string, Patterns> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto [it, inserted] = cache.try_emplace(locale.getName());
  if (inserted) {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::DateTimePatternGenerator> gen(icu::DateTimePatternGenerator::createInstance(locale, status));
    auto Best = [&](const char* skeleton, const char* fallback) {
      UErrorCode s = U_ZERO_ERROR;
      icu::UnicodeString p = gen ? gen->getBestPattern(icu::UnicodeString(skeleton), s) : icu::UnicodeString();
      return U_SUCCESS(s) && !p.isEmpty() ? p : icu::UnicodeString(fallback);
    };
    it->second = {Best("jmm", "HH:mm"), Best("EEEE", "EEEE"), Best("EEEdMMM", "EEE d MMM"),
                  Best("EEEdMMMy", "EEE d MMM y"), Best("yMMMM", "MMMM y")};
  }
  return it->second;
}

std::string Utf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

}  // namespace

bool CivilDate::Parse(const std::string& text, CivilDate* out) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return false;
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  *out = {y, m, d};
  return true;
}

struct Dates::Icu {
  icu::Locale locale;
  std::unique_ptr<icu::Calendar> calendar;  // Gregorian, in the zone
  std::unique_ptr<icu::SimpleDateFormat> time, weekday, date, date_year;
  std::unique_ptr<icu::RelativeDateTimeFormatter> relative;
};

int64_t UtcOffsetSeconds(const std::string& zone, int64_t unix) {
  std::unique_ptr<icu::TimeZone> tz(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(zone)));
  if (!tz || *tz == icu::TimeZone::getUnknown()) return 0;
  int32_t raw = 0, dst = 0;
  UErrorCode status = U_ZERO_ERROR;
  tz->getOffset(static_cast<UDate>(unix) * 1000.0, false, raw, dst, status);
  return U_SUCCESS(status) ? (static_cast<int64_t>(raw) + dst) / 1000 : 0;
}

Dates::Dates(const std::string& lang, const std::string& zone, std::string day_time)
    : icu_(std::make_unique<Icu>()), zone_(KnownZone(zone) ? zone : "UTC"), day_time_(std::move(day_time)) {
  UErrorCode status = U_ZERO_ERROR;
  icu_->locale = icu::Locale::forLanguageTag(lang, status);
  if (U_FAILURE(status)) icu_->locale = icu::Locale::getEnglish();
  std::unique_ptr<icu::TimeZone> tz(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(zone_)));
  status = U_ZERO_ERROR;
  // Gregorian whatever the locale's own calendar: the store's dates are Gregorian.
  icu_->calendar = std::make_unique<icu::GregorianCalendar>(*tz, icu_->locale, status);
  const Patterns& p = PatternsFor(icu_->locale);
  auto Format = [&](const icu::UnicodeString& pattern) {
    UErrorCode s = U_ZERO_ERROR;
    auto f = std::make_unique<icu::SimpleDateFormat>(pattern, icu_->locale, s);
    f->adoptCalendar(icu_->calendar->clone());
    return f;
  };
  icu_->time = Format(p.time);
  icu_->weekday = Format(p.weekday);
  icu_->date = Format(p.date);
  icu_->date_year = Format(p.date_year);
  status = U_ZERO_ERROR;
  icu_->relative = std::make_unique<icu::RelativeDateTimeFormatter>(icu_->locale, status);
  if (U_FAILURE(status)) icu_->relative.reset();
}

Dates::~Dates() = default;
Dates::Dates(Dates&&) noexcept = default;
Dates& Dates::operator=(Dates&&) noexcept = default;

bool Dates::KnownZone(const std::string& zone) {
  if (zone.empty() || zone.size() > 64) return false;
  icu::UnicodeString canonical;
  UBool system = false;
  UErrorCode status = U_ZERO_ERROR;
  icu::TimeZone::getCanonicalID(icu::UnicodeString::fromUTF8(zone), canonical, system, status);
  return U_SUCCESS(status) && system;
}

std::string Dates::HostZone() {
  std::unique_ptr<icu::TimeZone> tz(icu::TimeZone::detectHostTimeZone());
  icu::UnicodeString id;
  if (tz) tz->getID(id);
  std::string zone = Utf8(id);
  return KnownZone(zone) ? zone : "UTC";
}

const std::string& Dates::zone() const { return zone_; }

int Dates::DaysFrom(int64_t now, int64_t t) const {
  UErrorCode status = U_ZERO_ERROR;
  icu_->calendar->setTime(static_cast<UDate>(now) * 1000.0, status);
  int32_t from = icu_->calendar->get(UCAL_JULIAN_DAY, status);
  icu_->calendar->setTime(static_cast<UDate>(t) * 1000.0, status);
  int32_t to = icu_->calendar->get(UCAL_JULIAN_DAY, status);
  return U_SUCCESS(status) ? to - from : 0;
}

int Dates::DaysFrom(int64_t now, const CivilDate& d) const {
  UErrorCode status = U_ZERO_ERROR;
  icu_->calendar->setTime(static_cast<UDate>(now) * 1000.0, status);
  int32_t from = icu_->calendar->get(UCAL_JULIAN_DAY, status);
  icu_->calendar->clear();
  icu_->calendar->set(d.year, d.month - 1, d.day, 12, 0, 0);
  int32_t to = icu_->calendar->get(UCAL_JULIAN_DAY, status);
  return U_SUCCESS(status) ? to - from : 0;
}

CivilDate Dates::DateOf(int64_t t) const {
  UErrorCode status = U_ZERO_ERROR;
  icu_->calendar->setTime(static_cast<UDate>(t) * 1000.0, status);
  CivilDate d{icu_->calendar->get(UCAL_YEAR, status), icu_->calendar->get(UCAL_MONTH, status) + 1,
              icu_->calendar->get(UCAL_DATE, status)};
  return d;
}

std::string Dates::Time(int64_t t) const {
  icu::UnicodeString out;
  return Utf8(icu_->time->format(static_cast<UDate>(t) * 1000.0, out));
}

std::string Dates::Weekday(int64_t t) const {
  icu::UnicodeString out;
  return Utf8(icu_->weekday->format(static_cast<UDate>(t) * 1000.0, out));
}

std::string Dates::Date(int64_t t, int64_t now) const {
  icu::UnicodeString out;
  auto& f = DateOf(t).year == DateOf(now).year ? icu_->date : icu_->date_year;
  return Utf8(f->format(static_cast<UDate>(t) * 1000.0, out));
}

std::string Dates::Join(const std::string& day, const std::string& time) const {
  std::string out = day_time_;
  if (size_t at = out.find("{day}"); at != std::string::npos) out.replace(at, 5, day);
  if (size_t at = out.find("{time}"); at != std::string::npos) out.replace(at, 6, time);
  return out;
}

// "today", "in 5 minutes", "3 hours ago": as Intl.RelativeTimeFormat(lang, {numeric: "auto"})
// says offset units; "" if ICU cannot.
std::string Dates::Relative(int64_t offset, int unit) const {
  if (!icu_->relative) return "";
  icu::UnicodeString out;
  UErrorCode status = U_ZERO_ERROR;
  icu_->relative->format(static_cast<double>(offset), static_cast<URelativeDateTimeUnit>(unit), out, status);
  return U_SUCCESS(status) ? Utf8(out) : "";
}

// today, tomorrow, yesterday; a weekday within the coming week; else the date.
std::string Dates::DayWord(int days, int64_t t, int64_t now) const {
  if (icu_->relative && days >= -1 && days <= 1) {
    std::string word = Relative(days, UDAT_REL_UNIT_DAY);
    if (!word.empty()) return word;
  }
  if (days >= 2 && days <= 6) return Weekday(t);
  return Date(t, now);
}

std::string Dates::When(int64_t t, int64_t now) const {
  int64_t ahead = t - now;
  int64_t minutes = (ahead < 0 ? -ahead : ahead) / 60;
  int days = DaysFrom(now, t);
  if (minutes == 0) {
    if (std::string word = Relative(0, UDAT_REL_UNIT_SECOND); !word.empty()) return word;  // "now"
  } else if (minutes < 60) {
    if (std::string word = Relative(ahead > 0 ? minutes : -minutes, UDAT_REL_UNIT_MINUTE); !word.empty()) return word;
  } else if (ahead < 0 && days == 0) {  // earlier today: how long ago
    if (std::string word = Relative(ahead / 3600, UDAT_REL_UNIT_HOUR); !word.empty()) return word;
  }
  if (ahead < 0 && days < -1) return Date(t, now);  // no weekday names behind: "Monday" would read as the next one
  return Join(DayWord(days, t, now), Time(t));
}

std::string Dates::WhenDate(const CivilDate& d, int64_t now) const {
  UErrorCode status = U_ZERO_ERROR;
  icu_->calendar->clear();
  icu_->calendar->set(d.year, d.month - 1, d.day, 12, 0, 0);
  UDate noon = icu_->calendar->getTime(status);
  int64_t t = static_cast<int64_t>(noon / 1000.0);
  int days = DaysFrom(now, d);
  if (days < -1) return Date(t, now);
  return DayWord(days, t, now);
}

std::string Dates::Range(int64_t start, int64_t end, int64_t now) const {
  if (end <= start) return When(start, now);
  std::string first = Join(DayWord(DaysFrom(now, start), start, now), Time(start));
  // An end at midnight belongs to the day before (14:00–24:00 is one evening).
  if (DaysFrom(start, end - 1) == 0) return first + "–" + Time(end);
  return first + " – " + Join(DayWord(DaysFrom(now, end), end, now), Time(end));
}

}  // namespace coophub

namespace coophub {

std::string Dates::Since(int64_t t, int64_t now) const {
  int days = DaysFrom(now, t);
  if (days == 0) return Time(t);
  return Join(DayWord(days, t, now), Time(t));
}

int Dates::DaysLeftInWeek(int64_t now) const {
  UErrorCode status = U_ZERO_ERROR;
  icu_->calendar->setTime(static_cast<UDate>(now) * 1000.0, status);
  int weekday = icu_->calendar->get(UCAL_DAY_OF_WEEK, status);  // 1 Sunday .. 7 Saturday
  int first = icu_->calendar->getFirstDayOfWeek(status);
  if (U_FAILURE(status)) return 0;
  int into = (weekday - first + 7) % 7;  // 0 on the week's first day
  return 6 - into;
}

int64_t Dates::StartOf(const CivilDate& d) const {
  UErrorCode status = U_ZERO_ERROR;
  icu_->calendar->clear();
  icu_->calendar->set(d.year, d.month - 1, d.day, 0, 0, 0);
  UDate t = icu_->calendar->getTime(status);
  return U_SUCCESS(status) ? static_cast<int64_t>(t / 1000.0) : 0;
}

int Dates::DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[(month - 1) % 12];
}

std::string Dates::MonthTitle(int year, int month) const {
  UErrorCode status = U_ZERO_ERROR;
  icu::SimpleDateFormat format(PatternsFor(icu_->locale).month_year, icu_->locale, status);
  format.adoptCalendar(icu_->calendar->clone());
  icu::UnicodeString out;
  format.format(static_cast<UDate>(StartOf({year, month, 15})) * 1000.0, out);
  // A title starts with a capital, as the month does in English ("décembre" → "Décembre").
  if (!out.isEmpty()) out.replace(0, 1, icu::UnicodeString(out, 0, 1).toTitle(nullptr, icu_->locale));
  return Utf8(out);
}

int Dates::PlaceInWeek(const CivilDate& d) const {
  UErrorCode status = U_ZERO_ERROR;
  icu_->calendar->clear();
  icu_->calendar->set(d.year, d.month - 1, d.day, 12, 0, 0);
  int weekday = icu_->calendar->get(UCAL_DAY_OF_WEEK, status);
  int first = icu_->calendar->getFirstDayOfWeek(status);
  return U_SUCCESS(status) ? (weekday - first + 7) % 7 : 0;
}

std::vector<std::string> Dates::WeekdayNames(bool short_names) const {
  UErrorCode status = U_ZERO_ERROR;
  icu::DateFormatSymbols symbols(icu_->locale, status);
  int32_t count = 0;
  const icu::UnicodeString* names =
      symbols.getWeekdays(count, icu::DateFormatSymbols::STANDALONE,
                          short_names ? icu::DateFormatSymbols::ABBREVIATED : icu::DateFormatSymbols::WIDE);
  int first = icu_->calendar->getFirstDayOfWeek(status);  // 1 Sunday .. 7 Saturday, as names[] counts
  std::vector<std::string> out;
  for (int i = 0; i < 7; ++i) {
    int day = (first - 1 + i) % 7 + 1;
    out.push_back(U_SUCCESS(status) && day < count ? Utf8(names[day]) : std::to_string(day));
  }
  return out;
}

}  // namespace coophub
