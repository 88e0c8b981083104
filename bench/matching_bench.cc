// SPDX-License-Identifier: Apache-2.0
//
// Matching on the generated Barcelona coop (examples/matching: 2,000 carers, 500 open
// visits): the example's sources synced through the exec connector into a SQLite store,
// then, from the Matcher's snapshot, each open request's candidates (p50, p99 over
// three rounds of all 500), and the batch assignment of all 500 by GLPK beside the
// greedy baseline measured in the same run (both totals reported). Prints
// `name value` lines for bench/run.sh.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "config/config.h"
#include "matching/assign.h"
#include "matching/matcher.h"
#include "runtime/runner.h"
#include "store/store.h"
#include "sync/sync.h"

using namespace coophub;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double Ms(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: matching_bench <coophub-worker binary> <examples/matching/hub.yaml>\n");
    return 2;
  }
  SetWorkerProgram(argv[1]);
  auto config = LoadConfig(argv[2]);
  if (!config.ok() || !config->matching) {
    std::fprintf(stderr, "%s\n", config.ok() ? "no matching: section" : config.status().message().c_str());
    return 2;
  }
  std::string tmpl = (fs::temp_directory_path() / "coophub-matching-bench-XXXXXX").string();
  std::string dir = mkdtemp(tmpl.data());
  config->base_dir = fs::path(argv[2]).parent_path().string();
  auto store = OpenSqliteStore({dir + "/coophub.db", 2});
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().message().c_str());
    return 1;
  }
  for (const auto& src : config->sources) {
    SyncResult r = SyncSource(**store, *config, src, SyncOptions{});
    if (!r.ok()) {
      std::fprintf(stderr, "sync %s: %s\n", src.id.c_str(), r.run.message.c_str());
      return 1;
    }
  }
  auto postcodes = matching::LoadPostcodes(config->matching->postcodes);
  if (!postcodes.ok()) {
    std::fprintf(stderr, "%s\n", postcodes.status().message().c_str());
    return 1;
  }
  matching::Matcher matcher(**store, *config->matching, *postcodes);
  auto t0 = Clock::now();
  auto snapshot = matcher.Current();
  double load_ms = Ms(t0);
  if (!snapshot.ok()) {
    std::fprintf(stderr, "%s\n", snapshot.status().message().c_str());
    return 1;
  }
  const matching::Snapshot& s = **snapshot;
  std::vector<int64_t> open;
  for (const auto& r : s.requests)
    if (s.Open(r, matcher.Now()) && r.problem.empty()) open.push_back(r.uid);

  if (open.empty()) {
    std::fprintf(stderr, "no open request of %zu (%s)\n", s.requests.size(),
                 s.problems.empty() ? "no problem" : s.problems.back().c_str());
    return 1;
  }
  std::vector<double> ms;
  size_t offered = 0;
  for (int round = 0; round < 3; ++round)
    for (int64_t uid : open) {
      auto t = Clock::now();
      auto ranking = matcher.Candidates(s, uid);
      ms.push_back(Ms(t));
      if (ranking.ok() && round == 0) offered += ranking->candidates.size();
    }

  // The batch: GLPK through the Matcher (ranking included), greedy on the same ranking.
  t0 = Clock::now();
  auto optimal = matcher.Assign(s, open, std::nullopt);
  double optimal_ms = Ms(t0);
  if (!optimal.ok()) {
    std::fprintf(stderr, "assign: %s\n", optimal.status().message().c_str());
    return 1;
  }
  std::vector<matching::Offerable> offers;
  matching::Context ctx = matcher.ContextOf(s);
  for (int64_t uid : open) {
    const matching::Request& r = s.requests[s.request_at.at(uid)];
    offers.push_back({&r, matching::Rank(r, *s.index, s.people, ctx).candidates});
  }
  t0 = Clock::now();
  auto greedy = matching::AssignGreedy(offers, std::nullopt);
  double greedy_ms = Ms(t0);

  std::printf("matching_people %zu\nmatching_open_requests %zu\n", s.people.size(), open.size());
  std::printf("matching_candidates_mean %.1f\n", static_cast<double>(offered) / static_cast<double>(open.size()));
  std::printf("matching_snapshot_ms %.1f\n", load_ms);
  std::printf("matching_candidates_p50_ms %.3f\nmatching_candidates_p99_ms %.3f\n", Percentile(ms, 0.5),
              Percentile(ms, 0.99));
  std::printf("matching_assign_ms %.0f\nmatching_assign_total %.1f\nmatching_assign_assigned %zu\n", optimal_ms,
              optimal->total, optimal->assignments.size());
  std::printf("matching_assign_optimal %d\n", optimal->optimal ? 1 : 0);
  std::printf("matching_greedy_ms %.1f\nmatching_greedy_total %.1f\nmatching_greedy_assigned %zu\n", greedy_ms,
              greedy.total, greedy.assignments.size());
  store->reset();
  fs::remove_all(dir);
  return 0;
}
