// SPDX-License-Identifier: Apache-2.0
//
// Pages of the records list, kept until the data changes. Every worker's dashboard and
// every embedded widget asks for the same few pages (the newest fifty, this week's
// events) again and again, while the data changes once a sync: a page served from here
// costs a lookup instead of fifty index steps and row reads.
//
// The cache knows nothing of the database. Its owner says which version of the data a
// page was read at, and asks with the version it sees now; the first ask or put with a
// newer version drops everything older. A page is kept the second time its query is
// answered, so queries asked once cost nothing. It is bounded in bytes (a full cache is
// emptied rather than managed: after a sync every page is stale anyway) and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/mutex.h"
#include "store/store.h"

namespace coophub {

class PageCache {
 public:
  explicit PageCache(size_t max_bytes = 1 << 20) : max_bytes_(max_bytes) {}

  // The key of a query: every field that can change its answer.
  static std::string Key(const RecordQuery& q) {
    std::string k;
    for (const std::string* s : {&q.kind, &q.source, &q.stream, &q.q, &q.since, &q.until, &q.cursor}) {
      k += *s;
      k += '\0';
    }
    for (const auto& v : q.visibilities) {
      k += v;
      k += '\x01';
    }
    k += '\0';
    k += std::to_string(q.limit);
    k += q.relevance ? 'r' : q.oldest_first ? 'o' : 'n';
    k += q.plain_plan ? 'p' : 'f';
    k += std::to_string(reinterpret_cast<uintptr_t>(q.snippet));  // each renderer its pages
    return k;
  }

  // The page stored under key at this version, or null.
  std::shared_ptr<const RecordPage> Find(const std::string& key, uint64_t version) {
    MutexLock lock(mu_);
    Advance(version);
    if (version != version_) return nullptr;
    auto it = pages_.find(key);
    return it == pages_.end() ? nullptr : it->second;  // null too when only noted
  }

  // Keeps page as read at version if its query was asked before at this version: a
  // page asked for once (a deep cursor, a search typed once) costs no copy. Dropped: a
  // page read at an older version than the newest seen, and one bigger than a quarter
  // of the budget.
  void Put(const std::string& key, uint64_t version, const RecordPage& page) {
    size_t size = page.items_json.size() + page.next_cursor.size();
    if (KeyBytes(key) + size > max_bytes_ / 4) return;
    MutexLock lock(mu_);
    Advance(version);
    if (version != version_) return;
    auto it = pages_.find(key);
    if (it != pages_.end() && it->second) return;  // another request kept it meanwhile
    bool asked_before = it != pages_.end();
    size_t need = asked_before ? size : KeyBytes(key);
    if (bytes_ + need > max_bytes_) {
      Clear();
      if (asked_before) need += KeyBytes(key);
    }
    if (asked_before)
      pages_[key] = std::make_shared<const RecordPage>(page);
    else
      pages_.emplace(key, nullptr);  // the first time: the key is noted, the page is not kept
    bytes_ += need;
  }

  size_t bytes() const {
    MutexLock lock(mu_);
    return bytes_;
  }

 private:
  // A key's share of the budget: its text and the map's node around it.
  static size_t KeyBytes(const std::string& key) { return key.size() + 64; }
  void Advance(uint64_t version) REQUIRES(mu_) {
    if (version <= version_) return;
    version_ = version;
    Clear();
  }
  void Clear() REQUIRES(mu_) {
    pages_.clear();
    bytes_ = 0;
  }

  const size_t max_bytes_;
  mutable Mutex mu_;
  uint64_t version_ GUARDED_BY(mu_) = 0;
  std::unordered_map<std::string, std::shared_ptr<const RecordPage>> pages_ GUARDED_BY(mu_);  // null: asked once
  size_t bytes_ GUARDED_BY(mu_) = 0;
};

}  // namespace coophub
