// SPDX-License-Identifier: Apache-2.0
//
// Weekly digests for a federation-sized coop: a SQLite store with 200,000 records and
// 30,000 members with addresses, where a week of changes (3,000: new posts and events,
// moved shifts naming members, decisions closing) came after last week's digests; one
// member in ten visited during the week. Measures the postman's round that builds and
// queues every digest due (the target: 60 s), then hands 2,000 of them to a
// local SMTP server (tests/support/smtp_sink.py, started by bench/run.sh) through the
// outbox, beside a raw libcurl send of the same messages to the same server measured
// in the same run. Prints `name value` lines for bench/run.sh.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include "accounts/accounts.h"
#include "api/api.h"
#include "store/sql.h"
#include "store/store.h"
#include "base/timeutil.h"
#include "i18n/i18n.h"
#include "model/protocol.h"
#include "notify/postman.h"
#include "runtime/http_client.h"

using namespace coophub;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kRecords = 200000, kWeek = 3000, kMembers = 30000, kSent = 2000;
const char* const kLangs[] = {"en", "fr", "es", "ca", "nl", "sv"};

double Seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string Member(int i) {
  char name[16];
  std::snprintf(name, sizeof name, "m%05d", i);
  return name;
}

StoredRecord Rec(int i, const std::string& kind, int64_t time, const json& people = json()) {
  json r = {{"id", std::to_string(i)},
            {"kind", kind},
            {"title", kind + " number " + std::to_string(i) + " of the coop's week"},
            {"summary", "What the members of the coop wrote about it, in a sentence or two."},
            {"time", FormatRfc3339(time)}};
  if (kind == "decision") r["end"] = FormatRfc3339(time + 5 * 86400);
  if (!people.is_null()) r["people"] = people;
  return NormalizeRecord(r, "coop", "all", i % 3 ? "members" : "public").value();
}

int Fail(const std::string& what, const Status& s) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), s.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: digest_bench <SMTP port> <web/static/i18n>\n");
    return 2;
  }
  HttpGlobalInit();
  std::string tmpl = (fs::temp_directory_path() / "coophub-digest-bench-XXXXXX").string();
  std::string dir = mkdtemp(tmpl.data());
  auto opened_store = OpenSqliteStore({dir + "/coophub.db", 2});
  if (!opened_store.ok()) return Fail("store", opened_store.status());
  Store& store = **opened_store;
  std::unique_ptr<sql::Database> db = sql::SqliteDatabase(dir + "/coophub.db");
  const int64_t now = *ParseRfc3339("2026-12-14T09:00:00Z");  // a Monday, after 08:00
  std::mt19937 rng(7);

  // The records: 197,000 from before last week's digests, then the week's 3,000.
  auto t0 = Clock::now();
  for (int from = 0; from < kRecords - kWeek; from += 5000) {
    WriteBatch b;
    b.source = "coop";
    for (int i = from; i < std::min(from + 5000, kRecords - kWeek); ++i)
      b.upserts.push_back(Rec(i, i % 5 ? "post" : "event", now - 400 * 86400 + i * 150));
    if (auto w = store.Write(std::move(b)).get(); !w.ok()) return Fail("write", w.status());
  }
  const int64_t last_week = store.LastSeq();
  WriteBatch week;
  week.source = "coop";
  for (int i = 0; i < kWeek; ++i) {
    int id = kRecords - kWeek + i;
    if (i % 3 == 0)  // a shift moved, naming two members
      week.upserts.push_back(Rec((i * 37) % (kRecords - kWeek) / 5 * 5, "event", now + 86400 + i * 60,
                                 json::array({Member(i % kMembers), Member((i * 7) % kMembers)})));
    else
      week.upserts.push_back(Rec(id, i % 50 ? "post" : "decision", now - 3 * 86400 + i * 60));
  }
  if (auto w = store.Write(std::move(week)).get(); !w.ok()) return Fail("write", w.status());
  std::printf("digest_setup_records_s %.1f\n", Seconds(t0));

  // The members: addresses, languages; last week's digest went up to last_week; one in
  // ten looked at the dashboard since.
  auto accounts = OpenAccounts(*db);
  if (!accounts.ok()) return Fail("accounts", accounts.status());
  auto outbox = notify::Outbox::Open(*db);
  if (!outbox.ok()) return Fail("outbox", outbox.status());
  std::string last_period = notify::DigestPeriod(notify::Every::kWeekly, now - 7 * 86400, "UTC", 8);
  int64_t head = store.LastSeq();
  std::uniform_int_distribution<int64_t> during(last_week + 1, head);
  t0 = Clock::now();
  {  // written in one transaction: the setup is not what is measured
    auto conn = db->Connect();
    if (!conn.ok()) return Fail("connect", conn.status());
    sql::Conn& c = **conn;
    if (Status st = c.Begin(); !st.ok()) return Fail("begin", st);
    for (int i = 0; i < kMembers; ++i) {
      int64_t id = i + 1;
      auto u = c.Run(
          "INSERT INTO users(id, name, password, role, created_ms, lang, email) VALUES(?, ?, '', 'viewer', 0, ?, ?)",
          {id, Member(i), std::string(kLangs[i % 6]), Member(i) + "@coop.example"});
      auto p = c.Run("INSERT INTO notify_prefs(user_id, digest_seq, digest_period, digest_s) VALUES(?, ?, ?, ?)",
                     {id, last_week, last_period, now - 7 * 86400});
      if (!u.ok() || !p.ok()) return Fail("member", u.ok() ? p.status() : u.status());
      if (i % 10 == 0)
        if (auto v = c.Run("INSERT INTO visits(user_id, base, head, time, base_time) VALUES(?, -1, ?, ?, 0)",
                           {id, during(rng), now - 2 * 86400});
            !v.ok())
          return Fail("visit", v.status());
    }
    if (Status st = c.Commit(); !st.ok()) return Fail("commit", st);
  }
  std::printf("digest_setup_members_s %.1f\n", Seconds(t0));

  Catalogs catalogs = Catalogs::Load(argv[2]);
  notify::PostmanSettings settings;
  settings.mail.smtp_url = std::string("smtp://127.0.0.1:") + argv[1];
  settings.mail.from = "hub@coop.example";
  settings.mail.from_name = "Riverside co-op";
  settings.mail.starttls = mail::MailConfig::StartTls::kOff;
  settings.mail.per_minute = 1000000;
  settings.hub_url = "https://hub.coop.example";
  settings.zone = "UTC";
  settings.replica = "bench";
  settings.visible_to = [](Role role) { return VisibleTo(role); };
  notify::Postman postman(store, **accounts, **outbox, catalogs, settings);

  // The round: every member's digest built, queued, and their period marked.
  t0 = Clock::now();
  notify::QueueReport r = postman.Queue(now);
  double build_s = Seconds(t0);
  for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.c_str());
  std::printf("digest_members %d\ndigest_queued %d\ndigest_nothing %d\ndigest_build_s %.1f\n", kMembers, r.queued,
              r.nothing, build_s);

  // Delivery: kSent of the queued messages through the outbox (claim, send, mark), and
  // the same messages sent raw, one libcurl call each, to the same server.
  auto queued = (*outbox)->List(0, "queued", kSent);
  if (!queued.ok() || queued->size() < static_cast<size_t>(kSent)) {
    std::fprintf(stderr, "fewer than %d digests queued\n", kSent);
    return 1;
  }
  std::vector<std::pair<std::string, std::string>> raw;  // (to, message), read before they go
  for (const auto& m : *queued) raw.emplace_back(m.to, "");
  // The message texts, as the outbox keeps them (List leaves them out).
  auto texts = db->Connect();
  if (!texts.ok()) return Fail("connect", texts.status());
  for (auto& [to, text] : raw) {
    auto row = (*texts)->Run("SELECT message FROM mail_outbox WHERE to_addr = ? LIMIT 1", {to});
    if (row.ok() && !row->empty()) text = row->Text(0, 0);
  }
  // Only kSent are due: the rest wait for later.
  (void)(*texts)->Run("UPDATE mail_outbox SET next_ms = ? WHERE status = 'queued'", {int64_t{1} << 50});
  for (const auto& m : *queued) (void)(*texts)->Run("UPDATE mail_outbox SET next_ms = 0 WHERE id = ?", {m.id});

  t0 = Clock::now();
  for (const auto& [to, text] : raw) {
    SmtpSendRequest req = notify::SmtpRequest(settings.mail);
    req.to = {to};
    req.message = text;
    if (!SmtpSend(req).sent) return Fail("raw send", Status::Unavailable("the SMTP server refused a message"));
  }
  double raw_s = Seconds(t0);
  t0 = Clock::now();
  int sent = postman.SendDue();
  double hub_s = Seconds(t0);
  std::printf("smtp_messages %d\nsmtp_raw_per_s %.0f\nsmtp_hub_per_s %.0f\nsmtp_hub_sent %d\n", kSent, kSent / raw_s,
              sent / hub_s, sent);
  fs::remove_all(dir);
  return sent == kSent ? 0 : 1;
}
