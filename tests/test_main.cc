// SPDX-License-Identifier: Apache-2.0
// The tests' main: plugins run in the real coophub binary's worker mode, not in this one.
#include <gtest/gtest.h>
#include <signal.h>

#include "runtime/http_client.h"
#include "runtime/runner.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  signal(SIGPIPE, SIG_IGN);
  coophub::SetWorkerProgram(COOPHUB_WORKER);
  coophub::HttpGlobalInit();
  return RUN_ALL_TESTS();
}
