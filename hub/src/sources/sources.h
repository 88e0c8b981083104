// SPDX-License-Identifier: Apache-2.0
//
// The hub's sources: those written in hub.yaml, and those made through the API, kept in
// the store file. hub.yaml's are read-only here (like Grafana's provisioned dashboards):
// the file is their truth, and editing one through the API is a conflict that names the
// file. Secret fields (marked "secret": true in the plugin's spec) of API sources are
// kept encrypted (libsodium secretbox) with a key in the data directory, never returned
// by the API and never logged. Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "base/status.h"

namespace coophub {

// What the admin changed of a hub.yaml source (pause it, sync it more or less often,
// name it for members) without editing the file: kept in the store, applied over the
// file's values at every start, exportable as YAML to fold back into the file.
struct SourceOverride {
  std::optional<bool> enabled;
  std::optional<int64_t> every_ms;
  std::optional<std::string> name;
  bool empty() const { return !enabled && !every_ms && !name; }
};

struct SourceEntry {
  std::shared_ptr<const SourceConfig> config;  // secrets included: for runs only; overrides applied
  bool from_file = false;                      // hub.yaml's: read-only through the API
  std::vector<std::string> secrets_set;        // the secret fields that have a value
  SourceOverride overridden;                   // hub.yaml's only: what the admin changed
};

// What changed in the store since the last Reload.
struct SourceChanges {
  std::vector<std::shared_ptr<const SourceConfig>> put;  // new or changed (a disabled one too)
  std::vector<std::string> removed;                      // ids
};

class Sources {
 public:
  virtual ~Sources() = default;
  virtual std::vector<SourceEntry> All() const = 0;
  virtual std::optional<SourceEntry> Find(const std::string& id) const = 0;
  // Creates or replaces an API source. secret_fields are the dotted paths the plugin's
  // spec marks secret: their values are stored encrypted. Conflict for hub.yaml's ids.
  virtual Result<SourceEntry> Put(const SourceConfig& source, const std::vector<std::string>& secret_fields) = 0;
  // Forgets an API source (its records stay in the store). NotFound, or Conflict for
  // hub.yaml's.
  virtual Status Remove(const std::string& id) = 0;
  // Sets what is overridden of a hub.yaml source (an empty override: back to the file's
  // values). NotFound, or Conflict for an API source (change the source itself).
  virtual Result<SourceEntry> Override(const std::string& id, const SourceOverride& o) = 0;
  // Reads the sources in the store again, for what another replica sharing it changed;
  // says what changed since the last Reload (the first: what changed since opening).
  virtual Result<SourceChanges> Reload() = 0;
};

namespace sql {
class Database;
}
// The sources of hub (its config) and of its store; the secret key is
// data_dir/secrets.key, made (mode 0600) when first needed (replicas sharing a
// PostgreSQL store need the same key: docs/scale-out.md).
Result<std::unique_ptr<Sources>> OpenSources(const HubConfig& hub, sql::Database& db);
// The same on hub's SQLite store file.
Result<std::unique_ptr<Sources>> OpenSources(const HubConfig& hub);

// value without the fields at the dotted paths; the removed ones go to *taken.
json WithoutFields(const json& value, const std::vector<std::string>& paths, json* taken = nullptr);
// Sets the field at a dotted path ("auth.token"), making the objects on the way.
void SetField(json* value, const std::string& path, json field);

}  // namespace coophub
