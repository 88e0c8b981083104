// SPDX-License-Identifier: Apache-2.0
//
// The optional plugin operation subject (ABI 2), through real worker processes: a
// plugin's SPEC lists it when its descriptor has it; AskSubject hands on the records it
// emits, normalised and marked with their source, and refuses anything but records,
// logs, progress and errors; a plugin without it (built against this SDK or the ABI 1
// one) is not asked.
#include <gtest/gtest.h>

#include "config/config.h"
#include "runtime/runner.h"
#include "sync/sync.h"
#include "support/test_util.h"

namespace coophub {
namespace {

using testing::FixturePlugin;

const json kSubject = {
    {"account", "ana"},
    {"identities", {{{"kind", "email"}, {"value", "ana@coop.example"}}, {{"kind", "handle"}, {"value", "@ana.lima"}}}}};

SourceConfig Source(const std::string& fixture) {
  SourceConfig src;
  src.id = "tool";
  src.plugin = FixturePlugin(fixture);
  src.visibility = "admins";
  return src;
}

ConnectorRef Ref(const std::string& fixture) {
  return ConnectorRef{ConnectorRef::Kind::kPlugin, FixturePlugin(fixture), fixture};
}

TEST(Subject, ThePluginsSpecListsTheOperationWhenItsDescriptorHasIt) {
  auto with = DescribePlugin(Ref("subject"));
  ASSERT_TRUE(with.ok()) << with.status().message();
  EXPECT_EQ(with->operations, std::vector<std::string>{"subject"});
  for (const char* without : {"count", "older_sdk", "newer_sdk"}) {
    auto info = DescribePlugin(Ref(without));
    ASSERT_TRUE(info.ok()) << without << ": " << info.status().message();
    EXPECT_TRUE(info->operations.empty()) << without;
  }
}

TEST(Subject, TheRecordsItEmitsComeBackWithTheirSource) {
  HubConfig hub;
  std::vector<json> got;
  auto asked = AskSubject(hub, Source("subject"), kSubject, [&](json&& r) {
    got.push_back(std::move(r));
    return Status::Ok();
  });
  ASSERT_TRUE(asked.ok()) << asked.status().message();
  EXPECT_TRUE(*asked);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]["title"], "held about ana@coop.example");
  EXPECT_EQ(got[1]["title"], "held about @ana.lima");
  for (const auto& r : got) {
    EXPECT_EQ(r["source"], "tool");
    EXPECT_EQ(r["stream"], "profile");
    EXPECT_EQ(r["kind"], "person");
    EXPECT_EQ(r["visibility"], "admins");  // the source's
  }
}

TEST(Subject, APluginWithoutItIsNotAsked) {
  HubConfig hub;
  for (const char* without : {"count", "older_sdk"}) {
    int records = 0;
    auto asked = AskSubject(hub, Source(without), kSubject, [&](json&&) {
      ++records;
      return Status::Ok();
    });
    ASSERT_TRUE(asked.ok()) << without << ": " << asked.status().message();
    EXPECT_FALSE(*asked) << without;
    EXPECT_EQ(records, 0) << without;
  }
}

TEST(Subject, AnythingButRecordsLogsAndErrorsFailsIt) {
  HubConfig hub;
  json subject = kSubject;
  subject["identities"].push_back({{"kind", "email"}, {"value", "state@coop.example"}});
  auto asked = AskSubject(hub, Source("subject"), subject, [](json&&) { return Status::Ok(); });
  ASSERT_FALSE(asked.ok());
  EXPECT_NE(asked.status().message().find("subject answers with RECORD, LOG, PROGRESS and ERROR lines only"),
            std::string::npos)
      << asked.status().message();
  EXPECT_NE(asked.status().message().find("line "), std::string::npos) << "names the line";
}

}  // namespace
}  // namespace coophub
