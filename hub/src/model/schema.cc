// SPDX-License-Identifier: Apache-2.0
// A small JSON Schema validator for plugin specs; see schema.h.
#include "model/schema.h"

namespace coophub {
namespace {

bool HasType(const json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "integer") return v.is_number_integer();
  if (t == "number") return v.is_number();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  return true;
}

std::string Brief(const json& v) {
  std::string s = v.dump();
  return s.size() > 40 ? s.substr(0, 40) + "..." : s;
}

}  // namespace

std::vector<std::string> ValidateAgainstSchema(const json& v, const json& s, const std::string& path, const json* root,
                                               bool shape_only) {
  std::vector<std::string> errs;
  if (!s.is_object()) return errs;
  if (auto r = s.find("$ref"); r != s.end() && r->is_string()) {
    const std::string& ref = r->get_ref<const std::string&>();
    if (!root || ref.rfind("#/", 0) != 0 || !root->contains(json::json_pointer(ref.substr(1)))) {
      errs.push_back(path + ": the schema refers to " + ref + ", which is not in the document");
      return errs;
    }
    return ValidateAgainstSchema(v, root->at(json::json_pointer(ref.substr(1))), path, root, shape_only);
  }
  if (auto all = s.find("allOf"); all != s.end() && all->is_array())
    for (const auto& sub : *all) {
      auto e = ValidateAgainstSchema(v, sub, path, root, shape_only);
      errs.insert(errs.end(), e.begin(), e.end());
    }
  if (auto one = s.find("oneOf"); one != s.end() && one->is_array()) {
    int matched = 0;
    for (const auto& sub : *one) matched += ValidateAgainstSchema(v, sub, path, root, shape_only).empty();
    if (matched != 1)
      errs.push_back(path + ": " + Brief(v) + " matches " + std::to_string(matched) + " of the oneOf schemas, not 1");
  }
  if (auto t = s.find("type"); t != s.end()) {
    bool ok = false;
    std::string want;
    for (const auto& ty : t->is_array() ? *t : json::array({*t})) {
      ok = ok || HasType(v, ty.get<std::string>());
      want += (want.empty() ? "" : " or ") + ty.get<std::string>();
    }
    if (!ok) {
      errs.push_back(path + ": must be " + want + ", not " + Brief(v));
      return errs;
    }
  }
  if (auto e = s.find("enum"); !shape_only && e != s.end() && e->is_array()) {
    bool found = false;
    for (const auto& x : *e) found = found || x == v;
    if (!found) errs.push_back(path + ": " + Brief(v) + " is not one of " + e->dump());
  }
  if (v.is_string() && !shape_only) {
    size_t len = v.get<std::string>().size();
    if (s.contains("minLength") && len < s["minLength"].get<size_t>())
      errs.push_back(path + ": must be at least " + s["minLength"].dump() + " characters");
    if (s.contains("maxLength") && len > s["maxLength"].get<size_t>())
      errs.push_back(path + ": must be at most " + s["maxLength"].dump() + " characters");
  }
  if (v.is_number() && !shape_only) {
    if (s.contains("minimum") && v.get<double>() < s["minimum"].get<double>())
      errs.push_back(path + ": must be at least " + s["minimum"].dump());
    if (s.contains("maximum") && v.get<double>() > s["maximum"].get<double>())
      errs.push_back(path + ": must be at most " + s["maximum"].dump());
  }
  if (v.is_array() && s.contains("items"))
    for (size_t i = 0; i < v.size(); ++i) {
      auto sub = ValidateAgainstSchema(v[i], s["items"], path + "[" + std::to_string(i) + "]", root, shape_only);
      errs.insert(errs.end(), sub.begin(), sub.end());
    }
  if (v.is_object()) {
    const json props = s.value("properties", json::object());
    for (const auto& r : s.value("required", json::array()))
      if (r.is_string() && !v.contains(r.get<std::string>())) {
        std::string name = r.get<std::string>();
        std::string hint = props.contains(name) ? props[name].value("description", "") : "";
        errs.push_back(path + "." + name + ": required" + (hint.empty() ? "" : " (" + hint + ")"));
      }
    for (const auto& [k, sub] : v.items()) {
      if (props.contains(k)) {
        auto e = ValidateAgainstSchema(sub, props[k], path + "." + k, root, shape_only);
        errs.insert(errs.end(), e.begin(), e.end());
      } else if (s.contains("additionalProperties") && s["additionalProperties"] == false) {
        std::string known;
        for (const auto& [pk, pv] : props.items()) known += (known.empty() ? "" : ", ") + pk;
        errs.push_back(path + "." + k + ": unknown field (known: " + known + ")");
      }
    }
  }
  return errs;
}

std::vector<std::string> SecretFields(const json& s, const std::string& prefix) {
  std::vector<std::string> out;
  if (!s.is_object() || !s.contains("properties")) return out;
  for (const auto& [k, sub] : s["properties"].items()) {
    std::string path = prefix.empty() ? k : prefix + "." + k;
    if (sub.is_object() && sub.value("secret", false)) out.push_back(path);
    auto inner = SecretFields(sub, path);
    out.insert(out.end(), inner.begin(), inner.end());
  }
  return out;
}

}  // namespace coophub
