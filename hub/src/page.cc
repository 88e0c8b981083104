// SPDX-License-Identifier: Apache-2.0
// Server-rendered dashboard HTML; see page.h.
#include "page.h"

#include "feeds.h"

#include "timeutil.h"

namespace coophub {
namespace {

// The order sections appear in.
const char* const kSections[] = {"post", "event", "decision", "task", "message", "transaction",
                                 "resource", "person", "metric", "other"};

// The words of the page in one language.
struct Words {
  const PageData& d;
  std::string operator()(const std::string& key, const std::map<std::string, std::string>& args = {}) const {
    return d.catalogs ? d.catalogs->Text(d.lang, key, args) : key;
  }
};

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "5 min ago", "in 3 days": how far t is from now.
std::string Distance(const Words& w, int64_t t, int64_t now) {
  int64_t d = t > now ? t - now : now - t;
  const char* unit = d < 3600 ? "min" : d < 86400 ? "h" : "d";
  int64_t n = d < 3600 ? d / 60 : d < 86400 ? d / 3600 : d / 86400;
  if (t <= now && d < 60) return w("ago.now");
  return w(std::string(t > now ? "in." : "ago.") + unit, {{"n", std::to_string(n)}});
}

std::string Freshness(const Words& w, const json& s, int64_t now) {
  std::string f = Str(s, "freshness");
  std::string when = Str(s, "last_success");
  std::string text = f == "never" ? w("fresh.never")
                                  : w("fresh.updated", {{"ago", Distance(w, ParseRfc3339(when).value_or(now), now)}});
  if (f == "stale" && s.contains("last_run") && s["last_run"].is_object() &&
      Str(s["last_run"], "status") == "failed")
    text += " · " + w("fresh.failed", {{"reason", Str(s["last_run"], "message")}});
  return text;
}

// "in 3 days · 2026-12-04 12:30 UTC": how far, and when in a form every language reads
// (the web code shows it with Intl in the reader's locale).
std::string When(const Words& w, int64_t t, int64_t now) {
  if (t <= now) return Distance(w, t, now);
  std::string iso = FormatRfc3339(t);
  return Distance(w, t, now) + " · " + iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC";
}

void RenderRecord(const Words& w, const json& r, int64_t now, std::string* out) {
  std::string title = Str(r, "title");
  if (title.empty()) title = w("untitled");
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
    *out += HtmlEscape(ts ? When(w, *ts, now) : t) + "</time>";
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
  Words w{d};
  std::string out = R"(<!doctype html>
<html lang=")" + HtmlEscape(d.lang) + R"("><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>coophub</title><link rel="stylesheet" href="/static/style.css"></head>
<body><header><h1>coophub</h1>
<form role="search" method="get" action="/"><label for="q" class="visually-hidden">)" +
                    HtmlEscape(w("search.label")) + R"(</label>
<input id="q" name="q" type="search" placeholder=")" + HtmlEscape(w("search.label")) + R"(" value=")" +
                    HtmlEscape(d.q) + R"("><button type="submit">)" + HtmlEscape(w("search.button")) +
                    R"(</button></form></header>
<main><section class="sources" aria-labelledby="sources-h"><h2 id="sources-h">)" +
                    HtmlEscape(w("sources.heading")) + "</h2><ul>\n";
  for (const auto& s : d.sources) {
    std::string f = Str(s, "freshness");
    out += "<li class=\"source " + HtmlEscape(f) + "\"><strong>" + HtmlEscape(Str(s, "id")) +
           "</strong> <span class=\"count\">" +
           HtmlEscape(w("sources.records", {{"n", std::to_string(s.value("records", 0))}})) +
           "</span> <span class=\"fresh\">" + HtmlEscape(Freshness(w, s, now)) + "</span></li>\n";
  }
  out += "</ul></section>\n";
  bool any = false;
  for (const char* kind : kSections) {
    auto it = d.records.find(kind);
    if (it == d.records.end() || it->second.empty()) continue;
    any = true;
    out += "<section class=\"kind kind-" + std::string(kind) + "\" aria-labelledby=\"h-" + kind + "\"><h2 id=\"h-" +
           kind + "\">" + HtmlEscape(w(std::string("kind.") + kind)) + "</h2><ul>\n";
    for (const auto& r : it->second) RenderRecord(w, r, now, &out);
    out += "</ul></section>\n";
  }
  if (!any)
    out += "<p class=\"empty\">" + HtmlEscape(d.q.empty() ? w("empty.none") : w("empty.search", {{"q", d.q}})) + "</p>";
  out += "</main><footer><a href=\"/api/v1/records\">" + HtmlEscape(w("footer.api")) + "</a>";
  if (d.catalogs) {  // a plain form: it works without JavaScript, and the choice is kept
    out += "<form class=\"lang\" method=\"get\" action=\"/\"><label for=\"lang\">" + HtmlEscape(w("language.label")) +
           "</label> <select id=\"lang\" name=\"lang\">";
    for (const auto& [code, name] : d.catalogs->Languages())
      out += "<option value=\"" + HtmlEscape(code) + "\" lang=\"" + HtmlEscape(code) + "\"" +
             (code == d.lang ? " selected" : "") + ">" + HtmlEscape(name) + "</option>";
    out += "</select> <button type=\"submit\">" + HtmlEscape(w("language.button")) + "</button></form>";
  }
  out += "</footer></body></html>\n";
  return out;
}

}  // namespace coophub
