//! An index changed in place: a few places added, changed or removed without writing the
//! others again.
//!
//! Writing a whole index spends most of its time in tantivy, analysing every place's text (9 s
//! of 12 at a million places). An index changed in place reuses the text index it was made
//! from: its files are linked into a new directory (tantivy never rewrites a file, it writes
//! new ones and renames its `meta.json` over the old).
//!
//! The text index then has two segments at most. The first is the one the last rebuild wrote,
//! never merged again (merging a million documents takes a core for most of a second): the
//! old versions of the places a batch changed or closed are deleted from it, and what those
//! deleted documents still count in its statistics is kept beside it ([`DeletedStats`]), so
//! that scores are a fresh index's. The second holds every place added or changed since the
//! rebuild, written afresh by each batch: the batch deletes it whole (tantivy drops a segment
//! with no document left) and adds its places again with the new ones, a few thousand
//! documents at most, analysed exactly.
//!
//! The places themselves stay in memory: nothing of them is written, as the change store holds
//! what was changed and a restart builds the index again from it.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use tantivy::indexer::NoMergePolicy;
use tantivy::query::{ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Index, IndexReader, ReloadPolicy, Score, SegmentReader, TERMINATED};

use super::deleted::DeletedStats;
use super::places::Places;
use super::schema::{register_analyzers, TextFields};
use super::{DocKeys, Manifest, PlaceIndex, TEXT};
use crate::place::Place;
use crate::{Error, Result};

/// Memory for tantivy's indexing buffer: a batch is a few documents.
const BATCH_MEMORY: usize = 32 * 1024 * 1024;

/// The places of an index changed in place, in their new order: the index's own, but at the
/// ordinals a batch changed.
#[derive(Debug, Default)]
pub struct Entries {
    /// How many places.
    pub len: u32,
    /// What each ordinal the batch changed holds now, sorted by ordinal: every ordinal past
    /// the index's places is one of them.
    pub changed: Vec<(u32, Entry)>,
}

/// What an ordinal changed by a batch holds.
#[derive(Debug)]
pub enum Entry {
    /// The place of this ordinal in the index changed, as it was (moved into a closed place's
    /// ordinal).
    Kept(u32),
    /// A place added, or a new version of one.
    New(Arc<Place>),
}

impl Entry {
    /// The place it holds, `before` being the places of the index changed.
    #[must_use]
    pub fn place<'a>(&'a self, before: &'a Places) -> &'a Place {
        match self {
            Entry::Kept(ordinal) => &before[*ordinal as usize],
            Entry::New(place) => place,
        }
    }
}

impl Entries {
    /// Whether these places stand where `before`'s stand, ordinal for ordinal: then what is
    /// made of the positions alone (a cluster hierarchy, the unit vectors) is the same.
    #[must_use]
    pub fn moves_no_place(&self, before: &Places) -> bool {
        self.len as usize == before.len()
            && (self.changed.iter()).all(|(at, entry)| {
                entry.place(before).position_bits() == before[*at as usize].position_bits()
            })
    }

    /// The places added, and the new versions.
    pub fn new_places(&self) -> impl Iterator<Item = (u32, &Place)> {
        self.changed.iter().filter_map(|(at, entry)| match entry {
            Entry::New(place) => Some((*at, &**place)),
            Entry::Kept(_) => None,
        })
    }
}

impl PlaceIndex {
    /// This index with `entries` as its places, in their order: its text index amended in a
    /// new directory `dir`, whose documents of places kept are reused. `manifest` describes
    /// the new index. `beside` is given the new places (with where the old ones went) and runs
    /// while the text index is amended; its answer comes back with the index.
    ///
    /// # Errors
    /// [`Error::NoPlaces`] when `entries` hold no place; I/O and tantivy errors;
    /// [`Error::InvalidIndex`] when the text index amended does not hold one document per
    /// place. This index is untouched either way.
    pub fn amended<T: Send>(
        &self,
        entries: Entries,
        manifest: Manifest,
        dir: &Path,
        beside: impl FnOnce(Moved<'_>) -> T + Send,
    ) -> Result<Amended<T>> {
        if entries.len == 0 {
            return Err(Error::NoPlaces);
        }
        let (before, len) = (self.places.len(), entries.len as usize);
        let moves_no_place = entries.moves_no_place(&self.places);
        // Every place stays at its ordinal, but those the batch changed or cut off the end.
        let mut ordinal_now: Vec<Option<u32>> = (0..ordinal_of(before))
            .map(|ordinal| (ordinal < entries.len).then_some(ordinal))
            .collect();
        for (at, _) in &entries.changed {
            if let Some(now) = ordinal_now.get_mut(*at as usize) {
                *now = None;
            }
        }
        let mut next = self.keys.next(before);
        let mut keys = self.keys.first_keys(len);
        keys.resize(len, 0);
        let mut new = Vec::new();
        let mut changed = Vec::with_capacity(entries.changed.len());
        for (at, entry) in entries.changed {
            let place = match entry {
                Entry::Kept(ordinal) => {
                    ordinal_now[ordinal as usize] = Some(at);
                    keys[at as usize] = self.keys.key(ordinal);
                    Arc::clone(&self.places[ordinal as usize])
                }
                Entry::New(place) => {
                    keys[at as usize] = next;
                    next += 1;
                    new.push(at);
                    place
                }
            };
            changed.push((at, place));
        }
        let places = self.places.amended(len, &changed);
        let written = self.keys.written_count(before);
        // The places gone are among those whose ordinal changed or was cut off the end.
        let gone: Vec<u32> = (changed.iter().map(|(at, _)| *at))
            .filter(|at| (*at as usize) < before)
            .chain(entries.len..ordinal_of(before))
            .filter(|ordinal| ordinal_now[*ordinal as usize].is_none())
            .collect();
        let (text, (tree, beside)) = std::thread::scope(|scope| {
            let text = scope.spawn({
                let (keys, places, gone) = (&keys, &places, &gone);
                move || self.amend_text(gone, keys, written, places, dir)
            });
            let tree = self.tree.amended(
                &ordinal_now,
                new.iter().map(|at| {
                    let place = &places[*at as usize];
                    (*at, (place.longitude, place.latitude))
                }),
            );
            let beside = beside(Moved {
                before: &self.places,
                places: &places,
                ordinal_now: &ordinal_now,
                changed_places: &changed,
                new: &new,
                moves_no_place,
            });
            (crate::join_scoped(text), (tree, beside))
        });
        let (text, reader, fields, deleted) = text?;
        Ok(Amended {
            index: Self {
                manifest,
                tree,
                keys: DocKeys::new(keys, next, written),
                places,
                text,
                reader,
                fields,
                dir: dir.to_owned(),
                deleted,
            },
            beside,
            ordinal_now,
        })
    }

    /// This index's text index, linked into `dir`, for the places `places` whose documents
    /// have the keys `keys`: the documents of the places `gone` (by their ordinal here)
    /// deleted from the first segment, and counted in the deleted statistics, and a second
    /// segment written afresh with every place whose key is not one of the `written` first.
    fn amend_text(
        &self,
        gone: &[u32],
        keys: &[u32],
        written: u32,
        places: &Places,
        dir: &Path,
    ) -> Result<(Index, IndexReader, TextFields, Arc<DeletedStats>)> {
        let text_dir = dir.join(TEXT);
        link_files(&self.dir.join(TEXT), &text_dir)?;
        let text = Index::open_in_dir(&text_dir)?;
        register_analyzers(&text);
        let fields = TextFields::from_schema(&text.schema())?;
        let mut deleted = DeletedStats::clone(&self.deleted);
        // One bit per key written at the rebuild: the delete query asks every document of the
        // first segment whether its key is one of them (a hash lookup each was 40 ms at a
        // million places, most of a batch's commit).
        let mut deletes = vec![0u64; (written as usize).div_ceil(64)];
        let mut deleting = false;
        for ordinal in gone {
            let key = self.keys.key(*ordinal);
            if key < written {
                let document = fields.document(key, &self.places[*ordinal as usize]);
                deleted.add(&text, &document)?;
                deletes[key as usize / 64] |= 1 << (key % 64);
                deleting = true;
            }
        }
        let recent = || (0u32..).zip(keys).filter(|(_, key)| **key >= written);
        let had_recent = self.keys.of_ordinal.iter().any(|key| *key >= written);
        if deleting || had_recent || recent().next().is_some() {
            let mut writer =
                text.writer_with_num_threads::<tantivy::TantivyDocument>(1, BATCH_MEMORY)?;
            writer.set_merge_policy(Box::new(NoMergePolicy));
            writer.delete_query(Box::new(KeySetQuery {
                keys: Arc::new(deletes),
                from: u64::from(written),
            }))?;
            for (ordinal, key) in recent() {
                writer.add_document(fields.document(*key, &places[ordinal as usize]))?;
            }
            writer.commit()?;
            writer.wait_merging_threads()?;
        }
        let reader: IndexReader = text
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let (documents, segments) = (searcher.num_docs(), searcher.segment_readers().len());
        if documents != places.len() as u64 || segments > 2 {
            return Err(Error::InvalidIndex {
                path: dir.to_owned(),
                message: format!(
                    "the amended text index holds {documents} documents in {segments} segments \
                     for {} places",
                    places.len()
                ),
            });
        }
        Ok((text, reader, fields, Arc::new(deleted)))
    }
}

/// An index changed in place ([`PlaceIndex::amended`]).
pub struct Amended<T> {
    /// The new index.
    pub index: PlaceIndex,
    /// What the work done beside the text index answered.
    pub beside: T,
    /// The new ordinal of each place of the index changed, by its ordinal there; `None` for a
    /// place gone (closed, or replaced by a new version): what maps the documents its text
    /// index kept to their places now.
    pub ordinal_now: Vec<Option<u32>>,
}

/// The places of an index changed in place, and where the places of the index it was changed
/// from went.
#[derive(Clone, Copy, Debug)]
pub struct Moved<'a> {
    /// The places of the index changed, by their ordinal there.
    pub before: &'a Places,
    /// The places, by their new ordinal.
    pub places: &'a Places,
    /// The new ordinal of each place of the index changed, by its ordinal there; `None` for a
    /// place gone (closed, or replaced by a new version).
    pub ordinal_now: &'a [Option<u32>],
    /// The ordinals whose place is not the one the index changed had there, in order, with
    /// their place now.
    pub changed_places: &'a [(u32, Arc<Place>)],
    /// The ordinals of the new places and new versions, in order.
    pub new: &'a [u32],
    /// Whether every place stands where the index changed had one ([`Entries::moves_no_place`]).
    pub moves_no_place: bool,
}

impl Moved<'_> {
    /// The ordinals whose place is not the one the index changed had there (a new place, a
    /// new version, a place moved into a closed one's position), in order: what is kept by
    /// ordinal elsewhere holds at every other ordinal below both indexes' lengths.
    #[must_use]
    pub fn changed(&self) -> Vec<u32> {
        self.changed_places.iter().map(|(at, _)| *at).collect()
    }
}

/// [`Moved::changed`], from where each place went (`ordinal_now`) and how many places there
/// are now.
#[must_use]
pub fn changed_ordinals(ordinal_now: &[Option<u32>], places: usize) -> Vec<u32> {
    (0..ordinal_of(places))
        .filter(|&ordinal| ordinal_now.get(ordinal as usize).copied().flatten() != Some(ordinal))
        .collect()
}

/// The ordinal of the place at `at`.
fn ordinal_of(at: usize) -> u32 {
    u32::try_from(at).expect("fewer than 2^32 places")
}

/// Links (or copies, across file systems) the files of the text index in `from` into a new
/// directory `to`; tantivy's lock files are left behind.
fn link_files(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
    for entry in fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        let name = entry.file_name();
        if name.to_string_lossy().ends_with(".lock") {
            continue;
        }
        let target = to.join(&name);
        if fs::hard_link(entry.path(), &target).is_err() {
            fs::copy(entry.path(), &target).map_err(|e| Error::io(&target, e))?;
        }
    }
    Ok(())
}

/// The documents whose key is in a set (a bitmap of the keys below `from`) or at least `from`:
/// what a batch deletes.
#[derive(Clone, Debug)]
struct KeySetQuery {
    keys: Arc<Vec<u64>>,
    from: u64,
}

impl KeySetQuery {
    /// Whether `key` (below `from`) is in the set.
    fn has(&self, key: u64) -> bool {
        usize::try_from(key / 64)
            .ok()
            .and_then(|word| self.keys.get(word))
            .is_some_and(|word| word & 1 << (key % 64) != 0)
    }
}

impl Query for KeySetQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for KeySetQuery {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let column = reader.fast_fields().u64(TextFields::ORDINAL)?;
        let docs = (0..reader.max_doc())
            .filter(|doc| {
                column
                    .first(*doc)
                    .is_some_and(|key| key >= self.from || self.has(key))
            })
            .collect();
        Ok(Box::new(ConstScorer::new(DocList::new(docs), 0.0)))
    }

    fn explain(&self, _reader: &SegmentReader, _doc: DocId) -> tantivy::Result<Explanation> {
        Ok(Explanation::new("a document a batch replaces", 0.0))
    }
}

/// A sorted list of documents.
struct DocList {
    docs: Vec<DocId>,
    at: usize,
}

impl DocList {
    fn new(docs: Vec<DocId>) -> Self {
        Self { docs, at: 0 }
    }
}

impl DocSet for DocList {
    fn advance(&mut self) -> DocId {
        self.at = (self.at + 1).min(self.docs.len());
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.docs.get(self.at).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        u32::try_from(self.docs.len()).unwrap_or(u32::MAX)
    }
}
