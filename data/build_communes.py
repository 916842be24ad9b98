#!/usr/bin/env python3
"""Builds data/communes.csv, the compact gazetteer used by `lieux generate`.

Inputs (see data/README.md for their sources and licences):
  1. ../shared/data/raw/gazetteer/communes_geo-api-gouv_centre_population.json
     (INSEE code, name, département, centre lat/lon, population)
  2. data/communes.json of the npm package @etalab/decoupage-administratif@6.0.0
     (postal codes per INSEE code), unpacked with `npm pack` + `tar xzf`

Usage: python3 data/build_communes.py GAZETTEER.json DECOUPAGE_COMMUNES.json > data/communes.csv
"""
import csv
import json
import sys

gazetteer = json.load(open(sys.argv[1], encoding="utf-8"))
postal = {}
for c in json.load(open(sys.argv[2], encoding="utf-8")):
    if c.get("type") == "commune-actuelle" and c.get("codesPostaux"):
        postal[c["code"]] = c["codesPostaux"][0]

out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["code_insee", "nom", "departement", "code_postal", "latitude", "longitude", "population"])
for c in sorted(gazetteer, key=lambda c: c["code"]):
    if c.get("lat") is None or c.get("lon") is None:
        continue
    out.writerow([c["code"], c["nom"], c["dept"], postal.get(c["code"], ""),
                  c["lat"], c["lon"], c.get("population") or 0])
