#!/usr/bin/env bash
# Sustained durable rating intake through HTTP with wrk: 64 connections, 30 s, random points,
# devices and client networks. The per-network and per-device rate limits are raised through
# serve flags for the run (one machine plays thousands of phones); the integrity checks stay on.
#   bench/feedback/intake.sh sqlite            # SQLite in a temp dir
#   bench/feedback/intake.sh postgresql://postgres@127.0.0.1:5432/manyi_bench   # an empty database
# Env: BUILD (default build), DURATION (30s), CONNECTIONS (64), THREADS (2); BAD=0 turns the 7%
# 不满意/非常不满意 ratings into 基本满意 (to show what their bad-review cases cost); RUNS (1):
# SQLite only, each run on a fresh database and server, then the median run by ratings/s
# (this machine's speed drifts by ±10% over minutes: compare builds in interleaved runs).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BUILD:-$ROOT/build}"
M="$BUILD/manyi"
TARGET="${1:-sqlite}"
RUNS="${RUNS:-1}"
[ "$TARGET" = sqlite ] || RUNS=1  # a PostgreSQL database is used once
SERVER=
TMP=
cleanup() {
  [ -n "$SERVER" ] && { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }
  [ -n "$TMP" ] && rm -rf "$TMP"
  SERVER= TMP=
}
RESULTS=$(mktemp /tmp/manyi-intake-results.XXXXXX)
trap 'cleanup; rm -f "$RESULTS"' EXIT
for run in $(seq 1 "$RUNS"); do
  TMP=$(mktemp -d /tmp/manyi-intake.XXXXXX)
  if [ "$TARGET" = sqlite ]; then DB="sqlite:$TMP/bench.db"; else DB="$TARGET"; fi
  "$M" --db "$DB" demo --ratings 0 >/dev/null
  "$M" --db "$DB" points list | grep -v '^#' | cut -f1 > "$TMP/points.txt"
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$M" --db "$DB" serve --listen "127.0.0.1:$PORT" --trusted-proxy 127.0.0.1/32 \
    --rating-net-rate 1000000 --rating-net-burst 1000000 --rating-device-rate 1000000 --rating-device-burst 1000000 \
    > "$TMP/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
  echo "== intake on $TARGET (run $run of $RUNS): $(wc -l < "$TMP/points.txt") points, ${CONNECTIONS:-64} connections, ${DURATION:-30s}"
  POINTS="$TMP/points.txt" wrk -t"${THREADS:-2}" -c"${CONNECTIONS:-64}" -d"${DURATION:-30s}" --latency \
    -s "$ROOT/bench/feedback/intake.lua" "http://127.0.0.1:$PORT" | grep -E "requests|errors|Non-2xx|Socket" |
    tee -a "$TMP/wrk.txt"
  grep -E "^requests [0-9]" "$TMP/wrk.txt" >> "$RESULTS" || true
  curl -s "http://127.0.0.1:$PORT/metrics" | grep -E "^manyi_db_(commits|write_jobs)_total" || true
  sleep 1  # the last bad-review cases are opened just after their ratings
  Q="SELECT status, COUNT(*) FROM ratings GROUP BY status ORDER BY status; SELECT 'bad reviews', COUNT(*), COUNT(case_id), SUM(case_pending) FROM ratings WHERE overall <= 2; SELECT 'bad-review cases', COUNT(*) FROM cases WHERE type = 'bad_review'"
  if [ "$TARGET" = sqlite ]; then sqlite3 "$TMP/bench.db" "$Q"; else psql -At "$DB" -c "$Q"; fi | sed 's/^/stored: /'
  cleanup
done
if [ "$RUNS" -gt 1 ]; then
  # "requests N in S s: R/s; latency ..." — the median run by R.
  echo "median of $RUNS: $(sort -t: -k2 -n "$RESULTS" | awk -v n="$RUNS" 'NR == int((n + 1) / 2)')"
fi
