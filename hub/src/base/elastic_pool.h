// SPDX-License-Identifier: Apache-2.0
//
// Threads that come when work comes and go after a while idle, up to a maximum. The
// HTTP server runs each connection on one (httplib holds a thread for as long as a
// keep-alive connection or an event stream lasts), so the maximum must be generous;
// a fixed pool of that size would keep every thread, and its stack, in an idle hub.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <system_error>
#include <thread>

#include "base/mutex.h"

namespace coophub {

class ElasticPool {
 public:
  ElasticPool(size_t max_threads, std::chrono::milliseconds idle_exit)
      : max_threads_(max_threads), idle_exit_(idle_exit) {}
  ~ElasticPool() { Shutdown(); }
  ElasticPool(const ElasticPool&) = delete;
  ElasticPool& operator=(const ElasticPool&) = delete;

  // Runs job on an idle thread, else on a new one, else when a thread is free.
  void Enqueue(std::function<void()> job) {
    MutexLock lock(mu_);
    jobs_.push_back(std::move(job));
    if (jobs_.size() > idle_ && threads_ < max_threads_) {
      try {
        std::thread([this] { Work(); }).detach();
        ++threads_;
        return;
      } catch (const std::system_error&) {
        // No thread to be had: the job waits for one of those running.
      }
    }
    work_cv_.notify_one();
  }

  // Runs what is queued, then returns once every thread has ended.
  void Shutdown() {
    MutexLock lock(mu_);
    stopping_ = true;
    work_cv_.notify_all();
    while (threads_ != 0) lock.Wait(state_cv_);
  }

  size_t threads() const {
    MutexLock lock(mu_);
    return threads_;
  }

  // For tests: wait until at most n threads are left, or until every thread waits for
  // work; false if timeout passed first.
  bool WaitForThreadsAtMost(size_t n, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    MutexLock lock(mu_);
    while (threads_ > n)
      if (!lock.WaitUntil(state_cv_, deadline)) return threads_ <= n;
    return true;
  }
  bool WaitForAllIdle(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    MutexLock lock(mu_);
    while (idle_ != threads_)
      if (!lock.WaitUntil(state_cv_, deadline)) return idle_ == threads_;
    return true;
  }

 private:
  void Work() {
    MutexLock lock(mu_);
    for (;;) {
      ++idle_;
      state_cv_.notify_all();
      auto deadline = std::chrono::steady_clock::now() + idle_exit_;
      bool woken = true;
      while (woken && !stopping_ && jobs_.empty()) woken = lock.WaitUntil(work_cv_, deadline);
      woken = woken || stopping_ || !jobs_.empty();
      --idle_;
      if (!jobs_.empty()) {
        std::function<void()> job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.Unlock();
        job();
        lock.Lock();
        continue;
      }
      if (stopping_ || !woken) break;  // shutting down, or idle for idle_exit_
    }
    --threads_;
    state_cv_.notify_all();
  }  // unlocking mu_ is the last touch of this object: Shutdown may then return and free it

  const size_t max_threads_;
  const std::chrono::milliseconds idle_exit_;
  mutable Mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable state_cv_;  // a thread ended or became idle
  std::deque<std::function<void()>> jobs_ GUARDED_BY(mu_);
  size_t threads_ GUARDED_BY(mu_) = 0;  // running, busy or idle
  size_t idle_ GUARDED_BY(mu_) = 0;     // waiting for a job
  bool stopping_ GUARDED_BY(mu_) = false;
};

}  // namespace coophub
