"""Builds the extension notebook, executes it with nbclient on the .net-csharp kernel and checks every cell."""
import argparse, json, os, re, sys, time

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from notebook_run import KERNEL, read_outputs  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--feed", required=True)
ap.add_argument("--version", required=True)
ap.add_argument("--repo", required=True)
ap.add_argument("--out", required=True)
args = ap.parse_args()
image = os.path.join(args.repo, "samples", "images", "chelsea.png")

# (cell source, substrings that its HTML output must contain, substrings it must not contain)
cells = [
    (f'#i "nuget: {args.feed}"\n#r "nuget: EfficientNetLab.Interactive, {args.version}"',
     ["EfficientNetLab.Interactive loaded", "#!efficientnet", "#!accuracy", 'data-effnet="plotly.js"'], []),
    ("#!cuda-info", ["Compute devices", "NVIDIA driver (NVML)", "libtorch", "2.10"], []),
    ("#!efficientnet --model b0 --weights random --name m", ["m = efficientnet_b0", "5.289 M", "random init"], []),
    (f"#!classify --model m {image} --topk 3", ["effnet-gallery", "data:image/png;base64,", "chelsea.png"], []),
    ("m.Model.NumClasses", ["1000"], []),
    # The package's libtorch, not Debian's 1.13 from /usr/lib, is the one TorchSharp bound to.
    ("EfficientNetLab.Devices.TorchRuntime.PreloadedLibTorch", ["libtorch-cpu-linux-x64/2.10.0/"], []),
    ("using Plotly.NET;\n"
     "var trace = new Trace(\"scatter\");\n"
     "trace.SetProperty(\"x\", new[] { 1, 2, 3 });\n"
     "trace.SetProperty(\"y\", new[] { 2, 4, 3 });\n"
     "GenericChart.ofTraceObject(true, trace)",
     ["Plotly.newPlot", '"type":"scatter"'], ["cdn.plot.ly", "require.config", 'data-effnet="plotly.js"']),
    # Plotly.NET asked for FSharp.Core 10.1 and got the host's copy: one FSharp.Core in the process.
    ('string.Join(";", AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name == "FSharp.Core").Select(a => "FSharp.Core " + a.GetName().Version))',
     ["FSharp.Core 10.0.0.0"], [";"]),
]

nb = nbformat.v4.new_notebook()
nb.metadata["kernelspec"] = {"name": ".net-csharp", "display_name": ".NET (C#)", "language": "C#"}
nb.metadata["language_info"] = {"name": "C#"}
nb.cells = [nbformat.v4.new_code_cell(src) for src, _, _ in cells]
os.makedirs(args.out, exist_ok=True)

client = NotebookClient(nb, kernel_name=KERNEL, timeout=900, startup_timeout=300, allow_errors=True,
                        resources={"metadata": {"path": args.out}})
start = time.time()
client.execute()
print(f"notebook executed in {time.time() - start:.0f} s", file=sys.stderr)
nbformat.write(nb, os.path.join(args.out, "extension.ipynb"))

passed = failed = 0
for i, ((src, must, must_not), cell) in enumerate(zip(cells, nb.cells), 1):
    problems, text, _ = read_outputs(cell)
    problems += [f"missing {s!r}" for s in must if s not in text]
    problems += [f"unexpected {s!r}" for s in must_not if s in text]
    first = src.splitlines()[-1] if src.startswith("#i") else src.splitlines()[0]
    if problems:
        failed += 1
        print(f"FAIL cell {i} ({first}):", *problems, sep="\n    ")
    else:
        passed += 1
        print(f"ok   cell {i} ({first})")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
