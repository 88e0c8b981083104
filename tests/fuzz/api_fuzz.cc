// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target over what the hub makes of a request: routing, authentication
// (tokens, basic auth, session cookies, CSRF), query parameters, JSON bodies, the
// change feed and feeds. The input is read as an HTTP-like request:
//
//   METHOD SP PATH[?QUERY] LF (HEADER: VALUE LF)* LF BODY
//
// and handed to Api::Handle on a real SQLite store with a user, a token and records.
// Any crash, sanitizer report or 5xx answer is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "app/hub.h"

namespace {

using namespace coophub;

struct Env {
  std::string dir;
  std::unique_ptr<app::Hub> hub;
  Api* api = nullptr;
  std::string token;

  Env() {
    char tmpl[] = "/tmp/coophub-fuzz-XXXXXX";
    dir = mkdtemp(tmpl);
    HubConfig config;
    config.base_dir = config.data_dir = dir;
    config.sources.push_back(SourceConfig{"news", "rss"});
    hub = app::Hub::Open(config, {.readers = 2, .scheduler = false, .web_dir = ""}).value();
    User u = hub->accounts().AddUser("fuzz", "fuzz password 1", Role::kAdmin).value();
    token = hub->accounts().CreateToken(u.id, "fuzz", Role::kAdmin, 3600 * 1000).value().secret;
    WriteBatch b;
    b.source = "news";
    for (const char* vis : {"public", "members", "admins"})
      b.upserts.push_back(
          NormalizeRecord(json{{"id", vis}, {"kind", "event"}, {"title", vis}, {"time", "2026-11-24T10:00:00Z"}},
                          "news", "e", vis)
              .value());
    hub->store().Write(std::move(b)).get();
    api = &hub->api();
    api->SetSetupCode("fuzz-setup-code");
  }
  ~Env() { std::filesystem::remove_all(dir); }
};

std::string Decode(const std::string& s) {  // %XX and +, as the HTTP layer would
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

ApiRequest Parse(const std::string& in, const Env& env) {
  ApiRequest r;
  size_t pos = in.find('\n');
  std::string first = in.substr(0, pos);
  size_t sp = first.find(' ');
  r.method = first.substr(0, sp);
  std::string target = sp == std::string::npos ? "/" : first.substr(sp + 1);
  size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) {
    std::string query = target.substr(q + 1);
    size_t start = 0;
    while (start <= query.size()) {
      size_t amp = query.find('&', start);
      std::string pair = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      size_t eq = pair.find('=');
      r.query.emplace(Decode(pair.substr(0, eq)), eq == std::string::npos ? "" : Decode(pair.substr(eq + 1)));
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
  }
  while (pos != std::string::npos) {
    size_t next = in.find('\n', pos + 1);
    std::string line = in.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
    pos = next;
    if (line.empty()) break;
    size_t colon = line.find(':');
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (value == "$TOKEN") value = "Bearer " + env.token;  // let the fuzzer reach signed-in routes
    r.headers[name] = value;
  }
  if (pos != std::string::npos) r.body = in.substr(pos + 1);
  r.remote_addr = "192.0.2.1";
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Env* env = new Env();
  if (size > 64 * 1024) return 0;
  ApiRequest r = Parse(std::string(reinterpret_cast<const char*>(data), size), *env);
  if (r.query.count("wait")) return 0;  // long polls only wait; nothing to find in the wait
  if (r.headers.count("accept") && r.headers["accept"].find("event-stream") != std::string::npos) return 0;
  ApiResponse resp = env->api->Handle(r);
  if (resp.status >= 500 && resp.status != 503) {
    std::fprintf(stderr, "%s %s answered %d: %s\n", r.method.c_str(), r.path.c_str(), resp.status, resp.body.c_str());
    std::abort();
  }
  return 0;
}
