#!/usr/bin/env bash
# HTTP throughput of the server itself: wrk against GET /healthz (no session, one cheap
# database ping) and an authenticated small GET (/api/v1/me with a session cookie from a real
# sign-in: cookie lookup, session and grants queries, JSON) and the public ledger page of one
# hospital (GET /api/v1/public/rectifications?unit=H001, 整改公示). Three runs each; prints every
# run and the medians of req/s and the p50/p99 latencies.
#   bench/http_bench.sh                     # SQLite demo database in a temp dir
#   bench/http_bench.sh postgresql://postgres@127.0.0.1:5432/manyi_bench   # an EMPTY database
# Env: BUILD (default build), DURATION (10s), CONNECTIONS (64), THREADS (2), RUNS (3).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BUILD:-$ROOT/build}"
M="$BUILD/manyi"
TARGET="${1:-sqlite}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
RUNS="${RUNS:-3}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
TMP=$(mktemp -d /tmp/manyi-http-bench.XXXXXX)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
if [ "$TARGET" = sqlite ]; then DB="sqlite:$TMP/bench.db"; else DB="$TARGET"; fi
"$M" --db "$DB" demo --ratings 0 >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The public read limit (20/s per address by default) raised: wrk is one address.
"$M" --db "$DB" serve --listen "127.0.0.1:$PORT" --public-read-rate 1000000 --public-read-burst 1000000 \
  > "$TMP/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
COOKIE=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"username":"hosp1","password":"Manyi-demo-1"}' "http://127.0.0.1:$PORT/api/v1/auth/login" |
  tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(manyi_session=[^;]*\).*/\1/p')
[ -n "$COOKIE" ] || { echo "sign-in failed"; cat "$TMP/server.log"; exit 1; }
curl -sf -H "Cookie: $COOKIE" "http://127.0.0.1:$PORT/api/v1/me" >/dev/null || { echo "/me failed"; exit 1; }

# wrk prints latencies as 512.00us / 1.20ms / 2.00s: normalise to ms.
to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v=v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v=v*1000 } printf "%.3f\n", v }'; }
median() { sort -g | awk '{a[NR]=$1} END { if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2 }'; }

run() {  # name, path, extra wrk args…
  local name="$1" path="$2"; shift 2
  : > "$TMP/rps"; : > "$TMP/p50"; : > "$TMP/p99"
  for i in $(seq 1 "$RUNS"); do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "http://127.0.0.1:$PORT$path" > "$TMP/out"
    local rps p50 p99 errs
    rps=$(awk '/^Requests\/sec/ {print $2}' "$TMP/out")
    p50=$(awk '$1=="50%" {print $2}' "$TMP/out" | to_ms)
    p99=$(awk '$1=="99%" {print $2}' "$TMP/out" | to_ms)
    errs=$(grep -E "Non-2xx|Socket errors" "$TMP/out" | tr '\n' ' ' || true)
    echo "$rps" >> "$TMP/rps"; echo "$p50" >> "$TMP/p50"; echo "$p99" >> "$TMP/p99"
    printf "  %-14s run %d: %10s req/s  p50 %8s ms  p99 %8s ms  %s\n" "$name" "$i" "$rps" "$p50" "$p99" "$errs"
  done
  printf "%-16s median of %d: %10s req/s  p50 %8s ms  p99 %8s ms\n" "$name" "$RUNS" \
    "$(median < "$TMP/rps")" "$(median < "$TMP/p50")" "$(median < "$TMP/p99")"
}

echo "== manyi HTTP on $TARGET: wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $RUNS runs each"
echo "   machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
run "GET /healthz" /healthz
run "GET /api/v1/me" /api/v1/me -H "Cookie: $COOKIE"
# The public ledger page of one hospital (整改公示: its public items, newest first).
UNIT="${UNIT:-H001}"
curl -sf "http://127.0.0.1:$PORT/api/v1/public/rectifications?unit=$UNIT" | grep -q '"items"' || { echo "public ledger failed"; exit 1; }
echo "   public ledger of $UNIT: $(curl -s "http://127.0.0.1:$PORT/api/v1/public/rectifications?unit=$UNIT" | grep -o '"problem"' | wc -l) items"
run "GET public ledger" "/api/v1/public/rectifications?unit=$UNIT"
