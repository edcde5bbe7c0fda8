#!/usr/bin/python3
"""Reads the JSON lines of vit-bench, torch_baseline.py and ort_baseline.js
(several rounds of the same configurations) and prints, per model x dtype x
batch, the median images/s of each implementation over the rounds and ours /
theirs; then, per model x batch, int8's speed-ups (ours int8 over ours bf16,
over ONNX Runtime int8 and over PyTorch int8)."""
import collections
import json
import statistics
import sys

IMPLS = ("vit-serve", "pytorch", "onnxruntime")


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def main():
    runs = collections.defaultdict(list)
    rss = {}
    share = {}
    for line in sys.stdin:
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        key = (r["model"], r["dtype"], r["batch"], r["threads"], r["impl"])
        runs[key].append(r["images_per_s"])
        rss[key] = max(rss.get(key, 0), r.get("peak_rss_mib", 0))
        if "ceiling_share" in r:
            share.setdefault(key, []).append(r["ceiling_share"])
    ips = {k: median(v) for k, v in runs.items()}
    keys = sorted({k[:4] for k in runs})
    print("%-24s %-5s %5s %7s %10s %10s %10s %9s %9s %7s %6s %9s %9s" %
          ("model", "dtype", "batch", "threads", "ours", "pytorch", "ort", "ours/pt", "ours/ort",
           "ceiling", "rounds", "ours MiB", "ort MiB"))
    for k in keys:
        o, t, x = (ips.get(k + (i,), float("nan")) for i in IMPLS)
        rounds = min(len(runs.get(k + (i,), [])) for i in IMPLS if k + (i,) in runs)
        s = median(share.get(k + ("vit-serve",), []))
        print("%-24s %-5s %5d %7d %10.2f %10.2f %10.2f %8.2fx %8.2fx %6.0f%% %6d %9.0f %9.0f" %
              (k[0], k[1], k[2], k[3], o, t, x, o / t, o / x, 100 * s, rounds,
               rss.get(k + ("vit-serve",), 0), rss.get(k + ("onnxruntime",), 0)))
    pairs = sorted({(k[0], k[2], k[3]) for k in keys})
    print("\n%-24s %5s %7s %16s %15s %18s" %
          ("model", "batch", "threads", "int8/ours bf16", "int8/ort int8", "int8/pytorch int8"))
    for m, b, th in pairs:
        i8 = ips.get((m, "int8", b, th, "vit-serve"), float("nan"))
        print("%-24s %5d %7d %15.2fx %14.2fx %17.2fx" %
              (m, b, th, i8 / ips.get((m, "bf16", b, th, "vit-serve"), float("nan")),
               i8 / ips.get((m, "int8", b, th, "onnxruntime"), float("nan")),
               i8 / ips.get((m, "int8", b, th, "pytorch"), float("nan"))))


if __name__ == "__main__":
    main()
