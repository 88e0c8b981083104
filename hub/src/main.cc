// SPDX-License-Identifier: Apache-2.0
// The coophub binary: the CLI, or a plugin worker when re-executed as one.
#include <cstdio>
#include <cstring>
#include <exception>

#include "cli.h"
#include "worker.h"

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "__worker") == 0) {
    try {  // the worker's one catch-all: a surprise is a failed run, with what it was
      return coophub::WorkerMain(argc, argv);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "coophub worker failed: %s\n", e.what());
      return 3;
    }
  }
  return coophub::CliMain(argc, argv);
}
