// SPDX-License-Identifier: Apache-2.0
// Dashboards from hub.yaml and from the store's dashboards table; see dashboards.h.
#include <map>
#include <mutex>

#include "dashboards/dashboards.h"
#include "store/sqlite/sqlite_db.h"
#include "base/timeutil.h"
#include "base/mutex.h"

namespace coophub {
namespace {

using sqlite::Db;
using sqlite::StepWith;
using sqlite::Text;

class SqliteDashboards final : public Dashboards {
 public:
  Status Open(const std::vector<DashboardConfig>& file, const std::string& store_path) {
    MutexLock lock(mu_);
    for (const auto& d : file) {
      order_.push_back(d.id);
      file_[d.id] = d;
    }
    if (auto s = db_.Open(store_path, false); !s.ok()) return s;
    sqlite3_stmt* st = db_.Prepare("SELECT id, json FROM dashboards ORDER BY updated_ms");
    if (!st) return Status::Internal("SQLite: " + db_.Error() + " (is the store older than this coophub?)");
    while (sqlite3_step(st) == SQLITE_ROW) {
      std::string id = Text(st, 0);
      auto d = ParseDashboard(json::parse(Text(st, 1), nullptr, false), "the stored dashboard " + id);
      if (!d.ok()) return d.status();
      saved_[id] = std::move(*d);
    }
    sqlite3_reset(st);
    return Status::Ok();
  }

  std::vector<DashboardEntry> All() const override {
    MutexLock lock(mu_);
    std::vector<DashboardEntry> out;
    for (const auto& id : order_) out.push_back(EntryLocked(id));
    for (const auto& [id, d] : saved_)
      if (!file_.count(id)) out.push_back({d, "api"});
    if (out.empty()) out.push_back({DefaultDashboard(), "default"});
    return out;
  }

  std::optional<DashboardEntry> Find(const std::string& id) const override {
    for (auto& e : All())
      if (e.dashboard.id == id) return e;
    return std::nullopt;
  }

  Result<DashboardEntry> Put(const DashboardConfig& d) override {
    MutexLock lock(mu_);
    sqlite3_stmt* st = db_.Prepare(
        "INSERT INTO dashboards(id, json, updated_ms) VALUES(?,?,?)"
        " ON CONFLICT(id) DO UPDATE SET json=excluded.json, updated_ms=excluded.updated_ms");
    if (StepWith(st, d.id, ToJson(d).dump(), NowMs()) != SQLITE_DONE) return Status::Internal("SQLite: " + db_.Error());
    saved_[d.id] = d;
    return EntryLocked(d.id);
  }

  Status Remove(const std::string& id) override {
    MutexLock lock(mu_);
    if (!saved_.count(id))
      return file_.count(id) ? Status::Conflict("dashboard \"" + id +
                                                "\" is written in hub.yaml and was never "
                                                "changed here: remove it from the file")
                             : Status::NotFound("no dashboard \"" + id.substr(0, 64) + "\"");
    if (StepWith(db_.Prepare("DELETE FROM dashboards WHERE id=?"), id) != SQLITE_DONE)
      return Status::Internal("SQLite: " + db_.Error());
    saved_.erase(id);
    return Status::Ok();
  }

 private:
  DashboardEntry EntryLocked(const std::string& id) const REQUIRES(mu_) {
    auto saved = saved_.find(id);
    bool in_file = file_.count(id) > 0;
    if (saved == saved_.end()) return {file_.at(id), "hub.yaml"};
    return {saved->second, in_file ? "hub.yaml, changed through the API" : "api"};
  }

  mutable Mutex mu_;
  mutable Db db_ GUARDED_BY(mu_);
  std::vector<std::string> order_;               // hub.yaml's ids, in its order
  std::map<std::string, DashboardConfig> file_;  // hub.yaml's; never changes
  std::map<std::string, DashboardConfig> saved_ GUARDED_BY(mu_);
};

}  // namespace

Result<std::unique_ptr<Dashboards>> OpenDashboards(const std::vector<DashboardConfig>& file_dashboards,
                                                   const std::string& store_path) {
  auto d = std::make_unique<SqliteDashboards>();
  if (auto s = d->Open(file_dashboards, store_path); !s.ok()) return s;
  return std::unique_ptr<Dashboards>(std::move(d));
}

}  // namespace coophub
