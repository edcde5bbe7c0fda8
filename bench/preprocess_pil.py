#!/usr/bin/python3
"""PIL + torchvision baseline for vit-bench-preprocess.

Times decode + timm's bicubic-224 eval transform (Resize(248, bicubic, antialias),
CenterCrop(224), ToTensor, Normalize) on one thread, per file, from bytes in memory.
Prints one JSON line: {"results": [{"file": ..., "ms_per_image": ...}, ...]}.
Needs Debian's /usr/bin/python3 (PIL, torch, torchvision).
"""
import argparse
import io
import json
import statistics
import time

import torch
from PIL import Image
from torchvision import transforms as T


def timm_bicubic_224():
    return T.Compose([
        T.Resize(248, interpolation=T.InterpolationMode.BICUBIC),
        T.CenterCrop(224),
        T.ToTensor(),
        T.Normalize(mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5]),
    ])


def time_file(path, iterations, rounds, transform):
    with open(path, "rb") as f:
        data = f.read()

    def once():
        image = Image.open(io.BytesIO(data)).convert("RGB")
        return transform(image)

    once()  # warm-up
    best = float("inf")
    for _ in range(rounds):  # best round median, as vit-bench-preprocess reports ours
        times = []
        for _ in range(max(1, iterations // rounds)):
            start = time.perf_counter()
            once()
            times.append((time.perf_counter() - start) * 1000.0)
        best = min(best, statistics.median(times))
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--iterations", type=int, nargs="+", default=[20],
                        help="iterations per file (one value for all, or one per file)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="split the iterations into rounds; report the best round median")
    args = parser.parse_args()
    torch.set_num_threads(1)
    transform = timm_bicubic_224()
    results = []
    for i, path in enumerate(args.files):
        n = args.iterations[i] if i < len(args.iterations) else args.iterations[-1]
        results.append({"file": path, "ms_per_image": time_file(path, n, args.rounds, transform)})
    print(json.dumps({"results": results}))


if __name__ == "__main__":
    main()
