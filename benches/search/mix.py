#!/usr/bin/env python3
"""The search workload that benches/ab.sh and benches/live-bench.sh share: 2,000 request paths,
seeded, cycling through text with a 20 km radius, text over all of France, and nearest, at
positions over mainland France."""
import random

random.seed(3)
words = ["mediation", "numerique", "france%20services", "atelier", "informatique", "emploi",
         "internet", "caf", "mairie", "bibliotheque", "centre%20social", "espace"]
for i in range(2000):
    lat, lon, word = 43 + random.random() * 7, -4 + random.random() * 11, random.choice(words)
    print([f"/search?q={word}&lat={lat:.4f}&lon={lon:.4f}&radius=20000&limit=20",
           f"/search?q={word}&limit=20",
           f"/nearest?lat={lat:.4f}&lon={lon:.4f}&k=10"][i % 3])
