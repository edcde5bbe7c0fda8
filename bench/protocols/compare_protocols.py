#!/usr/bin/python3
"""The server's three front doors, measured the same way in one run.

Starts one vit-server (a ViT-S/16-sized preset by default), then alternates
`vit-client load` through vit.v1, the Open Inference Protocol over gRPC and
over HTTP (binary tensor data) for --rounds rounds, so drift on a shared
machine hits every protocol alike; prints each protocol's median throughput,
p50/p99 and its ratio to vit.v1, then runs --keepalive-clients (256) concurrent
keep-alive HTTP callers and checks that every request succeeded. Table on
stdout, JSON with --json-out.

  bench/protocols/compare_protocols.py --build build --images DIR_OR_FILES...
"""
import argparse
import glob
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

PROTOCOLS = ["vit", "oip-grpc", "oip-http"]


def cpu_description():
    model, flags = "unknown", []
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model == "unknown":
                    model = line.split(":", 1)[1].strip()
                if line.startswith("flags") and not flags:
                    flags = line.split(":", 1)[1].split()
    except OSError:
        pass
    wanted = ["avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8"]
    return model, [f for f in wanted if f in flags], os.cpu_count()


def start_server(args, model_dir, log_path):
    log = open(log_path, "w")
    cmd = [os.path.join(args.build, "bin", "vit-server"), "--model", model_dir,
           "--host", "127.0.0.1", "--port", "0", "--http-port", "0", "--metrics-port", "-1",
           "--threads", str(args.threads), "--max-queue-size", "1024",
           "--max-in-flight-requests", "1024", *args.server_arg]
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    pattern = re.compile(r"listening on [^ ]+:(\d+), metrics port -?\d+, http port (\d+)")
    deadline = time.time() + 300
    ports = None
    while time.time() < deadline:
        text = open(log_path).read()
        if ports is None:
            m = pattern.search(text)
            if m:
                ports = int(m.group(1)), int(m.group(2))
        if ports and "serving on " in text:
            return server, ports
        if server.poll() is not None:
            break
        time.sleep(0.2)
    server.kill()
    sys.exit("vit-server did not start; see " + log_path + "\n" + open(log_path).read()[-2000:])


def load(args, protocol, address, images, concurrency, duration_s):
    cmd = [os.path.join(args.build, "bin", "vit-client"), "--protocol", protocol,
           "--server", address, "load", *images, "--concurrency", str(concurrency),
           "--duration-s", str(duration_s), "--top-k", "1", "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode not in (0, 2):
        sys.exit(f"vit-client load --protocol {protocol} failed ({done.returncode}):\n"
                 f"{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout)


def error_count(report):
    """vit-client load reports errors by status code."""
    errors = report["errors"]
    return sum(errors.values()) if isinstance(errors, dict) else int(errors)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default="build", help="build folder with bin/ (default build)")
    parser.add_argument("--model", default="vit_small_patch16_224",
                        help="vit-bench preset or model folder (default vit_small_patch16_224)")
    parser.add_argument("--images", nargs="+", required=True,
                        help="image files or folders sent round-robin")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="server inference threads (default: all cores)")
    parser.add_argument("--concurrency", type=int, default=16, help="callers (default 16)")
    parser.add_argument("--duration-s", type=float, default=10.0,
                        help="seconds per protocol per round (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="alternation rounds (default 3)")
    parser.add_argument("--keepalive-clients", type=int, default=256,
                        help="concurrent keep-alive HTTP callers of the last run (default 256, 0 = skip)")
    parser.add_argument("--keepalive-duration-s", type=float, default=20.0,
                        help="seconds of the keep-alive run (default 20)")
    parser.add_argument("--server-arg", action="append", default=[],
                        help="extra vit-server flag (repeatable)")
    parser.add_argument("--json-out", help="write the results here as JSON")
    args = parser.parse_args()

    images = []
    for item in args.images:
        if os.path.isdir(item):
            images += sorted(p for p in glob.glob(os.path.join(item, "*"))
                             if p.lower().endswith((".jpg", ".jpeg", ".png")))
        else:
            images.append(item)
    if not images:
        sys.exit("no images")

    work = tempfile.mkdtemp(prefix="vit-protocols-")
    model_dir = args.model
    if not os.path.isdir(model_dir):
        subprocess.run([os.path.join(args.build, "bin", "vit-bench"), "--model", args.model,
                        "--prepare", "--preset-cache", work], check=True, capture_output=True)
        model_dir = os.path.join(work, args.model)
    server, (grpc_port, http_port) = start_server(args, model_dir, os.path.join(work, "server.log"))
    addresses = {"vit": f"127.0.0.1:{grpc_port}", "oip-grpc": f"127.0.0.1:{grpc_port}",
                 "oip-http": f"127.0.0.1:{http_port}"}
    runs = {p: [] for p in PROTOCOLS}
    try:
        for p in PROTOCOLS:  # warm-up: connections, first-run allocations
            load(args, p, addresses[p], images, args.concurrency, 2)
        for r in range(args.rounds):
            order = PROTOCOLS if r % 2 == 0 else list(reversed(PROTOCOLS))
            for p in order:
                report = load(args, p, addresses[p], images, args.concurrency, args.duration_s)
                runs[p].append(report)
                print(f"round {r + 1} {p:9s} {report['throughput_per_s']:8.2f} images/s "
                      f"p50 {report['latency_ms']['p50']:.1f} ms errors {error_count(report)}",
                      file=sys.stderr)
        keepalive = None
        if args.keepalive_clients > 0:
            keepalive = load(args, "oip-http", addresses["oip-http"], images,
                             args.keepalive_clients, args.keepalive_duration_s)
    finally:
        server.terminate()
        server.wait(timeout=60)

    model, flags, cores = cpu_description()
    base = statistics.median(r["throughput_per_s"] for r in runs["vit"])
    rows = []
    for p in PROTOCOLS:
        tput = statistics.median(r["throughput_per_s"] for r in runs[p])
        rows.append({"protocol": p, "throughput_per_s": tput, "ratio_to_vit": tput / base,
                     "p50_ms": statistics.median(r["latency_ms"]["p50"] for r in runs[p]),
                     "p99_ms": statistics.median(r["latency_ms"]["p99"] for r in runs[p]),
                     "errors": sum(error_count(r) for r in runs[p]),
                     "rounds": [r["throughput_per_s"] for r in runs[p]]})
    print(f"CPU: {model} ({cores} cores; {' '.join(flags)}); model {args.model}, "
          f"server threads {args.threads}, {args.concurrency} callers, "
          f"{args.rounds} x {args.duration_s:g} s alternated; load average "
          f"{os.getloadavg()[0]:.2f}")
    print(f"{'protocol':10s} {'images/s':>9s} {'vs vit':>7s} {'p50 ms':>8s} {'p99 ms':>8s} {'errors':>7s}")
    for row in rows:
        print(f"{row['protocol']:10s} {row['throughput_per_s']:9.2f} {row['ratio_to_vit']:7.3f} "
              f"{row['p50_ms']:8.1f} {row['p99_ms']:8.1f} {row['errors']:7d}")
    if keepalive:
        print(f"{args.keepalive_clients} keep-alive HTTP callers, {args.keepalive_duration_s:g} s: "
              f"{keepalive['ok']} ok of {keepalive['requests']}, {error_count(keepalive)} errors, "
              f"{keepalive['throughput_per_s']:.2f} images/s, p50 "
              f"{keepalive['latency_ms']['p50']:.1f} ms, p99 {keepalive['latency_ms']['p99']:.1f} ms")
    result = {"cpu": {"model": model, "flags": flags, "cores": cores},
              "host": platform.node(), "model": args.model, "threads": args.threads,
              "concurrency": args.concurrency, "rounds": args.rounds,
              "duration_s": args.duration_s, "protocols": rows, "keepalive": keepalive}
    print(json.dumps(result))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(result, f, indent=2)
    if keepalive and (error_count(keepalive) > 0 or keepalive["ok"] == 0):
        sys.exit(2)


if __name__ == "__main__":
    main()
