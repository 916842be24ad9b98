#!/usr/bin/env python3
"""Builds data/codes_postaux.csv: the commune (INSEE code) of a postal code and a commune name.

Most sources give a place's postal code and commune name but no INSEE code (527 of the 649
bundled places have none). The territory filters that go by commune (`code_insee`, `epci`)
find such a place's commune here: one row per postal code of each commune, under its name,
and under the former names of the communes déléguées and associées merged into it (with the
postal codes of the commune they belong to now), since addresses still use them. Names are
written as the package spells them; `lieux` folds them (case, accents, hyphens) when it reads
the file.

Input: data/communes.json of the npm package @etalab/decoupage-administratif@6.0.0 (MIT,
Copyright (c) 2018-2019 Etalab), unpacked with `npm pack @etalab/decoupage-administratif@6.0.0`
and `tar xzf`.

Usage: python3 data/build_codes_postaux.py package/data > data/codes_postaux.csv
"""
import csv
import json
import sys
from pathlib import Path

communes = json.loads((Path(sys.argv[1]) / "communes.json").read_text(encoding="utf-8"))
postal = {c["code"]: c.get("codesPostaux", []) for c in communes if c["type"] == "commune-actuelle"}
rows = set()
for c in communes:
    if c["type"] == "commune-actuelle":
        for code in c.get("codesPostaux", []):
            rows.add((code, c["nom"], c["code"]))
    elif c["type"] in ("commune-deleguee", "commune-associee") and c.get("chefLieu") in postal:
        for code in postal[c["chefLieu"]]:
            rows.add((code, c["nom"], c["chefLieu"]))

out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["code_postal", "nom", "code_insee"])
for row in sorted(rows):
    out.writerow(row)
