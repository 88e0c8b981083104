// SPDX-License-Identifier: Apache-2.0
//
// iCalendar (RFC 5545) with libical: events and to-dos as records. Recurring events are
// expanded into one record per occurrence inside a window (RRULE, RDATE, EXDATE,
// RECURRENCE-ID overrides), and expansion stops at a per-event cap, so no rule runs
// without bound. Times with a TZID resolve through the calendar's VTIMEZONE or the
// system's tzdata to UTC; all-day items keep their date. Not thread-safe: libical keeps
// global state, and a worker calls this from one thread.
#pragma once

#include <coophub/plugin.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace coophub::ical {

struct ExpandOptions {
  int64_t window_start = 0;         // Unix seconds: recurrences are expanded from here...
  int64_t window_end = 0;           // ...up to here (single events are kept whatever their date)
  int64_t max_occurrences = 10000;  // per recurring event
};

struct ParseResult {
  std::vector<json> records;          // in the unified record shape, data holding the details
  std::vector<std::string> warnings;  // what libical flagged but could read past
  std::string error;                  // set when nothing could be read
  int64_t capped = 0;                 // recurring events cut off at max_occurrences
};

// Parses one iCalendar document (one or more VCALENDARs, or bare components).
ParseResult Parse(const std::string& text, const ExpandOptions& options);

}  // namespace coophub::ical
