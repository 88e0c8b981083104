// SPDX-License-Identifier: Apache-2.0
//
// my_connector: copy this folder, rename, and fill in Read. The hub runs the plugin in
// a worker process; everything it says goes through coophub::Run. Throw
// coophub::Failure with a message a person can act on to end a run with an error.
#include <coophub/plugin.hpp>

namespace {

// The config's JSON Schema: the hub validates configs against it before a run, and the
// admin UI builds its form from it. Mark passwords and tokens "secret": true.
constexpr const char* kSpec = R"({
  "type": "object",
  "required": ["url"],
  "additionalProperties": false,
  "properties": {
    "url": {"type": "string", "description": "where the data lives"},
    "token": {"type": "string", "secret": true, "description": "API token"}
  }
})";

class MyConnector : public coophub::Connector {
 public:
  // Reachable? Credentials accepted? Say what to fix if not.
  void Check(coophub::Run& run) override {
    coophub::HttpResponse r = run.Http({"GET", run.config().at("url").get<std::string>()});
    if (r.status == 0) throw coophub::Failure(r.error);
    run.Check(r.status == 200, "HTTP " + std::to_string(r.status) + " from " + r.url);
  }

  void Discover(coophub::Run& run) override { run.Stream("items", "other"); }

  void Read(coophub::Run& run) override {
    coophub::json since = run.state("items");  // null on the first run
    // ... fetch what changed since `since`, then for each item:
    run.Record("items", {{"id", "1"}, {"kind", "other"}, {"title", "An item"}});
    run.State("items", {{"cursor", "next"}});  // commits the records before it
  }
};

}  // namespace

COOPHUB_PLUGIN(MyConnector, "my_connector", "0.1.0", "Describe what it connects to", kSpec)
