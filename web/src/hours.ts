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
  if (source === "24/7") {
    week.days = WEEKDAYS.map(() => [{ start: 0, end: 24 * 60 }]);
    return week;
  }
  for (const rule of source.split(";").map((r) => r.trim()).filter(Boolean)) {
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
