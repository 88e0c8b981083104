// SPDX-License-Identifier: Apache-2.0
// The worker process that hosts one plugin call; see worker.h.
#include "worker.h"

#include <coophub/plugin.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "http_client.h"
#include "plugin_loader.h"
#include "protocol.h"
#include "runner.h"

struct coophub_run {
  bool error_emitted = false;
  int64_t last_flush_ms = 0;
};

namespace coophub {
namespace {

volatile sig_atomic_t g_cancelled = 0;

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

int HostEmit(coophub_run* run, const char* text, size_t len) {
  if (g_cancelled) return COOPHUB_CANCELLED;
  if (!text || len == 0) return COOPHUB_INVALID;
  std::string_view s(text, len);
  size_t i = s.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos || s[i] != '{') return COOPHUB_INVALID;
  if (s.find("\"ERROR\"") != std::string_view::npos) run->error_emitted = true;
  WriteLine(run, s);
  return COOPHUB_OK;
}

void HostLog(coophub_run* run, int level, const char* msg, size_t len) {
  static const char* kLevels[] = {"debug", "info", "warn", "error"};
  const char* name = level >= 0 && level <= 3 ? kLevels[level] : "info";
  WriteJson(run, {{"type", "LOG"}, {"level", name}, {"message", std::string(msg, len)}});
}

void HostProgress(coophub_run* run, int64_t done, int64_t total) {
  json p = {{"type", "PROGRESS"}, {"done", done}};
  if (total >= 0) p["total"] = total;
  WriteJson(run, p);
}

int HostCancelled(coophub_run*) { return g_cancelled ? 1 : 0; }

struct OwnedResponse {
  coophub_http_response c{};
  HttpFetchResponse r;
};

int HostHttp(coophub_run*, const char* request, size_t len, coophub_http_response** out) {
  *out = nullptr;
  json q = json::parse(std::string_view(request, len), nullptr, false);
  if (!q.is_object() || !q.contains("url") || !q["url"].is_string()) return COOPHUB_INVALID;
  HttpFetchRequest req;
  req.url = q["url"].get<std::string>();
  req.method = q.value("method", "GET");
  req.body = q.value("body", "");
  req.timeout_ms = q.value("timeout_s", 30) * 1000;
  if (q.contains("headers") && q["headers"].is_object())
    for (auto& [k, v] : q["headers"].items())
      if (v.is_string()) req.headers[k] = v.get<std::string>();
  auto* o = new OwnedResponse;
  o->r = HttpFetch(req);
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
}

void HostHttpFree(coophub_run*, coophub_http_response* r) {
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
  if (argc < 4) {
    std::fprintf(stderr, "usage: coophub __worker <plugin.so> <spec|check|discover|read>\n");
    return 2;
  }
  static char out_buf[1 << 16];
  std::setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
  signal(SIGTERM, OnTerm);
  signal(SIGPIPE, SIG_IGN);
  std::string path = argv[2], command = argv[3];
  std::string request((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (request.empty()) request = "{}";

  auto plugin = LoadPlugin(path);
  if (!plugin.ok()) return Fail(&run, plugin.status().message(), kWorkerLoadFailure);
  const coophub_plugin* p = *plugin;
  WriteJson(&run, {{"type", "HELLO"}, {"protocol", kProtocolVersion}, {"plugin", p->name},
                   {"version", p->version}});
  HttpGlobalInit();

  if (command == "spec") {
    json spec = json::parse(p->spec_json, nullptr, false);
    if (!spec.is_object())
      return Fail(&run, path + ": the plugin's spec_json is not a JSON object", kWorkerLoadFailure);
    WriteJson(&run, {{"type", "SPEC"}, {"spec", spec}, {"description", p->description ? p->description : ""}});
    std::fflush(stdout);
    return 0;
  }
  coophub_op op = command == "check"      ? p->check
                  : command == "discover" ? p->discover
                  : command == "read"     ? p->read
                                          : nullptr;
  if (command != "check" && command != "discover" && command != "read")
    return Fail(&run, "unknown command \"" + command + "\"", 2);
  if (!op) {  // optional operations: a plugin without check or discover
    if (command == "check") WriteJson(&run, {{"type", "CHECK"}, {"ok", true}, {"message", "the plugin has no check"}});
    std::fflush(stdout);
    return 0;
  }
  coophub_host host = {sizeof(coophub_host), COOPHUB_ABI_VERSION, HostEmit, HostLog,
                       HostProgress, HostCancelled, HostHttp, HostHttpFree};
  int status = op(&host, &run, request.data(), request.size());
  std::fflush(stdout);
  if (status == COOPHUB_OK) return 0;
  if (status == COOPHUB_CANCELLED) return Fail(&run, "the run was cancelled", 1);
  if (!run.error_emitted)
    return Fail(&run, std::string("the plugin ") + p->name + " returned status " +
                          std::to_string(status) + " without saying why", 1);
  return 1;
}

}  // namespace coophub
