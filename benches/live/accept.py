#!/usr/bin/env python3
"""Times a moderator's accept until the change is visible, against a running lieux server.

    benches/live/accept.py BASE_URL TOKEN ROUNDS [--every SECONDS | --rate PER_SECOND] [--seed S] [--move] [--no-wait]

Each round proposes a new name holding a word of its own for a place chosen at random (the
nearest place to a seeded position over France), then, from the moment the accept request is
sent: waits for the accept's answer, then asks `/search?q=WORD` and the zoom-18 tile that holds
the place (not gzipped, so the name is in its bytes as written) until both show the new name.
Each round then times one `/health`, the same server's cheapest answer, for a ratio measured
in the same run. Prints one line per round (`round accept_ms visible_ms health_ms`) and, at
the end, the median, the p99 and the maximum of each. `--every` spaces the accepts (one every
SECONDS at most) for runs under a read load; the default is back to back. `--move` also
moves each place about 20 m east (a new position: the cluster hierarchy changes), and the tile
asked is the one of its new position. `--rate` starts
PER_SECOND rounds a second whatever the server does (an open loop: several moderators
deciding at once), each on a connection of its own polling every 50 ms, and lines come as
rounds end. `--no-wait` only proposes and accepts: no round waits to see its change, so that
what a read workload loses while changes are applied is not also the polling's load (visible
is then the accept's answer). Only the standard library.
"""
import argparse
import http.client
import json
import math
import random
import statistics
import sys
import time
import threading
import urllib.parse


def connection(base):
    url = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=600)


def ask(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    answer = conn.getresponse()
    return answer.status, answer.read()


def tile_of(lon, lat, z=18):
    n = 2**z
    x = math.floor((lon + 180) / 360 * n)
    rad = math.radians(lat)
    y = math.floor((1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2 * n)
    return f"/tiles/{z}/{x}/{y}.mvt"


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


TAKEN = set()
TAKEN_LOCK = threading.Lock()


def one_round(base, admin, seed, round_, lat, lon, poll, move=False, wait=True):
    """Proposes and accepts a new name for the place nearest (lat, lon) that no other round
    took (two rounds renaming one place would each wait for its own name), and waits until it
    is visible: (accept ms, visible ms, health ms)."""
    conn = connection(base)
    status, body = ask(conn, "GET", f"/nearest?lat={lat:.4f}&lon={lon:.4f}&k=50")
    assert status == 200, body
    with TAKEN_LOCK:
        place = next(f for f in json.loads(body)["features"] if f["id"] not in TAKEN)
        TAKEN.add(place["id"])
    place_id = place["id"]
    plon, plat = place["geometry"]["coordinates"]
    word = f"zqessai{seed}r{round_}"
    fields = {"nom": f"Espace {word}"}
    if move:
        # About 20 m east: the place moves, and the cluster hierarchy with it.
        plon += 0.00025
        fields.update({"longitude": f"{plon:.6f}", "latitude": f"{plat:.6f}"})
    proposal = {"kind": "update", "place_id": place_id, "fields": fields}
    status, body = ask(
        conn, "POST", "/contributions", json.dumps(proposal), {"Content-Type": "application/json"}
    )
    assert status == 202, body
    contribution = json.loads(body)["id"]
    tile = tile_of(plon, plat)
    sent = time.monotonic()
    status, body = ask(conn, "POST", f"/admin/contributions/{contribution}/accept", "{}", admin)
    assert status == 200, body
    answered = time.monotonic()
    while wait:
        assert time.monotonic() - sent < 600, f"round {round_}: not visible after 10 minutes"
        status, found = ask(conn, "GET", f"/search?q={word}&limit=1")
        assert status == 200, found
        if json.loads(found)["total"] >= 1:
            status, drawn = ask(conn, "GET", tile)
            assert status == 200, (tile, status)
            if word.encode() in drawn:
                break
        time.sleep(poll)
    visible = time.monotonic()
    health_sent = time.monotonic()
    status, _ = ask(conn, "GET", "/health")
    assert status == 200
    health = (time.monotonic() - health_sent) * 1000
    return (answered - sent) * 1000, (visible - sent) * 1000, health


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("token")
    parser.add_argument("rounds", type=int)
    parser.add_argument("--every", type=float, default=0)
    parser.add_argument("--rate", type=float, default=0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--move", action="store_true")
    parser.add_argument("--no-wait", dest="wait", action="store_false")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    admin = {"Authorization": f"Bearer {args.token}", "Content-Type": "application/json"}
    accepts, visibles, healths = [], [], []
    lock = threading.Lock()

    def run(round_, lat, lon):
        # Rounds at a rate poll every 50 ms: fifty rounds polling every millisecond would be a
        # read load of their own.
        poll = 0.05 if args.rate else 0.001
        accept, visible, health = one_round(
            args.base, admin, args.seed, round_, lat, lon, poll, args.move, args.wait
        )
        with lock:
            accepts.append(accept)
            visibles.append(visible)
            healths.append(health)
            print(f"{round_} {accept:.1f} {visible:.1f} {health:.2f}", flush=True)

    started = time.monotonic()
    threads = []
    for round_ in range(1, args.rounds + 1):
        started_round = time.monotonic()
        lat, lon = 43 + rng.random() * 7, -4 + rng.random() * 11
        if args.rate:
            time.sleep(max(0, started + (round_ - 1) / args.rate - time.monotonic()))
            thread = threading.Thread(target=run, args=(round_, lat, lon), daemon=True)
            thread.start()
            threads.append(thread)
            continue
        run(round_, lat, lon)
        if args.every:
            time.sleep(max(0, args.every - (time.monotonic() - started_round)))
    for thread in threads:
        thread.join()
    for name, values in (("accept", accepts), ("visible", visibles), ("health", healths)):
        print(
            f"{name} median {statistics.median(values):.2f} ms, p99 {percentile(values, 99):.2f} ms, "
            f"max {max(values):.2f} ms over {len(values)} rounds"
        )


if __name__ == "__main__":
    sys.exit(main())
