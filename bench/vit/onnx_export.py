#!/usr/bin/python3
"""Writes the ONNX Runtime baseline's models for compare.sh: torchvision's
VisionTransformer of a vit-bench preset size (the same module and seed as
torch_baseline.py), exported with torch.onnx (dynamic batch), and its dynamic
int8 form made the way ONNX Runtime's `quantize_dynamic` makes it (whose
Python package Debian does not ship), with python3-onnx:

  every MatMul / Gemm whose second input is a constant weight W becomes
  DynamicQuantizeLinear(x) -> (x_u8, x_scale, x_zero_point),
  MatMulInteger(x_u8, W_s8, x_zero_point) -> int32, Cast -> float,
  Mul by x_scale * W_scale (and the Gemm's bias Add),
  with W quantized per tensor, symmetric s8 (ORT's default QInt8 weights).

The patch-embedding Conv and the attention's activation x activation MatMuls
stay float32, as in vit-serve's int8 (ORT's quantizer would also make the
Conv a ConvInteger: 2.6% of a ViT-B's FLOPs).

  onnx_export.py --model vit_base_patch16_224 --out DIR   # DIR/<model>.fp32.onnx, .int8.onnx
Run with Debian's /usr/bin/python3 (python3-torch, python3-torchvision, python3-onnx)."""
import argparse
import os

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper, TensorProto

from torch_baseline import PRESETS, build


def export_fp32(preset, path):
    model = build(preset, "fp32")
    x = torch.randn(1, 3, 224, 224)
    torch.onnx.export(model, x, path, input_names=["pixel_values"], output_names=["logits"],
                      dynamic_axes={"pixel_values": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=14, do_constant_folding=True)


def quantize_weight(w):
    """Per-tensor symmetric s8: scale = max|w| / 127, zero point 0."""
    scale = float(np.abs(w).max()) / 127.0 or 1.0
    q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    return q, np.float32(scale)


def quantize_dynamic(src, dst):
    model = onnx.load(src)
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    nodes = []
    count = 0
    for node in graph.node:
        weight = None
        if node.op_type == "MatMul" and node.input[1] in inits:
            weight = numpy_helper.to_array(inits[node.input[1]])  # [in, out]
        if node.op_type == "Gemm" and node.input[1] in inits:
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            if attrs.get("transA", 0) == 0 and attrs.get("alpha", 1.0) == 1.0:
                weight = numpy_helper.to_array(inits[node.input[1]])
                if attrs.get("transB", 0):
                    weight = weight.T  # Gemm's [out, in] -> [in, out]
        if weight is None or weight.ndim != 2:
            nodes.append(node)
            continue
        count += 1
        p = f"q{count}"
        q, w_scale = quantize_weight(weight.astype(np.float32))
        graph.initializer.extend([numpy_helper.from_array(np.ascontiguousarray(q), p + "_w"),
                                  numpy_helper.from_array(np.array(w_scale), p + "_w_scale")])
        out = node.output[0]
        mm_out = out if node.op_type == "MatMul" else p + "_mm"
        nodes += [
            helper.make_node("DynamicQuantizeLinear", [node.input[0]],
                             [p + "_x", p + "_x_scale", p + "_x_zp"], name=p + "_dql"),
            helper.make_node("MatMulInteger", [p + "_x", p + "_w", p + "_x_zp"], [p + "_i32"],
                             name=p + "_mmi"),
            helper.make_node("Cast", [p + "_i32"], [p + "_f32"], to=TensorProto.FLOAT,
                             name=p + "_cast"),
            helper.make_node("Mul", [p + "_x_scale", p + "_w_scale"], [p + "_scale"],
                             name=p + "_scale_mul"),
            helper.make_node("Mul", [p + "_f32", p + "_scale"], [mm_out], name=p + "_dequant"),
        ]
        if node.op_type == "Gemm":
            if len(node.input) > 2 and node.input[2]:
                nodes.append(helper.make_node("Add", [mm_out, node.input[2]], [out],
                                              name=p + "_bias"))
            else:
                nodes[-1].output[0] = out
    del graph.node[:]
    graph.node.extend(nodes)
    # Drop the float weights now unused.
    used = {i for n in graph.node for i in n.input}
    kept = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    return count


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", default="vit_base_patch16_224", help="comma-separated presets")
    p.add_argument("--out", required=True, help="folder for <model>.fp32.onnx / .int8.onnx")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in args.model.split(","):
        if name not in PRESETS:
            p.error(f"unknown model {name!r}; expected one of {', '.join(PRESETS)}")
        fp32 = os.path.join(args.out, name + ".fp32.onnx")
        int8 = os.path.join(args.out, name + ".int8.onnx")
        if not os.path.exists(fp32):
            export_fp32(name, fp32 + ".tmp")
            os.replace(fp32 + ".tmp", fp32)
        if not os.path.exists(int8):
            n = quantize_dynamic(fp32, int8 + ".tmp")
            os.replace(int8 + ".tmp", int8)
            print(f"{int8}: {n} MatMul/Gemm layers quantized")
        print(fp32)


if __name__ == "__main__":
    main()
