// SPDX-License-Identifier: Apache-2.0
//
// Calendar arithmetic for plugins and the hub: Unix seconds to and from the UTC
// RFC 3339 form records use. Header-only, pure, thread-safe (no locale, no TZ).
#ifndef COOPHUB_TIME_HPP_
#define COOPHUB_TIME_HPP_

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace coophub {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
inline int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// "YYYY-MM-DDTHH:MM:SSZ" for a Unix time.
inline std::string FormatRfc3339(int64_t t) {
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t secs = t - days * 86400;
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y), m, d,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
  return buf;
}

// Parses RFC 3339 / ISO 8601 date-times ("2026-11-24T09:30:00+01:00", "...Z",
// fractional seconds, a space for T, a bare date "2026-11-24" as midnight UTC).
// Returns nullopt for anything else, including a local time with no zone.
inline std::optional<int64_t> ParseRfc3339(std::string_view s) {
  auto Digits = [](std::string_view str, size_t pos, size_t n, int* out) {
    if (pos + n > str.size()) return false;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (str[i] < '0' || str[i] > '9') return false;
      v = v * 10 + (str[i] - '0');
    }
    *out = v;
    return true;
  };
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &mo) || s[7] != '-' ||
      !Digits(s, 8, 2, &d))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  size_t pos = 10;
  int64_t offset = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
    if (!Digits(s, pos + 1, 2, &h) || s.size() < pos + 6 || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, &mi))
      return std::nullopt;
    pos += 6;
    if (pos < s.size() && s[pos] == ':') {
      if (!Digits(s, pos + 1, 2, &se)) return std::nullopt;
      pos += 3;
    }
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      ++pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    }
    if (pos == s.size()) return std::nullopt;  // a local time with no zone is ambiguous
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh, om = 0;
      if (!Digits(s, pos + 1, 2, &oh)) return std::nullopt;
      size_t p = pos + 3;
      if (p < s.size() && s[p] == ':') ++p;
      if (p < s.size() && !Digits(s, p, 2, &om)) return std::nullopt;
      if (p < s.size()) p += 2;
      offset = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
      pos = p;
    }
    if (pos != s.size() || h > 24 || mi > 59 || se > 60) return std::nullopt;
  }
  return DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
}

}  // namespace coophub

#endif  // COOPHUB_TIME_HPP_
