#!/usr/bin/env bash
# Image benchmark: a site of N photo pages (2000×1333 JPEGs made by
# `examples/photos.rs`, each shown with `figure(widths=[480, 960, 1600])`,
# so 3N processed images), built first with an empty image cache and then
# with the cache kept. Prints each build's own summary line.
#
# usage: bench/images/run.sh [N=100] [RUNS=3]   (the site goes to ${BENCH_ROOT:-/tmp}/letterbox-photos-N)
set -euo pipefail
N=${1:-100}
RUNS=${2:-3}
DIR=${BENCH_ROOT:-/tmp}/letterbox-photos-$N
TARGET=${CARGO_TARGET_DIR:-$(dirname "$0")/../../target}
cargo build --release -p letterbox --bin letterbox --example photos
if [ ! -f "$DIR/.complete" ]; then
  rm -rf "$DIR"
  "$TARGET/release/examples/photos" site "$DIR" "$N"
  touch "$DIR/.complete"
fi
for i in $(seq "$RUNS"); do
  rm -rf "$DIR/.letterbox/images"
  echo "first build $i: $("$TARGET/release/letterbox" build --root "$DIR")"
done
for i in $(seq "$RUNS"); do
  echo "cached build $i: $("$TARGET/release/letterbox" build --root "$DIR")"
done
