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

// The arguments a message takes: {name}, and the name of a plural or select.
std::set<std::string> Placeholders(const std::string& text) {
  std::set<std::string> out;
  std::regex mark("\\{([a-z_]+)(\\}|, (plural|select),)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), mark); it != std::sregex_iterator(); ++it)
    out.insert((*it)[1].str());
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

// Plurals as each language has them (CLDR's rules through ICU): never "1 nouveaux";
// French counts 0 as one; numbers grouped as the language groups them.
TEST(Catalogs, PluralsFollowEachLanguagesRules) {
  Catalogs c = Catalogs::Load(DefaultWebDir() + "/i18n");
  auto Say = [&](const char* lang, const char* key, const char* n) { return c.Text(lang, key, {{"n", n}}); };
  EXPECT_EQ(Say("fr", "changes.new", "1"), "1 nouveau");
  EXPECT_EQ(Say("fr", "changes.new", "0"), "0 nouveau");
  EXPECT_EQ(Say("fr", "changes.new", "2"), "2 nouveaux");
  EXPECT_EQ(Say("sv", "changes.new", "1"), "1 ny");
  EXPECT_EQ(Say("sv", "changes.new", "0"), "0 nya");
  EXPECT_EQ(Say("en", "sources.records", "1"), "1 record");
  EXPECT_EQ(Say("en", "sources.records", "12345"), "12,345 records");
  EXPECT_EQ(Say("fr", "sources.records", "12345"), "12\u202f345 éléments");
  EXPECT_EQ(Say("sv", "sources.records", "12345"), "12\u00a0345 poster");
  // Every ICU message of every catalog formats, for one and for many.
  for (const auto& [lang, name] : c.Languages())
    for (const char* key : {"sources.records", "changes.new", "changes.changed", "changes.removed", "money.count",
                            "money.capped", "live.new", "admin.run.records"})
      for (const char* n : {"1", "7"}) {
        std::string text = Say(lang.c_str(), key, n);
        EXPECT_EQ(text.find('{'), std::string::npos) << lang << " " << key << ": " << text;
        EXPECT_EQ(text.find('#'), std::string::npos) << lang << " " << key << ": " << text;
      }
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
