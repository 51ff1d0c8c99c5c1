"""Checks that a lesson app printed the key numbers its notebook showed in Jupyter: both render through the same
EfficientNetLab.Reports views (the notebook's text/plain or text/html output, the app's Report.Text), so the same
facts must come out. Exits 1 naming each difference; prints a one-line summary when all agree.
    compare.py LESSON EXECUTED_NOTEBOOK APP_STDOUT"""
import html
import json
import re
import sys

lesson, notebook_path, stdout_path = sys.argv[1:4]
notebook = json.load(open(notebook_path, encoding="utf-8"))
app = open(stdout_path, encoding="utf-8").read()


def text(value):
    return "".join(value) if isinstance(value, list) else value or ""


def outputs(source_pattern, mime):
    """The MIME outputs (or 'stdout') of the code cells whose source matches SOURCE_PATTERN, in order."""
    found, cells = [], [c for c in notebook["cells"] if c["cell_type"] == "code" and re.search(source_pattern, text(c["source"]))]
    if not cells:
        sys.exit(f"{notebook_path}: no cell matches {source_pattern!r}")
    for cell in cells:
        for out in cell.get("outputs", []):
            if mime == "stdout":
                if out["output_type"] == "stream" and out["name"] == "stdout":
                    found.append(text(out["text"]))
            elif mime in out.get("data", {}):
                found.append(text(out["data"][mime]))
    return found


problems, facts = [], []


def same(what, expected, actual, close=None):
    """EXPECTED (from the notebook) and ACTUAL (from the app) agree; CLOSE compares two items when not equal."""
    if not expected:
        problems.append(f"{what}: the notebook shows none (did it run? {notebook_path})")
    elif len(expected) != len(actual) or any(e != a and not (close and close(e, a)) for e, a in zip(expected, actual)):
        diff = [f"      notebook {e!r}\n      app      {a!r}" for e, a in zip(expected, actual) if e != a][:5]
        counts = f"{len(expected)} in the notebook, {len(actual)} from the app" if len(expected) != len(actual) else f"{len(diff)}+ differ"
        problems.append(f"{what}: {counts}" + ("\n" + "\n".join(diff) if diff else ""))
    else:
        facts.append(f"{len(expected)} {what}")


def contained(what, expected, haystack):
    """Every piece of text the notebook showed (EXPECTED) is also in the app's output (HAYSTACK: a list of lines
    for whole lines, or a string)."""
    missing = [e for e in expected if e not in haystack]
    if not expected:
        problems.append(f"{what}: the notebook shows none (did it run? {notebook_path})")
    elif missing:
        problems.append(f"{what}: {len(missing)} of {len(expected)} not printed by the app:\n" + "\n".join(f"      {m!r}" for m in missing[:5]))
    else:
        facts.append(f"{len(expected)} {what}")


def printed_lines(source_pattern):
    """What the cells printed with Console.WriteLine, line by line: the app prints the same lines."""
    contained("printed lines", [l for chunk in outputs(source_pattern, "stdout") for l in chunk.splitlines() if l.strip()], app.splitlines())


# A gallery's text: the image, then "  89.78 %     8  Bag" per class, best first.
GALLERY = re.compile(r"^(\S[^\n]*)\n\s+([\d.]+)\s*%\s+(\d+)\s+(\S+)$", re.M)


def top1(a, b):
    """Same image, class and label; the probability (two decimals of a percent) within one rounding step, as a
    forward pass on another thread count may sum in another order."""
    return a[:3] == b[:3] and abs(float(a[3]) - float(b[3])) <= 0.0101


PRESET = re.compile(r"resize \d+ \(\w+\), crop \d+, mean \[[^\]]*\], std \[[^\]]*\]")

if lesson == "00-quickstart":
    printed_lines(r"ModelLoader\.LoadAsync")
    gallery = [(m[0], m[2], m[3], m[1]) for o in outputs(r"#!classify", "text/plain") for m in GALLERY.findall(o)]
    same("top-1 classes of the shipped test images", gallery,
         [(m[0], m[2], m[3], m[1]) for m in GALLERY.findall(app)], close=top1)
elif lesson == "02-preprocessing":
    # The preprocess views' text: sizes after each stage and per-channel statistics, exactly.
    contained("preprocess views", [o.strip() for o in outputs(r"#!preprocess", "text/plain")], app)
    # The presets table (text/html in the notebook: the kernel's own formatter for a sequence of anonymous objects).
    presets = [p for o in outputs(r"CheckpointRegistry\.All", "text/html") for p in dict.fromkeys(PRESET.findall(html.unescape(o)))]
    same("presets", presets, list(dict.fromkeys(PRESET.findall(app))))
    # The tensor card: shape and statistics (the notebook shows its HTML; the app its text).
    cards = [html.unescape(o) for o in outputs(r"ToTensor\(", "text/html")]
    shape = [m for c in cards for m in re.findall(r"shape</th><td[^>]*>\[([\d, ]+)\]", c)]
    same("tensor shapes", shape, re.findall(r"Tensor \[([\d, ]+)\]", app))
    stats = [m for c in cards for m in re.findall(r"(min [-\d.]+, max [-\d.]+, mean [-\d.]+, std [-\d.]+)", c)]
    same("tensor statistics", stats, re.findall(r"Tensor \[[\d, ]+\][^:\n]*: (min [-\d.]+, max [-\d.]+, mean [-\d.]+, std [-\d.]+)", app))
elif lesson == "04-evaluation":
    printed_lines(r"ModelLoader\.LoadAsync")
    # The accuracy report's text: model and weights, top-1/top-5, class mapping, images and skips (not the speed).
    reports = [o for o in outputs(r"#!accuracy", "text/plain") if "\n  top-1 " in o]
    lines = [l for r in reports for l in r.splitlines()[:3]] + \
            [m for r in reports for m in re.findall(r"^\s+[\d,]+ images, [\d,]+ skipped", r, re.M)]
    contained("accuracy report lines", lines, app)
else:
    sys.exit(f"compare.py: no key numbers defined for {lesson}")

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(", ".join(facts))
