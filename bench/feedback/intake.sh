#!/usr/bin/env bash
# Sustained durable rating intake through HTTP with wrk: 64 connections, 30 s, random points,
# devices and client networks. The per-network and per-device rate limits are raised through
# serve flags for the run (one machine plays thousands of phones); the integrity checks stay on.
#   bench/feedback/intake.sh sqlite            # SQLite in a temp dir
#   bench/feedback/intake.sh postgresql://postgres@127.0.0.1:5432/manyi_bench   # an empty database
# Env: BUILD (default build), DURATION (30s), CONNECTIONS (64), THREADS (2); BAD=0 turns the 7%
# 不满意/非常不满意 ratings into 基本满意 (to show what their bad-review cases cost); RUNS (1):
# SQLite only, each run on a fresh database and server, then the median run by ratings/s
# (this machine's speed drifts by ±10% over minutes: compare builds in interleaved runs);
# INSTANCES (1): PostgreSQL only, that many servers on the one database (sharing the integrity
# windows), each driven by its own wrk with CONNECTIONS / INSTANCES connections at once; the
# line `total` sums them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BUILD:-$ROOT/build}"
M="$BUILD/manyi"
TARGET="${1:-sqlite}"
RUNS="${RUNS:-1}"
INSTANCES="${INSTANCES:-1}"
[ "$TARGET" = sqlite ] || RUNS=1  # a PostgreSQL database is used once
[ "$TARGET" != sqlite ] || INSTANCES=1  # one SQLite database, one process
SERVERS=()
TMP=
cleanup() {
  for pid in "${SERVERS[@]+"${SERVERS[@]}"}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  [ -n "$TMP" ] && rm -rf "$TMP"
  SERVERS=() TMP=
}
RESULTS=$(mktemp /tmp/manyi-intake-results.XXXXXX)
trap 'cleanup; rm -f "$RESULTS"' EXIT
for run in $(seq 1 "$RUNS"); do
  TMP=$(mktemp -d /tmp/manyi-intake.XXXXXX)
  if [ "$TARGET" = sqlite ]; then DB="sqlite:$TMP/bench.db"; else DB="$TARGET"; fi
  "$M" --db "$DB" demo --ratings 0 >/dev/null
  "$M" --db "$DB" points list | grep -v '^#' | cut -f1 > "$TMP/points.txt"
  PORTS=()
  for n in $(seq 1 "$INSTANCES"); do
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$M" --db "$DB" serve --listen "127.0.0.1:$PORT" --trusted-proxy 127.0.0.1/32 \
      --rating-net-rate 1000000 --rating-net-burst 1000000 --rating-device-rate 1000000 --rating-device-burst 1000000 \
      > "$TMP/server$n.log" 2>&1 &
    SERVERS+=($!)
    PORTS+=("$PORT")
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
  done
  CONN=$(( ${CONNECTIONS:-64} / INSTANCES ))
  echo "== intake on $TARGET (run $run of $RUNS): $(wc -l < "$TMP/points.txt") points, $INSTANCES instance(s) × $CONN connections, ${DURATION:-30s}"
  WRKS=()
  for n in $(seq 1 "$INSTANCES"); do
    INSTANCE=$n POINTS="$TMP/points.txt" wrk -t"${THREADS:-2}" -c"$CONN" -d"${DURATION:-30s}" --latency \
      -s "$ROOT/bench/feedback/intake.lua" "http://127.0.0.1:${PORTS[$((n - 1))]}" > "$TMP/wrk$n.txt" &
    WRKS+=($!)
  done
  wait "${WRKS[@]}"
  for n in $(seq 1 "$INSTANCES"); do
    grep -E "requests|errors|Non-2xx|Socket" "$TMP/wrk$n.txt" | tee -a "$TMP/wrk.txt"
  done
  if [ "$INSTANCES" -gt 1 ]; then
    grep -E "^requests [0-9]" "$TMP/wrk.txt" | awk '{n += $2; r += $6} END {printf "total %d requests: %.0f/s\n", n, r}'
  fi
  grep -E "^requests [0-9]" "$TMP/wrk.txt" | head -1 >> "$RESULTS" || true
  for PORT in "${PORTS[@]}"; do
    curl -s "http://127.0.0.1:$PORT/metrics" | grep -E "^manyi_db_(commits|write_jobs)_total|^manyi_integrity_shared_total" || true
  done
  sleep 1  # the last bad-review cases are opened just after their ratings
  Q="SELECT status, COUNT(*) FROM ratings GROUP BY status ORDER BY status; SELECT 'bad reviews', COUNT(*), COUNT(case_id), SUM(case_pending) FROM ratings WHERE overall <= 2; SELECT 'bad-review cases', COUNT(*) FROM cases WHERE type = 'bad_review'"
  if [ "$TARGET" = sqlite ]; then sqlite3 "$TMP/bench.db" "$Q"; else psql -At "$DB" -c "$Q"; fi | sed 's/^/stored: /'
  cleanup
done
if [ "$RUNS" -gt 1 ]; then
  # "requests N in S s: R/s; latency ..." — the median run by R.
  echo "median of $RUNS: $(sort -t: -k2 -n "$RESULTS" | awk -v n="$RUNS" 'NR == int((n + 1) / 2)')"
fi
