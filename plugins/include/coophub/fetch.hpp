// SPDX-License-Identifier: Apache-2.0
//
// Fetching a document for a connector that reads files (feeds, CSV, calendars): a URL
// with https://, http:// or file://, or a path relative to hub.yaml; conditional GET
// with the ETag and Last-Modified kept in the stream's state; HTTP failures turned into
// coophub::Failure messages that say what to do. Header-only, over coophub::Run.
#ifndef COOPHUB_FETCH_HPP_
#define COOPHUB_FETCH_HPP_

#include <coophub/encoding.hpp>
#include <coophub/plugin.hpp>

#include <algorithm>
#include <filesystem>
#include <string>

namespace coophub {

struct Fetched {
  HttpResponse response;
  std::string url;            // as requested (absolute)
  bool not_modified = false;  // 304: nothing changed since the validators in state
  json validators;            // {url, etag?, last_modified?}: keep in the stream's state
};

// "feeds/news.xml" -> "file:///abs/feeds/news.xml"; URLs are left as they are.
inline std::string ToUrl(const std::string& url_or_path) {
  if (url_or_path.find("://") != std::string::npos) return url_or_path;
  return "file://" + std::filesystem::absolute(url_or_path).lexically_normal().string();
}

// The charset parameter of a Content-Type header, or "".
inline std::string CharsetOf(const std::string& content_type) {
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

// The value of an Authorization header for HTTP basic auth.
inline std::string BasicAuth(const std::string& user, const std::string& password) {
  return "Basic " + Base64Encode(user + ":" + password);
}

// Why an HTTP status ended the run, and what to do about it.
inline Failure HttpFailure(int status, const std::string& url) {
  std::string m = "HTTP " + std::to_string(status) + " from " + url + ": ";
  if (status == 401 || status == 403)
    return Failure(m + "the server refused access; a private document needs auth_header");
  if (status == 404 || status == 410) return Failure(m + "there is nothing at this address; check the URL");
  if (status == 429 || status >= 500) return Failure(m + "the server is busy or failing; the hub will retry", true);
  return Failure(m + "unexpected answer");
}

// Fetches config.url (with config.auth_header and config.timeout_s when set). Pass the
// stream's state to send its validators back; a 304 comes back as not_modified.
// Throws Failure for transport errors and for statuses other than 200 and 304.
inline Fetched FetchDocument(Run& run, const json& state, const std::string& accept = "*/*") {
  const json& cfg = run.config();
  HttpRequest req;
  req.url = ToUrl(cfg.at("url").get<std::string>());
  req.timeout_s = cfg.value("timeout_s", 30);
  req.headers["Accept"] = accept;
  if (cfg.contains("auth_header")) req.headers["Authorization"] = cfg["auth_header"].get<std::string>();
  if (state.is_object() && state.value("url", "") == req.url) {
    if (state.contains("etag")) req.headers["If-None-Match"] = state["etag"].get<std::string>();
    if (state.contains("last_modified")) req.headers["If-Modified-Since"] = state["last_modified"].get<std::string>();
  }
  Fetched f{run.Http(req), req.url, false, {{"url", req.url}}};
  if (f.response.status == 0) throw Failure(f.response.error, true);
  if (f.response.status != 200 && f.response.status != 304) throw HttpFailure(f.response.status, req.url);
  f.not_modified = f.response.status == 304;
  if (f.not_modified && state.is_object()) {
    f.validators = state;
  } else {
    if (std::string etag = f.response.Header("etag"); !etag.empty()) f.validators["etag"] = etag;
    if (std::string lm = f.response.Header("last-modified"); !lm.empty()) f.validators["last_modified"] = lm;
  }
  return f;
}

}  // namespace coophub

#endif  // COOPHUB_FETCH_HPP_
