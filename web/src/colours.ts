// A partner's colour for the embed (`couleur=` in its URL): read strictly, and made readable.
//
// The colour is the accent of the links and buttons, the places and the clusters. Links and
// the white text of buttons must reach WCAG AA (4.5:1) on white, so a colour too light for that
// is darkened, keeping its hue, until it does; a colour that already does is used as given.

/** `RRGGBB` or `#RRGGBB` (or `RGB`) as `#rrggbb`; `null` for anything else. */
export function parseColour(text: string | null | undefined): string | null {
  const hex = (text ?? "").trim().replace(/^#/, "").toLowerCase();
  if (/^[0-9a-f]{6}$/.test(hex)) return `#${hex}`;
  if (/^[0-9a-f]{3}$/.test(hex)) return `#${[...hex].map((c) => c + c).join("")}`;
  return null;
}

function channels(colour: string): [number, number, number] {
  const n = Number.parseInt(colour.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function hex(rgb: number[]): string {
  return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("")}`;
}

/** WCAG's relative luminance of a `#rrggbb` colour. */
function luminance(colour: string): number {
  const [r, g, b] = channels(colour).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG's contrast ratio of two `#rrggbb` colours. */
export function contrast(a: string, b: string): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high + 0.05) / (low + 0.05);
}

/** `colour` mixed with black by `amount` (0 to 1). */
function darker(colour: string, amount: number): string {
  return hex(channels(colour).map((c) => c * (1 - amount)));
}

/** `colour`, darkened by steps until it reaches `ratio` against white. */
export function readableOnWhite(colour: string, ratio = 4.5): string {
  let shade = colour;
  for (let step = 1; contrast(shade, "#ffffff") < ratio && step <= 20; step++) {
    shade = darker(colour, step * 0.05);
  }
  return shade;
}

/** The page's accent and its darker shade from a partner's colour: both AA with white. */
export function accentsOf(colour: string): { accent: string; accentDark: string } {
  const accent = readableOnWhite(colour);
  return { accent, accentDark: darker(accent, 0.35) };
}
