// SPDX-License-Identifier: Apache-2.0
// The hub's SQLite connections keep their locks while it opens more: another process on
// the same store (the command line beside a running hub) must find the hub there, and
// leave its WAL alone when it closes. Closing any descriptor of the file in the hub would
// drop every lock the hub holds on it (POSIX), and that process would then checkpoint
// and delete the WAL the hub still uses.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>

#include "os/subprocess.h"
#include "store/sql.h"

namespace coophub {
namespace {

namespace fs = std::filesystem;

TEST(SqliteLocks, AnotherProcessLeavesTheWalOfConnectionsStillOpen) {
  std::string tmpl = (fs::temp_directory_path() / "coophub-locks-XXXXXX").string();
  std::string dir = mkdtemp(tmpl.data());
  std::string path = dir + "/hub.db";
  auto db = sql::SqliteDatabase(path);
  auto first = db->Connect();
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_TRUE((*first)->Script("CREATE TABLE t(x); INSERT INTO t VALUES(1)").ok());
  auto second = db->Connect();  // the hub opens another connection (accounts, outbox, ...)
  ASSERT_TRUE(second.ok()) << second.status().message();
  ASSERT_TRUE(fs::exists(path + "-wal"));
  // Another process opens the store, reads, and closes: the last connection of its own.
  Subprocess other;
  SpawnOptions o;
  o.argv = {"/usr/bin/python3", "-c",
            "import sqlite3, sys\n"
            "c = sqlite3.connect(sys.argv[1])\n"
            "assert c.execute('SELECT COUNT(*) FROM t').fetchone()[0] == 1\n"
            "c.close()\n",
            path};
  ASSERT_TRUE(other.Start(o).ok());
  other.CloseStdin();
  int64_t rss = 0;
  int status = other.Wait(&rss);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "python3 could not read the store";
  EXPECT_TRUE(fs::exists(path + "-wal")) << "the other process took the hub for gone and removed its WAL";
  EXPECT_TRUE(fs::exists(path + "-shm"));
  auto after = (*second)->Run("INSERT INTO t VALUES(2)");
  EXPECT_TRUE(after.ok()) << after.status().message();
  auto count = (*first)->Run("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(count.ok()) << count.status().message();
  EXPECT_EQ(count->Int(0, 0), 2);
  first->reset();
  second->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace coophub
