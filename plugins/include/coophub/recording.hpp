// SPDX-License-Identifier: Apache-2.0
//
// Recorded HTTP exchanges: what `coophub read PLUGIN --record DIR` writes and what
// coophub::testing::FakeHost::Replay reads back (<coophub/testing.hpp>). One exchange a
// file, DIR/0001.json, DIR/0002.json... in the order the plugin made them:
//
//   {"request":  {"method": "GET", "url": "https://...", "headers": {...}, "body": ""},
//    "response": {"status": 200, "url": "https://...", "headers": {"content-type": "..."},
//                 "body": "..."  (or "body_base64": "..." when not UTF-8),
//                 "error": ""}}
//
// Files are meant to be read, edited and committed with a plugin's tests, so secrets
// never reach them: Redact() replaces the values of the config's "secret" fields wherever
// they appear, and the values of credential headers and query parameters, with
// "REDACTED". A replay redacts the live request the same way before matching it.
#ifndef COOPHUB_RECORDING_HPP_
#define COOPHUB_RECORDING_HPP_

#include <coophub/encoding.hpp>
#include <coophub/plugin.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace coophub::recording {

inline constexpr const char* kRedacted = "REDACTED";

struct Exchange {
  HttpRequest request;
  HttpResponse response;
};

namespace detail {

inline std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

inline void ReplaceAll(std::string* s, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (size_t at = s->find(what); at != std::string::npos; at = s->find(what, at + with.size()))
    s->replace(at, what.size(), with);
}

// The string values under properties the spec marks "secret": true, at any depth.
inline void CollectSecrets(const json& spec, const json& config, std::vector<std::string>* out) {
  if (!spec.is_object() || !config.is_object()) return;
  auto props = spec.find("properties");
  if (props == spec.end() || !props->is_object()) return;
  for (const auto& [name, sub] : props->items()) {
    auto value = config.find(name);
    if (value == config.end()) continue;
    if (sub.is_object() && sub.value("secret", false) && value->is_string()) {
      // Short values (a port, "yes") would redact half a document; a secret is longer.
      if (value->get<std::string>().size() >= 4) out->push_back(value->get<std::string>());
    } else {
      CollectSecrets(sub, *value, out);
    }
  }
}

}  // namespace detail

// What a plugin's config holds that no recording may: the values of its secret fields.
inline std::vector<std::string> SecretsOf(const json& spec, const json& config) {
  std::vector<std::string> out;
  detail::CollectSecrets(spec, config, &out);
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

// Whether a header or query parameter of this name carries a credential.
inline bool IsCredentialName(const std::string& name) {
  std::string n = detail::Lower(name);
  static const char* const kExact[] = {"authorization", "proxy-authorization", "cookie", "set-cookie", "key",
                                       "sig",           "signature",           "auth"};
  for (const char* e : kExact)
    if (n == e) return true;
  static const char* const kParts[] = {"token", "secret", "password", "passwd", "api-key", "api_key", "apikey"};
  for (const char* p : kParts)
    if (n.find(p) != std::string::npos) return true;
  return false;
}

// The URL with the secrets and the values of credential query parameters redacted.
inline std::string RedactUrl(std::string url, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) detail::ReplaceAll(&url, s, kRedacted);
  size_t q = url.find('?');
  if (q == std::string::npos) return url;
  size_t end = url.find('#', q);
  std::string query = url.substr(q + 1, end == std::string::npos ? std::string::npos : end - q - 1);
  std::string out;
  std::istringstream parts(query);
  for (std::string part; std::getline(parts, part, '&');) {
    size_t eq = part.find('=');
    if (eq != std::string::npos && IsCredentialName(PercentDecode(part.substr(0, eq))))
      part = part.substr(0, eq + 1) + kRedacted;
    out += (out.empty() ? "" : "&") + part;
  }
  return url.substr(0, q + 1) + out + (end == std::string::npos ? "" : url.substr(end));
}

// The exchange as it may be written down: no secret, no credential.
inline Exchange Redact(Exchange e, const std::vector<std::string>& secrets) {
  auto scrub = [&](std::string* s) {
    for (const auto& secret : secrets) detail::ReplaceAll(s, secret, kRedacted);
  };
  e.request.url = RedactUrl(e.request.url, secrets);
  e.response.url = RedactUrl(e.response.url, secrets);
  scrub(&e.request.body);
  scrub(&e.response.body);
  scrub(&e.response.error);
  for (auto* headers : {&e.request.headers, &e.response.headers})
    for (auto& [name, value] : *headers) {
      if (IsCredentialName(name))
        value = kRedacted;
      else
        scrub(&value);
    }
  return e;
}

inline json ToJson(const Exchange& e) {
  json response = {{"status", e.response.status},
                   {"url", e.response.url},
                   {"headers", e.response.headers},
                   {"error", e.response.error}};
  if (InvalidUtf8At(e.response.body) == std::string::npos)
    response["body"] = e.response.body;
  else
    response["body_base64"] = Base64Encode(e.response.body);
  return {{"request",
           {{"method", e.request.method},
            {"url", e.request.url},
            {"headers", e.request.headers},
            {"body", e.request.body}}},
          {"response", std::move(response)}};
}

// Reads one exchange file's JSON; throws Failure naming what is wrong.
inline Exchange FromJson(const json& j, const std::string& where) {
  auto fail = [&](const std::string& what) { return Failure(where + ": " + what); };
  if (!j.is_object() || !j.contains("request") || !j.contains("response"))
    throw fail("an exchange is {\"request\": {...}, \"response\": {...}}");
  const json& q = j["request"];
  const json& r = j["response"];
  if (!q.is_object() || !q.contains("url") || !q["url"].is_string()) throw fail("request.url must be a string");
  if (!r.is_object() || !r.contains("status") || !r["status"].is_number_integer())
    throw fail("response.status must be an integer (0: no answer, then response.error says why)");
  Exchange e;
  e.request.method = q.value("method", "GET");
  e.request.url = q["url"].get<std::string>();
  e.request.body = q.value("body", "");
  if (q.contains("headers")) e.request.headers = q["headers"].get<std::map<std::string, std::string>>();
  e.response.status = r["status"].get<int>();
  e.response.url = r.value("url", e.request.url);
  e.response.error = r.value("error", "");
  if (r.contains("headers"))
    for (const auto& [name, value] : r["headers"].items()) e.response.headers[detail::Lower(name)] = value;
  if (r.contains("body_base64")) {
    auto body = Base64Decode(r["body_base64"].get<std::string>());
    if (!body) throw fail("response.body_base64 is not base64");
    e.response.body = std::move(*body);
  } else {
    e.response.body = r.value("body", "");
  }
  return e;
}

// Writes exchange number n (from 1) into dir, made if missing.
inline void Write(const std::filesystem::path& dir, int n, const Exchange& e) {
  std::filesystem::create_directories(dir);
  char name[32];
  std::snprintf(name, sizeof name, "%04d.json", n);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out << ToJson(e).dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  if (!out) throw Failure("cannot write " + (dir / name).string());
}

// Every exchange in dir, in file-name order.
inline std::vector<Exchange> ReadAll(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw Failure(dir.string() + ": no such directory of recordings");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<Exchange> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    json j = json::parse(in, nullptr, false);
    if (j.is_discarded()) throw Failure(f.string() + ": not JSON");
    out.push_back(FromJson(j, f.string()));
  }
  return out;
}

}  // namespace coophub::recording

#endif  // COOPHUB_RECORDING_HPP_
