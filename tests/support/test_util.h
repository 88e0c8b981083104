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

// A `coophub serve` on a free port of 127.0.0.1, stopped (SIGTERM) when destroyed. It has
// an admin account ("admin") whose API token Get, Post and Call send; GetAnon sends none.
// The admin signs in by token only, which spares each hub a password hash, unless the
// test signs in with kAdminPassword (Admin::kWithPassword).
class Hub {
 public:
  enum class Admin {
    kNone,          // as on a fresh install: the hub prints its one-time setup link (to log())
    kTokenOnly,     // the default
    kWithPassword,  // also signs in as "admin" with kAdminPassword
  };
  static constexpr const char* kAdminPassword = "correct horse battery staple";

  // Starts the hub and waits (at most 60 s) for its ready line. ok() says if it came.
  Hub(const std::string& config, const std::string& data_dir, Admin admin = Admin::kTokenOnly,
      const std::vector<std::string>& serve_flags = {})
      : with_admin_(admin != Admin::kNone) {
    fs::create_directories(data_dir);
    if (with_admin_) MakeAdmin(config, data_dir, admin == Admin::kWithPassword);
    SpawnOptions o;
    o.argv = {COOPHUB_BINARY, "serve", "--config", config, "--port", "0", "--data", data_dir};
    o.argv.insert(o.argv.end(), serve_flags.begin(), serve_flags.end());
    if (!proc_.Start(o).ok()) return;
    proc_.CloseStdin();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::string out;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd fds[2] = {{proc_.stdout_fd(), POLLIN, 0}, {proc_.stderr_fd(), POLLIN, 0}};
      if (poll(fds, 2, 200) <= 0) continue;
      char buf[4096];
      if (fds[1].revents) {
        ssize_t n = read(proc_.stderr_fd(), buf, sizeof buf);
        if (n > 0) log_.append(buf, static_cast<size_t>(n));
      }
      if (fds[0].revents) {
        ssize_t n = read(proc_.stdout_fd(), buf, sizeof buf);
        if (n <= 0) break;  // the hub exited before it was ready
        out.append(buf, static_cast<size_t>(n));
        size_t at = out.find("dashboard: ");
        if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
          base_ = out.substr(at + 11, out.find('\n', at) - at - 11);
          log_ += out;  // what it printed so far, and then all it prints, is in log()
          while (!base_.empty() && (base_.back() == '/' || base_.back() == ' ')) base_.pop_back();
          // Keep draining the hub's output so that it never blocks on a full pipe.
          drain_ = std::thread([this] { Drain(); });
          return;
        }
      }
    }
    log_ += out;
  }
  ~Hub() {
    proc_.Signal(SIGTERM);
    if (drain_.joinable()) drain_.join();
    int64_t rss;
    proc_.Wait(&rss);
  }
  bool ok() const { return !base_.empty() && (!with_admin_ || !token_.empty()); }
  const std::string& base() const { return base_; }
  std::string log() const {
    std::lock_guard<std::mutex> lock(mu_);
    return log_;
  }
  pid_t pid() const { return proc_.pid(); }
  void Kill() {
    proc_.Signal(SIGKILL);
    if (drain_.joinable()) drain_.join();
    int64_t rss;
    proc_.Wait(&rss);
  }
  void MakeAdmin(const std::string& config, const std::string& data_dir, bool with_password) {
    std::vector<std::string> add = {COOPHUB_BINARY, "user", "add",    "admin", "--admin",
                                    "--config",     config, "--data", data_dir};
    if (with_password) {
      std::string pw = data_dir + "/admin-password";
      std::ofstream(pw) << kAdminPassword << "\n";
      add.insert(add.end(), {"--password-file", pw});
    } else {
      add.push_back("--no-password");
    }
    std::string cmd_out, err;
    // On a restart over the same data the user exists already: that add fails, harmlessly.
    RunCommand(add, &cmd_out, &err);
    cmd_out.clear();
    if (RunCommand(
            {COOPHUB_BINARY, "token", "add", "admin", "--scope", "admin", "--config", config, "--data", data_dir},
            &cmd_out, &err) == 0)
      token_ = cmd_out.substr(0, cmd_out.find('\n'));
  }
  Http Get(const std::string& path) const { return testing::Call("GET", base_ + path, "", Auth()); }
  Http GetAnon(const std::string& path) const { return testing::Call("GET", base_ + path); }
  Http Call(const std::string& method, const std::string& path) const {
    return testing::Call(method, base_ + path, "", Auth());
  }
  Http Post(const std::string& path, const std::string& body = "") const {
    return testing::Call("POST", base_ + path, body, Auth());
  }
  Http Send(const std::string& method, const std::string& path, const std::string& body) const {
    return testing::Call(method, base_ + path, body, Auth());
  }
  const std::string& token() const { return token_; }

  // Polls a source until min_runs of its runs have finished and none is queued or running;
  // fails the test when that takes longer than timeout. Returns the source JSON.
  json WaitForRun(const std::string& source, int min_runs = 1, int timeout_s = 60) const {
    json s;
    WaitFor("source " + source + " to finish " + std::to_string(min_runs) + " run(s)", timeout_s, [&] {
      json items = Get("/api/v1/sources/" + source + "/runs").Json().value("items", json::array());
      int finished = 0;
      for (const auto& r : items) finished += r.value("status", "") != "running";
      s = Get("/api/v1/sources/" + source).Json();
      return finished >= min_runs && !s.value("running", true) && !s.value("queued", true);
    });
    return s;
  }

 private:
  std::map<std::string, std::string> Auth() const { return {{"Authorization", "Bearer " + token_}}; }
  void Drain() {
    bool out_open = true, err_open = true;
    while (out_open || err_open) {
      pollfd fds[2] = {{out_open ? proc_.stdout_fd() : -1, POLLIN, 0}, {err_open ? proc_.stderr_fd() : -1, POLLIN, 0}};
      if (poll(fds, 2, 1000) <= 0) continue;
      char buf[4096];
      for (int i = 0; i < 2; ++i) {
        if (!fds[i].revents) continue;
        ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n <= 0)
          (i ? err_open : out_open) = false;
        else {
          std::lock_guard<std::mutex> lock(mu_);
          log_.append(buf, static_cast<size_t>(n));
        }
      }
    }
  }

  bool with_admin_;
  Subprocess proc_;
  std::string base_, token_;
  mutable std::mutex mu_;
  std::string log_;  // guarded by mu_
  std::thread drain_;
};

}  // namespace coophub::testing
