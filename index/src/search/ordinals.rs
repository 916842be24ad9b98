//! A set of place ordinals as one bit per place: what a polygon gathers, whole runs of
//! ordinals at once (the blocks wholly inside it) and single places along its boundary, and
//! then hands over in order. Sorting a hundred thousand ordinals cost more than reading one bit
//! per place of the index.

use std::ops::Range;

/// Ordinals below a bound, as bits.
pub struct OrdinalSet {
    words: Vec<u64>,
    len: u32,
    count: usize,
}

impl OrdinalSet {
    /// An empty set of ordinals below `len`.
    pub fn new(len: usize) -> Self {
        Self {
            words: vec![0; len.div_ceil(64)],
            len: u32::try_from(len).unwrap_or(u32::MAX),
            count: 0,
        }
    }

    /// Adds `ordinal` (below the bound, as each of a range's ordinals).
    pub fn insert(&mut self, ordinal: u32) {
        let (word, bit) = (ordinal as usize / 64, ordinal % 64);
        if ordinal < self.len && self.words[word] & (1 << bit) == 0 {
            self.words[word] |= 1 << bit;
            self.count += 1;
        }
    }

    /// Adds every ordinal of `range` that is below the bound: a word at a time.
    pub fn insert_range(&mut self, range: Range<u32>) {
        let (mut start, end) = (range.start, range.end.min(self.len));
        while start < end {
            let (word, bit) = (start as usize / 64, start % 64);
            let span = (64 - bit).min(end - start);
            let mask = if span == 64 {
                u64::MAX
            } else {
                ((1u64 << span) - 1) << bit
            };
            self.count += (mask & !self.words[word]).count_ones() as usize;
            self.words[word] |= mask;
            start += span;
        }
    }

    /// The ordinals, ascending.
    pub fn ordinals(&self) -> Vec<u32> {
        let mut ordinals = Vec::with_capacity(self.count);
        for (word, &bits) in (0u32..).zip(&self.words) {
            let mut bits = bits;
            while bits != 0 {
                ordinals.push(word * 64 + bits.trailing_zeros());
                bits &= bits - 1;
            }
        }
        ordinals
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    proptest::proptest! {
        /// The set holds what a `BTreeSet` given the same ordinals and ranges holds.
        #[test]
        fn ranges_and_ordinals_make_the_set_a_btreeset_makes(
            len in 0usize..500,
            ops in proptest::collection::vec((0u32..520, 0u32..200, proptest::bool::ANY), 0..30),
        ) {
            let mut set = OrdinalSet::new(len);
            let mut oracle = BTreeSet::new();
            let bound = u32::try_from(len).unwrap();
            for (start, span, whole) in ops {
                if whole {
                    set.insert_range(start..start + span);
                    oracle.extend((start..start + span).filter(|&o| o < bound));
                } else if start < bound {
                    set.insert(start);
                    oracle.insert(start);
                }
            }
            let expected: Vec<u32> = oracle.into_iter().collect();
            proptest::prop_assert_eq!(set.count, expected.len());
            proptest::prop_assert_eq!(set.ordinals(), expected);
        }
    }
}
