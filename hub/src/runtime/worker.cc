// SPDX-License-Identifier: Apache-2.0
// The worker process that hosts one plugin call; see worker.h.
#include "runtime/worker.h"

#include <coophub/plugin.h>
#include <coophub/recording.hpp>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/http_client.h"
#include "runtime/plugin_loader.h"
#include "model/protocol.h"
#include "runtime/runner.h"

struct coophub_run {
  bool error_emitted = false;
  int64_t last_flush_ms = 0;
  // `--record DIR`: every HTTP exchange is written there, redacted (recording.hpp).
  std::string record_dir;
  std::vector<std::string> secrets;
  int recorded = 0;
};

namespace coophub {
namespace {

volatile sig_atomic_t g_cancelled = 0;
// What this run may read and reach, as the hub said in the request (set before the
// plugin runs, read-only after).
OutboundPolicy g_policy;

void OnTerm(int) { g_cancelled = 1; }

int64_t MonoMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// Writes one line. Raw newlines can only be whitespace in valid JSON, so they are
// replaced by spaces; the hub validates the rest.
void WriteLine(coophub_run* run, std::string_view text) {
  for (char c : text) std::fputc(c == '\n' || c == '\r' ? ' ' : c, stdout);
  std::fputc('\n', stdout);
  int64_t now = MonoMs();
  if (now - run->last_flush_ms >= 100) {  // keep the heartbeat fresh without a flush per line
    std::fflush(stdout);
    run->last_flush_ms = now;
  }
}

void WriteJson(coophub_run* run, const json& j) {
  WriteLine(run, j.dump(-1, ' ', false, json::error_handler_t::replace));
}

// Reads a message's top-level "type" and stops there: whether a plugin reported an
// error is decided from the message's type, not by searching its text, without
// parsing every record twice (the hub validates the whole line).
class TypeReader final : public json::json_sax_t {
 public:
  std::string type;
  bool null() override { return Value(); }
  bool boolean(bool) override { return Value(); }
  bool number_integer(number_integer_t) override { return Value(); }
  bool number_unsigned(number_unsigned_t) override { return Value(); }
  bool number_float(number_float_t, const string_t&) override { return Value(); }
  bool string(string_t& s) override {
    if (depth_ == 1 && at_type_) {
      type = s;
      return false;  // found: stop reading
    }
    return Value();
  }
  bool binary(binary_t&) override { return Value(); }
  bool start_object(std::size_t) override { return Open(); }
  bool key(string_t& k) override {
    at_type_ = depth_ == 1 && k == "type";
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t, const std::string&, const json::exception&) override { return false; }

 private:
  bool Value() {
    at_type_ = false;
    return true;
  }
  bool Open() {
    at_type_ = false;
    ++depth_;
    return true;
  }
  bool Close() {
    --depth_;
    return true;
  }
  int depth_ = 0;
  bool at_type_ = false;
};

// The callbacks below are called by plugin code through the C ABI: no C++ exception
// may leave them, so each has a catch-all that turns a surprise into a status.
int HostEmit(coophub_run* run, const char* text, size_t len) noexcept try {
  if (g_cancelled) return COOPHUB_CANCELLED;
  if (!text || len == 0) return COOPHUB_INVALID;
  std::string_view s(text, len);
  size_t i = s.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos || s[i] != '{') return COOPHUB_INVALID;
  TypeReader reader;
  json::sax_parse(s, &reader, json::input_format_t::json, /*strict=*/false);
  if (reader.type == "ERROR") run->error_emitted = true;
  WriteLine(run, s);
  return COOPHUB_OK;
} catch (...) {
  return COOPHUB_INVALID;
}

void HostLog(coophub_run* run, int level, const char* msg, size_t len) noexcept try {
  static const char* kLevels[] = {"debug", "info", "warn", "error"};
  const char* name = level >= 0 && level <= 3 ? kLevels[level] : "info";
  WriteJson(run, {{"type", "LOG"}, {"level", name}, {"message", msg ? std::string(msg, len) : std::string()}});
} catch (...) {}

void HostProgress(coophub_run* run, int64_t done, int64_t total) noexcept try {
  json p = {{"type", "PROGRESS"}, {"done", std::max<int64_t>(done, 0)}};
  if (total >= 0) p["total"] = total;
  WriteJson(run, p);
} catch (...) {}

int HostCancelled(coophub_run*) noexcept { return g_cancelled ? 1 : 0; }

struct OwnedResponse {
  coophub_http_response c{};
  HttpFetchResponse r;
};

// The plugin's request as JSON: {"url", "method"?, "headers"?, "body"?, "timeout_s"?},
// each field checked by type; false for anything else.
bool ReadHttpRequest(std::string_view text, HttpFetchRequest* req) {
  json q = json::parse(text, nullptr, false);
  if (!q.is_object()) return false;
  auto field = [&](const char* name) -> const json* {
    auto it = q.find(name);
    return it == q.end() || it->is_null() ? nullptr : &*it;
  };
  const json* url = field("url");
  if (!url || !url->is_string()) return false;
  req->url = url->get<std::string>();
  if (const json* m = field("method")) {
    if (!m->is_string()) return false;
    req->method = m->get<std::string>();
  }
  if (const json* b = field("body")) {
    if (!b->is_string()) return false;
    req->body = b->get<std::string>();
  }
  if (const json* t = field("timeout_s")) {
    if (!t->is_number() || t->get<double>() <= 0 || t->get<double>() > 3600) return false;
    req->timeout_ms = static_cast<int64_t>(t->get<double>() * 1000);
  }
  if (const json* h = field("headers")) {
    if (!h->is_object()) return false;
    for (const auto& [k, v] : h->items())
      if (v.is_string()) req->headers[k] = v.get<std::string>();
  }
  return true;
}

// Writes the exchange into run->record_dir, with the config's secrets and every
// credential redacted. A recording that cannot be written ends the run: a test built
// on half a recording would mislead.
void Record(coophub_run* run, const HttpFetchRequest& req, const HttpFetchResponse& r) {
  recording::Exchange e;
  e.request.method = req.method;
  e.request.url = req.url;
  e.request.body = req.body;
  e.request.headers = {req.headers.begin(), req.headers.end()};
  e.response.status = r.status;
  e.response.url = r.url;
  e.response.body = r.body;
  e.response.error = r.error;
  ParseHeaderLines(r.headers, &e.response.headers);
  recording::Write(run->record_dir, ++run->recorded, recording::Redact(std::move(e), run->secrets));
}

int HostHttp(coophub_run* run, const char* request, size_t len, coophub_http_response** out) noexcept try {
  if (!out) return COOPHUB_INVALID;
  *out = nullptr;
  HttpFetchRequest req;
  if (!request || !ReadHttpRequest(std::string_view(request, len), &req)) return COOPHUB_INVALID;
  req.policy = &g_policy;
  auto* o = new OwnedResponse;
  o->r = HttpFetch(req);
  if (!run->record_dir.empty()) Record(run, req, o->r);
  o->c.status = o->r.status;
  o->c.body = o->r.body.data();
  o->c.body_len = o->r.body.size();
  o->c.headers = o->r.headers.data();
  o->c.headers_len = o->r.headers.size();
  o->c.error = o->r.error.data();
  o->c.error_len = o->r.error.size();
  o->c.url = o->r.url.data();
  o->c.url_len = o->r.url.size();
  *out = &o->c;
  return COOPHUB_OK;
} catch (...) {
  return COOPHUB_INVALID;
}

void HostHttpFree(coophub_run*, coophub_http_response* r) noexcept {
  // c is the first member, so the response and its owner share an address.
  delete reinterpret_cast<OwnedResponse*>(r);
}

int Fail(coophub_run* run, const std::string& message, int code) {
  WriteJson(run, {{"type", "ERROR"}, {"message", message}, {"retryable", false}});
  std::fflush(stdout);
  return code;
}

}  // namespace

int WorkerMain(int argc, char** argv) {
  coophub_run run;
  if (argc < 3) {
    std::fprintf(stderr, "usage: coophub-worker <plugin.so> <spec|check|discover|read|subject> [--record DIR]\n");
    return 2;
  }
  static char out_buf[1 << 16];
  std::setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
  signal(SIGTERM, OnTerm);
  signal(SIGPIPE, SIG_IGN);
  std::string path = argv[1], command = argv[2];
  if (argc == 5 && std::string_view(argv[3]) == "--record") {
    run.record_dir = argv[4];
    std::error_code ec;
    std::filesystem::create_directories(run.record_dir, ec);
    if (ec || access(run.record_dir.c_str(), W_OK) != 0)
      return Fail(&run, "--record " + run.record_dir + ": cannot write there", 2);
  }
  std::string request((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (request.empty()) request = "{}";
  {
    json parsed = json::parse(request, nullptr, false);
    // No sandbox field: hub.yaml's; a request that cannot be read: nothing allowed.
    if (parsed.is_discarded())
      g_policy = OutboundPolicy::FromJson(nullptr);
    else if (parsed.is_object() && parsed.contains("sandbox"))
      g_policy = OutboundPolicy::FromJson(parsed["sandbox"]);
  }

  auto plugin = LoadPlugin(path);
  if (!plugin.ok()) return Fail(&run, plugin.status().message(), kWorkerLoadFailure);
  const coophub_plugin* p = *plugin;
  WriteJson(&run, {{"type", "HELLO"}, {"protocol", kProtocolVersion}, {"plugin", p->name}, {"version", p->version}});
  HttpGlobalInit();

  if (command == "spec") {
    json spec = json::parse(p->spec_json, nullptr, false);
    if (!spec.is_object())
      return Fail(&run, path + ": the plugin's spec_json is not a JSON object", kWorkerLoadFailure);
    json operations = json::array();  // the optional ones it has
    if (p->subject) operations.push_back("subject");
    WriteJson(&run, {{"type", "SPEC"},
                     {"spec", spec},
                     {"description", p->description ? p->description : ""},
                     {"operations", operations}});
    std::fflush(stdout);
    return 0;
  }
  coophub_op op = command == "check"      ? p->check
                  : command == "discover" ? p->discover
                  : command == "read"     ? p->read
                  : command == "subject"  ? p->subject
                                          : nullptr;
  if (command != "check" && command != "discover" && command != "read" && command != "subject")
    return Fail(&run, "unknown command \"" + command + "\"", 2);
  if (!op && command == "subject")  // the hub asks only plugins whose SPEC lists it
    return Fail(&run, std::string("the plugin ") + p->name + " has no subject operation", 1);
  if (!op) {  // optional operations: a plugin without check or discover
    if (command == "check") WriteJson(&run, {{"type", "CHECK"}, {"ok", true}, {"message", "the plugin has no check"}});
    std::fflush(stdout);
    return 0;
  }
  if (!run.record_dir.empty()) {
    json parsed = json::parse(request, nullptr, false);
    json config = parsed.is_object() ? parsed.value("config", json::object()) : json::object();
    run.secrets = recording::SecretsOf(json::parse(p->spec_json ? p->spec_json : "{}", nullptr, false), config);
  }
  coophub_host host = {sizeof(coophub_host), COOPHUB_ABI_VERSION, HostEmit, HostLog,
                       HostProgress,         HostCancelled,       HostHttp, HostHttpFree};
  int status = op(&host, &run, request.data(), request.size());
  std::fflush(stdout);
  if (status == COOPHUB_OK) return 0;
  if (status == COOPHUB_CANCELLED) return Fail(&run, "the run was cancelled", 1);
  if (!run.error_emitted)
    return Fail(
        &run,
        std::string("the plugin ") + p->name + " returned status " + std::to_string(status) + " without saying why", 1);
  return 1;
}

}  // namespace coophub
