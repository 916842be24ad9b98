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
use std::sync::Arc;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use schemars::JsonSchema;
use serde::Serialize;
use tantivy::query::{BooleanQuery, Occur, Query};
use tantivy::{DocSet, TERMINATED};

use super::docs::DocMap;
use super::expand::Expansions;
use super::statistics::TextStatistics;
use super::text::{text_clauses, SearchField};
use super::union::WordUnion;
use crate::fold::fold;
use crate::place::Place;
use crate::store::places::Places;
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

#[derive(Clone, Debug)]
struct Commune {
    /// Its number in the [`Groups`] it was summed from.
    number: u32,
    folded: String,
    /// The ordinal of a place of the commune, whose texts give the name and codes.
    example: u32,
    count: u64,
    coordinates: [f64; 2],
}

/// An EPCI with places, and where they are.
#[derive(Clone, Debug)]
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
    communes: Vec<Arc<Commune>>,
    /// Every word of every commune name, with the commune's position in `communes`, sorted:
    /// the communes with a word starting with some text are one binary search away. Shared
    /// with the data a batch makes of this one while the communes keep their order.
    commune_words: Arc<Vec<(Box<str>, u32)>>,
    services: Vec<(Service, String, u64)>,
    /// The places of each commune and EPCI: a batch sums again only those it touched.
    groups: Groups,
}

/// The places of each commune (by folded name and département) and of each EPCI, in order,
/// with what is summed over them.
///
/// Centres are sums of positions in floating point, which cannot be taken back exactly when a
/// place goes: a batch sums again, in the same order, the groups whose places changed, and
/// the completion data then equals a new one's.
///
/// A batch copies the groups and changes a few: what it does not change (the names, most
/// groups' places and sums) is shared behind `Arc`s, and copied only when written (a copy of
/// the whole took 43 ms at a million places, most of a batch's completion work).
#[derive(Clone, Debug, Default)]
struct Groups {
    /// Per ordinal, its commune's number, or [`NO_GROUP`].
    commune_of: Vec<u32>,
    /// Per commune number, its places.
    commune_places: Vec<Arc<Vec<u32>>>,
    /// Per commune number, what is summed over its places (`None` when it has none).
    commune_sums: Vec<Option<Arc<Commune>>>,
    /// Per ordinal, its EPCI's number, or [`NO_GROUP`].
    epci_of: Vec<u32>,
    /// Per EPCI number, its places.
    epci_places: Vec<Arc<Vec<u32>>>,
    /// Per EPCI number, what is summed over its places.
    epci_sums: Vec<Option<Arc<EpciPlaces>>>,
    /// The groups' names and numbers: they only grow, when a place names a new commune.
    names: Arc<GroupNames>,
    /// A key being made, kept to make the next without allocating.
    key: String,
}

/// The communes and EPCIs met, numbered.
#[derive(Clone, Debug, Default)]
struct GroupNames {
    /// Per commune number, its folded name.
    commune_names: Vec<String>,
    /// The number of each commune, by folded name and département (`name\0département`).
    commune_numbers: HashMap<String, u32>,
    /// The number of each commune by its name as written and département: places repeat
    /// their commune, and folding a name costs more than finding it.
    commune_by_text: HashMap<String, u32>,
    /// Per EPCI number, the EPCI.
    epci_list: Vec<&'static Epci>,
    /// The number of each EPCI, by code.
    epci_numbers: HashMap<&'static str, u32>,
    /// The EPCI number of each (INSEE code, postal code, commune name) met, or [`NO_GROUP`].
    epci_by_text: HashMap<String, u32>,
}

const NO_GROUP: u32 = u32::MAX;

impl Groups {
    /// Puts the place `ordinal` in its commune and EPCI (without summing them again), and
    /// answers their numbers.
    fn join(&mut self, ordinal: u32, place: &Place) -> (u32, u32) {
        let name = place.commune();
        let departement = place.departement().unwrap_or("");
        let commune = if name.is_empty() {
            NO_GROUP
        } else {
            self.key.clear();
            self.key.extend([name, "\0", departement]);
            let number = match self.names.commune_by_text.get(self.key.as_str()) {
                Some(number) => *number,
                None => {
                    let folded = fold(name);
                    let names = Arc::make_mut(&mut self.names);
                    let next = u32::try_from(names.commune_names.len()).unwrap_or(NO_GROUP);
                    let number = *names
                        .commune_numbers
                        .entry(format!("{folded}\0{departement}"))
                        .or_insert(next);
                    if number == next {
                        names.commune_names.push(folded);
                        self.commune_places.push(Arc::default());
                        self.commune_sums.push(None);
                    }
                    names.commune_by_text.insert(self.key.clone(), number);
                    number
                }
            };
            insert_sorted(
                Arc::make_mut(&mut self.commune_places[number as usize]),
                ordinal,
            );
            number
        };
        self.key.clear();
        let code_insee = place.text(crate::place::TextField::CodeInsee);
        self.key
            .extend([code_insee, "\0", place.code_postal(), "\0", name]);
        let epci = match self.names.epci_by_text.get(self.key.as_str()) {
            Some(number) => *number,
            None => {
                let names = Arc::make_mut(&mut self.names);
                let number = epcis().of_place(place).map_or(NO_GROUP, |epci| {
                    let next = u32::try_from(names.epci_list.len()).unwrap_or(NO_GROUP);
                    let number = *names.epci_numbers.entry(epci.code.as_str()).or_insert(next);
                    if number == next {
                        names.epci_list.push(epci);
                        self.epci_places.push(Arc::default());
                        self.epci_sums.push(None);
                    }
                    number
                });
                names.epci_by_text.insert(self.key.clone(), number);
                number
            }
        };
        if epci != NO_GROUP {
            insert_sorted(Arc::make_mut(&mut self.epci_places[epci as usize]), ordinal);
        }
        (commune, epci)
    }

    /// Takes the place `ordinal` out of the commune and EPCI it was in.
    fn leave(&mut self, ordinal: u32) -> (u32, u32) {
        let commune = self.commune_of[ordinal as usize];
        if commune != NO_GROUP {
            remove_sorted(
                Arc::make_mut(&mut self.commune_places[commune as usize]),
                ordinal,
            );
        }
        let epci = self.epci_of[ordinal as usize];
        if epci != NO_GROUP {
            remove_sorted(Arc::make_mut(&mut self.epci_places[epci as usize]), ordinal);
        }
        (commune, epci)
    }

    /// Sums the commune `number` again over its places.
    fn sum_commune(&mut self, number: u32, places: &Places) {
        let at = number as usize;
        let members = &self.commune_places[at];
        self.commune_sums[at] = members.first().map(|&example| {
            let (lon, lat) = sum_positions(members, places);
            #[allow(clippy::cast_precision_loss)]
            let count = members.len() as f64;
            Arc::new(Commune {
                number,
                folded: self.names.commune_names[at].clone(),
                example,
                count: members.len() as u64,
                coordinates: [lon / count, lat / count],
            })
        });
    }

    /// Sums the EPCI `number` again over its places.
    fn sum_epci(&mut self, number: u32, places: &Places) {
        let at = number as usize;
        let (epci, members) = (self.names.epci_list[at], &self.epci_places[at]);
        self.epci_sums[at] = (!members.is_empty()).then(|| {
            let (lon, lat) = sum_positions(members, places);
            let first = &places[members[0] as usize];
            let mut bbox = [
                first.longitude,
                first.latitude,
                first.longitude,
                first.latitude,
            ];
            for &ordinal in members.iter() {
                let place = &places[ordinal as usize];
                bbox = [
                    bbox[0].min(place.longitude),
                    bbox[1].min(place.latitude),
                    bbox[2].max(place.longitude),
                    bbox[3].max(place.latitude),
                ];
            }
            #[allow(clippy::cast_precision_loss)]
            let count = members.len() as f64;
            Arc::new(EpciPlaces {
                epci,
                folded: fold(&epci.nom),
                count: members.len() as u64,
                coordinates: [lon / count, lat / count],
                bbox,
            })
        });
    }
}

/// The sums of the longitudes and latitudes of the places `members`, in their order.
fn sum_positions(members: &[u32], places: &Places) -> (f64, f64) {
    members.iter().fold((0.0, 0.0), |(lon, lat), &ordinal| {
        let place = &places[ordinal as usize];
        (lon + place.longitude, lat + place.latitude)
    })
}

fn insert_sorted(members: &mut Vec<u32>, ordinal: u32) {
    if let Err(at) = members.binary_search(&ordinal) {
        members.insert(at, ordinal);
    }
}

fn remove_sorted(members: &mut Vec<u32>, ordinal: u32) {
    if let Ok(at) = members.binary_search(&ordinal) {
        members.remove(at);
    }
}

impl Suggester {
    /// Gathers the communes, EPCIs and service counts of `places`.
    #[must_use]
    pub fn build(places: &Places) -> Self {
        let mut groups = Groups {
            commune_of: Vec::with_capacity(places.len()),
            epci_of: Vec::with_capacity(places.len()),
            ..Groups::default()
        };
        for (ordinal, place) in (0u32..).zip(places) {
            let (commune, epci) = groups.join(ordinal, place);
            groups.commune_of.push(commune);
            groups.epci_of.push(epci);
        }
        for number in 0..u32::try_from(groups.commune_places.len()).unwrap_or(0) {
            groups.sum_commune(number, places);
        }
        for number in 0..u32::try_from(groups.epci_places.len()).unwrap_or(0) {
            groups.sum_epci(number, places);
        }
        let mut services = vec![0u64; Service::ALL.len()];
        for place in places {
            for service in place.services.iter() {
                services[service.index()] += 1;
            }
        }
        Self::of_groups(groups, services, None)
    }

    /// This completion data for `places`, changed from `before` (the places it was made of)
    /// at the ordinals `changed` (the others the same, their number perhaps not): the
    /// communes and EPCIs whose places changed summed again, the others kept, and the
    /// services' counts amended.
    #[must_use]
    pub fn patched(&self, before: &Places, places: &Places, changed: &[u32]) -> Self {
        let mut services: Vec<u64> = self.services.iter().map(|(_, _, count)| *count).collect();
        let was = changed
            .iter()
            .filter_map(|o| before.get(*o as usize))
            .chain(before.iter().skip(places.len()));
        for place in was {
            for service in place.services.iter() {
                services[service.index()] -= 1;
            }
        }
        for ordinal in changed {
            for service in places[*ordinal as usize].services.iter() {
                services[service.index()] += 1;
            }
        }
        let mut groups = self.groups.clone();
        let (mut communes, mut epcis) = (Vec::new(), Vec::new());
        let before = groups.commune_of.len();
        let gone = u32::try_from(places.len()).unwrap_or(u32::MAX)
            ..u32::try_from(before).unwrap_or(u32::MAX);
        for ordinal in changed
            .iter()
            .copied()
            .filter(|o| (*o as usize) < before)
            .chain(gone)
        {
            let (commune, epci) = groups.leave(ordinal);
            communes.push(commune);
            epcis.push(epci);
        }
        groups.commune_of.resize(places.len(), NO_GROUP);
        groups.epci_of.resize(places.len(), NO_GROUP);
        for &ordinal in changed {
            let (commune, epci) = groups.join(ordinal, &places[ordinal as usize]);
            groups.commune_of[ordinal as usize] = commune;
            groups.epci_of[ordinal as usize] = epci;
            communes.push(commune);
            epcis.push(epci);
        }
        for number in communes.into_iter().filter(|n| *n != NO_GROUP) {
            groups.sum_commune(number, places);
        }
        for number in epcis.into_iter().filter(|n| *n != NO_GROUP) {
            groups.sum_epci(number, places);
        }
        Self::of_groups(groups, services, Some(self))
    }

    /// The completion data of `groups`, summed, with `services`, the number of places that
    /// offer each service; `before` is the data `groups` were patched from, if any.
    fn of_groups(groups: Groups, services: Vec<u64>, before: Option<&Self>) -> Self {
        // Patched, the communes start in the order they had: sorting what is nearly sorted
        // costs a pass, and the order is total, so it is the one a sort of any other makes.
        let mut communes: Vec<Arc<Commune>> = match before {
            Some(before) => {
                let mut listed = vec![false; groups.commune_sums.len()];
                let mut communes: Vec<Arc<Commune>> = before
                    .communes
                    .iter()
                    .filter_map(|was| {
                        listed[was.number as usize] = true;
                        groups.commune_sums[was.number as usize].clone()
                    })
                    .collect();
                communes.extend(
                    (0..groups.commune_sums.len())
                        .filter(|number| !listed[*number])
                        .filter_map(|number| groups.commune_sums[number].clone()),
                );
                communes
            }
            None => groups.commune_sums.iter().flatten().cloned().collect(),
        };
        // Two communes of one name in two départements come in the order of their first places.
        communes.sort_by(|a, b| {
            (b.count.cmp(&a.count))
                .then_with(|| a.folded.cmp(&b.folded))
                .then_with(|| a.example.cmp(&b.example))
        });
        let same_order = before.filter(|before| {
            before.communes.len() == communes.len()
                && before
                    .communes
                    .iter()
                    .zip(&communes)
                    .all(|(was, now)| was.number == now.number)
        });
        let commune_words = match same_order {
            Some(before) => Arc::clone(&before.commune_words),
            None => {
                let mut words: Vec<(Box<str>, u32)> = (0u32..)
                    .zip(&communes)
                    .flat_map(|(at, commune)| {
                        commune
                            .folded
                            .split(|c: char| !c.is_alphanumeric())
                            .filter(|w| !w.is_empty())
                            .map(move |w| (w.into(), at))
                    })
                    .collect();
                words.sort_unstable();
                Arc::new(words)
            }
        };
        let services = Service::ALL
            .iter()
            .zip(services)
            .map(|(service, count)| (*service, fold(service.label()), count))
            .collect();
        let mut epcis: Vec<EpciPlaces> = groups
            .epci_sums
            .iter()
            .flatten()
            .map(|epci| EpciPlaces::clone(epci))
            .collect();
        epcis.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.epci.code.cmp(&b.epci.code))
        });
        Self {
            epcis,
            communes,
            commune_words,
            services,
            groups,
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
        for commune in candidates.map(|at| &*self.communes[at as usize]) {
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

    /// What completion answers from, for comparing two (communes without their numbers, which
    /// follow the order the groups were met in).
    fn summary(suggester: &Suggester) -> String {
        let communes: Vec<_> = suggester
            .communes
            .iter()
            .map(|c| (&c.folded, c.example, c.count, c.coordinates))
            .collect();
        format!(
            "{:?} {:?} {:?} {:?}",
            communes, suggester.commune_words, suggester.services, suggester.epcis
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// Patched where places changed (a new version in place, a new place last, a closed
        /// place's position taken by the last one), the completion data equals new data's.
        #[test]
        fn patched_completion_data_equals_new_data(
            changes in proptest::collection::vec((0usize..3, 0usize..400, 0usize..400), 1..12),
        ) {
            let pool: Vec<Arc<Place>> = crate::ingest::generate::test_places(400, 11)
                .into_iter()
                .map(Arc::new)
                .collect();
            let mut places = pool[..200].to_vec();
            let mut suggester = Suggester::build(&Places::from(places.clone()));
            for (kind, at, from) in changes {
                let before = places.clone();
                let at = at % places.len();
                let mut changed = Vec::new();
                match kind {
                    // Another place's texts and position, at this ordinal.
                    0 => {
                        places[at] = pool[from].clone();
                        changed.push(at);
                    }
                    1 => {
                        places.push(pool[from].clone());
                        changed.push(places.len() - 1);
                    }
                    _ if places.len() > 1 => {
                        places.swap_remove(at);
                        if at < places.len() {
                            changed.push(at);
                        }
                    }
                    _ => {}
                }
                let changed: Vec<u32> = changed.into_iter().map(|o| o as u32).collect();
                let (before, now) = (Places::from(before), Places::from(places.clone()));
                suggester = suggester.patched(&before, &now, &changed);
                proptest::prop_assert_eq!(summary(&suggester), summary(&Suggester::build(&now)));
            }
        }
    }
}
