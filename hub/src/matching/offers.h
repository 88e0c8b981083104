// SPDX-License-Identifier: Apache-2.0
//
// Offers: a coordinator offers a request to one or several people; the first to accept
// gets it, the others find it taken. Kept in the hub's store (match_offers and
// match_accepts, made by the store's migrations) on either engine: the accept is one
// transaction whose insert of the request's row in match_accepts (its primary key) is
// what decides, so two accepts at once, on one replica or two, make one winner.
// Each offer has a link secret (kept as its hash) that answers it without signing in,
// until it expires. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "store/sql.h"

namespace coophub::matching {

struct Offer {
  int64_t id = 0, request = 0, person = 0;  // record uids
  std::string person_id;                    // the person's record id (their assignee value)
  std::string status;                       // offered, accepted, declined, taken (by another), expired
  std::string reason;                       // a decline's, when given
  std::string offered_by;
  int64_t created_ms = 0, answered_ms = 0, expires_ms = 0;
};

// An accepted request: who took it and when.
struct Acceptance {
  int64_t person = 0;
  std::string person_id;
  int64_t accepted_ms = 0;
  int64_t offer_id = 0;  // the offer it answered
};

class Offers {
 public:
  // On a store whose migrations made the tables.
  static Result<std::unique_ptr<Offers>> Open(sql::Database& db);

  // Offers request to each (person uid, person id) at now_ms, expiring at expires_ms;
  // an offer already made to a person is made again (offered anew, a new link), but an
  // accepted one stays accepted (Conflict).
  // Returns each offer with its link secret (shown once, kept only as a hash).
  Result<std::vector<std::pair<Offer, std::string>>> Make(int64_t request,
                                                          const std::vector<std::pair<int64_t, std::string>>& people,
                                                          const std::string& by, int64_t now_ms, int64_t expires_ms);
  Result<std::vector<Offer>> ForRequest(int64_t request);
  Result<std::vector<Offer>> ForPerson(int64_t person);
  // Offers still open that were made after offer id `after`, oldest first, at most limit.
  Result<std::vector<Offer>> OpenSince(int64_t after, int limit);
  Result<Offer> Get(int64_t id);                    // NotFound
  Result<Offer> ByLink(const std::string& secret);  // NotFound when unknown

  // The person takes the request. Conflict: someone took it first (this offer is then
  // marked taken); Invalid: the offer is not open (declined, expired, answered).
  Result<Offer> Accept(int64_t id, int64_t now_ms);
  Result<Offer> Decline(int64_t id, const std::string& reason, int64_t now_ms);

  // Every accepted request, and a stamp that moves when one is added.
  Result<std::map<int64_t, Acceptance>> Accepted();
  Result<std::string> Stamp();

 private:
  explicit Offers(std::unique_ptr<sql::Conn> conn) : conn_(std::move(conn)) {}
  Result<std::vector<Offer>> Query(const std::string& where, const std::vector<sql::Value>& args) REQUIRES(mu_);

  Mutex mu_;
  std::unique_ptr<sql::Conn> conn_ GUARDED_BY(mu_);
};

}  // namespace coophub::matching
