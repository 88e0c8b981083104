// SPDX-License-Identifier: Apache-2.0
// sql::Conn on a SQLite connection (sqlite_db.h); see store/sql.h.
#include "store/sql.h"
#include "store/sqlite/sqlite_db.h"

namespace coophub::sql {
namespace {

class SqliteConn final : public Conn {
 public:
  Status Open(const std::string& path) { return db_.Open(path, false); }
  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<Rows> Run(std::string_view sql, const std::vector<Value>& args) override {
    sqlite3_stmt* st = db_.Prepare(std::string(sql));
    if (!st) return Status::Internal("SQLite: " + db_.Error());
    for (size_t i = 0; i < args.size(); ++i) {
      int n = static_cast<int>(i + 1);
      if (auto* s = std::get_if<std::string>(&args[i]))
        sqlite::Bind(st, n, *s);
      else if (auto* v = std::get_if<int64_t>(&args[i]))
        sqlite::Bind(st, n, *v);
      else
        sqlite3_bind_null(st, n);
    }
    Rows rows;
    int rc, cols = sqlite3_column_count(st);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      auto& row = rows.rows_.emplace_back(static_cast<size_t>(cols));
      for (int c = 0; c < cols; ++c)
        if (sqlite3_column_type(st, c) != SQLITE_NULL) row[static_cast<size_t>(c)] = sqlite::Text(st, c);
    }
    sqlite3_reset(st);  // a statement left open would hold its snapshot
    if (rc != SQLITE_DONE) {
      if ((rc & 0xff) == SQLITE_CONSTRAINT) return Status::Conflict("SQLite: " + db_.Error());
      return Status::Internal("SQLite: " + db_.Error());
    }
    rows.changes = sqlite3_changes64(db_.raw());
    return rows;
  }

  Status Script(std::string_view sql) override { return db_.Exec(std::string(sql).c_str()); }
  Status Begin() override { return db_.Exec("BEGIN IMMEDIATE"); }

 private:
  sqlite::Db db_;
};

class SqliteDb final : public Database {
 public:
  explicit SqliteDb(std::string path) : path_(std::move(path)) {}
  Dialect dialect() const override { return Dialect::kSqlite; }
  const std::string& name() const override { return path_; }
  Result<std::unique_ptr<Conn>> Connect() override {
    auto c = std::make_unique<SqliteConn>();
    if (auto s = c->Open(path_); !s.ok()) return s;
    return std::unique_ptr<Conn>(std::move(c));
  }

 private:
  std::string path_;
};

}  // namespace

std::unique_ptr<Database> SqliteDatabase(const std::string& path) { return std::make_unique<SqliteDb>(path); }

}  // namespace coophub::sql
