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

#include "caldav.h"
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
    "caldav": {"type": "boolean", "default": false, "description": "url is a CalDAV calendar collection (Nextcloud, Radicale...)"},
    "username": {"type": "string", "description": "for basic auth (CalDAV servers)"},
    "password": {"type": "string", "secret": true, "description": "for basic auth; an app password is best"},
    "auth_header": {"type": "string", "secret": true}
  }
})json";

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

coophub::ical::ParseResult Expand(coophub::Run& run, const std::string& text) {
  const auto& cfg = run.config();
  coophub::ical::ExpandOptions o;
  o.window_start = Now() - cfg.value("window_past_days", int64_t{30}) * 86400;
  o.window_end = Now() + cfg.value("window_future_days", int64_t{365}) * 86400;
  o.max_occurrences = cfg.value("max_occurrences", int64_t{10000});
  return coophub::ical::Parse(text, o);
}

coophub::ical::ParseResult ParseOrFail(coophub::Run& run, const std::string& text, const std::string& url) {
  auto parsed = Expand(run, text);
  if (!parsed.error.empty()) throw coophub::Failure(url + ": " + parsed.error);
  return parsed;
}

class Ical : public coophub::Connector {
 public:
  void Check(coophub::Run& run) override {
    if (run.config().value("caldav", false)) {
      coophub::HttpResponse r = Dav(run, "PROPFIND", "0", coophub::ical::kCtagPropfind);
      run.Check(true, "CalDAV collection " + r.url + " answers" +
                          (coophub::ical::CtagOf(r.body) ? " with a ctag" : " (no ctag: every sync reads it all)"));
      return;
    }
    coophub::Fetched f = coophub::FetchDocument(run, coophub::json(), "text/calendar, */*;q=0.5");
    auto parsed = ParseOrFail(run, f.response.body, f.url);
    run.Check(true, "read " + f.url + ": " + std::to_string(parsed.records.size()) +
                        " events and to-dos in the window" +
                        (parsed.warnings.empty() ? "" : ", " + std::to_string(parsed.warnings.size()) + " warnings"));
  }

  void Discover(coophub::Run& run) override {
    run.Stream("events", "event");
    run.Stream("todos", "task");
  }

  void Read(coophub::Run& run) override {
    if (run.config().value("caldav", false)) return ReadCalDav(run);
    coophub::Fetched f = coophub::FetchDocument(run, run.state("events"), "text/calendar, */*;q=0.5");
    if (f.not_modified) {
      run.Log(COOPHUB_LOG_INFO, "not modified since the last fetch: " + f.url);
      run.State("events", f.validators);
      return;
    }
    Emit(run, ParseOrFail(run, f.response.body, f.url), f.validators);
  }

 private:
  // CalDAV: the collection's ctag says whether anything changed; a calendar-query
  // REPORT brings every event and to-do.
  void ReadCalDav(coophub::Run& run) {
    const coophub::json& cfg = run.config();
    std::string url = cfg.at("url").get<std::string>();
    coophub::json before = run.state("events");
    coophub::HttpResponse props = Dav(run, "PROPFIND", "0", coophub::ical::kCtagPropfind);
    auto ctag = coophub::ical::CtagOf(props.body);
    if (ctag && before.is_object() && before.value("ctag", "") == *ctag) {
      run.Log(COOPHUB_LOG_INFO, "calendar unchanged (same ctag): " + url);
      run.State("events", before);
      return;
    }
    coophub::HttpResponse report = Dav(run, "REPORT", "1", coophub::ical::kCalendarQuery);
    std::string error;
    auto texts = coophub::ical::CalendarDataOf(report.body, &error);
    if (!texts) throw coophub::Failure(url + ": " + error);
    coophub::ical::ParseResult all;
    for (const auto& text : *texts) {
      auto one = Expand(run, text);
      if (!one.error.empty()) {
        all.warnings.push_back("a resource was not iCalendar: " + one.error);
        continue;
      }
      for (auto& r : one.records) all.records.push_back(std::move(r));
      for (auto& w : one.warnings) all.warnings.push_back(std::move(w));
    }
    coophub::json validators = {{"url", url}};
    if (ctag) validators["ctag"] = *ctag;
    Emit(run, std::move(all), validators);
  }

  static coophub::HttpResponse Dav(coophub::Run& run, const char* method, const char* depth, const char* body) {
    const coophub::json& cfg = run.config();
    coophub::HttpRequest req;
    req.method = method;
    req.url = cfg.at("url").get<std::string>();
    req.body = body;
    req.timeout_s = cfg.value("timeout_s", 30);
    req.headers["Depth"] = depth;
    req.headers["Content-Type"] = "application/xml; charset=utf-8";
    if (cfg.contains("username"))
      req.headers["Authorization"] = coophub::BasicAuth(cfg["username"].get<std::string>(), cfg.value("password", ""));
    else if (cfg.contains("auth_header"))
      req.headers["Authorization"] = cfg["auth_header"].get<std::string>();
    coophub::HttpResponse resp = run.Http(req);
    if (resp.status == 0) throw coophub::Failure(resp.error, true);
    if (resp.status == 401)
      throw coophub::Failure("HTTP 401 from " + req.url + ": the CalDAV server refused the username or password");
    if (resp.status != 207 && resp.status != 200) throw coophub::HttpFailure(resp.status, req.url);
    return resp;
  }

  // Emits the records and deletes what the last sync emitted and this one did not: the
  // calendar is the truth inside the window (an event deleted, an occurrence excluded or
  // past the window).
  static void Emit(coophub::Run& run, coophub::ical::ParseResult parsed, const coophub::json& validators) {
    std::string url = validators.value("url", "");
    for (size_t i = 0; i < parsed.warnings.size() && i < 50; ++i)
      run.Log(COOPHUB_LOG_WARN, url + ": " + parsed.warnings[i]);
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
      coophub::json state = stream == "events" ? validators : coophub::json{{"url", url}};
      state["ids"] = ids;
      run.State(stream, state);
    }
    run.Progress(n, n);
  }
};

}  // namespace

COOPHUB_PLUGIN(Ical, "ical", "0.1.0", "iCalendar files and ICS addresses: events and to-dos", kSpec)
