// Reads a PMTiles archive with the npm `pmtiles` package (the reader the page uses, which lieux
// did not write) and prints what it finds as JSON: the header, the metadata, and every tile it
// returns within the header's bounds (one tile of margin around them at each zoom), decompressed
// as the reader decompresses them, in hex. `tests/pmtiles.rs` compares each with the server's
// tile for the same filter and coordinates.
//
//   node e2e/pmtiles-reader.mjs ARCHIVE > tiles.json
//
// The archive is read through a `Source` over the file's bytes, by the ranges the reader asks.

import { readFileSync } from "node:fs";
import { PMTiles, zxyToTileId } from "pmtiles";

const path = process.argv[2];
if (!path) throw new Error("usage: node e2e/pmtiles-reader.mjs ARCHIVE");
const bytes = readFileSync(path);
const ranges = [];
const source = {
  getKey: () => path,
  getBytes: async (offset, length) => {
    ranges.push([offset, length]);
    const slice = bytes.subarray(offset, offset + length);
    return { data: slice.buffer.slice(slice.byteOffset, slice.byteOffset + slice.byteLength) };
  },
};
const archive = new PMTiles(source);
const header = await archive.getHeader();
const metadata = await archive.getMetadata();

const column = (lon, z) => Math.floor(((lon + 180) / 360) * 2 ** z);
const row = (lat, z) => {
  const sin = Math.sin((lat * Math.PI) / 180);
  return Math.floor((0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * 2 ** z);
};
const tiles = [];
let asked = 0;
for (let z = header.minZoom; z <= header.maxZoom; z++) {
  const last = 2 ** z - 1;
  const clamp = (n) => Math.min(Math.max(n, 0), last);
  const [west, east] = [clamp(column(header.minLon, z) - 1), clamp(column(header.maxLon, z) + 1)];
  const [north, south] = [clamp(row(header.maxLat, z) - 1), clamp(row(header.minLat, z) + 1)];
  for (let x = west; x <= east; x++) {
    for (let y = north; y <= south; y++) {
      asked++;
      const tile = await archive.getZxy(z, x, y);
      if (tile) tiles.push([z, x, y, Buffer.from(tile.data).toString("hex")]);
    }
  }
}

process.stdout.write(
  JSON.stringify({
    header,
    metadata,
    asked,
    reads: ranges.length,
    // The reader's own tile ids, for the Rust side's to be checked against.
    tileIds: [
      [0, 0, 0],
      [1, 0, 1],
      [12, 3423, 1763],
      [14, 8100, 5800],
    ].map(([z, x, y]) => [z, x, y, zxyToTileId(z, x, y)]),
    tiles,
  }),
);
