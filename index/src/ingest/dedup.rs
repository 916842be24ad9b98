//! Merging duplicates: the same place coming from several sources.
//!
//! A France Services site often also hosts a conseiller numérique, and a département lists the
//! same médiathèque as the town. Two records are the same place when they are close (at most
//! [`MergeConfig::max_distance_m`]) and their names are alike (at least
//! [`MergeConfig::min_name_similarity`]). Sameness is transitive: the pairs form groups, and each
//! group becomes one place.
//!
//! The merged place starts from the group's richest record (most fields filled, then a known
//! `date_maj` before a stand-in, then the most recent), takes every field it lacks from the
//! others, unites the vocabulary values of all, and lists every source in `source`. Its
//! `date_maj` is the most recent date a record knows; a stand-in (unknown) date is kept only
//! when no record knows one. The report says what was merged into what.

use std::collections::HashMap;

use crate::fold::name_tokens;
use crate::geo::haversine_m;
use crate::ingest::normalize::UNKNOWN_PIVOT;
use crate::place::{Place, PlaceTexts, SchemaField, TextField};
use crate::store::report::{Merge, Report};
use crate::store::tree::PlaceTree;

/// When two records are one place.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MergeConfig {
    /// The largest distance between two records of one place, in metres.
    pub max_distance_m: f64,
    /// The smallest similarity of their names, from 0 to 1 (see [`name_similarity`]).
    pub min_name_similarity: f64,
}

impl Default for MergeConfig {
    fn default() -> Self {
        Self {
            max_distance_m: 100.0,
            min_name_similarity: 0.8,
        }
    }
}

/// How alike two place names are, from 0 to 1, ignoring case, accents, punctuation and small
/// words: the larger of the share of the shorter name's words found in the longer one, and the
/// Jaro-Winkler similarity of the two word lists (for typos).
#[must_use]
pub fn name_similarity(a: &str, b: &str) -> f64 {
    NameKey::new(a).similarity(&NameKey::new(b))
}

/// A name prepared for comparison: its significant words, and those words joined.
struct NameKey {
    words: Vec<String>,
    joined: String,
}

impl NameKey {
    fn new(name: &str) -> Self {
        let words = name_tokens(name);
        let joined = words.join(" ");
        Self { words, joined }
    }

    fn similarity(&self, other: &Self) -> f64 {
        if self.words.is_empty() || other.words.is_empty() {
            return 0.0;
        }
        if self.joined == other.joined {
            return 1.0;
        }
        let (short, long) = if self.words.len() <= other.words.len() {
            (&self.words, &other.words)
        } else {
            (&other.words, &self.words)
        };
        #[allow(clippy::cast_precision_loss)]
        let containment =
            short.iter().filter(|w| long.contains(w)).count() as f64 / short.len() as f64;
        containment.max(strsim::jaro_winkler(&self.joined, &other.joined))
    }
}

/// Merges duplicates in `places`, recording each merge in `report`.
#[must_use]
pub fn merge_duplicates(
    mut places: Vec<Place>,
    config: &MergeConfig,
    report: &mut Report,
) -> Vec<Place> {
    let tree = PlaceTree::build(places.iter().map(|p| (p.longitude, p.latitude)));
    // Pairs of the same place, found on two threads (each half of the places looks for its
    // neighbours), then joined into groups.
    let same_place_pairs = |range: std::ops::Range<usize>| {
        // Name keys are computed once per thread, and only for places that have a neighbour.
        let mut keys: HashMap<usize, NameKey> = HashMap::new();
        let mut pairs = Vec::new();
        for i in range {
            let place = &places[i];
            for j in tree.within(place.longitude, place.latitude, config.max_distance_m) {
                let j = j as usize;
                if j <= i {
                    continue;
                }
                keys.entry(i).or_insert_with(|| NameKey::new(place.nom()));
                keys.entry(j)
                    .or_insert_with(|| NameKey::new(places[j].nom()));
                if keys[&i].similarity(&keys[&j]) >= config.min_name_similarity {
                    pairs.push((i, j));
                }
            }
        }
        pairs
    };
    let middle = places.len() / 2;
    let (first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(|| same_place_pairs(middle..places.len()));
        let first = same_place_pairs(0..middle);
        (first, crate::join_scoped(second))
    });
    let mut groups = UnionFind::new(places.len());
    for (i, j) in first.into_iter().chain(second) {
        groups.union(i, j);
    }

    // Groups are rare (a few percent of places): merge them in place, without a second vector.
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..places.len() {
        let root = groups.find(i);
        if groups.size[root] > 1 {
            members.entry(root).or_default().push(i);
        }
    }
    let mut keep = vec![true; places.len()];
    let mut groups: Vec<Vec<usize>> = members.into_values().collect();
    groups.sort_unstable_by_key(|g| g[0]);
    for group in groups {
        let records: Vec<Place> = group.iter().map(|&k| places[k].clone()).collect();
        let (place, merge) = merge_group(records);
        report.merges.push(merge);
        places[group[0]] = place;
        for &k in &group[1..] {
            keep[k] = false;
        }
    }
    let mut index = 0;
    places.retain(|_| {
        index += 1;
        keep[index - 1]
    });
    places
}

fn richness(place: &Place) -> (usize, bool, chrono::NaiveDate) {
    let filled = SchemaField::ALL
        .into_iter()
        .filter(|f| !place.field_text(*f).is_empty())
        .count();
    (filled, place.date_maj_known(), place.date_maj)
}

fn merge_group(mut records: Vec<Place>) -> (Place, Merge) {
    records.sort_by_key(|r| std::cmp::Reverse(richness(r)));
    let mut records = records.into_iter();
    let mut kept = records.next().expect("a group has members");
    let mut merge = Merge {
        kept: kept.id().to_owned(),
        merged: Vec::new(),
        sources: kept
            .source()
            .split('|')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        distance_m: 0.0,
        name_similarity: 1.0,
    };
    for other in records {
        merge.merged.push(other.id().to_owned());
        merge.distance_m = merge.distance_m.max(haversine_m(
            kept.longitude,
            kept.latitude,
            other.longitude,
            other.latitude,
        ));
        merge.name_similarity = merge
            .name_similarity
            .min(name_similarity(kept.nom(), other.nom()));
        for source in other.source().split('|').filter(|s| !s.is_empty()) {
            if !merge.sources.iter().any(|s| s == source) {
                merge.sources.push(source.to_owned());
            }
        }
        kept = merged_with(kept, &other);
    }
    let sources = merge.sources.join("|");
    kept.texts = kept.texts.with(TextField::Source, &sources);
    (kept, merge)
}

/// `kept` completed with what `other` knows and `kept` does not.
fn merged_with(kept: Place, other: &Place) -> Place {
    let texts = PlaceTexts::new(|field| {
        let mine = kept.text(field);
        let unknown = mine.is_empty() || (field == TextField::Pivot && mine == UNKNOWN_PIVOT);
        if unknown && !other.text(field).is_empty() {
            other.text(field)
        } else {
            mine
        }
    });
    macro_rules! unite {
        ($($field:ident),*) => {{
            let mut place = Place { texts, ..kept };
            $( place.$field.extend_from(&other.$field); )*
            place
        }};
    }
    let mut place = unite!(
        typologie,
        itinerance,
        services,
        publics_specifiquement_adresses,
        prise_en_charge_specifique,
        frais_a_charge,
        dispositif_programmes_nationaux,
        formations_labels,
        modalites_acces,
        modalites_accompagnement
    );
    // The most recent date the sources know wins; a stand-in (unknown) date only when no
    // record knows one.
    if (other.date_maj_known(), other.date_maj) > (place.date_maj_known(), place.date_maj) {
        place.date_maj = other.date_maj;
        place.date_precision = other.date_precision;
    }
    let mut others = place.autres_valeurs.into_vec();
    others.extend(other.autres_valeurs.iter().cloned());
    place.autres_valeurs = others.into_boxed_slice();
    place
}

/// Disjoint sets over `0..n`, with path halving and union by size.
struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_names_score_high_and_different_ones_low() {
        assert!(name_similarity("France services de Segré", "FRANCE SERVICES SEGRE") >= 0.99);
        assert!(name_similarity("Médiathèque Jean Carmet", "Mediatheque J. Carmet") >= 0.8);
        assert!(name_similarity("Centre social Jacques Tati", "Médiathèque Toussaint") < 0.8);
        assert!(name_similarity("", "Mairie") < 0.01);
    }

    #[test]
    fn a_known_date_wins_over_a_more_recent_stand_in() {
        use crate::ingest::generate::{Commune, Gazetteer, Generator};
        use crate::place::DatePrecision;
        let gazetteer = Gazetteer::new(vec![Commune {
            code_insee: "49007".to_owned(),
            nom: "Angers".to_owned(),
            code_postal: "49000".to_owned(),
            latitude: 47.47,
            longitude: -0.55,
            population: 150_000,
        }]);
        // The same place from one seed, as two sources would list it.
        let record = |id: &str, date: &str, precision| {
            let mut place = Generator::new(&gazetteer, 7).place(0);
            place.texts = place.texts.with(TextField::Id, id);
            place.date_maj = date.parse().unwrap();
            place.date_precision = precision;
            place
        };
        let merged = |a: Place, b: Place| {
            let places =
                merge_duplicates(vec![a, b], &MergeConfig::default(), &mut Report::default());
            assert_eq!(places.len(), 1);
            (places[0].date_maj.to_string(), places[0].date_precision)
        };
        let stand_in = record("a", "2022-12-01", DatePrecision::Unknown);
        let month = record("b", "2021-02-01", DatePrecision::Month);
        assert_eq!(
            merged(stand_in.clone(), month.clone()),
            ("2021-02-01".to_owned(), DatePrecision::Month)
        );
        assert_eq!(
            merged(month, stand_in.clone()),
            ("2021-02-01".to_owned(), DatePrecision::Month)
        );
        let older = record("c", "2020-01-01", DatePrecision::Unknown);
        assert_eq!(
            merged(older, stand_in),
            ("2022-12-01".to_owned(), DatePrecision::Unknown)
        );
    }
}
