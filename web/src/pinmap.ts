// A small map with pins: where a contributor puts a place, where a moderator sees it.
//
// The contribution form's map has one draggable pin that sets the latitude and longitude
// fields; it moves by mouse (drag, or a click on the map), by touch, and by keyboard (the pin
// is a button: arrow keys move it, Shift for larger steps), and the two number fields beside
// the map stay the exact, accessible way. The moderation page's map shows the current and the
// proposed position side by side. Both draw the page's own basemap and places (map.ts), so
// nothing is asked of another host here either.

import * as maplibregl from "maplibre-gl";
import type { Map as MapLibreMap, Marker } from "maplibre-gl";
import { communes } from "./basemap";
import { h } from "./dom";
import { fillBasemap, MAP_LOCALE, mapStyle } from "./map";

/** Five decimals: about a metre, as precise as a pin put by hand is. */
export function roundCoordinate(value: number): number {
  return Math.round(value * 1e5) / 1e5;
}

export interface PinOptions {
  /** Where the map starts. */
  center: [number, number];
  zoom: number;
  /** The draggable pin's accessible name. */
  label?: string;
  /** The pin was moved by the person (drag, click, keyboard): its new position. */
  onMove?(lon: number, lat: number): void;
}

export class PinMap {
  readonly map: MapLibreMap;
  private pin: Marker | null = null;
  private pinElement: HTMLButtonElement | null = null;
  private markers: Marker[] = [];
  private loaded: Promise<void>;

  constructor(container: HTMLElement, options: PinOptions) {
    this.map = new maplibregl.Map({
      container,
      style: mapStyle(`${location.origin}/tiles.json`),
      center: options.center,
      zoom: options.zoom,
      maxZoom: 19,
      attributionControl: false,
      locale: { ...MAP_LOCALE, "Map.Title": options.label ?? "Carte" },
    });
    // The form scrolls over the map: the wheel scrolls it, the buttons zoom.
    this.map.scrollZoom.disable();
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    this.loaded = new Promise((resolve) => this.map.once("load", () => resolve()));
    void Promise.all([communes(), this.loaded]).then(([list]) => fillBasemap(this.map, list));
    if (options.onMove) {
      const onMove = options.onMove;
      this.pinElement = h(
        "button",
        { type: "button", class: "pin", "aria-label": options.label ?? "Position du lieu", title: options.label ?? "" },
        h("span", { class: "pin-head", "aria-hidden": "true" }),
      );
      this.pin = new maplibregl.Marker({ element: this.pinElement, draggable: true, anchor: "bottom" })
        .setLngLat(options.center)
        .addTo(this.map);
      const moved = () => {
        const { lng, lat } = this.pin!.getLngLat();
        onMove(roundCoordinate(lng), roundCoordinate(lat));
      };
      this.pin.on("drag", moved);
      this.pin.on("dragend", moved);
      this.map.on("click", (event) => {
        this.pin!.setLngLat(event.lngLat);
        moved();
      });
      this.pinElement.addEventListener("keydown", (event) => {
        const steps: Record<string, [number, number]> = {
          ArrowUp: [0, -1],
          ArrowDown: [0, 1],
          ArrowLeft: [-1, 0],
          ArrowRight: [1, 0],
        };
        const step = steps[event.key];
        if (!step) return;
        event.preventDefault();
        const pixels = event.shiftKey ? 50 : 10;
        const at = this.map.project(this.pin!.getLngLat());
        const to = this.map.unproject([at.x + step[0] * pixels, at.y + step[1] * pixels]);
        this.pin!.setLngLat(to);
        this.keepInView(to.lng, to.lat);
        moved();
      });
    }
  }

  /** Moves the draggable pin (the fields changed), recentring the map when it left the view. */
  setPin(lon: number, lat: number): void {
    this.pin?.setLngLat([lon, lat]);
    this.keepInView(lon, lat);
  }

  /** Marks the pin as not yet placed by the person (a new place), or placed. */
  setPlaced(placed: boolean): void {
    this.pinElement?.classList.toggle("unplaced", !placed);
  }

  private keepInView(lon: number, lat: number): void {
    if (!this.map.getBounds().contains([lon, lat])) this.map.easeTo({ center: [lon, lat], duration: 300 });
  }

  /** Centres the map on a point, at least at `zoom`. */
  centreOn(lon: number, lat: number, zoom: number): void {
    this.map.jumpTo({ center: [lon, lat], zoom: Math.max(zoom, this.map.getZoom()) });
  }

  /** A fixed, labelled marker (the moderation page: current and proposed positions). */
  addMarker(lon: number, lat: number, kind: "current" | "proposed", label: string): void {
    const element = h(
      "span",
      { class: `marker ${kind}`, role: "img", "aria-label": label, title: label },
      h("span", { class: "marker-head", "aria-hidden": "true" }),
    );
    this.markers.push(new maplibregl.Marker({ element, anchor: "bottom" }).setLngLat([lon, lat]).addTo(this.map));
  }

  /** Frames every marker and the pin. */
  fitMarkers(maxZoom = 16): void {
    const points = [...this.markers, ...(this.pin ? [this.pin] : [])].map((m) => m.getLngLat());
    if (!points.length) return;
    const bounds = points.reduce((b, p) => b.extend(p), new maplibregl.LngLatBounds(points[0], points[0]));
    this.map.fitBounds(bounds, { padding: 50, maxZoom, animate: false });
  }

  /** Resizes after the container was shown (a dialog opening). */
  resize(): void {
    this.map.resize();
  }

  /** Frees the map's WebGL context. */
  remove(): void {
    this.map.remove();
  }
}
