// SPDX-License-Identifier: Apache-2.0
//
// hello: the smallest useful plugin. Greets `name` `count` times as `post` records,
// remembering how many greetings it has made in the stream's state.
#include <coophub/plugin.hpp>

namespace {

class Hello : public coophub::Connector {
 public:
  void Check(coophub::Run& run) override {
    std::string name = run.config().value("name", "");
    if (name.empty()) throw coophub::Failure("config.name is empty: say whom to greet");
    run.Check(true, "ready to greet " + name);
  }

  void Discover(coophub::Run& run) override { run.Stream("greetings", "post"); }

  void Read(coophub::Run& run) override {
    std::string name = run.config().value("name", "world");
    int count = run.config().value("count", 3);
    coophub::json state = run.state("greetings");
    int done = state.is_object() ? state.value("greeted", 0) : 0;
    for (int i = done + 1; i <= done + count; ++i)
      run.Record("greetings", {{"id", std::to_string(i)},
                               {"kind", "post"},
                               {"title", "Hello, " + name + " #" + std::to_string(i)},
                               {"time", "2026-11-24T12:00:00Z"}});
    run.State("greetings", {{"greeted", done + count}});
  }
};

}  // namespace

COOPHUB_PLUGIN(Hello, "hello", "1.0.0", "Says hello: the example out-of-tree plugin", R"({
  "type": "object", "required": ["name"], "additionalProperties": false,
  "properties": {"name": {"type": "string", "minLength": 1}, "count": {"type": "integer", "minimum": 1}}
})")
