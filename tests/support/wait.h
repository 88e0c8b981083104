// SPDX-License-Identifier: Apache-2.0
//
// The one way a test waits: a bounded poll that fails the test when it runs out.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <string>

namespace coophub::testing {

// Asks done() every `every` until it is true, for at most timeout: true when it came
// true in time. For a helper that reports its own failure (a server that did not start
// says why); a test itself uses WaitFor.
template <typename Done>
bool PollFor(std::chrono::milliseconds timeout, Done done,
             std::chrono::milliseconds every = std::chrono::milliseconds(50)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    poll(nullptr, 0, static_cast<int>(every.count()));
  }
  return true;
}

// Asks done() every 50 ms until it is true, for at most timeout_s seconds; on timeout
// the test fails, saying what it waited for, and WaitFor returns false. A bounded poll,
// never a sleep that stands for synchronisation.
template <typename Done>
bool WaitFor(const std::string& what, int timeout_s, Done done) {
  if (PollFor(std::chrono::seconds(timeout_s), done)) return true;
  ADD_FAILURE() << "waited " << timeout_s << " s for " << what << ", in vain";
  return false;
}

}  // namespace coophub::testing
