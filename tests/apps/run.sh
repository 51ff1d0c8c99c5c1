#!/usr/bin/env bash
# The lesson apps (notebooks/apps/NN-*.cs, generated from the notebooks by tools/lesson-apps.cs; issue #16):
#   1. tools/lesson-apps.cs --check: every app is what its notebook generates (CI fails while one is stale);
#   2. every app, built and run offline (no network namespace) from notebooks/apps, exits 0, prints text, and writes
#      HTML into $EFFNET_OUT (each page it names is there, none loads a remote script, a chart's carries plotly.js);
#   3. the quickstart, preprocessing and evaluation apps print the key numbers their notebooks show in Jupyter
#      (tests/apps/compare.py: top-1 of each shipped test image, the presets, the tensor shape, the accuracy),
#      against the notebooks the notebooks suite executed (artifacts/notebooks-run/), run here first with the same
#      runner when missing or older than the notebook;
#   4. README's "Run a lesson without Jupyter" line, `cd notebooks/apps && dotnet run 00-quickstart.cs`, as written:
#      its HTML lands in the default notebooks/apps/out/00-quickstart/.
# Prints "N passed, N failed" last.
#   tests/apps/run.sh [--feed DIR] [APP...]   APP: a lesson name (00-quickstart); default all
#   tests/apps/run.sh --check-only           step 1 alone (./test.sh --fast)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
repo="$PWD"
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
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; shift; printf '    %s\n' "$@"; }

mkdir -p "$repo/artifacts"
if tools/lesson-apps.cs --check >"$repo/artifacts/lesson-apps-check.log" 2>&1; then
  pass "tools/lesson-apps.cs --check"
else
  fail "tools/lesson-apps.cs --check" "$(tail -n 20 "$repo/artifacts/lesson-apps-check.log")"
fi
if ((check_only)); then
  echo "$passed passed, $failed failed"
  ((failed == 0)); exit
fi

# No network: a new network namespace (as root, or as a user with user namespaces), else the machine's own.
offline=()
if unshare -n true 2>/dev/null; then offline=(unshare -n)
elif unshare -rn true 2>/dev/null; then offline=(unshare -rn)
else echo "note: unshare is not permitted here, the apps run with the machine's network"
fi

rm -rf "$work"
mkdir -p "$work"
mapfile -t apps < <(if [[ $# -gt 0 ]]; then printf '%s\n' "$@"; else ls notebooks/apps/*.cs | xargs -n1 basename | sed 's/\.cs$//'; fi)

# What every app must leave: exit 0, some text, and the HTML pages it announced ("→ out/…/NN-kind.html"), at least
# one, each without a remote script. $1: lesson, $2: its output folder, $3: stdout, $4: stderr, $5: exit code.
check_run() {
  local lesson=$1 out=$2 stdout=$3 stderr=$4 rc=$5 problems=()
  ((rc == 0)) || problems+=("exit $rc: $(tail -n 15 "$stderr")")
  [[ -s "$stdout" ]] || problems+=("printed nothing")
  mapfile -t pages < <(sed -n 's/^→ \(.*\.html\)$/\1/p' "$stdout")
  ((${#pages[@]} > 0)) || problems+=("announced no HTML page")
  for page in "${pages[@]}"; do
    [[ -f "$out/$(basename "$page")" ]] || problems+=("announced $page, not in $out")
  done
  mapfile -t written < <(find "$out" -name '*.html' 2>/dev/null)
  ((${#written[@]} > 0)) || problems+=("no HTML in $out")
  for f in "${written[@]}"; do
    if grep -qiP '<script\b[^>]*\bsrc\s*=\s*(?!["'"'"']?data:)' "$f"; then problems+=("$f loads a remote script"); fi
    if grep -q 'Plotly.newPlot' "$f" && ! grep -q 'plotly.js v[0-9]' "$f"; then problems+=("$f draws a chart without plotly.js inline"); fi
  done
  if ((${#problems[@]} == 0)); then pass "$lesson ($(wc -l <"$stdout") lines, ${#written[@]} HTML)"; else fail "$lesson" "${problems[@]}"; fi
}

for lesson in "${apps[@]}"; do
  out="$work/$lesson"
  # Built first (a cold build of the app and the library takes minutes) so that its own time and output are the run's.
  if ! (cd notebooks/apps && "${offline[@]}" dotnet build "$lesson.cs" -v q --nologo) >"$work/$lesson.build.log" 2>&1; then
    fail "$lesson" "dotnet build $lesson.cs failed: $(grep -m5 -E 'error' "$work/$lesson.build.log")"
    continue
  fi
  start=$SECONDS
  (cd notebooks/apps && EFFNET_OUT="$out" timeout 1800 "${offline[@]}" dotnet run --no-build "$lesson.cs") \
    >"$work/$lesson.stdout" 2>"$work/$lesson.stderr"
  rc=$?
  echo "     $lesson ran in $((SECONDS - start)) s"
  check_run "$lesson" "$out" "$work/$lesson.stdout" "$work/$lesson.stderr" "$rc"
done

# The README line as typed, with the default output folder.
if [[ " ${apps[*]} " == *" 00-quickstart "* ]]; then
  rm -rf notebooks/apps/out/00-quickstart
  (cd notebooks/apps && unset EFFNET_OUT && timeout 1800 "${offline[@]}" dotnet run 00-quickstart.cs) \
    >"$work/readme.stdout" 2>"$work/readme.stderr"
  check_run "README: cd notebooks/apps && dotnet run 00-quickstart.cs" notebooks/apps/out/00-quickstart \
    "$work/readme.stdout" "$work/readme.stderr" $?
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
    if report=$(/usr/bin/python3 tests/apps/compare.py "$lesson" "artifacts/notebooks-run/$lesson.ipynb" "$work/$lesson.stdout" 2>&1); then
      pass "$lesson prints the notebook's key numbers: $report"
    else
      fail "$lesson prints the notebook's key numbers" "$report"
    fi
  done
fi

echo "$passed passed, $failed failed"
((failed == 0))
