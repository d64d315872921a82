#!/usr/bin/env bash
# Public complaint intake through HTTP with wrk: 32 connections, 30 s, POST /api/v1/public/cases
# to random departments and institutions of the demo organisation with random phone numbers
# (each 201 is a committed case: row, history entry, audit entry, notification). The per-address
# public rate limit is raised for the run (--public-rate/--public-burst 1000000): one machine
# plays every complainant. Three runs; prints each and the medians of cases/s, p50 and p99.
#   bench/cases/intake.sh sqlite            # SQLite in a temp dir
#   bench/cases/intake.sh postgresql://postgres@127.0.0.1:5432/manyi_bench   # an EMPTY database
# Env: BUILD (default build), DURATION (30s), CONNECTIONS (32), THREADS (2), RUNS (3).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BUILD:-$ROOT/build}"
M="$BUILD/manyi"
TARGET="${1:-sqlite}"
DURATION="${DURATION:-30s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
RUNS="${RUNS:-3}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
TMP=$(mktemp -d /tmp/manyi-case-intake.XXXXXX)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
if [ "$TARGET" = sqlite ]; then DB="sqlite:$TMP/bench.db"; else DB="$TARGET"; fi
"$M" --db "$DB" demo --ratings 0 >/dev/null
sql() { if [ "$TARGET" = sqlite ]; then sqlite3 "$TMP/bench.db" "$1"; else psql -At "$DB" -c "$1"; fi; }
sql "SELECT code FROM org_nodes WHERE kind IN ('department', 'institution') AND active = 1" > "$TMP/nodes.txt"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$M" --db "$DB" serve --listen "127.0.0.1:$PORT" --public-rate 1000000 --public-burst 1000000 > "$TMP/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
before=$(sql "SELECT COUNT(*) FROM cases")

median() { sort -g | awk '{a[NR]=$1} END { if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2 }'; }
echo "== public complaint intake on $TARGET: $(wc -l < "$TMP/nodes.txt") nodes, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $RUNS runs"
echo "   machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$TMP/rps"; : > "$TMP/p50"; : > "$TMP/p99"
for i in $(seq 1 "$RUNS"); do
  NODES="$TMP/nodes.txt" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$ROOT/bench/cases/intake.lua" \
    "http://127.0.0.1:$PORT" > "$TMP/out"
  awk '/^requests/ { sub(/\/s;/, "", $6); print $6 }' "$TMP/out" >> "$TMP/rps"
  awk '/^requests/ { print $9 }' "$TMP/out" >> "$TMP/p50"
  awk '/^requests/ { print $15 }' "$TMP/out" >> "$TMP/p99"
  echo "  run $i (load $(cut -d' ' -f1 /proc/loadavg)): $(grep -E '^requests' "$TMP/out")"
  grep -E "^errors|Non-2xx|Socket" "$TMP/out" | sed 's/^/    /'
done
after=$(sql "SELECT COUNT(*) FROM cases")
echo "median of $RUNS: $(median < "$TMP/rps") cases/s  p50 $(median < "$TMP/p50") ms  p99 $(median < "$TMP/p99") ms"
echo "stored: $((after - before)) new cases"
