#!/usr/bin/env bash
# One command, same machine, same run: vit-bench (ours), PyTorch eager
# (torchvision, /usr/bin/python3; int8 = quantize_dynamic) and ONNX Runtime
# (onnxruntime-node on Debian's nodejs; fp32 and the dynamic int8 model of
# onnx_export.py) on the same ViT sizes, threads and batches, alternating
# process by process (the order rotates every round) for ROUNDS rounds so
# that background load hits every side alike; prints the median images/s of
# each, ours / theirs, and int8's speed-ups.
#
#   bench/vit/compare.sh [--build DIR] [--models a,b] [--batch 1,8] [--dtype fp32,bf16,int8]
#                        [--impls vit-serve,pytorch,onnxruntime]
#                        [--threads 2] [--rounds 3] [--runs 5] [--min-time 2]
# Raw JSON lines are kept in $OUT (default: a temp file, path printed at the end).
# ONNX Runtime is installed once with npm into $VIT_BENCH_CACHE/onnxruntime and
# the ONNX files are written into $VIT_BENCH_CACHE/onnx (default cache:
# $TMPDIR/vit-bench-presets, where vit-bench keeps its presets).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="${VIT_BUILD_DIR:-$here/../../build}"
models="vit_tiny_patch16_224,vit_small_patch16_224,vit_base_patch16_224"
batch="1,8"
dtypes="fp32,bf16,int8"
impls="vit-serve,pytorch,onnxruntime"
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
    --impls) impls="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --min-time) min_time="$2"; shift 2 ;;
    -h|--help) sed -n 2,17p "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done

bench="$build/bin/vit-bench"
[ -x "$bench" ] || { echo "compare.sh: $bench not built (cmake --build $build --target vit-bench)" >&2; exit 1; }
python=/usr/bin/python3
out="${OUT:-$(mktemp -t vit-compare.XXXXXX.jsonl)}"
: > "$out"

"$bench" --prepare --model "$models" > /dev/null
cache="${VIT_BENCH_CACHE:-${TMPDIR:-/tmp}/vit-bench-presets}"
if [[ ",$impls," == *",onnxruntime,"* ]]; then
  ort_dir="$cache/onnxruntime"
  if [ ! -d "$ort_dir/node_modules/onnxruntime-node" ]; then
    # --ignore-scripts: the package's install script only fetches the CUDA
    # provider (from nuget.org); the CPU binaries are in the npm tarball.
    npm install --silent --prefix "$ort_dir" --ignore-scripts onnxruntime-node@1.30.0 >&2
  fi
  export NODE_PATH="$ort_dir/node_modules"
  "$python" "$here/onnx_export.py" --model "$models" --out "$cache/onnx" > /dev/null
fi
common=(--batch "$batch" --threads "$threads" --runs "$runs" --min-time "$min_time")
echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "# flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx512f|avx512_bf16|avx512_vnni|avx_vnni|amx_bf16|amx_int8|amx_tile)$' | xargs)" >&2

# The command line of implementation $1 for model $2 and dtype $3, or nothing
# when that implementation has no such dtype.
command_for() {
  case "$1:$3" in
    vit-serve:*) echo "$bench --json --model $2 --dtype $3 ${common[*]}" ;;
    pytorch:fp32|pytorch:bf16|pytorch:int8)
      echo "$python $here/torch_baseline.py --model $2 --dtype $3 ${common[*]}" ;;
    onnxruntime:fp32|onnxruntime:int8)
      echo "node $here/ort_baseline.js --onnx $cache/onnx/$2.$3.onnx --model $2 --dtype $3 ${common[*]}" ;;
  esac
}

for round in $(seq 1 "$rounds"); do
  for model in ${models//,/ }; do
    for dtype in ${dtypes//,/ }; do
      # Each side in its own process (clean peak RSS); the order rotates every round.
      cmds=()
      for impl in ${impls//,/ }; do
        cmd=$(command_for "$impl" "$model" "$dtype")
        [ -n "$cmd" ] && cmds+=("$cmd")
      done
      n=${#cmds[@]}
      for i in $(seq 0 $((n - 1))); do
        # Word splitting is intended: the paths here have no spaces.
        ${cmds[$(((i + round) % n))]} >> "$out"
      done
      echo "# round $round/$rounds $model $dtype done (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    done
  done
done
"$python" "$here/summarize.py" < "$out"
echo "# raw results: $out" >&2
