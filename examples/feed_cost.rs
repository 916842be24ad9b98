//! What the change feed adds to a rebuild: two live indexes of N generated places (seed 42),
//! the second with one place renamed and one added, and what changed between them
//! (`LiveIndex::changes_from`, which a rebuild runs before its swap). Run under callgrind, the
//! inclusive instruction counts of `changes_from` and of `LiveIndex::prepare` (the derived
//! structures and checks every rebuild makes) compare the two whatever the machine's load:
//!
//! ```sh
//! cargo build --release --example feed_cost
//! valgrind --tool=callgrind --callgrind-out-file=target/feed_cost.out \
//!   target/release/examples/feed_cost 30000
//! callgrind_annotate --inclusive=yes target/feed_cost.out | grep -E 'changes_from|LiveIndex::prepare'
//! ```

use std::path::Path;

use lieux_index::ingest::generate::{Gazetteer, Generator};
use lieux_index::place::TextField;
use lieux_index::serve::{load, IndexSource, LiveIndex, LiveOptions};
use lieux_index::store::report::Report;
use lieux_index::store::{write_index, NoProgress};
use lieux_index::Place;

fn live(places: &[Place], dir: &Path) -> LiveIndex {
    write_index(places, &Report::default(), Vec::new(), dir, &NoProgress).expect("indexed");
    let options = LiveOptions::default();
    load(&IndexSource::Dir(dir.to_owned()), &options).expect("loaded")
}

fn main() {
    let count: u64 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(30_000);
    let communes = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/communes.csv");
    let gazetteer = Gazetteer::from_csv(&communes).expect("data/communes.csv reads");
    let mut generator = Generator::new(&gazetteer, 42);
    let mut places: Vec<Place> = (0..count).map(|n| generator.place(n)).collect();
    let work = tempfile::tempdir().expect("a temporary directory");
    let before = live(&places, &work.path().join("before"));
    let middle = places.len() / 2;
    places[middle].texts = places[middle].texts.with(TextField::Nom, "Renommé");
    places.push(generator.place(count));
    let started = std::time::Instant::now();
    let after = live(&places, &work.path().join("after"));
    let rebuilt = started.elapsed();
    let started = std::time::Instant::now();
    let changes = after.changes_from(&before);
    let compared = started.elapsed();
    // Wall times, noisy on a shared machine: compare them within one run only.
    println!(
        "{count} places, {} changes: index written and loaded in {:.2} s, changes found in {:.3} s ({:.1}%)",
        changes.len(),
        rebuilt.as_secs_f64(),
        compared.as_secs_f64(),
        100.0 * compared.as_secs_f64() / rebuilt.as_secs_f64()
    );
}
