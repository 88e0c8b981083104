// SPDX-License-Identifier: Apache-2.0
// dlopen and ABI validation of plugins; see plugin_loader.h.
#include "runtime/plugin_loader.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace coophub {
namespace {

// The smallest descriptor a version-1 plugin can have: up to and including read.
constexpr size_t kMinDescriptorSize = offsetof(coophub_plugin, read) + sizeof(coophub_op);

}  // namespace

Result<const coophub_plugin*> LoadPlugin(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* err = dlerror();
    return Status::Invalid("dlopen(\"" + path + "\") failed: " + (err ? err : "unknown error") +
                           ". Check the file is a coophub plugin built for this machine; "
                           "missing dependencies show with: ldd " +
                           path);
  }
  dlerror();
  void* sym = dlsym(handle, COOPHUB_ENTRY_SYMBOL);
  if (!sym)
    return Status::Invalid(path +
                           " has no symbol " COOPHUB_ENTRY_SYMBOL
                           ": it is not a coophub plugin, or its entry point is not exported "
                           "(declare it extern \"C\" or use COOPHUB_PLUGIN(...) from "
                           "<coophub/plugin.hpp>); `nm -D " +
                           path + "` lists what it exports");
  auto entry = reinterpret_cast<coophub_entry_fn>(sym);
  const coophub_plugin* p = entry();
  const std::string where = path + ": ";
  if (!p) return Status::Invalid(where + COOPHUB_ENTRY_SYMBOL "() returned NULL");
  if (p->struct_size < kMinDescriptorSize)
    return Status::Invalid(where + "its descriptor is " + std::to_string(p->struct_size) +
                           " bytes, smaller than any coophub plugin ABI (" + std::to_string(kMinDescriptorSize) +
                           "): rebuild it against the coophub SDK");
  if (p->abi_version == 0) return Status::Invalid(where + "abi_version is 0: set it to COOPHUB_ABI_VERSION");
  // The plugin says which host it needs; what it was built against (a newer SDK, a
  // larger descriptor) does not matter as long as this host meets that.
  if (p->min_host_abi > COOPHUB_ABI_VERSION)
    return Status::Invalid(where + "built for plugin ABI " + std::to_string(p->abi_version) +
                           ", it needs a host of ABI " + std::to_string(p->min_host_abi) +
                           " or newer (min_host_abi); this hub speaks ABI " + std::to_string(COOPHUB_ABI_VERSION) +
                           ": upgrade coophub");
  // The prefix this host knows; fields of later ABIs stay unread, those a smaller
  // (older) descriptor lacks stay zero.
  auto* copy = new coophub_plugin{};  // lives as long as the mapping: the process
  std::memcpy(copy, p, std::min<size_t>(p->struct_size, sizeof(coophub_plugin)));
  if (!copy->name || !copy->version || !copy->spec_json || !copy->read)
    return Status::Invalid(where +
                           "its descriptor lacks a name, version, spec_json or read "
                           "function: all four are required");
  return static_cast<const coophub_plugin*>(copy);
}

}  // namespace coophub
