//! Facet counts of whole neighbourhoods, gathered once.
//!
//! "What is around this person?", with no filter, is the map's first question, and around a
//! city it covers a hundred thousand places: counting each one's services, audiences and fees
//! at every request would cost milliseconds. Places are stored in Z-order, so a run of
//! consecutive ordinals is a compact patch of the map. [`Blocks`] cuts the places into runs of
//! [`BLOCK`] and keeps, for each, its facet counts and a bounding sphere in the unit-vector
//! space of the R-tree (a centre, and the largest chord from it to a place of the block).
//!
//! Groups of [`GROUP`] blocks have spheres and counts of their own, so a query looks at a
//! sixteenth of the blocks' spheres before the blocks near the circle's edge, and adds the
//! counts of a group inside the circle at once.
//!
//! A radius query then takes the counts of every group or block whose sphere lies inside the
//! circle as they are, skips every one whose sphere lies outside, and looks at the places of
//! the blocks that straddle the boundary only. The tests are exact: by the triangle inequality,
//! a place of a block is at most the block's radius farther than the block's centre, and chords
//! order places as great-circle distances do.
//!
//! On the boundary, which blocks' places are inside is a 64-bit mask, and each block keeps its
//! counts bit-sliced too: for each counter its places hold, the mask of those places
//! ([`FacetColumns::masks`]). The counts of the places inside are then one `popcount` per
//! counter, where counting place by place took a quarter of a radius query.

use super::facets::FacetColumns;
use crate::geo::{cap_rect, chord_between};

/// Places per block.
pub const BLOCK: usize = 64;
/// Blocks per group: a circle far from a group (or around it) settles all its blocks at once.
pub const GROUP: usize = 16;

/// Facet counts and bounding spheres of consecutive runs of places.
#[derive(Debug, Default)]
pub struct Blocks {
    /// Per block, the centre of its bounding sphere.
    centres: Vec<[f64; 3]>,
    /// Per block, the radius of its bounding sphere (a chord length).
    radii: Vec<f64>,
    /// Per group of [`GROUP`] blocks, the centre and radius of a sphere around theirs.
    group_centres: Vec<[f64; 3]>,
    group_radii: Vec<f64>,
    /// Per block, then per group, the rectangle of longitudes and latitudes around its sphere
    /// ([`cap_rect`]): a polygon asks each one where it lies, and working it out takes four
    /// inverse trigonometric functions, which were a tenth of a polygon search.
    rects: Vec<Option<[f64; 4]>>,
    group_rects: Vec<Option<[f64; 4]>>,
    /// Per block, its facet counts, `counters` each, end to end.
    counts: Vec<u32>,
    /// Per group, its facet counts, `counters` each, end to end.
    group_counts: Vec<u32>,
    counters: usize,
    /// Per block, where its masks start in `mask_counters` and `mask_holders`; one more entry
    /// at the end.
    mask_starts: Vec<u32>,
    /// The counters held in each block, and the places of the block holding each.
    mask_counters: Vec<u16>,
    mask_holders: Vec<u64>,
    /// The number of places.
    places: usize,
    /// The counts of every place.
    all: Vec<u32>,
}

/// The groups and blocks a circle covers wholly, and the blocks it cuts.
#[derive(Debug, Default)]
pub struct Coverage {
    /// Groups wholly inside the circle.
    pub inside_groups: Vec<usize>,
    /// Blocks wholly inside the circle, outside those groups.
    pub inside: Vec<usize>,
    /// Blocks that straddle the circle's boundary.
    pub boundary: Vec<usize>,
}

/// A sphere around spheres (points are spheres of radius 0): centred on their mean, as wide as
/// the farthest reach of one of them from it. Not the smallest such sphere, but a tight one for
/// compact patches, and exact as a bound.
fn bounding_sphere<'a>(
    spheres: impl Iterator<Item = (&'a [f64; 3], f64)> + Clone,
) -> ([f64; 3], f64) {
    let (mut sum, mut n) = ([0.0; 3], 0.0);
    for (c, _) in spheres.clone() {
        sum = [sum[0] + c[0], sum[1] + c[1], sum[2] + c[2]];
        n += 1.0;
    }
    let centre = sum.map(|v| v / n);
    let radius = spheres
        .map(|(c, r)| chord_between(&centre, c) + r)
        .fold(0.0, f64::max);
    (centre, radius)
}

impl Blocks {
    /// The blocks of places whose unit vectors are `units`, with their facet rows.
    #[must_use]
    pub fn build(units: &[[f64; 3]], columns: &FacetColumns) -> Self {
        Self::assemble(units, columns, None, |_| None)
    }

    /// These blocks for places changed at the ordinals `changed` (in order; the other places
    /// the same, their number perhaps not): the blocks holding no changed place, and as many
    /// places as before, are copied, the others made again. `None` when `columns` counts
    /// other counters than these blocks (a new département): every block's counts change.
    #[must_use]
    pub fn patched(
        &self,
        units: &[[f64; 3]],
        columns: &FacetColumns,
        changed: &[u32],
    ) -> Option<Self> {
        if columns.counters() != self.counters {
            return None;
        }
        let mut dirty = vec![false; units.len().div_ceil(BLOCK)];
        for ordinal in changed {
            dirty[*ordinal as usize / BLOCK] = true;
        }
        let len_of = |places: usize, block: usize| places.saturating_sub(block * BLOCK).min(BLOCK);
        Some(Self::assemble(units, columns, Some(self), |block| {
            let same = !dirty[block]
                && block < self.centres.len()
                && len_of(units.len(), block) == self.len_of(block);
            same.then_some(self)
        }))
    }

    /// The blocks of `units`, each copied from the blocks `kept` gives for it or made; `like`
    /// are blocks of about as many places and masks, whose sizes these are made with (columns
    /// of a million places grown by doubling are each written, and given fresh pages, twice).
    fn assemble<'a>(
        units: &[[f64; 3]],
        columns: &FacetColumns,
        like: Option<&Blocks>,
        kept: impl Fn(usize) -> Option<&'a Blocks>,
    ) -> Self {
        let counters = columns.counters();
        let (count, groups) = (
            units.len().div_ceil(BLOCK),
            units.len().div_ceil(BLOCK * GROUP),
        );
        let masks = like.map_or(0, |like| like.mask_counters.len() + 2 * counters);
        let mut blocks = Self {
            counters,
            places: units.len(),
            centres: Vec::with_capacity(count),
            radii: Vec::with_capacity(count),
            rects: Vec::with_capacity(count),
            counts: Vec::with_capacity(count * counters),
            mask_starts: Vec::with_capacity(count + 1),
            mask_counters: Vec::with_capacity(masks),
            mask_holders: Vec::with_capacity(masks),
            group_centres: Vec::with_capacity(groups),
            group_radii: Vec::with_capacity(groups),
            group_rects: Vec::with_capacity(groups),
            group_counts: Vec::with_capacity(groups * counters),
            ..Self::default()
        };
        assert!(
            u16::try_from(counters).is_ok(),
            "{counters} facet counters do not fit the masks' u16"
        );
        let mut all = columns.counts();
        blocks.mask_starts.push(0);
        for (block, (start, chunk)) in (0u32..).step_by(BLOCK).zip(units.chunks(BLOCK)).enumerate()
        {
            if let Some(old) = kept(block) {
                blocks.centres.push(old.centres[block]);
                blocks.radii.push(old.radii[block]);
                blocks.rects.push(old.rects[block]);
                let (counters, holders) = old.masks(block);
                blocks.mask_counters.extend_from_slice(counters);
                blocks.mask_holders.extend_from_slice(holders);
                blocks
                    .mask_starts
                    .push(u32::try_from(blocks.mask_counters.len()).unwrap_or(u32::MAX));
                all.add_counts(old.counts(block));
                blocks.counts.extend_from_slice(old.counts(block));
                continue;
            }
            let (centre, radius) = bounding_sphere(chunk.iter().map(|u| (u, 0.0)));
            blocks.rects.push(cap_rect(&centre, radius));
            blocks.centres.push(centre);
            blocks.radii.push(radius);
            let ordinals = start..start + u32::try_from(chunk.len()).unwrap_or(0);
            for (counter, holders) in columns.masks(ordinals) {
                blocks.mask_counters.push(counter);
                blocks.mask_holders.push(holders);
            }
            blocks
                .mask_starts
                .push(u32::try_from(blocks.mask_counters.len()).unwrap_or(u32::MAX));
            // The block's counts are its masks' counts, all its places picked.
            let (counters, holders) = blocks.masks(block);
            let mut counts = columns.counts();
            counts.add_picked(counters, holders, u64::MAX);
            all.add_picked(counters, holders, u64::MAX);
            blocks.counts.extend(counts.to_u32());
        }
        for (group, (centres, radii)) in
            (blocks.centres.chunks(GROUP).zip(blocks.radii.chunks(GROUP))).enumerate()
        {
            let (centre, radius) = bounding_sphere(centres.iter().zip(radii.iter().copied()));
            blocks.group_rects.push(cap_rect(&centre, radius));
            blocks.group_centres.push(centre);
            blocks.group_radii.push(radius);
            let mut counts = columns.counts();
            for block in blocks.group_blocks(group) {
                counts.add_counts(blocks.counts(block));
            }
            blocks.group_counts.extend(counts.to_u32());
        }
        blocks.all = all.to_u32();
        blocks
    }

    /// The counts of every place.
    #[must_use]
    pub fn all(&self) -> &[u32] {
        &self.all
    }

    /// The groups and blocks wholly within `chord` of the unit vector `centre` (no block of
    /// such a group listed again), and the blocks that straddle that distance.
    #[must_use]
    pub fn cover(&self, centre: &[f64; 3], chord: f64) -> Coverage {
        // A margin far above floating-point noise and far below any distance that matters.
        let (inner, outer) = (chord * (1.0 - 1e-9), chord * (1.0 + 1e-9));
        let mut coverage = Coverage::default();
        let groups = self.group_centres.iter().zip(&self.group_radii);
        for (group, (c, r)) in groups.enumerate() {
            let d = chord_between(centre, c);
            if d + r < inner {
                coverage.inside_groups.push(group);
                continue;
            }
            if d - r > outer {
                continue;
            }
            for block in self.group_blocks(group) {
                let d = chord_between(centre, &self.centres[block]);
                let r = self.radii[block];
                if d + r < inner {
                    coverage.inside.push(block);
                } else if d - r <= outer {
                    coverage.boundary.push(block);
                }
            }
        }
        coverage
    }

    /// The runs of places wholly inside the circle of `coverage`, each with its facet counts:
    /// its groups, then its blocks.
    pub fn whole<'a>(
        &'a self,
        coverage: &'a Coverage,
    ) -> impl Iterator<Item = (std::ops::Range<u32>, &'a [u32])> + 'a {
        let groups = coverage
            .inside_groups
            .iter()
            .map(|&group| (self.group_ordinals(group), self.group_counts(group)));
        let blocks = coverage
            .inside
            .iter()
            .map(|&block| (self.ordinals(block), self.counts(block)));
        groups.chain(blocks)
    }

    /// The number of groups.
    #[must_use]
    pub fn groups(&self) -> usize {
        self.group_centres.len()
    }

    /// The rectangle `[west, south, east, north]` around the bounding sphere of the places of
    /// `group` ([`cap_rect`]); `None` where none holds it (a pole, the antimeridian, or a centre
    /// too near the Earth's to say).
    #[must_use]
    pub fn group_rect(&self, group: usize) -> Option<[f64; 4]> {
        self.group_rects[group]
    }

    /// The rectangle around the bounding sphere of the places of `block`, as
    /// [`Blocks::group_rect`].
    #[must_use]
    pub fn block_rect(&self, block: usize) -> Option<[f64; 4]> {
        self.rects[block]
    }

    /// The blocks of `group`.
    #[must_use]
    pub fn group_blocks(&self, group: usize) -> std::ops::Range<usize> {
        group * GROUP..((group + 1) * GROUP).min(self.centres.len())
    }

    /// The ordinals of the places of the blocks of `group`.
    #[must_use]
    pub fn group_ordinals(&self, group: usize) -> std::ops::Range<u32> {
        let blocks = self.group_blocks(group);
        self.ordinals(blocks.start).start..self.ordinals(blocks.end - 1).end
    }

    /// The facet counts of the places of the blocks of `group`.
    #[must_use]
    pub fn group_counts(&self, group: usize) -> &[u32] {
        &self.group_counts[group * self.counters..(group + 1) * self.counters]
    }

    /// The bit-sliced counts of `block`: the counters its places hold, and for each the mask
    /// of its places that hold it (bit `i` for the `i`th place of the block).
    #[must_use]
    pub fn masks(&self, block: usize) -> (&[u16], &[u64]) {
        let range = self.mask_starts[block] as usize..self.mask_starts[block + 1] as usize;
        (
            &self.mask_counters[range.clone()],
            &self.mask_holders[range],
        )
    }

    /// The ordinals of the places of `block`.
    #[must_use]
    pub fn ordinals(&self, block: usize) -> std::ops::Range<u32> {
        let start = u32::try_from(block * BLOCK).unwrap_or(u32::MAX);
        start..start + u32::try_from(self.len_of(block)).unwrap_or(0)
    }

    /// The facet counts of the places of `block`.
    #[must_use]
    pub fn counts(&self, block: usize) -> &[u32] {
        &self.counts[block * self.counters..(block + 1) * self.counters]
    }

    /// The number of places of `block` (the last one may be short).
    fn len_of(&self, block: usize) -> usize {
        (self.places - block * BLOCK).min(BLOCK)
    }
}
