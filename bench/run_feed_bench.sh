#!/usr/bin/env bash
# Feed benchmarks: Rapport's parser beside Python feedparser on the same generated files, in
# the same run, and a pass over 500 unchanged feeds answered 304 by a loopback server.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
if ! dpkg-query -W -f='${Status}' python3-feedparser 2>/dev/null | grep -q "install ok installed"; then
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get install -y -qq python3-feedparser >/dev/null
fi
# The default build (-O2), as users run it.
"$root/scripts/build.sh" >/dev/null
bench="${BUILD_DIR:-$root/build}/bench/rapport_feed_bench"
corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
"$bench" generate "$corpus"
ours="$("$bench" parse "$corpus")"
theirs="$(/usr/bin/python3 "$root/bench/feedparser_bench.py" "$corpus")"
echo "$ours"
echo "$theirs"
for metric in large-feed small-feeds; do
  a=$(echo "$ours" | awk -v m="$metric" '$2 == m {print $3}')
  b=$(echo "$theirs" | awk -v m="$metric" '$2 == m {print $3}')
  awk -v m="$metric" -v a="$a" -v b="$b" 'BEGIN {printf "ratio %s %.0fx feedparser (target: 100x)\n", m, a / b}'
done
"$bench" not-modified 500
echo "target: the 500-feed not-modified pass under 2 s"
