//! Filters: which places a map or a search shows.
//!
//! Tiles, clusters and search take the same filters: a value set per vocabulary (several values
//! of one filter combine with OR, `|`-separated as in the schema), the territory (départements,
//! EPCIs, postal and INSEE codes), a free-text `q`, and a `polygon` (GeoJSON, see
//! [`crate::polygon`]). Different filters combine with AND. Which places pass is the search engine's to say
//! ([`crate::search::SearchIndex::matching`]), with its compact facet rows and its text bitmap.
//!
//! A [`PlaceFilter`] has a canonical key ([`PlaceFilter::key`]): two requests that ask for the
//! same places in a different order or spelling share one key, and so one cached cluster
//! hierarchy.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::place::Place;
use crate::polygon::{PolygonError, Polygons};
use crate::vocab::{
    Dispositif, Fraicheur, Frais, ModaliteAcces, ModaliteAccompagnement, PriseEnCharge, Public,
    Service, Typologie, VocabSet, Vocabulary,
};

/// A filter parameter that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{parameter}: {message}")]
pub struct FilterError {
    /// The query parameter.
    pub parameter: String,
    /// What is wrong, and what would be right.
    pub message: String,
    /// Whether the value is over a bound of size (a polygon's bytes or positions) rather
    /// than malformed.
    pub too_large: bool,
}

impl FilterError {
    fn new(parameter: &str, message: impl Into<String>) -> Self {
        Self {
            parameter: parameter.to_owned(),
            message: message.into(),
            too_large: false,
        }
    }
}

/// The longest `q` accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// Which places to keep.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlaceFilter {
    /// Services (any of).
    pub services: VocabSet<Service>,
    /// Audiences (any of).
    pub publics: VocabSet<Public>,
    /// Specific support (any of).
    pub prise_en_charge: VocabSet<PriseEnCharge>,
    /// Fees (any of).
    pub frais_a_charge: VocabSet<Frais>,
    /// National programmes (any of).
    pub dispositifs: VocabSet<Dispositif>,
    /// Access modes (any of).
    pub modalites_acces: VocabSet<ModaliteAcces>,
    /// Support modes (any of).
    pub modalites_accompagnement: VocabSet<ModaliteAccompagnement>,
    /// Structure types (any of).
    pub typologie: VocabSet<Typologie>,
    /// Freshness of the record (any of), from `date_maj` ([`crate::freshness`]).
    pub fraicheur: VocabSet<Fraicheur>,
    /// Département codes (any of).
    pub departements: BTreeSet<String>,
    /// Postal codes (any of).
    pub codes_postaux: BTreeSet<String>,
    /// INSEE commune codes (any of).
    pub codes_insee: BTreeSet<String>,
    /// EPCIs by SIREN (any of): a place passes when its commune belongs to one
    /// ([`crate::territory`]).
    pub epcis: BTreeSet<String>,
    /// Free text, as typed.
    pub q: Option<String>,
    /// Only the places inside these polygons, or on their boundary.
    pub polygon: Option<Arc<Polygons>>,
}

/// The filter parameters: the name each is read under (the canonical one), the names it
/// accepts (the schema's field name last, which the API documents), and what it keeps.
const PARAMETERS: &[(&str, &[&str], &str)] = &[
    (
        "services",
        &["services"],
        "Services offered (any of), e.g. `Aide aux démarches administratives`.",
    ),
    (
        "publics",
        &["publics", "publics_specifiquement_adresses"],
        "Audiences (any of); alias `publics`.",
    ),
    (
        "prise_en_charge",
        &["prise_en_charge", "prise_en_charge_specifique"],
        "Specific support (any of); alias `prise_en_charge`.",
    ),
    ("frais_a_charge", &["frais_a_charge"], "Fees (any of)."),
    (
        "dispositif_programmes_nationaux",
        &["dispositif_programmes_nationaux"],
        "National programmes (any of).",
    ),
    (
        "modalites_acces",
        &["modalites_acces"],
        "Access modes (any of).",
    ),
    (
        "modalites_accompagnement",
        &["modalites_accompagnement"],
        "Support modes (any of).",
    ),
    (
        "typologie",
        &["typologie"],
        "Structure types (any of), by code (`MUNI`).",
    ),
    (
        "fraicheur",
        &["fraicheur"],
        "How recently the record was updated (any of): `a_jour`, `a_verifier` or `ancienne`, against the server's thresholds (`--fresh-days`, `--stale-days`).",
    ),
    (
        "departement",
        &["departement"],
        "Département codes (any of): `49`, `2A`, `974`.",
    ),
    ("code_postal", &["code_postal"], "Postal codes (any of)."),
    (
        "code_insee",
        &["code_insee"],
        "INSEE commune codes (any of): `49007`, `2A004`.",
    ),
    (
        "epci",
        &["epci"],
        "EPCIs (intercommunalités) by SIREN (any of), e.g. `244900015` for Angers Loire Métropole: the places of their communes. `/suggest` offers them by name.",
    ),
    (
        "q",
        &["q"],
        "Free text, as typed: French words, accents optional, one typo tolerated in words of five letters or more, the last word matched as a prefix; everyday words name needs (`wifi`, `cours informatique`), and a commune or département named is searched around.",
    ),
    (
        "polygon",
        &["polygon"],
        "Only the places inside a GeoJSON `Polygon` or `MultiPolygon` geometry (RFC 7946: `[longitude, latitude]` positions, longitudes within ±180, latitudes within ±90, each ring closed and of four positions at least), or on its boundary; holes are left out by the even-odd rule. At most 10,000 positions in all and 262,144 bytes of text (413 `polygon_too_large` over either); a large polygon goes in the JSON body of a POST where the route takes one, as a query string is bounded (`--max-query-string`).",
    ),
];

/// A filter parameter, as the API documents it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterParameter {
    /// Its name: the schema's field name.
    pub name: &'static str,
    /// What it keeps.
    pub description: &'static str,
    /// What each of its values may be.
    pub values: FilterValues,
}

/// Every filter parameter, in the order of the schema's fields.
#[must_use]
pub fn filter_parameters() -> Vec<FilterParameter> {
    PARAMETERS
        .iter()
        .filter_map(|(_, names, description)| {
            let name = names.last()?;
            Some(FilterParameter {
                name,
                description,
                values: parameter_values(name)?,
            })
        })
        .collect()
}

/// What each value of a filter parameter may be (several are joined with `|`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterValues {
    /// A label of a vocabulary, in the standard's order.
    Labels(Vec<&'static str>),
    /// A code matching this regular expression (ECMA 262, as JSON Schema reads it).
    Pattern(&'static str),
    /// Free text.
    Text,
    /// A GeoJSON `Polygon` or `MultiPolygon` geometry, as JSON text.
    Geometry,
}

/// What the values of the filter parameter `name` may be; `None` when it is no filter.
#[must_use]
pub fn parameter_values(name: &str) -> Option<FilterValues> {
    fn labels<V: Vocabulary>() -> FilterValues {
        FilterValues::Labels(V::ALL.iter().map(|v| v.label()).collect())
    }
    let (canonical, _, _) = PARAMETERS
        .iter()
        .find(|(_, names, _)| names.contains(&name))?;
    Some(match *canonical {
        "services" => labels::<Service>(),
        "publics" => labels::<Public>(),
        "prise_en_charge" => labels::<PriseEnCharge>(),
        "frais_a_charge" => labels::<Frais>(),
        "dispositif_programmes_nationaux" => labels::<Dispositif>(),
        "modalites_acces" => labels::<ModaliteAcces>(),
        "modalites_accompagnement" => labels::<ModaliteAccompagnement>(),
        "typologie" => labels::<Typologie>(),
        "fraicheur" => labels::<Fraicheur>(),
        // As `is_departement`, `is_code_postal` and `is_code_insee` read them, after trimming.
        // Empty values between pipes are ignored.
        "departement" => FilterValues::Pattern("^ *([0-9]{2,3}|2[AaBb])? *$"),
        "code_postal" => FilterValues::Pattern("^ *([0-9]{5})? *$"),
        "code_insee" => FilterValues::Pattern("^ *([0-9A-Za-z]{5})? *$"),
        // As `is_epci` reads it. A code of no EPCI keeps no place, as a code of no commune.
        "epci" => FilterValues::Pattern("^ *([0-9]{9})? *$"),
        "polygon" => FilterValues::Geometry,
        _ => FilterValues::Text,
    })
}

impl PlaceFilter {
    /// Whether `name` is a filter parameter.
    #[must_use]
    pub fn is_parameter(name: &str) -> bool {
        PARAMETERS.iter().any(|(_, names, _)| names.contains(&name))
    }

    /// Reads the filter parameters among `pairs` (other names are ignored, for the caller to
    /// judge). A parameter given twice is an error, as is an unknown vocabulary value.
    ///
    /// # Errors
    /// [`FilterError`] naming the parameter and the accepted values.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, FilterError> {
        let mut filter = Self::default();
        let mut seen = BTreeSet::new();
        for (name, value) in pairs {
            let Some((canonical, _, _)) = PARAMETERS
                .iter()
                .find(|(_, names, _)| names.contains(&name))
            else {
                continue;
            };
            if !seen.insert(*canonical) {
                return Err(FilterError::new(
                    name,
                    "given twice; join several values with |",
                ));
            }
            match *canonical {
                "services" => filter.services = vocab_set(name, value)?,
                "publics" => filter.publics = vocab_set(name, value)?,
                "prise_en_charge" => filter.prise_en_charge = vocab_set(name, value)?,
                "frais_a_charge" => filter.frais_a_charge = vocab_set(name, value)?,
                "dispositif_programmes_nationaux" => filter.dispositifs = vocab_set(name, value)?,
                "modalites_acces" => filter.modalites_acces = vocab_set(name, value)?,
                "modalites_accompagnement" => {
                    filter.modalites_accompagnement = vocab_set(name, value)?;
                }
                "typologie" => filter.typologie = vocab_set(name, value)?,
                "fraicheur" => filter.fraicheur = vocab_set(name, value)?,
                "departement" => filter.departements = codes(name, value, is_departement)?,
                "code_postal" => filter.codes_postaux = codes(name, value, is_code_postal)?,
                "code_insee" => filter.codes_insee = codes(name, value, is_code_insee)?,
                "epci" => filter.epcis = codes(name, value, is_epci)?,
                "polygon" => {
                    let polygons = Polygons::from_geojson(value).map_err(|e| FilterError {
                        too_large: matches!(e, PolygonError::TooLarge(_)),
                        ..FilterError::new(name, e.to_string())
                    })?;
                    filter.polygon = Some(Arc::new(polygons));
                }
                _ => {
                    let q = value.trim();
                    if q.chars().count() > MAX_QUERY_CHARS {
                        return Err(FilterError::new(
                            name,
                            format!("longer than {MAX_QUERY_CHARS} characters"),
                        ));
                    }
                    filter.q = (!q.is_empty()).then(|| q.to_owned());
                }
            }
        }
        Ok(filter)
    }

    /// Whether the filter keeps every place.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// A canonical text for the filter: equal for filters that keep the same places.
    #[must_use]
    pub fn key(&self) -> String {
        if self.is_empty() {
            return String::new();
        }
        let mut parts = Vec::new();
        let mut push = |name: &str, value: String| {
            if !value.is_empty() {
                parts.push(format!("{name}={value}"));
            }
        };
        push("services", self.services.to_pipe_string());
        push("publics", self.publics.to_pipe_string());
        push("prise_en_charge", self.prise_en_charge.to_pipe_string());
        push("frais_a_charge", self.frais_a_charge.to_pipe_string());
        push("dispositif", self.dispositifs.to_pipe_string());
        push("modalites_acces", self.modalites_acces.to_pipe_string());
        push(
            "modalites_accompagnement",
            self.modalites_accompagnement.to_pipe_string(),
        );
        push("typologie", self.typologie.to_pipe_string());
        push("fraicheur", self.fraicheur.to_pipe_string());
        push("departement", join(&self.departements));
        push("code_postal", join(&self.codes_postaux));
        push("code_insee", join(&self.codes_insee));
        push("epci", join(&self.epcis));
        if let Some(q) = &self.q {
            push("q", crate::fold::fold(q));
        }
        if let Some(polygon) = &self.polygon {
            push("polygon", polygon.key().to_owned());
        }
        parts.join("&")
    }

    /// Whether `place` passes the vocabulary and code filters (not `q`, nor `fraicheur`, which
    /// the search engine's facet rows know).
    #[must_use]
    pub fn matches_fields(&self, place: &Place) -> bool {
        fn any_of<V: Vocabulary>(wanted: &VocabSet<V>, has: &VocabSet<V>) -> bool {
            wanted.is_empty() || wanted.intersects(has)
        }
        any_of(&self.services, &place.services)
            && any_of(&self.publics, &place.publics_specifiquement_adresses)
            && any_of(&self.prise_en_charge, &place.prise_en_charge_specifique)
            && any_of(&self.frais_a_charge, &place.frais_a_charge)
            && any_of(&self.dispositifs, &place.dispositif_programmes_nationaux)
            && any_of(&self.modalites_acces, &place.modalites_acces)
            && any_of(
                &self.modalites_accompagnement,
                &place.modalites_accompagnement,
            )
            && any_of(&self.typologie, &place.typologie)
            && (self.departements.is_empty()
                || place
                    .departement()
                    .is_some_and(|d| self.departements.contains(d)))
            && self.matches_codes(place)
            && self.matches_polygon(place)
    }

    /// Whether `place` is inside the filter's polygon, when it has one.
    #[must_use]
    pub fn matches_polygon(&self, place: &Place) -> bool {
        self.polygon
            .as_ref()
            .is_none_or(|polygon| polygon.contains(place.longitude, place.latitude))
    }

    /// Whether the filter names postal codes, INSEE codes or EPCIs: what
    /// [`PlaceFilter::matches_codes`] judges.
    #[must_use]
    pub fn has_codes(&self) -> bool {
        !(self.codes_postaux.is_empty() && self.codes_insee.is_empty() && self.epcis.is_empty())
    }

    /// Whether `place` passes the postal code, INSEE code and EPCI filters, its commune read
    /// by [`crate::territory::commune_of`] (from its postal code and commune name when it has
    /// no INSEE code).
    #[must_use]
    pub fn matches_codes(&self, place: &Place) -> bool {
        if !self.codes_postaux.is_empty() && !self.codes_postaux.contains(place.code_postal()) {
            return false;
        }
        if self.codes_insee.is_empty() && self.epcis.is_empty() {
            return true;
        }
        let Some(commune) = crate::territory::commune_of(place) else {
            return false;
        };
        (self.codes_insee.is_empty() || self.codes_insee.contains(commune.as_ref()))
            && (self.epcis.is_empty()
                || crate::territory::epcis()
                    .of_commune(&commune)
                    .is_some_and(|epci| self.epcis.contains(&epci.code)))
    }
}

fn join(codes: &BTreeSet<String>) -> String {
    codes
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("|")
}

fn vocab_set<V: Vocabulary>(parameter: &str, value: &str) -> Result<VocabSet<V>, FilterError> {
    let mut set = VocabSet::new();
    for label in value.split('|').map(str::trim).filter(|l| !l.is_empty()) {
        let known = V::lookup(label).ok_or_else(|| {
            FilterError::new(
                parameter,
                format!(
                    "{label:?} is not a value of {}; the values are: {}",
                    V::FIELD,
                    V::ALL
                        .iter()
                        .map(|v| v.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        set.insert(known);
    }
    Ok(set)
}

fn codes(
    parameter: &str,
    value: &str,
    valid: fn(&str) -> bool,
) -> Result<BTreeSet<String>, FilterError> {
    value
        .split('|')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|code| {
            let code = code.to_ascii_uppercase();
            if valid(&code) {
                Ok(code)
            } else {
                Err(FilterError::new(
                    parameter,
                    format!("{code:?} is not a valid code"),
                ))
            }
        })
        .collect()
}

fn is_epci(code: &str) -> bool {
    code.len() == 9 && code.bytes().all(|b| b.is_ascii_digit())
}

fn is_departement(code: &str) -> bool {
    matches!(code.len(), 2 | 3)
        && (code.bytes().all(|b| b.is_ascii_digit()) || code == "2A" || code == "2B")
}

fn is_code_postal(code: &str) -> bool {
    code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit())
}

fn is_code_insee(code: &str) -> bool {
    code.len() == 5 && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_aliases_and_report_unknown_values() {
        let filter = PlaceFilter::from_pairs([
            (
                "services",
                "Aide aux démarches administratives|aide aux demarches administratives",
            ),
            ("publics_specifiquement_adresses", "Seniors"),
            ("departement", "49|2a"),
            ("zoom", "4"),
        ])
        .unwrap();
        assert_eq!(filter.services.len(), 1);
        assert!(filter.publics.contains(Public::Seniors));
        assert_eq!(filter.departements.iter().collect::<Vec<_>>(), ["2A", "49"]);

        let err = PlaceFilter::from_pairs([("services", "Cuisine")]).unwrap_err();
        assert_eq!(err.parameter, "services");
        assert!(
            err.message.contains("Aide aux démarches administratives"),
            "{err}"
        );
        let err =
            PlaceFilter::from_pairs([("departement", "44"), ("departement", "49")]).unwrap_err();
        assert!(err.message.contains("twice"));
        assert!(PlaceFilter::from_pairs([("departement", "4/9")]).is_err());
        assert!(PlaceFilter::from_pairs([("q", "x".repeat(201).as_str())]).is_err());
    }

    #[test]
    fn an_epci_keeps_the_places_of_its_communes() {
        let filter = PlaceFilter::from_pairs([("epci", " 244900015 |")]).unwrap();
        assert_eq!(filter.key(), "epci=244900015");
        assert!(filter.has_codes());
        let err = PlaceFilter::from_pairs([("epci", "24490001")]).unwrap_err();
        assert_eq!(err.parameter, "epci");
        let at = |code_insee: &str| {
            let mut place = crate::ingest::generate::test_places(1, 3).remove(0);
            place.texts = place
                .texts
                .with(crate::place::TextField::CodeInsee, code_insee);
            place
        };
        assert!(filter.matches_codes(&at("49007")), "Angers");
        assert!(!filter.matches_codes(&at("44109")), "Nantes");
        assert!(!filter.matches_codes(&at("")), "no commune");
    }

    #[test]
    fn equivalent_filters_share_a_key() {
        let a = PlaceFilter::from_pairs([("services", "Payant"), ("q", "")]);
        assert!(a.is_err(), "Payant is a fee, not a service");
        let a = PlaceFilter::from_pairs([("frais_a_charge", "Payant|Gratuit"), ("q", "Mairie")])
            .unwrap();
        let b = PlaceFilter::from_pairs([("q", "mairie"), ("frais_a_charge", "gratuit|payant")])
            .unwrap();
        assert_eq!(a.key(), b.key());
        assert!(PlaceFilter::default().is_empty());
        assert_eq!(PlaceFilter::default().key(), "");
    }
}
