#!/usr/bin/env bash
# Installs what is missing, builds the rapport program only (the tests and benchmarks are built
# by scripts/test.sh), and runs one pass of Rapport on the bundled demo.
# The database and the digest (.eml) land in state/ at the top of the checkout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" rapport
# The demo's mail arrived in late November 2026: its digest reads as of the next morning.
export RAPPORT_NOW="${RAPPORT_NOW:-2026-11-30T08:00:00Z}"
exec "${BUILD_DIR:-$root/build}/app/rapport" run --config "$root/config/demo.toml" "$@"
