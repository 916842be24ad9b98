#!/usr/bin/env python3
"""Writes the tiles of a pan-and-zoom path over Pays de la Loire and France, one z/x/y a line.

For each centre and zoom from 5 to 14, the 3x3 block of tiles around the centre: what a map
client asks while a person zooms in on a town. Usage: tile_list.py > tiles.txt
"""
import math

CENTRES = [  # lon, lat
    (-0.5536, 47.4712),  # Angers
    (-1.5534, 47.2184),  # Nantes
    (0.1996, 48.0061),   # Le Mans
    (-0.7734, 48.0707),  # Laval
    (-1.4265, 46.6705),  # La Roche-sur-Yon
    (2.3522, 48.8566),   # Paris
    (4.8357, 45.7640),   # Lyon
    (5.3698, 43.2965),   # Marseille
    (1.4442, 43.6047),   # Toulouse
    (3.0573, 50.6292),   # Lille
]

def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    lat_r = math.radians(lat)
    y = int((1 - math.log(math.tan(lat_r) + 1 / math.cos(lat_r)) / math.pi) / 2 * n)
    return x, y

if __name__ == "__main__":
    for z in range(5, 15):
        for lon, lat in CENTRES:
            cx, cy = tile(lon, lat, z)
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    print(f"{z}/{cx + dx}/{cy + dy}")
