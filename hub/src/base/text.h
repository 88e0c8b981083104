// SPDX-License-Identifier: Apache-2.0
//
// Text helpers every layer may use. Pure functions, thread-safe.
#pragma once

#include <string>
#include <vector>

namespace coophub {

// s with & < > " ' as entities, and the control characters XML 1.0 forbids dropped: safe
// in XML and HTML text and in quoted attribute values.
std::string XmlEscape(const std::string& s);

// At most n bytes of s, not cutting a UTF-8 character in two.
std::string Utf8Prefix(const std::string& s, size_t n);

// A list as the store keeps it in one column: "a,b,c"; empty entries are dropped.
std::vector<std::string> SplitList(const std::string& s);
std::string JoinList(const std::vector<std::string>& list);

}  // namespace coophub
