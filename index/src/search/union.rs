//! The alternatives of one typed word, as a union that scores only the documents asked for.
//!
//! A word matches through many terms: its stem in each of six fields, and the longer words or
//! words one typo away it expands to. Tantivy's union of them (`BufferedUnionScorer`) moves in
//! windows of 4,096 documents and scores every posting of every term inside a window as soon as
//! the window is entered. That is the fastest way to walk a union from end to end, but a word
//! is rarely walked alone: it is one side of an intersection with the other words, or with the
//! places of a circle, which seeks it at their own documents. "Saint-Mi" seeks the postings of
//! "saint" at the few names with a word starting with "mi", and tantivy's union scored all of
//! them between two seeks; a far seek also clears the window's 4,096 scores.
//!
//! [`WordScorer`] moves only the terms behind the document sought, and sums the scores of the
//! terms on a document only when that document's score is asked for, once it has matched every
//! other clause. Its sparse terms (most of a word's expansions) wait in a heap by their current
//! document, so that a seek looks at the few behind it; its dense terms (in more than one
//! document in 32), whose next posting is seldom far, are a short list stepped through.
//!
//! Walked from end to end, or sought at most documents (text alone, a circle around a big
//! city), tantivy's windows are faster: the search picks the union by how many documents the
//! word will be sought at ([`WordUnion`]). [`WordQuery`] is both: it makes the
//! one its [`WordUnion`] names.
//!
//! ## A word scores the same in every segment
//!
//! Both unions add the scores of the terms on a document, and floating-point sums depend on
//! their order. Tantivy's union drops a term from its list when the term runs out, and ours
//! splits dense and sparse terms by their counts in the segment, so a place's terms are summed
//! in an order that depends on its segment. A place changed in place sits in a small recent
//! segment ([`crate::store::amend`]), and would score a bit off what a freshly built index
//! gives it, enough to reorder places tied in score (ties are broken by ordinal), as the
//! live-data oracle found. So a word's terms are summed in `f64` ([`ExactSum`]), exactly for
//! any terms within 2^29 of one another, and the sum is rounded to a multiple of
//! [`SCORE_GRID`]: every sum of word scores below 2^12 (the sum of a query's words, needs and
//! boosts, in whatever order tantivy's intersections add them) is then exact in `f32` as well.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use tantivy::query::{
    BooleanWeight, EnableScoring, Explanation, Occur, Query, ScoreCombiner, Scorer, Weight,
};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

/// How the terms of a word are joined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WordUnion {
    /// For words walked through most of the index, or sought at most of its documents:
    /// tantivy's union, which scores the postings of all terms a window at a time.
    Walked,
    /// For words sought at a few documents (completions, small circles): a [`WordQuery`],
    /// which moves only the terms behind each document sought and scores only the documents
    /// that match.
    Sought,
}

/// The step word scores are rounded to: 2^-12, a relative 10^-5 of a typical word's score.
pub const SCORE_GRID: f64 = 1.0 / 4096.0;

/// `sum` rounded to a multiple of [`SCORE_GRID`], which `f32` holds exactly below 2^12.
#[allow(clippy::cast_possible_truncation)]
fn on_grid(sum: f64) -> Score {
    ((sum / SCORE_GRID).round() * SCORE_GRID) as Score
}

/// The scores of a word's terms summed in `f64`, where the order of a few `f32` does not
/// change their sum, and rounded to the grid.
#[derive(Clone, Copy, Default)]
pub struct ExactSum {
    sum: f64,
}

impl ExactSum {
    fn add(&mut self, score: Score) {
        self.sum += f64::from(score);
    }
}

impl ScoreCombiner for ExactSum {
    fn update<TScorer: Scorer>(&mut self, scorer: &mut TScorer) {
        self.add(scorer.score());
    }

    fn clear(&mut self) {
        self.sum = 0.0;
    }

    fn score(&self) -> Score {
        on_grid(self.sum)
    }
}

/// Any of `alternatives`, scored as the sum of those that match (as a tantivy `BooleanQuery` of
/// `Should` clauses scores), summed exactly and rounded to [`SCORE_GRID`].
#[derive(Debug)]
pub struct WordQuery {
    alternatives: Vec<Box<dyn Query>>,
    union: WordUnion,
}

impl Clone for WordQuery {
    fn clone(&self) -> Self {
        Self {
            alternatives: self.alternatives.iter().map(|q| q.box_clone()).collect(),
            union: self.union,
        }
    }
}

impl WordQuery {
    /// The union of `alternatives`, made as `union` says.
    #[must_use]
    pub fn new(alternatives: Vec<Box<dyn Query>>, union: WordUnion) -> Self {
        Self {
            alternatives,
            union,
        }
    }
}

impl Query for WordQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .alternatives
            .iter()
            .map(|query| query.weight(scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(match self.union {
            WordUnion::Sought => Box::new(WordWeight { weights }),
            // Tantivy's union, with each document's terms summed by `ExactSum`. A boolean
            // weight of a single clause is that clause, unrounded: one alternative is rounded
            // by a second that matches nothing.
            WordUnion::Walked => {
                let mut clauses: Vec<(Occur, Box<dyn Weight>)> =
                    weights.into_iter().map(|w| (Occur::Should, w)).collect();
                if clauses.len() == 1 {
                    clauses.push((Occur::Should, Box::new(tantivy::query::EmptyWeight)));
                }
                Box::new(BooleanWeight::new(
                    clauses,
                    scoring.is_scoring_enabled(),
                    Box::new(ExactSum::default),
                ))
            }
        })
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for query in &self.alternatives {
            query.query_terms(visitor);
        }
    }
}

struct WordWeight {
    weights: Vec<Box<dyn Weight>>,
}

impl Weight for WordWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let terms = self
            .weights
            .iter()
            .map(|weight| weight.scorer(reader, boost))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(WordScorer::new(terms, reader.max_doc())))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let matched: Vec<Explanation> = self
            .weights
            .iter()
            .filter_map(|weight| weight.explain(reader, doc).ok())
            .collect();
        if matched.is_empty() {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        let score = matched.iter().map(Explanation::value).sum();
        let mut explanation = Explanation::new("sum of the word's matching terms", score);
        for term in matched {
            explanation.add_detail(term);
        }
        Ok(explanation)
    }
}

/// A term in more than one document in this many is dense: the next document sought is then
/// usually a few of its postings away, and stepping there directly costs less than moving it
/// in a heap.
const DENSE_FRACTION: u32 = 32;

/// How many documents a dense term steps through before it seeks instead.
const DENSE_STEPS: u32 = 8;

/// A union of scorers: the dense ones in a list, the others in a min-heap by their current
/// documents.
pub struct WordScorer {
    /// The terms in more than one document in [`DENSE_FRACTION`]; a few at most.
    dense: Vec<Box<dyn Scorer>>,
    /// The current document of each dense term (asking a boxed scorer is a call).
    dense_docs: Vec<DocId>,
    sparse: Vec<Box<dyn Scorer>>,
    /// (current document, position in `sparse`) of every sparse term, the lowest document on
    /// top; a term that has run out stays in the heap at [`TERMINATED`], below all others.
    heap: BinaryHeap<Reverse<(DocId, u32)>>,
    /// The lowest current document of all terms.
    doc: DocId,
}

impl WordScorer {
    fn new(terms: Vec<Box<dyn Scorer>>, max_doc: u32) -> Self {
        let (dense, sparse): (Vec<_>, Vec<_>) = terms
            .into_iter()
            .partition(|term| term.size_hint() > max_doc / DENSE_FRACTION);
        let heap = (0u32..)
            .zip(&sparse)
            .map(|(at, term)| Reverse((term.doc(), at)))
            .collect();
        let mut union = Self {
            dense_docs: dense.iter().map(|t| t.doc()).collect(),
            dense,
            sparse,
            heap,
            doc: TERMINATED,
        };
        union.doc = union.lowest();
        union
    }

    fn lowest(&self) -> DocId {
        let sparse = self
            .heap
            .peek()
            .map_or(TERMINATED, |Reverse((doc, _))| *doc);
        self.dense_docs.iter().copied().fold(sparse, DocId::min)
    }

    /// Moves every term before `target` to its first document at or after it.
    fn move_to(&mut self, target: DocId) -> DocId {
        for (term, doc) in self.dense.iter_mut().zip(&mut self.dense_docs) {
            // A dense term is usually a few documents short of the target: stepping there
            // costs less than a seek, which searches its block.
            let mut steps = 0;
            while *doc < target {
                *doc = if steps == DENSE_STEPS {
                    term.seek(target)
                } else {
                    term.advance()
                };
                steps += 1;
            }
        }
        while let Some(mut top) = self.heap.peek_mut() {
            let Reverse((doc, at)) = *top;
            if doc >= target {
                break;
            }
            *top = Reverse((self.sparse[at as usize].seek(target), at));
        }
        self.doc = self.lowest();
        self.doc
    }
}

impl DocSet for WordScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        // Every term on the current document moves past it; seeking the next document does
        // just that, and a term's `seek` to its next document is its `advance`.
        self.move_to(self.doc + 1)
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        self.move_to(target)
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.dense
            .iter()
            .chain(&self.sparse)
            .map(|t| t.size_hint())
            .max()
            .unwrap_or(0)
    }
}

impl Scorer for WordScorer {
    fn score(&mut self) -> Score {
        let current = self.doc;
        let mut sum = ExactSum::default();
        for (term, doc) in self.dense.iter_mut().zip(&self.dense_docs) {
            if *doc == current {
                sum.add(term.score());
            }
        }
        // Sparse terms are rarely on the document: the heap is looked through only when its
        // top is.
        if self
            .heap
            .peek()
            .is_some_and(|Reverse((doc, _))| *doc == current)
        {
            for Reverse((doc, at)) in self.heap.iter() {
                if *doc == current {
                    sum.add(self.sparse[*at as usize].score());
                }
            }
        }
        sum.score()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, Index, Searcher};

    /// Every (document, score) of `query` in each segment of `searcher`, walked with `advance`.
    pub(in crate::search) fn walk_segments(
        query: &dyn Query,
        searcher: &Searcher,
    ) -> Vec<Vec<(DocId, Score)>> {
        let weight = query
            .weight(EnableScoring::enabled_from_searcher(searcher))
            .unwrap();
        searcher
            .segment_readers()
            .iter()
            .map(|reader| {
                let mut scorer = weight.scorer(reader, 1.0).unwrap();
                let mut out = Vec::new();
                while scorer.doc() != TERMINATED {
                    out.push((scorer.doc(), scorer.score()));
                    scorer.advance();
                }
                out
            })
            .collect()
    }

    /// Every (document, score) of `query` in the first segment of `searcher`.
    fn walk(query: &dyn Query, searcher: &Searcher) -> Vec<(DocId, Score)> {
        walk_segments(query, searcher).swap_remove(0)
    }

    #[test]
    fn matches_and_scores_as_a_boolean_union() {
        let mut schema = Schema::builder();
        let (a, b) = (
            schema.add_text_field("a", TEXT),
            schema.add_text_field("b", TEXT),
        );
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        // Documents 0..3000, so that seeks cross tantivy's windows and posting blocks.
        for n in 0..3000u32 {
            let words = |m: u32, w: &'static str| if n % m == 0 { w } else { "" };
            writer
                .add_document(doc!(
                    a => format!("{} {} {} {}", words(2, "deux"), words(7, "sept"), words(5, "cinq"), words(97, "rare")),
                    b => format!("{} {} {}", words(3, "trois"), words(11, "deux onze"), words(499, "rare")),
                ))
                .unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 1);
        let terms = || -> Vec<Box<dyn Query>> {
            // Dense terms (in more than one document in 32) and sparse ones.
            [
                (a, "deux"),
                (a, "sept"),
                (b, "trois"),
                (b, "deux"),
                (a, "rare"),
                (b, "rare"),
                (a, "absent"),
            ]
            .into_iter()
            .enumerate()
            .map(|(i, (field, word))| {
                let term = Box::new(TermQuery::new(
                    Term::from_field_text(field, word),
                    IndexRecordOption::WithFreqs,
                ));
                // Weighted as the search weights its fields.
                Box::new(BoostQuery::new(term, 1.0 + i as Score / 2.0)) as Box<dyn Query>
            })
            .collect()
        };
        let ours = WordQuery::new(terms(), WordUnion::Sought);
        let theirs = BooleanQuery::new(terms().into_iter().map(|q| (Occur::Should, q)).collect());
        let (ours_walked, theirs_walked) = (walk(&ours, &searcher), walk(&theirs, &searcher));
        assert_eq!(ours_walked.len(), theirs_walked.len());
        assert!(ours_walked.len() > 1000);
        for ((d1, s1), (d2, s2)) in ours_walked.iter().zip(&theirs_walked) {
            assert_eq!(d1, d2);
            assert!(
                f64::from((s1 - s2).abs()) <= SCORE_GRID,
                "{d1}: {s1} against {s2}"
            );
        }
        // Intersected with "cinq": our union is sought at multiples of five.
        let cinq = || {
            Box::new(TermQuery::new(
                Term::from_field_text(a, "cinq"),
                IndexRecordOption::WithFreqs,
            )) as Box<dyn Query>
        };
        let both = |word: Box<dyn Query>| {
            BooleanQuery::new(vec![(Occur::Must, cinq()), (Occur::Must, word)])
        };
        let ours = walk(
            &both(Box::new(WordQuery::new(terms(), WordUnion::Sought))),
            &searcher,
        );
        let theirs = walk(&both(Box::new(theirs)), &searcher);
        assert_eq!(ours.len(), theirs.len());
        for ((d1, s1), (d2, s2)) in ours.iter().zip(&theirs) {
            assert_eq!(d1, d2);
            assert!(
                f64::from((s1 - s2).abs()) <= SCORE_GRID,
                "{d1}: {s1} against {s2}"
            );
        }
        // Sought directly, far and near.
        let weight = WordQuery::new(terms(), WordUnion::Sought)
            .weight(EnableScoring::enabled_from_searcher(&searcher))
            .unwrap();
        let mut scorer = weight.scorer(searcher.segment_reader(0), 1.0).unwrap();
        let expected = |target: DocId| {
            theirs_walked
                .iter()
                .map(|(d, _)| *d)
                .find(|d| *d >= target)
                .unwrap_or(TERMINATED)
        };
        for target in [1, 5, 6, 2500, 2501, 2999, 3000] {
            assert_eq!(scorer.seek(target), expected(target), "seek {target}");
        }
    }
}
