// SPDX-License-Identifier: Apache-2.0
// The message catalogs: complete in every language, negotiated as browsers ask.
#include "i18n/i18n.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <set>

#include "api/api.h"         // DefaultWebDir
#include "model/protocol.h"  // json

namespace coophub {
namespace {

std::set<std::string> Placeholders(const std::string& text) {
  std::set<std::string> out;
  std::regex mark("\\{[a-z_]+\\}");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), mark); it != std::sregex_iterator(); ++it)
    out.insert(it->str());
  return out;
}

TEST(Catalogs, EveryLanguageHasEveryMessageWithItsPlaceholders) {
  // Read as files, not through Catalogs: Text() falls back to English and would hide a
  // missing message.
  auto read = [](const std::string& lang) {
    std::ifstream in(DefaultWebDir() + "/i18n/" + lang + ".json");
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str(), nullptr, false);
  };
  json en = read("en");
  ASSERT_TRUE(en.is_object());
  ASSERT_GT(en.size(), 20u);
  Catalogs c = Catalogs::Load(DefaultWebDir() + "/i18n");
  std::set<std::string> langs;
  for (const auto& [code, name] : c.Languages()) langs.insert(code);
  for (const char* want : {"en", "fr", "nl", "es", "ca", "sv"}) EXPECT_TRUE(langs.count(want)) << want;
  for (const auto& lang : langs) {
    json messages = read(lang);
    ASSERT_TRUE(messages.is_object()) << lang;
    for (const auto& [key, text] : en.items()) {
      ASSERT_TRUE(messages.contains(key) && messages[key].is_string()) << lang << " lacks " << key;
      const std::string translated = messages[key].get<std::string>();
      EXPECT_FALSE(translated.empty()) << lang << " " << key;
      EXPECT_EQ(Placeholders(translated), Placeholders(text.get<std::string>())) << lang << " " << key;
    }
    for (const auto& [key, text] : messages.items())
      EXPECT_TRUE(en.contains(key)) << lang << " has " << key << ", which English lacks";
  }
  // Spot checks that translations are there at all, not English copied.
  EXPECT_NE(c.Text("fr", "search.label"), c.Text("en", "search.label"));
  EXPECT_NE(c.Text("sv", "kind.post"), c.Text("en", "kind.post"));
}

TEST(Catalogs, NegotiatesLikeBrowsersAsk) {
  Catalogs c = Catalogs::Load(DefaultWebDir() + "/i18n");
  EXPECT_EQ(c.Negotiate("", "fr-CH, fr;q=0.9, en;q=0.8"), "fr");
  EXPECT_EQ(c.Negotiate("", "nl-BE"), "nl");
  EXPECT_EQ(c.Negotiate("", "de-DE, ca;q=0.5, es;q=0.7"), "es") << "the best known one";
  EXPECT_EQ(c.Negotiate("", "sv;q=0, de"), "en") << "q=0 means not this one";
  EXPECT_EQ(c.Negotiate("", ""), "en");
  EXPECT_EQ(c.Negotiate("ca", "fr"), "ca") << "a reader's own choice wins";
  EXPECT_EQ(c.Negotiate("xx", "sv"), "sv") << "an unknown choice is no choice";
  EXPECT_EQ(c.Text("fr", "sources.records", {{"n", "12"}}), "12 éléments");
  EXPECT_EQ(c.Text("fr", "no.such.key"), "no.such.key");
}

// The web code's words go into a <script> element: no message may end it early, and
// English fills what a language lacks.
TEST(Catalogs, WordsForTheWebCodeCannotEndTheirScriptElement) {
  std::string dir = (std::filesystem::temp_directory_path() / "coophub-i18n-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  std::ofstream(dir + "/en.json") << R"({"a": "</script><b>hi", "b": "only English"})";
  std::ofstream(dir + "/fr.json") << R"({"a": "salut"})";
  Catalogs c = Catalogs::Load(dir);
  std::string fr = c.WordsJson("fr"), en = c.WordsJson("en");
  EXPECT_EQ(en.find("</"), std::string::npos) << en;
  EXPECT_EQ(json::parse(en)["a"], "</script><b>hi") << "and still the same text once parsed";
  EXPECT_EQ(json::parse(fr), json({{"a", "salut"}, {"b", "only English"}}));
  EXPECT_EQ(c.WordsJson("xx"), "{}");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace coophub
