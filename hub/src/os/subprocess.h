// SPDX-License-Identifier: Apache-2.0
//
// A child process with pipes on stdin, stdout and stderr, in its own process group,
// started under resource limits. The one place the hub forks. A Subprocess is owned by
// one thread; its destructor kills and reaps the child if it is still running.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace coophub {

struct SpawnOptions {
  std::vector<std::string> argv;       // argv[0] is the program; PATH is searched without '/'
  std::vector<std::string> extra_env;  // "NAME=value" added to the hub's environment
  std::string workdir;                 // "" keeps the hub's
  int64_t address_space_bytes = 0;     // RLIMIT_AS; 0 for none
};

class Subprocess {
 public:
  Subprocess() = default;
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Starts the child. On failure nothing is left running and the Status says why
  // (e.g. the program was not found, with the PATH searched).
  Status Start(const SpawnOptions& options);

  pid_t pid() const { return pid_; }
  int stdin_fd() const { return in_; }
  int stdout_fd() const { return out_; }
  int stderr_fd() const { return err_; }
  void CloseStdin();

  // Sends sig to the child's whole process group.
  void Signal(int sig);
  // Waits for the child; returns its wait status and fills peak RSS in KiB.
  int Wait(int64_t* peak_rss_kib);
  // Current resident set of the child in KiB, from /proc; 0 when unknown.
  int64_t ResidentKib() const;

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  bool reaped_ = true;
};

// "SIGSEGV (segmentation fault)" for a signal number.
std::string SignalName(int sig);

// The path of the running executable (/proc/self/exe), for re-executing the hub.
std::string SelfExe();

}  // namespace coophub
