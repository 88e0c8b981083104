// SPDX-License-Identifier: Apache-2.0
// Members' identities, erasure requests and exports in the hub's store; see privacy.h.
#include "privacy/privacy.h"

#include <coophub/encoding.hpp>

#include <algorithm>
#include <cctype>

#include "accounts/accounts.h"
#include "base/timeutil.h"

namespace coophub::privacy {
namespace {

// A statement's rows' changes, or its failure.
Status Changed(const Result<sql::Rows>& r, const std::string& not_found) {
  if (!r.ok()) return r.status();
  return r->changes > 0 ? Status::Ok() : Status::NotFound(not_found);
}

}  // namespace

std::string TimeText(int64_t ms) { return ms > 0 ? FormatRfc3339(ms / 1000) : ""; }

json ToJson(const Identity& i) {
  return {{"id", i.id},
          {"user", i.user},
          {"kind", i.kind},
          {"value", i.value},
          {"status", i.status},
          {"claimed", TimeText(i.claimed_ms)},
          {"decided_by", i.decided_by},
          {"decided", TimeText(i.decided_ms)}};
}

json ToJson(const ErasureRequest& e) {
  return {{"id", e.id},
          {"user", e.user},
          {"requested_by", e.requested_by},
          {"note", e.note},
          {"status", e.status},
          {"names", e.names},
          {"created", TimeText(e.created_ms)},
          {"decided_by", e.decided_by},
          {"decided", TimeText(e.decided_ms)},
          {"removed", e.removed}};
}

json ToJson(const ExportJob& e) {
  return {{"id", e.id},
          {"requested_by", e.requested_by},
          {"status", e.status},
          {"error", e.error},
          {"size", e.size},
          {"records", e.records},
          {"created", TimeText(e.created_ms)},
          {"done", TimeText(e.done_ms)},
          {"expires", TimeText(e.expires_ms)}};
}

std::string NameKey(std::string_view value) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
  std::string out(value);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<std::string> CheckIdentity(const std::string& kind, const std::string& value) {
  std::string v = NameKey(value);
  if (v.empty() || v.size() > 200) return Status::Invalid("an identity's value is 1 to 200 characters");
  for (unsigned char c : v)
    if (std::isspace(c) || c < 0x20 || c == '<' || c == '>' || c == ',')
      return Status::Invalid("an identity is one address, handle or id, without spaces, <, > or commas: \"" +
                             v.substr(0, 60) + "\" is not");
  if (kind == "email") {
    size_t at = v.find('@');
    if (at == 0 || at == std::string::npos || v.find('.', at) == std::string::npos || v.find('@', at + 1) != v.npos)
      return Status::Invalid("\"" + v.substr(0, 60) + "\" is not an e-mail address (name@example.org)");
  } else if (kind != "handle" && kind != "directory") {
    return Status::Invalid("an identity's kind is email, handle (a Loomio or Mastodon name) or directory (an id)");
  }
  return v;
}

Result<std::unique_ptr<Privacy>> Privacy::Open(sql::Database& db) {
  auto conn = db.Connect();
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<Privacy>(new Privacy(std::move(*conn)));
}

// --- identities

Result<std::vector<Identity>> Privacy::ReadIdentities(const std::string& where, const std::vector<sql::Value>& args) {
  auto r = db_->Run(
      "SELECT i.id, i.user_id, COALESCE(u.name, ''), i.kind, i.value, i.status, i.claimed_ms, i.decided_by,"
      " i.decided_ms FROM identities i LEFT JOIN users u ON u.id = i.user_id WHERE " +
          where + " ORDER BY i.id",
      args);
  if (!r.ok()) return r.status();
  std::vector<Identity> out;
  for (size_t i = 0; i < r->size(); ++i)
    out.push_back({r->Int(i, 0), r->Int(i, 1), r->Text(i, 2), r->Text(i, 3), r->Text(i, 4), r->Text(i, 5), r->Int(i, 6),
                   r->Text(i, 7), r->Int(i, 8)});
  return out;
}

Result<Identity> Privacy::Claim(int64_t user_id, const std::string& kind, const std::string& value) {
  auto v = CheckIdentity(kind, value);
  if (!v.ok()) return v.status();
  MutexLock lock(mu_);
  auto erased = db_->Run("SELECT 1 FROM erased_names WHERE name = ?", {*v});
  if (!erased.ok()) return erased.status();
  if (!erased->empty()) return Status::Invalid("\"" + *v + "\" was erased from this hub and cannot be claimed");
  auto r = db_->Run("INSERT INTO identities(user_id, kind, value, status, claimed_ms) VALUES(?,?,?,?,?) RETURNING id",
                    {user_id, kind, *v, "claimed", NowMs()});
  if (!r.ok() && r.status().code() == Status::Code::kConflict)
    return Status::Conflict("you have claimed \"" + *v + "\" already");
  if (!r.ok()) return r.status();
  auto got = ReadIdentities("i.id = ?", {r->Int(0, 0)});
  if (!got.ok()) return got.status();
  return got->at(0);
}

Result<std::vector<Identity>> Privacy::Identities(int64_t user_id) {
  MutexLock lock(mu_);
  if (user_id > 0) return ReadIdentities("i.user_id = ?", {user_id});
  return ReadIdentities("i.status = 'claimed'", {});
}

Result<Identity> Privacy::Decide(int64_t id, bool confirm, const std::string& by) {
  MutexLock lock(mu_);
  auto got = ReadIdentities("i.id = ?", {id});
  if (!got.ok()) return got.status();
  if (got->empty()) return Status::NotFound("no identity " + std::to_string(id));
  const Identity& i = got->front();
  if (confirm) {  // one member's name links no one else's records
    auto taken = db_->Run(
        "SELECT u.name FROM identities i JOIN users u ON u.id = i.user_id WHERE i.value = ? AND"
        " i.status = 'confirmed' AND i.user_id <> ? UNION ALL SELECT name FROM users WHERE lower(name) = ? AND id <> ?",
        {i.value, i.user_id, i.value, i.user_id});
    if (!taken.ok()) return taken.status();
    if (!taken->empty())
      return Status::Conflict("\"" + i.value + "\" is " + taken->Text(0, 0) +
                              "'s already: one name links one member's records");
  }
  auto r = db_->Run("UPDATE identities SET status = ?, decided_by = ?, decided_ms = ? WHERE id = ?",
                    {confirm ? "confirmed" : "rejected", by, NowMs(), id});
  if (!r.ok()) return r.status();
  got = ReadIdentities("i.id = ?", {id});
  if (!got.ok()) return got.status();
  return got->at(0);
}

Status Privacy::Withdraw(int64_t user_id, int64_t id) {
  MutexLock lock(mu_);
  return Changed(db_->Run("DELETE FROM identities WHERE id = ? AND user_id = ?", {id, user_id}),
                 "no identity " + std::to_string(id) + " of yours");
}

Result<std::vector<std::string>> Privacy::NamesOf(int64_t user_id) {
  MutexLock lock(mu_);
  auto r = db_->Run(
      "SELECT lower(name) FROM users WHERE id = ? UNION SELECT value FROM identities WHERE user_id = ? AND"
      " status = 'confirmed'",
      {user_id, user_id});
  if (!r.ok()) return r.status();
  std::vector<std::string> out;
  for (size_t i = 0; i < r->size(); ++i) out.push_back(r->Text(i, 0));
  std::sort(out.begin(), out.end());
  return out;
}

// --- erasure

Result<std::vector<ErasureRequest>> Privacy::ReadErasures(const std::string& where,
                                                          const std::vector<sql::Value>& args) {
  auto r = db_->Run(
      "SELECT id, user_id, user_name, names, requested_by, note, status, created_ms, decided_by, decided_ms, removed"
      " FROM erasure_requests WHERE " +
          where + " ORDER BY id DESC",
      args);
  if (!r.ok()) return r.status();
  std::vector<ErasureRequest> out;
  for (size_t i = 0; i < r->size(); ++i) {
    ErasureRequest e{r->Int(i, 0), r->Int(i, 1), r->Text(i, 2), r->Text(i, 4), r->Text(i, 5), r->Text(i, 6)};
    json names = json::parse(r->Text(i, 3), nullptr, false);
    if (names.is_array())
      for (const auto& n : names)
        if (n.is_string()) e.names.push_back(n.get<std::string>());
    e.created_ms = r->Int(i, 7);
    e.decided_by = r->Text(i, 8);
    e.decided_ms = r->Int(i, 9);
    e.removed = r->Int(i, 10);
    out.push_back(std::move(e));
  }
  return out;
}

Result<ErasureRequest> Privacy::RequestErasure(int64_t user_id, const std::string& by, const std::string& note) {
  MutexLock lock(mu_);
  auto user = db_->Run("SELECT name FROM users WHERE id = ?", {user_id});
  if (!user.ok()) return user.status();
  if (user->empty()) return Status::NotFound("no user " + std::to_string(user_id));
  auto open = ReadErasures("user_id = ? AND status IN ('requested', 'erasing')", {user_id});
  if (!open.ok()) return open.status();
  if (!open->empty())
    return Status::Conflict("an erasure of " + user->Text(0, 0) + " is open already (request " +
                            std::to_string(open->front().id) + ")");
  auto r = db_->Run(
      "INSERT INTO erasure_requests(user_id, user_name, names, requested_by, note, status, created_ms)"
      " VALUES(?,?,?,?,?,?,?) RETURNING id",
      {user_id, user->Text(0, 0), "[]", by, note.substr(0, 2000), "requested", NowMs()});
  if (!r.ok()) return r.status();
  auto got = ReadErasures("id = ?", {r->Int(0, 0)});
  if (!got.ok()) return got.status();
  return got->at(0);
}

Result<std::optional<ErasureRequest>> Privacy::OpenErasure(int64_t user_id) {
  MutexLock lock(mu_);
  auto open = ReadErasures("user_id = ? AND status IN ('requested', 'erasing')", {user_id});
  if (!open.ok()) return open.status();
  if (open->empty()) return std::optional<ErasureRequest>();
  return std::optional<ErasureRequest>(open->front());
}

Result<std::vector<ErasureRequest>> Privacy::ErasureRequests() {
  MutexLock lock(mu_);
  return ReadErasures("1 = 1", {});
}

Result<ErasureRequest> Privacy::GetErasure(int64_t id) {
  MutexLock lock(mu_);
  auto got = ReadErasures("id = ?", {id});
  if (!got.ok()) return got.status();
  if (got->empty()) return Status::NotFound("no erasure request " + std::to_string(id));
  return got->front();
}

Result<ErasureRequest> Privacy::BeginErasure(int64_t id, const std::string& by) {
  auto e = GetErasure(id);
  if (!e.ok()) return e.status();
  if (e->status == "erasing") return e;  // carried on: its names are erased already
  if (e->status != "requested") return Status::Conflict("erasure request " + std::to_string(id) + " is " + e->status);
  auto names = NamesOf(e->user_id);
  if (!names.ok()) return names.status();
  MutexLock lock(mu_);
  if (Status s = db_->Begin(); !s.ok()) return s;
  sql::Conn& db = *db_;  // the lambda runs under the lock taken above
  auto run = [&]() -> Status {
    auto r = db.Run(
        "UPDATE erasure_requests SET status = 'erasing', names = ?, decided_by = ?, decided_ms = ? WHERE id = ? AND"
        " status = 'requested'",
        {json(*names).dump(), by, NowMs(), id});
    if (!r.ok()) return r.status();
    if (r->changes == 0) return Status::Conflict("erasure request " + std::to_string(id) + " was decided already");
    for (const auto& name : *names)
      if (auto put =
              db.Run("INSERT INTO erased_names(name, request_id, erased_ms) VALUES(?,?,?) ON CONFLICT(name) DO NOTHING",
                     {name, id, NowMs()});
          !put.ok())
        return put.status();
    return Status::Ok();
  };
  if (Status s = run(); !s.ok()) {
    db_->Rollback();
    return s;
  }
  if (Status s = db_->Commit(); !s.ok()) return s;
  auto got = ReadErasures("id = ?", {id});
  if (!got.ok()) return got.status();
  return got->at(0);
}

Status Privacy::FinishErasure(int64_t id, int64_t removed) {
  MutexLock lock(mu_);
  auto e = ReadErasures("id = ?", {id});
  if (!e.ok()) return e.status();
  if (e->empty()) return Status::NotFound("no erasure request " + std::to_string(id));
  const int64_t user = e->front().user_id;
  if (Status s = db_->Begin(); !s.ok()) return s;
  Status s;
  for (const char* table : {"identities", "visits", "notify_prefs", "notices", "mail_outbox", "exports"})
    if (s = db_->Run(std::string("DELETE FROM ") + table + " WHERE user_id = ?", {user}).status(); !s.ok()) break;
  if (s.ok()) s = db_->Run("DELETE FROM export_chunks WHERE export_id NOT IN (SELECT id FROM exports)").status();
  if (s.ok())
    s = db_->Run("UPDATE erasure_requests SET status = 'done', removed = ? WHERE id = ?", {removed, id}).status();
  if (!s.ok()) {
    db_->Rollback();
    return s;
  }
  return db_->Commit();
}

Status Privacy::RejectErasure(int64_t id, const std::string& by) {
  MutexLock lock(mu_);
  auto r = db_->Run(
      "UPDATE erasure_requests SET status = 'rejected', decided_by = ?, decided_ms = ? WHERE id = ? AND"
      " status = 'requested'",
      {by, NowMs(), id});
  if (!r.ok()) return r.status();
  return r->changes ? Status::Ok() : Status::Conflict("erasure request " + std::to_string(id) + " is not open");
}

Result<bool> Privacy::Erased(const std::string& name) {
  MutexLock lock(mu_);
  auto r = db_->Run("SELECT 1 FROM erased_names WHERE name = ?", {NameKey(name)});
  if (!r.ok()) return r.status();
  return !r->empty();
}

// --- exports

namespace {
constexpr const char* kExportColumns =
    "id, user_id, requested_by, status, error, size, records, created_ms, done_ms, expires_ms";
ExportJob ReadExport(const sql::Rows& r, size_t i) {
  return {r.Int(i, 0), r.Int(i, 1), r.Text(i, 2), r.Text(i, 3), r.Text(i, 4),
          r.Int(i, 5), r.Int(i, 6), r.Int(i, 7),  r.Int(i, 8),  r.Int(i, 9)};
}
}  // namespace

Result<std::pair<ExportJob, std::string>> Privacy::RequestExport(int64_t user_id, const std::string& by,
                                                                 const std::string& about) {
  std::string secret = NewLinkSecret("export_");
  MutexLock lock(mu_);
  auto r = db_->Run(
      "INSERT INTO exports(user_id, requested_by, status, link_hash, created_ms, about) VALUES(?,?,?,?,?,?)"
      " RETURNING " +
          std::string(kExportColumns),
      {user_id, by, "queued", LinkSecretHash(secret), NowMs(), about});
  if (!r.ok()) return r.status();
  return std::make_pair(ReadExport(*r, 0), secret);
}

Result<std::vector<ExportJob>> Privacy::Exports(int64_t user_id) {
  MutexLock lock(mu_);
  auto r =
      db_->Run(std::string("SELECT ") + kExportColumns + " FROM exports WHERE user_id = ? ORDER BY id DESC", {user_id});
  if (!r.ok()) return r.status();
  std::vector<ExportJob> out;
  for (size_t i = 0; i < r->size(); ++i) out.push_back(ReadExport(*r, i));
  return out;
}

Result<ExportJob> Privacy::ExportByLink(int64_t id, const std::string& secret, int64_t now_ms) {
  MutexLock lock(mu_);
  auto r = db_->Run(std::string("SELECT ") + kExportColumns +
                        " FROM exports WHERE id = ? AND link_hash = ? AND status = 'ready' AND expires_ms > ?",
                    {id, LinkSecretHash(secret), now_ms});
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::NotFound("this export link is unknown or expired: ask for a new export");
  return ReadExport(*r, 0);
}

Result<std::optional<ExportJob>> Privacy::ClaimExport(const std::string& who, int64_t now_ms) {
  MutexLock lock(mu_);
  // A builder that has not finished in ten minutes stopped (its hub died): taken again.
  auto r = db_->Run(
      "UPDATE exports SET status = 'building', claimed_by = ?, claimed_ms = ? WHERE id = (SELECT id FROM exports"
      " WHERE status = 'queued' OR (status = 'building' AND claimed_ms < ?) ORDER BY id LIMIT 1)"
      " AND (status = 'queued' OR claimed_ms < ?) RETURNING " +
          std::string(kExportColumns) + ", about",
      {who, now_ms, now_ms - 10 * 60 * 1000, now_ms - 10 * 60 * 1000});
  if (!r.ok()) return r.status();
  if (r->empty()) return std::optional<ExportJob>();
  ExportJob job = ReadExport(*r, 0);
  job.about = r->Text(0, 10);
  if (auto d = db_->Run("DELETE FROM export_chunks WHERE export_id = ?", {job.id}); !d.ok()) return d.status();
  return std::optional<ExportJob>(std::move(job));
}

Status Privacy::AppendChunk(int64_t id, int64_t n, std::string_view bytes) {
  MutexLock lock(mu_);
  // Base64: both engines keep it as text (PostgreSQL's text holds no NUL byte).
  return db_->Run("INSERT INTO export_chunks(export_id, n, data) VALUES(?,?,?)", {id, n, Base64Encode(bytes)}).status();
}

Status Privacy::FinishExport(int64_t id, int64_t size, int64_t records, const std::string& error, int64_t now_ms) {
  MutexLock lock(mu_);
  if (!error.empty()) {
    if (auto d = db_->Run("DELETE FROM export_chunks WHERE export_id = ?", {id}); !d.ok()) return d.status();
    return db_
        ->Run("UPDATE exports SET status = 'failed', error = ?, done_ms = ?, about = '' WHERE id = ?",
              {error.substr(0, 2000), now_ms, id})
        .status();
  }
  return db_
      ->Run(
          "UPDATE exports SET status = 'ready', size = ?, records = ?, done_ms = ?, expires_ms = ?, about = ''"
          " WHERE id = ?",
          {size, records, now_ms, now_ms + kExportTtlMs, id})
      .status();
}

Result<std::string> Privacy::Chunk(int64_t id, int64_t n) {
  MutexLock lock(mu_);
  auto r = db_->Run("SELECT data FROM export_chunks WHERE export_id = ? AND n = ?", {id, n});
  if (!r.ok()) return r.status();
  if (r->empty()) return std::string();
  auto raw = Base64Decode(r->Text(0, 0));
  if (!raw) return Status::Internal("export " + std::to_string(id) + " chunk " + std::to_string(n) + " is damaged");
  return std::move(*raw);
}

Result<int64_t> Privacy::PruneExports(int64_t now_ms) {
  MutexLock lock(mu_);
  // Failed ones are kept a day too, so that the member sees why.
  auto r = db_->Run(
      "DELETE FROM exports WHERE (status = 'ready' AND expires_ms <= ?) OR (status = 'failed' AND done_ms <= ?)",
      {now_ms, now_ms - kExportTtlMs});
  if (!r.ok()) return r.status();
  if (r->changes > 0)
    if (auto d = db_->Run("DELETE FROM export_chunks WHERE export_id NOT IN (SELECT id FROM exports)"); !d.ok())
      return d.status();
  return r->changes;
}

}  // namespace coophub::privacy
