#!/usr/bin/env python3
"""RSS of vit-server over reload cycles: a repository with model m (version 1
= a model folder, by symlink); each cycle adds version 2 and sends SIGHUP (a
reload to 2), then removes it and sends SIGHUP (a reload back to 1). Prints
RSS after the first cycle and after the last, and the reload times the log
reports ("N ms from the load call to the swap").

  reload_rss.py --server-binary build/bin/vit-server --model-dir models/vit-fashion-mnist
"""
import argparse
import os
import re
import signal
import subprocess
import tempfile
import threading
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-binary", required=True)
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--cycles", type=int, default=50)
    args = parser.parse_args()
    repo = tempfile.mkdtemp(prefix="reload-rss-")
    os.makedirs(f"{repo}/m")
    os.symlink(os.path.abspath(args.model_dir), f"{repo}/m/1")
    server = subprocess.Popen(
        [args.server_binary, "--model-repository", repo, "--port", "0", "--http-port", "-1",
         "--metrics-port", "-1", "--dtype", "fp32", "--threads", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    cond = threading.Condition()

    def read():
        for line in server.stdout:
            with cond:
                lines.append(line)
                cond.notify_all()

    threading.Thread(target=read, daemon=True).start()

    def wait_for(pattern, count):
        with cond:
            ok = cond.wait_for(lambda: sum(pattern in l for l in lines) >= count, timeout=120)
        if not ok:
            raise SystemExit("timed out waiting for %r x%d:\n%s" % (pattern, count, "".join(lines[-20:])))

    wait_for("serving on ", 1)
    first = None
    for cycle in range(1, args.cycles + 1):
        os.symlink(os.path.abspath(args.model_dir), f"{repo}/m/2")
        server.send_signal(signal.SIGHUP)
        wait_for("model m version 2: serving", cycle)
        wait_for("model m version 1: freed", cycle)
        os.unlink(f"{repo}/m/2")
        server.send_signal(signal.SIGHUP)
        wait_for("model m version 1: serving", cycle + 1)
        wait_for("model m version 2: freed", cycle)
        if cycle == 1:
            first = rss_kib(server.pid)
    last = rss_kib(server.pid)
    times = [int(m.group(1)) for l in lines
             for m in [re.search(r"serving, (\d+) ms from the load call to the swap", l)] if m]
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)
    print(f"cycles={args.cycles} reloads={2 * args.cycles} rss_after_first_cycle_kib={first} "
          f"rss_after_last_cycle_kib={last} growth={100.0 * (last - first) / first:.1f}%")
    times = sorted(times[1:])  # the first is the start-up load
    print(f"reload call-to-swap ms: median={times[len(times) // 2]} max={times[-1]}")


if __name__ == "__main__":
    main()
