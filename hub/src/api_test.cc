// SPDX-License-Identifier: Apache-2.0
// Handlers called as functions: no sockets, a real store.
#include "api.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

namespace coophub {
namespace {

namespace fs = std::filesystem;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "coophub-api-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    store_ = std::move(OpenSqliteStore({dir_ + "/hub.db", 1}).value());
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
    fs::remove_all(dir_);
  }
  ApiResponse Get(const std::string& path, std::multimap<std::string, std::string> q = {}) {
    ApiRequest r;
    r.path = path;
    r.query = std::move(q);
    return api_->Handle(r);
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  HubConfig config_;
  std::unique_ptr<Api> api_;
};

TEST_F(ApiTest, ListWritesStoredJsonWithUid) {
  ApiResponse r = Get("/api/v1/records", {{"kind", "post"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  ASSERT_EQ(j["items"].size(), 1u);
  EXPECT_TRUE(j["items"][0]["uid"].is_number());
  EXPECT_EQ(j["items"][0]["source"], "news");
  EXPECT_TRUE(j["next_cursor"].is_null());
}

TEST_F(ApiTest, SourcesShowCountsAndNeverRunFreshness) {
  json j = json::parse(Get("/api/v1/sources").body);
  ASSERT_EQ(j["items"].size(), 1u);
  EXPECT_EQ(j["items"][0]["records"], 1);
  EXPECT_EQ(j["items"][0]["freshness"], "never");
  EXPECT_TRUE(j["items"][0]["last_run"].is_null());
}

TEST_F(ApiTest, PageEscapesRecordText) {
  ApiResponse r = Get("/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.body.find("<script>x"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;script&gt;x&lt;/script&gt; &amp; co"), std::string::npos);
}

TEST_F(ApiTest, SyncNowWithoutSchedulerSaysSo) {
  ApiRequest r;
  r.method = "POST";
  r.path = "/api/v1/sources/news/sync";
  EXPECT_EQ(api_->Handle(r).status, 503);
  r.path = "/api/v1/sources/nope/sync";
  EXPECT_EQ(api_->Handle(r).status, 404);
}

TEST_F(ApiTest, StaticAssetsCannotEscapeTheWebDir) {
  EXPECT_EQ(Get("/static/style.css").status, 200);
  EXPECT_EQ(Get("/static/..%2Fapi.cc").status, 404);
  EXPECT_EQ(Get("/static/../../etc/passwd").status, 404);
}

}  // namespace
}  // namespace coophub
