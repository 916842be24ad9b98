//! Completion as a person types: communes, services and place names.
//!
//! Communes and services are few (at most some 35,000 communes, 12 services), so they are
//! matched in memory against the folded text: a commune or label matches when every typed word
//! starts one of its words. Communes carry their number of places and a centre, so a search box
//! can recentre the map on one. Place names come from the tantivy index, through the same
//! French analysis as search but on the name field alone.

use std::collections::HashMap;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::Searcher;

use super::docs::DocMap;
use super::text::text_query;
use crate::place::Place;
use crate::store::PlaceIndex;
use crate::text::fold;
use crate::vocab::{Service, Vocabulary};

/// At most this many communes, and this many services, in one answer.
const MAX_PER_KIND: usize = 3;

/// One completion.
#[derive(Clone, Debug, PartialEq, Serialize)]
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

/// What completion matches in memory.
#[derive(Debug)]
pub struct Suggester {
    /// By decreasing number of places.
    communes: Vec<Commune>,
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
        let services = Service::ALL
            .iter()
            .zip(services)
            .map(|(service, count)| (*service, fold(service.label()), count))
            .collect();
        Self { communes, services }
    }

    /// Up to `limit` completions of `q`: communes, then services, then places.
    ///
    /// # Errors
    /// A tantivy error while matching place names.
    pub fn suggest<'a>(
        &self,
        index: &'a PlaceIndex,
        searcher: &Searcher,
        docs: &DocMap,
        q: &str,
        limit: usize,
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
        let wanted = MAX_PER_KIND.min(limit);
        let matches = |c: &&Commune| starts_words(&c.folded, &words);
        let mut communes: Vec<&Commune> = self
            .communes
            .iter()
            .filter(|c| c.folded.starts_with(words[0]))
            .filter(matches)
            .take(wanted)
            .collect();
        if communes.len() < wanted {
            let more: Vec<&Commune> = self
                .communes
                .iter()
                .filter(|c| !c.folded.starts_with(words[0]))
                .filter(matches)
                .take(wanted - communes.len())
                .collect();
            communes.extend(more);
        }
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
        for (service, folded, count) in &self.services {
            if out.len() >= limit || out.len() >= 2 * MAX_PER_KIND {
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
            if let Some(query) = text_query(q, &[(index.fields.nom, 1.0)]) {
                for (_, address) in searcher.search(&query, &TopDocs::with_limit(wanted))? {
                    let place =
                        &index.places[docs.ordinal(address.segment_ord, address.doc_id) as usize];
                    out.push(Suggestion::Place {
                        label: place.nom(),
                        id: place.id(),
                        commune: place.commune(),
                        coordinates: [place.longitude, place.latitude],
                    });
                }
            }
        }
        Ok(out)
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
