// SPDX-License-Identifier: Apache-2.0
//
// Users, sessions, API tokens and the audit log. Passwords are argon2id hashes
// (libsodium's crypto_pwhash_str); session and token secrets are 256 random bits that
// are shown once and stored only as their BLAKE2b hash, so a copy of the database
// opens no door. Roles order viewer < editor < admin; a token's scope caps its user's
// role (read: viewer, write: editor, admin: admin). All methods are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/protocol.h"
#include "base/status.h"

namespace coophub {

enum class Role { kAnonymous = 0, kViewer = 1, kEditor = 2, kAdmin = 3 };

std::optional<Role> ParseRole(const std::string& name);    // viewer, editor, admin
std::optional<Role> ParseScope(const std::string& scope);  // read, write, admin
std::string RoleName(Role role);
std::string ScopeName(Role cap);
// A calendar link's scope: a viewer's reading, of /feeds/ only (Principal::feeds_only).
inline constexpr char kCalendarScope[] = "calendar";

struct User {
  int64_t id = 0;
  std::string name;
  Role role = Role::kViewer;
  int64_t created_ms = 0;
  std::string email;  // where the hub's mail to them goes; "" none
  std::string lang;   // the language they picked for the pages (and mail); "" none
};

// Who is asking: a user through a session or a token, or nobody.
struct Principal {
  int64_t user_id = 0;
  std::string name;              // "" when anonymous
  Role role = Role::kAnonymous;  // already capped by a token's scope
  std::string via;               // "session", "token" or ""
  std::string csrf;              // a session's CSRF token
  std::string lang;              // the language the user picked, "" for none
  int64_t expires_ms = 0;        // a token's expiry (ms since the epoch); 0 for sessions
  bool feeds_only = false;       // a calendar link: reads /feeds/ and opens nothing else
};

struct TokenInfo {
  int64_t id = 0, user_id = 0;
  std::string name, scope;
  int64_t created_ms = 0, expires_ms = 0, last_used_ms = 0;
};

// A share link: a secret in an embed's address that lets it show records beyond the
// public ones, limited to one source and/or one kind, until it is revoked.
struct ShareInfo {
  int64_t id = 0;
  std::string name;          // what it is for ("the website's agenda")
  std::string source, kind;  // the filter; "" for any
  std::string visibility;    // the most private records it shows: public, members or admins
  std::string created_by;
  int64_t created_ms = 0;
};

// An account's visits, for "since your last visit" on every device: base is the change
// seq the current visit compares with, and base_time when that last visit was (the
// unix second of its last page view; 0 unknown); head and time are the newest seq and
// the time of the current visit's last page view.
struct Visit {
  int64_t base = -1, head = 0, time = 0, base_time = 0;
};

struct NewSecret {
  std::string secret;  // give to the client once; never stored
  std::string csrf;    // sessions only
  TokenInfo token;     // tokens only
};

class Accounts {
 public:
  virtual ~Accounts() = default;
  virtual Result<int64_t> CountUsers() = 0;
  // Invalid for a bad name or a password under 10 characters; Conflict if the name exists.
  // No password (nullopt): an account that signs in with API tokens only (a script, an
  // integration), until a password is set with UpdateUser.
  virtual Result<User> AddUser(const std::string& name, const std::optional<std::string>& password, Role role) = 0;
  virtual Result<std::vector<User>> ListUsers() = 0;
  virtual Result<User> GetUser(int64_t id) = 0;  // NotFound
  // A new role and/or password (empty optional: unchanged). A new password ends the
  // user's sessions. Conflict when it would leave the hub without an admin.
  virtual Result<User> UpdateUser(int64_t id, std::optional<Role> role, std::optional<std::string> password) = 0;
  // Removes the user with their sessions and tokens (returned as they were); Conflict
  // for the last admin.
  virtual Result<User> DeleteUser(int64_t id) = 0;
  // The user, or Invalid("wrong name or password") whichever was wrong. Takes as long
  // for an unknown name as for a wrong password.
  virtual Result<User> CheckPassword(const std::string& name, const std::string& password) = 0;
  virtual Result<NewSecret> CreateSession(int64_t user_id, int64_t ttl_ms) = 0;
  virtual Result<Principal> SessionPrincipal(const std::string& secret) = 0;  // NotFound when unknown or expired
  virtual Status EndSession(const std::string& secret) = 0;
  // The user's language for the pages ("" forgets it), whatever device they sign in on.
  virtual Status SetLanguage(int64_t user_id, const std::string& lang) = 0;
  // The user's mail address ("" none); the caller checks that it is one. NotFound.
  virtual Status SetEmail(int64_t user_id, const std::string& email) = 0;
  virtual Result<NewSecret> CreateToken(int64_t user_id, const std::string& name, Role scope, int64_t ttl_ms) = 0;
  // A calendar link: a token of scope "calendar", which reads /feeds/ as its user (a
  // viewer at most) and opens nothing else, since a URL that holds it travels (into a
  // phone's calendar, a calendar service's servers).
  virtual Result<NewSecret> CreateCalendarLink(int64_t user_id, const std::string& name, int64_t ttl_ms) = 0;
  virtual Result<Principal> TokenPrincipal(const std::string& secret) = 0;  // NotFound when unknown or expired
  virtual Result<std::vector<TokenInfo>> ListTokens(int64_t user_id) = 0;
  virtual Status RevokeToken(int64_t user_id, int64_t token_id) = 0;  // NotFound if not theirs
  // The user's visits (nullopt: none yet), and a new state of them.
  virtual Result<std::optional<Visit>> GetVisit(int64_t user_id) = 0;
  virtual Status PutVisit(int64_t user_id, const Visit& visit) = 0;
  // Share links: the secret is returned once (prefix "share_") and stored hashed.
  virtual Result<std::pair<ShareInfo, std::string>> CreateShare(const ShareInfo& share) = 0;
  virtual Result<ShareInfo> FindShare(const std::string& secret) = 0;  // NotFound when unknown or revoked
  virtual Result<std::vector<ShareInfo>> ListShares() = 0;
  virtual Status RevokeShare(int64_t id) = 0;  // NotFound when unknown
  // The sites allowed to embed widgets, beside hub.yaml's (server.embed_origins): what
  // an admin set in the admin page, as origins (https://coop.example), each with who
  // added it. Set replaces the list.
  virtual Result<std::vector<std::pair<std::string, std::string>>> EmbedOrigins() = 0;  // (origin, added_by)
  virtual Status SetEmbedOrigins(const std::vector<std::string>& origins, const std::string& by) = 0;
  // Every write through the API: who did what to which target.
  virtual Status Audit(const std::string& who, const std::string& action, const std::string& target,
                       const std::string& detail = "") = 0;
  virtual Result<json> AuditLog(int limit) = 0;  // newest first
  // The entries a member made or that name them as their target (newest first), for
  // their own data.
  virtual Result<json> AuditOf(const std::string& name, int limit) = 0;
  // A user's sessions, never their secrets: (created_ms, expires_ms), newest first.
  virtual Result<std::vector<std::pair<int64_t, int64_t>>> ListSessions(int64_t user_id) = 0;

  // Failed sign-ins by key (an address; an address and a name), kept in the store so
  // that every replica counts them (LoginLimiter). Adding one forgets those of any key
  // from before forget_before_s.
  virtual Status AddLoginFailure(const std::vector<std::string>& keys, int64_t at_s, int64_t forget_before_s) = 0;
  // key's failures since since_s (exclusive): how many, and when the oldest was (0: none).
  virtual Result<std::pair<int64_t, int64_t>> LoginFailures(const std::string& key, int64_t since_s) = 0;
  virtual Status ClearLoginFailures(const std::string& key) = 0;
};

namespace sql {
class Database;
}
// Accounts in the hub's store (its tables made by the store's migrations: open the
// store first), on a connection of their own.
Result<std::unique_ptr<Accounts>> OpenAccounts(sql::Database& db);
// The same on a SQLite store file.
Result<std::unique_ptr<Accounts>> OpenSqliteAccounts(const std::string& db_path);

// A random one-time code (for the first-admin setup link).
std::string NewSetupCode();

// A secret for a link that needs no sign-in (an offer's): prefix and 43 URL-safe
// characters; and the hash it is kept as (never the secret itself).
std::string NewLinkSecret(const char* prefix);
std::string LinkSecretHash(const std::string& secret);
// HMAC-SHA256 of message under key (any length), as 32 raw bytes: the signature of a
// link in mail (keyed by the outbox's link key) and of a webhook's payload.
std::string HmacSha256(const std::string& key, const std::string& message);

// argon2id (libsodium's interactive limits). Exposed for tests.
std::string HashPassword(const std::string& password);
bool VerifyPassword(const std::string& hash, const std::string& password);

}  // namespace coophub
