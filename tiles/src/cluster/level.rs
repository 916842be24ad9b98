//! The items of one zoom: a shared base and the few items a change made since.
//!
//! A level built whole is one set of flat columns in KD-tree order (the base). A change to the
//! points changes a few items of each level: making the level again would sort all of them
//! (most of a build's time), and copying it would copy them all. So a level made from another
//! by a change shares its base (an `Arc`), marks the base items the change took out as dead
//! (one bit each), and holds the items it brought in an overlay: columns of their own in
//! KD-tree order, small enough to sort again with every change. Queries walk both trees.
//! When the overlay outgrows [`Level::overlay_limit`], the level is made whole again.
//!
//! An item is named by its slot: its index in the base, or the base's length plus its index
//! in the overlay. Slots are only meaningful within one version of a level; what links levels
//! (an item's parent) is an id, which every version keeps.

use std::sync::Arc;

use super::{ClusterItem, IdSpace};
use crate::kdtree;
use crate::mercator::{unit_x_to_lon, unit_y_to_lat};

/// The parent of an item whose parent is not known yet (a level being made), or of an item of
/// the lowest level, which has none.
pub(super) const NO_PARENT: u64 = u64::MAX;

/// One item, its columns together: what a level is made of and what a change brings in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Item {
    /// Unit-square position (see [`crate::mercator`]).
    pub position: [f64; 2],
    /// How many input points it stands for: 1 for a point.
    pub count: u32,
    /// The input index of a point, or the id of a cluster.
    pub id: u64,
    /// The id of the item of the level one zoom up that this one became part of (its own id
    /// when carried over unchanged); [`NO_PARENT`] in the lowest level.
    pub parent: u64,
}

/// Items column by column, in KD-tree order.
#[derive(Debug, Clone, Default)]
pub(super) struct Columns {
    pub positions: Vec<[f64; 2]>,
    pub counts: Vec<u32>,
    pub ids: Vec<u64>,
    pub parents: Vec<u64>,
}

impl Columns {
    /// Sorts `items` into KD-tree order, as columns.
    pub fn sorted(mut items: Vec<Item>) -> Self {
        kdtree::sort(&mut items, |item| item.position);
        let mut columns = Self {
            positions: Vec::with_capacity(items.len()),
            counts: Vec::with_capacity(items.len()),
            ids: Vec::with_capacity(items.len()),
            parents: Vec::with_capacity(items.len()),
        };
        for item in items {
            columns.positions.push(item.position);
            columns.counts.push(item.count);
            columns.ids.push(item.id);
            columns.parents.push(item.parent);
        }
        columns
    }

    fn len(&self) -> usize {
        self.positions.len()
    }

    fn item(&self, i: usize) -> Item {
        Item {
            position: self.positions[i],
            count: self.counts[i],
            id: self.ids[i],
            parent: self.parents[i],
        }
    }
}

/// The items of one zoom.
#[derive(Debug, Clone, Default)]
pub(super) struct Level {
    base: Arc<Columns>,
    /// One bit per base item, set when a change took it out; empty when none did.
    dead: Arc<Vec<u64>>,
    /// How many bits of `dead` are set.
    dead_count: usize,
    /// The items changes brought in since the base was made.
    overlay: Columns,
}

impl Level {
    /// A level of these columns (in KD-tree order) alone.
    pub fn whole(base: Columns) -> Self {
        Self {
            base: Arc::new(base),
            ..Self::default()
        }
    }

    /// The number of slots: dead ones included.
    pub fn slots(&self) -> usize {
        self.base.len() + self.overlay.len()
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.slots() - self.dead_count
    }

    /// The columns and index of the slot.
    fn columns(&self, slot: usize) -> (&Columns, usize) {
        match slot.checked_sub(self.base.len()) {
            None => (&self.base, slot),
            Some(i) => (&self.overlay, i),
        }
    }

    pub fn position(&self, slot: usize) -> [f64; 2] {
        let (columns, i) = self.columns(slot);
        columns.positions[i]
    }

    pub fn count(&self, slot: usize) -> u32 {
        let (columns, i) = self.columns(slot);
        columns.counts[i]
    }

    pub fn id(&self, slot: usize) -> u64 {
        let (columns, i) = self.columns(slot);
        columns.ids[i]
    }

    pub fn parent(&self, slot: usize) -> u64 {
        let (columns, i) = self.columns(slot);
        columns.parents[i]
    }

    pub fn get(&self, slot: usize) -> Item {
        let (columns, i) = self.columns(slot);
        columns.item(i)
    }

    /// The item at `slot`, its id made in `ids`.
    pub fn item(&self, slot: usize, ids: IdSpace) -> ClusterItem {
        let (columns, i) = self.columns(slot);
        let count = columns.counts[i];
        let id = columns.ids[i];
        if count == 1 {
            // Point ids are input indices, which fit in a u32 (checked by `build`).
            ClusterItem::Point { index: id as u32 }
        } else {
            let [x, y] = columns.positions[i];
            ClusterItem::Cluster {
                id,
                count,
                lon: unit_x_to_lon(x),
                lat: unit_y_to_lat(y),
                expansion_zoom: ids.formed_at(id) + 1,
            }
        }
    }

    fn is_dead(&self, base_index: usize) -> bool {
        self.dead_count > 0 && self.dead[base_index / 64] & (1 << (base_index % 64)) != 0
    }

    /// Calls `visit` with the slot of every item inside the rectangle `min..=max`.
    pub fn range(&self, min: [f64; 2], max: [f64; 2], mut visit: impl FnMut(usize)) {
        kdtree::range(&self.base.positions, min, max, |i| {
            if !self.is_dead(i) {
                visit(i);
            }
        });
        let offset = self.base.len();
        kdtree::range(&self.overlay.positions, min, max, |i| visit(offset + i));
    }

    /// Calls `visit` with the slot of every item at a distance `≤ radius` from `centre`.
    pub fn within(&self, centre: [f64; 2], radius: f64, mut visit: impl FnMut(usize)) {
        kdtree::within(&self.base.positions, centre, radius, |i| {
            if !self.is_dead(i) {
                visit(i);
            }
        });
        let offset = self.base.len();
        kdtree::within(&self.overlay.positions, centre, radius, |i| {
            visit(offset + i)
        });
    }

    /// The slot of the item `id`, which is within `radius` of `near`.
    pub fn find(&self, id: u64, near: [f64; 2], radius: f64) -> Option<usize> {
        let mut found = None;
        self.within(near, radius, |slot| {
            if self.id(slot) == id {
                found = Some(slot);
            }
        });
        found
    }

    /// The slots of every item, in no particular order.
    pub fn live_slots(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.base.len())
            .filter(|&i| !self.is_dead(i))
            .chain(self.base.len()..self.slots())
    }

    /// How many items the overlay may hold before the level is made whole again: sorting the
    /// overlay again with every change must stay cheap, and queries walk two trees.
    fn overlay_limit(&self) -> usize {
        32 + self.base.len() / 64
    }

    /// This level without the items at `gone` (slots of this level) and with `new` ones (in
    /// no order): the base shared, unless the overlay would outgrow its limit. The dead bits
    /// are copied only if another level shares them (the one a change was made from).
    pub fn changed(self, gone: &[usize], new: Vec<Item>) -> Self {
        let base_len = self.base.len();
        let Self {
            base,
            mut dead,
            mut dead_count,
            overlay,
        } = self;
        let mut overlay_gone = Vec::new();
        for &slot in gone {
            if slot < base_len {
                let words = Arc::make_mut(&mut dead);
                if words.is_empty() {
                    words.resize(base_len.div_ceil(64), 0);
                }
                let bit = 1 << (slot % 64);
                if words[slot / 64] & bit == 0 {
                    words[slot / 64] |= bit;
                    dead_count += 1;
                }
            } else {
                overlay_gone.push(slot - base_len);
            }
        }
        overlay_gone.sort_unstable();
        let mut items: Vec<Item> = (0..overlay.len())
            .filter(|i| overlay_gone.binary_search(i).is_err())
            .map(|i| overlay.item(i))
            .collect();
        items.extend(new);
        let level = Self {
            base,
            dead,
            dead_count,
            overlay: Columns::default(),
        };
        // Dead items cost queries too: a stream of closures of the last places adds none.
        if items.len() > level.overlay_limit() || dead_count > 4 * level.overlay_limit() {
            items.extend(
                level
                    .live_slots()
                    .filter(|&s| s < base_len)
                    .map(|s| level.get(s)),
            );
            return Self::whole(Columns::sorted(items));
        }
        Self {
            overlay: Columns::sorted(items),
            ..level
        }
    }

    /// The items at `slots` with new parents: `(slot, parent)`, each slot once.
    pub fn with_parents(self, parents: &[(usize, u64)]) -> Self {
        let base_len = self.base.len();
        let mut moved = Vec::new();
        let mut level = self;
        for &(slot, parent) in parents {
            if slot >= base_len {
                level.overlay.parents[slot - base_len] = parent;
            } else if level.base.parents[slot] != parent {
                // The base is shared: the item moves to the overlay with its new parent.
                moved.push((
                    slot,
                    Item {
                        parent,
                        ..level.get(slot)
                    },
                ));
            }
        }
        if moved.is_empty() {
            return level;
        }
        let (gone, new): (Vec<usize>, Vec<Item>) = moved.into_iter().unzip();
        level.changed(&gone, new)
    }

    /// Whether the two levels share their base: one was made from the other by a change.
    #[cfg(test)]
    pub fn shares_base_with(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.base, &other.base)
    }

    /// The level as whole columns, for a level built from it.
    pub fn items(&self) -> Vec<Item> {
        self.live_slots().map(|slot| self.get(slot)).collect()
    }
}
