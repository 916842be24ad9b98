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

use crate::place::{Place, SchemaField, TextField};
use crate::serve::json;
use crate::vocab::{VocabSet, Vocabulary};

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
    }
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
}
