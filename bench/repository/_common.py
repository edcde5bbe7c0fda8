"""Helpers shared by the bench/repository scripts: the CPU description, a
vit-server process whose log is read line by line, /proc RSS, a preset model
folder."""
import os
import re
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"  # Debian libjemalloc2
TCMALLOC = "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4"  # Debian libtcmalloc-minimal4
ALLOCATORS = {
    # name -> (shared object preloaded into vit-server or None for glibc malloc, extra env)
    "glibc": (None, {}),
    "jemalloc": (JEMALLOC, {}),
    "tcmalloc": (TCMALLOC, {}),
    # variants, not run by default
    "glibc-arena2": (None, {"MALLOC_ARENA_MAX": "2"}),
    "jemalloc-bg": (JEMALLOC, {"MALLOC_CONF": "background_thread:true,dirty_decay_ms:1000,"
                                              "muzzy_decay_ms:0"}),
}


def cpu_description():
    """(model name, [the AVX-512 / AMX flags present], logical CPUs)."""
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
    wanted = ["avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8"]
    return model, [f for f in wanted if f in flags], os.cpu_count()


def cpu_line():
    model, flags, cores = cpu_description()
    missing = [f for f in ("avx512_vnni", "avx512_bf16", "amx_bf16") if f not in flags]
    return (f"CPU: {model} ({cores} logical CPUs; flags: {' '.join(flags) or '-'}"
            f"{'; absent: ' + ' '.join(missing) if missing else ''})")


def loadavg():
    return list(os.getloadavg())


def loadavg_text():
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def proc_status(pid):
    """VmRSS, RssAnon, RssFile, VmHWM of /proc/PID/status, KiB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(":", 1)[0]
            if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                out[key] = int(line.split()[1])
    return out


def prepared_model(bin_dir, preset, cache):
    """A model folder: `preset` itself when it is a folder, else vit-bench --prepare's."""
    if os.path.isdir(preset):
        return os.path.abspath(preset)
    subprocess.run([os.path.join(bin_dir, "vit-bench"), "--model", preset, "--prepare",
                    "--preset-cache", cache], check=True, capture_output=True)
    folder = os.path.join(cache, preset)
    if not os.path.isdir(folder):
        sys.exit(f"vit-bench --prepare wrote no {folder}")
    return folder


class Server:
    """vit-server with stdout+stderr read line by line into self.lines (and a log file)."""

    LISTEN = re.compile(r"listening on [^ ]+:(\d+), metrics port -?\d+, http port (-?\d+)")

    def __init__(self, binary, args, log_path, preload=None, extra_env=None, start_timeout_s=600):
        env = dict(os.environ)
        for key in ("MALLOC_CONF", "MALLOC_ARENA_MAX", "TCMALLOC_RELEASE_RATE"):
            env.pop(key, None)
        env.update(extra_env or {})
        if preload:
            if not os.path.exists(preload):
                sys.exit(f"allocator {preload} is not installed (see bench/repository/README.md)")
            env["LD_PRELOAD"] = preload
        else:
            env.pop("LD_PRELOAD", None)
        self.cmd = [binary] + list(args)
        self.log = open(log_path, "w")
        self.log_path = log_path
        self.lines = []
        self.cond = threading.Condition()
        self.process = subprocess.Popen(self.cmd, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, env=env)
        self.pid = self.process.pid
        self.grpc_port = self.http_port = None
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for("serving on ", 1, start_timeout_s)
        with self.cond:
            for line in self.lines:
                m = self.LISTEN.search(line)
                if m:
                    self.grpc_port, self.http_port = int(m.group(1)), int(m.group(2))

    def _read(self):
        for line in self.process.stdout:
            self.log.write(line)
            self.log.flush()
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def count(self, pattern):
        with self.cond:
            return sum(pattern in l for l in self.lines)

    def wait_for(self, pattern, count, timeout_s=600):
        """Until `pattern` occurs in `count` log lines; exits on timeout or server death."""
        with self.cond:
            ok = self.cond.wait_for(
                lambda: sum(pattern in l for l in self.lines) >= count
                or self.process.poll() is not None, timeout=timeout_s)
            ok = ok and sum(pattern in l for l in self.lines) >= count
            tail = "".join(self.lines[-20:])
        if not ok:
            self.kill()
            sys.exit(f"timed out waiting for {pattern!r} x{count} (server exit "
                     f"{self.process.poll()}); log {self.log_path}:\n{tail}")

    def swap_times_ms(self):
        """The "N ms from the load call to the swap" of every load, in log order."""
        with self.cond:
            return [(m.group(1), int(m.group(2)), int(m.group(3))) for l in self.lines
                    for m in [re.search(r"model (\S+) version (\d+): serving, (\d+) ms from the "
                                        r"load call to the swap", l)] if m]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def settle_rss(pid, settle_s, step_s=0.25, max_s=30.0):
    """Waits `settle_s`, then until VmRSS stops changing for 1 s (at most `max_s`)."""
    time.sleep(settle_s)
    last, stable_since, start = proc_status(pid), time.time(), time.time()
    while time.time() - start < max_s:
        time.sleep(step_s)
        now = proc_status(pid)
        if now["VmRSS"] != last["VmRSS"]:
            last, stable_since = now, time.time()
        elif time.time() - stable_since >= 1.0:
            break
    return last
