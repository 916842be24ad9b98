//! Criterion benches of the engine, in process: index build, cluster hierarchy, tile encoding,
//! and the search queries, on seeded generated places.
//!
//! ```sh
//! cargo bench --bench engine                         # 10,000 and 100,000 places
//! LIEUX_BENCH_SIZES=1000000 cargo bench --bench engine -- search
//! ```
//!
//! Places come from `lieux generate`'s generator (seed 42) over `data/communes.csv`, so they
//! follow the population as the HTTP harnesses' places do. Each size's index is written to a
//! temporary directory and loaded as the server loads it.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use lieux_index::filter::PlaceFilter;
use lieux_index::ingest::generate::{Gazetteer, Generator};
use lieux_index::search::{Near, SearchIndex, SearchRequest};
use lieux_index::serve::geojson::{PlaceFeature, FEATURE_BYTES};
use lieux_index::serve::map::PlaceMap;
use lieux_index::store::report::Report;
use lieux_index::store::{write_index, NoProgress, PlaceIndex};
use lieux_index::Place;
use lieux_tiles::{mercator::tile_for, ClusterOptions, TileCoord};

/// Paris, where places are densest.
const PARIS: (f64, f64) = (2.3488, 48.8534);
/// Angers, a mid-sized city.
const ANGERS: (f64, f64) = (-0.5536, 47.4712);

fn sizes() -> Vec<u64> {
    std::env::var("LIEUX_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000])
}

/// The tiles of `benches/tiles/tile_list.py`.
fn tile_path() -> Vec<TileCoord> {
    let output = std::process::Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/tiles/tile_list.py"))
        .output()
        .expect("python3 runs benches/tiles/tile_list.py");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut parts = line.split('/').map(str::parse::<u32>);
            let (Some(Ok(z)), Some(Ok(x)), Some(Ok(y))) =
                (parts.next(), parts.next(), parts.next())
            else {
                return None;
            };
            TileCoord::new(u8::try_from(z).ok()?, x, y).ok()
        })
        .collect()
}

fn places(count: u64) -> Vec<Place> {
    let communes = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/communes.csv");
    let gazetteer = Gazetteer::from_csv(&communes).expect("data/communes.csv reads");
    let mut generator = Generator::new(&gazetteer, 42);
    (0..count).map(|n| generator.place(n)).collect()
}

struct Loaded {
    _dir: tempfile::TempDir,
    index: PlaceIndex,
    search: SearchIndex,
}

fn load(places: &[Place]) -> Loaded {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("idx");
    write_index(places, &Report::default(), Vec::new(), &out, &NoProgress).expect("indexed");
    let index = PlaceIndex::open(&out).expect("loads");
    let search = SearchIndex::build(&index).expect("search structures");
    Loaded {
        _dir: dir,
        index,
        search,
    }
}

fn request(pairs: &[(&str, &str)], near: Option<(f64, f64, Option<f64>)>) -> SearchRequest {
    SearchRequest {
        filter: PlaceFilter::from_pairs(pairs.iter().copied()).expect("valid filter"),
        near: near.map(|(longitude, latitude, radius_m)| Near {
            longitude,
            latitude,
            radius_m,
        }),
        limit: 20,
        ..SearchRequest::default()
    }
}

fn engine(c: &mut Criterion) {
    for n in sizes() {
        let places = places(n);
        let mut build = c.benchmark_group("build");
        build.sample_size(10);
        build.bench_with_input(BenchmarkId::new("index", n), &places, |b, places| {
            b.iter(|| {
                let dir = tempfile::tempdir().expect("a temporary directory");
                write_index(
                    places,
                    &Report::default(),
                    Vec::new(),
                    &dir.path().join("i"),
                    &NoProgress,
                )
                .expect("indexed")
            });
        });
        let loaded = load(&places);
        build.bench_with_input(BenchmarkId::new("cluster_hierarchy", n), &loaded, |b, l| {
            b.iter(|| {
                PlaceMap::build(
                    &l.index,
                    &l.search,
                    &PlaceFilter::default(),
                    ClusterOptions::default(),
                )
            })
        });
        build.finish();

        let map = PlaceMap::build(
            &loaded.index,
            &loaded.search,
            &PlaceFilter::default(),
            ClusterOptions::default(),
        )
        .expect("a map");
        let mut tiles = c.benchmark_group(format!("tile_encode/{n}"));
        for z in [0u8, 6, 10, 14] {
            let coord = tile_for(PARIS.0, PARIS.1, z).expect("a tile");
            tiles.bench_function(BenchmarkId::from_parameter(z), |b| {
                b.iter(|| map.tile(&loaded.index, black_box(coord)).expect("encodes"))
            });
        }
        tiles.finish();
        // The pan-and-zoom path of the HTTP harness, built and encoded tile after tile: the
        // time per iteration divided by the number of tiles compares with supercluster's mean
        // getTile on the same tiles (benches/tiles-bench.sh).
        let path = tile_path();
        let mut list = c.benchmark_group("tile_list");
        list.sample_size(10);
        list.bench_function(BenchmarkId::new(format!("{}_tiles", path.len()), n), |b| {
            b.iter(|| {
                path.iter()
                    .map(|coord| map.tile(&loaded.index, *coord).expect("encodes").len())
                    .sum::<usize>()
            })
        });
        list.finish();

        let queries = [
            (
                "text",
                request(&[("q", "aide aux démarches administratives")], None),
            ),
            (
                "text_radius",
                request(
                    &[("q", "médiathèque")],
                    Some((PARIS.0, PARIS.1, Some(10_000.0))),
                ),
            ),
            (
                "radius",
                request(&[], Some((ANGERS.0, ANGERS.1, Some(10_000.0)))),
            ),
            (
                "radius_paris_20km",
                request(&[], Some((PARIS.0, PARIS.1, Some(20_000.0)))),
            ),
            (
                "radius_filtered",
                request(
                    &[("services", "Aide aux démarches administratives")],
                    Some((PARIS.0, PARIS.1, Some(10_000.0))),
                ),
            ),
        ];
        let mut search = c.benchmark_group(format!("search/{n}"));
        for (name, request) in &queries {
            search.bench_function(*name, |b| {
                b.iter(|| {
                    loaded
                        .search
                        .search(&loaded.index, black_box(request))
                        .expect("searches")
                })
            });
        }
        search.bench_function("nearest", |b| {
            b.iter(|| {
                loaded
                    .search
                    .nearest(&loaded.index, PARIS.0, PARIS.1, 10, &PlaceFilter::default())
                    .expect("nearest")
            })
        });
        // The twenty features of a page of results, as `/search` writes them.
        let page = loaded
            .search
            .search(&loaded.index, &queries[2].1)
            .expect("searches")
            .hits;
        search.bench_function("page_of_20_features", |b| {
            let mut out = Vec::with_capacity(page.len() * FEATURE_BYTES);
            b.iter(|| {
                out.clear();
                for hit in &page {
                    PlaceFeature {
                        score: Some(hit.score),
                        distance_m: hit.distance_m,
                        ..PlaceFeature::new(&loaded.index.places[hit.ordinal as usize])
                    }
                    .write_json(&mut out);
                }
                black_box(out.len())
            });
        });
        for typed in ["mediath", "ang", "france serv"] {
            search.bench_function(format!("suggest/{typed}"), |b| {
                b.iter(|| {
                    loaded
                        .search
                        .suggest(&loaded.index, black_box(typed), 8, None)
                        .expect("suggests")
                        .len()
                })
            });
        }
        search.finish();
    }
}

criterion_group!(benches, engine);
criterion_main!(benches);
