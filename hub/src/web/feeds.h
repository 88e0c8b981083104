// SPDX-License-Identifier: Apache-2.0
//
// Records back out in the formats other tools read: Atom 1.0 (RFC 4287) for feed
// readers, iCalendar (RFC 5545) for calendar apps. Pure functions over records as the
// API returns them; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "model/protocol.h"

namespace coophub {

struct FeedInfo {
  std::string title;     // "Riverside coophub: posts"
  std::string self_url;  // the feed's own address, also its id
  int64_t now = 0;       // unix seconds: the feed's stamp (DTSTAMP; an empty feed's updated)
};

// An Atom feed of the records (newest first, as given).
std::string RenderAtom(const json& records, const FeedInfo& info);

// A calendar with one VEVENT per record (a VTODO for tasks); all-day records as dates.
std::string RenderIcs(const json& records, const FeedInfo& info);

}  // namespace coophub
