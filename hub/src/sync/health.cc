// SPDX-License-Identifier: Apache-2.0
// A source's freshness; see health.h.
#include "sync/health.h"

namespace coophub {

const char* Freshness(int64_t last_success_ms, const std::string& last_status, int64_t every_ms, int64_t now_ms) {
  if (last_status == "failed") return "stale";
  if (!last_success_ms) return "never";
  return now_ms - last_success_ms <= 2 * every_ms ? "fresh" : "stale";
}

}  // namespace coophub
