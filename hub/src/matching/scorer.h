// SPDX-License-Identifier: Apache-2.0
//
// A coop's own scoring step (hub.yaml's matching.scorer): a program (exec:PROGRAM) or a
// .so plugin, run exactly as a connector is (runtime/runner.h: its own process, the
// plugin inside coophub-worker, the same limits), that ranks the candidates the hard
// rules let through. It reads them as its config and answers with a RECORD for each
// candidate it scores; the hub keeps the rules: a scorer can reorder, never admit.
// The protocol is in docs/matching.md ("Your own scoring"). Thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "matching/matching.h"
#include "runtime/runner.h"

namespace coophub::matching {

// One request and its candidates, ranked by the built-in score; Rescore changes their
// scores, reasons and order.
struct ScoreJob {
  const Request* request = nullptr;
  std::vector<Candidate>* candidates = nullptr;
};

class Scorer {
 public:
  // workdir: where it runs, and where a relative program path resolves (hub.yaml's).
  Scorer(ConnectorRef program, int64_t timeout_ms, std::string workdir)
      : program_(std::move(program)), timeout_ms_(timeout_ms), workdir_(std::move(workdir)) {}

  // One run for every job. A candidate it does not score keeps the built-in score. On
  // an error (the program failed, timed out, or answered out of shape) the candidates
  // are as they were and the Status says what went wrong, naming matching.scorer.
  Status Rescore(const std::vector<ScoreJob>& jobs, const Context& ctx) const;

  const ConnectorRef& program() const { return program_; }

 private:
  ConnectorRef program_;
  int64_t timeout_ms_;
  std::string workdir_;
};

// What a scorer reads of a job: the request (its area, never its address) and each
// candidate (their profile, distance rounded, built-in score and reasons, their past).
json ScorerInput(const std::vector<ScoreJob>& jobs, const Context& ctx);

}  // namespace coophub::matching
