// SPDX-License-Identifier: Apache-2.0
//
// How both store backends write a page: a stored record's JSON object with "uid"
// spliced in first (and "snippet" after it), and the cursor that names where the next
// page begins. Internal to the store.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <coophub/encoding.hpp>

#include "base/status.h"
#include "model/protocol.h"

namespace coophub::store {

// Appends the record object json with "uid" first: no per-record allocation, no locale.
inline void AppendWithUid(int64_t uid, std::string_view json, std::string* out) {
  char num[24];
  char* end = std::to_chars(num, num + sizeof num, uid).ptr;
  out->append("{\"uid\":", 7).append(num, static_cast<size_t>(end - num));
  if (json.size() > 2)
    out->append(",", 1).append(json.substr(1));
  else
    out->append("}", 1);
}

// The same with "snippet" after "uid": the passage as the query's renderer makes it.
inline void AppendWithSnippet(int64_t uid, std::string_view json, std::string_view passage,
                              std::string (*render)(std::string_view), std::string* out) {
  out->append("{\"uid\":").append(std::to_string(uid)).append(",\"snippet\":");
  out->append(nlohmann::json(render(passage)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (json.size() > 2)
    out->append(",").append(json.substr(1));
  else
    out->append("}");
}

// Where a page ends: the time and uid of its last record, which the next page starts
// after (in the page's order).
struct PageCursor {
  std::string time;
  int64_t uid = 0;
};

inline std::string EncodeCursor(const std::string& time, int64_t uid) {
  return Base64Encode(time + "|" + std::to_string(uid), /*url_safe=*/true);
}

// Invalid, saying what to do, for a cursor this hub did not give out.
inline Result<PageCursor> DecodeCursor(const std::string& cursor) {
  auto raw = Base64Decode(cursor);
  size_t sep = raw ? raw->rfind('|') : std::string::npos;
  if (sep == std::string::npos)
    return Status::Invalid("cursor \"" + cursor.substr(0, 40) +
                           "\" is not one this hub gave out: pass next_cursor back unchanged");
  return PageCursor{raw->substr(0, sep), std::strtoll(raw->c_str() + sep + 1, nullptr, 10)};
}

// sort=relevance pages by position: how many records come before the page.
inline std::string EncodeOffsetCursor(int64_t offset) {
  return Base64Encode("@" + std::to_string(offset), /*url_safe=*/true);
}
inline Result<int64_t> DecodeOffsetCursor(const std::string& cursor) {
  auto raw = Base64Decode(cursor);
  if (!raw || raw->size() < 2 || (*raw)[0] != '@' || raw->find_first_not_of("0123456789", 1) != std::string::npos ||
      raw->size() > 12)
    return Status::Invalid("cursor \"" + cursor.substr(0, 40) +
                           "\" is not one this hub gave out for sort=relevance: pass next_cursor back unchanged");
  return std::strtoll(raw->c_str() + 1, nullptr, 10);
}

}  // namespace coophub::store
