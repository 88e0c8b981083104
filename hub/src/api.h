// SPDX-License-Identifier: Apache-2.0
//
// The hub's HTTP surface as plain functions: a request in, a response out, no sockets,
// so tests call it directly. http_server.cc adapts it to cpp-httplib. Routes are a
// table; errors are RFC 9457 problem+json with a detail a person can act on. Handle()
// is thread-safe and never throws.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config.h"
#include "scheduler.h"
#include "store.h"

namespace coophub {

struct ApiRequest {
  std::string method = "GET";
  std::string path;
  std::multimap<std::string, std::string> query;  // decoded
  std::map<std::string, std::string> headers;     // names lower-cased
  std::string body;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// An RFC 9457 problem response.
ApiResponse Problem(int status, const std::string& title, const std::string& detail);

class Api {
 public:
  // web_dir holds the static assets served under /static/.
  Api(Store& store, Scheduler* scheduler, const HubConfig& config, std::string web_dir);
  ApiResponse Handle(const ApiRequest& request) const noexcept;

 private:
  using Params = std::vector<std::string>;  // path parameters, in order
  using Handler = ApiResponse (Api::*)(const ApiRequest&, const Params&) const;
  struct Route {
    const char* method;
    const char* pattern;  // segments; "{}" matches one
    Handler handler;
  };
  static const std::vector<Route>& Routes();

  ApiResponse Health(const ApiRequest&, const Params&) const;
  ApiResponse ListRecords(const ApiRequest&, const Params&) const;
  ApiResponse GetRecord(const ApiRequest&, const Params&) const;
  ApiResponse ListSources(const ApiRequest&, const Params&) const;
  ApiResponse GetSource(const ApiRequest&, const Params&) const;
  ApiResponse SourceRuns(const ApiRequest&, const Params&) const;
  ApiResponse GetRun(const ApiRequest&, const Params&) const;
  ApiResponse SyncNow(const ApiRequest&, const Params&) const;
  ApiResponse Dashboard(const ApiRequest&, const Params&) const;
  ApiResponse Static(const ApiRequest&, const Params&) const;

  Result<json> SourceJson(const SourceConfig& src, const std::vector<SourceStats>& stats,
                          const std::vector<SourceLiveStatus>& live) const;
  Result<json> AllSourcesJson() const;  // every configured source, as SourceJson

  Store& store_;
  Scheduler* scheduler_;
  const HubConfig& config_;
  std::string web_dir_;
};

// The directory of web assets: the build tree's web/ or the installed share/coophub/web.
std::string DefaultWebDir();

}  // namespace coophub
