//! Counts per category inside clusters, for pie and donut clusters.
//!
//! A map that colours its clusters by what their points are (how many places of each service,
//! say) needs, for every cluster, the number of its points in each category. supercluster was
//! asked for it as map/reduce (its PR #36) and tippecanoe as `--accumulate-attribute`; a
//! pre-built tile set can only carry the categories chosen when it was made. Here a [`Tally`]
//! is made once per hierarchy and set of categories, bottom up: a cluster's counts are the sum
//! of its children's, found through the parent links each level already keeps, so it costs one
//! pass over the levels, and a tile reads each cluster's counts by its id. Clusters carried
//! unchanged to lower zooms keep their id, so each cluster's counts are kept once, sparse (the
//! categories it has, with their counts).

use super::{ClusterIndex, IdSpace};

/// The number of points of each category in every cluster of a hierarchy
/// ([`ClusterIndex::tally`]).
#[derive(Debug, Clone, Default)]
pub struct Tally {
    ids: IdSpace,
    min_zoom: u8,
    /// By the zoom clusters were formed at, from `min_zoom`: those clusters and their counts.
    formed: Vec<Formed>,
}

/// The counts of the clusters formed at one zoom.
#[derive(Debug, Clone, Default)]
struct Formed {
    /// The clusters' ids, ascending.
    ids: Vec<u64>,
    /// Where each cluster's counts start in `counts`, and (last) where the last one's end.
    starts: Vec<u32>,
    /// `(category, count)`, categories ascending and counts above 0, cluster after cluster.
    counts: Vec<(u16, u32)>,
}

impl Tally {
    /// The categories the cluster `cluster_id` has, ascending, with the number of its points in
    /// each; nothing for an id that names no cluster.
    #[must_use]
    pub fn of(&self, cluster_id: u64) -> &[(u16, u32)] {
        let Some(formed) = (self.ids.formed_at(cluster_id))
            .checked_sub(self.min_zoom)
            .and_then(|i| self.formed.get(usize::from(i)))
        else {
            return &[];
        };
        match formed.ids.binary_search(&cluster_id) {
            Ok(k) => &formed.counts[formed.starts[k] as usize..formed.starts[k + 1] as usize],
            Err(_) => &[],
        }
    }
}

impl ClusterIndex {
    /// The number of points of each category in every cluster: `of_point(index)` gives the
    /// categories (below `categories`, which is at most 65,536) of the input point `index`; a
    /// point may have several, or none.
    ///
    /// # Panics
    /// When `categories` is above 65,536.
    pub fn tally<I>(&self, categories: usize, of_point: impl Fn(u32) -> I) -> Tally
    where
        I: IntoIterator<Item = usize>,
    {
        assert!(categories <= 1 << 16, "at most 65,536 categories");
        let min_zoom = self.options.min_zoom;
        let mut tally = Tally {
            ids: self.ids,
            min_zoom,
            formed: vec![Formed::default(); self.levels.len().saturating_sub(1)],
        };
        // From the deepest zoom with clusters up: every child's counts are known by then.
        for i in (0..self.levels.len().saturating_sub(1)).rev() {
            let zoom = min_zoom + i as u8;
            let (level, below) = (&self.levels[i], &self.levels[i + 1]);
            // The clusters formed at this zoom, by id.
            let mut ids: Vec<u64> = (level.live_slots())
                .filter(|&slot| level.count(slot) >= 2)
                .map(|slot| level.id(slot))
                .filter(|&id| self.ids.formed_at(id) == zoom)
                .collect();
            ids.sort_unstable();
            let mut dense = vec![0u32; ids.len() * categories];
            for child in below.live_slots() {
                let Ok(k) = ids.binary_search(&below.parent(child)) else {
                    // Carried over unchanged: its counts are the child's, kept under its id.
                    continue;
                };
                let counts = &mut dense[k * categories..][..categories];
                let id = below.id(child);
                if below.count(child) == 1 {
                    // A point's id is its input index (it fits in a u32: see `build`).
                    for category in of_point(id as u32) {
                        if let Some(count) = counts.get_mut(category) {
                            *count += 1;
                        }
                    }
                } else {
                    for &(category, count) in tally.of(id) {
                        counts[usize::from(category)] += count;
                    }
                }
            }
            let mut formed = Formed {
                ids,
                starts: Vec::with_capacity(dense.len() / categories.max(1) + 1),
                counts: Vec::new(),
            };
            formed.starts.push(0);
            for counts in dense.chunks_exact(categories.max(1)) {
                formed.counts.extend(
                    (0u16..)
                        .zip(counts)
                        .filter(|(_, &count)| count > 0)
                        .map(|(category, &count)| (category, count)),
                );
                formed.starts.push(formed.counts.len() as u32);
            }
            tally.formed[i] = formed;
        }
        tally
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{ClusterItem, ClusterOptions};
    use crate::mercator::LngLatBbox;
    use proptest::prelude::*;

    /// Points in a few dense spots, each with a set of categories among 7 (as bits).
    fn points_with_categories() -> impl Strategy<Value = Vec<((f64, f64), u8)>> {
        let spot = (-10.0..10.0f64, 40.0..50.0f64);
        (
            prop::collection::vec(spot, 1..4),
            prop::collection::vec((0usize..4, -0.3..0.3f64, -0.3..0.3f64, any::<u8>()), 0..300),
        )
            .prop_map(|(spots, points)| {
                points
                    .into_iter()
                    .map(|(spot, dx, dy, categories)| {
                        let (x, y) = spots[spot % spots.len()];
                        ((x + dx, y + dy), categories & 0x7f)
                    })
                    .collect()
            })
    }

    fn categories_of(bits: u8) -> impl Iterator<Item = usize> {
        (0..7).filter(move |i| bits & (1 << i) != 0)
    }

    proptest! {
        #[test]
        fn a_clusters_counts_are_those_of_its_leaves(
            points in points_with_categories(),
            radius in 20.0..80.0f64,
            min_points in 2u32..5,
        ) {
            let options = ClusterOptions { radius, min_points, max_zoom: 14, ..ClusterOptions::default() };
            let positions: Vec<(f64, f64)> = points.iter().map(|(p, _)| *p).collect();
            let index = ClusterIndex::build(&positions, options).unwrap();
            let tally = index.tally(7, |i| categories_of(points[i as usize].1));
            let mut clusters = 0;
            for zoom in 0..=15 {
                for item in index.clusters(LngLatBbox::WORLD, zoom) {
                    let ClusterItem::Cluster { id, .. } = item else { continue };
                    let mut expected = [0u32; 7];
                    for leaf in index.leaves(id, usize::MAX, 0).unwrap() {
                        for category in categories_of(points[leaf as usize].1) {
                            expected[category] += 1;
                        }
                    }
                    let expected: Vec<(u16, u32)> = (0u16..)
                        .zip(expected)
                        .filter(|(_, n)| *n > 0)
                        .collect();
                    prop_assert_eq!(tally.of(id), expected.as_slice(), "cluster {} at zoom {}", id, zoom);
                    clusters += 1;
                }
            }
            // Generated spots are dense: most cases have clusters to check.
            prop_assume!(clusters > 0);
        }
    }

    #[test]
    fn ids_of_no_cluster_have_no_counts() {
        let points = [(2.35, 48.85), (2.3501, 48.8501), (4.83, 45.76)];
        let index = ClusterIndex::build(&points, ClusterOptions::default()).unwrap();
        let tally = index.tally(2, |i| [i as usize % 2]);
        let cluster = index
            .clusters(LngLatBbox::WORLD, 10)
            .into_iter()
            .find_map(|item| match item {
                ClusterItem::Cluster { id, .. } => Some(id),
                ClusterItem::Point { .. } => None,
            })
            .expect("the two Paris points cluster at zoom 10");
        assert_eq!(tally.of(cluster), &[(0, 1), (1, 1)]);
        for id in [0, 1, 2, cluster + 1, u64::MAX] {
            assert_eq!(tally.of(id), &[] as &[(u16, u32)], "{id}");
        }
    }
}
