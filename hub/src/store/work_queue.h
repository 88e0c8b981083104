// SPDX-License-Identifier: Apache-2.0
//
// What both store backends are built of: one writer thread that runs jobs on its
// connection in submission order (so a stream's state is never written before the
// records sent ahead of it), and a pool of read connections lent out one call at a
// time. Conn is the backend's connection type. Thread-safe; internal to the store.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"

namespace coophub::store {

template <class Conn>
class Writer {
 public:
  // after_each runs on the connection after every job (SQLite resets its statements).
  explicit Writer(Conn& conn, std::function<void(Conn&)> after_each = nullptr)
      : conn_(conn), after_each_(std::move(after_each)) {}
  ~Writer() { Stop(); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void Start() {
    thread_ = std::thread([this] { Loop(); });
  }
  // Runs what is queued, then ends the thread.
  void Stop() {
    {
      MutexLock lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  template <class T>
  std::future<Result<T>> Submit(std::function<Result<T>(Conn&)> fn) {
    auto promise = std::make_shared<std::promise<Result<T>>>();
    auto fut = promise->get_future();
    {
      MutexLock lock(mu_);
      queue_.push_back([fn = std::move(fn), promise](Conn& c) { promise->set_value(fn(c)); });
    }
    cv_.notify_one();
    return fut;
  }

 private:
  void Loop() {
    for (;;) {
      std::function<void(Conn&)> job;
      {
        MutexLock lock(mu_);
        while (!stopping_ && queue_.empty()) lock.Wait(cv_);
        if (queue_.empty()) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job(conn_);
      if (after_each_) after_each_(conn_);
    }
  }

  Conn& conn_;  // the writer thread's alone once started
  std::function<void(Conn&)> after_each_;
  Mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void(Conn&)>> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

template <class Conn>
class Pool {
 public:
  // after_each runs on a connection before it goes back (SQLite resets its statements).
  explicit Pool(std::function<void(Conn&)> after_each = nullptr) : after_each_(std::move(after_each)) {}

  // A connection for the pool, or for its longest waiting call.
  void Add(std::unique_ptr<Conn> conn) {
    MutexLock lock(mu_);
    if (waiting_.empty()) {
      free_.push_back(std::move(conn));
      return;
    }
    Waiter* first = waiting_.front();
    waiting_.pop_front();
    first->conn = std::move(conn);
    first->cv.notify_one();
  }

  // Runs fn on a free connection. When there is none, calls wait in the order they
  // came, each handed the next connection back: with more requests than connections
  // (16 clients on 4 readers), none waits behind others that came later, which a
  // wake-any condition variable allows, and the slowest requests are no slower than
  // the queue makes them.
  template <class T>
  Result<T> With(const std::function<Result<T>(Conn&)>& fn) {
    std::unique_ptr<Conn> conn;
    {
      MutexLock lock(mu_);
      if (!free_.empty()) {
        conn = std::move(free_.back());
        free_.pop_back();
      } else {
        Waiter me;
        waiting_.push_back(&me);
        while (!me.conn) lock.Wait(me.cv);
        conn = std::move(me.conn);
      }
    }
    Result<T> r = fn(*conn);
    if (after_each_) after_each_(*conn);
    Add(std::move(conn));
    return r;
  }

  // Calls waiting for a connection now.
  size_t waiting() {
    MutexLock lock(mu_);
    return waiting_.size();
  }

  // Runs fn on every idle connection (those lent out are skipped).
  void ForEachIdle(const std::function<void(Conn&)>& fn) {
    MutexLock lock(mu_);
    for (auto& c : free_) fn(*c);
  }

 private:
  struct Waiter {
    std::unique_ptr<Conn> conn;  // set by Add
    std::condition_variable cv;
  };
  std::function<void(Conn&)> after_each_;
  Mutex mu_;
  std::vector<std::unique_ptr<Conn>> free_ GUARDED_BY(mu_);
  std::deque<Waiter*> waiting_ GUARDED_BY(mu_);  // oldest first
};

// What a person typed, split into words at blanks and control characters (a NUL would
// end a search engine's view of the query): both backends' search starts here.
inline std::vector<std::string> QueryWords(std::string_view typed) {
  std::vector<std::string> words;
  std::string word;
  for (size_t i = 0; i <= typed.size(); ++i) {
    unsigned char c = i < typed.size() ? static_cast<unsigned char>(typed[i]) : 0;
    if (c > ' ' && c != 0x7f) {
      word += static_cast<char>(c);
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  return words;
}

}  // namespace coophub::store
