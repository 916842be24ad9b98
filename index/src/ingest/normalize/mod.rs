//! Validation and normalisation: from a [`Draft`] of text to a [`Place`] of the schema.
//!
//! Each field is checked against schema v1.0.2 (required fields, patterns, ranges, vocabularies,
//! dates). The rule is to lose nothing:
//! - a value that can be fixed is fixed (a phone number written `02 41 43 28 13` becomes
//!   `+33241432813`) and the fix is reported as a warning;
//! - a value that cannot be fixed is taken out of its field, kept verbatim in
//!   [`Place::autres_valeurs`], and reported as a warning;
//! - only a record that cannot be put on a map (no usable coordinates) is rejected, and reported.

pub mod date;
pub mod described_hours;
pub mod position;

use chrono::NaiveDate;
use proj4rs::proj::Proj;

use crate::ingest::mapping::{Crs, Draft, SourceMapping};
use crate::ingest::read::RowLocation;
use crate::ingest::weekly_hours::{read_week_text, PeriodHours};
use crate::place::{DatePrecision, OtherValue, Place, PlaceTexts, SchemaField, TextField};
use crate::store::report::{Problem, Report, Severity};
use crate::vocab::{VocabSet, Vocabulary};
use crate::{Error, Result};

/// The pivot the standard prescribes when the SIRET or RNA number is unknown.
pub const UNKNOWN_PIVOT: &str = "00000000000000";

/// The schema's limit on `presentation_resume`.
const RESUME_MAX_CHARS: usize = 280;

/// What the normaliser needs to know about the file a draft comes from.
pub struct Normalizer {
    file: String,
    source_name: String,
    source_label: Option<String>,
    decimal_comma: bool,
    date_formats: Vec<String>,
    projection: Option<(Proj, Proj)>,
    /// What "matin" and "après-midi" mean in hours read from descriptions.
    periods: PeriodHours,
    /// Whether hours labelled in `presentation_detail` are read when `horaires` is empty.
    hours_from_description: bool,
    /// The day the source's data were extracted, when its mapping says (`[source].extracted_on`).
    extracted_on: Option<NaiveDate>,
    /// The day the file was last modified, when known.
    file_modified: Option<NaiveDate>,
    today: NaiveDate,
}

impl Normalizer {
    /// A normaliser for rows of `file` read through `mapping`.
    ///
    /// # Errors
    /// [`Error::Mapping`] when the mapping's coordinate system cannot be set up.
    pub fn new(file: &str, mapping: &SourceMapping) -> Result<Self> {
        let projection = match &mapping.source.crs {
            Crs::Wgs84 => None,
            Crs::Projected { name, proj4 } => {
                let bad = |e: proj4rs::errors::Error| Error::Mapping {
                    origin: mapping.source.name.clone(),
                    message: format!("crs {name}: {e}"),
                };
                let from = Proj::from_proj_string(proj4).map_err(bad)?;
                let to =
                    Proj::from_proj_string("+proj=longlat +datum=WGS84 +no_defs").map_err(bad)?;
                Some((from, to))
            }
        };
        Ok(Self {
            file: file.to_owned(),
            source_name: mapping.source.name.clone(),
            source_label: mapping.source.label.clone(),
            decimal_comma: mapping.source.decimal_comma,
            date_formats: mapping.source.date_formats.clone(),
            projection,
            periods: mapping.periods().map_err(|message| Error::Mapping {
                origin: mapping.source.name.clone(),
                message,
            })?,
            hours_from_description: mapping.source.hours_from_description,
            extracted_on: mapping.source.extracted_on,
            file_modified: None,
            today: chrono::Local::now().date_naive(),
        })
    }

    /// The same normaliser, told the day its file was last modified: the stand-in for an
    /// unreadable `date_maj` when the mapping gives no extraction date.
    #[must_use]
    pub fn with_file_modified(mut self, day: Option<NaiveDate>) -> Self {
        self.file_modified = day;
        self
    }

    /// Validates one record. Returns `None` when it is rejected; every problem goes to `report`.
    pub fn place(
        &self,
        draft: &Draft,
        x: &str,
        y: &str,
        at: RowLocation,
        report: &mut Report,
    ) -> Option<Place> {
        let mut record = Record {
            normalizer: self,
            at,
            report,
            others: Vec::new(),
        };
        let (longitude, latitude) = record.coordinates(x, y)?;
        let text = |field: SchemaField| draft.text(field).trim();

        let id = match text(SchemaField::Id) {
            "" => {
                let id = format!("{}-{}", self.source_name, at.row);
                record.warn(SchemaField::Id, "", &format!("missing: set to {id}"));
                id
            }
            id => id.to_owned(),
        };
        let pivot = record.pivot(text(SchemaField::Pivot));
        let adresse = record.required(SchemaField::Adresse, text(SchemaField::Adresse));
        let nom = match text(SchemaField::Nom) {
            "" => {
                let nom = if adresse.is_empty() {
                    "Lieu sans nom"
                } else {
                    &adresse
                };
                record.warn(SchemaField::Nom, "", &format!("missing: set to {nom:?}"));
                nom.to_owned()
            }
            nom => nom.to_owned(),
        };
        let commune = record.required(SchemaField::Commune, text(SchemaField::Commune));
        let code_postal = record.code_postal(text(SchemaField::CodePostal));
        let code_insee = record.code_insee(text(SchemaField::CodeInsee));
        let (longitude, latitude) =
            record.check_position(longitude, latitude, code_insee.as_deref(), &code_postal);
        let source = match (text(SchemaField::Source), &self.source_label) {
            ("", Some(label)) => Some(label.clone().into_boxed_str()),
            (source, _) => optional(source),
        };
        let (presentation_resume, presentation_detail) = record.presentation(
            text(SchemaField::PresentationResume),
            text(SchemaField::PresentationDetail),
        );
        let mut autres_formations_labels = optional(text(SchemaField::AutresFormationsLabels));
        let formations_labels = record.vocab_set(draft, SchemaField::FormationsLabels);
        let others_formations: Vec<_> = record
            .others
            .iter()
            .filter(|o| o.field == SchemaField::FormationsLabels)
            .map(|o| o.value.to_string())
            .collect();
        if !others_formations.is_empty() {
            // The schema has a field for labels outside its list: they belong there.
            record
                .others
                .retain(|o| o.field != SchemaField::FormationsLabels);
            let mut all: Vec<String> = autres_formations_labels
                .iter()
                .map(|s| s.to_string())
                .collect();
            all.extend(others_formations);
            autres_formations_labels = Some(all.join("|").into_boxed_str());
        }
        let horaires = record.horaires(draft, presentation_detail.as_deref());

        let typologie = record.vocab_set(draft, SchemaField::Typologie);
        let telephone = record.telephone(text(SchemaField::Telephone));
        let courriels = record.emails(draft.get(SchemaField::Courriels));
        let site_web = record.urls(SchemaField::SiteWeb, draft.get(SchemaField::SiteWeb));
        let fiche_acces_libre = record.urls(
            SchemaField::FicheAccesLibre,
            draft.get(SchemaField::FicheAccesLibre),
        );
        let prise_rdv = record.urls(SchemaField::PriseRdv, draft.get(SchemaField::PriseRdv));
        let itinerance = record.vocab_set(draft, SchemaField::Itinerance);
        let (date_maj, date_precision) = record.date(text(SchemaField::DateMaj));
        let services = record.vocab_set(draft, SchemaField::Services);
        let publics = record.vocab_set(draft, SchemaField::PublicsSpecifiquementAdresses);
        let prise_en_charge = record.vocab_set(draft, SchemaField::PriseEnChargeSpecifique);
        let frais_a_charge = record.vocab_set(draft, SchemaField::FraisACharge);
        let dispositif = record.vocab_set(draft, SchemaField::DispositifProgrammesNationaux);
        let modalites_acces = record.vocab_set(draft, SchemaField::ModalitesAcces);
        let modalites_accompagnement =
            record.vocab_set(draft, SchemaField::ModalitesAccompagnement);

        let texts = PlaceTexts::new(|field| match field {
            TextField::Id => &id,
            TextField::Pivot => &pivot,
            TextField::Nom => &nom,
            TextField::Commune => &commune,
            TextField::CodePostal => &code_postal,
            TextField::CodeInsee => code_insee.as_deref().unwrap_or(""),
            TextField::Adresse => &adresse,
            TextField::Telephone => telephone.as_deref().unwrap_or(""),
            TextField::Courriels => courriels.as_deref().unwrap_or(""),
            TextField::SiteWeb => site_web.as_deref().unwrap_or(""),
            TextField::PresentationResume => presentation_resume.as_deref().unwrap_or(""),
            TextField::PresentationDetail => presentation_detail.as_deref().unwrap_or(""),
            TextField::Source => source.as_deref().unwrap_or(""),
            TextField::AutresFormationsLabels => autres_formations_labels.as_deref().unwrap_or(""),
            TextField::FicheAccesLibre => fiche_acces_libre.as_deref().unwrap_or(""),
            TextField::PriseRdv => prise_rdv.as_deref().unwrap_or(""),
            TextField::Horaires => &horaires,
            TextField::ComplementAdresse | TextField::StructureParente => {
                text(field.schema_field())
            }
        });
        Some(Place {
            texts,
            latitude,
            longitude,
            typologie,
            itinerance,
            date_maj,
            date_precision,
            services,
            publics_specifiquement_adresses: publics,
            prise_en_charge_specifique: prise_en_charge,
            frais_a_charge,
            dispositif_programmes_nationaux: dispositif,
            formations_labels,
            modalites_acces,
            modalites_accompagnement,
            autres_valeurs: record.others.into_boxed_slice(),
        })
    }
}

fn optional(text: &str) -> Option<Box<str>> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.into())
}

/// One record being validated: where it is, and what was set aside.
struct Record<'a> {
    normalizer: &'a Normalizer,
    at: RowLocation,
    report: &'a mut Report,
    others: Vec<OtherValue>,
}

impl Record<'_> {
    fn problem(
        &mut self,
        severity: Severity,
        field: Option<SchemaField>,
        value: &str,
        reason: &str,
    ) {
        self.report.push(Problem {
            severity,
            file: self.normalizer.file.clone(),
            row: self.at.row,
            line: self.at.line,
            field: field.map(SchemaField::name),
            value: value.to_owned(),
            reason: reason.to_owned(),
        });
    }

    fn warn(&mut self, field: SchemaField, value: &str, reason: &str) {
        self.problem(Severity::Warning, Some(field), value, reason);
    }

    /// Takes `value` out of `field`, keeps it verbatim on the place, and reports why.
    fn keep_aside(&mut self, field: SchemaField, value: &str, reason: &str) {
        self.others.push(OtherValue {
            field,
            value: value.into(),
        });
        self.warn(field, value, reason);
    }

    fn required(&mut self, field: SchemaField, value: &str) -> String {
        if value.is_empty() {
            self.warn(field, "", "missing required field: left empty");
        }
        value.to_owned()
    }

    fn coordinates(&mut self, x: &str, y: &str) -> Option<(f64, f64)> {
        let parse = |text: &str| -> Option<f64> {
            let text = text.trim();
            let text = if self.normalizer.decimal_comma {
                text.replace(',', ".")
            } else {
                text.to_owned()
            };
            text.parse::<f64>().ok().filter(|v| v.is_finite())
        };
        let value = format!("{x} {y}");
        let (Some(x_value), Some(y_value)) = (parse(x), parse(y)) else {
            let reason = if x.trim().is_empty() && y.trim().is_empty() {
                "no coordinates: the place cannot be put on a map"
            } else {
                "coordinates are not numbers: the place cannot be put on a map"
            };
            self.problem(
                Severity::Rejected,
                Some(SchemaField::Latitude),
                value.trim(),
                reason,
            );
            return None;
        };
        let (longitude, latitude) = match &self.normalizer.projection {
            None => (x_value, y_value),
            Some((from, to)) => {
                let mut point = (x_value, y_value, 0.0);
                if proj4rs::transform::transform(from, to, &mut point).is_err() {
                    self.problem(
                        Severity::Rejected,
                        Some(SchemaField::Latitude),
                        &value,
                        "coordinates cannot be projected to WGS84",
                    );
                    return None;
                }
                (point.0.to_degrees(), point.1.to_degrees())
            }
        };
        if !(-90.0..=90.0).contains(&latitude) || !(-180.0..=180.0).contains(&longitude) {
            self.problem(
                Severity::Rejected,
                Some(SchemaField::Latitude),
                &value,
                "coordinates out of range: latitude must be within ±90 and longitude within ±180",
            );
            return None;
        }
        if latitude == 0.0 && longitude == 0.0 {
            self.problem(
                Severity::Rejected,
                Some(SchemaField::Latitude),
                &value,
                "coordinates are 0,0: a placeholder, not a position",
            );
            return None;
        }
        Some((longitude, latitude))
    }

    /// The position, swapped back when its latitude and longitude were swapped; a position far
    /// from the département of its codes is reported and kept (see [`position`]).
    fn check_position(
        &mut self,
        longitude: f64,
        latitude: f64,
        code_insee: Option<&str>,
        code_postal: &str,
    ) -> (f64, f64) {
        let departements = position::departements_of(code_insee, code_postal);
        let value = format!("{latitude} {longitude}");
        let code = if code_insee.is_some() {
            "INSEE code"
        } else {
            "postal code"
        };
        let named = departements.join(" or ");
        match position::fit(longitude, latitude, &departements) {
            position::Fit::Inside => (longitude, latitude),
            position::Fit::Swapped => {
                self.warn(
                    SchemaField::Latitude,
                    &value,
                    &format!(
                        "latitude and longitude are swapped (the {code} names département \
                         {named}, where the swapped position is): swapped back"
                    ),
                );
                (latitude, longitude)
            }
            position::Fit::Outside => {
                self.warn(
                    SchemaField::Latitude,
                    &value,
                    &format!(
                        "the position is far outside département {named}, which the {code} \
                         names: kept as it is; check the position or the code"
                    ),
                );
                (longitude, latitude)
            }
        }
    }

    fn pivot(&mut self, value: &str) -> Box<str> {
        let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.is_empty() {
            self.warn(
                SchemaField::Pivot,
                "",
                "missing: set to the standard's 00000000000000",
            );
            return UNKNOWN_PIVOT.into();
        }
        if (9..=14).contains(&compact.len()) && compact.chars().all(|c| c.is_ascii_alphanumeric()) {
            if compact != value {
                self.warn(SchemaField::Pivot, value, "spaces removed");
            }
            return compact.into();
        }
        self.keep_aside(
            SchemaField::Pivot,
            value,
            "not a SIRET or RNA number: set to 00000000000000",
        );
        UNKNOWN_PIVOT.into()
    }

    fn code_postal(&mut self, value: &str) -> String {
        if value.is_empty() {
            self.warn(
                SchemaField::CodePostal,
                "",
                "missing required field: left empty",
            );
            return String::new();
        }
        if value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit()) {
            // A postal code read as a number loses its leading zero (01000 -> 1000).
            self.warn(SchemaField::CodePostal, value, "leading zero restored");
            return format!("0{value}");
        }
        if value.len() == 5 && value.bytes().all(|b| b.is_ascii_digit()) {
            return value.to_owned();
        }
        self.keep_aside(
            SchemaField::CodePostal,
            value,
            "not a 5-digit postal code: left empty",
        );
        String::new()
    }

    fn code_insee(&mut self, value: &str) -> Option<Box<str>> {
        if value.is_empty() {
            return None;
        }
        // The schema's pattern: ^([013-9]\d|2[AB1-9])\d{3}$
        let bytes = value.as_bytes();
        let valid = bytes.len() == 5
            && match (bytes[0], bytes[1]) {
                (b'2', b'A' | b'B' | b'1'..=b'9') => true,
                (b'2', _) => false,
                (first, second) => first.is_ascii_digit() && second.is_ascii_digit(),
            }
            && bytes[2..].iter().all(u8::is_ascii_digit);
        if valid {
            return Some(value.into());
        }
        self.keep_aside(
            SchemaField::CodeInsee,
            value,
            "not an INSEE commune code: left empty",
        );
        None
    }

    fn telephone(&mut self, value: &str) -> Option<Box<str>> {
        if value.is_empty() {
            return None;
        }
        match normalize_phone(value) {
            Some(phone) => {
                if phone != value {
                    self.warn(
                        SchemaField::Telephone,
                        value,
                        &format!("normalised to E.164: {phone}"),
                    );
                }
                Some(phone.into())
            }
            None => {
                self.keep_aside(
                    SchemaField::Telephone,
                    value,
                    "not a French phone number: left empty",
                );
                None
            }
        }
    }

    fn emails<'d>(&mut self, values: impl Iterator<Item = &'d str>) -> Option<Box<str>> {
        let mut kept = Vec::new();
        for value in values.flat_map(|v| v.split([';', ',', ' '])) {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let valid = value.split_once('@').is_some_and(|(user, domain)| {
                !user.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
            if valid {
                kept.push(value);
            } else {
                self.keep_aside(SchemaField::Courriels, value, "not an e-mail address");
            }
        }
        (!kept.is_empty()).then(|| kept.join("|").into())
    }

    fn urls<'d>(
        &mut self,
        field: SchemaField,
        values: impl Iterator<Item = &'d str>,
    ) -> Option<Box<str>> {
        let mut kept = Vec::new();
        for value in values.flat_map(|v| v.split('|')).map(str::trim) {
            if value.is_empty() {
                continue;
            }
            if value.starts_with("http://") || value.starts_with("https://") {
                kept.push(value.to_owned());
            } else if value.starts_with("www.") && !value.contains(' ') {
                self.warn(field, value, "https:// added");
                kept.push(format!("https://{value}"));
            } else {
                self.keep_aside(field, value, "not a web address");
            }
        }
        (!kept.is_empty()).then(|| kept.join("|").into())
    }

    fn presentation(&mut self, resume: &str, detail: &str) -> (Option<Box<str>>, Option<Box<str>>) {
        if resume.chars().count() <= RESUME_MAX_CHARS {
            return (optional(resume), optional(detail));
        }
        let mut cut: String = resume.chars().take(RESUME_MAX_CHARS - 1).collect();
        if let Some(space) = cut.rfind(' ') {
            cut.truncate(space);
        }
        cut.push('…');
        if detail.is_empty() {
            self.warn(
                SchemaField::PresentationResume,
                resume,
                "longer than 280 characters: shortened, full text moved to presentation_detail",
            );
            (Some(cut.into()), optional(resume))
        } else {
            self.keep_aside(
                SchemaField::PresentationResume,
                resume,
                "longer than 280 characters: shortened",
            );
            (Some(cut.into()), optional(detail))
        }
    }

    /// `date_maj` and how precisely it is known (see [`date`]): a date known to the month or
    /// year is reported as approximate; an unreadable or missing one is replaced by the
    /// extraction date, else the file's date, and marked unknown.
    fn date(&mut self, value: &str) -> (NaiveDate, DatePrecision) {
        if let Some(read) = date::read_date(value, &self.normalizer.date_formats) {
            let known_to = match read.precision {
                DatePrecision::Day | DatePrecision::Unknown => None,
                DatePrecision::Month => Some("month"),
                DatePrecision::Year => Some("year"),
            };
            if let Some(unit) = known_to {
                self.warn(
                    SchemaField::DateMaj,
                    value,
                    &format!(
                        "known only to the {unit}: set to its first day, {} (approximate)",
                        read.date
                    ),
                );
            }
            return (read.date, read.precision);
        }
        let normalizer = self.normalizer;
        let (stand_in, from) = match (normalizer.extracted_on, normalizer.file_modified) {
            (Some(day), _) => (day, "the source's extraction date ([source].extracted_on)"),
            (None, Some(day)) => (day, "the file's modification date"),
            (None, None) => (normalizer.today, "the import date, as the file has no date"),
        };
        let what = format!("set to {from}, {stand_in}, and marked unknown");
        if value.is_empty() {
            self.warn(
                SchemaField::DateMaj,
                "",
                &format!("missing required field: {what}"),
            );
        } else {
            self.keep_aside(SchemaField::DateMaj, value, &format!("not a date: {what}"));
        }
        (stand_in, DatePrecision::Unknown)
    }

    /// `horaires` as the mapping made it, reporting what the hours reader could not read or
    /// asked to report; when it is empty, the hours a label introduces in the description.
    fn horaires(&mut self, draft: &Draft, detail: Option<&str>) -> String {
        let horaires = draft.text(SchemaField::Horaires).trim().to_owned();
        for raw in &draft.unparsed_hours {
            self.keep_aside(
                SchemaField::Horaires,
                raw,
                "hours not in a recognised form: kept as text",
            );
        }
        for note in &draft.hours_notes {
            self.warn(
                SchemaField::Horaires,
                &horaires,
                &format!("hours read: {note}"),
            );
        }
        if !horaires.is_empty() {
            return self.checked_horaires(horaires);
        }
        if !draft.unparsed_hours.is_empty() || !self.normalizer.hours_from_description {
            return horaires;
        }
        let Some(described) = detail.and_then(described_hours::labelled_hours) else {
            return horaires;
        };
        let Some(week) = read_week_text(described, &self.normalizer.periods) else {
            // Still in the description, where it was found: reported, not moved.
            self.warn(
                SchemaField::Horaires,
                described,
                "hours not in a recognised form, in presentation_detail: left there",
            );
            return horaires;
        };
        self.warn(
            SchemaField::Horaires,
            described,
            &format!(
                "hours read from presentation_detail (horaires is empty): {}",
                week.opening_hours
            ),
        );
        for note in &week.notes {
            self.warn(
                SchemaField::Horaires,
                described,
                &format!("hours read: {note}"),
            );
        }
        week.opening_hours
    }

    /// A `horaires` value a column gave as it is: kept when it is OSM `opening_hours`, read
    /// when it is French text, else set aside as text and reported.
    fn checked_horaires(&mut self, horaires: String) -> String {
        if horaires.parse::<opening_hours::OpeningHours>().is_ok() {
            return horaires;
        }
        match read_week_text(&horaires, &self.normalizer.periods) {
            Some(week) => {
                self.warn(
                    SchemaField::Horaires,
                    &horaires,
                    &format!("hours read from French text: {}", week.opening_hours),
                );
                for note in &week.notes {
                    self.warn(
                        SchemaField::Horaires,
                        &horaires,
                        &format!("hours read: {note}"),
                    );
                }
                week.opening_hours
            }
            None => {
                self.keep_aside(
                    SchemaField::Horaires,
                    &horaires,
                    "hours not in a recognised form: kept as text",
                );
                String::new()
            }
        }
    }

    fn vocab_set<V: Vocabulary>(&mut self, draft: &Draft, field: SchemaField) -> VocabSet<V> {
        let mut set = VocabSet::new();
        for value in draft.get(field) {
            match V::lookup(value) {
                Some(known) => set.insert(known),
                None => {
                    // Typologie has an `Autre` code for what its list lacks.
                    if let Some(autre) = V::from_label("Autre") {
                        set.insert(autre);
                    }
                    self.keep_aside(field, value, "not a value of the vocabulary: kept as autre");
                }
            }
        }
        set
    }
}

/// Normalises a French phone number to the schema's E.164 form: `02 41 43 28 13` →
/// `+33241432813`. Overseas numbers get their own country code. Returns `None` for anything
/// that is not one phone number.
#[must_use]
pub fn normalize_phone(text: &str) -> Option<String> {
    let trimmed = text.trim();
    let international = trimmed.starts_with('+') || trimmed.starts_with("00");
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    if trimmed.chars().any(|c| c.is_alphabetic()) {
        return None;
    }
    let national = if international {
        let digits = digits.strip_prefix("00").unwrap_or(&digits);
        for code in [
            "33", "590", "594", "262", "596", "269", "687", "689", "508", "681",
        ] {
            if let Some(rest) = digits.strip_prefix(code) {
                let rest = rest.strip_prefix('0').unwrap_or(rest);
                return (6..=9)
                    .contains(&rest.len())
                    .then(|| format!("+{code}{rest}"));
            }
        }
        return None;
    } else {
        digits
    };
    if national.len() != 10 || !national.starts_with('0') {
        return None;
    }
    let country = match &national[..4] {
        "0262" | "0263" | "0692" | "0693" | "0269" | "0639" => "262",
        "0590" | "0690" | "0691" => "590",
        "0594" | "0694" => "594",
        "0596" | "0696" | "0697" => "596",
        _ => "33",
    };
    Some(format!("+{country}{}", &national[1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_become_e164() {
        assert_eq!(
            normalize_phone("02 41 43 28 13").as_deref(),
            Some("+33241432813")
        );
        assert_eq!(
            normalize_phone("02.41.43.28.13").as_deref(),
            Some("+33241432813")
        );
        assert_eq!(
            normalize_phone("+33 (0)2 41 43 28 13").as_deref(),
            Some("+33241432813")
        );
        assert_eq!(
            normalize_phone("0262 12 34 56").as_deref(),
            Some("+262262123456")
        );
        assert_eq!(normalize_phone("0262 12 34 56 78"), None);
        assert_eq!(
            normalize_phone("0033241432813").as_deref(),
            Some("+33241432813")
        );
        assert_eq!(normalize_phone("02 41 43 28 13 ou 06 12 34 56 78"), None);
        assert_eq!(normalize_phone("Mairie"), None);
    }
}
