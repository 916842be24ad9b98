#!/usr/bin/env python3
"""The client side of the soak run (benches/soak.sh): traffic, reloads, memory, the report.

Why: the load benchmarks run each workload for seconds, on one index that never changes. A
server that leaks a little on each reload (an old index kept alive by a cache, a thread, an
Arc cycle), or whose tail latency creeps up as caches churn, passes them all. This runs the
server for many minutes with everything at once and looks at the trend, not the peak.

How: CLIENTS threads, each on one keep-alive connection (http.client), send a seeded mix for
MINUTES: 60% tiles (zooms 5-12 over France, around towns or anywhere, 30% filtered by a
service, 80% gzipped, some revalidated with If-None-Match), 35% searches (text + radius, text
alone, nearest, completion) and 5% CSV and GeoJSON exports read whole. Every minute a thread of
its own sends `POST /admin/reload` (the same index directory again); every 10 s another reads
the server's VmRSS from /proc/PID/status. An answer fails unless it is 200, 204 (an empty tile)
or 304 with a whole, well-formed body: a JSON search that parses, a gzipped tile that
decompresses, an export with as many rows as its X-Total-Count. A reload fails unless it
answers 200. Latency is timed per request from the client (so it includes Python's own time)
and reported per five-minute window and kind as p50 and p99.

    soak.py --port PORT --pid PID --token-file FILE --minutes M --places N \\
            --command CMD --log SERVE_LOG --out DIR > report.md

Prints the Markdown section on stdout and progress on stderr; writes DIR/rss.csv (every
sample). Exits 0 when nothing failed and RSS after the last reload is within 10% of RSS after
the first, 1 otherwise (the report says which), 2 on a usage error, 130 on Ctrl-C.
"""
import argparse
import array
import collections
import csv
import gzip
import http.client
import io
import json
import math
import os
import random
import sys
import threading
import time
from datetime import datetime, timezone
from urllib.parse import quote

CLIENTS = 4
WINDOW_S = 300
SAMPLE_S = 10
RELOAD_S = 60
# Seconds after a reload's answer before its RSS sample: time for the requests in flight on the
# old index to finish and drop it.
AFTER_RELOAD_S = 1.0
RSS_GROWTH_LIMIT = 0.10
TIMEOUT_S = 60
# The server closes a keep-alive connection idle for 5 s (actix's default): one idle for longer
# than this is reopened first, so that a benign close is not counted as a failure.
IDLE_S = 3.0
# Exports streamed at once; below the server's --max-exports (4), so that a permit released just
# after the last byte cannot turn the next export into a 429.
EXPORTS_AT_ONCE = 3
EXAMPLES = 10
OK = (200, 204, 304)
KINDS = ("tiles", "search", "export")

# The centres of the tile benchmark's pan-and-zoom path, shared with it.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiles"))
from tile_list import CENTRES  # noqa: E402
FRANCE = (-4.8, 42.4, 8.2, 51.0)  # west, south, east, north
SERVICE = "Aide%20aux%20d%C3%A9marches%20administratives"
TEXTS = [
    "aide aux démarches administratives", "médiathèque", "mediatheque", "france services",
    "atelier numérique", "accès internet", "ordinateur", "espace public numérique",
    "centre social", "bibliothèque municipale", "mairie", "smartphone", "emploi", "fablab",
    "tiers-lieu", "point numérique", "demarches administratives", "numerique",
]
PREFIXES = ["ang", "med", "fra", "nan", "mai", "ate", "bib", "cen", "num", "esp", "lav", "ord"]
EXPORTS = [
    "/search?q=numerique&lat=47.47&lon=-0.55&radius=30000&format=csv",
    "/search?q=numerique&lat=47.22&lon=-1.55&radius=30000&format=csv",
    "/search?q=numerique&lat=47.47&lon=-0.55&radius=30000&format=geojson",
]


def tile_xy(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    lat_r = math.radians(lat)
    y = int((1 - math.log(math.tan(lat_r) + 1 / math.cos(lat_r)) / math.pi) / 2 * n)
    return x, y


def rss_kib(pid):
    """The resident memory of `pid` in KiB; None once it has exited."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def percentile(ordered, p):
    """Nearest rank."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def ms(value):
    if value is None:
        return "-"
    return f"{value:.0f}" if value >= 100 else f"{value:.2f}"


def mib(kib):
    return f"{kib / 1024:.0f}"


class Run:
    """What the threads share: the clock, the stop flag, the failures."""

    def __init__(self, args):
        self.args = args
        self.duration = args.minutes * 60
        self.windows = max(1, math.ceil(self.duration / WINDOW_S))
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.examples = []  # (t, what, reason)
        self.exports = threading.BoundedSemaphore(EXPORTS_AT_ONCE)
        self.rss = []  # (t, KiB)
        self.reloads = []  # dicts: k, t, status, took_ms, rss_kib, error
        self.died = None
        self.start = time.monotonic()

    def now(self):
        return time.monotonic() - self.start

    def window(self, t):
        return min(int(t // WINDOW_S), self.windows - 1)

    def example(self, t, what, reason):
        with self.lock:
            if len(self.examples) < EXAMPLES:
                self.examples.append((t, what, reason))


class Client(threading.Thread):
    """One keep-alive connection sending the seeded mix until the run stops."""

    def __init__(self, n, run):
        super().__init__(name=f"client-{n}", daemon=True)
        self.run_ = run
        self.rng = random.Random(42 + n)
        self.conn = None
        self.last_used = 0.0
        self.latency = collections.defaultdict(lambda: array.array("d"))  # (window, kind)
        self.requests = collections.Counter()  # (window, kind)
        self.failures = collections.Counter()  # window
        self.statuses = collections.Counter()
        self.etags = {}  # (path, gzip) -> ETag, of tiles seen
        self.total = 0
        self.failed = 0

    # What to ask.

    def near_town(self, spread):
        lon, lat = self.rng.choice(CENTRES)
        return lon + self.rng.uniform(-spread, spread), lat + self.rng.uniform(-spread, spread)

    def tile(self):
        rng = self.rng
        z = rng.randint(5, 12)
        if rng.random() < 0.5:
            lon, lat = self.near_town(0.2)
        else:
            west, south, east, north = FRANCE
            lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        x, y = tile_xy(lon, lat, z)
        path = f"/tiles/{z}/{x}/{y}.mvt"
        if rng.random() < 0.3:
            path += "?services=" + SERVICE
        zipped = rng.random() < 0.8
        headers = {"Accept-Encoding": "gzip"} if zipped else {}
        etag = self.etags.get((path, zipped))
        if etag and rng.random() < 0.3:
            headers["If-None-Match"] = etag
        return path, headers, zipped

    def search(self):
        rng = self.rng
        r = rng.random()
        lon, lat = self.near_town(0.3)
        if r < 0.5:
            text = quote(rng.choice(TEXTS))
            return f"/search?q={text}&lat={lat:.4f}&lon={lon:.4f}&radius=20000"
        if r < 0.65:
            return f"/search?q={quote(rng.choice(TEXTS))}"
        if r < 0.85:
            return f"/nearest?lat={lat:.4f}&lon={lon:.4f}"
        return f"/suggest?q={rng.choice(PREFIXES)}"

    # Asking.

    def fetch(self, path, headers):
        if self.conn is not None and time.monotonic() - self.last_used > IDLE_S:
            self.conn.close()
            self.conn = None
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.run_.args.port, timeout=TIMEOUT_S)
        try:
            self.conn.request("GET", path, headers=headers)
            response = self.conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        finally:
            self.last_used = time.monotonic()
        if response.will_close:
            self.conn.close()
            self.conn = None
        return response, body

    def run(self):
        run = self.run_
        while not run.stop.is_set():
            r = self.rng.random()
            kind = "tiles" if r < 0.60 else "search" if r < 0.95 else "export"
            zipped = False
            headers = {}
            if kind == "tiles":
                path, headers, zipped = self.tile()
            elif kind == "search":
                path = self.search()
            else:
                path = self.rng.choice(EXPORTS)
                run.exports.acquire()
            t = run.now()
            began = time.perf_counter()
            try:
                try:
                    response, body = self.fetch(path, headers)
                    reason = check(kind, response, body, zipped)
                except Exception as error:  # pylint: disable=broad-except
                    # A connection refused, reset or timed out, a truncated body: a failure,
                    # and the next request opens a new connection.
                    if self.conn is not None:
                        self.conn.close()
                        self.conn = None
                    response, reason = None, f"{type(error).__name__}: {error}"
            finally:
                if kind == "export":
                    run.exports.release()
            took = (time.perf_counter() - began) * 1000
            w = run.window(t)
            self.total += 1
            self.requests[w, kind] += 1
            self.latency[w, kind].append(took)
            if response is not None:
                self.statuses[response.status] += 1
                etag = response.getheader("ETag")
                if kind == "tiles" and etag and len(self.etags) < 20000:
                    self.etags[path, zipped] = etag
            if reason:
                self.failed += 1
                self.failures[w] += 1
                run.example(t, f"GET {path}", reason)


def check(kind, response, body, zipped):
    """Why an answer is a failure, or None."""
    status = response.status
    if status not in OK:
        return f"status {status}: {body[:200].decode('utf-8', 'replace')}"
    if status in (204, 304):
        return f"status {status} with a body of {len(body)} bytes" if body else None
    try:
        if kind == "tiles":
            if not body:
                return "an empty 200 tile"
            if response.getheader("Content-Encoding") == "gzip":
                gzip.decompress(body)
            elif zipped:
                return "a tile asked gzipped came uncompressed"
        elif kind == "search":
            json.loads(body)
        else:
            total = int(response.getheader("X-Total-Count", "-1"))
            if response.getheader("Content-Type", "").startswith("text/csv"):
                rows = sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8")))) - 1
            else:
                rows = len(json.loads(body)["features"])
            if rows != total:
                return f"an export of {rows} rows where X-Total-Count is {total} ({len(body)} bytes)"
    except (ValueError, OSError, KeyError, TypeError, EOFError) as error:
        return f"a malformed body ({len(body)} bytes): {type(error).__name__}: {error}"
    return None


def sampler(run):
    """VmRSS every SAMPLE_S seconds; stops the run when the server has exited."""
    k = 0
    while not run.stop.is_set():
        kib = rss_kib(run.args.pid)
        t = run.now()
        if kib is None:
            run.died = t
            run.example(t, "server", "the lieux process exited")
            run.stop.set()
            return
        with run.lock:
            run.rss.append((t, kib))
        k += 1
        run.stop.wait(max(0.0, k * SAMPLE_S - run.now()))


def reloader(run, token, clients):
    """`POST /admin/reload` at every whole minute of the run, one after the other."""
    for k in range(1, int(run.duration // RELOAD_S) + 1):
        if run.stop.wait(max(0.0, k * RELOAD_S - run.now())):
            return
        t = run.now()
        entry = {"k": k, "t": t, "status": None, "took_ms": None, "rss_kib": None, "error": None}
        conn = http.client.HTTPConnection("127.0.0.1", run.args.port, timeout=600)
        try:
            conn.request("POST", "/admin/reload", body=b"",
                         headers={"Authorization": f"Bearer {token}", "Content-Length": "0"})
            response = conn.getresponse()
            body = response.read()
            entry["status"] = response.status
            if response.status == 200:
                entry["took_ms"] = json.loads(body).get("took_ms")
            else:
                entry["error"] = f"status {response.status}: {body[:200].decode('utf-8', 'replace')}"
        except (OSError, http.client.HTTPException, ValueError) as error:
            entry["error"] = f"{type(error).__name__}: {error}"
        finally:
            conn.close()
        if entry["error"]:
            run.example(t, "POST /admin/reload", entry["error"])
        if run.stop.wait(AFTER_RELOAD_S):
            entry["rss_kib"] = rss_kib(run.args.pid)
            run.reloads.append(entry)
            return
        entry["rss_kib"] = rss_kib(run.args.pid)
        run.reloads.append(entry)
        requests = sum(c.total for c in clients)
        failed = sum(c.failed for c in clients) + sum(1 for r in run.reloads if r["error"])
        rss = mib(entry["rss_kib"]) if entry["rss_kib"] else "?"
        print(f"soak: minute {k}/{int(run.duration // RELOAD_S)}: reload {entry['status']}"
              f" ({entry['took_ms']} ms), RSS {rss} MiB, {requests} requests, {failed} failed",
              file=sys.stderr, flush=True)


def get_json(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: status {response.status}")
        return json.loads(body)
    finally:
        conn.close()


def machine():
    model = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo", encoding="ascii") as info:
        for line in info:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    uname = os.uname()
    cores = len(os.sched_getaffinity(0))
    return f"{cores} cores ({model}), {mem_kib / 1048576:.0f} GiB, {uname.sysname} {uname.release}"


def report(run, clients, health, started, traffic_end):
    args = run.args
    latency = collections.defaultdict(lambda: array.array("d"))
    requests = collections.Counter()
    failures = collections.Counter()
    statuses = collections.Counter()
    for c in clients:
        for key, values in c.latency.items():
            latency[key].extend(values)
        requests.update(c.requests)
        failures.update(c.failures)
        statuses.update(c.statuses)
    reload_failures = [r for r in run.reloads if r["error"]]
    for r in reload_failures:
        failures[run.window(r["t"])] += 1
    failed_requests = sum(c.failed for c in clients)
    total = sum(requests.values())
    rss = sorted(run.rss)

    out = []
    say = out.append
    say("## Soak run")
    say("")
    say(f"Command: `{args.command}`, started {started}; {args.version}{args.commit}. "
        f"{args.places} generated places (seed 42), {health.get('places', '?')} indexed. "
        f"{CLIENTS} client threads (Python, keep-alive, on the same cores as the server) for "
        f"{args.minutes:g} min: 60% tiles (zooms 5-12 over France, 30% filtered by a service, "
        f"80% gzipped, some revalidated with If-None-Match), 35% search (text + 20 km radius, "
        f"text, nearest, completion), 5% CSV and GeoJSON exports read whole; "
        f"`POST /admin/reload` of the same index every minute; VmRSS every {SAMPLE_S} s. "
        f"Latency is timed by the client.")
    say("")
    say(f"Machine: {machine()}.")
    say("")
    say("| window | requests | requests/s | failures | tiles p50 / p99 | search p50 / p99 "
        "| exports p50 / p99 | RSS at end |")
    say("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")

    def row(label, seconds, count, failed, by_kind, rss_end):
        cells = []
        for kind in KINDS:
            ordered = sorted(by_kind.get(kind, ()))
            cells.append(f"{ms(percentile(ordered, 0.5))} / {ms(percentile(ordered, 0.99))} ms")
        rate = f"{count / seconds:.0f}" if seconds > 0 else "-"
        rss_cell = f"{mib(rss_end)} MiB" if rss_end else "-"
        say(f"| {label} | {count} | {rate} | {failed} | {' | '.join(cells)} | {rss_cell} |")

    for w in range(run.windows):
        begin = w * WINDOW_S
        end = traffic_end if w == run.windows - 1 else min((w + 1) * WINDOW_S, traffic_end)
        if end <= begin:
            continue
        at_end = [kib for t, kib in rss if t <= end + 0.5]
        row(f"{begin / 60:g}-{end / 60:.3g} min", end - begin,
            sum(requests[w, k] for k in KINDS), failures[w],
            {k: latency[w, k] for k in KINDS}, at_end[-1] if at_end else None)
    if run.windows > 1:
        whole = {k: array.array("d") for k in KINDS}
        for (w, kind), values in latency.items():
            whole[kind].extend(values)
        row("whole run", traffic_end, total, sum(failures.values()), whole,
            rss[-1][1] if rss else None)
    say("")

    after = [r["rss_kib"] for r in run.reloads if r["rss_kib"]]
    growth = None
    if len(after) >= 2:
        growth = after[-1] / after[0] - 1
        say(f"RSS {AFTER_RELOAD_S:g} s after each reload (MiB): {', '.join(mib(k) for k in after)}; "
            f"first to last: {growth * 100:+.1f}% (limit +{RSS_GROWTH_LIMIT * 100:.0f}%).")
    elif after:
        say(f"RSS {AFTER_RELOAD_S:g} s after the only reload: {mib(after[0])} MiB (no growth to measure).")
    if rss:
        say(f"RSS every {SAMPLE_S} s: {mib(min(k for _, k in rss))} to {mib(max(k for _, k in rss))} MiB "
            f"(`bench-data/soak/rss.csv`).")
    took = sorted(r["took_ms"] for r in run.reloads if r["took_ms"] is not None)
    took_text = (f"; each took {took[0]}-{took[-1]} ms (median {percentile(took, 0.5)} ms)"
                 if took else "")
    say(f"Reloads: {len(run.reloads)} done, {len(reload_failures)} failed{took_text}.")
    answers = ", ".join(f"{s} ×{n}" for s, n in sorted(statuses.items()))
    say(f"Answers: {answers}. Failed: {failed_requests} of {total} requests"
        f"{' (the server exited)' if run.died is not None else ''}.")
    warnings = server_warnings(args.log)
    if warnings:
        say(f"Server log (RUST_LOG=warn): {warnings} lines (`bench-data/soak/serve.log`).")

    reasons = []
    if failed_requests:
        reasons.append(f"{failed_requests} requests failed")
    if reload_failures:
        reasons.append(f"{len(reload_failures)} reloads failed")
    if run.died is not None:
        reasons.append(f"the server exited at {run.died:.0f} s")
    if growth is not None and growth > RSS_GROWTH_LIMIT:
        reasons.append(f"RSS grew {growth * 100:.1f}% from the first reload to the last")
    if run.examples:
        say("")
        say("First failures:")
        say("")
        for t, what, reason in run.examples:
            say(f"- {t:.1f} s, {what}: {reason.replace('|', '/')}")
    say("")
    say(f"Result: **fail** ({'; '.join(reasons)})." if reasons else "Result: pass.")
    return "\n".join(out) + "\n", reasons


def server_warnings(log):
    try:
        with open(log, encoding="utf-8", errors="replace") as lines:
            return sum(1 for line in lines if line.strip() and not line.startswith("listening on"))
    except OSError:
        return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True, help="the lieux process")
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--places", type=int, default=100000)
    parser.add_argument("--command", default="benches/soak.sh")
    parser.add_argument("--version", default="lieux")
    parser.add_argument("--commit", default="")
    parser.add_argument("--log", default="bench-data/soak/serve.log")
    parser.add_argument("--out", default="bench-data/soak")
    args = parser.parse_args()
    if args.minutes <= 0:
        parser.error("--minutes must be positive")
    try:
        with open(f"/proc/{args.pid}/status", encoding="ascii") as status:
            name = status.readline().split()[-1]
    except OSError:
        parser.error(f"no process {args.pid}")
    if name != "lieux":
        parser.error(f"process {args.pid} is {name}, not lieux")
    with open(args.token_file, encoding="utf-8") as token_file:
        token = token_file.read().strip()

    started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    health = get_json(args.port, "/health")
    run = Run(args)
    clients = [Client(n, run) for n in range(CLIENTS)]
    threads = [threading.Thread(target=sampler, args=(run,), daemon=True),
               threading.Thread(target=reloader, args=(run, token, clients), daemon=True)]
    for thread in threads + clients:
        thread.start()
    # Traffic runs until the planned end and the last reload's sample, whichever comes later.
    while not run.stop.is_set():
        if not threads[1].is_alive() and run.now() >= run.duration:
            break
        run.stop.wait(0.2)
    run.stop.set()
    traffic_end = run.now()
    for client in clients:
        client.join(TIMEOUT_S + 5)
    kib = rss_kib(args.pid)
    if kib is not None:
        run.rss.append((run.now(), kib))
    with open(os.path.join(args.out, "rss.csv"), "w", encoding="utf-8") as samples:
        samples.write("seconds,rss_kib\n")
        for t, k in sorted(run.rss):
            samples.write(f"{t:.1f},{k}\n")
    text, reasons = report(run, clients, health, started, traffic_end)
    sys.stdout.write(text)
    for reason in reasons:
        print(f"soak: {reason}", file=sys.stderr)
    return 1 if reasons else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
