#!/usr/bin/env bash
# Proves that clang's lock analysis is on and that base/mutex.h's annotations feed it:
# a class that touches a GUARDED_BY member without its lock must fail to compile, the
# same class with the lock must compile. (The hub itself is built with clang, and these
# flags, by `make test`'s fuzz step: every module's locking is checked there.)
# Usage: check_thread_safety.sh SOURCE_DIR
set -euo pipefail
src=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(-std=c++20 -fsyntax-only -Wthread-safety -Werror=thread-safety -I "$src/hub/src")
probe() {  # $1: the body of Counter::Add
  cat > "$work/probe.cc" <<CC
#include "base/mutex.h"
class Counter {
 public:
  void Add() { $1 }
 private:
  coophub::Mutex mu_;
  int n_ GUARDED_BY(mu_) = 0;
};
int main() { Counter c; c.Add(); }
CC
  clang++ "${flags[@]}" "$work/probe.cc" 2>"$work/err"
}
probe "coophub::MutexLock lock(mu_); ++n_;" || { cat "$work/err"; echo "FAIL: a locked access was refused"; exit 1; }
if probe "++n_;"; then echo "FAIL: an unlocked access to a GUARDED_BY member compiled"; exit 1; fi
grep -q "requires holding mutex 'mu_'" "$work/err" || { cat "$work/err"; echo "FAIL: not the analysis' error"; exit 1; }
echo "thread safety: an unlocked access fails to compile, a locked one compiles"
