#!/bin/sh
# Runs the browser tests: Debian's chromium driven by playwright-core, against hubs the
# tests start. Usage: run.sh BUILD_DIR SOURCE_DIR COOPHUB_BINARY. The npm packages (pinned
# by web/package-lock.json) go to BUILD_DIR/web-test, never into the source tree;
# screenshots to BUILD_DIR/browser-artifacts.
set -eu
build=$1
src=$2
dir="$build/web-test"
mkdir -p "$dir"
cp "$src/web/package.json" "$src/web/package-lock.json" "$dir/"
if [ ! -d "$dir/node_modules/playwright-core" ] || ! cmp -s "$src/web/package-lock.json" "$dir/node_modules/.package-lock.json.copy"; then
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp "$src/web/package-lock.json" "$dir/node_modules/.package-lock.json.copy"
fi
export NODE_PATH="$dir/node_modules"
export COOPHUB_BINARY="$3" COOPHUB_SOURCE_DIR="$src" COOPHUB_ARTIFACTS="$build/browser-artifacts"
exec node --test --test-concurrency=1 "$src"/web/test/*.test.js
