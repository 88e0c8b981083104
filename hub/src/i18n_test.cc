// SPDX-License-Identifier: Apache-2.0
// The message catalogs: complete in every language, negotiated as browsers ask.
#include "i18n.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "api.h"  // DefaultWebDir

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
  Catalogs c = Catalogs::Load(DefaultWebDir() + "/i18n");
  std::set<std::string> langs;
  for (const auto& [code, name] : c.Languages()) langs.insert(code);
  for (const char* want : {"en", "fr", "nl", "es", "ca", "sv"}) EXPECT_TRUE(langs.count(want)) << want;
  // English is the reference: every key of it, in every other language, translated
  // (Text falls back to English, so a missing key reads as the English text).
  Catalogs english_only;
  for (const auto& lang : langs) {
    for (const std::string key : {"search.label", "sources.records", "fresh.failed", "kind.post", "kind.transaction",
                                  "empty.search", "ago.d", "in.h", "language.label"}) {
      std::string text = c.Text(lang, key), en = c.Text("en", key);
      EXPECT_NE(text, key) << lang << " lacks " << key;
      EXPECT_EQ(Placeholders(text), Placeholders(en)) << lang << " " << key << ": " << text;
      if (lang != "en" && key != "footer.api") EXPECT_NE(text, en) << lang << " " << key << " is not translated";
    }
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

}  // namespace
}  // namespace coophub
