#!/usr/bin/env python3
"""Times single queries against several servers in turn, to compare two builds on a noisy machine.

    python3 benches/search/alternate.py PORT,PORT[,...] PATH [PATH...]

Each path is asked 25 times of each server, alternating, over one keep-alive connection per
server; the minimum and the median of each are printed, in milliseconds.
"""
import http.client
import statistics
import sys
import time

ROUNDS = 25

ports = [int(p) for p in sys.argv[1].split(",")]
connections = {p: http.client.HTTPConnection("127.0.0.1", p) for p in ports}
for path in sys.argv[2:]:
    took = {p: [] for p in ports}
    for _ in range(ROUNDS):
        for port, connection in connections.items():
            start = time.perf_counter()
            connection.request("GET", path)
            connection.getresponse().read()
            took[port].append((time.perf_counter() - start) * 1000)
    figures = "  ".join(
        f"{p}: min {min(t):.2f} median {statistics.median(t):.2f}" for p, t in took.items()
    )
    print(f"{path}  {figures}")
