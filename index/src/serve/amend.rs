//! Accepted changes applied to a live index in place, in a batch.
//!
//! A rebuild reads the base data again, applies every accepted change, writes a whole index and
//! loads it. A batch instead resumes the fold of the changes ([`apply_onto`]) on the places
//! the index serves, with the changes it does not show yet, and makes the new index from the
//! old: the places it did not touch are kept, the text index is amended
//! ([`crate::store::PlaceIndex::amended`]) and the derived structures are made again
//! ([`LiveIndex::prepare`]), but the query reader's counts of words, which the batch amends
//! ([`SearchIndex::build_amended`]).
//!
//! What it serves is what a rebuild would serve, place for place and in the same order: the
//! fold is the same, and so are its moves (a new version where the old one was, a new place
//! last, a closed place's position taken by the last one: [`Places`]), which leave every other
//! place at its ordinal. A batch needs the changes the index was built with to be the first of
//! the accepted changes: a reverted change takes one out of the middle, and then only a rebuild
//! from the base data can tell what the changes after it do.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use super::map::{MapFilter, PlaceMap};
use super::{fresh_dir, ChangesApplied, LiveIndex, LiveOptions, OwnedDir};
use crate::changes::apply::{apply_onto, Applied, Places};
use crate::changes::AcceptedChange;
use crate::place::Place;
use crate::store::amend::{Amended, Entries, Entry};
use crate::store::Manifest;
use crate::Result;

impl LiveIndex {
    /// This index with `changes` applied, when the changes it was built with are the first of
    /// them: the new ones applied in place, in a new directory under `work_dir`. `None` when
    /// they are not (a change was reverted since): the index must be built again.
    ///
    /// # Errors
    /// As [`LiveIndex::prepare`], and what amending the text index meets; this index is
    /// untouched either way.
    pub fn amended(
        &self,
        changes: &[AcceptedChange],
        work_dir: &Path,
        options: &LiveOptions,
    ) -> Result<Option<Self>> {
        let Some(batch) = changes.strip_prefix(self.applied.as_slice()) else {
            return Ok(None);
        };
        let started = Instant::now();
        let mut places = Batch {
            live: self,
            positions: HashMap::new(),
            slots: HashMap::new(),
            touched: HashSet::new(),
            len: u32::try_from(self.index.places.len()).expect("fewer than 2^32 places"),
        };
        let mut applied = Applied {
            notices: self
                .notices
                .iter()
                .map(|(ordinal, notices)| (self.id_at(*ordinal).to_owned(), notices.clone()))
                .collect(),
            ..Applied::default()
        };
        apply_onto(&mut places, batch, &mut applied);
        let gone: Vec<&Place> = places
            .touched
            .iter()
            .filter_map(|id| self.place_record(id))
            .collect();
        let entries = places.entries();
        let mut sources = self.sources.clone();
        sources.remove(gone.iter().copied());
        sources.add(entries.new_places().map(|(_, place)| place));
        let manifest = self.manifest_after(batch, entries.len as usize);
        let dir = OwnedDir(fresh_dir(work_dir));
        let mut stages = vec![("batch applied to the places served", started.elapsed())];
        let amending = Instant::now();
        // While the text index is amended, the structures that need only the places are made.
        // A batch that moves no place (most corrections: hours, a phone, a name) keeps the
        // hierarchy, which depends on the positions alone. Every batch keeps the tiles no
        // changed place shows; those of a hierarchy made again are checked when next asked for
        // (see `tiles`).
        let whole_before = self.maps.cached(&MapFilter::default());
        let stale = whole_before
            .as_ref()
            .map(|whole| whole.tiles_showing(&self.positions_changed(&entries)));
        let kept = (whole_before.clone()).filter(|_| entries.moves_no_place(&self.index.places));
        // Otherwise the hierarchy is made again from the positions where the batch reaches
        // (all of it when no map was cached): it starts at once, while the places are copied,
        // the text index amended and the places' search structures made.
        let points: Vec<(f64, f64)> = if kept.is_some() {
            Vec::new()
        } else {
            self.positions_after(&entries)
        };
        // The ordinals whose place changed, and those cut off the end: what the hierarchy is
        // changed by, and a filtered map checked by.
        let changed: Vec<u32> = (entries.changed.iter().map(|(at, _)| *at))
            .chain(entries.len..u32::try_from(self.index.places.len()).unwrap_or(u32::MAX))
            .collect();
        let (amended, (whole, clustered)) = std::thread::scope(|scope| {
            let whole = scope.spawn(|| {
                let started = Instant::now();
                let whole = match (&kept, &whole_before) {
                    (Some(whole), _) => Ok(Arc::clone(whole)),
                    (None, Some(before)) if before.clusters.options() == &options.cluster => {
                        before.of_points_changed(&points, &changed).map(Arc::new)
                    }
                    (None, _) => PlaceMap::of_points(&points, options.cluster).map(Arc::new),
                };
                (whole, started.elapsed())
            });
            let amended = self.index.amended(entries, manifest, &dir.0, |moved| {
                let started = Instant::now();
                let parts = self
                    .search
                    .amended_structures(moved, &gone, &options.freshness);
                (parts, started.elapsed())
            });
            (amended, crate::join_scoped(whole))
        });
        let Amended {
            index,
            beside: (parts, searched),
            ordinal_now,
        } = amended?;
        stages.push(("places copied and text index amended", amending.elapsed()));
        stages.push(("meanwhile: search structures of the places", searched));
        stages.push(if kept.is_some() {
            (
                "meanwhile: cluster hierarchy kept (no place moved)",
                clustered,
            )
        } else {
            (
                "meanwhile: cluster hierarchy, where the batch reaches",
                clustered,
            )
        });
        let searched = Instant::now();
        let search = self.search.amended_with_text(&index, parts, &ordinal_now)?;
        stages.push(("search structures of the text", searched.elapsed()));
        let mut live = Self::prepared(index, search, whole?, sources, stages, started, options)?;
        if let Some(stale) = &stale {
            live.tiles = self.tiles.carried_over(stale, kept.is_none());
        }
        // So are the filtered maps whose places no change touched, whether the batch moved
        // places or not (their tiles are made again from them: a place's properties may have
        // changed); the others are made again where the batch reaches them, unless it moved
        // many of their points to other ranks.
        for (filter, map) in self.maps.filtered() {
            let before = (&self.index, &self.search);
            let after = (&live.index, &live.search);
            if filter.keeps_the_same_places(before, after, &changed) {
                live.maps.insert(&filter, map);
            } else if let Some(map) = filter.map_after(&map, after, &changed) {
                live.maps.insert(&filter, Arc::new(map));
            }
        }
        live.owned_dir = Some(dir);
        live.set_notices(applied.notices);
        let mut conflicts = self.changes.conflicts.clone();
        conflicts.extend(applied.conflicts);
        let mut orphans = self.changes.orphans.clone();
        orphans.extend(applied.orphans);
        live.changes = ChangesApplied {
            count: changes.len(),
            conflicts,
            orphans,
        };
        live.applied = changes.to_vec();
        Ok(Some(live))
    }

    /// The positions of the places a batch changes (`entries`), before and after: those of
    /// the places at the ordinals it changes, and of the places past its end.
    fn positions_changed(&self, entries: &Entries) -> Vec<(f64, f64)> {
        let places = &self.index.places;
        let mut positions = Vec::new();
        for (ordinal, entry) in &entries.changed {
            let now = entry.place(&self.index.places);
            positions.push((now.longitude, now.latitude));
            positions
                .extend((places.get(*ordinal as usize)).map(|was| (was.longitude, was.latitude)));
        }
        positions.extend(
            (entries.len as usize..places.len())
                .map(|ordinal| (places[ordinal].longitude, places[ordinal].latitude)),
        );
        positions
    }

    /// The position of every place a batch makes (`entries`), by ordinal: this index's
    /// positions (a column, not a million records read), changed where the batch changes them.
    fn positions_after(&self, entries: &Entries) -> Vec<(f64, f64)> {
        let len = entries.len as usize;
        let served = self.search.positions();
        let mut positions = served[..len.min(served.len())].to_vec();
        positions.resize(len, (0.0, 0.0));
        for (ordinal, entry) in &entries.changed {
            let now = entry.place(&self.index.places);
            positions[*ordinal as usize] = (now.longitude, now.latitude);
        }
        positions
    }

    /// The id of the place `ordinal`.
    fn id_at(&self, ordinal: u32) -> &str {
        self.index.places[ordinal as usize].id()
    }

    /// The manifest of the index a batch makes of this one: its content hash names this
    /// index and the changes, as no file of places is written.
    fn manifest_after(&self, batch: &[AcceptedChange], places: usize) -> Manifest {
        let mut hasher = blake3::Hasher::new();
        hasher.update(self.hash().as_bytes());
        for change in batch {
            hasher.update(&change.contribution.to_le_bytes());
        }
        Manifest {
            places: places as u64,
            content_hash: hasher.finalize().to_hex().to_string(),
            created_at: chrono::DateTime::<chrono::Utc>::from(SystemTime::now())
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ..self.index.manifest.clone()
        }
    }
}

/// The places a live index serves as a batch changes them, with [`apply_onto`]'s moves
/// ([`Places`]): what each position changed holds now, and where each place that moved is.
struct Batch<'a> {
    live: &'a LiveIndex,
    /// The position now of each place new or moved by the batch, by id; `None` once closed.
    positions: HashMap<String, Option<u32>>,
    /// What each position the batch changed holds now.
    slots: HashMap<u32, Slot>,
    /// The places the batch set or closed, by id.
    touched: HashSet<String>,
    /// The number of places.
    len: u32,
}

/// What a position changed by a batch holds.
enum Slot {
    /// The place of this ordinal in the index served, unchanged (moved into a closed one's
    /// position).
    Kept(u32),
    /// A new place, or a new version of one.
    New(Place),
}

impl Batch<'_> {
    /// The position of the place `id` now.
    fn position(&self, id: &str) -> Option<u32> {
        match self.positions.get(id) {
            Some(position) => *position,
            None => self.live.search.ordinal_of(&self.live.index, id),
        }
    }

    fn held(&self, position: u32) -> &Place {
        match self.slots.get(&position) {
            Some(Slot::New(place)) => place,
            Some(Slot::Kept(ordinal)) => &self.live.index.places[*ordinal as usize],
            None => &self.live.index.places[position as usize],
        }
    }

    /// The places of the index the batch makes: each position keeps its place but the few
    /// the batch changed.
    fn entries(self) -> Entries {
        let mut changed: Vec<(u32, Entry)> = (self.slots.into_iter())
            .map(|(position, slot)| {
                // A closure moves the last place into the closed one's position and drops the
                // last slot: no slot is left beyond the new length.
                debug_assert!(position < self.len, "a slot beyond the places");
                let entry = match slot {
                    Slot::New(place) => Entry::New(Arc::new(place)),
                    Slot::Kept(ordinal) => Entry::Kept(ordinal),
                };
                (position, entry)
            })
            .collect();
        changed.sort_unstable_by_key(|(position, _)| *position);
        Entries {
            len: self.len,
            changed,
        }
    }
}

impl Places for Batch<'_> {
    fn current(&self, id: &str) -> Option<&Place> {
        self.position(id).map(|position| self.held(position))
    }

    fn close(&mut self, id: &str) {
        let Some(position) = self.position(id) else {
            return;
        };
        self.touched.insert(id.to_owned());
        self.len -= 1;
        let last = self.len;
        let moved = self.slots.remove(&last).unwrap_or(Slot::Kept(last));
        if position != last {
            let moved_id = match &moved {
                Slot::New(place) => place.id(),
                Slot::Kept(ordinal) => self.live.id_at(*ordinal),
            }
            .to_owned();
            self.positions.insert(moved_id, Some(position));
            self.slots.insert(position, moved);
        }
        self.positions.insert(id.to_owned(), None);
    }

    fn set(&mut self, id: &str, place: Place) {
        self.touched.insert(id.to_owned());
        let position = self.position(id).unwrap_or_else(|| {
            self.len += 1;
            self.positions.insert(id.to_owned(), Some(self.len - 1));
            self.len - 1
        });
        self.slots.insert(position, Slot::New(place));
    }
}
