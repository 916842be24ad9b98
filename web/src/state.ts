// The page's whole state, and its round trip through the URL.
//
// Everything a person can set (query, filters, place, view, sort, map position, selected
// place) lives in the query string of the page's own URL, so that a link sent by a social
// worker opens the same results. Names are the API's where there is one.

/** The vocabularies the page filters on, in the order shown, with their French titles. */
export const VOCABULARIES: ReadonlyArray<{ key: string; title: string }> = [
  { key: "services", title: "Services" },
  { key: "publics_specifiquement_adresses", title: "Publics accueillis" },
  { key: "prise_en_charge_specifique", title: "Accompagnement spécifique" },
  { key: "frais_a_charge", title: "Frais" },
  { key: "dispositif_programmes_nationaux", title: "Dispositifs nationaux" },
  { key: "modalites_acces", title: "Modalités d'accès" },
  { key: "modalites_accompagnement", title: "Modalités d'accompagnement" },
  { key: "typologie", title: "Type de structure" },
  { key: "departement", title: "Département" },
  { key: "fraicheur", title: "Fraîcheur de la fiche" },
];

/**
 * The territory's filters besides `departement` (a vocabulary above): EPCIs (intercommunalités,
 * by SIREN, which the suggestions offer by name), communes by INSEE code and postal codes, as
 * the API names them. A link or an embed's URL sets them; the page shows them in one line with
 * « Retirer » (its name in `territoire=` when a suggestion set it), and « Effacer tous les
 * filtres » clears them.
 */
export const TERRITORY_KEYS = ["epci", "code_insee", "code_postal"] as const;

/** How the territory line names each territory filter when no suggestion named it. */
export const TERRITORY_NAMES: Record<(typeof TERRITORY_KEYS)[number], string> = {
  epci: "intercommunalité",
  code_insee: "commune",
  code_postal: "code postal",
};

/** Every filter the state keeps, under its API name. */
const FILTER_KEYS = [...VOCABULARIES.map(({ key }) => key), ...TERRITORY_KEYS];

export const RADII_M = [2000, 5000, 10000, 20000] as const;
export const DEFAULT_RADIUS_M = 10000;

export type View = "map" | "cards" | "table" | "selection";

/** The steps of "Orienter une personne", in order, as the URL names them (`orienter=`). */
export const ORIENT_STEPS = ["besoin", "public", "moment", "lieu"] as const;
export type OrientStep = (typeof ORIENT_STEPS)[number];
export type Sort = "relevance" | "distance";

/** A centre for "around": a commune, or the person's position. */
export interface Around {
  label: string;
  lat: number;
  lon: number;
}

export interface MapPosition {
  zoom: number;
  lat: number;
  lon: number;
}

export interface TableSort {
  column: string;
  descending: boolean;
}

export interface PageState {
  q: string;
  filters: Record<string, string[]>;
  openNow: boolean;
  /** Open at a local time of Paris (`2026-12-08T14:00`), as `/search` takes `open_at`. */
  openAt: string | null;
  /** The name of the territory filter chosen from a suggestion (« CU Angers Loire Métropole »). */
  territory: string | null;
  around: Around | null;
  radiusM: number;
  view: View;
  sort: Sort;
  tableSort: TableSort | null;
  map: MapPosition | null;
  selected: string | null;
  /** The places chosen for a person (« Ajouter à la sélection »), in the order chosen. */
  selection: string[];
  /** The step of "Orienter une personne" shown, or `null` when the guided path is closed. */
  orient: OrientStep | null;
  /** Whether the map's groups show the shares of the services their places offer (`groupes=services`). */
  serviceShares: boolean;
}

export function emptyState(): PageState {
  return {
    q: "",
    filters: {},
    openNow: false,
    openAt: null,
    territory: null,
    around: null,
    radiusM: DEFAULT_RADIUS_M,
    view: "map",
    sort: "relevance",
    tableSort: null,
    map: null,
    selected: null,
    selection: [],
    orient: null,
    serviceShares: false,
  };
}

/** A local date and time as `/search` reads `open_at` (and an `<input type=datetime-local>` gives). */
const OPEN_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

/** The page's link to a selection of places: it opens the selection and its sheet. */
export function selectionUrl(base: string, ids: readonly string[]): string {
  const params = new URLSearchParams({ selection: ids.join("|"), view: "selection" });
  return `${base}?${params}`;
}

function number(text: string | null): number | null {
  if (text === null || text.trim() === "") return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** Reads the state from a page URL's query string; what is missing or wrong is left default. */
export function stateFromUrl(search: string): PageState {
  const params = new URLSearchParams(search);
  const state = emptyState();
  state.q = params.get("q") ?? "";
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value) state.filters[key] = value.split("|").filter(Boolean);
  }
  state.openNow = params.get("open_now") === "true";
  const openAt = params.get("open_at");
  if (!state.openNow && openAt && OPEN_AT.test(openAt)) state.openAt = openAt;
  if (TERRITORY_KEYS.some((key) => state.filters[key]?.length)) state.territory = params.get("territoire") || null;
  const lat = number(params.get("lat"));
  const lon = number(params.get("lon"));
  if (lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
    state.around = { label: params.get("autour") ?? "ce point", lat, lon };
  }
  const radius = number(params.get("radius"));
  if (radius !== null && (RADII_M as readonly number[]).includes(radius)) state.radiusM = radius;
  const view = params.get("view");
  if (view === "map" || view === "cards" || view === "table" || view === "selection") state.view = view;
  if (params.get("sort") === "distance") state.sort = "distance";
  const tableSort = params.get("tri");
  if (tableSort) {
    const descending = tableSort.startsWith("-");
    state.tableSort = { column: tableSort.replace(/^-/, ""), descending };
  }
  const map = params.get("carte")?.split("/").map(Number);
  if (map && map.length === 3 && map.every(Number.isFinite)) {
    state.map = { zoom: map[0], lat: map[1], lon: map[2] };
  }
  state.selected = params.get("lieu") || null;
  state.selection = [...new Set((params.get("selection") ?? "").split("|").filter(Boolean))];
  const step = params.get("orienter");
  state.orient = (ORIENT_STEPS as readonly string[]).includes(step ?? "") ? (step as OrientStep) : null;
  state.serviceShares = params.get("groupes") === "services";
  return state;
}

/** The page URL's query string for `state` (defaults left out, so links stay short). */
export function stateToUrl(state: PageState): string {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  for (const [key, values] of Object.entries(state.filters)) {
    if (values.length) params.set(key, values.join("|"));
  }
  if (state.openNow) params.set("open_now", "true");
  else if (state.openAt) params.set("open_at", state.openAt);
  if (state.territory && TERRITORY_KEYS.some((key) => state.filters[key]?.length)) {
    params.set("territoire", state.territory);
  }
  if (state.around) {
    params.set("autour", state.around.label);
    params.set("lat", state.around.lat.toFixed(5));
    params.set("lon", state.around.lon.toFixed(5));
    params.set("radius", String(state.radiusM));
  }
  if (state.view !== "map") params.set("view", state.view);
  if (state.sort !== "relevance") params.set("sort", state.sort);
  if (state.tableSort) {
    params.set("tri", `${state.tableSort.descending ? "-" : ""}${state.tableSort.column}`);
  }
  if (state.map) {
    const { zoom, lat, lon } = state.map;
    params.set("carte", `${zoom.toFixed(2)}/${lat.toFixed(5)}/${lon.toFixed(5)}`);
  }
  if (state.selected) params.set("lieu", state.selected);
  if (state.selection.length) params.set("selection", state.selection.join("|"));
  if (state.orient) params.set("orienter", state.orient);
  if (state.serviceShares) params.set("groupes", "services");
  const text = params.toString();
  return text ? `?${text}` : "";
}

/**
 * The filters, text query and opening filter, as the tile and cluster routes take them: « Ouvert
 * maintenant » filters the map's tiles as it filters the list.
 */
export function mapFilterParams(state: PageState): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const values = state.filters[key];
    if (values?.length) params.set(key, values.join("|"));
  }
  if (state.q.trim()) params.set("q", state.q.trim());
  if (state.openNow) params.set("open_now", "true");
  else if (state.openAt) params.set("open_at", state.openAt);
  return params;
}

/**
 * What the tiles take: the map's filters, and `cluster_counts=services` when the groups show
 * the shares of the services (the other map routes, a group's places, take no such parameter).
 */
export function tileParams(state: PageState): URLSearchParams {
  const params = mapFilterParams(state);
  if (state.serviceShares) params.set("cluster_counts", "services");
  return params;
}

/** The TileJSON of the tiles for `state`'s filters, on the server of the page. */
export function tileJsonUrl(state: PageState): string {
  const query = tileParams(state).toString();
  return `${location.origin}/tiles.json${query ? `?${query}` : ""}`;
}

/** The `/search` parameters of `state` (without paging or format). */
export function searchParams(state: PageState): URLSearchParams {
  const params = mapFilterParams(state);
  if (state.around) {
    params.set("lat", String(state.around.lat));
    params.set("lon", String(state.around.lon));
    params.set("radius", String(state.radiusM));
  }
  params.set("sort", state.sort === "distance" && state.around ? "distance" : "relevance");
  return params;
}
