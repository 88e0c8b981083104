// SPDX-License-Identifier: Apache-2.0
// Message catalogs and language negotiation; see i18n.h.
#include "i18n/i18n.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>
#include <unicode/msgfmt.h>

#include <strings.h>

#include <cstdlib>
#include <vector>

#include "model/protocol.h"  // json

namespace coophub {
namespace {

// Whether a message uses ICU's plural or select ("{n, plural, one {# item} other {#
// items}}"): only those go through MessageFormat; the rest are plain {name} swaps.
bool IsIcuMessage(const std::string& text) {
  return text.find(", plural,") != std::string::npos || text.find(", select,") != std::string::npos;
}

// An argument as ICU wants it: a whole number as a number (plural rules, locale digit
// grouping), anything else as text.
icu::Formattable Argument(const std::string& value) {
  if (!value.empty() && value.size() < 19) {
    char* end = nullptr;
    long long n = std::strtoll(value.c_str(), &end, 10);
    if (*end == '\0' && (std::isdigit(static_cast<unsigned char>(value[0])) || value[0] == '-'))
      return icu::Formattable(static_cast<int64_t>(n));
  }
  return icu::Formattable(icu::UnicodeString::fromUTF8(value));
}

// text formatted by ICU's MessageFormat for lang; "" when it does not parse or format.
std::string FormatIcu(const std::string& text, const std::string& lang,
                      const std::map<std::string, std::string>& args) {
  UErrorCode status = U_ZERO_ERROR;
  icu::MessageFormat format(icu::UnicodeString::fromUTF8(text), icu::Locale(lang.c_str()), status);
  if (U_FAILURE(status)) return "";
  std::vector<icu::UnicodeString> names;
  std::vector<icu::Formattable> values;
  for (const auto& [name, value] : args) {
    names.push_back(icu::UnicodeString::fromUTF8(name));
    values.push_back(Argument(value));
  }
  icu::UnicodeString out;
  format.format(names.data(), values.data(), static_cast<int32_t>(names.size()), out, status);
  if (U_FAILURE(status)) return "";
  std::string utf8;
  return out.toUTF8String(utf8);
}

}  // namespace

Catalogs Catalogs::Load(const std::string& dir) {
  Catalogs c;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    json j = json::parse(text.str(), nullptr, false);
    if (!j.is_object()) {
      spdlog::warn("{}: not a JSON object of messages, skipped", entry.path().string());
      continue;
    }
    auto& messages = c.by_lang_[entry.path().stem().string()];
    for (const auto& [key, value] : j.items())
      if (value.is_string()) messages[key] = value.get<std::string>();
  }
  for (const auto& [lang, messages] : c.by_lang_) {
    json words = json::object();
    for (const std::string& l : {std::string("en"), lang})
      if (auto m = c.by_lang_.find(l); m != c.by_lang_.end())
        for (const auto& [k, v] : m->second) words[k] = v;
    std::string text = words.dump(-1, ' ', false, json::error_handler_t::replace);
    for (size_t at = 0; (at = text.find("</", at)) != std::string::npos; at += 3) text.replace(at, 2, "<\\/");
    c.words_json_[lang] = std::move(text);
  }
  return c;
}

namespace {

// Each range of an Accept-Language header with its q-value, in the header's order:
// "fr-CH, fr;q=0.9" -> ("fr-CH", 1), ("fr", 0.9). Blanks are dropped.
std::vector<std::pair<std::string, double>> AcceptRanges(const std::string& accept_language) {
  std::vector<std::pair<std::string, double>> out;
  std::stringstream ranges(accept_language);
  for (std::string range; std::getline(ranges, range, ',');) {
    double q = 1;
    if (size_t semi = range.find(';'); semi != std::string::npos) {
      size_t at = range.find("q=", semi);
      q = at == std::string::npos ? 1 : std::strtod(range.c_str() + at + 2, nullptr);
      range.resize(semi);
    }
    range.erase(std::remove_if(range.begin(), range.end(), [](unsigned char ch) { return std::isspace(ch); }),
                range.end());
    if (!range.empty()) out.emplace_back(std::move(range), q);
  }
  return out;
}

}  // namespace

std::string Catalogs::Negotiate(const std::string& chosen, const std::string& accept_language) const {
  if (by_lang_.count(chosen)) return chosen;
  std::string best = "en";
  double best_q = 0;
  for (const auto& [range, q] : AcceptRanges(accept_language)) {
    std::string primary = range.substr(0, range.find('-'));
    std::transform(primary.begin(), primary.end(), primary.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (q > best_q && by_lang_.count(primary)) {
      best = primary;
      best_q = q;
    }
  }
  return best;
}

std::string Catalogs::Locale(const std::string& lang, const std::string& accept_language) {
  for (const auto& [tag, q] : AcceptRanges(accept_language)) {
    bool plain = q > 0 && tag.size() <= 35;
    for (char ch : tag) plain &= std::isalnum(static_cast<unsigned char>(ch)) || ch == '-';
    if (plain && tag.size() > lang.size() && tag[lang.size()] == '-' &&
        strncasecmp(tag.c_str(), lang.c_str(), lang.size()) == 0)
      return tag;
  }
  return lang;
}

std::string Catalogs::Text(const std::string& lang, const std::string& key,
                           const std::map<std::string, std::string>& args) const {
  std::string text = key;
  for (const std::string& l : {lang, std::string("en")}) {
    auto c = by_lang_.find(l);
    if (c == by_lang_.end()) continue;
    if (auto m = c->second.find(key); m != c->second.end()) {
      text = m->second;
      break;
    }
  }
  if (IsIcuMessage(text)) {
    std::string formatted = FormatIcu(text, lang, args);
    if (!formatted.empty()) return formatted;
    spdlog::warn("message {} ({}) is not an ICU message that formats: {}", key, lang, text);
  }
  for (const auto& [name, value] : args) {
    std::string mark = "{" + name + "}";
    for (size_t at = 0; (at = text.find(mark, at)) != std::string::npos; at += value.size())
      text.replace(at, mark.size(), value);
  }
  return text;
}

const std::string& Catalogs::WordsJson(const std::string& lang) const {
  static const std::string kNone = "{}";
  auto it = words_json_.find(lang);
  return it == words_json_.end() ? kNone : it->second;
}

std::vector<std::pair<std::string, std::string>> Catalogs::Languages() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [lang, messages] : by_lang_) {
    auto name = messages.find("_name");
    out.emplace_back(lang, name == messages.end() ? lang : name->second);
  }
  return out;
}

}  // namespace coophub
