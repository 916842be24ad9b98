//! How recently a place's record was checked: its freshness, from `date_maj`.
//!
//! A map is only as good as its last check: a social worker who sends someone to a place whose
//! hours date from 2019 sends them to a closed door as often as not. So each place has a
//! [`Fraicheur`]: `a_jour` when its record was updated within [`FreshnessRule::fresh_days`],
//! `ancienne` beyond [`FreshnessRule::stale_days`], `a_verifier` between the two. It is a filter
//! and a facet like the vocabularies (`fraicheur=ancienne`), the page shows it, and moderators
//! export the places to check for an update campaign. A place whose update date is unknown
//! (the import gave it a stand-in: the source's extraction date, or its file's) is `ancienne`.
//!
//! It is derived, not stored: the same record grows older every day. The live index classifies
//! its places on the day it is built, and the server builds it again each night.

use chrono::NaiveDate;

use crate::place::Place;
use crate::vocab::Fraicheur;

/// The thresholds of freshness, in days since `date_maj`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FreshnessRule {
    /// Updated at most this many days ago: `a_jour`.
    pub fresh_days: u32,
    /// Updated more than this many days ago: `ancienne`.
    pub stale_days: u32,
}

impl Default for FreshnessRule {
    /// A year and two years: the national data set asks its producers for a yearly check.
    fn default() -> Self {
        Self {
            fresh_days: 365,
            stale_days: 730,
        }
    }
}

impl FreshnessRule {
    /// The freshness of `place` on `today`: `ancienne` when its update date is unknown (a
    /// stand-in the import gave it, see [`Place::date_maj_known`]), whatever the stand-in.
    #[must_use]
    pub fn of(&self, place: &Place, today: NaiveDate) -> Fraicheur {
        if !place.date_maj_known() {
            return Fraicheur::Ancienne;
        }
        self.of_date(place.date_maj, today)
    }

    /// The freshness of a record updated on `date_maj`, on `today`.
    #[must_use]
    pub fn of_date(&self, date_maj: NaiveDate, today: NaiveDate) -> Fraicheur {
        let age = (today - date_maj).num_days();
        if age <= i64::from(self.fresh_days) {
            Fraicheur::AJour
        } else if age <= i64::from(self.stale_days) {
            Fraicheur::AVerifier
        } else {
            Fraicheur::Ancienne
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_days_since_the_last_update() {
        let rule = FreshnessRule {
            fresh_days: 30,
            stale_days: 90,
        };
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let ago = |days| today - chrono::Duration::days(days);
        assert_eq!(rule.of_date(ago(0), today), Fraicheur::AJour);
        assert_eq!(rule.of_date(ago(30), today), Fraicheur::AJour);
        assert_eq!(rule.of_date(ago(31), today), Fraicheur::AVerifier);
        assert_eq!(rule.of_date(ago(90), today), Fraicheur::AVerifier);
        assert_eq!(rule.of_date(ago(91), today), Fraicheur::Ancienne);
        // A date in the future (a source's typo) is no older than today.
        assert_eq!(rule.of_date(ago(-400), today), Fraicheur::AJour);
    }

    #[test]
    fn a_place_whose_date_is_a_stand_in_is_old_whatever_the_stand_in() {
        let rule = FreshnessRule::default();
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let mut place = crate::ingest::generate::test_places(1, 3).remove(0);
        place.date_maj = today;
        assert_eq!(rule.of(&place, today), Fraicheur::AJour);
        place.date_precision = crate::place::DatePrecision::Unknown;
        assert_eq!(rule.of(&place, today), Fraicheur::Ancienne);
        // Known to the month or the year is known.
        place.date_precision = crate::place::DatePrecision::Year;
        assert_eq!(rule.of(&place, today), Fraicheur::AJour);
    }
}
