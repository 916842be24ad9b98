#!/usr/bin/env python3
"""Summarises the batches a lieux server applied, from its log (stderr).

    benches/live/stages.py SERVE_LOG

Reads the `reloaded: the new index serves` lines (each batch's size and wall time) and the
`reload stage` lines before them (its stages), and prints a Markdown table: per stage, how
many batches had it, the median and the worst of its time; then the batches' sizes. Only the
standard library.
"""
import re
import statistics
import sys
from collections import defaultdict

FIELD = re.compile(r'(\w+)=("[^"]*"|\S+)')


def fields(line):
    return {key: value.strip('"') for key, value in FIELD.findall(line)}


def main():
    stages = defaultdict(list)
    order = []
    batches, totals = [], []
    with open(sys.argv[1], encoding="utf-8", errors="replace") as log:
        for line in log:
            if "reload stage" in line:
                found = fields(line)
                stage = found["stage"]
                if stage not in stages:
                    order.append(stage)
                stages[stage].append(int(found["took_ms"]))
            elif "reloaded: the new index serves" in line:
                found = fields(line)
                batches.append(int(found.get("batch", 0)))
                totals.append(int(found["took_ms"]))
    if not totals:
        print("No batch in the log.")
        return
    print("| stage of a batch | batches | median ms | worst ms |")
    print("| --- | ---: | ---: | ---: |")
    for stage in order + ["whole (the decision to the swap)"]:
        values = stages.get(stage, totals)
        print(f"| {stage} | {len(values)} | {statistics.median(values):.0f} | {max(values)} |")
    print()
    print(
        f"{len(batches)} batches of {statistics.median(batches):.0f} changes at the median "
        f"(largest {max(batches)})."
    )


if __name__ == "__main__":
    sys.exit(main())
