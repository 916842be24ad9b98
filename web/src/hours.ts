// Opening hours in plain French.
//
// Places give their hours as an OpenStreetMap `opening_hours` string
// (`Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00`). This reads the forms the data really
// uses: rules separated by `;`, each a list of weekdays and ranges then times or `off`, plus
// `24/7` and `PH off`. A later rule replaces the earlier ones for its days, as in OSM. Anything
// else returns `null`, and the page shows the text as it is rather than a wrong reading.

export const WEEKDAYS = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"];
const OSM_DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

/** Minutes since midnight, start inclusive, end exclusive (an end past 24:00 spills over). */
export interface Interval {
  start: number;
  end: number;
}

export interface Week {
  /** Intervals per weekday, Monday first. */
  days: Interval[][];
  /** Whether public holidays are said to be closed. */
  closedOnHolidays: boolean;
}

function minutes(text: string): number | null {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!match) return null;
  const hours = Number(match[1]);
  const mins = Number(match[2]);
  if (hours > 48 || mins > 59) return null;
  return hours * 60 + mins;
}

function parseDays(text: string): number[] | null {
  const days = new Set<number>();
  for (const part of text.split(",")) {
    const [from, to] = part.trim().split("-");
    const start = OSM_DAYS.indexOf(from);
    if (start < 0) return null;
    if (to === undefined) {
      days.add(start);
      continue;
    }
    const end = OSM_DAYS.indexOf(to);
    if (end < 0) return null;
    for (let day = start; ; day = (day + 1) % 7) {
      days.add(day);
      if (day === end) break;
    }
  }
  return [...days];
}

function parseTimes(text: string): Interval[] | null {
  if (text === "off" || text === "closed") return [];
  const intervals: Interval[] = [];
  for (const part of text.split(",")) {
    const [from, to] = part.trim().split("-");
    const start = minutes(from ?? "");
    const end = minutes(to ?? "");
    if (start === null || end === null || end <= start) return null;
    intervals.push({ start, end });
  }
  return intervals;
}

/** Reads an `opening_hours` string; `null` when it uses a form this reader does not know. */
export function parseOpeningHours(text: string): Week | null {
  const week: Week = { days: WEEKDAYS.map(() => []), closedOnHolidays: false };
  const source = text.trim();
  if (!source) return null;
  for (const rule of source.split(";").map((r) => r.trim()).filter(Boolean)) {
    if (rule === "24/7") {
      week.days = WEEKDAYS.map(() => [{ start: 0, end: 24 * 60 }]);
      continue;
    }
    if (/^PH\s+(off|closed)$/.test(rule)) {
      week.closedOnHolidays = true;
      continue;
    }
    const match = /^((?:Mo|Tu|We|Th|Fr|Sa|Su)[A-Za-z,\- ]*?)\s+(\S.*)$/.exec(rule);
    const days = match ? parseDays(match[1].replace(/\s+/g, "")) : [0, 1, 2, 3, 4, 5, 6];
    const times = parseTimes(match ? match[2].trim() : rule);
    if (!days || !times) return null;
    for (const day of days) week.days[day] = times;
  }
  return week;
}

/** `570` → `9 h 30`; `540` → `9 h`. */
export function frenchTime(total: number): string {
  const hours = Math.floor(total / 60) % 24;
  const mins = total % 60;
  return mins ? `${hours} h ${String(mins).padStart(2, "0")}` : `${hours} h`;
}

/** One day's hours in words: `de 9 h à 12 h et de 14 h à 17 h 30`, or `fermé`. */
export function frenchDay(intervals: Interval[]): string {
  if (!intervals.length) return "fermé";
  if (intervals.length === 1 && intervals[0].start === 0 && intervals[0].end >= 24 * 60) {
    return "ouvert 24 h sur 24";
  }
  return intervals.map((i) => `de ${frenchTime(i.start)} à ${frenchTime(i.end)}`).join(" et ");
}

/** The week as lines `Lundi : de 9 h à 12 h`, Monday first; `null` for an unknown form. */
export function frenchWeek(text: string): { day: string; hours: string }[] | null {
  const week = parseOpeningHours(text);
  if (!week) return null;
  return week.days.map((intervals, i) => ({ day: WEEKDAYS[i], hours: frenchDay(intervals) }));
}

/**
 * The week with consecutive days of the same hours together, Monday first: `Du lundi au
 * vendredi` / `de 9 h à 12 h`, `Samedi et dimanche` / `fermé`; `null` for an unknown form.
 */
export function frenchWeekGroups(text: string): { days: string; hours: string }[] | null {
  const week = parseOpeningHours(text);
  if (!week) return null;
  const hours = week.days.map(frenchDay);
  const groups: { days: string; hours: string }[] = [];
  for (let i = 0; i < 7; ) {
    let j = i;
    while (j + 1 < 7 && hours[j + 1] === hours[i]) j++;
    const last = WEEKDAYS[j].toLowerCase();
    const days =
      j === i ? WEEKDAYS[i] : j === i + 1 ? `${WEEKDAYS[i]} et ${last}` : `Du ${WEEKDAYS[i].toLowerCase()} au ${last}`;
    groups.push({ days, hours: hours[i] });
    i = j + 1;
  }
  return groups;
}

/**
 * The week on one line, for a text message: the open days of `frenchWeekGroups`
 * (`du lundi au vendredi de 9 h à 12 h ; samedi de 9 h à 12 h`); the text as written for an
 * unknown form.
 */
export function frenchWeekLine(text: string): string {
  const groups = frenchWeekGroups(text);
  if (!groups) return text;
  const open = groups.filter((g) => g.hours !== "fermé").map((g) => `${g.days.toLowerCase()} ${g.hours}`);
  return open.length ? open.join(" ; ") : "fermé toute la semaine";
}

/** Whether the hours say open at `when` (local time of the browser); `null` if unknown. */
export function isOpenAt(text: string, when: Date): boolean | null {
  const week = parseOpeningHours(text);
  if (!week) return null;
  const day = (when.getDay() + 6) % 7;
  const now = when.getHours() * 60 + when.getMinutes();
  const yesterday = (day + 6) % 7;
  return (
    week.days[day].some((i) => i.start <= now && now < i.end) ||
    week.days[yesterday].some((i) => i.end > 24 * 60 && now < i.end - 24 * 60)
  );
}

// ---- the inverse: a week entered day by day, as an `opening_hours` string --------------------
//
// The contribution form asks day by day and sends the server one OSM string. The string is
// written as the importer writes the France Services hours (index/src/ingest/weekly_hours.rs),
// so that a contribution and an import of the same week read the same: days with the same
// intervals share one rule, in the order of their first day; within a rule, runs of
// consecutive days collapse (`Mo-Fr`, `Sa,Su` for a run of two, `Mo-We,Fr`); intervals are
// sorted, `HH:MM-HH:MM`, with `24:00` for the end of a day; closed days are left out (closed is
// OSM's default) and `PH off` ends the string when holidays are closed.

/** `570` → `09:30`; `1440` → `24:00`. */
export function osmTime(total: number): string {
  return `${String(Math.floor(total / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
}

/**
 * A time typed in a form (`9:30`, `09:30`, `9h30`, `9 h`), in minutes; `null` when it is none
 * (a bare `9` included). `24:00` is the end of the day; nothing later is a time of one day.
 */
export function parseTime(text: string): number | null {
  const match = /^\s*(\d{1,2})\s*(?::\s*(\d{2})|[hH]\s*(\d{2})?)\s*$/.exec(text);
  if (!match) return null;
  const hours = Number(match[1]);
  const mins = Number(match[2] ?? match[3] ?? 0);
  if (mins > 59 || hours > 24 || (hours === 24 && mins > 0)) return null;
  return hours * 60 + mins;
}

/**
 * Why one day's intervals cannot be written, or `null` when they can: each ends after it
 * starts, within the day, and none overlaps another. The form says this next to the day.
 */
export function checkDay(intervals: Interval[]): string | null {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  for (const [i, interval] of sorted.entries()) {
    if (interval.start < 0 || interval.end > 24 * 60) return "Une heure va de 00:00 à 24:00.";
    if (interval.end <= interval.start) return "La fin d'une plage doit venir après son début.";
    if (i > 0 && interval.start < sorted[i - 1].end) return "Les deux plages se chevauchent.";
  }
  return null;
}

/** Collapses sorted day numbers into OSM day ranges: `[0,1,2,4]` → `Mo-We,Fr`. */
function osmDays(days: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < days.length; ) {
    let j = i;
    while (j + 1 < days.length && days[j + 1] === days[j] + 1) j++;
    if (j === i) parts.push(OSM_DAYS[days[i]]);
    else if (j === i + 1) parts.push(`${OSM_DAYS[days[i]]},${OSM_DAYS[days[j]]}`);
    else parts.push(`${OSM_DAYS[days[i]]}-${OSM_DAYS[days[j]]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/**
 * The `opening_hours` string of a week (the inverse of `parseOpeningHours` for the weeks the
 * form can enter); `""` when no day is open and holidays are not said to be closed.
 * Throws when a day's intervals fail `checkDay`: the form checks them first.
 */
export function toOpeningHours(week: Week): string {
  const open = week.days.map((intervals) => [...intervals].sort((a, b) => a.start - b.start));
  for (const [day, intervals] of open.entries()) {
    const problem = checkDay(intervals);
    if (problem) throw new Error(`${WEEKDAYS[day]}: ${problem}`);
  }
  if (open.every((intervals) => intervals.length === 1 && intervals[0].start === 0 && intervals[0].end === 24 * 60)) {
    return week.closedOnHolidays ? "24/7; PH off" : "24/7";
  }
  const rules: { days: number[]; times: string }[] = [];
  for (const [day, intervals] of open.entries()) {
    if (!intervals.length) continue;
    const times = intervals.map((i) => `${osmTime(i.start)}-${osmTime(i.end)}`).join(",");
    const rule = rules.find((r) => r.times === times);
    if (rule) rule.days.push(day);
    else rules.push({ days: [day], times });
  }
  const text = rules.map((r) => `${osmDays(r.days)} ${r.times}`);
  if (week.closedOnHolidays) text.push("PH off");
  return text.join("; ");
}

/**
 * The same hours written one way, to tell whether they changed: the string rebuilt from its
 * reading when this module reads it (and the week fits the form), else the text trimmed.
 */
export function canonicalHours(text: string): string {
  const week = parseOpeningHours(text);
  if (!week || week.days.some((day) => checkDay(day) !== null)) return text.trim();
  return toOpeningHours(week);
}
