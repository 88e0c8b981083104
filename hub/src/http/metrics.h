// SPDX-License-Identifier: Apache-2.0
//
// Counters and latency histograms of the HTTP API, by route pattern (never the raw path,
// so that the number of series stays bounded), in the Prometheus text format.
// Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>

#include "base/mutex.h"

namespace coophub {

class HttpMetrics {
 public:
  static constexpr std::array<double, 9> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5};
  void Observe(const std::string& method, const std::string& route, int status, double seconds);
  // coophub_http_requests_total and coophub_http_request_duration_seconds.
  std::string Render() const;

 private:
  struct Latency {
    std::array<uint64_t, kBuckets.size()> le{};  // cumulative at render, per bucket here
    uint64_t count = 0;
    double sum = 0;
  };
  mutable Mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_ GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, Latency> latency_ GUARDED_BY(mu_);
};

// A label value escaped for the text format (backslash, quote, newline).
std::string PromLabel(const std::string& v);

}  // namespace coophub
