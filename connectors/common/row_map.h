// SPDX-License-Identifier: Apache-2.0
//
// From rows of named text columns (a CSV file, an SQL query) to records: which column
// feeds which record field, how times and amounts are written. Built once from the
// connector's config ("columns", "kind", "time_format", "currency", "decimal_comma",
// "tag_separator"), then applied to each row. Pure, thread-compatible.
#pragma once

#include <coophub/plugin.hpp>

#include <optional>
#include <string>
#include <vector>

namespace coophub::rows {

struct Mapping {
  // Record field -> column name (or 1-based column number without a header).
  std::map<std::string, std::string> columns;
  std::string kind = "other";
  std::string time_format;     // strptime format; "" for ISO 8601 / RFC 3339
  std::string currency;        // fixed currency, when no currency column
  bool decimal_comma = false;  // amounts written "12,50"
  std::string tag_separator = ",";
};

// Reads the mapping part of the config; a Failure names the bad field.
Mapping MappingFromConfig(const json& config);

struct MappedRow {
  std::optional<json> record;  // nullopt: the row is bad
  std::string error;           // why, for the run log or the run's error
};

// Maps one data row (fields in header order) to a record. row_number (1-based, data rows
// only) makes the id when no id column is mapped.
MappedRow MapRow(const std::vector<std::string>& header, const std::vector<std::string>& fields, int64_t row_number,
                 const Mapping& m);

// The JSON Schema properties of that config, for a connector's spec to include.
const char* MappingSchemaProperties();

}  // namespace coophub::rows
