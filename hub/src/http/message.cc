// SPDX-License-Identifier: Apache-2.0
// Requests, responses and the answers every handler gives; see message.h.
#include "http/message.h"

#include <algorithm>

namespace coophub {

ApiResponse EventStream(std::function<bool(std::string*)> events, std::function<bool()> ready) {
  ApiResponse resp{200, "text/event-stream", "retry: 3000\n\n"};
  if (!events(&resp.body)) return Problem(503, "Store unavailable", "the store did not answer");
  resp.headers.emplace_back("Cache-Control", "no-store");
  resp.headers.emplace_back("X-Accel-Buffering", "no");
  resp.ready = std::move(ready);
  resp.stream = std::move(events);
  return resp;
}

std::string Header(const ApiRequest& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

std::string Param(const ApiRequest& r, const std::string& name) {
  auto it = r.query.find(name);
  return it == r.query.end() ? std::string() : it->second;
}

// Checks that only known parameters were given, each at most once. On every request:
// the names are compared where they are, with nothing built unless one is wrong.
std::optional<ApiResponse> CheckParams(const ApiRequest& r, std::initializer_list<std::string_view> known) {
  for (auto it = r.query.begin(); it != r.query.end(); it = r.query.upper_bound(it->first)) {
    const std::string& k = it->first;
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      std::vector<std::string_view> names(known);
      std::sort(names.begin(), names.end());
      std::string list;
      for (auto x : names) list.append(list.empty() ? "" : ", ").append(x);
      return Problem(400, "Unknown query parameter",
                     "\"" + k.substr(0, 40) + "\" is not a parameter of " + r.path +
                         (list.empty() ? "; it takes none" : "; known: " + list));
    }
    if (r.query.count(k) > 1) return Problem(400, "Repeated query parameter", "\"" + k + "\" is given more than once");
  }
  return std::nullopt;
}

ApiResponse Problem(int status, const std::string& title, const std::string& detail) {
  json j = {{"type", "about:blank"}, {"title", title}, {"status", status}, {"detail", detail}};
  return {status, "application/problem+json", j.dump(-1, ' ', false, json::error_handler_t::replace)};
}

ApiResponse Json(int status, const json& j) {
  return {status, "application/json", j.dump(-1, ' ', false, json::error_handler_t::replace)};
}

ApiResponse FromStatus(const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalid:
      return Problem(400, "Bad request", s.message());
    case Status::Code::kNotFound:
      return Problem(404, "Not found", s.message());
    case Status::Code::kConflict:
      return Problem(409, "Conflict", s.message());
    case Status::Code::kUnavailable:
      return Problem(503, "Unavailable", s.message());
    default:
      return Problem(500, "Internal error", s.message());
  }
}

}  // namespace coophub
