#!/usr/bin/env python3
"""Soak test of vit-server: a sustained mix of valid images, corrupt bytes,
oversized images, tight deadlines and client cancellations from
`vit-client load --mix`, against the embedded default model.

Fails (exit 1) on a server crash or unclean exit, any lost response, any
answer with the wrong status for its kind, a request still in flight on the
server after the load, or resident memory growing by 5% or more between the
end of the warm-up and the end of the run. Prints a table and one JSON line
(prefixed "SOAK_JSON ").

    python3 bench/soak/run_soak.py --duration-s 600          # the long run
    python3 bench/soak/run_soak.py --duration-s 30 --warmup-s 15   # CI
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse_args():
    testdata = os.environ.get("VIT_TESTDATA_DIR", os.path.join(ROOT, "..", "shared", "testdata"))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration-s", type=float, default=600, help="measured run after the warm-up (default 600)")
    p.add_argument("--warmup-s", type=float, default=None,
                   help="warm-up load before the first memory sample (default: 10%% of the run, 10..60 s)")
    p.add_argument("--server-binary", default=os.path.join(ROOT, "build", "bin", "vit-server"))
    p.add_argument("--client-binary", default=os.path.join(ROOT, "build", "bin", "vit-client"))
    p.add_argument("--images-dir", default=os.path.join(testdata, "images"),
                   help="valid images are those of this folder the server classifies")
    p.add_argument("--concurrency", type=int, default=8, help="vit-client load callers (default 8)")
    p.add_argument("--mix", default="valid=60,corrupt=10,oversized=10,deadline=10,cancel=10",
                   help="vit-client load --mix (default %(default)s)")
    p.add_argument("--max-pixels", type=int, default=1_000_000,
                   help="the server's --max-pixels (default 1000000)")
    p.add_argument("--oversized-side", type=int, default=1100,
                   help="side of the oversized PNG; side^2 > --max-pixels (default 1100)")
    p.add_argument("--max-in-flight-requests", type=int, default=6,
                   help="the server's --max-in-flight-requests; below --concurrency so that some "
                        "requests meet a full server and must get RESOURCE_EXHAUSTED at once (default 6)")
    p.add_argument("--server-arg", action="append", default=[],
                   help="one more vit-server argument, e.g. --server-arg=--threads=2 (repeatable)")
    p.add_argument("--rss-growth-limit", type=float, default=0.05,
                   help="largest allowed (end - start) / start of VmRSS (default 0.05)")
    p.add_argument("--sample-s", type=float, default=5.0, help="RSS sampling interval (default 5)")
    p.add_argument("--log", default=None,
                   help="server log file (default: /tmp/vit-soak-PID.log, removed after a passing run)")
    return p.parse_args()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for pid %d" % pid)


def metrics(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return r.read().decode()


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None


def classify_counts(text):
    counts = {}
    for m in re.finditer(r'^vit_requests_total\{protocol="vit",method="Classify",code="([A-Z_]+)"(?:,model="[^"]*")?\} (\d+)$', text, re.M):
        counts[m.group(1)] = counts.get(m.group(1), 0) + int(m.group(2))
    return counts


def start_server(args, log_path):
    log = open(log_path, "w")
    cmd = [args.server_binary, "--host", "127.0.0.1", "--port", "0", "--metrics-port", "0", "--http-port", "-1",
           "--max-pixels", str(args.max_pixels),
           "--max-in-flight-requests", str(args.max_in_flight_requests), *args.server_arg]
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    pattern = re.compile(r"vit-server listening on [^ ]+:(\d+), metrics port (-?\d+)")
    for _ in range(600):
        with open(log_path) as f:
            m = pattern.search(f.read())
        if m:
            return server, int(m.group(1)), int(m.group(2))
        if server.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError("vit-server did not start; see " + log_path)


def client(args, address, *rest, **kw):
    return subprocess.run([args.client_binary, "--server", address, *rest], capture_output=True, text=True, **kw)


def run_load(args, address, duration_s, seed):
    return subprocess.Popen([args.client_binary, "--server", address, "--timeout-ms", "30000", "load",
                             *args.valid_images, "--mix", args.mix, "--concurrency", str(args.concurrency),
                             "--duration-s", str(duration_s), "--oversized-side", str(args.oversized_side),
                             "--seed", str(seed), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_load(proc, name, failures):
    out, err = proc.communicate()
    if proc.returncode not in (0, 2):
        failures.append(f"{name}: vit-client load exited {proc.returncode}: {err.strip()}")
        return None
    try:
        return json.loads(out)
    except ValueError:
        failures.append(f"{name}: vit-client load printed no JSON: {out[-500:]} {err[-500:]}")
        return None


def main():
    args = parse_args()
    if args.warmup_s is None:
        args.warmup_s = min(60.0, max(10.0, 0.1 * args.duration_s))
    log_path = args.log or f"/tmp/vit-soak-{os.getpid()}.log"
    failures = []
    server, port, metrics_port = start_server(args, log_path)
    address = f"127.0.0.1:{port}"
    try:
        for _ in range(1200):
            if client(args, address, "health").returncode == 0:
                break
            if server.poll() is not None:
                raise RuntimeError("vit-server exited while loading; see " + log_path)
            time.sleep(0.1)
        images = sorted(os.path.join(args.images_dir, n) for n in os.listdir(args.images_dir))
        args.valid_images = [i for i in images if client(args, address, "classify", i).returncode == 0]
        if not args.valid_images:
            raise RuntimeError("no image of %s classifies" % args.images_dir)
        before = classify_counts(metrics(metrics_port))

        warmup = finish_load(run_load(args, address, args.warmup_s, seed=1), "warm-up", failures)
        rss_start = rss_kib(server.pid)
        rss_max = rss_start
        start = time.time()
        load = run_load(args, address, args.duration_s, seed=2)
        while load.poll() is None:
            time.sleep(min(args.sample_s, 0.5) if time.time() - start < 1 else args.sample_s)
            if server.poll() is not None:
                break
            rss_max = max(rss_max, rss_kib(server.pid))
        report = finish_load(load, "soak", failures)
        alive = server.poll() is None
        if not alive:
            failures.append(f"vit-server died during the soak (exit {server.returncode}); see {log_path}")
        rss_end = rss_kib(server.pid) if alive else 0

        in_flight = None
        server_counted = {}
        if alive:
            for _ in range(100):  # server-side cancellations finish asynchronously
                text = metrics(metrics_port)
                in_flight = metric(text, "vit_requests_in_flight")
                if in_flight == 0:
                    break
                time.sleep(0.1)
            after = classify_counts(text)
            server_counted = {c: n - before.get(c, 0) for c, n in after.items() if n - before.get(c, 0)}
            if in_flight != 0:
                failures.append(f"{in_flight} request(s) still in flight on the server after the load")
            if client(args, address, "health").returncode != 0:
                failures.append("health is not SERVING after the soak")
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    if server.returncode != 0:
        failures.append(f"vit-server exited {server.returncode} on SIGTERM; see {log_path}")

    sent = answered = lost = wrong = 0
    kinds, codes = {}, {}
    for r in (warmup, report):
        if r is None:
            continue
        lost += r["lost"]
        wrong += r["wrong"]
        for name, k in r["kinds"].items():
            total = kinds.setdefault(name, {"sent": 0, "answered": 0, "wrong": 0, "codes": {}})
            for field in ("sent", "answered", "wrong"):
                total[field] += k[field]
            for code, n in k["codes"].items():
                total["codes"][code] = total["codes"].get(code, 0) + n
                codes[code] = codes.get(code, 0) + n
    sent = sum(k["sent"] for k in kinds.values())
    answered = sum(k["answered"] for k in kinds.values())
    if lost:
        failures.append(f"{lost} lost response(s)")
    if wrong:
        failures.append(f"{wrong} answer(s) with the wrong status for their kind")
    # Requests the client gave up on before sending (cancelled, 1 ms deadlines)
    # may never reach the server; every other one must be counted there.
    unsendable = sum(kinds.get(k, {}).get("sent", 0) for k in ("cancel", "deadline"))
    server_total = sum(server_counted.values())
    if alive and not (sent - unsendable <= server_total <= sent):
        failures.append(f"the server counted {server_total} Classify calls; the client sent {sent} "
                        f"({unsendable} of them cancellable before reaching it)")
    growth = (rss_end - rss_start) / rss_start if rss_start and rss_end else None
    if growth is None or growth >= args.rss_growth_limit:
        failures.append(f"resident memory grew {growth if growth is None else round(100 * growth, 2)}% "
                        f"(limit {100 * args.rss_growth_limit}%)")

    print(f"soak: {args.warmup_s:.0f} s warm-up + {args.duration_s:.0f} s, concurrency {args.concurrency}, "
          f"server --max-in-flight-requests {args.max_in_flight_requests}, mix {args.mix}, "
          f"{len(args.valid_images)} valid images")
    print(f"{'kind':<10} {'sent':>8} {'answered':>9} {'wrong':>6}  codes")
    for name in sorted(kinds):
        k = kinds[name]
        print(f"{name:<10} {k['sent']:>8} {k['answered']:>9} {k['wrong']:>6}  "
              + " ".join(f"{c}={n}" for c, n in sorted(k["codes"].items())))
    print(f"{'total':<10} {sent:>8} {answered:>9} {wrong:>6}  lost={lost}")
    print("server Classify counts: " + " ".join(f"{c}={n}" for c, n in sorted(server_counted.items()))
          + f" (total {server_total}); in flight after the load: {in_flight}")
    if report:
        print(f"valid OK latency: p50 {report['latency_ms']['p50']:.1f} ms, p99 {report['latency_ms']['p99']:.1f} ms, "
              f"{report['throughput_per_s']:.1f} valid images/s in the measured run")
    print(f"VmRSS: {rss_start} KiB after warm-up, {rss_end} KiB at the end, max {rss_max} KiB, growth "
          + ("n/a" if growth is None else f"{100 * growth:+.2f}%"))
    print("SOAK_JSON " + json.dumps({
        "duration_s": args.duration_s, "warmup_s": args.warmup_s, "concurrency": args.concurrency,
        "max_in_flight_requests": args.max_in_flight_requests,
        "mix": args.mix, "requests_by_kind": {n: k["sent"] for n, k in kinds.items()},
        "responses_by_code": codes, "kinds": kinds, "sent": sent, "answered": answered, "lost": lost,
        "wrong": wrong, "server_classify_counts": server_counted, "server_in_flight_after": in_flight,
        "rss_kib_start": rss_start, "rss_kib_end": rss_end, "rss_kib_max": rss_max,
        "rss_growth": growth, "server_exit_code": server.returncode, "failures": failures}))
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    if not failures and args.log is None:
        os.remove(log_path)  # kept, and named in the failures, when something went wrong
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
