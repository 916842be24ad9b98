//! Between places and tantivy documents.
//!
//! Tantivy numbers documents per segment, in whatever order its indexing threads produced
//! them; places are numbered by their ordinal in `places.bin`. [`DocMap`] holds both directions,
//! read once from the `ordinal` fast field when an index is loaded, so that a hit becomes a
//! place with one array read and a set of places (the R-tree's answer to a radius query)
//! becomes a set of documents.
//!
//! [`OrdinalSetQuery`] is that set as a tantivy query. Added as a required clause to a text
//! query, it lets tantivy's intersection lead with the smaller side: a radius query over a
//! million places then seeks the text postings at a few thousand documents instead of scoring
//! every text match in France.

use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::query::{ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED};

use crate::store::schema::TextFields;
use crate::store::DocKeys;

/// Places ↔ documents of one searcher's segments.
#[derive(Debug)]
pub struct DocMap {
    /// The segments, in the searcher's order.
    segments: Vec<SegmentId>,
    /// The ordinal of each document, per segment.
    ordinals: Vec<Vec<u32>>,
    /// The document of each ordinal.
    addresses: Vec<DocAddress>,
    /// The bitmaps of the queries of [`DocMap::query_for`] that no search holds any more.
    free: Arc<FreeBitmaps>,
}

/// Cleared per-segment bitmaps, waiting for a search: a fresh one per search would cost page
/// faults, and TLB flushes on every core when the allocator gives its pages back.
type FreeBitmaps = Mutex<Vec<Vec<Vec<u64>>>>;

impl DocMap {
    /// The ordinal of a document deleted (a place's old version, still in its segment).
    pub const DELETED: u32 = u32::MAX;

    /// Reads the map from the `ordinal` fast field of every document of `searcher`, which holds
    /// the document's key (`keys`); deleted documents map to [`DocMap::DELETED`].
    ///
    /// # Errors
    /// When the fast field is missing, or a document has no key or one no place has.
    pub fn build(searcher: &Searcher, places: usize, keys: &DocKeys) -> tantivy::Result<Self> {
        Self::of_segments(searcher, places, |segment_ord, reader| {
            Self::read_segment(segment_ord, reader, places, keys)
        })
    }

    /// The map of `searcher`, the text index of an index changed in place from the one this
    /// map is of, whose places went where `ordinal_now` says (see
    /// [`crate::store::amend::Amended`]). A segment this map already knows holds the same
    /// documents, some of them deleted since: each keeps its place, at its new ordinal, with no
    /// fast field read. The others (the segment of recent places, written again by each batch)
    /// are read as [`DocMap::build`] reads them.
    ///
    /// # Errors
    /// As [`DocMap::build`], and when a document still alive belongs to a place gone.
    pub fn amended(
        &self,
        searcher: &Searcher,
        places: usize,
        keys: &DocKeys,
        ordinal_now: &[Option<u32>],
    ) -> tantivy::Result<Self> {
        Self::of_segments(searcher, places, |segment_ord, reader| {
            let known = self
                .segments
                .iter()
                .position(|id| *id == reader.segment_id())
                .map(|at| &self.ordinals[at])
                .filter(|ordinals| ordinals.len() == reader.max_doc() as usize);
            let Some(known) = known else {
                return Self::read_segment(segment_ord, reader, places, keys);
            };
            let alive = reader.alive_bitset();
            let mut of_doc = Vec::with_capacity(known.len());
            for (doc, &was) in (0u32..).zip(known) {
                let deleted = was == Self::DELETED || alive.is_some_and(|a| a.is_deleted(doc));
                let now = if deleted {
                    Self::DELETED
                } else {
                    ordinal_now
                        .get(was as usize)
                        .copied()
                        .flatten()
                        .ok_or_else(|| {
                            tantivy::TantivyError::InternalError(format!(
                                "document {doc} of segment {segment_ord} is of a place gone"
                            ))
                        })?
                };
                of_doc.push(now);
            }
            Ok(of_doc)
        })
    }

    /// The map of the segments of `searcher`, each segment's ordinals by document given by
    /// `segment_ordinals(segment_ord, reader)`.
    fn of_segments(
        searcher: &Searcher,
        places: usize,
        mut segment_ordinals: impl FnMut(u32, &SegmentReader) -> tantivy::Result<Vec<u32>>,
    ) -> tantivy::Result<Self> {
        let missing = DocAddress::new(u32::MAX, u32::MAX);
        let mut addresses = vec![missing; places];
        let mut segments = Vec::new();
        let mut ordinals = Vec::new();
        for (segment_ord, reader) in (0u32..).zip(searcher.segment_readers()) {
            let of_doc = segment_ordinals(segment_ord, reader)?;
            for (doc, &ordinal) in (0u32..).zip(&of_doc) {
                if ordinal == Self::DELETED {
                    continue;
                }
                let address = addresses.get_mut(ordinal as usize).ok_or_else(|| {
                    tantivy::TantivyError::InternalError(format!(
                        "document {doc} of segment {segment_ord} is of place {ordinal}, of {places}"
                    ))
                })?;
                *address = DocAddress::new(segment_ord, doc);
            }
            segments.push(reader.segment_id());
            ordinals.push(of_doc);
        }
        if addresses.contains(&missing) {
            return Err(tantivy::TantivyError::InternalError(
                "a place has no document in the text index".to_owned(),
            ));
        }
        Ok(Self {
            segments,
            ordinals,
            addresses,
            free: Arc::default(),
        })
    }

    /// The ordinal of each document of one segment, read from its `ordinal` fast field.
    fn read_segment(
        segment_ord: u32,
        reader: &SegmentReader,
        places: usize,
        keys: &DocKeys,
    ) -> tantivy::Result<Vec<u32>> {
        let column = reader.fast_fields().u64(TextFields::ORDINAL)?;
        let alive = reader.alive_bitset();
        (0..reader.max_doc())
            .map(|doc| {
                if alive.is_some_and(|alive| alive.is_deleted(doc)) {
                    return Ok(Self::DELETED);
                }
                column
                    .first(doc)
                    .and_then(|key| keys.ordinal(key, places))
                    .ok_or_else(|| {
                        tantivy::TantivyError::InternalError(format!(
                            "document {doc} of segment {segment_ord} has no valid ordinal"
                        ))
                    })
            })
            .collect()
    }

    /// Whether both map the same documents to the same places.
    #[cfg(test)]
    pub(crate) fn same_as(&self, other: &Self) -> bool {
        self.segments == other.segments
            && self.ordinals == other.ordinals
            && self.addresses == other.addresses
    }

    /// The number of segments.
    #[must_use]
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// The segments, in the searcher's order.
    #[must_use]
    pub fn segments(&self) -> &[SegmentId] {
        &self.segments
    }

    /// The ordinals of the documents of one segment, by document id.
    #[must_use]
    pub fn segment_ordinals(&self, segment_ord: usize) -> &[u32] {
        &self.ordinals[segment_ord]
    }

    /// A query matching the documents of `ordinals` (in any order).
    #[must_use]
    pub fn query_for(&self, ordinals: impl IntoIterator<Item = u32>) -> OrdinalSetQuery {
        // One bitmap per segment: setting bits costs no sort, and seeking in a bitmap is a
        // jump to a word.
        let free = self.free.lock().ok().and_then(|mut free| free.pop());
        let mut docs = free.unwrap_or_else(|| {
            let words = |segment: &Vec<u32>| vec![0; segment.len().div_ceil(64)];
            self.ordinals.iter().map(words).collect()
        });
        let mut lens = vec![0u32; docs.len()];
        for ordinal in ordinals {
            let address = self.addresses[ordinal as usize];
            let (segment, doc) = (address.segment_ord as usize, address.doc_id as usize);
            lens[segment] += u32::from(docs[segment][doc / 64] & 1 << (doc % 64) == 0);
            docs[segment][doc / 64] |= 1 << (doc % 64);
        }
        OrdinalSetQuery {
            segments: self.segments.clone(),
            docs: Arc::new(Bitmaps {
                segments: docs,
                free: Some(Arc::clone(&self.free)),
            }),
            lens,
        }
    }
}

/// The documents of a set of places, as a query scoring 0.
#[derive(Clone, Debug)]
pub struct OrdinalSetQuery {
    segments: Vec<SegmentId>,
    /// Per segment, a bitmap of its documents.
    docs: SegmentBitmaps,
    /// How many documents, per segment.
    lens: Vec<u32>,
}

impl Query for OrdinalSetQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for OrdinalSetQuery {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let segment = self
            .segments
            .iter()
            .position(|id| *id == reader.segment_id());
        let len = segment.map_or(0, |s| self.lens[s]);
        let docs = BitmapDocs::new(vec![Arc::clone(&self.docs)], segment, len);
        Ok(Box::new(ConstScorer::new(docs, 0.0)))
    }

    fn explain(&self, _reader: &SegmentReader, _doc: DocId) -> tantivy::Result<Explanation> {
        Ok(Explanation::new("in the set of places", 0.0))
    }
}

/// Per segment, a bitmap of its documents.
pub(super) type SegmentBitmaps = Arc<Bitmaps>;

/// Per segment, a bitmap of its documents, given back cleared to the pool it came from (if
/// any) once nothing holds it.
#[derive(Debug)]
pub(super) struct Bitmaps {
    segments: Vec<Vec<u64>>,
    free: Option<Arc<FreeBitmaps>>,
}

impl Bitmaps {
    /// Bitmaps that belong to no pool (a service's places, kept as long as the index).
    pub(super) fn kept(segments: Vec<Vec<u64>>) -> Self {
        Self {
            segments,
            free: None,
        }
    }
}

impl std::ops::Deref for Bitmaps {
    type Target = [Vec<u64>];
    fn deref(&self) -> &[Vec<u64>] {
        &self.segments
    }
}

impl Drop for Bitmaps {
    fn drop(&mut self) {
        let Some(pool) = self.free.take() else {
            return;
        };
        for segment in &mut self.segments {
            segment.fill(0);
        }
        if let Ok(mut free) = pool.lock() {
            free.push(std::mem::take(&mut self.segments));
        };
    }
}

/// The documents of one segment set in any of a few bitmaps (of an [`OrdinalSetQuery`], of a
/// need's services), as a doc set: the bitmaps are shared, not merged, so that a search
/// allocates nothing of the index's size.
pub(super) struct BitmapDocs {
    bitmaps: Vec<SegmentBitmaps>,
    segment: Option<usize>,
    doc: DocId,
    len: u32,
}

impl BitmapDocs {
    /// The documents of `segment` set in any of `bitmaps`, about `len` of them; none when
    /// `segment` is `None`.
    pub(super) fn new(bitmaps: Vec<SegmentBitmaps>, segment: Option<usize>, len: u32) -> Self {
        let segment = segment.filter(|&s| bitmaps.iter().all(|b| s < b.len()));
        let mut docs = Self {
            bitmaps,
            segment,
            doc: 0,
            len: if segment.is_some() { len } else { 0 },
        };
        docs.doc = docs.first_from(0);
        docs
    }

    /// The documents `64 * at..64 * (at + 1)`, as bits; `None` past the end.
    fn word(&self, at: usize) -> Option<u64> {
        let segment = self.segment?;
        match self.bitmaps.as_slice() {
            [one] => one[segment].get(at).copied(),
            many => many
                .iter()
                .map(|bitmaps| bitmaps[segment].get(at).copied())
                .try_fold(0, |union, word| word.map(|word| union | word)),
        }
    }

    /// The first document at or after `target`, or [`TERMINATED`].
    fn first_from(&self, target: DocId) -> DocId {
        let mut at = target as usize / 64;
        let Some(first) = self.word(at) else {
            return TERMINATED;
        };
        let mut word = first & (u64::MAX << (target % 64));
        loop {
            if word != 0 {
                return u32::try_from(at * 64).unwrap_or(TERMINATED) + word.trailing_zeros();
            }
            at += 1;
            match self.word(at) {
                Some(next) => word = next,
                None => return TERMINATED,
            }
        }
    }
}

impl DocSet for BitmapDocs {
    fn advance(&mut self) -> DocId {
        if self.doc != TERMINATED {
            self.doc = self.first_from(self.doc + 1);
        }
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc != TERMINATED && target > self.doc {
            self.doc = self.first_from(target);
        }
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.len
    }
}
