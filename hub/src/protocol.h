// SPDX-License-Identifier: Apache-2.0
//
// The connector protocol (DESIGN.md): one JSON object a line, field "type". This file
// parses and validates lines and turns a RECORD's record into the unified shape the
// store keeps. Singer's SCHEMA / RECORD / STATE lines are accepted too. Pure functions,
// thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "status.h"

namespace coophub {

using json = nlohmann::json;

inline constexpr int kProtocolVersion = 1;

enum class MsgType {
  kHello, kSpec, kStream, kRecord, kState, kDelete, kProgress, kLog, kCheck, kError,
  kSingerSchema  // Singer's SCHEMA: declares a stream and its key_properties
};

struct Message {
  MsgType type;
  std::string stream;  // RECORD, STATE, DELETE, STREAM, SCHEMA; "" for Singer's global STATE
  json body;           // the whole line, parsed
};

// Parses and validates one protocol line. Errors name the line number and the field.
Result<Message> ParseLine(std::string_view line, int64_t line_no);

// A record in the unified shape, ready for the store.
struct StoredRecord {
  std::string source, stream, id, kind, title, summary, url, time, visibility;
  std::string search_text;  // what full-text search indexes beyond title and summary
  std::string json;         // the whole normalised record as stored and served
};

inline const std::vector<std::string>& RecordKinds() {
  static const std::vector<std::string> k = {"post", "event", "person", "task",
                                             "transaction", "decision", "resource",
                                             "message", "metric", "other"};
  return k;
}
bool IsVisibility(std::string_view v);

// Checks a connector's record against the unified shape and normalises it: instants to
// UTC RFC 3339, the source set by the hub, visibility defaulted. Errors say which field
// is wrong and why.
Result<StoredRecord> NormalizeRecord(const json& record, const std::string& source,
                                     const std::string& stream,
                                     const std::string& default_visibility);

// Wraps a Singer record (the source's own row) in the unified shape: the id from the
// stream's key_properties, the row kept whole in data.
json FromSingerRecord(const json& row, const std::vector<std::string>& key_properties);

}  // namespace coophub
