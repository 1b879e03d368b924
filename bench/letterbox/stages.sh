#!/usr/bin/env bash
# Where a build's time goes, stage by stage: runs `letterbox --verbose build`
# RUNS times on the benchmark corpus (the output removed before each run,
# untimed, as ssg-bench.sh does) and prints the median of each stage it
# reports, of the whole process (wall, user+sys CPU) and its peak RSS.
# Give two binaries to compare them run for run (alternated, so that a
# change of load on the machine hits both alike).
#
# usage: bench/letterbox/stages.sh N [letterbox binary…]
#   default binary: $CARGO_TARGET_DIR (or target)/release/letterbox
#   env: RUNS=5, BENCH_ROOT=/tmp (corpus from bench/letterbox/prepare.sh N)
set -euo pipefail
N=${1:?usage: stages.sh N [letterbox binary…]}
shift
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BINS=("$@")
[ ${#BINS[@]} -gt 0 ] || BINS=("${CARGO_TARGET_DIR:-$REPO/target}/release/letterbox")
RUNS=${RUNS:-5}
DIR=${BENCH_ROOT:-/tmp}/ssg-bench-$N
[ -d "$DIR/content" ] || { echo "no corpus in $DIR: run bench/letterbox/prepare.sh $N first" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "need GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }
SITE=$DIR/ours
mkdir -p "$SITE"
cp -r "$HERE/site.toml" "$HERE/templates" "$SITE/"
[ -e "$SITE/content" ] || ln -s ../content "$SITE/content"
LOG=$(mktemp -d)
trap 'rm -rf "$LOG"' EXIT

echo "N=$N, $RUNS runs per binary, load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
for ((run = 0; run < RUNS; run++)); do
  for b in "${!BINS[@]}"; do
    rm -rf "$SITE/public"
    (cd "$SITE" && /usr/bin/time -f 'process %e %M %U %S' -o "$LOG/time" \
      "${BINS[$b]}" --verbose build --output public >/dev/null 2>"$LOG/err") ||
      { cat "$LOG/err" >&2; exit 1; }
    { grep '^stages: ' "$LOG/err"; cat "$LOG/time"; } >>"$LOG/$b"
  done
done
rm -rf "$SITE/public"

for b in "${!BINS[@]}"; do
  python3 - "${BINS[$b]}" "$LOG/$b" <<'PY'
import re, statistics, sys
binary, log = sys.argv[1:]
stages, wall, rss, cpu = {}, [], [], []
for line in open(log):
    if line.startswith("stages: "):
        for name, ms in re.findall(r"([^,:]+?) (\d+) ms", line[len("stages: "):]):
            stages.setdefault(name.strip(), []).append(int(ms))
    elif line.startswith("process "):
        _, e, m, u, s = line.split()
        wall.append(float(e)); rss.append(int(m) / 1024); cpu.append(float(u) + float(s))
med = statistics.median
print(binary)
print("| " + " | ".join(stages) + " | process wall s | CPU s | peak RSS MiB |")
print("|" + "---|" * (len(stages) + 3))
print("| " + " | ".join("%d ms" % med(v) for v in stages.values())
      + " | %.2f (%.2f-%.2f) | %.2f | %.0f |" % (med(wall), min(wall), max(wall), med(cpu), med(rss)))
PY
done
