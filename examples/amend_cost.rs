//! What applying one accepted change in place costs, stage by stage, against rebuilding the
//! index with it (what every accepted change cost before) and against loading the index: an
//! index directory written by `lieux index` (for example the harness's
//! `bench-data/index-1000000`), loaded, then one place renamed in place, then the same change
//! applied by a rebuild.
//!
//! ```sh
//! cargo run --release --example amend_cost -- bench-data/index-1000000
//! ```
//!
//! With `--in-place-only`, the rebuild is left out, for counting the instructions of the batch
//! alone:
//!
//! ```sh
//! valgrind --tool=callgrind --toggle-collect='*LiveIndex*amended*' \
//!   --callgrind-out-file=target/amend.out \
//!   target/release/examples/amend_cost bench-data/index-1000000 --in-place-only
//! callgrind_annotate --inclusive=yes target/amend.out | head -40
//! ```
//!
//! Wall times, noisy on a shared machine: compare the stages within one run only.

mod common;

use std::path::PathBuf;
use std::time::Instant;

use lieux_index::serve::{load, load_with_changes, IndexSource, LiveOptions};

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("an index directory, such as bench-data/index-1000000"),
    );
    let options = LiveOptions::default();
    let source = IndexSource::Dir(dir);
    let started = Instant::now();
    let live = load(&source, &options).expect("loaded");
    let loaded = started.elapsed();
    println!(
        "loaded {} places in {:.2} s",
        live.manifest().places,
        loaded.as_secs_f64()
    );
    for (stage, took) in live.stages() {
        println!("  {stage}: {:.3} s", took.as_secs_f64());
    }
    let change = common::rename_first_place(&live);
    let work = tempfile::tempdir().expect("a temporary directory");
    let started = Instant::now();
    let cpu = cpu_seconds();
    let amended = live
        .amended(std::slice::from_ref(&change), work.path(), &options)
        .expect("amended")
        .expect("in place");
    let took = started.elapsed();
    println!(
        "CPU time of the batch, every thread: {:.2} s",
        cpu_seconds() - cpu
    );
    println!(
        "one change applied in place in {:.2} s ({:.0}% of the load)",
        took.as_secs_f64(),
        100.0 * took.as_secs_f64() / loaded.as_secs_f64()
    );
    for (stage, took) in amended.stages() {
        println!("  {stage}: {:.3} s", took.as_secs_f64());
    }

    let dropping = Instant::now();
    drop(live);
    println!(
        "the index it replaces dropped in {:.3} s",
        dropping.elapsed().as_secs_f64()
    );
    if std::env::args().any(|arg| arg == "--in-place-only") {
        return;
    }
    let started = Instant::now();
    let rebuilt = load_with_changes(&source, &[change], work.path(), &options).expect("rebuilt");
    let rebuilding = started.elapsed();
    println!(
        "the same change applied by a rebuild in {:.2} s: in place is {:.1}x faster",
        rebuilding.as_secs_f64(),
        rebuilding.as_secs_f64() / took.as_secs_f64()
    );
    assert_eq!(rebuilt.manifest().places, amended.manifest().places);
}

/// The CPU time this process has used so far, every thread's, user and system, from
/// `/proc/self/stat` (in clock ticks of 1/100 s on Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are the 14th and 15th fields, the 12th and 13th after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}
