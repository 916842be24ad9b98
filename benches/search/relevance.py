#!/usr/bin/env python3
"""Scores a running lieux server on the relevance test set (tests/relevance.toml).

    python3 benches/search/relevance.py http://127.0.0.1:8080 [--show]

Each query is sent as the search box sends it (`/search?q=…&limit=10`, no location). Per query:
  - zero: the answer holds no place at all (also counted: places the answer labels as a
    fallback are results, since the page shows them as such);
  - top 3 good: each of the first three results (or all of them when fewer) offers a service
    the query means;
  - reciprocal rank: 1/rank of the first result offering such a service (0 when none does in
    the first ten).
Prints the zero-result rate, the share of queries whose top 3 are all good, and the mean
reciprocal rank, overall and per family (the "# family:" lines of the file). --show prints
each query with its first results. The integration test (tests/relevance.rs) computes the same
figures on the bundled data and holds them to the issue's targets; this script is for
comparing builds, and for the figures in BENCHMARKS.md.
"""
import json
import sys
import tomllib
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def families(text):
    """The family of each [[query]], in order, from the '# family:' lines."""
    family, out = "?", []
    for line in text.splitlines():
        if line.startswith("# family:"):
            family = line.split(":", 1)[1].strip(" =")
        elif line.strip() == "[[query]]":
            out.append(family)
    return out


def main():
    base = sys.argv[1].rstrip("/")
    show = "--show" in sys.argv
    text = (ROOT / "tests/relevance.toml").read_text()
    queries = tomllib.loads(text)["query"]
    per_family = {}
    for query, family in zip(queries, families(text)):
        url = f"{base}/search?" + urllib.parse.urlencode({"q": query["q"], "limit": 10})
        with urllib.request.urlopen(url) as answer:
            body = json.load(answer)
        meant = set(query["services"])
        offers = [bool(meant & set(f["properties"].get("services") or [])) for f in body["features"]]
        top = offers[:3]
        first = next((rank for rank, good in enumerate(offers, 1) if good), None)
        figures = per_family.setdefault(family, [])
        figures.append((not offers, bool(top) and all(top), 1 / first if first else 0.0))
        if show:
            names = [f["properties"]["nom"][:40] for f in body["features"][:3]]
            print(f"{'ZERO ' if not offers else ''}{query['q']!r}: total {body.get('total')}, "
                  f"top3 {top}, {names}")
    everything = [f for figures in per_family.values() for f in figures]

    def line(name, figures):
        n = len(figures)
        zero = sum(f[0] for f in figures)
        good = sum(f[1] for f in figures)
        mrr = sum(f[2] for f in figures) / n
        return (f"| {name} | {n} | {zero} ({100 * zero / n:.0f}%) | {good} ({100 * good / n:.0f}%) "
                f"| {mrr:.2f} |")

    print("| family | queries | found nothing | top 3 all good | mean reciprocal rank |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, figures in per_family.items():
        print(line(name, figures))
    print(line("**all**", everything))


if __name__ == "__main__":
    main()
