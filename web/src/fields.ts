// The schema v1.0.2 fields as people see them: a French label for each, how the contribution
// form asks for it, and the vocabularies' values.
//
// The map page's form and the moderation page share this, so that a field has the same name
// in the form a contributor fills in, in the diff a moderator reads, and in the history. The
// vocabularies' values are the server's (the enums of `PlaceFeature` in `/openapi.json`), not
// a copy: when the standard adds a value, the form offers it without a new page.

import { getJson } from "./api";

/** How the form asks for a field. */
export type FieldKind =
  | "text"
  | "textarea"
  | "tel"
  | "postal"
  | "emails"
  | "urls"
  | "url"
  | "hours"
  | "coordinate"
  | "vocabulary";

export interface FieldSpec {
  name: string;
  label: string;
  kind: FieldKind;
  /** A sentence under the label. */
  hint?: string;
}

/** Every field a contribution may set, with its French label, in the order the form asks. */
export const FIELDS: readonly FieldSpec[] = [
  { name: "nom", label: "Nom du lieu", kind: "text" },
  { name: "structure_parente", label: "Structure dont dépend le lieu", kind: "text" },
  { name: "adresse", label: "Adresse", kind: "text", hint: "Numéro et voie, par exemple « 12 rue des Lilas »." },
  { name: "complement_adresse", label: "Complément d'adresse", kind: "text", hint: "Bâtiment, étage, lieu-dit…" },
  { name: "code_postal", label: "Code postal", kind: "postal" },
  { name: "commune", label: "Commune", kind: "text" },
  { name: "code_insee", label: "Code INSEE de la commune", kind: "text" },
  { name: "latitude", label: "Latitude", kind: "coordinate" },
  { name: "longitude", label: "Longitude", kind: "coordinate" },
  { name: "telephone", label: "Téléphone", kind: "tel", hint: "Par exemple 02 41 00 00 00." },
  { name: "courriels", label: "Adresse électronique", kind: "emails", hint: "Plusieurs adresses : séparez-les par des virgules." },
  { name: "site_web", label: "Site web", kind: "urls", hint: "Plusieurs sites : séparez-les par des virgules." },
  { name: "prise_rdv", label: "Lien de prise de rendez-vous en ligne", kind: "url" },
  { name: "horaires", label: "Horaires d'ouverture", kind: "hours" },
  { name: "presentation_resume", label: "Présentation courte", kind: "textarea", hint: "En une ou deux phrases (280 caractères au plus)." },
  { name: "presentation_detail", label: "Présentation détaillée", kind: "textarea" },
  { name: "services", label: "Services", kind: "vocabulary" },
  { name: "publics_specifiquement_adresses", label: "Publics accueillis", kind: "vocabulary" },
  { name: "prise_en_charge_specifique", label: "Accompagnement spécifique", kind: "vocabulary" },
  { name: "frais_a_charge", label: "Frais", kind: "vocabulary" },
  { name: "modalites_acces", label: "Modalités d'accès", kind: "vocabulary" },
  { name: "modalites_accompagnement", label: "Modalités d'accompagnement", kind: "vocabulary" },
  { name: "dispositif_programmes_nationaux", label: "Dispositifs nationaux", kind: "vocabulary" },
  { name: "formations_labels", label: "Formations et labels", kind: "vocabulary" },
  { name: "autres_formations_labels", label: "Autres formations et labels", kind: "text" },
  { name: "itinerance", label: "Itinérance", kind: "vocabulary" },
  { name: "typologie", label: "Type de structure", kind: "vocabulary", hint: "Les sigles de la typologie des structures d'insertion et d'aide sociale." },
  { name: "fiche_acces_libre", label: "Fiche Acceslibre (accessibilité)", kind: "url" },
  { name: "pivot", label: "SIRET ou RNA", kind: "text" },
];

/** The other names a moderator meets: the fields the server sets, and the contribution's own. */
const OTHER_LABELS: Record<string, string> = {
  id: "Identifiant",
  date_maj: "Date de mise à jour",
  source: "Source",
  message: "Message",
  "contact.name": "Votre nom",
  "contact.email": "Votre adresse électronique",
  contact: "Vos coordonnées",
  kind: "Type de contribution",
  fermeture_debut: "Fermeture temporaire : premier jour",
  fermeture_fin: "Fermeture temporaire : dernier jour",
  fermeture_motif: "Fermeture temporaire : motif",
  avis_message: "Information à afficher",
  avis_debut: "Information : premier jour",
  avis_fin: "Information : dernier jour",
  place_id: "Lieu",
  fields: "Champs",
  body: "Formulaire",
  website: "Champ à laisser vide",
};

/** The fields the server holds as lists (a form repeats the name; JSON sends an array). */
export const MULTI_VALUED = new Set([
  "typologie",
  "courriels",
  "site_web",
  "itinerance",
  "services",
  "publics_specifiquement_adresses",
  "prise_en_charge_specifique",
  "frais_a_charge",
  "dispositif_programmes_nationaux",
  "formations_labels",
  "modalites_acces",
  "modalites_accompagnement",
]);

export function fieldSpec(name: string): FieldSpec | undefined {
  return FIELDS.find((f) => f.name === name);
}

/** The French label of a field (its schema name when it has none). */
export function fieldLabel(name: string): string {
  return fieldSpec(name)?.label ?? OTHER_LABELS[name] ?? name;
}

/** The fields in the form's order, the unknown ones last (the diff and the history use it). */
export function byFormOrder(names: Iterable<string>): string[] {
  const rank = (name: string) => {
    const i = FIELDS.findIndex((f) => f.name === name);
    return i < 0 ? FIELDS.length : i;
  };
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export type Vocabularies = Record<string, string[]>;

let vocabularies: Promise<Vocabularies> | null = null;

/** The values of each vocabulary field, from the server's OpenAPI document (fetched once). */
export function loadVocabularies(): Promise<Vocabularies> {
  vocabularies ??= getJson<OpenApi>("/openapi.json")
    .then((spec) => {
      const properties = spec.components?.schemas?.PlaceFeature?.properties?.properties?.properties ?? {};
      const found: Vocabularies = {};
      for (const field of FIELDS.filter((f) => f.kind === "vocabulary")) {
        const values = properties[field.name]?.items?.enum;
        if (Array.isArray(values)) found[field.name] = values.filter((v): v is string => typeof v === "string" && v !== "");
      }
      return found;
    })
    .catch((error) => {
      vocabularies = null;
      throw error;
    });
  return vocabularies;
}

interface OpenApi {
  components?: {
    schemas?: {
      PlaceFeature?: {
        properties?: { properties?: { properties?: Record<string, { items?: { enum?: unknown[] } }> } };
      };
    };
  };
}

/**
 * The server's reason for refusing a field, in French. The server says it in English; the
 * reasons the importer's rules give are known, and any other is shown as the server wrote it.
 */
export function frenchReason(reason: string): string {
  const known: [RegExp, string | ((m: RegExpExecArray) => string)][] = [
    [/^required$/, "Ce champ est obligatoire."],
    [/^a new place needs it$/, "Obligatoire pour un nouveau lieu."],
    [/^not a French phone number/, "Ce n'est pas un numéro de téléphone français (10 chiffres, par exemple 02 41 00 00 00)."],
    [/^not an e-mail address/, "Ce n'est pas une adresse électronique (par exemple nom@exemple.fr)."],
    [/^not a web address/, "Ce n'est pas une adresse web (par exemple https://exemple.fr)."],
    [/^not a 5-digit postal code/, "Un code postal a 5 chiffres."],
    [/^not an INSEE commune code/, "Ce n'est pas un code INSEE de commune (5 caractères)."],
    [/^not a SIRET or RNA number/, "Ce n'est pas un numéro SIRET (14 chiffres) ni RNA."],
    [/^not a value of the vocabulary/, "Cette valeur n'est pas l'une de celles du schéma."],
    [/^give both latitude and longitude, or neither$/, "Placez le repère sur la carte : il faut la latitude et la longitude."],
    [/^give the coordinates/, "Placez le repère sur la carte : le code postal ne désigne aucune commune connue."],
    [/^the coordinates are not on the globe$|^coordinates out of range/, "Ces coordonnées ne sont pas sur le globe."],
    [/^coordinates are 0,0/, "Placez le repère sur le lieu."],
    [/^a number \(WGS84 degrees\)$/, "Un nombre de degrés (par exemple 47,47)."],
    [/^longer than (\d+) characters/, (m) => `Trop long : ${Number(m[1]).toLocaleString("fr-FR")} caractères au plus.`],
    [/^holds control characters$/, "Ce texte contient des caractères invisibles non permis."],
    [/^nothing to change$/, "Vous n'avez rien modifié."],
    [/^every value proposed is the place's already$/, "Les valeurs proposées sont déjà celles du lieu."],
    [/^a closure changes no field$/, "Un signalement de fermeture ne modifie aucun champ."],
    [/^leave this field empty$/, "Ce champ doit rester vide."],
    [/^no place has the id/, "Ce lieu n'existe plus sur la carte."],
  ];
  for (const [pattern, french] of known) {
    const match = pattern.exec(reason);
    if (match) return typeof french === "string" ? french : french(match);
  }
  return `Refusé par le serveur : ${reason}`;
}

/** A warning of the server (`telephone: normalised to E.164: +33…`) in French. */
export function frenchWarning(warning: string): string {
  const [, field, reason] = /^([a-z_.]+): (.*)$/.exec(warning) ?? [];
  if (!field) return warning;
  const known: [RegExp, string | ((m: RegExpExecArray) => string)][] = [
    [/^normalised to E\.164: (.*)$/, (m) => `écrit au format international (${m[1]})`],
    [/^https:\/\/ added$/, "« https:// » ajouté"],
    [/^spaces removed$/, "espaces retirées"],
    [/^leading zero restored$/, "zéro initial rétabli"],
    [/^longer than 280 characters: shortened, full text moved to presentation_detail$/, "raccourcie à 280 caractères, le texte entier est dans la présentation détaillée"],
    [/^longer than 280 characters: shortened$/, "raccourcie à 280 caractères"],
  ];
  for (const [pattern, french] of known) {
    const match = pattern.exec(reason);
    if (match) return `${fieldLabel(field)} : ${typeof french === "string" ? french : french(match)}.`;
  }
  return `${fieldLabel(field)} : ${reason}`;
}

/** A flag the server raised for the moderator, in French (as written when it is not known). */
export function frenchFlag(flag: string): string {
  const centre = /^no coordinates: placed at the centre of (.*); move the pin to the address$/.exec(flag);
  if (centre) return `Pas de position donnée : le lieu est placé au centre de ${centre[1]}. Corrigez la position avant d'accepter.`;
  const commune = /^the commune "(.*)" is not one of postal code (\S+): (.*)$/.exec(flag);
  if (commune) return `La commune « ${commune[1]} » n'est pas une commune du code postal ${commune[2]} (${commune[3]}) : vérifiez l'adresse.`;
  return flag;
}
