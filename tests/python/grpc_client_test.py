#!/usr/bin/python3
"""A Python gRPC client against the real vit-server.

Generates Python stubs from the repository's .proto files into a temporary
folder (grpc_tools.protoc), starts vit-server on 127.0.0.1 with an ephemeral
port, checks health, classifies an image, and compares the answer with
vit-client's. Run by ctest with Debian's /usr/bin/python3 (grpcio,
grpc_tools); exits non-zero on any failure.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

ARGS = None


def generate_stubs(proto_dir, out_dir):
    from grpc_tools import protoc

    # The health proto goes in as a top-level module: a generated package
    # named `grpc` would shadow grpcio's. Its wire names do not change.
    health_dir = os.path.join(out_dir, "health_src")
    os.makedirs(health_dir)
    shutil.copy(os.path.join(proto_dir, "grpc/health/v1/health.proto"), health_dir)
    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    for proto_root, proto in ((proto_dir, "vit/v1/vit.proto"), (health_dir, "health.proto")):
        rc = protoc.main(["grpc_tools.protoc", "-I" + proto_root, "-I" + include,
                          "--python_out=" + out_dir, "--grpc_python_out=" + out_dir, proto])
        if rc != 0:
            raise RuntimeError("protoc failed for " + proto)
    sys.path.insert(0, out_dir)


class ServerProcess:
    """vit-server on 127.0.0.1:0; the bound port is read from its log."""

    def __init__(self, binary, model_dir):
        self.output = []
        self.process = subprocess.Popen(
            [binary, "--host", "127.0.0.1", "--port", "0", "--metrics-port", "-1", "--http-port", "-1",
             "--model", model_dir, "--dtype", "fp32", "--threads", "1"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.port = None
        found = threading.Event()

        def read():
            for line in self.process.stdout:
                self.output.append(line)
                match = re.search(r"vit-server listening on [^ ]+:(\d+),", line)
                if match and self.port is None:
                    self.port = int(match.group(1))
                    found.set()
            found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(60) or self.port is None:
            self.stop()
            raise RuntimeError("vit-server did not start:\n" + "".join(self.output))

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(60)


class GrpcClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stub_dir = tempfile.mkdtemp(prefix="vit-py-stubs-")
        generate_stubs(ARGS.proto_dir, cls.stub_dir)
        import grpc
        import health_pb2
        import health_pb2_grpc
        from vit.v1 import vit_pb2, vit_pb2_grpc

        cls.grpc, cls.pb, cls.health_pb = grpc, vit_pb2, health_pb2
        cls.server = ServerProcess(ARGS.server_binary, ARGS.model_dir)
        cls.address = "127.0.0.1:%d" % cls.server.port
        cls.channel = grpc.insecure_channel(cls.address)
        cls.stub = vit_pb2_grpc.VitServiceStub(cls.channel)
        cls.health = health_pb2_grpc.HealthStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        code = cls.server.stop()
        shutil.rmtree(cls.stub_dir, ignore_errors=True)
        if code != 0:
            raise AssertionError("vit-server exited with %d:\n%s" % (code, "".join(cls.server.output)))

    def wait_serving(self):
        status = None
        for _ in range(600):
            try:
                status = self.health.Check(self.health_pb.HealthCheckRequest(), timeout=2).status
            except self.grpc.RpcError:
                status = None
            if status == self.health_pb.HealthCheckResponse.SERVING:
                return
            time.sleep(0.05)
        self.fail("never SERVING (last %s)" % status)

    def test_health_then_classify_matches_cpp_client(self):
        self.wait_serving()
        image_path = os.path.join(ARGS.images_dir, "chelsea.png")
        with open(image_path, "rb") as f:
            image = f.read()
        info = self.stub.GetModelInfo(self.pb.GetModelInfoRequest(), timeout=30)
        response = self.stub.Classify(self.pb.ClassifyRequest(image=image, top_k=3), timeout=60)
        self.assertEqual(response.model_id, info.id)
        self.assertEqual(len(response.predictions), 3)
        probabilities = [p.probability for p in response.predictions]
        self.assertEqual(probabilities, sorted(probabilities, reverse=True))
        self.assertTrue(0.0 < sum(probabilities) <= 1.0 + 1e-6)
        for p in response.predictions:
            self.assertEqual(p.label, info.labels[p.class_index])
        self.assertGreater(response.timings.inference_us, 0)

        cpp = subprocess.run([ARGS.client_binary, "--server", self.address, "classify",
                              "--top-k", "3", "--json", image_path],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(cpp.returncode, 0, cpp.stderr)
        cpp_predictions = json.loads(cpp.stdout.splitlines()[0])["predictions"]
        self.assertEqual([p["class_index"] for p in cpp_predictions],
                         [p.class_index for p in response.predictions])
        for cpp_p, py_p in zip(cpp_predictions, response.predictions):
            self.assertAlmostEqual(cpp_p["probability"], py_p.probability, places=5)

    def test_empty_image_is_invalid_argument(self):
        self.wait_serving()
        with self.assertRaises(self.grpc.RpcError) as caught:
            self.stub.Classify(self.pb.ClassifyRequest(image=b""), timeout=30)
        self.assertEqual(caught.exception.code(), self.grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("empty", caught.exception.details())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-binary", required=True)
    parser.add_argument("--client-binary", required=True)
    parser.add_argument("--proto-dir", required=True)
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--images-dir", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
