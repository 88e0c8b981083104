// SPDX-License-Identifier: Apache-2.0
//
// Sources through the API, for editors: create, update, delete. A source's config is
// checked against its plugin's spec before it is kept; secret fields are write-only:
// never in an answer, the audit log or a log line, and an update that leaves one out
// keeps the stored value. hub.yaml's sources are read-only here. See sources.h.
#include <set>

#include "api/accounts_api.h"
#include "api/api.h"
#include "api/handlers.h"
#include "model/protocol.h"
#include "runtime/runner.h"
#include "model/schema.h"
#include "base/timeutil.h"

namespace coophub {
namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The keys of a request body, for the audit log: what a change touched.
std::string Keys(const json& body) {
  std::string out;
  for (const auto& [key, v] : body.items()) out += (out.empty() ? "" : ",") + key;
  return out;
}

ApiResponse SpecProblem(const std::vector<std::string>& errs) {
  ApiResponse r = Problem(400, "Config does not fit the plugin's spec", errs.front());
  json j = json::parse(r.body);
  j["errors"] = errs;
  r.body = j.dump();
  return r;
}

// name, icon, color, visibility, every and enabled from body into *s, or a problem naming the field. An
// editor sets a visibility only to a level they may read themselves.
std::optional<ApiResponse> ReadSchedule(const json& body, Role role, SourceConfig* s) {
  if (body.contains("visibility")) {
    const json& v = body["visibility"];
    if (!v.is_string() || !IsVisibility(v.get<std::string>()))
      return Problem(400, "Bad visibility", "visibility is public, members or admins");
    if (!MayRead(role, v.get<std::string>()))
      return Problem(
          403, "Above your role",
          "visibility \"" + v.get<std::string>() + "\" is for records you cannot read yourself; an admin can set it");
    s->visibility = v.get<std::string>();
  }
  if (body.contains("every")) {
    const json& v = body["every"];
    auto ms = v.is_string() ? ParseDurationMs(v.get<std::string>()) : std::nullopt;
    if (!ms || *ms < 60 * 1000)
      return Problem(400, "Bad every", "every is how often to sync, at least a minute: e.g. \"15m\", \"2h\", \"1d\"");
    s->every_ms = *ms;
  }
  if (body.contains("retention")) {  // "source" (or null): while the source has them; else a duration of a day or more
    const json& v = body["retention"];
    std::string text = v.is_string() ? v.get<std::string>() : v.is_null() ? "source" : "-";
    auto ms = text == "source" ? std::optional<int64_t>(0) : ParseDurationMs(text);
    if (!ms || (*ms > 0 && *ms < 24 * 3600 * 1000))
      return Problem(400, "Bad retention",
                     "retention is how long records are kept, a day or more (\"90d\", \"2w\", \"1y\"), or \"source\": "
                     "while the source has them");
    s->retention_ms = *ms;
  }
  if (body.contains("enabled")) {
    if (!body["enabled"].is_boolean()) return Problem(400, "Bad enabled", "enabled is true or false");
    s->enabled = body["enabled"].get<bool>();
  }
  for (auto [key, list, field] :
       {std::tuple{"icon", &SourceIcons(), &s->icon}, {"color", &SourceColors(), &s->color}}) {
    if (!body.contains(key)) continue;
    const json& v = body[key];
    std::string value = v.is_string() ? v.get<std::string>() : "-";
    if (!value.empty() && std::find(list->begin(), list->end(), value) == list->end()) {
      std::string names;
      for (const auto& x : *list) names += (names.empty() ? "" : ", ") + x;
      return Problem(400, std::string("Bad ") + key,
                     std::string(key) + " is one of " + names + ", or \"\" for the connector's default");
    }
    *field = value;
  }
  if (body.contains("name")) {
    const json& v = body["name"];
    if (!v.is_string() || v.get<std::string>().size() > 80)
      return Problem(400, "Bad name",
                     "name is what members read for the source (e.g. \"Partner blog\"), up to 80 characters");
    s->name = v.get<std::string>();
  }
  return std::nullopt;
}

// scheme://host[:port] of every URL field ("url", "*_url") of a config: where its
// secrets go. A secret entered for one origin is never sent to another.
std::set<std::string> Origins(const json& v, const std::string& key = "") {
  std::set<std::string> out;
  if (v.is_object()) {
    for (const auto& [k, sub] : v.items()) out.merge(Origins(sub, k));
  } else if (v.is_string() && (key == "url" || (key.size() > 4 && key.ends_with("_url")))) {
    const std::string& url = v.get_ref<const std::string&>();
    size_t scheme = url.find("://");
    size_t end = scheme == std::string::npos ? 0 : url.find_first_of("/?#", scheme + 3);
    std::string origin = scheme == std::string::npos ? url : url.substr(0, end);
    for (auto& c : origin) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.insert(origin);
  }
  return out;
}

// A problem for a body field of the wrong type, naming it.
ApiResponse WrongType(const char* field, const char* type) {
  return Problem(400, std::string("Bad ") + field, std::string(field) + " must be " + type);
}

}  // namespace

std::vector<SourceEntry> SourceEntries(const Services& hub) {
  if (hub.sources) return hub.sources->All();
  std::vector<SourceEntry> out;
  for (const auto& s : hub.config.sources) out.push_back({std::make_shared<const SourceConfig>(s), true, {}});
  return out;
}

std::vector<SourceEntry> VisibleSourceEntries(const Services& hub, Role reader) {
  std::vector<SourceEntry> out = SourceEntries(hub);
  std::erase_if(out, [&](const SourceEntry& e) { return !MayRead(reader, e.config->visibility); });
  return out;
}

std::optional<SourceEntry> FindVisibleSource(const Services& hub, Role reader, const std::string& id) {
  auto e = FindSourceEntry(hub, id);
  if (!e || !MayRead(reader, e->config->visibility)) return std::nullopt;
  return e;
}

std::optional<SourceEntry> FindSourceEntry(const Services& hub, const std::string& id) {
  if (hub.sources) return hub.sources->Find(id);
  if (const SourceConfig* s = hub.config.FindSource(id))
    return SourceEntry{std::make_shared<const SourceConfig>(*s), true, {}, {}};
  return std::nullopt;
}

Result<json> OneSourceJson(const Services& hub, const SourceEntry& entry, bool with_config) {
  auto stats = hub.store.Stats();
  if (!stats.ok()) return stats.status();
  auto runs = hub.store.LatestRuns();
  if (!runs.ok()) return runs.status();
  auto j = SourceJson(hub, entry, *stats, *runs,
                      hub.scheduler ? hub.scheduler->Snapshot() : std::vector<SourceLiveStatus>{});
  if (!j.ok()) return j.status();
  // An API source's config, for those who set sources up: without its secret fields.
  if (with_config && !entry.from_file) {
    (*j)["config"] = WithoutFields(entry.config->config, entry.secrets_set);
    (*j)["secrets_set"] = entry.secrets_set;
  }
  return j;
}

// {"id", "plugin", "config", "name"?, "visibility"?, "every"?, "enabled"?}
ApiResponse CreateSource(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (!hub.sources) return Problem(503, "Sources are read-only", "this hub keeps its sources in hub.yaml only");
  auto body = ReadJsonBody(req);
  if (!body.ok()) return FromStatus(body.status());
  for (const auto& [key, v] : body->items())
    if (key != "id" && key != "plugin" && key != "config" && key != "name" && key != "visibility" && key != "every" &&
        key != "enabled" && key != "icon" && key != "color" && key != "retention")
      return Problem(400, "Unknown field",
                     "\"" + key.substr(0, 40) +
                         "\" is not a field of a source; it takes id, plugin, config, name, "
                         "visibility, every, enabled, icon, color and retention");
  for (const char* f : {"id", "plugin"})
    if (body->contains(f) && !(*body)[f].is_string()) return WrongType(f, "a string");
  SourceConfig s;
  s.sandboxed = true;
  s.id = body->contains("id") ? (*body)["id"].get<std::string>() : "";
  if (!IsSourceId(s.id))
    return Problem(400, "Bad id",
                   "id is 1 to 64 letters, digits, - or _ (e.g. \"news\"): it names the source in the API");
  if (FindSourceEntry(hub, s.id))
    return Problem(409, "Source exists", "a source \"" + s.id + "\" exists: pick another id, or edit that source");
  s.plugin = body->contains("plugin") && (*body)["plugin"].is_string() ? (*body)["plugin"].get<std::string>() : "";
  auto found = InstalledPlugin(hub, s.plugin);
  if (auto* problem = std::get_if<ApiResponse>(&found)) return *problem;
  const PluginInfo& info = std::get<0>(found).second;
  s.config = body->contains("config") ? (*body)["config"] : json::object();
  if (!s.config.is_object()) return Problem(400, "Bad config", "config must be a JSON object");
  if (auto bad = ReadSchedule(*body, who.role, &s)) return *bad;
  if (auto errs = ValidateAgainstSchema(s.config, info.spec, "config"); !errs.empty()) return SpecProblem(errs);
  if (Status ok = CheckSandboxedConfig(hub.config.api_sources, s.config); !ok.ok())
    return Problem(400, "Config not allowed", ok.message());
  auto entry = hub.sources->Put(s, SecretFields(info.spec));
  if (!entry.ok()) return FromStatus(entry.status());
  if (hub.scheduler) hub.scheduler->Put(entry->config);
  Audit(hub, who, "source.create", s.id, s.plugin);
  auto j = OneSourceJson(hub, *entry, /*with_config=*/true);
  if (!j.ok()) return FromStatus(j.status());
  ApiResponse r = Json(201, *j);
  r.headers.emplace_back("Location", "/api/v1/sources/" + s.id);
  return r;
}

// A hub.yaml source: enabled, every and name can be overridden (pause it, sync it more
// or less often, name it for members); the rest is the file's. Each field set replaces
// the stored override of that field; null drops it (back to the file's value).
ApiResponse OverrideFileSource(const Services& hub, const Principal& who, const SourceEntry& old, const json& body) {
  SourceOverride o = old.overridden;
  SourceConfig s = *old.config;
  for (const auto& [key, v] : body.items())
    if (key != "name" && key != "every" && key != "enabled")
      return Problem(409, "Source is in hub.yaml",
                     "source \"" + s.id + "\" is defined in " + hub.config.file + ": its \"" + key.substr(0, 40) +
                         "\" changes there (and a restart); name, every and enabled can be overridden here");
  json set = json::object();
  for (const auto& [key, v] : body.items())
    if (!v.is_null()) set[key] = v;
  if (auto bad = ReadSchedule(set, who.role, &s)) return *bad;
  auto field = [&](const char* key, auto& slot, const auto& value) {
    if (!body.contains(key)) return;
    if (body[key].is_null())
      slot.reset();
    else
      slot = value;
  };
  field("enabled", o.enabled, s.enabled);
  field("every", o.every_ms, s.every_ms);
  field("name", o.name, s.name);
  auto entry = hub.sources->Override(s.id, o);
  if (!entry.ok()) return FromStatus(entry.status());
  if (hub.scheduler) hub.scheduler->Put(entry->config);
  Audit(hub, who, "source.override", s.id, Keys(body));
  auto j = OneSourceJson(hub, *entry, /*with_config=*/true);
  if (!j.ok()) return FromStatus(j.status());
  return Json(200, *j);
}

// Drops every override of a hub.yaml source: the file's values again.
ApiResponse ClearOverride(const Services& hub, const ApiRequest& r, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(r, {})) return *bad;
  if (!hub.sources) return Problem(503, "Sources are read-only", "this hub keeps its sources in hub.yaml only");
  auto old = FindVisibleSource(hub, who.role, p[0]);
  if (!old) return Problem(404, "Unknown source", "no source \"" + p[0].substr(0, 64) + "\" in the hub");
  if (!old->from_file)
    return Problem(409, "Not a hub.yaml source", "source \"" + p[0] + "\" was made here: edit it instead");
  auto entry = hub.sources->Override(p[0], SourceOverride{});
  if (!entry.ok()) return FromStatus(entry.status());
  if (hub.scheduler) hub.scheduler->Put(entry->config);
  Audit(hub, who, "source.override", p[0], "cleared");
  return {204, "application/json", ""};
}

// Any of {"config", "name", "visibility", "every", "enabled"}. A config replaces the old one,
// except that secret fields it leaves out keep their stored values.
ApiResponse UpdateSource(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (!hub.sources) return Problem(503, "Sources are read-only", "this hub keeps its sources in hub.yaml only");
  // A source whose records the editor cannot see is not theirs to change.
  auto old = FindVisibleSource(hub, who.role, p[0]);
  if (!old) return Problem(404, "Unknown source", "no source \"" + p[0].substr(0, 64) + "\" in the hub");
  auto body = ReadJsonBody(req);
  if (!body.ok()) return FromStatus(body.status());
  if (old->from_file) return OverrideFileSource(hub, who, *old, *body);
  for (const auto& [key, v] : body->items())
    if (key != "config" && key != "name" && key != "visibility" && key != "every" && key != "enabled" &&
        key != "icon" && key != "color" && key != "retention")
      return Problem(400, "Field cannot change",
                     "\"" + key.substr(0, 40) +
                         "\" cannot be changed; config, name, visibility, every, enabled, icon, color and retention"
                         " can (for another id or plugin, create a new source)");
  SourceConfig s = *old->config;
  auto found = InstalledPlugin(hub, s.plugin);
  if (auto* problem = std::get_if<ApiResponse>(&found)) return *problem;
  const PluginInfo& info = std::get<0>(found).second;
  std::vector<std::string> secret_fields = SecretFields(info.spec);
  std::vector<std::string> cleared;  // secrets not carried to a new origin
  if (body->contains("config")) {
    json config = (*body)["config"];
    if (!config.is_object()) return Problem(400, "Bad config", "config must be a JSON object");
    json kept;
    WithoutFields(s.config, secret_fields, &kept);
    json given;
    WithoutFields(config, secret_fields, &given);
    bool same_origin = Origins(config) == Origins(s.config);
    for (const auto& [path, v] : kept.items()) {
      if (given.contains(path)) continue;
      if (same_origin)
        SetField(&config, path, v);  // write-only: not sent back, so not changed
      else
        cleared.push_back(path);  // bound to the origin it was entered for
    }
    s.config = std::move(config);
  }
  if (auto bad = ReadSchedule(*body, who.role, &s)) return *bad;
  if (auto errs = ValidateAgainstSchema(s.config, info.spec, "config"); !errs.empty()) {
    if (!cleared.empty())
      errs.push_back("the new address is another site, so the stored secrets (" + Join(cleared) +
                     ") are not sent there: enter them again");
    return SpecProblem(errs);
  }
  if (Status ok = CheckSandboxedConfig(hub.config.api_sources, s.config); !ok.ok())
    return Problem(400, "Config not allowed", ok.message());
  auto entry = hub.sources->Put(s, secret_fields);
  if (!entry.ok()) return FromStatus(entry.status());
  if (hub.scheduler) hub.scheduler->Put(entry->config);
  Audit(hub, who, "source.update", s.id, Keys(*body) + (cleared.empty() ? "" : "; secrets cleared: " + Join(cleared)));
  auto j = OneSourceJson(hub, *entry, /*with_config=*/true);
  if (!j.ok()) return FromStatus(j.status());
  if (!cleared.empty()) (*j)["secrets_cleared"] = cleared;
  return Json(200, *j);
}

// Forgets the source; what it brought in stays in the store, searchable as before.
ApiResponse DeleteSource(const Services& hub, const ApiRequest& r, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(r, {})) return *bad;
  if (!hub.sources) return Problem(503, "Sources are read-only", "this hub keeps its sources in hub.yaml only");
  if (!FindVisibleSource(hub, who.role, p[0]))
    return Problem(404, "Unknown source", "no source \"" + p[0].substr(0, 64) + "\" in the hub");
  if (auto s = hub.sources->Remove(p[0]); !s.ok()) return FromStatus(s);
  if (hub.scheduler) hub.scheduler->Remove(p[0]);
  Audit(hub, who, "source.delete", p[0]);
  return {204, "application/json", ""};
}

// A source's live status as server-sent events: an event "source" with the source's
// JSON (as GET /api/v1/sources/{id} gives it) at once and whenever it changes: queued,
// running with its progress, finished with the run's outcome. For the admin page's
// sync-now; a comment line every 5 s keeps proxies from closing an idle stream.
ApiResponse SourceEvents(const Services& hub, const ApiRequest& r, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(r, {})) return *bad;
  auto entry = FindVisibleSource(hub, who.role, p[0]);
  if (!entry) return Problem(404, "Unknown source", "no source \"" + p[0].substr(0, 64) + "\" in the hub");
  if (!hub.scheduler) return Problem(503, "No scheduler", "this hub runs no syncs, so a source never changes");
  std::string id = p[0];
  auto last = std::make_shared<std::string>();
  auto version = std::make_shared<uint64_t>(hub.scheduler->StatusVersion());
  // The source's JSON as an event if it changed since the last one; false once it is gone.
  auto event = [&hub, id, last](std::string* chunk) {
    auto e = FindSourceEntry(hub, id);
    if (!e) return false;
    auto j = OneSourceJson(hub, *e, /*with_config=*/false);
    if (!j.ok()) return false;
    std::string text = j->dump(-1, ' ', false, json::error_handler_t::replace);
    if (text != *last) *chunk += "event: source\ndata: " + text + "\n\n";
    *last = std::move(text);
    return true;
  };
  return EventStream(event, [&hub, version] {
    uint64_t now = hub.scheduler->StatusVersion();
    bool moved = now != *version;
    *version = now;
    return moved;
  });
}

}  // namespace coophub
