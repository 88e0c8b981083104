// SPDX-License-Identifier: Apache-2.0
//
// Batch assignment: many open requests given to people at once, for the best total
// score, as an integer program solved by GLPK (branch and bound on its simplex):
//   maximise   Σ score(r, p) · x[r, p]   over each request's feasible candidates
//   subject to each request to one person at most;
//              each person to `capacity` requests at most (when the call sets one);
//              a person's requests never overlap in time (one row per start time:
//              the requests running then take one between them);
//              a person's minutes in each week within their declared weekly hours.
// Greedy (best pair first, while it fits) is here too, as the baseline the benchmark
// sets beside it. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "matching/matching.h"

namespace coophub::matching {

// A request with its ranked candidates (Rank's), as the solver weighs them.
struct Offerable {
  const Request* request = nullptr;
  std::vector<Candidate> candidates;  // feasible, best first
};

struct Assignment {
  int64_t request = 0, person = 0;
  double score = 0;
};

struct AssignResult {
  std::vector<Assignment> assignments;  // in the order of the requests given
  double total = 0;                     // Σ score, one decimal
  std::vector<int64_t> unassigned;      // requests no one could take
  bool optimal = true;                  // false: the time limit ended the search first
  std::string scorer_error;             // the coop's scorer failed: why (the built-in scores stood)
};

// capacity: the most requests one person takes in this call (none: as their hours allow).
// per_request: the best candidates of each request that are weighed (Rank's order).
// time_limit_ms bounds the solver; what it found best by then is returned, not optimal.
AssignResult AssignOptimal(const std::vector<Offerable>& requests, std::optional<int> capacity, int per_request,
                           int time_limit_ms = 10000);
AssignResult AssignGreedy(const std::vector<Offerable>& requests, std::optional<int> capacity);

// Whether the given assignments keep every rule above (tests and the greedy use it).
bool Feasible(const std::vector<Offerable>& requests, const std::vector<Assignment>& assignments,
              std::optional<int> capacity);

}  // namespace coophub::matching
