#!/usr/bin/python3
"""Reads the JSON lines of vit-bench and torch_baseline.py (several rounds of
the same configurations) and prints, per model x dtype x batch, the median
images/s of each side over the rounds and ours / PyTorch."""
import collections
import json
import statistics
import sys


def main():
    runs = collections.defaultdict(list)
    rss = {}
    for line in sys.stdin:
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        key = (r["model"], r["dtype"], r["batch"], r["threads"])
        runs[key + (r["impl"],)].append(r["images_per_s"])
        rss[key + (r["impl"],)] = max(rss.get(key + (r["impl"],), 0), r.get("peak_rss_mib", 0))
    keys = sorted({k[:4] for k in runs})
    header = ("model", "dtype", "batch", "threads", "ours img/s", "pytorch img/s", "ours/pytorch",
              "rounds", "ours MiB", "pytorch MiB")
    print("%-24s %-5s %5s %7s %11s %14s %13s %6s %9s %11s" % header)
    for k in keys:
        ours = runs.get(k + ("vit-serve",), [])
        theirs = runs.get(k + ("pytorch",), [])
        o = statistics.median(ours) if ours else float("nan")
        t = statistics.median(theirs) if theirs else float("nan")
        ratio = o / t if ours and theirs else float("nan")
        print("%-24s %-5s %5d %7d %11.2f %14.2f %12.2fx %6d %9.0f %11.0f" %
              (k[0], k[1], k[2], k[3], o, t, ratio, min(len(ours), len(theirs)),
               rss.get(k + ("vit-serve",), 0), rss.get(k + ("pytorch",), 0)))


if __name__ == "__main__":
    main()
