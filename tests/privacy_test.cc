// SPDX-License-Identifier: Apache-2.0
//
// Members' own data through a serving hub, on both stores. Three CSV sources name Ana
// by her account name, her Loomio handle and her home address, and Bob by his. Ana
// claims the handle and the address, an admin confirms them; "my data" and her export
// (a ZIP, downloaded through its link) then hold exactly her records, each with its
// source, visibility and retention, and nothing of Bob's own; the CSV connector's
// subject adds what each file holds about her (at_source/), a row that names her only
// in a column the sync does not map too. Her erasure, once an
// admin confirms it, removes them and her account, and a resync of every source does
// not bring them back.
#include <gtest/gtest.h>

#include <set>

#include "support/hub_process.h"
#include "support/zip.h"

namespace coophub {
namespace {

using testing::Hub;
using testing::TempDir;
using testing::WaitFor;

class PrivacyTest : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Stores, PrivacyTest, testing::StoreBackends(), testing::BackendName);

// "source/id" of each item of a JSON array of records.
std::set<std::string> Ids(const json& items) {
  std::set<std::string> out;
  for (const auto& r : items) out.insert(r.value("source", "") + "/" + r.value("id", ""));
  return out;
}

constexpr const char* kConfig = R"(
api_sources: {file_roots: [.]}
sources:
  - id: rota
    name: Rota
    plugin: csv
    config: {url: rota.csv, kind: task, tag_separator: ";", columns: {id: Ref, title: Label, people: Who}}
  - id: loomio
    name: Decisions
    plugin: csv
    retention: 400d
    config: {url: loomio.csv, kind: decision, tag_separator: ";", columns: {id: Ref, title: Label, people: Who}}
  - id: directory
    name: Members
    plugin: csv
    visibility: admins
    config: {url: members.csv, kind: person, columns: {id: Ref, title: Label, author: Mail}}
)";

TEST_P(PrivacyTest, AMembersDataIsExactlyTheirsAndAnErasureStaysAfterAResync) {
  TempDir dir;
  dir.Write("rota.csv", "Ref,Label,Who\nr1,Monday shift,ana;bob\nr2,Tuesday shift,bob\nr3,Wednesday shift,Ana\n");
  dir.Write("loomio.csv", "Ref,Label,Who\nd1,Budget vote,@ana.lima\nd2,Logo vote,@bob\n");
  // Carol's row names Ana as her stand-in, in a column the sync does not map.
  dir.Write("members.csv",
            "Ref,Label,Mail,Stand-in\nm1,Ana Lima,ana@home.example,\nm2,Bob Roy,bob@home.example,\n"
            "m3,Carol Diaz,carol@home.example,Ana Lima <ana@home.example>\n");
  const std::string cfg = dir.Write("hub.yaml", kConfig);
  Hub hub(cfg, dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  for (const char* s : {"rota", "loomio", "directory"}) hub.WaitForRun(s);
  auto ana = testing::SignedInMember(hub, "ana");
  auto bob = testing::SignedInMember(hub, "bob");
  auto as = [&](const std::map<std::string, std::string>& who, const std::string& method, const std::string& path,
                const std::string& body = "") {
    auto headers = who;
    if (!body.empty()) headers["Content-Type"] = "application/json";
    return testing::Call(method, hub.base() + path, body, headers);
  };

  // Before any identity: her account name links the rota's records only.
  EXPECT_EQ(Ids(as(ana, "GET", "/api/v1/me/data").Json()["records"]["items"]),
            (std::set<std::string>{"rota/r1", "rota/r3"}));
  for (const auto& [kind, value] :
       {std::pair<const char*, const char*>{"handle", "@Ana.Lima"}, {"email", "ana@home.example"}}) {
    auto claimed = as(ana, "POST", "/api/v1/me/identities", json{{"kind", kind}, {"value", value}}.dump());
    ASSERT_EQ(claimed.status, 201) << claimed.body;
    testing::ExpectAgreesWithOpenApi("POST", "/api/v1/me/identities", claimed);
  }
  // A member is no admin: she cannot confirm her own claims.
  EXPECT_EQ(as(ana, "GET", "/api/v1/identities").status, 403);
  json waiting = hub.Get("/api/v1/identities").Json()["items"];
  ASSERT_EQ(waiting.size(), 2u) << waiting.dump();
  for (const auto& i : waiting)
    EXPECT_EQ(hub.Post("/api/v1/identities/" + std::to_string(i["id"].get<int64_t>()) + "/confirm").status, 200);

  const std::set<std::string> hers = {"rota/r1", "rota/r3", "loomio/d1", "directory/m1"};
  auto mine = as(ana, "GET", "/api/v1/me/data?limit=2");  // pages of two
  ASSERT_EQ(mine.status, 200) << mine.body;
  testing::ExpectAgreesWithOpenApi("GET", "/api/v1/me/data?limit=2", mine);
  json data = mine.Json();
  EXPECT_EQ(data["account"]["name"], "ana");
  EXPECT_EQ(data["names"], json({"@ana.lima", "ana", "ana@home.example"}));
  std::set<std::string> seen;
  for (int guard = 0; guard < 10; ++guard) {
    for (const auto& r : data["records"]["items"]) {
      seen.insert(r["source"].get<std::string>() + "/" + std::to_string(r["uid"].get<int64_t>()));
      if (r["source"] == "loomio") {
        EXPECT_EQ(r["source_name"], "Decisions");
        EXPECT_EQ(r["retention"], "400d");
      }
      if (r["source"] == "directory") {
        EXPECT_EQ(r["visibility"], "admins");  // hers to see, though a viewer
      }
    }
    std::string next = data["records"]["next_cursor"];
    if (next.empty()) break;
    data = as(ana, "GET", "/api/v1/me/data?limit=2&cursor=" + next).Json();
  }
  EXPECT_EQ(seen.size(), hers.size());
  // The page shows them too.
  auto page = as(ana, "GET", "/mydata");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Budget vote"), std::string::npos);
  EXPECT_EQ(page.body.find("Logo vote"), std::string::npos);

  // The export: queued, built in the background, downloaded through its link.
  auto queued = as(ana, "POST", "/api/v1/me/exports");
  ASSERT_EQ(queued.status, 202) << queued.body;
  testing::ExpectAgreesWithOpenApi("POST", "/api/v1/me/exports", queued);
  const std::string link = queued.Json()["link"];
  const int64_t export_id = queued.Json()["id"];
  WaitFor("the export to be ready", 60, [&] {
    json items = as(ana, "GET", "/api/v1/me/exports").Json()["items"];
    return !items.empty() && items[0]["status"] == "ready";
  });
  auto zip = testing::Call("GET", hub.base() + link);
  ASSERT_EQ(zip.status, 200) << zip.body;
  EXPECT_EQ(zip.ContentType(), "application/zip");
  auto files = testing::Unzip(zip.body);
  ASSERT_EQ(files.size(), 7u);
  EXPECT_EQ(Ids(json::parse(files["records.json"])), hers);
  EXPECT_EQ(json::parse(files["account.json"])["account"]["name"], "ana");
  for (const char* bobs : {"Tuesday shift", "Logo vote", "Bob Roy"}) {
    EXPECT_EQ(files["records.json"].find(bobs), std::string::npos) << bobs;
    EXPECT_EQ(files["records.csv"].find(bobs), std::string::npos) << bobs;
  }
  // What each file holds about her, as its connector's subject found it.
  const std::map<std::string, std::set<std::string>> at_source = {
      {"rota", {"rota/r1", "rota/r3"}}, {"loomio", {"loomio/d1"}}, {"directory", {"directory/m1", "directory/m3"}}};
  for (const auto& [source, ids] : at_source) {
    const std::string& text = files["at_source/" + source + ".json"];
    json held = json::parse(text, nullptr, false);
    ASSERT_TRUE(held.is_object()) << source << ": " << text;
    EXPECT_EQ(held["source"], source);
    EXPECT_TRUE(held["error"].is_null()) << held["error"];
    EXPECT_EQ(Ids(held["records"]), ids) << source;
    EXPECT_EQ(held["asked_for"]["account"], "ana");
    for (const char* bobs : {"Tuesday shift", "Logo vote", "Bob Roy"}) EXPECT_EQ(text.find(bobs), std::string::npos);
  }
  EXPECT_NE(files["README.md"].find("at_source/SOURCE.json"), std::string::npos);
  EXPECT_EQ(testing::Call("GET", hub.base() + link.substr(0, link.find("key=") + 4) + "export_wrong").status, 404);
  EXPECT_EQ(as(bob, "GET", "/api/v1/me/exports/" + std::to_string(export_id) + "/archive").status, 404);
  EXPECT_EQ(as(ana, "GET", "/api/v1/me/exports/" + std::to_string(export_id) + "/archive").status, 200);

  // The erasure: asked by her, previewed and confirmed by an admin.
  auto asked = as(ana, "POST", "/api/v1/me/erasure", json{{"note", "I am leaving"}}.dump());
  ASSERT_EQ(asked.status, 202) << asked.body;
  const std::string erasure = "/api/v1/erasures/" + std::to_string(asked.Json()["id"].get<int64_t>());
  auto preview = hub.Get(erasure);
  ASSERT_EQ(preview.status, 200) << preview.body;
  testing::ExpectAgreesWithOpenApi("GET", erasure, preview);
  std::map<std::string, int64_t> by_source;
  const json previewed = preview.Json();
  for (const auto& s : previewed["records"]) by_source[s["source"]] = s["records"];
  EXPECT_EQ(by_source, (std::map<std::string, int64_t>{{"directory", 1}, {"loomio", 1}, {"rota", 2}}));
  EXPECT_NE(previewed["records"][0]["at_source"].get<std::string>().find("remove them there"), std::string::npos);
  auto done = hub.Post(erasure + "/confirm");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.Json()["removed"], 4);
  EXPECT_EQ(done.Json()["status"], "done");
  EXPECT_EQ(as(ana, "GET", "/api/v1/me/data").status, 401) << "her account and sessions are gone";

  // Every source syncs again: her records stay out, Bob's are all there.
  for (const char* s : {"rota", "loomio", "directory"})
    ASSERT_EQ(hub.Post(std::string("/api/v1/sources/") + s + "/sync").status, 202);
  for (const char* s : {"rota", "loomio", "directory"}) hub.WaitForRun(s, 2);
  std::set<std::string> left;
  for (const char* s : {"rota", "loomio", "directory"})
    for (const auto& id : Ids(hub.Get(std::string("/api/v1/records?source=") + s).Json()["items"])) left.insert(id);
  EXPECT_EQ(left, (std::set<std::string>{"rota/r2", "loomio/d2", "directory/m2", "directory/m3"}));
  // The rota's run says what it left out, and why.
  json runs = hub.Get("/api/v1/sources/rota/runs").Json()["items"];
  ASSERT_FALSE(runs.empty());
  std::string log = hub.Get("/api/v1/runs/" + std::to_string(runs[0]["id"].get<int64_t>())).Json()["log"].dump();
  EXPECT_NE(log.find("2 record(s) naming an erased member were left out"), std::string::npos) << log;
  std::string audit = hub.Get("/api/v1/audit").body;
  for (const char* action : {"identity.confirm", "export.request", "erasure.request", "erasure.confirm"})
    EXPECT_NE(audit.find(action), std::string::npos) << action;
}

}  // namespace
}  // namespace coophub
