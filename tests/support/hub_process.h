// SPDX-License-Identifier: Apache-2.0
//
// A `coophub serve` process for black-box tests, on the store the test asks for: a
// test of a suite parameterised over StoreBackends() runs its hubs on SQLite and again
// on a PostgreSQL server of their own (in the data directory, kept across a restart of
// the hub over the same data).
#pragma once

#include <string_view>

#include "pg_server.h"
#include "test_util.h"

namespace coophub::testing {

// Whether the running test is one parameterised "postgres".
inline bool TestOnPostgres() {
  const ::testing::TestInfo* t = ::testing::UnitTest::GetInstance()->current_test_info();
  return t && t->value_param() && std::string_view(t->value_param()).find("postgres") != std::string_view::npos;
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
    if (TestOnPostgres() && !UsePostgres(config, data_dir)) return;
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
  bool on_postgres() const { return pg_ != nullptr; }
  // All the store holds, as text: the SQLite files, or a dump of the PostgreSQL database.
  std::string StoreText(const std::string& data_dir) const {
    if (pg_) return pg_->Dump("coophub");
    std::string text;
    for (const char* f : {"/coophub.db", "/coophub.db-wal"}) text += ReadAll(data_dir + f);
    return text;
  }
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
  // Starts the PostgreSQL server kept in data_dir and points config's store at it.
  bool UsePostgres(const std::string& config, const std::string& data_dir) {
    chmod(fs::path(data_dir).parent_path().c_str(), 0755);  // the server's user reaches data_dir/pg
    pg_ = std::make_unique<PgServer>(data_dir);
    if (!pg_->ready()) {
      log_ = "PostgreSQL for this test: " + pg_->why();
      return false;
    }
    pg_->Exec("CREATE DATABASE coophub");  // fails harmlessly after a restart: it exists
    std::string text = ReadAll(config);
    if (text.rfind("store:", 0) != 0 && text.find("\nstore:") == std::string::npos)
      std::ofstream(config, std::ios::app) << "\nstore: {driver: postgres, url: \"" << pg_->Url("coophub") << "\"}\n";
    return true;
  }
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
  std::unique_ptr<PgServer> pg_;  // outlives the hub process: declared before it
  Subprocess proc_;
  std::string base_, token_;
  mutable std::mutex mu_;
  std::string log_;  // guarded by mu_
  std::thread drain_;
};

// A member made for account (by the hub's admin) and signed in: their session cookie
// ("Cookie") and its CSRF token ("X-CSRF-Token"), as a browser would send them.
inline std::map<std::string, std::string> SignedInMember(const Hub& hub, const std::string& account) {
  const std::string password = "a long password for " + account;
  EXPECT_EQ(hub.Post("/api/v1/users", json{{"name", account}, {"password", password}}.dump()).status, 201);
  Http login = Call("POST", hub.base() + "/api/v1/login", json{{"name", account}, {"password", password}}.dump());
  EXPECT_EQ(login.status, 200) << login.body;
  size_t at = login.headers.find("set-cookie: coophub_session=");
  if (at == std::string::npos) return {};
  return {{"Cookie", login.headers.substr(at + 12, login.headers.find(';', at) - at - 12)},
          {"X-CSRF-Token", login.Json().value("csrf", "")}};
}

}  // namespace coophub::testing
