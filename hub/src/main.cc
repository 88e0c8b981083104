// SPDX-License-Identifier: Apache-2.0
// The coophub binary: the CLI, or a plugin worker when re-executed as one.
#include <cstring>

#include "cli.h"
#include "worker.h"

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "__worker") == 0) return coophub::WorkerMain(argc, argv);
  return coophub::CliMain(argc, argv);
}
