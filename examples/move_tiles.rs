//! What a batch that moves one place keeps of a warm tile cache: an index directory written by
//! `lieux index` (for example the harness's `bench-data/index-1000000`) is loaded with the
//! server's tile cache (256 MiB), its unfiltered tiles at zooms 5 to 14 are encoded around every
//! hundredth place (a map's users spread over the country), then one place moves about 20 m
//! east in place (the hierarchy is made again), and every tile is asked again: from the cache
//! carried over, each checked against the new hierarchy, against the same tiles asked of an
//! index built with the change and no tile cached (what a batch that moved places cost the
//! tiles until 2026-12-07).
//!
//! ```sh
//! cargo run --release --example move_tiles -- bench-data/index-1000000
//! ```
//!
//! Wall times, noisy on a shared machine: compare within one run only.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use lieux_index::changes::{AcceptedChange, ContributionKind};
use lieux_index::serve::map::MapContent;
use lieux_index::serve::tiles::Compression;
use lieux_index::serve::{load, load_with_changes, IndexSource, LiveIndex, LiveOptions};
use lieux_tiles::TileCoord;

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("an index directory, such as bench-data/index-1000000"),
    );
    let options = LiveOptions::default();
    let source = IndexSource::Dir(dir);
    let live = load(&source, &options).expect("loaded");
    let places = u32::try_from(live.manifest().places).expect("fewer than 2^32 places");
    let ordinals: Vec<u32> = (0..places).step_by(100).collect();
    let tiles: BTreeSet<TileCoord> = live
        .places(&ordinals)
        .flat_map(|place| {
            (5..=14).map(|z| lieux_tiles::tile_for(place.longitude, place.latitude, z))
        })
        .collect::<Result<_, _>>()
        .expect("tiles");
    let started = Instant::now();
    let bytes = ask_all(&live, &tiles);
    println!(
        "{} tiles ({bytes} bytes) around {} places encoded in {:.2} s",
        tiles.len(),
        ordinals.len(),
        started.elapsed().as_secs_f64()
    );

    let change = move_place(&live, places / 2);
    let work = tempfile::tempdir().expect("a temporary directory");
    let started = Instant::now();
    let moved = live
        .amended(std::slice::from_ref(&change), work.path(), &options)
        .expect("amended")
        .expect("in place");
    println!(
        "one place moved in place in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    drop(live);
    let started = Instant::now();
    ask_all(&moved, &tiles);
    let carried = started.elapsed();
    // A tile kept is one hit; one made again, two misses (gzipped, then plain).
    let kept = moved.cache_stats().tile_hits;
    println!(
        "asked again: {kept} from the cache carried over ({:.1}%), {} made again, in {:.2} s",
        100.0 * kept as f64 / tiles.len() as f64,
        tiles.len() as u64 - kept,
        carried.as_secs_f64()
    );

    let rebuilt = load_with_changes(&source, &[change], work.path(), &options).expect("rebuilt");
    let started = Instant::now();
    ask_all(&rebuilt, &tiles);
    let empty = started.elapsed();
    println!(
        "asked of an index with no tile cached: {:.2} s, {:.1}x the time",
        empty.as_secs_f64(),
        empty.as_secs_f64() / carried.as_secs_f64()
    );
    for &tile in &tiles {
        assert_eq!(ask(&moved, tile), ask(&rebuilt, tile), "{tile:?}");
    }
}

/// The unfiltered tile `tile` of `live`, gzipped as map clients ask for it.
fn ask(live: &LiveIndex, tile: TileCoord) -> std::sync::Arc<[u8]> {
    let all = live.map_filter(Default::default(), None, false);
    live.tile(&all, tile, Compression::Gzip, &MapContent::default())
        .expect("a tile")
}

/// Asks every tile of `tiles`; the bytes they make.
fn ask_all(live: &LiveIndex, tiles: &BTreeSet<TileCoord>) -> usize {
    tiles.iter().map(|&tile| ask(live, tile).len()).sum()
}

/// An accepted change that moves the place of `ordinal` about 20 m east.
fn move_place(live: &LiveIndex, ordinal: u32) -> AcceptedChange {
    let ordinals = [ordinal];
    let place = live.places(&ordinals).next().expect("a place");
    AcceptedChange {
        contribution: 1,
        kind: ContributionKind::Update,
        place_id: place.id().to_owned(),
        before: [("longitude".to_owned(), format!("{}", place.longitude))].into(),
        after: [(
            "longitude".to_owned(),
            format!("{:.6}", place.longitude + 0.000_27),
        )]
        .into(),
        accepted_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 6).expect("a day"),
    }
}
