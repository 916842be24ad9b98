//! Typos and prefixes, expanded into the index's own terms.
//!
//! Tantivy's fuzzy and prefix queries match every document of every matching term eagerly, in a
//! bitset over the whole segment: a prefix query for "demarch" over a million places reads half
//! a million postings even when a radius leaves a few thousand candidates. Here the automaton
//! (a Levenshtein DFA, or a prefix DFA) is run over the term dictionary only, to list the terms
//! it accepts; each term then becomes an ordinary term query, whose postings tantivy skips
//! through lazily, so an intersection with a small set of places stays small.
//!
//! An expanded term keeps where its postings are in each segment ([`ExpandedTerm`]), found once
//! when it is expanded: a completion opens the postings of up to [`MAX_EXPANSIONS`] terms a
//! word, and looking each one up in the term dictionary again was a tenth of its time.

use std::collections::BTreeSet;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, OnceLock};

use lru::LruCache;

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA, SINK_STATE};
use tantivy::index::SegmentId;
use tantivy::postings::TermInfo;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};
use tantivy_fst::Automaton;

/// The most terms one word expands to in one field. A prefix of one or two letters can start
/// thousands of words; the first ones in dictionary order, the shortest among them, are kept.
pub const MAX_EXPANSIONS: usize = 32;

/// How a word matches terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Expansion {
    /// Terms starting with the word.
    Prefix,
    /// Terms one edit away (a transposition counting as one).
    OneTypo,
    /// Terms starting with something one edit away from the word.
    PrefixOneTypo,
}

struct Dfa(DFA);

impl Automaton for Dfa {
    type State = u32;

    fn start(&self) -> u32 {
        self.0.initial_state()
    }

    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }

    fn can_match(&self, state: &u32) -> bool {
        *state != SINK_STATE
    }

    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

fn builder(distance: u8) -> &'static LevenshteinAutomatonBuilder {
    static EXACT: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    static ONE: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    let cell = if distance == 0 { &EXACT } else { &ONE };
    cell.get_or_init(|| LevenshteinAutomatonBuilder::new(distance, true))
}

/// A term a word expanded to, and where its postings are.
#[derive(Debug)]
pub struct ExpandedTerm {
    text: String,
    /// Its postings in each segment of the searcher it was expanded against (`None` where
    /// the segment does not hold it).
    postings: Box<[(SegmentId, Option<TermInfo>)]>,
}

impl ExpandedTerm {
    /// The term's text.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Where the term's postings are in `segment`: `Some(None)` when the segment does not
    /// hold it, `None` when the segment is not one it was expanded against.
    #[must_use]
    pub fn postings_in(&self, segment: SegmentId) -> Option<Option<&TermInfo>> {
        self.postings
            .iter()
            .find(|(id, _)| *id == segment)
            .map(|(_, info)| info.as_ref())
    }
}

/// Remembered expansions: (field, kind, word) → terms.
type ExpansionCache = LruCache<(Field, Expansion, String), Arc<[Arc<ExpandedTerm>]>>;

/// Expansions against one searcher's term dictionaries, remembered: people search for the same
/// words again and again, and walking a dictionary with a Levenshtein automaton costs more than
/// the rest of a search near a position.
pub struct Expansions {
    searcher: Searcher,
    cache: Mutex<ExpansionCache>,
}

impl Expansions {
    /// Expansions against `searcher`, remembering up to `capacity` of them.
    #[must_use]
    pub fn new(searcher: Searcher, capacity: usize) -> Self {
        Self {
            searcher,
            cache: Mutex::new(LruCache::new(
                NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    /// The searcher whose terms are expanded.
    #[must_use]
    pub fn searcher(&self) -> &Searcher {
        &self.searcher
    }

    /// The terms of `field` that `word` matches as `how` says, at most [`MAX_EXPANSIONS`],
    /// without `word` itself.
    ///
    /// # Errors
    /// When a term dictionary cannot be read.
    pub fn terms(
        &self,
        field: Field,
        word: &str,
        how: Expansion,
    ) -> tantivy::Result<Arc<[Arc<ExpandedTerm>]>> {
        let key = (field, how, word.to_owned());
        if let Some(terms) = self.lock().get(&key) {
            return Ok(Arc::clone(terms));
        }
        let dfa = Dfa(match how {
            Expansion::Prefix => builder(0).build_prefix_dfa(word),
            Expansion::OneTypo => builder(1).build_dfa(word),
            Expansion::PrefixOneTypo => builder(1).build_prefix_dfa(word),
        });
        let mut terms = BTreeSet::new();
        for reader in self.searcher.segment_readers() {
            let index = reader.inverted_index(field)?;
            let mut stream = index.terms().search(&dfa).into_stream()?;
            while terms.len() < MAX_EXPANSIONS && stream.advance() {
                if let Ok(term) = std::str::from_utf8(stream.key()) {
                    if term != word {
                        terms.insert(term.to_owned());
                    }
                }
            }
        }
        let terms: Arc<[Arc<ExpandedTerm>]> = terms
            .into_iter()
            .take(MAX_EXPANSIONS)
            .map(|text| self.locate(field, text))
            .collect::<tantivy::Result<_>>()?;
        self.lock().put(key, Arc::clone(&terms));
        Ok(terms)
    }

    /// The term `text` of `field`, with its postings in every segment.
    fn locate(&self, field: Field, text: String) -> tantivy::Result<Arc<ExpandedTerm>> {
        let term = Term::from_field_text(field, &text);
        let postings = self
            .searcher
            .segment_readers()
            .iter()
            .map(|reader| {
                let info = reader.inverted_index(field)?.get_term_info(&term)?;
                Ok((reader.segment_id(), info))
            })
            .collect::<tantivy::Result<_>>()?;
        Ok(Arc::new(ExpandedTerm { text, postings }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ExpansionCache> {
        // A panic while holding the lock leaves a cache that is still consistent.
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
