#!/usr/bin/env bash
# Times Letterbox's form API under real Spin against the bare spin-sdk 7
# component of ../shared/bench/spin-bare (the yardstick: one KV set, one
# SQLite INSERT, or nothing per request), in one run, same load:
#   bench/api/run.sh                 # RUNS=3 DURATION=10s CONNECTIONS=16
# Needs spin (../shared/tools/spin/install), wrk, the wasm32-wasip2 target.
# Prints medians of RUNS wrk runs (requests/s, p99 latency) and the ratios.
# Spin's state (SQLite files) goes to STATE_ROOT (default /dev/shm, tmpfs):
# on this VM's virtual disk every SQLite commit's fsync swings a run by 2x.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
shared=${SHARED:-$repo/../shared}
runs=${RUNS:-3}
duration=${DURATION:-10s}
conns=${CONNECTIONS:-16}
work=$(mktemp -d)
state=$(mktemp -d "${STATE_ROOT:-/dev/shm}/letterbox-bench.XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work" "$state"; }
trap cleanup EXIT

for tool in spin wrk; do command -v $tool >/dev/null || { echo "error: $tool is not installed" >&2; exit 1; }; done

echo "building the bare component and Letterbox's component + starter site..." >&2
cp -r "$shared/bench/spin-bare" "$work/bare" && chmod -R u+w "$work/bare"
(cd "$work/bare" && cargo build -q --release --target wasm32-wasip2)
(cd "$repo" && cargo run -q -p letterbox -- --quiet build \
  && cargo build -q -p letterbox-api --target wasm32-wasip2 --profile component)

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "error: nothing listens on $1" >&2; exit 1; }

bare_port=$(port)
(cd "$work/bare" && exec spin up --listen "127.0.0.1:$bare_port" --state-dir "$state/bare" \
  --sqlite "CREATE TABLE IF NOT EXISTS t (k TEXT, v TEXT)" >"$work/bare.log" 2>&1) & pids+=($!)
declare -A lb_port
for store in kv sqlite; do
  lb_port[$store]=$(port)
  (cd "$repo" && SPIN_VARIABLE_JWT_SECRET=bench-secret-0123456789abcdef0123456789 \
    SPIN_VARIABLE_STORE=$store SPIN_VARIABLE_RATE_LIMIT_PER_MINUTE=0 \
    exec spin up --listen "127.0.0.1:${lb_port[$store]}" --state-dir "$state/lb-$store" \
    >"$work/lb-$store.log" 2>&1) & pids+=($!)
done
wait_port "$bare_port"; wait_port "${lb_port[kv]}"; wait_port "${lb_port[sqlite]}"

cat >"$work/invalid.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.body = "name=Wrk&email=not-an-address&topic=question&message=hi&consent=yes"
LUA
bare_post=$work/bare/bare-post.lua
lb_post=$work/bare/letterbox-post.lua

# wrk once: "<req/s> <p99 ms> <non-2xx>"
measure() {
  local url=$1 script=${2:-}
  local out
  out=$(wrk -t2 -c"$conns" -d"$duration" --latency ${script:+-s "$script"} "$url")
  local rps p99 bad
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  echo "$rps $p99 ${bad:-0}"
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# name | bare url | bare script | letterbox url | letterbox script
cases=(
  "no store I/O (bare: 200; Letterbox: 422 validation failure)|http://127.0.0.1:$bare_port/bare/x||http://127.0.0.1:${lb_port[kv]}/api/forms/contact|$work/invalid.lua"
  "accepted post, key-value|http://127.0.0.1:$bare_port/bare/kv|$bare_post|http://127.0.0.1:${lb_port[kv]}/api/forms/contact|$lb_post"
  "accepted post, SQLite|http://127.0.0.1:$bare_port/bare/sqlite|$bare_post|http://127.0.0.1:${lb_port[sqlite]}/api/forms/contact|$lb_post"
)
# warm up every instance pool and create Letterbox's SQLite tables
for c in "${cases[@]}"; do
  IFS='|' read -r _ bu bs lu ls <<<"$c"
  wrk -t2 -c"$conns" -d2s ${bs:+-s "$bs"} "$bu" >/dev/null; wrk -t2 -c"$conns" -d2s ${ls:+-s "$ls"} "$lu" >/dev/null
done

printf '\n%s cores, %s, wrk -t2 -c%s -d%s, medians of %s runs (rate limit off, starter contact form, state on %s)\n\n' \
  "$(nproc)" "$(spin --version)" "$conns" "$duration" "$runs" "${STATE_ROOT:-/dev/shm}"
echo "| request | bare req/s | Letterbox req/s | ratio | bare p99 ms | Letterbox p99 ms | Letterbox non-2xx |"
echo "|---|---|---|---|---|---|---|"
for c in "${cases[@]}"; do
  IFS='|' read -r name bu bs lu ls <<<"$c"
  : >"$work/b" ; : >"$work/l"
  for _ in $(seq 1 "$runs"); do
    measure "$bu" "$bs" >>"$work/b"
    measure "$lu" "$ls" >>"$work/l"
  done
  b_rps=$(cut -d' ' -f1 "$work/b" | median); l_rps=$(cut -d' ' -f1 "$work/l" | median)
  b_p99=$(cut -d' ' -f2 "$work/b" | median); l_p99=$(cut -d' ' -f2 "$work/l" | median)
  # the 422s are the point of the first row; elsewhere every answer must be 2xx
  l_bad=$(awk '{s+=$3} END {print s}' "$work/l")
  ratio=$(awk -v a="$l_rps" -v b="$b_rps" 'BEGIN {printf "%.2f", a/b}')
  printf '| %s | %.0f | %.0f | %s | %s | %s | %s |\n' "$name" "$b_rps" "$l_rps" "$ratio" "$b_p99" "$l_p99" "$l_bad"
done
