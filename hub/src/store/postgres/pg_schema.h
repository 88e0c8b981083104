// SPDX-License-Identifier: Apache-2.0
//
// The hub's tables on PostgreSQL, as numbered migrations: everything the SQLite
// store's migrations make (records and their search, the change sequence, runs and
// logs, accounts, sources, dashboards, shares, visits), written for PostgreSQL, and
// what several replicas need besides (run claims and heartbeats, the sync-now queue,
// sign-in limits). Internal to the store.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "store/postgres/pg_conn.h"

namespace coophub::pg {

// The text search configuration of the records' search: language-neutral (`simple`)
// with accents removed (`unaccent`), as FTS5's unicode61 with remove_diacritics does.
inline constexpr const char* kSearchConfig = "coophub_search";

// The characters PostgreSQL's text search parser joins words with (into tags, paths,
// hosts, e-mail addresses and URLs: "</b>" or "example.org" is one token, or none),
// where FTS5 splits the words. Records' vectors (migration 3's generated column) and
// queries' words get them as spaces.
inline constexpr std::string_view kSearchJoiners = "<>/.@:";

// Brings the database's schema up to this hub's, in one transaction under a
// transaction-scoped advisory lock: replicas that start together migrate once, the
// others wait and find it done. Invalid when the schema is newer than this hub knows.
Status Migrate(Conn& conn);

// How many migrations this hub knows (the schema version it brings a database to).
int SchemaVersion();

}  // namespace coophub::pg
