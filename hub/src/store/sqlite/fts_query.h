// SPDX-License-Identifier: Apache-2.0
//
// Search in the SQLite store: what a person types becomes an FTS5 query that cannot be a
// syntax error and stays fast on millions of records. Internal to the store.
//
// How search stays fast: the search index's rowid is a record's *search key*, its time
// in seconds times 2^28 plus its uid, so FTS5 hands out hits newest first and a page of
// 50 stops after about 50 hits, however common the words. The one thing FTS5 cannot do
// lazily is a prefix ("invoi*"): it merges the hit lists of every word with that prefix
// before it returns the first row. So prefixes of two and three characters have their
// own index (prefix='2 3'), and a longer last word is expanded into at most
// kMaxExpansions whole words that begin with it, read from the index's vocabulary, as
// search-as-you-type engines do (Elasticsearch's max_expansions).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/mutex.h"
#include "store/sqlite/sqlite_db.h"

namespace coophub::sqlite {

inline constexpr int kUidBits = 28;
inline constexpr int64_t kMaxUid = (int64_t{1} << kUidBits) - 1;  // 268,435,455 records
inline constexpr int kMaxExpansions = 8;

// The search key of a record with this time (canonical RFC 3339) and uid. Times are
// clamped to about 1426..2514; within one second, the newer uid comes first.
int64_t SearchKey(const std::string& time, int64_t uid);

// The tokens FTS5 makes of text (unicode61, diacritics removed, lower case).
std::vector<std::string> SearchTokens(Db& db, std::string_view text);

// The words a longer last word expands to, remembered while the data is as it was
// (version: the store's data generation). Finding that a prefix has no further word
// means seeking past its last one, which on a large index reads the next word's hit
// list and costs milliseconds: more than the rest of a search's page. Thread-safe.
class Expansions {
 public:
  std::vector<std::string> Get(Db& db, const std::string& prefix, uint64_t version);

 private:
  static constexpr size_t kMost = 4096;  // prefixes kept; all are dropped past it
  Mutex mu_;
  std::unordered_map<std::string, std::vector<std::string>> by_prefix_ GUARDED_BY(mu_);
  uint64_t version_ GUARDED_BY(mu_) = 0;
};

// The FTS5 query for what a person typed: every word required, each quoted, the last
// one also matching longer words it begins. Words are split at blanks and control
// characters (a NUL would end FTS5's view of the query); words with no letters or
// digits are dropped. Empty when no word is left: then there is nothing to search for.
// With expansions, a longer last word's words are looked up there first.
std::string BuildFtsQuery(Db& db, std::string_view typed, Expansions* expansions = nullptr, uint64_t version = 0);

}  // namespace coophub::sqlite
