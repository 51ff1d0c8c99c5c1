"""Running lesson notebooks in a real Jupyter kernel and rendering them as offline HTML: shared by ./handouts.sh
and the notebook tests (tests/notebooks)."""
import os
import re
import time

import nbformat
from nbclient import NotebookClient

KERNEL = ".net-csharp"


def read_outputs(cell):
    """Returns (problems, rich, stdout): error outputs and stderr text as problems, the HTML + plain-text of the
    rich outputs, and what the cell printed to stdout."""
    problems, rich, stdout = [], [], []
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            problems.append(f"error output: {out.get('ename')}: {out.get('evalue')}"[:400])
        elif out.output_type == "stream":
            if out.name == "stderr":
                if out.text.strip():
                    problems.append(f"stderr: {out.text.strip()[:300]}")
            else:
                stdout.append(out.text)
        elif out.output_type in ("display_data", "execute_result", "update_display_data"):
            data = out.get("data", {})
            rich.append(data.get("text/html", "") + "\n" + data.get("text/plain", ""))
    return problems, "\n".join(rich), "\n".join(stdout)


def execute(path, timeout=900):
    """Runs the notebook at PATH top to bottom from its own folder (its relative paths resolve as in the lab) and
    returns (notebook, problems, text, seconds): every cell's problems prefixed with its number, and all the
    output text, for checks of what a lesson must show."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=timeout, startup_timeout=300, allow_errors=True,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    start = time.time()
    client.execute()
    problems, texts = [], []
    for i, cell in enumerate(nb.cells, 1):
        cell_problems, rich, stdout = read_outputs(cell)
        problems += [f"cell {i}: {p}" for p in cell_problems]
        texts += [rich, stdout]
    return nb, problems, "\n".join(texts), time.time() - start


# Script elements that load from anywhere but the page itself: a CDN, or a file of the machine that rendered it
# (Debian's nbconvert points MathJax at file:///usr/share/javascript). The lessons use no math, and their charts
# carry plotly.js inline (the kit's formatter sends it once per notebook).
_EXTERNAL_SCRIPT = re.compile(r'<script\b[^>]*\bsrc\s*=\s*["\'](?!data:)[^"\']*["\'][^>]*>\s*</script>', re.I)


# The kernel's first output in a notebook is its JavaScript bootstrap: it probes the kernel's HTTP side channel and
# loads require.js from a CDN, for live kernel access from the page. A handout has no kernel behind it.
_KERNEL_BOOTSTRAP = "dotnet-interactive-this-cell"


def render_html(nb):
    """The executed notebook as one self-contained HTML page: code, outputs, images inline, no external scripts."""
    import copy
    from nbconvert import HTMLExporter
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if _KERNEL_BOOTSTRAP not in o.get("data", {}).get("text/html", "")]
    html, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    return _EXTERNAL_SCRIPT.sub("", html)


def run_to_handout(path, ipynb_out, html_out):
    """Executes the notebook at PATH, writes the executed notebook to IPYNB_OUT and its handout to HTML_OUT, and
    returns execute()'s (problems, text, seconds)."""
    nb, problems, text, seconds = execute(path)
    nbformat.write(nb, ipynb_out)
    with open(html_out, "w", encoding="utf-8") as f:
        f.write(render_html(nb))
    return problems, text, seconds
