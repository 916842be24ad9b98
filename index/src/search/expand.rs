//! Typos and prefixes, expanded into the index's own terms.
//!
//! Tantivy's fuzzy and prefix queries match every document of every matching term eagerly, in a
//! bitset over the whole segment: a prefix query for "demarch" over a million places reads half
//! a million postings even when a radius leaves a few thousand candidates. Here the automaton
//! (a Levenshtein DFA, or a prefix DFA) is run over the term dictionary only, to list the terms
//! it accepts; each term then becomes an ordinary term query, whose postings tantivy skips
//! through lazily, so an intersection with a small set of places stays small.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA, SINK_STATE};
use tantivy::schema::Field;
use tantivy::Searcher;
use tantivy_fst::Automaton;

/// The most terms one word expands to in one field. A prefix of one or two letters can start
/// thousands of words; the first ones in dictionary order, the shortest among them, are kept.
pub const MAX_EXPANSIONS: usize = 64;

/// How a word matches terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// The automaton of one word, run over the term dictionary of each field in turn.
pub struct Expander<'w> {
    word: &'w str,
    dfa: Dfa,
}

impl<'w> Expander<'w> {
    /// The automaton matching what `how` says of `word`.
    #[must_use]
    pub fn new(word: &'w str, how: Expansion) -> Self {
        let dfa = Dfa(match how {
            Expansion::Prefix => builder(0).build_prefix_dfa(word),
            Expansion::OneTypo => builder(1).build_dfa(word),
            Expansion::PrefixOneTypo => builder(1).build_prefix_dfa(word),
        });
        Self { word, dfa }
    }

    /// The terms of `field` the automaton accepts, across the segments of `searcher`, at most
    /// [`MAX_EXPANSIONS`], without the word itself.
    ///
    /// # Errors
    /// When a term dictionary cannot be read.
    pub fn terms(&self, searcher: &Searcher, field: Field) -> tantivy::Result<Vec<String>> {
        let mut terms = BTreeSet::new();
        for reader in searcher.segment_readers() {
            let index = reader.inverted_index(field)?;
            let mut stream = index.terms().search(&self.dfa).into_stream()?;
            while terms.len() < MAX_EXPANSIONS && stream.advance() {
                if let Ok(term) = std::str::from_utf8(stream.key()) {
                    if term != self.word {
                        terms.insert(term.to_owned());
                    }
                }
            }
        }
        Ok(terms.into_iter().take(MAX_EXPANSIONS).collect())
    }
}
