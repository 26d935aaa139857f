#!/usr/bin/env bash
# Image pipeline speed: Broadsheet's resizer against libvips on the same real photographs, in
# one run, every process pinned to the same core, CPU time per image (median of the rounds).
#
# Compares, at widths 700 and 1400, JPEG q82 and WebP q80: Broadsheet's pipeline in-process
# (examples/image_bench.rs), libvips in-process (pyvips thumbnail_buffer) and `vipsthumbnail`
# over the whole batch. Prints images per second per core, the ratio to libvips in-process,
# output bytes and SSIM-Y against a float reference downscale; then the 10-20 MP stress set
# and the one-off cost of AVIF. The last line is `images_vs_libvips=<JPEG width-700 ratio>`.
#
# Usage: bench/images.sh [rounds]   (default 5; needs root for apt-get on first use)
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${1:-5}"
CORE="${BENCH_CORE:-1}"
CORPUS_SCRIPT="../shared/bench/image-corpus.sh"
export IMGBENCH_WORK="${IMGBENCH_WORK:-$HOME/.cache/broadsheet-imgbench}"

if [ ! -f "$CORPUS_SCRIPT" ]; then
  echo "bench/images.sh needs $CORPUS_SCRIPT (the shared photo corpus and libvips set-up)" >&2
  exit 1
fi
echo "Collecting the corpus and the reference tools (first run: a few minutes)..."
bash "$CORPUS_SCRIPT" >/dev/null

echo "Building the pipeline's timing harness (release)..."
cargo build --release --quiet --example image_bench

export VIPS_CONCURRENCY=1
exec taskset -c "$CORE" "$IMGBENCH_WORK/venv/bin/python" bench/images.py \
  --harness target/release/examples/image_bench --work "$IMGBENCH_WORK" --rounds "$ROUNDS"
