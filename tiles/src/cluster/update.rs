//! A hierarchy made from another after a change to a few of its points, by making again only
//! what the change reaches, equal in every answer to the hierarchy built from scratch on the
//! same points.
//!
//! The greedy pass at a zoom goes through the items of the level below in the creation order:
//! an item is a seed when no seed before it is within the radius, and every other item goes
//! into the cluster of the first seed before it within the radius (a seed takes every item
//! near it that no seed took before). So an item's part can only change when an item near it
//! and before it came, went, or changed from seed to member or back. Level by level from the
//! deepest:
//!
//! 1. the level below is the old one without its gone items and with its new ones
//!    ([`Level::changed`]: its base shared, the change in a small overlay);
//! 2. the new items, and the items near a gone one, are gone through in the creation order
//!    (a heap): each is a seed or a member again, and one that changed from seed to member or
//!    back brings in the items after it within the radius. At a million places a move goes
//!    through a few dozen items per level, where whole components of the "within radius"
//!    graph hold tens of thousands in cities;
//! 3. the clusters of the seeds those items are in now, and were in before, are made again as
//!    a build makes them (members in the order of their ids), and the items they were are
//!    found above by their ids, near a member ([`ClusterIndex::reach`]);
//! 4. what is made that is not exactly what was there (same id, count and position) is the
//!    change to the level above.
//!
//! This needs the creation order to be the same as a build's. With `min_points` at most 2,
//! every seed with a neighbour makes a cluster, so items are made in the order of their seeds,
//! and the creation order at every zoom is the order of the items' seed points, which a change
//! leaves as it was. With more, a seed with too few neighbours carries them over after it, out
//! of that order, and points of groups cluster apart: those hierarchies, changes to many points
//! and a power of two crossed by the number of points (which moves every cluster id) are built
//! again; a change that reaches most of a level makes it and the levels above whole.
//!
//! The property test below checks every answer against a build from scratch after chains of
//! moves, new points, removals and points left out.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use super::level::{Item, Level, NO_PARENT};
use super::{centre, project, ClusterError, ClusterIndex, NewItem};

/// Slots taken, one bit each.
struct Bits(Vec<u64>);

impl Bits {
    fn new(len: usize) -> Self {
        Self(vec![0; len.div_ceil(64)])
    }

    /// Sets the bit of `slot`; whether it was clear.
    fn insert(&mut self, slot: usize) -> bool {
        let (word, bit) = (slot / 64, 1 << (slot % 64));
        let clear = self.0[word] & bit == 0;
        self.0[word] |= bit;
        clear
    }
}

/// What a change to one level makes of the level above.
struct Reclustered {
    /// The items of the level whose parent is new or may be: `(slot, parent id)`.
    parents: Vec<(usize, u64)>,
    /// The slots of the level above whose items are gone.
    gone_above: Vec<usize>,
    /// The new items of the level above (their parents unknown yet).
    new_above: Vec<Item>,
}

impl ClusterIndex {
    /// This hierarchy with its points changed to `points`: `changed` names the indices whose
    /// position may differ from this index's points (points past the end of either are
    /// changed too, whether named or not). Equal in every answer to
    /// [`ClusterIndex::build`]`(points, options)`, and made from this one where the change
    /// does not reach: at a million points, a few moves take milliseconds where a build takes
    /// most of a second.
    ///
    /// # Errors
    /// As [`ClusterIndex::build`], and [`ClusterError::GroupedUpdate`] for a hierarchy built
    /// with groups.
    pub fn updated(&self, points: &[(f64, f64)], changed: &[u32]) -> Result<Self, ClusterError> {
        let mut index = Self::empty(points.len(), self.options)?;
        let (old_len, new_len) = (self.input_len, index.input_len);
        let mut indices: Vec<u32> = (changed.iter().copied())
            .filter(|&i| i < old_len.max(new_len))
            .chain(old_len.min(new_len)..old_len.max(new_len))
            .collect();
        indices.sort_unstable();
        indices.dedup();
        if self.grouped {
            return Err(ClusterError::GroupedUpdate);
        }
        let in_seed_order = self.options.min_points <= 2;
        let pays = Self::update_pays(indices.len(), new_len as usize);
        if !in_seed_order || index.ids != self.ids || !pays {
            return Self::build(points, self.options);
        }

        let leaves = &self.levels[self.levels.len() - 1];
        let mut column_changes = Vec::new();
        let mut gone = Vec::new();
        let mut new = Vec::new();
        for i in indices {
            let was = self.points.get(i);
            let now = points.get(i as usize).copied().and_then(project);
            let bits = |p: Option<[f64; 2]>| p.map(|p| p.map(f64::to_bits));
            if bits(was) == bits(now) {
                continue;
            }
            if i < new_len {
                column_changes.push((i, now));
            }
            if let Some(position) = was {
                let Some(slot) = leaves.find(u64::from(i), position, 0.0) else {
                    debug_assert!(false, "point {i} is not among the leaves");
                    return Self::build(points, self.options);
                };
                gone.push(slot);
            }
            if let Some(position) = now {
                new.push(Item {
                    position,
                    count: 1,
                    id: u64::from(i),
                    parent: NO_PARENT,
                });
            }
        }
        index.points = self.points.changed(new_len as usize, &column_changes);

        // Deepest first, reversed at the end.
        let mut made: Vec<Level> = Vec::with_capacity(self.levels.len());
        for li in (0..self.levels.len()).rev() {
            let old = &self.levels[li];
            let gone_items: Vec<Item> = gone.iter().map(|&slot| old.get(slot)).collect();
            let new_items: Vec<(u64, [f64; 2])> =
                new.iter().map(|item| (item.id, item.position)).collect();
            let level = old.clone().changed(&gone, std::mem::take(&mut new));
            let Some(above) = li.checked_sub(1).map(|above| &self.levels[above]) else {
                made.push(level);
                break;
            };
            let zoom = self.options.min_zoom + li as u8 - 1;
            match index.recluster(&level, &gone_items, &new_items, above, zoom) {
                Some(reclustered) => {
                    made.push(level.with_parents(&reclustered.parents));
                    gone = reclustered.gone_above;
                    new = reclustered.new_above;
                }
                None => {
                    // The change reaches most of the level: the rest is made whole from it.
                    let mut items = level.items();
                    items.sort_unstable_by_key(|item| index.ids.seed_point(item.id));
                    let items = (0u32..)
                        .zip(items)
                        .map(|(created, item)| NewItem {
                            position: item.position,
                            count: item.count,
                            id: item.id,
                            created,
                        })
                        .collect();
                    let mut levels = index.levels_from(items, Vec::new(), zoom + 1);
                    levels.extend(made.into_iter().rev());
                    index.levels = levels;
                    return Ok(index);
                }
            }
        }
        made.reverse();
        index.levels = made;
        Ok(index)
    }

    /// Whether updating a hierarchy of `points` points for `changes` of them is faster than
    /// building it: at a million points, a change costs an update about 0.4 ms, and a build
    /// 0.6 s.
    #[must_use]
    pub fn update_pays(changes: usize, points: usize) -> bool {
        changes <= (points / 512).max(64)
    }

    /// What the greedy pass at `zoom` makes of `level` (changed: `gone` items out, the items
    /// `new` in) where it differs from what it made before, and so what it changes in the
    /// level `above` (as it was). `None` when the change reaches most of the level, which is
    /// then cheaper to cluster whole.
    ///
    /// The pass makes an item a seed when no seed before it (in the creation order) is within
    /// the radius, and puts every other item in the cluster of the first seed before it within
    /// the radius: a seed takes all the items near it that no seed took before. So an item's
    /// part can only change when an item near it and before it changed its own, or came, or
    /// went: the items are gone through in the creation order from the new ones and those
    /// near a gone one, and an item that changes from seed to member or back brings in the
    /// items after it within the radius. The clusters whose members changed are made again.
    fn recluster(
        &self,
        level: &Level,
        gone: &[Item],
        new: &[(u64, [f64; 2])],
        above: &Level,
        zoom: u8,
    ) -> Option<Reclustered> {
        let radius = self.options.unit_radius(zoom);
        let order = |slot: usize| self.ids.seed_point(level.id(slot)).unwrap_or(u32::MAX);
        // The id of what a seed makes when it takes other items.
        let cluster_of = |id: u64| {
            self.ids
                .cluster(self.ids.seed_point(id).unwrap_or(u32::MAX), zoom)
        };
        // Whether an item was a seed: it went into an item of its own above.
        let was_seed = |item: &Item| item.parent == item.id || item.parent == cluster_of(item.id);

        let mut queued = Bits::new(level.slots());
        let mut queue = BinaryHeap::new();
        let mut enqueue = |slot: usize, queue: &mut BinaryHeap<Reverse<(u32, usize)>>| {
            if queued.insert(slot) {
                queue.push(Reverse((order(slot), slot)));
            }
        };
        for &(id, position) in new {
            let Some(slot) = level.find(id, position, 0.0) else {
                debug_assert!(false, "new item {id} is not in its level");
                return None;
            };
            enqueue(slot, &mut queue);
        }
        // A gone member changes no other item's part (its cluster is made again below, from
        // `made_of`); a gone seed may have taken any item after it within the radius.
        for item in gone.iter().filter(|item| was_seed(item)) {
            level.within(item.position, radius, |near| enqueue(near, &mut queue));
        }

        // The items gone through, with the seed whose cluster each is in now (itself for a
        // seed); those not gone through are where they were.
        let mut owners: HashMap<usize, usize> = HashMap::new();
        let most = level.len() / 4 + 64;
        let mut later = Vec::new();
        while let Some(Reverse((at, slot))) = queue.pop() {
            let item = level.get(slot);
            let mut first_seed: Option<(u32, usize)> = None;
            later.clear();
            level.within(item.position, radius, |near| {
                let near_at = order(near);
                if near == slot {
                } else if near_at > at {
                    later.push(near);
                } else if first_seed.is_none_or(|(first, _)| near_at < first) {
                    let seed = match owners.get(&near) {
                        Some(&owner) => owner == near,
                        None => was_seed(&level.get(near)),
                    };
                    if seed {
                        first_seed = Some((near_at, near));
                    }
                }
            });
            let is_seed = first_seed.is_none();
            owners.insert(slot, first_seed.map_or(slot, |(_, seed)| seed));
            let was = item.parent != NO_PARENT && was_seed(&item);
            if is_seed != was {
                for &near in &later {
                    enqueue(near, &mut queue);
                }
            }
            if owners.len() > most {
                return None;
            }
        }

        // What the changed items went into above, by id, found near one of them.
        let reach = self.reach(zoom);
        let mut made_of: HashMap<u64, [f64; 2]> = HashMap::new();
        let before = (owners.keys().map(|&slot| level.get(slot))).chain(gone.iter().copied());
        for item in before.filter(|item| item.parent != NO_PARENT) {
            made_of.entry(item.parent).or_insert(item.position);
        }
        // The seeds whose clusters are made again: those of the changed items now, and those
        // of the clusters they were in, if still seeds.
        let is_seed_now = |slot: usize| match owners.get(&slot) {
            Some(&owner) => owner == slot,
            None => was_seed(&level.get(slot)),
        };
        let mut seeds: Vec<usize> = owners.values().copied().collect();
        for (&id, &near) in &made_of {
            if !self.ids.is_cluster(id) {
                continue;
            }
            let seed_point = self.ids.seed_point(id);
            level.within(near, radius, |slot| {
                if self.ids.seed_point(level.id(slot)) == seed_point && is_seed_now(slot) {
                    seeds.push(slot);
                }
            });
        }
        seeds.sort_unstable();
        seeds.dedup();
        // And what those seeds went into before.
        for &seed in &seeds {
            let item = level.get(seed);
            if item.parent != NO_PARENT {
                made_of.entry(item.parent).or_insert(item.position);
            }
        }
        let mut was_above: HashMap<u64, (usize, Item)> = HashMap::with_capacity(made_of.len());
        for (id, near) in made_of {
            let Some(slot) = above.find(id, near, reach) else {
                debug_assert!(false, "item {id} is not within reach of a member");
                return None;
            };
            was_above.insert(id, (slot, above.get(slot)));
        }

        // Each seed's cluster, made as a build makes it: its members in the order of their ids.
        let owner_of = |slot: usize, seed: usize| match owners.get(&slot) {
            Some(&owner) => owner == seed,
            None => {
                let item = level.get(slot);
                !was_seed(&item) && item.parent == cluster_of(level.id(seed))
            }
        };
        let mut parents = Vec::new();
        let mut made = Vec::with_capacity(seeds.len());
        let mut members = Vec::new();
        for seed in seeds {
            let item = level.get(seed);
            members.clear();
            level.within(item.position, radius, |near| {
                if near != seed && owner_of(near, seed) {
                    members.push(near);
                }
            });
            if members.is_empty() {
                parents.push((seed, item.id));
                made.push(Item {
                    parent: NO_PARENT,
                    ..item
                });
                continue;
            }
            members.sort_unstable_by_key(|&near| level.id(near));
            let total = item.count + members.iter().map(|&m| level.count(m)).sum::<u32>();
            let id = cluster_of(item.id);
            parents.push((seed, id));
            parents.extend(members.iter().map(|&member| (member, id)));
            let positions = members
                .iter()
                .map(|&member| (level.position(member), level.count(member)));
            made.push(Item {
                position: centre((item.position, item.count), positions, total),
                count: total,
                id,
                parent: NO_PARENT,
            });
        }

        // The change above: what was made that was not there as it is.
        let mut gone_above = Vec::new();
        let mut new_above = Vec::new();
        for item in made {
            match was_above.remove(&item.id) {
                Some((_, was))
                    if was.count == item.count
                        && was.position.map(f64::to_bits) == item.position.map(f64::to_bits) => {}
                Some((slot, _)) => {
                    gone_above.push(slot);
                    new_above.push(item);
                }
                None => new_above.push(item),
            }
        }
        gone_above.extend(was_above.into_values().map(|(slot, _)| slot));
        Some(Reclustered {
            parents,
            gone_above,
            new_above,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ClusterItem, ClusterOptions};
    use super::*;
    use crate::mercator::{tile_for, LngLatBbox};
    use proptest::prelude::*;

    /// A change to the points, as a live server makes them.
    #[derive(Debug, Clone)]
    enum Edit {
        /// Point `i` (modulo their number) moves by `(dx, dy)` times a spread, or to a spot.
        Move(usize, (f64, f64), f64, Option<usize>),
        /// A point at a spot, at the end.
        Add(usize, (f64, f64)),
        /// Point `i` goes: the last point takes its index.
        Remove(usize),
        /// Point `i` loses its position (left out).
        Lose(usize),
    }

    fn spots() -> impl Strategy<Value = Vec<(f64, f64)>> {
        prop::collection::vec((-179.0..179.0f64, -80.0..80.0f64), 1..5)
    }

    fn spread() -> impl Strategy<Value = f64> {
        prop_oneof![Just(1e-5), Just(1e-3), Just(0.05), Just(2.0)]
    }

    fn edit() -> impl Strategy<Value = Edit> {
        let offset = (-1.0..1.0f64, -1.0..1.0f64);
        prop_oneof![
            4 => (any::<usize>(), offset.clone(), spread(), prop::option::of(any::<usize>()))
                .prop_map(|(i, d, s, spot)| Edit::Move(i, d, s, spot)),
            2 => (any::<usize>(), offset).prop_map(|(spot, d)| Edit::Add(spot, d)),
            2 => any::<usize>().prop_map(Edit::Remove),
            1 => any::<usize>().prop_map(Edit::Lose),
        ]
    }

    /// Applies `edits`, and returns the indices they changed.
    fn apply(points: &mut Vec<(f64, f64)>, spots: &[(f64, f64)], edits: &[Edit]) -> Vec<u32> {
        let at_spot = |spot: usize, (dx, dy): (f64, f64), spread: f64| {
            let (x, y) = spots[spot % spots.len()];
            (x + dx * spread, y + dy * spread)
        };
        let mut changed = Vec::new();
        for edit in edits {
            let len = points.len();
            match *edit {
                Edit::Add(spot, d) => {
                    points.push(at_spot(spot, d, 0.2));
                    changed.push(len as u32);
                }
                _ if len == 0 => {}
                Edit::Move(i, (dx, dy), spread, spot) => {
                    let i = i % len;
                    points[i] = match spot {
                        Some(spot) => at_spot(spot, (dx, dy), spread),
                        None => (points[i].0 + dx * spread, points[i].1 + dy * spread),
                    };
                    changed.push(i as u32);
                }
                Edit::Remove(i) => {
                    let i = i % len;
                    points.swap_remove(i);
                    changed.push(i as u32);
                }
                Edit::Lose(i) => {
                    points[i % len].0 = f64::NAN;
                    changed.push((i % len) as u32);
                }
            }
        }
        changed
    }

    /// Every answer of `updated` is `built`'s: items, children, leaves and expansion zooms of
    /// every cluster at every zoom, tiles, counts by category, and unknown ids.
    fn same_answers(
        updated: &ClusterIndex,
        built: &ClusterIndex,
        points: &[(f64, f64)],
        also_ids: &[u64],
    ) -> Result<(), TestCaseError> {
        let options = built.options;
        prop_assert_eq!(updated.input_len(), built.input_len());
        let categories = |i: u32| [i as usize % 3];
        let (tally_updated, tally_built) =
            (updated.tally(3, categories), built.tally(3, categories));
        let mut ids = also_ids.to_vec();
        for zoom in options.min_zoom.saturating_sub(1)..=options.max_zoom + 2 {
            let items = built.clusters(LngLatBbox::WORLD, zoom);
            prop_assert_eq!(
                &updated.clusters(LngLatBbox::WORLD, zoom),
                &items,
                "zoom {}",
                zoom
            );
            for item in items {
                if let ClusterItem::Cluster { id, .. } = item {
                    ids.push(id);
                }
            }
            for &(lon, lat) in points.iter().take(3) {
                if let Ok(tile) = tile_for(lon, lat, zoom) {
                    prop_assert_eq!(updated.tile(tile, 4096, 256), built.tile(tile, 4096, 256));
                }
            }
        }
        for id in ids {
            prop_assert_eq!(
                updated.children(id),
                built.children(id),
                "children of {}",
                id
            );
            prop_assert_eq!(
                updated.leaves(id, usize::MAX, 0),
                built.leaves(id, usize::MAX, 0)
            );
            prop_assert_eq!(updated.expansion_zoom(id), built.expansion_zoom(id));
            prop_assert_eq!(tally_updated.of(id), tally_built.of(id));
        }
        Ok(())
    }

    #[test]
    fn changes_in_a_row_make_the_levels_whole_again_and_answer_as_a_build() {
        // 400 points around Angers; each round moves three of them, adds one and removes one,
        // so that the overlays outgrow their limit and levels are made whole along the way.
        let mut points = super::super::tests::around_angers(400);
        let mut elsewhere = super::super::tests::around_angers(700)
            .into_iter()
            .skip(400);
        let mut next = {
            let mut state = 7u64;
            move |below: usize| {
                state = (state * 48_271) % 2_147_483_647;
                state as usize % below
            }
        };
        let options = ClusterOptions::default();
        let mut index = ClusterIndex::build(&points, options).unwrap();
        let mut made_whole = 0;
        for _ in 0..60 {
            let mut changed = Vec::new();
            for _ in 0..3 {
                let i = next(points.len());
                points[i] = elsewhere.next().unwrap();
                changed.push(i as u32);
            }
            points.push(elsewhere.next().unwrap());
            changed.push(points.len() as u32 - 1);
            let closed = next(points.len());
            points.swap_remove(closed);
            changed.push(closed as u32);
            let overlays = |index: &ClusterIndex| -> usize {
                index
                    .levels
                    .iter()
                    .map(|level| level.slots() - level.len())
                    .sum()
            };
            let dead_before = overlays(&index);
            index = index.updated(&points, &changed).unwrap();
            made_whole += usize::from(overlays(&index) < dead_before);
            let built = ClusterIndex::build(&points, options).unwrap();
            same_answers(&index, &built, &points, &[]).unwrap();
        }
        assert!(made_whole > 0, "no level was made whole again");
    }

    #[test]
    fn a_change_that_reaches_most_of_a_level_makes_it_and_those_above_whole() {
        // A chain of points along the equator, each a little less than zoom 10's radius from
        // the next, in order: at zoom 10 every other one is a seed. The first one moving away
        // makes every seed after it a member and every member a seed.
        let options = ClusterOptions {
            min_zoom: 8,
            max_zoom: 12,
            ..ClusterOptions::default()
        };
        let step = 0.9 * options.radius / (options.extent * 1024.0) * 360.0;
        let mut points: Vec<(f64, f64)> = (0..400).map(|i| (f64::from(i) * step, 0.0)).collect();
        let before = ClusterIndex::build(&points, options).unwrap();
        points[0] = (-100.0, 30.0);
        let after = before.updated(&points, &[0]).unwrap();
        let built = ClusterIndex::build(&points, options).unwrap();
        same_answers(&after, &built, &points, &[]).unwrap();
        // Zooms 13 (the points) and 12 were updated; zoom 11, whose items zoom 10 clusters,
        // and the zooms above it were made whole.
        let shared: Vec<bool> = (before.levels.iter().zip(&after.levels))
            .map(|(before, after)| after.shares_base_with(before))
            .collect();
        assert_eq!(shared, [false, false, false, false, true, true]);
    }

    #[test]
    fn a_hierarchy_grouped_by_value_is_not_updated() {
        let points = [(2.35, 48.85), (2.3501, 48.8501)];
        let grouped =
            ClusterIndex::build_grouped(&points, Some(&[0, 1]), ClusterOptions::default()).unwrap();
        assert_eq!(
            grouped.updated(&points, &[0]).unwrap_err(),
            ClusterError::GroupedUpdate
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn a_hierarchy_updated_answers_as_one_built_from_scratch(
            spots in spots(),
            start in prop::collection::vec((any::<usize>(), -1.0..1.0f64, -1.0..1.0f64, spread()), 0..160),
            batches in prop::collection::vec(prop::collection::vec(edit(), 1..8), 1..6),
            radius in prop_oneof![1 => Just(0.0), 9 => 5.0..80.0f64],
            min_points in 0u32..4,
            zooms in (0u8..4, 0u8..14),
        ) {
            let options = ClusterOptions {
                radius,
                min_points,
                min_zoom: zooms.0,
                max_zoom: zooms.0 + zooms.1,
                ..ClusterOptions::default()
            };
            let mut points: Vec<(f64, f64)> = start
                .iter()
                .map(|&(spot, dx, dy, spread)| {
                    let (x, y) = spots[spot % spots.len()];
                    (x + dx * spread, y + dy * spread)
                })
                .collect();
            let mut index = ClusterIndex::build(&points, options).unwrap();
            for edits in batches {
                let ids_before: Vec<u64> = (0..=options.max_zoom)
                    .flat_map(|zoom| index.clusters(LngLatBbox::WORLD, zoom))
                    .filter_map(|item| match item {
                        ClusterItem::Cluster { id, .. } => Some(id),
                        ClusterItem::Point { .. } => None,
                    })
                    .collect();
                let changed = apply(&mut points, &spots, &edits);
                index = index.updated(&points, &changed).unwrap();
                let built = ClusterIndex::build(&points, options).unwrap();
                same_answers(&index, &built, &points, &ids_before)?;
            }
        }
    }
}
