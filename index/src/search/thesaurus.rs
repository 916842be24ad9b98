//! The thesaurus of everyday needs: what people type, mapped to the schema's vocabularies.
//!
//! The data speaks the national schema ("Maîtrise des outils numériques du quotidien"); people
//! type "cours d'informatique", "où imprimer", "mon dossier CAF". `data/thesaurus.toml`, shipped
//! in the binary, maps such expressions to the vocabulary values they mean, and groups words
//! that stand for each other ("ordi", "ordinateur", "pc"). A hub adds its own entries with
//! `lieux serve --thesaurus FILE`, in the same format; the file's header describes it and how
//! matching works.
//!
//! Expressions are compared as sequences of [`Key`]s: the words' Snowball stems, accents and
//! case folded, elisions dropped, stop words kept ("sans rendez-vous" is not "rendez-vous"),
//! and each word replaced by the first of its synonym group. So "ordi pas cher" finds the
//! expression "ordinateur pas cher", and "impôts" finds "impot".

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::ops::Range;

use rust_stemmers::{Algorithm, Stemmer};
use serde::Deserialize;

use crate::store::schema::filter_term;
use crate::vocab::{
    Dispositif, Frais, ModaliteAcces, ModaliteAccompagnement, PriseEnCharge, Public, Service,
    Typologie, VocabSet, Vocabulary,
};
use crate::{Error, Result};

/// The bundled thesaurus.
pub const BUNDLED: &str = include_str!("../../../data/thesaurus.toml");

/// Single letters (and "qu") left of an apostrophe: `l'`, `d'`, `qu'`… are not words.
const ELISIONS: &[&str] = &["l", "d", "j", "qu", "n", "s", "m", "t", "c"];

/// One word of a text, as the thesaurus and the place names compare it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// Lower case, no accents.
    pub folded: String,
    /// The Snowball French stem of `folded`.
    pub stem: String,
    /// Where the word is in the text, in bytes.
    pub span: Range<usize>,
}

/// The words of `text`: runs of letters and digits (hyphens and apostrophes split words),
/// elisions dropped.
#[must_use]
pub fn keys(text: &str) -> Vec<Key> {
    thread_local! {
        static STEMMER: Stemmer = Stemmer::create(Algorithm::French);
    }
    folded_words(text)
        .map(|(folded, span)| Key {
            stem: STEMMER.with(|s| s.stem(&folded).into_owned()),
            folded,
            span,
        })
        .collect()
}

/// The words of `text` as [`keys`] cuts them, folded, with where each is, without their stems
/// (stemming is most of the cost of [`keys`]).
pub fn folded_words(text: &str) -> impl Iterator<Item = (String, Range<usize>)> + '_ {
    let mut start = None;
    text.char_indices()
        .chain([(text.len(), ' ')])
        .filter_map(
            move |(at, c)| match (c.is_alphanumeric() && at < text.len(), start) {
                (true, None) => {
                    start = Some(at);
                    None
                }
                (false, Some(from)) => {
                    start = None;
                    let folded = crate::fold::fold(&text[from..at]).replace(' ', "");
                    (!ELISIONS.contains(&folded.as_str()) && !folded.is_empty())
                        .then_some((folded, from..at))
                }
                _ => None,
            },
        )
}

/// What an expression means: the services a place must offer one of to answer it, and the
/// values that raise a place's score.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Need {
    /// Places offering any of these answer the need.
    pub services: VocabSet<Service>,
    /// Terms of the index's `filters` field (`publics_specifiquement_adresses=Seniors`) that
    /// rank a place higher; never required.
    pub boosts: Vec<String>,
}

/// Expressions and synonyms, ready to read queries with.
#[derive(Clone, Debug, Default)]
pub struct Thesaurus {
    needs: Vec<Need>,
    /// The stems of an expression (synonyms replaced), joined by spaces → its needs.
    expressions: HashMap<String, Vec<usize>>,
    /// The most words an expression has.
    longest: usize,
    /// A stem → the first stem of its synonym group.
    canonical: HashMap<String, String>,
    /// The first stem of a group → the stems of every word of the group.
    groups: HashMap<String, Vec<String>>,
    /// Every folded word of every expression and synonym, for "did you mean".
    words: BTreeSet<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    need: Vec<NeedEntry>,
    #[serde(default)]
    synonyms: Vec<SynonymEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NeedEntry {
    expressions: Vec<String>,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    publics: Vec<String>,
    #[serde(default)]
    prise_en_charge: Vec<String>,
    #[serde(default)]
    frais: Vec<String>,
    #[serde(default)]
    dispositifs: Vec<String>,
    #[serde(default)]
    modalites_accompagnement: Vec<String>,
    #[serde(default)]
    modalites_acces: Vec<String>,
    #[serde(default)]
    typologies: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymEntry {
    words: Vec<String>,
}

impl Thesaurus {
    /// The bundled thesaurus, with the files of `extra` added to it (their needs added, their
    /// synonym groups joined with the bundled ones where they share a word).
    ///
    /// # Errors
    /// A file that cannot be read, is not TOML of this format, or names a value that is not a
    /// label of its vocabulary; the message names the file, the need and the value.
    pub fn load(extra: &[std::path::PathBuf]) -> Result<Self> {
        if extra.is_empty() {
            return Self::bundled();
        }
        let mut files = vec![(
            "data/thesaurus.toml (bundled)".to_owned(),
            BUNDLED.to_owned(),
        )];
        for path in extra {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            files.push((path.display().to_string(), text));
        }
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_str()))
            .collect();
        Self::parse(&files)
    }

    /// The bundled thesaurus alone.
    ///
    /// # Errors
    /// As [`Thesaurus::load`] (a unit test parses it).
    pub fn bundled() -> Result<Self> {
        Self::parse(&[("data/thesaurus.toml (bundled)", BUNDLED)])
    }

    /// The thesaurus of `files`: (name for messages, TOML text) pairs.
    ///
    /// # Errors
    /// As [`Thesaurus::load`].
    pub fn parse(files: &[(&str, &str)]) -> Result<Self> {
        let invalid = |file: &str, message: String| Error::Thesaurus {
            file: file.to_owned(),
            message,
        };
        let mut needs = Vec::new();
        let mut written: Vec<(String, usize)> = Vec::new();
        let mut groups: Vec<BTreeSet<String>> = Vec::new();
        for &(name, text) in files {
            let file: File = toml::from_str(text).map_err(|e| invalid(name, e.to_string()))?;
            for (at, entry) in file.need.into_iter().enumerate() {
                let first = entry.expressions.first().cloned().unwrap_or_default();
                let need = need_of(&entry)
                    .map_err(|m| invalid(name, format!("need {} ({first:?}): {m}", at + 1)))?;
                if entry.expressions.is_empty() {
                    return Err(invalid(name, format!("need {}: no expressions", at + 1)));
                }
                for expression in entry.expressions {
                    written.push((expression, needs.len()));
                }
                needs.push(need);
            }
            for (at, entry) in file.synonyms.into_iter().enumerate() {
                let mut group = BTreeSet::new();
                for word in &entry.words {
                    match keys(word).as_slice() {
                        [_] => group.insert(crate::fold::fold(word)),
                        _ => {
                            return Err(invalid(
                                name,
                                format!("synonyms {}: {word:?} is not one word", at + 1),
                            ))
                        }
                    };
                }
                // A word in two groups joins them.
                let (joined, apart): (Vec<_>, Vec<_>) = groups
                    .into_iter()
                    .partition(|g: &BTreeSet<String>| !g.is_disjoint(&group));
                groups = apart;
                group.extend(joined.into_iter().flatten());
                groups.push(group);
            }
        }
        let mut thesaurus = Self {
            needs,
            ..Self::default()
        };
        for group in groups {
            let stems: Vec<String> = group.iter().map(|w| keys(w)[0].stem.clone()).collect();
            let Some(first) = stems.first().cloned() else {
                continue;
            };
            for stem in &stems {
                thesaurus.canonical.insert(stem.clone(), first.clone());
            }
            thesaurus.words.extend(group);
            thesaurus.groups.entry(first).or_default().extend(stems);
        }
        for (expression, need) in written {
            let words = keys(&expression);
            if words.is_empty() {
                continue;
            }
            thesaurus.longest = thesaurus.longest.max(words.len());
            thesaurus
                .words
                .extend(words.iter().map(|w| w.folded.clone()));
            let key = thesaurus.key_of(&words);
            let needs = thesaurus.expressions.entry(key).or_default();
            if !needs.contains(&need) {
                needs.push(need);
            }
        }
        Ok(thesaurus)
    }

    /// The canonical stem of a word: the first of its synonym group, or its own.
    #[must_use]
    pub fn canonical<'a>(&'a self, stem: &'a str) -> &'a str {
        self.canonical.get(stem).map_or(stem, String::as_str)
    }

    /// The stems of every word of the synonym group of the word whose stem is `stem` (the
    /// index's stems: Snowball on folded words), `stem` itself among them.
    #[must_use]
    pub fn synonyms_of(&self, stem: &str) -> &[String] {
        self.canonical
            .get(stem)
            .and_then(|first| self.groups.get(first))
            .map_or(&[], Vec::as_slice)
    }

    fn key_of(&self, words: &[Key]) -> String {
        let mut key = String::new();
        for (i, word) in words.iter().enumerate() {
            if i > 0 {
                key.push(' ');
            }
            key.push_str(self.canonical(&word.stem));
        }
        key
    }

    /// The longest expression starting at `words[0]`: how many words it takes and its needs.
    #[must_use]
    pub fn expression_at(&self, words: &[Key]) -> Option<(usize, &[usize])> {
        (1..=self.longest.min(words.len())).rev().find_map(|len| {
            self.expressions
                .get(&self.key_of(&words[..len]))
                .map(|needs| (len, needs.as_slice()))
        })
    }

    /// Need `at`.
    #[must_use]
    pub fn need(&self, at: usize) -> &Need {
        &self.needs[at]
    }

    /// How many expressions and synonym groups it holds.
    #[must_use]
    pub fn len(&self) -> (usize, usize) {
        (self.expressions.len(), self.groups.len())
    }

    /// Whether it holds no expression.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.expressions.is_empty()
    }

    /// Every word of its expressions and synonyms (folded).
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.words.iter().map(String::as_str)
    }
}

/// The need an entry describes; an error names the value that is not a label.
fn need_of(entry: &NeedEntry) -> std::result::Result<Need, String> {
    fn values<V: Vocabulary>(
        labels: &[String],
        key: &str,
        boosts: &mut Vec<String>,
    ) -> std::result::Result<VocabSet<V>, String> {
        let mut set = VocabSet::default();
        for label in labels {
            let value = V::from_label(label).ok_or_else(|| {
                let mut message =
                    format!("{key}: {label:?} is not a value of {}; values:", V::FIELD);
                for v in V::ALL {
                    let _ = write!(message, " {:?}", v.label());
                }
                message
            })?;
            set.insert(value);
            boosts.push(filter_term(V::FIELD, value.label()));
        }
        Ok(set)
    }
    let mut boosts = Vec::new();
    let services = values::<Service>(&entry.services, "services", &mut Vec::new())?;
    values::<Public>(&entry.publics, "publics", &mut boosts)?;
    values::<PriseEnCharge>(&entry.prise_en_charge, "prise_en_charge", &mut boosts)?;
    values::<Frais>(&entry.frais, "frais", &mut boosts)?;
    values::<Dispositif>(&entry.dispositifs, "dispositifs", &mut boosts)?;
    values::<ModaliteAccompagnement>(
        &entry.modalites_accompagnement,
        "modalites_accompagnement",
        &mut boosts,
    )?;
    values::<ModaliteAcces>(&entry.modalites_acces, "modalites_acces", &mut boosts)?;
    values::<Typologie>(&entry.typologies, "typologies", &mut boosts)?;
    if services.is_empty() && boosts.is_empty() {
        return Err("it names no value: give services or another key".to_owned());
    }
    Ok(Need { services, boosts })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Thesaurus {
        Thesaurus::parse(&[("bundled", BUNDLED)]).unwrap()
    }

    fn need_of(thesaurus: &Thesaurus, text: &str) -> Option<(usize, Vec<Service>)> {
        let words = keys(text);
        thesaurus.expression_at(&words).map(|(len, needs)| {
            let services = needs
                .iter()
                .flat_map(|&n| thesaurus.need(n).services.iter())
                .collect();
            (len, services)
        })
    }

    #[test]
    fn the_bundled_thesaurus_parses_and_holds_150_expressions_or_more() {
        let thesaurus = bundled();
        let (expressions, groups) = thesaurus.len();
        assert!(expressions >= 150, "{expressions}");
        assert!(groups >= 10, "{groups}");
    }

    #[test]
    fn words_are_folded_stemmed_and_elisions_dropped() {
        let words: Vec<String> = keys("L'Île-d'Yeu, cours d’informatique")
            .into_iter()
            .map(|k| k.folded)
            .collect();
        assert_eq!(words, ["ile", "yeu", "cours", "informatique"]);
        assert_eq!(keys("Impôts")[0].stem, keys("impot")[0].stem);
    }

    #[test]
    fn expressions_match_longest_first_through_synonyms_and_inflections() {
        let thesaurus = bundled();
        let (len, services) = need_of(&thesaurus, "cours d'informatique à Cholet").unwrap();
        assert_eq!(len, 2);
        assert_eq!(services, [Service::MaitriseDesOutilsNumeriquesDuQuotidien]);
        let (len, _) = need_of(&thesaurus, "scanner un justificatif").unwrap();
        assert_eq!(len, 3, "the longer expression wins over 'scanner'");
        assert!(need_of(&thesaurus, "wifi").is_some());
        assert!(need_of(&thesaurus, "Impôts").is_some());
        assert!(
            need_of(&thesaurus, "aide").is_none(),
            "too generic to be a need"
        );
    }

    #[test]
    fn a_hub_file_adds_needs_and_joins_synonym_groups() {
        let hub = r#"
            [[need]]
            expressions = ["cyber-base de laval"]
            services = ["Accès internet et matériel informatique"]
            [[synonyms]]
            words = ["ordi", "bécane"]
        "#;
        let thesaurus = Thesaurus::parse(&[("bundled", BUNDLED), ("hub.toml", hub)]).unwrap();
        assert!(need_of(&thesaurus, "cyber base de Laval").is_some());
        let stem = &keys("bécane")[0].stem;
        let ordinateur = &keys("ordinateur")[0].stem;
        assert!(thesaurus.synonyms_of(stem).contains(ordinateur));
    }

    #[test]
    fn a_value_that_is_not_a_label_is_refused_with_the_file_and_the_labels() {
        let bad = r#"
            [[need]]
            expressions = ["ordi"]
            services = ["Informatique"]
        "#;
        let error = Thesaurus::parse(&[("hub.toml", bad)])
            .unwrap_err()
            .to_string();
        assert!(error.contains("hub.toml"), "{error}");
        assert!(error.contains("\"Informatique\""), "{error}");
        assert!(
            error.contains("Aide aux démarches administratives"),
            "{error}"
        );
        let unknown = "[[need]]\nexpressions = [\"x\"]\nservice = []\n";
        assert!(Thesaurus::parse(&[("hub.toml", unknown)]).is_err());
    }
}
