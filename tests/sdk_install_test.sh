#!/usr/bin/env bash
# The proof that a partner can write a plugin: install coophub into a fresh prefix,
# build examples/hello-plugin (C++) and examples/hello-c (C) against that installed SDK
# (not the source tree), and run them through the installed hub: read, a second read
# resuming from state, a sync into a store, a fetch through the host. Then the installed
# plugin template as a partner starts from it: built, and its own tests (the fake host
# of <coophub/testing.hpp>, no hub, no network) run by ctest.
# Usage: sdk_install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# contains TEXT PATTERN: a here-string, not `echo | grep -q`, which under pipefail fails
# whenever grep finds its match and exits before the writer has finished (SIGPIPE).
contains() { grep -q -- "$2" <<<"$1"; }

cmake --install "$build" --prefix "$work/prefix" >/dev/null
[ -f "$work/prefix/include/coophub/plugin.h" ] || fail "plugin.h not installed"
cp -r "$src/examples/hello-plugin" "$work/hello"   # out of tree: nothing of the source tree is visible
cmake -S "$work/hello" -B "$work/hello/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null \
  || fail "configuring hello-plugin against the installed SDK failed"
cmake --build "$work/hello/build" >/dev/null || fail "building hello-plugin failed"
so="$work/hello/build/hello.so"
hub="$work/prefix/bin/coophub"
export ASAN_OPTIONS=detect_leaks=0

out=$("$hub" read "$so" --config '{"name":"Riverside","count":2}')
contains "$out" '"title":"Hello, Riverside #2"' || fail "read did not greet: $out"
again=$("$hub" read "$so" --config '{"name":"Riverside","count":1}' --state '{"greetings":{"greeted":2}}')
contains "$again" '"title":"Hello, Riverside #3"' || fail "read did not resume: $again"

listed=$(COOPHUB_PLUGIN_PATH="$work/hello/build" "$hub" plugins)
contains "$listed" '^hello .*1.0.0' || fail "plugins does not list hello: $listed"
contains "$(grep -A1 '^rss ' <<<"$listed")" "$work/prefix/" || fail "the installed hub does not find its installed rss plugin: $listed"

cat > "$work/hub.yaml" <<YAML
sources:
  - id: greetings
    plugin: $so
    config: {name: Partners}
YAML
synced=$("$hub" sync greetings --config "$work/hub.yaml" --data "$work/data")
contains "$synced" "3 records received" || fail "sync through the installed hub failed: $synced"
if "$hub" sync greetings --config "$work/hub.yaml" --data "$work/data" >/dev/null 2>&1; then :; else fail "second sync failed"; fi
# The same in plain C, against the C ABI alone: greets, resumes, fetches through the host.
cp -r "$src/examples/hello-c" "$work/hello-c"
cmake -S "$work/hello-c" -B "$work/hello-c/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null \
  || fail "configuring hello-c against the installed SDK failed"
cmake --build "$work/hello-c/build" >/dev/null || fail "building hello-c failed"
cso="$work/hello-c/build/hello_c.so"
echo "twelve bytes" > "$work/page.txt"
out=$("$hub" read "$cso" --config "{\"name\":\"Riverside\",\"count\":2,\"url\":\"file://$work/page.txt\"}")
contains "$out" '"title":"Hello from C, Riverside #2"' || fail "hello-c did not greet: $out"
contains "$out" 'answered 200 with 13 bytes' || fail "hello-c did not fetch through the host: $out"
again=$("$hub" read "$cso" --config '{"name":"Riverside","count":1}' --state '{"greetings":{"greeted":2}}')
contains "$again" '"title":"Hello from C, Riverside #3"' || fail "hello-c did not resume: $again"
checked=$("$hub" check "$cso" --config '{}')
contains "$checked" "hello_c needs nothing to check" || fail "hello-c check failed: $checked"
# The template, copied from where the SDK installed it, with its tests.
cp -r "$work/prefix/share/coophub/plugin-template" "$work/mine"
cmake -S "$work/mine" -B "$work/mine/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null \
  || fail "configuring the installed template failed"
cmake --build "$work/mine/build" >/dev/null || fail "building the installed template failed"
[ -x "$work/mine/build/my_connector_test" ] || fail "the template's test was not built (is GoogleTest installed?)"
tests=$(ctest --test-dir "$work/mine/build" --output-on-failure 2>&1) || fail "the template's tests failed: $tests"
contains "$tests" "100% tests passed" || fail "the template's tests did not run: $tests"
spec=$("$hub" spec "$work/mine/build/my_connector.so")
contains "$spec" '"secret": true' || fail "the template's spec is not served: $spec"
echo "3 passed, 0 failed"
