// « Orienter une personne »: a guided path in four steps (the need; the public and a specific
// support such as deafness, sight, illiteracy or foreign languages; when the person is free;
// where), in a modal dialog over the results. Each choice is a filter of the page's state,
// applied as it is made (so the URL holds it, and the dialog says how many places are left),
// and the step shown is in the URL too (`orienter=besoin|public|moment|lieu`). The last step
// closes the dialog on the usual results, as cards, with those filters set.

import * as api from "./api";
import type { Facets, Suggestion } from "./api";
import { byId, h } from "./dom";
import { loadVocabularies, type Vocabularies } from "./fields";
import { of } from "./format";
import { ORIENT_STEPS, RADII_M, type Around, type OrientStep, type PageState } from "./state";

export interface OrientHost {
  state: PageState;
  facets(): Facets;
  total(): number;
  /** The state changed: write the URL, search again. */
  update(): Promise<void>;
  /** Only the URL changed (the step). */
  writeUrl(): void;
  /** Centre the search on a commune or the person's position. */
  goAround(around: Around): Promise<void>;
  /** The path ended: show the results. */
  finish(): void;
}

const TITLES: Record<OrientStep, string> = {
  besoin: "De quoi la personne a-t-elle besoin ?",
  public: "La personne a-t-elle besoin d'un accueil particulier ?",
  moment: "Quand la personne est-elle disponible ?",
  lieu: "Où la personne peut-elle se rendre ?",
};

/** The guided path; `open(step)` shows it at a step. */
export function orientation(host: OrientHost): { open(step: OrientStep): void } {
  const dialog = byId<HTMLDialogElement>("orient");
  const body = byId("orient-body");
  const counter = byId("orient-count");
  const back = byId<HTMLButtonElement>("orient-back");
  const next = byId<HTMLButtonElement>("orient-next");
  let vocabularies: Vocabularies = {};
  let step: OrientStep = "besoin";

  const count = () => {
    const n = host.total();
    counter.textContent = `${n} lieu${n > 1 ? "x" : ""} correspond${n > 1 ? "ent" : ""} à ces choix.`;
  };
  const apply = () => void host.update().then(count);

  /** Checkboxes of a vocabulary: the server's values, with how many places offer each. */
  function choices(key: string, legend: string, values: string[]): HTMLElement {
    const counts = host.facets()[key] ?? {};
    const chosen = host.state.filters[key] ?? [];
    const names = [...new Set([...values, ...Object.keys(counts), ...chosen])];
    const fieldset = h(
      "fieldset",
      { class: "orient-choices" },
      h("legend", {}, legend),
      names.map((name) =>
        h(
          "label",
          { class: "check" },
          h("input", { type: "checkbox", name: key, value: name, checked: chosen.includes(name) }),
          ` ${name} `,
          h("span", { class: "count" }, `(${counts[name] ?? 0} lieu${(counts[name] ?? 0) > 1 ? "x" : ""})`),
        ),
      ),
    );
    fieldset.addEventListener("change", () => {
      const picked = [...fieldset.querySelectorAll<HTMLInputElement>("input:checked")].map((i) => i.value);
      if (picked.length) host.state.filters[key] = picked;
      else delete host.state.filters[key];
      apply();
    });
    return fieldset;
  }

  function momentStep(): HTMLElement[] {
    const state = host.state;
    const when = state.openNow ? "now" : state.openAt ? "at" : "any";
    const radio = (value: string, text: string) =>
      h("label", { class: "check" }, h("input", { type: "radio", name: "orient-when", value, checked: when === value }), ` ${text}`);
    const at = h("input", { type: "datetime-local", id: "orient-at", value: state.openAt ?? "", disabled: when !== "at" });
    const fieldset = h(
      "fieldset",
      { class: "orient-choices" },
      h("legend", {}, "Disponibilité"),
      radio("any", "Peu importe"),
      radio("now", "Maintenant (lieux ouverts en ce moment)"),
      radio("at", "À un jour et une heure précis"),
      h("div", { class: "field" }, h("label", { for: "orient-at" }, "Jour et heure"), at),
    );
    const read = () => {
      const value = fieldset.querySelector<HTMLInputElement>("input[name=orient-when]:checked")?.value ?? "any";
      at.disabled = value !== "at";
      state.openNow = value === "now";
      state.openAt = value === "at" && at.value ? at.value.slice(0, 16) : null;
      apply();
    };
    fieldset.addEventListener("change", read);
    return [fieldset, h("p", { class: "hint" }, "Les lieux dont les horaires ne sont pas connus sont écartés.")];
  }

  function placeStep(): HTMLElement[] {
    const state = host.state;
    const chosen = h(
      "p",
      { id: "orient-where", class: "orient-where" },
      state.around ? `Autour ${of(state.around.label)} (${state.radiusM / 1000} km).` : "Partout (aucun lieu choisi).",
    );
    const input = h("input", { id: "orient-commune", type: "search", autocomplete: "off" });
    const found = h("ul", { class: "orient-communes", "aria-label": "Communes trouvées" });
    const search = h("button", { type: "button", class: "secondary", id: "orient-find" }, "Chercher");
    const radius = h(
      "select",
      { id: "orient-radius" },
      RADII_M.map((r) => h("option", { value: r, selected: r === state.radiusM }, `${r / 1000} km`)),
    );
    const choose = async (around: Around) => {
      await host.goAround(around);
      chosen.textContent = `Autour ${of(around.label)} (${state.radiusM / 1000} km).`;
      count();
    };
    const find = async () => {
      const text = input.value.trim();
      if (text.length < 2) return;
      const suggestions = (await api.suggest(text).catch(() => [] as Suggestion[])).filter((s) => s.type === "commune");
      found.replaceChildren(
        ...suggestions.map((s) => {
          const label = `${s.label}${s.type === "commune" && s.code_postal ? ` (${s.code_postal})` : ""}`;
          const button = h("button", { type: "button", class: "secondary" }, label);
          button.addEventListener("click", () => {
            if (s.type === "commune") void choose({ label: s.label, lon: s.coordinates[0], lat: s.coordinates[1] });
          });
          return h("li", {}, button);
        }),
      );
      if (!suggestions.length) found.replaceChildren(h("li", {}, "Aucune commune de ce nom."));
    };
    search.addEventListener("click", () => void find());
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        void find();
      }
    });
    radius.addEventListener("change", () => {
      state.radiusM = Number(radius.value);
      if (state.around) void choose(state.around);
    });
    const here = h("button", { type: "button", class: "secondary", id: "orient-here" }, "Autour de ma position");
    here.addEventListener("click", () =>
      navigator.geolocation?.getCurrentPosition(
        (p) => void choose({ label: "votre position", lat: p.coords.latitude, lon: p.coords.longitude }),
        () => (chosen.textContent = "Votre position n'est pas disponible : cherchez une commune."),
      ),
    );
    const anywhere = h("button", { type: "button", class: "link", id: "orient-anywhere" }, "Partout");
    anywhere.addEventListener("click", () => {
      state.around = null;
      state.sort = "relevance";
      chosen.textContent = "Partout (aucun lieu choisi).";
      apply();
    });
    return [
      chosen,
      h(
        "div",
        { class: "orient-row" },
        h("div", { class: "field" }, h("label", { for: "orient-commune" }, "Commune ou code postal"), input),
        search,
        h("div", { class: "field" }, h("label", { for: "orient-radius" }, "Rayon"), radius),
      ),
      found,
      h("p", {}, here, " ", anywhere),
    ];
  }

  function draw(): void {
    const index = ORIENT_STEPS.indexOf(step);
    const parts: HTMLElement[] =
      step === "besoin"
        ? [choices("services", "Services", vocabularies.services ?? [])]
        : step === "public"
          ? [
              choices("publics_specifiquement_adresses", "Public", vocabularies.publics_specifiquement_adresses ?? []),
              choices(
                "prise_en_charge_specifique",
                "Accompagnement spécifique (surdité, vue, illettrisme, langues…)",
                vocabularies.prise_en_charge_specifique ?? [],
              ),
              h("p", { class: "hint" }, "Sans choix, tous les lieux restent proposés."),
            ]
          : step === "moment"
            ? momentStep()
            : placeStep();
    body.replaceChildren(
      h("p", { class: "orient-step" }, `Étape ${index + 1} sur ${ORIENT_STEPS.length}`),
      h("h3", { id: "orient-question", tabindex: "-1" }, TITLES[step]),
      ...parts,
    );
    back.disabled = index === 0;
    next.textContent = index === ORIENT_STEPS.length - 1 ? "Voir les lieux" : "Suivant";
    count();
    byId("orient-question").focus();
  }

  function go(to: OrientStep): void {
    step = to;
    host.state.orient = to;
    host.writeUrl();
    draw();
  }

  back.addEventListener("click", () => go(ORIENT_STEPS[Math.max(0, ORIENT_STEPS.indexOf(step) - 1)]));
  next.addEventListener("click", () => {
    const index = ORIENT_STEPS.indexOf(step);
    if (index < ORIENT_STEPS.length - 1) {
      go(ORIENT_STEPS[index + 1]);
      return;
    }
    host.state.orient = null;
    host.writeUrl();
    dialog.close();
    host.finish();
  });
  // Closed by its button or Escape: the choices made so far stay.
  dialog.addEventListener("close", () => {
    if (!host.state.orient) return;
    host.state.orient = null;
    host.writeUrl();
  });

  return {
    open(to: OrientStep): void {
      if (!dialog.open) dialog.showModal();
      void loadVocabularies()
        .catch(() => ({}))
        .then((found) => {
          vocabularies = found;
          go(to);
        });
    },
  };
}
