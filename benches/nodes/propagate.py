#!/usr/bin/env python3
"""Times a change accepted on one lieux node until another node that shares its store serves it.

    benches/nodes/propagate.py BASE_A BASE_B TOKEN ROUNDS

Takes the ids of the first 500 places `/search` answers, then, ROUNDS times, in turn on A and
on B: proposes a new telephone number (one of its own) for the next place, accepts it on the
same node, and polls the other node's `/places/{id}` every 5 ms until it serves that number.
Each round is timed from the accept request: until its answer (the accepting node serves the
change then), and until the other node serves it. Prints one line per round (`round node
accept_ms other_ms`) and, at the end, a Markdown table of the median, the p99 and the maximum.
Only the standard library.
"""
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "live"))
from accept import ask, connection, percentile  # noqa: E402  (the live bench's client)


def request(base, method, path, body=None, headers=None):
    """One request on a connection of its own: a node that took long to accept may have closed
    the other's idle kept-alive connection meanwhile."""
    conn = connection(base)
    try:
        return ask(conn, method, path, body, headers)
    finally:
        conn.close()


def main():
    base_a, base_b, token, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    nodes = [base_a, base_b]
    status, body = request(nodes[0], "GET", "/search?limit=500")
    assert status == 200, body
    ids = [feature["id"] for feature in json.loads(body)["features"]]
    admin = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    accepts, others = [], []
    for round in range(rounds):
        here, there = nodes[round % 2], nodes[(round + 1) % 2]
        place = ids[round % len(ids)]
        telephone = f"+3324{round % 10}{round:06d}"[:12]
        proposal = {"kind": "update", "place_id": place, "fields": {"telephone": telephone}}
        status, body = request(here, "POST", "/contributions", json.dumps(proposal), admin)
        assert status == 202, body
        contribution = json.loads(body)["id"]
        started = time.monotonic()
        status, body = request(here, "POST", f"/admin/contributions/{contribution}/accept", "{}", admin)
        assert status == 200, body
        assert json.loads(body)["live"], body
        accepted = time.monotonic() - started
        while True:
            status, body = request(there, "GET", f"/places/{place}")
            assert status == 200, body
            if json.loads(body)["properties"].get("telephone") == telephone:
                break
            if time.monotonic() - started > 60:
                sys.exit(f"round {round}: the other node does not serve {telephone} of {place}")
            time.sleep(0.005)
        served = time.monotonic() - started
        accepts.append(accepted * 1000)
        others.append(served * 1000)
        print(f"{round} {'ab'[round % 2]} {accepted * 1000:.1f} {served * 1000:.1f}", flush=True)
    print("| from the accept request | median | p99 | max |")
    print("| --- | --- | --- | --- |")
    for name, values in [("accept answered (the node that accepted serves it)", accepts),
                         ("served by the other node", others)]:
        print(f"| {name} | {statistics.median(values):.0f} ms | {percentile(values, 99):.0f} ms "
              f"| {max(values):.0f} ms |")


if __name__ == "__main__":
    main()
