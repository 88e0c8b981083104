// SPDX-License-Identifier: Apache-2.0
// The outbox and members' choices in the store, on either engine; see outbox.h.
#include "notify/outbox.h"

#include <algorithm>
#include <map>

#include "accounts/accounts.h"
#include "base/text.h"

namespace coophub::notify {

std::optional<Every> ParseEvery(std::string_view name) {
  if (name == "never") return Every::kNever;
  if (name == "weekly") return Every::kWeekly;
  if (name == "monthly") return Every::kMonthly;
  return std::nullopt;
}

const char* EveryName(Every every) {
  switch (every) {
    case Every::kNever:
      return "never";
    case Every::kWeekly:
      return "weekly";
    case Every::kMonthly:
      return "monthly";
  }
  return "never";
}

const std::vector<std::string>& AlertKinds() {
  static const std::vector<std::string> kinds = {"shifts", "offers", "decisions", "sources"};
  return kinds;
}

std::optional<int64_t> RetryAt(int attempts, int64_t created_ms, int64_t now_ms) {
  constexpr int64_t kMinute = 60 * 1000;
  constexpr int64_t kSteps[] = {1 * kMinute, 5 * kMinute, 15 * kMinute, 30 * kMinute, 60 * kMinute};
  constexpr int64_t kGiveUpMs = 24 * 60 * kMinute;
  int64_t wait = attempts >= 1 && attempts <= 5 ? kSteps[attempts - 1] : 120 * kMinute;
  if (now_ms + wait - created_ms > kGiveUpMs) return std::nullopt;
  return now_ms + wait;
}

namespace {

constexpr const char* kListColumns =
    "SELECT id, user_id, kind, dedupe, to_addr, subject, status, attempts, code, error, created_ms, next_ms, sent_ms"
    " FROM mail_outbox ";

Mail ListRow(const sql::Rows& r, size_t i) {
  Mail m;
  m.id = r.Int(i, 0);
  m.user_id = r.Int(i, 1);
  m.kind = r.Text(i, 2);
  m.key = r.Text(i, 3);
  m.to = r.Text(i, 4);
  m.subject = r.Text(i, 5);
  m.status = r.Text(i, 6);
  m.attempts = static_cast<int>(r.Int(i, 7));
  m.code = static_cast<int>(r.Int(i, 8));
  m.error = r.Text(i, 9);
  m.created_ms = r.Int(i, 10);
  m.next_ms = r.Int(i, 11);
  m.sent_ms = r.Int(i, 12);
  return m;
}

std::string JoinAlerts(const std::set<std::string>& off) { return JoinList({off.begin(), off.end()}); }

}  // namespace

Result<std::unique_ptr<Outbox>> Outbox::Open(sql::Database& db) {
  auto conn = db.Connect();
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<Outbox>(new Outbox(std::move(*conn)));
}

namespace {

constexpr const char* kPrefsColumns =
    "SELECT user_id, digest, alerts_off, digest_seq, digest_period, updated_ms, digest_s FROM notify_prefs";

Prefs PrefsRow(const sql::Rows& r, size_t i) {
  Prefs p;
  p.digest = ParseEvery(r.Text(i, 1));
  for (auto& kind : SplitList(r.Text(i, 2))) p.alerts_off.insert(std::move(kind));
  p.digest_seq = r.Int(i, 3);
  p.digest_period = r.Text(i, 4);
  p.updated_ms = r.Int(i, 5);
  p.digest_s = r.Int(i, 6);
  return p;
}

}  // namespace

Result<Prefs> Outbox::GetPrefs(int64_t user) {
  MutexLock lock(mu_);
  auto r = conn_->Run(std::string(kPrefsColumns) + " WHERE user_id = ?", {user});
  if (!r.ok()) return r.status();
  return r->empty() ? Prefs() : PrefsRow(*r, 0);
}

Result<std::map<int64_t, Prefs>> Outbox::AllPrefs() {
  MutexLock lock(mu_);
  auto r = conn_->Run(kPrefsColumns);
  if (!r.ok()) return r.status();
  std::map<int64_t, Prefs> out;
  for (size_t i = 0; i < r->size(); ++i) out.emplace(r->Int(i, 0), PrefsRow(*r, i));
  return out;
}

Status Outbox::SetChoices(int64_t user, std::optional<Every> digest, const std::set<std::string>& alerts_off,
                          int64_t now_ms) {
  MutexLock lock(mu_);
  auto r = conn_->Run(
      "INSERT INTO notify_prefs(user_id, digest, alerts_off, updated_ms) VALUES(?, ?, ?, ?)"
      " ON CONFLICT(user_id) DO UPDATE SET digest = excluded.digest, alerts_off = excluded.alerts_off,"
      " updated_ms = excluded.updated_ms",
      {user, digest ? EveryName(*digest) : "", JoinAlerts(alerts_off), now_ms});
  return r.status();
}

Status Outbox::DigestDone(int64_t user, int64_t seq, const std::string& period, int64_t at_s) {
  MutexLock lock(mu_);
  auto r = conn_->Run(
      "INSERT INTO notify_prefs(user_id, digest_seq, digest_period, digest_s) VALUES(?, ?, ?, ?)"
      " ON CONFLICT(user_id) DO UPDATE SET digest_seq = excluded.digest_seq, digest_period = excluded.digest_period,"
      " digest_s = excluded.digest_s",
      {user, seq, period, at_s});
  return r.status();
}

Result<int> Outbox::RecordDigests(const std::vector<DigestWrite>& writes, int64_t now_ms) {
  MutexLock lock(mu_);
  if (Status s = conn_->Begin(); !s.ok()) return s;
  int queued = 0;
  for (const auto& w : writes) {
    if (w.mail) {
      const Mail& m = *w.mail;
      auto r = conn_->Run(
          "INSERT INTO mail_outbox(user_id, kind, dedupe, to_addr, subject, message, status, next_ms, created_ms)"
          " VALUES(?, ?, ?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT(dedupe) DO NOTHING",
          {m.user_id, m.kind, m.key, m.to, m.subject, m.message, now_ms, now_ms});
      auto n = r.ok() ? conn_->Run(
                            "INSERT INTO notices(user_id, kind, dedupe, title, detail, url, created_ms)"
                            " VALUES(?, 'digest', ?, ?, '', '/', ?) ON CONFLICT(dedupe) DO NOTHING",
                            {m.user_id, m.key, m.subject, now_ms})
                      : r;
      if (!n.ok()) {
        conn_->Rollback();
        return n.status();
      }
      queued += r->changes > 0;
    }
    auto d = conn_->Run(
        "INSERT INTO notify_prefs(user_id, digest_seq, digest_period, digest_s) VALUES(?, ?, ?, ?)"
        " ON CONFLICT(user_id) DO UPDATE SET digest_seq = excluded.digest_seq, digest_period = excluded.digest_period,"
        " digest_s = excluded.digest_s",
        {w.user, w.seq, w.period, w.at_s});
    if (!d.ok()) {
      conn_->Rollback();
      return d.status();
    }
  }
  if (Status s = conn_->Commit(); !s.ok()) {
    conn_->Rollback();
    return s;
  }
  return queued;
}

Result<std::optional<int64_t>> Outbox::Add(const Mail& m, int64_t now_ms) {
  MutexLock lock(mu_);
  auto r = conn_->Run(
      "INSERT INTO mail_outbox(user_id, kind, dedupe, to_addr, subject, message, status, next_ms, created_ms)"
      " VALUES(?, ?, ?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT(dedupe) DO NOTHING RETURNING id",
      {m.user_id, m.kind, m.key, m.to, m.subject, m.message, now_ms, now_ms});
  if (!r.ok()) return r.status();
  return r->empty() ? std::optional<int64_t>() : std::optional<int64_t>(r->Int(0, 0));
}

Result<std::optional<Mail>> Outbox::Claim(const std::string& by, int64_t now_ms, int per_minute, int64_t lease_ms) {
  MutexLock lock(mu_);
  if (per_minute > 0) {
    auto recent = conn_->Run("SELECT COUNT(*) FROM mail_outbox WHERE claimed_ms > ?", {now_ms - 60 * 1000});
    if (!recent.ok()) return recent.status();
    if (recent->Int(0, 0) >= per_minute) return std::optional<Mail>();
  }
  // One UPDATE whose WHERE is checked again on the row it locks: of two replicas that
  // pick the same message, the second finds it claimed and takes nothing.
  const char* kDue = "(status = 'queued' AND next_ms <= ?) OR (status = 'sending' AND claimed_ms < ?)";
  auto r = conn_->Run(std::string("UPDATE mail_outbox SET status = 'sending', claimed_by = ?, claimed_ms = ?,"
                                  " attempts = attempts + 1 WHERE id = (SELECT id FROM mail_outbox WHERE ") +
                          kDue + " ORDER BY next_ms, id LIMIT 1) AND (" + kDue +
                          ") RETURNING id, user_id, kind, dedupe, to_addr, subject, message, attempts, created_ms",
                      {by, now_ms, now_ms, now_ms - lease_ms, now_ms, now_ms - lease_ms});
  if (!r.ok()) return r.status();
  if (r->empty()) return std::optional<Mail>();
  Mail m;
  m.id = r->Int(0, 0);
  m.user_id = r->Int(0, 1);
  m.kind = r->Text(0, 2);
  m.key = r->Text(0, 3);
  m.to = r->Text(0, 4);
  m.subject = r->Text(0, 5);
  m.message = r->Text(0, 6);
  m.attempts = static_cast<int>(r->Int(0, 7));
  m.created_ms = r->Int(0, 8);
  m.status = "sending";
  return std::optional<Mail>(std::move(m));
}

Status Outbox::Sent(int64_t id, int code, int64_t now_ms) {
  MutexLock lock(mu_);
  return conn_
      ->Run("UPDATE mail_outbox SET status = 'sent', code = ?, error = '', sent_ms = ? WHERE id = ?",
            {code, now_ms, id})
      .status();
}

Status Outbox::Attempted(int64_t id, int code, const std::string& error, std::optional<int64_t> next_ms,
                         int64_t now_ms) {
  MutexLock lock(mu_);
  if (next_ms)
    return conn_
        ->Run("UPDATE mail_outbox SET status = 'queued', code = ?, error = ?, next_ms = ? WHERE id = ?",
              {code, error, *next_ms, id})
        .status();
  return conn_
      ->Run("UPDATE mail_outbox SET status = 'failed', code = ?, error = ?, next_ms = ? WHERE id = ?",
            {code, error, now_ms, id})
      .status();
}

Status Outbox::Requeue(int64_t id, int64_t now_ms) {
  MutexLock lock(mu_);
  auto r = conn_->Run(
      "UPDATE mail_outbox SET status = 'queued', next_ms = ? WHERE id = ? AND status IN ('failed', 'queued')",
      {now_ms, id});
  if (!r.ok()) return r.status();
  if (r->changes > 0) return Status::Ok();
  auto there = conn_->Run("SELECT status FROM mail_outbox WHERE id = ?", {id});
  if (!there.ok()) return there.status();
  if (there->empty()) return Status::NotFound("no message " + std::to_string(id) + " in the outbox");
  return Status::Invalid("message " + std::to_string(id) + " is " + there->Text(0, 0) +
                         ": only a failed or waiting message is sent again");
}

Result<std::optional<int64_t>> Outbox::NextDue() {
  MutexLock lock(mu_);
  auto r = conn_->Run("SELECT MIN(next_ms) FROM mail_outbox WHERE status = 'queued'");
  if (!r.ok()) return r.status();
  return r->MaybeInt(0, 0);
}

Result<std::vector<Mail>> Outbox::List(int64_t user, const std::string& status, int limit) {
  MutexLock lock(mu_);
  std::string where = "WHERE 1 = 1";
  std::vector<sql::Value> args;
  if (user) {
    where += " AND user_id = ?";
    args.push_back(user);
  }
  if (!status.empty()) {
    where += " AND status = ?";
    args.push_back(status);
  }
  args.push_back(limit);
  auto r = conn_->Run(std::string(kListColumns) + where + " ORDER BY id DESC LIMIT ?", args);
  if (!r.ok()) return r.status();
  std::vector<Mail> out;
  for (size_t i = 0; i < r->size(); ++i) out.push_back(ListRow(*r, i));
  return out;
}

Result<std::vector<std::pair<std::string, int64_t>>> Outbox::Counts() {
  MutexLock lock(mu_);
  auto r = conn_->Run("SELECT status, COUNT(*) FROM mail_outbox GROUP BY status ORDER BY status");
  if (!r.ok()) return r.status();
  std::vector<std::pair<std::string, int64_t>> out;
  for (size_t i = 0; i < r->size(); ++i) out.emplace_back(r->Text(i, 0), r->Int(i, 1));
  return out;
}

Result<bool> Outbox::AddNotice(const Notice& n) {
  MutexLock lock(mu_);
  auto r = conn_->Run(
      "INSERT INTO notices(user_id, kind, dedupe, title, detail, url, created_ms) VALUES(?, ?, ?, ?, ?, ?, ?)"
      " ON CONFLICT(dedupe) DO NOTHING",
      {n.user_id, n.kind, n.key, n.title, n.detail, n.url, n.created_ms});
  if (!r.ok()) return r.status();
  return r->changes > 0;
}

Result<std::vector<Notice>> Outbox::Notices(int64_t user, int limit) {
  MutexLock lock(mu_);
  auto r = conn_->Run(
      "SELECT id, user_id, kind, dedupe, title, detail, url, created_ms, read_ms FROM notices WHERE user_id = ?"
      " ORDER BY id DESC LIMIT ?",
      {user, limit});
  if (!r.ok()) return r.status();
  std::vector<Notice> out;
  for (size_t i = 0; i < r->size(); ++i)
    out.push_back({r->Int(i, 0), r->Int(i, 1), r->Text(i, 2), r->Text(i, 3), r->Text(i, 4), r->Text(i, 5),
                   r->Text(i, 6), r->Int(i, 7), r->Int(i, 8)});
  return out;
}

Result<int64_t> Outbox::Unread(int64_t user) {
  MutexLock lock(mu_);
  auto r = conn_->Run("SELECT COUNT(*) FROM notices WHERE user_id = ? AND read_ms = 0", {user});
  if (!r.ok()) return r.status();
  return r->Int(0, 0);
}

Status Outbox::MarkRead(int64_t user, int64_t id, int64_t now_ms) {
  MutexLock lock(mu_);
  if (id == 0)
    return conn_->Run("UPDATE notices SET read_ms = ? WHERE user_id = ? AND read_ms = 0", {now_ms, user}).status();
  auto r = conn_->Run(
      "UPDATE notices SET read_ms = CASE WHEN read_ms = 0 THEN ? ELSE read_ms END"
      " WHERE id = ? AND user_id = ?",
      {now_ms, id, user});
  if (!r.ok()) return r.status();
  if (r->changes == 0) return Status::NotFound("no notification " + std::to_string(id) + " of yours");
  return Status::Ok();
}

Result<std::optional<int64_t>> ReadMark(sql::Conn& conn, const std::string& name) {
  auto r = conn.Run("SELECT value FROM hub_keys WHERE name = ?", {"mark:" + name});
  if (!r.ok()) return r.status();
  if (r->empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(std::stoll(r->Text(0, 0)));
}

Status RaiseMark(sql::Conn& conn, const std::string& name, int64_t value) {
  // Read and written in one statement: of two replicas raising at once, the higher stands.
  return conn
      .Run(
          "INSERT INTO hub_keys(name, value) VALUES(?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value"
          " WHERE CAST(hub_keys.value AS BIGINT) < CAST(excluded.value AS BIGINT)",
          {"mark:" + name, std::to_string(value)})
      .status();
}

Result<std::optional<int64_t>> Outbox::Mark(const std::string& name) {
  MutexLock lock(mu_);
  return ReadMark(*conn_, name);
}

Status Outbox::Raise(const std::string& name, int64_t value) {
  MutexLock lock(mu_);
  return RaiseMark(*conn_, name, value);
}

Result<std::string> Outbox::LinkKey() {
  MutexLock lock(mu_);
  if (!link_key_.empty()) return link_key_;
  // The first replica's key stands: the others' inserts do nothing, and all read it.
  auto made = conn_->Run("INSERT INTO hub_keys(name, value) VALUES('mail_links', ?) ON CONFLICT(name) DO NOTHING",
                         {NewLinkSecret("")});
  if (!made.ok()) return made.status();
  auto r = conn_->Run("SELECT value FROM hub_keys WHERE name = 'mail_links'");
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::Internal("the mail link key was not kept");
  link_key_ = r->Text(0, 0);
  return link_key_;
}

}  // namespace coophub::notify
