// SPDX-License-Identifier: Apache-2.0
// hub.yaml parsing and plugin resolution; see config.h.
#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "os/subprocess.h"
#include "base/timeutil.h"
#include "i18n/dates.h"

namespace coophub {
namespace {

namespace fs = std::filesystem;

struct Ctx {
  std::string file;
  std::string At(const YAML::Node& n, const std::string& field) const {
    const auto& m = n.Mark();
    return file + ":" + std::to_string(m.line + 1) + ": " + field;
  }
};

Status CheckKeys(const Ctx& c, const YAML::Node& map, const std::string& where, const std::set<std::string>& known) {
  if (!map.IsMap()) return Status::Invalid(c.At(map, where) + " must be a mapping");
  for (const auto& kv : map) {
    std::string k = kv.first.as<std::string>();
    if (!known.count(k)) {
      std::string list;
      for (const auto& x : known) list += (list.empty() ? "" : ", ") + x;
      return Status::Invalid(c.At(kv.first, where.empty() ? k : where + "." + k) + ": unknown key \"" + k +
                             "\" (known here: " + list + ")");
    }
  }
  return Status::Ok();
}

// YAML scalars have no types of their own; quoted ones stay strings.
json ToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = ToJson(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& v : n) a.push_back(ToJson(v));
      return a;
    }
    case YAML::NodeType::Scalar: {
      std::string s = n.Scalar();
      if (n.Tag() == "!") return s;
      if (s == "true" || s == "yes") return true;
      if (s == "false" || s == "no") return false;
      if (s == "null" || s == "~") return nullptr;
      char* end = nullptr;
      long long i = std::strtoll(s.c_str(), &end, 10);
      if (!s.empty() && *end == '\0') return i;
      double d = std::strtod(s.c_str(), &end);
      if (!s.empty() && *end == '\0') return d;
      return s;
    }
    default:
      return nullptr;
  }
}

Status GetDuration(const Ctx& c, const YAML::Node& n, const std::string& field, int64_t* out) {
  auto v = ParseDurationMs(n.Scalar());
  if (!n.IsScalar() || !v || *v <= 0)
    return Status::Invalid(c.At(n, field) + ": \"" + (n.IsScalar() ? n.Scalar() : "?") +
                           "\" is not a duration; write e.g. 90s, 15m, 2h, 1d, 2w or 1y");
  *out = *v;
  return Status::Ok();
}

Status GetSize(const Ctx& c, const YAML::Node& n, const std::string& field, int64_t* out) {
  std::string s = n.IsScalar() ? n.Scalar() : "";
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  std::string unit = end ? end : "";
  int64_t mult = unit == "MB" || unit == "M" || unit == "MiB"   ? (1 << 20)
                 : unit == "KB" || unit == "K" || unit == "KiB" ? (1 << 10)
                 : unit == "GB" || unit == "G" || unit == "GiB" ? (int64_t{1} << 30)
                                                                : 0;
  if (s.empty() || v <= 0 || mult == 0)
    return Status::Invalid(c.At(n, field) + ": \"" + s + "\" is not a size; write e.g. 512MB or 16MB");
  *out = v * mult;
  return Status::Ok();
}

Status ParseLimits(const Ctx& c, const YAML::Node& n, const std::string& where, Limits* l) {
  if (auto s = CheckKeys(c, n, where, {"timeout", "heartbeat", "memory", "max_line"}); !s.ok()) return s;
  if (n["timeout"])
    if (auto s = GetDuration(c, n["timeout"], where + ".timeout", &l->timeout_ms); !s.ok()) return s;
  if (n["heartbeat"])
    if (auto s = GetDuration(c, n["heartbeat"], where + ".heartbeat", &l->heartbeat_ms); !s.ok()) return s;
  if (n["memory"])
    if (auto s = GetSize(c, n["memory"], where + ".memory", &l->memory_bytes); !s.ok()) return s;
  if (n["max_line"])
    if (auto s = GetSize(c, n["max_line"], where + ".max_line", &l->max_line_bytes); !s.ok()) return s;
  return Status::Ok();
}

}  // namespace

// https://host or http://host:port, nothing after: what a browser sends as Origin.
bool IsOrigin(const std::string& o) {
  size_t at = o.rfind("https://", 0) == 0 ? 8 : o.rfind("http://", 0) == 0 ? 7 : 0;
  if (at == 0 || at == o.size()) return false;
  for (size_t i = at; i < o.size(); ++i) {
    char ch = o[i];
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-' && ch != ':' && ch != '[' && ch != ']')
      return false;
  }
  return true;
}

std::string DisplayName(const SourceConfig& source) {
  if (!source.name.empty()) return source.name;
  std::string name = source.id;
  for (char& ch : name)
    if (ch == '-' || ch == '_') ch = ' ';
  if (!name.empty() && name[0] >= 'a' && name[0] <= 'z') name[0] = static_cast<char>(name[0] - 'a' + 'A');
  return name;
}

const std::vector<std::string>& SourceIcons() {
  static const std::vector<std::string> icons = {"news", "calendar", "table", "vote", "money", "chat",
                                                 "code", "people",   "heart", "file", "link",  "plug"};
  return icons;
}

const std::vector<std::string>& SourceColors() {
  static const std::vector<std::string> colors = {"blue", "green", "orange", "purple", "red", "teal", "pink", "brown"};
  return colors;
}

std::string SourceIcon(const SourceConfig& s) {
  if (!s.icon.empty()) return s.icon;
  if (s.plugin == "rss") return "news";
  if (s.plugin == "ical" || s.plugin == "caldav") return "calendar";
  if (s.plugin == "csv" || s.plugin == "postgres") return "table";
  if (s.plugin.rfind("exec:", 0) == 0 || s.plugin.rfind("singer:", 0) == 0) return "plug";
  // A service's manifest says which it is.
  std::string manifest = s.config.is_object() ? s.config.value("manifest", "") : "";
  for (auto [word, icon] : {std::pair{"loomio", "vote"},
                            {"opencollective", "money"},
                            {"open-collective", "money"},
                            {"discourse", "chat"},
                            {"mastodon", "chat"},
                            {"matrix", "chat"},
                            {"gitea", "code"},
                            {"forgejo", "code"},
                            {"wordpress", "news"},
                            {"nextcloud", "file"}})
    if (manifest.find(word) != std::string::npos) return icon;
  return "link";
}

std::string SourceColor(const SourceConfig& s) {
  if (!s.color.empty()) return s.color;
  uint32_t h = 2166136261u;  // FNV-1a: the same id, the same colour, on every hub
  for (unsigned char ch : s.id) h = (h ^ ch) * 16777619u;
  return SourceColors()[h % SourceColors().size()];
}

namespace {

Status ParseSource(const Ctx& c, const YAML::Node& n, size_t i, const Limits& defaults, SourceConfig* s) {
  std::string where = "sources[" + std::to_string(i) + "]";
  if (!n.IsMap()) return Status::Invalid(c.At(n, where) + " must be a mapping with id, plugin and config");
  if (!n["id"] || !n["id"].IsScalar() || !IsSourceId(n["id"].Scalar()))
    return Status::Invalid(c.At(n, where + ".id") +
                           ": every source needs an id of letters, digits, - or _ (e.g. news)");
  s->id = n["id"].Scalar();
  where = "sources." + s->id;
  if (auto st = CheckKeys(c, n, where,
                          {"id", "name", "icon", "color", "plugin", "every", "visibility", "enabled", "limits",
                           "config", "streams", "singer", "retention"});
      !st.ok())
    return st;
  if (const YAML::Node& name = n["name"]) {
    if (!name.IsScalar() || name.Scalar().empty() || name.Scalar().size() > 80)
      return Status::Invalid(c.At(name, where + ".name") +
                             ": the name members read (e.g. name: Partner blog), 1 to 80 characters");
    s->name = name.Scalar();
  }
  for (auto [key, list, field] :
       {std::tuple{"icon", &SourceIcons(), &s->icon}, {"color", &SourceColors(), &s->color}}) {
    const YAML::Node& v = n[key];
    if (!v) continue;
    std::string value = v.IsScalar() ? v.Scalar() : "";
    if (std::find(list->begin(), list->end(), value) == list->end()) {
      std::string names;
      for (const auto& x : *list) names += (names.empty() ? "" : ", ") + x;
      return Status::Invalid(c.At(v, where + "." + key) + ": \"" + value.substr(0, 40) + "\" is not one of " + names);
    }
    *field = value;
  }
  if (!n["plugin"] || !n["plugin"].IsScalar() || n["plugin"].Scalar().empty())
    return Status::Invalid(c.At(n, where + ".plugin") + ": missing; name the connector, e.g. plugin: rss");
  s->plugin = n["plugin"].Scalar();
  if (n["every"])
    if (auto st = GetDuration(c, n["every"], where + ".every", &s->every_ms); !st.ok()) return st;
  if (n["visibility"]) {
    s->visibility = n["visibility"].Scalar();
    if (!IsVisibility(s->visibility))
      return Status::Invalid(c.At(n["visibility"], where + ".visibility") + ": \"" + s->visibility +
                             "\" is not public, members or admins");
  }
  if (n["enabled"]) s->enabled = ToJson(n["enabled"]) == json(true);
  if (const YAML::Node& r = n["retention"]) {
    if (!(r.IsScalar() && r.Scalar() == "source")) {
      if (auto st = GetDuration(c, r, where + ".retention", &s->retention_ms); !st.ok())
        return Status::Invalid(st.message() + " (or source: kept while the source has it, the default)");
      if (s->retention_ms < 24 * 3600 * 1000)
        return Status::Invalid(c.At(r, where + ".retention") +
                               ": at least 1d: records younger than a day are "
                               "what members came for");
    }
  }
  s->limits = defaults;
  if (n["limits"])
    if (auto st = ParseLimits(c, n["limits"], where + ".limits", &s->limits); !st.ok()) return st;
  if (n["config"]) {
    if (!n["config"].IsMap()) return Status::Invalid(c.At(n["config"], where + ".config") + " must be a mapping");
    s->config = ToJson(n["config"]);
  }
  if (const YAML::Node& st = n["streams"]) {
    if (!st.IsSequence() || st.size() == 0)
      return Status::Invalid(c.At(st, where + ".streams") + " must be a list of stream names (leave it out for all)");
    for (const auto& name : st) {
      if (!name.IsScalar() || name.Scalar().empty())
        return Status::Invalid(c.At(name, where + ".streams") + ": each entry must be a stream name");
      s->streams.push_back(name.Scalar());
    }
  }
  if (const YAML::Node& sg = n["singer"]) {
    if (s->plugin.rfind("singer:", 0) != 0)
      return Status::Invalid(c.At(sg, where + ".singer") + ": applies to singer: plugins only, and this one is \"" +
                             s->plugin + "\"");
    if (auto st = CheckKeys(c, sg, where + ".singer", {"catalog", "metadata"}); !st.ok()) return st;
    s->singer = ToJson(sg);
    if (sg["catalog"]) {
      std::string mode = sg["catalog"].Scalar();
      if (mode != "auto" && mode != "catalog" && mode != "properties" && mode != "none")
        return Status::Invalid(c.At(sg["catalog"], where + ".singer.catalog") + ": \"" + mode +
                               "\" is not auto, catalog, properties or none");
    }
    if (sg["metadata"] && !sg["metadata"].IsMap())
      return Status::Invalid(c.At(sg["metadata"], where + ".singer.metadata") +
                             " must be a mapping, e.g. {replication-method: FULL_TABLE}");
  }
  return Status::Ok();
}

// api_sources: {file_roots: [dirs], allow_hosts: [names, addresses, CIDR ranges]}.
Status ParseApiSources(const Ctx& c, const YAML::Node& n, HubConfig* h) {
  if (auto s = CheckKeys(c, n, "api_sources", {"file_roots", "allow_hosts"}); !s.ok()) return s;
  for (const char* field : {"file_roots", "allow_hosts"}) {
    YAML::Node list = n[field];
    if (!list) continue;
    std::string where = std::string("api_sources.") + field;
    if (!list.IsSequence()) return Status::Invalid(c.At(list, where) + " must be a list");
    for (const auto& e : list) {
      if (!e.IsScalar() || e.Scalar().empty()) return Status::Invalid(c.At(e, where) + ": entries are text");
      if (std::string(field) == "allow_hosts") {
        h->api_sources.allow_hosts.push_back(e.Scalar());
        continue;
      }
      fs::path dir = (fs::path(h->base_dir) / e.Scalar()).lexically_normal();
      if (dir == dir.root_path())
        return Status::Invalid(c.At(e, where) + ": \"" + e.Scalar() +
                               "\" is the whole file system; name the directory of the exports editors may read");
      h->api_sources.file_roots.push_back(dir.string());
    }
  }
  return Status::Ok();
}

Status ParseRoot(const Ctx& c, const YAML::Node& root, HubConfig* h) {
  if (auto s = CheckKeys(c, root, "",
                         {"server", "store", "plugin_dirs", "scheduler", "limits", "sources", "api_sources",
                          "dashboards", "matching", "mail", "backup", "retention"});
      !s.ok())
    return s;
  if (auto srv = root["server"]) {
    if (auto s = CheckKeys(
            c, srv, "server",
            {"address", "port", "tls_cert", "tls_key", "embed_origins", "connections_per_client", "time_zone"});
        !s.ok())
      return s;
    if (srv["address"]) h->address = srv["address"].Scalar();
    if (auto tz = srv["time_zone"]) {
      if (!tz.IsScalar() || !Dates::KnownZone(tz.Scalar()))
        return Status::Invalid(c.At(tz, "server.time_zone") + ": \"" + (tz.IsScalar() ? tz.Scalar() : "") +
                               "\" is not a time zone; write its IANA name, e.g. Europe/Paris");
      h->time_zone = tz.Scalar();
    }
    if (auto eo = srv["embed_origins"]) {
      if (!eo.IsSequence()) return Status::Invalid(c.At(eo, "server.embed_origins") + " must be a list of origins");
      for (const auto& o : eo) {
        std::string origin = o.IsScalar() ? o.Scalar() : "";
        if (!IsOrigin(origin))
          return Status::Invalid(c.At(o, "server.embed_origins") + ": \"" + origin +
                                 "\" is not an origin; write scheme, host and port only, e.g. https://coop.example");
        h->embed_origins.push_back(origin);
      }
    }
    // Relative to hub.yaml, like every path in it.
    if (srv["tls_cert"]) h->tls_cert = (fs::path(h->base_dir) / srv["tls_cert"].Scalar()).lexically_normal().string();
    if (srv["tls_key"]) h->tls_key = (fs::path(h->base_dir) / srv["tls_key"].Scalar()).lexically_normal().string();
    if (h->tls_cert.empty() != h->tls_key.empty())
      return Status::Invalid(c.At(srv, "server") + ": tls_cert and tls_key go together (the certificate and its key)");
    if (srv["port"]) {
      json p = ToJson(srv["port"]);
      if (!p.is_number_integer() || p.get<int>() < 0 || p.get<int>() > 65535)
        return Status::Invalid(c.At(srv["port"], "server.port") + ": must be a port number 0-65535");
      h->port = p.get<int>();
    }
    if (auto n = srv["connections_per_client"]) {
      json p = ToJson(n);
      if (!p.is_number_integer() || p.get<int64_t>() < 0 || p.get<int64_t>() > 100000)
        return Status::Invalid(c.At(n, "server.connections_per_client") +
                               ": must be a whole number of connections, 0 (no cap) to 100000");
      h->connections_per_client = p.get<int>();
    }
  }
  if (auto st = root["store"]) {
    if (auto s = CheckKeys(c, st, "store", {"driver", "data_dir", "url", "readers", "lost_after"}); !s.ok()) return s;
    if (auto d = st["driver"]) {
      h->store_driver = d.IsScalar() ? d.Scalar() : "";
      if (h->store_driver != "sqlite" && h->store_driver != "postgres")
        return Status::Invalid(c.At(d, "store.driver") + ": \"" + h->store_driver +
                               "\" is not a store; use sqlite (one file, the default) or postgres");
    }
    if (st["data_dir"]) h->data_dir = st["data_dir"].Scalar();
    if (auto u = st["url"]) {
      if (h->store_driver != "postgres")
        return Status::Invalid(c.At(u, "store.url") +
                               ": a URL is for driver: postgres (the SQLite store is a file "
                               "in data_dir)");
      h->store_url = u.IsScalar() ? u.Scalar() : "";
      bool url = h->store_url.rfind("postgresql://", 0) == 0 || h->store_url.rfind("postgres://", 0) == 0;
      bool keywords = h->store_url.find('=') != std::string::npos;
      bool reference = h->store_url.rfind("${", 0) == 0;
      if (!url && !keywords && !reference)
        return Status::Invalid(c.At(u, "store.url") +
                               ": not a PostgreSQL URL (not shown: it may hold a password); write "
                               "postgresql://USER@HOST:PORT/DATABASE, with the "
                               "password by reference (${env:NAME} or ${file:/path}, in the URL or as all of it)");
    } else if (h->store_driver == "postgres") {
      return Status::Invalid(c.At(st, "store") + ": driver: postgres needs url: postgresql://USER@HOST/DATABASE");
    }
    if (auto r = st["readers"]) {
      json n = ToJson(r);
      if (!n.is_number_integer() || n.get<int64_t>() < 1 || n.get<int64_t>() > 64)
        return Status::Invalid(c.At(r, "store.readers") + ": must be a whole number of connections, 1 to 64");
      h->store_readers = n.get<int>();
    }
    if (auto l = st["lost_after"]) {
      if (auto s = GetDuration(c, l, "store.lost_after", &h->store_lost_after_ms); !s.ok()) return s;
      if (h->store_lost_after_ms < 3000)
        return Status::Invalid(c.At(l, "store.lost_after") +
                               ": at least 3s (three heartbeats), or a slow replica's runs are taken for lost");
    }
  }
  if (auto pd = root["plugin_dirs"]) {
    if (!pd.IsSequence()) return Status::Invalid(c.At(pd, "plugin_dirs") + " must be a list of directories");
    for (const auto& d : pd) h->plugin_dirs.push_back((fs::path(h->base_dir) / d.Scalar()).lexically_normal().string());
  }
  if (auto sc = root["scheduler"]) {
    if (auto s = CheckKeys(c, sc, "scheduler", {"max_concurrent_runs", "jitter", "max_backoff"}); !s.ok()) return s;
    if (sc["max_concurrent_runs"]) {
      json m = ToJson(sc["max_concurrent_runs"]);
      if (!m.is_number_integer() || m.get<int>() < 1)
        return Status::Invalid(c.At(sc["max_concurrent_runs"], "scheduler.max_concurrent_runs") +
                               ": must be 1 or more");
      h->max_concurrent_runs = m.get<int>();
    }
    if (sc["jitter"])
      if (auto s = GetDuration(c, sc["jitter"], "scheduler.jitter", &h->jitter_ms); !s.ok()) return s;
    if (sc["max_backoff"])
      if (auto s = GetDuration(c, sc["max_backoff"], "scheduler.max_backoff", &h->max_backoff_ms); !s.ok()) return s;
  }
  if (auto as = root["api_sources"]; as) {
    if (auto s = ParseApiSources(c, as, h); !s.ok()) return s;
  }
  Limits defaults;
  if (root["limits"])
    if (auto s = ParseLimits(c, root["limits"], "limits", &defaults); !s.ok()) return s;
  if (auto srcs = root["sources"]) {
    if (!srcs.IsSequence()) return Status::Invalid(c.At(srcs, "sources") + " must be a list");
    std::set<std::string> seen;
    for (size_t i = 0; i < srcs.size(); ++i) {
      SourceConfig s;
      if (auto st = ParseSource(c, srcs[i], i, defaults, &s); !st.ok()) return st;
      if (!seen.insert(s.id).second)
        return Status::Invalid(c.At(srcs[i], "sources." + s.id) + ": the id \"" + s.id + "\" is used twice");
      h->sources.push_back(std::move(s));
    }
  }
  if (auto boards = root["dashboards"]) {
    if (!boards.IsSequence()) return Status::Invalid(c.At(boards, "dashboards") + " must be a list");
    std::set<std::string> seen;
    for (size_t i = 0; i < boards.size(); ++i) {
      auto d = ParseDashboard(ToJson(boards[i]), c.At(boards[i], "dashboards[" + std::to_string(i) + "]"));
      if (!d.ok()) return d.status();
      if (!seen.insert(d->id).second)
        return Status::Invalid(c.At(boards[i], "dashboards." + d->id) + ": the id \"" + d->id + "\" is used twice");
      h->dashboards.push_back(std::move(*d));
    }
  }
  if (auto m = root["matching"]) {
    auto parsed = matching::ParseMatching(ToJson(m), c.At(m, "matching"));
    if (!parsed.ok()) return parsed.status();
    if (!Dates::KnownZone(parsed->timezone))
      return Status::Invalid(c.At(m["timezone"] ? m["timezone"] : m, "matching.timezone") + ": \"" + parsed->timezone +
                             "\" is not a time zone; write its IANA name, e.g. Europe/Madrid");
    if (!parsed->postcodes.empty()) parsed->postcodes = (fs::path(h->base_dir) / parsed->postcodes).string();
    h->matching = std::move(*parsed);
  }
  if (auto b = root["backup"]) {
    if (auto s = CheckKeys(c, b, "backup", {"dir", "every", "keep", "max_rate"}); !s.ok()) return s;
    BackupSchedule bs;
    if (!b["dir"] || !b["dir"].IsScalar() || b["dir"].Scalar().empty())
      return Status::Invalid(c.At(b, "backup.dir") +
                             ": missing; name the directory backups go to (e.g. dir: "
                             "/var/backups/coophub, on another disk than the store)");
    bs.dir = (fs::path(h->base_dir) / b["dir"].Scalar()).lexically_normal().string();
    if (b["every"]) {
      if (auto s = GetDuration(c, b["every"], "backup.every", &bs.every_ms); !s.ok()) return s;
      if (bs.every_ms < 3600 * 1000)
        return Status::Invalid(c.At(b["every"], "backup.every") + ": at least 1h (a backup copies the whole store)");
    }
    if (auto k = b["keep"]) {
      json n = ToJson(k);
      if (!n.is_number_integer() || n.get<int64_t>() < 1 || n.get<int64_t>() > 1000)
        return Status::Invalid(c.At(k, "backup.keep") + ": how many backups to keep, 1 to 1000");
      bs.keep = n.get<int>();
    }
    if (b["max_rate"])
      if (auto s = GetSize(c, b["max_rate"], "backup.max_rate", &bs.max_rate); !s.ok()) return s;
    h->backup = std::move(bs);
  }
  if (auto r = root["retention"]) {
    if (auto s = CheckKeys(c, r, "retention", {"runs", "audit"}); !s.ok()) return s;
    for (auto [key, field] : {std::pair{"runs", &h->keep_runs_ms}, {"audit", &h->keep_audit_ms}}) {
      if (!r[key]) continue;
      std::string where = std::string("retention.") + key;
      if (auto s = GetDuration(c, r[key], where, field); !s.ok()) return s;
      if (*field < 24 * 3600 * 1000) return Status::Invalid(c.At(r[key], where) + ": at least 1d");
    }
  }
  if (auto m = root["mail"]) {
    auto parsed = mail::ParseMail(ToJson(m), c.At(m, "mail"));
    if (!parsed.ok()) return parsed.status();
    h->mail = std::move(*parsed);
  }
  return Status::Ok();
}

Result<std::string> ResolveString(const std::string& s, const std::string& where, std::vector<std::string>* resolved) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = s.find("${", pos);
    if (open == std::string::npos) break;
    size_t close = s.find('}', open);
    if (close == std::string::npos) break;
    out += s.substr(pos, open - pos);
    std::string ref = s.substr(open + 2, close - open - 2);
    if (ref.rfind("env:", 0) == 0) {
      const char* v = std::getenv(ref.substr(4).c_str());
      if (!v) return Status::Invalid(where + ": ${" + ref + "} is not set in the hub's environment");
      out += v;
      if (resolved && *v) resolved->push_back(v);
    } else if (ref.rfind("file:", 0) == 0) {
      std::ifstream f(ref.substr(5), std::ios::binary);
      if (!f) return Status::Invalid(where + ": ${" + ref + "}: cannot read that file");
      std::stringstream ss;
      ss << f.rdbuf();
      std::string v = ss.str();
      while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
      out += v;
      if (resolved && !v.empty()) resolved->push_back(v);
    } else {
      out += s.substr(open, close - open + 1);  // not ours: left as written
    }
    pos = close + 1;
  }
  return out + s.substr(pos);
}

}  // namespace

std::string RetentionText(int64_t ms) {
  if (ms <= 0) return "source";
  return ms % 86400000 == 0 ? std::to_string(ms / 86400000) + "d" : std::to_string(ms / 3600000) + "h";
}

const SourceConfig* HubConfig::FindSource(const std::string& id) const {
  for (const auto& s : sources)
    if (s.id == id) return &s;
  return nullptr;
}

std::string HubConfig::StorePath() const {
  return (fs::path(base_dir) / data_dir / "coophub.db").lexically_normal().string();
}

Result<HubConfig> ParseConfig(const std::string& text, const std::string& name, const std::string& base_dir) {
  HubConfig h;
  h.file = name;
  h.base_dir = base_dir;
  Ctx c{name};
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Status::Invalid(name + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                           ": not valid YAML: " + e.msg);
  }
  if (root.IsNull()) return h;
  try {
    if (auto s = ParseRoot(c, root, &h); !s.ok()) return s;
  } catch (const YAML::Exception& e) {
    return Status::Invalid(name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return h;
}

Result<HubConfig> LoadConfig(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::Invalid("cannot read config file " + path + ": no such file, or not readable");
  std::stringstream ss;
  ss << f.rdbuf();
  fs::path abs = fs::absolute(path);
  return ParseConfig(ss.str(), path, abs.parent_path().string());
}

Result<json> ResolveSecrets(const json& config, const std::string& where, std::vector<std::string>* resolved) {
  if (config.is_string()) {
    auto r = ResolveString(config.get<std::string>(), where, resolved);
    if (!r.ok()) return r.status();
    return json(*r);
  }
  if (config.is_object() || config.is_array()) {
    json out = config;
    for (auto& [k, v] : out.items()) {
      auto r = ResolveSecrets(v, where + "." + k, resolved);
      if (!r.ok()) return r.status();
      v = std::move(*r);
    }
    return out;
  }
  return config;
}

std::string DemoConfigPath() {
  std::vector<fs::path> candidates = {fs::path(SelfExe()).parent_path() / "../share/coophub/examples/demo/hub.yaml",
                                      fs::path(COOPHUB_SOURCE_DIR) / "examples/demo/hub.yaml"};
  for (const auto& p : candidates)
    if (fs::exists(p)) return fs::weakly_canonical(p).string();
  return "";
}

}  // namespace coophub
