// SPDX-License-Identifier: Apache-2.0
//
// What the http-json connector does with a checked manifest: builds each request
// (templates, auth, pagination and cursor parameters), fetches it with retries that
// honour Retry-After, finds the records in the response, maps them to coophub records,
// and follows pages until the last one or the incremental cursor. The network, the
// clock's sleep and the run log come in through Io, so tests can drive it without a
// server. One Api per run, used by one thread.
#pragma once

#include <coophub/plugin.hpp>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace coophub::httpjson {

// ${config.key}, ${item.path}, ${cursor}, ${env:NAME}, ${file:/path} in a string.
// Missing values expand to "". Throws Failure for an unknown ${...} form.
struct Scope {
  const json* config = nullptr;
  const json* item = nullptr;
  const json* cursor = nullptr;
  const json* response = nullptr;  // the whole response, for join
};
std::string Expand(const std::string& text, const Scope& scope);
// Whether ${env:} and ${file:} expand (true by default). A sandboxed run (a source made
// through the hub's API) turns them off for the whole worker, which runs one operation.
void AllowHostPlaceholders(bool allowed);
// Like Expand, over every string of a JSON value; a string that is exactly one
// placeholder becomes the value itself (a number stays a number), or null if missing.
json ExpandJson(const json& value, const Scope& scope);

// The value at "a.b[0].c" ("" is the whole document), or nullptr.
const json* GetPath(const json& doc, const std::string& path);

// Orders two cursor values: digit strings and numbers by value, RFC 3339 times by
// instant, anything else as text. <0, 0, >0.
int CompareCursor(const json& a, const json& b);

// The URL of rel="next" in an RFC 8288 Link header, or "".
std::string LinkNext(const std::string& link_header);

// Seconds a Retry-After header asks to wait (delta-seconds or an HTTP-date, against
// now_unix), or nullopt when absent or unreadable.
std::optional<double> RetryAfter(const std::string& header, int64_t now_unix);

std::string UrlEncode(const std::string& s);

// One record from one item of a response: the mapping applied, kind filled in, the
// item kept whole as data. `response` is the whole page, for fields with a join (APIs
// that side-load related objects beside the list). Throws Failure when the id is missing.
json MapRecord(const json& mapping, const json& item, const json& config, const std::string& kind,
               const json* response = nullptr);

struct Io {
  std::function<HttpResponse(const HttpRequest&)> http;
  std::function<void(double seconds)> sleep;
  std::function<void(const std::string&)> warn;
  std::function<bool()> cancelled;
  std::function<int64_t()> now;
};

class Api {
 public:
  // manifest: as CheckManifest returns it; config: the source's config.
  Api(json manifest, json config, Io io);

  // The manifest's config schema, and the first missing required field, if any.
  void CheckConfig() const;
  // The version of a full pass of the stream if this run is to make one (its manifest
  // says the stream lists all that exists, and the last full pass is older than
  // full_pass.every_s, or config.full_pass_every_s, or the credentials now see another
  // scope of it); 0 when the run reads from the cursor.
  int64_t FullPassVersion(const json& stream, const json& state) const;
  // Whether state (as ReadStream returns it) records full pass `version` as complete.
  static bool CompletedPass(const json& state, int64_t version);
  // Reads one stream from the start or from `state`; calls on_record for each record
  // (false stops the read). Returns the state to commit after the last record. With a
  // full_pass version, the cursor is not sent and nothing is skipped; the state says
  // {"full_pass": {"version": v, "at": unix}} only when every page was read.
  json ReadStream(const json& stream, const json& state, const std::function<bool(json)>& on_record,
                  int64_t full_pass = 0);
  // What `check` reports: the credentials tried where the manifest can (auth.check),
  // then the first page of the first stream.
  std::string Probe();

 private:
  struct Page;
  // with_auth_params: auth.params go along (not on auth.check's own request).
  HttpRequest BuildRequest(const json& stream, const Page& page, const json& cursor,
                           bool with_auth_params = true) const;
  // What the stream's list holds for these credentials: auth.params when they are sent,
  // else "". A cursor got under one scope says nothing of another.
  std::string ReadScope() const;
  HttpResponse Fetch(const HttpRequest& req);
  // The first request of a run goes through here: when base_url gives no API answer and
  // the manifest has a base_url_fallback, the request is made again there, and the
  // fallback kept for the run if it answers.
  std::pair<HttpRequest, HttpResponse> FetchFirst(const std::function<HttpRequest()>& build);
  bool HasCredentials() const;
  json ParseBody(const HttpResponse& resp, const std::string& url) const;
  const json& Records(const json& body, const json& stream, const std::string& url) const;
  [[noreturn]] void FailStatus(const HttpResponse& resp, const std::string& url) const;
  std::string Redact(std::string text) const;
  std::string Name() const;
  // pagination.size, or the source's config.page_size when it sets one.
  int64_t PageSize(const json& pagination) const;

  json manifest_, config_;
  Io io_;
  bool first_fetch_ = true;
  bool use_fallback_ = false;         // base_url_fallback answered where base_url did not
  std::vector<std::string> secrets_;  // expanded secret values, never shown
};

}  // namespace coophub::httpjson
