// SPDX-License-Identifier: Apache-2.0
// Plugin discovery; see plugin_paths.h.
#include "runtime/plugin_paths.h"

#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

#include "os/subprocess.h"

namespace coophub {

namespace fs = std::filesystem;

std::vector<std::string> PluginSearchPath(const std::vector<std::string>& configured) {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("COOPHUB_PLUGIN_PATH")) {
    std::stringstream ss(env);
    std::string d;
    while (std::getline(ss, d, ':'))
      if (!d.empty()) dirs.push_back(d);
  }
  dirs.insert(dirs.end(), configured.begin(), configured.end());
  dirs.push_back((fs::path(SelfExe()).parent_path() / ".." / COOPHUB_INSTALL_LIBDIR / "coophub/plugins")
                     .lexically_normal()
                     .string());
  dirs.push_back(COOPHUB_BUILD_PLUGIN_DIR);
  return dirs;
}

std::vector<std::pair<std::string, std::string>> ListPluginFiles(const std::vector<std::string>& dirs) {
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;
  for (const auto& d : dirs) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(d, ec)) {
      if (e.path().extension() != ".so") continue;
      std::string name = e.path().stem().string();
      if (seen.insert(name).second) out.emplace_back(name, e.path().string());
    }
  }
  return out;
}

Result<ConnectorRef> ResolvePlugin(const std::string& spec, const std::vector<std::string>& dirs) {
  ConnectorRef ref;
  ref.name = spec;
  for (auto [prefix, kind] :
       {std::pair{"exec:", ConnectorRef::Kind::kExec}, std::pair{"singer:", ConnectorRef::Kind::kSinger}}) {
    std::string p = prefix;
    if (spec.rfind(p, 0) == 0) {
      ref.kind = kind;
      ref.path = spec.substr(p.size());
      if (ref.path.empty())
        return Status::Invalid("\"" + spec + "\" names no program: write " + p + "/path/to/program");
      return ref;
    }
  }
  if (spec.find('/') != std::string::npos || spec.ends_with(".so")) {
    if (!fs::exists(spec)) return Status::NotFound("plugin file " + spec + " does not exist");
    ref.path = fs::absolute(spec).string();
    return ref;
  }
  for (const auto& [name, path] : ListPluginFiles(dirs))
    if (name == spec) {
      ref.path = path;
      return ref;
    }
  std::string searched, found;
  for (const auto& d : dirs) searched += (searched.empty() ? "" : ", ") + d;
  for (const auto& [name, path] : ListPluginFiles(dirs)) found += (found.empty() ? "" : ", ") + name;
  return Status::NotFound("unknown plugin \"" + spec + "\": no " + spec + ".so in " + searched +
                          (found.empty() ? "" : ". Plugins found: " + found) +
                          ". Check the name, add its directory to plugin_dirs or "
                          "COOPHUB_PLUGIN_PATH, or use exec:PROGRAM");
}

}  // namespace coophub
