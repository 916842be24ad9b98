//! The places of an index by ordinal, in chunks that the indexes a batch makes share.
//!
//! A batch of changes ([`super::amend`]) changes a few places of a million. Held as one
//! vector of pointers, the places cost each batch a million reference counts taken, one cache
//! miss each (each count lives in its place's record), a fresh 8 MB vector, and as many counts
//! given back when the old index is retired: a fifth of a batch's CPU at a million places. In
//! chunks of [`CHUNK`] behind `Arc`, a batch shares every chunk it does not write and copies
//! the few it does, and two indexes a batch apart tell the places they share by chunk.
//!
//! A reader by ordinal reads one more pointer (the chunk's); readers of every place go chunk by
//! chunk ([`Places::iter`]).

use std::ops::Index;
use std::sync::Arc;

use crate::place::Place;

/// Places a chunk holds (every chunk but the last is full): 32 KiB of pointers. The crate's
/// tests cut chunks of 32, so that their few hundred places span several.
pub const CHUNK: usize = 1 << CHUNK_BITS;
const CHUNK_BITS: u32 = if cfg!(test) { 5 } else { 12 };

/// A chunk of places, shared by the indexes that hold it.
type Chunk = Arc<[Arc<Place>]>;

/// The places in ordinal order, chunk by chunk.
pub type Iter<'a> =
    std::iter::FlatMap<std::slice::Iter<'a, Chunk>, &'a [Arc<Place>], fn(&Chunk) -> &[Arc<Place>]>;

/// The places of an index, by ordinal.
#[derive(Clone, Debug, Default)]
pub struct Places {
    chunks: Vec<Chunk>,
    len: usize,
}

impl Places {
    /// How many places.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no place.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The place `ordinal`, if there is one.
    #[must_use]
    pub fn get(&self, ordinal: usize) -> Option<&Arc<Place>> {
        self.chunks
            .get(ordinal >> CHUNK_BITS)
            .and_then(|chunk| chunk.get(ordinal & (CHUNK - 1)))
    }

    /// The first place.
    #[must_use]
    pub fn first(&self) -> Option<&Arc<Place>> {
        self.get(0)
    }

    /// The last place.
    #[must_use]
    pub fn last(&self) -> Option<&Arc<Place>> {
        self.len
            .checked_sub(1)
            .and_then(|ordinal| self.get(ordinal))
    }

    /// The places in ordinal order.
    pub fn iter(&self) -> Iter<'_> {
        let slice: fn(&Chunk) -> &[Arc<Place>] = |chunk| chunk;
        self.chunks.iter().flat_map(slice)
    }

    /// The places themselves, in ordinal order: moved out where no other index shares them,
    /// copied where one does.
    pub fn into_places(self) -> impl Iterator<Item = Place> {
        self.chunks.into_iter().flat_map(|chunk| {
            let places = chunk.to_vec();
            drop(chunk);
            places.into_iter().map(Arc::unwrap_or_clone)
        })
    }

    /// The chunks, in order: [`CHUNK`] places each but the last.
    #[must_use]
    pub fn chunks(&self) -> &[Chunk] {
        &self.chunks
    }

    /// These places with `changed` at their ordinals, and `len` places in all: every chunk
    /// that no change writes and whose length stays is shared. `changed` is sorted by ordinal;
    /// every ordinal from this index's length to `len` must be in it.
    ///
    /// # Panics
    /// When an ordinal past this index's places is in neither `changed` nor beyond `len`.
    #[must_use]
    pub fn amended(&self, len: usize, changed: &[(u32, Arc<Place>)]) -> Self {
        debug_assert!(changed.windows(2).all(|pair| pair[0].0 < pair[1].0));
        let mut chunks = Vec::with_capacity(len.div_ceil(CHUNK));
        let mut changes = changed.iter().peekable();
        for (number, start) in (0..len).step_by(CHUNK).enumerate() {
            let end = (start + CHUNK).min(len);
            let old = self.chunks.get(number);
            let written = changes.peek().is_some_and(|(at, _)| (*at as usize) < end);
            if let Some(old) = old.filter(|old| !written && old.len() == end - start) {
                chunks.push(Arc::clone(old));
                continue;
            }
            let mut chunk: Vec<Arc<Place>> = Vec::with_capacity(end - start);
            for ordinal in start..end {
                let place = match changes.next_if(|(at, _)| *at as usize == ordinal) {
                    Some((_, place)) => place,
                    None => &self[ordinal],
                };
                chunk.push(Arc::clone(place));
            }
            chunks.push(chunk.into());
        }
        Self { chunks, len }
    }
}

impl Index<usize> for Places {
    type Output = Arc<Place>;

    fn index(&self, ordinal: usize) -> &Arc<Place> {
        &self.chunks[ordinal >> CHUNK_BITS][ordinal & (CHUNK - 1)]
    }
}

impl FromIterator<Arc<Place>> for Places {
    fn from_iter<I: IntoIterator<Item = Arc<Place>>>(places: I) -> Self {
        let mut places = places.into_iter();
        let mut chunks = Vec::new();
        let mut len = 0;
        loop {
            let chunk: Vec<Arc<Place>> = places.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            len += chunk.len();
            chunks.push(chunk.into());
        }
        Self { chunks, len }
    }
}

impl From<Vec<Arc<Place>>> for Places {
    fn from(places: Vec<Arc<Place>>) -> Self {
        places.into_iter().collect()
    }
}

impl<'a> IntoIterator for &'a Places {
    type Item = &'a Arc<Place>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::generate::test_places;

    fn ids(places: &Places) -> Vec<&str> {
        places.iter().map(|place| place.id()).collect()
    }

    #[test]
    fn a_batch_shares_the_chunks_it_does_not_write() {
        let pool: Vec<Arc<Place>> = test_places(3 * CHUNK as u64 + 10, 3)
            .into_iter()
            .map(Arc::new)
            .collect();
        let places = Places::from(pool[..2 * CHUNK + 7].to_vec());
        assert_eq!(places.len(), 2 * CHUNK + 7);
        assert_eq!(places.chunks().len(), 3);
        // A new version of ordinal 5, the last place moved into ordinal CHUNK + 1 (a closure),
        // and two places added.
        let len = places.len() + 1;
        let changed = vec![
            (5, Arc::clone(&pool[3 * CHUNK])),
            (CHUNK as u32 + 1, Arc::clone(&places[places.len() - 1])),
            (len as u32 - 2, Arc::clone(&pool[3 * CHUNK + 1])),
            (len as u32 - 1, Arc::clone(&pool[3 * CHUNK + 2])),
        ];
        let amended = places.amended(len, &changed);
        let mut expected: Vec<&str> = ids(&places);
        expected[5] = pool[3 * CHUNK].id();
        expected[CHUNK + 1] = expected[places.len() - 1];
        expected[places.len() - 1] = pool[3 * CHUNK + 1].id();
        expected.push(pool[3 * CHUNK + 2].id());
        assert_eq!(ids(&amended), expected);
        assert_eq!(amended.len(), len);
        for (ordinal, id) in expected.iter().enumerate() {
            assert_eq!(amended.get(ordinal).map(|p| p.id()), Some(*id));
        }
        assert!(amended.get(len).is_none());
        // The first two chunks are written, the third (the one that grew) made again.
        let shared = |a: &Places, b: &Places| {
            (a.chunks().iter().zip(b.chunks()))
                .map(|(a, b)| Arc::ptr_eq(a, b))
                .collect::<Vec<_>>()
        };
        assert_eq!(shared(&places, &amended), [false, false, false]);
        // A batch writing one place of the middle chunk shares the other two.
        let one = amended.amended(len, &[(CHUNK as u32 + 9, Arc::clone(&pool[0]))]);
        assert_eq!(shared(&amended, &one), [true, false, true]);
        assert_eq!(one[CHUNK + 9].id(), pool[0].id());
        // Closing the last place shares every full chunk.
        let shorter = one.amended(len - 1, &[]);
        assert_eq!(shared(&one, &shorter), [true, true, false]);
        assert_eq!(ids(&shorter), ids(&one)[..len - 1]);
    }

    #[test]
    fn chunks_cut_at_their_size() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK] {
            let places: Places = test_places(len as u64, 1)
                .into_iter()
                .map(Arc::new)
                .collect();
            assert_eq!(places.len(), len);
            assert_eq!(places.is_empty(), len == 0);
            assert_eq!(
                places.last().map(|p| p.id()),
                places.iter().last().map(|p| p.id())
            );
            assert_eq!(places.chunks().len(), len.div_ceil(CHUNK));
            assert!(places
                .chunks()
                .iter()
                .rev()
                .skip(1)
                .all(|c| c.len() == CHUNK));
            assert_eq!(places.iter().count(), len);
            assert_eq!(places.iter().rev().count(), len);
        }
    }
}
