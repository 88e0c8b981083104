// SPDX-License-Identifier: Apache-2.0
//
// What members corrected in their own matching profile: per person (record uid), the
// fields they set ({"skills": "cooking:3", "hours": "mon-fri 09:00-13:00"}), kept in the
// hub's store (match_profiles) on either engine. The Matcher lays them over what the
// person's source says, until the member takes them back. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "base/mutex.h"
#include "base/status.h"
#include "model/protocol.h"
#include "store/sql.h"

namespace coophub::matching {

// The fields a member may correct, in the order the profile page shows them. Their
// certificates are not among them: a coordinator checks those.
inline constexpr const char* kEditableFields[] = {"skills", "languages", "postcode", "max_km", "hours", "preferences"};

class ProfileEdits {
 public:
  // On a store whose migrations made the table.
  static Result<std::unique_ptr<ProfileEdits>> Open(sql::Database& db);

  // Every person's corrections (only those with some).
  Result<std::map<int64_t, json>> All();
  // One person's ({} none).
  Result<json> For(int64_t person);
  // Sets a person's corrections (an object of strings; {} takes them all back).
  Status Put(int64_t person, const json& fields, const std::string& by, int64_t now_ms);
  // A stamp that moves with every Put.
  Result<std::string> Stamp();

 private:
  explicit ProfileEdits(std::unique_ptr<sql::Conn> conn) : conn_(std::move(conn)) {}

  Mutex mu_;
  std::unique_ptr<sql::Conn> conn_ GUARDED_BY(mu_);
};

}  // namespace coophub::matching
