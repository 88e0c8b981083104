// SPDX-License-Identifier: Apache-2.0
//
// The command line as a person meets it: exit statuses 0/1/2/3 of DESIGN.md and error
// messages that name the file, field, URL or limit.
#include <gtest/gtest.h>

#include "support/hub_process.h"

namespace coophub {
namespace {

using testing::FixturePlugin;
using testing::RunCommand;
using testing::TempDir;

struct Ran {
  int rc;
  std::string out, err;
};

Ran Coophub(std::vector<std::string> args, const std::string& workdir = "") {
  args.insert(args.begin(), COOPHUB_BINARY);
  Ran r;
  r.rc = RunCommand(args, &r.out, &r.err, workdir);
  return r;
}

TEST(Cli, ReadPrintsProtocolLines) {
  Ran r = Coophub({"read", FixturePlugin("count"), "--config", R"({"count":3,"state_every":2})"});
  ASSERT_EQ(r.rc, 0) << r.err;
  std::vector<json> lines;
  std::stringstream ss(r.out);
  for (std::string l; std::getline(ss, l);) lines.push_back(json::parse(l));
  ASSERT_EQ(lines.size(), 8u) << r.out;  // HELLO, 3 RECORD, 2 STATE, 2 PROGRESS
  EXPECT_EQ(lines[0]["type"], "HELLO");
  EXPECT_EQ(lines[0]["plugin"], "count");
  EXPECT_EQ(lines[1]["record"]["id"], "1");
}

TEST(Cli, ReadResumesFromState) {
  Ran r =
      Coophub({"read", FixturePlugin("count"), "--config", R"({"count":3})", "--state", R"({"numbers":{"upto":2}})"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out.find("\"id\":\"1\""), std::string::npos);
  EXPECT_NE(r.out.find("\"id\":\"3\""), std::string::npos);
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
}

TEST(Cli, ReadSaysWhenAStateKeyNamesNoStream) {
  Ran r =
      Coophub({"read", FixturePlugin("count"), "--config", R"({"count":3})", "--state", R"({"number":{"upto":2}})"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("\"id\":\"1\""), std::string::npos) << "read from the start";
  EXPECT_NE(r.err.find("warning: --state has \"number\", which is no stream this connector read (it read numbers)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Coophub({"read", FixturePlugin("count"), "--config", "{}", "--state", "[1]"}).rc, 2) << "not an object";
}

TEST(Cli, SubjectPrintsWhatTheToolHoldsAndRefusesAConnectorWithout) {
  const std::string who = R"({"account":"ana","identities":[{"kind":"email","value":"ana@coop.example"}]})";
  Ran r = Coophub({"subject", FixturePlugin("subject"), "--config", "{}", "--subject", who});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("held about ana@coop.example"), std::string::npos) << r.out;
  Ran without = Coophub({"subject", FixturePlugin("count"), "--config", "{}", "--subject", who});
  EXPECT_EQ(without.rc, 2);
  EXPECT_NE(without.err.find("has no subject operation"), std::string::npos) << without.err;
  EXPECT_EQ(Coophub({"subject", FixturePlugin("subject"), "--config", "{}", "--subject", "[1]"}).rc, 2);
}

TEST(Cli, CrashExitsThreeNamingTheSignal) {
  Ran r = Coophub({"read", FixturePlugin("crash"), "--config", "{}"});
  EXPECT_EQ(r.rc, 3);
  EXPECT_NE(r.err.find("killed by SIGSEGV"), std::string::npos) << r.err;
}

TEST(Cli, ConnectorErrorExitsOneNamingTheUrl) {
  Ran r = Coophub({"check", "rss", "--config", R"({"url":"http://127.0.0.1:9/feed.xml","timeout_s":5})"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("http://127.0.0.1:9/feed.xml"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("is the server up"), std::string::npos) << r.err;
}

TEST(Cli, MissingFeedFileIsNamed) {
  Ran r = Coophub({"read", "rss", "--config", R"({"url":"/nonexistent/news.xml"})"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("/nonexistent/news.xml"), std::string::npos) << r.err;
}

TEST(Cli, CheckPassesOnTheDemoFeed) {
  Ran r = Coophub({"check", "rss", "--config",
                   std::string(R"({"url":")") + COOPHUB_SOURCE_DIR + R"(/examples/demo/feeds/partner-blog.atom"})"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("found atom10 feed \"Courier Co-op Blog\" with 3 entries"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("entries that leave it are kept here, never deleted"), std::string::npos)
      << "a feed cannot say what is gone, and check says so: " << r.out;
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(Coophub({"read", "rss"}).rc, 2) << "missing --config";
  EXPECT_EQ(Coophub({"frobnicate"}).rc, 2);
  Ran unknown = Coophub({"spec", "rsss"});
  EXPECT_EQ(unknown.rc, 2);
  EXPECT_NE(unknown.err.find("unknown plugin \"rsss\""), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("Plugins found: "), std::string::npos) << unknown.err;
  Ran bad_json = Coophub({"read", "rss", "--config", "{not json"});
  EXPECT_EQ(bad_json.rc, 2);
  EXPECT_NE(bad_json.err.find("--config must be a JSON object"), std::string::npos);
}

TEST(Cli, WrongAbiExitsTwo) {
  Ran r = Coophub({"spec", FixturePlugin("wrong_abi")});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("built for plugin ABI 99"), std::string::npos) << r.err;
}

TEST(Cli, HelpForEachCommand) {
  for (const char* cmd : {"serve", "spec", "check", "discover", "read", "sync", "plugins"}) {
    Ran r = Coophub({cmd, "--help"});
    EXPECT_EQ(r.rc, 0) << cmd;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << cmd << ": " << r.out;
  }
}

TEST(Cli, PluginsListsNameAndVersion) {
  Ran r = Coophub({"plugins"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("rss"), std::string::npos);
  EXPECT_NE(r.out.find("0.1.0"), std::string::npos) << r.out;
}

// A config that cannot work stops serve before it binds or syncs anything.
struct BadConfig {
  const char* name;
  const char* yaml;
  const char* message;
};

TEST(Cli, ServeRefusesBadConfigWithFileAndLine) {
  const BadConfig cases[] = {
      {"yaml", "sources:\n  - id: news\n    plugin: [rss\n", "hub.yaml:"},
      {"unknown key", "sources:\n  - id: news\n    plugin: rss\n    evry: 15m\n",
       "hub.yaml:4: sources.news.evry: unknown key \"evry\""},
      {"duration", "sources:\n  - id: news\n    plugin: rss\n    every: soon\n", "\"soon\" is not a duration"},
      {"plugin", "sources:\n  - id: news\n    plugin: rsss\n", "unknown plugin \"rsss\""},
      {"spec", "sources:\n  - id: news\n    plugin: rss\n    config: {uri: x}\n", "sources.news.config.url: required"},
      {"secret",
       "sources:\n  - id: news\n    plugin: rss\n    config: {url: x, auth_header: "
       "\"${env:COOPHUB_TEST_UNSET_TOKEN}\"}\n",
       "${env:COOPHUB_TEST_UNSET_TOKEN} is not set"},
      {"address", "server: {address: 0.0.0.0}\n", "would expose a hub that has no accounts yet"},
  };
  for (const auto& c : cases) {
    TempDir dir;
    std::string cfg = dir.Write("hub.yaml", c.yaml);
    Ran r = Coophub({"serve", "--config", cfg, "--port", "0", "--data", dir.path() + "/data"});
    EXPECT_EQ(r.rc, 2) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.name << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.path() + "/data/coophub.db")) << c.name << ": the hub half-started";
  }
}

TEST(Cli, JsonLogsAreOneObjectALine) {
  TempDir dir;
  std::string cfg =
      dir.Write("hub.yaml", "sources:\n  - id: n\n    plugin: " + FixturePlugin("count") +
                                "\n    config: {count: 2}\n  - id: bad\n    plugin: " + FixturePlugin("crash") + "\n");
  Ran ok = Coophub({"sync", "n", "--config", cfg, "--data", dir.path() + "/data", "--log-format", "json"});
  Ran bad = Coophub({"sync", "bad", "--config", cfg, "--data", dir.path() + "/data", "--log-format", "json"});
  EXPECT_EQ(ok.rc, 0) << ok.err;
  EXPECT_EQ(bad.rc, 3) << bad.err;
  int lines = 0;
  std::istringstream in(ok.out + ok.err + bad.out + bad.err);  // spdlog writes to stdout
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("synced ", 0) == 0) continue;  // the command's result, not a log line
    json j = json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    EXPECT_TRUE(j["time"].is_string() && j["level"].is_string() && j["msg"].is_string()) << line;
    ++lines;
  }
  EXPECT_GE(lines, 2);
  EXPECT_NE((bad.out + bad.err).find("\"level\":\"error\",\"msg\":\"sync bad (run 2): the connector crashed"),
            std::string::npos)
      << bad.out << bad.err;
}

// HTTPS when a certificate and key are configured: the hub answers over TLS only, with
// HSTS and Secure cookies, and a key that does not load stops it with the files named.
TEST(Cli, ServesHttpsWithTheConfiguredCertificate) {
  TempDir dir;
  std::string out, err;
  ASSERT_EQ(RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.path() + "/key.pem",
                        "-out", dir.path() + "/cert.pem", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                        "subjectAltName=IP:127.0.0.1"},
                       &out, &err),
            0)
      << err;
  std::string cfg = dir.Write("hub.yaml", "server: {tls_cert: cert.pem, tls_key: key.pem}\nsources: []\n");
  testing::Hub hub(cfg, dir.path() + "/data", testing::Hub::Admin::kWithPassword);
  ASSERT_TRUE(hub.ok()) << hub.log();
  ASSERT_EQ(hub.base().rfind("https://127.0.0.1:", 0), 0u) << hub.base();
  auto Curl = [&](std::vector<std::string> args) {
    std::string o, e;
    std::vector<std::string> argv = {"curl", "-s", "--max-time", "10", "--cacert", dir.path() + "/cert.pem", "-D", "-"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunCommand(argv, &o, &e);
    return o;
  };
  std::string health = Curl({hub.base() + "/healthz"});
  EXPECT_NE(health.find("HTTP/1.1 200"), std::string::npos) << health;
  EXPECT_NE(health.find("Strict-Transport-Security: max-age=31536000"), std::string::npos) << health;
  std::string login =
      Curl({"-H", "Content-Type: application/json", "-d",
            json{{"name", "admin"}, {"password", testing::Hub::kAdminPassword}}.dump(), hub.base() + "/api/v1/login"});
  EXPECT_NE(login.find("HttpOnly; SameSite=Strict; Max-Age=1209600; Secure"), std::string::npos) << login;
  std::string plain = "http://" + hub.base().substr(8) + "/healthz";
  EXPECT_EQ(Curl({plain}).find("HTTP/1.1 200"), std::string::npos) << "no clear text on the TLS port";

  std::string bad = dir.Write("bad.yaml", "server: {tls_cert: cert.pem, tls_key: missing.pem}\nsources: []\n");
  Ran r = Coophub({"serve", "--config", bad, "--port", "0", "--data", dir.path() + "/data2"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(
      r.err.find("cannot load the TLS certificate " + dir.path() + "/cert.pem and key " + dir.path() + "/missing.pem"),
      std::string::npos)
      << r.err;
}

TEST(Cli, AFreshHubPrintsAOneTimeSetupLink) {
  TempDir dir;
  std::string cfg = dir.Write("hub.yaml", "sources: []\n");
  testing::Hub hub(cfg, dir.path() + "/data", testing::Hub::Admin::kNone);
  ASSERT_TRUE(hub.ok()) << hub.log();
  std::string link;
  for (int polls = 0; polls < 200 && link.empty(); ++polls) {  // the line may trail the ready line
    std::string log = hub.log();
    size_t at = log.find(hub.base() + "/setup#code=");
    if (at != std::string::npos && log.find('\n', at) != std::string::npos)
      link = log.substr(at, log.find('\n', at) - at);
    else
      poll(nullptr, 0, 25);
  }
  ASSERT_FALSE(link.empty()) << hub.log();
  std::string code = link.substr(link.find("#code=") + 6);
  testing::Http page = testing::Call("GET", link.substr(0, link.find('#')));
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("/static/setup.js"), std::string::npos);
  EXPECT_EQ(testing::Call("GET", hub.base() + "/static/setup.js").status, 200);
  testing::Http made = testing::Call("POST", hub.base() + "/api/v1/setup",
                                     json{{"code", code}, {"name", "ana"}, {"password", "a long password 1"}}.dump());
  ASSERT_EQ(made.status, 200) << made.body;
  EXPECT_NE(made.headers.find("set-cookie: coophub_session="), std::string::npos) << made.headers;
  testing::Http again = testing::Call("GET", hub.base() + "/setup");  // the client follows the redirect
  EXPECT_EQ(again.body.find("<form id=\"setup\">"), std::string::npos) << "the link works once";
  EXPECT_NE(again.body.find("role=\"search\""), std::string::npos) << "it leads to the dashboard";
}

TEST(Cli, AnAccountWithoutAPasswordSignsInByTokenOnly) {
  TempDir dir;
  std::string cfg = dir.Write("hub.yaml", "sources: []\n");
  testing::Hub hub(cfg, dir.path() + "/data");  // its admin is made with --no-password
  ASSERT_TRUE(hub.ok()) << hub.log();
  EXPECT_EQ(hub.Get("/api/v1/me").Json()["name"], "admin") << "the token works";
  for (const char* guess : {"correct horse battery staple", "          "})
    EXPECT_EQ(
        testing::Call("POST", hub.base() + "/api/v1/login", json{{"name", "admin"}, {"password", guess}}.dump()).status,
        401)
        << "no password signs in, not even \"" << guess << "\"";
  Ran both = Coophub(
      {"user", "add", "bot", "--no-password", "--password-file", cfg, "--config", cfg, "--data", dir.path() + "/data"});
  EXPECT_EQ(both.rc, 2);
  EXPECT_NE(both.err.find("an account has a password or signs in by token only"), std::string::npos) << both.err;
}

TEST(Cli, BehindAProxyEachClientIsItsForwardedAddress) {
  TempDir dir;
  std::string cfg = dir.Write("hub.yaml", "sources: []\n");
  testing::Hub hub(cfg, dir.path() + "/data", testing::Hub::Admin::kWithPassword, {"--behind-proxy"});
  ASSERT_TRUE(hub.ok()) << hub.log();
  auto Login = [&](const std::string& client, const std::string& name, const std::string& password) {
    return testing::Call("POST", hub.base() + "/api/v1/login", json{{"name", name}, {"password", password}}.dump(),
                         {{"X-Forwarded-For", "203.0.113.50, " + client}, {"X-Forwarded-Proto", "https"}});
  };
  int status = 0;
  for (int i = 0; i < 25 && status != 429; ++i)
    status = Login("198.51.100.1", "guess" + std::to_string(i), "wrong password 1").status;
  EXPECT_EQ(status, 429) << "one client's guesses are limited";
  testing::Http other = Login("198.51.100.2", "admin", testing::Hub::kAdminPassword);
  ASSERT_EQ(other.status, 200) << "another client behind the same proxy is not: " << other.body;
  EXPECT_NE(other.headers.find("; Secure"), std::string::npos) << "HTTPS at the proxy makes the cookie Secure";
}

// A PostgreSQL store that cannot be reached, or whose password is wrong: the hub does
// not start, says which setting to fix, exits 2 and never shows the password.
TEST(Cli, AnUnreachablePostgresStoreStopsTheHubNamingTheSetting) {
  TempDir dir;
  int port = testing::FreePort();  // nothing listens there
  std::string cfg =
      dir.Write("hub.yaml", "store:\n  driver: postgres\n  url: postgresql://coop:${env:PGPASS_TEST}@127.0.0.1:" +
                                std::to_string(port) + "/coophub\n");
  setenv("PGPASS_TEST", "s3cret-do-not-show", 1);
  Ran r = Coophub({"serve", "--config", cfg, "--port", "0", "--data", dir.path() + "/data"});
  unsetenv("PGPASS_TEST");
  EXPECT_EQ(r.rc, 2) << r.err;
  EXPECT_NE(r.err.find("store.url"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cannot connect to the PostgreSQL store"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("s3cret"), std::string::npos) << "the password was shown: " << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/data/coophub.db")) << "no SQLite store was made instead";
}

// Moving up: a running hub's SQLite store copied into PostgreSQL, where a hub serves
// the same records, runs, accounts and tokens.
TEST(Cli, StoreCopyMovesASqliteStoreToPostgresWhereAHubServesItAlike) {
  TempDir dir;
  std::string demo = std::string(COOPHUB_SOURCE_DIR) + "/examples/demo/feeds/";
  std::string sources = "sources:\n  - id: news\n    plugin: rss\n    visibility: public\n    config: {url: " + demo +
                        "coop-news.xml}\n  - id: calendar\n    plugin: ical\n    config: {url: " + demo +
                        "coop-calendar.ics}\n";
  std::string data = dir.path() + "/data";
  auto sqlite = std::make_unique<testing::Hub>(dir.Write("hub.yaml", sources), data);
  ASSERT_TRUE(sqlite->ok()) << sqlite->log();
  sqlite->WaitForRun("news");
  sqlite->WaitForRun("calendar");
  testing::Http made = sqlite->Post("/api/v1/tokens", R"({"name": "phone", "scope": "read"})");
  ASSERT_EQ(made.status, 201) << made.body;
  std::string phone = made.Json().value("token", "");
  std::string records = sqlite->Get("/api/v1/records?limit=100").body;
  json runs = sqlite->Get("/api/v1/sources/news/runs").Json();
  auto Uids = [](const json& page) {
    std::vector<int64_t> uids;
    for (const auto& item : page.value("items", json::array())) uids.push_back(item.value("uid", int64_t{0}));
    return uids;
  };
  std::vector<int64_t> found = Uids(sqlite->Get("/api/v1/records?q=solidarity%20fund").Json());
  ASSERT_GE(found.size(), 2u);
  ASSERT_NE(records.find("Solidarity fund"), std::string::npos);

  testing::PgServer pg(dir);
  ASSERT_TRUE(pg.ready()) << pg.why();
  std::string url = pg.NewDatabase("coophub");
  Ran missing = Coophub({"store", "copy", "--from", dir.path() + "/nope.db", "--to", url});
  EXPECT_EQ(missing.rc, 2);
  EXPECT_NE(missing.err.find("nope.db: no such file"), std::string::npos) << missing.err;
  Ran copied = Coophub({"store", "copy", "--from", data + "/coophub.db", "--to", url});  // the hub is running
  ASSERT_EQ(copied.rc, 0) << copied.err;
  EXPECT_NE(copied.out.find("the counts agree"), std::string::npos) << copied.out;
  EXPECT_NE(copied.err.find("copying records"), std::string::npos) << "progress, table by table";
  sqlite.reset();

  testing::Hub postgres(dir.Write("pg.yaml", "store: {driver: postgres, url: \"" + url + "\"}\n" + sources),
                        dir.path() + "/pg-data");
  ASSERT_TRUE(postgres.ok()) << postgres.log();
  EXPECT_EQ(postgres.Get("/api/v1/records?limit=100").body, records) << "the same records, uids and all";
  // A schedule's next occurrence may fall while the test runs (on either hub): the
  // copied runs must all be there, as they were, whatever ran after them.
  auto RunsUpTo = [](const json& page, int64_t last) {
    json kept = json::array();
    for (const auto& run : page.value("items", json::array()))
      if (run.value("id", int64_t{0}) <= last) kept.push_back(run);
    return kept;
  };
  ASSERT_FALSE(runs.value("items", json::array()).empty());
  int64_t last_copied = runs["items"][0].value("id", int64_t{0});
  EXPECT_EQ(RunsUpTo(postgres.Get("/api/v1/sources/news/runs").Json(), last_copied), runs["items"]) << "the same runs";
  std::map<std::string, std::string> bearer = {{"Authorization", "Bearer " + phone}};
  EXPECT_EQ(testing::Call("GET", postgres.base() + "/api/v1/me", "", bearer).status, 200) << "tokens come along";
  EXPECT_EQ(Uids(postgres.Get("/api/v1/records?q=solidarity%20fund").Json()), found)
      << "search finds the same in what was copied";
  testing::Http more = postgres.Post("/api/v1/tokens", R"({"name": "laptop", "scope": "read"})");
  EXPECT_EQ(more.status, 201) << "new ids follow the copied ones: " << more.body;

  Ran again = Coophub({"store", "copy", "--from", data + "/coophub.db", "--to", url});
  EXPECT_EQ(again.rc, 2);
  EXPECT_NE(again.err.find("holds records or accounts already"), std::string::npos) << again.err;
}

}  // namespace
}  // namespace coophub