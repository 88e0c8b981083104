// SPDX-License-Identifier: Apache-2.0
//
// Webhooks out: admins subscribe a URL to events (a record created, changed or deleted,
// a run that failed, an offer accepted), narrowed by record kind, source and the
// visibilities it may carry. Each event becomes one delivery per subscription, queued
// once by its key in the store (any replica may raise it; one claims and sends it),
// POSTed as the Standard Webhooks specification says (webhook-id, webhook-timestamp,
// webhook-signature: HMAC-SHA256 with the subscription's whsec_ secret), retried with
// backoff for 24 hours on anything but a 2xx, then kept as failed (the dead letters)
// until an admin redelivers it. The "chat" format posts {"text": one line} instead,
// which Slack- and Mattermost-compatible incoming webhooks and Matrix hookshot take.
// Every URL is reached under the outbound policy of API-made sources (public
// addresses only, unless api_sources.allow_hosts allows the host). Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "model/outbound_policy.h"
#include "model/protocol.h"
#include "notify/outbox.h"
#include "store/sql.h"
#include "store/store.h"

namespace coophub::notify {

// The events a subscription may ask for.
const std::vector<std::string>& WebhookEvents();  // record.created, record.changed, record.deleted, run.failed,
                                                  // offer.accepted

struct Webhook {
  int64_t id = 0;
  std::string url;
  std::string format = "standard";        // standard (signed JSON) or chat ({"text"})
  std::vector<std::string> events;        // of WebhookEvents()
  std::vector<std::string> kinds;         // record kinds; empty: any
  std::vector<std::string> sources;       // source ids; empty: any
  std::vector<std::string> visibilities;  // records of these only (default public)
  std::string secret;                     // whsec_ and base64 of 32 random bytes
  int64_t timeout_ms = 10000;
  bool enabled = true;
  int64_t from_seq = 0;  // record events after this change only (the feed's head when it was made)
  std::string created_by;
  int64_t created_ms = 0;
};

// {url, format, events, kinds, sources, visibilities, timeout} from the API, checked:
// Invalid names the field and what it may be. The URL is checked against policy.
Result<Webhook> ParseWebhook(const json& body, const OutboundPolicy& policy);
json WebhookJson(const Webhook& h);  // without its secret

struct Delivery {
  int64_t id = 0, hook_id = 0;
  std::string event;
  std::string key;      // unique: raised once
  std::string payload;  // the body as it goes
  std::string status;   // queued, sending, delivered, failed (a dead letter)
  int attempts = 0;
  int code = 0;          // the last HTTP status (0: no answer)
  std::string error;     // why the last attempt failed
  std::string response;  // the start of the last answer's body
  int64_t created_ms = 0, next_ms = 0, done_ms = 0;
};
json DeliveryJson(const Delivery& d);

// The Standard Webhooks signature of body: "v1," and base64 of HMAC-SHA256 keyed with
// the secret's decoded bytes over "id.timestamp.body".
std::string SignWebhook(const std::string& secret, const std::string& id, int64_t timestamp, const std::string& body);
std::string NewWebhookSecret();

// When to try a delivery again after `attempts` failed ones: 5 s, 10 s, 5 min, 30 min,
// 2 h, then every 5 h (a blip is over in seconds, an outage in hours); nullopt once it
// has been tried for 24 hours.
std::optional<int64_t> WebhookRetryAt(int attempts, int64_t created_ms, int64_t now_ms);

// An event before it is a delivery: its type, a key unique to it, its data.
struct HookEvent {
  std::string type;  // of WebhookEvents()
  std::string key;   // "record.changed.41": with the hook's id, the delivery's key
  json data;
  std::string kind, source, visibility;  // for the subscription's filter ("" for non-record events)
  int64_t at_ms = 0;                     // when it happened, if not a change (a hook made after it skips it)
  std::string line;                      // the chat format's one line
};
// The event of one change feed item, nullopt for none.
std::optional<HookEvent> RecordEvent(const json& item, const std::string& hub_url);
bool Wants(const Webhook& h, const HookEvent& e);

// The body a delivery posts.
std::string PayloadOf(const Webhook& h, const HookEvent& e, int64_t now);

// The subscriptions and deliveries in the store.
class HookStore {
 public:
  static Result<std::unique_ptr<HookStore>> Open(sql::Database& db);
  Result<Webhook> Add(Webhook h);  // given an id
  Result<std::vector<Webhook>> List();
  Result<Webhook> Get(int64_t id);  // NotFound
  Status Remove(int64_t id);        // its deliveries too; NotFound
  // Queues a delivery at once; false when one of its key is there already.
  Result<bool> Queue(int64_t hook, const std::string& event, const std::string& key, const std::string& payload,
                     int64_t now_ms);
  Result<std::optional<Delivery>> Claim(const std::string& by, int64_t now_ms, int64_t lease_ms);
  Status Done(int64_t id, int code, const std::string& response, int64_t now_ms);
  Status Attempted(int64_t id, int code, const std::string& error, const std::string& response,
                   std::optional<int64_t> next_ms, int64_t now_ms);
  // A failed (or waiting) delivery, due now with a new day of retries. NotFound; Invalid
  // when it is being sent or was delivered.
  Status Redeliver(int64_t hook, int64_t id, int64_t now_ms);
  Result<std::vector<Delivery>> Deliveries(int64_t hook, const std::string& status, int limit);
  Result<std::optional<int64_t>> NextDue();
  Result<std::optional<int64_t>> Mark(const std::string& name);  // ReadMark, RaiseMark
  Status Raise(const std::string& name, int64_t value);

 private:
  explicit HookStore(std::unique_ptr<sql::Conn> conn) : conn_(std::move(conn)) {}
  Mutex mu_;
  std::unique_ptr<sql::Conn> conn_ GUARDED_BY(mu_);
};

struct AcceptedOffer {
  int64_t offer_id = 0, request = 0;
  std::string request_title, person_id;
  int64_t accepted_ms = 0;
};

struct DispatcherSettings {
  std::string replica;
  std::string hub_url;
  OutboundPolicy policy;  // the config's api_sources
  int64_t lease_ms = 5 * 60 * 1000;
  std::function<std::vector<AcceptedOffer>()> accepted;  // unset: no matching
};

// Raises the events and sends the deliveries, on its own thread from Start.
class Dispatcher {
 public:
  Dispatcher(Store& store, HookStore& hooks, DispatcherSettings settings);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;
  void Start();
  void Wake();
  // One round of raising: returns how many deliveries were queued; errors appended.
  int Raise(int64_t now_ms, std::vector<std::string>* errors);
  int SendDue();

 private:
  void Loop();
  void Send(const Delivery& d);
  int QueueFor(const std::vector<Webhook>& hooks, const HookEvent& e, int64_t now_ms, std::vector<std::string>* errors);

  Store& store_;
  HookStore& hooks_;
  const DispatcherSettings settings_;
  Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  bool woken_ GUARDED_BY(mu_) = false;
  std::set<std::string> raised_ GUARDED_BY(mu_);  // failed runs and accepted offers seen here
  std::thread thread_;
};

}  // namespace coophub::notify
