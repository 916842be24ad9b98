//! Search: ranked text, radius and nearest queries, with filters, facets and opening hours.
//!
//! One pass over the candidates decides everything. Candidates come from the cheapest source:
//!
//! - with text, tantivy's matches, restricted to the places of the circle when there is a
//!   radius (an [`docs::OrdinalSetQuery`] clause, so tantivy intersects postings with a few
//!   thousand documents instead of scoring every match in France);
//! - without text, the places of the circle (from [`blocks`]), else every place;
//! - with text naming needs and no filter but a position, the words' matches only: the places
//!   that only offer the needs' services score alike, and are counted and ranked from the
//!   services' bitmaps a block at a time (see [`need`]);
//! - without text or filters, no place at all: totals and facets come from the blocks' counts
//!   and the hits from the R-tree's nearest-neighbour iterator.
//!
//! Each candidate is then judged once (`collect::Collector::offer`): the exact great-circle
//! distance against the radius, the bbox, postal and INSEE codes, opening hours, and the facet
//! filters.
//! A place that passes everything is counted in `total` and in every facet and ranked; a place
//! that fails exactly one facet filter is counted in that facet only (see [`facets`]). Ranking
//! happens there too, in a heap bounded by `offset + limit`: the score combines text relevance
//! (BM25 with field weights) with a decay over distance as each document is collected, so a
//! relevant place nearby can overtake a slightly more relevant one far away without re-sorting a
//! truncated list. Without text and with a location, results are sorted by distance.

pub mod blocks;
mod collect;
pub mod cql2;
pub mod distance;
pub mod docs;
pub mod expand;
pub mod facets;
pub mod gazetteer;
pub mod need;
pub mod reading;
pub mod schedules;
pub mod statistics;
pub mod suggest;
pub mod text;
pub mod thesaurus;
pub mod union;

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use chrono::NaiveDateTime;
use lieux_tiles::LngLatBbox;
use schemars::JsonSchema;
use serde::Serialize;
use tantivy::query::{BooleanQuery, EnableScoring, Occur, Query};
use tantivy::{Searcher, Term};

use crate::filter::PlaceFilter;
use crate::geo::{chord_between, chord_for_distance, distance_for_chord, haversine_m, unit_vector};
use crate::place::Place;
use crate::polygon::{Polygons, Relation};
use crate::store::amend::Moved;
use crate::store::places::Places;
use crate::store::PlaceIndex;
use crate::vocab::{Service, VocabSet};
use crate::Result;
use blocks::Blocks;
use collect::{decay, decay_scale, Collector};
pub use distance::{Decay, DistanceRanking};
use docs::DocMap;
use expand::Expansions;
use facets::{FacetColumns, Facets};
use need::{NeedQuery, ServiceDocs};
use reading::{Applied, QueryReader, ReadNeed, ReadPlace};
use schedules::Schedules;
use suggest::{Suggester, Suggestion};
use text::Word;
use union::WordUnion;

/// The positions of the set bits of `bits`, lowest first.
fn set_bits(mut bits: u64) -> impl Iterator<Item = u32> {
    std::iter::from_fn(move || {
        let bit = bits.trailing_zeros();
        bits &= bits.wrapping_sub(1);
        (bit < 64).then_some(bit)
    })
}

const _: () = assert!(blocks::BLOCK <= 64, "a block's places fit one u64 of bits");

/// How many expansions of typed words into indexed terms are remembered.
pub const EXPANSIONS_REMEMBERED: usize = 20_000;

/// Without a radius, the score of a place halves every this many metres.
pub const DEFAULT_HALF_LIFE_M: f64 = 10_000.0;
/// A circle holding fewer than one place in this many seeks the words of a text at few
/// documents (see [`union::WordUnion`]). Measured on 1M places: a circle of 20 km around Paris
/// holds one in seven, and is walked faster by tantivy's union.
const SPARSE_CIRCLE: usize = 32;

/// The widest circle a search that found nothing within its radius is widened to, before it
/// drops the radius: wider than a French région.
const WIDEST_FALLBACK_M: f64 = 500_000.0;
/// The narrowest circle such a search is widened to: a radius of 0 (or next to it) would
/// otherwise be widened four times over and over and stay 0, and the search never end.
const NARROWEST_FALLBACK_M: f64 = 1_000.0;

/// A location to search around.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Near {
    /// Degrees.
    pub longitude: f64,
    /// Degrees.
    pub latitude: f64,
    /// Only places within this great-circle distance, in metres.
    pub radius_m: Option<f64>,
}

/// Keep only places open at a local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenFilter {
    /// Local time in Europe/Paris.
    pub at: NaiveDateTime,
    /// Keep places whose hours are unknown too.
    pub include_unknown: bool,
}

/// The order of results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Text relevance with distance decay; by distance when there is no text.
    #[default]
    Relevance,
    /// Nearest first (needs a location).
    Distance,
}

/// A search.
#[derive(Clone, Debug, Default)]
pub struct SearchRequest {
    /// Vocabulary and code filters, and the text `q`.
    pub filter: PlaceFilter,
    /// Around a location, within a radius or not.
    pub near: Option<Near>,
    /// Inside a rectangle.
    pub bbox: Option<LngLatBbox>,
    /// Open at a time.
    pub open: Option<OpenFilter>,
    /// The order.
    pub sort: Sort,
    /// Hits to return.
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// How distance weighs in relevance, with a location.
    pub distance: DistanceRanking,
}

/// One result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    /// The place's ordinal in the index.
    pub ordinal: u32,
    /// Relevance: text score times distance decay (1 without text or location).
    pub score: f32,
    /// Great-circle distance to the search location, in metres.
    pub distance_m: Option<f64>,
}

/// The answer to a search.
#[derive(Clone, Debug, Default)]
pub struct SearchResults {
    /// The requested page of hits, best first.
    pub hits: Vec<Hit>,
    /// The number of matching places.
    pub total: u64,
    /// Facet counts over every match (each facet with the other filters applied).
    pub facets: Facets,
    /// Matching places whose hours are unknown: left out by an open filter unless
    /// `include_unknown`, kept otherwise.
    pub unknown_hours: u64,
}

/// The score a place gets for offering a service of a need the query names: more than one word
/// usually scores in a place's text, so that the places offering what was asked for come before
/// those that only mention its words.
const NEED_SCORE: f32 = 10.0;
/// The score a place gets for each other value of a need it has (an audience, a programme, a
/// type of structure): it ranks, it never decides what matches.
const BOOST_SCORE: f32 = 2.0;

/// A search as a person asked it: what was found, the request as it was run, and how the text
/// was read.
#[derive(Clone, Debug)]
pub struct Asked {
    /// The places found.
    pub results: SearchResults,
    /// The request as run: with the place the text names applied, and without the radius when
    /// the answer is a fallback that dropped it.
    pub request: SearchRequest,
    /// How the text was read; `None` without text.
    pub interpretation: Option<Interpretation>,
}

/// How a query was read, for the answer and the page ("Aide aux démarches administratives,
/// autour de Cholet (10 km)").
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
pub struct Interpretation {
    /// The services of the needs it names, once each.
    #[schemars(schema_with = "crate::vocab::labels_schema::<Service>")]
    pub services: Vec<&'static str>,
    /// The needs it names, each with its words.
    pub needs: Vec<ReadNeed>,
    /// The place it names.
    pub location: Option<ReadPlace>,
    /// The words searched as text (folded).
    pub words: Vec<String>,
    /// The words left out because with them nothing was found (folded), in the order they were
    /// dropped: those that match no place first, then the most common.
    pub dropped: Vec<String>,
    /// The query with its unknown words replaced by the closest the index or the thesaurus
    /// knows.
    pub did_you_mean: Option<String>,
    /// Set when nothing was found as asked and the answer is the nearest thing instead.
    pub fallback: Option<Fallback>,
}

/// An answer given when the search as asked found nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Fallback {
    /// What was relaxed.
    pub kind: FallbackKind,
    /// What to tell the person.
    pub message: String,
}

/// What a fallback relaxed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FallbackKind {
    /// The same search, without its radius: the nearest places, however far.
    WithoutRadius,
    /// The same search, outside the département the text named.
    WithoutTerritory,
    /// The places offering the services the query means, without its other words.
    ClosestService,
}

/// A text search's query, in parts.
struct TextQuery {
    /// What every place found matches: one clause per word, when the text names no need.
    required: Vec<(Occur, Box<dyn Query>)>,
    /// The needs the text names, by group of the same services. Every group must be answered.
    needs: Vec<NeedGroup>,
    /// What only ranks: the words beside needs, and the needs' other values.
    ranking: Option<Box<dyn Query>>,
}

/// Needs of the same services: a place offering one of the services answers them, and so does
/// one matching their words' query, when every need of the group has words.
struct NeedGroup {
    services: VocabSet<Service>,
    words: Option<Box<dyn Query>>,
}

impl TextQuery {
    /// The query as clauses of a `BooleanQuery`: the words' `Must`s, a `Must` per group of
    /// needs ([`NeedQuery`]) and a `Should` that only ranks.
    fn into_clauses(self, services: &ServiceDocs) -> Vec<(Occur, Box<dyn Query>)> {
        let mut clauses = self.required;
        for group in self.needs {
            let need = NeedQuery::new(services, group.services, NEED_SCORE, group.words);
            clauses.push((Occur::Must, Box::new(need) as Box<dyn Query>));
        }
        if let Some(ranking) = self.ranking {
            clauses.push((Occur::Should, ranking));
        }
        clauses
    }
}

/// The columns read by ordinal that a batch copies and patches.
struct PlaceColumns {
    facets: FacetColumns,
    units: Arc<[[f64; 3]]>,
    positions: Arc<[(f64, f64)]>,
    blocks: Arc<Blocks>,
}

/// The search structures made from the places alone, without the text index: what a batch of
/// changes makes while its text index is amended ([`SearchIndex::with_text`] completes them).
pub struct PlaceStructures {
    ids: Arc<[(u64, u32)]>,
    schedules: Schedules,
    suggester: Suggester,
    columns: PlaceColumns,
    reader: QueryReader,
}

impl PlaceStructures {
    /// The structures of `places`, their freshness by `freshness` today, the query reader by
    /// `reader` and the id table by `ids`; built side by side.
    pub fn build(
        places: &Places,
        freshness: &crate::freshness::FreshnessRule,
        reader: impl FnOnce(&Places) -> QueryReader + Send,
        ids: impl FnOnce(&Places) -> Vec<(u64, u32)> + Send,
    ) -> Self {
        let (ids, schedules, suggester, facets, reader) = std::thread::scope(|scope| {
            let ids = scope.spawn(|| ids(places));
            let schedules = scope.spawn(|| Schedules::build(places));
            let suggester = scope.spawn(|| Suggester::build(places));
            let reader = scope.spawn(|| reader(places));
            let facets = FacetColumns::build(places, freshness, schedules::now_local().date());
            (
                crate::join_scoped(ids).into(),
                crate::join_scoped(schedules),
                crate::join_scoped(suggester),
                facets,
                crate::join_scoped(reader),
            )
        });
        let positions: Vec<(f64, f64)> = places.iter().map(|p| (p.longitude, p.latitude)).collect();
        let units: Vec<[f64; 3]> = positions
            .iter()
            .map(|&(lon, lat)| unit_vector(lon, lat))
            .collect();
        let blocks = Arc::new(Blocks::build(&units, &facets));
        Self {
            ids,
            schedules,
            suggester,
            columns: PlaceColumns {
                facets,
                units: units.into(),
                positions: positions.into(),
                blocks,
            },
            reader,
        }
    }
}

/// What searching needs beyond the loaded index: the document map, opening hours, ids and
/// completion data, built once per index.
pub struct SearchIndex {
    searcher: Searcher,
    expansions: Expansions,
    docs: DocMap,
    /// Each place's id hash and ordinal, by hash: shared with the index a batch that moved
    /// no place, and added or closed none, made this one from.
    ids: Arc<[(u64, u32)]>,
    schedules: Schedules,
    suggester: Suggester,
    facets: FacetColumns,
    /// Each place's unit vector, by ordinal: what a search near a position reads of every
    /// candidate, kept apart from the places to stay in cache; distances come from chords
    /// (one `asin`), not from the haversine's trigonometry. Shared, with the positions, with
    /// the index a batch that moved no place made this one from.
    units: Arc<[[f64; 3]]>,
    /// Each place's longitude and latitude, by ordinal: what a polygon judges the places of
    /// the blocks its edges meet by, read in runs (the places themselves are one allocation
    /// each, and a unit vector's position costs an `atan2` and an `asin`).
    positions: Arc<[(f64, f64)]>,
    /// Facet counts of runs of places, for searches without filters.
    blocks: Arc<Blocks>,
    /// The documents of the places offering each service: what a need widens a search to.
    services: ServiceDocs,
    /// Bitmaps of the places, for the searches that mark some.
    scratch: need::BitmapPool,
    /// What reads queries as people type them: the thesaurus, the gazetteer, the words the
    /// index knows.
    reader: QueryReader,
}

impl SearchIndex {
    /// Builds the search structures of `index`, with the bundled thesaurus.
    ///
    /// # Errors
    /// When the text index does not map back to the places.
    pub fn build(index: &PlaceIndex) -> Result<Self> {
        Self::build_with(
            index,
            thesaurus::Thesaurus::bundled()?,
            &crate::freshness::FreshnessRule::default(),
        )
    }

    /// Builds the search structures of `index`, reading queries with `thesaurus`; its parts
    /// are built side by side.
    ///
    /// # Errors
    /// When the text index does not map back to the places.
    pub fn build_with(
        index: &PlaceIndex,
        thesaurus: thesaurus::Thesaurus,
        freshness: &crate::freshness::FreshnessRule,
    ) -> Result<Self> {
        let parts = PlaceStructures::build(
            &index.places,
            freshness,
            |places| QueryReader::new(places, thesaurus),
            id_table,
        );
        Self::with_text(index, parts)
    }

    /// The structures of the places of an index that a batch of changes made from this one's
    /// (`moved`, taking the places `gone` out and putting its new places in) that need no text
    /// index, as [`PlaceStructures::build`] makes them: this one's patched where the places
    /// changed (the query reader's counts amended, its thesaurus not read again; the id table's
    /// ordinals moved; the facet rows, unit vectors, hours and the blocks holding no changed
    /// place kept; the completion data's communes and EPCIs whose places changed summed
    /// again). A new day (freshness) or a new département (every block's counts) makes the
    /// facet rows and blocks again.
    #[must_use]
    pub fn amended_structures(
        &self,
        moved: Moved<'_>,
        gone: &[&Place],
        freshness: &crate::freshness::FreshnessRule,
    ) -> PlaceStructures {
        let places = moved.places;
        let changed = moved.changed();
        let added = moved.new.iter().map(|ordinal| &*places[*ordinal as usize]);
        let reader = self.reader.amended(gone.iter().copied(), added);
        // The id table, the completion data and the schedules on one side; the facet rows, the
        // positions and the blocks made of them on the other.
        let ((ids, suggester, schedules), columns) = std::thread::scope(|scope| {
            let texts = scope.spawn(|| {
                let suggester =
                    scope.spawn(|| self.suggester.patched(moved.before, places, &changed));
                let ids = if keeps_ids(moved) {
                    Arc::clone(&self.ids)
                } else {
                    amended_id_table(&self.ids, moved).into()
                };
                let schedules = self.schedules.patched(places, &changed);
                (ids, crate::join_scoped(suggester), schedules)
            });
            let columns = self.amended_columns(places, &changed, moved.moves_no_place, freshness);
            (crate::join_scoped(texts), columns)
        });
        PlaceStructures {
            ids,
            schedules,
            suggester,
            columns,
            reader,
        }
    }

    /// The facet rows, units, positions and blocks of `places`, changed from this index's at
    /// `changed`; when the batch `moves_no_place`, the positions and unit vectors are this
    /// index's.
    fn amended_columns(
        &self,
        places: &Places,
        changed: &[u32],
        moves_no_place: bool,
        freshness: &crate::freshness::FreshnessRule,
    ) -> PlaceColumns {
        let today = schedules::now_local().date();
        let facets = self
            .facets
            .patched(places, changed, freshness, today)
            .unwrap_or_else(|| FacetColumns::build(places, freshness, today));
        // Most batches move no place (a name, hours, a phone): the positions are the same.
        let (units, positions) = if !moves_no_place {
            let mut units = self.units[..self.units.len().min(places.len())].to_vec();
            units.resize(places.len(), [0.0; 3]);
            let mut positions = self.positions[..self.positions.len().min(places.len())].to_vec();
            positions.resize(places.len(), (0.0, 0.0));
            for ordinal in changed {
                let place = &places[*ordinal as usize];
                units[*ordinal as usize] = unit_vector(place.longitude, place.latitude);
                positions[*ordinal as usize] = (place.longitude, place.latitude);
            }
            (units.into(), positions.into())
        } else {
            (Arc::clone(&self.units), Arc::clone(&self.positions))
        };
        // Blocks are made of the positions and the facet rows: when neither changed, nor do
        // they.
        let blocks = if moves_no_place && facets.same_rows(&self.facets) {
            Arc::clone(&self.blocks)
        } else {
            let patched = self.blocks.patched(&units, &facets, changed);
            Arc::new(patched.unwrap_or_else(|| Blocks::build(&units, &facets)))
        };
        PlaceColumns {
            facets,
            units,
            positions,
            blocks,
        }
    }

    /// The search structures of `index`, given those of its places.
    ///
    /// # Errors
    /// When the text index does not map back to the places.
    pub fn with_text(index: &PlaceIndex, parts: PlaceStructures) -> Result<Self> {
        let searcher = index.reader.searcher();
        let docs = DocMap::build(&searcher, index.places.len(), &index.keys)?;
        let services = ServiceDocs::build(&parts.columns.facets, &docs);
        Ok(Self::assembled(index, searcher, docs, services, parts))
    }

    /// [`SearchIndex::with_text`] for `index`, changed in place from the index these
    /// structures are of, its places gone where `ordinal_now` says
    /// ([`crate::store::amend::Amended`]): the documents of the text index's first segment
    /// keep their places, and the services' bitmaps are patched where places changed, instead
    /// of reading a million documents and facet rows again.
    ///
    /// # Errors
    /// When the text index does not map back to the places.
    pub fn amended_with_text(
        &self,
        index: &PlaceIndex,
        parts: PlaceStructures,
        ordinal_now: &[Option<u32>],
    ) -> Result<Self> {
        let searcher = index.reader.searcher();
        let places = index.places.len();
        let docs = self
            .docs
            .amended(&searcher, places, &index.keys, ordinal_now)?;
        let changed = crate::store::amend::changed_ordinals(ordinal_now, places);
        let services = self
            .services
            .amended(&parts.columns.facets, &docs, &self.docs, &changed);
        Ok(Self::assembled(index, searcher, docs, services, parts))
    }

    /// The search structures of `index` from their parts.
    fn assembled(
        index: &PlaceIndex,
        searcher: Searcher,
        docs: DocMap,
        services: ServiceDocs,
        parts: PlaceStructures,
    ) -> Self {
        let PlaceStructures {
            ids,
            schedules,
            suggester,
            columns:
                PlaceColumns {
                    facets,
                    units,
                    positions,
                    blocks,
                },
            reader,
        } = parts;
        Self {
            services,
            scratch: need::BitmapPool::new(index.places.len()),
            docs,
            expansions: Expansions::new(
                searcher.clone(),
                std::sync::Arc::clone(&index.deleted),
                EXPANSIONS_REMEMBERED,
            ),
            searcher,
            ids,
            schedules,
            suggester,
            facets,
            units,
            positions,
            blocks,
            reader,
        }
    }

    /// Whether the maps between places and documents, and the services' bitmaps, are what a
    /// fresh read of `index`'s text index and facet rows makes (a batch patches them).
    #[cfg(test)]
    pub(crate) fn text_maps_as_read(&self, index: &PlaceIndex) -> bool {
        let docs = DocMap::build(&self.searcher, index.places.len(), &index.keys).unwrap();
        let services = ServiceDocs::build(&self.facets, &docs);
        self.docs.same_as(&docs) && self.services.same_as(&services)
    }

    /// The query reader.
    #[cfg(test)]
    pub(crate) fn reader(&self) -> &QueryReader {
        &self.reader
    }

    /// The id table: each place's id hash and ordinal, sorted.
    #[cfg(test)]
    pub(crate) fn id_table(&self) -> &[(u64, u32)] {
        &self.ids
    }

    /// Each place's longitude and latitude, by ordinal.
    #[must_use]
    pub fn positions(&self) -> &[(f64, f64)] {
        &self.positions
    }

    /// The freshness of the place `ordinal` on the day these structures were built.
    #[must_use]
    pub fn freshness(&self, ordinal: u32) -> Option<crate::vocab::Fraicheur> {
        self.facets.row(ordinal).freshness()
    }

    /// What facets read of each place, by ordinal.
    #[must_use]
    pub fn facet_rows(&self) -> &FacetColumns {
        &self.facets
    }

    /// The parsed opening hours.
    #[must_use]
    pub fn schedules(&self) -> &Schedules {
        &self.schedules
    }

    /// Sets the temporary closures of the places (see [`Schedules::set_closures`]).
    pub fn set_closures(&mut self, closures: Vec<(u32, chrono::NaiveDate, chrono::NaiveDate)>) {
        self.schedules.set_closures(closures);
    }

    /// The ordinal of the place with `id`.
    #[must_use]
    pub fn ordinal_of(&self, index: &PlaceIndex, id: &str) -> Option<u32> {
        let hash = id_hash(id);
        let start = self.ids.partition_point(|(h, _)| *h < hash);
        self.ids[start..]
            .iter()
            .take_while(|(h, _)| *h == hash)
            .map(|(_, ordinal)| *ordinal)
            .find(|ordinal| index.places[*ordinal as usize].id() == id)
    }

    /// Runs `request` against `index` (the index this was built from).
    ///
    /// # Errors
    /// A tantivy error while matching text.
    pub fn search(&self, index: &PlaceIndex, request: &SearchRequest) -> Result<SearchResults> {
        let words = request
            .filter
            .q
            .as_deref()
            .map(text::words)
            .unwrap_or_default();
        self.search_words(index, request, &words, &[])
    }

    /// Runs `request` as a person asked it: its text read by `reader` (needs, a place, the
    /// words left), words that find nothing dropped, and, when nothing is found still, the
    /// nearest answer (without the radius, outside the territory, or the places of the needs'
    /// services), labelled as such. See [`reading`].
    ///
    /// # Errors
    /// A tantivy error while matching text.
    pub fn search_as_asked(&self, index: &PlaceIndex, request: &SearchRequest) -> Result<Asked> {
        let reader = &self.reader;
        let Some(q) = request.filter.q.as_deref() else {
            return Ok(Asked {
                results: self.search(index, request)?,
                request: request.clone(),
                interpretation: None,
            });
        };
        let reading = reader.read(
            q,
            request.near.is_some(),
            !request.filter.departements.is_empty(),
        );
        let mut run = request.clone();
        run.filter.q = Some(reading.text.clone());
        match &reading.place {
            Some(place) if place.applied == Applied::Focus => {
                run.near = Some(Near {
                    longitude: place.longitude.unwrap_or_default(),
                    latitude: place.latitude.unwrap_or_default(),
                    radius_m: place.radius_m,
                });
            }
            Some(place) if place.applied == Applied::Filter => {
                run.filter.departements.insert(place.code.clone());
            }
            _ => {}
        }
        let mut words = self.analysed(&reading.text);
        let needs = &reading.needs;
        let mut interpretation = Interpretation {
            services: reading
                .services()
                .iter()
                .map(crate::vocab::Vocabulary::label)
                .collect(),
            needs: needs.clone(),
            location: reading.place.clone(),
            ..Interpretation::default()
        };
        // With a need, the other words only rank (see `clauses`): those that match no place are
        // said to be dropped, since they count for nothing.
        if needs.iter().any(|need| !need.services.is_empty()) {
            let fields = text::weighted_fields(&index.fields);
            let mut unknown = Vec::new();
            let mut known = Vec::with_capacity(words.len());
            for word in words {
                if text::matches_nothing(&word, &fields, &self.expansions)? {
                    unknown.push(word.folded);
                } else {
                    known.push(word);
                }
            }
            interpretation.did_you_mean = did_you_mean(q, &unknown, reader);
            interpretation.dropped = unknown;
            words = known;
        }
        let mut results = self.search_words(index, &run, &words, needs)?;

        // When nothing is found, the search is relaxed a step at a time, each step said in the
        // interpretation: the words that match no place at all are dropped; then the radius
        // widens, four times at each step, and last goes (the nearest places with every word:
        // the words say what is wanted); then the most common words are dropped, one at a
        // time; then the territory
        // the text named goes; last, the places offering the services meant.
        if results.total == 0 && !words.is_empty() {
            // Read from the term dictionaries: whether a word matches no place at all.
            let fields = text::weighted_fields(&index.fields);
            let mut unknown = Vec::new();
            let mut known = Vec::with_capacity(words.len());
            for word in words {
                if text::matches_nothing(&word, &fields, &self.expansions)? {
                    unknown.push(word.folded);
                } else {
                    known.push(word);
                }
            }
            if !unknown.is_empty() {
                interpretation.did_you_mean = did_you_mean(q, &unknown, reader);
            }
            interpretation.dropped.extend(unknown.iter().cloned());
            words = known;
            let searchable = !words.is_empty() || !needs.is_empty() || reading.place.is_some();
            if !unknown.is_empty() && searchable {
                results = self.search_words(index, &run, &words, needs)?;
            }
        }
        let sought = |words: &[Word]| !words.is_empty() || !needs.is_empty();
        if results.total == 0 && sought(&words) {
            if let Some((found, wider, fallback)) =
                self.without_radius(index, &run, &words, needs)?
            {
                (results, run) = (found, wider);
                interpretation.fallback = Some(fallback);
            }
        }
        let droppable =
            |left: usize| left > 1 || (left == 1 && (!needs.is_empty() || reading.place.is_some()));
        if results.total == 0 && droppable(words.len()) {
            // Counted only now: counting walks every posting of the words.
            let mut counted = std::mem::take(&mut words)
                .into_iter()
                .map(|word| Ok((self.places_with_word(index, &word)?, word)))
                .collect::<Result<Vec<_>>>()?;
            while results.total == 0 && droppable(counted.len()) {
                let most = (0..counted.len())
                    .max_by_key(|&i| counted[i].0)
                    .unwrap_or(0);
                interpretation.dropped.push(counted.remove(most).1.folded);
                words = counted.iter().map(|(_, w)| w.clone()).collect();
                results = self.search_words(index, &run, &words, needs)?;
            }
            if results.total == 0 && sought(&words) {
                if let Some((found, wider, fallback)) =
                    self.without_radius(index, &run, &words, needs)?
                {
                    (results, run) = (found, wider);
                    interpretation.fallback = Some(fallback);
                }
            }
        }
        interpretation.words = words.iter().map(|w| w.folded.clone()).collect();
        let something_sought = sought(&words);
        if results.total == 0 && something_sought {
            if let Some(place) = reading
                .place
                .as_ref()
                .filter(|p| p.applied == Applied::Filter)
            {
                let mut wider = run.clone();
                wider.filter.departements.remove(&place.code);
                let found = self.search_words(index, &wider, &words, needs)?;
                if found.total > 0 {
                    interpretation.fallback = Some(Fallback {
                        kind: FallbackKind::WithoutTerritory,
                        message: format!("nothing in {}: places elsewhere", place.name),
                    });
                    (results, run) = (found, wider);
                }
            }
        }
        if results.total == 0 && !needs.is_empty() {
            let mut closest = run.clone();
            closest.filter.q = None;
            closest.filter.services.extend_from(&reading.services());
            if let Some(near) = closest.near {
                closest.near = Some(Near {
                    radius_m: None,
                    ..near
                });
            }
            let found = self.search_words(index, &closest, &[], &[])?;
            if found.total > 0 {
                interpretation.fallback = Some(Fallback {
                    kind: FallbackKind::ClosestService,
                    message: format!(
                        "nothing as asked: the places offering {}",
                        interpretation.services.join(", ")
                    ),
                });
                (results, run) = (found, closest);
            }
        }
        Ok(Asked {
            results,
            request: run,
            interpretation: Some(interpretation),
        })
    }

    /// The words of `text` as the index analyses them, each with its synonyms.
    fn analysed(&self, text: &str) -> Vec<Word> {
        let mut words = text::words(text);
        for word in &mut words {
            word.synonyms = self
                .reader
                .thesaurus()
                .synonyms_of(&word.stem)
                .iter()
                .filter(|stem| **stem != word.stem)
                .cloned()
                .collect();
        }
        words
    }

    /// `run` with a wider radius, when it has one and a wider one finds places: four times
    /// as wide at each step, up to [`WIDEST_FALLBACK_M`], then without a radius (the nearest
    /// places, however far), with what to tell the person. The steps keep the answer near the
    /// person and cheap: a search of all of France for a broad text, ranked by distance,
    /// costs tens of times what a circle around a town does.
    fn without_radius(
        &self,
        index: &PlaceIndex,
        run: &SearchRequest,
        words: &[Word],
        needs: &[ReadNeed],
    ) -> Result<Option<(SearchResults, SearchRequest, Fallback)>> {
        let Some((near, radius)) = run
            .near
            .and_then(|near| near.radius_m.map(|radius| (near, radius)))
        else {
            return Ok(None);
        };
        let km = |metres: f64| metres / 1000.0;
        let mut wider_radius = Some(radius);
        while let Some(current) = wider_radius {
            let next = (current * 4.0).max(NARROWEST_FALLBACK_M);
            wider_radius = (next <= WIDEST_FALLBACK_M).then_some(next);
            let mut wider = run.clone();
            wider.near = Some(Near {
                radius_m: wider_radius,
                ..near
            });
            let found = self.search_words(index, &wider, words, needs)?;
            if found.total == 0 {
                continue;
            }
            let message = match wider_radius {
                Some(wider) => format!(
                    "nothing within {} km: the places within {} km",
                    km(radius),
                    km(wider)
                ),
                None => format!(
                    "nothing within {} km: the nearest places, farther away",
                    km(radius)
                ),
            };
            let fallback = Fallback {
                kind: FallbackKind::WithoutRadius,
                message,
            };
            return Ok(Some((found, wider, fallback)));
        }
        Ok(None)
    }

    /// How many places `word` alone finds.
    fn places_with_word(&self, index: &PlaceIndex, word: &Word) -> Result<usize> {
        let clauses = text::text_clauses(
            std::slice::from_ref(word),
            &text::weighted_fields(&index.fields),
            &self.expansions,
            WordUnion::Walked,
        )?;
        Ok(self
            .searcher
            .search(&BooleanQuery::new(clauses), &tantivy::collector::Count)?)
    }

    /// [`SearchIndex::search`] with the text already analysed into `words`, and the `needs`
    /// the text names: each a clause that a place offering one of its services, or holding its
    /// words, matches.
    fn search_words(
        &self,
        index: &PlaceIndex,
        request: &SearchRequest,
        words: &[Word],
        needs: &[ReadNeed],
    ) -> Result<SearchResults> {
        let has_text = !words.is_empty() || !needs.is_empty();
        if !has_text {
            if let Some(results) = self
                .search_unfiltered(index, request)
                .or_else(|| self.search_polygon_alone(index, request))
            {
                return Ok(results);
            }
        }
        let circle = match &request.filter.polygon {
            // The places of the polygon: the collector judges the radius, if any.
            Some(polygon) => Some(self.within_polygon(index, polygon)),
            None => request
                .near
                .and_then(|near| near.radius_m.map(|radius| self.circle(near, radius))),
        };
        // A circle holding few of the places seeks the words at few documents.
        let union = match &circle {
            Some(circle) if circle.len() < index.places.len() / SPARSE_CIRCLE => WordUnion::Sought,
            _ => WordUnion::Walked,
        };
        let query = self.text_query(index, words, needs, union)?;
        if !query.needs.is_empty() && self.narrows_nothing_but_position(request) {
            return self.search_needs(index, request, query, circle);
        }
        let text = query.into_clauses(&self.services);
        let mut collector = Collector::new(self, index, request, has_text);
        match (has_text, circle) {
            (true, within) => {
                // The circle's places join the words' clauses (see `text::text_clauses`).
                let mut clauses = text;
                if let Some(circle) = within {
                    clauses.push((Occur::Must, Box::new(self.docs.query_for(circle))));
                }
                let query = BooleanQuery::new(clauses);
                let weight = query.weight(self.expansions.statistics().scoring())?;
                for (segment, reader) in self.searcher.segment_readers().iter().enumerate() {
                    let ordinals = self.docs.segment_ordinals(segment);
                    weight.for_each(reader, &mut |doc, score| {
                        let ordinal = ordinals[doc as usize];
                        if ordinal != DocMap::DELETED {
                            collector.offer(ordinal, score);
                        }
                    })?;
                }
            }
            (false, Some(circle)) => {
                for ordinal in circle {
                    collector.offer(ordinal, 1.0);
                }
            }
            (false, None) => {
                for ordinal in 0..u32::try_from(index.places.len()).unwrap_or(u32::MAX) {
                    collector.offer(ordinal, 1.0);
                }
            }
        }
        Ok(collector.finish())
    }

    /// The parts of a text search's query: the words, the needs, what only ranks.
    fn text_query(
        &self,
        index: &PlaceIndex,
        words: &[Word],
        needs: &[ReadNeed],
        union: WordUnion,
    ) -> Result<TextQuery> {
        let fields = text::weighted_fields(&index.fields);
        // A need is what the person wants: the other words then rank the places that answer
        // it ("demande de retraite en ligne": every place helping with procedures, those that
        // mention the words first) instead of narrowing them to the few that hold them all.
        let optional = needs.iter().any(|need| !need.services.is_empty());
        let mut required = Vec::new();
        // What only ranks: the words beside a need, and the needs' other values.
        let mut ranking: Vec<Box<dyn Query>> = Vec::new();
        for (occur, word) in text::text_clauses(words, &fields, &self.expansions, union)? {
            if optional {
                ranking.push(word);
            } else {
                required.push((occur, word));
            }
        }
        let filter = |term: &str| Term::from_field_text(index.fields.filters, term);
        // Needs of the same services make one clause: a place offering one of them answers
        // them all, and one offering none must hold the words of every one ("caf impôts
        // retraite": three needs, one clause, instead of three unions of the same postings).
        let mut groups: Vec<(VocabSet<Service>, Vec<Word>, bool)> = Vec::new();
        let mut boosts: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
        for need in needs {
            boosts.extend(need.boosts.iter().map(String::as_str));
            if need.services.is_empty() {
                continue;
            }
            let own = text::words(&format!("{} ", need.expression));
            match groups
                .iter_mut()
                .find(|(services, ..)| *services == need.services)
            {
                Some((_, words, all_have_words)) => {
                    *all_have_words &= !own.is_empty();
                    words.extend(own);
                }
                None => groups.push((need.services, own.clone(), !own.is_empty())),
            }
        }
        let mut query = TextQuery {
            required,
            needs: Vec::with_capacity(groups.len()),
            ranking: None,
        };
        for (services, words, all_have_words) in groups {
            // The needs' own words, found in a place's text, answer them too.
            let words = if all_have_words {
                let words = text::text_clauses(&words, &fields, &self.expansions, union)?;
                Some(Box::new(BooleanQuery::new(words)) as Box<dyn Query>)
            } else {
                None
            };
            query.needs.push(NeedGroup { services, words });
        }
        for boost in boosts {
            ranking.push(text::const_term(filter(boost), BOOST_SCORE));
        }
        // Any of the ranking clauses: sought at few documents, a `WordQuery`, which moves only
        // the alternatives behind the document sought (see `union`).
        query.ranking = match (ranking.len(), union) {
            (0, _) => None,
            (_, WordUnion::Sought) => Some(Box::new(union::WordQuery::new(ranking, union))),
            (_, WordUnion::Walked) => Some(Box::new(BooleanQuery::new(
                ranking.into_iter().map(|q| (Occur::Should, q)).collect(),
            ))),
        };
        Ok(query)
    }

    /// The places within `radius` metres of `near`, and a few more a hair beyond it: the
    /// collector judges each exact distance. Whole blocks come in as runs of ordinals; only the
    /// places of the blocks that straddle the circle are measured.
    fn circle(&self, near: Near, radius: f64) -> Vec<u32> {
        let centre = unit_vector(near.longitude, near.latitude);
        let chord = chord_for_distance(radius) * (1.0 + 1e-9);
        let coverage = self.blocks.cover(&centre, chord);
        // A city's circle holds a hundred thousand places: room for them all, at once.
        let mut ordinals = Vec::with_capacity(
            (coverage.inside_groups.len() * blocks::GROUP
                + coverage.inside.len()
                + coverage.boundary.len())
                * blocks::BLOCK,
        );
        for (run, _) in self.blocks.whole(&coverage) {
            ordinals.extend(run);
        }
        for &block in &coverage.boundary {
            let start = self.blocks.ordinals(block).start;
            let inside = self.inside_mask(block, &centre, chord);
            ordinals.extend(set_bits(inside).map(|bit| start + bit));
        }
        ordinals
    }

    /// Which places of `block` are within `chord` of `centre`: bit `i` for its `i`th place.
    /// Squared chords are compared, without a square root, and without a branch per place.
    fn inside_mask(&self, block: usize, centre: &[f64; 3], chord: f64) -> u64 {
        let ordinals = self.blocks.ordinals(block);
        let squared = chord * chord;
        self.units[ordinals.start as usize..ordinals.end as usize]
            .iter()
            .enumerate()
            .fold(0, |mask, (bit, unit)| {
                let (dx, dy, dz) = (
                    centre[0] - unit[0],
                    centre[1] - unit[1],
                    centre[2] - unit[2],
                );
                mask | (u64::from(dx * dx + dy * dy + dz * dz <= squared) << bit)
            })
    }

    /// The places inside `polygon` or on its boundary, in order (see [`Self::cover_polygon`]).
    #[must_use]
    pub fn within_polygon(&self, index: &PlaceIndex, polygon: &Polygons) -> Vec<u32> {
        let mut inside = Vec::new();
        self.cover_polygon(index, polygon, |part| match part {
            PolygonPart::Group(group) => inside.extend(self.blocks.group_ordinals(group)),
            PolygonPart::Block(block) => inside.extend(self.blocks.ordinals(block)),
            PolygonPart::Picked(block, picked) => {
                inside.extend(picked_ordinals(self.blocks.ordinals(block).start, picked));
            }
        });
        inside
    }

    /// Hands `visit` the places inside `polygon` or on its boundary, by runs in ascending
    /// order. The blocks of places (runs of consecutive ordinals, compact patches of the map,
    /// see [`blocks`]) are looked at first: the rectangle around a group's or a block's
    /// bounding sphere is either wholly inside the polygon (its places are all taken, none
    /// judged), wholly outside (none is), or met by an edge; only the places of the blocks an
    /// edge meets are judged one by one, each at its own longitude and latitude. A département
    /// then judges the places along its boundary, not the tens of thousands inside it. (A
    /// rectangle holds the positions of its sphere's unit vectors, which are the places' to
    /// 1e-13°, with a margin of 1e-9°: a place within the boundary's tolerance of 1e-12° of an
    /// edge is in a rectangle the edge meets.)
    fn cover_polygon(
        &self,
        index: &PlaceIndex,
        polygon: &Polygons,
        mut visit: impl FnMut(PolygonPart),
    ) {
        let places = u32::try_from(index.places.len().min(self.positions.len())).unwrap_or(0);
        let relation =
            |rect: Option<[f64; 4]>| rect.map_or(Relation::Across, |rect| polygon.relate(rect));
        for group in 0..self.blocks.groups() {
            if self.blocks.group_ordinals(group).end > places {
                break;
            }
            match relation(self.blocks.group_rect(group)) {
                Relation::Outside => {}
                Relation::Inside => visit(PolygonPart::Group(group)),
                Relation::Across => {
                    for block in self.blocks.group_blocks(group) {
                        match relation(self.blocks.block_rect(block)) {
                            Relation::Outside => {}
                            Relation::Inside => visit(PolygonPart::Block(block)),
                            Relation::Across => {
                                let mut picked = 0u64;
                                for (bit, ordinal) in self.blocks.ordinals(block).enumerate() {
                                    let (lon, lat) = self.positions[ordinal as usize];
                                    if polygon.contains(lon, lat) {
                                        picked |= 1 << bit;
                                    }
                                }
                                if picked != 0 {
                                    visit(PolygonPart::Picked(block, picked));
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// A search whose only filter is a polygon, with no text and no position: its places in
    /// order, counted by runs. The groups and blocks wholly inside the polygon add the facet
    /// counts they keep, those an edge meets the bit-sliced counts of the places picked, as a
    /// circle's do (see [`Self::search_unfiltered`]); no place is offered one by one. `None`
    /// for any other search.
    fn search_polygon_alone(
        &self,
        index: &PlaceIndex,
        request: &SearchRequest,
    ) -> Option<SearchResults> {
        let polygon = request.filter.polygon.as_ref()?;
        if request.near.is_some() || !self.narrows_nothing_but_place(request) {
            return None;
        }
        let keep = request.offset.saturating_add(request.limit);
        let mut counts = self.facets.counts();
        let mut total = 0usize;
        let mut hits = Vec::with_capacity(request.limit.min(keep));
        let mut hit = |ordinals: &mut dyn Iterator<Item = u32>, total: usize| {
            for ordinal in ordinals
                .take(keep.saturating_sub(total))
                .skip(request.offset.saturating_sub(total))
            {
                hits.push(Hit {
                    ordinal,
                    score: 1.0,
                    distance_m: None,
                });
            }
        };
        self.cover_polygon(index, polygon, |part| {
            let before = total;
            match part {
                PolygonPart::Group(group) => {
                    counts.add_counts(self.blocks.group_counts(group));
                    let run = self.blocks.group_ordinals(group);
                    total += run.len();
                    hit(&mut run.into_iter(), before);
                }
                PolygonPart::Block(block) => {
                    counts.add_counts(self.blocks.counts(block));
                    let run = self.blocks.ordinals(block);
                    total += run.len();
                    hit(&mut run.into_iter(), before);
                }
                PolygonPart::Picked(block, picked) => {
                    let (counters, holders) = self.blocks.masks(block);
                    counts.add_picked(counters, holders, picked);
                    total += picked.count_ones() as usize;
                    let start = self.blocks.ordinals(block).start;
                    hit(&mut picked_ordinals(start, picked), before);
                }
            }
        });
        Some(SearchResults {
            hits,
            total: total as u64,
            facets: counts.finish(),
            unknown_hours: 0,
        })
    }

    /// Whether nothing but its text and a position narrow `request`: no bbox, polygon, codes,
    /// opening hours or facet filter.
    fn narrows_nothing_but_position(&self, request: &SearchRequest) -> bool {
        request.filter.polygon.is_none() && self.narrows_nothing_but_place(request)
    }

    /// Whether nothing but its text, a position and a polygon narrow `request`: no bbox,
    /// codes, opening hours or facet filter.
    fn narrows_nothing_but_place(&self, request: &SearchRequest) -> bool {
        let filter = &request.filter;
        request.bbox.is_none()
            && request.open.is_none()
            && !filter.has_codes()
            && self.facets.compile(filter).is_unfiltered()
    }

    /// A search without text or filters (a bbox, codes and opening hours are filters): answered
    /// from the blocks' counts and the R-tree's nearest neighbours, without visiting every
    /// place. `None` when the request has a filter.
    fn search_unfiltered(
        &self,
        index: &PlaceIndex,
        request: &SearchRequest,
    ) -> Option<SearchResults> {
        if !self.narrows_nothing_but_position(request) {
            return None;
        }
        let keep = request.offset.saturating_add(request.limit);
        let mut counts = self.facets.counts();
        let Some(near) = request.near else {
            counts.add_counts(self.blocks.all());
            let hits = (0..u32::try_from(index.places.len()).unwrap_or(u32::MAX))
                .skip(request.offset)
                .take(request.limit)
                .map(|ordinal| Hit {
                    ordinal,
                    score: 1.0,
                    distance_m: None,
                })
                .collect();
            return Some(SearchResults {
                hits,
                total: index.places.len() as u64,
                facets: counts.finish(),
                unknown_hours: 0,
            });
        };
        let total = match near.radius_m {
            None => {
                counts.add_counts(self.blocks.all());
                index.places.len() as u64
            }
            Some(radius) => {
                let centre = unit_vector(near.longitude, near.latitude);
                let chord = chord_for_distance(radius);
                let coverage = self.blocks.cover(&centre, chord);
                let mut total = 0;
                for (run, run_counts) in self.blocks.whole(&coverage) {
                    counts.add_counts(run_counts);
                    total += run.len() as u64;
                }
                for &block in &coverage.boundary {
                    let inside = self.inside_mask(block, &centre, chord);
                    total += u64::from(inside.count_ones());
                    let (counters, holders) = self.blocks.masks(block);
                    counts.add_picked(counters, holders, inside);
                }
                total
            }
        };
        // The nearest places, in order; places at the same distance by ordinal, as the
        // collector orders them.
        let radius = near.radius_m.unwrap_or(f64::INFINITY);
        let mut nearest: Vec<(f64, u32)> = Vec::with_capacity(keep);
        let centre = unit_vector(near.longitude, near.latitude);
        for ordinal in index.tree.nearest(near.longitude, near.latitude) {
            let distance =
                distance_for_chord(chord_between(&centre, &self.units[ordinal as usize]));
            if distance > radius
                || (nearest.len() >= keep && nearest.last().is_some_and(|l| l.0 < distance))
            {
                break;
            }
            nearest.push((distance, ordinal));
        }
        nearest.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let scale_m = decay_scale(request);
        let hits = nearest
            .into_iter()
            .take(keep)
            .skip(request.offset)
            .map(|(distance, ordinal)| Hit {
                ordinal,
                score: decay(request, scale_m, Some(distance)),
                distance_m: Some(distance),
            })
            .collect();
        Some(SearchResults {
            hits,
            total,
            facets: counts.finish(),
            unknown_hours: 0,
        })
    }

    /// The `k` places nearest to a location that pass `filter`, nearest first (places at one
    /// distance by ordinal, whatever order the R-tree walks them in), with their exact
    /// distances.
    ///
    /// # Errors
    /// A tantivy error while matching the filter's text.
    pub fn nearest(
        &self,
        index: &PlaceIndex,
        longitude: f64,
        latitude: f64,
        k: usize,
        filter: &PlaceFilter,
    ) -> Result<Vec<Hit>> {
        let text_hits = match &filter.q {
            Some(q) => Some(self.text_matches(index, q)?),
            None => None,
        };
        let facets = self.facets.compile(filter);
        let centre = unit_vector(longitude, latitude);
        let passes = |ordinal: &u32| {
            let place = &index.places[*ordinal as usize];
            text_hits
                .as_ref()
                .is_none_or(|hits| hits[*ordinal as usize])
                && facets.failed(self.facets.row(*ordinal)) == 0
                && filter.matches_codes(place)
        };
        let chord = |ordinal: u32| chord_between(&centre, &self.units[ordinal as usize]);
        let mut nearest: Vec<(f64, u32)> = Vec::with_capacity(k);
        if let Some(polygon) = &filter.polygon {
            // The polygon's places are few; the R-tree's walk could pass every other place
            // before it finds them.
            nearest = self
                .within_polygon(index, polygon)
                .into_iter()
                .filter(passes)
                .map(|ordinal| (chord(ordinal), ordinal))
                .collect();
        } else {
            for ordinal in index.tree.nearest(longitude, latitude).filter(passes) {
                let chord = chord(ordinal);
                if nearest.len() >= k && nearest.last().is_some_and(|last| last.0 < chord) {
                    break;
                }
                nearest.push((chord, ordinal));
            }
        }
        nearest.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        Ok(nearest
            .into_iter()
            .take(k)
            .map(|(_, ordinal)| {
                let place = &index.places[ordinal as usize];
                Hit {
                    ordinal,
                    score: 1.0,
                    distance_m: Some(haversine_m(
                        longitude,
                        latitude,
                        place.longitude,
                        place.latitude,
                    )),
                }
            })
            .collect())
    }

    /// The ordinals of the places that pass `filter` (its text, vocabularies, départements and
    /// codes), in order: the places of a filtered map.
    ///
    /// # Errors
    /// A tantivy error while matching the filter's text.
    ///
    /// The text is read as a search reads it ([`SearchIndex::search_as_asked`]): its needs
    /// widen the matches, a département it names filters, and its words that match no place
    /// are left out; a commune it names is no filter, since a map shows every place (the list
    /// is the one that focuses).
    pub fn matching(&self, index: &PlaceIndex, filter: &PlaceFilter) -> Result<Vec<u32>> {
        let mut named = None;
        let text_hits = match &filter.q {
            Some(q) => {
                let (hits, departement) =
                    self.text_matches_as_asked(index, q, !filter.departements.is_empty())?;
                named = departement;
                Some(hits)
            }
            None => None,
        };
        let with_named;
        let filter = match named {
            Some(code) => {
                let mut wider = filter.clone();
                wider.departements.insert(code);
                with_named = wider;
                &with_named
            }
            None => filter,
        };
        let facets = self.facets.compile(filter);
        let passes = |ordinal: &u32| {
            text_hits
                .as_ref()
                .is_none_or(|hits| hits[*ordinal as usize])
                && facets.failed(self.facets.row(*ordinal)) == 0
                && filter.matches_codes(&index.places[*ordinal as usize])
        };
        Ok(match &filter.polygon {
            Some(polygon) => {
                let mut inside = self.within_polygon(index, polygon);
                inside.retain(passes);
                inside
            }
            None => (0..u32::try_from(index.places.len()).unwrap_or(u32::MAX))
                .filter(passes)
                .collect(),
        })
    }

    /// A bitmap, by ordinal, of the places whose text matches `q` (every place when `q` has no
    /// word to look for).
    ///
    /// # Errors
    /// A tantivy error.
    pub fn text_matches(&self, index: &PlaceIndex, q: &str) -> Result<Vec<bool>> {
        let weighted = text::weighted_fields(&index.fields);
        let Some(query) = text::text_query(q, &weighted, &self.expansions)? else {
            return Ok(vec![true; index.places.len()]);
        };
        self.bitmap(&*query, index.places.len())
    }

    /// A bitmap, by ordinal, of the `places` that `query` matches.
    fn bitmap(&self, query: &dyn Query, places: usize) -> Result<Vec<bool>> {
        let mut hits = vec![false; places];
        let weight = query.weight(EnableScoring::disabled_from_searcher(&self.searcher))?;
        for (segment, reader) in self.searcher.segment_readers().iter().enumerate() {
            let ordinals = self.docs.segment_ordinals(segment);
            weight.for_each_no_score(reader, &mut |docs| {
                for doc in docs {
                    let ordinal = ordinals[*doc as usize];
                    if ordinal != DocMap::DELETED {
                        hits[ordinal as usize] = true;
                    }
                }
            })?;
        }
        Ok(hits)
    }

    /// A bitmap, by ordinal, of the places the text `q` finds when read as a search reads it
    /// (needs, words that match some place), and the département it names, if any.
    fn text_matches_as_asked(
        &self,
        index: &PlaceIndex,
        q: &str,
        has_departement: bool,
    ) -> Result<(Vec<bool>, Option<String>)> {
        let reading = self.reader.read(q, true, has_departement);
        let departement = reading
            .place
            .as_ref()
            .filter(|p| p.applied == Applied::Filter)
            .map(|p| p.code.clone());
        let mut words = Vec::new();
        for word in self.analysed(&reading.text) {
            if self.places_with_word(index, &word)? > 0 {
                words.push(word);
            }
        }
        let typed_words = !text::words(&reading.text).is_empty();
        if words.is_empty() && reading.needs.is_empty() {
            // Nothing to look for: every place, unless every word was unknown.
            let all = !typed_words;
            return Ok((vec![all; index.places.len()], departement));
        }
        let query = self
            .text_query(index, &words, &reading.needs, WordUnion::Walked)?
            .into_clauses(&self.services);
        let query = BooleanQuery::new(query);
        Ok((self.bitmap(&query, index.places.len())?, departement))
    }

    /// Completions of `q` as typed: communes, services, place names (those near `near`, a
    /// longitude and latitude, first).
    ///
    /// # Errors
    /// A tantivy error while matching names.
    pub fn suggest<'a>(
        &self,
        index: &'a PlaceIndex,
        q: &str,
        limit: usize,
        near: Option<(f64, f64)>,
    ) -> Result<Vec<Suggestion<'a>>> {
        Ok(self
            .suggester
            .suggest(index, &self.expansions, &self.docs, q, limit, near)?)
    }
}

/// `q` (folded) with each of its `unknown` words replaced by the closest word `reader` knows;
/// `None` when none has a close word.
fn did_you_mean(q: &str, unknown: &[String], reader: &QueryReader) -> Option<String> {
    let mut replaced = false;
    let words: Vec<String> = crate::fold::fold(q)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|word| {
            if unknown.iter().any(|u| u == word) {
                if let Some(closest) = reader.closest_word(word) {
                    replaced = true;
                    return closest.to_owned();
                }
            }
            word.to_owned()
        })
        .collect();
    replaced.then(|| words.join(" "))
}

fn id_hash(id: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut hasher);
    hasher.finish()
}

/// Whether a batch (`moved`) leaves every id at its ordinal: it only made new versions.
fn keeps_ids(moved: Moved<'_>) -> bool {
    moved.places.len() == moved.before.len()
        && (moved.changed_places.iter())
            .all(|(at, place)| moved.before[*at as usize].id() == place.id())
}

/// `ids`, the id table of an index, for the index a batch made of it (`moved`): the ordinals
/// of the places kept moved, and the new places' ids added, in the order [`id_table`] sorts.
fn amended_id_table(ids: &[(u64, u32)], moved: Moved<'_>) -> Vec<(u64, u32)> {
    // The table is by hash, so its ordinals come in no order: looking each up in
    // `ordinal_now` would miss the cache a million times. The few ordinals that moved or went
    // are marked in a bitset instead (128 KiB at a million places), and only those are looked
    // up.
    let mut changed = vec![0u64; moved.ordinal_now.len().div_ceil(64)];
    for (ordinal, now) in (0u32..).zip(moved.ordinal_now) {
        if *now != Some(ordinal) {
            changed[ordinal as usize / 64] |= 1 << (ordinal % 64);
        }
    }
    let now = |ordinal: u32| {
        if changed[ordinal as usize / 64] & (1 << (ordinal % 64)) == 0 {
            Some(ordinal)
        } else {
            moved.ordinal_now[ordinal as usize]
        }
    };
    let mut new: Vec<(u64, u32)> = moved
        .new
        .iter()
        .map(|ordinal| (id_hash(moved.places[*ordinal as usize].id()), *ordinal))
        .collect();
    new.sort_unstable();
    let mut new = new.into_iter().peekable();
    let mut table = Vec::with_capacity(moved.places.len());
    // The ordinals of the places kept keep their order: the table stays sorted.
    for kept in ids
        .iter()
        .filter_map(|(hash, ordinal)| Some((*hash, now(*ordinal)?)))
    {
        table.extend(std::iter::from_fn(|| new.next_if(|n| *n < kept)));
        table.push(kept);
    }
    table.extend(new);
    table
}

fn id_table(places: &Places) -> Vec<(u64, u32)> {
    let mut ids: Vec<(u64, u32)> = (0u32..)
        .zip(places)
        .map(|(ordinal, place)| (id_hash(place.id()), ordinal))
        .collect();
    ids.sort_unstable();
    ids
}

/// A run of the places inside a polygon ([`SearchIndex::cover_polygon`]).
#[derive(Clone, Copy, Debug)]
enum PolygonPart {
    /// Every place of a group of blocks.
    Group(usize),
    /// Every place of a block.
    Block(usize),
    /// The places of a block whose bits are set (bit `i` for its `i`th place).
    Picked(usize, u64),
}

/// The ordinals of the places `picked` names in a block starting at `start`, ascending.
fn picked_ordinals(start: u32, mut picked: u64) -> impl Iterator<Item = u32> {
    std::iter::from_fn(move || {
        (picked != 0).then(|| {
            let bit = picked.trailing_zeros();
            picked &= picked - 1;
            start + bit
        })
    })
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use proptest::prelude::*;

    use super::*;
    use crate::store::report::Report;
    use crate::store::{write_index, NoProgress};
    use crate::vocab::Vocabulary;

    /// Generated places around all of France, indexed on disk once for all the tests.
    static INDEX: LazyLock<(tempfile::TempDir, PlaceIndex, SearchIndex)> = LazyLock::new(|| {
        let dir = tempfile::tempdir().unwrap();
        let places = crate::ingest::generate::test_places(4_000, 11);
        let out = dir.path().join("idx");
        write_index(&places, &Report::default(), Vec::new(), &out, &NoProgress).unwrap();
        let index = PlaceIndex::open(&out).unwrap();
        let search = SearchIndex::build(&index).unwrap();
        (dir, index, search)
    });

    fn index() -> (&'static PlaceIndex, &'static SearchIndex) {
        (&INDEX.1, &INDEX.2)
    }

    #[test]
    fn the_text_index_is_written_as_one_segment() {
        let (index, _) = index();
        assert_eq!(index.reader.searcher().segment_readers().len(), 1);
    }

    #[test]
    fn a_search_that_finds_nothing_within_its_radius_widens_it_step_by_step() {
        let (index, search) = index();
        // In the sea off Brittany: nothing within 5 km.
        let at = |radius_m| SearchRequest {
            filter: filter(&[("q", "mediatheque")]),
            near: Some(Near {
                longitude: -6.0,
                latitude: 47.5,
                radius_m,
            }),
            limit: 5,
            ..SearchRequest::default()
        };
        let asked = search.search_as_asked(index, &at(Some(5_000.0))).unwrap();
        let fallback = asked.interpretation.unwrap().fallback.unwrap();
        assert_eq!(fallback.kind, FallbackKind::WithoutRadius);
        let widened = asked.request.near.unwrap().radius_m.unwrap();
        assert!(
            widened > 5_000.0 && widened <= WIDEST_FALLBACK_M,
            "{widened}"
        );
        assert!(
            fallback
                .message
                .ends_with(&format!("the places within {} km", widened / 1000.0)),
            "{}",
            fallback.message
        );
        let narrower = search.search(index, &at(Some(widened / 4.0))).unwrap();
        assert_eq!(narrower.total, 0, "the step before found nothing");
        let wide = search.search(index, &at(Some(widened))).unwrap();
        assert_eq!(asked.results.total, wide.total);
        assert!(asked.results.total > 0);
        assert!(asked
            .results
            .hits
            .iter()
            .all(|hit| hit.distance_m.is_some_and(|d| d <= widened)));
    }

    #[test]
    fn a_radius_of_zero_is_widened_too_and_the_search_ends() {
        let (index, search) = index();
        for radius_m in [0.0, f64::MIN_POSITIVE, 1e-3] {
            let request = SearchRequest {
                filter: filter(&[("q", "mediatheque")]),
                near: Some(Near {
                    longitude: -6.0,
                    latitude: 47.5,
                    radius_m: Some(radius_m),
                }),
                limit: 5,
                ..SearchRequest::default()
            };
            let asked = search.search_as_asked(index, &request).unwrap();
            let fallback = asked.interpretation.unwrap().fallback.unwrap();
            assert_eq!(fallback.kind, FallbackKind::WithoutRadius, "{radius_m}");
            assert!(asked.results.total > 0, "{radius_m}");
        }
    }

    #[test]
    fn a_set_of_places_from_the_pool_holds_only_its_own() {
        let (_, search) = index();
        let places_of = |set: &docs::OrdinalSetQuery| {
            let weight = set
                .weight(EnableScoring::disabled_from_searcher(&search.searcher))
                .unwrap();
            let mut places = Vec::new();
            let mut hinted = 0;
            for (segment, reader) in search.searcher.segment_readers().iter().enumerate() {
                let mut scorer = weight.scorer(reader, 1.0).unwrap();
                hinted += scorer.size_hint();
                while scorer.doc() != tantivy::TERMINATED {
                    places.push(search.docs.segment_ordinals(segment)[scorer.doc() as usize]);
                    scorer.advance();
                }
            }
            places.sort_unstable();
            (places, hinted)
        };
        let wide = search.docs.query_for(0..3_000);
        assert_eq!(places_of(&wide).0.len(), 3_000);
        drop(wide);
        // The wide set's bitmaps are back in the pool, and this one reuses them.
        let few = search.docs.query_for([3_999, 5, 17, 5]);
        assert_eq!(places_of(&few), (vec![5, 17, 3_999], 3));
        let alongside = search.docs.query_for([6]);
        assert_eq!(places_of(&alongside), (vec![6], 1));
        assert_eq!(places_of(&few).0, vec![5, 17, 3_999]);
    }

    fn all(request: SearchRequest) -> SearchResults {
        let (index, search) = index();
        search
            .search(
                index,
                &SearchRequest {
                    limit: index.places.len(),
                    ..request
                },
            )
            .unwrap()
    }

    fn filter(pairs: &[(&str, &str)]) -> PlaceFilter {
        PlaceFilter::from_pairs(pairs.iter().copied()).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn radius_results_equal_a_haversine_scan(
            lon in -4.5f64..8.0,
            lat in 42.5f64..51.0,
            // Up to most of France, so that whole blocks fall inside the circle.
            radius in 10.0f64..800_000.0,
        ) {
            let (index, _) = index();
            let results = all(SearchRequest {
                near: Some(Near { longitude: lon, latitude: lat, radius_m: Some(radius) }),
                ..SearchRequest::default()
            });
            let mut expected: Vec<(f64, u32)> = (0u32..)
                .zip(&index.places)
                .map(|(o, p)| (haversine_m(lon, lat, p.longitude, p.latitude), o))
                .filter(|(d, _)| *d <= radius)
                .collect();
            expected.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            // Distances are computed two ways (chords, haversine): they agree to a micrometre,
            // and a place that close to the boundary may fall either way.
            let clear = |d: &f64| (d - radius).abs() > 1e-6;
            let found: Vec<(f64, u32)> = results
                .hits
                .iter()
                .map(|h| (h.distance_m.unwrap(), h.ordinal))
                .filter(|(d, _)| clear(d))
                .collect();
            expected.retain(|(d, _)| clear(d));
            prop_assert_eq!(found.len(), expected.len());
            for ((d, o), (e, p)) in found.iter().zip(&expected) {
                prop_assert_eq!(o, p);
                prop_assert!((d - e).abs() < 1e-6, "{} vs {}", d, e);
            }
            let total = results.total as usize;
            prop_assert!(total.abs_diff(expected.len()) <= results.hits.len() - found.len());
            // Facets (taken from whole groups and blocks inside the circle, and bit-sliced
            // from the blocks on its edge) count the places inside.
            if results.hits.len() == found.len() {
                let count = |values: &dyn Fn(&Place) -> Vec<String>| {
                    let mut counts = Counts::new();
                    for (_, ordinal) in &expected {
                        for value in values(&index.places[*ordinal as usize]) {
                            *counts.entry(value).or_insert(0) += 1;
                        }
                    }
                    counts
                };
                prop_assert_eq!(
                    facet(&results, facets::Facet::Services),
                    count(&|p| p.services.iter().map(|v| v.label().to_owned()).collect())
                );
                prop_assert_eq!(
                    facet(&results, facets::Facet::Typologie),
                    count(&|p| p.typologie.iter().map(|v| v.label().to_owned()).collect())
                );
                prop_assert_eq!(
                    facet(&results, facets::Facet::Departement),
                    count(&|p| p.departement().map(str::to_owned).into_iter().collect())
                );
            }
        }

        #[test]
        fn filtered_radius_results_equal_a_haversine_scan(
            lon in -4.5f64..8.0,
            lat in 42.5f64..51.0,
            radius in 10.0f64..150_000.0,
        ) {
            let (index, _) = index();
            let free = filter(&[("frais_a_charge", "Gratuit")]);
            let results = all(SearchRequest {
                filter: free.clone(),
                near: Some(Near { longitude: lon, latitude: lat, radius_m: Some(radius) }),
                ..SearchRequest::default()
            });
            let expected: Vec<u32> = (0u32..)
                .zip(&index.places)
                .filter(|(_, p)| free.matches_fields(p))
                .filter(|(_, p)| (haversine_m(lon, lat, p.longitude, p.latitude) - radius) < -1e-6)
                .map(|(o, _)| o)
                .collect();
            let mut found: Vec<u32> = results
                .hits
                .iter()
                .filter(|h| h.distance_m.unwrap() - radius < -1e-6)
                .map(|h| h.ordinal)
                .collect();
            found.sort_unstable();
            prop_assert_eq!(found, expected);
        }

        #[test]
        fn nearest_equals_a_haversine_scan(lon in -4.5f64..8.0, lat in 42.5f64..51.0, k in 1usize..40) {
            let (index, search) = index();
            let found: Vec<f64> = search
                .nearest(index, lon, lat, k, &PlaceFilter::default())
                .unwrap()
                .iter()
                .map(|h| h.distance_m.unwrap())
                .collect();
            let mut expected: Vec<f64> = index
                .places
                .iter()
                .map(|p| haversine_m(lon, lat, p.longitude, p.latitude))
                .collect();
            expected.sort_by(f64::total_cmp);
            expected.truncate(k);
            prop_assert_eq!(found, expected);
        }
    }

    type Counts = std::collections::HashMap<String, u64>;

    fn facet(results: &SearchResults, facet: facets::Facet) -> Counts {
        results.facets.get(facet).iter().cloned().collect()
    }

    /// How many hits have each value, as `values` lists them.
    fn value_counts(results: &SearchResults, values: impl Fn(&Place) -> Vec<&str>) -> Counts {
        let (index, _) = index();
        let mut counts = Counts::new();
        for hit in &results.hits {
            for value in values(&index.places[hit.ordinal as usize]) {
                *counts.entry(value.to_owned()).or_insert(0) += 1;
            }
        }
        counts
    }

    #[test]
    fn facets_count_the_full_result_set_with_the_other_filters_applied() {
        let request = SearchRequest {
            filter: filter(&[
                ("frais_a_charge", "Gratuit"),
                ("services", "Aide aux démarches administratives"),
            ]),
            ..SearchRequest::default()
        };
        let results = all(request.clone());
        assert!(results.total > 100, "{}", results.total);
        // Typologie has no filter: its counts are those of the result set.
        assert_eq!(
            facet(&results, facets::Facet::Typologie),
            value_counts(&results, |p| p
                .typologie
                .iter()
                .map(|v| v.label())
                .collect())
        );
        // Fees are filtered: their counts are those of the search without the fee filter.
        let without_fees = all(SearchRequest {
            filter: filter(&[("services", "Aide aux démarches administratives")]),
            ..SearchRequest::default()
        });
        let fees = facet(&results, facets::Facet::Frais);
        assert_eq!(
            fees,
            value_counts(&without_fees, |p| p
                .frais_a_charge
                .iter()
                .map(|v| v.label())
                .collect())
        );
        assert_eq!(
            fees.get("Gratuit").copied().unwrap_or(0),
            results.total,
            "every match is free"
        );
    }

    /// A search naming needs, with nothing else to narrow it but a position, takes its own
    /// path (`SearchIndex::search_needs`): it must find, count and rank as the general
    /// path does, which a bbox around the whole world makes the search take.
    #[test]
    fn needs_searched_alone_answer_as_the_general_path() {
        let (index, search) = index();
        let queries = [
            "ordinateur",
            "ordi",
            "caf impôts retraite",
            "atelier smartphone seniors",
            "wifi gratuit",
            "aide caf mediatheque",
            "fablab",
            "cours informatique débutant",
            "france services",
            "ordinateurs reconditionnés pas cher",
            "imprimer un document",
            "point numérique",
        ];
        let paris = |radius_m| Near {
            longitude: 2.35,
            latitude: 48.85,
            radius_m,
        };
        let positions = [
            (None, Sort::Relevance),
            (Some(paris(Some(150_000.0))), Sort::Relevance),
            (Some(paris(Some(150_000.0))), Sort::Distance),
            (Some(paris(Some(3_000.0))), Sort::Relevance),
            (Some(paris(None)), Sort::Relevance),
            (Some(paris(None)), Sort::Distance),
        ];
        let mut widened = 0;
        for q in queries {
            let pages = [(0, 20), (0, 0), (7, 50), (0, 4_000)];
            for ((offset, limit), (near, sort)) in pages
                .into_iter()
                .flat_map(|page| positions.iter().map(move |position| (page, *position)))
            {
                let request = SearchRequest {
                    filter: filter(&[("q", q)]),
                    near,
                    sort,
                    offset,
                    limit,
                    ..SearchRequest::default()
                };
                let own = search.search_as_asked(index, &request).unwrap();
                let general = search
                    .search_as_asked(
                        index,
                        &SearchRequest {
                            bbox: Some(LngLatBbox::WORLD),
                            ..request
                        },
                    )
                    .unwrap();
                let needs = &own.interpretation.as_ref().unwrap().needs;
                widened += usize::from(!needs.is_empty() && offset == 0 && limit == 20);
                let what = format!("{q} at {offset}+{limit}, {near:?} by {sort:?}");
                let (own, general) = (own.results, general.results);
                assert_eq!(own.total, general.total, "{what}");
                assert_eq!(own.facets, general.facets, "{what}");
                assert_eq!(own.hits.len(), general.hits.len(), "{what}");
                for (a, b) in own.hits.iter().zip(&general.hits) {
                    assert_eq!(a.ordinal, b.ordinal, "{what}");
                    let (sa, sb) = (a.score, b.score);
                    assert!((sa - sb).abs() < 1e-4, "{what}: {sa} against {sb}");
                    assert_eq!(a.distance_m, b.distance_m, "{what}");
                }
            }
        }
        // Most of the queries name a need, and take the path tested.
        assert!(widened >= 60, "{widened}");
    }

    #[test]
    fn text_with_a_location_ranks_by_relevance_and_distance_inside_the_radius() {
        let (index, _) = index();
        let near = Near {
            longitude: 2.35,
            latitude: 48.85,
            radius_m: Some(30_000.0),
        };
        let results = all(SearchRequest {
            filter: filter(&[("q", "mediatheque")]),
            near: Some(near),
            ..SearchRequest::default()
        });
        assert!(results.total > 0);
        assert!(results.hits.windows(2).all(|w| w[0].score >= w[1].score));
        for hit in &results.hits {
            assert!(hit.distance_m.unwrap() <= 30_000.0);
            let place = &index.places[hit.ordinal as usize];
            assert!(
                crate::fold::fold(place.nom()).contains("mediatheque")
                    || crate::fold::fold(place.text(crate::place::TextField::PresentationResume))
                        .contains("mediatheque")
                    || place
                        .typologie
                        .iter()
                        .any(|t| crate::fold::fold(t.description()).contains("mediatheque")),
                "{}",
                place.nom()
            );
        }
        // The same search without the radius finds the same places among others.
        let everywhere = all(SearchRequest {
            filter: filter(&[("q", "mediatheque")]),
            near: Some(Near {
                radius_m: None,
                ..near
            }),
            ..SearchRequest::default()
        });
        assert!(everywhere.total > results.total);
    }

    #[test]
    fn pages_follow_each_other_and_ids_are_found() {
        let (index, search) = index();
        let page = |offset| {
            search
                .search(
                    index,
                    &SearchRequest {
                        filter: filter(&[("q", "services")]),
                        limit: 10,
                        offset,
                        ..SearchRequest::default()
                    },
                )
                .unwrap()
        };
        let whole = all(SearchRequest {
            filter: filter(&[("q", "services")]),
            ..SearchRequest::default()
        });
        let (first, second) = (page(0), page(10));
        assert_eq!(first.total, whole.total);
        assert_eq!(first.hits[..], whole.hits[..10]);
        assert_eq!(second.hits[..], whole.hits[10..20]);
        for hit in &first.hits {
            let id = index.places[hit.ordinal as usize].id();
            assert_eq!(search.ordinal_of(index, id), Some(hit.ordinal));
        }
        assert_eq!(search.ordinal_of(index, "no-such-place"), None);
    }

    /// A star-shaped ring around (`lon`, `lat`): `radii.len()` vertices at angles evenly
    /// spread and shifted by up to 0.4 of a step (`shifts`), each at its radius in degrees.
    fn star(lon: f64, lat: f64, radii: &[f64], shifts: &[f64]) -> crate::polygon::Ring {
        #[allow(clippy::cast_precision_loss)]
        let step = std::f64::consts::TAU / radii.len() as f64;
        let mut ring: crate::polygon::Ring = radii
            .iter()
            .zip(shifts)
            .enumerate()
            .map(|(i, (r, shift))| {
                #[allow(clippy::cast_precision_loss)]
                let angle = (i as f64 + shift * 0.4) * step;
                (lon + r * angle.cos(), lat + r * angle.sin())
            })
            .collect();
        ring.push(ring[0]);
        ring
    }

    /// A polygon with a hole and an island in the hole (valid rings, none touching another),
    /// from the drawn values.
    fn holed(
        lon: f64,
        lat: f64,
        size: f64,
        outer: &[(f64, f64)],
        hole: &[(f64, f64)],
        island: &[(f64, f64)],
    ) -> Vec<Vec<crate::polygon::Ring>> {
        // Six vertices or more, shifted by at most 0.4 of a step: no two vertices of the outer
        // ring are more than 108° apart, so its edges stay farther than 0.7 × cos 54° > 0.41
        // of `size` from the centre, outside the hole (0.35 at most); the island (0.05 at
        // most) stays inside the hole's 0.1 × cos 54°.
        let ring = |scale: (f64, f64), drawn: &[(f64, f64)]| {
            let radii: Vec<f64> = drawn
                .iter()
                .map(|(r, _)| size * (scale.0 + (scale.1 - scale.0) * r))
                .collect();
            let shifts: Vec<f64> = drawn.iter().map(|(_, s)| *s).collect();
            star(lon, lat, &radii, &shifts)
        };
        vec![
            vec![ring((0.7, 1.0), outer), ring((0.1, 0.35), hole)],
            vec![ring((0.01, 0.05), island)],
        ]
    }

    /// The `geo` crate's own judgement of each place (boundary inside: `Intersects`), and
    /// whether the place is clear of every edge, where rounding cannot decide.
    fn geo_oracle(polygons: &[Vec<crate::polygon::Ring>], place: &Place) -> (bool, bool) {
        use geo::Intersects;
        let line = |ring: &crate::polygon::Ring| {
            geo::LineString::from(
                ring.iter()
                    .map(|&(x, y)| geo::coord! { x: x, y: y })
                    .collect::<Vec<_>>(),
            )
        };
        let multi = geo::MultiPolygon::new(
            polygons
                .iter()
                .map(|rings| {
                    geo::Polygon::new(line(&rings[0]), rings[1..].iter().map(line).collect())
                })
                .collect(),
        );
        let (x, y) = (place.longitude, place.latitude);
        let clear = polygons.iter().flatten().all(|ring| {
            ring.windows(2).all(|edge| {
                let [(x1, y1), (x2, y2)] = [edge[0], edge[1]];
                let (dx, dy) = (x2 - x1, y2 - y1);
                let t = (((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
                (x - x1 - t * dx).hypot(y - y1 - t * dy) > 1e-9
            })
        });
        (multi.intersects(&geo::Point::new(x, y)), clear)
    }

    /// A filter of `polygons` alone, read from their GeoJSON as a request gives it.
    fn polygon_filter(polygons: &[Vec<crate::polygon::Ring>]) -> PlaceFilter {
        let coordinates: Vec<Vec<Vec<[f64; 2]>>> = polygons
            .iter()
            .map(|rings| {
                rings
                    .iter()
                    .map(|ring| ring.iter().map(|&(x, y)| [x, y]).collect())
                    .collect()
            })
            .collect();
        let geojson =
            serde_json::json!({ "type": "MultiPolygon", "coordinates": coordinates }).to_string();
        filter(&[("polygon", geojson.as_str())])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]

        /// Every path that takes a filter keeps the places `geo` finds inside the polygon:
        /// the maps' `matching`, a search without text, with text, around a position, and
        /// `nearest`.
        #[test]
        fn polygon_filters_equal_a_geo_scan(
            lon in -4.0f64..7.5,
            lat in 43.0f64..50.5,
            size in 0.02f64..4.0,
            outer in proptest::collection::vec((0.0f64..1.0, -1.0f64..1.0), 6..60),
            hole in proptest::collection::vec((0.0f64..1.0, -1.0f64..1.0), 6..20),
            island in proptest::collection::vec((0.0f64..1.0, -1.0f64..1.0), 6..10),
        ) {
            let (index, search) = index();
            let polygons = holed(lon, lat, size, &outer, &hole, &island);
            let judged: Vec<(bool, bool)> =
                index.places.iter().map(|p| geo_oracle(&polygons, p)).collect();
            let expected: Vec<u32> = (0u32..).zip(&judged).filter(|(_, j)| j.0).map(|(o, _)| o).collect();
            // A place within a nanodegree of an edge is left to rounding: compared apart.
            let clear = |ordinals: &[u32]| -> Vec<u32> {
                ordinals.iter().copied().filter(|o| judged[*o as usize].1).collect()
            };
            let inside = polygon_filter(&polygons);

            let matching = search.matching(index, &inside).unwrap();
            prop_assert_eq!(clear(&matching), clear(&expected));

            let results = all(SearchRequest { filter: inside.clone(), ..SearchRequest::default() });
            let mut found: Vec<u32> = results.hits.iter().map(|h| h.ordinal).collect();
            found.sort_unstable();
            prop_assert_eq!(results.total as usize, found.len());
            prop_assert_eq!(clear(&found), clear(&expected));

            // The polygon alone is counted by runs; with a rectangle around the world beside
            // it, the same search goes place by place: the same pages, total and facets.
            for (offset, limit) in [(0, 5), (3, 40), (0, 100_000)] {
                let alone = SearchRequest { filter: inside.clone(), offset, limit, ..SearchRequest::default() };
                let placewise = SearchRequest { bbox: Some(LngLatBbox::WORLD), ..alone.clone() };
                let (alone, placewise) = (search.search(index, &alone).unwrap(), search.search(index, &placewise).unwrap());
                prop_assert_eq!(&alone.hits, &placewise.hits);
                prop_assert_eq!(alone.total, placewise.total);
                prop_assert_eq!(&alone.facets, &placewise.facets);
            }

            // With text: the text's places without the polygon, then those `geo` keeps.
            let text = filter(&[("q", "mediatheque")]);
            let mut texts: Vec<u32> = all(SearchRequest { filter: text.clone(), ..SearchRequest::default() })
                .hits.iter().map(|h| h.ordinal).filter(|o| judged[*o as usize].0).collect();
            texts.sort_unstable();
            let both = PlaceFilter { polygon: inside.polygon.clone(), ..text };
            let mut found: Vec<u32> = all(SearchRequest { filter: both, ..SearchRequest::default() })
                .hits.iter().map(|h| h.ordinal).collect();
            found.sort_unstable();
            prop_assert_eq!(clear(&found), clear(&texts));

            // Around a position, within a radius: the circle's places `geo` keeps.
            let near = Near { longitude: lon + size / 3.0, latitude: lat, radius_m: Some(size * 60_000.0) };
            let mut circle: Vec<u32> = all(SearchRequest { near: Some(near), ..SearchRequest::default() })
                .hits.iter().map(|h| h.ordinal).filter(|o| judged[*o as usize].0).collect();
            circle.sort_unstable();
            let mut found: Vec<u32> = all(SearchRequest { near: Some(near), filter: inside.clone(), ..SearchRequest::default() })
                .hits.iter().map(|h| h.ordinal).collect();
            found.sort_unstable();
            prop_assert_eq!(clear(&found), clear(&circle));

            // The nearest places inside: the first of the inside ones by distance.
            let k = 7;
            let nearest: Vec<u32> = search
                .nearest(index, lon, lat, k, &inside)
                .unwrap()
                .iter()
                .map(|h| h.ordinal)
                .collect();
            let mut by_distance: Vec<(f64, u32)> = expected
                .iter()
                .map(|o| {
                    let p = &index.places[*o as usize];
                    (haversine_m(lon, lat, p.longitude, p.latitude), *o)
                })
                .collect();
            by_distance.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            prop_assert_eq!(nearest.len(), k.min(expected.len()));
            if by_distance.iter().all(|(_, o)| judged[*o as usize].1) {
                let want: Vec<u32> = by_distance.iter().take(k).map(|(_, o)| *o).collect();
                let mut got = nearest.clone();
                got.sort_unstable();
                let mut want_sorted = want.clone();
                want_sorted.sort_unstable();
                prop_assert_eq!(got, want_sorted);
            }
        }
    }

    #[test]
    fn a_polygon_s_blocks_inside_are_taken_whole_and_its_places_are_exact() {
        // A polygon around much of the bundled data, with a hole: some blocks of places lie
        // wholly inside it and are taken without judging their places, some are met by its
        // edges; the places found are those a scan of every place finds.
        let (index, search) = index();
        let polygons = holed(
            -0.8,
            47.4,
            4.0,
            &[(1.0, 0.0); 12],
            &[(0.5, 0.0); 8],
            &[(0.5, 0.0); 8],
        );
        let inside = polygon_filter(&polygons);
        let polygon = inside.polygon.as_ref().unwrap();
        let blocks = &search.blocks;
        let relations: Vec<Relation> = (0..blocks.groups())
            .flat_map(|group| blocks.group_blocks(group))
            .map(|block| {
                blocks
                    .block_rect(block)
                    .map_or(Relation::Across, |rect| polygon.relate(rect))
            })
            .collect();
        for relation in [Relation::Inside, Relation::Across, Relation::Outside] {
            assert!(relations.contains(&relation), "no block {relation:?}");
        }
        let within = search.within_polygon(index, polygon);
        assert!(!within.is_empty());
        assert!(
            within.windows(2).all(|w| w[0] < w[1]),
            "in order, once each"
        );
        let everywhere: Vec<u32> = (0u32..)
            .zip(&index.places)
            .filter(|(_, p)| polygon.contains(p.longitude, p.latitude))
            .map(|(o, _)| o)
            .collect();
        assert_eq!(within, everywhere);
    }
}
