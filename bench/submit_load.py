#!/usr/bin/env python3
"""Posts complete sipas-2017 answers to a running sipas, as citizens would, from many
keep-alive connections at once for a number of seconds: each answer opens the
questionnaire (for its one-time page token) and posts it. Prints the answers stored per
second and the latency of the posts (p50, p99). Asserts nothing.

    python3 bench/submit_load.py http://127.0.0.1:18282 DESKCODE [SECONDS] [CONNECTIONS]
"""
import http.client
import re
import sys
import threading
import time
import urllib.parse

base, code = sys.argv[1], sys.argv[2]
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 30
connections = int(sys.argv[4]) if len(sys.argv) > 4 else 16
host = urllib.parse.urlsplit(base).netloc
hidden = re.compile(r'name="(_token|_version)" value="([^"]*)"')
radio = re.compile(r'<input type="(radio|checkbox)" name="([^"]+)" value="([^"]*)"')


def answers(page):
    """The last option of every single choice and the first of every multi choice."""
    chosen = {}
    for kind, name, value in radio.findall(page):
        if kind == "radio" or name not in chosen:
            chosen[name] = value
    return list(chosen.items())


latencies, stored, refused = [], [0], [0]
lock = threading.Lock()
deadline = time.monotonic() + seconds


def token_of(page):
    """The page's one-time token (found by hand: the client must not take the cores)."""
    start = page.index('name="_token" value="') + len('name="_token" value="')
    return page[start:page.index('"', start)]


# The answers are the same every time: read once from a first page.
first_conn = http.client.HTTPConnection(host, timeout=30)
first_conn.request("GET", f"/s/{code}")
first = first_conn.getresponse().read().decode()
version = dict(hidden.findall(first))["_version"]
same_answers = urllib.parse.urlencode([("_version", version)] + answers(first))


def client():
    conn = http.client.HTTPConnection(host, timeout=30)
    mine, ok, bad = [], 0, 0
    while time.monotonic() < deadline:
        conn.request("GET", f"/s/{code}")
        page = conn.getresponse().read().decode()
        body = f"_token={token_of(page)}&{same_answers}"
        started = time.monotonic()
        conn.request("POST", f"/s/{code}", body, {"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        mine.append(time.monotonic() - started)
        if response.status == 303:
            ok += 1
        else:
            bad += 1
    with lock:
        latencies.extend(mine)
        stored[0] += ok
        refused[0] += bad


started = time.monotonic()
threads = [threading.Thread(target=client) for _ in range(connections)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - started
latencies.sort()
pct = lambda p: latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000
print(f"answers stored: {stored[0]} in {elapsed:.1f} s = {stored[0] / elapsed:,.0f}/s "
      f"({refused[0]} refused); post latency p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms; "
      f"{connections} connections")
