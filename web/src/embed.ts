// The embed (`/embed`): the map and the list of places for an `<iframe>` on a partner's site,
// without the page's header, search box or filters.
//
// Everything comes from its URL, which « Intégrer cette carte » writes (embedding.ts): the
// page's own state (text, filters, territory, open now, around a place, map position), `view`
// (`map` or `cards` shows one of the two; both without it) and `couleur` (`RRGGBB`, the accent
// of links, buttons and places, darkened where it would not read on white). A place opens in
// full on the main page, in a new tab: the embed never navigates its frame away. It keeps
// nothing (no cookie, no storage) and asks only the lieux server, and the operator's basemap
// style when there is one.

import "./style.css";
import * as maplibregl from "maplibre-gl";
import * as api from "./api";
import type { PlaceFeature } from "./api";
import { operatorBasemap } from "./basemap";
import { operatorArchive } from "./protomaps";
import { accentsOf, parseColour } from "./colours";
import { byId, h } from "./dom";
import { address } from "./format";
import { MapView, PAGE_COLOURS, type PlaceColours } from "./map";
import { mapFilterParams, searchParams, stateFromUrl, stateToUrl, tileJsonUrl, type PageState } from "./state";
import { renderCards } from "./views";

const PAGE_SIZE = 30;

const params = new URLSearchParams(location.search);
const state: PageState = stateFromUrl(location.search);
const layout = params.get("view") === "map" ? "map" : params.get("view") === "cards" ? "cards" : "both";
if (layout !== "both") document.body.classList.add(layout === "map" ? "only-map" : "only-list");

/** The partner's colour, as the page's accent and the map's places. */
function colours(): PlaceColours {
  const colour = parseColour(params.get("couleur"));
  if (!colour) return PAGE_COLOURS;
  const { accent, accentDark } = accentsOf(colour);
  document.documentElement.style.setProperty("--accent", accent);
  document.documentElement.style.setProperty("--accent-dark", accentDark);
  return { place: accent, cluster: accentDark, clusterText: "#ffffff", radius: accent };
}

/** The main page for this state, or for one place, opened in a new tab. */
function fullPage(extra: Partial<PageState> = {}): string {
  return `${location.origin}/${stateToUrl({ ...state, view: "map", ...extra })}`;
}

const summary = byId("summary");
const cards = byId<HTMLOListElement>("cards");
const moreButton = byId<HTMLButtonElement>("more");
const errorBox = byId("error");
const fullPageLink = byId<HTMLAnchorElement>("full-page");
/** Whether the URL says where the map starts (`carte`). */
const placedByUrl = state.map !== null;
let results: PlaceFeature[] = [];
let total = 0;
let searchesDone = 0;

const mapView =
  layout === "cards"
    ? null
    : new MapView(
        byId("map"),
        tileJsonUrl(state),
        {
          onPlaceClick: (id) => void showPopup(id),
          onMoveEnd: (zoom, lat, lon) => {
            // « Ouvrir la carte complète » opens where the map is.
            state.map = { zoom, lat, lon };
            fullPageLink.href = fullPage();
          },
        },
        { view: state.map ?? undefined, colours: colours(), basemapStyle: operatorBasemap(), basemapArchive: operatorArchive(), compactAttribution: "when-narrow" },
      );
if (!mapView) colours();

const popup = new maplibregl.Popup({ closeButton: true, maxWidth: "18rem" });

/** A place clicked on the map: its name, address and link to the full page, over the map. */
async function showPopup(id: string): Promise<void> {
  if (!mapView) return;
  choose(id, false);
  let feature: PlaceFeature | undefined;
  try {
    feature = await api.place(id);
  } catch {
    feature = results.find((f) => placeId(f) === id);
  }
  if (!feature) return;
  const p = feature.properties;
  const link = fullPage({ selected: id, map: mapPosition(feature) });
  popup
    .setLngLat(feature.geometry.coordinates)
    .setDOMContent(
      h(
        "div",
        { class: "embed-popup" },
        h("p", { class: "embed-popup-name" }, p.nom),
        h("p", {}, address(p)),
        h("p", {}, h("a", { href: link, target: "_blank", rel: "noopener" }, "Voir la fiche complète", h("span", { class: "visually-hidden" }, " (nouvel onglet)"))),
      ),
    )
    .addTo(mapView.map);
}

function placeId(feature: PlaceFeature): string {
  return String(feature.properties.id ?? feature.id);
}

function mapPosition(feature: PlaceFeature): PageState["map"] {
  const [lon, lat] = feature.geometry.coordinates;
  return { zoom: 15, lat, lon };
}

/** Marks a place in the list and on the map; from the list, the map goes to it. */
function choose(id: string, fromList: boolean): void {
  state.selected = id;
  for (const card of cards.querySelectorAll<HTMLElement>("article[data-id]")) {
    const chosen = card.dataset.id === id;
    card.classList.toggle("selected", chosen);
    if (chosen) card.setAttribute("aria-current", "true");
    else card.removeAttribute("aria-current");
  }
  mapView?.select(id);
  const feature = results.find((f) => placeId(f) === id);
  if (fromList && feature && mapView) {
    const [lon, lat] = feature.geometry.coordinates;
    mapView.flyTo(lon, lat, 14);
  }
}

function render(): void {
  const shown = results.length;
  summary.textContent =
    total === 0
      ? "Aucun lieu ne correspond."
      : `${total} lieu${total > 1 ? "x" : ""}` + (shown < total && layout !== "map" ? ` (${shown} dans la liste)` : "");
  moreButton.hidden = shown >= total;
  renderCards(cards, results, state.selected, {
    choose: (id) => choose(id, true),
    fullPage: (id) => {
      const feature = results.find((f) => placeId(f) === id);
      return fullPage({ selected: id, map: feature ? mapPosition(feature) : null });
    },
  });
}

async function load(offset: number): Promise<void> {
  document.body.dataset.search = "loading";
  const query = searchParams(state);
  query.set("limit", String(PAGE_SIZE));
  query.set("offset", String(offset));
  try {
    const answer = await api.search(query);
    results = offset ? [...results, ...answer.features] : answer.features;
    total = answer.total;
    errorBox.hidden = true;
  } catch (error) {
    errorBox.hidden = false;
    errorBox.textContent = `Les lieux n'ont pas pu être chargés (${(error as Error).message}).`;
  }
  render();
  searchesDone += 1;
  document.body.dataset.searches = String(searchesDone);
  document.body.dataset.search = errorBox.hidden ? "done" : "error";
}

moreButton.addEventListener("click", () => void load(results.length));
fullPageLink.href = fullPage();

/** Frames what the URL asks for: its map position, else the circle around a place, else the
 * places found with its filters, else every place. */
async function start(): Promise<void> {
  mapView?.setAround(state.around ? { ...state.around, radiusM: state.radiusM } : null);
  if (mapView && !placedByUrl && state.around) mapView.fitAround(state.around.lon, state.around.lat, state.radiusM);
  await load(0);
  if (!mapView || placedByUrl || state.around) return;
  if (mapFilterParams(state).toString() && results.length) {
    mapView.fitToPlaces(results);
    return;
  }
  try {
    const tileJson = await (await fetch("/tiles.json")).json();
    const [w, s, e, n] = tileJson.bounds as number[];
    mapView.map.fitBounds([w, s, e, n], { padding: 30, animate: false });
  } catch {
    // The default view stays.
  }
}

declare global {
  interface Window {
    /** The embed's parts, for the end-to-end test and for debugging in the console. */
    lieuxEmbed: {
      map: maplibregl.Map | null;
      state: () => PageState;
      results: () => PlaceFeature[];
      total: () => number;
      ready: Promise<void>;
    };
  }
}

window.lieuxEmbed = {
  map: mapView?.map ?? null,
  state: () => state,
  results: () => results,
  total: () => total,
  ready: start(),
};
