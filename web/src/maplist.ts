// What is on the map, as a list that the keyboard and screen readers reach: the map's clusters
// and places are drawn on a canvas, which neither can enter.
//
// « Parcourir la carte au clavier », under the map, opens the list of what the map draws in
// view, in reading order (north-west to south-east): each group is a button that opens the list
// of its places (from `/clusters/{id}/leaves`, with the current filters) and offers to bring
// the map closer; each place is a button that opens its details, as a click on its point does.
// The list follows the map (when the map has finished drawing after a move or a change of
// filters, items come and go; those still on the map stay as they were, open and focused), and
// a status line (`aria-live`) says what it holds and what opened.

import * as api from "./api";
import { byId, h } from "./dom";
import type { ClusterInView, MapView, PlaceInView } from "./map";

/** The most places of one group listed: beyond, the map is brought closer. */
const LEAVES_LISTED = 50;

export interface MapListOptions {
  map: MapView;
  /** The tile routes' parameters of the page's state (a group's places come with them). */
  filters(): URLSearchParams;
  /** Opens a place's details, as a click on its point does. */
  openPlace(id: string): void;
}

const plural = (n: number, one: string, many: string) => `${n} ${n > 1 ? many : one}`;

/** Wires the map's keyboard list (`#map-list-toggle`, `#map-list`, `#map-list-status`). */
export function mapList(options: MapListOptions): void {
  const toggle = byId<HTMLButtonElement>("map-list-toggle");
  const panel = byId("map-list");
  const items = byId<HTMLUListElement>("map-list-items");
  const title = byId("map-list-title");
  const status = byId("map-list-status");
  /** What the list shows, to make it again only when the map shows something else. */
  let shown = "";

  const isOpen = () => toggle.getAttribute("aria-expanded") === "true";

  function placeItem(place: PlaceInView | Awaited<ReturnType<typeof api.clusterLeaves>>[number]): HTMLLIElement {
    const label = place.commune ? `${place.nom}, ${place.commune}` : place.nom;
    const button = h("button", { type: "button", class: "link", "data-key": `place:${place.id}` }, label);
    button.addEventListener("click", () => {
      status.textContent = `Fiche ouverte : ${place.nom}.`;
      options.openPlace(place.id);
    });
    return h("li", { "data-id": place.id }, button);
  }

  async function fillGroup(cluster: ClusterInView, list: HTMLUListElement): Promise<void> {
    list.replaceChildren(h("li", {}, "Chargement des lieux…"));
    let places: Awaited<ReturnType<typeof api.clusterLeaves>>;
    try {
      places = await api.clusterLeaves(cluster.id, options.filters(), LEAVES_LISTED);
    } catch {
      list.replaceChildren(h("li", {}, "Les lieux de ce groupe n'ont pas pu être chargés : rapprochez la carte."));
      return;
    }
    const closer = h("button", { type: "button", class: "link", "data-key": `closer:${cluster.id}` }, "Rapprocher la carte de ce groupe");
    closer.addEventListener("click", () => {
      status.textContent = "La carte se rapproche du groupe ; la liste suit.";
      options.map.zoomInTo(cluster.lon, cluster.lat, cluster.expansionZoom);
    });
    const more = cluster.count > places.length ? `, dont ${places.length} listés` : "";
    list.replaceChildren(...places.map(placeItem), h("li", {}, closer));
    list.setAttribute("aria-label", `${plural(cluster.count, "lieu", "lieux")} du groupe${more}`);
  }

  function groupItem(cluster: ClusterInView): HTMLLIElement {
    const where = options.map.whereInView(cluster.lon, cluster.lat);
    const listId = `map-list-group-${cluster.id}`;
    const button = h(
      "button",
      { type: "button", class: "map-list-group", "aria-expanded": "false", "aria-controls": listId, "data-key": `group:${cluster.id}` },
      `Groupe de ${plural(cluster.count, "lieu", "lieux")}, ${where}`,
    );
    const list = h("ul", { id: listId, class: "map-list-places" });
    list.hidden = true;
    const expand = async () => {
      button.setAttribute("aria-expanded", "true");
      list.hidden = false;
      await fillGroup(cluster, list);
      status.textContent = `Groupe ouvert : ${plural(cluster.count, "lieu", "lieux")}, listés sous le groupe.`;
    };
    button.addEventListener("click", () => {
      if (button.getAttribute("aria-expanded") === "true") {
        button.setAttribute("aria-expanded", "false");
        list.hidden = true;
        status.textContent = "Groupe fermé.";
      } else {
        void expand();
      }
    });
    return h("li", {}, button, list);
  }

  /** The items shown, by key: an item that stays on the map stays in the list as it is (a group
   * open with its places, the focus on it). */
  let itemsByKey = new Map<string, HTMLLIElement>();

  /** Makes the list again from what the map draws, when that changed. */
  function refresh(announce: boolean): void {
    if (!isOpen()) return;
    const { clusters, places } = options.map.inView();
    const entries: [string, () => HTMLLIElement][] = [
      ...clusters.map((c): [string, () => HTMLLIElement] => [`g${c.id}:${c.count}`, () => groupItem(c)]),
      ...places.map((p): [string, () => HTMLLIElement] => [`p${p.id}`, () => placeItem(p)]),
    ];
    const key = entries.map(([k]) => k).join(",");
    const counts = [
      clusters.length ? plural(clusters.length, "groupe", "groupes") : "",
      places.length ? plural(places.length, "lieu", "lieux") : "",
    ].filter(Boolean);
    const said = counts.length ? `Sur la carte : ${counts.join(" et ")}.` : "Rien sur la carte à cet endroit : éloignez la carte ou changez les filtres.";
    if (key !== shown) {
      shown = key;
      const focused = document.activeElement instanceof HTMLElement && items.contains(document.activeElement) ? document.activeElement : null;
      title.textContent = said;
      const next = new Map(entries.map(([k, make]) => [k, itemsByKey.get(k) ?? make()]));
      itemsByKey = next;
      items.replaceChildren(...next.values());
      if (focused?.isConnected) focused.focus();
    }
    if (announce) status.textContent = said;
  }

  toggle.addEventListener("click", () => {
    const open = !isOpen();
    toggle.setAttribute("aria-expanded", String(open));
    panel.hidden = !open;
    shown = "";
    if (open) refresh(true);
    else {
      items.replaceChildren();
      itemsByKey = new Map();
      status.textContent = "";
    }
  });
  options.map.onIdle(() => refresh(false));
}
