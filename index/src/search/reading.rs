//! How a query is read: the needs it names, the place it names, and the words left to search.
//!
//! "cours d'informatique à Cholet" is not three words to find in a place's fields: it is a need
//! (learning to use a computer, the service "Maîtrise des outils numériques du quotidien") and a
//! place (Cholet). [`QueryReader::read`] finds both before the text search runs:
//!
//! 1. expressions of the [`Thesaurus`], longest first, left to right;
//! 2. in the words left, a place: a commune (by name, former name or postal code) or a
//!    département (by name or number). A commune becomes a **focus**: the search runs around
//!    its centre within [`FOCUS_RADIUS_M`], since the help nearest to a person is often across
//!    the commune's border, and a small commune holds no place at all. A département becomes a
//!    **territory filter**: it names an administrative area whose places are wanted whole, and a
//!    circle around its centre would cut its edges and spill into its neighbours.
//! 3. the other words are searched as text, as before.
//!
//! A commune's name is common enough to be an everyday word ("Cours", "Mer", "Vue"), so a name
//! of one word counts only after "à", "près de", "autour de" or "vers", or when the commune lies
//! in a département where the index has places. Several communes of one name (homonyms) are told
//! apart by a département named in the same query, else by the index's places (the commune whose
//! département holds the most), else by population; the reading says which it chose and why.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Serialize;

use super::gazetteer::{gazetteer, name_key, Gazetteer};
use super::thesaurus::{folded_words, keys, Key, Thesaurus};
use crate::place::Place;
use crate::store::places::Places;
use crate::vocab::{Service, VocabSet, Vocabulary};

/// The radius of a focus on a commune, in metres.
pub const FOCUS_RADIUS_M: f64 = 10_000.0;

/// Words before a place's name that say it is one.
const PLACE_CUES: &[&[&str]] = &[
    &["a"],
    &["pres", "de"],
    &["pres", "d"],
    &["autour", "de"],
    &["proche", "de"],
    &["vers"],
    &["dans", "le"],
];

/// Words after a number that make it a quantity, not a département.
const UNITS: &[&str] = &[
    "km", "m", "h", "min", "mn", "ans", "an", "euros", "eur", "mois",
];

/// What reads queries for one index: the thesaurus, the gazetteer, the places the index holds
/// per département (to tell homonyms apart) and the words it knows (for "did you mean").
#[derive(Debug)]
pub struct QueryReader {
    /// Shared with the readers of the indexes a batch makes of this one (as `everyday`).
    thesaurus: Arc<Thesaurus>,
    gazetteer: &'static Gazetteer,
    places_per_departement: HashMap<String, u32>,
    /// Folded words of place names and communes, and the thesaurus's, with how often each is
    /// found.
    lexicon: BTreeMap<String, u32>,
    /// Everyday words (the thesaurus's and the service labels'): a commune of one such word
    /// ("Ligné", "Cours") is read as a place only after "à", "près de"…
    everyday: Arc<HashSet<String>>,
}

/// A need the query names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ReadNeed {
    /// The words that named it, as typed.
    pub expression: String,
    /// Its services (a place offering one answers it).
    #[serde(serialize_with = "labels")]
    #[schemars(schema_with = "crate::vocab::labels_schema::<Service>")]
    pub services: VocabSet<Service>,
    /// Filter terms that raise a place's score.
    #[serde(skip)]
    pub boosts: Vec<String>,
}

fn labels<S: serde::Serializer>(set: &VocabSet<Service>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(set.iter().map(Vocabulary::label))
}

/// What kind of place the query names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// A commune, by its name.
    Commune,
    /// A commune, by a name it had before it merged into a commune nouvelle.
    FormerCommune,
    /// A commune, by its postal code.
    PostalCode,
    /// A département, by its name or number.
    Departement,
}

/// How the place is applied to the search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Applied {
    /// Around the commune's centre, within `radius_m`.
    Focus,
    /// Only the département's places.
    Filter,
    /// Not applied: the request gave its own position or département, which win.
    Ignored,
}

/// Another commune of the same name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Homonym {
    /// Its INSEE code.
    pub code_insee: String,
    /// Its département.
    pub departement: String,
}

/// The place a query names.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct ReadPlace {
    /// What it is.
    pub kind: PlaceKind,
    /// The words that named it, as typed.
    pub typed: String,
    /// Its name (the commune's current name, or the département's).
    pub name: String,
    /// The INSEE code of the commune, or the département's code.
    pub code: String,
    /// The département.
    pub departement: String,
    /// The commune's centre; `None` for a département.
    pub longitude: Option<f64>,
    /// The commune's centre; `None` for a département.
    pub latitude: Option<f64>,
    /// The radius of the focus, in metres; `None` for a département.
    pub radius_m: Option<f64>,
    /// How the search uses it.
    pub applied: Applied,
    /// The other communes of the name, when there are some.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub homonyms: Vec<Homonym>,
    /// Why this commune of the name was chosen, when there were several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chosen_because: Option<&'static str>,
}

/// A query, read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reading {
    /// The needs it names.
    pub needs: Vec<ReadNeed>,
    /// The place it names.
    pub place: Option<ReadPlace>,
    /// The words left for the text search, as typed, joined by spaces; it ends inside a word
    /// only when the query did (the person is typing that word).
    pub text: String,
}

impl Reading {
    /// The services of every need, once each.
    #[must_use]
    pub fn services(&self) -> VocabSet<Service> {
        let mut all = VocabSet::default();
        for need in &self.needs {
            all.extend_from(&need.services);
        }
        all
    }
}

/// Counts the words of `text` that the lexicon keeps, `times` each.
fn learn(text: &str, times: u32, lexicon: &mut BTreeMap<String, u32>) {
    for (folded, _) in folded_words(text).filter(|(w, _)| is_learnt(w)) {
        *lexicon.entry(folded).or_default() += times;
    }
}

/// Whether the lexicon keeps a folded word: three letters or more, not a number.
fn is_learnt(folded: &str) -> bool {
    folded.chars().count() >= 3 && !folded.chars().all(|c| c.is_ascii_digit())
}

/// Takes one from `count`: whether none is left, and its key must go.
fn take_one(count: Option<&mut u32>) -> bool {
    count.is_some_and(|count| {
        *count = count.saturating_sub(1);
        *count == 0
    })
}

/// A place found in the words, before homonyms are told apart.
enum Found {
    Communes { kind: PlaceKind, communes: Vec<u32> },
    Departement(String),
}

impl QueryReader {
    /// The reader of an index of `places`, with `thesaurus`.
    #[must_use]
    pub fn new(places: &Places, thesaurus: Thesaurus) -> Self {
        let mut places_per_departement: HashMap<String, u32> = HashMap::new();
        let mut lexicon: BTreeMap<String, u32> = BTreeMap::new();
        // Names and communes repeat (a million places have some thousands of communes): each
        // distinct text is cut and folded once, and counts as often as it appears.
        let mut texts: HashMap<&str, u32> = HashMap::new();
        for place in places {
            if let Some(departement) = place.departement() {
                match places_per_departement.get_mut(departement) {
                    Some(count) => *count += 1,
                    None => {
                        places_per_departement.insert(departement.to_owned(), 1);
                    }
                }
            }
            *texts.entry(place.nom()).or_default() += 1;
            *texts.entry(place.commune()).or_default() += 1;
        }
        for (text, times) in texts {
            learn(text, times, &mut lexicon);
        }
        let mut everyday: HashSet<String> = thesaurus.words().map(str::to_owned).collect();
        for service in Service::ALL {
            everyday.extend(keys(service.label()).into_iter().map(|k| k.folded));
        }
        for word in &everyday {
            learn(word, 1, &mut lexicon);
        }
        Self {
            thesaurus: Arc::new(thesaurus),
            gazetteer: gazetteer(),
            places_per_departement,
            lexicon,
            everyday: Arc::new(everyday),
        }
    }

    /// This reader for an index that no longer holds the places `gone` and now holds the
    /// places `added` (a batch of changes applied in place): what [`QueryReader::new`] makes
    /// of that index, as each count is a sum over the places.
    #[must_use]
    pub fn amended<'a>(
        &self,
        gone: impl IntoIterator<Item = &'a Place>,
        added: impl IntoIterator<Item = &'a Place>,
    ) -> Self {
        let mut places_per_departement = self.places_per_departement.clone();
        let mut lexicon = self.lexicon.clone();
        for place in gone {
            if let Some(departement) = place.departement() {
                if take_one(places_per_departement.get_mut(departement)) {
                    places_per_departement.remove(departement);
                }
            }
            for text in [place.nom(), place.commune()] {
                for (folded, _) in folded_words(text).filter(|(w, _)| is_learnt(w)) {
                    if take_one(lexicon.get_mut(&folded)) {
                        lexicon.remove(&folded);
                    }
                }
            }
        }
        for place in added {
            if let Some(departement) = place.departement() {
                *places_per_departement
                    .entry(departement.to_owned())
                    .or_default() += 1;
            }
            learn(place.nom(), 1, &mut lexicon);
            learn(place.commune(), 1, &mut lexicon);
        }
        Self {
            thesaurus: Arc::clone(&self.thesaurus),
            gazetteer: self.gazetteer,
            places_per_departement,
            lexicon,
            everyday: Arc::clone(&self.everyday),
        }
    }

    /// What it counts of its index: the places per département, and the words it knows.
    #[cfg(test)]
    pub(crate) fn counts(&self) -> (&HashMap<String, u32>, &BTreeMap<String, u32>) {
        (&self.places_per_departement, &self.lexicon)
    }

    /// The thesaurus.
    #[must_use]
    pub fn thesaurus(&self) -> &Thesaurus {
        &self.thesaurus
    }

    /// Reads `q`. `has_position` and `has_departement` say whether the request gave its own
    /// position or département, which win over a place named in the text.
    #[must_use]
    pub fn read(&self, q: &str, has_position: bool, has_departement: bool) -> Reading {
        let words = keys(q);
        let mut taken = vec![false; words.len()];
        let mut reading = Reading::default();

        let mut at = 0;
        while at < words.len() {
            let Some((len, needs)) = self.thesaurus.expression_at(&words[at..]) else {
                at += 1;
                continue;
            };
            let mut need = ReadNeed {
                expression: typed(q, &words[at..at + len]),
                services: VocabSet::default(),
                boosts: Vec::new(),
            };
            for &n in needs {
                let found = self.thesaurus.need(n);
                need.services.extend_from(&found.services);
                need.boosts.extend(found.boosts.iter().cloned());
            }
            reading.needs.push(need);
            taken[at..at + len].fill(true);
            at += len;
        }

        reading.place = self.place(q, &words, &mut taken, has_position, has_departement);

        let left: Vec<&Key> = words
            .iter()
            .zip(&taken)
            .filter(|(_, t)| !**t)
            .map(|(w, _)| w)
            .collect();
        let mut text = left
            .iter()
            .map(|w| &q[w.span.clone()])
            .collect::<Vec<_>>()
            .join(" ");
        let typing_last =
            q.chars().last().is_some_and(char::is_alphanumeric) && taken.last() == Some(&false);
        if !text.is_empty() && !typing_last {
            text.push(' ');
        }
        reading.text = text;
        reading
    }

    /// Finds the place `words` name among those not `taken`, and takes its words (and the cue
    /// before it).
    fn place(
        &self,
        q: &str,
        words: &[Key],
        taken: &mut [bool],
        has_position: bool,
        has_departement: bool,
    ) -> Option<ReadPlace> {
        let g = self.gazetteer;
        let mut commune: Option<(Range<usize>, Found)> = None;
        let mut departement: Option<(Range<usize>, Found)> = None;
        let mut at = 0;
        while at < words.len() {
            if taken[at] {
                at += 1;
                continue;
            }
            let free = taken[at..].iter().take_while(|t| !**t).count();
            let cue = cue_before(words, at);
            let mut found = None;
            for len in (1..=g.longest_name().min(free)).rev() {
                let key = name_key(&words[at..at + len]);
                // A name of both (Mayenne) is the département, unless "à" says otherwise.
                if let Some(d) = g.departement_named(&key) {
                    let after_a = at > 0 && words[at - 1].folded == "a";
                    if !after_a || g.communes_named(&key).is_empty() {
                        found = Some((len, Found::Departement(d.code.clone())));
                        break;
                    }
                }
                let named = g.communes_named(&key);
                if named.is_empty() {
                    continue;
                }
                // One everyday word ("Ligné" in "en ligne") is a commune only after a cue.
                let plausible = len > 1
                    || cue.is_some()
                    || (!self.everyday.contains(&words[at].folded)
                        && named.iter().any(|n| {
                            self.places_per_departement
                                .contains_key(&g.commune(n.commune).departement)
                        }));
                if plausible && words[at].folded.chars().count() >= 2 {
                    let kind = if named.iter().all(|n| n.former) {
                        PlaceKind::FormerCommune
                    } else {
                        PlaceKind::Commune
                    };
                    let communes = named.iter().map(|n| n.commune).collect();
                    found = Some((len, Found::Communes { kind, communes }));
                    break;
                }
            }
            if found.is_none() {
                found = self.number_at(words, at).map(|f| (1, f));
            }
            let Some((len, what)) = found else {
                at += 1;
                continue;
            };
            let start = at - cue.unwrap_or(0);
            let slot = match what {
                Found::Departement(_) => &mut departement,
                Found::Communes { .. } => &mut commune,
            };
            if slot.is_none() {
                *slot = Some((start..at + len, what));
            }
            at += len;
        }

        let named_departement = departement.as_ref().and_then(|(_, f)| match f {
            Found::Departement(code) => Some(code.clone()),
            Found::Communes { .. } => None,
        });
        let (span, found) = match (commune, departement) {
            (Some(c), Some((d_span, _))) => {
                taken[d_span].fill(true);
                c
            }
            (Some(c), None) => c,
            (None, Some(d)) => d,
            (None, None) => return None,
        };
        let typed_words: Vec<Key> = words[span.clone()]
            .iter()
            .filter(|w| !is_cue_word(&w.folded))
            .cloned()
            .collect();
        taken[span.clone()].fill(true);
        let typed = typed(
            q,
            if typed_words.is_empty() {
                &words[span]
            } else {
                &typed_words
            },
        );
        Some(match found {
            Found::Departement(code) => {
                let nom = g
                    .departement(&code)
                    .map(|d| d.nom.clone())
                    .unwrap_or_default();
                ReadPlace {
                    kind: PlaceKind::Departement,
                    typed,
                    name: nom,
                    code: code.clone(),
                    departement: code,
                    longitude: None,
                    latitude: None,
                    radius_m: None,
                    applied: if has_departement {
                        Applied::Ignored
                    } else {
                        Applied::Filter
                    },
                    homonyms: Vec::new(),
                    chosen_because: None,
                }
            }
            Found::Communes { kind, communes } => {
                let (chosen, because) = self.choose(&communes, named_departement.as_deref());
                let commune = g.commune(chosen);
                ReadPlace {
                    kind,
                    typed,
                    name: commune.nom.clone(),
                    code: commune.code_insee.clone(),
                    departement: commune.departement.clone(),
                    longitude: Some(commune.longitude),
                    latitude: Some(commune.latitude),
                    radius_m: Some(FOCUS_RADIUS_M),
                    applied: if has_position {
                        Applied::Ignored
                    } else {
                        Applied::Focus
                    },
                    homonyms: communes
                        .iter()
                        .filter(|&&c| c != chosen)
                        .map(|&c| Homonym {
                            code_insee: g.commune(c).code_insee.clone(),
                            departement: g.commune(c).departement.clone(),
                        })
                        .collect(),
                    chosen_because: because,
                }
            }
        })
    }

    /// A postal code or a département number at `words[at]`.
    fn number_at(&self, words: &[Key], at: usize) -> Option<Found> {
        let word = &words[at].folded;
        if word.len() == 5 && word.chars().all(|c| c.is_ascii_digit()) {
            let communes = self.gazetteer.communes_of_postal_code(word);
            return if communes.is_empty() {
                // A postal code of no commune's first code: its département.
                self.gazetteer
                    .departement(&word[..2])
                    .map(|d| Found::Departement(d.code.clone()))
            } else {
                Some(Found::Communes {
                    kind: PlaceKind::PostalCode,
                    communes: communes.to_vec(),
                })
            };
        }
        let unit_after = words
            .get(at + 1)
            .is_some_and(|next| UNITS.contains(&next.folded.as_str()));
        if (2..=3).contains(&word.len()) && !unit_after {
            return self
                .gazetteer
                .departement(word)
                .map(|d| Found::Departement(d.code.clone()));
        }
        None
    }

    /// Which of several communes of one name is meant, and why (when there was a choice).
    fn choose(&self, communes: &[u32], departement: Option<&str>) -> (u32, Option<&'static str>) {
        let g = self.gazetteer;
        if let [only] = communes {
            return (*only, None);
        }
        if let Some(code) = departement {
            if let Some(&c) = communes.iter().find(|&&c| g.commune(c).departement == code) {
                return (c, Some("in the département the query names"));
            }
        }
        let places = |c: u32| {
            self.places_per_departement
                .get(&g.commune(c).departement)
                .copied()
                .unwrap_or(0)
        };
        let best = communes
            .iter()
            .copied()
            .max_by_key(|&c| (places(c), g.commune(c).population))
            .unwrap_or(communes[0]);
        let most_places = communes
            .iter()
            .all(|&c| c == best || places(c) < places(best));
        if most_places {
            (
                best,
                Some("in the département where this map has the most places"),
            )
        } else {
            (best, Some("the most populous"))
        }
    }

    /// The word of the index or the thesaurus closest to `folded` (at most two edits, one for
    /// words of four letters or fewer), the most frequent among equals.
    #[must_use]
    pub fn closest_word(&self, folded: &str) -> Option<&str> {
        let letters = folded.chars().count();
        let most = if letters <= 4 { 1 } else { 2 };
        let first = folded.chars().next()?;
        self.lexicon
            .iter()
            .filter(|(word, _)| {
                word.chars().count().abs_diff(letters) <= most
                    && word.as_str() != folded
                    && word.starts_with(first)
            })
            .filter_map(|(word, &count)| {
                let distance = strsim::damerau_levenshtein(folded, word);
                (distance <= most).then_some((distance, std::cmp::Reverse(count), word))
            })
            .min()
            .map(|(_, _, word)| word.as_str())
    }
}

/// The text of `words` in `q`, from the first word's start to the last one's end.
fn typed(q: &str, words: &[Key]) -> String {
    match (words.first(), words.last()) {
        (Some(first), Some(last)) => q[first.span.start..last.span.end].to_owned(),
        _ => String::new(),
    }
}

/// How many words before `at` say that a place's name follows ("à", "près de"…).
fn cue_before(words: &[Key], at: usize) -> Option<usize> {
    PLACE_CUES.iter().find_map(|cue| {
        let len = cue.len();
        (at >= len
            && words[at - len..at]
                .iter()
                .zip(cue.iter())
                .all(|(w, c)| w.folded == *c))
        .then_some(len)
    })
}

fn is_cue_word(folded: &str) -> bool {
    PLACE_CUES.iter().any(|cue| cue.contains(&folded))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::report::Report;
    use crate::store::write_index;

    /// A reader over an index of places in Maine-et-Loire and Vendée only.
    fn reader() -> (tempfile::TempDir, QueryReader) {
        let dir = tempfile::tempdir().unwrap();
        let places: Vec<_> = crate::ingest::generate::test_places(3_000, 5)
            .into_iter()
            .filter(|p| matches!(p.departement(), Some("49" | "85")))
            .collect();
        assert!(places.len() > 20, "{}", places.len());
        let out = dir.path().join("idx");
        write_index(
            &places,
            &Report::default(),
            Vec::new(),
            &out,
            &crate::store::NoProgress,
        )
        .unwrap();
        let index = crate::store::PlaceIndex::open(&out).unwrap();
        let thesaurus = Thesaurus::parse(&[("bundled", super::super::thesaurus::BUNDLED)]).unwrap();
        (dir, QueryReader::new(&index.places, thesaurus))
    }

    #[test]
    fn a_need_and_a_commune_are_read_and_nothing_is_left() {
        let (_dir, reader) = reader();
        let reading = reader.read("cours d'informatique à Cholet", false, false);
        assert_eq!(reading.needs.len(), 1);
        assert_eq!(reading.needs[0].expression, "cours d'informatique");
        assert!(reading
            .services()
            .contains(Service::MaitriseDesOutilsNumeriquesDuQuotidien));
        let place = reading.place.unwrap();
        assert_eq!(
            (place.kind, place.code.as_str(), place.applied),
            (PlaceKind::Commune, "49099", Applied::Focus)
        );
        assert_eq!(place.typed, "Cholet");
        assert_eq!(reading.text, "");
    }

    #[test]
    fn communes_with_spaces_for_hyphens_and_st_for_saint() {
        let (_dir, reader) = reader();
        let reading = reader.read("aide caf la roche sur yon", false, false);
        assert_eq!(reading.place.unwrap().code, "85191");
        assert_eq!(reading.text, "aide ");
        let reading = reader.read("st herblain impots", false, false);
        assert_eq!(reading.place.unwrap().code, "44162");
    }

    #[test]
    fn homonyms_prefer_the_named_departement_then_the_data() {
        let (_dir, reader) = reader();
        let place = reader
            .read("internet avrillé 85", false, false)
            .place
            .unwrap();
        assert_eq!(place.code, "85010");
        assert_eq!(
            place.chosen_because,
            Some("in the département the query names")
        );
        assert_eq!(place.homonyms[0].code_insee, "49015");
        let place = reader.read("atelier avrillé", false, false).place.unwrap();
        assert!(["49015", "85010"].contains(&place.code.as_str()));
        assert!(place.chosen_because.is_some());
        assert_eq!(place.homonyms.len(), 1);
    }

    #[test]
    fn departements_by_name_or_number_are_filters_and_quantities_are_not() {
        let (_dir, reader) = reader();
        let place = reader
            .read("wifi maine et loire", false, false)
            .place
            .unwrap();
        assert_eq!(
            (place.kind, place.code.as_str(), place.applied),
            (PlaceKind::Departement, "49", Applied::Filter)
        );
        assert_eq!(
            reader.read("imprimer 49", false, false).place.unwrap().code,
            "49"
        );
        assert!(reader
            .read("à moins de 10 km", false, false)
            .place
            .is_none());
        let place = reader.read("ordinateur 49300", false, false).place.unwrap();
        assert_eq!(
            (place.kind, place.code.as_str()),
            (PlaceKind::PostalCode, "49099")
        );
    }

    #[test]
    fn former_names_and_an_explicit_position_win() {
        let (_dir, reader) = reader();
        let place = reader.read("aide caf segré", false, false).place.unwrap();
        assert_eq!(
            (place.kind, place.code.as_str()),
            (PlaceKind::FormerCommune, "49331")
        );
        assert_eq!(
            reader
                .read("wifi Cholet", true, false)
                .place
                .unwrap()
                .applied,
            Applied::Ignored
        );
    }

    #[test]
    fn an_everyday_word_is_a_commune_only_after_a_cue() {
        let (_dir, reader) = reader();
        assert!(reader
            .read("démarches en ligne", false, false)
            .place
            .is_none());
        let place = reader
            .read("démarches à Ligné", false, false)
            .place
            .unwrap();
        assert_eq!(place.code, "44082");
        assert_eq!(place.typed, "Ligné");
    }

    #[test]
    fn a_word_being_typed_stays_a_prefix() {
        let (_dir, reader) = reader();
        assert_eq!(reader.read("wifi mair", false, false).text, "mair");
        assert_eq!(reader.read("mairie wifi", false, false).text, "mairie ");
    }

    #[test]
    fn the_closest_known_word_is_offered() {
        let (_dir, reader) = reader();
        assert_eq!(reader.closest_word("informatiqeu"), Some("informatique"));
        assert_eq!(reader.closest_word("zzzzzz"), None);
    }
}
