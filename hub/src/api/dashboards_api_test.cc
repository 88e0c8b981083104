// SPDX-License-Identifier: Apache-2.0
// The dashboard page and the dashboards API, called as functions on a real store:
// who sees which dashboard and widget, what "since your last visit" compares with,
// and the admin's save / YAML / remove cycle.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "api/api.h"
#include "api/openapi.h"
#include "app/hub.h"
#include "base/timeutil.h"
#include "support/pg_server.h"

namespace coophub {
namespace {

namespace fs = std::filesystem;

// Each test runs on SQLite and again on PostgreSQL.
class DashboardApi : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "coophub-dapi-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    auto cfg = ParseConfig(R"(sources:
  - {id: news, plugin: rss}
  - {id: bank, plugin: csv}
dashboards:
  - id: members
    title: For members
    role: viewer
    widgets: [{type: changes}, {type: money}, {type: news}]
  - id: public
    title: Our coop
    widgets: [{type: news}, {type: money}]
)",
                           "hub.yaml", dir_);
    ASSERT_TRUE(cfg.ok()) << cfg.status().message();
    config_ = *cfg;
    config_.data_dir = dir_;
    pg_ = testing::UseBackend(GetParam(), dir_, config_);
    Open();
    for (auto [name, role] : {std::pair{"ana", Role::kAdmin}, std::pair{"vi", Role::kViewer}}) {
      User u = hub_->accounts().AddUser(name, "a long password 1", role).value();
      tokens_[name] = hub_->accounts().CreateToken(u.id, "test", role, 3600 * 1000).value().secret;
    }
    Write("news", {{"id", "1"}, {"kind", "post"}, {"title", "Assembly in December"}, {"time", "2026-11-24T09:00:00Z"}},
          "public");
    Write("bank",
          {{"id", "t1"},
           {"kind", "transaction"},
           {"title", "Rent"},
           {"time", FormatRfc3339(NowUnix() - 3600)},
           {"amount", {{"value", "-640.00"}, {"currency", "EUR"}}}},
          "public");
  }
  // (Re)opens the hub on config_ and the data in dir_.
  void Open() {
    hub_.reset();
    hub_ = app::Hub::Open(config_, {.readers = 1, .scheduler = false}).value();
    store_ = &hub_->store();
    api_ = &hub_->api();
  }
  void TearDown() override {
    hub_.reset();
    pg_.reset();
    fs::remove_all(dir_);
  }
  void Write(const std::string& source, json record, const std::string& vis) {
    WriteBatch b;
    b.source = source;
    auto r = NormalizeRecord(record, source, "s", vis);
    ASSERT_TRUE(r.ok()) << r.status().message();
    b.upserts.push_back(std::move(*r));
    auto w = store_->Write(std::move(b)).get();
    ASSERT_TRUE(w.ok()) << w.status().message();
  }
  ApiResponse Call(const std::string& method, const std::string& path, const std::string& who,
                   std::multimap<std::string, std::string> query = {}, const std::string& body = "",
                   const std::string& cookie = "") {
    ApiRequest r;
    r.method = method;
    r.path = path;
    r.query = std::move(query);
    r.body = body;
    if (!body.empty()) r.headers["content-type"] = "application/json";
    if (!who.empty()) r.headers["authorization"] = "Bearer " + tokens_[who];
    if (!cookie.empty()) r.headers["cookie"] = cookie;
    ApiResponse resp = api_->Handle(r);
    if (IsApiPath(path))
      for (const auto& e : CheckAgainstOpenApi(method, path, resp.status, resp.content_type, resp.body))
        ADD_FAILURE() << "OpenAPI: " << e << "\n  body: " << resp.body.substr(0, 300);
    return resp;
  }
  static std::string SetCookie(const ApiResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == "Set-Cookie" && v.rfind(name + "=", 0) == 0) return v.substr(0, v.find(';'));
    return "";
  }

  std::string dir_;
  std::unique_ptr<testing::PgServer> pg_;  // outlives the hub: declared before it
  std::unique_ptr<app::Hub> hub_;
  Store* store_ = nullptr;
  HubConfig config_;
  Api* api_ = nullptr;
  std::map<std::string, std::string> tokens_;
};

INSTANTIATE_TEST_SUITE_P(Stores, DashboardApi, testing::StoreBackends(), testing::BackendName);

TEST_P(DashboardApi, EachReaderGetsTheFirstDashboardTheyMaySeeWithTheirWidgets) {
  ApiResponse stranger = Call("GET", "/", "");
  ASSERT_EQ(stranger.status, 200) << stranger.body;
  EXPECT_NE(stranger.body.find("<h1>Our coop</h1>"), std::string::npos);
  EXPECT_NE(stranger.body.find("Assembly in December"), std::string::npos);
  EXPECT_EQ(stranger.body.find("w-money"), std::string::npos) << "money is for members, whatever the dashboard says";
  EXPECT_EQ(stranger.body.find("Rent"), std::string::npos);

  ApiResponse member = Call("GET", "/", "vi");
  EXPECT_NE(member.body.find("<h1>For members</h1>"), std::string::npos);
  EXPECT_NE(member.body.find("value=\"-640.00\" data-currency=\"EUR\""), std::string::npos) << "the 30-day total";
  EXPECT_NE(member.body.find("href=\"/?dashboard=public\""), std::string::npos) << "members may switch";
  EXPECT_NE(Call("GET", "/", "vi", {{"dashboard", "public"}}).body.find("<h1>Our coop</h1>"), std::string::npos);

  ApiResponse hidden = Call("GET", "/", "", {{"dashboard", "members"}});
  EXPECT_EQ(hidden.status, 303) << "a stranger asking for the members' page is asked to sign in";
  EXPECT_EQ(Call("GET", "/", "vi", {{"dashboard", "nope"}}).status, 404);
}

TEST_P(DashboardApi, SinceYourLastVisitComparesWithTheEndOfTheLastVisit) {
  json poll = {
      {"id", "p1"}, {"kind", "decision"}, {"title", "Adopt the budget"}, {"time", FormatRfc3339(NowUnix() + 86400)}};
  Write("news", poll, "public");
  ApiResponse first = Call("GET", "/", "vi");
  EXPECT_NE(first.body.find("From your next visit on"), std::string::npos);
  Write("news", {{"id", "2"}, {"kind", "post"}, {"title", "Winter routes"}, {"time", "2026-11-25T09:00:00Z"}},
        "public");
  poll["end"] = FormatRfc3339(NowUnix() - 60);  // the poll closed while the reader was away
  Write("news", poll, "public");
  // Within the same visit, a reload still compares with where the visit began.
  ApiResponse again = Call("GET", "/", "vi");
  EXPECT_NE(again.body.find("badge-new"), std::string::npos) << again.body.substr(0, 3000);
  EXPECT_NE(again.body.find("Winter routes"), std::string::npos);
  EXPECT_NE(again.body.find("badge-closed\">closed</span> Adopt the budget"), std::string::npos) << "decisions closed";
  // A visit that began long ago: its end becomes the next visit's start.
  User vi = hub_->accounts().ListUsers().value()[1];
  Visit visit = hub_->accounts().GetVisit(vi.id).value().value();
  visit.time -= 7200;
  ASSERT_TRUE(hub_->accounts().PutVisit(vi.id, visit).ok());
  EXPECT_NE(Call("GET", "/", "vi").body.find("Nothing new since your last visit"), std::string::npos);
  // A stranger's visits are kept by their browser: base.head.time.
  long long base = 0, head = 0, t = 0;
  EXPECT_GE(std::sscanf(SetCookie(Call("GET", "/", ""), "coophub_seen").c_str(), "coophub_seen=%lld.%lld.%lld", &base,
                        &head, &t),
            3);
  EXPECT_EQ(head, store_->LastSeq());
}

// A member's visits are the account's: another device sees the same changes; a changed
// record says what it was, a removed one its title.
TEST_P(DashboardApi, SinceYourLastVisitIsTheAccountsAndSaysWhatChanged) {
  json shift = {{"id", "s1"},
                {"kind", "event"},
                {"title", "General assembly"},
                {"time", "2027-01-12T13:00:00Z"},
                {"location", {{"name", "Maison des Associations"}}}};
  Write("news", shift, "members");
  Write("news", {{"id", "b"}, {"kind", "event"}, {"title", "Winter break"}, {"time", "2027-01-02T09:00:00Z"}},
        "members");
  ApiResponse first = Call("GET", "/", "vi");
  EXPECT_NE(first.body.find("From your next visit on"), std::string::npos);
  EXPECT_TRUE(SetCookie(first, "coophub_seen").empty()) << "kept in the account, not a cookie";
  User vi = hub_->accounts().ListUsers().value()[1];
  auto visit = hub_->accounts().GetVisit(vi.id).value();
  ASSERT_TRUE(visit.has_value());
  visit->time -= 7200;  // the visit ended two hours ago
  ASSERT_TRUE(hub_->accounts().PutVisit(vi.id, *visit).ok());

  shift["time"] = "2027-01-12T14:00:00Z";
  shift["title"] = "General assembly (moved)";
  Write("news", shift, "members");
  WriteBatch del;
  del.source = "news";
  del.deletes = {{"s", "b"}};
  ASSERT_TRUE(store_->Write(std::move(del)).get().ok());

  for (const char* device : {"phone", "office"}) {  // two devices, no cookie between them
    ApiResponse page = Call("GET", "/", "vi", {{"tz", "Europe/Paris"}});
    EXPECT_NE(page.body.find("moved from"), std::string::npos) << device << page.body.substr(0, 4000);
    EXPECT_NE(page.body.find("moved from 2:00\u202fPM to 3:00\u202fPM"), std::string::npos)
        << device << ": in the reader's zone" << page.body.substr(page.body.find("class=\"was\""), 300);
    EXPECT_NE(page.body.find("was “General assembly”"), std::string::npos) << device;
    EXPECT_NE(page.body.find("“Winter break” removed"), std::string::npos) << device;
  }
}

// A source added while the reader was away brings its archive: that is one line, not a
// flood of "new"; what it has that is newer than the last visit is new.
TEST_P(DashboardApi, ASourceAddedSinceTheLastVisitIsOneLineNotAFloodOfNew) {
  ApiResponse first = Call("GET", "/", "vi");
  EXPECT_NE(first.body.find("From your next visit on"), std::string::npos);
  User vi = hub_->accounts().ListUsers().value()[1];
  auto visit = hub_->accounts().GetVisit(vi.id).value();
  ASSERT_TRUE(visit.has_value());
  visit->time -= 7200;  // the visit ended two hours ago
  ASSERT_TRUE(hub_->accounts().PutVisit(vi.id, *visit).ok());

  for (int i = 0; i < 3; ++i)
    Write("partner",
          {{"id", "old" + std::to_string(i)},
           {"kind", "post"},
           {"title", "Archive post " + std::to_string(i)},
           {"time", "2026-01-0" + std::to_string(i + 1) + "T09:00:00Z"}},
          "public");
  Write("partner",
        {{"id", "fresh"}, {"kind", "post"}, {"title", "Posted an hour ago"}, {"time", FormatRfc3339(NowUnix() - 3600)}},
        "public");
  Write("news", {{"id", "late"}, {"kind", "post"}, {"title", "Backdated but news"}, {"time", "2026-01-01T09:00:00Z"}},
        "public");
  std::string page = Call("GET", "/", "vi").body;
  size_t changes = page.find("w-changes");
  ASSERT_NE(changes, std::string::npos);
  std::string widget = page.substr(changes, page.find("</section>", changes) - changes);
  EXPECT_NE(widget.find("partner was added, with 3 items from before your last visit."), std::string::npos) << widget;
  EXPECT_EQ(widget.find("Archive post"), std::string::npos) << "its archive is not news";
  EXPECT_NE(widget.find("Posted an hour ago"), std::string::npos) << "what is newer than the visit is";
  EXPECT_NE(widget.find("Backdated but news"), std::string::npos) << "a source the reader knew: all it adds is new";
  EXPECT_NE(widget.find("2 new"), std::string::npos) << widget;
  // The time of the last visit is the account's too, for the next page view of this visit.
  EXPECT_EQ(hub_->accounts().GetVisit(vi.id).value()->base_time, visit->time);
}

TEST_P(DashboardApi, AdminsSaveADashboardGetItAsYamlAndRemoveTheirVersion) {
  std::string body =
      R"({"title": "Our coop, this winter", "widgets": [{"type": "agenda", "limit": 3}, {"type": "news"}]})";
  EXPECT_EQ(Call("PUT", "/api/v1/dashboards/public", "vi", {}, body).status, 403);
  ApiResponse saved = Call("PUT", "/api/v1/dashboards/public", "ana", {}, body);
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(json::parse(saved.body)["origin"], "hub.yaml, changed through the API");
  EXPECT_NE(Call("GET", "/", "").body.find("Our coop, this winter"), std::string::npos) << "the page shows it at once";

  ApiResponse yaml = Call("GET", "/api/v1/dashboards/public", "", {{"format", "yaml"}});
  ASSERT_EQ(yaml.status, 200);
  auto pasted = ParseConfig("dashboards:\n" + yaml.body, "hub.yaml", "/");
  ASSERT_TRUE(pasted.ok()) << pasted.status().message() << "\n" << yaml.body;
  json saved_json = json::parse(saved.body);
  saved_json.erase("origin");
  EXPECT_EQ(ToJson(pasted->dashboards[0]), saved_json) << "the YAML is the saved dashboard";

  // What GET gives can be sent back as it is.
  ApiResponse got = Call("GET", "/api/v1/dashboards/public", "ana");
  EXPECT_EQ(Call("PUT", "/api/v1/dashboards/public", "ana", {}, got.body).status, 200);
  ApiResponse bad = Call("PUT", "/api/v1/dashboards/public", "ana", {}, R"({"widgets": [{"type": "agend"}]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("dashboard.widgets[0].type: \\\"agend\\\" is not a widget type"), std::string::npos)
      << bad.body;

  EXPECT_EQ(Call("DELETE", "/api/v1/dashboards/public", "ana").status, 204);
  EXPECT_EQ(json::parse(Call("GET", "/api/v1/dashboards/public", "").body)["title"], "Our coop") << "hub.yaml's again";
  EXPECT_EQ(Call("DELETE", "/api/v1/dashboards/public", "ana").status, 409);
  json list = json::parse(Call("GET", "/api/v1/dashboards", "").body);
  ASSERT_EQ(list["items"].size(), 1u) << "strangers do not see the members' dashboard";
  EXPECT_EQ(list["items"][0]["id"], "public");
}

TEST_P(DashboardApi, SignInGoesOnlyToAPathOfThisHubAndAdminNeedsARole) {
  for (const char* next : {"https://evil.example/", "//evil.example/x", "/\\evil.example"}) {
    ApiResponse page = Call("GET", "/login", "", {{"next", next}});
    ASSERT_EQ(page.status, 200);
    EXPECT_NE(page.body.find("name=\"next\" value=\"/\""), std::string::npos) << next;
  }
  EXPECT_NE(Call("GET", "/login", "", {{"next", "/admin"}}).body.find("name=\"next\" value=\"/admin\""),
            std::string::npos);
  EXPECT_EQ(Call("GET", "/admin", "").status, 303);
  ApiResponse viewer = Call("GET", "/admin", "vi");
  EXPECT_EQ(viewer.status, 403) << "viewers have nothing to administer";
  EXPECT_NE(viewer.body.find("for the coop’s editors and admins. You are signed in as vi"), std::string::npos)
      << "and are told which role it takes";
  EXPECT_EQ(Call("GET", "/admin", "ana").status, 200);
}

TEST_P(DashboardApi, EmbedsShowPublicRecordsOrWhatAShareLinkAllows) {
  config_.embed_origins = {"http://127.0.0.1:9999"};
  Open();
  Write("news", {{"id", "m"}, {"kind", "post"}, {"title", "For members only"}, {"time", "2026-11-26T09:00:00Z"}},
        "members");
  auto Embed = [&](const std::string& path, std::multimap<std::string, std::string> q = {},
                   std::map<std::string, std::string> headers = {}) {
    ApiRequest r;
    r.path = path;
    r.query = std::move(q);
    r.headers = std::move(headers);
    r.headers["cookie"] = "coophub_session=whatever";  // a member's browser: the embed ignores it
    return api_->Handle(r);
  };
  ApiResponse pub = Embed("/embed/public/0");
  ASSERT_EQ(pub.status, 200) << pub.body;
  EXPECT_NE(pub.body.find("Assembly in December"), std::string::npos);
  EXPECT_EQ(pub.body.find("For members only"), std::string::npos);
  auto header = [](const ApiResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return std::string("(none)");
  };
  EXPECT_NE(header(pub, "Content-Security-Policy").find("frame-ancestors 'self' http://127.0.0.1:9999;"),
            std::string::npos);
  EXPECT_EQ(header(pub, "X-Frame-Options"), "") << "left out: CSP names the sites";
  EXPECT_EQ(header(pub, "Access-Control-Allow-Origin"), "(none)") << "a page, not a fragment";
  ApiResponse frag = Embed("/embed/public/0", {{"format", "fragment"}}, {{"origin", "http://127.0.0.1:9999"}});
  EXPECT_EQ(frag.body.find("<html"), std::string::npos);
  EXPECT_EQ(header(frag, "Access-Control-Allow-Origin"), "http://127.0.0.1:9999");
  ApiResponse other = Embed("/embed/public/0", {{"format", "fragment"}}, {{"origin", "https://evil.example"}});
  EXPECT_EQ(other.status, 403) << "another site is refused, and told why";
  EXPECT_EQ(header(other, "Access-Control-Allow-Origin"), "https://evil.example") << "so that its page can say it";
  EXPECT_NE(other.body.find("This site (https://evil.example) may not show"), std::string::npos) << other.body;
  EXPECT_EQ(other.body.find("Assembly in December"), std::string::npos) << "and nothing else";
  EXPECT_EQ(Embed("/embed/public/1").status, 403) << "money needs members, even on a public dashboard";
  EXPECT_EQ(Embed("/embed/members/2").status, 403) << "a members' dashboard needs a share link";
  EXPECT_EQ(Embed("/embed/public/7").status, 404);

  ApiResponse made =
      Call("POST", "/api/v1/shares", "ana", {}, R"({"name": "website news", "visibility": "members", "kind": "post"})");
  ASSERT_EQ(made.status, 201) << made.body;
  std::string secret = json::parse(made.body)["secret"];
  ApiResponse shared = Embed("/embed/members/2", {{"share", secret}});
  ASSERT_EQ(shared.status, 200) << shared.body;
  EXPECT_NE(shared.body.find("For members only"), std::string::npos);
  EXPECT_EQ(Embed("/embed/members/1", {{"share", secret}}).status, 403) << "the link is for posts, not money";
  EXPECT_EQ(Call("POST", "/api/v1/shares", "vi", {}, R"({"name": "x"})").status, 403) << "editors and up";
  int64_t id = json::parse(made.body)["id"];
  EXPECT_EQ(json::parse(Call("GET", "/api/v1/shares", "ana").body)["items"][0].count("secret"), 0u);
  EXPECT_EQ(Call("DELETE", "/api/v1/shares/" + std::to_string(id), "ana").status, 204);
  EXPECT_EQ(Embed("/embed/members/2", {{"share", secret}}).status, 403) << "revoked at once";
}

// An admin allows a site in the admin page, and it may embed at once; a refused embed
// says why on the partner's page, in an iframe too.
TEST_P(DashboardApi, AllowedSitesChangeWithoutARestartAndRefusalsSayWhy) {
  config_.embed_origins = {"https://hub-yaml.example"};
  Open();
  auto Framed = [&](const std::string& path, const std::string& site, const std::string& lang = "en") {
    ApiRequest r;
    r.path = path;
    r.headers = {{"sec-fetch-dest", "iframe"},
                 {"sec-fetch-site", "cross-site"},
                 {"referer", site + "/news.html"},
                 {"accept-language", lang}};
    return api_->Handle(r);
  };
  auto header = [](const ApiResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return std::string("(none)");
  };
  ApiResponse refused = Framed("/embed/public/0", "https://partner.example", "fr");
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.content_type, "text/html; charset=utf-8");
  EXPECT_NE(refused.body.find("Ce site (https://partner.example) ne peut pas encore"), std::string::npos)
      << refused.body;
  EXPECT_NE(header(refused, "Content-Security-Policy").find("frame-ancestors *"), std::string::npos)
      << "the reason shows inside the partner's page";
  EXPECT_EQ(refused.body.find("Assembly in December"), std::string::npos);
  EXPECT_EQ(Framed("/embed/public/0", "https://hub-yaml.example").status, 200) << "hub.yaml's sites stay allowed";

  EXPECT_EQ(Call("PUT", "/api/v1/embed/origins", "vi", {}, R"({"origins": ["https://partner.example"]})").status, 403)
      << "admins only";
  ApiResponse bad = Call("PUT", "/api/v1/embed/origins", "ana", {}, R"({"origins": ["partner.example/news"]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("origins[0]"), std::string::npos) << bad.body;
  ApiResponse set = Call("PUT", "/api/v1/embed/origins", "ana", {}, R"({"origins": ["https://Partner.example/"]})");
  ASSERT_EQ(set.status, 200) << set.body;
  json items = json::parse(set.body)["items"];
  ASSERT_EQ(items.size(), 2u) << items;
  EXPECT_EQ(items[0]["from"], "hub.yaml");
  EXPECT_EQ(items[1]["origin"], "https://partner.example");
  EXPECT_EQ(items[1]["added_by"], "ana");
  ApiResponse allowed = Framed("/embed/public/0", "https://partner.example");
  ASSERT_EQ(allowed.status, 200) << "at once, no restart";
  EXPECT_NE(header(allowed, "Content-Security-Policy").find("https://partner.example"), std::string::npos);
  EXPECT_NE(Framed("/embed/members/2", "https://partner.example").body.find("it needs a share link"), std::string::npos)
      << "a members' widget without a share link says what it needs";

  ASSERT_EQ(Call("PUT", "/api/v1/embed/origins", "ana", {}, R"({"origins": []})").status, 200);
  EXPECT_EQ(Framed("/embed/public/0", "https://partner.example").status, 403) << "and taken back at once";
  EXPECT_EQ(json::parse(Call("GET", "/api/v1/embed/origins", "ana").body)["items"].size(), 1u);
}

TEST_P(DashboardApi, AUsersLanguageFollowsThemToEveryDevice) {
  ApiResponse set = Call("PATCH", "/api/v1/me", "vi", {}, R"({"lang": "sv"})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(json::parse(set.body)["lang"], "sv");
  ApiResponse page = Call("GET", "/", "vi");  // no cookie, no Accept-Language: a new device
  EXPECT_NE(page.body.find("<html lang=\"sv\">"), std::string::npos);
  EXPECT_NE(Call("GET", "/", "vi", {{"lang", "fr"}}).body.find("<html lang=\"fr\">"), std::string::npos)
      << "a choice made now wins";
  EXPECT_NE(Call("GET", "/", "").body.find("<html lang=\"en\">"), std::string::npos) << "strangers keep theirs";
  ApiResponse bad = Call("PATCH", "/api/v1/me", "vi", {}, R"({"lang": "xx"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("not one of the page's languages"), std::string::npos);
  EXPECT_EQ(Call("PATCH", "/api/v1/me", "vi", {}, R"({"lang": ""})").status, 200);
  EXPECT_NE(Call("GET", "/", "vi").body.find("<html lang=\"en\">"), std::string::npos) << "forgotten";
}

// Times are written in the reader's zone: ?tz= (an embed), else the cookie the page's
// code keeps, else the coop's (server.time_zone, here unset: the host's); an unknown
// name is ignored, never an error.
TEST_P(DashboardApi, TimesAreWrittenInTheReadersZone) {
  auto Zone = [](const ApiResponse& r) {
    size_t at = r.body.find("<body");
    at = r.body.find(" data-tz=\"", at);
    return at == std::string::npos ? "" : r.body.substr(at + 10, r.body.find('"', at + 10) - at - 10);
  };
  Write("bank",
        {{"id", "t2"},
         {"kind", "transaction"},
         {"title", "Grant"},
         {"time", "2027-06-01T09:00:00Z"},
         {"amount", {{"value", "500.00"}, {"currency", "EUR"}}}},
        "public");
  std::string host = Zone(Call("GET", "/", ""));
  EXPECT_FALSE(host.empty());
  EXPECT_EQ(Zone(Call("GET", "/", "", {}, "", "coophub_tz=Asia/Kolkata")), "Asia/Kolkata");
  EXPECT_EQ(Zone(Call("GET", "/", "", {}, "", "coophub_tz=Mars/Olympus")), host);
  ApiResponse embed = Call("GET", "/embed/public/0", "", {{"tz", "America/Bogota"}});
  ASSERT_EQ(embed.status, 200) << embed.body;
  EXPECT_EQ(Zone(embed), "America/Bogota");
  // 09:00 UTC is 2:30 PM in Kolkata and 4:00 AM in Bogotá (money is for members).
  std::string kolkata = Call("GET", "/", "vi", {{"tz", "Asia/Kolkata"}}).body;
  std::string bogota = Call("GET", "/", "vi", {}, "", "coophub_tz=America/Bogota").body;
  EXPECT_NE(kolkata.find("2:30\u202fPM</time>"), std::string::npos) << kolkata;
  EXPECT_NE(bogota.find("4:00\u202fAM</time>"), std::string::npos) << bogota;
}

// "Put it in my phone's calendar": a member makes a personal link on /calendar (a form,
// no JavaScript), which reads /feeds/ as them and nothing else, until revoked.
TEST_P(DashboardApi, AMemberMakesACalendarLinkThatOpensFeedsOnlyUntilRevoked) {
  Write("news", {{"id", "m"}, {"kind", "event"}, {"title", "Members' assembly"}, {"time", "2027-01-10T17:00:00Z"}},
        "members");
  User vi = hub_->accounts().ListUsers().value()[1];
  auto session = hub_->accounts().CreateSession(vi.id, 3600 * 1000).value();
  std::string cookie = "coophub_session=" + session.secret;
  auto Form = [&](const std::string& body) {
    ApiRequest r;
    r.method = "POST";
    r.path = "/calendar";
    r.body = body;
    r.headers["content-type"] = "application/x-www-form-urlencoded";
    r.headers["cookie"] = cookie;
    return api_->Handle(r);
  };
  EXPECT_EQ(Form("make=1").status, 403) << "a session's form needs its CSRF token";
  ApiResponse made = Form("csrf=" + session.csrf + "&make=1");
  ASSERT_EQ(made.status, 200) << made.body;
  size_t at = made.body.find("href=\"webcal://");
  ASSERT_NE(at, std::string::npos) << made.body;
  size_t t = made.body.find("token=", at) + 6;
  std::string token = made.body.substr(t, made.body.find('"', t) - t);
  ASSERT_FALSE(token.empty());

  ApiResponse feed = Call("GET", "/feeds/records.ics", "", {{"kind", "event"}, {"token", token}});
  ASSERT_EQ(feed.status, 200) << feed.body;
  EXPECT_NE(feed.body.find("Members' assembly"), std::string::npos) << "the member's events, as them";
  EXPECT_EQ(feed.body.find(token), std::string::npos) << "the feed does not repeat its link";
  EXPECT_EQ(Call("GET", "/feeds/records.ics", "", {{"kind", "event"}}).body.find("Members' assembly"),
            std::string::npos)
      << "not without it";
  tokens_["calendar"] = token;  // sent as a Bearer token, as an API client would
  ApiResponse refused = Call("GET", "/api/v1/me", "calendar");
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.body.find("calendar link"), std::string::npos) << refused.body;
  EXPECT_EQ(Call("GET", "/api/v1/records", "", {{"token", token}}).body.find("Members' assembly"), std::string::npos)
      << "an address's token opens /feeds/ only";

  ApiResponse page = Call("GET", "/calendar", "", {}, "", cookie);
  ASSERT_EQ(page.status, 200);
  const std::string revoke = "name=\"revoke\" value=\"";
  size_t r = page.body.find(revoke);
  ASSERT_NE(r, std::string::npos) << page.body;
  r += revoke.size();
  std::string id = page.body.substr(r, page.body.find('"', r) - r);
  ApiResponse revoked = Form("csrf=" + session.csrf + "&revoke=" + id);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_NE(revoked.body.find("You have no calendar link yet"), std::string::npos);
  EXPECT_EQ(Call("GET", "/feeds/records.ics", "", {{"kind", "event"}, {"token", token}}).status, 401)
      << "a revoked link says so";
  EXPECT_EQ(Call("GET", "/calendar", "").status, 303) << "strangers are sent to sign in";
}

// The agenda as a month: each event on its day in the reader's zone, an all-day one on
// its date, weeks as the reader's language starts them, the months around it linked.
TEST_P(DashboardApi, TheMonthViewPutsEachEventOnItsDayInTheReadersZoneAndWeek) {
  Write("news", {{"id", "late"}, {"kind", "event"}, {"title", "Night shift"}, {"time", "2026-12-03T23:30:00Z"}},
        "public");
  Write("news",
        {{"id", "hol"},
         {"kind", "event"},
         {"title", "Winter break"},
         {"time", "2026-12-24T00:00:00Z"},
         {"data", {{"all_day", true}, {"date", "2026-12-24"}}}},
        "public");
  Write("news",
        {{"id", "mine"},
         {"kind", "event"},
         {"title", "Care round"},
         {"time", "2026-12-10T08:00:00Z"},
         {"people", {"Vi <vi@coop.example>"}}},
        "members");
  Write("news", {{"id", "jan"}, {"kind", "event"}, {"title", "New year lunch"}, {"time", "2027-01-05T11:00:00Z"}},
        "public");
  auto Cell = [](const std::string& html, const std::string& date) {
    size_t at = html.find("datetime=\"" + date + "\"");
    if (at == std::string::npos) return std::string();
    size_t end = html.find("</td>", at);
    return html.substr(at, end - at);
  };
  std::string paris = Call("GET", "/month", "", {{"month", "2026-12"}, {"lang", "fr"}, {"tz", "Europe/Paris"}}).body;
  EXPECT_NE(paris.find("<h1>Décembre 2026</h1>"), std::string::npos) << paris.substr(0, 3000);
  EXPECT_NE(Cell(paris, "2026-12-04").find("Night shift"), std::string::npos) << "00:30 on Friday in Paris";
  EXPECT_NE(Cell(paris, "2026-12-04").find("00:30"), std::string::npos);
  EXPECT_NE(Cell(paris, "2026-12-24").find("Toute la journée"), std::string::npos) << "an all-day event on its date";
  EXPECT_EQ(paris.find("Care round"), std::string::npos) << "a stranger sees public events only";
  EXPECT_EQ(paris.find("New year lunch"), std::string::npos) << "January's are January's";
  EXPECT_NE(paris.find("<abbr title=\"lundi\">"), std::string::npos) << "a French week starts on Monday";
  EXPECT_LT(paris.find("<abbr title=\"lundi\">"), paris.find("<abbr title=\"dimanche\">"));
  // 1 December 2026 is a Tuesday: one empty day before it in a French week.
  size_t body = paris.find("<tbody>");
  EXPECT_EQ(paris.find("<td class=\"out\"></td><td class=\"day"), paris.find("<td", body)) << paris.substr(body, 300);
  EXPECT_NE(paris.find("href=\"/month?month=2026-11\""), std::string::npos);
  EXPECT_NE(paris.find("href=\"/month?month=2027-01\""), std::string::npos);
  std::string ny = Call("GET", "/month", "", {{"month", "2026-12"}, {"lang", "en"}, {"tz", "America/New_York"}}).body;
  EXPECT_NE(Cell(ny, "2026-12-03").find("Night shift"), std::string::npos) << "still Thursday evening in New York";
  EXPECT_NE(Cell(ny, "2026-12-24").find("Winter break"), std::string::npos) << "an all-day date has no zone";

  std::string vi = Call("GET", "/month", "vi", {{"month", "2026-12"}, {"mine", "1"}}).body;
  EXPECT_NE(Cell(vi, "2026-12-10").find("Care round"), std::string::npos) << vi.substr(0, 2000);
  EXPECT_EQ(vi.find("Night shift"), std::string::npos) << "only mine";
  EXPECT_EQ(Call("GET", "/month", "", {{"month", "2026-13"}}).status, 400);
  EXPECT_EQ(Call("GET", "/month", "", {{"month", "December"}}).status, 400);
}

// "Members change their own password", without JavaScript: /account checks the current
// one, says what was wrong in the reader's language, and keeps this device signed in.
TEST_P(DashboardApi, AMemberChangesTheirPasswordOnTheAccountPage) {
  User vi = hub_->accounts().ListUsers().value()[1];
  auto session = hub_->accounts().CreateSession(vi.id, 3600 * 1000).value();
  auto other = hub_->accounts().CreateSession(vi.id, 3600 * 1000).value();
  std::string cookie = "coophub_session=" + session.secret;
  auto Form = [&](const std::string& current, const std::string& fresh, const std::string& repeat) {
    ApiRequest r;
    r.method = "POST";
    r.path = "/account";
    r.query = {{"lang", "fr"}};
    r.body = "csrf=" + session.csrf + "&current=" + current + "&password=" + fresh + "&repeat=" + repeat;
    r.headers["content-type"] = "application/x-www-form-urlencoded";
    r.headers["cookie"] = cookie;
    return api_->Handle(r);
  };
  ApiResponse page = Call("GET", "/account", "", {{"lang", "fr"}}, "", cookie);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("autocomplete=\"new-password\""), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("Votre compte"), std::string::npos);
  ApiResponse mismatch = Form("a+long+password+1", "one+new+password", "another+one+entirely");
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_NE(mismatch.body.find("ne sont pas identiques"), std::string::npos) << mismatch.body;
  ApiResponse wrong = Form("not+the+password", "one+new+password", "one+new+password");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("rien n'a été changé"), std::string::npos) << wrong.body;
  EXPECT_EQ(Form("a+long+password+1", "short", "short").status, 400);
  EXPECT_TRUE(hub_->accounts().CheckPassword(vi.name, "a long password 1").ok()) << "nothing changed yet";

  ApiResponse done = Form("a+long+password+1", "one+new+password", "one+new+password");
  ASSERT_EQ(done.status, 303) << done.body;
  std::string location;
  for (const auto& [k, v] : done.headers)
    if (k == "Location") location = v;
  EXPECT_EQ(location, "/account?done=password");
  std::string fresh = SetCookie(done, "coophub_session");
  ASSERT_FALSE(fresh.empty());
  EXPECT_TRUE(hub_->accounts().CheckPassword(vi.name, "one new password").ok());
  EXPECT_FALSE(hub_->accounts().SessionPrincipal(other.secret).ok()) << "the other device is signed out";
  ApiResponse after = Call("GET", "/account", "", {{"done", "password"}, {"lang", "fr"}}, "", fresh);
  ASSERT_EQ(after.status, 200);
  EXPECT_NE(after.body.find("Votre mot de passe est changé"), std::string::npos) << after.body;
  EXPECT_EQ(Call("GET", "/account", "").status, 303) << "strangers are sent to sign in";
}

// hub.yaml's and the API's titles may come in several languages: each reader reads theirs.
TEST_P(DashboardApi, TitlesInTheReadersLanguage) {
  std::string body =
      R"({"title": {"en": "Our coop", "fr": "Notre coopérative"}, "widgets": [{"type": "news", "title": )"
      R"({"en": "What's new", "fr": "Quoi de neuf", "sv": "Nytt"}}]})";
  ApiResponse put = Call("PUT", "/api/v1/dashboards/public", "ana", {}, body);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(json::parse(put.body)["title"]["fr"], "Notre coopérative");
  std::string fr = Call("GET", "/", "", {{"lang", "fr"}}).body;
  EXPECT_NE(fr.find("<h1>Notre coopérative</h1>"), std::string::npos) << fr.substr(0, 2000);
  EXPECT_NE(fr.find(">Quoi de neuf</h2>"), std::string::npos);
  std::string sv = Call("GET", "/", "", {{"lang", "sv"}}).body;
  EXPECT_NE(sv.find("<h1>Our coop</h1>"), std::string::npos) << "English where Swedish is missing";
  EXPECT_NE(sv.find(">Nytt</h2>"), std::string::npos);
  EXPECT_NE(Call("GET", "/api/v1/dashboards/public", "ana", {{"format", "yaml"}})
                .body.find("title: {en: \"Our coop\", fr: \"Notre coopérative\"}"),
            std::string::npos);
}

}  // namespace
}  // namespace coophub
