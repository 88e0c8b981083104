// SPDX-License-Identifier: Apache-2.0
//
// Where plugins are found: the directories searched (COOPHUB_PLUGIN_PATH, hub.yaml's
// plugin_dirs, the installed and the build tree's), the plugins in them, and what a
// source's `plugin:` names (a plugin by name, a path to a .so, exec:PROGRAM or
// singer:PROGRAM).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "runtime/runner.h"

namespace coophub {

// The directories searched for plugins, in order: COOPHUB_PLUGIN_PATH, configured
// (hub.yaml's plugin_dirs), the installed and the build tree's.
std::vector<std::string> PluginSearchPath(const std::vector<std::string>& configured);
// Every .so plugin found in dirs, by name (the first of a name wins).
std::vector<std::pair<std::string, std::string>> ListPluginFiles(const std::vector<std::string>& dirs);
// Finds a plugin: a name in the plugin directories, a path to a .so, exec:PROGRAM or
// singer:PROGRAM. The error lists the directories searched and the plugins found.
Result<ConnectorRef> ResolvePlugin(const std::string& spec, const std::vector<std::string>& dirs);

}  // namespace coophub
