// SPDX-License-Identifier: Apache-2.0
// Time parsing and formatting for the hub; see timeutil.h.
#include "base/timeutil.h"

#include <chrono>
#include <cstdio>

namespace coophub {
std::optional<std::string> NormalizeRfc3339(std::string_view text) {
  auto t = ParseRfc3339(text);
  if (!t) return std::nullopt;
  return FormatRfc3339(*t);
}

std::optional<int64_t> ParseDurationMs(std::string_view s) {
  if (s.empty()) return std::nullopt;
  size_t i = 0;
  int64_t v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    v = v * 10 + (s[i] - '0');
    if (v > (int64_t{1} << 40)) return std::nullopt;
    ++i;
  }
  if (i == 0) return std::nullopt;
  std::string_view unit = s.substr(i);
  if (unit.empty() || unit == "s") return v * 1000;
  if (unit == "ms") return v;
  if (unit == "m") return v * 60'000;
  if (unit == "h") return v * 3'600'000;
  if (unit == "d") return v * 86'400'000;
  if (unit == "w") return v * 7 * 86'400'000;
  if (unit == "y") return v * 365 * 86'400'000;  // a retention's year: 365 days
  return std::nullopt;
}

int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace coophub
