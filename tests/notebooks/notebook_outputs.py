"""What both notebook runners read from an executed cell."""


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
