// SPDX-License-Identifier: Apache-2.0
//
// The rss connector: one feed (RSS or Atom) as one stream of records. Fetches through
// the host (http, https, file), with conditional GET: the ETag and Last-Modified of the
// last fetch are kept in the stream's state. Built only against the plugin SDK.
#include <coophub/fetch.hpp>
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
// A feed lists its latest entries, not all there are: one missing may be old, not gone.
constexpr const char* kKeepsWhatLeft =
    "A feed lists only its latest entries, so entries that leave it are kept here, never deleted";

constexpr const char* kAccept = "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5";

coophub::feed::Feed ParseOrFail(const coophub::Fetched& f) {
  const auto& resp = f.response;
  auto parsed = coophub::feed::Parse(resp.body, resp.url.empty() ? f.url : resp.url,
                                     coophub::CharsetOf(resp.Header("content-type")));
  if (!parsed.feed) throw coophub::Failure(f.url + ": " + parsed.error);
  return std::move(*parsed.feed);
}

coophub::json ToRecord(const coophub::feed::Entry& e, const coophub::feed::Feed& f, const std::string& kind) {
  std::string id = !e.id.empty() ? e.id
                   : !e.link.empty()
                       ? e.link
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
               {"links", links},
               {"content", e.content}};
  return r;
}

class Rss : public coophub::Connector {
 public:
  void Check(coophub::Run& run) override {
    coophub::feed::FeedGlobalInit();
    coophub::Fetched f = coophub::FetchDocument(run, coophub::json(), kAccept);
    const auto& resp = f.response;
    auto parsed = coophub::feed::Parse(resp.body, resp.url.empty() ? f.url : resp.url,
                                       coophub::CharsetOf(resp.Header("content-type")));
    if (!parsed.feed && !parsed.feed_links.empty()) {  // a home page: offer the feed it names
      run.Check(false, f.url + ": " + parsed.error, {{"url", parsed.feed_links.front()}});
      return;
    }
    auto feed = ParseOrFail(f);
    run.Check(true, "found " + feed.version + " feed \"" + feed.title + "\" with " +
                        std::to_string(feed.entries.size()) + " entries at " + f.url +
                        (feed.entries.empty() ? ": " + feed.why_empty : "") +
                        (feed.encoding_note.empty() ? "" : "; " + feed.encoding_note) + ". " + kKeepsWhatLeft);
  }

  void Discover(coophub::Run& run) override { run.Stream(kStream, run.config().value("kind", "post")); }

  void Read(coophub::Run& run) override {
    coophub::feed::FeedGlobalInit();
    coophub::Fetched f = coophub::FetchDocument(run, run.state(kStream), kAccept);
    if (f.not_modified) {
      run.Log(COOPHUB_LOG_INFO, "not modified since the last fetch: " + f.url);
      run.State(kStream, f.validators);
      return;
    }
    auto feed = ParseOrFail(f);
    if (!feed.encoding_note.empty()) run.Log(COOPHUB_LOG_WARN, f.url + ": " + feed.encoding_note);
    std::string kind = run.config().value("kind", "post");
    size_t max = run.config().value("max_entries", 1000);
    size_t n = std::min(max, feed.entries.size());
    for (size_t i = 0; i < n; ++i) {
      if (!run.Record(kStream, ToRecord(feed.entries[i], feed, kind))) return;
      if (i % 100 == 99) run.Progress(static_cast<int64_t>(i + 1), static_cast<int64_t>(n));
    }
    run.Progress(static_cast<int64_t>(n), static_cast<int64_t>(n));
    run.Log(COOPHUB_LOG_INFO, kKeepsWhatLeft);
    run.State(kStream, f.validators);
  }
};

}  // namespace

COOPHUB_PLUGIN(Rss, "rss", "0.1.0", "RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 feeds", kSpec)
