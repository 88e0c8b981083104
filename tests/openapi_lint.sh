#!/bin/sh
# Validates the API's OpenAPI document with an npm validator of the OpenAPI 3.1 schema.
# Usage: openapi_lint.sh BUILD_DIR SOURCE_DIR. Installs the validator (pinned by
# tests/openapi/package-lock.json) into BUILD_DIR/openapi-lint, never into the source tree.
set -eu
build=$1
src=$2
dir="$build/openapi-lint"
mkdir -p "$dir"
cp "$src/tests/openapi/package.json" "$src/tests/openapi/package-lock.json" "$dir/"
if [ ! -x "$dir/node_modules/.bin/validate-api" ]; then
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
out=$("$dir/node_modules/.bin/validate-api" "$src/hub/api/openapi.json")
echo "$out"
echo "$out" | grep -q '"valid": true'
