// SPDX-License-Identifier: Apache-2.0
// Running a connector in a child process under limits; see runner.h.
#include "runtime/runner.h"

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include "runtime/singer.h"
#include "os/subprocess.h"
#include "base/mutex.h"

namespace coophub {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

Mutex g_worker_mu;
std::string g_worker_program GUARDED_BY(g_worker_mu);

int64_t MsSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

std::string Mib(int64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

std::string Seconds(int64_t ms) {
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

// A private directory for an exec connector's config and state files, removed after.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "coophub-run-XXXXXX").string();
    if (mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // Writes a file readable only by the hub's user; returns its path.
  std::string Write(const std::string& name, const std::string& text) {
    std::string p = path_ + "/" + name;
    std::ofstream f(p, std::ios::binary);
    f << text;
    chmod(p.c_str(), 0600);
    return p;
  }
  bool ok() const { return !path_.empty(); }

 private:
  std::string path_;
};

// How every connector process is started: in the config's directory, under the memory
// limit, with argv as given.
SpawnOptions BaseSpawn(const RunRequest& r, std::vector<std::string> argv) {
  SpawnOptions o;
  o.workdir = r.workdir;
  o.argv = std::move(argv);
#if defined(__SANITIZE_ADDRESS__)
  // ASan reserves terabytes of address space, so RLIMIT_AS cannot apply; the resident
  // watch below still enforces the limit. Let crashes be signals, as in release builds.
  o.extra_env.push_back(
      "ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:handle_abort=0:"
      "allocator_may_return_null=1:detect_leaks=0");
#else
  o.address_space_bytes = r.limits.memory_bytes + (int64_t{256} << 20);
#endif
  return o;
}

std::vector<std::string> PluginArgv(const ConnectorRef& c, const RunRequest& r, TempDir* tmp) {
  const char* cmd = CommandName(r.command);
  if (c.kind == ConnectorRef::Kind::kPlugin) {
    std::vector<std::string> argv = {WorkerProgram(), c.path, cmd};
    if (!r.record_dir.empty()) argv.insert(argv.end(), {"--record", r.record_dir});
    return argv;
  }
  std::vector<std::string> argv = {c.path, cmd, "--config", tmp->Write("config.json", r.config.dump())};
  if (r.command == Command::kRead) {
    argv.push_back("--state");
    argv.push_back(tmp->Write("state.json", r.state.dump()));
  }
  if (r.command == Command::kSubject) {
    argv.push_back("--subject");
    argv.push_back(tmp->Write("subject.json", r.subject.dump()));
  }
  return argv;
}

// Reads what is available on fd into buf; returns false at end of file or error.
bool ReadSome(int fd, std::string* buf) {
  char chunk[65536];
  ssize_t n;
  do n = read(fd, chunk, sizeof chunk);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  buf->append(chunk, static_cast<size_t>(n));
  return true;
}

// The state of one run while its child is alive.
class RunLoop {
 public:
  // With a document, stdout is one document (a Singer catalog, a --help text) kept whole
  // in it, up to the line limit, rather than protocol lines.
  RunLoop(const ConnectorRef& c, const RunRequest& r, const MessageSink& sink, Subprocess* p,
          std::string* document = nullptr)
      : c_(c), r_(r), sink_(sink), p_(p), document_(document) {}

  RunResult Run(const std::string& stdin_text);

 private:
  void Stop(RunResult::Outcome outcome, std::string message) {
    if (stopped_) return;
    stopped_ = true;
    result_.outcome = outcome;
    result_.message = std::move(message);
    p_->Signal(SIGKILL);
  }
  void OnLine(std::string_view line);
  void DrainLines(bool at_eof);
  void DrainStderr(bool at_eof);
  void CheckLimits();
  void Classify(int wait_status, int64_t peak_rss_kib);

  const ConnectorRef& c_;
  const RunRequest& r_;
  const MessageSink& sink_;
  Subprocess* p_;
  std::string* document_;
  RunResult result_;
  bool stopped_ = false;
  std::string out_, err_, err_tail_;
  // A Python traceback on stderr: whether one is being read, its last frame and the
  // exception it ended with (what a crash report should name, not the last log line).
  bool in_traceback_ = false;
  std::string last_frame_, exception_;
  std::string error_message_;  // from an ERROR line
  bool error_retryable_ = false;
  bool check_failed_ = false;
  int64_t stderr_lines_ = 0;
  Clock::time_point start_ = Clock::now(), last_line_ = Clock::now(), last_mem_check_;
};

void RunLoop::OnLine(std::string_view line) {
  ++result_.lines;
  last_line_ = Clock::now();
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return;
  auto msg = ParseLine(line, result_.lines);
  if (!msg.ok()) return Stop(RunResult::Outcome::kBadOutput, msg.status().message());
  if (msg->type == MsgType::kError) {
    error_message_ = msg->message;
    error_retryable_ = msg->retryable;
  }
  if (msg->type == MsgType::kCheck && !msg->ok) {
    check_failed_ = true;
    error_message_ = msg->message.empty() ? "the check failed" : msg->message;
  }
  int64_t line_no = result_.lines;
  Status s;
  try {  // a sink that throws on a surprise fails this run, never the hub
    s = sink_(std::move(*msg));
  } catch (const std::exception& e) {
    s = Status::Internal(std::string("the hub could not take this message: ") + e.what());
  }
  if (!s.ok()) Stop(RunResult::Outcome::kBadOutput, "line " + std::to_string(line_no) + ": " + s.message());
}

void RunLoop::DrainLines(bool at_eof) {
  if (document_) {
    last_line_ = Clock::now();
    document_->append(out_);
    out_.clear();
    if (static_cast<int64_t>(document_->size()) > r_.limits.max_line_bytes)
      Stop(RunResult::Outcome::kCrashed, "its output is longer than the " + Mib(r_.limits.max_line_bytes) +
                                             " limit of one document (limits.max_line): the connector was stopped");
    return;
  }
  size_t start = 0;
  for (;;) {
    if (stopped_) return;
    size_t nl = out_.find('\n', start);
    if (nl == std::string::npos) break;
    OnLine(std::string_view(out_).substr(start, nl - start));
    start = nl + 1;
  }
  out_.erase(0, start);
  if (static_cast<int64_t>(out_.size()) > r_.limits.max_line_bytes)
    return Stop(RunResult::Outcome::kCrashed, "line " + std::to_string(result_.lines + 1) + " is longer than the " +
                                                  Mib(r_.limits.max_line_bytes) +
                                                  " line limit (limits.max_line): the connector was stopped. A record "
                                                  "that large is likely a bug; raise the limit only if it is not");
  if (at_eof && !out_.empty()) {
    OnLine(out_);
    out_.clear();
  }
}

// The level a log line on stderr gives itself: Python's logging and most others write it
// as a word near the start ("INFO tap: ...", "2026-12-02 10:00:00,123 WARNING ...",
// "level=error ..."). Unmarked lines are warnings: a connector's stderr is for trouble.
namespace {
const char* StderrLevel(const std::string& line) {
  static const std::pair<const char*, const char*> kWords[] = {
      {"DEBUG", "debug"}, {"INFO", "info"},      {"WARNING", "warn"}, {"WARN", "warn"},
      {"ERROR", "error"}, {"CRITICAL", "error"}, {"FATAL", "error"}};
  std::string head = line.substr(0, 48);
  for (auto& c : head) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto boundary = [&](size_t i) { return i >= head.size() || !std::isalnum(static_cast<unsigned char>(head[i])); };
  for (const auto& [word, level] : kWords)
    for (size_t at = head.find(word); at != std::string::npos; at = head.find(word, at + 1))
      if ((at == 0 || boundary(at - 1)) && boundary(at + std::strlen(word))) return level;
  return "warn";
}
}  // namespace

void RunLoop::DrainStderr(bool at_eof) {
  size_t start = 0;
  for (;;) {
    size_t nl = err_.find('\n', start);
    if (nl == std::string::npos) break;
    std::string line = err_.substr(start, nl - start);
    start = nl + 1;
    if (line.empty()) continue;
    err_tail_ = line.substr(0, 500);
    if (line.rfind("Traceback (most recent call last):", 0) == 0) {
      in_traceback_ = true;
    } else if (in_traceback_) {
      size_t text = line.find_first_not_of(" \t");
      if (text != 0) {  // indented: a frame or its source line
        if (line.compare(text, 5, "File ") == 0) last_frame_ = line.substr(text, 300);
      } else {  // the first line back at the margin is the exception
        exception_ = line.substr(0, 500);
        in_traceback_ = false;
      }
    }
    if (++stderr_lines_ <= 1000 && !stopped_) {
      try {
        (void)sink_(Message::Log(StderrLevel(line), "stderr: " + line));
      } catch (const std::exception&) {  // a log line that cannot be kept is not worth a run
      }
    }
  }
  err_.erase(0, start);
  if (err_.size() > 65536) err_.erase(0, err_.size() - 4096);
  if (at_eof && !err_.empty()) err_tail_ = err_.substr(0, 500);
}

void RunLoop::CheckLimits() {
  if (stopped_) return;
  if (r_.cancel && r_.cancel->load()) return Stop(RunResult::Outcome::kCancelled, "the run was cancelled");
  if (MsSince(start_) > r_.limits.timeout_ms)
    return Stop(RunResult::Outcome::kCrashed, "the run took longer than its time limit of " +
                                                  Seconds(r_.limits.timeout_ms) +
                                                  " (limits.timeout) and was killed with SIGKILL");
  if (MsSince(last_line_) > r_.limits.heartbeat_ms)
    return Stop(RunResult::Outcome::kCrashed,
                "no output for " + Seconds(r_.limits.heartbeat_ms) +
                    " (limits.heartbeat): the connector looks hung and was killed with SIGKILL "
                    "after line " +
                    std::to_string(result_.lines));
  if (MsSince(last_mem_check_) >= 50) {
    last_mem_check_ = Clock::now();
    int64_t rss = p_->ResidentKib() * 1024;
    if (rss > r_.limits.memory_bytes)
      return Stop(RunResult::Outcome::kCrashed, "the connector used more than its memory limit of " +
                                                    Mib(r_.limits.memory_bytes) +
                                                    " (limits.memory) and was killed with SIGKILL");
  }
}

void RunLoop::Classify(int ws, int64_t peak_rss_kib) {
  if (stopped_) return;
  std::string tail = !exception_.empty()
                         ? "; it raised " + exception_ + (last_frame_.empty() ? "" : " (" + last_frame_ + ")")
                     : err_tail_.empty() ? ""
                                         : "; its last words on stderr: \"" + err_tail_ + "\"";
  bool near_memory_limit = peak_rss_kib * 1024 > r_.limits.memory_bytes * 3 / 4;
  if (WIFSIGNALED(ws)) {
    result_.outcome = RunResult::Outcome::kCrashed;
    result_.message =
        "the connector crashed: killed by " + SignalName(WTERMSIG(ws)) + " after line " + std::to_string(result_.lines);
    if (near_memory_limit)
      result_.message += ", at its memory limit of " + Mib(r_.limits.memory_bytes) + " (limits.memory)";
    result_.message += tail;
    return;
  }
  int code = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
  if (c_.kind == ConnectorRef::Kind::kPlugin && code == kWorkerLoadFailure) {
    result_.outcome = RunResult::Outcome::kLoadError;
    result_.message = error_message_.empty() ? "the plugin could not be loaded" + tail : error_message_;
    return;
  }
  if (!error_message_.empty()) {
    result_.outcome = RunResult::Outcome::kConnectorError;
    result_.message = error_message_;
    result_.retryable = error_retryable_;
    return;
  }
  if (code != 0) {
    result_.outcome = RunResult::Outcome::kCrashed;
    result_.message = "the connector exited with status " + std::to_string(code) + " and no ERROR message";
    if (near_memory_limit)
      result_.message += ", at its memory limit of " + Mib(r_.limits.memory_bytes) + " (limits.memory)";
    result_.message += tail;
  }
}

RunResult RunLoop::Run(const std::string& stdin_text) {
  size_t written = 0;
  if (stdin_text.empty()) p_->CloseStdin();
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    pollfd fds[3];
    int n = 0;
    if (out_open) fds[n++] = {p_->stdout_fd(), POLLIN, 0};
    if (err_open) fds[n++] = {p_->stderr_fd(), POLLIN, 0};
    int in_slot = -1;
    if (p_->stdin_fd() >= 0) {
      in_slot = n;
      fds[n++] = {p_->stdin_fd(), POLLOUT, 0};
    }
    int rc = poll(fds, static_cast<nfds_t>(n), 50);
    if (rc < 0 && errno != EINTR) break;
    for (int i = 0; i < n && rc > 0; ++i) {
      if (!fds[i].revents) continue;
      if (i == in_slot) {
        ssize_t w = write(p_->stdin_fd(), stdin_text.data() + written, stdin_text.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 || written == stdin_text.size()) p_->CloseStdin();
      } else if (fds[i].fd == p_->stdout_fd()) {
        out_open = ReadSome(p_->stdout_fd(), &out_);
        DrainLines(!out_open);
      } else {
        err_open = ReadSome(p_->stderr_fd(), &err_);
        DrainStderr(!err_open);
      }
    }
    CheckLimits();
  }
  int64_t peak_rss_kib = 0;
  int ws = p_->Wait(&peak_rss_kib);
  Classify(ws, peak_rss_kib);
  return result_;
}

}  // namespace

Result<PluginInfo> DescribePlugin(const ConnectorRef& ref) {
  PluginInfo info;
  info.name = ref.name;
  RunRequest req;
  req.command = Command::kSpec;
  req.limits.timeout_ms = 10000;
  RunResult r = RunConnector(ref, req, [&](Message&& m) {
    if (m.type == MsgType::kHello) info.version = m.version;
    if (m.type == MsgType::kSpec) {
      info.spec = std::move(m.body["spec"]);
      info.description = m.description;
      if (auto ops = m.body.find("operations"); ops != m.body.end() && ops->is_array())
        for (const auto& op : *ops) info.operations.push_back(op.get<std::string>());  // strings: ParseLine checked
    }
    return Status::Ok();
  });
  if (r.outcome != RunResult::Outcome::kOk) return Status::Invalid(r.message);
  return info;
}

Result<json> FetchSpec(const ConnectorRef& ref) {
  if (ref.kind != ConnectorRef::Kind::kPlugin) return json::object();
  auto info = DescribePlugin(ref);
  if (!info.ok()) return info.status();
  return info->spec;
}

void SetWorkerProgram(std::string path) {
  MutexLock lock(g_worker_mu);
  g_worker_program = std::move(path);
}

std::string WorkerProgram() {
  {
    MutexLock lock(g_worker_mu);
    if (!g_worker_program.empty()) return g_worker_program;
  }
  // Beside the hub in a build tree; LIBEXECDIR/coophub/ once installed (bin/../libexec).
  std::filesystem::path self = std::filesystem::path(SelfExe()).parent_path();
  for (auto p : {self / "coophub-worker", self / ".." / COOPHUB_INSTALL_LIBEXECDIR / "coophub" / "coophub-worker"}) {
    std::error_code ec;
    if (std::filesystem::exists(p, ec)) return p.lexically_normal().string();
  }
  return (self / "coophub-worker").string();  // the run then fails naming this path
}

const char* CommandName(Command c) {
  switch (c) {
    case Command::kSpec:
      return "spec";
    case Command::kCheck:
      return "check";
    case Command::kDiscover:
      return "discover";
    case Command::kRead:
      return "read";
    case Command::kSubject:
      return "subject";
  }
  return "read";
}

int ExitCodeFor(RunResult::Outcome o) {
  switch (o) {
    case RunResult::Outcome::kOk:
      return 0;
    case RunResult::Outcome::kConnectorError:
      return 1;
    case RunResult::Outcome::kLoadError:
      return 2;
    case RunResult::Outcome::kCrashed:
    case RunResult::Outcome::kBadOutput:
    case RunResult::Outcome::kCancelled:
      return 3;
  }
  return 3;
}

namespace {

// Runs one child with argv under r's limits; see RunLoop for `document`.
RunResult RunChild(const ConnectorRef& c, const RunRequest& r, std::vector<std::string> argv, const MessageSink& sink,
                   std::string* document = nullptr, const std::string& stdin_text = "") {
  Subprocess p;
  Status s = p.Start(BaseSpawn(r, std::move(argv)));
  if (!s.ok()) return {RunResult::Outcome::kLoadError, s.message()};
  RunLoop loop(c, r, sink, &p, document);
  return loop.Run(stdin_text);
}

Status Emit(const MessageSink& sink, const json& line) {
  auto m = ParseLine(line.dump(), 0);
  if (!m.ok()) return m.status();
  return sink(std::move(*m));
}

std::string List(const std::vector<std::string>& names, size_t most = 12) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < most; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > most) out += ", … (" + std::to_string(names.size()) + " in all)";
  return out.empty() ? "none" : out;
}

// A Singer tap, run as Singer runs it (singer.h). spec: taps have none to give. check and
// discover: its --discover catalog. read: discovery, then the sync with the selected
// catalog under the flag the tap takes, its state handed back as it left it.
class SingerRun {
 public:
  SingerRun(const ConnectorRef& c, const RunRequest& r, const MessageSink& sink, TempDir* tmp)
      : c_(c), r_(r), sink_(sink), tmp_(tmp), base_{c.path, "--config", tmp->Write("config.json", r.config.dump())} {}

  RunResult Run() {
    switch (r_.command) {
      case Command::kSpec:
        if (Status s = Emit(sink_, {{"type", "SPEC"}, {"spec", json::object()}}); !s.ok())
          return {RunResult::Outcome::kBadOutput, s.message()};
        return {};
      case Command::kCheck:
        return Check();
      case Command::kDiscover:
        return Discover();
      case Command::kRead:
        return Read();
      case Command::kSubject:
        return {RunResult::Outcome::kConnectorError, "a Singer tap has no subject operation"};
    }
    return {};
  }

 private:
  RunResult Discovery(json* catalog) {
    std::vector<std::string> argv = base_;
    argv.push_back("--discover");
    std::string doc;
    RunResult r = RunChild(c_, r_, argv, sink_, &doc);
    if (r.outcome != RunResult::Outcome::kOk) return r;
    auto parsed = singer::ParseCatalog(doc);
    if (!parsed.ok())
      return {RunResult::Outcome::kBadOutput,
              parsed.status().message() + " (run `" + c_.path + " --config CONFIG --discover` to see what it prints)"};
    *catalog = std::move(*parsed);
    return r;
  }

  RunResult Check() {
    json catalog;
    RunResult r = Discovery(&catalog);
    if (r.outcome != RunResult::Outcome::kOk) return r;
    std::vector<std::string> ids = singer::StreamIds(catalog);
    if (Status s = Emit(
            sink_, {{"type", "CHECK"},
                    {"ok", true},
                    {"message", "the tap's catalog has " + std::to_string(ids.size()) + " stream(s): " + List(ids)}});
        !s.ok())
      return {RunResult::Outcome::kBadOutput, s.message()};
    return r;
  }

  RunResult Discover() {
    json catalog;
    RunResult r = Discovery(&catalog);
    if (r.outcome != RunResult::Outcome::kOk) return r;
    for (const auto& s : catalog["streams"]) {
      json key = s.value("key_properties", json::array());
      for (const auto& md : s.value("metadata", json::array()))
        if (md.is_object() && md.value("breadcrumb", json(nullptr)) == json::array() && md["metadata"].is_object() &&
            md["metadata"].contains("table-key-properties"))
          key = md["metadata"]["table-key-properties"];
      json line = {
          {"type", "STREAM"}, {"name", singer::StreamId(s)}, {"kind", "other"}, {"key", key}, {"schema", s["schema"]}};
      if (Status st = Emit(sink_, line); !st.ok()) return {RunResult::Outcome::kBadOutput, st.message()};
    }
    return r;
  }

  // The flags that hand the tap its catalog: hub.yaml's singer.catalog, or the ones its
  // --help names.
  std::vector<std::string> CatalogFlags() {
    std::string mode = r_.singer.value("catalog", "auto");
    if (mode == "catalog") return {"--catalog"};
    if (mode == "properties") return {"--properties"};
    if (mode == "none") return {};
    RunRequest quick = r_;
    quick.limits.timeout_ms = std::min<int64_t>(r_.limits.timeout_ms, 60000);
    std::string help;
    std::vector<std::string> argv = {c_.path, "--help"};
    RunResult r = RunChild(
        c_, quick, argv, [](Message&&) { return Status::Ok(); }, &help);
    if (r.outcome != RunResult::Outcome::kOk) {
      Log("warn", "`" + c_.path + " --help` failed (" + r.message +
                      "), so the tap gets no catalog; set singer.catalog to catalog or properties if it takes one");
      return {};
    }
    return singer::CatalogFlags(help);
  }

  RunResult Read() {
    std::vector<std::string> argv = base_;
    json tap_state = r_.state.contains("_singer") ? r_.state["_singer"] : json::object();
    argv.insert(argv.end(), {"--state", tmp_->Write("state.json", tap_state.dump())});
    std::vector<std::string> flags = CatalogFlags();
    std::vector<std::string> selected;
    if (!flags.empty()) {
      json catalog;
      RunResult d = Discovery(&catalog);
      if (d.outcome == RunResult::Outcome::kCancelled) return d;
      if (d.outcome != RunResult::Outcome::kOk) {
        if (!r_.state.contains("_singer_catalog"))
          return Prefixed(std::move(d), "discovery (--discover) failed, so there is no catalog to sync with: ");
        Log("warn",
            "discovery (--discover) failed: " + d.message + "; syncing with the catalog kept from the last run");
        catalog = r_.state["_singer_catalog"];
      }
      std::vector<std::string> wanted, unknown;
      if (r_.streams.is_array())
        for (const auto& n : r_.streams) wanted.push_back(n.get<std::string>());
      json chosen = singer::Select(catalog, wanted, r_.singer.value("metadata", json::object()), &unknown);
      if (!unknown.empty())
        return {RunResult::Outcome::kConnectorError,
                "streams: " + List(unknown) + " not in the tap's catalog, which has: " +
                    List(singer::StreamIds(catalog)) + ". Fix the source's streams in hub.yaml"};
      selected = wanted.empty() ? singer::StreamIds(catalog) : wanted;
      // Kept with the source: the next run falls back on it if discovery fails.
      if (Status s = Emit(sink_, {{"type", "STATE"}, {"stream", "_singer_catalog"}, {"state", catalog}}); !s.ok())
        return {RunResult::Outcome::kBadOutput, s.message()};
      std::string file = tmp_->Write("catalog.json", chosen.dump());
      for (const auto& f : flags) argv.insert(argv.end(), {f, file});
    }
    std::set<std::string> heard;
    RunResult r = RunChild(c_, r_, argv, [&](Message&& m) {
      if (m.type == MsgType::kSingerSchema || m.type == MsgType::kRecord) heard.insert(m.stream);
      return sink_(std::move(m));
    });
    if (r.outcome == RunResult::Outcome::kOk) {
      std::vector<std::string> silent;
      for (const auto& s : selected)
        if (!heard.count(s)) silent.push_back(s);
      if (!silent.empty())
        Log("warn", "the tap sent nothing for the selected stream(s) " + List(silent) +
                        ": if they have rows, the tap may need more in their metadata (hub.yaml's singer.metadata, "
                        "e.g. replication-method: FULL_TABLE)");
    }
    return r;
  }

  void Log(const char* level, std::string text) {
    try {
      (void)sink_(Message::Log(level, std::move(text)));
    } catch (const std::exception&) {}
  }
  static RunResult Prefixed(RunResult r, const std::string& prefix) {
    r.message = prefix + r.message;
    return r;
  }

  const ConnectorRef& c_;
  const RunRequest& r_;
  const MessageSink& sink_;
  TempDir* tmp_;
  std::vector<std::string> base_;
};

}  // namespace

RunResult RunConnector(const ConnectorRef& c, const RunRequest& r, const MessageSink& sink) {
  TempDir tmp;
  if (c.kind != ConnectorRef::Kind::kPlugin && !tmp.ok())
    return {RunResult::Outcome::kCrashed,
            "cannot create a temporary directory in " + fs::temp_directory_path().string()};
  if (c.kind == ConnectorRef::Kind::kSinger) return SingerRun(c, r, sink, &tmp).Run();
  std::string request;
  if (c.kind == ConnectorRef::Kind::kPlugin)
    request =
        r.command == Command::kSubject
            ? json{{"config", r.config}, {"subject", r.subject}, {"sandbox", r.policy.ToJson()}}.dump()
            : json{{"config", r.config}, {"state", r.state}, {"streams", r.streams}, {"sandbox", r.policy.ToJson()}}
                  .dump();
  return RunChild(c, r, PluginArgv(c, r, &tmp), sink, nullptr, request);
}

}  // namespace coophub
