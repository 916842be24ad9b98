//! The statistics BM25 scores with: the searcher's, less what its deleted documents count.
//!
//! Tantivy sums `max_doc` and `doc_freq` over segments, deleted documents included; an index
//! changed in place keeps the documents it deleted in its first segment
//! ([`crate::store::amend`]), with what they count ([`DeletedStats`]). [`TextStatistics`]
//! takes that out, so that every score, and every test of whether a word is in the index,
//! is a fresh index's.

use tantivy::query::{Bm25StatisticsProvider, EnableScoring};
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use crate::store::deleted::DeletedStats;

/// A searcher's statistics without its deleted documents.
#[derive(Clone, Copy)]
pub struct TextStatistics<'a> {
    searcher: &'a Searcher,
    deleted: &'a DeletedStats,
}

impl<'a> TextStatistics<'a> {
    /// The statistics of `searcher`, whose segments still hold the `deleted` documents.
    #[must_use]
    pub fn new(searcher: &'a Searcher, deleted: &'a DeletedStats) -> Self {
        Self { searcher, deleted }
    }

    /// The searcher.
    #[must_use]
    pub fn searcher(&self) -> &'a Searcher {
        self.searcher
    }

    /// Scoring with these statistics.
    #[must_use]
    pub fn scoring(&self) -> EnableScoring<'_> {
        EnableScoring::enabled_from_statistics_provider(self, self.searcher)
    }

    /// Whether a document not deleted holds `term`, which a term dictionary of the searcher
    /// lists: only a term some deleted document held needs counting.
    ///
    /// # Errors
    /// When the term's field is not indexed.
    pub fn lists_living(&self, term: &Term) -> tantivy::Result<bool> {
        match self.deleted.terms.get(term) {
            Some(deleted) => Ok(self.searcher.doc_freq(term)? > *deleted),
            None => Ok(true),
        }
    }

    /// The number of documents not deleted that hold `term`.
    ///
    /// # Errors
    /// When the term's field is not indexed.
    pub fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let all = self.searcher.doc_freq(term)?;
        Ok(all.saturating_sub(self.deleted.terms.get(term).copied().unwrap_or(0)))
    }
}

impl Bm25StatisticsProvider for TextStatistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        let all = Bm25StatisticsProvider::total_num_tokens(self.searcher, field)?;
        Ok(all.saturating_sub(self.deleted.tokens.get(&field).copied().unwrap_or(0)))
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        let all = Bm25StatisticsProvider::total_num_docs(self.searcher)?;
        Ok(all.saturating_sub(self.deleted.docs))
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        TextStatistics::doc_freq(self, term)
    }
}
