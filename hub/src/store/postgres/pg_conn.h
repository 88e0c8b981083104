// SPDX-License-Identifier: Apache-2.0
//
// One libpq connection with its prepared statements: what the PostgreSQL store and the
// sql::Conn over PostgreSQL run on. Statements use $1, $2 … and are prepared once per
// connection; arguments go as text, NULL as nullopt. A lost connection is found on the
// next call, which connects again once (the prepared statements with it) before it
// fails as Status::Unavailable. Internal to the store; only these files include
// libpq-fe.h. Used by one thread at a time.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"

namespace coophub::pg {

// The oldest server the hub's schema and search need (trusted unaccent, 13).
inline constexpr int kMinServerVersion = 130000;

// A statement's result; frees itself.
class Rows {
 public:
  explicit Rows(PGresult* r = nullptr) : r_(r) {}
  ~Rows() { PQclear(r_); }
  Rows(Rows&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Rows& operator=(Rows&& o) noexcept {
    std::swap(r_, o.r_);
    return *this;
  }
  int size() const { return r_ ? PQntuples(r_) : 0; }
  int columns() const { return r_ ? PQnfields(r_) : 0; }
  bool Null(int row, int col) const { return PQgetisnull(r_, row, col); }
  std::string_view View(int row, int col) const {
    return {PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col))};
  }
  std::string Text(int row, int col) const { return std::string(View(row, col)); }
  int64_t Int(int row, int col) const;
  int64_t Changes() const;  // rows an INSERT, UPDATE or DELETE changed
  PGresult* raw() const { return r_; }

 private:
  PGresult* r_;
};

using Param = std::optional<std::string>;

class Conn {
 public:
  Conn() = default;
  ~Conn() { Close(); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Connects; the error names the URL (without its password) and what to check.
  Status Open(const std::string& url);
  void Close();
  bool ok() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

  // A prepared statement ($1 …) with text parameters. Conflict for a unique violation,
  // Unavailable when the server is gone, else Internal naming what PostgreSQL said. A
  // SELECT outside a transaction that meets a connection gone stale is asked again on
  // a new one.
  //
  // kCached statements are prepared once a connection and may be run on a generic plan
  // (PostgreSQL's choice after five runs); kPerCall ones are planned for the values of
  // each call: a search, whose best plan depends on how common its words are.
  enum class Plan { kCached, kPerCall };
  coophub::Result<Rows> Exec(const std::string& sql, const std::vector<Param>& params = {}, Plan plan = Plan::kCached);
  // Statements without parameters, not prepared (migrations, BEGIN, LISTEN).
  Status Script(std::string_view sql);
  // A transaction. While one is open a lost connection is not replaced: every call
  // fails as Unavailable until Rollback, so nothing runs outside it unseen.
  Status Begin();
  Status Commit();
  void Rollback();
  // COPY … FROM STDIN with data already in COPY's text format.
  Status Copy(const std::string& copy_sql, std::string_view data);

  // Reads what the server sent without waiting: the NOTIFY payloads since the last call.
  std::vector<std::string> Notifications();
  int socket() const { return conn_ ? PQsocket(conn_) : -1; }
  PGconn* raw() { return conn_; }
  const std::string& url() const { return url_; }

 private:
  coophub::Result<Rows> ExecOnce(const std::string& sql, const std::vector<Param>& params, Plan plan);
  void NoticeClosed();
  Status Reconnect();
  Status Failure(PGresult* r, const char* what);

  PGconn* conn_ = nullptr;
  bool in_transaction_ = false;
  std::string url_;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
};

// s without NUL characters, which PostgreSQL's text cannot hold.
std::string Clean(std::string s);

// s in COPY's text format (backslash, tab, newline and carriage return escaped).
void AppendCopyText(std::string* out, std::string_view s);

}  // namespace coophub::pg
