//! French opening hours, as people type them, to one OpenStreetMap
//! [`opening_hours`](https://wiki.openstreetmap.org/wiki/Key:opening_hours) value.
//!
//! # Why
//!
//! The schema wants one OSM `opening_hours` value per place, and "ouvert maintenant" can only
//! answer from one. Sources write hours for people: one free-text column per weekday (France
//! Services `h_lundi` … `h_samedi`: `"09:00 - 12:00 / 13:30 - 17:00"`), or the whole week in one
//! sentence (Angers: `"9h-12h et 14h-17h du lundi au vendredi"`). This module reads both
//! ([`weekly_hours_to_osm`], [`read_week_text`]) with one French reader: [`lexer`] cuts the
//! text into tokens, [`day`] reads what one day (or group of days) says, [`week`] reads which
//! days a sentence names.
//!
//! The texts are typed by humans, so the reader is conservative: a text is read whole or not
//! at all, and what is not read comes back for the caller to report and keep. Nothing is
//! guessed, but for two documented defaults (`matin`, `après-midi`).
//!
//! # What a day says
//!
//! * Times: `9h`, `9h30`, `09H30`, `9:30`, `08 :00`, `9 heures`, `midi`, `minuit`. A bare
//!   number is an hour only at one end of a range whose other end is written as a time
//!   (`9h-12`, `de 9 à 12h`); `9-12` is not read.
//! * A range: `9h-12h`, `9h – 12h`, `9h/12h`, `de 9h à 12h`, `9h à 12h`. Between ranges:
//!   `/`, `,`, `;`, `&`, `et`, `puis`, `-`, or nothing (`09:00-12:00 14:00-17:00`). Ranges are
//!   sorted; identical ones are merged; ranges that overlap are not read.
//! * `fermé`, `fermée`, `FERMÉ.`: closed. A text made only of dashes (`"-"`) says nothing.
//! * `matin` and `après-midi` alone mean [`PeriodHours`]: by default 09:00-12:00 and
//!   14:00-17:00, or what the mapping's `[source].morning` / `afternoon` say; the caller reports
//!   each use. Beside ranges ("mardi matin de 9h15 à 12h30") they only confirm them, and the
//!   ranges must fall within them (a morning range ends by 14:00, an afternoon one starts at
//!   12:00 or later).
//! * `sur rendez-vous` (`sur RDV`, `uniquement sur rendez-vous`, `(sur rendez-vous)`) becomes
//!   an **OSM comment**, not `modalites_acces`, whose labels ("Prendre un RDV en ligne"…) do not
//!   say it: beside ranges, `Mo 09:00-12:00 "sur rendez-vous"` (open then, by appointment);
//!   alone, `We unknown "sur rendez-vous"` (hours not said, so "ouvert maintenant" answers
//!   "unknown" rather than "open all day").
//! * A condition that OSM cannot express ("hors vacances scolaires", "pour les jeunes", any
//!   words in parentheses) is kept as an OSM comment beside the ranges it qualifies, when it is
//!   words only: a condition holding a time, a day, a number or `matin` changes the schedule
//!   ("(17h pendant les vacances)", "(sauf jeudi)"), so the text is not read.
//!
//! # Which days a sentence names
//!
//! `lundi`, `Lundi`, `lun`, `lundis`; `du lundi au vendredi`, `lundi-vendredi`, `lundi au
//! jeudi`; lists `lundi, mercredi et vendredi`; `tous les jours`, `tous les jours sauf le
//! dimanche`; `le mardi matin`; `le 1er et le 3e mardi du mois` (OSM `Tu[1,3]`, also `dernier`
//! as `[-1]`), and `Dimanche (2e dimanche du mois uniquement)` (`Su[2]`). Days come before
//! their hours (`Lundi : 9h-12h Mardi : 14h-17h`) or, once, after them (`9h-12h et 14h-17h du
//! lundi au vendredi`). A sentence without days, or giving one day two different schedules,
//! is not read.
//!
//! # What is reported as unparsed
//!
//! Any other word; unknown punctuation (`07:30:12:30`); a range whose end is not after its
//! start (including the `00:00 - 00:00` placeholder of the France Services export); leading or
//! trailing separators in a day column; contradictory texts given for the same weekday.

mod day;
#[cfg(test)]
mod french_tests;
mod lexer;
mod week;

use day::{parse_body, DayState};
use lexer::lex;

/// A day of the week, in OSM `opening_hours` order (Monday first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    /// Monday (`lundi`).
    Mo,
    /// Tuesday (`mardi`).
    Tu,
    /// Wednesday (`mercredi`).
    We,
    /// Thursday (`jeudi`).
    Th,
    /// Friday (`vendredi`).
    Fr,
    /// Saturday (`samedi`).
    Sa,
    /// Sunday (`dimanche`).
    Su,
}

impl Weekday {
    /// All weekdays, Monday first.
    pub const ALL: [Weekday; 7] = [
        Weekday::Mo,
        Weekday::Tu,
        Weekday::We,
        Weekday::Th,
        Weekday::Fr,
        Weekday::Sa,
        Weekday::Su,
    ];

    /// The two-letter code used by OSM `opening_hours` (`"Mo"`, `"Tu"`, …).
    #[must_use]
    pub fn osm_code(self) -> &'static str {
        match self {
            Weekday::Mo => "Mo",
            Weekday::Tu => "Tu",
            Weekday::We => "We",
            Weekday::Th => "Th",
            Weekday::Fr => "Fr",
            Weekday::Sa => "Sa",
            Weekday::Su => "Su",
        }
    }

    /// Position in the week, Monday = 0.
    fn index(self) -> usize {
        self as usize
    }
}

/// What `matin` and `après-midi` mean when a text gives no hours with them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeriodHours {
    morning: Range,
    afternoon: Range,
}

impl Default for PeriodHours {
    /// 09:00-12:00 and 14:00-17:00: the most common hours of the France Services and conseiller
    /// numérique places (3,000 of their rules).
    fn default() -> Self {
        Self {
            morning: Range {
                start: 9 * 60,
                end: 12 * 60,
            },
            afternoon: Range {
                start: 14 * 60,
                end: 17 * 60,
            },
        }
    }
}

impl PeriodHours {
    /// The periods of a mapping: `morning` and `afternoon` as `"HH:MM-HH:MM"`, each defaulting
    /// to [`PeriodHours::default`].
    ///
    /// # Errors
    /// A message naming the value when it is not one range of the day.
    pub fn new(
        morning: Option<&str>,
        afternoon: Option<&str>,
    ) -> std::result::Result<Self, String> {
        let read = |text: Option<&str>, default: Range| match text {
            None => Ok(default),
            Some(text) => match parse_body(text, &lex(text), 0, None, &Self::default()) {
                Ok((Some(DayState::Open(hours)), _, _))
                    if hours.ranges.len() == 1 && hours.comment.is_none() =>
                {
                    Ok(hours.ranges[0])
                }
                _ => Err(format!(
                    "{text:?} is not one range of the day (\"09:00-12:00\")"
                )),
            },
        };
        let defaults = Self::default();
        Ok(Self {
            morning: read(morning, defaults.morning)?,
            afternoon: read(afternoon, defaults.afternoon)?,
        })
    }
}

/// Result of converting the texts of a whole week.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeeklyHours {
    /// OSM `opening_hours` value built from the days that could be read, or `None` when no day
    /// yields an opening.
    pub opening_hours: Option<String>,
    /// Days whose text could not be read, Monday first, with their text as given. These days
    /// are left out of `opening_hours`.
    pub unparsed: Vec<(Weekday, String)>,
    /// What the caller should report although it was read: a default period used, a condition
    /// kept as an OSM comment.
    pub notes: Vec<String>,
}

/// Converts the free-text hours of each weekday into one OSM `opening_hours` value.
///
/// `days` holds `(weekday, raw text)` pairs in any order; missing weekdays and empty/blank
/// texts mean "no information" and are treated as closed. Days with identical hours are
/// grouped (`Mo-Fr`, `Mo,We`), rules are ordered by their first day, Monday first.
///
/// If a weekday is given several times, its non-blank texts must agree, otherwise all of them
/// are reported as unparsed.
///
/// See the module documentation for the accepted syntax.
#[must_use]
pub fn weekly_hours_to_osm(days: &[(Weekday, &str)], periods: &PeriodHours) -> WeeklyHours {
    let mut schedule = Schedule::default();
    let mut unparsed = Vec::new();
    let mut notes = Vec::new();

    for day in Weekday::ALL {
        let texts: Vec<&str> = days
            .iter()
            .filter(|(d, _)| *d == day)
            .map(|&(_, text)| text)
            .collect();
        let mut resolved: Option<DayState> = None;
        let mut day_notes = Vec::new();
        let mut agree = true;
        for text in &texts {
            match read_day(text, periods) {
                Ok((None, _)) => {}
                Ok((Some(state), text_notes)) => match &resolved {
                    Some(previous) if *previous != state => agree = false,
                    Some(_) => {}
                    None => {
                        resolved = Some(state);
                        day_notes = text_notes;
                    }
                },
                Err(()) => agree = false,
            }
        }
        if agree {
            schedule.days[day.index()] = resolved;
            notes.extend(
                day_notes
                    .into_iter()
                    .map(|n| format!("{}: {n}", day.osm_code())),
            );
        } else {
            unparsed.extend(
                texts
                    .iter()
                    .filter(|text| !matches!(read_day(text, periods), Ok((None, _))))
                    .map(|text| (day, (*text).to_owned())),
            );
        }
    }

    WeeklyHours {
        opening_hours: schedule.open_rules(),
        unparsed,
        notes,
    }
}

/// What a whole-week text says, once read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekText {
    /// The OSM `opening_hours` value (`"off"` when the text only says closed).
    pub opening_hours: String,
    /// What the caller should report although it was read (see [`WeeklyHours::notes`]).
    pub notes: Vec<String>,
}

/// Reads a whole week written as French text ("du lundi au vendredi de 9h à 12h et de 14h à
/// 17h", "Lundi : 9h-12h Mardi : fermé", "le 1er et le 3e mardi du mois de 14h à 17h").
/// `None` when the text is not read whole: the caller keeps it as text and reports it.
#[must_use]
pub fn read_week_text(text: &str, periods: &PeriodHours) -> Option<WeekText> {
    let (schedule, notes) = week::read_week(text, &lex(text), periods)?;
    let opening_hours = schedule.open_rules().or_else(|| schedule.closed_rules())?;
    Some(WeekText {
        opening_hours,
        notes,
    })
}

/// Reads the text of one weekday column: `Ok(None)` when it says nothing (blank, dashes).
fn read_day(
    text: &str,
    periods: &PeriodHours,
) -> std::result::Result<(Option<DayState>, Vec<String>), ()> {
    if text.chars().all(|c| c.is_whitespace() || lexer::is_dash(c)) {
        return Ok((None, Vec::new()));
    }
    let tokens = lex(text);
    let (state, next, notes) = parse_body(text, &tokens, 0, None, periods)?;
    if next != tokens.len() {
        return Err(());
    }
    Ok((state, notes))
}

/// A time range within a day, in minutes since midnight (`end > start`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Range {
    start: u16,
    end: u16,
}

/// The hours of one day, or of the days of one rule: sorted ranges that do not overlap (none
/// when only a comment is known, as "sur rendez-vous"), and an OSM comment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct DayHours {
    ranges: Vec<Range>,
    comment: Option<String>,
}

/// A week being read: what each weekday says, and the rules for some weekdays of the month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Schedule {
    days: [Option<DayState>; 7],
    /// `Tu[1,3] 09:00-12:00`: a weekday, which of them in the month, and their hours.
    nth: Vec<(Weekday, Vec<i8>, DayHours)>,
}

impl Schedule {
    /// The OSM rules of the open days, grouped by identical hours; `None` when no day is open.
    fn open_rules(&self) -> Option<String> {
        let mut rules: Vec<(Vec<Weekday>, &DayHours)> = Vec::new();
        for day in Weekday::ALL {
            let Some(DayState::Open(hours)) = &self.days[day.index()] else {
                continue;
            };
            match rules.iter_mut().find(|(_, h)| *h == hours) {
                Some((rule_days, _)) => rule_days.push(day),
                None => rules.push((vec![day], hours)),
            }
        }
        let mut out: Vec<String> = rules
            .iter()
            .map(|(days, hours)| format!("{} {}", format_days(days), format_hours(hours)))
            .collect();
        for (day, which, hours) in &self.nth {
            let which: Vec<String> = which.iter().map(ToString::to_string).collect();
            out.push(format!(
                "{}[{}] {}",
                day.osm_code(),
                which.join(","),
                format_hours(hours)
            ));
        }
        (!out.is_empty()).then(|| out.join("; "))
    }

    /// `Mo,Tu off` for the days said closed; `None` when none is.
    fn closed_rules(&self) -> Option<String> {
        let closed: Vec<Weekday> = Weekday::ALL
            .into_iter()
            .filter(|d| self.days[d.index()] == Some(DayState::Closed))
            .collect();
        (!closed.is_empty()).then(|| format!("{} off", format_days(&closed)))
    }
}

/// `09:00-12:00,14:00-17:00 "comment"`, or `unknown "comment"` without ranges.
fn format_hours(hours: &DayHours) -> String {
    let mut out = if hours.ranges.is_empty() {
        "unknown".to_owned()
    } else {
        let ranges: Vec<String> = hours.ranges.iter().map(|r| format_range(*r)).collect();
        ranges.join(",")
    };
    if let Some(comment) = &hours.comment {
        out.push_str(" \"");
        out.push_str(comment);
        out.push('"');
    }
    out
}

/// Formats sorted weekdays, collapsing runs: `Mo-We,Fr`, `Sa,Su`.
fn format_days(days: &[Weekday]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < days.len() {
        let mut j = i;
        while j + 1 < days.len() && days[j + 1].index() == days[j].index() + 1 {
            j += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(days[i].osm_code());
        match j - i {
            0 => {}
            1 => {
                out.push(',');
                out.push_str(days[j].osm_code());
            }
            _ => {
                out.push('-');
                out.push_str(days[j].osm_code());
            }
        }
        i = j + 1;
    }
    out
}

/// Formats a range as `HH:MM-HH:MM`.
fn format_range(range: Range) -> String {
    format!(
        "{:02}:{:02}-{:02}:{:02}",
        range.start / 60,
        range.start % 60,
        range.end / 60,
        range.end % 60
    )
}

#[cfg(test)]
mod tests {
    use super::Weekday::{Fr, Mo, Sa, Su, Th, Tu, We};
    use super::*;

    /// Builds the input for one CSV row (`h_lundi` … `h_samedi`).
    fn row(values: [&'static str; 6]) -> Vec<(Weekday, &'static str)> {
        Weekday::ALL.into_iter().zip(values).collect()
    }

    fn osm(values: [&'static str; 6]) -> Option<String> {
        let result = week_of(&row(values));
        assert!(
            result.unparsed.is_empty(),
            "unexpected unparsed: {result:?}"
        );
        result.opening_hours
    }

    fn one_day(text: &str) -> WeeklyHours {
        week_of(&[(Mo, text)])
    }

    fn week_of(days: &[(Weekday, &str)]) -> WeeklyHours {
        weekly_hours_to_osm(days, &PeriodHours::default())
    }

    fn unparsed(list: &[(Weekday, &str)]) -> Vec<(Weekday, String)> {
        list.iter().map(|&(d, t)| (d, t.to_owned())).collect()
    }

    // ---- Real rows of france-services_liste-fs-20221201.csv ----

    #[test]
    fn standard_format_with_different_friday() {
        // id_fs 1
        let a = "09:00 - 12:00 / 13:30 - 17:00";
        assert_eq!(
            osm([a, a, a, a, "09:00 - 12:00 / 13:30 - 16:00", ""]).as_deref(),
            Some("Mo-Th 09:00-12:00,13:30-17:00; Fr 09:00-12:00,13:30-16:00")
        );
    }

    #[test]
    fn single_range_monday_to_friday() {
        // id_fs 3
        let a = "09:30 - 16:30";
        assert_eq!(
            osm([a, a, a, a, a, ""]).as_deref(),
            Some("Mo-Fr 09:30-16:30")
        );
    }

    #[test]
    fn non_consecutive_days_share_a_rule() {
        // id_fs 406 (Saturday has the 00:00 - 00:00 placeholder)
        let a = "09:00 - 12:00 / 14:00 - 17:00";
        let sat = "00:00 - 00:00 / 09:00 - 12:00";
        let result = week_of(&row([a, "09:00 - 12:00 / 14:00 - 19:00", a, "", a, sat]));
        assert_eq!(
            result.opening_hours.as_deref(),
            Some("Mo,We,Fr 09:00-12:00,14:00-17:00; Tu 09:00-12:00,14:00-19:00")
        );
        assert_eq!(result.unparsed, unparsed(&[(Sa, sat)]));
    }

    #[test]
    fn every_day_different_with_zero_range_saturday() {
        // id_fs 2281
        let result = week_of(&row([
            "13:00 - 19:00",
            "13:00 - 18:00",
            "14:00 - 18:00",
            "09:00 - 13:00",
            "09:00 - 13:00 / 14:00 - 18:00",
            "00:00 - 00:00",
        ]));
        assert_eq!(
            result.opening_hours.as_deref(),
            Some(
                "Mo 13:00-19:00; Tu 13:00-18:00; We 14:00-18:00; \
                 Th 09:00-13:00; Fr 09:00-13:00,14:00-18:00"
            )
        );
        assert_eq!(result.unparsed, unparsed(&[(Sa, "00:00 - 00:00")]));
    }

    #[test]
    fn only_placeholder_ranges_give_no_value() {
        // id_fs 230
        let z = "00:00 - 00:00";
        let result = week_of(&row([z, "", z, "", z, ""]));
        assert_eq!(result.opening_hours, None);
        assert_eq!(result.unparsed, unparsed(&[(Mo, z), (We, z), (Fr, z)]));
    }

    #[test]
    fn compact_format_with_dash_saturday() {
        // id_fs temp_134: whitespace between ranges, "-" on Saturday
        let a = "09:00-12:00 14:00-16:30";
        assert_eq!(
            osm([a, a, a, a, a, "-"]).as_deref(),
            Some("Mo-Fr 09:00-12:00,14:00-16:30")
        );
    }

    #[test]
    fn comma_separated_ranges() {
        // id_fs temp_51
        assert_eq!(
            osm([
                "08:30-12:00",
                "08:30-12:00/13:30-17:30",
                "08:30-12:00,13:30-17:30",
                "08:30-12:00,13:30-17:30",
                "08:30-12:00,13:30-17:00",
                "-",
            ])
            .as_deref(),
            Some("Mo 08:30-12:00; Tu-Th 08:30-12:00,13:30-17:30; Fr 08:30-12:00,13:30-17:00")
        );
    }

    #[test]
    fn space_before_colon_and_dash_monday() {
        // id_fs temp_56
        assert_eq!(
            osm([
                "-",
                "08:00-13:00",
                "08:00-13:00/13 :30-17:00",
                "08:00-13:00/13 :30-17:00",
                "08:00-17:00",
                "-",
            ])
            .as_deref(),
            Some("Tu 08:00-13:00; We,Th 08:00-13:00,13:30-17:00; Fr 08:00-17:00")
        );
    }

    #[test]
    fn space_before_colon_at_start() {
        // id_fs temp_57 (Friday)
        assert_eq!(
            one_day("08 :00-12:00/14:00-17:00").opening_hours.as_deref(),
            Some("Mo 08:00-12:00,14:00-17:00")
        );
    }

    #[test]
    fn mixed_h_and_colon() {
        // id_fs temp_44 (Thursday)
        assert_eq!(
            one_day("09:00-12h00").opening_hours.as_deref(),
            Some("Mo 09:00-12:00")
        );
    }

    #[test]
    fn dash_between_ranges() {
        // id_fs temp_28 (Monday) and temp_152 (Thursday)
        assert_eq!(
            one_day("09:00-12:30-13:30-17:00").opening_hours.as_deref(),
            Some("Mo 09:00-12:30,13:30-17:00")
        );
        assert_eq!(
            one_day("09:00-12:00-14:00-17:00").opening_hours.as_deref(),
            Some("Mo 09:00-12:00,14:00-17:00")
        );
    }

    #[test]
    fn line_breaks_inside_value() {
        // id_fs temp_148 (Friday, multi-line CSV field)
        assert_eq!(
            one_day("09:30-12:30/\n\n 13:30-18:00")
                .opening_hours
                .as_deref(),
            Some("Mo 09:30-12:30,13:30-18:00")
        );
    }

    #[test]
    fn touching_ranges_are_kept() {
        // id_fs temp_29 (Thursday)
        assert_eq!(
            one_day("09:00-13:00/13:00-16:00").opening_hours.as_deref(),
            Some("Mo 09:00-13:00,13:00-16:00")
        );
    }

    #[test]
    fn exact_duplicate_ranges_are_merged() {
        // id_fs 1329 (Monday)
        assert_eq!(
            one_day("09:00 - 12:00 / 09:00 - 12:00 / 09:00 - 12:00 / 13:30 - 17:00")
                .opening_hours
                .as_deref(),
            Some("Mo 09:00-12:00,13:30-17:00")
        );
    }

    #[test]
    fn four_short_ranges() {
        // id_fs 1892 (Monday)
        assert_eq!(
            one_day("08:45 - 09:45 / 10:30 - 11:30 / 13:30 - 14:30 / 15:00 - 16:15")
                .opening_hours
                .as_deref(),
            Some("Mo 08:45-09:45,10:30-11:30,13:30-14:30,15:00-16:15")
        );
    }

    #[test]
    fn colon_instead_of_dash_is_unparsed() {
        // id_fs temp_67
        let a = "07:30-12:30/14:00-17:00";
        let result = week_of(&row([a, a, "07:30-13:30", a, "07:30:12:30", "-"]));
        assert_eq!(
            result.opening_hours.as_deref(),
            Some("Mo,Tu,Th 07:30-12:30,14:00-17:00; We 07:30-13:30")
        );
        assert_eq!(result.unparsed, unparsed(&[(Fr, "07:30:12:30")]));
    }

    #[test]
    fn overlapping_ranges_are_unparsed() {
        // id_fs temp_29 (Tuesday: "13:00" typed as "/3:00")
        let typo = "09:00-13:00-/3:00-16:00";
        assert_eq!(one_day(typo).unparsed, unparsed(&[(Mo, typo)]));
        // id_fs 1355 (Monday)
        let nested = "08:30 - 17:30 / 08:30 - 17:30 / 08:30 - 12:30 / 08:30 - 12:30";
        assert_eq!(
            one_day(nested),
            WeeklyHours {
                opening_hours: None,
                unparsed: unparsed(&[(Mo, nested)]),
                notes: Vec::new(),
            }
        );
    }

    #[test]
    fn placeholder_range_next_to_real_range_is_unparsed() {
        // id_fs 1762
        let a = "00:00 - 00:00 / 09:00 - 12:00";
        let result = week_of(&row([a, a, a, a, a, ""]));
        assert_eq!(result.opening_hours, None);
        assert_eq!(result.unparsed.len(), 5);
    }

    #[test]
    fn blank_week_gives_nothing() {
        // 122 rows of the export have no usable hours at all
        assert_eq!(
            week_of(&row(["", "", "", "", "", "-"])),
            WeeklyHours::default()
        );
        assert_eq!(week_of(&[]), WeeklyHours::default());
    }

    // ---- Other shapes found in French free-text hours ----

    #[test]
    fn french_h_notation_with_et_and_a() {
        assert_eq!(
            one_day("9h-12h et 14h-17h").opening_hours.as_deref(),
            Some("Mo 09:00-12:00,14:00-17:00")
        );
        assert_eq!(
            one_day("de 9h30 à 12h et de 14H à 17H30")
                .opening_hours
                .as_deref(),
            Some("Mo 09:30-12:00,14:00-17:30")
        );
        assert_eq!(
            one_day("9h00-12h00 ; 13h30-17h00").opening_hours.as_deref(),
            Some("Mo 09:00-12:00,13:30-17:00")
        );
    }

    #[test]
    fn ranges_are_sorted() {
        assert_eq!(
            one_day("14:00-17:00 / 9:00-12:00").opening_hours.as_deref(),
            Some("Mo 09:00-12:00,14:00-17:00")
        );
    }

    #[test]
    fn ferme_means_closed() {
        let a = "9h-12h";
        let result = week_of(&row([a, "Fermé", "fermée", a, "FERMÉ.", a]));
        assert_eq!(
            result.opening_hours.as_deref(),
            Some("Mo,Th,Sa 09:00-12:00")
        );
        assert!(result.unparsed.is_empty());
    }

    #[test]
    fn what_changes_the_schedule_unread_is_never_dropped() {
        for text in [
            "9h-12h (sur rendez-vous l'après-midi)",
            "Fermé le matin / 14:00-17:00",
            "9h-12h (17h le mercredi)",
            "9h-12h sauf le 1er lundi",
            "9-12",
            "09:00-12:00 /",
            "/ 09:00-12:00",
            "9h3-12h",
            "25:00-26:00",
            "09:60-10:00",
            "12:00-09:00",
            "9h-12h 14h",
            "midi",
            "matin 14h-17h",
            "Jeune (16-25 ans)",
            "7j/7",
            "lundi 9h-12h",
        ] {
            let result = one_day(text);
            assert_eq!(result.opening_hours, None, "{text:?}");
            assert_eq!(result.unparsed, unparsed(&[(Mo, text)]), "{text:?}");
        }
    }

    #[test]
    fn sunday_and_two_day_runs() {
        let result = week_of(&[
            (Su, "10:00-12:00"),
            (Sa, "10:00-12:00"),
            (Mo, "08:00-24:00"),
            (Tu, "08:00-24:00"),
            (We, "08:00-24:00"),
        ]);
        assert_eq!(
            result.opening_hours.as_deref(),
            Some("Mo-We 08:00-24:00; Sa,Su 10:00-12:00")
        );
    }

    #[test]
    fn repeated_weekday_must_agree() {
        let same = week_of(&[(Tu, "9h-12h"), (Tu, "09:00 - 12:00"), (Tu, "")]);
        assert_eq!(same.opening_hours.as_deref(), Some("Tu 09:00-12:00"));
        let conflict = week_of(&[(Tu, "9h-12h"), (Tu, "Fermé"), (Tu, "")]);
        assert_eq!(conflict.opening_hours, None);
        assert_eq!(
            conflict.unparsed,
            unparsed(&[(Tu, "9h-12h"), (Tu, "Fermé")])
        );
    }

    #[test]
    fn osm_codes() {
        let codes: Vec<&str> = Weekday::ALL.into_iter().map(Weekday::osm_code).collect();
        assert_eq!(codes, ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]);
        assert_eq!(Th.osm_code(), "Th");
    }
}
