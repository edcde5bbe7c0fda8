#!/usr/bin/python3
"""Where one ViT forward spends its time: vit-serve's fast path and PyTorch eager,
measured one after the other in the same run.

Ours: `vit-bench` with ONEDNN_VERBOSE=1, which times every oneDNN primitive it
executes (all our matmuls, with their fused bias/GELU/residual epilogues, and the
softmax); the rest of the forward (LayerNorm, bf16 conversion, token assembly, the
head) is the median forward time minus the primitives. PyTorch: torchvision's
VisionTransformer under torch.autograd.profiler, self CPU time per aten op.

Prints a table of milliseconds per forward and shares, then one JSON object per side.
Run with Debian's /usr/bin/python3 (torch + torchvision):

  bench/vit/profile.py --build build --model vit_base_patch16_224 --dtype bf16 --batch 8
"""
import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# aten ops (self time) -> category; everything else is "other".
TORCH_CATEGORIES = {
    "aten::addmm": "matmul (linear)",
    "aten::mm": "matmul (linear)",
    "aten::mkldnn_convolution": "matmul (linear)",  # the patch embedding
    "aten::bmm": "matmul (attention)",
    "aten::baddbmm": "matmul (attention)",
    "aten::_softmax": "softmax",
    "aten::native_layer_norm": "layer norm",
    "aten::gelu": "gelu",
    "aten::_transform_bias_rescale_qkv": "qkv bias/rescale",
    "aten::copy_": "copies",
    "aten::add": "residual add",
    "aten::add_": "residual add",
}


def classify_dnnl(fields):
    """Category of one `onednn_verbose,exec,...` line (oneDNN 2.x field order)."""
    primitive, attrs, problem = fields[3], fields[7], fields[9]
    if primitive == "softmax_v2" or primitive == "softmax":
        return "softmax"
    if primitive != "matmul":
        return primitive
    if problem.count("x") > 4:  # [images, heads, tokens, ...]: q.k^T or p.v
        return "matmul (attention)"
    if "eltwise_gelu" in attrs:
        return "matmul (linear, +GELU)"
    return "matmul (linear)"


def profile_ours(args):
    bench = os.path.join(args.build, "bin", "vit-bench")
    if not os.access(bench, os.X_OK):
        sys.exit(f"profile.py: {bench} not built (cmake --build {args.build} --target vit-bench)")
    cmd = [bench, "--json", "--model", args.model, "--dtype", args.dtype, "--batch",
           str(args.batch), "--threads", str(args.threads), "--warmup", "1", "--runs",
           str(args.runs), "--min-time", "0"]
    env = dict(os.environ, ONEDNN_VERBOSE="1", DNNL_VERBOSE="1")
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    result, execs = None, []
    for line in out.splitlines():
        if line.startswith("{"):
            result = json.loads(line)
        elif line.startswith(("onednn_verbose,exec", "dnnl_verbose,exec")):
            fields = line.split(",")
            if fields[3] == "reorder":
                continue  # weight packing at load time, not part of a forward
            execs.append((classify_dnnl(fields), float(fields[-1])))
    if result is None:
        sys.exit("profile.py: vit-bench printed no JSON result:\n" + out[-2000:])
    # Every forward executes the same primitives: drop the warm-up's share.
    forwards = 1 + result["runs"]
    if not execs or len(execs) % forwards:
        sys.exit(f"profile.py: {len(execs)} oneDNN executions do not split into {forwards} forwards")
    times = collections.Counter()
    for category, ms in execs[len(execs) // forwards:]:
        times[category] += ms / result["runs"]
    per_forward = dict(times)
    # vit-bench reports the median of the timed runs; close to their mean here.
    forward_ms = result["median_ms"]
    per_forward["outside oneDNN (LayerNorm, conversions, head)"] = max(
        0.0, forward_ms - sum(per_forward.values()))
    return {"impl": "ours", "forward_ms": forward_ms, "categories": per_forward}


def profile_torch(args):
    import torch
    sys.path.insert(0, HERE)
    from torch_baseline import build

    torch.set_num_threads(args.threads)
    model = build(args.model, args.dtype)
    x = torch.randn(args.batch, 3, 224, 224).to(model.conv_proj.weight.dtype)
    times = []
    with torch.inference_mode():
        model(x)  # warm-up
        with torch.autograd.profiler.profile() as prof:
            for _ in range(args.runs):
                t0 = time.perf_counter()
                model(x)
                times.append((time.perf_counter() - t0) * 1e3)
    categories = collections.Counter()
    for event in prof.key_averages():
        category = TORCH_CATEGORIES.get(event.key, "other")
        categories[category] += event.self_cpu_time_total / 1e3 / args.runs
    return {"impl": "pytorch", "forward_ms": statistics.median(times),
            "categories": dict(categories)}


def print_table(sides, args):
    print(f"# {args.model} {args.dtype} batch {args.batch}, {args.threads} threads, "
          f"ms per forward ({args.runs} profiled runs per side)")
    names = sorted({k for s in sides for k in s["categories"]},
                   key=lambda k: -max(s["categories"].get(k, 0.0) for s in sides))
    print(f"{'category':48s}" + "".join(f"{s['impl']:>12s} {'share':>6s}" for s in sides))
    for name in names:
        row = f"{name:48s}"
        for s in sides:
            ms = s["categories"].get(name, 0.0)
            total = sum(s["categories"].values())
            row += f"{ms:12.1f} {100 * ms / total:5.1f}%"
        print(row)
    print(f"{'total (profiled)':48s}" +
          "".join(f"{sum(s['categories'].values()):12.1f} {'':6s}" for s in sides))
    print(f"{'forward, wall clock':48s}" +
          "".join(f"{s['forward_ms']:12.1f} {'':6s}" for s in sides))
    if len(sides) == 2:
        ours, theirs = sides
        mm = lambda s: sum(v for k, v in s["categories"].items() if k.startswith("matmul"))
        print(f"PyTorch/ours forward: {theirs['forward_ms'] / ours['forward_ms']:.2f}x; "
              f"PyTorch/ours matmul time: {mm(theirs) / mm(ours):.2f}x; "
              f"PyTorch's matmul share: {100 * mm(theirs) / sum(theirs['categories'].values()):.0f}%")


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=os.path.join(HERE, "..", "..", "build"),
                   help="build folder holding bin/vit-bench")
    p.add_argument("--model", default="vit_base_patch16_224", help="vit-bench preset")
    p.add_argument("--dtype", default="bf16", choices=["fp32", "bf16"], help="weights and activations")
    p.add_argument("--batch", type=int, default=8, help="images per forward")
    p.add_argument("--threads", type=int, default=2, help="intra-op threads on both sides")
    p.add_argument("--runs", type=int, default=3, help="profiled forwards per side")
    p.add_argument("--json", action="store_true", help="print only the JSON lines")
    args = p.parse_args()
    sides = [profile_ours(args), profile_torch(args)]
    for side in sides:
        side.update(model=args.model, dtype=args.dtype, batch=args.batch, threads=args.threads)
    if not args.json:
        print_table(sides, args)
    for side in sides:
        print(json.dumps(side))


if __name__ == "__main__":
    main()
