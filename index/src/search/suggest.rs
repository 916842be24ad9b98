//! Completion as a person types: communes, EPCIs, services and place names.
//!
//! Communes, EPCIs and services are few (at most some 35,000 communes, 1,300 EPCIs, 12
//! services), so they are matched in memory against the folded text: a commune or label
//! matches when every typed word starts one of its words. Communes carry their number of places
//! and a centre, so a search box can recentre the map on one; EPCIs (intercommunalités, which
//! a place's commune belongs to: [`crate::territory`]) carry their code, for the `epci` filter, and
//! the box around their places. Place names come from the tantivy index, through the same
//! French analysis as search but on the name field alone.

use std::collections::HashMap;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use schemars::JsonSchema;
use serde::Serialize;
use tantivy::query::{BooleanQuery, Occur, Query};
use tantivy::{DocSet, TERMINATED};

use super::docs::DocMap;
use super::expand::Expansions;
use super::statistics::TextStatistics;
use super::text::{text_clauses, SearchField, WordUnion};
use crate::fold::fold;
use crate::place::Place;
use crate::store::PlaceIndex;
use crate::territory::{epcis, Epci};
use crate::vocab::{Service, Vocabulary};

/// At most this many communes, and this many services, in one answer.
const MAX_PER_KIND: usize = 3;
/// Place names are looked for first within this distance of the given position, in metres.
pub const NEAR_M: f64 = 50_000.0;
/// The most matching names one completion ranks.
pub const MAX_SCANNED: usize = 256;

/// One completion.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Suggestion<'a> {
    /// A commune with places.
    Commune {
        /// Its name.
        label: &'a str,
        /// Its most common postal code among the places.
        code_postal: &'a str,
        /// Its département.
        departement: &'a str,
        /// The number of places in it.
        count: u64,
        /// The centre of its places, `[longitude, latitude]`.
        coordinates: [f64; 2],
    },
    /// An EPCI (intercommunalité) with places: `epci=` its code keeps the places of its
    /// communes.
    Epci {
        /// Its name ("CU Angers Loire Métropole").
        label: &'a str,
        /// Its SIREN, as the `epci` filter takes it.
        code: &'a str,
        /// The number of places in its communes.
        count: u64,
        /// The centre of its places, `[longitude, latitude]`.
        coordinates: [f64; 2],
        /// The box around its places, `[west, south, east, north]`.
        bbox: [f64; 4],
    },
    /// A service label.
    Service {
        /// The label, as filters take it.
        label: &'static str,
        /// The number of places offering it.
        count: u64,
    },
    /// A place.
    Place {
        /// Its name.
        label: &'a str,
        /// Its id, for `/places/{id}`.
        id: &'a str,
        /// Its commune.
        commune: &'a str,
        /// `[longitude, latitude]`.
        coordinates: [f64; 2],
    },
}

#[derive(Debug)]
struct Commune {
    folded: String,
    /// The ordinal of a place of the commune, whose texts give the name and codes.
    example: u32,
    count: u64,
    coordinates: [f64; 2],
}

/// An EPCI with places, and where they are.
#[derive(Debug)]
struct EpciPlaces {
    epci: &'static Epci,
    folded: String,
    count: u64,
    coordinates: [f64; 2],
    bbox: [f64; 4],
}

/// What completion matches in memory.
#[derive(Debug)]
pub struct Suggester {
    /// The EPCIs with places, by decreasing number of places.
    epcis: Vec<EpciPlaces>,
    /// By decreasing number of places.
    communes: Vec<Commune>,
    /// Every word of every commune name, with the commune's position in `communes`, sorted:
    /// the communes with a word starting with some text are one binary search away.
    commune_words: Vec<(Box<str>, u32)>,
    services: Vec<(Service, String, u64)>,
}

impl Suggester {
    /// Gathers the communes and service counts of `places`.
    #[must_use]
    pub fn build(places: &[Place]) -> Self {
        struct Sum {
            example: u32,
            count: u64,
            lon: f64,
            lat: f64,
        }
        // Names repeat: fold each distinct spelling once.
        let mut folded_of: HashMap<&str, String> = HashMap::new();
        let mut sums: HashMap<(String, &str), Sum> = HashMap::new();
        let mut services = vec![0u64; Service::ALL.len()];
        for (ordinal, place) in (0u32..).zip(places) {
            for service in place.services.iter() {
                services[service.index()] += 1;
            }
            let name = place.commune();
            if name.is_empty() {
                continue;
            }
            let folded = folded_of.entry(name).or_insert_with(|| fold(name)).clone();
            let sum = sums
                .entry((folded, place.departement().unwrap_or("")))
                .or_insert(Sum {
                    example: ordinal,
                    count: 0,
                    lon: 0.0,
                    lat: 0.0,
                });
            sum.count += 1;
            sum.lon += place.longitude;
            sum.lat += place.latitude;
        }
        let mut communes: Vec<Commune> = sums
            .into_iter()
            .map(|((folded, _), sum)| Commune {
                folded,
                example: sum.example,
                count: sum.count,
                #[allow(clippy::cast_precision_loss)]
                coordinates: [sum.lon / sum.count as f64, sum.lat / sum.count as f64],
            })
            .collect();
        communes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.folded.cmp(&b.folded)));
        let mut commune_words: Vec<(Box<str>, u32)> = (0u32..)
            .zip(&communes)
            .flat_map(|(at, commune)| {
                commune
                    .folded
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(move |w| (w.into(), at))
            })
            .collect();
        commune_words.sort_unstable();
        let services = Service::ALL
            .iter()
            .zip(services)
            .map(|(service, count)| (*service, fold(service.label()), count))
            .collect();
        Self {
            epcis: epci_places(places),
            communes,
            commune_words,
            services,
        }
    }

    /// Up to `limit` completions of `q`: communes, then services, then places (near `near`,
    /// a longitude and latitude, first).
    ///
    /// # Errors
    /// A tantivy error while matching place names.
    pub fn suggest<'a>(
        &self,
        index: &'a PlaceIndex,
        expansions: &Expansions,
        docs: &DocMap,
        q: &str,
        limit: usize,
        near: Option<(f64, f64)>,
    ) -> tantivy::Result<Vec<Suggestion<'a>>> {
        let typed = fold(q);
        let words: Vec<&str> = typed
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(limit);
        // Names that start with the text ("Angers" for "ang") come before names with a later
        // word starting with it ("Les Ponts-de-Cé" for "ce"); within each, the busiest first.
        let longest = words.iter().max_by_key(|w| w.len()).copied().unwrap_or("");
        // The words starting with `longest` are a run of the sorted list: two binary searches.
        let from = self
            .commune_words
            .partition_point(|(word, _)| &**word < longest);
        let to = from
            + self.commune_words[from..].partition_point(|(word, _)| word.starts_with(longest));
        // Positions in `communes` are by decreasing number of places: in that order, the first
        // matches are the busiest. Two letters start thousands of words, so their communes are
        // marked in a bitmap and read back in order, rather than sorted.
        let mut marked = vec![0u64; self.communes.len().div_ceil(64)];
        for (_, at) in &self.commune_words[from..to] {
            marked[*at as usize / 64] |= 1 << (*at % 64);
        }
        let candidates = (0u32..)
            .zip(&marked)
            .flat_map(|(word, bits)| super::set_bits(*bits).map(move |bit| word * 64 + bit));
        let wanted = MAX_PER_KIND.min(limit);
        let (mut communes, mut later): (Vec<&Commune>, Vec<&Commune>) = (Vec::new(), Vec::new());
        for commune in candidates.map(|at| &self.communes[at as usize]) {
            if communes.len() >= wanted {
                break;
            }
            if !starts_words(&commune.folded, &words) {
                continue;
            }
            if commune.folded.starts_with(words[0]) {
                communes.push(commune);
            } else if later.len() < wanted {
                later.push(commune);
            }
        }
        communes.extend(later);
        communes.truncate(wanted);
        for commune in communes {
            let place = &index.places[commune.example as usize];
            out.push(Suggestion::Commune {
                label: place.commune(),
                code_postal: place.code_postal(),
                departement: place.departement().unwrap_or(""),
                count: commune.count,
                coordinates: commune.coordinates,
            });
        }
        let wanted = MAX_PER_KIND.min(limit - out.len());
        for epci in self
            .epcis
            .iter()
            .filter(|epci| starts_words(&epci.folded, &words))
            .take(wanted)
        {
            out.push(Suggestion::Epci {
                label: &epci.epci.nom,
                code: &epci.epci.code,
                count: epci.count,
                coordinates: epci.coordinates,
                bbox: epci.bbox,
            });
        }
        for (service, folded, count) in &self.services {
            if out.len() >= limit || out.len() >= 3 * MAX_PER_KIND {
                break;
            }
            if *count > 0 && starts_words(folded, &words) {
                out.push(Suggestion::Service {
                    label: service.label(),
                    count: *count,
                });
            }
        }
        let wanted = limit - out.len();
        if wanted > 0 {
            for ordinal in matching_names(index, expansions, docs, q, wanted, near)? {
                let place = &index.places[ordinal as usize];
                out.push(Suggestion::Place {
                    label: place.nom(),
                    id: place.id(),
                    commune: place.commune(),
                    coordinates: [place.longitude, place.latitude],
                });
            }
        }
        Ok(out)
    }
}

/// The EPCIs of the communes of `places`, with their places' count, centre and box, the
/// busiest first.
fn epci_places(places: &[Place]) -> Vec<EpciPlaces> {
    struct Sum {
        count: u64,
        lon: f64,
        lat: f64,
        bbox: [f64; 4],
    }
    let table = epcis();
    let mut sums: HashMap<&str, Sum> = HashMap::new();
    // Places repeat their commune: each distinct (INSEE code, postal code, name) is read once.
    let mut epci_of: HashMap<(&str, &str, &str), Option<&Epci>> = HashMap::new();
    for place in places {
        let commune = (
            place.text(crate::place::TextField::CodeInsee),
            place.code_postal(),
            place.commune(),
        );
        let Some(epci) = *epci_of
            .entry(commune)
            .or_insert_with(|| table.of_place(place))
        else {
            continue;
        };
        let (lon, lat) = (place.longitude, place.latitude);
        let sum = sums.entry(epci.code.as_str()).or_insert(Sum {
            count: 0,
            lon: 0.0,
            lat: 0.0,
            bbox: [lon, lat, lon, lat],
        });
        sum.count += 1;
        sum.lon += lon;
        sum.lat += lat;
        sum.bbox = [
            sum.bbox[0].min(lon),
            sum.bbox[1].min(lat),
            sum.bbox[2].max(lon),
            sum.bbox[3].max(lat),
        ];
    }
    let mut found: Vec<EpciPlaces> = sums
        .into_iter()
        .filter_map(|(code, sum)| {
            let epci = table.get(code)?;
            #[allow(clippy::cast_precision_loss)]
            let coordinates = [sum.lon / sum.count as f64, sum.lat / sum.count as f64];
            Some(EpciPlaces {
                folded: fold(&epci.nom),
                epci,
                count: sum.count,
                coordinates,
                bbox: sum.bbox,
            })
        })
        .collect();
    found.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.epci.code.cmp(&b.epci.code))
    });
    found
}

/// The ordinals of up to `wanted` places whose name matches `q`, best first: among places
/// within [`NEAR_M`] of `near` when a position is given, then anywhere.
///
/// A word typed so far ("médiath") can start the names of a third of a million places, and
/// completion must answer in a millisecond or two, so the search stops after
/// [`MAX_SCANNED`] matching names and ranks those: a precise text ("france services chin")
/// matches fewer and is ranked exactly; a broad one gets good, not best, names, which is what a
/// position is for.
fn matching_names(
    index: &PlaceIndex,
    expansions: &Expansions,
    docs: &DocMap,
    q: &str,
    wanted: usize,
    near: Option<(f64, f64)>,
) -> tantivy::Result<Vec<u32>> {
    let clauses = text_clauses(
        &super::text::words(q),
        &[SearchField {
            field: index.fields.nom,
            weight: 1.0,
            typos: true,
        }],
        expansions,
        // At most MAX_SCANNED matches are looked at: the words are sought at few documents.
        WordUnion::Sought,
    )?;
    if clauses.is_empty() {
        return Ok(Vec::new());
    }
    let statistics = expansions.statistics();
    let mut found = Vec::new();
    if let Some((longitude, latitude)) = near {
        // The places around join the words' clauses (see `text_clauses`).
        let around = docs.query_for(index.tree.within(longitude, latitude, NEAR_M));
        let mut nearby: Vec<(Occur, Box<dyn Query>)> = clauses
            .iter()
            .map(|(occur, query)| (*occur, query.box_clone()))
            .collect();
        nearby.push((Occur::Must, Box::new(around)));
        found = best_matches(&BooleanQuery::new(nearby), statistics, docs, wanted, &[])?;
    }
    if found.len() < wanted {
        let text = BooleanQuery::new(clauses);
        let more = best_matches(&text, statistics, docs, wanted - found.len(), &found)?;
        found.extend(more);
    }
    Ok(found)
}

/// The `wanted` best-scored documents among the first [`MAX_SCANNED`] matches of `query`, as
/// ordinals, leaving out `except`.
fn best_matches(
    query: &dyn Query,
    statistics: TextStatistics<'_>,
    docs: &DocMap,
    wanted: usize,
    except: &[u32],
) -> tantivy::Result<Vec<u32>> {
    let weight = query.weight(statistics.scoring())?;
    // Lowest score on top; ties keep the earlier document.
    let mut best: BinaryHeap<Reverse<(OrderedScore, Reverse<u32>)>> = BinaryHeap::new();
    let mut scanned = 0;
    for (segment, reader) in statistics.searcher().segment_readers().iter().enumerate() {
        let ordinals = docs.segment_ordinals(segment);
        let mut scorer = weight.scorer(reader, 1.0)?;
        let mut doc = scorer.doc();
        while doc != TERMINATED && scanned < MAX_SCANNED {
            let ordinal = ordinals[doc as usize];
            if ordinal == DocMap::DELETED {
                doc = scorer.advance();
                continue;
            }
            scanned += 1;
            if !except.contains(&ordinal) {
                let entry = Reverse((OrderedScore(scorer.score()), Reverse(ordinal)));
                if best.len() < wanted {
                    best.push(entry);
                } else if best.peek().is_some_and(|worst| entry < *worst) {
                    best.pop();
                    best.push(entry);
                }
            }
            doc = scorer.advance();
        }
    }
    Ok(best
        .into_sorted_vec()
        .into_iter()
        .map(|Reverse((_, Reverse(ordinal)))| ordinal)
        .collect())
}

/// A score with a total order.
#[derive(Clone, Copy, Debug, PartialEq)]
struct OrderedScore(f32);

impl Eq for OrderedScore {}

impl PartialOrd for OrderedScore {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrderedScore {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Whether every word of `words` starts a word of `folded` (the last one may be unfinished).
fn starts_words(folded: &str, words: &[&str]) -> bool {
    words.iter().all(|w| {
        folded
            .split(|c: char| !c.is_alphanumeric())
            .any(|own| own.starts_with(w))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_the_starts_of_words() {
        let label = fold("Aide aux démarches administratives");
        assert!(starts_words(&label, &["demarches"]));
        assert!(starts_words(&label, &["admin", "aide"]));
        assert!(!starts_words(&label, &["marches"]));
        assert!(starts_words("les ponts-de-ce", &["ce"]));
    }
}
