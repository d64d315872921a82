#!/usr/bin/env bash
# Sustained durable rating intake through HTTP with wrk: 64 connections, 30 s, random points,
# devices and client networks. The per-network and per-device rate limits are raised through
# serve flags for the run (one machine plays thousands of phones); the integrity checks stay on.
#   bench/feedback/intake.sh sqlite            # SQLite in a temp dir
#   bench/feedback/intake.sh postgresql://postgres@127.0.0.1:5432/manyi_bench   # an empty database
# Env: BUILD (default build), DURATION (30s), CONNECTIONS (64), THREADS (2); BAD=0 turns the 7%
# 不满意/非常不满意 ratings into 基本满意 (to show what their bad-review cases cost).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BUILD:-$ROOT/build}"
M="$BUILD/manyi"
TARGET="${1:-sqlite}"
TMP=$(mktemp -d /tmp/manyi-intake.XXXXXX)
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$TMP"' EXIT
if [ "$TARGET" = sqlite ]; then DB="sqlite:$TMP/bench.db"; else DB="$TARGET"; fi
"$M" --db "$DB" demo --ratings 0 >/dev/null
"$M" --db "$DB" points list | grep -v '^#' | cut -f1 > "$TMP/points.txt"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$M" --db "$DB" serve --listen "127.0.0.1:$PORT" --trusted-proxy 127.0.0.1/32 \
  --rating-net-rate 1000000 --rating-net-burst 1000000 --rating-device-rate 1000000 --rating-device-burst 1000000 \
  > "$TMP/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
echo "== intake on $TARGET: $(wc -l < "$TMP/points.txt") points, ${CONNECTIONS:-64} connections, ${DURATION:-30s}"
POINTS="$TMP/points.txt" wrk -t"${THREADS:-2}" -c"${CONNECTIONS:-64}" -d"${DURATION:-30s}" --latency \
  -s "$ROOT/bench/feedback/intake.lua" "http://127.0.0.1:$PORT" | grep -E "requests|errors|Non-2xx|Socket"
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E "^manyi_db_(commits|write_jobs)_total" || true
sleep 1  # the last bad-review cases are opened just after their ratings
Q="SELECT status, COUNT(*) FROM ratings GROUP BY status ORDER BY status; SELECT 'bad reviews', COUNT(*), COUNT(case_id), SUM(case_pending) FROM ratings WHERE overall <= 2; SELECT 'bad-review cases', COUNT(*) FROM cases WHERE type = 'bad_review'"
if [ "$TARGET" = sqlite ]; then sqlite3 "$TMP/bench.db" "$Q"; else psql -At "$DB" -c "$Q"; fi | sed 's/^/stored: /'
