// SPDX-License-Identifier: Apache-2.0
//
// Members' own data (GDPR articles 15, 17 and 20): which records are theirs, erasure,
// export. Written once for both engines against store/sql.h; the tables are made by the
// store's migrations (SQLite 27, PostgreSQL 13).
//
// A record is a member's when it names one of their names (RecordNames: its people, its
// author, a person's data.account; the store indexes them in record_names): their
// account name, which an admin gave, and the identities they claimed (an address, a
// Loomio or Mastodon handle, a directory id) once an admin confirmed them. An identity
// nobody confirmed links nothing, so that a member cannot read another's records by
// claiming their address.
//
// An erasure request is recorded, previewed by an admin, and carried out on
// confirmation: the names go into erased_names first (the store then refuses any record
// that names them, whichever replica syncs it), then the records go as deletes do, then
// the account and what hangs on it. All methods are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "model/protocol.h"
#include "store/sql.h"

namespace coophub::privacy {

// kind: email, handle or directory; status: claimed, confirmed or rejected.
struct Identity {
  int64_t id = 0, user_id = 0;
  std::string user;  // the account's name
  std::string kind, value, status;
  int64_t claimed_ms = 0;
  std::string decided_by;
  int64_t decided_ms = 0;
};
json ToJson(const Identity& i);

// status: requested, erasing (its names are erased; records are being removed), done,
// rejected.
struct ErasureRequest {
  int64_t id = 0, user_id = 0;
  std::string user, requested_by, note, status;
  std::vector<std::string> names;  // erased, once confirmed
  int64_t created_ms = 0;
  std::string decided_by;
  int64_t decided_ms = 0;
  int64_t removed = 0;  // records removed from the hub
};
json ToJson(const ErasureRequest& e);

// status: queued, building, ready, failed; a ready one expires (expires_ms).
struct ExportJob {
  int64_t id = 0, user_id = 0;
  std::string requested_by, status, error;
  int64_t size = 0, records = 0;
  int64_t created_ms = 0, done_ms = 0, expires_ms = 0;
  std::string about;  // the account part, as JSON, taken when it was asked for (cleared when built)
};
json ToJson(const ExportJob& e);

inline constexpr int64_t kExportTtlMs = 24 * 3600 * 1000;  // a ready export's link
inline constexpr size_t kExportChunkBytes = 512 * 1024;    // of the archive, a row each

// A time kept in ms as the API writes it: RFC 3339, "" for none (0).
std::string TimeText(int64_t ms);

// The name as records give it: trimmed, ASCII lower case.
std::string NameKey(std::string_view value);
// Checks a claimed identity: Invalid naming what is wrong. Returns the value as stored.
Result<std::string> CheckIdentity(const std::string& kind, const std::string& value);

class Privacy {
 public:
  // A connection of its own to the hub's store (opened first: its migrations made the
  // tables).
  static Result<std::unique_ptr<Privacy>> Open(sql::Database& db);

  // --- identities
  // Invalid (CheckIdentity); Conflict when the member claimed it already.
  Result<Identity> Claim(int64_t user_id, const std::string& kind, const std::string& value);
  // A member's (user_id > 0), or every member's waiting for a decision (user_id 0).
  Result<std::vector<Identity>> Identities(int64_t user_id);
  // An admin's decision. Conflict when confirming a value that another member's
  // confirmed identity or account name already is; NotFound.
  Result<Identity> Decide(int64_t id, bool confirm, const std::string& by);
  Status Withdraw(int64_t user_id, int64_t id);  // NotFound when not theirs
  // The names a member's records are linked by: their account name and confirmed
  // identities, lower case.
  Result<std::vector<std::string>> NamesOf(int64_t user_id);

  // --- erasure
  // Conflict while one of the member's is open.
  Result<ErasureRequest> RequestErasure(int64_t user_id, const std::string& by, const std::string& note);
  Result<std::vector<ErasureRequest>> ErasureRequests();  // newest first
  Result<ErasureRequest> GetErasure(int64_t id);          // NotFound
  // The member's request that is requested or erasing, if any.
  Result<std::optional<ErasureRequest>> OpenErasure(int64_t user_id);
  // Confirmation, step one: the member's names go into erased_names (no sync brings
  // their records back), the request becomes erasing. A request left erasing (its
  // removal failed or the hub stopped) is returned as it is, to be carried on with its
  // names. Conflict when it was done or rejected.
  Result<ErasureRequest> BeginErasure(int64_t id, const std::string& by);
  // Step three (after the records): the member's rows in the hub's own tables go
  // (identities, visits, notification choices and notices, mail, exports) and the
  // request is done, with how many records were removed. The account itself is the
  // caller's (Accounts::DeleteUser).
  Status FinishErasure(int64_t id, int64_t removed);
  Status RejectErasure(int64_t id, const std::string& by);  // Conflict unless requested
  // Whether a name was erased (a member's claim of it is refused).
  Result<bool> Erased(const std::string& name);

  // --- exports
  // Queues an export of the member's data; about is the account part (JSON text). The
  // secret of its link, shown once, is returned with it.
  Result<std::pair<ExportJob, std::string>> RequestExport(int64_t user_id, const std::string& by,
                                                          const std::string& about);
  Result<std::vector<ExportJob>> Exports(int64_t user_id);  // newest first, without about
  // The export a link's secret opens: NotFound when unknown, expired or not ready.
  Result<ExportJob> ExportByLink(int64_t id, const std::string& secret, int64_t now_ms);
  // The oldest queued export (or one whose builder stopped answering), claimed by who.
  Result<std::optional<ExportJob>> ClaimExport(const std::string& who, int64_t now_ms);
  Status AppendChunk(int64_t id, int64_t n, std::string_view bytes);
  Status FinishExport(int64_t id, int64_t size, int64_t records, const std::string& error, int64_t now_ms);
  // Chunk n of a ready export's archive, raw; "" past the end.
  Result<std::string> Chunk(int64_t id, int64_t n);
  // Removes the exports whose link expired, with their chunks: how many.
  Result<int64_t> PruneExports(int64_t now_ms);

 private:
  explicit Privacy(std::unique_ptr<sql::Conn> conn) : db_(std::move(conn)) {}
  Result<std::vector<Identity>> ReadIdentities(const std::string& where, const std::vector<sql::Value>& args)
      REQUIRES(mu_);
  Result<std::vector<ErasureRequest>> ReadErasures(const std::string& where, const std::vector<sql::Value>& args)
      REQUIRES(mu_);

  Mutex mu_;
  std::unique_ptr<sql::Conn> db_ GUARDED_BY(mu_);
};

}  // namespace coophub::privacy
