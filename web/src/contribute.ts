// The contribution form: a new place, a correction of a place, or its closure.
//
// It opens as a modal `<dialog>` (the browser keeps the keyboard inside it and closes it on
// Escape; the focus goes back to the button that opened it). The form is a real
// `<form method="post" action="/contributions">` whose inputs carry the schema's field names,
// as the server reads a form; with JavaScript, the page sends JSON instead, and only the
// fields that changed for a correction, so that a moderator reads exactly what was changed.
//
// The hours are asked day by day (closed, or one or two intervals) and the page writes the
// OSM string (hours.ts); the string itself stays visible and editable under "Format
// OpenStreetMap", and is what a form without JavaScript sends. The position is a draggable
// pin on a small map, with the two coordinates as fields beside it. The server reads the
// proposal with the importer's rules: what it refuses comes back by field (422) and is shown
// next to that field, with the focus moved to the first one.

import { ApiError, submitContribution, values } from "./api";
import type { ContributionBody, ContributionKind, PlaceFeature, Submitted } from "./api";
import { communes } from "./basemap";
import { h } from "./dom";
import { fieldLabel, fieldSpec, FIELDS, frenchReason, frenchWarning, loadVocabularies, type FieldSpec, type Vocabularies } from "./fields";
import { address, phone } from "./format";
import { canonicalHours, checkDay, parseOpeningHours, parseTime, toOpeningHours, WEEKDAYS, osmTime, type Interval } from "./hours";
import { PinMap, roundCoordinate } from "./pinmap";

export interface ContributeOptions {
  kind: ContributionKind;
  /** The place, for a correction or a closure. */
  place?: PlaceFeature;
  /** Where the page's map looks: a new place's map starts there. */
  view?: { lon: number; lat: number; zoom: number };
  /** Where the focus goes back when the dialog closes. */
  opener?: HTMLElement | null;
}

/** One field of the form: what it holds now, what it held at the start, where its errors go. */
interface Control {
  name: string;
  /** The value as JSON sends it; `null` when the field is left empty on a new place. */
  read(): string | number | string[] | null;
  /** The value written one way, to tell whether it changed. */
  key(): string;
  initialKey: string;
  /** The element that gets the focus for an error. */
  focus(): HTMLElement;
  /** The element after which the error message is put. */
  anchor: HTMLElement;
  /** The elements the error describes (`aria-invalid`, `aria-describedby`). */
  described: HTMLElement[];
}

const REQUIRED_FOR_NEW = new Set(["nom", "adresse", "code_postal", "commune"]);

/** The fields a contributor fills in; the others (codes, SIRET) are the sources' business. */
const ASKED = new Set(
  FIELDS.map((f) => f.name).filter((name) => !["code_insee", "pivot", "latitude", "longitude"].includes(name)),
);

const TITLES: Record<ContributionKind, string> = {
  new: "Référencer un lieu",
  update: "Proposer une modification",
  closed: "Signaler une fermeture",
};

let open: { dialog: HTMLDialogElement; close(): void } | null = null;

function text(value: unknown): string {
  return typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
}

const squash = (s: string) => s.trim().replace(/\s+/g, " ");

/** Splits a list typed in one field (`a@b.fr, c@d.fr`). */
function splitList(s: string): string[] {
  return s.split(/[,;\s]+/).map((v) => v.trim()).filter(Boolean);
}

/** Adds `id` to an element's `aria-describedby`, or takes it out. */
function describe(element: HTMLElement, id: string, on: boolean): void {
  const ids = new Set((element.getAttribute("aria-describedby") ?? "").split(/\s+/).filter(Boolean));
  if (on) ids.add(id);
  else ids.delete(id);
  if (ids.size) element.setAttribute("aria-describedby", [...ids].join(" "));
  else element.removeAttribute("aria-describedby");
}

/** Opens the form (closing one that is open). */
export function openContribution(options: ContributeOptions): void {
  open?.close();
  const dialog = h("dialog", { class: "contribute", "aria-labelledby": "contribute-title" });
  document.body.append(dialog);
  let cleanup = () => {};
  const close = () => {
    if (dialog.open) dialog.close();
  };
  dialog.addEventListener("close", () => {
    cleanup();
    dialog.remove();
    if (open?.dialog === dialog) open = null;
    document.body.dataset.contribution = "closed";
    options.opener?.focus();
  });
  open = { dialog, close };
  dialog.append(h("p", { class: "loading" }, "Chargement du formulaire…"));
  dialog.showModal();
  document.body.dataset.contribution = "loading";
  void loadVocabularies()
    .catch(() => ({}) as Vocabularies)
    .then((vocabularies) => {
      if (!dialog.isConnected) return;
      cleanup = buildForm(dialog, options, vocabularies, close);
      document.body.dataset.contribution = "open";
    });
}

function buildForm(
  dialog: HTMLDialogElement,
  options: ContributeOptions,
  vocabularies: Vocabularies,
  close: () => void,
): () => void {
  const { kind, place } = options;
  const p = place?.properties;
  const controls: Control[] = [];
  const fieldErrors = new Map<string, HTMLElement>();
  /** Checks the days of the hours before sending; the first field to fix, or `null`. */
  let hoursCheck: () => HTMLElement | null = () => null;

  const title = h("h2", { id: "contribute-title", tabindex: "-1" }, TITLES[kind]);
  const closeButton = h("button", { type: "button", class: "close", "aria-label": "Fermer le formulaire" }, "×");
  closeButton.addEventListener("click", close);
  const intro =
    kind === "new"
      ? "Un lieu où l'on aide avec le numérique manque à la carte ? Décrivez-le : l'équipe de modération le relira avant de l'ajouter."
      : kind === "update"
        ? "Corrigez ce qui a changé : seuls les champs modifiés sont envoyés, et l'équipe de modération les relira avant de les publier."
        : "Ce lieu a fermé ? Dites-le nous : l'équipe de modération vérifiera avant de le retirer de la carte.";
  const summary = h("div", { class: "error-summary", id: "contribute-errors", tabindex: "-1", role: "alert", hidden: true });

  const form = h(
    "form",
    {
      method: "post",
      action: "/contributions",
      "accept-charset": "utf-8",
      novalidate: true,
      id: "contribute-form",
      class: `contribute-form kind-${kind}`,
    },
    h("input", { type: "hidden", name: "kind", value: kind }),
    p ? h("input", { type: "hidden", name: "place_id", value: p.id }) : null,
  );

  // ---- the fields -----------------------------------------------------------------------

  function fieldBlock(spec: FieldSpec, input: HTMLInputElement | HTMLTextAreaElement, required: boolean): HTMLElement {
    const hintId = spec.hint ? `${input.id}-hint` : undefined;
    if (hintId) describe(input, hintId, true);
    if (required) input.setAttribute("aria-required", "true");
    return h(
      "div",
      { class: "field", "data-field": spec.name },
      h("label", { for: input.id }, spec.label, required ? h("span", { class: "required" }, " (obligatoire)") : null),
      spec.hint ? h("p", { class: "hint", id: hintId }, spec.hint) : null,
      input,
    );
  }

  function textControl(spec: FieldSpec): HTMLElement {
    const id = `c-${spec.name}`;
    const initial = p ? initialText(spec, p) : "";
    const multiline = spec.kind === "textarea";
    const input = multiline
      ? h("textarea", { id, name: spec.name, rows: spec.name === "presentation_resume" ? 3 : 5 })
      : h("input", {
          id,
          name: spec.name,
          type: spec.kind === "tel" ? "tel" : "text",
          inputmode: spec.kind === "tel" ? "tel" : spec.kind === "postal" ? "numeric" : spec.kind === "emails" ? "email" : spec.kind.startsWith("url") ? "url" : undefined,
          autocomplete: "off",
          spellcheck: spec.kind === "text" ? undefined : "false",
          maxlength: spec.kind === "postal" ? 5 : undefined,
        });
    input.value = initial;
    const block = fieldBlock(spec, input, kind === "new" && REQUIRED_FOR_NEW.has(spec.name));
    const list = spec.kind === "emails" || spec.kind === "urls";
    controls.push({
      name: spec.name,
      read: () => {
        const value = input.value.trim();
        if (list) return splitList(value);
        return value;
      },
      key: () => (list ? splitList(input.value).join("|") : squash(input.value)),
      initialKey: list ? splitList(initial).join("|") : squash(initial),
      focus: () => input,
      anchor: block.querySelector("label")!,
      described: [input],
    });
    return block;
  }

  /**
   * A field of a temporary closure or a notice: an extension beside the schema's fields, empty
   * on the form (the server shows those in force with the place), sent only when filled in.
   */
  function extensionControl(name: string, label: string, type: "date" | "text" | "textarea", hint?: string): HTMLElement {
    const id = `c-${name}`;
    const input =
      type === "textarea"
        ? h("textarea", { id, name, rows: 2, maxlength: 500 })
        : h("input", { id, name, type, autocomplete: "off", maxlength: type === "text" ? 500 : undefined });
    const block = fieldBlock({ name, label, kind: "text", hint }, input, false);
    controls.push({
      name,
      read: () => input.value.trim(),
      key: () => squash(input.value),
      initialKey: "",
      focus: () => input,
      anchor: block.querySelector("label")!,
      described: [input],
    });
    return block;
  }

  function vocabularyControl(spec: FieldSpec): HTMLElement | null {
    const chosen = p ? values(p[spec.name]) : [];
    const offered = [...new Set([...(vocabularies[spec.name] ?? []), ...chosen])];
    if (!offered.length) return null;
    const id = `c-${spec.name}`;
    const boxes = offered.map((value, i) =>
      h("input", { type: "checkbox", name: spec.name, value, id: `${id}-${i}`, checked: chosen.includes(value) }),
    );
    const legend = h("legend", {}, spec.label);
    const hintId = spec.hint ? `${id}-hint` : undefined;
    const fieldset = h(
      "fieldset",
      { class: offered.length > 8 ? "choices columns" : "choices", id, "data-field": spec.name, "aria-describedby": hintId },
      legend,
      spec.hint ? h("p", { class: "hint", id: hintId }, spec.hint) : null,
      boxes.map((box) => h("label", { class: "check", for: box.id }, box, ` ${box.value}`)),
    );
    const read = () => boxes.filter((b) => b.checked).map((b) => b.value);
    controls.push({
      name: spec.name,
      read,
      key: () => [...read()].sort().join("|"),
      initialKey: [...chosen].sort().join("|"),
      focus: () => boxes[0],
      anchor: legend,
      described: [fieldset, boxes[0]],
    });
    // A long list is folded until it is opened (or it holds a value already).
    if (offered.length <= 12) return fieldset;
    const count = h("span", { class: "chosen" });
    const showCount = () => {
      const n = read().length;
      count.textContent = n ? ` (${n} choisi${n > 1 ? "s" : ""})` : "";
    };
    showCount();
    fieldset.addEventListener("change", showCount);
    return h("details", { class: "fold", open: chosen.length > 0 }, h("summary", {}, spec.label, count), fieldset);
  }

  // ---- sections ---------------------------------------------------------------------------

  const section = (legend: string, ...children: (HTMLElement | null)[]) =>
    h("fieldset", { class: "section" }, h("legend", {}, legend), children);
  const spec = (name: string) => fieldSpec(name)!;

  let pinMap: PinMap | null = null;
  if (kind !== "closed") {
    const textOf = (name: string) => (ASKED.has(name) ? textControl(spec(name)) : null);
    const vocabulary = (name: string) => vocabularyControl(spec(name));
    const position = locationControl();
    form.append(
      section("Le lieu", textOf("nom"), textOf("structure_parente"), textOf("presentation_resume"), textOf("presentation_detail")),
      section("Adresse et position", textOf("adresse"), textOf("complement_adresse"), textOf("code_postal"), textOf("commune"), position.element),
      section("Pour le joindre", textOf("telephone"), textOf("courriels"), textOf("site_web"), textOf("prise_rdv"), textOf("fiche_acces_libre")),
      hoursControl(),
      section(
        "Services et accueil",
        vocabulary("services"),
        vocabulary("publics_specifiquement_adresses"),
        vocabulary("prise_en_charge_specifique"),
        vocabulary("frais_a_charge"),
        vocabulary("modalites_acces"),
        vocabulary("modalites_accompagnement"),
      ),
      section(
        "Dispositifs, labels et type de structure",
        vocabulary("dispositif_programmes_nationaux"),
        vocabulary("formations_labels"),
        textOf("autres_formations_labels"),
        vocabulary("itinerance"),
        vocabulary("typologie"),
      ),
    );
    if (kind === "update") {
      form.append(
        section(
          "Fermeture temporaire ou information",
          h(
            "p",
            { class: "hint" },
            "Le lieu ferme quelques jours, ou son accueil change pour un temps ? Ces informations s'affichent avec le lieu jusqu'à leur dernier jour, puis disparaissent d'elles-mêmes.",
          ),
          extensionControl("fermeture_debut", "Fermeture temporaire : premier jour", "date"),
          extensionControl("fermeture_fin", "Fermeture temporaire : dernier jour (inclus)", "date"),
          extensionControl("fermeture_motif", "Motif de la fermeture", "text", "Par exemple : congés, travaux, inventaire."),
          extensionControl("avis_message", "Information à afficher", "textarea", "Par exemple : permanence déplacée à la mairie."),
          extensionControl("avis_fin", "Information : dernier jour affiché (inclus)", "date"),
        ),
      );
    }
    pinMap = position.start();
  }

  // ---- message, contact, honeypot -------------------------------------------------------

  const message = h("textarea", { id: "c-message", name: "message", rows: 4, maxlength: 2000 });
  const messageRequired = kind === "closed";
  if (messageRequired) message.setAttribute("aria-required", "true");
  const messageHint = h(
    "p",
    { class: "hint", id: "c-message-hint" },
    kind === "closed"
      ? "Par exemple : fermé définitivement depuis mars, ou parti à une autre adresse (laquelle ?)."
      : "Ce qui aidera l'équipe à vérifier : d'où vous tenez l'information, ce qui a changé.",
  );
  describe(message, "c-message-hint", true);
  const contactName = h("input", { id: "c-contact_name", name: "contact_name", autocomplete: "name", maxlength: 200 });
  const contactEmail = h("input", { id: "c-contact_email", name: "contact_email", type: "email", autocomplete: "email", maxlength: 200 });
  describe(contactEmail, "c-contact_email-hint", true);
  const messageLabel = h(
    "label",
    { for: "c-message" },
    kind === "closed" ? "Que savez-vous de cette fermeture ?" : "Un message pour l'équipe de modération",
    h("span", { class: messageRequired ? "required" : "optional" }, messageRequired ? " (obligatoire)" : " (facultatif)"),
  );
  const nameLabel = h("label", { for: "c-contact_name" }, "Votre nom", h("span", { class: "optional" }, " (facultatif)"));
  const emailLabel = h("label", { for: "c-contact_email" }, "Votre adresse électronique", h("span", { class: "optional" }, " (facultatif)"));
  form.append(
    section(
      kind === "closed" ? "La fermeture" : "Votre message",
      h("div", { class: "field", "data-field": "message" }, messageLabel, messageHint, message),
    ),
    section(
      "Vous",
      h("div", { class: "field", "data-field": "contact_name" }, nameLabel, contactName),
      h(
        "div",
        { class: "field", "data-field": "contact_email" },
        emailLabel,
        h("p", { class: "hint", id: "c-contact_email-hint" }, "Pour que l'équipe puisse vous poser une question. Ni votre nom ni votre adresse ne sont publiés."),
        contactEmail,
      ),
    ),
    // Robots fill in every field; people never see this one.
    h(
      "div",
      { class: "honeypot", "aria-hidden": "true" },
      h("label", { for: "c-website" }, "Ne remplissez pas ce champ"),
      h("input", { id: "c-website", name: "website", type: "text", tabindex: "-1", autocomplete: "off" }),
    ),
  );
  const extra: Control[] = [
    { name: "message", el: message, anchor: messageLabel },
    { name: "contact.name", el: contactName, anchor: nameLabel },
    { name: "contact.email", el: contactEmail, anchor: emailLabel },
  ].map(({ name, el, anchor }) => ({
    name,
    read: () => el.value.trim(),
    key: () => el.value.trim(),
    initialKey: "",
    focus: () => el,
    anchor,
    described: [el],
  }));

  const submit = h("button", { type: "submit", class: "primary" }, kind === "closed" ? "Signaler la fermeture" : "Envoyer la proposition");
  const cancel = h("button", { type: "button", class: "secondary" }, "Annuler");
  cancel.addEventListener("click", close);
  form.append(h("p", { class: "actions" }, submit, " ", cancel));

  dialog.replaceChildren(
    h(
      "div",
      { class: "dialog-head" },
      title,
      p ? h("p", { class: "dialog-place" }, `${p.nom}${address(p) ? ` — ${address(p)}` : ""}`) : null,
      closeButton,
    ),
    h("p", { class: "intro" }, intro),
    kind === "new" ? h("p", { class: "hint" }, "Les champs marqués (obligatoire) sont nécessaires ; les autres, si vous les connaissez.") : "",
    summary,
    form,
  );
  title.focus();

  // ---- hours -----------------------------------------------------------------------------

  function hoursControl(): HTMLElement {
    const original = text(p?.horaires);
    const week = original ? parseOpeningHours(original) : null;
    const fits = !original || (week !== null && week.days.every((d) => d.length <= 2 && checkDay(d) === null));
    const osmInput = h("input", { id: "c-horaires", name: "horaires", autocomplete: "off", spellcheck: "false" });
    osmInput.value = original;
    describe(osmInput, "c-horaires-hint", true);
    type Day = { open: HTMLInputElement; times: HTMLInputElement[]; error: HTMLElement; fieldset: HTMLFieldSetElement };
    const days: Day[] = WEEKDAYS.map((name, d) => {
      const lower = name.toLowerCase();
      const openBox = h("input", { type: "checkbox", id: `h${d}-open`, class: "day-open" });
      const time = (slot: number, edge: "début" | "fin") =>
        h("input", { type: "time", id: `h${d}-${edge === "début" ? "s" : "e"}${slot}`, step: 300, "data-label": `${name} : ${edge} de la ${slot === 1 ? "1re" : "2e"} plage` });
      const times = [time(1, "début"), time(1, "fin"), time(2, "début"), time(2, "fin")];
      const label = (input: HTMLInputElement, visible: string) =>
        h("label", { for: input.id }, h("span", { class: "visually-hidden" }, input.dataset.label ?? ""), h("span", { "aria-hidden": "true" }, visible));
      const error = h("p", { class: "field-error", id: `h${d}-error`, hidden: true });
      const fieldset = h(
        "fieldset",
        { class: "day", "data-day": d },
        h("legend", { class: "visually-hidden" }, name),
        h("span", { class: "day-name", "aria-hidden": "true" }, name),
        h("label", { class: "check", for: openBox.id }, openBox, " Ouvert", h("span", { class: "visually-hidden" }, ` le ${lower}`)),
        error,
        h("span", { class: "range" }, label(times[0], "de"), times[0], label(times[1], "à"), times[1]),
        h("span", { class: "range second" }, label(times[2], "et de"), times[2], label(times[3], "à"), times[3]),
      );
      return { open: openBox, times, error, fieldset };
    });
    const holidays = h("input", { type: "checkbox", id: "h-holidays" });
    const note = h("p", { class: "note", id: "c-horaires-note", hidden: fits });
    note.textContent = "Ces horaires sont écrits sous une forme que le formulaire ne sait pas présenter jour par jour : modifiez-les au format OpenStreetMap ci-dessous, ou remplissez les jours pour les remplacer.";
    const copy = h("button", { type: "button", class: "link", id: "h-copy" }, "Reporter les horaires du lundi du mardi au vendredi");
    const advanced = h(
      "details",
      { class: "advanced", open: !fits },
      h("summary", {}, "Format OpenStreetMap"),
      h("div", { class: "field" }, h("label", { for: "c-horaires" }, "Horaires au format OpenStreetMap"),
        h("p", { class: "hint", id: "c-horaires-hint" }, "Rempli à partir des jours ci-dessus, par exemple « Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00 »."),
        osmInput),
    );
    const legend = h("legend", {}, "Horaires d'ouverture");
    const fieldset = h(
      "fieldset",
      { class: "section hours-editor", id: "c-horaires-days", "data-field": "horaires" },
      legend,
      h("p", { class: "hint" }, "Pour chaque jour : fermé, ou une ou deux plages (par exemple de 9:00 à 12:00 et de 14:00 à 17:00)."),
      note,
      h("div", { class: "days" }, days.map((d) => d.fieldset)),
      h("p", {}, copy),
      h("label", { class: "check", for: holidays.id }, holidays, " Fermé les jours fériés"),
      advanced,
    );

    const fill = (text: string) => {
      const read = text ? parseOpeningHours(text) : null;
      if (text && (!read || !read.days.every((d) => d.length <= 2 && checkDay(d) === null))) return false;
      days.forEach((day, d) => {
        const intervals = read?.days[d] ?? [];
        day.open.checked = intervals.length > 0;
        day.times.forEach((input, i) => {
          const interval = intervals[Math.floor(i / 2)];
          // A time field says 00:00 for midnight; an end at 24:00 is shown as 00:00 too.
          input.value = interval ? osmTime((i % 2 ? interval.end : interval.start) % (24 * 60)) : "";
        });
      });
      holidays.checked = read?.closedOnHolidays ?? false;
      syncDays();
      return true;
    };
    /** A day's intervals as typed; a message when they are not complete or not right. */
    /** A day's intervals as typed; a message when they are not complete or not right, and
     * the input to fix first. */
    const dayIntervals = (day: Day): { intervals: Interval[]; problem: string | null; at: HTMLInputElement } => {
      let at = day.times[0];
      if (!day.open.checked) return { intervals: [], problem: null, at };
      const intervals: Interval[] = [];
      for (const slot of [0, 1]) {
        const [fromInput, toInput] = [day.times[slot * 2], day.times[slot * 2 + 1]];
        const [from, to] = [fromInput.value, toInput.value];
        if (!from && !to) continue;
        at = fromInput;
        if (!from || !to) return { intervals, problem: "Indiquez le début et la fin de chaque plage.", at: from ? toInput : fromInput };
        const start = parseTime(from);
        let end = parseTime(to);
        if (start === null || end === null) return { intervals, problem: "Une heure s'écrit comme 09:30.", at };
        if (end === 0) end = 24 * 60; // "à 00:00": until midnight
        intervals.push({ start, end });
        const problem = checkDay(intervals);
        if (problem) return { intervals, problem, at: intervals.length === 1 ? toInput : fromInput };
      }
      if (!intervals.length) return { intervals, problem: "Indiquez au moins une plage, ou décochez « Ouvert ».", at: day.times[0] };
      return { intervals, problem: null, at };
    };
    const syncDays = () => {
      for (const day of days) {
        day.fieldset.classList.toggle("closed", !day.open.checked);
        for (const input of day.times) input.disabled = !day.open.checked;
      }
    };
    /** The grid changed: write the string, when every day can be written. */
    const writeString = () => {
      syncDays();
      const read = days.map(dayIntervals);
      if (read.some((r) => r.problem)) return;
      osmInput.value = toOpeningHours({ days: read.map((r) => r.intervals), closedOnHolidays: holidays.checked });
      note.hidden = true;
    };
    if (fits) fill(original);
    else syncDays();
    for (const day of days) {
      day.open.addEventListener("change", () => {
        if (day.open.checked && day.times.every((t) => !t.value)) {
          // A day opened: the usual hours, to change.
          [day.times[0].value, day.times[1].value] = ["09:00", "12:00"];
        }
        writeString();
      });
      for (const input of day.times) input.addEventListener("change", writeString);
    }
    holidays.addEventListener("change", writeString);
    copy.addEventListener("click", () => {
      for (const day of days.slice(1, 5)) {
        day.open.checked = days[0].open.checked;
        day.times.forEach((input, i) => (input.value = days[0].times[i].value));
      }
      writeString();
    });
    osmInput.addEventListener("change", () => {
      const fitted = fill(osmInput.value.trim());
      note.hidden = fitted;
    });

    controls.push({
      name: "horaires",
      read: () => osmInput.value.trim(),
      key: () => canonicalHours(osmInput.value),
      initialKey: canonicalHours(original),
      focus: () => (advanced.open && !fits ? osmInput : days[0].open),
      anchor: legend,
      described: [fieldset, osmInput],
    });
    /** Checked before sending: the first day that cannot be written, shown next to it. */
    hoursCheck = () => {
      let first: HTMLElement | null = null;
      for (const day of days) {
        const { problem, at } = dayIntervals(day);
        day.error.hidden = !problem;
        day.error.textContent = problem ?? "";
        for (const input of [day.open, ...day.times]) {
          if (problem) input.setAttribute("aria-invalid", "true");
          else input.removeAttribute("aria-invalid");
          describe(input, day.error.id, problem !== null);
        }
        if (problem && !first) first = at;
      }
      return first;
    };
    return fieldset;
  }

  // ---- position --------------------------------------------------------------------------

  function locationControl(): { element: HTMLElement; start(): PinMap } {
    const coordinates = place?.geometry.coordinates;
    const lat = h("input", { id: "c-latitude", name: "latitude", inputmode: "decimal", autocomplete: "off", spellcheck: "false" });
    const lon = h("input", { id: "c-longitude", name: "longitude", inputmode: "decimal", autocomplete: "off", spellcheck: "false" });
    lat.value = coordinates ? String(coordinates[1]) : "";
    lon.value = coordinates ? String(coordinates[0]) : "";
    const initial = `${lat.value}|${lon.value}`;
    const mapBox = h("div", { class: "pin-map", id: "c-map" });
    const hint = h(
      "p",
      { class: "hint", id: "c-map-hint" },
      kind === "new"
        ? "Placez le repère sur l'entrée du lieu : faites-le glisser, ou cliquez sur la carte. Au clavier, le repère est un bouton que les flèches déplacent (Maj pour aller plus vite). Sans position, le lieu est placé au centre de sa commune."
        : "Si le lieu n'est pas au bon endroit, faites glisser le repère, ou cliquez sur la carte. Au clavier, le repère est un bouton que les flèches déplacent (Maj pour aller plus vite).",
    );
    describe(lat, "c-map-hint", true);
    describe(lon, "c-map-hint", true);
    const legend = h("legend", {}, "Position sur la carte");
    const element = h(
      "fieldset",
      { class: "location", id: "c-location", "data-field": "latitude" },
      legend,
      hint,
      mapBox,
      h(
        "div",
        { class: "coordinates" },
        h("div", { class: "field" }, h("label", { for: lat.id }, "Latitude"), lat),
        h("div", { class: "field" }, h("label", { for: lon.id }, "Longitude"), lon),
      ),
    );
    const number = (input: HTMLInputElement) => {
      const value = Number(input.value.trim().replace(",", "."));
      return input.value.trim() && Number.isFinite(value) ? value : null;
    };
    /** Whether the person put the pin (a new place starts without a position). */
    let placed = Boolean(coordinates);
    const changed = () => `${lat.value}|${lon.value}` !== initial;
    for (const [name, input] of [["latitude", lat], ["longitude", lon]] as const) {
      controls.push({
        name,
        read: () => (changed() ? number(input) : null),
        key: () => (changed() ? `${lat.value}|${lon.value}` : initial),
        initialKey: initial,
        focus: () => input,
        anchor: name === "latitude" ? legend : (input.previousElementSibling as HTMLElement),
        described: [input],
      });
    }
    const start = () => {
      const view = options.view;
      const center: [number, number] = coordinates ?? (view ? [view.lon, view.lat] : [-0.55, 47.4]);
      const map = new PinMap(mapBox, {
        center,
        zoom: coordinates ? 14 : Math.max(view?.zoom ?? 7, 7),
        label: "Repère du lieu : déplacez-le sur son entrée",
        onMove: (x, y) => {
          lat.value = String(y);
          lon.value = String(x);
          placed = true;
          map.setPlaced(true);
          element.dataset.placed = "true";
        },
      });
      map.setPlaced(placed);
      const follow = () => {
        const [y, x] = [number(lat), number(lon)];
        if (y === null || x === null) return;
        placed = true;
        map.setPlaced(true);
        map.setPin(roundCoordinate(x), roundCoordinate(y));
      };
      lat.addEventListener("change", follow);
      lon.addEventListener("change", follow);
      if (kind === "new") {
        // Until the pin is put, it follows the postal code and the commune typed.
        const findCommune = async () => {
          if (placed) return;
          const code = (form.elements.namedItem("code_postal") as HTMLInputElement | null)?.value.trim() ?? "";
          const name = (form.elements.namedItem("commune") as HTMLInputElement | null)?.value ?? "";
          if (!/^\d{5}$/.test(code) && !name.trim()) return;
          const fold = (s: string) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/[-'’\s]+/g, " ").trim();
          const list = await communes();
          const found =
            list.find((c) => c.codePostal === code && fold(c.nom) === fold(name)) ??
            list.find((c) => c.codePostal === code) ??
            (name.trim() ? list.find((c) => fold(c.nom) === fold(name)) : undefined);
          if (found && !placed) {
            map.centreOn(found.lon, found.lat, 13);
            map.setPin(found.lon, found.lat);
            element.dataset.centred = found.nom;
          }
        };
        for (const name of ["code_postal", "commune"]) {
          (form.elements.namedItem(name) as HTMLInputElement | null)?.addEventListener("change", () => void findCommune());
        }
      }
      requestAnimationFrame(() => map.resize());
      return map;
    };
    return { element, start };
  }

  // ---- errors ----------------------------------------------------------------------------

  const allControls = () => [...controls, ...extra];
  const controlOf = (name: string) => {
    const wanted = name === "contact_name" ? "contact.name" : name === "contact_email" ? "contact.email" : name;
    return allControls().find((c) => c.name === wanted);
  };

  function clearErrors(): void {
    for (const [name, element] of fieldErrors) {
      element.remove();
      const control = controlOf(name);
      for (const target of control?.described ?? []) {
        target.removeAttribute("aria-invalid");
        describe(target, element.id, false);
      }
    }
    fieldErrors.clear();
    summary.hidden = true;
    summary.replaceChildren();
  }

  /** Shows the server's refusal (or the page's own checks) next to each field. */
  function showErrors(errors: Record<string, string>, general: string[] = [], french = false): void {
    clearErrors();
    const items: HTMLElement[] = [];
    let first: Control | null = null;
    for (const name of Object.keys(errors)) {
      const reason = french ? errors[name] : frenchReason(errors[name]);
      const control = controlOf(name);
      if (!control) {
        general.push(`${fieldLabel(name)} : ${reason}`);
        continue;
      }
      const id = `c-${control.name.replace(".", "_")}-error`;
      const element = h("p", { class: "field-error", id }, h("span", { class: "visually-hidden" }, "Erreur : "), reason);
      control.anchor.after(element);
      fieldErrors.set(control.name, element);
      for (const target of control.described) {
        target.setAttribute("aria-invalid", "true");
        describe(target, id, true);
      }
      const link = h("a", { href: `#${control.focus().id}` }, `${fieldLabel(control.name)} : ${reason}`);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        focusControl(control);
      });
      items.push(h("li", {}, link));
      first ??= control;
    }
    for (const line of general) items.push(h("li", {}, line));
    summary.replaceChildren(
      h("h3", {}, "La proposition n'a pas été envoyée"),
      items.length ? h("ul", {}, items) : "",
    );
    summary.hidden = false;
    document.body.dataset.contribution = "refused";
    if (first) focusControl(first);
    else summary.focus();
  }

  function focusControl(control: Control): void {
    const target = control.focus();
    const fold = target.closest("details");
    if (fold) fold.open = true;
    target.focus();
    target.scrollIntoView({ block: "center" });
  }

  // ---- sending ---------------------------------------------------------------------------

  function body(): { body: ContributionBody; changed: number } {
    const fields: ContributionBody["fields"] = {};
    let changed = 0;
    for (const control of controls) {
      if (kind === "update" && control.key() === control.initialKey) continue;
      const value = control.read();
      if (value === null) continue;
      if (kind === "new" && (value === "" || (Array.isArray(value) && !value.length))) continue;
      fields[control.name] = value;
      changed += 1;
    }
    const [messageText, name, email] = extra.map((c) => String(c.read()));
    const website = (form.elements.namedItem("website") as HTMLInputElement).value;
    return {
      body: {
        kind,
        ...(p ? { place_id: p.id } : {}),
        fields,
        ...(messageText ? { message: messageText } : {}),
        ...(name || email ? { contact: { ...(name ? { name } : {}), ...(email ? { email } : {}) } } : {}),
        website,
      },
      changed,
    };
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void send();
  });

  async function send(): Promise<void> {
    const hoursProblem = hoursCheck();
    if (hoursProblem) {
      showErrors({ horaires: "Certains jours sont à corriger : voyez le message sous chacun." }, [], true);
      hoursProblem.focus();
      return;
    }
    const { body: contribution, changed } = body();
    if (kind === "closed" && !contribution.message) {
      showErrors({ message: "Dites en quelques mots ce que vous savez de cette fermeture." }, [], true);
      return;
    }
    if (kind === "update" && changed === 0) {
      showErrors({}, ["Vous n'avez rien modifié. Pour dire qu'un lieu a fermé, utilisez « Signaler une fermeture »."]);
      return;
    }
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    const label = submit.textContent;
    submit.textContent = "Envoi…";
    document.body.dataset.contribution = "sending";
    try {
      const answer = await submitContribution(contribution);
      showConfirmation(answer);
    } catch (error) {
      submit.disabled = false;
      submit.removeAttribute("aria-busy");
      submit.textContent = label;
      if (error instanceof ApiError) {
        if (error.status === 422) showErrors({ ...error.fields });
        else if (error.status === 409) showErrors({}, ["Ce lieu a déjà plusieurs propositions qui attendent l'équipe de modération : réessayez quand elles auront été examinées."]);
        else if (error.status === 429) showErrors({}, ["Trop de propositions ont été envoyées d'ici en peu de temps : réessayez dans une minute. Votre saisie est conservée."]);
        else if (error.status === 413) showErrors({}, ["Le formulaire est trop long pour être envoyé : raccourcissez les textes."]);
        else showErrors({}, [`Le serveur n'a pas pu enregistrer la proposition (${error.message}). Votre saisie est conservée : réessayez.`]);
      } else {
        showErrors({}, ["Le serveur ne répond pas. Votre saisie est conservée : réessayez dans un moment."]);
      }
    }
  }

  function showConfirmation(answer: Submitted): void {
    const follow = new URL(answer.follow_url, location.origin).href;
    const heading = h("h2", { id: "contribute-title", tabindex: "-1" }, "Merci, votre proposition est envoyée");
    const done = h("button", { type: "button", class: "primary" }, "Fermer");
    done.addEventListener("click", close);
    const copy = h("button", { type: "button", class: "secondary", id: "follow-copy" }, "Copier le lien");
    copy.addEventListener("click", () => {
      void navigator.clipboard?.writeText(follow).then(
        () => (copy.textContent = "Lien copié"),
        () => (copy.textContent = "Copie impossible : sélectionnez le lien"),
      );
    });
    dialog.replaceChildren(
      h(
        "div",
        { class: "confirmation", "data-contribution": answer.id },
        h("div", { class: "dialog-head" }, heading, closeButton),
        h(
          "p",
          {},
          kind === "closed"
            ? "L'équipe de modération vérifiera la fermeture avant de retirer le lieu de la carte."
            : "L'équipe de modération la relira avant qu'elle n'apparaisse sur la carte.",
        ),
        h("p", {}, `Votre contribution porte le numéro ${answer.id}. Pour savoir où elle en est, gardez ce lien : il n'est donné qu'une fois.`),
        h("p", { class: "follow" }, h("a", { id: "follow-link", href: follow, rel: "noopener" }, follow), " ", copy),
        answer.warnings.length
          ? h(
              "section",
              { class: "warnings" },
              h("h3", {}, "Ce que nous avons ajusté dans votre saisie"),
              h("ul", {}, answer.warnings.map((w) => h("li", {}, frenchWarning(w)))),
            )
          : null,
        h("p", { class: "actions" }, done),
      ),
    );
    pinMap?.remove();
    pinMap = null;
    document.body.dataset.contribution = "sent";
    heading.focus();
  }

  return () => {
    pinMap?.remove();
    pinMap = null;
  };
}

/** A field's value on the place, as the form shows it. */
function initialText(spec: FieldSpec, p: NonNullable<PlaceFeature["properties"]>): string {
  const value = p[spec.name];
  if (spec.kind === "tel") return value ? phone(text(value)) : "";
  if (spec.kind === "emails" || spec.kind === "urls") return values(value).join(", ");
  return text(value);
}
