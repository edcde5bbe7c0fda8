#!/usr/bin/env bash
# One command, same machine, same run: vit-bench (ours) and PyTorch eager
# (torchvision, /usr/bin/python3) on the same ViT sizes, threads and batches,
# alternating process by process for ROUNDS rounds so that background load
# hits both sides alike; prints the median images/s of each and ours/PyTorch.
#
#   bench/vit/compare.sh [--build DIR] [--models a,b] [--batch 8] [--dtype fp32,bf16]
#                        [--threads 2] [--rounds 3] [--runs 5] [--min-time 2]
# Raw JSON lines are kept in $OUT (default: a temp file, path printed at the end).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="${VIT_BUILD_DIR:-$here/../../build}"
models="vit_tiny_patch16_224,vit_small_patch16_224,vit_base_patch16_224"
batch="8"
dtypes="fp32,bf16"
threads=2
rounds=3
runs=5
min_time=2
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --dtype) dtypes="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --min-time) min_time="$2"; shift 2 ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done

bench="$build/bin/vit-bench"
[ -x "$bench" ] || { echo "compare.sh: $bench not built (cmake --build $build --target vit-bench)" >&2; exit 1; }
python=/usr/bin/python3
out="${OUT:-$(mktemp -t vit-compare.XXXXXX.jsonl)}"
: > "$out"

"$bench" --prepare --model "$models" > /dev/null
common=(--batch "$batch" --threads "$threads" --runs "$runs" --min-time "$min_time")
echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for round in $(seq 1 "$rounds"); do
  for model in ${models//,/ }; do
    for dtype in ${dtypes//,/ }; do
      # Each side in its own process (clean peak RSS); order flips every round.
      ours=("$bench" --json --model "$model" --dtype "$dtype" "${common[@]}")
      theirs=("$python" "$here/torch_baseline.py" --model "$model" --dtype "$dtype" "${common[@]}")
      if [ $((round % 2)) -eq 1 ]; then
        "${ours[@]}" >> "$out"; "${theirs[@]}" >> "$out"
      else
        "${theirs[@]}" >> "$out"; "${ours[@]}" >> "$out"
      fi
      echo "# round $round/$rounds $model $dtype done" >&2
    done
  done
done
"$python" "$here/summarize.py" < "$out"
echo "# raw results: $out" >&2
