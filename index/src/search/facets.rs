//! Facet counts: how many matching places have each value of each vocabulary filter.
//!
//! Counts are disjunctive, as in a shop's filter panel: the counts of one filter are taken with
//! every *other* filter applied, so a person who ticked "Gratuit" still sees how many places
//! "Payant" would add. One pass gives them all: a place that passes every filter counts in
//! every facet; a place that fails exactly one facet's filter counts in that facet only; a
//! place that fails two counts nowhere.
//!
//! A broad search visits hundreds of thousands of places, so what the pass reads is kept apart
//! from the places, in [`FacetColumns`]: per place, its vocabulary bitsets, a small
//! département number and its freshness, 48 bytes in a row, instead of a walk through each
//! place's record and a département parsed from its codes.

use std::collections::HashMap;
use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::filter::PlaceFilter;
use crate::freshness::FreshnessRule;
use crate::place::Place;
use crate::store::places::Places;
use crate::vocab::{
    Dispositif, Fraicheur, Frais, ModaliteAcces, ModaliteAccompagnement, PriseEnCharge, Public,
    Service, Typologie, VocabSet, Vocabulary,
};

/// A filter that has facet counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    Fraicheur,
}

impl Facet {
    /// Every facet, in the order of the answer.
    pub const ALL: [Self; 10] = [
        Self::Services,
        Self::Publics,
        Self::PriseEnCharge,
        Self::Frais,
        Self::Dispositif,
        Self::ModalitesAcces,
        Self::ModalitesAccompagnement,
        Self::Typologie,
        Self::Departement,
        Self::Fraicheur,
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
            Self::Fraicheur => Fraicheur::FIELD,
        }
    }

    /// The facets whose values are a vocabulary's (all but the département): those a map's
    /// clusters can count (`cluster_counts`).
    pub const VOCABULARIES: [Self; 9] = {
        let mut vocabularies = [Self::Services; 9];
        let (mut i, mut kept) = (0, 0);
        while i < Self::ALL.len() {
            if !matches!(Self::ALL[i], Self::Departement) {
                vocabularies[kept] = Self::ALL[i];
                kept += 1;
            }
            i += 1;
        }
        vocabularies
    };

    /// The names of [`Facet::VOCABULARIES`], in that order.
    pub const VOCABULARY_NAMES: [&'static str; 9] = [
        Service::FIELD,
        Public::FIELD,
        PriseEnCharge::FIELD,
        Frais::FIELD,
        Dispositif::FIELD,
        ModaliteAcces::FIELD,
        ModaliteAccompagnement::FIELD,
        Typologie::FIELD,
        Fraicheur::FIELD,
    ];

    /// The vocabulary facet of this name ([`Facet::name`]).
    #[must_use]
    pub fn vocabulary_named(name: &str) -> Option<Self> {
        Self::VOCABULARIES.into_iter().find(|f| f.name() == name)
    }

    /// The labels of the facet's values, in the standard's order: bit `i` of
    /// [`FacetRow::value_bits`] is `labels()[i]`. None for the département, whose codes are
    /// the data's.
    #[must_use]
    pub fn labels(self) -> Vec<&'static str> {
        fn labels<V: Vocabulary>() -> Vec<&'static str> {
            V::ALL.iter().map(|v| v.label()).collect()
        }
        match self {
            Self::Services => labels::<Service>(),
            Self::Publics => labels::<Public>(),
            Self::PriseEnCharge => labels::<PriseEnCharge>(),
            Self::Frais => labels::<Frais>(),
            Self::Dispositif => labels::<Dispositif>(),
            Self::ModalitesAcces => labels::<ModaliteAcces>(),
            Self::ModalitesAccompagnement => labels::<ModaliteAccompagnement>(),
            Self::Typologie => labels::<Typologie>(),
            Self::Fraicheur => labels::<Fraicheur>(),
            Self::Departement => Vec::new(),
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
#[derive(Clone, Copy, Debug, Default, PartialEq)]
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
    /// Its freshness on the day the columns were built.
    fraicheur: VocabSet<Fraicheur>,
}

const NO_DEPARTEMENT: u16 = u16::MAX;

/// The row of `place`, its département numbered `departement`.
fn row_of(place: &Place, departement: u16, fraicheur: Fraicheur) -> FacetRow {
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
        fraicheur: VocabSet::from_iter([fraicheur]),
    }
}

impl FacetRow {
    /// The services the place offers.
    #[must_use]
    pub fn services(&self) -> VocabSet<Service> {
        self.services
    }

    /// The place's freshness.
    #[must_use]
    pub fn freshness(&self) -> Option<Fraicheur> {
        self.fraicheur.iter().next()
    }

    /// The values of `facet` the place has, bit `i` for [`Facet::labels`]`()[i]`; none for the
    /// département.
    #[must_use]
    pub fn value_bits(&self, facet: Facet) -> u128 {
        match facet {
            Facet::Services => self.services.to_u128(),
            Facet::Publics => self.publics.to_u128(),
            Facet::PriseEnCharge => self.prise_en_charge.to_u128(),
            Facet::Frais => self.frais.to_u128(),
            Facet::Dispositif => self.dispositifs.to_u128(),
            Facet::ModalitesAcces => self.modalites_acces.to_u128(),
            Facet::ModalitesAccompagnement => self.modalites_accompagnement.to_u128(),
            Facet::Typologie => self.typologie.to_u128(),
            Facet::Fraicheur => self.fraicheur.to_u128(),
            Facet::Departement => 0,
        }
    }
}

/// The size of a row: a broad search reads one per place, so it stays within 48 bytes.
const _: () = assert!(std::mem::size_of::<FacetRow>() <= 48);

/// The [`FacetRow`] of every place, by ordinal.
#[derive(Debug, Default)]
pub struct FacetColumns {
    /// Shared with the columns a batch whose changes left every row as it was made these from.
    rows: Arc<[FacetRow]>,
    /// The département codes that occur.
    departements: Vec<String>,
    /// Where each facet's counts start in a flat array of counts, and (last) its length.
    offsets: [usize; 11],
    /// The day of the rows' freshness.
    day: chrono::NaiveDate,
}

impl FacetColumns {
    /// The rows of `places`, their freshness by `freshness` on `today`.
    #[must_use]
    pub fn build(places: &Places, freshness: &FreshnessRule, today: chrono::NaiveDate) -> Self {
        let mut departements: Vec<String> = Vec::new();
        let mut numbers: HashMap<&str, u16> = HashMap::new();
        let rows = places
            .iter()
            .map(|place| {
                let departement = place.departement().map_or(NO_DEPARTEMENT, |code| {
                    *numbers.entry(code).or_insert_with(|| {
                        departements.push(code.to_owned());
                        u16::try_from(departements.len() - 1).unwrap_or(NO_DEPARTEMENT)
                    })
                });
                row_of(place, departement, freshness.of(place, today))
            })
            .collect();
        Self::with_rows(rows, departements, today)
    }

    /// These rows for `places`, changed at the ordinals `changed` (the others the same, their
    /// number perhaps not), on `today`. The départements are numbered as they come, so a new
    /// one comes last; those no place has any more stay, and count nothing. `None` on another
    /// day than these rows': every place's freshness may have changed.
    #[must_use]
    pub fn patched(
        &self,
        places: &Places,
        changed: &[u32],
        freshness: &FreshnessRule,
        today: chrono::NaiveDate,
    ) -> Option<Self> {
        if today != self.day {
            return None;
        }
        let mut departements = self.departements.clone();
        let changed_rows: Vec<(usize, FacetRow)> = (changed.iter())
            .map(|ordinal| {
                let place = &places[*ordinal as usize];
                let departement = place.departement().map_or(NO_DEPARTEMENT, |code| {
                    let number = departements.iter().position(|known| known == code);
                    let number = number.unwrap_or_else(|| {
                        departements.push(code.to_owned());
                        departements.len() - 1
                    });
                    u16::try_from(number).unwrap_or(NO_DEPARTEMENT)
                });
                let row = row_of(place, departement, freshness.of(place, today));
                (*ordinal as usize, row)
            })
            .collect();
        let same = places.len() == self.rows.len()
            && (changed_rows.iter()).all(|(ordinal, row)| self.rows[*ordinal] == *row);
        if same {
            // No new département either: a place in one would have a row of its own.
            return Some(Self {
                rows: Arc::clone(&self.rows),
                departements,
                offsets: self.offsets,
                day: self.day,
            });
        }
        let mut rows = self.rows[..self.rows.len().min(places.len())].to_vec();
        rows.resize(places.len(), FacetRow::default());
        for (ordinal, row) in changed_rows {
            rows[ordinal] = row;
        }
        Some(Self::with_rows(rows, departements, today))
    }

    fn with_rows(rows: Vec<FacetRow>, departements: Vec<String>, day: chrono::NaiveDate) -> Self {
        let sizes = [
            Service::ALL.len(),
            Public::ALL.len(),
            PriseEnCharge::ALL.len(),
            Frais::ALL.len(),
            Dispositif::ALL.len(),
            ModaliteAcces::ALL.len(),
            ModaliteAccompagnement::ALL.len(),
            Typologie::ALL.len(),
            departements.len(),
            Fraicheur::ALL.len(),
        ];
        let mut offsets = [0; 11];
        for (i, size) in sizes.iter().enumerate() {
            offsets[i + 1] = offsets[i] + size;
        }
        Self {
            rows: rows.into(),
            departements,
            offsets,
            day,
        }
    }

    /// The number of counters in a flat array of counts.
    #[must_use]
    pub fn counters(&self) -> usize {
        self.offsets[10]
    }

    /// The row of the place `ordinal`.
    #[must_use]
    pub fn row(&self, ordinal: u32) -> &FacetRow {
        &self.rows[ordinal as usize]
    }

    /// Whether these columns share their rows with `other` (a batch changed none of them).
    #[must_use]
    pub fn same_rows(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.rows, &other.rows)
    }

    /// The number of rows: one per place.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there is no row.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
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
                fraicheur: filter.fraicheur,
            },
            unfiltered: filter.services.is_empty()
                && filter.publics.is_empty()
                && filter.prise_en_charge.is_empty()
                && filter.frais_a_charge.is_empty()
                && filter.dispositifs.is_empty()
                && filter.modalites_acces.is_empty()
                && filter.modalites_accompagnement.is_empty()
                && filter.typologie.is_empty()
                && filter.fraicheur.is_empty()
                && filter.departements.is_empty(),
            departements: (!filter.departements.is_empty()).then(|| {
                self.departements
                    .iter()
                    .map(|code| filter.departements.contains(code))
                    .collect()
            }),
        }
    }

    /// Calls `f` with the flat index of every counter `row` counts in.
    pub fn for_each_counter(&self, row: &FacetRow, mut f: impl FnMut(usize)) {
        for facet in Facet::ALL {
            self.for_each_counter_of(facet, row, &mut f);
        }
    }

    /// Calls `f` with the flat index of every counter of `facet` that `row` counts in.
    fn for_each_counter_of(&self, facet: Facet, row: &FacetRow, mut f: impl FnMut(usize)) {
        fn each(offset: usize, indices: impl Iterator<Item = usize>, f: &mut impl FnMut(usize)) {
            for index in indices {
                f(offset + index);
            }
        }
        let offset = self.offsets[facet as usize];
        let f = &mut f;
        match facet {
            Facet::Services => each(offset, row.services.indices(), f),
            Facet::Publics => each(offset, row.publics.indices(), f),
            Facet::PriseEnCharge => each(offset, row.prise_en_charge.indices(), f),
            Facet::Frais => each(offset, row.frais.indices(), f),
            Facet::Dispositif => each(offset, row.dispositifs.indices(), f),
            Facet::ModalitesAcces => each(offset, row.modalites_acces.indices(), f),
            Facet::ModalitesAccompagnement => {
                each(offset, row.modalites_accompagnement.indices(), f);
            }
            Facet::Typologie => each(offset, row.typologie.indices(), f),
            Facet::Departement => {
                if row.departement != NO_DEPARTEMENT {
                    f(offset + usize::from(row.departement));
                }
            }
            Facet::Fraicheur => each(offset, row.fraicheur.indices(), f),
        }
    }

    /// The counters held by the places `ordinals` (at most 64), each with a mask of the places
    /// that hold it, bit `i` for `ordinals.start + i`: the bit-sliced counts of a block, from
    /// which the counts of any subset of its places are a few `popcount`s.
    #[must_use]
    pub fn masks(&self, ordinals: std::ops::Range<u32>) -> Vec<(u16, u64)> {
        let mut holders = vec![0u64; self.counters()];
        for (bit, ordinal) in ordinals.enumerate() {
            self.for_each_counter(self.row(ordinal), |counter| holders[counter] |= 1 << bit);
        }
        (0u16..)
            .zip(holders)
            .filter(|(_, mask)| *mask != 0)
            .collect()
    }

    /// An empty count over these columns.
    #[must_use]
    pub fn counts(&self) -> FacetCounts<'_> {
        FacetCounts {
            columns: self,
            counts: vec![0; self.counters()],
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
    /// No facet filter at all: every row passes.
    unfiltered: bool,
}

impl FacetFilter {
    /// Whether every row passes.
    #[must_use]
    pub fn is_unfiltered(&self) -> bool {
        self.unfiltered
    }

    /// The facet filters that `row` fails, one bit per [`Facet`].
    #[must_use]
    pub fn failed(&self, row: &FacetRow) -> u16 {
        if self.unfiltered {
            return 0;
        }
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
            fails(&w.fraicheur, &row.fraicheur),
        ]
        .into_iter()
        .zip(Facet::ALL)
        .filter(|(failed, _)| *failed)
        .fold(0, |mask, (_, facet)| mask | facet.bit())
    }
}

/// Counts being gathered: one flat array, each facet's values at its offset.
#[derive(Debug)]
pub struct FacetCounts<'a> {
    columns: &'a FacetColumns,
    counts: Vec<u64>,
}

impl FacetCounts<'_> {
    /// Counts `row`, which failed the facet filters of `failed` (see [`FacetFilter::failed`]):
    /// in every facet when it failed none, in the one it failed when it failed one.
    pub fn add(&mut self, row: &FacetRow, failed: u16) {
        let columns = self.columns;
        if failed == 0 {
            columns.for_each_counter(row, |counter| self.counts[counter] += 1);
        } else if let Some(facet) = Facet::of_bit(failed) {
            columns.for_each_counter_of(facet, row, |counter| self.counts[counter] += 1);
        }
    }

    /// Adds counts gathered elsewhere, in the same flat layout.
    pub fn add_counts(&mut self, counts: &[u32]) {
        for (total, n) in self.counts.iter_mut().zip(counts) {
            *total += u64::from(*n);
        }
    }

    /// Counts the places of a block picked by `picked`, one bit per place: `counters[i]` is
    /// held by the places whose bits are set in `holders[i]` (see [`FacetColumns::masks`]).
    pub fn add_picked(&mut self, counters: &[u16], holders: &[u64], picked: u64) {
        for (counter, holders) in counters.iter().zip(holders) {
            self.counts[usize::from(*counter)] += u64::from((holders & picked).count_ones());
        }
    }

    /// The flat array of counts, saturated to `u32`.
    #[must_use]
    pub fn to_u32(&self) -> Vec<u32> {
        self.counts
            .iter()
            .map(|n| u32::try_from(*n).unwrap_or(u32::MAX))
            .collect()
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
        let offsets = self.columns.offsets;
        let facets = Facet::ALL
            .into_iter()
            .map(|facet| {
                let i = facet as usize;
                let counts = &self.counts[offsets[i]..offsets[i + 1]];
                let mut values = match facet {
                    Facet::Services => labelled::<Service>(counts),
                    Facet::Publics => labelled::<Public>(counts),
                    Facet::PriseEnCharge => labelled::<PriseEnCharge>(counts),
                    Facet::Frais => labelled::<Frais>(counts),
                    Facet::Dispositif => labelled::<Dispositif>(counts),
                    Facet::ModalitesAcces => labelled::<ModaliteAcces>(counts),
                    Facet::ModalitesAccompagnement => labelled::<ModaliteAccompagnement>(counts),
                    Facet::Typologie => labelled::<Typologie>(counts),
                    Facet::Fraicheur => labelled::<Fraicheur>(counts),
                    Facet::Departement => self
                        .columns
                        .departements
                        .iter()
                        .zip(counts)
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

/// As [`Facets`] serialise: each facet present by its name, its values counted.
impl schemars::JsonSchema for Facets {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Facets".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let counts = schemars::json_schema!({
            "type": "object",
            "additionalProperties": { "type": "integer", "minimum": 0 },
        });
        let properties: serde_json::Map<String, serde_json::Value> = Facet::ALL
            .iter()
            .map(|facet| (facet.name().to_owned(), counts.clone().to_value()))
            .collect();
        schemars::json_schema!({
            "type": "object",
            "description": "Per facet, each value and its number of matches (counted with the other filters applied), most frequent first.",
            "properties": properties,
            "additionalProperties": false,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_names_are_those_of_the_vocabulary_facets() {
        let names: Vec<&str> = Facet::VOCABULARIES.iter().map(|f| f.name()).collect();
        assert_eq!(names, Facet::VOCABULARY_NAMES);
        for facet in Facet::VOCABULARIES {
            assert_eq!(Facet::vocabulary_named(facet.name()), Some(facet));
            assert!(!facet.labels().is_empty(), "{facet:?}");
        }
        assert_eq!(Facet::vocabulary_named("departement"), None);
    }
}
