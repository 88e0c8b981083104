// SPDX-License-Identifier: Apache-2.0
//
// The ical connector: one iCalendar document (a file, or a calendar's ICS address) as
// records: events (one per occurrence inside the window) in stream "events", to-dos in
// stream "todos". Conditional GET keeps an unchanged calendar cheap.
#include <coophub/fetch.hpp>
#include <coophub/plugin.hpp>
#include <coophub/time.hpp>

#include <chrono>
#include <map>
#include <set>

#include "calendar.h"

namespace {

constexpr const char* kSpec = R"json({
  "type": "object",
  "title": "iCalendar (ICS)",
  "required": ["url"],
  "additionalProperties": false,
  "properties": {
    "url": {"type": "string", "minLength": 1, "description": "an .ics address (https://, http://, file://) or a path relative to hub.yaml"},
    "window_past_days": {"type": "integer", "minimum": 0, "default": 30, "description": "expand recurring events from this many days ago"},
    "window_future_days": {"type": "integer", "minimum": 1, "default": 365, "description": "...up to this many days ahead"},
    "max_occurrences": {"type": "integer", "minimum": 1, "default": 10000, "description": "per recurring event"},
    "timeout_s": {"type": "integer", "minimum": 1, "maximum": 300, "default": 30},
    "auth_header": {"type": "string", "secret": true}
  }
})json";

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

coophub::ical::ParseResult ParseOrFail(coophub::Run& run, const coophub::Fetched& f) {
  const auto& cfg = run.config();
  coophub::ical::ExpandOptions o;
  o.window_start = Now() - cfg.value("window_past_days", int64_t{30}) * 86400;
  o.window_end = Now() + cfg.value("window_future_days", int64_t{365}) * 86400;
  o.max_occurrences = cfg.value("max_occurrences", int64_t{10000});
  auto parsed = coophub::ical::Parse(f.response.body, o);
  if (!parsed.error.empty()) throw coophub::Failure(f.url + ": " + parsed.error);
  return parsed;
}

class Ical : public coophub::Connector {
 public:
  void Check(coophub::Run& run) override {
    coophub::Fetched f = coophub::FetchDocument(run, coophub::json(), "text/calendar, */*;q=0.5");
    auto parsed = ParseOrFail(run, f);
    run.Check(true, "read " + f.url + ": " + std::to_string(parsed.records.size()) + " events and to-dos in the window" +
                        (parsed.warnings.empty() ? "" : ", " + std::to_string(parsed.warnings.size()) + " warnings"));
  }

  void Discover(coophub::Run& run) override {
    run.Stream("events", "event");
    run.Stream("todos", "task");
  }

  void Read(coophub::Run& run) override {
    coophub::Fetched f = coophub::FetchDocument(run, run.state("events"), "text/calendar, */*;q=0.5");
    if (f.not_modified) {
      run.Log(COOPHUB_LOG_INFO, "not modified since the last fetch: " + f.url);
      run.State("events", f.validators);
      return;
    }
    auto parsed = ParseOrFail(run, f);
    for (size_t i = 0; i < parsed.warnings.size() && i < 50; ++i)
      run.Log(COOPHUB_LOG_WARN, f.url + ": " + parsed.warnings[i]);
    // The calendar is the truth inside the window: what the last sync emitted and this one
    // does not (an event deleted, an occurrence excluded or past the window) is deleted.
    std::map<std::string, std::set<std::string>> emitted = {{"events", {}}, {"todos", {}}};
    int64_t n = 0;
    for (auto& r : parsed.records) {
      std::string stream = r["kind"] == "task" ? "todos" : "events";
      emitted[stream].insert(r["id"].get<std::string>());
      if (!run.Record(stream, r)) return;
      if (++n % 1000 == 0) run.Progress(n, static_cast<int64_t>(parsed.records.size()));
    }
    for (auto& [stream, ids] : emitted) {
      coophub::json before = run.state(stream);
      if (before.is_object() && before.contains("ids"))
        for (const auto& id : before["ids"])
          if (id.is_string() && !ids.count(id.get<std::string>())) run.Delete(stream, id.get<std::string>());
      coophub::json state = stream == "events" ? f.validators : coophub::json{{"url", f.url}};
      state["ids"] = ids;
      run.State(stream, state);
    }
    run.Progress(n, n);
  }
};

}  // namespace

COOPHUB_PLUGIN(Ical, "ical", "0.1.0", "iCalendar files and ICS addresses: events and to-dos", kSpec)
