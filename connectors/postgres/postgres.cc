// SPDX-License-Identifier: Apache-2.0
//
// The postgres connector: a configured SELECT over a PostgreSQL database (an ERP such as
// Odoo, a legacy member database) as the stream "rows", mapped like CSV columns. With a
// cursor column, each run reads only rows past the last committed cursor value ($1 in
// the query); rows stream from the server in single-row mode.
#include <coophub/plugin.hpp>

#include <ctime>
#include <libpq-fe.h>

#include <memory>

#include "row_map.h"

namespace {

constexpr const char* kStream = "rows";

const std::string& Spec() {
  static const std::string spec = std::string(R"json({
  "type": "object",
  "title": "PostgreSQL query",
  "required": ["conninfo", "query"],
  "additionalProperties": false,
  "properties": {
    "conninfo": {"type": "string", "description": "libpq connection string without the password, e.g. host=127.0.0.1 dbname=erp user=hub"},
    "password": {"type": "string", "secret": true},
    "query": {"type": "string", "description": "a SELECT; with cursor_column it must use $1, e.g. ... WHERE write_date > $1 ORDER BY write_date"},
    "cursor_column": {"type": "string", "description": "the column that grows with each change; its last value is kept in state"},
    "cursor_start": {"type": "string", "default": "-infinity", "description": "$1 on the first run, and on full passes"},
    "full_pass_every_s": {"type": "integer", "minimum": 0, "default": 86400, "description": "with cursor_column: seconds between full passes, which read every row and delete here the rows gone from the query (without cursor_column every run is one)"},
    "timeout_s": {"type": "integer", "minimum": 1, "maximum": 3600, "default": 300},)json") +
                                  coophub::rows::MappingSchemaProperties() + "}}";
  return spec;
}

using Conn = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using Res = std::unique_ptr<PGresult, decltype(&PQclear)>;

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

Conn Connect(const coophub::json& cfg) {
  // The password travels as its own parameter: never inside a string that could be logged.
  std::string conninfo = cfg.at("conninfo").get<std::string>();
  std::string password = cfg.value("password", "");
  std::string timeout = std::to_string(std::min(cfg.value("timeout_s", 300), 30));
  const char* keys[] = {"dbname", "password", "connect_timeout", "application_name", nullptr};
  const char* values[] = {conninfo.c_str(), password.empty() ? nullptr : password.c_str(), timeout.c_str(), "coophub",
                          nullptr};
  Conn c(PQconnectdbParams(keys, values, /*expand_dbname=*/1), PQfinish);
  if (!c || PQstatus(c.get()) != CONNECTION_OK)
    throw coophub::Failure("cannot connect to PostgreSQL (" + conninfo +
                               "): " + Trim(c ? PQerrorMessage(c.get()) : "out of memory") +
                               ". Check host, port, dbname, user and password, and that the server accepts this client",
                           true);
  return c;
}

class Postgres : public coophub::Connector {
 public:
  void Check(coophub::Run& run) override {
    const coophub::json& cfg = run.config();
    Conn c = Connect(cfg);
    coophub::rows::MappingFromConfig(cfg);
    std::string query = cfg.at("query").get<std::string>();
    bool cursor = cfg.contains("cursor_column");
    Res prep(PQprepare(c.get(), "q", query.c_str(), cursor ? 1 : 0, nullptr), PQclear);
    if (PQresultStatus(prep.get()) != PGRES_COMMAND_OK)
      throw coophub::Failure("the query does not prepare: " + Trim(PQerrorMessage(c.get())));
    Res desc(PQdescribePrepared(c.get(), "q"), PQclear);
    std::vector<std::string> columns;
    for (int i = 0; i < PQnfields(desc.get()); ++i) columns.push_back(PQfname(desc.get(), i));
    auto has = [&](const std::string& col) { return std::find(columns.begin(), columns.end(), col) != columns.end(); };
    if (cursor && !has(cfg["cursor_column"].get<std::string>()))
      throw coophub::Failure("config.cursor_column: the query returns no column \"" +
                             cfg["cursor_column"].get<std::string>() + "\"");
    if (cursor && PQnparams(desc.get()) != 1)
      throw coophub::Failure("config.query: with a cursor_column the query must use $1 (the last cursor value)");
    const coophub::json mapped_columns = cfg.value("columns", coophub::json::object());  // not a temporary:
    for (const auto& [field, col] : mapped_columns.items())                              // items() refers into it
      if (!has(col.get<std::string>()))
        throw coophub::Failure("config.columns." + field + ": the query returns no column \"" + col.get<std::string>() +
                               "\"");
    run.Check(true, "connected to " + std::string(PQdb(c.get())) + "; the query returns " +
                        std::to_string(columns.size()) + " columns");
  }

  void Discover(coophub::Run& run) override { run.Stream(kStream, run.config().value("kind", "other")); }

  void Read(coophub::Run& run) override {
    const coophub::json& cfg = run.config();
    coophub::rows::Mapping mapping = coophub::rows::MappingFromConfig(cfg);
    Conn c = Connect(cfg);
    std::string statement_timeout = "SET statement_timeout = " + std::to_string(cfg.value("timeout_s", 300) * 1000);
    Res(PQexec(c.get(), statement_timeout.c_str()), PQclear);
    std::string cursor_column = cfg.value("cursor_column", "");
    coophub::json state = run.state(kStream);
    if (!state.is_object()) state = coophub::json::object();
    // A full pass reads every row the query has, and then deletes here the rows it did
    // not see: every run without a cursor, and every full_pass_every_s with one.
    int64_t now = static_cast<int64_t>(std::time(nullptr));
    bool full = cursor_column.empty() || !state.contains("cursor") ||
                now - state.value("full_pass_at", int64_t{0}) >= cfg.value("full_pass_every_s", int64_t{86400});
    int64_t version = full ? coophub::NextPassVersion(state.value("version", int64_t{0})) : 0;
    std::string from = !full ? state["cursor"].get<std::string>() : cfg.value("cursor_start", "-infinity");
    std::string query = cfg.at("query").get<std::string>();
    const char* params[] = {from.c_str()};
    if (!PQsendQueryParams(c.get(), query.c_str(), cursor_column.empty() ? 0 : 1, nullptr, params, nullptr, nullptr, 0))
      throw coophub::Failure("the query could not be sent: " + Trim(PQerrorMessage(c.get())));
    PQsetSingleRowMode(c.get());
    std::vector<std::string> header, fields;
    int cursor_index = -1;
    std::string last_cursor;
    int64_t rows = 0, since_state = 0;
    for (;;) {
      Res r(PQgetResult(c.get()), PQclear);
      if (!r) break;
      ExecStatusType st = PQresultStatus(r.get());
      if (st == PGRES_TUPLES_OK) continue;  // the end of the rows
      if (st != PGRES_SINGLE_TUPLE) throw coophub::Failure("the query failed: " + Trim(PQresultErrorMessage(r.get())));
      if (header.empty()) {
        for (int i = 0; i < PQnfields(r.get()); ++i) header.push_back(PQfname(r.get(), i));
        for (size_t i = 0; i < header.size(); ++i)
          if (header[i] == cursor_column) cursor_index = static_cast<int>(i);
        if (!cursor_column.empty() && cursor_index < 0)
          throw coophub::Failure("config.cursor_column: the query returns no column \"" + cursor_column + "\"");
      }
      fields.assign(header.size(), "");
      for (int i = 0; i < static_cast<int>(header.size()); ++i)
        if (!PQgetisnull(r.get(), 0, i)) fields[static_cast<size_t>(i)] = PQgetvalue(r.get(), 0, i);
      // Commit the cursor only where its value changes, so rows sharing a value are never
      // split between a committed state and the next run's "> $1".
      if (cursor_index >= 0) {
        const std::string& value = fields[static_cast<size_t>(cursor_index)];
        if (value != last_cursor && !last_cursor.empty() && since_state >= 1000) {
          coophub::json partial = state;
          partial["cursor"] = last_cursor;
          run.State(kStream, partial);
          since_state = 0;
        }
        last_cursor = value;
      }
      auto mapped = coophub::rows::MapRow(header, fields, ++rows, mapping);
      if (!mapped.record) throw coophub::Failure("row " + std::to_string(rows) + ": " + mapped.error);
      if (!(version ? run.Record(kStream, *mapped.record, version) : run.Record(kStream, *mapped.record))) return;
      ++since_state;
      if (rows % 10000 == 0) run.Progress(rows);
    }
    run.Progress(rows, rows);
    if (run.Cancelled()) return;
    coophub::json next = state;
    if (!cursor_column.empty()) next["cursor"] = last_cursor.empty() ? from : last_cursor;
    if (version) {
      run.ActivateVersion(kStream, version);
      next["version"] = version;
      next["full_pass_at"] = now;
    }
    run.State(kStream, next);
  }
};

}  // namespace

COOPHUB_PLUGIN(Postgres, "postgres", "0.1.0", "A PostgreSQL query: an ERP, a member database", Spec().c_str())
