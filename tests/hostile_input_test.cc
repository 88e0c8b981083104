// SPDX-License-Identifier: Apache-2.0
//
// A running hub against bad input: every JSONTestSuite document posted to every
// endpoint that takes JSON (invalid JSON is a 400, nothing is a 5xx, the hub stays up),
// and requests over the size limits.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/hub_process.h"

namespace coophub {
namespace {

using testing::Hub;
using testing::TempDir;

TEST(HostileInput, JsonTestSuiteAtEveryJsonEndpoint) {
  TempDir dir;
  std::string cfg = dir.Write("hub.yaml", "sources: []\n");
  Hub hub(cfg, dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  const std::string corpus = std::string(COOPHUB_CORPORA) + "/JSONTestSuite/test_parsing";
  ASSERT_TRUE(std::filesystem::exists(corpus)) << corpus;
  const char* endpoints[] = {"/api/v1/login", "/api/v1/setup", "/api/v1/tokens", "/api/v1/users"};
  int posted = 0;
  for (const auto& e : std::filesystem::directory_iterator(corpus)) {
    std::string name = e.path().filename().string();
    std::string body = testing::ReadAll(e.path().string());
    for (const char* ep : endpoints) {
      testing::Http r = hub.Post(ep, body);
      ++posted;
      ASSERT_NE(r.status, 0) << ep << " " << name << ": no answer: " << r.error;
      EXPECT_LT(r.status, 500) << ep << " " << name << ": " << r.body;
      if (name[0] == 'n') {
        EXPECT_EQ(r.status, 400) << ep << " " << name << ": " << r.body;
      }
      if (r.status >= 400) {
        EXPECT_NE(r.headers.find("content-type: application/problem+json"), std::string::npos) << ep << " " << name;
      }
    }
  }
  EXPECT_GT(posted, 1200);
  EXPECT_EQ(hub.Get("/healthz").status, 200) << "the hub is still up";
  EXPECT_EQ(hub.Get("/api/v1/users").Json()["items"].size(), 1u) << "no document made an account";
}

TEST(HostileInput, OversizedRequestsGetAProblemNotACrash) {
  TempDir dir;
  std::string cfg = dir.Write("hub.yaml", "sources: []\n");
  Hub hub(cfg, dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  testing::Http long_query = hub.Get("/api/v1/records?q=" + std::string(20000, 'a'));
  EXPECT_EQ(long_query.status, 414) << long_query.body;
  EXPECT_NE(long_query.body.find("over 8 KB"), std::string::npos) << long_query.body;
  testing::Http big_body = hub.Post("/api/v1/login", std::string(2 << 20, ' '));
  EXPECT_EQ(big_body.status, 413) << big_body.body;
  testing::Http big_header =
      testing::Call("GET", hub.base() + "/api/v1/records", "", {{"X-Padding", std::string(16000, 'h')}});
  EXPECT_EQ(big_header.status, 431) << big_header.body;
  EXPECT_NE(big_header.body.find("X-Padding is over 8 KB"), std::string::npos) << big_header.body;
  EXPECT_EQ(big_header.ContentType(), "application/problem+json");
  testing::Http search = hub.Get("/api/v1/records?q=" + std::string(600, 'a'));
  EXPECT_EQ(search.status, 400);
  EXPECT_NE(search.body.find("q is limited to 500 characters"), std::string::npos);
  EXPECT_EQ(hub.Get("/healthz").status, 200);
}

}  // namespace
}  // namespace coophub
