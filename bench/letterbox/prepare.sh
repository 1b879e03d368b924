#!/usr/bin/env bash
# Makes the benchmark corpus for N pages (if needed) and gives Letterbox's
# neutral content/ the same section files Hugo's and Zola's corpora get from
# make-corpus.py (untimed corpus preparation, like theirs): Letterbox, like
# Zola, makes a section only of a folder with an `_index.md`.
#
# usage: bench/letterbox/prepare.sh N   (honours BENCH_ROOT and SEED like ssg-bench.sh)
set -euo pipefail
N=${1:?usage: prepare.sh N}
# The shared tools live beside the repository (../shared/bench).
repo=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=${BENCH:-$repo/../shared/bench}
DIR=${BENCH_ROOT:-/tmp}/ssg-bench-$N
SEED=${SEED:-42}
gen_version=$(sed -n 's/^GENERATOR_VERSION = //p' "$BENCH/make-corpus.py")
if [ "$(cat "$DIR/.complete" 2>/dev/null)" != "$gen_version $N $SEED" ]; then
  python3 "$BENCH/make-corpus.py" "$N" "$DIR" --seed "$SEED"
fi
# Hugo's _index.md files: TOML title + description; Letterbox sorts by date by default.
for f in "$DIR"/hugo/content/_index.md "$DIR"/hugo/content/*/_index.md; do
  rel=${f#"$DIR"/hugo/content/}
  mkdir -p "$(dirname "$DIR/content/$rel")"
  cp "$f" "$DIR/content/$rel"
done
echo "prepared $DIR/content for Letterbox ($(ls "$DIR"/content/*/_index.md | wc -l) sections)"
