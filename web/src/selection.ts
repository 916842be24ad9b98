// The selection of places for a person, its orientation sheet and the ways to share it.
//
// The selection is a list of place ids in the page's URL (`selection=`), like every other state.
// Its view shows, above the sheet, two fields for the person's name and the reason for the
// visit: they are read from the DOM when the sheet is drawn and go nowhere else (not into the
// URL, a request, or the shared text), so they never reach the server. The sheet is an A4 page
// in print (style.css): for each place its name, address, hours in French, phone, services,
// how to get in and a small map, then a QR code of the selection's link. Sharing: the link to
// copy, `sms:` and `mailto:` links with an editable text that lists the places, and the
// system's share sheet where the browser has one.

import * as maplibregl from "maplibre-gl";
import encodeQR from "qr";
import * as api from "./api";
import type { PlaceFeature, PlaceProperties } from "./api";
import { communes } from "./basemap";
import { byId, copyField, h } from "./dom";
import { address, list, phone } from "./format";
import { frenchWeekGroups, frenchWeekLine } from "./hours";
import { fillBasemap, mapStyle } from "./map";
import { selectionUrl } from "./state";

export interface SelectionView {
  /** Draws the selection's view and sheet for `ids` (after a change of the selection). */
  render(ids: readonly string[]): Promise<void>;
}

export interface SelectionEvents {
  /** « Retirer » on the sheet: take a place out of the selection. */
  remove(id: string): void;
}

const SVG = "http://www.w3.org/2000/svg";

/** A QR code as an SVG of dark modules on white, drawn as one path (no markup parsed). */
export function qrSvg(text: string, label: string): SVGSVGElement {
  const modules = encodeQR(text, "raw", { ecc: "medium", border: 4 });
  const size = modules.length;
  let path = "";
  modules.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) path += `M${x} ${y}h1v1h-1z`;
    }),
  );
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("shape-rendering", "crispEdges");
  svg.setAttribute("class", "qr");
  const background = document.createElementNS(SVG, "rect");
  background.setAttribute("width", String(size));
  background.setAttribute("height", String(size));
  background.setAttribute("fill", "#fff");
  const dark = document.createElementNS(SVG, "path");
  dark.setAttribute("d", path);
  dark.setAttribute("fill", "#000");
  svg.append(background, dark);
  return svg;
}

/** The text a person receives by SMS or e-mail: each place's name, address, hours and phone. */
export function shareText(places: PlaceProperties[], link: string): string {
  const lines = ["Voici des lieux où être aidé avec le numérique :", ""];
  for (const p of places) {
    lines.push(`• ${p.nom}`, `  ${address(p)}`);
    lines.push(`  Horaires : ${p.horaires ? frenchWeekLine(p.horaires) : "non renseignés"}`);
    if (p.telephone) lines.push(`  Tél. : ${phone(p.telephone)}`);
    lines.push("");
  }
  lines.push(`Les retrouver sur la carte : ${link}`);
  return lines.join("\n");
}

/** A picture of the place's surroundings on our own basemap and places, centred on it. It is a
 * picture (not a live map) so that it prints, and so that the sheet holds no WebGL context per
 * place. `null` when the browser cannot draw maps. */
async function mapPicture(lon: number, lat: number): Promise<string | null> {
  const container = h("div", { class: "snapshot-map", "aria-hidden": "true" });
  document.body.append(container);
  let map: maplibregl.Map | null = null;
  try {
    map = new maplibregl.Map({
      container,
      style: mapStyle(`${location.origin}/tiles.json`),
      center: [lon, lat],
      zoom: 13,
      interactive: false,
      attributionControl: false,
      canvasContextAttributes: { preserveDrawingBuffer: true },
    });
    const shown = map;
    await new Promise<void>((resolve) => shown.once("load", () => resolve()));
    fillBasemap(shown, await communes());
    await new Promise<void>((resolve) => shown.once("idle", () => resolve()));
    return shown.getCanvas().toDataURL("image/png");
  } catch {
    return null;
  } finally {
    map?.remove();
    container.remove();
  }
}

function placeId(feature: PlaceFeature): string {
  return String(feature.properties.id ?? feature.id);
}

/** One place on the sheet. */
function sheetPlace(feature: PlaceFeature, picture: string | null, events: SelectionEvents): HTMLElement {
  const p = feature.properties;
  const week = p.horaires ? frenchWeekGroups(p.horaires) : null;
  const hours = week
    ? h(
        "table",
        { class: "hours" },
        h("caption", { class: "visually-hidden" }, `Horaires de ${p.nom}`),
        h("tbody", {}, week.map(({ days, hours }) => h("tr", {}, h("th", { scope: "row" }, days), h("td", {}, hours)))),
      )
    : h("p", {}, p.horaires || "Horaires non renseignés.");
  const field = (title: string, values: string[]) =>
    values.length ? h("p", { class: "sheet-field" }, h("strong", {}, `${title} : `), values.join(", ")) : null;
  const remove = h("button", { type: "button", class: "link sheet-remove" }, "Retirer", h("span", { class: "visually-hidden" }, ` ${p.nom} de la sélection`));
  remove.addEventListener("click", () => events.remove(placeId(feature)));
  return h(
    "li",
    { class: "sheet-place", "data-id": placeId(feature) },
    h(
      "div",
      { class: "sheet-place-text" },
      h("h3", {}, p.nom),
      h("p", { class: "sheet-address" }, address(p)),
      p.telephone ? h("p", { class: "sheet-field" }, h("strong", {}, "Téléphone : "), phone(p.telephone)) : null,
      h("div", { class: "sheet-hours" }, h("strong", {}, "Horaires"), hours),
      field("Services", list(p.services)),
      field("Comment y accéder", list(p.modalites_acces)),
      remove,
    ),
    picture
      ? h(
          "div",
          { class: "sheet-map" },
          h("img", { src: picture, alt: `Plan du quartier de ${p.nom}, le lieu au centre`, width: 480, height: 300 }),
          h("span", { class: "sheet-pin", "aria-hidden": "true" }),
        )
      : null,
  );
}

/** The selection's view: its fields, sharing, and the sheet. */
export function selectionView(events: SelectionEvents): SelectionView {
  const cache = new Map<string, Promise<PlaceFeature | null>>();
  const pictures = new Map<string, Promise<string | null>>();
  const nameInput = byId<HTMLInputElement>("person-name");
  const reasonInput = byId<HTMLTextAreaElement>("person-reason");
  const shareBox = byId<HTMLTextAreaElement>("share-text");
  const linkInput = byId<HTMLInputElement>("selection-link");
  const sms = byId<HTMLAnchorElement>("share-sms");
  const mail = byId<HTMLAnchorElement>("share-mail");
  const system = byId<HTMLButtonElement>("share-system");
  const status = byId("share-status");
  const sheet = byId("sheet");
  let current: PlaceFeature[] = [];

  const load = (id: string) => {
    if (!cache.has(id)) cache.set(id, api.place(id).catch(() => null));
    return cache.get(id)!;
  };
  const picture = (feature: PlaceFeature) => {
    const id = placeId(feature);
    if (!pictures.has(id)) pictures.set(id, mapPicture(...feature.geometry.coordinates));
    return pictures.get(id)!;
  };

  // The person's name and the reason: on the sheet only, as they are typed.
  const person = () => {
    byId("sheet-name").textContent = nameInput.value.trim() || "……………………………………";
    byId("sheet-reason").textContent = reasonInput.value.trim() || "……………………………………";
  };
  nameInput.addEventListener("input", person);
  reasonInput.addEventListener("input", person);

  const links = () => {
    const text = shareBox.value;
    sms.href = `sms:?&body=${encodeURIComponent(text)}`;
    mail.href = `mailto:?subject=${encodeURIComponent("Des lieux pour vous aider avec le numérique")}&body=${encodeURIComponent(text)}`;
  };
  shareBox.addEventListener("input", links);

  byId("copy-link").addEventListener("click", () => void copyField(linkInput, status, "Lien copié."));
  system.hidden = typeof navigator.share !== "function";
  system.addEventListener("click", () => {
    void navigator
      .share({ title: "Des lieux pour vous aider avec le numérique", text: shareBox.value })
      .catch(() => undefined);
  });
  byId("print-sheet").addEventListener("click", async () => {
    person();
    await ready;
    window.print();
  });

  let ready: Promise<void> = Promise.resolve();

  async function render(ids: readonly string[]): Promise<void> {
    sheet.dataset.ready = "false";
    const link = selectionUrl(`${location.origin}${location.pathname}`, ids);
    linkInput.value = link;
    byId("sheet-link").textContent = link;
    byId("sheet-qr").replaceChildren(qrSvg(link, "QR code du lien vers ces lieux"));
    byId("sheet-date").textContent = new Date().toLocaleDateString("fr-FR", { day: "numeric", month: "long", year: "numeric" });
    byId("selection-empty").hidden = ids.length > 0;
    byId("selection-body").hidden = ids.length === 0;
    sheet.hidden = ids.length === 0;
    person();
    const loaded = (await Promise.all(ids.map(load))).filter((f): f is PlaceFeature => f !== null);
    current = loaded;
    shareBox.value = shareText(loaded.map((f) => f.properties), link);
    links();
    status.textContent = "";
    const places = byId("sheet-places");
    places.replaceChildren(...loaded.map((f) => sheetPlace(f, null, events)));
    // The maps one after the other: each needs a WebGL context while it draws.
    ready = (async () => {
      for (const feature of loaded) {
        const shot = await picture(feature);
        if (current !== loaded) return;
        places.querySelector(`li[data-id="${CSS.escape(placeId(feature))}"]`)?.replaceWith(sheetPlace(feature, shot, events));
      }
      sheet.dataset.ready = "true";
    })();
    await ready;
  }

  return { render };
}
