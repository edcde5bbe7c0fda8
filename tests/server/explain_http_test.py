#!/usr/bin/env python3
"""POST /v1/explain of the real vit-server binary (needs the explanation itself, issue 17).

Starts vit-server as oip_http_test.py does (its start_server, Client and PNG writer) and
checks the answer on generated PNGs: the grid and heat map (grid_height x grid_width
values in [0, 1], the largest 1), the predictions equal to /v1/classify's, no overlay
unless asked, overlay=true as a base64 PNG the image's size, ?format=png as the PNG
itself (Content-Type image/png), method=attention and head_fusion=max answering too,
and an undecodable body as 400.

Usage: explain_http_test.py --server-binary PATH [--model-dir DIR]
Exit code 0 when every check passed, 1 otherwise.
"""
import argparse
import base64
import json
import os
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oip_http_test as oip  # noqa: E402  (start_server, Client, png, check, failures)

check = oip.check


def png_size(data):
    """(width, height) of a PNG, or None when `data` is not one."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def explain(client, query, image):
    status, headers, data = client.request("POST", "/v1/explain" + query, image)
    return status, headers, data


def check_json_answer(client, image, width, height):
    status, _, data = explain(client, "?top_k=3", image)
    if not check(status == 200, "/v1/explain: %s %s" % (status, data[:300])):
        return
    answer = json.loads(data)
    grid_h, grid_w, heat = answer["grid_height"], answer["grid_width"], answer["heatmap"]
    check(grid_h > 0 and grid_w > 0 and len(heat) == grid_h * grid_w,
          "grid %dx%d with %d values" % (grid_h, grid_w, len(heat)))
    check(all(0.0 <= v <= 1.0 for v in heat) and abs(max(heat) - 1.0) < 1e-6,
          "heat map values in [0, 1], largest 1 (min %g, max %g)" % (min(heat), max(heat)))
    check(answer["overlay_png"] == "", "no overlay unless asked")
    check(answer["model_id"] and "total_us" in answer["timings"], "model_id and timings set")
    status, _, data = client.request("POST", "/v1/classify?top_k=3", image)
    classified = json.loads(data)["predictions"]
    check([p["class_index"] for p in answer["predictions"]] ==
          [p["class_index"] for p in classified],
          "predictions %s equal /v1/classify's %s" % (answer["predictions"], classified))

    status, _, data = explain(client, "?overlay=true", image)
    overlay = base64.b64decode(json.loads(data).get("overlay_png", "")) if status == 200 else b""
    check(png_size(overlay) == (width, height),
          "overlay=true: a %dx%d PNG (got %s, HTTP %s)" % (width, height, png_size(overlay), status))


def check_png_answer(client, image, width, height):
    status, headers, data = explain(client, "?format=png&method=attention&head_fusion=max", image)
    check(status == 200 and headers.get("content-type") == "image/png" and
          png_size(data) == (width, height),
          "?format=png: HTTP %s, %s, size %s" % (status, headers.get("content-type"), png_size(data)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-binary", required=True)
    parser.add_argument("--model-dir", default="")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="explain-http-test-")
    server = oip.start_server(args.server_binary, args.model_dir, work)
    try:
        if not server.wait():
            print("vit-server did not start:\n" + "".join(server.lines), file=sys.stderr)
            return 1
        client = oip.Client(server.http_port)
        for width, height, channels, seed in ((40, 30, 3, 2), (28, 28, 1, 1)):
            image = oip.png(width, height, channels, seed)
            check_json_answer(client, image, width, height)
            check_png_answer(client, image, width, height)
        status, _, data = explain(client, "", b"not an image")
        oip.expect_error(client, "/v1/explain of an undecodable body", status, 400, json.loads(data))
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    if oip.failures:
        print("%d check(s) failed; server output:\n%s" %
              (len(oip.failures), "".join(server.lines[-40:])))
        return 1
    print("explain_http_test: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
