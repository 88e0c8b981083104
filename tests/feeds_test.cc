// SPDX-License-Identifier: Apache-2.0
//
// Records back out: a running hub's /feeds/records.atom and /feeds/records.ics read by
// the project's own rss and ical connectors give back the records that went in.
#include <gtest/gtest.h>

#include <coophub/encoding.hpp>

#include <set>
#include <tuple>

#include "test_util.h"

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
  std::string cfg = dir.Write("hub.yaml", "sources:\n"
                                          "  - id: news\n    plugin: rss\n    visibility: public\n"
                                          "    config: {url: " + demo + "coop-news.xml}\n"
                                          "  - id: cal\n    plugin: ical\n    visibility: members\n"
                                          "    config: {url: " + demo + "coop-calendar.ics, window_future_days: 90}\n");
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

}  // namespace
}  // namespace coophub
