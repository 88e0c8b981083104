// SPDX-License-Identifier: Apache-2.0
//
// Misbehaving plugins, each run through a real worker process into a real SQLite store:
// each must end with its exact error, and the records committed before the failure
// must still be there.
#include <gtest/gtest.h>

#include "config/config.h"
#include "runtime/runner.h"
#include "store/store.h"
#include "sync/sync.h"
#include "support/hub_process.h"

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
  testing::ScratchHub hub;
  Outcome o;
  o.sync = hub.Sync("fx", FixturePlugin(fixture), json::object(), limits);
  for (const auto& item : hub.Records("fx")) o.ids.push_back(item["id"]);
  o.state = hub.store().LoadState("fx").value();
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

// Each misbehaving plugin, the limits it runs under, and what its run must say.
struct BadPlugin {
  const char* fixture;
  RunResult::Outcome outcome;
  std::vector<std::string> says;  // substrings of the run's message
  bool commits_first = true;      // it commits r1, r2 and a STATE before misbehaving
  int64_t timeout_ms = 60000;
  // Silent but busy fixtures get a long heartbeat, so that only the limit under test can
  // stop them, however slow a loaded machine makes them.
  int64_t heartbeat_ms = 1500;
};

const BadPlugin kBadPlugins[] = {
    {"crash", RunResult::Outcome::kCrashed, {"killed by SIGSEGV (segmentation fault)", "after line 4"}},
    {"hang",
     RunResult::Outcome::kCrashed,
     {"no output for 1500 ms (limits.heartbeat)", "killed with SIGKILL after line 4"}},
    {"hang", RunResult::Outcome::kCrashed, {"time limit of 1 s (limits.timeout)"}, true, 1000},
    {"garbage", RunResult::Outcome::kBadOutput, {"line 5: not a JSON object: \"debug: fetched page 2\""}},
    {"bigline",
     RunResult::Outcome::kCrashed,
     {"line 5 is longer than the 8 MiB line limit (limits.max_line)"},
     true,
     60000,
     60000},
    {"alloc", RunResult::Outcome::kCrashed, {"memory limit of 256 MiB (limits.memory)"}, true, 60000, 60000},
    {"wrong_abi", RunResult::Outcome::kLoadError, {"built for plugin ABI 99", "this hub speaks ABI 2"}, false},
    {"no_entry", RunResult::Outcome::kLoadError, {"has no symbol coophub_plugin_entry", "nm -D"}, false},
};

class WorkerLimits : public ::testing::TestWithParam<BadPlugin> {};

TEST_P(WorkerLimits, EndsWithItsErrorAndKeepsWhatWasCommitted) {
  const BadPlugin& bad = GetParam();
  Limits limits = Fast();
  limits.heartbeat_ms = bad.heartbeat_ms;
  if (bad.timeout_ms < limits.timeout_ms) {
    limits.timeout_ms = bad.timeout_ms;
    limits.heartbeat_ms = 60000;
  }
  Outcome o = SyncFixture(bad.fixture, limits);
  EXPECT_EQ(o.sync.run.outcome, bad.outcome) << o.sync.run.message;
  for (const auto& s : bad.says) EXPECT_NE(o.sync.run.message.find(s), std::string::npos) << o.sync.run.message;
  if (bad.commits_first)
    ExpectCommittedKept(o);
  else
    EXPECT_TRUE(o.ids.empty());
}

INSTANTIATE_TEST_SUITE_P(BadPlugins, WorkerLimits, ::testing::ValuesIn(kBadPlugins),
                         [](const ::testing::TestParamInfo<BadPlugin>& info) {
                           return std::string(info.param.fixture) + (info.param.timeout_ms < 60000 ? "_timeout" : "");
                         });

TEST(GoodPlugin, CommitsEverythingAndResumes) {
  testing::ScratchHub hub;
  json config = {{"count", 2500}, {"state_every", 1000}};
  SyncResult r = hub.Sync("count", FixturePlugin("count"), config);
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(r.received, 2500);
  EXPECT_EQ(r.changed, 2500);
  EXPECT_EQ(hub.store().LoadState("count").value()["numbers"]["upto"], 2500);
  // A second sync resumes after the state and brings nothing new.
  SyncResult again = hub.Sync("count", FixturePlugin("count"), config);
  ASSERT_TRUE(again.ok()) << again.run.message;
  EXPECT_EQ(again.received, 0);
}

// DuckDB's model: a plugin built against a newer SDK loads when the host meets the ABI
// it says it needs (min_host_abi), whatever ABI it was built against.
TEST(GoodPlugin, ANewerSdkPluginNeedingOnlyThisAbiRuns) {
  testing::ScratchHub hub;
  SyncResult r = hub.Sync("newer", FixturePlugin("newer_sdk"));
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(r.received, 2);
}

// And one built against the ABI 1 SDK, whose descriptor ends before subject: the host
// reads nothing past its size (a stray pointer lies there).
TEST(GoodPlugin, AnAbi1PluginRuns) {
  testing::ScratchHub hub;
  SyncResult r = hub.Sync("older", FixturePlugin("older_sdk"));
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(r.received, 2);
}

TEST(ExecConnectors, SingerTapRunsAndResumesFromItsState) {
  testing::ScratchHub hub;
  std::string tap = std::string("singer:") + COOPHUB_SOURCE_DIR + "/tests/fixtures/singer_tap.sh";
  SyncResult r = hub.Sync("members", tap);
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(r.received, 3);
  json items = hub.Records();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0]["data"]["name"], "Member 3");
  EXPECT_EQ(items[0]["title"], "Member 3");
  EXPECT_EQ(hub.store().LoadState("members").value()["_singer"]["last_id"], 3);
  SyncResult again = hub.Sync("members", tap);
  ASSERT_TRUE(again.ok()) << again.run.message;
  EXPECT_EQ(again.received, 0) << "the tap got its state back and emitted nothing new";
}

// A Python tap's stderr: each logging line at its own level, and a crash named by the
// exception it raised and where, not by what an exit handler logged after it.
TEST(ExecConnectors, APythonTapsLogLevelsAndItsExceptionAreRead) {
  testing::ScratchHub hub;
  std::string tap = std::string("singer:") + COOPHUB_SOURCE_DIR + "/tests/fixtures/python_tap.py";
  SyncResult r = hub.Sync("members", tap);
  EXPECT_EQ(r.run.outcome, RunResult::Outcome::kCrashed) << "exit 1 without an ERROR message: " << r.run.message;
  EXPECT_NE(r.run.message.find("it raised ConnectionError: members API refused page 2 (File \""), std::string::npos)
      << r.run.message;
  EXPECT_NE(r.run.message.find("in fetch_page)"), std::string::npos) << r.run.message;
  std::map<std::string, std::string> level;
  for (const auto& l : hub.store().RunLogs(r.run_id).value()) level[l.message] = l.level;
  EXPECT_EQ(level["stderr: INFO tap_fixture: Beginning sync of stream 'members'"], "info");
  EXPECT_EQ(level["stderr: WARNING tap_fixture: field 'phone' has no type"], "warn");
  EXPECT_EQ(level["stderr: DEBUG tap_fixture: config read"], "debug");
  EXPECT_EQ(level["stderr: ConnectionError: members API refused page 2"], "warn") << "no level word: a warning";
}

TEST(ExecConnectors, MissingProgramIsNamed) {
  testing::ScratchHub hub;
  SyncResult r = hub.Sync("x", "exec:./no-such-script.sh");
  EXPECT_EQ(r.run.outcome, RunResult::Outcome::kLoadError);
  EXPECT_NE(r.run.message.find("cannot run \"./no-such-script.sh\" in " + hub.dir().path()), std::string::npos)
      << r.run.message;
}

}  // namespace
}  // namespace coophub
