// SPDX-License-Identifier: Apache-2.0
//
// The file-reading connectors through a real worker into a real store. csv: mapping, a
// bad row that fails the run with its file and line (or is skipped with a warning),
// check. ical: the demo calendar's recurring events, all-day items and to-dos.
#include <gtest/gtest.h>

#include "config/config.h"
#include "store/store.h"
#include "sync/sync.h"
#include "support/hub_process.h"

namespace coophub {
namespace {

const char* kLedger =
    "Ref;Date;Label;Amount;Category\n"
    "T-1;01/11/2026;Office rent;-1.200,00;fixed\n"
    "T-2;05/11/2026;Client invoice 2026-041;3.450,75;income\n"
    "T-3;07/11/2026;\"Train; Paris\";-89,90;travel\n";

class CsvPlugin : public ::testing::Test {
 protected:
  SyncResult Sync(const json& config) { return hub_.Sync("ledger", "csv", config); }
  json LedgerConfig(const std::string& file) {
    return {
        {"url", file},
        {"delimiter", ";"},
        {"kind", "transaction"},
        {"time_format", "%d/%m/%Y"},
        {"currency", "EUR"},
        {"decimal_comma", true},
        {"columns", {{"id", "Ref"}, {"time", "Date"}, {"title", "Label"}, {"amount", "Amount"}, {"tags", "Category"}}}};
  }

  testing::ScratchHub hub_;
  const testing::TempDir& dir_ = hub_.dir();
  Store* store_ = &hub_.store();
};

TEST_F(CsvPlugin, MapsALedgerIntoTransactions) {
  dir_.Write("ledger.csv", kLedger);
  SyncResult r = Sync(LedgerConfig("ledger.csv"));  // relative to hub.yaml's directory
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(r.received, 3);
  json items = hub_.Records("ledger");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0]["title"], "Train; Paris");
  EXPECT_EQ(items[0]["amount"], (json{{"value", "-89.90"}, {"currency", "EUR"}}));
  EXPECT_EQ(items[1]["amount"]["value"], "3450.75");
  EXPECT_EQ(items[2]["time"], "2026-11-01T00:00:00Z");
  EXPECT_EQ(items[2]["tags"], json({"fixed"}));
}

TEST_F(CsvPlugin, BadRowFailsTheRunNamingFileAndLine) {
  std::string file =
      dir_.Write("ledger.csv", std::string(kLedger) + "T-4;08/11/2026;Lunch\nT-5;09/11/2026;Books;-20,00;office\n");
  SyncResult r = Sync(LedgerConfig(file));
  EXPECT_EQ(r.run.outcome, RunResult::Outcome::kConnectorError);
  EXPECT_EQ(r.run.message,
            "file://" + file + " line 5: 3 fields where the header has 5 (set on_bad_row: skip to skip such rows)");
}

TEST_F(CsvPlugin, SkippedRowsAreLoggedAndTheRestKept) {
  std::string file =
      dir_.Write("ledger.csv",
                 std::string(kLedger) +
                     "T-4;08/11/2026;Lunch\nT-5;31/02/2026x;Books;-20,00;office\nT-6;09/11/2026;Books;-20,00;office\n");
  json cfg = LedgerConfig(file);
  cfg["on_bad_row"] = "skip";
  SyncResult r = Sync(cfg);
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(r.received, 4);
  std::string log;
  for (const auto& l : store_->RunLogs(r.run_id).value()) log += l.message + "\n";
  EXPECT_NE(log.find("line 5: 3 fields where the header has 5"), std::string::npos) << log;
  EXPECT_NE(log.find("line 6: column \"Date\": \"31/02/2026x\" is not a time in the format %d/%m/%Y"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("2 bad rows skipped"), std::string::npos) << log;
}

// The file is the whole truth: a row gone from it is gone from the hub, unless some row
// could not be read (it may be the one that seems gone).
TEST_F(CsvPlugin, RowsRemovedFromTheFileAreDeleted) {
  std::string file = dir_.Write("ledger.csv", kLedger);
  json cfg = LedgerConfig(file);
  cfg["on_bad_row"] = "skip";
  ASSERT_TRUE(Sync(cfg).ok());
  ASSERT_EQ(hub_.Records("ledger").size(), 3u);
  std::string header = "Ref;Date;Label;Amount;Category\n", t1 = "T-1;01/11/2026;Office rent;-1.200,00;fixed\n",
              t3 = "T-3;07/11/2026;\"Train; Paris\";-89,90;travel\n";
  dir_.Write("ledger.csv", header + t1 + t3);
  SyncResult r = Sync(cfg);
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(r.deleted, 1);
  ASSERT_EQ(hub_.Records("ledger").size(), 2u);

  dir_.Write("ledger.csv", header + t1 + "T-3;07/11/2026;Train\n");  // T-3 now unreadable
  SyncResult bad = Sync(cfg);
  ASSERT_TRUE(bad.ok()) << bad.run.message;
  EXPECT_EQ(bad.deleted, 0);
  EXPECT_EQ(hub_.Records("ledger").size(), 2u) << "T-3 is kept while its row cannot be read";
}

// RFC 4180: a quote inside an unquoted field is a bad row (failed, or skipped with the
// rest read on); lenient_quotes takes it as written.
TEST_F(CsvPlugin, AStrayQuoteIsABadRowUnlessLenient) {
  std::string file =
      dir_.Write("ledger.csv", std::string(kLedger) +
                                   "T-4;08/11/2026;Screen 27\";-150,00;office\nT-5;09/11/2026;Books;-20,00;office\n");
  SyncResult strict = Sync(LedgerConfig(file));
  EXPECT_EQ(strict.run.outcome, RunResult::Outcome::kConnectorError);
  EXPECT_NE(strict.run.message.find("line 5: a quote inside a field that is not quoted"), std::string::npos)
      << strict.run.message;
  json skip = LedgerConfig(file);
  skip["on_bad_row"] = "skip";
  SyncResult skipped = Sync(skip);
  ASSERT_TRUE(skipped.ok()) << skipped.run.message;
  EXPECT_EQ(skipped.received, 4) << "the row after the bad one is read";
  json lenient = LedgerConfig(file);
  lenient["lenient_quotes"] = true;
  SyncResult taken = Sync(lenient);
  ASSERT_TRUE(taken.ok()) << taken.run.message;
  EXPECT_EQ(taken.received, 5);
  bool found = false;
  for (const auto& r : hub_.Records("ledger")) found |= r["title"] == "Screen 27\"";
  EXPECT_TRUE(found) << "taken as written";
}

TEST_F(CsvPlugin, CheckNamesAMissingColumn) {
  std::string file = dir_.Write("ledger.csv", kLedger);
  std::string out, err;
  json cfg = LedgerConfig(file);
  cfg["columns"]["title"] = "Description";
  int rc = testing::RunCommand({COOPHUB_BINARY, "check", "csv", "--config", cfg.dump()}, &out, &err);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("config.columns.title: no column \"Description\""), std::string::npos) << err;
  EXPECT_NE(err.find("its columns: Ref, Date, Label, Amount, Category"), std::string::npos) << err;
  cfg["columns"]["title"] = "Label";
  rc = testing::RunCommand({COOPHUB_BINARY, "check", "csv", "--config", cfg.dump()}, &out, &err);
  EXPECT_EQ(rc, 0) << err;
}

TEST_F(CsvPlugin, WrongEncodingIsNamed) {
  std::string file = dir_.Write("latin.csv", "name\ncaf\xe9\n");
  SyncResult r = Sync({{"url", file}});
  EXPECT_EQ(r.run.outcome, RunResult::Outcome::kConnectorError);
  EXPECT_EQ(r.run.message, "file://" + file +
                               " line 2: not valid UTF-8 at byte 8: set encoding to the file's own "
                               "(often latin1 or windows-1252 for spreadsheet exports)");
  SyncResult fixed = Sync({{"url", file}, {"encoding", "latin1"}});
  ASSERT_TRUE(fixed.ok()) << fixed.run.message;
  EXPECT_EQ(hub_.Records()[0]["data"]["name"], "caf\xc3\xa9");
}

TEST(IcalPlugin, TheDemoCalendarBecomesEventsAndTasks) {
  testing::ScratchHub hub;
  std::string ics = std::string(COOPHUB_SOURCE_DIR) + "/examples/demo/feeds/coop-calendar.ics";
  SyncResult r = hub.Sync("calendar", "ical", {{"url", ics}, {"window_past_days", 0}, {"window_future_days", 365}});
  ASSERT_TRUE(r.ok()) << r.run.message;
  int coffees = 0, tasks = 0, agm = 0;
  for (const auto& rec : hub.Records()) {
    coffees += rec.value("title", "") == "Members' coffee";
    tasks += rec["kind"] == "task";
    agm += rec.value("id", "") == "agm-2026@riverside.coop";
  }
  EXPECT_GE(coffees, 50) << "a weekly event over the coming year, less one EXDATE";
  EXPECT_LE(coffees, 53);
  EXPECT_EQ(tasks, 1);
  EXPECT_EQ(agm, 1);
  SyncResult bad = hub.Sync("calendar", "ical", {{"url", std::string(COOPHUB_SOURCE_DIR) + "/README.md"}});
  EXPECT_EQ(bad.run.outcome, RunResult::Outcome::kConnectorError);
  EXPECT_NE(bad.run.message.find("README.md: not iCalendar"), std::string::npos) << bad.run.message;
}

TEST(IcalPlugin, EventsRemovedFromTheCalendarAreDeleted) {
  testing::ScratchHub hub;
  auto cal = [](const std::string& events) {
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n" + events + "END:VCALENDAR\r\n";
  };
  auto event = [](const char* uid, const char* summary) {
    return std::string("BEGIN:VEVENT\r\nUID:") + uid + "\r\nSUMMARY:" + summary +
           "\r\nDTSTART:20261210T100000Z\r\nDTEND:20261210T110000Z\r\nEND:VEVENT\r\n";
  };
  std::string file =
      hub.dir().Write("cal.ics", cal(event("a", "Kept") + event("b", "Changed") + event("c", "Deleted")));
  json config = {{"url", file}, {"window_past_days", 3650}};
  ASSERT_TRUE(hub.Sync("cal", "ical", config).ok());
  ASSERT_EQ(hub.Records().size(), 3u);
  hub.dir().Write("cal.ics", cal(event("a", "Kept") + event("b", "Changed, new title")));
  SyncResult r = hub.Sync("cal", "ical", config);
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(r.deleted, 1);
  std::vector<std::string> titles;
  for (const auto& rec : hub.Records()) titles.push_back(rec["title"]);
  std::sort(titles.begin(), titles.end());
  EXPECT_EQ(titles, (std::vector<std::string>{"Changed, new title", "Kept"}));
}

}  // namespace
}  // namespace coophub
