//! Builds the cluster hierarchy of an index's points once, for counting its instructions:
//! `points.bin` of a lieux index (longitude and latitude as little-endian f64 pairs, the
//! places' order).
//!
//! ```sh
//! cargo build --release -p lieux-tiles --example hierarchy
//! valgrind --tool=callgrind --callgrind-out-file=target/hierarchy.out \
//!   target/release/examples/hierarchy bench-data/index-1000000/points.bin
//! ```

#[path = "common/points_bin.rs"]
mod points_bin;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("a points.bin, such as bench-data/index-1000000/points.bin");
    let points = points_bin::read(&path);
    let started = std::time::Instant::now();
    let index = lieux_tiles::ClusterIndex::build(&points, lieux_tiles::ClusterOptions::default())
        .expect("valid options");
    println!(
        "{} points: hierarchy built in {:.3} s",
        points.len(),
        started.elapsed().as_secs_f64()
    );
    std::hint::black_box(index);
}
