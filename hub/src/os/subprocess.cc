// SPDX-License-Identifier: Apache-2.0
// Forking children under limits; see subprocess.h.
#include "os/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

extern char** environ;

namespace coophub {
namespace {

void CloseFd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

}  // namespace

Subprocess::~Subprocess() {
  if (!reaped_) {
    Signal(SIGKILL);
    int64_t ignored;
    Wait(&ignored);
  }
  CloseFd(&in_);
  CloseFd(&out_);
  CloseFd(&err_);
}

Status Subprocess::Start(const SpawnOptions& o) {
  if (o.argv.empty()) return Status::Invalid("no program to run");
  int pin[2], pout[2], perr[2], pexec[2];
  if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC) || pipe2(pexec, O_CLOEXEC))
    return Status::Internal(std::string("pipe() failed: ") + strerror(errno));

  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> argv;
  for (const auto& a : o.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
  for (const auto& e : o.extra_env) env_store.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) return Status::Internal(std::string("fork() failed: ") + strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);
    dup2(pin[0], 0);
    dup2(pout[1], 1);
    dup2(perr[1], 2);
    signal(SIGPIPE, SIG_DFL);
    if (o.address_space_bytes > 0) {
      struct rlimit rl = {static_cast<rlim_t>(o.address_space_bytes), static_cast<rlim_t>(o.address_space_bytes)};
      setrlimit(RLIMIT_AS, &rl);
    }
    int err = 0;
    if (!o.workdir.empty() && chdir(o.workdir.c_str()) != 0) {
      err = errno;
    } else {
      execvpe(argv[0], argv.data(), envp.data());
      err = errno;
    }
    (void)!write(pexec[1], &err, sizeof err);
    _exit(127);
  }
  setpgid(pid, pid);  // also from the parent, so Signal() cannot race the child's setpgid
  close(pin[0]);
  close(pout[1]);
  close(perr[1]);
  close(pexec[1]);
  int child_err = 0;
  ssize_t n;
  do n = read(pexec[0], &child_err, sizeof child_err);
  while (n < 0 && errno == EINTR);
  close(pexec[0]);
  pid_ = pid;
  reaped_ = false;
  in_ = pin[1];
  out_ = pout[0];
  err_ = perr[0];
  if (n == sizeof child_err) {
    int64_t ignored;
    Wait(&ignored);
    if (child_err == ENOENT && o.argv[0].find('/') == std::string::npos)
      return Status::NotFound("cannot run \"" + o.argv[0] + "\": not found on PATH; give the full path to the program");
    return Status::NotFound("cannot run \"" + o.argv[0] + "\"" + (o.workdir.empty() ? "" : " in " + o.workdir) + ": " +
                            strerror(child_err));
  }
  return Status::Ok();
}

void Subprocess::CloseStdin() { CloseFd(&in_); }

void Subprocess::Signal(int sig) {
  if (pid_ > 0 && !reaped_) kill(-pid_, sig);
}

int Subprocess::Wait(int64_t* peak_rss_kib) {
  int status = 0;
  struct rusage ru {};
  *peak_rss_kib = 0;
  if (reaped_) return 0;
  while (wait4(pid_, &status, 0, &ru) < 0 && errno == EINTR) {}
  reaped_ = true;
  kill(-pid_, SIGKILL);  // whatever the child left behind in its group
  *peak_rss_kib = ru.ru_maxrss;
  return status;
}

int64_t Subprocess::ResidentKib() const {
  if (pid_ <= 0 || reaped_) return 0;
  std::ifstream f("/proc/" + std::to_string(pid_) + "/statm");
  int64_t size = 0, resident = 0;
  if (!(f >> size >> resident)) return 0;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  const char* desc = strsignal(sig);
  std::string s = abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
  if (desc) {
    std::string d = desc;
    for (auto& c : d) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    s += " (" + d + ")";
  }
  return s;
}

std::string SelfExe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "coophub";
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace coophub
