// SPDX-License-Identifier: Apache-2.0
//
// The trust model, tried as an attacker would against a running `coophub serve`: a
// connector whose lines have the wrong types, an editor who points a source at the
// server's own files or services, a stranger who sends hostile requests. Each test
// names the attack it stands for; each failed on the hub before these defences.
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/local_server.h"
#include "support/hub_process.h"

namespace coophub {
namespace {

using testing::Hub;
using testing::TempDir;

// An exec connector that prints the given protocol lines, one per line, then exits 0.
std::string LinesConnector(const TempDir& dir, const std::string& name, const std::vector<std::string>& lines) {
  std::string script = "#!/bin/sh\ncat <<'EOF'\n";
  for (const auto& l : lines) script += l + "\n";
  script += "EOF\n";
  std::string path = dir.Write(name + ".sh", script);
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

std::string LastMessage(const json& source) {
  return source["last_run"].is_object() ? source["last_run"].value("message", "") : "(no run)";
}

// Each test runs twice: on a hub on SQLite and on a hub on PostgreSQL.
class TrustTest : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Stores, TrustTest, testing::StoreBackends(), testing::BackendName);

// A connector line of the right shape with a field of the wrong type used to end the
// whole `coophub serve` with an uncaught nlohmann::json type_error.
TEST_P(TrustTest, AConnectorLineOfTheWrongTypeFailsOnlyItsRun) {
  TempDir dir;
  const std::string rec = R"({"type":"RECORD","stream":"s","record":{"id":"1","title":"kept"}})";
  struct Bad {
    const char* id;
    std::string line;
    const char* error;
  } bad[] = {
      {"log-level", R"({"type":"LOG","level":2,"message":"x"})", "line 2: LOG field \"level\" must be a string"},
      {"retryable", R"({"type":"ERROR","message":"x","retryable":"yes"})",
       "line 2: ERROR field \"retryable\" must be true or false"},
      {"progress", R"({"type":"PROGRESS","done":"half"})", "line 2: PROGRESS field \"done\" must be a whole number"},
      {"kind", R"({"type":"RECORD","stream":"s","record":{"id":"2","kind":7}})", "kind \"7\" is not one of"},
      {"delete-id", R"({"type":"DELETE","stream":"s","id":{"x":1}})", "line 2: DELETE field \"id\" must be a string"},
  };
  std::string cfg = "scheduler: {max_concurrent_runs: 2, jitter: 1s}\nsources:\n";
  for (const auto& b : bad)
    cfg += std::string("  - id: ") + b.id + "\n    plugin: exec:" + LinesConnector(dir, b.id, {rec, b.line}) +
           "\n    every: 1h\n";
  cfg += "  - id: good\n    plugin: exec:" + LinesConnector(dir, "good", {rec}) + "\n    every: 1h\n";
  Hub hub(dir.Write("hub.yaml", cfg), dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  for (const auto& b : bad) {
    json s = hub.WaitForRun(b.id);
    EXPECT_EQ(s["last_run"]["status"], "failed") << b.id << ": " << s.dump();
    EXPECT_NE(LastMessage(s).find(b.error), std::string::npos) << b.id << ": " << LastMessage(s);
    EXPECT_EQ(s["records"], 1) << b.id << ": the record before the bad line is kept";
  }
  EXPECT_EQ(hub.WaitForRun("good")["last_run"]["status"], "ok");
  EXPECT_EQ(hub.Get("/healthz").status, 200) << "the hub still serves: " << hub.log();

  // The same lines through `coophub read` give the protocol's exit status 3.
  std::string out, err;
  EXPECT_EQ(testing::RunCommand({COOPHUB_BINARY, "read", "exec:" + dir.path() + "/log-level.sh", "--config", "{}"},
                                &out, &err),
            3)
      << err;
  EXPECT_NE(err.find("LOG field \"level\" must be a string"), std::string::npos) << err;
}

// A web site on one loopback address, counting what reaches it: the "internal service"
// an editor must not reach, or a public site that an admin allowed.
class Site {
 public:
  explicit Site(const std::string& address)
      : server_([this](httplib::Server& srv) { srv.Get(".*", [this](const auto& q, auto& r) { Serve(q, r); }); },
                address) {}
  std::string Url(const std::string& path, const std::string& host = "") const { return server_.Url(path, host); }
  int port() const { return server_.port(); }
  int requests() const { return requests_; }
  std::string last_authorization() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_authorization_;
  }
  void RedirectTo(const std::string& url) {
    std::lock_guard<std::mutex> lock(mu_);
    redirect_to_ = url;
  }

 private:
  void Serve(const httplib::Request& req, httplib::Response& res) {
    ++requests_;
    std::lock_guard<std::mutex> lock(mu_);
    last_authorization_ = req.get_header_value("Authorization");
    if (req.path == "/moved") {  // a redirect to whatever `redirect_to` says
      res.status = 302;
      res.set_header("Location", redirect_to_);
      return;
    }
    res.set_content(R"(<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>)"
                    R"(<item><guid>secret-1</guid><title>internal secret</title></item></channel></rss>)",
                    "application/rss+xml");
  }

  std::atomic<int> requests_{0};
  mutable std::mutex mu_;
  std::string last_authorization_;  // guarded by mu_
  std::string redirect_to_;         // guarded by mu_
  testing::LocalServer server_;     // last, so destroyed first: it stops before the members above go
};

// A user made with the command line, and a token for them ("write" scope).
std::string AddUser(const std::string& cfg, const std::string& data, const std::string& name, const std::string& role) {
  std::string pw = data + "/" + name + "-password", out, err;
  std::ofstream(pw) << "a long enough password for " << name << "\n";
  testing::RunCommand(
      {COOPHUB_BINARY, "user", "add", name, "--role", role, "--password-file", pw, "--config", cfg, "--data", data},
      &out, &err);
  out.clear();
  testing::RunCommand({COOPHUB_BINARY, "token", "add", name, "--scope", role == "viewer" ? "read" : "write", "--config",
                       cfg, "--data", data},
                      &out, &err);
  return out.substr(0, out.find('\n'));
}

testing::Http As(const std::string& token, const std::string& method, const std::string& url, const json& body = {}) {
  return testing::Call(method, url, body.is_null() ? "" : body.dump(), {{"Authorization", "Bearer " + token}});
}

// Every way an editor used to read the hub machine's files through a source.
TEST_P(TrustTest, AnEditorReadsNoFileOutsideTheFileRoots) {
  TempDir dir;
  std::string exports = dir.path() + "/exports";
  dir.Write("exports/ledger.csv", "Ref,Label\n1,Coffee\n2,Tea\n");
  dir.Write("private/shadow.csv", "Ref,Label\n1,root-password-hash\n");
  std::filesystem::create_symlink(dir.path() + "/private/shadow.csv", exports + "/link.csv");
  std::string cfg = dir.Write("hub.yaml", "api_sources: {file_roots: [exports]}\nsources: []\n");
  std::string data = dir.path() + "/data";
  Hub hub(cfg, data);
  ASSERT_TRUE(hub.ok()) << hub.log();
  std::string editor = AddUser(cfg, data, "ed", "editor");
  ASSERT_FALSE(editor.empty());

  auto Source = [&](const std::string& id, const json& config) {
    return json{{"id", id}, {"plugin", "csv"}, {"visibility", "public"}, {"config", config}};
  };
  json columns = {{"id", "Ref"}, {"title", "Label"}};
  struct Refused {
    json config;
    const char* says;
  } refused[] = {
      {{{"url", "/etc/passwd"}, {"columns", columns}}, "is a path, not a URL"},
      {{{"url", dir.path() + "/private/shadow.csv"}, {"columns", columns}}, "is a path, not a URL"},
      {{{"url", "exports/ledger.csv"}, {"columns", columns}}, "did you mean https://exports/ledger.csv?"},
      {{{"url", "file:///etc/passwd"}, {"columns", columns}}, "api_sources.file_roots"},
      {{{"url", "file://" + exports + "/../private/shadow.csv"}, {"columns", columns}}, "api_sources.file_roots"},
      {{{"url", "file://" + exports + "/link.csv"}, {"columns", columns}}, "api_sources.file_roots"},
      {{{"url", "file://" + dir.path() + "/data/coophub.db"}, {"columns", columns}}, "api_sources.file_roots"},
      {{{"url", "${file:/etc/passwd}"}, {"columns", columns}}, "${env:…} and ${file:…} are for sources in hub.yaml"},
      {{{"url", "https://example.org/${env:HOME}"}, {"columns", columns}}, "are for sources in hub.yaml"},
  };
  int n = 0;
  for (const auto& r : refused) {
    testing::Http made =
        As(editor, "POST", hub.base() + "/api/v1/sources", Source("bad" + std::to_string(n++), r.config));
    EXPECT_EQ(made.status, 400) << r.config.dump() << ": " << made.body;
    EXPECT_NE(made.body.find(r.says), std::string::npos) << made.body;
    testing::Http check =
        As(editor, "POST", hub.base() + "/api/v1/sources/check", {{"plugin", "csv"}, {"config", r.config}});
    EXPECT_EQ(check.status, 400) << "Test connection refuses the same: " << check.body;
  }
  EXPECT_EQ(hub.GetAnon("/api/v1/records").body.find("root-password-hash"), std::string::npos);

  testing::Http ok = As(editor, "POST", hub.base() + "/api/v1/sources",
                        Source("ledger", {{"url", "file://" + exports + "/ledger.csv"}, {"columns", columns}}));
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(hub.WaitForRun("ledger")["records"], 2) << "files under a root are read";

  // The run-time guard holds even for a config the API never saw: a symlink swapped in
  // after the source was made.
  std::filesystem::remove(exports + "/ledger.csv");
  std::filesystem::create_symlink(dir.path() + "/private/shadow.csv", exports + "/ledger.csv");
  EXPECT_EQ(hub.Post("/api/v1/sources/ledger/sync").status, 202);
  json after = hub.WaitForRun("ledger", 2);
  EXPECT_EQ(after["last_run"]["status"], "failed") << after.dump();
  EXPECT_NE(LastMessage(after).find("api_sources.file_roots"), std::string::npos) << LastMessage(after);
  EXPECT_EQ(hub.GetAnon("/api/v1/records").body.find("root-password-hash"), std::string::npos);

  // A manifest is a name for sources made through the API, never a path on the hub.
  testing::Http manifest =
      As(editor, "POST", hub.base() + "/api/v1/sources",
         {{"id", "m"},
          {"plugin", "http-json"},
          {"config", {{"manifest", dir.path() + "/private/shadow.csv"}, {"base_url", "https://example.org"}}}});
  if (manifest.status == 201) {
    json m = hub.WaitForRun("m");
    EXPECT_NE(LastMessage(m).find("is a path"), std::string::npos) << LastMessage(m);
  } else {
    EXPECT_EQ(manifest.status, 400) << manifest.body;
  }
}

// An editor's source fetched the hub's own API, services on 127.0.0.1 and anything a
// redirect or a resolver pointed at; Test connection told open ports from closed ones.
TEST_P(TrustTest, AnEditorsSourcesReachOnlyPublicAddressesOrAllowedHosts) {
  TempDir dir;
  Site internal("127.0.0.1");  // a service on the hub's machine
  Site allowed("127.0.0.2");   // a host the admin allows (stands for a public site)
  internal.RedirectTo(internal.Url("/feed"));
  allowed.RedirectTo(internal.Url("/feed"));
  std::string resolve = dir.Write("resolve", "rebind.test:" + std::to_string(allowed.port()) + ":127.0.0.2\n");
  setenv("COOPHUB_RESOLVE_FILE", resolve.c_str(), 1);
  std::string cfg = dir.Write("hub.yaml", "api_sources: {allow_hosts: [127.0.0.2]}\nsources: []\n");
  std::string data = dir.path() + "/data";
  Hub hub(cfg, data);
  unsetenv("COOPHUB_RESOLVE_FILE");
  ASSERT_TRUE(hub.ok()) << hub.log();
  std::string editor = AddUser(cfg, data, "ed", "editor");

  auto Check = [&](const std::string& url) {
    testing::Http r =
        As(editor, "POST", hub.base() + "/api/v1/sources/check", {{"plugin", "rss"}, {"config", {{"url", url}}}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json();
  };
  json to_hub = Check(hub.base() + "/api/v1/records");
  json to_service = Check(internal.Url("/feed"));
  json to_closed = Check("http://127.0.0.1:" + std::to_string(testing::FreePort()) + "/feed");
  json redirected = Check(allowed.Url("/moved"));
  for (const json* r : {&to_hub, &to_service, &to_closed, &redirected}) {
    EXPECT_FALSE((*r)["ok"].get<bool>()) << r->dump();
    EXPECT_NE((*r)["message"].get<std::string>().find("the address is not public"), std::string::npos) << r->dump();
  }
  auto Words = [](json r) {  // the message without its URL: the same for open and closed
    std::string m = r["message"];
    return m.substr(m.find(": "));
  };
  EXPECT_EQ(Words(to_service), Words(to_closed)) << "a refused address reads as one where nothing answers";
  EXPECT_EQ(internal.requests(), 0) << "nothing reached the internal service";
  EXPECT_EQ(allowed.requests(), 1) << "the allowed host was asked, its redirect to loopback refused";

  // A name that resolves to the allowed address when checked and to loopback when
  // fetched: the address is checked when connecting, every time.
  json good = Check(allowed.Url("/feed", "rebind.test"));
  EXPECT_TRUE(good["ok"].get<bool>()) << good.dump();
  testing::Http made = As(editor, "POST", hub.base() + "/api/v1/sources",
                          {{"id", "rebind"},
                           {"plugin", "rss"},
                           {"every", "1h"},
                           {"config", {{"url", allowed.Url("/feed", "rebind.test")}}}});
  ASSERT_EQ(made.status, 201) << made.body;
  json first = hub.WaitForRun("rebind");
  EXPECT_EQ(first["last_run"]["status"], "ok") << first.dump();
  std::ofstream(resolve) << "rebind.test:" << allowed.port() << ":127.0.0.1\n";
  Site internal_same_port_guard("127.0.0.1");  // whatever listens there, it must see nothing
  EXPECT_EQ(hub.Post("/api/v1/sources/rebind/sync").status, 202);
  json second = hub.WaitForRun("rebind", 2);
  EXPECT_EQ(second["last_run"]["status"], "failed") << second.dump();
  EXPECT_NE(LastMessage(second).find("the address is not public"), std::string::npos) << LastMessage(second);
  EXPECT_EQ(internal.requests(), 0);

  // hub.yaml's sources are the admin's: they reach loopback as before.
  std::string out, err;
  EXPECT_EQ(testing::RunCommand(
                {COOPHUB_BINARY, "check", "rss", "--config", json{{"url", internal.Url("/feed")}}.dump()}, &out, &err),
            0)
      << err;
}

// What a source says about itself is for readers of its records; an editor cannot
// widen a source's audience, nor send a stored secret to another site.
TEST_P(TrustTest, AnEditorCannotWidenAnAudienceOrMoveASecret) {
  TempDir dir;
  Site one("127.0.0.2"), other("127.0.0.3");
  std::string feeds = std::string(COOPHUB_SOURCE_DIR) + "/examples/demo/feeds";
  std::string cfg = dir.Write("hub.yaml",
                              "api_sources: {allow_hosts: [127.0.0.2, 127.0.0.3]}\nsources:\n"
                              "  - id: payroll\n    plugin: rss\n    visibility: admins\n"
                              "    config: {url: /nonexistent/payroll-for-ana.xml}\n");
  std::string data = dir.path() + "/data";
  Hub hub(cfg, data);
  ASSERT_TRUE(hub.ok()) << hub.log();
  std::string editor = AddUser(cfg, data, "ed", "editor"), viewer = AddUser(cfg, data, "vi", "viewer");
  hub.WaitForRun("payroll");
  for (const std::string& token : {editor, viewer}) {
    std::string list = As(token, "GET", hub.base() + "/api/v1/sources").body;
    EXPECT_EQ(list.find("payroll"), std::string::npos) << "an admins-only source is not listed: " << list;
    EXPECT_EQ(As(token, "GET", hub.base() + "/api/v1/sources/payroll").status, 404);
    EXPECT_EQ(As(token, "GET", hub.base() + "/api/v1/sources/payroll/runs").status, 404);
    EXPECT_EQ(As(token, "GET", hub.base() + "/metrics").body.find("payroll"), std::string::npos);
  }
  json runs = hub.Get("/api/v1/sources/payroll/runs").Json()["items"];
  ASSERT_FALSE(runs.empty());
  std::string run = "/api/v1/runs/" + std::to_string(runs[0]["id"].get<int64_t>());
  EXPECT_EQ(As(viewer, "GET", hub.base() + run).status, 404) << "its run log names a private file";
  EXPECT_EQ(hub.Get(run).status, 200);
  EXPECT_EQ(hub.GetAnon("/").body.find("payroll-for-ana"), std::string::npos);
  EXPECT_EQ(As(editor, "POST", hub.base() + "/api/v1/sources/payroll/sync").status, 404);
  EXPECT_EQ(As(editor, "PATCH", hub.base() + "/api/v1/sources/payroll", {{"visibility", "public"}}).status, 404)
      << "an editor cannot open an admins-only source to the public";
  EXPECT_EQ(As(editor, "DELETE", hub.base() + "/api/v1/sources/payroll").status, 404);

  // An editor makes members' and public sources, never admins-only ones, and cannot
  // move one of theirs up to admins (which they could then not see) either.
  json src = {{"id", "blog"},
              {"plugin", "rss"},
              {"every", "1h"},
              {"visibility", "admins"},
              {"config", {{"url", one.Url("/feed")}, {"auth_header", "Bearer blog-secret"}}}};
  EXPECT_EQ(As(editor, "POST", hub.base() + "/api/v1/sources", src).status, 403);
  src["visibility"] = "members";
  ASSERT_EQ(As(editor, "POST", hub.base() + "/api/v1/sources", src).status, 201);
  EXPECT_EQ(hub.WaitForRun("blog")["last_run"]["status"], "ok");
  EXPECT_EQ(one.last_authorization(), "Bearer blog-secret");
  EXPECT_EQ(As(editor, "PATCH", hub.base() + "/api/v1/sources/blog", {{"visibility", "admins"}}).status, 403);

  // Changing only the URL to another site clears the secret, and says so.
  testing::Http moved =
      As(editor, "PATCH", hub.base() + "/api/v1/sources/blog", {{"config", {{"url", other.Url("/feed")}}}});
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(moved.Json()["secrets_cleared"], json::array({"auth_header"})) << moved.body;
  EXPECT_EQ(moved.Json()["secrets_set"], json::array());
  EXPECT_EQ(hub.Post("/api/v1/sources/blog/sync").status, 202);
  EXPECT_EQ(hub.WaitForRun("blog", 2)["last_run"]["status"], "ok");
  EXPECT_GE(other.requests(), 1);
  EXPECT_EQ(other.last_authorization(), "") << "the secret never went to the other site";
  // The same site keeps it: only the path changed.
  ASSERT_EQ(As(editor, "PATCH", hub.base() + "/api/v1/sources/blog",
               {{"config", {{"url", other.Url("/feed")}, {"auth_header", "Bearer other-secret"}}}})
                .status,
            200);
  testing::Http same =
      As(editor, "PATCH", hub.base() + "/api/v1/sources/blog", {{"config", {{"url", other.Url("/feed?x=1")}}}});
  EXPECT_EQ(same.Json()["secrets_set"], json::array({"auth_header"})) << same.body;
  EXPECT_FALSE(same.Json().contains("secrets_cleared"));
}

// Accounts and the store file: the redirect after sign-in, wrong types in bodies, and
// who may read coophub.db.
TEST_P(TrustTest, SignInStaysOnTheHubAndTheStoreIsPrivate) {
  TempDir dir;
  std::string cfg = dir.Write("hub.yaml", "sources: []\n");
  Hub hub(cfg, dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  for (const char* next : {"/%09/evil.example", "//evil.example", "/%5Cevil.example", "https://evil.example",
                           "/%0d%0aLocation:%20//evil.example", "/\\evil.example"}) {
    testing::Http page = hub.GetAnon(std::string("/login?next=") + next);
    ASSERT_EQ(page.status, 200) << next;
    EXPECT_NE(page.body.find("name=\"next\" value=\"/\""), std::string::npos) << next << " became /";
  }
  testing::Http kept = hub.GetAnon("/login?next=/admin%3Ftab%3Dsources");
  EXPECT_NE(kept.body.find("value=\"/admin?tab=sources\""), std::string::npos) << "a local path is kept";

  // A wrong type in a body is a 400 naming the field, never a 500.
  for (const auto& [path, body] : std::vector<std::pair<std::string, std::string>>{
           {"/api/v1/shares", R"({"name": 5, "visibility": "public"})"},
           {"/api/v1/shares", R"({"name": "x", "visibility": ["public"]})"},
           {"/api/v1/sources", R"({"id": 5, "plugin": "rss", "config": {}})"},
           {"/api/v1/sources", R"({"id": "x", "plugin": ["rss"], "config": {}})"},
           {"/api/v1/tokens", R"({"name": "x", "scope": 3})"}}) {
    testing::Http r = hub.Post(path, body);
    EXPECT_EQ(r.status, 400) << path << " " << body << ": " << r.body;
  }

  namespace fs = std::filesystem;
  for (const char* f : {"/data/coophub.db", "/data/coophub.db-wal", "/data/coophub.db-shm"}) {
    if (!fs::exists(dir.path() + f)) continue;
    EXPECT_EQ(fs::status(dir.path() + f).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write)
        << f << " is for the hub's user alone";
  }
}

// A connector that quotes what it was given (a URL with a token, a header) used to put
// a resolved ${env:} value into the run's log and the hub's.
TEST_P(TrustTest, ResolvedSecretsNeverReachALog) {
  TempDir dir;
  const std::string secret = "tok-9f8e7d6c5b4a";
  std::string script =
      dir.Write("leaky.sh",
                "#!/bin/sh\n# prints its own config: the resolved secret\n"
                "cfg=$(cat \"$3\")\n"
                "echo \"connecting with $cfg\" >&2\n"
                "printf '{\"type\":\"LOG\",\"level\":\"info\",\"message\":\"%s\"}\\n' \"$(echo $cfg | tr -d '\\\"')\"\n"
                "printf '{\"type\":\"ERROR\",\"message\":\"refused %s\"}\\n' \"$(echo $cfg | tr -d '\\\"')\"\n");
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  setenv("COOPHUB_TEST_SECRET", secret.c_str(), 1);
  std::string cfg = dir.Write("hub.yaml", "sources:\n  - id: leaky\n    plugin: exec:" + script +
                                              "\n    every: 1h\n    config: {token: \"${env:COOPHUB_TEST_SECRET}\"}\n");
  Hub hub(cfg, dir.path() + "/data");
  unsetenv("COOPHUB_TEST_SECRET");
  ASSERT_TRUE(hub.ok()) << hub.log();
  json s = hub.WaitForRun("leaky");
  ASSERT_EQ(s["last_run"]["status"], "failed") << s.dump();
  std::string run = hub.Get("/api/v1/runs/" + std::to_string(s["last_run"]["id"].get<int64_t>())).body;
  EXPECT_NE(run.find("[secret]"), std::string::npos) << "the connector did quote it: " << run;
  EXPECT_EQ(run.find(secret), std::string::npos) << run;
  EXPECT_EQ(s.dump().find(secret), std::string::npos);
  EXPECT_EQ(hub.log().find(secret), std::string::npos) << hub.log();
}

std::string SetCookie(const testing::Http& r, const std::string& name) {
  for (size_t at = r.headers.find("set-cookie: " + name + "="); at != std::string::npos;
       at = r.headers.find("set-cookie: " + name + "=", at + 1)) {
    size_t start = at + 12 + name.size() + 1;
    std::string value = r.headers.substr(start, r.headers.find_first_of(";\r\n", start) - start);
    if (!value.empty()) return value;
  }
  return "";
}

std::string Form(const std::map<std::string, std::string>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    out += (out.empty() ? "" : "&") + k + "=";
    for (unsigned char c : v)
      if (std::isalnum(c))
        out += static_cast<char>(c);
      else
        out += "%" + std::string(1, "0123456789ABCDEF"[c >> 4]) + "0123456789ABCDEF"[c & 15];
  }
  return out;
}

// The sign-in form posted to /login (405 before: only JavaScript could sign in), with
// its own CSRF token, and the header's sign-out form.
TEST_P(TrustTest, SignInAndOutWorkWithoutJavaScript) {
  TempDir dir;
  std::string cfg = dir.Write("hub.yaml", "sources: []\n");
  std::string data = dir.path() + "/data";
  Hub hub(cfg, data);
  ASSERT_TRUE(hub.ok()) << hub.log();
  AddUser(cfg, data, "vi", "viewer");
  const std::string form = "application/x-www-form-urlencoded";

  testing::Http page = hub.GetAnon("/login?next=/%3Fdashboard%3Dmembers");
  std::string csrf = SetCookie(page, "coophub_login_csrf");
  ASSERT_FALSE(csrf.empty()) << page.headers;
  EXPECT_NE(page.body.find("name=\"csrf\" value=\"" + csrf + "\""), std::string::npos);
  // httplib's client follows no redirect: the 303 and its cookies are the answer.
  httplib::Client client(hub.base());
  auto post = [&](const std::string& path, const std::map<std::string, std::string>& fields,
                  const std::string& cookie) {
    httplib::Headers headers;
    if (!cookie.empty()) headers.emplace("Cookie", cookie);
    auto res = client.Post(path, headers, Form(fields), form);
    testing::Http r;
    if (!res) return r;
    r.status = res->status;
    r.body = res->body;
    for (const auto& [k, v] : res->headers) {
      std::string name = k;
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers += name + ": " + v + "\r\n";
    }
    return r;
  };
  std::map<std::string, std::string> fields = {
      {"name", "vi"}, {"password", "a long enough password for vi"}, {"next", "/?dashboard=members"}, {"csrf", csrf}};

  // Another site's form cannot sign anyone in: it has no cookie, or not the same token.
  testing::Http forged = post("/login", fields, "");
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(SetCookie(forged, "coophub_session"), "");
  auto wrong = fields;
  wrong["password"] = "not the password";
  testing::Http refused = post("/login", wrong, "coophub_login_csrf=" + csrf);
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.body.find("Wrong name or password."), std::string::npos) << "the page again, saying why";

  testing::Http ok = post("/login", fields, "coophub_login_csrf=" + csrf);
  ASSERT_EQ(ok.status, 303) << ok.body;
  EXPECT_NE(ok.headers.find("location: /?dashboard=members"), std::string::npos) << ok.headers;
  std::string session = SetCookie(ok, "coophub_session");
  ASSERT_FALSE(session.empty()) << ok.headers;
  testing::Http me = testing::Call("GET", hub.base() + "/api/v1/me", "", {{"Cookie", "coophub_session=" + session}});
  ASSERT_EQ(me.status, 200);
  std::string session_csrf = me.Json()["csrf"];

  testing::Http home = testing::Call("GET", hub.base() + "/", "", {{"Cookie", "coophub_session=" + session}});
  EXPECT_NE(home.body.find("action=\"/logout\""), std::string::npos);
  EXPECT_EQ(post("/logout", {{"csrf", "forged"}}, "coophub_session=" + session).status, 403);
  testing::Http out = post("/logout", {{"csrf", session_csrf}}, "coophub_session=" + session);
  EXPECT_EQ(out.status, 303) << out.body;
  EXPECT_EQ(testing::Call("GET", hub.base() + "/api/v1/me", "", {{"Cookie", "coophub_session=" + session}}).status, 401)
      << "signed out";
}

// A damaged store file stops the hub with its name and what to do, not with SQLite's
// "file is not a database" alone.
TEST(Trust, ADamagedStoreSaysWhatToDo) {
  TempDir dir;
  std::string cfg = dir.Write("hub.yaml", "sources: []\n");
  std::string data = dir.path() + "/data";
  {
    Hub hub(cfg, data);
    ASSERT_TRUE(hub.ok()) << hub.log();
  }
  std::filesystem::resize_file(data + "/coophub.db", 4096);  // a torn copy: the header survives, nothing else
  std::ofstream(data + "/coophub.db", std::ios::binary | std::ios::in) << "SQLite format 3 but not really";
  std::string out, err;
  int rc = testing::RunCommand({COOPHUB_BINARY, "serve", "--config", cfg, "--data", data, "--port", "0"}, &out, &err);
  EXPECT_EQ(rc, 2) << err;
  EXPECT_NE(err.find(data + "/coophub.db"), std::string::npos) << err;
  EXPECT_NE(err.find("restore the last backup"), std::string::npos) << err;
}

}  // namespace
}  // namespace coophub
