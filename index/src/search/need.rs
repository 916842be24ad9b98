//! A need as one clause: the places offering its services, or holding its own words.
//!
//! A need the thesaurus reads ("ordinateur", "fablab", "caf") widens a search to every place
//! offering one of its services: half the places of France for the broadest. As a tantivy
//! union of the services' filter terms and the words, each of those places cost a posting
//! decoded, a window of tantivy's union filled and a constant score summed per service, about
//! as much as the BM25 match of a word; the widened searches judged two to four times the
//! places for three times the time.
//!
//! Which places offer a service does not change between searches: [`ServiceDocs`] holds it,
//! per service and segment, as a bitmap of documents, built with the search structures.
//! [`NeedQuery`] is the union of a need's bitmap (the OR of its services') with its words'
//! query, merged two ways: the next place offering a service is a `trailing_zeros` away, and
//! only the words' postings are decoded. A place offering the services scores [`NeedQuery`]'s
//! score once, however many of them it offers: offering one answers the need.

use std::sync::Arc;

use tantivy::index::SegmentId;
use tantivy::query::{BooleanQuery, EnableScoring, Explanation, Occur, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

use super::collect::Ranking;
use super::docs::{BitmapDocs, Bitmaps, DocMap, SegmentBitmaps};
use super::facets::FacetColumns;
use crate::geo::{chord_between, chord_for_distance, unit_vector};
use crate::vocab::{Service, VocabSet, Vocabulary};

/// Per service, the places offering it: a bitmap of ordinals, and one of documents per
/// segment. Searches read them in place: a group of services is the list of its bitmaps.
#[derive(Debug)]
pub struct ServiceDocs {
    segments: Vec<SegmentId>,
    /// `[service]`: per segment, a bitmap of its documents.
    documents: Vec<SegmentBitmaps>,
    /// `[service][segment]`: how many documents offer it.
    counts: Vec<Vec<u32>>,
    /// `[service]`: a bitmap of ordinals, a word per block of places.
    places: Vec<Vec<u64>>,
}

impl ServiceDocs {
    /// Reads which service each place offers, from its facet row (`facets`: the rows are one
    /// array, where the places are a million records apart in memory), as documents of `docs`.
    #[must_use]
    pub fn build(facets: &FacetColumns, docs: &DocMap) -> Self {
        let len = facets.len();
        let mut by_ordinal = vec![vec![0u64; len.div_ceil(64)]; Service::ALL.len()];
        for ordinal in 0..len {
            Self::set_services(&mut by_ordinal, facets, ordinal as u32);
        }
        let segments = (0..docs.segment_count())
            .map(|segment| Self::read_segment(facets, docs.segment_ordinals(segment)))
            .collect();
        Self::of_segments(docs, segments, by_ordinal)
    }

    /// These bitmaps after a batch changed the places at `changed` (see
    /// [`crate::store::amend::Moved::changed`]), `facets` and `docs` being the new index's and
    /// `docs_before` this one's: the bitmaps of ordinals are patched at the changed ordinals,
    /// those of a segment both indexes have lose the documents deleted since, and only the
    /// other segments (the recent places') are read from the facet rows. What a batch costs
    /// then follows what it changed, not the million places it did not.
    #[must_use]
    pub fn amended(
        &self,
        facets: &FacetColumns,
        docs: &DocMap,
        docs_before: &DocMap,
        changed: &[u32],
    ) -> Self {
        let len = facets.len();
        let mut by_ordinal = self.places.clone();
        for bitmap in &mut by_ordinal {
            bitmap.resize(len.div_ceil(64), 0);
            if !len.is_multiple_of(64) {
                // Places beyond the new end (closed) offer nothing.
                if let Some(last) = bitmap.last_mut() {
                    *last &= (1 << (len % 64)) - 1;
                }
            }
        }
        for &ordinal in changed {
            for bitmap in &mut by_ordinal {
                bitmap[ordinal as usize / 64] &= !(1 << (ordinal % 64));
            }
            Self::set_services(&mut by_ordinal, facets, ordinal);
        }
        let segments = (0..docs.segment_count())
            .map(|segment| {
                let ordinals = docs.segment_ordinals(segment);
                let known = docs_before
                    .segments()
                    .iter()
                    .position(|id| *id == docs.segments()[segment])
                    .filter(|&at| docs_before.segment_ordinals(at).len() == ordinals.len());
                match known {
                    Some(at) => {
                        self.segment_less_deleted(at, docs_before.segment_ordinals(at), ordinals)
                    }
                    None => Self::read_segment(facets, ordinals),
                }
            })
            .collect();
        Self::of_segments(docs, segments, by_ordinal)
    }

    /// Whether both hold the same bitmaps and counts.
    #[cfg(test)]
    pub(crate) fn same_as(&self, other: &Self) -> bool {
        self.segments == other.segments
            && self.counts == other.counts
            && self.places == other.places
            && self
                .documents
                .iter()
                .zip(&other.documents)
                .all(|(mine, theirs)| mine[..] == theirs[..])
    }

    /// Sets the bits of the services the place `ordinal` offers.
    fn set_services(by_ordinal: &mut [Vec<u64>], facets: &FacetColumns, ordinal: u32) {
        for service in facets.row(ordinal).services().iter() {
            by_ordinal[service.index()][ordinal as usize / 64] |= 1 << (ordinal % 64);
        }
    }

    /// The bitmaps of one segment (`ordinals` by document) by service, and how many of its
    /// documents offer each, read from the facet rows.
    fn read_segment(facets: &FacetColumns, ordinals: &[u32]) -> (Vec<Vec<u64>>, Vec<u32>) {
        let services = Service::ALL.len();
        let mut bitmaps = vec![vec![0u64; ordinals.len().div_ceil(64)]; services];
        let mut offering = vec![0u32; services];
        for (doc, &ordinal) in ordinals.iter().enumerate() {
            if ordinal == DocMap::DELETED {
                continue;
            }
            for service in facets.row(ordinal).services().iter() {
                bitmaps[service.index()][doc / 64] |= 1 << (doc % 64);
                offering[service.index()] += 1;
            }
        }
        (bitmaps, offering)
    }

    /// The bitmaps of this index's segment `at` (its ordinals by document `before`) without
    /// the documents deleted since (those of `ordinals` that are [`DocMap::DELETED`]).
    fn segment_less_deleted(
        &self,
        at: usize,
        before: &[u32],
        ordinals: &[u32],
    ) -> (Vec<Vec<u64>>, Vec<u32>) {
        let mut bitmaps: Vec<Vec<u64>> = self
            .documents
            .iter()
            .map(|segments| segments[at].clone())
            .collect();
        let mut offering: Vec<u32> = self.counts.iter().map(|counts| counts[at]).collect();
        let deleted_since = before
            .iter()
            .zip(ordinals)
            .enumerate()
            .filter(|(_, (&was, &now))| was != DocMap::DELETED && now == DocMap::DELETED);
        for (doc, _) in deleted_since {
            let bit = 1 << (doc % 64);
            for (bitmap, count) in bitmaps.iter_mut().zip(&mut offering) {
                if bitmap[doc / 64] & bit != 0 {
                    bitmap[doc / 64] &= !bit;
                    *count -= 1;
                }
            }
        }
        (bitmaps, offering)
    }

    /// The structure, from each segment's bitmaps by service and counts, and the bitmaps of
    /// ordinals.
    fn of_segments(
        docs: &DocMap,
        segments: Vec<(Vec<Vec<u64>>, Vec<u32>)>,
        by_ordinal: Vec<Vec<u64>>,
    ) -> Self {
        let services = Service::ALL.len();
        let mut documents: Vec<Vec<Vec<u64>>> = vec![Vec::new(); services];
        let mut counts = vec![Vec::new(); services];
        for (bitmaps, offering) in segments {
            for (service, (bitmap, count)) in bitmaps.into_iter().zip(offering).enumerate() {
                documents[service].push(bitmap);
                counts[service].push(count);
            }
        }
        Self {
            segments: docs.segments().to_vec(),
            documents: documents
                .into_iter()
                .map(|d| Arc::new(Bitmaps::kept(d)))
                .collect(),
            counts,
            places: by_ordinal,
        }
    }

    /// The bitmaps of ordinals of `services`.
    #[must_use]
    pub fn places_offering(&self, services: VocabSet<Service>) -> Vec<&[u64]> {
        services
            .iter()
            .map(|service| self.places[service.index()].as_slice())
            .collect()
    }
}

/// The word of a union of bitmaps at `at`: the places `64 * at..64 * (at + 1)` in any of
/// them.
fn any_of(bitmaps: &[&[u64]], at: usize) -> u64 {
    bitmaps.iter().fold(0, |union, bitmap| union | bitmap[at])
}

/// Bitmaps of one bit per place, lent to searches and taken back cleared. A bitmap of a
/// million places allocated for each search, and freed after it, came back from the allocator
/// as fresh pages: thirty page faults a search, each a flush of every core's TLB, a quarter of
/// the time of a search in a small circle.
#[derive(Debug, Default)]
pub(super) struct BitmapPool {
    words: usize,
    free: std::sync::Mutex<Vec<Vec<u64>>>,
}

impl BitmapPool {
    /// Bitmaps of `places` bits.
    pub(super) fn new(places: usize) -> Self {
        Self {
            words: places.div_ceil(64),
            free: std::sync::Mutex::default(),
        }
    }

    /// A cleared bitmap, returned to the pool when dropped.
    pub(super) fn take(&self) -> LentBitmap<'_> {
        let free = self.free.lock().ok().and_then(|mut free| free.pop());
        LentBitmap {
            bits: free.unwrap_or_else(|| vec![0; self.words]),
            pool: self,
        }
    }
}

/// A bitmap of [`BitmapPool`], cleared and given back when dropped.
pub(super) struct LentBitmap<'a> {
    bits: Vec<u64>,
    pool: &'a BitmapPool,
}

impl std::ops::Deref for LentBitmap<'_> {
    type Target = [u64];
    fn deref(&self) -> &[u64] {
        &self.bits
    }
}

impl std::ops::DerefMut for LentBitmap<'_> {
    fn deref_mut(&mut self) -> &mut [u64] {
        &mut self.bits
    }
}

impl Drop for LentBitmap<'_> {
    fn drop(&mut self) {
        self.bits.fill(0);
        if let Ok(mut free) = self.pool.free.lock() {
            free.push(std::mem::take(&mut self.bits));
        }
    }
}

/// The places of `offering` (scoring `score`) or of `words` (scoring as their query does); a
/// place in both scores the sum.
pub struct NeedQuery {
    segments: Vec<SegmentId>,
    /// The services' bitmaps of documents, and their counts per segment.
    offering: Vec<(SegmentBitmaps, Vec<u32>)>,
    score: Score,
    words: Option<Box<dyn Query>>,
}

impl std::fmt::Debug for NeedQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NeedQuery")
            .field("score", &self.score)
            .field("words", &self.words)
            .finish_non_exhaustive()
    }
}

impl Clone for NeedQuery {
    fn clone(&self) -> Self {
        Self {
            segments: self.segments.clone(),
            offering: self.offering.clone(),
            score: self.score,
            words: self.words.as_ref().map(|q| q.box_clone()),
        }
    }
}

impl NeedQuery {
    /// The places offering any of `services`, or matching `words`.
    #[must_use]
    pub fn new(
        services: &ServiceDocs,
        offering: VocabSet<Service>,
        score: Score,
        words: Option<Box<dyn Query>>,
    ) -> Self {
        Self {
            segments: services.segments.clone(),
            offering: offering
                .iter()
                .map(|service| {
                    let at = service.index();
                    (
                        Arc::clone(&services.documents[at]),
                        services.counts[at].clone(),
                    )
                })
                .collect(),
            score,
            words,
        }
    }
}

impl Query for NeedQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(NeedWeight {
            segments: self.segments.clone(),
            offering: self.offering.clone(),
            score: self.score,
            words: self.words.as_ref().map(|q| q.weight(scoring)).transpose()?,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        if let Some(words) = &self.words {
            words.query_terms(visitor);
        }
    }
}

struct NeedWeight {
    segments: Vec<SegmentId>,
    offering: Vec<(SegmentBitmaps, Vec<u32>)>,
    score: Score,
    words: Option<Box<dyn Weight>>,
}

impl NeedWeight {
    fn offering(&self, reader: &SegmentReader) -> BitmapDocs {
        let segment = self
            .segments
            .iter()
            .position(|id| *id == reader.segment_id());
        // At most as many as all the services' places together.
        let len = segment.map_or(0, |s| {
            self.offering
                .iter()
                .map(|(_, counts)| counts.get(s).copied().unwrap_or(0))
                .sum::<u32>()
                .min(reader.max_doc())
        });
        let bitmaps = self.offering.iter().map(|(b, _)| Arc::clone(b)).collect();
        BitmapDocs::new(bitmaps, segment, len)
    }
}

impl Weight for NeedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let words = self
            .words
            .as_ref()
            .map(|w| w.scorer(reader, boost))
            .transpose()?;
        Ok(Box::new(NeedScorer::new(
            self.offering(reader),
            self.score * boost,
            words,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let offers = self.offering(reader).seek(doc) == doc;
        let words = self
            .words
            .as_ref()
            .and_then(|w| w.explain(reader, doc).ok());
        if !offers && words.is_none() {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        let offered = if offers { self.score } else { 0.0 };
        let total = offered + words.as_ref().map_or(0.0, Explanation::value);
        let mut explanation =
            Explanation::new("a need: offering its services, or its words", total);
        if offers {
            explanation.add_detail(Explanation::new("offers a service of the need", offered));
        }
        if let Some(words) = words {
            explanation.add_detail(words);
        }
        Ok(explanation)
    }
}

/// The two-way merge of a need's bitmap and its words' scorer.
struct NeedScorer {
    offering: BitmapDocs,
    score: Score,
    words: Option<Box<dyn Scorer>>,
    doc: DocId,
}

impl NeedScorer {
    fn new(offering: BitmapDocs, score: Score, words: Option<Box<dyn Scorer>>) -> Self {
        let mut scorer = Self {
            offering,
            score,
            words,
            doc: TERMINATED,
        };
        scorer.doc = scorer.lowest();
        scorer
    }

    fn words_doc(&self) -> DocId {
        self.words.as_ref().map_or(TERMINATED, |w| w.doc())
    }

    fn lowest(&self) -> DocId {
        self.offering.doc().min(self.words_doc())
    }
}

impl DocSet for NeedScorer {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        if current == TERMINATED {
            return TERMINATED;
        }
        if self.offering.doc() == current {
            self.offering.advance();
        }
        if let Some(words) = self.words.as_mut().filter(|w| w.doc() == current) {
            words.advance();
        }
        self.doc = self.lowest();
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        self.offering.seek(target);
        // Tantivy's scorers are sought forward only: the words may already be past `target`.
        if let Some(words) = self.words.as_mut().filter(|w| w.doc() < target) {
            words.seek(target);
        }
        self.doc = self.lowest();
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        let words = self.words.as_ref().map_or(0, |w| w.size_hint());
        self.offering.size_hint().max(words)
    }
}

impl Scorer for NeedScorer {
    fn score(&mut self) -> Score {
        let current = self.doc;
        let offered = if self.offering.doc() == current {
            self.score
        } else {
            0.0
        };
        match &mut self.words {
            Some(words) if words.doc() == current => offered + words.score(),
            _ => offered,
        }
    }
}

impl super::SearchIndex {
    /// A search whose text names needs, and which nothing narrows but the text and a
    /// position: no bbox, codes, opening hours or facet filter (what a search box asks most).
    ///
    /// Its places are those answering every group of needs, and most of them only offer the
    /// services: they all score [`super::NEED_SCORE`] per group, and nothing more. So the
    /// postings walked are those of the words alone (the needs' own, and those that only
    /// rank), as a search of the words without the need would walk them; each place they
    /// find is scored in full, judged, and marked. The other places of the services' bitmaps
    /// are counted a block of places at a time (in the circle's blocks, when there is one),
    /// and ranked apart: without a position, the first of them by ordinal; with one, the
    /// nearest, from the R-tree, until one ranks below every hit kept.
    pub(super) fn search_needs(
        &self,
        index: &crate::store::PlaceIndex,
        request: &super::SearchRequest,
        query: super::TextQuery,
        circle: Option<Vec<u32>>,
    ) -> crate::Result<super::SearchResults> {
        debug_assert!(query.required.is_empty() && !query.needs.is_empty());
        let statistics = self.expansions.statistics();
        let scoring = statistics.scoring();
        let offering: Vec<Vec<&[u64]>> = query
            .needs
            .iter()
            .map(|group| self.services.places_offering(group.services))
            .collect();
        // The word queries, each with the group it answers (`None`: it only ranks), sought at
        // the circle's documents when there is one.
        let within = circle.map(|circle| self.docs.query_for(circle));
        let mut weights: Vec<(Option<usize>, Box<dyn Weight>)> = Vec::new();
        let groups = query.needs.into_iter().enumerate();
        let words = groups.filter_map(|(at, group)| group.words.map(|words| (Some(at), words)));
        for (group, words) in words.chain(query.ranking.map(|ranking| (None, ranking))) {
            let words: Box<dyn Query> = match &within {
                Some(circle) => Box::new(BooleanQuery::new(vec![
                    (Occur::Must, Box::new(circle.clone())),
                    (Occur::Must, words),
                ])),
                None => words,
            };
            weights.push((group, words.weight(scoring)?));
        }
        let mut collector = super::Collector::new(self, index, request, true);
        let mut scored = self.scratch.take();
        for (segment, reader) in self.searcher.segment_readers().iter().enumerate() {
            let ordinals = self.docs.segment_ordinals(segment);
            let mut scorers = weights
                .iter()
                .map(|(group, weight)| Ok((*group, weight.scorer(reader, 1.0)?)))
                .collect::<tantivy::Result<Vec<_>>>()?;
            loop {
                let doc = scorers
                    .iter()
                    .map(|(_, scorer)| scorer.doc())
                    .min()
                    .unwrap_or(TERMINATED);
                if doc == TERMINATED {
                    break;
                }
                let mut score = 0.0;
                let mut by_words = 0u64;
                for (group, scorer) in &mut scorers {
                    if scorer.doc() == doc {
                        score += scorer.score();
                        if let Some(group) = group {
                            by_words |= 1 << *group;
                        }
                        scorer.advance();
                    }
                }
                let ordinal = ordinals[doc as usize];
                if ordinal == DocMap::DELETED {
                    continue;
                }
                let (word, bit) = (ordinal as usize / 64, 1u64 << (ordinal % 64));
                let mut answers_all = true;
                for (group, offering) in offering.iter().enumerate() {
                    if any_of(offering, word) & bit != 0 {
                        score += super::NEED_SCORE;
                    } else if by_words & 1 << group == 0 {
                        answers_all = false;
                        break;
                    }
                }
                if answers_all {
                    scored[word] |= bit;
                    collector.offer(ordinal, score);
                }
            }
        }
        // The places offering a service of every group, and found by no word: all alike.
        let alike = |block: usize| {
            offering
                .iter()
                .fold(!scored[block], |all, group| all & any_of(group, block))
        };
        #[allow(clippy::cast_precision_loss)]
        let constant = super::NEED_SCORE * offering.len() as f32;
        let Some(near) = request.near else {
            // Ranked by ordinal: the first that does not enter is followed by none that would.
            let mut ranking = true;
            for block in 0..scored.len() {
                let alike = alike(block);
                collector.count_block(block, alike);
                let start = u32::try_from(block * 64).unwrap_or(u32::MAX);
                if ranking {
                    ranking = super::set_bits(alike)
                        .all(|bit| collector.rank_counted(start + bit, constant) == Ranking::Kept);
                }
            }
            return Ok(collector.finish());
        };
        let Some(radius) = near.radius_m else {
            // Ranked by distance, from the R-tree: once one is below every hit kept, the
            // farther ones are too. Those at its distance may not be (they rank by ordinal,
            // and the tree walks them in any order): they are ranked too.
            (0..scored.len()).for_each(|block| collector.count_block(block, alike(block)));
            let centre = unit_vector(near.longitude, near.latitude);
            let chord_of = |ordinal: u32| {
                let place = &index.places[ordinal as usize];
                chord_between(&centre, &unit_vector(place.longitude, place.latitude))
            };
            let mut below_at: Option<f64> = None;
            for ordinal in index.tree.nearest(near.longitude, near.latitude) {
                if below_at.is_some_and(|at| chord_of(ordinal) > at) {
                    break;
                }
                let (word, bit) = (ordinal as usize / 64, 1u64 << (ordinal % 64));
                if alike(word) & bit != 0
                    && collector.rank_counted(ordinal, constant) == Ranking::Below
                {
                    below_at.get_or_insert_with(|| chord_of(ordinal));
                }
            }
            return Ok(collector.finish());
        };
        // In a circle, ranked as the circle's blocks come: the places near its centre may all
        // be among those scored, and the R-tree would walk them all to reach the others.
        let centre = unit_vector(near.longitude, near.latitude);
        let chord = chord_for_distance(radius);
        let coverage = self.blocks.cover(&centre, chord);
        let ranking = collector.may_rank(constant);
        let whole = self.blocks.whole(&coverage).flat_map(|(run, _)| {
            (run.start as usize / 64..(run.end as usize).div_ceil(64)).map(|block| (block, !0))
        });
        let boundary = coverage
            .boundary
            .iter()
            .map(|&block| (block, self.inside_mask(block, &centre, chord)));
        for (block, inside) in whole.chain(boundary) {
            let alike = alike(block) & inside;
            collector.count_block(block, alike);
            if ranking {
                let start = u32::try_from(block * 64).unwrap_or(u32::MAX);
                for bit in super::set_bits(alike) {
                    collector.rank_counted(start + bit, constant);
                }
            }
        }
        Ok(collector.finish())
    }
}

#[cfg(test)]
mod tests {
    use tantivy::query::{BooleanQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, STRING, TEXT};
    use tantivy::{doc, Index, Term};

    use super::*;
    use crate::search::union::tests::walk_segments;

    /// A need's bitmap and words, merged: every document of either, scoring the need's score
    /// when offering and the words' score when holding them, sought far and near.
    #[test]
    fn matches_the_offering_or_the_words_and_scores_their_sum() {
        let mut schema = Schema::builder();
        let (text, service) = (
            schema.add_text_field("text", TEXT),
            schema.add_text_field("service", STRING),
        );
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for n in 0..3000u32 {
            let word = if n % 7 == 0 { "ordinateur" } else { "autre" };
            let offers = if n % 5 == 0 { "oui" } else { "non" };
            writer
                .add_document(doc!(text => word, service => offers))
                .unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let reader = searcher.segment_reader(0);
        // The bitmap of the documents offering the service, as `ServiceDocs` holds it.
        let mut bitmap = vec![0u64; 3000usize.div_ceil(64)];
        let offering = TermQuery::new(
            Term::from_field_text(service, "oui"),
            IndexRecordOption::Basic,
        );
        for (doc, _) in walk_segments(&offering, &searcher).swap_remove(0) {
            bitmap[doc as usize / 64] |= 1 << (doc % 64);
        }
        let words = || {
            Box::new(TermQuery::new(
                Term::from_field_text(text, "ordinateur"),
                IndexRecordOption::WithFreqs,
            )) as Box<dyn Query>
        };
        let need = NeedQuery {
            segments: vec![reader.segment_id()],
            offering: vec![(Arc::new(Bitmaps::kept(vec![bitmap])), vec![600])],
            score: 10.0,
            words: Some(words()),
        };
        let walked = walk_segments(&need, &searcher).swap_remove(0);
        let alone = walk_segments(&*words(), &searcher).swap_remove(0);
        let word_score = alone[0].1;
        let expected: Vec<(DocId, Score)> = (0..3000)
            .filter(|n| n % 5 == 0 || n % 7 == 0)
            .map(|n| {
                let offered = if n % 5 == 0 { 10.0 } else { 0.0 };
                let held = if n % 7 == 0 { word_score } else { 0.0 };
                (n, offered + held)
            })
            .collect();
        assert_eq!(walked.len(), expected.len());
        for ((d1, s1), (d2, s2)) in walked.iter().zip(&expected) {
            assert_eq!(d1, d2);
            assert!((s1 - s2).abs() < 1e-5, "{d1}: {s1} against {s2}");
        }
        // Intersected with the words, it is the words, scored with the need's part.
        let both = BooleanQuery::new(vec![
            (Occur::Must, Box::new(need.clone()) as Box<dyn Query>),
            (Occur::Must, words()),
        ]);
        assert_eq!(walk_segments(&both, &searcher)[0].len(), alone.len());
        // Sought.
        let weight = need
            .weight(EnableScoring::enabled_from_searcher(&searcher))
            .unwrap();
        let mut scorer = weight.scorer(reader, 1.0).unwrap();
        for target in [1, 6, 7, 2996, 2999, 3000] {
            let next = expected
                .iter()
                .map(|(d, _)| *d)
                .find(|d| *d >= target)
                .unwrap_or(TERMINATED);
            assert_eq!(scorer.seek(target), next, "seek {target}");
        }
        // A segment the need has no bitmap for holds none of its places: only the words.
        let stranger = NeedQuery {
            segments: Vec::new(),
            ..need
        };
        assert_eq!(walk_segments(&stranger, &searcher)[0].len(), alone.len());
    }
}
