// The moderation routes of the lieux API, as the moderation page uses them.
//
// Every call carries the admin token in an `Authorization: Bearer` header, never in a URL (a
// URL ends up in logs, histories and referrers). The token lives in the tab's
// `sessionStorage` only: it is forgotten when the tab closes, and no other tab sees it.

import { ApiError, requestJson } from "./api";

const TOKEN_KEY = "lieux-admin-token";

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage refused (a private mode): the token lives in this page until it is left.
  }
  current = token;
}

let current: string | null = storedToken();

export type Status = "pending" | "accepted" | "rejected" | "reverted";
export type Kind = "new" | "update" | "closed";
export type Fields = Record<string, string>;

/** One entry of the log: a submission or a decision. */
export interface LogEvent {
  seq: number;
  contribution: number;
  at: string;
  action: "submitted" | "accepted" | "rejected" | "reverted";
  actor: string;
  place_id: string;
  before?: Fields;
  after?: Fields;
  reason?: string;
}

export interface Contribution {
  id: number;
  submitted_at: string;
  status: Status;
  submission: {
    kind: Kind;
    place_id: string;
    fields: Fields;
    before: Fields;
    message?: string;
    contact?: { name?: string; email?: string };
    warnings: string[];
    flags: string[];
  };
  decisions: LogEvent[];
}

/** A contribution of the queue, with each field it touches now and proposed. */
export interface Queued extends Contribution {
  diff: Record<string, { current: string; proposed: string }>;
  place: { nom: string; coordinates: [number, number] } | null;
}

export interface History {
  place_id: string;
  current: { source: string; date_maj: string } | null;
  events: LogEvent[];
}

export interface Decided {
  contribution: Contribution;
  /** Whether the map shows the decision already. */
  live: boolean;
}

function authorization(): Record<string, string> {
  if (!current) throw new ApiError(401, "unauthorized", "no token");
  return { Authorization: `Bearer ${current}` };
}

function get<T>(path: string): Promise<T> {
  return requestJson<T>(path, { headers: authorization() });
}

function post<T>(path: string, body: unknown): Promise<T> {
  return requestJson<T>(path, {
    method: "POST",
    headers: { ...authorization(), "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

export async function queue(status: Status, placeId: string): Promise<Queued[]> {
  const params = new URLSearchParams({ status, limit: "200" });
  if (placeId) params.set("place_id", placeId);
  return (await get<{ contributions: Queued[] }>(`/admin/contributions?${params}`)).contributions;
}

export function history(placeId: string): Promise<History> {
  return get(`/admin/places/${encodeURIComponent(placeId)}/history`);
}

/** Accepts, with the moderator's corrected values when there are some. */
export function accept(id: number, fields?: Record<string, string | string[]>): Promise<Decided> {
  return post(`/admin/contributions/${id}/accept`, fields ? { fields } : {});
}

/** A field an accepted change set that a later import changed too: the import's value is on
 * the map, the change's waits for a moderator. */
export interface Conflict {
  contribution: number;
  place_id: string;
  field: string;
  /** The value when the contribution was made. */
  before: string;
  /** The value of the import now. */
  base: string;
  /** The value the contribution set. */
  proposed: string;
}

export interface Conflicts {
  /** The accepted changes the map is built with. */
  changes: number;
  conflicts: Conflict[];
  /** Accepted changes of places the import no longer has. */
  orphans: { contribution: number; place_id: string }[];
}

export function conflicts(): Promise<Conflicts> {
  return get("/admin/conflicts");
}

export function reject(id: number, reason: string): Promise<Decided> {
  return post(`/admin/contributions/${id}/reject`, { reason });
}

export function revert(id: number, reason: string): Promise<Decided> {
  return post(`/admin/contributions/${id}/revert`, { reason });
}
