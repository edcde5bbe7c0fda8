#!/usr/bin/python3
"""Two models from one repository vs one model alone, same server, same run.

Writes a temporary repository with two models, a/ and b/, both the same
ViT-S/16-sized model folder (vit-bench --prepare's vit_small_patch16_224 preset,
random weights) under two names, starts one vit-server on it (--threads, one
inference executor shared by both models), and for --rounds rounds runs, in an
order that rotates every round:

  a     --concurrency closed-loop callers at model a only
  b     --concurrency closed-loop callers at model b only
  both  --concurrency callers at a and --concurrency callers at b at once

Each caller is `vit-client load --model NAME` (vit.v1 Classify over gRPC, one
image per call, top-1; the images of --images round-robin). The ratio of a
round is total(both) / mean(a, b): at least 0.90 means two models cost no more
than one (no oversubscription of --threads cores). It also reports the server's
CPU use (utime+stime over wall time) per run and the images per server
CPU-second (the throughput that does not depend on how much of a shared
machine the server got). Table on stdout, JSON with
--json-out; exit 1 when the median ratio is below --target.

  /usr/bin/python3 bench/repository/two_models.py --bin-dir build/bin \\
      --images ../shared/testdata/images --threads 2 --rounds 3 --json-out two_models.json
"""
import argparse
import glob
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

from _common import ROOT, Server, cpu_description, cpu_line, loadavg, loadavg_text, prepared_model


# test images that are not plain photos: an indexed 3x5 PNG, a logo, a truncated JPEG
SKIP = {"foo3x5x4indexed.png", "logo.png", "truncated.jpg"}


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def threads(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return -1


def start_load(args, address, model, images, duration_s):
    cmd = [os.path.join(args.bin_dir, "vit-client"), "--protocol", "vit", "--server", address,
           "--model", model, "load", *images, "--concurrency", str(args.concurrency),
           "--duration-s", str(duration_s), "--top-k", "1", "--json"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_load(proc, model):
    out, err = proc.communicate()
    if proc.returncode not in (0, 2):
        sys.exit(f"vit-client load --model {model} exited {proc.returncode}:\n{out}\n{err}")
    return json.loads(out)


def error_count(report):
    errors = report["errors"]
    return sum(errors.values()) if isinstance(errors, dict) else int(errors)


def run(args, server, which, images, duration_s):
    """One run: `which` is "a", "b" or "both"; returns per-model reports and server CPU."""
    models = ["a", "b"] if which == "both" else [which]
    address = f"127.0.0.1:{server.grpc_port}"
    ticks0, t0 = cpu_ticks(server.pid), time.time()
    procs = [(m, start_load(args, address, m, images, duration_s)) for m in models]
    reports = {m: finish_load(p, m) for m, p in procs}
    wall = time.time() - t0
    cores = (cpu_ticks(server.pid) - ticks0) / os.sysconf("SC_CLK_TCK") / wall
    return {"which": which,
            "total_per_s": sum(r["throughput_per_s"] for r in reports.values()),
            "per_model_per_s": {m: r["throughput_per_s"] for m, r in reports.items()},
            "p50_ms": {m: r["latency_ms"]["p50"] for m, r in reports.items()},
            "p99_ms": {m: r["latency_ms"]["p99"] for m, r in reports.items()},
            "errors": sum(error_count(r) for r in reports.values()),
            "server_cpu_cores": cores, "loadavg": loadavg()}


def main():
    testdata = os.environ.get("VIT_TESTDATA_DIR", os.path.join(ROOT, "..", "shared", "testdata"))
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin-dir", default=os.path.join(ROOT, "build", "bin"),
                   help="folder with vit-server, vit-client, vit-bench (default build/bin)")
    p.add_argument("--model", default="vit_small_patch16_224",
                   help="vit-bench preset or model folder served as both a and b "
                        "(default vit_small_patch16_224)")
    p.add_argument("--preset-cache", default="/tmp/vit-bench-presets",
                   help="vit-bench --preset-cache (default /tmp/vit-bench-presets)")
    p.add_argument("--images", nargs="+", default=[os.path.join(testdata, "images")],
                   help="image files or folders sent round-robin (default ../shared/testdata/images; in "
                        "folders, " + ", ".join(sorted(SKIP)) + " are skipped)")
    p.add_argument("--threads", type=int, default=2, help="server --threads (default 2)")
    p.add_argument("--concurrency", type=int, default=8,
                   help="closed-loop callers per model (default 8)")
    p.add_argument("--duration-s", type=float, default=10.0, help="seconds per run (default 10)")
    p.add_argument("--warmup-s", type=float, default=3.0,
                   help="untimed 'both' run before the rounds (default 3)")
    p.add_argument("--rounds", type=int, default=3, help="rounds of a, b, both (default 3)")
    p.add_argument("--target", type=float, default=0.90,
                   help="lowest passing median of total(both) / mean(a, b) (default 0.90)")
    p.add_argument("--server-arg", action="append", default=[],
                   help="one more vit-server flag, e.g. --server-arg=--dtype=fp32 (repeatable)")
    p.add_argument("--json-out", help="write the results here as JSON")
    args = p.parse_args()

    images = []
    for item in args.images:
        if os.path.isdir(item):
            images += sorted(f for f in glob.glob(os.path.join(item, "*"))
                             if f.lower().endswith((".jpg", ".jpeg", ".png"))
                             and os.path.basename(f) not in SKIP)
        else:
            images.append(item)
    if not images:
        sys.exit("no images")

    work = tempfile.mkdtemp(prefix="vit-two-models-")
    model_dir = prepared_model(args.bin_dir, args.model, args.preset_cache)
    repo = os.path.join(work, "repo")
    os.makedirs(repo)
    for name in ("a", "b"):
        os.symlink(model_dir, os.path.join(repo, name))
    server_args = ["--model-repository", repo, "--host", "127.0.0.1", "--port", "0",
                   "--http-port", "-1", "--metrics-port", "-1", "--threads", str(args.threads),
                   "--max-queue-size", "1024", "--max-in-flight-requests", "1024", "--default-model", "a",
                   *args.server_arg]
    server = Server(os.path.join(args.bin_dir, "vit-server"), server_args,
                    os.path.join(work, "server.log"))
    runs = []
    try:
        run(args, server, "both", images, args.warmup_s)
        server_threads = threads(server.pid)
        base_order = ["a", "b", "both"]
        for r in range(args.rounds):
            order = base_order[r % 3:] + base_order[:r % 3]
            for which in order:
                result = run(args, server, which, images, args.duration_s)
                result["round"] = r + 1
                runs.append(result)
                print(f"round {r + 1} {which:4s} {result['total_per_s']:8.2f} images/s "
                      f"({' '.join('%s %.2f' % kv for kv in result['per_model_per_s'].items())}) "
                      f"server cpu {result['server_cpu_cores']:.2f} cores, errors "
                      f"{result['errors']}, {loadavg_text()}", file=sys.stderr)
    finally:
        rc = server.stop()

    def of(which, r):
        return next(x for x in runs if x["which"] == which and x["round"] == r)

    rounds = []
    for r in range(1, args.rounds + 1):
        single = (of("a", r)["total_per_s"] + of("b", r)["total_per_s"]) / 2
        rounds.append({"round": r, "a": of("a", r)["total_per_s"], "b": of("b", r)["total_per_s"],
                       "both": of("both", r)["total_per_s"],
                       "both_a": of("both", r)["per_model_per_s"]["a"],
                       "both_b": of("both", r)["per_model_per_s"]["b"],
                       "ratio": of("both", r)["total_per_s"] / single})
    med = {k: statistics.median(x[k] for x in rounds) for k in ("a", "b", "both", "ratio")}
    cpu = {w: statistics.median(x["server_cpu_cores"] for x in runs if x["which"] == w)
           for w in ("a", "b", "both")}
    # images per CPU-second the server got: throughput independent of how much of the
    # shared machine the server was given during the run
    per_cpu = {w: statistics.median(x["total_per_s"] / x["server_cpu_cores"] for x in runs
                                    if x["which"] == w and x["server_cpu_cores"] > 0)
               for w in ("a", "b", "both")}
    model, flags, cores = cpu_description()
    print(cpu_line())
    print(f"model {args.model} served as a and b; server --threads {args.threads} "
          f"({server_threads} server threads), {args.concurrency} callers per model, "
          f"{args.rounds} rounds x {args.duration_s:g} s, order rotated; {loadavg_text()}")
    print(f"{'round':>5s} {'a alone':>9s} {'b alone':>9s} {'both':>9s} {'(a + b)':>17s} "
          f"{'both/mean(alone)':>17s}")
    for x in rounds:
        print(f"{x['round']:5d} {x['a']:9.2f} {x['b']:9.2f} {x['both']:9.2f} "
              f"{'(%.2f + %.2f)' % (x['both_a'], x['both_b']):>17s} {x['ratio']:17.3f}")
    print(f"{'med':>5s} {med['a']:9.2f} {med['b']:9.2f} {med['both']:9.2f} {'':17s} "
          f"{med['ratio']:17.3f}")
    print(f"images/s; server CPU (cores, median): a {cpu['a']:.2f}, b {cpu['b']:.2f}, "
          f"both {cpu['both']:.2f}; images per server CPU-second (median): a {per_cpu['a']:.1f}, "
          f"b {per_cpu['b']:.1f}, both {per_cpu['both']:.1f}")
    print(f"errors {sum(x['errors'] for x in runs)}; "
          f"target both/mean(alone) >= {args.target:.2f}: "
          f"{'met' if med['ratio'] >= args.target else 'NOT met'}")
    result = {"cpu": {"model": model, "flags": flags, "cores": cores}, "host": platform.node(),
              "model": args.model, "threads": args.threads, "server_threads": server_threads,
              "concurrency_per_model": args.concurrency, "duration_s": args.duration_s,
              "rounds": rounds, "median": med, "server_cpu_cores_median": cpu,
              "images_per_server_cpu_s_median": per_cpu, "runs": runs,
              "errors": sum(x["errors"] for x in runs), "target": args.target,
              "met": med["ratio"] >= args.target, "server_exit": rc, "loadavg_end": loadavg(),
              "server_log": server.log_path}
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(result, f, indent=2)
    sys.exit(0 if result["met"] and result["errors"] == 0 else 1)


if __name__ == "__main__":
    main()
