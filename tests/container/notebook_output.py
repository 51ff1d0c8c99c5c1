"""Prints the text a notebook's executed cells wrote (stream and text/plain outputs), one cell per paragraph;
exits 1 if any cell raised."""
import json
import sys

nb = json.load(open(sys.argv[1]))
failed = False
for cell in nb["cells"]:
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            print("".join(out["text"]), end="")
        elif out["output_type"] in ("execute_result", "display_data"):
            print("".join(out.get("data", {}).get("text/plain", "")))
        elif out["output_type"] == "error":
            print(f"{out['ename']}: {out['evalue']}")
            failed = True
    print()
sys.exit(1 if failed else 0)
