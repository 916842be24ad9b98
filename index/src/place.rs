//! The place record of the *schéma des lieux de médiation numérique* v1.0.2.
//!
//! [`Place`] has one Rust field per schema field, in the schema's order, and nothing else but the
//! values that fell outside a vocabulary (kept so that nothing a source said is lost). It is the
//! validated form: a `Place` always has coordinates on the globe and only standard labels in its
//! vocabulary fields. Text is held in `Box<str>` because a million places are held in memory at
//! once and every word of a `String` header counts there.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::vocab::{
    Dispositif, FormationLabel, Frais, Itinerance, ModaliteAcces, ModaliteAccompagnement,
    PriseEnCharge, Public, Service, Typologie, VocabSet,
};

/// The fields of schema v1.0.2, in the standard's column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum SchemaField {
    Id,
    Pivot,
    Nom,
    Commune,
    CodePostal,
    CodeInsee,
    Adresse,
    ComplementAdresse,
    Latitude,
    Longitude,
    Typologie,
    Telephone,
    Courriels,
    SiteWeb,
    Horaires,
    PresentationResume,
    PresentationDetail,
    Source,
    Itinerance,
    StructureParente,
    DateMaj,
    Services,
    PublicsSpecifiquementAdresses,
    PriseEnChargeSpecifique,
    FraisACharge,
    DispositifProgrammesNationaux,
    FormationsLabels,
    AutresFormationsLabels,
    ModalitesAcces,
    ModalitesAccompagnement,
    FicheAccesLibre,
    PriseRdv,
}

impl SchemaField {
    /// Every field, in the standard's column order.
    pub const ALL: [Self; 32] = [
        Self::Id,
        Self::Pivot,
        Self::Nom,
        Self::Commune,
        Self::CodePostal,
        Self::CodeInsee,
        Self::Adresse,
        Self::ComplementAdresse,
        Self::Latitude,
        Self::Longitude,
        Self::Typologie,
        Self::Telephone,
        Self::Courriels,
        Self::SiteWeb,
        Self::Horaires,
        Self::PresentationResume,
        Self::PresentationDetail,
        Self::Source,
        Self::Itinerance,
        Self::StructureParente,
        Self::DateMaj,
        Self::Services,
        Self::PublicsSpecifiquementAdresses,
        Self::PriseEnChargeSpecifique,
        Self::FraisACharge,
        Self::DispositifProgrammesNationaux,
        Self::FormationsLabels,
        Self::AutresFormationsLabels,
        Self::ModalitesAcces,
        Self::ModalitesAccompagnement,
        Self::FicheAccesLibre,
        Self::PriseRdv,
    ];

    /// The column name in the standard.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Pivot => "pivot",
            Self::Nom => "nom",
            Self::Commune => "commune",
            Self::CodePostal => "code_postal",
            Self::CodeInsee => "code_insee",
            Self::Adresse => "adresse",
            Self::ComplementAdresse => "complement_adresse",
            Self::Latitude => "latitude",
            Self::Longitude => "longitude",
            Self::Typologie => "typologie",
            Self::Telephone => "telephone",
            Self::Courriels => "courriels",
            Self::SiteWeb => "site_web",
            Self::Horaires => "horaires",
            Self::PresentationResume => "presentation_resume",
            Self::PresentationDetail => "presentation_detail",
            Self::Source => "source",
            Self::Itinerance => "itinerance",
            Self::StructureParente => "structure_parente",
            Self::DateMaj => "date_maj",
            Self::Services => "services",
            Self::PublicsSpecifiquementAdresses => "publics_specifiquement_adresses",
            Self::PriseEnChargeSpecifique => "prise_en_charge_specifique",
            Self::FraisACharge => "frais_a_charge",
            Self::DispositifProgrammesNationaux => "dispositif_programmes_nationaux",
            Self::FormationsLabels => "formations_labels",
            Self::AutresFormationsLabels => "autres_formations_labels",
            Self::ModalitesAcces => "modalites_acces",
            Self::ModalitesAccompagnement => "modalites_accompagnement",
            Self::FicheAccesLibre => "fiche_acces_libre",
            Self::PriseRdv => "prise_rdv",
        }
    }

    /// The field named `name` in the standard.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|field| field.name() == name)
    }

    /// Whether the field holds several values separated by `|`.
    #[must_use]
    pub fn is_multi_valued(self) -> bool {
        matches!(
            self,
            Self::Typologie
                | Self::Courriels
                | Self::SiteWeb
                | Self::Itinerance
                | Self::Services
                | Self::PublicsSpecifiquementAdresses
                | Self::PriseEnChargeSpecifique
                | Self::FraisACharge
                | Self::DispositifProgrammesNationaux
                | Self::FormationsLabels
                | Self::ModalitesAcces
                | Self::ModalitesAccompagnement
        )
    }

    /// The position of the field in [`SchemaField::ALL`].
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A value that a source gave for a vocabulary field but that is not one of its labels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherValue {
    /// The vocabulary field.
    pub field: SchemaField,
    /// The source's text, unchanged.
    pub value: Box<str>,
}

/// A place, validated against schema v1.0.2.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Place {
    /// Unique local identifier.
    pub id: Box<str>,
    /// SIRET or RNA number; `00000000000000` when the source does not know it.
    pub pivot: Box<str>,
    pub nom: Box<str>,
    pub commune: Box<str>,
    pub code_postal: Box<str>,
    pub code_insee: Option<Box<str>>,
    pub adresse: Box<str>,
    pub complement_adresse: Option<Box<str>>,
    /// WGS84 degrees, always present: a place that cannot be put on a map is rejected.
    pub latitude: f64,
    pub longitude: f64,
    pub typologie: VocabSet<Typologie>,
    /// E.164 number (`+33…`).
    pub telephone: Option<Box<str>>,
    /// E-mail addresses joined with `|`.
    pub courriels: Option<Box<str>>,
    /// URLs joined with `|`.
    pub site_web: Option<Box<str>>,
    /// OSM `opening_hours`.
    pub horaires: Option<Box<str>>,
    pub presentation_resume: Option<Box<str>>,
    pub presentation_detail: Option<Box<str>>,
    /// Who collected the record; the sources of a merged place joined with `|`.
    pub source: Option<Box<str>>,
    pub itinerance: VocabSet<Itinerance>,
    pub structure_parente: Option<Box<str>>,
    pub date_maj: NaiveDate,
    pub services: VocabSet<Service>,
    pub publics_specifiquement_adresses: VocabSet<Public>,
    pub prise_en_charge_specifique: VocabSet<PriseEnCharge>,
    pub frais_a_charge: VocabSet<Frais>,
    pub dispositif_programmes_nationaux: VocabSet<Dispositif>,
    pub formations_labels: VocabSet<FormationLabel>,
    pub autres_formations_labels: Option<Box<str>>,
    pub modalites_acces: VocabSet<ModaliteAcces>,
    pub modalites_accompagnement: VocabSet<ModaliteAccompagnement>,
    pub fiche_acces_libre: Option<Box<str>>,
    pub prise_rdv: Option<Box<str>>,
    /// Source values that could not be normalised (outside a vocabulary, malformed), verbatim.
    pub autres_valeurs: Box<[OtherValue]>,
}

impl Place {
    /// The département code ("44", "2A", "974"), from the INSEE code or else the postal code.
    #[must_use]
    pub fn departement(&self) -> Option<&str> {
        departement_of(self.code_insee.as_deref(), &self.code_postal)
    }

    /// The text of `field` as the schema's CSV writes it: multi-values joined with `|`, numbers
    /// in full precision, the date in ISO form, an absent value as the empty string.
    #[must_use]
    pub fn field_text(&self, field: SchemaField) -> String {
        fn opt(value: Option<&str>) -> String {
            value.unwrap_or_default().to_owned()
        }
        match field {
            SchemaField::Id => self.id.to_string(),
            SchemaField::Pivot => self.pivot.to_string(),
            SchemaField::Nom => self.nom.to_string(),
            SchemaField::Commune => self.commune.to_string(),
            SchemaField::CodePostal => self.code_postal.to_string(),
            SchemaField::CodeInsee => opt(self.code_insee.as_deref()),
            SchemaField::Adresse => self.adresse.to_string(),
            SchemaField::ComplementAdresse => opt(self.complement_adresse.as_deref()),
            SchemaField::Latitude => self.latitude.to_string(),
            SchemaField::Longitude => self.longitude.to_string(),
            SchemaField::Typologie => self.typologie.to_pipe_string(),
            SchemaField::Telephone => opt(self.telephone.as_deref()),
            SchemaField::Courriels => opt(self.courriels.as_deref()),
            SchemaField::SiteWeb => opt(self.site_web.as_deref()),
            SchemaField::Horaires => opt(self.horaires.as_deref()),
            SchemaField::PresentationResume => opt(self.presentation_resume.as_deref()),
            SchemaField::PresentationDetail => opt(self.presentation_detail.as_deref()),
            SchemaField::Source => opt(self.source.as_deref()),
            SchemaField::Itinerance => self.itinerance.to_pipe_string(),
            SchemaField::StructureParente => opt(self.structure_parente.as_deref()),
            SchemaField::DateMaj => self.date_maj.format("%Y-%m-%d").to_string(),
            SchemaField::Services => self.services.to_pipe_string(),
            SchemaField::PublicsSpecifiquementAdresses => {
                self.publics_specifiquement_adresses.to_pipe_string()
            }
            SchemaField::PriseEnChargeSpecifique => {
                self.prise_en_charge_specifique.to_pipe_string()
            }
            SchemaField::FraisACharge => self.frais_a_charge.to_pipe_string(),
            SchemaField::DispositifProgrammesNationaux => {
                self.dispositif_programmes_nationaux.to_pipe_string()
            }
            SchemaField::FormationsLabels => self.formations_labels.to_pipe_string(),
            SchemaField::AutresFormationsLabels => opt(self.autres_formations_labels.as_deref()),
            SchemaField::ModalitesAcces => self.modalites_acces.to_pipe_string(),
            SchemaField::ModalitesAccompagnement => self.modalites_accompagnement.to_pipe_string(),
            SchemaField::FicheAccesLibre => opt(self.fiche_acces_libre.as_deref()),
            SchemaField::PriseRdv => opt(self.prise_rdv.as_deref()),
        }
    }
}

/// The département of a commune, from its INSEE code (preferred) or its postal code.
///
/// Overseas départements have three digits (971…976); Corsica's postal codes start with 20 and
/// its INSEE codes with 2A or 2B, so a postal code alone splits Corsica at 20200.
#[must_use]
pub fn departement_of<'a>(code_insee: Option<&'a str>, code_postal: &'a str) -> Option<&'a str> {
    let code = code_insee.filter(|c| c.len() == 5).unwrap_or(code_postal);
    if code.len() != 5 || !code.is_ascii() {
        return None;
    }
    if code.starts_with("97") || code.starts_with("98") {
        return Some(&code[..3]);
    }
    if code.starts_with("20") && code_insee.is_none_or(|c| c.len() != 5) {
        // Corsican postal codes: 200xx and 201xx are Corse-du-Sud, the rest Haute-Corse.
        return Some(if code < "20200" { "2A" } else { "2B" });
    }
    Some(&code[..2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_follow_the_standard_order() {
        let names: Vec<_> = SchemaField::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(names[0], "id");
        assert_eq!(names[20], "date_maj");
        assert_eq!(names[31], "prise_rdv");
        for field in SchemaField::ALL {
            assert_eq!(SchemaField::from_name(field.name()), Some(field));
            assert_eq!(SchemaField::ALL[field.index()], field);
        }
    }

    #[test]
    fn departement_prefers_the_insee_code() {
        assert_eq!(departement_of(Some("49007"), "49000"), Some("49"));
        assert_eq!(departement_of(None, "44000"), Some("44"));
        assert_eq!(departement_of(Some("2A004"), "20000"), Some("2A"));
        assert_eq!(departement_of(None, "20000"), Some("2A"));
        assert_eq!(departement_of(None, "20600"), Some("2B"));
        assert_eq!(departement_of(None, "97400"), Some("974"));
        assert_eq!(departement_of(None, ""), None);
    }
}
