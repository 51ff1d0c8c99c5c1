#!/usr/bin/env bash
# Container tests, run by CI. Lints the Dockerfile and the shell scripts, builds the image with podman from local
# stand-ins for what this machine cannot pull (a debootstrapped Debian 12 for the CUDA base, this machine's .NET
# SDK for the SDK image, Debian's Jupyter, TorchSharp's CPU backend, no weights), then runs it on 127.0.0.1 and
# checks Jupyter, the kernel, a notebook, the healthcheck and SSH. Installs what it needs; run as root.
#   tests/container/run.sh          reuses the base image tarball and the image layers cached in
#                                   ~/.cache/efficientnet-lab/container (EFFNET_CACHE moves ~/.cache/efficientnet-lab)
#   tests/container/run.sh --fresh  drops the cached layers first (keeps the debootstrap tarball)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
# shellcheck source=tests/checks.sh
source tests/checks.sh
started=$SECONDS

cache=${EFFNET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/efficientnet-lab}/container
mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9
# Build steps run chrooted and may outlive a killed build; they must not inherit, and so hold, the lock.
# Healthchecks are run by hand below: without systemd podman cannot schedule them, and says so at every run/rm.
podman() { command podman "$@" 9>&- 2> >(grep -v 'unable to get systemd connection' >&2); }
buildah() { command buildah "$@" 9>&-; }

need=()
for pkg in podman buildah runc debootstrap shellcheck openssh-client curl; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
# Node.js may come from elsewhere with npm bundled (Debian's npm package then conflicts with it).
command -v npm >/dev/null || need+=(npm)
if ((${#need[@]})); then
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null
fi
lint=$cache/npm/node_modules/.bin/dockerfilelint
[[ -x "$lint" ]] || npm install --silent --prefix "$cache/npm" dockerfilelint@1.8.0 >/dev/null

# Podman as measured on this machine: vfs storage (no overlay inside the sandbox), runc (crun fails on hybrid
# cgroups), chroot isolation for builds, and the highest ulimits it accepts. Kept apart from any system podman.
export CONTAINERS_CONF=$cache/containers.conf CONTAINERS_STORAGE_CONF=$cache/storage.conf
cat >"$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
cat >"$CONTAINERS_STORAGE_CONF" <<CONF
[storage]
driver = "vfs"
graphroot = "$cache/storage"
runroot = "/run/efficientnet-lab-podman"
CONF

tmp=$(mktemp -d)
containers=()
cleanup() {
  for c in "${containers[@]}"; do podman rm -f -t 3 "$c" >/dev/null 2>&1 || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

if [[ "${1:-}" == --fresh ]]; then
  podman system reset -f >/dev/null 2>&1 || true
  rm -rf "$cache/storage"
fi
# A failed build leaves its working container behind, a full copy of the image under vfs.
buildah rm --all >/dev/null 2>&1 || true

echo "== lint"
check "dockerfilelint Dockerfile" "$lint" Dockerfile
check "shellcheck" shellcheck -x lab.sh handouts.sh test.sh docker/*.sh tests/checks.sh tests/container/run.sh tests/lab/run.sh tests/browser/*.sh tests/bench/*.sh tools/*.sh tests/scale/*.sh tests/apps/*.sh deploy/*.sh deploy/*/*.sh .ci/run

echo "== image"
base=localhost/effnet-test-base:bookworm
tarball=$cache/bookworm-minbase.tar
if [[ ! -s "$tarball" ]]; then
  debootstrap --variant=minbase bookworm "$tmp/rootfs" >"$tmp/debootstrap.log" 2>&1 \
    || { tail -n 20 "$tmp/debootstrap.log"; exit 1; }
  tar -C "$tmp/rootfs" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
  rm -rf "$tmp/rootfs"
fi
podman image exists "$base" || podman import -q "$tarball" "$base" >/dev/null

dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
sdk=localhost/effnet-test-dotnet:$(dotnet --version)
if ! podman image exists "$sdk"; then
  tar -C "$dotnet_root" -c --transform 's,^\.,usr/share/dotnet,' . | podman import -q - "$sdk" >/dev/null
fi

image=localhost/efficientnet-lab:test
extra_ca=$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true)
build_started=$SECONDS
# --format docker: the OCI format has no HEALTHCHECK.
build() {
  podman build --format docker --isolation chroot --pull=never --layers -t "$image" \
    --build-arg BASE_IMAGE="$base" --build-arg DOTNET_IMAGE="$sdk" --build-arg JUPYTER_FROM=distro \
    --build-arg TORCH_BACKEND=cpu --build-arg PREFETCH_WEIGHTS= --build-arg EXTRA_CA_CERT="$extra_ca" . \
    >"$cache/build.log" 2>&1 || { tail -n 30 "$cache/build.log"; df -h "$cache" | sed 's/^/   /'; return 1; }
}
check "image builds (log: $cache/build.log)" build
echo "   build took $((SECONDS - build_started)) s"
podman image prune -f >/dev/null
if ! podman image exists "$image"; then
  summary
  exit 1
fi

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

no_host_keys() {
  local keys
  keys=$(podman run --rm "$image" find /etc/ssh /opt/effnet/ssh -name 'ssh_host_*')
  echo "$keys"
  [[ -z "$keys" ]]
}
check "no SSH host keys in the image" no_host_keys
# README: "docker run … efficientnet-lab effnet models  # arguments replace Jupyter" (the docs test exempts it for this).
check "arguments replace Jupyter: effnet models" podman run --rm "$image" effnet models

echo "== Jupyter in the container"
work=$tmp/work
mkdir -p "$work"
cp tests/container/smoke.ipynb "$work/"
chown -R 1000:1000 "$work"
port=$(free_port)
token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
lab=effnet-lab-test-$$
containers+=("$lab")
podman run -d --name "$lab" -p "127.0.0.1:$port:8888" -e JUPYTER_TOKEN="$token" \
  -v "$work:/home/jovyan/work" "$image" >/dev/null
url=http://127.0.0.1:$port
check "Jupyter answers on 127.0.0.1:$port" wait_for 120 curl -fs "$url/api"

all_processes_are() {
  local users
  users=$(podman top "$1" user | tail -n +2)
  echo "$users"
  [[ -n "$users" ]] && ! grep -qvx "$2" <<<"$users"
}
check "every process runs as jovyan (uid 1000), none as root" all_processes_are "$lab" jovyan
check "/api/kernelspecs is 403 without the token" test "$(http_status "$url/api/kernelspecs")" = 403
kernelspecs() {
  curl -fs -H "Authorization: token $token" "$url/api/kernelspecs" | python3 -c '
import json, sys
spec = json.load(sys.stdin)["kernelspecs"][".net-csharp"]["spec"]
assert "--http-local-only" in spec["argv"], spec
assert spec["env"]["MALLOC_ARENA_MAX"] == "1", spec
print(spec)'
}
check "/api/kernelspecs with the token lists .net-csharp (started --http-local-only, MALLOC_ARENA_MAX=1)" kernelspecs
run_notebook() {
  podman exec "$lab" jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600 \
    --output executed.ipynb /home/jovyan/work/smoke.ipynb
  out=$(python3 tests/container/notebook_output.py "$work/executed.ipynb")
  echo "$out"
  grep -qx 2 <<<"$out" && grep -q efficientnet_b0 <<<"$out" && grep -qx "effnet models exited 0" <<<"$out"
}
check "a C# notebook runs in the container (1+1, effnet models)" run_notebook
check "healthcheck passes" podman healthcheck run "$lab"
run_log() { ls "$work"/logs/jupyter-*.log && grep -q Jupyter "$work"/logs/jupyter-*.log && ! grep -rq "$token" "$work/logs"; }
check "Jupyter's run log is written under work/logs, without the token" run_log
podman rm -f -t 3 "$lab" >/dev/null

echo "== SSH (ENABLE_SSH=1) and a generated token"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/id"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/other"
cp "$tmp/id.pub" "$tmp/authorized_keys"
chmod 644 "$tmp/authorized_keys"
ssh_port=$(free_port)
port=$(free_port)
url=http://127.0.0.1:$port
sshlab=effnet-lab-ssh-test-$$
containers+=("$sshlab")
podman run -d --name "$sshlab" -e ENABLE_SSH=1 --sysctl net.ipv4.ip_unprivileged_port_start=22 \
  -p "127.0.0.1:$ssh_port:22" -p "127.0.0.1:$port:8888" \
  -v "$tmp/authorized_keys:/home/jovyan/.ssh/authorized_keys:ro" "$image" >/dev/null
ssh_opts=(-F /dev/null -p "$ssh_port" -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=10
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
host_key() { ssh-keyscan -p "$ssh_port" 127.0.0.1 2>/dev/null | grep -q ssh-ed25519; }
check "sshd answers on 127.0.0.1:$ssh_port" wait_for 60 host_key
check "Jupyter answers next to sshd" wait_for 120 curl -fs "$url/api"
batch_run() {
  out=$(ssh "${ssh_opts[@]}" -i "$tmp/id" jovyan@127.0.0.1 'id -u && effnet models')
  echo "$out"
  [[ $(head -n 1 <<<"$out") == 1000 ]] && grep -q efficientnet_b0 <<<"$out"
}
check "ssh BatchMode logs in with the key and runs effnet" batch_run
refused() { ! ssh "${ssh_opts[@]}" -i "$1" "$2@127.0.0.1" true; }
check "root cannot log in, even with the key" refused "$tmp/id" root
check "a key not in authorized_keys is refused" refused "$tmp/other" jovyan
only_publickey() {
  ! out=$(ssh "${ssh_opts[@]}" -v -o PubkeyAuthentication=no jovyan@127.0.0.1 true 2>&1) || return 1
  grep -x 'debug1: Authentications that can continue: publickey' <<<"$out"
  ! grep 'Authentications that can continue:.*\(password\|keyboard-interactive\)' <<<"$out"
}
check "sshd offers publickey only (no password, no keyboard-interactive)" only_publickey
check "every process, sshd included, runs as jovyan" all_processes_are "$sshlab" jovyan
check "the shipped sshd_config passes docker/check-sshd-config.sh" \
  podman exec "$sshlab" /opt/effnet/docker/check-sshd-config.sh /opt/effnet/docker/sshd_config
check "a config allowing passwords is caught" podman exec "$sshlab" sh -c \
  "sed 's/^PasswordAuthentication no/PasswordAuthentication yes/' /opt/effnet/docker/sshd_config >/tmp/weak && ! /opt/effnet/docker/check-sshd-config.sh /tmp/weak"
check "a Match block reopening root logins is caught" podman exec "$sshlab" sh -c \
  "{ cat /opt/effnet/docker/sshd_config; printf 'Match User root\n  PermitRootLogin yes\n'; } >/tmp/weak && ! /opt/effnet/docker/check-sshd-config.sh /tmp/weak"
generated_token() {
  logs=$(podman logs "$sshlab" 2>&1)
  [[ $(grep -c 'Jupyter token (generated' <<<"$logs") == 1 ]] || return 1
  gen=$(sed -n 's/^Jupyter token (generated for this start): //p' <<<"$logs")
  [[ $(http_status "$url/api/kernelspecs" -H "Authorization: token $gen") == 200 ]] &&
    ! podman exec "$sshlab" sh -c "grep -rq '$gen' /home/jovyan/work/logs"
}
check "without JUPYTER_TOKEN a token is generated, printed once, works, and stays out of the run log" generated_token
podman rm -f -t 3 "$sshlab" >/dev/null

echo "== $(du -sh "$cache" | cut -f1) in $cache; $((SECONDS - started)) s in all"
summary
