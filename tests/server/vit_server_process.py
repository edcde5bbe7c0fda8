"""vit-server on free ports for the Python HTTP tests: started with a bearer
token, its ports read from its "listening" line, its output kept for failure
reports."""

import os
import re
import subprocess
import threading


class Server:
    def __init__(self, binary, work, token, extra_args=()):
        token_file = os.path.join(work, "token")
        with open(token_file, "w") as f:
            f.write(token)
        args = [binary, "--host", "127.0.0.1", "--port", "0", "--metrics-port", "0",
                "--http-port", "0", "--auth-token-file", token_file] + list(extra_args)
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
        self.lines = []
        self.http_port = None
        self.metrics_port = None
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)
            match = re.search(r"metrics port (-?\d+), http port (\d+)", line)
            if match:
                self.metrics_port, self.http_port = int(match.group(1)), int(match.group(2))
            if "serving on " in line:
                self.ready.set()
        self.ready.set()

    def wait(self, timeout=180):
        """True once it serves; False when it exited or never said its HTTP port."""
        self.ready.wait(timeout)
        return self.process.poll() is None and self.http_port is not None

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
