// SPDX-License-Identifier: Apache-2.0
#include "runtime/singer.h"

#include <gtest/gtest.h>

namespace coophub::singer {
namespace {

TEST(SingerCatalog, ReadsOneDocumentOverManyLines) {
  auto c = ParseCatalog(
      "\n{\n  \"streams\": [\n    {\"tap_stream_id\": \"public-members\",\n"
      "     \"schema\": {\"type\": \"object\"}}\n  ]\n}\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(StreamIds(*c), std::vector<std::string>{"public-members"});
}

TEST(SingerCatalog, SaysWhatIsWrongWithIt) {
  EXPECT_NE(ParseCatalog("").status().message().find("--discover printed nothing"), std::string::npos);
  std::string cut = ParseCatalog("{\"streams\": [").status().message();
  EXPECT_NE(cut.find("did not print one JSON catalog"), std::string::npos) << cut;
  EXPECT_NE(cut.find("column 14"), std::string::npos) << "where it stopped: " << cut;
  EXPECT_NE(ParseCatalog("{\"type\":\"SCHEMA\"}").status().message().find("without a \"streams\" array"),
            std::string::npos);
  EXPECT_EQ(ParseCatalog(R"({"streams":[{"tap_stream_id":"a","schema":{}},{"schema":{}}]})").status().message(),
            "the catalog's streams[1] has no tap_stream_id (nor stream)");
  EXPECT_EQ(ParseCatalog(R"({"streams":[{"stream":"a"}]})").status().message(),
            "the catalog's streams[0] (\"a\") has no schema object");
}

TEST(SingerCatalog, SelectMarksTheChosenStreamsAndTheirFields) {
  json catalog = json::parse(R"({"streams":[
    {"tap_stream_id":"a","schema":{"properties":{"id":{},"x":{},"blob":{}}},
     "metadata":[{"breadcrumb":[],"metadata":{"selected-by-default":false}},
                 {"breadcrumb":["properties","blob"],"metadata":{"inclusion":"unsupported"}},
                 {"breadcrumb":["properties","x"],"metadata":{"inclusion":7}}]},
    {"tap_stream_id":"b","schema":{}}]})");
  std::vector<std::string> unknown;
  json out = Select(catalog, {"a", "zz"}, {{"replication-method", "FULL_TABLE"}}, &unknown);
  EXPECT_EQ(unknown, std::vector<std::string>{"zz"});
  const json& a = out["streams"][0];
  json top, x, blob;
  for (const auto& e : a["metadata"]) {
    if (e["breadcrumb"] == json::array()) top = e["metadata"];
    if (e["breadcrumb"] == json::array({"properties", "x"})) x = e["metadata"];
    if (e["breadcrumb"] == json::array({"properties", "blob"})) blob = e["metadata"];
  }
  EXPECT_EQ(top["selected"], true);
  EXPECT_EQ(top["replication-method"], "FULL_TABLE");
  EXPECT_EQ(top["selected-by-default"], false) << "the tap's own metadata stays";
  EXPECT_EQ(x["selected"], true);
  EXPECT_FALSE(blob.contains("selected")) << "an unsupported field is never selected";
  EXPECT_EQ(out["streams"][1]["metadata"][0]["metadata"]["selected"], false);
  EXPECT_EQ(out["streams"][1]["schema"]["selected"], false);

  json all = Select(catalog, {}, json::object(), &unknown);
  EXPECT_EQ(all["streams"][1]["schema"]["selected"], true) << "no streams named: all of them";
}

TEST(SingerCatalog, FlagsComeFromTheHelpText) {
  // singer-python's argparse and singer-sdk's click, as they print --help.
  const char* argparse_help =
      "usage: tap-postgres [-h] -c CONFIG [-s STATE] [-p PROPERTIES] [--catalog CATALOG] [-d]\n"
      "  -p PROPERTIES, --properties PROPERTIES\n  --catalog CATALOG     Catalog file\n";
  const char* click_help =
      "Usage: tap-csv [OPTIONS]\n  --discover          Run the tap in discovery mode.\n"
      "  --catalog TEXT      Use a Singer catalog file with the tap.\n  --catalog-format  x\n";
  EXPECT_EQ(CatalogFlags(argparse_help), (std::vector<std::string>{"--catalog", "--properties"}));
  EXPECT_EQ(CatalogFlags(click_help), std::vector<std::string>{"--catalog"});
  EXPECT_TRUE(CatalogFlags("usage: tap-simple --config CONFIG [--state STATE] [--catalogue]").empty());
}

}  // namespace
}  // namespace coophub::singer
