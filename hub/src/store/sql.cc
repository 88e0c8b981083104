// SPDX-License-Identifier: Apache-2.0
// What both engines' connections share; see sql.h.
#include "store/sql.h"

#include <charconv>

namespace coophub::sql {

const std::string& Rows::Text(size_t row, size_t col) const {
  static const std::string kEmpty;
  const auto& cell = rows_[row][col];
  return cell ? *cell : kEmpty;
}

int64_t Rows::Int(size_t row, size_t col) const { return MaybeInt(row, col).value_or(0); }

std::optional<int64_t> Rows::MaybeInt(size_t row, size_t col) const {
  const auto& cell = rows_[row][col];
  if (!cell) return std::nullopt;
  int64_t v = 0;
  std::from_chars(cell->data(), cell->data() + cell->size(), v);
  return v;
}

std::string RedactUrl(const std::string& url) {
  std::string out = url;
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t at = out.find('@', scheme + 3), slash = out.find('/', scheme + 3);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      size_t colon = out.find(':', scheme + 3);
      if (colon != std::string::npos && colon < at) out.replace(colon, at - colon, ":…");
    }
    size_t q = out.find("password=");
    if (q != std::string::npos) {
      size_t end = out.find('&', q);
      out.replace(q + 9, (end == std::string::npos ? out.size() : end) - q - 9, "…");
    }
    return out;
  }
  // keyword=value pairs
  size_t q = out.find("password=");
  if (q != std::string::npos) {
    size_t end = out.find(' ', q);
    out.replace(q + 9, (end == std::string::npos ? out.size() : end) - q - 9, "…");
  }
  return out;
}

}  // namespace coophub::sql
