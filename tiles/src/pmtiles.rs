//! PMTiles version 3 archives: a whole tile set in one file that a map reads by byte ranges.
//!
//! Written from the PMTiles v3 specification. An archive is, in order: a 127-byte header, the
//! root directory, the JSON metadata, the leaf directories and the tile data. A directory lists
//! entries (tile id, offset, length, run length) sorted by tile id, where a tile id numbers the
//! tiles of every zoom along Hilbert curves, zoom after zoom ([`tile_id`]). It is written as
//! varints in columns (the ids as deltas, then the run lengths, the lengths and the offsets, an
//! offset that follows the previous tile's bytes written as 0) and compressed with gzip.
//!
//! This module is pure: [`TileData`] takes the tiles in the order of their ids and says which
//! bytes the caller appends to the tile data (a tile whose bytes are already there points at
//! them; consecutive tiles holding the same bytes become one entry with a run length), and
//! [`finish`] makes what precedes the tile data: the header, the root directory (with leaf
//! directories when the root would not fit in the first 16 KiB, which readers fetch at once),
//! the metadata and the leaves. The caller writes that, then the tile data, and has an archive
//! whose tiles are in id order ("clustered").

use std::collections::HashMap;
use std::hash::{Hash as _, Hasher as _};
use std::io::Write as _;

use crate::mercator::{TileCoord, MAX_ZOOM};

/// The size of the header.
pub const HEADER_BYTES: usize = 127;

/// The header and the root directory fit in these first bytes of an archive, which readers
/// fetch in one request.
pub const ROOT_LIMIT: usize = 16_384;

/// The entries of a leaf directory, at first: doubled until the root that points at the
/// leaves fits.
const FIRST_LEAF_ENTRIES: usize = 4096;

/// What went wrong making an archive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PmtilesError {
    /// Tiles must be added in increasing tile id order.
    #[error("tile {id} added after tile {last}: tiles go in increasing tile id order")]
    OutOfOrder {
        /// The tile added.
        id: u64,
        /// The last tile id already covered.
        last: u64,
    },
    /// An empty tile is not stored: it is absent.
    #[error("tile {id} is empty: leave it out")]
    EmptyTile {
        /// The tile.
        id: u64,
    },
    /// A tile's bytes are longer than an entry can say.
    #[error("tile {id} holds {length} bytes, more than 4 GiB")]
    TooLong {
        /// The tile.
        id: u64,
        /// Its length.
        length: usize,
    },
    /// An archive holds at least one tile.
    #[error("the archive holds no tile")]
    NoTile,
    /// Not a tile id of a zoom this crate knows.
    #[error("{0} is no tile id up to zoom {MAX_ZOOM}")]
    BadTileId(u64),
    /// A directory that does not decode.
    #[error("directory: {0}")]
    BadDirectory(&'static str),
}

/// The tile id of `tile`: the tiles of the zooms above it, then its place along the zoom's
/// Hilbert curve.
#[must_use]
pub fn tile_id(tile: TileCoord) -> u64 {
    let z = u32::from(tile.z());
    // 1 + 4 + … + 4^(z-1) tiles at the zooms above.
    let base = ((1u64 << (2 * z)) - 1) / 3;
    let (mut x, mut y) = (u64::from(tile.x()), u64::from(tile.y()));
    let mut d = 0u64;
    let mut s = if z == 0 { 0 } else { 1u64 << (z - 1) };
    while s > 0 {
        let rx = u64::from(x & s != 0);
        let ry = u64::from(y & s != 0);
        d += s * s * ((3 * rx) ^ ry);
        // Rotate the quadrant so that the curve inside it starts and ends where it must.
        if ry == 0 {
            if rx == 1 {
                x = s - 1 - (x & (s - 1));
                y = s - 1 - (y & (s - 1));
            }
            std::mem::swap(&mut x, &mut y);
        }
        s >>= 1;
    }
    base + d
}

/// The tile of a tile id.
///
/// # Errors
/// When `id` is past the last tile of [`MAX_ZOOM`].
pub fn tile_of_id(id: u64) -> Result<TileCoord, PmtilesError> {
    let mut z = 0u8;
    let mut base = 0u64;
    loop {
        if z > MAX_ZOOM {
            return Err(PmtilesError::BadTileId(id));
        }
        let count = 1u64 << (2 * u32::from(z));
        if id < base + count {
            break;
        }
        base += count;
        z += 1;
    }
    let mut d = id - base;
    let (mut x, mut y) = (0u64, 0u64);
    let side = 1u64 << z;
    let mut s = 1u64;
    while s < side {
        let rx = 1 & (d / 2);
        let ry = 1 & (d ^ rx);
        if ry == 0 {
            if rx == 1 {
                x = s - 1 - x;
                y = s - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        x += s * rx;
        y += s * ry;
        d /= 4;
        s <<= 1;
    }
    let (x, y) = (
        u32::try_from(x).map_err(|_| PmtilesError::BadTileId(id))?,
        u32::try_from(y).map_err(|_| PmtilesError::BadTileId(id))?,
    );
    TileCoord::new(z, x, y).map_err(|_| PmtilesError::BadTileId(id))
}

/// One entry of a directory: `run_length` tiles from `tile_id` on, all holding the `length`
/// bytes at `offset` of the tile data; or, with a run length of 0, a leaf directory (`offset`
/// and `length` in the leaf directories) whose first tile id is `tile_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The first tile.
    pub tile_id: u64,
    /// Where the bytes start.
    pub offset: u64,
    /// How many bytes.
    pub length: u32,
    /// How many consecutive tiles hold them; 0 for a leaf directory.
    pub run_length: u32,
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn get_varint(bytes: &[u8], at: &mut usize) -> Result<u64, PmtilesError> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes
            .get(*at)
            .ok_or(PmtilesError::BadDirectory("truncated"))?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Ok(value);
        }
    }
    Err(PmtilesError::BadDirectory("a varint longer than 10 bytes"))
}

/// A directory's entries as the specification serializes them, before compression.
#[must_use]
pub fn serialize_directory(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * 6 + 10);
    put_varint(&mut out, entries.len() as u64);
    let mut last = 0u64;
    for entry in entries {
        put_varint(&mut out, entry.tile_id - last);
        last = entry.tile_id;
    }
    for entry in entries {
        put_varint(&mut out, entry.run_length.into());
    }
    for entry in entries {
        put_varint(&mut out, entry.length.into());
    }
    for (i, entry) in entries.iter().enumerate() {
        let follows = i > 0 && {
            let previous = entries[i - 1];
            entry.offset == previous.offset + u64::from(previous.length)
        };
        put_varint(&mut out, if follows { 0 } else { entry.offset + 1 });
    }
    out
}

/// The entries of a serialized directory (uncompressed).
///
/// # Errors
/// When the bytes are not a directory.
pub fn deserialize_directory(bytes: &[u8]) -> Result<Vec<Entry>, PmtilesError> {
    let mut at = 0;
    let count = usize::try_from(get_varint(bytes, &mut at)?)
        .map_err(|_| PmtilesError::BadDirectory("too many entries"))?;
    if count > bytes.len() {
        return Err(PmtilesError::BadDirectory("more entries than bytes"));
    }
    let mut entries = vec![
        Entry {
            tile_id: 0,
            offset: 0,
            length: 0,
            run_length: 0,
        };
        count
    ];
    let mut id = 0u64;
    for entry in &mut entries {
        id = id
            .checked_add(get_varint(bytes, &mut at)?)
            .ok_or(PmtilesError::BadDirectory("tile id overflow"))?;
        entry.tile_id = id;
    }
    let small = |value: u64| {
        u32::try_from(value).map_err(|_| PmtilesError::BadDirectory("a value over 32 bits"))
    };
    for entry in &mut entries {
        entry.run_length = small(get_varint(bytes, &mut at)?)?;
    }
    for entry in &mut entries {
        entry.length = small(get_varint(bytes, &mut at)?)?;
    }
    for i in 0..count {
        let value = get_varint(bytes, &mut at)?;
        entries[i].offset = if value == 0 && i > 0 {
            entries[i - 1].offset + u64::from(entries[i - 1].length)
        } else {
            value
                .checked_sub(1)
                .ok_or(PmtilesError::BadDirectory("first offset 0"))?
        };
    }
    if at != bytes.len() {
        return Err(PmtilesError::BadDirectory("bytes after the entries"));
    }
    Ok(entries)
}

/// Compresses `bytes` with gzip, as the archive's directories and metadata are.
#[must_use]
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 2 + 64),
        flate2::Compression::default(),
    );
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// A digest of a tile's bytes, to find tiles already in the tile data: two SipHash values of
/// different keys and the length, 136 bits.
fn digest(bytes: &[u8]) -> (u64, u64, usize) {
    let hash = |seed: u8| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        seed.hash(&mut hasher);
        bytes.hash(&mut hasher);
        hasher.finish()
    };
    (hash(1), hash(2), bytes.len())
}

/// The tile data of an archive being made: its entries, and where each distinct content is.
#[derive(Debug, Default)]
pub struct TileData {
    entries: Vec<Entry>,
    /// Where each content is in the tile data, by digest.
    contents: HashMap<(u64, u64, usize), u64>,
    length: u64,
    addressed: u64,
}

impl TileData {
    /// No tile yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the tile `id`, holding `bytes` as stored (compressed as the header will say).
    /// Tiles come in increasing id order; empty tiles are left out. Returns whether the caller
    /// must append `bytes` to the tile data: not when the same bytes are there already.
    ///
    /// # Errors
    /// When `id` does not follow the last tile, or `bytes` is empty or over 4 GiB.
    pub fn add(&mut self, id: u64, bytes: &[u8]) -> Result<bool, PmtilesError> {
        if let Some(last) = self.entries.last() {
            let covered = last.tile_id + u64::from(last.run_length) - 1;
            if id <= covered {
                return Err(PmtilesError::OutOfOrder { id, last: covered });
            }
        }
        if bytes.is_empty() {
            return Err(PmtilesError::EmptyTile { id });
        }
        let length = u32::try_from(bytes.len()).map_err(|_| PmtilesError::TooLong {
            id,
            length: bytes.len(),
        })?;
        self.addressed += 1;
        let key = digest(bytes);
        let (offset, new) = match self.contents.get(&key) {
            Some(&offset) => (offset, false),
            None => {
                let offset = self.length;
                self.contents.insert(key, offset);
                self.length += u64::from(length);
                (offset, true)
            }
        };
        if let Some(last) = self.entries.last_mut() {
            let next = last.tile_id + u64::from(last.run_length);
            if next == id && last.offset == offset && last.run_length < u32::MAX {
                last.run_length += 1;
                return Ok(new);
            }
        }
        self.entries.push(Entry {
            tile_id: id,
            offset,
            length,
            run_length: 1,
        });
        Ok(new)
    }

    /// The bytes of tile data so far.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.length
    }

    /// Whether no tile was added.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The tiles added (before run lengths).
    #[must_use]
    pub fn addressed(&self) -> u64 {
        self.addressed
    }

    /// The entries (after run lengths).
    #[must_use]
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The distinct contents in the tile data.
    #[must_use]
    pub fn contents(&self) -> u64 {
        self.contents.len() as u64
    }
}

/// The tile compression and type codes of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Compression {
    /// Not compressed.
    None = 1,
    /// gzip.
    Gzip = 2,
}

/// What the header says of the tile set besides where its parts are.
#[derive(Debug, Clone, PartialEq)]
pub struct Description {
    /// The lowest zoom.
    pub min_zoom: u8,
    /// The deepest zoom.
    pub max_zoom: u8,
    /// `[west, south, east, north]`, in degrees.
    pub bounds: [f64; 4],
    /// `[longitude, latitude]` and zoom of a first view.
    pub center: ([f64; 2], u8),
    /// How the tiles are compressed (they are vector tiles).
    pub tile_compression: Compression,
    /// The JSON metadata (TileJSON's `vector_layers`, `attribution`…), before compression.
    pub metadata: Vec<u8>,
}

/// Degrees as the header keeps them, in ten-millionths.
fn e7(degrees: f64) -> [u8; 4] {
    // `as` saturates: the header's range is ±214°.
    ((degrees * 1e7).round() as i32).to_le_bytes()
}

/// The directories of `entries`: the root, and the leaves it points at (empty when the root
/// holds every entry), both compressed. The header and the root fit within `root_limit` bytes.
fn directories(entries: &[Entry], root_limit: usize) -> (Vec<u8>, Vec<u8>) {
    let root = gzip(&serialize_directory(entries));
    if HEADER_BYTES + root.len() <= root_limit {
        return (root, Vec::new());
    }
    let mut leaf_entries = FIRST_LEAF_ENTRIES;
    loop {
        let mut leaves = Vec::new();
        let mut pointers = Vec::new();
        for chunk in entries.chunks(leaf_entries) {
            let leaf = gzip(&serialize_directory(chunk));
            pointers.push(Entry {
                tile_id: chunk[0].tile_id,
                offset: leaves.len() as u64,
                // A leaf of a few thousand entries is far below 4 GiB.
                length: u32::try_from(leaf.len()).unwrap_or(u32::MAX),
                run_length: 0,
            });
            leaves.extend_from_slice(&leaf);
        }
        let root = gzip(&serialize_directory(&pointers));
        if HEADER_BYTES + root.len() <= root_limit || pointers.len() == 1 {
            return (root, leaves);
        }
        leaf_entries *= 2;
    }
}

/// What an archive holds before its tile data: the header, the root directory, the metadata
/// and the leaf directories, for the tiles of `data` (written by the caller right after).
///
/// # Errors
/// When no tile was added.
pub fn finish(data: &TileData, description: &Description) -> Result<Vec<u8>, PmtilesError> {
    finish_within(data, description, ROOT_LIMIT)
}

/// [`finish`] with the header and root directory within `root_limit` bytes (tests use a small
/// one to make leaves of a few entries).
///
/// # Errors
/// When no tile was added.
pub fn finish_within(
    data: &TileData,
    description: &Description,
    root_limit: usize,
) -> Result<Vec<u8>, PmtilesError> {
    if data.is_empty() {
        return Err(PmtilesError::NoTile);
    }
    let (root, leaves) = directories(&data.entries, root_limit);
    let metadata = gzip(&description.metadata);
    let root_offset = HEADER_BYTES as u64;
    let metadata_offset = root_offset + root.len() as u64;
    let leaves_offset = metadata_offset + metadata.len() as u64;
    let data_offset = leaves_offset + leaves.len() as u64;
    let mut out = Vec::with_capacity(HEADER_BYTES + root.len() + metadata.len() + leaves.len());
    out.extend_from_slice(b"PMTiles");
    out.push(3);
    for value in [
        root_offset,
        root.len() as u64,
        metadata_offset,
        metadata.len() as u64,
        leaves_offset,
        leaves.len() as u64,
        data_offset,
        data.length,
        data.addressed,
        data.entries.len() as u64,
        data.contents(),
    ] {
        out.extend_from_slice(&value.to_le_bytes());
    }
    out.push(1); // clustered: the tile data is in tile id order
    out.push(Compression::Gzip as u8); // directories and metadata
    out.push(description.tile_compression as u8);
    out.push(1); // Mapbox Vector Tiles
    out.push(description.min_zoom);
    out.push(description.max_zoom);
    let [west, south, east, north] = description.bounds;
    for degrees in [west, south, east, north] {
        out.extend_from_slice(&e7(degrees));
    }
    let ([lon, lat], zoom) = description.center;
    out.push(zoom);
    out.extend_from_slice(&e7(lon));
    out.extend_from_slice(&e7(lat));
    debug_assert_eq!(out.len(), HEADER_BYTES);
    out.extend_from_slice(&root);
    out.extend_from_slice(&metadata);
    out.extend_from_slice(&leaves);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Read as _;

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn tile(z: u8, x: u32, y: u32) -> TileCoord {
        TileCoord::new(z, x, y).unwrap()
    }

    #[test]
    fn tile_ids_follow_the_specification() {
        // The specification's examples: zoom 0, the four tiles of zoom 1 along the curve, the
        // first of zoom 2, and a deep one.
        assert_eq!(tile_id(tile(0, 0, 0)), 0);
        assert_eq!(tile_id(tile(1, 0, 0)), 1);
        assert_eq!(tile_id(tile(1, 0, 1)), 2);
        assert_eq!(tile_id(tile(1, 1, 1)), 3);
        assert_eq!(tile_id(tile(1, 1, 0)), 4);
        assert_eq!(tile_id(tile(2, 0, 0)), 5);
        assert_eq!(tile_id(tile(12, 3423, 1763)), 19_078_479);
        // The last tile of zoom 30, the deepest `TileCoord` has.
        let side = (1u32 << 30) - 1;
        let last = tile_id(tile(30, side, 0));
        assert_eq!(tile_of_id(last).unwrap(), tile(30, side, 0));
        assert!(tile_of_id(((1u64 << 62) - 1) / 3).is_err(), "zoom 31");
    }

    proptest! {
        #[test]
        fn tile_ids_round_trip_and_are_consecutive_along_the_curve(z in 0u8..=20, fx in 0.0f64..1.0, fy in 0.0f64..1.0) {
            let side = 1u32 << z;
            let (x, y) = ((fx * f64::from(side)) as u32, (fy * f64::from(side)) as u32);
            let id = tile_id(tile(z, x, y));
            prop_assert_eq!(tile_of_id(id).unwrap(), tile(z, x, y));
            // Hilbert: the next tile on the curve is a neighbour.
            let next = tile_of_id(id + 1).unwrap();
            if next.z() == z {
                let step = next.x().abs_diff(x) + next.y().abs_diff(y);
                prop_assert_eq!(step, 1);
            }
        }
    }

    #[test]
    fn directories_round_trip_with_their_offsets_elided() {
        let entries = [
            Entry {
                tile_id: 0,
                offset: 0,
                length: 10,
                run_length: 1,
            },
            Entry {
                tile_id: 5,
                offset: 10,
                length: 7,
                run_length: 3,
            },
            Entry {
                tile_id: 9,
                offset: 0,
                length: 10,
                run_length: 1,
            },
            Entry {
                tile_id: 300_000,
                offset: 17,
                length: 100_000,
                run_length: 1,
            },
        ];
        let bytes = serialize_directory(&entries);
        // count, ids as deltas, run lengths, lengths, offsets (the second follows the first).
        assert_eq!(&bytes[..4], &[4, 0, 5, 4]);
        assert_eq!(
            &bytes[bytes.len() - 4..],
            &[1, 0, 1, 18],
            "offsets: 0+1, follows, 0+1, 17+1"
        );
        assert_eq!(deserialize_directory(&bytes).unwrap(), entries);
        assert!(deserialize_directory(&bytes[..bytes.len() - 1]).is_err());
    }

    #[test]
    fn identical_tiles_are_stored_once_and_runs_become_one_entry() {
        let mut data = TileData::new();
        assert!(data.add(1, b"a").unwrap());
        assert!(!data.add(2, b"a").unwrap(), "the same bytes as tile 1");
        assert!(!data.add(3, b"a").unwrap());
        assert!(data.add(4, b"bb").unwrap());
        assert!(!data.add(7, b"a").unwrap(), "the bytes of tile 1, again");
        assert_eq!(
            data.add(7, b"c"),
            Err(PmtilesError::OutOfOrder { id: 7, last: 7 })
        );
        assert_eq!(
            data.add(3, b"c"),
            Err(PmtilesError::OutOfOrder { id: 3, last: 7 })
        );
        assert_eq!(data.add(8, b""), Err(PmtilesError::EmptyTile { id: 8 }));
        assert_eq!(
            data.entries(),
            &[
                Entry {
                    tile_id: 1,
                    offset: 0,
                    length: 1,
                    run_length: 3
                },
                Entry {
                    tile_id: 4,
                    offset: 1,
                    length: 2,
                    run_length: 1
                },
                Entry {
                    tile_id: 7,
                    offset: 0,
                    length: 1,
                    run_length: 1
                },
            ]
        );
        assert_eq!((data.addressed(), data.contents(), data.len()), (5, 2, 3));
    }

    /// Reads the tile `id` of `archive` as a reader does: header, root, leaves, tile data.
    fn read_tile(archive: &[u8], id: u64) -> Option<Vec<u8>> {
        let u64_at = |at: usize| u64::from_le_bytes(archive[at..at + 8].try_into().unwrap());
        let slice =
            |offset: u64, length: u64| &archive[offset as usize..(offset + length) as usize];
        let (mut offset, mut length) = (u64_at(8), u64_at(16));
        for _ in 0..4 {
            let entries = deserialize_directory(&gunzip(slice(offset, length))).unwrap();
            let i = entries
                .partition_point(|e| e.tile_id <= id)
                .checked_sub(1)?;
            let entry = entries[i];
            if entry.run_length == 0 {
                (offset, length) = (u64_at(40) + entry.offset, entry.length.into());
                continue;
            }
            if id >= entry.tile_id + u64::from(entry.run_length) {
                return None;
            }
            return Some(slice(u64_at(56) + entry.offset, entry.length.into()).to_vec());
        }
        panic!("too deep")
    }

    fn description() -> Description {
        Description {
            min_zoom: 0,
            max_zoom: 14,
            bounds: [-5.2, 41.3, 9.6, 51.1],
            center: ([2.2, 46.2], 5),
            tile_compression: Compression::Gzip,
            metadata: br#"{"vector_layers":[]}"#.to_vec(),
        }
    }

    /// An archive of `tiles` (id and bytes), and its tile data.
    fn archive(tiles: &[(u64, Vec<u8>)], root_limit: usize) -> (Vec<u8>, TileData) {
        let mut data = TileData::new();
        let mut body = Vec::new();
        for (id, bytes) in tiles {
            if data.add(*id, bytes).unwrap() {
                body.extend_from_slice(bytes);
            }
        }
        let mut archive = finish_within(&data, &description(), root_limit).unwrap();
        archive.extend_from_slice(&body);
        (archive, data)
    }

    #[test]
    fn the_header_says_where_everything_is() {
        let tiles = [(0, b"zero".to_vec()), (3, b"three".to_vec())];
        let (archive, _) = archive(&tiles, ROOT_LIMIT);
        assert_eq!(&archive[..8], b"PMTiles\x03");
        let u64_at = |at: usize| u64::from_le_bytes(archive[at..at + 8].try_into().unwrap());
        assert_eq!(u64_at(8), 127, "the root follows the header");
        assert_eq!(u64_at(24), 127 + u64_at(16), "then the metadata");
        assert_eq!(u64_at(48), 0, "no leaves");
        assert_eq!(
            u64_at(56) + u64_at(64),
            archive.len() as u64,
            "tile data last"
        );
        assert_eq!((u64_at(72), u64_at(80), u64_at(88)), (2, 2, 2));
        assert_eq!(&archive[96..102], &[1, 2, 2, 1, 0, 14]);
        let i32_at = |at: usize| i32::from_le_bytes(archive[at..at + 4].try_into().unwrap());
        assert_eq!(
            [i32_at(102), i32_at(106), i32_at(110), i32_at(114)],
            [-52_000_000, 413_000_000, 96_000_000, 511_000_000]
        );
        assert_eq!(
            (archive[118], i32_at(119), i32_at(123)),
            (5, 22_000_000, 462_000_000)
        );
        let metadata = &archive[u64_at(24) as usize..(u64_at(24) + u64_at(32)) as usize];
        assert_eq!(gunzip(metadata), br#"{"vector_layers":[]}"#);
        assert_eq!(read_tile(&archive, 3).unwrap(), b"three");
        assert_eq!(read_tile(&archive, 2), None);
        assert_eq!(read_tile(&archive, 4), None);
    }

    #[test]
    fn a_root_too_large_points_at_leaves_and_every_tile_is_found() {
        // Tiles of zoom 8 with a gap every seventh, every fifth repeating an earlier content.
        let tiles: Vec<(u64, Vec<u8>)> = (0..10_000u64)
            .filter(|i| i % 7 != 3)
            .map(|i| {
                let content = if i.is_multiple_of(5) { i % 40 } else { i };
                (tile_id(tile(8, 0, 0)) + i, content.to_string().into_bytes())
            })
            .collect();
        for root_limit in [1000, 200] {
            let (archive, data) = archive(&tiles, root_limit);
            let u64_at = |at: usize| u64::from_le_bytes(archive[at..at + 8].try_into().unwrap());
            assert!(u64_at(48) > 0, "leaves at {root_limit}");
            assert!(127 + u64_at(16) <= root_limit as u64);
            assert_eq!(u64_at(72), tiles.len() as u64);
            assert!(data.contents() < tiles.len() as u64);
            // Every 11th tile, and those at the ends of the leaves.
            let ends = |i: usize| i.is_multiple_of(4096) || i % 4096 == 4095 || i % 8192 == 8191;
            let checked = tiles
                .iter()
                .enumerate()
                .filter(|(i, _)| i.is_multiple_of(11) || ends(*i));
            for (_, (id, bytes)) in checked {
                assert_eq!(read_tile(&archive, *id).as_ref(), Some(bytes), "{id}");
            }
            let first = tile_id(tile(8, 0, 0));
            assert_eq!(read_tile(&archive, first + 3), None);
            assert_eq!(read_tile(&archive, first + 10_000), None);
            assert_eq!(read_tile(&archive, first - 1), None);
        }
        let (small, _) = archive(&tiles[..100], ROOT_LIMIT);
        assert_eq!(u64::from_le_bytes(small[48..56].try_into().unwrap()), 0);
    }

    #[test]
    fn an_archive_without_tiles_is_refused() {
        assert_eq!(
            finish(&TileData::new(), &description()),
            Err(PmtilesError::NoTile)
        );
    }
}
