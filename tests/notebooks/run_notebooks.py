"""Executes the lesson notebooks with nbclient on the .net-csharp kernel, checks their outputs, and renders each as
the handout ./handouts.sh would make (OUT/handouts/NAME.html) for the browser test."""
import argparse, glob, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from notebook_run import run_to_handout  # noqa: E402

# What each lesson must show besides running without errors (substrings of its HTML/text outputs).
EXPECTED = {
    "00-quickstart.ipynb": ["EfficientNetLab.Interactive loaded", "Compute devices", "effnet-gallery"],
    "01-environment.ipynb": ["Compute devices", "NVIDIA driver (NVML)", "computed on", "AVX2"],
    "02-preprocessing.ipynb": ["data:image/png;base64,", "EfficientNet_V2_L_Weights", "max_difference"],
    "03-inference.ipynb": ["effnet-gallery", "Plotly.newPlot", "img/s"],
    "04-evaluation.ipynb": ["top-1", "Plotly.newPlot", "index,path,label"],
    "05-monitoring.ipynb": ["Plotly.newPlot", "DataWaitFraction"],
    "06-export.ipynb": ["written by EfficientNetLab", "within 1E-004", "top-1: libtorch", "onnxruntime</td>"],
    "07-finetune-fashion-mnist.ipynb": ["initialised 360 tensors", "CheckpointPath", "top-1"],
}

ap = argparse.ArgumentParser()
ap.add_argument("--out", required=True)
ap.add_argument("notebooks", nargs="*")
args = ap.parse_args()
repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
paths = args.notebooks or sorted(glob.glob(os.path.join(repo, "notebooks", "*.ipynb")))
os.makedirs(args.out, exist_ok=True)

passed = failed = 0
os.makedirs(os.path.join(args.out, "handouts"), exist_ok=True)
for path in paths:
    name = os.path.basename(path)
    problems, text, seconds = run_to_handout(
        path, os.path.join(args.out, name), os.path.join(args.out, "handouts", name.replace(".ipynb", ".html")))
    problems += [f"missing {s!r}" for s in EXPECTED.get(name, []) if s not in text]
    if problems:
        failed += 1
        print(f"FAIL {name} ({seconds:.0f} s)", *problems, sep="\n    ")
    else:
        passed += 1
        print(f"ok   {name} ({seconds:.0f} s)")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
