// SPDX-License-Identifier: Apache-2.0
// The OpenAPI document and the response check; see openapi.h.
#include "openapi.h"

#include <sstream>

#include "schema.h"

namespace coophub {

const char* OpenApiSource();  // generated from hub/api/openapi.json (openapi_doc.cc.in)

namespace {

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream ss(path);
  for (std::string seg; std::getline(ss, seg, '/');)
    if (!seg.empty()) out.push_back(seg);
  return out;
}

// The document's path template that matches a request path ("/api/v1/records/{uid}"):
// one with the method if any matches (POST /api/v1/sources/check, GET /api/v1/sources/{id}),
// literal segments before templated ones.
const json* FindPathItem(const json& doc, const std::string& path, std::string* name,
                         const std::string& method = "") {
  std::vector<std::string> want = Segments(path);
  const json* found = nullptr;
  int found_literals = -1;
  bool found_has_method = false;
  for (const auto& [tmpl, item] : doc["paths"].items()) {
    std::vector<std::string> have = Segments(tmpl);
    if (have.size() != want.size()) continue;
    bool match = true;
    int literals = 0;
    for (size_t i = 0; i < have.size() && match; ++i) {
      bool templated = have[i].front() == '{' && have[i].back() == '}';
      match = templated || have[i] == want[i];
      literals += !templated;
    }
    if (!match) continue;
    bool has_method = !method.empty() && item.contains(method);
    if (!found || (has_method && !found_has_method) || (has_method == found_has_method && literals > found_literals)) {
      found = &item;
      *name = tmpl;
      found_literals = literals;
      found_has_method = has_method;
    }
  }
  return found;
}

}  // namespace

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
