// SPDX-License-Identifier: Apache-2.0
//
// Runs one connector command in a child process and feeds its protocol lines, parsed
// and validated, to a sink. Plugins (.so) run inside a coophub-worker process
// (worker.h); exec: and singer: connectors are any program speaking the protocol.
// The runner enforces the per-run limits (wall time, heartbeat, memory, line size) and
// says in plain words which one ended a run. Thread-safe: each call is independent.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/outbound_policy.h"
#include "model/protocol.h"
#include "base/status.h"

namespace coophub {

struct Limits {
  int64_t timeout_ms = 30 * 60 * 1000;         // wall time of a run
  int64_t heartbeat_ms = 5 * 60 * 1000;        // longest silence between two lines
  int64_t memory_bytes = int64_t{512} << 20;   // resident memory of the connector process
  int64_t max_line_bytes = int64_t{16} << 20;  // longest protocol line
};

struct ConnectorRef {
  enum class Kind { kPlugin, kExec, kSinger };
  Kind kind = Kind::kPlugin;
  std::string path;  // the .so, or the program (searched on PATH without a '/')
  std::string name;  // as the user wrote it, for messages
};

// kSubject: what the source tool holds about one person (RunRequest::subject), for a
// member's export; optional, asked only of connectors whose SPEC lists "subject" in
// its operations (docs/plugins.md).
enum class Command { kSpec, kCheck, kDiscover, kRead, kSubject };
const char* CommandName(Command c);

struct RunRequest {
  Command command = Command::kRead;
  json config = json::object();
  json state = json::object();  // {stream: state}
  json streams;                 // null: all; or an array of stream names
  json subject;                 // kSubject: {"account", "identities": [{"kind", "value"}...]}
  // singer: connectors: hub.yaml's `singer:` of the source, {catalog, metadata}
  // (docs/connectors/exec.md). catalog: auto (what the tap's --help names), catalog,
  // properties or none.
  json singer = json::object();
  std::string workdir;  // relative paths in the config resolve here
  Limits limits;
  const std::atomic<bool>* cancel = nullptr;  // set to stop the run
  // What the run may read and reach: a plugin's worker enforces it on every request
  // it makes for the plugin. Exec and Singer connectors are hub.yaml's only.
  OutboundPolicy policy;
  // Plugins only: write each HTTP exchange the plugin makes into this directory,
  // redacted, for replay by <coophub/testing.hpp> (`coophub read --record DIR`).
  std::string record_dir;
};

struct RunResult {
  enum class Outcome {
    kOk,              // the connector finished and reported no error
    kConnectorError,  // it reported ERROR (or a failed CHECK)
    kLoadError,       // the plugin could not be loaded (wrong ABI, missing symbol...)
    kCrashed,         // it died by a signal, exited non-zero, or broke a limit
    kBadOutput,       // a line broke the protocol, or the sink refused a message
    kCancelled
  };
  Outcome outcome = Outcome::kOk;
  std::string message;  // for every outcome but kOk: what happened and what to do
  bool retryable = false;
  int64_t lines = 0;
};

// Receives each valid message in order. A non-ok Status stops the run as kBadOutput
// with that message (prefixed with the line number).
using MessageSink = std::function<Status(Message&&)>;

RunResult RunConnector(const ConnectorRef& connector, const RunRequest& request, const MessageSink& sink);

// The exit status the CLI gives for an outcome (DESIGN.md: 0, 1, 2, 3).
int ExitCodeFor(RunResult::Outcome outcome);

// The program that hosts .so plugins (coophub-worker, beside this executable or in
// LIBEXECDIR/coophub/) unless set (tests and benchmarks set it).
void SetWorkerProgram(std::string path);

// What a plugin says of itself, asked through a worker (never in this process).
struct PluginInfo {
  std::string name, version, description;
  json spec = json::object();
  std::vector<std::string> operations;  // the optional ones its SPEC lists: "subject"
  bool Has(const std::string& op) const {
    return std::find(operations.begin(), operations.end(), op) != operations.end();
  }
};
Result<PluginInfo> DescribePlugin(const ConnectorRef& ref);
// Just the spec; {} for exec and singer connectors, which have none to give.
Result<json> FetchSpec(const ConnectorRef& ref);
std::string WorkerProgram();

// Exit status of a worker whose plugin could not be loaded.
inline constexpr int kWorkerLoadFailure = 86;

}  // namespace coophub
