// SPDX-License-Identifier: Apache-2.0
// Singer catalogs: reading, selecting, and the flags a tap takes; see singer.h.
#include "runtime/singer.h"

#include <algorithm>
#include <cctype>

namespace coophub::singer {

std::string StreamId(const json& stream) {
  for (const char* key : {"tap_stream_id", "stream"})
    if (auto it = stream.find(key); it != stream.end() && it->is_string() && !it->get<std::string>().empty())
      return it->get<std::string>();
  return "";
}

namespace {

// The metadata entry at a breadcrumb, made (empty) when the tap listed none.
json& EntryAt(json& stream, const json& breadcrumb) {
  json& list = stream["metadata"];
  if (!list.is_array()) list = json::array();
  for (auto& e : list)
    if (e.is_object() && e.value("breadcrumb", json::array()) == breadcrumb) {
      if (!e["metadata"].is_object()) e["metadata"] = json::object();
      return e["metadata"];
    }
  list.push_back({{"breadcrumb", breadcrumb}, {"metadata", json::object()}});
  return list.back()["metadata"];
}

}  // namespace

Result<json> ParseCatalog(std::string_view text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos)
    return Status::Invalid("--discover printed nothing: a Singer tap prints its catalog, {\"streams\": [...]}");
  json catalog;
  try {  // the parser's message says where it stopped being JSON
    catalog = json::parse(text.substr(start));
  } catch (const json::parse_error& e) {
    return Status::Invalid("--discover did not print one JSON catalog: " + std::string(e.what()));
  }
  if (!catalog.is_object() || !catalog.contains("streams") || !catalog["streams"].is_array())
    return Status::Invalid("--discover printed JSON without a \"streams\" array: not a Singer catalog");
  const json& streams = catalog["streams"];
  for (size_t i = 0; i < streams.size(); ++i) {
    std::string where = "the catalog's streams[" + std::to_string(i) + "]";
    const json& s = streams[i];
    if (!s.is_object()) return Status::Invalid(where + " is not an object");
    if (StreamId(s).empty()) return Status::Invalid(where + " has no tap_stream_id (nor stream)");
    if (!s.contains("schema") || !s["schema"].is_object())
      return Status::Invalid(where + " (\"" + StreamId(s) + "\") has no schema object");
    if (s.contains("metadata") && !s["metadata"].is_array())
      return Status::Invalid(where + " (\"" + StreamId(s) + "\"): metadata must be an array");
  }
  return catalog;
}

std::vector<std::string> StreamIds(const json& catalog) {
  std::vector<std::string> ids;
  for (const auto& s : catalog.value("streams", json::array())) ids.push_back(StreamId(s));
  return ids;
}

json Select(json catalog, const std::vector<std::string>& streams, const json& metadata,
            std::vector<std::string>* unknown) {
  std::vector<std::string> ids = StreamIds(catalog);
  for (const auto& name : streams)
    if (std::find(ids.begin(), ids.end(), name) == ids.end()) unknown->push_back(name);
  for (auto& s : catalog["streams"]) {
    std::string id = StreamId(s);
    bool selected = streams.empty() || std::find(streams.begin(), streams.end(), id) != streams.end();
    json& top = EntryAt(s, json::array());
    top["selected"] = selected;
    s["schema"]["selected"] = selected;  // what taps of the --properties era read
    if (!selected) continue;
    if (metadata.is_object())
      for (const auto& [key, value] : metadata.items()) top[key] = value;
    if (auto props = s["schema"].find("properties"); props != s["schema"].end() && props->is_object())
      for (const auto& [field, _] : props->items()) {
        json& md = EntryAt(s, json::array({"properties", field}));
        if (!(md.contains("inclusion") && md["inclusion"] == "unsupported")) md["selected"] = true;
      }
  }
  return catalog;
}

std::vector<std::string> CatalogFlags(std::string_view help) {
  auto names = [&](std::string_view flag) {
    for (size_t at = help.find(flag); at != std::string_view::npos; at = help.find(flag, at + 1)) {
      size_t end = at + flag.size();
      if (end >= help.size() ||
          !(std::isalnum(static_cast<unsigned char>(help[end])) || help[end] == '-' || help[end] == '_'))
        return true;
    }
    return false;
  };
  std::vector<std::string> flags;
  if (names("--catalog")) flags.push_back("--catalog");
  if (names("--properties")) flags.push_back("--properties");
  return flags;
}

}  // namespace coophub::singer
