#!/usr/bin/env bash
# Legitimate traffic under a flood (issue 11, item 5). A signed-in console user (probe.py, from
# 127.0.0.2) asks GET /api/v1/me 50 times a second on one keep-alive connection; first with the
# server idle, then while wrk floods the public rating endpoint from 127.0.0.1 with N
# connections as fast as the server answers (all but the address's burst refused with 429).
# Prints the probe's p50/p99 for each phase, the ratio of each flood p99 to the idle p99 of the
# same run, what the flood got (requests, answers per status) and the server's CPU seconds.
#   bench/flood/flood.sh                 # SQLite demo database in a temp dir
# Env: BUILD (default build), FLOODS ("100 400" connections), SECONDS_EACH (15), RUNS (3),
#      SERVE_ARGS (extra serve flags, e.g. "--max-connections-per-address 0" to compare).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BUILD:-$ROOT/build}"
M="$BUILD/manyi"
FLOODS="${FLOODS:-100 400}"
SECS="${SECONDS_EACH:-15}"
RUNS="${RUNS:-3}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
TMP=$(mktemp -d /tmp/manyi-flood.XXXXXX)
SERVER=
FLOOD=
trap '[ -n "$FLOOD" ] && kill $FLOOD 2>/dev/null; [ -n "$SERVER" ] && kill $SERVER 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
DB="sqlite:$TMP/bench.db"
"$M" --db "$DB" demo --ratings 0 >/dev/null
POINT=$("$M" --db "$DB" points list | grep -v '^#' | cut -f1 | sed -n 1p)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# shellcheck disable=SC2086
"$M" --db "$DB" serve --listen "127.0.0.1:$PORT" ${SERVE_ARGS:-} > "$TMP/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
cpu() { awk '{ print $14 + $15 }' "/proc/$SERVER/stat"; }  # utime + stime in clock ticks
TICKS=$(getconf CLK_TCK)
probe() { python3 "$ROOT/bench/flood/probe.py" --port "$PORT" --source 127.0.0.2 --rate 50 --seconds "$SECS"; }
p99_of() { sed -n 's/.* p99 \([0-9.]*\) ms.*/\1/p'; }
median() { sort -g | awk '{a[NR]=$1} END { if (NR%2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2 }'; }

echo "== flood bench: probe GET /api/v1/me at 50/s from 127.0.0.2; wrk flood of POST /api/v1/public/ratings from 127.0.0.1; ${SECS} s per phase, $RUNS runs"
echo "   machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   serve flags: ${SERVE_ARGS:-(defaults)}"
for run in $(seq 1 "$RUNS"); do
  c0=$(cpu)
  line=$(probe)
  c1=$(cpu)
  echo "$line" | p99_of >> "$TMP/idle"
  printf "  run %d idle       : %s  server cpu %.2f s\n" "$run" "$line" "$(awk -v a="$c0" -v b="$c1" -v t="$TICKS" 'BEGIN { print (b - a) / t }')"
  for n in $FLOODS; do
    POINT="$POINT" wrk -t1 -c"$n" -d"$((SECS + 4))s" -s "$ROOT/bench/flood/rating.lua" "http://127.0.0.1:$PORT/api/v1/public/ratings" > "$TMP/wrk" 2>&1 &
    FLOOD=$!
    sleep 2
    c0=$(cpu)
    line=$(probe)
    c1=$(cpu)
    wait "$FLOOD" || true
    FLOOD=
    echo "$line" | p99_of >> "$TMP/flood$n"
    printf "  run %d flood %4d : %s  server cpu %.2f s; flood: %s, %s\n" "$run" "$n" "$line" \
      "$(awk -v a="$c0" -v b="$c1" -v t="$TICKS" 'BEGIN { print (b - a) / t }')" "$(grep -oE '[0-9]+ requests in [0-9.]+s' "$TMP/wrk" || true)" \
      "$(grep -E '^requests' "$TMP/wrk" | tr -d '\n')"
    sleep 1
  done
done
idle=$(median < "$TMP/idle")
echo "median p99 idle: $idle ms"
for n in $FLOODS; do
  f=$(median < "$TMP/flood$n")
  printf "median p99 under a flood of %d connections: %s ms (%.1f× idle)\n" "$n" "$f" "$(awk -v f="$f" -v i="$idle" 'BEGIN { print f / i }')"
done
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^manyi_http_(requests_total\{[^}]*status="429"|connections_refused|flood)' | head -5 || true
