#!/usr/bin/env bash
# The three real PostgreSQL servers schemagen's tests run against, installed and started by this script on a
# fresh Debian bookworm machine (run as root, no standard input needed; the servers run as the user `postgres`).
# Idempotent: when everything already runs, `start` only checks that each server is there (a second or two).
#
#   scripts/testdb.sh start [SERVER...]    install/build what is missing, start what is not running (default: all)
#   scripts/testdb.sh stop [SERVER...]     stop them
#   scripts/testdb.sh restart-pglite       restart ts-community (PGlite is one session: this empties it)
#   scripts/testdb.sh status               say which servers answer
#   scripts/testdb.sh env                  print the DSNs (and the PostgreSQL 17 client tools) as `export` lines
#
# Servers (all on 127.0.0.1):
#   ts-apache     PostgreSQL 17 + TimescaleDB 2.19 (Apache edition) + pgvector, native, from a Debian trixie
#                 chroot built with debootstrap                                                     port 55417
#   ts-community  PGlite 17.5 (WASM) + TimescaleDB 2.23, community license, over the wire protocol by
#                 pglite-socket (scripts/pglite/server.mjs); one connection at a time, one shared session  55423
#   pg-plain      Debian bookworm's PostgreSQL 15, no TimescaleDB                                    port 55415
# Everything is cached in ${SCHEMAGEN_CACHE:-/var/tmp/schemagen} (outside the repo, readable by `postgres`); logs:
# $CACHE/trixie/var/lib/schemagen/server.log, $CACHE/pg15/server.log, $CACHE/pglite/server.log.
# A server whose SCHEMAGEN_TEST_*_DSN variable is set is the user's own: this script leaves it alone.
set -Eeuo pipefail
trap 'printf "testdb: error: unexpected failure (exit %s) at line %s: %s\n" "$?" "$LINENO" "$BASH_COMMAND" >&2' ERR

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${SCHEMAGEN_CACHE:-/var/tmp/schemagen}
CHROOT=$CACHE/trixie
PG17=/usr/lib/postgresql/17/bin
PG15=/usr/lib/postgresql/15/bin
APACHE_DATA=/var/lib/schemagen/data  # inside the chroot
PLAIN_DIR=$CACHE/pg15
PGLITE_DIR=$CACHE/pglite
APACHE_PORT=55417
COMMUNITY_PORT=55423
PLAIN_PORT=55415
APACHE_DSN_DEFAULT="postgresql://postgres@127.0.0.1:$APACHE_PORT/postgres"
COMMUNITY_DSN_DEFAULT="postgresql://postgres:postgres@127.0.0.1:$COMMUNITY_PORT/postgres"
PLAIN_DSN_DEFAULT="postgresql://postgres@127.0.0.1:$PLAIN_PORT/postgres"
ALL_SERVERS=(ts-apache ts-community pg-plain)

log() { printf 'testdb: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

user_dsn() {  # the DSN a user set for a server (empty: ours)
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

shown_dsn() { dsn_of "$1" | sed -E 's#//([^:@/]*):[^@]*@#//\1:***@#'; }

answers() {  # server [seconds]: does it accept a query?
  PGCONNECT_TIMEOUT=${2:-3} psql "$(dsn_of "$1")" -XAtqc 'SELECT 1' >/dev/null 2>&1 </dev/null
}

wait_until_answers() {  # server seconds
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    answers "$1" && return 0
    sleep 0.25
  done
  return 1
}

close_fds() {  # close every file descriptor of this (sub)shell beyond 0-2. A server must not inherit (and hold for
  # its whole life) this script's lock on fd 9, nor a pipe of whoever called us (CI would wait for it to close).
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ] && [ "$fd" != 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi  # 255: bash's, close-on-exec
  done
  return 0
}

without_fds() { (close_fds; "$@"); }  # command...: run it with only fds 0-2 (pg_ctl, whose postmaster stays)

daemon() {  # dir log command...: start it in dir, detached (own session, no terminal, no fds of ours); print its pid
  local dir=$1 log=$2; shift 2
  (
    cd "$dir" || exit 1
    close_fds
    exec setsid nohup "$@" >"$log" 2>&1 </dev/null
  ) &
  echo $!
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

apt_install() {  # install Debian packages that are missing, updating the package lists when needed
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null >"$CACHE/apt.log" 2>&1; then
    apt-get update -q </dev/null >>"$CACHE/apt.log" 2>&1 || { tail -20 "$CACHE/apt.log" >&2; die "apt-get update failed"; }
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null >>"$CACHE/apt.log" 2>&1 \
      || { tail -20 "$CACHE/apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
  fi
}

ensure_client() {
  command -v psql >/dev/null 2>&1 || apt_install postgresql-client-15
}

postmaster_running() {  # data dir (as seen from here): is the postmaster named in its postmaster.pid alive?
  local pid cmd
  pid=$(head -1 "$1/postmaster.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") && [[ $cmd == *postgres* ]]
}

clear_stale_locks() {  # data dir, socket dir: a postmaster.pid left by a server that no longer runs (e.g. after a
  # reboot) would stop the next start when its pid now belongs to another process.
  rm -f "$1/postmaster.pid" "$2"/.s.PGSQL.*.lock
}

# --- ts-apache: PostgreSQL 17 + TimescaleDB (Apache) + pgvector in a Debian trixie chroot -------------------

unmount_under() {  # anything mounted below a directory (debootstrap mounts /proc and /sys while it works)
  local dir mnt
  dir=$(readlink -f "$1")
  { awk '{print $2}' /proc/mounts | grep -E "^$dir(/|$)" || true; } | sort -r | while read -r mnt; do
    umount -l "$mnt" 2>/dev/null || true
  done
}

remove_tree() {
  [ -e "$1" ] || return 0
  unmount_under "$1"
  rm -rf --one-file-system "$1"
}

build_chroot() {
  [ -f "$CHROOT/.schemagen-complete" ] && [ -x "$CHROOT$PG17/postgres" ] && return 0
  apt_install debootstrap
  local tmp="$CHROOT.tmp.$$" started=$SECONDS old
  for old in "$CHROOT".tmp.*; do remove_tree "$old"; done  # an interrupted build
  log "building the Debian trixie chroot with PostgreSQL 17 + TimescaleDB + pgvector (about a minute, ~700 MB)"
  debootstrap --variant=minbase \
    --include=postgresql-17,postgresql-17-timescaledb,postgresql-17-pgvector \
    trixie "$tmp" >"$CACHE/debootstrap.log" 2>&1 </dev/null \
    || { unmount_under "$tmp"; tail -20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
  unmount_under "$tmp"
  [ -x "$tmp$PG17/postgres" ] && ls "$tmp"/usr/lib/postgresql/17/lib/timescaledb*.so >/dev/null 2>&1 \
    && [ -f "$tmp/usr/share/postgresql/17/extension/vector.control" ] && chroot "$tmp" id postgres >/dev/null \
    || die "the chroot misses PostgreSQL 17, TimescaleDB, pgvector or the postgres user"
  rm -f "$tmp"/var/cache/apt/archives/*.deb  # ~100 MB of downloaded packages
  touch "$tmp/.schemagen-complete"
  remove_tree "$CHROOT"
  mv "$tmp" "$CHROOT"  # only a finished build ever carries the name
  log "chroot built in $((SECONDS - started)) s"
}

write_pg17_tools() {
  # PostgreSQL 17's client tools from the chroot, run on this machine with the chroot's own loader and libraries:
  # no root, no chroot, host paths work (pg_dump -f /tmp/x.sql). `scripts/testdb.sh env` names them.
  local loader libdir tool
  loader=$(ls "$CHROOT"/usr/lib/*-linux-gnu/ld-linux*.so.* 2>/dev/null | head -1)
  [ -n "$loader" ] || return 0
  libdir=$(dirname "$loader")
  mkdir -p "$CACHE/bin"
  for tool in pg_dump pg_dumpall pg_restore psql; do
    cat >"$CACHE/bin/$tool.tmp" <<EOF
#!/bin/sh
# $tool 17 from $CHROOT (written by scripts/testdb.sh)
exec "$loader" --library-path "$libdir" "$CHROOT$PG17/$tool" "\$@"
EOF
    chmod 755 "$CACHE/bin/$tool.tmp"
    mv "$CACHE/bin/$tool.tmp" "$CACHE/bin/$tool"
  done
}

in_chroot_as_postgres() {
  chroot --userspec=postgres:postgres "$CHROOT" env HOME=/var/lib/postgresql LANG=C "$@"
}

start_ts_apache() {
  if answers ts-apache; then
    [ -x "$CACHE/bin/pg_dump" ] || write_pg17_tools
    return 0
  fi
  build_chroot
  write_pg17_tools
  local data=$CHROOT$APACHE_DATA
  if postmaster_running "$data"; then  # running but not answering yet (starting, or busy): wait for it
    wait_until_answers ts-apache 60 || die "ts-apache runs but does not answer (log: $CHROOT/var/lib/schemagen/server.log)"
    return 0
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising the ts-apache cluster"
    rm -rf "$data"
    mkdir -p "$data"
    chroot "$CHROOT" chown -R postgres:postgres /var/lib/schemagen
    chmod 700 "$data"
    in_chroot_as_postgres "$PG17/initdb" -D "$APACHE_DATA" -U postgres --auth=trust --no-locale -E UTF8 \
      >"$CHROOT/var/lib/schemagen/initdb.log" 2>&1 || { tail -20 "$CHROOT/var/lib/schemagen/initdb.log" >&2; die "initdb failed"; }
    cat >>"$data/postgresql.conf" <<EOF

# schemagen test server (scripts/testdb.sh)
listen_addresses = '127.0.0.1'
port = $APACHE_PORT
unix_socket_directories = '/tmp'          # inside the chroot
shared_preload_libraries = 'timescaledb'
timescaledb.telemetry_level = off
dynamic_shared_memory_type = mmap         # no /dev/shm mount needed
max_connections = 200
# max_locks_per_transaction stays at its default (64): a test applies 1,000 orgs under default settings
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  fi
  clear_stale_locks "$data" "$CHROOT/tmp"
  without_fds in_chroot_as_postgres "$PG17/pg_ctl" -D "$APACHE_DATA" -l /var/lib/schemagen/server.log -w -t 60 start \
    >/dev/null </dev/null \
    || { tail -20 "$CHROOT/var/lib/schemagen/server.log" >&2; die "ts-apache did not start"; }
  wait_until_answers ts-apache 30 || die "ts-apache started but does not answer"
}

stop_ts_apache() {
  postmaster_running "$CHROOT$APACHE_DATA" || return 0
  in_chroot_as_postgres "$PG17/pg_ctl" -D "$APACHE_DATA" -m fast -w -t 60 stop >/dev/null </dev/null || true
}

# --- pg-plain: Debian bookworm's PostgreSQL 15 ------------------------------------------------------------

start_pg_plain() {
  answers pg-plain && return 0
  [ -x "$PG15/postgres" ] && [ -x "$PG15/initdb" ] || apt_install postgresql-15
  local data=$PLAIN_DIR/data
  if postmaster_running "$data"; then
    wait_until_answers pg-plain 60 || die "pg-plain runs but does not answer (log: $PLAIN_DIR/server.log)"
    return 0
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising the pg-plain cluster"
    rm -rf "$data"
    mkdir -p "$data"
    chown -R postgres:postgres "$PLAIN_DIR"
    chmod 700 "$data"
    runuser -u postgres -- "$PG15/initdb" -D "$data" -U postgres --auth=trust --no-locale -E UTF8 \
      >"$PLAIN_DIR/initdb.log" 2>&1 </dev/null || { tail -20 "$PLAIN_DIR/initdb.log" >&2; die "initdb failed"; }
    cat >>"$data/postgresql.conf" <<EOF

# schemagen test server (scripts/testdb.sh)
listen_addresses = '127.0.0.1'
port = $PLAIN_PORT
unix_socket_directories = '$PLAIN_DIR'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  fi
  clear_stale_locks "$data" "$PLAIN_DIR"
  (cd / && without_fds runuser -u postgres -- "$PG15/pg_ctl" -D "$data" -l "$PLAIN_DIR/server.log" -w -t 60 start \
    >/dev/null </dev/null) \
    || { tail -20 "$PLAIN_DIR/server.log" >&2; die "pg-plain did not start"; }
  wait_until_answers pg-plain 30 || die "pg-plain started but does not answer"
}

stop_pg_plain() {
  postmaster_running "$PLAIN_DIR/data" || return 0
  (cd / && runuser -u postgres -- "$PG15/pg_ctl" -D "$PLAIN_DIR/data" -m fast -w -t 60 stop >/dev/null </dev/null) || true
}

# --- ts-community: PGlite + TimescaleDB (community license) -------------------------------------------------

install_pglite() {
  local stamp
  stamp=$(cat "$HERE/pglite/package.json" "$HERE/pglite/package-lock.json" | cksum | cut -d' ' -f1)
  mkdir -p "$PGLITE_DIR"
  cp "$HERE/pglite/server.mjs" "$PGLITE_DIR/server.mjs.tmp" && mv "$PGLITE_DIR/server.mjs.tmp" "$PGLITE_DIR/server.mjs"
  [ -f "$PGLITE_DIR/.stamp-$stamp" ] && [ -d "$PGLITE_DIR/node_modules" ] && return 0
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  log "installing PGlite with TimescaleDB from npm (pinned by scripts/pglite/package-lock.json)"
  cp "$HERE/pglite/package.json" "$HERE/pglite/package-lock.json" "$PGLITE_DIR/"
  rm -f "$PGLITE_DIR"/.stamp-*
  (cd "$PGLITE_DIR" && npm ci --no-audit --no-fund --loglevel=error </dev/null >"$PGLITE_DIR/npm.log" 2>&1) \
    || { tail -20 "$PGLITE_DIR/npm.log" >&2; die "npm ci failed"; }
  touch "$PGLITE_DIR/.stamp-$stamp"
}

pglite_pids() {  # our PGlite processes: the pid file's, and any other node server.mjs on our port
  local pid cmd
  pid=$(cat "$PGLITE_DIR/server.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") && [[ $cmd == *"server.mjs $COMMUNITY_PORT"* ]]; then
    echo "$pid"
  fi
  pgrep -f "node server.mjs $COMMUNITY_PORT" || true
}

start_ts_community() {
  install_pglite
  if [ -n "$(pglite_pids)" ] && port_open "$COMMUNITY_PORT"; then
    # Running. It serves one client at a time, so a query would wait while a test holds it: do not ask, and never
    # restart it here (a test's reset restarts it when it is wedged).
    return 0
  fi
  stop_ts_community
  # In memory: every start is an empty database. Detached: it outlives this script and CI's shell.
  daemon "$PGLITE_DIR" "$PGLITE_DIR/server.log" node server.mjs "$COMMUNITY_PORT" >"$PGLITE_DIR/server.pid"
  wait_until_answers ts-community 60 || { tail -20 "$PGLITE_DIR/server.log" >&2; die "ts-community did not start"; }
}

stop_ts_community() {
  local pids i
  pids=$(pglite_pids | sort -u)
  [ -n "$pids" ] || { rm -f "$PGLITE_DIR/server.pid"; return 0; }
  kill $pids 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 $pids 2>/dev/null || break
    sleep 0.1
  done
  kill -9 $pids 2>/dev/null || true
  rm -f "$PGLITE_DIR/server.pid"
}

# --- commands -----------------------------------------------------------------------------------------------

each() {  # each start|stop SERVER...
  local action=$1; shift
  local servers=("$@") s started failed=0
  [ ${#servers[@]} -gt 0 ] || servers=("${ALL_SERVERS[@]}")
  for s in "${servers[@]}"; do
    case $s in ts-apache | ts-community | pg-plain) ;; *) die "unknown server $s (${ALL_SERVERS[*]})" ;; esac
  done
  for s in "${servers[@]}"; do
    if [ -n "$(user_dsn "$s")" ]; then  # the user's own server: never started or stopped here
      if [ "$action" = start ]; then
        if answers "$s" 5; then log "$s: using your server $(shown_dsn "$s")"
        else log "warning: $s: your server $(shown_dsn "$s") does not answer"; failed=1; fi
      fi
      continue
    fi
    started=$SECONDS
    "${action}_${s//-/_}"
    [ "$action" = start ] && log "$s: ready on $(shown_dsn "$s") ($((SECONDS - started)) s)"
  done
  [ "$failed" = 0 ] || die "a server you set does not answer"
}

lock() {  # one start/stop at a time (a second waits)
  exec 9>"$CACHE/testdb.lock"
  flock 9
}

main() {
  local cmd=${1:-start}; shift || true
  case $cmd in
    start | stop | restart-pglite | status | env) ;;
    *) die "usage: $0 start|stop|restart-pglite|status|env [SERVER...]" ;;
  esac
  if [ "$cmd" != env ]; then
    mkdir -p "$CACHE"
    chmod 755 "$CACHE"
  fi
  case $cmd in
    start)
      [ "$(id -u)" = 0 ] || die "run as root: it installs packages and runs the servers as user postgres"
      ensure_client
      lock
      each start "$@" ;;
    stop)
      [ "$(id -u)" = 0 ] || die "run as root"
      lock
      each stop "$@" ;;
    restart-pglite)
      [ -z "$(user_dsn ts-community)" ] || die "ts-community is your own server (SCHEMAGEN_TEST_TS_COMMUNITY_DSN)"
      lock
      stop_ts_community
      start_ts_community ;;
    status)
      local s
      for s in "${ALL_SERVERS[@]}"; do
        if answers "$s"; then echo "$s: up $(shown_dsn "$s")"
        elif [ "$s" = ts-community ] && [ -z "$(user_dsn "$s")" ] && [ -n "$(pglite_pids)" ] && port_open "$COMMUNITY_PORT"; then
          echo "$s: up, busy with another client $(shown_dsn "$s")"
        else echo "$s: down $(shown_dsn "$s")"; fi
      done ;;
    env)
      echo "export SCHEMAGEN_TEST_TS_APACHE_DSN='$(dsn_of ts-apache)'"
      echo "export SCHEMAGEN_TEST_TS_COMMUNITY_DSN='$(dsn_of ts-community)'"
      echo "export SCHEMAGEN_TEST_PG_PLAIN_DSN='$(dsn_of pg-plain)'"
      echo "export SCHEMAGEN_PG17_BIN='$CACHE/bin'"
      echo "export SCHEMAGEN_PG_DUMP='$CACHE/bin/pg_dump'" ;;
  esac
}

main "$@"
