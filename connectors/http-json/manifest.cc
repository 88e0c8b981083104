// SPDX-License-Identifier: Apache-2.0
//
// Loading and checking http-json manifests. The allowed keys of each section are
// tables below; everything else in a manifest is an error naming the key.
#include "manifest.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace coophub::httpjson {
namespace {

json ScalarToJson(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() != "?") return s;  // quoted: a string whatever it reads as
  if (s.empty() || s == "~" || s == "null") return nullptr;
  if (s == "true") return true;
  if (s == "false") return false;
  char* end = nullptr;
  long long i = std::strtoll(s.c_str(), &end, 10);
  if (*end == '\0' && s.find_first_not_of("+-0123456789") == std::string::npos) return i;
  double d = std::strtod(s.c_str(), &end);
  if (*end == '\0' && s.find_first_not_of("+-0123456789.eE") == std::string::npos) return d;
  return s;
}

json NodeToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar:
      return ScalarToJson(n);
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& c : n) a.push_back(NodeToJson(c));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = NodeToJson(kv.second);
      return o;
    }
    default:
      return nullptr;
  }
}

struct Checker {
  std::string where;

  [[noreturn]] void Fail(const std::string& key, const std::string& what) const {
    throw Failure(where + ": " + key + ": " + what);
  }
  void Keys(const json& obj, const std::string& key, const std::set<std::string>& allowed) const {
    if (!obj.is_object()) Fail(key, "must be a mapping");
    for (const auto& [k, v] : obj.items())
      if (!allowed.count(k)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        Fail(key + "." + k, "unknown key; expected one of " + list);
      }
  }
  void OneOf(const json& obj, const std::string& key, const char* field, const std::set<std::string>& values) const {
    if (!obj.contains(field)) return;
    if (!obj[field].is_string() || !values.count(obj[field].get<std::string>())) {
      std::string list;
      for (const auto& a : values) list += (list.empty() ? "" : ", ") + a;
      Fail(key + "." + field, "must be one of " + list);
    }
  }
  void String(const json& obj, const std::string& key, const char* field, bool required) const {
    if (!obj.contains(field)) {
      if (required) Fail(key + "." + field, "is required");
      return;
    }
    if (!obj[field].is_string()) Fail(key + "." + field, "must be a string");
  }
  void PositiveInt(const json& obj, const std::string& key, const char* field) const {
    if (obj.contains(field) && (!obj[field].is_number_integer() || obj[field].get<int64_t>() < 0))
      Fail(key + "." + field, "must be a whole number, 0 or more");
  }
};

void CheckPagination(const Checker& c, json& p, const std::string& key) {
  c.Keys(p, key, {"type", "param", "size_param", "size", "start", "path", "in", "max_pages"});
  c.OneOf(p, key, "type", {"page", "offset", "cursor", "link"});
  c.OneOf(p, key, "in", {"query", "variables", "body"});
  if (!p.contains("type")) c.Fail(key + ".type", "is required (page, offset, cursor or link)");
  std::string type = p["type"];
  if ((type == "page" || type == "offset") && !p.contains("param"))
    c.Fail(key + ".param", "is required for " + type + " pagination: the name of the " + type + " parameter");
  if (type == "cursor") c.String(p, key, "path", true);
  c.PositiveInt(p, key, "size");
  c.PositiveInt(p, key, "start");
  c.PositiveInt(p, key, "max_pages");
  if (!p.contains("in")) p["in"] = "query";
  if (!p.contains("max_pages")) p["max_pages"] = 10000;
  if (type == "page" && !p.contains("start")) p["start"] = 1;
  if (type == "offset" && !p.contains("start")) p["start"] = 0;
}

void CheckMapping(const Checker& c, const json& m, const std::string& key) {
  static const std::set<std::string> kFields = {"id",   "kind",     "title",   "summary",   "url",
                                                "time", "end",      "updated", "author",    "tags",
                                                "lang", "location", "amount",  "visibility"};
  c.Keys(m, key, kFields);
  if (!m.contains("id")) c.Fail(key + ".id", "is required: the path of a value that identifies a record");
  for (const auto& [field, spec] : m.items()) {
    std::string k = key + "." + field;
    if (field == "amount" || field == "location") {
      c.Keys(spec, k,
             field == "amount" ? std::set<std::string>{"value", "currency", "format"}
                               : std::set<std::string>{"name", "lat", "lon"});
      continue;
    }
    if (spec.is_string()) continue;
    c.Keys(spec, k, {"path", "template", "value", "format", "default", "map", "each", "join"});
    if (spec.contains("join")) {
      c.Keys(spec["join"], k + ".join", {"list", "by", "key", "on"});
      const json& l = spec["join"].value("list", json());
      if (!l.is_string() && !(l.is_object() && spec["join"].contains("by")))
        c.Fail(k + ".join.list", "must be a path, or a mapping from values of join.by to paths");
    }
    int sources = spec.contains("path") + spec.contains("template") + spec.contains("value");
    if (sources != 1) c.Fail(k, "needs exactly one of path, template or value");
    c.OneOf(spec, k, "format", {"text", "html", "time", "unix", "unix_ms", "string", "cents", "decimal"});
    if (spec.contains("map") && !spec["map"].is_object()) c.Fail(k + ".map", "must be a mapping from values to values");
  }
}

void CheckRequest(const Checker& c, const json& r, const std::string& key) {
  c.Keys(r, key, {"method", "path", "params", "headers", "body", "graphql"});
  c.OneOf(r, key, "method", {"GET", "POST"});
  c.String(r, key, "path", false);
  for (const char* obj : {"params", "headers"})
    if (r.contains(obj) && !r[obj].is_object()) c.Fail(key + "." + obj, "must be a mapping of names to values");
  if (r.contains("graphql")) {
    c.Keys(r["graphql"], key + ".graphql", {"query", "variables"});
    c.String(r["graphql"], key + ".graphql", "query", true);
  }
}

void CheckStream(const Checker& c, json& s, const std::string& key) {
  c.Keys(s, key,
         {"name", "kind", "request", "records", "pagination", "incremental", "full_pass", "mapping", "description"});
  c.String(s, key, "name", true);
  c.OneOf(s, key, "kind",
          {"post", "event", "person", "task", "transaction", "decision", "resource", "message", "metric", "other"});
  if (!s.contains("kind")) s["kind"] = "other";
  if (!s.contains("request")) s["request"] = json::object();
  CheckRequest(c, s["request"], key + ".request");
  if (!s.contains("records")) s["records"] = "";
  c.String(s, key, "records", false);
  if (s.contains("pagination")) CheckPagination(c, s["pagination"], key + ".pagination");
  if (s.contains("incremental")) {
    json& inc = s["incremental"];
    c.Keys(inc, key + ".incremental", {"field", "param", "in", "order", "start", "overlap_s"});
    c.PositiveInt(inc, key + ".incremental", "overlap_s");
    if (!inc.contains("overlap_s")) inc["overlap_s"] = 300;
    c.String(inc, key + ".incremental", "field", true);
    c.OneOf(inc, key + ".incremental", "order", {"asc", "desc", "any"});
    c.OneOf(inc, key + ".incremental", "in", {"query", "variables", "body"});
    if (!inc.contains("order")) inc["order"] = "any";
    if (!inc.contains("in")) inc["in"] = "query";
  }
  if (s.contains("full_pass")) {  // the stream lists all that exists when asked without a cursor
    c.Keys(s["full_pass"], key + ".full_pass", {"every_s"});
    c.PositiveInt(s["full_pass"], key + ".full_pass", "every_s");
    s["full_pass"].emplace("every_s", 86400);
  }
  if (!s.contains("mapping")) c.Fail(key + ".mapping", "is required: how the fields of a record are found");
  CheckMapping(c, s["mapping"], key + ".mapping");
}

}  // namespace

json YamlToJson(const std::string& yaml, const std::string& where) {
  try {
    return NodeToJson(YAML::Load(yaml));
  } catch (const YAML::Exception& e) {
    throw Failure(where + ": not valid YAML at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

json CheckManifest(json m, const std::string& where) {
  Checker c{where};
  c.Keys(m, "manifest",
         {"name", "description", "docs", "config", "base_url", "base_url_fallback", "fallback_help", "auth", "headers",
          "retry", "streams", "timeout_s"});
  c.String(m, "manifest", "name", true);
  c.String(m, "manifest", "base_url", true);
  c.String(m, "manifest", "base_url_fallback", false);
  c.String(m, "manifest", "fallback_help", false);
  if (m.contains("config")) c.Keys(m["config"], "config", {"properties", "required"});
  if (m.contains("auth")) {
    c.Keys(m["auth"], "auth", {"type", "name", "value", "scheme", "username", "password", "help", "check", "params"});
    c.String(m["auth"], "auth", "check", false);
    if (m["auth"].contains("params") && !m["auth"]["params"].is_object())
      c.Fail("auth.params", "must be a mapping of names to values");
    c.OneOf(m["auth"], "auth", "type", {"bearer", "header", "basic", "query"});
    if (!m["auth"].contains("type")) c.Fail("auth.type", "is required (bearer, header, basic or query)");
    std::string type = m["auth"]["type"];
    if ((type == "header" || type == "query") && !m["auth"].contains("name"))
      c.Fail("auth.name", "is required for " + type + " auth: the header or parameter that carries the secret");
  }
  if (m.contains("headers") && !m["headers"].is_object()) c.Fail("headers", "must be a mapping");
  if (!m.contains("retry")) m["retry"] = json::object();
  c.Keys(m["retry"], "retry", {"attempts", "initial_delay_s", "max_delay_s"});
  m["retry"].emplace("attempts", 4);
  m["retry"].emplace("initial_delay_s", 1.0);
  m["retry"].emplace("max_delay_s", 60.0);
  if (!m.contains("streams") || !m["streams"].is_array() || m["streams"].empty())
    c.Fail("streams", "is required: a list of at least one stream");
  std::set<std::string> names;
  for (size_t i = 0; i < m["streams"].size(); ++i) {
    std::string key = "streams[" + std::to_string(i) + "]";
    CheckStream(c, m["streams"][i], key);
    if (!names.insert(m["streams"][i]["name"].get<std::string>()).second)
      c.Fail(key + ".name", "two streams are named \"" + m["streams"][i]["name"].get<std::string>() + "\"");
  }
  return m;
}

std::string FindManifest(const std::string& name_or_path, const std::vector<std::string>& dirs) {
  namespace fs = std::filesystem;
  bool is_path =
      name_or_path.find('/') != std::string::npos || (name_or_path.size() > 5 && name_or_path.ends_with(".yaml"));
  if (is_path) {
    if (!fs::exists(name_or_path)) throw Failure("config.manifest: no file " + fs::absolute(name_or_path).string());
    return name_or_path;
  }
  std::string looked;
  for (const auto& d : dirs) {
    if (d.empty()) continue;
    fs::path p = fs::path(d) / (name_or_path + ".yaml");
    if (fs::exists(p)) return p.string();
    looked += (looked.empty() ? "" : ", ") + d;
  }
  throw Failure("config.manifest: no manifest named \"" + name_or_path + "\" in " + looked +
                "; give the path of a .yaml file, or the name of a manifest in one of those directories");
}

json LoadManifest(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Failure("cannot read manifest " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return CheckManifest(YamlToJson(ss.str(), path), path);
}

}  // namespace coophub::httpjson
