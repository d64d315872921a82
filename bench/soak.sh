#!/usr/bin/env bash
# The SIGKILL soak: N kill/restart rounds of `manyi serve` under mixed write load (public
# ratings, public complaints, staff created in the console) on SQLite and on PostgreSQL. After
# every round it checks that every acknowledged write of every round is there, the database's
# structure (SQLite integrity_check and foreign_key_check; PostgreSQL indexes, constraints and
# foreign keys) and `manyi audit verify`. It is Durability.SoakKillRestartUnderMixedLoad of
# tests/integration/durability_test.cpp (2 rounds in ctest) with MANYI_SOAK_ROUNDS set.
#   bench/soak.sh [rounds]            # default 20; PostgreSQL from MANYI_TEST_PG, else a private server
# Env: BUILD (default build).
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$ROOT"
ROUNDS="${1:-20}"
BUILD="${BUILD:-$ROOT/build}"
ninja -C "$BUILD" manyi integration_durability_test >/dev/null
if [ -z "${MANYI_TEST_PG:-}" ]; then
  PGBIN=/usr/lib/postgresql/15/bin
  PGDIR=$(mktemp -d /tmp/manyi-soak-pg.XXXXXX)
  chown postgres:postgres "$PGDIR" 2>/dev/null || true
  PGPORT=$(free_port)
  trap 'runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$PGDIR"' EXIT
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGDIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
    -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null
  export MANYI_TEST_PG="postgresql://postgres@127.0.0.1:$PGPORT/postgres"
fi
export MANYI_TEST_REQUIRE_PG=1 MANYI_SOAK_ROUNDS="$ROUNDS"
T0=$(date +%s)
set +e
"$BUILD/integration_durability_test" --gtest_filter='*SoakKillRestartUnderMixedLoad*' > "$BUILD/soak.log" 2>&1
RC=$?
set -e
grep -E "^soak |Failure|lost|FAILED|PASSED" "$BUILD/soak.log" | head -40
echo "== $ROUNDS rounds per database in $(( $(date +%s) - T0 )) s (log: $BUILD/soak.log)"
exit $RC
