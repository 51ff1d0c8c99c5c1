#!/usr/bin/env bash
# JupyterHub for a class (deploy/jupyterhub/hub.sh), run for real as root: --setup-only twice (the second must be
# quick), then the hub on a free port with two students (UNIX users in a test group) and one outsider. Each student
# logs in through the form and gets a server of their own that lists .net-csharp and runs a lesson; a wrong
# password and a user outside the group get no session; neither student reaches the other's server; an idle server
# is culled, and the next start keeps the student's edits and brings back a deleted lesson.
# The users, their homes and the group are removed at the end; the kit stays installed in /opt/effnet-lab, as
# hub.sh leaves it. Also checks deploy/jupyterhub/z2jh-values.yaml.
set -euo pipefail
if ((EUID != 0)); then
  echo "tests/scale/hub.sh: run as root: it creates UNIX users and runs the hub, which must be root" >&2
  exit 1
fi
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
# shellcheck source=tests/checks.sh
source tests/checks.sh
export PATH=/usr/bin:$PATH

group=effnet-hubtest
alice=effnet-hubtest-a
bob=effnet-hubtest-b
eve=effnet-hubtest-x
idle=40
tmp=$(mktemp -d)
chmod 755 "$tmp"
hub=
cleanup() {
  # JupyterHub stops the servers it started when it is stopped itself.
  if [[ -n "$hub" ]]; then
    kill "$hub" 2>/dev/null || true
    wait "$hub" 2>/dev/null || true
  fi
  for u in "$alice" "$bob" "$eve"; do
    id "$u" >/dev/null 2>&1 && userdel -r "$u" >/dev/null 2>&1
  done
  getent group "$group" >/dev/null && groupdel "$group"
  rm -rf "$tmp"
}
trap cleanup EXIT

password() { python3 -c 'import secrets; print(secrets.token_urlsafe(12))'; }
getent group "$group" >/dev/null || groupadd "$group"
for u in "$alice" "$bob" "$eve"; do
  id "$u" >/dev/null 2>&1 && userdel -r "$u" >/dev/null 2>&1
done
pa=$(password) pb=$(password) px=$(password)
useradd -m -s /bin/bash -G "$group" "$alice"
useradd -m -s /bin/bash -G "$group" "$bob"
useradd -m -s /bin/bash "$eve"
chpasswd <<<"$alice:$pa
$bob:$pb
$eve:$px"

export HUB_GROUP=$group HUB_STATE=$tmp/state HUB_IDLE_TIMEOUT=$idle
setup_within() {
  local start=$SECONDS
  nice deploy/jupyterhub/hub.sh --setup-only
  echo "took $((SECONDS - start)) s (limit $1 s)"
  ((SECONDS - start <= $1))
}
check "hub.sh --setup-only installs JupyterHub, the kernels, the feed and the kit's packages" setup_within 1200
check "hub.sh --setup-only again is quick (nothing to do)" setup_within 30

# A port whose neighbours the hub also takes (its API at +81, the proxy's at +1) are free too.
port=$(python3 -c '
import random, socket
while True:
    p = random.randint(20000, 40000)
    try:
        for q in (p, p + 1, p + 81):
            socket.create_server(("127.0.0.1", q)).close()
        print(p)
        break
    except OSError:
        pass')
url=http://127.0.0.1:$port
HUB_PORT=$port nice deploy/jupyterhub/hub.sh >"$tmp/hub.log" 2>&1 &
hub=$!
check "the hub serves on 127.0.0.1:$port (its proxy started)" wait_for 90 curl -fs "$url/hub/api"
student() { python3 tests/scale/hub/student.py "$url" "$tmp/$1.jar" "${@:2}"; }

refused() {
  local rc=0
  student "$1" login "$2" "$3" || rc=$?
  ((rc == 3))
}
check "a wrong password gets no session" refused wrong "$alice" "not-$pa"
check "a UNIX user outside $group gets no session, right password or not" refused outsider "$eve" "$px"
check "$alice logs in through the form" student alice login "$alice" "$pa"
check "$bob logs in through the form" student bob login "$bob" "$pb"
check "$alice's server starts (lessons copied on first login)" student alice spawn "$alice"
check "$bob's server starts" student bob spawn "$bob"
check "$alice's server runs as $alice" pgrep -u "$alice" -f jupyterhub-singleuser
# A server has terminals: a student is a shell user too.
check "$bob (a shell in his server) cannot read $alice's lessons" \
  bash -c "! setpriv --reuid='$bob' --regid='$bob' --init-groups ls ~$alice/notebooks"
check "$alice's server lists .net-csharp (--http-local-only, MALLOC_ARENA_MAX=1)" student alice kernelspecs "$alice"
check "$bob's server lists .net-csharp" student bob kernelspecs "$bob"
refused_between() {
  local out
  out=$(student "$1" reach "$2" "$3")
  echo "$out"
  [[ "$(head -c 3 <<<"$out")" == 403 ]]
}
check "$alice's session gets 403 from $bob's server" refused_between alice "$alice" "$bob"
check "$bob's session gets 403 from $alice's server" refused_between bob "$bob" "$alice"

# Bob edits one lesson and deletes another, then leaves his server idle while Alice works.
marker="edited by $bob $(date +%s)"
check "$bob edits a lesson" student bob put "$bob" notebooks/02-preprocessing.ipynb "$marker"
check "$bob deletes a lesson" student bob delete "$bob" notebooks/06-export.ipynb

lesson() {
  local out
  out=$(student alice run "$alice" notebooks/01-environment.ipynb "1+1")
  echo "$out"
  sed -n '/^--- cell 1 /,/^--- cell 2 /p' <<<"$out" | grep -qx '    2' && grep -q '^    computed on cpu' <<<"$out"
}
check "$alice runs 1+1 and the lesson 01-environment (loads the kit from the feed, computes with libtorch)" lesson

not_running() {
  local rc=0
  student bob running "$bob" || rc=$?
  ((rc == 4))
}
check "$bob's idle server is culled (HUB_IDLE_TIMEOUT=$idle; the server checks once a minute)" \
  wait_for 180 not_running
check "$bob's server starts again" student bob spawn "$bob"
kept() { student bob cat "$bob" notebooks/02-preprocessing.ipynb | grep -qx "$marker"; }
check "$bob's edit is kept" kept
check "$bob's deleted lesson is back" student bob cat "$bob" notebooks/06-export.ipynb

check "deploy/jupyterhub/z2jh-values.yaml: the kit's image, a CPU and a GPU profile, culling, home storage" \
  /usr/bin/python3 tests/scale/hub/check_z2jh.py deploy/jupyterhub/z2jh-values.yaml
echo "hub log: last lines"
tail -n 5 "$tmp/hub.log" | sed 's/^/    /'
summary
