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

use std::sync::Arc;

use tantivy::index::SegmentId;
use tantivy::query::{ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED};

use crate::text_index::TextFields;

/// Places ↔ documents of one searcher's segments.
#[derive(Debug)]
pub struct DocMap {
    /// The segments, in the searcher's order.
    segments: Vec<SegmentId>,
    /// The ordinal of each document, per segment.
    ordinals: Vec<Vec<u32>>,
    /// The document of each ordinal.
    addresses: Vec<DocAddress>,
}

impl DocMap {
    /// Reads the map from the `ordinal` fast field of every document of `searcher`.
    ///
    /// # Errors
    /// When the fast field is missing, or a document has no ordinal or one out of range.
    pub fn build(searcher: &Searcher, places: usize) -> tantivy::Result<Self> {
        let missing = DocAddress::new(u32::MAX, u32::MAX);
        let mut addresses = vec![missing; places];
        let mut segments = Vec::new();
        let mut ordinals = Vec::new();
        for (segment_ord, reader) in (0u32..).zip(searcher.segment_readers()) {
            let column = reader.fast_fields().u64(TextFields::ORDINAL)?;
            let mut of_doc = Vec::with_capacity(reader.max_doc() as usize);
            for doc in 0..reader.max_doc() {
                let ordinal = column
                    .first(doc)
                    .and_then(|o| u32::try_from(o).ok())
                    .filter(|o| (*o as usize) < places)
                    .ok_or_else(|| {
                        tantivy::TantivyError::InternalError(format!(
                            "document {doc} of segment {segment_ord} has no valid ordinal"
                        ))
                    })?;
                addresses[ordinal as usize] = DocAddress::new(segment_ord, doc);
                of_doc.push(ordinal);
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
        })
    }

    /// The ordinal of the place of a document.
    #[must_use]
    pub fn ordinal(&self, segment_ord: u32, doc: DocId) -> u32 {
        self.ordinals[segment_ord as usize][doc as usize]
    }

    /// The ordinals of the documents of one segment, by document id.
    #[must_use]
    pub fn segment_ordinals(&self, segment_ord: usize) -> &[u32] {
        &self.ordinals[segment_ord]
    }

    /// A query matching the documents of `ordinals`.
    #[must_use]
    pub fn query_for(&self, ordinals: impl IntoIterator<Item = u32>) -> OrdinalSetQuery {
        let mut docs = vec![Vec::new(); self.segments.len()];
        for ordinal in ordinals {
            let address = self.addresses[ordinal as usize];
            docs[address.segment_ord as usize].push(address.doc_id);
        }
        for segment in &mut docs {
            segment.sort_unstable();
        }
        OrdinalSetQuery {
            segments: self.segments.clone(),
            docs: Arc::new(docs),
        }
    }
}

/// The documents of a set of places, as a query scoring 0.
#[derive(Clone, Debug)]
pub struct OrdinalSetQuery {
    segments: Vec<SegmentId>,
    docs: Arc<Vec<Vec<DocId>>>,
}

impl Query for OrdinalSetQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for OrdinalSetQuery {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let docs = self
            .segments
            .iter()
            .position(|id| *id == reader.segment_id())
            .map(|i| self.docs[i].clone())
            .unwrap_or_default();
        Ok(Box::new(ConstScorer::new(
            SortedDocs { docs, cursor: 0 },
            0.0,
        )))
    }

    fn explain(&self, _reader: &SegmentReader, _doc: DocId) -> tantivy::Result<Explanation> {
        Ok(Explanation::new("in the set of places", 0.0))
    }
}

/// Sorted document ids as a doc set.
struct SortedDocs {
    docs: Vec<DocId>,
    cursor: usize,
}

impl DocSet for SortedDocs {
    fn advance(&mut self) -> DocId {
        self.cursor = (self.cursor + 1).min(self.docs.len());
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let rest = &self.docs[self.cursor..];
        self.cursor += rest.partition_point(|doc| *doc < target);
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.docs.get(self.cursor).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        u32::try_from(self.docs.len()).unwrap_or(u32::MAX)
    }
}
