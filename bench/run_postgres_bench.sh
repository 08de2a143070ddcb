#!/usr/bin/env bash
# The mail ingest on PostgreSQL beside SQLite: the generated mbox of realistic replies read all
# the way into the database by `rapport run` (parse, classify, extract, link, resolve, store,
# then the digest), once into an SQLite file and once into a PostgreSQL 15 database on
# loopback, in the same run.
#
# The server is Debian's postgresql-15, started from a temporary folder as the `postgres`
# user (or yourself when not root) with its defaults but synchronous_commit = off — the
# like-for-like setting, as SQLite in WAL mode with synchronous = NORMAL does not sync each
# commit either. Each run into a new database.
#
#   bench/run_postgres_bench.sh [MESSAGES]          (default 20000)
#   bench/run_postgres_bench.sh MESSAGES digest     the digest's choice on a large database
#
# With `digest`: the mail read once into each backend, then `rapport digest --preview`
# (today's digest: who is waiting, ranked, the ten chosen and their conversations read) timed
# three times on each.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count="${1:-20000}"
mode="${2:-ingest}"
"$root/scripts/install-deps.sh" --test
"$root/scripts/build.sh" >/dev/null
build="${BUILD_DIR:-$root/build}"
work="$(mktemp -d)"
bin=/usr/lib/postgresql/15/bin
as_server() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  as_server "$bin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"

"$build/bench/rapport_mail_corpus" "$count" "$work" >/dev/null
mkdir -p "$work/pg"
printf 'bench-password' >"$work/pg/pw"
[[ $(id -u) -eq 0 ]] && chown -R postgres "$work/pg"
as_server "$bin/initdb" -D "$work/pg/data" -A scram-sha-256 -U rapport --pwfile="$work/pg/pw" \
  -E UTF8 --locale=C.UTF-8 >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_server "$bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w -o \
  "-c listen_addresses=127.0.0.1 -p $port -k $work/pg -c synchronous_commit=off" start >/dev/null
export PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=bench-password RAPPORT_BENCH_DB_PASSWORD=bench-password
sed "s|^path = \"rapport.db\"|url = \"postgresql://rapport@127.0.0.1:$port/bench\"\npassword_env = \"RAPPORT_BENCH_DB_PASSWORD\"|" \
  "$work/rapport.toml" >"$work/postgres.toml"
cd "$work"
sync

# "wall_seconds user_seconds system_seconds max_rss_kb" of a command, from GNU time.
measure() {
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >"$work/out.txt" 2>"$work/err.txt" || {
    cat "$work/err.txt" >&2
    exit 1
  }
  cat "$work/time.txt"
}

if [[ $mode == digest ]]; then
  psql -q -h 127.0.0.1 -p "$port" -U rapport -d postgres -c "CREATE DATABASE bench" >/dev/null
  for config in rapport.toml postgres.toml; do
    read -r s u k kb < <(measure "$build/app/rapport" run --quiet --config "$config")
    echo "read $count messages with $config: $s s, peak $((kb / 1024)) MB"
    for i in 1 2 3; do
      read -r s u k kb < <(measure "$build/app/rapport" digest --preview --config "$config")
      echo "  digest #$i with $config: $s s (rapport CPU ${u} s), peak $((kb / 1024)) MB"
    done
  done
  exit 0
fi

for i in 1 2 3; do
  rm -f rapport.db rapport.db-wal rapport.db-shm
  read -r s u k kb < <(measure "$build/app/rapport" run --config rapport.toml)
  echo "SQLite     #$i: $count messages in $s s (rapport CPU ${u} s user, ${k} s system), peak $((kb / 1024)) MB"
  psql -q -h 127.0.0.1 -p "$port" -U rapport -d postgres -c "DROP DATABASE IF EXISTS bench" \
    -c "CREATE DATABASE bench" >/dev/null
  read -r s u k kb < <(measure "$build/app/rapport" run --config postgres.toml)
  echo "PostgreSQL #$i: $count messages in $s s (rapport CPU ${u} s user, ${k} s system), peak $((kb / 1024)) MB"
done

# A network: three shows of one database reading at once, the same mail into each (the same
# listeners writing to all three, their people shared: where the shows' writes meet), against
# one of them reading alone into a fresh database.
psql -q -h 127.0.0.1 -p "$port" -U rapport -d postgres -c "DROP DATABASE IF EXISTS network" \
  -c "CREATE DATABASE network" -c "DROP DATABASE IF EXISTS alone" -c "CREATE DATABASE alone" >/dev/null
for show in garden letters owls; do
  sed "s|/bench\"|/network\"\nshow = \"$show\"\nshare_contacts = true|" postgres.toml >"show-$show.toml"
done
sed "s|/bench\"|/alone\"\nshow = \"garden\"\nshare_contacts = true|" postgres.toml >alone.toml
read -r s u k kb < <(measure "$build/app/rapport" run --config alone.toml)
echo "one show alone: $count messages in $s s"
began=$(date +%s.%N)
for show in garden letters owls; do
  /usr/bin/time -f "%e" -o "$work/time-$show.txt" "$build/app/rapport" run --config "show-$show.toml" \
    >"$work/out-$show.txt" 2>"$work/err-$show.txt" &
done
failed=0
for job in $(jobs -p); do wait "$job" || failed=1; done
ended=$(date +%s.%N)
if [[ $failed -ne 0 ]]; then
  cat "$work"/err-*.txt >&2
  exit 1
fi
each=$(cat "$work"/time-*.txt | tr '\n' ' ')
people=$(psql -At -h 127.0.0.1 -p "$port" -U rapport -d network \
  -c "SELECT count(*) FROM rapport_people.contacts WHERE merged_into IS NULL")
alone_people=$(psql -At -h 127.0.0.1 -p "$port" -U rapport -d alone \
  -c "SELECT count(*) FROM rapport_people.contacts WHERE merged_into IS NULL")
messages=$(psql -At -h 127.0.0.1 -p "$port" -U rapport -d network \
  -c "SELECT (SELECT count(*) FROM show_garden.messages) + (SELECT count(*) FROM show_letters.messages) + (SELECT count(*) FROM show_owls.messages)")
echo "three shows at once: $messages messages in $(python3 -c "print(round($ended - $began, 2))") s wall (each: ${each}s); $people people shared (one show alone: $alone_people)"
