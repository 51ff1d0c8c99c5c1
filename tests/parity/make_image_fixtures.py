#!/usr/bin/python3
"""Re-encodes real photos with PIL into the formats the kit must read like PIL does, and writes torchvision's
preprocessed tensors for them.

    make_image_fixtures.py --out DIR PHOTO...

DIR/images/<photo>_<variant>.<ext>   baseline/progressive/4:4:4/grayscale/CMYK JPEG, palette/RGBA/16-bit PNG, GIF
DIR/<preset>/<file>.npy              torchvision ImageClassification(preset) of PIL.Image.open(f).convert("RGB")
DIR/<preset>/rgb/<file>.npy          the decoded RGB pixels (H x W x 3 uint8), to tell decoding from resampling
DIR/manifest.json                    files, presets and library versions
"""
import argparse
import json
import os

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision.transforms import InterpolationMode
from torchvision.transforms._presets import ImageClassification

# The eval presets of torchvision's weights (B0, B3, V2-S), the ones the issue names.
PRESETS = {
    "b0": dict(crop_size=224, resize_size=256, interpolation=InterpolationMode.BICUBIC),
    "b3": dict(crop_size=300, resize_size=320, interpolation=InterpolationMode.BICUBIC),
    "v2_s": dict(crop_size=384, resize_size=384, interpolation=InterpolationMode.BILINEAR),
}


def variants(src):
    rgb = src.convert("RGB")
    yield "baseline.jpg", lambda p: rgb.save(p, "JPEG", quality=90)
    yield "progressive.jpg", lambda p: rgb.save(p, "JPEG", quality=85, progressive=True)
    yield "444.jpg", lambda p: rgb.save(p, "JPEG", quality=95, subsampling=0)
    yield "gray.jpg", lambda p: rgb.convert("L").save(p, "JPEG", quality=90)
    yield "cmyk.jpg", lambda p: rgb.convert("CMYK").save(p, "JPEG", quality=90)
    yield "rgb.png", lambda p: rgb.save(p, "PNG")
    yield "palette.png", lambda p: rgb.quantize(256).save(p, "PNG")
    yield "rgba.png", lambda p: _with_alpha(rgb).save(p, "PNG")
    yield "gray16.png", lambda p: Image.fromarray((np.asarray(rgb.convert("L"), dtype=np.uint16) * 257)).save(p, "PNG")
    yield "frame.gif", lambda p: rgb.quantize(256).save(p, "GIF")


def _with_alpha(rgb):
    rgba = rgb.convert("RGBA")
    alpha = np.tile(np.linspace(0, 255, rgb.width, dtype=np.uint8), (rgb.height, 1))
    rgba.putalpha(Image.fromarray(alpha))
    return rgba


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("photos", nargs="+")
    args = ap.parse_args()
    images = os.path.join(args.out, "images")
    os.makedirs(images, exist_ok=True)
    files = []
    for photo in args.photos:
        stem = os.path.splitext(os.path.basename(photo))[0]
        with Image.open(photo) as src:
            for suffix, save in variants(src):
                path = os.path.join(images, f"{stem}_{suffix}")
                save(path)
                files.append(os.path.basename(path))
    for name, preset in PRESETS.items():
        transform = ImageClassification(**preset)
        os.makedirs(os.path.join(args.out, name, "rgb"), exist_ok=True)
        for f in files:
            with Image.open(os.path.join(images, f)) as im:
                rgb = im.convert("RGB")
            np.save(os.path.join(args.out, name, "rgb", f + ".npy"), np.asarray(rgb))
            np.save(os.path.join(args.out, name, f + ".npy"), transform(rgb).numpy())
    with open(os.path.join(args.out, "manifest.json"), "w") as fh:
        json.dump({"files": files, "presets": {k: {"crop_size": v["crop_size"], "resize_size": v["resize_size"],
                                                   "interpolation": v["interpolation"].value} for k, v in PRESETS.items()},
                   "torch": torch.__version__, "torchvision": torchvision.__version__,
                   "pillow": Image.__version__}, fh)


if __name__ == "__main__":
    main()
