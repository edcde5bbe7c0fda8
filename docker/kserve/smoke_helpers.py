#!/usr/bin/env python3
"""Helpers of docker/kserve/smoke.sh (the KServe step of docker/smoke-test.sh).

  runtime MANIFEST NAME          the ServingRuntime's container as shell words:
                                 COMMAND... ARGS... one per line after "cmd",
                                 then NAME=VALUE env lines after "env" ({{.Name}}
                                 replaced by NAME; valueFrom variables left out)
  binary-body IMAGE K OUT        an OIP infer body with the binary tensor data
                                 extension: "image" BYTES [1,1] + probabilities
                                 with classification K (JSON answer); prints the
                                 Inference-Header-Content-Length
  pixel-body METADATA OUT        a JSON infer body: "pixel_values" zeros of the
                                 shape ModelMetadata (file METADATA) declares, batch 1
  check-infer BODY OUTPUT K      the JSON answer BODY has OUTPUT with K elements
                                 (K -1: any number) in "data"
"""
import json
import struct
import sys


def runtime(manifest, name):
    import yaml  # python3-yaml

    with open(manifest) as f:
        docs = [d for d in yaml.safe_load_all(f) if d and d.get("kind") == "ServingRuntime"]
    container = docs[0]["spec"]["containers"][0]
    print("cmd")
    for word in container.get("command", []) + container.get("args", []):
        print(word.replace("{{.Name}}", name))
    print("env")
    for env in container.get("env", []):
        if "value" in env:
            print(f'{env["name"]}={str(env["value"]).replace("{{.Name}}", name)}')


def binary_body(image, k, out):
    data = open(image, "rb").read()
    element = struct.pack("<I", len(data)) + data
    header = json.dumps({
        "inputs": [{"name": "image", "datatype": "BYTES", "shape": [1, 1],
                    "parameters": {"binary_data_size": len(element)}}],
        "outputs": [{"name": "probabilities", "parameters": {"classification": int(k)}}],
    }).encode()
    with open(out, "wb") as f:
        f.write(header + element)
    print(len(header))


def pixel_body(metadata, out):
    inputs = {i["name"]: i for i in json.load(open(metadata))["inputs"]}
    shape = [1] + [int(d) for d in inputs["pixel_values"]["shape"][1:]]
    count = 1
    for d in shape:
        count *= d
    body = {"inputs": [{"name": "pixel_values", "datatype": "FP32", "shape": shape,
                        "data": [0.0] * count}],
            "outputs": [{"name": "logits"}]}
    with open(out, "w") as f:
        json.dump(body, f)


def flatten(data):
    return [x for item in data for x in flatten(item)] if isinstance(data, list) else [data]


def check_infer(body, output, k):
    answer = json.load(open(body))
    for o in answer["outputs"]:
        if o["name"] == output:
            n = 1
            for d in o["shape"]:
                n *= d
            data = flatten(o["data"])
            assert n > 0 and len(data) == n and (int(k) < 0 or n == int(k)), f"{output}: {o}"
            print(f'{output} {o["datatype"]} {o["shape"]}: {o["data"][:3]}')
            return
    raise SystemExit(f"no output {output} in {answer}")


if __name__ == "__main__":
    commands = {"runtime": runtime, "binary-body": binary_body, "pixel-body": pixel_body,
                "check-infer": check_infer}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        raise SystemExit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
