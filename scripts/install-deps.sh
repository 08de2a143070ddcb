#!/usr/bin/env bash
# Installs the Debian 12 packages Rapport needs, when any is missing:
#   scripts/install-deps.sh           to build and run it (what scripts/demo.sh needs)
#   scripts/install-deps.sh --test    also the test suite's servers and tools, clang and libFuzzer,
#                                     and Chromium with Selenium for the web inbox's browser test
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libcurl4-openssl-dev libpugixml-dev libpoco-dev libsqlite3-dev libtomlplusplus-dev
  zlib1g-dev libutf8proc-dev libuchardet-dev libphonenumber-dev libsodium-dev tzdata libpq-dev
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(
    libgtest-dev libgmock-dev
    python3-aiosmtpd openssl dovecot-imapd dovecot-pop3d postgresql-15
    chromium chromium-driver python3-selenium fonts-dejavu-core
    clang-14 libclang-rt-14-dev libfuzzer-14-dev
  )
fi

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
# The tests start PostgreSQL servers of their own in temporary folders: the cluster the
# package would create and start on port 5432 is turned off first, as Debian documents.
if [[ " ${missing[*]} " == *" postgresql-15 "* ]]; then
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends postgresql-common
  "${sudo_cmd[@]}" sed -ri 's/^#? *create_main_cluster *=.*/create_main_cluster = false/' \
    /etc/postgresql-common/createcluster.conf
fi
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
