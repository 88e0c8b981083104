// SPDX-License-Identifier: Apache-2.0
//
// The interface's words in the reader's language: message catalogs (web/static/i18n/
// LANG.json, flat "key": "text with {placeholders}"), shared by the server-rendered page
// and the web code. English is complete by definition; another catalog's missing key
// falls back to English. Loaded once; thread-safe to read.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace coophub {

class Catalogs {
 public:
  // Reads every LANG.json in dir; a catalog that is not a JSON object of strings is
  // skipped with a warning.
  static Catalogs Load(const std::string& dir);

  // The language to answer in: an explicit choice (?lang= or the coophub_lang cookie)
  // when known, else the best of Accept-Language (q-values, "fr-CH" → "fr"), else "en".
  std::string Negotiate(const std::string& chosen, const std::string& accept_language) const;

  // The browser's own variant of lang, for how times and numbers are written: "en-GB"
  // from "en-GB,en;q=0.8" for English (a day before the month, a 24-hour clock); lang
  // itself when it asks for none.
  static std::string Locale(const std::string& lang, const std::string& accept_language);

  // The text of key in lang with each {name} replaced; English, then the key itself,
  // when missing. A message with ICU's plural or select ("{n, plural, one {# record}
  // other {# records}}") is formatted by ICU's MessageFormat for lang: its plural rules,
  // and its digit grouping for the number (#). The web code's t() reads the same syntax.
  std::string Text(const std::string& lang, const std::string& key,
                   const std::map<std::string, std::string>& args = {}) const;

  // Every message of lang, English filling the gaps, as JSON text that is safe inside
  // an HTML <script> element ("</" written "<\/"): the web code's own words. Made once,
  // when the catalogs are loaded; "{}" for an unknown language.
  const std::string& WordsJson(const std::string& lang) const;

  // (code, name in its own language), sorted by code.
  std::vector<std::pair<std::string, std::string>> Languages() const;

 private:
  std::map<std::string, std::map<std::string, std::string>> by_lang_;
  std::map<std::string, std::string> words_json_;  // lang -> WordsJson
};

}  // namespace coophub
