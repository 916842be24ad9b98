//! Places as GeoJSON features, with every field of the schema.
//!
//! Properties are named as in schema v1.0.2. Vocabulary fields, which hold several values, are
//! JSON arrays of their labels; coordinates are numbers; every other field is the text the
//! schema's CSV would hold. Empty fields are left out, so a client tests for presence. Values a
//! source gave that could not be normalised are kept under `autres_valeurs`.

use serde_json::{json, Map, Value};

use crate::place::{Place, SchemaField, TextField};
use crate::vocab::{VocabSet, Vocabulary};

/// The properties of `place`.
#[must_use]
pub fn place_properties(place: &Place) -> Map<String, Value> {
    fn labels<V: Vocabulary>(set: &VocabSet<V>) -> Value {
        Value::from(set.iter().map(Vocabulary::label).collect::<Vec<_>>())
    }
    let mut properties = Map::new();
    for field in SchemaField::ALL {
        let value = match field {
            SchemaField::Latitude => Value::from(place.latitude),
            SchemaField::Longitude => Value::from(place.longitude),
            SchemaField::Typologie => labels(&place.typologie),
            SchemaField::Itinerance => labels(&place.itinerance),
            SchemaField::Services => labels(&place.services),
            SchemaField::PublicsSpecifiquementAdresses => {
                labels(&place.publics_specifiquement_adresses)
            }
            SchemaField::PriseEnChargeSpecifique => labels(&place.prise_en_charge_specifique),
            SchemaField::FraisACharge => labels(&place.frais_a_charge),
            SchemaField::DispositifProgrammesNationaux => {
                labels(&place.dispositif_programmes_nationaux)
            }
            SchemaField::FormationsLabels => labels(&place.formations_labels),
            SchemaField::ModalitesAcces => labels(&place.modalites_acces),
            SchemaField::ModalitesAccompagnement => labels(&place.modalites_accompagnement),
            other => match TextField::of(other) {
                Some(text) => Value::from(place.text(text)),
                None => Value::from(place.field_text(other)),
            },
        };
        let empty = match &value {
            Value::String(s) => s.is_empty(),
            Value::Array(a) => a.is_empty(),
            _ => false,
        };
        if !empty {
            properties.insert(field.name().to_owned(), value);
        }
    }
    if !place.autres_valeurs.is_empty() {
        let others: Vec<Value> = place
            .autres_valeurs
            .iter()
            .map(|o| json!({ "field": o.field.name(), "value": &*o.value }))
            .collect();
        properties.insert("autres_valeurs".to_owned(), Value::from(others));
    }
    properties
}

/// `place` as a GeoJSON Feature, with `extra` properties added.
#[must_use]
pub fn place_feature(
    place: &Place,
    extra: impl IntoIterator<Item = (&'static str, Value)>,
) -> Value {
    let mut properties = place_properties(place);
    for (key, value) in extra {
        properties.insert(key.to_owned(), value);
    }
    json!({
        "type": "Feature",
        "id": place.id(),
        "geometry": { "type": "Point", "coordinates": [place.longitude, place.latitude] },
        "properties": properties,
    })
}
