//! A point-clustering hierarchy with supercluster's semantics.
//!
//! MapLibre's own clustering of GeoJSON sources is supercluster, and users know what it looks
//! like: the same radius, the same greedy merging and the same `point_count_abbreviated` labels.
//! Clustering on the server keeps that look while sending a few kilobytes per tile instead of
//! every place, so [`ClusterIndex`] reproduces supercluster's behaviour (its options, defaults
//! and answers) from the published description of the algorithm:
//!
//! - positions are projected to the web-mercator unit square once;
//! - the deepest level, `max_zoom + 1`, holds the input points, unclustered;
//! - each zoom `z` from `max_zoom` down to `min_zoom` clusters the items of zoom `z + 1`
//!   greedily, in the order they were created: an item not yet taken absorbs every item not yet
//!   taken within `radius / (extent · 2^z)` of it, and if together they hold at least
//!   `min_points` points they become a cluster at their weighted centre; otherwise they are
//!   carried over unchanged;
//! - every zoom gets its own spatial index (a static KD-tree, see `kdtree`) for the next zoom's
//!   neighbour searches and for the queries.
//!
//! Each level is a set of flat columns (positions, counts, ids, parents: 36 bytes per item)
//! sorted in KD-tree order, so a query's answer indexes every column directly; an item's parent
//! is named by its id, not its place in the level above, so that levels can change one
//! without the other (see `level`). The greedy pass
//! has to follow the creation order, which jumps around the map and would miss the cache on
//! every neighbour search; so every item's neighbours are found first, leaf by leaf in KD-tree
//! order and in parallel (see `kdtree::neighbourhoods`), and the greedy pass only reads them.
//! The sorts are parallel too. Only the greedy pass itself is sequential, as it must be: it is
//! a tenth of the work. 956,000 generated places build in about 0.8 s on 2 cores, supercluster
//! in 2.2 s (`benches/tiles-bench.sh`).
//!
//! A cluster id names the zoom where the cluster was formed and its seed point: the input point
//! that seeded it, through the items that seeded it at the deeper zooms. A cluster carried over
//! unchanged to lower zooms keeps its id, so [`ClusterIndex::children`] always returns the
//! children it split from. Ids start at the power of two at or above the number of points, so a
//! point index and a cluster id never collide (they can share one MVT feature id space), and a
//! few points more or fewer keep them.
//!
//! ## What a change elsewhere leaves as it was
//!
//! Every answer depends on the points (their indices and positions) and the options alone, not
//! on how a level's KD-tree laid its items out, which a change anywhere reshuffles: ids name
//! seeds, not places in a level; the greedy pass follows the creation order, which is the
//! input order carried up; a cluster's centre sums its members in the order of their ids; and a
//! tile lists its items in an order of their own ([`ClusterIndex::tile`]). At each zoom the
//! greedy pass only joins items within the radius, so a moved, new or removed point changes
//! only the items of its connected part of the "within radius" graph, and every tile away from
//! those holds the same items, in the same order, after the change: a server can keep those
//! tiles instead of encoding them again. And a hierarchy need not be built again for a
//! change to a few points: [`ClusterIndex::updated`] makes again only what the change reaches,
//! and shares the rest with the hierarchy it was made from (see `update`).

use rayon::prelude::*;

use crate::kdtree;
use level::{Columns, Level, NO_PARENT};
use points::PointColumn;

mod level;
mod points;
mod tally;
mod update;
use crate::mercator::{lat_to_unit_y, wrap_longitude, zoom_scale, TileCoord, MAX_ZOOM};
pub use tally::Tally;

/// How to cluster, with supercluster's option names and defaults.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterOptions {
    /// Cluster radius, in pixels of a tile `extent` pixels wide. Default 40.
    pub radius: f64,
    /// The tile size `radius` is measured against. Default 512.
    pub extent: f64,
    /// The fewest points that form a cluster. Default 2.
    pub min_points: u32,
    /// The lowest zoom that gets clusters. Default 0.
    pub min_zoom: u8,
    /// The deepest zoom that gets clusters; deeper zooms show single points. Default 16, at
    /// most [`MAX_ZOOM`]` - 1`.
    pub max_zoom: u8,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            radius: 40.0,
            extent: 512.0,
            min_points: 2,
            min_zoom: 0,
            max_zoom: 16,
        }
    }
}

impl ClusterOptions {
    /// The tile buffer, in units of a tile `extent` units wide, that matches the clustering
    /// radius: supercluster's `getTile` uses it, so that a cluster drawn near a tile's edge is
    /// also in the neighbouring tile.
    pub fn tile_buffer(&self, extent: u32) -> u32 {
        // Validated options keep this finite and non-negative; `as` saturates anyway.
        (self.radius / self.extent * f64::from(extent)).round() as u32
    }

    /// The radius at zoom `z`, in the unit square.
    fn unit_radius(&self, z: u8) -> f64 {
        self.radius / (self.extent * zoom_scale(z))
    }

    fn validate(&self) -> Result<(), ClusterError> {
        let invalid = |reason: String| Err(ClusterError::InvalidOptions { reason });
        if !(self.radius.is_finite() && self.radius >= 0.0) {
            return invalid(format!("radius must be ≥ 0, not {}", self.radius));
        }
        if !(self.extent.is_finite() && self.extent > 0.0) {
            return invalid(format!("extent must be > 0, not {}", self.extent));
        }
        if self.max_zoom >= MAX_ZOOM {
            return invalid(format!(
                "max_zoom must be below {MAX_ZOOM}, not {}",
                self.max_zoom
            ));
        }
        if self.min_zoom > self.max_zoom {
            return invalid(format!(
                "min_zoom {} is above max_zoom {}",
                self.min_zoom, self.max_zoom
            ));
        }
        Ok(())
    }
}

/// What can go wrong when building or asking a [`ClusterIndex`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClusterError {
    /// The options cannot describe a hierarchy.
    #[error("invalid cluster options: {reason}")]
    InvalidOptions {
        /// What is wrong.
        reason: String,
    },
    /// More points than a `u32` index can name.
    #[error("{count} points cannot be clustered: the limit is {}", u32::MAX - 1)]
    TooManyPoints {
        /// How many points were given.
        count: usize,
    },
    /// The id is not the id of a cluster of this index.
    #[error("no cluster with id {0}")]
    UnknownCluster(u64),
    /// A hierarchy grouped by value was asked to update ([`ClusterIndex::updated`]): it must be
    /// built again with its groups.
    #[error("a hierarchy grouped by value is built again with its groups, not updated")]
    GroupedUpdate,
    /// Groups were given, but not one per point.
    #[error("{groups} groups for {points} points: one per point")]
    GroupCount {
        /// How many points were given.
        points: usize,
        /// How many groups were given.
        groups: usize,
    },
}

/// One item of a zoom: an input point, or a cluster of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClusterItem {
    /// A single input point.
    Point {
        /// Its position in the slice given to [`ClusterIndex::build`].
        index: u32,
    },
    /// Several input points.
    Cluster {
        /// The cluster's id, the same for the same input and options.
        id: u64,
        /// How many input points it holds, at least [`ClusterOptions::min_points`].
        count: u32,
        /// Longitude of the points' centre.
        lon: f64,
        /// Latitude of the points' centre.
        lat: f64,
        /// The zoom at which it splits into several items: what
        /// [`ClusterIndex::expansion_zoom`] answers, carried by the cluster so that a click
        /// needs no request.
        expansion_zoom: u8,
    },
}

impl ClusterItem {
    /// How many input points the item stands for.
    pub fn count(&self) -> u32 {
        match self {
            Self::Point { .. } => 1,
            Self::Cluster { count, .. } => *count,
        }
    }
}

/// An item of a tile, with its position in the tile's grid (see [`TileCoord::project`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TileItem {
    /// The point or cluster.
    pub item: ClusterItem,
    /// Column in the tile grid, from the west edge; outside `0..=extent` in the buffer.
    pub x: i32,
    /// Row in the tile grid, from the north edge; outside `0..=extent` in the buffer.
    pub y: i32,
}

/// The clustering hierarchy of a set of points, for every zoom. Immutable once built; a
/// change to its points makes a new one that shares what the change leaves as it was
/// ([`ClusterIndex::updated`]).
#[derive(Debug, Clone)]
pub struct ClusterIndex {
    options: ClusterOptions,
    /// The number of points given to `build`.
    input_len: u32,
    /// How its items' ids are made.
    ids: IdSpace,
    /// Whether points cluster only within their group ([`ClusterIndex::build_grouped`]).
    grouped: bool,
    /// The unit position of each input point, where [`ClusterIndex::children`] and the others
    /// start looking for a cluster seeded by it.
    points: PointColumn,
    /// `levels[i]` is zoom `min_zoom + i`; the last one, `max_zoom + 1`, has single points.
    levels: Vec<Level>,
}

/// An item of a level being built, before it is sorted into place.
#[derive(Debug, Clone, Copy)]
struct NewItem {
    position: [f64; 2],
    count: u32,
    /// A point's index or a cluster's id.
    id: u64,
    /// The order of creation, which the next zoom's greedy pass follows.
    created: u32,
}

/// Groups by position in a level, from groups by creation number (`creation_order` giving
/// each one's position); nothing when not grouped. Kept beside the items, not in them: the
/// sorts move items of 32 bytes.
fn groups_by_position(by_creation: &[u32], creation_order: &[u32]) -> Vec<u32> {
    let mut by_position = vec![0; by_creation.len()];
    for (&group, &position) in by_creation.iter().zip(creation_order) {
        by_position[position as usize] = group;
    }
    by_position
}

/// Sorts new items into a level's columns (their parents not known yet), and returns them with,
/// for each creation number, the item's position in them.
fn sort_level(mut sorted: Vec<NewItem>) -> (Columns, Vec<u32>) {
    kdtree::sort(&mut sorted, |item| item.position);
    let mut creation_order = vec![0u32; sorted.len()];
    let mut columns = Columns {
        positions: Vec::with_capacity(sorted.len()),
        counts: Vec::with_capacity(sorted.len()),
        ids: Vec::with_capacity(sorted.len()),
        parents: Vec::new(),
    };
    for (position, item) in sorted.iter().enumerate() {
        creation_order[item.created as usize] = position as u32;
        columns.positions.push(item.position);
        columns.counts.push(item.count);
        columns.ids.push(item.id);
    }
    (columns, creation_order)
}

/// The bits of a cluster id that hold the zoom it was formed at.
const ZOOM_BITS: u32 = 5;
const _: () = assert!(MAX_ZOOM < 1 << ZOOM_BITS);

/// How the ids of a hierarchy's items are made: a point's is its index, a cluster's names its
/// seed point and the zoom it was formed at, from `first` on.
///
/// `first` is the power of two at or above the number of points: above every point's index,
/// and the same for any number of points up to it, so that adding or removing a place keeps
/// the ids of the clusters it does not reach. Ids stay about as short as supercluster's
/// (`points + (index << 5 | zoom)`), which a tile writes twice per cluster as varints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct IdSpace {
    first: u64,
}

impl IdSpace {
    /// The ids of a hierarchy of `points` points.
    fn for_points(points: u32) -> Self {
        Self {
            first: u64::from(points).next_power_of_two(),
        }
    }

    /// The id of the cluster formed at `zoom` whose seed point is `seed`.
    fn cluster(self, seed: u32, zoom: u8) -> u64 {
        self.first + (u64::from(seed) << ZOOM_BITS | u64::from(zoom))
    }

    /// Whether `id` is a cluster's.
    fn is_cluster(self, id: u64) -> bool {
        id >= self.first
    }

    /// The zoom the cluster `id` was formed at.
    fn formed_at(self, id: u64) -> u8 {
        // The low bits of a number below 32.
        (id.wrapping_sub(self.first) & ((1 << ZOOM_BITS) - 1)) as u8
    }

    /// The seed point of the item `id`: a point's own index, or the cluster's seed; `None`
    /// when `id` names neither.
    fn seed_point(self, id: u64) -> Option<u32> {
        match id.checked_sub(self.first) {
            None => u32::try_from(id).ok(),
            Some(local) => u32::try_from(local >> ZOOM_BITS).ok(),
        }
    }
}

/// Projects a point to the unit square; `None` for a NaN or infinite coordinate.
fn project((lon, lat): (f64, f64)) -> Option<[f64; 2]> {
    (lon.is_finite() && lat.is_finite()).then(|| {
        // Not `lon_to_unit_x`: 180° must stay on the east edge, as in supercluster.
        [
            wrap_longitude_keep_180(lon) / 360.0 + 0.5,
            lat_to_unit_y(lat),
        ]
    })
}

/// The centre of a cluster: its seed's and its neighbours' positions (in the order of their
/// ids) weighted by their counts, summed in that order, whatever made the cluster.
fn centre(
    seed: ([f64; 2], u32),
    neighbours: impl Iterator<Item = ([f64; 2], u32)>,
    total: u32,
) -> [f64; 2] {
    let ([x, y], count) = seed;
    let weight = f64::from(count);
    let (mut wx, mut wy) = (x * weight, y * weight);
    for ([x, y], count) in neighbours {
        let weight = f64::from(count);
        wx += x * weight;
        wy += y * weight;
    }
    let total = f64::from(total);
    [wx / total, wy / total]
}

impl ClusterIndex {
    /// Builds the hierarchy of `points`, given as `(longitude, latitude)` in degrees.
    ///
    /// Items name points by their position in `points`. Points with a NaN or infinite
    /// coordinate are left out; longitudes are wrapped and latitudes clamped to web-mercator's
    /// range (see [`crate::mercator`]).
    pub fn build(points: &[(f64, f64)], options: ClusterOptions) -> Result<Self, ClusterError> {
        Self::build_grouped(points, None, options)
    }

    /// [`ClusterIndex::build`], points clustering only with points of their own group when
    /// `groups` gives one per point (supercluster's issue 242, "cluster by category").
    ///
    /// Each group's hierarchy is then the one its points alone would make, in the same order:
    /// the greedy pass follows the creation order, which restricted to a group is the group's
    /// own, and a seed only takes the neighbours of its group. One hierarchy holds them all, so
    /// cluster ids, tiles, children and leaves work as without groups.
    ///
    /// # Errors
    /// As [`ClusterIndex::build`], and when `groups` does not give one group per point.
    pub fn build_grouped(
        points: &[(f64, f64)],
        groups: Option<&[u32]>,
        options: ClusterOptions,
    ) -> Result<Self, ClusterError> {
        if let Some(groups) = groups.filter(|groups| groups.len() != points.len()) {
            return Err(ClusterError::GroupCount {
                points: points.len(),
                groups: groups.len(),
            });
        }
        let mut index = Self::empty(points.len(), options)?;
        index.grouped = groups.is_some();
        // Projected in parallel (a logarithm and a tangent each), numbered in order after.
        let projected: Vec<Option<[f64; 2]>> = points.par_iter().copied().map(project).collect();
        index.points = PointColumn::new(&projected);
        let leaves: Vec<NewItem> = projected
            .into_iter()
            .enumerate()
            .filter_map(|(i, position)| Some((i, position?)))
            .enumerate()
            .map(|(created, (i, position))| NewItem {
                position,
                count: 1,
                id: i as u64,
                created: created as u32,
            })
            .collect();
        // By creation number, as the items.
        let leaf_groups: Vec<u32> = match groups {
            Some(groups) => leaves.iter().map(|leaf| groups[leaf.id as usize]).collect(),
            None => Vec::new(),
        };
        index.levels = index.levels_from(leaves, leaf_groups, options.max_zoom + 1);
        Ok(index)
    }

    /// An index of `points` points with no level yet, once the options are checked.
    fn empty(points: usize, options: ClusterOptions) -> Result<Self, ClusterError> {
        options.validate()?;
        let input_len = u32::try_from(points)
            .ok()
            .filter(|&len| len < u32::MAX)
            .ok_or(ClusterError::TooManyPoints { count: points })?;
        Ok(Self {
            options,
            input_len,
            ids: IdSpace::for_points(input_len),
            grouped: false,
            points: PointColumn::default(),
            levels: Vec::new(),
        })
    }

    /// The levels from `min_zoom` to `zoom`, made from the items of `zoom` (in creation order,
    /// with their groups when grouped): each zoom's greedy pass over the one below it.
    fn levels_from(&self, items: Vec<NewItem>, mut groups: Vec<u32>, zoom: u8) -> Vec<Level> {
        let mut levels = Vec::with_capacity(usize::from(zoom - self.options.min_zoom) + 1);
        let (mut columns, mut creation_order) = sort_level(items);
        let mut neighbours = Vec::new();
        // From the deepest zoom up, then reversed.
        for zoom in (self.options.min_zoom..zoom).rev() {
            let level_groups = groups_by_position(&groups, &creation_order);
            let (new_items, parents, new_groups) = self.cluster_level(
                &columns,
                &level_groups,
                &creation_order,
                zoom,
                &mut neighbours,
            );
            columns.parents = (parents.into_iter())
                .map(|created| new_items[created as usize].id)
                .collect();
            let (next, next_order) = sort_level(new_items);
            levels.push(Level::whole(std::mem::replace(&mut columns, next)));
            creation_order = next_order;
            groups = new_groups;
        }
        columns.parents = vec![NO_PARENT; columns.positions.len()];
        levels.push(Level::whole(columns));
        levels.reverse();
        levels
    }

    /// One greedy pass: clusters the items of `level` (zoom `zoom + 1`) for zoom `zoom`.
    ///
    /// `creation_order` gives the positions of the level's items in the order they were
    /// created, and `groups` their groups by position (empty when not grouped). Returns the new
    /// items in creation order, for each item of `level` (by position) the creation number of
    /// the new item it went into, and the new items' groups in creation order (when grouped).
    fn cluster_level(
        &self,
        level: &Columns,
        groups: &[u32],
        creation_order: &[u32],
        zoom: u8,
        neighbours: &mut Vec<usize>,
    ) -> (Vec<NewItem>, Vec<u32>, Vec<u32>) {
        let radius = self.options.unit_radius(zoom);
        let neighbourhoods = kdtree::neighbourhoods(&level.positions, radius);
        let len = level.positions.len();
        let mut taken = vec![false; len];
        let mut parents = vec![0u32; len];
        let mut new_items: Vec<NewItem> = Vec::with_capacity(len);
        let mut new_groups: Vec<u32> = Vec::with_capacity(groups.len());
        // The group of the item at a position, when grouped.
        let group_at = |position: usize| groups.get(position).copied();
        let carry = |new_items: &mut Vec<NewItem>,
                     new_groups: &mut Vec<u32>,
                     item: NewItem,
                     group: Option<u32>| {
            let created = new_items.len() as u32;
            new_items.push(NewItem { created, ..item });
            new_groups.extend(group);
            created
        };

        // The greedy pass must follow the creation order, which jumps around the map: a
        // neighbour search per item would miss the cache on every step. The neighbourhoods
        // were found beforehand, in KD-tree order and in parallel; here the pass only skips
        // the neighbours already taken.
        for &seed in creation_order {
            let seed = seed as usize;
            if taken[seed] {
                continue;
            }
            let item = &NewItem {
                position: level.positions[seed],
                count: level.counts[seed],
                id: level.ids[seed],
                created: 0,
            };
            taken[seed] = true;
            let group = group_at(seed);
            if neighbourhoods.of(seed).is_empty() {
                // Alone at this zoom, as most items of the deep zooms are.
                parents[seed] = carry(&mut new_items, &mut new_groups, *item, group);
                continue;
            }
            neighbours.clear();
            neighbours.extend(
                neighbourhoods
                    .of(seed)
                    .iter()
                    .map(|&i| i as usize)
                    .filter(|&i| !taken[i] && group_at(i) == group),
            );
            // In the order of their ids, not of the level's layout: the centre's sum and the
            // creation order of neighbours carried over are then the same whatever the layout.
            neighbours.sort_unstable_by_key(|&i| level.ids[i]);
            let total: u32 = item.count + neighbours.iter().map(|&i| level.counts[i]).sum::<u32>();

            if neighbours.is_empty() {
                parents[seed] = carry(&mut new_items, &mut new_groups, *item, group);
            } else if total >= self.options.min_points {
                let created = new_items.len() as u32;
                parents[seed] = created;
                for &i in neighbours.iter() {
                    taken[i] = true;
                    parents[i] = created;
                }
                let members = neighbours
                    .iter()
                    .map(|&i| (level.positions[i], level.counts[i]));
                let seed = self.ids.seed_point(item.id).unwrap_or(u32::MAX);
                new_items.push(NewItem {
                    position: centre((item.position, item.count), members, total),
                    count: total,
                    id: self.ids.cluster(seed, zoom),
                    created,
                });
                new_groups.extend(group);
            } else {
                // Too few points to make a cluster: the seed and its neighbours stay apart at
                // this zoom, and none of them seeds another cluster here.
                parents[seed] = carry(&mut new_items, &mut new_groups, *item, group);
                for &i in neighbours.iter() {
                    taken[i] = true;
                    let neighbour = NewItem {
                        position: level.positions[i],
                        count: level.counts[i],
                        id: level.ids[i],
                        created: 0,
                    };
                    parents[i] = carry(&mut new_items, &mut new_groups, neighbour, group_at(i));
                }
            }
        }
        (new_items, parents, new_groups)
    }

    /// The zoom a cluster was formed at and its slot there, if `id` names a cluster: near its
    /// seed point, which is within [`ClusterIndex::reach`] of it.
    fn locate_cluster(&self, id: u64) -> Result<(u8, usize), ClusterError> {
        let unknown = || ClusterError::UnknownCluster(id);
        if !self.ids.is_cluster(id) {
            return Err(unknown());
        }
        let zoom = self.ids.formed_at(id);
        if zoom < self.options.min_zoom || zoom > self.options.max_zoom {
            return Err(unknown());
        }
        let seed = self.ids.seed_point(id).ok_or_else(unknown)?;
        let near = self.points.get(seed).ok_or_else(unknown)?;
        let level = self.level(zoom);
        let slot = (level.find(id, near, self.reach(zoom))).ok_or_else(unknown)?;
        Ok((zoom, slot))
    }

    /// How far from its seed point, and from each of its children, a cluster formed at `zoom`
    /// can be: its children were within the radius of its seed item, and so is its centre;
    /// the seed item is within the radii of the deeper zooms (which sum to less than this
    /// zoom's) of its seed point. Twice the radius, and a hair for rounding.
    fn reach(&self, zoom: u8) -> f64 {
        2.0 * self.options.unit_radius(zoom) * (1.0 + 1e-9) + 1e-12
    }

    /// The level that answers for `zoom`: zooms outside the hierarchy use its nearest level.
    fn level(&self, zoom: u8) -> &Level {
        let zoom = zoom.clamp(self.options.min_zoom, self.options.max_zoom + 1);
        &self.levels[usize::from(zoom - self.options.min_zoom)]
    }

    /// The options the index was built with.
    pub fn options(&self) -> &ClusterOptions {
        &self.options
    }

    /// The number of points given to [`ClusterIndex::build`], left-out ones included.
    pub fn input_len(&self) -> u32 {
        self.input_len
    }

    /// The items of zoom `zoom` inside `bbox`: single points above `max_zoom`, the clusters of
    /// `min_zoom` below it; the biggest first, then by id (as [`ClusterIndex::tile`]).
    ///
    /// As in supercluster, the bbox is `[west, south, east, north]` in degrees, longitudes are
    /// wrapped, a bbox whose west is east of its east crosses the antimeridian, and one that
    /// is 360° wide or more covers every longitude.
    pub fn clusters(
        &self,
        bbox: impl Into<crate::mercator::LngLatBbox>,
        zoom: u8,
    ) -> Vec<ClusterItem> {
        let bbox = bbox.into();
        let level = self.level(zoom);
        let south = bbox.south.clamp(-90.0, 90.0);
        let north = bbox.north.clamp(-90.0, 90.0);
        let (min_y, max_y) = (lat_to_unit_y(north), lat_to_unit_y(south));
        let mut items = Vec::new();
        let mut add = |west: f64, east: f64| {
            let min = [west / 360.0 + 0.5, min_y];
            let max = [east / 360.0 + 0.5, max_y];
            level.range(min, max, |slot| items.push(level.item(slot, self.ids)));
        };
        if bbox.east - bbox.west >= 360.0 {
            add(-180.0, 180.0);
        } else {
            let west = wrap_longitude(bbox.west);
            let east = wrap_longitude_keep_180(bbox.east);
            if west > east {
                add(west, 180.0);
                add(-180.0, east);
            } else {
                add(west, east);
            }
        }
        items.sort_unstable_by(biggest_first);
        items
    }

    /// The items of one tile, with their positions in a grid of `extent × extent` units and a
    /// margin of `buffer` units around the tile (see [`ClusterOptions::tile_buffer`] for
    /// supercluster's), wrapped across the antimeridian.
    ///
    /// The biggest clusters come first (a map places the labels of a layer's first features
    /// first), then by id: an order of the items' own, which a change elsewhere on the map,
    /// reshuffling the level's layout, leaves as it was.
    pub fn tile(&self, tile: TileCoord, extent: u32, buffer: u32) -> Vec<TileItem> {
        let level = self.level(tile.z());
        let scale = zoom_scale(tile.z());
        let margin = f64::from(buffer) / f64::from(extent.max(1));
        let (x, y) = (f64::from(tile.x()), f64::from(tile.y()));
        let top = (y - margin) / scale;
        let bottom = (y + 1.0 + margin) / scale;
        let mut items = Vec::new();
        // `shift` moves items by whole worlds, to show them across the antimeridian.
        let mut add = |west: f64, east: f64, shift: f64| {
            level.range([west, top], [east, bottom], |slot| {
                let [px, py] = level.position(slot);
                let (x, y) = tile.project_unit(px + shift, py, extent);
                items.push(TileItem {
                    item: level.item(slot, self.ids),
                    x,
                    y,
                });
            });
        };
        add((x - margin) / scale, (x + 1.0 + margin) / scale, 0.0);
        if tile.x() == 0 {
            add(1.0 - margin / scale, 1.0, -1.0);
        }
        if f64::from(tile.x()) == scale - 1.0 {
            add(0.0, margin / scale, 1.0);
        }
        items.sort_unstable_by(|a, b| {
            biggest_first(&a.item, &b.item).then((a.x, a.y).cmp(&(b.x, b.y)))
        });
        items
    }

    /// The items one zoom deeper that a cluster splits into, the biggest first, then by id.
    pub fn children(&self, cluster_id: u64) -> Result<Vec<ClusterItem>, ClusterError> {
        let mut children = Vec::new();
        self.for_each_child(cluster_id, |item| children.push(item))?;
        Ok(children)
    }

    fn for_each_child(
        &self,
        cluster_id: u64,
        visit: impl FnMut(ClusterItem),
    ) -> Result<(), ClusterError> {
        let (zoom, slot) = self.locate_cluster(cluster_id)?;
        let centre = self.level(zoom).position(slot);
        let deeper = self.level(zoom + 1);
        let mut children = Vec::new();
        deeper.within(centre, self.reach(zoom), |i| {
            if deeper.parent(i) == cluster_id {
                children.push(deeper.item(i, self.ids));
            }
        });
        // In the tiles' order, not the layout's (see `tile`).
        children.sort_unstable_by(biggest_first);
        children.into_iter().for_each(visit);
        Ok(())
    }

    /// The input points of a cluster, skipping `offset` of them and returning at most `limit`
    /// (`usize::MAX` for all), as point indices.
    pub fn leaves(
        &self,
        cluster_id: u64,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<u32>, ClusterError> {
        let mut leaves = Vec::new();
        if limit > 0 {
            let mut to_skip = offset;
            self.append_leaves(cluster_id, limit, &mut to_skip, &mut leaves)?;
        }
        Ok(leaves)
    }

    /// Depth-first walk that skips whole sub-clusters while `to_skip` allows.
    fn append_leaves(
        &self,
        cluster_id: u64,
        limit: usize,
        to_skip: &mut usize,
        leaves: &mut Vec<u32>,
    ) -> Result<(), ClusterError> {
        let mut children = Vec::new();
        self.for_each_child(cluster_id, |item| children.push(item))?;
        for child in children {
            if leaves.len() >= limit {
                break;
            }
            match child {
                ClusterItem::Cluster { count, .. } if *to_skip >= count as usize => {
                    *to_skip -= count as usize;
                }
                ClusterItem::Cluster { id, .. } => {
                    self.append_leaves(id, limit, to_skip, leaves)?;
                }
                ClusterItem::Point { .. } if *to_skip > 0 => *to_skip -= 1,
                ClusterItem::Point { index } => leaves.push(index),
            }
        }
        Ok(())
    }

    /// The zoom at which a cluster splits into several items (the zoom to go to on a click).
    ///
    /// Always deeper than every zoom the cluster shows at.
    pub fn expansion_zoom(&self, cluster_id: u64) -> Result<u8, ClusterError> {
        // A cluster is formed from at least two items of the next zoom, so it splits right
        // below the zoom it was formed at; carried over, it keeps that zoom in its id.
        let (zoom, _) = self.locate_cluster(cluster_id)?;
        Ok(zoom + 1)
    }
}

/// The order of a tile's items, and of every list of items: the biggest first, then by id.
fn biggest_first(a: &ClusterItem, b: &ClusterItem) -> std::cmp::Ordering {
    (b.count().cmp(&a.count())).then(item_id(a).cmp(&item_id(b)))
}

/// A point's index or a cluster's id.
fn item_id(item: &ClusterItem) -> u64 {
    match *item {
        ClusterItem::Point { index } => u64::from(index),
        ClusterItem::Cluster { id, .. } => id,
    }
}

/// Wraps a longitude into `[-180, 180]`, keeping 180 as it is: the east edge of a bbox, or a
/// point on the antimeridian as supercluster places it.
fn wrap_longitude_keep_180(lon: f64) -> f64 {
    if lon == 180.0 {
        lon
    } else {
        wrap_longitude(lon)
    }
}

/// The short label supercluster gives a count: `"1.2k"` from 1,000, `"35k"` from 10,000.
pub fn point_count_abbreviated(count: u32) -> String {
    let count = u64::from(count);
    if count >= 10_000 {
        format!("{}k", (count + 500) / 1000)
    } else if count >= 1000 {
        let tenths = (count + 50) / 100;
        if tenths % 10 == 0 {
            format!("{}k", tenths / 10)
        } else {
            format!("{}.{}k", tenths / 10, tenths % 10)
        }
    } else {
        count.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// Every longitude and latitude: `LngLatBbox::WORLD` would leave out clamped poles.
    const EVERYWHERE: [f64; 4] = [-180.0, -90.0, 180.0, 90.0];

    fn build(points: &[(f64, f64)]) -> ClusterIndex {
        ClusterIndex::build(points, ClusterOptions::default()).unwrap()
    }

    fn cluster_ids(items: &[ClusterItem]) -> Vec<u64> {
        items
            .iter()
            .filter_map(|item| match item {
                ClusterItem::Cluster { id, .. } => Some(*id),
                ClusterItem::Point { .. } => None,
            })
            .collect()
    }

    /// The input indices behind items, in order, clusters expanded with `leaves`.
    fn expand(index: &ClusterIndex, items: &[ClusterItem]) -> Vec<u32> {
        let mut points = Vec::new();
        for item in items {
            match *item {
                ClusterItem::Point { index: i } => points.push(i),
                ClusterItem::Cluster { id, .. } => {
                    points.extend(index.leaves(id, usize::MAX, 0).unwrap());
                }
            }
        }
        points
    }

    #[test]
    fn abbreviations_follow_supercluster() {
        let cases = [
            (0, "0"),
            (2, "2"),
            (999, "999"),
            (1000, "1k"),
            (1049, "1k"),
            (1050, "1.1k"),
            (1520, "1.5k"),
            (1999, "2k"),
            (9949, "9.9k"),
            (9950, "10k"),
            (10_000, "10k"),
            (10_499, "10k"),
            (10_500, "11k"),
            (35_000, "35k"),
            (3_400_000, "3400k"),
            (u32::MAX, "4294967k"),
        ];
        for (count, label) in cases {
            assert_eq!(point_count_abbreviated(count), label, "{count}");
        }
    }

    #[test]
    fn invalid_options_are_errors() {
        let build = |options| ClusterIndex::build(&[(0.0, 0.0)], options);
        let defaults = ClusterOptions::default();
        for options in [
            ClusterOptions {
                radius: f64::NAN,
                ..defaults
            },
            ClusterOptions {
                radius: -1.0,
                ..defaults
            },
            ClusterOptions {
                extent: 0.0,
                ..defaults
            },
            ClusterOptions {
                max_zoom: MAX_ZOOM,
                ..defaults
            },
            ClusterOptions {
                min_zoom: 5,
                max_zoom: 4,
                ..defaults
            },
        ] {
            assert!(
                matches!(build(options), Err(ClusterError::InvalidOptions { .. })),
                "{options:?}"
            );
        }
        assert!(build(ClusterOptions {
            max_zoom: MAX_ZOOM - 1,
            ..defaults
        })
        .is_ok());
    }

    #[test]
    fn options_deserialize_with_defaults() {
        let options: ClusterOptions = serde_json::from_str(r#"{"radius": 60}"#).unwrap();
        assert_eq!(
            options,
            ClusterOptions {
                radius: 60.0,
                ..ClusterOptions::default()
            }
        );
        assert_eq!(ClusterOptions::default().tile_buffer(4096), 320);
    }

    /// Points scattered over a few kilometres around Angers, from a seeded generator.
    pub(super) fn around_angers(count: usize) -> Vec<(f64, f64)> {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..count)
            .map(|_| (-0.6 + 0.15 * next(), 47.42 + 0.1 * next()))
            .collect()
    }

    #[test]
    fn a_change_far_away_leaves_every_item_and_tile_near_angers_as_it_was() {
        // One point in Siberia, then in Patagonia (from the east end of every sort to the
        // west: every level's layout shifts), and one more point in the Pacific.
        let mut points = around_angers(400);
        points.push((100.0, 60.0));
        let before = build(&points);
        *points.last_mut().unwrap() = (-70.0, -45.0);
        points.push((-150.0, -20.0));
        let after = build(&points);
        let near_angers = [-1.0, 47.0, 0.0, 48.0];
        for z in 2..=18 {
            let by_id = |index: &ClusterIndex| {
                let mut items = index.clusters(near_angers, z);
                items.sort_by_key(item_id);
                items
            };
            let (was, now) = (by_id(&before), by_id(&after));
            assert!(!was.is_empty());
            // Ids, counts and centres, to the bit.
            assert_eq!(was, now, "zoom {z}");
            let tile = crate::mercator::tile_for(-0.55, 47.47, z).unwrap();
            assert_eq!(before.tile(tile, 4096, 64), after.tile(tile, 4096, 64));
            for item in now {
                if let ClusterItem::Cluster { id, .. } = item {
                    assert_eq!(before.children(id), after.children(id));
                    assert_eq!(before.leaves(id, 10, 3), after.leaves(id, 10, 3));
                }
            }
        }
    }

    #[test]
    fn close_points_cluster_and_split() {
        // Two points 10 m apart in Paris, one in Lyon.
        let points = [(2.3522, 48.8566), (2.3523, 48.8566), (4.8357, 45.7640)];
        let index = build(&points);
        let world = index.clusters(EVERYWHERE, 0);
        assert_eq!(world.len(), 1);
        let ClusterItem::Cluster { id, count, .. } = world[0] else {
            panic!("{world:?}")
        };
        assert_eq!(count, 3);
        assert_eq!(index.children(id).unwrap().len(), 2);
        let mut leaves = index.leaves(id, usize::MAX, 0).unwrap();
        leaves.sort_unstable();
        assert_eq!(leaves, [0, 1, 2]);

        let at_16 = index.clusters(EVERYWHERE, 16);
        assert_eq!(at_16.len(), 2);
        let [paris] = cluster_ids(&at_16)[..] else {
            panic!("{at_16:?}")
        };
        assert_eq!(index.expansion_zoom(paris).unwrap(), 17);
        let at_17 = index.clusters(EVERYWHERE, 17);
        assert!(at_17.iter().all(|i| matches!(i, ClusterItem::Point { .. })));
        assert_eq!(at_17.len(), 3);
    }

    #[test]
    fn deeper_than_max_zoom_shows_single_points() {
        let points: Vec<(f64, f64)> = (0..50).map(|i| (2.0 + f64::from(i) * 1e-6, 48.0)).collect();
        let index = build(&points);
        assert_eq!(index.clusters(EVERYWHERE, 16).len(), 1);
        for zoom in [17, 22, 30, u8::MAX] {
            let items = index.clusters(EVERYWHERE, zoom);
            assert_eq!(items.len(), 50);
            assert!(items.iter().all(|i| matches!(i, ClusterItem::Point { .. })));
        }
    }

    #[test]
    fn a_carried_cluster_keeps_its_id_and_children() {
        // A tight pair far from everything: formed at max_zoom, the same cluster up to zoom 0.
        let index = build(&[(10.0, 10.0), (10.000_001, 10.0), (-100.0, -40.0)]);
        let at_16 = cluster_ids(&index.clusters(EVERYWHERE, 16));
        let at_3 = cluster_ids(&index.clusters(EVERYWHERE, 3));
        assert_eq!(at_16, at_3);
        assert_eq!(index.expansion_zoom(at_3[0]).unwrap(), 17);
        assert_eq!(index.children(at_3[0]).unwrap().len(), 2);
    }

    #[test]
    fn unknown_cluster_ids_are_errors() {
        let index = build(&[(2.0, 48.0), (2.000_001, 48.0), (3.0, 45.0)]);
        let real = cluster_ids(&index.clusters(EVERYWHERE, 5))[0];
        for id in [0, 2, 3, real + 1, real - 1, real + 32, u64::MAX, 3 + 31] {
            assert_eq!(index.children(id), Err(ClusterError::UnknownCluster(id)));
            assert_eq!(
                index.leaves(id, 10, 0),
                Err(ClusterError::UnknownCluster(id))
            );
            assert_eq!(
                index.expansion_zoom(id),
                Err(ClusterError::UnknownCluster(id))
            );
        }
        let empty = build(&[]);
        assert!(empty.clusters(EVERYWHERE, 3).is_empty());
        assert!(empty.children(0).is_err());
    }

    #[test]
    fn non_finite_points_are_left_out() {
        let index = build(&[(f64::NAN, 0.0), (1.0, 1.0), (2.0, f64::INFINITY)]);
        assert_eq!(index.input_len(), 3);
        assert_eq!(
            index.clusters(EVERYWHERE, 20),
            [ClusterItem::Point { index: 1 }]
        );
    }

    #[test]
    fn bboxes_cross_the_antimeridian() {
        let index = build(&[(179.5, 0.0), (-179.5, 0.0), (0.0, 0.0), (180.0, 10.0)]);
        let indices = |bbox: [f64; 4]| {
            let mut found = expand(&index, &index.clusters(bbox, 10));
            found.sort_unstable();
            found
        };
        assert_eq!(indices([179.0, -1.0, -179.0, 1.0]), [0, 1]);
        assert_eq!(indices([179.0 - 360.0, -1.0, 181.0, 1.0]), [0, 1, 2]);
        assert_eq!(indices([-180.0, -1.0, 180.0, 11.0]), [0, 1, 2, 3]);
        assert_eq!(indices([170.0, 5.0, 180.0, 15.0]), [3]);
        assert_eq!(indices([-190.0, -1.0, -170.0, 1.0]), [0, 1]);
        assert!(indices([f64::NAN, -1.0, 10.0, 1.0]).is_empty());
    }

    #[test]
    fn tiles_wrap_across_the_antimeridian() {
        let index = build(&[(179.9, 0.0), (-179.9, 0.0)]);
        let west = TileCoord::new(1, 0, 0).unwrap();
        let items = index.tile(west, 4096, 256);
        // The eastern point shows just west of the western tile's edge.
        let east_point = items
            .iter()
            .find(|i| i.item == ClusterItem::Point { index: 0 })
            .unwrap();
        assert!(east_point.x < 0 && east_point.x > -256, "{east_point:?}");
        assert_eq!(east_point.y, 4096);
        let east = TileCoord::new(1, 1, 0).unwrap();
        let items = index.tile(east, 4096, 256);
        let west_point = items
            .iter()
            .find(|i| i.item == ClusterItem::Point { index: 1 })
            .unwrap();
        assert!(
            west_point.x > 4096 && west_point.x < 4096 + 256,
            "{west_point:?}"
        );
    }

    /// Points around a few centres, so that every zoom has clusters, and some invalid ones.
    fn clustered_points() -> impl Strategy<Value = Vec<(f64, f64)>> {
        let centre = (-179.0..179.0f64, -80.0..80.0f64);
        let spread = prop_oneof![Just(1e-5), Just(1e-3), Just(0.1), Just(5.0)];
        let point = (centre, spread, -1.0..1.0f64, -1.0..1.0f64)
            .prop_map(|((lon, lat), spread, dx, dy)| (lon + dx * spread, lat + dy * spread));
        let points = prop::collection::vec(prop::collection::vec(point, 1..40), 1..6)
            .prop_map(|groups| groups.concat());
        (points, prop::option::of(0usize..200)).prop_map(|(mut points, nan)| {
            if let Some(i) = nan {
                let i = i % points.len();
                points[i].0 = f64::NAN;
            }
            points
        })
    }

    fn options() -> impl Strategy<Value = ClusterOptions> {
        (1.0..100.0f64, 2u32..6, 0u8..8, 0u8..12).prop_map(
            |(radius, min_points, min_zoom, zooms)| ClusterOptions {
                radius,
                min_points,
                min_zoom,
                max_zoom: min_zoom + zooms,
                ..ClusterOptions::default()
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn each_group_clusters_as_its_points_alone_and_no_cluster_mixes_groups(
            points in clustered_points(),
            picks in prop::collection::vec(0u32..3, 240),
            options in options(),
        ) {
            let groups: Vec<u32> = (0..points.len()).map(|i| picks[i % picks.len()]).collect();
            let grouped = ClusterIndex::build_grouped(&points, Some(&groups), options).unwrap();
            for group in 0..3 {
                // The group's points alone, in order, and their indices in `points`.
                let members: Vec<u32> = (0..points.len() as u32)
                    .filter(|&i| groups[i as usize] == group)
                    .collect();
                let alone_points: Vec<(f64, f64)> =
                    members.iter().map(|&i| points[i as usize]).collect();
                let alone = ClusterIndex::build(&alone_points, options).unwrap();
                for zoom in options.min_zoom..=options.max_zoom + 1 {
                    // Each item as its sorted leaves (indices in `points`) and its centre.
                    let described = |index: &ClusterIndex, item: &ClusterItem, to_points: &dyn Fn(u32) -> u32| {
                        let (mut leaves, centre) = match *item {
                            ClusterItem::Point { index: p } => (vec![to_points(p)], None),
                            ClusterItem::Cluster { id, lon, lat, .. } => (
                                index.leaves(id, usize::MAX, 0).unwrap().into_iter().map(to_points).collect(),
                                Some(((lon * 1e6).round() as i64, (lat * 1e6).round() as i64)),
                            ),
                        };
                        leaves.sort_unstable();
                        (leaves, centre)
                    };
                    let mut in_grouped: Vec<_> = grouped
                        .clusters(crate::LngLatBbox::WORLD, zoom)
                        .iter()
                        .map(|item| described(&grouped, item, &|p| p))
                        .filter(|(leaves, _)| {
                            let first = groups[leaves[0] as usize];
                            assert!(leaves.iter().all(|&l| groups[l as usize] == first), "a cluster mixes groups");
                            first == group
                        })
                        .collect();
                    let mut in_alone: Vec<_> = alone
                        .clusters(crate::LngLatBbox::WORLD, zoom)
                        .iter()
                        .map(|item| described(&alone, item, &|p| members[p as usize]))
                        .collect();
                    in_grouped.sort();
                    in_alone.sort();
                    prop_assert_eq!(in_grouped, in_alone, "group {} at zoom {}", group, zoom);
                }
            }
        }

        #[test]
        fn every_point_is_in_exactly_one_item_at_every_zoom(
            points in clustered_points(),
            options in options(),
        ) {
            let index = ClusterIndex::build(&points, options).unwrap();
            let expected: Vec<u32> = (0..points.len() as u32)
                .filter(|&i| points[i as usize].0.is_finite())
                .collect();
            for zoom in options.min_zoom.saturating_sub(1)..=options.max_zoom + 2 {
                let items = index.clusters(EVERYWHERE, zoom);
                let mut found = expand(&index, &items);
                found.sort_unstable();
                prop_assert_eq!(&found, &expected, "zoom {}", zoom);
                let total: u32 = items.iter().map(ClusterItem::count).sum();
                prop_assert_eq!(total as usize, expected.len());
            }
        }

        #[test]
        fn clusters_are_consistent_with_their_children_and_leaves(
            points in clustered_points(),
            options in options(),
        ) {
            let index = ClusterIndex::build(&points, options).unwrap();
            for zoom in options.min_zoom..=options.max_zoom {
                for item in index.clusters(EVERYWHERE, zoom) {
                    let ClusterItem::Cluster { id, count, expansion_zoom, .. } = item else { continue };
                    prop_assert_eq!(expansion_zoom, index.expansion_zoom(id).unwrap());
                    prop_assert!(count >= options.min_points);
                    let leaves = index.leaves(id, usize::MAX, 0).unwrap();
                    prop_assert_eq!(leaves.len(), count as usize);
                    let children = index.children(id).unwrap();
                    prop_assert!(children.len() >= 2);
                    let children_count: u32 = children.iter().map(ClusterItem::count).sum();
                    prop_assert_eq!(children_count, count);
                    let expansion = index.expansion_zoom(id).unwrap();
                    prop_assert!(expansion > zoom && expansion <= options.max_zoom + 1);
                    // Pages of leaves are slices of all of them.
                    for (limit, offset) in [(1, 0), (3, 1), (10, count as usize - 1), (5, count as usize)] {
                        let page = index.leaves(id, limit, offset).unwrap();
                        let end = (offset + limit).min(leaves.len());
                        prop_assert_eq!(&page[..], &leaves[offset.min(end)..end]);
                    }
                }
            }
        }

        #[test]
        fn tiles_hold_the_items_of_their_zoom(
            points in clustered_points(),
            zoom in 0u8..4,
        ) {
            let index = build(&points);
            let expected: BTreeSet<String> = index
                .clusters(EVERYWHERE, zoom)
                .iter()
                .map(|item| format!("{item:?}"))
                .collect();
            let mut found = BTreeSet::new();
            for x in 0..1u32 << zoom {
                for y in 0..1u32 << zoom {
                    let tile = TileCoord::new(zoom, x, y).unwrap();
                    for TileItem { item, x, y } in index.tile(tile, 4096, 0) {
                        prop_assert!((0..=4096).contains(&x) && (0..=4096).contains(&y));
                        found.insert(format!("{item:?}"));
                    }
                }
            }
            prop_assert_eq!(found, expected);
        }

        #[test]
        fn the_tiles_reaching_a_point_hold_every_tile_that_shows_it(
            points in clustered_points(),
            zoom in 17u8..23,
        ) {
            let index = build(&points);
            let (extent, buffer) = (4096, ClusterOptions::default().tile_buffer(4096));
            let margin = f64::from(buffer) / f64::from(extent);
            let side = 1i64 << zoom;
            for (i, &(lon, lat)) in points.iter().enumerate() {
                let Ok(home) = crate::mercator::tile_for(lon, lat, zoom) else { continue };
                let reaching = crate::mercator::tiles_reaching(lon, lat, zoom, margin);
                for dx in -2i64..=2 {
                    for dy in -2i64..=2 {
                        let x = (i64::from(home.x()) + dx).rem_euclid(side) as u32;
                        let Ok(y) = u32::try_from(i64::from(home.y()) + dy) else { continue };
                        let Ok(tile) = TileCoord::new(zoom, x, y) else { continue };
                        let shows = index.tile(tile, extent, buffer).iter().any(|item| {
                            item.item == ClusterItem::Point { index: i as u32 }
                        });
                        prop_assert!(!shows || reaching.contains(&tile), "{:?} {:?}", (lon, lat), tile);
                    }
                }
            }
        }

        #[test]
        fn any_id_is_a_cluster_or_an_error(id in any::<u64>(), points in clustered_points()) {
            let index = build(&points);
            match index.children(id) {
                Ok(children) => prop_assert!(children.len() >= 2),
                Err(error) => prop_assert_eq!(error, ClusterError::UnknownCluster(id)),
            }
            prop_assert_eq!(index.expansion_zoom(id).is_ok(), index.leaves(id, 1, 0).is_ok());
        }
    }
}
