//! From what a person types to a tantivy query.
//!
//! The text is analysed as the index was (French words, no stop words, no accents, Snowball
//! stems), so "demarches" finds "démarches" and "médiathèques" finds "Médiathèque". Every word
//! must then be found in one of the text fields: an AND over the words of an OR over the fields.
//! Inside that OR:
//!
//! - the exact stem is scored by BM25, weighted by field (the name counts most, then services
//!   and typologie, then commune and address, then the description);
//! - a word of five letters or more (whose stem has five letters or more too) also matches
//!   with one typo (one edit, a transposition counting as one), at a fraction of the exact
//!   match's weight, so an exact spelling ranks first;
//! - the last word, when the text does not end with a space or punctuation, also matches as the
//!   start of a longer word: the person is still typing it.
//!
//! The query is built from analysed tokens only, never parsed: quotes, colons, brackets or
//! `AND` in the text are searched as text (or dropped as punctuation) and cannot fail.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScorer, EmptyScorer, EnableScoring, Explanation, Occur, Query,
    Scorer, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocId, Score, SegmentReader, TantivyError, Term};

use super::expand::{ExpandedTerms, Expansion, Expansions, InSegment};
use super::union::{WordQuery, WordUnion};

use crate::store::analysis::french_analyzer;
use crate::store::schema::TextFields;

/// Words this long or longer tolerate one typo.
pub const TYPO_MIN_LETTERS: usize = 5;
/// The weight of a match with one typo, relative to an exact match in the same field.
const TYPO_WEIGHT: Score = 0.3;
/// The weight of a prefix match of the last word, relative to an exact match.
const PREFIX_WEIGHT: Score = 0.6;
/// The weight of a synonym's match, relative to the word's own.
pub const SYNONYM_WEIGHT: Score = 0.8;

/// A field a search looks in.
#[derive(Clone, Copy, Debug)]
pub struct SearchField {
    /// The tantivy field.
    pub field: Field,
    /// Its weight.
    pub weight: Score,
    /// Whether a word one typo away matches in it.
    pub typos: bool,
}

/// The fields a search looks in, with their weights. Descriptions are prose, where a word one
/// edit away from the typed one is more often another word than a typo: typos are matched
/// everywhere else.
#[must_use]
pub fn weighted_fields(fields: &TextFields) -> [SearchField; 6] {
    let field = |field, weight, typos| SearchField {
        field,
        weight,
        typos,
    };
    [
        field(fields.nom, 4.0, true),
        field(fields.services, 2.0, true),
        field(fields.typologie, 2.0, true),
        field(fields.commune, 1.5, true),
        field(fields.adresse, 1.2, true),
        field(fields.description, 1.0, false),
    ]
}

/// One analysed word of the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The stem, as indexed.
    pub stem: String,
    /// The word as typed, folded (lower case, no accents), not stemmed.
    pub folded: String,
    /// The number of letters the person typed for it.
    pub letters: usize,
    /// Whether it is the last word and may still be being typed.
    pub prefix: bool,
    /// The stems of its synonyms (the thesaurus's: "ordinateur" for "ordi"), matched exactly
    /// at [`SYNONYM_WEIGHT`].
    pub synonyms: Vec<String>,
}

impl Word {
    /// Whether the word also matches with one typo: five letters or more, and a stem of five
    /// letters or more too (a short stem, "mair" for "mairie", is one edit away from too many
    /// other words: "main", "mars", "pair").
    #[must_use]
    pub fn tolerates_typo(&self) -> bool {
        self.letters >= TYPO_MIN_LETTERS && self.stem.chars().count() >= TYPO_MIN_LETTERS
    }
}

/// The words of `q`, analysed as the index is.
#[must_use]
pub fn words(q: &str) -> Vec<Word> {
    thread_local! {
        // Building the analyser builds its stop-word set, which cost as much as the rest of a
        // completion; each thread keeps one, with its cache of stems.
        static ANALYZER: RefCell<TextAnalyzer> = RefCell::new(french_analyzer());
    }
    let mut words = Vec::new();
    ANALYZER.with_borrow_mut(|analyzer| {
        let mut stream = analyzer.token_stream(q);
        while stream.advance() {
            let token = stream.token();
            let typed = q.get(token.offset_from..token.offset_to).unwrap_or("");
            words.push(Word {
                stem: token.text.clone(),
                folded: crate::fold::fold(typed),
                letters: typed.chars().count(),
                prefix: false,
                synonyms: Vec::new(),
            });
        }
    });
    let ends_mid_word = q.chars().last().is_some_and(char::is_alphanumeric);
    if let Some(last) = words.last_mut() {
        last.prefix = ends_mid_word;
    }
    words
}

/// The query for `q` over `fields`, or `None` when `q` has no word to look for (only stop words
/// or punctuation). Prefixes and typos are expanded against the index's terms.
///
/// # Errors
/// When a term dictionary cannot be read.
pub fn text_query(
    q: &str,
    fields: &[SearchField],
    expansions: &Expansions,
) -> tantivy::Result<Option<Box<dyn Query>>> {
    let clauses = text_clauses(&words(q), fields, expansions, WordUnion::Walked)?;
    Ok((!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>))
}

/// The clauses of [`text_query`] for the analysed `words` of a text ([`words`]), one `Must`
/// per word.
///
/// A restriction, such as the places of a circle, is added to these clauses rather than put
/// beside the text query in a query of its own: tantivy's `Intersection::seek` allocates at
/// every call, and an intersection nested in another is sought once per candidate, which was a
/// tenth of a broad text search in a city.
///
/// # Errors
/// When a term dictionary cannot be read.
pub fn text_clauses(
    words: &[Word],
    fields: &[SearchField],
    expansions: &Expansions,
    union: WordUnion,
) -> tantivy::Result<Vec<(Occur, Box<dyn Query>)>> {
    words
        .iter()
        .map(|word| Ok((Occur::Must, word_query(word, fields, expansions, union)?)))
        .collect()
}

fn word_query(
    word: &Word,
    fields: &[SearchField],
    expansions: &Expansions,
    union: WordUnion,
) -> tantivy::Result<Box<dyn Query>> {
    let typo = match (word.tolerates_typo(), word.prefix) {
        (false, _) => None,
        (true, false) => Some(Expansion::OneTypo),
        (true, true) => Some(Expansion::PrefixOneTypo),
    };
    let mut alternatives: Vec<Box<dyn Query>> = Vec::new();
    for &SearchField {
        field,
        weight,
        typos: field_typos,
    } in fields
    {
        alternatives.push(Box::new(BoostQuery::new(
            Box::new(TermQuery::new(
                Term::from_field_text(field, &word.stem),
                IndexRecordOption::WithFreqs,
            )),
            weight,
        )));
        for synonym in &word.synonyms {
            alternatives.push(Box::new(BoostQuery::new(
                Box::new(TermQuery::new(
                    Term::from_field_text(field, synonym),
                    IndexRecordOption::WithFreqs,
                )),
                weight * SYNONYM_WEIGHT,
            )));
        }
        // Other terms score a constant, the best that applies: a longer word the person may be
        // typing, then a word one typo away, then a stem the typed word starts with.
        let mut others: BTreeMap<String, (Score, Option<Expanded>)> = BTreeMap::new();
        let mut offer = |text: &str, score: Score, expanded: Option<Expanded>| {
            let best = others.entry(text.to_owned()).or_insert((score, None));
            best.0 = best.0.max(score);
            if best.1.is_none() {
                best.1 = expanded;
            }
        };
        let mut offer_all = |terms: &Arc<ExpandedTerms>, score: Score| {
            for at in 0..terms.len() {
                let expanded = Expanded {
                    terms: Arc::clone(terms),
                    at,
                };
                offer(terms.text(at), score, Some(expanded));
            }
        };
        if word.prefix {
            let terms = expansions.terms(field, &word.stem, Expansion::Prefix)?;
            offer_all(&terms, weight * PREFIX_WEIGHT);
        }
        if let Some(how) = typo.filter(|_| field_typos) {
            let terms = expansions.terms(field, &word.stem, how)?;
            offer_all(&terms, weight * TYPO_WEIGHT);
            // A typo near the end of a word can change its stem ("administrativs" stems to
            // "administrativ", "administratives" to "administr"): the indexed stem is then a
            // prefix of what was typed, so the typed word's own prefixes are looked up too.
            for stem in typed_prefixes(word) {
                offer(stem, weight * TYPO_WEIGHT / 2.0, None);
            }
        }
        for (text, (score, expanded)) in others {
            alternatives.push(Box::new(match expanded {
                Some(expanded) => ConstTermQuery::expanded(expanded, score),
                None => ConstTermQuery {
                    term: Term::from_field_text(field, &text),
                    score,
                    expanded: None,
                },
            }));
        }
    }
    Ok(Box::new(WordQuery::new(alternatives, union)))
}

/// A term that scores a constant when it matches: an expansion of a typed word.
///
/// Tantivy's `ConstScoreQuery` over a `TermQuery` still computes the term's BM25 statistics,
/// a lookup in the term dictionary, only to throw them away, and its scorer looks the term up
/// again. A completion expands each word into up to [`super::expand::MAX_EXPANSIONS`] terms:
/// an expanded term opens its postings where its expansion found them, and any other term
/// (a typed word's own prefix) is looked up once, when its scorer is made.
#[derive(Clone, Debug)]
struct ConstTermQuery {
    term: Term,
    score: Score,
    /// Where the term came from, when it is an expansion.
    expanded: Option<Expanded>,
}

/// The `at`th term of an expansion.
#[derive(Clone, Debug)]
struct Expanded {
    terms: Arc<ExpandedTerms>,
    at: usize,
}

/// Whether `word` matches no place at all in `fields`: none of the terms its clause would look
/// for ([`text_clauses`]: its stem, its synonyms, and its prefix and one-typo expansions where
/// they apply) is in the index. Read from the term dictionaries, never the postings.
///
/// # Errors
/// When a term dictionary cannot be read.
pub fn matches_nothing(
    word: &Word,
    fields: &[SearchField],
    expansions: &Expansions,
) -> tantivy::Result<bool> {
    let statistics = expansions.statistics();
    let typos = word.tolerates_typo();
    for &SearchField {
        field,
        typos: field_typos,
        ..
    } in fields
    {
        for stem in std::iter::once(&word.stem).chain(&word.synonyms) {
            if statistics.doc_freq(&Term::from_field_text(field, stem))? > 0 {
                return Ok(false);
            }
        }
        let mut hows = Vec::new();
        if word.prefix {
            hows.push(Expansion::Prefix);
        }
        if typos && field_typos {
            hows.push(if word.prefix {
                Expansion::PrefixOneTypo
            } else {
                Expansion::OneTypo
            });
        }
        for how in hows {
            if !expansions.terms(field, &word.stem, how)?.is_empty() {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// A query matching the places that hold `term`, each scoring `score`: a value of the
/// `filters` field that a need of the thesaurus names.
#[must_use]
pub fn const_term(term: Term, score: Score) -> Box<dyn Query> {
    Box::new(ConstTermQuery {
        term,
        score,
        expanded: None,
    })
}

impl ConstTermQuery {
    /// The expanded term `expanded`, scoring `score`.
    fn expanded(expanded: Expanded, score: Score) -> Self {
        Self {
            term: expanded.terms.term(expanded.at),
            score,
            expanded: Some(expanded),
        }
    }
}

impl Query for ConstTermQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        // Its own weight: nothing is computed before the segments are searched.
        Ok(Box::new(self.clone()))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        visitor(&self.term, false);
    }
}

impl Weight for ConstTermQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let index = reader.inverted_index(self.term.field())?;
        let in_segment = self.expanded.as_ref().map_or(InSegment::Unknown, |e| {
            e.terms.in_segment(e.at, reader.segment_id())
        });
        let info = match in_segment {
            InSegment::Held(info) => Some(info.clone()),
            InSegment::Absent => None,
            InSegment::Unknown => index.get_term_info(&self.term)?,
        };
        Ok(match info {
            Some(info) => Box::new(ConstScorer::new(
                index.read_postings_from_terminfo(&info, IndexRecordOption::Basic)?,
                boost * self.score,
            )),
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.doc() > doc || scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        Ok(Explanation::new("constant (an expanded term)", self.score))
    }
}

/// The prefixes of the folded word that could be its stem had it been typed right: at most five
/// letters shorter, keeping at least 60% of them (and four letters), up to all but one letter.
fn typed_prefixes(word: &Word) -> impl Iterator<Item = &str> {
    let ends: Vec<usize> = word.folded.char_indices().map(|(i, _)| i).skip(1).collect();
    let letters = ends.len() + 1;
    let shortest = (TYPO_MIN_LETTERS - 1)
        .max(letters.saturating_sub(5))
        .max((letters * 3).div_ceil(5));
    ends.into_iter()
        .skip(shortest.saturating_sub(1))
        .map(|end| &word.folded[..end])
        .filter(|prefix| *prefix != word.stem)
}

#[cfg(test)]
mod tests {
    use super::super::union::tests::walk_segments;
    use super::*;

    #[test]
    fn words_are_stemmed_without_accents_and_the_last_one_may_be_a_prefix() {
        let w = words("Démarches administr");
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].stem, "demarch");
        assert!(!w[0].prefix);
        assert!(w[1].prefix);
        assert_eq!(w[1].letters, 9);
        assert!(!words("mairie ").last().unwrap().prefix);
        assert!(words("la de aux").is_empty());
        let typed = &words("administrativs")[0];
        let prefixes: Vec<&str> = typed_prefixes(typed).collect();
        assert!(prefixes.contains(&"administr"), "{prefixes:?}");
        assert!(!prefixes.contains(&"administrativs"));
        assert!(prefixes.iter().all(|p| p.len() >= 4));
    }

    #[test]
    fn expanded_terms_open_their_own_postings_in_every_segment() {
        use tantivy::schema::{Schema, TEXT};
        let mut schema = Schema::builder();
        let name = schema.add_text_field("name", TEXT);
        let index = tantivy::Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let mut add_segment = |words: &[&str]| {
            for (n, word) in (0..300).zip(words.iter().cycle()) {
                let text = if n % 7 == 0 { "autre" } else { word };
                writer
                    .add_document(tantivy::doc!(name => text.to_owned()))
                    .unwrap();
            }
            writer.commit().unwrap();
        };
        add_segment(&["mediatheque", "mediateur"]);
        add_segment(&["mediation", "mediatheque", "medias"]);
        let reader = index.reader().unwrap();
        let expansions = Expansions::new(reader.searcher(), Arc::default(), 16);
        let expanded = expansions.terms(name, "media", Expansion::Prefix).unwrap();
        let texts: Vec<&str> = (0..expanded.len()).map(|at| expanded.text(at)).collect();
        assert_eq!(texts, ["medias", "mediateur", "mediatheque", "mediation"]);
        // A third segment, which the expansion never saw: its terms are looked up there.
        add_segment(&["mediateur", "medias"]);
        reader.reload().unwrap();
        let searcher = reader.searcher();
        assert_eq!(searcher.segment_readers().len(), 3);
        for at in 0..expanded.len() {
            let text = expanded.text(at);
            let ours = ConstTermQuery::expanded(
                Expanded {
                    terms: Arc::clone(&expanded),
                    at,
                },
                0.5,
            );
            let looked_up = ConstTermQuery {
                expanded: None,
                ..ours.clone()
            };
            let theirs =
                TermQuery::new(Term::from_field_text(name, text), IndexRecordOption::Basic);
            let found = walk_segments(&ours, &searcher);
            assert_eq!(found, walk_segments(&looked_up, &searcher), "{text}");
            let docs = |found: &[Vec<(DocId, Score)>]| -> Vec<Vec<DocId>> {
                found
                    .iter()
                    .map(|s| s.iter().map(|(d, _)| *d).collect())
                    .collect()
            };
            assert_eq!(
                docs(&found),
                docs(&walk_segments(&theirs, &searcher)),
                "{text}"
            );
            assert!(found.iter().flatten().all(|(_, score)| *score == 0.5));
            assert!(found.iter().flatten().next().is_some(), "{text}");
        }
    }

    #[test]
    fn query_syntax_is_searched_as_text() {
        let (schema, fields) = TextFields::schema();
        let index = tantivy::Index::create_in_ram(schema);
        crate::store::schema::register_analyzers(&index);
        let expansions = Expansions::new(index.reader().unwrap().searcher(), Arc::default(), 16);
        let weighted = weighted_fields(&fields);
        for q in ["\"mairie", "nom:(AND", "[a TO z]", "a OR b -c"] {
            assert!(
                text_query(q, &weighted, &expansions).unwrap().is_some(),
                "{q}"
            );
        }
        for q in ["\"():", "\\*?"] {
            assert!(
                text_query(q, &weighted, &expansions).unwrap().is_none(),
                "{q}"
            );
        }
    }
}
