// SPDX-License-Identifier: Apache-2.0
// The rules that raise alerts, on change feed items as the store writes them: who is
// named, what counts as a change worth a message at once, and the keys that make an
// alert once; and how an alert reads in the member's language.
#include "notify/alerts.h"

#include <gtest/gtest.h>

#include "base/timeutil.h"

namespace coophub::notify {
namespace {

const int64_t kNow = *ParseRfc3339("2026-12-10T09:00:00Z");

std::vector<User> Users() {
  return {{1, "ana", Role::kViewer, 0, "ana@coop.example", "fr"},
          {2, "Bo", Role::kViewer, 0, "", "sv"},
          {3, "carla", Role::kEditor, 0, "carla@coop.example", "es"},
          {4, "dan", Role::kAdmin, 0, "dan@coop.example", "en"}};
}

json Shift(const std::string& time, const json& people, const json& data = json::object()) {
  return {{"uid", 12},        {"kind", "event"}, {"title", "Morning round"},        {"time", time},
          {"people", people}, {"data", data},    {"location", {{"name", "Gràcia"}}}};
}

json Changed(const json& record, const json& previous) {
  return {{"seq", 40}, {"op", "upsert"}, {"created", false}, {"record", record}, {"previous", previous}};
}

std::vector<int64_t> Whom(const std::vector<Alert>& alerts) {
  std::vector<int64_t> out;
  for (const auto& a : alerts) out.push_back(a.user_id);
  return out;
}

TEST(Roster, FindsMembersByTheNamesRecordsGiveThem) {
  Roster roster(Users());
  EXPECT_EQ(roster.Named(json{"Ana <ana@elsewhere.example>"}).size(), 1u) << "the name before the address";
  EXPECT_EQ(roster.Named(json{"bo@coop.example"}).size(), 1u) << "the address's local part";
  EXPECT_EQ(roster.Named(json{"BO", "bo"}).size(), 1u) << "once each, without regard to case";
  EXPECT_TRUE(roster.Named(json{"anna", "", 7}).empty());
}

TEST(ShiftAlerts, AMovedShiftAlertsThoseItNamesOnce) {
  Roster roster(Users());
  json moved =
      Changed(Shift("2026-12-14T09:00:00Z", {"ana", "Bo <bo@coop.example>", "zoe"}),
              {{"seq", 30}, {"title", "Morning round"}, {"time", "2026-12-14T08:00:00Z"}, {"place", "Gràcia"}});
  auto alerts = ShiftAlerts(moved, roster, kNow);
  EXPECT_EQ(Whom(alerts), (std::vector<int64_t>{1, 2}));
  ASSERT_FALSE(alerts.empty());
  EXPECT_EQ(alerts[0].what, "alert.moved");
  EXPECT_EQ(alerts[0].key, "alert.shifts.1.12.40");
  EXPECT_EQ(alerts[0].was, *ParseRfc3339("2026-12-14T08:00:00Z"));
  EXPECT_EQ(alerts[0].kind, "shifts");

  json place = Changed(Shift("2026-12-14T08:00:00Z", {"ana"}),
                       {{"seq", 30}, {"title", "Morning round"}, {"time", "2026-12-14T08:00:00Z"}, {"place", "Sants"}});
  ASSERT_EQ(ShiftAlerts(place, roster, kNow).size(), 1u) << "a new place is a move";
  EXPECT_EQ(ShiftAlerts(place, roster, kNow)[0].was, 0) << "the time did not change";
}

TEST(ShiftAlerts, WordsNewRecordsAndThePastAreNoAlert) {
  Roster roster(Users());
  json prev = {{"seq", 30}, {"title", "Old words"}, {"time", "2026-12-14T08:00:00Z"}, {"place", "Gràcia"}};
  EXPECT_TRUE(ShiftAlerts(Changed(Shift("2026-12-14T08:00:00Z", {"ana"}), prev), roster, kNow).empty())
      << "a new title alone waits for the digest";
  json created = Changed(Shift("2026-12-14T09:00:00Z", {"ana"}), prev);
  created["created"] = true;
  EXPECT_TRUE(ShiftAlerts(created, roster, kNow).empty());
  json past = {{"seq", 30}, {"time", "2026-12-01T08:00:00Z"}, {"place", "Gràcia"}};
  EXPECT_TRUE(ShiftAlerts(Changed(Shift("2026-12-01T09:00:00Z", {"ana"}), past), roster, kNow).empty());
  json post = Changed(Shift("2026-12-14T09:00:00Z", {"ana"}), prev);
  post["record"]["kind"] = "post";
  EXPECT_TRUE(ShiftAlerts(post, roster, kNow).empty());
  json earlier = {{"seq", 30}, {"time", "2026-12-01T08:00:00Z"}, {"place", "Gràcia"}};
  EXPECT_EQ(ShiftAlerts(Changed(Shift("2026-12-14T09:00:00Z", {"ana"}), earlier), roster, kNow).size(), 1u)
      << "moved from the past into the future";
}

TEST(ShiftAlerts, CancelledAndRemovedShiftsAlertToo) {
  Roster roster(Users());
  json prev = {{"seq", 30}, {"title", "Morning round"}, {"time", "2026-12-14T08:00:00Z"}, {"place", "Gràcia"}};
  auto cancelled =
      ShiftAlerts(Changed(Shift("2026-12-14T08:00:00Z", {"carla"}, {{"STATUS", "Cancelled"}}), prev), roster, kNow);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].what, "alert.cancelled");
  EXPECT_EQ(cancelled[0].key, "alert.shifts.3.12.cancelled") << "once, whatever changes after";

  json removed = {{"seq", 41},
                  {"op", "delete"},
                  {"source", "rota"},
                  {"stream", "rows"},
                  {"id", "Morning round"},
                  {"title", "Morning round"},
                  {"kind", "event"},
                  {"was", {{"people", {"dan"}}, {"time", "2026-12-14T08:00:00Z"}}}};
  auto gone = ShiftAlerts(removed, roster, kNow);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].user_id, 4);
  EXPECT_EQ(gone[0].what, "alert.removed");
  EXPECT_EQ(gone[0].key, "alert.shifts.4.rota/rows/Morning round.41");
  removed.erase("was");  // a delete from before the store kept whom it named
  EXPECT_TRUE(ShiftAlerts(removed, roster, kNow).empty());
}

TEST(ClosingAlerts, WithinTwoDaysToItsVotersOrToAllWhoMaySeeIt) {
  std::vector<User> users = Users();
  std::vector<const User*> readers;
  for (const auto& u : users) readers.push_back(&u);
  json decision = {{"uid", 9}, {"kind", "decision"}, {"title", "Winter budget"}, {"end", "2026-12-11T18:00:00Z"}};
  EXPECT_EQ(ClosingAlerts(decision, readers, kNow).size(), 4u);
  decision["people"] = {"ana", "dan"};
  EXPECT_EQ(Whom(ClosingAlerts(decision, readers, kNow)), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(ClosingAlerts(decision, readers, kNow)[0].key, "alert.decisions.1.9");
  decision["end"] = "2026-12-12T10:00:00Z";  // 49 hours away
  EXPECT_TRUE(ClosingAlerts(decision, readers, kNow).empty());
  decision["end"] = "2026-12-10T08:00:00Z";  // closed
  EXPECT_TRUE(ClosingAlerts(decision, readers, kNow).empty());
}

TEST(FailingAlerts, ToEditorsAndAdminsOnceAStreak) {
  auto alerts = FailingAlerts("rota", 3, 1796000000000, "rota.csv: no such file", Users());
  EXPECT_EQ(Whom(alerts), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(alerts[0].key, "alert.sources.3.rota.1796000000000");
  EXPECT_NE(FailingAlerts("rota", 4, 1796000999000, "", Users())[0].key, alerts[0].key) << "a new streak";
}

TEST(Describe, SaysWhatHappenedInTheMembersLanguage) {
  Catalogs catalogs = Catalogs::Load(COOPHUB_SOURCE_DIR "/web/static/i18n");
  Roster roster(Users());
  json moved =
      Changed(Shift("2026-12-14T09:00:00Z", {"ana"}),
              {{"seq", 30}, {"title", "Morning round"}, {"time", "2026-12-14T08:00:00Z"}, {"place", "Gràcia"}});
  Alert a = ShiftAlerts(moved, roster, kNow).at(0);
  AlertText fr = Describe(a, catalogs, "fr", "Europe/Madrid", kNow);
  EXPECT_EQ(fr.title, "Déplacé : Morning round");
  EXPECT_NE(fr.detail.find("était"), std::string::npos) << fr.detail;
  EXPECT_NE(fr.detail.find("Gràcia"), std::string::npos) << fr.detail;
  AlertText failing = Describe(FailingAlerts("rota", 3, 0, "rota.csv: no such file", Users())[0], catalogs, "sv",
                               "Europe/Stockholm", kNow);
  EXPECT_EQ(failing.title, "Källan rota misslyckades 3 gånger i rad");
  EXPECT_EQ(failing.detail, "rota.csv: no such file");

  mail::Message m =
      AlertMessage(a, fr, catalogs, "fr", "Riverside", "https://hub.example",
                   "https://hub.example/unsubscribe?u=1&k=shifts&s=x", "https://hub.example/notifications");
  EXPECT_EQ(m.subject, fr.title);
  EXPECT_NE(m.text.find("https://hub.example/"), std::string::npos);
  EXPECT_NE(m.html.find("lang=\"fr\""), std::string::npos);
  ASSERT_GE(m.headers.size(), 2u);
  EXPECT_EQ(m.headers[0].second, "<https://hub.example/unsubscribe?u=1&k=shifts&s=x>");
}

}  // namespace
}  // namespace coophub::notify
