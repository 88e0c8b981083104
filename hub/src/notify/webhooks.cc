// SPDX-License-Identifier: Apache-2.0
// Webhooks out; see webhooks.h.
#include "notify/webhooks.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <coophub/encoding.hpp>

#include "accounts/accounts.h"
#include "base/text.h"
#include "base/timeutil.h"
#include "runtime/http_client.h"

namespace coophub::notify {

const std::vector<std::string>& WebhookEvents() {
  static const std::vector<std::string> events = {"record.created", "record.changed", "record.deleted", "run.failed",
                                                  "offer.accepted"};
  return events;
}

namespace {

constexpr int64_t kPollMs = 2000;      // how often events are looked for, and what other replicas queued
constexpr int kChangePage = 1000;      // change feed items read at once
constexpr size_t kResponseKept = 500;  // bytes of an answer kept in the delivery log
constexpr int64_t kMaxAnswerBytes = 64 << 10;

bool Has(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

// A list of strings from body[field], each one allowed by ok; Invalid names the field.
Result<std::vector<std::string>> List(const json& body, const char* field,
                                      const std::function<bool(const std::string&)>& ok, const std::string& allowed) {
  std::vector<std::string> out;
  if (!body.contains(field)) return out;
  const json& v = body[field];
  if (!v.is_array()) return Status::Invalid(std::string(field) + ": must be a list of " + allowed);
  for (const auto& e : v) {
    if (!e.is_string() || !ok(e.get<std::string>()))
      return Status::Invalid(std::string(field) + ": " + e.dump().substr(0, 40) + " is not one of " + allowed);
    if (!Has(out, e.get<std::string>())) out.push_back(e.get<std::string>());
  }
  return out;
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

constexpr const char* kHookColumns =
    "SELECT id, url, format, events, kinds, sources, visibilities, secret, timeout_ms, enabled, from_seq, created_by,"
    " created_ms FROM webhooks";

Webhook HookRow(const sql::Rows& r, size_t i) {
  Webhook h;
  h.id = r.Int(i, 0);
  h.url = r.Text(i, 1);
  h.format = r.Text(i, 2);
  h.events = SplitList(r.Text(i, 3));
  h.kinds = SplitList(r.Text(i, 4));
  h.sources = SplitList(r.Text(i, 5));
  h.visibilities = SplitList(r.Text(i, 6));
  h.secret = r.Text(i, 7);
  h.timeout_ms = r.Int(i, 8);
  h.enabled = r.Int(i, 9) != 0;
  h.from_seq = r.Int(i, 10);
  h.created_by = r.Text(i, 11);
  h.created_ms = r.Int(i, 12);
  return h;
}

constexpr const char* kDeliveryColumns =
    "SELECT id, hook_id, event, dedupe, payload, status, attempts, code, error, response, created_ms, next_ms, done_ms"
    " FROM webhook_deliveries";

Delivery DeliveryRow(const sql::Rows& r, size_t i) {
  Delivery d;
  d.id = r.Int(i, 0);
  d.hook_id = r.Int(i, 1);
  d.event = r.Text(i, 2);
  d.key = r.Text(i, 3);
  d.payload = r.Text(i, 4);
  d.status = r.Text(i, 5);
  d.attempts = static_cast<int>(r.Int(i, 6));
  d.code = static_cast<int>(r.Int(i, 7));
  d.error = r.Text(i, 8);
  d.response = r.Text(i, 9);
  d.created_ms = r.Int(i, 10);
  d.next_ms = r.Int(i, 11);
  d.done_ms = r.Int(i, 12);
  return d;
}

}  // namespace

Result<Webhook> ParseWebhook(const json& body, const OutboundPolicy& policy) {
  if (!body.is_object()) return Status::Invalid("the body must be a JSON object: {url, events, ...}");
  for (const auto& [key, value] : body.items())
    if (key != "url" && key != "format" && key != "events" && key != "kinds" && key != "sources" &&
        key != "visibilities" && key != "timeout")
      return Status::Invalid("\"" + key.substr(0, 40) +
                             "\" is not a field (url, format, events, kinds, sources, visibilities, timeout)");
  Webhook h;
  h.url = Str(body, "url");
  if (h.url.rfind("https://", 0) != 0 && h.url.rfind("http://", 0) != 0)
    return Status::Invalid("url: \"" + h.url.substr(0, 80) + "\" is not an http:// or https:// address");
  if (Status s = CheckSandboxedConfig(policy, json{{"url", h.url}}, "webhook"); !s.ok()) return s;
  if (body.contains("format")) {
    h.format = Str(body, "format");
    if (h.format != "standard" && h.format != "chat")
      return Status::Invalid("format: \"" + h.format.substr(0, 40) + "\" is not standard or chat");
  }
  auto events = List(
      body, "events", [](const std::string& e) { return Has(WebhookEvents(), e); },
      "record.created, record.changed, record.deleted, run.failed, offer.accepted");
  if (!events.ok()) return events.status();
  if (events->empty()) return Status::Invalid("events: name at least one (record.created, ...)");
  h.events = *events;
  auto kinds = List(
      body, "kinds", [](const std::string& k) { return Has(RecordKinds(), k); }, "the record kinds");
  if (!kinds.ok()) return kinds.status();
  h.kinds = *kinds;
  auto sources = List(
      body, "sources", [](const std::string& s) { return IsSourceId(s); }, "source ids");
  if (!sources.ok()) return sources.status();
  h.sources = *sources;
  auto vis = List(
      body, "visibilities", [](const std::string& v) { return IsVisibility(v); }, "public, members, admins");
  if (!vis.ok()) return vis.status();
  h.visibilities = vis->empty() ? std::vector<std::string>{"public"} : *vis;  // least by default
  if (body.contains("timeout")) {
    if (!body["timeout"].is_number_integer() || body["timeout"] < 1 || body["timeout"] > 30)
      return Status::Invalid("timeout: seconds to wait for an answer, a whole number from 1 to 30");
    h.timeout_ms = body["timeout"].get<int64_t>() * 1000;
  }
  return h;
}

json WebhookJson(const Webhook& h) {
  return {{"id", h.id},
          {"url", h.url},
          {"format", h.format},
          {"events", h.events},
          {"kinds", h.kinds},
          {"sources", h.sources},
          {"visibilities", h.visibilities},
          {"timeout", h.timeout_ms / 1000},
          {"enabled", h.enabled},
          {"created_by", h.created_by},
          {"created", FormatRfc3339(h.created_ms / 1000)}};
}

json DeliveryJson(const Delivery& d) {
  auto time = [](int64_t ms) { return ms ? json(FormatRfc3339(ms / 1000)) : json(nullptr); };
  return {{"id", d.id},
          {"webhook", d.hook_id},
          {"event", d.event},
          {"key", d.key},
          {"status", d.status},
          {"attempts", d.attempts},
          {"code", d.code},
          {"error", d.error},
          {"response", d.response},
          {"created", time(d.created_ms)},
          {"next", d.status == "queued" ? time(d.next_ms) : json(nullptr)},
          {"done", time(d.done_ms)}};
}

std::string SignWebhook(const std::string& secret, const std::string& id, int64_t timestamp, const std::string& body) {
  std::string_view b64 = secret;
  if (b64.rfind("whsec_", 0) == 0) b64.remove_prefix(6);
  std::string key = Base64Decode(b64).value_or("");
  return "v1," + Base64Encode(HmacSha256(key, id + "." + std::to_string(timestamp) + "." + body));
}

std::string NewWebhookSecret() {
  std::string bytes(32, '\0');
  randombytes_buf(bytes.data(), bytes.size());
  return "whsec_" + Base64Encode(bytes);
}

std::optional<int64_t> WebhookRetryAt(int attempts, int64_t created_ms, int64_t now_ms) {
  constexpr int64_t kS = 1000, kMin = 60 * kS, kHour = 60 * kMin;
  constexpr int64_t kSteps[] = {5 * kS, 10 * kS, 5 * kMin, 30 * kMin, 2 * kHour};
  int64_t wait = attempts >= 1 && attempts <= 5 ? kSteps[attempts - 1] : 5 * kHour;
  if (now_ms + wait - created_ms > 24 * kHour) return std::nullopt;
  return now_ms + wait;
}

std::optional<HookEvent> RecordEvent(const json& item, const std::string& hub_url) {
  std::string op = Str(item, "op");
  int64_t seq = item.value("seq", int64_t{0});
  HookEvent e;
  if (op == "upsert" && item.contains("record") && item["record"].is_object()) {
    const json& rec = item["record"];
    bool created = item.value("created", false);
    e.type = created ? "record.created" : "record.changed";
    e.data = {{"record", rec}};
    if (item.contains("previous")) e.data["previous"] = item["previous"];
    e.kind = Str(rec, "kind");
    e.source = Str(rec, "source");
    e.visibility = Str(rec, "visibility");
    std::string url = Str(rec, "url");
    if (url.empty()) url = hub_url + "/api/v1/records/" + std::to_string(rec.value("uid", int64_t{0}));
    e.line =
        std::string(created ? "New " : "Changed ") + e.kind + " in " + e.source + ": " + Str(rec, "title") + " " + url;
  } else if (op == "delete") {
    e.type = "record.deleted";
    e.data = {{"source", Str(item, "source")},
              {"stream", Str(item, "stream")},
              {"id", Str(item, "id")},
              {"title", Str(item, "title")},
              {"kind", Str(item, "kind")}};
    e.kind = Str(item, "kind");
    e.source = Str(item, "source");
    e.visibility = Str(item, "visibility");
    e.line = "Removed " + e.kind + " from " + e.source + ": " + Str(item, "title");
  } else {
    return std::nullopt;
  }
  e.key = e.type + "." + std::to_string(seq);
  return e;
}

bool Wants(const Webhook& h, const HookEvent& e) {
  if (!h.enabled || !Has(h.events, e.type)) return false;
  if (e.at_ms && e.at_ms < h.created_ms) return false;  // happened before the subscription
  if (!h.sources.empty() && !Has(h.sources, e.source)) return false;
  if (e.type.rfind("record.", 0) == 0) {
    if (!h.kinds.empty() && !Has(h.kinds, e.kind)) return false;
    return Has(h.visibilities, e.visibility);
  }
  // A failed run's message and who took a request are for admins' eyes.
  return Has(h.visibilities, "admins");
}

std::string PayloadOf(const Webhook& h, const HookEvent& e, int64_t now) {
  json body = h.format == "chat" ? json{{"text", e.line}}
                                 : json{{"type", e.type}, {"timestamp", FormatRfc3339(now)}, {"data", e.data}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The store.

Result<std::unique_ptr<HookStore>> HookStore::Open(sql::Database& db) {
  auto conn = db.Connect();
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<HookStore>(new HookStore(std::move(*conn)));
}

Result<Webhook> HookStore::Add(Webhook h) {
  MutexLock lock(mu_);
  auto r = conn_->Run(
      "INSERT INTO webhooks(url, format, events, kinds, sources, visibilities, secret, timeout_ms, enabled, from_seq,"
      " created_by, created_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {h.url, h.format, JoinList(h.events), JoinList(h.kinds), JoinList(h.sources), JoinList(h.visibilities), h.secret,
       h.timeout_ms, int64_t{h.enabled ? 1 : 0}, h.from_seq, h.created_by, h.created_ms});
  if (!r.ok()) return r.status();
  h.id = r->Int(0, 0);
  return h;
}

Result<std::vector<Webhook>> HookStore::List() {
  MutexLock lock(mu_);
  auto r = conn_->Run(std::string(kHookColumns) + " ORDER BY id");
  if (!r.ok()) return r.status();
  std::vector<Webhook> out;
  for (size_t i = 0; i < r->size(); ++i) out.push_back(HookRow(*r, i));
  return out;
}

Result<Webhook> HookStore::Get(int64_t id) {
  MutexLock lock(mu_);
  auto r = conn_->Run(std::string(kHookColumns) + " WHERE id = ?", {id});
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::NotFound("no webhook " + std::to_string(id));
  return HookRow(*r, 0);
}

Status HookStore::Remove(int64_t id) {
  MutexLock lock(mu_);
  auto r = conn_->Run("DELETE FROM webhooks WHERE id = ?", {id});
  if (!r.ok()) return r.status();
  if (r->changes == 0) return Status::NotFound("no webhook " + std::to_string(id));
  return conn_->Run("DELETE FROM webhook_deliveries WHERE hook_id = ?", {id}).status();
}

Result<bool> HookStore::Queue(int64_t hook, const std::string& event, const std::string& key,
                              const std::string& payload, int64_t now_ms) {
  MutexLock lock(mu_);
  auto r = conn_->Run(
      "INSERT INTO webhook_deliveries(hook_id, event, dedupe, payload, status, next_ms, created_ms)"
      " VALUES(?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT(dedupe) DO NOTHING",
      {hook, event, key, payload, now_ms, now_ms});
  if (!r.ok()) return r.status();
  return r->changes > 0;
}

Result<std::optional<Delivery>> HookStore::Claim(const std::string& by, int64_t now_ms, int64_t lease_ms) {
  MutexLock lock(mu_);
  // As the outbox claims: one UPDATE whose WHERE is checked again on the row it locks.
  const char* kDue = "(status = 'queued' AND next_ms <= ?) OR (status = 'sending' AND claimed_ms < ?)";
  auto r = conn_->Run(std::string("UPDATE webhook_deliveries SET status = 'sending', claimed_by = ?, claimed_ms = ?,"
                                  " attempts = attempts + 1 WHERE id = (SELECT id FROM webhook_deliveries WHERE ") +
                          kDue + " ORDER BY next_ms, id LIMIT 1) AND (" + kDue +
                          ") RETURNING id, hook_id, event, dedupe, payload, status, attempts, code, error, response,"
                          " created_ms, next_ms, done_ms",
                      {by, now_ms, now_ms, now_ms - lease_ms, now_ms, now_ms - lease_ms});
  if (!r.ok()) return r.status();
  if (r->empty()) return std::optional<Delivery>();
  return std::optional<Delivery>(DeliveryRow(*r, 0));
}

Status HookStore::Done(int64_t id, int code, const std::string& response, int64_t now_ms) {
  MutexLock lock(mu_);
  return conn_
      ->Run(
          "UPDATE webhook_deliveries SET status = 'delivered', code = ?, error = '', response = ?, done_ms = ?"
          " WHERE id = ?",
          {code, response, now_ms, id})
      .status();
}

Status HookStore::Attempted(int64_t id, int code, const std::string& error, const std::string& response,
                            std::optional<int64_t> next_ms, int64_t now_ms) {
  MutexLock lock(mu_);
  return conn_
      ->Run(
          "UPDATE webhook_deliveries SET status = ?, code = ?, error = ?, response = ?, next_ms = ?, done_ms = ?"
          " WHERE id = ?",
          {next_ms ? "queued" : "failed", code, error, response, next_ms.value_or(now_ms),
           next_ms ? int64_t{0} : now_ms, id})
      .status();
}

Status HookStore::Redeliver(int64_t hook, int64_t id, int64_t now_ms) {
  MutexLock lock(mu_);
  auto r = conn_->Run(
      "UPDATE webhook_deliveries SET status = 'queued', next_ms = ?, created_ms = ?, done_ms = 0"
      " WHERE id = ? AND hook_id = ? AND status IN ('failed', 'queued')",
      {now_ms, now_ms, id, hook});
  if (!r.ok()) return r.status();
  if (r->changes > 0) return Status::Ok();
  auto there = conn_->Run("SELECT status FROM webhook_deliveries WHERE id = ? AND hook_id = ?", {id, hook});
  if (!there.ok()) return there.status();
  if (there->empty())
    return Status::NotFound("no delivery " + std::to_string(id) + " of webhook " + std::to_string(hook));
  return Status::Invalid("delivery " + std::to_string(id) + " is " + there->Text(0, 0) +
                         ": only a failed or waiting delivery is sent again");
}

Result<std::vector<Delivery>> HookStore::Deliveries(int64_t hook, const std::string& status, int limit) {
  MutexLock lock(mu_);
  std::string where = " WHERE hook_id = ?";
  std::vector<sql::Value> args = {hook};
  if (!status.empty()) {
    where += " AND status = ?";
    args.push_back(status);
  }
  args.push_back(limit);
  auto r = conn_->Run(std::string(kDeliveryColumns) + where + " ORDER BY id DESC LIMIT ?", args);
  if (!r.ok()) return r.status();
  std::vector<Delivery> out;
  for (size_t i = 0; i < r->size(); ++i) out.push_back(DeliveryRow(*r, i));
  return out;
}

Result<std::optional<int64_t>> HookStore::NextDue() {
  MutexLock lock(mu_);
  auto r = conn_->Run("SELECT MIN(next_ms) FROM webhook_deliveries WHERE status = 'queued'");
  if (!r.ok()) return r.status();
  return r->MaybeInt(0, 0);
}

Result<std::optional<int64_t>> HookStore::Mark(const std::string& name) {
  MutexLock lock(mu_);
  return ReadMark(*conn_, name);
}

Status HookStore::Raise(const std::string& name, int64_t value) {
  MutexLock lock(mu_);
  return RaiseMark(*conn_, name, value);
}

// The dispatcher.

Dispatcher::Dispatcher(Store& store, HookStore& hooks, DispatcherSettings settings)
    : store_(store), hooks_(hooks), settings_(std::move(settings)) {}

Dispatcher::~Dispatcher() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Dispatcher::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Dispatcher::Wake() {
  {
    MutexLock lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Dispatcher::Loop() {
  std::set<std::string> said;  // errors logged once while they last
  for (;;) {
    std::vector<std::string> errors;
    Raise(NowMs(), &errors);
    for (const auto& e : errors)
      if (said.insert(e).second) spdlog::warn("webhooks: {}", e);
    if (errors.empty()) said.clear();
    SendDue();
    int64_t wake = NowMs() + kPollMs;
    if (auto due = hooks_.NextDue(); due.ok() && *due) wake = std::min(wake, std::max(**due, NowMs() + 1));
    MutexLock lock(mu_);
    while (!stopping_ && !woken_ && NowMs() < wake)
      lock.WaitFor(cv_, std::chrono::milliseconds(std::max<int64_t>(1, wake - NowMs())));
    if (stopping_) return;
    woken_ = false;
  }
}

int Dispatcher::QueueFor(const std::vector<Webhook>& hooks, const HookEvent& e, int64_t now_ms,
                         std::vector<std::string>* errors) {
  int queued = 0;
  for (const auto& h : hooks) {
    if (!Wants(h, e)) continue;
    auto q = hooks_.Queue(h.id, e.type, std::to_string(h.id) + "." + e.key, PayloadOf(h, e, now_ms / 1000), now_ms);
    if (!q.ok())
      errors->push_back(e.key + ": " + q.status().message());
    else
      queued += *q;
  }
  return queued;
}

int Dispatcher::Raise(int64_t now_ms, std::vector<std::string>* errors) {
  auto hooks = hooks_.List();
  if (!hooks.ok()) {
    errors->push_back(hooks.status().message());
    return 0;
  }
  std::erase_if(*hooks, [](const Webhook& h) { return !h.enabled; });
  int queued = 0;
  int64_t head = store_.LastSeq();
  auto mark = hooks_.Mark("hooks.seq");
  if (!mark.ok()) {
    errors->push_back(mark.status().message());
    return 0;
  }
  if (!*mark || hooks->empty()) {  // nothing listens: nothing to read; begin at the head
    if (Status s = hooks_.Raise("hooks.seq", head); !s.ok()) errors->push_back(s.message());
  } else {
    size_t before = errors->size();
    // From the oldest subscription's start at the earliest: the feed says "created" of
    // what is new since the read's start, and a record older than every subscription
    // changed is a change to all of them.
    int64_t oldest = hooks->front().from_seq;
    for (const auto& h : *hooks) oldest = std::min(oldest, h.from_seq);
    int64_t after = std::max(**mark, oldest);
    while (after < head) {
      auto page = store_.ListChanges(after, {}, kChangePage);
      if (!page.ok()) {
        errors->push_back("the change feed: " + page.status().message());
        break;
      }
      for (const auto& [seq, text] : page->items) {
        auto e = RecordEvent(json::parse(text, nullptr, false), settings_.hub_url);
        if (!e) continue;
        std::vector<Webhook> newer;  // those made before this change
        for (const auto& h : *hooks)
          if (seq > h.from_seq) newer.push_back(h);
        queued += QueueFor(newer, *e, now_ms, errors);
      }
      if (page->count == 0) break;
      after = page->last_seq;
      if (page->count < kChangePage) break;
    }
    if (errors->size() == before)
      if (Status s = hooks_.Raise("hooks.seq", std::max(after, head)); !s.ok()) errors->push_back(s.message());
  }
  if (hooks->empty()) return queued;

  // Runs that failed: the last of each source, once.
  auto runs = store_.LatestRuns();
  if (!runs.ok()) {
    errors->push_back("the runs: " + runs.status().message());
  } else {
    for (const auto& [source, r] : *runs) {
      if (r.last.status != "failed") continue;
      HookEvent e;
      e.type = "run.failed";
      e.key = "run.failed." + std::to_string(r.last.id);
      {
        MutexLock lock(mu_);
        if (raised_.count(e.key)) continue;
      }
      e.source = source;
      e.at_ms = r.last.finished_ms;
      e.data = {{"source", source},
                {"run", r.last.id},
                {"message", r.last.message},
                {"failures", r.failures},
                {"finished", FormatRfc3339(r.last.finished_ms / 1000)}};
      e.line = "Sync of " + source + " failed (" + std::to_string(r.failures) +
               " in a row): " + Utf8Prefix(r.last.message, 200) + " " + settings_.hub_url + "/admin";
      size_t before = errors->size();
      queued += QueueFor(*hooks, e, now_ms, errors);
      if (errors->size() == before) {
        MutexLock lock(mu_);
        raised_.insert(e.key);
      }
    }
  }
  // Offers accepted: who took which request.
  if (settings_.accepted) {
    for (const auto& a : settings_.accepted()) {
      HookEvent e;
      e.type = "offer.accepted";
      e.key = "offer.accepted." + std::to_string(a.offer_id);
      {
        MutexLock lock(mu_);
        if (raised_.count(e.key)) continue;
      }
      e.at_ms = a.accepted_ms;
      e.data = {{"offer", a.offer_id},
                {"request", a.request},
                {"title", a.request_title},
                {"person", a.person_id},
                {"accepted", FormatRfc3339(a.accepted_ms / 1000)}};
      e.line = "Accepted: " + a.request_title + " (by " + a.person_id + ") " + settings_.hub_url + "/admin";
      size_t before = errors->size();
      queued += QueueFor(*hooks, e, now_ms, errors);
      if (errors->size() == before) {
        MutexLock lock(mu_);
        raised_.insert(e.key);
      }
    }
  }
  return queued;
}

int Dispatcher::SendDue() {
  int sent = 0;
  for (;;) {
    {
      MutexLock lock(mu_);
      if (stopping_) return sent;
    }
    auto d = hooks_.Claim(settings_.replica, NowMs(), settings_.lease_ms);
    if (!d.ok() || !*d) return sent;
    Send(**d);
    ++sent;
  }
}

void Dispatcher::Send(const Delivery& d) {
  auto hook = hooks_.Get(d.hook_id);
  if (!hook.ok()) {
    (void)hooks_.Attempted(d.id, 0, "the webhook is gone: " + hook.status().message(), "", std::nullopt, NowMs());
    return;
  }
  // The same id on every attempt (receivers drop what they saw); a new time and signature.
  std::string id = "msg_" + d.key;
  std::replace(id.begin(), id.end(), '.', '_');
  int64_t ts = NowUnix();
  HttpFetchRequest req;
  req.method = "POST";
  req.url = hook->url;
  req.body = d.payload;
  req.timeout_ms = hook->timeout_ms;
  req.max_body_bytes = kMaxAnswerBytes;
  req.policy = &settings_.policy;
  req.headers = {{"Content-Type", "application/json"},
                 {"User-Agent", "coophub-webhooks"},
                 {"webhook-id", id},
                 {"webhook-timestamp", std::to_string(ts)},
                 {"webhook-signature", SignWebhook(hook->secret, id, ts, d.payload)}};
  HttpFetchResponse r = HttpFetch(req);
  int64_t now = NowMs();
  std::string answer = Utf8Prefix(r.body, kResponseKept);
  Status s;
  if (r.status >= 200 && r.status < 300) {
    s = hooks_.Done(d.id, r.status, answer, now);
  } else {
    std::string why = r.status ? "the receiver answered HTTP " + std::to_string(r.status) : r.error;
    auto next = WebhookRetryAt(d.attempts, d.created_ms, now);
    spdlog::warn("webhooks: delivery {} to webhook {} (attempt {}) failed{}: {}", d.id, d.hook_id, d.attempts,
                 next ? ", trying again later" : " for good", why);
    s = hooks_.Attempted(d.id, r.status, why, answer, next, now);
  }
  if (!s.ok()) spdlog::warn("webhooks: what came of delivery {} was not kept: {}", d.id, s.message());
}

}  // namespace coophub::notify
