#!/usr/bin/env python3
"""The HTTP API of the real vit-server binary, with python3's http.client only.

Starts vit-server on 127.0.0.1 (gRPC, metrics and HTTP on free ports, a bearer
token, the embedded default model unless --model-dir) and calls every endpoint:
the Open Inference Protocol REST API (/v2: health, metadata, config, stats,
infer with JSON tensors and with Triton's binary tensor data extension) and the
plain /v1 endpoints (classify, embed, models; classify also through curl; the
query errors of explain), and the web page's files (GET /: CSP, ETag and 304).
Provokes the errors (no token, malformed JSON, truncated binary data, a shape
that does not match the data, a body over the limit, unknown model and
version, wrong method, undecodable image, too large a batch): each must be a
4xx with {"error": "..."}, and the server must still answer afterwards.
Images are generated here (PNG, written with zlib).

Usage: oip_http_test.py --server-binary PATH [--model-dir DIR]
Exit code 0 when every check passed, 1 otherwise.
"""
import argparse
import http.client
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vit_server_process import Server  # noqa: E402

TOKEN = "http-test-token"
MAX_IMAGE_BYTES = 300000  # --max-image-bytes: the HTTP body limit too
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message, flush=True)
    return bool(condition)


def png(width, height, channels, seed):
    """A deterministic PNG (8-bit gray or RGB) with a pattern that depends on seed."""
    rows = b""
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            for c in range(channels):
                row.append((x * 7 + y * 13 + c * 50 + seed * 37 + (x * y * seed) % 29) % 256)
        rows += bytes(row)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    color_type = 0 if channels == 1 else 2
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) +
            chunk(b"IEND", b""))


def start_server(binary, model_dir, work):
    extra = ["--max-image-bytes", str(MAX_IMAGE_BYTES), "--max-batch-size", "8",
             # fp32 everywhere: a batch of 8 and single images compare to 1e-6
             "--dtype", "fp32"]
    if model_dir:
        extra += ["--model", model_dir]
    return Server(binary, work, TOKEN, extra)


class Client:
    def __init__(self, port):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method, path, body=None, headers=None, token=TOKEN):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = "Bearer " + token
        try:
            try:
                self.connection.request(method, path, body=body, headers=headers)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before the whole body was sent (413): its answer is there
            response = self.connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            # The server closes the connection after some errors (413): reconnect.
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        return response.status, dict((k.lower(), v) for k, v in response.getheaders()), data

    def json(self, method, path, document=None, **kwargs):
        body = None if document is None else json.dumps(document).encode()
        status, headers, data = self.request(method, path, body, **kwargs)
        try:
            return status, json.loads(data) if data else None
        except ValueError:
            return status, {"not json": data[:200].decode(errors="replace")}


def binary_request(header, blobs, outputs=None):
    """A binary-extension body and its Inference-Header-Content-Length."""
    text = json.dumps(header).encode()
    return text + b"".join(blobs), {"Inference-Header-Content-Length": str(len(text)),
                                    "Content-Type": "application/octet-stream"}


def split_binary_response(headers, data):
    """The JSON header and the blobs of each output, by name."""
    length = int(headers.get("inference-header-content-length", len(data)))
    document = json.loads(data[:length])
    offset, blobs = length, {}
    for output in document["outputs"]:
        size = output.get("parameters", {}).get("binary_data_size")
        if size is not None:
            blobs[output["name"]] = data[offset:offset + size]
            offset += size
    check(offset == len(data), "binary response: %d bytes left over" % (len(data) - offset))
    return document, blobs


def floats(blob):
    return list(struct.unpack("<%df" % (len(blob) // 4), blob))


def bytes_elements(blob):
    out, offset = [], 0
    while offset < len(blob):
        (n,) = struct.unpack_from("<I", blob, offset)
        out.append(blob[offset + 4:offset + 4 + n])
        offset += 4 + n
    return out


def expect_error(client, what, status, expected_status, document):
    ok = check(status == expected_status, "%s: HTTP %s, expected %s (%s)" %
               (what, status, expected_status, document))
    ok &= check(isinstance(document, dict) and isinstance(document.get("error"), str) and
                document["error"], "%s: no {\"error\": ...} body: %s" % (what, document))
    # The server is unharmed: it still answers.
    alive, _ = client.json("GET", "/v2/health/ready")
    check(alive == 200, "%s: the server does not answer afterwards" % what)
    if ok:
        print("ok: %s -> %d %s" % (what, status, document["error"][:100]), flush=True)


def test_health_and_metadata(client, model):
    status, document = client.json("GET", "/v2/health/live", token=None)
    check(status == 200 and document == {"live": True}, "live: %s %s" % (status, document))
    status, document = client.json("GET", "/v2/health/ready", token=None)
    check(status == 200 and document == {"ready": True}, "ready: %s %s" % (status, document))
    status, document = client.json("GET", "/v2", token=None)
    expect_error(client, "server metadata without a token", status, 401, document)
    status, document = client.json("GET", "/v2", token="wrong")
    expect_error(client, "server metadata with a wrong token", status, 401, document)
    status, document = client.json("GET", "/v2")
    check(status == 200 and document["name"] == "vit-serve", "server metadata: %s" % document)
    for extension in ("classification", "binary_tensor_data", "model_configuration", "statistics"):
        check(extension in document.get("extensions", []), "extension %s missing" % extension)

    for path in ("/v2/models/%s" % model, "/v2/models/%s/versions/1" % model):
        status, metadata = client.json("GET", path)
        check(status == 200 and metadata["name"] == model and metadata["versions"] == ["1"],
              "%s: %s %s" % (path, status, metadata))
    inputs = {t["name"]: t for t in metadata["inputs"]}
    outputs = {t["name"]: t for t in metadata["outputs"]}
    check(inputs["image"]["datatype"] == "BYTES" and inputs["image"]["shape"] == [-1, 1],
          "image input: %s" % inputs.get("image"))
    check(inputs["pixel_values"]["datatype"] == "FP32", "pixel_values: %s" % inputs)
    check(set(outputs) == {"logits", "probabilities", "embedding"}, "outputs: %s" % outputs)

    status, ready = client.json("GET", "/v2/models/%s/ready" % model)
    check(status == 200 and ready == {"name": model, "ready": True}, "model ready: %s" % ready)
    status, config = client.json("GET", "/v2/models/%s/config" % model)
    check(status == 200 and config["name"] == model and config["max_batch_size"] == 8,
          "config: %s" % config)
    check({t["name"]: t["data_type"] for t in config["input"]} ==
          {"image": "TYPE_STRING", "pixel_values": "TYPE_FP32"}, "config inputs: %s" % config)
    check("max_queue_delay_microseconds" in config.get("dynamic_batching", {}),
          "config dynamic_batching: %s" % config)
    status, document = client.json("GET", "/v2/models/unknown-model")
    expect_error(client, "metadata of an unknown model", status, 404, document)
    status, document = client.json("GET", "/v2/models/%s/versions/7" % model)
    expect_error(client, "metadata of an unknown version", status, 404, document)
    status, document = client.json("GET", "/v2/no/such/endpoint")
    expect_error(client, "unknown endpoint", status, 404, document)
    status, document = client.json("POST", "/v2/models/%s" % model, {})
    expect_error(client, "POST to a GET endpoint", status, 405, document)
    return metadata


def classify_v1(client, image, num_classes):
    status, headers, data = client.request(
        "POST", "/v1/classify?top_k=%d" % num_classes, image, {"Content-Type": "image/png"})
    check(status == 200, "/v1/classify: %s %s" % (status, data[:200]))
    document = json.loads(data)
    return {p["class_index"]: p["probability"] for p in document["predictions"]}, document


def test_infer(client, model, metadata, images, work):
    pixel_shape = [s for s in {t["name"]: t for t in metadata["inputs"]}["pixel_values"]["shape"]]
    num_classes = {t["name"]: t for t in metadata["outputs"]}["probabilities"]["shape"][1]
    path = "/v2/models/%s/infer" % model

    # image BYTES through the binary extension == /v1/classify of the same file.
    blob = b"".join(struct.pack("<I", len(image)) + image for image in images)
    body, headers = binary_request(
        {"id": "batch", "inputs": [{"name": "image", "datatype": "BYTES", "shape": [len(images), 1],
                                    "parameters": {"binary_data_size": len(blob)}}],
         "outputs": [{"name": "probabilities", "parameters": {"binary_data": True}},
                     {"name": "logits", "parameters": {"classification": 3}}]}, [blob])
    status, response_headers, data = client.request("POST", path, body, headers)
    check(status == 200, "binary infer: %s %s" % (status, data[:300]))
    if status != 200:
        return
    document, blobs = split_binary_response(response_headers, data)
    check(document.get("id") == "batch" and document.get("model_name") == model,
          "binary infer header: %s" % document)
    probabilities = floats(blobs["probabilities"])
    check(len(probabilities) == len(images) * num_classes, "probabilities: %d" % len(probabilities))
    classes = {o["name"]: o for o in document["outputs"]}["logits"]
    check(classes["datatype"] == "BYTES" and classes["shape"] == [len(images), 3],
          "classification output: %s" % classes)
    worst = 0.0
    for i, image in enumerate(images):
        expected, _ = classify_v1(client, image, num_classes)
        row = probabilities[i * num_classes:(i + 1) * num_classes]
        worst = max([worst] + [abs(row[k] - p) for k, p in expected.items()])
        best = max(range(num_classes), key=lambda k: row[k])
        value, index, label = classes["data"][i * 3].split(":", 2)
        check(int(index) == best and label, "classification %s, best class %d" %
              (classes["data"][i * 3], best))
    check(worst <= 1e-6, "binary BYTES vs /v1/classify: max abs difference %g" % worst)
    print("ok: %d images through the binary extension match /v1/classify (max diff %g)" %
          (len(images), worst), flush=True)

    # pixel_values FP32 as JSON (nested) and as binary give the same logits.
    shape = [1] + pixel_shape[1:]
    count = math.prod(shape)
    pixels = [((i * 37) % 101) / 50.0 - 1.0 for i in range(count)]
    nested = pixels
    for dim in reversed(shape[1:]):
        nested = [nested[j:j + dim] for j in range(0, len(nested), dim)]
    status, document = client.json("POST", path, {
        "inputs": [{"name": "pixel_values", "datatype": "FP32", "shape": shape, "data": nested}],
        "outputs": [{"name": "logits"}]})
    check(status == 200, "JSON infer: %s %s" % (status, document))
    json_logits = document["outputs"][0]["data"] if status == 200 else []
    check(document["outputs"][0]["shape"] == [1, num_classes], "logits shape %s" % document)
    raw = struct.pack("<%df" % count, *pixels)
    body, headers = binary_request(
        {"inputs": [{"name": "pixel_values", "datatype": "FP32", "shape": shape,
                     "parameters": {"binary_data_size": len(raw)}}],
         "parameters": {"binary_data_output": True}}, [raw])
    status, response_headers, data = client.request("POST", path, body, headers)
    check(status == 200, "binary pixel infer: %s %s" % (status, data[:300]))
    _, blobs = split_binary_response(response_headers, data)
    check(set(blobs) == {"logits", "probabilities", "embedding"}, "binary_data_output: %s" % blobs.keys())
    binary_logits = floats(blobs["logits"])
    check(len(binary_logits) == len(json_logits) and
          all(abs(a - b) <= 1e-6 * max(1.0, abs(b)) for a, b in zip(json_logits, binary_logits)),
          "JSON and binary pixel_values disagree: %s vs %s" % (json_logits[:3], binary_logits[:3]))
    print("ok: pixel_values as JSON and as binary give the same logits", flush=True)

    # The plain endpoints, and /v1/classify through curl.
    status, _, data = client.request("POST", "/v1/embed", images[0])
    embedding = json.loads(data).get("embedding", []) if status == 200 else []
    feature_dim = {t["name"]: t for t in metadata["outputs"]}["embedding"]["shape"][1]
    check(status == 200 and len(embedding) == feature_dim, "/v1/embed: %s %s" % (status, data[:200]))
    status, info = client.json("GET", "/v1/models/%s" % model)
    check(status == 200 and info.get("id") == model and info.get("num_classes") == num_classes,
          "/v1/models: %s %s" % (status, info))
    image_file = os.path.join(work, "image.png")
    with open(image_file, "wb") as f:
        f.write(images[0])
    curl = subprocess.run(
        ["curl", "-sS", "--fail-with-body", "--data-binary", "@" + image_file,
         "-H", "Authorization: Bearer " + TOKEN,
         "http://127.0.0.1:%d/v1/classify?top_k=3" % client.port],
        capture_output=True, text=True, timeout=60)
    check(curl.returncode == 0, "curl /v1/classify: %s %s" % (curl.returncode, curl.stderr))
    if curl.returncode == 0:
        document = json.loads(curl.stdout)
        _, expected = classify_v1(client, images[0], 3)
        check(document["model_id"] == model and
              [p["class_index"] for p in document["predictions"]] ==
              [p["class_index"] for p in expected["predictions"]],
              "curl /v1/classify: %s" % curl.stdout[:300])
        print("ok: curl --data-binary @image.png /v1/classify", flush=True)

    status, stats = client.json("GET", "/v2/models/%s/stats" % model)
    model_stats = stats["model_stats"][0] if status == 200 else {}
    check(model_stats.get("name") == model and model_stats["inference_stats"]["success"]["count"] >= 3,
          "stats: %s" % stats)
    check(model_stats.get("inference_count", 0) >= len(images), "inference_count: %s" % model_stats)


def test_errors(client, model, images):
    path = "/v2/models/%s/infer" % model
    status, document = client.json("POST", path, token=None)
    expect_error(client, "infer without a token", status, 401, document)
    status, _, data = client.request("POST", path, b'{"inputs": [{"name": "image",')
    expect_error(client, "malformed JSON", status, 400, json.loads(data))
    status, document = client.json("POST", path, {"inputs": [
        {"name": "pixel_values", "datatype": "FP32", "shape": [1, 1, 28, 28], "data": [0.5] * 700}]})
    expect_error(client, "shape that does not match the data", status, 400, document)
    status, document = client.json("POST", path, {"inputs": [
        {"name": "pixel_values", "datatype": "FP32", "shape": [1000000, 1000000], "data": [1]}]})
    expect_error(client, "shape of 10^12 elements", status, 400, document)

    blob = struct.pack("<I", len(images[0])) + images[0]
    header = {"inputs": [{"name": "image", "datatype": "BYTES", "shape": [1],
                          "parameters": {"binary_data_size": len(blob)}}]}
    body, headers = binary_request(header, [blob[:-10]])
    status, _, data = client.request("POST", path, body, headers)
    expect_error(client, "truncated binary body", status, 400, json.loads(data))
    headers["Inference-Header-Content-Length"] = str(len(body) + 5)
    status, _, data = client.request("POST", path, body, headers)
    expect_error(client, "Inference-Header-Content-Length past the body", status, 400, json.loads(data))

    status, _, data = client.request("POST", path, b"x" * (MAX_IMAGE_BYTES + 100000))
    expect_error(client, "body over the limit", status, 413, json.loads(data))
    status, _, data = client.request("POST", "/v1/classify", b"x" * (MAX_IMAGE_BYTES + 100000))
    expect_error(client, "/v1/classify body over the limit", status, 413, json.loads(data))

    status, document = client.json("POST", "/v2/models/unknown-model/infer", {"inputs": [
        {"name": "image", "datatype": "BYTES", "shape": [1], "data": ["x"]}]})
    expect_error(client, "infer on an unknown model", status, 404, document)
    status, document = client.json("POST", path, {"inputs": [
        {"name": "image", "datatype": "BYTES", "shape": [1], "data": ["not an image"]}]})
    expect_error(client, "undecodable image", status, 400, document)
    status, document = client.json("POST", path, {"inputs": [
        {"name": "image", "datatype": "FP32", "shape": [1], "data": [1.0]}]})
    expect_error(client, "wrong datatype", status, 400, document)
    blobs = b"".join(struct.pack("<I", len(images[0])) + images[0] for _ in range(9))
    body, headers = binary_request({"inputs": [
        {"name": "image", "datatype": "BYTES", "shape": [9, 1],
         "parameters": {"binary_data_size": len(blobs)}}]}, [blobs])
    status, _, data = client.request("POST", path, body, headers)
    expect_error(client, "batch over max_batch_size", status, 400, json.loads(data))
    status, _, data = client.request("POST", "/v1/classify", b"")
    expect_error(client, "/v1/classify of an empty body", status, 400, json.loads(data))
    status, _, data = client.request("POST", "/v1/classify?top_k=abc", images[0])
    expect_error(client, "/v1/classify with top_k=abc", status, 400, json.loads(data))
    status, _, data = client.request("POST", "/v1/classify?model=other", images[0])
    expect_error(client, "/v1/classify of an unknown model", status, 404, json.loads(data))


def test_explain_errors_and_page(client, images):
    """/v1/explain's query checks (before anything runs) and the web page's headers
    through the real transport; none of this needs the explanation itself."""
    for query, needle in (("method=gradcam", 'method "gradcam"'),
                          ("head_fusion=median", 'head_fusion "median"'),
                          ("discard_ratio=1", "outside [0, 1)"),
                          ("discard_ratio=abc", "discard_ratio must be a number"),
                          ("format=gif", "format must be json"),
                          ("format=png&overlay=false", "overlay=false")):
        status, _, data = client.request("POST", "/v1/explain?" + query, images[0])
        document = json.loads(data)
        expect_error(client, "/v1/explain?" + query, status, 400, document)
        check(needle in document.get("error", ""), "/v1/explain?%s: %r lacks %r" %
              (query, document, needle))
    status, _, data = client.request("POST", "/v1/explain", images[0], token=None)
    expect_error(client, "/v1/explain without the token", status, 401, json.loads(data))

    status, headers, page = client.request("GET", "/", token=None)
    check(status == 200 and headers.get("content-type") == "text/html; charset=utf-8" and
          b'<script src="/web/app.js"' in page, "GET /: %s %s" % (status, headers))
    csp = headers.get("content-security-policy", "")
    check("default-src 'none'" in csp and "script-src 'self'" in csp and "http" not in csp,
          "GET /: Content-Security-Policy %r" % csp)
    etag = headers.get("etag", "")
    status, again, body = client.request("GET", "/", headers={"If-None-Match": etag}, token=None)
    check(etag and status == 304 and body == b"" and again.get("etag") == etag,
          "GET / with If-None-Match %r: %s %s %r" % (etag, status, again, body[:50]))
    for path, content_type in (("/web/app.js", "text/javascript; charset=utf-8"),
                               ("/web/style.css", "text/css; charset=utf-8")):
        status, headers, _ = client.request("GET", path, token=None)
        check(status == 200 and headers.get("content-type") == content_type,
              "GET %s: %s %s" % (path, status, headers.get("content-type")))
    status, _, data = client.request("GET", "/web/missing.js", token=None)
    expect_error(client, "GET /web/missing.js", status, 404, json.loads(data))
    print("ok: /v1/explain's query errors, the web page's files, CSP and 304", flush=True)


def test_metrics(port):
    """Calls are counted under the protocol labels "oip-http" and "http"."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/metrics")
    text = connection.getresponse().read().decode()
    for sample in ('vit_requests_total{protocol="oip-http",method="ModelInfer",code="OK"}',
                   'vit_requests_total{protocol="oip-http",method="ModelInfer",code="INVALID_ARGUMENT"}',
                   'vit_requests_total{protocol="oip-http",method="ModelInfer",code="UNAUTHENTICATED"}',
                   'vit_requests_total{protocol="http",method="/v1/classify",code="OK"}',
                   'vit_requests_total{protocol="http",method="/v1/embed",code="OK"}'):
        # The model label follows the ones named here.
        labels = re.escape(sample[:-1]) + '(,model="[^"]*")?\\}'
        check(re.search("^" + labels + " [1-9]", text, re.M) is not None,
              "metrics: no %s" % sample)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server-binary", required=True)
    parser.add_argument("--model-dir", default="")
    args = parser.parse_args()
    if shutil.which("curl") is None:
        print("curl is missing", file=sys.stderr)
        return 1
    work = tempfile.mkdtemp(prefix="oip-http-test-")
    server = start_server(args.server_binary, args.model_dir, work)
    try:
        if not server.wait():
            print("vit-server did not start:\n" + "".join(server.lines), file=sys.stderr)
            return 1
        client = Client(server.http_port)
        # The served model's name: every model's statistics name it.
        status, stats = client.json("GET", "/v2/models/stats")
        model = stats["model_stats"][0]["name"]
        metadata = test_health_and_metadata(client, model)
        channels = {t["name"]: t for t in metadata["inputs"]}["pixel_values"]["shape"][1]
        # Mixed sizes and modes: the server resizes them.
        images = [png(28, 28, 1, 1), png(40, 30, 3, 2), png(64, 64, channels, 3),
                  png(20, 50, 1, 4), png(33, 33, 3, 5), png(28, 28, 3, 6),
                  png(100, 80, 1, 7), png(28, 40, 3, 8)]
        test_infer(client, model, metadata, images, work)
        test_errors(client, model, images)
        test_explain_errors_and_page(client, images)
        status, _ = client.json("GET", "/v2/health/live")
        check(status == 200 and server.process.poll() is None, "the server died")
        test_metrics(server.metrics_port)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("%d check(s) failed; server output:\n%s" % (len(failures), "".join(server.lines[-40:])))
        return 1
    print("oip_http_test: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
