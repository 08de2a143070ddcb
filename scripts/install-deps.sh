#!/usr/bin/env bash
# Installs the Debian 12 packages Rapport builds and tests with, when any is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libcurl4-openssl-dev libpugixml-dev libpoco-dev libsqlite3-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev tzdata
  python3-aiosmtpd openssl dovecot-imapd dovecot-pop3d
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "installing: ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
