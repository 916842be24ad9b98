//! An index changed in place: a few places added, changed or removed without writing the
//! others again.
//!
//! Writing a whole index spends most of its time in tantivy, analysing every place's text (9 s
//! of 12 at a million places). An index changed in place reuses the text index it was made
//! from: its files are linked into a new directory (tantivy never rewrites a file, it writes
//! new ones and renames its `meta.json` over the old), the documents of the places that
//! changed or went are deleted, the new ones added, and the whole merged into one segment
//! again. Merging copies postings without analysing anything, and it leaves the index as a
//! fresh write would: one segment, no deleted document, so that term statistics, and with them
//! every score, are those of an index written from scratch on the same places.
//!
//! The places themselves stay in memory: nothing of them is written, as the change store holds
//! what was changed and a restart builds the index again from it.

use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use tantivy::query::{ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Index, IndexReader, ReloadPolicy, Score, SegmentReader, TERMINATED};

use super::schema::{register_analyzers, TextFields};
use super::{DocKeys, Manifest, PlaceIndex, TEXT};
use crate::place::Place;
use crate::{Error, Result};

/// Memory for tantivy's indexing buffer: a batch is a few documents.
const BATCH_MEMORY: usize = 32 * 1024 * 1024;

/// A place of an index changed in place, in its new order.
#[derive(Debug)]
pub enum Entry {
    /// The place of this ordinal in the index changed, as it was.
    Kept(u32),
    /// A place added, or a new version of one (boxed: a million entries are mostly kept ones).
    New(Box<Place>),
}

impl PlaceIndex {
    /// This index with `entries` as its places, in their order: its text index amended in a
    /// new directory `dir`, whose documents of places kept are reused. `manifest` describes
    /// the new index. `beside` is given the new places (with where the old ones went) and runs
    /// while the text index is amended (the merge takes a core for most of a second at a
    /// million places); its answer comes back with the index.
    ///
    /// # Errors
    /// [`Error::NoPlaces`] when `entries` is empty; I/O and tantivy errors; [`Error::InvalidIndex`]
    /// when the text index amended does not hold one document per place. This index is
    /// untouched either way.
    pub fn amended<T: Send>(
        &self,
        entries: Vec<Entry>,
        manifest: Manifest,
        dir: &Path,
        beside: impl FnOnce(Moved<'_>) -> T + Send,
    ) -> Result<(Self, T)> {
        if entries.is_empty() {
            return Err(Error::NoPlaces);
        }
        let mut ordinal_now: Vec<Option<u32>> = vec![None; self.places.len()];
        let mut next = self.keys.next(self.places.len());
        let mut keys = Vec::with_capacity(entries.len());
        let mut added = Vec::new();
        let places: Vec<Place> = entries
            .into_iter()
            .map(|entry| match entry {
                Entry::Kept(ordinal) => {
                    ordinal_now[ordinal as usize] = Some(ordinal_of(keys.len()));
                    keys.push(self.keys.key(ordinal));
                    self.places[ordinal as usize].clone()
                }
                Entry::New(place) => {
                    keys.push(next);
                    added.push((next, keys.len() - 1));
                    next += 1;
                    *place
                }
            })
            .collect();
        let gone: HashSet<u64> = (0u32..)
            .zip(&ordinal_now)
            .filter(|(_, now)| now.is_none())
            .map(|(ordinal, _)| u64::from(self.keys.key(ordinal)))
            .collect();
        let (text, (tree, beside)) = std::thread::scope(|scope| {
            let text = scope.spawn({
                let (added, places) = (&added, &places);
                move || self.amend_text(gone, added, places, dir)
            });
            let tree = self.tree.amended(
                &ordinal_now,
                added.iter().map(|(_, at)| {
                    let place = &places[*at];
                    (ordinal_of(*at), (place.longitude, place.latitude))
                }),
            );
            let new: Vec<u32> = added.iter().map(|(_, at)| ordinal_of(*at)).collect();
            let beside = beside(Moved {
                places: &places,
                ordinal_now: &ordinal_now,
                new: &new,
            });
            (crate::join_scoped(text), (tree, beside))
        });
        let (text, reader, fields) = text?;
        Ok((
            Self {
                manifest,
                tree,
                keys: DocKeys::new(keys, next),
                places,
                text,
                reader,
                fields,
                dir: dir.to_owned(),
            },
            beside,
        ))
    }

    /// This index's text index, linked into `dir`, with the documents of keys `gone` deleted
    /// and those of `added` (a key and a position in `places`) added, in one segment.
    fn amend_text(
        &self,
        gone: HashSet<u64>,
        added: &[(u32, usize)],
        places: &[Place],
        dir: &Path,
    ) -> Result<(Index, IndexReader, TextFields)> {
        let text_dir = dir.join(TEXT);
        link_files(&self.dir.join(TEXT), &text_dir)?;
        let text = Index::open_in_dir(&text_dir)?;
        register_analyzers(&text);
        let fields = TextFields::from_schema(&text.schema())?;
        if !gone.is_empty() || !added.is_empty() {
            let mut writer =
                text.writer_with_num_threads::<tantivy::TantivyDocument>(1, BATCH_MEMORY)?;
            if !gone.is_empty() {
                writer.delete_query(Box::new(KeySetQuery(Arc::new(gone))))?;
            }
            for (key, at) in added {
                writer.add_document(fields.document(*key, &places[*at]))?;
            }
            writer.commit()?;
            // One segment and no deleted document, as `write_index` leaves it.
            let segments = text.searchable_segment_ids()?;
            writer.merge(&segments).wait()?;
            writer.wait_merging_threads()?;
        }
        let reader: IndexReader = text
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let (documents, segments) = (searcher.num_docs(), searcher.segment_readers().len());
        if documents != places.len() as u64 || segments != 1 {
            return Err(Error::InvalidIndex {
                path: dir.to_owned(),
                message: format!(
                    "the amended text index holds {documents} documents in {segments} segments \
                     for {} places",
                    places.len()
                ),
            });
        }
        Ok((text, reader, fields))
    }
}

/// The places of an index changed in place, and where the places of the index it was changed
/// from went.
#[derive(Clone, Copy, Debug)]
pub struct Moved<'a> {
    /// The places, by their new ordinal.
    pub places: &'a [Place],
    /// The new ordinal of each place of the index changed, by its ordinal there; `None` for a
    /// place gone (closed, or replaced by a new version).
    pub ordinal_now: &'a [Option<u32>],
    /// The ordinals of the new places and new versions, in order.
    pub new: &'a [u32],
}

impl Moved<'_> {
    /// The ordinals whose place is not the one the index changed had there (a new place, a
    /// new version, a place moved into a closed one's position), in order: what is kept by
    /// ordinal elsewhere holds at every other ordinal below both indexes' lengths.
    #[must_use]
    pub fn changed(&self) -> Vec<u32> {
        (0..ordinal_of(self.places.len()))
            .filter(|&ordinal| {
                self.ordinal_now.get(ordinal as usize).copied().flatten() != Some(ordinal)
            })
            .collect()
    }

    /// The number of places of the index changed.
    #[must_use]
    pub fn before(&self) -> usize {
        self.ordinal_now.len()
    }
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

/// The documents whose key is in a set: what a batch deletes.
#[derive(Clone, Debug)]
struct KeySetQuery(Arc<HashSet<u64>>);

impl Query for KeySetQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for KeySetQuery {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let column = reader.fast_fields().u64(TextFields::ORDINAL)?;
        let docs = (0..reader.max_doc())
            .filter(|doc| column.first(*doc).is_some_and(|key| self.0.contains(&key)))
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
