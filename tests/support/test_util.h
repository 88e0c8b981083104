// SPDX-License-Identifier: Apache-2.0
//
// Helpers for the cross-component tests: a temporary directory, a running coophub
// process on a free port, HTTP calls to it. Every wait is bounded and ends by itself.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/config.h"
#include "runtime/http_client.h"
#include "api/openapi.h"
#include "model/protocol.h"
#include "store/store.h"
#include "os/subprocess.h"
#include "sync/sync.h"
#include "wait.h"

namespace coophub::testing {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "coophub-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& text) const {
    std::string p = path_ + "/" + name;
    fs::create_directories(fs::path(p).parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::string path_;
};

// A real SQLite store in a temporary directory, and syncs of single sources into it,
// run through real worker processes. Relative paths in configs resolve in dir().
class ScratchHub {
 public:
  ScratchHub() {
    hub_.base_dir = dir_.path();
    store_ = std::move(OpenSqliteStore({dir_.path() + "/hub.db", 1}).value());
  }
  SyncResult Sync(const std::string& id, const std::string& plugin, const json& config = json::object(),
                  const Limits& limits = Limits()) {
    SourceConfig src;
    src.id = id;
    src.plugin = plugin;
    src.config = config;
    src.limits = limits;
    return Sync(src);
  }
  SyncResult Sync(const SourceConfig& src) { return SyncSource(*store_, hub_, src, SyncOptions{}); }
  // The records of one source (all sources when ""), newest first.
  json Records(const std::string& source = "") {
    RecordQuery q;
    q.source = source;
    q.limit = 500;
    return store_->ListRecords(q).value().Items();
  }
  Store& store() { return *store_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  HubConfig hub_;
  std::unique_ptr<Store> store_;
};

// A TCP port on 127.0.0.1 that nothing listens on now, for a server a test starts.
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

inline std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline std::string FixturePlugin(const std::string& name) {
  return std::string(COOPHUB_TEST_PLUGIN_DIR) + "/" + name + ".so";
}

struct Http {
  int status = 0;
  std::string body, headers, error;
  json Json() const { return json::parse(body, nullptr, false); }
  std::string ContentType() const {
    size_t at = headers.find("content-type: ");
    return at == std::string::npos ? "" : headers.substr(at + 14, headers.find_first_of("\r\n", at) - at - 14);
  }
};

// Fails the current test when an answer of the API disagrees with its OpenAPI document.
inline void ExpectAgreesWithOpenApi(const std::string& method, const std::string& url_or_path, const Http& r) {
  std::string path = url_or_path;
  if (size_t scheme = path.find("://"); scheme != std::string::npos) path = path.substr(path.find('/', scheme + 3));
  path = path.substr(0, path.find('?'));
  if (!IsApiPath(path) || r.status == 0) return;
  for (const auto& e : CheckAgainstOpenApi(method, path, r.status, r.ContentType(), r.body))
    ADD_FAILURE() << "OpenAPI: " << e << "\n  body: " << r.body.substr(0, 300);
}

inline Http Call(const std::string& method, const std::string& url, const std::string& body = "",
                 const std::map<std::string, std::string>& headers = {}) {
  HttpFetchRequest req;
  req.method = method;
  req.url = url;
  req.body = body;
  req.timeout_ms = 10000;
  if (!body.empty()) req.headers["Content-Type"] = "application/json";
  for (const auto& [k, v] : headers) req.headers[k] = v;
  HttpFetchResponse f = HttpFetch(req);
  Http r{f.status, f.body, f.headers, f.error};
  ExpectAgreesWithOpenApi(method, url, r);
  return r;
}

// Runs a command to completion; returns its exit code, fills stdout and stderr.
inline int RunCommand(const std::vector<std::string>& argv, std::string* out, std::string* err,
                      const std::string& workdir = "") {
  Subprocess p;
  SpawnOptions o;
  o.argv = argv;
  o.workdir = workdir;
  if (!p.Start(o).ok()) return -1;
  p.CloseStdin();
  bool out_open = true, err_open = true;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while ((out_open || err_open) && std::chrono::steady_clock::now() < deadline) {
    pollfd fds[2] = {{p.stdout_fd(), POLLIN, 0}, {p.stderr_fd(), POLLIN, 0}};
    if (poll(fds, 2, 200) <= 0) continue;
    char buf[65536];
    if (out_open && fds[0].revents) {
      ssize_t n = read(p.stdout_fd(), buf, sizeof buf);
      if (n <= 0)
        out_open = false;
      else
        out->append(buf, static_cast<size_t>(n));
    }
    if (err_open && fds[1].revents) {
      ssize_t n = read(p.stderr_fd(), buf, sizeof buf);
      if (n <= 0)
        err_open = false;
      else
        err->append(buf, static_cast<size_t>(n));
    }
  }
  int64_t rss;
  int ws = p.Wait(&rss);
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

}  // namespace coophub::testing
