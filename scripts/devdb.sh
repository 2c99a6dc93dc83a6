#!/usr/bin/env bash
# Prints the PostgreSQL URL for `make run` and `make test`, starting a private
# cluster when needed:
#   1. DATABASE_URL, when set, is used as it is;
#   2. otherwise a server answering on 127.0.0.1:5432 (user postgres, no password);
#   3. otherwise a private cluster under ./.data/pg on port 54329, created with
#      Debian's initdb/pg_ctl (the postgresql package is installed when missing
#      and we are root; otherwise the command to install it is printed).
# Usage: scripts/devdb.sh DBNAME   (the database is created by the server/tests)
set -euo pipefail
dbname=${1:-okno}

if [ -n "${DATABASE_URL:-}" ]; then
  echo "$DATABASE_URL"
  exit 0
fi

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# DEVDB_SYSTEM_PORT exists so the private-cluster path can be tried on a
# machine that does have a system server.
system_port=${DEVDB_SYSTEM_PORT:-5432}
if answers "$system_port"; then
  echo "postgres://postgres@127.0.0.1:${system_port}/${dbname}?sslmode=disable"
  exit 0
fi

root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.data/pg"
port=54329

if ! answers "$port"; then
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$bin" ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "devdb: installing PostgreSQL (Debian package postgresql)..." >&2
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
      bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    else
      echo "devdb: PostgreSQL is not installed. Install it with:" >&2
      echo "  sudo apt-get install -y postgresql" >&2
      echo "or set DATABASE_URL to a server you have." >&2
      exit 1
    fi
  fi
  # PostgreSQL refuses to run as root: the cluster then belongs to user postgres.
  as_owner=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    as_owner=(runuser -u postgres --)
  fi
  mkdir -p "$root/.data"
  if [ ! -s "$data/PG_VERSION" ]; then
    echo "devdb: creating a private cluster in $data" >&2
    mkdir -p "$data"
    if [ "$(id -u)" = 0 ]; then chown postgres "$data"; fi
    "${as_owner[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >&2
  fi
  echo "devdb: starting the private cluster on 127.0.0.1:$port" >&2
  "${as_owner[@]}" "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k /tmp" start >&2
fi
echo "postgres://postgres@127.0.0.1:${port}/${dbname}?sslmode=disable"
