// SPDX-License-Identifier: Apache-2.0
// Server-rendered dashboard HTML; see page.h.
#include "page.h"

#include "feeds.h"

#include "timeutil.h"

namespace coophub {
namespace {

struct KindSection {
  const char* kind;
  const char* heading;
};

// The order sections appear in, and what a person calls them.
const KindSection kSections[] = {
    {"post", "News"},           {"event", "Events"},     {"decision", "Decisions"},
    {"task", "Tasks"},          {"message", "Messages"}, {"transaction", "Money"},
    {"resource", "Resources"},  {"person", "People"},    {"metric", "Metrics"},
    {"other", "Other"},
};

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string Freshness(const json& s, int64_t now) {
  std::string f = Str(s, "freshness");
  std::string when = Str(s, "last_success");
  std::string text = f == "never" ? "not synced yet"
                                  : "updated " + Ago(ParseRfc3339(when).value_or(now), now);
  if (f == "stale" && s.contains("last_run") && s["last_run"].is_object() &&
      Str(s["last_run"], "status") == "failed")
    text += " · last sync failed: " + Str(s["last_run"], "message");
  return text;
}

// "Fri 4 Dec, 12:30 UTC" for an instant (the dashboard localises this later).
std::string Readable(int64_t t) {
  static const char* kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // 1970-01-01 was a Thursday
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::string iso = FormatRfc3339(t);  // YYYY-MM-DDTHH:MM:SSZ
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int day = std::stoi(iso.substr(8, 2)), month = std::stoi(iso.substr(5, 2));
  return std::string(kDays[((days % 7) + 7) % 7]) + " " + std::to_string(day) + " " + kMonths[month - 1] + ", " +
         iso.substr(11, 5) + " UTC";
}

std::string When(int64_t t, int64_t now) {
  if (t <= now) return Ago(t, now);
  int64_t d = t - now;
  std::string in = d < 3600 ? std::to_string(d / 60) + " min" : d < 86400 ? std::to_string(d / 3600) + " h"
                                                                          : std::to_string(d / 86400) + " d";
  return "in " + in + " · " + Readable(t);
}

// Events read as an agenda: upcoming ones soonest first, then the past, newest first.
std::vector<json> AgendaOrder(const std::vector<json>& newest_first, int64_t now) {
  std::vector<json> upcoming, past;
  for (const auto& r : newest_first) {
    auto t = ParseRfc3339(Str(r, "time"));
    (t && *t >= now ? upcoming : past).push_back(r);
  }
  std::vector<json> out(upcoming.rbegin(), upcoming.rend());
  out.insert(out.end(), past.begin(), past.end());
  return out;
}

void RenderRecord(const json& r, int64_t now, std::string* out) {
  std::string title = Str(r, "title");
  if (title.empty()) title = "(untitled)";
  std::string url = Str(r, "url");
  bool safe_url = url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
  *out += "<li class=\"record\"><div class=\"title\">";
  if (safe_url) *out += "<a href=\"" + HtmlEscape(url) + "\" rel=\"noopener\">" + HtmlEscape(title) + "</a>";
  else *out += HtmlEscape(title);
  *out += "</div><div class=\"meta\"><span class=\"source\">" + HtmlEscape(Str(r, "source")) + "</span>";
  std::string t = Str(r, "time");
  if (!t.empty()) {
    *out += " · <time datetime=\"" + HtmlEscape(t) + "\">";
    auto ts = ParseRfc3339(t);
    *out += HtmlEscape(ts ? When(*ts, now) : t) + "</time>";
  }
  std::string author = Str(r, "author");
  if (!author.empty()) *out += " · " + HtmlEscape(author);
  *out += "</div>";
  std::string summary = Str(r, "summary");
  if (summary.size() > 280) {
    size_t cut = 280;
    while (cut > 0 && (static_cast<unsigned char>(summary[cut]) & 0xC0) == 0x80) --cut;
    summary = summary.substr(0, cut) + "…";
  }
  if (!summary.empty()) *out += "<p class=\"summary\">" + HtmlEscape(summary) + "</p>";
  *out += "</li>\n";
}

}  // namespace

std::string HtmlEscape(const std::string& s) { return XmlEscape(s); }  // the same five, for HTML

std::string RenderDashboard(const PageData& d) {
  int64_t now = NowUnix();
  std::string out = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>coophub</title><link rel="stylesheet" href="/static/style.css"></head>
<body><header><h1>coophub</h1>
<form role="search" method="get" action="/"><label for="q" class="visually-hidden">Search every tool</label>
<input id="q" name="q" type="search" placeholder="Search every tool" value=")" +
                    HtmlEscape(d.q) + R"("><button type="submit">Search</button></form></header>
<main><section class="sources" aria-labelledby="sources-h"><h2 id="sources-h">Sources</h2><ul>
)";
  for (const auto& s : d.sources) {
    std::string f = Str(s, "freshness");
    out += "<li class=\"source " + HtmlEscape(f) + "\"><strong>" + HtmlEscape(Str(s, "id")) +
           "</strong> <span class=\"count\">" + std::to_string(s.value("records", 0)) +
           " records</span> <span class=\"fresh\">" + HtmlEscape(Freshness(s, now)) + "</span></li>\n";
  }
  out += "</ul></section>\n";
  bool any = false;
  for (const auto& sec : kSections) {
    auto it = d.records.find(sec.kind);
    if (it == d.records.end() || it->second.empty()) continue;
    any = true;
    out += "<section class=\"kind kind-" + std::string(sec.kind) + "\" aria-labelledby=\"h-" + sec.kind +
           "\"><h2 id=\"h-" + sec.kind + "\">" + sec.heading + "</h2><ul>\n";
    const std::vector<json> items = std::string(sec.kind) == "event" ? AgendaOrder(it->second, now) : it->second;
    for (const auto& r : items) RenderRecord(r, now, &out);
    out += "</ul></section>\n";
  }
  if (!any)
    out += d.q.empty() ? "<p class=\"empty\">Nothing here yet: the sources above have not brought any records. "
                         "The first sync runs when the hub starts.</p>"
                       : "<p class=\"empty\">Nothing matches “" + HtmlEscape(d.q) + "”.</p>";
  out += "</main><footer><a href=\"/api/v1/records\">API</a></footer></body></html>\n";
  return out;
}

}  // namespace coophub
