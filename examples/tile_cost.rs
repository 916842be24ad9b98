//! What encoding a tile costs with and without counts per category in its clusters
//! (`cluster_counts`): an index directory written by `lieux index` (for example the harness's
//! `bench-data/index-1000000`) is loaded with no tile cache, then the tiles of a list (`z/x/y`
//! lines, as `benches/tiles/tile_list.py` prints) are encoded plain, then counting one
//! vocabulary's values (or only one of the two, named after the list).
//!
//! ```sh
//! cargo run --release --example tile_cost -- bench-data/index-1000000 bench-data/tiles.txt
//! ```
//!
//! Instructions, which a busy machine does not change (the counts are made before the tiles,
//! outside what is collected):
//!
//! ```sh
//! valgrind --tool=callgrind --toggle-collect='*tile_cost*encode_all*' \
//!   --callgrind-out-file=target/tile_cost.out \
//!   target/release/examples/tile_cost bench-data/index-1000000 bench-data/tiles.txt
//! callgrind_annotate --inclusive=yes target/tile_cost.out | head -40
//! ```

use std::path::PathBuf;
use std::time::Instant;

use lieux_index::search::facets::Facet;
use lieux_index::serve::map::MapContent;
use lieux_index::serve::tiles::Compression;
use lieux_index::serve::{load, IndexSource, LiveIndex, LiveOptions};
use lieux_tiles::TileCoord;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("an index directory"));
    let list = args.next().expect("a tile list, z/x/y per line");
    let tiles: Vec<TileCoord> = std::fs::read_to_string(&list)
        .expect("the tile list")
        .lines()
        .map(|line| {
            let mut parts = line
                .split('/')
                .map(|n| n.trim().parse::<u32>().expect("z/x/y"));
            let (z, x, y) = (parts.next(), parts.next(), parts.next());
            TileCoord::new(
                u8::try_from(z.expect("z")).expect("z"),
                x.expect("x"),
                y.expect("y"),
            )
            .expect("a tile")
        })
        .collect();
    let options = LiveOptions {
        tile_cache_bytes: 0,
        ..LiveOptions::default()
    };
    let live = load(&IndexSource::Dir(dir), &options).expect("loaded");
    let filter = live.map_filter(Default::default(), None, false);
    let counted = MapContent {
        counts: Some(Facet::Services),
        fields: None,
    };
    // The map and its counts are made once, before anything is measured.
    live.tile(&filter, tiles[0], Compression::None, &counted)
        .expect("a tile");
    let only = args.next();
    for (name, content) in [("plain", MapContent::default()), ("counts", counted)] {
        if only.as_deref().is_some_and(|only| only != name) {
            continue;
        }
        let started = Instant::now();
        let bytes = encode_all(&live, &filter, &tiles, &content);
        let took = started.elapsed();
        println!(
            "{name}: {} tiles, {bytes} bytes, {:.1} µs a tile",
            tiles.len(),
            took.as_secs_f64() * 1e6 / tiles.len() as f64
        );
    }
}

/// Encodes every tile of `tiles` with `content`; the bytes they make.
#[inline(never)]
fn encode_all(
    live: &LiveIndex,
    filter: &lieux_index::serve::map::MapFilter,
    tiles: &[TileCoord],
    content: &MapContent,
) -> usize {
    tiles
        .iter()
        .map(|&tile| {
            live.tile(filter, tile, Compression::None, content)
                .expect("a tile")
                .len()
        })
        .sum()
}
