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
import { Protocol } from "pmtiles";

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

let registered = false;

/** Lets MapLibre read `pmtiles://` URLs (once per page). */
function registerProtocol(): void {
  if (registered) return;
  registered = true;
  maplibregl.addProtocol("pmtiles", new Protocol().tile);
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
