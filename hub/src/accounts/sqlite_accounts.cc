// SPDX-License-Identifier: Apache-2.0
//
// Accounts in the hub's SQLite file (accounts.h), on a connection of their own: logins
// and token checks are rare next to record reads, so one mutex serialises them. The
// store's migrations create the tables. The only file besides the store that includes
// sqlite3.h; the only one that calls libsodium.
#include <sodium.h>

#include <coophub/encoding.hpp>

#include <mutex>
#include <optional>
#include <unordered_map>

#include "accounts/accounts.h"
#include "store/sqlite/sqlite_db.h"
#include "base/timeutil.h"
#include "base/mutex.h"

namespace coophub {
namespace {

using sqlite::Bind;
using sqlite::Db;
using sqlite::StepWith;
using sqlite::Text;

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

class SqliteAccounts final : public Accounts {
 public:
  Status Open(const std::string& path) {
    MutexLock lock(mu_);
    return db_.Open(path, false);
  }

  Result<int64_t> CountUsers() override {
    Use use(this);
    sqlite3_stmt* st = db_.Prepare("SELECT COUNT(*) FROM users");
    if (sqlite3_step(st) != SQLITE_ROW) return Fail();
    return sqlite3_column_int64(st, 0);
  }

  Result<User> AddUser(const std::string& name, const std::optional<std::string>& password, Role role) override {
    if (!ValidName(name))
      return Status::Invalid("a user name is 1 to 64 letters, digits and . _ - @; \"" + name.substr(0, 64) +
                             "\" is not");
    if (password && password->size() < 10) return Status::Invalid("a password needs at least 10 characters");
    if (role == Role::kAnonymous) return Status::Invalid("a user's role is viewer, editor or admin");
    // Slow on purpose: outside the lock. An empty hash verifies no password.
    std::string hash = password ? HashPassword(*password) : "";
    Use use(this);
    User u{0, name, role, NowMs()};
    int rc = StepWith(db_.Prepare("INSERT INTO users(name, password, role, created_ms) VALUES(?,?,?,?)"), name, hash,
                      RoleName(role), u.created_ms);
    if (rc == SQLITE_CONSTRAINT) return Status::Conflict("a user named \"" + name + "\" exists already");
    if (rc != SQLITE_DONE) return Fail();
    u.id = sqlite3_last_insert_rowid(db_.raw());
    return u;
  }

  Result<User> UpdateUser(int64_t id, std::optional<Role> role, std::optional<std::string> password) override {
    if (role == Role::kAnonymous) return Status::Invalid("a user's role is viewer, editor or admin");
    if (password && password->size() < 10) return Status::Invalid("a password needs at least 10 characters");
    std::string hash = password ? HashPassword(*password) : "";  // slow on purpose: outside the lock
    Use use(this);
    auto user = FindUser(id);
    if (!user.ok()) return user.status();
    if (role && *role != Role::kAdmin && user->role == Role::kAdmin && Admins() <= 1) return LastAdmin(user->name);
    if (role && StepWith(db_.Prepare("UPDATE users SET role=? WHERE id=?"), RoleName(*role), id) != SQLITE_DONE)
      return Fail();
    // A new password ends every session and token of the old one: whoever knew it
    // (or minted a token with it) is out.
    if (password && (StepWith(db_.Prepare("UPDATE users SET password=? WHERE id=?"), hash, id) != SQLITE_DONE ||
                     StepWith(db_.Prepare("DELETE FROM sessions WHERE user_id=?"), id) != SQLITE_DONE ||
                     StepWith(db_.Prepare("DELETE FROM tokens WHERE user_id=?"), id) != SQLITE_DONE))
      return Fail();
    token_cache_.Clear();  // cached principals carry the old role
    if (role) user->role = *role;
    return user;
  }

  Result<User> DeleteUser(int64_t id) override {
    Use use(this);
    auto user = FindUser(id);
    if (!user.ok()) return user.status();
    if (user->role == Role::kAdmin && Admins() <= 1) return LastAdmin(user->name);
    // Sessions and tokens go with the user (ON DELETE CASCADE).
    if (StepWith(db_.Prepare("DELETE FROM users WHERE id=?"), id) != SQLITE_DONE) return Fail();
    token_cache_.Clear();
    return user;
  }

  Result<std::vector<User>> ListUsers() override {
    Use use(this);
    sqlite3_stmt* st = db_.Prepare("SELECT id, name, role, created_ms FROM users ORDER BY name");
    std::vector<User> out;
    while (sqlite3_step(st) == SQLITE_ROW)
      out.push_back({sqlite3_column_int64(st, 0), Text(st, 1), ParseRole(Text(st, 2)).value_or(Role::kViewer),
                     sqlite3_column_int64(st, 3)});
    return out;
  }

  Result<User> CheckPassword(const std::string& name, const std::string& password) override {
    // A hash of a random password: an unknown name costs one verification, like a known one.
    static const std::string kDummy = HashPassword(RandomSecret(""));
    User u;
    std::string hash = kDummy;
    {
      Use use(this);
      sqlite3_stmt* st = db_.Prepare("SELECT id, name, role, created_ms, password FROM users WHERE name=?");
      if (StepWith(st, name) == SQLITE_ROW) {
        u = {sqlite3_column_int64(st, 0), Text(st, 1), ParseRole(Text(st, 2)).value_or(Role::kViewer),
             sqlite3_column_int64(st, 3)};
        hash = Text(st, 4);
      }
    }
    bool ok = VerifyPassword(hash, password);
    if (!ok || u.id == 0) return Status::Invalid("wrong name or password");
    return u;
  }

  Result<NewSecret> CreateSession(int64_t user_id, int64_t ttl_ms) override {
    NewSecret s{RandomSecret("s_"), RandomSecret(""), {}};
    Use use(this);
    StepWith(db_.Prepare("DELETE FROM sessions WHERE expires_ms < ?"), NowMs());
    if (StepWith(db_.Prepare("INSERT INTO sessions(hash, user_id, csrf, created_ms, expires_ms) VALUES(?,?,?,?,?)"),
                 SecretHash(s.secret), user_id, s.csrf, NowMs(), NowMs() + ttl_ms) != SQLITE_DONE)
      return Fail();
    return s;
  }

  Result<Principal> SessionPrincipal(const std::string& secret) override {
    Use use(this);
    sqlite3_stmt* st = db_.Prepare(
        "SELECT u.id, u.name, u.role, s.csrf, u.lang FROM sessions s JOIN users u ON u.id = s.user_id"
        " WHERE s.hash = ? AND s.expires_ms > ?");
    if (StepWith(st, SecretHash(secret), NowMs()) != SQLITE_ROW) return Status::NotFound("no such session");
    return Principal{sqlite3_column_int64(st, 0),
                     Text(st, 1),
                     ParseRole(Text(st, 2)).value_or(Role::kViewer),
                     "session",
                     Text(st, 3),
                     Text(st, 4)};
  }

  Status SetLanguage(int64_t user_id, const std::string& lang) override {
    Use use(this);
    if (StepWith(db_.Prepare("UPDATE users SET lang=? WHERE id=?"), lang, user_id) != SQLITE_DONE) return Fail();
    token_cache_.Clear();  // cached principals carry the old language
    return Status::Ok();
  }

  Status EndSession(const std::string& secret) override {
    Use use(this);
    return StepWith(db_.Prepare("DELETE FROM sessions WHERE hash=?"), SecretHash(secret)) == SQLITE_DONE ? Status::Ok()
                                                                                                         : Fail();
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
    Use use(this);
    if (StepWith(
            db_.Prepare("INSERT INTO tokens(hash, user_id, name, scope, created_ms, expires_ms) VALUES(?,?,?,?,?,?)"),
            SecretHash(s.secret), user_id, name, s.token.scope, s.token.created_ms, s.token.expires_ms) != SQLITE_DONE)
      return Fail();
    s.token.id = sqlite3_last_insert_rowid(db_.raw());
    return s;
  }

  // Every API call checks its token: a check is remembered for kTokenCacheMs, so that a
  // busy client costs a hash and a map lookup, not a query and a write (last_used_ms is
  // written once per check, not once per call). Revoking clears what is remembered.
  Result<Principal> TokenPrincipal(const std::string& secret) override {
    std::string hash = SecretHash(secret);
    int64_t now = NowMs();
    if (auto p = token_cache_.Find(hash, now)) return *p;
    Use use(this);  // a miss checks and remembers under the lock that writes take to forget
    sqlite3_stmt* st = db_.Prepare(
        "SELECT u.id, u.name, u.role, t.scope, t.expires_ms, u.lang FROM tokens t JOIN users u ON u.id = t.user_id"
        " WHERE t.hash = ? AND t.expires_ms > ?");
    if (StepWith(st, hash, now) != SQLITE_ROW) return Status::NotFound("no such token, or it expired");
    Role role = ParseRole(Text(st, 2)).value_or(Role::kViewer);
    Role cap = ParseScope(Text(st, 3)).value_or(Role::kViewer);
    int64_t expires = sqlite3_column_int64(st, 4);
    Principal p{sqlite3_column_int64(st, 0), Text(st, 1), std::min(role, cap), "token", "", Text(st, 5), expires};
    p.feeds_only = Text(st, 3) == kCalendarScope;
    StepWith(db_.Prepare("UPDATE tokens SET last_used_ms=? WHERE hash=?"), now, hash);
    token_cache_.Put(hash, {p, expires, now});
    return p;
  }

  Result<std::vector<TokenInfo>> ListTokens(int64_t user_id) override {
    Use use(this);
    sqlite3_stmt* st = db_.Prepare(
        "SELECT id, user_id, name, scope, created_ms, expires_ms, last_used_ms FROM tokens WHERE user_id=? ORDER BY "
        "id");
    Bind(st, 1, user_id);
    std::vector<TokenInfo> out;
    while (sqlite3_step(st) == SQLITE_ROW)
      out.push_back({sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), Text(st, 2), Text(st, 3),
                     sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 6)});
    return out;
  }

  Result<std::optional<Visit>> GetVisit(int64_t user_id) override {
    Use use(this);
    sqlite3_stmt* st = db_.Prepare("SELECT base, head, time, base_time FROM visits WHERE user_id=?");
    int rc = StepWith(st, user_id);
    if (rc == SQLITE_DONE) return std::optional<Visit>();
    if (rc != SQLITE_ROW) return Fail();
    return std::optional<Visit>(Visit{sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                                      sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)});
  }

  Status PutVisit(int64_t user_id, const Visit& v) override {
    Use use(this);
    if (StepWith(db_.Prepare("INSERT INTO visits(user_id, base, head, time, base_time) VALUES(?,?,?,?,?)"
                             " ON CONFLICT(user_id) DO UPDATE SET base=excluded.base, head=excluded.head,"
                             " time=excluded.time, base_time=excluded.base_time"),
                 user_id, v.base, v.head, v.time, v.base_time) != SQLITE_DONE)
      return Fail();
    return Status::Ok();
  }

  Result<std::pair<ShareInfo, std::string>> CreateShare(const ShareInfo& share) override {
    if (share.name.empty() || share.name.size() > 100)
      return Status::Invalid("a share link needs a name of 1 to 100 characters");
    std::string secret = RandomSecret("share_");
    ShareInfo s = share;
    s.created_ms = NowMs();
    Use use(this);
    if (StepWith(db_.Prepare("INSERT INTO shares(hash, name, source, kind, visibility, created_by, created_ms)"
                             " VALUES(?,?,?,?,?,?,?)"),
                 SecretHash(secret), s.name, s.source, s.kind, s.visibility, s.created_by, s.created_ms) != SQLITE_DONE)
      return Fail();
    s.id = sqlite3_last_insert_rowid(db_.raw());
    return std::pair{s, secret};
  }

  static ShareInfo ShareRow(sqlite3_stmt* st) {
    return {sqlite3_column_int64(st, 0), Text(st, 1), Text(st, 2), Text(st, 3), Text(st, 4), Text(st, 5),
            sqlite3_column_int64(st, 6)};
  }
  static constexpr const char* kShareColumns =
      "SELECT id, name, source, kind, visibility, created_by, created_ms FROM shares ";

  Result<ShareInfo> FindShare(const std::string& secret) override {
    Use use(this);
    sqlite3_stmt* st = db_.Prepare(std::string(kShareColumns) + "WHERE hash = ?");
    if (StepWith(st, SecretHash(secret)) != SQLITE_ROW)
      return Status::NotFound("no such share link, or it was revoked");
    return ShareRow(st);
  }

  Result<std::vector<ShareInfo>> ListShares() override {
    Use use(this);
    sqlite3_stmt* st = db_.Prepare(std::string(kShareColumns) + "ORDER BY id");
    std::vector<ShareInfo> out;
    while (sqlite3_step(st) == SQLITE_ROW) out.push_back(ShareRow(st));
    return out;
  }

  Status RevokeShare(int64_t id) override {
    Use use(this);
    if (StepWith(db_.Prepare("DELETE FROM shares WHERE id=?"), id) != SQLITE_DONE) return Fail();
    if (sqlite3_changes(db_.raw()) == 0) return Status::NotFound("no share link " + std::to_string(id));
    return Status::Ok();
  }

  Result<std::vector<std::pair<std::string, std::string>>> EmbedOrigins() override {
    Use use(this);
    sqlite3_stmt* st = db_.Prepare("SELECT origin, added_by FROM embed_origins ORDER BY added_ms, origin");
    std::vector<std::pair<std::string, std::string>> out;
    while (sqlite3_step(st) == SQLITE_ROW) out.emplace_back(Text(st, 0), Text(st, 1));
    return out;
  }

  Status SetEmbedOrigins(const std::vector<std::string>& origins, const std::string& by) override {
    Use use(this);
    if (auto s = db_.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    // Those kept keep who added them and when: the list is rewritten around them.
    std::string keep = "DELETE FROM embed_origins WHERE origin NOT IN (SELECT value FROM json_each(?))";
    bool ok = StepWith(db_.Prepare(keep.c_str()), json(origins).dump()) == SQLITE_DONE;
    int64_t now = NowMs();
    for (size_t i = 0; ok && i < origins.size(); ++i)
      ok = StepWith(db_.Prepare("INSERT INTO embed_origins VALUES(?,?,?) ON CONFLICT(origin) DO NOTHING"), origins[i],
                    by, now + static_cast<int64_t>(i)) == SQLITE_DONE;
    if (!ok) {
      Status failed = Fail();
      db_.Exec("ROLLBACK");
      return failed;
    }
    return db_.Exec("COMMIT");
  }

  Status RevokeToken(int64_t user_id, int64_t token_id) override {
    Use use(this);
    if (StepWith(db_.Prepare("DELETE FROM tokens WHERE id=? AND user_id=?"), token_id, user_id) != SQLITE_DONE)
      return Fail();
    if (sqlite3_changes(db_.raw()) == 0) return Status::NotFound("you have no token " + std::to_string(token_id));
    token_cache_.Clear();
    return Status::Ok();
  }

  Status Audit(const std::string& who, const std::string& action, const std::string& target,
               const std::string& detail) override {
    Use use(this);
    if (StepWith(db_.Prepare("INSERT INTO audit(ts_ms, who, action, target, detail) VALUES(?,?,?,?,?)"), NowMs(), who,
                 action, target, detail.substr(0, 2000)) != SQLITE_DONE)
      return Fail();
    return Status::Ok();
  }

  Result<json> AuditLog(int limit) override {
    Use use(this);
    sqlite3_stmt* st = db_.Prepare("SELECT id, ts_ms, who, action, target, detail FROM audit ORDER BY id DESC LIMIT ?");
    Bind(st, 1, static_cast<int64_t>(limit));
    json out = json::array();
    while (sqlite3_step(st) == SQLITE_ROW)
      out.push_back({{"id", sqlite3_column_int64(st, 0)},
                     {"time", FormatRfc3339(sqlite3_column_int64(st, 1) / 1000)},
                     {"who", Text(st, 2)},
                     {"action", Text(st, 3)},
                     {"target", Text(st, 4)},
                     {"detail", Text(st, 5)}});
    return out;
  }

 private:
  Status Fail() REQUIRES(mu_) { return Status::Internal("SQLite: " + db_.Error()); }

  // With the connection in use (a Use in scope).
  Result<User> FindUser(int64_t id) REQUIRES(mu_) {
    sqlite3_stmt* st = db_.Prepare("SELECT id, name, role, created_ms FROM users WHERE id=?");
    if (StepWith(st, id) != SQLITE_ROW) return Status::NotFound("no user with id " + std::to_string(id));
    return User{sqlite3_column_int64(st, 0), Text(st, 1), ParseRole(Text(st, 2)).value_or(Role::kViewer),
                sqlite3_column_int64(st, 3)};
  }
  int64_t Admins() REQUIRES(mu_) {
    sqlite3_stmt* st = db_.Prepare("SELECT COUNT(*) FROM users WHERE role='admin'");
    return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  }
  static Status LastAdmin(const std::string& name) {
    return Status::Conflict(name + " is the last admin: make another admin first, or no one could manage this hub");
  }

  // The connection for one call: locked, and with no statement of an earlier call still
  // reading an older snapshot, on which a write would fail at once as "database is
  // locked" when another connection (the store, the sources) wrote since.
  struct SCOPED_CAPABILITY Use {
    explicit Use(SqliteAccounts* a) ACQUIRE(a->mu_) : lock(a->mu_) { a->db_.ResetAll(); }
    ~Use() RELEASE() = default;
    MutexLock lock;
  };

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
      if (now - it->second.checked_ms < kTokenCacheMs && now < it->second.expires_ms) return it->second.principal;
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

   private:
    static constexpr int64_t kTokenCacheMs = 30 * 1000;
    Mutex mu_;
    std::unordered_map<std::string, Entry> entries_ GUARDED_BY(mu_);
  };

  Mutex mu_;
  Db db_ GUARDED_BY(mu_);
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

Result<std::unique_ptr<Accounts>> OpenSqliteAccounts(const std::string& db_path) {
  if (sodium_init() < 0) return Status::Internal("libsodium could not start");
  auto a = std::make_unique<SqliteAccounts>();
  if (auto s = a->Open(db_path); !s.ok()) return s;
  return std::unique_ptr<Accounts>(std::move(a));
}

}  // namespace coophub
