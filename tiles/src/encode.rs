//! Mapbox Vector Tile 2.1 encoding of a tile's clusters and places.
//!
//! A tile is one layer, [`PLACES_LAYER`], of point features. Clusters carry the properties that
//! MapLibre's own GeoJSON clustering gives them (`cluster`, `cluster_id`, `point_count`,
//! `point_count_abbreviated`), so that a style written for a clustered GeoJSON source works on
//! these tiles unchanged, and the zoom at which they split (`expansion_zoom`), which
//! supercluster answers only when asked (`getClusterExpansionZoom`): a click zooms in with
//! no round trip. What a single place carries is up to the caller: this crate knows
//! nothing about places, so it hands the caller each point's feature as a [`PropertySink`], and
//! the caller adds the keys and values. Values are borrowed for the call only, so a caller can
//! build a joined text in one reused buffer instead of a new string per property: a tile of a
//! few hundred places would otherwise allocate thousands of strings. The same sink trait takes
//! GeoJSON properties, so a caller describes a place once for both.
//!
//! The protobuf work is done by the `mvt` crate; this module only decides what goes in.

use std::borrow::Cow;

use crate::cluster::{point_count_abbreviated, ClusterItem, TileItem};

/// The name of the one layer of every tile.
pub const PLACES_LAYER: &str = "places";

/// The usual tile grid: 4096 units per side.
pub const DEFAULT_EXTENT: u32 = 4096;

/// The properties of every cluster feature, with their TileJSON types.
pub const CLUSTER_FIELDS: [(&str, &str); 5] = [
    ("cluster", "Boolean"),
    ("cluster_id", "Number"),
    ("point_count", "Number"),
    ("point_count_abbreviated", "String"),
    ("expansion_zoom", "Number"),
];

/// Why a tile could not be encoded.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// The MVT encoder refused the tile.
    #[error("vector tile encoding failed: {0}")]
    Mvt(#[from] mvt::Error),
}

/// One property value. MVT has no arrays and no nulls: join lists into a string, and leave
/// absent values out.
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValue<'a> {
    /// A string, borrowed or owned.
    String(Cow<'a, str>),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A floating-point number.
    Double(f64),
    /// A boolean.
    Bool(bool),
}

impl<'a> From<&'a str> for PropertyValue<'a> {
    fn from(value: &'a str) -> Self {
        Self::String(Cow::Borrowed(value))
    }
}

impl From<String> for PropertyValue<'_> {
    fn from(value: String) -> Self {
        Self::String(Cow::Owned(value))
    }
}

impl<'a> From<Cow<'a, str>> for PropertyValue<'a> {
    fn from(value: Cow<'a, str>) -> Self {
        Self::String(value)
    }
}

impl From<i64> for PropertyValue<'_> {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<i32> for PropertyValue<'_> {
    fn from(value: i32) -> Self {
        Self::Int(value.into())
    }
}

impl From<u64> for PropertyValue<'_> {
    fn from(value: u64) -> Self {
        Self::UInt(value)
    }
}

impl From<u32> for PropertyValue<'_> {
    fn from(value: u32) -> Self {
        Self::UInt(value.into())
    }
}

impl From<f64> for PropertyValue<'_> {
    fn from(value: f64) -> Self {
        Self::Double(value)
    }
}

impl From<bool> for PropertyValue<'_> {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

/// Takes the properties of one feature, in order.
pub trait PropertySink {
    /// Adds the property `key`. MVT has no arrays and no nulls: join lists into a string, and
    /// leave absent values out.
    fn add(&mut self, key: &str, value: PropertyValue<'_>);
}

/// The feature of a point being encoded, as [`encode_tile`] hands it to its caller.
pub struct TileFeature<'a>(&'a mut mvt::Feature);

impl PropertySink for TileFeature<'_> {
    fn add(&mut self, key: &str, value: PropertyValue<'_>) {
        match value {
            PropertyValue::String(text) => self.0.add_tag_string(key, &text),
            PropertyValue::Int(n) => self.0.add_tag_sint(key, n),
            PropertyValue::UInt(n) => self.0.add_tag_uint(key, n),
            PropertyValue::Double(n) => self.0.add_tag_double(key, n),
            PropertyValue::Bool(b) => self.0.add_tag_bool(key, b),
        }
    }
}

/// Encodes the items of one tile (see [`crate::cluster::ClusterIndex::tile`], called with the
/// same `extent`) as a vector tile.
///
/// Clusters get their cluster properties and their cluster id as feature id; a point gets its
/// input index as feature id and the properties that `point_properties(index, feature)` adds.
/// A tile with no items encodes to no bytes at all, which is a valid, empty vector tile.
pub fn encode_tile(
    items: &[TileItem],
    extent: u32,
    point_properties: impl FnMut(u32, &mut TileFeature<'_>),
) -> Result<Vec<u8>, EncodeError> {
    encode_tile_with(items, extent, true, point_properties, |_, _| {})
}

/// [`encode_tile`], points given their input index as feature id only when `point_ids`: an
/// index means something only to the hierarchy that made the tile, and a tile that names its
/// places by a property (a published archive) is smaller without it. Clusters always keep
/// theirs, and get, after the cluster properties, those `cluster_properties(id, feature)` adds
/// (counts per category, see [`crate::Tally`]).
pub fn encode_tile_with(
    items: &[TileItem],
    extent: u32,
    point_ids: bool,
    mut point_properties: impl FnMut(u32, &mut TileFeature<'_>),
    mut cluster_properties: impl FnMut(u64, &mut TileFeature<'_>),
) -> Result<Vec<u8>, EncodeError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let mut tile = mvt::Tile::new(extent);
    let mut layer = tile.create_layer(PLACES_LAYER);
    for &TileItem { item, x, y } in items {
        let geometry = mvt::GeomEncoder::new(mvt::GeomType::Point)
            .point(x, y)?
            .encode()?;
        let mut feature = layer.into_feature(geometry);
        match item {
            ClusterItem::Cluster {
                id,
                count,
                expansion_zoom,
                ..
            } => {
                feature.set_id(id);
                feature.add_tag_bool("cluster", true);
                feature.add_tag_uint("cluster_id", id);
                feature.add_tag_uint("point_count", count.into());
                feature.add_tag_string("point_count_abbreviated", &point_count_abbreviated(count));
                feature.add_tag_uint("expansion_zoom", expansion_zoom.into());
                cluster_properties(id, &mut TileFeature(&mut feature));
            }
            ClusterItem::Point { index } => {
                if point_ids {
                    feature.set_id(index.into());
                }
                point_properties(index, &mut TileFeature(&mut feature));
            }
        }
        layer = feature.into_layer();
    }
    tile.add_layer(layer)?;
    Ok(tile.to_bytes()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mvt_reader::feature::Value;
    use mvt_reader::Reader;
    use std::collections::HashMap;

    fn decode(
        bytes: Vec<u8>,
    ) -> (
        Vec<mvt_reader::layer::Layer>,
        Vec<mvt_reader::feature::Feature>,
    ) {
        let reader = Reader::new(bytes).unwrap();
        let layers = reader.get_layer_metadata().unwrap();
        let features = reader.get_features(0).unwrap();
        (layers, features)
    }

    /// The one position of a point feature (the reader decodes every point feature as a
    /// multi-point).
    fn point(feature: &mvt_reader::feature::Feature) -> (f32, f32) {
        match feature.get_geometry() {
            geo_types::Geometry::MultiPoint(points) if points.0.len() == 1 => {
                (points.0[0].x(), points.0[0].y())
            }
            other => panic!("not a single point: {other:?}"),
        }
    }

    fn properties(feature: &mvt_reader::feature::Feature) -> &HashMap<String, Value> {
        feature.properties.as_ref().unwrap()
    }

    #[test]
    fn clusters_and_places_decode_with_an_independent_reader() {
        let items = [
            TileItem {
                item: ClusterItem::Cluster {
                    id: 1234,
                    count: 1520,
                    lon: 2.35,
                    lat: 48.85,
                    expansion_zoom: 9,
                },
                x: 100,
                y: 200,
            },
            TileItem {
                item: ClusterItem::Point { index: 7 },
                x: -20,
                y: 4100,
            },
            TileItem {
                item: ClusterItem::Point { index: 8 },
                x: 4096,
                y: 0,
            },
        ];
        let names = ["Médiathèque", "Espace France services"];
        let mut scratch = String::new();
        let bytes = encode_tile(&items, DEFAULT_EXTENT, |index, feature| {
            scratch.clear();
            scratch.push_str("lieu-");
            scratch.push_str(&index.to_string());
            feature.add("id", scratch.as_str().into());
            feature.add("nom", names[index as usize - 7].into());
            feature.add("frais_a_charge", (index == 7).into());
            feature.add("code_postal", "75004".into());
            feature.add("rank", (-3).into());
            feature.add("score", 0.5.into());
            if index == 8 {
                feature.add("horaires", "Mo-Fr 09:00-18:00".into());
            }
        })
        .unwrap();

        let (layers, features) = decode(bytes);
        assert_eq!(layers.len(), 1);
        assert_eq!(layers[0].name, PLACES_LAYER);
        assert_eq!(layers[0].extent, 4096);
        assert_eq!(layers[0].feature_count, 3);
        assert_eq!(features.len(), 3);

        let cluster = &features[0];
        assert_eq!(cluster.id, Some(1234));
        assert_eq!(point(cluster), (100.0, 200.0));
        let props = properties(cluster);
        assert_eq!(props["cluster"], Value::Bool(true));
        assert_eq!(props["cluster_id"], Value::UInt(1234));
        assert_eq!(props["point_count"], Value::UInt(1520));
        assert_eq!(
            props["point_count_abbreviated"],
            Value::String("1.5k".into())
        );
        assert_eq!(props["expansion_zoom"], Value::UInt(9));

        let place = &features[1];
        assert_eq!(place.id, Some(7));
        assert_eq!(point(place), (-20.0, 4100.0));
        let props = properties(place);
        assert_eq!(props["id"], Value::String("lieu-7".into()));
        assert_eq!(props["nom"], Value::String("Médiathèque".into()));
        assert_eq!(props["frais_a_charge"], Value::Bool(true));
        assert_eq!(props["code_postal"], Value::String("75004".into()));
        assert_eq!(props["rank"], Value::SInt(-3));
        assert_eq!(props["score"], Value::Double(0.5));
        assert!(!props.contains_key("horaires"));
        assert!(!props.contains_key("cluster"));

        let place = &features[2];
        assert_eq!(point(place), (4096.0, 0.0));
        let props = properties(place);
        assert_eq!(props["nom"], Value::String("Espace France services".into()));
        assert_eq!(props["horaires"], Value::String("Mo-Fr 09:00-18:00".into()));
    }

    #[test]
    fn points_may_go_without_feature_ids() {
        let items = [
            TileItem {
                item: ClusterItem::Cluster {
                    id: 99,
                    count: 3,
                    lon: 0.0,
                    lat: 0.0,
                    expansion_zoom: 4,
                },
                x: 1,
                y: 1,
            },
            TileItem {
                item: ClusterItem::Point { index: 7 },
                x: 2,
                y: 2,
            },
        ];
        let bytes = encode_tile_with(
            &items,
            DEFAULT_EXTENT,
            false,
            |index, feature| feature.add("id", index.into()),
            |id, feature| feature.add("services:Wifi", (id / 33).into()),
        )
        .unwrap();
        let (_, features) = decode(bytes);
        assert_eq!(features[0].id, Some(99), "a cluster keeps its id");
        assert_eq!(properties(&features[0])["services:Wifi"], Value::UInt(3));
        assert_eq!(properties(&features[0])["point_count"], Value::UInt(3));
        assert_eq!(features[1].id, None);
        assert_eq!(properties(&features[1])["id"], Value::UInt(7));
        assert!(!properties(&features[1]).contains_key("services:Wifi"));
    }

    #[test]
    fn an_empty_tile_is_empty() {
        let bytes = encode_tile(&[], DEFAULT_EXTENT, |_, _| {}).unwrap();
        assert!(bytes.is_empty());
        let reader = Reader::new(bytes).unwrap();
        assert!(reader.get_layer_names().unwrap().is_empty());
    }
}
