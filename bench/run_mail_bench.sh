#!/usr/bin/env bash
# Mail benchmark: a generated mbox of 100,000 realistic replies read all the way into the
# database by `rapport run` (parse, classify, extract, link, resolve, store), beside Python's
# own mailbox + email modules reading the same file into SQLite and `mu index` (maildir-utils)
# indexing the same messages as a Maildir, in the same run. Peak memory from GNU time.
#
#   bench/run_mail_bench.sh [MESSAGES]     (default 100000; the corpus is ~270 MB twice)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count="${1:-100000}"
"$root/scripts/install-deps.sh"
missing=()
for p in maildir-utils time python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The default build (-O2), as users run it.
"$root/scripts/build.sh" >/dev/null
build="${BUILD_DIR:-$root/build}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$build/bench/rapport_mail_corpus" "$count" "$work"
cd "$work"
sync  # the corpus on disk before anything is timed

# "wall_seconds max_rss_kb" of a command, from GNU time.
measure() {
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >"$work/out.txt" 2>"$work/err.txt" || {
    cat "$work/err.txt" >&2
    exit 1
  }
  cat "$work/time.txt"
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.0f", n / s}'; }

# Three runs, each into a new database; the median is reported (the others take minutes and
# run once).
runs=()
for i in 1 2 3; do
  rm -f rapport.db rapport.db-wal rapport.db-shm
  sync
  read -r s kb < <(measure "$build/app/rapport" run --config rapport.toml)
  stored=$(grep -o '[0-9,]* new messages' "$work/err.txt" | head -1)
  echo "rapport run #$i:       $count messages in ${s} s ($(rate "$count" "$s") messages/s), peak $((kb / 1024)) MB; $stored"
  runs+=("$s $kb")
done
read -r ours_s ours_kb < <(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p)
echo "rapport run (median): ${ours_s} s ($(rate "$count" "$ours_s") messages/s)"

# The floor: the rows that run stored, written again by SQLite alone (bench/sqlite_floor.cc).
floor_line="$("$build/bench/rapport_sqlite_floor" rapport.db)"
echo "$floor_line"
floor_s=$(echo "$floor_line" | grep -o 'in [0-9.]* s' | grep -o '[0-9.]*')

# One core: the same run pinned to one CPU (the reading thread and the writing one share it).
if command -v taskset >/dev/null && [[ $(nproc) -gt 1 ]]; then
  rm -f rapport.db rapport.db-wal rapport.db-shm
  sync
  read -r one_s one_kb < <(measure taskset -c 0 "$build/app/rapport" run --config rapport.toml)
  echo "rapport run, 1 core:  $count messages in ${one_s} s ($(rate "$count" "$one_s") messages/s), peak $((one_kb / 1024)) MB"
fi

# The same again on the first fifth of the file: memory must not grow with the mbox.
small=$((count / 5))
awk -v n="$small" '/^From / {k++} k > n {exit} {print}' replies.mbox >small.mbox
sed -e 's/replies.mbox/small.mbox/' -e 's/rapport.db/small.db/' rapport.toml >small.toml
read -r small_s small_kb < <(measure "$build/app/rapport" run --config small.toml)
echo "rapport run (1/5):    $small messages in ${small_s} s, peak $((small_kb / 1024)) MB"

read -r py_s py_kb < <(measure python3 "$root/bench/mailbox_bench.py" replies.mbox python.db)
echo "python mailbox+email: $count messages in ${py_s} s ($(rate "$count" "$py_s") messages/s), peak $((py_kb / 1024)) MB"

mu init --muhome="$work/mu" --maildir="$work/Maildir" >/dev/null
read -r mu_s mu_kb < <(measure mu index --muhome="$work/mu")
echo "mu index (Maildir):   $count messages in ${mu_s} s ($(rate "$count" "$mu_s") messages/s), peak $((mu_kb / 1024)) MB"

awk -v a="$ours_s" -v p="$py_s" -v m="$mu_s" -v kb="$ours_kb" -v f="$floor_s" 'BEGIN {
  printf "ratio: %.1fx python mailbox+email (target: 50x), %.1fx mu index (target: 30x)\n", p / a, m / a
  printf "rapport run / sqlite floor: %.2fx (target: within 2x)\n", a / f
  printf "peak memory: %d MB (target: under 100 MB)\n", kb / 1024 }'
