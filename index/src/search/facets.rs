//! Facet counts: how many matching places have each value of each vocabulary filter.
//!
//! Counts are disjunctive, as in a shop's filter panel: the counts of one filter are taken with
//! every *other* filter applied, so a person who ticked "Gratuit" still sees how many places
//! "Payant" would add. One pass gives them all: a place that passes every filter counts in
//! every facet; a place that fails exactly one facet's filter counts in that facet only; a
//! place that fails two counts nowhere.
//!
//! A broad search visits hundreds of thousands of places, so what the pass reads is kept apart
//! from the places, in [`FacetColumns`]: per place, its vocabulary bitsets and a small
//! département number, 64 bytes in a row, instead of a walk through each place's record and a
//! département parsed from its codes.

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::filter::PlaceFilter;
use crate::place::Place;
use crate::vocab::{
    Dispositif, Frais, ModaliteAcces, ModaliteAccompagnement, PriseEnCharge, Public, Service,
    Typologie, VocabSet, Vocabulary,
};

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

/// What facets read of one place.
#[derive(Clone, Copy, Debug, Default)]
pub struct FacetRow {
    typologie: VocabSet<Typologie>,
    services: VocabSet<Service>,
    publics: VocabSet<Public>,
    prise_en_charge: VocabSet<PriseEnCharge>,
    frais: VocabSet<Frais>,
    dispositifs: VocabSet<Dispositif>,
    modalites_acces: VocabSet<ModaliteAcces>,
    modalites_accompagnement: VocabSet<ModaliteAccompagnement>,
    /// An index into [`FacetColumns::departements`], or [`NO_DEPARTEMENT`].
    departement: u16,
}

const NO_DEPARTEMENT: u16 = u16::MAX;

/// The [`FacetRow`] of every place, by ordinal.
#[derive(Debug, Default)]
pub struct FacetColumns {
    rows: Vec<FacetRow>,
    /// The département codes that occur.
    departements: Vec<String>,
}

impl FacetColumns {
    /// The rows of `places`.
    #[must_use]
    pub fn build(places: &[Place]) -> Self {
        let mut departements: Vec<String> = Vec::new();
        let rows = places
            .iter()
            .map(|place| {
                let departement = place.departement().map_or(NO_DEPARTEMENT, |code| {
                    let at = departements
                        .iter()
                        .position(|d| d == code)
                        .unwrap_or_else(|| {
                            departements.push(code.to_owned());
                            departements.len() - 1
                        });
                    u16::try_from(at).unwrap_or(NO_DEPARTEMENT)
                });
                FacetRow {
                    typologie: place.typologie,
                    services: place.services,
                    publics: place.publics_specifiquement_adresses,
                    prise_en_charge: place.prise_en_charge_specifique,
                    frais: place.frais_a_charge,
                    dispositifs: place.dispositif_programmes_nationaux,
                    modalites_acces: place.modalites_acces,
                    modalites_accompagnement: place.modalites_accompagnement,
                    departement,
                }
            })
            .collect();
        Self { rows, departements }
    }

    /// The row of the place `ordinal`.
    #[must_use]
    pub fn row(&self, ordinal: u32) -> &FacetRow {
        &self.rows[ordinal as usize]
    }

    /// The facet filters of `filter`, ready to be checked against rows.
    #[must_use]
    pub fn compile(&self, filter: &PlaceFilter) -> FacetFilter {
        FacetFilter {
            wanted: FacetRow {
                typologie: filter.typologie,
                services: filter.services,
                publics: filter.publics,
                prise_en_charge: filter.prise_en_charge,
                frais: filter.frais_a_charge,
                dispositifs: filter.dispositifs,
                modalites_acces: filter.modalites_acces,
                modalites_accompagnement: filter.modalites_accompagnement,
                departement: NO_DEPARTEMENT,
            },
            departements: (!filter.departements.is_empty()).then(|| {
                self.departements
                    .iter()
                    .map(|code| filter.departements.contains(code))
                    .collect()
            }),
        }
    }

    /// An empty count over these columns.
    #[must_use]
    pub fn counts(&self) -> FacetCounts<'_> {
        FacetCounts {
            columns: self,
            vocab: Default::default(),
            departements: vec![0; self.departements.len()],
        }
    }
}

/// The facet filters of a search.
#[derive(Clone, Debug)]
pub struct FacetFilter {
    /// The wanted values, as a row; empty sets want anything.
    wanted: FacetRow,
    /// Per département index, whether it is wanted; `None` wants any.
    departements: Option<Vec<bool>>,
}

impl FacetFilter {
    /// The facet filters that `row` fails, one bit per [`Facet`].
    #[must_use]
    pub fn failed(&self, row: &FacetRow) -> u16 {
        fn fails<V: Vocabulary>(wanted: &VocabSet<V>, has: &VocabSet<V>) -> bool {
            !wanted.is_empty() && !wanted.intersects(has)
        }
        let w = &self.wanted;
        let departement = self.departements.as_ref().is_some_and(|wanted| {
            !wanted
                .get(usize::from(row.departement))
                .copied()
                .unwrap_or(false)
        });
        [
            fails(&w.services, &row.services),
            fails(&w.publics, &row.publics),
            fails(&w.prise_en_charge, &row.prise_en_charge),
            fails(&w.frais, &row.frais),
            fails(&w.dispositifs, &row.dispositifs),
            fails(&w.modalites_acces, &row.modalites_acces),
            fails(&w.modalites_accompagnement, &row.modalites_accompagnement),
            fails(&w.typologie, &row.typologie),
            departement,
        ]
        .into_iter()
        .zip(Facet::ALL)
        .filter(|(failed, _)| *failed)
        .fold(0, |mask, (_, facet)| mask | facet.bit())
    }
}

/// Counts being gathered.
#[derive(Debug)]
pub struct FacetCounts<'a> {
    columns: &'a FacetColumns,
    /// Per vocabulary facet, counts by value index (sized on first use).
    vocab: [Vec<u64>; 8],
    /// Counts by département index.
    departements: Vec<u64>,
}

impl FacetCounts<'_> {
    /// Counts `row`, which failed the facet filters of `failed` (see [`FacetFilter::failed`]):
    /// in every facet when it failed none, in the one it failed when it failed one.
    pub fn add(&mut self, row: &FacetRow, failed: u16) {
        if failed == 0 {
            for facet in Facet::ALL {
                self.add_to(facet, row);
            }
        } else if let Some(facet) = Facet::of_bit(failed) {
            self.add_to(facet, row);
        }
    }

    fn add_to(&mut self, facet: Facet, row: &FacetRow) {
        fn count<V: Vocabulary>(counts: &mut Vec<u64>, set: &VocabSet<V>) {
            if counts.is_empty() {
                counts.resize(V::ALL.len(), 0);
            }
            for index in set.indices() {
                counts[index] += 1;
            }
        }
        let slot = &mut self.vocab[(facet as usize).min(7)];
        match facet {
            Facet::Services => count(slot, &row.services),
            Facet::Publics => count(slot, &row.publics),
            Facet::PriseEnCharge => count(slot, &row.prise_en_charge),
            Facet::Frais => count(slot, &row.frais),
            Facet::Dispositif => count(slot, &row.dispositifs),
            Facet::ModalitesAcces => count(slot, &row.modalites_acces),
            Facet::ModalitesAccompagnement => count(slot, &row.modalites_accompagnement),
            Facet::Typologie => count(slot, &row.typologie),
            Facet::Departement => {
                if let Some(n) = self.departements.get_mut(usize::from(row.departement)) {
                    *n += 1;
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
                let counts = self.vocab[(facet as usize).min(7)].as_slice();
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
                        .columns
                        .departements
                        .iter()
                        .zip(&self.departements)
                        .filter(|(_, n)| **n > 0)
                        .map(|(code, n)| (code.clone(), *n))
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
