//! What a pre-built tile set costs to refresh after a change, against applying the change in
//! place: a tile server that serves a pre-built set (MBTiles or PMTiles, as martin does) shows
//! a change only once every tile of the set is made again, while lieux applies it in place and
//! makes tiles on demand. Every tile holding a place, zooms 0 to 14 (the usual deepest zoom of
//! a pre-built set of points), is encoded and gzipped as an archive would hold it, from an
//! index directory written by `lieux index` (for example the harness's
//! `bench-data/index-1000000`); then one change is applied in place, in the same run.
//!
//! ```sh
//! cargo run --release --example prebuilt_refresh -- bench-data/index-1000000
//! ```
//!
//! Wall times, noisy on a shared machine: compare them within one run only.

mod common;

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use lieux_index::filter::PlaceFilter;
use lieux_index::serve::map::MapFilter;
use lieux_index::serve::tiles::Compression;
use lieux_index::serve::{load, IndexSource, LiveOptions};

const MAX_ZOOM: u8 = 14;

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("an index directory, such as bench-data/index-1000000"),
    );
    // No tile cache: each tile is made once, as a pre-built set's writer makes it.
    let options = LiveOptions {
        tile_cache_bytes: 0,
        ..LiveOptions::default()
    };
    let live = load(&IndexSource::Dir(dir), &options).expect("loaded");
    let all: Vec<(f64, f64)> = live
        .matching(&PlaceFilter::default())
        .expect("every place")
        .into_iter()
        .map(|(place, _)| (place.longitude, place.latitude))
        .collect();
    let map = MapFilter::default();
    let started = Instant::now();
    let (mut tiles, mut bytes) = (0usize, 0usize);
    for z in 0..=MAX_ZOOM {
        let coords: HashSet<lieux_tiles::TileCoord> = all
            .iter()
            .filter_map(|(lon, lat)| lieux_tiles::mercator::tile_for(*lon, *lat, z).ok())
            .collect();
        for coord in coords {
            bytes += live
                .tile(&map, coord, Compression::Gzip, &Default::default())
                .expect("a tile")
                .len();
            tiles += 1;
        }
    }
    let prebuilt = started.elapsed();
    println!(
        "{} places: {tiles} tiles of zooms 0 to {MAX_ZOOM} ({} MiB gzipped) made in {:.1} s",
        all.len(),
        bytes >> 20,
        prebuilt.as_secs_f64()
    );
    let change = common::rename_first_place(&live);
    let work = tempfile::tempdir().expect("a temporary directory");
    let started = Instant::now();
    live.amended(&[change], work.path(), &options)
        .expect("amended")
        .expect("in place");
    let amended = started.elapsed();
    println!(
        "the change applied in place in {:.2} s: refreshing the pre-built set takes {:.0}x longer",
        amended.as_secs_f64(),
        prebuilt.as_secs_f64() / amended.as_secs_f64()
    );
}
