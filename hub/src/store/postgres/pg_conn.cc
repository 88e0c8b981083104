// SPDX-License-Identifier: Apache-2.0
// One libpq connection; see pg_conn.h.
#include "store/postgres/pg_conn.h"

#include <poll.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "store/sql.h"

namespace coophub::pg {
namespace {

// What to check when the server cannot be reached or refuses us.
constexpr const char* kConnectHelp =
    " Check store.url in hub.yaml: the host and port (is the server running and listening there?), the user and its "
    "password (by reference: ${env:NAME} or ${file:/path}), and that the database exists (createdb -O USER NAME).";

std::string Trimmed(const char* message) {
  std::string m = message ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  for (char& c : m)
    if (c == '\n') c = ' ';
  return m;
}

}  // namespace

int64_t Rows::Int(int row, int col) const {
  std::string_view v = View(row, col);
  int64_t out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

int64_t Rows::Changes() const {
  const char* n = r_ ? PQcmdTuples(r_) : "";
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

// Every session: times in UTC, and no JIT compilation. The hub's queries are short; a
// plan the planner thinks costly (a search's hits, estimated high for a prefix) would
// otherwise spend tens of milliseconds compiling before a 2 ms execution.
// A connection's prepared statements, at most.
constexpr size_t kPreparedKept = 256;

constexpr const char* kSessionSettings = "SET TIME ZONE 'UTC'; SET jit = off";

Status Conn::Open(const std::string& url) {
  Close();
  url_ = url;
  // The URL's own settings win over these defaults (expanded after them).
  const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {"10", "coophub", url.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string why = conn_ ? Trimmed(PQerrorMessage(conn_)) : "out of memory";
    Close();
    return Status::Unavailable("cannot connect to the PostgreSQL store " + sql::RedactUrl(url) + ": " + why + "." +
                               kConnectHelp);
  }
  if (int v = PQserverVersion(conn_); v < kMinServerVersion) {
    Close();
    return Status::Unavailable("the PostgreSQL server at " + sql::RedactUrl(url) + " is version " +
                               std::to_string(v / 10000) + "; coophub needs " +
                               std::to_string(kMinServerVersion / 10000) +
                               " or later: upgrade the server (pg_upgrade), or point store.url at a newer one");
  }
  PQsetClientEncoding(conn_, "UTF8");
  // NOTICEs ("relation already exists, skipping") are not for the hub's log.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  return Script(kSessionSettings);
}

void Conn::Close() {
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  prepared_.clear();
}

Status Conn::Reconnect() {
  prepared_.clear();
  if (conn_) PQreset(conn_);
  if (ok()) return Script(kSessionSettings);
  std::string url = url_;
  if (auto s = Open(url); !s.ok()) return s;
  return Status::Ok();
}

Status Conn::Failure(PGresult* r, const char* what) {
  std::string message = Trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
  if (message.empty()) message = Trimmed(PQerrorMessage(conn_));
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string code = state ? state : "";
  PQclear(r);
  if (!ok() || code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0)
    return Status::Unavailable("the PostgreSQL store " + sql::RedactUrl(url_) + " went away (" + message +
                               "); the hub connects again on the next use");
  if (code == "23505") return Status::Conflict(std::string("PostgreSQL ") + what + ": " + message);
  return Status::Internal(std::string("PostgreSQL ") + what + ": " + message);
}

Status Conn::Begin() {
  NoticeClosed();
  if (!ok())
    if (auto s = Reconnect(); !s.ok()) return s;
  if (auto s = Script("BEGIN"); !s.ok()) return s;
  in_transaction_ = true;
  return Status::Ok();
}

Status Conn::Commit() {
  Status s = Script("COMMIT");
  in_transaction_ = false;
  return s;
}

void Conn::Rollback() {
  if (ok()) (void)Script("ROLLBACK");
  in_transaction_ = false;
}

coophub::Result<Rows> Conn::Exec(const std::string& sql, const std::vector<Param>& params, Plan plan) {
  auto r = ExecOnce(sql, params, plan);
  // A connection that went stale (the server restarted since its last use) fails its
  // next statement: a read, outside a transaction, is safe to ask again at once.
  if (!r.ok() && r.status().code() == coophub::Status::Code::kUnavailable && !in_transaction_ && !ok() &&
      sql.rfind("SELECT", 0) == 0)
    r = ExecOnce(sql, params, plan);
  return r;
}

// A server that closed the connection (it restarted, say) has said so on the socket:
// read it before sending, so that the statement goes to a new connection instead of
// failing on the old one.
void Conn::NoticeClosed() {
  if (!ok()) return;
  pollfd p{PQsocket(conn_), POLLIN, 0};
  // Its last words (terminating connection…), then the end: a few reads at most.
  for (int i = 0; i < 4 && poll(&p, 1, 0) > 0; ++i)
    if (!PQconsumeInput(conn_) || PQstatus(conn_) != CONNECTION_OK) return Close();  // the next use connects again
}

coophub::Result<Rows> Conn::ExecOnce(const std::string& sql, const std::vector<Param>& params, Plan plan) {
  if (!in_transaction_) NoticeClosed();
  if (!ok()) {
    if (in_transaction_)
      return Status::Unavailable("the PostgreSQL store " + sql::RedactUrl(url_) +
                                 " went away during a transaction, which did not commit");
    if (auto s = Reconnect(); !s.ok()) return s;
  }
  std::vector<const char*> values(params.size());
  for (size_t i = 0; i < params.size(); ++i) values[i] = params[i] ? params[i]->c_str() : nullptr;
  if (plan == Plan::kPerCall) {  // the unnamed statement: planned with these values
    PGresult* r =
        PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr, nullptr, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return Failure(r, "statement");
    return Rows(r);
  }
  auto it = prepared_.find(sql);
  if (it == prepared_.end() && prepared_.size() >= kPreparedKept) {
    // Statements differ in their filters and limits: past this many, start again
    // rather than hold an unbounded number on the server.
    if (auto s = Script("DEALLOCATE ALL"); !s.ok()) return s;
    prepared_.clear();
  }
  if (it == prepared_.end()) {
    std::string name = "coophub_" + std::to_string(prepared_.size());
    PGresult* r = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) return Failure(r, "prepare");
    PQclear(r);
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  PGresult* r =
      PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()), values.data(), nullptr, nullptr, 0);
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return Failure(r, "statement");
  return Rows(r);
}

Status Conn::Script(std::string_view sql) {
  if (!conn_) return Status::Unavailable("the PostgreSQL store is not connected");
  PGresult* r = PQexec(conn_, std::string(sql).c_str());
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return Failure(r, "script");
  PQclear(r);
  return Status::Ok();
}

Status Conn::Copy(const std::string& copy_sql, std::string_view data) {
  PGresult* r = PQexec(conn_, copy_sql.c_str());
  if (PQresultStatus(r) != PGRES_COPY_IN) return Failure(r, "copy");
  PQclear(r);
  constexpr size_t kChunk = 1 << 20;
  for (size_t at = 0; at < data.size(); at += kChunk) {
    size_t n = std::min(kChunk, data.size() - at);
    if (PQputCopyData(conn_, data.data() + at, static_cast<int>(n)) != 1) return Failure(nullptr, "copy");
  }
  if (PQputCopyEnd(conn_, nullptr) != 1) return Failure(nullptr, "copy");
  Status s = Status::Ok();
  while (PGresult* end = PQgetResult(conn_)) {
    if (PQresultStatus(end) != PGRES_COMMAND_OK && s.ok())
      s = Failure(end, "copy");
    else
      PQclear(end);
  }
  return s;
}

std::vector<std::string> Conn::Notifications() {
  std::vector<std::string> out;
  if (!conn_ || !PQconsumeInput(conn_)) return out;
  while (PGnotify* n = PQnotifies(conn_)) {
    out.emplace_back(n->extra ? n->extra : "");
    PQfreemem(n);
  }
  return out;
}

std::string Clean(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '\0'), s.end());
  return s;
}

void AppendCopyText(std::string* out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '\0':  // text cannot hold it
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        out->push_back(c);
    }
  }
}

}  // namespace coophub::pg
