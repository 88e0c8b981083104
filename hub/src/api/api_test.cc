// SPDX-License-Identifier: Apache-2.0
// Handlers called as functions: no sockets, a real store.
#include "api/api.h"

#include "api/accounts_api.h"
#include "api/openapi.h"
#include "app/hub.h"
#include "base/timeutil.h"
#include "support/pg_server.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <future>
#include <filesystem>
#include <fstream>

namespace coophub {
namespace {

namespace fs = std::filesystem;

// Every answer a test gets must agree with the OpenAPI document.
ApiResponse Checked(const ApiRequest& req, ApiResponse resp) {
  if (IsApiPath(req.path))
    for (const auto& e :
         CheckAgainstOpenApi(req.method, req.path, resp.status, resp.content_type, resp.stream ? "" : resp.body))
      ADD_FAILURE() << "OpenAPI: " << e << "\n  body: " << resp.body.substr(0, 300);
  return resp;
}

// Each test runs on SQLite and again on PostgreSQL.
class ApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "coophub-api-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    config_.data_dir = dir_;
    pg_ = testing::UseBackend(GetParam(), dir_, config_);
    auto opened = app::OpenHubStore(config_, 1);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened->store);
    db_ = std::move(opened->db);
    config_.file = "hub.yaml";
    config_.sources.push_back(SourceConfig{"news", "rss"});
    WriteBatch b;
    b.source = "news";
    json r = {{"id", "1"}, {"kind", "post"}, {"title", "<script>x</script> & co"}, {"time", "2026-11-24T09:00:00Z"}};
    b.upserts.push_back(NormalizeRecord(r, "news", "entries", "public").value());
    store_->Write(std::move(b)).get();
    api_ = std::make_unique<Api>(*store_, nullptr, config_, DefaultWebDir());
  }
  void TearDown() override {
    api_.reset();
    store_.reset();
    db_.reset();
    pg_.reset();
    fs::remove_all(dir_);
  }
  // As an anonymous caller: this fixture's Api has no accounts.
  ApiResponse Get(const std::string& path, std::multimap<std::string, std::string> q = {}) {
    ApiRequest r;
    r.path = path;
    r.query = std::move(q);
    return Checked(r, api_->Handle(r));
  }

  std::string dir_;
  HubConfig config_;
  std::unique_ptr<testing::PgServer> pg_;  // outlives the store: declared before it
  std::unique_ptr<Store> store_;
  std::unique_ptr<sql::Database> db_;
  std::unique_ptr<Api> api_;
};

INSTANTIATE_TEST_SUITE_P(Stores, ApiTest, testing::StoreBackends(), testing::BackendName);

TEST_P(ApiTest, ListWritesStoredJsonWithUid) {
  ApiResponse r = Get("/api/v1/records", {{"kind", "post"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  ASSERT_EQ(j["items"].size(), 1u);
  EXPECT_TRUE(j["items"][0]["uid"].is_number());
  EXPECT_EQ(j["items"][0]["source"], "news");
  EXPECT_TRUE(j["next_cursor"].is_null());
}

TEST_P(ApiTest, PageEscapesRecordText) {
  ApiResponse r = Get("/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.body.find("<script>x"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;script&gt;x&lt;/script&gt; &amp; co"), std::string::npos);
}

TEST_P(ApiTest, SearchTakesAnyBytes) {
  // Found by the fuzzer: a NUL in q ended FTS5's view of the quoted query (a 500).
  for (std::string q :
       {std::string("co\0op", 5), std::string("\x01\x7f\t\"\"*"), std::string(" \t"), std::string("a\nb")}) {
    ApiResponse r = Get("/api/v1/records", {{"q", q}});
    EXPECT_EQ(r.status, 200) << r.body;
  }
  EXPECT_EQ(json::parse(Get("/api/v1/records", {{"q", std::string("\0co", 3)}}).body)["items"].size(), 1u)
      << "the words around control characters still match";
}

TEST_P(ApiTest, SearchHasSnippetsAndListsSortEitherWay) {
  ApiResponse r = Get("/api/v1/records", {{"q", "script"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["items"][0]["snippet"],
            "&lt;<mark>script</mark>&gt;x&lt;/<mark>script</mark>&gt; &amp; co");
  EXPECT_EQ(Get("/api/v1/records", {{"sort", "time"}}).status, 200);
  EXPECT_EQ(Get("/api/v1/records", {{"sort", "-time"}}).status, 200);
  ApiResponse bad = Get("/api/v1/records", {{"sort", "title"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("sort is -time"), std::string::npos) << bad.body;
  ApiResponse ranked = Get("/api/v1/records", {{"q", "script"}, {"sort", "relevance"}});
  ASSERT_EQ(ranked.status, 200) << ranked.body;
  EXPECT_EQ(json::parse(ranked.body)["items"][0]["snippet"], json::parse(r.body)["items"][0]["snippet"]);
  ApiResponse unranked = Get("/api/v1/records", {{"sort", "relevance"}});
  EXPECT_EQ(unranked.status, 400);
  EXPECT_NE(unranked.body.find("give the words in q"), std::string::npos) << unranked.body;
}

TEST_P(ApiTest, AddressesMustBeUtf8) {
  // Found by the fuzzer: 0xBB bytes in ?source= reached the iCalendar title, whose line
  // folding looked for a character boundary that never came.
  for (const auto& [path, key] : {std::pair{"/feeds/records.ics", "source"}, std::pair{"/api/v1/records", "q"}}) {
    ApiResponse r = Get(path, {{key, std::string("n\0\xbb\xbb\xbb\xbb", 6)}});
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_NE(r.body.find("not UTF-8"), std::string::npos) << r.body;
  }
  EXPECT_EQ(Get("/api/v1/records/\xc3").status, 400);
  EXPECT_EQ(Get("/feeds/records.ics", {{"source", "caf\xc3\xa9"}}).status, 200) << "UTF-8 is fine";
}

TEST_P(ApiTest, ThePageSpeaksTheReadersLanguage) {
  ApiRequest r;
  r.path = "/";
  r.headers["accept-language"] = "fr-FR,fr;q=0.9,en;q=0.5";
  ApiResponse fr = api_->Handle(r);
  EXPECT_NE(fr.body.find("<html lang=\"fr\">"), std::string::npos);
  EXPECT_NE(fr.body.find(">Actualités</h2>"), std::string::npos) << fr.body.substr(0, 800);
  EXPECT_NE(fr.body.find("<option value=\"fr\" lang=\"fr\" selected>Français</option>"), std::string::npos);
  EXPECT_NE(fr.body.find(" 24 nov.</time>"), std::string::npos) << "the date, in French";
  r.query = {{"lang", "nl"}};  // picked: kept in a cookie
  ApiResponse nl = api_->Handle(r);
  EXPECT_NE(nl.body.find(">Nieuws</h2>"), std::string::npos);
  bool kept = false;
  for (const auto& [k, v] : nl.headers) kept |= k == "Set-Cookie" && v.rfind("coophub_lang=nl;", 0) == 0;
  EXPECT_TRUE(kept);
  r.query.clear();
  r.headers["cookie"] = "coophub_lang=sv";
  EXPECT_NE(api_->Handle(r).body.find(">Nyheter</h2>"), std::string::npos) << "the cookie beats the browser";
}

TEST_P(ApiTest, StaticAssetsCannotEscapeTheWebDir) {
  EXPECT_EQ(Get("/static/style.css").status, 200);
  EXPECT_EQ(Get("/static/..%2Fapi.cc").status, 404);
  EXPECT_EQ(Get("/static/../../etc/passwd").status, 404);
}

// ------------------------------------------------------------------------- access
// An Api with accounts: an admin, an editor and a viewer, a token each, and records of
// every visibility.
class AccessTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    accounts_ = std::move(OpenAccounts(*db_).value());
    for (auto [name, role] :
         {std::pair{"ana", Role::kAdmin}, std::pair{"ed", Role::kEditor}, std::pair{"vi", Role::kViewer}}) {
      User u = accounts_->AddUser(name, "a long password 1", role).value();
      users_[name] = u;
      tokens_[name] = accounts_->CreateToken(u.id, "test", role, 3600 * 1000).value().secret;
    }
    WriteBatch b;
    b.source = "news";
    for (auto vis : {"members", "admins"}) {
      json r = {{"id", vis}, {"kind", "event"}, {"title", std::string("for ") + vis}, {"time", "2026-11-24T10:00:00Z"}};
      b.upserts.push_back(NormalizeRecord(r, "news", "entries", vis).value());
    }
    store_->Write(std::move(b)).get();
    api_ = std::make_unique<Api>(*store_, nullptr, config_, DefaultWebDir(), accounts_.get());
  }
  void TearDown() override {
    api_.reset();
    accounts_.reset();
    ApiTest::TearDown();
  }
  ApiResponse Call(const std::string& method, const std::string& path, const std::string& who,
                   const std::string& body = "", std::map<std::string, std::string> headers = {}) {
    ApiRequest r;
    r.method = method;
    r.path = path;
    r.body = body;
    r.remote_addr = "192.0.2.7";
    r.headers = std::move(headers);
    if (!body.empty()) r.headers.emplace("content-type", "application/json");
    if (!who.empty()) r.headers["authorization"] = "Bearer " + tokens_[who];
    return Checked(r, api_->Handle(r));
  }
  std::vector<std::string> Titles(const std::string& who) {
    ApiResponse r = Call("GET", "/api/v1/records", who);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    json page = json::parse(r.body);  // a member of a temporary would dangle in the loop
    for (const auto& i : page["items"]) out.push_back(i["title"]);
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string Cookie(const ApiResponse& r) {
    for (const auto& [k, v] : r.headers)
      if (k == "Set-Cookie") return v.substr(0, v.find(';'));
    return "";
  }

  std::unique_ptr<Accounts> accounts_;
  std::map<std::string, User> users_;
  std::map<std::string, std::string> tokens_;
};

INSTANTIATE_TEST_SUITE_P(Stores, AccessTest, testing::StoreBackends(), testing::BackendName);

TEST_P(AccessTest, EachRoleSeesOnlyWhatItMay) {
  const std::string pub = "<script>x</script> & co";
  EXPECT_EQ(Titles(""), (std::vector<std::string>{pub}));
  EXPECT_EQ(Titles("vi"), (std::vector<std::string>{pub, "for members"}));
  EXPECT_EQ(Titles("ed"), (std::vector<std::string>{pub, "for members"}));
  EXPECT_EQ(Titles("ana"), (std::vector<std::string>{pub, "for admins", "for members"}));
  // One record by uid: a private one is "not found" to those who may not see it.
  json all = json::parse(Call("GET", "/api/v1/records", "ana").body)["items"];
  for (const auto& rec : all) {
    std::string path = "/api/v1/records/" + std::to_string(rec["uid"].get<int64_t>());
    std::string vis = rec["visibility"];
    EXPECT_EQ(Call("GET", path, "").status, vis == "public" ? 200 : 404) << vis;
    EXPECT_EQ(Call("GET", path, "vi").status, vis == "admins" ? 404 : 200) << vis;
    EXPECT_EQ(Call("GET", path, "ana").status, 200) << vis;
  }
  // The page and search follow the same rule.
  std::string page = Call("GET", "/", "").body;
  EXPECT_EQ(page.find("for members"), std::string::npos);
  ApiRequest search;
  search.path = "/api/v1/records";
  search.query = {{"q", "members"}};
  EXPECT_EQ(json::parse(api_->Handle(search).body)["items"].size(), 0u);
}

TEST_P(AccessTest, RolesAndScopesGateEveryRoute) {
  struct Case {
    std::string method, path, who;
    int status;
  } cases[] = {
      {"GET", "/api/v1/sources", "", 401},
      {"GET", "/api/v1/sources", "vi", 200},
      {"POST", "/api/v1/sources/news/sync", "vi", 403},
      {"POST", "/api/v1/sources/news/sync", "ed", 503},
      {"GET", "/api/v1/users", "ed", 403},
      {"GET", "/api/v1/users", "ana", 200},
      {"GET", "/api/v1/audit", "vi", 403},
      {"GET", "/api/v1/me", "", 401},
  };
  for (const auto& c : cases) {
    ApiResponse r = Call(c.method, c.path, c.who);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path << " as " << c.who << ": " << r.body;
  }
  // A read token of an admin acts as a viewer.
  tokens_["ana-read"] = accounts_->CreateToken(users_["ana"].id, "ro", Role::kViewer, 3600 * 1000).value().secret;
  ApiResponse capped = Call("GET", "/api/v1/users", "ana-read");
  EXPECT_EQ(capped.status, 403);
  EXPECT_NE(capped.body.find("as capped by the token's scope"), std::string::npos) << capped.body;
  // Expired, unknown and malformed credentials are refused where a role is needed, and
  // read as anonymous on open routes (public records only).
  tokens_["old"] = accounts_->CreateToken(users_["ana"].id, "old", Role::kAdmin, -1000).value().secret;
  tokens_["bogus"] = "chub_nope";
  for (const char* who : {"old", "bogus"}) {
    EXPECT_EQ(Call("GET", "/api/v1/sources", who).status, 401) << who;
    ApiResponse open = Call("GET", "/api/v1/records", who);
    EXPECT_EQ(open.status, 200) << who;
    EXPECT_EQ(open.body.find("\"members\""), std::string::npos) << who << " sees public records only: " << open.body;
  }
  EXPECT_EQ(Call("GET", "/api/v1/me", "", "", {{"authorization", "Basic YTpi"}}).status, 401);
  // Nobody makes a token wider than their own role, nor one that outlives the token
  // it is made with; a read token makes and revokes none.
  EXPECT_EQ(Call("POST", "/api/v1/tokens", "vi", R"({"name":"x","scope":"write"})").status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/tokens", "ana-read", R"({"name":"x","scope":"read"})").status, 403);
  ApiResponse longer = Call("POST", "/api/v1/tokens", "ed", R"({"name":"phone","scope":"write","expires_days":7})");
  EXPECT_EQ(longer.status, 400) << "ed's token expires within the hour: " << longer.body;
  ApiResponse made = Call("POST", "/api/v1/tokens", "ed", R"({"name":"phone","scope":"write"})");
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_LE(*ParseRfc3339(json::parse(made.body)["expires"].get<std::string>()), NowUnix() + 3601)
      << "capped at its maker's expiry: " << made.body;
  EXPECT_EQ(Call("POST", "/api/v1/tokens", "ed", R"({"name":"x","scope":"write","extra":1})").status, 400);
  EXPECT_EQ(Call("POST", "/api/v1/tokens", "ed", R"({"name":7})").status, 400);
  tokens_["phone"] = json::parse(made.body)["token"];
  EXPECT_EQ(Call("GET", "/api/v1/me", "phone").status, 200);
  std::string id = std::to_string(json::parse(made.body)["id"].get<int64_t>());
  EXPECT_EQ(Call("DELETE", "/api/v1/tokens/" + id, "vi").status, 403) << "a read token revokes nothing";
  EXPECT_EQ(Call("DELETE", "/api/v1/tokens/" + id, "ana").status, 404) << "not ana's token";
  EXPECT_EQ(Call("DELETE", "/api/v1/tokens/" + id, "ed").status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/me", "phone").status, 401) << "a revoked token stops at once, cached or not";
}

TEST_P(AccessTest, ANewPasswordEndsEverySessionAndToken) {
  tokens_["vi-phone"] = accounts_->CreateToken(users_["vi"].id, "phone", Role::kViewer, 3600 * 1000).value().secret;
  EXPECT_EQ(Call("GET", "/api/v1/me", "vi-phone").status, 200);
  std::string vi = "/api/v1/users/" + std::to_string(users_["vi"].id);
  ASSERT_EQ(Call("PATCH", vi, "ana", R"({"password": "a brand new password"})").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/me", "vi-phone").status, 401) << "the token made with the old password is gone";
  EXPECT_EQ(Call("GET", "/api/v1/me", "vi").status, 401);
}

TEST_P(AccessTest, MembersChangeTheirOwnPasswordWithTheCurrentOneAndStaySignedInHere) {
  auto SignIn = [&](const std::string& password) {
    return Call("POST", "/api/v1/login", "", R"({"name":"vi","password":")" + password + "\"}");
  };
  ApiResponse phone = SignIn("a long password 1"), office = SignIn("a long password 1");
  std::string cookie = Cookie(phone), csrf = json::parse(phone.body)["csrf"];
  auto Patch = [&](const std::string& body) {
    return Call("PATCH", "/api/v1/me", "", body, {{"cookie", cookie}, {"x-csrf-token", csrf}});
  };
  EXPECT_EQ(Patch(R"({"current_password":"not it at all","password":"a brand new password"})").status, 401);
  EXPECT_EQ(Patch(R"({"current_password":"a long password 1","password":"short"})").status, 400);
  EXPECT_EQ(Call("PATCH", "/api/v1/me", "vi", R"({"current_password":"a long password 1","password":"x x x x x x x"})")
                .status,
            403)
      << "a token, even its owner's, changes no password";
  ApiResponse changed = Patch(R"({"current_password":"a long password 1","password":"a brand new password"})");
  ASSERT_EQ(changed.status, 200) << changed.body;
  std::string fresh = Cookie(changed);
  ASSERT_FALSE(fresh.empty()) << "this device gets a new session";
  EXPECT_NE(fresh, cookie);
  EXPECT_EQ(Call("GET", "/api/v1/me", "", "", {{"cookie", fresh}}).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/me", "", "", {{"cookie", Cookie(office)}}).status, 401) << "the others end";
  EXPECT_EQ(SignIn("a long password 1").status, 401);
  EXPECT_EQ(SignIn("a brand new password").status, 200);
  json audit = json::parse(Call("GET", "/api/v1/audit", "ana").body)["items"];
  int failed = 0, done = 0;
  for (const auto& a : audit) {
    failed += a["action"] == "password.change.failed";
    done += a["action"] == "password.change";
  }
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(done, 1);
}

TEST_P(AccessTest, SessionsNeedCsrfForWritesAndEndOnLogout) {
  ApiResponse login = Call("POST", "/api/v1/login", "", R"({"name":"ed","password":"a long password 1"})");
  ASSERT_EQ(login.status, 200) << login.body;
  std::string cookie = Cookie(login);
  ASSERT_EQ(cookie.rfind("coophub_session=s_", 0), 0u) << cookie;
  bool flags = false;
  for (const auto& [k, v] : login.headers)
    flags |=
        k == "Set-Cookie" && v.find("HttpOnly") != std::string::npos && v.find("SameSite=Strict") != std::string::npos;
  EXPECT_TRUE(flags);
  std::string csrf = json::parse(login.body)["csrf"];
  EXPECT_EQ(Call("GET", "/api/v1/me", "", "", {{"cookie", cookie}}).status, 200);
  ApiResponse no_csrf = Call("POST", "/api/v1/sources/news/sync", "", "", {{"cookie", cookie}});
  EXPECT_EQ(no_csrf.status, 403);
  EXPECT_NE(no_csrf.body.find("X-CSRF-Token"), std::string::npos);
  EXPECT_EQ(Call("POST", "/api/v1/sources/news/sync", "", "", {{"cookie", cookie}, {"x-csrf-token", "wrong"}}).status,
            403);
  EXPECT_EQ(Call("POST", "/api/v1/sources/news/sync", "", "", {{"cookie", cookie}, {"x-csrf-token", csrf}}).status, 503)
      << "past auth and CSRF: this Api has no scheduler";
  EXPECT_EQ(Call("POST", "/api/v1/logout", "", "", {{"cookie", cookie}, {"x-csrf-token", csrf}}).status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/me", "", "", {{"cookie", cookie}}).status, 401);
}

TEST_P(AccessTest, LoginIsRateLimitedPerAccount) {
  for (int i = 0; i < LoginLimiter::kPerAccount; ++i)
    EXPECT_EQ(
        Call("POST", "/api/v1/login", "", R"({"name":"vi","password":"guess )" + std::to_string(i) + "\"}").status,
        401);
  ApiResponse blocked = Call("POST", "/api/v1/login", "", R"({"name":"vi","password":"a long password 1"})");
  EXPECT_EQ(blocked.status, 429) << "even the right password waits";
  bool retry_after = false;
  for (const auto& [k, v] : blocked.headers) retry_after |= k == "Retry-After" && std::stoi(v) > 0;
  EXPECT_TRUE(retry_after);
  EXPECT_EQ(Call("POST", "/api/v1/login", "", R"({"name":"ed","password":"a long password 1"})").status, 200)
      << "other accounts are not locked out";
  // Nor is vi from anywhere else: failing in someone's name locks nobody out.
  ApiRequest elsewhere;
  elsewhere.method = "POST";
  elsewhere.path = "/api/v1/login";
  elsewhere.body = R"({"name":"vi","password":"a long password 1"})";
  elsewhere.headers = {{"content-type", "application/json"}};
  elsewhere.remote_addr = "198.51.100.7";
  EXPECT_EQ(api_->Handle(elsewhere).status, 200) << "the account itself is never locked";
  json audit = json::parse(Call("GET", "/api/v1/audit", "ana").body)["items"];
  int failed = 0;
  for (const auto& a : audit) failed += a["action"] == "login.failed";
  EXPECT_EQ(failed, LoginLimiter::kPerAccount);
}

// Two limiters on one store are two replicas: what fails on one counts on the other.
TEST_P(AccessTest, SignInLimitsHoldOnEveryReplicaAndAFloodOfAddressesWipesNoFailures) {
  LoginLimiter one(accounts_.get()), other(accounts_.get());
  for (int i = 0; i < LoginLimiter::kPerAccount; ++i) (i % 2 ? one : other).Failed("192.0.2.1", "ana", 1000);
  ASSERT_GT(one.WaitS("192.0.2.1", "ana", 1001), 0);
  EXPECT_GT(other.WaitS("192.0.2.1", "ana", 1001), 0) << "the other replica counts the same failures";
  EXPECT_EQ(one.WaitS("192.0.2.9", "ana", 1001), 0) << "another address may still sign in as ana";
  for (int i = 0; i < 300; ++i) one.Failed("10.0." + std::to_string(i), "x" + std::to_string(i), 1002);
  EXPECT_GT(other.WaitS("192.0.2.1", "ana", 1003), 0) << "the address stays slowed after a flood of others";
  EXPECT_EQ(one.WaitS("192.0.2.1", "ana", 1000 + LoginLimiter::kWindowS + 1), 0) << "until its window passes";
  for (int i = 0; i < LoginLimiter::kPerAddress; ++i) other.Failed("192.0.2.5", "u" + std::to_string(i), 2000);
  EXPECT_GT(one.WaitS("192.0.2.5", "anyone", 2001), 0) << "one address guessing many accounts is slowed too";
  one.Succeeded("192.0.2.5", "u0");
  EXPECT_GT(one.WaitS("192.0.2.5", "anyone", 2001), 0) << "a success clears that account's count, not the address's";
}

TEST_P(AccessTest, AdminsChangeAndRemoveUsersWithEffectAtOnce) {
  std::string ed = "/api/v1/users/" + std::to_string(users_["ed"].id);
  EXPECT_EQ(Call("GET", "/api/v1/plugins", "ed").status, 200);
  ApiResponse demoted = Call("PATCH", ed, "ana", R"({"role": "viewer"})");
  ASSERT_EQ(demoted.status, 200) << demoted.body;
  EXPECT_EQ(json::parse(demoted.body)["role"], "viewer");
  EXPECT_EQ(Call("GET", "/api/v1/plugins", "ed").status, 403) << "a role change reaches tokens at once";
  EXPECT_EQ(Call("PATCH", ed, "ed", R"({"role": "admin"})").status, 403) << "only admins change users";

  ApiResponse login = Call("POST", "/api/v1/login", "", R"({"name": "vi", "password": "a long password 1"})");
  std::string cookie = Cookie(login);
  ASSERT_FALSE(cookie.empty()) << login.body;
  EXPECT_EQ(Call("GET", "/api/v1/me", "", "", {{"cookie", cookie}}).status, 200);
  std::string vi = "/api/v1/users/" + std::to_string(users_["vi"].id);
  EXPECT_EQ(Call("PATCH", vi, "ana", R"({"password": "short"})").status, 400);
  ASSERT_EQ(Call("PATCH", vi, "ana", R"({"password": "another long password"})").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/me", "", "", {{"cookie", cookie}}).status, 401) << "a new password ends sessions";
  EXPECT_EQ(Call("POST", "/api/v1/login", "", R"({"name": "vi", "password": "another long password"})").status, 200);
  EXPECT_EQ(Call("PATCH", vi, "ana", R"({"name": "eve"})").status, 400);

  EXPECT_EQ(Call("DELETE", vi, "ana").status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/me", "vi").status, 401) << "their tokens go with them";
  EXPECT_EQ(Call("DELETE", vi, "ana").status, 404);

  std::string ana = "/api/v1/users/" + std::to_string(users_["ana"].id);
  ApiResponse last = Call("PATCH", ana, "ana", R"({"role": "editor"})");
  EXPECT_EQ(last.status, 409);
  EXPECT_NE(last.body.find("last admin"), std::string::npos) << last.body;
  EXPECT_EQ(Call("DELETE", ana, "ana").status, 409);
  std::string audit = Call("GET", "/api/v1/audit", "ana").body;
  EXPECT_NE(audit.find("user.update"), std::string::npos);
  EXPECT_NE(audit.find("user.delete"), std::string::npos);
  EXPECT_EQ(audit.find("another long password"), std::string::npos);
}

TEST_P(AccessTest, SecretsAreStoredOnlyAsHashes) {
  std::string stored =
      pg_ ? pg_->Dump("coophub") : testing::ReadAll(dir_ + "/coophub.db") + testing::ReadAll(dir_ + "/coophub.db-wal");
  for (const auto& [name, token] : tokens_) EXPECT_EQ(stored.find(token), std::string::npos) << name;
  EXPECT_EQ(stored.find("a long password 1"), std::string::npos);
  EXPECT_NE(stored.find("$argon2id$"), std::string::npos) << "the store was read";
  EXPECT_TRUE(VerifyPassword(HashPassword("x y z w v u"), "x y z w v u"));
  EXPECT_FALSE(VerifyPassword(HashPassword("x y z w v u"), "x y z w v U"));
}

TEST_P(AccessTest, BadBodiesGetA400NamingTheProblem) {
  struct Case {
    std::string body, content_type, detail;
  } cases[] = {
      {"{\"name\":", "application/json", "the body is not valid JSON"},
      {"[1]", "application/json", "the body must be a JSON object"},
      {std::string(40, '[') + std::string(40, ']'), "application/json", "nested more than 32 levels"},
      {"name=ana", "application/x-www-form-urlencoded", "Content-Type: application/json"},
  };
  for (const auto& c : cases) {
    ApiResponse r = Call("POST", "/api/v1/login", "", c.body, {{"content-type", c.content_type}});  // checked too
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(r.content_type, "application/problem+json");
    EXPECT_NE(r.body.find(c.detail), std::string::npos) << r.body;
  }
}

TEST(Setup, AOneTimeCodeMakesTheFirstAdmin) {
  std::string tmpl = (fs::temp_directory_path() / "coophub-setup-XXXXXX").string();
  std::string dir = mkdtemp(tmpl.data());
  {
    auto store = std::move(OpenSqliteStore({dir + "/hub.db", 1}).value());
    auto accounts = std::move(OpenSqliteAccounts(dir + "/hub.db").value());
    HubConfig config;
    Api api(*store, nullptr, config, DefaultWebDir(), accounts.get());
    api.SetSetupCode("the-code");
    auto Post = [&](const std::string& body) {
      ApiRequest r;
      r.method = "POST";
      r.path = "/api/v1/setup";
      r.body = body;
      r.headers["content-type"] = "application/json";
      return Checked(r, api.Handle(r));
    };
    auto Page = [&] {
      ApiRequest r;
      r.path = "/setup";
      return api.Handle(r);
    };
    ApiResponse page = Page();
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
    EXPECT_NE(page.body.find("<form id=\"setup\">"), std::string::npos);
    EXPECT_NE(page.body.find("/static/setup.js"), std::string::npos);
    EXPECT_EQ(page.body.find("the-code"), std::string::npos) << "the code stays in the link's fragment";
    EXPECT_EQ(Post(R"({"code":"wrong","name":"ana","password":"a long password 1"})").status, 403);
    EXPECT_EQ(Post(R"({"code":"the-code","name":"ana","password":"short"})").status, 400);
    ApiResponse ok = Post(R"({"code":"the-code","name":"ana","password":"a long password 1"})");
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(json::parse(ok.body)["role"], "admin");
    EXPECT_EQ(Post(R"({"code":"the-code","name":"eve","password":"a long password 1"})").status, 409) << "only once";
    EXPECT_EQ(accounts->CountUsers().value(), 1);
    ApiResponse after = Page();
    EXPECT_EQ(after.status, 303) << "once done, the page sends people to sign in";
  }
  fs::remove_all(dir);
}

// ------------------------------------------------------------------------- changes

TEST_P(AccessTest, ChangeFeedShowsEachCallerWhatItMaySee) {
  // The HTTP layer parses query strings; a handler gets them as `query`.
  auto Changes = [&](const std::string& who, int64_t after, std::string wait = "") {
    ApiRequest r;
    r.path = "/api/v1/changes";
    r.query = {{"after", std::to_string(after)}};
    if (!wait.empty()) r.query.emplace("wait", wait);
    if (!who.empty()) r.headers["authorization"] = "Bearer " + tokens_[who];
    ApiResponse resp = Checked(r, api_->Handle(r));
    EXPECT_EQ(resp.status, 200) << resp.body;
    return json::parse(resp.body);
  };
  json anon = Changes("", 0), admin = Changes("ana", 0);
  ASSERT_EQ(anon["items"].size(), 1u);
  EXPECT_EQ(anon["items"][0]["op"], "upsert");
  EXPECT_EQ(anon["items"][0]["record"]["visibility"], "public");
  EXPECT_EQ(admin["items"].size(), 3u);
  EXPECT_EQ(anon["next"], admin["next"]) << "hidden changes are passed over, not waited for";
  int64_t head = admin["next"];

  WriteBatch del;
  del.source = "news";
  del.deletes = {{"entries", "members"}};
  store_->Write(std::move(del)).get();
  EXPECT_EQ(Changes("", head)["items"].size(), 0u) << "anonymous never learns of a members' record";
  json seen = Changes("vi", head)["items"];
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], (json{{"seq", head + 1},
                           {"op", "delete"},
                           {"source", "news"},
                           {"stream", "entries"},
                           {"id", "members"},
                           {"title", "for members"},
                           {"kind", "event"},
                           {"visibility", "members"},
                           {"was", {{"people", json::array()}, {"time", "2026-11-24T10:00:00Z"}}}}));

  // Long polling: with nothing new, the answer waits (the server asks ready(), holding
  // no thread) and is finished once a change is committed.
  head = Changes("", 0)["next"];
  ApiRequest poll;
  poll.path = "/api/v1/changes";
  poll.query = {{"after", std::to_string(head)}, {"wait", "20"}};
  ApiResponse waiting = api_->Handle(poll);
  ASSERT_TRUE(waiting.finish && waiting.ready) << waiting.status << " " << waiting.body;
  EXPECT_FALSE(waiting.ready()) << "nothing committed yet";
  EXPECT_GT(waiting.deadline, std::chrono::steady_clock::now() + std::chrono::seconds(15));
  WriteBatch add;
  add.source = "news";
  add.upserts.push_back(
      NormalizeRecord(json{{"id", "late"}, {"kind", "post"}, {"title", "Late news"}, {"time", "2026-11-25T08:00:00Z"}},
                      "news", "entries", "public")
          .value());
  store_->Write(std::move(add)).get();
  EXPECT_TRUE(waiting.ready());
  ApiResponse done = waiting.finish();
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_FALSE(done.finish) << "a change came: the answer is final";
  json late = json::parse(done.body);
  ASSERT_EQ(late["items"].size(), 1u);
  EXPECT_EQ(late["items"][0]["record"]["title"], "Late news");
  // A change this caller may not see makes ready() true, and the answer waits on past it.
  WriteBatch hidden;
  hidden.source = "news";
  hidden.upserts.push_back(
      NormalizeRecord(json{{"id", "hidden"}, {"kind", "post"}, {"title", "Hidden"}, {"time", "2026-11-25T09:00:00Z"}},
                      "news", "entries", "admins")
          .value());
  poll.query = {{"after", std::to_string(late["next"].get<int64_t>())}, {"wait", "20"}};
  waiting = api_->Handle(poll);
  ASSERT_TRUE(waiting.finish);
  store_->Write(std::move(hidden)).get();
  ASSERT_TRUE(waiting.ready());
  ApiResponse again = waiting.finish();
  ASSERT_TRUE(again.finish && again.ready) << "still nothing for this caller: " << again.body;
  EXPECT_FALSE(again.ready()) << "the hidden change is not waited for twice";

  EXPECT_EQ(Call("GET", "/api/v1/changes", "").status, 200);
  ApiRequest bad;
  bad.path = "/api/v1/changes";
  bad.query = {{"wait", "99"}};
  EXPECT_EQ(api_->Handle(bad).status, 400);
}

TEST_P(AccessTest, ChangeFeedStreamsServerSentEvents) {
  ApiRequest r;
  r.path = "/api/v1/changes";
  r.headers["accept"] = "text/event-stream";
  r.headers["last-event-id"] = std::to_string(store_->LastSeq());
  ApiResponse resp = Checked(r, api_->Handle(r));
  ASSERT_EQ(resp.status, 200);
  EXPECT_EQ(resp.content_type, "text/event-stream");
  ASSERT_TRUE(resp.stream);
  WriteBatch add;
  add.source = "news";
  for (auto vis : {"members", "public"})
    add.upserts.push_back(
        NormalizeRecord(
            json{{"id", std::string("sse-") + vis}, {"kind", "post"}, {"title", vis}, {"time", "2026-11-25T08:00:00Z"}},
            "news", "entries", vis)
            .value());
  ASSERT_TRUE(resp.ready);
  EXPECT_FALSE(resp.ready()) << "nothing after Last-Event-ID yet";
  store_->Write(std::move(add)).get();
  EXPECT_EQ(resp.body, "retry: 3000\n\n") << "nothing after Last-Event-ID yet";
  EXPECT_TRUE(resp.ready());
  std::string chunk;
  ASSERT_TRUE(resp.stream(&chunk));
  EXPECT_FALSE(resp.ready()) << "all sent";
  EXPECT_EQ(chunk.rfind("id: " + std::to_string(store_->LastSeq()) + "\nevent: change\ndata: {", 0), 0u) << chunk;
  EXPECT_NE(chunk.find("\"title\":\"public\""), std::string::npos) << chunk;
  EXPECT_EQ(chunk.find("\"title\":\"members\""), std::string::npos) << "anonymous stream: " << chunk;
}

TEST_P(AccessTest, MetricsCountRequestsByRouteForSignedInScrapers) {
  EXPECT_EQ(Call("GET", "/metrics", "").status, 401);
  for (int i = 0; i < 3; ++i) Call("GET", "/api/v1/records", "");
  Call("GET", "/api/v1/records/999999", "vi");
  ApiResponse m = Call("GET", "/metrics", "vi");
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_EQ(m.content_type.rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_NE(m.body.find("coophub_http_requests_total{method=\"GET\",route=\"/api/v1/records\",status=\"200\"} 3\n"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("coophub_http_requests_total{method=\"GET\",route=\"/api/v1/records/{}\",status=\"404\"} 1\n"),
            std::string::npos)
      << "routes, not raw paths: " << m.body;
  EXPECT_NE(m.body.find("coophub_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/records\"} 3\n"),
            std::string::npos);
  EXPECT_NE(m.body.find("coophub_records{source=\"news\"} 3\n"), std::string::npos) << m.body;
}

}  // namespace
}  // namespace coophub