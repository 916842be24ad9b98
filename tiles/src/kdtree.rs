//! A static 2-d KD-tree that lives in the order of a slice.
//!
//! The clustering hierarchy builds one spatial index per zoom and never changes it, so the
//! tree needs no nodes and no pointers: the items are sorted so that every sub-slice is split at
//! its middle item, on `x` then `y` alternately, down to leaves of at most [`LEAF_SIZE`] items.
//! The middle item of a sub-slice *is* the split, so a query walks the same halvings the sort
//! made. The index costs nothing beyond the positions themselves, and the items' other columns
//! can be stored in the same order, so a query's answer is directly an index into all of them.

use std::ops::{ControlFlow, Range};

use rayon::prelude::*;

/// The largest sub-slice that is scanned linearly instead of split.
///
/// Small leaves favour the tiny radii of the deep zooms, where a query only matches a few
/// items, and large ones shorten the sort; building a million-point hierarchy showed no clear
/// difference between 16 and 64.
pub(crate) const LEAF_SIZE: usize = 32;

/// Sub-slices at least this long are sorted on two threads, one half each.
const PARALLEL_SORT: usize = 16 * 1024;

/// Sorts `items` into KD-tree order, `position` telling where each one is.
///
/// Positions must not be NaN (they would sort, but queries would never find them). The two
/// halves of a large slice are sorted in parallel: they do not overlap.
pub(crate) fn sort<T: Send>(items: &mut [T], position: impl Fn(&T) -> [f64; 2] + Copy + Sync) {
    sort_axis(items, 0, position);
}

fn sort_axis<T: Send>(
    items: &mut [T],
    axis: usize,
    position: impl Fn(&T) -> [f64; 2] + Copy + Sync,
) {
    if items.len() <= LEAF_SIZE {
        return;
    }
    let middle = items.len() / 2;
    let parallel = items.len() >= PARALLEL_SORT;
    // One comparator per axis, each inlined into the selection's partition loop. Positions
    // are never NaN, so comparing with `<` orders them as `total_cmp` would (but for ±0).
    let (before, _, after) = if axis == 0 {
        items.select_nth_unstable_by(middle, |a, b| compare(position(a)[0], position(b)[0]))
    } else {
        items.select_nth_unstable_by(middle, |a, b| compare(position(a)[1], position(b)[1]))
    };
    if parallel {
        rayon::join(
            || sort_axis(before, 1 - axis, position),
            || sort_axis(after, 1 - axis, position),
        );
    } else {
        sort_axis(before, 1 - axis, position);
        sort_axis(after, 1 - axis, position);
    }
}

/// The order of two coordinates that are not NaN.
#[inline(always)]
fn compare(a: f64, b: f64) -> std::cmp::Ordering {
    if a < b {
        std::cmp::Ordering::Less
    } else if a > b {
        std::cmp::Ordering::Greater
    } else {
        std::cmp::Ordering::Equal
    }
}

/// The tree's leaves and split items, as index ranges in order: together they cover
/// `0..len` once.
fn runs(offset: usize, len: usize, out: &mut Vec<Range<usize>>) {
    if len <= LEAF_SIZE {
        out.push(offset..offset + len);
        return;
    }
    let middle = len / 2;
    runs(offset, middle, out);
    out.push(offset + middle..offset + middle + 1);
    runs(offset + middle + 1, len - middle - 1, out);
}

/// For each position, the other positions within a radius of it: [`neighbourhoods`]' answer.
pub(crate) struct Neighbourhoods {
    /// `items[offsets[i]..offsets[i + 1]]` are the neighbours of position `i`.
    offsets: Vec<usize>,
    items: Vec<u32>,
}

impl Neighbourhoods {
    /// The neighbours of position `i`, west to east.
    pub(crate) fn of(&self, i: usize) -> &[u32] {
        &self.items[self.offsets[i]..self.offsets[i + 1]]
    }
}

/// For each position, the other positions within `radius` of it (at most `radius` apart).
///
/// One query per leaf instead of one per position: the positions within `radius` of a leaf's
/// bounding box are gathered once, and each of the leaf's positions is checked against them
/// alone. At the deep zooms, where a leaf's box is much wider than the radius, that is its own
/// positions and a few more, and most positions have no neighbour at all. Leaves are searched
/// in parallel.
pub(crate) fn neighbourhoods(positions: &[[f64; 2]], radius: f64) -> Neighbourhoods {
    let mut leaves = Vec::with_capacity(positions.len() / LEAF_SIZE * 2 + 1);
    runs(0, positions.len(), &mut leaves);
    let radius_2 = radius * radius;
    let reach = pruning_reach(radius);
    // Per leaf: how many neighbours each of its positions has, and all of them in a row.
    let per_leaf: Vec<(Vec<u32>, Vec<u32>)> = leaves
        .par_iter()
        .map_init(Vec::new, |near: &mut Vec<(f64, u32)>, leaf| {
            let items = &positions[leaf.clone()];
            let (mut min, mut max) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
            for p in items {
                min = [min[0].min(p[0]), min[1].min(p[1])];
                max = [max[0].max(p[0]), max[1].max(p[1])];
            }
            near.clear();
            range(
                positions,
                [min[0] - reach, min[1] - reach],
                [max[0] + reach, max[1] + reach],
                |j| near.push((positions[j][0], j as u32)),
            );
            // By x, so that each position only looks at the slice within `radius` of its x.
            near.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
            let mut counts = Vec::with_capacity(items.len());
            let mut found = Vec::new();
            for i in leaf.clone() {
                let p = positions[i];
                let before = found.len();
                let first = near.partition_point(|&(x, _)| x < p[0] - reach);
                for &(x, j) in &near[first..] {
                    if x > p[0] + reach {
                        break;
                    }
                    let dy = positions[j as usize][1] - p[1];
                    let dx = x - p[0];
                    if j as usize != i && dx * dx + dy * dy <= radius_2 {
                        found.push(j);
                    }
                }
                counts.push((found.len() - before) as u32);
            }
            (counts, found)
        })
        .collect();
    let mut offsets = Vec::with_capacity(positions.len() + 1);
    offsets.push(0);
    let mut items = Vec::with_capacity(per_leaf.iter().map(|(_, found)| found.len()).sum());
    for (counts, found) in per_leaf {
        for count in counts {
            offsets.push(offsets[offsets.len() - 1] + count as usize);
        }
        items.extend(found);
    }
    Neighbourhoods { offsets, items }
}

/// Calls `visit` with the index of every position inside the rectangle `min..=max`.
pub(crate) fn range(
    positions: &[[f64; 2]],
    min: [f64; 2],
    max: [f64; 2],
    mut visit: impl FnMut(usize),
) {
    let inside = |p: [f64; 2]| min[0] <= p[0] && p[0] <= max[0] && min[1] <= p[1] && p[1] <= max[1];
    let sides = |axis: usize, split: f64| (min[axis] <= split, max[axis] >= split);
    let _ = walk(positions, 0, 0, &sides, &inside, &mut |i| {
        visit(i);
        ControlFlow::Continue(())
    });
}

/// Calls `visit` with the index of every position at a distance `≤ radius` from `centre`.
pub(crate) fn within(
    positions: &[[f64; 2]],
    centre: [f64; 2],
    radius: f64,
    mut visit: impl FnMut(usize),
) {
    let _ = walk_within(positions, centre, radius, &mut |i| {
        visit(i);
        ControlFlow::Continue(())
    });
}

fn walk_within(
    positions: &[[f64; 2]],
    centre: [f64; 2],
    radius: f64,
    visit: &mut impl FnMut(usize) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let radius_2 = radius * radius;
    let inside = |p: [f64; 2]| {
        let (dx, dy) = (p[0] - centre[0], p[1] - centre[1]);
        dx * dx + dy * dy <= radius_2
    };
    let reach = pruning_reach(radius);
    let sides =
        |axis: usize, split: f64| (centre[axis] - reach <= split, centre[axis] + reach >= split);
    walk(positions, 0, 0, &sides, &inside, visit)
}

/// A hair more than `radius`, for what only prunes the search (a subtree, a box, a slice by
/// `x`): `c - radius` rounded could leave out a position exactly `radius` away, which the
/// distance test itself keeps (positions are in the unit square, where a rounding is below
/// 1e-16). With it, [`neighbourhoods`] and [`within`] find exactly the
/// positions the distance test keeps, whatever the layout, so that a hierarchy updated with
/// `within` finds the neighbours a build found with `neighbourhoods`.
fn pruning_reach(radius: f64) -> f64 {
    radius * (1.0 + 1e-9) + 1e-15
}

/// The traversal shared by the queries: `sides(axis, split)` tells whether the query reaches
/// the lower and the upper half of a node, `inside` whether a position matches, and `visit`
/// can stop the walk.
fn walk(
    positions: &[[f64; 2]],
    offset: usize,
    axis: usize,
    sides: &impl Fn(usize, f64) -> (bool, bool),
    inside: &impl Fn([f64; 2]) -> bool,
    visit: &mut impl FnMut(usize) -> ControlFlow<()>,
) -> ControlFlow<()> {
    if positions.len() <= LEAF_SIZE {
        for (i, &p) in positions.iter().enumerate() {
            if inside(p) {
                visit(offset + i)?;
            }
        }
        return ControlFlow::Continue(());
    }
    let middle = positions.len() / 2;
    let split = positions[middle];
    if inside(split) {
        visit(offset + middle)?;
    }
    let (lower, upper) = sides(axis, split[axis]);
    if lower {
        walk(&positions[..middle], offset, 1 - axis, sides, inside, visit)?;
    }
    if upper {
        walk(
            &positions[middle + 1..],
            offset + middle + 1,
            1 - axis,
            sides,
            inside,
            visit,
        )?;
    }
    ControlFlow::Continue(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sorted(mut positions: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
        sort(&mut positions, |&p| p);
        positions
    }

    proptest! {
        #[test]
        fn range_matches_a_linear_scan(
            positions in prop::collection::vec([0.0..1.0f64, 0.0..1.0f64], 0..500),
            a in [0.0..1.0f64, 0.0..1.0f64],
            b in [0.0..1.0f64, 0.0..1.0f64],
        ) {
            let positions = sorted(positions);
            let min = [a[0].min(b[0]), a[1].min(b[1])];
            let max = [a[0].max(b[0]), a[1].max(b[1])];
            let mut found = Vec::new();
            range(&positions, min, max, |i| found.push(i));
            found.sort_unstable();
            let expected: Vec<usize> = (0..positions.len())
                .filter(|&i| {
                    let p = positions[i];
                    min[0] <= p[0] && p[0] <= max[0] && min[1] <= p[1] && p[1] <= max[1]
                })
                .collect();
            prop_assert_eq!(found, expected);
        }

        #[test]
        fn within_matches_a_linear_scan(
            positions in prop::collection::vec([0.0..1.0f64, 0.0..1.0f64], 0..500),
            centre in [0.0..1.0f64, 0.0..1.0f64],
            radius in 0.0..0.5f64,
        ) {
            let positions = sorted(positions);
            let mut found = Vec::new();
            within(&positions, centre, radius, |i| found.push(i));
            found.sort_unstable();
            let expected: Vec<usize> = (0..positions.len())
                .filter(|&i| {
                    let (dx, dy) = (positions[i][0] - centre[0], positions[i][1] - centre[1]);
                    dx * dx + dy * dy <= radius * radius
                })
                .collect();
            prop_assert_eq!(&found, &expected);
        }
    }

    proptest! {
        #[test]
        fn neighbourhoods_match_within(
            positions in prop::collection::vec([0.0..1.0f64, 0.0..1.0f64], 0..3000),
            radius in 0.0..0.05f64,
        ) {
            let positions = sorted(positions);
            let neighbourhoods = neighbourhoods(&positions, radius);
            for (i, &p) in positions.iter().enumerate() {
                let mut expected = Vec::new();
                within(&positions, p, radius, |j| if j != i { expected.push(j as u32) });
                expected.sort_unstable();
                let mut found = neighbourhoods.of(i).to_vec();
                found.sort_unstable();
                prop_assert_eq!(found, expected);
            }
        }
    }

    #[test]
    fn runs_cover_every_index_once_in_order() {
        for len in [0, 1, LEAF_SIZE, LEAF_SIZE + 1, 1000, 4097] {
            let mut out = Vec::new();
            runs(0, len, &mut out);
            let covered: Vec<usize> = out.into_iter().flatten().collect();
            assert_eq!(covered, (0..len).collect::<Vec<_>>());
        }
    }

    #[test]
    fn nan_queries_find_nothing() {
        let positions = sorted((0..1000).map(|i| [f64::from(i) / 1000.0, 0.5]).collect());
        let mut found = 0;
        range(&positions, [f64::NAN, 0.0], [1.0, 1.0], |_| found += 1);
        within(&positions, [0.5, f64::NAN], 0.1, |_| found += 1);
        assert_eq!(found, 0);
    }
}
