#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL server: initdb into a temporary directory,
# a unix socket there and a TCP listener on a free loopback port (password auth), no setup.
# The server and its files are removed when the command ends.
#
#   scripts/with-postgres.sh COMMAND [ARGS...]
#
# The command sees DATABASE_URL (unix socket, database "trail", user "trail") and PGHOST,
# PGPORT, PGUSER, PGDATABASE for psql, and, for tests that stop and start the server:
# TRAIL_PG_BINDIR, TRAIL_PG_DATA, TRAIL_PG_RUNAS (the user the server runs as, when root).
set -euo pipefail

# Debian keeps the server's programs off PATH, in /usr/lib/postgresql/VERSION/bin; elsewhere
# initdb is on PATH.
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if { [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; } && command -v initdb >/dev/null 2>&1; then
  bindir=$(dirname "$(command -v initdb)")
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "with-postgres: no PostgreSQL server found (scripts/bootstrap.sh installs it; Debian: apt-get install postgresql)" >&2
  exit 69
fi

dir=$(mktemp -d /tmp/goldmane-trail-pg.XXXXXX)
chmod 755 "$dir"
runas=()
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root: the server runs as the postgres user.
  chown postgres "$dir"
  runas=(runuser -u postgres --)
  export TRAIL_PG_RUNAS=postgres
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cleanup() {
  "${runas[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${runas[@]}" "$bindir/initdb" -D "$dir/data" -U trail --auth-local=trust --auth-host=scram-sha-256 \
  -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 69; }
# In the configuration file, so that a test that stops the server can start it again as it was.
printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\nTimeZone = 'UTC'\n" "$port" "$dir" \
  | "${runas[@]}" tee -a "$dir/data/postgresql.conf" >/dev/null
"${runas[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 69; }

export PGHOST="$dir" PGPORT="$port" PGUSER=trail PGDATABASE=trail PGTZ=UTC
"$bindir/createdb" trail
export DATABASE_URL="postgresql:///trail?host=$dir&port=$port&user=trail"
export TRAIL_PG_BINDIR="$bindir" TRAIL_PG_DATA="$dir/data"

"$@"
