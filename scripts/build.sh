#!/usr/bin/env bash
# Configures and builds Rapport into build/ (the folder can be overridden with BUILD_DIR, the
# build type with BUILD_TYPE). With target names (`scripts/build.sh rapport`), builds only those.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DRAPPORT_WERROR="${RAPPORT_WERROR:-OFF}" >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$build" -j"$(nproc)" "${targets[@]}"
