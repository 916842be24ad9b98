//! What a change to a few points costs the cluster hierarchy: made again where the change
//! reaches ([`ClusterIndex::updated`]) against built whole, on the points of a lieux index
//! (`points.bin`: longitude and latitude as little-endian f64 pairs, in the places' order).
//!
//! Each round moves `moves` points (seeded, 20 m or so), adds one at the end and takes one out
//! as a server's closure does (the last point takes its index), then times both and checks
//! that they answer alike (every cluster at zooms 0 to 6, and the items, children and leaves
//! around each changed point at every zoom). Last, it times the tiles around every thousandth
//! point on the index the rounds updated (its levels with overlays) and on one built whole.
//!
//! ```sh
//! cargo run --release -p lieux-tiles --example update -- bench-data/index-1000000/points.bin 20 5
//! ```
//!
//! With `--updates-only` last, it neither builds nor checks: for a profiler, or callgrind with
//! `--toggle-collect='*ClusterIndex*updated*'`.

#[path = "common/points_bin.rs"]
mod points_bin;

use std::time::{Duration, Instant};

use lieux_tiles::{ClusterIndex, ClusterItem, ClusterOptions, LngLatBbox};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("a points.bin, such as bench-data/index-1000000/points.bin");
    let rounds: usize = args
        .next()
        .map_or(20, |n| n.parse().expect("a number of rounds"));
    let moves: usize = args
        .next()
        .map_or(5, |n| n.parse().expect("a number of moves"));
    let mut points = points_bin::read(&path);
    let updates_only = args.next().is_some_and(|flag| flag == "--updates-only");
    let options = ClusterOptions::default();
    let mut index = ClusterIndex::build(&points, options).expect("valid options");
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below as u64) as usize
    };
    let (mut updating, mut building) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let mut changed = Vec::new();
        for _ in 0..moves {
            let i = next(points.len());
            let step = |r: usize| (r as f64 / 1000.0 - 0.5) * 0.0005;
            points[i] = (
                points[i].0 + step(next(1000)),
                points[i].1 + step(next(1000)),
            );
            changed.push(i as u32);
        }
        let near = points[next(points.len())];
        points.push((near.0 + 0.001, near.1 - 0.001));
        changed.push(points.len() as u32 - 1);
        let closed = next(points.len());
        points.swap_remove(closed);
        changed.push(closed as u32);

        let started = Instant::now();
        let updated = index.updated(&points, &changed).expect("valid options");
        updating.push(started.elapsed());
        if updates_only {
            index = updated;
            continue;
        }
        let started = Instant::now();
        let built = ClusterIndex::build(&points, options).expect("valid options");
        building.push(started.elapsed());
        check(&updated, &built, &points, &changed);
        index = updated;
    }
    tile_queries(&index, &points, options);
    updating.sort();
    building.sort();
    if updates_only {
        building = updating.clone();
    }
    let median = |times: &[Duration]| times[times.len() / 2].as_secs_f64() * 1000.0;
    let worst = |times: &[Duration]| times[times.len() - 1].as_secs_f64() * 1000.0;
    println!(
        "{} points, {rounds} rounds of {moves} moves, an addition and a removal: \
         updated median {:.1} ms (worst {:.1}), built median {:.1} ms (worst {:.1}): {:.0}x",
        points.len(),
        median(&updating),
        worst(&updating),
        median(&building),
        worst(&building),
        median(&building) / median(&updating),
    );
}

/// What the tiles around every thousandth point (zooms 5 to 14) cost on the index the rounds
/// updated, with its overlays, against one built whole on the same points: the best of three
/// interleaved runs each.
fn tile_queries(updated: &ClusterIndex, points: &[(f64, f64)], options: ClusterOptions) {
    let built = ClusterIndex::build(points, options).expect("valid options");
    let tiles: Vec<_> = (points.iter().step_by(1000))
        .flat_map(|&(lon, lat)| {
            (5..=14).filter_map(move |z| lieux_tiles::tile_for(lon, lat, z).ok())
        })
        .collect();
    let buffer = options.tile_buffer(4096);
    let time = |index: &ClusterIndex| {
        let started = Instant::now();
        let items: usize = tiles
            .iter()
            .map(|&tile| index.tile(tile, 4096, buffer).len())
            .sum();
        std::hint::black_box(items);
        started.elapsed().as_secs_f64() * 1000.0
    };
    let (mut on_updated, mut on_built) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..3 {
        on_updated = on_updated.min(time(updated));
        on_built = on_built.min(time(&built));
    }
    println!(
        "{} tiles: {on_updated:.1} ms on the updated index, {on_built:.1} ms on one built whole",
        tiles.len()
    );
}

/// Panics unless `updated` answers as `built` around the changed points and at low zooms.
fn check(updated: &ClusterIndex, built: &ClusterIndex, points: &[(f64, f64)], changed: &[u32]) {
    let mut ids = Vec::new();
    for zoom in 0..=17 {
        let mut boxes = vec![];
        if zoom <= 6 {
            boxes.push(LngLatBbox::WORLD);
        }
        for &i in changed {
            if let Some(&(lon, lat)) = points.get(i as usize) {
                boxes.push(LngLatBbox {
                    west: lon - 0.5,
                    south: lat - 0.5,
                    east: lon + 0.5,
                    north: lat + 0.5,
                });
            }
        }
        for bbox in boxes {
            let items = built.clusters(bbox, zoom);
            assert_eq!(updated.clusters(bbox, zoom), items, "zoom {zoom}");
            ids.extend(items.iter().filter_map(|item| match item {
                ClusterItem::Cluster { id, count, .. } if *count < 5000 => Some(*id),
                _ => None,
            }));
        }
    }
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        assert_eq!(updated.children(id), built.children(id), "children of {id}");
        assert_eq!(updated.leaves(id, 100, 0), built.leaves(id, 100, 0));
    }
}
