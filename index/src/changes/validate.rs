//! A proposal read with the importer's own rules, before anything is written.
//!
//! A contribution is read as a row of a schema v1.0.2 file: for an update, the place's current
//! row with the proposed values put in; for a new place, the proposed values alone. The row
//! goes through the importer's [`Normalizer`], so phones, e-mails, URLs, vocabularies, hours,
//! codes and coordinates follow exactly the rules of an import. What the importer would fix
//! is fixed and said ([`Submission::warnings`]); what it would set aside (a value outside a
//! vocabulary, a phone number that is none) is refused, field by field: a contributor can
//! correct it, which a source file cannot.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Contact, ContributionKind, Fields, Submission};
use crate::fold::fold;
use crate::ingest::mapping::{Draft, SourceMapping};
use crate::ingest::normalize::Normalizer;
use crate::ingest::read::RowLocation;
use crate::notice::{check_fields, EXTENSION_FIELDS};
use crate::place::{Place, SchemaField};
use crate::search::gazetteer::{gazetteer, name_key};
use crate::search::schedules::{is_readable, now_local};
use crate::search::thesaurus::keys;
use crate::store::report::{Report, Severity};

/// A new place's id: `lieux-` and 64 random bits, unlike any id a source gives.
#[must_use]
pub fn new_place_id() -> String {
    format!("lieux-{:016x}", rand::random::<u64>())
}

/// The longest text one field may hold, in characters.
pub const MAX_FIELD_CHARS: usize = 4_000;
/// The longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2_000;

/// A contribution as it was sent, before it is read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Proposal {
    /// `new`, `update` or `closed`.
    pub kind: Option<ContributionKind>,
    /// The place, for an update or a closure.
    pub place_id: Option<String>,
    /// Values by field name: text, numbers for coordinates, lists for multi-valued fields.
    pub fields: BTreeMap<String, Value>,
    /// What the contributor says.
    pub message: Option<String>,
    /// Who they are.
    pub contact: Option<Contact>,
}

/// Why a proposal is refused: a message per field (`kind`, `place_id`, `fields`, a field's
/// name, `message`, `contact`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Refusal {
    /// What is wrong with each.
    pub fields: BTreeMap<String, String>,
}

impl Refusal {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        self.fields
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
    }
}

/// The fields a contribution may not set: the id is the place's, `date_maj` the day of
/// acceptance, `source` the contribution's own.
const SET_BY_THE_SERVER: [SchemaField; 3] =
    [SchemaField::Id, SchemaField::DateMaj, SchemaField::Source];

/// The fields a contribution may set, in the standard's column order: all but those set by
/// the server.
pub fn proposable_fields() -> impl Iterator<Item = SchemaField> {
    SchemaField::ALL
        .into_iter()
        .filter(|field| !SET_BY_THE_SERVER.contains(field))
}

/// Reads `proposal` about `current` (the place it names, when it names one that exists),
/// giving a new place the id `new_id`.
///
/// # Errors
/// Every problem, by field.
pub fn validate(
    proposal: &Proposal,
    current: Option<&Place>,
    new_id: &str,
) -> Result<Submission, Refusal> {
    let mut refusal = Refusal::default();
    let message = text_of(
        proposal.message.as_deref(),
        MAX_MESSAGE_CHARS,
        "message",
        &mut refusal,
    );
    let contact = proposal
        .contact
        .clone()
        .filter(|c| c.name.is_some() || c.email.is_some());
    if let Some(contact) = &contact {
        for (name, value) in [
            ("contact.name", &contact.name),
            ("contact.email", &contact.email),
        ] {
            text_of(value.as_deref(), 200, name, &mut refusal);
        }
        if contact.email.as_deref().is_some_and(|e| !e.contains('@')) {
            refusal.add("contact.email", "not an e-mail address");
        }
    }
    let Some(kind) = proposal.kind else {
        refusal.add("kind", "give `new`, `update` or `closed`");
        return Err(refusal);
    };
    let place_id = match (kind, &proposal.place_id, current) {
        (ContributionKind::New, _, _) => new_id.to_owned(),
        (_, None, _) => {
            refusal.add("place_id", "an update or a closure names its place");
            return Err(refusal);
        }
        (_, Some(id), None) => {
            refusal.add("place_id", format!("no place has the id {id:?}"));
            return Err(refusal);
        }
        (_, Some(id), Some(_)) => id.clone(),
    };
    let mut proposed: Vec<(SchemaField, String)> = Vec::new();
    // A temporary closure or a notice: extension fields beside the schema's.
    let mut extensions = Fields::new();
    for (name, value) in &proposal.fields {
        if let Some(extension) = EXTENSION_FIELDS.iter().find(|f| **f == name) {
            match value {
                Value::Null => {}
                Value::String(text) if text.trim().is_empty() => {}
                Value::String(text) => {
                    extensions.insert((*extension).to_owned(), text.trim().to_owned());
                }
                _ => refusal.add(name, "give text"),
            }
            continue;
        }
        let Some(field) = SchemaField::from_name(name) else {
            refusal.add(
                name,
                "not a field of schema v1.0.2, nor of a temporary closure or notice",
            );
            continue;
        };
        if SET_BY_THE_SERVER.contains(&field) {
            refusal.add(name, "set by the server, not by a contribution");
            continue;
        }
        match text_value(field, value) {
            Ok(text) if text.chars().count() > MAX_FIELD_CHARS => {
                refusal.add(name, format!("longer than {MAX_FIELD_CHARS} characters"));
            }
            Ok(text) => proposed.push((field, text)),
            Err(message) => refusal.add(name, message),
        }
    }
    for (name, wrong) in check_fields(&extensions, now_local().date()) {
        refusal.add(name, wrong);
    }
    if kind == ContributionKind::Closed {
        if !proposed.is_empty() {
            refusal.add("fields", "a closure changes no field");
        }
        if !extensions.is_empty() {
            refusal.add(
                "kind",
                "a closure is for good: to close for a while, send an update with fermeture_debut and fermeture_fin",
            );
        }
        return finish(refusal, || Submission {
            kind,
            place_id,
            fields: Fields::new(),
            before: Fields::new(),
            message,
            contact,
            warnings: Vec::new(),
            flags: Vec::new(),
        });
    }
    if proposed.is_empty() && extensions.is_empty() && refusal.fields.is_empty() {
        refusal.add("fields", "nothing to change");
        return Err(refusal);
    }
    // On with the fields that could be read, so that one answer names every problem.
    let mut row: BTreeMap<SchemaField, String> = BTreeMap::new();
    if let Some(place) = current.filter(|_| kind == ContributionKind::Update) {
        for field in SchemaField::ALL {
            row.insert(field, place.field_text(field));
        }
    }
    row.insert(SchemaField::Id, place_id.clone());
    for (field, text) in &proposed {
        row.insert(*field, text.clone());
    }
    let mut flags = Vec::new();
    if kind == ContributionKind::New {
        for field in [
            SchemaField::Nom,
            SchemaField::Adresse,
            SchemaField::Commune,
            SchemaField::CodePostal,
        ] {
            if row.get(&field).is_none_or(|t| t.trim().is_empty()) {
                refusal.add(field.name(), "a new place needs it");
            }
        }
        let located = [SchemaField::Latitude, SchemaField::Longitude]
            .iter()
            .filter(|f| row.get(f).is_some_and(|t| !t.trim().is_empty()))
            .count();
        if located == 1 {
            refusal.add("latitude", "give both latitude and longitude, or neither");
        }
        if located == 0 && refusal.fields.is_empty() {
            match commune_centre(&row[&SchemaField::CodePostal], &row[&SchemaField::Commune]) {
                Some((longitude, latitude, nom)) => {
                    row.insert(SchemaField::Longitude, longitude.to_string());
                    row.insert(SchemaField::Latitude, latitude.to_string());
                    flags.push(format!(
                        "no coordinates: placed at the centre of {nom}; move the pin to the address"
                    ));
                }
                None => refusal.add(
                    "latitude",
                    "give the coordinates: the postal code names no commune we know",
                ),
            }
        }
        // The day it is accepted; the normaliser wants one meanwhile.
        row.insert(SchemaField::DateMaj, now_local().date().to_string());
    }
    let (place, report) = normalise(&row);
    let touched: Vec<SchemaField> = proposed.iter().map(|(field, _)| *field).collect();
    // A source's unreadable hours are kept as text and counted; a contributor can write them
    // again, in the form a schedule reads.
    if let Some(place) = &place {
        let located = [SchemaField::Commune, SchemaField::CodePostal];
        if located.iter().any(|field| touched.contains(field)) {
            flags.extend(commune_mismatch(
                &place.field_text(SchemaField::CodePostal),
                &place.field_text(SchemaField::Commune),
            ));
        }
        // What the contributor wrote, not what the normaliser made of it: the import reads
        // French hours and sets unreadable ones aside, but a contribution gives OSM hours.
        let hours = proposed
            .iter()
            .find(|(field, _)| *field == SchemaField::Horaires)
            .map_or("", |(_, text)| text.trim());
        if !hours.is_empty() && !is_readable(hours) {
            refusal.add(
                SchemaField::Horaires.name(),
                "not OpenStreetMap opening_hours (e.g. \"Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00\")",
            );
        }
    }
    let mut warnings = Vec::new();
    for problem in &report.problems {
        let Some(field) = problem.field.and_then(SchemaField::from_name) else {
            continue;
        };
        let set_aside = place
            .as_ref()
            .is_some_and(|p| p.autres_valeurs.iter().any(|o| o.field == field));
        let rejected = problem.severity == Severity::Rejected;
        if touched.contains(&field) && (set_aside || rejected) {
            refusal.add(field.name(), problem.reason.clone());
        } else if touched.contains(&field) {
            warnings.push(format!("{}: {}", field.name(), problem.reason));
        }
    }
    let Some(place) = place else {
        if refusal.fields.is_empty() {
            refusal.add("latitude", "the coordinates are not on the globe");
        }
        return Err(refusal);
    };
    if !refusal.fields.is_empty() {
        return Err(refusal);
    }
    let mut fields = Fields::new();
    let mut before = Fields::new();
    for field in touched {
        let after = place.field_text(field);
        let was = current.map(|p| p.field_text(field)).unwrap_or_default();
        if kind == ContributionKind::Update && after == was {
            continue;
        }
        fields.insert(field.name().to_owned(), after);
        if kind == ContributionKind::Update {
            before.insert(field.name().to_owned(), was);
        }
    }
    if kind == ContributionKind::New {
        for field in [SchemaField::Latitude, SchemaField::Longitude] {
            fields.insert(field.name().to_owned(), place.field_text(field));
        }
    }
    if fields.is_empty() && extensions.is_empty() {
        refusal.add("fields", "every value proposed is the place's already");
    }
    fields.extend(extensions);
    finish(refusal, || Submission {
        kind,
        place_id,
        fields,
        before,
        message,
        contact,
        warnings,
        flags,
    })
}

fn finish(
    refusal: Refusal,
    submission: impl FnOnce() -> Submission,
) -> Result<Submission, Refusal> {
    if refusal.fields.is_empty() {
        Ok(submission())
    } else {
        Err(refusal)
    }
}

/// `text` trimmed, refused when longer than `max` characters or holding control characters.
fn text_of(text: Option<&str>, max: usize, name: &str, refusal: &mut Refusal) -> Option<String> {
    let text = text?.trim();
    if text.chars().count() > max {
        refusal.add(name, format!("longer than {max} characters"));
    } else if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        refusal.add(name, "holds control characters");
    }
    (!text.is_empty()).then(|| text.to_owned())
}

/// The text a value gives `field` in the schema's CSV.
fn text_value(field: SchemaField, value: &Value) -> Result<String, String> {
    let coordinate = matches!(field, SchemaField::Latitude | SchemaField::Longitude);
    let text = match value {
        Value::Null => String::new(),
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) if coordinate => number.to_string(),
        Value::Array(items) if field.is_multi_valued() => {
            let mut labels = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(label) if label.contains('|') => {
                        return Err(format!("{label:?}: one value per item"));
                    }
                    Value::String(label) => labels.push(label.trim().to_owned()),
                    _ => return Err("a list of texts".to_owned()),
                }
            }
            labels.join("|")
        }
        _ if coordinate => return Err("a number (WGS84 degrees)".to_owned()),
        _ if field.is_multi_valued() => {
            return Err("a list of texts, or one text of values joined with |".to_owned())
        }
        _ => return Err("a text".to_owned()),
    };
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("holds control characters".to_owned());
    }
    if coordinate && !text.is_empty() && text.parse::<f64>().map_or(true, |n| !n.is_finite()) {
        return Err("a number (WGS84 degrees)".to_owned());
    }
    Ok(text)
}

/// The centre of the commune of `code_postal` named `commune` (or its first one).
fn commune_centre(code_postal: &str, commune: &str) -> Option<(f64, f64, String)> {
    let gazetteer = gazetteer();
    let communes = gazetteer.communes_of_postal_code(code_postal.trim());
    let wanted = fold(commune);
    let chosen = communes
        .iter()
        .map(|&at| gazetteer.commune(at))
        .find(|c| fold(&c.nom) == wanted)
        .or_else(|| communes.first().map(|&at| gazetteer.commune(at)))?;
    Some((chosen.longitude, chosen.latitude, chosen.nom.clone()))
}

/// What a moderator should check when `commune` is none of the communes of `code_postal`
/// (spelling aside: names are compared as the gazetteer keys them, "St" for "Saint"). A
/// postal code no commune has says nothing here: the coordinates are what place it.
fn commune_mismatch(code_postal: &str, commune: &str) -> Option<String> {
    let gazetteer = gazetteer();
    let communes = gazetteer.communes_of_postal_code(code_postal.trim());
    let wanted = name_key(&keys(commune));
    let names: Vec<&str> = communes
        .iter()
        .map(|&at| gazetteer.commune(at).nom.as_str())
        .collect();
    let found = names.iter().any(|nom| name_key(&keys(nom)) == wanted);
    (!names.is_empty() && !found).then(|| {
        format!(
            "the commune {commune:?} is not one of postal code {code_postal}: {}",
            names.join(", ")
        )
    })
}

/// `row` read as a row of a schema v1.0.2 file.
pub(super) fn normalise(row: &BTreeMap<SchemaField, String>) -> (Option<Place>, Report) {
    let mapping = SourceMapping::schema_v1();
    let header: Vec<String> = SchemaField::ALL
        .iter()
        .map(|f| f.name().to_owned())
        .collect();
    let cells: Vec<&str> = SchemaField::ALL
        .iter()
        .map(|f| row.get(f).map_or("", String::as_str))
        .collect();
    let mut report = Report::default();
    let (Ok(compiled), Ok(normalizer)) = (
        mapping.compile(&header),
        Normalizer::new("contribution", &mapping),
    ) else {
        return (None, report);
    };
    let mut draft = Draft::new();
    compiled.apply(&cells, &mut draft);
    let x = cells.get(compiled.x).copied().unwrap_or("");
    let y = cells.get(compiled.y).copied().unwrap_or("");
    let place = normalizer.place(
        &draft,
        x,
        y,
        RowLocation { row: 1, line: None },
        &mut report,
    );
    (place, report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn place() -> Place {
        crate::ingest::generate::test_places(1, 11).remove(0)
    }

    fn proposal(kind: ContributionKind, fields: Value) -> Proposal {
        Proposal {
            kind: Some(kind),
            place_id: Some(place().id().to_owned()),
            fields: serde_json::from_value(fields).unwrap(),
            ..Proposal::default()
        }
    }

    #[test]
    fn an_update_is_normalised_as_an_import_and_keeps_only_what_changes() {
        let current = place();
        let asked = proposal(
            ContributionKind::Update,
            json!({
                "telephone": "02 41 43 28 13",
                "services": ["Aide aux démarches administratives", "Accès internet et matériel informatique"],
                "nom": current.nom(),
            }),
        );
        let submission = validate(&asked, Some(&current), "unused").unwrap();
        assert_eq!(submission.fields["telephone"], "+33241432813");
        assert!(!submission.fields.contains_key("nom"), "unchanged");
        assert_eq!(
            submission.before["telephone"],
            current.field_text(SchemaField::Telephone)
        );
        assert!(submission.fields["services"].contains("Aide aux démarches administratives"));
    }

    #[test]
    fn what_an_import_would_set_aside_is_refused_by_field() {
        let current = place();
        let asked = proposal(
            ContributionKind::Update,
            json!({
                "services": ["Cours de cuisine"],
                "telephone": "appelez-nous",
                "couleur": "bleu",
                "date_maj": "2020-01-01",
                "latitude": "au nord",
            }),
        );
        let refusal = validate(&asked, Some(&current), "unused").unwrap_err();
        for field in ["services", "telephone", "couleur", "date_maj", "latitude"] {
            assert!(refusal.fields.contains_key(field), "{field}: {refusal:?}");
        }
    }

    #[test]
    fn hours_are_given_as_opening_hours_even_when_the_import_would_read_them() {
        let current = place();
        for hours in [
            "le matin",
            "du lundi au vendredi de 9h à 12h",
            "quand on peut",
        ] {
            let asked = proposal(ContributionKind::Update, json!({ "horaires": hours }));
            let refusal = validate(&asked, Some(&current), "unused").unwrap_err();
            assert!(
                refusal.fields.contains_key("horaires"),
                "{hours}: {refusal:?}"
            );
        }
        let asked = proposal(
            ContributionKind::Update,
            json!({ "horaires": "Mo-Fr 09:00-12:00" }),
        );
        let submission = validate(&asked, Some(&current), "unused").unwrap();
        assert_eq!(submission.fields["horaires"], "Mo-Fr 09:00-12:00");
    }

    #[test]
    fn a_new_place_without_coordinates_is_put_at_its_commune_and_flagged() {
        let asked = Proposal {
            kind: Some(ContributionKind::New),
            fields: serde_json::from_value(json!({
                "nom": "Espace numérique du Lac",
                "adresse": "1 rue du Lac",
                "commune": "Angers",
                "code_postal": "49000",
                "services": "Aide aux démarches administratives",
            }))
            .unwrap(),
            ..Proposal::default()
        };
        let submission = validate(&asked, None, "lieux-1").unwrap();
        assert_eq!(submission.place_id, "lieux-1");
        let latitude: f64 = submission.fields["latitude"].parse().unwrap();
        assert!((47.0..48.0).contains(&latitude), "{latitude}");
        assert_eq!(submission.flags.len(), 1);
        let incomplete = Proposal {
            kind: Some(ContributionKind::New),
            fields: serde_json::from_value(json!({ "nom": "Sans adresse" })).unwrap(),
            ..Proposal::default()
        };
        let refusal = validate(&incomplete, None, "lieux-2").unwrap_err();
        assert!(refusal.fields.contains_key("adresse"));
    }

    #[test]
    fn a_commune_that_is_not_of_its_postal_code_is_flagged_for_the_moderator() {
        let current = place();
        let flags_of = |fields: Value| {
            let asked = proposal(ContributionKind::Update, fields);
            validate(&asked, Some(&current), "unused").unwrap().flags
        };
        let flags = flags_of(json!({ "commune": "Cholet", "code_postal": "49000" }));
        assert_eq!(flags.len(), 1, "{flags:?}");
        assert!(flags[0].contains("Angers"), "{flags:?}");
        for agreeing in [
            json!({ "commune": "Cholet", "code_postal": "49300" }),
            json!({ "commune": "angers", "code_postal": "49100" }),
            json!({ "commune": "St-Barthélemy-d'Anjou", "code_postal": "49124" }),
        ] {
            assert_eq!(
                flags_of(agreeing.clone()),
                Vec::<String>::new(),
                "{agreeing}"
            );
        }
    }

    #[test]
    fn an_update_names_a_place_that_exists_and_a_closure_changes_no_field() {
        let asked = proposal(ContributionKind::Update, json!({ "nom": "X" }));
        assert!(validate(&asked, None, "unused")
            .unwrap_err()
            .fields
            .contains_key("place_id"));
        let closed = proposal(ContributionKind::Closed, json!({}));
        let submission = validate(&closed, Some(&place()), "unused").unwrap();
        assert!(submission.fields.is_empty());
        let closed_with = proposal(ContributionKind::Closed, json!({ "nom": "X" }));
        assert!(validate(&closed_with, Some(&place()), "unused").is_err());
        let nothing = Proposal::default();
        assert!(validate(&nothing, None, "unused")
            .unwrap_err()
            .fields
            .contains_key("kind"));
    }
}
