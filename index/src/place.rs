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

macro_rules! text_fields {
    ($($variant:ident => $schema:ident,)*) => {
        /// The free-text fields of a place, in schema order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[allow(missing_docs)]
        pub enum TextField { $($variant,)* }

        impl TextField {
            /// Every text field, in schema order.
            pub const ALL: [Self; TEXT_FIELDS] = [$(Self::$variant,)*];

            /// The schema field.
            #[must_use]
            pub fn schema_field(self) -> SchemaField {
                match self { $(Self::$variant => SchemaField::$schema,)* }
            }

            /// The text field of a schema field, if it is one.
            #[must_use]
            pub fn of(field: SchemaField) -> Option<Self> {
                match field { $(SchemaField::$schema => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

/// The number of [`TextField`]s.
pub const TEXT_FIELDS: usize = 19;

text_fields! {
    Id => Id,
    Pivot => Pivot,
    Nom => Nom,
    Commune => Commune,
    CodePostal => CodePostal,
    CodeInsee => CodeInsee,
    Adresse => Adresse,
    ComplementAdresse => ComplementAdresse,
    Telephone => Telephone,
    Courriels => Courriels,
    SiteWeb => SiteWeb,
    Horaires => Horaires,
    PresentationResume => PresentationResume,
    PresentationDetail => PresentationDetail,
    Source => Source,
    StructureParente => StructureParente,
    AutresFormationsLabels => AutresFormationsLabels,
    FicheAccesLibre => FicheAccesLibre,
    PriseRdv => PriseRdv,
}

/// The text fields of one place, in one allocation: the values end to end, and where each ends.
///
/// A million places are held in memory at once; one buffer per place instead of a string per
/// field cuts both the memory (no per-string header and allocator overhead) and the time to
/// load an index (one allocation per place instead of a dozen).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceTexts {
    buf: Box<str>,
    ends: [u32; TEXT_FIELDS],
}

impl PlaceTexts {
    /// The texts, with `value(field)` for each field; values are trimmed.
    pub fn new<'a>(mut value: impl FnMut(TextField) -> &'a str) -> Self {
        let mut buf = String::new();
        let mut ends = [0u32; TEXT_FIELDS];
        for (end, field) in ends.iter_mut().zip(TextField::ALL) {
            buf.push_str(value(field).trim());
            *end = u32::try_from(buf.len()).expect("a place's text is under 4 GiB");
        }
        Self {
            buf: buf.into_boxed_str(),
            ends,
        }
    }

    /// The value of `field` ("" when absent).
    #[must_use]
    pub fn get(&self, field: TextField) -> &str {
        let i = field as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.buf[start..self.ends[i] as usize]
    }

    /// The same texts with `field` set to `value`.
    #[must_use]
    pub fn with(&self, field: TextField, value: &str) -> Self {
        Self::new(|f| if f == field { value } else { self.get(f) })
    }
}

/// A place, validated against schema v1.0.2.
///
/// Free text is read with [`Place::text`] (or the named accessors), absent values being "";
/// coordinates and vocabulary sets are plain fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Place {
    /// Every free-text field (see [`TextField`]).
    pub texts: PlaceTexts,
    /// WGS84 degrees, always present: a place that cannot be put on a map is rejected.
    pub latitude: f64,
    pub longitude: f64,
    pub typologie: VocabSet<Typologie>,
    pub itinerance: VocabSet<Itinerance>,
    #[serde(with = "date_serde")]
    pub date_maj: NaiveDate,
    /// How precisely `date_maj` is known: a source may give only a month or a year, or no
    /// readable date at all (then `date_maj` is the source's extraction date or its file's
    /// date, and this is [`DatePrecision::Unknown`]). The schema's CSV has no column for it.
    #[serde(default)]
    pub date_precision: DatePrecision,
    pub services: VocabSet<Service>,
    pub publics_specifiquement_adresses: VocabSet<Public>,
    pub prise_en_charge_specifique: VocabSet<PriseEnCharge>,
    pub frais_a_charge: VocabSet<Frais>,
    pub dispositif_programmes_nationaux: VocabSet<Dispositif>,
    pub formations_labels: VocabSet<FormationLabel>,
    pub modalites_acces: VocabSet<ModaliteAcces>,
    pub modalites_accompagnement: VocabSet<ModaliteAccompagnement>,
    /// Source values that could not be normalised (outside a vocabulary, malformed), verbatim.
    pub autres_valeurs: Box<[OtherValue]>,
}

/// How precisely a place's `date_maj` is known.
///
/// A date known to the month or the year is the first day of that month or year; an unknown
/// date is a stand-in (the source's extraction date, or its file's date), never the day of the
/// import passed off as a real one. See `ingest::normalize::date`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    /// The source gave the day.
    #[default]
    Day,
    /// The source gave the month: `date_maj` is its first day.
    Month,
    /// The source gave the year: `date_maj` is the 1st of January.
    Year,
    /// The source gave no readable date: `date_maj` is a stand-in.
    Unknown,
}

impl Place {
    /// Whether the source said when the place was last updated, to the day, month or year.
    /// A place whose date is not known counts as stale wherever freshness matters.
    #[must_use]
    pub fn date_maj_known(&self) -> bool {
        self.date_precision != DatePrecision::Unknown
    }

    /// The value of a text field ("" when absent).
    #[must_use]
    pub fn text(&self, field: TextField) -> &str {
        self.texts.get(field)
    }

    /// Its longitude and latitude, bit for bit: what tells whether a place moved (a cluster
    /// hierarchy, a map, the columns of positions are made of them exactly).
    #[must_use]
    pub fn position_bits(&self) -> (u64, u64) {
        (self.longitude.to_bits(), self.latitude.to_bits())
    }

    /// Unique local identifier.
    #[must_use]
    pub fn id(&self) -> &str {
        self.text(TextField::Id)
    }

    /// Name.
    #[must_use]
    pub fn nom(&self) -> &str {
        self.text(TextField::Nom)
    }

    /// Commune name.
    #[must_use]
    pub fn commune(&self) -> &str {
        self.text(TextField::Commune)
    }

    /// Postal code.
    #[must_use]
    pub fn code_postal(&self) -> &str {
        self.text(TextField::CodePostal)
    }

    /// Who collected the record; the sources of a merged place joined with `|`.
    #[must_use]
    pub fn source(&self) -> &str {
        self.text(TextField::Source)
    }

    /// The département code ("44", "2A", "974"), from the INSEE code or else the postal code.
    #[must_use]
    pub fn departement(&self) -> Option<&str> {
        let insee = self.text(TextField::CodeInsee);
        departement_of((!insee.is_empty()).then_some(insee), self.code_postal())
    }

    /// The text of `field` as the schema's CSV writes it: multi-values joined with `|`, numbers
    /// in full precision, the date in ISO form, an absent value as the empty string.
    #[must_use]
    pub fn field_text(&self, field: SchemaField) -> String {
        if let Some(text) = TextField::of(field) {
            return self.text(text).to_owned();
        }
        match field {
            SchemaField::Latitude => self.latitude.to_string(),
            SchemaField::Longitude => self.longitude.to_string(),
            SchemaField::Typologie => self.typologie.to_pipe_string(),
            SchemaField::Itinerance => self.itinerance.to_pipe_string(),
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
            SchemaField::ModalitesAcces => self.modalites_acces.to_pipe_string(),
            SchemaField::ModalitesAccompagnement => self.modalites_accompagnement.to_pipe_string(),
            _ => String::new(),
        }
    }
}

/// `date_maj` as ISO text in human-readable formats (JSON) and as a day number in binary ones
/// (the persisted index), where parsing a million dates would slow loading down.
mod date_serde {
    use chrono::{Datelike, NaiveDate};
    use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            date.format("%Y-%m-%d").to_string().serialize(serializer)
        } else {
            date.num_days_from_ce().serialize(serializer)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
        if deserializer.is_human_readable() {
            let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
            NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(de::Error::custom)
        } else {
            let days = i32::deserialize(deserializer)?;
            NaiveDate::from_num_days_from_ce_opt(days)
                .ok_or_else(|| de::Error::custom(format!("{days} is not a date")))
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
    fn texts_are_stored_end_to_end_and_read_back() {
        let texts = PlaceTexts::new(|f| match f {
            TextField::Id => "a1",
            TextField::Nom => " Médiathèque ",
            TextField::PriseRdv => "https://rdv.example",
            _ => "",
        });
        assert_eq!(texts.get(TextField::Id), "a1");
        assert_eq!(texts.get(TextField::Nom), "Médiathèque");
        assert_eq!(texts.get(TextField::Commune), "");
        assert_eq!(texts.get(TextField::PriseRdv), "https://rdv.example");
        let renamed = texts.with(TextField::Id, "a1-2");
        assert_eq!(renamed.get(TextField::Id), "a1-2");
        assert_eq!(renamed.get(TextField::Nom), "Médiathèque");
        for field in TextField::ALL {
            assert_eq!(TextField::of(field.schema_field()), Some(field));
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
