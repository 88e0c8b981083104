// SPDX-License-Identifier: Apache-2.0
// When a source's next run is due: the rule every replica works out alike.
#include "sync/scheduler.h"

#include <gtest/gtest.h>

#include <limits>

namespace coophub {
namespace {

constexpr int64_t kMin = 60 * 1000, kHour = 60 * kMin;

SourceRuns Last(const std::string& status, int64_t started, int64_t finished, int failures = 0) {
  SourceRuns r;
  r.last.status = status;
  r.last.started_ms = started;
  r.last.finished_ms = finished;
  r.failures = failures;
  return r;
}

TEST(NextOccurrence, OnAGridOffsetPerSourceWithinTheJitter) {
  const ScheduleRule rule{kHour, 5 * kMin, 6 * kHour};
  const int64_t now = 1000 * kHour + 17 * kMin;
  int64_t a = NextOccurrence("news", rule, nullptr, now);
  int64_t b = NextOccurrence("agenda", rule, nullptr, now);
  for (int64_t t : {a, b}) {
    EXPECT_LE(t, now) << "a source that never ran is due at once";
    EXPECT_GT(t, now - kHour);
    EXPECT_LE((t - 1000 * kHour) % kHour, 5 * kMin) << "within the jitter of the hour";
  }
  EXPECT_NE(a, b) << "sources are spread over the jitter (these two ids fall apart)";
  EXPECT_EQ(NextOccurrence("news", rule, nullptr, now + 10 * kMin), a) << "the same occurrence through the hour";
  SourceRuns ran = Last("ok", a + 2000, a + 9000);
  EXPECT_EQ(NextOccurrence("news", rule, &ran, now), a + kHour) << "after a run, the next one on the grid";
  EXPECT_EQ(NextOccurrence("news", {kHour, 0, 6 * kHour}, nullptr, now), 1000 * kHour) << "no jitter: the hour";
}

TEST(NextOccurrence, AfterFailuresTheBackoffFromTheLastEnd) {
  const ScheduleRule rule{kHour, 0, 10 * kMin};
  const int64_t end = 1000 * kHour + 3 * kMin;
  SourceRuns failed = Last("failed", end - 1000, end, 1);
  EXPECT_EQ(NextOccurrence("x", rule, &failed, end), end + kMin);
  failed.failures = 3;
  EXPECT_EQ(NextOccurrence("x", rule, &failed, end), end + 4 * kMin);
  failed.failures = 40;
  EXPECT_EQ(NextOccurrence("x", rule, &failed, end), end + 10 * kMin) << "capped by max_backoff";
  SourceRuns cancelled = Last("cancelled", end - 1000, end);
  EXPECT_EQ(NextOccurrence("x", rule, &cancelled, end), 1001 * kHour) << "a cancelled run is no failure";
}

TEST(NextOccurrence, NotWhileARunIsGoing) {
  SourceRuns running = Last("running", 5, 0);
  EXPECT_EQ(NextOccurrence("x", {kHour, 0, kHour}, &running, 10 * kHour), std::numeric_limits<int64_t>::max());
}

}  // namespace
}  // namespace coophub
