//! `lieux-tiles`: pure web-mercator tile maths, point clustering and Mapbox Vector Tile encoding.
//!
//! No I/O, no full-text engine, no HTTP: this crate turns positions into tiles and nothing else,
//! so that it can be tested and benchmarked on its own. It is filled by the tiles issue; the
//! workspace already depends on it so that the dependency direction (`lieux` → `lieux-index` →
//! `lieux-tiles`) is fixed from the start.
