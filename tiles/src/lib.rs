//! `lieux-tiles`: pure web-mercator tile maths, point clustering and Mapbox Vector Tile encoding.
//!
//! No I/O, no full-text engine, no HTTP: this crate turns positions into tiles and nothing else,
//! so that it can be tested and benchmarked on its own. The dependency direction is fixed:
//! `lieux` → `lieux-index` → `lieux-tiles`.
//!
//! - [`mercator`]: longitude/latitude ↔ web-mercator unit square ↔ XYZ tiles ([`TileCoord`]),
//!   with the poles clamped and the antimeridian wrapped;
//! - [`cluster`]: [`ClusterIndex`], a clustering hierarchy with supercluster's semantics and
//!   defaults, queried by bbox, by tile, and by cluster (children, leaves, expansion zoom);
//! - [`encode`]: one tile's clusters and places as a Mapbox Vector Tile, with properties that
//!   the caller adds to each place's feature through a [`PropertySink`];
//! - [`tilejson`]: the TileJSON 3.0.0 document that describes the tiles;
//! - [`pmtiles`]: a PMTiles v3 archive of a tile set (header, Hilbert tile ids, directories
//!   with leaves, identical tiles stored once), made in memory for the caller to write.
//!
//! ```
//! use lieux_tiles::{encode_tile, ClusterIndex, ClusterOptions, PropertySink, TileCoord};
//!
//! let places = [(2.3522, 48.8566), (2.3530, 48.8570), (4.8357, 45.7640)];
//! let index = ClusterIndex::build(&places, ClusterOptions::default())?;
//! let tile = TileCoord::new(5, 16, 11)?;
//! let items = index.tile(tile, 4096, index.options().tile_buffer(4096));
//! let bytes = encode_tile(&items, 4096, |i, feature| feature.add("id", i.into()))?;
//! assert!(!bytes.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod cluster;
pub mod encode;
mod kdtree;
pub mod mercator;
pub mod pmtiles;
pub mod tilejson;

pub use cluster::{
    point_count_abbreviated, ClusterError, ClusterIndex, ClusterItem, ClusterOptions, Tally,
    TileItem,
};
pub use encode::{
    encode_tile, encode_tile_with, EncodeError, PropertySink, PropertyValue, TileFeature,
};
pub use mercator::{tile_for, LngLatBbox, TileCoord, TileCoordError};
pub use pmtiles::PmtilesError;
pub use tilejson::{TileJson, VectorLayer};
