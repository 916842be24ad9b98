//! `date_maj` as people write it in French, with how precisely it is known.
//!
//! # Why
//!
//! Producers type their update dates by hand: "Février 2021", "Decembre 2019" without its
//! accent, "juil-22", "1er mars 2021", "03/2021", "2021". A regional export read before this
//! module had three quarters of its dates in such forms, and every one of them was replaced by
//! the day of the import, so a place last checked in 2018 claimed to have been checked that day.
//! Freshness is computed from `date_maj`, so a wrong recent date is worse than none.
//!
//! # The rule
//!
//! - A date given to the day is read as such ([`DatePrecision::Day`]): ISO 8601 (a date-time's
//!   date is taken), the mapping's chrono `date_formats`, or French text ("1er mars 2021",
//!   "3 févr. 2021", "lundi 3 mars 2021").
//! - A date known only to the month ("mars 2021", "juil-22", "03/2021", "2021-03") or the year
//!   ("2021") takes the first day of that month or year, and its precision says so
//!   ([`DatePrecision::Month`], [`DatePrecision::Year`]). The normaliser reports it as
//!   approximate.
//! - Anything else is not read ([`read_date`] gives `None`); the normaliser then takes the
//!   source's extraction date, or else the file's modification date, and marks the date
//!   [`DatePrecision::Unknown`]. It never takes the day of the import without that mark.
//!
//! Month names are matched folded (no accents, any case), whole or abbreviated, with or without
//! a dot: `janv`, `fevr`/`fev`, `avr`, `juil`, `sept`/`sep`, `oct`, `nov`, `dec`. A two-digit
//! year is read only next to a month *name* ("juil-22" is July 2022): "03/22" could be a day
//! and a month, and is not read.

use chrono::NaiveDate;

use crate::fold::fold;
use crate::place::DatePrecision;

/// A date read from a source, with how precisely the source knew it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadDate {
    /// The day, or the first day of the month or year.
    pub date: NaiveDate,
    /// [`DatePrecision::Day`], [`DatePrecision::Month`] or [`DatePrecision::Year`].
    pub precision: DatePrecision,
}

/// Reads a `date_maj` text: ISO 8601 first, then `formats` (chrono), then French forms.
#[must_use]
pub fn read_date(value: &str, formats: &[String]) -> Option<ReadDate> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let day = |date| ReadDate {
        date,
        precision: DatePrecision::Day,
    };
    let iso = value.get(..10).unwrap_or(value);
    if let Ok(date) = NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        return Some(day(date));
    }
    if let Some(date) = formats
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(value, f).ok())
    {
        return Some(day(date));
    }
    read_french(value)
}

/// The words of a French date: numbers and folded words, split on spaces and punctuation.
#[derive(Debug, PartialEq, Eq)]
enum Word {
    /// Digits, with how many there were ("03" is 2 digits).
    Number(u32, usize),
    /// A month, 1 to 12.
    Month(u32),
    /// "1er", "premier".
    First,
}

fn read_french(value: &str) -> Option<ReadDate> {
    let folded = fold(value);
    let mut words = Vec::new();
    for piece in folded
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | '/' | '.' | ',' | '\''))
        .filter(|p| !p.is_empty())
    {
        if piece.bytes().all(|b| b.is_ascii_digit()) {
            if piece.len() > 4 {
                return None;
            }
            words.push(Word::Number(piece.parse().ok()?, piece.len()));
        } else if piece == "1er" || piece == "premier" {
            words.push(Word::First);
        } else if let Some(month) = month_of(piece) {
            words.push(Word::Month(month));
        } else if is_weekday(piece) || piece == "le" {
            // "le lundi 3 mars 2021": the weekday adds nothing to the date.
        } else {
            return None;
        }
    }
    let year = |number: u32, digits: usize, named_month: bool| match digits {
        4 if (1900..=2100).contains(&number) => Some(number as i32),
        2 if named_month => Some(2000 + number as i32),
        _ => None,
    };
    let (date, precision) = match words.as_slice() {
        [Word::Number(y, 4)] => (
            NaiveDate::from_ymd_opt(year(*y, 4, false)?, 1, 1)?,
            DatePrecision::Year,
        ),
        [Word::Month(m), Word::Number(y, digits)] => (
            NaiveDate::from_ymd_opt(year(*y, *digits, true)?, *m, 1)?,
            DatePrecision::Month,
        ),
        [Word::Number(m, 1 | 2), Word::Number(y, 4)] => (
            NaiveDate::from_ymd_opt(year(*y, 4, false)?, *m, 1)?,
            DatePrecision::Month,
        ),
        [Word::Number(y, 4), Word::Number(m, 1 | 2)] => (
            NaiveDate::from_ymd_opt(year(*y, 4, false)?, *m, 1)?,
            DatePrecision::Month,
        ),
        [Word::First, Word::Month(m), Word::Number(y, digits)] => (
            NaiveDate::from_ymd_opt(year(*y, *digits, true)?, *m, 1)?,
            DatePrecision::Day,
        ),
        [Word::Number(d, 1 | 2), Word::Month(m), Word::Number(y, digits)] => (
            NaiveDate::from_ymd_opt(year(*y, *digits, true)?, *m, *d)?,
            DatePrecision::Day,
        ),
        _ => return None,
    };
    Some(ReadDate { date, precision })
}

/// The month a folded word names, whole or abbreviated (`janv`, `fevr`, `sept`…).
fn month_of(word: &str) -> Option<u32> {
    const MONTHS: [(&str, &[&str]); 12] = [
        ("janvier", &["janv", "jan"]),
        ("fevrier", &["fevr", "fev", "fevrie"]),
        ("mars", &["mar"]),
        ("avril", &["avr"]),
        ("mai", &[]),
        ("juin", &[]),
        ("juillet", &["juil", "juill"]),
        ("aout", &[]),
        ("septembre", &["sept", "sep"]),
        ("octobre", &["oct"]),
        ("novembre", &["nov"]),
        ("decembre", &["dec", "decem"]),
    ];
    MONTHS
        .iter()
        .zip(1..)
        .find(|((name, short), _)| *name == word || short.contains(&word))
        .map(|(_, month)| month)
}

fn is_weekday(word: &str) -> bool {
    matches!(
        word,
        "lundi" | "mardi" | "mercredi" | "jeudi" | "vendredi" | "samedi" | "dimanche"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MONTHS: [[&str; 3]; 12] = [
        ["janvier", "janv.", "Janv"],
        ["février", "févr.", "FEVRIER"],
        ["mars", "Mars", "MARS"],
        ["avril", "avr.", "Avril"],
        ["mai", "Mai", "MAI"],
        ["juin", "Juin", "JUIN"],
        ["juillet", "juil.", "juil"],
        ["août", "aout", "Août"],
        ["septembre", "sept.", "sept"],
        ["octobre", "oct.", "Oct"],
        ["novembre", "nov.", "Novembre"],
        ["décembre", "déc.", "Decembre"],
    ];

    proptest! {
        /// A date written in one of the ways people write it reads back to itself, with the
        /// precision the writing gives.
        #[test]
        fn french_dates_read_back(
            year in 2000i32..2035,
            month in 1u32..=12,
            day in 1u32..=28,
            spelling in 0usize..3,
            style in 0u8..7,
        ) {
            let name = MONTHS[month as usize - 1][spelling];
            let (text, precision) = match style {
                0 => (format!("{day} {name} {year}"), DatePrecision::Day),
                1 => (format!("le {day} {name} {year}"), DatePrecision::Day),
                2 => (format!("{name} {year}"), DatePrecision::Month),
                3 => (format!("{}-{:02}", name.trim_end_matches('.'), year % 100), DatePrecision::Month),
                4 => (format!("{month:02}/{year}"), DatePrecision::Month),
                5 => (format!("{year}-{month:02}"), DatePrecision::Month),
                _ => (format!("{year}"), DatePrecision::Year),
            };
            let date = match precision {
                DatePrecision::Day => NaiveDate::from_ymd_opt(year, month, day),
                DatePrecision::Month => NaiveDate::from_ymd_opt(year, month, 1),
                _ => NaiveDate::from_ymd_opt(year, 1, 1),
            }.unwrap();
            prop_assert_eq!(read_date(&text, &[]), Some(ReadDate { date, precision }), "{}", text);
        }
    }

    fn read(text: &str) -> Option<(String, DatePrecision)> {
        read_date(text, &[]).map(|r| (r.date.to_string(), r.precision))
    }

    fn month(text: &str) -> (String, DatePrecision) {
        (text.to_owned(), DatePrecision::Month)
    }

    #[test]
    fn iso_and_mapping_formats_are_read_to_the_day() {
        let fr = ["%d/%m/%Y".to_owned()];
        let want = NaiveDate::from_ymd_opt(2020, 2, 19);
        assert_eq!(read_date("19/02/2020", &fr).map(|r| r.date), want);
        assert_eq!(read_date("2020-02-19 19:00:45", &[]).map(|r| r.date), want);
        assert_eq!(
            read_date("2020-02-19", &fr).map(|r| r.precision),
            Some(DatePrecision::Day)
        );
        // A day and a month in figures are read only through the mapping's formats.
        assert_eq!(read("19/02/2020"), None);
    }

    #[test]
    fn month_names_with_or_without_accents_and_dots() {
        for (text, want) in [
            ("Février 2021", "2021-02-01"),
            ("fevrier 2021", "2021-02-01"),
            ("FÉVR. 2021", "2021-02-01"),
            ("févr 2021", "2021-02-01"),
            ("Decembre 2019", "2019-12-01"),
            ("déc. 2019", "2019-12-01"),
            ("janv. 2020", "2020-01-01"),
            ("sept 2018", "2018-09-01"),
            ("Septembre 2018", "2018-09-01"),
            ("août 2022", "2022-08-01"),
            ("Aout 2022", "2022-08-01"),
            ("juil-22", "2022-07-01"),
            ("juil. 22", "2022-07-01"),
            ("mai-2021", "2021-05-01"),
            ("mars 2021", "2021-03-01"),
        ] {
            assert_eq!(read(text), Some(month(want)), "{text:?}");
        }
    }

    #[test]
    fn numeric_months_and_years() {
        assert_eq!(read("03/2021"), Some(month("2021-03-01")));
        assert_eq!(read("3/2021"), Some(month("2021-03-01")));
        assert_eq!(read("2021-03"), Some(month("2021-03-01")));
        assert_eq!(read("2021/03"), Some(month("2021-03-01")));
        assert_eq!(
            read("2021"),
            Some(("2021-01-01".to_owned(), DatePrecision::Year))
        );
        assert_eq!(read(" 2019 "), read("2019"));
    }

    #[test]
    fn french_days() {
        let day = |d: &str| Some((d.to_owned(), DatePrecision::Day));
        assert_eq!(read("1er mars 2021"), day("2021-03-01"));
        assert_eq!(read("premier mars 2021"), day("2021-03-01"));
        assert_eq!(read("3 févr. 2021"), day("2021-02-03"));
        assert_eq!(read("lundi 15 mars 2021"), day("2021-03-15"));
        assert_eq!(read("le 15 mars 2021"), day("2021-03-15"));
        assert_eq!(read("31 déc 19"), day("2019-12-31"));
    }

    #[test]
    fn what_is_not_a_date_is_not_read() {
        for text in [
            "",
            "   ",
            "inconnu",
            "31 février 2021",
            "13/2021",
            "03/21",
            "21",
            "mars",
            "2021 mars 3",
            "1850",
            "3000",
            "mars 2021 ou avril 2021",
            "2021-13",
            "0/2021",
            "123456",
            "mois de mars 2021",
        ] {
            assert_eq!(read(text), None, "{text:?}");
        }
    }
}
