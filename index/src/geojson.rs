//! Places as GeoJSON features, with every field of the schema.
//!
//! Properties are named as in schema v1.0.2. Vocabulary fields, which hold several values, are
//! JSON arrays of their labels; coordinates are numbers; every other field is the text the
//! schema's CSV would hold. Empty fields are left out, so a client tests for presence. Values a
//! source gave that could not be normalised are kept under `autres_valeurs`.
//!
//! [`PlaceFeature`] serialises straight from the place, with no intermediate JSON tree: a page
//! of search results is written without allocating per field.

use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

use crate::place::{Place, SchemaField, TextField};
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
}

impl Serialize for PlaceFeature<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Point {
            #[serde(rename = "type")]
            kind: &'static str,
            coordinates: [f64; 2],
        }
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("type", "Feature")?;
        map.serialize_entry("id", self.place.id())?;
        map.serialize_entry(
            "geometry",
            &Point {
                kind: "Point",
                coordinates: [self.place.longitude, self.place.latitude],
            },
        )?;
        map.serialize_entry("properties", &Properties(self))?;
        map.end()
    }
}

struct Properties<'f, 'a>(&'f PlaceFeature<'a>);

/// A vocabulary set as an array of labels.
struct Labels<'s, V: Vocabulary>(&'s VocabSet<V>);

impl<V: Vocabulary> Serialize for Labels<'_, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for value in self.0.iter() {
            seq.serialize_element(value.label())?;
        }
        seq.end()
    }
}

impl Serialize for Properties<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        fn labels<M: SerializeMap, V: Vocabulary>(
            map: &mut M,
            field: SchemaField,
            set: &VocabSet<V>,
        ) -> Result<(), M::Error> {
            if set.is_empty() {
                return Ok(());
            }
            map.serialize_entry(field.name(), &Labels(set))
        }
        let feature = self.0;
        let place = feature.place;
        let mut map = serializer.serialize_map(None)?;
        for field in SchemaField::ALL {
            match field {
                SchemaField::Latitude => map.serialize_entry(field.name(), &place.latitude)?,
                SchemaField::Longitude => map.serialize_entry(field.name(), &place.longitude)?,
                SchemaField::Typologie => labels(&mut map, field, &place.typologie)?,
                SchemaField::Itinerance => labels(&mut map, field, &place.itinerance)?,
                SchemaField::Services => labels(&mut map, field, &place.services)?,
                SchemaField::PublicsSpecifiquementAdresses => {
                    labels(&mut map, field, &place.publics_specifiquement_adresses)?;
                }
                SchemaField::PriseEnChargeSpecifique => {
                    labels(&mut map, field, &place.prise_en_charge_specifique)?;
                }
                SchemaField::FraisACharge => labels(&mut map, field, &place.frais_a_charge)?,
                SchemaField::DispositifProgrammesNationaux => {
                    labels(&mut map, field, &place.dispositif_programmes_nationaux)?;
                }
                SchemaField::FormationsLabels => {
                    labels(&mut map, field, &place.formations_labels)?;
                }
                SchemaField::ModalitesAcces => labels(&mut map, field, &place.modalites_acces)?,
                SchemaField::ModalitesAccompagnement => {
                    labels(&mut map, field, &place.modalites_accompagnement)?;
                }
                other => match TextField::of(other) {
                    Some(text) => {
                        let value = place.text(text);
                        if !value.is_empty() {
                            map.serialize_entry(field.name(), value)?;
                        }
                    }
                    None => map.serialize_entry(field.name(), &place.field_text(other))?,
                },
            }
        }
        if !place.autres_valeurs.is_empty() {
            #[derive(Serialize)]
            struct Other<'a> {
                field: &'static str,
                value: &'a str,
            }
            let others: Vec<Other<'_>> = place
                .autres_valeurs
                .iter()
                .map(|o| Other {
                    field: o.field.name(),
                    value: &o.value,
                })
                .collect();
            map.serialize_entry("autres_valeurs", &others)?;
        }
        if let Some(score) = feature.score {
            map.serialize_entry("score", &score)?;
        }
        if let Some(distance) = feature.distance_m {
            // To the decimetre: more would be noise.
            map.serialize_entry("distance_m", &((distance * 10.0).round() / 10.0))?;
        }
        if let Some(open) = feature.open_now {
            map.serialize_entry("open_now", &open)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feature_has_every_non_empty_field_and_the_search_extras() {
        let place = crate::generate::test_places(1, 3).remove(0);
        let feature = PlaceFeature {
            distance_m: Some(1234.56),
            open_now: Some(true),
            ..PlaceFeature::new(&place)
        };
        let json = serde_json::to_value(feature).unwrap();
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
