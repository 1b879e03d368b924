#!/usr/bin/env bash
# What a webhook adds to a post under real Spin: the same one-field form
# with and without `[[forms.hooked.notify.webhook]]` (a signed JSON webhook
# to a local receiver answering 200 at once), same load:
#   bench/api/notify-latency.sh      # RUNS=3 DURATION=10s, CONNECTIONS="1 8"
#   QUICKACK=1 bench/api/notify-latency.sh   # the receiver ACKs at once
# Spin's outbound client writes a request's headers and body apart; against
# a receiver that delays its ACK (Linux's default, 40 ms) the body waits for
# it. QUICKACK=1 shows the cost without that stall.
# Needs spin, wrk, python3, the wasm32-wasip2 target. Prints medians of RUNS
# wrk runs: requests/s, p50 and p99 latency. State on STATE_ROOT (/dev/shm).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-3}
duration=${DURATION:-10s}
conns_list=${CONNECTIONS:-"1 8"}
work=$(mktemp -d)
state=$(mktemp -d "${STATE_ROOT:-/dev/shm}/letterbox-notify.XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work" "$state"; }
trap cleanup EXIT
for tool in spin wrk python3; do command -v $tool >/dev/null || { echo "error: $tool is not installed" >&2; exit 1; }; done

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "error: nothing listens on $1" >&2; exit 1; }

echo "building letterbox and the component..." >&2
(cd "$repo" && cargo build -q -p letterbox --release && cargo build -q -p letterbox-api --target wasm32-wasip2 --profile component)
target=$(cd "$repo" && cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
letterbox=$target/release/letterbox

hook_port=$(port)
python3 - "$hook_port" "${QUICKACK:-0}" >"$work/receiver.log" 2>&1 <<'PY' & pids+=($!)
import socket, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
# The answer in one write with TCP_NODELAY: a receiver that writes headers
# and body apart meets delayed ACKs and adds ~40 ms per write to every post.
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def setup(self):
        super().setup(); self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    def do_POST(self):
        if sys.argv[2] == "1":
            self.connection.setsockopt(socket.IPPROTO_TCP, 12, 1)  # TCP_QUICKACK
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.wfile.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"); self.wfile.flush()
    def log_message(self, *a): pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY

site=$work/site
"$letterbox" --quiet init "$site" --component "$target/wasm32-wasip2/component/letterbox_api.wasm" >/dev/null
cat >"$site/content/bench.md" <<'MD'
+++
title = "Bench"
+++
<form data-form="plain"><input name="message" required maxlength="200"><button>Send</button></form>
<form data-form="hooked"><input name="message" required maxlength="200"><button>Send</button></form>
MD
printf '\n[[forms.hooked.notify.webhook]]\nurl = "http://127.0.0.1:%s/hook"\n' "$hook_port" >>"$site/site.toml"
sed -i "s|allowed_outbound_hosts = \[\]|allowed_outbound_hosts = [\"http://127.0.0.1:$hook_port\"]|" "$site/spin.toml"
(cd "$site" && "$letterbox" --quiet build)

api_port=$(port)
(cd "$site" && SPIN_VARIABLE_JWT_SECRET=bench-secret-0123456789abcdef0123456789 \
  SPIN_VARIABLE_RATE_LIMIT_PER_MINUTE=0 SPIN_VARIABLE_WEBHOOK_SECRET=whsec_bench \
  exec spin up --listen "127.0.0.1:$api_port" --state-dir "$state/spin" >"$work/spin.log" 2>&1) & pids+=($!)
wait_port "$hook_port"; wait_port "$api_port"

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.body = "message=hello+from+wrk"
LUA
ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; printf "%.2f", v}' <<<"$1"; }
measure() { # "<req/s> <p50 ms> <p99 ms> <non-2xx>"
  local out; out=$(wrk -t1 -c"$2" -d"$duration" --latency -s "$work/post.lua" "$1")
  echo "$(awk '/^Requests\/sec/ {print $2}' <<<"$out") $(ms "$(awk '$1=="50%" {print $2}' <<<"$out")") $(ms "$(awk '$1=="99%" {print $2}' <<<"$out")") $(awk '/Non-2xx/ {print $5}' <<<"$out" | grep . || echo 0)"
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for form in plain hooked; do wrk -t1 -c4 -d2s -s "$work/post.lua" "http://127.0.0.1:$api_port/api/forms/$form" >/dev/null; done

printf '\n%s cores, %s, SQLite store, wrk -t1 -d%s, medians of %s runs, receiver QUICKACK=%s\n\n' "$(nproc)" "$(spin --version)" "$duration" "$runs" "${QUICKACK:-0}"
echo "| connections | form | req/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|---|"
for c in $conns_list; do
  for form in plain hooked; do
    : >"$work/m"
    for _ in $(seq 1 "$runs"); do measure "http://127.0.0.1:$api_port/api/forms/$form" "$c" >>"$work/m"; done
    printf '| %s | %s | %.0f | %s | %s | %s |\n' "$c" "$form" "$(cut -d' ' -f1 "$work/m" | median)" \
      "$(cut -d' ' -f2 "$work/m" | median)" "$(cut -d' ' -f3 "$work/m" | median)" "$(awk '{s+=$4} END {print s}' "$work/m")"
  done
done
