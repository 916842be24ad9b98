// The map: our own vector tiles over a basemap made of our own data (basemap.ts), over the
// MapLibre style the operator chose (`lieux serve --basemap-style`), or over the OpenStreetMap
// extract the server serves itself (`lieux serve --basemap-pmtiles`, protomaps.ts).
//
// With our basemap, nothing here asks another host for anything. The style has no `glyphs`
// URL: MapLibre then draws every label's glyphs itself in the browser (TinySDF, from the
// system's sans-serif font), so no glyph server is needed. The worker script is a hashed asset
// of ours too. With the operator's style, MapLibre fetches it and what it names (tiles,
// glyphs, sprites), shows its sources' attribution, and our places are drawn over it.

import * as maplibregl from "maplibre-gl";
import type { GeoJSONSource, Map as MapLibreMap, MapGeoJSONFeature, StyleSpecification } from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import { communes, departementBorders, departementLabels, point, type Commune } from "./basemap";
import { archiveBasemap, archiveSourceUrl } from "./protomaps";
import { countedServices, donut, donutSize, sharesOf, SharesControl } from "./donuts";

maplibregl.setWorkerUrl(workerUrl);

export const PLACE_LAYERS = { clusters: "clusters", places: "places" } as const;

const FONT_REGULAR = ["Noto Sans Regular"];
const FONT_BOLD = ["Noto Sans Bold"];

/** Colours: every text colour reaches WCAG AA (4.5:1) on what it is drawn on. */
const COLOURS = {
  background: "#f3f1ec",
  communeText: "#3b3833",
  departementText: "#5a4f8a",
  halo: "#ffffff",
  selected: "#c2410c",
  border: "#b3abcf",
};

/** The colours of the places, clusters and radius: the page's, or an embed's own (`couleur=`). */
export interface PlaceColours {
  place: string;
  cluster: string;
  /** The count on a cluster: AA on `cluster`. */
  clusterText: string;
  radius: string;
}

export const PAGE_COLOURS: PlaceColours = {
  place: "#1d4ed8",
  cluster: "#0b5d56",
  clusterText: "#ffffff",
  radius: "#1d4ed8",
};

/** Where the basemap's data comes from, shown in the map's attribution. */
export const GAZETTEER_ATTRIBUTION = "Fond de carte : communes et départements de geo.api.gouv.fr (Licence Ouverte 2.0)";

/** The basemap made from our gazetteer: background, département borders and names, communes. */
function gazetteerBasemap(): StyleSpecification {
  const communeLabel = (minzoom: number, minPopulation: number, maxPopulation: number, size: number) => ({
    id: `communes-${minPopulation}`,
    type: "symbol" as const,
    source: "communes",
    minzoom,
    filter: [
      "all",
      [">=", ["get", "population"], minPopulation],
      ["<", ["get", "population"], maxPopulation],
    ] as maplibregl.FilterSpecification,
    layout: {
      "text-field": ["get", "nom"] as maplibregl.ExpressionSpecification,
      "text-font": minPopulation >= 50000 ? FONT_BOLD : FONT_REGULAR,
      "text-size": size,
      "symbol-sort-key": ["-", ["get", "population"]] as maplibregl.ExpressionSpecification,
      "text-variable-anchor": ["top", "bottom", "left", "right"] as ("top" | "bottom" | "left" | "right")[],
      "text-radial-offset": 0.5,
      "text-max-width": 8,
    },
    paint: { "text-color": COLOURS.communeText, "text-halo-color": COLOURS.halo, "text-halo-width": 1.5 },
  });
  const empty = { type: "FeatureCollection" as const, features: [] };
  return {
    version: 8,
    sources: {
      communes: { type: "geojson", data: empty, attribution: GAZETTEER_ATTRIBUTION },
      departements: { type: "geojson", data: empty },
      borders: { type: "geojson", data: empty },
    },
    layers: [
      { id: "background", type: "background", paint: { "background-color": COLOURS.background } },
      {
        id: "departement-borders",
        type: "line",
        source: "borders",
        layout: { "line-join": "round" },
        paint: {
          "line-color": COLOURS.border,
          "line-width": ["interpolate", ["linear"], ["zoom"], 5, 0.8, 10, 2],
        },
      },
      {
        id: "departements",
        type: "symbol",
        source: "departements",
        maxzoom: 8.5,
        layout: {
          "text-field": ["get", "label"],
          "text-font": FONT_BOLD,
          "text-size": 13,
          "text-transform": "uppercase",
          "text-letter-spacing": 0.08,
          "text-max-width": 9,
        },
        paint: { "text-color": COLOURS.departementText, "text-halo-color": COLOURS.halo, "text-halo-width": 1.5 },
      },
      {
        id: "commune-dots",
        type: "circle",
        source: "communes",
        minzoom: 9,
        paint: { "circle-radius": 1.5, "circle-color": "#8a857c" },
      },
      communeLabel(6, 50000, Infinity, 14),
      communeLabel(8, 10000, 50000, 12.5),
      communeLabel(9.5, 2000, 10000, 12),
      communeLabel(11, 0, 2000, 11.5),
    ],
  };
}

/**
 * The fonts of our labels over `basemap`. Without a `glyphs` URL, MapLibre draws any font
 * itself; with one, only the fonts its server has are drawn, so our labels take the first font
 * the basemap's own labels use.
 */
function labelFonts(basemap: StyleSpecification): { regular: string[]; bold: string[] } {
  if (!basemap.glyphs) return { regular: FONT_REGULAR, bold: FONT_BOLD };
  for (const layer of basemap.layers) {
    const font = layer.type === "symbol" ? layer.layout?.["text-font"] : undefined;
    if (Array.isArray(font) && font.length && font.every((f) => typeof f === "string")) {
      return { regular: font as string[], bold: font as string[] };
    }
  }
  return { regular: FONT_REGULAR, bold: FONT_BOLD };
}

/** `basemap` with our places over it: the radius circle, clusters, places, the selection, names. */
export function withPlaces(basemap: StyleSpecification, tileJsonUrl: string, colours: PlaceColours = PAGE_COLOURS): StyleSpecification {
  const fonts = labelFonts(basemap);
  return {
    ...basemap,
    sources: {
      ...basemap.sources,
      around: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
      lieux: { type: "vector", url: tileJsonUrl },
    },
    layers: [
      ...basemap.layers,
      {
        id: "around-fill",
        type: "fill",
        source: "around",
        paint: { "fill-color": colours.radius, "fill-opacity": 0.06 },
      },
      {
        id: "around-line",
        type: "line",
        source: "around",
        paint: { "line-color": colours.radius, "line-width": 1.5, "line-dasharray": [3, 2] },
      },
      {
        id: PLACE_LAYERS.places,
        type: "circle",
        source: "lieux",
        "source-layer": "places",
        filter: ["!", ["has", "point_count"]],
        paint: {
          "circle-radius": ["interpolate", ["linear"], ["zoom"], 8, 5, 14, 8],
          "circle-color": colours.place,
          "circle-stroke-color": "#ffffff",
          "circle-stroke-width": 1.5,
        },
      },
      {
        id: "place-selected",
        type: "circle",
        source: "lieux",
        "source-layer": "places",
        filter: ["==", ["get", "id"], ""],
        paint: {
          "circle-radius": 11,
          "circle-color": COLOURS.selected,
          "circle-stroke-color": "#ffffff",
          "circle-stroke-width": 3,
        },
      },
      {
        id: "place-names",
        type: "symbol",
        source: "lieux",
        "source-layer": "places",
        minzoom: 13,
        filter: ["!", ["has", "point_count"]],
        layout: {
          "text-field": ["get", "nom"],
          "text-font": fonts.regular,
          "text-size": 12,
          "text-offset": [0, 1.1],
          "text-anchor": "top",
          "text-max-width": 10,
          "text-optional": true,
        },
        paint: { "text-color": "#1e3a8a", "text-halo-color": COLOURS.halo, "text-halo-width": 1.5 },
      },
      {
        id: PLACE_LAYERS.clusters,
        type: "circle",
        source: "lieux",
        "source-layer": "places",
        filter: ["has", "point_count"],
        paint: {
          "circle-radius": ["step", ["get", "point_count"], 14, 10, 18, 50, 23, 200, 29],
          "circle-color": colours.cluster,
          "circle-opacity": 0.92,
          "circle-stroke-color": "#ffffff",
          "circle-stroke-width": 2,
        },
      },
      {
        id: "cluster-counts",
        type: "symbol",
        source: "lieux",
        "source-layer": "places",
        filter: ["has", "point_count"],
        layout: {
          "text-field": ["to-string", ["get", "point_count_abbreviated"]],
          "text-font": fonts.bold,
          "text-size": 13,
          "text-allow-overlap": true,
          "text-ignore-placement": true,
        },
        paint: { "text-color": colours.clusterText },
      },
    ],
  };
}

/** The map's style on the gazetteer's basemap (its data is put in by `fillBasemap`). */
export function mapStyle(tileJsonUrl: string, colours: PlaceColours = PAGE_COLOURS): StyleSpecification {
  return withPlaces(gazetteerBasemap(), tileJsonUrl, colours);
}

/** A circle of `radiusM` metres around a point, as a polygon for the "around" layers. */
export function circle(lon: number, lat: number, radiusM: number): GeoJSON.Feature<GeoJSON.Polygon> {
  const ring: [number, number][] = [];
  const earth = 6371008.8;
  for (let i = 0; i <= 64; i++) {
    const bearing = (i / 64) * 2 * Math.PI;
    const d = radiusM / earth;
    const φ1 = (lat * Math.PI) / 180;
    const λ1 = (lon * Math.PI) / 180;
    const φ2 = Math.asin(Math.sin(φ1) * Math.cos(d) + Math.cos(φ1) * Math.sin(d) * Math.cos(bearing));
    const λ2 = λ1 + Math.atan2(Math.sin(bearing) * Math.sin(d) * Math.cos(φ1), Math.cos(d) - Math.sin(φ1) * Math.sin(φ2));
    ring.push([(λ2 * 180) / Math.PI, (φ2 * 180) / Math.PI]);
  }
  return { type: "Feature", geometry: { type: "Polygon", coordinates: [ring] }, properties: {} };
}

/** Puts the gazetteer's communes, département names and borders into a `mapStyle` map. */
export function fillBasemap(map: MapLibreMap, list: Commune[]): void {
  const features = list.map((c) => point(c.lon, c.lat, { nom: c.nom, population: c.population }));
  (map.getSource("communes") as GeoJSONSource).setData({ type: "FeatureCollection", features });
  (map.getSource("departements") as GeoJSONSource).setData(departementLabels(list));
  (map.getSource("borders") as GeoJSONSource).setData(departementBorders(list));
}

/** The French of MapLibre's controls, for every map of the pages. */
export const MAP_LOCALE = {
  "NavigationControl.ZoomIn": "Zoomer",
  "NavigationControl.ZoomOut": "Dézoomer",
  "NavigationControl.ResetBearing": "Réorienter vers le nord",
  "ScaleControl.Kilometers": "km",
  "ScaleControl.Meters": "m",
  "AttributionControl.ToggleAttribution": "Afficher les sources",
  "Popup.Close": "Fermer",
  "Map.Title": "Carte des lieux de médiation numérique",
};

/** Where a map starts, its place colours, and its basemap. */
export interface MapViewOptions {
  /** Where the map starts (the page's URL may say); Pays de la Loire otherwise. */
  view?: { lon: number; lat: number; zoom: number };
  colours?: PlaceColours;
  /** A MapLibre style's URL (`lieux serve --basemap-style`), or `null` for the gazetteer's. */
  basemapStyle?: string | null;
  /** The path of the server's PMTiles archive (`lieux serve --basemap-pmtiles`), or `null`. */
  basemapArchive?: string | null;
  /** A PMTiles archive of the places' tiles (`lieux export --pmtiles`) to draw instead of the
   * server's tiles, or `null`: its places are those of the filters it was written with. */
  placesArchive?: string | null;
  /** The attribution in full, or behind a button on a narrow map (a phone, a small embed). */
  compactAttribution?: "never" | "when-narrow";
}

export interface MapViewEvents {
  /** A place (not a cluster) was clicked. */
  onPlaceClick(id: string): void;
  /** The map stopped moving. */
  onMoveEnd(zoom: number, lat: number, lon: number): void;
  /** « Services dans les groupes » was switched (the map then shows the switch and a legend). */
  onServiceShares?(on: boolean): void;
}

/** A cluster drawn in view. */
export interface ClusterInView {
  id: number;
  count: number;
  /** The zoom at which it splits (its tile feature's `expansion_zoom`). */
  expansionZoom: number;
  lon: number;
  lat: number;
}

/** A place drawn in view (its tile properties). */
export interface PlaceInView {
  id: string;
  nom: string;
  commune: string;
  lon: number;
  lat: number;
}

export interface InView {
  clusters: ClusterInView[];
  places: PlaceInView[];
}

/** The page's map: creation, filters, the radius circle and the selected place. */
export class MapView {
  readonly map: MapLibreMap;
  private tileJsonUrl: string;
  /** The archive of the places' tiles, when the map draws one (the filters then change nothing). */
  private readonly placesArchive: string | null;
  /** Whether the style has loaded: sources and layers can be changed from then on. */
  private styleReady = false;
  private waiting: (() => void)[] = [];
  /** The groups drawn as donuts of their services, when the tiles carry their counts. */
  private shares: {
    /** The TileJSON the counts come with. */
    url: string;
    /** The services counted, in the legend's order (from the TileJSON). */
    services: string[];
    /** The donuts made, by cluster id and count, and those on the map. */
    markers: Map<string, maplibregl.Marker>;
    onMap: Set<string>;
  } | null = null;
  private readonly sharesControl: SharesControl | null = null;

  constructor(container: HTMLElement, tileJsonUrl: string, events: MapViewEvents, options: MapViewOptions = {}) {
    this.placesArchive = options.placesArchive ?? null;
    this.tileJsonUrl = this.placesArchive ? archiveSourceUrl(this.placesArchive) : tileJsonUrl;
    tileJsonUrl = this.tileJsonUrl;
    const view = options.view ?? { lon: -0.55, lat: 47.4, zoom: 7 };
    const colours = options.colours ?? PAGE_COLOURS;
    const operatorStyle = options.basemapStyle ?? null;
    const archive = options.basemapArchive ?? null;
    const ownStyle = archive ? withPlaces(archiveBasemap(archive), tileJsonUrl, colours) : mapStyle(tileJsonUrl, colours);
    this.map = new maplibregl.Map({
      container,
      // The operator's style is fetched by MapLibre, and our places added over it.
      style: operatorStyle ?? ownStyle,
      transformStyle: operatorStyle ? (_, basemap) => withPlaces(basemap, this.tileJsonUrl, colours) : undefined,
      center: [view.lon, view.lat],
      zoom: view.zoom,
      maxZoom: 18,
      // MapLibre folds the attribution behind a button on maps of 640 pixels or less.
      attributionControl: options.compactAttribution === "when-narrow" ? {} : { compact: false },
      locale: MAP_LOCALE,
    });
    this.map.once("load", () => {
      this.styleReady = true;
      for (const action of this.waiting.splice(0)) action();
      // A narrow map starts with its attribution folded behind its button, as MapLibre folds
      // it once the map is first dragged: unfolded, it would hide a small map's lower half.
      if (options.compactAttribution === "when-narrow") {
        container.querySelector(".maplibregl-compact-show")?.classList.remove("maplibregl-compact-show");
      }
    });
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    this.map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
    if (events.onServiceShares && !this.placesArchive) {
      this.sharesControl = new SharesControl(events.onServiceShares);
      this.map.addControl(this.sharesControl, "top-left");
    }
    this.map.on("render", () => this.drawShares());
    this.setShares(new URL(this.tileJsonUrl, location.href).searchParams.get("cluster_counts") === "services");

    if (operatorStyle || archive) {
      this.whenReady(() => (document.body.dataset.basemap = "loaded"));
    } else {
      void communes().then((list) => {
        this.whenReady(() => {
          fillBasemap(this.map, list);
          document.body.dataset.basemap = "loaded";
        });
      });
    }

    // A cluster carries the zoom at which it splits: a click zooms there with no request.
    this.map.on("click", PLACE_LAYERS.clusters, (event) => {
      const feature = event.features?.[0];
      if (!feature) return;
      const [lon, lat] = (feature.geometry as GeoJSON.Point).coordinates;
      const zoom = Number(feature.properties.expansion_zoom);
      this.zoomInTo(lon, lat, zoom);
    });
    this.map.on("click", PLACE_LAYERS.places, (event) => {
      if (this.map.queryRenderedFeatures(event.point, { layers: [PLACE_LAYERS.clusters] }).length) return;
      const id = event.features?.[0]?.properties.id;
      if (id !== undefined) events.onPlaceClick(String(id));
    });
    for (const layer of [PLACE_LAYERS.clusters, PLACE_LAYERS.places]) {
      this.map.on("mouseenter", layer, () => (this.map.getCanvas().style.cursor = "pointer"));
      this.map.on("mouseleave", layer, () => (this.map.getCanvas().style.cursor = ""));
    }
    this.map.on("moveend", () => {
      const { lng, lat } = this.map.getCenter();
      events.onMoveEnd(this.map.getZoom(), lat, lng);
    });
  }

  /**
   * Runs `action` once the style has loaded (at once if it has). Not `isStyleLoaded()`, which
   * is false again while any source reloads, long after the one `load` event has passed.
   */
  private whenReady(action: () => void): void {
    if (this.styleReady) action();
    else this.waiting.push(action);
  }

  /** Shows only the places of `filters` (the tile routes' parameters); groups as donuts of
   * their services when they ask for the counts (`cluster_counts=services`). */
  setFilters(filters: URLSearchParams): void {
    if (this.placesArchive) return;
    const query = filters.toString();
    const url = `${location.origin}/tiles.json${query ? `?${query}` : ""}`;
    if (url === this.tileJsonUrl) return;
    this.tileJsonUrl = url;
    const source = this.map.getSource("lieux") as maplibregl.VectorTileSource | undefined;
    source?.setUrl(url);
    this.setShares(filters.get("cluster_counts") === "services");
  }

  /** Draws the groups as donuts of their services (the tiles of `tileJsonUrl` count them), or
   * as circles again. */
  private setShares(on: boolean): void {
    const url = this.tileJsonUrl;
    if (on && this.shares?.url === url) return;
    // Cluster ids name the clusters of one map: donuts of other filters go.
    for (const marker of this.shares?.markers.values() ?? []) marker.remove();
    const services = this.shares?.services ?? [];
    this.shares = on ? { url, services, markers: new Map(), onMap: new Set() } : null;
    this.sharesControl?.show(on, services);
    this.whenReady(() => {
      const circles = this.shares ? 0 : 1;
      this.map.setPaintProperty(PLACE_LAYERS.clusters, "circle-opacity", 0.92 * circles);
      this.map.setPaintProperty(PLACE_LAYERS.clusters, "circle-stroke-opacity", circles);
      this.map.setLayoutProperty("cluster-counts", "visibility", circles ? "visible" : "none");
    });
    if (!on) return;
    void fetch(url)
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
      .then((tileJson) => {
        if (this.shares?.url !== url) return;
        this.shares.services = countedServices(tileJson);
        this.sharesControl?.show(true, this.shares.services);
        this.drawShares();
      })
      .catch(() => this.sharesControl?.show(true, []));
  }

  /** Puts a donut on each group the tiles on screen hold, and takes the others off. */
  private drawShares(): void {
    const shares = this.shares;
    if (!shares?.services.length || !this.map.getSource("lieux") || !this.map.isSourceLoaded("lieux")) return;
    const seen = new Set<string>();
    const clusters = this.map.querySourceFeatures("lieux", { sourceLayer: "places", filter: ["has", "point_count"] });
    for (const feature of clusters) {
      const properties = feature.properties;
      const key = `${properties.cluster_id}/${properties.point_count}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let marker = shares.markers.get(key);
      if (!marker) {
        const [lon, lat] = (feature.geometry as GeoJSON.Point).coordinates;
        const element = document.createElement("div");
        element.className = "donut-marker";
        element.dataset.clusterId = String(properties.cluster_id);
        element.setAttribute("aria-hidden", "true");
        const count = Number(properties.point_count);
        element.append(donut(sharesOf(properties, shares.services), String(properties.point_count_abbreviated), donutSize(count)));
        element.addEventListener("click", (event) => {
          event.stopPropagation();
          this.zoomInTo(lon, lat, Number(properties.expansion_zoom));
        });
        marker = new maplibregl.Marker({ element }).setLngLat([lon, lat]);
        shares.markers.set(key, marker);
      }
      if (!shares.onMap.has(key)) {
        marker.addTo(this.map);
        shares.onMap.add(key);
      }
    }
    for (const key of shares.onMap) {
      if (seen.has(key)) continue;
      shares.markers.get(key)?.remove();
      shares.onMap.delete(key);
    }
    // Donuts made on the way are kept for coming back, within reason.
    if (shares.markers.size > 4000) {
      for (const key of shares.markers.keys()) if (!shares.onMap.has(key)) shares.markers.delete(key);
    }
  }

  /** Draws the search radius, or removes it. */
  setAround(around: { lon: number; lat: number; radiusM: number } | null): void {
    const apply = () => {
      const source = this.map.getSource("around") as GeoJSONSource;
      source.setData({
        type: "FeatureCollection",
        features: around ? [circle(around.lon, around.lat, around.radiusM)] : [],
      });
    };
    this.whenReady(apply);
  }

  /** Frames the circle of `radiusM` around a point. */
  fitAround(lon: number, lat: number, radiusM: number): void {
    const ring = circle(lon, lat, radiusM).geometry.coordinates[0];
    const bounds = ring.reduce(
      (b, [x, y]) => b.extend([x, y]),
      new maplibregl.LngLatBounds([lon, lat], [lon, lat]),
    );
    this.map.fitBounds(bounds, { padding: 30, duration: 600 });
  }

  /** Highlights one place (or none). */
  select(id: string | null): void {
    const apply = () => this.map.setFilter("place-selected", ["==", ["get", "id"], id ?? ""]);
    this.whenReady(apply);
  }

  /** Frames the given places (a search's first page); does nothing for none. */
  fitToPlaces(features: { geometry: { coordinates: [number, number] } }[]): void {
    if (!features.length) return;
    const [first, ...rest] = features.map((f) => f.geometry.coordinates);
    const bounds = rest.reduce((b, c) => b.extend(c), new maplibregl.LngLatBounds(first, first));
    this.map.fitBounds(bounds, { padding: 40, maxZoom: 14, duration: 600 });
  }

  /** Eases to a cluster's centre and the zoom at which it splits, at least half a step in. */
  zoomInTo(lon: number, lat: number, expansionZoom: number): void {
    const zoom = Number.isFinite(expansionZoom) ? expansionZoom : this.map.getZoom() + 2;
    this.map.easeTo({ center: [lon, lat], zoom: Math.max(zoom, this.map.getZoom() + 0.5) });
  }

  flyTo(lon: number, lat: number, minZoom = 13): void {
    this.map.easeTo({ center: [lon, lat], zoom: Math.max(this.map.getZoom(), minZoom) });
  }

  /** The clusters and places drawn in view, each once, from north-west to south-east (the
   * order of reading): what the keyboard list of the map (maplist.ts) offers. */
  inView(): InView {
    const clusters = new Map<number, ClusterInView>();
    const places = new Map<string, PlaceInView>();
    for (const f of this.map.queryRenderedFeatures({ layers: [PLACE_LAYERS.clusters, PLACE_LAYERS.places] })) {
      const [lon, lat] = (f.geometry as GeoJSON.Point).coordinates;
      if (f.layer.id === PLACE_LAYERS.clusters) {
        const id = Number(f.properties.cluster_id);
        clusters.set(id, { id, count: Number(f.properties.point_count), expansionZoom: Number(f.properties.expansion_zoom), lon, lat });
      } else {
        const id = String(f.properties.id);
        places.set(id, { id, nom: String(f.properties.nom ?? ""), commune: String(f.properties.commune ?? ""), lon, lat });
      }
    }
    // Rows of about a tenth of the view, west to east within a row.
    const bounds = this.map.getBounds();
    const row = (lat: number) => Math.floor(((bounds.getNorth() - lat) / (bounds.getNorth() - bounds.getSouth() || 1)) * 10);
    const order = (a: { lon: number; lat: number }, b: { lon: number; lat: number }) => row(a.lat) - row(b.lat) || a.lon - b.lon;
    return { clusters: [...clusters.values()].sort(order), places: [...places.values()].sort(order) };
  }

  /** Where `lon, lat` is in the view, in words ("au nord-ouest"), to tell groups apart. */
  whereInView(lon: number, lat: number): string {
    const bounds = this.map.getBounds();
    const third = (value: number, low: number, high: number) => Math.min(2, Math.max(0, Math.floor(((value - low) / (high - low || 1)) * 3)));
    const ns = ["sud", "", "nord"][third(lat, bounds.getSouth(), bounds.getNorth())];
    const ew = ["ouest", "", "est"][third(lon, bounds.getWest(), bounds.getEast())];
    if (!ns && !ew) return "au centre";
    return `au ${[ns, ew].filter(Boolean).join("-")}`;
  }

  /** Calls `action` each time the map has finished drawing (after a move, new tiles, filters). */
  onIdle(action: () => void): void {
    this.map.on("idle", action);
  }

  /** The rendered clusters and places in view, for tests and for the summary. */
  renderedCounts(): { clusters: number; places: number; points: number } {
    const features: MapGeoJSONFeature[] = this.map.queryRenderedFeatures({
      layers: [PLACE_LAYERS.clusters, PLACE_LAYERS.places],
    });
    let clusters = 0;
    let places = 0;
    let points = 0;
    for (const f of features) {
      if (f.layer.id === PLACE_LAYERS.clusters) {
        clusters += 1;
        points += Number(f.properties.point_count);
      } else {
        places += 1;
        points += 1;
      }
    }
    return { clusters, places, points };
  }
}
