//! Positions on the globe and the R-tree of places.
//!
//! Places are kept in the R-tree as unit vectors on the sphere (x, y, z), as meilisearch does.
//! Straight-line (chord) distance between unit vectors orders points exactly as great-circle
//! distance does, so the tree's nearest-neighbour iterator and its radius search are right
//! everywhere: across the antimeridian, near the poles, and at any radius, where a flat
//! longitude/latitude tree would stretch and cut. A radius in metres becomes a chord length;
//! exact distances are then computed with the haversine formula.

use rstar::primitives::GeomWithData;
use rstar::RTree;

/// Mean Earth radius (IUGG), in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A place in the tree: its unit vector and its ordinal in the index.
pub type SpherePoint = GeomWithData<[f64; 3], u32>;

/// The unit vector of a longitude/latitude in degrees.
#[must_use]
pub fn unit_vector(longitude: f64, latitude: f64) -> [f64; 3] {
    let (lon, lat) = (longitude.to_radians(), latitude.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

/// Great-circle distance in metres between two longitude/latitude pairs in degrees.
#[must_use]
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = phi2 - phi1;
    let d_lambda = (lon2 - lon1).to_radians();
    let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// The chord length between unit vectors that are `metres` apart on the sphere.
#[must_use]
pub fn chord_for_distance(metres: f64) -> f64 {
    let angle = (metres / EARTH_RADIUS_M).min(std::f64::consts::PI);
    2.0 * (angle / 2.0).sin()
}

/// The great-circle distance in metres between unit vectors `chord` apart.
#[must_use]
pub fn distance_for_chord(chord: f64) -> f64 {
    2.0 * EARTH_RADIUS_M * (chord / 2.0).min(1.0).asin()
}

/// The straight-line distance between two unit vectors.
#[must_use]
pub fn chord_between(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let (dx, dy, dz) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    (dx * dx + dy * dy + dz * dz).sqrt()
}

/// An R-tree of places on the unit sphere.
#[derive(Debug, Default)]
pub struct PlaceTree {
    tree: RTree<SpherePoint>,
}

impl PlaceTree {
    /// Bulk-loads the tree from `(longitude, latitude)` pairs; a point's data is its position in
    /// the iterator.
    pub fn build(positions: impl Iterator<Item = (f64, f64)>) -> Self {
        let points = positions
            .enumerate()
            .map(|(i, (lon, lat))| {
                let ordinal = u32::try_from(i).expect("fewer than 2^32 places");
                SpherePoint::new(unit_vector(lon, lat), ordinal)
            })
            .collect();
        Self {
            tree: RTree::bulk_load(points),
        }
    }

    /// The number of places.
    #[must_use]
    pub fn len(&self) -> usize {
        self.tree.size()
    }

    /// Whether the tree is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }

    /// The ordinals of the places within `metres` (great-circle) of a position. The tree search
    /// is by chord length, which is exact on the sphere; callers wanting metres compute them with
    /// [`haversine_m`].
    pub fn within(
        &self,
        longitude: f64,
        latitude: f64,
        metres: f64,
    ) -> impl Iterator<Item = u32> + '_ {
        let chord = chord_for_distance(metres);
        self.tree
            .locate_within_distance(unit_vector(longitude, latitude), chord * chord)
            .map(|p| p.data)
    }

    /// The ordinals of places, nearest first.
    pub fn nearest(&self, longitude: f64, latitude: f64) -> impl Iterator<Item = u32> + '_ {
        self.tree
            .nearest_neighbor_iter(&unit_vector(longitude, latitude))
            .map(|p| p.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_matches_a_known_distance() {
        // Angers town hall to Nantes town hall: about 80.9 km.
        let d = haversine_m(-0.5536, 47.4712, -1.5534, 47.2184);
        assert!((d - 80_300.0).abs() < 1_500.0, "{d}");
        assert!(haversine_m(10.0, 20.0, 10.0, 20.0).abs() < 1e-9);
    }

    #[test]
    fn chord_distances_equal_haversine() {
        let (a, b) = ((-0.5536, 47.4712), (-1.5534, 47.2184));
        let chord = chord_between(&unit_vector(a.0, a.1), &unit_vector(b.0, b.1));
        let d = distance_for_chord(chord);
        assert!((d - haversine_m(a.0, a.1, b.0, b.1)).abs() < 1e-6, "{d}");
        assert!((chord - chord_for_distance(d)).abs() < 1e-12);
    }

    #[test]
    fn radius_search_agrees_with_haversine_across_the_antimeridian() {
        let positions = [(179.999, 0.0), (-179.999, 0.0), (179.0, 0.0), (0.0, 0.0)];
        let tree = PlaceTree::build(positions.into_iter());
        let mut found: Vec<u32> = tree.within(180.0, 0.0, 1_000.0).collect();
        found.sort_unstable();
        assert_eq!(found, [0, 1]);
        assert_eq!(tree.nearest(-179.9, 0.0).next(), Some(1));
    }

    proptest::proptest! {
        #[test]
        fn radius_search_equals_brute_force(
            points in proptest::collection::vec((-5.0f64..10.0, 41.0f64..51.0), 1..200),
            centre in (-5.0f64..10.0, 41.0f64..51.0),
            radius in 1.0f64..300_000.0,
        ) {
            let tree = PlaceTree::build(points.iter().copied());
            let mut found: Vec<u32> = tree.within(centre.0, centre.1, radius).collect();
            found.sort_unstable();
            let expected: Vec<u32> = (0u32..)
                .zip(&points)
                .filter(|(_, p)| haversine_m(centre.0, centre.1, p.0, p.1) <= radius)
                .map(|(i, _)| i)
                .collect();
            // Points within a micrometre of the boundary may fall either way in floating point.
            let boundary = |i: &u32| {
                let p = points[*i as usize];
                (haversine_m(centre.0, centre.1, p.0, p.1) - radius).abs() < 1e-3
            };
            let found_strict: Vec<u32> = found.iter().copied().filter(|i| !boundary(i)).collect();
            let expected_strict: Vec<u32> = expected.iter().copied().filter(|i| !boundary(i)).collect();
            proptest::prop_assert_eq!(found_strict, expected_strict);
        }
    }
}
