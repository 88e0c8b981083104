// SPDX-License-Identifier: Apache-2.0
//
// Singer taps as Singer runs them (the spec: github.com/singer-io/getting-started):
// `--discover` prints one catalog document, often over many lines; a sync is handed that
// catalog with the streams to sync marked selected, under the flag the tap takes
// (`--catalog`, or the older `--properties`). Pure functions over the catalog's JSON;
// runner.cc runs the processes. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/protocol.h"
#include "base/status.h"

namespace coophub::singer {

// Reads discovery's stdout as a catalog: one JSON object with "streams", each an object
// with a "tap_stream_id" (or "stream") and a "schema" object. The error says what is
// wrong and where ("streams[2]: no tap_stream_id").
Result<json> ParseCatalog(std::string_view text);

// A catalog stream's id: its tap_stream_id, else its stream.
std::string StreamId(const json& stream);

// Each stream's id, in catalog order.
std::vector<std::string> StreamIds(const json& catalog);

// The catalog a sync is given: the streams in `streams` (all when empty) selected, and
// every property of theirs that a tap may leave out ("inclusion" not "unsupported"),
// each selected stream's top-level metadata merged with `metadata` (hub.yaml's
// singer.metadata, e.g. {"replication-method": "FULL_TABLE"}), the others unselected.
// Names in `streams` that no stream has go to *unknown.
json Select(json catalog, const std::vector<std::string>& streams, const json& metadata,
            std::vector<std::string>* unknown);

// The catalog flags a tap's --help output names: "--catalog", "--properties", both
// (singer-python taps accept both and read one), or none (a tap without a catalog).
std::vector<std::string> CatalogFlags(std::string_view help);

}  // namespace coophub::singer
