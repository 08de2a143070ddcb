#!/usr/bin/env bash
# Builds the libFuzzer targets (clang 14, ASan + UBSan) into build-fuzz/ and runs them:
#   scripts/fuzz.sh [TARGET|all] [SECONDS]       (default: all targets, 30 seconds each)
# Each target starts from its seeds (listed in tests/fuzz/fuzz_targets.cc) and keeps what it
# learns in build-fuzz/corpus/TARGET. An input that crashes, hangs (10 s) or breaks a promise is
# saved in build-fuzz/artifacts/TARGET/; once the bug is fixed, keep it as a regression input
# in tests/data/fuzz/TARGET/, where the test suite runs it on every build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
which="${1:-all}"
seconds="${2:-30}"
all=(feed mail headers html reply csv jsonl webhook config dates digest_commands http web social)
if [[ "$which" == "all" ]]; then
  targets=("${all[@]}")
else
  targets=("$which")
fi

"$root/scripts/install-deps.sh" --test
CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DRAPPORT_FUZZ=ON -DRAPPORT_BUILD_TESTS=OFF -DRAPPORT_BUILD_BENCH=OFF >/dev/null
build_targets=()
for t in "${targets[@]}"; do build_targets+=(--target "fuzz_$t"); done
cmake --build "$build" -j"$(nproc)" "${build_targets[@]}"

failed=0
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  # Seeds: the files and folders named for this target in fuzz_targets.cc, and kept inputs.
  seeds=$(grep -oP "\{\"$t\", \w+, \"\K[^\"]+" "$root/tests/fuzz/fuzz_targets.cc")
  for s in $seeds "tests/data/fuzz/$t"; do
    if [[ -d "$root/$s" ]]; then
      find "$root/$s" -type f -exec cp -n {} "$corpus/" \;
    elif [[ -f "$root/$s" ]]; then
      cp -n "$root/$s" "$corpus/"
    fi
  done
  log="$build/fuzz_$t.log"
  status=0
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" \
    >"$log" 2>&1 || status=$?
  runs=$(grep -oP 'stat::number_of_executed_units:\s*\K[0-9]+' "$log" || echo "?")
  size=$(find "$corpus" -type f | wc -l)
  if ((status != 0)); then
    failed=1
    echo "fuzz $t: FAILED after $runs executions; see $log and $artifacts/"
    grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -5 || true
  else
    echo "fuzz $t: $runs executions in ${seconds}s, corpus $size inputs, nothing found"
  fi
done
exit $failed
