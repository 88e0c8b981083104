// SPDX-License-Identifier: Apache-2.0
//
// Black-box tests against a running `coophub serve`: real SQLite file, real worker
// processes, HTTP on 127.0.0.1. A crashing and a hanging source must not stop the hub
// from serving the others; a hub killed with SIGKILL mid-sync must lose nothing it
// committed and resume from its last committed state.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/hub_process.h"
#include "base/timeutil.h"

namespace coophub {
namespace {

using testing::FixturePlugin;
using testing::Hub;
using testing::TempDir;

std::string DemoFeed(const std::string& name) {
  return std::string(COOPHUB_SOURCE_DIR) + "/examples/demo/feeds/" + name;
}

// Each test runs twice: on a hub on SQLite and on a hub on PostgreSQL.
class HubTest : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Stores, HubTest, testing::StoreBackends(), testing::BackendName);

TEST_P(HubTest, ServesGoodSourcesWhileBadOnesFail) {
  TempDir dir;
  std::string cfg = dir.Write("hub.yaml", R"(
scheduler: {max_concurrent_runs: 3, jitter: 1s}
sources:
  - id: news
    plugin: rss
    visibility: public
    config: {url: )" + DemoFeed("coop-news.xml") +
                                              R"(}
  - id: crashy
    plugin: )" + FixturePlugin("crash") + R"(
  - id: stuck
    plugin: )" + FixturePlugin("hang") + R"(
    limits: {heartbeat: 1s}
)");
  Hub hub(cfg, dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  json news = hub.WaitForRun("news");
  json crashy = hub.WaitForRun("crashy");
  json stuck = hub.WaitForRun("stuck");

  EXPECT_EQ(hub.Get("/healthz").status, 200);
  EXPECT_EQ(news["freshness"], "fresh");
  EXPECT_EQ(news["records"], 4);
  EXPECT_EQ(crashy["freshness"], "stale");
  EXPECT_NE(crashy["last_run"]["message"].get<std::string>().find("SIGSEGV"), std::string::npos) << crashy.dump();
  EXPECT_EQ(crashy["records"], 2) << "records committed before the crash are kept";
  EXPECT_NE(stuck["last_run"]["message"].get<std::string>().find("limits.heartbeat"), std::string::npos)
      << stuck.dump();

  json list = hub.Get("/api/v1/records?source=news&limit=2").Json();
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["items"][0]["title"], "General assembly on 12 December: agenda and proposals");
  json page2 = hub.Get("/api/v1/records?source=news&limit=2&cursor=" + list["next_cursor"].get<std::string>()).Json();
  ASSERT_EQ(page2["items"].size(), 2u);
  EXPECT_EQ(page2["next_cursor"], nullptr);
  EXPECT_EQ(page2["items"][1]["title"], "Solidarity fund: how to apply");

  json found = hub.Get("/api/v1/records?q=solidarity%20fund").Json();
  ASSERT_EQ(found["items"].size(), 2u) << found.dump();

  int64_t uid = list["items"][0]["uid"];
  EXPECT_EQ(hub.Get("/api/v1/records/" + std::to_string(uid)).Json()["id"], "riverside-news-41");

  // After a failure the next try comes after the first backoff step (1 min, plus up to
  // 1 s of jitter), not after the source's interval (15 min).
  EXPECT_EQ(crashy["consecutive_failures"], 1);
  int64_t retry_in = *ParseRfc3339(crashy["next_run"].get<std::string>()) -
                     *ParseRfc3339(crashy["last_run"]["finished"].get<std::string>());
  EXPECT_GE(retry_in, 59);
  EXPECT_LE(retry_in, 62);
  // A run that worked: the next is the source's next occurrence on its grid of 15 min
  // (offset by at most the 1 s of jitter), after the last run began.
  int64_t next_at = *ParseRfc3339(news["next_run"].get<std::string>());
  int64_t began = *ParseRfc3339(news["last_run"]["started"].get<std::string>());
  EXPECT_GT(next_at, began);
  EXPECT_LE(next_at - began, 900);
  EXPECT_LE(next_at % 900, 1) << news.dump();

  // The run history has the crash with its log.
  json runs = hub.Get("/api/v1/sources/crashy/runs").Json();
  ASSERT_FALSE(runs["items"].empty());
  json run = hub.Get("/api/v1/runs/" + std::to_string(runs["items"][0]["id"].get<int64_t>())).Json();
  EXPECT_EQ(run["status"], "failed");
  EXPECT_FALSE(run["log"].empty());

  // Sync now: queued, then a second run appears.
  testing::Http sync = hub.Post("/api/v1/sources/news/sync");
  EXPECT_EQ(sync.status, 202) << sync.body;
  json again = hub.WaitForRun("news", 2);
  EXPECT_EQ(again["last_run"]["trigger"], "manual") << hub.log();
  EXPECT_EQ(again["last_run"]["status"], "ok");
  EXPECT_GE(hub.Get("/api/v1/sources/news/runs").Json()["items"].size(), 2u);

  // The page shows both the records and the failing source's reason.
  testing::Http page = hub.Get("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("General assembly on 12 December"), std::string::npos);
  EXPECT_NE(page.body.find("last sync failed"), std::string::npos);
}

TEST_P(HubTest, BadRequestsGetProblemDetails) {
  TempDir dir;
  std::string cfg = dir.Write("hub.yaml", "sources: []\n");
  Hub hub(cfg, dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  struct Case {
    const char* path;
    int status;
    const char* detail;
  } cases[] = {
      {"/api/v1/records?limit=0", 400, "limit must be a whole number from 1 to 500"},
      {"/api/v1/records?kind=party", 400, "kind \"party\" is not one of"},
      {"/api/v1/records?since=yesterday", 400, "not an RFC 3339 time"},
      {"/api/v1/records?knd=post", 400, "\"knd\" is not a parameter"},
      {"/api/v1/records?cursor=%25%25", 400, "is not one this hub gave out"},
      {"/api/v1/records/abc", 400, "not a record uid"},
      {"/api/v1/records/999999", 404, "no record with uid 999999"},
      {"/api/v1/sources/nope", 404, "no source \"nope\""},
      {"/api/v2/records", 404, "the API lives under /api/v1"},
  };
  for (const auto& c : cases) {
    testing::Http r = hub.Get(c.path);
    EXPECT_EQ(r.status, c.status) << c.path;
    EXPECT_NE(r.headers.find("content-type: application/problem+json"), std::string::npos) << c.path;
    EXPECT_NE(r.Json().value("detail", "").find(c.detail), std::string::npos) << c.path << ": " << r.body;
  }
  EXPECT_EQ(hub.Call("DELETE", "/api/v1/records").status, 405);
}

// The change feed over real HTTP: a signed-in client's event stream carries the synced
// records, each an event with its seq; an anonymous one sees none of these members' records.
TEST_P(HubTest, ChangeFeedStreamsOverHttp) {
  TempDir dir;
  std::string cfg = dir.Write(
      "hub.yaml", "sources:\n  - id: n\n    plugin: " + FixturePlugin("count") + "\n    config: {count: 3}\n");
  Hub hub(cfg, dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  hub.WaitForRun("n");
  auto Stream = [&](const std::string& auth) {
    std::string out, err;
    std::vector<std::string> argv = {"curl", "-sN", "--max-time", "2", "-H", "Accept: text/event-stream"};
    if (!auth.empty()) argv.insert(argv.end(), {"-H", "Authorization: Bearer " + auth});
    argv.push_back(hub.base() + "/api/v1/changes?after=0");
    testing::RunCommand(argv, &out, &err);  // curl ends the stream after 2 s: exit 28, expected
    return out;
  };
  std::string events = Stream(hub.token());
  EXPECT_EQ(events.rfind("retry: 3000\n\nid: 1\nevent: change\ndata: {\"seq\":1,\"op\":\"upsert\"", 0), 0u) << events;
  EXPECT_NE(events.find("id: 3\n"), std::string::npos) << events;
  EXPECT_EQ(Stream("").find("event: change"), std::string::npos) << "members' records stay hidden";
}

// What a tech person does before saving a source: see the plugins and their specs, then
// check a config (against the spec, then by the plugin itself) without saving anything.
TEST_P(HubTest, PluginsAndCheckBeforeSaving) {
  TempDir dir;
  std::string feeds = std::string(COOPHUB_SOURCE_DIR) + "/examples/demo/feeds";
  std::string cfg =
      dir.Write("hub.yaml", "api_sources: {file_roots: [" + feeds + ", " + dir.path() + "]}\nsources: []\n");
  Hub hub(cfg, dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  json plugins = hub.Get("/api/v1/plugins").Json()["items"];
  json rss;
  for (const auto& p : plugins)
    if (p["name"] == "rss") rss = p;
  ASSERT_TRUE(rss.is_object()) << plugins.dump().substr(0, 300);
  EXPECT_TRUE(rss["ok"].get<bool>());
  EXPECT_TRUE(rss["spec"]["properties"].contains("url"));
  EXPECT_EQ(rss["secret_fields"], json::array({"auth_header"}));
  EXPECT_EQ(hub.GetAnon("/api/v1/plugins").status, 401);

  std::string feed = "file://" + feeds + "/coop-news.xml";
  testing::Http ok = hub.Post("/api/v1/sources/check", json{{"plugin", "rss"}, {"config", {{"url", feed}}}}.dump());
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(ok.Json()["ok"].get<bool>()) << ok.body;
  EXPECT_NE(ok.Json()["message"].get<std::string>().find("rss20"), std::string::npos) << ok.body;
  testing::Http missing =
      hub.Post("/api/v1/sources/check",
               json{{"plugin", "rss"}, {"config", {{"url", "file://" + dir.path() + "/none.xml"}}}}.dump());
  ASSERT_EQ(missing.status, 200) << missing.body;
  EXPECT_FALSE(missing.Json()["ok"].get<bool>());
  EXPECT_NE(missing.Json()["message"].get<std::string>().find("none.xml"), std::string::npos) << missing.body;
  testing::Http unfit = hub.Post("/api/v1/sources/check", json{{"plugin", "rss"}, {"config", {{"urls", feed}}}}.dump());
  EXPECT_EQ(unfit.status, 400);
  EXPECT_NE(unfit.body.find("config.url: required"), std::string::npos) << unfit.body;
  testing::Http exec =
      hub.Post("/api/v1/sources/check", json{{"plugin", "exec:/bin/sh"}, {"config", json::object()}}.dump());
  EXPECT_EQ(exec.status, 400) << "no program runs from the API: " << exec.body;
  // A CSV's check finds its columns, for the form's columns.* fields to offer.
  dir.Write("rota.csv", "Shift,Starts,Carer\nMorning,2026-12-07T08:00:00Z,Ana\n");
  testing::Http csv =
      hub.Post("/api/v1/sources/check",
               json{{"plugin", "csv"}, {"config", {{"url", "file://" + dir.path() + "/rota.csv"}}}}.dump());
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.Json()["choices"], json({{"columns", {"Shift", "Starts", "Carer"}}})) << csv.body;
  EXPECT_EQ(hub.Get("/api/v1/records").Json()["items"].size(), 0u) << "a check stores nothing";
}

TEST_P(HubTest, SourcesMadeThroughTheApiKeepTheirSecretsSecret) {
  TempDir dir;
  std::string feeds = std::string(COOPHUB_SOURCE_DIR) + "/examples/demo/feeds";
  std::string feed = "file://" + feeds + "/coop-news.xml";
  std::string cfg = dir.Write("hub.yaml", "api_sources: {file_roots: [" + feeds +
                                              "]}\n"
                                              "sources:\n  - id: from-file\n    plugin: rss\n    config: {url: " +
                                              feed + "}\n");
  const std::string secret = "Bearer s3cret-value-42";
  {
    Hub hub(cfg, dir.path() + "/data");
    ASSERT_TRUE(hub.ok()) << hub.log();
    json create = {{"id", "news2"},          {"name", "Partner news"},
                   {"plugin", "rss"},        {"every", "1h"},
                   {"icon", "heart"},        {"color", "pink"},
                   {"visibility", "public"}, {"config", {{"url", feed}, {"auth_header", secret}}}};
    testing::Http made = hub.Post("/api/v1/sources", create.dump());
    ASSERT_EQ(made.status, 201) << made.body;
    EXPECT_EQ(made.body.find("s3cret"), std::string::npos) << "a secret is never sent back";
    EXPECT_EQ(made.Json()["secrets_set"], json::array({"auth_header"}));
    EXPECT_EQ(made.Json()["managed_by"], "api");
    EXPECT_EQ(made.Json()["config"]["url"], feed);
    EXPECT_EQ(made.Json()["name"], "Partner news");
    EXPECT_EQ(made.Json()["icon"], "heart");
    EXPECT_EQ(made.Json()["color"], "pink");
    EXPECT_EQ(hub.Get("/api/v1/sources/from-file").Json()["icon"], "news") << "rss's, by default";
    EXPECT_EQ(hub.Get("/api/v1/sources/from-file").Json()["name"], "From file") << "hub.yaml's, from its id";
    json synced = hub.WaitForRun("news2");
    EXPECT_GT(synced["records"].get<int>(), 0) << "a new source syncs at once: " << synced.dump();
    EXPECT_EQ(synced["last_run"]["trigger"], "save") << "its first run says the save started it";

    EXPECT_EQ(hub.Post("/api/v1/sources", create.dump()).status, 409) << "ids are unique";
    create["id"] = "news3";
    create["config"] = {{"urls", feed}};
    testing::Http unfit = hub.Post("/api/v1/sources", create.dump());
    EXPECT_EQ(unfit.status, 400);
    EXPECT_NE(unfit.body.find("config.url: required"), std::string::npos) << unfit.body;
    create["plugin"] = "exec:/bin/sh";
    EXPECT_EQ(hub.Post("/api/v1/sources", create.dump()).status, 400) << "no program runs from the API";
    EXPECT_EQ(hub.Get("/api/v1/sources/news3").status, 404) << "nothing half-made";

    testing::Http patched =
        hub.Send("PATCH", "/api/v1/sources/news2",
                 json{{"config", {{"url", feed}}}, {"every", "2h"}, {"name", "Riverside partners"}}.dump());
    ASSERT_EQ(patched.status, 200) << patched.body;
    EXPECT_EQ(patched.Json()["secrets_set"], json::array({"auth_header"})) << "left out, a secret keeps its value";
    EXPECT_EQ(patched.Json()["every_s"], 7200);
    EXPECT_EQ(hub.Send("PATCH", "/api/v1/sources/news2", json{{"name", std::string(81, 'x')}}.dump()).status, 400);
    EXPECT_EQ(hub.Send("PATCH", "/api/v1/sources/news2", R"({"plugin": "csv"})").status, 400);
    EXPECT_EQ(hub.Send("PATCH", "/api/v1/sources/news2", R"({"every": "1s"})").status, 400);
    testing::Http file_owned = hub.Send("PATCH", "/api/v1/sources/from-file", json{{"config", {{"url", feed}}}}.dump());
    EXPECT_EQ(file_owned.status, 409) << "a hub.yaml source's connection is the file's";
    EXPECT_NE(file_owned.body.find("hub.yaml"), std::string::npos) << file_owned.body;
    EXPECT_EQ(hub.Send("DELETE", "/api/v1/sources/from-file", "").status, 409);

    std::string audit = hub.Get("/api/v1/audit").body;
    EXPECT_NE(audit.find("source.create"), std::string::npos) << audit.substr(0, 600) << hub.log();
    EXPECT_NE(audit.find("source.update"), std::string::npos);
    EXPECT_EQ(audit.find("s3cret"), std::string::npos);
    EXPECT_EQ(hub.log().find("s3cret"), std::string::npos) << "nor in the log";
    std::string stored = hub.StoreText(dir.path() + "/data");
    EXPECT_NE(stored.find("news2"), std::string::npos) << "the store was read";
    EXPECT_EQ(stored.find("s3cret"), std::string::npos) << "the store holds it only sealed";
  }
  namespace fs = std::filesystem;
  EXPECT_EQ(fs::status(dir.path() + "/data/secrets.key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  Hub again(cfg, dir.path() + "/data");  // a restart finds it in the store
  ASSERT_TRUE(again.ok()) << again.log();
  json kept = again.Get("/api/v1/sources/news2").Json();
  EXPECT_EQ(kept["secrets_set"], json::array({"auth_header"})) << kept.dump();
  EXPECT_EQ(kept["every_s"], 7200);
  EXPECT_EQ(kept["name"], "Riverside partners");
  std::string out, err;
  EXPECT_EQ(testing::RunCommand({COOPHUB_BINARY, "sync", "news2", "--config", cfg, "--data", dir.path() + "/data"},
                                &out, &err),
            0)
      << "the command line knows API sources too: " << err;
  EXPECT_NE(out.find("synced news2"), std::string::npos) << out;
  EXPECT_EQ(again.Send("DELETE", "/api/v1/sources/news2", "").status, 204);
  EXPECT_EQ(again.Get("/api/v1/sources/news2").status, 404);
  EXPECT_GT(again.Get("/api/v1/records?source=news2").Json()["items"].size(), 0u) << "its records stay";
}

TEST_P(HubTest, HubYamlSourcesArePausedAndOverriddenWithoutEditingTheFile) {
  TempDir dir;
  std::string feed = "file://" + DemoFeed("coop-news.xml");
  std::string cfg = dir.Write(
      "hub.yaml", "sources:\n  - id: news\n    plugin: rss\n    every: 15m\n    config: {url: " + feed + "}\n");
  {
    Hub hub(cfg, dir.path() + "/data");
    ASSERT_TRUE(hub.ok()) << hub.log();
    hub.WaitForRun("news");
    testing::Http paused = hub.Send("PATCH", "/api/v1/sources/news",
                                    json{{"enabled", false}, {"every", "2h"}, {"name", "Coop news"}}.dump());
    ASSERT_EQ(paused.status, 200) << paused.body;
    EXPECT_EQ(paused.Json()["enabled"], false);
    EXPECT_EQ(paused.Json()["every_s"], 7200);
    EXPECT_EQ(paused.Json()["name"], "Coop news");
    EXPECT_EQ(paused.Json()["overridden"], json::array({"enabled", "every", "name"}));
    EXPECT_EQ(hub.Post("/api/v1/sources/news/sync", "").status, 404) << "a paused source does not sync";
    EXPECT_EQ(hub.Send("PATCH", "/api/v1/sources/news", R"({"visibility": "public"})").status, 409)
        << "who may read it is the file's to say";
    testing::Http yaml = hub.Get("/api/v1/sources/news?format=yaml");
    ASSERT_EQ(yaml.status, 200) << yaml.body;
    EXPECT_NE(yaml.body.find("- id: news\n  name: \"Coop news\"\n"), std::string::npos) << yaml.body;
    EXPECT_NE(yaml.body.find("  every: 2h\n  enabled: false\n"), std::string::npos) << yaml.body;
    EXPECT_NE(hub.Get("/api/v1/audit").body.find("source.override"), std::string::npos);
  }
  Hub again(cfg, dir.path() + "/data");  // the override is kept in the store, over the file
  ASSERT_TRUE(again.ok()) << again.log();
  json kept = again.Get("/api/v1/sources/news").Json();
  EXPECT_EQ(kept["enabled"], false) << kept.dump();
  EXPECT_EQ(kept["every_s"], 7200);
  EXPECT_EQ(again.Post("/api/v1/sources/news/sync", "").status, 404) << "still paused after a restart";
  testing::Http resumed = again.Send("PATCH", "/api/v1/sources/news", R"({"enabled": null})");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(resumed.Json()["enabled"], true) << "null: the file's value again";
  EXPECT_EQ(resumed.Json()["overridden"], json::array({"every", "name"}));
  EXPECT_EQ(again.Post("/api/v1/sources/news/sync", "").status, 202) << "resumed, it syncs";
  EXPECT_EQ(again.Send("DELETE", "/api/v1/sources/news/override", "").status, 204);
  json back = again.Get("/api/v1/sources/news").Json();
  EXPECT_EQ(back["every_s"], 900);
  EXPECT_EQ(back["name"], "News");
  EXPECT_EQ(back["overridden"], json::array());
}

TEST_P(HubTest, ManifestsAreConnectorsOfTheirOwnAndAHomePageOffersItsFeed) {
  TempDir dir;
  std::string cfg = dir.Write("hub.yaml", "api_sources: {file_roots: [" + dir.path() + "]}\nsources: []\n");
  Hub hub(cfg, dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  json loomio, plugins = hub.Get("/api/v1/plugins").Json();
  for (const auto& p : plugins["items"])
    if (p["name"] == "loomio") loomio = p;
  ASSERT_TRUE(loomio.is_object()) << "each shipped manifest is listed by its own name";
  EXPECT_EQ(loomio["plugin"], "http-json");
  EXPECT_EQ(loomio["preset"], json({{"manifest", "loomio"}}));
  EXPECT_TRUE(loomio["spec"]["properties"].contains("group_id"));
  EXPECT_FALSE(loomio["spec"]["properties"].contains("manifest")) << "only the fields Loomio needs";
  EXPECT_EQ(loomio["secret_fields"], json::array({"api_key"}));

  // A coop's home page (HTML5, not XML) that names its feed in its head.
  dir.Write("site/index.html",
            "<!DOCTYPE html><html lang=fr><head><meta charset=utf-8><title>Coop</title>"
            "<link rel=\"alternate stylesheet\" href=/x.css type=text/css>"
            "<link rel=alternate type=application/rss+xml title=Actus href=\"feed/news.xml\">"
            "</head><body><p>Bonjour<br></body></html>");
  testing::Http check =
      hub.Post("/api/v1/sources/check",
               json{{"plugin", "rss"}, {"config", {{"url", "file://" + dir.path() + "/site/index.html"}}}}.dump());
  ASSERT_EQ(check.status, 200) << check.body;
  EXPECT_FALSE(check.Json()["ok"].get<bool>());
  EXPECT_EQ(check.Json()["suggest"], json({{"url", "file://" + dir.path() + "/site/feed/news.xml"}})) << check.body;
  EXPECT_NE(check.Json()["message"].get<std::string>().find("web page"), std::string::npos) << check.body;
}

TEST_P(HubTest, NeverRunsMoreSyncsAtOnceThanAllowed) {
  TempDir dir;
  std::string slow =
      "    plugin: " + FixturePlugin("count") + "\n    config: {count: 300, state_every: 50, pause_ms: 40}\n";
  std::string cfg = dir.Write("hub.yaml", "scheduler: {max_concurrent_runs: 1, jitter: 1s}\nsources:\n  - id: a\n" +
                                              slow + "  - id: b\n" + slow + "  - id: c\n" + slow);
  Hub hub(cfg, dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  EXPECT_EQ(hub.GetAnon("/api/v1/sources").status, 401) << "source health is for signed-in members";
  int most_running = 0, polls = 0, done = 0;
  for (; polls < 2000 && done < 3; ++polls) {  // each run takes ~250 ms; three in sequence
    json items = hub.Get("/api/v1/sources").Json()["items"];
    int running = 0;
    done = 0;
    for (const auto& s : items) {
      running += s.value("running", false);
      done += s["last_run"].is_object() && s["last_run"]["status"] == "ok" && !s.value("queued", true);
    }
    most_running = std::max(most_running, running);
  }
  EXPECT_EQ(done, 3) << "all three sources synced";
  EXPECT_EQ(most_running, 1) << "seen over " << polls << " polls";
}

// Counts records and reads the committed state straight from the SQLite file.
struct OnDisk {
  int64_t records = 0, upto = -1, max_n = 0;
};
OnDisk ReadStore(const std::string& db_path) {
  OnDisk d;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return d;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT COUNT(*), MAX(CAST(id AS INTEGER)) FROM records WHERE source='count'", -1, &st,
                     nullptr);
  if (sqlite3_step(st) == SQLITE_ROW) {
    d.records = sqlite3_column_int64(st, 0);
    d.max_n = sqlite3_column_int64(st, 1);
  }
  sqlite3_finalize(st);
  sqlite3_prepare_v2(db, "SELECT json_extract(state, '$.upto') FROM stream_state WHERE source='count'", -1, &st,
                     nullptr);
  if (sqlite3_step(st) == SQLITE_ROW) d.upto = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return d;
}

TEST(Hub, SigkillMidSyncLosesNothingCommittedAndResumes) {
  TempDir dir;
  std::string cfg = dir.Write("hub.yaml", R"(
sources:
  - id: count
    plugin: )" + FixturePlugin("count") + R"(
    config: {count: 3000, state_every: 100, pause_ms: 40}
)");
  std::string data = dir.path() + "/data";
  OnDisk before;
  {
    Hub hub(cfg, data);
    ASSERT_TRUE(hub.ok()) << hub.log();
    // Wait (bounded) until a few states are committed, then kill the hub outright.
    ASSERT_TRUE(testing::WaitFor("500 records committed", 10, [&] {
      before = ReadStore(data + "/coophub.db");
      return before.upto >= 500;
    }));
    hub.Kill();
  }
  OnDisk killed = ReadStore(data + "/coophub.db");
  ASSERT_LT(killed.upto, 3000) << "the sync finished before the kill; the test proves nothing";
  EXPECT_GE(killed.records, killed.upto) << "every record before the committed state is on disk";
  EXPECT_EQ(killed.max_n >= killed.upto, true);
  {  // The killed run's count is what it committed, not 0.
    sqlite3* db = nullptr;
    sqlite3_open_v2((data + "/coophub.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT records FROM sync_runs WHERE source='count' ORDER BY id DESC LIMIT 1", -1, &st,
                       nullptr);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int64(st, 0), killed.records) << "the run counts what was committed with it";
    sqlite3_finalize(st);
    sqlite3_close(db);
  }

  // A new hub resumes after the committed state and completes the stream.
  std::string out, err;
  int rc = testing::RunCommand({COOPHUB_BINARY, "sync", "count", "--config", cfg, "--data", data}, &out, &err);
  ASSERT_EQ(rc, 0) << err;
  OnDisk after = ReadStore(data + "/coophub.db");
  EXPECT_EQ(after.records, 3000);
  EXPECT_EQ(after.upto, 3000);
  sqlite3* db = nullptr;
  sqlite3_open_v2((data + "/coophub.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT json_extract(json, '$.data.resumed_from') FROM records WHERE source='count' AND id='3000'",
                     -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), killed.upto) << "the second run started from the last committed state";
  sqlite3_finalize(st);
  sqlite3_close(db);
}

// httplib would answer a browser (Accept-Encoding: gzip, deflate, br) with brotli at
// quality 11, some 50 ms for a 20 KB page; the hub offers gzip only.
TEST_P(HubTest, BrowsersGetGzipRatherThanSlowBrotli) {
  TempDir dir;
  std::string cfg = dir.Write("hub.yaml", "sources: []\n");
  Hub hub(cfg, dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  testing::Http page = testing::Call("GET", hub.base() + "/", "", {{"Accept-Encoding", "gzip, deflate, br"}});
  ASSERT_EQ(page.status, 200) << page.error;
  EXPECT_NE(page.headers.find("content-encoding: gzip"), std::string::npos) << page.headers;
  testing::Http br_only = testing::Call("GET", hub.base() + "/static/style.css", "", {{"Accept-Encoding", "br"}});
  ASSERT_EQ(br_only.status, 200);
  EXPECT_EQ(br_only.headers.find("content-encoding"), std::string::npos) << br_only.headers;
  EXPECT_NE(br_only.body.find(":root"), std::string::npos) << "sent as it is";
}

}  // namespace
}  // namespace coophub
