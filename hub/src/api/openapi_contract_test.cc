// SPDX-License-Identifier: Apache-2.0
//
// The API against its own OpenAPI document, operation by operation: for every
// operation of /api/v1/openapi.json a request is generated from its schemas (path and
// query parameters, JSON body), then mutated (a wrong type for each parameter and
// body field, an unknown parameter and field, a missing required field). Every answer
// must be one the document describes, never a 5xx; every mutated request must get a
// 4xx problem that names what was wrong.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "api/openapi.h"
#include "app/hub.h"

namespace coophub {
namespace {

namespace fs = std::filesystem;

const json& Doc() { return OpenApiDocument(); }

const json& Resolve(const json& s) {
  if (s.is_object() && s.contains("$ref")) {
    std::string ref = s["$ref"];
    return Resolve(Doc().at(json::json_pointer(ref.substr(1))));
  }
  return s;
}

std::string FirstType(const json& s) {
  if (!s.contains("type")) return "";
  if (s["type"].is_string()) return s["type"];
  for (const auto& t : s["type"])
    if (t != "null") return t;
  return "null";
}

// A value the schema accepts: enums' first, minimums, one item, every property.
json Example(const json& raw, int depth = 0) {
  const json& s = Resolve(raw);
  if (depth > 6) return nullptr;
  if (s.contains("enum")) return s["enum"][0];
  if (s.contains("oneOf")) return Example(s["oneOf"][0], depth + 1);
  std::string t = FirstType(s);
  if (t == "object" || (t.empty() && s.contains("properties"))) {
    json o = json::object();
    const json props = s.value("properties", json::object());
    for (const auto& [k, sub] : props.items()) o[k] = Example(sub, depth + 1);
    return o;
  }
  if (t == "array") return json::array({Example(s.value("items", json::object()), depth + 1)});
  if (t == "integer") return s.value("minimum", 1);
  if (t == "number") return s.value("minimum", 1.0);
  if (t == "boolean") return true;
  if (t == "string") {
    if (s.value("format", "") == "date-time") return "2026-11-24T10:00:00Z";
    return std::string(std::max<size_t>(s.value("minLength", 8), 8), 'x');
  }
  return "x";
}

// A value of another JSON type than any the schema accepts, or null when it accepts all.
std::optional<json> WrongType(const json& raw) {
  const json& s = Resolve(raw);
  if (!s.contains("type") || s.contains("oneOf")) return std::nullopt;
  std::vector<std::string> types;
  for (const auto& t : s["type"].is_array() ? s["type"] : json::array({s["type"]})) types.push_back(t);
  auto accepts = [&](const char* t) { return std::find(types.begin(), types.end(), t) != types.end(); };
  if (!accepts("object")) return json{{"a", 1}};
  if (!accepts("string")) return "text";
  if (!accepts("array")) return json::array({1});
  return std::nullopt;
}

struct Case {
  std::string method, path, body;
  std::multimap<std::string, std::string> query;
  std::string breaks;  // "" for a valid request; else the field it breaks, to be named
};

class OpenApiContract : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "coophub-contract-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    config_.base_dir = config_.data_dir = dir_;
    SourceConfig news;
    news.id = "news";
    news.plugin = "rss";
    news.visibility = "public";
    config_.sources.push_back(news);
    hub_ = app::Hub::Open(config_, {.readers = 2, .scheduler = true, .web_dir = ""}).value();  // not started
    Accounts& accounts = hub_->accounts();
    User admin = accounts.AddUser("ana", "a long password 1", Role::kAdmin).value();
    token_ = accounts.CreateToken(admin.id, "contract", Role::kAdmin, 3600 * 1000).value().secret;
    other_token_ = accounts.CreateToken(admin.id, "spare", Role::kAdmin, 3600 * 1000).value().token.id;
    user_ = accounts.AddUser("vi", "a long password 1", Role::kViewer).value().id;
    WriteBatch b;
    b.source = "news";
    b.upserts.push_back(
        NormalizeRecord(json{{"id", "1"}, {"kind", "post"}, {"title", "t"}, {"time", "2026-11-24T10:00:00Z"}}, "news",
                        "posts", "public")
            .value());
    hub_->store().Write(std::move(b)).get();
    run_ = hub_->store().BeginRun("news", "manual").value();
  }
  void TearDown() override {
    hub_.reset();
    fs::remove_all(dir_);
  }

  // A path parameter's value that names something that exists, where it can.
  std::string PathValue(const std::string& tmpl, const std::string& name) const {
    if (name == "uid") return "1";
    if (tmpl.rfind("/api/v1/sources/", 0) == 0) return "news";
    if (tmpl.rfind("/api/v1/runs/", 0) == 0) return std::to_string(run_);
    if (tmpl.rfind("/api/v1/tokens/", 0) == 0) return std::to_string(other_token_);
    if (tmpl.rfind("/api/v1/users/", 0) == 0) return std::to_string(user_);
    if (tmpl.rfind("/api/v1/dashboards/", 0) == 0) return "members";
    return "1";
  }

  ApiResponse Send(const Case& c) const {
    ApiRequest r;
    r.method = c.method;
    r.path = c.path;
    r.query = c.query;
    r.body = c.body;
    r.remote_addr = "192.0.2.9";
    r.headers["authorization"] = "Bearer " + token_;
    if (!c.body.empty()) r.headers["content-type"] = "application/json";
    return hub_->api().Handle(r);
  }

  // The valid request of one operation and its mutations.
  std::vector<Case> CasesFor(const std::string& tmpl, const std::string& method, const json& op) const {
    std::string path = tmpl;
    std::multimap<std::string, std::string> query;
    std::vector<std::pair<std::string, json>> query_schemas;
    const json params = op.value("parameters", json::array());
    for (const auto& p : params) {
      const json& param = Resolve(p);
      std::string name = param["name"];
      if (param["in"] == "path") {
        path.replace(path.find("{" + name + "}"), name.size() + 2, PathValue(tmpl, name));
      } else if (param["in"] == "query" && name != "cursor" && name != "q" && name != "source" && name != "stream") {
        json v = Example(param.value("schema", json::object()));
        query.emplace(name, v.is_string() ? v.get<std::string>() : v.dump());
        query_schemas.emplace_back(name, param.value("schema", json::object()));
      }
    }
    std::string upper = method;
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    const json* schema = nullptr;
    if (op.contains("requestBody") && op["requestBody"]["content"].contains("application/json"))
      schema = &Resolve(op["requestBody"]["content"]["application/json"]["schema"]);
    json body = schema ? Example(*schema) : json();
    std::string text = schema ? body.dump() : "";
    std::vector<Case> out = {{upper, path, text, query, ""}};
    auto with_query = [&](const std::string& name, const std::string& value) {
      Case c{upper, path, text, query, name};
      c.query.erase(name);
      c.query.emplace(name, value);
      return c;
    };
    for (const auto& [name, s] : query_schemas)
      if (FirstType(Resolve(s)) == "integer") out.push_back(with_query(name, "not-a-number"));
    out.push_back(with_query("zz_unknown", "1"));
    if (schema && body.is_object()) {
      const json props = schema->value("properties", json::object());
      for (const auto& [k, sub] : props.items())
        if (auto wrong = WrongType(sub)) {
          json b = body;
          b[k] = *wrong;
          out.push_back({upper, path, b.dump(), query, k});
        }
      if (schema->value("additionalProperties", true) == false) {
        json b = body;
        b["zz_unknown"] = 1;
        out.push_back({upper, path, b.dump(), query, "zz_unknown"});
      }
      const json required = schema->value("required", json::array());
      for (const auto& r : required) {
        json b = body;
        b.erase(r.get<std::string>());
        out.push_back({upper, path, b.dump(), query, r.get<std::string>()});
      }
    }
    return out;
  }

  std::string dir_, token_;
  int64_t other_token_ = 0, user_ = 0, run_ = 0;
  HubConfig config_;
  std::unique_ptr<app::Hub> hub_;
};

TEST_F(OpenApiContract, EveryOperationAnswersAsDocumentedAndNamesWhatIsWrong) {
  int operations = 0, mutations = 0;
  std::vector<std::pair<std::string, Case>> deletes;  // last: they remove what others use
  for (const auto& [tmpl, item] : Doc()["paths"].items())
    for (const auto& [method, op] : item.items()) {
      if (method != "get" && method != "post" && method != "put" && method != "patch" && method != "delete") continue;
      if (tmpl == "/api/v1/setup" || tmpl == "/api/v1/logout") continue;  // they end the test's own session
      ++operations;
      for (const Case& c : CasesFor(tmpl, method, op)) {
        if (method == "delete" && c.breaks.empty()) {
          deletes.emplace_back(tmpl, c);
          continue;
        }
        ApiResponse r = Send(c);
        std::string what = c.method + " " + c.path + (c.breaks.empty() ? "" : " breaking " + c.breaks) + " " + c.body;
        EXPECT_LT(r.status, 500) << what << ": " << r.body;
        for (const auto& e : CheckAgainstOpenApi(c.method, c.path, r.status, r.content_type, r.body))
          ADD_FAILURE() << what << ": " << e;
        if (c.breaks.empty()) continue;
        ++mutations;
        EXPECT_GE(r.status, 400) << what << ": a request that breaks the document is refused";
        EXPECT_EQ(r.content_type, "application/problem+json") << what;
        EXPECT_NE(r.body.find(c.breaks), std::string::npos) << what << ": the problem names the field: " << r.body;
      }
    }
  for (const auto& [tmpl, c] : deletes) {
    ApiResponse r = Send(c);
    EXPECT_LT(r.status, 500) << c.method << " " << c.path << ": " << r.body;
    for (const auto& e : CheckAgainstOpenApi(c.method, c.path, r.status, r.content_type, r.body))
      ADD_FAILURE() << c.method << " " << c.path << ": " << e;
  }
  EXPECT_GE(operations, 35);
  EXPECT_GE(mutations, 60);
}

}  // namespace
}  // namespace coophub
