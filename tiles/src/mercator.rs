//! Web-mercator maths: longitude/latitude, the unit square, and XYZ tiles.
//!
//! Every slippy map (MapLibre, Leaflet, OpenLayers) cuts the world the same way: longitude and
//! latitude are projected with spherical web-mercator (EPSG:3857) onto a unit square, `x` growing
//! eastwards from the antimeridian and `y` growing *southwards* from the north edge, and at zoom
//! `z` that square is cut into `2^z × 2^z` tiles. Doing the maths in the unit square first keeps
//! one code path for every zoom: a tile coordinate is a unit coordinate times `2^z`, and the
//! clustering in [`crate::cluster`] measures its radius in the same unit space.
//!
//! Two edges need care, and are handled here once so that callers never see them:
//! - latitudes beyond [`MAX_LATITUDE`] have no mercator image (the poles are at infinity), so
//!   they are clamped to the top or bottom edge of the square;
//! - longitudes are wrapped into `[-180, 180)`: the antimeridian belongs to the western-most
//!   tile column, and a longitude of 540 is the same meridian as 180.

use std::f64::consts::PI;

/// The latitude where web-mercator's square ends, `atan(sinh(π))` in degrees.
///
/// Latitudes beyond ±`MAX_LATITUDE` are clamped to it.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// The deepest zoom a [`TileCoord`] can have.
///
/// At zoom 30 a tile column index still fits in a `u32`, and a tile is a few centimetres wide:
/// no map goes further. Servers usually stop much earlier (22 is common).
pub const MAX_ZOOM: u8 = 30;

/// Why a tile coordinate or a position cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum TileCoordError {
    /// The zoom is deeper than [`MAX_ZOOM`].
    #[error("zoom {z} is outside the supported range 0-{MAX_ZOOM}")]
    ZoomOutOfRange {
        /// The zoom that was asked for.
        z: u8,
    },
    /// The column or row does not exist at this zoom.
    #[error("tile {z}/{x}/{y} does not exist: x and y must be below {} at zoom {z}", 1u64 << z)]
    OutOfRange {
        /// The zoom.
        z: u8,
        /// The column.
        x: u32,
        /// The row.
        y: u32,
    },
    /// A longitude or latitude is NaN or infinite.
    #[error("position ({lon}, {lat}) is not a finite longitude and latitude")]
    NotFinite {
        /// The longitude.
        lon: f64,
        /// The latitude.
        lat: f64,
    },
}

/// A rectangle in longitude and latitude, in degrees: `west ≤ east` unless it crosses the
/// antimeridian.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LngLatBbox {
    /// Western longitude.
    pub west: f64,
    /// Southern latitude.
    pub south: f64,
    /// Eastern longitude.
    pub east: f64,
    /// Northern latitude.
    pub north: f64,
}

impl LngLatBbox {
    /// The whole world that web-mercator can show.
    pub const WORLD: Self = Self {
        west: -180.0,
        south: -MAX_LATITUDE,
        east: 180.0,
        north: MAX_LATITUDE,
    };

    /// A bbox from its four sides.
    pub const fn new(west: f64, south: f64, east: f64, north: f64) -> Self {
        Self {
            west,
            south,
            east,
            north,
        }
    }

    /// `[west, south, east, north]`, the order of GeoJSON and TileJSON.
    pub const fn to_array(self) -> [f64; 4] {
        [self.west, self.south, self.east, self.north]
    }

    /// Whether the position is inside, edges included (a bbox crossing the antimeridian
    /// included).
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        let in_lat = self.south <= lat && lat <= self.north;
        let in_lon = if self.west <= self.east {
            self.west <= lon && lon <= self.east
        } else {
            self.west <= lon || lon <= self.east
        };
        in_lat && in_lon
    }
}

impl From<[f64; 4]> for LngLatBbox {
    fn from([west, south, east, north]: [f64; 4]) -> Self {
        Self::new(west, south, east, north)
    }
}

/// Wraps a longitude into `[-180, 180)`.
///
/// Non-finite longitudes stay non-finite.
pub fn wrap_longitude(lon: f64) -> f64 {
    if (-180.0..180.0).contains(&lon) {
        return lon;
    }
    let wrapped = (lon + 180.0).rem_euclid(360.0) - 180.0;
    // `rem_euclid` can round up to exactly 360 for tiny negative inputs.
    if wrapped >= 180.0 {
        wrapped - 360.0
    } else {
        wrapped
    }
}

/// Clamps a latitude to `[-MAX_LATITUDE, MAX_LATITUDE]`.
pub fn clamp_latitude(lat: f64) -> f64 {
    lat.clamp(-MAX_LATITUDE, MAX_LATITUDE)
}

/// Longitude (wrapped) to the unit square's `x`, in `[0, 1)`.
pub fn lon_to_unit_x(lon: f64) -> f64 {
    wrap_longitude(lon) / 360.0 + 0.5
}

/// Latitude (clamped) to the unit square's `y`, in `[0, 1]`, `0` at the north edge.
pub fn lat_to_unit_y(lat: f64) -> f64 {
    let sin = clamp_latitude(lat).to_radians().sin();
    let y = 0.5 - 0.25 * ((1.0 + sin) / (1.0 - sin)).ln() / PI;
    y.clamp(0.0, 1.0)
}

/// The unit square's `x` back to a longitude, without wrapping (`x = 1` is 180).
pub fn unit_x_to_lon(x: f64) -> f64 {
    (x - 0.5) * 360.0
}

/// The unit square's `y` back to a latitude.
pub fn unit_y_to_lat(y: f64) -> f64 {
    (PI * (1.0 - 2.0 * y)).sinh().atan().to_degrees()
}

/// A longitude and latitude to fractional tile coordinates at zoom `z`: the integer parts are
/// the tile's column and row, the fractional parts the position inside it.
pub fn lng_lat_to_tile_fraction(lon: f64, lat: f64, z: u8) -> (f64, f64) {
    let scale = zoom_scale(z);
    (lon_to_unit_x(lon) * scale, lat_to_unit_y(lat) * scale)
}

/// Fractional tile coordinates at zoom `z` back to a longitude and latitude.
pub fn tile_fraction_to_lng_lat(x: f64, y: f64, z: u8) -> (f64, f64) {
    let scale = zoom_scale(z);
    (unit_x_to_lon(x / scale), unit_y_to_lat(y / scale))
}

/// The tile of zoom `z` that contains a position, after wrapping the longitude and clamping
/// the latitude.
///
/// The antimeridian belongs to column 0, and the clamped poles to the first and last rows.
pub fn tile_for(lon: f64, lat: f64, z: u8) -> Result<TileCoord, TileCoordError> {
    if z > MAX_ZOOM {
        return Err(TileCoordError::ZoomOutOfRange { z });
    }
    if !lon.is_finite() || !lat.is_finite() {
        return Err(TileCoordError::NotFinite { lon, lat });
    }
    let (fx, fy) = lng_lat_to_tile_fraction(lon, lat, z);
    let last = tiles_per_side(z) - 1;
    // `as` saturates, and the `min` keeps the east and south edges (x or y exactly 2^z) in the
    // last column and row.
    Ok(TileCoord {
        z,
        x: (fx.floor() as u32).min(last),
        y: (fy.floor() as u32).min(last),
    })
}

/// The tiles of zoom `z` whose area, widened by `margin` tile widths on every side (a tile's
/// buffer), holds a position: the tiles whose bytes can show it, wrapped across the
/// antimeridian as tiles are. When a place changes, these are the tiles a cache must drop.
///
/// A tile more on each side than the exact set, never one fewer: a position on a tile's edge
/// is in both, whichever way rounding goes. Nothing for a non-finite position or zoom above
/// [`MAX_ZOOM`].
pub fn tiles_reaching(lon: f64, lat: f64, z: u8, margin: f64) -> Vec<TileCoord> {
    if z > MAX_ZOOM || !lon.is_finite() || !lat.is_finite() || !margin.is_finite() {
        return Vec::new();
    }
    let (fx, fy) = lng_lat_to_tile_fraction(lon, lat, z);
    let side = i64::from(tiles_per_side(z));
    // Saturating `as`: fractions lie within [0, 2^30], margins are a tile or so.
    let span = |f: f64| (f - margin).floor() as i64 - 1..=(f + margin).floor() as i64;
    let columns: std::collections::BTreeSet<i64> = span(fx).map(|x| x.rem_euclid(side)).collect();
    let rows = span(fy).filter(|y| (0..side).contains(y));
    let mut tiles = Vec::new();
    for y in rows {
        for &x in &columns {
            // In range by construction.
            tiles.push(TileCoord {
                z,
                x: x as u32,
                y: y as u32,
            });
        }
    }
    tiles
}

/// `2^z` as a float: the number of tiles per side at zoom `z`.
pub(crate) fn zoom_scale(z: u8) -> f64 {
    f64::from(z).exp2()
}

/// `2^z`: the number of tiles per side at zoom `z ≤ MAX_ZOOM`.
fn tiles_per_side(z: u8) -> u32 {
    1 << z
}

/// One XYZ tile: zoom, column from the west, row from the north.
///
/// A `TileCoord` always exists: `z ≤ MAX_ZOOM` and `x, y < 2^z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileCoord {
    z: u8,
    x: u32,
    y: u32,
}

impl TileCoord {
    /// A tile, if it exists.
    pub fn new(z: u8, x: u32, y: u32) -> Result<Self, TileCoordError> {
        if z > MAX_ZOOM {
            return Err(TileCoordError::ZoomOutOfRange { z });
        }
        let side = tiles_per_side(z);
        if x >= side || y >= side {
            return Err(TileCoordError::OutOfRange { z, x, y });
        }
        Ok(Self { z, x, y })
    }

    /// The zoom.
    pub const fn z(self) -> u8 {
        self.z
    }

    /// The column, from the antimeridian eastwards.
    pub const fn x(self) -> u32 {
        self.x
    }

    /// The row, from the north edge southwards.
    pub const fn y(self) -> u32 {
        self.y
    }

    /// The tile's extent in longitude and latitude.
    pub fn bounds(self) -> LngLatBbox {
        let (west, north) = tile_fraction_to_lng_lat(f64::from(self.x), f64::from(self.y), self.z);
        let (east, south) =
            tile_fraction_to_lng_lat(f64::from(self.x + 1), f64::from(self.y + 1), self.z);
        LngLatBbox::new(west, south, east, north)
    }

    /// Projects a longitude and latitude into this tile's grid of `extent × extent` units:
    /// `(0, 0)` is the tile's north-west corner and `(extent, extent)` its south-east corner.
    ///
    /// Positions outside the tile give coordinates below 0 or above `extent`, as tile buffers
    /// need. The longitude is wrapped first, so a tile next to the antimeridian sees positions
    /// across it on the far side of the world; [`crate::cluster::ClusterIndex::tile`] shifts
    /// them back where they belong. Coordinates saturate at the `i32` range.
    pub fn project(self, lon: f64, lat: f64, extent: u32) -> (i32, i32) {
        self.project_unit(lon_to_unit_x(lon), lat_to_unit_y(lat), extent)
    }

    /// Like [`TileCoord::project`], from unit-square coordinates.
    pub fn project_unit(self, x: f64, y: f64, extent: u32) -> (i32, i32) {
        let scale = zoom_scale(self.z);
        let extent = f64::from(extent);
        (
            round_half_up(extent * (x * scale - f64::from(self.x))),
            round_half_up(extent * (y * scale - f64::from(self.y))),
        )
    }
}

impl std::fmt::Display for TileCoord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// Rounds halves towards +∞ like JavaScript's `Math.round`, which renderers and supercluster
/// use, so that positions land on the same integer grid cell. The cast saturates.
fn round_half_up(v: f64) -> i32 {
    (v + 0.5).floor() as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EPSILON: f64 = 1e-9;

    /// The difference between two longitudes, modulo 360.
    fn lon_distance(a: f64, b: f64) -> f64 {
        let d = (a - b).rem_euclid(360.0);
        d.min(360.0 - d)
    }

    #[test]
    fn tile_coord_rejects_columns_and_rows_outside_the_zoom() {
        assert!(TileCoord::new(0, 0, 0).is_ok());
        assert_eq!(
            TileCoord::new(0, 1, 0),
            Err(TileCoordError::OutOfRange { z: 0, x: 1, y: 0 })
        );
        assert!(TileCoord::new(3, 7, 7).is_ok());
        assert!(TileCoord::new(3, 8, 0).is_err());
        assert!(TileCoord::new(30, u32::MAX >> 2, 0).is_ok());
        assert!(TileCoord::new(30, 1 << 30, 0).is_err());
        assert_eq!(
            TileCoord::new(31, 0, 0),
            Err(TileCoordError::ZoomOutOfRange { z: 31 })
        );
        let message = TileCoord::new(2, 4, 1).unwrap_err().to_string();
        assert_eq!(
            message,
            "tile 2/4/1 does not exist: x and y must be below 4 at zoom 2"
        );
    }

    #[test]
    fn known_tiles() {
        // Paris, Notre-Dame, at zoom 10 and 15 (checked against OpenStreetMap's tile URLs).
        let paris = tile_for(2.3499, 48.8530, 10).unwrap();
        assert_eq!((paris.x(), paris.y()), (518, 352));
        let paris = tile_for(2.3499, 48.8530, 15).unwrap();
        assert_eq!((paris.x(), paris.y()), (16597, 11273));
        assert_eq!(
            tile_for(0.0, 0.0, 1).unwrap(),
            TileCoord::new(1, 1, 1).unwrap()
        );
        assert_eq!(
            tile_for(-0.1, 0.1, 1).unwrap(),
            TileCoord::new(1, 0, 0).unwrap()
        );
    }

    #[test]
    fn world_tile_bounds() {
        let world = TileCoord::new(0, 0, 0).unwrap().bounds();
        assert!((world.west + 180.0).abs() < EPSILON);
        assert!((world.east - 180.0).abs() < EPSILON);
        assert!((world.north - MAX_LATITUDE).abs() < EPSILON);
        assert!((world.south + MAX_LATITUDE).abs() < EPSILON);
    }

    #[test]
    fn antimeridian_belongs_to_the_first_column() {
        for z in 0..=22 {
            let last = (1u32 << z) - 1;
            assert_eq!(tile_for(-180.0, 10.0, z).unwrap().x(), 0);
            assert_eq!(tile_for(180.0, 10.0, z).unwrap().x(), 0);
            assert_eq!(tile_for(179.999_999_9, 10.0, z).unwrap().x(), last);
            assert_eq!(tile_for(540.0, 10.0, z).unwrap().x(), 0);
        }
    }

    #[test]
    fn poles_clamp_to_the_edge_rows() {
        for z in 0..=22 {
            let last = (1u32 << z) - 1;
            assert_eq!(tile_for(0.0, 90.0, z).unwrap().y(), 0);
            assert_eq!(tile_for(0.0, 89.0, z).unwrap().y(), 0);
            assert_eq!(tile_for(0.0, -90.0, z).unwrap().y(), last);
            assert_eq!(tile_for(0.0, -1e300, z).unwrap().y(), last);
        }
        assert_eq!(lat_to_unit_y(90.0), 0.0);
        assert_eq!(lat_to_unit_y(-90.0), 1.0);
    }

    #[test]
    fn non_finite_positions_and_deep_zooms_are_errors() {
        assert!(matches!(
            tile_for(f64::NAN, 0.0, 3),
            Err(TileCoordError::NotFinite { .. })
        ));
        assert!(tile_for(0.0, f64::INFINITY, 3).is_err());
        assert_eq!(
            tile_for(0.0, 0.0, 31),
            Err(TileCoordError::ZoomOutOfRange { z: 31 })
        );
    }

    #[test]
    fn project_places_corners_on_the_extent() {
        let tile = TileCoord::new(4, 3, 5).unwrap();
        let bounds = tile.bounds();
        assert_eq!(tile.project(bounds.west, bounds.north, 4096), (0, 0));
        assert_eq!(tile.project(bounds.east, bounds.south, 4096), (4096, 4096));
        let (x, y) = tile.project(bounds.west - 1.0, bounds.south - 1.0, 4096);
        assert!(x < 0 && y > 4096);
    }

    #[test]
    fn wrap_longitude_keeps_the_meridian() {
        assert_eq!(wrap_longitude(180.0), -180.0);
        assert_eq!(wrap_longitude(-180.0), -180.0);
        assert_eq!(wrap_longitude(190.0), -170.0);
        assert_eq!(wrap_longitude(-190.0), 170.0);
        assert_eq!(wrap_longitude(720.5), 0.5);
        assert!((-180.0..180.0).contains(&wrap_longitude(-180.0 - 1e-14)));
        assert!(wrap_longitude(f64::NAN).is_nan());
    }

    #[test]
    fn bbox_contains_across_the_antimeridian() {
        let pacific = LngLatBbox::new(170.0, -10.0, -170.0, 10.0);
        assert!(pacific.contains(175.0, 0.0));
        assert!(pacific.contains(-175.0, 0.0));
        assert!(!pacific.contains(0.0, 0.0));
        assert!(!pacific.contains(175.0, 20.0));
    }

    proptest! {
        #[test]
        fn lng_lat_round_trips_through_tile_fractions(
            lon in -180.0..180.0f64,
            lat in -MAX_LATITUDE..MAX_LATITUDE,
            z in 0u8..=22,
        ) {
            let (fx, fy) = lng_lat_to_tile_fraction(lon, lat, z);
            let (lon2, lat2) = tile_fraction_to_lng_lat(fx, fy, z);
            prop_assert!(lon_distance(lon, lon2) < EPSILON, "{lon} -> {lon2}");
            prop_assert!((lat - lat2).abs() < EPSILON, "{lat} -> {lat2}");
        }

        #[test]
        fn out_of_range_positions_wrap_and_clamp(
            lon in -1000.0..1000.0f64,
            lat in -1000.0..1000.0f64,
            z in 0u8..=22,
        ) {
            let (fx, fy) = lng_lat_to_tile_fraction(lon, lat, z);
            let side = f64::from(1u32 << z);
            prop_assert!((0.0..side).contains(&fx));
            prop_assert!((0.0..=side).contains(&fy));
            let (lon2, lat2) = tile_fraction_to_lng_lat(fx, fy, z);
            prop_assert!(lon_distance(lon, lon2) < 1e-8);
            prop_assert!((clamp_latitude(lat) - lat2).abs() < 1e-8);
        }

        #[test]
        fn the_tile_for_a_position_contains_it(
            lon in -180.0..180.0f64,
            lat in -90.0..90.0f64,
            z in 0u8..=22,
        ) {
            let tile = tile_for(lon, lat, z).unwrap();
            let bounds = tile.bounds();
            let lat = clamp_latitude(lat);
            prop_assert!(bounds.west - EPSILON <= lon && lon <= bounds.east + EPSILON);
            prop_assert!(bounds.south - EPSILON <= lat && lat <= bounds.north + EPSILON);
            let (x, y) = tile.project(lon, lat, 4096);
            prop_assert!((0..=4096).contains(&x) && (0..=4096).contains(&y), "{x}, {y}");
        }

        #[test]
        fn tile_coord_new_accepts_exactly_the_existing_tiles(
            z in 0u8..=30,
            x in any::<u32>(),
            y in any::<u32>(),
        ) {
            let side = 1u64 << z;
            let exists = u64::from(x) < side && u64::from(y) < side;
            prop_assert_eq!(TileCoord::new(z, x, y).is_ok(), exists);
        }
    }
}
