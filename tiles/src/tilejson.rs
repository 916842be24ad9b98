//! TileJSON 3.0.0, the document that tells a map client where the tiles are and what is in them.
//!
//! MapLibre reads it from a `source`'s `url` to learn the tile URL template, the zoom range
//! and the layers. The server knows its own address, so it fills [`TileJson::tiles`]; this
//! module only fixes the shape of the document, and describes the [`PLACES_LAYER`] that
//! [`crate::encode`] writes.

use std::collections::BTreeMap;

use crate::encode::{CLUSTER_FIELDS, PLACES_LAYER};
use crate::mercator::LngLatBbox;

/// A TileJSON 3.0.0 document for a vector tile source.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct TileJson {
    /// The TileJSON version, 3.0.0.
    #[schemars(extend("const" = TileJson::VERSION))]
    pub tilejson: &'static str,
    /// Tile URL templates, with `{z}`, `{x}` and `{y}`.
    pub tiles: Vec<String>,
    /// The layers found in the tiles.
    pub vector_layers: Vec<VectorLayer>,
    /// A name for the source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the source is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Attribution to show on the map (may contain HTML links).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
    /// The lowest zoom with tiles.
    pub minzoom: u8,
    /// The deepest zoom with tiles; clients over-zoom beyond it.
    pub maxzoom: u8,
    /// `[west, south, east, north]` where the data is, in degrees.
    pub bounds: [f64; 4],
    /// `[longitude, latitude, zoom]` for a first view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub center: Option<[f64; 3]>,
}

impl TileJson {
    /// The version this module writes.
    pub const VERSION: &'static str = "3.0.0";

    /// A document for these URL templates and layers, covering the world at zooms 0 to 22.
    pub fn new(tiles: Vec<String>, vector_layers: Vec<VectorLayer>) -> Self {
        Self {
            tilejson: Self::VERSION,
            tiles,
            vector_layers,
            name: None,
            description: None,
            attribution: None,
            minzoom: 0,
            maxzoom: 22,
            bounds: LngLatBbox::WORLD.to_array(),
            center: None,
        }
    }
}

/// One layer of a vector tile source.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct VectorLayer {
    /// The layer name in the tiles.
    pub id: String,
    /// Attribute names and their types or descriptions.
    pub fields: BTreeMap<String, String>,
    /// What the layer holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The lowest zoom the layer appears at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minzoom: Option<u8>,
    /// The deepest zoom the layer appears at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maxzoom: Option<u8>,
}

impl VectorLayer {
    /// The [`PLACES_LAYER`], with the cluster properties and the places' own `fields`.
    pub fn places<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let fields = CLUSTER_FIELDS
            .into_iter()
            .chain(fields)
            .map(|(name, kind)| (name.to_owned(), kind.to_owned()))
            .collect();
        Self {
            id: PLACES_LAYER.to_owned(),
            fields,
            description: None,
            minzoom: None,
            maxzoom: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mercator::MAX_LATITUDE;
    use serde_json::json;

    #[test]
    fn serializes_as_tilejson_3() {
        let mut tilejson = TileJson::new(
            vec!["https://example.org/tiles/{z}/{x}/{y}.mvt".to_owned()],
            vec![VectorLayer::places([("nom", "String"), ("id", "String")])],
        );
        tilejson.name = Some("lieux".to_owned());
        tilejson.center = Some([2.35, 46.6, 5.0]);
        tilejson.maxzoom = 18;

        let value = serde_json::to_value(&tilejson).unwrap();
        assert_eq!(
            value,
            json!({
                "tilejson": "3.0.0",
                "tiles": ["https://example.org/tiles/{z}/{x}/{y}.mvt"],
                "vector_layers": [{
                    "id": "places",
                    "fields": {
                        "cluster": "Boolean",
                        "cluster_id": "Number",
                        "expansion_zoom": "Number",
                        "id": "String",
                        "nom": "String",
                        "point_count": "Number",
                        "point_count_abbreviated": "String",
                    },
                }],
                "name": "lieux",
                "minzoom": 0,
                "maxzoom": 18,
                "bounds": [-180.0, -MAX_LATITUDE, 180.0, MAX_LATITUDE],
                "center": [2.35, 46.6, 5.0],
            })
        );
    }
}
