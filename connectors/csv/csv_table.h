// SPDX-License-Identifier: Apache-2.0
//
// Reading CSV (RFC 4180) with libcsv: rows handed to a callback with the physical line
// each starts on, so every error names its line. Quoted fields keep their newlines and
// spaces; a blank line is a row (of one empty field). Text in another encoding is
// converted to UTF-8 first (iconv). Thread-compatible: one CsvOptions per call.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coophub::csv {

struct CsvOptions {
  char delimiter = ',';
  char quote = '"';
  std::string encoding = "UTF-8";  // any name iconv knows: latin1, windows-1252, UTF-16...
  // RFC 4180 by default: a quote inside an unquoted field (a,b"c,d) or after a quoted
  // field's closing quote is a bad row. Lenient: taken as written, as spreadsheets do.
  bool lenient_quotes = false;
};

// One row: its fields and the physical line (1-based) it starts on.
struct Row {
  std::vector<std::string> fields;
  int64_t line = 0;
};

// Return false to stop reading (e.g. the run was cancelled or a row was refused).
using RowFn = std::function<bool(Row&&)>;

struct ReadError {
  int64_t line = 0;  // 0: not about one line (encoding, options)
  std::string message;
};

// Converts text to UTF-8 and drops a UTF-8 byte-order mark. nullopt and an error naming
// the byte offset when the text is not valid in that encoding.
std::optional<std::string> ToUtf8(std::string_view text, const std::string& encoding, ReadError* error);

// A row that breaks RFC 4180's quoting: return true to skip it and read on.
using BadRowFn = std::function<bool(const ReadError&)>;

// Reads every row of text (already UTF-8). Returns nullopt when all rows were read or
// on_row stopped the reading; otherwise the error and where it is. A badly quoted row
// is given to on_bad when there is one (and skipped if it says so), else the error.
std::optional<ReadError> ReadRows(std::string_view text, const CsvOptions& options, const RowFn& on_row,
                                  const BadRowFn& on_bad = nullptr);

}  // namespace coophub::csv
