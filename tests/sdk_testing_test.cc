// SPDX-License-Identifier: Apache-2.0
//
// The plugin SDK's test kit: `coophub read --record DIR` against a real server on
// 127.0.0.1, the recording redacted, and <coophub/testing.hpp>'s fake host replaying it
// to the same records; the fake host's contract checks on plugins that break the rules.
#include <coophub/testing.hpp>
#include <gtest/gtest.h>

#include <mutex>
#include <sstream>

#include "support/local_server.h"
#include "support/test_util.h"

namespace coophub {
namespace {

using testing::FakeHost;
using testing::FixturePlugin;
using testing::TempDir;

constexpr const char* kToken = "tok-5f1c2e9a";

// An API in the template connector's shape that wants kToken, counting its requests.
class ItemsApi {
 public:
  std::string Url() const { return server_.Url("/api/items"); }
  int requests() const { return requests_; }

 private:
  std::atomic<int> requests_{0};
  testing::LocalServer server_{[this](httplib::Server& srv) {
    srv.Get("/api/items", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests_;
      if (req.get_header_value("Authorization") != std::string("Bearer ") + kToken) {
        res.status = 401;
        return;
      }
      res.set_header("Set-Cookie", std::string("session=") + kToken);
      res.set_content(R"([{"id":"7","title":"Rota for December","updated":"2026-11-30T08:00:00Z"},)"
                      R"({"id":"8","title":"Assembly minutes","updated":"2026-12-01T19:30:00Z"}])",
                      "application/json");
    });
  }};
};

std::vector<json> RecordLines(const std::string& out) {
  std::vector<json> records;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    json m = json::parse(line);
    if (m["type"] == "RECORD") records.push_back(m["record"]);
  }
  return records;
}

TEST(SdkRecording, ARecordedRunReplaysToTheSameRecordsWithoutTheSecret) {
  ItemsApi api;
  TempDir dir;
  json config = {{"url", api.Url()}, {"token", kToken}};
  std::string out, err, rec = dir.path() + "/recorded";
  ASSERT_EQ(testing::RunCommand(
                {COOPHUB_BINARY, "read", FixturePlugin("my_connector"), "--config", config.dump(), "--record", rec},
                &out, &err),
            0)
      << err;
  std::vector<json> live = RecordLines(out);
  ASSERT_EQ(live.size(), 2u) << out;

  std::string file = testing::ReadAll(rec + "/0001.json");
  ASSERT_FALSE(file.empty()) << "no exchange written in " << rec;
  EXPECT_FALSE(std::filesystem::exists(rec + "/0002.json")) << "one request, one file";
  EXPECT_EQ(file.find(kToken), std::string::npos) << "the token reached the recording:\n" << file;
  json exchange = json::parse(file);
  EXPECT_EQ(exchange["request"]["headers"]["Authorization"], "REDACTED");
  EXPECT_EQ(exchange["response"]["headers"]["set-cookie"], "REDACTED");
  EXPECT_EQ(exchange["response"]["status"], 200);

  int before = api.requests();
  FakeHost host(testing::LoadPlugin(FixturePlugin("my_connector")));
  host.Replay(rec);
  auto replayed = host.Read(config);
  ASSERT_TRUE(replayed.ok()) << replayed.Describe();
  EXPECT_EQ(api.requests(), before) << "a replay reaches no server";
  ASSERT_EQ(replayed.Records().size(), live.size());
  for (size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(replayed.Records()[i]["id"], live[i]["id"]);
    EXPECT_EQ(replayed.Records()[i]["title"], live[i]["title"]);
  }
  EXPECT_EQ(replayed.State("items")["cursor"], "2026-12-01T19:30:00Z");

  // Each recorded answer serves once: a second read in the same host has none left.
  auto again = host.Read(config);
  EXPECT_FALSE(again.ok());
  ASSERT_EQ(again.unanswered.size(), 1u) << again.Describe();
  EXPECT_EQ(again.unanswered[0].url, api.Url());
}

TEST(SdkRecording, OnlyPluginsCanBeRecorded) {
  TempDir dir;
  std::string out, err;
  EXPECT_EQ(
      testing::RunCommand({COOPHUB_BINARY, "read", "exec:/bin/true", "--config", "{}", "--record", dir.path() + "/r"},
                          &out, &err),
      2);
  EXPECT_NE(err.find("--record records the HTTP a plugin (.so) makes through the hub"), std::string::npos) << err;
}

TEST(SdkRecording, CredentialsInUrlsAndConfigsAreRedacted) {
  std::vector<std::string> secrets =
      recording::SecretsOf(json::parse(R"({"properties":{"key":{"type":"string","secret":true},"auth":{"type":"object",
                    "properties":{"password":{"type":"string","secret":true}}},"page":{"type":"string"}}})"),
                           {{"key", "k-998877"}, {"auth", {{"password", "hunter22"}}}, {"page", "2"}});
  ASSERT_EQ(secrets.size(), 2u);
  EXPECT_EQ(recording::RedactUrl("https://x.example/p/k-998877?access_token=abc&page=2&API_KEY=z#top", secrets),
            "https://x.example/p/REDACTED?access_token=REDACTED&page=2&API_KEY=REDACTED#top");
  recording::Exchange e;
  e.request.url = "https://x.example/login";
  e.request.body = "user=ana&password=hunter22";
  e.request.headers = {{"X-Api-Key", "abc"}, {"Accept", "text/html"}};
  e = recording::Redact(e, secrets);
  EXPECT_EQ(e.request.body, "user=ana&password=REDACTED");
  EXPECT_EQ(e.request.headers["X-Api-Key"], "REDACTED");
  EXPECT_EQ(e.request.headers["Accept"], "text/html");
}

TEST(SdkRecording, ABinaryBodyRoundTrips) {
  TempDir dir;
  recording::Exchange e;
  e.request.url = "https://x.example/logo.png";
  e.response.status = 200;
  e.response.body = std::string("\x89PNG\r\n\x1a\n\0\xff", 10);
  recording::Write(dir.path(), 1, e);
  EXPECT_NE(testing::ReadAll(dir.path() + "/0001.json").find("body_base64"), std::string::npos);
  auto back = recording::ReadAll(dir.path());
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].response.body, e.response.body);
}

TEST(SdkRecording, ABrokenRecordingIsNamed) {
  TempDir dir;
  dir.Write("0001.json", R"({"request": {"url": "https://x.example/"}, "response": {"status": "200"}})");
  try {
    recording::ReadAll(dir.path());
    FAIL() << "a status as a string was read";
  } catch (const Failure& f) {
    EXPECT_NE(std::string(f.what()).find("0001.json: response.status must be an integer"), std::string::npos)
        << f.what();
  }
}

// A plugin written in the test, to break the rules on purpose.
json g_answer;  // what the last host->http call answered
int g_codes[4];

int BreaksTheRules(const coophub_host* host, coophub_run* run, const char*, size_t) {
  const char* messages[] = {"not json", R"({"type":"RECORD","stream":"s","record":{"title":"no id"}})",
                            R"({"type":"NOPE"})", R"({"type":"STATE","stream":"s","state":{"n":1}})"};
  for (int i = 0; i < 4; ++i) g_codes[i] = host->emit(run, messages[i], std::strlen(messages[i]));
  std::thread([&] { host->log(run, COOPHUB_LOG_INFO, "from a thread", 13); }).join();
  const char* req = R"({"url":"https://unscripted.example/x"})";
  coophub_http_response* out = nullptr;
  if (host->http(run, req, std::strlen(req), &out) == COOPHUB_OK && out) {
    g_answer = {{"status", out->status}, {"error", std::string(out->error, out->error_len)}};
    host->http_free(run, out);
  }
  return COOPHUB_OK;
}

TEST(SdkFakeHost, SaysWhichRulesAPluginBroke) {
  static const coophub_plugin kPlugin = {
      sizeof(coophub_plugin), COOPHUB_ABI_VERSION, 1, "rulebreaker", "1", "", "{}", nullptr, nullptr, BreaksTheRules};
  FakeHost host(&kPlugin);
  auto run = host.Read({});
  EXPECT_FALSE(run.ok());
  EXPECT_EQ(g_codes[0], COOPHUB_INVALID);
  EXPECT_EQ(g_codes[1], COOPHUB_INVALID);
  EXPECT_EQ(g_codes[2], COOPHUB_INVALID);
  EXPECT_EQ(g_codes[3], COOPHUB_OK);
  ASSERT_EQ(run.problems.size(), 4u) << run.Describe();
  EXPECT_NE(run.problems[0].find("a message is not JSON: not json"), std::string::npos) << run.problems[0];
  EXPECT_NE(run.problems[1].find("a record needs a non-empty string \"id\""), std::string::npos) << run.problems[1];
  EXPECT_NE(run.problems[2].find("unknown message type \"NOPE\""), std::string::npos) << run.problems[2];
  EXPECT_NE(run.problems[3].find("called from another thread"), std::string::npos) << run.problems[3];
  EXPECT_EQ(run.State("s")["n"], 1) << "the valid message was kept";
  ASSERT_EQ(run.unanswered.size(), 1u);
  EXPECT_EQ(g_answer["status"], 0);
  EXPECT_NE(g_answer["error"].get<std::string>().find("nothing scripted or recorded answers GET"), std::string::npos);
  auto check = host.Check({});
  ASSERT_EQ(check.problems.size(), 1u);
  EXPECT_EQ(check.problems[0], "the plugin has no check operation");
}

TEST(SdkFakeHost, CancelsAsTheHubDoes) {
  FakeHost host(testing::LoadPlugin(FixturePlugin("count")));
  host.CancelAfter(5);
  auto run = host.Read({{"count", 100}, {"state_every", 2}});
  EXPECT_EQ(run.status, COOPHUB_CANCELLED) << run.Describe();
  EXPECT_EQ(run.messages.size(), 5u) << "nothing is taken after the cancel";
  EXPECT_EQ(run.State("numbers")["upto"], 2);
}

TEST(SdkFakeHost, ScriptedAnswersAreUsedInOrderOnceEach) {
  FakeHost host(testing::LoadPlugin(FixturePlugin("my_connector")));
  json config = {{"url", "https://api.example.org/items"}};
  host.Answer("https://api.example.org/items", 503, "");
  host.Answer("https://api.example.org/items*", 200, R"([{"id":"1","updated":"2026-12-01T00:00:00Z"}])");
  auto first = host.Read(config);
  ASSERT_TRUE(first.Error()) << first.Describe();
  EXPECT_NE(first.Error()->find("HTTP 503"), std::string::npos) << *first.Error();
  EXPECT_EQ(first.Of("ERROR")[0]["retryable"], true);
  auto second = host.Read(config);
  ASSERT_TRUE(second.ok()) << second.Describe();
  EXPECT_EQ(second.Records().size(), 1u);
  EXPECT_TRUE(second.requests[0].headers.count("Authorization") == 0) << "no token configured, none sent";
}

}  // namespace
}  // namespace coophub
