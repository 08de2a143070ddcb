#!/usr/bin/env bash
# Listener-message benchmarks: committed webhook messages per second on loopback, and the time
# to import a 100,000-row CSV export.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" >/dev/null
bench="${BUILD_DIR:-$root/build}/bench/rapport_listener_bench"
"$bench" webhook 20000 8
echo "target: at least 2,000 committed messages per second"
"$bench" csv 100000
