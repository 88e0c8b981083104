// SPDX-License-Identifier: Apache-2.0
//
// The CalDAV side of the ical connector (RFC 4791): the collection's ctag, to skip an
// unchanged calendar, and a calendar-query REPORT for every event and to-do in it. The
// multistatus answers are read with libxml2. Pure functions over response text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coophub::ical {

// The bodies of the two requests.
extern const char* const kCtagPropfind;
extern const char* const kCalendarQuery;

// The CalendarServer getctag of a PROPFIND multistatus, if the server gives one.
std::optional<std::string> CtagOf(std::string_view multistatus);

// Every calendar-data text of a REPORT multistatus. nullopt (and error) when the answer is
// not a multistatus at all.
std::optional<std::vector<std::string>> CalendarDataOf(std::string_view multistatus, std::string* error);

}  // namespace coophub::ical
