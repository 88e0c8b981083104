// SPDX-License-Identifier: Apache-2.0
// Singer taps as real ones behave (tests/fixtures/singer_catalog_tap.py, in Python as
// taps are): a catalog over many lines, streams selected through --catalog or
// --properties, full-table versions, bookmarks, BATCH files, logging on stderr.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "sync/sync.h"
#include "support/hub_process.h"

namespace coophub {
namespace {

const std::string kTap = std::string("singer:") + COOPHUB_SOURCE_DIR + "/tests/fixtures/singer_catalog_tap.py";

class SingerTap : public ::testing::Test {
 protected:
  // The tap's rows: {stream: [rows]}, in a file its config names.
  void SetRows(const json& rows) { std::ofstream(hub_.dir().path() + "/rows.json") << rows.dump(); }

  SourceConfig Source(json extra = json::object()) {
    SourceConfig src;
    src.id = "crm";
    src.plugin = kTap;
    src.config = {{"data", hub_.dir().path() + "/rows.json"}};
    src.config.update(extra);
    return src;
  }

  std::set<std::string> Ids(const std::string& stream) {
    std::set<std::string> ids;
    for (const auto& r : hub_.Records("crm"))
      if (r["stream"] == stream) ids.insert(r["id"].get<std::string>());
    return ids;
  }

  std::string Logs(int64_t run_id) {
    std::string all;
    for (const auto& l : hub_.store().RunLogs(run_id).value()) all += l.level + ": " + l.message + "\n";
    return all;
  }

  static json Members(std::initializer_list<int> ids) {
    json rows = json::array();
    for (int id : ids) rows.push_back({{"id", id}, {"name", "Member " + std::to_string(id)}, {"phone", "555"}});
    return rows;
  }

  testing::ScratchHub hub_;
};

TEST_F(SingerTap, DiscoverReadsTheCatalogPrintedOverManyLines) {
  ConnectorRef ref{ConnectorRef::Kind::kSinger, kTap.substr(7), kTap};
  RunRequest req;
  req.command = Command::kDiscover;
  req.config = {{"data", "/nonexistent"}};
  std::vector<std::string> names;
  json key;
  RunResult r = RunConnector(ref, req, [&](Message&& m) {
    if (m.type == MsgType::kStream) {
      names.push_back(m.stream);
      if (m.stream == "members") key = m.body["key"];
    }
    return Status::Ok();
  });
  ASSERT_EQ(r.outcome, RunResult::Outcome::kOk) << r.message;
  EXPECT_EQ(names, (std::vector<std::string>{"members", "shifts", "audit"}));
  EXPECT_EQ(key, json::array({"id"})) << "from the metadata's table-key-properties";

  req.command = Command::kCheck;
  std::string said;
  r = RunConnector(ref, req, [&](Message&& m) {
    if (m.type == MsgType::kCheck && m.ok) said = m.message;
    return Status::Ok();
  });
  ASSERT_EQ(r.outcome, RunResult::Outcome::kOk) << r.message;
  EXPECT_EQ(said, "the tap's catalog has 3 stream(s): members, shifts, audit");
}

TEST_F(SingerTap, TheSelectedStreamsAreSyncedThroughTheCatalog) {
  SetRows({{"members", Members({1, 2})},
           {"shifts",
            {{{"id", 7},
              {
                  "title",
                  "Tuesday",
              },
              {"updated", "2026-11-01"}}}},
           {"audit", {{{"id", 1}, {"what", "login"}}}}});
  SourceConfig src = Source();
  src.streams = {"members", "shifts"};
  SyncResult r = hub_.Sync(src);
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(Ids("members"), (std::set<std::string>{"1", "2"}));
  EXPECT_EQ(Ids("shifts"), std::set<std::string>{"7"});
  EXPECT_TRUE(Ids("audit").empty()) << "not selected";
  json state = hub_.store().LoadState("crm").value();
  EXPECT_EQ(state["_singer"]["bookmarks"]["shifts"]["updated"], "2026-11-01") << "the tap's STATE is kept";
  ASSERT_TRUE(state.contains("_singer_catalog")) << "the catalog is kept with the source";
  EXPECT_EQ(state["_singer_catalog"]["streams"].size(), 3u);
  EXPECT_NE(Logs(r.run_id).find("info: stderr: INFO Beginning sync of stream 'members'"), std::string::npos)
      << Logs(r.run_id);

  // Incremental: the next run hands the bookmark back and gets only what is newer.
  SetRows({{"members", Members({1, 2})},
           {"shifts",
            {{{"id", 7}, {"title", "Tuesday"}, {"updated", "2026-11-01"}},
             {{"id", 8}, {"title", "Friday"}, {"updated", "2026-11-05"}}}}});
  SyncResult again = hub_.Sync(src);
  ASSERT_TRUE(again.ok()) << again.run.message;
  EXPECT_EQ(Ids("shifts"), (std::set<std::string>{"7", "8"}));
}

// The tap takes whichever flag it declares; told outright, --properties works as well.
// Given no catalog at all, a catalog-driven tap syncs nothing: what the hub did before.
TEST_F(SingerTap, TheCatalogFlagIsTheOneTheTapTakes) {
  SetRows({{"members", Members({1})}});
  SourceConfig src = Source();
  src.streams = {"members"};
  src.singer = {{"catalog", "properties"}};
  SyncResult r = hub_.Sync(src);
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(r.received, 1);

  testing::ScratchHub other;
  SourceConfig none = src;
  none.singer = {{"catalog", "none"}};
  SyncResult nothing = other.Sync(none);
  ASSERT_TRUE(nothing.ok()) << nothing.run.message;
  EXPECT_EQ(nothing.received, 0) << "without a catalog the tap selects nothing";
}

TEST_F(SingerTap, AStreamNotInTheCatalogIsNamed) {
  SetRows({{"members", Members({1})}});
  SourceConfig src = Source();
  src.streams = {"members", "payroll"};
  SyncResult r = hub_.Sync(src);
  EXPECT_EQ(r.run.outcome, RunResult::Outcome::kConnectorError);
  EXPECT_NE(r.run.message.find("streams: payroll not in the tap's catalog, which has: members, shifts, audit"),
            std::string::npos)
      << r.run.message;
  EXPECT_TRUE(hub_.Records("crm").empty());
}

// FULL_TABLE: each pass is a version; when it is activated, the rows of older versions
// are gone from the table, and so from the hub.
TEST_F(SingerTap, AFullTablePassDeletesTheRowsItNoLongerHas) {
  SetRows({{"members", Members({1, 2, 3})}});
  SourceConfig src = Source();
  src.streams = {"members"};
  ASSERT_TRUE(hub_.Sync(src).ok());
  EXPECT_EQ(Ids("members"), (std::set<std::string>{"1", "2", "3"}));

  SetRows({{"members", Members({1, 3, 4})}});
  SyncResult r = hub_.Sync(src);
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(Ids("members"), (std::set<std::string>{"1", "3", "4"}));
  EXPECT_EQ(r.deleted, 1);
  EXPECT_EQ(r.changed, 1) << "1 and 3 came again unchanged: only 4 is new";
}

// A pass cut short resumes in the same version on the next run: the rows the first part
// sent are part of it and stay; only what the whole pass did not send goes.
TEST_F(SingerTap, APassResumedAfterACrashKeepsWhatItsFirstPartSent) {
  SetRows({{"members", Members({1, 2, 3, 4, 5})}});
  SourceConfig src = Source();
  src.streams = {"members"};
  ASSERT_TRUE(hub_.Sync(src).ok());

  SetRows({{"members", Members({1, 2, 3, 4, 6})}});
  SyncResult cut = hub_.Sync(Source({{"crash_after", 2}}));
  EXPECT_EQ(cut.run.outcome, RunResult::Outcome::kCrashed);
  EXPECT_NE(cut.run.message.find("it raised RuntimeError: lost the connection to the members table at row 2"),
            std::string::npos)
      << cut.run.message;
  EXPECT_EQ(Ids("members"), (std::set<std::string>{"1", "2", "3", "4", "5"})) << "nothing is deleted mid-pass";

  SyncResult rest = hub_.Sync(src);
  ASSERT_TRUE(rest.ok()) << rest.run.message;
  EXPECT_EQ(Ids("members"), (std::set<std::string>{"1", "2", "3", "4", "6"}));
}

TEST_F(SingerTap, WhenDiscoveryFailsTheKeptCatalogIsUsed) {
  SetRows({{"members", Members({1})}});
  SourceConfig src = Source();
  src.streams = {"members"};
  ASSERT_TRUE(hub_.Sync(src).ok());
  SetRows({{"members", Members({1, 2})}});
  SourceConfig failing = Source({{"fail_discovery", true}});
  failing.streams = src.streams;
  SyncResult r = hub_.Sync(failing);
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(Ids("members"), (std::set<std::string>{"1", "2"}));
  EXPECT_NE(Logs(r.run_id).find("warn: discovery (--discover) failed"), std::string::npos) << Logs(r.run_id);
  EXPECT_NE(Logs(r.run_id).find("syncing with the catalog kept from the last run"), std::string::npos);

  testing::ScratchHub fresh;  // no catalog kept: the run fails and says why
  SyncResult first = fresh.Sync(failing);
  EXPECT_EQ(first.run.outcome, RunResult::Outcome::kCrashed);
  EXPECT_NE(first.run.message.find("discovery (--discover) failed, so there is no catalog to sync with"),
            std::string::npos)
      << first.run.message;
  EXPECT_NE(first.run.message.find("ConnectionError: the database refused the connection"), std::string::npos);
}

TEST_F(SingerTap, BatchFilesAreRead) {
  SetRows({{"shifts",
            {{{"id", 7}, {"title", "Tuesday"}, {"updated", "2026-11-01"}},
             {{"id", 8}, {"title", "Friday"}, {"updated", "2026-11-02"}}}}});
  SourceConfig src = Source({{"batch", true}, {"batch_dir", hub_.dir().path()}});
  src.streams = {"shifts"};
  SyncResult r = hub_.Sync(src);
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(Ids("shifts"), (std::set<std::string>{"7", "8"}));
  EXPECT_EQ(hub_.Records("crm")[0]["title"], "Friday");
}

// A plugin or exec connector cannot make the hub read a file by naming it in a BATCH.
TEST(SingerBatch, OnlySingerTapsMayNameFiles) {
  testing::ScratchHub hub;
  std::string file = hub.dir().path() + "/rows.jsonl";
  std::ofstream(file) << R"({"id": 1, "name": "secret"})"
                      << "\n";
  SourceConfig src;
  src.id = "x";
  src.plugin = "exec:./x.sh";
  int64_t run = hub.store().BeginRun("x", "cli").value();
  Status s = IngestLines(
      hub.store(), src, run,
      R"({"type":"BATCH","stream":"s","encoding":{"format":"jsonl"},"manifest":["file://)" + file + "\"]}\n");
  EXPECT_NE(s.message().find("BATCH is read from Singer taps (singer:) only"), std::string::npos) << s.message();
  EXPECT_TRUE(hub.Records().empty());
}

}  // namespace
}  // namespace coophub
