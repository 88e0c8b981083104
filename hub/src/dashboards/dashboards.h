// SPDX-License-Identifier: Apache-2.0
//
// Dashboards: which widgets a page shows, over which sources and filters, and which
// role sees it. Written in hub.yaml (`dashboards:`) or saved by an admin through the
// API; both read through the one strict parser here, so a dashboard means the same
// wherever it was written, and each converts to the other (ToJson, ToYaml) and back.
//
// Widget types are a table (kWidgetTypes in dashboards.cc): each names the record kinds
// it shows, its default size, and the least role that sees it. Pure functions; the
// registry (Dashboards) is thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "model/protocol.h"
#include "base/status.h"

namespace coophub {

struct WidgetConfig {
  std::string type;                           // one of WidgetTypes()
  std::string title;                          // "" : the type's name, in the reader's language
  std::vector<std::string> sources;           // empty: every source
  std::string kind;                           // only for type "records": the kind listed ("" any)
  std::string q;                              // words every record shown must match
  int limit = 0;                              // 0: the type's default
  Role role = Role::kAnonymous;               // the least role that sees it; raised to the type's
  std::map<std::string, std::string> titles;  // the title by language ({fr: Agenda, sv: Kalender}), when given so
  bool operator==(const WidgetConfig&) const = default;
};

struct DashboardConfig {
  std::string id;                // letters, digits, - and _
  std::string title;             // "" : "coophub"
  Role role = Role::kAnonymous;  // the least role that sees the dashboard
  std::vector<WidgetConfig> widgets;
  std::map<std::string, std::string> titles;  // by language, when given so; title is then the English one
  bool operator==(const DashboardConfig&) const = default;
};

struct WidgetType {
  const char* name;
  const char* kind;  // the record kind it shows; "" for more than one
  int default_limit;
  Role least_role;  // money is for members, whatever a dashboard says
};
const std::vector<WidgetType>& WidgetTypes();
const WidgetType* FindWidgetType(const std::string& name);

// A title as the reader's language has it: titles[lang], else the language without its
// region ("pt" for "pt-BR"), else title (English, or the one for every language).
std::string TitleIn(const std::string& title, const std::map<std::string, std::string>& titles,
                    const std::string& lang);

// A dashboard from its JSON form (the API's, and hub.yaml's once read). Strict: an
// unknown key, a wrong type or an unknown widget type is an error whose message starts
// with `where` and names the field, e.g. "hub.yaml:40: dashboards[0].widgets[2].type".
Result<DashboardConfig> ParseDashboard(const json& j, const std::string& where);
json ToJson(const DashboardConfig& d);
// The dashboard as a hub.yaml list item ("- id: …"), to paste under `dashboards:`.
std::string ToYaml(const DashboardConfig& d);

// What a hub shows when its config names no dashboard: every widget type, once.
DashboardConfig DefaultDashboard();

// The widget's limit, with the type's default for 0; the role, at least the type's.
int WidgetLimit(const WidgetConfig& w);
Role WidgetRole(const WidgetConfig& w);

struct DashboardEntry {
  DashboardConfig dashboard;
  std::string origin;  // "hub.yaml", "api", or "hub.yaml, changed through the API"
};

// hub.yaml's dashboards and those saved through the API, kept in the store file. A
// saved dashboard with the id of one in hub.yaml stands in for it until it is removed
// (then hub.yaml's shows again): the file stays the default, the admin's edit wins.
class Dashboards {
 public:
  virtual ~Dashboards() = default;
  // Every dashboard, hub.yaml's order first; the default one when there is none.
  virtual std::vector<DashboardEntry> All() const = 0;
  virtual std::optional<DashboardEntry> Find(const std::string& id) const = 0;
  virtual Result<DashboardEntry> Put(const DashboardConfig& d) = 0;
  // Forgets the saved version. NotFound when there is none (a hub.yaml dashboard
  // that was never changed cannot be removed through the API).
  virtual Status Remove(const std::string& id) = 0;
  // Reads the saved dashboards again, for what another replica sharing the store saved.
  virtual Status Reload() = 0;
};

namespace sql {
class Database;
}
// file_dashboards: hub.yaml's; db: the store (opened and migrated first).
Result<std::unique_ptr<Dashboards>> OpenDashboards(const std::vector<DashboardConfig>& file_dashboards,
                                                   sql::Database& db);
// The same on the SQLite store file at store_path.
Result<std::unique_ptr<Dashboards>> OpenDashboards(const std::vector<DashboardConfig>& file_dashboards,
                                                   const std::string& store_path);

}  // namespace coophub
