// SPDX-License-Identifier: Apache-2.0
// Backups and restores on both stores: a backup restores to the same rows; what is
// wrong with a backup (a changed file, a newer schema, a partial folder, the wrong key)
// is refused before anything is touched; the replaced store is kept; rotation keeps the
// newest. The black-box tests (tests/backup_test.cc) take backups of running hubs.
#include "upkeep/backup.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "accounts/accounts.h"
#include "app/hub.h"
#include "os/file_lock.h"
#include "support/pg_server.h"

namespace coophub::upkeep {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class BackupTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "coophub-backup-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    config_.data_dir = dir_ + "/data";
    config_.file = dir_ + "/hub.yaml";
    pg_ = testing::UseBackend(GetParam(), dir_, config_);
    backups_ = dir_ + "/backups";
  }
  void TearDown() override {
    pg_.reset();
    fs::remove_all(dir_);
  }

  // n records of source, and an account; the store is closed again.
  void Fill(const std::string& source, int n, const std::string& user) {
    auto opened = app::OpenHubStore(config_, 1);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    WriteBatch b;
    b.source = source;
    for (int i = 0; i < n; ++i) {
      json r = {{"id", source + std::to_string(i)}, {"kind", "post"}, {"title", "Note " + std::to_string(i)}};
      auto rec = NormalizeRecord(r, source, "notes", "members");
      ASSERT_TRUE(rec.ok());
      b.upserts.push_back(*rec);
    }
    ASSERT_TRUE(opened->store->Write(std::move(b)).get().ok());
    auto accounts = OpenAccounts(*opened->db);
    ASSERT_TRUE(accounts.ok());
    ASSERT_TRUE((*accounts)->AddUser(user, std::nullopt, Role::kViewer).ok());
    ASSERT_TRUE((*accounts)->Audit("admin", "user.create", user).ok());
  }
  int64_t Records() {
    auto opened = app::OpenHubStore(config_, 1);
    EXPECT_TRUE(opened.ok()) << opened.status().message();
    if (!opened.ok()) return -1;
    auto stats = opened->store->Stats();
    int64_t n = 0;
    for (const auto& s : *stats) n += s.records;
    return n;
  }

  std::string dir_, backups_;
  HubConfig config_;
  std::unique_ptr<testing::PgServer> pg_;
};
INSTANTIATE_TEST_SUITE_P(Stores, BackupTest, testing::StoreBackends(), testing::BackendName);

TEST_P(BackupTest, RestoresTheRowsItCounted) {
  Fill("blog", 30, "ana");
  auto made = Backup(config_, {.dir = backups_});
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_EQ(made->manifest.counts.at("records"), 30);
  EXPECT_EQ(made->manifest.counts.at("users"), 1);
  EXPECT_EQ(made->manifest.counts.at("audit"), 1);
  EXPECT_EQ(made->manifest.driver, GetParam());
  EXPECT_EQ(ListBackups(backups_), std::vector<std::string>{made->folder});
  auto verified = Verify(made->folder);
  ASSERT_TRUE(verified.ok()) << verified.status().message();
  EXPECT_EQ(verified->counts, made->manifest.counts);

  Fill("calendar", 5, "bo");  // after the backup: gone once it is restored
  ASSERT_EQ(Records(), 35);
  auto restored = Restore(config_, {.folder = made->folder});
  ASSERT_TRUE(restored.ok()) << restored.status().message();
  EXPECT_EQ(Records(), 30);
  // What it replaced is kept, not deleted.
  ASSERT_FALSE(restored->moved_aside.empty());
  EXPECT_TRUE(fs::exists(restored->moved_aside)) << restored->moved_aside;
}

TEST_P(BackupTest, RefusesWhatIsNotTheBackupItClaims) {
  Fill("blog", 3, "ana");
  auto made = Backup(config_, {.dir = backups_});
  ASSERT_TRUE(made.ok()) << made.status().message();
  const std::string file = made->folder + "/" + made->manifest.file, manifest = made->folder + "/manifest.json";

  // A newer hub's backup.
  std::string text = ReadFile(manifest);
  json m = json::parse(text);
  m["schema"] = 9999;
  std::ofstream(manifest) << m.dump();
  auto newer = Restore(config_, {.folder = made->folder});
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.status().message().find("newer coophub"), std::string::npos) << newer.status().message();
  std::ofstream(manifest) << text;

  // A file changed since (one byte).
  std::string data = ReadFile(file);
  data[data.size() / 2] ^= 0x20;
  std::ofstream(file, std::ios::binary | std::ios::trunc) << data;
  auto changed = Restore(config_, {.folder = made->folder});
  ASSERT_FALSE(changed.ok());
  EXPECT_NE(changed.status().message().find("BLAKE2b"), std::string::npos) << changed.status().message();

  // A manifest that is not one names the field.
  std::ofstream(manifest) << R"({"format": 1, "driver": "sqlite"})";
  auto broken = Verify(made->folder);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("manifest.json"), std::string::npos) << broken.status().message();

  EXPECT_EQ(Records(), 3) << "nothing was touched by the refused restores";
}

TEST_P(BackupTest, KeyIsKeptApartAndAskedFor) {
  Fill("blog", 2, "ana");
  const std::string key = config_.data_dir + "/secrets.key";
  fs::create_directories(config_.data_dir);
  std::ofstream(key, std::ios::binary) << std::string(32, 'k');
  auto made = Backup(config_, {.dir = backups_, .key_out = dir_ + "/key-copy"});
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_EQ(made->manifest.key_fingerprint, KeyFingerprint(key));
  EXPECT_FALSE(made->manifest.key_fingerprint.empty());
  EXPECT_EQ(ReadFile(dir_ + "/key-copy"), std::string(32, 'k'));
  for (const auto& e : fs::recursive_directory_iterator(backups_)) {
    if (e.is_regular_file()) {
      EXPECT_EQ(ReadFile(e.path().string()).find(std::string(32, 'k')), std::string::npos)
          << e.path() << " holds the key";
    }
  }

  // On a new server without the key, the restore says how to give it.
  fs::remove(key);
  auto refused = Restore(config_, {.folder = made->folder});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("--key FILE"), std::string::npos) << refused.status().message();
  std::ofstream(dir_ + "/wrong-key", std::ios::binary) << std::string(32, 'w');
  EXPECT_FALSE(Restore(config_, {.folder = made->folder, .key_file = dir_ + "/wrong-key"}).ok());
  auto restored = Restore(config_, {.folder = made->folder, .key_file = dir_ + "/key-copy"});
  ASSERT_TRUE(restored.ok()) << restored.status().message();
  EXPECT_TRUE(restored->key_restored);
  EXPECT_EQ(KeyFingerprint(key), made->manifest.key_fingerprint);
}

TEST(BackupSqlite, RefusesToSwapAStoreInUse) {
  testing::TempDir dir;
  HubConfig c;
  c.data_dir = dir.path() + "/data";
  auto opened = app::OpenHubStore(c, 1);  // a hub or a command has it open
  ASSERT_TRUE(opened.ok());
  auto made = Backup(c, {.dir = dir.path() + "/b"});
  ASSERT_TRUE(made.ok()) << made.status().message();  // a backup needs no stop
  auto refused = Restore(c, {.folder = made->folder});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kConflict);
  EXPECT_NE(refused.status().message().find("stop it first"), std::string::npos) << refused.status().message();
  opened->store.reset();
  opened->lock = FileLock();
  EXPECT_TRUE(Restore(c, {.folder = made->folder}).ok());
  // While a restore holds the store, no hub opens it.
  auto restoring = FileLock::Take(StoreLockPath(c), true);
  ASSERT_TRUE(restoring.ok());
  auto blocked = app::OpenHubStore(c, 1);
  ASSERT_FALSE(blocked.ok());
  EXPECT_NE(blocked.status().message().find("being restored"), std::string::npos) << blocked.status().message();
}

TEST(BackupSqlite, PartialFoldersAreNeverBackupsAndGoNextTime) {
  testing::TempDir dir;
  HubConfig c;
  c.data_dir = dir.path() + "/data";
  ASSERT_TRUE(app::OpenHubStore(c, 1).ok());
  const std::string partial = dir.path() + "/b/.coophub-20260101T000000Z.partial";
  fs::create_directories(partial);
  std::ofstream(partial + "/coophub.db") << "half a file";
  auto check = Verify(partial);
  ASSERT_FALSE(check.ok());
  EXPECT_NE(check.status().message().find("stopped midway"), std::string::npos) << check.status().message();
  EXPECT_TRUE(ListBackups(dir.path() + "/b").empty());
  auto made = Backup(c, {.dir = dir.path() + "/b"});
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(made->removed_partials, std::vector<std::string>{partial});
  EXPECT_FALSE(fs::exists(partial));
}

TEST(BackupSqlite, RotationKeepsTheNewest) {
  testing::TempDir dir;
  const std::string b = dir.path() + "/b";
  for (const char* name : {"coophub-20261201T000000Z", "coophub-20261202T000000Z", "coophub-20261203T000000Z",
                           "coophub-20261203T000000Z-2", "not-a-backup"}) {
    fs::create_directories(b + "/" + name);
    std::ofstream(b + "/" + name + "/manifest.json") << "{}";
  }
  fs::create_directories(b + "/coophub-20261130T000000Z");  // no manifest: not a finished backup
  auto removed = Rotate(b, 2);
  EXPECT_EQ(removed, (std::vector<std::string>{b + "/coophub-20261201T000000Z", b + "/coophub-20261202T000000Z"}));
  EXPECT_EQ(ListBackups(b),
            (std::vector<std::string>{b + "/coophub-20261203T000000Z", b + "/coophub-20261203T000000Z-2"}));
  EXPECT_TRUE(fs::exists(b + "/not-a-backup"));
}

}  // namespace
}  // namespace coophub::upkeep
