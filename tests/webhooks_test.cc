// SPDX-License-Identifier: Apache-2.0
//
// Webhooks out, to a receiver served by the test on 127.0.0.1: every request's
// Standard Webhooks signature checked with libsodium (not with the hub's own code); a
// 500 and then a timeout are retried under the same webhook-id until a 200; the chat
// format posts one line; a URL the outbound policy refuses never gets a request and its
// delivery says why, for an admin to redeliver.
#include <gtest/gtest.h>
#include <sodium.h>

#include <atomic>
#include <map>
#include <mutex>

#include "base/timeutil.h"
#include "support/hub_process.h"
#include "support/local_server.h"

namespace coophub {
namespace {

using testing::Hub;
using testing::TempDir;

struct Received {
  std::string path, id, timestamp, signature, body;
};

// The receiver's own check, as the specification writes it: base64 of HMAC-SHA256 keyed
// with the secret's decoded bytes, over "id.timestamp.body".
bool Verified(const std::string& secret, const Received& r) {
  std::string b64 = secret.substr(6);  // after whsec_
  unsigned char key[64];
  size_t key_len = 0;
  if (sodium_base642bin(key, sizeof key, b64.data(), b64.size(), nullptr, &key_len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0)
    return false;
  std::string signed_text = r.id + "." + r.timestamp + "." + r.body;
  crypto_auth_hmacsha256_state st;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&st, key, key_len);
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size());
  crypto_auth_hmacsha256_final(&st, mac);
  char out[sodium_base64_ENCODED_LEN(sizeof mac, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(out, sizeof out, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
  return r.signature == std::string("v1,") + out;
}

class WebhooksTest : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Stores, WebhooksTest, testing::StoreBackends(), testing::BackendName);

TEST_P(WebhooksTest, SignedDeliveriesAreRetriedAfterA500AndATimeoutUntilTheyArrive) {
  std::mutex mu;
  std::vector<Received> got;
  std::string hard;  // the first webhook-id seen: answered 500, then too late, then 200
  std::map<std::string, int> tries;
  testing::LocalServer receiver([&](httplib::Server& s) {
    auto take = [&](const httplib::Request& req, httplib::Response& res) {
      Received r{req.path, req.get_header_value("webhook-id"), req.get_header_value("webhook-timestamp"),
                 req.get_header_value("webhook-signature"), req.body};
      int n;
      {
        std::lock_guard<std::mutex> lock(mu);
        got.push_back(r);
        if (hard.empty() && req.path == "/hook") hard = r.id;
        n = ++tries[r.id];
      }
      if (r.id == hard && n == 1) {
        res.status = 500;
        res.set_content("receiver down", "text/plain");
        return;
      }
      if (r.id == hard && n == 2) {  // a receiver slower than the hook's timeout (1 s)
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      }
      res.set_content("thanks", "text/plain");
    };
    s.Post("/hook", take);
    s.Post("/chat", take);
  });
  // A receiver the policy does not allow: loopback, but not the allowed 127.0.0.1.
  std::atomic<int> elsewhere{0};
  testing::LocalServer outside([&](httplib::Server& s) { s.Post("/hook", [&](const auto&, auto&) { ++elsewhere; }); },
                               "127.0.0.2");
  TempDir dir;
  auto at = [](int days) { return FormatRfc3339((NowUnix() / 86400 + days) * 86400 + 8 * 3600); };
  dir.Write("rota.csv", "Shift,Starts\nMorning round," + at(2) + "\nNight watch," + at(3) + "\n");
  std::string config =
      dir.Write("hub.yaml",
                "api_sources: {allow_hosts: [127.0.0.1]}\nsources:\n  - id: rota\n    plugin: csv\n    every: 1d\n"
                "    visibility: public\n"
                "    config: {url: \"file://" +
                    dir.path() +
                    "/rota.csv\", kind: event, columns: {id: Shift, title: Shift, time: Starts}}\n"
                    "  - id: ledger\n    plugin: csv\n    every: 1d\n    config: {url: \"file://" +
                    dir.path() + "/missing.csv\"}\n");
  Hub hub(config, dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  hub.WaitForRun("rota");

  testing::Http made =
      hub.Post("/api/v1/webhooks", json{{"url", receiver.Url("/hook")},
                                        {"events", {"record.created", "record.changed", "record.deleted"}},
                                        {"kinds", {"event"}},
                                        {"timeout", 1}}
                                       .dump());
  ASSERT_EQ(made.status, 201) << made.body;
  std::string secret = made.Json()["secret"];
  ASSERT_EQ(secret.rfind("whsec_", 0), 0u);
  int64_t hook = made.Json()["id"];
  EXPECT_EQ(hub.Get("/api/v1/webhooks").body.find(secret), std::string::npos) << "the secret is shown once";
  testing::Http chat = hub.Post("/api/v1/webhooks", json{{"url", receiver.Url("/chat")},
                                                         {"format", "chat"},
                                                         {"events", {"record.created", "run.failed"}},
                                                         {"visibilities", {"public", "admins"}}}
                                                        .dump());
  ASSERT_EQ(chat.status, 201) << chat.body;
  // 127.0.0.2 is loopback too, and not allowed: the policy refuses it at connection.
  testing::Http refused =
      hub.Post("/api/v1/webhooks", json{{"url", outside.Url("/hook")}, {"events", {"record.created"}}}.dump());
  ASSERT_EQ(refused.status, 201) << refused.body;
  EXPECT_EQ(hub.Post("/api/v1/webhooks", json{{"url", "ftp://x"}, {"events", {"record.created"}}}.dump()).status, 400);
  EXPECT_EQ(hub.Post("/api/v1/webhooks", json{{"url", receiver.Url("/")}, {"events", {"record.eaten"}}}.dump()).status,
            400);

  // A shift added, one moved, one taken off: three events for /hook, one line for /chat;
  // and the ledger fails again, now that a webhook listens.
  ASSERT_EQ(hub.Post("/api/v1/sources/ledger/sync").status, 202);
  dir.Write("rota.csv", "Shift,Starts\nMorning round," + at(4) + "\nHall cleaning," + at(5) + "\n");
  ASSERT_EQ(hub.Post("/api/v1/sources/rota/sync").status, 202);
  hub.WaitForRun("rota", 2);
  auto seen = [&](const std::string& path) {
    std::lock_guard<std::mutex> lock(mu);
    std::set<std::string> ids;
    for (const auto& r : got)
      if (r.path == path) ids.insert(r.id);
    return ids.size();
  };
  testing::WaitFor("three events at /hook, the hard one on its third try", 60, [&] {
    if (seen("/hook") != 3) return false;
    std::lock_guard<std::mutex> lock(mu);
    return !hard.empty() && tries[hard] >= 3;
  });
  testing::WaitFor("the chat lines", 30, [&] { return seen("/chat") >= 2; });
  std::unique_lock<std::mutex> lock(mu);
  std::set<std::string> types;
  for (const auto& r : got) {
    if (r.path != "/hook") continue;
    EXPECT_TRUE(Verified(secret, r)) << r.id << " " << r.signature;
    EXPECT_LE(std::abs(NowUnix() - std::stoll(r.timestamp)), 120) << "a current timestamp";
    json body = json::parse(r.body);
    types.insert(body["type"].get<std::string>());
    EXPECT_EQ(body["data"].contains("record") || body["data"].contains("id"), true) << r.body;
  }
  EXPECT_EQ(types, (std::set<std::string>{"record.created", "record.changed", "record.deleted"}));
  EXPECT_EQ(tries[hard], 3) << "a 500, a timeout, a 200: three tries of the same webhook-id";
  Received wrong = got.front();
  wrong.body += " ";
  EXPECT_FALSE(Verified(secret, wrong)) << "the check can fail";
  std::vector<std::string> lines;
  for (const auto& r : got)
    if (r.path == "/chat") lines.push_back(json::parse(r.body)["text"]);
  std::sort(lines.begin(), lines.end());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("New event in rota: Hall cleaning", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("Sync of ledger failed", 0), 0u) << lines[1];

  lock.unlock();  // the receiver may still be called: it must not wait on the test

  // The delivery log: the hard one delivered on its third attempt, with why it failed before.
  json log = hub.Get("/api/v1/webhooks/" + std::to_string(hook) + "/deliveries").Json();
  ASSERT_EQ(log["items"].size(), 3u) << log.dump();
  int delivered_third = 0;
  for (const auto& d : log["items"]) {
    EXPECT_EQ(d["status"], "delivered") << d.dump();
    EXPECT_EQ(d["response"], "thanks");
    delivered_third += d["attempts"] == 3;
  }
  EXPECT_EQ(delivered_third, 1) << log.dump();
  int64_t refused_id = refused.Json()["id"];
  json waiting;
  testing::WaitFor("the refused delivery's first attempt", 30, [&] {
    waiting = hub.Get("/api/v1/webhooks/" + std::to_string(refused_id) + "/deliveries").Json();
    return !waiting["items"].empty() && waiting["items"][0]["attempts"] >= 1;
  });
  json d = waiting["items"][0];
  EXPECT_NE(d["error"].get<std::string>().find("127.0.0.2"), std::string::npos) << d.dump();
  EXPECT_NE(d["status"], "delivered");
  EXPECT_EQ(elsewhere.load(), 0) << "the refused address got no request";
  EXPECT_EQ(hub.Post("/api/v1/webhooks/" + std::to_string(refused_id) + "/deliveries/" +
                     std::to_string(d["id"].get<int64_t>()) + "/redeliver")
                .status,
            202);
  EXPECT_EQ(hub.Post("/api/v1/webhooks/" + std::to_string(hook) + "/deliveries/" +
                     std::to_string(log["items"][0]["id"].get<int64_t>()) + "/redeliver")
                .status,
            409)
      << "a delivered one is not sent again";
  EXPECT_NE(hub.Get("/api/v1/audit").body.find("webhook.add"), std::string::npos);
  EXPECT_EQ(hub.Call("DELETE", "/api/v1/webhooks/" + std::to_string(refused_id)).status, 200);
}

}  // namespace
}  // namespace coophub
