"""Executes lesson notebooks in the .net-csharp kernel and writes each as a self-contained HTML handout; called by
./handouts.sh, which sets the kernel up first."""
import argparse
import glob
import os
import sys

from notebook_run import run_to_handout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="folder for NAME.html (and the executed NAME.ipynb)")
    ap.add_argument("notebooks", nargs="*", help="notebooks to render (default: every notebooks/*.ipynb)")
    args = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    paths = args.notebooks or sorted(glob.glob(os.path.join(repo, "notebooks", "*.ipynb")))
    os.makedirs(args.out, exist_ok=True)
    failed = []
    for path in paths:
        name = os.path.splitext(os.path.basename(path))[0]
        print(f"{name}: running…", flush=True)
        target = os.path.join(args.out, name + ".html")
        problems, _, seconds = run_to_handout(path, os.path.join(args.out, name + ".ipynb"), target)
        # A handout with an error in it is still written (it shows where), but the run fails.
        if problems:
            failed.append(name)
            print(f"{name}: {len(problems)} problem(s), written to {target}", *problems, sep="\n    ")
        else:
            print(f"{name}: {target} ({os.path.getsize(target) / 1e6:.1f} MB, {seconds:.0f} s)")
    if failed:
        print(f"handouts: {len(failed)} notebook(s) had errors: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
