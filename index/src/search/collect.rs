//! The collecting pass: every candidate judged once, counted, and ranked.
//!
//! [`Collector::offer`] checks what the candidate source did not: the exact distance against
//! the radius, the bbox, postal and INSEE codes, opening hours, and the facet filters. A place
//! that passes everything counts in `total` and in every facet and enters a heap bounded by
//! `offset + limit`; a place that fails exactly one facet filter counts in that facet only.
//! The rank key is the text score decayed by distance (or, when sorting by distance, the chord
//! to the position, which orders places as their distances do), computed as each candidate
//! arrives, so nothing is re-sorted after a truncation.
//!
//! A broad text in a city ("démarches administratives" within 20 km of Paris) matches a
//! hundred thousand places, so the pass does as little as it can per place: distances are
//! compared as chords (no `asin`), a place whose text score could not enter the full heap even
//! at distance zero is not decayed at all, great-circle distances are computed for the hits
//! kept only, and places that pass every filter are counted in facets a block of
//! [`blocks::BLOCK`] at a time, with the blocks' bit-sliced counts.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::blocks::{self, Blocks};
use super::facets::{FacetColumns, FacetCounts, FacetFilter};
use super::schedules::{OpenAt, OpenState};
use super::{Hit, Near, SearchIndex, SearchRequest, SearchResults, Sort, DEFAULT_HALF_LIFE_M};
use crate::geo::{chord_between, chord_for_distance, distance_for_chord, unit_vector};
use crate::store::PlaceIndex;

/// A hit being ranked: lower `band`, then lower `key` is better, ties broken by ordinal.
#[derive(Clone, Copy, Debug)]
struct Ranked {
    /// Its distance band (see [`DistanceRanking::band`]); 0 without bands.
    band: u32,
    key: f64,
    /// Its distance to the search position as a chord between unit vectors, when there is one.
    chord: Option<f64>,
    hit: Hit,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.band
            .cmp(&other.band)
            .then(self.key.total_cmp(&other.key))
            .then(self.hit.ordinal.cmp(&other.hit.ordinal))
    }
}

/// Where a place ranked among the hits kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ranking {
    /// Among them.
    Kept,
    /// Out, as it ranks as the last one kept but comes after it by ordinal: a place of the
    /// same rank and a lower ordinal would enter.
    Tied,
    /// Out, below them all.
    Below,
}

/// The distance over which relevance halves by default: half the radius (at least 100 m),
/// or [`DEFAULT_HALF_LIFE_M`].
pub(super) fn half_life(near: Option<Near>) -> f64 {
    near.and_then(|n| n.radius_m)
        .map_or(DEFAULT_HALF_LIFE_M, |radius| (radius / 2.0).max(100.0))
}

/// The scale of `request`'s decay with distance: as asked, or the default half-life.
pub(super) fn decay_scale(request: &SearchRequest) -> f64 {
    request
        .distance
        .scale_m
        .unwrap_or_else(|| half_life(request.near))
}

/// How much a place at `distance_m` keeps of its text score, as `request` ranks distance with
/// its scale resolved ([`decay_scale`]).
pub(super) fn decay(request: &SearchRequest, scale_m: f64, distance_m: Option<f64>) -> f32 {
    #[allow(clippy::cast_possible_truncation)]
    let decay = distance_m.map_or(1.0, |d| request.distance.factor(d, scale_m)) as f32;
    decay
}

/// Judges, counts and ranks candidates.
pub(super) struct Collector<'a> {
    index: &'a PlaceIndex,
    request: &'a SearchRequest,
    open: Option<OpenAt<'a>>,
    by_distance: bool,
    /// Whether distance ranks in bands (and then a lower text score may still enter).
    banded: bool,
    /// The decay's scale, resolved once ([`decay_scale`]).
    scale_m: f64,
    keep: usize,
    best: BinaryHeap<Ranked>,
    total: u64,
    unknown_hours: u64,
    columns: &'a FacetColumns,
    units: &'a [[f64; 3]],
    /// The unit vector of the search position.
    centre: Option<[f64; 3]>,
    /// The chord of the radius, when there is one.
    max_chord: Option<f64>,
    facet_filter: FacetFilter,
    facets: FacetCounts<'a>,
    blocks: &'a Blocks,
    /// The block of the places that passed every filter most recently, and which of its places
    /// did: counted in facets when a place of another block passes, and at the end.
    passed: (usize, u64),
}

impl<'a> Collector<'a> {
    pub(super) fn new(
        search: &'a SearchIndex,
        index: &'a PlaceIndex,
        request: &'a SearchRequest,
        has_text: bool,
    ) -> Self {
        let near = request.near;
        Self {
            index,
            request,
            open: request.open.map(|open| search.schedules.at(open.at)),
            by_distance: near.is_some() && (request.sort == Sort::Distance || !has_text),
            banded: near.is_some() && request.distance.has_bands(),
            scale_m: decay_scale(request),
            keep: request.offset.saturating_add(request.limit),
            best: BinaryHeap::new(),
            total: 0,
            unknown_hours: 0,
            columns: &search.facets,
            units: &search.units,
            centre: near.map(|n| unit_vector(n.longitude, n.latitude)),
            max_chord: near.and_then(|n| n.radius_m).map(chord_for_distance),
            facet_filter: search.facets.compile(&request.filter),
            facets: search.facets.counts(),
            blocks: &search.blocks,
            passed: (0, 0),
        }
    }

    /// Considers the place `ordinal`, whose text scored `text_score`.
    pub(super) fn offer(&mut self, ordinal: u32, text_score: f32) {
        let request = self.request;
        if let Some(bbox) = &request.bbox {
            let place = &self.index.places[ordinal as usize];
            if !bbox.contains(place.longitude, place.latitude) {
                return;
            }
        }
        let chord = self
            .centre
            .map(|c| chord_between(&c, &self.units[ordinal as usize]));
        if let (Some(chord), Some(max)) = (chord, self.max_chord) {
            if chord > max {
                return;
            }
        }
        let filter = &request.filter;
        if filter.has_codes() && !filter.matches_codes(&self.index.places[ordinal as usize]) {
            return;
        }
        let row = self.columns.row(ordinal);
        let failed = self.facet_filter.failed(row);
        if failed & failed.wrapping_sub(1) != 0 {
            return; // Fails two facet filters or more: counted nowhere.
        }
        let hours = self.open.as_ref().map(|open| open.state(ordinal));
        match hours {
            Some(OpenState::Closed) => return,
            Some(OpenState::Unknown) => {
                if failed == 0 {
                    self.unknown_hours += 1;
                }
                if !request.open.is_some_and(|o| o.include_unknown) {
                    return;
                }
            }
            Some(OpenState::Open) | None => {}
        }
        if failed != 0 {
            self.facets.add(row, failed);
            return;
        }
        self.count_passed(ordinal);
        self.total += 1;
        self.rank(ordinal, chord, text_score);
    }

    /// Counts the places of `block` set in `picked`, which pass every filter of the request
    /// (it has none but a radius, which they are within): in `total` and in every facet.
    /// They are ranked apart, with [`Collector::rank_counted`].
    pub(super) fn count_block(&mut self, block: usize, picked: u64) {
        debug_assert!(self.request.bbox.is_none() && self.facet_filter.is_unfiltered());
        if picked != 0 {
            let (counters, holders) = self.blocks.masks(block);
            self.facets.add_picked(counters, holders, picked);
            self.total += u64::from(picked.count_ones());
        }
    }

    /// Whether a place whose text scored `text_score` may still rank among the hits kept:
    /// `false` when they are as many as asked and all score more (decay only lowers a
    /// score). Sorted by distance, or in distance bands, any place may.
    pub(super) fn may_rank(&self, text_score: f32) -> bool {
        self.keep > 0
            && (self.by_distance
                || self.banded
                || self.best.len() < self.keep
                || self
                    .best
                    .peek()
                    .is_some_and(|worst| -f64::from(text_score) <= worst.key))
    }

    /// Ranks the place `ordinal`, counted already (see [`Collector::count_block`]), whose
    /// text scored `text_score`. Beyond the radius, it ranks [`Ranking::Below`].
    pub(super) fn rank_counted(&mut self, ordinal: u32, text_score: f32) -> Ranking {
        let chord = self
            .centre
            .map(|c| chord_between(&c, &self.units[ordinal as usize]));
        if let (Some(chord), Some(max)) = (chord, self.max_chord) {
            if chord > max {
                return Ranking::Below;
            }
        }
        self.rank(ordinal, chord, text_score)
    }

    /// Puts the place `ordinal` among the hits kept if it ranks high enough.
    fn rank(&mut self, ordinal: u32, chord: Option<f64>, text_score: f32) -> Ranking {
        if self.keep == 0 {
            return Ranking::Below;
        }
        let full = self.best.len() >= self.keep;
        // By distance, the score only matters for the hits kept: it is set in `finish`.
        let mut band = 0;
        let (key, score) = match chord {
            Some(chord) if self.by_distance => (chord, text_score),
            _ => {
                // Decay only lowers a score: one that cannot enter undecayed is left out.
                if !self.may_rank(text_score) {
                    return Ranking::Below;
                }
                let distance_m = chord.map(distance_for_chord);
                if self.banded {
                    band = distance_m.map_or(0, |d| self.request.distance.band(d));
                }
                let score = text_score * decay(self.request, self.scale_m, distance_m);
                (-f64::from(score), score)
            }
        };
        let ranked = Ranked {
            band,
            key,
            chord,
            hit: Hit {
                ordinal,
                score,
                distance_m: None,
            },
        };
        if !full {
            self.best.push(ranked);
        } else if self.best.peek().is_some_and(|worst| ranked < *worst) {
            self.best.pop();
            self.best.push(ranked);
        } else if self
            .best
            .peek()
            .is_some_and(|worst| (ranked.band, ranked.key) == (worst.band, worst.key))
        {
            return Ranking::Tied;
        } else {
            return Ranking::Below;
        }
        Ranking::Kept
    }

    /// Counts in every facet the place `ordinal`, which passed every filter.
    fn count_passed(&mut self, ordinal: u32) {
        let block = ordinal as usize / blocks::BLOCK;
        let bit = ordinal as usize % blocks::BLOCK;
        if block != self.passed.0 {
            self.count_pending();
        }
        self.passed = (block, self.passed.1 | 1 << bit);
    }

    /// Counts the places of the pending block that passed, and forgets them.
    fn count_pending(&mut self) {
        let (block, picked) = std::mem::take(&mut self.passed);
        if picked != 0 {
            let (counters, holders) = self.blocks.masks(block);
            self.facets.add_picked(counters, holders, picked);
        }
    }

    pub(super) fn finish(mut self) -> SearchResults {
        self.count_pending();
        let (by_distance, request, scale_m) = (self.by_distance, self.request, self.scale_m);
        let hits = self
            .best
            .into_sorted_vec()
            .into_iter()
            .skip(self.request.offset)
            .map(|ranked| {
                let distance_m = ranked.chord.map(distance_for_chord);
                Hit {
                    score: if by_distance {
                        ranked.hit.score * decay(request, scale_m, distance_m)
                    } else {
                        ranked.hit.score
                    },
                    distance_m,
                    ..ranked.hit
                }
            })
            .collect();
        SearchResults {
            hits,
            total: self.total,
            facets: self.facets.finish(),
            unknown_hours: self.unknown_hours,
        }
    }
}
