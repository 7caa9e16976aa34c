#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the storage tests and prints its URL on stdout:
#   export CONDUCT_TEST_DATABASE_URL=$(bash scripts/postgres.sh)
# Prints nothing and still exits 0 when PostgreSQL cannot be installed or started: the tests then
# skip the PostgreSQL backend, and CI never fails because of this script. Safe to run again: a
# running server is reused. Trust authentication on 127.0.0.1 only, fsync off: tests only.
# Stop it with: runuser -u postgres -- pg_ctl -D /tmp/conduct-pg stop   (pg_ctl: see `bin_dir` below)
set -uo pipefail

PORT=${CONDUCT_PG_PORT:-54329}
DATA=${CONDUCT_PG_DIR:-/tmp/conduct-pg}
DB=conduct_test
URL="postgresql://postgres@127.0.0.1:$PORT/$DB"

log() { echo "postgres.sh: $*" >&2; }

# The directory holding initdb and pg_ctl: PATH first, then Debian's versioned directories.
bin_dir() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return 0
  fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && echo "$dir"
}

install_postgres() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
  log "installing PostgreSQL from the Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq postgresql >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq postgresql >/dev/null 2>&1; }
}

# PostgreSQL refuses to run as root: as root, run it as the `postgres` system user (created if missing).
server_user() {
  [ "$(id -u)" != 0 ] && return 0
  if ! id postgres >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir "$DATA" --shell /usr/sbin/nologin postgres >/dev/null 2>&1 \
      || return 1
  fi
  echo postgres
}

as_server() {
  if [ -z "$RUN_AS" ]; then
    "$@"
  elif command -v runuser >/dev/null 2>&1; then
    runuser -u "$RUN_AS" -- "$@"
  else
    su -s /bin/sh "$RUN_AS" -c "$(printf '%q ' "$@")"
  fi
}

psql_() { "$PSQL" -X -q -h 127.0.0.1 -p "$PORT" -U postgres "$@"; }

main() {
  BIN=$(bin_dir) || BIN=""
  if [ -z "$BIN" ]; then
    install_postgres || { log "PostgreSQL is not installed and could not be installed"; return 1; }
    BIN=$(bin_dir) || { log "PostgreSQL installed but initdb/pg_ctl not found"; return 1; }
  fi
  PSQL="$BIN/psql"
  [ -x "$PSQL" ] || PSQL=$(command -v psql) || { log "psql not found"; return 1; }
  RUN_AS=$(server_user) || { log "cannot create a user to run PostgreSQL as"; return 1; }

  if ! psql_ -d postgres -tAc "SELECT 1" >/dev/null 2>&1; then
    if [ ! -s "$DATA/PG_VERSION" ]; then
      rm -rf "$DATA" && mkdir -p "$DATA" && chmod 700 "$DATA" || return 1
      [ -n "$RUN_AS" ] && { chown "$RUN_AS" "$DATA" || return 1; }
      as_server "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --no-locale \
        >"$DATA.initdb.log" 2>&1 || { log "initdb failed, see $DATA.initdb.log"; return 1; }
    fi
    if ! as_server "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      as_server "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $PORT -k $DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null 2>&1 || { log "pg_ctl start failed, see $DATA/server.log"; return 1; }
    fi
    psql_ -d postgres -tAc "SELECT 1" >/dev/null 2>&1 \
      || { log "a server runs on $DATA but not on 127.0.0.1:$PORT; see $DATA/server.log"; return 1; }
  fi

  if [ "$(psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" 2>/dev/null)" != 1 ]; then
    # Another run may create it at the same moment: only a database that is still missing is an error.
    psql_ -d postgres -c "CREATE DATABASE $DB" >/dev/null 2>&1
    [ "$(psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" 2>/dev/null)" = 1 ] \
      || { log "cannot create database $DB"; return 1; }
  fi
  echo "$URL"
}

main || true
exit 0
