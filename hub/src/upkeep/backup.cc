// SPDX-License-Identifier: Apache-2.0
// Backups and restores of the store; see backup.h.
#include "upkeep/backup.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "base/timeutil.h"
#include "os/file_lock.h"
#include "os/subprocess.h"
#include "store/sql.h"
#include "store/store.h"

#ifndef COOPHUB_VERSION
#define COOPHUB_VERSION "0.0.0"
#endif

namespace coophub::upkeep {
namespace fs = std::filesystem;
namespace {

// The tables a manifest counts: the records and what members, editors and admins made.
// A restore that finds other numbers refuses. A table an older store lacks is skipped.
constexpr const char* kCounted[] = {"records",      "tombstones", "sync_runs",   "users",        "tokens",
                                    "audit",        "sources",    "dashboards",  "match_offers", "match_profiles",
                                    "notify_prefs", "notices",    "mail_outbox", "webhooks"};

constexpr int kFormat = 1;  // of the manifest

std::string Hex(const unsigned char* p, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), p, n);
  out.pop_back();
  return out;
}

// The file's BLAKE2b-256, hex; "" when it cannot be read.
std::string HashFile(const std::string& path) {
  if (sodium_init() < 0) return "";
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, crypto_generichash_BYTES);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(buf.data()),
                              static_cast<unsigned long long>(in.gcount()));
  }
  unsigned char out[crypto_generichash_BYTES];
  crypto_generichash_final(&st, out, sizeof out);
  return Hex(out, sizeof out);
}

// "20261207T170501Z" for now, in UTC.
std::string Stamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

bool IsBackupName(const std::string& name) {
  static const std::regex re(R"(coophub-\d{8}T\d{6}Z(-\d+)?)");
  return std::regex_match(name, re);
}

Status SyncPath(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return Status::Unavailable("cannot open " + path + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::Unavailable("cannot write " + path + " to disk: " + std::strerror(errno));
  return Status::Ok();
}

// Copies from to a new file to (mode 0600) and puts it on disk.
Status CopyPrivate(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::remove(to, ec);
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) return Status::Unavailable("cannot create " + to + ": " + std::strerror(errno));
  ::close(out);
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return Status::Unavailable("cannot copy " + from + " to " + to + ": " + ec.message());
  return SyncPath(to, false);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A tool of PostgreSQL's client (pg_dump, pg_restore) run to its end: its stderr when
// it fails. The connection's settings go in its environment (libpq's own variables),
// never on its command line, where `ps` would show the password.
// With into_database, the tool is told the database by name (pg_restore writes a
// script instead of restoring without one).
Status RunPgTool(std::vector<std::string> argv, const std::string& url, bool into_database = false) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (!opts) {
    std::string m = err ? err : "out of memory";
    PQfreemem(err);
    return Status::Invalid("store.url is not a PostgreSQL URL: " + m);
  }
  SpawnOptions o;
  std::string database, user;
  for (PQconninfoOption* p = opts; p->keyword; ++p) {
    if (!p->val) continue;
    if (p->envvar) o.extra_env.push_back(std::string(p->envvar) + "=" + p->val);
    if (std::strcmp(p->keyword, "dbname") == 0) database = p->val;
    if (std::strcmp(p->keyword, "user") == 0) user = p->val;
  }
  PQconninfoFree(opts);
  if (into_database)
    argv.insert(argv.begin() + 1, "--dbname=" + (!database.empty() ? database : !user.empty() ? user : "postgres"));
  std::string tool = argv[0];
  o.argv = std::move(argv);
  Subprocess child;
  if (Status s = child.Start(o); !s.ok())
    return Status::Unavailable(tool +
                               " is needed for a PostgreSQL store's backups (Debian: apt install "
                               "postgresql-client): " +
                               s.message());
  child.CloseStdin();
  std::string errors;
  pollfd fds[2] = {{child.stdout_fd(), POLLIN, 0}, {child.stderr_fd(), POLLIN, 0}};
  for (int open = 2; open > 0;) {
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    for (auto& f : fds) {
      if (f.fd < 0 || !(f.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t n = ::read(f.fd, buf, sizeof buf);
      if (n > 0) {
        if (f.fd == child.stderr_fd() && errors.size() < 8192) errors.append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        f.fd = -1;
        --open;
      }
    }
  }
  int64_t peak_kib = 0;
  int status = child.Wait(&peak_kib);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  while (!errors.empty() && (errors.back() == '\n' || errors.back() == ' ')) errors.pop_back();
  return Status::Unavailable(tool + " failed: " + (errors.empty() ? "no message" : errors));
}

// Answers a query of one number (a COUNT): the engines' connections differ here.
using Counter = std::function<Result<int64_t>(const std::string& query)>;

// Rows of each counted table, read through count (in its transaction's snapshot).
Result<std::map<std::string, int64_t>> CountTables(const Counter& count, sql::Dialect dialect) {
  std::map<std::string, int64_t> counts;
  for (const char* table : kCounted) {
    auto exists = count(std::string(dialect == sql::Dialect::kSqlite
                                        ? "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = '"
                                        : "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                                          "current_schema() AND table_name = '") +
                        table + "'");
    if (!exists.ok()) return exists.status();
    if (*exists == 0) continue;
    auto n = count(std::string("SELECT COUNT(*) FROM ") + table);
    if (!n.ok()) return n.status();
    counts[table] = *n;
  }
  return counts;
}

Counter CountOn(sql::Conn& conn) {
  return [&conn](const std::string& query) -> Result<int64_t> {
    auto r = conn.Run(query);
    if (!r.ok()) return r.status();
    return r->Int(0, 0);
  };
}

Result<int> SchemaOf(sql::Conn& conn) {
  auto r = conn.Run("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!r.ok()) return r.status().Prefixed("not a coophub store (no schema_migrations)");
  return static_cast<int>(r->Int(0, 0));
}

std::string CountsDiffer(const std::map<std::string, int64_t>& want, const std::map<std::string, int64_t>& got) {
  for (const auto& [table, n] : want) {
    auto it = got.find(table);
    int64_t have = it == got.end() ? -1 : it->second;
    if (have != n) return table + " has " + std::to_string(have) + " rows where the manifest says " + std::to_string(n);
  }
  return "";
}

// A SQLite connection of the C API's, closed with the object.
struct RawDb {
  sqlite3* db = nullptr;
  ~RawDb() {
    if (db) sqlite3_close_v2(db);
  }
  std::string Error() const { return db ? sqlite3_errmsg(db) : "out of memory"; }
  Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) == SQLITE_OK) return Status::Ok();
    std::string m = err ? err : Error();
    sqlite3_free(err);
    return Status::Internal("SQLite: " + m);
  }
  Counter Count() {
    return [this](const std::string& query) -> Result<int64_t> {
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, query.c_str(), -1, &st, nullptr) != SQLITE_OK)
        return Status::Internal("SQLite: " + Error());
      int rc = sqlite3_step(st);
      int64_t n = sqlite3_column_int64(st, 0);
      sqlite3_finalize(st);
      if (rc != SQLITE_ROW) return Status::Internal("SQLite: " + Error());
      return n;
    };
  }
};

// The SQLite store at db_path copied into file with the online backup API, under one
// read transaction of the source's: a snapshot, which the hub's writes (WAL) never
// restart however long the copy takes. The manifest gets its schema and counts from
// the same snapshot.
Status BackupSqliteFile(const std::string& db_path, const std::string& file, const BackupOptions& o, Manifest* m) {
  std::error_code ec;
  if (!fs::exists(db_path, ec))
    return Status::NotFound("there is no store at " + db_path + ": check store.data_dir (or --data)");
  RawDb src, dst;
  if (sqlite3_open_v2(db_path.c_str(), &src.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
    return Status::Unavailable("cannot open the store " + db_path + ": " + src.Error());
  sqlite3_busy_timeout(src.db, 5000);
  if (Status s = src.Exec("BEGIN; SELECT COUNT(*) FROM sqlite_schema;"); !s.ok()) return s.Prefixed(db_path);
  // The schema and counts are read on the connection that holds the snapshot the copy
  // is made of.
  Counter count = src.Count();
  auto schema = count("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!schema.ok()) return Status::Invalid(db_path + " is not a coophub store (" + schema.status().message() + ")");
  m->schema = static_cast<int>(*schema);
  auto counts = CountTables(count, sql::Dialect::kSqlite);
  if (!counts.ok()) return counts.status().Prefixed(db_path);
  m->counts = std::move(*counts);

  if (sqlite3_open_v2(file.c_str(), &dst.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
    return Status::Unavailable("cannot create " + file + ": " + dst.Error());
  // No journal and no syncs while copying: a failed copy is thrown away whole, and the
  // finished file is put on disk once (SyncPath) before it is renamed into place.
  if (Status s = dst.Exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF"); !s.ok()) return s.Prefixed(file);
  sqlite3_backup* b = sqlite3_backup_init(dst.db, "main", src.db, "main");
  if (!b) return Status::Internal("SQLite cannot begin the backup: " + dst.Error());
  auto page_size = count("PRAGMA page_size");
  const int64_t page = page_size.ok() ? *page_size : 4096;
  // Pages a step: 4 MiB of 4 KiB pages, or with a rate cap a quarter second's worth,
  // so that the reads come evenly.
  const int step = o.max_rate > 0 ? static_cast<int>(std::clamp<int64_t>(o.max_rate / page / 4, 16, 1024)) : 1024;
  auto start = std::chrono::steady_clock::now();
  int rc, busy = 0;
  for (;;) {
    rc = sqlite3_backup_step(b, step);
    int64_t total = sqlite3_backup_pagecount(b), done = total - sqlite3_backup_remaining(b);
    if (o.progress) o.progress(done, total);
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      if (++busy > 200) break;  // 10 s without the lock
      sqlite3_sleep(50);
      continue;
    }
    if (rc != SQLITE_OK) break;
    if (o.max_rate > 0) {  // at most max_rate bytes a second, on average since the start
      auto due = start + std::chrono::microseconds(done * page * 1000000 / o.max_rate);
      std::this_thread::sleep_until(due);
    }
  }
  sqlite3_backup_finish(b);
  (void)src.Exec("COMMIT");
  if (rc != SQLITE_DONE) return Status::Unavailable("the backup of " + db_path + " stopped: " + dst.Error());
  // A backup is one file: no WAL beside it.
  if (Status s = dst.Exec("PRAGMA journal_mode=DELETE"); !s.ok()) return s.Prefixed(file);
  return Status::Ok();
}

// The store at url dumped by pg_dump in the snapshot of a transaction that counts the
// tables: the counts are those of the dump.
Status BackupPostgres(const std::string& url, const std::string& file, Manifest* m) {
  auto db = sql::PostgresDatabase(url);
  auto conn = db->Connect();
  if (!conn.ok()) return conn.status();
  if (Status s = (*conn)->Script("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"); !s.ok()) return s;
  auto snap = (*conn)->Run("SELECT pg_export_snapshot()");
  if (!snap.ok()) return snap.status();
  auto schema = SchemaOf(**conn);
  if (!schema.ok()) return schema.status().Prefixed(db->name());
  m->schema = *schema;
  auto counts = CountTables(CountOn(**conn), sql::Dialect::kPostgres);
  if (!counts.ok()) return counts.status();
  m->counts = std::move(*counts);
  Status s = RunPgTool({"pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--snapshot=" + snap->Text(0, 0),
                        "--file=" + file},
                       url);
  (*conn)->Rollback();
  return s;
}

Result<std::string> StoreUrl(const HubConfig& c) {
  auto url = ResolveSecrets(json(c.store_url), "store.url");
  if (!url.ok()) return url.status().Prefixed(c.file);
  return url->get<std::string>();
}

std::string KeyPath(const HubConfig& c) { return (fs::path(c.StorePath()).parent_path() / "secrets.key").string(); }

}  // namespace

json Manifest::ToJson() const {
  return {{"format", kFormat}, {"hub_version", hub_version}, {"driver", driver},
          {"schema", schema},  {"created_ms", created_ms},   {"file", file},
          {"bytes", bytes},    {"blake2b", blake2b},         {"key_fingerprint", key_fingerprint},
          {"counts", counts}};
}

Result<Manifest> Manifest::Parse(const std::string& text, const std::string& where) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return Status::Invalid(where + ": not a JSON object");
  Manifest m;
  try {
    if (j.value("format", 0) > kFormat)
      return Status::Invalid(where + ": format " + std::to_string(j.value("format", 0)) +
                             " is from a newer coophub; install that version to restore it");
    m.hub_version = j.at("hub_version").get<std::string>();
    m.driver = j.at("driver").get<std::string>();
    m.schema = j.at("schema").get<int>();
    m.created_ms = j.at("created_ms").get<int64_t>();
    m.file = j.at("file").get<std::string>();
    m.bytes = j.at("bytes").get<int64_t>();
    m.blake2b = j.at("blake2b").get<std::string>();
    m.key_fingerprint = j.value("key_fingerprint", "");
    m.counts = j.at("counts").get<std::map<std::string, int64_t>>();
  } catch (const json::exception& e) {
    return Status::Invalid(where + ": " + e.what());
  }
  if (m.driver != "sqlite" && m.driver != "postgres")
    return Status::Invalid(where + ": driver \"" + m.driver + "\" is neither sqlite nor postgres");
  if (m.file.empty() || m.file.find('/') != std::string::npos || m.file[0] == '.')
    return Status::Invalid(where + ": file \"" + m.file + "\" is not a file name in the backup's folder");
  return m;
}

std::string KeyFingerprint(const std::string& path) {
  std::string key = ReadAll(path);
  if (key.empty() || sodium_init() < 0) return "";
  unsigned char h[16];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(key.data()), key.size(), nullptr, 0);
  return Hex(h, 8);
}

std::string StoreLockPath(const HubConfig& config) { return config.StorePath() + ".lock"; }

std::vector<std::string> ListBackups(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory() && IsBackupName(e.path().filename().string()) && fs::exists(e.path() / kManifestFile))
      out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Rotate(const std::string& dir, int keep) {
  std::vector<std::string> all = ListBackups(dir), removed;
  for (size_t i = 0; keep >= 0 && i + static_cast<size_t>(keep) < all.size(); ++i) {
    std::error_code ec;
    fs::remove_all(all[i], ec);
    if (!ec) removed.push_back(all[i]);
  }
  return removed;
}

Result<BackupResult> Backup(const HubConfig& c, const BackupOptions& o) {
  if (o.dir.empty()) return Status::Invalid("no backups directory given");
  std::error_code ec;
  fs::create_directories(o.dir, ec);
  if (ec) return Status::Unavailable("cannot make the backups directory " + o.dir + ": " + ec.message());
  ::chmod(o.dir.c_str(), 0700);  // the backups hold what the store holds
  // One backup at a time in a directory: a partial folder found under the lock was
  // left by a backup that stopped (killed, a full disk), and is removed.
  auto lock = FileLock::Take((fs::path(o.dir) / ".lock").string(), true);
  if (!lock.ok()) return Status::Conflict("another backup is being written into " + o.dir);
  BackupResult out;
  for (const auto& e : fs::directory_iterator(o.dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.size() > 8 && name[0] == '.' && name.ends_with(".partial")) {
      fs::remove_all(e.path(), ec);
      out.removed_partials.push_back(e.path().string());
    }
  }
  std::string name = "coophub-" + Stamp();
  for (int i = 2; fs::exists(fs::path(o.dir) / name, ec); ++i) name = "coophub-" + Stamp() + "-" + std::to_string(i);
  const fs::path partial = fs::path(o.dir) / ("." + name + ".partial"), final = fs::path(o.dir) / name;
  fs::create_directory(partial, ec);
  if (ec) return Status::Unavailable("cannot make " + partial.string() + ": " + ec.message());
  ::chmod(partial.c_str(), 0700);

  Manifest& m = out.manifest;
  m.hub_version = COOPHUB_VERSION;
  m.created_ms = NowMs();
  m.driver = c.store_driver;
  Status s;
  if (c.store_driver == "postgres") {
    m.file = "coophub.dump";
    auto url = StoreUrl(c);
    s = url.ok() ? BackupPostgres(*url, (partial / m.file).string(), &m) : url.status();
  } else {
    m.file = "coophub.db";
    s = BackupSqliteFile(c.StorePath(), (partial / m.file).string(), o, &m);
  }
  if (s.ok()) {
    const std::string file = (partial / m.file).string();
    ::chmod(file.c_str(), 0600);
    m.bytes = static_cast<int64_t>(fs::file_size(file, ec));
    m.blake2b = HashFile(file);
    m.key_fingerprint = KeyFingerprint(KeyPath(c));
    {
      std::ofstream manifest(partial / kManifestFile);
      manifest << m.ToJson().dump(1) << "\n";
    }
    ::chmod((partial / kManifestFile).c_str(), 0600);
    for (const auto& f : {file, (partial / kManifestFile).string()})
      if (s.ok()) s = SyncPath(f, false);
    if (s.ok()) s = SyncPath(partial.string(), true);
  }
  if (!s.ok()) {
    fs::remove_all(partial, ec);
    return s;
  }
  fs::rename(partial, final, ec);
  if (ec) return Status::Unavailable("cannot rename " + partial.string() + ": " + ec.message());
  if (Status d = SyncPath(o.dir, true); !d.ok()) return d;
  out.folder = final.string();
  if (!o.key_out.empty() && !m.key_fingerprint.empty())
    if (Status k = CopyPrivate(KeyPath(c), o.key_out); !k.ok()) return k.Prefixed("the backup is whole, but the key");
  return out;
}

Result<Manifest> Verify(const std::string& folder) {
  std::error_code ec;
  const fs::path dir(folder);
  if (!fs::is_directory(dir, ec)) return Status::NotFound(folder + " is not a folder");
  if (!fs::exists(dir / kManifestFile, ec)) {
    bool partial = dir.filename().string().ends_with(".partial");
    return Status::Invalid(folder + " is not a whole backup: it has no " + kManifestFile +
                           (partial ? " (a backup that was stopped midway leaves such a folder; take another one)"
                                    : " (give the folder coophub backup printed, coophub-YYYYMMDDTHHMMSSZ)"));
  }
  auto m = Manifest::Parse(ReadAll((dir / kManifestFile).string()), (dir / kManifestFile).string());
  if (!m.ok()) return m.status();
  const std::string file = (dir / m->file).string();
  if (!fs::exists(file, ec)) return Status::Invalid(folder + ": " + m->file + ", which the manifest names, is missing");
  if (static_cast<int64_t>(fs::file_size(file, ec)) != m->bytes || HashFile(file) != m->blake2b)
    return Status::Invalid(file +
                           " is not the file the backup made (its size or BLAKE2b hash differs from the "
                           "manifest's): it was changed or damaged since; use another backup");
  const int known = m->driver == "sqlite" ? SqliteSchemaVersion() : PostgresSchemaVersion();
  if (m->schema > known)
    return Status::Invalid(folder + " was made by a newer coophub (" + m->hub_version + ", store schema " +
                           std::to_string(m->schema) + "; this one knows schema " + std::to_string(known) +
                           "): install that version or newer to restore it");
  if (m->driver == "sqlite") {
    // Opened as immutable: nothing (not even a -shm file) is written into the backup.
    RawDb db;
    if (sqlite3_open_v2(("file:" + file + "?immutable=1").c_str(), &db.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
                        nullptr) != SQLITE_OK)
      return Status::Invalid("cannot open " + file + ": " + db.Error());
    std::string verdict;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db.db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      verdict = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    else
      verdict = db.Error();
    sqlite3_finalize(st);
    if (verdict != "ok")
      return Status::Invalid(file + " fails SQLite's integrity check (" + verdict + "): use another backup");
    auto counts = CountTables(db.Count(), sql::Dialect::kSqlite);
    if (!counts.ok()) return counts.status().Prefixed(file);
    if (std::string d = CountsDiffer(m->counts, *counts); !d.empty())
      return Status::Invalid(file + ": " + d + "; use another backup");
  }
  return m;
}

Result<RestoreResult> Restore(const HubConfig& c, const RestoreOptions& o) {
  auto m = Verify(o.folder);
  if (!m.ok()) return m.status();
  RestoreResult out;
  out.manifest = *m;
  if (m->driver != c.store_driver)
    return Status::Invalid(o.folder + " is a backup of a " + m->driver + " store, and " + c.file + " uses " +
                           c.store_driver + " (to move between them: coophub store copy, docs/scale-out.md)");
  const std::string key_path = KeyPath(c);
  // The key must be the backup's, or the sources' stored secrets open no more.
  std::string have = KeyFingerprint(key_path), given = o.key_file.empty() ? "" : KeyFingerprint(o.key_file);
  if (!o.key_file.empty() && given.empty()) return Status::NotFound("--key " + o.key_file + ": no key there");
  if (!given.empty() && given != m->key_fingerprint)
    return Status::Invalid("--key " + o.key_file + " is not the key of this backup (its fingerprint is " + given +
                           ", the backup's " + (m->key_fingerprint.empty() ? "none" : m->key_fingerprint) + ")");
  bool key_ok = m->key_fingerprint.empty() || have == m->key_fingerprint || !given.empty();
  if (!key_ok && !o.without_key)
    return Status::Invalid("the sources in this backup keep their secrets under the key " + m->key_fingerprint +
                           ", and " + key_path + (have.empty() ? " is missing" : " is another key (" + have + ")") +
                           ": give the key with --key FILE (coophub backup --key-out wrote it), or restore with "
                           "--without-key and enter the sources' passwords again");

  const std::string file = (fs::path(o.folder) / m->file).string();
  std::error_code ec;
  if (m->driver == "postgres") {
    auto url = StoreUrl(c);
    if (!url.ok()) return url.status();
    auto db = sql::PostgresDatabase(*url);
    auto conn = db->Connect();
    if (!conn.ok()) return conn.status();
    // A hub stopped a moment ago may still have sessions ending: they get 5 s.
    Result<sql::Rows> others = Status::Internal("not asked");
    for (int i = 0; i < 50; ++i) {
      others = (*conn)->Run(
          "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
      if (!others.ok()) return others.status();
      if (others->Int(0, 0) == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (others->Int(0, 0) > 0)
      return Status::Conflict(std::to_string(others->Int(0, 0)) + " other session(s) use " + db->name() +
                              ": stop every hub replica (and coophub command) first, then restore");
    auto tables = (*conn)->Run("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()");
    if (!tables.ok()) return tables.status();
    if (tables->Int(0, 0) > 0) {  // what is there now is dumped first: nothing is lost
      out.moved_aside = (fs::path(c.StorePath()).parent_path() / ("coophub-replaced-" + Stamp() + ".dump")).string();
      fs::create_directories(fs::path(out.moved_aside).parent_path(), ec);
      if (Status s = RunPgTool({"pg_dump", "--format=custom", "--file=" + out.moved_aside}, *url); !s.ok())
        return s.Prefixed("the store that would be replaced could not be saved first");
      if (Status s = (*conn)->Script("DROP SCHEMA public CASCADE; CREATE SCHEMA public"); !s.ok()) return s;
    }
    if (Status s =
            RunPgTool({"pg_restore", "--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges", file},
                      *url, /*into_database=*/true);
        !s.ok())
      return s;
    auto counts = CountTables(CountOn(**conn), sql::Dialect::kPostgres);
    if (!counts.ok()) return counts.status();
    if (std::string d = CountsDiffer(m->counts, *counts); !d.empty())
      return Status::Internal("after pg_restore, " + d + " (the replaced store is in " + out.moved_aside + ")");
  } else {
    auto lock = FileLock::Take(StoreLockPath(c), true);
    if (!lock.ok())
      return Status::Conflict("the store " + c.StorePath() +
                              " is in use by a running hub or coophub command: stop it first (systemctl stop "
                              "coophub), then restore");
    const std::string db = c.StorePath(), restoring = db + ".restoring";
    fs::create_directories(fs::path(db).parent_path(), ec);
    if (Status s = CopyPrivate(file, restoring); !s.ok()) return s;
    if (fs::exists(db, ec)) {
      out.moved_aside = db + ".replaced-" + Stamp();
      for (const char* suffix : {"", "-wal", "-shm"})  // the WAL is the old store's: it goes with it
        if (fs::exists(db + suffix, ec)) fs::rename(db + suffix, out.moved_aside + suffix, ec);
      if (ec) return Status::Unavailable("cannot move " + db + " aside: " + ec.message());
    }
    fs::rename(restoring, db, ec);
    if (ec) return Status::Unavailable("cannot put " + restoring + " in place: " + ec.message());
    if (Status s = SyncPath(fs::path(db).parent_path().string(), true); !s.ok()) return s;
  }
  if (!given.empty() && given != have) {
    if (!have.empty()) fs::rename(key_path, key_path + ".replaced-" + Stamp(), ec);
    if (Status s = CopyPrivate(o.key_file, key_path); !s.ok()) return s;
    out.key_restored = true;
  }
  return out;
}

}  // namespace coophub::upkeep
