// SPDX-License-Identifier: Apache-2.0
//
// `coophub backup` and `coophub restore` against running hubs, on both stores: a backup
// taken while a source syncs restores to a consistent hub whose rows are the
// manifest's; a backup killed midway leaves nothing a restore would take; a hub killed
// during a backup does not spoil it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "base/timeutil.h"
#include "support/hub_process.h"
#include "upkeep/backup.h"

namespace coophub {
namespace {

using testing::FixturePlugin;
using testing::Hub;
using testing::RunCommand;
using testing::TempDir;
using testing::WaitFor;

class BackupTest : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Stores, BackupTest, testing::StoreBackends(), testing::BackendName);

// A source that syncs count records slowly (a batch of 250 every pause_ms), so that a
// test can act while it runs.
std::string SlowSource(int count, int pause_ms, int pad) {
  return "scheduler: {jitter: 1s}\nsources:\n  - id: numbers\n    plugin: " + FixturePlugin("count") +
         "\n    config: {count: " + std::to_string(count) +
         ", state_every: 250, pause_ms: " + std::to_string(pause_ms) + ", pad: " + std::to_string(pad) + "}\n";
}

int64_t Metric(const std::string& metrics, const std::string& line_start) {
  size_t at = metrics.find(line_start);
  return at == std::string::npos ? -1 : std::stoll(metrics.substr(at + line_start.size()));
}

// `coophub backup` at max_rate, started and read until its first line of progress (on
// stderr): false when it ended or said nothing first, with what it said in *said.
bool StartBackup(Subprocess& p, const std::string& max_rate, const std::string& backups, const std::string& cfg,
                 const std::string& data, std::string* said) {
  SpawnOptions o;
  o.argv = {COOPHUB_BINARY, "backup", backups, "--max-rate", max_rate, "--config", cfg, "--data", data};
  if (!p.Start(o).ok()) return false;
  p.CloseStdin();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd fd = {p.stderr_fd(), POLLIN, 0};
    if (poll(&fd, 1, 200) <= 0) continue;
    char buf[4096];
    ssize_t n = read(p.stderr_fd(), buf, sizeof buf);
    if (n <= 0) return false;
    said->append(buf, static_cast<size_t>(n));
    if (said->find("backup: ") != std::string::npos) return true;
  }
  return false;
}

TEST_P(BackupTest, BackupTakenDuringSyncRestoresToAConsistentHub) {
  TempDir dir;
  const std::string cfg = dir.Write("hub.yaml", SlowSource(8000, 100, 100)), data = dir.path() + "/data";
  const std::string backups = dir.path() + "/backups";
  upkeep::Manifest manifest;
  std::string folder;
  {
    Hub hub(cfg, data);
    ASSERT_TRUE(hub.ok()) << hub.log();
    WaitFor("the sync to have written records", 60, [&] {
      json s = hub.Get("/api/v1/sources/numbers").Json();
      return s.value("running", false) && s.value("records", 0) >= 500;
    });
    std::string out, err;
    ASSERT_EQ(RunCommand({COOPHUB_BINARY, "backup", backups, "--config", cfg, "--data", data}, &out, &err), 0)
        << out << err;
    EXPECT_NE(out.find("backed up"), std::string::npos) << out;
    auto all = upkeep::ListBackups(backups);
    ASSERT_EQ(all.size(), 1u);
    folder = all[0];
    auto verified = upkeep::Verify(folder);
    ASSERT_TRUE(verified.ok()) << verified.status().message();
    manifest = *verified;
    // Taken mid-sync: some of the records, not all.
    EXPECT_GE(manifest.counts.at("records"), 500);
    EXPECT_LT(manifest.counts.at("records"), 8000);
    EXPECT_EQ(manifest.counts.at("users"), 1);  // the admin

    // While the hub runs, a restore is refused and changes nothing.
    if (!hub.on_postgres()) {
      ASSERT_NE(RunCommand({COOPHUB_BINARY, "restore", folder, "--config", cfg, "--data", data}, &out, &err), 0);
      EXPECT_NE(err.find("stop it first"), std::string::npos) << err;
    }
    hub.WaitForRun("numbers", 1, 120);
    EXPECT_EQ(Metric(hub.Get("/metrics").body, "coophub_records{source=\"numbers\"} "), 8000);
    hub.Kill();  // a server that died; the restore is what brings it back
    out.clear();
    err.clear();
    ASSERT_EQ(RunCommand({COOPHUB_BINARY, "restore", folder, "--config", cfg, "--data", data}, &out, &err), 0)
        << out << err;
    EXPECT_NE(out.find("kept as"), std::string::npos) << out;  // the store replaced is kept
  }

  // A hub on the restored store, with its source no longer syncing, holds what the
  // manifest counted; on SQLite the file passes integrity_check.
  std::string text = testing::ReadAll(cfg);
  size_t store_line = text.find("\nstore:");
  std::string quiet =
      dir.Write("quiet.yaml", "sources: []\n" + (store_line == std::string::npos ? "" : text.substr(store_line)));
  if (GetParam() == "sqlite") {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2((data + "/coophub.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "ok");
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  Hub restored(quiet, data);
  ASSERT_TRUE(restored.ok()) << restored.log();
  EXPECT_EQ(Metric(restored.Get("/metrics").body, "coophub_records{source=\"numbers\"} "),
            manifest.counts.at("records"));
  json page = restored.Get("/api/v1/records?source=numbers&limit=1").Json();
  ASSERT_EQ(page["items"].size(), 1u) << page.dump();
}

// A serving hub keeps a source's rows older than its retention out of the store, and
// takes its scheduled backup by itself, as /metrics says.
TEST_P(BackupTest, ServingHubKeepsOldRowsOutAndBacksItselfUp) {
  TempDir dir;
  auto day = [](int ago) { return FormatRfc3339(NowUnix() - ago * 86400); };
  dir.Write("rota.csv", "Ref,Date,Label\nold," + day(200) + ",Last spring's shift\nnew," + day(2) +
                            ",This week's shift\nsoon," + day(-5) + ",Next week's shift\n");
  const std::string cfg = dir.Write("hub.yaml", R"(
backup: {dir: backups, every: 1d, keep: 2}
api_sources: {file_roots: [.]}
sources:
  - id: rota
    plugin: csv
    retention: 90d
    config: {url: rota.csv, kind: task, columns: {id: Ref, time: Date, title: Label}}
)");
  Hub hub(cfg, dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  json rota = hub.WaitForRun("rota");
  EXPECT_EQ(rota["records"], 2) << rota.dump();
  json items = hub.Get("/api/v1/records?source=rota").Json()["items"];
  ASSERT_EQ(items.size(), 2u) << items.dump();
  for (const auto& r : items) EXPECT_NE(r["id"], "old");
  json runs = hub.Get("/api/v1/sources/rota/runs").Json()["items"];
  ASSERT_FALSE(runs.empty());
  json logs = hub.Get("/api/v1/runs/" + std::to_string(runs[0]["id"].get<int64_t>())).Json()["log"];
  EXPECT_NE(logs.dump().find("1 record(s) older than the source's retention were left out"), std::string::npos)
      << logs.dump();

  WaitFor("the scheduled backup", 60, [&] { return upkeep::ListBackups(dir.path() + "/backups").size() == 1; });
  auto m = upkeep::Verify(upkeep::ListBackups(dir.path() + "/backups")[0]);
  ASSERT_TRUE(m.ok()) << m.status().message();
  WaitFor("the backup in /metrics", 30, [&] {
    return hub.Get("/metrics").body.find("coophub_backups_total{outcome=\"ok\"} 1") != std::string::npos;
  });
  EXPECT_NE(hub.Get("/metrics").body.find("coophub_retention_removed_total{what=\"runs\",source=\"\"} 0"),
            std::string::npos);

  // The admin page's view: the backup listed with its manifest; "back up now" takes
  // another on the hub's thread.
  json list = hub.Get("/api/v1/backups").Json();
  ASSERT_EQ(list["items"].size(), 1u) << list.dump();
  EXPECT_EQ(list["items"][0]["name"],
            std::filesystem::path(upkeep::ListBackups(dir.path() + "/backups")[0]).filename().string());
  EXPECT_EQ(list["retention"]["sources"][0], json({{"id", "rota"}, {"retention", "90d"}}));
  auto now = hub.Post("/api/v1/backups");
  ASSERT_EQ(now.status, 202) << now.body;
  WaitFor("the asked-for backup", 60, [&] {
    json b = hub.Get("/api/v1/backups").Json();
    return !b.value("running", true) && b["items"].size() == 2;
  });
  EXPECT_EQ(hub.Get("/api/v1/backups").Json()["items"][0]["records"], 2) << "the newest first, after the sync";
  EXPECT_EQ(hub.GetAnon("/api/v1/backups").status, 401);

  // A source made through the API keeps its own retention, and its sync keeps old rows out.
  auto bad = hub.Post("/api/v1/sources", json({{"id", "rota2"},
                                               {"plugin", "csv"},
                                               {"retention", "2h"},
                                               {"config", {{"url", "file://" + dir.path() + "/rota.csv"}}}})
                                             .dump());
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("retention"), std::string::npos) << bad.body;
  auto made = hub.Post("/api/v1/sources", json({{"id", "rota2"},
                                                {"plugin", "csv"},
                                                {"retention", "90d"},
                                                {"config",
                                                 {{"url", "file://" + dir.path() + "/rota.csv"},
                                                  {"kind", "task"},
                                                  {"columns", {{"id", "Ref"}, {"time", "Date"}, {"title", "Label"}}}}}})
                                              .dump());
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.Json()["retention"], "90d");
  EXPECT_EQ(hub.WaitForRun("rota2")["records"], 2);
  json kept = hub.Get("/api/v1/backups").Json()["retention"]["sources"];
  EXPECT_NE(kept.dump().find(R"({"id":"rota2","retention":"90d"})"), std::string::npos) << kept.dump();
  EXPECT_EQ(hub.Get("/api/v1/sources/rota").Json()["retention"], "90d");
}

TEST(BackupSqlite, BackUpNowSaysHowToSetItUp) {
  TempDir dir;
  Hub hub(dir.Write("hub.yaml", "sources: []\n"), dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  EXPECT_EQ(hub.Get("/api/v1/backups").Json()["configured"], false);
  auto r = hub.Post("/api/v1/backups");
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.body.find("backup: {dir:"), std::string::npos) << r.body;
}

TEST(BackupSqlite, KilledMidwayLeavesNothingARestoreWouldTake) {
  TempDir dir;
  const std::string cfg = dir.Write("hub.yaml", SlowSource(6000, 0, 400)), data = dir.path() + "/data";
  const std::string backups = dir.path() + "/backups";
  std::string out, err;
  ASSERT_EQ(RunCommand({COOPHUB_BINARY, "sync", "numbers", "--config", cfg, "--data", data}, &out, &err), 0) << err;
  ASSERT_GT(std::filesystem::file_size(data + "/coophub.db"), 2u << 20) << "the store must outlast one step";

  // At 64 KiB a second, the copy of 2 MiB and more takes half a minute: it is killed
  // after its first step.
  Subprocess backup;
  std::string progress;
  ASSERT_TRUE(StartBackup(backup, "64K", backups, cfg, data, &progress)) << progress;
  backup.Signal(SIGKILL);
  int64_t rss;
  int ws = backup.Wait(&rss);
  ASSERT_TRUE(WIFSIGNALED(ws)) << "the backup ended before it was killed: " << progress;

  EXPECT_TRUE(upkeep::ListBackups(backups).empty());
  std::string partial;
  for (const auto& e : std::filesystem::directory_iterator(backups))
    if (e.path().filename().string().ends_with(".partial")) partial = e.path().string();
  ASSERT_FALSE(partial.empty());
  ASSERT_NE(RunCommand({COOPHUB_BINARY, "restore", partial, "--config", cfg, "--data", data}, &out, &err), 0);
  EXPECT_NE(err.find("stopped midway"), std::string::npos) << err;

  // The next backup clears it and is whole.
  err.clear();
  ASSERT_EQ(RunCommand({COOPHUB_BINARY, "backup", backups, "--config", cfg, "--data", data}, &out, &err), 0) << err;
  EXPECT_NE(err.find("stopped midway"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(partial));
  ASSERT_EQ(upkeep::ListBackups(backups).size(), 1u);
  auto m = upkeep::Verify(upkeep::ListBackups(backups)[0]);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->counts.at("records"), 6000);
}

TEST(BackupSqlite, HubKilledDuringTheBackupDoesNotSpoilIt) {
  TempDir dir;
  const std::string cfg = dir.Write("hub.yaml", SlowSource(20000, 50, 400)), data = dir.path() + "/data";
  const std::string backups = dir.path() + "/backups";
  Hub hub(cfg, data);
  ASSERT_TRUE(hub.ok()) << hub.log();
  WaitFor("the store to pass 2 MiB mid-sync", 60, [&] {
    std::error_code ec;
    return hub.Get("/api/v1/sources/numbers").Json().value("running", false) &&
           std::filesystem::file_size(data + "/coophub.db", ec) +
                   std::filesystem::file_size(data + "/coophub.db-wal", ec) >
               (2u << 20);
  });
  Subprocess backup;
  std::string progress;
  ASSERT_TRUE(StartBackup(backup, "1M", backups, cfg, data, &progress)) << progress;
  hub.Kill();  // mid-sync, mid-backup: the WAL holds frames of a batch never committed
  std::string rest;
  char buf[4096];
  for (ssize_t n; (n = read(backup.stderr_fd(), buf, sizeof buf)) > 0;) rest.append(buf, static_cast<size_t>(n));
  int64_t rss;
  int ws = backup.Wait(&rss);
  ASSERT_TRUE(WIFEXITED(ws) && WEXITSTATUS(ws) == 0) << progress << rest;
  ASSERT_EQ(upkeep::ListBackups(backups).size(), 1u);
  auto m = upkeep::Verify(upkeep::ListBackups(backups)[0]);  // hash, integrity_check, counts
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_GT(m->counts.at("records"), 0);
  EXPECT_LT(m->counts.at("records"), 20000);
}

}  // namespace
}  // namespace coophub
