// SPDX-License-Identifier: Apache-2.0
//
// The Matcher: the matching engine over a store. It reads the people, the requests and
// the busy times of the sources hub.yaml's `matching:` names into a snapshot, made
// again when the store has changed (or a minute has passed: history is counted back
// from now), and answers candidates and batch assignments from it. The past comes
// from the requests themselves: one with an assignee is taken; its hours count for
// fairness, its client for continuity, its window keeps the assignee busy.
// Thread-safe: snapshots are immutable and shared.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "matching/assign.h"
#include "matching/matching.h"
#include "matching/offers.h"
#include "matching/profile_edits.h"
#include "matching/scorer.h"
#include "store/store.h"

namespace coophub::matching {

struct Snapshot {
  std::vector<Person> people;
  std::vector<Request> requests;
  std::map<int64_t, size_t> request_at;              // uid → index in requests
  std::map<std::string, int64_t> person_by_id;       // a person's record id → uid
  std::map<int64_t, size_t> person_at;               // uid → index in people
  std::map<std::string, int64_t> person_by_account;  // a hub account (lower case) → uid
  History history;
  std::unique_ptr<PeopleIndex> index;
  int64_t seq = 0, made = 0;  // the store's seq and the time it was made at
  std::string stamp;          // the accepted offers and profile corrections it knows (their Stamps)
  // People and requests that cannot be matched, and why: "carers/17: data.max_km: …".
  std::vector<std::string> problems;

  bool Open(const Request& r, int64_t now) const { return r.assignee.empty() && r.window.start >= now; }
};

class Matcher {
 public:
  // now: the clock (unix seconds); tests pass their own. offers and edits (may be
  // null): the accepted offers and the members' corrections of their profiles, kept by
  // the caller.
  Matcher(Store& store, MatchingConfig config, Postcodes postcodes, std::function<int64_t()> now = nullptr,
          Offers* offers = nullptr, ProfileEdits* edits = nullptr);

  const MatchingConfig& config() const { return config_; }
  const Postcodes& postcodes() const { return postcodes_; }
  // The coop's own scoring step (matching.scorer), set once before the matcher is used.
  void SetScorer(std::unique_ptr<Scorer> scorer) { scorer_ = std::move(scorer); }
  // Through the scorer, if there is one: what it failed with ("" none; the built-in
  // scores then stand).
  std::string Rescore(const Snapshot& s, const std::vector<ScoreJob>& jobs) const;
  int64_t Now() const;

  // The snapshot as of now: the one kept, or a new one when the store moved on.
  Result<std::shared_ptr<const Snapshot>> Current();
  Context ContextOf(const Snapshot& s) const;

  // Ranked candidates of one request. NotFound: no such request in the sources named.
  // Invalid: the request cannot be matched (its problem says why).
  Result<Ranking> Candidates(const Snapshot& s, int64_t request_uid) const;
  // Assigns open requests (uids; unknown or taken ones are an Invalid naming them).
  Result<AssignResult> Assign(const Snapshot& s, const std::vector<int64_t>& request_uids,
                              std::optional<int> capacity) const;

 private:
  Result<std::shared_ptr<const Snapshot>> Load(int64_t seq, const std::string& stamp, int64_t now) const;

  Store& store_;
  const MatchingConfig config_;
  const Postcodes postcodes_;
  std::function<int64_t()> now_;
  Offers* offers_;
  ProfileEdits* edits_;
  std::unique_ptr<Scorer> scorer_;
  Mutex mu_;
  std::shared_ptr<const Snapshot> current_ GUARDED_BY(mu_);
};

}  // namespace coophub::matching
