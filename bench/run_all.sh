#!/usr/bin/env bash
# Every benchmark of bench/README.md, one after another, with the machine's core count first.
# Each prints its figures and its target; nothing here is part of the test suite. Takes about
# half an hour on a 2-core machine (the 1,000,000-message search corpus is the longest part).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" >/dev/null
echo "== $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$root" rev-parse --short HEAD)"
section() { echo; echo "== $*"; }
section feeds;           "$root/bench/run_feed_bench.sh"
section listener;        "$root/bench/run_listener_bench.sh"
section mail;            "$root/bench/run_mail_bench.sh"
section "imap first sync"; "$root/bench/run_imap_bench.sh"
section postgresql;      "$root/bench/run_postgres_bench.sh"
section "memory, huge messages"; "$root/bench/run_memory_bench.sh"
section "daemon at rest"; RAPPORT_BENCH_NO_BUILD=1 "$root/bench/run_idle_bench.sh"
section contacts;        "$build/bench/rapport_contacts_bench"
section "who is who";    "$build/bench/rapport_audience_bench"
section "reply text";    "$build/bench/rapport_reply_bench"
section "hostile input"; "$build/bench/rapport_hostile_bench"
section search
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$build/bench/rapport_mail_corpus" 1000000 "$work" >/dev/null
"$build/app/rapport" run --quiet --config "$work/rapport.toml" >/dev/null
"$build/bench/rapport_search_bench" "$work/rapport.db"
