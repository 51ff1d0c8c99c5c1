# shellcheck shell=bash
# Sourced by the shell test suites: named checks, counted, and the closing "N passed, N failed" line.
passed=0
failed=0

# check NAME COMMAND...: runs COMMAND, output to the log; counts and reports the result.
check() {
  local name=$1
  shift
  local out
  if out=$("$@" 2>&1); then
    passed=$((passed + 1))
    echo "PASS $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name"
    tail -n 40 <<<"$out" | sed 's/^/    /'
  fi
}

# http_status URL [curl args...]: the status code alone.
http_status() {
  local url=$1
  shift
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" "$url"
}

# wait_for SECONDS COMMAND...: retries COMMAND every second until it succeeds or the time is up.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
}

summary() {
  echo "$passed passed, $failed failed"
  ((failed == 0))
}
