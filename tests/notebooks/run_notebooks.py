"""Executes the lesson notebooks with nbclient on the .net-csharp kernel and checks their outputs."""
import argparse, glob, os, sys, time

import nbformat
from nbclient import NotebookClient

from notebook_outputs import read_outputs

# What each lesson must show besides running without errors (substrings of its HTML/text outputs).
EXPECTED = {
    "00-quickstart.ipynb": ["EfficientNetLab.Interactive loaded", "Compute devices", "effnet-gallery"],
    "01-environment.ipynb": ["Compute devices", "NVIDIA driver (NVML)", "computed on", "AVX2"],
    "02-preprocessing.ipynb": ["data:image/png;base64,", "EfficientNet_V2_L_Weights", "max_difference"],
    "03-inference.ipynb": ["effnet-gallery", "Plotly.newPlot", "img/s"],
    "04-evaluation.ipynb": ["top-1", "Plotly.newPlot", "index,path,label"],
    "05-monitoring.ipynb": ["Plotly.newPlot", "DataWaitFraction"],
    "07-finetune-fashion-mnist.ipynb": ["CheckpointPath", "top-1"],
}

ap = argparse.ArgumentParser()
ap.add_argument("--out", required=True)
ap.add_argument("notebooks", nargs="*")
args = ap.parse_args()
repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
paths = args.notebooks or sorted(glob.glob(os.path.join(repo, "notebooks", "*.ipynb")))
os.makedirs(args.out, exist_ok=True)

passed = failed = 0
for path in paths:
    name = os.path.basename(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=".net-csharp", timeout=900, startup_timeout=300, allow_errors=True,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    start = time.time()
    client.execute()
    nbformat.write(nb, os.path.join(args.out, name))
    problems, texts = [], []
    for i, cell in enumerate(nb.cells, 1):
        cell_problems, rich, stdout = read_outputs(cell)
        problems += [f"cell {i}: {p}" for p in cell_problems]
        texts += [rich, stdout]
    text = "\n".join(texts)
    problems += [f"missing {s!r}" for s in EXPECTED.get(name, []) if s not in text]
    if problems:
        failed += 1
        print(f"FAIL {name} ({time.time() - start:.0f} s)", *problems, sep="\n    ")
    else:
        passed += 1
        print(f"ok   {name} ({time.time() - start:.0f} s)")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
