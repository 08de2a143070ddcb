#!/usr/bin/env bash
# The daemon at rest: CPU time and resident memory of `rapport daemon` with 50 feeds (served by
# a loopback HTTP server), 3 maildirs, the listener and the web inbox open and nobody calling,
# over a window in which no poll is due (every source was read at start; the next polls are an
# hour away). Targets (issue "speed"): under 1 CPU-second an hour, under 30 MB resident.
#
#   bench/run_idle_bench.sh [WINDOW_SECONDS]   (default 300)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
window="${1:-300}"
if [[ -z "${RAPPORT_BENCH_NO_BUILD:-}" ]]; then
  "$root/scripts/install-deps.sh"
  "$root/scripts/build.sh" rapport >/dev/null
fi
rapport="${BUILD_DIR:-$root/build}/app/rapport"
work="$(mktemp -d)"
server_pid=""
daemon_pid=""
cleanup() {
  [[ -n "$daemon_pid" ]] && kill "$daemon_pid" 2>/dev/null || true
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# 50 shows' feeds, 30 episodes each.
mkdir -p "$work/feeds"
for f in $(seq 1 50); do
  {
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo '<rss version="2.0"><channel><title>Show '"$f"'</title><link>https://show'"$f"'.example/</link>'
    for e in $(seq 1 30); do
      echo "<item><title>Episode $e of show $f</title><link>https://show$f.example/ep/$e</link>"
      echo "<guid>show$f-ep$e</guid><pubDate>Mon, 0$((e % 9 + 1)) Jun 2026 08:00:00 GMT</pubDate>"
      echo "<description>Notes for episode $e: guests, links and a long paragraph about the garden.</description></item>"
    done
    echo '</channel></rss>'
  } >"$work/feeds/show$f.xml"
done
http_port="$(free_port)"
(cd "$work/feeds" && exec python3 -m http.server "$http_port" --bind 127.0.0.1 >/dev/null 2>&1) &
server_pid=$!

{
  echo '[creator]'
  echo 'name = "Sam Rivera"'
  echo 'email = "sam@slowgarden.example"'
  echo '[store]'
  echo "path = \"$work/state/rapport.db\""
  for f in $(seq 1 50); do
    echo '[[feed]]'
    echo "name = \"show$f\""
    echo "url = \"http://127.0.0.1:$http_port/show$f.xml\""
    echo 'interval_minutes = 60'
  done
  for m in 1 2 3; do
    cp -r "$root/config/demo/Maildir" "$work/mail$m"
    echo '[[mailbox]]'
    echo "name = \"mailbox$m\""
    echo 'kind = "maildir"'
    echo "path = \"$work/mail$m\""
    echo 'interval_minutes = 60'
  done
  echo '[[inbox]]'
  echo 'name = "hook"'
  echo 'kind = "generic"'
  echo 'token_env = "RAPPORT_BENCH_HOOK_TOKEN"'
  echo '[listener]'
  echo "port = $(free_port)"
  echo '[web]'
  echo "port = $(free_port)"
  echo '[digest]'
  echo "output_dir = \"$work/state/digests\""
  echo 'at = "07:00"'
} >"$work/rapport.toml"

export RAPPORT_BENCH_HOOK_TOKEN=bench-token
sleep 0.5
"$rapport" daemon --config "$work/rapport.toml" 2>"$work/daemon.log" &
daemon_pid=$!
# Every source read once (53 lines naming their next poll).
for _ in $(seq 1 300); do
  [[ "$(grep -c '(next poll' "$work/daemon.log" || true)" -ge 53 ]] && break
  sleep 0.2
done
if [[ "$(grep -c '(next poll' "$work/daemon.log" || true)" -lt 53 ]]; then
  echo "the daemon did not read every source; its log:" >&2
  cat "$work/daemon.log" >&2
  exit 1
fi
sleep 2
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$daemon_pid/stat"; }
start_cpu=$(cpu)
rss_start=$(awk '/VmRSS/ {print $2}' "/proc/$daemon_pid/status")
sleep "$window"
end_cpu=$(cpu)
rss_end=$(awk '/VmRSS/ {print $2}' "/proc/$daemon_pid/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$daemon_pid/status")
kill -TERM "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=""
woke=$(grep -o 'stopped (woke [0-9]* times in [0-9]* s)' "$work/daemon.log" || echo "?")
used=$((end_cpu - start_cpu))
awk -v t="$used" -v hz="$ticks" -v w="$window" -v rs="$rss_start" -v re="$rss_end" -v h="$hwm" \
  -v n="$(nproc)" -v woke="$woke" 'BEGIN {
  printf "daemon at rest (%d cores): 50 feeds, 3 maildirs, listener and web inbox idle\n", n
  printf "  CPU in %d s at rest: %.2f s (%.2f s an hour; resolution %.2f s)\n", w, t / hz, t / hz * 3600 / w, 1 / hz
  printf "  resident: %.1f MB at the start of the window, %.1f MB at its end, peak %.1f MB\n", rs / 1024, re / 1024, h / 1024
  printf "  main loop: %s\n", woke
  print "target: under 1 CPU-second an hour at rest, under 30 MB resident"
}'
