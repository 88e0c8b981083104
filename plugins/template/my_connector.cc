// SPDX-License-Identifier: Apache-2.0
//
// my_connector: copy this folder, rename, and change what it reads. As it stands it
// reads a JSON API that lists items newest last, [{"id": "1", "title": "...",
// "updated": "2026-11-30T09:00:00Z"}, ...], and asks only for what changed since the
// last run (?since=CURSOR). The hub runs the plugin in a worker process; everything it
// says goes through coophub::Run. Throw coophub::Failure with a message a person can
// act on to end a run with an error. my_connector_test.cc tests it without a hub.
#include <coophub/plugin.hpp>

#include <algorithm>
#include <string>

namespace {

// The config's JSON Schema: the hub validates configs against it before a run, and the
// admin UI builds its form from it. Mark passwords and tokens "secret": true: the hub
// keeps them write-only, and recordings (coophub read --record) redact them.
constexpr const char* kSpec = R"({
  "type": "object",
  "required": ["url"],
  "additionalProperties": false,
  "properties": {
    "url": {"type": "string", "description": "the API's list of items"},
    "token": {"type": "string", "secret": true, "description": "API token, sent as a bearer token"}
  }
})";

coophub::HttpRequest Request(coophub::Run& run, const std::string& query) {
  const coophub::json& cfg = run.config();
  coophub::HttpRequest req{"GET", cfg.at("url").get<std::string>() + query};
  req.headers["Accept"] = "application/json";
  if (cfg.contains("token")) req.headers["Authorization"] = "Bearer " + cfg["token"].get<std::string>();
  return req;
}

// The answer's body as JSON, or a Failure that says what came back instead.
coophub::json Fetch(coophub::Run& run, const coophub::HttpRequest& req) {
  coophub::HttpResponse r = run.Http(req);
  if (r.status == 0) throw coophub::Failure(r.error, /*retryable=*/true);
  std::string status = "HTTP " + std::to_string(r.status) + " from " + req.url;
  if (r.status == 401 || r.status == 403)
    throw coophub::Failure(status + ": the API refused the token; check `token` in the source's config");
  if (r.status == 429 || r.status >= 500) throw coophub::Failure(status + ": the API is busy or failing", true);
  if (r.status != 200) throw coophub::Failure(status + ": check `url` in the source's config");
  coophub::json body = coophub::json::parse(r.body, nullptr, false);
  if (body.is_discarded()) throw coophub::Failure(req.url + ": the answer is not JSON; is url the API's address?");
  return body;
}

class MyConnector : public coophub::Connector {
 public:
  // Reachable? Credentials accepted? Say what to fix if not.
  void Check(coophub::Run& run) override {
    coophub::HttpRequest req = Request(run, "");
    Fetch(run, req);
    run.Check(true, "the API answers at " + req.url);
  }

  void Discover(coophub::Run& run) override { run.Stream("items", "other"); }

  void Read(coophub::Run& run) override {
    coophub::json last = run.state("items");  // null on the first run
    std::string cursor = last.is_object() ? last.value("cursor", "") : "";
    coophub::HttpRequest req = Request(run, cursor.empty() ? "" : "?since=" + cursor);
    coophub::json items = Fetch(run, req);
    if (!items.is_array()) throw coophub::Failure(req.url + ": expected a JSON array of items");
    for (const auto& item : items) {
      if (!item.is_object() || !item.contains("id")) throw coophub::Failure(req.url + ": an item has no \"id\"");
      std::string id = item["id"].is_string() ? item["id"].get<std::string>() : item["id"].dump();
      std::string updated = item.value("updated", "");
      coophub::json record = {{"id", id}, {"kind", "other"}, {"title", item.value("title", "")}};
      if (!updated.empty()) record["time"] = updated;
      if (!run.Record("items", record)) return;  // the host is stopping the run
      cursor = std::max(cursor, updated);
    }
    run.State("items", {{"cursor", cursor}});  // commits the records before it
  }
};

}  // namespace

COOPHUB_PLUGIN(MyConnector, "my_connector", "0.1.0", "Describe what it connects to", kSpec)
