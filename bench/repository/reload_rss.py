#!/usr/bin/python3
"""vit-server RSS and call-to-swap time over model reload and unload/load cycles,
under glibc malloc, jemalloc and tcmalloc (LD_PRELOAD), side by side.

For every --allocators x --modes pair it starts a fresh vit-server on a
temporary repository holding one model m (a symlink to --model-dir, by default
vit-bench --prepare's ViT-S/16-sized vit_small_patch16_224 preset) and runs
--cycles cycles:

  sighup       each cycle adds version N+1 (DIR/m/N+1, the same weights) and
               sends SIGHUP: the server loads and warms up N+1, swaps, frees N;
               the script then removes DIR/m/N. --model-control-mode none.
  unload-load  POST /v2/repository/models/m/unload (waits for "freed"), then
               POST /v2/repository/models/m/load; --model-control-mode explicit
               --load-model m --allow-model-control, the HTTP API on a free port.

After each cycle it classifies --classify-images images with vit-client (so
the new version computes between reloads), waits for VmRSS to settle and
samples /proc/PID/status (VmRSS, RssAnon, RssFile). Growth = (last cycle -
first cycle) / first cycle of VmRSS; target <= --target-pct. The reload time
is what the server logs, "model m version N: serving, X ms from the load call
to the swap" (the start-up load excluded); for unload-load the HTTP load call's
own wall time is reported too. Table on stdout, JSON with --json-out.

  /usr/bin/python3 bench/repository/reload_rss.py --bin-dir build/bin --cycles 50 \\
      --allocators glibc,jemalloc,tcmalloc --modes sighup,unload-load --json-out reload_rss.json
"""
import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from _common import (ALLOCATORS, ROOT, Server, cpu_description, cpu_line, loadavg, loadavg_text,
                     prepared_model, proc_status, settle_rss)

MODES = ("sighup", "unload-load")


def post(port, path):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
    t0 = time.time()
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            body = response.read()
    except urllib.error.HTTPError as e:
        sys.exit(f"POST {path}: HTTP {e.code}: {e.read()[:500]!r}")
    return (time.time() - t0) * 1000.0, body


def classify(args, server, images):
    if args.classify_images <= 0:
        return
    cmd = [os.path.join(args.bin_dir, "vit-client"), "--server", f"127.0.0.1:{server.grpc_port}",
           "--model", "m", "classify", *images[:args.classify_images], "--top-k", "1"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        server.kill()
        sys.exit(f"vit-client classify failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def one_pair(args, allocator, mode, model_dir, images, work):
    repo = os.path.join(work, f"repo-{allocator}-{mode}")
    os.makedirs(os.path.join(repo, "m"))
    os.symlink(model_dir, os.path.join(repo, "m", "1"))
    server_args = ["--model-repository", repo, "--host", "127.0.0.1", "--port", "0",
                   "--metrics-port", "-1", "--threads", str(args.threads), *args.server_arg]
    if mode == "sighup":
        server_args += ["--http-port", "-1", "--model-control-mode", "none"]
    else:
        server_args += ["--http-port", "0", "--model-control-mode", "explicit", "--load-model", "m",
                        "--allow-model-control"]
    log_path = os.path.join(work, f"server-{allocator}-{mode}.log")
    server = Server(os.path.join(args.bin_dir, "vit-server"), server_args, log_path,
                    preload=ALLOCATORS[allocator][0], extra_env=ALLOCATORS[allocator][1])
    classify(args, server, images)
    start = settle_rss(server.pid, args.settle_s)
    samples, http_load_ms = [], []
    t_start = time.time()
    try:
        for cycle in range(1, args.cycles + 1):
            if mode == "sighup":
                old, new = cycle, cycle + 1
                os.symlink(model_dir, os.path.join(repo, "m", str(new)))
                server.process.send_signal(signal.SIGHUP)
                server.wait_for(f"model m version {new}: serving", 1)
                server.wait_for(f"model m version {old}: freed", 1)
                os.unlink(os.path.join(repo, "m", str(old)))
            else:
                post(server.http_port, "/v2/repository/models/m/unload")
                server.wait_for("model m version 1: freed", cycle)
                ms, _ = post(server.http_port, "/v2/repository/models/m/load")
                http_load_ms.append(ms)
                server.wait_for("model m version 1: serving", cycle + 1)
            classify(args, server, images)
            status = settle_rss(server.pid, args.settle_s)
            status["cycle"] = cycle
            samples.append(status)
            if cycle == 1 or cycle % 10 == 0 or cycle == args.cycles:
                print(f"{allocator:12s} {mode:11s} cycle {cycle:3d}: VmRSS {status['VmRSS'] / 1024:7.1f} MiB"
                      f" (anon {status['RssAnon'] / 1024:.1f}, file {status['RssFile'] / 1024:.1f}); "
                      f"{loadavg_text()}", file=sys.stderr)
    finally:
        elapsed = time.time() - t_start
        rc = server.stop()
    swaps = [ms for name, version, ms in server.swap_times_ms() if name == "m"][1:]
    first, last = samples[0], samples[-1]
    peak = max(s["VmRSS"] for s in samples)
    return {"allocator": allocator, "mode": mode, "preload": ALLOCATORS[allocator][0],
            "env": ALLOCATORS[allocator][1],
            "cycles": args.cycles, "rss_start_kib": start,
            "rss_first_kib": first, "rss_last_kib": last, "rss_peak_sampled_kib": peak,
            "growth_pct": 100.0 * (last["VmRSS"] - first["VmRSS"]) / first["VmRSS"],
            "anon_growth_pct": 100.0 * (last["RssAnon"] - first["RssAnon"]) / first["RssAnon"],
            "swap_ms": swaps,
            "swap_ms_median": statistics.median(swaps) if swaps else None,
            "swap_ms_max": max(swaps) if swaps else None,
            "http_load_call_ms_median": statistics.median(http_load_ms) if http_load_ms else None,
            "http_load_call_ms_max": max(http_load_ms) if http_load_ms else None,
            "samples": samples, "server_exit": rc, "seconds": elapsed, "loadavg_end": loadavg(),
            "server_log": log_path}


def print_table(doc):
    print(cpu_line())
    print(f"model {doc['model']}; server --threads {doc['threads']}; {doc['cycles']} cycles per "
          f"row, {doc['classify_images']} images classified per cycle; now {loadavg_text()}")
    print(f"{'mode':11s} {'allocator':12s} {'start MiB':>9s} {'cycle 1':>8s} {'last':>8s} "
          f"{'growth':>7s} {'anon 1':>7s} {'anon N':>7s} {'swap ms med':>11s} {'max':>6s} "
          f"{'http load ms med':>16s} {'load avg':>8s} {'exit':>4s}")
    for r in doc["results"]:
        http = ("%.0f" % r["http_load_call_ms_median"]) if r["http_load_call_ms_median"] else "-"
        print(f"{r['mode']:11s} {r['allocator']:12s} {r['rss_start_kib']['VmRSS'] / 1024:9.1f} "
              f"{r['rss_first_kib']['VmRSS'] / 1024:8.1f} {r['rss_last_kib']['VmRSS'] / 1024:8.1f} "
              f"{r['growth_pct']:+6.1f}% {r['rss_first_kib']['RssAnon'] / 1024:7.1f} "
              f"{r['rss_last_kib']['RssAnon'] / 1024:7.1f} {r['swap_ms_median']:11.0f} "
              f"{r['swap_ms_max']:6d} {http:>16s} {r['loadavg_end'][0]:8.2f} {r['server_exit']:4d}")
    print(f"RSS = VmRSS after each cycle settled (MiB); growth = last cycle over cycle 1; target <= "
          f"{doc['target_pct']:g}%; swap ms = the server's call-to-swap time over the cycles' "
          f"loads; load avg = 1-minute load average at the row's end")


def main():
    testdata = os.environ.get("VIT_TESTDATA_DIR", os.path.join(ROOT, "..", "shared", "testdata"))
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin-dir", default=os.path.join(ROOT, "build", "bin"),
                   help="folder with vit-server, vit-client, vit-bench (default build/bin)")
    p.add_argument("--model-dir", default="vit_small_patch16_224",
                   help="model folder, or a vit-bench preset (default vit_small_patch16_224)")
    p.add_argument("--preset-cache", default="/tmp/vit-bench-presets",
                   help="vit-bench --preset-cache (default /tmp/vit-bench-presets)")
    p.add_argument("--cycles", type=int, default=50, help="cycles per allocator and mode (default 50)")
    p.add_argument("--allocators", default="glibc,jemalloc,tcmalloc",
                   help="comma-separated, of " + "; ".join(
                       f"{k} ({v[0] or 'no LD_PRELOAD'}{''.join(' ' + a + '=' + b for a, b in v[1].items())})"
                       for k, v in ALLOCATORS.items()) + " (default glibc,jemalloc,tcmalloc)")
    p.add_argument("--modes", default=",".join(MODES), help="comma-separated, of " + ", ".join(MODES))
    p.add_argument("--threads", type=int, default=2, help="server --threads (default 2)")
    p.add_argument("--classify-images", type=int, default=4,
                   help="images classified after each cycle, before the RSS sample (default 4; 0 = none)")
    p.add_argument("--images", nargs="+",
                   default=[os.path.join(testdata, "images", n) for n in
                            ("astronaut.png", "baboon.jpg", "chelsea.png", "fruits.jpg")],
                   help="images for --classify-images")
    p.add_argument("--settle-s", type=float, default=0.5,
                   help="wait after a cycle before RSS must hold still for 1 s (default 0.5)")
    p.add_argument("--target-pct", type=float, default=5.0,
                   help="largest passing VmRSS growth, last cycle over first, %% (default 5)")
    p.add_argument("--server-arg", action="append", default=[],
                   help="one more vit-server flag (repeatable)")
    p.add_argument("--json-out", help="write the results here as JSON (after every row)")
    p.add_argument("--table-from", nargs="+", metavar="JSON",
                   help="run nothing: print the table of these --json-out files' rows (in order), "
                        "e.g. of two runs or of an interrupted one")
    args = p.parse_args()
    if args.table_from:
        docs = [json.load(open(path)) for path in args.table_from]
        merged = dict(docs[0])
        merged["results"] = [r for d in docs for r in d["results"]]
        print_table(merged)
        return
    allocators = [a for a in args.allocators.split(",") if a]
    modes = [m for m in args.modes.split(",") if m]
    for a in allocators:
        if a not in ALLOCATORS:
            sys.exit(f"unknown allocator {a}")
    for m in modes:
        if m not in MODES:
            sys.exit(f"unknown mode {m}")

    work = tempfile.mkdtemp(prefix="vit-reload-rss-")
    model_dir = prepared_model(args.bin_dir, args.model_dir, args.preset_cache)
    model, flags, cores = cpu_description()
    results = []

    def document():
        return {"cpu": {"model": model, "flags": flags, "cores": cores}, "host": platform.node(),
                "model": args.model_dir, "threads": args.threads, "cycles": args.cycles,
                "classify_images": args.classify_images, "target_pct": args.target_pct,
                "results": results, "loadavg_end": loadavg()}

    for mode in modes:
        for allocator in allocators:
            r = one_pair(args, allocator, mode, model_dir, args.images, work)
            results.append(r)
            print(f"{mode} {allocator}: VmRSS cycle 1 {r['rss_first_kib']['VmRSS'] / 1024:.1f} MiB, "
                  f"cycle {args.cycles} {r['rss_last_kib']['VmRSS'] / 1024:.1f} MiB, growth "
                  f"{r['growth_pct']:+.1f}%; swap ms median {r['swap_ms_median']} max "
                  f"{r['swap_ms_max']}; {r['seconds']:.0f} s; {loadavg_text()}", file=sys.stderr)
            if args.json_out:  # after every row, so that an interrupted run keeps what it did
                with open(args.json_out, "w") as f:
                    json.dump(document(), f, indent=2)

    print_table(document())
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(document(), f, indent=2)
    ok = all(r["growth_pct"] <= args.target_pct for r in results)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
