// SPDX-License-Identifier: Apache-2.0
// Batch assignment on GLPK, and the greedy baseline; see assign.h.
#include "matching/assign.h"

#include <glpk.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "base/mutex.h"

namespace coophub::matching {
namespace {

// GLPK keeps its environment per thread only when built so; one solve at a time is
// safe either way (a coordinator's action, not a hot path).
Mutex glpk_mu;

int64_t Minutes(const Interval& w) { return (w.end - w.start + 59) / 60; }

// The Monday-based week of an instant (1970-01-01 was a Thursday).
int64_t Week(int64_t t) {
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  return (days + 3) >= 0 ? (days + 3) / 7 : (days + 3 - 6) / 7;
}

int64_t WeeklyMinutes(const Person& p) {
  int64_t sum = 0;
  for (const auto& day : *p.weekly)
    for (const auto& [a, b] : day) sum += b - a;
  return sum;
}

// What one person has taken so far, for the greedy and the check.
struct Load {
  int count = 0;
  std::vector<Interval> windows;
  std::map<int64_t, int64_t> week_minutes;

  bool Fits(const Person& p, const Interval& w, std::optional<int> capacity) const {
    if (capacity && count >= *capacity) return false;
    for (const auto& t : windows)
      if (t.start < w.end && w.start < t.end) return false;
    if (p.weekly) {
      auto it = week_minutes.find(Week(w.start));
      if ((it == week_minutes.end() ? 0 : it->second) + Minutes(w) > WeeklyMinutes(p)) return false;
    }
    return true;
  }
  void Take(const Interval& w) {
    ++count;
    windows.push_back(w);
    week_minutes[Week(w.start)] += Minutes(w);
  }
};

AssignResult Finish(const std::vector<Offerable>& requests, std::vector<Assignment> chosen) {
  AssignResult out;
  std::map<int64_t, Assignment> by_request;
  for (const auto& a : chosen) by_request[a.request] = a;
  for (const auto& o : requests) {
    auto it = by_request.find(o.request->uid);
    if (it == by_request.end()) {
      out.unassigned.push_back(o.request->uid);
      continue;
    }
    out.assignments.push_back(it->second);
    out.total += it->second.score;
  }
  out.total = std::round(out.total * 10) / 10;
  return out;
}

struct GlpkDeleter {
  void operator()(glp_prob* p) const { glp_delete_prob(p); }
};

}  // namespace

bool Feasible(const std::vector<Offerable>& requests, const std::vector<Assignment>& assignments,
              std::optional<int> capacity) {
  std::map<int64_t, const Offerable*> by_uid;
  for (const auto& o : requests) by_uid[o.request->uid] = &o;
  std::set<int64_t> taken;
  std::map<int64_t, Load> loads;
  for (const auto& a : assignments) {
    auto it = by_uid.find(a.request);
    if (it == by_uid.end() || !taken.insert(a.request).second) return false;
    const Candidate* c = nullptr;
    for (const auto& cand : it->second->candidates)
      if (cand.person->uid == a.person) c = &cand;
    if (!c) return false;  // not a feasible candidate of the request
    Load& load = loads[a.person];
    if (!load.Fits(*c->person, it->second->request->window, capacity)) return false;
    load.Take(it->second->request->window);
  }
  return true;
}

AssignResult AssignGreedy(const std::vector<Offerable>& requests, std::optional<int> capacity) {
  std::vector<std::tuple<double, size_t, size_t>> pairs;  // (score, request, candidate)
  for (size_t i = 0; i < requests.size(); ++i)
    for (size_t j = 0; j < requests[i].candidates.size(); ++j)
      pairs.emplace_back(requests[i].candidates[j].score, i, j);
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
  std::vector<bool> done(requests.size());
  std::map<int64_t, Load> loads;
  std::vector<Assignment> chosen;
  for (const auto& [score, i, j] : pairs) {
    if (done[i]) continue;
    const Candidate& c = requests[i].candidates[j];
    Load& load = loads[c.person->uid];
    const Interval& w = requests[i].request->window;
    if (!load.Fits(*c.person, w, capacity)) continue;
    load.Take(w);
    done[i] = true;
    chosen.push_back({requests[i].request->uid, c.person->uid, score});
  }
  return Finish(requests, std::move(chosen));
}

AssignResult AssignOptimal(const std::vector<Offerable>& requests, std::optional<int> capacity, int per_request,
                           int time_limit_ms) {
  // Columns: each request's best candidates. GLPK counts rows and columns from 1.
  struct Column {
    size_t request;
    const Candidate* candidate;
  };
  std::vector<Column> cols;
  std::map<const Person*, std::vector<int>> by_person;  // column numbers
  for (size_t i = 0; i < requests.size(); ++i) {
    size_t n = std::min(requests[i].candidates.size(), static_cast<size_t>(std::max(per_request, 1)));
    for (size_t j = 0; j < n; ++j) {
      cols.push_back({i, &requests[i].candidates[j]});
      by_person[requests[i].candidates[j].person].push_back(static_cast<int>(cols.size()));
    }
  }
  if (cols.empty()) return Finish(requests, {});

  std::vector<std::vector<int>> rows;         // columns in each row, all coefficients 1 …
  std::vector<std::vector<double>> weighted;  // … but for the rows of minutes
  std::vector<double> bounds;
  auto add_row = [&](std::vector<int> c, double bound, std::vector<double> w = {}) {
    rows.push_back(std::move(c));
    weighted.push_back(std::move(w));
    bounds.push_back(bound);
  };
  std::vector<std::vector<int>> per_req(requests.size());
  for (size_t k = 0; k < cols.size(); ++k) per_req[cols[k].request].push_back(static_cast<int>(k + 1));
  for (auto& r : per_req)
    if (r.size() > 1) add_row(r, 1);
  auto window = [&](int col) -> const Interval& {
    return requests[cols[static_cast<size_t>(col - 1)].request].request->window;
  };
  for (auto& [person, mine] : by_person) {
    if (capacity && static_cast<int>(mine.size()) > *capacity) add_row(mine, *capacity);
    // No two at once: at each start, the requests running then take one between them.
    std::set<std::vector<int>> cliques;
    for (int a : mine) {
      std::vector<int> running;
      for (int b : mine)
        if (window(b).start <= window(a).start && window(a).start < window(b).end) running.push_back(b);
      if (running.size() > 1) cliques.insert(running);
    }
    for (const auto& c : cliques) add_row(c, 1);
    if (person->weekly) {
      std::map<int64_t, std::vector<int>> weeks;
      for (int c : mine) weeks[Week(window(c).start)].push_back(c);
      int64_t most = WeeklyMinutes(*person);
      for (auto& [week, in_week] : weeks) {
        std::vector<double> minutes;
        int64_t sum = 0;
        for (int c : in_week) {
          minutes.push_back(static_cast<double>(Minutes(window(c))));
          sum += Minutes(window(c));
        }
        if (sum > most) add_row(in_week, static_cast<double>(most), minutes);
      }
    }
  }

  MutexLock lock(glpk_mu);
  std::unique_ptr<glp_prob, GlpkDeleter> lp(glp_create_prob());
  glp_set_obj_dir(lp.get(), GLP_MAX);
  glp_add_cols(lp.get(), static_cast<int>(cols.size()));
  for (size_t k = 0; k < cols.size(); ++k) {
    int c = static_cast<int>(k + 1);
    glp_set_col_kind(lp.get(), c, GLP_BV);
    glp_set_obj_coef(lp.get(), c, cols[k].candidate->score);
  }
  if (!rows.empty()) glp_add_rows(lp.get(), static_cast<int>(rows.size()));
  std::vector<int> ia{0}, ja{0};
  std::vector<double> ar{0};
  for (size_t r = 0; r < rows.size(); ++r) {
    int row = static_cast<int>(r + 1);
    glp_set_row_bnds(lp.get(), row, GLP_UP, 0.0, bounds[r]);
    for (size_t k = 0; k < rows[r].size(); ++k) {
      ia.push_back(row);
      ja.push_back(rows[r][k]);
      ar.push_back(weighted[r].empty() ? 1.0 : weighted[r][k]);
    }
  }
  if (ia.size() > 1) glp_load_matrix(lp.get(), static_cast<int>(ia.size() - 1), ia.data(), ja.data(), ar.data());
  glp_iocp parm;
  glp_init_iocp(&parm);
  parm.presolve = GLP_ON;
  parm.msg_lev = GLP_MSG_OFF;
  parm.tm_lim = time_limit_ms;
  int err = glp_intopt(lp.get(), &parm);
  int status = glp_mip_status(lp.get());
  std::vector<Assignment> chosen;
  if (status == GLP_OPT || status == GLP_FEAS)
    for (size_t k = 0; k < cols.size(); ++k)
      if (glp_mip_col_val(lp.get(), static_cast<int>(k + 1)) > 0.5)
        chosen.push_back(
            {requests[cols[k].request].request->uid, cols[k].candidate->person->uid, cols[k].candidate->score});
  AssignResult out = Finish(requests, std::move(chosen));
  out.optimal = err == 0 && status == GLP_OPT;
  return out;
}

}  // namespace coophub::matching
