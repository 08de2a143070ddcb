#!/usr/bin/env bash
# Memory whatever the messages' sizes: `rapport run` on a 1 GB mbox of replies with 10 MB
# photos attached, and on an mbox holding one 200 MB message; peak resident memory from GNU
# time. Target (issue "speed"): under 100 MB. The mail benchmark (run_mail_bench.sh) gives the
# figure for 100,000 ordinary replies.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
if ! dpkg-query -W -f='${Status}' time 2>/dev/null | grep -q "install ok installed"; then
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends time >/dev/null
fi
"$root/scripts/build.sh" rapport >/dev/null
rapport="${BUILD_DIR:-$root/build}/app/rapport"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 "$root/bench/big_mail.py" "$work"
for name in attachments one-huge; do
  cat >"$work/$name.toml" <<TOML
[creator]
name = "Sam Rivera"
email = "sam@slowgarden.example"
[store]
path = "$work/$name.db"
[[mailbox]]
name = "export"
kind = "mbox"
path = "$work/$name.mbox"
TOML
  size=$(du -m "$work/$name.mbox" | cut -f1)
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$rapport" run --config "$work/$name.toml" \
    >/dev/null 2>"$work/err.txt"
  read -r seconds kb <"$work/time.txt"
  stored=$(grep -o '[0-9,]* new messages' "$work/err.txt" | tail -1)
  echo "$name.mbox (${size} MB): ${seconds} s, peak $((kb / 1024)) MB; $stored"
done
echo "target: under 100 MB"
