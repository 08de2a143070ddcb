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
#   bench/run_postgres_bench.sh [MESSAGES]     (default 20000)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count="${1:-20000}"
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

for i in 1 2 3; do
  rm -f rapport.db rapport.db-wal rapport.db-shm
  read -r s u k kb < <(measure "$build/app/rapport" run --config rapport.toml)
  echo "SQLite     #$i: $count messages in $s s (rapport CPU ${u} s user, ${k} s system), peak $((kb / 1024)) MB"
  psql -q -h 127.0.0.1 -p "$port" -U rapport -d postgres -c "DROP DATABASE IF EXISTS bench" \
    -c "CREATE DATABASE bench" >/dev/null
  read -r s u k kb < <(measure "$build/app/rapport" run --config postgres.toml)
  echo "PostgreSQL #$i: $count messages in $s s (rapport CPU ${u} s user, ${k} s system), peak $((kb / 1024)) MB"
done
