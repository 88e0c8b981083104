// SPDX-License-Identifier: Apache-2.0
// sql::Conn on a libpq connection; see store/sql.h.
#include "store/postgres/pg_conn.h"
#include "store/sql.h"

namespace coophub::sql {
namespace {

// `?` placeholders as $1, $2 …, except inside quotes.
std::string Numbered(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '?') {
      out += "$" + std::to_string(++n);
      continue;
    }
    out += c;
  }
  return out;
}

class PgConn final : public Conn {
 public:
  Status Open(const std::string& url) { return conn_.Open(url); }
  Dialect dialect() const override { return Dialect::kPostgres; }

  Result<Rows> Run(std::string_view sql, const std::vector<Value>& args) override {
    std::vector<pg::Param> params;
    params.reserve(args.size());
    for (const auto& a : args) {
      if (auto* s = std::get_if<std::string>(&a))
        params.emplace_back(*s);
      else if (auto* v = std::get_if<int64_t>(&a))
        params.emplace_back(std::to_string(*v));
      else
        params.emplace_back(std::nullopt);
    }
    auto r = conn_.Exec(Numbered(sql), params);
    if (!r.ok()) return r.status();
    Rows rows;
    int cols = PQnfields(r->raw());
    rows.rows_.resize(static_cast<size_t>(r->size()));
    for (int i = 0; i < r->size(); ++i) {
      auto& row = rows.rows_[static_cast<size_t>(i)];
      row.resize(static_cast<size_t>(cols));
      for (int c = 0; c < cols; ++c)
        if (!r->Null(i, c)) row[static_cast<size_t>(c)] = r->Text(i, c);
    }
    rows.changes = r->Changes();
    return rows;
  }

  // Never connects again by itself: a COMMIT on a new connection would say it
  // committed what the lost one never did.
  Status Script(std::string_view sql) override { return conn_.Script(sql); }
  Status Begin() override { return conn_.Begin(); }
  Status Commit() override { return conn_.Commit(); }
  void Rollback() override { conn_.Rollback(); }

 private:
  pg::Conn conn_;
};

class PgDatabase final : public Database {
 public:
  explicit PgDatabase(std::string url) : url_(std::move(url)), name_(RedactUrl(url_)) {}
  Dialect dialect() const override { return Dialect::kPostgres; }
  const std::string& name() const override { return name_; }
  Result<std::unique_ptr<Conn>> Connect() override {
    auto c = std::make_unique<PgConn>();
    if (auto s = c->Open(url_); !s.ok()) return s;
    return std::unique_ptr<Conn>(std::move(c));
  }

 private:
  std::string url_, name_;
};

}  // namespace

std::unique_ptr<Database> PostgresDatabase(const std::string& url) { return std::make_unique<PgDatabase>(url); }

}  // namespace coophub::sql
