// SPDX-License-Identifier: Apache-2.0
// coophub-worker: hosts one .so plugin for one command, started by the hub (worker.h).
#include <cstdio>
#include <exception>

#include "runtime/worker.h"

int main(int argc, char** argv) {
  try {  // the worker's one catch-all: a surprise is a failed run, with what it was
    return coophub::WorkerMain(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "coophub worker failed: %s\n", e.what());
    return 3;
  }
}
