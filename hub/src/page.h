// SPDX-License-Identifier: Apache-2.0
//
// The first dashboard page, rendered on the server: each source's freshness, then the
// records grouped by kind, newest first, in the reader's language, with a language
// picker. Works without JavaScript. Pure function.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "i18n.h"
#include "protocol.h"

namespace coophub {

struct PageData {
  const Catalogs* catalogs = nullptr;              // the words, in...
  std::string lang = "en";                         // ...this language
  std::string q;                                   // the search, if any
  json sources = json::array();                    // as /api/v1/sources items
  // kind -> records, newest first; events as an agenda: upcoming, soonest first
  std::map<std::string, std::vector<json>> records;
};

std::string RenderDashboard(const PageData& data);

// Escapes text for HTML element content and attribute values.
std::string HtmlEscape(const std::string& s);

}  // namespace coophub
