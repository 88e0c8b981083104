// SPDX-License-Identifier: Apache-2.0
//
// The http-json engine: templates, paths, cursors, requests, retries, pages, mapping.
#include "engine.h"

#include <coophub/encoding.hpp>
#include <coophub/time.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "feed.h"

namespace coophub::httpjson {
namespace {

std::string ToText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

std::string ReadSecretFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Failure("${file:" + path + "}: cannot read the file");
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

bool g_host_placeholders = true;  // set once, before the run, by AllowHostPlaceholders

// The value one placeholder names, or null.
json Lookup(const std::string& name, const Scope& scope) {
  if (!g_host_placeholders && (name.rfind("env:", 0) == 0 || name.rfind("file:", 0) == 0))
    throw Failure("${" + name.substr(0, 60) +
                  "}: environment variables and files are for sources in hub.yaml; "
                  "this source was made through the hub's API");
  auto In = [&](const json* doc, size_t prefix) -> json {
    if (!doc) return nullptr;
    const json* v = GetPath(*doc, name.substr(prefix));
    return v ? *v : json();
  };
  if (name.rfind("config.", 0) == 0) return In(scope.config, 7);
  if (name.rfind("item.", 0) == 0) return In(scope.item, 5);
  if (name == "cursor") return scope.cursor ? *scope.cursor : json();
  if (name.rfind("env:", 0) == 0) {
    const char* e = std::getenv(name.substr(4).c_str());
    return e ? json(e) : json();
  }
  if (name.rfind("file:", 0) == 0) return ReadSecretFile(name.substr(5));
  throw Failure("${" + name +
                "}: unknown placeholder; use ${config.NAME}, ${item.PATH}, ${cursor}, "
                "${env:NAME} or ${file:/path}");
}

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// RFC 3339, or a date-time with no zone read as UTC (WordPress' *_gmt fields).
std::optional<int64_t> ParseTime(const json& v) {
  if (v.is_number()) return v.get<int64_t>();
  if (!v.is_string()) return std::nullopt;
  std::string s = v.get<std::string>();
  if (auto t = ParseRfc3339(s)) return t;
  if (s.size() >= 16 && s.size() <= 26 && (s[10] == 'T' || s[10] == ' ')) return ParseRfc3339(s + "Z");
  return std::nullopt;
}

// "1250" cents -> "12.50"; "-5" -> "-0.05".
std::optional<std::string> CentsToDecimal(const json& v) {
  std::string s = v.is_number_integer() ? std::to_string(v.get<int64_t>()) : ToText(v);
  bool neg = !s.empty() && s[0] == '-';
  std::string digits = neg ? s.substr(1) : s;
  if (!AllDigits(digits)) return std::nullopt;
  while (digits.size() < 3) digits.insert(0, "0");
  return (neg ? "-" : "") + digits.substr(0, digits.size() - 2) + "." + digits.substr(digits.size() - 2);
}

std::optional<std::string> Decimal(const json& v) {
  std::string s = ToText(v);
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  bool dot = false, digit = false;
  for (; i < s.size(); ++i) {
    if (s[i] == '.' && !dot)
      dot = true;
    else if (s[i] >= '0' && s[i] <= '9')
      digit = true;
    else
      return std::nullopt;
  }
  if (!digit) return std::nullopt;
  return s;
}

const char* DefaultFormat(const std::string& field) {
  if (field == "time" || field == "end" || field == "updated") return "time";
  return "text";
}

// One mapped value: the spec's source, map, default and format applied; null when absent.
json MapValue(const json& spec, const std::string& field, const Scope& scope) {
  json raw;
  json opts = spec.is_object() ? spec : json::object();
  const json* from = scope.item;
  if (opts.contains("join")) {
    // {list: discussions, key: id, on: topicable_id}: the element of response.list whose
    // key equals this item's `on`.
    // `list` may depend on the item: {by: topicable_type, list: {Discussion: discussions, Poll: polls}}.
    const json& j = opts["join"];
    std::string list_path;
    if (j["list"].is_string())
      list_path = j["list"];
    else if (const json* by = GetPath(*scope.item, j.value("by", "")); by && j["list"].contains(ToText(*by)))
      list_path = j["list"][ToText(*by)];
    const json* list = scope.response && !list_path.empty() ? GetPath(*scope.response, list_path) : nullptr;
    const json* want = GetPath(*scope.item, j.value("on", ""));
    from = nullptr;
    if (list && list->is_array() && want)
      for (const auto& e : *list)
        if (const json* k = GetPath(e, j.value("key", "id")); k && *k == *want) {
          from = &e;
          break;
        }
    if (!from) return opts.contains("default") ? MapValue(json{{"value", opts["default"]}}, field, scope) : json();
  }
  if (spec.is_string()) {
    const std::string& s = spec.get_ref<const std::string&>();
    if (s.find("${") != std::string::npos)
      raw = Expand(s, scope);
    else if (const json* v = GetPath(*from, s))
      raw = *v;
  } else if (opts.contains("path")) {
    // One path, or a list of them: the first that has a value (due_date, else created_at).
    for (const auto& p : opts["path"].is_array() ? opts["path"] : json::array({opts["path"]}))
      if (const json* v = GetPath(*from, p.get<std::string>()); v && !v->is_null() && *v != "") {
        raw = *v;
        break;
      }
  } else if (opts.contains("template")) {
    Scope joined = scope;
    joined.item = from;
    raw = Expand(opts["template"].get<std::string>(), joined);
  } else if (opts.contains("value")) {
    raw = opts["value"];
  }
  if (opts.contains("each") && raw.is_array()) {
    json out = json::array();
    for (const auto& e : raw)
      if (const json* v = GetPath(e, opts["each"].get<std::string>())) out.push_back(*v);
    raw = std::move(out);
  }
  if (opts.contains("map") && !raw.is_null()) {
    std::string key = ToText(raw);
    if (opts["map"].contains(key)) raw = opts["map"][key];
  }
  if ((raw.is_null() || (raw.is_string() && raw.get_ref<const std::string&>().empty())) && opts.contains("default"))
    raw = opts["default"];
  if (raw.is_null() || (raw.is_string() && raw.get_ref<const std::string&>().empty())) return nullptr;

  std::string format = opts.value("format", DefaultFormat(field));
  if (format == "html") return feed::HtmlToText(ToText(raw));
  if (format == "time" || format == "unix" || format == "unix_ms") {
    std::optional<int64_t> t;
    if (format == "time")
      t = ParseTime(raw);
    else if (raw.is_number())
      t = format == "unix" ? raw.get<int64_t>() : raw.get<int64_t>() / 1000;
    return t ? json(FormatRfc3339(*t)) : json();
  }
  if (format == "cents") {
    auto d = CentsToDecimal(raw);
    return d ? json(*d) : json();
  }
  if (format == "decimal") {
    auto d = Decimal(raw);
    return d ? json(*d) : json();
  }
  if (field == "tags") {
    json tags = json::array();
    for (const auto& t : raw.is_array() ? raw : json::array({raw}))
      if (!t.is_null() && !ToText(t).empty()) tags.push_back(ToText(t));
    return tags;
  }
  return ToText(raw);
}

bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += n;
  }
  return true;
}

bool Retryable(int status) { return status == 0 || status == 429 || status >= 500; }

void SetParam(json* body, std::vector<std::pair<std::string, std::string>>* params, const std::string& in,
              const std::string& name, const json& value) {
  if (in == "query") {
    params->emplace_back(name, ToText(value));
  } else if (in == "variables") {
    (*body)["variables"][name] = value;
  } else {
    (*body)[name] = value;
  }
}

std::string JoinUrl(const std::string& base, const std::string& path) {
  if (path.find("://") != std::string::npos) return path;
  if (path.empty()) return base;
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  if (path[0] == '/') {
    // "/latest?page=1" against "https://forum.example/sub": keep the base's path prefix
    // only when the path does not already start with it.
    size_t scheme = b.find("://");
    size_t slash = scheme == std::string::npos ? std::string::npos : b.find('/', scheme + 3);
    std::string origin = slash == std::string::npos ? b : b.substr(0, slash);
    std::string prefix = slash == std::string::npos ? "" : b.substr(slash);
    if (!prefix.empty() && path.rfind(prefix + "/", 0) == 0) return origin + path;
    return b + path;
  }
  return b + "/" + path;
}

std::string AddQuery(std::string url, const std::vector<std::pair<std::string, std::string>>& params) {
  for (const auto& [k, v] : params) {
    url += url.find('?') == std::string::npos ? '?' : '&';
    url += UrlEncode(k) + "=" + UrlEncode(v);
  }
  return url;
}

}  // namespace

void AllowHostPlaceholders(bool allowed) { g_host_placeholders = allowed; }

std::string Expand(const std::string& text, const Scope& scope) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("${", pos);
    if (open == std::string::npos) break;
    size_t close = text.find('}', open);
    if (close == std::string::npos) throw Failure("\"" + text + "\": a ${ is never closed");
    out.append(text, pos, open - pos);
    out += ToText(Lookup(text.substr(open + 2, close - open - 2), scope));
    pos = close + 1;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

json ExpandJson(const json& value, const Scope& scope) {
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (s.rfind("${", 0) == 0 && s.find('}') == s.size() - 1) return Lookup(s.substr(2, s.size() - 3), scope);
    return Expand(s, scope);
  }
  if (value.is_object() || value.is_array()) {
    json out = value;
    for (auto it = out.begin(); it != out.end(); ++it) *it = ExpandJson(*it, scope);
    return out;
  }
  return value;
}

const json* GetPath(const json& doc, const std::string& path) {
  const json* cur = &doc;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '.') {
      ++pos;
      continue;
    }
    if (path[pos] == '[') {
      size_t close = path.find(']', pos);
      if (close == std::string::npos || !cur->is_array()) return nullptr;
      std::string idx = path.substr(pos + 1, close - pos - 1);
      if (!AllDigits(idx)) return nullptr;
      size_t i = std::stoul(idx);
      if (i >= cur->size()) return nullptr;
      cur = &(*cur)[i];
      pos = close + 1;
      continue;
    }
    size_t end = path.find_first_of(".[", pos);
    std::string key = path.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    pos = end == std::string::npos ? path.size() : end;
  }
  return cur;
}

// A time cursor moved back by overlap seconds, written as it was (with its zone, or
// without one when the API writes local times); any other cursor as it is. Reading from
// a little before the last change stored catches edits made in the cursor's own second
// (many APIs filter with a strict "after", to the second) and changes whose time was
// written late; what comes again unchanged is dropped by the store's hash.
json Overlapped(const json& cursor, int64_t overlap) {
  if (overlap <= 0 || !cursor.is_string() || AllDigits(cursor.get<std::string>())) return cursor;
  auto t = ParseTime(cursor);
  if (!t) return cursor;
  std::string s = cursor.get<std::string>(), out = FormatRfc3339(*t - overlap);
  bool zoned =
      s.back() == 'Z' || s.back() == 'z' || (s.size() > 19 && (s[s.size() - 6] == '+' || s[s.size() - 6] == '-'));
  if (!zoned) out.pop_back();                 // "2026-11-30T10:00:00": local, as sent
  if (!zoned && s[10] == ' ') out[10] = ' ';  // "2026-11-30 10:00:00"
  return out;
}

int CompareCursor(const json& a, const json& b) {
  std::string x = ToText(a), y = ToText(b);
  if (AllDigits(x) && AllDigits(y)) {
    x.erase(0, std::min(x.find_first_not_of('0'), x.size() - 1));
    y.erase(0, std::min(y.find_first_not_of('0'), y.size() - 1));
    if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
    return x.compare(y);
  }
  auto tx = ParseTime(x), ty = ParseTime(y);
  if (tx && ty && *tx != *ty) return *tx < *ty ? -1 : 1;
  return x.compare(y);
}

std::string LinkNext(const std::string& header) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t open = header.find('<', pos);
    if (open == std::string::npos) return "";
    size_t close = header.find('>', open);
    if (close == std::string::npos) return "";
    size_t next = header.find('<', close);
    std::string params = header.substr(close + 1, next == std::string::npos ? std::string::npos : next - close - 1);
    std::string lower = params;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    for (const char* form : {"rel=\"next\"", "rel=next", "rel=\"next "})
      if (lower.find(form) != std::string::npos) return header.substr(open + 1, close - open - 1);
    pos = close + 1;
  }
  return "";
}

std::optional<double> RetryAfter(const std::string& header, int64_t now_unix) {
  if (header.empty()) return std::nullopt;
  if (AllDigits(header)) return std::stod(header);
  std::optional<int64_t> t = feed::ParseDate(header);
  if (!t) return std::nullopt;
  return static_cast<double>(std::max<int64_t>(0, *t - now_unix));
}

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

json MapRecord(const json& mapping, const json& item, const json& config, const std::string& kind,
               const json* response) {
  Scope scope{&config, &item, nullptr, response};
  json rec = {{"kind", kind}};
  for (const auto& [field, spec] : mapping.items()) {
    if (field == "amount" || field == "location") {
      json sub = json::object();
      for (const auto& [k, s] : spec.items()) {
        if (k == "format") continue;
        json v = MapValue(s, k == "value" ? "amount" : k, scope);
        if (field == "amount" && k == "value" && !v.is_null()) {
          auto d = spec.value("format", "decimal") == "cents" ? CentsToDecimal(v) : Decimal(v);
          v = d ? json(*d) : json();
        }
        if (field == "location" && (k == "lat" || k == "lon") && v.is_string()) {
          char* end = nullptr;
          double d = std::strtod(v.get_ref<const std::string&>().c_str(), &end);
          v = *end == '\0' ? json(d) : json();
        }
        if (!v.is_null()) sub[k] = std::move(v);
      }
      if (field == "amount" && !sub.contains("value")) continue;
      if (field == "location" && sub.empty()) continue;
      rec[field] = std::move(sub);
      continue;
    }
    json v = MapValue(spec, field, scope);
    if (!v.is_null()) rec[field] = std::move(v);
  }
  // A value the manifest's map does not know (a status added by a plugin of the site's)
  // makes the record no wider than admins: never more public than meant.
  if (auto v = rec.find("visibility"); v != rec.end() && *v != "public" && *v != "members" && *v != "admins")
    *v = "admins";
  if (!rec.contains("id")) {
    std::string path = mapping["id"].is_string() ? mapping["id"].get<std::string>() : mapping["id"].dump();
    throw Failure("an item has no value for id (mapping.id: " + path + "); item: " + item.dump().substr(0, 200));
  }
  rec["data"] = item;
  return rec;
}

// ---------------------------------------------------------------------------- Api

struct Api::Page {
  int64_t number = 0;    // page or offset pagination
  json cursor;           // cursor pagination with a param
  std::string next_url;  // Link header or cursor without a param
};

Api::Api(json manifest, json config, Io io)
    : manifest_(std::move(manifest)), config_(std::move(config)), io_(std::move(io)) {
  if (manifest_.contains("auth")) {
    Scope scope{&config_, nullptr, nullptr};
    for (const char* k : {"value", "password"})
      if (manifest_["auth"].contains(k)) {
        std::string v = Expand(manifest_["auth"][k].get<std::string>(), scope);
        if (!v.empty()) secrets_.push_back(v);
      }
  }
  const json props = manifest_.value("config", json::object()).value("properties", json::object());
  for (const auto& [k, p] : props.items())
    if (p.contains("default") && (!config_.contains(k) || config_[k].is_null())) config_[k] = p["default"];
  for (const auto& [k, p] : props.items())
    if (p.value("secret", false) && config_.contains(k) && config_[k].is_string() &&
        !config_[k].get<std::string>().empty())
      secrets_.push_back(config_[k].get<std::string>());
}

int64_t Api::PageSize(const json& pagination) const {
  if (config_.contains("page_size") && config_["page_size"].is_number_integer() &&
      config_["page_size"].get<int64_t>() > 0)
    return config_["page_size"].get<int64_t>();
  return pagination.value("size", int64_t{0});
}

std::string Api::Name() const { return "manifest \"" + manifest_["name"].get<std::string>() + "\""; }

void Api::CheckConfig() const {
  const json schema = manifest_.value("config", json::object());
  const json required = schema.value("required", json::array());
  const json props = schema.value("properties", json::object());
  for (const auto& r : required) {
    std::string k = r.get<std::string>();
    if (!config_.contains(k) || config_[k].is_null() ||
        (config_[k].is_string() && config_[k].get<std::string>().empty())) {
      std::string about = props.contains(k) ? props[k].value("description", "") : "";
      throw Failure("config." + k + " is required by " + Name() + (about.empty() ? "" : ": " + about));
    }
  }
  for (const auto& [k, v] : config_.items()) {
    if (!props.contains(k)) continue;
    std::string type = props[k].value("type", "");
    bool ok = type.empty() || (type == "string" && v.is_string()) || (type == "integer" && v.is_number_integer()) ||
              (type == "number" && v.is_number()) || (type == "boolean" && v.is_boolean());
    if (!ok) throw Failure("config." + k + " must be a " + type + " (" + Name() + ")");
  }
}

std::string Api::Redact(std::string text) const {
  for (const auto& s : secrets_)
    for (const std::string& form : {s, UrlEncode(s)}) {
      if (form.empty()) continue;
      for (size_t p = text.find(form); p != std::string::npos; p = text.find(form, p + 3))
        text.replace(p, form.size(), "***");
    }
  return text;
}

HttpRequest Api::BuildRequest(const json& stream, const Page& page, const json& cursor, bool with_auth_params) const {
  Scope scope{&config_, nullptr, cursor.is_null() ? nullptr : &cursor};
  const json& r = stream["request"];
  HttpRequest req;
  req.timeout_s = manifest_.value("timeout_s", 30);
  req.headers["Accept"] = "application/json";
  req.headers["User-Agent"] = "coophub-http-json";
  std::vector<std::pair<std::string, std::string>> params;
  json body = r.contains("body") ? ExpandJson(r["body"], scope) : json::object();
  if (r.contains("graphql")) {
    body["query"] = r["graphql"]["query"];
    body["variables"] = ExpandJson(r["graphql"].value("variables", json::object()), scope);
  }
  bool post = r.value("method", r.contains("graphql") || r.contains("body") ? "POST" : "GET") == "POST";

  const std::string& base_template =
      manifest_[use_fallback_ ? "base_url_fallback" : "base_url"].get_ref<const std::string&>();
  if (page.next_url.empty()) {
    std::string base = Expand(base_template, scope);
    req.url = JoinUrl(base, Expand(r.value("path", ""), scope));
    const json params_spec = r.value("params", json::object());  // items() of a temporary would dangle
    for (const auto& [k, v] : params_spec.items()) {
      std::string value = v.is_string() ? Expand(v.get<std::string>(), scope) : ToText(v);
      if (!value.empty()) params.emplace_back(k, value);
    }
    if (stream.contains("pagination")) {
      const json& p = stream["pagination"];
      std::string in = p["in"];
      std::string type = p["type"];
      if (p.contains("size_param") && PageSize(p) > 0) SetParam(&body, &params, in, p["size_param"], PageSize(p));
      if (type == "page" || type == "offset") SetParam(&body, &params, in, p["param"], page.number);
      if (type == "cursor" && p.contains("param") && !page.cursor.is_null())
        SetParam(&body, &params, in, p["param"], page.cursor);
    }
    if (stream.contains("incremental") && stream["incremental"].contains("param") && !cursor.is_null())
      SetParam(&body, &params, stream["incremental"]["in"], stream["incremental"]["param"], cursor);
  } else {
    req.url = JoinUrl(Expand(base_template, scope), page.next_url);
  }

  json headers = manifest_.value("headers", json::object());
  const json stream_headers = r.value("headers", json::object());
  for (const auto& [k, v] : stream_headers.items()) headers[k] = v;
  for (const auto& [k, v] : headers.items()) {
    std::string value = Expand(ToText(v), scope);
    if (!value.empty()) req.headers[k] = value;
  }
  if (manifest_.contains("auth")) {
    const json& a = manifest_["auth"];
    std::string type = a["type"];
    std::string value = a.contains("value") ? Expand(a["value"].get<std::string>(), scope) : "";
    if (type == "bearer" && !value.empty()) req.headers["Authorization"] = a.value("scheme", "Bearer") + " " + value;
    if (type == "header" && !value.empty()) req.headers[a["name"].get<std::string>()] = value;
    if (type == "query" && !value.empty() && req.url.find(a["name"].get<std::string>() + "=") == std::string::npos)
      params.emplace_back(a["name"].get<std::string>(), value);
    if (type == "basic") {
      std::string user = Expand(a.value("username", ""), scope), pass = Expand(a.value("password", ""), scope);
      if (!user.empty()) req.headers["Authorization"] = "Basic " + Base64Encode(user + ":" + pass);
    }
    // What credentials are for: asked only with them (drafts and private posts, say).
    if (with_auth_params && page.next_url.empty() && a.contains("params") && HasCredentials())
      for (const auto& [k, v] : a["params"].items()) params.emplace_back(k, Expand(ToText(v), scope));
  }
  req.url = AddQuery(req.url, params);
  if (post) {
    req.method = "POST";
    req.body = body.dump();
    req.headers["Content-Type"] = "application/json";
  }
  return req;
}

[[noreturn]] void Api::FailStatus(const HttpResponse& resp, const std::string& url) const {
  std::string m = "HTTP " + std::to_string(resp.status) + " from " + url + ": ";
  std::string help = manifest_.contains("auth") ? manifest_["auth"].value("help", "") : "";
  if (resp.status == 401 || resp.status == 403)
    throw Failure(m + "the credentials were refused" +
                  (help.empty() ? "; check the source's token or key" : "; " + help));
  if (resp.status == 404)
    throw Failure(m + "there is nothing at this address; check base_url and the other config values");
  if (resp.status >= 300 && resp.status < 400)
    throw Failure(
        m + (resp.error.empty() ? "a redirect that leads nowhere" : resp.error) + "; check base_url" +
        (manifest_.contains("fallback_help") ? " (" + manifest_["fallback_help"].get<std::string>() + ")" : ""));
  if (Retryable(resp.status)) throw Failure(m + "the service is busy or failing; the hub will retry later", true);
  std::string body = resp.body.substr(0, 200);
  throw Failure(m + "the service refused the request" + (body.empty() ? "" : " (" + Redact(body) + ")"));
}

HttpResponse Api::Fetch(const HttpRequest& req) {
  const json& retry = manifest_["retry"];
  int attempts = std::max(1, config_.value("max_attempts", retry["attempts"].get<int>()));
  double delay = retry["initial_delay_s"].get<double>(), max_delay = retry["max_delay_s"].get<double>();
  std::string shown = Redact(req.url);
  for (int attempt = 1;; ++attempt) {
    HttpResponse resp = io_.http(req);
    if (!Retryable(resp.status)) return resp;
    std::string why = resp.status == 0 ? Redact(resp.error) : "HTTP " + std::to_string(resp.status) + " from " + shown;
    std::optional<double> asked = RetryAfter(resp.Header("retry-after"), io_.now());
    double wait = asked.value_or(delay);
    if (attempt >= attempts || wait > max_delay || io_.cancelled()) {
      if (resp.status == 0) throw Failure(why, true);
      if (asked && *asked > max_delay)
        throw Failure(why + ": the service asks to wait " + std::to_string(static_cast<int64_t>(*asked)) +
                          " s before the next request; the hub will retry later",
                      true);
      FailStatus(resp, shown);
    }
    io_.warn(why + "; retrying in " + std::to_string(wait).substr(0, std::to_string(wait).find('.') + 2) +
             " s (attempt " + std::to_string(attempt + 1) + " of " + std::to_string(attempts) + ")");
    io_.sleep(wait);
    delay = std::min(delay * 2, max_delay);
  }
}

std::string Api::ReadScope() const {
  if (!HasCredentials() || !manifest_["auth"].contains("params")) return "";
  return manifest_["auth"]["params"].dump();
}

bool Api::HasCredentials() const {
  if (!manifest_.contains("auth")) return false;
  const json& a = manifest_["auth"];
  Scope scope{&config_, nullptr, nullptr};
  const char* field = a["type"] == "basic" ? "username" : "value";
  return a.contains(field) && !Expand(a[field].get<std::string>(), scope).empty();
}

std::pair<HttpRequest, HttpResponse> Api::FetchFirst(const std::function<HttpRequest()>& build) {
  HttpRequest req = build();
  HttpResponse resp = Fetch(req);
  if (!first_fetch_ || !manifest_.contains("base_url_fallback")) return {req, resp};
  first_fetch_ = false;
  bool is_json = !json::parse(resp.body, nullptr, false).is_discarded();
  bool elsewhere = (resp.status >= 300 && resp.status < 400) || resp.status == 404 ||
                   (resp.status >= 200 && resp.status < 300 && !is_json);
  if (!elsewhere) return {req, resp};
  use_fallback_ = true;
  HttpRequest again = build();
  HttpResponse other = Fetch(again);
  if (other.status < 200 || other.status > 299 || json::parse(other.body, nullptr, false).is_discarded()) {
    use_fallback_ = false;  // neither answers: report the address the manifest names first
    return {req, resp};
  }
  std::string why = resp.status >= 300 && resp.status < 400 && !resp.error.empty()
                        ? resp.error
                        : "HTTP " + std::to_string(resp.status);
  io_.warn(Redact(req.url) + " gave no API answer (" + Redact(why) + "); read " + Redact(again.url) + " instead" +
           (manifest_.contains("fallback_help") ? ". " + manifest_["fallback_help"].get<std::string>() : ""));
  return {again, other};
}

json Api::ParseBody(const HttpResponse& resp, const std::string& url) const {
  if (resp.status < 200 || resp.status > 299) FailStatus(resp, url);
  json body = json::parse(resp.body, nullptr, false);
  if (body.is_discarded() && !ValidUtf8(resp.body)) {
    std::string type = resp.Header("content-type");
    throw Failure("the response from " + url + " is not UTF-8" + (type.empty() ? "" : " (Content-Type " + type + ")") +
                  ", and JSON is always UTF-8 (RFC 8259); the service is misconfigured or this is not its API");
  }
  if (body.is_discarded()) {
    std::string type = resp.Header("content-type");
    std::string head = resp.body.substr(0, 80);
    std::replace(head.begin(), head.end(), '\n', ' ');
    throw Failure("the response from " + url + " is not JSON" + (type.empty() ? "" : " (Content-Type " + type + ")") +
                  ": it begins \"" + Redact(head) + "\"; check base_url points at the API, not at a web page");
  }
  if (body.is_object() && body.contains("errors") && body["errors"].is_array() && !body["errors"].empty()) {
    std::string msgs;
    for (const auto& e : body["errors"])
      msgs += (msgs.empty() ? "" : "; ") + (e.is_object() ? e.value("message", e.dump()) : ToText(e));
    throw Failure("the GraphQL API at " + url + " answered with errors: " + Redact(msgs));
  }
  return body;
}

const json& Api::Records(const json& body, const json& stream, const std::string& url) const {
  std::string path = stream["records"];
  const json* records = GetPath(body, path);
  if (records && records->is_array()) return *records;
  std::string found = !records               ? "nothing"
                      : records->is_object() ? "an object"
                                             : "a " + std::string(records->type_name());
  if (!records && body.is_object()) {
    std::string keys;
    for (const auto& [k, v] : body.items()) keys += (keys.empty() ? "" : ", ") + k;
    found += " (the response has keys: " + keys.substr(0, 200) + ")";
  }
  throw Failure("the response from " + url + " is not what " + Name() + " expects: stream \"" +
                stream["name"].get<std::string>() + "\" looks for a list of records at " +
                (path.empty() ? std::string("the top level") : "\"" + path + "\"") + " and found " + found +
                "; the API may have changed, or base_url may point at another service");
}

int64_t Api::FullPassVersion(const json& stream, const json& state) const {
  if (!stream.contains("full_pass")) return 0;
  int64_t every = stream["full_pass"]["every_s"].get<int64_t>();
  if (config_.contains("full_pass_every_s") && config_["full_pass_every_s"].is_number_integer())
    every = config_["full_pass_every_s"].get<int64_t>();
  int64_t now = io_.now();
  // The connector's own state, but read as untrusted as anything stored: whole numbers or 0.
  auto number = [&](const char* key) -> int64_t {
    const json* last = state.is_object() && state.contains("full_pass") ? &state["full_pass"] : nullptr;
    if (!last || !last->is_object() || !last->contains(key) || !(*last)[key].is_number_integer()) return 0;
    return (*last)[key].get<int64_t>();
  };
  int64_t at = number("at"), version = number("version");
  bool due = !state.is_object() || !state.contains("cursor") || at == 0 || now - at >= every ||
             state.value("scope", "") != ReadScope();
  return due ? std::max(now * 1000, version + 1) : 0;
}

bool Api::CompletedPass(const json& state, int64_t version) {
  if (!version || !state.is_object() || !state.contains("full_pass")) return false;
  const json& p = state["full_pass"];
  return p.is_object() && p.contains("version") && p["version"] == version;
}

json Api::ReadStream(const json& stream, const json& state, const std::function<bool(json)>& on_record,
                     int64_t full_pass) {
  const json* inc = stream.contains("incremental") ? &stream["incremental"] : nullptr;
  json cursor = state.is_object() && state.contains("cursor") ? state["cursor"] : json();
  bool complete = false;  // every page was read (what a full pass needs to delete anything)
  if (cursor.is_null() && inc && inc->contains("start"))
    cursor = ExpandJson((*inc)["start"], Scope{&config_, nullptr, nullptr});
  json best = cursor;
  // What is asked for and kept: from a little before the cursor (Overlapped); all of it
  // on a full pass.
  json from = full_pass ? json() : inc ? Overlapped(cursor, inc->value("overlap_s", int64_t{0})) : cursor;
  const json* pag = stream.contains("pagination") ? &stream["pagination"] : nullptr;
  std::string type = pag ? (*pag)["type"].get<std::string>() : "";
  Page page;
  if (type == "page" || type == "offset") page.number = (*pag)["start"].get<int64_t>();
  int64_t max_pages = pag ? (*pag)["max_pages"].get<int64_t>() : 1;
  std::string kind = stream["kind"];
  std::vector<std::string> seen_urls;

  for (int64_t n = 0; n < max_pages; ++n) {
    auto [req, resp] = FetchFirst([&] { return BuildRequest(stream, page, from); });
    std::string shown = Redact(req.url);
    json body = ParseBody(resp, shown);
    const json& records = Records(body, stream, shown);
    // Newest first: a page that ends older than the cursor is the last one to read (the
    // items before its end may still be new: pinned topics come first, whatever their age).
    bool reached_cursor = false;
    for (const auto& item : records) {
      if (!item.is_object())
        throw Failure("the response from " + shown + " is not what " + Name() + " expects: a record is " +
                      std::string(item.type_name()) + ", not an object");
      if (inc) {
        const json* v = GetPath(item, (*inc)["field"].get<std::string>());
        if (v && !v->is_null()) {
          if (!from.is_null() && CompareCursor(*v, from) < 0) {
            reached_cursor = (*inc)["order"] == "desc" && &item == &records.back();
            continue;  // older than what is stored already
          }
          if (best.is_null() || CompareCursor(*v, best) > 0) best = *v;
        }
      }
      if (!on_record(MapRecord(stream["mapping"], item, config_, kind, &body))) return state;
    }
    if (io_.cancelled()) break;
    complete = true;  // unless another page follows
    if (reached_cursor || !pag) break;
    int64_t count = static_cast<int64_t>(records.size());
    int64_t size = PageSize(*pag);
    if (type == "page" || type == "offset") {
      if (count == 0 || (size > 0 && count < size)) break;
      page.number += type == "page" ? 1 : count;
    } else if (type == "cursor") {
      const json* next = GetPath(body, (*pag)["path"].get<std::string>());
      if (!next || next->is_null() || ToText(*next).empty() || *next == page.cursor || count == 0) break;
      if (pag->contains("param"))
        page.cursor = *next;
      else
        page.next_url = ToText(*next);
    } else if (type == "link") {
      page.next_url = LinkNext(resp.Header("link"));
      if (page.next_url.empty() || count == 0) break;
    }
    complete = false;
    if (!page.next_url.empty()) {
      if (std::find(seen_urls.begin(), seen_urls.end(), page.next_url) != seen_urls.end()) {
        complete = false;
        io_.warn("stream " + stream["name"].get<std::string>() + ": the next page is one already read (" +
                 Redact(page.next_url) + "); stopping");
        break;
      }
      seen_urls.push_back(page.next_url);
    }
    if (n + 1 == max_pages)
      io_.warn("stream " + stream["name"].get<std::string>() + ": stopped after " + std::to_string(max_pages) +
               " pages (pagination.max_pages)");
  }
  json out = state.is_object() ? state : json::object();
  if (!best.is_null()) out["cursor"] = best;
  if (full_pass && complete) {
    out["full_pass"] = {{"version", full_pass}, {"at", io_.now()}};
    out["scope"] = ReadScope();
  }
  return out;
}

std::string Api::Probe() {
  const json& stream = manifest_["streams"][0];
  Page first{stream.contains("pagination") ? stream["pagination"].value("start", int64_t{0}) : 0, {}, ""};
  auto [req, resp] = FetchFirst([&] { return BuildRequest(stream, first, json()); });
  std::string shown = Redact(req.url);
  std::string said;
  // An API that answers its lists to anyone says nothing of credentials there: ask where
  // they must be right (after the first request, which settles the base address).
  if (HasCredentials() && manifest_["auth"].contains("check")) {
    json probe = {{"name", "auth.check"}, {"request", {{"path", manifest_["auth"]["check"]}}}};
    HttpRequest who = BuildRequest(probe, Page{}, json(), /*with_auth_params=*/false);
    HttpResponse me = Fetch(who);
    (void)ParseBody(me, Redact(who.url));
    said = "the credentials were accepted (" + Redact(who.url) + "); ";
  }
  json body = ParseBody(resp, shown);
  size_t n = Records(body, stream, shown).size();
  return said + "reached " + shown + "; stream \"" + stream["name"].get<std::string>() + "\" returned " +
         std::to_string(n) + " record" + (n == 1 ? "" : "s") + " on its first page";
}

}  // namespace coophub::httpjson
