// SPDX-License-Identifier: Apache-2.0
//
// The http-json engine without a network: templates, paths, cursors, Link and
// Retry-After headers, mapping, manifest errors, and the request/retry/page loop over
// a scripted Io. Real servers are in tests/http_json_test.cc.
#include "engine.h"

#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <fstream>

#include "feed.h"
#include "manifest.h"

namespace coophub::httpjson {
namespace {

TEST(Template, ExpandsConfigItemCursorAndEnv) {
  json config = {{"base_url", "https://x.example"}, {"group", 7}};
  json item = {{"slug", "hello"}, {"author", {{"name", "Ana"}}}};
  json cursor = "2026-11-01T00:00:00Z";
  Scope s{&config, &item, &cursor};
  setenv("COOPHUB_TEST_SECRET", "s3", 1);
  EXPECT_EQ(Expand("${config.base_url}/t/${item.slug}?g=${config.group}&c=${cursor}", s),
            "https://x.example/t/hello?g=7&c=2026-11-01T00:00:00Z");
  EXPECT_EQ(Expand("${item.author.name}${config.missing}|${env:COOPHUB_TEST_SECRET}", s), "Ana|s3");
  EXPECT_THROW(Expand("${nope}", s), Failure);
  EXPECT_THROW(Expand("${config.base_url", s), Failure);
  // A sandboxed run (a source made through the API) expands no environment or file.
  AllowHostPlaceholders(false);
  EXPECT_THROW(Expand("${env:COOPHUB_TEST_SECRET}", s), Failure);
  EXPECT_THROW(Expand("${file:/etc/hostname}", s), Failure);
  EXPECT_EQ(Expand("${config.base_url}", s), "https://x.example") << "the config's own values still do";
  AllowHostPlaceholders(true);
  // A whole-string placeholder keeps the JSON type (GraphQL variables are typed).
  EXPECT_EQ(ExpandJson(json{{"limit", "${config.group}"}, {"q", "x${config.group}"}}, s),
            (json{{"limit", 7}, {"q", "x7"}}));
}

TEST(Path, FindsNestedValuesAndIndexes) {
  json doc = json::parse(R"({"a":{"b":[{"c":1},{"c":2}]},"top":[1]})");
  ASSERT_NE(GetPath(doc, "a.b[1].c"), nullptr);
  EXPECT_EQ(*GetPath(doc, "a.b[1].c"), 2);
  EXPECT_EQ(*GetPath(doc, ""), doc);
  EXPECT_EQ(GetPath(doc, "a.b[2].c"), nullptr);
  EXPECT_EQ(GetPath(doc, "a.x"), nullptr);
  EXPECT_EQ(GetPath(doc, "top.x"), nullptr);
}

TEST(Cursor, ComparesIdsTimesAndText) {
  EXPECT_LT(CompareCursor("99", "100"), 0);  // Mastodon ids: by value, not text
  EXPECT_LT(CompareCursor(json(5), "12"), 0);
  EXPECT_EQ(CompareCursor("0012", "12"), 0);
  EXPECT_LT(CompareCursor("2026-11-24T10:00:00+02:00", "2026-11-24T09:00:00Z"), 0);  // 08:00Z < 09:00Z
  EXPECT_GT(CompareCursor("b", "a"), 0);
}

TEST(Headers, LinkNextAndRetryAfter) {
  EXPECT_EQ(LinkNext(R"(<https://m.example/api?max_id=7>; rel="next", <https://m.example/api?min_id=9>; rel="prev")"),
            "https://m.example/api?max_id=7");
  EXPECT_EQ(LinkNext(R"(<https://m.example/api?min_id=9>; rel="prev")"), "");
  EXPECT_EQ(LinkNext(R"(<https://g.example/issues?page=2>; rel="next",<https://g.example/issues?page=5>; rel="last")"),
            "https://g.example/issues?page=2");
  feed::FeedGlobalInit();
  EXPECT_EQ(RetryAfter("7", 0), 7.0);
  EXPECT_EQ(RetryAfter("Wed, 25 Nov 2026 10:00:30 GMT", 1795600800), 30.0);  // 10:00:00Z + 30 s
  EXPECT_FALSE(RetryAfter("", 0));
  EXPECT_FALSE(RetryAfter("soon", 0));
}

TEST(Mapping, FormatsEveryKindOfField) {
  json mapping = json::parse(R"({
    "id": "id", "title": {"path": "title.rendered", "format": "html"},
    "time": "date_gmt", "updated": {"path": "ts", "format": "unix"},
    "url": "${config.base}/p/${item.id}", "tags": {"path": "labels", "each": "name"},
    "summary": {"path": "state", "map": {"open": "Open", "closed": "Done"}},
    "author": {"path": "nobody", "default": "unknown"},
    "amount": {"value": "cents", "currency": "cur", "format": "cents"},
    "location": {"name": "place", "lat": "lat", "lon": "lon"}})");
  json item = json::parse(R"({"id": 42, "title": {"rendered": "It&#8217;s <b>on</b>"},
    "date_gmt": "2026-11-20T10:00:00", "ts": 1795600800, "labels": [{"name": "a"}, {"name": "b"}],
    "state": "closed", "cents": -1250, "cur": "EUR", "place": "Hall", "lat": "41.38", "lon": 2.17})");
  json rec = MapRecord(mapping, item, json{{"base", "https://w.example"}}, "post");
  EXPECT_EQ(rec["id"], "42");
  EXPECT_EQ(rec["kind"], "post");
  EXPECT_EQ(rec["title"], "It\u2019s on");
  EXPECT_EQ(rec["time"], "2026-11-20T10:00:00Z");  // a zone-less time is UTC
  EXPECT_EQ(rec["updated"], "2026-11-25T10:00:00Z");
  EXPECT_EQ(rec["url"], "https://w.example/p/42");
  EXPECT_EQ(rec["tags"], json::array({"a", "b"}));
  EXPECT_EQ(rec["summary"], "Done");
  EXPECT_EQ(rec["author"], "unknown");
  EXPECT_EQ(rec["amount"], (json{{"value", "-12.50"}, {"currency", "EUR"}}));
  EXPECT_EQ(rec["location"], (json{{"name", "Hall"}, {"lat", 41.38}, {"lon", 2.17}}));
  EXPECT_EQ(rec["data"], item);
  EXPECT_THROW(MapRecord(mapping, json{{"title", "no id"}}, json::object(), "post"), Failure);
}

std::string ManifestError(const std::string& yaml) {
  try {
    CheckManifest(YamlToJson(yaml, "m.yaml"), "m.yaml");
  } catch (const Failure& f) {
    return f.what();
  }
  return "";
}

TEST(Manifest, ErrorsNameTheKey) {
  const std::string ok = "name: x\nbase_url: http://h\nstreams:\n  - name: s\n    mapping: {id: id}\n";
  EXPECT_EQ(ManifestError(ok), "");
  EXPECT_EQ(ManifestError(ok + "colour: red\n"),
            "m.yaml: manifest.colour: unknown key; expected one of auth, base_url, base_url_fallback, config, "
            "description, docs, fallback_help, headers, name, retry, streams, timeout_s");
  EXPECT_EQ(ManifestError("name: x\nbase_url: http://h\nstreams:\n  - name: s\n    mapping: {title: t}\n"),
            "m.yaml: streams[0].mapping.id: is required: the path of a value that identifies a record");
  EXPECT_EQ(ManifestError(ok + "    pagination: {type: pages}\n").substr(0, 50),
            "m.yaml: streams[0].pagination.type: must be one of");
  EXPECT_EQ(ManifestError("name: x\nbase_url: [unclosed\n").substr(0, 38), "m.yaml: not valid YAML at line 3: end ");
  EXPECT_EQ(ManifestError(ok + "auth: {type: query}\n"),
            "m.yaml: auth.name: is required for query auth: the header or parameter that carries the secret");
}

TEST(Manifest, EveryShippedManifestLoads) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(COOPHUB_MANIFESTS)) {
    if (e.path().extension() != ".yaml") continue;
    SCOPED_TRACE(e.path().string());
    EXPECT_NO_THROW(LoadManifest(e.path().string()));
    ++n;
  }
  EXPECT_GE(n, 6);
}

// An Io that answers from a script and records what was asked.
struct Script {
  std::deque<HttpResponse> answers;
  std::vector<HttpRequest> asked;
  std::vector<double> slept;
  std::vector<std::string> warnings;
  Io io() {
    return Io{[this](const HttpRequest& r) {
                asked.push_back(r);
                HttpResponse a = answers.front();
                answers.pop_front();
                return a;
              },
              [this](double s) { slept.push_back(s); }, [this](const std::string& w) { warnings.push_back(w); },
              [] { return false; }, [] { return int64_t{1795600800}; }};
  }
};

HttpResponse Answer(int status, std::string body, std::map<std::string, std::string> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

json TestManifest(const std::string& extra = "") {
  return CheckManifest(YamlToJson(R"(name: t
base_url: http://api.example/v1
auth: {type: query, name: api_key, value: "${config.api_key}"}
retry: {attempts: 3, initial_delay_s: 0.5}
streams:
  - name: items
    kind: task
    request: {path: /items, params: {state: all}}
    records: data.items
    pagination: {type: page, param: page, size_param: per, size: 2}
    incremental: {field: updated, param: since}
    mapping: {id: id, title: name, updated: updated}
)" + extra,
                                  "t.yaml"),
                       "t.yaml");
}

TEST(Api, PagesRetriesAndKeepsTheCursor) {
  Script sc;
  sc.answers = {Answer(503, "", {{"retry-after", "2"}}),
                Answer(200, R"({"data":{"items":[{"id":1,"name":"a","updated":"2026-11-01T00:00:00Z"},
                                                  {"id":2,"name":"b","updated":"2026-11-03T00:00:00Z"}]}})"),
                Answer(200, R"({"data":{"items":[{"id":3,"name":"c","updated":"2026-11-02T00:00:00Z"}]}})")};
  Api api(TestManifest(), json{{"api_key", "k&y"}}, sc.io());
  std::vector<json> got;
  json state = api.ReadStream(TestManifest()["streams"][0], json(), [&](json r) {
    got.push_back(r);
    return true;
  });
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2]["title"], "c");
  EXPECT_EQ(state, (json{{"cursor", "2026-11-03T00:00:00Z"}}));
  ASSERT_EQ(sc.asked.size(), 3u);
  EXPECT_EQ(sc.asked[0].url, "http://api.example/v1/items?state=all&per=2&page=1&api_key=k%26y");
  EXPECT_EQ(sc.asked[2].url, "http://api.example/v1/items?state=all&per=2&page=2&api_key=k%26y");
  EXPECT_EQ(sc.slept, std::vector<double>{2.0});  // Retry-After, not the 0.5 s backoff
  ASSERT_EQ(sc.warnings.size(), 1u);
  EXPECT_EQ(sc.warnings[0].find("k%26y"), std::string::npos) << sc.warnings[0];  // the key is never shown
  EXPECT_NE(sc.warnings[0].find("api_key=***"), std::string::npos) << sc.warnings[0];

  // The next run sends the cursor less the overlap (5 min), and drops what is older.
  sc.answers = {Answer(200, R"({"data":{"items":[{"id":1,"name":"a","updated":"2026-11-01T00:00:00Z"},
                                                 {"id":4,"name":"d","updated":"2026-11-04T00:00:00Z"}]}})"),
                Answer(200, R"({"data":{"items":[]}})")};
  got.clear();
  state = api.ReadStream(TestManifest()["streams"][0], state, [&](json r) {
    got.push_back(r);
    return true;
  });
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["id"], "4");
  EXPECT_NE(sc.asked[3].url.find("since=2026-11-02T23%3A55%3A00Z"), std::string::npos) << sc.asked[3].url;
  EXPECT_EQ(state["cursor"], "2026-11-04T00:00:00Z");
}

// WordPress's modified_after is strict and to the second: an edit in the cursor's own
// second, or one whose time was written late, would be missed for good. Every time
// cursor is read again from overlap_s (300) before it; the store drops what is unchanged.
TEST(Api, ATimeCursorIsReadAgainFromAnOverlap) {
  Script sc;
  json m = TestManifest();
  json stream = m["streams"][0];
  stream["pagination"]["size"] = 10;  // one page holds them all
  sc.answers = {Answer(200, R"({"data":{"items":[
      {"id":1,"name":"same second","updated":"2026-11-30T10:00:00"},
      {"id":2,"name":"written late","updated":"2026-11-30T09:58:00"},
      {"id":3,"name":"too old","updated":"2026-11-30T09:50:00"}]}})")};
  Api api(m, json{{"api_key", "k"}}, sc.io());
  std::vector<std::string> got;
  json state = api.ReadStream(stream, json{{"cursor", "2026-11-30T10:00:00"}}, [&](json r) {
    got.push_back(r["title"]);
    return true;
  });
  EXPECT_EQ(got, (std::vector<std::string>{"same second", "written late"}));
  ASSERT_EQ(sc.asked.size(), 1u);
  EXPECT_NE(sc.asked[0].url.find("since=2026-11-30T09%3A55%3A00&"), std::string::npos)
      << "a local time stays local: " << sc.asked[0].url;
  EXPECT_EQ(state["cursor"], "2026-11-30T10:00:00");

  stream["incremental"]["overlap_s"] = 0;  // an API whose filter is inclusive may say so
  sc.answers = {Answer(200, R"({"data":{"items":[]}})")};
  api.ReadStream(stream, json{{"cursor", "2026-11-30T10:00:00+01:00"}}, [](json) { return true; });
  EXPECT_NE(sc.asked[1].url.find("since=2026-11-30T10%3A00%3A00%2B01%3A00"), std::string::npos) << sc.asked[1].url;
  stream["incremental"]["overlap_s"] = 60;
  sc.answers = {Answer(200, R"({"data":{"items":[]}})")};
  api.ReadStream(stream, json{{"cursor", "12345"}}, [](json) { return true; });
  EXPECT_NE(sc.asked[2].url.find("since=12345"), std::string::npos) << "ids are not times: " << sc.asked[2].url;
}

// A full pass cut short (here by max_pages) records no completed pass, so nothing is
// deleted; and a state whose full_pass is not what the engine wrote starts a pass.
TEST(Api, AFullPassCutShortIsNotComplete) {
  Script sc;
  json m = TestManifest();
  json stream = m["streams"][0];
  stream["full_pass"] = {{"every_s", 86400}};
  stream["pagination"]["max_pages"] = 1;
  sc.answers = {Answer(200, R"({"data":{"items":[{"id":1,"name":"a","updated":"2026-11-01T00:00:00Z"},
                                                 {"id":2,"name":"b","updated":"2026-11-02T00:00:00Z"}]}})")};
  Api api(m, json{{"api_key", "k"}}, sc.io());
  int64_t version = api.FullPassVersion(stream, json::object());
  ASSERT_GT(version, 0) << "no state: a full pass is due";
  json state = api.ReadStream(
      stream, json::object(), [](json) { return true; }, version);
  EXPECT_FALSE(Api::CompletedPass(state, version)) << state.dump();
  EXPECT_FALSE(state.contains("full_pass"));
  for (const json& odd : {json{{"cursor", "x"}, {"full_pass", nullptr}}, json{{"cursor", "x"}, {"full_pass", "yes"}},
                          json{{"cursor", "x"}, {"full_pass", {{"at", "soon"}, {"version", true}}}}})
    EXPECT_GT(api.FullPassVersion(stream, odd), 0) << odd.dump();
  EXPECT_FALSE(Api::CompletedPass(json{{"full_pass", nullptr}}, version));
}

TEST(Api, GivesUpWithAMessageThatSaysWhy) {
  auto ErrorOf = [](std::deque<HttpResponse> answers) -> std::string {
    Script sc;
    sc.answers = std::move(answers);
    Api api(TestManifest(), json{{"api_key", "sekret"}}, sc.io());
    try {
      api.ReadStream(TestManifest()["streams"][0], json(), [](json) { return true; });
    } catch (const Failure& f) {
      return f.what();
    }
    return "no error";
  };
  EXPECT_EQ(ErrorOf({Answer(200, R"({"items":[]})")}),
            "the response from http://api.example/v1/items?state=all&per=2&page=1&api_key=*** is not what manifest "
            "\"t\" expects: stream \"items\" looks for a list of records at \"data.items\" and found nothing (the "
            "response has keys: items); the API may have changed, or base_url may point at another service");
  EXPECT_EQ(ErrorOf({Answer(401, "")}).substr(0, 113),
            "HTTP 401 from http://api.example/v1/items?state=all&per=2&page=1&api_key=***: the credentials were "
            "refused; check");
  std::string not_json = ErrorOf({Answer(200, "<html>sekret</html>", {{"content-type", "text/html"}})});
  EXPECT_NE(not_json.find("is not JSON (Content-Type text/html): it begins \"<html>***</html>\""), std::string::npos)
      << not_json;
  std::string busy = ErrorOf({Answer(500, ""), Answer(502, ""), Answer(503, "")});
  EXPECT_NE(busy.find("HTTP 503"), std::string::npos) << busy;
  EXPECT_NE(busy.find("the hub will retry later"), std::string::npos) << busy;
  std::string wait = ErrorOf({Answer(429, "", {{"retry-after", "3600"}})});
  EXPECT_NE(wait.find("asks to wait 3600 s"), std::string::npos) << wait;
  std::string latin1 =
      ErrorOf({Answer(200, "{\"name\": \"Caf\xe9\"}", {{"content-type", "application/json; charset=iso-8859-1"}})});
  EXPECT_NE(latin1.find("is not UTF-8 (Content-Type application/json; charset=iso-8859-1), and JSON is always UTF-8"),
            std::string::npos)
      << latin1;
  std::string gone = ErrorOf({Answer(404, "")});
  EXPECT_NE(
      gone.find(
          "HTTP 404 from http://api.example/v1/items?state=all&per=2&page=1&api_key=***: there is nothing at this "
          "address; check base_url"),
      std::string::npos)
      << gone;
  std::string forbidden = ErrorOf({Answer(403, "")});
  EXPECT_NE(forbidden.find("HTTP 403 from"), std::string::npos) << forbidden;
  EXPECT_NE(forbidden.find("the credentials were refused"), std::string::npos) << forbidden;
  std::string gql = ErrorOf({Answer(200, R"({"errors":[{"message":"Account not found"}],"data":null})")});
  EXPECT_NE(gql.find("answered with errors: Account not found"), std::string::npos) << gql;
}

TEST(Api, DescendingStreamsStopAtTheCursor) {
  Script sc;
  sc.answers = {Answer(200, R"([{"id":"120"},{"id":"110"},{"id":"99"}])",
                       {{"link", "<http://api.example/v1/s?max_id=99>; rel=\"next\""}})};
  json m = CheckManifest(YamlToJson(R"(name: d
base_url: http://api.example/v1
streams:
  - name: s
    request: {path: /s}
    pagination: {type: link}
    incremental: {field: id, param: since_id, order: desc}
    mapping: {id: id}
)",
                                    "d.yaml"),
                         "d.yaml");
  Api api(m, json::object(), sc.io());
  std::vector<std::string> ids;
  json state = api.ReadStream(m["streams"][0], json{{"cursor", "100"}}, [&](json r) {
    ids.push_back(r["id"]);
    return true;
  });
  EXPECT_EQ(ids, (std::vector<std::string>{"120", "110"}));
  EXPECT_EQ(sc.asked.size(), 1u);  // the page with 99 ends the read: no next page
  EXPECT_EQ(state["cursor"], "120");
}

// Every JSONTestSuite document as a response body: the engine stores records or ends
// with a Failure (never a crash); valid JSON is never called "not JSON", invalid JSON
// always fails.
TEST(Api, SurvivesEveryJsonTestSuiteDocument) {
  std::string dir = std::string(COOPHUB_CORPORA) + "/JSONTestSuite/test_parsing";
  ASSERT_TRUE(std::filesystem::exists(dir)) << dir;
  json m =
      CheckManifest(YamlToJson("name: j\nbase_url: http://h\nstreams: [{name: s, mapping: {id: id}}]\n", "j"), "j");
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    std::ifstream f(e.path(), std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    Script sc;
    sc.answers = {Answer(200, body)};
    Api api(m, json::object(), sc.io());
    std::string error;
    try {
      api.ReadStream(m["streams"][0], json(), [](json) { return true; });
    } catch (const Failure& f) {
      error = f.what();
    }
    bool said_not_json =
        error.find("is not JSON") != std::string::npos || error.find("is not UTF-8") != std::string::npos;
    if (name[0] == 'y') {
      EXPECT_FALSE(said_not_json) << name << ": " << error;
    } else if (name[0] == 'n') {
      EXPECT_FALSE(error.empty()) << name << " was accepted";
    }
    ++files;
  }
  EXPECT_GT(files, 300);
}

}  // namespace
}  // namespace coophub::httpjson
