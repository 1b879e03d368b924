#!/usr/bin/env bash
# The form API on a shared Redis at scale, under real Spin: Redis holding
# UNRELATED (default 1,000,000) foreign keys, SUBMISSIONS (default 100,000)
# posted over FORMS (default 50) forms, then the inbox's first page and a deep
# page timed, with the Redis commands each request issued (INFO commandstats).
#   bench/api/kv-scale.sh          # needs spin, wrk, redis-server, redis-cli
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
unrelated=${UNRELATED:-1000000}
submissions=${SUBMISSIONS:-100000}
forms=${FORMS:-50}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "error: nothing on $1" >&2; exit 1; }

echo "building letterbox and the component..." >&2
(cd "$repo" && cargo build -q --release -p letterbox && cargo build -q -p letterbox-api --target wasm32-wasip2 --profile component)
lb=$repo/target/release/letterbox
wasm=${CARGO_TARGET_DIR:-$repo/target}/wasm32-wasip2/component/letterbox_api.wasm

# A site with FORMS forms of two fields each.
"$lb" --quiet init "$work/site" --component "$wasm" >/dev/null
{
  printf '+++\ntitle = "Forms"\n+++\n'
  for i in $(seq 1 "$forms"); do
    printf '<form data-form="f%s"><input name="email" type="email" required><textarea name="message" required maxlength="500"></textarea><button>Send</button></form>\n' "$i"
  done
} >"$work/site/content/forms.md"
(cd "$work/site" && "$lb" --quiet build)

rport=$(port)
redis-server --bind 127.0.0.1 --port "$rport" --save '' --appendonly no --dir "$work" >/dev/null & pids+=($!)
wait_port "$rport"
echo "filling Redis with $unrelated unrelated keys..." >&2
python3 - "$unrelated" <<'PY' | redis-cli -p "$rport" --pipe >/dev/null
import sys
out = sys.stdout
for i in range(int(sys.argv[1])):
    k = f"other:app:{i}"
    out.write(f"*3\r\n$3\r\nSET\r\n${len(k)}\r\n{k}\r\n$5\r\nvalue\r\n")
PY
printf '[key_value_store.default]\ntype = "redis"\nurl = "redis://127.0.0.1:%s"\n' "$rport" >"$work/rc.toml"

hash=$(printf 'bench-password\n' | "$lb" hash-password)
aport=$(port)
(cd "$work/site" && SPIN_VARIABLE_JWT_SECRET=bench-secret-0123456789abcdef0123456789 \
  SPIN_VARIABLE_STORE=kv SPIN_VARIABLE_RATE_LIMIT_PER_MINUTE=0 \
  SPIN_VARIABLE_ADMIN_USERNAME=root SPIN_VARIABLE_ADMIN_PASSWORD_HASH="$hash" \
  exec spin up --listen "127.0.0.1:$aport" --state-dir "$work/state" --runtime-config-file "$work/rc.toml" \
  >"$work/spin.log" 2>&1) & pids+=($!)
wait_port "$aport"

echo "posting $submissions submissions over $forms forms..." >&2
cat >"$work/post.lua" <<LUA
local n = 0
request = function()
  n = n + 1
  local form = "f" .. ((n % $forms) + 1)
  return wrk.format("POST", "/api/forms/" .. form,
    {["Content-Type"] = "application/x-www-form-urlencoded", ["Accept"] = "application/json"},
    "email=load%40example.org&message=load+test+" .. n)
end
LUA
keys=$(for i in $(seq 1 "$forms"); do printf 'seq:f%s ' "$i"; done)
posted() { redis-cli -p "$rport" mget $keys | awk '{s+=$1} END {print s+0}'; }
start=$(date +%s.%N)
wrk -t2 -c16 -d3600s -s "$work/post.lua" "http://127.0.0.1:$aport" >"$work/wrk.txt" 2>&1 &
wrk_pid=$!
while [ "$(posted)" -lt "$submissions" ]; do sleep 0.5; done
kill "$wrk_pid"; wait "$wrk_pid" 2>/dev/null || true
posted_s=$(python3 -c "import time; print(round(time.time() - $start, 1))")
stored=$(posted)

token=$(curl -s "http://127.0.0.1:$aport/api/auth/login" -H 'Content-Type: application/json' \
  -d '{"username":"root","password":"bench-password"}' | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')
stats() { redis-cli -p "$rport" info commandstats | tr -d '\r' | awk -F'[:=,]' '/^cmdstat_/ {sub("cmdstat_","",$1); print $1, $3}' | sort; }
diff_stats() { join -a2 -e0 -o '0,1.2,2.2' <(echo "$1") <(echo "$2") | awk '$3-$2 > 0 {printf "%s%s %d", sep, toupper($1), $3-$2; sep=", "}'; }
timed() {  # url -> "ms|commands"
  local before after ms
  before=$(stats)
  ms=$(curl -s -o "$work/page.json" -w '%{time_total}' "$1" -H "Authorization: Bearer $token" | awk '{printf "%.1f", $1*1000}')
  after=$(stats)
  echo "$ms|$(diff_stats "$before" "$after")"
}
first=$(timed "http://127.0.0.1:$aport/api/forms/f1/submissions?limit=50")
cursor=""
for _ in $(seq 1 39); do
  curl -s -o "$work/page.json" "http://127.0.0.1:$aport/api/forms/f1/submissions?limit=50$cursor" -H "Authorization: Bearer $token"
  cursor="&cursor=$(python3 -c 'import json; print(json.load(open("'"$work/page.json"'"))["next_cursor"])')"
done
deep=$(timed "http://127.0.0.1:$aport/api/forms/f1/submissions?limit=50$cursor")
forms_list=$(timed "http://127.0.0.1:$aport/api/forms")
total_keys=$(redis-cli -p "$rport" dbsize)

echo
echo "Redis with $total_keys keys ($unrelated unrelated); $stored submissions stored over $forms forms in ${posted_s} s ($(python3 -c "print(round($stored / $posted_s))") posts/s, wrk -t2 -c16)"
echo
echo "| request | latency ms | Redis commands |"
echo "|---|---|---|"
echo "| GET /api/forms/f1/submissions?limit=50 (first page) | ${first%%|*} | ${first#*|} |"
echo "| the 40th page (cursor) | ${deep%%|*} | ${deep#*|} |"
echo "| GET /api/forms ($forms counts) | ${forms_list%%|*} | ${forms_list#*|} |"
