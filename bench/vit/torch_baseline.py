#!/usr/bin/python3
"""PyTorch eager baseline for vit-bench: torchvision's VisionTransformer of the
same sizes as vit-bench's presets, random weights, inference_mode, the same
thread count; warm-up, then the median of repeated runs. Prints one JSON
object per configuration, with the same keys as `vit-bench --json`.

Run with Debian's /usr/bin/python3 (torch + torchvision)."""
import argparse
import json
import statistics
import time

import torch
from torchvision.models.vision_transformer import VisionTransformer

# vit-bench preset -> (hidden_dim, num_heads); all patch 16, 224 px, depth 12, MLP 4x.
PRESETS = {
    "vit_tiny_patch16_224": (192, 3),
    "vit_small_patch16_224": (384, 6),
    "vit_base_patch16_224": (768, 12),
}
# dtype -> the dtype of the module's parameters and input; int8 is
# torch.ao.quantization.quantize_dynamic on a float32 module (below).
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "int8": torch.float32}


def peak_rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def build(preset, dtype):
    dim, heads = PRESETS[preset]
    torch.manual_seed(0)
    model = VisionTransformer(image_size=224, patch_size=16, num_layers=12, num_heads=heads,
                              hidden_dim=dim, mlp_dim=4 * dim, num_classes=1000)
    model = model.eval().to(DTYPES[dtype])
    if dtype == "int8":
        # Dynamic quantization of every nn.Linear (s8 weights per tensor, u8
        # activations quantized per batch at run time) on the oneDNN engine.
        # torchvision's attention keeps its float in_proj and out_proj
        # (NonDynamicallyQuantizableLinear): only the MLP and the head are int8.
        engines = torch.backends.quantized.supported_engines
        torch.backends.quantized.engine = "onednn" if "onednn" in engines else engines[-1]
        model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    return model


def time_batch(model, dtype, batch, args):
    torch.manual_seed(batch)
    x = torch.randn(batch, 3, 224, 224).to(DTYPES[dtype])
    with torch.inference_mode():
        for _ in range(args.warmup):
            model(x)
        times = []
        start = time.perf_counter()
        while len(times) < args.runs or (time.perf_counter() - start < args.min_time
                                         and len(times) < 10 * args.runs):
            t0 = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - t0) * 1e3)
    median = statistics.median(times)
    backend = "eager" if dtype != "int8" else "eager-" + torch.backends.quantized.engine
    return {"impl": "pytorch", "model": args.model_name, "dtype": dtype, "backend": backend,
            "batch": batch, "threads": torch.get_num_threads(), "runs": len(times),
            "median_ms": median, "min_ms": min(times), "max_ms": max(times),
            "images_per_s": batch / (median / 1e3), "peak_rss_mib": peak_rss_mib()}


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", default="vit_base_patch16_224", help="comma-separated presets")
    p.add_argument("--batch", default="1,8,32")
    p.add_argument("--dtype", default="fp32,bf16")
    p.add_argument("--threads", type=int, default=0, help="0 = torch's default")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--min-time", type=float, default=2.0)
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    for name in args.model.split(","):
        if name not in PRESETS:
            p.error(f"unknown model {name!r}; expected one of {', '.join(PRESETS)}")
        args.model_name = name
        for dtype in args.dtype.split(","):
            model = build(name, dtype)
            for batch in [int(b) for b in args.batch.split(",")]:
                print(json.dumps(time_batch(model, dtype, batch, args)), flush=True)


if __name__ == "__main__":
    main()
