// SPDX-License-Identifier: Apache-2.0
//
// Pieces of the accounts API that need no Api: the login rate limiter, cookies, and
// the JSON body reader every write endpoint uses. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "accounts/accounts.h"
#include "api/api.h"
#include "base/mutex.h"

namespace coophub {

// Failed sign-ins, in a sliding window: a caller over a limit waits until its oldest
// failure leaves the window. Failed sign-ins slow down the address they came from, for that account (5 in 15
// minutes) and for every account (20): never the account itself, so that nobody can
// lock another person (an admin, say) out by failing in their name.
class LoginLimiter {
 public:
  static constexpr int kPerAccount = 5, kPerAddress = 20;
  static constexpr int64_t kWindowS = 15 * 60;
  // Counts in accounts' store, so that every replica sharing it counts alike; null: no
  // limit (a hub without accounts, where nobody signs in).
  explicit LoginLimiter(Accounts* accounts) : accounts_(accounts) {}
  // Seconds until another try is allowed; 0 when it is allowed now.
  int64_t WaitS(const std::string& address, const std::string& name, int64_t now_s);
  void Failed(const std::string& address, const std::string& name, int64_t now_s);
  void Succeeded(const std::string& address, const std::string& name);

 private:
  int64_t Wait(const std::string& key, int limit, int64_t now_s);
  Accounts* accounts_;
};

// The value of one cookie in a request, or "".
std::string CookieValue(const ApiRequest& req, const std::string& name);

// The fields of an application/x-www-form-urlencoded body (what a form without
// JavaScript posts), decoded; a field given twice keeps its first value.
std::map<std::string, std::string> ReadFormBody(const ApiRequest& req);
bool IsFormBody(const ApiRequest& req);

// The sign-in page's own CSRF token: a random value in a cookie and in the form, which
// another site can neither read nor set.
inline constexpr const char* kLoginCsrfCookie = "coophub_login_csrf";
std::string NewLoginCsrf();

// A JSON object from a request body: application/json, an object, nested at most 32
// deep. Otherwise a 4xx problem naming what was wrong.
Result<json> ReadJsonBody(const ApiRequest& req);

// A path's id (a user's, an identity's…): a positive whole number, else nullopt.
std::optional<int64_t> PositiveId(const std::string& text);

}  // namespace coophub
