//! Typos and prefixes, expanded into the index's own terms.
//!
//! Tantivy's fuzzy and prefix queries match every document of every matching term eagerly, in a
//! bitset over the whole segment: a prefix query for "demarch" over a million places reads half
//! a million postings even when a radius leaves a few thousand candidates. Here the automaton
//! (a Levenshtein DFA, or a prefix DFA) is run over the term dictionary only, to list the terms
//! it accepts; each term then becomes an ordinary term query, whose postings tantivy skips
//! through lazily, so an intersection with a small set of places stays small.
//!
//! An expanded term keeps where its postings are in each segment ([`ExpandedTerms`]), found once
//! when it is expanded: a completion opens the postings of up to [`MAX_EXPANSIONS`] terms a
//! word, and looking each one up in the term dictionary again was a tenth of its time.

use std::collections::BTreeSet;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, OnceLock};

use lru::LruCache;

use super::statistics::TextStatistics;
use crate::store::deleted::DeletedStats;
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

/// The terms a word expanded to in one field, and where each one's postings are in each
/// segment of the searcher it was expanded against. Kept flat, a term costs its text and one
/// term info a segment: a cache of 20,000 expansions holds up to 640,000 terms.
#[derive(Debug)]
pub struct ExpandedTerms {
    field: Field,
    segments: Box<[SegmentId]>,
    texts: Box<[Box<str>]>,
    /// The term info of term `t` in segment `s` at `t * segments.len() + s`, `None` where the
    /// segment does not hold the term.
    infos: Box<[Option<TermInfo>]>,
}

/// Where an expanded term's postings are in a segment.
#[derive(Debug)]
pub enum InSegment<'a> {
    /// The segment holds the term: its postings are there.
    Held(&'a TermInfo),
    /// The segment does not hold the term.
    Absent,
    /// The segment is not one the term was expanded against: look the term up.
    Unknown,
}

impl ExpandedTerms {
    /// The number of terms.
    #[must_use]
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Whether the word expanded to no term.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// The text of the `at`th term.
    #[must_use]
    pub fn text(&self, at: usize) -> &str {
        &self.texts[at]
    }

    /// The `at`th term.
    #[must_use]
    pub fn term(&self, at: usize) -> Term {
        Term::from_field_text(self.field, &self.texts[at])
    }

    /// Where the postings of the `at`th term are in `segment`.
    #[must_use]
    pub fn in_segment(&self, at: usize, segment: SegmentId) -> InSegment<'_> {
        let Some(s) = self.segments.iter().position(|id| *id == segment) else {
            return InSegment::Unknown;
        };
        match &self.infos[at * self.segments.len() + s] {
            Some(info) => InSegment::Held(info),
            None => InSegment::Absent,
        }
    }
}

/// Remembered expansions: (field, kind, word) → terms.
type ExpansionCache = LruCache<(Field, Expansion, String), Arc<ExpandedTerms>>;

/// Expansions against one searcher's term dictionaries, remembered: people search for the same
/// words again and again, and walking a dictionary with a Levenshtein automaton costs more than
/// the rest of a search near a position.
pub struct Expansions {
    searcher: Searcher,
    /// What the documents deleted from the searcher's segments still count.
    deleted: Arc<DeletedStats>,
    cache: Mutex<ExpansionCache>,
}

impl Expansions {
    /// Expansions against `searcher`, whose segments still hold the `deleted` documents,
    /// remembering up to `capacity` of them.
    #[must_use]
    pub fn new(searcher: Searcher, deleted: Arc<DeletedStats>, capacity: usize) -> Self {
        Self {
            searcher,
            deleted,
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

    /// The searcher's statistics, without its deleted documents: what scores are made with.
    #[must_use]
    pub fn statistics(&self) -> TextStatistics<'_> {
        TextStatistics::new(&self.searcher, &self.deleted)
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
    ) -> tantivy::Result<Arc<ExpandedTerms>> {
        let key = (field, how, word.to_owned());
        if let Some(terms) = self.lock().get(&key) {
            return Ok(Arc::clone(terms));
        }
        let dfa = Dfa(match how {
            Expansion::Prefix => builder(0).build_prefix_dfa(word),
            Expansion::OneTypo => builder(1).build_dfa(word),
            Expansion::PrefixOneTypo => builder(1).build_prefix_dfa(word),
        });
        // The first terms of each segment, in order: the first of all are among them. A term
        // whose documents are all deleted is not in the index any more.
        let statistics = self.statistics();
        let mut texts = BTreeSet::new();
        for reader in self.searcher.segment_readers() {
            let index = reader.inverted_index(field)?;
            let mut stream = index.terms().search(&dfa).into_stream()?;
            let mut taken = 0;
            while taken < MAX_EXPANSIONS && stream.advance() {
                if let Ok(term) = std::str::from_utf8(stream.key()) {
                    if term != word
                        && statistics.lists_living(&Term::from_field_text(field, term))?
                    {
                        texts.insert(term.to_owned());
                        taken += 1;
                    }
                }
            }
        }
        let texts: Box<[Box<str>]> = texts
            .into_iter()
            .take(MAX_EXPANSIONS)
            .map(String::into_boxed_str)
            .collect();
        let terms = Arc::new(self.locate(field, texts)?);
        self.lock().put(key, Arc::clone(&terms));
        Ok(terms)
    }

    /// The terms `texts` of `field`, with their postings in every segment. (The walk above
    /// passed them, but a segment's walk may stop before a term another segment gave.)
    fn locate(&self, field: Field, texts: Box<[Box<str>]>) -> tantivy::Result<ExpandedTerms> {
        let readers = self.searcher.segment_readers();
        let mut infos = Vec::with_capacity(texts.len() * readers.len());
        for text in &texts {
            let term = Term::from_field_text(field, text);
            for reader in readers {
                infos.push(reader.inverted_index(field)?.get_term_info(&term)?);
            }
        }
        Ok(ExpandedTerms {
            field,
            segments: readers
                .iter()
                .map(tantivy::SegmentReader::segment_id)
                .collect(),
            texts,
            infos: infos.into_boxed_slice(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ExpansionCache> {
        // A panic while holding the lock leaves a cache that is still consistent.
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
