// SPDX-License-Identifier: Apache-2.0
//
// The rss connector: one feed (RSS or Atom) as one stream of records. Fetches through
// the host (http, https, file), with conditional GET: the ETag and Last-Modified of the
// last fetch are kept in the stream's state. Built only against the plugin SDK.
#include <coophub/plugin.hpp>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "feed.h"

namespace {

constexpr const char* kSpec = R"({
  "type": "object",
  "title": "RSS / Atom feed",
  "required": ["url"],
  "additionalProperties": false,
  "properties": {
    "url": {"type": "string", "minLength": 1,
            "description": "the feed's address: https://, http://, file:// or a path relative to hub.yaml"},
    "kind": {"type": "string", "enum": ["post", "event", "resource", "message", "other"],
             "default": "post", "description": "what the entries are"},
    "max_entries": {"type": "integer", "minimum": 1, "default": 1000,
                    "description": "keep at most this many entries of one fetch"},
    "timeout_s": {"type": "integer", "minimum": 1, "maximum": 300, "default": 30},
    "auth_header": {"type": "string", "secret": true,
                    "description": "an Authorization header for a private feed, e.g. Bearer …"}
  }
})";

constexpr const char* kStream = "entries";

std::string ToUrl(const std::string& url) {
  if (url.find("://") != std::string::npos) return url;
  return "file://" + std::filesystem::absolute(url).lexically_normal().string();
}

std::string Charset(const std::string& content_type) {
  std::string lower = content_type;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  size_t p = lower.find("charset=");
  if (p == std::string::npos) return "";
  std::string cs = content_type.substr(p + 8);
  cs = cs.substr(0, cs.find(';'));
  cs.erase(std::remove(cs.begin(), cs.end(), '"'), cs.end());
  cs.erase(std::remove(cs.begin(), cs.end(), ' '), cs.end());
  return cs;
}

// Why an HTTP status ended the run, and what to do about it.
coophub::Failure HttpFailure(int status, const std::string& url) {
  std::string m = "HTTP " + std::to_string(status) + " from " + url + ": ";
  if (status == 401 || status == 403)
    return coophub::Failure(m + "the server refused access; a private feed needs auth_header");
  if (status == 404 || status == 410)
    return coophub::Failure(m + "there is no feed at this address; check the URL");
  if (status == 429 || status >= 500)
    return coophub::Failure(m + "the server is busy or failing; the hub will retry", true);
  return coophub::Failure(m + "unexpected answer");
}

struct Fetched {
  coophub::HttpResponse resp;
  std::string url;
};

Fetched Fetch(coophub::Run& run, const coophub::json& state) {
  const auto& cfg = run.config();
  coophub::HttpRequest req;
  req.url = ToUrl(cfg.at("url").get<std::string>());
  req.timeout_s = cfg.value("timeout_s", 30);
  req.headers["Accept"] = "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5";
  if (cfg.contains("auth_header")) req.headers["Authorization"] = cfg["auth_header"].get<std::string>();
  if (state.is_object() && state.value("url", "") == req.url) {
    if (state.contains("etag")) req.headers["If-None-Match"] = state["etag"].get<std::string>();
    if (state.contains("last_modified")) req.headers["If-Modified-Since"] = state["last_modified"].get<std::string>();
  }
  Fetched f{run.Http(req), req.url};
  if (f.resp.status == 0) throw coophub::Failure(f.resp.error, true);
  if (f.resp.status != 200 && f.resp.status != 304) throw HttpFailure(f.resp.status, req.url);
  return f;
}

coophub::feed::Feed ParseOrFail(const Fetched& f) {
  auto parsed = coophub::feed::Parse(f.resp.body, f.resp.url.empty() ? f.url : f.resp.url,
                                     Charset(f.resp.Header("content-type")));
  if (!parsed.feed) throw coophub::Failure(f.url + ": " + parsed.error);
  return std::move(*parsed.feed);
}

coophub::json ToRecord(const coophub::feed::Entry& e, const coophub::feed::Feed& f, const std::string& kind) {
  std::string id = !e.id.empty() ? e.id : !e.link.empty() ? e.link
                 : std::to_string(std::hash<std::string>{}(e.title + "\x1f" + e.published + "\x1f" + e.summary));
  coophub::json r = {{"id", id}, {"kind", kind}};
  if (!e.title.empty()) r["title"] = e.title;
  std::string summary = !e.summary.empty() ? e.summary : e.content;
  if (summary.size() > 1000) {
    size_t cut = 1000;
    while (cut > 0 && (static_cast<unsigned char>(summary[cut]) & 0xC0) == 0x80) --cut;
    summary = summary.substr(0, cut) + "…";
  }
  if (!summary.empty()) r["summary"] = summary;
  if (!e.link.empty()) r["url"] = e.link;
  std::string time = !e.published.empty() ? e.published : e.updated;
  if (!time.empty()) r["time"] = time;
  if (!e.updated.empty()) r["updated"] = e.updated;
  if (!e.author.empty()) r["author"] = e.author;
  if (!e.tags.empty()) r["tags"] = e.tags;
  std::string lang = !e.lang.empty() ? e.lang : f.language;
  if (!lang.empty()) r["lang"] = lang;
  coophub::json links = coophub::json::array();
  for (const auto& l : e.links) links.push_back({{"rel", l.rel}, {"href", l.href}, {"type", l.type}});
  r["data"] = {{"feed", {{"title", f.title}, {"link", f.link}, {"version", f.version}}},
               {"links", links}, {"content", e.content}};
  return r;
}

class Rss : public coophub::Connector {
 public:
  void Check(coophub::Run& run) override {
    coophub::feed::FeedGlobalInit();
    Fetched f = Fetch(run, coophub::json());
    auto feed = ParseOrFail(f);
    run.Check(true, "found " + feed.version + " feed \"" + feed.title + "\" with " +
                        std::to_string(feed.entries.size()) + " entries at " + f.url);
  }

  void Discover(coophub::Run& run) override {
    run.Stream(kStream, run.config().value("kind", "post"));
  }

  void Read(coophub::Run& run) override {
    coophub::feed::FeedGlobalInit();
    coophub::json state = run.state(kStream);
    Fetched f = Fetch(run, state);
    coophub::json next = {{"url", f.url}};
    if (std::string etag = f.resp.Header("etag"); !etag.empty()) next["etag"] = etag;
    if (std::string lm = f.resp.Header("last-modified"); !lm.empty()) next["last_modified"] = lm;
    if (f.resp.status == 304) {
      run.Log(COOPHUB_LOG_INFO, "not modified since the last fetch: " + f.url);
      run.State(kStream, state);
      return;
    }
    auto feed = ParseOrFail(f);
    std::string kind = run.config().value("kind", "post");
    size_t max = run.config().value("max_entries", 1000);
    size_t n = std::min(max, feed.entries.size());
    for (size_t i = 0; i < n; ++i) {
      if (!run.Record(kStream, ToRecord(feed.entries[i], feed, kind))) return;
      if (i % 100 == 99) run.Progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(n));
    }
    run.Progress(static_cast<int64_t>(n), static_cast<int64_t>(n));
    run.State(kStream, next);
  }
};

}  // namespace

COOPHUB_PLUGIN(Rss, "rss", "0.1.0", "RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 feeds", kSpec)
