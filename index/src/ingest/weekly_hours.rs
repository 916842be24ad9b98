//! Conversion of free-text weekday opening hours into an OpenStreetMap
//! [`opening_hours`](https://wiki.openstreetmap.org/wiki/Key:opening_hours) string.
//!
//! # Why
//!
//! The France Services export publishes its hours as one free-text column per
//! weekday (`h_lundi` … `h_samedi`), with values such as
//! `"09:00 - 12:00 / 13:30 - 17:00"`, `"08:30-12:00,13:30-17:30"` or `"-"`.
//! The schema of the *lieux de médiation numérique* expects a single OSM
//! `opening_hours` value for the whole week, so the per-day texts have to be
//! parsed, normalised and grouped (`Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00`).
//!
//! The texts are typed by humans, so this module is deliberately conservative:
//! a day is either parsed *exactly* or reported back in
//! [`WeeklyHours::unparsed`] for the caller to log. Nothing is guessed.
//!
//! # Accepted day texts
//!
//! * Times: `09:00`, `9:30`, `9h`, `9h30`, `09H30`, `08 :00` (whitespace
//!   before or after the `:`). Hours must be 0–24, minutes 00–59 (always two
//!   digits), `24:00` is the only valid time with hour 24.
//! * Range separators: `-`, `–`, `—`, `à`.
//! * Separators between ranges: `/`, `,`, `;`, `&`, `et`, `-`
//!   (as in `09:00-12:30-13:30-17:00`), plain whitespace
//!   (`09:00-12:00 14:00-16:30`), or several of them in a row.
//! * `Fermé`, `Fermée`, `fermé`, `FERME`, … (optionally followed by a full
//!   stop) mean the day is explicitly closed.
//!
//! # What is silently ignored
//!
//! These never change the meaning of the value, so they are dropped rather
//! than reported:
//!
//! * leading/trailing whitespace and whitespace between tokens, including
//!   line breaks and non-breaking spaces;
//! * a text made only of dashes (`"-"`, 172 occurrences in the 2022-12 export),
//!   which is the export's "nothing here" placeholder, treated like a blank;
//! * the word `de` in front of a range (`de 9h à 12h`);
//! * case (`h`/`H`, `Fermé`/`FERMÉ`, `et`/`ET`);
//! * exact duplicate ranges in the same day
//!   (`09:00 - 12:00 / 09:00 - 12:00 / 13:30 - 17:00`);
//! * the order in which the ranges are written (they are sorted).
//!
//! # What is reported as unparsed
//!
//! Any other word (`sur rendez-vous`, `le matin`, `RDV`, `midi`, …), even next
//! to valid ranges; any unknown punctuation (`07:30:12:30`); bare numbers
//! without `h` or `:` (`9-12`); a range whose end is not after its start
//! (including the `00:00 - 00:00` placeholder seen in the export); ranges that
//! overlap without being identical; leading or trailing separators;
//! contradictory texts given for the same weekday.

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

/// Result of converting the texts of a whole week.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeeklyHours {
    /// OSM `opening_hours` value built from the days that could be parsed,
    /// or `None` when no day yields an opening range.
    pub opening_hours: Option<String>,
    /// Days whose text could not be parsed, Monday first, with their text as
    /// given. These days are left out of `opening_hours`.
    pub unparsed: Vec<(Weekday, String)>,
}

/// Converts the free-text hours of each weekday into one OSM `opening_hours`
/// value.
///
/// `days` holds `(weekday, raw text)` pairs in any order; missing weekdays and
/// empty/blank texts mean "no information" and are treated as closed. Days
/// with identical ranges are grouped (`Mo-Fr`, `Mo,We`), rules are ordered
/// by their first day, Monday first.
///
/// If a weekday is given several times, its non-blank texts must agree,
/// otherwise all of them are reported as unparsed.
///
/// See the module documentation for the accepted syntax.
#[must_use]
pub fn weekly_hours_to_osm(days: &[(Weekday, &str)]) -> WeeklyHours {
    let mut week: [Option<Vec<Range>>; 7] = Default::default();
    let mut unparsed = Vec::new();

    for day in Weekday::ALL {
        let texts: Vec<&str> = days
            .iter()
            .filter(|(d, _)| *d == day)
            .map(|&(_, text)| text)
            .collect();
        match resolve_day(&texts) {
            DayParse::NoInfo | DayParse::Closed => {}
            DayParse::Open(ranges) => week[day.index()] = Some(ranges),
            DayParse::Unparsed => unparsed.extend(
                texts
                    .iter()
                    .filter(|text| !matches!(parse_day(text), DayParse::NoInfo))
                    .map(|text| (day, (*text).to_owned())),
            ),
        }
    }

    WeeklyHours {
        opening_hours: format_week(&week),
        unparsed,
    }
}

/// A time range within a day, in minutes since midnight (`end > start`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Range {
    start: u16,
    end: u16,
}

/// Outcome of parsing the text of one day.
#[derive(Debug, PartialEq, Eq)]
enum DayParse {
    /// Blank or placeholder text: no information.
    NoInfo,
    /// Explicitly closed (`Fermé`).
    Closed,
    /// Open during these sorted, non-overlapping ranges.
    Open(Vec<Range>),
    /// Anything else.
    Unparsed,
}

/// Combines all texts given for one weekday: blanks are ignored, the
/// others must agree, otherwise the day is [`DayParse::Unparsed`].
fn resolve_day(texts: &[&str]) -> DayParse {
    let mut resolved = DayParse::NoInfo;
    for text in texts {
        resolved = match (resolved, parse_day(text)) {
            (DayParse::Unparsed, _) | (_, DayParse::Unparsed) => return DayParse::Unparsed,
            (previous, DayParse::NoInfo) => previous,
            (DayParse::NoInfo, current) => current,
            (previous, current) if previous == current => current,
            _ => return DayParse::Unparsed,
        };
    }
    resolved
}

/// Parses the text of a single day.
fn parse_day(text: &str) -> DayParse {
    let trimmed = text.trim();
    if trimmed.chars().all(|c| is_dash(c) || c.is_whitespace()) {
        return DayParse::NoInfo;
    }
    let lowered = trimmed.trim_end_matches('.').trim_end().to_lowercase();
    if matches!(lowered.as_str(), "fermé" | "fermée" | "ferme" | "fermee") {
        return DayParse::Closed;
    }
    tokenize(trimmed)
        .and_then(|tokens| parse_ranges(&tokens))
        .map_or(DayParse::Unparsed, DayParse::Open)
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '‐' | '‑' | '–' | '—')
}

/// Lexical units of a day text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// A time of day, in minutes since midnight.
    Time(u16),
    /// A dash: separates the two ends of a range, or two ranges.
    Dash,
    /// `à`: separates the two ends of a range.
    To,
    /// `/`, `,`, `;`, `&`, `et`: separates two ranges.
    Sep,
    /// `de`, ignorable in front of a range.
    From,
}

/// Splits a day text into tokens; `None` on any unknown character or word.
fn tokenize(text: &str) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c.is_ascii_digit() {
            tokens.push(Token::Time(lex_time(&mut chars)?));
        } else if is_dash(c) {
            chars.next();
            tokens.push(Token::Dash);
        } else if matches!(c, '/' | ',' | ';' | '&') {
            chars.next();
            tokens.push(Token::Sep);
        } else if c.is_alphabetic() {
            let mut word = String::new();
            while let Some(w) = chars.next_if(|w| w.is_alphabetic()) {
                word.extend(w.to_lowercase());
            }
            tokens.push(match word.as_str() {
                "et" => Token::Sep,
                "à" => Token::To,
                "de" => Token::From,
                _ => return None,
            });
        } else {
            return None;
        }
    }
    Some(tokens)
}

/// Reads a time such as `9h`, `09h30`, `9:30` or `08 :00`, starting at a digit.
fn lex_time(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<u16> {
    let hours = lex_digits(chars);
    if hours.is_empty() || hours.len() > 2 {
        return None;
    }
    skip_whitespace(chars);
    let minutes = match chars.next()? {
        ':' => {
            skip_whitespace(chars);
            lex_digits(chars)
        }
        'h' | 'H' => lex_digits(chars),
        _ => return None,
    };
    let minutes = match minutes.len() {
        0 => "0",
        2 => minutes.as_str(),
        _ => return None,
    };
    let hours: u16 = hours.parse().ok()?;
    let minutes: u16 = minutes.parse().ok()?;
    if minutes > 59 || hours > 24 || (hours == 24 && minutes > 0) {
        return None;
    }
    Some(hours * 60 + minutes)
}

fn lex_digits(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut digits = String::new();
    while let Some(d) = chars.next_if(char::is_ascii_digit) {
        digits.push(d);
    }
    digits
}

fn skip_whitespace(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while chars.next_if(|c| c.is_whitespace()).is_some() {}
}

/// Parses `[de] TIME (-|à) TIME` ranges separated by any number of
/// separators (or none), then sorts them and rejects overlaps.
fn parse_ranges(tokens: &[Token]) -> Option<Vec<Range>> {
    let mut ranges = Vec::new();
    let mut rest = tokens;
    loop {
        if let [Token::From, tail @ ..] = rest {
            rest = tail;
        }
        let [Token::Time(start), Token::Dash | Token::To, Token::Time(end), tail @ ..] = rest
        else {
            return None;
        };
        if end <= start {
            return None;
        }
        ranges.push(Range {
            start: *start,
            end: *end,
        });
        let next = tail
            .iter()
            .position(|t| !matches!(t, Token::Dash | Token::Sep))
            .unwrap_or(tail.len());
        if next == tail.len() {
            // End of text: a trailing separator means something is missing.
            if next > 0 {
                return None;
            }
            break;
        }
        rest = &tail[next..];
    }

    ranges.sort_unstable();
    ranges.dedup();
    if ranges.windows(2).any(|pair| pair[1].start < pair[0].end) {
        return None;
    }
    Some(ranges)
}

/// Builds the `opening_hours` value from the ranges of each day.
fn format_week(week: &[Option<Vec<Range>>; 7]) -> Option<String> {
    // Each rule: the days sharing a set of ranges, grouped by first occurrence.
    let mut rules: Vec<(Vec<Weekday>, &[Range])> = Vec::new();
    for day in Weekday::ALL {
        let Some(ranges) = week[day.index()].as_deref() else {
            continue;
        };
        match rules.iter_mut().find(|(_, r)| *r == ranges) {
            Some((rule_days, _)) => rule_days.push(day),
            None => rules.push((vec![day], ranges)),
        }
    }
    if rules.is_empty() {
        return None;
    }
    let rules: Vec<String> = rules
        .iter()
        .map(|(rule_days, ranges)| {
            let ranges: Vec<String> = ranges.iter().map(|r| format_range(*r)).collect();
            format!("{} {}", format_days(rule_days), ranges.join(","))
        })
        .collect();
    Some(rules.join("; "))
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
        let result = weekly_hours_to_osm(&row(values));
        assert!(
            result.unparsed.is_empty(),
            "unexpected unparsed: {result:?}"
        );
        result.opening_hours
    }

    fn one_day(text: &str) -> WeeklyHours {
        weekly_hours_to_osm(&[(Mo, text)])
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
        let result = weekly_hours_to_osm(&row([a, "09:00 - 12:00 / 14:00 - 19:00", a, "", a, sat]));
        assert_eq!(
            result.opening_hours.as_deref(),
            Some("Mo,We,Fr 09:00-12:00,14:00-17:00; Tu 09:00-12:00,14:00-19:00")
        );
        assert_eq!(result.unparsed, unparsed(&[(Sa, sat)]));
    }

    #[test]
    fn every_day_different_with_zero_range_saturday() {
        // id_fs 2281
        let result = weekly_hours_to_osm(&row([
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
        let result = weekly_hours_to_osm(&row([z, "", z, "", z, ""]));
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
        let result = weekly_hours_to_osm(&row([a, a, "07:30-13:30", a, "07:30:12:30", "-"]));
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
            }
        );
    }

    #[test]
    fn placeholder_range_next_to_real_range_is_unparsed() {
        // id_fs 1762
        let a = "00:00 - 00:00 / 09:00 - 12:00";
        let result = weekly_hours_to_osm(&row([a, a, a, a, a, ""]));
        assert_eq!(result.opening_hours, None);
        assert_eq!(result.unparsed.len(), 5);
    }

    #[test]
    fn blank_week_gives_nothing() {
        // 122 rows of the export have no usable hours at all
        assert_eq!(
            weekly_hours_to_osm(&row(["", "", "", "", "", "-"])),
            WeeklyHours::default()
        );
        assert_eq!(weekly_hours_to_osm(&[]), WeeklyHours::default());
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
        let result = weekly_hours_to_osm(&row([a, "Fermé", "fermée", a, "FERMÉ.", a]));
        assert_eq!(
            result.opening_hours.as_deref(),
            Some("Mo,Th,Sa 09:00-12:00")
        );
        assert!(result.unparsed.is_empty());
    }

    #[test]
    fn words_are_never_dropped() {
        for text in [
            "sur rendez-vous",
            "le matin",
            "09:00-12:00 sur RDV",
            "9h-12h (sur rendez-vous l'après-midi)",
            "Fermé le matin / 14:00-17:00",
            "9-12",
            "09:00-12:00 /",
            "/ 09:00-12:00",
            "9h3-12h",
            "25:00-26:00",
            "09:60-10:00",
            "12:00-09:00",
        ] {
            let result = one_day(text);
            assert_eq!(result.opening_hours, None, "{text:?}");
            assert_eq!(result.unparsed, unparsed(&[(Mo, text)]), "{text:?}");
        }
    }

    #[test]
    fn sunday_and_two_day_runs() {
        let result = weekly_hours_to_osm(&[
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
        let same = weekly_hours_to_osm(&[(Tu, "9h-12h"), (Tu, "09:00 - 12:00"), (Tu, "")]);
        assert_eq!(same.opening_hours.as_deref(), Some("Tu 09:00-12:00"));
        let conflict = weekly_hours_to_osm(&[(Tu, "9h-12h"), (Tu, "Fermé"), (Tu, "")]);
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
