//! The R-tree of places, on the unit sphere.
//!
//! Places are kept as unit vectors (see [`crate::geo`]): the tree's nearest-neighbour iterator
//! and its radius search by chord length are then exact on the sphere.

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

    /// This tree for an index whose places moved: `ordinal_now[ordinal]` is the new ordinal of
    /// each place of this tree (`None` for a place gone), and `added` the places added, with
    /// their ordinal and position. The tree answers as one built on the new places: only the
    /// order of places at one distance may differ, which every caller settles by ordinal.
    #[must_use]
    pub fn amended(
        &self,
        ordinal_now: &[Option<u32>],
        added: impl Iterator<Item = (u32, (f64, f64))>,
    ) -> Self {
        let mut tree = self.tree.clone();
        let gone: Vec<SpherePoint> = tree
            .iter()
            .filter(|point| ordinal_now[point.data as usize].is_none())
            .copied()
            .collect();
        for point in &gone {
            tree.remove(point);
        }
        for point in tree.iter_mut() {
            point.data = ordinal_now[point.data as usize].expect("a place kept");
        }
        for (ordinal, (lon, lat)) in added {
            tree.insert(SpherePoint::new(unit_vector(lon, lat), ordinal));
        }
        Self { tree }
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
        fn an_amended_tree_holds_what_a_tree_built_on_the_new_places_holds(
            points in proptest::collection::vec((-5.0f64..10.0, 41.0f64..51.0), 1..200),
            kept in proptest::collection::vec(proptest::bool::weighted(0.8), 200),
            added in proptest::collection::vec((-5.0f64..10.0, 41.0f64..51.0), 0..20),
            centre in (-5.0f64..10.0, 41.0f64..51.0),
        ) {
            // The new places: the kept ones in their order, then the added ones.
            let mut now = Vec::new();
            let mut ordinal_now = vec![None; points.len()];
            for (i, point) in points.iter().enumerate().filter(|(i, _)| kept[*i]) {
                ordinal_now[i] = Some(u32::try_from(now.len()).unwrap());
                now.push(*point);
            }
            let first_added = u32::try_from(now.len()).unwrap();
            now.extend(&added);
            let amended = PlaceTree::build(points.iter().copied())
                .amended(&ordinal_now, (first_added..).zip(added.iter().copied()));
            let built = PlaceTree::build(now.iter().copied());
            let contents = |tree: &PlaceTree| {
                let mut all: Vec<(u32, [u64; 3])> = tree
                    .tree
                    .iter()
                    .map(|p| (p.data, p.geom().map(f64::to_bits)))
                    .collect();
                all.sort_unstable();
                all
            };
            proptest::prop_assert_eq!(contents(&amended), contents(&built));
            // Nearest first: the same distances in the same order (places at one distance
            // may come in either order).
            let distances = |tree: &PlaceTree| -> Vec<u64> {
                tree.nearest(centre.0, centre.1)
                    .map(|o| {
                        let (lon, lat) = now[o as usize];
                        haversine_m(centre.0, centre.1, lon, lat).to_bits()
                    })
                    .collect()
            };
            proptest::prop_assert_eq!(distances(&amended), distances(&built));
        }

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
