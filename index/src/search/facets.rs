//! Facet counts: how many matching places have each value of each vocabulary filter.
//!
//! Counts are disjunctive, as in a shop's filter panel: the counts of one filter are taken with
//! every *other* filter applied, so a person who ticked "Gratuit" still sees how many places
//! "Payant" would add. One pass gives them all: a place that passes every filter counts in
//! every facet; a place that fails exactly one facet's filter counts in that facet only; a
//! place that fails two counts nowhere. [`failed_facets`] says which filters a place fails.

use std::collections::HashMap;

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::filter::PlaceFilter;
use crate::place::Place;
use crate::vocab::{
    Dispositif, Frais, ModaliteAcces, ModaliteAccompagnement, PriseEnCharge, Public, Service,
    Typologie,
};
use crate::vocab::{VocabSet, Vocabulary};

/// A filter that has facet counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Facet {
    Services,
    Publics,
    PriseEnCharge,
    Frais,
    Dispositif,
    ModalitesAcces,
    ModalitesAccompagnement,
    Typologie,
    Departement,
}

impl Facet {
    /// Every facet, in the order of the answer.
    pub const ALL: [Self; 9] = [
        Self::Services,
        Self::Publics,
        Self::PriseEnCharge,
        Self::Frais,
        Self::Dispositif,
        Self::ModalitesAcces,
        Self::ModalitesAccompagnement,
        Self::Typologie,
        Self::Departement,
    ];

    /// The facet's name in answers: the schema's field name, which is also the filter's
    /// parameter.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Services => Service::FIELD,
            Self::Publics => Public::FIELD,
            Self::PriseEnCharge => PriseEnCharge::FIELD,
            Self::Frais => Frais::FIELD,
            Self::Dispositif => Dispositif::FIELD,
            Self::ModalitesAcces => ModaliteAcces::FIELD,
            Self::ModalitesAccompagnement => ModaliteAccompagnement::FIELD,
            Self::Typologie => Typologie::FIELD,
            Self::Departement => "departement",
        }
    }

    const fn bit(self) -> u16 {
        1 << self as u16
    }

    /// The facet of a mask with exactly one bit set.
    fn of_bit(mask: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.bit() == mask)
    }
}

/// The facet filters of `filter` that `place` fails, one bit per [`Facet`].
#[must_use]
pub fn failed_facets(filter: &PlaceFilter, place: &Place) -> u16 {
    fn fails<V: Vocabulary>(wanted: &VocabSet<V>, has: &VocabSet<V>) -> bool {
        !wanted.is_empty() && !wanted.intersects(has)
    }
    let checks = [
        (Facet::Services, fails(&filter.services, &place.services)),
        (
            Facet::Publics,
            fails(&filter.publics, &place.publics_specifiquement_adresses),
        ),
        (
            Facet::PriseEnCharge,
            fails(&filter.prise_en_charge, &place.prise_en_charge_specifique),
        ),
        (
            Facet::Frais,
            fails(&filter.frais_a_charge, &place.frais_a_charge),
        ),
        (
            Facet::Dispositif,
            fails(&filter.dispositifs, &place.dispositif_programmes_nationaux),
        ),
        (
            Facet::ModalitesAcces,
            fails(&filter.modalites_acces, &place.modalites_acces),
        ),
        (
            Facet::ModalitesAccompagnement,
            fails(
                &filter.modalites_accompagnement,
                &place.modalites_accompagnement,
            ),
        ),
        (Facet::Typologie, fails(&filter.typologie, &place.typologie)),
        (
            Facet::Departement,
            !filter.departements.is_empty()
                && !place
                    .departement()
                    .is_some_and(|d| filter.departements.contains(d)),
        ),
    ];
    checks
        .into_iter()
        .filter(|(_, failed)| *failed)
        .fold(0, |mask, (facet, _)| mask | facet.bit())
}

/// Counts being gathered.
#[derive(Debug, Default)]
pub struct FacetCounts<'a> {
    vocab: [Vec<u64>; 8],
    departements: HashMap<&'a str, u64>,
}

impl<'a> FacetCounts<'a> {
    /// Counts `place`, which failed the facet filters of `failed` (see [`failed_facets`]):
    /// in every facet when it failed none, in the one it failed when it failed one.
    pub fn add(&mut self, place: &'a Place, failed: u16) {
        if failed == 0 {
            for facet in Facet::ALL {
                self.add_to(facet, place);
            }
        } else if let Some(facet) = Facet::of_bit(failed) {
            self.add_to(facet, place);
        }
    }

    fn add_to(&mut self, facet: Facet, place: &'a Place) {
        fn count<V: Vocabulary>(counts: &mut Vec<u64>, set: &VocabSet<V>) {
            if counts.is_empty() {
                counts.resize(V::ALL.len(), 0);
            }
            for value in set.iter() {
                counts[value.index()] += 1;
            }
        }
        let slot = facet as usize;
        match facet {
            Facet::Services => count(&mut self.vocab[slot], &place.services),
            Facet::Publics => count(
                &mut self.vocab[slot],
                &place.publics_specifiquement_adresses,
            ),
            Facet::PriseEnCharge => {
                count(&mut self.vocab[slot], &place.prise_en_charge_specifique);
            }
            Facet::Frais => count(&mut self.vocab[slot], &place.frais_a_charge),
            Facet::Dispositif => {
                count(
                    &mut self.vocab[slot],
                    &place.dispositif_programmes_nationaux,
                );
            }
            Facet::ModalitesAcces => count(&mut self.vocab[slot], &place.modalites_acces),
            Facet::ModalitesAccompagnement => {
                count(&mut self.vocab[slot], &place.modalites_accompagnement);
            }
            Facet::Typologie => count(&mut self.vocab[slot], &place.typologie),
            Facet::Departement => {
                if let Some(code) = place.departement() {
                    *self.departements.entry(code).or_insert(0) += 1;
                }
            }
        }
    }

    /// The counts, each facet's values by decreasing count (values counted 0 left out).
    #[must_use]
    pub fn finish(self) -> Facets {
        fn labelled<V: Vocabulary>(counts: &[u64]) -> Vec<(String, u64)> {
            counts
                .iter()
                .zip(V::ALL)
                .filter(|(n, _)| **n > 0)
                .map(|(n, v)| (v.label().to_owned(), *n))
                .collect()
        }
        let facets = Facet::ALL
            .into_iter()
            .map(|facet| {
                let counts = &self
                    .vocab
                    .get(facet as usize)
                    .map_or(&[][..], Vec::as_slice);
                let mut values = match facet {
                    Facet::Services => labelled::<Service>(counts),
                    Facet::Publics => labelled::<Public>(counts),
                    Facet::PriseEnCharge => labelled::<PriseEnCharge>(counts),
                    Facet::Frais => labelled::<Frais>(counts),
                    Facet::Dispositif => labelled::<Dispositif>(counts),
                    Facet::ModalitesAcces => labelled::<ModaliteAcces>(counts),
                    Facet::ModalitesAccompagnement => labelled::<ModaliteAccompagnement>(counts),
                    Facet::Typologie => labelled::<Typologie>(counts),
                    Facet::Departement => self
                        .departements
                        .iter()
                        .map(|(code, n)| ((*code).to_owned(), *n))
                        .collect(),
                };
                values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                (facet, values)
            })
            .collect();
        Facets(facets)
    }
}

/// Facet counts: for each facet, its values and their counts, most frequent first. Serialised
/// as `{"services": {"Aide aux démarches administratives": 12, ...}, ...}`, keeping that order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facets(pub Vec<(Facet, Vec<(String, u64)>)>);

impl Facets {
    /// The counts of one facet.
    #[must_use]
    pub fn get(&self, facet: Facet) -> &[(String, u64)] {
        self.0
            .iter()
            .find(|(f, _)| *f == facet)
            .map_or(&[], |(_, values)| values.as_slice())
    }
}

impl Serialize for Facets {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Values<'a>(&'a [(String, u64)]);
        impl Serialize for Values<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (label, count) in self.0 {
                    map.serialize_entry(label, count)?;
                }
                map.end()
            }
        }
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (facet, values) in &self.0 {
            map.serialize_entry(facet.name(), &Values(values))?;
        }
        map.end()
    }
}
