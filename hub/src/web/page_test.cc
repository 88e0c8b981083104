// SPDX-License-Identifier: Apache-2.0
// The dashboard as rendered for a reader, with a fixed clock: times by calendar days in
// the reader's zone, the agenda's groups, series and "mine", and what each reader is
// told of a source that is behind.
#include "web/page.h"

#include <gtest/gtest.h>

#include "api/api.h"
#include "base/timeutil.h"

namespace coophub {
namespace {

class PageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    d.ctx.catalogs = &catalogs;
    d.ctx.now = *ParseRfc3339("2026-12-01T20:30:00Z");  // Tuesday 21:30 in Paris
    d.ctx.zone = "Europe/Paris";
    d.ctx.lang = "en-GB";
    d.dashboard_id = "members";
  }
  static json Event(const std::string& id, const std::string& start, const std::string& end = "") {
    json r = {{"id", id}, {"source", "cal"}, {"kind", "event"}, {"title", "Event " + id}, {"time", start}};
    if (!end.empty()) r["end"] = end;
    return r;
  }
  WidgetData Agenda(std::vector<json> records) {
    WidgetData w;
    w.config.type = "agenda";
    w.records = std::move(records);
    w.later.resize(w.records.size());
    return w;
  }
  // From the first element of class cls on.
  static std::string Section(const std::string& page, const std::string& cls) {
    size_t at = page.find("class=\"" + cls);
    return at == std::string::npos ? "" : page.substr(at, 1500);
  }
  Catalogs catalogs = Catalogs::Load(DefaultWebDir() + "/i18n");
  PageData d;
};

TEST_F(PageTest, TwoShiftsOnOneDayAreTheSameDayAway) {
  d.widgets.push_back(Agenda({Event("early", "2026-12-07T06:00:00Z", "2026-12-07T10:00:00Z"),
                              Event("late", "2026-12-07T19:00:00Z", "2026-12-07T22:00:00Z")}));
  std::string page = RenderDashboard(d);
  // Monday is six calendar days from Tuesday, whatever the hour: the coming Monday.
  EXPECT_NE(page.find(">Monday 07:00–11:00</time>"), std::string::npos) << page;
  EXPECT_NE(page.find(">Monday 20:00–23:00</time>"), std::string::npos);
  EXPECT_NE(page.find("data-tz=\"Europe/Paris\""), std::string::npos) << "the page says which zone it speaks";
}

TEST_F(PageTest, RelativeDaysFollowTheClockAcrossMidnight) {
  d.widgets.push_back(Agenda({Event("1", "2026-12-04T12:00:00Z")}));  // Friday 13:00
  EXPECT_NE(RenderDashboard(d).find(">Friday 13:00</time>"), std::string::npos) << "never the day after tomorrow";
  d.ctx.now = *ParseRfc3339("2026-12-02T23:30:00Z");  // Thursday 00:30 in Paris
  EXPECT_NE(RenderDashboard(d).find(">tomorrow 13:00</time>"), std::string::npos);
  d.ctx.zone = "America/New_York";  // still Wednesday 18:30 there
  EXPECT_NE(RenderDashboard(d).find(">Friday 07:00</time>"), std::string::npos);
}

TEST_F(PageTest, TheAgendaGroupsByDayAndFoldsTheRest) {
  std::vector<json> events = {Event("a", "2026-12-01T20:00:00Z"),   // began at 21:00 today
                              Event("b", "2026-12-02T08:00:00Z"),   // tomorrow
                              Event("c", "2026-12-06T08:00:00Z")};  // Sunday: still this week
  for (int i = 0; i < 5; ++i)
    events.push_back(Event("l" + std::to_string(i), "2026-12-1" + std::to_string(i) + "T08:00:00Z"));
  d.widgets.push_back(Agenda(events));
  std::string page = RenderDashboard(d);
  size_t today = page.find(">Today</h3>"), week = page.find(">This week</h3>"), later = page.find(">Later</h3>");
  ASSERT_NE(today, std::string::npos) << page;
  ASSERT_NE(week, std::string::npos);
  ASSERT_NE(later, std::string::npos);
  EXPECT_LT(today, page.find("Event a"));
  EXPECT_LT(page.find("Event a"), week);
  EXPECT_LT(week, page.find("Event c"));
  EXPECT_LT(page.find("Event c"), later);
  // Six in view, the other two behind "show more", which needs no script.
  size_t more = page.find("<details class=\"more\"><summary>Show 2 more</summary>");
  ASSERT_NE(more, std::string::npos) << page;
  EXPECT_GT(page.find("Event l3"), more);
  EXPECT_LT(page.find("Event l2"), more);
}

TEST_F(PageTest, ASeriesIsShownOnceWithItsNextDates) {
  WidgetData w = Agenda({Event("s/1", "2026-12-02T08:00:00Z")});
  w.later[0] = {"2026-12-09T08:00:00Z", "2026-12-16T08:00:00Z", "2026-12-23T08:00:00Z", "2026-12-30T08:00:00Z"};
  d.widgets.push_back(w);
  std::string page = RenderDashboard(d);
  std::string repeats = Section(page, "repeats");
  EXPECT_NE(repeats.find("Also <time datetime=\"2026-12-09T08:00:00Z\">Wed, 9 Dec 09:00</time>"), std::string::npos)
      << repeats;
  EXPECT_NE(repeats.find("and 1 more"), std::string::npos);
}

TEST_F(PageTest, WhatNamesTheReaderIsMarkedAndCanBeFiltered) {
  json mine = Event("m", "2026-12-02T08:00:00Z");
  mine["people"] = {"Ana Lima <ana@coop.example>"};
  mine["location"] = {{"name", "Rue Haute 4"}};
  d.widgets.push_back(Agenda({mine, Event("o", "2026-12-02T09:00:00Z")}));
  d.ctx.user = "ana";
  std::string page = RenderDashboard(d);
  EXPECT_NE(page.find("record kind-event mine"), std::string::npos) << page;
  size_t other = page.rfind("<li", page.find("Event o"));
  EXPECT_EQ(page.substr(other, 40).find("mine"), std::string::npos) << "only hers";
  EXPECT_NE(page.find("badge-mine\">yours</span>"), std::string::npos);
  EXPECT_NE(page.find("<span class=\"place\">Rue Haute 4</span>"), std::string::npos);
  EXPECT_NE(page.find("href=\"/?dashboard=members&amp;mine=1\">Only mine</a>"), std::string::npos);
  d.ctx.user = "";
  EXPECT_EQ(RenderDashboard(d).find("mine-filter"), std::string::npos) << "a stranger has no items of theirs";
}

TEST_F(PageTest, ASourceBehindIsOnePlainSentenceAndItsReasonIsForEditors) {
  d.sources["blog"] = {{"id", "blog"},
                       {"name", "Partner blog"},
                       {"plugin", "/srv/coophub/plugins/librss.so"},
                       {"freshness", "stale"},
                       {"last_success", "2026-12-01T20:00:00Z"},
                       {"last_run", {{"status", "failed"}, {"message", "cannot read /srv/feeds/gone.xml"}}}};
  WidgetData news;
  news.config.type = "news";
  news.records.push_back({{"id", "1"},
                          {"source", "blog"},
                          {"kind", "post"},
                          {"title", "Winter routes"},
                          {"time", "2026-11-30T10:00:00Z"}});
  news.records.push_back(
      {{"id", "2"}, {"source", "blog"}, {"kind", "post"}, {"title", "Spring"}, {"time", "2026-11-29T10:00:00Z"}});
  d.widgets.push_back(news);
  d.ctx.lang = "fr";
  std::string member = RenderDashboard(d);
  EXPECT_NE(member.find("Partner blog n’a pas pu être mis à jour depuis 21:00 : ces éléments sont peut-être anciens."),
            std::string::npos)
      << member;
  size_t first = member.find("notice stale");
  EXPECT_EQ(member.find("notice stale", first + 1), std::string::npos) << "once a widget, not under every item";
  EXPECT_EQ(member.find("gone.xml"), std::string::npos) << "no server path for members";
  EXPECT_EQ(member.find("librss.so"), std::string::npos) << "no connector path either";
  EXPECT_EQ(member.find(">blog<"), std::string::npos) << "the source's name, not its id";
  EXPECT_EQ(member.find("mis à jour il y a"), std::string::npos) << "no freshness on items";
  d.show_reasons = true;
  std::string editor = RenderDashboard(d);
  EXPECT_NE(
      editor.find("<summary>Pour l’équipe technique</summary><p class=\"reason\">cannot read /srv/feeds/gone.xml"),
      std::string::npos)
      << editor;
}

TEST_F(PageTest, FreshnessNeverSaysUpdatedForWhatWasNot) {
  WidgetData sources;
  sources.config.type = "sources";
  d.widgets.push_back(sources);
  d.sources["new"] = {{"id", "new"}, {"freshness", "never"}, {"last_success", nullptr}, {"last_run", nullptr}};
  d.sources["broken"] = {{"id", "broken"},
                         {"freshness", "stale"},
                         {"last_success", nullptr},
                         {"last_run", {{"status", "failed"}, {"message", "no such host"}}}};
  d.sources["ok"] = {{"id", "ok"}, {"freshness", "fresh"}, {"last_success", "2026-12-01T20:25:00Z"}};
  d.sources["late"] = {{"id", "late"}, {"freshness", "stale"}, {"last_success", "2026-11-30T08:00:00Z"}};
  std::string page = RenderDashboard(d);
  auto Line = [&](const std::string& id) {
    size_t at = page.find("data-source=\"" + id + "\"");
    return at == std::string::npos ? std::string() : page.substr(at, page.find("</li>", at) - at);
  };
  EXPECT_NE(Line("new").find("waiting for its first sync"), std::string::npos) << page;
  EXPECT_NE(Line("broken").find("could not be read yet"), std::string::npos);
  EXPECT_NE(Line("ok").find("updated 5 minutes ago"), std::string::npos);
  EXPECT_NE(Line("late").find("not updated since yesterday 09:00"), std::string::npos);
  for (const char* id : {"new", "broken"}) EXPECT_EQ(Line(id).find("updated"), std::string::npos) << Line(id);
  EXPECT_EQ(page.find("no such host"), std::string::npos) << "reasons are for editors";
}

}  // namespace
}  // namespace coophub
