// SPDX-License-Identifier: Apache-2.0
//
// The stores' pool of read connections: with more calls than connections, calls are
// served in the order they came, so that none waits behind calls that came later.
#include "store/work_queue.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

#include "support/wait.h"

namespace coophub {
namespace {

TEST(Pool, CallsWaitingForAConnectionGetOneInTheOrderTheyCame) {
  store::Pool<int> pool;
  pool.Add(std::make_unique<int>(1));
  // The only connection, lent out until `release`.
  std::promise<void> held, release;
  std::thread holder([&] {
    (void)pool.With<int>([&](int&) -> Result<int> {
      held.set_value();
      release.get_future().wait();
      return 0;
    });
  });
  held.get_future().wait();

  std::vector<int> order;  // written by one call at a time: they share one connection
  std::vector<std::thread> callers;
  for (int i = 0; i < 6; ++i) {
    callers.emplace_back([&, i] {
      (void)pool.With<int>([&](int&) -> Result<int> {
        order.push_back(i);
        return 0;
      });
    });
    // The next call comes only once this one waits.
    ASSERT_TRUE(testing::WaitFor("call " + std::to_string(i) + " to wait", 10,
                                 [&] { return pool.waiting() == static_cast<size_t>(i + 1); }));
  }
  release.set_value();
  holder.join();
  for (auto& t : callers) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(pool.waiting(), 0u);
}

}  // namespace
}  // namespace coophub
