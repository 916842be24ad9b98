//! The index a server answers from, built and checked whole before it replaces another: the
//! serve wing.
//!
//! A server holds one [`LiveIndex`]: the loaded [`PlaceIndex`] and everything derived from it
//! (the [`SearchIndex`], the cluster hierarchies of the [`MapCache`], the encoded tiles of the
//! [`TileCache`], the bounds and the attribution). They are one value because they must never
//! mix: a tile cached from one index served with the places of another would draw places that
//! no longer exist. Its parts are private, and it answers every question itself (`search`,
//! `nearest`, `suggest`, `place`, `tile`, `clusters`…): this is the one place that serves the
//! data, and the one place where changes to it will apply. The server keeps it behind an
//! atomic pointer (`arc-swap`); a request takes the pointer once and answers from that index
//! to the end, while a re-index swaps in a new one.
//!
//! [`load`] builds a new `LiveIndex` from an [`IndexSource`] (an index directory, or source files
//! to import and index) and [`LiveIndex::prepare`] checks it before anyone can see it: the
//! manifest hashes and counts (checked by [`PlaceIndex::open`]), the search structures against
//! the places, a test query, the unfiltered cluster hierarchy (built here, so the first map after
//! a swap is as fast as before). Any failure is an [`Error`] and leaves the caller's current
//! index untouched.
//!
//! An index rebuilt from sources is written into a directory of its own, which the `LiveIndex`
//! owns and removes once the last request using it has finished.
//!
//! The wing also holds what answers are made of: the clustered [`map`]s, the compressed
//! [`tiles`] of its cache, places as [`geojson`] features, and the [`json`] writer behind them.
//! It speaks no HTTP: the shell maps a request's `Accept-Encoding` to a [`Compression`].

mod amend;
pub mod features;
pub mod geojson;
pub mod json;
pub mod map;
pub mod pmtiles;
pub mod tiles;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use lieux_tiles::{ClusterOptions, LngLatBbox, TileCoord, TileJson, VectorLayer};
use serde_json::Value;

use crate::changes::apply::{apply, Applied, Conflict};
use crate::changes::feed::{FeedScope, Served, ServedChange};
use crate::changes::{AcceptedChange, ChangeStore};
use crate::filter::PlaceFilter;
use crate::ingest::import::{import, ImportOptions};
use crate::notice::{Notice, NoticeKind};
use crate::place::Place;
use crate::search::suggest::Suggestion;
use crate::search::thesaurus::Thesaurus;
use crate::search::{Asked, Hit, SearchIndex, SearchRequest};
use crate::store::report::Report;
use crate::store::{
    spatial_order, write_index, write_ordered_index, Manifest, NoProgress, PlaceIndex, SourceEntry,
};
use crate::{Error, Result};
use geojson::PlaceFeature;
use map::{MapCache, MapContent, MapFilter, PlaceFields, PlaceMap, TileProperties};
use tiles::{Compression, TileCache, MAX_TILE_ZOOM};

/// How the derived structures of an index are built.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    /// Clustering of the maps.
    pub cluster: ClusterOptions,
    /// The most places the cached filtered maps hold together.
    pub map_cache_places: usize,
    /// The most bytes of encoded tiles cached.
    pub tile_cache_bytes: usize,
    /// Thesaurus files added to the bundled one (`--thesaurus`), read again at each load.
    pub thesaurus: Vec<PathBuf>,
    /// The thresholds of the places' freshness.
    pub freshness: crate::freshness::FreshnessRule,
}

impl Default for LiveOptions {
    /// What `lieux serve` uses when told nothing.
    fn default() -> Self {
        Self {
            cluster: ClusterOptions::default(),
            map_cache_places: 5_000_000,
            tile_cache_bytes: 256 << 20,
            thesaurus: Vec::new(),
            freshness: crate::freshness::FreshnessRule::default(),
        }
    }
}

/// Where a new index comes from.
#[derive(Clone, Debug)]
pub enum IndexSource {
    /// An index directory written by `lieux index`.
    Dir(PathBuf),
    /// Source files, imported and indexed into a new directory under `work_dir`.
    Sources {
        /// The files.
        inputs: Vec<PathBuf>,
        /// How to read and merge them.
        options: ImportOptions,
        /// Where the new index directory is made.
        work_dir: PathBuf,
    },
}

/// An index ready to serve, with everything derived from it, and the verbs that answer from
/// it. Its parts are private: a search index is never paired with the places of another.
pub struct LiveIndex {
    index: PlaceIndex,
    search: SearchIndex,
    /// The cluster hierarchies, by filter.
    maps: MapCache,
    /// The encoded tiles, by filter, tile and compression.
    tiles: TileCache,
    /// `[west, south, east, north]` of the places.
    bounds: Option<[f64; 4]>,
    /// "Sources : …", the sources of the places, most frequent first.
    attribution: String,
    /// How many places name each source: what the attribution is made of.
    sources: SourceCounts,
    loaded_at: SystemTime,
    load_seconds: f64,
    stages: Vec<(&'static str, Duration)>,
    /// What the accepted changes it was built with could not do.
    changes: ChangesApplied,
    /// The accepted changes it was built with, in order: a batch that only adds to them is
    /// applied in place ([`LiveIndex::amended`]).
    applied: Vec<AcceptedChange>,
    /// The change feed's last row that it shows ([`record_feed`]).
    feed_seq: u64,
    /// The places changed on this server since the feed described its index exactly, at
    /// `feed_seq`: none once [`record_feed`] recorded this one, those of the batches since when
    /// a server behind a shared feed could not record them; `None` when unknown (every place
    /// is then compared with the feed).
    feed_unrecorded: Option<Vec<String>>,
    /// The temporary closures and notices of places, by ordinal.
    notices: std::collections::HashMap<u32, Vec<Notice>>,
    /// The places in the order of their ids, made at the first OGC API – Features page that
    /// needs it ([`features`]).
    id_order: std::sync::OnceLock<features::IdOrder>,
    /// A directory this index owns (rebuilt from sources), removed when it is dropped. Last, so
    /// that it is dropped after the readers of its files.
    owned_dir: Option<OwnedDir>,
}

/// The accepted changes an index was built with.
#[derive(Clone, Debug, Default)]
pub struct ChangesApplied {
    /// How many there were.
    pub count: usize,
    /// The fields left as the base data says, for a moderator to settle.
    pub conflicts: Vec<Conflict>,
    /// The changes of places the base data no longer has: (contribution, place).
    pub orphans: Vec<(u64, String)>,
}

/// How the caches of a live index have served so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Tiles answered from the cache, and tiles made.
    pub tile_hits: u64,
    pub tile_misses: u64,
    /// The bytes of tiles held.
    pub tile_bytes: usize,
    /// The cluster hierarchies held.
    pub maps: usize,
}

impl LiveIndex {
    /// Builds the derived structures of `index` and checks them; see the module documentation.
    ///
    /// # Errors
    /// [`Error::InvalidIndex`] when a check fails; tantivy and clustering errors.
    pub fn prepare(index: PlaceIndex, options: &LiveOptions) -> Result<Self> {
        let started = Instant::now();
        let search = SearchIndex::build_with(
            &index,
            Thesaurus::load(&options.thesaurus)?,
            &options.freshness,
        )?;
        let searched = started.elapsed();
        let whole = Arc::new(PlaceMap::of_places(&index.places, options.cluster)?);
        let stages = vec![
            ("search structures", searched),
            ("cluster hierarchy", started.elapsed() - searched),
        ];
        let sources = SourceCounts::of(index.places.iter().map(|place| &**place));
        Self::prepared(index, search, whole, sources, stages, started, options)
    }

    /// The live index of `index`, `search`, the unfiltered map `whole` and the counts of its
    /// places' `sources`, made in `stages` since `began`, once checked.
    fn prepared(
        index: PlaceIndex,
        search: SearchIndex,
        whole: Arc<PlaceMap>,
        sources: SourceCounts,
        mut stages: Vec<(&'static str, Duration)>,
        began: Instant,
        options: &LiveOptions,
    ) -> Result<Self> {
        let started = Instant::now();
        let maps = MapCache::new(options.cluster, options.map_cache_places);
        let held = whole.len();
        maps.insert(&MapFilter::default(), whole);
        let mut live = Self {
            bounds: bounds(search.positions().iter().copied()),
            attribution: sources.attribution(),
            sources,
            search,
            maps,
            tiles: TileCache::new(options.tile_cache_bytes),
            loaded_at: SystemTime::now(),
            load_seconds: 0.0,
            stages: Vec::new(),
            changes: ChangesApplied::default(),
            applied: Vec::new(),
            feed_seq: 0,
            feed_unrecorded: None,
            notices: std::collections::HashMap::new(),
            id_order: std::sync::OnceLock::new(),
            owned_dir: None,
            index,
        };
        if held != live.index.places.len() {
            return Err(live.invalid(format!(
                "the cluster hierarchy holds {held} places of {}",
                live.index.places.len()
            )));
        }
        live.check()?;
        stages.push(("checks", started.elapsed()));
        live.load_seconds = began.elapsed().as_secs_f64();
        live.stages = stages;
        Ok(live)
    }

    /// Searches as a person asked: the text read (needs, a place), words that find nothing
    /// dropped, and the nearest answer when nothing is found as asked
    /// ([`SearchIndex::search_as_asked`]).
    ///
    /// # Errors
    /// A tantivy error while matching text.
    pub fn search(&self, request: &SearchRequest) -> Result<Asked> {
        self.search.search_as_asked(&self.index, request)
    }

    /// The `k` places nearest to a position that `filter` keeps, nearest first.
    ///
    /// # Errors
    /// A tantivy error while matching text.
    pub fn nearest(
        &self,
        longitude: f64,
        latitude: f64,
        k: usize,
        filter: &PlaceFilter,
    ) -> Result<Vec<Hit>> {
        self.search
            .nearest(&self.index, longitude, latitude, k, filter)
    }

    /// Completions of `q`, `limit` at most, place names near `near` first.
    ///
    /// # Errors
    /// A tantivy error while reading the terms.
    pub fn suggest(
        &self,
        q: &str,
        limit: usize,
        near: Option<(f64, f64)>,
    ) -> Result<Vec<Suggestion<'_>>> {
        self.search.suggest(&self.index, q, limit, near)
    }

    /// The place `id`, as a feature that says whether it is open now.
    #[must_use]
    pub fn place(&self, id: &str) -> Option<PlaceFeature<'_>> {
        let ordinal = self.search.ordinal_of(&self.index, id)?;
        let open_now = self.search.schedules().now();
        Some(PlaceFeature {
            open_now: open_now.state(ordinal).as_bool(),
            notices: self.notices_of(ordinal),
            fraicheur: self.search.freshness(ordinal),
            ..PlaceFeature::new(&self.index.places[ordinal as usize])
        })
    }

    /// The places of `hits`, as features with their score, their distance and whether they
    /// are open now.
    pub fn features<'a>(&'a self, hits: &'a [Hit]) -> impl Iterator<Item = PlaceFeature<'a>> {
        let open_now = self.search.schedules().now();
        hits.iter().map(move |hit| PlaceFeature {
            score: Some(hit.score),
            distance_m: hit.distance_m,
            open_now: open_now.state(hit.ordinal).as_bool(),
            notices: self.notices_of(hit.ordinal),
            fraicheur: self.search.freshness(hit.ordinal),
            ..PlaceFeature::new(&self.index.places[hit.ordinal as usize])
        })
    }

    /// The places that `filter` keeps, in the index's order, each with its freshness.
    ///
    /// # Errors
    /// A tantivy error while matching the filter's text.
    pub fn matching(
        &self,
        filter: &PlaceFilter,
    ) -> Result<Vec<(&Place, Option<crate::vocab::Fraicheur>)>> {
        Ok(self
            .search
            .matching(&self.index, filter)?
            .into_iter()
            .map(|ordinal| {
                (
                    &*self.index.places[ordinal as usize],
                    self.search.freshness(ordinal),
                )
            })
            .collect())
    }

    /// The ordinals of the places that `filter` keeps, in the index's order: every place for
    /// an empty filter.
    ///
    /// # Errors
    /// A tantivy error while matching the filter's text.
    pub fn ordinals_matching(&self, filter: &PlaceFilter) -> Result<Vec<u32>> {
        if filter.is_empty() {
            let count = u32::try_from(self.index.places.len()).expect("fewer than 2^32 places");
            return Ok((0..count).collect());
        }
        self.search.matching(&self.index, filter)
    }

    /// The places of `ordinals` (of hits of this index), in order.
    pub fn places<'a>(&'a self, ordinals: &'a [u32]) -> impl Iterator<Item = &'a Place> {
        ordinals
            .iter()
            .map(|ordinal| &*self.index.places[*ordinal as usize])
    }

    /// The maps' filter of `filter` and, when `time` is given, of the places open then (as a
    /// search judges them: hours and temporary closures); see [`map`] for how its key follows
    /// the clock.
    #[must_use]
    pub fn map_filter(
        &self,
        filter: PlaceFilter,
        time: Option<map::OpenTime>,
        include_unknown: bool,
    ) -> MapFilter {
        MapFilter::with_opening(filter, time, include_unknown, &self.search)
    }

    /// Whether the map of `filter` is built: its tiles and clusters then take no more than a
    /// millisecond or so, where building it takes up to seconds.
    #[must_use]
    pub fn has_map(&self, filter: &MapFilter) -> bool {
        filter.is_empty() || self.maps.cached(filter).is_some()
    }

    /// The vector tile `coord` of the places `filter` keeps, compressed as asked (empty bytes
    /// for an empty tile), with the `content` asked: from the tile cache, or encoded from the
    /// filter's map (built if no cache holds it), compressed once and cached.
    ///
    /// # Errors
    /// When encoding or clustering fails.
    pub fn tile(
        &self,
        filter: &MapFilter,
        coord: TileCoord,
        compression: Compression,
        content: &MapContent,
    ) -> Result<Arc<[u8]>> {
        let items_now = || Ok(self.map(filter)?.tile_items(coord));
        self.tiles.get_or_insert(
            &content.tile_key(filter),
            coord,
            compression,
            items_now,
            || {
                let map = self.map(filter)?;
                let counts = self.cluster_counts(filter, &map, content);
                let properties = content.tile_properties();
                map.encoded_tile(&self.index, coord, properties, counts.as_deref())
            },
        )
    }

    /// The clusters and places that `filter` keeps within `bbox` at `zoom`, as a GeoJSON
    /// `FeatureCollection`, with the `content` asked.
    ///
    /// # Errors
    /// When clustering fails.
    pub fn clusters(
        &self,
        filter: &MapFilter,
        bbox: LngLatBbox,
        zoom: u8,
        content: &MapContent,
    ) -> Result<Value> {
        let map = self.map(filter)?;
        let counts = self.cluster_counts(filter, &map, content);
        let fields = content.fields.unwrap_or(PlaceFields::ALL);
        Ok(map.clusters_geojson(&self.index, bbox, zoom, counts.as_deref(), fields))
    }

    /// The children of the cluster `id` of the map of `filter`, as GeoJSON, with the
    /// `content` asked.
    ///
    /// # Errors
    /// When `id` names no cluster of that map.
    pub fn cluster_children(
        &self,
        filter: &MapFilter,
        id: u64,
        content: &MapContent,
    ) -> Result<Value> {
        let map = self.map(filter)?;
        let counts = self.cluster_counts(filter, &map, content);
        let fields = content.fields.unwrap_or(PlaceFields::ALL);
        map.children_geojson(&self.index, id, counts.as_deref(), fields)
    }

    /// The counts `content` asks of the clusters of `map`, the map of `filter`.
    fn cluster_counts(
        &self,
        filter: &MapFilter,
        map: &PlaceMap,
        content: &MapContent,
    ) -> Option<Arc<map::ClusterCounts>> {
        let facet = content.counts?;
        Some(
            self.maps
                .counts(filter, map, self.search.facet_rows(), facet),
        )
    }

    /// The places of the cluster `id` of the map of `filter`, `limit` from `offset`, as GeoJSON.
    ///
    /// # Errors
    /// When `id` names no cluster of that map.
    pub fn cluster_leaves(
        &self,
        filter: &MapFilter,
        id: u64,
        limit: usize,
        offset: usize,
    ) -> Result<Value> {
        self.map(filter)?
            .leaves_geojson(&self.index, id, limit, offset)
    }

    /// The zoom at which the cluster `id` of the map of `filter` splits.
    ///
    /// # Errors
    /// When `id` names no cluster of that map.
    pub fn cluster_expansion_zoom(&self, filter: &MapFilter, id: u64) -> Result<u8> {
        self.map(filter)?.expansion_zoom(id)
    }

    /// The TileJSON 3.0.0 of the tiles of `filter`, at the URL template `tiles`, crediting
    /// `attribution` (by default, the sources of the places).
    #[must_use]
    pub fn tilejson(
        &self,
        tiles: String,
        filter: &MapFilter,
        attribution: Option<&str>,
        content: &MapContent,
    ) -> TileJson {
        let mut document = tilejson_of(
            tiles,
            filter,
            attribution.unwrap_or(&self.attribution),
            self.bounds,
            content.tile_properties(),
        );
        if let Some(facet) = content.counts {
            for layer in &mut document.vector_layers {
                for key in map::ClusterCounts::keys(facet) {
                    layer.fields.insert(key, "Number".to_owned());
                }
                layer.description = Some(format!(
                    "Clusters and places. A cluster has `{0}:VALUE`, the number of its places with \
                     that value of `{0}`, for each value one of them has (absent: none has it).",
                    facet.name()
                ));
            }
        }
        document
    }

    fn map(&self, filter: &MapFilter) -> Result<Arc<PlaceMap>> {
        self.maps.get(&self.index, &self.search, filter)
    }

    /// The content hash of the index: its identity.
    #[must_use]
    pub fn hash(&self) -> &str {
        &self.index.manifest.content_hash
    }

    /// What the index says of itself: versions, counts, sources.
    #[must_use]
    pub fn manifest(&self) -> &Manifest {
        &self.index.manifest
    }

    /// The directory the index was read from.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.index.dir
    }

    /// `[west, south, east, north]` of the places.
    #[must_use]
    pub fn bounds(&self) -> Option<[f64; 4]> {
        self.bounds
    }

    /// "Sources : …", the sources of the places, most frequent first.
    #[must_use]
    pub fn attribution(&self) -> &str {
        &self.attribution
    }

    /// When it was made ready.
    #[must_use]
    pub fn loaded_at(&self) -> SystemTime {
        self.loaded_at
    }

    /// How long loading and checking took, in seconds.
    #[must_use]
    pub fn load_seconds(&self) -> f64 {
        self.load_seconds
    }

    /// The accepted changes it was built with, and what they could not do.
    #[must_use]
    pub fn changes(&self) -> &ChangesApplied {
        &self.changes
    }

    /// The change feed's last row that this index shows: a consumer of the feed is answered
    /// up to it, with the places as this index serves them.
    #[must_use]
    pub fn feed_seq(&self) -> u64 {
        self.feed_seq
    }

    /// The place `id` as this index serves it.
    #[must_use]
    pub fn place_record(&self, id: &str) -> Option<&Place> {
        self.served(id).map(|served| served.place)
    }

    /// The place `id` with its temporary closures and notices.
    #[must_use]
    pub fn served(&self, id: &str) -> Option<Served<'_>> {
        let ordinal = self.search.ordinal_of(&self.index, id)?;
        Some(Served {
            place: self.index.places.get(ordinal as usize)?,
            notices: self.notices_of(ordinal),
        })
    }

    /// The temporary closures and notices of the place `ordinal`.
    fn notices_of(&self, ordinal: u32) -> &[Notice] {
        self.notices.get(&ordinal).map_or(&[], Vec::as_slice)
    }

    /// Gives the places of `notices` (by id) their temporary closures and notices, and closes
    /// them on the days of their closures.
    fn set_notices(&mut self, notices: std::collections::HashMap<String, Vec<Notice>>) {
        let by_ordinal: std::collections::HashMap<u32, Vec<Notice>> = notices
            .into_iter()
            .filter_map(|(id, notices)| Some((self.search.ordinal_of(&self.index, &id)?, notices)))
            .collect();
        let closures = by_ordinal
            .iter()
            .flat_map(|(ordinal, notices)| {
                notices
                    .iter()
                    .filter(|n| n.kind == NoticeKind::Fermeture)
                    .map(|n| (*ordinal, n.debut, n.fin))
            })
            .collect();
        self.search.set_closures(closures);
        self.notices = by_ordinal;
    }

    /// The identity of what this index serves: its content hash, and its places' temporary
    /// closures and notices when there are some.
    #[must_use]
    pub fn served_hash(&self) -> String {
        if self.notices.is_empty() {
            return self.hash().to_owned();
        }
        let mut notices: Vec<(&str, &Vec<Notice>)> = self
            .notices
            .iter()
            .map(|(ordinal, notices)| (self.index.places[*ordinal as usize].id(), notices))
            .collect();
        notices.sort_unstable_by_key(|(id, _)| *id);
        let mut hasher = blake3::Hasher::new();
        hasher.update(self.hash().as_bytes());
        hasher.update(&postcard::to_stdvec(&notices).unwrap_or_default());
        hasher.finalize().to_hex().to_string()
    }

    /// What changed on the map from `before` to this index: creations and updates in the order
    /// of this index's places, then closures in the order of `before`'s.
    ///
    /// Both hold their places in nearly the same order (a rebuild writes them along the same
    /// space-filling curve), so the two lists are walked side by side: a place is first looked
    /// for where the last one matched, and by id only when it is not there. A million places
    /// are compared in one sequential pass, with a lookup per place inserted or removed. The
    /// places a batch applied in place did not change are shared with the index it was made
    /// from: they are told apart by pointer (a whole chunk of them at once,
    /// [`crate::store::places`]), and only the others field by field.
    #[must_use]
    pub fn changes_from(&self, before: &Self) -> Vec<ServedChange> {
        if self.served_hash() == before.served_hash() {
            return Vec::new();
        }
        let (old, new) = (&before.index.places, &self.index.places);
        let notices = !(self.notices.is_empty() && before.notices.is_empty());
        let mut kept = vec![false; old.len()];
        let mut shift: isize = 0;
        let mut changes = Vec::new();
        let chunks = (new.chunks().iter()).scan(0u32, |start, chunk| {
            let first = *start;
            *start += u32::try_from(chunk.len()).expect("fewer than 2^32 places");
            Some((first, chunk))
        });
        for (number, (first, chunk)) in chunks.enumerate() {
            // A chunk the batch shared: every place the same, at the same ordinal.
            if !notices
                && old
                    .chunks()
                    .get(number)
                    .is_some_and(|was| Arc::ptr_eq(was, chunk))
            {
                kept[first as usize..first as usize + chunk.len()].fill(true);
                shift = 0;
                continue;
            }
            for (ordinal, place) in (first..).zip(chunk.iter()) {
                let guess = isize::try_from(ordinal).unwrap_or(isize::MAX) + shift;
                // The very record where it was guessed (the places a batch did not change are
                // shared): no id to read from a record a million others away.
                let guessed = usize::try_from(guess).ok().filter(|g| g < &old.len());
                if let Some(g) = guessed.filter(|g| Arc::ptr_eq(&old[*g], place)) {
                    kept[g] = true;
                    let was = u32::try_from(g).expect("fewer than 2^32 places");
                    if !notices || before.notices_of(was) == self.notices_of(ordinal) {
                        continue;
                    }
                }
                let aligned = guessed.filter(|g| old[*g].id() == place.id());
                let was = aligned
                    .and_then(|g| u32::try_from(g).ok())
                    .or_else(|| before.search.ordinal_of(&before.index, place.id()));
                if let Some(was) = was {
                    kept[was as usize] = true;
                    shift = was as isize - ordinal as isize;
                    let was_place = &old[was as usize];
                    let same = (Arc::ptr_eq(was_place, place) || **was_place == **place)
                        && (!notices || before.notices_of(was) == self.notices_of(ordinal));
                    if same {
                        continue;
                    }
                }
                changes.extend(ServedChange::between(
                    was.map(|was| before.served_at(was)),
                    Some(self.served_at(ordinal)),
                ));
            }
        }
        for (was, _) in (0u32..).zip(&kept).filter(|(_, kept)| !**kept) {
            changes.extend(ServedChange::between(Some(before.served_at(was)), None));
        }
        changes
    }

    /// The place `ordinal` with its temporary closures and notices.
    fn served_at(&self, ordinal: u32) -> Served<'_> {
        Served {
            place: &self.index.places[ordinal as usize],
            notices: self.notices_of(ordinal),
        }
    }

    /// How long each stage of loading took, in order: opening the index (when this loaded
    /// it), the search structures, the unfiltered cluster hierarchy, the checks.
    #[must_use]
    pub fn stages(&self) -> &[(&'static str, Duration)] {
        &self.stages
    }

    /// The distinct opening-hours texts of the places, and how many of them cannot be read.
    #[must_use]
    pub fn opening_hours_stats(&self) -> (usize, usize) {
        self.search.schedules().stats()
    }

    /// How the caches have served so far.
    #[must_use]
    pub fn cache_stats(&self) -> CacheStats {
        let (tile_hits, tile_misses) = self.tiles.stats();
        CacheStats {
            tile_hits,
            tile_misses,
            tile_bytes: self.tiles.bytes(),
            maps: self.maps.len(),
        }
    }

    fn invalid(&self, message: String) -> Error {
        Error::InvalidIndex {
            path: self.index.dir.clone(),
            message,
        }
    }

    /// The test queries: a search for everything finds every place, the first place is found
    /// by its id, and by its name.
    fn check(&self) -> Result<()> {
        let index = &self.index;
        let all = self.search.search(
            index,
            &SearchRequest {
                limit: 1,
                ..SearchRequest::default()
            },
        )?;
        if all.total != index.manifest.places {
            return Err(self.invalid(format!(
                "a search for everything finds {} places of {}",
                all.total, index.manifest.places
            )));
        }
        let Some(first) = index.places.first() else {
            return Err(Error::NoPlaces);
        };
        if self.search.ordinal_of(index, first.id()) != Some(0) {
            return Err(self.invalid(format!("the place {:?} is not found by its id", first.id())));
        }
        // Words of four letters or more: never stop words, so the name must find the place.
        let name = first
            .nom()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 4)
            .take(5)
            .collect::<Vec<_>>()
            .join(" ");
        if !name.is_empty() {
            let found = self.search.text_matches(index, &name)?;
            if !found.first().copied().unwrap_or(false) {
                return Err(self.invalid(format!(
                    "the place {:?} is not found by its name {name:?}",
                    first.id()
                )));
            }
        }
        Ok(())
    }
}

/// Loads the index of `source` and prepares it.
///
/// # Errors
/// Whatever stops reading, indexing, loading or checking; nothing is left behind on disk.
pub fn load(source: &IndexSource, options: &LiveOptions) -> Result<LiveIndex> {
    match source {
        IndexSource::Dir(dir) => {
            let started = Instant::now();
            let index = PlaceIndex::open(dir)?;
            let opened = started.elapsed();
            let mut live = LiveIndex::prepare(index, options)?;
            live.stages.insert(0, ("index opened", opened));
            live.load_seconds += opened.as_secs_f64();
            Ok(live)
        }
        IndexSource::Sources {
            inputs,
            options: import_options,
            work_dir,
        } => {
            clear_work_dir(work_dir);
            let dir = OwnedDir(fresh_dir(work_dir));
            let imported = import(inputs, import_options)?;
            write_index(
                &imported.places,
                &imported.report,
                imported.sources,
                &dir.0,
                &NoProgress,
            )?;
            let mut live = LiveIndex::prepare(PlaceIndex::open(&dir.0)?, options)?;
            live.owned_dir = Some(dir);
            Ok(live)
        }
    }
}

/// Appends to the change feed of `store` what changed on the map from `before` (the index
/// served until now; `None` at start, when the feed's own record is compared instead) to
/// `live`, and tells `live` the feed's last row. Called before `live` serves: the feed never
/// names a change that no index shows, and the index never shows a change the feed misses.
///
/// With a store that several servers share ([`ChangeStore::link`]), the others record the
/// same decisions, and the feed may describe another server's index: `live` (which shows the
/// log up to its decision `position`) is then always compared with the feed's own record, under
/// the feed's lock ([`ChangeStore::record_shared`]), and records nothing when the feed is
/// already ahead of it (it keeps the last row that described it exactly, 0 at start, until it
/// catches up). Only the places changed since that row, here or in the feed, are compared; at
/// start, every place is (its digest).
///
/// # Errors
/// [`Error::Changes`] when the store fails; `live` must then not serve.
pub fn record_feed(
    store: &dyn ChangeStore,
    before: Option<&LiveIndex>,
    live: &mut LiveIndex,
    position: u64,
) -> Result<usize> {
    let failed = |e: crate::changes::ChangeError| Error::Changes(e.to_string());
    if store.link().is_some() {
        let served = live.served_hash();
        // An index the feed described exactly can differ from it only in the places changed on
        // this server since, or in the feed since: only those are compared.
        let changed: Option<Vec<String>> = before.and_then(|before| {
            let mut changed = before.feed_unrecorded.clone()?;
            changed.extend(live.changes_from(before).into_iter().map(|c| c.place_id));
            changed.sort_unstable();
            changed.dedup();
            Some(changed)
        });
        let scope = before
            .zip(changed.as_deref())
            .map(|(before, changed)| FeedScope {
                since: before.feed_seq,
                changed,
            });
        let mut count = 0;
        let recorded = store
            .record_shared(position, &served, scope, &mut |state, ids| {
                let changes = match ids {
                    None => live.changes_from_feed(state),
                    Some(ids) => live.changes_of_places(state, ids),
                };
                count = changes.len();
                changes
            })
            .map_err(failed)?;
        match recorded {
            Some(seq) => {
                live.feed_seq = seq;
                live.feed_unrecorded = Some(Vec::new());
            }
            None => {
                live.feed_seq = before.map_or(0, LiveIndex::feed_seq);
                live.feed_unrecorded = changed;
            }
        }
        return Ok(count);
    }
    let changes = match before {
        Some(before) => live.changes_from(before),
        None => {
            let head = store.feed_head().map_err(failed)?;
            if head.served == live.served_hash() {
                live.feed_seq = head.seq;
                live.feed_unrecorded = Some(Vec::new());
                return Ok(0);
            }
            live.changes_from_feed(&store.feed_state().map_err(failed)?)
        }
    };
    live.feed_seq = store
        .record_served(&changes, &live.served_hash())
        .map_err(failed)?;
    live.feed_unrecorded = Some(Vec::new());
    Ok(changes.len())
}

impl LiveIndex {
    /// What differs between what the feed last recorded of the places `ids` (`state`) and
    /// this index.
    fn changes_of_places(
        &self,
        state: &crate::changes::feed::FeedState,
        ids: &[String],
    ) -> Vec<ServedChange> {
        ids.iter()
            .filter_map(|id| ServedChange::from_recorded(id, state.places.get(id), self.served(id)))
            .collect()
    }

    /// What differs between what the feed last recorded of each place (`state`) and this
    /// index: its places the feed does not record as they are, then the places the feed has on
    /// the map that it does not show, by id.
    fn changes_from_feed(&self, state: &crate::changes::feed::FeedState) -> Vec<ServedChange> {
        let mut changes: Vec<ServedChange> = self
            .index
            .places
            .iter()
            .filter_map(|place| {
                ServedChange::from_recorded(
                    place.id(),
                    state.places.get(place.id()),
                    self.served(place.id()),
                )
            })
            .collect();
        let mut closed: Vec<(&String, _)> = state
            .places
            .iter()
            .filter(|(id, _)| self.place_record(id).is_none())
            .collect();
        closed.sort_by(|a, b| a.0.cmp(b.0));
        changes.extend(
            closed
                .into_iter()
                .filter_map(|(id, recorded)| ServedChange::from_recorded(id, Some(recorded), None)),
        );
        changes
    }
}

/// The places of `source` with the accepted `changes` applied, closed ones left out: what
/// [`load_with_changes`] serves, and what a hub publishes (`lieux export`).
///
/// # Errors
/// When the index cannot be opened or the sources cannot be read.
pub fn places_with_changes(source: &IndexSource, changes: &[AcceptedChange]) -> Result<Applied> {
    let (places, _, _) = base(source)?;
    Ok(apply(places, changes))
}

/// What `source` holds, before any change: its places in the order an index of them keeps
/// ([`spatial_order`]; an index's own are in it), its import report (empty for an index) and
/// its sources.
fn base(source: &IndexSource) -> Result<(Vec<Place>, Report, Vec<SourceEntry>)> {
    Ok(match source {
        IndexSource::Dir(dir) => {
            let index = PlaceIndex::open(dir)?;
            (
                index.places.into_places().collect(),
                Report::default(),
                index.manifest.sources,
            )
        }
        IndexSource::Sources {
            inputs,
            options: import_options,
            ..
        } => {
            let imported = import(inputs, import_options)?;
            let order = spatial_order(&imported.places);
            let mut places: Vec<Option<Place>> = imported.places.into_iter().map(Some).collect();
            let ordered = order.into_iter().filter_map(|i| places[i].take()).collect();
            (ordered, imported.report, imported.sources)
        }
    })
}

/// Loads the index of `source` with `changes` applied on top of its places, in order (see
/// [`crate::changes::apply`]); the index they make is written under `work_dir`, and removed
/// with the live index. Without changes, this is [`load`].
///
/// # Errors
/// As [`load`].
pub fn load_with_changes(
    source: &IndexSource,
    changes: &[AcceptedChange],
    work_dir: &Path,
    options: &LiveOptions,
) -> Result<LiveIndex> {
    if changes.is_empty() {
        return load(source, options);
    }
    let (places, report, sources) = base(source)?;
    let applied = apply(places, changes);
    clear_work_dir(work_dir);
    let dir = OwnedDir(fresh_dir(work_dir));
    let places: Vec<&Place> = applied.places.iter().collect();
    write_ordered_index(&places, &report, sources, &dir.0, &NoProgress)?;
    let mut live = LiveIndex::prepare(PlaceIndex::open(&dir.0)?, options)?;
    live.owned_dir = Some(dir);
    live.set_notices(applied.notices);
    live.changes = ChangesApplied {
        count: changes.len(),
        conflicts: applied.conflicts,
        orphans: applied.orphans,
    };
    live.applied = changes.to_vec();
    Ok(live)
}

/// The index of `source` with the accepted `changes`, made from `before`, the index served
/// until now: changed in place when its changes are the first of `changes`
/// ([`LiveIndex::amended`]), else built again ([`load_with_changes`]).
///
/// # Errors
/// As [`load_with_changes`].
pub fn load_changed(
    before: &LiveIndex,
    source: &IndexSource,
    changes: &[AcceptedChange],
    work_dir: &Path,
    options: &LiveOptions,
) -> Result<LiveIndex> {
    match before.amended(changes, work_dir, options)? {
        Some(live) => Ok(live),
        None => load_with_changes(source, changes, work_dir, options),
    }
}

/// A directory name under `work_dir` that no other index of this process uses.
fn fresh_dir(work_dir: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let millis = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    work_dir.join(format!(
        "rebuilt-{}-{millis}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Removes what reloads of processes that were killed left in `work_dir`: their
/// `rebuilt-PID-…` indexes and the `.rebuilt-PID-….tmp-PID` directories they were written in.
/// Best effort: a directory that cannot be removed is left for the next time.
fn clear_work_dir(work_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(work_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.strip_prefix('.').unwrap_or(n).strip_prefix("rebuilt-"))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if pid.is_some_and(|pid| !crate::store::process_runs(pid)) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A directory removed when dropped.
struct OwnedDir(PathBuf);

impl Drop for OwnedDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The TileJSON 3.0.0 of the tiles of `filter` at the URL template `tiles`, over places within
/// `bounds`.
fn tilejson_of(
    tiles: String,
    filter: &MapFilter,
    attribution: &str,
    bounds: Option<[f64; 4]>,
    properties: TileProperties,
) -> TileJson {
    let mut document = TileJson::new(
        vec![tiles],
        vec![VectorLayer::places(
            properties.fields().into_iter().map(|name| (name, "String")),
        )],
    );
    document.name = Some("lieux".to_owned());
    document.description = Some(if filter.is_empty() {
        "Lieux de médiation numérique".to_owned()
    } else {
        format!("Lieux de médiation numérique ({})", filter.key())
    });
    document.attribution = Some(attribution.to_owned());
    document.maxzoom = MAX_TILE_ZOOM;
    if let Some([w, s, e, n]) = bounds {
        document.bounds = [w, s, e, n];
        document.center = Some([(w + e) / 2.0, (s + n) / 2.0, zoom_to_fit(w, s, e, n)]);
    }
    document
}

/// The bounding box of the places at `positions` (longitude, latitude). An index reads them
/// from its search structures' column, in a row, rather than from a million records.
fn bounds(positions: impl IntoIterator<Item = (f64, f64)>) -> Option<[f64; 4]> {
    positions.into_iter().fold(None, |b, (lon, lat)| {
        Some(match b {
            None => [lon, lat, lon, lat],
            Some([w, s, e, n]) => [w.min(lon), s.min(lat), e.max(lon), n.max(lat)],
        })
    })
}

/// How many places name each source, contributions counted together: what the attribution
/// credits, most frequent first. A batch amends the counts of the places it changed instead of
/// reading every place's sources again.
#[derive(Clone, Debug, Default)]
struct SourceCounts(std::collections::HashMap<String, usize>);

impl SourceCounts {
    fn of<'a>(places: impl IntoIterator<Item = &'a Place>) -> Self {
        let mut counts = Self::default();
        counts.add(places);
        counts
    }

    /// The sources a place names; each contribution is named in the places it changed, and
    /// credited once, together with the others.
    fn of_place(place: &Place) -> impl Iterator<Item = &str> {
        place
            .source()
            .split('|')
            .filter(|s| !s.is_empty())
            .map(|source| {
                if source.starts_with("contribution ") {
                    "contributions"
                } else {
                    source
                }
            })
    }

    fn add<'a>(&mut self, places: impl IntoIterator<Item = &'a Place>) {
        let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for place in places {
            for source in Self::of_place(place) {
                *counts.entry(source).or_default() += 1;
            }
        }
        for (source, n) in counts {
            *self.0.entry(source.to_owned()).or_default() += n;
        }
    }

    fn remove<'a>(&mut self, places: impl IntoIterator<Item = &'a Place>) {
        for place in places {
            for source in Self::of_place(place) {
                if let Some(n) = self.0.get_mut(source) {
                    *n -= 1;
                    if *n == 0 {
                        self.0.remove(source);
                    }
                }
            }
        }
    }

    /// "Sources : …", most frequent first.
    fn attribution(&self) -> String {
        let mut sources: Vec<(&str, usize)> =
            self.0.iter().map(|(s, n)| (s.as_str(), *n)).collect();
        sources.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let names: Vec<&str> = sources.iter().map(|(name, _)| *name).collect();
        format!("Sources : {}", names.join(", "))
    }
}

/// The zoom at which a 512-pixel map shows the whole box.
fn zoom_to_fit(west: f64, south: f64, east: f64, north: f64) -> f64 {
    let width = (east - west).abs().max(1e-6) / 360.0;
    let height = (lieux_tiles::mercator::lat_to_unit_y(south)
        - lieux_tiles::mercator::lat_to_unit_y(north))
    .abs()
    .max(1e-6);
    (1.0 / width.max(height)).log2().floor().clamp(0.0, 16.0)
}

#[cfg(test)]
mod tests;
