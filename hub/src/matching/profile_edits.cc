// SPDX-License-Identifier: Apache-2.0
// Members' corrections of their matching profile, in the store; see profile_edits.h.
#include "matching/profile_edits.h"

#include <algorithm>

namespace coophub::matching {

Result<std::unique_ptr<ProfileEdits>> ProfileEdits::Open(sql::Database& db) {
  auto conn = db.Connect();
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<ProfileEdits>(new ProfileEdits(std::move(*conn)));
}

Result<std::map<int64_t, json>> ProfileEdits::All() {
  MutexLock lock(mu_);
  auto r = conn_->Run("SELECT person_uid, fields FROM match_profiles WHERE fields <> '{}'");
  if (!r.ok()) return r.status();
  std::map<int64_t, json> out;
  for (size_t i = 0; i < r->size(); ++i) {
    json fields = json::parse(r->Text(i, 1), nullptr, false);
    if (fields.is_object() && !fields.empty()) out[r->Int(i, 0)] = std::move(fields);
  }
  return out;
}

Result<json> ProfileEdits::For(int64_t person) {
  MutexLock lock(mu_);
  auto r = conn_->Run("SELECT fields FROM match_profiles WHERE person_uid = ?", {person});
  if (!r.ok()) return r.status();
  if (r->size() == 0) return json::object();
  json fields = json::parse(r->Text(0, 0), nullptr, false);
  return fields.is_object() ? fields : json::object();
}

Status ProfileEdits::Put(int64_t person, const json& fields, const std::string& by, int64_t now_ms) {
  if (!fields.is_object()) return Status::Invalid("a profile's corrections are an object");
  MutexLock lock(mu_);
  // Each Put a later time than any before, so that the stamp moves even within a
  // millisecond; the row stays when everything is taken back ({}).
  auto last = conn_->Run("SELECT COALESCE(MAX(updated_ms), 0) FROM match_profiles");
  if (!last.ok()) return last.status();
  now_ms = std::max(now_ms, last->Int(0, 0) + 1);
  auto r = conn_->Run(
      "INSERT INTO match_profiles(person_uid, fields, updated_by, updated_ms) VALUES(?, ?, ?, ?)"
      " ON CONFLICT(person_uid) DO UPDATE SET fields = excluded.fields, updated_by = excluded.updated_by,"
      " updated_ms = excluded.updated_ms",
      {person, fields.dump(), by, now_ms});
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::string> ProfileEdits::Stamp() {
  MutexLock lock(mu_);
  auto r = conn_->Run("SELECT COUNT(*), COALESCE(MAX(updated_ms), 0) FROM match_profiles");
  if (!r.ok()) return r.status();
  return std::to_string(r->Int(0, 0)) + "." + std::to_string(r->Int(0, 1));
}

}  // namespace coophub::matching
