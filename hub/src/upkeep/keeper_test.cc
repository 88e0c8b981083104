// SPDX-License-Identifier: Apache-2.0
// Retention on both stores: it removes what is older than each retention and nothing
// else, in batches; runs pruned still count; a source's last run is kept; records go
// as deletes do (the change feed says so). A scheduled backup is taken once a period.
#include "upkeep/keeper.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "accounts/accounts.h"
#include "app/hub.h"
#include "base/timeutil.h"
#include "support/pg_server.h"
#include "upkeep/backup.h"

namespace coophub::upkeep {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kDay = 24 * 3600 * 1000;

class KeeperTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "coophub-keeper-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    config_.data_dir = dir_ + "/data";
    pg_ = testing::UseBackend(GetParam(), dir_, config_);
    auto opened = app::OpenHubStore(config_, 1);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    lock_ = std::move(opened->lock);
    store_ = std::move(opened->store);
    db_ = std::move(opened->db);
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
    pg_.reset();
    fs::remove_all(dir_);
  }
  Keeper MakeKeeper(std::vector<std::pair<std::string, int64_t>> retentions = {}) {
    KeeperSettings s;
    s.config = &config_;
    s.retentions = [retentions] { return retentions; };
    return Keeper(*store_, *db_, std::move(s));
  }
  // Records of source, one a day back from now for each of days_ago ("" time: -1).
  void Put(const std::string& source, const std::vector<int>& days_ago) {
    WriteBatch b;
    b.source = source;
    for (size_t i = 0; i < days_ago.size(); ++i) {
      json r = {{"id", source + std::to_string(i)}, {"kind", "message"}, {"title", "m" + std::to_string(i)}};
      if (days_ago[i] >= 0) r["time"] = FormatRfc3339((NowMs() - days_ago[i] * kDay) / 1000);
      auto rec = NormalizeRecord(r, source, "talk", "members");
      ASSERT_TRUE(rec.ok()) << rec.status().message();
      b.upserts.push_back(*rec);
    }
    ASSERT_TRUE(store_->Write(std::move(b)).get().ok());
  }
  int64_t Records(const std::string& source) {
    for (const auto& s : store_->Stats().value())
      if (s.source == source) return s.records;
    return 0;
  }
  int64_t Run(const std::string& source, const std::string& status) {
    auto id = store_->BeginRun(source, "manual");
    EXPECT_TRUE(id.ok()) << id.status().message();
    EXPECT_TRUE(store_->AppendRunLog(*id, "info", "working").ok());
    RunInfo r;
    r.id = *id;
    r.source = source;
    r.status = status;
    EXPECT_TRUE(store_->FinishRun(r).ok());
    EXPECT_TRUE(store_->Flush().ok());
    return *id;
  }

  std::string dir_;
  HubConfig config_;
  std::unique_ptr<testing::PgServer> pg_;
  FileLock lock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<sql::Database> db_;
};
INSTANTIATE_TEST_SUITE_P(Stores, KeeperTest, testing::StoreBackends(), testing::BackendName);

TEST_P(KeeperTest, RecordsOlderThanTheirSourcesRetentionGoAndNothingElse) {
  // chat keeps 90 days; its 1,200 old messages take three batches. blog keeps all.
  std::vector<int> chat(1200, 200);
  chat.insert(chat.end(), {10, 89, -1});
  Put("chat", chat);
  Put("blog", {400, 1});
  int64_t seq = store_->LastSeq();
  Keeper keeper = MakeKeeper({{"chat", 90 * kDay}});
  auto removed = keeper.Prune(NowMs());
  ASSERT_TRUE(removed.ok()) << removed.status().message();
  EXPECT_EQ((*removed)["records:chat"], 1200);
  EXPECT_EQ(removed->count("records:blog"), 0u);
  EXPECT_EQ(Records("chat"), 3) << "the recent ones and the one with no time stay";
  EXPECT_EQ(Records("blog"), 2);
  // Gone as a source's delete goes: the change feed says so, for those who follow it.
  auto changes = store_->ListChanges(seq, {}, 5);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->count, 5);
  json first = json::parse(changes->items_json)[0];
  EXPECT_EQ(first["op"], "delete");
  EXPECT_EQ(first["source"], "chat");
  // A second round finds nothing.
  EXPECT_TRUE(keeper.Prune(NowMs())->empty());
  EXPECT_EQ(keeper.removed()["records:chat"], 1200) << "what /metrics counts";
  EXPECT_EQ(keeper.removed().count("records:blog"), 0u);
}

TEST_P(KeeperTest, RunsAndAuditGoAfterTheirRetentionAndStillCount) {
  int64_t first = Run("news", "ok");
  int64_t failed = Run("news", "failed");
  int64_t last_ok = Run("news", "ok");
  int64_t last = Run("news", "failed");
  int64_t other = Run("events", "ok");
  auto accounts = OpenAccounts(*db_);
  ASSERT_TRUE(accounts.ok());
  ASSERT_TRUE((*accounts)->Audit("admin", "source.update", "news").ok());
  auto totals_before = store_->RunTotals().value();

  Keeper keeper = MakeKeeper();
  // Now: nothing is 30 days old.
  EXPECT_TRUE(keeper.Prune(NowMs())->empty());
  // 31 days on: the runs go but each source's last run and last success; the audit
  // entry (a year) stays.
  auto removed = keeper.Prune(NowMs() + 31 * kDay);
  ASSERT_TRUE(removed.ok()) << removed.status().message();
  EXPECT_EQ((*removed)["runs"], 2);
  EXPECT_EQ(removed->count("audit"), 0u);
  EXPECT_TRUE(store_->GetRun(last).ok());
  EXPECT_TRUE(store_->GetRun(last_ok).ok());
  EXPECT_TRUE(store_->GetRun(other).ok());
  EXPECT_FALSE(store_->GetRun(first).ok());
  EXPECT_FALSE(store_->GetRun(failed).ok());
  EXPECT_TRUE(store_->RunLogs(first)->empty());
  EXPECT_EQ(store_->RunTotals().value(), totals_before) << "pruned runs still count";
  auto latest = store_->LatestRuns().value();
  EXPECT_EQ(latest["news"].last.id, last);
  EXPECT_EQ(latest["news"].failures, 1);
  // A year on, the audit entry goes too.
  removed = keeper.Prune(NowMs() + 366 * kDay);
  EXPECT_EQ((*removed)["audit"], 1);
  EXPECT_TRUE((*accounts)->AuditLog(10)->empty());
}

TEST_P(KeeperTest, ScheduledBackupIsTakenOncePerPeriodAndRotated) {
  config_.backup = BackupSchedule{.dir = dir_ + "/backups", .every_ms = kDay, .keep = 2};
  Keeper one = MakeKeeper(), two = MakeKeeper();  // two replicas
  int64_t now = NowMs();
  auto first = one.BackupIfDue(now);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_FALSE(first->empty());
  EXPECT_TRUE(two.BackupIfDue(now)->empty()) << "the other replica took this period's";
  EXPECT_TRUE(one.BackupIfDue(now + kDay / 2)->empty());
  for (int day = 1; day <= 3; ++day) {
    auto next = (day % 2 ? two : one).BackupIfDue(now + day * kDay);
    ASSERT_TRUE(next.ok()) << next.status().message();
    EXPECT_FALSE(next->empty()) << "day " << day;
  }
  EXPECT_EQ(ListBackups(dir_ + "/backups").size(), 2u);
  EXPECT_EQ(one.backup_state().ok, 2) << "what /metrics counts";
  EXPECT_EQ(two.backup_state().ok, 2);
}

}  // namespace
}  // namespace coophub::upkeep
