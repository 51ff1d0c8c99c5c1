#!/usr/bin/env bash
# Fails unless sshd, with the given config, allows public-key logins only and never root, for root and for
# LAB_USER alike (so a Match block cannot reopen what the global settings close). Uses sshd's own parser (-T).
#   check-sshd-config.sh CONFIG
set -euo pipefail
config=${1:?usage: check-sshd-config.sh CONFIG}
user=${LAB_USER:-$(id -un)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# -T wants a readable host key; the real ones need not exist yet, so a throwaway one stands in for them.
ssh-keygen -q -t ed25519 -N '' -f "$tmp/key"
{ echo "HostKey $tmp/key"; grep -v '^[[:space:]]*HostKey[[:space:]]' "$config"; } >"$tmp/sshd_config"

bad=0
for who in root "$user"; do
  effective=$(/usr/sbin/sshd -T -f "$tmp/sshd_config" -C "user=$who,host=client,addr=192.0.2.1")
  for want in "permitrootlogin no" "passwordauthentication no" "kbdinteractiveauthentication no" \
    "pubkeyauthentication yes" "permitemptypasswords no" "authenticationmethods publickey"; do
    if ! grep -qx "$want" <<<"$effective"; then
      echo "check-sshd-config.sh: $config: for user $who, expected '$want', got '$(grep -m1 "^${want%% *} " <<<"$effective" || echo unset)'" >&2
      bad=1
    fi
  done
done
exit "$bad"
