// SPDX-License-Identifier: Apache-2.0
//
// Time in the hub: instants are Unix seconds (int64) in memory and UTC RFC 3339
// ("2026-11-24T09:30:00Z") in records, the store and the API, so that text order is
// time order. Durations in config are "90s", "15m", "2h", "1d". All functions are
// pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <coophub/time.hpp>

namespace coophub {

// DaysFromCivil, FormatRfc3339 and ParseRfc3339 come from the SDK, shared with plugins.

// Normalises an instant given as RFC 3339 to the canonical UTC form, or nullopt.
std::optional<std::string> NormalizeRfc3339(std::string_view text);

// Parses "250ms", "90s", "15m", "2h", "1d", "2w", "1y" (365 days), or a bare number of seconds, into
// milliseconds. nullopt for anything else.
std::optional<int64_t> ParseDurationMs(std::string_view text);

int64_t NowUnix();
int64_t NowMs();  // monotonic-enough wall clock in ms, for logs and run records

}  // namespace coophub
