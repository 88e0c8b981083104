// SPDX-License-Identifier: Apache-2.0
//
// A connection to the PostgreSQL store's server (a real one, started by the test):
// statements it prepares stay bounded in number, and each still answers after the
// connection has started its set again.
#include "store/postgres/pg_conn.h"

#include <gtest/gtest.h>

#include "support/pg_server.h"

namespace coophub {
namespace {

TEST(PgConn, PreparedStatementsStayBoundedAndAnswer) {
  testing::TempDir tmp;
  testing::PgServer server(tmp);
  ASSERT_TRUE(server.ready()) << server.why();
  pg::Conn db;
  ASSERT_TRUE(db.Open(server.Url("postgres")).ok());
  // Statements that differ only in a constant, as pages of different sizes do.
  auto add = [&](int k) -> int64_t {
    auto r = db.Exec("SELECT $1::bigint + " + std::to_string(k), {std::string("1")});
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r->Int(0, 0) : -1;
  };
  for (int k = 0; k < 600; ++k) ASSERT_EQ(add(k), k + 1);
  auto held = db.Exec("SELECT count(*) FROM pg_prepared_statements");
  ASSERT_TRUE(held.ok()) << held.status().message();
  EXPECT_GT(held->Int(0, 0), 0);
  EXPECT_LE(held->Int(0, 0), 257) << "600 statements, none dropped";
  // Those dropped are prepared again when asked for; those kept answer as they are.
  EXPECT_EQ(add(0), 1);
  EXPECT_EQ(add(599), 600);
}

}  // namespace
}  // namespace coophub
