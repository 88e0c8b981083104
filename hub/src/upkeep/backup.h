// SPDX-License-Identifier: Apache-2.0
//
// Backups of a hub's store, and their restore (docs/operations.md). A backup is a
// folder, coophub-YYYYMMDDTHHMMSSZ, made in a backups directory:
//
//   coophub.db or coophub.dump   the store: a SQLite file, or PostgreSQL's pg_dump
//   manifest.json                what it is: hub version, schema, driver, the file's
//                                size and BLAKE2b hash, the secrets key's fingerprint
//                                and the rows of each table
//
// Both are taken from one snapshot of a running hub: on SQLite, the online backup API
// copies the file under one read transaction (WAL: the hub's writes go on); on
// PostgreSQL, pg_dump runs in a snapshot exported by the transaction that counts. The
// folder is written as .NAME.partial and renamed when whole, so a backup stopped
// midway is never taken for one. The secrets key (data_dir/secrets.key, which opens the
// sources' stored passwords) is never in the folder: a backup copied off-site opens
// nothing by itself; it goes where --key-out says, kept apart.
//
// A restore checks the manifest (the driver, a schema no newer than this hub's), the
// file's hash, SQLite's integrity_check and the counts, and swaps the store only then;
// the store it replaces is moved aside, not deleted.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "model/protocol.h"

namespace coophub::upkeep {

inline constexpr char kManifestFile[] = "manifest.json";

struct Manifest {
  std::string hub_version;  // of the hub that made it
  std::string driver;       // sqlite or postgres
  int schema = 0;           // the store's schema version (its migrations)
  int64_t created_ms = 0;
  std::string file;  // coophub.db or coophub.dump, in the folder
  int64_t bytes = 0;
  std::string blake2b;  // of the file, hex
  // The first 16 hex digits of the key's BLAKE2b hash; "" when the hub had no key.
  std::string key_fingerprint;
  std::map<std::string, int64_t> counts;  // table → rows, in the backup's snapshot

  json ToJson() const;
  // The error names the file and the field that is wrong.
  static Result<Manifest> Parse(const std::string& text, const std::string& where);
};

struct BackupOptions {
  std::string dir;      // the backups directory (made 0700 if missing)
  std::string key_out;  // also copy the secrets key to this file ("" do not)
  // At most this many bytes a second read from the store (0: no cap), so that a
  // backup on a small server's disk leaves room for the hub's own reads.
  int64_t max_rate = 0;
  // Told now and then how far the copy is: (done, total), in pages or bytes.
  std::function<void(int64_t done, int64_t total)> progress;
};

struct BackupResult {
  std::string folder;  // the finished backup's path
  Manifest manifest;
  std::vector<std::string> removed_partials;  // left by backups stopped midway
};

// Backs up the store config names (config.data_dir's SQLite file, or store.url).
Result<BackupResult> Backup(const HubConfig& config, const BackupOptions& options);

// Whether folder holds a whole backup this hub can restore; its manifest if so. Reads
// the whole file (its hash) and, on SQLite, runs integrity_check and the counts.
Result<Manifest> Verify(const std::string& folder);

struct RestoreOptions {
  std::string folder;
  std::string key_file;      // the secrets key that goes with the backup
  bool without_key = false;  // restore anyway; the sources' stored secrets are lost
};

// What a restore did, for the command to say.
struct RestoreResult {
  Manifest manifest;
  std::string moved_aside;  // where the replaced store went ("" none was there)
  bool key_restored = false;
};

// Puts the backup in place of config's store. Refused while anything uses the store
// (SQLite: a hub or a command holds data_dir/coophub.lock; PostgreSQL: other sessions
// are connected to the database).
Result<RestoreResult> Restore(const HubConfig& config, const RestoreOptions& options);

// The finished backups in dir, oldest first.
std::vector<std::string> ListBackups(const std::string& dir);
// Removes all but the newest keep backups in dir: the folders removed.
std::vector<std::string> Rotate(const std::string& dir, int keep);

// The secrets key's fingerprint as a manifest keeps it; "" when path is missing.
std::string KeyFingerprint(const std::string& path);

// The lock file beside a SQLite store, which every process using it holds shared.
std::string StoreLockPath(const HubConfig& config);

}  // namespace coophub::upkeep
