"""The peer of `effnet bench` (model mode): torchvision's EfficientNet in Debian's PyTorch, run the way a user runs
it for inference (eval mode, inference_mode, optionally channels_last), timed the way ModelBenchmark times ours:
warm-up passes, then the median of timed batches. Prints one JSON object shaped like `effnet bench --json`.

    /usr/bin/python3 tests/bench/pytorch_model.py --model b0 --batch-size 1,32 --threads 2 [--channels-last]
"""
import argparse
import json
import statistics
import time

import torch
import torchvision

BUILDERS = {
    "b0": ("efficientnet_b0", 224), "b1": ("efficientnet_b1", 240), "b2": ("efficientnet_b2", 288),
    "b3": ("efficientnet_b3", 300), "b4": ("efficientnet_b4", 380), "b5": ("efficientnet_b5", 456),
    "b6": ("efficientnet_b6", 528), "b7": ("efficientnet_b7", 600),
    "v2_s": ("efficientnet_v2_s", 384), "v2_m": ("efficientnet_v2_m", 480), "v2_l": ("efficientnet_v2_l", 480),
}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="b0", choices=BUILDERS)
    p.add_argument("--batch-size", default="1,32")
    p.add_argument("--image-size", type=int)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeats", type=int, default=10)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    name, default_size = BUILDERS[a.model]
    size = a.image_size or default_size
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    # Random init: speed does not depend on the weights' values.
    model = getattr(torchvision.models, name)().eval().to(memory_format=fmt)
    results = []
    with torch.inference_mode():
        for batch in [int(b) for b in a.batch_size.split(",")]:
            x = torch.randn(batch, 3, size, size).to(memory_format=fmt)
            for _ in range(a.warmup):
                model(x)
            times = []
            for _ in range(a.repeats):
                start = time.perf_counter()
                model(x)
                times.append((time.perf_counter() - start) * 1000)
            median = statistics.median(times)
            results.append({
                "model": name, "backend": f"pytorch {torch.__version__}", "batch_size": batch, "img_size": size,
                "device": "cpu", "dtype": "float32", "memory_format": "channels_last" if a.channels_last else "contiguous",
                "threads": a.threads, "repeats": a.repeats, "median_batch_ms": round(median, 3),
                "p90_batch_ms": round(sorted(times)[min(len(times) - 1, int(0.9 * len(times)))], 3),
                "images_per_s": round(batch * 1000 / median, 2),
            })
    print(json.dumps({"mode": "model", "results": results}))


if __name__ == "__main__":
    main()
