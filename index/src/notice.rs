//! What a place tells its visitors for a while: a temporary closure or a notice.
//!
//! "Fermé du 24 décembre au 2 janvier", "permanence déplacée à la mairie jusqu'au 15 mars":
//! neither fits a field of schema v1.0.2, and neither should outlive its dates. So a
//! [`Notice`] is an extension beside the schema's fields, never one of them: exports of the
//! schema's CSV stay valid, and the notice is in the place's GeoJSON (`avis`), on the page, and,
//! for a closure, in `open_now` and `open_at`, which say closed on its days whatever the hours
//! say. It expires by itself: every question is asked of a day, and a notice past its last day
//! answers nothing.
//!
//! A contribution (or a moderator) sets one with the extension fields of [`EXTENSION_FIELDS`],
//! which the change store keeps like the schema's: [`Notice::from_fields`] reads them.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

/// The fields that set a notice, beside the schema's: a closure's first and last days and its
/// reason, a notice's text and its first and last days.
pub const EXTENSION_FIELDS: [&str; 6] = [
    FERMETURE_DEBUT,
    FERMETURE_FIN,
    FERMETURE_MOTIF,
    AVIS_MESSAGE,
    AVIS_DEBUT,
    AVIS_FIN,
];

/// A temporary closure's first day (`YYYY-MM-DD`).
pub const FERMETURE_DEBUT: &str = "fermeture_debut";
/// A temporary closure's last day, included.
pub const FERMETURE_FIN: &str = "fermeture_fin";
/// Why it closes, for its visitors.
pub const FERMETURE_MOTIF: &str = "fermeture_motif";
/// A notice's text.
pub const AVIS_MESSAGE: &str = "avis_message";
/// A notice's first day (the day it is accepted when absent).
pub const AVIS_DEBUT: &str = "avis_debut";
/// A notice's last day, included.
pub const AVIS_FIN: &str = "avis_fin";

/// The longest a closure or a notice may last, in days: beyond it, the place has closed or
/// moved, which a closure or an update of its fields says.
pub const MAX_DAYS: i64 = 366;
/// The longest text of a notice, in characters.
pub const MAX_MESSAGE_CHARS: usize = 500;

/// Whether a notice closes the place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Closed on its days: `open_now` and `open_at` say so.
    Fermeture,
    /// Open as usual, with something to know.
    Avis,
}

/// A temporary closure or a notice of a place.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
pub struct Notice {
    /// Which.
    #[serde(rename = "type")]
    pub kind: NoticeKind,
    /// Its first day.
    #[schemars(with = "String")]
    pub debut: NaiveDate,
    /// Its last day, included.
    #[schemars(with = "String")]
    pub fin: NaiveDate,
    /// What it says ("" for a closure without a reason).
    pub message: String,
}

impl Notice {
    /// Whether it is in force on the day of `at` (local time).
    #[must_use]
    pub fn in_force(&self, at: NaiveDateTime) -> bool {
        (self.debut..=self.fin).contains(&at.date())
    }

    /// Whether it still has days to come after `today`, or is in force: what is shown.
    #[must_use]
    pub fn shown_on(&self, today: NaiveDate) -> bool {
        self.fin >= today
    }

    /// The notices that `fields` (a contribution's, extension fields among them) set, accepted
    /// on `accepted_on`: a closure when it names its days, a notice when it has a text.
    /// Fields that do not read are left out: they were checked when the contribution was made.
    #[must_use]
    pub fn from_fields(fields: &BTreeMap<String, String>, accepted_on: NaiveDate) -> Vec<Self> {
        let date = |name: &str| {
            fields
                .get(name)
                .and_then(|text| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok())
        };
        let text = |name: &str| {
            fields
                .get(name)
                .map(|t| t.trim().to_owned())
                .unwrap_or_default()
        };
        let mut notices = Vec::new();
        if let (Some(debut), Some(fin)) = (date(FERMETURE_DEBUT), date(FERMETURE_FIN)) {
            notices.push(Self {
                kind: NoticeKind::Fermeture,
                debut,
                fin,
                message: text(FERMETURE_MOTIF),
            });
        }
        let message = text(AVIS_MESSAGE);
        if let (false, Some(fin)) = (message.is_empty(), date(AVIS_FIN)) {
            notices.push(Self {
                kind: NoticeKind::Avis,
                debut: date(AVIS_DEBUT).unwrap_or(accepted_on),
                fin,
                message,
            });
        }
        notices
    }
}

/// Checks the extension fields among `fields` as a contribution gives them, from `today` on:
/// what is wrong, by field name. Dates are `YYYY-MM-DD`; a closure needs its two days, a
/// notice its text and last day; neither may end before `today`, start after it ends, or last
/// more than [`MAX_DAYS`].
#[must_use]
pub fn check_fields(
    fields: &BTreeMap<String, String>,
    today: NaiveDate,
) -> BTreeMap<&'static str, String> {
    let mut wrong = BTreeMap::new();
    let given = |name: &str| fields.get(name).is_some_and(|t| !t.trim().is_empty());
    let date = |name: &'static str, wrong: &mut BTreeMap<&'static str, String>| {
        let text = fields.get(name)?.trim();
        if text.is_empty() {
            return None;
        }
        let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        if parsed.is_none() {
            wrong.insert(name, format!("{text:?} is not a date YYYY-MM-DD"));
        }
        parsed
    };
    let closure = (
        date(FERMETURE_DEBUT, &mut wrong),
        date(FERMETURE_FIN, &mut wrong),
    );
    let notice = (date(AVIS_DEBUT, &mut wrong), date(AVIS_FIN, &mut wrong));
    let mut span = |debut: Option<NaiveDate>, fin: Option<NaiveDate>, name: &'static str| {
        let Some(fin) = fin else { return };
        if fin < today {
            wrong.insert(name, format!("{fin} is past"));
        } else if let Some(debut) = debut {
            if debut > fin {
                wrong.insert(name, format!("it ends before it starts ({debut})"));
            } else if (fin - debut).num_days() >= MAX_DAYS {
                wrong.insert(
                    name,
                    format!("longer than {MAX_DAYS} days: a place closed for longer has closed"),
                );
            }
        }
    };
    span(closure.0, closure.1, FERMETURE_FIN);
    span(notice.0.or(Some(today)), notice.1, AVIS_FIN);
    let closing = given(FERMETURE_DEBUT) || given(FERMETURE_FIN) || given(FERMETURE_MOTIF);
    if closing && !given(FERMETURE_DEBUT) {
        wrong
            .entry(FERMETURE_DEBUT)
            .or_insert_with(|| "a closure needs its first day".to_owned());
    }
    if closing && !given(FERMETURE_FIN) {
        wrong
            .entry(FERMETURE_FIN)
            .or_insert_with(|| "a closure needs its last day".to_owned());
    }
    let noticing = given(AVIS_MESSAGE) || given(AVIS_DEBUT) || given(AVIS_FIN);
    if noticing && !given(AVIS_MESSAGE) {
        wrong.insert(AVIS_MESSAGE, "a notice needs its text".to_owned());
    }
    if noticing && !given(AVIS_FIN) {
        wrong
            .entry(AVIS_FIN)
            .or_insert_with(|| "a notice needs its last day".to_owned());
    }
    for name in [FERMETURE_MOTIF, AVIS_MESSAGE] {
        if fields
            .get(name)
            .is_some_and(|t| t.chars().count() > MAX_MESSAGE_CHARS)
        {
            wrong.insert(name, format!("longer than {MAX_MESSAGE_CHARS} characters"));
        }
    }
    wrong
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_closure_is_in_force_on_its_days_only_and_shown_until_its_last() {
        let set = fields(&[
            (FERMETURE_DEBUT, "2026-12-24"),
            (FERMETURE_FIN, "2027-01-02"),
            (FERMETURE_MOTIF, "Fêtes de fin d'année"),
        ]);
        let notices = Notice::from_fields(&set, day("2026-12-01"));
        assert_eq!(notices.len(), 1);
        let closure = &notices[0];
        assert_eq!(closure.kind, NoticeKind::Fermeture);
        let at = |t: &str| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M").unwrap();
        assert!(!closure.in_force(at("2026-12-23 23:59")));
        assert!(closure.in_force(at("2026-12-24 00:00")));
        assert!(closure.in_force(at("2027-01-02 23:59")));
        assert!(!closure.in_force(at("2027-01-03 00:00")));
        assert!(closure.shown_on(day("2026-12-01")));
        assert!(closure.shown_on(day("2027-01-02")));
        assert!(!closure.shown_on(day("2027-01-03")));
    }

    #[test]
    fn a_notice_starts_the_day_it_is_accepted_unless_it_says_otherwise() {
        let set = fields(&[
            (AVIS_MESSAGE, "Permanence déplacée à la mairie"),
            (AVIS_FIN, "2027-03-15"),
        ]);
        let notices = Notice::from_fields(&set, day("2027-02-01"));
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].kind, NoticeKind::Avis);
        assert_eq!(notices[0].debut, day("2027-02-01"));
        assert!(check_fields(&set, day("2027-02-01")).is_empty());
    }

    #[test]
    fn what_is_wrong_is_said_field_by_field() {
        let today = day("2026-12-01");
        let wrong = check_fields(&fields(&[(FERMETURE_DEBUT, "24/12/2026")]), today);
        assert!(wrong[FERMETURE_DEBUT].contains("not a date"));
        assert!(wrong[FERMETURE_FIN].contains("last day"));
        let wrong = check_fields(
            &fields(&[
                (FERMETURE_DEBUT, "2026-11-01"),
                (FERMETURE_FIN, "2026-11-02"),
            ]),
            today,
        );
        assert!(wrong[FERMETURE_FIN].contains("past"));
        let wrong = check_fields(
            &fields(&[
                (FERMETURE_DEBUT, "2026-12-10"),
                (FERMETURE_FIN, "2026-12-05"),
            ]),
            today,
        );
        assert!(wrong[FERMETURE_FIN].contains("before it starts"));
        let wrong = check_fields(
            &fields(&[
                (FERMETURE_DEBUT, "2026-12-10"),
                (FERMETURE_FIN, "2028-12-05"),
            ]),
            today,
        );
        assert!(wrong[FERMETURE_FIN].contains("longer than"));
        let wrong = check_fields(&fields(&[(AVIS_FIN, "2027-01-05")]), today);
        assert!(wrong[AVIS_MESSAGE].contains("text"));
        let wrong = check_fields(&fields(&[(AVIS_MESSAGE, "Travaux")]), today);
        assert!(wrong[AVIS_FIN].contains("last day"));
    }
}
