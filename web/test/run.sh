#!/bin/sh
# Runs the web tests: the browser tests (Debian's chromium driven by playwright-core,
# against hubs the tests start) and the node tests of the web code's pure modules.
# Usage: run.sh BUILD_DIR SOURCE_DIR COOPHUB_BINARY. The npm packages are those the
# build installed for the web code (BUILD_DIR/web-node, pinned by web/package-lock.json),
# never in the source tree; screenshots go to BUILD_DIR/browser-artifacts.
set -eu
build=$1
src=$2
modules="$build/web-node/node_modules"
if [ ! -d "$modules/playwright-core" ]; then
  echo "no $modules/playwright-core: build the web target first (cmake --build $build --target web)" >&2
  exit 1
fi
export NODE_PATH="$modules"
export COOPHUB_BINARY="$3" COOPHUB_SOURCE_DIR="$src" COOPHUB_ARTIFACTS="$build/browser-artifacts"
exec node --test --test-concurrency=1 "$src"/web/test/*.test.js
