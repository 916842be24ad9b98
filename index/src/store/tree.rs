//! The R-tree of places, on the unit sphere.
//!
//! Places are kept as unit vectors (see [`crate::geo`]): the tree's nearest-neighbour iterator
//! and its radius search by chord length are then exact on the sphere.
//!
//! A tree is only ever bulk-loaded, an index changed in place included: rstar's bulk loading
//! may leave leaves at different depths, and an insertion into such a tree can panic ("This
//! is a bug in rstar", georust/rstar#239, open). A property test that amended a bulk-loaded
//! tree by removals and insertions found it within a few hundred cases.

use rstar::primitives::GeomWithData;
use rstar::RTree;

use crate::geo::{chord_for_distance, unit_vector};

/// A place in the tree: its unit vector and its ordinal in the index.
pub type SpherePoint = GeomWithData<[f64; 3], u32>;

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
    /// [`crate::geo::haversine_m`].
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
    use crate::geo::haversine_m;

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
