// SPDX-License-Identifier: Apache-2.0
//
// The http-json connector: any JSON API described by a manifest (connectors/manifests/
// has those of Loomio, Open Collective, Discourse, Mastodon, Gitea/Forgejo and
// WordPress). The source's config names the manifest and carries the values the
// manifest asks for (base_url, a token...). All HTTP goes through the host.
#include <coophub/plugin.hpp>

#include <chrono>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <ctime>
#include <sstream>
#include <thread>

#include "engine.h"
#include "feed.h"
#include "manifest.h"

namespace {

using coophub::json;
namespace hj = coophub::httpjson;

constexpr const char* kSpec = R"json({
  "type": "object",
  "title": "JSON API (declarative manifest)",
  "required": ["manifest"],
  "additionalProperties": true,
  "properties": {
    "manifest": {"type": "string", "description": "a manifest name (loomio, opencollective, discourse, mastodon, gitea, wordpress) or the path of a .yaml manifest"},
    "base_url": {"type": "string", "description": "the address of the service, e.g. https://forum.example.coop"},
    "token": {"type": "string", "secret": true},
    "api_key": {"type": "string", "secret": true},
    "password": {"type": "string", "secret": true},
    "max_attempts": {"type": "integer", "minimum": 1, "maximum": 10, "description": "tries per request before the run fails (429 and 5xx answers are retried)"},
    "page_size": {"type": "integer", "minimum": 1, "description": "records per request, instead of the manifest's page size"},
    "full_pass_every_s": {"type": "integer", "minimum": 0, "description": "seconds between full passes, which delete what the service no longer lists (streams whose manifest has full_pass; default 86400, 0: every run)"}
  }
})json";

std::vector<std::string> ManifestDirs() {
  std::vector<std::string> dirs;
  const char* lists[] = {std::getenv("COOPHUB_MANIFEST_PATH"), COOPHUB_MANIFEST_DIRS};
  for (const char* list : lists) {
    if (!list) continue;
    std::stringstream ss(list);
    for (std::string d; std::getline(ss, d, ':');)
      if (!d.empty()) dirs.push_back(d);
  }
  return dirs;
}

// The spec, with a preset for each installed manifest ("x-coophub-presets"): the hub
// lists each as a connector of its own, whose form holds only the fields that
// service needs (the manifest's config), and which sets config.manifest itself.
const char* SpecWithPresets() {
  static const std::string text = [] {
    json spec = json::parse(kSpec);
    json presets = json::array();
    std::set<std::string> seen;  // the first directory's manifest of a name wins, as FindManifest does
    for (const auto& dir : ManifestDirs()) {
      std::error_code ec;
      std::vector<std::filesystem::path> files;
      for (const auto& f : std::filesystem::directory_iterator(dir, ec))
        if (f.path().extension() == ".yaml") files.push_back(f.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        std::string name = f.stem().string();
        if (!seen.insert(name).second) continue;
        try {
          json m = hj::LoadManifest(f.string());
          presets.push_back({{"name", name},
                             {"description", m.value("description", name)},
                             {"docs", m.value("docs", "")},
                             {"set", {{"manifest", name}}},
                             {"spec", m.value("config", json::object())}});
        } catch (const std::exception&) {
          // A manifest that does not load is not offered; a source naming it says why.
        }
      }
    }
    spec["x-coophub-presets"] = std::move(presets);
    return spec.dump();
  }();
  return text.c_str();
}

json Manifest(const coophub::Run& run) {
  hj::AllowHostPlaceholders(!run.Sandboxed());
  const json& config = run.config();
  if (!config.contains("manifest") || !config["manifest"].is_string())
    throw coophub::Failure("config.manifest is required: the name or path of the API's manifest");
  std::string name = config["manifest"].get<std::string>();
  // A manifest is read from the hub's disk and its templates may name ${env:} and
  // ${file:}: sources made through the API use the installed ones, by name.
  if (run.Sandboxed() && (name.find('/') != std::string::npos || name.find('.') != std::string::npos))
    throw coophub::Failure("config.manifest: \"" + name.substr(0, 80) +
                           "\" is a path; sources made through the API name an installed manifest (loomio, "
                           "opencollective, discourse, mastodon, gitea, wordpress); paths are for hub.yaml's sources");
  return hj::LoadManifest(hj::FindManifest(name, ManifestDirs()));
}

hj::Io RunIo(coophub::Run& run) {
  hj::Io io;
  io.http = [&run](const coophub::HttpRequest& req) { return run.Http(req); };
  io.sleep = [&run](double seconds) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
    while (std::chrono::steady_clock::now() < until && !run.Cancelled())
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  };
  io.warn = [&run](const std::string& m) { run.Log(COOPHUB_LOG_WARN, m); };
  io.cancelled = [&run] { return run.Cancelled(); };
  io.now = [] { return static_cast<int64_t>(std::time(nullptr)); };
  return io;
}

class HttpJson : public coophub::Connector {
 public:
  void Check(coophub::Run& run) override {
    hj::Api api(Manifest(run), run.config(), RunIo(run));
    api.CheckConfig();
    run.Check(true, api.Probe());
  }

  void Discover(coophub::Run& run) override {
    json m = Manifest(run);
    for (const auto& s : m["streams"]) run.Stream(s["name"], s["kind"]);
  }

  void Read(coophub::Run& run) override {
    coophub::feed::FeedGlobalInit();
    json m = Manifest(run);
    hj::Api api(m, run.config(), RunIo(run));
    api.CheckConfig();
    int64_t done = 0;
    for (const auto& s : m["streams"]) {
      std::string name = s["name"];
      if (!run.Selected(name)) continue;
      json before = run.state(name);
      int64_t version = api.FullPassVersion(s, before);
      json state = api.ReadStream(
          s, before,
          [&](json rec) {
            if (++done % 100 == 0) run.Progress(done);
            return version ? run.Record(name, rec, version) : run.Record(name, rec);
          },
          version);
      if (run.Cancelled()) return;
      // A full pass that read every page: what it did not see is gone from the service.
      if (hj::Api::CompletedPass(state, version)) run.ActivateVersion(name, version);
      run.State(name, state);
    }
    run.Progress(done, done);
  }
};

}  // namespace

COOPHUB_PLUGIN(HttpJson, "http-json", "1.0.0", "Any JSON API described by a YAML manifest", SpecWithPresets())
