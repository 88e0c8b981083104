// SPDX-License-Identifier: Apache-2.0
// Search queries over the FTS5 index; see fts_query.h.
#include "store/sqlite/fts_query.h"

#include <algorithm>

#include <coophub/time.hpp>

#include "store/work_queue.h"

namespace coophub::sqlite {
namespace {

// The FTS5 API of this connection, through which we reach its tokenizers.
fts5_api* FtsApi(Db& db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* st = db.Prepare("SELECT fts5(?1)");
  if (!st) return nullptr;
  sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", nullptr);
  sqlite3_step(st);
  sqlite3_reset(st);
  return api;
}

int OnToken(void* ctx, int /*flags*/, const char* token, int len, int /*start*/, int /*end*/) {
  static_cast<std::vector<std::string>*>(ctx)->emplace_back(token, static_cast<size_t>(len));
  return SQLITE_OK;
}

size_t Utf8Chars(const std::string& s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string Quoted(std::string_view word) {
  std::string out = "\"";
  for (char c : word) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Up to kMaxExpansions indexed words that begin with prefix, in byte order.
std::vector<std::string> Expand(Db& db, const std::string& prefix) {
  std::vector<std::string> out;
  sqlite3_stmt* st = db.Prepare("SELECT term FROM record_terms WHERE term >= ?1 AND term < ?2 LIMIT 1");
  if (!st) return out;
  // Every word that begins with prefix sorts below prefix + 0xF5, a byte UTF-8 never has.
  std::string from = prefix, below = prefix + "\xF5";
  while (out.size() < static_cast<size_t>(kMaxExpansions)) {
    if (StepWith(st, from, below) != SQLITE_ROW) break;
    out.push_back(Text(st, 0));
    sqlite3_reset(st);
    // The next word after this one: tokens never hold control characters, so nothing
    // sorts between the word and the word followed by \x01.
    from = out.back() + "\x01";
  }
  sqlite3_reset(st);
  return out;
}

}  // namespace

std::vector<std::string> Expansions::Get(Db& db, const std::string& prefix, uint64_t version) {
  {
    MutexLock lock(mu_);
    if (version_ != version) {
      by_prefix_.clear();
      version_ = version;
    }
    if (auto it = by_prefix_.find(prefix); it != by_prefix_.end()) return it->second;
  }
  std::vector<std::string> words = Expand(db, prefix);  // read outside the lock
  MutexLock lock(mu_);
  if (version_ == version) {
    if (by_prefix_.size() >= kMost) by_prefix_.clear();
    by_prefix_.emplace(prefix, words);
  }
  return words;
}

int64_t SearchKey(const std::string& time, int64_t uid) {
  constexpr int64_t kLimit = int64_t{1} << 34;  // seconds either side of 1970
  int64_t seconds = std::clamp<int64_t>(ParseRfc3339(time).value_or(0), -kLimit, kLimit - 1);
  return seconds * (int64_t{1} << kUidBits) + uid;
}

std::vector<std::string> SearchTokens(Db& db, std::string_view text) {
  std::vector<std::string> tokens;
  fts5_api* api = FtsApi(db);
  void* user = nullptr;
  fts5_tokenizer tokenizer;
  if (!api || api->xFindTokenizer(api, "unicode61", &user, &tokenizer) != SQLITE_OK) return tokens;
  const char* args[] = {"remove_diacritics", "2"};  // as the index was made
  Fts5Tokenizer* t = nullptr;
  if (tokenizer.xCreate(user, args, 2, &t) != SQLITE_OK) return tokens;
  tokenizer.xTokenize(t, &tokens, FTS5_TOKENIZE_QUERY, text.data(), static_cast<int>(text.size()), OnToken);
  tokenizer.xDelete(t);
  return tokens;
}

std::string BuildFtsQuery(Db& db, std::string_view typed, Expansions* expansions, uint64_t version) {
  std::vector<std::string> words = store::QueryWords(typed);
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    std::vector<std::string> tokens = SearchTokens(db, words[i]);
    if (tokens.empty()) continue;  // punctuation only: nothing FTS5 could match
    std::string part = Quoted(words[i]);
    if (i + 1 == words.size()) {
      size_t chars = tokens.size() == 1 ? Utf8Chars(tokens[0]) : 0;
      if (tokens.size() > 1 || chars == 2 || chars == 3) {
        part += "*";  // the last token as a prefix: from the prefix index when short
      } else if (chars > 3) {
        std::vector<std::string> whole = expansions ? expansions->Get(db, tokens[0], version) : Expand(db, tokens[0]);
        if (!whole.empty()) {
          part = "(";
          for (size_t k = 0; k < whole.size(); ++k) part += (k ? " OR " : "") + Quoted(whole[k]);
          part += ")";
        }
      }
      // One character: a prefix of nearly everything, so the word itself.
    }
    out += (out.empty() ? "" : " AND ") + part;
  }
  return out;
}

}  // namespace coophub::sqlite
