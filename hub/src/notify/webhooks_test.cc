// SPDX-License-Identifier: Apache-2.0
// Webhooks out: the Standard Webhooks signature against the specification's own example,
// what a subscription may ask for and receive, and the retry schedule's day.
#include "notify/webhooks.h"

#include <gtest/gtest.h>

namespace coophub::notify {
namespace {

TEST(SignWebhook, MatchesTheSpecificationsExample) {
  // The example of the Standard Webhooks reference libraries' tests.
  EXPECT_EQ(SignWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                        R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  EXPECT_NE(SignWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331,
                        R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
      << "the timestamp is signed";
  std::string secret = NewWebhookSecret();
  EXPECT_EQ(secret.rfind("whsec_", 0), 0u);
  EXPECT_EQ(secret.size(), 6u + 44u) << "32 random bytes in base64";
  EXPECT_NE(NewWebhookSecret(), secret);
}

TEST(ParseWebhook, NamesWhatIsWrongAndDefaultsToTheLeast) {
  OutboundPolicy policy{.sandboxed = true};
  auto h = ParseWebhook(json{{"url", "https://chat.coop.example/hooks/x"}, {"events", {"record.created"}}}, policy);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(h->visibilities, std::vector<std::string>{"public"}) << "public records only, unless asked";
  EXPECT_EQ(h->format, "standard");
  EXPECT_EQ(h->timeout_ms, 10000);
  struct Case {
    json body;
    const char* says;
  } cases[] = {
      {json{{"url", "ftp://x"}, {"events", {"record.created"}}}, "url:"},
      {json{{"url", "https://x.example"}, {"events", json::array()}}, "events: name at least one"},
      {json{{"url", "https://x.example"}, {"events", {"record.eaten"}}}, "events: \"record.eaten\""},
      {json{{"url", "https://x.example"}, {"events", {"run.failed"}}, {"kinds", {"party"}}}, "kinds:"},
      {json{{"url", "https://x.example"}, {"events", {"run.failed"}}, {"visibilities", {"everyone"}}}, "visibilities:"},
      {json{{"url", "https://x.example"}, {"events", {"run.failed"}}, {"format", "xml"}}, "format:"},
      {json{{"url", "https://x.example"}, {"events", {"run.failed"}}, {"timeout", 90}}, "timeout:"},
      {json{{"url", "https://x.example"}, {"events", {"run.failed"}}, {"secret", "mine"}}, "\"secret\" is not a field"},
  };
  for (const auto& c : cases) {
    auto bad = ParseWebhook(c.body, policy);
    ASSERT_FALSE(bad.ok()) << c.body.dump();
    EXPECT_NE(bad.status().message().find(c.says), std::string::npos) << bad.status().message();
  }
}

TEST(Wants, ByEventKindSourceVisibilityAndTime) {
  Webhook h;
  h.events = {"record.changed", "run.failed"};
  h.kinds = {"event"};
  h.visibilities = {"public", "members"};
  h.created_ms = 1000;
  json item = {{"seq", 9},
               {"op", "upsert"},
               {"created", false},
               {"record", {{"uid", 4}, {"kind", "event"}, {"source", "rota"}, {"visibility", "members"}}}};
  auto e = RecordEvent(item, "https://hub.example");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "record.changed");
  EXPECT_EQ(e->key, "record.changed.9");
  EXPECT_TRUE(Wants(h, *e));
  e->visibility = "admins";
  EXPECT_FALSE(Wants(h, *e)) << "records it may not carry";
  e->visibility = "members";
  e->kind = "post";
  EXPECT_FALSE(Wants(h, *e));
  e->kind = "event";
  h.sources = {"ledger"};
  EXPECT_FALSE(Wants(h, *e));
  h.sources.clear();
  HookEvent failed{"run.failed", "run.failed.7", json::object(), "", "rota", "", 2000, ""};
  EXPECT_FALSE(Wants(h, failed)) << "a run's message is for a subscription that may carry admins' records";
  h.visibilities.push_back("admins");
  EXPECT_TRUE(Wants(h, failed));
  failed.at_ms = 500;
  EXPECT_FALSE(Wants(h, failed)) << "it failed before the subscription was made";
  h.format = "chat";
  EXPECT_EQ(json::parse(PayloadOf(h, *e, 0)).begin().key(), "text");
}

TEST(WebhookRetryAt, BacksOffForADayThenGivesUp) {
  const int64_t t0 = 1'000'000'000;
  EXPECT_EQ(WebhookRetryAt(1, t0, t0), t0 + 5000);
  EXPECT_EQ(WebhookRetryAt(2, t0, t0 + 5000), t0 + 15000);
  EXPECT_EQ(WebhookRetryAt(6, t0, t0 + 3600000), t0 + 3600000 + 5 * 3600000);
  EXPECT_FALSE(WebhookRetryAt(7, t0, t0 + 20 * 3600000)) << "past 24 hours: a dead letter";
}

}  // namespace
}  // namespace coophub::notify
