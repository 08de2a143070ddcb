#!/usr/bin/env bash
# The first IMAP sync: a real Dovecot holding MESSAGES realistic replies (bench/mail_corpus.cc),
# read by mbsync (isync, FSync no) and by `rapport run` with the default config, directly and
# through a relay adding 25 ms each way; three runs of each, alternating. See bench/README.md.
#
#   bench/run_imap_bench.sh [MESSAGES]     (default 100000: a 513 MB Maildir)
#
# Everything (corpus, Dovecot's mail, mbsync's Maildir, Rapport's database) is on tmpfs: on a
# disk, a run that creates 100,000 files after another deleted as many spends most of its time
# in the file system looking for free inodes (seen with perf: mbsync went from 7 s to 30 s),
# which measures the disk's history, not the programs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count="${1:-100000}"
"$root/scripts/install-deps.sh"
if ! dpkg-query -W -f='${Status}' isync 2>/dev/null | grep -q "install ok installed"; then
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends isync >/dev/null
fi
"$root/scripts/build.sh" >/dev/null
build="${BUILD_DIR:-$root/build}"
export TMPDIR=/dev/shm
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$build/bench/rapport_mail_corpus" "$count" "$work" >/dev/null
echo "corpus: $count messages, $(du -sh "$work/Maildir" | cut -f1) as a Maildir"
"$build/bench/rapport_imap_bench" "$work/Maildir/cur" "$build/app/rapport" 0 50
echo "target: rapport run at least as fast as mbsync (FSync no) at 0 and 50 ms, under 100 MB"
