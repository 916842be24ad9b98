//! Clustered maps of places: vector tiles and GeoJSON clusters, per filter.
//!
//! A [`PlaceMap`] is the clustering hierarchy of the places one [`PlaceFilter`] keeps, so that a
//! map filtered to one service shows true counts. Hierarchies cost time to build (about 3 s for
//! a million places) and memory (about 32 bytes per place per zoom), so they are kept in a
//! [`MapCache`] keyed by the filter's canonical key, bounded by the number of places they hold
//! all together, least recently used first out. The unfiltered map is built once and kept.
//!
//! A map may also keep only the places open at a time (`open_at`, `open_now`), as a search
//! does. Such a map is right only while no place opens or closes, so its key names that span:
//! `open_at` names its time, and `open_now` the end of the span that holds the present
//! ([`crate::search::schedules::Schedules::steady_until`]), so that every request of the span
//! shares the map and its tiles, and the first request after it builds the next one. The
//! filter says until when its tiles hold ([`MapFilter::fresh_until`]), for HTTP caches.
//!
//! Tiles hold one layer, `places`. Clusters carry `cluster`, `cluster_id`, `point_count`,
//! `point_count_abbreviated` and `expansion_zoom`, and when asked (`cluster_counts`) the number
//! of their places with each value of a vocabulary ([`ClusterCounts`]); places carry the fields
//! a map needs to draw and label them. A tile
//! is kept under [`MAX_TILE_BYTES`]: when one would be larger, it is encoded again with fewer
//! place properties (`id` and `nom`, then `id` alone), which a client can complete through
//! `/places/{id}`. This only happens for dense tiles above the clustering zooms.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use lieux_tiles::encode::DEFAULT_EXTENT;
use lieux_tiles::{
    encode_tile_with, ClusterIndex, ClusterItem, ClusterOptions, LngLatBbox, PropertySink,
    PropertyValue, Tally, TileCoord, TileItem,
};
use serde_json::{json, Map, Value};

use super::tiles::EncodedTile;
use crate::filter::PlaceFilter;
use crate::place::{Place, TextField};
use crate::search::facets::{Facet, FacetColumns};
use crate::search::schedules::OpenState;
use crate::search::{OpenFilter, SearchIndex};
use crate::store::places::Places;
use crate::store::PlaceIndex;
use crate::Result;

/// The largest tile a client is sent, in bytes.
pub const MAX_TILE_BYTES: usize = 500_000;

/// The properties of a place feature, in tiles and in GeoJSON clusters.
pub const PLACE_PROPERTIES: [&str; 9] = [
    "id",
    "nom",
    "commune",
    "code_postal",
    "services",
    "typologie",
    "dispositif_programmes_nationaux",
    "frais_a_charge",
    "horaires",
];

/// A feature of a GeoJSON cluster answer (`/clusters` and a cluster's children and leaves):
/// a cluster, or a place with the properties its tiles carry.
pub struct MapFeature;

/// The schema of what [`PlaceMap`]'s features are, from the fields its tiles declare.
impl schemars::JsonSchema for MapFeature {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MapFeature".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let feature = |id: Value, properties: Map<String, Value>, required: Vec<&str>| {
            json!({
                "type": "object",
                "properties": {
                    "type": { "const": "Feature" },
                    "id": id,
                    "geometry": crate::serve::geojson::point_schema(),
                    "properties": {
                        "type": "object",
                        "properties": properties,
                        "required": required,
                        "additionalProperties": false,
                    },
                },
                "required": ["type", "id", "geometry", "properties"],
                "additionalProperties": false,
            })
        };
        let cluster: Map<String, Value> = lieux_tiles::encode::CLUSTER_FIELDS
            .iter()
            .map(|(name, kind)| {
                let schema = match *kind {
                    "Boolean" => json!({ "const": true }),
                    "Number" => json!({ "type": "integer", "minimum": 0 }),
                    _ => json!({ "type": "string" }),
                };
                ((*name).to_owned(), schema)
            })
            .collect();
        let cluster_fields: Vec<&str> = lieux_tiles::encode::CLUSTER_FIELDS
            .iter()
            .map(|(name, _)| *name)
            .collect();
        let place: Map<String, Value> = PLACE_PROPERTIES
            .iter()
            .map(|name| ((*name).to_owned(), json!({ "type": "string" })))
            .collect();
        let mut cluster = feature(
            json!({ "type": "integer", "minimum": 0 }),
            cluster,
            cluster_fields,
        );
        // The counts `cluster_counts` adds: `services:Aide aux démarches administratives`, ...
        let counted: Vec<&str> = Facet::VOCABULARIES.iter().map(|f| f.name()).collect();
        cluster["properties"]["properties"]["patternProperties"] = json!({
            format!("^({}):.", counted.join("|")): { "type": "integer", "minimum": 1 },
        });
        schemars::json_schema!({
            "description": "A cluster (`cluster` is true; `/clusters/{cluster_id}/…` opens it), or a place with the properties of its tiles, lists joined with `|`. With `cluster_counts=VOCABULARY`, a cluster also has `VOCABULARY:VALUE`, the number of its places with that value, for each value at least one of them has.",
            "oneOf": [
                cluster,
                // `nom` too but with `fields`, which may leave it out.
                feature(json!({ "type": "string" }), place, vec!["id"]),
            ],
        })
    }
}

/// Which properties of a place its features carry in tiles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TileProperties {
    /// Those the server's tiles carry: [`PLACE_PROPERTIES`] (fewer in a tile that would pass
    /// [`MAX_TILE_BYTES`]).
    #[default]
    All,
    /// `id` alone, and no MVT feature id on places (the point's index in the hierarchy, which
    /// means nothing outside the server), for the smallest tiles (a published archive whose
    /// page asks the rest of `/places/{id}`, or shows only the map). Clusters keep their
    /// properties and ids.
    Id,
    /// The properties a client chose (`fields=`), `id` always among them (fewer in a tile that
    /// would pass [`MAX_TILE_BYTES`]).
    Chosen(PlaceFields),
}

impl TileProperties {
    /// The properties, in [`PLACE_PROPERTIES`]' order.
    #[must_use]
    pub fn fields(self) -> Vec<&'static str> {
        self.sets()[0].names().collect()
    }

    /// The sets of properties to encode a tile with, each tried while the tile is too large.
    fn sets(self) -> Vec<PlaceFields> {
        match self {
            Self::All => vec![PlaceFields::ALL, PlaceFields::NAMED, PlaceFields::ID],
            Self::Id => vec![PlaceFields::ID],
            Self::Chosen(fields) => vec![fields, fields.and(PlaceFields::NAMED), PlaceFields::ID],
        }
    }
}

/// Some of [`PLACE_PROPERTIES`], `id` always: bit `i` for `PLACE_PROPERTIES[i]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PlaceFields(u16);

const _: () = assert!(PLACE_PROPERTIES.len() <= 16);

impl PlaceFields {
    /// Every property.
    pub const ALL: Self = Self((1 << PLACE_PROPERTIES.len()) - 1);
    /// `id` alone.
    pub const ID: Self = Self(1);
    /// `id` and `nom`.
    const NAMED: Self = Self(0b11);

    /// The properties named in `list`, comma-separated (`nom,services`), and `id`; an empty list
    /// is `id` alone (but an empty name in a list is an error).
    ///
    /// # Errors
    /// A name that is not one of [`PLACE_PROPERTIES`], which the message names.
    pub fn parse(list: &str) -> std::result::Result<Self, String> {
        if list.is_empty() {
            return Ok(Self::ID);
        }
        list.split(',').try_fold(Self::ID, |fields, name| {
            let i = PLACE_PROPERTIES
                .iter()
                .position(|known| *known == name)
                .ok_or_else(|| {
                    format!(
                        "{name:?} is not a property of places in tiles ({})",
                        PLACE_PROPERTIES.join(", ")
                    )
                })?;
            Ok(Self(fields.0 | 1 << i))
        })
    }

    /// Whether it holds `PLACE_PROPERTIES[i]`.
    fn has(self, i: usize) -> bool {
        self.0 & 1 << i != 0
    }

    fn and(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    /// The names, in [`PLACE_PROPERTIES`]' order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        (0..PLACE_PROPERTIES.len())
            .filter(move |&i| self.has(i))
            .map(|i| PLACE_PROPERTIES[i])
    }
}

/// What the features of a map carry beyond its defaults, as a request asks: the counts of a
/// vocabulary's values in clusters (`cluster_counts`), and the place properties chosen
/// (`fields`). Tiles and GeoJSON clusters take the same.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MapContent {
    /// The vocabulary whose values clusters count.
    pub counts: Option<Facet>,
    /// The properties places carry; all of [`PLACE_PROPERTIES`] when `None`.
    pub fields: Option<PlaceFields>,
}

impl MapContent {
    /// The key of the map's tiles of this content in the tile cache (the filter's key alone
    /// for the default).
    pub(super) fn tile_key<'k>(&self, filter: &'k MapFilter) -> std::borrow::Cow<'k, str> {
        if *self == Self::default() {
            return filter.key().into();
        }
        let mut key = format!("{}#", filter.key());
        if let Some(facet) = self.counts {
            key.push_str(&format!("cluster_counts={}", facet.name()));
        }
        if let Some(fields) = self.fields {
            key.push_str(&format!("&fields={:x}", fields.0));
        }
        key.into()
    }

    /// The place properties of tiles.
    #[must_use]
    pub fn tile_properties(&self) -> TileProperties {
        self.fields
            .map_or(TileProperties::All, TileProperties::Chosen)
    }
}

/// A filter of the maps and its canonical key, computed once: the key names the filter's map
/// and its tiles in the caches.
#[derive(Clone, Debug, Default)]
pub struct MapFilter {
    filter: PlaceFilter,
    /// Only the places open at a time.
    open: Option<OpenFilter>,
    /// Until when (local time) the places it keeps stay the same: for `open_now`, the end of
    /// the span of the present over which no place opens or closes.
    fresh_until: Option<chrono::NaiveDateTime>,
    /// Places cluster only with places of the same value of this vocabulary (`cluster_by`).
    cluster_by: Option<Facet>,
    key: String,
}

/// When a map's places must be open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenTime {
    /// Now, in Europe/Paris.
    Now,
    /// At this local time.
    At(chrono::NaiveDateTime),
}

impl MapFilter {
    /// The maps' filter of `filter`.
    #[must_use]
    pub fn new(filter: PlaceFilter) -> Self {
        Self {
            key: filter.key(),
            filter,
            open: None,
            fresh_until: None,
            cluster_by: None,
        }
    }

    /// This filter's places, clustering only with places that have the same value of `facet`
    /// (`cluster_by`), or as usual for `None`. A place with several values clusters with those
    /// of its first (in the standard's order), so that each place is in one group and counts
    /// once; places with none form a group of their own.
    #[must_use]
    pub fn clustered_by(mut self, facet: Option<Facet>) -> Self {
        if let Some(facet) = facet {
            if !self.key.is_empty() {
                self.key.push('&');
            }
            self.key.push_str("cluster_by=");
            self.key.push_str(facet.name());
        }
        self.cluster_by = facet;
        self
    }

    /// The maps' filter of `filter` and the places open at `at` (a local time), places of
    /// unknown hours kept when `include_unknown`; the key names the span `[at, steady_until)`
    /// when `fresh_until` is given (`open_now`), `at` otherwise.
    fn opening(
        filter: PlaceFilter,
        at: chrono::NaiveDateTime,
        include_unknown: bool,
        fresh_until: Option<chrono::NaiveDateTime>,
    ) -> Self {
        let mut key = filter.key();
        if !key.is_empty() {
            key.push('&');
        }
        key.push_str(&match fresh_until {
            Some(until) => format!("open_until={}", until.format("%Y-%m-%dT%H:%M:%S")),
            None => format!("open_at={}", at.format("%Y-%m-%dT%H:%M:%S")),
        });
        if include_unknown {
            key.push_str("&include_unknown");
        }
        Self {
            filter,
            open: Some(OpenFilter {
                at,
                include_unknown,
            }),
            fresh_until,
            cluster_by: None,
            key,
        }
    }

    /// The maps' filter of `filter` and the places open at `time` (when asked), by the opening
    /// hours and temporary closures of `search`.
    #[must_use]
    pub fn with_opening(
        filter: PlaceFilter,
        time: Option<OpenTime>,
        include_unknown: bool,
        search: &SearchIndex,
    ) -> Self {
        match time {
            None => Self::new(filter),
            Some(OpenTime::At(at)) => Self::opening(filter, at, include_unknown, None),
            Some(OpenTime::Now) => {
                let schedules = search.schedules();
                let at = crate::search::schedules::Schedules::minute_of(
                    crate::search::schedules::now_local(),
                );
                let until = schedules.steady_until(at);
                Self::opening(filter, at, include_unknown, Some(until))
            }
        }
    }

    /// Whether it keeps the same places of `after` as of `before`, at the same ordinals and
    /// positions, two indexes whose places differ only at the ordinals `changed` (those past
    /// the end of either included): then its map, made of its places' positions in ordinal
    /// order alone, is the same. Answered from the facet rows, the territory codes and the
    /// positions of the changed places; `false` for what they cannot tell (a text query,
    /// opening hours, the freshness of the day, groups by value).
    #[must_use]
    pub fn keeps_the_same_places(
        &self,
        before: (&PlaceIndex, &SearchIndex),
        after: (&PlaceIndex, &SearchIndex),
        changed: &[u32],
    ) -> bool {
        let filter = &self.filter;
        if !self.judged_by_rows() {
            return false;
        }
        // The position of each changed ordinal's place when the filter keeps it.
        let kept = |(index, search): (&PlaceIndex, &SearchIndex)| -> Vec<Option<(u64, u64)>> {
            let rows = search.facet_rows();
            let facets = rows.compile(filter);
            changed
                .iter()
                .map(|&ordinal| {
                    let place = index.places.get(ordinal as usize)?;
                    let kept = facets.failed(rows.row(ordinal)) == 0 && filter.matches_codes(place);
                    kept.then(|| place.position_bits())
                })
                .collect()
        };
        kept(before) == kept(after)
    }

    /// Whether the facet rows, territory codes and positions of its places tell which places it
    /// keeps: not with a text query, opening hours, the freshness of the day or groups by value.
    fn judged_by_rows(&self) -> bool {
        let filter = &self.filter;
        self.open.is_none()
            && self.cluster_by.is_none()
            && filter.q.is_none()
            && filter.fraicheur.is_empty()
    }

    /// Its map on `after`, made from its `map` on an index whose places differ from `after`'s
    /// only at the ordinals `changed` (those past the end of either included): the ordinals it
    /// kept but the changed ones, with the changed ones it keeps now, and the hierarchy made
    /// again where the change reaches ([`ClusterIndex::updated`]), equal to the map made
    /// whole. `None` when the rows cannot tell which places it keeps (see
    /// [`MapFilter::keeps_the_same_places`]), for a polygon, and when the change moves many of
    /// its points to other ranks (a place entering or leaving ahead of many others): that map
    /// is made again when asked for.
    #[must_use]
    pub fn map_after(
        &self,
        map: &PlaceMap,
        (index, search): (&PlaceIndex, &SearchIndex),
        changed: &[u32],
    ) -> Option<PlaceMap> {
        let filter = &self.filter;
        if !self.judged_by_rows() || filter.polygon.is_some() {
            return None;
        }
        let mut changed = changed.to_vec();
        changed.sort_unstable();
        changed.dedup();
        let rows = search.facet_rows();
        let facets = rows.compile(filter);
        let keeps = |&ordinal: &u32| {
            (index.places.get(ordinal as usize)).is_some_and(|place| {
                facets.failed(rows.row(ordinal)) == 0 && filter.matches_codes(place)
            })
        };
        // Both ascending, as `SearchIndex::matching` lists them.
        let mut staying = (map.ordinals.iter().copied())
            .filter(|ordinal| changed.binary_search(ordinal).is_err())
            .peekable();
        let mut entering = changed.iter().copied().filter(keeps).peekable();
        let mut ordinals = Vec::with_capacity(map.ordinals.len() + changed.len());
        loop {
            let next = match (staying.peek(), entering.peek()) {
                (Some(a), Some(b)) if a < b => staying.next(),
                (Some(_), None) => staying.next(),
                (_, Some(_)) => entering.next(),
                (None, None) => break,
            };
            ordinals.extend(next);
        }
        // The points whose place is another, or changed.
        let ranks: Vec<u32> = (0u32..)
            .zip(map.ordinals.iter().zip(&ordinals))
            .filter(|(_, (was, now))| was != now || changed.binary_search(now).is_ok())
            .map(|(rank, _)| rank)
            .collect();
        let shifted = ranks.len() + map.ordinals.len().abs_diff(ordinals.len());
        if !ClusterIndex::update_pays(shifted, ordinals.len()) {
            return None;
        }
        let positions = search.positions();
        let points: Vec<(f64, f64)> = ordinals.iter().map(|&o| positions[o as usize]).collect();
        let clusters = map.clusters.updated(&points, &ranks).ok()?;
        Some(PlaceMap { clusters, ordinals })
    }

    /// Until when (local time in Europe/Paris) the places it keeps stay the same, when that
    /// depends on the clock (`open_now`).
    #[must_use]
    pub fn fresh_until(&self) -> Option<chrono::NaiveDateTime> {
        self.fresh_until
    }

    /// The canonical key of the filter: equal for filters that keep the same places.
    #[must_use]
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Whether the filter keeps every place.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.key.is_empty()
    }
}

/// The number of places with each value of one vocabulary in every cluster of a map: what
/// `cluster_counts` adds to clusters, to draw them as pies or donuts. Made once per map and
/// vocabulary (a pass over the map's levels, [`ClusterIndex::tally`]) from the facet rows of the
/// index it serves, and kept with the map in the [`MapCache`] of that index: a batch that keeps
/// the map's hierarchy may have changed the places' values, so counts are never carried over.
///
/// Each value counted is a property `VOCABULARY:VALUE` (for example
/// `services:Aide aux démarches administratives`), the schema's name and label, so that a style
/// names them as filters do; values none of the cluster's places has are left out (0).
pub struct ClusterCounts {
    /// `facet:label`, by value.
    keys: Vec<String>,
    tally: Tally,
}

impl ClusterCounts {
    /// The counts of `facet`'s values in the clusters of `map`, its places' values read from
    /// `rows`.
    #[must_use]
    pub fn of(map: &PlaceMap, rows: &FacetColumns, facet: Facet) -> Self {
        let keys = Self::keys(facet);
        let tally = map.clusters.tally(keys.len(), |point| {
            bit_positions(rows.row(map.ordinals[point as usize]).value_bits(facet))
        });
        Self { keys, tally }
    }

    /// The property names of `facet`'s counts, by value: what TileJSON documents.
    #[must_use]
    pub fn keys(facet: Facet) -> Vec<String> {
        facet
            .labels()
            .iter()
            .map(|label| format!("{}:{label}", facet.name()))
            .collect()
    }

    /// The property names of the counts, by value.
    #[must_use]
    pub fn properties(&self) -> &[String] {
        &self.keys
    }

    /// Adds the counts of the cluster `id` to its feature.
    fn add_to(&self, id: u64, sink: &mut impl PropertySink) {
        for &(value, count) in self.tally.of(id) {
            sink.add(&self.keys[usize::from(value)], count.into());
        }
    }
}

/// The ordinals of the places of `index` that `filter` keeps and that are open as `open` asks.
fn open_ordinals(
    index: &PlaceIndex,
    search: &SearchIndex,
    filter: &PlaceFilter,
    open: &OpenFilter,
) -> Result<Vec<u32>> {
    let states = search.schedules().at(open.at);
    Ok(search
        .matching(index, filter)?
        .into_iter()
        .filter(|&ordinal| match states.state(ordinal) {
            OpenState::Open => true,
            OpenState::Closed => false,
            OpenState::Unknown => open.include_unknown,
        })
        .collect())
}

/// The positions of the bits set in `bits`, lowest first.
fn bit_positions(mut bits: u128) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (bits != 0).then(|| {
            let position = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            position
        })
    })
}

/// The clustering hierarchy of the places one filter keeps.
pub struct PlaceMap {
    /// The hierarchy; its point `i` is the place of ordinal `ordinals[i]`.
    pub clusters: ClusterIndex,
    /// Place ordinals, by point of the hierarchy.
    pub ordinals: Vec<u32>,
}

impl PlaceMap {
    /// The map of the places of `index` that `filter` keeps.
    ///
    /// # Errors
    /// When `q` cannot be matched, or the options are invalid.
    pub fn build(
        index: &PlaceIndex,
        search: &SearchIndex,
        filter: &PlaceFilter,
        options: ClusterOptions,
    ) -> Result<Self> {
        if filter.is_empty() {
            return Self::of_places(&index.places, options);
        }
        Self::of_ordinals(index, search.matching(index, filter)?, None, options)
    }

    /// The map of the places of `index` that the maps' `filter` keeps, clustered as it says.
    ///
    /// # Errors
    /// As [`PlaceMap::build`].
    pub fn of_filter(
        index: &PlaceIndex,
        search: &SearchIndex,
        filter: &MapFilter,
        options: ClusterOptions,
    ) -> Result<Self> {
        let Some(facet) = filter.cluster_by else {
            return match &filter.open {
                None => Self::build(index, search, &filter.filter, options),
                Some(open) => Self::open_at(index, search, &filter.filter, open, options),
            };
        };
        let ordinals = match &filter.open {
            None if filter.filter.is_empty() => {
                (0..u32::try_from(index.places.len()).unwrap_or(u32::MAX)).collect()
            }
            None => search.matching(index, &filter.filter)?,
            Some(open) => open_ordinals(index, search, &filter.filter, open)?,
        };
        // A place's group is its first value; places with none are the group after the values.
        let rows = search.facet_rows();
        let none = u32::try_from(facet.labels().len()).unwrap_or(u32::MAX);
        let groups: Vec<u32> = ordinals
            .iter()
            .map(|&ordinal| match rows.row(ordinal).value_bits(facet) {
                0 => none,
                bits => bits.trailing_zeros(),
            })
            .collect();
        Self::of_ordinals(index, ordinals, Some(&groups), options)
    }

    /// The map of the places of `ordinals`, each clustering only within its group when
    /// `groups` gives them.
    fn of_ordinals(
        index: &PlaceIndex,
        ordinals: Vec<u32>,
        groups: Option<&[u32]>,
        options: ClusterOptions,
    ) -> Result<Self> {
        let points: Vec<(f64, f64)> = ordinals
            .iter()
            .map(|&o| {
                let place = &index.places[o as usize];
                (place.longitude, place.latitude)
            })
            .collect();
        let clusters = ClusterIndex::build_grouped(&points, groups, options)?;
        Ok(Self { clusters, ordinals })
    }

    /// The map of the places of `index` that `filter` keeps and that are open as `open` asks
    /// (their hours and temporary closures, as a search judges them).
    ///
    /// # Errors
    /// As [`PlaceMap::build`].
    pub fn open_at(
        index: &PlaceIndex,
        search: &SearchIndex,
        filter: &PlaceFilter,
        open: &OpenFilter,
        options: ClusterOptions,
    ) -> Result<Self> {
        let ordinals = open_ordinals(index, search, filter, open)?;
        Self::of_ordinals(index, ordinals, None, options)
    }

    /// The map of every place of `places`, which needs nothing but their positions.
    ///
    /// # Errors
    /// As [`ClusterIndex::build`].
    pub fn of_places(places: &Places, options: ClusterOptions) -> Result<Self> {
        let points: Vec<(f64, f64)> = places.iter().map(|p| (p.longitude, p.latitude)).collect();
        Self::of_points(&points, options)
    }

    /// The map of every place, given by its position (`(longitude, latitude)`, by ordinal).
    ///
    /// # Errors
    /// As [`ClusterIndex::build`].
    pub fn of_points(points: &[(f64, f64)], options: ClusterOptions) -> Result<Self> {
        let clusters = ClusterIndex::build(points, options)?;
        let ordinals = (0..u32::try_from(points.len()).unwrap_or(u32::MAX)).collect();
        Ok(Self { clusters, ordinals })
    }

    /// This map of every place with the places at `changed` (ordinals; those past the end of
    /// either map are changed too) now at `points` (by ordinal, as [`PlaceMap::of_points`]):
    /// the hierarchy made again only where the change reaches
    /// ([`ClusterIndex::updated`]), and equal to [`PlaceMap::of_points`]`(points)`.
    ///
    /// # Errors
    /// As [`ClusterIndex::build`].
    pub fn of_points_changed(&self, points: &[(f64, f64)], changed: &[u32]) -> Result<Self> {
        debug_assert!(
            (self.ordinals.iter().enumerate()).all(|(point, &ordinal)| point == ordinal as usize),
            "a map of every place"
        );
        let clusters = self.clusters.updated(points, changed)?;
        let ordinals = (0..u32::try_from(points.len()).unwrap_or(u32::MAX)).collect();
        Ok(Self { clusters, ordinals })
    }

    /// The number of places on the map.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ordinals.len()
    }

    /// Whether the map shows no place.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ordinals.is_empty()
    }

    fn place<'a>(&self, index: &'a PlaceIndex, point: u32) -> &'a Place {
        &index.places[self.ordinals[point as usize] as usize]
    }

    /// The Mapbox Vector Tile of `tile` (empty bytes when the tile is empty).
    ///
    /// # Errors
    /// When encoding fails.
    pub fn tile(&self, index: &PlaceIndex, tile: TileCoord) -> Result<Vec<u8>> {
        self.tile_with(index, tile, TileProperties::All, None)
    }

    /// The Mapbox Vector Tile of `tile` with the place `properties` asked (the server's tiles
    /// are [`TileProperties::All`]), and clusters with their `counts` when given (made of this
    /// map).
    ///
    /// # Errors
    /// When encoding fails.
    pub fn tile_with(
        &self,
        index: &PlaceIndex,
        tile: TileCoord,
        properties: TileProperties,
        counts: Option<&ClusterCounts>,
    ) -> Result<Vec<u8>> {
        self.encode(index, &self.items_of(tile), properties, counts)
    }

    /// [`PlaceMap::tile_with`], with the digest of the tile's items
    /// ([`PlaceMap::tile_items`]).
    ///
    /// # Errors
    /// When encoding fails.
    pub fn encoded_tile(
        &self,
        index: &PlaceIndex,
        tile: TileCoord,
        properties: TileProperties,
        counts: Option<&ClusterCounts>,
    ) -> Result<EncodedTile> {
        let items = self.items_of(tile);
        Ok(EncodedTile {
            bytes: self.encode(index, &items, properties, counts)?,
            items: self.digest(&items),
        })
    }

    /// The items of `tile`, with the buffer the clustering radius asks.
    fn items_of(&self, tile: TileCoord) -> Vec<TileItem> {
        let buffer = self.clusters.options().tile_buffer(DEFAULT_EXTENT);
        self.clusters.tile(tile, DEFAULT_EXTENT, buffer)
    }

    /// The Mapbox Vector Tile of `items` (see [`PlaceMap::tile_with`]).
    fn encode(
        &self,
        index: &PlaceIndex,
        items: &[TileItem],
        properties: TileProperties,
        counts: Option<&ClusterCounts>,
    ) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        // One buffer for every joined list of the tile.
        let mut scratch = String::new();
        let point_ids = properties != TileProperties::Id;
        for fields in properties.sets() {
            bytes = encode_tile_with(
                items,
                DEFAULT_EXTENT,
                point_ids,
                |point, feature| {
                    place_properties(self.place(index, point), fields, feature, &mut scratch);
                },
                |id, feature| {
                    if let Some(counts) = counts {
                        counts.add_to(id, feature);
                    }
                },
            )?;
            if bytes.len() <= MAX_TILE_BYTES {
                break;
            }
        }
        Ok(bytes)
    }

    /// The digest of the items of `tile`, as [`lieux_tiles::cluster::ClusterIndex::tile`] lists
    /// them, places named by ordinal: two tiles of the same digest show the same clusters and
    /// places at the same points of the grid, in the same order. What the tile cache checks a
    /// tile carried over a batch by (a collision of two 64-bit digests is left to chance).
    #[must_use]
    pub fn tile_items(&self, tile: TileCoord) -> u64 {
        self.digest(&self.items_of(tile))
    }

    fn digest(&self, items: &[TileItem]) -> u64 {
        // Each word folded in through splitmix64's finaliser, whose every output bit depends
        // on every input bit: no adversary chooses the items, and SipHash cost 3% of encoding.
        let fold = |digest: u64, word: u64| {
            let mut z = digest ^ word;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)).wrapping_add(0x9e37_79b9_7f4a_7c15)
        };
        let mut digest = items.len() as u64;
        for &TileItem { item, x, y } in items {
            // The grid's coordinates, as their 32 bits each.
            digest = fold(digest, u64::from(x as u32) << 32 | u64::from(y as u32));
            digest = match item {
                ClusterItem::Point { index } => {
                    fold(digest, u64::from(self.ordinals[index as usize]))
                }
                ClusterItem::Cluster {
                    id,
                    count,
                    lon,
                    lat,
                    expansion_zoom,
                } => {
                    let digest = fold(digest, id);
                    let digest = fold(digest, u64::from(count) << 8 | u64::from(expansion_zoom));
                    fold(fold(digest, lon.to_bits()), lat.to_bits())
                }
            };
        }
        digest
    }

    /// The tiles, at every zoom served, whose bytes can show a place at one of `positions`
    /// (`(longitude, latitude)`), their buffers included: what a change of those places makes
    /// stale (and, when the hierarchy is made again, so are the tiles whose clusters it
    /// changed: see [`super::tiles::TileCache::carried_over`]).
    #[must_use]
    pub fn tiles_showing(&self, positions: &[(f64, f64)]) -> HashSet<TileCoord> {
        let options = self.clusters.options();
        let margin = f64::from(options.tile_buffer(DEFAULT_EXTENT)) / f64::from(DEFAULT_EXTENT);
        let mut tiles = HashSet::new();
        for &(lon, lat) in positions {
            for z in 0..=super::tiles::MAX_TILE_ZOOM {
                tiles.extend(lieux_tiles::mercator::tiles_reaching(lon, lat, z, margin));
            }
        }
        tiles
    }

    /// Every tile of zoom `z` that may hold an item (a cluster or a place, or one within the
    /// tile's buffer), in no order: a superset of the tiles that are not empty, found from the
    /// positions of the zoom's items rather than by asking every tile of the grid.
    #[must_use]
    pub fn tiles_at(&self, index: &PlaceIndex, z: u8) -> Vec<TileCoord> {
        let extent = f64::from(DEFAULT_EXTENT);
        // The buffer, and a margin for the rounding of a position to degrees and back.
        let margin = f64::from(self.clusters.options().tile_buffer(DEFAULT_EXTENT)) / extent + 1e-6;
        let side = 1i64 << z;
        let whole = LngLatBbox::new(-180.0, -90.0, 180.0, 90.0);
        let mut tiles: Vec<(u32, u32)> = Vec::new();
        for item in self.clusters.clusters(whole, z) {
            let (lon, lat) = match item {
                ClusterItem::Cluster { lon, lat, .. } => (lon, lat),
                ClusterItem::Point { index: point } => {
                    let place = self.place(index, point);
                    (place.longitude, place.latitude)
                }
            };
            let (x, y) = lieux_tiles::mercator::lng_lat_to_tile_fraction(lon, lat, z);
            // Tile numbers are far below i64's range; `as` saturates anyway.
            let (west, east) = ((x - margin).floor() as i64, (x + margin).floor() as i64);
            let (north, south) = ((y - margin).floor() as i64, (y + margin).floor() as i64);
            for ty in north.max(0)..=south.min(side - 1) {
                for tx in west..=east {
                    // Across the antimeridian, the tile of the other side.
                    let tx = tx.rem_euclid(side);
                    tiles.push((tx as u32, ty as u32));
                }
            }
        }
        tiles.sort_unstable();
        tiles.dedup();
        tiles
            .into_iter()
            .filter_map(|(x, y)| TileCoord::new(z, x, y).ok())
            .collect()
    }

    /// The clusters and places within `bbox` at `zoom`, as a GeoJSON `FeatureCollection`,
    /// clusters with their `counts` when given (made of this map), places with `fields`.
    #[must_use]
    pub fn clusters_geojson(
        &self,
        index: &PlaceIndex,
        bbox: LngLatBbox,
        zoom: u8,
        counts: Option<&ClusterCounts>,
        fields: PlaceFields,
    ) -> Value {
        let features: Vec<Value> = self
            .clusters
            .clusters(bbox, zoom)
            .iter()
            .map(|item| self.feature(index, item, counts, fields))
            .collect();
        json!({ "type": "FeatureCollection", "features": features })
    }

    /// The children of a cluster, as a GeoJSON `FeatureCollection`, clusters with their
    /// `counts` when given (made of this map), places with `fields`.
    ///
    /// # Errors
    /// When `cluster_id` names no cluster of this map.
    pub fn children_geojson(
        &self,
        index: &PlaceIndex,
        cluster_id: u64,
        counts: Option<&ClusterCounts>,
        fields: PlaceFields,
    ) -> Result<Value> {
        let children = self.clusters.children(cluster_id)?;
        let features: Vec<Value> = children
            .iter()
            .map(|item| self.feature(index, item, counts, fields))
            .collect();
        Ok(json!({ "type": "FeatureCollection", "features": features }))
    }

    /// The places of a cluster, `limit` of them from `offset`, as a GeoJSON `FeatureCollection`.
    ///
    /// # Errors
    /// When `cluster_id` names no cluster of this map.
    pub fn leaves_geojson(
        &self,
        index: &PlaceIndex,
        cluster_id: u64,
        limit: usize,
        offset: usize,
    ) -> Result<Value> {
        let leaves = self.clusters.leaves(cluster_id, limit, offset)?;
        let features: Vec<Value> = leaves
            .iter()
            .map(|&point| {
                let point = ClusterItem::Point { index: point };
                self.feature(index, &point, None, PlaceFields::ALL)
            })
            .collect();
        Ok(json!({ "type": "FeatureCollection", "features": features }))
    }

    /// The zoom at which a cluster splits.
    ///
    /// # Errors
    /// When `cluster_id` names no cluster of this map.
    pub fn expansion_zoom(&self, cluster_id: u64) -> Result<u8> {
        Ok(self.clusters.expansion_zoom(cluster_id)?)
    }

    fn feature(
        &self,
        index: &PlaceIndex,
        item: &ClusterItem,
        counts: Option<&ClusterCounts>,
        fields: PlaceFields,
    ) -> Value {
        match *item {
            ClusterItem::Cluster {
                id,
                count,
                lon,
                lat,
                expansion_zoom,
            } => {
                let mut properties = JsonProperties(Map::new());
                properties.add("cluster", true.into());
                properties.add("cluster_id", id.into());
                properties.add("point_count", count.into());
                let abbreviated = lieux_tiles::point_count_abbreviated(count);
                properties.add("point_count_abbreviated", abbreviated.into());
                properties.add("expansion_zoom", u64::from(expansion_zoom).into());
                if let Some(counts) = counts {
                    counts.add_to(id, &mut properties);
                }
                json!({
                    "type": "Feature",
                    "id": id,
                    "geometry": { "type": "Point", "coordinates": [lon, lat] },
                    "properties": properties.0,
                })
            }
            ClusterItem::Point { index: point } => {
                let place = self.place(index, point);
                let mut properties = JsonProperties(Map::new());
                place_properties(place, fields, &mut properties, &mut String::new());
                let properties = properties.0;
                json!({
                    "type": "Feature",
                    "id": place.id(),
                    "geometry": { "type": "Point", "coordinates": [place.longitude, place.latitude] },
                    "properties": properties,
                })
            }
        }
    }
}

/// GeoJSON properties, as a [`PropertySink`].
struct JsonProperties(Map<String, Value>);

impl PropertySink for JsonProperties {
    fn add(&mut self, key: &str, value: PropertyValue<'_>) {
        let value = match value {
            PropertyValue::String(s) => Value::from(s.as_ref()),
            PropertyValue::Int(i) => Value::from(i),
            PropertyValue::UInt(u) => Value::from(u),
            PropertyValue::Double(d) => Value::from(d),
            PropertyValue::Bool(b) => Value::from(b),
        };
        self.0.insert(key.to_owned(), value);
    }
}

/// Adds the `fields` of a place feature to `sink`, leaving absent values out; lists are
/// joined in `scratch`, reused from place to place.
fn place_properties(
    place: &Place,
    fields: PlaceFields,
    sink: &mut impl PropertySink,
    scratch: &mut String,
) {
    for (i, key) in PLACE_PROPERTIES.iter().enumerate() {
        if !fields.has(i) {
            continue;
        }
        scratch.clear();
        match *key {
            "services" => place.services.write_pipe(scratch),
            "typologie" => place.typologie.write_pipe(scratch),
            "dispositif_programmes_nationaux" => {
                place.dispositif_programmes_nationaux.write_pipe(scratch);
            }
            "frais_a_charge" => place.frais_a_charge.write_pipe(scratch),
            _ => {}
        }
        let value = match *key {
            "id" => place.id(),
            "nom" => place.nom(),
            "commune" => place.commune(),
            "code_postal" => place.code_postal(),
            "horaires" => place.text(TextField::Horaires),
            // A list, joined above.
            _ => scratch.as_str(),
        };
        // `id` and `nom` always; the others only when the place has them.
        if i < 2 || !value.is_empty() {
            sink.add(key, value.into());
        }
    }
}

/// Maps by filter key, bounded by the number of places they hold together.
pub struct MapCache {
    options: ClusterOptions,
    max_places: usize,
    entries: Mutex<CacheEntries>,
    /// A lock per map or counts being made: the requests that want the same one while it is
    /// made wait for it instead of making it too (at a million places a map takes seconds, and
    /// after a batch of changes every client of a filtered map asks for it at once).
    making: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    /// How many maps and counts were made: what the gates save shows here.
    made: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
struct CacheEntries {
    /// By the filter's key: the map, when it was last used, and its filter.
    maps: HashMap<String, (Arc<PlaceMap>, u64, MapFilter)>,
    /// The cluster counts made of the maps held, by the map's key and the vocabulary.
    counts: HashMap<(String, Facet), Arc<ClusterCounts>>,
    clock: u64,
}

impl MapCache {
    /// A cache of maps built with `options`, holding at most `max_places` places over all its
    /// filtered maps (the unfiltered map is not counted: it is always kept).
    #[must_use]
    pub fn new(options: ClusterOptions, max_places: usize) -> Self {
        Self {
            options,
            max_places,
            entries: Mutex::default(),
            making: Mutex::default(),
            made: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// How many maps and counts this cache made.
    #[must_use]
    pub fn made(&self) -> u64 {
        self.made.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs `make` for `what` unless another request is making it: then waits for that one and
    /// asks `cached` again, which finds it (unless its making failed: then it is made here).
    fn made_once<T>(
        &self,
        what: &str,
        cached: impl Fn() -> Option<T>,
        make: impl FnOnce() -> T,
    ) -> T {
        let gate = {
            let mut making = self
                .making
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(making.entry(what.to_owned()).or_default())
        };
        let held = gate
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let made = match cached() {
            Some(done) => done,
            None => {
                self.made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                make()
            }
        };
        drop(held);
        let mut making = self
            .making
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // The last one through takes the gate away.
        if Arc::strong_count(&gate) == 2 {
            making.remove(what);
        }
        made
    }

    /// The clustering options.
    #[must_use]
    pub fn options(&self) -> &ClusterOptions {
        &self.options
    }

    /// Holds `map` as the map of `filter` (built elsewhere: the unfiltered map of a new
    /// index is built with it, or shared with the index before a batch that moved no place).
    pub fn insert(&self, filter: &MapFilter, map: Arc<PlaceMap>) {
        let mut entries = self.lock();
        entries.clock += 1;
        let clock = entries.clock;
        entries
            .maps
            .insert(filter.key.clone(), (map, clock, filter.clone()));
    }

    /// The map of `filter`, built if it is not cached.
    ///
    /// # Errors
    /// As [`PlaceMap::build`].
    pub fn get(
        &self,
        index: &PlaceIndex,
        search: &SearchIndex,
        filter: &MapFilter,
    ) -> Result<Arc<PlaceMap>> {
        if let Some(map) = self.cached(filter) {
            return Ok(map);
        }
        self.made_once(
            &filter.key,
            || self.cached(filter).map(Ok),
            || self.make(index, search, filter),
        )
    }

    /// Makes the map of `filter` and holds it, evicting the least recently used filtered maps
    /// over the budget.
    fn make(
        &self,
        index: &PlaceIndex,
        search: &SearchIndex,
        filter: &MapFilter,
    ) -> Result<Arc<PlaceMap>> {
        let map = Arc::new(PlaceMap::of_filter(index, search, filter, self.options)?);
        let key = filter.key.clone();
        let mut entries = self.lock();
        entries.clock += 1;
        let clock = entries.clock;
        let map = Arc::clone(
            &entries
                .maps
                .entry(key)
                .or_insert((map, clock, filter.clone()))
                .0,
        );
        // Evict the least recently used filtered maps while over budget.
        loop {
            let held: usize = entries
                .maps
                .iter()
                .filter(|(k, _)| !k.is_empty())
                .map(|(_, (m, _, _))| m.len())
                .sum();
            if held <= self.max_places {
                break;
            }
            let oldest = entries
                .maps
                .iter()
                .filter(|(k, _)| !k.is_empty())
                .min_by_key(|(_, (_, used, _))| *used)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => {
                    entries.maps.remove(&k);
                    entries.counts.retain(|(map, _), _| *map != k);
                }
                None => break,
            }
        }
        Ok(map)
    }

    /// The counts of `facet` in the clusters of `map`, the map of `filter` in this cache: made
    /// once (from `rows`, the facet rows of the index the cache belongs to) and kept with it.
    pub fn counts(
        &self,
        filter: &MapFilter,
        map: &PlaceMap,
        rows: &FacetColumns,
        facet: Facet,
    ) -> Arc<ClusterCounts> {
        let key = (filter.key.clone(), facet);
        let cached = || self.lock().counts.get(&key).map(Arc::clone);
        if let Some(counts) = cached() {
            return counts;
        }
        // Made outside the cache's lock: other maps' tiles go on meanwhile.
        self.made_once(&format!("{}#{}", key.0, facet.name()), cached, || {
            let counts = Arc::new(ClusterCounts::of(map, rows, facet));
            let mut entries = self.lock();
            // Kept while the map is: a map already evicted goes without.
            if entries.maps.contains_key(&key.0) {
                entries.counts.insert(key.clone(), Arc::clone(&counts));
            }
            counts
        })
    }

    /// The entries; a panic while they were held leaves nothing half-done, so a poisoned lock
    /// is taken over.
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheEntries> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The filtered maps held, with their filters, least recently used first.
    #[must_use]
    pub fn filtered(&self) -> Vec<(MapFilter, Arc<PlaceMap>)> {
        let entries = self.lock();
        let mut held: Vec<_> = entries
            .maps
            .iter()
            .filter(|(key, _)| !key.is_empty())
            .map(|(_, (map, used, filter))| (*used, filter.clone(), Arc::clone(map)))
            .collect();
        held.sort_by_key(|(used, _, _)| *used);
        held.into_iter()
            .map(|(_, filter, map)| (filter, map))
            .collect()
    }

    /// The map of `filter`, if it is cached.
    pub fn cached(&self, filter: &MapFilter) -> Option<Arc<PlaceMap>> {
        let mut entries = self.lock();
        entries.clock += 1;
        let clock = entries.clock;
        let (map, used, _) = entries.maps.get_mut(&filter.key)?;
        *used = clock;
        Some(Arc::clone(map))
    }

    /// The number of maps cached.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().maps.len()
    }

    /// Whether the cache is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Barrier;

    #[test]
    fn requests_for_what_is_being_made_wait_for_it_instead_of_making_it_again() {
        let cache = MapCache::new(ClusterOptions::default(), 1000);
        let held = Mutex::new(None);
        let makings = AtomicUsize::new(0);
        let start = Barrier::new(8);
        let answers: Vec<u32> = std::thread::scope(|scope| {
            let asked: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        cache.made_once(
                            "services=Wifi",
                            || *held.lock().unwrap(),
                            || {
                                makings.fetch_add(1, Ordering::SeqCst);
                                // A map of a million places takes seconds.
                                std::thread::sleep(std::time::Duration::from_millis(200));
                                *held.lock().unwrap() = Some(42);
                                42
                            },
                        )
                    })
                })
                .collect();
            asked.into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert_eq!(answers, vec![42; 8]);
        assert_eq!(
            makings.load(Ordering::SeqCst),
            1,
            "made once, the others waited"
        );
        assert_eq!(cache.made(), 1);
        assert!(
            cache.making.lock().unwrap().is_empty(),
            "the gate is gone once all are through"
        );
    }
}
