// SPDX-License-Identifier: Apache-2.0
// Atom and iCalendar output of records; see feeds.h.
#include "web/feeds.h"

#include "base/text.h"

#include "base/timeutil.h"

namespace coophub {
namespace {

std::string Str(const json& r, const char* key) {
  auto it = r.find(key);
  return it != r.end() && it->is_string() ? it->get<std::string>() : "";
}

// A tag URI (RFC 4151) that stays the same for the same record.
std::string EntryId(const json& r) {
  return "tag:coophub," + Str(r, "time").substr(0, 4) + ":" + Str(r, "source") + "/" + Str(r, "stream") + "/" +
         Str(r, "id");
}

// "2026-11-24T09:00:00Z" -> "20261124T090000Z"; "2026-11-24" -> "20261124".
std::string IcsTime(const std::string& rfc3339) {
  std::string out;
  for (char c : rfc3339)
    if (c != '-' && c != ':') out += c;
  return out;
}

// TEXT values: backslash, semicolon, comma and newlines escaped, other control
// characters (which TEXT may not hold) dropped (RFC 5545 3.3.11).
std::string IcsText(const std::string& s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\\' || c == ';' || c == ',')
      out += '\\', out += c;
    else if (c == '\n')
      out += "\\n";
    else if (u >= 0x20 && u != 0x7f)
      out += c;
    else if (c == '\t')
      out += c;
  }
  return out;
}

// A record's url, if it is one a reader can follow safely: http(s) or mailto, with no
// spaces, quotes, angle brackets or control characters (RFC 3986). Else "".
std::string SafeUri(const std::string& url) {
  bool scheme = url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0 || url.rfind("mailto:", 0) == 0;
  if (!scheme || url.size() > 4096) return "";
  for (char c : url) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '`') return "";
  }
  return url;
}

// A date as YYYY-MM-DD, or "" for anything else.
std::string IsoDate(const json& v) {
  if (!v.is_string()) return "";
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return "";
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return "";
  return s;
}

// One content line folded at 75 octets, never inside a UTF-8 sequence (RFC 5545 3.1).
void IcsLine(std::string* out, const std::string& line) {
  size_t pos = 0, width = 75;
  while (line.size() - pos > width) {
    size_t cut = pos + width;
    while (cut > pos && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    if (cut == pos) cut = pos + width;  // no character boundary (not UTF-8): cut anyway
    out->append(line, pos, cut - pos);
    *out += "\r\n ";
    pos = cut;
    width = 74;  // the leading space counts
  }
  out->append(line, pos, std::string::npos);
  *out += "\r\n";
}

}  // namespace

std::string RenderAtom(const json& records, const FeedInfo& info) {
  std::string updated = records.empty() ? FormatRfc3339(info.now) : "";
  for (const auto& r : records) updated = std::max({updated, Str(r, "updated"), Str(r, "time")});
  std::string x = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
  x += "  <id>" + XmlEscape(info.self_url) + "</id>\n  <title>" + XmlEscape(info.title) + "</title>\n";
  x += "  <updated>" + updated + "</updated>\n";
  x += "  <link rel=\"self\" href=\"" + XmlEscape(info.self_url) + "\"/>\n  <generator>coophub</generator>\n";
  for (const auto& r : records) {
    std::string time = Str(r, "time"), up = Str(r, "updated");
    x += "  <entry>\n    <id>" + XmlEscape(EntryId(r)) + "</id>\n";
    x += "    <title>" + XmlEscape(Str(r, "title").empty() ? Str(r, "id") : Str(r, "title")) + "</title>\n";
    x += "    <published>" + time + "</published>\n    <updated>" + (up.empty() ? time : up) + "</updated>\n";
    if (std::string url = SafeUri(Str(r, "url")); !url.empty())
      x += "    <link rel=\"alternate\" href=\"" + XmlEscape(url) + "\"/>\n";
    if (!Str(r, "author").empty()) x += "    <author><name>" + XmlEscape(Str(r, "author")) + "</name></author>\n";
    if (!Str(r, "summary").empty()) x += "    <summary>" + XmlEscape(Str(r, "summary")) + "</summary>\n";
    if (r.contains("tags") && r["tags"].is_array())
      for (const auto& t : r["tags"])
        if (t.is_string()) x += "    <category term=\"" + XmlEscape(t.get<std::string>()) + "\"/>\n";
    x += "  </entry>\n";
  }
  x += "</feed>\n";
  return x;
}

std::string RenderIcs(const json& records, const FeedInfo& info) {
  std::string out;
  IcsLine(&out, "BEGIN:VCALENDAR");
  IcsLine(&out, "VERSION:2.0");
  IcsLine(&out, "PRODID:-//coophub//feeds//EN");
  IcsLine(&out, "CALSCALE:GREGORIAN");
  IcsLine(&out, "X-WR-CALNAME:" + IcsText(info.title));
  std::string stamp = IcsTime(FormatRfc3339(info.now));
  for (const auto& r : records) {
    std::string time = Str(r, "time");
    if (time.empty()) continue;
    bool task = Str(r, "kind") == "task";
    const char* comp = task ? "VTODO" : "VEVENT";
    IcsLine(&out, std::string("BEGIN:") + comp);
    IcsLine(&out, "UID:" + IcsText(Str(r, "id") + "@" + Str(r, "source") + "." + Str(r, "stream")));
    IcsLine(&out, "DTSTAMP:" + stamp);
    // data is the connector's own payload: read with type checks, never trusted.
    auto data = r.find("data");
    std::string date;
    if (data != r.end() && data->is_object()) {
      auto all_day = data->find("all_day");
      if (all_day != data->end() && all_day->is_boolean() && all_day->get<bool>() && data->contains("date"))
        date = IsoDate((*data)["date"]);
    }
    std::string start_key = task ? "DUE" : "DTSTART";
    if (!date.empty()) {
      IcsLine(&out, start_key + ";VALUE=DATE:" + IcsTime(date));
      if (!task && !Str(r, "end").empty()) IcsLine(&out, "DTEND;VALUE=DATE:" + IcsTime(Str(r, "end").substr(0, 10)));
    } else {
      IcsLine(&out, start_key + ":" + IcsTime(time));
      if (!task && !Str(r, "end").empty()) IcsLine(&out, "DTEND:" + IcsTime(Str(r, "end")));
    }
    IcsLine(&out, "SUMMARY:" + IcsText(Str(r, "title")));
    if (!Str(r, "summary").empty()) IcsLine(&out, "DESCRIPTION:" + IcsText(Str(r, "summary")));
    if (std::string url = SafeUri(Str(r, "url")); !url.empty()) IcsLine(&out, "URL:" + url);
    if (r.contains("location") && r["location"].is_object() && !Str(r["location"], "name").empty())
      IcsLine(&out, "LOCATION:" + IcsText(Str(r["location"], "name")));
    if (!Str(r, "updated").empty()) IcsLine(&out, "LAST-MODIFIED:" + IcsTime(Str(r, "updated")));
    IcsLine(&out, std::string("END:") + comp);
  }
  IcsLine(&out, "END:VCALENDAR");
  return out;
}

}  // namespace coophub
