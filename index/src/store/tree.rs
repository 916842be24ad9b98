//! The R-tree of places, on the unit sphere.
//!
//! Places are kept as unit vectors (see [`crate::geo`]): the tree's nearest-neighbour iterator
//! and its radius search by chord length are then exact on the sphere.
//!
//! A tree is only ever bulk-loaded: rstar's bulk loading may leave leaves at different depths,
//! and an insertion into such a tree can panic ("This is a bug in rstar", georust/rstar#239,
//! open); a property test that amended a bulk-loaded tree by removals and insertions found it
//! within a few hundred cases. An index changed in place therefore keeps the tree it was
//! loaded with, shared and untouched, and lays over it what its batches changed: the current
//! ordinal of each of its points (or none, for a place gone) and a small tree of the places
//! added since, loaded again with each batch. Bulk-loading a million points takes a core for
//! most of a second; mapping their ordinals, a few milliseconds.

use std::sync::Arc;

use rstar::primitives::GeomWithData;
use rstar::RTree;

use crate::geo::{chord_for_distance, unit_vector};

/// A place in the tree: its unit vector and its ordinal in the index.
pub type SpherePoint = GeomWithData<[f64; 3], u32>;

/// What a base point's ordinal maps to when its place is gone.
const GONE: u32 = u32::MAX;

/// An R-tree of places on the unit sphere.
#[derive(Debug, Default)]
pub struct PlaceTree {
    /// The tree the index was loaded with.
    base: Arc<RTree<SpherePoint>>,
    /// The ordinal now of each place of `base`, by its ordinal there ([`GONE`] for a place
    /// gone); empty while those are the ordinals.
    now: Vec<u32>,
    /// The places added since `base` was loaded, with their ordinal now.
    added: RTree<SpherePoint>,
    len: usize,
}

impl PlaceTree {
    /// Bulk-loads the tree from `(longitude, latitude)` pairs; a point's data is its position in
    /// the iterator.
    pub fn build(positions: impl Iterator<Item = (f64, f64)>) -> Self {
        let points: Vec<SpherePoint> = positions
            .enumerate()
            .map(|(i, (lon, lat))| {
                let ordinal = u32::try_from(i).expect("fewer than 2^32 places");
                SpherePoint::new(unit_vector(lon, lat), ordinal)
            })
            .collect();
        Self {
            len: points.len(),
            base: Arc::new(RTree::bulk_load(points)),
            now: Vec::new(),
            added: RTree::new(),
        }
    }

    /// This tree for an index whose places moved: `ordinal_now[ordinal]` is the new ordinal of
    /// each of its places (`None` for a place gone), and `added` the places added, with their
    /// new ordinal and position. It answers as a tree built on the new places, but for the
    /// order of places at one distance, which every caller settles by ordinal.
    #[must_use]
    pub fn amended(
        &self,
        ordinal_now: &[Option<u32>],
        added: impl Iterator<Item = (u32, (f64, f64))>,
    ) -> Self {
        let moved = |ordinal: u32| {
            ordinal_now
                .get(ordinal as usize)
                .copied()
                .flatten()
                .unwrap_or(GONE)
        };
        let now: Vec<u32> = if self.now.is_empty() {
            (0..u32::try_from(self.base.size()).expect("fewer than 2^32 places"))
                .map(moved)
                .collect()
        } else {
            self.now
                .iter()
                .map(|&ordinal| {
                    if ordinal == GONE {
                        GONE
                    } else {
                        moved(ordinal)
                    }
                })
                .collect()
        };
        let mut points: Vec<SpherePoint> = self
            .added
            .iter()
            .filter_map(|point| {
                let ordinal = moved(point.data);
                (ordinal != GONE).then(|| SpherePoint::new(*point.geom(), ordinal))
            })
            .collect();
        points.extend(
            added.map(|(ordinal, (lon, lat))| SpherePoint::new(unit_vector(lon, lat), ordinal)),
        );
        Self {
            len: now.iter().filter(|o| **o != GONE).count() + points.len(),
            base: Arc::clone(&self.base),
            now,
            added: RTree::bulk_load(points),
        }
    }

    /// The ordinal now of the base point `point`, if its place is there.
    fn now(&self, point: &SpherePoint) -> Option<u32> {
        match self.now.get(point.data as usize) {
            None => Some(point.data),
            Some(&GONE) => None,
            Some(&ordinal) => Some(ordinal),
        }
    }

    /// The number of places.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the tree is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
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
        let centre = unit_vector(longitude, latitude);
        self.base
            .locate_within_distance(centre, chord * chord)
            .filter_map(|p| self.now(p))
            .chain(
                self.added
                    .locate_within_distance(centre, chord * chord)
                    .map(|p| p.data),
            )
    }

    /// The ordinals of places, nearest first.
    pub fn nearest(&self, longitude: f64, latitude: f64) -> impl Iterator<Item = u32> + '_ {
        let centre = unit_vector(longitude, latitude);
        let mut base = self
            .base
            .nearest_neighbor_iter_with_distance_2(&centre)
            .filter_map(|(p, d)| Some((self.now(p)?, d)))
            .peekable();
        let mut added = self
            .added
            .nearest_neighbor_iter_with_distance_2(&centre)
            .map(|(p, d)| (p.data, d))
            .peekable();
        std::iter::from_fn(move || {
            let from_added = match (base.peek(), added.peek()) {
                (Some((_, b)), Some((_, a))) => a < b,
                (None, Some(_)) => true,
                _ => false,
            };
            if from_added {
                added.next()
            } else {
                base.next()
            }
            .map(|(ordinal, _)| ordinal)
        })
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

    /// The places a batch keeps (`kept[i]` for the place `i`, in order) and adds (at the end):
    /// where the kept ones go, and the new positions.
    fn batch(
        positions: &[(f64, f64)],
        kept: &[bool],
        added: &[(f64, f64)],
    ) -> (Vec<Option<u32>>, Vec<(f64, f64)>) {
        let mut ordinal_now = vec![None; positions.len()];
        let mut now = Vec::new();
        for (i, position) in positions.iter().enumerate() {
            if kept.get(i).copied().unwrap_or(true) {
                ordinal_now[i] = Some(u32::try_from(now.len()).unwrap());
                now.push(*position);
            }
        }
        now.extend(added);
        (ordinal_now, now)
    }

    proptest::proptest! {
        #[test]
        fn a_tree_amended_by_batches_answers_as_one_built_on_the_new_places(
            first in proptest::collection::vec((-5.0f64..10.0, 41.0f64..51.0), 1..150),
            batches in proptest::collection::vec(
                (
                    proptest::collection::vec(proptest::bool::weighted(0.85), 200),
                    proptest::collection::vec((-5.0f64..10.0, 41.0f64..51.0), 0..15),
                ),
                1..4,
            ),
            centre in (-5.0f64..10.0, 41.0f64..51.0),
            radius in 1.0f64..300_000.0,
        ) {
            let mut tree = PlaceTree::build(first.iter().copied());
            let mut positions = first;
            for (kept, added) in &batches {
                let (ordinal_now, now) = batch(&positions, kept, added);
                let first_added = u32::try_from(now.len() - added.len()).unwrap();
                tree = tree.amended(&ordinal_now, (first_added..).zip(added.iter().copied()));
                positions = now;
            }
            let built = PlaceTree::build(positions.iter().copied());
            proptest::prop_assert_eq!(tree.len(), built.len());
            let within = |tree: &PlaceTree| {
                let mut found: Vec<u32> = tree.within(centre.0, centre.1, radius).collect();
                found.sort_unstable();
                found
            };
            proptest::prop_assert_eq!(within(&tree), within(&built));
            // Nearest first: every place once, at the same distances in the same order (places
            // at one distance may come in either order).
            let nearest = |tree: &PlaceTree| -> (Vec<u64>, Vec<u32>) {
                let ordinals: Vec<u32> = tree.nearest(centre.0, centre.1).collect();
                let centre = unit_vector(centre.0, centre.1);
                let distances = ordinals
                    .iter()
                    .map(|o| {
                        let (lon, lat) = positions[*o as usize];
                        crate::geo::chord_between(&centre, &unit_vector(lon, lat)).to_bits()
                    })
                    .collect();
                let mut sorted = ordinals;
                sorted.sort_unstable();
                (distances, sorted)
            };
            proptest::prop_assert_eq!(nearest(&tree), nearest(&built));
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
