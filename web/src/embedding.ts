// « Intégrer cette carte »: the `<iframe>` snippet of the embed (`/embed`, embed.ts) for the
// page's current state, in a modal dialog with a few choices (map and list, or one of them; a
// height; a colour) and a button that copies it.
//
// The embed's URL is the page's own state (search, filters, territory, open now, around a
// place, map position) with `view` (`map` or `cards` for one of the two, both without it) and
// `couleur` (`RRGGBB`). A site may frame it only when the server's operator lists its origin
// (`lieux serve --embed-origins`), which the dialog says.

import { parseColour } from "./colours";
import { byId, copyField } from "./dom";
import { stateToUrl, type PageState } from "./state";

/** What the embed shows: map and list, the map alone, or the list alone. */
export type EmbedLayout = "both" | "map" | "cards";

export interface EmbedChoice {
  layout: EmbedLayout;
  /** `#rrggbb`, or `null` for the page's colours. */
  colour: string | null;
}

/** The page's colour: the embed's default, left out of its URL. */
export const DEFAULT_COLOUR = "#1d4ed8";

/** The heights offered, in CSS pixels; the width is the partner's column. */
export const HEIGHTS = [450, 600, 800] as const;

/** The embed's URL for `state` on the server at `origin`. */
export function embedUrl(origin: string, state: PageState, choice: EmbedChoice): string {
  const shown: PageState = { ...state, view: "map", selected: null, selection: [], orient: null, tableSort: null };
  const params = new URLSearchParams(stateToUrl(shown));
  if (choice.layout !== "both") params.set("view", choice.layout);
  const colour = parseColour(choice.colour);
  if (colour && colour !== DEFAULT_COLOUR) params.set("couleur", colour.slice(1));
  const query = params.toString();
  return `${origin}/embed${query ? `?${query}` : ""}`;
}

/** Escapes `text` for an HTML attribute value between double quotes. */
function attribute(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The `<iframe>` to paste: as wide as its column (never wider), `height` pixels high, no
 * border, a title for screen readers, loaded when scrolled near, and no referrer beyond the
 * partner's origin.
 */
export function iframeSnippet(url: string, height: number, title: string): string {
  return (
    `<iframe src="${attribute(url)}" title="${attribute(title)}" ` +
    `style="width: 100%; max-width: 100%; height: ${height}px; border: 0;" ` +
    `loading="lazy" referrerpolicy="strict-origin-when-cross-origin"></iframe>`
  );
}

/** The iframe's title: what it holds, for screen readers. */
export const IFRAME_TITLE = "Carte des lieux de médiation numérique";

/** The dialog « Intégrer cette carte » of the page; `open()` shows it for the current state. */
export function embedDialog(state: PageState): { open(opener: HTMLElement): void } {
  const dialog = byId<HTMLDialogElement>("embed-dialog");
  const code = byId<HTMLTextAreaElement>("embed-code");
  const height = byId<HTMLSelectElement>("embed-height");
  const colour = byId<HTMLInputElement>("embed-colour");
  const preview = byId<HTMLAnchorElement>("embed-preview");
  const status = byId("embed-status");
  let opener: HTMLElement | null = null;

  const layout = (): EmbedLayout => {
    const chosen = dialog.querySelector<HTMLInputElement>('input[name="embed-layout"]:checked')?.value;
    return chosen === "map" || chosen === "cards" ? chosen : "both";
  };
  const refresh = () => {
    const url = embedUrl(location.origin, state, { layout: layout(), colour: colour.value });
    code.value = iframeSnippet(url, Number(height.value), IFRAME_TITLE);
    preview.href = url;
    status.textContent = "";
  };
  dialog.addEventListener("change", refresh);
  dialog.addEventListener("input", refresh);
  byId("embed-copy").addEventListener("click", () => void copyField(code, status, "Code copié."));
  dialog.addEventListener("close", () => opener?.focus());

  return {
    open(from: HTMLElement) {
      opener = from;
      refresh();
      dialog.showModal();
      code.focus();
    },
  };
}
