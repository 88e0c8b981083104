// SPDX-License-Identifier: Apache-2.0
//
// An advisory lock on a file (flock), held until the FileLock is destroyed or the
// process ends, however it ends. Shared by every process that uses a SQLite store
// (the hub, `coophub sync`, `user add`), exclusive for `coophub restore`, which must
// not swap the file under any of them. flock, not fcntl: closing the descriptor of a
// lock file leaves SQLite's own POSIX locks on the store alone.
#pragma once

#include <string>

#include "base/status.h"

namespace coophub {

class FileLock {
 public:
  FileLock() = default;
  ~FileLock();
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // Takes the lock on path (made 0600 if missing) without waiting: Conflict when
  // another process holds it in a way that excludes this one.
  static Result<FileLock> Take(const std::string& path, bool exclusive);
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace coophub
