#!/usr/bin/python3
"""Writes the preprocessing benchmark's photo set: real photos from Debian's python3-skimage, each saved by PIL
as four JPEGs (the format of ImageNet-style data sets) and one PNG.

    make_images.py --out DIR
"""
import argparse
import os

from PIL import Image

SKIMAGE_DATA = "/usr/lib/python3/dist-packages/skimage/data"
PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png", "motorcycle_right.png",
          "ihc.png", "hubble_deep_field.jpg", "camera.png", "color.png"]


def encodings(rgb):
    yield "q90.jpg", lambda p: rgb.save(p, "JPEG", quality=90)
    yield "q75.jpg", lambda p: rgb.save(p, "JPEG", quality=75)
    yield "progressive.jpg", lambda p: rgb.save(p, "JPEG", quality=85, progressive=True)
    yield "444.jpg", lambda p: rgb.save(p, "JPEG", quality=95, subsampling=0)
    yield "rgb.png", lambda p: rgb.save(p, "PNG")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for photo in PHOTOS:
        stem = os.path.splitext(photo)[0]
        with Image.open(os.path.join(SKIMAGE_DATA, photo)) as src:
            rgb = src.convert("RGB")
        for suffix, save in encodings(rgb):
            save(os.path.join(args.out, f"{stem}_{suffix}"))


if __name__ == "__main__":
    main()
