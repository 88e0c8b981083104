// SPDX-License-Identifier: Apache-2.0
// The connection thread pool: as many threads as jobs that run at once, never more than
// its maximum, none left once idle, and everything queued run before shutdown returns.
#include "base/elastic_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace coophub {
namespace {

using std::chrono::milliseconds;

// Jobs that wait until `open` is set, counting how many wait at once.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  int waiting = 0, most = 0;
  bool open = false;
  void Pass() {
    std::unique_lock<std::mutex> lock(mu);
    most = std::max(most, ++waiting);
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
    --waiting;
  }
  bool WaitForWaiting(int n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return waiting >= n; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
    cv.notify_all();
  }
};

TEST(ElasticPool, GrowsToTheJobsThatRunAtOnceAndNoFurther) {
  ElasticPool pool(4, std::chrono::seconds(30));
  EXPECT_EQ(pool.threads(), 0u) << "an idle pool has no threads";
  Gate gate;
  std::atomic<int> done{0};
  for (int i = 0; i < 6; ++i)
    pool.Enqueue([&] {
      gate.Pass();
      ++done;
    });
  ASSERT_TRUE(gate.WaitForWaiting(4)) << "four jobs run at once, each on its own thread";
  EXPECT_EQ(pool.threads(), 4u) << "no more than the maximum; the other two wait";
  gate.Open();
  pool.Shutdown();
  EXPECT_EQ(done.load(), 6) << "every job ran before Shutdown returned";
  EXPECT_EQ(gate.most, 4);
  EXPECT_EQ(pool.threads(), 0u);
}

// Runs one job on the pool and waits until it has run.
void RunOne(ElasticPool& pool) {
  std::mutex mu;
  std::condition_variable cv;
  bool ran = false;
  pool.Enqueue([&] {
    std::lock_guard<std::mutex> lock(mu);
    ran = true;
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return ran; }));
}

TEST(ElasticPool, AnIdleThreadTakesTheNextJob) {
  ElasticPool pool(8, std::chrono::seconds(60));
  for (int i = 0; i < 20; ++i) {  // one after another, as connections that close
    RunOne(pool);
    ASSERT_TRUE(pool.WaitForAllIdle(std::chrono::seconds(10)));
    EXPECT_EQ(pool.threads(), 1u) << "job " << i << ": the idle thread takes it";
  }
}

TEST(ElasticPool, ThreadsLeftIdleEnd) {
  ElasticPool pool(8, milliseconds(20));
  RunOne(pool);
  EXPECT_TRUE(pool.WaitForThreadsAtMost(0, std::chrono::seconds(10)));
  RunOne(pool);  // and the pool still works after
  EXPECT_TRUE(pool.WaitForThreadsAtMost(0, std::chrono::seconds(10)));
}

}  // namespace
}  // namespace coophub
