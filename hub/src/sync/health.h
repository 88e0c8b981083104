// SPDX-License-Identifier: Apache-2.0
//
// A source's health as people are shown it: the one rule for how fresh its records are.
// Pure, thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace coophub {

// "fresh": a run succeeded within twice the source's interval, and the last run did not
// fail; "stale": the last success is older, or the last run failed (even if none ever succeeded); "never": no run has
// succeeded yet (and the last run did not fail). Times in milliseconds (last_success_ms 0: never).
const char* Freshness(int64_t last_success_ms, const std::string& last_status, int64_t every_ms, int64_t now_ms);

}  // namespace coophub
