//! Places as GeoJSON features, with every field of the schema.
//!
//! Properties are named as in schema v1.0.2. Vocabulary fields, which hold several values, are
//! JSON arrays of their labels; coordinates are numbers; every other field is the text the
//! schema's CSV would hold. Empty fields are left out, so a client tests for presence. Values a
//! source gave that could not be normalised are kept under `autres_valeurs`.
//!
//! [`PlaceFeature::write_json`] writes straight from the place into the answer's buffer, with
//! no intermediate JSON tree and no allocation per field (see [`crate::serve::json`]): a page of
//! search results is most of what a radius or nearest search costs.

use chrono::Datelike;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use crate::notice::{Notice, NoticeKind};
use crate::place::{Place, SchemaField, TextField};
use crate::search::schedules::now_local;
use crate::serve::json;
use crate::vocab::{
    Dispositif, FormationLabel, Fraicheur, Frais, Itinerance, ModaliteAcces,
    ModaliteAccompagnement, PriseEnCharge, Public, Service, Typologie, VocabSet, Vocabulary,
};

/// A place as a GeoJSON Feature, with what a search knows of it.
#[derive(Clone, Copy, Debug)]
pub struct PlaceFeature<'a> {
    /// The place.
    pub place: &'a Place,
    /// Its relevance, when it is a search result.
    pub score: Option<f32>,
    /// Its distance to the search position, in metres.
    pub distance_m: Option<f64>,
    /// Whether it is open now; `None` when its hours are unknown.
    pub open_now: Option<bool>,
    /// Its temporary closures and notices; those past their last day are not written.
    pub notices: &'a [Notice],
    /// How recently its record was updated, against the server's thresholds.
    pub fraicheur: Option<Fraicheur>,
}

impl<'a> PlaceFeature<'a> {
    /// The feature of `place` alone.
    #[must_use]
    pub fn new(place: &'a Place) -> Self {
        Self {
            place,
            score: None,
            distance_m: None,
            open_now: None,
            notices: &[],
            fraicheur: None,
        }
    }

    /// Appends the feature's JSON text to `out`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let place = self.place;
        out.extend_from_slice(br#"{"type":"Feature","id":"#);
        json::string(out, place.id());
        out.extend_from_slice(br#","geometry":{"type":"Point","coordinates":["#);
        json::f64(out, place.longitude);
        out.push(b',');
        json::f64(out, place.latitude);
        out.extend_from_slice(br#"]},"properties":{"#);
        self.write_properties(out);
        out.extend_from_slice(b"}}");
    }

    /// The feature's JSON text.
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(FEATURE_BYTES);
        self.write_json(&mut out);
        out
    }

    fn write_properties(&self, out: &mut Vec<u8>) {
        fn labels<V: Vocabulary>(out: &mut Vec<u8>, set: &VocabSet<V>) {
            out.push(b'[');
            for (i, value) in set.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json::string(out, value.label());
            }
            out.push(b']');
        }
        let place = self.place;
        let mut first = true;
        let mut key = |out: &mut Vec<u8>, name: &str| {
            if !std::mem::take(&mut first) {
                out.push(b',');
            }
            json::key(out, name);
        };
        for field in SchemaField::ALL {
            let name = field.name();
            match field {
                SchemaField::Latitude => {
                    key(out, name);
                    json::f64(out, place.latitude);
                }
                SchemaField::Longitude => {
                    key(out, name);
                    json::f64(out, place.longitude);
                }
                SchemaField::DateMaj => {
                    key(out, name);
                    write_date(out, place.date_maj);
                }
                other => {
                    if let Some(text) = TextField::of(other) {
                        let value = place.text(text);
                        if !value.is_empty() {
                            key(out, name);
                            json::string(out, value);
                        }
                        continue;
                    }
                    macro_rules! vocabulary {
                        ($set:expr) => {{
                            if !$set.is_empty() {
                                key(out, name);
                                labels(out, &$set);
                            }
                        }};
                    }
                    match other {
                        SchemaField::Typologie => vocabulary!(place.typologie),
                        SchemaField::Itinerance => vocabulary!(place.itinerance),
                        SchemaField::Services => vocabulary!(place.services),
                        SchemaField::PublicsSpecifiquementAdresses => {
                            vocabulary!(place.publics_specifiquement_adresses);
                        }
                        SchemaField::PriseEnChargeSpecifique => {
                            vocabulary!(place.prise_en_charge_specifique);
                        }
                        SchemaField::FraisACharge => vocabulary!(place.frais_a_charge),
                        SchemaField::DispositifProgrammesNationaux => {
                            vocabulary!(place.dispositif_programmes_nationaux);
                        }
                        SchemaField::FormationsLabels => vocabulary!(place.formations_labels),
                        SchemaField::ModalitesAcces => vocabulary!(place.modalites_acces),
                        SchemaField::ModalitesAccompagnement => {
                            vocabulary!(place.modalites_accompagnement);
                        }
                        _ => {
                            key(out, name);
                            json::string(out, &place.field_text(other));
                        }
                    }
                }
            }
        }
        if !place.autres_valeurs.is_empty() {
            key(out, "autres_valeurs");
            out.push(b'[');
            for (i, other) in place.autres_valeurs.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(br#"{"field":"#);
                json::string(out, other.field.name());
                out.extend_from_slice(br#","value":"#);
                json::string(out, &other.value);
                out.push(b'}');
            }
            out.push(b']');
        }
        if let Some(score) = self.score {
            key(out, "score");
            json::f32(out, score);
        }
        if let Some(distance) = self.distance_m {
            key(out, "distance_m");
            // To the decimetre: more would be noise.
            json::f64(out, (distance * 10.0).round() / 10.0);
        }
        if let Some(open) = self.open_now {
            key(out, "open_now");
            out.extend_from_slice(if open { b"true" } else { b"false" });
        }
        if let Some(fraicheur) = self.fraicheur {
            key(out, Fraicheur::FIELD);
            json::string(out, fraicheur.label());
        }
        if !self.notices.is_empty() {
            let today = now_local().date();
            let mut shown = self.notices.iter().filter(|n| n.shown_on(today)).peekable();
            if shown.peek().is_some() {
                key(out, "avis");
                out.push(b'[');
                for (i, notice) in shown.enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(br#"{"type":"#);
                    json::string(
                        out,
                        match notice.kind {
                            NoticeKind::Fermeture => "fermeture",
                            NoticeKind::Avis => "avis",
                        },
                    );
                    out.extend_from_slice(br#","debut":"#);
                    write_date(out, notice.debut);
                    out.extend_from_slice(br#","fin":"#);
                    write_date(out, notice.fin);
                    out.extend_from_slice(br#","message":"#);
                    json::string(out, &notice.message);
                    out.push(b'}');
                }
                out.push(b']');
            }
        }
    }
}

/// The schema of what [`PlaceFeature::write_json`] writes, field by field as it writes them:
/// the OpenAPI document states it, and a test holds the two together.
impl JsonSchema for PlaceFeature<'_> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PlaceFeature".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut properties = Map::new();
        for field in SchemaField::ALL {
            let schema = match field {
                SchemaField::Latitude => json!({ "type": "number", "minimum": -90, "maximum": 90 }),
                SchemaField::Longitude => {
                    json!({ "type": "number", "minimum": -180, "maximum": 180 })
                }
                SchemaField::DateMaj => json!({ "type": "string", "format": "date" }),
                other => match vocabulary_labels(other) {
                    Some(labels) => json!({
                        "type": "array",
                        "items": { "type": "string", "enum": labels },
                    }),
                    None => json!({ "type": "string", "minLength": 1 }),
                },
            };
            properties.insert(field.name().to_owned(), schema);
        }
        let vocabularies: Vec<&str> = SchemaField::ALL
            .iter()
            .filter(|field| vocabulary_labels(**field).is_some())
            .map(|field| field.name())
            .collect();
        properties.insert(
            "autres_valeurs".to_owned(),
            json!({
                "type": "array",
                "description": "Values a source gave for a vocabulary field that are none of its labels, verbatim.",
                "items": {
                    "type": "object",
                    "properties": {
                        "field": { "type": "string", "enum": vocabularies },
                        "value": { "type": "string" },
                    },
                    "required": ["field", "value"],
                    "additionalProperties": false,
                },
            }),
        );
        properties.insert(
            "score".to_owned(),
            json!({ "type": "number", "description": "Its relevance, in a ranked search." }),
        );
        properties.insert(
            "distance_m".to_owned(),
            json!({
                "type": "number",
                "minimum": 0,
                "description": "Its distance to the position asked, in metres.",
            }),
        );
        properties.insert(
            "open_now".to_owned(),
            json!({
                "type": "boolean",
                "description": "Whether it is open at the time asked (now by default); absent when its hours are unknown.",
            }),
        );
        properties.insert(
            Fraicheur::FIELD.to_owned(),
            json!({
                "type": "string",
                "enum": Fraicheur::ALL.iter().map(|f| f.label()).collect::<Vec<_>>(),
                "description": "How recently its record was updated (`date_maj`) against the server's thresholds: `a_jour`, `a_verifier`, `ancienne`.",
            }),
        );
        properties.insert(
            "avis".to_owned(),
            json!({
                "type": "array",
                "description": "Its temporary closures (`fermeture`: closed from `debut` to `fin` included, whatever its hours say) and notices (`avis`), those not yet past; an extension beside the schema's fields, which exports of the schema leave out.",
                "items": {
                    "type": "object",
                    "properties": {
                        "type": { "type": "string", "enum": ["fermeture", "avis"] },
                        "debut": { "type": "string", "format": "date" },
                        "fin": { "type": "string", "format": "date" },
                        "message": { "type": "string" },
                    },
                    "required": ["type", "debut", "fin", "message"],
                    "additionalProperties": false,
                },
            }),
        );
        json_schema!({
            "type": "object",
            "description": "A place as a GeoJSON Feature. Its properties are the fields of schema v1.0.2 by their names, empty ones left out: vocabulary fields as arrays of labels, coordinates as numbers, the others as the schema's text.",
            "properties": {
                "type": { "const": "Feature" },
                "id": { "type": "string", "description": "The place's id, for `/places/{id}`." },
                "geometry": point_schema(),
                "properties": {
                    "type": "object",
                    "properties": properties,
                    "required": ["id", "latitude", "longitude", "date_maj"],
                    "additionalProperties": false,
                },
            },
            "required": ["type", "id", "geometry", "properties"],
            "additionalProperties": false,
        })
    }
}

/// The labels of the vocabulary of `field`, as features write them; `None` for a field that
/// holds no vocabulary.
fn vocabulary_labels(field: SchemaField) -> Option<Vec<&'static str>> {
    fn labels<V: Vocabulary>() -> Option<Vec<&'static str>> {
        Some(V::ALL.iter().map(|v| v.label()).collect())
    }
    match field {
        SchemaField::Typologie => labels::<Typologie>(),
        SchemaField::Itinerance => labels::<Itinerance>(),
        SchemaField::Services => labels::<Service>(),
        SchemaField::PublicsSpecifiquementAdresses => labels::<Public>(),
        SchemaField::PriseEnChargeSpecifique => labels::<PriseEnCharge>(),
        SchemaField::FraisACharge => labels::<Frais>(),
        SchemaField::DispositifProgrammesNationaux => labels::<Dispositif>(),
        SchemaField::FormationsLabels => labels::<FormationLabel>(),
        SchemaField::ModalitesAcces => labels::<ModaliteAcces>(),
        SchemaField::ModalitesAccompagnement => labels::<ModaliteAccompagnement>(),
        _ => None,
    }
}

/// A GeoJSON Point geometry in WGS84 degrees.
#[must_use]
pub fn point_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "type": { "const": "Point" },
            "coordinates": {
                "type": "array",
                "description": "`[longitude, latitude]`",
                "items": { "type": "number", "minimum": -180, "maximum": 180 },
                "minItems": 2,
                "maxItems": 2,
            },
        },
        "required": ["type", "coordinates"],
        "additionalProperties": false,
    })
}

/// The schema of a GeoJSON FeatureCollection of `features`, with `members` after them: each
/// a name, its schema and whether it is always written.
#[must_use]
pub fn collection_schema(features: Schema, members: &[(&str, Value, bool)]) -> Schema {
    let mut properties = Map::new();
    properties.insert("type".to_owned(), json!({ "const": "FeatureCollection" }));
    properties.insert(
        "features".to_owned(),
        json!({ "type": "array", "items": features }),
    );
    let mut required = vec!["type", "features"];
    for (name, schema, always) in members {
        properties.insert((*name).to_owned(), schema.clone());
        if *always {
            required.push(name);
        }
    }
    json_schema!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// About what one feature takes, to size buffers once.
pub const FEATURE_BYTES: usize = 1_200;

/// Writes `date` as `"2024-05-17"`, the schema's form, without going through a format string.
fn write_date(out: &mut Vec<u8>, date: chrono::NaiveDate) {
    let (year, month, day) = (date.year(), date.month(), date.day());
    match u32::try_from(year) {
        Ok(year) if year <= 9999 => {
            let digit = |n: u32| b'0' + u8::try_from(n % 10).unwrap_or(0);
            out.extend_from_slice(&[
                b'"',
                digit(year / 1000),
                digit(year / 100),
                digit(year / 10),
                digit(year),
                b'-',
                digit(month / 10),
                digit(month),
                b'-',
                digit(day / 10),
                digit(day),
                b'"',
            ]);
        }
        _ => json::string(out, &date.format("%Y-%m-%d").to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feature_has_every_non_empty_field_and_the_search_extras() {
        let place = crate::ingest::generate::test_places(1, 3).remove(0);
        let feature = PlaceFeature {
            distance_m: Some(1234.56),
            open_now: Some(true),
            ..PlaceFeature::new(&place)
        };
        let json: serde_json::Value = serde_json::from_slice(&feature.to_json()).unwrap();
        assert_eq!(json["type"], "Feature");
        assert_eq!(json["id"], place.id());
        let properties = json["properties"].as_object().unwrap();
        for field in SchemaField::ALL {
            let text = place.field_text(field);
            match properties.get(field.name()) {
                None => assert!(text.is_empty(), "{} is missing", field.name()),
                Some(serde_json::Value::Array(values)) => {
                    let joined: Vec<&str> = values.iter().map(|v| v.as_str().unwrap()).collect();
                    assert_eq!(joined.join("|"), text);
                }
                Some(serde_json::Value::Number(n)) => {
                    assert_eq!(n.as_f64().unwrap().to_string(), text);
                }
                Some(value) => assert_eq!(value, &serde_json::Value::from(text)),
            }
        }
        assert_eq!(properties["distance_m"], 1234.6);
        assert_eq!(properties["open_now"], true);
        assert!(properties.get("score").is_none());
    }

    #[test]
    fn a_feature_is_what_its_schema_says() {
        let schema = PlaceFeature::json_schema(&mut SchemaGenerator::default()).to_value();
        let declared = &schema["properties"]["properties"];
        for place in crate::ingest::generate::test_places(40, 7) {
            let feature = PlaceFeature {
                score: Some(1.5),
                distance_m: Some(10.0),
                open_now: Some(false),
                ..PlaceFeature::new(&place)
            };
            let json: Value = serde_json::from_slice(&feature.to_json()).unwrap();
            let written = json.as_object().unwrap();
            for key in written.keys() {
                assert!(schema["properties"].get(key).is_some(), "{key}");
            }
            let properties = json["properties"].as_object().unwrap();
            for required in declared["required"].as_array().unwrap() {
                assert!(properties.contains_key(required.as_str().unwrap()));
            }
            for (name, value) in properties {
                let expected = &declared["properties"][name];
                let kind = match value {
                    Value::Array(_) => "array",
                    Value::Number(_) => "number",
                    Value::String(_) => "string",
                    Value::Bool(_) => "boolean",
                    _ => "other",
                };
                assert_eq!(expected["type"], kind, "{name}");
                if let (Value::Array(values), Some(labels)) =
                    (value, expected["items"]["enum"].as_array())
                {
                    for value in values {
                        assert!(labels.contains(value), "{name}: {value}");
                    }
                }
            }
        }
    }
}
