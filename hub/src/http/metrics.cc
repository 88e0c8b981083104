// SPDX-License-Identifier: Apache-2.0
// The HTTP API's Prometheus metrics; see metrics.h.
#include "http/metrics.h"

#include <cstdio>

namespace coophub {

std::string PromLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"')
      out += '\\', out += c;
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void HttpMetrics::Observe(const std::string& method, const std::string& route, int status, double seconds) {
  MutexLock lock(mu_);
  ++requests_[{method, route, status}];
  Latency& l = latency_[{method, route}];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) {
      ++l.le[i];
      break;
    }
  ++l.count;
  l.sum += seconds;
}

std::string HttpMetrics::Render() const {
  MutexLock lock(mu_);
  std::string out =
      "# HELP coophub_http_requests_total HTTP requests answered, by route and status.\n"
      "# TYPE coophub_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    out += "coophub_http_requests_total{method=\"" + method + "\",route=\"" + PromLabel(route) + "\",status=\"" +
           std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  }
  out +=
      "# HELP coophub_http_request_duration_seconds Time to answer, by route.\n"
      "# TYPE coophub_http_request_duration_seconds histogram\n";
  char num[32];
  for (const auto& [key, l] : latency_) {
    std::string labels = "method=\"" + key.first + "\",route=\"" + PromLabel(key.second) + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += l.le[i];
      std::snprintf(num, sizeof num, "%g", kBuckets[i]);
      out += "coophub_http_request_duration_seconds_bucket{" + labels + ",le=\"" + num + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "coophub_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(l.count) + "\n";
    std::snprintf(num, sizeof num, "%.6f", l.sum);
    out += "coophub_http_request_duration_seconds_sum{" + labels + "} " + num + "\n";
    out += "coophub_http_request_duration_seconds_count{" + labels + "} " + std::to_string(l.count) + "\n";
  }
  return out;
}

}  // namespace coophub
