// SPDX-License-Identifier: Apache-2.0
// The OpenAPI document and the response check; see openapi.h.
#include "api/openapi.h"

#include <cerrno>
#include <cstdlib>
#include <optional>
#include <sstream>

#include "model/schema.h"

namespace coophub {

const char* OpenApiSource();  // generated from hub/api/openapi.json (openapi_doc.cc.in)

namespace {

struct Template {
  std::string name;               // "/api/v1/records/{uid}"
  std::vector<std::string> segs;  // split once
  const json* item;
  int literals = 0;  // segments that are not {parameters}
};

// The document's path templates, split once: matching is on the path of every request.
const std::vector<Template>& Templates(const json& doc) {
  static const std::vector<Template> all = [&doc] {
    std::vector<Template> out;
    for (const auto& [tmpl, item] : doc["paths"].items()) {
      Template t{tmpl, PathSegments(tmpl), &item};
      for (const auto& seg : t.segs) t.literals += !(seg.front() == '{' && seg.back() == '}');
      out.push_back(std::move(t));
    }
    return out;
  }();
  return all;
}

// The document's path template that matches a request path ("/api/v1/records/{uid}"):
// one with the method if any matches (POST /api/v1/sources/check, GET /api/v1/sources/{id}),
// literal segments before templated ones.
const json* FindPathItem(const json& doc, const std::string& path, std::string* name, const std::string& method = "") {
  std::vector<std::string> want = PathSegments(path);
  const Template* found = nullptr;
  bool found_has_method = false;
  for (const Template& t : Templates(doc)) {
    if (t.segs.size() != want.size()) continue;
    bool match = true;
    for (size_t i = 0; i < t.segs.size() && match; ++i)
      match = (t.segs[i].front() == '{' && t.segs[i].back() == '}') || t.segs[i] == want[i];
    if (!match) continue;
    bool has_method = !method.empty() && t.item->contains(method);
    if (!found || (has_method && !found_has_method) ||
        (has_method == found_has_method && t.literals > found->literals)) {
      found = &t;
      found_has_method = has_method;
    }
  }
  if (!found) return nullptr;
  *name = found->name;
  return found->item;
}

}  // namespace

std::vector<std::string> PathSegments(std::string_view path) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < path.size()) {
    size_t slash = path.find('/', at);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > at) out.emplace_back(path.substr(at, slash - at));
    at = slash + 1;
  }
  return out;
}

const std::string& OpenApiText() {
  static const std::string text = OpenApiSource();
  return text;
}

const json& OpenApiDocument() {
  static const json doc = json::parse(OpenApiText());
  return doc;
}

bool IsApiPath(const std::string& p) {
  return p.rfind("/api/", 0) == 0 || p.rfind("/feeds/", 0) == 0 || p == "/metrics" || p == "/healthz";
}

bool IsDocumented(const std::string& method, const std::string& path) {
  std::string tmpl, m = method;
  for (auto& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const json* item = FindPathItem(OpenApiDocument(), path, &tmpl, m);
  return item && item->contains(m);
}

namespace {

// A query parameter's text against its schema: integers must be whole numbers in
// range, enums one of theirs. Strings are taken as they are (handlers check formats).
std::optional<std::string> CheckQueryValue(const std::string& name, const std::string& text, const json& schema) {
  const json& s = schema.contains("schema") ? schema["schema"] : json::object();
  std::string type = s.contains("type") && s["type"].is_string() ? s["type"].get<std::string>() : "string";
  json value = text;
  if (type == "integer") {
    char* end = nullptr;
    errno = 0;
    long long n = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE)
      return name + ": must be a whole number, not \"" + text.substr(0, 40) + "\"";
    value = n;
  }
  auto errs = ValidateAgainstSchema(value, s, name, &OpenApiDocument(), /*shape_only=*/true);
  if (!errs.empty()) return errs.front();
  return std::nullopt;
}

}  // namespace

// The operation object of method on path, or null; its template goes to *tmpl.
const json* FindOperation(const std::string& method, const std::string& path, std::string* tmpl,
                          const json** item_out = nullptr) {
  std::string m = method == "HEAD" ? "get" : method;
  for (auto& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const json* item = FindPathItem(OpenApiDocument(), path, tmpl, m);
  if (!item || !item->contains(m)) return nullptr;
  if (item_out) *item_out = item;
  return &(*item)[m];
}

// The schema of an operation's JSON request body, inside the document; null if none.
const json* JsonBodySchema(const json& op) {
  auto body = op.find("requestBody");
  if (body == op.end()) return nullptr;
  auto content = body->find("content");
  if (content == body->end()) return nullptr;
  auto type = content->find("application/json");
  if (type == content->end()) return nullptr;
  auto schema = type->find("schema");
  return schema == type->end() ? nullptr : &*schema;
}

bool TakesJsonBody(const std::string& method, const std::string& path) {
  std::string tmpl;
  const json* op = FindOperation(method, path, &tmpl);
  return op && JsonBodySchema(*op);
}

std::vector<std::string> CheckRequestAgainstOpenApi(const std::string& method, const std::string& path,
                                                    const std::multimap<std::string, std::string>& query,
                                                    const json* body) {
  if (query.empty() && !body) return {};  // nothing to check: most reads
  const json& doc = OpenApiDocument();
  std::string tmpl;
  const json* item = nullptr;
  const json* op_ptr = FindOperation(method, path, &tmpl, &item);
  if (!op_ptr) return {};
  const json& op = *op_ptr;
  std::vector<std::string> errs;
  std::map<std::string, const json*> params;
  for (const json* list : {item->contains("parameters") ? &(*item)["parameters"] : nullptr,
                           op.contains("parameters") ? &op["parameters"] : nullptr}) {
    if (!list) continue;
    for (const auto& p : *list) {
      const json* param = &p;
      if (p.contains("$ref")) {
        std::string ref = p["$ref"];
        if (ref.rfind("#/", 0) != 0 || !doc.contains(json::json_pointer(ref.substr(1)))) continue;
        param = &doc.at(json::json_pointer(ref.substr(1)));
      }
      if (param->value("in", "") == "query") params[param->value("name", "")] = param;
    }
  }
  for (const auto& [name, value] : query) {
    auto it = params.find(name);
    if (it == params.end()) {
      std::string known;
      for (const auto& [k, v] : params) known += (known.empty() ? "" : ", ") + k;
      errs.push_back("\"" + name.substr(0, 40) + "\" is not a parameter of " + method + " " + tmpl +
                     (known.empty() ? "; it takes none" : "; known: " + known));
    } else if (auto bad = CheckQueryValue(name, value, *it->second)) {
      errs.push_back(*bad);
    }
  }
  if (const json* schema = JsonBodySchema(op); schema && body) {
    auto body_errs = ValidateAgainstSchema(*body, *schema, "body", &doc, /*shape_only=*/true);
    errs.insert(errs.end(), body_errs.begin(), body_errs.end());
  }
  return errs;
}

std::vector<std::string> CheckAgainstOpenApi(const std::string& method, const std::string& path, int status,
                                             const std::string& content_type, const std::string& body) {
  const json& doc = OpenApiDocument();
  std::string tmpl, lower = method == "HEAD" ? "get" : method;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const json* item = FindPathItem(doc, path, &tmpl, lower);
  if (!item) {
    // An unknown address is a 404 problem; anything else there is undocumented.
    if (status == 404 && content_type.rfind("application/problem+json", 0) == 0) return {};
    return {path + ": not in the OpenAPI document"};
  }
  std::string m = method == "HEAD" ? "get" : method;
  for (auto& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!item->contains(m)) {
    if (status == 405) return {};
    return {method + " " + tmpl + ": not in the OpenAPI document"};
  }
  std::string where = method + " " + tmpl + " " + std::to_string(status);
  const json& responses = (*item)[m]["responses"];
  std::string code = std::to_string(status);
  if (!responses.contains(code)) return {where + ": this status is not documented"};
  const json* resp_ptr = &responses[code];
  if (resp_ptr->contains("$ref")) {  // "#/components/responses/…"
    std::string ref = (*resp_ptr)["$ref"];
    if (ref.rfind("#/", 0) != 0 || !doc.contains(json::json_pointer(ref.substr(1))))
      return {where + ": refers to " + ref + ", which is not in the document"};
    resp_ptr = &doc.at(json::json_pointer(ref.substr(1)));
  }
  const json& resp = *resp_ptr;
  if (!resp.contains("content")) {
    if (body.empty()) return {};
    return {where + ": documented without a body, but has one"};
  }
  std::string type = content_type.substr(0, content_type.find(';'));
  if (!resp["content"].contains(type)) return {where + ": content type " + type + " is not documented"};
  if (type.find("json") == std::string::npos || method == "HEAD") return {};
  json value = json::parse(body, nullptr, false);
  if (value.is_discarded()) return {where + ": the body is not JSON"};
  return ValidateAgainstSchema(value, resp["content"][type]["schema"], where + " body", &doc);
}

}  // namespace coophub
