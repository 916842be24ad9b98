//! The communes and départements of France, by the names a query may give them.
//!
//! A search box is asked "cours d'informatique à Cholet", "st herblain impôts", "wifi 49":
//! the place is in the text. The gazetteer finds it: every commune by its name (accents, case,
//! hyphens and apostrophes optional; "st" and "ste" for "saint" and "sainte"), by its former
//! names (a commune déléguée of a commune nouvelle, "Segré" for Segré-en-Anjou Bleu) and by its
//! postal code, and every département by its name and number. It is built once per process
//! from `data/communes.csv` and `data/territoires.csv`, which are compiled in.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::thesaurus::{keys, Key};

const COMMUNES: &str = include_str!("../../../data/communes.csv");
const TERRITOIRES: &str = include_str!("../../../data/territoires.csv");

/// One commune.
#[derive(Clone, Debug, PartialEq)]
pub struct Commune {
    /// Its INSEE code.
    pub code_insee: String,
    /// Its name.
    pub nom: String,
    /// Its département's code.
    pub departement: String,
    /// Its first postal code.
    pub code_postal: String,
    /// Its centre.
    pub longitude: f64,
    /// Its centre.
    pub latitude: f64,
    /// Its population.
    pub population: u64,
}

/// One département.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Departement {
    /// Its code (`49`, `2A`, `974`).
    pub code: String,
    /// Its name.
    pub nom: String,
}

/// A commune a name can mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Named {
    /// The commune, by position in [`Gazetteer::communes`].
    pub commune: u32,
    /// Whether the name is one it had before it merged.
    pub former: bool,
}

/// Communes and départements by name.
#[derive(Debug)]
pub struct Gazetteer {
    communes: Vec<Commune>,
    by_name: HashMap<String, Vec<Named>>,
    by_postal_code: HashMap<String, Vec<u32>>,
    departements: Vec<Departement>,
    departement_by_name: HashMap<String, usize>,
    departement_by_code: HashMap<String, usize>,
    /// The most words a name has.
    longest: usize,
}

/// The gazetteer of the bundled files.
pub fn gazetteer() -> &'static Gazetteer {
    static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(Gazetteer::bundled);
    &GAZETTEER
}

/// The key of a name: its folded words, with "st"/"ste" spelt out, joined by spaces.
#[must_use]
pub fn name_key(words: &[Key]) -> String {
    let mut key = String::new();
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            key.push(' ');
        }
        key.push_str(match word.folded.as_str() {
            "st" => "saint",
            "ste" => "sainte",
            other => other,
        });
    }
    key
}

impl Gazetteer {
    fn bundled() -> Self {
        let mut gazetteer = Self {
            communes: Vec::new(),
            by_name: HashMap::new(),
            by_postal_code: HashMap::new(),
            departements: Vec::new(),
            departement_by_name: HashMap::new(),
            departement_by_code: HashMap::new(),
            longest: 1,
        };
        let mut communes = csv::Reader::from_reader(COMMUNES.as_bytes());
        for row in communes.records().flatten() {
            let field = |i: usize| row.get(i).unwrap_or("").to_owned();
            let commune = Commune {
                code_insee: field(0),
                nom: field(1),
                departement: field(2),
                code_postal: field(3),
                latitude: field(4).parse().unwrap_or(f64::NAN),
                longitude: field(5).parse().unwrap_or(f64::NAN),
                population: field(6).parse().unwrap_or(0),
            };
            if !commune.latitude.is_finite() || !commune.longitude.is_finite() {
                continue;
            }
            let at = u32::try_from(gazetteer.communes.len()).unwrap_or(u32::MAX);
            gazetteer.add_name(&commune.nom, at, false);
            if !commune.code_postal.is_empty() {
                gazetteer
                    .by_postal_code
                    .entry(commune.code_postal.clone())
                    .or_default()
                    .push(at);
            }
            gazetteer.communes.push(commune);
        }
        let by_insee: HashMap<String, u32> = gazetteer
            .communes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code_insee.clone(), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        let mut territoires = csv::Reader::from_reader(TERRITOIRES.as_bytes());
        for row in territoires.records().flatten() {
            match (row.get(0), row.get(1), row.get(2)) {
                (Some("departement"), Some(code), Some(nom)) => {
                    let at = gazetteer.departements.len();
                    gazetteer
                        .departement_by_name
                        .insert(name_key(&keys(nom)), at);
                    gazetteer
                        .departement_by_code
                        .insert(code.to_ascii_lowercase(), at);
                    gazetteer.departements.push(Departement {
                        code: code.to_owned(),
                        nom: nom.to_owned(),
                    });
                }
                (Some("ancienne"), Some(code), Some(nom)) => {
                    if let Some(&at) = by_insee.get(code) {
                        gazetteer.add_name(nom, at, true);
                    }
                }
                _ => {}
            }
        }
        gazetteer
    }

    fn add_name(&mut self, name: &str, commune: u32, former: bool) {
        let words = keys(name);
        if words.is_empty() {
            return;
        }
        self.longest = self.longest.max(words.len());
        let named = self.by_name.entry(name_key(&words)).or_default();
        if !named.iter().any(|n| n.commune == commune) {
            named.push(Named { commune, former });
        }
    }

    /// Commune `at`.
    #[must_use]
    pub fn commune(&self, at: u32) -> &Commune {
        &self.communes[at as usize]
    }

    /// The communes a name key ([`name_key`]) can mean.
    #[must_use]
    pub fn communes_named(&self, key: &str) -> &[Named] {
        self.by_name.get(key).map_or(&[], Vec::as_slice)
    }

    /// The communes whose first postal code is `code`.
    #[must_use]
    pub fn communes_of_postal_code(&self, code: &str) -> &[u32] {
        self.by_postal_code.get(code).map_or(&[], Vec::as_slice)
    }

    /// The département a name key names.
    #[must_use]
    pub fn departement_named(&self, key: &str) -> Option<&Departement> {
        self.departement_by_name
            .get(key)
            .map(|&at| &self.departements[at])
    }

    /// The département of a code (`49`, `2a`, `974`), in any case.
    #[must_use]
    pub fn departement(&self, code: &str) -> Option<&Departement> {
        self.departement_by_code
            .get(&code.to_ascii_lowercase())
            .map(|&at| &self.departements[at])
    }

    /// The most words a commune's name has.
    #[must_use]
    pub fn longest_name(&self) -> usize {
        self.longest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(text: &str) -> Vec<String> {
        gazetteer()
            .communes_named(&name_key(&keys(text)))
            .iter()
            .map(|n| gazetteer().commune(n.commune).code_insee.clone())
            .collect()
    }

    #[test]
    fn communes_are_found_with_or_without_accents_hyphens_and_saint() {
        assert_eq!(named("la roche sur yon"), ["85191"]);
        assert_eq!(named("LA ROCHE-SUR-YON"), ["85191"]);
        assert_eq!(named("st herblain"), ["44162"]);
        assert_eq!(named("Saint-Herblain"), ["44162"]);
        assert_eq!(named("ile d'yeu"), ["85113"]);
    }

    #[test]
    fn homonyms_and_former_names_are_all_kept() {
        let mut avrille = named("avrille");
        avrille.sort();
        assert_eq!(avrille, ["49015", "85010"]);
        let segre = gazetteer().communes_named("segre");
        assert!(segre
            .iter()
            .any(|n| n.former && gazetteer().commune(n.commune).code_insee == "49331"));
    }

    #[test]
    fn departements_by_name_and_number() {
        let g = gazetteer();
        assert_eq!(
            g.departement_named(&name_key(&keys("Maine-et-Loire")))
                .unwrap()
                .code,
            "49"
        );
        assert_eq!(g.departement_named("vendee").unwrap().code, "85");
        assert_eq!(g.departement("2A").unwrap().nom, "Corse-du-Sud");
        assert_eq!(g.departement("974").unwrap().nom, "La Réunion");
        assert!(g.departement("99").is_none());
        assert_eq!(g.communes_of_postal_code("49300").len(), 1);
    }
}
