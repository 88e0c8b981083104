// SPDX-License-Identifier: Apache-2.0
//
// The first dashboard page, rendered on the server: each source's freshness, then the
// records grouped by kind, newest first. Works without JavaScript. Pure function.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "protocol.h"

namespace coophub {

struct PageData {
  std::string q;                                   // the search, if any
  json sources = json::array();                    // as /api/v1/sources items
  std::map<std::string, std::vector<json>> records;  // kind -> records, newest first
};

std::string RenderDashboard(const PageData& data);

// Escapes text for HTML element content and attribute values.
std::string HtmlEscape(const std::string& s);

}  // namespace coophub
