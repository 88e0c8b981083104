// SPDX-License-Identifier: Apache-2.0
//
// One SQL connection to the hub's store, whichever engine holds it: what accounts,
// sources and dashboards are written against, so that each is written once for SQLite
// and PostgreSQL. The record store itself (store.h) has a backend per engine, since
// search and bulk writes are where the engines differ. Rows come back whole (these
// tables are small); a Conn is used by one thread at a time; a Database is thread-safe.
//
// The SQL is the dialect both engines share: `?` placeholders (numbered for PostgreSQL
// by the Conn), INSERT … ON CONFLICT … DO UPDATE, RETURNING, lower() for the names that
// compare without case. Where the engines differ, ask dialect().
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"

namespace coophub::sql {

enum class Dialect { kSqlite, kPostgres };

// A bound argument: NULL, a whole number or text.
using Value = std::variant<std::nullptr_t, int64_t, std::string>;
inline Value Arg(const std::string& s) { return s; }
inline Value Arg(const char* s) { return std::string(s); }
inline Value Arg(int64_t v) { return v; }
inline Value Arg(int v) { return int64_t{v}; }
inline Value Arg(bool v) { return int64_t{v ? 1 : 0}; }
template <class T>
Value Arg(const std::optional<T>& v) {
  return v ? Arg(*v) : Value(nullptr);
}

// What a statement answered: its rows (every cell as text, NULL as nullopt) and how
// many rows it changed.
class Rows {
 public:
  size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  bool Null(size_t row, size_t col) const { return !rows_[row][col]; }
  const std::string& Text(size_t row, size_t col) const;  // "" for NULL
  int64_t Int(size_t row, size_t col) const;              // 0 for NULL
  std::optional<int64_t> MaybeInt(size_t row, size_t col) const;
  int64_t changes = 0;

  std::vector<std::vector<std::optional<std::string>>> rows_;
};

class Conn {
 public:
  virtual ~Conn() = default;
  virtual Dialect dialect() const = 0;
  // Runs one statement with args bound to its `?` in order. A unique or primary key
  // violation is Status::Conflict; a lost server Status::Unavailable (the next call
  // connects again); anything else Status::Internal, with the engine's message.
  virtual Result<Rows> Run(std::string_view sql, const std::vector<Value>& args = {}) = 0;
  // Runs several statements with no arguments (a migration).
  virtual Status Script(std::string_view sql) = 0;
  // A transaction that writes: on SQLite it takes the write lock at once.
  virtual Status Begin() = 0;
  virtual Status Commit() { return Script("COMMIT"); }
  virtual void Rollback() { (void)Script("ROLLBACK"); }
};

// Where the store is: makes connections to it.
class Database {
 public:
  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;
  // A new connection; the error names the store and what to fix.
  virtual Result<std::unique_ptr<Conn>> Connect() = 0;
  // The store for messages: its file, or its URL without the password.
  virtual const std::string& name() const = 0;
};

// The SQLite file at path (created if missing, 0600).
std::unique_ptr<Database> SqliteDatabase(const std::string& path);
// A PostgreSQL server and database, as a libpq URL or keyword string.
std::unique_ptr<Database> PostgresDatabase(const std::string& url);

// A source's failed runs since its last success (or since its first run), for the
// row `s` of source_runs: SQL both engines run, in the stores' LatestRuns.
inline constexpr const char* kFailuresSinceSuccess =
    "(SELECT COUNT(*) FROM sync_runs f WHERE f.source = s.source AND f.status = 'failed' AND f.id >"
    " COALESCE((SELECT MAX(o.id) FROM sync_runs o WHERE o.source = s.source AND o.status = 'ok'), 0))";

// url without its password (postgresql://user:secret@host/db → postgresql://user@host/db,
// password=secret → password=…), for messages and logs.
std::string RedactUrl(const std::string& url);

}  // namespace coophub::sql
