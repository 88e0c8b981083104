// SPDX-License-Identifier: Apache-2.0
//
// hub.yaml: the server, the store, where plugins live, the sources and the dashboards. Parsing is
// strict: an unknown key, a wrong type or a bad duration is an error naming the file,
// line and field, so a typo never half-starts a hub. Secrets are referenced with
// ${env:NAME} or ${file:/path} and resolved only when a connector runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dashboards/dashboards.h"
#include "mail/mail.h"
#include "matching/matching.h"
#include "model/outbound_policy.h"
#include "model/protocol.h"
#include "runtime/runner.h"
#include "base/status.h"

namespace coophub {

struct SourceConfig {
  std::string id;
  std::string name;  // what members read ("Partner blog"); "" shows the id, made readable
  // How its items look on the page: an icon and a colour of SourceIcons() and
  // SourceColors(); "" for the defaults (SourceIcon, SourceColor).
  std::string icon, color;
  std::string plugin;  // name, path to a .so, exec:PROGRAM or singer:PROGRAM
  std::string visibility = "members";
  int64_t every_ms = 15 * 60 * 1000;
  bool enabled = true;
  json config = json::object();      // as written, references unresolved
  std::vector<std::string> streams;  // the streams to sync; empty: all
  json singer = json::object();      // singer: plugins only: {catalog, metadata} (runner.h)
  Limits limits;
  // Made through the API (by an editor): run under HubConfig::api_sources, without
  // ${env:}/${file:} (docs/security.md). hub.yaml's sources are the admin's.
  bool sandboxed = false;
  // retention: records whose time is older than this are removed from the store (and
  // stay out: they are not synced in again while they are that old); 0, the default,
  // keeps a record while the source has it.
  int64_t retention_ms = 0;
};

// A retention as hub.yaml writes it: "source" for 0 (kept while the source has them),
// "90d" for whole days, else hours ("36h").
std::string RetentionText(int64_t ms);

// backup: backups the hub takes by itself (docs/operations.md), as `coophub backup` does.
struct BackupSchedule {
  std::string dir;  // absolute (relative to hub.yaml as written)
  int64_t every_ms = 24 * 3600 * 1000;
  int keep = 7;          // the newest kept; older ones are removed after each backup
  int64_t max_rate = 0;  // bytes a second read from the store; 0 no cap
};

// What members read for a source: its name, else its id made readable ("old-blog" →
// "Old blog").
std::string DisplayName(const SourceConfig& source);

// The icons and colours a source may have, and the ones it gets when it names none: an
// icon by its connector (a calendar for ical, a vote for Loomio…), a colour of its own
// picked from its id, so that sources side by side differ.
const std::vector<std::string>& SourceIcons();
const std::vector<std::string>& SourceColors();
std::string SourceIcon(const SourceConfig& source);
std::string SourceColor(const SourceConfig& source);

struct HubConfig {
  std::string file;      // where it was read from ("" for built-in defaults)
  std::string base_dir;  // relative paths (data, plugin_dirs, file URLs) resolve here
  std::string address = "127.0.0.1";
  int port = 8080;
  std::string tls_cert, tls_key;           // PEM files (server.tls_cert/tls_key); both set: HTTPS
  std::vector<std::string> embed_origins;  // sites whose pages may frame /embed/ (frame-ancestors)
  // The coop's time zone (server.time_zone, IANA): what pages say times in until the
  // reader's browser tells its own. "": this machine's.
  std::string time_zone;
  // Open connections one client address may hold (server.connections_per_client); 0: no
  // cap. Behind a proxy (--behind-proxy) there is none: every connection is the proxy's.
  int connections_per_client = 128;
  std::string data_dir = "data";  // the SQLite store, the secrets key
  // store.driver: "sqlite" (data_dir/coophub.db) or "postgres" (store_url, which may
  // hold ${env:}/${file:} references, resolved when the store opens).
  std::string store_driver = "sqlite";
  std::string store_url;
  int store_readers = 4;  // the store's read connections
  // store.lost_after (postgres): how long a replica's running run may go without a
  // heartbeat before another replica marks it lost (its replica died).
  int64_t store_lost_after_ms = 30 * 1000;
  std::vector<std::string> plugin_dirs;
  int max_concurrent_runs = 2;
  int64_t jitter_ms = 30 * 1000;
  int64_t max_backoff_ms = 60 * 60 * 1000;
  std::vector<SourceConfig> sources;
  std::vector<DashboardConfig> dashboards;  // none: DefaultDashboard()
  // matching: who can take which request (docs/matching.md); none: no matching.
  // Its postcodes path is made absolute here.
  std::optional<matching::MatchingConfig> matching;
  // mail: the SMTP server the hub sends through (docs/mail.md); none: no mail.
  std::optional<mail::MailConfig> mail;
  std::optional<BackupSchedule> backup;  // none: only `coophub backup` takes backups
  // retention: how long sync runs (with their logs) and audit entries are kept.
  int64_t keep_runs_ms = int64_t{30} * 24 * 3600 * 1000;
  int64_t keep_audit_ms = int64_t{365} * 24 * 3600 * 1000;
  // api_sources: what sources made through the API may reach (always sandboxed).
  OutboundPolicy api_sources = {.sandboxed = true};

  const SourceConfig* FindSource(const std::string& id) const;
  std::string StorePath() const;  // data_dir/coophub.db, absolute
};

// Reads and validates a config file.
Result<HubConfig> LoadConfig(const std::string& path);
// Parses config text; name is used in messages, base_dir for relative paths.
// https://host or http://host:port, nothing after: what a browser sends as Origin.
bool IsOrigin(const std::string& origin);

Result<HubConfig> ParseConfig(const std::string& text, const std::string& name, const std::string& base_dir);

// Replaces ${env:NAME} and ${file:/path} in every string of a source's config.
// The error names the field and the missing variable or file, never a secret's value.
// The values put in go to *resolved (when given), so that what a connector says can be
// scrubbed of them before it is logged or stored.
Result<json> ResolveSecrets(const json& config, const std::string& where, std::vector<std::string>* resolved = nullptr);

// The demo config shipped with coophub (examples/demo/hub.yaml), or "" if absent.
std::string DemoConfigPath();

}  // namespace coophub
