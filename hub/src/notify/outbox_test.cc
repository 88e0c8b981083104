// SPDX-License-Identifier: Apache-2.0
// The outbox on both stores: a message queued once by its key, claimed by one sender,
// due again after its lease, within the per-minute limit; retries that give up after a
// day; members' choices; the periods digests go out in.
#include "notify/outbox.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "app/hub.h"
#include "notify/digest.h"
#include "i18n/i18n.h"
#include "model/protocol.h"
#include "notify/webhooks.h"
#include "support/pg_server.h"

namespace coophub::notify {
namespace {

namespace fs = std::filesystem;

class OutboxTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "coophub-outbox-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    config_.data_dir = dir_;
    pg_ = testing::UseBackend(GetParam(), dir_, config_);
    auto opened = app::OpenHubStore(config_, 1);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened->store);
    db_ = std::move(opened->db);
    auto a = Outbox::Open(*db_), b = Outbox::Open(*db_);
    ASSERT_TRUE(a.ok() && b.ok());
    one_ = std::move(*a);
    two_ = std::move(*b);  // a second replica's, on its own connection
  }
  void TearDown() override {
    one_.reset();
    two_.reset();
    store_.reset();
    db_.reset();
    pg_.reset();
    fs::remove_all(dir_);
  }
  static Mail Message(const std::string& key, int64_t user = 7) {
    Mail m;
    m.user_id = user;
    m.kind = "digest";
    m.key = key;
    m.to = "ana@coop.example";
    m.subject = "Riverside: 3 things new";
    m.message = "Subject: x\r\n\r\nbody\r\n";
    return m;
  }

  std::string dir_;
  HubConfig config_;
  std::unique_ptr<testing::PgServer> pg_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<sql::Database> db_;
  std::unique_ptr<Outbox> one_, two_;
};

INSTANTIATE_TEST_SUITE_P(Stores, OutboxTest, testing::StoreBackends(), testing::BackendName);

constexpr int64_t kT = 1796000000000;  // ms: 2026-11-30T00:53:20Z
constexpr int64_t kLease = 5 * 60 * 1000;

TEST_P(OutboxTest, AMessageIsQueuedOnceByItsKey) {
  auto first = one_->Add(Message("digest.7.w2026-12-07"), kT).value();
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(two_->Add(Message("digest.7.w2026-12-07"), kT + 1).value()) << "queued twice";
  auto second = two_->Add(Message("digest.7.w2026-12-14"), kT + 2).value();
  ASSERT_TRUE(second.has_value());
  auto all = one_->List(0, "", 10).value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].key, "digest.7.w2026-12-14") << "newest first";
  EXPECT_EQ(all[0].id, *second);
  EXPECT_EQ(all[1].id, *first);
  EXPECT_EQ(all[0].status, "queued");
}

TEST_P(OutboxTest, OneSenderClaimsEachMessageAndADeadOnesClaimIsTakenAfterTheLease) {
  ASSERT_TRUE(one_->Add(Message("a"), kT).value());
  auto first = one_->Claim("replica-1", kT, 0, kLease).value();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->attempts, 1);
  EXPECT_EQ(first->message, "Subject: x\r\n\r\nbody\r\n");
  EXPECT_FALSE(two_->Claim("replica-2", kT + 1000, 0, kLease).value().has_value()) << "claimed twice";
  // replica-1 died mid-send: after the lease the message is due again, once.
  auto again = two_->Claim("replica-2", kT + kLease + 1, 0, kLease).value();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->attempts, 2);
  ASSERT_TRUE(two_->Sent(again->id, 250, kT + kLease + 2).ok());
  EXPECT_FALSE(one_->Claim("replica-1", kT + 10 * kLease, 0, kLease).value().has_value()) << "sent twice";
  auto listed = one_->List(7, "sent", 10).value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].code, 250);
}

TEST_P(OutboxTest, ClaimsBothReplicasRaceForGoToOneOfThem) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(one_->Add(Message("m" + std::to_string(i)), kT).value());
  std::vector<int64_t> got1, got2;
  std::thread t1([&] {
    while (auto m = one_->Claim("r1", kT, 0, kLease).value()) got1.push_back(m->id);
  });
  std::thread t2([&] {
    while (auto m = two_->Claim("r2", kT, 0, kLease).value()) got2.push_back(m->id);
  });
  t1.join();
  t2.join();
  std::set<int64_t> all(got1.begin(), got1.end());
  all.insert(got2.begin(), got2.end());
  EXPECT_EQ(all.size(), 20u);
  EXPECT_EQ(got1.size() + got2.size(), 20u) << "a message was claimed by both";
}

TEST_P(OutboxTest, NoMoreThanPerMinuteAreClaimedInAMinute) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(one_->Add(Message("m" + std::to_string(i)), kT).value());
  EXPECT_TRUE(one_->Claim("r", kT, 2, kLease).value().has_value());
  EXPECT_TRUE(two_->Claim("r2", kT + 10, 2, kLease).value().has_value());
  EXPECT_FALSE(one_->Claim("r", kT + 20, 2, kLease).value().has_value()) << "the limit counts both replicas";
  EXPECT_TRUE(one_->Claim("r", kT + 60 * 1000 + 1, 2, kLease).value().has_value()) << "a minute later it goes";
}

TEST_P(OutboxTest, AFailedAttemptWaitsThenFailsForGoodAfterADay) {
  ASSERT_TRUE(one_->Add(Message("a"), kT).value());
  auto m = one_->Claim("r", kT, 0, kLease).value();
  ASSERT_TRUE(m);
  auto next = RetryAt(m->attempts, m->created_ms, kT);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, kT + 60 * 1000);
  ASSERT_TRUE(one_->Attempted(m->id, 451, "451 try later", next, kT).ok());
  EXPECT_FALSE(one_->Claim("r", kT + 30 * 1000, 0, kLease).value()) << "before its time";
  EXPECT_EQ(one_->NextDue().value(), std::optional<int64_t>(*next));
  auto again = one_->Claim("r", *next, 0, kLease).value();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->attempts, 2);
  EXPECT_EQ(RetryAt(2, kT, *next), std::optional<int64_t>(*next + 5 * 60 * 1000));
  EXPECT_FALSE(RetryAt(9, kT, kT + 23 * 3600 * 1000)) << "a day of trying ends";
  ASSERT_TRUE(one_->Attempted(again->id, 550, "550 no such mailbox", std::nullopt, *next).ok());
  auto failed = one_->List(0, "failed", 10).value();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].error, "550 no such mailbox");
  EXPECT_EQ(failed[0].code, 550);
  // An admin sends it again.
  EXPECT_EQ(one_->Requeue(12345, kT).code(), Status::Code::kNotFound);
  ASSERT_TRUE(one_->Requeue(failed[0].id, kT + 100).ok());
  auto claimed = one_->Claim("r", kT + 100, 0, kLease).value();
  ASSERT_TRUE(claimed.has_value());
  EXPECT_EQ(one_->Requeue(claimed->id, kT + 100).code(), Status::Code::kInvalid) << "not while it is being sent";
}

TEST_P(OutboxTest, ChoicesAndWhatTheLastDigestSawAreKeptApart) {
  Prefs none = one_->GetPrefs(7).value();
  EXPECT_FALSE(none.digest);
  EXPECT_EQ(none.digest_seq, -1);
  ASSERT_TRUE(one_->DigestDone(7, 41, "w2026-12-07", 1796000000).ok());
  ASSERT_TRUE(two_->SetChoices(7, Every::kMonthly, {"offers", "sources"}, kT).ok());
  ASSERT_TRUE(two_->SetChoices(8, Every::kNever, {}, kT).ok());
  auto all = one_->AllPrefs().value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[8].digest, std::optional<Every>(Every::kNever));
  EXPECT_EQ(all[7].digest_seq, 41);
  Prefs p = one_->GetPrefs(7).value();
  EXPECT_EQ(p.digest, std::optional<Every>(Every::kMonthly));
  EXPECT_EQ(p.alerts_off, (std::set<std::string>{"offers", "sources"}));
  EXPECT_EQ(p.digest_seq, 41) << "choosing kept what the last digest saw";
  EXPECT_EQ(p.digest_period, "w2026-12-07");
  ASSERT_TRUE(one_->SetChoices(7, std::nullopt, {}, kT).ok());
  EXPECT_FALSE(one_->GetPrefs(7).value().digest);
  EXPECT_TRUE(one_->GetPrefs(7).value().alerts_off.empty());
}

TEST_P(OutboxTest, TheLinkKeyIsOneForEveryReplica) {
  std::string a = one_->LinkKey().value();
  EXPECT_GE(a.size(), 40u);
  EXPECT_EQ(two_->LinkKey().value(), a);
}

TEST_P(OutboxTest, NoticesAreListedOnceAndReadByTheirMemberAlone) {
  Notice n{0, 7, "shifts", "alert.shifts.7.12.40", "Moved: Morning round", "Mon 14 Dec", "/", kT, 0};
  EXPECT_TRUE(one_->AddNotice(n).value());
  EXPECT_FALSE(two_->AddNotice(n).value()) << "another replica raising the same alert lists nothing";
  n.key = "digest.7.w2026-12-07";
  n.kind = "digest";
  EXPECT_TRUE(one_->AddNotice(n).value());
  auto mine = one_->Notices(7, 10).value();
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].kind, "digest") << "newest first";
  EXPECT_EQ(one_->Unread(7).value(), 2);
  EXPECT_EQ(one_->MarkRead(8, mine[1].id, kT).code(), Status::Code::kNotFound) << "not another member's";
  ASSERT_TRUE(one_->MarkRead(7, mine[1].id, kT + 5).ok());
  EXPECT_EQ(one_->Unread(7).value(), 1);
  ASSERT_TRUE(one_->MarkRead(7, 0, kT + 9).ok());
  EXPECT_EQ(one_->Unread(7).value(), 0);
  EXPECT_EQ(one_->Notices(7, 10).value()[1].read_ms, kT + 5) << "read once: the first time stands";
  EXPECT_TRUE(one_->Notices(8, 10).value().empty());
}

TEST_P(OutboxTest, AMarkOnlyRisesWhicheverReplicaRaisesIt) {
  EXPECT_FALSE(one_->Mark("alerts.seq").value());
  ASSERT_TRUE(one_->Raise("alerts.seq", 40).ok());
  ASSERT_TRUE(two_->Raise("alerts.seq", 12).ok());  // a replica that read less, later
  EXPECT_EQ(one_->Mark("alerts.seq").value(), std::optional<int64_t>(40));
  ASSERT_TRUE(two_->Raise("alerts.seq", 1000).ok());
  EXPECT_EQ(one_->Mark("alerts.seq").value(), std::optional<int64_t>(1000)) << "compared as numbers, not text";
  EXPECT_EQ(one_->LinkKey().value(), two_->LinkKey().value()) << "marks live beside the link key, apart";
}

TEST_P(OutboxTest, AWebhookDeliveryGoesOnceDiesAfterADayAndIsRedelivered) {
  auto a = HookStore::Open(*db_), b = HookStore::Open(*db_);
  ASSERT_TRUE(a.ok() && b.ok());
  Webhook h;
  h.url = "https://chat.coop.example/x";
  h.events = {"record.created"};
  h.visibilities = {"public"};
  h.secret = NewWebhookSecret();
  auto made = (*a)->Add(h);
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_TRUE((*a)->Queue(made->id, "record.created", "1.record.created.4", "{}", kT).value());
  EXPECT_FALSE((*b)->Queue(made->id, "record.created", "1.record.created.4", "{}", kT).value()) << "raised twice";
  auto claimed = (*a)->Claim("one", kT, kLease).value();
  ASSERT_TRUE(claimed);
  EXPECT_FALSE((*b)->Claim("two", kT, kLease).value()) << "one sender at a time";
  ASSERT_TRUE((*a)->Attempted(claimed->id, 500, "the receiver answered HTTP 500", "down", std::nullopt, kT).ok());
  auto dead = (*a)->Deliveries(made->id, "failed", 10).value();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].response, "down");
  EXPECT_EQ((*b)->Redeliver(made->id + 1, claimed->id, kT).code(), Status::Code::kNotFound) << "not that webhook's";
  ASSERT_TRUE((*b)->Redeliver(made->id, claimed->id, kT + 10).ok());
  auto again = (*b)->Claim("two", kT + 10, kLease).value();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->created_ms, kT + 10) << "a new day of retries";
  ASSERT_TRUE((*b)->Done(again->id, 200, "ok", kT + 11).ok());
  EXPECT_EQ((*a)->Redeliver(made->id, again->id, kT + 12).code(), Status::Code::kInvalid) << "delivered already";
  ASSERT_TRUE((*a)->Remove(made->id).ok());
  EXPECT_TRUE((*a)->Deliveries(made->id, "", 10).value().empty()) << "its log goes with it";
}

// A round's members share their window's lines: each digest takes what names its
// member first, then the first eight of the money and of the rest, the others counted,
// the same as a digest made alone.
TEST_P(OutboxTest, ADigestTakesWhatNamesItsMemberFromTheSharedWindow) {
  WriteBatch b;
  b.source = "coop";
  for (int i = 0; i < 25; ++i) {
    json r = {{"id", std::to_string(i)},
              {"kind", i < 12   ? "post"
                       : i < 22 ? "transaction"
                                : "event"},
              {"title", "item " + std::to_string(i)},
              {"time", "2026-12-0" + std::to_string(1 + i % 9) + "T10:00:00Z"}};
    if (i >= 22) r["people"] = {"Ana <ana@coop.example>"};
    b.upserts.push_back(NormalizeRecord(r, "coop", "all", "public").value());
  }
  ASSERT_TRUE(store_->Write(std::move(b)).get().ok());
  Catalogs catalogs = Catalogs::Load(COOPHUB_SOURCE_DIR "/web/static/i18n");
  auto digest_of = [&](const std::string& name, DigestCache* cache) {
    DigestFor d;
    d.user = {name == "ana" ? 1 : 2, name, Role::kViewer, 0, name + "@coop.example", "en"};
    d.lang = "en";
    d.visibilities = {"public"};
    d.since_seq = 0;
    d.now = 1796700000;
    d.zone = "UTC";
    d.hub_url = "https://hub.example";
    d.cache = cache;
    auto built = BuildDigest(*store_, catalogs, d);
    EXPECT_TRUE(built.ok() && *built) << (built.ok() ? "no digest" : built.status().message());
    return built.ok() && *built ? (*built)->message.text : std::string();
  };
  DigestCache cache;
  std::string ana = digest_of("ana", &cache), bo = digest_of("bo", &cache);
  EXPECT_EQ(cache.windows.size(), 1u) << "one window, made once";
  EXPECT_EQ(ana, digest_of("ana", nullptr)) << "the same as made alone";
  EXPECT_EQ(bo, digest_of("bo", nullptr));
  EXPECT_NE(ana.find("For you\n- item 24"), std::string::npos) << ana;
  EXPECT_NE(ana.find("and 4 more"), std::string::npos) << "12 posts, 8 shown: " << ana;
  EXPECT_NE(ana.find("and 2 more"), std::string::npos) << "10 transactions, 8 shown: " << ana;
  EXPECT_EQ(bo.find("For you"), std::string::npos) << bo;
  EXPECT_NE(bo.find("and 7 more"), std::string::npos) << "the events are bo's news too: " << bo;
}

TEST(DigestPeriod, TurnsOverAtTheHourOfMondayOrTheFirstInTheCoopsZone) {
  // 2026-12-07 is a Monday. 07:59 in Paris (UTC+1) is still last week's period.
  int64_t monday_0759_paris = 1796626740;  // 2026-12-07T06:59:00Z
  EXPECT_EQ(DigestPeriod(Every::kWeekly, monday_0759_paris, "Europe/Paris", 8), "w2026-11-30");
  EXPECT_EQ(DigestPeriod(Every::kWeekly, monday_0759_paris + 60, "Europe/Paris", 8), "w2026-12-07");
  EXPECT_EQ(DigestPeriod(Every::kWeekly, monday_0759_paris + 6 * 86400, "Europe/Paris", 8), "w2026-12-07");
  EXPECT_EQ(DigestPeriod(Every::kMonthly, 1796083200 - 1, "UTC", 0), "m2026-11");  // 2026-12-01T00:00:00Z
  EXPECT_EQ(DigestPeriod(Every::kMonthly, 1796083200, "UTC", 0), "m2026-12");
  EXPECT_EQ(DigestPeriod(Every::kMonthly, 1796083200 + 3600, "America/New_York", 0), "m2026-11")
      << "still November there";
}

}  // namespace
}  // namespace coophub::notify
