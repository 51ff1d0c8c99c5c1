#!/usr/bin/env bash
# Image only: OS packages and the notebook user. Works on Debian 12 and Ubuntu 24.04 bases (the CUDA image).
#   EXTRA_CA_CERT  PEM text of a CA to trust (a TLS-intercepting proxy between the build and the registries)
#   LAB_USER, LAB_UID
set -euo pipefail
user=${LAB_USER:-jovyan}
uid=${LAB_UID:-1000}

export DEBIAN_FRONTEND=noninteractive
# openssh-server's postinst would otherwise try to start sshd inside the build.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d

# Before apt: the CUDA image's own package repository is https. Where ca-certificates is not installed yet
# (Debian's minimal base), its installation below picks the files up.
if [[ -n "${EXTRA_CA_CERT:-}" ]]; then
  mkdir -p /usr/local/share/ca-certificates
  # One certificate per file: update-ca-certificates links only a file's first certificate into the hashed store.
  printf '%s\n' "$EXTRA_CA_CERT" | awk '/-BEGIN CERTIFICATE-/ { n++; f = sprintf("/usr/local/share/ca-certificates/build-extra-ca-%d.crt", n) }
    n { print > f }'
  if command -v update-ca-certificates >/dev/null; then update-ca-certificates >/dev/null; fi
fi

apt-get update -qq
# .NET's other native needs (OpenSSL, zlib, libstdc++) come with these on both bases, under names that differ
# (Ubuntu 24.04's libssl3t64); ICU carries its major version in its name (72 on Debian 12, 74 on Ubuntu 24.04).
apt-get install -y -qq --no-install-recommends ca-certificates curl tini openssh-server python3 >/dev/null
icu=$(apt-cache search --names-only '^libicu[0-9]+$' | awk '{print $1}' | sort -V | tail -n 1)
apt-get install -y -qq --no-install-recommends "$icu" >/dev/null

# Each container generates its own SSH host keys at first start (docker/start-sshd.sh).
rm -f /etc/ssh/ssh_host_* /usr/sbin/policy-rc.d

# Ubuntu images ship a user "ubuntu" with uid 1000; the lab user takes that uid (docker-stacks' convention).
if existing=$(getent passwd "$uid" | cut -d: -f1) && [[ -n "$existing" && "$existing" != "$user" ]]; then
  userdel -r "$existing" 2>/dev/null || userdel "$existing"
fi
getent passwd "$user" >/dev/null || useradd -M -d "/home/$user" -u "$uid" -U -s /bin/bash "$user"
# "*" instead of useradd's "!": no password can ever match, and sshd does not treat the account as locked.
usermod -p '*' "$user"

home=$(getent passwd "$user" | cut -d: -f6)
# WORKDIR has created the home already, as root.
install -d "$home"
cp -rn /etc/skel/. "$home/"
chown -R "$uid:$uid" "$home"
install -d -o "$uid" -g "$uid" "$home/work" "$home/notebooks" "$home/.ssh" \
  /opt/effnet /opt/effnet/feed /opt/effnet/tools /opt/effnet/cli /opt/effnet/nuget /opt/effnet/torch /opt/effnet/ssh
install -d /data
ln -sf /opt/effnet/cli/effnet /usr/local/bin/effnet
