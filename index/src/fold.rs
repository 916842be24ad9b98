//! Text normalisation shared by vocabulary look-ups and de-duplication.
//!
//! French sources spell the same words with and without accents, in capitals, with typographic
//! apostrophes and with stray spaces. Comparing folded forms makes "Médiathèque  d’Angers" and
//! "MEDIATHEQUE D'ANGERS" equal without touching the text we store.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lower-cases `text`, strips accents, straightens apostrophes and collapses white space.
#[must_use]
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            '\u{2019}' | '\u{2018}' | '`' | '\u{b4}' => out.push('\''),
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Words that carry no identity in a place name ("de", "la", "l'"…).
const STOP_WORDS: &[&str] = &[
    "a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "sur",
];

/// The significant words of a name, folded, in order: what de-duplication compares.
#[must_use]
pub fn name_tokens(name: &str) -> Vec<String> {
    fold(name)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty() && !STOP_WORDS.contains(word))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_apostrophes_and_spacing() {
        assert_eq!(fold("  Médiathèque  d’Angers "), "mediatheque d'angers");
        assert_eq!(fold("MÉDIATHÈQUE D'ANGERS"), "mediatheque d'angers");
        assert_eq!(fold("Cœur"), "coeur");
    }

    #[test]
    fn name_tokens_drop_stop_words_and_punctuation() {
        assert_eq!(
            name_tokens("France services de l'Île-d'Yeu"),
            ["france", "services", "ile", "yeu"]
        );
    }
}
