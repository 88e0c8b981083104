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

#include "base/status.h"

namespace coophub {

using json = nlohmann::json;

inline constexpr int kProtocolVersion = 1;

enum class MsgType {
  kHello,
  kSpec,
  kStream,
  kRecord,
  kState,
  kDelete,
  kProgress,
  kLog,
  kCheck,
  kError,
  kSingerSchema,     // Singer's SCHEMA: declares a stream and its key_properties
  kActivateVersion,  // {stream, version}: the stream is now exactly its records of this
                     // version (a full pass); the store drops those of older versions
  kSingerBatch       // Singer's BATCH: the stream's records in JSON-lines files
};

// One protocol line. ParseLine checks the type of every field the hub reads and copies
// the scalar ones into the typed members below, so that no reader of a Message looks
// into `body` with a guess about its types: a connector's wrong type fails its run in
// the parser, and nothing later can throw on it.
struct Message {
  MsgType type;
  std::string stream;                       // RECORD, STATE, DELETE, STREAM, SCHEMA, ACTIVATE_VERSION, BATCH;
                                            // "" for Singer's global STATE
  json body;                                // the whole line, parsed: RECORD's "record" and SPEC's "spec" are
                                            // objects, STATE's "state" (or Singer's "value") is present
  std::string message;                      // LOG, ERROR; CHECK (may be empty)
  std::string level;                        // LOG: debug, info, warn or error (info when not given)
  std::string id;                           // DELETE: the record's id, an integer id as its decimal text
  bool retryable = false;                   // ERROR
  bool ok = false;                          // CHECK
  int64_t done = 0, total = -1;             // PROGRESS; total -1: unknown
  std::string version;                      // HELLO
  std::string description;                  // SPEC
  std::vector<std::string> key_properties;  // SCHEMA
  bool singer_state = false;                // STATE: Singer's one state for the whole tap, in "value"
  int64_t table_version = 0;                // RECORD (0: none), ACTIVATE_VERSION: a full pass's number, rising
  std::vector<std::string> files;           // BATCH: the manifest, local paths or file:// URLs

  // A message made by the hub itself (a LOG of the connector's stderr, say).
  static Message Log(std::string level, std::string text);
};

// Parses and validates one protocol line. Errors name the line number and the field:
// `line 7: LOG field "level" must be a string`.
Result<Message> ParseLine(std::string_view line, int64_t line_no);

// A record in the unified shape, ready for the store.
struct StoredRecord {
  std::string source, stream, id, kind, title, summary, url, time, visibility;
  std::string search_text;         // what full-text search indexes beyond title and summary
  std::vector<std::string> names;  // RecordNames: whom it is about, indexed for "my data"
  int64_t table_version = 0;       // the full pass that last sent it (0: none); see kActivateVersion
  std::string json;                // the whole normalised record as stored and served
};

inline const std::vector<std::string>& RecordKinds() {
  static const std::vector<std::string> k = {"post",     "event",    "person",  "task",   "transaction",
                                             "decision", "resource", "message", "metric", "other"};
  return k;
}
bool IsVisibility(std::string_view v);
// Letters, digits, - and _, 1 to 64 of them: what a source id may be.
bool IsSourceId(const std::string& id);

// Checks a connector's record against the unified shape and normalises it: instants to
// UTC RFC 3339, the source set by the hub, visibility defaulted. Errors say which field
// is wrong and why.
Result<StoredRecord> NormalizeRecord(const json& record, const std::string& source, const std::string& stream,
                                     const std::string& default_visibility);

// The names a record's people give, as Involves (dashboards) matches them: each entry,
// the name before an address, the address and its part before "@", trimmed and in lower
// case (ASCII), so that a lookup by a lower-case account name finds those it names.
// Without local parts, an address gives only itself (not "ana" for ana@x.org).
std::vector<std::string> NamesIn(const json& people, bool local_parts = true);
// Whom a record is about, as the store indexes it (StoredRecord::names): the names of
// its people, of its author, and the hub account a person record names (data.account),
// without addresses' local parts: an address links a member only once an admin confirmed
// it as theirs, so ana@elsewhere.org is not the account "ana"'s. A member's names are
// looked up here for "my data" and erasure (privacy.h).
std::vector<std::string> RecordNames(const json& record);

// Wraps a Singer record (the source's own row) in the unified shape: the id from the
// stream's key_properties, the row kept whole in data.
json FromSingerRecord(const json& row, const std::vector<std::string>& key_properties);

}  // namespace coophub
