#!/usr/bin/env python3
"""Builds data/epci.csv: every EPCI (intercommunalité) and the communes it is made of.

A partner of the hub is often an intercommunalité ("Angers Loire Métropole"), which shows the
places of its communes: the `epci` filter keeps the places whose INSEE code is one of its
communes, and the suggestions offer the EPCIs by name. One row per EPCI:
  code      its SIREN (nine digits), as `epci=` takes it;
  nom       its name;
  communes  the INSEE codes of its communes, joined by `|`, followed by those of their
            arrondissements municipaux (Paris, Lyon, Marseille), which some sources give
            as a place's code_insee.

Input: data/epci.json and data/communes.json of the npm package
@etalab/decoupage-administratif@6.0.0 (MIT, Copyright (c) 2018-2019 Etalab), unpacked with
`npm pack @etalab/decoupage-administratif@6.0.0` and `tar xzf`.

Usage: python3 data/build_epci.py package/data > data/epci.csv
"""
import csv
import json
import sys
from pathlib import Path

data = Path(sys.argv[1])
epcis = json.loads((data / "epci.json").read_text(encoding="utf-8"))
communes = json.loads((data / "communes.json").read_text(encoding="utf-8"))
arrondissements = {}
for c in communes:
    if c["type"] == "arrondissement-municipal":
        arrondissements.setdefault(c["commune"], []).append(c["code"])

out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["code", "nom", "communes"])
for epci in sorted(epcis, key=lambda e: e["code"]):
    members = sorted(m["code"] for m in epci["membres"])
    members += sorted(a for m in members for a in arrondissements.get(m, []))
    out.writerow([epci["code"], epci["nom"], "|".join(members)])
