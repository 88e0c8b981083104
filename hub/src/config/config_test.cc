// SPDX-License-Identifier: Apache-2.0
// hub.yaml parsing, secrets and plugin resolution.
#include "config/config.h"
#include "runtime/plugin_paths.h"

#include <algorithm>

#include <gtest/gtest.h>
#include <stdlib.h>

#include "model/schema.h"

namespace coophub {
namespace {

TEST(Config, ParsesSourcesWithDefaultsAndLimits) {
  auto c = ParseConfig(R"(
server: {port: 9090}
limits: {heartbeat: 2m}
sources:
  - id: news
    plugin: rss
    every: 10m
    visibility: public
    limits: {memory: 128MB, max_line: 4MB}
    config: {url: feeds/news.xml, max_entries: 50, note: "042"}
)",
                       "hub.yaml", "/etc/coophub");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->port, 9090);
  const SourceConfig* s = c->FindSource("news");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->every_ms, 600000);
  EXPECT_EQ(s->limits.heartbeat_ms, 120000) << "the hub-wide default applies";
  EXPECT_EQ(s->limits.memory_bytes, 128 << 20);
  EXPECT_EQ(s->config["max_entries"], 50);
  EXPECT_EQ(s->config["note"], "042") << "quoted scalars stay strings";
  EXPECT_EQ(c->StorePath(), "/etc/coophub/data/coophub.db");
}

TEST(Config, ErrorsNameFileLineAndField) {
  struct Case {
    const char* yaml;
    const char* error;
  } cases[] = {
      {"sources:\n  - id: a\n    plugin: rss\n  - id: a\n    plugin: rss\n",
       "hub.yaml:4: sources.a: the id \"a\" is used twice"},
      {"sources:\n  - plugin: rss\n", "hub.yaml:2: sources[0].id"},
      {"sources:\n  - id: a\n", "sources.a.plugin: missing"},
      {"server: {port: 99999}\n", "server.port: must be a port number"},
      {"store: {driver: mysql}\n", "\"mysql\" is not a store"},
      {"store: {driver: postgres}\n", "driver: postgres needs url"},
      {"store: {url: \"postgresql://db/coop\"}\n", "store.url: a URL is for driver: postgres"},
      {"store: {driver: postgres, url: \"db.example:5432 secret\"}\n", "not a PostgreSQL URL (not shown"},
      {"store: {driver: postgres, url: \"postgresql://db/coop\", readers: 0}\n", "store.readers: must be"},
      {"sources:\n  - id: a\n    plugin: rss\n    limits: {memory: lots}\n", "\"lots\" is not a size"},
      {"servr: {}\n", "unknown key \"servr\""},
      {"sources:\n  - id: a\n    plugin: rss\n    streams: []\n",
       "hub.yaml:4: sources.a.streams must be a list of stream names"},
      {"sources:\n  - id: a\n    plugin: rss\n    singer: {catalog: auto}\n",
       "hub.yaml:4: sources.a.singer: applies to singer: plugins only, and this one is \"rss\""},
      {"sources:\n  - id: a\n    plugin: singer:tap-x\n    singer: {catalog: yes}\n",
       "sources.a.singer.catalog: \"yes\" is not auto, catalog, properties or none"},
      {"sources:\n  - id: a\n    name: \"\"\n    plugin: rss\n", "hub.yaml:3: sources.a.name: the name members read"},
      {"server:\n  time_zone: Europe/Pariss\n",
       "hub.yaml:2: server.time_zone: \"Europe/Pariss\" is not a time zone; write its IANA name"},
      {"sources: [\n", "not valid YAML"},
      {"sources:\n  - id: a\n    plugin: rss\n    retention: 3mo\n",
       "hub.yaml:4: sources.a.retention: \"3mo\" is not a duration"},
      {"sources:\n  - id: a\n    plugin: rss\n    retention: 2h\n", "sources.a.retention: at least 1d"},
      {"backup: {every: 1d}\n", "backup.dir: missing"},
      {"backup: {dir: b, every: 10m}\n", "backup.every: at least 1h"},
      {"backup: {dir: b, keep: 0}\n", "backup.keep: how many backups to keep"},
      {"retention: {logs: 30d}\n", "unknown key \"logs\""},
  };
  for (const auto& c : cases) {
    auto r = ParseConfig(c.yaml, "hub.yaml", "/tmp");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_NE(r.status().message().find(c.error), std::string::npos) << r.status().message();
  }
}

TEST(Config, RetentionAndBackupsHaveDefaultsAndTakeDurations) {
  auto plain = ParseConfig("sources:\n  - id: a\n    plugin: rss\n", "hub.yaml", "/srv/hub");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->keep_runs_ms, 30LL * 86400000);
  EXPECT_EQ(plain->keep_audit_ms, 365LL * 86400000);
  EXPECT_EQ(plain->sources[0].retention_ms, 0) << "kept while the source has it";
  EXPECT_FALSE(plain->backup);
  auto set = ParseConfig(
      "retention: {runs: 2w, audit: 2y}\nbackup: {dir: ../backups, every: 12h, keep: 3, max_rate: 20MB}\n"
      "sources:\n  - id: a\n    plugin: rss\n    retention: 90d\n  - id: b\n    plugin: rss\n    retention: source\n",
      "hub.yaml", "/srv/hub");
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_EQ(set->keep_runs_ms, 14LL * 86400000);
  EXPECT_EQ(set->keep_audit_ms, 730LL * 86400000);
  EXPECT_EQ(set->sources[0].retention_ms, 90LL * 86400000);
  EXPECT_EQ(set->sources[1].retention_ms, 0);
  ASSERT_TRUE(set->backup);
  EXPECT_EQ(set->backup->dir, "/srv/backups");
  EXPECT_EQ(set->backup->every_ms, 12LL * 3600000);
  EXPECT_EQ(set->backup->keep, 3);
  EXPECT_EQ(set->backup->max_rate, 20LL << 20);
}

// Members read a source's name; without one, its id made readable.
TEST(Config, SourcesHaveADisplayNameAndTheHubAZone) {
  auto c = ParseConfig(
      "server: {time_zone: America/Bogota}\nsources:\n  - {id: old-blog, plugin: rss}\n"
      "  - {id: ca, name: Caixa de resistència, plugin: rss}\n",
      "hub.yaml", "/");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->time_zone, "America/Bogota");
  EXPECT_EQ(DisplayName(*c->FindSource("old-blog")), "Old blog");
  EXPECT_EQ(DisplayName(*c->FindSource("ca")), "Caixa de resistència");
}

TEST(Config, SourcesLookAsSetOrAsTheirConnectorDoes) {
  auto c = ParseConfig(
      "sources:\n  - {id: rota, plugin: ical, icon: heart, color: teal}\n  - {id: votes, plugin: http-json, "
      "config: {manifest: loomio}}\n  - {id: days, plugin: ical}\n",
      "hub.yaml", "/");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(SourceIcon(*c->FindSource("rota")), "heart");
  EXPECT_EQ(SourceColor(*c->FindSource("rota")), "teal");
  EXPECT_EQ(SourceIcon(*c->FindSource("votes")), "vote") << "a service's manifest says which it is";
  EXPECT_EQ(SourceIcon(*c->FindSource("days")), "calendar");
  std::string picked = SourceColor(*c->FindSource("days"));
  EXPECT_NE(std::find(SourceColors().begin(), SourceColors().end(), picked), SourceColors().end());
  EXPECT_EQ(SourceColor(*c->FindSource("days")), picked) << "the same id, the same colour";
  auto bad = ParseConfig("sources:\n  - {id: x, plugin: rss, color: mauve}\n", "hub.yaml", "/");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("sources.x.color: \"mauve\" is not one of blue, green"), std::string::npos)
      << bad.status().message();
}

TEST(Config, SecretsResolveFromEnvAndFilesWithoutLeakingValues) {
  setenv("COOPHUB_TEST_TOKEN", "s3cret", 1);
  auto r = ResolveSecrets({{"auth", {{"token", "Bearer ${env:COOPHUB_TEST_TOKEN}"}}}}, "sources.x.config");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["auth"]["token"], "Bearer s3cret");
  auto missing = ResolveSecrets({{"token", "${env:COOPHUB_TEST_NOT_SET}"}}, "sources.x.config");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "sources.x.config.token: ${env:COOPHUB_TEST_NOT_SET} is not set in the hub's environment");
  auto nofile = ResolveSecrets({{"token", "${file:/nonexistent/token}"}}, "c");
  EXPECT_NE(nofile.status().message().find("cannot read that file"), std::string::npos);
}

TEST(Config, ResolvesPluginKinds) {
  EXPECT_EQ(ResolvePlugin("exec:./tap.sh", {})->kind, ConnectorRef::Kind::kExec);
  EXPECT_EQ(ResolvePlugin("singer:tap-csv", {})->kind, ConnectorRef::Kind::kSinger);
  auto missing = ResolvePlugin("nosuch", {"/nonexistent"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no nosuch.so in /nonexistent"), std::string::npos);
}

TEST(Schema, ValidatesTheSubsetSpecsUse) {
  json spec = json::parse(R"({"type":"object","required":["url"],"additionalProperties":false,
    "properties":{"url":{"type":"string","minLength":1,"description":"the feed"},
                  "n":{"type":"integer","minimum":1},"kind":{"enum":["post","event"]},
                  "token":{"type":"string","secret":true}}})");
  EXPECT_TRUE(ValidateAgainstSchema({{"url", "x"}, {"n", 3}}, spec).empty());
  auto errs = ValidateAgainstSchema({{"n", 0}, {"kind", "blog"}, {"extra", 1}}, spec);
  ASSERT_EQ(errs.size(), 4u);
  EXPECT_EQ(errs[0], "config.url: required (the feed)");
  EXPECT_EQ(SecretFields(spec), std::vector<std::string>{"token"});
}

}  // namespace
}  // namespace coophub
