#!/usr/bin/env bash
# The three real PostgreSQL servers schemagen's tests run against, installed and started by this script on a
# fresh Debian machine (run as root; the servers themselves run as the user `postgres`). Idempotent: a second
# `start` only checks that each server answers.
#
#   scripts/testdb.sh start [SERVER...]    install what is missing, start what is not running (default: all)
#   scripts/testdb.sh stop [SERVER...]     stop them
#   scripts/testdb.sh restart-pglite       restart ts-community (PGlite keeps one session: this empties it)
#   scripts/testdb.sh status               say which servers answer
#   scripts/testdb.sh env                  print the DSNs as `export` lines
#
# Servers (all on 127.0.0.1):
#   ts-apache     PostgreSQL 17 + TimescaleDB 2.19 (Apache edition) + pgvector, native, from a Debian trixie
#                 chroot built with debootstrap                                           port 55417
#   ts-community  PGlite 17.5 (WASM) + TimescaleDB 2.23, community license, over the wire protocol by
#                 pglite-socket; one connection at a time, one shared session              port 55423
#   pg-plain      Debian bookworm's PostgreSQL 15, no TimescaleDB                          port 55415
# A server whose SCHEMAGEN_TEST_*_DSN variable is set is the user's own: this script leaves it alone.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${SCHEMAGEN_CACHE:-/var/tmp/schemagen}
CHROOT=$CACHE/trixie
PG17=/usr/lib/postgresql/17/bin
PG15=/usr/lib/postgresql/15/bin
APACHE_PORT=55417
COMMUNITY_PORT=55423
PLAIN_PORT=55415
APACHE_DSN_DEFAULT="postgresql://postgres@127.0.0.1:$APACHE_PORT/postgres"
COMMUNITY_DSN_DEFAULT="postgresql://postgres:postgres@127.0.0.1:$COMMUNITY_PORT/postgres?sslmode=disable"
PLAIN_DSN_DEFAULT="postgresql://postgres@127.0.0.1:$PLAIN_PORT/postgres"
ALL_SERVERS=(ts-apache ts-community pg-plain)

log() { printf 'testdb: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

user_dsn() {  # the DSN variable a user may set for a server
  case $1 in
    ts-apache) echo "${SCHEMAGEN_TEST_TS_APACHE_DSN:-}" ;;
    ts-community) echo "${SCHEMAGEN_TEST_TS_COMMUNITY_DSN:-}" ;;
    pg-plain) echo "${SCHEMAGEN_TEST_PG_PLAIN_DSN:-}" ;;
  esac
}

dsn_of() {
  local own; own=$(user_dsn "$1")
  if [ -n "$own" ]; then echo "$own"; return; fi
  case $1 in
    ts-apache) echo "$APACHE_DSN_DEFAULT" ;;
    ts-community) echo "$COMMUNITY_DSN_DEFAULT" ;;
    pg-plain) echo "$PLAIN_DSN_DEFAULT" ;;
  esac
}

answers() {  # does the server accept a query?
  PGCONNECT_TIMEOUT=3 psql "$(dsn_of "$1")" -XAtqc 'SELECT 1' >/dev/null 2>&1
}

wait_until_answers() {  # server seconds
  local i
  for ((i = 0; i < $2 * 4; i++)); do
    answers "$1" && return 0
    sleep 0.25
  done
  return 1
}

apt_install() {  # install Debian packages once, updating the lists only when needed
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
  }
}

ensure_client() {
  command -v psql >/dev/null 2>&1 || apt_install postgresql-client-15
}

# --- ts-apache: PostgreSQL 17 + TimescaleDB (Apache) + pgvector in a Debian trixie chroot -------------------

build_chroot() {
  [ -x "$CHROOT$PG17/postgres" ] && [ -f "$CHROOT/.schemagen-complete" ] && return 0
  apt_install debootstrap
  local tmp="$CHROOT.tmp.$$"
  rm -rf "$CHROOT".tmp.*
  log "building the Debian trixie chroot with PostgreSQL 17 + TimescaleDB + pgvector (about a minute)"
  debootstrap --variant=minbase \
    --include=postgresql-17,postgresql-17-timescaledb,postgresql-17-pgvector \
    trixie "$tmp" >"$CACHE/debootstrap.log" 2>&1 || { tail -20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed"; }
  touch "$tmp/.schemagen-complete"
  rm -rf "$CHROOT"
  mv "$tmp" "$CHROOT"  # only a finished build ever carries the name
}

in_chroot_as_postgres() {
  chroot "$CHROOT" /usr/sbin/runuser -u postgres -- "$@"
}

start_ts_apache() {
  answers ts-apache && return 0
  build_chroot
  local data=/var/lib/schemagen/data
  if [ ! -f "$CHROOT$data/PG_VERSION" ]; then
    log "initialising the ts-apache cluster"
    rm -rf "$CHROOT$data"
    mkdir -p "$CHROOT$data"
    chroot "$CHROOT" chown -R postgres:postgres /var/lib/schemagen
    in_chroot_as_postgres "$PG17/initdb" -D "$data" -U postgres --auth=trust --no-locale -E UTF8 >/dev/null
    cat >>"$CHROOT$data/postgresql.conf" <<EOF
# schemagen test server
listen_addresses = '127.0.0.1'
port = $APACHE_PORT
unix_socket_directories = '/tmp'
shared_preload_libraries = 'timescaledb'
timescaledb.telemetry_level = off
dynamic_shared_memory_type = mmap
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  fi
  rm -f "$CHROOT$data/postmaster.pid"
  in_chroot_as_postgres "$PG17/pg_ctl" -D "$data" -l /var/lib/schemagen/server.log -w -t 60 start >/dev/null 9>&- \
    || { tail -20 "$CHROOT/var/lib/schemagen/server.log" >&2; die "ts-apache did not start"; }
}

stop_ts_apache() {
  [ -f "$CHROOT/var/lib/schemagen/data/postmaster.pid" ] || return 0
  in_chroot_as_postgres "$PG17/pg_ctl" -D /var/lib/schemagen/data -m fast -w stop >/dev/null || true
}

# --- pg-plain: Debian bookworm's PostgreSQL 15 ------------------------------------------------------------

start_pg_plain() {
  answers pg-plain && return 0
  [ -x "$PG15/postgres" ] || apt_install postgresql-15
  local dir=$CACHE/pg15 data=$CACHE/pg15/data
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising the pg-plain cluster"
    rm -rf "$data"
    mkdir -p "$data"
    chown -R postgres:postgres "$dir"
    runuser -u postgres -- "$PG15/initdb" -D "$data" -U postgres --auth=trust --no-locale -E UTF8 >/dev/null
    cat >>"$data/postgresql.conf" <<EOF
# schemagen test server
listen_addresses = '127.0.0.1'
port = $PLAIN_PORT
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  fi
  rm -f "$data/postmaster.pid"
  runuser -u postgres -- "$PG15/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start >/dev/null 9>&- \
    || { tail -20 "$dir/server.log" >&2; die "pg-plain did not start"; }
}

stop_pg_plain() {
  [ -f "$CACHE/pg15/data/postmaster.pid" ] || return 0
  runuser -u postgres -- "$PG15/pg_ctl" -D "$CACHE/pg15/data" -m fast -w stop >/dev/null || true
}

# --- ts-community: PGlite + TimescaleDB (community license) -------------------------------------------------

install_pglite() {
  local dir=$CACHE/pglite stamp
  stamp=$(cat "$HERE/pglite/package.json" "$HERE/pglite/package-lock.json" | cksum | cut -d' ' -f1)
  mkdir -p "$dir"
  cp "$HERE/pglite/server.mjs" "$dir/server.mjs"
  [ -f "$dir/.stamp-$stamp" ] && [ -d "$dir/node_modules" ] && return 0
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  log "installing PGlite with TimescaleDB from npm (pinned by scripts/pglite/package-lock.json)"
  cp "$HERE/pglite/package.json" "$HERE/pglite/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  rm -f "$dir"/.stamp-* && touch "$dir/.stamp-$stamp"
}

start_ts_community() {
  answers ts-community && return 0
  install_pglite
  local dir=$CACHE/pglite
  stop_ts_community
  # In memory: every start is an empty database. setsid + nohup: it outlives this script and CI's shell.
  cd "$dir"
  # 9>&-: the daemon must not inherit (and so hold forever) the lock this script or its caller took on fd 9.
  setsid nohup node server.mjs "$COMMUNITY_PORT" >"$dir/server.log" 2>&1 </dev/null 9>&- &
  echo $! >"$dir/server.pid"
  cd - >/dev/null
  wait_until_answers ts-community 60 || { tail -20 "$dir/server.log" >&2; die "ts-community did not start"; }
}

stop_ts_community() {
  local pidfile=$CACHE/pglite/server.pid pids
  # The pid file, and any PGlite of ours still bound to the port (e.g. started by an older checkout).
  pids="$(cat "$pidfile" 2>/dev/null || true) $(pgrep -f "node server.mjs $COMMUNITY_PORT" || true)"
  for pid in $pids; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    answers ts-community || break
    sleep 0.1
  done
  for pid in $pids; do kill -9 "$pid" 2>/dev/null || true; done
  rm -f "$pidfile"
}

# --- commands -----------------------------------------------------------------------------------------------

each() {  # each start|stop SERVER...
  local action=$1; shift
  local servers=("$@"); [ ${#servers[@]} -gt 0 ] || servers=("${ALL_SERVERS[@]}")
  for s in "${servers[@]}"; do
    case $s in ts-apache | ts-community | pg-plain) ;; *) die "unknown server $s (${ALL_SERVERS[*]})" ;; esac
    if [ -n "$(user_dsn "$s")" ]; then
      [ "$action" = start ] && { answers "$s" && log "$s: using your server" || die "$s: your server does not answer"; }
      continue
    fi
    local started=$SECONDS
    "${action}_${s//-/_}"
    [ "$action" = start ] && log "$s: ready on $(dsn_of "$s" | sed -E 's#//([^:@/]*):[^@]*@#//\1:***@#') ($((SECONDS - started)) s)"
  done
  return 0
}

main() {
  local cmd=${1:-start}; shift || true
  mkdir -p "$CACHE"
  chmod 755 "$CACHE"
  case $cmd in
    start)
      [ "$(id -u)" = 0 ] || die "run as root: it installs packages and runs the servers as user postgres"
      ensure_client
      exec 9>"$CACHE/testdb.lock"
      flock 9  # two starts at once wait for each other
      each start "$@" ;;
    stop) each stop "$@" ;;
    restart-pglite) stop_ts_community; start_ts_community ;;
    status)
      for s in "${ALL_SERVERS[@]}"; do
        if answers "$s"; then echo "$s: up"; else echo "$s: down"; fi
      done ;;
    env)
      echo "export SCHEMAGEN_TEST_TS_APACHE_DSN='$(dsn_of ts-apache)'"
      echo "export SCHEMAGEN_TEST_TS_COMMUNITY_DSN='$(dsn_of ts-community)'"
      echo "export SCHEMAGEN_TEST_PG_PLAIN_DSN='$(dsn_of pg-plain)'"
      echo "export SCHEMAGEN_PG17_BIN='$CHROOT$PG17'  # pg_dump etc. (run inside the chroot)" ;;
    *) die "usage: $0 start|stop|restart-pglite|status|env [SERVER...]" ;;
  esac
}

main "$@"
