#!/usr/bin/python3
"""The Open Inference Protocol over gRPC against the real vit-server.

Stubs for inference.GRPCInferenceService and vit.v1 are generated at test time
from the repository's .proto files (grpc_tools.protoc) into a temporary folder;
vit-server is started on 127.0.0.1 with an ephemeral port. Every RPC is
called: health, metadata, ModelConfig, ModelStatistics, ModelInfer (image
BYTES as typed contents and as raw_input_contents, pixel_values, the
classification extension, batches), ModelStreamInfer, the repository
extension's RPCs (FAILED_PRECONDITION: this server has no model repository),
and the RPCs that must answer UNIMPLEMENTED. Answers are checked against vit.v1 on the same server
and against the fixtures' reference logits (one server per fixture model
folder). Test images are drawn with PIL at test time.

Run by ctest with Debian's /usr/bin/python3 (grpcio, grpc_tools, PIL);
exits non-zero on any failure. VIT_FIXTURES_DIR overrides --fixtures-dir.
"""
import argparse
import array
import io
import json
import math
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

ARGS = None
MAX_BATCH = 8
QUEUE_DELAY_US = 3000
TOKEN = "oip-grpc-test-token"


def generate_stubs(proto_dir, out_dir):
    from grpc_tools import protoc

    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    for proto in ("vit/v1/vit.proto", "inference/model_config.proto",
                  "inference/grpc_service.proto"):
        rc = protoc.main(["grpc_tools.protoc", "-I" + proto_dir, "-I" + include,
                          "--python_out=" + out_dir, "--grpc_python_out=" + out_dir, proto])
        if rc != 0:
            raise RuntimeError("protoc failed for " + proto)
    sys.path.insert(0, out_dir)


class ServerProcess:
    """vit-server on 127.0.0.1:0 serving `model_dir`; the port comes from its log."""

    def __init__(self, model_dir, extra_args=()):
        self.output = []
        self.process = subprocess.Popen(
            [ARGS.server_binary, "--host", "127.0.0.1", "--port", "0", "--metrics-port", "-1",
             "--model", model_dir, "--dtype", "fp32", "--threads", "1"] + list(extra_args),
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

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        if not found.wait(60) or self.port is None:
            self.stop()
            raise RuntimeError("vit-server did not start:\n" + "".join(self.output))
        self.address = "127.0.0.1:%d" % self.port

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(60)
        self.reader.join(10)
        self.process.stdout.close()
        return code


class Stubs:
    """The generated modules and a channel to one server."""

    def __init__(self, address):
        import grpc
        from inference import grpc_service_pb2, grpc_service_pb2_grpc
        from vit.v1 import vit_pb2, vit_pb2_grpc

        self.grpc, self.pb, self.vit_pb = grpc, grpc_service_pb2, vit_pb2
        self.channel = grpc.insecure_channel(address)
        self.oip = grpc_service_pb2_grpc.GRPCInferenceServiceStub(self.channel)
        self.vit = vit_pb2_grpc.VitServiceStub(self.channel)

    def wait_ready(self, test):
        for _ in range(1200):
            try:
                if self.oip.ServerReady(self.pb.ServerReadyRequest(), timeout=2).ready:
                    return
            except self.grpc.RpcError:
                pass
            time.sleep(0.05)
        test.fail("ServerReady never became true")


def start_server(test_class, model_dir, extra_args=()):
    test_class.server = ServerProcess(model_dir, extra_args)
    test_class.stubs = Stubs(test_class.server.address)


def stop_server(test_class):
    test_class.stubs.channel.close()
    code = test_class.server.stop()
    if code != 0:
        raise AssertionError("vit-server exited with %d:\n%s" %
                             (code, "".join(test_class.server.output)))


# --- Test data ----------------------------------------------------------------


def test_images():
    """Eight different encoded images: JPEG, PNG (RGB, gray, RGBA), BMP, TIFF."""
    from PIL import Image, ImageDraw

    rng = random.Random(14)
    images = []
    formats = [("JPEG", "RGB", (64, 48)), ("PNG", "RGB", (100, 120)), ("PNG", "L", (28, 28)),
               ("PNG", "RGBA", (40, 40)), ("BMP", "RGB", (33, 57)), ("TIFF", "RGB", (50, 30)),
               ("JPEG", "L", (90, 90)), ("PNG", "RGB", (28, 28))]
    for index, (fmt, mode, size) in enumerate(formats):
        image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
        draw = ImageDraw.Draw(image)
        for _ in range(4 + index):
            box = sorted(rng.randrange(size[0]) for _ in range(2))
            rows = sorted(rng.randrange(size[1]) for _ in range(2))
            draw.rectangle([box[0], rows[0], box[1], rows[1]],
                           fill=tuple(rng.randrange(256) for _ in range(3)))
        out = io.BytesIO()
        image.convert(mode).save(out, format=fmt)
        images.append(out.getvalue())
    return images


def raw_bytes_tensor(elements):
    """The raw BYTES encoding: per element a 4-byte little-endian length, then the bytes."""
    return b"".join(struct.pack("<I", len(e)) + e for e in elements)


def split_raw_bytes(raw):
    elements, offset = [], 0
    while offset < len(raw):
        (length,) = struct.unpack_from("<I", raw, offset)
        elements.append(raw[offset + 4:offset + 4 + length])
        offset += 4 + length
    return elements


def read_safetensors(path):
    """{name: (shape, little-endian float32 bytes)} of an F32 safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (header_size,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8:8 + header_size])
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if meta["dtype"] != "F32":
            raise ValueError("%s: %s is %s, not F32" % (path, name, meta["dtype"]))
        start, end = meta["data_offsets"]
        tensors[name] = (meta["shape"], data[8 + header_size + start:8 + header_size + end])
    return tensors


def floats(raw):
    values = array.array("f")
    values.frombytes(raw)
    if sys.byteorder != "little":
        values.byteswap()
    return list(values)


def relative_error(actual, expected):
    scale = max(abs(v) for v in expected)
    return max(abs(a - e) for a, e in zip(actual, expected)) / scale


# --- Request builders ---------------------------------------------------------


def image_request(pb, model, images, raw, outputs=(), shape=None, request_id=""):
    request = pb.ModelInferRequest(model_name=model, id=request_id)
    tensor = request.inputs.add(name="image", datatype="BYTES",
                                shape=shape if shape is not None else [len(images), 1])
    if raw:
        request.raw_input_contents.append(raw_bytes_tensor(images))
    else:
        tensor.contents.bytes_contents.extend(images)
    for name, classification in outputs:
        output = request.outputs.add(name=name)
        if isinstance(classification, str):
            output.parameters["classification"].string_param = classification
        elif classification:
            output.parameters["classification"].int64_param = classification
    return request


def pixel_request(pb, model, shape, raw_floats, raw):
    request = pb.ModelInferRequest(model_name=model)
    tensor = request.inputs.add(name="pixel_values", datatype="FP32", shape=shape)
    if raw:
        request.raw_input_contents.append(raw_floats)
    else:
        tensor.contents.fp32_contents.extend(floats(raw_floats))
    request.outputs.add(name="logits")
    request.outputs.add(name="embedding")
    return request


def output_values(response, name):
    """(shape, values) of output `name`, from raw_output_contents or contents."""
    for index, output in enumerate(response.outputs):
        if output.name != name:
            continue
        if response.raw_output_contents:
            raw = response.raw_output_contents[index]
            values = split_raw_bytes(raw) if output.datatype == "BYTES" else floats(raw)
        elif output.datatype == "BYTES":
            values = list(output.contents.bytes_contents)
        else:
            values = list(output.contents.fp32_contents)
        return list(output.shape), values
    raise AssertionError("no output %r in %s" % (name, [o.name for o in response.outputs]))


# --- The default model --------------------------------------------------------


class OipGrpcTest(unittest.TestCase):
    """The embedded default model, with max_batch_size 8."""

    @classmethod
    def setUpClass(cls):
        start_server(cls, ARGS.model_dir,
                     ["--max-batch-size", str(MAX_BATCH), "--max-queue-delay-microseconds",
                      str(QUEUE_DELAY_US), "--preferred-batch-sizes", "4,8"])
        cls.images = test_images()

    @classmethod
    def tearDownClass(cls):
        stop_server(cls)

    def setUp(self):
        self.s = self.stubs
        self.s.wait_ready(self)
        self.info = self.s.vit.GetModelInfo(self.s.vit_pb.GetModelInfoRequest(), timeout=30)
        self.model = self.info.id

    def infer(self, request):
        return self.s.oip.ModelInfer(request, timeout=60)

    def assert_code(self, call, request, code, text=""):
        with self.assertRaises(self.s.grpc.RpcError) as caught:
            call(request, timeout=60)
        self.assertEqual(caught.exception.code(), code, caught.exception.details())
        self.assertIn(text, caught.exception.details())
        return caught.exception.details()

    def vit_probabilities(self, image):
        """Per-class probabilities from vit.v1 Classify of `image`."""
        response = self.s.vit.Classify(
            self.s.vit_pb.ClassifyRequest(image=image, top_k=self.info.num_classes), timeout=60)
        probabilities = [None] * self.info.num_classes
        for prediction in response.predictions:
            probabilities[prediction.class_index] = prediction.probability
        return probabilities

    def assert_close(self, actual, expected, tolerance, what):
        self.assertEqual(len(actual), len(expected), what)
        worst = max(abs(a - e) for a, e in zip(actual, expected))
        self.assertLessEqual(worst, tolerance, "%s: max abs diff %g" % (what, worst))

    # Health and metadata.

    def test_health_rpcs(self):
        pb = self.s.pb
        self.assertTrue(self.s.oip.ServerLive(pb.ServerLiveRequest(), timeout=10).live)
        self.assertTrue(self.s.oip.ServerReady(pb.ServerReadyRequest(), timeout=10).ready)
        ready = lambda **fields: self.s.oip.ModelReady(pb.ModelReadyRequest(**fields),
                                                       timeout=10).ready
        self.assertTrue(ready(name=self.model))
        self.assertTrue(ready(name=self.model, version="1"))
        self.assertFalse(ready(name=self.model, version="2"))
        self.assertFalse(ready(name="no-such-model"))
        self.assertFalse(ready())

    def test_server_metadata(self):
        metadata = self.s.oip.ServerMetadata(self.s.pb.ServerMetadataRequest(), timeout=10)
        self.assertEqual(metadata.name, "vit-serve")
        self.assertRegex(metadata.version, r"^\d+\.\d+")
        for extension in ("classification", "binary_tensor_data", "model_configuration",
                          "statistics"):
            self.assertIn(extension, metadata.extensions)

    def test_model_metadata(self):
        pb, p = self.s.pb, self.info.preprocessing
        metadata = self.s.oip.ModelMetadata(pb.ModelMetadataRequest(name=self.model), timeout=10)
        self.assertEqual(metadata.name, self.model)
        self.assertEqual(list(metadata.versions), ["1"])
        self.assertEqual(metadata.platform, "vit-serve")
        tensors = lambda ts: [(t.name, t.datatype, list(t.shape)) for t in ts]
        self.assertEqual(tensors(metadata.inputs),
                         [("image", "BYTES", [-1, 1]),
                          ("pixel_values", "FP32",
                           [-1, p.channels, p.input_height, p.input_width])])
        classes, features = self.info.num_classes, self.info.feature_dim
        self.assertEqual(tensors(metadata.outputs),
                         [("logits", "FP32", [-1, classes]),
                          ("probabilities", "FP32", [-1, classes]),
                          ("embedding", "FP32", [-1, features])])
        self.assert_code(self.s.oip.ModelMetadata, pb.ModelMetadataRequest(name="nope"),
                         self.s.grpc.StatusCode.NOT_FOUND, "nope")
        self.assert_code(self.s.oip.ModelMetadata,
                         pb.ModelMetadataRequest(name=self.model, version="7"),
                         self.s.grpc.StatusCode.NOT_FOUND, "7")

    def test_model_config(self):
        from inference import model_config_pb2 as mc

        pb, p = self.s.pb, self.info.preprocessing
        config = self.s.oip.ModelConfig(pb.ModelConfigRequest(name=self.model), timeout=10).config
        self.assertEqual(config.name, self.model)
        self.assertEqual(config.platform, "vit-serve")
        self.assertEqual(config.backend, self.info.backend)
        self.assertEqual(config.max_batch_size, MAX_BATCH)
        tensors = lambda ts: [(t.name, t.data_type, list(t.dims)) for t in ts]
        self.assertEqual(tensors(config.input),
                         [("image", mc.TYPE_STRING, [1]),
                          ("pixel_values", mc.TYPE_FP32,
                           [p.channels, p.input_height, p.input_width])])
        self.assertEqual(config.input[1].format, mc.ModelInput.FORMAT_NCHW)
        classes, features = self.info.num_classes, self.info.feature_dim
        self.assertEqual(tensors(config.output),
                         [("logits", mc.TYPE_FP32, [classes]),
                          ("probabilities", mc.TYPE_FP32, [classes]),
                          ("embedding", mc.TYPE_FP32, [features])])
        self.assertEqual(config.WhichOneof("scheduling_choice"), "dynamic_batching")
        self.assertEqual(list(config.dynamic_batching.preferred_batch_size), [4, 8])
        self.assertEqual(config.dynamic_batching.max_queue_delay_microseconds, QUEUE_DELAY_US)
        self.assert_code(self.s.oip.ModelConfig, pb.ModelConfigRequest(name="nope"),
                         self.s.grpc.StatusCode.NOT_FOUND, "nope")

    # Inference.

    def test_image_raw_and_contents_match_vit_classify(self):
        for index, image in enumerate(self.images):
            expected = self.vit_probabilities(image)
            for raw in (True, False):
                request = image_request(self.s.pb, self.model, [image], raw,
                                        outputs=[("probabilities", 0)], request_id="r%d" % index)
                response = self.infer(request)
                self.assertEqual(response.model_name, self.model)
                self.assertEqual(response.model_version, "1")
                self.assertEqual(response.id, "r%d" % index)
                # Triton answers raw requests in raw_output_contents only.
                self.assertEqual(len(response.raw_output_contents), 1 if raw else 0)
                self.assertEqual(len(response.outputs[0].contents.fp32_contents),
                                 0 if raw else self.info.num_classes)
                self.assertEqual(response.outputs[0].datatype, "FP32")
                shape, probabilities = output_values(response, "probabilities")
                self.assertEqual(shape, [1, self.info.num_classes])
                self.assert_close(probabilities, expected, 1e-6,
                                  "image %d raw=%s vs vit.v1 Classify" % (index, raw))

    def test_all_outputs_when_none_named_and_embedding_matches_vit_embed(self):
        image = self.images[1]
        response = self.infer(image_request(self.s.pb, self.model, [image], raw=True))
        self.assertEqual([o.name for o in response.outputs],
                         ["logits", "probabilities", "embedding"])
        embedding = self.s.vit.Embed(self.s.vit_pb.EmbedRequest(image=image), timeout=60).embedding
        shape, values = output_values(response, "embedding")
        self.assertEqual(shape, [1, self.info.feature_dim])
        self.assert_close(values, list(embedding), 1e-5, "embedding vs vit.v1 Embed")
        _, logits = output_values(response, "logits")
        _, probabilities = output_values(response, "probabilities")
        total = sum(math.exp(v - max(logits)) for v in logits)
        softmax = [math.exp(v - max(logits)) / total for v in logits]
        self.assert_close(probabilities, softmax, 1e-6, "probabilities = softmax(logits)")

    def test_batch_of_eight_mixed_images(self):
        self.assertEqual(len(self.images), MAX_BATCH)
        expected = [self.vit_probabilities(image) for image in self.images]
        for raw, shape in ((True, [MAX_BATCH, 1]), (False, [MAX_BATCH])):
            request = image_request(self.s.pb, self.model, self.images, raw, shape=shape,
                                    outputs=[("probabilities", 0), ("logits", 0)])
            response = self.infer(request)
            self.assertEqual([o.name for o in response.outputs], ["probabilities", "logits"])
            out_shape, values = output_values(response, "probabilities")
            classes = self.info.num_classes
            self.assertEqual(out_shape, [MAX_BATCH, classes])
            for row in range(MAX_BATCH):
                self.assert_close(values[row * classes:(row + 1) * classes], expected[row], 1e-6,
                                  "batch row %d raw=%s" % (row, raw))
        # Rows that all looked alike would not show a mix-up of rows.
        self.assertGreater(len({tuple(round(v, 4) for v in p) for p in expected}), MAX_BATCH // 2)

    def test_classification_strings_match_probabilities(self):
        labels = list(self.info.labels)
        images = self.images[:3]
        for raw in (True, False):
            request = image_request(self.s.pb, self.model, images, raw,
                                    outputs=[("probabilities", 3), ("logits", "2")])
            response = self.infer(request)
            for name, k in (("probabilities", 3), ("logits", 2)):
                output = next(o for o in response.outputs if o.name == name)
                self.assertEqual(output.datatype, "BYTES")
                shape, strings = output_values(response, name)
                self.assertEqual(shape, [len(images), k])
                for row, image in enumerate(images):
                    expected = self.vit_probabilities(image)
                    best = sorted(range(len(expected)), key=lambda i: (-expected[i], i))[:k]
                    parsed = [s.decode().split(":", 2) for s in strings[row * k:(row + 1) * k]]
                    self.assertEqual([int(p[1]) for p in parsed], best, "%s row %d" % (name, row))
                    for value, index, label in parsed:
                        self.assertEqual(label, labels[int(index)])
                        if name == "probabilities":
                            self.assertAlmostEqual(float(value), expected[int(index)], delta=1e-6)

    def test_errors_have_their_codes(self):
        pb, codes = self.s.pb, self.s.grpc.StatusCode
        image = self.images[0]
        cases = []
        cases.append(("unknown model", image_request(pb, "no-such-model", [image], True),
                      codes.NOT_FOUND, "no-such-model"))
        cases.append(("no model name", image_request(pb, "", [image], True), codes.NOT_FOUND, ""))
        cases.append(("unknown version",
                      pb.ModelInferRequest(model_name=self.model, model_version="3",
                                           inputs=[image_request(pb, "", [image],
                                                                 False).inputs[0]]),
                      codes.NOT_FOUND, "3"))
        wrong_type = pb.ModelInferRequest(model_name=self.model)
        wrong_type.inputs.add(name="image", datatype="FP32", shape=[1, 1]).contents.fp32_contents \
            .append(1.0)
        cases.append(("image as FP32", wrong_type, codes.INVALID_ARGUMENT, "BYTES"))
        p = self.info.preprocessing
        wrong_shape = pb.ModelInferRequest(model_name=self.model)
        wrong_shape.inputs.add(name="pixel_values", datatype="FP32", shape=[1, 3, 10, 10]) \
            .contents.fp32_contents.extend([0.0] * 300)
        cases.append(("pixel_values of the wrong shape", wrong_shape, codes.INVALID_ARGUMENT,
                      "[batch, %d, %d, %d]" % (p.channels, p.input_height, p.input_width)))
        short = pb.ModelInferRequest(model_name=self.model)
        short.inputs.add(name="pixel_values", datatype="FP32",
                         shape=[1, p.channels, p.input_height, p.input_width])
        short.raw_input_contents.append(b"\0" * 12)
        cases.append(("pixel_values with too few values", short, codes.INVALID_ARGUMENT,
                      "pixel_values"))
        cases.append(("a batch over max_batch_size",
                      image_request(pb, self.model, [image] * (MAX_BATCH + 1), True),
                      codes.INVALID_ARGUMENT, "max_batch_size"))
        cases.append(("an undecodable image",
                      image_request(pb, self.model, [b"this is not an image"], False),
                      codes.INVALID_ARGUMENT, ""))
        cases.append(("an empty image", image_request(pb, self.model, [b""], True),
                      codes.INVALID_ARGUMENT, "empty"))
        cases.append(("shape and elements disagree",
                      image_request(pb, self.model, [image, image], True, shape=[3, 1]),
                      codes.INVALID_ARGUMENT, "[3, 1]"))
        truncated = image_request(pb, self.model, [image], True)
        truncated.raw_input_contents[0] = truncated.raw_input_contents[0][:-1]
        cases.append(("a truncated raw BYTES tensor", truncated, codes.INVALID_ARGUMENT,
                      "only"))
        mixed = image_request(pb, self.model, [image], False)
        mixed.raw_input_contents.append(raw_bytes_tensor([image]))
        cases.append(("raw and typed data mixed", mixed, codes.INVALID_ARGUMENT,
                      "raw_input_contents"))
        in_the_wrong_field = pb.ModelInferRequest(model_name=self.model)
        in_the_wrong_field.inputs.add(name="image", datatype="BYTES", shape=[1]) \
            .contents.fp32_contents.append(1.0)
        cases.append(("BYTES data in fp32_contents", in_the_wrong_field, codes.INVALID_ARGUMENT,
                      "bytes_contents"))
        cases.append(("an unknown input",
                      pb.ModelInferRequest(model_name=self.model, inputs=[
                          pb.ModelInferRequest.InferInputTensor(name="pixels", datatype="FP32",
                                                                shape=[1])]),
                      codes.INVALID_ARGUMENT, "pixels"))
        cases.append(("an unknown output",
                      image_request(pb, self.model, [image], True, outputs=[("scores", 0)]),
                      codes.INVALID_ARGUMENT, "scores"))
        cases.append(("classification over the class count",
                      image_request(pb, self.model, [image], True,
                                    outputs=[("probabilities", self.info.num_classes + 1)]),
                      codes.INVALID_ARGUMENT, "classification"))
        cases.append(("classification not a number",
                      image_request(pb, self.model, [image], True,
                                    outputs=[("probabilities", "three")]),
                      codes.INVALID_ARGUMENT, "classification"))
        for what, request, code, text in cases:
            with self.subTest(what):
                self.assert_code(self.s.oip.ModelInfer, request, code, text)
        # The server is unharmed.
        self.infer(image_request(pb, self.model, [image], True))

    def test_statistics_count_what_was_sent(self):
        pb = self.s.pb

        def snapshot():
            response = self.s.oip.ModelStatistics(pb.ModelStatisticsRequest(name=self.model),
                                                  timeout=10)
            self.assertEqual(len(response.model_stats), 1)
            return response.model_stats[0]

        before = snapshot()
        self.infer(image_request(pb, self.model, self.images[:3], True))
        self.infer(image_request(pb, self.model, self.images[3:4], False))
        with self.assertRaises(self.s.grpc.RpcError):
            self.infer(image_request(pb, self.model, [b"not an image"], True))
        after = snapshot()
        self.assertEqual(after.name, self.model)
        self.assertEqual(after.version, "1")
        self.assertEqual(after.inference_count - before.inference_count, 4)
        # 4 images in at most 4 model runs; the pipeline counts a run after
        # answering its requests, so `before` may still lack the previous
        # test's last one.
        self.assertGreaterEqual(after.execution_count - before.execution_count, 1)
        self.assertLessEqual(after.execution_count - before.execution_count, 5)
        stats, old = after.inference_stats, before.inference_stats
        self.assertEqual(stats.success.count - old.success.count, 2)
        self.assertEqual(stats.fail.count - old.fail.count, 1)
        # Each successful call adds one to every duration's count; the time
        # of one step may round to 0 microseconds, never the whole call.
        for field in ("success", "queue", "compute_input", "compute_infer", "compute_output"):
            self.assertEqual(getattr(stats, field).count - getattr(old, field).count, 2, field)
            self.assertGreaterEqual(getattr(stats, field).ns, getattr(old, field).ns, field)
        self.assertGreater(stats.success.ns, old.success.ns)
        self.assertGreater(stats.compute_infer.ns, old.compute_infer.ns)
        self.assertGreaterEqual(after.last_inference, before.last_inference)
        self.assertGreater(after.last_inference, 1.5e12)  # milliseconds since the epoch
        sizes = [b.batch_size for b in after.batch_stats]
        self.assertEqual(sizes, sorted(sizes))
        self.assertTrue(all(1 <= size <= MAX_BATCH for size in sizes), sizes)
        runs = sum(b.compute_infer.count for b in after.batch_stats)
        self.assertEqual(runs, after.execution_count)
        # An empty name means every model: the one served.
        everything = self.s.oip.ModelStatistics(pb.ModelStatisticsRequest(), timeout=10)
        self.assertEqual([m.name for m in everything.model_stats], [self.model])
        self.assert_code(self.s.oip.ModelStatistics, pb.ModelStatisticsRequest(name="nope"),
                         self.s.grpc.StatusCode.NOT_FOUND, "nope")

    def test_stream_infer_answers_each_request_and_survives_a_bad_one(self):
        pb = self.s.pb
        requests = [
            image_request(pb, self.model, [self.images[0]], True, request_id="a",
                          outputs=[("probabilities", 0)]),
            image_request(pb, self.model, [self.images[1]], False, request_id="b",
                          outputs=[("probabilities", 0)]),
            image_request(pb, self.model, [b"not an image"], True, request_id="bad",
                          outputs=[("probabilities", 0)]),
            image_request(pb, "no-such-model", [self.images[2]], True, request_id="unknown"),
            image_request(pb, self.model, self.images[2:5], True, request_id="batch",
                          outputs=[("probabilities", 0)]),
        ]
        answers = {}
        for answer in self.s.oip.ModelStreamInfer(iter(requests), timeout=120):
            answers[answer.infer_response.id] = answer
        self.assertEqual(sorted(answers), sorted(r.id for r in requests))
        self.assertIn("no-such-model", answers["unknown"].error_message)
        self.assertNotEqual(answers["bad"].error_message, "")
        self.assertEqual(len(answers["bad"].infer_response.outputs), 0)
        classes = self.info.num_classes
        for request_id, images in (("a", self.images[:1]), ("b", self.images[1:2]),
                                   ("batch", self.images[2:5])):
            answer = answers[request_id]
            self.assertEqual(answer.error_message, "", request_id)
            _, values = output_values(answer.infer_response, "probabilities")
            for row, image in enumerate(images):
                self.assert_close(values[row * classes:(row + 1) * classes],
                                  self.vit_probabilities(image), 1e-6,
                                  "stream %s row %d" % (request_id, row))

    def test_repository_index_and_control_off(self):
        # --model DIR is a repository of one model: the index lists it READY;
        # load and unload need --allow-model-control, which is off here.
        pb, oip = self.s.pb, self.s.oip
        index = oip.RepositoryIndex(pb.RepositoryIndexRequest(ready=True), timeout=10)
        self.assertEqual([(m.name, m.state) for m in index.models], [(self.model, "READY")])
        calls = [(oip.RepositoryModelLoad, pb.RepositoryModelLoadRequest(model_name=self.model)),
                 (oip.RepositoryModelUnload,
                  pb.RepositoryModelUnloadRequest(model_name=self.model))]
        for call, request in calls:
            with self.subTest(type(request).__name__):
                self.assert_code(call, request, self.s.grpc.StatusCode.FAILED_PRECONDITION,
                                 "--allow-model-control")

    def test_unimplemented_rpcs(self):
        pb, oip = self.s.pb, self.s.oip
        calls = [(oip.SystemSharedMemoryStatus, pb.SystemSharedMemoryStatusRequest()),
                 (oip.SystemSharedMemoryRegister, pb.SystemSharedMemoryRegisterRequest()),
                 (oip.SystemSharedMemoryUnregister, pb.SystemSharedMemoryUnregisterRequest()),
                 (oip.CudaSharedMemoryStatus, pb.CudaSharedMemoryStatusRequest()),
                 (oip.CudaSharedMemoryRegister, pb.CudaSharedMemoryRegisterRequest()),
                 (oip.CudaSharedMemoryUnregister, pb.CudaSharedMemoryUnregisterRequest()),
                 (oip.TraceSetting, pb.TraceSettingRequest()),
                 (oip.LogSettings, pb.LogSettingsRequest())]
        for call, request in calls:
            with self.subTest(type(request).__name__):
                self.assert_code(call, request, self.s.grpc.StatusCode.UNIMPLEMENTED)


# --- The fixtures' reference logits ---------------------------------------------


class OipGrpcFixtureParityTest(unittest.TestCase):
    """pixel_values of each fixture's reference inputs give its logits and features."""

    def test_pixel_values_give_the_reference_logits(self):
        root = os.environ.get("VIT_FIXTURES_DIR") or ARGS.fixtures_dir
        # A model folder: weights and the reference its library wrote (as
        # tests/support/fixture_discovery.cc finds them).
        has = lambda d, name: os.path.isfile(os.path.join(root, d, name))
        folders = sorted(d for d in os.listdir(root) if has(d, "reference.safetensors") and
                         (has(d, "model.safetensors") or has(d, "model.pth")))
        self.assertTrue(folders, "no fixture model folders under " + root)
        for folder in folders:
            with self.subTest(folder):
                self.check_fixture(os.path.join(root, folder))

    def check_fixture(self, model_dir):
        reference = read_safetensors(os.path.join(model_dir, "reference.safetensors"))
        shape, pixels = reference["pixel_values"]
        _, logits = reference["logits"]
        _, features = reference["features"]
        server = ServerProcess(model_dir)
        stubs = Stubs(server.address)
        try:
            stubs.wait_ready(self)
            model = stubs.vit.GetModelInfo(stubs.vit_pb.GetModelInfoRequest(), timeout=30).id
            for raw in (True, False):
                response = stubs.oip.ModelInfer(
                    pixel_request(stubs.pb, model, shape, pixels, raw), timeout=120)
                out_shape, values = output_values(response, "logits")
                self.assertEqual(out_shape, [shape[0], len(floats(logits)) // shape[0]])
                error = relative_error(values, floats(logits))
                self.assertLessEqual(error, 1e-5, "%s logits raw=%s" % (model_dir, raw))
                _, embedding = output_values(response, "embedding")
                error = relative_error(embedding, floats(features))
                self.assertLessEqual(error, 1e-5, "%s features raw=%s" % (model_dir, raw))
        finally:
            stubs.channel.close()
            code = server.stop()
        self.assertEqual(code, 0, "".join(server.output))


# --- Access control -------------------------------------------------------------


class OipGrpcAuthTest(unittest.TestCase):
    """With --auth-token-file, every RPC but the health checks needs the token."""

    @classmethod
    def setUpClass(cls):
        cls.token_dir = tempfile.mkdtemp(prefix="vit-oip-token-")
        token_file = os.path.join(cls.token_dir, "token")
        with open(token_file, "w") as f:
            f.write(TOKEN + "\n")
        start_server(cls, ARGS.model_dir, ["--auth-token-file", token_file])

    @classmethod
    def tearDownClass(cls):
        stop_server(cls)
        shutil.rmtree(cls.token_dir, ignore_errors=True)

    def test_only_health_checks_are_open(self):
        s = self.stubs
        s.wait_ready(self)
        good = [("authorization", "Bearer " + TOKEN)]
        info = s.vit.GetModelInfo(s.vit_pb.GetModelInfoRequest(), timeout=30, metadata=good)
        pb, model = s.pb, info.id
        self.assertTrue(s.oip.ServerLive(pb.ServerLiveRequest(), timeout=10).live)
        self.assertTrue(s.oip.ModelReady(pb.ModelReadyRequest(name=model), timeout=10).ready)
        image = test_images()[0]
        calls = [("ServerMetadata", s.oip.ServerMetadata, pb.ServerMetadataRequest()),
                 ("ModelMetadata", s.oip.ModelMetadata, pb.ModelMetadataRequest(name=model)),
                 ("ModelConfig", s.oip.ModelConfig, pb.ModelConfigRequest(name=model)),
                 ("ModelStatistics", s.oip.ModelStatistics, pb.ModelStatisticsRequest()),
                 ("ModelInfer", s.oip.ModelInfer, image_request(pb, model, [image], True))]
        for name, call, request in calls:
            for metadata in ([], [("authorization", "Bearer wrong")]):
                with self.subTest(name, metadata=metadata):
                    with self.assertRaises(s.grpc.RpcError) as caught:
                        call(request, timeout=30, metadata=metadata)
                    self.assertEqual(caught.exception.code(), s.grpc.StatusCode.UNAUTHENTICATED)
            call(request, timeout=60, metadata=good)
        stream = s.oip.ModelStreamInfer(iter([image_request(pb, model, [image], True)]),
                                        timeout=60)
        with self.assertRaises(s.grpc.RpcError) as caught:
            list(stream)
        self.assertEqual(caught.exception.code(), s.grpc.StatusCode.UNAUTHENTICATED)
        answers = list(s.oip.ModelStreamInfer(iter([image_request(pb, model, [image], True)]),
                                              timeout=60, metadata=good))
        self.assertEqual([a.error_message for a in answers], [""])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-binary", required=True)
    parser.add_argument("--proto-dir", required=True)
    parser.add_argument("--model-dir", required=True, help="the default model's folder")
    parser.add_argument("--fixtures-dir", required=True,
                        help="fixture root (VIT_FIXTURES_DIR overrides it)")
    ARGS, rest = parser.parse_known_args()
    stub_dir = tempfile.mkdtemp(prefix="vit-oip-stubs-")
    try:
        generate_stubs(ARGS.proto_dir, stub_dir)
        program = unittest.main(argv=[sys.argv[0]] + rest, verbosity=2, exit=False)
    finally:
        shutil.rmtree(stub_dir, ignore_errors=True)
    sys.exit(0 if program.result.wasSuccessful() else 1)
