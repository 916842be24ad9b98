//! A place's commune, and the EPCIs (intercommunalités) of France with the communes each is
//! made of: what the territory filters that go by commune (`code_insee`, `epci`) read.
//!
//! A partner of a hub is often an intercommunalité, which wants the places of its communes: the
//! `epci` filter keeps a place whose commune is one of them, and completion offers the EPCIs by
//! name. A place carries no EPCI of its own (no source gives one): its commune says it, so an
//! EPCI is resolved to its set of communes, and the per-place structures stay as they are.
//!
//! Most sources give no INSEE code (527 of the 649 bundled places have none), only a postal
//! code and a commune name: such a place's commune is the one of that name with that postal
//! code (former names of merged communes included), else the one of that name in the postal
//! code's département when there is only one (a CEDEX code, a `St` for `Saint`).
//!
//! The tables are `data/epci.csv` and `data/codes_postaux.csv` (built from the gazetteer
//! package, see `data/README.md`), compiled in and read once per process.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use crate::place::{Place, TextField};

const EPCI_CSV: &str = include_str!("../../data/epci.csv");
const CODES_POSTAUX_CSV: &str = include_str!("../../data/codes_postaux.csv");

/// The INSEE code of the commune of `place`: its own `code_insee`, else the commune its postal
/// code and commune name name (see the module documentation); `None` when neither says.
#[must_use]
pub fn commune_of(place: &Place) -> Option<Cow<'_, str>> {
    let code = place.text(TextField::CodeInsee);
    if !code.is_empty() {
        return Some(Cow::Borrowed(code));
    }
    communes()
        .named(place.code_postal(), place.commune())
        .map(Cow::Borrowed)
}

/// The key a commune's name is compared by: folded words, `st` and `ste` spelt out, without
/// numbers or `cedex` (`49350 GENNES-VAL-DE-LOIRE`, `ANGERS CEDEX 01`).
#[must_use]
pub fn commune_key(name: &str) -> String {
    crate::fold::fold(name)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| {
            !(word.is_empty() || *word == "cedex" || word.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(|word| match word {
            "st" => "saint",
            "ste" => "sainte",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The communes by postal code and name.
struct Communes {
    /// `(postal code, name key)` → INSEE code.
    by_postal_code: HashMap<(String, String), String>,
    /// `(département, name key)` → INSEE code, when the name is one commune's in it.
    by_departement: HashMap<(String, String), Option<String>>,
}

fn communes() -> &'static Communes {
    static COMMUNES: LazyLock<Communes> = LazyLock::new(Communes::bundled);
    &COMMUNES
}

impl Communes {
    fn bundled() -> Self {
        let mut communes = Self {
            by_postal_code: HashMap::new(),
            by_departement: HashMap::new(),
        };
        // The file's lines are `code_postal,nom,code_insee`, names quoted when they hold a comma.
        let mut rows = csv::Reader::from_reader(CODES_POSTAUX_CSV.as_bytes());
        let mut record = csv::StringRecord::new();
        while rows.read_record(&mut record).unwrap_or(false) {
            let (Some(postal), Some(nom), Some(insee)) =
                (record.get(0), record.get(1), record.get(2))
            else {
                continue;
            };
            let key = commune_key(nom);
            let departement = crate::place::departement_of(None, postal).unwrap_or("");
            communes
                .by_departement
                .entry((departement.to_owned(), key.clone()))
                .and_modify(|known| {
                    if known.as_deref() != Some(insee) {
                        *known = None;
                    }
                })
                .or_insert_with(|| Some(insee.to_owned()));
            communes
                .by_postal_code
                .insert((postal.to_owned(), key), insee.to_owned());
        }
        communes
    }

    /// The INSEE code of the commune `name` of `postal_code`.
    fn named(&self, postal_code: &str, name: &str) -> Option<&str> {
        if name.is_empty() {
            return None;
        }
        let key = (postal_code.to_owned(), commune_key(name));
        if let Some(code) = self.by_postal_code.get(&key) {
            return Some(code);
        }
        let departement = crate::place::departement_of(None, postal_code)?;
        self.by_departement
            .get(&(departement.to_owned(), key.1))?
            .as_deref()
    }
}

/// One EPCI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Epci {
    /// Its SIREN, nine digits: what `epci=` takes.
    pub code: String,
    /// Its name ("CU Angers Loire Métropole").
    pub nom: String,
    /// The INSEE codes of its communes (and of their arrondissements municipaux), sorted.
    pub communes: Vec<String>,
}

/// Every EPCI, and the EPCI of each commune.
#[derive(Debug)]
pub struct Epcis {
    epcis: Vec<Epci>,
    by_code: HashMap<String, usize>,
    by_commune: HashMap<String, usize>,
}

/// The EPCIs of the bundled table.
#[must_use]
pub fn epcis() -> &'static Epcis {
    static EPCIS: LazyLock<Epcis> = LazyLock::new(Epcis::bundled);
    &EPCIS
}

impl Epcis {
    fn bundled() -> Self {
        let mut table = Self {
            epcis: Vec::new(),
            by_code: HashMap::new(),
            by_commune: HashMap::new(),
        };
        let mut rows = csv::Reader::from_reader(EPCI_CSV.as_bytes());
        for row in rows.records().flatten() {
            let (Some(code), Some(nom), Some(communes)) = (row.get(0), row.get(1), row.get(2))
            else {
                continue;
            };
            let at = table.epcis.len();
            let mut communes: Vec<String> = communes
                .split('|')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect();
            communes.sort_unstable();
            for commune in &communes {
                table.by_commune.insert(commune.clone(), at);
            }
            table.by_code.insert(code.to_owned(), at);
            table.epcis.push(Epci {
                code: code.to_owned(),
                nom: nom.to_owned(),
                communes,
            });
        }
        table
    }

    /// The EPCI of a code, if there is one.
    #[must_use]
    pub fn get(&self, code: &str) -> Option<&Epci> {
        self.by_code.get(code).map(|&at| &self.epcis[at])
    }

    /// The EPCI `place`'s commune belongs to ([`commune_of`]).
    #[must_use]
    pub fn of_place(&self, place: &Place) -> Option<&Epci> {
        self.of_commune(&commune_of(place)?)
    }

    /// The EPCI the commune of INSEE code `code_insee` belongs to.
    #[must_use]
    pub fn of_commune(&self, code_insee: &str) -> Option<&Epci> {
        self.by_commune.get(code_insee).map(|&at| &self.epcis[at])
    }

    /// Every EPCI, by code.
    #[must_use]
    pub fn all(&self) -> &[Epci] {
        &self.epcis
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_without_insee_code_is_in_the_commune_its_postal_code_and_name_say() {
        let at = |code_insee: &str, code_postal: &str, commune: &str| {
            let mut place = crate::ingest::generate::test_places(1, 3).remove(0);
            place.texts = place
                .texts
                .with(TextField::CodeInsee, code_insee)
                .with(TextField::CodePostal, code_postal)
                .with(TextField::Commune, commune);
            commune_of(&place).map(Cow::into_owned)
        };
        assert_eq!(at("49007", "", "").as_deref(), Some("49007"));
        assert_eq!(at("", "49100", "ANGERS").as_deref(), Some("49007"));
        assert_eq!(at("", "49941", "Angers Cedex 9").as_deref(), Some("49007"));
        assert_eq!(
            at("", "53370", "St pierre des nids").as_deref(),
            Some("53246")
        );
        // A former commune, by the postal codes of the one it belongs to now.
        assert_eq!(at("", "49500", "Segré").as_deref(), Some("49331"));
        assert_eq!(at("", "49100", "Nulle-Part"), None);
        assert_eq!(at("", "", ""), None);
    }

    #[test]
    fn an_epci_holds_its_communes_and_each_commune_names_it() {
        let angers = epcis().get("244900015").expect("Angers Loire Métropole");
        assert!(angers.nom.contains("Angers Loire"), "{}", angers.nom);
        assert!(angers.communes.iter().any(|c| c == "49007"));
        assert_eq!(epcis().of_commune("49007").unwrap().code, "244900015");
        // Marseille's arrondissements belong to the EPCI of Marseille.
        let marseille = epcis().of_commune("13055").unwrap();
        assert_eq!(epcis().of_commune("13201").unwrap().code, marseille.code);
        assert!(epcis().get("000000000").is_none());
        assert!(epcis().all().len() > 1000);
    }
}
