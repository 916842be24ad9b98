// The basemap of `lieux serve --basemap-pmtiles FILE`: an OpenStreetMap extract in one PMTiles
// archive that lieux serves itself (`/basemap.pmtiles`, read by byte ranges: see the server's
// `src/basemap.rs` for why), drawn with the Protomaps basemap style (`@protomaps/basemaps`).
//
// The page asks no other host for it. The `pmtiles` reader is registered with MapLibre as the
// `pmtiles://` protocol and reads the archive's header, directories and tiles by ranges. The
// style has no `glyphs` URL, like the gazetteer's: MapLibre draws the labels' glyphs itself
// in the browser, so no font server is needed. Nor has it a `sprite`: the Protomaps icons
// (points of interest, road shields, one-way arrows) are published apart from the npm
// package, so the layers keep their text and lose their icons, and layers that are only
// icons are left out.

import * as maplibregl from "maplibre-gl";
import type { LayerSpecification, StyleSpecification } from "maplibre-gl";
import { layers, namedFlavor } from "@protomaps/basemaps";
import { PMTiles, Protocol } from "pmtiles";

/** Where the basemap comes from, under the map (OpenStreetMap's licence asks for it). */
export const PROTOMAPS_ATTRIBUTION =
  '© <a href="https://www.openstreetmap.org/copyright">les contributeurs d’OpenStreetMap</a> (ODbL), style <a href="https://protomaps.com">Protomaps</a>';

/** The id of the archive's source in the style. */
export const ARCHIVE_SOURCE = "protomaps";

/**
 * The operator's archive, `lieux serve --basemap-pmtiles`: the server writes its path into the
 * page as `<meta name="lieux-basemap-pmtiles">`. `null` without one.
 */
export function operatorArchive(): string | null {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="lieux-basemap-pmtiles"]');
  return meta?.content || null;
}

let protocol: Protocol | null = null;

/** Lets MapLibre read `pmtiles://` URLs (once per page). A source's TileJSON comes from the
 * archive's header and metadata (`vector_layers`, `attribution`). */
function registerProtocol(): Protocol {
  if (!protocol) {
    protocol = new Protocol({ metadata: true });
    maplibregl.addProtocol("pmtiles", protocol.tile);
  }
  return protocol;
}

/**
 * The archive of the places' tiles the page draws instead of the server's, as an absolute URL:
 * `?tiles=URL` (relative to the page, `http` or `https`), else `<meta name="lieux-tiles">`
 * (a copy of the page written by `lieux export --site`); `null` without either. Such an
 * archive is written by `lieux export --pmtiles`, and read by byte ranges from any static host.
 */
export function placesArchive(): string | null {
  const asked =
    new URLSearchParams(location.search).get("tiles") ??
    document.querySelector<HTMLMetaElement>('meta[name="lieux-tiles"]')?.content;
  if (!asked) return null;
  try {
    const url = new URL(asked, location.href);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/** The URL a MapLibre vector source reads the archive at `url` through (`pmtiles://…`). */
export function archiveSourceUrl(url: string): string {
  registerProtocol();
  return `pmtiles://${url}`;
}

/** `[west, south, east, north]` of the archive at `url`, from its header (read once, shared with
 * the map's source). */
export async function archiveBounds(url: string): Promise<[number, number, number, number]> {
  const shared = registerProtocol();
  let archive = shared.get(url);
  if (!archive) {
    archive = new PMTiles(url);
    shared.add(archive);
  }
  const header = await archive.getHeader();
  return [header.minLon, header.minLat, header.maxLon, header.maxLat];
}

/** `layer` without its icon (there is no sprite), or `null` when the icon was all it drew. */
function withoutIcon(layer: LayerSpecification): LayerSpecification | null {
  if (layer.type !== "symbol" || !layer.layout || !("icon-image" in layer.layout)) return layer;
  const layout = Object.fromEntries(Object.entries(layer.layout).filter(([name]) => !name.startsWith("icon-")));
  if (!("text-field" in layout)) return null;
  const paint = layer.paint
    ? Object.fromEntries(Object.entries(layer.paint).filter(([name]) => !name.startsWith("icon-")))
    : undefined;
  return { ...layer, layout, paint } as LayerSpecification;
}

/** The Protomaps light style over the archive at `path` (on this page's origin), in French. */
export function archiveBasemap(path: string): StyleSpecification {
  registerProtocol();
  const url = new URL(path, location.origin).href;
  return {
    version: 8,
    sources: {
      [ARCHIVE_SOURCE]: { type: "vector", url: `pmtiles://${url}`, attribution: PROTOMAPS_ATTRIBUTION },
    },
    layers: layers(ARCHIVE_SOURCE, namedFlavor("light"), { lang: "fr" })
      .map(withoutIcon)
      .filter((layer): layer is LayerSpecification => layer !== null),
  };
}
