#!/usr/bin/env bash
# Apply each real schema's DDL to the test servers of scripts/testdb.sh and say whether it applied.
#
#   tests/realschemas/apply.sh [-s SERVER]... [-f FILE]... [-k] [-q] [NAME...]
#
# NAME: a folder of tests/realschemas/ (default: all). SERVER: ts-apache, ts-community, pg-plain (default: all).
# FILE: the script in each folder to apply (default: original.sql, and where the folder has one,
# original.apache.sql too on ts-apache and original.pglite.sql too on ts-community). -k: keep going after an error (ON_ERROR_STOP off) and list every error, to see
# which statements a server refuses. -q: no summary of what was created.
#
# Native servers: a fresh database rs_<name>_<random> per attempt, dropped afterwards (its roles too: the
# scripts create cluster-wide roles, so the roles a script created are dropped when it is done).
# PGlite (ts-community) is one shared session: the attempt holds the suite's PGlite lock and empties the session
# with tests/servers.py's reset before and after (the database is always template1 there).
# Prints one line per attempt: "<name> <server> <file> OK" or "... FAILED: <first error>"; exit 1 if any failed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PSQL=${PSQL:-psql}
PY=${PYTHON:-python3}
for candidate in "$ROOT/.venv/bin/python" /work/main/.venv/bin/python; do
  if [ -z "${PYTHON:-}" ] && [ -x "$candidate" ]; then PY=$candidate; break; fi
done

dsn_of() {
  case $1 in
    ts-apache) echo "${SCHEMAGEN_TEST_TS_APACHE_DSN:-postgresql://postgres@127.0.0.1:55417/postgres}" ;;
    ts-community) echo "${SCHEMAGEN_TEST_TS_COMMUNITY_DSN:-postgresql://postgres:postgres@127.0.0.1:55423/postgres}" ;;
    pg-plain) echo "${SCHEMAGEN_TEST_PG_PLAIN_DSN:-postgresql://postgres@127.0.0.1:55415/postgres}" ;;
    *) echo "unknown server $1" >&2; return 1 ;;
  esac
}

with_db() {  # dsn dbname -> dsn with that database
  "$PY" -c 'import sys; from psycopg.conninfo import make_conninfo; print(make_conninfo(sys.argv[1], dbname=sys.argv[2]))' "$1" "$2"
}

roles_now() {  # dsn -> the non-system role names, one a line
  "$PSQL" "$1" -XAtqc "SELECT rolname FROM pg_roles WHERE rolname NOT LIKE 'pg\_%' ORDER BY 1" 2>/dev/null
}

summarize() {  # dsn: what the script left in the database (user objects only), one SUMMARY| line
  "$PSQL" "$1" -XAtq 2>/dev/null <<'SQL'
WITH ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e'),
usr AS (SELECT oid FROM pg_namespace WHERE nspname NOT LIKE 'pg\_%' AND nspname NOT LIKE '\_timescaledb%'
        AND nspname NOT IN ('information_schema', 'timescaledb_information', 'timescaledb_experimental'))
SELECT 'SUMMARY|' || concat_ws(', ',
  'tables ' || (SELECT count(*) FROM pg_class WHERE relkind IN ('r','p') AND relnamespace IN (SELECT oid FROM usr)
                AND oid NOT IN (SELECT objid FROM ext)),
  'views ' || (SELECT count(*) FROM pg_class WHERE relkind = 'v' AND relnamespace IN (SELECT oid FROM usr)),
  'matviews ' || (SELECT count(*) FROM pg_class WHERE relkind = 'm' AND relnamespace IN (SELECT oid FROM usr)),
  'sequences ' || (SELECT count(*) FROM pg_class WHERE relkind = 'S' AND relnamespace IN (SELECT oid FROM usr)),
  'indexes ' || (SELECT count(*) FROM pg_class WHERE relkind IN ('i','I') AND relnamespace IN (SELECT oid FROM usr)),
  'enums ' || (SELECT count(*) FROM pg_type WHERE typtype = 'e' AND typnamespace IN (SELECT oid FROM usr)),
  'composite types ' || (SELECT count(*) FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid WHERE c.relkind = 'c'
                         AND t.typnamespace IN (SELECT oid FROM usr)),
  'domains ' || (SELECT count(*) FROM pg_type WHERE typtype = 'd' AND typnamespace IN (SELECT oid FROM usr)),
  'functions ' || (SELECT count(*) FROM pg_proc WHERE pronamespace IN (SELECT oid FROM usr)
                   AND oid NOT IN (SELECT objid FROM ext)),
  'triggers ' || (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgfoid NOT IN (SELECT objid FROM ext)
                  AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace IN (SELECT oid FROM usr))),
  'policies ' || (SELECT count(*) FROM pg_policy),
  'rls tables ' || (SELECT count(*) FROM pg_class WHERE relrowsecurity AND relnamespace IN (SELECT oid FROM usr)),
  'foreign keys ' || (SELECT count(*) FROM pg_constraint WHERE contype = 'f'
                      AND connamespace IN (SELECT oid FROM usr)),
  'checks ' || (SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND connamespace IN (SELECT oid FROM usr)));
SQL
  if [ "$("$PSQL" "$1" -XAtqc "SELECT to_regclass('timescaledb_information.hypertables') IS NOT NULL" 2>/dev/null)" = t ]; then
    "$PSQL" "$1" -XAtq 2>/dev/null <<'SQL'
SELECT 'SUMMARY|  ' || concat_ws(', ',
    'hypertables ' || (SELECT count(*) FROM timescaledb_information.hypertables
                       WHERE hypertable_schema NOT LIKE '\_timescaledb%'),
    'continuous aggregates ' || (SELECT count(*) FROM timescaledb_information.continuous_aggregates),
    'compression settings ' || (SELECT count(*) FROM timescaledb_information.hypertables WHERE compression_enabled
                                AND hypertable_schema NOT LIKE '\_timescaledb%'),
    'jobs ' || (SELECT string_agg(proc_name, ' ' ORDER BY proc_name) FROM timescaledb_information.jobs
                WHERE job_id >= 1000));
SQL
  fi
}

pglite_reset() {
  (cd "$ROOT" && "$PY" -c 'import sys; sys.path.insert(0, "."); from tests import servers; servers.reset_pglite(servers.SERVERS["ts-community"])')
}

servers=() files=() names=() stop=1 summary=1
while [ $# -gt 0 ]; do
  case $1 in
    -s) servers+=("$2"); shift 2 ;;
    -f) files+=("$2"); shift 2 ;;
    -k) stop=0; shift ;;
    -q) summary=0; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) names+=("$1"); shift ;;
  esac
done
[ ${#servers[@]} -gt 0 ] || servers=(ts-apache ts-community pg-plain)
if [ ${#names[@]} -eq 0 ]; then
  for d in "$HERE"/*/; do [ -f "$d/original.sql" ] && names+=("$(basename "$d")"); done
fi

failed=0
attempt() {  # name server file
  local name=$1 server=$2 file=$3 base dsn db log rc before
  base=$(dsn_of "$server") || return 1
  log=$(mktemp)
  if [ "$server" = ts-community ]; then
    mkdir -p /var/tmp/schemagen
    exec 8>>/var/tmp/schemagen/pglite.lock
    flock 8
    pglite_reset >"$log" 2>&1 || { echo "$name $server $file FAILED: reset: $(tail -1 "$log")"; flock -u 8; failed=1; return; }
    "$PSQL" "$base" -X -q -v ON_ERROR_STOP=$stop -f "$HERE/$name/$file" >"$log" 2>&1
    rc=$?
    [ $summary = 1 ] && summarize "$base" >>"$log"
    pglite_reset >/dev/null 2>&1 || echo "warning: PGlite reset after $name failed" >&2
    flock -u 8
  else
    db="rs_${name}_$RANDOM$RANDOM"
    before=$(roles_now "$base")
    "$PSQL" "$base" -XAtqc "CREATE DATABASE \"$db\"" >"$log" 2>&1 || { echo "$name $server $file FAILED: $(tail -1 "$log")"; failed=1; return; }
    "$PSQL" "$(with_db "$base" "$db")" -X -q -v ON_ERROR_STOP=$stop -f "$HERE/$name/$file" >"$log" 2>&1
    rc=$?
    [ $summary = 1 ] && summarize "$(with_db "$base" "$db")" >>"$log"
    "$PSQL" "$base" -XAtqc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1
    # drop the roles this attempt created (roles are cluster-wide): those new since the attempt began that the
    # script itself names in a CREATE ROLE/USER, so that a role another client made meanwhile is left alone
    comm -13 <(echo "$before") <(roles_now "$base") | while read -r r; do
      if [ -n "$r" ] && grep -qiE "create (role|user) +\"?$r\"?( |;|$)" "$HERE/$name/$file"; then
        "$PSQL" "$base" -XAtqc "DROP ROLE IF EXISTS \"$r\"" >/dev/null 2>&1
      fi
    done
  fi
  if [ $rc -eq 0 ] && { [ $stop = 1 ] || ! grep -q 'ERROR' "$log"; }; then
    echo "$name $server $file OK"
  else
    echo "$name $server $file FAILED: $(grep -m1 -E 'ERROR|FATAL|error' "$log")"
    failed=1
  fi
  if [ $stop = 0 ]; then grep -E '^psql:.*ERROR' "$log" | sed 's/^/    /'; fi
  if [ $summary = 1 ]; then sed -n 's/^SUMMARY|/    /p' "$log"; fi
  if [ -n "${KEEP_LOGS:-}" ]; then cp "$log" "/tmp/realschemas.$name.$server.$file.log"; fi
  rm -f "$log"
}

for name in "${names[@]}"; do
  for server in "${servers[@]}"; do
    if [ ${#files[@]} -gt 0 ]; then
      for f in "${files[@]}"; do [ -f "$HERE/$name/$f" ] && attempt "$name" "$server" "$f"; done
    else
      attempt "$name" "$server" original.sql
      if [ "$server" = ts-apache ] && [ -f "$HERE/$name/original.apache.sql" ]; then
        attempt "$name" "$server" original.apache.sql
      fi
      if [ "$server" = ts-community ] && [ -f "$HERE/$name/original.pglite.sql" ]; then
        attempt "$name" "$server" original.pglite.sql
      fi
    fi
  done
done
exit $failed
