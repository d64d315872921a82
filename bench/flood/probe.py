#!/usr/bin/env python3
"""A signed-in console user during a flood: signs in as USER from its own loopback address
(--source, e.g. 127.0.0.2, so the flood's address limits are not its own), then sends
GET /api/v1/me on one keep-alive connection at a steady rate and prints the latencies.

    probe.py --port P --source 127.0.0.2 --rate 50 --seconds 15
prints one line: "n N ok K p50 X ms p99 Y ms max Z ms" (a refused or failed request counts
as not ok; its time still counts)."""
import argparse
import http.client
import json
import socket
import sys
import time


def connect(a):
    c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=10, source_address=(a.source, 0))
    c.connect()
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return c


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--source", default="127.0.0.2")
    p.add_argument("--user", default="hosp1")
    p.add_argument("--password", default="Manyi-demo-1")
    p.add_argument("--rate", type=float, default=50)
    p.add_argument("--seconds", type=float, default=15)
    a = p.parse_args()
    c = connect(a)
    c.request("POST", "/api/v1/auth/login", json.dumps({"username": a.user, "password": a.password}),
              {"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    cookie = next((v.split(";")[0] for k, v in r.getheaders() if k.lower() == "set-cookie" and "manyi_session=" in v), None)
    if r.status != 200 or not cookie:
        sys.exit(f"sign-in failed: {r.status}")
    lat, ok = [], 0
    interval = 1.0 / a.rate
    start = time.monotonic()
    nxt = start
    while time.monotonic() - start < a.seconds:
        now = time.monotonic()
        if now < nxt:
            time.sleep(nxt - now)
        nxt += interval
        t0 = time.perf_counter()
        try:
            c.request("GET", "/api/v1/me", headers={"Cookie": cookie})
            r = c.getresponse()
            r.read()
            ok += r.status == 200
        except (OSError, http.client.HTTPException):
            c.close()
            c = connect(a)
        lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))]
    print(f"n {len(lat)} ok {ok} p50 {q(0.50):.2f} ms p99 {q(0.99):.2f} ms max {lat[-1]:.2f} ms")


if __name__ == "__main__":
    main()
