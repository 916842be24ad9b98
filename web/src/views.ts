// The three renderings of one result set beside the map: cards, table and a place's details.
// Each takes data and callbacks and returns nothing but DOM: the state lives in main.ts.

import type { PlaceFeature, PlaceProperties } from "./api";
import { h } from "./dom";
import {
  address,
  distance,
  freshnessWarning,
  list,
  noticeTexts,
  openNow,
  openNowText,
  phone,
  safeUrl,
  updatedText,
} from "./format";
import { frenchWeek } from "./hours";

export interface ViewCallbacks extends SelectionCallbacks {
  /** A place was chosen (click, Enter): select it and show its details. */
  choose(id: string): void;
}

/** The embed's cards: a place is chosen on the map, and its link opens it on the full page in a
 * new tab, instead of the selection (the embed has none). */
export interface EmbedCardCallbacks {
  choose(id: string): void;
  /** The URL of the place on the full page. */
  fullPage(id: string): string;
}

/** The selection of places for a person: whether a place is in it, and adding or taking out. */
export interface SelectionCallbacks {
  inSelection(id: string): boolean;
  toggleSelection(id: string): void;
}

/** « Ajouter à la sélection » or « Retirer de la sélection » for one place (its name said to
 * screen readers, as every card and row has one). */
function selectionButton(id: string, name: string, callbacks: SelectionCallbacks): HTMLButtonElement {
  const button = h("button", { type: "button", class: "secondary add-selection", "data-selection-id": id, "data-name": name });
  setSelectionButton(button, callbacks.inSelection(id));
  button.addEventListener("click", () => callbacks.toggleSelection(id));
  return button;
}

function setSelectionButton(button: HTMLButtonElement, chosen: boolean): void {
  button.classList.toggle("chosen", chosen);
  button.replaceChildren(
    chosen ? "Retirer de la sélection" : "Ajouter à la sélection",
    h("span", { class: "visually-hidden" }, ` : ${button.dataset.name ?? ""}`),
  );
}

/** Puts every selection button under `root` in agreement with the selection. */
export function syncSelectionButtons(root: ParentNode, inSelection: (id: string) => boolean): void {
  for (const button of root.querySelectorAll<HTMLButtonElement>("button.add-selection")) {
    setSelectionButton(button, inSelection(button.dataset.selectionId ?? ""));
  }
}

/** « Voir la fiche complète », on the full page in a new tab (the place's name said to screen
 * readers, as every card has one). */
function fullPageLink(href: string, name: string): HTMLAnchorElement {
  return h(
    "a",
    { href, target: "_blank", rel: "noopener", class: "full-page" },
    "Voir la fiche complète",
    h("span", { class: "visually-hidden" }, ` : ${name} (nouvel onglet)`),
  );
}

function openBadge(p: PlaceProperties): HTMLElement | null {
  const open = openNow(p);
  if (open === null) return null;
  return h("span", { class: open ? "badge open" : "badge closed" }, openNowText(open));
}

/** A place's temporary closures and notices, as a note that screen readers read with it. */
function notices(p: PlaceProperties): HTMLElement | null {
  const texts = noticeTexts(p);
  if (!texts.length) return null;
  return h(
    "ul",
    { class: "notices", role: "note", "aria-label": "Avis" },
    texts.map(({ closure, inForce, text }) =>
      h("li", { class: closure && inForce ? "notice closure" : "notice" }, text),
    ),
  );
}

function tags(values: string[], max: number): HTMLElement | null {
  if (!values.length) return null;
  const shown = values.slice(0, max);
  const more = values.length - shown.length;
  return h(
    "ul",
    { class: "tags" },
    shown.map((v) => h("li", {}, v)),
    more > 0 ? h("li", { class: "more" }, `+ ${more} autre${more > 1 ? "s" : ""}`) : null,
  );
}

export function renderCards(
  container: HTMLElement,
  features: PlaceFeature[],
  selected: string | null,
  callbacks: ViewCallbacks | EmbedCardCallbacks,
): void {
  container.replaceChildren(
    ...features.map((feature) => {
      const p = feature.properties;
      const id = String(p.id ?? feature.id);
      const isSelected = id === selected;
      return h(
        "li",
        {},
        h(
          "article",
          {
            class: isSelected ? "card selected" : "card",
            "data-id": id,
            "aria-current": isSelected ? "true" : undefined,
          },
          h("h3", {}, h("button", { type: "button", class: "card-title", "data-id": id }, p.nom)),
          h("p", { class: "card-address" }, address(p)),
          notices(p),
          h(
            "p",
            { class: "card-meta" },
            p.distance_m !== undefined ? h("span", { class: "distance" }, `à ${distance(p.distance_m)}`) : null,
            openBadge(p),
            list(p.frais_a_charge).length ? h("span", { class: "fees" }, list(p.frais_a_charge).join(", ")) : null,
          ),
          tags(list(p.services), 4),
          updatedText(p) ? h("p", { class: "card-updated" }, updatedText(p)) : null,
          freshnessWarning(p) ? h("p", { class: "stale" }, freshnessWarning(p)) : null,
          h(
            "p",
            { class: "card-actions" },
            "fullPage" in callbacks ? fullPageLink(callbacks.fullPage(id), p.nom) : selectionButton(id, p.nom, callbacks),
          ),
        ),
      );
    }),
  );
  for (const button of container.querySelectorAll<HTMLButtonElement>("button.card-title")) {
    button.addEventListener("click", () => callbacks.choose(button.dataset.id ?? ""));
  }
}

/** Table columns: a title and the value a column sorts on. */
export const COLUMNS: ReadonlyArray<{
  key: string;
  title: string;
  value(p: PlaceProperties): string | number | null;
  numeric?: boolean;
}> = [
  { key: "nom", title: "Nom", value: (p) => p.nom ?? "" },
  { key: "commune", title: "Commune", value: (p) => p.commune ?? "" },
  { key: "code_postal", title: "Code postal", value: (p) => p.code_postal ?? "" },
  { key: "distance", title: "Distance", value: (p) => p.distance_m ?? null, numeric: true },
  {
    key: "ouvert",
    title: "Ouvert maintenant",
    value: (p) => {
      const open = openNow(p);
      return open === null ? null : open ? "oui" : "non";
    },
  },
  { key: "services", title: "Services", value: (p) => list(p.services).join(", ") },
  { key: "frais", title: "Frais", value: (p) => list(p.frais_a_charge).join(", ") },
  { key: "telephone", title: "Téléphone", value: (p) => (p.telephone ? phone(p.telephone) : "") },
];

const collator = new Intl.Collator("fr", { sensitivity: "base", numeric: true });

/** Sorts a copy of `features` on a column; empty values always last. */
export function sortFeatures(features: PlaceFeature[], column: string, descending: boolean): PlaceFeature[] {
  const spec = COLUMNS.find((c) => c.key === column);
  if (!spec) return features;
  const sign = descending ? -1 : 1;
  return [...features].sort((a, b) => {
    const x = spec.value(a.properties);
    const y = spec.value(b.properties);
    const xEmpty = x === null || x === "";
    const yEmpty = y === null || y === "";
    if (xEmpty || yEmpty) return xEmpty === yEmpty ? 0 : xEmpty ? 1 : -1;
    if (typeof x === "number" && typeof y === "number") return sign * (x - y);
    return sign * collator.compare(String(x), String(y));
  });
}

export function renderTable(
  table: HTMLTableElement,
  features: PlaceFeature[],
  selected: string | null,
  sort: { column: string; descending: boolean } | null,
  withDistance: boolean,
  callbacks: ViewCallbacks & { sortBy(column: string): void },
): void {
  const columns = COLUMNS.filter((c) => withDistance || c.key !== "distance");
  const rows = sort ? sortFeatures(features, sort.column, sort.descending) : features;
  const head = h(
    "thead",
    {},
    h(
      "tr",
      {},
      columns.map((c) => {
        const sorted = sort?.column === c.key;
        const direction = sorted ? (sort.descending ? "descending" : "ascending") : undefined;
        return h(
          "th",
          { scope: "col", "aria-sort": direction ?? "none", "data-column": c.key },
          h(
            "button",
            { type: "button", class: "sort", "data-column": c.key },
            c.title,
            h("span", { class: "sort-mark", "aria-hidden": "true" }, sorted ? (sort.descending ? " ▼" : " ▲") : " ↕"),
          ),
        );
      }),
      h("th", { scope: "col" }, "Sélection"),
    ),
  );
  const body = h(
    "tbody",
    {},
    rows.map((feature) => {
      const p = feature.properties;
      const id = String(p.id ?? feature.id);
      const isSelected = id === selected;
      return h(
        "tr",
        { "data-id": id, class: isSelected ? "selected" : undefined, "aria-selected": isSelected ? "true" : "false" },
        columns.map((c, i) => {
          if (c.key === "services") return h("td", { class: "services" }, tags(list(p.services), 3));
          const value = c.key === "distance" ? distance(p.distance_m) : c.value(p);
          const text = value === null ? "—" : String(value);
          if (i === 0) {
            return h("th", { scope: "row" }, h("button", { type: "button", class: "link", "data-id": id }, text));
          }
          return h("td", { class: c.numeric ? "number" : undefined }, text);
        }),
        h("td", {}, selectionButton(id, p.nom, callbacks)),
      );
    }),
  );
  const caption = table.querySelector("caption");
  table.replaceChildren(...(caption ? [caption] : []), head, body);
  for (const button of head.querySelectorAll<HTMLButtonElement>("button.sort")) {
    button.addEventListener("click", () => callbacks.sortBy(button.dataset.column ?? ""));
  }
  for (const button of body.querySelectorAll<HTMLButtonElement>("th button.link")) {
    button.addEventListener("click", () => callbacks.choose(button.dataset.id ?? ""));
  }
  for (const row of body.querySelectorAll<HTMLTableRowElement>("tr")) {
    row.addEventListener("click", (event) => {
      if (!(event.target as Element).closest("button")) callbacks.choose(row.dataset.id ?? "");
    });
  }
}

function section(title: string, content: Node | null): HTMLElement | null {
  if (!content) return null;
  return h("section", {}, h("h3", {}, title), content);
}

function valueList(field: unknown): HTMLElement | null {
  const items = list(field);
  return items.length ? h("ul", {}, items.map((v) => h("li", {}, v))) : null;
}

function link(href: string | null, text: string, external = true): HTMLElement | null {
  if (!href) return null;
  return h("a", external ? { href, rel: "noopener noreferrer", target: "_blank" } : { href }, text);
}

/** What a person can do from a place's details. */
export interface DetailsActions extends SelectionCallbacks {
  showOnMap(): void;
  /** "Proposer une modification": the contribution form, filled in with the place. */
  propose(button: HTMLElement): void;
  /** "Signaler une fermeture". */
  reportClosed(button: HTMLElement): void;
}

/**
 * The details of one place: everything a person needs to go there or call, when it was last
 * updated, and the two ways to say that something changed.
 */
export function renderDetails(container: HTMLElement, feature: PlaceFeature, actions: DetailsActions): void {
  const p = feature.properties;
  const open = openNow(p);
  const week = p.horaires ? frenchWeek(p.horaires) : null;
  const hours = p.horaires
    ? week
      ? h(
          "table",
          { class: "hours" },
          h("caption", { class: "visually-hidden" }, "Horaires d'ouverture"),
          h("tbody", {}, week.map(({ day, hours }) => h("tr", {}, h("th", { scope: "row" }, day), h("td", {}, hours)))),
        )
      : h("p", {}, p.horaires)
    : h("p", {}, "Horaires non renseignés.");
  const emails = list(p.courriels);
  const sites = list(p.site_web);
  const contact = h(
    "ul",
    { class: "contact" },
    p.telephone ? h("li", {}, "Téléphone : ", link(`tel:${p.telephone.replace(/\s+/g, "")}`, phone(p.telephone), false)) : null,
    emails.map((e) => h("li", {}, "Courriel : ", link(`mailto:${e}`, e, false))),
    sites.map((s) => h("li", {}, "Site web : ", link(safeUrl(s), s))),
    p.prise_rdv && safeUrl(p.prise_rdv)
      ? h("li", {}, link(safeUrl(p.prise_rdv), "Prendre rendez-vous en ligne"))
      : null,
  );
  const updated = updatedText(p);
  const parts: (HTMLElement | null)[] = [
    h("h2", { id: "details-title", tabindex: "-1" }, p.nom),
    list(p.typologie).length ? h("p", { class: "typologie" }, list(p.typologie).join(", ")) : null,
    h("p", { class: "details-address" }, address(p)),
    p.distance_m !== undefined ? h("p", {}, `À ${distance(p.distance_m)}`) : null,
    h("p", { class: open === null ? "status" : open ? "status open" : "status closed" }, openNowText(open)),
    notices(p),
    updated ? h("p", { class: "updated" }, updated) : null,
    freshnessWarning(p) ? h("p", { class: "stale" }, freshnessWarning(p)) : null,
    p.presentation_resume ? h("p", { class: "resume" }, p.presentation_resume) : null,
    section("Horaires", hours),
    section("Contact", contact.children.length ? contact : null),
    section("Services", valueList(p.services)),
    section("Publics accueillis", valueList(p.publics_specifiquement_adresses)),
    section("Accompagnement spécifique", valueList(p.prise_en_charge_specifique)),
    section("Frais", valueList(p.frais_a_charge)),
    section("Modalités d'accès", valueList(p.modalites_acces)),
    section("Modalités d'accompagnement", valueList(p.modalites_accompagnement)),
    section("Dispositifs nationaux", valueList(p.dispositif_programmes_nationaux)),
    p.presentation_detail ? section("Présentation", h("p", {}, p.presentation_detail)) : null,
    h("p", { class: "source" }, `Source : ${list(p.source).join(", ") || "non précisée"}`),
    h(
      "p",
      { class: "details-actions" },
      h("button", { type: "button", class: "secondary", id: "show-on-map" }, "Voir sur la carte"),
      " ",
      selectionButton(String(p.id ?? feature.id), p.nom, actions),
    ),
    h(
      "section",
      { class: "contribute-actions", "aria-labelledby": "contribute-actions-title" },
      h("h3", { id: "contribute-actions-title" }, "Une information a changé ?"),
      h(
        "p",
        {},
        h("button", { type: "button", class: "secondary", id: "propose-update" }, "Proposer une modification"),
        " ",
        h("button", { type: "button", class: "secondary", id: "report-closed" }, "Signaler une fermeture"),
      ),
    ),
  ];
  container.replaceChildren(...parts.filter((part): part is HTMLElement => part !== null));
  container.querySelector("#show-on-map")?.addEventListener("click", actions.showOnMap);
  const propose = container.querySelector<HTMLElement>("#propose-update");
  propose?.addEventListener("click", () => actions.propose(propose));
  const closed = container.querySelector<HTMLElement>("#report-closed");
  closed?.addEventListener("click", () => actions.reportClosed(closed));
}
