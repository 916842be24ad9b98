#!/usr/bin/env python3
"""The tile cache's hit rate over a window, from a lieux server's /metrics.

    benches/live/cache_hits.py BASE_URL SECONDS

Reads `lieux_tile_cache_hits_total` and `lieux_tile_cache_misses_total` every 0.2 s for
SECONDS. The counters belong to the index being served, so a swap (a rebuild after an accept,
which `lieux_reloads_total` counts) starts them again from zero: after one, the new counters
are the window's. What an index answered between the last reading and its swap, or indexes
swapped out within 0.2 s, are not counted. Prints `hit_rate hits misses swaps`. Only the
standard library.
"""
import sys
import time
import urllib.request

NAMES = ("lieux_tile_cache_hits_total", "lieux_tile_cache_misses_total", "lieux_reloads_total")


def read(base):
    with urllib.request.urlopen(f"{base}/metrics", timeout=30) as answer:
        text = answer.read().decode()
    values = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in NAMES:
            values[name] = float(value)
    return tuple(values.get(name, 0.0) for name in NAMES)


def main():
    base, seconds = sys.argv[1], float(sys.argv[2])
    last = read(base)
    totals, swaps = [0.0, 0.0], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.2)
        now = read(base)
        if now[2] > last[2]:
            swaps += int(now[2] - last[2])
            deltas = now[:2]
        else:
            deltas = (now[0] - last[0], now[1] - last[1])
        totals = [t + d for t, d in zip(totals, deltas)]
        last = now
    hits, misses = totals
    rate = hits / (hits + misses) if hits + misses else 0.0
    print(f"{rate:.3f} {hits:.0f} {misses:.0f} {swaps}")


if __name__ == "__main__":
    main()
