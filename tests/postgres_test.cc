// SPDX-License-Identifier: Apache-2.0
//
// The postgres connector against a real PostgreSQL server started by the test on
// 127.0.0.1 (support/pg_server.h): mapping,
// incremental reads past the committed cursor, and errors that name what to fix.
#include <gtest/gtest.h>

#include "support/pg_server.h"
#include "support/hub_process.h"

namespace coophub {
namespace {

namespace fs = std::filesystem;

using testing::PgServer;

TEST(Postgres, ReadsRowsIncrementallyPastTheCursor) {
  testing::ScratchHub hub;
  PgServer pg(hub.dir(), /*tcp=*/true);
  ASSERT_TRUE(pg.ready()) << pg.why();
  ASSERT_EQ(pg.Exec("CREATE TABLE invoices(id int PRIMARY KEY, client text, total numeric(10,2), "
                    "issued date, write_date timestamptz);"
                    "INSERT INTO invoices VALUES (1, 'Bakery Co-op', 1200.00, '2026-11-02', '2026-11-02 09:00Z'),"
                    "(2, 'Garden Co-op', 480.50, '2026-11-05', '2026-11-05 09:00Z'),"
                    "(3, 'Radio Co-op', 99.90, '2026-11-05', '2026-11-05 09:00Z');"),
            "");
  json config = {{"conninfo", pg.TcpConninfo()},
                 {"query",
                  "SELECT id, client, total, issued, write_date FROM invoices "
                  "WHERE write_date > $1::timestamptz ORDER BY write_date, id"},
                 {"cursor_column", "write_date"},
                 {"kind", "transaction"},
                 {"currency", "EUR"},
                 {"columns", {{"id", "id"}, {"title", "client"}, {"amount", "total"}, {"time", "issued"}}}};
  SyncResult first = hub.Sync("erp", "postgres", config);
  ASSERT_TRUE(first.ok()) << first.run.message;
  EXPECT_EQ(first.received, 3);
  json garden;
  for (const auto& r : hub.Records())
    if (r["id"] == "2") garden = r;
  EXPECT_EQ(garden["kind"], "transaction");
  EXPECT_EQ(garden["title"], "Garden Co-op");
  EXPECT_EQ(garden["amount"], (json{{"value", "480.50"}, {"currency", "EUR"}}));
  EXPECT_EQ(garden["time"], "2026-11-05T00:00:00Z");
  EXPECT_EQ(hub.store().LoadState("erp").value()["rows"]["cursor"], "2026-11-05 09:00:00+00");

  ASSERT_EQ(pg.Exec("INSERT INTO invoices VALUES (4, 'Book Co-op', 15.00, '2026-11-20', '2026-11-20 09:00Z');"
                    "UPDATE invoices SET total = 1250.00, write_date = '2026-11-21 09:00Z' WHERE id = 1;"),
            "");
  SyncResult second = hub.Sync("erp", "postgres", config);
  ASSERT_TRUE(second.ok()) << second.run.message;
  EXPECT_EQ(second.received, 2) << "only the rows written since the last cursor";
  EXPECT_EQ(second.changed, 2);
  EXPECT_EQ(hub.Records().size(), 4u);

  // A deleted row: invisible to the cursor, gone at the next full pass.
  ASSERT_EQ(pg.Exec("DELETE FROM invoices WHERE id = 3;"), "");
  SyncResult incremental = hub.Sync("erp", "postgres", config);
  ASSERT_TRUE(incremental.ok()) << incremental.run.message;
  EXPECT_EQ(hub.Records().size(), 4u) << "the daily full pass is not due";
  config["full_pass_every_s"] = 0;
  SyncResult full = hub.Sync("erp", "postgres", config);
  ASSERT_TRUE(full.ok()) << full.run.message;
  EXPECT_EQ(full.received, 3);
  EXPECT_EQ(full.deleted, 1);
  EXPECT_EQ(hub.Records().size(), 3u);
}

TEST(Postgres, ErrorsNameWhatToFix) {
  testing::ScratchHub hub;
  PgServer pg(hub.dir(), /*tcp=*/true);
  ASSERT_TRUE(pg.ready()) << pg.why();
  ASSERT_EQ(pg.Exec("CREATE TABLE members(id int, name text, joined date);"), "");
  std::string out, err;
  json bad_column = {
      {"conninfo", pg.TcpConninfo()}, {"query", "SELECT id, name FROM members"}, {"columns", {{"time", "joined_on"}}}};
  EXPECT_EQ(testing::RunCommand({COOPHUB_BINARY, "check", "postgres", "--config", bad_column.dump()}, &out, &err), 1);
  EXPECT_NE(err.find("config.columns.time: the query returns no column \"joined_on\""), std::string::npos) << err;

  SyncResult bad_sql =
      hub.Sync("m", "postgres", {{"conninfo", pg.TcpConninfo()}, {"query", "SELECT nope FROM members"}});
  EXPECT_EQ(bad_sql.run.outcome, RunResult::Outcome::kConnectorError);
  EXPECT_NE(bad_sql.run.message.find("the query failed: ERROR:  column \"nope\" does not exist"), std::string::npos)
      << bad_sql.run.message;

  SyncResult no_server = hub.Sync(
      "m", "postgres",
      {{"conninfo", "host=127.0.0.1 port=1 dbname=x user=y"}, {"password", "${env:HOME}"}, {"query", "SELECT 1"}});
  EXPECT_EQ(no_server.run.outcome, RunResult::Outcome::kConnectorError);
  EXPECT_NE(no_server.run.message.find("cannot connect to PostgreSQL (host=127.0.0.1 port=1 dbname=x user=y)"),
            std::string::npos)
      << no_server.run.message;
  EXPECT_TRUE(no_server.run.retryable);
}

}  // namespace
}  // namespace coophub
