//! Encoded tiles, kept compressed as clients asked for them.
//!
//! Maps pan over the same tiles again and again; serving those from memory skips the cluster
//! query, the encoding and the compression. [`TileCache::get_or_insert`] answers from the cache
//! or makes the tile once, and a compressed tile is made from the uncompressed one, cached too.
//! A cache belongs to one loaded index (see [`super::LiveIndex`]): tiles of two indexes never
//! mix. A batch of changes carries the unfiltered tiles over to its index
//! ([`TileCache::carried_over`]), so that the map everyone opens stays warm: all but those
//! showing a place it changed. A batch that moved, added or removed places made the hierarchy
//! again, and its clusters may differ anywhere the change reached; each tile carried over is
//! then checked when it is next asked for, by the digest of the items it was encoded from
//! against those the new hierarchy puts in it ([`lieux_tiles::cluster::ClusterIndex::tile`]
//! lists them in an order of their own, which a change elsewhere leaves as it was). A tile
//! whose items differ is encoded again; the others are served as they were, for the cost of
//! the tile's cluster query.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use lieux_tiles::TileCoord;

use crate::Result;

/// The deepest zoom tiles are served at.
pub const MAX_TILE_ZOOM: u8 = 22;

/// How the bytes of a tile are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// The vector tile itself.
    None,
    /// The vector tile compressed with gzip, see [`gzip`].
    Gzip,
}

/// The gzip header flate2's `GzEncoder` writes: no name, no time, "unknown" system.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// Compresses an encoded tile with gzip, as map clients accept it (and PMTiles archives store
/// it). Vector tiles shrink to about half their size.
///
/// The bytes are those of flate2's `GzEncoder` at the default level, but the deflate state is
/// one per thread, reset between tiles: a new one allocates and clears a few hundred kilobytes
/// of tables, which for small tiles cost more than the compression itself (page faults, and
/// the TLB flushes of pages given back and taken again, on every core).
#[must_use]
pub fn gzip(tile: &[u8]) -> Vec<u8> {
    thread_local! {
        static DEFLATE: std::cell::RefCell<flate2::Compress> =
            std::cell::RefCell::new(flate2::Compress::new(flate2::Compression::default(), false));
    }
    let mut out = Vec::with_capacity(tile.len() / 2 + 64);
    out.extend_from_slice(&GZIP_HEADER);
    DEFLATE.with(|deflate| {
        let mut deflate = deflate.borrow_mut();
        deflate.reset();
        loop {
            let read = usize::try_from(deflate.total_in()).unwrap_or(usize::MAX);
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity().max(256));
            }
            match deflate.compress_vec(
                tile.get(read..).unwrap_or_default(),
                &mut out,
                flate2::FlushCompress::Finish,
            ) {
                Ok(flate2::Status::StreamEnd) => break,
                Ok(_) => {}
                // Deflating into memory fails only on a bug of the backend.
                Err(_) => return out.clear(),
            }
        }
    });
    if out.is_empty() {
        return out;
    }
    let mut crc = flate2::Crc::new();
    crc.update(tile);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    // ISIZE is the length modulo 2^32.
    out.extend_from_slice(&(tile.len() as u32).to_le_bytes());
    out
}

/// The key of an encoded tile: the filter's key, the tile and how its bytes are encoded.
type TileKey = (String, u8, u32, u32, Compression);

fn tile_key(filter_key: &str, tile: TileCoord, compression: Compression) -> TileKey {
    (
        filter_key.to_owned(),
        tile.z(),
        tile.x(),
        tile.y(),
        compression,
    )
}

/// What a cached tile costs beyond its bytes (its key and the cache's links), so that empty
/// tiles, which are many, count too.
const TILE_ENTRY_BYTES: usize = 96;

/// Encoded tiles by filter, tile and compression, least recently used out, bounded by their
/// total size. A tile is kept in the compressions clients asked for, each compressed once.
pub struct TileCache {
    max_bytes: usize,
    inner: Mutex<TileCacheInner>,
}

/// An encoded tile, and what it was encoded from.
#[derive(Clone)]
struct CachedTile {
    bytes: Arc<[u8]>,
    /// The digest of the items it was encoded from ([`super::map::PlaceMap::tile_items`]).
    items: u64,
    /// Whether those are known to be the items of this cache's index: not for a tile carried
    /// over a batch that made the hierarchy again, until it is next asked for.
    checked: bool,
}

/// A tile encoded: its bytes and the digest of the items they show.
pub struct EncodedTile {
    /// The vector tile.
    pub bytes: Vec<u8>,
    /// The digest of its items.
    pub items: u64,
}

struct TileCacheInner {
    tiles: lru::LruCache<TileKey, CachedTile>,
    bytes: usize,
    hits: u64,
    misses: u64,
}

impl TileCache {
    /// A cache holding at most `max_bytes` of encoded tiles.
    #[must_use]
    pub fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            inner: Mutex::new(TileCacheInner {
                tiles: lru::LruCache::unbounded(),
                bytes: 0,
                hits: 0,
                misses: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TileCacheInner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cached tile of `filter_key` at `tile` in `compression`, if any, with the digest of
    /// its items. A tile carried over unchecked is checked against `items_now`, the digest of
    /// the items the index's map puts in it now: kept if they are the same, dropped otherwise.
    fn get(
        &self,
        filter_key: &str,
        tile: TileCoord,
        compression: Compression,
        items_now: &mut dyn FnMut() -> Result<u64>,
    ) -> Result<Option<(Arc<[u8]>, u64)>> {
        let key = tile_key(filter_key, tile, compression);
        let found = self.lock().tiles.get(&key).cloned();
        let found = match found {
            Some(cached) if !cached.checked => {
                // Asked outside the lock: a cluster query.
                let same = items_now()? == cached.items;
                let mut inner = self.lock();
                if same {
                    if let Some(kept) = inner.tiles.peek_mut(&key) {
                        kept.checked = true;
                    }
                    Some(cached)
                } else {
                    if let Some(dropped) = inner.tiles.pop(&key) {
                        inner.bytes -= dropped.bytes.len() + TILE_ENTRY_BYTES;
                    }
                    None
                }
            }
            found => found,
        };
        let mut inner = self.lock();
        if found.is_some() {
            inner.hits += 1;
        } else {
            inner.misses += 1;
        }
        Ok(found.map(|cached| (cached.bytes, cached.items)))
    }

    /// The tile of `filter_key` at `tile`, compressed as `compression`: from the cache, or
    /// made from the uncompressed tile (cached, or made by `encode`), and cached. An empty tile
    /// is never compressed. `items_now` gives the digest of the items the index's map puts in
    /// the tile, asked only to check a tile carried over a batch that made the map again.
    ///
    /// # Errors
    /// Those of `items_now` and `encode`.
    pub fn get_or_insert(
        &self,
        filter_key: &str,
        tile: TileCoord,
        compression: Compression,
        mut items_now: impl FnMut() -> Result<u64>,
        encode: impl FnOnce() -> Result<EncodedTile>,
    ) -> Result<Arc<[u8]>> {
        if let Some((bytes, _)) = self.get(filter_key, tile, compression, &mut items_now)? {
            return Ok(bytes);
        }
        let cached = match compression {
            Compression::None => None,
            Compression::Gzip => self.get(filter_key, tile, Compression::None, &mut items_now)?,
        };
        let (plain, items) = match cached {
            Some(cached) => cached,
            None => {
                let EncodedTile { bytes, items } = encode()?;
                let plain: Arc<[u8]> = bytes.into();
                self.insert(
                    filter_key,
                    tile,
                    Compression::None,
                    Arc::clone(&plain),
                    items,
                );
                (plain, items)
            }
        };
        if compression == Compression::None || plain.is_empty() {
            return Ok(plain);
        }
        let compressed: Arc<[u8]> = gzip(&plain).into();
        self.insert(
            filter_key,
            tile,
            compression,
            Arc::clone(&compressed),
            items,
        );
        Ok(compressed)
    }

    /// Keeps `bytes` as the tile of `filter_key` at `tile` in `compression`, encoded from
    /// the items of digest `items`, evicting the least recently used tiles while over budget.
    /// A tile larger than the whole budget is not kept.
    fn insert(
        &self,
        filter_key: &str,
        tile: TileCoord,
        compression: Compression,
        bytes: Arc<[u8]>,
        items: u64,
    ) {
        let cost = |bytes: &[u8]| bytes.len() + TILE_ENTRY_BYTES;
        if cost(&bytes) > self.max_bytes {
            return;
        }
        let key = tile_key(filter_key, tile, compression);
        let mut inner = self.lock();
        inner.bytes += cost(&bytes);
        let cached = CachedTile {
            bytes,
            items,
            checked: true,
        };
        if let Some(old) = inner.tiles.put(key, cached) {
            inner.bytes -= cost(&old.bytes);
        }
        while inner.bytes > self.max_bytes {
            match inner.tiles.pop_lru() {
                Some((_, evicted)) => inner.bytes -= cost(&evicted.bytes),
                None => break,
            }
        }
    }

    /// A cache for an index that serves the same tiles as this cache's but for `stale`, and,
    /// when `map_made_again`, but for those whose items its new map changed: the tiles of the
    /// unfiltered map (the map everyone opens) not named in `stale`, in their order of use,
    /// with counts from zero, left to be checked when next asked for if `map_made_again`.
    /// Filtered tiles are left behind, as the filtered maps are: a change can add a place to a
    /// filter's map or take one out anywhere on it.
    #[must_use]
    pub fn carried_over(&self, stale: &HashSet<TileCoord>, map_made_again: bool) -> Self {
        let carried = Self::new(self.max_bytes);
        let inner = self.lock();
        let mut into = carried.lock();
        // Least recently used first, so that the order of use carries over too.
        for (key, cached) in inner.tiles.iter().rev() {
            let (filter, z, x, y, _) = key;
            let fresh = filter.is_empty()
                && TileCoord::new(*z, *x, *y).is_ok_and(|tile| !stale.contains(&tile));
            if fresh {
                into.bytes += cached.bytes.len() + TILE_ENTRY_BYTES;
                let checked = cached.checked && !map_made_again;
                into.tiles.put(
                    key.clone(),
                    CachedTile {
                        checked,
                        ..cached.clone()
                    },
                );
            }
        }
        drop(into);
        carried
    }

    /// Hits and misses so far.
    #[must_use]
    pub fn stats(&self) -> (u64, u64) {
        let inner = self.lock();
        (inner.hits, inner.misses)
    }

    /// The bytes held, counting each tile's key and links.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cached bytes of `tile`, with the items of every tile unchanged.
    fn cached(
        cache: &TileCache,
        filter: &str,
        tile: TileCoord,
        compression: Compression,
    ) -> Option<Arc<[u8]>> {
        let found = cache.get(filter, tile, compression, &mut || Ok(0));
        found.unwrap().map(|(bytes, _)| bytes)
    }

    #[test]
    fn the_tile_cache_stays_within_its_budget_and_drops_the_oldest() {
        use Compression::{Gzip, None};
        let cache = TileCache::new(100 + 3 * TILE_ENTRY_BYTES);
        let tile = |x| TileCoord::new(5, x, 0).unwrap();
        cache.insert("", tile(0), None, Arc::from(vec![0u8; 60]), 0);
        cache.insert("", tile(1), None, Arc::from(vec![1u8; 30]), 0);
        assert!(cached(&cache, "", tile(0), None).is_some()); // 0 is now the most recent
        cache.insert("", tile(2), None, Arc::from(vec![2u8; 30]), 0);
        assert!(cache.bytes() <= 100 + 3 * TILE_ENTRY_BYTES);
        assert!(
            cached(&cache, "", tile(1), None).is_none(),
            "the least recently used went first"
        );
        assert_eq!(cached(&cache, "", tile(0), None).unwrap()[0], 0);
        assert!(
            cached(&cache, "services=x", tile(0), None).is_none(),
            "filters do not share tiles"
        );
        assert!(
            cached(&cache, "", tile(0), Gzip).is_none(),
            "compressions do not share tiles"
        );
        cache.insert("", tile(3), None, Arc::from(vec![3u8; 400]), 0);
        assert!(
            cached(&cache, "", tile(3), None).is_none(),
            "larger than the budget: not kept"
        );
        let (hits, misses) = cache.stats();
        assert_eq!((hits, misses), (2, 4));
    }

    #[test]
    fn empty_tiles_count_against_the_budget() {
        let cache = TileCache::new(10 * TILE_ENTRY_BYTES);
        for x in 0..100 {
            let tile = TileCoord::new(8, x, 0).unwrap();
            cache.insert("", tile, Compression::None, Arc::from(Vec::new()), 0);
        }
        assert_eq!(cache.bytes(), 10 * TILE_ENTRY_BYTES);
    }

    #[test]
    fn tiles_carried_over_a_new_map_are_kept_if_their_items_are_the_same() {
        use Compression::{Gzip, None};
        let cache = TileCache::new(1 << 20);
        let tile = |x| TileCoord::new(9, x, 7).unwrap();
        for x in 0..4 {
            let bytes: Arc<[u8]> = Arc::from(vec![x as u8; 10]);
            cache.insert("", tile(x), None, Arc::clone(&bytes), u64::from(x));
            cache.insert("", tile(x), Gzip, bytes, u64::from(x));
        }
        cache.insert("services=x", tile(0), None, Arc::from(vec![9u8]), 0);
        // Tile 3 shows a changed place; the new map put other items in tile 1.
        let stale = HashSet::from([tile(3)]);
        let carried = cache.carried_over(&stale, true);
        let items_now = |x: u32| if x == 1 { 100 } else { u64::from(x) };
        let asked = std::cell::Cell::new(0);
        let get = |x: u32, compression| {
            let encode = || -> Result<EncodedTile> {
                Ok(EncodedTile {
                    bytes: vec![200; 3],
                    items: items_now(x),
                })
            };
            let now = || {
                asked.set(asked.get() + 1);
                Ok(items_now(x))
            };
            carried
                .get_or_insert("", tile(x), compression, now, encode)
                .unwrap()
        };
        assert_eq!(&*get(0, None), &[0; 10], "the same items: kept");
        assert_eq!(asked.get(), 1);
        assert_eq!(&*get(0, None), &[0; 10]);
        assert_eq!(asked.get(), 1, "checked once");
        assert_eq!(&*get(1, None), &[200; 3], "other items: made again");
        assert_eq!(&*get(1, Gzip), &gzip(&[200; 3])[..], "in every compression");
        assert_eq!(&*get(3, None), &[200; 3], "stale: left behind");
        assert_eq!(&*get(2, Gzip), &[2; 10]);
        assert!(cached(&carried, "services=x", tile(0), None).is_none());
        // A batch that keeps the map keeps what was checked, and leaves the rest to check.
        let kept = carried.carried_over(&HashSet::new(), false);
        let unchecked = |x| {
            kept.lock()
                .tiles
                .peek(&tile_key("", tile(x), None))
                .map(|t| t.checked)
        };
        assert_eq!(unchecked(0), Some(true));
        assert_eq!(unchecked(2), Some(false));
        assert_eq!(unchecked(1), Some(true));
    }

    #[test]
    fn gzip_writes_the_bytes_of_flate2s_encoder() {
        use std::io::Write as _;
        let sizes = [0usize, 1, 100, 5000, 70_000, 600_000];
        for size in sizes.into_iter().chain(sizes.into_iter().rev()) {
            let tile: Vec<u8> = (0..size)
                .map(|i| ((i * 7 % 251) ^ (i / 13)) as u8)
                .collect();
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(&tile).unwrap();
            assert_eq!(gzip(&tile), encoder.finish().unwrap(), "{size} bytes");
        }
    }

    #[test]
    fn gzip_round_trips() {
        use std::io::Read as _;
        let tile: Vec<u8> = (0..5000u32).map(|i| (i % 7 * 31) as u8).collect();
        let compressed = gzip(&tile);
        assert!(compressed.len() < tile.len() / 4);
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(compressed.as_slice())
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, tile);
    }
}
