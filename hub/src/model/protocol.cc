// SPDX-License-Identifier: Apache-2.0
// Parsing and validating connector protocol lines; see protocol.h.
#include "model/protocol.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <optional>
#include <unordered_map>

#include "base/timeutil.h"

namespace coophub {
namespace {

const std::unordered_map<std::string_view, MsgType>& TypeTable() {
  static const std::unordered_map<std::string_view, MsgType> t = {
      {"HELLO", MsgType::kHello},         {"SPEC", MsgType::kSpec},
      {"STREAM", MsgType::kStream},       {"RECORD", MsgType::kRecord},
      {"STATE", MsgType::kState},         {"DELETE", MsgType::kDelete},
      {"PROGRESS", MsgType::kProgress},   {"LOG", MsgType::kLog},
      {"CHECK", MsgType::kCheck},         {"ERROR", MsgType::kError},
      {"SCHEMA", MsgType::kSingerSchema}, {"ACTIVATE_VERSION", MsgType::kActivateVersion},
      {"BATCH", MsgType::kSingerBatch}};
  return t;
}

std::string Shorten(std::string_view s, size_t n = 80) {
  return s.size() <= n ? std::string(s) : std::string(s.substr(0, n)) + "...";
}

// Reads the fields of one message by type: each getter fails with the field's name and
// the type it must have, and leaves its output alone when an optional field is absent
// (a JSON null counts as absent).
class Fields {
 public:
  explicit Fields(const json& body) : body_(body) {}

  Status String(const char* name, bool required, std::string* out) const {
    const json* v = Find(name);
    if (!v) return Missing(name, required);
    if (!v->is_string()) return Wrong(name, "a string");
    *out = v->get<std::string>();
    return Status::Ok();
  }
  Status Bool(const char* name, bool required, bool* out) const {
    const json* v = Find(name);
    if (!v) return Missing(name, required);
    if (!v->is_boolean()) return Wrong(name, "true or false");
    *out = v->get<bool>();
    return Status::Ok();
  }
  // A whole number from 0 up (a float with no fraction counts: some JSON writers emit 3.0).
  Status Count(const char* name, bool required, int64_t* out) const {
    const json* v = Find(name);
    if (!v) return Missing(name, required);
    if (v->is_number_unsigned() && v->get<uint64_t>() <= uint64_t{INT64_MAX}) {
      *out = static_cast<int64_t>(v->get<uint64_t>());
      return Status::Ok();
    }
    if (v->is_number_integer() && v->get<int64_t>() >= 0) {
      *out = v->get<int64_t>();
      return Status::Ok();
    }
    if (v->is_number_float()) {
      double d = v->get<double>();
      if (d >= 0 && d < 9.2e18 && d == static_cast<double>(static_cast<int64_t>(d))) {
        *out = static_cast<int64_t>(d);
        return Status::Ok();
      }
    }
    return Wrong(name, "a whole number from 0 up");
  }
  Status Object(const char* name, bool required, const char* what = "an object") const {
    const json* v = Find(name);
    if (!v) return Missing(name, required);
    return v->is_object() ? Status::Ok() : Wrong(name, what);
  }
  Status StringList(const char* name, std::vector<std::string>* out) const {
    const json* v = Find(name);
    if (!v) return Status::Ok();
    if (!v->is_array()) return Wrong(name, "an array of strings");
    for (const auto& e : *v) {
      if (!e.is_string()) return Wrong(name, "an array of strings");
      out->push_back(e.get<std::string>());
    }
    return Status::Ok();
  }
  // A string, or an integer written as its decimal text: what a record id may be.
  Status Id(const char* name, std::string* out) const {
    const json* v = Find(name);
    if (!v) return Missing(name, true);
    if (v->is_string())
      *out = v->get<std::string>();
    else if (v->is_number_integer())
      *out = v->dump();
    else
      return Wrong(name, "a string");
    return Status::Ok();
  }
  bool Has(const char* name) const { return body_.contains(name); }

 private:
  const json* Find(const char* name) const {
    auto it = body_.find(name);
    return it == body_.end() || it->is_null() ? nullptr : &*it;
  }
  static Status Missing(const char* name, bool required) {
    return required ? Status::Invalid(std::string("missing field \"") + name + "\"") : Status::Ok();
  }
  static Status Wrong(const char* name, const char* type) {
    return Status::Invalid(std::string("field \"") + name + "\" must be " + type);
  }
  const json& body_;
};

#define COOPHUB_TRY(expr)                        \
  do {                                           \
    if (Status s_ = (expr); !s_.ok()) return s_; \
  } while (0)

// LOG levels as connectors write them (any case; Python's and syslog's names too),
// to the four the run log keeps.
std::optional<std::string> LogLevel(std::string level) {
  for (auto& c : level) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::unordered_map<std::string_view, const char*> kLevels = {
      {"trace", "debug"},  {"debug", "debug"}, {"info", "info"},      {"notice", "info"}, {"warn", "warn"},
      {"warning", "warn"}, {"error", "error"}, {"critical", "error"}, {"fatal", "error"}};
  auto it = kLevels.find(level);
  if (it == kLevels.end()) return std::nullopt;
  return std::string(it->second);
}

// Checks the fields of a message of type t and fills m's typed members from them.
Status ReadFields(MsgType t, Message* m) {
  Fields f(m->body);
  switch (t) {
    case MsgType::kRecord:
      COOPHUB_TRY(f.String("stream", true, &m->stream));
      COOPHUB_TRY(f.Count("version", false, &m->table_version));
      return f.Object("record", true);
    case MsgType::kActivateVersion:
      COOPHUB_TRY(f.String("stream", true, &m->stream));
      return f.Count("version", true, &m->table_version);
    case MsgType::kSingerBatch: {
      COOPHUB_TRY(f.String("stream", true, &m->stream));
      COOPHUB_TRY(f.StringList("manifest", &m->files));
      auto word = [&](const char* key, const char* absent) -> std::string {
        auto e = m->body.find("encoding");
        if (e == m->body.end() || !e->is_object()) return "";
        auto v = e->find(key);
        if (v == e->end() || v->is_null()) return absent;
        return v->is_string() ? v->get<std::string>() : "";
      };
      if (word("format", "") != "jsonl")
        return Status::Invalid("field \"encoding.format\" must be \"jsonl\" (the batch format the hub reads)");
      if (std::string c = word("compression", "none"); c != "gzip" && c != "none")
        return Status::Invalid("field \"encoding.compression\" must be \"gzip\" or \"none\"");
      return Status::Ok();
    }
    case MsgType::kState:
      if (f.Has("value")) {  // Singer's global STATE
        m->singer_state = true;
        return Status::Ok();
      }
      COOPHUB_TRY(f.String("stream", true, &m->stream));
      return f.Has("state") ? Status::Ok() : Status::Invalid("missing field \"state\"");
    case MsgType::kDelete:
      COOPHUB_TRY(f.String("stream", true, &m->stream));
      return f.Id("id", &m->id);
    case MsgType::kStream:
      COOPHUB_TRY(f.String("name", true, &m->stream));
      return f.Object("schema", false, "an object (a JSON Schema)");
    case MsgType::kSingerSchema:
      COOPHUB_TRY(f.String("stream", true, &m->stream));
      return f.StringList("key_properties", &m->key_properties);
    case MsgType::kLog: {
      COOPHUB_TRY(f.String("message", true, &m->message));
      std::string level = "info";
      COOPHUB_TRY(f.String("level", false, &level));
      auto known = LogLevel(level);
      if (!known)
        return Status::Invalid("field \"level\" is \"" + Shorten(level, 20) +
                               "\", not one of debug, info, warn, error");
      m->level = *known;
      return Status::Ok();
    }
    case MsgType::kCheck:
      COOPHUB_TRY(f.Bool("ok", true, &m->ok));
      COOPHUB_TRY(f.Object("suggest", false, "an object (config values to change)"));
      COOPHUB_TRY(f.Object("choices", false, "an object (field -> the values found for it)"));
      return f.String("message", false, &m->message);
    case MsgType::kError:
      COOPHUB_TRY(f.String("message", true, &m->message));
      return f.Bool("retryable", false, &m->retryable);
    case MsgType::kProgress:
      COOPHUB_TRY(f.Count("done", true, &m->done));
      return f.Count("total", false, &m->total);
    case MsgType::kSpec: {
      COOPHUB_TRY(f.Object("spec", true, "an object (a JSON Schema)"));
      std::vector<std::string> operations;  // the optional ones: read from body by who needs them
      COOPHUB_TRY(f.StringList("operations", &operations));
      return f.String("description", false, &m->description);
    }
    case MsgType::kHello:
      return f.String("version", false, &m->version);
  }
  return Status::Ok();
}

#undef COOPHUB_TRY

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
  if (!it->is_string()) return Status::Invalid(std::string("field \"") + field + "\" must be an RFC 3339 string");
  auto norm = NormalizeRfc3339(it->get<std::string>());
  if (!norm)
    return Status::Invalid(std::string("field \"") + field + "\" is \"" + Shorten(it->get<std::string>()) +
                           "\", not an RFC 3339 instant such as 2026-11-24T09:30:00Z");
  *it = *norm;
  return Status::Ok();
}

bool IsDecimal(const std::string& s) {
  size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  size_t digits = 0, dots = 0;
  for (; i < s.size(); ++i) {
    if (s[i] == '.')
      ++dots;
    else if (s[i] >= '0' && s[i] <= '9')
      ++digits;
    else
      return false;
  }
  return digits > 0 && dots <= 1 && s.back() != '.';
}

Status ValidateExtras(const json& r) {
  if (auto it = r.find("tags"); it != r.end() && !it->is_null()) {
    if (!it->is_array()) return Status::Invalid("field \"tags\" must be an array of strings");
    for (const auto& t : *it)
      if (!t.is_string()) return Status::Invalid("field \"tags\" must be an array of strings");
  }
  if (auto it = r.find("people"); it != r.end() && !it->is_null()) {
    if (!it->is_array() || it->size() > 200)
      return Status::Invalid("field \"people\" must be an array of up to 200 names or addresses");
    for (const auto& p : *it)
      if (!p.is_string() || p.get<std::string>().empty() || p.get<std::string>().size() > 320)
        return Status::Invalid(
            "field \"people\" must be an array of names or addresses (\"Ana Lima <ana@coop.example>\")");
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
      return Status::Invalid("field \"amount.value\" must be a decimal string such as \"12.50\" (never a float)");
    if (!it->contains("currency") || !(*it)["currency"].is_string() || (*it)["currency"].get<std::string>().size() != 3)
      return Status::Invalid("field \"amount.currency\" must be an ISO 4217 code such as \"EUR\"");
  }
  return Status::Ok();
}

}  // namespace

bool IsSourceId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char ch : id)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_')) return false;
  return true;
}

bool IsVisibility(std::string_view v) { return v == "public" || v == "members" || v == "admins"; }

Result<Message> ParseLine(std::string_view line, int64_t line_no) {
  auto fail = [&](const std::string& why) { return Status::Invalid("line " + std::to_string(line_no) + ": " + why); };
  json body = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return fail("not a JSON object: \"" + Shorten(line) + "\"");
  if (!body.is_object()) return fail("not a JSON object: \"" + Shorten(line) + "\"");
  auto t = body.find("type");
  if (t == body.end() || !t->is_string()) return fail("no \"type\" field");
  std::string type = t->get<std::string>();
  auto it = TypeTable().find(type);
  if (it == TypeTable().end()) return fail("unknown message type \"" + Shorten(type, 40) + "\"");
  Message m{it->second, "", std::move(body)};
  if (auto s = ReadFields(m.type, &m); !s.ok()) return fail(type + " " + s.message());
  return m;
}

Message Message::Log(std::string level, std::string text) {
  Message m{MsgType::kLog, "", json{{"type", "LOG"}, {"level", level}, {"message", text}}};
  m.level = std::move(level);
  m.message = std::move(text);
  return m;
}

Result<StoredRecord> NormalizeRecord(const json& in, const std::string& source, const std::string& stream,
                                     const std::string& default_visibility) {
  json r = in;
  StoredRecord out;
  auto id = r.find("id");
  if (id == r.end() || !(id->is_string() || id->is_number_integer()))
    return Status::Invalid("record has no \"id\" (a string, stable within the stream)");
  out.id = IdString(*id);
  if (out.id.empty() || out.id.size() > 2048) return Status::Invalid("record \"id\" must be 1 to 2048 bytes");
  r["id"] = out.id;
  std::string kind = "other";
  if (auto k = r.find("kind"); k != r.end() && !k->is_null()) {
    if (!k->is_string() ||
        std::find(RecordKinds().begin(), RecordKinds().end(), k->get<std::string>()) == RecordKinds().end())
      return Status::Invalid("record \"" + Shorten(out.id, 60) + "\": kind \"" +
                             Shorten(k->is_string() ? k->get<std::string>() : k->dump(), 30) +
                             "\" is not one of post, event, person, task, transaction, "
                             "decision, resource, message, metric, other");
    kind = k->get<std::string>();
  }
  r["kind"] = kind;
  for (const char* f : {"title", "summary", "url", "author", "lang", "visibility"})
    if (auto s = OptionalString(r, f); !s.ok()) return s.Prefixed("record \"" + Shorten(out.id, 60) + "\"");
  for (const char* f : {"time", "end", "updated"})
    if (auto s = NormalizeInstant(r, f); !s.ok()) return s.Prefixed("record \"" + Shorten(out.id, 60) + "\"");
  if (auto s = ValidateExtras(r); !s.ok()) return s.Prefixed("record \"" + Shorten(out.id, 60) + "\"");
  // The source's visibility is the widest its records get: a connector may narrow it (a
  // private post among public ones), never widen it.
  std::string vis = default_visibility;
  if (auto v = r.find("visibility"); v != r.end() && v->is_string() && !v->get<std::string>().empty()) {
    std::string asked = v->get<std::string>();
    if (!IsVisibility(asked))
      return Status::Invalid("record \"" + Shorten(out.id, 60) + "\": visibility \"" + asked +
                             "\" is not public, members or admins");
    auto rank = [](const std::string& x) { return x == "public" ? 0 : x == "members" ? 1 : 2; };
    if (rank(asked) > rank(vis)) vis = asked;
  }
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
  out.names = RecordNames(r);
  out.json = r.dump(-1, ' ', false, json::error_handler_t::replace);
  return out;
}

std::vector<std::string> NamesIn(const json& people, bool local_parts) {
  std::vector<std::string> out;
  if (!people.is_array()) return out;
  auto add = [&out](std::string_view a) {
    while (!a.empty() && a.back() == ' ') a.remove_suffix(1);
    while (!a.empty() && a.front() == ' ') a.remove_prefix(1);
    std::string lower(a);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!lower.empty() && std::find(out.begin(), out.end(), lower) == out.end()) out.push_back(std::move(lower));
  };
  for (const auto& p : people) {
    if (!p.is_string()) continue;
    std::string_view who = p.get_ref<const std::string&>();
    std::string_view address = who;
    if (size_t lt = who.find('<'); lt != std::string_view::npos) {
      add(who.substr(0, lt));
      address = who.substr(lt + 1);
      if (size_t gt = address.find('>'); gt != std::string_view::npos) address = address.substr(0, gt);
    }
    add(who);
    add(address);
    if (size_t at = address.find('@'); local_parts && at != std::string_view::npos) add(address.substr(0, at));
  }
  return out;
}

std::vector<std::string> RecordNames(const json& record) {
  std::vector<std::string> names;
  if (auto people = record.find("people"); people != record.end()) names = NamesIn(*people, /*local_parts=*/false);
  auto add = [&names](const json& who) {
    for (auto& name : NamesIn(who, /*local_parts=*/false))
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
  };
  if (auto author = record.find("author"); author != record.end() && author->is_string()) add(json::array({*author}));
  if (auto data = record.find("data"); data != record.end() && data->is_object())
    if (auto account = data->find("account"); account != data->end() && account->is_string())
      add(json::array({*account}));
  return names;
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
