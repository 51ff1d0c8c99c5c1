#!/usr/bin/env bash
# The lesson apps (notebooks/apps/NN-*.cs, generated from the notebooks by tools/lesson-apps.cs; issue #16):
#   1. tools/lesson-apps.cs --check: every app is what its notebook generates (CI fails while one is stale); and the
#      generator on scratch notebooks: what it emits, and how it names a stale app, an unknown option, a refused value;
#   2. every app, built and run offline (no network namespace) from notebooks/apps, exits 0, prints text, and writes
#      HTML into $EFFNET_OUT (each page it names is there, none loads a remote script, a chart's carries plotly.js);
#   3. the quickstart, preprocessing and evaluation apps print the key numbers their notebooks show in Jupyter
#      (tests/apps/compare.py: top-1 of each shipped test image, the presets, the tensor shape, the accuracy),
#      against the notebooks the notebooks suite executed (artifacts/notebooks-run/), run here first with the same
#      runner when missing or older than the notebook;
#   4. README's "Run a lesson without Jupyter" line, `cd notebooks/apps && dotnet run 00-quickstart.cs`, as written:
#      its HTML lands in the default notebooks/apps/out/00-quickstart/.
# Prints "N passed, N failed" last.
#   tests/apps/run.sh [--feed DIR] [LESSON...]   LESSON: an app's name (00-quickstart); default all
#   tests/apps/run.sh --check-only              tools/lesson-apps.cs --check alone (./test.sh --fast)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
repo="$PWD"
# shellcheck source=tests/checks.sh
source tests/checks.sh
work="$repo/artifacts/apps-run"
feed=()
check_only=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --feed) feed=(--feed "$2"); shift 2 ;;
    --check-only) check_only=1; shift ;;
    -*) echo "tests/apps/run.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

check "tools/lesson-apps.cs --check" tools/lesson-apps.cs --check
if ((check_only)); then
  summary
  exit
fi

# The generator on notebooks of its own (a copy of the tool in a scratch tree, its #:project pointed back here): what
# a stale app, an unknown option and a refused value make it say.
rm -rf "$work"
scratch="$work/generator"
mkdir -p "$scratch/tools" "$scratch/notebooks"
sed "s|^#:project \.\./src/|#:project $repo/src/|" tools/lesson-apps.cs >"$scratch/tools/lesson-apps.cs"
notebook() {  # notebook NAME CELL...: a .net-csharp notebook, a markdown cell, then one code cell per CELL
  /usr/bin/python3 - "$scratch/notebooks/$1.ipynb" "${@:2}" <<'PY'
import json, sys
cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# A lesson\n", "in two lines"]}]
cells += [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c} for c in sys.argv[2:]]
json.dump({"cells": cells, "metadata": {"kernelspec": {"name": ".net-csharp"}}, "nbformat": 4, "nbformat_minor": 5}, open(sys.argv[1], "w"))
PY
}
generator() { (cd "$scratch" && dotnet run tools/lesson-apps.cs -- "$@" 2>&1); }
# says EXPECTED ARGS...: the generator exits non-zero and its output holds EXPECTED.
says() {
  local expected=$1 output
  shift
  if output=$(generator "$@"); then echo "exited 0: $output"; return 1; fi
  grep -qF -- "$expected" <<<"$output" || { echo "no '$expected' in: $output"; return 1; }
}
generates() {
  generator >/dev/null || return 1
  grep -qxF 'lesson.Show(Lab.DeviceInfo());' "$scratch/notebooks/apps/00-a.cs" && grep -qxF 'lesson.Show(x + 1);' "$scratch/notebooks/apps/00-a.cs" &&
    grep -qxF '// in two lines' "$scratch/notebooks/apps/00-a.cs" && grep -qxF 'using System.Text;' "$scratch/notebooks/apps/00-a.cs"
}
notebook 00-a '#!cuda-info' $'using System.Text;\nvar x = 1;\nx + 1'
check "lesson-apps: markdown as comments, usings hoisted, a magic as its Lab call, a trailing expression shown" generates
notebook 00-a '#!cuda-info' 'var x = 2;'
check "lesson-apps --check names a stale app" says "notebooks/apps/00-a.cs is stale" --check
notebook 00-a '#!accuracy --model model --data x --bogus 1'
check "lesson-apps names the notebook, cell and option of an unknown option" \
  says "notebooks/00-a.ipynb: cell 2: #!accuracy: unknown option --bogus (AccuracyRequest has no property Bogus)"
notebook 00-a 'var m = 1;' '#!benchmark --model m --batch-size 1,x'
check "lesson-apps refuses a value with the option's own rule" \
  says "notebooks/00-a.ipynb: cell 3: #!benchmark: --batch-size takes positive integers separated by commas, got '1,x'."
notebook 00-a 'var lesson = "mine";'
check "lesson-apps refuses a lesson that takes the app's own variable name" \
  says "notebooks/00-a.ipynb: cell 2: declares 'lesson', the app's own variable for what the lesson shows"

# No network: a new network namespace (as root, or as a user with user namespaces), else the machine's own.
offline=()
if unshare -n true 2>/dev/null; then offline=(unshare -n)
elif unshare -rn true 2>/dev/null; then offline=(unshare -rn)
else echo "note: unshare is not permitted here, the apps run with the machine's network"
fi

if [[ $# -gt 0 ]]; then apps=("$@"); else mapfile -t apps < <(find notebooks/apps -maxdepth 1 -name '*.cs' -printf '%f\n' | sed 's/\.cs$//' | sort); fi

# Built on its own first (a cold build of the app and the library takes minutes), so that the run's output is the app's.
build() {
  (cd notebooks/apps && "${offline[@]}" dotnet build "$1.cs" -v q --nologo)
}

# run LESSON LOG [ENV...]: the app from notebooks/apps, offline, with ENV (env's arguments); stdout and stderr in LOG.*
run() {
  local lesson=$1 log=$2 start=$SECONDS rc
  shift 2
  (cd notebooks/apps && env "$@" timeout 1800 "${offline[@]}" dotnet run --no-build "$lesson.cs") >"$log.stdout" 2>"$log.stderr"
  rc=$?
  echo "     $lesson ran in $((SECONDS - start)) s"
  return $rc
}

# left LOG OUT RC: what every app must leave (LOG.stdout and LOG.stderr from run): exit 0, some text, and the HTML
# pages it announced ("→ …/NN-kind.html") in OUT, at least one, none loading a remote script, a chart's carrying
# plotly.js inline.
left() {
  local log=$1 out=$2 rc=$3 problems=() pages written f
  ((rc == 0)) || problems+=("exit $rc: $(grep -v NNPACK "$log.stderr" | tail -n 15)")
  [[ -s "$log.stdout" ]] || problems+=("printed nothing")
  mapfile -t pages < <(sed -n 's/^→ \(.*\.html\)$/\1/p' "$log.stdout")
  ((${#pages[@]} > 0)) || problems+=("announced no HTML page")
  for f in "${pages[@]}"; do
    [[ -f "$out/$(basename "$f")" ]] || problems+=("announced $f, not in $out")
  done
  mapfile -t written < <(find "$out" -name '*.html' 2>/dev/null)
  ((${#written[@]} > 0)) || problems+=("no HTML in $out")
  for f in "${written[@]}"; do
    if grep -qiP '<script\b[^>]*\bsrc\s*=\s*(?!["'"'"']?data:)' "$f"; then problems+=("$f loads a remote script"); fi
    if grep -q 'Plotly.newPlot' "$f" && ! grep -q 'plotly.js v[0-9]' "$f"; then problems+=("$f draws a chart without plotly.js inline"); fi
  done
  printf '%s\n' "${problems[@]}"
  ((${#problems[@]} == 0))
}

for lesson in "${apps[@]}"; do
  before=$failed
  check "$lesson builds offline" build "$lesson"
  ((failed == before)) || continue
  run "$lesson" "$work/$lesson" EFFNET_OUT="$work/$lesson"
  check "$lesson runs offline and writes its pages" left "$work/$lesson" "$work/$lesson" $?
done

# The README line as typed (a fresh build included), with the default output folder.
if [[ " ${apps[*]} " == *" 00-quickstart "* ]]; then
  rm -rf notebooks/apps/out/00-quickstart
  start=$SECONDS
  (cd notebooks/apps && unset EFFNET_OUT && timeout 1800 "${offline[@]}" dotnet run 00-quickstart.cs) >"$work/readme.stdout" 2>"$work/readme.stderr"
  rc=$?
  echo "     README line ran in $((SECONDS - start)) s"
  check "README: cd notebooks/apps && dotnet run 00-quickstart.cs" left "$work/readme" notebooks/apps/out/00-quickstart $rc
fi

# Key numbers against the executed notebooks.
compared=()
for lesson in 00-quickstart 02-preprocessing 04-evaluation; do
  [[ " ${apps[*]} " == *" $lesson "* ]] && compared+=("$lesson")
done
if ((${#compared[@]} > 0)); then
  stale=0
  for lesson in "${compared[@]}"; do
    executed="artifacts/notebooks-run/$lesson.ipynb"
    [[ -f "$executed" && "$executed" -nt "notebooks/$lesson.ipynb" ]] || stale=1
  done
  if ((stale)); then
    # The runner starts from an empty artifacts/notebooks-run: all three, not just the missing one.
    echo "     executing the ${compared[*]} notebooks (tests/notebooks/run-notebooks.sh)"
    notebooks=()
    for lesson in "${compared[@]}"; do notebooks+=("notebooks/$lesson.ipynb"); done
    tests/notebooks/run-notebooks.sh "${feed[@]}" "${notebooks[@]}" >"$work/notebooks.log" 2>&1 || true
  fi
  for lesson in "${compared[@]}"; do
    check "$lesson prints the notebook's key numbers" \
      /usr/bin/python3 tests/apps/compare.py "$lesson" "artifacts/notebooks-run/$lesson.ipynb" "$work/$lesson.stdout"
  done
fi

summary
