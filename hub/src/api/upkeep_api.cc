// SPDX-License-Identifier: Apache-2.0
// Backups and retention, for admins (/api/v1/backups): the backups in backup.dir with
// their manifests, the one being taken and how far it is, "back up now", and what
// retention keeps and has removed. docs/operations.md.
#include <filesystem>
#include <fstream>

#include "api/handlers.h"
#include "base/timeutil.h"
#include "sources/sources.h"
#include "upkeep/backup.h"
#include "upkeep/keeper.h"

namespace coophub {
namespace {

json BackupsJson(const Services& hub) {
  const HubConfig& c = hub.config;
  json out = {{"configured", c.backup.has_value()}, {"running", false}, {"items", json::array()}};
  if (c.backup) {
    out["dir"] = c.backup->dir;
    out["every"] = RetentionText(c.backup->every_ms);
    out["keep"] = c.backup->keep;
    std::vector<std::string> all = upkeep::ListBackups(c.backup->dir);
    for (auto it = all.rbegin(); it != all.rend(); ++it) {  // newest first
      std::ifstream in(*it + "/" + upkeep::kManifestFile);
      std::string text((std::istreambuf_iterator<char>(in)), {});
      auto m = upkeep::Manifest::Parse(text, *it);
      json item = {{"name", std::filesystem::path(*it).filename().string()}};
      if (m.ok()) {
        item["created"] = FormatRfc3339(m->created_ms / 1000);
        item["bytes"] = m->bytes;
        item["records"] = m->counts.count("records") ? m->counts.at("records") : 0;
        item["driver"] = m->driver;
        item["hub_version"] = m->hub_version;
      } else {
        item["problem"] = m.status().message();
      }
      out["items"].push_back(std::move(item));
    }
  }
  json retention = {
      {"runs", RetentionText(c.keep_runs_ms)}, {"audit", RetentionText(c.keep_audit_ms)}, {"sources", json::array()}};
  std::vector<const SourceConfig*> sources;  // hub.yaml's, and those made through the API
  std::vector<SourceEntry> entries = hub.sources ? hub.sources->All() : std::vector<SourceEntry>{};
  if (hub.sources)
    for (const auto& e : entries) sources.push_back(e.config.get());
  else
    for (const auto& s : c.sources) sources.push_back(&s);
  for (const SourceConfig* s : sources)
    if (s->retention_ms > 0)
      retention["sources"].push_back({{"id", s->id}, {"retention", RetentionText(s->retention_ms)}});
  out["retention"] = std::move(retention);
  if (hub.keeper) {
    auto st = hub.keeper->backup_state();
    out["running"] = st.running;
    if (st.running && st.total > 0) out["progress"] = {{"done", st.done}, {"total", st.total}};
    if (!st.last_error.empty()) out["last_error"] = st.last_error;
    json removed = json::object();
    for (const auto& [what, n] : hub.keeper->removed()) removed[what] = n;
    out["removed"] = std::move(removed);
  }
  return out;
}

}  // namespace

ApiResponse ListBackups(const Services& hub, const ApiRequest& req, const Principal&, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  return Json(200, BackupsJson(hub));
}

ApiResponse CreateBackup(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.keeper) return Problem(503, "Backups are not running", "this hub process takes no backups");
  if (Status s = hub.keeper->RequestBackup(); !s.ok()) {
    if (s.code() == Status::Code::kConflict) return Problem(409, "A backup is being taken", s.message());
    return Problem(409, "No backups directory", s.message());
  }
  Audit(hub, who, "backup.create", hub.config.backup->dir);
  return Json(202, BackupsJson(hub));
}

}  // namespace coophub
