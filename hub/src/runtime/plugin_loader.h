// SPDX-License-Identifier: Apache-2.0
//
// Loading a plugin shared library and checking its descriptor against this host's ABI.
// Only ever called inside a worker process: the hub never loads plugin code itself.
// A loaded plugin stays mapped until the process exits.
#pragma once

#include <coophub/plugin.h>

#include <string>

#include "base/status.h"

namespace coophub {

// dlopen()s path, finds coophub_plugin_entry and validates the descriptor: any plugin
// whose min_host_abi this host meets loads, whatever ABI it was built against; the
// result is the prefix of its descriptor this host knows. The error names the file, the
// symbol or the versions, and what to do.
Result<const coophub_plugin*> LoadPlugin(const std::string& path);

}  // namespace coophub
