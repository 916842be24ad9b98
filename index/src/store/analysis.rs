//! French text analysis for the full-text index.
//!
//! Place data repeats a small vocabulary (service labels, "médiathèque", "mairie", commune
//! names…), and the Snowball stemmer was a quarter of the indexing time of a million places.
//! [`CachedFrenchStemmer`] remembers the stem of each word it has seen, so each distinct word is
//! stemmed once per indexing thread. It gives exactly the stems of the plain Snowball stemmer.

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// The largest number of words a stem cache holds before it starts over.
const CACHE_WORDS: usize = 100_000;

/// The French analyser: words, lower case, no stop words ("de", "la", "aux"…), no accents,
/// Snowball stems. Stop words are removed before accents are folded, as the list has accents.
#[must_use]
pub fn french_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(StopWordFilter::new(Language::French).expect("tantivy ships French stop words"))
        .filter(AsciiFoldingFilter)
        .filter(CachedFrenchStemmer)
        .build()
}

/// A token filter that stems French words, remembering the stems it computed.
#[derive(Clone, Copy, Debug, Default)]
pub struct CachedFrenchStemmer;

impl TokenFilter for CachedFrenchStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            inner: tokenizer,
            stems: HashMap::new(),
        }
    }
}

/// The tokenizer [`CachedFrenchStemmer`] wraps around another; each clone (one per indexing
/// thread) has its own cache, so no lock is taken.
#[derive(Clone)]
pub struct CachedStemmerFilter<T> {
    inner: T,
    stems: HashMap<String, String>,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            stems: &mut self.stems,
        }
    }
}

/// The token stream of [`CachedStemmerFilter`].
pub struct CachedStemmerStream<'a, T> {
    tail: T,
    stems: &'a mut HashMap<String, String>,
}

impl<T: TokenStream> TokenStream for CachedStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(stem) = self.stems.get(&token.text) {
            token.text.clear();
            token.text.push_str(stem);
        } else {
            let stem = Stemmer::create(Algorithm::French)
                .stem(&token.text)
                .into_owned();
            if self.stems.len() >= CACHE_WORDS {
                self.stems.clear();
            }
            let word = std::mem::replace(&mut token.text, stem.clone());
            self.stems.insert(word, stem);
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn cached_stems_equal_plain_snowball_stems() {
        let mut cached = french_analyzer();
        let mut plain = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(StopWordFilter::new(Language::French).expect("French stop words"))
            .filter(AsciiFoldingFilter)
            .filter(tantivy::tokenizer::Stemmer::new(Language::French))
            .build();
        let text = "Médiathèques et bibliothèques : aide aux démarches administratives, \
                    ateliers numériques, médiathèque, démarche administrative";
        for _ in 0..3 {
            assert_eq!(tokens(&mut cached, text), tokens(&mut plain, text));
        }
    }

    #[test]
    fn accents_case_stop_words_and_plurals_fold_to_the_same_terms() {
        let mut analyzer = french_analyzer();
        assert_eq!(
            tokens(&mut analyzer, "Médiathèques"),
            tokens(&mut analyzer, "mediatheque")
        );
        assert_eq!(
            tokens(&mut analyzer, "Aide aux démarches administratives"),
            tokens(&mut analyzer, "aide DEMARCHES administrative")
        );
        assert_ne!(
            tokens(&mut analyzer, "mairie"),
            tokens(&mut analyzer, "médiathèque")
        );
    }
}
