#!/usr/bin/env python3
"""The OGC API – Features workload: a page of 100 places of one département, for wrk.

For each département of data/communes.csv, the first page of its places
(`/ogc/collections/lieux/items?limit=100&departement=XX`) and the page its `next` link names
(asked of the running server, so that half the requests carry a cursor, as a GIS client's do).
Prints one path a line.

    benches/search/ogc_paths.py data/communes.csv PORT
"""
import csv
import json
import sys
import urllib.request

communes, port = sys.argv[1], sys.argv[2]
base = f"http://127.0.0.1:{port}"
departements = sorted({row["departement"] for row in csv.DictReader(open(communes, encoding="utf-8"))})
for departement in departements:
    first = f"/ogc/collections/lieux/items?limit=100&departement={departement}"
    print(first)
    with urllib.request.urlopen(base + first) as answer:
        page = json.load(answer)
    for link in page["links"]:
        if link["rel"] == "next":
            print(link["href"][len(base):])
