"""Exits 0 when two eval run folders hold the same results; else prints the first difference and exits 1.

    compare_runs.py EXPECTED_RUN ACTUAL_RUN

summary.json must be equal but for the fields that time the run (tests/EfficientNetLab.Tests/Evaluation/
RunMergeTests.cs ignores the same ones); predictions.csv, skipped.csv, per_class.csv and confusion.csv must be
equal byte for byte.
"""
import json
import os
import sys

TIMING_FIELDS = {"images_per_s", "wall_time_s", "data_wait_fraction", "peak_memory_mb", "monitor", "retry_batch_size",
                 "backend_reason", "backend_probe"}
RESULT_FILES = ["predictions.csv", "skipped.csv", "per_class.csv", "confusion.csv"]

expected_dir, actual_dir = sys.argv[1:]


def summary(run):
    with open(os.path.join(run, "summary.json")) as f:
        return {k: v for k, v in json.load(f).items() if k not in TIMING_FIELDS}


expected, actual = summary(expected_dir), summary(actual_dir)
for key in sorted(set(expected) | set(actual)):
    if expected.get(key, "<absent>") != actual.get(key, "<absent>"):
        sys.exit(f"summary.json differs at {key!r}: {str(expected.get(key, '<absent>'))[:300]} vs {str(actual.get(key, '<absent>'))[:300]}")
for name in RESULT_FILES:
    with open(os.path.join(expected_dir, name), "rb") as f:
        a = f.read()
    with open(os.path.join(actual_dir, name), "rb") as f:
        b = f.read()
    if a != b:
        line = next(i for i, (x, y) in enumerate(zip(a.splitlines() + [b""], b.splitlines() + [b""]), 1) if x != y)
        sys.exit(f"{name} differs first at line {line}")
print(f"same results: top1 {actual['top1']}, top5 {actual['top5']}, {actual['images']} images; "
      f"{', '.join(RESULT_FILES)} identical")
