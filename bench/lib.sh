# Shell helpers of the benchmark scripts (bench/run.sh, bench/search_scale.sh), sourced
# with `build` set: the hub and the count fixture there, `work` (a scratch directory)
# and `pids` (background processes to stop), both cleaned up when the script exits.

hub_bin=$build/hub/coophub
count_so=$build/test-plugins/count.so
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() {  # a port nothing listens on
  local p
  # below the ephemeral range (32768 on): a port a closed client connection holds in
  # TIME_WAIT answers nothing, yet a server cannot bind it
  for p in $(seq $((20000 + RANDOM % 10000)) 32767); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
healthy() {  # one GET /healthz over bash's /dev/tcp: no process start to blur the timing
  local status
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  read -r _ status _ <&3 || true
  exec 3<&-
  [ "$status" = "200" ]
}
wrk_figures() {  # wrk --latency output file -> "req/s p99_ms"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$1")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "$1")
  echo "$rps $p99"
}
start_hub() {  # CONFIG DATA PORT LOG: serves in the background, waits for /healthz (bounded)
  local t0
  t0=$(now_ms)
  "$hub_bin" serve --config "$1" --data "$2" > "$4" 2>&1 &
  hub_pid=$!
  pids+=("$hub_pid")
  ready_ms=""
  for _ in $(seq 1 20000); do
    if healthy "$3"; then ready_ms=$(( $(now_ms) - t0 )); return; fi
  done
  echo "the hub did not become ready:"; cat "$4"; exit 1
}
