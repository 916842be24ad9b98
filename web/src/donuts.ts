// Groups drawn as donuts: the shares of the services their places offer.
//
// A social worker looking at a département sees groups of places; with « Services dans les
// groupes », each group is a ring whose arcs are the services its places offer, so that where
// to find, say, help with online procedures shows at a glance. The counts come with the tiles
// (`cluster_counts=services`: each cluster has `services:VALUE`, the number of its places with
// that service, true under every filter), so drawing them costs no request. MapLibre draws no
// pie, so each group on screen is an HTML marker, as MapLibre's example of clusters with custom
// properties does; the circle layer stays underneath, transparent, for clicks on the map,
// keyboard browsing and the tests that read the rendered features. The markers are decorative
// (hidden from screen readers): the legend and « Parcourir la carte au clavier » say the same.

import type { IControl } from "maplibre-gl";

/** The services' colours, in the legend's order: Okabe and Ito's palette, told apart by most
 * colour-blind people, and a grey. */
export const SERVICE_COLOURS = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#CC79A7",
  "#56B4E9",
  "#D55E00",
  "#F0E442",
  "#000000",
  "#999999",
];

/** One arc of a donut. */
export interface Share {
  label: string;
  count: number;
  colour: string;
}

/** The property prefix of the services' counts in a cluster. */
const PREFIX = "services:";

/** The services a TileJSON's `places` layer counts, in its order (by name): the legend's. */
export function countedServices(tileJson: { vector_layers?: { id: string; fields?: Record<string, string> }[] }): string[] {
  const fields = tileJson.vector_layers?.find((layer) => layer.id === "places")?.fields ?? {};
  return Object.keys(fields)
    .filter((key) => key.startsWith(PREFIX))
    .map((key) => key.slice(PREFIX.length));
}

/** The shares of a cluster's properties, one per service it has, in `services`' order. */
export function sharesOf(properties: Record<string, unknown>, services: readonly string[]): Share[] {
  return services
    .map((label, i) => ({ label, count: Number(properties[PREFIX + label] ?? 0), colour: SERVICE_COLOURS[i % SERVICE_COLOURS.length] }))
    .filter((share) => share.count > 0);
}

const SVG = "http://www.w3.org/2000/svg";

/** A ring of `shares` around `label`, `size` pixels wide. */
export function donut(shares: readonly Share[], label: string, size: number): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  const r = size / 2;
  const inner = r * 0.58;
  const total = shares.reduce((sum, share) => sum + share.count, 0);
  const centre = document.createElementNS(SVG, "circle");
  centre.setAttribute("cx", String(r));
  centre.setAttribute("cy", String(r));
  centre.setAttribute("r", String(r));
  centre.setAttribute("fill", "#ffffff");
  svg.append(centre);
  let start = 0;
  for (const share of shares) {
    const arc = document.createElementNS(SVG, "path");
    arc.setAttribute("d", arcPath(r, inner, start / total, (start + share.count) / total));
    arc.setAttribute("fill", share.colour);
    svg.append(arc);
    start += share.count;
  }
  const text = document.createElementNS(SVG, "text");
  text.setAttribute("x", String(r));
  text.setAttribute("y", String(r));
  text.setAttribute("dominant-baseline", "central");
  text.setAttribute("text-anchor", "middle");
  text.setAttribute("font-size", String(Math.round(size / 3.4)));
  text.setAttribute("font-weight", "700");
  text.setAttribute("fill", "#1f2937");
  text.textContent = label;
  svg.append(text);
  return svg;
}

/** The path of a ring's arc from `from` to `to` (fractions of the turn, clockwise from the top). */
function arcPath(r: number, inner: number, from: number, to: number): string {
  // A whole turn is two halves: an arc from a point to itself draws nothing.
  if (to - from >= 0.9999) return `${arcPath(r, inner, 0, 0.5)} ${arcPath(r, inner, 0.5, 1)}`;
  const point = (radius: number, t: number) => {
    const angle = 2 * Math.PI * t - Math.PI / 2;
    return `${(r + radius * Math.cos(angle)).toFixed(2)} ${(r + radius * Math.sin(angle)).toFixed(2)}`;
  };
  const large = to - from > 0.5 ? 1 : 0;
  return [
    `M ${point(r, from)}`,
    `A ${r} ${r} 0 ${large} 1 ${point(r, to)}`,
    `L ${point(inner, to)}`,
    `A ${inner} ${inner} 0 ${large} 0 ${point(inner, from)}`,
    "Z",
  ].join(" ");
}

/** How wide a group's donut is, by its number of places (as the circles are). */
export function donutSize(count: number): number {
  return count >= 200 ? 58 : count >= 50 ? 48 : count >= 10 ? 40 : 32;
}

/**
 * The map's control « Services dans les groupes »: a switch, and when it is on, the legend of
 * the services' colours.
 */
export class SharesControl implements IControl {
  private container: HTMLElement | null = null;
  private readonly toggle: HTMLInputElement;
  private readonly legend: HTMLUListElement;

  constructor(onToggle: (on: boolean) => void) {
    this.toggle = document.createElement("input");
    this.toggle.type = "checkbox";
    this.toggle.id = "service-shares";
    this.toggle.addEventListener("change", () => onToggle(this.toggle.checked));
    this.legend = document.createElement("ul");
    this.legend.className = "shares-legend";
    this.legend.setAttribute("aria-label", "Couleurs des services");
    this.legend.hidden = true;
  }

  onAdd(): HTMLElement {
    const container = document.createElement("div");
    container.className = "maplibregl-ctrl maplibregl-ctrl-group shares-control";
    const label = document.createElement("label");
    label.htmlFor = this.toggle.id;
    label.append(this.toggle, " Services dans les groupes");
    container.append(label, this.legend);
    this.container = container;
    return container;
  }

  onRemove(): void {
    this.container?.remove();
    this.container = null;
  }

  /** Shows the switch on or off, with the legend of `services` when on. */
  show(on: boolean, services: readonly string[]): void {
    this.toggle.checked = on;
    this.legend.hidden = !on || services.length === 0;
    this.legend.replaceChildren(
      ...services.map((label, i) => {
        const item = document.createElement("li");
        const swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.background = SERVICE_COLOURS[i % SERVICE_COLOURS.length];
        item.append(swatch, label);
        return item;
      }),
    );
  }
}
