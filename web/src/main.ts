// The page: wires the search form, the filters, the three views and the map to one state.
//
// One `PageState` (state.ts) says everything a person chose; every change goes through
// `update`, which writes the URL, points the map's tiles at the filters and asks `/search` for
// the result set that the cards and the table show. Selecting a place in any view marks it in
// all three and opens its details from `/places/{id}`.

import "./style.css";
import * as api from "./api";
import type { Facets, Interpretation, PlaceFeature, Suggestion } from "./api";
import { DEPARTEMENTS } from "./departements";
import { byId, h } from "./dom";
import { MapView } from "./map";
import {
  mapFilterParams,
  searchParams,
  stateFromUrl,
  stateToUrl,
  TERRITORY_KEYS,
  TERRITORY_NAMES,
  tileJsonUrl,
  tileParams,
  VOCABULARIES,
  type PageState,
  type View,
} from "./state";
import { renderCards, renderDetails, renderTable, syncSelectionButtons, type SelectionCallbacks } from "./views";
import { openContribution } from "./contribute";
import { FRESHNESS, of } from "./format";
import { orientation } from "./orient";
import { selectionView } from "./selection";
import { operatorBasemap } from "./basemap";
import { archiveBounds, operatorArchive, placesArchive } from "./protomaps";
import { embedDialog } from "./embedding";
import { mapList } from "./maplist";

const PAGE_SIZE = 50;

/** An archive of the places' tiles to draw instead of the server's (`?tiles=URL`, or the meta of
 * a copy written by `lieux export --site`), and the `tiles` parameter the URL keeps. */
const archive = placesArchive();
const tilesParam = new URLSearchParams(location.search).get("tiles");
/** No lieux server behind the page (a copy of it on a static host, drawing an archive): the
 * map is all there is; search, filters and the places' details need the server. */
let serverless = false;

const state: PageState = stateFromUrl(location.search);
/** A campaign's correction link (`?lieu=ID&corriger=1`): the place's correction form opens at
 * once. Read before the page writes its own URL, which leaves it out. */
const correctOnOpen = new URLSearchParams(location.search).get("corriger") === "1";
let results: PlaceFeature[] = [];
let total = 0;
let facets: Facets = {};
/** How the server read the text of the last search. */
let interpretation: Interpretation | null = null;
let searchAbort: AbortController | null = null;
/** Completed searches, in `body[data-searches]`: a test waits for the next one. */
let searchesDone = 0;
const openFacetGroups = new Set<string>(["services"]);

const input = byId<HTMLInputElement>("q");
const suggestionList = byId<HTMLUListElement>("suggestions");
const radiusSelect = byId<HTMLSelectElement>("radius");
const sortSelect = byId<HTMLSelectElement>("sort");
const openNowBox = byId<HTMLInputElement>("open-now");
const summary = byId("summary");
const interpretedLine = byId("interpreted");
const errorBox = byId("error");
const cards = byId<HTMLOListElement>("cards");
const table = byId<HTMLTableElement>("table");
const moreButton = byId<HTMLButtonElement>("more");
const details = byId("details");
const detailsBody = byId("details-body");
const csvLink = byId<HTMLAnchorElement>("csv");

const mapView = new MapView(
  byId("map"),
  tileJsonUrl(state),
  {
    onPlaceClick: (id) => select(id, { showDetails: true }),
    onMoveEnd: (zoom, lat, lon) => {
      state.map = { zoom, lat, lon };
      writeUrl();
    },
    onServiceShares: (on) => {
      state.serviceShares = on;
      writeUrl();
      mapView.setFilters(tileParams(state));
    },
  },
  {
    view: state.map ?? undefined,
    basemapStyle: operatorBasemap(),
    basemapArchive: operatorArchive(),
    placesArchive: archive,
    compactAttribution: "when-narrow",
  },
);

mapList({
  map: mapView,
  filters: () => mapFilterParams(state),
  openPlace: (id) => select(id, { showDetails: true }),
});

// ---- the filters on a narrow screen --------------------------------------------------------
// There the results come first and the filters sit behind « Filtres » (style.css shows the
// button and hides the panel below 48rem): a disclosure button, whose panel opens in place
// above the results with the focus on its heading; « Voir les résultats » or Escape closes it,
// and the focus goes to the results or back to the button.

const filtersToggle = byId<HTMLButtonElement>("filters-toggle");
const filtersPanel = byId("filters");

function showFilters(open: boolean): void {
  filtersToggle.setAttribute("aria-expanded", String(open));
  document.body.classList.toggle("filters-open", open);
}

filtersToggle.addEventListener("click", () => {
  const open = filtersToggle.getAttribute("aria-expanded") !== "true";
  showFilters(open);
  if (open) byId("filters-title").focus();
});
byId("filters-done").addEventListener("click", () => {
  showFilters(false);
  byId("results").focus();
});
filtersPanel.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || filtersToggle.getAttribute("aria-expanded") !== "true") return;
  showFilters(false);
  filtersToggle.focus();
});

function writeUrl(): void {
  let query = stateToUrl(state);
  if (tilesParam) query += `${query ? "&" : "?"}tiles=${encodeURIComponent(tilesParam)}`;
  history.replaceState(null, "", `${location.pathname}${query}`);
}

/** Whether a lieux server answers behind the page. */
async function hasServer(): Promise<boolean> {
  try {
    const answer = await fetch("/health", { headers: { Accept: "application/json" } });
    return answer.ok && (answer.headers.get("content-type") ?? "").includes("json");
  } catch {
    return false;
  }
}

/** The page without its server: the map of the archive, and a line saying what is missing. */
function enterServerless(): void {
  serverless = true;
  document.body.dataset.serverless = "true";
  input.disabled = true;
  byId("filters").inert = true;
  summary.textContent =
    "Carte publiée sans serveur : elle montre les lieux de l'archive. La recherche, les filtres, la liste et les fiches des lieux demandent le serveur lieux.";
}

function showError(message: string | null): void {
  errorBox.hidden = !message;
  errorBox.textContent = message ?? "";
}

// ---- search -------------------------------------------------------------------------------

/** Applies a change of state: URL, map filters, then the result set. */
async function update(): Promise<void> {
  writeUrl();
  syncControls();
  mapView.setFilters(tileParams(state));
  mapView.setAround(state.around ? { ...state.around, radiusM: state.radiusM } : null);
  const params = searchParams(state);
  csvLink.href = `/search?${params}&format=csv`;
  await runSearch(params, 0);
}

async function runSearch(params: URLSearchParams, offset: number): Promise<void> {
  if (serverless) return;
  searchAbort?.abort();
  const abort = new AbortController();
  searchAbort = abort;
  document.body.dataset.search = "loading";
  params.set("limit", String(PAGE_SIZE));
  params.set("offset", String(offset));
  try {
    const answer = await api.search(params, abort.signal);
    results = offset ? [...results, ...answer.features] : answer.features;
    total = answer.total;
    facets = answer.facets ?? {};
    interpretation = answer.interpreted ?? null;
    showError(null);
    document.body.dataset.search = "done";
    searchesDone += 1;
    document.body.dataset.searches = String(searchesDone);
  } catch (error) {
    if (abort.signal.aborted) return;
    results = [];
    total = 0;
    interpretation = null;
    renderInterpretation();
    showError(`La recherche n'a pas abouti (${(error as Error).message}). La carte reste utilisable.`);
    document.body.dataset.search = "error";
    summary.textContent = "Recherche indisponible.";
    renderFacets();
    renderCards(cards, results, state.selected, { choose: (id) => select(id, { showDetails: true }), ...selecting });
    renderTableView();
    return;
  }
  renderResults();
}

function describeQuery(): string {
  const parts: string[] = [];
  if (state.q) parts.push(`pour « ${state.q} »`);
  if (state.around) parts.push(`à moins de ${state.radiusM / 1000} km ${of(state.around.label)}`);
  const chosen = chosenFilters();
  if (chosen) parts.push(`avec ${chosen} filtre${chosen > 1 ? "s" : ""}`);
  return parts.length ? ` ${parts.join(", ")}` : "";
}

function renderResults(): void {
  const shown = results.length;
  summary.textContent =
    total === 0
      ? `Aucun lieu trouvé${describeQuery()}.`
      : `${total} lieu${total > 1 ? "x" : ""} trouvé${total > 1 ? "s" : ""}${describeQuery()}` +
        (shown < total ? ` (${shown} affichés dans la liste et le tableau).` : ".");
  moreButton.hidden = shown >= total;
  renderInterpretation();
  renderFacets();
  renderCards(cards, results, state.selected, { choose: (id) => select(id, { showDetails: true }), ...selecting });
  renderTableView();
}

/** The French of a fallback: what was found instead of the search as asked. */
function fallbackText(fallback: NonNullable<Interpretation["fallback"]>, reading: Interpretation): string {
  const radius = reading.location?.radius_m ?? state.radiusM;
  switch (fallback.kind) {
    case "without_radius":
      return `Rien à moins de ${radius / 1000} km : voici les lieux les plus proches, plus loin.`;
    case "without_territory":
      return `Rien dans ce département : voici des lieux ailleurs.`;
    case "closest_service":
      return `Rien pour tous ces mots : voici les lieux qui offrent ${reading.services.join(", ")}.`;
  }
}

/**
 * One line under the summary: how the text was read ("Aide aux démarches administratives,
 * autour de Cholet (10 km)"), the words left out, a fallback, "did you mean", and "modifier",
 * which turns the reading into the page's own filters, each of which the person can change.
 */
function renderInterpretation(): void {
  const reading = interpretation;
  const place = reading?.location && reading.location.applied !== "ignored" ? reading.location : null;
  const read: string[] = [];
  if (reading?.services.length) read.push(reading.services.join(", "));
  if (place?.applied === "focus") read.push(`autour ${of(place.name)} (${(place.radius_m ?? 0) / 1000} km)`);
  if (place?.applied === "filter") read.push(`dans le département ${place.name} (${place.code})`);
  const notes: (Node | string)[] = [];
  if (reading?.dropped.length) notes.push(`Mots ignorés : ${reading.dropped.join(", ")}.`);
  if (reading?.fallback) notes.push(fallbackText(reading.fallback, reading));
  const suggestion = reading?.did_you_mean;
  interpretedLine.replaceChildren();
  interpretedLine.hidden = !read.length && !notes.length && !suggestion;
  if (interpretedLine.hidden || !reading) return;
  if (read.length) {
    const modify = h("button", { type: "button", class: "link", id: "interpreted-modify" }, "modifier");
    modify.addEventListener("click", () => applyInterpretation(reading));
    interpretedLine.append(h("span", { class: "reading" }, `Compris : ${read.join(", ")}`), " — ", modify, " ");
  }
  for (const note of notes) interpretedLine.append(h("span", { class: "note" }, note), " ");
  if (suggestion) {
    const retry = h("button", { type: "button", class: "link", id: "did-you-mean" }, suggestion);
    retry.addEventListener("click", () => {
      state.q = suggestion;
      input.value = suggestion;
      void update();
    });
    interpretedLine.append("Vouliez-vous dire ", retry, " ?");
  }
}

/** Turns the server's reading into the page's filters: services, the place, the other words. */
function applyInterpretation(reading: Interpretation): void {
  if (reading.services.length) {
    state.filters.services = [...new Set([...(state.filters.services ?? []), ...reading.services])];
  }
  const place = reading.location;
  if (place?.applied === "focus" && place.latitude !== null && place.longitude !== null) {
    state.radiusM = place.radius_m ?? state.radiusM;
    state.around = { label: place.name, lat: place.latitude, lon: place.longitude };
    state.sort = "distance";
    mapView.fitAround(place.longitude, place.latitude, state.radiusM);
  } else if (place?.applied === "filter") {
    state.filters.departement = [place.code];
  }
  state.q = reading.words.join(" ");
  input.value = state.q;
  void update();
}

function renderTableView(): void {
  renderTable(table, results, state.selected, state.tableSort, state.around !== null, {
    choose: (id) => select(id, { showDetails: true }),
    ...selecting,
    sortBy: (column) => {
      const descending = state.tableSort?.column === column && !state.tableSort.descending;
      state.tableSort = { column, descending };
      writeUrl();
      renderTableView();
      table.querySelector<HTMLButtonElement>(`button.sort[data-column="${column}"]`)?.focus();
    },
  });
}

// ---- filters ------------------------------------------------------------------------------

function facetLabel(key: string, value: string): string {
  if (key === "fraicheur") return FRESHNESS[value] ?? value;
  return key === "departement" && DEPARTEMENTS[value] ? `${DEPARTEMENTS[value]} (${value})` : value;
}

function renderFacets(): void {
  const container = byId("facets");
  const groups = VOCABULARIES.flatMap(({ key, title }) => {
    const counts = facets[key] ?? {};
    const chosen = state.filters[key] ?? [];
    const names = [...new Set([...Object.keys(counts), ...chosen])].sort(
      (a, b) => (counts[b] ?? 0) - (counts[a] ?? 0) || a.localeCompare(b, "fr"),
    );
    if (!names.length) return [];
    const group = h(
      "details",
      { class: "facet", "data-facet": key, open: openFacetGroups.has(key) || chosen.length > 0 },
      h("summary", {}, title, chosen.length ? h("span", { class: "chosen" }, ` (${chosen.length} choisi${chosen.length > 1 ? "s" : ""})`) : null),
      h(
        "fieldset",
        {},
        h("legend", { class: "visually-hidden" }, title),
        names.map((name) =>
          h(
            "label",
            { class: "check" },
            h("input", { type: "checkbox", name: key, value: name, checked: chosen.includes(name) }),
            ` ${facetLabel(key, name)} `,
            h("span", { class: "count" }, `(${counts[name] ?? 0})`),
          ),
        ),
      ),
    );
    group.addEventListener("toggle", () => {
      if ((group as HTMLDetailsElement).open) openFacetGroups.add(key);
      else openFacetGroups.delete(key);
    });
    return [group];
  });
  container.replaceChildren(...groups);
  for (const box of container.querySelectorAll<HTMLInputElement>("input[type=checkbox]")) {
    box.addEventListener("change", () => {
      const chosen = new Set(state.filters[box.name] ?? []);
      if (box.checked) chosen.add(box.value);
      else chosen.delete(box.value);
      state.filters[box.name] = [...chosen];
      if (!chosen.size) delete state.filters[box.name];
      void update().then(() => {
        // Keep the keyboard where it was: the filters were drawn anew.
        container
          .querySelector<HTMLInputElement>(`input[name="${CSS.escape(box.name)}"][value="${CSS.escape(box.value)}"]`)
          ?.focus();
      });
    });
  }
}

openNowBox.addEventListener("change", () => {
  state.openNow = openNowBox.checked;
  if (state.openNow) state.openAt = null;
  void update();
});

byId("open-at-clear").addEventListener("click", () => {
  state.openAt = null;
  void update();
});

byId("territory-clear").addEventListener("click", () => {
  for (const key of TERRITORY_KEYS) delete state.filters[key];
  state.territory = null;
  void update();
});

byId("clear-filters").addEventListener("click", () => {
  state.filters = {};
  state.territory = null;
  state.openNow = false;
  state.openAt = null;
  void update();
});

// ---- the search box and its suggestions ---------------------------------------------------

let suggestions: Suggestion[] = [];
let activeSuggestion = -1;
let suggestAbort: AbortController | null = null;
let suggestTimer: number | undefined;

function closeSuggestions(): void {
  suggestionList.hidden = true;
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  activeSuggestion = -1;
}

function suggestionKind(s: Suggestion): string {
  switch (s.type) {
    case "place":
      return s.commune ? `Lieu · ${s.commune}` : "Lieu";
    case "commune":
      return `Commune${s.code_postal ? ` · ${s.code_postal}` : ""}${s.count !== undefined ? ` · ${s.count} lieu${s.count > 1 ? "x" : ""}` : ""}`;
    case "epci":
      return `Intercommunalité${s.count !== undefined ? ` · ${s.count} lieu${s.count > 1 ? "x" : ""}` : ""}`;
    case "service":
      return `Service${s.count !== undefined ? ` · ${s.count} lieu${s.count > 1 ? "x" : ""}` : ""}`;
  }
}

function renderSuggestions(): void {
  suggestionList.replaceChildren(
    ...suggestions.map((s, i) =>
      h(
        "li",
        {
          role: "option",
          id: `suggestion-${i}`,
          "aria-selected": i === activeSuggestion ? "true" : "false",
          "data-index": i,
          class: `suggestion ${s.type}`,
        },
        h("span", { class: "label" }, s.label),
        h("span", { class: "kind" }, suggestionKind(s)),
      ),
    ),
  );
  const open = suggestions.length > 0;
  suggestionList.hidden = !open;
  input.setAttribute("aria-expanded", String(open));
  if (activeSuggestion >= 0) input.setAttribute("aria-activedescendant", `suggestion-${activeSuggestion}`);
  else input.removeAttribute("aria-activedescendant");
}

async function fetchSuggestions(text: string): Promise<void> {
  suggestAbort?.abort();
  const abort = new AbortController();
  suggestAbort = abort;
  try {
    suggestions = await api.suggest(text, abort.signal);
  } catch {
    if (abort.signal.aborted) return;
    suggestions = [];
  }
  activeSuggestion = -1;
  if (input.value.trim() === text) renderSuggestions();
}

input.addEventListener("input", () => {
  window.clearTimeout(suggestTimer);
  const text = input.value.trim();
  if (text.length < 2) {
    suggestions = [];
    closeSuggestions();
    return;
  }
  suggestTimer = window.setTimeout(() => void fetchSuggestions(text), 120);
});

input.addEventListener("keydown", (event) => {
  if (suggestionList.hidden || !suggestions.length) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    activeSuggestion = (activeSuggestion + step + suggestions.length + 1) % (suggestions.length + 1);
    if (activeSuggestion === suggestions.length) activeSuggestion = -1;
    renderSuggestions();
  } else if (event.key === "Enter" && activeSuggestion >= 0) {
    event.preventDefault();
    chooseSuggestion(suggestions[activeSuggestion]);
  } else if (event.key === "Escape") {
    event.preventDefault();
    closeSuggestions();
  }
});

input.addEventListener("blur", () => window.setTimeout(closeSuggestions, 150));

suggestionList.addEventListener("mousedown", (event) => {
  const item = (event.target as HTMLElement).closest<HTMLLIElement>("li[data-index]");
  if (!item) return;
  event.preventDefault();
  chooseSuggestion(suggestions[Number(item.dataset.index)]);
});

function chooseSuggestion(s: Suggestion): void {
  closeSuggestions();
  switch (s.type) {
    case "place":
      if (s.coordinates) mapView.flyTo(s.coordinates[0], s.coordinates[1], 14);
      select(s.id, { showDetails: true });
      break;
    case "commune":
      input.value = "";
      state.q = "";
      goAround({ label: s.label, lon: s.coordinates[0], lat: s.coordinates[1] });
      break;
    case "epci": {
      // An intercommunalité is a territory filter: its places, wherever the map looks.
      input.value = "";
      state.q = "";
      state.filters.epci = [s.code];
      state.territory = s.label;
      const [w, south, e, n] = s.bbox;
      mapView.map.fitBounds([w, south, e, n], { padding: 40, maxZoom: 13, duration: 600 });
      void update();
      break;
    }
    case "service":
      input.value = "";
      state.q = "";
      state.filters.services = [...new Set([...(state.filters.services ?? []), s.label])];
      openFacetGroups.add("services");
      void update();
      break;
  }
}

const fold = (text: string) =>
  text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/[-'’\s]+/g, " ").trim();

byId<HTMLFormElement>("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  closeSuggestions();
  // A commune's name recentres rather than searching for the word.
  const commune = suggestions.find((s) => s.type === "commune" && fold(s.label) === fold(text));
  if (commune && commune.type === "commune") {
    chooseSuggestion(commune);
    return;
  }
  state.q = text;
  state.selected = null;
  void update().then(() => {
    if (state.view === "map") mapView.fitToPlaces(results);
  });
});

// ---- around: a commune or the person's position -------------------------------------------

function goAround(around: { label: string; lat: number; lon: number }): void {
  state.around = around;
  state.sort = "distance";
  mapView.fitAround(around.lon, around.lat, state.radiusM);
  void update();
}

byId("near-me").addEventListener("click", () => {
  if (!("geolocation" in navigator)) {
    showError("Votre navigateur ne donne pas votre position : choisissez une commune dans la recherche.");
    return;
  }
  summary.textContent = "Recherche de votre position…";
  navigator.geolocation.getCurrentPosition(
    (position) =>
      goAround({ label: "votre position", lat: position.coords.latitude, lon: position.coords.longitude }),
    (error) => {
      showError(`Votre position n'est pas disponible (${error.message || "refusée"}) : choisissez une commune dans la recherche.`);
      renderResults();
    },
    { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 },
  );
});

radiusSelect.addEventListener("change", () => {
  state.radiusM = Number(radiusSelect.value);
  if (state.around) {
    mapView.fitAround(state.around.lon, state.around.lat, state.radiusM);
    void update();
  } else writeUrl();
});

byId("around-clear").addEventListener("click", () => {
  state.around = null;
  state.sort = "relevance";
  void update();
});

sortSelect.addEventListener("change", () => {
  state.sort = sortSelect.value === "distance" ? "distance" : "relevance";
  void update();
});

// ---- views and selection ------------------------------------------------------------------

function showView(view: View): void {
  state.view = view;
  for (const button of document.querySelectorAll<HTMLButtonElement>(".views button")) {
    button.setAttribute("aria-pressed", String(button.dataset.view === view));
  }
  byId("view-map").hidden = view !== "map";
  byId("view-cards").hidden = view !== "cards";
  byId("view-table").hidden = view !== "table";
  byId("view-selection").hidden = view !== "selection";
  if (view === "selection") void sheet.render(state.selection);
  document.body.dataset.view = view;
  if (view === "map") mapView.map.resize();
  scrollSelectedIntoView();
  writeUrl();
}

for (const button of document.querySelectorAll<HTMLButtonElement>(".views button")) {
  button.addEventListener("click", () => showView(button.dataset.view as View));
}

function scrollSelectedIntoView(): void {
  if (!state.selected) return;
  const selector = state.view === "cards" ? "#cards article" : state.view === "table" ? "#table tbody tr" : null;
  if (!selector) return;
  for (const element of document.querySelectorAll<HTMLElement>(selector)) {
    if (element.dataset.id === state.selected) element.scrollIntoView({ block: "nearest" });
  }
}

/** Marks a place as selected in the three views, and opens its details if asked. */
function select(id: string | null, options: { showDetails: boolean }): void {
  state.selected = id;
  for (const element of document.querySelectorAll<HTMLElement>("#cards article[data-id], #table tbody tr[data-id]")) {
    const selected = element.dataset.id === id;
    element.classList.toggle("selected", selected);
    if (element.tagName === "TR") element.setAttribute("aria-selected", String(selected));
    else if (selected) element.setAttribute("aria-current", "true");
    else element.removeAttribute("aria-current");
  }
  mapView.select(id);
  writeUrl();
  if (id && options.showDetails && !serverless) void openDetails(id);
  if (!id) closeDetails();
}

let detailsAbort: AbortController | null = null;

async function openDetails(id: string, focus = true): Promise<void> {
  detailsAbort?.abort();
  const abort = new AbortController();
  detailsAbort = abort;
  details.hidden = false;
  document.body.classList.add("with-details");
  detailsBody.replaceChildren(h("p", {}, "Chargement de la fiche…"));
  let feature: PlaceFeature | undefined;
  try {
    feature = await api.place(id, abort.signal);
  } catch (error) {
    if (abort.signal.aborted) return;
    feature = results.find((f) => String(f.properties.id ?? f.id) === id);
    if (!feature) {
      detailsBody.replaceChildren(
        h("h2", { id: "details-title", tabindex: "-1" }, "Fiche indisponible"),
        h("p", {}, `Ce lieu n'a pas pu être chargé (${(error as Error).message}).`),
      );
      return;
    }
  }
  const shown = feature;
  renderDetails(detailsBody, shown, {
    showOnMap: () => {
      showView("map");
      const [lon, lat] = shown.geometry.coordinates;
      mapView.flyTo(lon, lat, 14);
    },
    propose: (button) => openContribution({ kind: "update", place: shown, opener: button }),
    reportClosed: (button) => openContribution({ kind: "closed", place: shown, opener: button }),
    ...selecting,
  });
  if (focus) byId("details-title").focus();
}

function closeDetails(): void {
  details.hidden = true;
  document.body.classList.remove("with-details");
}

byId("details-close").addEventListener("click", () => {
  const id = state.selected;
  select(null, { showDetails: false });
  // Back to where the place was chosen (a card, a row, the map's list), for keyboard users.
  const chosen = [...document.querySelectorAll<HTMLElement>(`[data-id="${CSS.escape(id ?? "")}"] button`)];
  chosen.find((button) => button.checkVisibility())?.focus();
});
details.addEventListener("keydown", (event) => {
  if (event.key === "Escape") byId("details-close").click();
});

// ---- the selection for a person, and the guided path ----------------------------------------

const selecting: SelectionCallbacks = {
  inSelection: (id) => state.selection.includes(id),
  toggleSelection: (id) => {
    const removed = state.selection.includes(id);
    state.selection = removed ? state.selection.filter((s) => s !== id) : [...state.selection, id];
    selectionChanged();
    // Said to screen readers: the button's new label alone is not announced.
    const n = state.selection.length;
    byId("selection-status").textContent =
      `${removed ? "Retiré de" : "Ajouté à"} la sélection : ${n} lieu${n > 1 ? "x" : ""} choisi${n > 1 ? "s" : ""}.`;
  },
};

const sheet = selectionView({
  remove: (id) => {
    selecting.toggleSelection(id);
    byId("selection-title").focus();
  },
});

function selectionChanged(): void {
  writeUrl();
  byId("selection-count").textContent = String(state.selection.length);
  syncSelectionButtons(document, selecting.inSelection);
  if (state.view === "selection") void sheet.render(state.selection);
}

const orient = orientation({
  state,
  facets: () => facets,
  total: () => total,
  update,
  writeUrl,
  goAround: (around) => {
    state.around = around;
    state.sort = "distance";
    mapView.fitAround(around.lon, around.lat, state.radiusM);
    return update();
  },
  finish: () => {
    showView("cards");
    byId("results").focus();
  },
});

byId("orient-open").addEventListener("click", () => orient.open("besoin"));

// ---- « Intégrer cette carte » -------------------------------------------------------------

const embedding = embedDialog(state);
byId("embed-open").addEventListener("click", (event) => embedding.open(event.currentTarget as HTMLElement));

// ---- contributions ------------------------------------------------------------------------

byId("add-place").addEventListener("click", (event) => {
  const { lng, lat } = mapView.map.getCenter();
  openContribution({
    kind: "new",
    view: { lon: lng, lat, zoom: mapView.map.getZoom() },
    opener: event.currentTarget as HTMLElement,
  });
});

moreButton.addEventListener("click", () => {
  void runSearch(searchParams(state), results.length);
});

/** The most places one print asks for (the server's page limit). */
const PRINT_LIMIT = 1000;

// Print the whole result set, not only the pages loaded so far.
byId("print").addEventListener("click", async () => {
  if (results.length < Math.min(total, PRINT_LIMIT)) {
    const params = searchParams(state);
    params.set("limit", String(PRINT_LIMIT - results.length));
    params.set("offset", String(results.length));
    try {
      results = [...results, ...(await api.search(params)).features];
      renderResults();
    } catch {
      // Print what is there.
    }
  }
  window.print();
});

// ---- start --------------------------------------------------------------------------------

/** Puts the controls in agreement with the state (after reading the URL or a change). */
/** How many filters are chosen (every value of a vocabulary, and the opening time). */
function chosenFilters(): number {
  return Object.values(state.filters).reduce((n, v) => n + v.length, 0) + (state.openNow || state.openAt ? 1 : 0);
}

function syncControls(): void {
  const chosen = chosenFilters();
  filtersToggle.textContent = chosen ? `Filtres (${chosen} choisi${chosen > 1 ? "s" : ""})` : "Filtres";
  openNowBox.checked = state.openNow;
  byId("open-at-line").hidden = !state.openAt;
  byId("open-at-text").textContent = state.openAt
    ? `Ouvert le ${new Date(state.openAt).toLocaleString("fr-FR", { weekday: "long", day: "numeric", month: "long", hour: "numeric", minute: "2-digit" })}`
    : "";
  const territory = TERRITORY_KEYS.filter((key) => state.filters[key]?.length);
  byId("territory-line").hidden = !territory.length;
  byId("territory-text").textContent = territory.length
    ? `Territoire : ${state.territory ?? territory.map((key) => `${TERRITORY_NAMES[key]} ${state.filters[key].join(", ")}`).join(" ; ")}`
    : "";
  byId("selection-count").textContent = String(state.selection.length);
  radiusSelect.value = String(state.radiusM);
  const distanceOption = sortSelect.querySelector<HTMLOptionElement>('option[value="distance"]');
  if (distanceOption) distanceOption.disabled = !state.around;
  sortSelect.value = state.around ? state.sort : "relevance";
  const aroundBox = byId("around");
  aroundBox.hidden = !state.around;
  byId("around-text").textContent = state.around
    ? `Autour ${of(state.around.label)}, dans un rayon de ${state.radiusM / 1000} km.`
    : "";
}

async function start(): Promise<void> {
  input.value = state.q;
  syncControls();
  showView(state.view);
  // Whether the URL placed the map, read before any wait (the map's first moves write it).
  const placed = Boolean(state.map);
  if (archive && !(await hasServer())) enterServerless();
  if (placed) {
    // The map starts there already.
  } else if (state.around) {
    mapView.fitAround(state.around.lon, state.around.lat, state.radiusM);
  } else {
    try {
      const [w, s, e, n] = archive
        ? await archiveBounds(archive)
        : ((await (await fetch("/tiles.json")).json()).bounds as number[]);
      mapView.map.fitBounds([w, s, e, n], { padding: 30, animate: false });
    } catch {
      // The default view stays.
    }
  }
  if (state.selected) {
    mapView.select(state.selected);
    const details = openDetails(state.selected, false);
    if (correctOnOpen) {
      void details.then(() => document.querySelector<HTMLButtonElement>("#propose-update")?.click());
    }
  }
  if (state.orient) orient.open(state.orient);
  await update();
}

declare global {
  interface Window {
    /** The page's parts, for the end-to-end test and for debugging in the console. */
    lieux: {
      map: MapView["map"];
      mapView: MapView;
      state: () => PageState;
      results: () => PlaceFeature[];
      total: () => number;
      selection: () => string[];
      ready: Promise<void>;
      /** Whether the page draws an archive with no server behind it. */
      serverless: () => boolean;
    };
  }
}

window.lieux = {
  map: mapView.map,
  mapView,
  state: () => state,
  results: () => results,
  total: () => total,
  selection: () => state.selection,
  ready: start(),
  serverless: () => serverless,
};
