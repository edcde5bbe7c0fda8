#!/usr/bin/env bash
# Runs every libFuzzer harness built in BUILD_DIR/bin for SECONDS each (default
# 60) on seed corpora made in a temporary folder from ../shared/testdata/images
# (or $VIT_TESTDATA_DIR), the fixture model folders (../shared/fixtures or
# $VIT_FIXTURES_DIR), the embedded default model, tests/model/data/pth and a
# few serialized ClassifyRequests (made with Debian's python3 + PIL, or
# $VIT_SYSTEM_PYTHON). Fails when any harness crashes, leaks, times
# out or runs out of memory; the input is kept under $VIT_FUZZ_ARTIFACTS (default
# BUILD_DIR/fuzz-artifacts). Fix the bug, then keep the input as a regression:
#   cp BUILD_DIR/fuzz-artifacts/<harness>/crash-* fuzz/regressions/<harness>/
# $VIT_FUZZ_JOBS harnesses run at once (default: one per core).
# Usage: fuzz/run_fuzzers.sh BUILD_DIR [SECONDS]
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR [SECONDS]" >&2
  exit 1
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
seconds=${2:-60}
fixtures=${VIT_FIXTURES_DIR:-$root/../shared/fixtures}
images=${VIT_TESTDATA_DIR:-$root/../shared/testdata}/images
artifacts=${VIT_FUZZ_ARTIFACTS:-$build/fuzz-artifacts}
# Known leaks outside our code (see the file); stack traces for UBSan reports.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/sanitizers/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Seeds larger than this are skipped: mutating megabytes makes each run slow.
max_seed_bytes=1400000
"${VIT_SYSTEM_PYTHON:-/usr/bin/python3}" - "$work/seeds" "$fixtures" "$images" "$root" "$max_seed_bytes" <<'PY'
import glob, os, struct, sys
seeds, fixtures, images, root, max_bytes = sys.argv[1:4] + [sys.argv[4], int(sys.argv[5])]

def put(harness, name, data):
    if len(data) > max_bytes:
        return
    os.makedirs(os.path.join(seeds, harness), exist_ok=True)
    with open(os.path.join(seeds, harness, name), "wb") as f:
        f.write(data)

def read(path):
    with open(path, "rb") as f:
        return f.read()

def block(data):
    return struct.pack("<I", len(data)) + data

image_files = sorted(glob.glob(os.path.join(images, "*")))
for path in image_files:
    put("fuzz_image_preprocess", os.path.basename(path), read(path))
# Small images in every format and mode the decoder handles: small inputs run
# fast and reach the format-specific paths (EXIF orientation, 16-bit, palette,
# CMYK, alpha) that the test images alone do not.
import io
from PIL import Image
small = []
for path in image_files[:4]:
    try:
        with Image.open(path) as im:
            im.load()
            small.append((os.path.basename(path), im.convert("RGB").resize((40, 30))))
    except OSError:
        pass  # truncated.jpg and friends: kept above as they are
exif = Image.Exif()
exif[0x0112] = 6  # orientation: rotate 90
variants = [
    ("png", lambda im: im, {}),
    ("jpg", lambda im: im, {"exif": exif.tobytes()}),
    ("progressive.jpg", lambda im: im, {"progressive": True}),
    ("cmyk.jpg", lambda im: im.convert("CMYK"), {"format": "JPEG"}),
    ("gray.png", lambda im: im.convert("L"), {}),
    ("16bit.png", lambda im: im.convert("I;16"), {"format": "PNG"}),
    ("rgba.png", lambda im: im.convert("RGBA"), {}),
    ("palette.png", lambda im: im.convert("P"), {"transparency": 0}),
    ("bmp", lambda im: im, {}),
    ("webp", lambda im: im, {"exif": exif.tobytes()}),
    ("tiff", lambda im: im, {}),
    ("ppm", lambda im: im, {}),
    ("pgm", lambda im: im.convert("L"), {"format": "PPM"}),
    ("jp2", lambda im: im, {}),
]
for base, im in small:
    for suffix, convert, options in variants:
        options = dict(options)
        fmt = options.pop("format", None) or Image.registered_extensions().get("." + suffix.split(".")[-1])
        out = io.BytesIO()
        try:
            convert(im).save(out, format=fmt, **options)
        except (OSError, KeyError, ValueError):
            continue  # a format this PIL build cannot write
        put("fuzz_image_preprocess", base + "-small." + suffix, out.getvalue())

model_dirs = sorted(d for d in glob.glob(os.path.join(fixtures, "*")) if os.path.isdir(d))
model_dirs.append(os.path.join(root, "models", "vit-fashion-mnist"))
for folder in model_dirs:
    name = os.path.basename(folder)
    for path in sorted(glob.glob(os.path.join(folder, "*.safetensors"))):
        put("fuzz_safetensors", name + "-" + os.path.basename(path), read(path))
    config = os.path.join(folder, "config.json")
    pre = os.path.join(folder, "preprocessor_config.json")
    header = block(read(config) if os.path.exists(config) else b"")
    header += block(read(pre) if os.path.exists(pre) else b"")
    for weights, kind in (("model.safetensors", b"\0"), ("model.pth", b"\1")):
        path = os.path.join(folder, weights)
        if os.path.exists(path):
            put("fuzz_checkpoint_loader", name + "-" + weights, kind + header + read(path))
# The .pth reader's malformed-file corpus, behind a torchvision config.
torchvision_config = os.path.join(fixtures, "torchvision_vit_patch16_224", "config.json")
if os.path.exists(torchvision_config):
    header = block(read(torchvision_config)) + block(b"")
    for path in sorted(glob.glob(os.path.join(root, "tests", "model", "data", "pth", "*.pth"))):
        put("fuzz_checkpoint_loader", "pth-" + os.path.basename(path), b"\1" + header + read(path))

# vit.v1.ClassifyRequest by hand: image = 1 (bytes), top_k = 2, model = 3, request_id = 4.
def varint(n):
    out = b""
    while True:
        byte, n = n & 0x7F, n >> 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out

def request(image, top_k=0, model=b"", request_id=0):
    out = b"\x0a" + varint(len(image)) + image
    if top_k:
        out += b"\x10" + varint(top_k & 0xFFFFFFFFFFFFFFFF)
    if model:
        out += b"\x1a" + varint(len(model)) + model
    if request_id:
        out += b"\x20" + varint(request_id)
    return out

small_images = [p for p in image_files if os.path.getsize(p) <= 100000]
for i, path in enumerate(small_images):
    image = read(path)
    base = os.path.basename(path)
    put("fuzz_classify_request", base + "-default", request(image))
    put("fuzz_classify_request", base + "-top3", request(image, 3, b"vit-fashion-mnist", i + 1))
put("fuzz_classify_request", "bad-top-k", request(read(small_images[0]), -1))
put("fuzz_classify_request", "unknown-model", request(read(small_images[0]), 1, b"other"))
put("fuzz_classify_request", "empty-image", request(b""))

# Open Inference Protocol REST bodies: byte 0 = 0 (all JSON) or 1 + a 2-byte
# little-endian Inference-Header-Content-Length, then the body.
import json
def infer_json(body):
    put("fuzz_http_infer_request", body[0], b"\0" + json.dumps(body[1]).encode())

def infer_binary(name, header, blob):
    text = json.dumps(header).encode()
    put("fuzz_http_infer_request", name, b"\1" + struct.pack("<H", len(text)) + text + blob)

pixels = {"name": "pixel_values", "datatype": "FP32", "shape": [1, 3, 2, 2]}
infer_json(("fp32-flat", {"id": "1", "inputs": [dict(pixels, data=[0.5] * 12)]}))
infer_json(("fp32-nested", {"inputs": [dict(pixels, data=[[[[1, 2], [3, 4]]] * 3])],
                             "outputs": [{"name": "logits"},
                                         {"name": "probabilities", "parameters": {"classification": 2}}]}))
infer_json(("bytes-json", {"inputs": [{"name": "image", "datatype": "BYTES", "shape": [2, 1],
                                       "data": [["a\u00e9"], ["\"b\""]]}],
                           "parameters": {"binary_data_output": True}}))
infer_json(("shape-mismatch", {"inputs": [dict(pixels, data=[1.0] * 11)]}))
blob = struct.pack("<12f", *range(12))
infer_binary("fp32-binary", {"inputs": [dict(pixels, parameters={"binary_data_size": len(blob)})],
                             "outputs": [{"name": "embedding", "parameters": {"binary_data": True}}]},
             blob)
image = read(small_images[0]) if small_images else b"\xff\xd8\xff"
elements = block(image[:2000]) + block(b"")
infer_binary("bytes-binary", {"inputs": [{"name": "image", "datatype": "BYTES", "shape": [2],
                                          "parameters": {"binary_data_size": len(elements)}}]},
             elements)
PY

mkdir -p "$artifacts"
harnesses=(fuzz_image_preprocess fuzz_safetensors fuzz_checkpoint_loader fuzz_classify_request
  fuzz_http_infer_request)
for harness in "${harnesses[@]}"; do
  if [ ! -x "$build/bin/$harness" ]; then
    echo "run_fuzzers: $build/bin/$harness is missing (configure with -DVIT_FUZZ=ON and build vit_fuzzers)" >&2
    exit 1
  fi
done

# Runs one harness; its output goes to $work/<harness>.log, a failure to $work/failed.
run_harness() {
  local harness=$1 max_len=$max_seed_bytes
  # Images and requests: up to 256 KiB (most test images); checkpoints need
  # the small fixture models whole.
  case $harness in
    fuzz_image_preprocess | fuzz_classify_request) max_len=262144 ;;
    # Request bodies: small ones reach every branch of the parser.
    fuzz_http_infer_request) max_len=65536 ;;
  esac
  mkdir -p "$work/corpus/$harness" "$artifacts/$harness"
  # -rss_limit_mb / -malloc_limit_mb: no single input may take gigabytes;
  # -timeout: none may take more than 30 s (a hang is a finding too).
  if ! "$build/bin/$harness" "$work/corpus/$harness" "$work/seeds/$harness" \
      -max_total_time="$seconds" -max_len=$max_len -rss_limit_mb=2560 \
      -malloc_limit_mb=1024 -timeout=30 -print_final_stats=1 \
      -artifact_prefix="$artifacts/$harness/" > "$work/$harness.log" 2>&1; then
    echo "$harness" >> "$work/failed"
  fi
}

# VIT_FUZZ_JOBS harnesses at a time (default: one per core).
jobs_max=${VIT_FUZZ_JOBS:-$(nproc)}
for harness in "${harnesses[@]}"; do
  echo "== $harness: ${seconds} s, seeds: $(ls "$work/seeds/$harness" | wc -l)"
  run_harness "$harness" &
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
done
wait
for harness in "${harnesses[@]}"; do
  echo "== $harness"
  if grep -qx "$harness" "$work/failed" 2> /dev/null; then
    tail -n 60 "$work/$harness.log"
  else
    grep -E "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)" \
      "$work/$harness.log" || true
  fi
done
if [ -s "$work/failed" ]; then
  echo "run_fuzzers: FAILED: $(tr '\n' ' ' < "$work/failed"); inputs under $artifacts" >&2
  exit 1
fi
echo "run_fuzzers: no findings in ${seconds} s per harness"
