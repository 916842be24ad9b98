//! After any sequence of accepted changes (new places, updates that move or rename places,
//! closures, reverts), the live index serves the places a model of those changes makes, and
//! answers as an index built from scratch on its places in the same order: searches (hits,
//! scores, totals, facets), nearest, clusters at every zoom and tiles, byte for byte.
//!
//! The model is this file's own (a map by id, the changes replayed but the reverted ones); the
//! index built from scratch is `write_ordered_index` and `load` on the places served, in their
//! order. Whatever applies changes to a live index, rebuilding it or patching it in place, must
//! keep both.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use proptest::prelude::*;

use super::*;
use crate::changes::{ContributionKind, Fields};
use crate::filter::PlaceFilter;
use crate::place::TextField;
use crate::search::facets::Facet;
use crate::search::Near;
use crate::store::places::Places;

/// The map of the places offering the first service.
fn one_service() -> MapFilter {
    let mut filter = PlaceFilter::default();
    filter
        .services
        .insert(<crate::vocab::Service as crate::vocab::Vocabulary>::ALL[0]);
    MapFilter::new(filter)
}

/// Tiles and clusters with the number of places of each service in each cluster.
const COUNTING_SERVICES: MapContent = MapContent {
    counts: Some(Facet::Services),
    fields: None,
};

/// The base data, indexed once.
static BASE: LazyLock<(tempfile::TempDir, Places)> = LazyLock::new(|| {
    let dir = tempfile::tempdir().unwrap();
    let places = crate::ingest::generate::test_places(300, 5);
    let out = dir.path().join("base");
    write_index(&places, &Report::default(), Vec::new(), &out, &NoProgress).unwrap();
    let places = PlaceIndex::open(&out).unwrap().places;
    (dir, places)
});

fn options() -> LiveOptions {
    LiveOptions {
        cluster: ClusterOptions::default(),
        map_cache_places: 1_000_000,
        tile_cache_bytes: 64 << 20,
        thesaurus: Vec::new(),
        freshness: crate::freshness::FreshnessRule::default(),
    }
}

/// A change as the test draws it; places are named by their position among those on the map
/// when the change comes.
#[derive(Clone, Debug)]
enum Op {
    New {
        lon: f64,
        lat: f64,
        word: usize,
    },
    /// A new place at the position of another (two services in one building): places at one
    /// position must be told apart by their ordinals.
    Beside {
        at: usize,
        word: usize,
    },
    Move {
        at: usize,
        dlon: f64,
        dlat: f64,
    },
    Rename {
        at: usize,
        word: usize,
    },
    Close {
        at: usize,
    },
    Notice {
        at: usize,
    },
    Revert {
        at: usize,
    },
}

const WORDS: [&str; 4] = [
    "Médiathèque",
    "Espace numérique",
    "France services",
    "Fablab",
];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (-4.0f64..7.0, 43.0f64..50.0, 0..WORDS.len()).prop_map(|(lon, lat, word)| Op::New {
            lon,
            lat,
            word
        }),
        (any::<usize>(), 0..WORDS.len()).prop_map(|(at, word)| Op::Beside { at, word }),
        (any::<usize>(), -0.3f64..0.3, -0.3f64..0.3).prop_map(|(at, dlon, dlat)| Op::Move {
            at,
            dlon,
            dlat
        }),
        (any::<usize>(), 0..WORDS.len()).prop_map(|(at, word)| Op::Rename { at, word }),
        any::<usize>().prop_map(|at| Op::Close { at }),
        any::<usize>().prop_map(|at| Op::Notice { at }),
        any::<usize>().prop_map(|at| Op::Revert { at }),
    ]
}

/// What the model says is on the map: each place's name and position, by id.
type Model = BTreeMap<String, (String, f64, f64)>;

fn fields(pairs: &[(&str, String)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// The accepted changes `ops` make, in order, and what the model says is on the map then:
/// each place's id with its name and position.
fn play(ops: &[Op]) -> (Vec<AcceptedChange>, Model) {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let mut changes: Vec<AcceptedChange> = Vec::new();
    let mut reverted: Vec<bool> = Vec::new();
    // The model, replayed after each change (the reverted ones left out).
    let model = |changes: &[AcceptedChange], reverted: &[bool]| {
        let mut map: Model = BASE
            .1
            .iter()
            .map(|p| {
                (
                    p.id().to_owned(),
                    (p.nom().to_owned(), p.longitude, p.latitude),
                )
            })
            .collect();
        for (change, _) in changes.iter().zip(reverted).filter(|(_, r)| !**r) {
            let after = |name: &str| change.after.get(name).cloned();
            match change.kind {
                ContributionKind::New => {
                    let number = |name| after(name).unwrap().parse::<f64>().unwrap();
                    map.insert(
                        change.place_id.clone(),
                        (
                            after("nom").unwrap(),
                            number("longitude"),
                            number("latitude"),
                        ),
                    );
                }
                ContributionKind::Update => {
                    if let Some(place) = map.get_mut(&change.place_id) {
                        if let Some(nom) = after("nom") {
                            place.0 = nom;
                        }
                        if let (Some(lon), Some(lat)) = (after("longitude"), after("latitude")) {
                            place.1 = lon.parse().unwrap();
                            place.2 = lat.parse().unwrap();
                        }
                    }
                }
                ContributionKind::Closed => {
                    map.remove(&change.place_id);
                }
            }
        }
        map
    };
    for (n, op) in ops.iter().enumerate() {
        let now = model(&changes, &reverted);
        let ids: Vec<&String> = now.keys().collect();
        let pick = |at: usize| ids[at % ids.len()].clone();
        let contribution = n as u64 + 1;
        let change = |kind, place_id: String, before: Fields, after: Fields| AcceptedChange {
            contribution,
            kind,
            place_id,
            before,
            after,
            accepted_on: day,
        };
        let new_place = |lon: f64, lat: f64, word: usize| {
            change(
                ContributionKind::New,
                format!("lieux-test-{n}"),
                Fields::new(),
                fields(&[
                    ("nom", format!("{} numéro {n}", WORDS[word])),
                    ("adresse", "1 place du Ralliement".to_owned()),
                    ("commune", "Angers".to_owned()),
                    ("code_postal", "49000".to_owned()),
                    ("longitude", format!("{lon}")),
                    ("latitude", format!("{lat}")),
                ]),
            )
        };
        let new = match *op {
            Op::Beside { at, word } => {
                let (_, lon, lat) = now[&pick(at)];
                Some(new_place(lon, lat, word))
            }
            Op::New { lon, lat, word } => {
                let micro = |v: f64| (v * 1e6).round() / 1e6;
                Some(new_place(micro(lon), micro(lat), word))
            }
            Op::Move { at, dlon, dlat } => {
                let id = pick(at);
                let (_, lon, lat) = now[&id];
                Some(change(
                    ContributionKind::Update,
                    id.clone(),
                    // As the schema's text writes a number, which the change found.
                    fields(&[
                        ("longitude", format!("{lon}")),
                        ("latitude", format!("{lat}")),
                    ]),
                    fields(&[
                        ("longitude", format!("{:.6}", lon + dlon)),
                        (
                            "latitude",
                            format!("{:.6}", (lat + dlat).clamp(-80.0, 80.0)),
                        ),
                    ]),
                ))
            }
            Op::Rename { at, word } => {
                let id = pick(at);
                Some(change(
                    ContributionKind::Update,
                    id.clone(),
                    fields(&[("nom", now[&id].0.clone())]),
                    fields(&[("nom", format!("{} renommé {n}", WORDS[word]))]),
                ))
            }
            Op::Close { at } if ids.len() > 1 => Some(change(
                ContributionKind::Closed,
                pick(at),
                Fields::new(),
                Fields::new(),
            )),
            Op::Close { .. } => None,
            // A closure for the month, which the model does not see: it leaves the record.
            Op::Notice { at } => Some(change(
                ContributionKind::Update,
                pick(at),
                Fields::new(),
                fields(&[
                    ("fermeture_debut", "2026-12-01".to_owned()),
                    ("fermeture_fin", "2026-12-31".to_owned()),
                    ("fermeture_motif", format!("Travaux {n}")),
                ]),
            )),
            Op::Revert { at } if !changes.is_empty() => {
                let k = at % changes.len();
                reverted[k] = true;
                None
            }
            Op::Revert { .. } => None,
        };
        if let Some(new) = new {
            changes.push(new);
            reverted.push(false);
        }
    }
    let map = model(&changes, &reverted);
    let kept = changes
        .into_iter()
        .zip(reverted)
        .filter(|(_, r)| !r)
        .map(|(c, _)| c)
        .collect();
    (kept, map)
}

/// The tiles that show the places of `live` at a few zooms, from the world's to single
/// points'.
fn tiles_of_places(live: &LiveIndex) -> BTreeSet<TileCoord> {
    let (places, _): (Vec<&Place>, Vec<_>) = live
        .matching(&PlaceFilter::default())
        .unwrap()
        .into_iter()
        .unzip();
    places
        .iter()
        .flat_map(|place| {
            [0u8, 5, 9, 13, 16, 17, 20].map(|z| {
                lieux_tiles::mercator::tile_for(place.longitude, place.latitude, z).unwrap()
            })
        })
        .collect()
}

/// What `live` answers, in a form two indexes can be compared by, with its unfiltered `tiles`.
fn answers(live: &LiveIndex, tiles: &BTreeSet<TileCoord>) -> Vec<String> {
    let mut out = Vec::new();
    let ids = |hits: &[Hit]| -> Vec<String> {
        live.places(&hits.iter().map(|h| h.ordinal).collect::<Vec<_>>())
            .map(|p| p.id().to_owned())
            .zip(hits.iter().map(|h| h.score.to_string()))
            .map(|(id, score)| format!("{id}:{score}"))
            .collect()
    };
    // A search's total, hits and facets, after `label`.
    let searched = |label: String, request: &SearchRequest| -> String {
        let asked = live.search(request).unwrap();
        format!(
            "{label}: {} {:?} {}",
            asked.results.total,
            ids(&asked.results.hits),
            serde_json::to_string(&asked.results.facets).unwrap()
        )
    };
    for q in [
        None,
        Some("mediatheque"),
        Some("france services"),
        Some("numerique renomme"),
    ] {
        for near in [
            None,
            Some((-0.55, 47.47, Some(50_000.0))),
            Some((2.35, 48.85, None)),
        ] {
            let request = SearchRequest {
                filter: PlaceFilter {
                    q: q.map(str::to_owned),
                    ..PlaceFilter::default()
                },
                near: near.map(|(longitude, latitude, radius_m)| Near {
                    longitude,
                    latitude,
                    radius_m,
                }),
                limit: 20,
                ..SearchRequest::default()
            };
            out.push(searched(format!("search {q:?} {near:?}"), &request));
        }
    }
    // Opening hours (open on a Tuesday morning) and facet filters inside a radius (the blocks'
    // counts), with a département.
    let tuesday = chrono::NaiveDate::from_ymd_opt(2026, 12, 8)
        .unwrap()
        .and_hms_opt(10, 30, 0)
        .unwrap();
    let mut services = PlaceFilter::default();
    services
        .services
        .insert(<crate::vocab::Service as crate::vocab::Vocabulary>::ALL[0]);
    services
        .departements
        .extend(BASE.1[0].departement().map(str::to_owned));
    for (filter, open) in [(PlaceFilter::default(), Some(tuesday)), (services, None)] {
        let request = SearchRequest {
            filter,
            near: Some(Near {
                longitude: -0.55,
                latitude: 47.47,
                radius_m: Some(80_000.0),
            }),
            open: open.map(|at| crate::search::OpenFilter {
                at,
                include_unknown: false,
            }),
            limit: 20,
            ..SearchRequest::default()
        };
        out.push(searched(format!("search {request:?}"), &request));
    }
    // Within a polygon with a hole around Angers (blocks taken whole or place by place,
    // their spheres and the places' positions patched by batches), alone and with text.
    let ring = |lon: f64, lat: f64, r: f64| -> crate::polygon::Ring {
        let mut ring: crate::polygon::Ring = (0..12)
            .map(|k| {
                let angle = std::f64::consts::TAU * f64::from(k) / 12.0;
                (lon + r * angle.cos(), lat + r * 0.7 * angle.sin())
            })
            .collect();
        ring.push(ring[0]);
        ring
    };
    let polygon = std::sync::Arc::new(crate::polygon::Polygons::new(vec![vec![
        ring(-0.55, 47.47, 1.5),
        ring(-0.55, 47.47, 0.05),
    ]]));
    for q in [None, Some("mediatheque")] {
        let request = SearchRequest {
            filter: PlaceFilter {
                q: q.map(str::to_owned),
                polygon: Some(std::sync::Arc::clone(&polygon)),
                ..PlaceFilter::default()
            },
            limit: 20,
            ..SearchRequest::default()
        };
        out.push(searched(format!("polygon {q:?}"), &request));
    }
    out.push(live.attribution().to_owned());
    // Completion: communes (their counts and centres), services, names.
    for q in ["an", "mediath", "numer", "fablab"] {
        for near in [None, Some((-0.55, 47.47))] {
            let suggestions = live.suggest(q, 10, near).unwrap();
            out.push(format!("suggest {q} {near:?}: {suggestions:?}"));
        }
    }
    for (lon, lat) in [(-0.55, 47.47), (5.0, 45.0)] {
        let hits = live.nearest(lon, lat, 10, &PlaceFilter::default()).unwrap();
        out.push(format!("nearest {lon} {lat}: {:?}", ids(&hits)));
    }
    let all = MapFilter::default();
    for zoom in 0..=16 {
        // With the number of places of each service in each cluster, which a batch that keeps
        // the hierarchy must count again.
        let clusters = live
            .clusters(&all, LngLatBbox::WORLD, zoom, &COUNTING_SERVICES)
            .unwrap();
        out.push(format!("clusters {zoom}: {clusters}"));
        // A map filtered by service, which a batch keeps when no place entered or left it.
        let clusters = live
            .clusters(
                &one_service(),
                LngLatBbox::WORLD,
                zoom,
                &MapContent::default(),
            )
            .unwrap();
        out.push(format!("clusters of one service {zoom}: {clusters}"));
    }
    for &coord in tiles {
        let (z, x, y) = (coord.z(), coord.x(), coord.y());
        for content in [MapContent::default(), COUNTING_SERVICES] {
            let tile = live.tile(&all, coord, Compression::None, &content).unwrap();
            out.push(format!(
                "tile {z}/{x}/{y} {content:?}: {}",
                blake3::hash(&tile).to_hex()
            ));
        }
    }
    out
}

#[test]
fn a_reverted_change_is_not_applied_in_place_but_rebuilt() {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let place = &BASE.1[0];
    let update = |contribution: u64, field: &str, before: &str, after: &str| AcceptedChange {
        contribution,
        kind: ContributionKind::Update,
        place_id: place.id().to_owned(),
        before: fields(&[(field, before.to_owned())]),
        after: fields(&[(field, after.to_owned())]),
        accepted_on: day,
    };
    let rename = update(1, "nom", place.nom(), "Nouveau nom");
    let readdress = update(2, "adresse", place.text(TextField::Adresse), "2 rue Neuve");
    let work = tempfile::tempdir().unwrap();
    let base = IndexSource::Dir(BASE.0.path().join("base"));
    let both = [rename.clone(), readdress.clone()];
    let live = load_with_changes(&base, &both, work.path(), &options()).unwrap();
    assert_eq!(live.place_record(place.id()).unwrap().nom(), "Nouveau nom");
    // The renaming reverted: the changes served are no longer the first of those accepted.
    let left = std::slice::from_ref(&readdress);
    assert!(live
        .amended(left, work.path(), &options())
        .unwrap()
        .is_none());
    let changed = load_changed(&live, &base, left, work.path(), &options()).unwrap();
    let served = changed.place_record(place.id()).unwrap();
    assert_eq!(served.nom(), place.nom());
    assert_eq!(served.text(TextField::Adresse), "2 rue Neuve");
    assert_eq!(changed.changes().count, 1);
}

#[test]
fn a_batch_moves_places_as_a_rebuild_does() {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let place = &BASE.1[7];
    let change =
        |contribution: u64, kind, place_id: &str, before: Fields, after: Fields| AcceptedChange {
            contribution,
            kind,
            place_id: place_id.to_owned(),
            before,
            after,
            accepted_on: day,
        };
    let beside = change(
        1,
        ContributionKind::New,
        "lieux-voisin",
        Fields::new(),
        fields(&[
            ("nom", "Fablab du même immeuble".to_owned()),
            ("adresse", place.text(TextField::Adresse).to_owned()),
            ("commune", place.commune().to_owned()),
            ("code_postal", place.code_postal().to_owned()),
            ("longitude", place.longitude.to_string()),
            ("latitude", place.latitude.to_string()),
        ]),
    );
    let rename = change(
        2,
        ContributionKind::Update,
        place.id(),
        fields(&[("nom", place.nom().to_owned())]),
        fields(&[("nom", "Médiathèque renommée".to_owned())]),
    );
    let rename_beside = change(
        3,
        ContributionKind::Update,
        "lieux-voisin",
        fields(&[("nom", "Fablab du même immeuble".to_owned())]),
        fields(&[("nom", "Fablab renommé".to_owned())]),
    );
    let close = change(
        4,
        ContributionKind::Closed,
        place.id(),
        Fields::new(),
        Fields::new(),
    );
    let all = [beside, rename, rename_beside, close];
    let work = tempfile::tempdir().unwrap();
    let base = IndexSource::Dir(BASE.0.path().join("base"));
    let order = |index: &LiveIndex| -> Vec<String> {
        index
            .index
            .places
            .iter()
            .map(|p| p.id().to_owned())
            .collect()
    };
    for first in 0..all.len() {
        let mut live = load_with_changes(&base, &all[..first], work.path(), &options()).unwrap();
        for upto in first + 1..=all.len() {
            live = live
                .amended(&all[..upto], work.path(), &options())
                .unwrap()
                .unwrap();
            let rebuilt = load_with_changes(&base, &all[..upto], work.path(), &options()).unwrap();
            assert_eq!(order(&live), order(&rebuilt), "from {first} to {upto}");
        }
    }
    // No other place moved: the new one came last, then took the closed one's position.
    let served = load_with_changes(&base, &[], work.path(), &options()).unwrap();
    let mut expected = order(&served);
    let closed = expected.iter().position(|id| id == place.id()).unwrap();
    expected[closed] = "lieux-voisin".to_owned();
    let rebuilt = load_with_changes(&base, &all, work.path(), &options()).unwrap();
    assert_eq!(order(&rebuilt), expected);
    let renamed = load_with_changes(&base, &all[..3], work.path(), &options()).unwrap();
    assert_eq!(
        order(&renamed).last().map(String::as_str),
        Some("lieux-voisin")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn after_any_changes_the_live_index_serves_the_model_and_answers_as_one_built_from_scratch(
        ops in proptest::collection::vec(op(), 1..14),
        split in any::<proptest::sample::Index>(),
        batch_of in 1..4usize,
    ) {
        let (changes, model) = play(&ops);
        let work = tempfile::tempdir().unwrap();
        let base = IndexSource::Dir(BASE.0.path().join("base"));
        let rebuilt = load_with_changes(&base, &changes, work.path(), &options()).unwrap();
        // The same changes applied in place, in batches, on an index built with the first ones.
        let first = split.index(changes.len() + 1);
        let mut live = load_with_changes(&base, &changes[..first], work.path(), &options()).unwrap();
        let mut upto = first;
        // Tiles asked before each batch, cached: a batch carries those it did not change over
        // (checked against the new hierarchy when it made one), and they must be what a new
        // index makes.
        let all = MapFilter::default();
        let mut tiles = BTreeSet::new();
        // The index the last batch was applied to, which shares its unchanged places.
        let mut previous = None;
        while upto < changes.len() {
            upto = (upto + batch_of).min(changes.len());
            for coord in tiles_of_places(&live) {
                for content in [MapContent::default(), COUNTING_SERVICES] {
                    live.tile(&all, coord, Compression::None, &content).unwrap();
                }
                tiles.insert(coord);
            }
            // The filtered map made and cached, for the batch to keep or drop.
            live.clusters(&one_service(), LngLatBbox::WORLD, 5, &MapContent::default()).unwrap();
            let next = live.amended(&changes[..upto], work.path(), &options()).unwrap().unwrap();
            previous = Some(std::mem::replace(&mut live, next));
            // Patched, the places' documents and the services' bitmaps are what a read makes.
            prop_assert!(live.search.text_maps_as_read(&live.index));
        }
        tiles.extend(tiles_of_places(&live));
        // A batch serves what a rebuild serves: the same places, in the same order, with the
        // same closures and notices, and the same conflicts.
        let records = |index: &LiveIndex| -> Vec<(Place, Vec<Notice>)> {
            index
                .index
                .places
                .iter()
                .zip(0u32..)
                .map(|(place, ordinal)| ((**place).clone(), index.notices_of(ordinal).to_vec()))
                .collect()
        };
        prop_assert!(records(&live) == records(&rebuilt));
        prop_assert_eq!(&live.changes().conflicts, &rebuilt.changes().conflicts);
        prop_assert_eq!(&live.changes().orphans, &rebuilt.changes().orphans);
        prop_assert_eq!(live.changes().count, rebuilt.changes().count);

        // What it serves is the model's: the same places, names and positions.
        let served: Model = live
            .matching(&PlaceFilter::default())
            .unwrap()
            .into_iter()
            .map(|(p, _)| (p.id().to_owned(), (p.nom().to_owned(), p.longitude, p.latitude)))
            .collect();
        prop_assert_eq!(served.len(), model.len());
        for (id, (nom, lon, lat)) in &model {
            let (s_nom, s_lon, s_lat) = &served[id];
            prop_assert_eq!(s_nom, nom);
            prop_assert!((s_lon - lon).abs() < 1e-9 && (s_lat - lat).abs() < 1e-9, "{id}");
        }

        // What changed from the index before the last change (built apart, and the one the last
        // batch was applied to, which shares its records) is what differs, place by place.
        let before_dir = tempfile::tempdir().unwrap();
        let built_apart = changes.split_last().map(|(_, earlier)| {
            load_with_changes(&base, earlier, before_dir.path(), &options()).unwrap()
        });
        for before in built_apart.iter().chain(&previous) {
            let found: BTreeMap<String, &str> = live
                .changes_from(before)
                .into_iter()
                .map(|c| (c.place_id, c.action.name()))
                .collect();
            let all = |index: &LiveIndex| -> BTreeMap<String, (Place, Vec<Notice>)> {
                index
                    .matching(&PlaceFilter::default())
                    .unwrap()
                    .into_iter()
                    .map(|(p, _)| {
                        let notices = index.served(p.id()).unwrap().notices.to_vec();
                        (p.id().to_owned(), (p.clone(), notices))
                    })
                    .collect()
            };
            let (old, new) = (all(before), all(&live));
            let mut expected = BTreeMap::new();
            for (id, place) in &new {
                match old.get(id) {
                    None => {
                        expected.insert(id.clone(), "created");
                    }
                    Some(was) if was != place => {
                        expected.insert(id.clone(), "updated");
                    }
                    Some(_) => {}
                }
            }
            for id in old.keys().filter(|id| !new.contains_key(*id)) {
                expected.insert(id.clone(), "closed");
            }
            prop_assert_eq!(found, expected);
        }

        // It answers as an index built from scratch on its places, in its order.
        let (places, _): (Vec<&Place>, Vec<_>) = live
            .matching(&PlaceFilter::default())
            .unwrap()
            .into_iter()
            .unzip();
        let out = work.path().join("scratch");
        write_ordered_index(&places, &Report::default(), Vec::new(), &out, &NoProgress).unwrap();
        let mut scratch = load(&IndexSource::Dir(out), &options()).unwrap();
        // With the same closures and notices (which `open_at` honours).
        scratch.set_notices(
            live.notices
                .iter()
                .map(|(ordinal, notices)| (live.index.places[*ordinal as usize].id().to_owned(), notices.clone()))
                .collect(),
        );
        // Its query reader counts the words and départements of its places, as a new one does.
        prop_assert!(live.search.reader().counts() == scratch.search.reader().counts());
        prop_assert_eq!(live.search.id_table(), scratch.search.id_table());
        let (got, want) = (answers(&live, &tiles), answers(&scratch, &tiles));
        prop_assert_eq!(got.len(), want.len());
        for (got, want) in got.iter().zip(&want) {
            prop_assert_eq!(got, want);
        }
    }
}

/// Whether two indexes answer the same clusters of one service's map, at three zooms.
fn same_map(got: &LiveIndex, want: &LiveIndex) {
    for zoom in [0, 8, 17] {
        let asked = |live: &LiveIndex| {
            live.clusters(
                &one_service(),
                LngLatBbox::WORLD,
                zoom,
                &MapContent::default(),
            )
            .unwrap()
        };
        assert_eq!(asked(got), asked(want), "zoom {zoom}");
    }
}

#[test]
fn a_batch_keeps_the_filtered_maps_no_changed_place_entered_left_or_moved_in() {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let first = <crate::vocab::Service as crate::vocab::Vocabulary>::ALL[0];
    // A place in the map of the first service, and one out of it.
    let inside = BASE.1.iter().find(|p| p.services.contains(first)).unwrap();
    let outside = BASE.1.iter().find(|p| !p.services.contains(first)).unwrap();
    let update = |contribution: u64, place: &Place, field: &str, before: String, after: String| {
        AcceptedChange {
            contribution,
            kind: ContributionKind::Update,
            place_id: place.id().to_owned(),
            before: fields(&[(field, before)]),
            after: fields(&[(field, after)]),
            accepted_on: day,
        }
    };
    let work = tempfile::tempdir().unwrap();
    let base = IndexSource::Dir(BASE.0.path().join("base"));
    let live = load(&base, &options()).unwrap();
    let warm = |live: &LiveIndex| {
        live.clusters(&one_service(), LngLatBbox::WORLD, 5, &MapContent::default())
            .unwrap()
    };
    warm(&live);
    // Renamed, both stay where they were: the map is kept, shared.
    let mut changes = vec![
        update(
            1,
            inside,
            "nom",
            inside.nom().to_owned(),
            "Renommé dedans".to_owned(),
        ),
        update(
            2,
            outside,
            "nom",
            outside.nom().to_owned(),
            "Renommé dehors".to_owned(),
        ),
    ];
    let renamed = live
        .amended(&changes, work.path(), &options())
        .unwrap()
        .unwrap();
    let kept = renamed.maps.cached(&one_service()).expect("kept");
    assert!(Arc::ptr_eq(
        &kept,
        &live.maps.cached(&one_service()).unwrap()
    ));
    // The place outside now offers the first service: it enters the map, which is made again.
    let service = crate::vocab::Vocabulary::label(first).to_owned();
    let before = outside.services.to_pipe_string();
    changes.push(update(3, outside, "services", before, service));
    let entered = renamed
        .amended(&changes, work.path(), &options())
        .unwrap()
        .unwrap();
    assert!(entered.maps.cached(&one_service()).is_none(), "dropped");
    let rebuilt = load_with_changes(&base, &changes, work.path(), &options()).unwrap();
    let rebuilt_renamed = load_with_changes(&base, &changes[..2], work.path(), &options()).unwrap();
    same_map(&entered, &rebuilt);
    same_map(&renamed, &rebuilt_renamed);
    // The last place, in the map, closes: no place takes its ordinal (the batch changes none),
    // and the map loses its last point: it is made again where the closure reaches.
    let mut now = entered;
    let last = Arc::clone(&now.index.places[now.index.places.len() - 1]);
    if !last.services.contains(first) {
        let before = last.services.to_pipe_string();
        let service = crate::vocab::Vocabulary::label(first).to_owned();
        changes.push(update(4, &last, "services", before, service));
        now = now
            .amended(&changes, work.path(), &options())
            .unwrap()
            .unwrap();
    }
    warm(&now);
    changes.push(AcceptedChange {
        contribution: 5,
        kind: ContributionKind::Closed,
        place_id: last.id().to_owned(),
        before: Fields::new(),
        after: Fields::new(),
        accepted_on: day,
    });
    let closed = now
        .amended(&changes, work.path(), &options())
        .unwrap()
        .unwrap();
    let made_again = closed.maps.cached(&one_service()).expect("made again");
    assert!(!Arc::ptr_eq(
        &made_again,
        &now.maps.cached(&one_service()).unwrap()
    ));
    let rebuilt = load_with_changes(&base, &changes, work.path(), &options()).unwrap();
    same_map(&closed, &rebuilt);
    // A place out of the map moves: the hierarchy of every place is made again, the map is
    // kept.
    warm(&closed);
    let away = (closed.index.places.iter())
        .find(|p| !p.services.contains(first))
        .map(Arc::clone)
        .unwrap();
    changes.push(AcceptedChange {
        contribution: 6,
        kind: ContributionKind::Update,
        place_id: away.id().to_owned(),
        before: fields(&[("longitude", format!("{}", away.longitude))]),
        after: fields(&[("longitude", format!("{:.6}", away.longitude + 0.01))]),
        accepted_on: day,
    });
    let moved = closed
        .amended(&changes, work.path(), &options())
        .unwrap()
        .unwrap();
    let whole = |live: &LiveIndex| live.maps.cached(&MapFilter::default()).unwrap();
    assert!(!Arc::ptr_eq(&whole(&moved), &whole(&closed)), "made again");
    assert!(Arc::ptr_eq(
        &moved.maps.cached(&one_service()).expect("kept"),
        &closed.maps.cached(&one_service()).unwrap()
    ));
    let rebuilt = load_with_changes(&base, &changes, work.path(), &options()).unwrap();
    same_map(&moved, &rebuilt);
    // A place in the map moves: the map is made again where the move reaches, and answers as
    // one made whole.
    let near = (moved.index.places.iter())
        .find(|p| p.services.contains(first))
        .map(Arc::clone)
        .unwrap();
    changes.push(AcceptedChange {
        contribution: 7,
        kind: ContributionKind::Update,
        place_id: near.id().to_owned(),
        before: fields(&[("latitude", format!("{}", near.latitude))]),
        after: fields(&[("latitude", format!("{:.6}", near.latitude + 0.002))]),
        accepted_on: day,
    });
    let moved_in = moved
        .amended(&changes, work.path(), &options())
        .unwrap()
        .unwrap();
    let made_again = moved_in.maps.cached(&one_service()).expect("made again");
    assert!(!Arc::ptr_eq(
        &made_again,
        &moved.maps.cached(&one_service()).unwrap()
    ));
    let rebuilt = load_with_changes(&base, &changes, work.path(), &options()).unwrap();
    same_map(&moved_in, &rebuilt);
}

#[test]
fn a_batch_that_moves_a_place_keeps_the_tiles_whose_items_it_left_as_they_were() {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let work = tempfile::tempdir().unwrap();
    let base = IndexSource::Dir(BASE.0.path().join("base"));
    let live = load(&base, &options()).unwrap();
    let all = MapFilter::default();
    let tiles = tiles_of_places(&live);
    let tile = |live: &LiveIndex, coord| {
        live.tile(&all, coord, Compression::None, &MapContent::default())
            .unwrap()
    };
    for &coord in &tiles {
        tile(&live, coord);
    }
    // One place moves a kilometre east.
    let place = Arc::clone(&live.index.places[17]);
    let changes = vec![AcceptedChange {
        contribution: 1,
        kind: ContributionKind::Update,
        place_id: place.id().to_owned(),
        before: fields(&[("longitude", format!("{}", place.longitude))]),
        after: fields(&[("longitude", format!("{:.6}", place.longitude + 0.013))]),
        accepted_on: day,
    }];
    let moved = live
        .amended(&changes, work.path(), &options())
        .unwrap()
        .unwrap();
    let whole = |live: &LiveIndex| live.maps.cached(&MapFilter::default()).unwrap();
    assert!(!Arc::ptr_eq(&whole(&moved), &whole(&live)), "made again");
    let rebuilt = load_with_changes(&base, &changes, work.path(), &options()).unwrap();
    let (mut kept, mut changed) = (0u64, 0u64);
    for &coord in &tiles {
        let now = tile(&moved, coord);
        assert_eq!(now, tile(&rebuilt, coord), "{coord:?}");
        if now == tile(&live, coord) {
            kept += 1;
        } else {
            changed += 1;
        }
    }
    // Every tile the move changed was made again; the others came from the cache, but those
    // that show the place (before or after), left behind with the place's properties.
    let (hits, misses) = moved.tiles.stats();
    let positions = [
        (place.longitude, place.latitude),
        (place.longitude + 0.013, place.latitude),
    ];
    let showing = whole(&live).tiles_showing(&positions);
    let left_behind = tiles.iter().filter(|t| showing.contains(t)).count() as u64;
    assert!(
        changed > 0 && kept > 10 * changed,
        "{kept} kept, {changed} changed"
    );
    assert!(misses >= changed, "{misses} misses");
    assert!(hits >= kept - left_behind && hits > 0, "{hits} hits");
}
