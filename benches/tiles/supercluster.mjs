// supercluster 9 on the same points and tiles: load time, getTile per tile (mean, p50, p99),
// and getClusters on each tile's bbox (mean).
// Usage: NODE_PATH=.../node_modules node supercluster.mjs INDEX/points.bin TILES.txt
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
const loaded = require('supercluster');
const Supercluster = loaded.default ?? loaded;

const [pointsPath, tilesPath] = process.argv.slice(2);
// points.bin of a lieux index: the indexed places' longitude and latitude, little-endian f64
// pairs, so that both sides cluster exactly the same points.
const bytes = readFileSync(pointsPath);
const coords = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
const points = [];
for (let i = 0; i + 1 < coords.length; i += 2) {
  points.push({ type: 'Feature', properties: { i: i / 2 }, geometry: { type: 'Point', coordinates: [coords[i], coords[i + 1]] } });
}
// The best of two loads, as lieux's figure is the best of its two server starts.
let index;
let loadMs = Infinity;
for (let round = 0; round < 2; round++) {
  const t0 = process.hrtime.bigint();
  index = new Supercluster({ radius: 40, extent: 512, maxZoom: 16, minPoints: 2 }).load(points);
  loadMs = Math.min(loadMs, Number(process.hrtime.bigint() - t0) / 1e6);
}
const tiles = readFileSync(tilesPath, 'utf8').trim().split('\n').map((l) => l.split('/').map(Number));
const times = [];
for (let round = 0; round < 5; round++) {
  for (const [z, x, y] of tiles) {
    const s = process.hrtime.bigint();
    index.getTile(z, x, y);
    times.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
}
// getClusters on the bbox of each tile, at its zoom: what a client-side map asks.
const tileBbox = (z, x, y) => {
  const lon = (x) => (x / 2 ** z) * 360 - 180;
  const lat = (y) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / 2 ** z))) * 180) / Math.PI;
  return [lon(x), lat(y + 1), lon(x + 1), lat(y)];
};
let clustersMs = 0;
for (const [z, x, y] of tiles) {
  const s = process.hrtime.bigint();
  index.getClusters(tileBbox(z, x, y), z);
  clustersMs += Number(process.hrtime.bigint() - s) / 1e6;
}
times.sort((a, b) => a - b);
const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
const mean = times.reduce((a, b) => a + b, 0) / times.length;
console.log(JSON.stringify({ points: points.length, load_ms: loadMs, get_tile_mean_ms: mean, get_tile_p50_ms: q(0.5), get_tile_p99_ms: q(0.99), get_clusters_mean_ms: clustersMs / tiles.length, calls: times.length }));
