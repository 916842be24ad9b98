//! Search gaps: the searches that found nothing as asked, for the hub's coordinators.
//!
//! A search that finds nothing, drops words or falls back tells a hub which needs its map does
//! not answer, and which words its thesaurus lacks. [`SearchGaps`] counts them by normalised
//! query, in memory, bounded; `GET /admin/search-gaps` (token) lists the most frequent.
//!
//! People type personal data in search boxes (a name, a phone number, an e-mail address, a
//! social security number). A query is kept only as its folded words, without any chunk
//! holding `@` or any run of six digits or more, cut to eight words; and a query is listed only
//! once it has been seen [`LISTED_FROM`] times, so that what one person typed once is never
//! shown. No client address is kept.

use std::collections::HashMap;
use std::sync::Mutex;

use lieux_index::search::Interpretation;
use serde::Serialize;

/// The most distinct queries kept; past it, the rarest are forgotten.
const CAPACITY: usize = 10_000;
/// A query is listed once seen this many times.
pub const LISTED_FROM: u64 = 3;
/// The most words of a query kept.
const MOST_WORDS: usize = 8;

/// Counts of the searches that found nothing as asked, by normalised query.
#[derive(Default)]
pub struct SearchGaps {
    queries: Mutex<HashMap<String, Gap>>,
}

/// One normalised query's counts.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct Gap {
    /// The query, normalised.
    pub query: String,
    /// Searches of it that found nothing as asked.
    pub count: u64,
    /// Of those, the ones that found nothing at all.
    pub found_nothing: u64,
    /// Of those, the ones answered by a fallback.
    pub fallback: u64,
    /// The words dropped (folded), with how often.
    pub dropped: Vec<(String, u64)>,
}

/// What `/admin/search-gaps` lists.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct GapList {
    /// Queries seen fewer times are not listed.
    pub listed_from: u64,
    /// The most frequent gaps, most frequent first.
    pub gaps: Vec<Gap>,
    /// The dropped words over every gap, most frequent first: candidates for the thesaurus.
    pub dropped_words: Vec<(String, u64)>,
}

/// `q` without personal data: folded words, without chunks holding `@` or six digits in a row,
/// at most [`MOST_WORDS`] of them.
#[must_use]
pub fn normalise(q: &str) -> String {
    let personal = |chunk: &str| {
        chunk.contains('@')
            || chunk
                .as_bytes()
                .windows(6)
                .any(|w| w.iter().all(u8::is_ascii_digit))
    };
    let kept: String = q
        .split_whitespace()
        .filter(|chunk| !personal(chunk))
        .collect::<Vec<_>>()
        .join(" ");
    lieux_index::fold::fold(&kept)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MOST_WORDS)
        .collect::<Vec<_>>()
        .join(" ")
}

impl SearchGaps {
    /// Counts a search of `q` read as `interpretation` that found `total` places, when it found
    /// nothing as asked (nothing, words dropped, or a fallback).
    pub fn record(&self, q: &str, interpretation: &Interpretation, total: u64) {
        let fallback = interpretation.fallback.is_some();
        if total > 0 && interpretation.dropped.is_empty() && !fallback {
            return;
        }
        let query = normalise(q);
        if query.is_empty() {
            return;
        }
        let mut queries = self
            .queries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if queries.len() >= CAPACITY && !queries.contains_key(&query) {
            // Forget the rarest: those seen as few times as the rarest one.
            let rarest = queries.values().map(|g| g.count).min().unwrap_or(0);
            queries.retain(|_, g| g.count > rarest);
        }
        let gap = queries.entry(query.clone()).or_insert_with(|| Gap {
            query,
            ..Gap::default()
        });
        gap.count += 1;
        gap.found_nothing += u64::from(total == 0);
        gap.fallback += u64::from(fallback);
        // Only the words the normalised query kept: a dropped word may be personal data.
        let kept: Vec<&str> = gap.query.split(' ').collect();
        for word in interpretation
            .dropped
            .iter()
            .filter(|w| kept.contains(&w.as_str()))
        {
            match gap.dropped.iter_mut().find(|(w, _)| w == word) {
                Some((_, n)) => *n += 1,
                None => gap.dropped.push((word.clone(), 1)),
            }
        }
    }

    /// The `limit` most frequent gaps seen at least [`LISTED_FROM`] times.
    pub fn list(&self, limit: usize) -> GapList {
        let queries = self
            .queries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut gaps: Vec<Gap> = queries
            .values()
            .filter(|g| g.count >= LISTED_FROM)
            .cloned()
            .collect();
        gaps.sort_by(|a, b| b.count.cmp(&a.count).then(a.query.cmp(&b.query)));
        let mut words: HashMap<&str, u64> = HashMap::new();
        for gap in &gaps {
            for (word, n) in &gap.dropped {
                *words.entry(word.as_str()).or_default() += n;
            }
        }
        let mut dropped_words: Vec<(String, u64)> =
            words.into_iter().map(|(w, n)| (w.to_owned(), n)).collect();
        dropped_words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        dropped_words.truncate(limit);
        gaps.truncate(limit);
        GapList {
            listed_from: LISTED_FROM,
            gaps,
            dropped_words,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_is_left_out_of_a_query() {
        assert_eq!(
            normalise("Aide CAF jean.dupont@example.org 06 12 34 56 78 0612345678"),
            "aide caf 06 12 34 56 78"
        );
        assert_eq!(normalise("sécu 1850775123456 78"), "secu 78");
        assert_eq!(normalise("a b c d e f g h i j"), "a b c d e f g h");
    }

    #[test]
    fn a_gap_is_listed_from_its_third_search_and_the_rarest_are_forgotten_first() {
        let gaps = SearchGaps::default();
        let nothing = Interpretation {
            dropped: vec!["xyz".to_owned()],
            ..Interpretation::default()
        };
        for _ in 0..2 {
            gaps.record("Cours de XYZ", &nothing, 0);
        }
        assert!(gaps.list(10).gaps.is_empty());
        gaps.record("cours de xyz", &nothing, 0);
        gaps.record("found", &Interpretation::default(), 5);
        let list = gaps.list(10);
        assert_eq!(list.gaps.len(), 1);
        assert_eq!(
            (list.gaps[0].query.as_str(), list.gaps[0].count),
            ("cours de xyz", 3)
        );
        assert_eq!(list.dropped_words, [("xyz".to_owned(), 3)]);
        for i in 0..CAPACITY {
            gaps.record(&format!("rare {i}"), &nothing, 0);
        }
        assert!(gaps.queries.lock().unwrap().len() <= CAPACITY);
        assert_eq!(gaps.list(10).gaps[0].query, "cours de xyz");
    }
}
