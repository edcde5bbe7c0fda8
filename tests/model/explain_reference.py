#!/usr/bin/python3
"""Reference heat maps for the Explain comparison (tests/model/explain_reference_test.cc).

Runs timm's ViT forward from a fixture folder's model.safetensors (read with a
small json + numpy parser, no safetensors package) on its reference.safetensors
pixel_values, keeps every block's softmax attention, and computes attention
rollout / last-block attention exactly as the issue specifies, with full T x T
matrix products in float64 (an implementation independent of the C++ one,
which multiplies a row vector). Checks its own logits against the fixture's
reference logits first, so a wrong forward cannot pass silently.

Usage: explain_reference.py --model DIR --out FILE.json [--discard 0.5]
Writes {"logits_max_abs": x, "cases": [{"image", "method", "fusion",
"discard", "grid": [h, w], "values": [...]}]}. Exit 0 on success, 2 otherwise.
"""
import argparse
import json
import math
import struct
import sys

import numpy as np
import torch

# timm's defaults for the architectures the fixtures use (model_args override).
ARCH_DEFAULTS = {
    "vit_tiny_patch16_224": {"embed_dim": 192, "num_heads": 3, "patch_size": 16},
    "vit_small_patch16_224": {"embed_dim": 384, "num_heads": 6, "patch_size": 16},
    "vit_base_patch16_224": {"embed_dim": 768, "num_heads": 12, "patch_size": 16},
}
DTYPES = {"F32": np.float32, "F16": np.float16}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len])
    base = 8 + header_len
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[base + begin:base + end], dtype=DTYPES[info["dtype"]])
        tensors[name] = torch.from_numpy(array.astype(np.float32).reshape(info["shape"]).copy())
    return tensors


def config_of(folder):
    with open(folder + "/config.json") as f:
        config = json.load(f)
    args = dict(ARCH_DEFAULTS[config["architecture"]])
    args.update(config.get("model_args", {}))
    args.setdefault("class_token", True)
    args.setdefault("global_pool", config.get("global_pool", "token"))
    args.setdefault("reg_tokens", 0)
    args.setdefault("no_embed_class", False)
    return args


def forward(w, cfg, pixels):
    """timm VisionTransformer.forward in eval mode; returns logits and the
    softmax attention of every block, each [B, heads, T, T]."""
    b = pixels.shape[0]
    p = cfg["patch_size"]
    x = torch.nn.functional.conv2d(pixels, w["patch_embed.proj.weight"],
                                   w["patch_embed.proj.bias"], stride=p)
    x = x.flatten(2).transpose(1, 2)  # [B, N, D]
    prefix = []
    if cfg["class_token"]:
        prefix.append(w["cls_token"].expand(b, -1, -1))
    if cfg["reg_tokens"]:
        prefix.append(w["reg_token"].expand(b, -1, -1))
    if cfg["no_embed_class"]:
        x = x + w["pos_embed"]
        x = torch.cat(prefix + [x], dim=1) if prefix else x
    else:
        x = torch.cat(prefix + [x], dim=1) if prefix else x
        x = x + w["pos_embed"]
    dim = x.shape[-1]
    heads = cfg["num_heads"]
    ln = lambda t, name: torch.nn.functional.layer_norm(t, (dim,), w[name + ".weight"],
                                                        w[name + ".bias"], eps=1e-6)
    attentions = []
    for i in range(cfg["depth"]):
        pre = "blocks.%d." % i
        h = ln(x, pre + "norm1")
        qkv = torch.nn.functional.linear(h, w[pre + "attn.qkv.weight"], w.get(pre + "attn.qkv.bias"))
        t = x.shape[1]
        qkv = qkv.reshape(b, t, 3, heads, dim // heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q * (dim // heads) ** -0.5) @ k.transpose(-2, -1)).softmax(dim=-1)
        attentions.append(attn)
        out = (attn @ v).transpose(1, 2).reshape(b, t, dim)
        out = torch.nn.functional.linear(out, w[pre + "attn.proj.weight"], w[pre + "attn.proj.bias"])
        if pre + "ls1.gamma" in w:
            out = out * w[pre + "ls1.gamma"]
        x = x + out
        h = ln(x, pre + "norm2")
        h = torch.nn.functional.gelu(
            torch.nn.functional.linear(h, w[pre + "mlp.fc1.weight"], w[pre + "mlp.fc1.bias"]))
        h = torch.nn.functional.linear(h, w[pre + "mlp.fc2.weight"], w[pre + "mlp.fc2.bias"])
        if pre + "ls2.gamma" in w:
            h = h * w[pre + "ls2.gamma"]
        x = x + h
    num_prefix = len(prefix) and sum(t.shape[1] for t in prefix)
    if "norm.weight" in w:
        x = ln(x, "norm")
    pooled = x[:, num_prefix:].mean(dim=1) if cfg["global_pool"] == "avg" else x[:, 0]
    if "fc_norm.weight" in w:
        pooled = ln(pooled, "fc_norm")
    logits = torch.nn.functional.linear(pooled, w["head.weight"], w["head.bias"])
    return logits, attentions, num_prefix


def fuse(attn, fusion):  # [heads, T, T] -> [T, T]
    if fusion == "mean":
        return attn.mean(dim=0)
    if fusion == "max":
        return attn.max(dim=0).values
    return attn.min(dim=0).values


def discard(a, ratio, class_token):
    """Zeroes the floor(ratio * T^2) smallest entries (outside column 0 with a
    class token), ties by lower row-major index."""
    t = a.shape[0]
    k = math.floor(float(np.float32(ratio)) * t * t)
    flat = a.reshape(-1).copy()
    index = np.arange(t * t)
    candidates = index[index % t != 0] if class_token else index
    order = candidates[np.lexsort((candidates, flat[candidates]))]
    flat[order[:k]] = 0.0
    return flat.reshape(t, t)


def heatmap(blocks, method, ratio, class_token, num_prefix, grid):
    """blocks: list of fused [T, T] float64 arrays, first block first."""
    t = blocks[0].shape[0]
    if method == "attention":
        r = discard(blocks[-1], ratio, class_token)
    else:
        r = np.eye(t)
        for a in blocks:  # R = Â_L ... Â_1
            a = discard(a, ratio, class_token)
            a = 0.5 * a + 0.5 * np.eye(t)
            a = a / a.sum(axis=1, keepdims=True)
            r = a @ r
    row = r[0] if class_token else r[num_prefix:].mean(axis=0)
    values = row[num_prefix:]
    return (values / values.max()).tolist()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="fixture model folder")
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--discard", type=float, default=0.5, help="the non-zero discard ratio")
    args = parser.parse_args()
    cfg = config_of(args.model)
    weights = read_safetensors(args.model + "/model.safetensors")
    reference = read_safetensors(args.model + "/reference.safetensors")
    pixels = reference["pixel_values"]
    with torch.no_grad():
        logits, attentions, num_prefix = forward(weights, cfg, pixels)
    logits_max_abs = float((logits - reference["logits"]).abs().max())
    if logits_max_abs > 1e-4:
        print("reference forward is wrong: logits differ from the fixture's by %g" % logits_max_abs,
              file=sys.stderr)
        return 2
    grid = [pixels.shape[2] // cfg["patch_size"], pixels.shape[3] // cfg["patch_size"]]
    cases = []
    for image in range(pixels.shape[0]):
        for fusion in ("mean", "max", "min"):
            blocks = [fuse(a[image], fusion).double().numpy() for a in attentions]
            for method in ("rollout", "attention"):
                for ratio in (0.0, args.discard):
                    cases.append({"image": image, "method": method, "fusion": fusion,
                                  "discard": ratio, "grid": grid,
                                  "values": heatmap(blocks, method, ratio, cfg["class_token"],
                                                    num_prefix, grid)})
    with open(args.out, "w") as f:
        json.dump({"logits_max_abs": logits_max_abs, "cases": cases}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
