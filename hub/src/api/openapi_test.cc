// SPDX-License-Identifier: Apache-2.0
// The OpenAPI document parses, covers every route, and its check catches disagreements.
#include "api/openapi.h"

#include "api/api.h"

#include <gtest/gtest.h>

namespace coophub {
namespace {

TEST(OpenApi, DocumentIsOpenApi31WithItsSchemas) {
  const json& doc = OpenApiDocument();
  EXPECT_EQ(doc["openapi"], "3.1.0");
  EXPECT_TRUE(doc["components"]["schemas"].contains("Record"));
  EXPECT_TRUE(doc["paths"].contains("/api/v1/records/{uid}"));
}

TEST(OpenApi, EveryRouteOfTheApiIsDocumented) {
  int checked = 0;
  for (auto [method, pattern] : Api::RouteTable()) {
    if (pattern == "/" || pattern == "/setup" || pattern == "/login" || pattern == "/logout" || pattern == "/admin" ||
        pattern == "/calendar" || pattern == "/account" || pattern == "/month" || pattern == "/sw.js" ||
        pattern == "/manifest.webmanifest" || pattern.rfind("/static/", 0) == 0 || pattern.rfind("/embed/", 0) == 0 ||
        pattern == "/work" || pattern == "/profile" || pattern.rfind("/offer/", 0) == 0 ||
        pattern == "/notifications" || pattern == "/notifications/read" || pattern == "/unsubscribe" ||
        pattern == "/mydata")
      continue;  // pages, not API
    std::string path = pattern;
    for (size_t p; (p = path.find("{}")) != std::string::npos;) path.replace(p, 2, "x");
    if (pattern == "/feeds/{}") path = "/feeds/records.atom";
    EXPECT_TRUE(IsDocumented(method, path)) << method << " " << pattern;
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

TEST(OpenApi, CheckCatchesWhatDisagrees) {
  std::string ok = R"({"items":[],"next_cursor":null})";
  EXPECT_TRUE(CheckAgainstOpenApi("GET", "/api/v1/records", 200, "application/json", ok).empty());
  EXPECT_FALSE(CheckAgainstOpenApi("GET", "/api/v1/records", 200, "application/json", R"({"items":[]})").empty())
      << "next_cursor is required";
  EXPECT_FALSE(
      CheckAgainstOpenApi(
          "GET", "/api/v1/records", 200, "application/json",
          R"({"items":[{"uid":1,"source":"s","stream":"e","id":"1","kind":"party","time":"t","visibility":"public"}],"next_cursor":null})")
          .empty())
      << "kind must be one of the enum, through the $ref";
  EXPECT_FALSE(CheckAgainstOpenApi("GET", "/api/v1/records", 418, "application/json", ok).empty())
      << "undocumented status";
  EXPECT_FALSE(CheckAgainstOpenApi("GET", "/api/v1/records", 200, "text/html", ok).empty()) << "undocumented type";
  EXPECT_FALSE(CheckAgainstOpenApi("PUT", "/api/v1/records", 200, "application/json", ok).empty());
  EXPECT_TRUE(CheckAgainstOpenApi("GET", "/api/v9/x", 404, "application/problem+json", "{}").empty());
  // oneOf: a source's last_run is a run or null.
  std::string src =
      R"({"id":"a","name":"A","plugin":"rss","visibility":"public","enabled":true,"every_s":60,"records":0,
    "newest_record":null,"last_run":null,"last_success":null,"freshness":"never","managed_by":"api"})";
  EXPECT_TRUE(CheckAgainstOpenApi("GET", "/api/v1/sources/a", 200, "application/json", src).empty());
  std::string bad_run = src;
  bad_run.replace(bad_run.find("\"last_run\":null"), 15, "\"last_run\":7");
  EXPECT_FALSE(CheckAgainstOpenApi("GET", "/api/v1/sources/a", 200, "application/json", bad_run).empty());
}

}  // namespace
}  // namespace coophub
