// SPDX-License-Identifier: Apache-2.0
//
// A mutex whose locking clang checks at compile time (-Wthread-safety, on in every
// clang build): a member marked GUARDED_BY(mu_) may be touched only with mu_ held, a
// function marked REQUIRES(mu_) only called with it held. GCC builds see plain
// std::mutex. See https://clang.llvm.org/docs/ThreadSafetyAnalysis.html.
//
//   Mutex mu_;
//   int count_ GUARDED_BY(mu_) = 0;
//   void Add() { MutexLock lock(mu_); ++count_; }
//
// A condition variable waits through the lock (lock.Wait(cv)), in a loop that tests
// the guarded state itself: a predicate lambda would read it where the analysis cannot
// see the lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define COOPHUB_TSA(x) __attribute__((x))
#else
#define COOPHUB_TSA(x)
#endif

#define CAPABILITY(x) COOPHUB_TSA(capability(x))
#define SCOPED_CAPABILITY COOPHUB_TSA(scoped_lockable)
#define GUARDED_BY(x) COOPHUB_TSA(guarded_by(x))
#define PT_GUARDED_BY(x) COOPHUB_TSA(pt_guarded_by(x))
#define REQUIRES(...) COOPHUB_TSA(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) COOPHUB_TSA(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) COOPHUB_TSA(acquire_capability(__VA_ARGS__))
#define RELEASE(...) COOPHUB_TSA(release_capability(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS COOPHUB_TSA(no_thread_safety_analysis)

namespace coophub {

class CAPABILITY("mutex") Mutex {
 public:
  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }

 private:
  friend class MutexLock;
  std::mutex mu_;
};

// Holds a Mutex for its scope.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : lock_(mu.mu_) {}
  ~MutexLock() RELEASE() = default;
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // Lets go of the mutex for a while (a job runs unlocked), and takes it again.
  void Unlock() RELEASE() { lock_.unlock(); }
  void Lock() ACQUIRE() { lock_.lock(); }

  // Releases the mutex until cv is notified (or spuriously woken), then holds it again.
  void Wait(std::condition_variable& cv) { cv.wait(lock_); }
  // The same, for at most `timeout`; false when it ran out.
  template <class Rep, class Period>
  bool WaitFor(std::condition_variable& cv, std::chrono::duration<Rep, Period> timeout) {
    return cv.wait_for(lock_, timeout) == std::cv_status::no_timeout;
  }
  template <class Clock, class Duration>
  bool WaitUntil(std::condition_variable& cv, std::chrono::time_point<Clock, Duration> deadline) {
    return cv.wait_until(lock_, deadline) == std::cv_status::no_timeout;
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace coophub
