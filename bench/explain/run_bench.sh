#!/usr/bin/env bash
# Explain vs Classify on a ViT-S/16-sized model (vit-bench's random-weight
# preset vit_small_patch16_224), model work only (no decoding, no server):
#   1. Classify's throughput before vs after the explain change: vit-bench
#      (InferenceEngine::Run) from the "before" build and from this one,
#      alternated, same machine, same run;
#   2. Explain vs Classify: vit-bench-explain (Run vs RunWithAttention + the
#      rollout of every image), interleaved per iteration.
# Prints a table, then one JSON document. The machine's model and load go
# with the numbers (shared machines: say so when reporting).
#
# Usage: bench/explain/run_bench.sh [BUILD_BIN] [BEFORE_BIN]
#   BUILD_BIN   this tree's binaries (default build/bin)
#   BEFORE_BIN  the baseline's vit-bench folder (default /work/main/build/bin)
# Env: BATCHES (1,8), DTYPE (fp32), RUNS (10), THREADS (0 = all cores).
set -euo pipefail
after=${1:-build/bin}
before=${2:-/work/main/build/bin}
batches=${BATCHES:-1,8}
dtype=${DTYPE:-fp32}
runs=${RUNS:-10}
threads=${THREADS:-0}
preset=vit_small_patch16_224
cache=${VIT_BENCH_CACHE:-${TMPDIR:-/tmp}/vit-bench-presets}
for tool in "$after/vit-bench" "$after/vit-bench-explain" "$before/vit-bench"; do
  [[ -x $tool ]] || { echo "run_bench.sh: $tool is missing (build it first)" >&2; exit 1; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$after/vit-bench" --prepare --model "$preset" --preset-cache "$cache" >/dev/null
common=(--model "$preset" --preset-cache "$cache" --batch "$batches" --dtype "$dtype"
        --threads "$threads" --runs "$runs" --min-time 0 --no-ceiling --json)
# Alternate before / after twice so that a load change hits both.
for round in 1 2; do
  "$before/vit-bench" "${common[@]}" >"$out/before.$round.jsonl"
  "$after/vit-bench" "${common[@]}" >"$out/after.$round.jsonl"
done
"$after/vit-bench-explain" --model "$cache/$preset" --batch "$batches" --dtype "$dtype" \
  --threads "$threads" --runs "$runs" --json >"$out/explain.jsonl"
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
load=$(uptime | sed 's/.*load average: //')
python3 - "$out" "$cpu" "$load" <<'PY'
import json, os, sys
out, cpu, load = sys.argv[1:4]
def rows(name):
    with open(os.path.join(out, name)) as f:
        return [json.loads(line) for line in f if line.startswith("{")]
# Classify before / after: the best (fastest) minimum over the rounds, and
# every round's median, from vit-bench.
classify = {}
for side in ("before", "after"):
    for r in rows(side + ".1.jsonl") + rows(side + ".2.jsonl"):
        entry = classify.setdefault((side, r["batch"]), {"min_ms": [], "median_images_per_s": []})
        entry["min_ms"].append(r["min_ms"])
        entry["median_images_per_s"].append(r["images_per_s"])
def best_rate(side, b):
    entry = classify.get((side, b))
    return 1000.0 * b / min(entry["min_ms"]) if entry else 0.0
explain = rows("explain.jsonl")
print("CPU: %s; load average (1, 5, 15 min) at the end: %s" % (cpu, load))
print("img/s from the fastest run (min); medians in the JSON")
print("%5s %16s %15s %13s %12s %13s %12s %7s" % (
    "batch", "classify before", "classify after", "classify ms", "explain ms",
    "classify i/s", "explain i/s", "ratio"))
result = {"cpu": cpu, "load_average": load, "rows": []}
for e in explain:
    b = e["batch"]
    c, x = e["classify_min_ms"], e["explain_min_ms"]
    print("%5d %16.2f %15.2f %13.2f %12.2f %13.2f %12.2f %7.3f" % (
        b, best_rate("before", b), best_rate("after", b), c, x, 1000.0 * b / c, 1000.0 * b / x,
        x / c))
    result["rows"].append({"batch": b,
                           "classify_before_images_per_s_best": best_rate("before", b),
                           "classify_after_images_per_s_best": best_rate("after", b),
                           "classify_before_rounds": classify.get(("before", b)),
                           "classify_after_rounds": classify.get(("after", b)),
                           "explain_over_classify_min": x / c, **e})
print(json.dumps(result))
PY
