// SPDX-License-Identifier: Apache-2.0
// Webhooks out, for admins: subscriptions (/api/v1/webhooks), a test event, the delivery
// log with its dead letters, and redelivery. Every change is audited.
#include "api/accounts_api.h"
#include "api/handlers.h"
#include "base/timeutil.h"
#include "notify/webhooks.h"

namespace coophub {
namespace {

ApiResponse NoHooks() { return Problem(503, "Webhooks are not running", "this hub process serves no webhooks"); }

// A path id, or nullopt when it is not a number.
std::optional<int64_t> IdOf(const std::string& p) {
  if (p.empty() || p.size() > 18 || p.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(p);
}

}  // namespace

ApiResponse ListWebhooks(const Services& hub, const ApiRequest& req, const Principal&, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.hooks) return NoHooks();
  auto hooks = hub.hooks->List();
  if (!hooks.ok()) return FromStatus(hooks.status());
  json items = json::array();
  for (const auto& h : *hooks) items.push_back(notify::WebhookJson(h));
  return Json(200, {{"items", items}});
}

ApiResponse AddWebhook(const Services& hub, const ApiRequest& req, const Principal& who, const Params&) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.hooks) return NoHooks();
  auto body = ReadJsonBody(req);
  if (!body.ok()) return Problem(400, "Bad body", body.status().message());
  auto h = notify::ParseWebhook(*body, hub.config.api_sources);
  if (!h.ok()) return Problem(400, "Bad webhook", h.status().message());
  h->secret = notify::NewWebhookSecret();
  h->from_seq = hub.store.LastSeq();  // what changes from now on
  h->created_by = who.name;
  h->created_ms = NowMs();
  auto made = hub.hooks->Add(std::move(*h));
  if (!made.ok()) return FromStatus(made.status());
  Audit(hub, who, "webhook.add", "webhook " + std::to_string(made->id), made->url);
  json out = notify::WebhookJson(*made);
  out["secret"] = made->secret;  // shown this once: the receiver verifies signatures with it
  return Json(201, out);
}

ApiResponse RemoveWebhook(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.hooks) return NoHooks();
  auto id = IdOf(p[0]);
  if (!id) return Problem(400, "Bad id", "the id is a webhook's number");
  if (Status s = hub.hooks->Remove(*id); !s.ok()) return FromStatus(s);
  Audit(hub, who, "webhook.remove", "webhook " + p[0]);
  return Json(200, {{"id", *id}, {"removed", true}});
}

// A ping, as a record.created would go, so that the receiver's setup can be checked.
ApiResponse TestWebhook(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.hooks) return NoHooks();
  auto id = IdOf(p[0]);
  if (!id) return Problem(400, "Bad id", "the id is a webhook's number");
  auto h = hub.hooks->Get(*id);
  if (!h.ok()) return FromStatus(h.status());
  int64_t now = NowMs();
  notify::HookEvent e;
  e.type = "webhook.test";
  e.key = "test." + std::to_string(now);
  e.data = {{"webhook", *id}, {"by", who.name}};
  e.line = "coophub: a test of this webhook, sent by " + who.name;
  auto queued =
      hub.hooks->Queue(*id, e.type, std::to_string(*id) + "." + e.key, notify::PayloadOf(*h, e, now / 1000), now);
  if (!queued.ok()) return FromStatus(queued.status());
  Audit(hub, who, "webhook.test", "webhook " + p[0]);
  if (hub.dispatcher) hub.dispatcher->Wake();
  return Json(202, {{"webhook", *id}, {"status", "queued"}});
}

ApiResponse ListDeliveries(const Services& hub, const ApiRequest& req, const Principal&, const Params& p) {
  if (auto bad = CheckParams(req, {"status", "limit"})) return *bad;
  if (!hub.hooks) return NoHooks();
  auto id = IdOf(p[0]);
  if (!id) return Problem(400, "Bad id", "the id is a webhook's number");
  if (auto h = hub.hooks->Get(*id); !h.ok()) return FromStatus(h.status());
  std::string status = Param(req, "status");
  if (!status.empty() && status != "queued" && status != "sending" && status != "delivered" && status != "failed")
    return Problem(400, "Bad status", "status is queued, sending, delivered or failed (the dead letters)");
  int limit = 50;
  if (std::string l = Param(req, "limit"); !l.empty()) {
    auto n = IdOf(l);
    if (!n || *n < 1 || *n > 500) return Problem(400, "Bad limit", "limit is a number from 1 to 500");
    limit = static_cast<int>(*n);
  }
  auto items = hub.hooks->Deliveries(*id, status, limit);
  if (!items.ok()) return FromStatus(items.status());
  json out = json::array();
  for (const auto& d : *items) out.push_back(notify::DeliveryJson(d));
  return Json(200, {{"items", out}});
}

ApiResponse Redeliver(const Services& hub, const ApiRequest& req, const Principal& who, const Params& p) {
  if (auto bad = CheckParams(req, {})) return *bad;
  if (!hub.hooks) return NoHooks();
  auto hook = IdOf(p[0]), id = IdOf(p[1]);
  if (!hook || !id) return Problem(400, "Bad id", "the ids are a webhook's and one of its deliveries' numbers");
  if (Status s = hub.hooks->Redeliver(*hook, *id, NowMs()); !s.ok()) {
    if (s.code() == Status::Code::kInvalid) return Problem(409, "Not failed", s.message());
    return FromStatus(s);
  }
  Audit(hub, who, "webhook.redeliver", "webhook " + p[0], "delivery " + p[1]);
  if (hub.dispatcher) hub.dispatcher->Wake();
  return Json(202, {{"id", *id}, {"status", "queued"}});
}

}  // namespace coophub
