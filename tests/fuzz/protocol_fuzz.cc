// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target over what the hub makes of a connector's output: the protocol line
// parser and the ingest path (record normalisation, batches, state, deletes, Singer
// schemas) into a real SQLite store. The input is a connector's stdout, lines and all.
// A crash, a sanitizer report or an exception is a finding; a bad line is not (it is a
// failed run, with its line number).
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "config/config.h"
#include "store/store.h"
#include "sync/sync.h"

namespace {

using namespace coophub;

struct Env {
  std::string dir;
  std::unique_ptr<Store> store;
  SourceConfig source;

  Env() {
    char tmpl[] = "/tmp/coophub-protocol-fuzz-XXXXXX";
    dir = mkdtemp(tmpl);
    store = OpenSqliteStore({dir + "/coophub.db", 1}).value();
    source.id = "fuzz";
    source.plugin = "exec:fuzz";
  }
  ~Env() { std::filesystem::remove_all(dir); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Env env;
  static int64_t run = env.store->BeginRun("fuzz", "fuzz").value();
  Status s = IngestLines(*env.store, env.source, run, std::string_view(reinterpret_cast<const char*>(data), size));
  if (!s.ok() && s.message().empty()) __builtin_trap();  // every failure says why
  return 0;
}
