// SPDX-License-Identifier: Apache-2.0
//
// A request and its response as plain values: what the HTTP server (http_server.h) turns
// sockets into and back, and what every handler of the API takes and gives. With the
// answers every handler gives alike: problems (RFC 9457), JSON, event streams, and the
// checks of headers and query parameters. Pure, thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace coophub {

using json = nlohmann::json;

struct ApiRequest {
  std::string method = "GET";
  std::string path;
  std::multimap<std::string, std::string> query;  // decoded
  std::map<std::string, std::string> headers;     // names lower-cased
  std::string body;
  std::string remote_addr;  // the client's address, for rate limits
  bool secure = false;      // arrived over TLS
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // An answer that waits for something to happen, without holding a thread: the
  // server asks ready() (cheap, never blocks) a few times a second on its event loop.
  // - An event stream (stream set): `body` goes at once; then whenever ready() is
  //   true, stream() appends what is new to its chunk, perhaps nothing (false ends the
  //   stream). The server sends a comment line when a stream is quiet for 5 s.
  // - A long poll (finish set): once ready() is true or deadline passes, finish()
  //   gives the answer, which may wait again.
  std::function<bool()> ready;
  std::function<bool(std::string* chunk)> stream;
  std::function<ApiResponse()> finish;
  std::chrono::steady_clock::time_point deadline;
};

// An RFC 9457 problem response.
ApiResponse Problem(int status, const std::string& title, const std::string& detail);
// A JSON response; a Status as the problem it stands for (Invalid 400, NotFound 404,
// Conflict 409, Unavailable 503, else 500).
ApiResponse Json(int status, const json& j);
ApiResponse FromStatus(const Status& s);
// A stream of server-sent events. events appends what is new to a chunk (false ends
// the stream); ready says, without blocking, whether something may be new. What is
// there at once goes out with the headers.
ApiResponse EventStream(std::function<bool(std::string*)> events, std::function<bool()> ready);
// The value of a header (name lower-cased), "" when absent.
std::string Header(const ApiRequest& r, const std::string& name);
// The value of a query parameter, "" when absent.
std::string Param(const ApiRequest& r, const std::string& name);
// A 400 problem for a parameter not in known, or one given twice.
std::optional<ApiResponse> CheckParams(const ApiRequest& r, std::initializer_list<std::string_view> known);

}  // namespace coophub
