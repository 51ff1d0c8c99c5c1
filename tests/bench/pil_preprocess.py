#!/usr/bin/python3
"""The peer of `effnet bench --preprocess`: PIL + torchvision's eval transform over the same files, one torch
thread per worker process, printed as one JSON object.

    pil_preprocess.py --data DIR [--limit N] [--workers N] [--passes N]
                      [--crop-size 224 --resize-size 256 --interpolation bicubic --mean R G B --std R G B]

Each image is `PIL.Image.open(f).convert("RGB")` then `ImageClassification(...)(image)`. Workers are processes
(the GIL would serialise threads); every worker first runs its share once untimed, then all start together and
images_per_s is all images over the wall time until the last worker finishes. cpu_ms_per_image is the workers'
user + system CPU time per image, which other load on the machine inflates less than wall time.
"""
import argparse
import json
import multiprocessing as mp
import os
import time

import torch
import torchvision
from PIL import Image
from torchvision.transforms import InterpolationMode
from torchvision.transforms._presets import ImageClassification

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp")


def list_images(data, limit):
    files = sorted(os.path.join(data, f) for f in os.listdir(data) if f.lower().endswith(IMAGE_EXTENSIONS))
    return files[:limit] if limit else files


def run_share(files, transform):
    decode = resize = 0.0
    for f in files:
        t0 = time.perf_counter()
        with open(f, "rb") as fh:
            image = Image.open(fh).convert("RGB")
        t1 = time.perf_counter()
        transform(image)
        t2 = time.perf_counter()
        decode += t1 - t0
        resize += t2 - t1
    return decode, resize


def worker(warm_up, share, transform, start, results):
    torch.set_num_threads(1)
    run_share(warm_up, transform)
    start.wait()
    cpu0 = os.times()
    decode, transform_s = run_share(share, transform)
    cpu1 = os.times()
    results.put((len(share), decode, transform_s, cpu1.user - cpu0.user + cpu1.system - cpu0.system))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--limit", type=int, default=0, help="use the first N files (sorted by name); 0 = all")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--passes", type=int, default=3, help="times each file is processed")
    ap.add_argument("--crop-size", type=int, default=224)
    ap.add_argument("--resize-size", type=int, default=256)
    ap.add_argument("--interpolation", choices=["bilinear", "bicubic"], default="bicubic")
    ap.add_argument("--mean", type=float, nargs=3, default=[0.485, 0.456, 0.406])
    ap.add_argument("--std", type=float, nargs=3, default=[0.229, 0.224, 0.225])
    args = ap.parse_args()
    files = list_images(args.data, args.limit)
    if not files:
        raise SystemExit(f"pil_preprocess.py: no images in {args.data}")
    transform = ImageClassification(crop_size=args.crop_size, resize_size=args.resize_size,
                                    interpolation=InterpolationMode(args.interpolation), mean=args.mean, std=args.std)
    work = files * args.passes
    ctx = mp.get_context("fork")
    start = ctx.Barrier(args.workers + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(files[w::args.workers], work[w::args.workers], transform, start, results))
             for w in range(args.workers)]
    for p in procs:
        p.start()
    start.wait()
    t0 = time.perf_counter()
    parts = [results.get() for _ in procs]
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
    images = sum(part[0] for part in parts)
    print(json.dumps({
        "impl": "pil+torchvision",
        "workers": args.workers,
        "files": len(files),
        "images": images,
        "seconds": wall,
        "images_per_s": images / wall,
        "cpu_ms_per_image": 1e3 * sum(part[3] for part in parts) / images,
        "ms_per_image": {"decode": 1e3 * sum(part[1] for part in parts) / images,
                         "transform": 1e3 * sum(part[2] for part in parts) / images},
        "versions": {"pillow": Image.__version__, "torch": torch.__version__, "torchvision": torchvision.__version__},
    }))


if __name__ == "__main__":
    main()
