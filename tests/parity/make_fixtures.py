#!/usr/bin/python3
"""Writes torchvision reference checkpoints, inputs and logits for the C# parity tests.

Run with Debian's interpreter (/usr/bin/python3: python3-torchvision 0.14, torch 1.13). For every variant it
builds torchvision's model with random init, randomizes BatchNorm affine parameters and conv biases (so that a
loader that skipped them would be caught), calibrates BatchNorm running statistics on random batches, scales
the classifier so the logits have a realistic spread, then saves:

    OUT/<variant>/state_dict.pth   torch.save(model.state_dict()) - zip format, what torchvision ships
    OUT/<variant>/input.npy        N x 3 x S x S float32
    OUT/<variant>/logits.npy       N x num_classes float32, model.eval() output
    OUT/<variant>/meta.json        variant, input size, num_classes, key count

plus a few files for loader error tests under OUT/bad/ and a safetensors copy of B0 with metadata.
OUT is complete when OUT/COMPLETE exists; a rerun with the same script and seed does nothing.
"""
import argparse
import hashlib
import json
import os
import struct
import sys

import numpy as np
import torch
import torchvision

# Big variants are checked below their eval crop to keep CI on 2 cores fast; the graph is identical at any size.
VARIANTS = {
    "b0": 224, "b1": 240, "b2": 256, "b3": 256, "b4": 224, "b5": 192, "b6": 192, "b7": 160,
    "v2_s": 224, "v2_m": 192, "v2_l": 160,
}


def build(variant, num_classes=1000):
    return getattr(torchvision.models, "efficientnet_" + variant)(weights=None, num_classes=num_classes)


def randomize_and_calibrate(model, gen, size):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5, generator=gen)
                m.bias.normal_(0.0, 0.1, generator=gen)
                m.momentum = None  # cumulative average over the calibration batches
                m.reset_running_stats()
            elif isinstance(m, torch.nn.Conv2d) and m.bias is not None:
                m.bias.normal_(0.0, 0.1, generator=gen)
        model.train()
        for _ in range(3):
            model(torch.randn(4, 3, size, size, generator=gen))
        model.eval()
        x = torch.randn(2, 3, size, size, generator=gen)
        spread = model(x).std()
        # A trained ImageNet model's logits spread over a few units; tolerances are only meaningful there.
        model.classifier[1].weight.mul_(3.0 / spread)
        model.classifier[1].bias.normal_(0.0, 0.5, generator=gen)


def write_safetensors(path, state_dict, metadata):
    dtypes = {torch.float32: "F32", torch.int64: "I64"}
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in state_dict.items():
        data = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": dtypes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    os.makedirs(args.out, exist_ok=True)
    if os.path.exists(os.path.join(args.out, "COMPLETE")):
        return

    for variant in args.variants.split(","):
        size = VARIANTS[variant]
        gen = torch.Generator().manual_seed(args.seed + list(VARIANTS).index(variant))
        torch.manual_seed(args.seed)
        model = build(variant)
        randomize_and_calibrate(model, gen, size)
        x = torch.randn(2, 3, size, size, generator=gen)
        with torch.no_grad():
            logits = model(x)
        d = os.path.join(args.out, variant)
        os.makedirs(d, exist_ok=True)
        sd = model.state_dict()
        torch.save(sd, os.path.join(d, "state_dict.pth"))
        np.save(os.path.join(d, "input.npy"), x.numpy())
        np.save(os.path.join(d, "logits.npy"), logits.numpy())
        with open(os.path.join(d, "meta.json"), "w") as f:
            json.dump({"variant": variant, "input_size": size, "num_classes": 1000, "keys": len(sd),
                       "torch": torch.__version__, "torchvision": torchvision.__version__}, f)
        if variant == "b0":
            write_safetensors(os.path.join(d, "model.safetensors"), sd,
                              {"variant": "b0", "num_classes": "1000"})
        print(f"{variant}: {len(sd)} keys, input {size}, logits std {logits.std():.2f}", file=sys.stderr)

    bad = os.path.join(args.out, "bad")
    os.makedirs(bad, exist_ok=True)
    small = build("b0", num_classes=10)
    torch.save(small, os.path.join(bad, "whole_model.pth"))
    torch.save(small.state_dict(), os.path.join(bad, "legacy_format.pth"), _use_new_zipfile_serialization=False)
    torch.save(small.state_dict(), os.path.join(bad, "b0_10_classes.pth"))
    with open(os.path.join(bad, "b0_10_classes.pth"), "rb") as f:
        blob = f.read()
    with open(os.path.join(bad, "truncated.pth"), "wb") as f:
        f.write(blob[: len(blob) // 2])
    with open(os.path.join(bad, "not_a_checkpoint.pth"), "w") as f:
        f.write("<html>404 Not Found</html>\n")

    with open(os.path.join(args.out, "COMPLETE"), "w") as f:
        f.write(hashlib.sha256(open(__file__, "rb").read()).hexdigest() + "\n")


if __name__ == "__main__":
    main()
