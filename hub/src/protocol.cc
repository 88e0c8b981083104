// SPDX-License-Identifier: Apache-2.0
// Parsing and validating connector protocol lines; see protocol.h.
#include "protocol.h"

#include <algorithm>
#include <unordered_map>

#include "timeutil.h"

namespace coophub {
namespace {

const std::unordered_map<std::string_view, MsgType>& TypeTable() {
  static const std::unordered_map<std::string_view, MsgType> t = {
      {"HELLO", MsgType::kHello},       {"SPEC", MsgType::kSpec},
      {"STREAM", MsgType::kStream},     {"RECORD", MsgType::kRecord},
      {"STATE", MsgType::kState},       {"DELETE", MsgType::kDelete},
      {"PROGRESS", MsgType::kProgress}, {"LOG", MsgType::kLog},
      {"CHECK", MsgType::kCheck},       {"ERROR", MsgType::kError},
      {"SCHEMA", MsgType::kSingerSchema}};
  return t;
}

std::string Shorten(std::string_view s, size_t n = 80) {
  return s.size() <= n ? std::string(s) : std::string(s.substr(0, n)) + "...";
}

// Requires body[field] to exist with the given JSON type.
Status Need(const json& body, const char* field, json::value_t type, const char* type_name) {
  auto it = body.find(field);
  if (it == body.end()) return Status::Invalid(std::string("missing field \"") + field + "\"");
  bool match = it->type() == type ||
               (type == json::value_t::number_integer && it->is_number_integer());
  if (!match)
    return Status::Invalid(std::string("field \"") + field + "\" must be " + type_name);
  return Status::Ok();
}

Status ValidateBody(MsgType t, const json& b) {
  using V = json::value_t;
  switch (t) {
    case MsgType::kRecord:
      if (auto s = Need(b, "stream", V::string, "a string"); !s.ok()) return s;
      return Need(b, "record", V::object, "an object");
    case MsgType::kState:
      if (b.contains("value")) return Status::Ok();  // Singer's global STATE
      if (auto s = Need(b, "stream", V::string, "a string"); !s.ok()) return s;
      if (!b.contains("state")) return Status::Invalid("missing field \"state\"");
      return Status::Ok();
    case MsgType::kDelete:
      if (auto s = Need(b, "stream", V::string, "a string"); !s.ok()) return s;
      if (!b.contains("id") || !(b["id"].is_string() || b["id"].is_number_integer()))
        return Status::Invalid("field \"id\" must be a string");
      return Status::Ok();
    case MsgType::kStream:
      return Need(b, "name", V::string, "a string");
    case MsgType::kSingerSchema:
      return Need(b, "stream", V::string, "a string");
    case MsgType::kLog:
      return Need(b, "message", V::string, "a string");
    case MsgType::kCheck:
      if (auto s = Need(b, "ok", V::boolean, "true or false"); !s.ok()) return s;
      return Status::Ok();
    case MsgType::kError:
      return Need(b, "message", V::string, "a string");
    case MsgType::kProgress:
      if (!b.contains("done") || !b["done"].is_number())
        return Status::Invalid("field \"done\" must be a number");
      return Status::Ok();
    case MsgType::kSpec:
      return Need(b, "spec", V::object, "an object (a JSON Schema)");
    case MsgType::kHello:
      return Status::Ok();
  }
  return Status::Ok();
}

std::string IdString(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return v.dump();
}

Status OptionalString(const json& r, const char* field) {
  auto it = r.find(field);
  if (it != r.end() && !it->is_null() && !it->is_string())
    return Status::Invalid(std::string("field \"") + field + "\" must be a string");
  return Status::Ok();
}

Status NormalizeInstant(json& r, const char* field) {
  auto it = r.find(field);
  if (it == r.end() || it->is_null()) return Status::Ok();
  if (!it->is_string())
    return Status::Invalid(std::string("field \"") + field + "\" must be an RFC 3339 string");
  auto norm = NormalizeRfc3339(it->get<std::string>());
  if (!norm)
    return Status::Invalid(std::string("field \"") + field + "\" is \"" +
                           Shorten(it->get<std::string>()) +
                           "\", not an RFC 3339 instant such as 2026-11-24T09:30:00Z");
  *it = *norm;
  return Status::Ok();
}

bool IsDecimal(const std::string& s) {
  size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  size_t digits = 0, dots = 0;
  for (; i < s.size(); ++i) {
    if (s[i] == '.') ++dots;
    else if (s[i] >= '0' && s[i] <= '9') ++digits;
    else return false;
  }
  return digits > 0 && dots <= 1 && s.back() != '.';
}

Status ValidateExtras(const json& r) {
  if (auto it = r.find("tags"); it != r.end() && !it->is_null()) {
    if (!it->is_array()) return Status::Invalid("field \"tags\" must be an array of strings");
    for (const auto& t : *it)
      if (!t.is_string()) return Status::Invalid("field \"tags\" must be an array of strings");
  }
  if (auto it = r.find("location"); it != r.end() && !it->is_null()) {
    if (!it->is_object()) return Status::Invalid("field \"location\" must be {name, lat, lon}");
    for (const char* f : {"lat", "lon"})
      if (it->contains(f) && !(*it)[f].is_number())
        return Status::Invalid(std::string("field \"location.") + f + "\" must be a number");
  }
  if (auto it = r.find("amount"); it != r.end() && !it->is_null()) {
    if (!it->is_object() || !it->contains("value") || !(*it)["value"].is_string() ||
        !IsDecimal((*it)["value"].get<std::string>()))
      return Status::Invalid(
          "field \"amount.value\" must be a decimal string such as \"12.50\" (never a float)");
    if (!it->contains("currency") || !(*it)["currency"].is_string() ||
        (*it)["currency"].get<std::string>().size() != 3)
      return Status::Invalid("field \"amount.currency\" must be an ISO 4217 code such as \"EUR\"");
  }
  return Status::Ok();
}

}  // namespace

bool IsVisibility(std::string_view v) {
  return v == "public" || v == "members" || v == "admins";
}

Result<Message> ParseLine(std::string_view line, int64_t line_no) {
  auto fail = [&](const std::string& why) {
    return Status::Invalid("line " + std::to_string(line_no) + ": " + why);
  };
  json body = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded())
    return fail("not a JSON object: \"" + Shorten(line) + "\"");
  if (!body.is_object()) return fail("not a JSON object: \"" + Shorten(line) + "\"");
  auto t = body.find("type");
  if (t == body.end() || !t->is_string()) return fail("no \"type\" field");
  auto it = TypeTable().find(t->get<std::string>());
  if (it == TypeTable().end())
    return fail("unknown message type \"" + Shorten(t->get<std::string>(), 40) + "\"");
  if (auto s = ValidateBody(it->second, body); !s.ok())
    return fail(t->get<std::string>() + " " + s.message());
  Message m{it->second, "", std::move(body)};
  if (m.type == MsgType::kStream) m.stream = m.body["name"].get<std::string>();
  else if (m.body.contains("stream") && m.body["stream"].is_string())
    m.stream = m.body["stream"].get<std::string>();
  return m;
}

Result<StoredRecord> NormalizeRecord(const json& in, const std::string& source,
                                     const std::string& stream,
                                     const std::string& default_visibility) {
  json r = in;
  StoredRecord out;
  auto id = r.find("id");
  if (id == r.end() || !(id->is_string() || id->is_number_integer()))
    return Status::Invalid("record has no \"id\" (a string, stable within the stream)");
  out.id = IdString(*id);
  if (out.id.empty() || out.id.size() > 2048)
    return Status::Invalid("record \"id\" must be 1 to 2048 bytes");
  r["id"] = out.id;
  std::string kind = r.value("kind", "other");
  if (!r.contains("kind") || !r["kind"].is_string() ||
      std::find(RecordKinds().begin(), RecordKinds().end(), kind) == RecordKinds().end()) {
    if (r.contains("kind"))
      return Status::Invalid("record \"" + Shorten(out.id, 60) + "\": kind \"" +
                             Shorten(r["kind"].dump(), 30) +
                             "\" is not one of post, event, person, task, transaction, "
                             "decision, resource, message, metric, other");
    kind = "other";
  }
  r["kind"] = kind;
  for (const char* f : {"title", "summary", "url", "author", "lang", "visibility"})
    if (auto s = OptionalString(r, f); !s.ok())
      return s.Prefixed("record \"" + Shorten(out.id, 60) + "\"");
  for (const char* f : {"time", "end", "updated"})
    if (auto s = NormalizeInstant(r, f); !s.ok())
      return s.Prefixed("record \"" + Shorten(out.id, 60) + "\"");
  if (auto s = ValidateExtras(r); !s.ok())
    return s.Prefixed("record \"" + Shorten(out.id, 60) + "\"");
  std::string vis = r.value("visibility", default_visibility);
  if (vis.empty()) vis = default_visibility;
  if (!IsVisibility(vis))
    return Status::Invalid("record \"" + Shorten(out.id, 60) + "\": visibility \"" + vis +
                           "\" is not public, members or admins");
  r["visibility"] = vis;
  r["source"] = source;
  r["stream"] = stream;
  out.source = source;
  out.stream = stream;
  out.kind = kind;
  out.visibility = vis;
  auto str = [&](const char* f) {
    auto it = r.find(f);
    return it != r.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  out.title = str("title");
  out.summary = str("summary");
  out.url = str("url");
  out.time = str("time");
  if (out.time.empty()) out.time = str("updated");
  out.search_text = str("author");
  if (auto t = r.find("tags"); t != r.end() && t->is_array())
    for (const auto& tag : *t) out.search_text += " " + tag.get<std::string>();
  out.json = r.dump(-1, ' ', false, json::error_handler_t::replace);
  return out;
}

json FromSingerRecord(const json& row, const std::vector<std::string>& keys) {
  json r = json::object();
  std::string id;
  for (const auto& k : keys) {
    if (!id.empty()) id += ":";
    id += row.contains(k) ? IdString(row[k]) : "";
  }
  if (id.empty()) id = std::to_string(std::hash<std::string>{}(row.dump()));
  r["id"] = id;
  r["kind"] = "other";
  for (const char* f : {"title", "name", "subject"})
    if (row.contains(f) && row[f].is_string()) {
      r["title"] = row[f];
      break;
    }
  r["data"] = row;
  return r;
}

}  // namespace coophub
