//! What a search within a polygon costs, one at a time on one thread: an index directory
//! written by `lieux index` (for example `bench-data/index-1000000`) and a file of `/search`
//! paths with `polygon=` and maybe `q=` (as `benches/search/polygon_paths.py` prints); each path
//! is asked once to warm up, then once more, timed.
//!
//! ```sh
//! python3 benches/search/polygon_paths.py data/communes.csv 200 departements > polygon.paths
//! cargo run --release --example polygon_cost -- bench-data/index-1000000 polygon.paths
//! ```
//!
//! Instructions, which a busy machine does not change:
//!
//! ```sh
//! valgrind --tool=callgrind --toggle-collect='*polygon_cost*search_all*' \
//!   --callgrind-out-file=target/polygon_cost.out \
//!   target/release/examples/polygon_cost bench-data/index-1000000 polygon.paths
//! callgrind_annotate --inclusive=yes target/polygon_cost.out | head -40
//! ```

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web::Query;
use lieux_index::filter::PlaceFilter;
use lieux_index::polygon::Polygons;
use lieux_index::search::SearchRequest;
use lieux_index::serve::{load, IndexSource, LiveIndex, LiveOptions};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("an index directory"));
    let paths = args.next().expect("a file of /search paths with polygon=");
    let requests: Vec<SearchRequest> = std::fs::read_to_string(&paths)
        .expect("the paths")
        .lines()
        .map(request_of)
        .collect();
    let live = load(&IndexSource::Dir(dir), &LiveOptions::default()).expect("loaded");
    search_all(&live, &requests);
    let took = search_all(&live, &requests);
    let mut slowest: Vec<(Duration, &SearchRequest)> =
        took.iter().copied().zip(&requests).collect();
    slowest.sort_by_key(|slow| std::cmp::Reverse(slow.0));
    for (took, request) in slowest.iter().take(5) {
        let inside = SearchRequest {
            filter: PlaceFilter {
                polygon: request.filter.polygon.clone(),
                ..PlaceFilter::default()
            },
            ..SearchRequest::default()
        };
        println!(
            "{:.2} ms: q={:?}, {} places inside",
            took.as_secs_f64() * 1e3,
            request.filter.q.as_deref().unwrap_or(""),
            live.search(&inside).expect("a search").results.total,
        );
    }
    let mut took = took;
    took.sort();
    let at = |q: f64| took[((took.len() - 1) as f64 * q).round() as usize];
    let total: Duration = took.iter().sum();
    println!(
        "{} searches: mean {:.2} ms, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        took.len(),
        total.as_secs_f64() * 1e3 / took.len() as f64,
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
    );
}

/// Asks every request once; how long each took.
#[inline(never)]
fn search_all(live: &LiveIndex, requests: &[SearchRequest]) -> Vec<Duration> {
    requests
        .iter()
        .map(|request| {
            let started = Instant::now();
            std::hint::black_box(live.search(request).expect("a search"));
            started.elapsed()
        })
        .collect()
}

/// The search a path asks: its polygon, its text, 20 results.
fn request_of(path: &str) -> SearchRequest {
    let query = path.split_once('?').map_or("", |(_, query)| query);
    let pairs = Query::<HashMap<String, String>>::from_query(query).expect("a query string");
    let mut filter = PlaceFilter {
        q: pairs.get("q").cloned(),
        ..PlaceFilter::default()
    };
    if let Some(polygon) = pairs.get("polygon") {
        filter.polygon = Some(Arc::new(
            Polygons::from_geojson(polygon).expect("a GeoJSON polygon"),
        ));
    }
    SearchRequest {
        filter,
        limit: 20,
        ..SearchRequest::default()
    }
}
