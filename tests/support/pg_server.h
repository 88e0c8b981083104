// SPDX-License-Identifier: Apache-2.0
//
// A real PostgreSQL server for a test: Debian's postgres, run on a unix socket in a
// temporary directory (and on 127.0.0.1 when asked), stopped when destroyed. The
// cluster is copied from a template that initdb makes once per machine and version
// (under a file lock, so parallel tests make it once), which saves each test its
// initdb. As root, the server runs as the postgres user (setpriv, no supervising
// parent: signals reach the server itself).
#pragma once

#include <fcntl.h>
#include <glob.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "os/subprocess.h"
#include "test_util.h"

namespace coophub::testing {

class PgServer {
 public:
  // tcp: also listen on 127.0.0.1 (for clients that cannot use the socket).
  explicit PgServer(const TempDir& dir, bool tcp = false) : PgServer(dir.path(), tcp) {}
  // The cluster in dir/pg. A server made later on the same dir (after this one stopped)
  // finds the cluster, and the port it listened on, again: a restarted hub's store.
  explicit PgServer(const std::string& dir, bool tcp = false) : tcp_(tcp) {
    std::string bin = Bin();
    if (bin.empty()) {
      why_ = "no PostgreSQL server here: apt-get install postgresql";
      return;
    }
    bin_ = bin;
    data_ = dir + "/pg";
    chmod(dir.c_str(), 0755);
    std::error_code ec;
    if (std::filesystem::exists(data_ + "/PG_VERSION", ec)) {
      port_ = std::stoi(ReadAll(dir + "/pg.port"));
    } else {
      std::string tmpl = Template();
      if (tmpl.empty()) return;
      std::string out, err;
      if (RunCommand({"cp", "-a", tmpl, data_}, &out, &err) != 0) {
        why_ = "cannot copy the template cluster: " + err;
        return;
      }
      port_ = FreePort();
      std::ofstream(dir + "/pg.port") << port_;
    }
    Start();
  }
  ~PgServer() { Stop(); }
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  bool ready() const { return ready_; }
  const std::string& why() const { return why_; }
  int port() const { return port_; }
  const std::string& socket_dir() const { return data_; }

  // libpq keywords for database db, through the socket.
  std::string Conninfo(const std::string& db = "postgres") const {
    return "host=" + data_ + " port=" + std::to_string(port_) + " dbname=" + db + " user=postgres";
  }
  // Through 127.0.0.1 (a server started with tcp).
  std::string TcpConninfo(const std::string& db = "postgres") const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + db + " user=postgres";
  }
  // The same as a URL, as hub.yaml's store.url takes it.
  std::string Url(const std::string& db) const {
    return "postgresql://postgres@/" + db + "?host=" + data_ + "&port=" + std::to_string(port_);
  }
  // Runs SQL on database db; returns libpq's error message, "" on success.
  std::string Exec(const std::string& sql, const std::string& db = "postgres") const {
    PGconn* c = PQconnectdb(Conninfo(db).c_str());
    PGresult* r = PQexec(c, sql.c_str());
    std::string err =
        PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK ? "" : PQerrorMessage(c);
    PQclear(r);
    PQfinish(c);
    return err;
  }
  // The rows of a query on database db, every cell as text (NULL as ""); a failure fails
  // the test.
  std::vector<std::vector<std::string>> Query(const std::string& sql, const std::string& db = "postgres") const {
    PGconn* c = PQconnectdb(Conninfo(db).c_str());
    PGresult* r = PQexec(c, sql.c_str());
    std::vector<std::vector<std::string>> rows;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) ADD_FAILURE() << sql << ": " << PQerrorMessage(c);
    for (int i = 0; i < PQntuples(r); ++i) {
      rows.emplace_back();
      for (int j = 0; j < PQnfields(r); ++j) rows.back().push_back(PQgetvalue(r, i, j));
    }
    PQclear(r);
    PQfinish(c);
    return rows;
  }
  // pg_dump of database db: everything it holds, as SQL text ("" and a failure if it fails).
  std::string Dump(const std::string& db) const {
    std::string out, err;
    EXPECT_EQ(RunCommand({bin_ + "/pg_dump", "--dbname=" + Url(db)}, &out, &err), 0) << err;
    return out;
  }
  // A new, empty database; its URL.
  std::string NewDatabase(const std::string& name) {
    std::string err = Exec("CREATE DATABASE " + name);
    EXPECT_EQ(err, "") << "CREATE DATABASE " << name;
    return Url(name);
  }

  // A fast shutdown (clients are cut off), and a start on the same port and data.
  void Stop() {
    if (!running_) return;
    proc_.Signal(SIGINT);
    int64_t rss;
    proc_.Wait(&rss);
    running_ = false;
    ready_ = false;
  }
  bool Start() {
    SpawnOptions o;
    o.argv = AsPostgres({bin_ + "/postgres", "-D", data_, "-p", std::to_string(port_), "-k", data_, "-c",
                         "listen_addresses=" + std::string(tcp_ ? "127.0.0.1" : ""), "-c", "fsync=off", "-c",
                         "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "TimeZone=UTC", "-c",
                         "max_connections=200"});
    if (auto s = proc_.Start(o); !s.ok()) {
      why_ = "cannot start postgres: " + s.message();
      return false;
    }
    proc_.CloseStdin();
    running_ = true;
    ready_ = PollFor(std::chrono::seconds(20), [&] { return PQping(Conninfo().c_str()) == PQPING_OK; });
    if (!ready_) why_ = "postgres did not start on " + data_;
    return ready_;
  }

 private:
  static std::string Bin() {
    glob_t g{};
    std::string bin;
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &g) == 0 && g.gl_pathc > 0)
      bin = std::filesystem::path(g.gl_pathv[g.gl_pathc - 1]).parent_path().string();
    globfree(&g);
    return bin;
  }
  static bool Root() { return geteuid() == 0; }
  static std::vector<std::string> AsPostgres(std::vector<std::string> argv) {
    if (!Root()) return argv;
    std::vector<std::string> out = {"setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
  }

  // The template cluster, made by the first test that needs it.
  std::string Template() {
    std::string version = std::filesystem::path(bin_).parent_path().filename().string();
    std::string base =
        (std::filesystem::temp_directory_path() / ("coophub-pg-template-" + version + "-" + std::to_string(geteuid())))
            .string();
    int lock = ::open((base + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0 || flock(lock, LOCK_EX) != 0) {
      why_ = "cannot lock " + base + ".lock";
      if (lock >= 0) ::close(lock);
      return "";
    }
    std::error_code ec;
    if (!std::filesystem::exists(base + "/PG_VERSION", ec)) {
      std::string tmp = base + ".new";
      std::filesystem::remove_all(tmp, ec);
      std::filesystem::create_directories(tmp, ec);
      chmod(tmp.c_str(), 0700);
      if (Root()) {
        passwd* pw = getpwnam("postgres");
        if (!pw) {
          why_ = "no postgres user: apt-get install postgresql";
          ::close(lock);
          return "";
        }
        chown(tmp.c_str(), pw->pw_uid, pw->pw_gid);
      }
      std::string out, err;
      if (RunCommand(AsPostgres({bin_ + "/initdb", "-D", tmp, "-A", "trust", "-U", "postgres", "--no-sync", "-E",
                                 "UTF8", "--locale=C.UTF-8"}),
                     &out, &err) != 0) {
        why_ = "initdb failed: " + err;
        ::close(lock);
        return "";
      }
      std::filesystem::rename(tmp, base, ec);
    }
    ::close(lock);
    return base;
  }

  int port_ = 0;
  bool tcp_;
  std::string bin_, data_, why_;
  bool ready_ = false, running_ = false;
  Subprocess proc_;
};

// The store backends a suite runs on:
//   INSTANTIATE_TEST_SUITE_P(Stores, Suite, StoreBackends(), BackendName);
inline auto StoreBackends() { return ::testing::Values(std::string("sqlite"), std::string("postgres")); }
inline std::string BackendName(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

// Points config's store at backend: "postgres" starts a server of its own in dir and
// returns it (keep it while the store is open; a failure fails the test and returns
// null); anything else keeps SQLite in config.data_dir.
inline std::unique_ptr<PgServer> UseBackend(const std::string& backend, const std::string& dir, HubConfig& config) {
  if (backend != "postgres") return nullptr;
  auto pg = std::make_unique<PgServer>(dir);
  if (!pg->ready()) {
    ADD_FAILURE() << "PostgreSQL for this test: " << pg->why();
    return nullptr;
  }
  config.store_driver = "postgres";
  config.store_url = pg->NewDatabase("coophub");
  return pg;
}

}  // namespace coophub::testing
