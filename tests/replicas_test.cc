// SPDX-License-Identifier: Apache-2.0
//
// Several hub replicas on one PostgreSQL store, behind Debian's nginx, as a federation
// runs them (docs/scale-out.md): every replica answers alike right after a write, a
// sign-in on one holds on the others, each scheduled occurrence runs once, and a
// replica killed mid-sync loses nothing committed while another takes the source on.
// Everything runs on 127.0.0.1 (PostgreSQL on a unix socket), started by the tests.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <set>
#include <thread>

#include "support/hub_process.h"
#include "support/pg_server.h"

namespace coophub {
namespace {

namespace fs = std::filesystem;
using testing::Http;
using testing::Hub;
using testing::TempDir;
using testing::WaitFor;

class Replicas : public ::testing::Test {
 protected:
  static constexpr int kReplicas = 3;

  // PostgreSQL, then the replicas (the first makes the admin and its password; the
  // others start together, migrating the same store at once), then nginx before them.
  void Start(const std::string& yaml) {
    pg_ = std::make_unique<testing::PgServer>(dir_);
    ASSERT_TRUE(pg_->ready()) << pg_->why();
    ASSERT_EQ(pg_->Exec("CREATE DATABASE coophub"), "");
    config_ = dir_.Write("hub.yaml",
                         "store: {driver: postgres, url: \"" + pg_->Url("coophub") + "\", lost_after: 3s}\n" + yaml);
    hubs_.resize(kReplicas);
    hubs_[0] = std::make_unique<Hub>(config_, Data(0), Hub::Admin::kWithPassword);
    ASSERT_TRUE(hubs_[0]->ok()) << hubs_[0]->log();
    std::vector<std::thread> starting;
    for (int i = 1; i < kReplicas; ++i)
      starting.emplace_back([this, i] { hubs_[i] = std::make_unique<Hub>(config_, Data(i)); });
    for (auto& t : starting) t.join();
    for (int i = 1; i < kReplicas; ++i) ASSERT_TRUE(hubs_[i]->ok()) << "replica " << i << ": " << hubs_[i]->log();
    StartNginx();
  }
  void TearDown() override {
    if (nginx_) {
      nginx_->Signal(SIGTERM);
      int64_t rss;
      nginx_->Wait(&rss);
    }
    hubs_.clear();
    pg_.reset();
  }

  std::string Data(int i) const { return dir_.path() + "/replica" + std::to_string(i); }
  // An exec connector: body runs on `read`, with DIR as the test's directory.
  std::string Script(const std::string& name, const std::string& body) {
    std::string text = "#!/bin/sh\nDIR='" + dir_.path() +
                       "'\ncase \"$1\" in\n"
                       "  spec) echo '{\"type\":\"SPEC\",\"spec\":{\"type\":\"object\"}}'; exit 0 ;;\n"
                       "  check) echo '{\"type\":\"CHECK\",\"ok\":true}'; exit 0 ;;\n"
                       "  read) ;;\n  *) exit 0 ;;\nesac\n" +
                       body;
    std::string path = dir_.Write(name, text);
    chmod(path.c_str(), 0755);
    return path;
  }
  void StartNginx() {
    lb_port_ = testing::FreePort();
    std::string d = dir_.path() + "/nginx";
    fs::create_directories(d);
    std::string upstream;
    for (const auto& h : hubs_) upstream += "    server " + h->base().substr(7) + ";\n";
    std::string conf = std::string(geteuid() == 0 ? "user root;\n" : "") + "daemon off;\nworker_processes 1;\npid " +
                       d + "/nginx.pid;\nerror_log " + d + "/error.log warn;\nevents { worker_connections 256; }\n" +
                       "http {\n  access_log off;\n";
    for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
      conf += "  " + std::string(t) + "_temp_path " + d + "/" + t + ";\n";
    conf += "  upstream hub {\n" + upstream +
            "    keepalive 16;\n  }\n  server {\n    listen 127.0.0.1:" + std::to_string(lb_port_) +
            ";\n    location / {\n      proxy_pass http://hub;\n      proxy_http_version 1.1;\n"
            "      proxy_set_header Connection \"\";\n      proxy_buffering off;\n    }\n  }\n}\n";
    std::ofstream(d + "/nginx.conf") << conf;
    nginx_ = std::make_unique<Subprocess>();
    SpawnOptions o;
    o.argv = {"/usr/sbin/nginx", "-c", d + "/nginx.conf", "-p", d};
    ASSERT_TRUE(nginx_->Start(o).ok()) << "nginx: scripts/install-deps.sh test installs nginx-light";
    nginx_->CloseStdin();
    ASSERT_TRUE(testing::PollFor(std::chrono::seconds(15), [&] { return Lb("/healthz").status == 200; }))
        << "nginx did not answer: " << testing::ReadAll(d + "/error.log");
  }
  // A GET through nginx, as the admin.
  Http Lb(const std::string& path) const {
    return testing::Call("GET", "http://127.0.0.1:" + std::to_string(lb_port_) + path, "",
                         {{"Authorization", "Bearer " + hubs_[0]->token()}});
  }
  json Runs(const std::string& source) const {
    return Lb("/api/v1/sources/" + source + "/runs?limit=100").Json().value("items", json::array());
  }
  int Lines(const std::string& file) const {
    std::string text = testing::ReadAll(dir_.path() + "/" + file);
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  }
  // Shell for a script: one new record of stream s, and the state that commits it.
  static std::string RecordAndState(const std::string& s) {
    return "printf '{\"type\":\"RECORD\",\"stream\":\"" + s +
           "\",\"record\":{\"id\":\"%s\",\"kind\":\"post\","
           "\"title\":\"" +
           s + "\",\"time\":\"2026-12-01T00:00:00Z\"}}\\n' $(date +%s%N)\n" +
           "echo '{\"type\":\"STATE\",\"stream\":\"" + s + "\",\"state\":{\"at\":1}}'\n";
  }
  // Shell that waits while the file "hold" is there, for 60 s at most.
  static constexpr const char* kHold =
      "i=0\nwhile [ -e \"$DIR/hold\" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\n";
  // Waits for a run of source held in kHold with its first record committed: that run.
  json HeldRun(const std::string& source) {
    json held;
    WaitFor("a run of " + source + " that committed its first record", 60, [&] {
      json runs = Runs(source);
      if (runs.empty() || runs[0]["status"] != "running") return false;
      held = runs[0];
      return Lb("/api/v1/records?source=" + source).Json().value("items", json::array()).size() == 1;
    });
    return held;
  }
  // Which replica ran run (its index; -1: none of them).
  int Runner(const json& run) const {
    for (int i = 0; i < kReplicas; ++i)
      if (hubs_[i] && run.value("replica", "").ends_with(":" + std::to_string(hubs_[i]->pid()))) return i;
    return -1;
  }

  TempDir dir_;
  std::unique_ptr<testing::PgServer> pg_;  // outlives the replicas: declared before them
  std::string config_;
  std::vector<std::unique_ptr<Hub>> hubs_;
  std::unique_ptr<Subprocess> nginx_;
  int lb_port_ = 0;
};

TEST_F(Replicas, EveryReplicaAnswersAlikeRightAfterAWriteAndASignInHoldsOnAll) {
  // Each run writes one more note: what a write looks like to readers.
  Start("sources:\n  - id: notes\n    plugin: exec:" +
        Script("notes.sh",
               "echo run >> \"$DIR/notes.log\"\nn=$(wc -l < \"$DIR/notes.log\")\n"
               "printf '{\"type\":\"RECORD\",\"stream\":\"n\",\"record\":{\"id\":\"n%s\",\"kind\":\"post\","
               "\"title\":\"note %s\",\"time\":\"2026-12-0%sT09:00:00Z\"}}\\n' $n $n $n\n") +
        "\n    visibility: public\n    every: 1h\n");
  ASSERT_FALSE(HasFailure());
  WaitFor("the first sync of notes, on some replica", 60, [&] {
    json runs = Runs("notes");
    return runs.size() == 1 && runs[0]["status"] == "ok";
  });
  auto page = [&](int i) { return hubs_[i]->Get("/api/v1/records?limit=5").body; };
  for (int i = 0; i < kReplicas; ++i) ASSERT_NE(page(i).find("note 1"), std::string::npos) << "replica " << i;

  // Sync now, asked of the second replica: one run, on whichever replica takes it.
  ASSERT_EQ(hubs_[1]->Post("/api/v1/sources/notes/sync").status, 202);
  WaitFor("the sync-now of notes", 60, [&] {
    json runs = Runs("notes");
    return runs.size() >= 2 && runs[0]["status"] == "ok";
  });
  json runs = Runs("notes");
  EXPECT_EQ(runs.size(), 2u) << "one sync now, one run: " << runs.dump();
  EXPECT_EQ(runs[0]["trigger"], "manual");
  EXPECT_EQ(Lines("notes.log"), 2) << "the connector ran twice in all";
  std::string after = page(0);
  EXPECT_NE(after.find("note 2"), std::string::npos);
  for (int i = 1; i < kReplicas; ++i) EXPECT_EQ(page(i), after) << "replica " << i << " right after the write";
  for (int i = 0; i < 6; ++i) EXPECT_EQ(Lb("/api/v1/records?limit=5").body, after) << "through nginx, request " << i;

  // A session made on one replica is good on every other, and ends on all at once.
  Http login = testing::Call("POST", hubs_[0]->base() + "/api/v1/login",
                             json{{"name", "admin"}, {"password", Hub::kAdminPassword}}.dump());
  ASSERT_EQ(login.status, 200) << login.body;
  size_t at = login.headers.find("set-cookie: coophub_session=");
  ASSERT_NE(at, std::string::npos) << login.headers;
  std::string cookie = login.headers.substr(at + 12, login.headers.find(';', at) - at - 12);
  std::map<std::string, std::string> session = {{"Cookie", cookie}};
  for (int i = 1; i < kReplicas; ++i) {
    Http me = testing::Call("GET", hubs_[i]->base() + "/api/v1/me", "", session);
    EXPECT_EQ(me.status, 200) << "replica " << i;
    EXPECT_EQ(me.Json().value("name", ""), "admin");
  }
  session["X-CSRF-Token"] = login.Json().value("csrf", "");
  EXPECT_EQ(testing::Call("POST", hubs_[2]->base() + "/api/v1/logout", "", session).status, 204);
  session.erase("X-CSRF-Token");
  EXPECT_EQ(testing::Call("GET", hubs_[0]->base() + "/api/v1/me", "", session).status, 401)
      << "signed out on the third replica: out on the first";

  // A token made on one replica works on another; revoked on a third, it stops on all
  // within the 2 s a replica remembers a checked token.
  Http made = hubs_[0]->Post("/api/v1/tokens", R"({"name": "phone", "scope": "read"})");
  ASSERT_EQ(made.status, 201) << made.body;
  std::map<std::string, std::string> bearer = {{"Authorization", "Bearer " + made.Json().value("token", "")}};
  EXPECT_EQ(testing::Call("GET", hubs_[1]->base() + "/api/v1/me", "", bearer).status, 200);
  EXPECT_EQ(hubs_[2]->Call("DELETE", "/api/v1/tokens/" + std::to_string(made.Json().value("id", 0))).status, 204);
  WaitFor("the revoked token to stop on the second replica", 10,
          [&] { return testing::Call("GET", hubs_[1]->base() + "/api/v1/me", "", bearer).status == 401; });
}

TEST_F(Replicas, EachScheduledOccurrenceRunsOnceWhicheverReplicaClaimsIt) {
  Start("sources:\n  - id: ticks\n    plugin: exec:" +
        Script("tick.sh",
               "n=$(date +%s%N)\necho $n >> \"$DIR/ticks.log\"\n"
               "printf '{\"type\":\"RECORD\",\"stream\":\"t\",\"record\":{\"id\":\"%s\",\"kind\":\"post\","
               "\"title\":\"tick\",\"time\":\"2026-12-01T00:00:00Z\"}}\\n' $n\n") +
        "\n    every: 2s\n");
  ASSERT_FALSE(HasFailure());
  WaitFor("eight occurrences of ticks", 90, [&] { return Lines("ticks.log") >= 8; });
  hubs_.clear();  // all stopped: the runs and the connector's log hold still
  auto rows =
      pg_->Query("SELECT scheduled_ms, status, replica FROM sync_runs WHERE source = 'ticks' ORDER BY id", "coophub");
  ASSERT_GE(rows.size(), 8u);
  std::vector<int64_t> occurrences;
  std::set<std::string> replicas;
  int ok = 0;
  for (const auto& r : rows) {
    ASSERT_FALSE(r[0].empty()) << "every run of ticks is a scheduled occurrence";
    occurrences.push_back(std::stoll(r[0]));
    ok += r[1] == "ok";
    replicas.insert(r[2]);
  }
  std::sort(occurrences.begin(), occurrences.end());
  for (size_t i = 1; i < occurrences.size(); ++i) {
    int64_t step = occurrences[i] - occurrences[i - 1];
    EXPECT_GT(step, 0) << "occurrence " << occurrences[i] << " ran twice";
    EXPECT_EQ(step % 2000, 0) << "every replica puts the occurrences on the same grid";
  }
  int ran = Lines("ticks.log");
  EXPECT_LE(ran, static_cast<int>(rows.size())) << "the connector ran only for claimed occurrences";
  EXPECT_GE(ran, ok);
  std::cout << "ticks: " << rows.size() << " occurrences run by " << replicas.size() << " of " << kReplicas
            << " replicas\n";
}

TEST_F(Replicas, AReplicaKilledMidSyncLosesNothingCommittedAndAnotherTakesTheSourceOn) {
  // Each run commits a record and its state, then holds while the file "hold" is there.
  dir_.Write("hold", "");
  Start("sources:\n  - id: slow\n    plugin: exec:" + Script("slow.sh", RecordAndState("slow") + kHold) +
        "\n    every: 3s\n");
  ASSERT_FALSE(HasFailure());
  json held = HeldRun("slow");
  std::string replica = held.value("replica", "");
  int victim = Runner(held);
  ASSERT_GE(victim, 0) << held.dump();
  hubs_[victim]->Kill();
  fs::remove(dir_.path() + "/hold");

  json runs;
  WaitFor("the killed replica's run marked lost and a later one done elsewhere", 60, [&] {
    runs = Runs("slow");
    bool lost = false, later = false;
    for (const auto& r : runs) {
      if (r["id"] == held["id"]) lost = r["status"] == "lost";
      if (r["id"] > held["id"] && r["status"] == "ok") later = r.value("replica", "") != replica;
    }
    return lost && later;
  });
  for (const auto& r : runs) {
    if (r["id"] == held["id"]) {
      EXPECT_NE(r.value("message", "").find("stopped answering"), std::string::npos);
    }
  }
  json records = Lb("/api/v1/records?source=slow").Json().value("items", json::array());
  EXPECT_GE(records.size(), 2u) << "the killed run's record is kept, and the next run's is there";
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Lb("/healthz").status, 200) << "nginx passes over the dead replica";
}

// PostgreSQL restarted while a run writes: that run fails, saying why; nothing it
// committed before is lost; every replica says it in /healthz, connects again by
// itself and syncs again, with no restart.
TEST_F(Replicas, APostgresRestartMidSyncFailsThatRunAndTheReplicasRecoverByThemselves) {
  dir_.Write("hold", "");
  Start("sources:\n  - id: wobbly\n    plugin: exec:" +
        Script("wobbly.sh", RecordAndState("wobbly") + kHold + RecordAndState("wobbly")) + "\n    every: 1h\n");
  ASSERT_FALSE(HasFailure());
  json held = HeldRun("wobbly");
  pg_->Stop();
  WaitFor("every replica's /healthz to say the store went away", 30, [&] {
    for (const auto& h : hubs_)
      if (h->GetAnon("/healthz").status != 503) return false;
    return true;
  });
  Http down = hubs_[0]->GetAnon("/healthz");
  EXPECT_NE(down.body.find("PostgreSQL"), std::string::npos) << down.body;
  int runner = Runner(held);
  ASSERT_GE(runner, 0) << held.dump();
  fs::remove(dir_.path() + "/hold");  // the run goes on, and its next write meets no server
  WaitFor("the runner to see its run fail", 60,
          [&] { return hubs_[runner]->log().find("sync wobbly failed") != std::string::npos; });
  ASSERT_TRUE(pg_->Start()) << pg_->why();

  WaitFor("every replica's /healthz to be back", 60, [&] {
    for (const auto& h : hubs_)
      if (h->GetAnon("/healthz").status != 200) return false;
    return true;
  });
  json run;
  WaitFor("the held run to end failed", 60, [&] {
    run = Lb("/api/v1/runs/" + std::to_string(held["id"].get<int64_t>())).Json();
    return run.value("status", "") == "failed";
  });
  EXPECT_NE(run.value("message", "").find("PostgreSQL"), std::string::npos) << run.dump();
  EXPECT_EQ(Lb("/api/v1/records?source=wobbly").Json()["items"].size(), 1u) << "what it committed is kept";

  // No restart: a sync now runs and writes on whichever replica takes it.
  Http sync = hubs_[2]->Post("/api/v1/sources/wobbly/sync");
  ASSERT_EQ(sync.status, 202) << sync.body;
  WaitFor("a sync of wobbly after the outage", 60, [&] {
    json runs = Runs("wobbly");
    return !runs.empty() && runs[0]["id"] != held["id"] && runs[0]["status"] == "ok";
  });
  EXPECT_EQ(Lb("/api/v1/records?source=wobbly").Json()["items"].size(), 3u);
  std::string metrics = hubs_[0]->Get("/metrics").body;
  EXPECT_NE(metrics.find("coophub_store_up 1"), std::string::npos);
  EXPECT_EQ(metrics.find("coophub_store_reconnects_total 0"), std::string::npos) << "it came back once at least";
}

}  // namespace
}  // namespace coophub
