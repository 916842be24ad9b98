#!/usr/bin/env python3
"""Builds data/territoires.csv: the names of territories a search may name besides communes.

The search box reads a place named in the query ("aide caf à Segré", "wifi maine et loire").
Communes come from data/communes.csv; this file adds
  - the départements (code and name), which a query may name or number;
  - the former communes merged into a commune nouvelle (communes déléguées and associées),
    whose names people still use ("Segré" for Segré-en-Anjou Bleu), with the INSEE code of
    the commune they belong to now. A former name that is also the name of the commune it
    belongs to is left out.

Input: data/departements.json and data/communes.json of the npm package
@etalab/decoupage-administratif@6.0.0 (MIT, Copyright (c) 2018-2019 Etalab), unpacked with
`npm pack @etalab/decoupage-administratif@6.0.0` and `tar xzf`.

Usage: python3 data/build_territoires.py package/data > data/territoires.csv
"""
import csv
import json
import sys
from pathlib import Path

data = Path(sys.argv[1])
departements = json.loads((data / "departements.json").read_text(encoding="utf-8"))
communes = json.loads((data / "communes.json").read_text(encoding="utf-8"))
current = {c["code"]: c["nom"] for c in communes if c["type"] == "commune-actuelle"}

out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["kind", "code", "nom"])
for d in sorted(departements, key=lambda d: d["code"]):
    if d["zone"] in ("metro", "drom"):
        out.writerow(["departement", d["code"], d["nom"]])
former = set()
for c in communes:
    if c["type"] in ("commune-deleguee", "commune-associee"):
        now = c.get("chefLieu")
        if now in current and current[now] != c["nom"]:
            former.add((now, c["nom"]))
for code, name in sorted(former):
    out.writerow(["ancienne", code, name])
