// SPDX-License-Identifier: Apache-2.0
//
// One SQLite connection with its cache of prepared statements, and the few helpers
// the SQLite code shares (bind, read text, step with arguments). Internal to the
// store's .cc files: only they include sqlite3.h. A Db is used by one thread at a time.
#pragma once

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <unordered_map>

#include "base/status.h"

namespace coophub::sqlite {

// One connection with its cache of prepared statements. Used by one thread at a time.
class Db {
 public:
  ~Db() {
    for (auto& [sql, st] : cache_) sqlite3_finalize(st);
    if (db_) sqlite3_close_v2(db_);
  }
  Status Open(const std::string& path, bool read_only) {
    if (!read_only) KeepPrivate(path);
    int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    flags |= SQLITE_OPEN_NOMUTEX;
    // Before SQLite's first use in the process: no allocation statistics, which would
    // take one process-wide lock on every allocation of every connection (searches make
    // many, and concurrent ones queued on it).
    static const bool configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
    (void)configured;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK)
      return Status::Unavailable("cannot open the store " + path + ": " + Error() +
                                 " (check the directory exists and is writable)");
    sqlite3_busy_timeout(db_, 5000);
    // Small page caches: the OS already caches the file, and an idle hub should be small.
    Status s = Exec(read_only ? "PRAGMA query_only=1; PRAGMA cache_size=-512; PRAGMA schema_version;"
                              : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                                "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-2048; "
                                "PRAGMA journal_size_limit=67108864; PRAGMA schema_version;");
    if (!s.ok() && IsDamaged()) return Damaged(path);
    return s;
  }
  // Whether the last error says the file is not a database, or a damaged one.
  bool IsDamaged() const {
    int code = db_ ? sqlite3_errcode(db_) & 0xff : SQLITE_OK;
    return code == SQLITE_NOTADB || code == SQLITE_CORRUPT;
  }
  // What to do about a damaged store file, naming it.
  Status Damaged(const std::string& path) const {
    return Status::Unavailable("the store " + path + " is damaged or is not a coophub store (SQLite: " + Error() +
                               "). Stop the hub, move the file aside (with its -wal and -shm files; `sqlite3 " + path +
                               " .recover` may save what it holds), then restore the last backup there, or start "
                               "again with an empty store: the sources will sync again");
  }
  // The store holds password hashes, tokens' hashes and members' data: the file is made
  // (or put back) 0600 before SQLite opens it, and SQLite gives its -wal and -shm files
  // the same mode. A file that exists is never opened here: closing any descriptor of it
  // drops every POSIX lock this process holds on it, those of the SQLite connections
  // already open too, and another process (coophub digest send, sync, user add) would
  // then take the hub for gone, checkpoint and delete the WAL under it: a "malformed"
  // store (sqlite.org/howtocorrupt.html, 2.2). Only a file made new is opened, with
  // O_EXCL, before any connection to it exists.
  static void KeepPrivate(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
    for (const char* suffix : {"", "-wal", "-shm"}) ::chmod((path + suffix).c_str(), 0600);
  }
  std::string Error() const { return db_ ? sqlite3_errmsg(db_) : "out of memory"; }
  Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err ? err : Error();
      sqlite3_free(err);
      return Status::Internal("SQLite: " + m);
    }
    return Status::Ok();
  }
  // A cached statement, reset and unbound, ready to bind.
  sqlite3_stmt* Prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) {
      sqlite3_reset(it->second);
      sqlite3_clear_bindings(it->second);
      return it->second;
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK) return nullptr;
    cache_.emplace(sql, st);
    return st;
  }
  // Ends every statement's read: a statement left on SQLITE_ROW would otherwise pin
  // this connection to an old WAL snapshot.
  void ResetAll() {
    for (auto& [sql, st] : cache_) sqlite3_reset(st);
  }
  sqlite3* raw() { return db_; }
  // True when another connection (this process's writer, or another process such as
  // `coophub sync`) has committed since the last call, and on the first call.
  bool OthersCommitted() {
    sqlite3_stmt* st = Prepare("PRAGMA data_version");
    int64_t v = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    if (st) sqlite3_reset(st);
    bool changed = v < 0 || v != data_version_;
    data_version_ = v;
    return changed;
  }

 private:
  sqlite3* db_ = nullptr;
  int64_t data_version_ = -1;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

inline void Bind(sqlite3_stmt* st, int i, const std::string& s) {
  sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}
inline void Bind(sqlite3_stmt* st, int i, int64_t v) { sqlite3_bind_int64(st, i, v); }
template <class T>
void Bind(sqlite3_stmt* st, int i, const std::optional<T>& v) {  // nullopt: NULL
  if (v)
    Bind(st, i, *v);
  else
    sqlite3_bind_null(st, i);
}

inline std::string Text(sqlite3_stmt* st, int col) {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(st, col))) : std::string();
}

// Binds args in order and steps once; SQLITE_ROW or SQLITE_DONE is success.
template <class... A>
int StepWith(sqlite3_stmt* st, const A&... args) {
  int i = 0;
  (Bind(st, ++i, args), ...);
  return sqlite3_step(st);
}

}  // namespace coophub::sqlite
