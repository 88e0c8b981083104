// SPDX-License-Identifier: Apache-2.0
//
// Records back out: a running hub's /feeds/records.atom and /feeds/records.ics read by
// the project's own rss and ical connectors give back the records that went in.
#include <gtest/gtest.h>

#include <coophub/encoding.hpp>

#include <filesystem>
#include <set>
#include <tuple>

#include "support/hub_process.h"

namespace coophub {
namespace {

using testing::Hub;
using testing::ScratchHub;
using testing::TempDir;

using Row = std::tuple<std::string, std::string, std::string>;  // title, time, end

std::multiset<Row> Rows(const json& records) {
  std::multiset<Row> out;
  for (const auto& r : records) out.emplace(r.value("title", ""), r.value("time", ""), r.value("end", ""));
  return out;
}

TEST(Feeds, AtomAndIcsRoundTripThroughOurOwnConnectors) {
  TempDir dir;
  std::string demo = std::string(COOPHUB_SOURCE_DIR) + "/examples/demo/feeds/";
  std::string cfg = dir.Write("hub.yaml",
                              "sources:\n"
                              "  - id: news\n    plugin: rss\n    visibility: public\n"
                              "    config: {url: " +
                                  demo +
                                  "coop-news.xml}\n"
                                  "  - id: cal\n    plugin: ical\n    visibility: members\n"
                                  "    config: {url: " +
                                  demo + "coop-calendar.ics, window_future_days: 90}\n");
  Hub hub(cfg, dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  hub.WaitForRun("news");
  hub.WaitForRun("cal");
  json news = hub.Get("/api/v1/records?source=news&limit=500").Json()["items"];
  json cal = hub.Get("/api/v1/records?source=cal&limit=500").Json()["items"];
  ASSERT_GE(news.size(), 3u);
  ASSERT_GE(cal.size(), 5u);

  ScratchHub back;
  SyncResult atom = back.Sync("back-news", "rss", {{"url", hub.base() + "/feeds/records.atom?source=news&limit=500"}});
  ASSERT_TRUE(atom.ok()) << atom.run.message;
  json got_news = back.Records("back-news");
  std::multiset<std::tuple<std::string, std::string, std::string>> want, got;
  for (const auto& r : news) want.emplace(r["title"], r["time"], r.value("url", ""));
  for (const auto& r : got_news) got.emplace(r["title"], r["time"], r.value("url", ""));
  EXPECT_EQ(got, want) << "titles, times and links of the posts";

  // The calendar is for members: anonymous calendar apps get an empty one.
  json wide = {{"window_past_days", 3650}, {"window_future_days", 3650}};
  json anon = wide;
  anon["url"] = hub.base() + "/feeds/records.ics?source=cal&limit=500";
  SyncResult empty = back.Sync("anon-cal", "ical", anon);
  ASSERT_TRUE(empty.ok()) << empty.run.message;
  EXPECT_EQ(back.Records("anon-cal").size(), 0u);

  // With the token as a basic-auth password, as calendar apps send it.
  json member = anon;
  member["auth_header"] = "Basic " + Base64Encode("calendar-app:" + hub.token());
  SyncResult ics = back.Sync("back-cal", "ical", member);
  ASSERT_TRUE(ics.ok()) << ics.run.message;
  json got_cal = back.Records("back-cal");
  EXPECT_EQ(Rows(got_cal), Rows(cal)) << "titles, starts and ends of every occurrence";
  int all_day_in = 0, all_day_out = 0;
  for (const auto& r : cal) all_day_in += r["data"].value("all_day", false);
  for (const auto& r : got_cal) all_day_out += r["data"].value("all_day", false);
  EXPECT_GT(all_day_in, 0);
  EXPECT_EQ(all_day_out, all_day_in) << "all-day events stay dates";

  testing::Http feed = hub.GetAnon("/feeds/records.atom?kind=nonsense");
  EXPECT_EQ(feed.status, 400);
  EXPECT_EQ(hub.GetAnon("/feeds/records.rss").status, 404);
}

// A record's url with CR/LF used to be written raw into /feeds/records.ics, forging
// whole VEVENTs; every field of a hostile record must come back as exactly one entry.
TEST(Feeds, HostileRecordValuesCannotForgeEntries) {
  TempDir dir;
  const std::string forged = "https://x.example/\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:forged\r\nSUMMARY:Forged";
  json hostile = {{"id", "h1"},
                  {"kind", "event"},
                  {"time", "2026-12-12T13:00:00Z"},
                  {"end", "2026-12-12T14:00:00Z"},
                  {"title", "Meeting\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Forged</title><entry>"},
                  {"summary", "a\u0001b\u007f; c, d\\"},
                  {"url", forged},
                  {"location", {{"name", "Room 1\r\nATTENDEE:mailto:x@evil.example"}}},
                  {"data", {{"all_day", "yes"}, {"date", "2026-12-12\r\nX:1"}}}};
  json line = {{"type", "RECORD"}, {"stream", "e"}, {"record", hostile}};
  std::string script = dir.Write("hostile.sh", "#!/bin/sh\ncat <<'EOF'\n" + line.dump() + "\nEOF\n");
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  std::string cfg = dir.Write(
      "hub.yaml", "sources:\n  - id: evil\n    plugin: exec:" + script + "\n    visibility: public\n    every: 1h\n");
  Hub hub(cfg, dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  ASSERT_EQ(hub.WaitForRun("evil")["records"], 1) << hub.log();

  std::string ics = hub.GetAnon("/feeds/records.ics").body;
  size_t bare = 0;
  for (size_t i = 0; i < ics.size(); ++i)
    if ((ics[i] == '\n' && (i == 0 || ics[i - 1] != '\r')) || (ics[i] == '\r' && ics[i + 1] != '\n')) ++bare;
  EXPECT_EQ(bare, 0u) << "no raw CR or LF inside a line:\n" << ics;
  EXPECT_EQ(ics.find("\r\nUID:forged"), std::string::npos) << ics;
  EXPECT_EQ(ics.find("\r\nATTENDEE"), std::string::npos) << ics;

  ScratchHub back;
  json wide = {{"url", hub.base() + "/feeds/records.ics"}, {"window_past_days", 3650}, {"window_future_days", 3650}};
  SyncResult cal = back.Sync("back-cal", "ical", wide);
  ASSERT_TRUE(cal.ok()) << cal.run.message;
  json events = back.Records("back-cal");
  ASSERT_EQ(events.size(), 1u) << "one event in, one out: " << events.dump();
  EXPECT_EQ(events[0]["title"], "Meeting\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:Forged</title><entry>")
      << "the title comes back whole, as text";
  EXPECT_EQ(events[0].value("url", ""), "") << "a URL that is not one is left out";

  SyncResult atom = back.Sync("back-news", "rss", {{"url", hub.base() + "/feeds/records.atom"}});
  ASSERT_TRUE(atom.ok()) << atom.run.message;
  json entries = back.Records("back-news");
  ASSERT_EQ(entries.size(), 1u) << entries.dump();
  EXPECT_NE(entries[0]["title"].get<std::string>().find("</title><entry>"), std::string::npos) << entries.dump();
}

}  // namespace
}  // namespace coophub
