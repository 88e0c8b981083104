// SPDX-License-Identifier: Apache-2.0
//
// Testing a connector plugin without a hub or a network: a fake host that calls the
// plugin's operations in this process, answers its HTTP requests from a script or from
// recorded exchanges (<coophub/recording.hpp>, written by `coophub read --record DIR`),
// and keeps everything the plugin said for the test to assert on. Works with any test
// framework; the template's test uses GoogleTest:
//
//   coophub::testing::FakeHost host(coophub_plugin_entry());   // the plugin linked in
//   host.Answer("https://example.org/items", 200, R"([{"id":"1","title":"A"}])");
//   auto run = host.Read({{"url", "https://example.org/items"}});
//   EXPECT_TRUE(run.ok()) << run.Describe();
//   EXPECT_EQ(run.Records("items").size(), 1);
//   auto next = host.Read(config, run.States());             // the next run resumes
//
// What the fake host checks is the part of the contract a plugin most often breaks:
// each message is one JSON object of a known type with the fields its type needs, the
// host is called on the thread it called the plugin on, and every request is answered.
// The record rules (kinds, visibility, times, amounts) are the hub's: run the plugin once
// under `coophub read` to see them applied.
#ifndef COOPHUB_TESTING_HPP_
#define COOPHUB_TESTING_HPP_

#include <coophub/plugin.h>
#include <coophub/plugin.hpp>
#include <coophub/recording.hpp>
#include <dlfcn.h>

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

// Defined by COOPHUB_PLUGIN in the plugin's source, when a test links that source in.
extern "C" const coophub_plugin* coophub_plugin_entry(void);

namespace coophub::testing {

// Loads a built plugin (.so) into this process. Throws Failure naming what is wrong.
inline const coophub_plugin* LoadPlugin(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw Failure(path + ": " + dlerror());
  auto entry = reinterpret_cast<coophub_entry_fn>(dlsym(handle, COOPHUB_ENTRY_SYMBOL));
  if (!entry) throw Failure(path + ": no " COOPHUB_ENTRY_SYMBOL " symbol; was it built with COOPHUB_PLUGIN?");
  return entry();
}

// Everything one operation of the plugin did.
struct Result {
  struct LogLine {
    int level;
    std::string message;
  };
  int status = COOPHUB_OK;                            // what the operation returned (coophub_status)
  std::vector<json> messages;                         // every message emitted, in order
  std::vector<LogLine> logs;                          // host->log calls
  std::vector<std::pair<int64_t, int64_t>> progress;  // (done, total or -1)
  std::vector<HttpRequest> requests;                  // every request made through the host, in order
  std::vector<HttpRequest> unanswered;                // those neither the script nor a recording answered
  std::vector<std::string> problems;                  // contract breaches the hub would refuse

  // The messages of one type ("RECORD", "STATE"...).
  std::vector<json> Of(const std::string& type) const {
    std::vector<json> out;
    for (const auto& m : messages)
      if (m.value("type", "") == type) out.push_back(m);
    return out;
  }
  // The records (the "record" objects) of one stream, or of every stream.
  std::vector<json> Records(const std::string& stream = "") const {
    std::vector<json> out;
    for (const auto& m : Of("RECORD"))
      if (stream.empty() || m.value("stream", "") == stream) out.push_back(m["record"]);
    return out;
  }
  // The last state committed for the stream, or null.
  json State(const std::string& stream) const { return States().value(stream, json()); }
  // {stream: last state}: what the hub would hand the next run.
  json States() const {
    json out = json::object();
    for (const auto& m : Of("STATE"))
      if (m.contains("stream") && m["stream"].is_string())
        out[m["stream"].get<std::string>()] = m.value("state", json());
    return out;
  }
  // The message of the ERROR the plugin emitted, if it emitted one.
  std::optional<std::string> Error() const {
    auto errors = Of("ERROR");
    if (errors.empty()) return std::nullopt;
    return errors.front().value("message", "");
  }
  // A check's verdict: its CHECK said ok and nothing failed.
  bool CheckOk() const {
    auto checks = Of("CHECK");
    return ok() && !checks.empty() && checks.back().value("ok", false);
  }
  // Returned OK, emitted no ERROR, broke no rule, and every request had an answer.
  bool ok() const { return status == COOPHUB_OK && !Error() && problems.empty() && unanswered.empty(); }
  // What happened, for a failing assertion's message.
  std::string Describe() const {
    std::ostringstream out;
    out << "status " << status << ", " << messages.size() << " messages, " << requests.size() << " requests";
    if (auto e = Error()) out << "\n  ERROR: " << *e;
    for (const auto& p : problems) out << "\n  problem: " << p;
    for (const auto& u : unanswered) out << "\n  unanswered: " << u.method << " " << u.url;
    for (const auto& l : logs) out << "\n  log[" << l.level << "]: " << l.message;
    return out.str();
  }
};

class FakeHost {
 public:
  // plugin: coophub_plugin_entry() of a plugin linked into the test, or LoadPlugin(path).
  explicit FakeHost(const coophub_plugin* plugin) : plugin_(plugin) {
    if (!plugin_) throw Failure("FakeHost: no plugin");
    spec_ = json::parse(plugin_->spec_json ? plugin_->spec_json : "{}", nullptr, false);
  }

  // Answers the next request for method and url (a trailing '*' matches any rest) with
  // response. Answers are used once each, in the order given, unless `every_time`.
  FakeHost& Answer(const std::string& method, const std::string& url, HttpResponse response, bool every_time = false) {
    if (response.url.empty() && !url.empty() && url.back() != '*') response.url = url;
    script_.push_back({method, url, std::move(response), every_time, false});
    return *this;
  }
  FakeHost& Answer(const std::string& url, int status, std::string body,
                   std::map<std::string, std::string> headers = {}) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    for (auto& [name, value] : headers) r.headers[recording::detail::Lower(name)] = value;
    return Answer("GET", url, std::move(r));
  }
  // A transport failure (status 0): no answer, and why.
  FakeHost& Unreachable(const std::string& url, const std::string& error) {
    HttpResponse r;
    r.error = error;
    return Answer("GET", url, std::move(r));
  }
  // Answers from the exchanges recorded in dir, each once, in their order, matched by
  // method and (redacted) URL.
  FakeHost& Replay(const std::filesystem::path& dir) {
    for (auto& e : recording::ReadAll(dir))
      script_.push_back({e.request.method, e.request.url, std::move(e.response), false, true});
    return *this;
  }
  // Stops the run once the plugin has emitted n messages: Cancelled() says so and
  // later messages are refused with COOPHUB_CANCELLED, as in the hub.
  FakeHost& CancelAfter(size_t n) {
    cancel_after_ = n;
    return *this;
  }
  // Runs the operations as for a source an editor made through the API (Run::Sandboxed).
  FakeHost& Sandboxed(bool sandboxed = true) {
    sandboxed_ = sandboxed;
    return *this;
  }
  const json& Spec() const { return spec_; }

  Result Check(const json& config) { return Call(plugin_->check, "check", {{"config", config}}); }
  Result Discover(const json& config) { return Call(plugin_->discover, "discover", {{"config", config}}); }
  Result Read(const json& config, const json& state = json::object(), const json& streams = nullptr) {
    return Call(plugin_->read, "read", {{"config", config}, {"state", state}, {"streams", streams}});
  }
  // subject: {"account": "ana", "identities": [{"kind": "email", "value": "ana@coop.example"}]}
  Result Subject(const json& config, const json& subject) {
    return Call(plugin_->subject, "subject", {{"config", config}, {"subject", subject}});
  }

 private:
  struct Scripted {
    std::string method, url;
    HttpResponse response;
    bool every_time, recorded;
    bool used = false;
  };
  struct Owned {
    coophub_http_response c{};
    HttpResponse r;
    std::string headers;
  };
  // The per-call context the plugin hands back to each callback.
  struct Context {
    FakeHost* host;
    Result* result;
    std::thread::id thread;
    std::vector<std::string> secrets;
  };

  Result Call(coophub_op op, const char* name, json request) {
    Result result;
    if (!op) {
      result.problems.push_back(std::string("the plugin has no ") + name + " operation");
      return result;
    }
    if (sandboxed_) request["sandbox"] = {{"sandboxed", true}};
    Context ctx{this, &result, std::this_thread::get_id(), recording::SecretsOf(spec_, request["config"])};
    cancelled_ = false;
    coophub_host host = {
        sizeof(coophub_host), COOPHUB_ABI_VERSION, &Emit, &Log, &Progress, &Cancelled, &Http, &HttpFree};
    std::string text = request.dump();
    result.status = op(&host, reinterpret_cast<coophub_run*>(&ctx), text.data(), text.size());
    return result;
  }

  static Context& Ctx(coophub_run* run) {
    Context& c = *reinterpret_cast<Context*>(run);
    if (std::this_thread::get_id() != c.thread)
      c.result->problems.push_back("a host callback was called from another thread than the plugin's call");
    return c;
  }

  static std::string CheckMessage(const json& m) {
    if (!m.is_object()) return "a message must be one JSON object";
    if (!m.contains("type") || !m["type"].is_string()) return "a message needs a string \"type\"";
    std::string type = m["type"].get<std::string>();
    auto needs_string = [&](const char* field) -> std::string {
      return m.contains(field) && m[field].is_string() && !m[field].get<std::string>().empty()
                 ? ""
                 : type + " needs a non-empty string \"" + field + "\"";
    };
    if (type == "RECORD") {
      if (auto e = needs_string("stream"); !e.empty()) return e;
      if (!m.contains("record") || !m["record"].is_object()) return "RECORD needs an object \"record\"";
      const json& r = m["record"];
      if (!r.contains("id") || !r["id"].is_string() || r["id"].get<std::string>().empty())
        return "a record needs a non-empty string \"id\"";
      return "";
    }
    if (type == "STATE") return m.contains("state") ? needs_string("stream") : "STATE needs a \"state\"";
    if (type == "DELETE") return needs_string("stream").empty() ? needs_string("id") : needs_string("stream");
    if (type == "ACTIVATE_VERSION")
      return m.contains("version") && m["version"].is_number_integer()
                 ? needs_string("stream")
                 : "ACTIVATE_VERSION needs an integer \"version\"";
    if (type == "STREAM") return needs_string("name");
    if (type == "CHECK") return m.contains("ok") && m["ok"].is_boolean() ? "" : "CHECK needs a boolean \"ok\"";
    if (type == "ERROR" || type == "LOG") return needs_string("message");
    if (type == "PROGRESS") return "";
    return "unknown message type \"" + type + "\"";
  }

  static int Emit(coophub_run* run, const char* text, size_t len) noexcept try {
    Context& c = Ctx(run);
    if (c.host->cancelled_) return COOPHUB_CANCELLED;  // as the hub's worker does
    json m = json::parse(std::string_view(text ? text : "", text ? len : 0), nullptr, false);
    if (std::string problem = m.is_discarded() ? "a message is not JSON" : CheckMessage(m); !problem.empty()) {
      c.result->problems.push_back(problem + ": " +
                                   std::string(text ? text : "", text ? std::min<size_t>(len, 200) : 0));
      return COOPHUB_INVALID;
    }
    c.result->messages.push_back(std::move(m));
    if (c.host->cancel_after_ && c.result->messages.size() >= *c.host->cancel_after_) c.host->cancelled_ = true;
    return COOPHUB_OK;
  } catch (...) {
    return COOPHUB_INVALID;
  }

  static void Log(coophub_run* run, int level, const char* message, size_t len) noexcept try {
    Ctx(run).result->logs.push_back({level, std::string(message ? message : "", message ? len : 0)});
  } catch (...) {}

  static void Progress(coophub_run* run, int64_t done, int64_t total) noexcept try {
    Ctx(run).result->progress.emplace_back(done, total);
  } catch (...) {}

  static int Cancelled(coophub_run* run) noexcept { return Ctx(run).host->cancelled_ ? 1 : 0; }

  static int Http(coophub_run* run, const char* text, size_t len, coophub_http_response** out) noexcept try {
    Context& c = Ctx(run);
    if (!out) return COOPHUB_INVALID;
    *out = nullptr;
    json q = json::parse(std::string_view(text ? text : "", text ? len : 0), nullptr, false);
    if (!q.is_object() || !q.contains("url") || !q["url"].is_string()) {
      c.result->problems.push_back("an HTTP request must be a JSON object with a string \"url\"");
      return COOPHUB_INVALID;
    }
    HttpRequest req;
    req.url = q["url"].get<std::string>();
    req.method = q.value("method", "GET");
    req.body = q.value("body", "");
    if (q.contains("headers") && q["headers"].is_object())
      for (const auto& [k, v] : q["headers"].items())
        if (v.is_string()) req.headers[k] = v.get<std::string>();
    c.result->requests.push_back(req);
    auto owned = std::make_unique<Owned>();
    if (const HttpResponse* answer = c.host->Find(req, c.secrets)) {
      owned->r = *answer;
      if (owned->r.url.empty()) owned->r.url = req.url;
    } else {
      c.result->unanswered.push_back(req);
      owned->r.error = "FakeHost: nothing scripted or recorded answers " + req.method + " " + req.url;
    }
    for (const auto& [name, value] : owned->r.headers) owned->headers += name + ": " + value + "\n";
    owned->c = {owned->r.status,       owned->r.body.data(),  owned->r.body.size(),
                owned->headers.data(), owned->headers.size(), owned->r.error.data(),
                owned->r.error.size(), owned->r.url.data(),   owned->r.url.size()};
    *out = &owned.release()->c;
    return COOPHUB_OK;
  } catch (...) {
    return COOPHUB_INVALID;
  }

  static void HttpFree(coophub_run*, coophub_http_response* r) noexcept {
    delete reinterpret_cast<Owned*>(r);  // c is the first member
  }

  // The first unused answer for the request. Recorded ones are matched by the redacted
  // URL, as they were written.
  const HttpResponse* Find(const HttpRequest& req, const std::vector<std::string>& secrets) {
    std::string redacted = recording::RedactUrl(req.url, secrets);
    for (auto& s : script_) {
      if (s.used || s.method != req.method) continue;
      const std::string& url = s.recorded ? redacted : req.url;
      bool match = !s.url.empty() && s.url.back() == '*'
                       ? url.compare(0, s.url.size() - 1, s.url, 0, s.url.size() - 1) == 0
                       : url == s.url;
      if (!match) continue;
      s.used = !s.every_time;
      return &s.response;
    }
    return nullptr;
  }

  const coophub_plugin* plugin_;
  json spec_;
  std::deque<Scripted> script_;
  std::optional<size_t> cancel_after_;
  bool cancelled_ = false;
  bool sandboxed_ = false;
};

}  // namespace coophub::testing

#endif  // COOPHUB_TESTING_HPP_
