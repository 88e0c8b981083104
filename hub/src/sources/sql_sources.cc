// SPDX-License-Identifier: Apache-2.0
// Sources from hub.yaml and from the store's sources table; see sources.h.
#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>

#include <coophub/encoding.hpp>

#include "sources/sources.h"
#include "store/sql.h"
#include "base/timeutil.h"
#include "base/mutex.h"

namespace coophub {
namespace {

namespace fs = std::filesystem;

json* Walk(json& root, const std::string& path, bool create) {
  json* at = &root;
  size_t from = 0;
  for (;;) {
    size_t dot = path.find('.', from);
    std::string key = path.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
    if (!at->is_object()) return nullptr;
    if (!at->contains(key)) {
      if (!create) return nullptr;
      (*at)[key] = dot == std::string::npos ? json() : json::object();
    }
    at = &(*at)[key];
    if (dot == std::string::npos) return at;
    from = dot + 1;
  }
}

class SqlSources final : public Sources {
 public:
  Status Open(const HubConfig& hub, sql::Database& db) {
    MutexLock lock(mu_);
    for (const auto& s : hub.sources) file_[s.id] = s;
    key_path_ = (fs::path(hub.StorePath()).parent_path() / "secrets.key").string();
    auto conn = db.Connect();
    if (!conn.ok()) return conn.status();
    db_ = std::move(*conn);
    return Read(&by_id_, &stamps_);
  }

  Result<SourceChanges> Reload() override {
    MutexLock lock(mu_);
    std::map<std::string, SourceEntry> by_id;
    std::map<std::string, std::string> stamps;
    if (Status s = Read(&by_id, &stamps); !s.ok()) return s;
    SourceChanges out;
    auto stamp = [](const std::map<std::string, std::string>& m, const std::string& id) {
      auto it = m.find(id);
      return it == m.end() ? std::string() : it->second;
    };
    for (const auto& [id, e] : by_id)
      if (!by_id_.count(id) || stamp(stamps_, id) != stamp(stamps, id)) out.put.push_back(e.config);
    for (const auto& [id, e] : by_id_)
      if (!by_id.count(id)) out.removed.push_back(id);
    by_id_ = std::move(by_id);
    stamps_ = std::move(stamps);
    return out;
  }

  Result<SourceEntry> Override(const std::string& id, const SourceOverride& o) override {
    MutexLock lock(mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return Status::NotFound("no source \"" + id.substr(0, 64) + "\"");
    if (!it->second.from_file)
      return Status::Conflict("source \"" + id + "\" was made through the API: change the source itself");
    Status s = o.empty() ? db_->Run("DELETE FROM source_overrides WHERE id=?", {id}).status()
                         : db_->Run(
                                  "INSERT INTO source_overrides(id, enabled, every_ms, name, updated_ms)"
                                  " VALUES(?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET enabled=excluded.enabled,"
                                  " every_ms=excluded.every_ms, name=excluded.name, updated_ms=excluded.updated_ms",
                                  {id, sql::Arg(o.enabled), sql::Arg(o.every_ms), sql::Arg(o.name), NowMs()})
                               .status();
    if (!s.ok()) return s;
    Apply(it->second, o);
    return it->second;
  }

  std::vector<SourceEntry> All() const override {
    MutexLock lock(mu_);
    std::vector<SourceEntry> out;
    for (const auto& [id, e] : by_id_) out.push_back(e);
    return out;
  }

  std::optional<SourceEntry> Find(const std::string& id) const override {
    MutexLock lock(mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return std::nullopt;
    return it->second;
  }

  Result<SourceEntry> Put(const SourceConfig& source, const std::vector<std::string>& secret_fields) override {
    MutexLock lock(mu_);
    if (auto it = by_id_.find(source.id); it != by_id_.end() && it->second.from_file) return FileOwned(source.id);
    json secrets = json::object();
    json plain = WithoutFields(source.config, secret_fields, &secrets);
    std::string sealed;
    if (!secrets.empty()) {
      auto s = SealSecrets(secrets);
      if (!s.ok()) return s.status();
      sealed = Base64Encode(*s);
    }
    if (auto r = db_->Run(
            "INSERT INTO sources(id, plugin, visibility, every_ms, enabled, config, secrets, updated_ms, name, icon,"
            " color, retention_ms) VALUES(?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
            "plugin=excluded.plugin,"
            " visibility=excluded.visibility, every_ms=excluded.every_ms, enabled=excluded.enabled,"
            " config=excluded.config, secrets=excluded.secrets, updated_ms=excluded.updated_ms, name=excluded.name,"
            " icon=excluded.icon, color=excluded.color, retention_ms=excluded.retention_ms",
            {source.id, source.plugin, source.visibility, source.every_ms, sql::Arg(source.enabled), plain.dump(),
             sealed, NowMs(), source.name, source.icon, source.color, source.retention_ms});
        !r.ok())
      return r.status();
    auto kept = std::make_shared<SourceConfig>(source);
    kept->sandboxed = true;  // made through the API, whatever the caller said
    SourceEntry e{std::move(kept), false, {}, {}};
    for (const auto& [path, v] : secrets.items()) e.secrets_set.push_back(path);
    by_id_[source.id] = e;
    return e;
  }

  Status Remove(const std::string& id) override {
    MutexLock lock(mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return Status::NotFound("no source \"" + id.substr(0, 64) + "\"");
    if (it->second.from_file) return FileOwned(id);
    if (auto r = db_->Run("DELETE FROM sources WHERE id=?", {id}); !r.ok()) return r.status();
    by_id_.erase(it);
    return Status::Ok();
  }

 private:
  // hub.yaml's sources, the API's from the store and the overrides over hub.yaml's, into
  // by_id; into stamps, each one's stored rows as text, which change when it changes.
  Status Read(std::map<std::string, SourceEntry>* by_id, std::map<std::string, std::string>* stamps) REQUIRES(mu_) {
    for (const auto& [id, c] : file_) (*by_id)[id] = {std::make_shared<const SourceConfig>(c), true, {}, {}};
    auto stamp = [](const sql::Rows& r, size_t i) {
      std::string text;
      for (const auto& cell : r.rows_[i]) text += (cell ? *cell : "\x01null") + '\x1f';
      return text;
    };
    auto r = db_->Run(
        "SELECT id, plugin, visibility, every_ms, enabled, config, secrets, name, icon, color, retention_ms FROM "
        "sources"
        " ORDER BY id");
    if (!r.ok()) return Status::Internal(r.status().message() + " (is the store older than this coophub?)");
    for (size_t i = 0; i < r->size(); ++i) {
      SourceConfig c;
      c.id = r->Text(i, 0);
      if (by_id->count(c.id)) continue;  // hub.yaml wins: the file is the truth
      (*stamps)[c.id] = stamp(*r, i);
      c.plugin = r->Text(i, 1);
      c.visibility = r->Text(i, 2);
      c.every_ms = r->Int(i, 3);
      c.enabled = r->Int(i, 4) != 0;
      c.sandboxed = true;  // made through the API
      c.name = r->Text(i, 7);
      c.icon = r->Text(i, 8);
      c.color = r->Text(i, 9);
      c.retention_ms = r->Int(i, 10);
      c.config = json::parse(r->Text(i, 5), nullptr, false);
      if (!c.config.is_object()) return Status::Internal("the stored config of source " + c.id + " is not JSON");
      json secrets = json::object();
      if (!r->Text(i, 6).empty()) {
        auto raw = Base64Decode(r->Text(i, 6));
        if (!raw) return Status::Internal("source " + c.id + ": its secrets are damaged");
        auto opened = OpenSecrets(*raw);
        if (!opened.ok()) return opened.status().Prefixed("source " + c.id);
        secrets = std::move(*opened);
      }
      SourceEntry e{nullptr, false, {}, {}};
      for (const auto& [path, v] : secrets.items()) {
        SetField(&c.config, path, v);
        e.secrets_set.push_back(path);
      }
      e.config = std::make_shared<const SourceConfig>(std::move(c));
      (*by_id)[e.config->id] = std::move(e);
    }
    r = db_->Run("SELECT id, enabled, every_ms, name FROM source_overrides");
    if (!r.ok()) return r.status();
    for (size_t i = 0; i < r->size(); ++i) {
      auto it = by_id->find(r->Text(i, 0));
      if (it == by_id->end() || !it->second.from_file) continue;  // gone from hub.yaml: kept, unused
      (*stamps)[it->first] = stamp(*r, i);
      SourceOverride o;
      if (auto v = r->MaybeInt(i, 1)) o.enabled = *v != 0;
      o.every_ms = r->MaybeInt(i, 2);
      if (!r->Null(i, 3)) o.name = r->Text(i, 3);
      Apply(it->second, o);
    }
    return Status::Ok();
  }

  // e's config: the file's, with o over it.
  void Apply(SourceEntry& e, const SourceOverride& o) REQUIRES(mu_) {
    const SourceConfig& file = file_.at(e.config->id);
    SourceConfig c = file;
    if (o.enabled) c.enabled = *o.enabled;
    if (o.every_ms) c.every_ms = *o.every_ms;
    if (o.name) c.name = *o.name;
    e.config = std::make_shared<const SourceConfig>(std::move(c));
    e.overridden = o;
  }

  static Status FileOwned(const std::string& id) {
    return Status::Conflict("source \"" + id + "\" is defined in hub.yaml: change it there and restart the hub");
  }

  // The secrets key, made on first use: 32 random bytes only the hub's user can read.
  Result<std::string> Key() REQUIRES(mu_) {
    if (!key_.empty()) return key_;
    std::string key(crypto_secretbox_KEYBYTES, '\0');
    int fd = ::open(key_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      fd = ::open(key_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0) return Status::Unavailable("cannot create " + key_path_ + ": " + std::strerror(errno));
      randombytes_buf(key.data(), key.size());
      bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
      ::close(fd);
      if (!ok) return Status::Unavailable("cannot write " + key_path_);
    } else {
      bool ok = ::read(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
      ::close(fd);
      if (!ok) return Status::Unavailable(key_path_ + " is not a secrets key (32 bytes)");
    }
    key_ = key;
    return key_;
  }

  // nonce + secretbox of the JSON text (stored in base64).
  Result<std::string> SealSecrets(const json& secrets) REQUIRES(mu_) {
    auto key = Key();
    if (!key.ok()) return key.status();
    std::string text = secrets.dump();
    std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + text.size(), '\0');
    auto* nonce = reinterpret_cast<unsigned char*>(out.data());
    randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(text.data()),
                          text.size(), nonce, reinterpret_cast<const unsigned char*>(key->data()));
    return out;
  }

  Result<json> OpenSecrets(const std::string& sealed) REQUIRES(mu_) {
    auto key = Key();
    if (!key.ok()) return key.status();
    size_t overhead = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
    if (sealed.size() < overhead) return Status::Internal("its secrets are damaged");
    std::string text(sealed.size() - overhead, '\0');
    auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
    if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(text.data()), nonce + crypto_secretbox_NONCEBYTES,
                                   sealed.size() - crypto_secretbox_NONCEBYTES, nonce,
                                   reinterpret_cast<const unsigned char*>(key->data())) != 0)
      return Status::Internal("its secrets do not open with " + key_path_ +
                              ": restore the key file that was beside this store");
    json j = json::parse(text, nullptr, false);
    if (!j.is_object()) return Status::Internal("its secrets are damaged");
    return j;
  }

  mutable Mutex mu_;
  std::unique_ptr<sql::Conn> db_ GUARDED_BY(mu_);
  std::map<std::string, SourceEntry> by_id_ GUARDED_BY(mu_);
  std::map<std::string, SourceConfig> file_ GUARDED_BY(mu_);   // hub.yaml's, as written
  std::map<std::string, std::string> stamps_ GUARDED_BY(mu_);  // what Reload compares (Read)
  std::string key_path_ GUARDED_BY(mu_);
  std::string key_ GUARDED_BY(mu_);
};

}  // namespace

json WithoutFields(const json& value, const std::vector<std::string>& paths, json* taken) {
  json out = value;
  for (const auto& path : paths) {
    size_t dot = path.rfind('.');
    json* parent = dot == std::string::npos ? &out : Walk(out, path.substr(0, dot), false);
    std::string key = dot == std::string::npos ? path : path.substr(dot + 1);
    if (!parent || !parent->is_object() || !parent->contains(key)) continue;
    if (taken) (*taken)[path] = (*parent)[key];
    parent->erase(key);
  }
  return out;
}

void SetField(json* value, const std::string& path, json field) {
  if (json* slot = Walk(*value, path, true)) *slot = std::move(field);
}

Result<std::unique_ptr<Sources>> OpenSources(const HubConfig& hub, sql::Database& db) {
  if (sodium_init() < 0) return Status::Internal("libsodium could not start");
  auto s = std::make_unique<SqlSources>();
  if (auto st = s->Open(hub, db); !st.ok()) return st;
  return std::unique_ptr<Sources>(std::move(s));
}

Result<std::unique_ptr<Sources>> OpenSources(const HubConfig& hub) {
  return OpenSources(hub, *sql::SqliteDatabase(hub.StorePath()));
}

}  // namespace coophub
