// SPDX-License-Identifier: Apache-2.0
#include "sync/health.h"

#include <gtest/gtest.h>

namespace coophub {
namespace {

TEST(Freshness, TwiceTheIntervalAndTheLastRun) {
  const int64_t min = 60 * 1000, now = 1'000'000 * min;
  EXPECT_STREQ(Freshness(0, "", 15 * min, now), "never");
  EXPECT_STREQ(Freshness(0, "running", 15 * min, now), "never");
  EXPECT_STREQ(Freshness(now - 30 * min, "ok", 15 * min, now), "fresh") << "twice the interval is still fresh";
  EXPECT_STREQ(Freshness(now - 31 * min, "ok", 15 * min, now), "stale");
  EXPECT_STREQ(Freshness(now - min, "failed", 15 * min, now), "stale") << "a failed last run is stale at once";
  EXPECT_STREQ(Freshness(now - min, "running", 15 * min, now), "fresh");
  EXPECT_STREQ(Freshness(0, "failed", 15 * min, now), "stale") << "a source that only ever failed needs attention";
}

}  // namespace
}  // namespace coophub
