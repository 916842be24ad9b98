//! What the documents deleted from a text index, but still in its segment, count in its
//! statistics.
//!
//! Tantivy deletes a document by marking it; its terms stay in the segment's postings and
//! term dictionary until the segment is merged, and BM25 reads `max_doc` and `doc_freq` summed
//! over segments, deleted documents included. An index changed in place deletes the old
//! versions of the places it changed from the segment written by the last rebuild and never
//! merges it (a merge of a million documents takes a core for most of a second): scores equal
//! a fresh index's only once the statistics take out what the deleted documents still count.
//! [`DeletedStats`] is that: their number, their tokens per field and, per term, how many of
//! them hold it, found by analysing the deleted versions' texts as the index did.

use std::collections::HashMap;

use tantivy::schema::{Field, Value};
use tantivy::{Index, TantivyDocument, Term};

use crate::Result;

/// The documents deleted from an index's segments but still in them.
#[derive(Clone, Debug, Default)]
pub struct DeletedStats {
    /// How many.
    pub docs: u64,
    /// Their tokens, per field.
    pub tokens: HashMap<Field, u64>,
    /// Per term, how many of them hold it.
    pub terms: HashMap<Term, u64>,
}

impl DeletedStats {
    /// Counts `document` of `index` as deleted: its terms analysed by the index's own
    /// analysers, field by field, as tantivy indexed them.
    ///
    /// # Errors
    /// When a field of the document has no analyser in `index`.
    pub fn add(&mut self, index: &Index, document: &TantivyDocument) -> Result<()> {
        self.docs += 1;
        let mut held: Vec<Term> = Vec::new();
        for (field, value) in document.field_values() {
            let Some(text) = value.as_value().as_str() else {
                continue;
            };
            let mut analyser = index.tokenizer_for_field(field)?;
            let mut stream = analyser.token_stream(text);
            let mut tokens = 0;
            while let Some(token) = stream.next() {
                tokens += 1;
                held.push(Term::from_field_text(field, &token.text));
            }
            *self.tokens.entry(field).or_default() += tokens;
        }
        held.sort_unstable();
        held.dedup();
        for term in held {
            *self.terms.entry(term).or_default() += 1;
        }
        Ok(())
    }
}
