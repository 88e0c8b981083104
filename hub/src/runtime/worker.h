// SPDX-License-Identifier: Apache-2.0
//
// The worker: `coophub-worker <plugin.so> <command>` with the request JSON on stdin.
// Loads the plugin in this (child) process, calls it, and writes what it emits as
// protocol lines on stdout. The hub starts workers; people never need to. A program of
// its own (worker_main.cc), not the hub re-executed: a plugin's process carries the
// plugin host, the protocol and the HTTP client, and none of the hub's server, store
// or accounts code (less to attack from a plugin, less memory per run).
#pragma once

namespace coophub {

// Runs the worker; returns the process exit status (0 ok, 1 the plugin reported an
// error, kWorkerLoadFailure when the plugin could not be loaded, 2 bad arguments).
int WorkerMain(int argc, char** argv);

}  // namespace coophub
