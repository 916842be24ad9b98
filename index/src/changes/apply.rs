//! The accepted changes, applied on top of the base data: the places the map serves.
//!
//! The base data is what the sources say; the changes are what moderators accepted since. They
//! are applied in the order they were accepted, on every start and every reload, so a change
//! outlives both. A change says what each field was when it was proposed ([`AcceptedChange::
//! before`]): when the base data now says something else for that field (a new import changed
//! it meanwhile), the field is neither overwritten nor silently dropped: the base value stays
//! and the field is listed as a [`Conflict`] for a moderator to settle.

use std::collections::{BTreeMap, HashMap};

use super::validate::normalise;
use super::{AcceptedChange, ContributionKind};
use crate::notice::Notice;
use crate::place::{Place, SchemaField};

/// A field a change could not be applied to.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Conflict {
    /// The contribution.
    pub contribution: u64,
    /// The place.
    pub place_id: String,
    /// The field.
    pub field: String,
    /// Its value when the contribution was made.
    pub before: String,
    /// Its value in the base data now.
    pub base: String,
    /// The value the contribution set.
    pub proposed: String,
}

/// The places with the changes applied, and what could not be.
#[derive(Debug, Default)]
pub struct Applied {
    /// The places, closed ones left out.
    pub places: Vec<Place>,
    /// The fields left as the base data says.
    pub conflicts: Vec<Conflict>,
    /// The changes of places the base data no longer has: (contribution, place).
    pub orphans: Vec<(u64, String)>,
    /// The temporary closures and notices of the places, by id, in the order they were
    /// accepted (expired ones too: each question is asked of a day).
    pub notices: HashMap<String, Vec<Notice>>,
}

/// What `source` says of a place a contribution changed.
#[must_use]
pub fn source_of_contribution(contribution: u64) -> String {
    format!("contribution {contribution}")
}

/// The places that changes are applied to, one after the other: the base data's, or those
/// an index serves with the ones a batch changed so far (`serve`'s changes in place).
///
/// The places are a list, and a change moves as few of them as it can, so that what is derived
/// from each place's position in the list (an index's ordinals) can be patched where a change
/// was made instead of made again: a new version takes the old one's position, a new place
/// comes after every other, and a closed place's position is taken by the last place.
pub trait Places {
    /// The place `id` as the changes so far left it.
    fn current(&self, id: &str) -> Option<&Place>;
    /// Closes the place `id`, which is there: the last place takes its position.
    fn close(&mut self, id: &str);
    /// Sets the place `id`: a new version of one that is there, at its position, or a new
    /// one, after every other.
    fn set(&mut self, id: &str, place: Place);
}

/// Applies `changes`, in order, on `base`.
#[must_use]
pub fn apply(base: Vec<Place>, changes: &[AcceptedChange]) -> Applied {
    let mut places = BasePlaces {
        by_id: base
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id().to_owned(), i))
            .collect(),
        places: base,
    };
    let mut applied = Applied::default();
    apply_onto(&mut places, changes, &mut applied);
    applied.places = places.places;
    applied
}

/// The base data's places as the changes leave them.
struct BasePlaces {
    places: Vec<Place>,
    by_id: HashMap<String, usize>,
}

impl Places for BasePlaces {
    fn current(&self, id: &str) -> Option<&Place> {
        Some(&self.places[*self.by_id.get(id)?])
    }

    fn close(&mut self, id: &str) {
        if let Some(at) = self.by_id.remove(id) {
            self.places.swap_remove(at);
            if let Some(moved) = self.places.get(at) {
                self.by_id.insert(moved.id().to_owned(), at);
            }
        }
    }

    fn set(&mut self, id: &str, place: Place) {
        if let Some(at) = self.by_id.get(id) {
            self.places[*at] = place;
        } else {
            self.by_id.insert(id.to_owned(), self.places.len());
            self.places.push(place);
        }
    }
}

/// Applies `changes`, in order, on `places`; what they could not do, and the closures and
/// notices they set, go to `applied` (its `places` untouched).
pub fn apply_onto(places: &mut impl Places, changes: &[AcceptedChange], applied: &mut Applied) {
    for change in changes {
        let current = places.current(&change.place_id);
        match (change.kind, current) {
            (ContributionKind::Closed, Some(_)) => {
                places.close(&change.place_id);
                applied.notices.remove(&change.place_id);
            }
            (ContributionKind::New, None) => {
                if let Some(place) = changed_place(None, change, &change.after) {
                    add_notices(&mut applied.notices, change);
                    places.set(&change.place_id, place);
                }
            }
            (ContributionKind::Update, Some(current)) => {
                let mut fields = BTreeMap::new();
                for (name, after) in &change.after {
                    let Some(field) = SchemaField::from_name(name) else {
                        continue;
                    };
                    let now = current.field_text(field);
                    let before = change.before.get(name).cloned().unwrap_or_default();
                    if now != before && now != *after {
                        applied.conflicts.push(Conflict {
                            contribution: change.contribution,
                            place_id: change.place_id.clone(),
                            field: name.clone(),
                            before,
                            base: now,
                            proposed: after.clone(),
                        });
                    } else {
                        fields.insert(name.clone(), after.clone());
                    }
                }
                add_notices(&mut applied.notices, change);
                // A change that sets only a closure or a notice leaves the record as it was;
                // one that sets nothing (a place confirming its record) dates it.
                let only_notices = !change.after.is_empty()
                    && change
                        .after
                        .keys()
                        .all(|name| SchemaField::from_name(name).is_none());
                if only_notices {
                    continue;
                }
                if let Some(place) = changed_place(Some(current), change, &fields) {
                    places.set(&change.place_id, place);
                }
            }
            // A new place whose id the base data took since, or a change of a place it no
            // longer has.
            _ => applied
                .orphans
                .push((change.contribution, change.place_id.clone())),
        }
    }
}

/// Adds the temporary closures and notices `change` sets to its place's.
fn add_notices(notices: &mut HashMap<String, Vec<Notice>>, change: &AcceptedChange) {
    let set = Notice::from_fields(&change.after, change.accepted_on);
    if !set.is_empty() {
        notices
            .entry(change.place_id.clone())
            .or_default()
            .extend(set);
    }
}

/// `current` (or nothing, for a new place) with `fields` set by `change`: dated the day it was
/// accepted, and its source naming the contribution.
fn changed_place(
    current: Option<&Place>,
    change: &AcceptedChange,
    fields: &BTreeMap<String, String>,
) -> Option<Place> {
    let mut row: BTreeMap<SchemaField, String> = BTreeMap::new();
    if let Some(place) = current {
        for field in SchemaField::ALL {
            row.insert(field, place.field_text(field));
        }
    }
    for (name, value) in fields {
        if let Some(field) = SchemaField::from_name(name) {
            row.insert(field, value.clone());
        }
    }
    row.insert(SchemaField::Id, change.place_id.clone());
    row.insert(SchemaField::DateMaj, change.accepted_on.to_string());
    let contribution = source_of_contribution(change.contribution);
    let source = match current.map(Place::source).unwrap_or("") {
        "" => contribution,
        source => {
            let kept: Vec<&str> = source
                .split('|')
                .filter(|s| !s.starts_with("contribution "))
                .collect();
            kept.into_iter()
                .chain([contribution.as_str()])
                .collect::<Vec<_>>()
                .join("|")
        }
    };
    row.insert(SchemaField::Source, source);
    let (place, _) = normalise(&row);
    let mut place = place?;
    // What the base data set aside stays, but for the fields the change set.
    if let Some(current) = current {
        let mut others: Vec<_> = current
            .autres_valeurs
            .iter()
            .filter(|o| !fields.contains_key(o.field.name()))
            .cloned()
            .collect();
        others.extend(place.autres_valeurs.iter().cloned());
        place.autres_valeurs = others.into_boxed_slice();
    }
    Some(place)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changes::Fields;

    fn change(
        contribution: u64,
        kind: ContributionKind,
        place: &Place,
        before: &[(&str, &str)],
        after: &[(&str, &str)],
    ) -> AcceptedChange {
        let fields = |pairs: &[(&str, &str)]| -> Fields {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        AcceptedChange {
            contribution,
            kind,
            place_id: place.id().to_owned(),
            before: fields(before),
            after: fields(after),
            accepted_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
        }
    }

    #[test]
    fn changes_apply_in_order_dated_and_sourced_and_a_closure_takes_the_place_away() {
        let base = crate::ingest::generate::test_places(3, 5);
        let (a, b) = (&base[0], &base[1]);
        let phone = a.field_text(SchemaField::Telephone);
        let changes = [
            change(
                1,
                ContributionKind::Update,
                a,
                &[("telephone", &phone)],
                &[("telephone", "+33241000001")],
            ),
            change(
                2,
                ContributionKind::Update,
                a,
                &[("telephone", "+33241000001")],
                &[("telephone", "+33241000002")],
            ),
            change(3, ContributionKind::Closed, b, &[], &[]),
        ];
        let applied = apply(base.clone(), &changes);
        assert!(applied.conflicts.is_empty(), "{:?}", applied.conflicts);
        assert_eq!(applied.places.len(), 2);
        let changed = applied.places.iter().find(|p| p.id() == a.id()).unwrap();
        assert_eq!(changed.field_text(SchemaField::Telephone), "+33241000002");
        assert_eq!(changed.field_text(SchemaField::DateMaj), "2026-12-04");
        assert!(
            changed.source().ends_with("contribution 2"),
            "{}",
            changed.source()
        );
        assert_eq!(changed.nom(), a.nom());
        assert!(applied.places.iter().all(|p| p.id() != b.id()));
    }

    #[test]
    fn a_field_the_base_data_changed_since_is_a_conflict_not_overwritten() {
        let base = crate::ingest::generate::test_places(1, 5);
        let a = &base[0];
        let changes = [change(
            1,
            ContributionKind::Update,
            a,
            &[("telephone", "+33100000000"), ("nom", a.nom())],
            &[("telephone", "+33241000001"), ("nom", "Nouveau nom")],
        )];
        let applied = apply(base.clone(), &changes);
        assert_eq!(applied.conflicts.len(), 1, "{:?}", applied.conflicts);
        assert_eq!(applied.conflicts[0].field, "telephone");
        let place = &applied.places[0];
        assert_eq!(
            place.field_text(SchemaField::Telephone),
            a.field_text(SchemaField::Telephone)
        );
        assert_eq!(place.nom(), "Nouveau nom");
    }
}
