// The lieux HTTP API as the page uses it: typed answers and one function per route.
// Every request goes to the server that served the page (relative URLs), so the page never
// talks to another host.

/** A place as `/search`, `/places/{id}` and `/nearest` give it (schema v1.0.2 names). */
export interface PlaceProperties {
  id: string;
  nom: string;
  adresse?: string;
  complement_adresse?: string;
  commune?: string;
  code_postal?: string;
  code_insee?: string;
  telephone?: string;
  courriels?: string | string[];
  site_web?: string | string[];
  horaires?: string;
  prise_rdv?: string;
  presentation_resume?: string;
  presentation_detail?: string;
  services?: string[];
  publics_specifiquement_adresses?: string[];
  prise_en_charge_specifique?: string[];
  frais_a_charge?: string[];
  dispositif_programmes_nationaux?: string[];
  modalites_acces?: string[];
  modalites_accompagnement?: string[];
  typologie?: string[];
  source?: string;
  structure_parente?: string;
  date_maj?: string;
  score?: number;
  distance_m?: number;
  open_now?: boolean;
  /** Temporary closures and notices not yet past (an extension beside the schema's fields). */
  avis?: Notice[];
  [field: string]: unknown;
}

/** A temporary closure (`fermeture`) or a notice (`avis`) of a place, its days included. */
export interface Notice {
  type: "fermeture" | "avis";
  debut: string;
  fin: string;
  message: string;
}

export interface PlaceFeature {
  type: "Feature";
  id: string | number;
  geometry: { type: "Point"; coordinates: [number, number] };
  properties: PlaceProperties;
}

/** Counts per value, per vocabulary. */
export type Facets = Record<string, Record<string, number>>;

/** How the server read the text of a search (`interpreted`). */
export interface Interpretation {
  services: string[];
  needs: { expression: string; services: string[] }[];
  location: {
    kind: "commune" | "former_commune" | "postal_code" | "departement";
    typed: string;
    name: string;
    code: string;
    departement: string;
    longitude: number | null;
    latitude: number | null;
    radius_m: number | null;
    applied: "focus" | "filter" | "ignored";
    homonyms?: { code_insee: string; departement: string }[];
    chosen_because?: string;
  } | null;
  words: string[];
  dropped: string[];
  did_you_mean: string | null;
  fallback: { kind: "without_radius" | "without_territory" | "closest_service"; message: string } | null;
}

export interface SearchAnswer {
  type: "FeatureCollection";
  features: PlaceFeature[];
  total: number;
  facets?: Facets;
  took_ms?: number;
  interpreted?: Interpretation;
}

export type Suggestion =
  | { type: "place"; label: string; id: string; commune?: string; coordinates?: [number, number] }
  | {
      type: "commune";
      label: string;
      code_postal?: string;
      departement?: string;
      count?: number;
      coordinates: [number, number];
    }
  | {
      type: "epci";
      label: string;
      code: string;
      count?: number;
      coordinates: [number, number];
      bbox: [number, number, number, number];
    }
  | { type: "service"; label: string; count?: number };

/** An API error, with the server's `{"error", "message"}` when it gave one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For a refused contribution (422): what is wrong with each field, by field name. */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The longest wait a 429's `Retry-After` is waited for before the request is tried again. */
const MAX_RETRY_WAIT_S = 15;
/** How many times a 429 is tried again. */
const MAX_RETRIES = 6;

/**
 * A request to the server, its JSON answer typed `T`. A 429 (the server's rate limit on
 * writes, which the moderation page's reads count in too) is tried again after the
 * `Retry-After` it gives, when that is short, a few times: the server did nothing with the
 * refused request, so sending it again is safe.
 */
export async function requestJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set("Accept", "application/json");
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(path, { ...init, headers });
    if (response.status === 429 && attempt < MAX_RETRIES) {
      const wait = Number(response.headers.get("Retry-After") ?? "1");
      if (Number.isFinite(wait) && wait <= MAX_RETRY_WAIT_S) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(wait, 0.2) * 1000));
        if (init.signal?.aborted) throw new DOMException("aborted", "AbortError");
        continue;
      }
    }
    if (!response.ok) {
      let code = "http_error";
      let message = `${response.status} ${response.statusText}`;
      let fields: Record<string, string> = {};
      try {
        const body = await response.json();
        code = body.error ?? code;
        message = body.message ?? message;
        if (body.fields && typeof body.fields === "object") fields = body.fields;
      } catch {
        // Not JSON: keep the status line.
      }
      throw new ApiError(response.status, code, message, fields);
    }
    return (await response.json()) as T;
  }
}

export function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return requestJson<T>(path, { signal });
}

/** A POST of a JSON body, with optional extra headers (the admin token). */
export function postJson<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  return requestJson<T>(path, {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export function search(params: URLSearchParams, signal?: AbortSignal): Promise<SearchAnswer> {
  return getJson(`/search?${params}`, signal);
}

export async function suggest(q: string, signal?: AbortSignal): Promise<Suggestion[]> {
  const params = new URLSearchParams({ q, limit: "8" });
  const answer = await getJson<{ suggestions: Suggestion[] }>(`/suggest?${params}`, signal);
  return answer.suggestions;
}

export function place(id: string, signal?: AbortSignal): Promise<PlaceFeature> {
  return getJson(`/places/${encodeURIComponent(id)}`, signal);
}

/** Up to `limit` places of a cluster (their tile properties: `id`, `nom`, `commune`…), with the
 * current filters (the cluster ids of a map are those of its filters). */
export async function clusterLeaves(
  id: number,
  filters: URLSearchParams,
  limit: number,
): Promise<{ id: string; nom: string; commune: string; lon: number; lat: number }[]> {
  const params = new URLSearchParams(filters);
  params.set("limit", String(limit));
  const answer = await getJson<{ features: { geometry: { coordinates: [number, number] }; properties: Record<string, unknown> }[] }>(
    `/clusters/${id}/leaves?${params}`,
  );
  return answer.features.map((f) => ({
    id: String(f.properties.id),
    nom: String(f.properties.nom ?? ""),
    commune: String(f.properties.commune ?? ""),
    lon: f.geometry.coordinates[0],
    lat: f.geometry.coordinates[1],
  }));
}

/** A vocabulary field as a list, whether the server sent an array or `|`-joined text. */
export function values(field: unknown): string[] {
  if (Array.isArray(field)) return field.map(String).filter(Boolean);
  if (typeof field === "string" && field) return field.split("|").map((v) => v.trim()).filter(Boolean);
  return [];
}

// ---- contributions --------------------------------------------------------------------------

export type ContributionKind = "new" | "update" | "closed";

/** What `POST /contributions` takes as JSON (the form's fields, read by the page). */
export interface ContributionBody {
  kind: ContributionKind;
  place_id?: string;
  fields: Record<string, string | number | string[]>;
  message?: string;
  contact?: { name?: string; email?: string };
  /** The honeypot: always empty from a person. */
  website: string;
}

/** The answer of a contribution kept (202). */
export interface Submitted {
  id: number;
  status: string;
  key: string;
  follow_url: string;
  warnings: string[];
  flags: string[];
}

/** Sends a contribution; a refusal is an `ApiError` whose `fields` say what is wrong. */
export function submitContribution(body: ContributionBody): Promise<Submitted> {
  return postJson("/contributions", body);
}
