// The basemap, made from our own gazetteer `data/communes.csv` (name, département, postal code,
// position and population of every commune), which Vite copies into the build as a hashed
// asset. An operator may choose another basemap instead (`operatorBasemap`).
//
// - Commune names, shown by population as one zooms in (the layers are in map.ts).
// - Département names, at the population-weighted centre of their communes.
// - Département borders, without any boundary data: the Voronoi cells of the communes' centres
//   tile the land, and the edges between two cells of different départements trace the border
//   to within a commune's width. Edges between far-apart centres (across the sea, or beyond
//   the data) are left out, so the coast is not drawn.

import { Delaunay } from "d3-delaunay";
import communesUrl from "../../data/communes.csv?url";
import { DEPARTEMENTS } from "./departements";

export interface Commune {
  nom: string;
  departement: string;
  codePostal: string;
  lat: number;
  lon: number;
  population: number;
}

/** Reads `communes.csv` (no quoted fields: the gazetteer is written that way). */
export function parseCommunes(text: string): Commune[] {
  const lines = text.split("\n");
  const header = lines[0].split(",");
  const [nom, dep, cp, lat, lon, pop] = ["nom", "departement", "code_postal", "latitude", "longitude", "population"].map(
    (name) => header.indexOf(name),
  );
  const communes: Commune[] = [];
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const cells = line.split(",");
    const commune = {
      nom: cells[nom],
      departement: cells[dep],
      codePostal: cells[cp],
      lat: Number(cells[lat]),
      lon: Number(cells[lon]),
      population: Number(cells[pop]) || 0,
    };
    if (Number.isFinite(commune.lat) && Number.isFinite(commune.lon)) communes.push(commune);
  }
  return communes;
}

/**
 * The operator's basemap, `lieux serve --basemap-style URL`: the server writes it into the page
 * as `<meta name="lieux-basemap-style">`. `null` without one: the basemap is our gazetteer's.
 */
export function operatorBasemap(): string | null {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="lieux-basemap-style"]');
  return meta?.content || null;
}

let communesPromise: Promise<Commune[]> | null = null;

/** The gazetteer, fetched once. */
export function communes(): Promise<Commune[]> {
  communesPromise ??= fetch(communesUrl)
    .then((r) => r.text())
    .then(parseCommunes);
  return communesPromise;
}

export function point(lon: number, lat: number, properties: Record<string, unknown>): GeoJSON.Feature<GeoJSON.Point> {
  return { type: "Feature", geometry: { type: "Point", coordinates: [lon, lat] }, properties };
}

/** Each département's label at the population-weighted centre of its communes. */
export function departementLabels(communes: Commune[]): GeoJSON.FeatureCollection {
  const sums = new Map<string, { lat: number; lon: number; weight: number }>();
  for (const c of communes) {
    const weight = Math.max(c.population, 1);
    const sum = sums.get(c.departement) ?? { lat: 0, lon: 0, weight: 0 };
    sum.lat += c.lat * weight;
    sum.lon += c.lon * weight;
    sum.weight += weight;
    sums.set(c.departement, sum);
  }
  return {
    type: "FeatureCollection",
    features: [...sums].map(([code, s]) =>
      point(s.lon / s.weight, s.lat / s.weight, { label: `${DEPARTEMENTS[code] ?? "Département"} (${code})` }),
    ),
  };
}

/** Centres further apart than this (in degrees of latitude) are not neighbours on land. */
const MAX_NEIGHBOUR_DEGREES = 0.12;

/** The borders between départements, as the Voronoi edges between their communes. */
export function departementBorders(communes: Commune[]): GeoJSON.FeatureCollection {
  // Work in a plane where a degree of longitude is as long as one of latitude around France.
  const k = Math.cos((46.5 * Math.PI) / 180);
  const coords = new Float64Array(communes.length * 2);
  communes.forEach((c, i) => {
    coords[2 * i] = c.lon * k;
    coords[2 * i + 1] = c.lat;
  });
  const delaunay = new Delaunay(coords);
  const { triangles, halfedges } = delaunay;
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i < coords.length; i += 2) {
    minX = Math.min(minX, coords[i]);
    maxX = Math.max(maxX, coords[i]);
    minY = Math.min(minY, coords[i + 1]);
    maxY = Math.max(maxY, coords[i + 1]);
  }
  const centres = delaunay.voronoi([minX - 1, minY - 1, maxX + 1, maxY + 1]).circumcenters;
  const lines: [number, number][][] = [];
  const far = MAX_NEIGHBOUR_DEGREES * MAX_NEIGHBOUR_DEGREES;
  for (let e = 0; e < halfedges.length; e++) {
    const opposite = halfedges[e];
    if (opposite < e) continue; // the hull (-1), or an edge already seen from its other side
    const p = triangles[e];
    const q = triangles[e % 3 === 2 ? e - 2 : e + 1];
    if (communes[p].departement === communes[q].departement) continue;
    const dx = coords[2 * p] - coords[2 * q];
    const dy = coords[2 * p + 1] - coords[2 * q + 1];
    if (dx * dx + dy * dy > far) continue;
    const a = Math.floor(e / 3);
    const b = Math.floor(opposite / 3);
    const [ax, ay, bx, by] = [centres[2 * a], centres[2 * a + 1], centres[2 * b], centres[2 * b + 1]];
    const mx = (coords[2 * p] + coords[2 * q]) / 2;
    const my = (coords[2 * p + 1] + coords[2 * q + 1]) / 2;
    if ((ax - mx) ** 2 + (ay - my) ** 2 > far || (bx - mx) ** 2 + (by - my) ** 2 > far) continue;
    lines.push([
      [ax / k, ay],
      [bx / k, by],
    ]);
  }
  return {
    type: "FeatureCollection",
    features: [{ type: "Feature", geometry: { type: "MultiLineString", coordinates: lines }, properties: {} }],
  };
}
