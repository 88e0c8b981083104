// SPDX-License-Identifier: Apache-2.0
// Message catalogs and language negotiation; see i18n.h.
#include "i18n.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "protocol.h"  // json

namespace coophub {

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
  return c;
}

std::string Catalogs::Negotiate(const std::string& chosen, const std::string& accept_language) const {
  if (by_lang_.count(chosen)) return chosen;
  std::string best = "en";
  double best_q = 0;
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
    std::string primary = range.substr(0, range.find('-'));
    std::transform(primary.begin(), primary.end(), primary.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (q > best_q && by_lang_.count(primary)) {
      best = primary;
      best_q = q;
    }
  }
  return best;
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
  for (const auto& [name, value] : args) {
    std::string mark = "{" + name + "}";
    for (size_t at = 0; (at = text.find(mark, at)) != std::string::npos; at += value.size()) text.replace(at, mark.size(), value);
  }
  return text;
}

std::map<std::string, std::string> Catalogs::All(const std::string& lang) const {
  std::map<std::string, std::string> out;
  for (const std::string& l : {std::string("en"), lang})
    if (auto c = by_lang_.find(l); c != by_lang_.end())
      for (const auto& [k, v] : c->second) out[k] = v;
  return out;
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
