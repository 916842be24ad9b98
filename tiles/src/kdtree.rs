//! A static 2-d KD-tree that lives in the order of a slice.
//!
//! The clustering hierarchy builds one spatial index per zoom and never changes it, so the
//! tree needs no nodes and no pointers: the items are sorted so that every sub-slice is split at
//! its middle item, on `x` then `y` alternately, down to leaves of at most [`LEAF_SIZE`] items.
//! The middle item of a sub-slice *is* the split, so a query walks the same halvings the sort
//! made. The index costs nothing beyond the positions themselves, and the items' other columns
//! can be stored in the same order, so a query's answer is directly an index into all of them.

use std::ops::ControlFlow;

/// The largest sub-slice that is scanned linearly instead of split.
///
/// Small leaves favour the tiny radii of the deep zooms, where a query only matches a few
/// items, and large ones shorten the sort; building a million-point hierarchy showed no clear
/// difference between 16 and 64.
pub(crate) const LEAF_SIZE: usize = 32;

/// Sorts `items` into KD-tree order, `position` telling where each one is.
///
/// Positions must not be NaN (they would sort, but queries would never find them).
pub(crate) fn sort<T>(items: &mut [T], position: impl Fn(&T) -> [f64; 2] + Copy) {
    sort_axis(items, 0, position);
}

fn sort_axis<T>(items: &mut [T], axis: usize, position: impl Fn(&T) -> [f64; 2] + Copy) {
    if items.len() <= LEAF_SIZE {
        return;
    }
    let middle = items.len() / 2;
    let (before, _, after) = items.select_nth_unstable_by(middle, |a, b| {
        position(a)[axis].total_cmp(&position(b)[axis])
    });
    sort_axis(before, 1 - axis, position);
    sort_axis(after, 1 - axis, position);
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

/// Whether a position other than the one at index `except` is within `radius` of `centre`.
pub(crate) fn any_other_within(
    positions: &[[f64; 2]],
    centre: [f64; 2],
    radius: f64,
    except: usize,
) -> bool {
    walk_within(positions, centre, radius, &mut |i| {
        if i == except {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    })
    .is_break()
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
    let sides = |axis: usize, split: f64| {
        (
            centre[axis] - radius <= split,
            centre[axis] + radius >= split,
        )
    };
    walk(positions, 0, 0, &sides, &inside, visit)
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
            for (i, &p) in positions.iter().enumerate() {
                let others = within_count(&positions, p, radius) > 1;
                prop_assert_eq!(any_other_within(&positions, p, radius, i), others);
            }
        }
    }

    fn within_count(positions: &[[f64; 2]], centre: [f64; 2], radius: f64) -> usize {
        let mut count = 0;
        within(positions, centre, radius, |_| count += 1);
        count
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
