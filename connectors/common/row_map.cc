// SPDX-License-Identifier: Apache-2.0
// Row-to-record mapping shared by the csv and postgres connectors; see row_map.h.
#include "row_map.h"

#include <coophub/time.hpp>
#include <ctime>

namespace coophub::rows {
namespace {

// The record fields a column can feed.
const char* const kFields[] = {"id",   "title", "summary",  "url", "author", "time",   "end",      "updated",
                               "tags", "lang",  "location", "lat", "lon",    "amount", "currency", "people"};

std::optional<std::string> Time(const std::string& v, const std::string& format) {
  if (format.empty()) {
    auto t = ParseRfc3339(v);
    if (!t && v.size() == 19) t = ParseRfc3339(v + "Z");  // "2026-11-24 09:30:00": taken as UTC
    return t ? std::optional<std::string>(FormatRfc3339(*t)) : std::nullopt;
  }
  std::tm tm{};
  const char* end = strptime(v.c_str(), format.c_str(), &tm);
  if (!end || *end != '\0') return std::nullopt;
  return FormatRfc3339(timegm(&tm));
}

// "1,234.50" (or "1.234,50" with decimal_comma) -> "1234.50". A grouping mark must
// have three digits after it, so a number in the other convention is refused, not misread.
std::optional<std::string> Decimal(const std::string& v, bool decimal_comma) {
  const char point = decimal_comma ? ',' : '.', group = decimal_comma ? '.' : ',';
  std::string out;
  size_t digits = 0, points = 0, since_group = 0;
  bool grouped = false;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if ((c == '-' || c == '+') && i == 0) {
      if (c == '-') out += c;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      out += c;
      ++digits;
      ++since_group;
    } else if (c == group || c == ' ' || c == '\'') {
      if (points || (grouped && since_group != 3) || digits == 0) return std::nullopt;
      grouped = true;
      since_group = 0;
    } else if (c == point) {
      if (points++ || (grouped && since_group != 3)) return std::nullopt;
      out += '.';
      grouped = false;
    } else {
      return std::nullopt;
    }
  }
  if (digits == 0 || (grouped && since_group != 3) || out.back() == '.') return std::nullopt;
  return out;
}

}  // namespace

const char* MappingSchemaProperties() {
  return R"json(
    "kind": {"type": "string", "enum": ["post", "event", "person", "task", "transaction", "decision", "resource", "message", "metric", "other"]},
    "columns": {"type": "object", "description": "record field -> column name, e.g. {\"title\": \"Name\", \"time\": \"Date\"}",
      "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"},
        "url": {"type": "string"}, "author": {"type": "string"}, "time": {"type": "string"}, "end": {"type": "string"},
        "updated": {"type": "string"}, "tags": {"type": "string"}, "lang": {"type": "string"},
        "location": {"type": "string"}, "lat": {"type": "string"}, "lon": {"type": "string"},
        "amount": {"type": "string"}, "currency": {"type": "string"}, "people": {"type": "string"}},
      "additionalProperties": false},
    "time_format": {"type": "string", "description": "strptime format such as %d/%m/%Y %H:%M; default ISO 8601"},
    "currency": {"type": "string", "minLength": 3, "maxLength": 3, "description": "ISO 4217 code when no currency column"},
    "decimal_comma": {"type": "boolean", "default": false, "description": "amounts are written 1.234,50"},
    "tag_separator": {"type": "string", "default": ",", "description": "splits the tags and people columns"})json";
}

Mapping MappingFromConfig(const json& c) {
  Mapping m;
  if (c.contains("columns")) {
    for (const auto& [field, col] : c["columns"].items()) {
      if (std::find(std::begin(kFields), std::end(kFields), field) == std::end(kFields))
        throw Failure("config.columns." + field + ": not a record field");
      m.columns[field] = col.get<std::string>();
    }
  }
  m.kind = c.value("kind", "other");
  m.time_format = c.value("time_format", "");
  m.currency = c.value("currency", "");
  m.decimal_comma = c.value("decimal_comma", false);
  m.tag_separator = c.value("tag_separator", ",");
  if (m.columns.count("amount") && m.currency.empty() && !m.columns.count("currency"))
    throw Failure("config.columns.amount needs a currency: set config.currency (e.g. EUR) or columns.currency");
  return m;
}

MappedRow MapRow(const std::vector<std::string>& header, const std::vector<std::string>& fields, int64_t row_number,
                 const Mapping& m) {
  json data = json::object();
  for (size_t i = 0; i < fields.size() && i < header.size(); ++i) data[header[i]] = fields[i];
  auto col = [&](const char* field) -> std::optional<std::string> {
    auto it = m.columns.find(field);
    if (it == m.columns.end()) return std::nullopt;
    auto v = data.find(it->second);
    if (v == data.end()) return std::nullopt;
    return v->get<std::string>();
  };
  auto bad = [&](const std::string& why) { return MappedRow{std::nullopt, why}; };
  json r = {{"kind", m.kind}};
  auto id = col("id");
  if (m.columns.count("id") && (!id || id->empty()))
    return bad("column \"" + m.columns.at("id") + "\" (the id) is empty");
  r["id"] = id ? *id : "row-" + std::to_string(row_number);
  for (const char* f : {"title", "summary", "url", "author", "lang"})
    if (auto v = col(f); v && !v->empty()) r[f] = *v;
  for (const char* f : {"time", "end", "updated"}) {
    auto v = col(f);
    if (!v || v->empty()) continue;
    auto t = Time(*v, m.time_format);
    if (!t)
      return bad("column \"" + m.columns.at(f) + "\": \"" + v->substr(0, 40) + "\" is not a time" +
                 (m.time_format.empty() ? " in ISO 8601 (2026-11-24T09:30:00Z); set time_format for other forms"
                                        : " in the format " + m.time_format));
    r[f] = *t;
  }
  // Tags and people: one column, split by the separator, each entry trimmed.
  for (const char* f : {"tags", "people"}) {
    auto v = col(f);
    if (!v || v->empty()) continue;
    json list = json::array();
    size_t pos = 0;
    while (pos <= v->size()) {
      size_t next = v->find(m.tag_separator, pos);
      std::string item = v->substr(pos, next == std::string::npos ? std::string::npos : next - pos);
      item.erase(0, item.find_first_not_of(' '));
      item.erase(item.find_last_not_of(' ') + 1);
      if (!item.empty()) list.push_back(item);
      if (next == std::string::npos) break;
      pos = next + m.tag_separator.size();
    }
    r[f] = list;
  }
  json loc = json::object();
  if (auto v = col("location"); v && !v->empty()) loc["name"] = *v;
  for (const char* f : {"lat", "lon"}) {
    auto v = col(f);
    if (!v || v->empty()) continue;
    char* end = nullptr;
    double d = std::strtod(v->c_str(), &end);
    if (*end != '\0') return bad("column \"" + m.columns.at(f) + "\": \"" + v->substr(0, 40) + "\" is not a number");
    loc[f] = d;
  }
  if (!loc.empty()) r["location"] = loc;
  if (auto v = col("amount"); v && !v->empty()) {
    auto dec = Decimal(*v, m.decimal_comma);
    if (!dec)
      return bad("column \"" + m.columns.at("amount") + "\": \"" + v->substr(0, 40) + "\" is not an amount" +
                 (m.decimal_comma ? "" : " (written 1.234,50? set decimal_comma)"));
    std::string currency = col("currency").value_or(m.currency);
    if (currency.empty()) currency = m.currency;
    if (currency.size() != 3) return bad("currency \"" + currency + "\" is not an ISO 4217 code such as EUR");
    r["amount"] = {{"value", *dec}, {"currency", currency}};
  }
  r["data"] = std::move(data);
  return MappedRow{std::move(r), ""};
}

}  // namespace coophub::rows
