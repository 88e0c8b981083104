// SPDX-License-Identifier: Apache-2.0
#include "base/timeutil.h"

#include <gtest/gtest.h>

namespace coophub {
namespace {

TEST(Time, Rfc3339RoundTripsAndNormalisesOffsets) {
  EXPECT_EQ(NormalizeRfc3339("2026-11-24T09:30:00Z"), "2026-11-24T09:30:00Z");
  EXPECT_EQ(NormalizeRfc3339("2026-11-24T09:30:00.250-02:30"), "2026-11-24T12:00:00Z");
  EXPECT_EQ(NormalizeRfc3339("2026-11-24"), "2026-11-24T00:00:00Z");
  EXPECT_EQ(NormalizeRfc3339("2024-02-29T23:59:59+00:00"), "2024-02-29T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59Z");
  for (const char* bad : {"", "2026-11-24T09:30", "2026-13-01", "24/11/2026", "2026-11-24T09:30:00Zjunk"})
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
}

TEST(Time, Durations) {
  EXPECT_EQ(ParseDurationMs("15m"), 900000);
  EXPECT_EQ(ParseDurationMs("90"), 90000);
  EXPECT_EQ(ParseDurationMs("250ms"), 250);
  EXPECT_EQ(ParseDurationMs("1d"), 86400000);
  EXPECT_FALSE(ParseDurationMs("soon"));
  EXPECT_EQ(ParseDurationMs("2w"), 14 * 86400000LL);
  EXPECT_EQ(ParseDurationMs("1y"), 365 * 86400000LL);
  EXPECT_FALSE(ParseDurationMs("5mo"));
}

}  // namespace
}  // namespace coophub
