// The moderation page (`/admin/`): the queue of contributions, and for the one chosen what it
// changes (field, value on the map now, value proposed), where the place is and would be, its
// place's history, and the decisions: accept, correct then accept, reject with a reason, and
// revert an accepted change.
//
// Everything a contributor wrote (names, messages, values, even the place's own fields) is
// shown as text: this page is where a hostile contribution is read by someone with the
// power to publish it, so it never goes through HTML. The token is asked once per tab and
// kept in `sessionStorage` (admin-api.ts); a 401 forgets it and asks again.

import "./style.css";
import * as admin from "./admin-api";
import type { Contribution, LogEvent, Queued, Status } from "./admin-api";
import { ApiError } from "./api";
import { byId, h } from "./dom";
import { byFormOrder, fieldLabel, frenchFlag, frenchReason, frenchWarning, loadVocabularies, MULTI_VALUED, type Vocabularies } from "./fields";
import { frenchDate } from "./format";
import { frenchWeek } from "./hours";
import { PinMap } from "./pinmap";

const loginForm = byId<HTMLFormElement>("login");
const tokenInput = byId<HTMLInputElement>("token");
const workspace = byId("workspace");
const statusLine = byId("admin-status");
const errorLine = byId("admin-error");
const statusFilter = byId<HTMLSelectElement>("status-filter");
const placeFilter = byId<HTMLInputElement>("place-filter");
const queueList = byId<HTMLUListElement>("queue");
const queueSummary = byId("queue-summary");
const selected = byId("selected");
const conflictsSection = byId("conflicts");
const conflictsBody = byId<HTMLTableSectionElement>("conflicts-body");
const orphansLine = byId("orphans");

let contributions: Queued[] = [];
let chosen: number | null = null;
let selectedMap: PinMap | null = null;
let vocabularies: Vocabularies = {};

const KINDS: Record<string, string> = { new: "Nouveau lieu", update: "Modification", closed: "Fermeture signalée" };
const STATUSES: Record<string, string> = { pending: "en attente", accepted: "acceptée", rejected: "refusée", reverted: "annulée" };
const ACTIONS: Record<string, string> = { submitted: "Proposée", accepted: "Acceptée", rejected: "Refusée", reverted: "Annulée" };

function say(message: string): void {
  statusLine.textContent = message;
}

function showError(message: string | null): void {
  errorLine.hidden = !message;
  errorLine.textContent = message ?? "";
}

/** `2026-12-04T21:26:35Z` → `4 décembre 2026 à 22:26` (Paris time, where the places are). */
function when(at: string): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return at;
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Paris",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  for (const part of format.formatToParts(date)) parts[part.type] = part.value;
  const day = frenchDate(`${parts.year}-${parts.month}-${parts.day}`) ?? at;
  return `${day} à ${parts.hour}:${parts.minute}`;
}

/** The place's name as the queue shows it: on the map now, or as proposed for a new one. */
function placeName(c: Queued): string {
  return c.place?.nom ?? c.submission.fields.nom ?? c.submission.place_id;
}

// ---- the token -------------------------------------------------------------------------------

function askToken(message: string | null): void {
  admin.storeToken(null);
  destroyMap();
  workspace.hidden = true;
  loginForm.hidden = false;
  showError(message);
  tokenInput.value = "";
  if (message) tokenInput.setAttribute("aria-invalid", "true");
  else tokenInput.removeAttribute("aria-invalid");
  tokenInput.focus();
  document.body.dataset.admin = "login";
}

loginForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  if (!token) {
    askToken("Saisissez le jeton d'administration.");
    return;
  }
  admin.storeToken(token);
  showError(null);
  void enter();
});

byId("logout").addEventListener("click", () => {
  askToken(null);
  say("Vous êtes déconnecté : le jeton est oublié.");
});

/** What a failed call means for the moderator; a 401 asks for the token again. */
function failed(error: unknown, what: string): void {
  if (error instanceof ApiError && error.status === 401) {
    askToken("Ce jeton n'a pas été accepté par le serveur (401) : saisissez-le à nouveau.");
    return;
  }
  if (error instanceof ApiError && error.status === 429) {
    showError(`${what} : trop de demandes en peu de temps (le serveur limite les écritures). Réessayez dans un moment.`);
    return;
  }
  showError(`${what} : ${error instanceof Error ? error.message : String(error)}`);
}

async function enter(): Promise<void> {
  loginForm.hidden = true;
  workspace.hidden = false;
  document.body.dataset.admin = "in";
  vocabularies = await loadVocabularies().catch(() => ({}));
  void loadConflicts();
  const ok = await loadQueue({ focus: true });
  if (ok) say(`Connecté. ${queueSummary.textContent ?? ""}`);
}

// ---- the queue -------------------------------------------------------------------------------

let queueRequests = 0;

async function loadQueue(options: { focus?: boolean; keep?: number | null } = {}): Promise<boolean> {
  const request = ++queueRequests;
  document.body.dataset.queue = "loading";
  try {
    const list = await admin.queue(statusFilter.value as Status, placeFilter.value.trim());
    if (request !== queueRequests) return false;
    contributions = list;
  } catch (error) {
    if (request !== queueRequests) return false;
    document.body.dataset.queue = "error";
    if (error instanceof ApiError && error.status === 404 && error.code === "not_found") {
      showError("La modération n'est pas ouverte sur ce serveur : il a été démarré sans jeton d'administration.");
      return false;
    }
    failed(error, "La file n'a pas pu être chargée");
    return false;
  }
  showError(null);
  renderQueue();
  const keep = options.keep !== undefined ? options.keep : chosen;
  const next = contributions.find((c) => c.id === keep) ?? contributions[0];
  if (next) void choose(next.id, { focus: false });
  else renderNothing();
  document.body.dataset.queue = "loaded";
  if (options.focus) queueList.querySelector<HTMLButtonElement>("button[aria-current='true']")?.focus();
  return true;
}

function renderQueue(): void {
  const status = STATUSES[statusFilter.value] ?? statusFilter.value;
  const n = contributions.length;
  // "en attente" stays as it is; "acceptée" takes the plural.
  const plural = n > 1 && status !== STATUSES.pending ? `${status}s` : status;
  queueSummary.textContent = n ? `${n} contribution${n > 1 ? "s" : ""} ${plural}.` : `Aucune contribution ${status}.`;
  queueList.replaceChildren(
    ...contributions.map((c) =>
      h(
        "li",
        {},
        h(
          "button",
          { type: "button", class: "queue-item", "data-id": c.id, "aria-current": c.id === chosen ? "true" : undefined },
          h("span", { class: "queue-kind" }, `n° ${c.id} · ${KINDS[c.submission.kind] ?? c.submission.kind}`),
          h("span", { class: "queue-name" }, placeName(c)),
          h("span", { class: "queue-date" }, when(c.submitted_at)),
        ),
      ),
    ),
  );
  for (const button of queueList.querySelectorAll<HTMLButtonElement>("button.queue-item")) {
    button.addEventListener("click", () => void choose(Number(button.dataset.id), { focus: true }));
  }
}

statusFilter.addEventListener("change", () => void loadQueue({ keep: null }));
placeFilter.addEventListener("change", () => void loadQueue({ keep: null }));
byId("refresh").addEventListener("click", () => {
  void loadQueue();
  void loadConflicts();
});

// ---- conflicts with the last import ------------------------------------------------------------

/** Lists the accepted changes that the import contradicts since; hidden when there is none. */
async function loadConflicts(): Promise<void> {
  let found: admin.Conflicts;
  try {
    found = await admin.conflicts();
  } catch (error) {
    failed(error, "Les conflits n'ont pas pu être chargés");
    return;
  }
  conflictsBody.replaceChildren(
    ...found.conflicts.map((c) =>
      h(
        "tr",
        { "data-contribution": c.contribution, "data-field": c.field },
        h("td", {}, h("button", { type: "button", class: "link", "data-id": c.contribution, "data-place": c.place_id }, `n° ${c.contribution}`)),
        h("td", {}, c.place_id),
        h("td", {}, fieldLabel(c.field)),
        h("td", { class: "before" }, valueView(c.field, c.before)),
        h("td", { class: "base" }, valueView(c.field, c.base)),
        h("td", { class: "proposed" }, valueView(c.field, c.proposed)),
      ),
    ),
  );
  for (const button of conflictsBody.querySelectorAll<HTMLButtonElement>("button[data-id]")) {
    button.addEventListener("click", () => {
      statusFilter.value = "accepted";
      placeFilter.value = button.dataset.place ?? "";
      void loadQueue({ keep: Number(button.dataset.id), focus: true });
    });
  }
  const orphans = found.orphans;
  orphansLine.hidden = orphans.length === 0;
  orphansLine.textContent = orphans.length
    ? `Contributions acceptées sur des lieux que l'importation n'a plus : ${orphans.map((o) => `n° ${o.contribution} (${o.place_id})`).join(", ")}.`
    : "";
  conflictsSection.hidden = found.conflicts.length === 0 && orphans.length === 0;
  document.body.dataset.conflicts = String(found.conflicts.length);
}

function renderNothing(): void {
  chosen = null;
  destroyMap();
  selected.replaceChildren(
    h("h2", { id: "selected-title", tabindex: "-1" }, "Aucune contribution choisie"),
    h("p", { class: "hint" }, contributions.length ? "Choisissez une contribution dans la file." : "La file est vide."),
  );
}

function destroyMap(): void {
  selectedMap?.remove();
  selectedMap = null;
}

// ---- one contribution ----------------------------------------------------------------------

/** A field's value as text: lists one per line, hours also in words, empty said so. */
function valueView(name: string, value: string | undefined): HTMLElement {
  if (value === undefined || value === "") return h("span", { class: "empty" }, "(vide)");
  if (MULTI_VALUED.has(name)) {
    const items = value.split("|").filter(Boolean);
    return h("ul", { class: "values" }, items.map((v) => h("li", {}, v)));
  }
  if (name === "horaires") {
    const week = frenchWeek(value);
    return h(
      "div",
      {},
      h("code", {}, value),
      week ? h("ul", { class: "values hours-words" }, week.map(({ day, hours }) => h("li", {}, `${day} : ${hours}`))) : null,
    );
  }
  return h("span", { class: "text" }, value);
}

/** The rows of the diff: every field the contribution touches, in the form's order. */
function diffTable(c: Queued, editing: boolean): HTMLTableElement {
  const pending = c.status === "pending";
  const names = byFormOrder(Object.keys(c.diff));
  const head = pending
    ? ["Champ", "Valeur actuelle", editing ? "Valeur corrigée" : "Valeur proposée"]
    : ["Champ", "Avant la proposition", "Valeur proposée", "Sur la carte maintenant"];
  return h(
    "table",
    { class: "diff", id: "diff" },
    h("caption", {}, pending ? "Ce que la contribution change" : "Ce que la contribution changeait"),
    h("thead", {}, h("tr", {}, head.map((title) => h("th", { scope: "col" }, title)))),
    h(
      "tbody",
      {},
      names.map((name) => {
        const { current, proposed } = c.diff[name];
        const before = c.submission.kind === "new" ? "" : (c.submission.before[name] ?? "");
        const cells = pending
          ? [
              h("td", { class: "current" }, valueView(name, current)),
              h("td", { class: "proposed" }, editing ? editor(name, proposed) : valueView(name, proposed)),
            ]
          : [
              h("td", { class: "current" }, valueView(name, before)),
              h("td", { class: "proposed" }, valueView(name, proposed)),
              h("td", { class: "now" }, valueView(name, current)),
            ];
        return h(
          "tr",
          { "data-field": name, class: current !== proposed ? "changed" : undefined },
          h("th", { scope: "row" }, fieldLabel(name), h("span", { class: "field-name" }, ` (${name})`)),
          cells,
        );
      }),
    ),
  );
}

/** An input for correcting one proposed value. */
function editor(name: string, proposed: string): HTMLElement {
  const id = `fix-${name}`;
  const label = h("label", { for: id, class: "visually-hidden" }, `${fieldLabel(name)} : valeur corrigée`);
  const offered = vocabularies[name];
  if (offered && MULTI_VALUED.has(name)) {
    const chosenValues = proposed.split("|").filter(Boolean);
    const all = [...new Set([...offered, ...chosenValues])];
    return h(
      "fieldset",
      { class: "choices fix", id, "data-fix": name },
      h("legend", { class: "visually-hidden" }, `${fieldLabel(name)} : valeurs corrigées`),
      all.map((value, i) =>
        h(
          "label",
          { class: "check", for: `${id}-${i}` },
          h("input", { type: "checkbox", id: `${id}-${i}`, value, checked: chosenValues.includes(value) }),
          ` ${value}`,
        ),
      ),
    );
  }
  const long = proposed.length > 80 || ["presentation_resume", "presentation_detail"].includes(name);
  const input = long
    ? h("textarea", { id, rows: 4, "data-fix": name, spellcheck: "false" })
    : h("input", { id, "data-fix": name, autocomplete: "off", spellcheck: "false" });
  input.value = proposed;
  if (MULTI_VALUED.has(name)) {
    input.setAttribute("aria-describedby", `${id}-hint`);
    return h("div", { class: "fix" }, label, input, h("p", { class: "hint", id: `${id}-hint` }, "Plusieurs valeurs : séparez-les par « | »."));
  }
  return h("div", { class: "fix" }, label, input);
}

/** The corrected values: every field of the contribution, as the moderator left it. */
function corrections(): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  for (const element of selected.querySelectorAll<HTMLElement>("[data-fix]")) {
    const name = element.dataset.fix!;
    if (element instanceof HTMLFieldSetElement) {
      fields[name] = [...element.querySelectorAll<HTMLInputElement>("input:checked")].map((b) => b.value);
    } else {
      fields[name] = (element as HTMLInputElement | HTMLTextAreaElement).value.trim();
    }
  }
  return fields;
}

async function choose(id: number, options: { focus: boolean; editing?: boolean }): Promise<void> {
  const c = contributions.find((x) => x.id === id);
  if (!c) return;
  chosen = id;
  for (const button of queueList.querySelectorAll<HTMLButtonElement>("button.queue-item")) {
    if (Number(button.dataset.id) === id) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
  }
  renderContribution(c, options.editing ?? false);
  if (options.focus) byId("selected-title").focus();
  await renderHistory(c);
}

function renderContribution(c: Queued, editing: boolean): void {
  destroyMap();
  const s = c.submission;
  const contact = [s.contact?.name, s.contact?.email].filter(Boolean).join(" — ");
  const moved = "latitude" in c.diff || "longitude" in c.diff;
  const mapBox = h("div", { class: "admin-map", id: "admin-map" });
  const parts: (HTMLElement | null)[] = [
    h("h2", { id: "selected-title", tabindex: "-1" }, `Contribution n° ${c.id} : ${KINDS[s.kind]?.toLowerCase() ?? s.kind}`),
    h("p", { class: "meta" }, `Proposée le ${when(c.submitted_at)} · ${STATUSES[c.status] ?? c.status}`),
    h(
      "p",
      { class: "place-line" },
      "Lieu : ",
      h("strong", { class: "place-name" }, placeName(c)),
      ` (${s.place_id}) `,
      c.place ? h("a", { href: `/?lieu=${encodeURIComponent(s.place_id)}`, target: "_blank", rel: "noopener noreferrer" }, "voir sur la carte publique") : null,
    ),
    h(
      "dl",
      { class: "who" },
      h("dt", {}, "Contributeur"),
      h("dd", { class: "contact" }, contact || "anonyme"),
      h("dt", {}, "Message"),
      h("dd", { class: "message" }, s.message || "(aucun message)"),
    ),
    s.flags.length ? h("div", { class: "note flags" }, h("strong", {}, "À vérifier : "), h("ul", {}, s.flags.map((f) => h("li", {}, frenchFlag(f))))) : null,
    s.warnings.length ? h("div", { class: "warnings" }, h("strong", {}, "Ajusté à la lecture : "), h("ul", {}, s.warnings.map((w) => h("li", {}, frenchWarning(w))))) : null,
    s.kind === "closed"
      ? h("p", { class: "closure" }, "Cette contribution signale que le lieu a fermé : l'accepter le retire de la carte.")
      : diffTable(c, editing),
    h("p", { class: "field-error", id: "decision-error", hidden: true }),
    decisionBar(c, editing),
    h("section", { class: "map-section", "aria-labelledby": "map-title" },
      h("h3", { id: "map-title" }, "Position"),
      mapBox,
      h("p", { class: "hint map-legend" },
        h("span", { class: "legend current" }, "●"), " position actuelle",
        moved || s.kind === "new" ? [" · ", h("span", { class: "legend proposed" }, "●"), s.kind === "new" ? " position proposée" : " position proposée (déplacée)"] : "",
      ),
    ),
    c.decisions.length
      ? h("section", { class: "decisions" }, h("h3", {}, "Décisions"), h("ul", {}, c.decisions.map((d) => h("li", {}, eventLine(d)))))
      : null,
    h("section", { class: "history", id: "history", "aria-labelledby": "history-title" },
      h("h3", { id: "history-title" }, "Historique du lieu"),
      h("p", { class: "hint" }, "Chargement…")),
  ];
  selected.replaceChildren(...parts.filter((part): part is HTMLElement => part !== null));
  selected.dataset.id = String(c.id);
  selectedMap = positionMap(mapBox, c, editing);
}

/** The map of the place: its current position, and the proposed one when it moves. */
function positionMap(container: HTMLElement, c: Queued, editing: boolean): PinMap | null {
  const proposed = (name: "latitude" | "longitude") => {
    const value = Number(c.diff[name]?.proposed ?? c.submission.fields[name]);
    return Number.isFinite(value) && c.diff[name]?.proposed !== "" ? value : null;
  };
  const current = c.place?.coordinates ?? null;
  const lat = proposed("latitude") ?? current?.[1] ?? null;
  const lon = proposed("longitude") ?? current?.[0] ?? null;
  const moves = lat !== null && lon !== null && (!current || current[0] !== lon || current[1] !== lat);
  const center = (moves ? [lon, lat] : current) as [number, number] | null;
  if (!center) {
    container.replaceWith(h("p", { class: "hint" }, "Ce lieu n'a pas de position connue."));
    return null;
  }
  const latInput = selected.querySelector<HTMLInputElement>("#fix-latitude");
  const lonInput = selected.querySelector<HTMLInputElement>("#fix-longitude");
  const draggable = editing && moves && latInput && lonInput;
  const map = new PinMap(container, {
    center,
    zoom: 15,
    label: "Position proposée : déplacez-la pour la corriger",
    onMove: draggable
      ? (x, y) => {
          latInput.value = String(y);
          lonInput.value = String(x);
        }
      : undefined,
  });
  if (current) map.addMarker(current[0], current[1], "current", "Position actuelle du lieu");
  if (moves && !draggable) map.addMarker(lon!, lat!, "proposed", "Position proposée");
  map.map.once("load", () => map.fitMarkers());
  return map;
}

/**
 * Who: the server says `anonymous` for a contributor without a name and `moderator` for a
 * decision without one. Only there: a contributor who calls themselves "moderator" stays so.
 */
function actor(e: LogEvent): string {
  if (e.action === "submitted") return e.actor === "anonymous" ? "anonyme" : e.actor;
  return e.actor === "moderator" ? "l'équipe de modération" : e.actor;
}

/** A list value of the log (`a|b`) as it reads: `a, b`. */
function logValue(name: string, value: string | undefined): string {
  if (!value) return "(vide)";
  return MULTI_VALUED.has(name) ? value.split("|").join(", ") : value;
}

function eventLine(e: LogEvent): (string | HTMLElement)[] {
  return [
    h("strong", {}, `${ACTIONS[e.action] ?? e.action}`),
    ` le ${when(e.at)} par `,
    h("span", { class: "actor" }, actor(e)),
    e.reason ? [" — raison : ", h("span", { class: "reason" }, e.reason)] : "",
  ].flat();
}

// ---- decisions -------------------------------------------------------------------------------

function decisionBar(c: Queued, editing: boolean): HTMLElement {
  const bar = h("div", { class: "decision", role: "group", "aria-label": "Décision" });
  const button = (label: string, cls: string, action: () => void) => {
    const b = h("button", { type: "button", class: cls }, label);
    b.addEventListener("click", action);
    return b;
  };
  if (c.status === "pending" && editing) {
    bar.append(
      button("Accepter avec ces corrections", "primary", () => void decide(c, "accept", { fields: corrections() })),
      button("Abandonner la correction", "secondary", () => void choose(c.id, { focus: true })),
    );
  } else if (c.status === "pending") {
    bar.append(
      button("Accepter", "primary", () => void decide(c, "accept", {})),
      c.submission.kind === "closed"
        ? ""
        : button("Corriger puis accepter", "secondary", () => {
            void choose(c.id, { focus: false, editing: true }).then(() =>
              selected.querySelector<HTMLElement>("[data-fix] input, input[data-fix], textarea[data-fix]")?.focus(),
            );
          }),
      button("Refuser", "secondary danger", () => reasonForm(bar, c, "reject")),
    );
  } else if (c.status === "accepted") {
    bar.append(button("Annuler ce changement", "secondary danger", () => reasonForm(bar, c, "revert")));
  } else {
    bar.append(h("p", { class: "hint" }, `Cette contribution est ${STATUSES[c.status] ?? c.status} : il n'y a plus rien à décider.`));
  }
  return bar;
}

/** The reason of a rejection or a revert, asked in place of the buttons. */
function reasonForm(bar: HTMLElement, c: Queued, action: "reject" | "revert"): void {
  const textarea = h("textarea", { id: "reason", rows: 3, maxlength: 2000, "aria-describedby": "reason-hint" });
  const error = h("p", { class: "field-error", id: "reason-error", hidden: true });
  const form = h(
    "form",
    { class: "reason-form", novalidate: true },
    h("label", { for: "reason" }, action === "reject" ? "Raison du refus" : "Raison de l'annulation", h("span", { class: "required" }, " (obligatoire)")),
    h("p", { class: "hint", id: "reason-hint" }, action === "reject" ? "Elle est montrée à la personne qui a proposé." : "Elle reste dans l'historique du lieu."),
    error,
    textarea,
    h(
      "p",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, action === "reject" ? "Confirmer le refus" : "Confirmer l'annulation"),
      " ",
      h("button", { type: "button", class: "secondary", id: "reason-cancel" }, "Ne pas " + (action === "reject" ? "refuser" : "annuler")),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = textarea.value.trim();
    if (!reason) {
      error.hidden = false;
      error.textContent = "Dites pourquoi, en quelques mots.";
      textarea.setAttribute("aria-invalid", "true");
      textarea.setAttribute("aria-describedby", "reason-error reason-hint");
      textarea.focus();
      return;
    }
    void decide(c, action, { reason });
  });
  form.querySelector("#reason-cancel")!.addEventListener("click", () => void choose(c.id, { focus: true }));
  bar.replaceChildren(form);
  textarea.focus();
}

async function decide(
  c: Queued,
  action: "accept" | "reject" | "revert",
  options: { fields?: Record<string, string | string[]>; reason?: string },
): Promise<void> {
  const buttons = [...selected.querySelectorAll<HTMLButtonElement>(".decision button")];
  for (const b of buttons) b.disabled = true;
  document.body.dataset.decision = "sending";
  say("Décision en cours d'envoi…");
  let answer: admin.Decided;
  try {
    answer =
      action === "accept"
        ? await admin.accept(c.id, options.fields)
        : action === "reject"
          ? await admin.reject(c.id, options.reason ?? "")
          : await admin.revert(c.id, options.reason ?? "");
  } catch (error) {
    for (const b of buttons) b.disabled = false;
    document.body.dataset.decision = "error";
    say("");
    if (error instanceof ApiError && error.status === 422) {
      showCorrectionErrors(error.fields);
      return;
    }
    if (error instanceof ApiError && error.status === 409) {
      showError(`La contribution n° ${c.id} a déjà été traitée (${error.message}) : la file est actualisée.`);
      await loadQueue();
      return;
    }
    failed(error, "La décision n'a pas été enregistrée");
    return;
  }
  const done = answer.contribution as Contribution;
  const verb = { accept: "acceptée", reject: "refusée", revert: "annulée" }[action];
  const map = action === "reject" ? "" : answer.live ? " La carte est à jour." : " La carte sera à jour à la fin de la reconstruction en cours.";
  showError(null);
  say(`Contribution n° ${done.id} ${verb}.${map}`);
  document.body.dataset.decision = "done";
  document.body.dataset.decided = String(done.id);
  // The next one of the queue (this one has left it when the queue shows pending ones).
  const index = contributions.findIndex((x) => x.id === c.id);
  const next = contributions.filter((x) => x.id !== c.id)[Math.max(0, index)]?.id ?? null;
  await loadQueue({ keep: statusFilter.value === "pending" ? next : c.id });
  void loadConflicts();
  (queueList.querySelector<HTMLButtonElement>("button[aria-current='true']") ?? byId("queue-title")).focus();
}

/** The server's refusal of corrected values, next to each. */
function showCorrectionErrors(errors: Record<string, string>): void {
  for (const old of selected.querySelectorAll(".fix-error")) old.remove();
  let first: HTMLElement | null = null;
  const general: string[] = [];
  for (const [name, reason] of Object.entries(errors)) {
    const target = selected.querySelector<HTMLElement>(`[data-fix="${CSS.escape(name)}"]`);
    const text = `${fieldLabel(name)} : ${frenchReason(reason)}`;
    if (!target) {
      general.push(text);
      continue;
    }
    const id = `fix-${name}-error`;
    target.before(h("p", { class: "field-error fix-error", id }, text));
    const input = target instanceof HTMLFieldSetElement ? target.querySelector<HTMLElement>("input") : target;
    target.setAttribute("aria-invalid", "true");
    target.setAttribute("aria-describedby", [id, target.getAttribute("aria-describedby")].filter(Boolean).join(" "));
    first ??= input;
  }
  const box = byId("decision-error");
  box.hidden = !general.length && !first;
  box.textContent = general.length ? general.join(" ") : "Des valeurs corrigées ne sont pas valides : voyez les messages dans le tableau.";
  (first ?? box).focus();
}

// ---- history ---------------------------------------------------------------------------------

async function renderHistory(c: Queued): Promise<void> {
  document.body.dataset.history = "loading";
  let answer: admin.History;
  try {
    answer = await admin.history(c.submission.place_id);
  } catch (error) {
    if (chosen !== c.id) return;
    const box = selected.querySelector("#history");
    box?.replaceChildren(h("h3", { id: "history-title" }, "Historique du lieu"), h("p", { class: "error" }, "L'historique n'a pas pu être chargé."));
    document.body.dataset.history = "error";
    if (error instanceof ApiError && error.status === 401) failed(error, "");
    return;
  }
  if (chosen !== c.id) return;
  const box = selected.querySelector("#history");
  if (!box) return;
  const origin = answer.current;
  box.replaceChildren(
    h("h3", { id: "history-title" }, "Historique du lieu"),
    origin
      ? h("p", { class: "origin" }, `Sur la carte : source ${origin.source.split("|").join(", ")}, mis à jour le ${frenchDate(origin.date_maj) ?? origin.date_maj}.`)
      : h("p", { class: "origin" }, "Ce lieu n'est pas sur la carte."),
    answer.events.length
      ? h(
          "ol",
          { class: "events" },
          answer.events.map((e) =>
            h(
              "li",
              { "data-contribution": e.contribution },
              h("p", {}, eventLine(e), ` (contribution n° ${e.contribution})`),
              changes(e),
            ),
          ),
        )
      : h("p", { class: "hint" }, "Aucune contribution sur ce lieu."),
  );
  document.body.dataset.history = "loaded";
}

/** What an event changed: each field, before → after. */
function changes(e: LogEvent): HTMLElement | null {
  const names = byFormOrder(new Set([...Object.keys(e.before ?? {}), ...Object.keys(e.after ?? {})]));
  if (!names.length) return null;
  return h(
    "ul",
    { class: "changes" },
    names.map((name) =>
      h(
        "li",
        {},
        h("span", { class: "field" }, `${fieldLabel(name)} : `),
        e.before && name in e.before ? [h("span", { class: "before" }, logValue(name, e.before[name])), " → "] : "",
        h("span", { class: "after" }, logValue(name, e.after?.[name])),
      ),
    ),
  );
}

// ---- start -----------------------------------------------------------------------------------

declare global {
  interface Window {
    lieuxAdmin?: { contributions: () => Queued[] };
  }
}
window.lieuxAdmin = { contributions: () => contributions };

if (admin.storedToken()) void enter();
else askToken(null);
