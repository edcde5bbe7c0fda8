#!/usr/bin/env bash
# vit-score throughput against the model alone, on 1,000 generated 500x375
# JPEGs, for the default model and a random-weight ViT-S/16.
#   bench/score/run_bench.sh BUILD_DIR [WORK_DIR]
# Needs BUILD_DIR/bin/{vit-score,vit-bench-score}. Prints a Markdown table.
set -euo pipefail
build=${1:?usage: run_bench.sh BUILD_DIR [WORK_DIR]}
work=${2:-/tmp/vit-score-bench}
bin=$build/bin
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
batch=${VIT_BENCH_BATCH:-32}
images=${VIT_BENCH_IMAGES:-1000}
# Images timed by the model-only run (fewer is quicker; the rate is per image).
model_images=${VIT_BENCH_MODEL_IMAGES:-$images}
mkdir -p "$work"

[[ -f $work/images/img_00000.jpg ]] ||
  "$bin/vit-bench-score" make-images --out "$work/images" --count "$images" --width 500 --height 375
[[ -f $work/vit-s16/model.safetensors ]] ||
  "$bin/vit-bench-score" make-model --preset vit-s16 --out "$work/vit-s16"
# The embedded default model when it exists; else a random-weight model of
# its architecture (vit-train's defaults).
if [[ -n ${VIT_DEFAULT_MODEL_DIR:-} || -f $source_dir/models/vit-fashion-mnist/config.json ]]; then
  default_model=""
  default_name="default (embedded vit-fashion-mnist)"
else
  [[ -f $work/fashion-mnist/model.safetensors ]] ||
    "$bin/vit-bench-score" make-model --preset fashion-mnist --out "$work/fashion-mnist"
  default_model=$work/fashion-mnist
  default_name="default architecture (random weights; vit-fashion-mnist not trained yet)"
fi

echo "| model | model only, img/s (all rounds / best round) | vit-score, img/s | inference busy | model inside the run, img/s | vit-score / model inside the run |"
echo "|---|---|---|---|---|---|"
for entry in "default|$default_model" "ViT-S/16 (random weights)|$work/vit-s16"; do
  name=${entry%%|*}
  model=${entry#*|}
  [[ $name == default ]] && name=$default_name
  line=$("$bin/vit-bench-score" model-throughput --model "$model" --batch-size "$batch" \
    --images "$model_images")
  model_only=$(sed -n 's/^model-only: \([0-9.]*\) images\/s.*/\1/p' <<< "$line")
  model_best=$(sed -n 's/.*best round \([0-9.]*\) images\/s$/\1/p' <<< "$line")
  rm -f "$work/scores.csv"
  "$bin/vit-score" "$work/images" --model "$model" -o "$work/scores.csv" \
    --batch-size "$batch" --no-progress 2> "$work/score.log"
  scored=$(sed -n 's/.* \([0-9.]*\) images\/s, wall time.*/\1/p' "$work/score.log")
  busy=$(sed -n 's/.*inference busy \([0-9]*%\).*/\1/p' "$work/score.log")
  inside=$(sed -n 's/.*model alone in this run: \([0-9.]*\) images\/s/\1/p' "$work/score.log")
  ratio=$(awk -v a="$scored" -v b="$inside" 'BEGIN { printf "%.0f%%", 100 * a / b }')
  echo "| $name | $model_only / $model_best | $scored | $busy | $inside | $ratio |"
done
