// SPDX-License-Identifier: Apache-2.0
// The command line; see cli.h. The one catch-all for exceptions on the CLI path.
#include "app/cli.h"

#include <malloc.h>
#include <sys/resource.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include "accounts/accounts.h"
#include "api/api.h"
#include "app/hub.h"
#include "config/config.h"
#include "http/http_server.h"
#include "mail/mail.h"
#include "notify/postman.h"
#include "runtime/http_client.h"
#include "runtime/plugin_paths.h"
#include "runtime/runner.h"
#include "sync/scheduler.h"
#include "model/schema.h"
#include "store/sql.h"
#include "store/store.h"
#include "store/store_copy.h"
#include "sync/sync.h"
#include "upkeep/backup.h"
#include "base/timeutil.h"

namespace coophub {
namespace {

namespace fs = std::filesystem;

constexpr int kExitUsage = 2;

bool g_json_logs = false;  // --log-format json: errors are log lines too

int Fail(int code, const std::string& message) {
  if (g_json_logs)
    spdlog::error("{}", message);
  else
    std::fprintf(stderr, "coophub: %s\n", message.c_str());
  return code;
}

// "JSON" or "@file" into JSON.
Result<json> JsonArg(const std::string& arg, const char* flag) {
  std::string text = arg;
  if (!arg.empty() && arg[0] == '@') {
    std::ifstream f(arg.substr(1), std::ios::binary);
    if (!f) return Status::Invalid(std::string(flag) + ": cannot read " + arg.substr(1));
    std::stringstream ss;
    ss << f.rdbuf();
    text = ss.str();
  }
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::Invalid(std::string(flag) + " must be a JSON object or @file holding one");
  return j;
}

// The hub config named by --config, or the demo when none is given. --data wins over
// the config's data_dir; the demo keeps its data in ./data, not beside its config.
Result<HubConfig> HubConfigFor(const std::string& path, const std::string& data_dir) {
  Result<HubConfig> cfg = Status::Invalid("no --config given and no demo config found");
  if (!path.empty())
    cfg = LoadConfig(path);
  else if (std::string demo = DemoConfigPath(); !demo.empty())
    cfg = LoadConfig(demo);
  if (!cfg.ok()) return cfg;
  if (!data_dir.empty())
    cfg->data_dir = fs::absolute(data_dir).string();
  else if (path.empty())
    cfg->data_dir = fs::absolute("data").string();
  return cfg;
}

// Runs a connector command, passing each message to on_message. Returns the exit code.
int RunCommand(const std::string& plugin, const std::string& hub_file, Command cmd, const json& config,
               const json& state, const std::function<void(const Message&)>& on_message,
               const std::string& record_dir = "", const json& subject = nullptr) {
  HubConfig hub;
  if (!hub_file.empty()) {
    auto h = LoadConfig(hub_file);
    if (!h.ok()) return Fail(kExitUsage, h.status().message());
    hub = std::move(*h);
  }
  auto ref = ResolvePlugin(plugin, PluginSearchPath(hub.plugin_dirs));
  if (!ref.ok()) return Fail(kExitUsage, ref.status().message());
  if (!record_dir.empty() && ref->kind != ConnectorRef::Kind::kPlugin)
    return Fail(kExitUsage, "--record records the HTTP a plugin (.so) makes through the hub; " + plugin +
                                " makes its own requests, which the hub does not see");
  if (cmd == Command::kSubject) {  // the hub asks only connectors whose SPEC lists it
    auto info = DescribePlugin(*ref);
    if (!info.ok()) return Fail(ExitCodeFor(RunResult::Outcome::kLoadError), plugin + ": " + info.status().message());
    if (!info->Has("subject"))
      return Fail(kExitUsage, plugin + " has no subject operation (its SPEC lists none): see docs/plugins.md");
  }
  RunRequest req;
  req.command = cmd;
  if (!record_dir.empty()) req.record_dir = fs::absolute(record_dir).string();
  req.config = config;
  req.state = state;
  req.subject = subject;
  req.workdir = fs::current_path().string();
  RunResult r = RunConnector(*ref, req, [&](Message&& m) {
    on_message(m);
    return Status::Ok();
  });
  if (r.outcome != RunResult::Outcome::kOk) return Fail(ExitCodeFor(r.outcome), plugin + ": " + r.message);
  return 0;
}

// Everything serve checks before it starts anything: plugins exist and load, configs
// fit their specs, secrets resolve. A hub never half-starts. Each distinct plugin is
// asked for its spec once, all of them at the same time.
Status Preflight(const HubConfig& hub) {
  std::map<std::string, ConnectorRef> refs;  // plugin as written -> resolved
  for (const auto& src : hub.sources) {
    auto ref = ResolvePlugin(src.plugin, PluginSearchPath(hub.plugin_dirs));
    if (!ref.ok()) return ref.status().Prefixed(hub.file + ": sources." + src.id);
    refs.emplace(src.plugin, *ref);
  }
  std::map<std::string, std::future<Result<json>>> pending;
  for (const auto& [name, ref] : refs)
    pending.emplace(name, std::async(std::launch::async, [r = ref] { return FetchSpec(r); }));
  std::map<std::string, Result<json>> specs;
  for (auto& [name, f] : pending) specs.emplace(name, f.get());
  for (const auto& src : hub.sources) {
    std::string where = hub.file + ": sources." + src.id;
    const Result<json>& spec = specs.at(src.plugin);
    if (!spec.ok()) return spec.status().Prefixed(where + ": plugin " + src.plugin);
    auto errs = ValidateAgainstSchema(src.config, *spec, "sources." + src.id + ".config");
    if (!errs.empty()) {
      std::string all;
      for (const auto& e : errs) all += "\n  " + e;
      return Status::Invalid(hub.file + ": the config of source \"" + src.id + "\" does not fit the " + src.plugin +
                             " plugin's spec:" + all + "\n(`coophub spec " + src.plugin + "` shows the spec)");
    }
    auto secrets = ResolveSecrets(src.config, hub.file + ": sources." + src.id + ".config");
    if (!secrets.ok()) return secrets.status();
  }
  return Status::Ok();
}

bool IsLoopback(const std::string& a) {
  return a == "127.0.0.1" || a == "localhost" || a == "::1" || a.rfind("127.", 0) == 0;
}

struct ServeOptions {
  std::string config_path, data_dir;
  int port = -1;
  bool behind_proxy = false;
};

int Serve(const ServeOptions& o) {
  const std::string& config_path = o.config_path;
  const std::string& data_dir = o.data_dir;
  int port = o.port;
  auto start = std::chrono::steady_clock::now();
  // A few malloc arenas are plenty for a hub that mostly waits; one per thread is not.
  mallopt(M_ARENA_MAX, 4);
  // Every open connection (a dashboard's live stream among them) is a file descriptor:
  // take all the system allows this process, not the shell's default of 1024.
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  auto cfg = HubConfigFor(config_path, data_dir);
  if (!cfg.ok()) return Fail(kExitUsage, cfg.status().message());
  HubConfig hub = std::move(*cfg);
  if (port >= 0) hub.port = port;
  // Beyond this machine only once someone can sign in, and never in clear text by accident.
  const std::string no_accounts = "server.address " + hub.address +
                                  " would expose a hub that has no accounts yet: start on 127.0.0.1 first and "
                                  "create an admin (coophub user add NAME --admin)";
  bool tls = !hub.tls_cert.empty();
  if (!IsLoopback(hub.address)) {
    if (!std::filesystem::exists(hub.StorePath())) return Fail(kExitUsage, no_accounts);
    if (!tls && !o.behind_proxy)
      return Fail(kExitUsage, "server.address " + hub.address +
                                  " would send passwords and private records in clear "
                                  "text: set server.tls_cert and server.tls_key, or put the hub behind a reverse proxy "
                                  "that terminates HTTPS and start it with --behind-proxy");
  }
  if (auto s = Preflight(hub); !s.ok()) return Fail(kExitUsage, s.message());
  auto opened = app::Hub::Open(hub);
  if (!opened.ok()) return Fail(kExitUsage, opened.status().message());
  app::Hub& parts = **opened;
  auto users = parts.accounts().CountUsers();
  if (!users.ok()) return Fail(kExitUsage, users.status().message());
  if (!IsLoopback(hub.address) && *users == 0) return Fail(kExitUsage, no_accounts);

  // Signals are taken by sigwait below, not by whichever thread they land on.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  Api& api = parts.api();
  std::string setup_code = *users == 0 ? NewSetupCode() : "";
  api.SetSetupCode(setup_code);
  ServerOptions server_options{TlsFiles{hub.tls_cert, hub.tls_key}, o.behind_proxy};
  server_options.limits.per_client = hub.connections_per_client;
  HttpServer http([&api](const ApiRequest& r) { return api.Handle(r); }, server_options);
  if (!http.status().ok()) return Fail(kExitUsage, http.status().message());
  if (auto s = http.Bind(hub.address, hub.port); !s.ok()) return Fail(kExitUsage, s.message());
  std::thread server([&] { http.Serve(); });
  parts.Start();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  std::string base = (tls ? "https://" : "http://") + hub.address + ":" + std::to_string(http.port());
  std::printf(
      "coophub ready in %lld ms with %zu sources from %s and %zu made through the API\n"
      "  dashboard: %s/\n  API:       %s/api/v1/records  (try: curl %s/api/v1/records?limit=3)\n"
      "  data:      %s\n",
      static_cast<long long>(ms), hub.sources.size(), hub.file.c_str(), parts.api_sources(), base.c_str(), base.c_str(),
      base.c_str(), hub.StorePath().c_str());
  if (!setup_code.empty())
    std::printf(
        "  no accounts yet: anyone sees public records only. Create the first admin with\n"
        "    coophub user add NAME --admin --data %s\n"
        "  or open this one-time link in a browser: %s/setup#code=%s\n",
        hub.data_dir.c_str(), base.c_str(), setup_code.c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&sigs, &sig);
  spdlog::info("stopping on {}", sig == SIGINT ? "SIGINT" : "SIGTERM");
  http.Stop();
  server.join();
  return 0;  // the hub's parts stop as they go: the scheduler first, then the store flushes
}

// The hub's store and accounts, for the account commands.
struct OpenedAccounts {
  FileLock lock;  // the store's, held while it is open
  std::unique_ptr<Store> store;
  std::unique_ptr<Accounts> accounts;
};
Result<OpenedAccounts> OpenAccounts(const std::string& config_path, const std::string& data_dir) {
  auto cfg = HubConfigFor(config_path, data_dir);
  if (!cfg.ok()) return cfg.status();
  auto store = app::OpenHubStore(*cfg, 1);  // creates and migrates the tables
  if (!store.ok()) return store.status();
  auto accounts = coophub::OpenAccounts(*store->db);
  if (!accounts.ok()) return accounts.status();
  return OpenedAccounts{std::move(store->lock), std::move(store->store), std::move(*accounts)};
}

// A password from a file's first line, or from standard input's.
Result<std::string> ReadPassword(const std::string& file) {
  std::string line;
  if (!file.empty()) {
    std::ifstream f(file);
    if (!f) return Status::Invalid("cannot read --password-file " + file);
    std::getline(f, line);
  } else {
    if (isatty(STDIN_FILENO)) std::fprintf(stderr, "password (10 characters or more): ");
    std::getline(std::cin, line);
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return line;
}

int UserAdd(const std::string& name, const std::string& role_name, const std::string& password_file, bool no_password,
            const std::string& email, const std::string& config_path, const std::string& data_dir) {
  auto role = ParseRole(role_name);
  if (!role) return Fail(kExitUsage, "--role is viewer, editor or admin, not \"" + role_name + "\"");
  if (!email.empty() && !mail::ValidAddress(email))
    return Fail(kExitUsage, "--email \"" + email + "\" is not a mail address (ana@coop.example)");
  if (no_password && !password_file.empty())
    return Fail(kExitUsage, "--no-password and --password-file: an account has a password or signs in by token only");
  std::optional<std::string> password;
  if (!no_password) {
    auto read = ReadPassword(password_file);
    if (!read.ok()) return Fail(kExitUsage, read.status().message());
    password = *read;
  }
  auto opened = OpenAccounts(config_path, data_dir);
  if (!opened.ok()) return Fail(kExitUsage, opened.status().message());
  auto user = opened->accounts->AddUser(name, password, *role);
  if (!user.ok()) return Fail(kExitUsage, user.status().message());
  if (!email.empty())
    if (Status s = opened->accounts->SetEmail(user->id, email); !s.ok()) return Fail(kExitUsage, s.message());
  opened->accounts->Audit("(command line)", "user.create", name, "role " + role_name);
  std::printf("added %s %s%s\n", role_name.c_str(), name.c_str(),
              no_password ? " (no password: it signs in with the tokens of `coophub token add`)" : "");
  return 0;
}

// coophub store copy: the SQLite store into PostgreSQL, with each table's count.
int StoreCopy(const std::string& from, const std::string& to) {
  auto url = ResolveSecrets(json(to), "--to");
  if (!url.ok()) return Fail(kExitUsage, url.status().message());
  auto report = CopySqliteToPostgres(from, url->get<std::string>(), [](const std::string& table) {
    std::fprintf(stderr, "copying %s\n", table.c_str());
  });
  if (!report.ok()) return Fail(kExitUsage, report.status().message());
  for (const auto& [table, rows] : report->rows)
    std::printf("%-18s %lld\n", table.c_str(), static_cast<long long>(rows));
  std::printf(
      "copied %s into %s; the counts agree. Point store: {driver: postgres, url: …} of every replica at it "
      "(docs/scale-out.md)\n",
      from.c_str(), sql::RedactUrl(url->get<std::string>()).c_str());
  return 0;
}

int TokenAdd(const std::string& user_name, const std::string& scope_name, int days, const std::string& token_name,
             const std::string& config_path, const std::string& data_dir) {
  auto scope = ParseScope(scope_name);
  if (!scope) return Fail(kExitUsage, "--scope is read, write or admin, not \"" + scope_name + "\"");
  auto opened = OpenAccounts(config_path, data_dir);
  if (!opened.ok()) return Fail(kExitUsage, opened.status().message());
  auto users = opened->accounts->ListUsers();
  if (!users.ok()) return Fail(kExitUsage, users.status().message());
  for (const auto& u : *users) {
    if (u.name != user_name) continue;
    if (*scope > u.role)
      return Fail(kExitUsage, "a " + scope_name + " token needs the " + RoleName(*scope) + " role; " + u.name + " is " +
                                  RoleName(u.role));
    auto t = opened->accounts->CreateToken(u.id, token_name, *scope, int64_t{days} * 24 * 3600 * 1000);
    if (!t.ok()) return Fail(kExitUsage, t.status().message());
    opened->accounts->Audit("(command line)", "token.create", token_name, "for " + u.name + ", scope " + scope_name);
    std::printf("%s\n", t->secret.c_str());
    std::fprintf(stderr, "a %s token for %s, valid %d days; this is the only time it is shown\n", scope_name.c_str(),
                 u.name.c_str(), days);
    return 0;
  }
  return Fail(kExitUsage, "no user named \"" + user_name + "\" (coophub user add creates one)");
}

int SyncOne(const std::string& source, const std::string& config_path, const std::string& data_dir) {
  auto cfg = HubConfigFor(config_path, data_dir);
  if (!cfg.ok()) return Fail(kExitUsage, cfg.status().message());
  HubConfig hub = std::move(*cfg);
  auto opened = app::OpenHubStore(hub, 1);
  if (!opened.ok()) return Fail(kExitUsage, opened.status().message());
  auto* store = &opened->store;
  auto sources = OpenSources(hub, *opened->db);  // hub.yaml's and those made through the API
  if (!sources.ok()) return Fail(kExitUsage, sources.status().message());
  auto src = (*sources)->Find(source);
  if (!src) {
    std::string ids;
    for (const auto& s : (*sources)->All()) ids += (ids.empty() ? "" : ", ") + s.config->id;
    return Fail(kExitUsage, "no source \"" + source + "\" in " + hub.file + " or the store (sources: " + ids + ")");
  }
  SyncOptions o;
  o.trigger = "cli";
  SyncResult r = SyncSource(**store, hub, *src->config, o);
  if (!r.claimed)  // a hub is running it now: nothing was run
    return Fail(1, "sync " + source + ": not run, " + r.run.message + "; try again when that run has ended");
  if (!r.ok())
    return Fail(ExitCodeFor(r.run.outcome),
                "sync " + source + " (run " + std::to_string(r.run_id) + "): " + r.run.message);
  std::printf("synced %s: %lld records received, %lld changed, %lld deleted (run %lld)\n", source.c_str(),
              static_cast<long long>(r.received), static_cast<long long>(r.changed), static_cast<long long>(r.deleted),
              static_cast<long long>(r.run_id));
  return 0;
}

// "10M" → 10485760: a size with an optional K, M or G (of 1024); nullopt if not one.
std::optional<int64_t> ParseSize(const std::string& text) {
  size_t used = 0;
  int64_t n = 0;
  try {
    n = std::stoll(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::string unit = text.substr(used);
  if (!unit.empty() && (unit.back() == 'B' || unit.back() == 'b')) unit.pop_back();
  int shift = unit.empty()                 ? 0
              : unit == "K" || unit == "k" ? 10
              : unit == "M" || unit == "m" ? 20
              : unit == "G" || unit == "g" ? 30
                                           : -1;
  if (shift < 0 || n < 0) return std::nullopt;
  return n << shift;
}

std::string CountsLine(const upkeep::Manifest& m) {
  std::string out;
  for (const auto& [table, n] : m.counts)
    if (n > 0) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + table;
  return out.empty() ? "an empty store" : out;
}

// coophub backup DIR: a consistent copy of the store (a running hub's too) in a new
// folder of DIR, with its manifest; the oldest beyond --keep are removed after.
int BackupCommand(const std::string& dir, const std::string& key_out, const std::string& max_rate, int keep,
                  const std::string& config_path, const std::string& data_dir) {
  auto cfg = HubConfigFor(config_path, data_dir);
  if (!cfg.ok()) return Fail(kExitUsage, cfg.status().message());
  upkeep::BackupOptions o;
  o.dir = fs::absolute(dir).string();
  o.key_out = key_out;
  if (!max_rate.empty()) {
    auto rate = ParseSize(max_rate);
    if (!rate || *rate < 65536)
      return Fail(kExitUsage, "--max-rate \"" + max_rate + "\" is not a rate of 64K or more a second (10M, 512K)");
    o.max_rate = *rate;
  }
  int last_percent = -100;  // the first step is said at once
  o.progress = [&last_percent](int64_t done, int64_t total) {
    int percent = total > 0 ? static_cast<int>(done * 100 / total) : 100;
    if (percent / 10 == last_percent / 10 && percent != 100) return;  // a line each tenth
    last_percent = percent;
    std::fprintf(stderr, "backup: %d%% (%lld of %lld pages)\n", percent, static_cast<long long>(done),
                 static_cast<long long>(total));
  };
  auto r = upkeep::Backup(*cfg, o);
  if (!r.ok()) return Fail(1, "backup: " + r.status().message());
  for (const auto& p : r->removed_partials)
    std::fprintf(stderr, "removed %s, left by a backup that stopped midway\n", p.c_str());
  std::printf("backed up %s into %s (%lld bytes): %s\n",
              cfg->store_driver == "postgres" ? "the PostgreSQL store" : cfg->StorePath().c_str(), r->folder.c_str(),
              static_cast<long long>(r->manifest.bytes), CountsLine(r->manifest).c_str());
  if (!r->manifest.key_fingerprint.empty())
    std::printf("the secrets key (%s) is not in the backup: %s\n", r->manifest.key_fingerprint.c_str(),
                key_out.empty() ? "keep a copy of it apart (coophub backup --key-out FILE), a restore needs it"
                                : ("copied to " + key_out).c_str());
  if (keep > 0)
    for (const auto& old : upkeep::Rotate(o.dir, keep)) std::printf("removed the old backup %s\n", old.c_str());
  return 0;
}

// coophub restore FOLDER: checks the backup, then puts it in place of the store.
int RestoreCommand(const std::string& folder, const std::string& key, bool without_key, bool check_only,
                   const std::string& config_path, const std::string& data_dir) {
  if (check_only) {
    auto m = upkeep::Verify(folder);
    if (!m.ok()) return Fail(1, "restore: " + m.status().message());
    std::printf("%s is a whole backup of a %s store (schema %d, coophub %s): %s\n", folder.c_str(), m->driver.c_str(),
                m->schema, m->hub_version.c_str(), CountsLine(*m).c_str());
    return 0;
  }
  auto cfg = HubConfigFor(config_path, data_dir);
  if (!cfg.ok()) return Fail(kExitUsage, cfg.status().message());
  auto r = upkeep::Restore(*cfg, {folder, key, without_key});
  if (!r.ok()) return Fail(1, "restore: " + r.status().message());
  std::printf("restored %s: %s\n", folder.c_str(), CountsLine(r->manifest).c_str());
  if (!r->moved_aside.empty()) std::printf("the store it replaced is kept as %s\n", r->moved_aside.c_str());
  if (r->key_restored) std::printf("the secrets key was put back\n");
  std::printf("start the hub: it brings the store up to this version's schema\n");
  return 0;
}

// Sends one message through hub.yaml's mail: section to address, and says what came of
// it: the first thing to try once mail: is written.
int MailTest(const std::string& address, const std::string& config_path) {
  if (!mail::ValidAddress(address)) return Fail(kExitUsage, "\"" + address + "\" is not a mail address");
  if (config_path.empty()) return Fail(kExitUsage, "--config names the hub.yaml whose mail: section to use");
  auto hub = LoadConfig(config_path);
  if (!hub.ok()) return Fail(kExitUsage, hub.status().message());
  if (!hub->mail) return Fail(kExitUsage, hub->file + " has no mail: section (smtp_url, from; docs/mail.md)");
  const mail::MailConfig& m = *hub->mail;
  std::vector<std::string> used;
  auto password = ResolveSecrets(json(m.password), "mail.password", &used);
  if (!password.ok()) return Fail(kExitUsage, password.status().message());
  mail::Message message;
  message.from = mail::SenderOf(m);
  message.to = {{"", address}};
  message.subject = "coophub: mail works ✓";
  message.text = "This is a test message from coophub, sent through " + m.smtp_url +
                 ".\nIf you read it, the hub can reach its members by mail.\n";
  message.html = "<p>This is a test message from coophub, sent through <code>" + m.smtp_url +
                 "</code>.</p><p>If you read it, the hub can reach its members by mail.</p>";
  std::string id = std::to_string(NowUnix()) + "." + std::to_string(getpid()) + ".test";
  mail::MailConfig resolved = m;
  resolved.password = password->get<std::string>();
  SmtpSendRequest req = notify::SmtpRequest(resolved);
  req.to = {address};
  req.message = mail::Render(message, NowUnix(), id, "coophub-" + id);
  SmtpSendResult r = SmtpSend(req);
  if (!r.sent) return Fail(1, "mail test: " + r.error + " (mail.smtp_url in " + hub->file + ")");
  std::printf("sent a test message to %s through %s\n", address.c_str(), m.smtp_url.c_str());
  return 0;
}

// Queues the digests that are due (or, with user, that member's at once, due or not),
// then sends what the outbox holds, and says what came of it.
int DigestSend(const std::string& user, const std::string& config_path, const std::string& data_dir) {
  auto cfg = HubConfigFor(config_path, data_dir);
  if (!cfg.ok()) return Fail(kExitUsage, cfg.status().message());
  if (!cfg->mail) return Fail(kExitUsage, cfg->file + " has no mail: section (smtp_url, from; docs/mail.md)");
  app::HubOptions options;
  options.scheduler = false;
  auto hub = app::Hub::Open(std::move(*cfg), options);
  if (!hub.ok()) return Fail(kExitUsage, hub.status().message());
  notify::Postman& postman = *(*hub)->postman();
  if (!user.empty()) {
    auto users = (*hub)->accounts().ListUsers();
    if (!users.ok()) return Fail(kExitUsage, users.status().message());
    if (std::none_of(users->begin(), users->end(), [&](const User& u) { return u.name == user; }))
      return Fail(kExitUsage, "no user named \"" + user + "\" (coophub user add creates one)");
  }
  notify::QueueReport r = postman.Queue(NowUnix(), user, /*force=*/!user.empty());
  for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.c_str());
  int sent = postman.SendDue();
  std::printf("digests: %d queued, %d with nothing new, %d without an e-mail address; %d message(s) handed to %s\n",
              r.queued, r.nothing, r.no_address, sent, (*hub)->config().mail->smtp_url.c_str());
  return r.errors.empty() ? 0 : 1;
}

int ListPlugins(const std::string& config_path) {
  HubConfig hub;
  if (!config_path.empty()) {
    auto h = LoadConfig(config_path);
    if (!h.ok()) return Fail(kExitUsage, h.status().message());
    hub = std::move(*h);
  }
  auto dirs = PluginSearchPath(hub.plugin_dirs);
  auto files = ListPluginFiles(dirs);
  if (files.empty()) {
    std::string d;
    for (const auto& x : dirs) d += "\n  " + x;
    std::printf("no plugins found in:%s\n", d.c_str());
    return 0;
  }
  for (const auto& [name, path] : files) {
    auto info = DescribePlugin(ConnectorRef{ConnectorRef::Kind::kPlugin, path, name});
    if (info.ok())
      std::printf("%-16s %-10s %s\n  %s\n", name.c_str(), info->version.c_str(), info->description.c_str(),
                  path.c_str());
    else
      std::printf("%-16s BROKEN     %s\n", name.c_str(), info.status().message().c_str());
  }
  return 0;
}

void PrintLine(const Message& m) {
  std::string line = m.body.dump(-1, ' ', false, json::error_handler_t::replace);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
}

}  // namespace

// A log line's message as a JSON string's contents, for --log-format json.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    std::string s =
        json(std::string(msg.payload.data(), msg.payload.size())).dump(-1, ' ', false, json::error_handler_t::replace);
    dest.append(s.data() + 1, s.data() + s.size() - 1);  // without the quotes
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonEscapedMessage>(); }
};

// One JSON object a line (time in UTC, level, message) for log collectors.
void UseJsonLogs() {
  auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  f->add_flag<JsonEscapedMessage>('*').set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%*"})");
  spdlog::set_formatter(std::move(f));
}

int CliMain(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  CLI::App app{"coophub: one hub for the tools a cooperative already uses", "coophub"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "coophub " COOPHUB_VERSION);

  std::string config, state, hub_file, data_dir, plugin, source, record_dir;
  int port = -1;
  auto* serve = app.add_subcommand("serve", "Start the hub (with no --config: the demo from examples/)");
  serve->add_option("--config", config, "hub.yaml to use");
  serve->add_option("--port", port, "Port to listen on (overrides server.port)")->check(CLI::Range(0, 65535));
  serve->add_option("--data", data_dir, "Directory for the store (overrides store.data_dir)");
  bool behind_proxy = false;
  serve->add_flag("--behind-proxy", behind_proxy,
                  "Allow a server.address beyond 127.0.0.1: a reverse proxy in front terminates HTTPS");

  auto add_plugin_cmd = [&](const char* name, const char* help, bool needs_config) {
    auto* c = app.add_subcommand(name, help);
    c->add_option("plugin", plugin, "Plugin name, path to a .so, exec:PROGRAM or singer:PROGRAM")->required();
    if (needs_config) c->add_option("--config", config, "Connector config: JSON or @file")->required();
    c->add_option("--hub", hub_file, "hub.yaml whose plugin_dirs to search");
    return c;
  };
  auto* spec = add_plugin_cmd("spec", "Print a connector's config schema", false);
  auto* check = add_plugin_cmd("check", "Check a connector config (reachability, credentials)", true);
  auto* discover = add_plugin_cmd("discover", "List the streams a connector offers", true);
  auto* read = add_plugin_cmd("read", "Run a connector and print its protocol lines on stdout", true);
  read->add_option("--state", state, "State to resume from: JSON or @file");
  std::string subject;
  auto* subject_cmd =
      add_plugin_cmd("subject", "Ask a connector what its tool holds about one person (for a member's export)", true);
  subject_cmd
      ->add_option("--subject", subject,
                   R"(The person: JSON or @file, {"account": "ana", "identities": [{"kind": "email", "value": "…"}]})")
      ->required();
  read->add_option(
      "--record", record_dir,
      "Write each HTTP exchange, secrets redacted, into this directory for <coophub/testing.hpp> to replay");

  auto* sync = app.add_subcommand("sync", "Sync one source of hub.yaml into the store, once");
  sync->add_option("source", source, "The source id")->required();
  sync->add_option("--config", config, "hub.yaml (default: the demo)");
  sync->add_option("--data", data_dir, "Directory for the store");
  std::string log_format = "text";
  for (auto* c : {serve, sync})
    c->add_option("--log-format", log_format, "text, or json: one JSON object a line for log collectors")
        ->check(CLI::IsMember({"text", "json"}));

  auto* user = app.add_subcommand("user", "Manage accounts");
  user->require_subcommand(1);
  std::string user_name, role = "viewer", password_file, scope = "read", token_name = "command line";
  int days = 90;
  bool admin = false;
  auto* user_add = user->add_subcommand("add", "Add an account (the password is read from stdin or --password-file)");
  user_add->add_option("name", user_name, "Sign-in name")->required();
  user_add->add_option("--role", role, "viewer, editor or admin");
  user_add->add_flag("--admin", admin, "Same as --role admin");
  user_add->add_option("--password-file", password_file, "Read the password from this file's first line");
  bool no_password = false;
  std::string user_email;
  user_add->add_option("--email", user_email, "Where the hub's mail to them goes (digests, alerts)");
  user_add->add_flag("--no-password", no_password,
                     "No password: the account signs in with API tokens only (scripts, integrations)");
  auto* token = app.add_subcommand("token", "Manage API tokens");
  token->require_subcommand(1);
  auto* token_add = token->add_subcommand("add", "Create an API token for a user and print it, once");
  token_add->add_option("user", user_name, "The token's user")->required();
  token_add->add_option("--scope", scope, "read, write or admin");
  token_add->add_option("--days", days, "Days until it expires")->check(CLI::Range(1, 365));
  token_add->add_option("--name", token_name, "What the token is for");
  for (auto* c : {user_add, token_add}) {
    c->add_option("--config", config, "hub.yaml (default: the demo)");
    c->add_option("--data", data_dir, "Directory of the store");
  }

  auto* store = app.add_subcommand("store", "Move the store");
  store->require_subcommand(1);
  std::string copy_from, copy_to;
  auto* store_copy =
      store->add_subcommand("copy", "Copy a SQLite store (a running hub's too) into an empty PostgreSQL database");
  store_copy->add_option("--from", copy_from, "The SQLite store: data_dir/coophub.db")->required();
  store_copy
      ->add_option("--to", copy_to,
                   "postgresql://USER@HOST/DATABASE, the password by reference: ${env:NAME} or ${file:/path}")
      ->required();

  auto* mail_cmd = app.add_subcommand("mail", "Mail through hub.yaml's mail: section");
  mail_cmd->require_subcommand(1);
  std::string mail_to;
  auto* mail_test = mail_cmd->add_subcommand("test", "Send a test message to ADDRESS, and say what came of it");
  mail_test->add_option("address", mail_to, "Where to send it")->required();
  mail_test->add_option("--config", config, "hub.yaml with a mail: section")->required();

  auto* digest = app.add_subcommand("digest", "Members' e-mail digests");
  digest->require_subcommand(1);
  std::string digest_user;
  auto* digest_send = digest->add_subcommand(
      "send", "Queue the digests that are due (with --user: that member's, now) and send what the outbox holds");
  digest_send->add_option("--user", digest_user, "Only this member, whether their digest is due or not");
  digest_send->add_option("--config", config, "hub.yaml with a mail: section")->required();
  digest_send->add_option("--data", data_dir, "The data directory (default: hub.yaml's data_dir)");

  auto* backup = app.add_subcommand("backup", "Back up the store (a running hub's too) into a new folder of DIR");
  std::string backup_dir, key_out, max_rate, restore_folder, key_file;
  int keep = 0;
  bool without_key = false, check_only = false;
  backup->add_option("dir", backup_dir, "The backups directory")->required();
  backup->add_option("--key-out", key_out, "Also copy the secrets key to this file (keep it apart from the backups)");
  backup->add_option("--max-rate", max_rate, "Read at most this much a second from the store (10M, 512K)");
  backup->add_option("--keep", keep, "Then remove all but the newest N backups in DIR")->check(CLI::Range(1, 10000));
  auto* restore = app.add_subcommand("restore", "Check a backup and put it in place of the store (stop the hub first)");
  restore->add_option("folder", restore_folder, "The backup: DIR/coophub-YYYYMMDDTHHMMSSZ")->required();
  restore->add_option("--key", key_file, "The secrets key that goes with the backup");
  restore->add_flag("--without-key", without_key, "Restore without the key: the sources' stored secrets are lost");
  restore->add_flag("--check", check_only, "Only check the backup (its hash, integrity and counts); change nothing");
  for (auto* c : {backup, restore}) {
    c->add_option("--config", config, "hub.yaml (default: the demo)");
    c->add_option("--data", data_dir, "The data directory (default: hub.yaml's data_dir)");
  }

  auto* plugins = app.add_subcommand("plugins", "List the plugins found and their versions");
  plugins->add_option("--config", config, "hub.yaml whose plugin_dirs to search too");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }

  if (log_format == "json") {
    UseJsonLogs();
    g_json_logs = true;
  }
  try {
    if (*serve) return Serve({config, data_dir, port, behind_proxy});
    if (*user_add)
      return UserAdd(user_name, admin ? "admin" : role, password_file, no_password, user_email, config, data_dir);
    if (*token_add) return TokenAdd(user_name, scope, days, token_name, config, data_dir);
    if (*sync) return SyncOne(source, config, data_dir);
    if (*store_copy) return StoreCopy(copy_from, copy_to);
    if (*plugins) return ListPlugins(config);
    if (*mail_test) return MailTest(mail_to, config);
    if (*digest_send) return DigestSend(digest_user, config, data_dir);
    if (*backup) return BackupCommand(backup_dir, key_out, max_rate, keep, config, data_dir);
    if (*restore) return RestoreCommand(restore_folder, key_file, without_key, check_only, config, data_dir);
    if (*spec)
      return RunCommand(plugin, hub_file, Command::kSpec, json::object(), json::object(), [](const Message& m) {
        if (m.type == MsgType::kSpec) std::printf("%s\n", m.body["spec"].dump(2).c_str());
      });
    auto cfg = JsonArg(config, "--config");
    if (!cfg.ok()) return Fail(kExitUsage, cfg.status().message());
    if (*check) {
      int rc = RunCommand(plugin, hub_file, Command::kCheck, *cfg, json::object(), [](const Message& m) {
        if (m.type == MsgType::kCheck && m.ok) std::printf("ok: %s\n", m.message.c_str());
      });
      return rc;
    }
    if (*discover)
      return RunCommand(plugin, hub_file, Command::kDiscover, *cfg, json::object(), [](const Message& m) {
        if (m.type == MsgType::kStream) PrintLine(m);
      });
    if (*subject_cmd) {
      auto who = JsonArg(subject, "--subject");
      if (!who.ok()) return Fail(kExitUsage, who.status().message());
      if (!who->is_object()) return Fail(kExitUsage, "--subject must be a JSON object: {\"account\", \"identities\"}");
      return RunCommand(
          plugin, hub_file, Command::kSubject, *cfg, json::object(), [](const Message& m) { PrintLine(m); }, "", *who);
    }
    json st = json::object();
    if (!state.empty()) {
      auto s = JsonArg(state, "--state");
      if (!s.ok()) return Fail(kExitUsage, s.status().message());
      st = *s;
    }
    if (!st.is_object()) return Fail(kExitUsage, "--state must be a JSON object of stream name -> that stream's state");
    std::set<std::string> streams;  // those the connector read or gave state for
    int rc = RunCommand(
        plugin, hub_file, Command::kRead, *cfg, st,
        [&](const Message& m) {
          if (!m.stream.empty()) streams.insert(m.stream);
          PrintLine(m);
        },
        record_dir);
    // A state under a key that names no stream was given to nothing: say so, rather
    // than let a typo read everything from the start unnoticed.
    for (const auto& [key, value] : st.items())
      if (!streams.count(key)) {
        std::string read;
        for (const auto& s : streams) read += (read.empty() ? "" : ", ") + s;
        std::fprintf(stderr,
                     "warning: --state has \"%s\", which is no stream this connector read (%s): its state was "
                     "not used. Keys are stream names, as in the STATE lines read prints\n",
                     key.c_str(), read.empty() ? "it read none" : ("it read " + read).c_str());
      }
    return rc;
  } catch (const std::exception& e) {
    return Fail(3, std::string("internal error: ") + e.what());
  }
}

}  // namespace coophub
