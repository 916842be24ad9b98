//! The input points' unit positions, by index, in chunks that an index and those updated from
//! it share: a change copies the chunks it touches, not a million positions.

use std::sync::Arc;

const CHUNK_BITS: u32 = 12;
const CHUNK: usize = 1 << CHUNK_BITS;

/// The unit position of every input point, by index; NaN for a point left out.
#[derive(Debug, Clone, Default)]
pub(super) struct PointColumn {
    len: usize,
    chunks: Vec<Arc<Vec<[f64; 2]>>>,
}

impl PointColumn {
    /// The column of these positions (`None` for a point left out).
    pub fn new(positions: &[Option<[f64; 2]>]) -> Self {
        let chunks = positions
            .chunks(CHUNK)
            .map(|chunk| Arc::new(chunk.iter().map(|p| p.unwrap_or([f64::NAN; 2])).collect()))
            .collect();
        Self {
            len: positions.len(),
            chunks,
        }
    }

    /// The position of point `index`; `None` for a point left out or past the end.
    pub fn get(&self, index: u32) -> Option<[f64; 2]> {
        let index = index as usize;
        if index >= self.len {
            return None;
        }
        let position = self.chunks[index >> CHUNK_BITS][index & (CHUNK - 1)];
        (!position[0].is_nan()).then_some(position)
    }

    /// This column `len` points long, with `changes` (`(index, position)`, every index below
    /// `len`) applied; the points it adds and does not change are left out.
    pub fn changed(&self, len: usize, changes: &[(u32, Option<[f64; 2]>)]) -> Self {
        let mut column = self.clone();
        column.chunks.truncate(len.div_ceil(CHUNK));
        for c in 0..len.div_ceil(CHUNK) {
            let in_chunk = (len - c * CHUNK).min(CHUNK);
            match column.chunks.get_mut(c) {
                None => column.chunks.push(Arc::new(vec![[f64::NAN; 2]; in_chunk])),
                Some(chunk) if chunk.len() != in_chunk => {
                    Arc::make_mut(chunk).resize(in_chunk, [f64::NAN; 2]);
                }
                Some(_) => {}
            }
        }
        column.len = len;
        for &(index, position) in changes {
            let index = index as usize;
            let chunk = Arc::make_mut(&mut column.chunks[index >> CHUNK_BITS]);
            chunk[index & (CHUNK - 1)] = position.unwrap_or([f64::NAN; 2]);
        }
        column
    }
}
