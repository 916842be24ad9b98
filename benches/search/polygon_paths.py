#!/usr/bin/env python3
"""Paths of /search with a département-sized polygon, for the polygon workload.

An irregular polygon of about 7,000 km² (Maine-et-Loire is 7,166 km²): 64 vertices at a radius
of 40 to 55 km, seeded, with a hole of 5 km around its centre (the places of a town left out, as
a social worker drawing a rural area would). Half of the paths add a text query. GeoJSON in the
query string, percent-encoded, with 5 decimals (about a metre). The centres are the 50 most
populated communes (`cities`: the densest polygons, up to 150,000 of a million places inside),
or the population-weighted centre of every département of the mainland (`departements`: what
a département-sized polygon holds, typically).

    benches/search/polygon_paths.py data/communes.csv [COUNT=200] [cities|departements] > polygon.paths
"""
import csv
import json
import math
import random
import sys
import urllib.parse


def ring(lon, lat, radii, rng, vertices):
    """A closed ring around (lon, lat), its radius in km drawn from `radii` at each vertex."""
    points = []
    k = math.cos(math.radians(lat))
    for i in range(vertices):
        angle = 2 * math.pi * i / vertices
        r = rng.uniform(*radii)
        points.append([round(lon + r / (111.32 * k) * math.cos(angle), 5),
                       round(lat + r / 110.57 * math.sin(angle), 5)])
    points.append(points[0])
    return points


def main():
    communes = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rng = random.Random(42)
    with open(communes, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    population = lambda r: float(r.get("population") or 0)
    if (sys.argv[3] if len(sys.argv) > 3 else "cities") == "departements":
        weights = {}
        for r in rows:
            if len(r["departement"]) == 2:  # the mainland and Corsica
                w = weights.setdefault(r["departement"], [0.0, 0.0, 0.0])
                w[0] += population(r)
                w[1] += population(r) * float(r["longitude"])
                w[2] += population(r) * float(r["latitude"])
        centres = [{"longitude": lon / p, "latitude": lat / p}
                   for p, lon, lat in (weights[d] for d in sorted(weights)) if p > 0]
    else:
        rows.sort(key=lambda r: -population(r))
        centres = rows[:50]
    words = ["", "", "numerique", "mediatheque", "france services", "atelier"]
    for i in range(count):
        c = centres[i % len(centres)]
        lon, lat = float(c["longitude"]), float(c["latitude"])
        outer = ring(lon, lat, (40, 55), rng, 64)
        hole = list(reversed(ring(lon, lat, (5, 5), rng, 16)))
        polygon = json.dumps({"type": "Polygon", "coordinates": [outer, hole]}, separators=(",", ":"))
        query = {"polygon": polygon, "limit": "20"}
        word = words[i % len(words)]
        if word:
            query["q"] = word
        print("/search?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote))


if __name__ == "__main__":
    main()
