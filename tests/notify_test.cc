// SPDX-License-Identifier: Apache-2.0
//
// Digests through a real SMTP server (tests/support/smtp_sink.py on Debian's aiosmtpd):
// members who looked at the dashboard get, in their own language, what changed since,
// with a one-click unsubscribe that works; nothing is sent twice in a period; a server
// that says "try later" is tried again, one that refuses is shown to admins; and a
// queue left by a killed hub is sent by the next one, once.
#include <gtest/gtest.h>

#include <regex>

#include "base/timeutil.h"
#include "support/hub_process.h"
#include "support/smtp_server.h"

namespace coophub {
namespace {

using testing::Hub;
using testing::SmtpServer;
using testing::TempDir;
using testing::Unbase64;

std::string Config(const TempDir& dir, int smtp_port) {
  return "mail:\n  smtp_url: smtp://127.0.0.1:" + std::to_string(smtp_port) +
         "\n  from: hub@riverside.example\n  from_name: Riverside co-op\n  starttls: off\n"
         "  hub_url: https://hub.riverside.example\n"
         "sources:\n  - id: rota\n    plugin: csv\n    every: 1d\n    visibility: members\n    config: {url: "
         "\"file://" +
         dir.path() + "/rota.csv\", kind: event, columns: {id: Shift, title: Shift, time: Starts}}\n";
}

struct Member {
  std::string name, lang, email;
  std::map<std::string, std::string> session;  // Cookie, X-CSRF-Token
};

// Made by the admin with an address, signed in, their language chosen, and one look at
// the dashboard (their visit: what their first digest counts from).
Member Join(const Hub& hub, const std::string& name, const std::string& lang, const std::string& email) {
  Member m{name, lang, email, {}};
  const std::string password = "a long password for " + name;
  EXPECT_EQ(hub.Post("/api/v1/users", json{{"name", name}, {"password", password}, {"email", email}}.dump()).status,
            201);
  testing::Http login =
      testing::Call("POST", hub.base() + "/api/v1/login", json{{"name", name}, {"password", password}}.dump());
  EXPECT_EQ(login.status, 200) << login.body;
  size_t at = login.headers.find("set-cookie: coophub_session=");
  if (at == std::string::npos) return m;
  m.session = {{"Cookie", login.headers.substr(at + 12, login.headers.find(';', at) - at - 12)},
               {"X-CSRF-Token", login.Json().value("csrf", "")}};
  EXPECT_EQ(testing::Call("PATCH", hub.base() + "/api/v1/me", json{{"lang", lang}}.dump(), m.session).status, 200);
  EXPECT_EQ(testing::Call("GET", hub.base() + "/", "", {{"Cookie", m.session["Cookie"]}}).status, 200);
  return m;
}

// The rota gains two shifts after everyone's visit, and the hub syncs them.
void NewShifts(const Hub& hub, TempDir& dir) {
  dir.Write("rota.csv",
            "Shift,Starts\nMorning round,2026-12-14T08:00:00Z\nSoirée d'accueil,2026-12-15T18:00:00Z\n"
            "Nattpass Södermalm,2026-12-16T22:00:00Z\n");
  ASSERT_EQ(hub.Post("/api/v1/sources/rota/sync").status, 202);
  hub.WaitForRun("rota", 2);
}

int DigestSend(const std::string& config, const std::string& data, const std::string& user, std::string* out) {
  std::vector<std::string> argv = {COOPHUB_BINARY, "digest", "send", "--config", config, "--data", data};
  if (!user.empty()) argv.insert(argv.end(), {"--user", user});
  std::string err;
  int rc = testing::RunCommand(argv, out, &err);
  *out += err;
  return rc;
}

// "Send the digests now" through the hub (with user: that member's, due or not).
json Digests(const Hub& hub, const std::string& user = "") {
  testing::Http r = hub.Post("/api/v1/mail/digests", user.empty() ? "" : json{{"user", user}}.dump());
  EXPECT_EQ(r.status, 200) << r.body;
  return r.Json();
}

// The message's header, unfolded (RFC 5322: a line that starts with a space goes on
// the one before), "" when it has none.
std::string Header(const std::string& m, const std::string& name) {
  std::smatch got;
  if (!std::regex_search(m, got, std::regex("(^|\\n)" + name + ": ((.|\\r?\\n[ \\t])*)", std::regex::icase))) return "";
  std::string value = got[2];
  std::string out;
  for (size_t i = 0; i < value.size(); ++i)
    if (value[i] != '\r' && value[i] != '\n') out += value[i];
  return out;
}

// The text part, decoded.
std::string TextPart(const std::string& m) {
  size_t at = m.find("Content-Type: text/plain");
  if (at == std::string::npos) return "";
  size_t body = m.find("\n\n", at);
  size_t crlf = m.find("\r\n\r\n", at);
  if (crlf != std::string::npos && (body == std::string::npos || crlf < body)) body = crlf + 2;
  size_t end = m.find("--", body + 2);
  return Unbase64(m.substr(body + 2, end - body - 2));
}

// The digest the sink holds for address.
std::vector<std::string> To(const SmtpServer& smtp, const std::string& address) {
  std::vector<std::string> out;
  for (const auto& m : smtp.Received())
    if (Header(m, "To").find(address) != std::string::npos) out.push_back(m);
  return out;
}

// A subject as it reads, its RFC 2047 words decoded.
std::string Subject(const std::string& m) {
  std::string subject = Header(m, "Subject"), decoded;
  std::smatch w;
  for (std::string rest = subject; std::regex_search(rest, w, std::regex("=\\?UTF-8\\?B\\?([^?]*)\\?="));
       rest = w.suffix())
    decoded += Unbase64(w[1]);
  return decoded.empty() ? subject : decoded;
}

std::vector<std::string> Subjects(const SmtpServer& smtp, const std::string& address) {
  std::vector<std::string> out;
  for (const auto& m : To(smtp, address)) out.push_back(Subject(m));
  std::sort(out.begin(), out.end());
  return out;
}

class NotifyTest : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Stores, NotifyTest, testing::StoreBackends(), testing::BackendName);

TEST_P(NotifyTest, DigestsReachEachMemberInTheirLanguageAndUnsubscribeInOneClick) {
  TempDir dir;
  SmtpServer smtp(dir, SmtpServer::Kind::kSink);
  ASSERT_TRUE(smtp.ready()) << "the SMTP sink did not start (Debian's python3-aiosmtpd)";
  dir.Write("rota.csv", "Shift,Starts\nMorning round,2026-12-14T08:00:00Z\n");
  std::string config = dir.Write("hub.yaml", Config(dir, smtp.port()));
  std::string data = dir.path() + "/data";
  Hub hub(config, data);
  ASSERT_TRUE(hub.ok()) << hub.log();
  hub.WaitForRun("rota");
  std::vector<Member> members = {Join(hub, "ana", "fr", "ana@riverside.example"),
                                 Join(hub, "sven", "sv", "sven@riverside.example"),
                                 Join(hub, "eve", "en", "eve@riverside.example")};
  NewShifts(hub, dir);

  EXPECT_EQ(Digests(hub)["queued"], 3);
  testing::WaitFor("three digests at the SMTP server", 30, [&] { return smtp.Received().size() >= 3; });
  const std::map<std::string, std::pair<std::string, std::string>> words = {
      {"fr", {"Bonjour ana,", "nouveautés depuis votre dernier passage"}},
      {"sv", {"Hej sven!", "nyheter sedan du senast tittade"}},
      {"en", {"Hello eve,", "things new since you last looked"}}};
  std::map<std::string, std::string> unsubscribe;
  for (const Member& m : members) {
    auto got = To(smtp, m.email);
    ASSERT_EQ(got.size(), 1u) << m.name << ": " << got.size() << " digests";
    const std::string& mail = got[0];
    std::string subject = Header(mail, "Subject");
    // A subject with accents travels as RFC 2047 words; each reads back whole.
    std::string decoded;
    std::smatch w;
    for (std::string rest = subject; std::regex_search(rest, w, std::regex("=\\?UTF-8\\?B\\?([^?]*)\\?="));
         rest = w.suffix())
      decoded += Unbase64(w[1]);
    if (decoded.empty()) decoded = subject;
    EXPECT_NE(decoded.find(words.at(m.lang).second), std::string::npos) << m.name << ": " << decoded;
    EXPECT_NE(decoded.find("2 "), std::string::npos) << "two new shifts: " << decoded;
    if (m.lang == "fr") {
      EXPECT_EQ(subject.rfind("=?UTF-8?B?", 0), 0u) << "é is encoded: " << subject;
    }
    std::string text = TextPart(mail);
    EXPECT_NE(text.find(words.at(m.lang).first), std::string::npos) << text;
    EXPECT_NE(text.find("Soirée d'accueil"), std::string::npos) << text;
    EXPECT_NE(text.find("Nattpass Södermalm"), std::string::npos) << text;
    EXPECT_EQ(text.find("Morning round"), std::string::npos) << "seen before their visit, so not news: " << text;
    EXPECT_NE(text.find("https://hub.riverside.example/"), std::string::npos) << "a link to the dashboard";
    EXPECT_NE(mail.find("Content-Type: text/html"), std::string::npos);
    EXPECT_EQ(Header(mail, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
    std::string link = Header(mail, "List-Unsubscribe");
    ASSERT_EQ(link.rfind("<https://hub.riverside.example/unsubscribe?u=", 0), 0u) << link;
    unsubscribe[m.name] = link.substr(link.find("/unsubscribe"), link.size() - link.find("/unsubscribe") - 1);
  }
  // The same period: nothing is due, and nothing goes twice.
  EXPECT_EQ(Digests(hub)["queued"], 0);
  testing::WaitFor("the outbox to be sent", 30, [&] {
    return hub.Get("/api/v1/mail/outbox").Json()["counts"] == json({{"sent", 3}});
  });
  EXPECT_EQ(smtp.Received().size(), 3u);

  // Ana's mail client unsubscribes in one click (RFC 8058): a POST, no cookie.
  std::string link = unsubscribe["ana"];
  std::string forged = link.substr(0, link.size() - 3) + (link.substr(link.size() - 3) == "AAA" ? "BBB" : "AAA");
  EXPECT_EQ(testing::Call("POST", hub.base() + forged, "List-Unsubscribe=One-Click",
                          {{"Content-Type", "application/x-www-form-urlencoded"}})
                .status,
            404);
  EXPECT_EQ(testing::Call("GET", hub.base() + link).status, 200) << "the page asks first: scanners open links";
  EXPECT_EQ(testing::Call("GET", hub.base() + "/api/v1/me/notifications", "", members[0].session).Json()["digest"],
            nullptr)
      << "opening the link changed nothing";
  testing::Http done = testing::Call("POST", hub.base() + link, "List-Unsubscribe=One-Click",
                                     {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(done.status, 200) << done.body;
  json mine = testing::Call("GET", hub.base() + "/api/v1/me/notifications", "", members[0].session).Json();
  EXPECT_EQ(mine["digest"], "never") << mine.dump();
  ASSERT_FALSE(mine["messages"].empty());
  EXPECT_EQ(mine["messages"][0]["status"], "sent");
  // Even asked for at once, no digest goes to her now; Sven's does.
  EXPECT_EQ(Digests(hub, "ana")["queued"], 0);
  EXPECT_EQ(To(smtp, "ana@riverside.example").size(), 1u);
  dir.Write("rota.csv", "Shift,Starts\nMorning round,2026-12-14T08:00:00Z\n");  // two shifts gone
  ASSERT_EQ(hub.Post("/api/v1/sources/rota/sync").status, 202);
  hub.WaitForRun("rota", 3);
  EXPECT_EQ(Digests(hub, "sven")["queued"], 1);
  testing::WaitFor("Sven's second digest", 30, [&] { return To(smtp, "sven@riverside.example").size() == 2; });
  EXPECT_NE(TextPart(To(smtp, "sven@riverside.example")[1]).find("Soirée d'accueil"), std::string::npos)
      << "the removed shifts are named";
  // The command line beside the running hub, on the same store: both go on working (a
  // second process's connections once found the hub's locks dropped and deleted its WAL
  // under it: "database disk image is malformed").
  std::string out;
  ASSERT_EQ(DigestSend(config, data, "sven", &out), 0) << out;
  EXPECT_NE(out.find("0 queued"), std::string::npos) << "nothing new since his last digest: " << out;
  EXPECT_EQ(hub.Get("/api/v1/audit").status, 200);
  EXPECT_EQ(hub.Get("/api/v1/users").status, 200);
  // Choices are checked, naming what is wrong; a good one holds.
  auto put = [&](const json& body) {
    return testing::Call("PUT", hub.base() + "/api/v1/me/notifications", body.dump(), members[1].session);
  };
  testing::Http bad = put({{"digest", "daily"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("digest"), std::string::npos) << bad.body;
  bad = put({{"alerts", {{"sms", true}}}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("alerts.sms"), std::string::npos) << bad.body;
  testing::Http good = put({{"digest", "monthly"}, {"alerts", {{"offers", false}}}});
  ASSERT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(good.Json()["digest"], "monthly");
  EXPECT_EQ(good.Json()["alerts"]["offers"], false);
  EXPECT_EQ(good.Json()["alerts"]["shifts"], true);
  // The admin's "send me a test message" goes through the outbox to their own address.
  EXPECT_EQ(hub.Post("/api/v1/mail/test").status, 409) << "the admin has no address yet";
  ASSERT_EQ(hub.Send("PATCH", "/api/v1/users/1", json{{"email", "admin@riverside.example"}}.dump()).status, 200);
  testing::Http test = hub.Post("/api/v1/mail/test");
  ASSERT_EQ(test.status, 202) << test.body;
  testing::WaitFor("the test message", 30, [&] { return To(smtp, "admin@riverside.example").size() == 1; });
  // And the audit says who changed what.
  if (getenv("NOTIFY_DEBUG"))
    for (int i = 0; i < 3; ++i)
      std::fprintf(stderr, "AUDIT %d %s\n", hub.Get("/api/v1/audit").status,
                   hub.Get("/api/v1/users").body.substr(0, 80).c_str());
  json audit = hub.Get("/api/v1/audit").Json();
  EXPECT_NE(audit.dump().find("notify.unsubscribe"), std::string::npos);
  EXPECT_NE(audit.dump().find("notify.choices"), std::string::npos);
  EXPECT_NE(audit.dump().find("mail.test"), std::string::npos);
}

// Alerts: a shift that names members moves, is cancelled, is taken off the rota; they
// hear of it at once, in their language, and find it unread on their page; an editor
// hears of a source that fails; one click stops a kind; nothing comes twice.
TEST_P(NotifyTest, AlertsReachTheMembersAShiftNamesAtOnce) {
  TempDir dir;
  SmtpServer smtp(dir, SmtpServer::Kind::kSink);
  ASSERT_TRUE(smtp.ready()) << "the SMTP sink did not start (Debian's python3-aiosmtpd)";
  // Shifts in the days ahead, whenever the test runs.
  auto at = [](int days, int hours) { return FormatRfc3339((NowUnix() / 86400 + days) * 86400 + hours * 3600); };
  auto rota = [&](const std::string& morning, const std::string& night_status, bool hall) {
    dir.Write("rota.csv", "Shift,Starts,Who,Status\nMorning round," + morning + ",\"ana, Sven\",\nNight watch," +
                              at(3, 22) + ",sven," + night_status + "\n" +
                              (hall ? "Hall cleaning," + at(4, 10) + ",ana,\n" : ""));
  };
  rota(at(2, 8), "", true);
  std::string config = dir.Write(
      "hub.yaml", "mail:\n  smtp_url: smtp://127.0.0.1:" + std::to_string(smtp.port()) +
                      "\n  from: hub@riverside.example\n  from_name: Riverside co-op\n  starttls: off\n"
                      "  hub_url: https://hub.riverside.example\n  alert_failures: 1\n"
                      "sources:\n  - id: rota\n    plugin: csv\n    every: 1d\n    visibility: members\n"
                      "    config: {url: \"file://" +
                      dir.path() +
                      "/rota.csv\", kind: event, columns: {id: Shift, title: Shift, time: Starts, people: Who}}\n"
                      "  - id: ledger\n    plugin: csv\n    every: 1d\n    config: {url: \"file://" +
                      dir.path() + "/missing.csv\"}\n");
  Hub hub(config, dir.path() + "/data");
  ASSERT_TRUE(hub.ok()) << hub.log();
  hub.WaitForRun("rota");
  Member ana = Join(hub, "ana", "fr", "ana@riverside.example");
  Member sven = Join(hub, "sven", "sv", "sven@riverside.example");
  ASSERT_EQ(hub.Post("/api/v1/users", json{{"name", "carla"},
                                           {"password", "a long password for carla"},
                                           {"email", "carla@riverside.example"},
                                           {"role", "editor"}}
                                          .dump())
                .status,
            201);
  // The alerts began where the store was when the hub came: what came before is no news.
  testing::WaitFor("the alerts to begin", 30,
                   [&] { return !hub.Get("/api/v1/mail/outbox").Json()["alerts_seq"].is_null(); });

  // The ledger's file is missing: its editor hears of it, with why.
  testing::WaitFor("carla's alert", 30, [&] { return To(smtp, "carla@riverside.example").size() == 1; });
  std::string carla = To(smtp, "carla@riverside.example")[0];
  EXPECT_EQ(Subject(carla), "Source ledger failed 1 time") << "no language chosen: English";
  EXPECT_NE(TextPart(carla).find("missing.csv"), std::string::npos) << TextPart(carla);

  rota(at(2, 9), "CANCELLED", false);  // the morning moves an hour, the night is off, the hall gone
  ASSERT_EQ(hub.Post("/api/v1/sources/rota/sync").status, 202);
  testing::WaitFor("two alerts each for ana and sven", 30, [&] {
    return To(smtp, "ana@riverside.example").size() == 2 && To(smtp, "sven@riverside.example").size() == 2;
  });
  EXPECT_EQ(Subjects(smtp, "ana@riverside.example"),
            (std::vector<std::string>{"Déplacé : Morning round", "Retiré du calendrier : Hall cleaning"}));
  EXPECT_EQ(Subjects(smtp, "sven@riverside.example"),
            (std::vector<std::string>{"Flyttat: Morning round", "Inställt: Night watch"}));
  std::string moved;
  for (const auto& m : To(smtp, "ana@riverside.example"))
    if (Subject(m).find("Morning") != std::string::npos) moved = m;
  EXPECT_NE(TextPart(moved).find("était"), std::string::npos) << "when it was: " << TextPart(moved);
  EXPECT_EQ(Header(moved, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
  std::string stop = Header(moved, "List-Unsubscribe");
  ASSERT_NE(stop.find("&k=shifts&s="), std::string::npos) << stop;

  // Listed on ana's page, unread, in her language; read one by one or all at once.
  json notices = testing::Call("GET", hub.base() + "/api/v1/me/notices", "", ana.session).Json();
  ASSERT_EQ(notices["items"].size(), 2u) << notices.dump();
  EXPECT_EQ(notices["unread"], 2);
  EXPECT_EQ(notices["items"][0]["kind"], "shifts");
  testing::Http page = testing::Call("GET", hub.base() + "/notifications", "", {{"Cookie", ana.session["Cookie"]}});
  EXPECT_NE(page.body.find("Déplacé : Morning round"), std::string::npos);
  EXPECT_NE(page.body.find("class=\"unread\""), std::string::npos);
  int64_t first = notices["items"][0]["id"];
  EXPECT_EQ(
      testing::Call("POST", hub.base() + "/api/v1/me/notices/read", json{{"id", first}}.dump(), sven.session).status,
      404)
      << "not sven's to read";
  testing::Http read =
      testing::Call("POST", hub.base() + "/api/v1/me/notices/read", json{{"id", first}}.dump(), ana.session);
  EXPECT_EQ(read.Json()["unread"], 1) << read.body;

  // Ana stops shift alerts from the mail in one click; the morning moves again: sven
  // hears of it, ana does not.
  std::string link = stop.substr(stop.find("/unsubscribe"), stop.size() - stop.find("/unsubscribe") - 1);
  EXPECT_EQ(testing::Call("POST", hub.base() + link, "List-Unsubscribe=One-Click",
                          {{"Content-Type", "application/x-www-form-urlencoded"}})
                .status,
            200);
  json choices = testing::Call("GET", hub.base() + "/api/v1/me/notifications", "", ana.session).Json();
  EXPECT_EQ(choices["alerts"]["shifts"], false) << choices.dump();
  EXPECT_EQ(choices["digest"], nullptr) << "the digest stays as it was";
  rota(at(2, 10), "CANCELLED", false);
  ASSERT_EQ(hub.Post("/api/v1/sources/rota/sync").status, 202);
  testing::WaitFor("sven's third alert", 30, [&] { return To(smtp, "sven@riverside.example").size() == 3; });
  testing::WaitFor("the outbox to be sent", 30, [&] {
    json counts = hub.Get("/api/v1/mail/outbox").Json()["counts"];
    return counts.size() == 1 && counts.contains("sent");
  });
  EXPECT_EQ(To(smtp, "ana@riverside.example").size(), 2u) << "ana switched shift alerts off";
  EXPECT_EQ(smtp.Received().size(), 6u) << "nothing twice: carla 1, ana 2, sven 3";
}

TEST(Notify, ATryLaterIsRetriedARefusalIsShownAndAKilledHubsQueueGoesOnce) {
  TempDir dir;
  int port = testing::FreePort();
  dir.Write("rota.csv", "Shift,Starts\nMorning round,2026-12-14T08:00:00Z\n");
  std::string config = dir.Write("hub.yaml", Config(dir, port));
  std::string data = dir.path() + "/data";
  auto hub = std::make_unique<Hub>(config, data);
  ASSERT_TRUE(hub->ok()) << hub->log();
  hub->WaitForRun("rota");
  for (const char* name : {"busy", "refuse", "eve"}) Join(*hub, name, "en", std::string(name) + "@riverside.example");
  NewShifts(*hub, dir);
  // No server yet: the digests are queued, and wait for their next attempt.
  EXPECT_EQ(Digests(*hub)["queued"], 3);
  json queued;
  testing::WaitFor("three attempts that found no server", 30, [&] {
    queued = hub->Get("/api/v1/mail/outbox?status=queued").Json();
    int tried = 0;
    for (const auto& m : queued["items"]) tried += m["attempts"] == 1;
    return tried == 3;
  });
  ASSERT_EQ(queued["items"].size(), 3u) << queued.dump();
  EXPECT_NE(queued["items"][0]["error"].get<std::string>().find("127.0.0.1"), std::string::npos) << queued.dump();
  hub->Kill();  // the replica holding the queue dies
  hub.reset();

  SmtpServer smtp(dir, SmtpServer::Kind::kSink, port);
  ASSERT_TRUE(smtp.ready());
  hub = std::make_unique<Hub>(config, data);
  ASSERT_TRUE(hub->ok()) << hub->log();
  for (const auto& m : queued["items"])
    EXPECT_EQ(hub->Post("/api/v1/mail/outbox/" + std::to_string(m["id"].get<int64_t>()) + "/retry").status, 202);
  auto status_of = [&](const std::string& who) {
    json items = hub->Get("/api/v1/mail/outbox").Json()["items"];  // kept: the loop reads it
    for (const auto& m : items)
      if (m["to"] == who + "@riverside.example") return m;
    return json();
  };
  testing::WaitFor("the outbox to settle", 30, [&] {
    return status_of("eve")["status"] == "sent" && status_of("refuse")["status"] == "failed" &&
           status_of("busy")["attempts"] == 2;
  });
  json refused = status_of("refuse");
  EXPECT_EQ(refused["code"], 550) << refused.dump();
  EXPECT_NE(refused["error"].get<std::string>().find("550"), std::string::npos) << refused.dump();
  json busy = status_of("busy");
  EXPECT_EQ(busy["status"], "queued") << "a 451 is tried again: " << busy.dump();
  EXPECT_EQ(busy["code"], 451);
  EXPECT_EQ(hub->Post("/api/v1/mail/outbox/" + std::to_string(busy["id"].get<int64_t>()) + "/retry").status, 202);
  testing::WaitFor("busy's digest to go", 30, [&] { return status_of("busy")["status"] == "sent"; });
  EXPECT_EQ(To(smtp, "eve@riverside.example").size(), 1u);
  EXPECT_EQ(To(smtp, "busy@riverside.example").size(), 1u);
  EXPECT_EQ(To(smtp, "refuse@riverside.example").size(), 0u);
  EXPECT_EQ(hub->Get("/api/v1/mail/outbox").Json()["counts"], json({{"failed", 1}, {"sent", 2}}));
  // The command line, with the hub stopped: the period's digests went, none is due.
  hub.reset();
  std::string out;
  ASSERT_EQ(DigestSend(config, data, "", &out), 0) << out;
  EXPECT_NE(out.find("0 queued"), std::string::npos) << out;
  EXPECT_EQ(smtp.Received().size(), 2u);
}

}  // namespace
}  // namespace coophub
