// SPDX-License-Identifier: Apache-2.0
// Offers in the store, on either engine; see offers.h.
#include "matching/offers.h"

#include "accounts/accounts.h"

namespace coophub::matching {
namespace {

constexpr const char* kColumns =
    "SELECT id, request_uid, person_uid, person_id, status, reason, offered_by, created_ms, answered_ms, expires_ms"
    " FROM match_offers ";

Offer Row(const sql::Rows& r, size_t i) {
  Offer o;
  o.id = r.Int(i, 0);
  o.request = r.Int(i, 1);
  o.person = r.Int(i, 2);
  o.person_id = r.Text(i, 3);
  o.status = r.Text(i, 4);
  o.reason = r.Text(i, 5);
  o.offered_by = r.Text(i, 6);
  o.created_ms = r.Int(i, 7);
  o.answered_ms = r.Int(i, 8);
  o.expires_ms = r.Int(i, 9);
  return o;
}

// A transaction on conn: run, then COMMIT, or ROLLBACK on any failure.
template <class T, class F>
Result<T> InTransaction(sql::Conn& conn, F&& run) {
  if (Status s = conn.Begin(); !s.ok()) return s;
  Result<T> r = run();
  if (!r.ok()) {
    conn.Rollback();
    return r;
  }
  if (Status s = conn.Commit(); !s.ok()) {
    conn.Rollback();
    return s;
  }
  return r;
}

}  // namespace

Result<std::unique_ptr<Offers>> Offers::Open(sql::Database& db) {
  auto conn = db.Connect();
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<Offers>(new Offers(std::move(*conn)));
}

namespace {

Result<std::vector<Offer>> QueryOn(sql::Conn& conn, const std::string& where, const std::vector<sql::Value>& args) {
  auto r = conn.Run(std::string(kColumns) + where, args);
  if (!r.ok()) return r.status();
  std::vector<Offer> out;
  for (size_t i = 0; i < r->size(); ++i) out.push_back(Row(*r, i));
  return out;
}

}  // namespace

Result<std::vector<Offer>> Offers::Query(const std::string& where, const std::vector<sql::Value>& args) {
  return QueryOn(*conn_, where, args);
}

Result<std::vector<std::pair<Offer, std::string>>> Offers::Make(
    int64_t request, const std::vector<std::pair<int64_t, std::string>>& people, const std::string& by, int64_t now_ms,
    int64_t expires_ms) {
  MutexLock lock(mu_);
  sql::Conn& conn = *conn_;                              // the lock is held throughout; the lambdas use it through this
  std::vector<std::pair<int64_t, std::string>> secrets;  // (person, secret)
  auto made = InTransaction<bool>(conn, [&]() -> Result<bool> {
    for (const auto& [person, person_id] : people) {
      std::string secret = NewLinkSecret("of_");
      auto r = conn.Run(
          "INSERT INTO match_offers(request_uid, person_uid, person_id, status, reason, offered_by, link_hash,"
          " created_ms, answered_ms, expires_ms) VALUES(?, ?, ?, 'offered', '', ?, ?, ?, 0, ?)"
          " ON CONFLICT(request_uid, person_uid) DO UPDATE SET status = 'offered', reason = '',"
          " offered_by = excluded.offered_by, link_hash = excluded.link_hash, created_ms = excluded.created_ms,"
          " answered_ms = 0, expires_ms = excluded.expires_ms WHERE match_offers.status <> 'accepted'",
          {request, person, person_id, by, LinkSecretHash(secret), now_ms, expires_ms});
      if (!r.ok()) return r.status();
      if (r->changes == 0)  // the person took it meanwhile: an accepted offer stays so
        return Status::Conflict("person " + std::to_string(person) + " has accepted this request already");
      secrets.emplace_back(person, secret);
    }
    return true;
  });
  if (!made.ok()) return made.status();
  std::vector<std::pair<Offer, std::string>> out;
  for (const auto& [person, secret] : secrets) {
    auto o = Query("WHERE request_uid = ? AND person_uid = ?", {request, person});
    if (!o.ok()) return o.status();
    if (o->empty()) return Status::Internal("the offer just made is not in the store");
    out.emplace_back(o->front(), secret);
  }
  return out;
}

Result<std::vector<Offer>> Offers::ForRequest(int64_t request) {
  MutexLock lock(mu_);
  return Query("WHERE request_uid = ? ORDER BY id", {request});
}

Result<std::vector<Offer>> Offers::ForPerson(int64_t person) {
  MutexLock lock(mu_);
  return Query("WHERE person_uid = ? ORDER BY id DESC LIMIT 200", {person});
}

Result<std::vector<Offer>> Offers::OpenSince(int64_t after, int limit) {
  MutexLock lock(mu_);
  return Query("WHERE id > ? AND status = 'offered' ORDER BY id LIMIT ?", {after, limit});
}

Result<Offer> Offers::Get(int64_t id) {
  MutexLock lock(mu_);
  auto o = Query("WHERE id = ?", {id});
  if (!o.ok()) return o.status();
  if (o->empty()) return Status::NotFound("no offer " + std::to_string(id));
  return o->front();
}

Result<Offer> Offers::ByLink(const std::string& secret) {
  MutexLock lock(mu_);
  auto o = Query("WHERE link_hash = ?", {LinkSecretHash(secret)});
  if (!o.ok()) return o.status();
  if (o->empty()) return Status::NotFound("this link is unknown: ask the coordinator for a new one");
  return o->front();
}

namespace {

// The offer, open: offered and not expired at now.
Status CheckOpen(const Offer& o, int64_t now_ms) {
  if (o.status == "accepted") return Status::Invalid("this offer was accepted already");
  if (o.status == "taken") return Status::Conflict("someone else took this request first");
  if (o.status != "offered") return Status::Invalid("this offer was " + o.status);
  if (o.expires_ms && now_ms >= o.expires_ms) return Status::Invalid("this offer has expired: ask the coordinator");
  return Status::Ok();
}

}  // namespace

Result<Offer> Offers::Accept(int64_t id, int64_t now_ms) {
  MutexLock lock(mu_);
  sql::Conn& conn = *conn_;  // the lock is held throughout; the lambda uses it through this
  auto won = InTransaction<Offer>(conn, [&]() -> Result<Offer> {
    auto found = QueryOn(conn, "WHERE id = ?", {id});
    if (!found.ok()) return found.status();
    if (found->empty()) return Status::NotFound("no offer " + std::to_string(id));
    Offer o = found->front();
    if (Status s = CheckOpen(o, now_ms); !s.ok()) return s;
    // The request's row: whoever inserts it first has the request.
    auto taken = conn.Run(
        "INSERT INTO match_accepts(request_uid, person_uid, person_id, offer_id, accepted_ms)"
        " VALUES(?, ?, ?, ?, ?)",
        {o.request, o.person, o.person_id, o.id, now_ms});
    if (!taken.ok()) {
      if (taken.status().code() == Status::Code::kConflict)
        return Status::Conflict("someone else took this request first");
      return taken.status();
    }
    auto r = conn.Run("UPDATE match_offers SET status = 'accepted', answered_ms = ? WHERE id = ?", {now_ms, o.id});
    if (!r.ok()) return r.status();
    r = conn.Run(
        "UPDATE match_offers SET status = 'taken', answered_ms = ? WHERE request_uid = ? AND id <> ?"
        " AND status = 'offered'",
        {now_ms, o.request, o.id});
    if (!r.ok()) return r.status();
    o.status = "accepted";
    o.answered_ms = now_ms;
    return o;
  });
  if (!won.ok() && won.status().code() == Status::Code::kConflict)  // this offer is taken, for all to see
    (void)conn_->Run("UPDATE match_offers SET status = 'taken', answered_ms = ? WHERE id = ? AND status = 'offered'",
                     {now_ms, id});
  return won;
}

Result<Offer> Offers::Decline(int64_t id, const std::string& reason, int64_t now_ms) {
  MutexLock lock(mu_);
  auto found = Query("WHERE id = ?", {id});
  if (!found.ok()) return found.status();
  if (found->empty()) return Status::NotFound("no offer " + std::to_string(id));
  Offer o = found->front();
  if (Status s = CheckOpen(o, now_ms); !s.ok()) return s;
  auto r = conn_->Run(
      "UPDATE match_offers SET status = 'declined', reason = ?, answered_ms = ? WHERE id = ? AND status = 'offered'",
      {reason.substr(0, 500), now_ms, id});
  if (!r.ok()) return r.status();
  if (r->changes == 0) return Status::Conflict("this offer was answered meanwhile");
  o.status = "declined";
  o.reason = reason.substr(0, 500);
  o.answered_ms = now_ms;
  return o;
}

Result<std::map<int64_t, Acceptance>> Offers::Accepted() {
  MutexLock lock(mu_);
  auto r = conn_->Run("SELECT request_uid, person_uid, person_id, accepted_ms, offer_id FROM match_accepts");
  if (!r.ok()) return r.status();
  std::map<int64_t, Acceptance> out;
  for (size_t i = 0; i < r->size(); ++i) out[r->Int(i, 0)] = {r->Int(i, 1), r->Text(i, 2), r->Int(i, 3), r->Int(i, 4)};
  return out;
}

Result<std::string> Offers::Stamp() {
  MutexLock lock(mu_);
  auto r = conn_->Run("SELECT COUNT(*), COALESCE(MAX(accepted_ms), 0) FROM match_accepts");
  if (!r.ok()) return r.status();
  return r->Text(0, 0) + "/" + r->Text(0, 1);
}

}  // namespace coophub::matching
