// SPDX-License-Identifier: Apache-2.0
// The coophub binary: the CLI (plugins run in coophub-worker, worker_main.cc).
#include "app/cli.h"

int main(int argc, char** argv) { return coophub::CliMain(argc, argv); }
