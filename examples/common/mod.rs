//! What the examples share.

use lieux_index::changes::{AcceptedChange, ContributionKind};
use lieux_index::serve::LiveIndex;

/// An accepted change that renames the first place of `live`: the change the examples apply.
pub fn rename_first_place(live: &LiveIndex) -> AcceptedChange {
    let place = live.places(&[0]).next().expect("a place");
    AcceptedChange {
        contribution: 1,
        kind: ContributionKind::Update,
        place_id: place.id().to_owned(),
        before: [("nom".to_owned(), place.nom().to_owned())].into(),
        after: [("nom".to_owned(), "Renommé".to_owned())].into(),
        accepted_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 6).expect("a day"),
    }
}
