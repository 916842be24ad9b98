// How place fields read in French on the page.

import { values, type Notice, type PlaceProperties } from "./api";
import { isOpenAt } from "./hours";

export function distance(metres: number | undefined): string {
  if (metres === undefined || !Number.isFinite(metres)) return "";
  if (metres < 1000) return `${Math.round(metres / 10) * 10} m`;
  return `${(metres / 1000).toLocaleString("fr-FR", { maximumFractionDigits: 1 })} km`;
}

export function address(p: PlaceProperties): string {
  const street = [p.adresse, p.complement_adresse].filter(Boolean).join(", ");
  const town = [p.code_postal, p.commune].filter(Boolean).join(" ");
  return [street, town].filter(Boolean).join(", ");
}

/** Open now: the server's answer, else our reading of the hours; `null` when unknown. */
export function openNow(p: PlaceProperties): boolean | null {
  if (typeof p.open_now === "boolean") return p.open_now;
  return p.horaires ? isOpenAt(p.horaires, new Date()) : null;
}

export function openNowText(open: boolean | null): string {
  if (open === null) return "Horaires non renseignés";
  return open ? "Ouvert maintenant" : "Fermé actuellement";
}

/** A phone number as people write it in France: `+33241000000` → `02 41 00 00 00`. */
export function phone(text: string): string {
  const national = text.replace(/^\+33/, "0").replace(/\s+/g, "");
  return /^0\d{9}$/.test(national) ? national.replace(/(\d{2})(?=\d)/g, "$1 ") : text;
}

export function list(field: unknown): string[] {
  return values(field);
}

/** A URL that is safe to link to (http or https only); `null` otherwise. */
export function safeUrl(text: string | undefined): string | null {
  if (!text) return null;
  const candidate = /^https?:\/\//i.test(text) ? text : `https://${text}`;
  try {
    const url = new URL(candidate);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

const MONTHS = [
  "janvier", "février", "mars", "avril", "mai", "juin",
  "juillet", "août", "septembre", "octobre", "novembre", "décembre",
];

/**
 * A schema date (`2026-12-03`, or the date part of a timestamp) in French: `3 décembre 2026`,
 * `1er mars 2026`. Read from its digits, not through `Date`, which would take a bare date for
 * midnight UTC and show the day before west of Greenwich. `null` when it is no date.
 */
export function frenchDate(text: string | undefined): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(text?.trim() ?? "");
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return `${day === 1 ? "1er" : day} ${MONTHS[month - 1]} ${year}`;
}

/** The freshness of a record (`fraicheur`), in words. */
export const FRESHNESS: Record<string, string> = {
  a_jour: "Fiche à jour",
  a_verifier: "Fiche à vérifier",
  ancienne: "Fiche ancienne",
};

/** A word of warning for a record not checked for a while; `null` for one that is up to date. */
export function freshnessWarning(p: PlaceProperties): string | null {
  const fraicheur = typeof p.fraicheur === "string" ? p.fraicheur : null;
  if (fraicheur === "a_verifier") return "Informations à vérifier : appelez avant de vous déplacer.";
  if (fraicheur === "ancienne") return "Informations anciennes : appelez avant de vous déplacer.";
  return null;
}

/** `Mis à jour le 3 décembre 2026`, from `date_maj`; `null` when the place gives none. */
export function updatedText(p: PlaceProperties): string | null {
  const date = frenchDate(p.date_maj);
  if (date) return `Mis à jour le ${date}`;
  return p.date_maj ? `Mis à jour le ${p.date_maj}` : null;
}

/** Today in the page's own calendar, as the schema writes dates (`2026-12-03`). */
function today(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * A place's temporary closures and notices as sentences, those in force first: `Fermé
 * temporairement jusqu'au 2 janvier 2027 : inventaire.`, `Fermeture prévue du 24 au …`,
 * `Information jusqu'au 15 mars 2027 : permanence déplacée à la mairie.`
 */
export function noticeTexts(p: PlaceProperties): { closure: boolean; inForce: boolean; text: string }[] {
  const day = today();
  return (p.avis ?? [])
    .filter((n: Notice) => n.fin >= day)
    .map((n: Notice) => {
      const inForce = n.debut <= day;
      const [from, to] = [frenchDate(n.debut) ?? n.debut, frenchDate(n.fin) ?? n.fin];
      const message = n.message ? ` : ${n.message}` : "";
      const closure = n.type === "fermeture";
      const text = closure
        ? inForce
          ? `Fermé temporairement jusqu'au ${to} inclus${message}`
          : `Fermeture prévue du ${from} au ${to} inclus${message}`
        : inForce
          ? `Information jusqu'au ${to}${message}`
          : `Information du ${from} au ${to}${message}`;
      return { closure, inForce, text };
    })
    .sort((a, b) => Number(b.inForce) - Number(a.inForce));
}

/** "de Nantes", "d’Angers", "du Mans": French elision before a place name. */
export function of(name: string): string {
  if (/^Le /.test(name)) return `du ${name.slice(3)}`;
  if (/^Les /.test(name)) return `des ${name.slice(4)}`;
  return /^[aeiouyhàâéèêîôûAEIOUYHÀÂÉÈÊÎÔÛ]/.test(name) ? `d’${name}` : `de ${name}`;
}
