// SPDX-License-Identifier: Apache-2.0
// Dashboards from hub.yaml and from the store's dashboards table (SQLite or PostgreSQL,
// through store/sql.h); see dashboards.h.
#include <map>
#include <mutex>

#include "dashboards/dashboards.h"
#include "store/sql.h"
#include "base/timeutil.h"
#include "base/mutex.h"

namespace coophub {
namespace {

class SqlDashboards final : public Dashboards {
 public:
  Status Open(const std::vector<DashboardConfig>& file, sql::Database& db) {
    MutexLock lock(mu_);
    for (const auto& d : file) {
      order_.push_back(d.id);
      file_[d.id] = d;
    }
    auto conn = db.Connect();
    if (!conn.ok()) return conn.status();
    db_ = std::move(*conn);
    return ReadSaved();
  }

  Status Reload() override {
    MutexLock lock(mu_);
    return ReadSaved();
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
    if (auto r = db_->Run("INSERT INTO dashboards(id, json, updated_ms) VALUES(?,?,?)"
                          " ON CONFLICT(id) DO UPDATE SET json=excluded.json, updated_ms=excluded.updated_ms",
                          {d.id, ToJson(d).dump(), NowMs()});
        !r.ok())
      return r.status();
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
    if (auto r = db_->Run("DELETE FROM dashboards WHERE id=?", {id}); !r.ok()) return r.status();
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
  std::unique_ptr<sql::Conn> db_ GUARDED_BY(mu_);
  std::vector<std::string> order_;               // hub.yaml's ids, in its order
  std::map<std::string, DashboardConfig> file_;  // hub.yaml's; never changes
  std::map<std::string, DashboardConfig> saved_ GUARDED_BY(mu_);

  // The dashboards saved through the API, from the store, in place of saved_.
  Status ReadSaved() REQUIRES(mu_) {
    auto r = db_->Run("SELECT id, json FROM dashboards ORDER BY updated_ms");
    if (!r.ok()) return Status::Internal(r.status().message() + " (is the store older than this coophub?)");
    std::map<std::string, DashboardConfig> saved;
    for (size_t i = 0; i < r->size(); ++i) {
      std::string id = r->Text(i, 0);
      auto d = ParseDashboard(json::parse(r->Text(i, 1), nullptr, false), "the stored dashboard " + id);
      if (!d.ok()) return d.status();
      saved[id] = std::move(*d);
    }
    saved_ = std::move(saved);
    return Status::Ok();
  }
};

}  // namespace

Result<std::unique_ptr<Dashboards>> OpenDashboards(const std::vector<DashboardConfig>& file_dashboards,
                                                   sql::Database& db) {
  auto d = std::make_unique<SqlDashboards>();
  if (auto s = d->Open(file_dashboards, db); !s.ok()) return s;
  return std::unique_ptr<Dashboards>(std::move(d));
}

Result<std::unique_ptr<Dashboards>> OpenDashboards(const std::vector<DashboardConfig>& file_dashboards,
                                                   const std::string& store_path) {
  return OpenDashboards(file_dashboards, *sql::SqliteDatabase(store_path));
}

}  // namespace coophub
