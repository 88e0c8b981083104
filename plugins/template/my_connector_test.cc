// SPDX-License-Identifier: Apache-2.0
//
// my_connector's tests: no hub, no network. The fake host of <coophub/testing.hpp> runs
// the connector in this process, answers its HTTP requests from a script or from
// exchanges recorded by `coophub read build/my_connector.so --config ... --record DIR`,
// and keeps what it emitted.
#include <coophub/testing.hpp>
#include <gtest/gtest.h>

namespace {

using coophub::json;
using coophub::testing::FakeHost;

const json kConfig = {{"url", "https://api.example.org/items"}, {"token", "s3cret-token"}};

TEST(MyConnector, ReadsItemsAndCommitsACursor) {
  FakeHost host(coophub_plugin_entry());
  host.Answer("https://api.example.org/items", 200,
              R"([{"id": "1", "title": "Assembly", "updated": "2026-11-29T18:00:00Z"},
                  {"id": 2, "title": "Rota", "updated": "2026-11-30T09:00:00Z"}])");
  auto run = host.Read(kConfig);
  ASSERT_TRUE(run.ok()) << run.Describe();
  ASSERT_EQ(run.Records("items").size(), 2u);
  EXPECT_EQ(run.Records("items")[1]["id"], "2");
  EXPECT_EQ(run.Records("items")[0]["time"], "2026-11-29T18:00:00Z");
  EXPECT_EQ(run.State("items")["cursor"], "2026-11-30T09:00:00Z");
  EXPECT_EQ(run.requests.at(0).headers.at("Authorization"), "Bearer s3cret-token");
}

TEST(MyConnector, TheNextRunAsksOnlyForWhatChanged) {
  FakeHost host(coophub_plugin_entry());
  host.Answer("https://api.example.org/items?since=2026-11-30T09:00:00Z", 200,
              R"([{"id": "3", "title": "Budget", "updated": "2026-12-01T08:00:00Z"}])");
  auto run = host.Read(kConfig, {{"items", {{"cursor", "2026-11-30T09:00:00Z"}}}});
  ASSERT_TRUE(run.ok()) << run.Describe();
  ASSERT_EQ(run.Records().size(), 1u);
  EXPECT_EQ(run.State("items")["cursor"], "2026-12-01T08:00:00Z");
}

TEST(MyConnector, ARefusedTokenSaysWhatToDo) {
  FakeHost host(coophub_plugin_entry());
  host.Answer("https://api.example.org/items", 401, R"({"error": "bad token"})");
  auto run = host.Read(kConfig);
  ASSERT_TRUE(run.Error()) << run.Describe();
  EXPECT_NE(run.Error()->find("refused the token"), std::string::npos) << *run.Error();
  EXPECT_TRUE(run.Records().empty());
  EXPECT_TRUE(run.States().empty()) << "nothing is committed by a failed run";
}

TEST(MyConnector, AnAnswerThatIsNotJsonNamesTheAddress) {
  FakeHost host(coophub_plugin_entry());
  host.Answer("https://api.example.org/items", 200, "<html>Welcome</html>");
  auto check = host.Check(kConfig);
  EXPECT_FALSE(check.CheckOk());
  ASSERT_TRUE(check.Error()) << check.Describe();
  EXPECT_NE(check.Error()->find("https://api.example.org/items: the answer is not JSON"), std::string::npos);
}

// testdata/items holds what `coophub read ... --record testdata/items` wrote against
// the real API: the token in it is redacted, and the replay redacts the live request
// the same way before matching it.
TEST(MyConnector, ReplaysARecordedRun) {
  FakeHost host(coophub_plugin_entry());
  host.Replay(TESTDATA "/items");
  auto run = host.Read(kConfig);
  ASSERT_TRUE(run.ok()) << run.Describe();
  ASSERT_EQ(run.Records("items").size(), 3u);
  EXPECT_EQ(run.Records("items")[2]["title"], "Shift swap: Saturday");
}

}  // namespace
