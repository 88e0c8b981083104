// SPDX-License-Identifier: Apache-2.0
//
// The plugins the hub can run, with their specs, and checking a source's config before
// it is saved: both for the people who set sources up (editors). Plugins are only ever
// asked through workers. See api.h.
#include <algorithm>
#include <filesystem>

#include "api/plugins_api.h"
#include "api/handlers.h"

#include "api/accounts_api.h"
#include "config/config.h"
#include "runtime/plugin_paths.h"
#include "runtime/runner.h"
#include "model/schema.h"

namespace coophub {

namespace {

json PluginJson(const std::string& name, const Result<PluginInfo>& info) {
  if (!info.ok()) return {{"name", name}, {"ok", false}, {"error", info.status().message()}};
  json secrets = json::array();
  for (const auto& f : SecretFields(info->spec)) secrets.push_back(f);
  return {{"name", name},
          {"ok", true},
          {"version", info->version},
          {"description", info->description},
          {"spec", info->spec},
          {"secret_fields", secrets},
          {"operations", info->operations}};
}

}  // namespace

Result<PluginInfo> CachedPlugin(const Services& hub, const std::string& name, const std::string& path) {
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(path, ec);
  {
    MutexLock lock(hub.plugins->mu);
    auto it = hub.plugins->by_path.find(path);
    if (it != hub.plugins->by_path.end() && it->second.first == mtime) return it->second.second;
  }
  Result<PluginInfo> info = DescribePlugin(ConnectorRef{ConnectorRef::Kind::kPlugin, path, name});
  MutexLock lock(hub.plugins->mu);
  hub.plugins->by_path.insert_or_assign(path, std::make_pair(mtime, info));
  return info;
}

std::variant<std::pair<std::string, PluginInfo>, ApiResponse> InstalledPlugin(const Services& hub,
                                                                              const std::string& plugin) {
  // Programs and paths would let an editor run anything on the hub's machine: only
  // plugins installed in the plugin directories can be named through the API.
  if (plugin.empty() || plugin.find('/') != std::string::npos || plugin.find(':') != std::string::npos)
    return Problem(400, "Bad plugin", "plugin is the name of an installed plugin (GET /api/v1/plugins lists them)");
  std::string path;
  for (const auto& [name, p] : ListPluginFiles(PluginSearchPath(hub.config.plugin_dirs)))
    if (name == plugin) path = p;
  if (path.empty())
    return Problem(400, "Unknown plugin", "no plugin \"" + plugin.substr(0, 64) + "\"; GET /api/v1/plugins lists them");
  auto info = CachedPlugin(hub, plugin, path);
  if (!info.ok()) return Problem(400, "Plugin does not load", info.status().message());
  return std::make_pair(path, *info);
}

// Each plugin, then the presets its spec offers ("x-coophub-presets": http-json's
// manifests) as connectors of their own: {"name": "loomio", "plugin": "http-json",
// "preset": {"manifest": "loomio"}, "spec": the fields that service needs}. A source
// made from one names the plugin, with the preset's values in its config.
ApiResponse ListPlugins(const Services& hub, const ApiRequest&, const Principal&, const Params&) {
  json items = json::array();
  json presets = json::array();
  for (const auto& [name, path] : ListPluginFiles(PluginSearchPath(hub.config.plugin_dirs))) {
    json j = PluginJson(name, CachedPlugin(hub, name, path));
    j["plugin"] = name;
    if (j.contains("spec") && j["spec"].contains("x-coophub-presets")) {
      for (const auto& p : j["spec"]["x-coophub-presets"]) {
        if (!p.is_object() || !p.value("name", json()).is_string() || !p.value("set", json()).is_object()) continue;
        json spec = p.value("spec", json::object());
        json secrets = json::array();
        for (const auto& f : SecretFields(spec)) secrets.push_back(f);
        presets.push_back({{"name", p["name"]},
                           {"plugin", name},
                           {"ok", true},
                           {"version", j["version"]},
                           {"description", p.value("description", "")},
                           {"docs", p.value("docs", "")},
                           {"preset", p["set"]},
                           {"spec", spec},
                           {"secret_fields", secrets}});
      }
      j["spec"].erase("x-coophub-presets");
    }
    items.push_back(std::move(j));
  }
  for (auto& p : presets) {  // a plugin of the same name is the one that name means
    bool taken = std::any_of(items.begin(), items.end(), [&](const json& i) { return i["name"] == p["name"]; });
    if (!taken) items.push_back(std::move(p));
  }
  return Json(200, {{"items", items}});
}

// {"plugin": "rss", "config": {...}}: the config against the plugin's spec, then the
// plugin's own check (reachability, credentials) in a worker. A failed check is an
// answer (ok: false), not an error of the request.
namespace {

// Whether a dotted path ("columns.title", "columns") names a field of a JSON Schema.
bool SpecHasPath(const json& spec, const std::string& path) {
  const json* at = &spec;
  for (size_t from = 0; from <= path.size();) {
    size_t dot = std::min(path.find('.', from), path.size());
    std::string name = path.substr(from, dot - from);
    auto props = at->find("properties");
    if (name.empty() || props == at->end() || !props->is_object() || !props->contains(name)) return false;
    at = &(*props)[name];
    from = dot + 1;
  }
  return true;
}

}  // namespace

ApiResponse CheckSource(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  auto body = ReadJsonBody(req);
  if (!body.ok()) return FromStatus(body.status());
  std::string plugin =
      body->contains("plugin") && (*body)["plugin"].is_string() ? (*body)["plugin"].get<std::string>() : "";
  json config = body->contains("config") ? (*body)["config"] : json::object();
  if (!config.is_object()) return Problem(400, "Bad config", "config must be a JSON object");
  auto found = InstalledPlugin(hub, plugin);
  if (auto* problem = std::get_if<ApiResponse>(&found)) return *problem;
  const auto& [path, info] = std::get<0>(found);
  const json& spec = info.spec;  // a lambda cannot capture a structured binding (clang)
  auto errs = ValidateAgainstSchema(config, spec, "config");
  if (!errs.empty()) {
    ApiResponse r = Problem(400, "Config does not fit the plugin's spec", errs.front());
    json j = json::parse(r.body);
    j["errors"] = errs;
    r.body = j.dump();
    return r;
  }
  // Checked as the source would run: sandboxed, the config as it is (no placeholders).
  if (Status s = CheckSandboxedConfig(hub.config.api_sources, config); !s.ok())
    return Problem(400, "Config not allowed", s.message());
  RunRequest run;
  run.command = Command::kCheck;
  run.config = config;
  run.workdir = hub.config.base_dir;
  run.limits.timeout_ms = 30000;
  run.policy = hub.config.api_sources;
  json result = {{"ok", false}, {"message", ""}};
  RunResult r = RunConnector(ConnectorRef{ConnectorRef::Kind::kPlugin, path, plugin}, run, [&](Message&& m) {
    if (m.type == MsgType::kCheck) {
      result = {{"ok", m.ok}, {"message", m.message}};
      // Config the connector proposes (a web page's feed): only values of fields the spec has.
      if (auto s = m.body.find("suggest"); s != m.body.end() && s->is_object()) {
        json keep = json::object();
        for (const auto& [k, v] : s->items())
          if (spec.contains("properties") && spec["properties"].contains(k) && v.is_primitive()) keep[k] = v;
        if (!keep.empty()) result["suggest"] = keep;
      }
      // Values found for fields (a CSV's columns): of fields the spec has, as lists of
      // strings, bounded, for the form to offer.
      if (auto c = m.body.find("choices"); c != m.body.end() && c->is_object()) {
        json keep = json::object();
        for (const auto& [k, v] : c->items()) {
          if (!SpecHasPath(spec, k) || !v.is_array()) continue;
          json values = json::array();
          for (const auto& x : v)
            if (x.is_string() && x.get_ref<const std::string&>().size() <= 200 && values.size() < 500)
              values.push_back(x);
          if (!values.empty()) keep[k] = values;
        }
        if (!keep.empty()) result["choices"] = keep;
      }
    }
    return Status::Ok();
  });
  if (r.outcome != RunResult::Outcome::kOk) {
    result["ok"] = false;  // a failed check, or a run that did not end well: its message
    result["message"] = r.message;
  }
  Audit(hub, who, "source.check", plugin, result["ok"].get<bool>() ? "ok" : "failed");
  return Json(200, result);
}

}  // namespace coophub
