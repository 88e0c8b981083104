// SPDX-License-Identifier: Apache-2.0
// Dashboards: hub.yaml and JSON read the same, YAML and JSON round-trip, saved versions
// stand in for the file's; widget data: open decisions, money totals, changes.
#include "dashboards/dashboards.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "config/config.h"
#include "store/store.h"
#include "base/timeutil.h"
#include "dashboards/widgets.h"

namespace coophub {
namespace {

namespace fs = std::filesystem;

const char* kYaml = R"(sources: []
dashboards:
  - id: members
    title: "Riverside: the members' page"
    role: viewer
    widgets:
      - type: changes
      - {type: agenda, sources: [calendar, shifts], limit: 5}
      - {type: records, kind: resource, title: Files, q: "minutes \"2026\""}
      - {type: money, role: editor}
  - id: public
    title: {en: Our coop, fr: Notre coopérative, pt-BR: Nossa cooperativa}
    widgets: [{type: news, title: {en: What's new, sv: Nytt}}]
)";

TEST(Dashboards, HubYamlAndTheYamlWeWriteReadTheSame) {
  auto cfg = ParseConfig(kYaml, "hub.yaml", "/");
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  ASSERT_EQ(cfg->dashboards.size(), 2u);
  const DashboardConfig& d = cfg->dashboards[0];
  EXPECT_EQ(d.title, "Riverside: the members' page");
  EXPECT_EQ(d.role, Role::kViewer);
  ASSERT_EQ(d.widgets.size(), 4u);
  EXPECT_EQ(d.widgets[1].sources, (std::vector<std::string>{"calendar", "shifts"}));
  EXPECT_EQ(d.widgets[1].limit, 5);
  EXPECT_EQ(d.widgets[2].q, "minutes \"2026\"");
  EXPECT_EQ(WidgetRole(d.widgets[3]), Role::kEditor);
  EXPECT_EQ(cfg->dashboards[1].role, Role::kAnonymous);
  // A title per language: the reader's, else its language without the region, else English.
  const DashboardConfig& p = cfg->dashboards[1];
  EXPECT_EQ(p.title, "Our coop");
  EXPECT_EQ(TitleIn(p.title, p.titles, "fr"), "Notre coopérative");
  EXPECT_EQ(TitleIn(p.title, p.titles, "pt-BR"), "Nossa cooperativa");
  EXPECT_EQ(TitleIn(p.title, p.titles, "sv"), "Our coop");
  EXPECT_EQ(TitleIn(p.widgets[0].title, p.widgets[0].titles, "sv"), "Nytt");

  // What the API gives back as YAML, pasted into hub.yaml, is the same dashboard.
  std::string again = "dashboards:\n";
  for (const auto& b : cfg->dashboards) again += ToYaml(b);
  auto back = ParseConfig(again, "pasted.yaml", "/");
  ASSERT_TRUE(back.ok()) << back.status().message() << "\n" << again;
  EXPECT_EQ(back->dashboards, cfg->dashboards) << again;
  // And the JSON form reads back to it too.
  for (const auto& b : cfg->dashboards) {
    auto j = ParseDashboard(ToJson(b), "json");
    ASSERT_TRUE(j.ok()) << j.status().message();
    EXPECT_EQ(*j, b);
  }
}

TEST(Dashboards, MistakesNameTheFileLineAndField) {
  struct Case {
    const char* yaml;
    const char* message;
  } cases[] = {
      {"dashboards:\n  - id: a\n    widgets: [{type: agend}]\n",
       "hub.yaml:2: dashboards[0].widgets[0].type: \"agend\" is not a widget type (known: changes, agenda"},
      {"dashboards:\n  - id: a\n    widgets: [{type: news, colour: red}]\n",
       "hub.yaml:2: dashboards[0].widgets[0].colour: unknown key"},
      {"dashboards:\n  - id: a\n    widgets: []\n", "hub.yaml:2: dashboards[0].widgets: a dashboard needs a list"},
      {"dashboards:\n  - id: a\n    role: boss\n    widgets: [{type: news}]\n",
       "hub.yaml:2: dashboards[0].role: \"boss\" is not anonymous, viewer, editor or admin"},
      {"dashboards:\n  - id: a\n    widgets: [{type: news, limit: 9000}]\n",
       "hub.yaml:2: dashboards[0].widgets[0].limit must be a whole number from 1 to 500"},
      {"dashboards:\n  - id: a\n    widgets: [{type: news, kind: event}]\n",
       "hub.yaml:2: dashboards[0].widgets[0].kind: only a widget of type records picks its kind"},
      {"dashboards:\n  - id: a\n    title: {en: News, \"f r\": X}\n    widgets: [{type: news}]\n",
       "hub.yaml:2: dashboards[0].title: \"f r\" is not a language code"},
      {"dashboards:\n  - id: a\n    widgets: [{type: news}]\n  - id: a\n    widgets: [{type: news}]\n",
       "hub.yaml:4: dashboards.a: the id \"a\" is used twice"},
  };
  for (const auto& c : cases) {
    auto cfg = ParseConfig(c.yaml, "hub.yaml", "/");
    ASSERT_FALSE(cfg.ok()) << c.yaml;
    EXPECT_EQ(cfg.status().message().rfind(c.message, 0), 0u) << cfg.status().message();
  }
}

TEST(Dashboards, DecimalsAddExactly) {
  EXPECT_EQ(AddDecimal("0.1", "0.2"), "0.3");  // what a double gets wrong
  EXPECT_EQ(AddDecimal("12.50", "-3"), "9.50");
  EXPECT_EQ(AddDecimal("-1500.00", "1068.5"), "-431.50");
  EXPECT_EQ(AddDecimal("0.125", "0"), "0.125");
  EXPECT_EQ(AddDecimal("-0.5", "0.25"), "-0.25");
  EXPECT_EQ(AddDecimal("999999999999999999999999", "1"), "1000000000000000000000000");
  EXPECT_FALSE(AddDecimal("12,50", "1"));
  EXPECT_FALSE(AddDecimal("1e3", "1"));
  EXPECT_FALSE(AddDecimal("", "1"));
}

class DashboardStore : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "coophub-dash-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    store_ = std::move(OpenSqliteStore({dir_ + "/coophub.db", 1}).value());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  void Put(const std::string& source, std::vector<json> records, const std::string& vis = "members") {
    WriteBatch b;
    b.source = source;
    for (auto& r : records) b.upserts.push_back(NormalizeRecord(r, source, "s", vis).value());
    ASSERT_TRUE(store_->Write(std::move(b)).get().ok());
  }
  std::vector<std::string> Titles(const WidgetData& d) {
    std::vector<std::string> out;
    for (const auto& r : d.records) out.push_back(r.value("title", ""));
    return out;
  }
  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(DashboardStore, SavedDashboardsStandInForHubYamlsUntilRemoved) {
  auto cfg = ParseConfig(kYaml, "hub.yaml", "/");
  ASSERT_TRUE(cfg.ok());
  std::string path = dir_ + "/coophub.db";
  {
    auto boards = OpenDashboards(cfg->dashboards, path).value();
    EXPECT_EQ(boards->Find("public")->origin, "hub.yaml");
    DashboardConfig changed = cfg->dashboards[1];
    changed.title = "Our news";
    changed.titles.clear();  // one title for every language now
    ASSERT_TRUE(boards->Put(changed).ok());
    DashboardConfig added{"money", "", Role::kEditor, {{"money"}}};
    ASSERT_TRUE(boards->Put(added).ok());
    EXPECT_EQ(boards->Remove("members").code(), Status::Code::kConflict) << "never changed: it lives in the file";
  }
  auto boards = OpenDashboards(cfg->dashboards, path).value();  // kept across a restart
  auto all = boards->All();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].dashboard.id, "members") << "hub.yaml's order first";
  EXPECT_EQ(all[1].dashboard.title, "Our news");
  EXPECT_EQ(all[1].origin, "hub.yaml, changed through the API");
  EXPECT_EQ(all[2].origin, "api");
  ASSERT_TRUE(boards->Remove("public").ok());
  EXPECT_EQ(boards->Find("public")->dashboard, cfg->dashboards[1]) << "hub.yaml's shows again";
  EXPECT_EQ(boards->Remove("nope").code(), Status::Code::kNotFound);
}

TEST_F(DashboardStore, NoDashboardsMeansTheDefaultOne) {
  auto boards = OpenDashboards({}, dir_ + "/coophub.db").value();
  auto all = boards->All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].origin, "default");
  EXPECT_EQ(all[0].dashboard.widgets.front().type, "changes");
}

TEST_F(DashboardStore, OpenDecisionsByDeadlineAndMoneyTotalsPerCurrency) {
  int64_t now = ParseRfc3339("2026-12-01T12:00:00Z").value();
  Put("loomio", {{{"id", "a"}, {"kind", "decision"}, {"title", "later"}, {"time", "2026-12-20T00:00:00Z"}},
                 {{"id", "b"}, {"kind", "decision"}, {"title", "soon"}, {"time", "2026-12-03T00:00:00Z"}},
                 {{"id", "c"},
                  {"kind", "decision"},
                  {"title", "closed"},
                  {"time", "2026-12-02T00:00:00Z"},
                  {"end", "2026-11-30T00:00:00Z"}}});
  auto money = [](const char* id, const char* t, const char* v, const char* cur) {
    return json{
        {"id", id}, {"kind", "transaction"}, {"title", id}, {"time", t}, {"amount", {{"value", v}, {"currency", cur}}}};
  };
  Put("bank", {money("1", "2026-11-30T00:00:00Z", "0.10", "EUR"), money("2", "2026-11-20T00:00:00Z", "0.20", "EUR"),
               money("3", "2026-11-25T00:00:00Z", "-7", "SEK"), money("old", "2026-09-01T00:00:00Z", "1000", "EUR")});
  WidgetContext ctx{{}, now, -1};
  auto decisions = LoadWidget(*store_, {"decisions"}, ctx);
  ASSERT_TRUE(decisions.ok()) << decisions.status().message();
  EXPECT_EQ(Titles(*decisions), (std::vector<std::string>{"soon", "later"}));
  auto m = LoadWidget(*store_, {"money"}, ctx);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->totals, (std::map<std::string, std::string>{{"EUR", "0.30"}, {"SEK", "-7"}})) << "30 days, exact";
  EXPECT_EQ(m->totals_count, 3);
  EXPECT_EQ(m->records.size(), 4u) << "the list shows the newest, whatever their age";
  WidgetConfig only_bank{"money"};
  only_bank.sources = {"loomio"};
  EXPECT_TRUE(LoadWidget(*store_, only_bank, ctx)->totals.empty()) << "sources filter the totals too";
}

TEST_F(DashboardStore, ChangesSinceTheLastVisitSayWhatIsNewAndWhatChanged) {
  Put("news", {{{"id", "1"}, {"kind", "post"}, {"title", "old"}, {"time", "2026-11-01T00:00:00Z"}}});
  int64_t seen = store_->LastSeq();
  Put("news", {{{"id", "1"}, {"kind", "post"}, {"title", "old, edited"}, {"time", "2026-11-01T00:00:00Z"}},
               {{"id", "2"}, {"kind", "post"}, {"title", "fresh"}, {"time", "2026-11-02T00:00:00Z"}}});
  Put("news", {{{"id", "3"}, {"kind", "post"}, {"title", "private"}, {"time", "2026-11-02T00:00:00Z"}}}, "admins");
  auto d = LoadWidget(*store_, {"changes"}, {{"public", "members"}, NowUnix(), seen});
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->created_by_kind, (std::map<std::string, int64_t>{{"post", 1}}));
  EXPECT_EQ(d->changed_by_kind, (std::map<std::string, int64_t>{{"post", 1}}));
  ASSERT_EQ(d->changes.size(), 2u) << "the admins' record is not the reader's";
  EXPECT_EQ(d->changes[0]["record"]["title"], "fresh") << "newest first";
  EXPECT_TRUE(d->changes[0]["created"].get<bool>());
  EXPECT_FALSE(d->changes[1]["created"].get<bool>());
  EXPECT_TRUE(LoadWidget(*store_, {"changes"}, {{}, NowUnix(), -1})->changes.empty())
      << "a first visit compares with nothing";
}

}  // namespace
}  // namespace coophub

namespace coophub {
namespace {

TEST(Widgets, InvolvesMatchesTheNameTheAddressOrItsLocalPart) {
  json r = {{"people", {"Lima, Ana <ana.lima@coop.example>", "joe@coop.example", "Sam"}}};
  for (const char* who :
       {"Lima, Ana", "lima, ana", "ana.lima@coop.example", "ana.lima", "joe", "JOE@coop.example", "sam"})
    EXPECT_TRUE(Involves(r, who)) << who;
  for (const char* who : {"ana", "jo", "coop.example", ""}) EXPECT_FALSE(Involves(r, who)) << who;
  EXPECT_FALSE(Involves(json{{"title", "Sam"}}, "Sam")) << "only people, not the title";
}

// A series shows once, with its later starts; "only mine" keeps what names the reader.
TEST_F(DashboardStore, TheAgendaShowsASeriesOnceAndOnlyMineKeepsTheReaders) {
  int64_t now = ParseRfc3339("2026-12-01T08:00:00Z").value();
  auto Event = [](const std::string& id, const std::string& time, json people = nullptr, bool series = true) {
    json e = {{"id", id}, {"kind", "event"}, {"title", series ? "Morning round" : id}, {"time", time}};
    if (series) e["data"] = {{"series", "round@coop"}};
    if (!people.is_null()) e["people"] = people;
    return e;
  };
  Put("rota", {Event("r1", "2026-12-01T09:00:00Z", {"Ana <ana@coop.example>"}),
               Event("r2", "2026-12-08T09:00:00Z", {"Joe <joe@coop.example>"}), Event("r3", "2026-12-15T09:00:00Z"),
               Event("assembly", "2026-12-02T17:00:00Z", {"ana@coop.example"}, false)});
  WidgetContext ctx{{}, now, -1, "ana"};
  auto all = LoadWidget(*store_, {"agenda"}, ctx);
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(Titles(*all), (std::vector<std::string>{"Morning round", "assembly"}));
  ASSERT_EQ(all->later.size(), 2u);
  EXPECT_EQ(all->later[0], (std::vector<std::string>{"2026-12-08T09:00:00Z", "2026-12-15T09:00:00Z"}));
  EXPECT_TRUE(all->later[1].empty());
  ctx.only_mine = true;
  auto mine = LoadWidget(*store_, {"agenda"}, ctx);
  ASSERT_TRUE(mine.ok()) << mine.status().message();
  EXPECT_EQ(Titles(*mine), (std::vector<std::string>{"Morning round", "assembly"}));
  EXPECT_TRUE(mine->later[0].empty()) << "the other rounds are not hers";
  ctx.me = "joe";
  EXPECT_EQ(Titles(*LoadWidget(*store_, {"agenda"}, ctx)), (std::vector<std::string>{"Morning round"}));
  EXPECT_EQ(LoadWidget(*store_, {"agenda"}, ctx)->records[0]["time"], "2026-12-08T09:00:00Z");
}

}  // namespace
}  // namespace coophub
