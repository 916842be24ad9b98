#!/usr/bin/env python3
"""Seeded search workloads over the communes of data/communes.csv, for lieux and PostgreSQL.

Writes into OUT_DIR:
  {text,text-radius,radius,nearest,suggest}.paths   one lieux request a line (wrk)
  {text,text-radius,radius,nearest,suggest}.csv     the same queries as table rows for
                                                    PostgreSQL (pgbench)
Positions are communes drawn by population (as `lieux generate` spreads places), radii are the
map page's choices (2, 5, 10, 20 km), texts are what a social worker types, and completions
are the first letters of texts and commune names.

    benches/search/queries.py data/communes.csv OUT_DIR [COUNT] [SEED]
"""
import bisect
import csv
import random
import re
import sys
import unicodedata
from pathlib import Path
from urllib.parse import quote

TEXTS = [
    "aide aux démarches administratives", "démarches en ligne", "médiathèque",
    "france services", "atelier numérique", "accès internet", "ordinateur",
    "espace public numérique", "ateliers informatique", "caf impôts retraite",
    "centre social", "bibliothèque municipale", "mairie", "impression 3D", "smartphone",
    "tablette", "ordinateurs reconditionnés", "emploi", "maison de quartier", "fablab",
    "tiers-lieu", "emmaüs connect", "cyber-espace", "point numérique", "accompagnement familles",
    "école en ligne", "mediatheque", "demarches administratives", "france service",
    "espace numerique",
]
RADII = [2000, 5000, 10000, 20000]


def fold(text):
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def tsquery(text, prefix):
    """A PostgreSQL to_tsquery text: every word, the last one as a prefix when typing."""
    words = re.findall(r"\w+", fold(text))
    if prefix:
        words[-1] += ":*"
    return " & ".join(words)


def main():
    communes_csv, out = sys.argv[1], Path(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 400
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 7)
    out.mkdir(parents=True, exist_ok=True)
    communes = list(csv.DictReader(open(communes_csv, encoding="utf-8")))
    weights, total = [], 0
    for c in communes:
        total += max(int(c["population"] or 0), 1)
        weights.append(total)

    def place():
        c = communes[bisect.bisect_left(weights, rng.randrange(total))]
        return float(c["longitude"]), float(c["latitude"]), c["nom"]

    workloads = {
        name: ([], []) for name in ("text", "text-radius", "radius", "nearest", "suggest")
    }
    for i in range(1, count + 1):
        text = rng.choice(TEXTS)
        lon, lat, commune = place()
        radius = rng.choice(RADII)
        paths, rows = workloads["text"]
        paths.append(f"/search?q={quote(text)}")
        rows.append([i, tsquery(text, False)])
        paths, rows = workloads["text-radius"]
        paths.append(f"/search?q={quote(text)}&lat={lat}&lon={lon}&radius={radius}")
        rows.append([i, tsquery(text, False), lon, lat, radius])
        paths, rows = workloads["radius"]
        paths.append(f"/search?lat={lat}&lon={lon}&radius={radius}")
        rows.append([i, lon, lat, radius])
        paths, rows = workloads["nearest"]
        paths.append(f"/nearest?lat={lat}&lon={lon}&k=10")
        rows.append([i, lon, lat])
        typed = rng.choice([text, commune])
        typed = typed[: rng.randint(3, min(8, max(3, len(typed))))]
        paths, rows = workloads["suggest"]
        paths.append(f"/suggest?q={quote(typed)}")
        rows.append([i, tsquery(typed, True) or "a"])
    for name, (paths, rows) in workloads.items():
        (out / f"{name}.paths").write_text("\n".join(paths) + "\n", encoding="utf-8")
        with open(out / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)


if __name__ == "__main__":
    main()
