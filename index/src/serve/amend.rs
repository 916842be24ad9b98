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
//! fold is the same, and the places are ordered along the same curve with the same ties
//! ([`LiveIndex::ranks`]). A batch needs the changes the index was built with to be the first
//! of the accepted changes: a reverted change takes one out of the middle, and then only a
//! rebuild from the base data can tell what the changes after it do.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Instant, SystemTime};

use super::map::PlaceMap;
use super::{fresh_dir, ChangesApplied, LiveIndex, LiveOptions, OwnedDir};
use crate::changes::apply::{apply_onto, Applied, Places};
use crate::changes::AcceptedChange;
use crate::place::Place;
use crate::search::SearchIndex;
use crate::store::amend::Entry;
use crate::store::{spatial_key, Manifest};
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
            touched: HashMap::new(),
            next_rank: self.next_rank,
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
        let Batch {
            touched, next_rank, ..
        } = places;
        let gone: Vec<&Place> = touched
            .keys()
            .filter_map(|id| self.place_record(id))
            .collect();
        let (entries, ranks) = self.entries(touched);
        let manifest = self.manifest_after(batch, entries.len());
        let dir = OwnedDir(fresh_dir(work_dir));
        let mut stages = vec![("batch applied to the places served", started.elapsed())];
        let amending = Instant::now();
        // While the text index is amended, the structures that need only the places are made.
        let (index, (parts, whole, beside)) =
            self.index.amended(entries, manifest, &dir.0, |moved| {
                std::thread::scope(|scope| {
                    let whole = scope.spawn(|| {
                        let started = Instant::now();
                        (
                            PlaceMap::of_places(moved.places, options.cluster),
                            started.elapsed(),
                        )
                    });
                    let started = Instant::now();
                    let parts = self
                        .search
                        .amended_structures(moved, &gone, &options.freshness);
                    let searched = started.elapsed();
                    let (whole, clustered) = crate::join_scoped(whole);
                    (parts, whole, [searched, clustered])
                })
            })?;
        stages.push(("places copied and text index amended", amending.elapsed()));
        stages.push(("meanwhile: search structures of the places", beside[0]));
        stages.push(("meanwhile: cluster hierarchy", beside[1]));
        let searched = Instant::now();
        let search = SearchIndex::with_text(&index, parts)?;
        stages.push(("search structures of the text", searched.elapsed()));
        let mut live = Self::prepared(index, search, whole?, stages, started, options)?;
        live.owned_dir = Some(dir);
        live.ranks = ranks;
        live.next_rank = next_rank;
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

    /// The id of the place `ordinal`.
    fn id_at(&self, ordinal: u32) -> &str {
        self.index.places[ordinal as usize].id()
    }

    /// The places of the index a batch makes, in order, and their ranks: the places it did not
    /// touch as they are, and the versions it made of the others (closed ones left out), each
    /// where its key and rank place it. The places served are in that order already, so each
    /// version's place among them is a binary search away.
    fn entries(&self, touched: HashMap<String, Option<(u32, Place)>>) -> (Vec<Entry>, Vec<u32>) {
        let places = &self.index.places;
        let mut replaced = vec![false; places.len()];
        let mut versions = Vec::new();
        for (id, version) in touched {
            if let Some(ordinal) = self.search.ordinal_of(&self.index, &id) {
                replaced[ordinal as usize] = true;
            }
            if let Some((rank, place)) = version {
                let at = (spatial_key(&place), rank);
                let ordinal = partition_point(places.len(), |o| {
                    (spatial_key(&places[o]), self.ranks[o]) < at
                });
                versions.push((ordinal, at, place));
            }
        }
        versions.sort_unstable_by_key(|(ordinal, at, _)| (*ordinal, *at));
        let mut versions = versions.into_iter().peekable();
        let mut entries = Vec::with_capacity(places.len() + versions.len());
        let mut ranks = Vec::with_capacity(entries.capacity());
        for (ordinal, replaced) in replaced.into_iter().enumerate() {
            while let Some((_, (_, rank), version)) = versions.next_if(|(at, ..)| *at == ordinal) {
                entries.push(Entry::New(Box::new(version)));
                ranks.push(rank);
            }
            if !replaced {
                entries.push(Entry::Kept(
                    u32::try_from(ordinal).expect("fewer than 2^32 places"),
                ));
                ranks.push(self.ranks[ordinal]);
            }
        }
        for (_, (_, rank), version) in versions {
            entries.push(Entry::New(Box::new(version)));
            ranks.push(rank);
        }
        (entries, ranks)
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

/// The places a live index serves, with the versions a batch made so far: by id, the new
/// version and its rank, or `None` for a place closed.
struct Batch<'a> {
    live: &'a LiveIndex,
    touched: HashMap<String, Option<(u32, Place)>>,
    next_rank: u32,
}

impl Places for Batch<'_> {
    fn current(&self, id: &str) -> Option<&Place> {
        match self.touched.get(id) {
            Some(version) => version.as_ref().map(|(_, place)| place),
            None => self.live.place_record(id),
        }
    }

    fn close(&mut self, id: &str) {
        self.touched.insert(id.to_owned(), None);
    }

    fn set(&mut self, id: &str, place: Place) {
        let rank = match self.touched.get(id) {
            Some(Some((rank, _))) => Some(*rank),
            Some(None) => None,
            None => self
                .live
                .search
                .ordinal_of(&self.live.index, id)
                .map(|ordinal| self.live.ranks[ordinal as usize]),
        };
        let rank = rank.unwrap_or_else(|| {
            self.next_rank += 1;
            self.next_rank - 1
        });
        self.touched.insert(id.to_owned(), Some((rank, place)));
    }
}

/// The first of `0..len` for which `before` is false, `before` being true then false.
fn partition_point(len: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut low, mut high) = (0, len);
    while low < high {
        let middle = low + (high - low) / 2;
        if before(middle) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    low
}
