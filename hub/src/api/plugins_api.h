// SPDX-License-Identifier: Apache-2.0
//
// What the plugins endpoints remember: each plugin's description until its file changes
// (asking a plugin costs a worker process). Thread-safe through its mutex.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "runtime/runner.h"
#include "base/mutex.h"

namespace coophub {

struct PluginCache {
  Mutex mu;
  std::map<std::string, std::pair<std::filesystem::file_time_type, Result<PluginInfo>>> by_path GUARDED_BY(mu);
};

}  // namespace coophub
