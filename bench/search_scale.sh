#!/usr/bin/env bash
# Search at scale, for make bench's "search 3M" rows: stores of 1M and then 3M records
# of about 300 B (the count fixture, six kinds over the years), on SQLite and on
# PostgreSQL, each served by a hub and loaded by wrk with 16 clients for 4 s. Every
# request asks a page no request asked before (bench/distinct_pages.lua), so that the
# page cache never answers: the records list; a word every record has; a rare word; a
# prefix of the word every record has; two words, the last a prefix of many. Searches
# carry snippets, as the API always gives them.
# Prints one line a measure: BACKEND SIZE QUERY REQ_PER_S P99_MS.
# Usage: bench/search_scale.sh BUILD_DIR PG_SOCKET_DIR PG_PORT   (a server whose user
# postgres may create databases, as bench/run.sh starts one); BACKENDS="postgres" (or
# "sqlite") measures one store alone.
set -euo pipefail
build=$(cd "$1" && pwd)
pg_host=$2
pg_port=$3
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/bench/lib.sh"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

# name -> the query's part of the address ("" is the list). The slowest last: the
# requests still running when wrk stops would otherwise be part of the next measure.
queries=(list "" every "&q=number" rare "&q=4711" prefix "&q=numb" two_words "&q=number%2047")

measure() {  # BACKEND SIZE PORT
  local i name extra
  for ((i = 0; i < ${#queries[@]}; i += 2)); do
    name=${queries[$i]}
    extra=${queries[$((i + 1))]}
    # A second's warm-up first, not counted: connections, threads and the statements'
    # plans are made once, as in a hub that has been up a while.
    wrk -t2 -c16 -d1s -s "$root/bench/distinct_pages.lua" "http://127.0.0.1:$3/api/v1/records" \
      "/api/v1/records?limit=50$extra" > /dev/null
    wrk -t2 -c16 -d4s --latency -s "$root/bench/distinct_pages.lua" "http://127.0.0.1:$3/api/v1/records" \
      "/api/v1/records?limit=50$extra" > "$work/wrk.txt"
    echo "$1 $2 $name $(wrk_figures "$work/wrk.txt")"
  done
}

for backend in ${BACKENDS:-sqlite postgres}; do
  store=""
  if [ "$backend" = postgres ]; then
    "$pg_bin/dropdb" --if-exists -h "$pg_host" -p "$pg_port" -U postgres search_scale
    "$pg_bin/createdb" -h "$pg_host" -p "$pg_port" -U postgres search_scale
    store="store: {driver: postgres, url: \"postgresql://postgres@/search_scale?host=$pg_host&port=$pg_port\"}"
  fi
  for size in 1000000 3000000; do
    port=$(free_port)
    cat > "$work/$backend.yaml" <<YAML
server: {port: $port}
$store
sources:
  - id: tools
    plugin: $count_so
    visibility: public
    every: 1d
    config: {count: $size, state_every: 20000, pad: 200, mixed: true}
YAML
    # The 3M store is the 1M one grown: the fixture carries on from its state.
    "$hub_bin" sync tools --config "$work/$backend.yaml" --data "$work/$backend-data" > "$work/sync.log" 2>&1 ||
      { echo "sync of $size records ($backend) failed:"; tail -5 "$work/sync.log"; exit 1; }
    # After a bulk load a PostgreSQL DBA vacuums and analyzes; else autovacuum would do it
    # while wrk measures (SQLite has no such pass).
    if [ "$backend" = postgres ]; then
      "$pg_bin/psql" -q -h "$pg_host" -p "$pg_port" -U postgres search_scale -c "VACUUM (ANALYZE) records" > /dev/null
    fi
    start_hub "$work/$backend.yaml" "$work/$backend-data" "$port" "$work/hub.log"
    measure "$backend" "$((size / 1000000))M" "$port"
    kill "$hub_pid"
    wait "$hub_pid" 2>/dev/null || true
  done
done
