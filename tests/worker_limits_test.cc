// SPDX-License-Identifier: Apache-2.0
//
// Misbehaving plugins, each run through a real worker process into a real SQLite store:
// each must end with its exact error, and the records committed before the failure
// must still be there.
#include <gtest/gtest.h>

#include "config.h"
#include "runner.h"
#include "store.h"
#include "sync.h"
#include "test_util.h"

namespace coophub {
namespace {

using testing::FixturePlugin;
using testing::TempDir;

struct Outcome {
  SyncResult sync;
  std::vector<std::string> ids;
  json state;
};

Outcome SyncFixture(const std::string& fixture, const Limits& limits) {
  TempDir dir;
  HubConfig hub;
  hub.base_dir = dir.path();
  SourceConfig src;
  src.id = "fx";
  src.plugin = FixturePlugin(fixture);
  src.limits = limits;
  auto store = OpenSqliteStore({dir.path() + "/hub.db", 1});
  EXPECT_TRUE(store.ok()) << store.status().message();
  Outcome o;
  o.sync = SyncSource(**store, hub, src, SyncOptions{});
  RecordQuery q;
  q.source = "fx";
  auto page = (*store)->ListRecords(q);
  for (const auto& item : page->Items()) o.ids.push_back(item["id"]);
  o.state = (*store)->LoadState("fx").value();
  return o;
}

void ExpectCommittedKept(const Outcome& o) {
  std::vector<std::string> ids = o.ids;
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"r1", "r2"})) << "records committed before the failure";
  EXPECT_EQ(o.state.value("/s/upto"_json_pointer, 0), 2) << "the state committed with them";
}

Limits Fast() {
  Limits l;
  l.timeout_ms = 60000;
  l.heartbeat_ms = 1500;
  l.memory_bytes = int64_t{256} << 20;
  l.max_line_bytes = int64_t{8} << 20;
  return l;
}

TEST(WorkerLimits, SegfaultIsNamedAndCommittedRecordsStay) {
  Outcome o = SyncFixture("crash", Fast());
  EXPECT_EQ(o.sync.run.outcome, RunResult::Outcome::kCrashed);
  EXPECT_NE(o.sync.run.message.find("killed by SIGSEGV (segmentation fault)"), std::string::npos) << o.sync.run.message;
  EXPECT_NE(o.sync.run.message.find("after line 4"), std::string::npos) << o.sync.run.message;
  ExpectCommittedKept(o);
}

TEST(WorkerLimits, HangIsKilledByTheHeartbeat) {
  Outcome o = SyncFixture("hang", Fast());
  EXPECT_EQ(o.sync.run.outcome, RunResult::Outcome::kCrashed);
  EXPECT_NE(o.sync.run.message.find("no output for 1500 ms (limits.heartbeat)"), std::string::npos)
      << o.sync.run.message;
  EXPECT_NE(o.sync.run.message.find("killed with SIGKILL after line 4"), std::string::npos) << o.sync.run.message;
  ExpectCommittedKept(o);
}

TEST(WorkerLimits, WallTimeLimitIsNamed) {
  Limits l = Fast();
  l.heartbeat_ms = 60000;
  l.timeout_ms = 1000;
  Outcome o = SyncFixture("hang", l);
  EXPECT_NE(o.sync.run.message.find("time limit of 1 s (limits.timeout)"), std::string::npos) << o.sync.run.message;
  ExpectCommittedKept(o);
}

TEST(WorkerLimits, GarbageLineIsNamedWithItsNumber) {
  Outcome o = SyncFixture("garbage", Fast());
  EXPECT_EQ(o.sync.run.outcome, RunResult::Outcome::kBadOutput);
  EXPECT_EQ(o.sync.run.message, "line 5: not a JSON object: \"debug: fetched page 2\"");
  ExpectCommittedKept(o);
}

TEST(WorkerLimits, HundredMegabyteLineHitsTheLineLimit) {
  Outcome o = SyncFixture("bigline", Fast());
  EXPECT_EQ(o.sync.run.outcome, RunResult::Outcome::kCrashed);
  EXPECT_NE(o.sync.run.message.find("line 5 is longer than the 8 MiB line limit (limits.max_line)"),
            std::string::npos) << o.sync.run.message;
  ExpectCommittedKept(o);
}

TEST(WorkerLimits, EndlessAllocationHitsTheMemoryLimit) {
  Outcome o = SyncFixture("alloc", Fast());
  EXPECT_EQ(o.sync.run.outcome, RunResult::Outcome::kCrashed);
  EXPECT_NE(o.sync.run.message.find("memory limit of 256 MiB (limits.memory)"), std::string::npos)
      << o.sync.run.message;
  ExpectCommittedKept(o);
}

TEST(WorkerLimits, WrongAbiIsRefusedPolitely) {
  Outcome o = SyncFixture("wrong_abi", Fast());
  EXPECT_EQ(o.sync.run.outcome, RunResult::Outcome::kLoadError);
  EXPECT_NE(o.sync.run.message.find("built for plugin ABI 99"), std::string::npos) << o.sync.run.message;
  EXPECT_NE(o.sync.run.message.find("this hub speaks ABI 1"), std::string::npos) << o.sync.run.message;
  EXPECT_TRUE(o.ids.empty());
}

TEST(WorkerLimits, MissingEntrySymbolIsNamed) {
  Outcome o = SyncFixture("no_entry", Fast());
  EXPECT_EQ(o.sync.run.outcome, RunResult::Outcome::kLoadError);
  EXPECT_NE(o.sync.run.message.find("has no symbol coophub_plugin_entry"), std::string::npos) << o.sync.run.message;
  EXPECT_NE(o.sync.run.message.find("nm -D"), std::string::npos) << o.sync.run.message;
}

TEST(WorkerLimits, WellBehavedPluginCommitsEverything) {
  TempDir dir;
  HubConfig hub;
  hub.base_dir = dir.path();
  SourceConfig src;
  src.id = "count";
  src.plugin = FixturePlugin("count");
  src.config = {{"count", 2500}, {"state_every", 1000}};
  auto store = OpenSqliteStore({dir.path() + "/hub.db", 1});
  ASSERT_TRUE(store.ok());
  SyncResult r = SyncSource(**store, hub, src, SyncOptions{});
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(r.received, 2500);
  EXPECT_EQ(r.changed, 2500);
  EXPECT_EQ((*store)->LoadState("count").value()["numbers"]["upto"], 2500);
  // A second sync resumes after the state and brings nothing new.
  SyncResult again = SyncSource(**store, hub, src, SyncOptions{});
  ASSERT_TRUE(again.ok()) << again.run.message;
  EXPECT_EQ(again.received, 0);
}

TEST(ExecConnectors, SingerTapRunsAndResumesFromItsState) {
  TempDir dir;
  HubConfig hub;
  hub.base_dir = dir.path();
  SourceConfig src;
  src.id = "members";
  src.plugin = std::string("singer:") + COOPHUB_SOURCE_DIR + "/tests/fixtures/singer_tap.sh";
  auto store = OpenSqliteStore({dir.path() + "/hub.db", 1});
  ASSERT_TRUE(store.ok());
  SyncResult r = SyncSource(**store, hub, src, SyncOptions{});
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(r.received, 3);
  RecordQuery q;
  auto items = (*store)->ListRecords(q)->Items();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0]["data"]["name"], "Member 3");
  EXPECT_EQ(items[0]["title"], "Member 3");
  EXPECT_EQ((*store)->LoadState("members").value()["_singer"]["last_id"], 3);
  SyncResult again = SyncSource(**store, hub, src, SyncOptions{});
  ASSERT_TRUE(again.ok()) << again.run.message;
  EXPECT_EQ(again.received, 0) << "the tap got its state back and emitted nothing new";
}

TEST(ExecConnectors, MissingProgramIsNamed) {
  TempDir dir;
  HubConfig hub;
  hub.base_dir = dir.path();
  SourceConfig src;
  src.id = "x";
  src.plugin = "exec:./no-such-script.sh";
  auto store = OpenSqliteStore({dir.path() + "/hub.db", 1});
  SyncResult r = SyncSource(**store, hub, src, SyncOptions{});
  EXPECT_EQ(r.run.outcome, RunResult::Outcome::kLoadError);
  EXPECT_NE(r.run.message.find("cannot run \"./no-such-script.sh\" in " + dir.path()), std::string::npos) << r.run.message;
}

}  // namespace
}  // namespace coophub
