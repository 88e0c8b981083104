// SPDX-License-Identifier: Apache-2.0
//
// Accounts in the hub's store (accounts.h), on a connection of their own (SQLite or
// PostgreSQL, through store/sql.h): logins and token checks are rare next to record
// reads, so one mutex serialises them. The store's migrations create the tables. The
// only file that calls libsodium's hashing.
#include <sodium.h>

#include <coophub/encoding.hpp>

#include <algorithm>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "accounts/accounts.h"
#include "store/sql.h"
#include "base/timeutil.h"
#include "base/mutex.h"

namespace coophub {
namespace {

std::string RandomSecret(const char* prefix) {
  unsigned char buf[32];
  randombytes_buf(buf, sizeof buf);
  return prefix + Base64Encode(std::string(reinterpret_cast<char*>(buf), sizeof buf), /*url_safe=*/true);
}

std::string SecretHash(const std::string& secret) {
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return hex;
}

bool ValidName(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (unsigned char c : n)
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '@')) return false;
  return true;
}

class SqlAccounts final : public Accounts {
 public:
  Status Open(sql::Database& db) {
    MutexLock lock(mu_);
    auto conn = db.Connect();
    if (!conn.ok()) return conn.status();
    db_ = std::move(*conn);
    // Replicas share the tokens: another replica's revoke reaches this one's cache
    // only when its entry is checked again.
    token_cache_.ttl_ms = db.dialect() == sql::Dialect::kPostgres ? kSharedTokenCacheMs : kTokenCacheMs;
    return Status::Ok();
  }

  Result<int64_t> CountUsers() override {
    MutexLock lock(mu_);
    auto r = db_->Run("SELECT COUNT(*) FROM users");
    if (!r.ok()) return r.status();
    return r->Int(0, 0);
  }

  Result<User> AddUser(const std::string& name, const std::optional<std::string>& password, Role role) override {
    if (!ValidName(name))
      return Status::Invalid("a user name is 1 to 64 letters, digits and . _ - @; \"" + name.substr(0, 64) +
                             "\" is not");
    if (password && password->size() < 10) return Status::Invalid("a password needs at least 10 characters");
    if (role == Role::kAnonymous) return Status::Invalid("a user's role is viewer, editor or admin");
    // Slow on purpose: outside the lock. An empty hash verifies no password.
    std::string hash = password ? HashPassword(*password) : "";
    MutexLock lock(mu_);
    User u{0, name, role, NowMs()};
    // Names compare without case: "Ana" and "ana" are one account.
    auto same = db_->Run("SELECT 1 FROM users WHERE lower(name) = lower(?)", {name});
    if (!same.ok()) return same.status();
    auto r = same->empty()
                 ? db_->Run("INSERT INTO users(name, password, role, created_ms) VALUES(?,?,?,?) RETURNING id",
                            {name, hash, RoleName(role), u.created_ms})
                 : Status::Conflict("");
    if (r.status().code() == Status::Code::kConflict)  // here, or by another replica at the same time
      return Status::Conflict("a user named \"" + name + "\" exists already");
    if (!r.ok()) return r.status();
    u.id = r->Int(0, 0);
    return u;
  }

  Result<User> UpdateUser(int64_t id, std::optional<Role> role, std::optional<std::string> password) override {
    if (role == Role::kAnonymous) return Status::Invalid("a user's role is viewer, editor or admin");
    if (password && password->size() < 10) return Status::Invalid("a password needs at least 10 characters");
    std::string hash = password ? HashPassword(*password) : "";  // slow on purpose: outside the lock
    MutexLock lock(mu_);
    auto user = FindUser(id);
    if (!user.ok()) return user.status();
    if (role && *role != Role::kAdmin && user->role == Role::kAdmin && Admins() <= 1) return LastAdmin(user->name);
    if (auto s = db_->Begin(); !s.ok()) return s;
    Status s;
    if (role) s = db_->Run("UPDATE users SET role=? WHERE id=?", {RoleName(*role), id}).status();
    // A new password ends every session and token of the old one: whoever knew it
    // (or minted a token with it) is out.
    if (s.ok() && password) s = db_->Run("UPDATE users SET password=? WHERE id=?", {hash, id}).status();
    if (s.ok() && password) s = db_->Run("DELETE FROM sessions WHERE user_id=?", {id}).status();
    if (s.ok() && password) s = db_->Run("DELETE FROM tokens WHERE user_id=?", {id}).status();
    if (s.ok()) s = db_->Commit();
    if (!s.ok()) {
      db_->Rollback();
      return s;
    }
    token_cache_.Clear();  // cached principals carry the old role
    if (role) user->role = *role;
    return user;
  }

  Result<User> DeleteUser(int64_t id) override {
    MutexLock lock(mu_);
    auto user = FindUser(id);
    if (!user.ok()) return user.status();
    if (user->role == Role::kAdmin && Admins() <= 1) return LastAdmin(user->name);
    // Sessions, tokens and visits go with the user (ON DELETE CASCADE).
    if (auto r = db_->Run("DELETE FROM users WHERE id=?", {id}); !r.ok()) return r.status();
    token_cache_.Clear();
    return user;
  }

  Result<std::vector<User>> ListUsers() override {
    MutexLock lock(mu_);
    auto r = db_->Run("SELECT id, name, role, created_ms, email, lang FROM users ORDER BY lower(name), name");
    if (!r.ok()) return r.status();
    std::vector<User> out;
    for (size_t i = 0; i < r->size(); ++i) out.push_back(UserRow(*r, i));
    return out;
  }

  Result<User> GetUser(int64_t id) override {
    MutexLock lock(mu_);
    return FindUser(id);
  }

  Result<User> CheckPassword(const std::string& name, const std::string& password) override {
    // A hash of a random password: an unknown name costs one verification, like a known one.
    static const std::string kDummy = HashPassword(RandomSecret(""));
    User u;
    std::string hash = kDummy;
    {
      MutexLock lock(mu_);
      auto r = db_->Run(
          "SELECT id, name, role, created_ms, email, lang, password FROM users WHERE lower(name) = lower(?)", {name});
      if (!r.ok()) return r.status();
      if (!r->empty()) {
        u = UserRow(*r, 0);
        hash = r->Text(0, 6);
      }
    }
    bool ok = VerifyPassword(hash, password);
    if (!ok || u.id == 0) return Status::Invalid("wrong name or password");
    return u;
  }

  Result<NewSecret> CreateSession(int64_t user_id, int64_t ttl_ms) override {
    NewSecret s{RandomSecret("s_"), RandomSecret(""), {}};
    MutexLock lock(mu_);
    (void)db_->Run("DELETE FROM sessions WHERE expires_ms < ?", {NowMs()});
    if (auto r = db_->Run("INSERT INTO sessions(hash, user_id, csrf, created_ms, expires_ms) VALUES(?,?,?,?,?)",
                          {SecretHash(s.secret), user_id, s.csrf, NowMs(), NowMs() + ttl_ms});
        !r.ok())
      return r.status();
    return s;
  }

  Result<Principal> SessionPrincipal(const std::string& secret) override {
    MutexLock lock(mu_);
    auto r = db_->Run(
        "SELECT u.id, u.name, u.role, s.csrf, u.lang FROM sessions s JOIN users u ON u.id = s.user_id"
        " WHERE s.hash = ? AND s.expires_ms > ?",
        {SecretHash(secret), NowMs()});
    if (!r.ok()) return r.status();
    if (r->empty()) return Status::NotFound("no such session");
    return Principal{r->Int(0, 0), r->Text(0, 1), ParseRole(r->Text(0, 2)).value_or(Role::kViewer),
                     "session",    r->Text(0, 3), r->Text(0, 4)};
  }

  Status SetLanguage(int64_t user_id, const std::string& lang) override {
    MutexLock lock(mu_);
    if (auto r = db_->Run("UPDATE users SET lang=? WHERE id=?", {lang, user_id}); !r.ok()) return r.status();
    token_cache_.Clear();  // cached principals carry the old language
    return Status::Ok();
  }

  Status SetEmail(int64_t user_id, const std::string& email) override {
    MutexLock lock(mu_);
    if (auto u = FindUser(user_id); !u.ok()) return u.status();
    auto r = db_->Run("UPDATE users SET email=? WHERE id=?", {email, user_id});
    return r.ok() ? Status::Ok() : r.status();
  }

  Status EndSession(const std::string& secret) override {
    MutexLock lock(mu_);
    return db_->Run("DELETE FROM sessions WHERE hash=?", {SecretHash(secret)}).status();
  }

  Result<NewSecret> CreateToken(int64_t user_id, const std::string& name, Role scope, int64_t ttl_ms) override {
    return InsertToken(user_id, name, ScopeName(scope), ttl_ms);
  }

  Result<NewSecret> CreateCalendarLink(int64_t user_id, const std::string& name, int64_t ttl_ms) override {
    return InsertToken(user_id, name, kCalendarScope, ttl_ms);
  }

  Result<NewSecret> InsertToken(int64_t user_id, const std::string& name, const std::string& scope, int64_t ttl_ms) {
    if (name.empty() || name.size() > 100) return Status::Invalid("a token needs a name of 1 to 100 characters");
    NewSecret s{RandomSecret("chub_"), "", {}};
    s.token = {0, user_id, name, scope, NowMs(), NowMs() + ttl_ms, 0};
    MutexLock lock(mu_);
    auto r = db_->Run(
        "INSERT INTO tokens(hash, user_id, name, scope, created_ms, expires_ms) VALUES(?,?,?,?,?,?) RETURNING id",
        {SecretHash(s.secret), user_id, name, s.token.scope, s.token.created_ms, s.token.expires_ms});
    if (!r.ok()) return r.status();
    s.token.id = r->Int(0, 0);
    return s;
  }

  // Every API call checks its token: a check is remembered for kTokenCacheMs, so that a
  // busy client costs a hash and a map lookup, not a query and a write (last_used_ms is
  // written once per check, not once per call). Revoking clears what is remembered here;
  // on another replica (a PostgreSQL store), a revoked token lives on for
  // kSharedTokenCacheMs at most.
  Result<Principal> TokenPrincipal(const std::string& secret) override {
    std::string hash = SecretHash(secret);
    int64_t now = NowMs();
    if (auto p = token_cache_.Find(hash, now)) return *p;
    MutexLock lock(mu_);  // a miss checks and remembers under the lock that writes take to forget
    auto r = db_->Run(
        "SELECT u.id, u.name, u.role, t.scope, t.expires_ms, u.lang FROM tokens t JOIN users u ON u.id = t.user_id"
        " WHERE t.hash = ? AND t.expires_ms > ?",
        {hash, now});
    if (!r.ok()) return r.status();
    if (r->empty()) return Status::NotFound("no such token, or it expired");
    Role role = ParseRole(r->Text(0, 2)).value_or(Role::kViewer);
    Role cap = ParseScope(r->Text(0, 3)).value_or(Role::kViewer);
    int64_t expires = r->Int(0, 4);
    Principal p{r->Int(0, 0), r->Text(0, 1), std::min(role, cap), "token", "", r->Text(0, 5), expires};
    p.feeds_only = r->Text(0, 3) == kCalendarScope;
    (void)db_->Run("UPDATE tokens SET last_used_ms=? WHERE hash=?", {now, hash});
    token_cache_.Put(hash, {p, expires, now});
    return p;
  }

  Result<std::vector<TokenInfo>> ListTokens(int64_t user_id) override {
    MutexLock lock(mu_);
    auto r = db_->Run(
        "SELECT id, user_id, name, scope, created_ms, expires_ms, last_used_ms FROM tokens WHERE user_id=? ORDER BY id",
        {user_id});
    if (!r.ok()) return r.status();
    std::vector<TokenInfo> out;
    for (size_t i = 0; i < r->size(); ++i)
      out.push_back(
          {r->Int(i, 0), r->Int(i, 1), r->Text(i, 2), r->Text(i, 3), r->Int(i, 4), r->Int(i, 5), r->Int(i, 6)});
    return out;
  }

  Result<std::optional<Visit>> GetVisit(int64_t user_id) override {
    MutexLock lock(mu_);
    auto r = db_->Run("SELECT base, head, time, base_time FROM visits WHERE user_id=?", {user_id});
    if (!r.ok()) return r.status();
    if (r->empty()) return std::optional<Visit>();
    return std::optional<Visit>(Visit{r->Int(0, 0), r->Int(0, 1), r->Int(0, 2), r->Int(0, 3)});
  }

  Status PutVisit(int64_t user_id, const Visit& v) override {
    MutexLock lock(mu_);
    return db_
        ->Run(
            "INSERT INTO visits(user_id, base, head, time, base_time) VALUES(?,?,?,?,?)"
            " ON CONFLICT(user_id) DO UPDATE SET base=excluded.base, head=excluded.head,"
            " time=excluded.time, base_time=excluded.base_time",
            {user_id, v.base, v.head, v.time, v.base_time})
        .status();
  }

  Result<std::pair<ShareInfo, std::string>> CreateShare(const ShareInfo& share) override {
    if (share.name.empty() || share.name.size() > 100)
      return Status::Invalid("a share link needs a name of 1 to 100 characters");
    std::string secret = RandomSecret("share_");
    ShareInfo s = share;
    s.created_ms = NowMs();
    MutexLock lock(mu_);
    auto r = db_->Run(
        "INSERT INTO shares(hash, name, source, kind, visibility, created_by, created_ms) VALUES(?,?,?,?,?,?,?)"
        " RETURNING id",
        {SecretHash(secret), s.name, s.source, s.kind, s.visibility, s.created_by, s.created_ms});
    if (!r.ok()) return r.status();
    s.id = r->Int(0, 0);
    return std::pair{s, secret};
  }

  static ShareInfo ShareRow(const sql::Rows& r, size_t i) {
    return {r.Int(i, 0), r.Text(i, 1), r.Text(i, 2), r.Text(i, 3), r.Text(i, 4), r.Text(i, 5), r.Int(i, 6)};
  }
  static constexpr const char* kShareColumns =
      "SELECT id, name, source, kind, visibility, created_by, created_ms FROM shares ";

  Result<ShareInfo> FindShare(const std::string& secret) override {
    MutexLock lock(mu_);
    auto r = db_->Run(std::string(kShareColumns) + "WHERE hash = ?", {SecretHash(secret)});
    if (!r.ok()) return r.status();
    if (r->empty()) return Status::NotFound("no such share link, or it was revoked");
    return ShareRow(*r, 0);
  }

  Result<std::vector<ShareInfo>> ListShares() override {
    MutexLock lock(mu_);
    auto r = db_->Run(std::string(kShareColumns) + "ORDER BY id");
    if (!r.ok()) return r.status();
    std::vector<ShareInfo> out;
    for (size_t i = 0; i < r->size(); ++i) out.push_back(ShareRow(*r, i));
    return out;
  }

  Status RevokeShare(int64_t id) override {
    MutexLock lock(mu_);
    auto r = db_->Run("DELETE FROM shares WHERE id=?", {id});
    if (!r.ok()) return r.status();
    if (r->changes == 0) return Status::NotFound("no share link " + std::to_string(id));
    return Status::Ok();
  }

  Result<std::vector<std::pair<std::string, std::string>>> EmbedOrigins() override {
    MutexLock lock(mu_);
    auto r = db_->Run("SELECT origin, added_by FROM embed_origins ORDER BY added_ms, origin");
    if (!r.ok()) return r.status();
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t i = 0; i < r->size(); ++i) out.emplace_back(r->Text(i, 0), r->Text(i, 1));
    return out;
  }

  Status SetEmbedOrigins(const std::vector<std::string>& origins, const std::string& by) override {
    MutexLock lock(mu_);
    if (auto s = db_->Begin(); !s.ok()) return s;
    // Those kept keep who added them and when: the list is rewritten around them.
    auto had = db_->Run("SELECT origin FROM embed_origins");
    Status s = had.status();
    for (size_t i = 0; s.ok() && i < had->size(); ++i)
      if (std::find(origins.begin(), origins.end(), had->Text(i, 0)) == origins.end())
        s = db_->Run("DELETE FROM embed_origins WHERE origin=?", {had->Text(i, 0)}).status();
    int64_t now = NowMs();
    for (size_t i = 0; s.ok() && i < origins.size(); ++i)
      s = db_->Run("INSERT INTO embed_origins VALUES(?,?,?) ON CONFLICT(origin) DO NOTHING",
                   {origins[i], by, now + static_cast<int64_t>(i)})
              .status();
    if (s.ok()) s = db_->Commit();
    if (!s.ok()) db_->Rollback();
    return s;
  }

  Status RevokeToken(int64_t user_id, int64_t token_id) override {
    MutexLock lock(mu_);
    auto r = db_->Run("DELETE FROM tokens WHERE id=? AND user_id=?", {token_id, user_id});
    if (!r.ok()) return r.status();
    if (r->changes == 0) return Status::NotFound("you have no token " + std::to_string(token_id));
    token_cache_.Clear();
    return Status::Ok();
  }

  Status Audit(const std::string& who, const std::string& action, const std::string& target,
               const std::string& detail) override {
    MutexLock lock(mu_);
    return db_
        ->Run("INSERT INTO audit(ts_ms, who, action, target, detail) VALUES(?,?,?,?,?)",
              {NowMs(), who, action, target, detail.substr(0, 2000)})
        .status();
  }

  Status AddLoginFailure(const std::vector<std::string>& keys, int64_t at_s, int64_t forget_before_s) override {
    MutexLock lock(mu_);
    if (Status s = db_->Begin(); !s.ok()) return s;
    Status s = db_->Run("DELETE FROM login_failures WHERE at_s <= ?", {forget_before_s}).status();
    for (size_t i = 0; i < keys.size() && s.ok(); ++i)
      s = db_->Run("INSERT INTO login_failures(key, at_s) VALUES(?, ?)", {keys[i], at_s}).status();
    if (s.ok()) s = db_->Commit();
    if (!s.ok()) db_->Rollback();
    return s;
  }

  Result<std::pair<int64_t, int64_t>> LoginFailures(const std::string& key, int64_t since_s) override {
    MutexLock lock(mu_);
    auto r = db_->Run("SELECT COUNT(*), COALESCE(MIN(at_s), 0) FROM login_failures WHERE key = ? AND at_s > ?",
                      {key, since_s});
    if (!r.ok()) return r.status();
    return std::pair{r->Int(0, 0), r->Int(0, 1)};
  }

  Status ClearLoginFailures(const std::string& key) override {
    MutexLock lock(mu_);
    return db_->Run("DELETE FROM login_failures WHERE key = ?", {key}).status();
  }

  Result<json> AuditLog(int limit) override {
    MutexLock lock(mu_);
    return AuditJson(
        db_->Run("SELECT id, ts_ms, who, action, target, detail FROM audit ORDER BY id DESC LIMIT ?", {limit}));
  }

  Result<json> AuditOf(const std::string& name, int limit) override {
    MutexLock lock(mu_);
    return AuditJson(
        db_->Run("SELECT id, ts_ms, who, action, target, detail FROM audit WHERE lower(who) = lower(?) OR"
                 " lower(target) = lower(?) ORDER BY id DESC LIMIT ?",
                 {name, name, limit}));
  }

  Result<std::vector<std::pair<int64_t, int64_t>>> ListSessions(int64_t user_id) override {
    MutexLock lock(mu_);
    auto r = db_->Run(
        "SELECT created_ms, expires_ms FROM sessions WHERE user_id = ? AND expires_ms > ?"
        " ORDER BY created_ms DESC",
        {user_id, NowMs()});
    if (!r.ok()) return r.status();
    std::vector<std::pair<int64_t, int64_t>> out;
    for (size_t i = 0; i < r->size(); ++i) out.emplace_back(r->Int(i, 0), r->Int(i, 1));
    return out;
  }

  static Result<json> AuditJson(const Result<sql::Rows>& r) {
    if (!r.ok()) return r.status();
    json out = json::array();
    for (size_t i = 0; i < r->size(); ++i)
      out.push_back({{"id", r->Int(i, 0)},
                     {"time", FormatRfc3339(r->Int(i, 1) / 1000)},
                     {"who", r->Text(i, 2)},
                     {"action", r->Text(i, 3)},
                     {"target", r->Text(i, 4)},
                     {"detail", r->Text(i, 5)}});
    return out;
  }

 private:
  static User UserRow(const sql::Rows& r, size_t i) {
    return {r.Int(i, 0), r.Text(i, 1), ParseRole(r.Text(i, 2)).value_or(Role::kViewer),
            r.Int(i, 3), r.Text(i, 4), r.Text(i, 5)};
  }
  Result<User> FindUser(int64_t id) REQUIRES(mu_) {
    auto r = db_->Run("SELECT id, name, role, created_ms, email, lang FROM users WHERE id=?", {id});
    if (!r.ok()) return r.status();
    if (r->empty()) return Status::NotFound("no user with id " + std::to_string(id));
    return UserRow(*r, 0);
  }
  int64_t Admins() REQUIRES(mu_) {
    auto r = db_->Run("SELECT COUNT(*) FROM users WHERE role='admin'");
    return r.ok() ? r->Int(0, 0) : 0;
  }
  static Status LastAdmin(const std::string& name) {
    return Status::Conflict(name + " is the last admin: make another admin first, or no one could manage this hub");
  }

  static constexpr int64_t kTokenCacheMs = 30 * 1000, kSharedTokenCacheMs = 2 * 1000;
  // Checked tokens by hash, behind a lock of their own: a remembered token costs no
  // wait for the connection that sign-ins, audit lines and token checks share.
  class TokenCache {
   public:
    struct Entry {
      Principal principal;
      int64_t expires_ms, checked_ms;
    };
    std::optional<Principal> Find(const std::string& hash, int64_t now) {
      MutexLock lock(mu_);
      auto it = entries_.find(hash);
      if (it == entries_.end()) return std::nullopt;
      if (now - it->second.checked_ms < ttl_ms && now < it->second.expires_ms) return it->second.principal;
      entries_.erase(it);
      return std::nullopt;
    }
    void Put(const std::string& hash, Entry e) {
      MutexLock lock(mu_);
      if (entries_.size() > 10000) entries_.clear();
      entries_[hash] = std::move(e);
    }
    void Clear() {
      MutexLock lock(mu_);
      entries_.clear();
    }

    int64_t ttl_ms = 0;  // set once, before any check

   private:
    Mutex mu_;
    std::unordered_map<std::string, Entry> entries_ GUARDED_BY(mu_);
  };

  Mutex mu_;
  std::unique_ptr<sql::Conn> db_ GUARDED_BY(mu_);
  // Filled and cleared only with mu_ held, so a check cannot put back what a write forgot.
  TokenCache token_cache_;
};

}  // namespace

std::optional<Role> ParseRole(const std::string& n) {
  if (n == "viewer") return Role::kViewer;
  if (n == "editor") return Role::kEditor;
  if (n == "admin") return Role::kAdmin;
  return std::nullopt;
}

std::optional<Role> ParseScope(const std::string& s) {
  if (s == "read") return Role::kViewer;
  if (s == "write") return Role::kEditor;
  if (s == "admin") return Role::kAdmin;
  return std::nullopt;
}

std::string RoleName(Role r) {
  switch (r) {
    case Role::kViewer:
      return "viewer";
    case Role::kEditor:
      return "editor";
    case Role::kAdmin:
      return "admin";
    default:
      return "anonymous";
  }
}

std::string ScopeName(Role cap) { return cap == Role::kAdmin ? "admin" : cap == Role::kEditor ? "write" : "read"; }

std::string NewLinkSecret(const char* prefix) { return RandomSecret(prefix); }
std::string LinkSecretHash(const std::string& secret) { return SecretHash(secret); }

std::string HmacSha256(const std::string& key, const std::string& message) {
  if (sodium_init() < 0) return "";
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  unsigned char out[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&st, out);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::string NewSetupCode() {
  if (sodium_init() < 0) return "";
  return RandomSecret("");
}

std::string HashPassword(const std::string& password) {
  if (sodium_init() < 0) return "";
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return "";
  return out;
}

bool VerifyPassword(const std::string& hash, const std::string& password) {
  if (sodium_init() < 0 || hash.empty()) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

Result<std::unique_ptr<Accounts>> OpenAccounts(sql::Database& db) {
  if (sodium_init() < 0) return Status::Internal("libsodium could not start");
  auto a = std::make_unique<SqlAccounts>();
  if (auto s = a->Open(db); !s.ok()) return s;
  return std::unique_ptr<Accounts>(std::move(a));
}

Result<std::unique_ptr<Accounts>> OpenSqliteAccounts(const std::string& db_path) {
  return OpenAccounts(*sql::SqliteDatabase(db_path));
}

}  // namespace coophub
