// SPDX-License-Identifier: Apache-2.0
//
// Moving a coop up from one SQLite file to PostgreSQL (docs/scale-out.md): everything
// the SQLite store holds (records with their search, stream state, runs and logs,
// accounts, sessions, tokens, audit, sources, dashboards, shares, visits) copied into
// an empty PostgreSQL database, in one transaction, from one consistent read of the
// file, which may belong to a running hub. Called from the command line.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace coophub {

struct StoreCopyReport {
  std::vector<std::pair<std::string, int64_t>> rows;  // (table, rows copied), checked equal on both sides
};

// Copies the SQLite store at sqlite_path into the PostgreSQL database at url, which it
// brings to this hub's schema first and which must hold no records and no accounts.
// Nothing is written unless all of it is, and the counts of both sides agree. The
// error names the file or the URL (never its password) and what to do.
// on_table, when given, is told each table as it starts (for progress).
Result<StoreCopyReport> CopySqliteToPostgres(const std::string& sqlite_path, const std::string& url,
                                             void (*on_table)(const std::string& table) = nullptr);

}  // namespace coophub
