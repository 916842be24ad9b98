//! Search over HTTP on the bundled data, checked against oracles computed here from the CSV.

use std::collections::HashMap;

use crate::support::{bundled_server, csv_rows, repo, Server};

/// The bundled places as CSV rows.
fn places() -> Vec<HashMap<String, String>> {
    csv_rows(&repo().join("data/lieux-pays-de-la-loire.csv"))
}

fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    // Written out here rather than imported: the oracle must not share the code it checks.
    let r = 6_371_008.8_f64;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let a = ((p2 - p1) / 2.0).sin().powi(2)
        + p1.cos() * p2.cos() * ((lon2 - lon1).to_radians() / 2.0).sin().powi(2);
    2.0 * r * a.sqrt().asin()
}

fn position(row: &HashMap<String, String>) -> (f64, f64) {
    (
        row["longitude"].parse().unwrap(),
        row["latitude"].parse().unwrap(),
    )
}

use crate::support::feature_ids as ids;

/// `query` with spaces and non-ASCII characters percent-encoded.
fn encode(query: &str) -> String {
    query
        .bytes()
        .map(|b| match b {
            b' ' => "%20".to_owned(),
            b if b.is_ascii() => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// A number property of every feature.
fn numbers(body: &serde_json::Value, property: &str) -> Vec<f64> {
    body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"][property].as_f64().unwrap())
        .collect()
}

fn search(server: &Server, query: &str) -> serde_json::Value {
    let (status, body) = server.get(&format!("/search?{}", encode(query)));
    assert_eq!(status, 200, "{query}: {body}");
    body
}

/// A small deterministic generator, so the random centres are the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn radius_and_nearest_equal_a_haversine_scan() {
    let server = bundled_server();
    let rows = places();
    let mut random = Lcg(2026);
    for _ in 0..25 {
        let lon = -2.6 + 3.0 * random.next();
        let lat = 46.3 + 2.4 * random.next();
        let radius = 100.0 + 60_000.0 * random.next().powi(2);
        let body = search(
            &server,
            &format!("lat={lat}&lon={lon}&radius={radius}&limit=1000"),
        );
        let mut expected: Vec<(f64, &str)> = rows
            .iter()
            .map(|row| {
                let (plon, plat) = position(row);
                (haversine_m(lon, lat, plon, plat), row["id"].as_str())
            })
            .filter(|(d, _)| *d <= radius)
            .collect();
        expected.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(body["total"], expected.len(), "{lon},{lat} r={radius}");
        let found = body["features"].as_array().unwrap();
        for (feature, (distance, _)) in found.iter().zip(&expected) {
            let got = feature["properties"]["distance_m"].as_f64().unwrap();
            assert!((got - distance).abs() < 0.1, "{got} vs {distance}");
        }
        let mut found_ids = ids(&body);
        let mut expected_ids: Vec<String> =
            expected.iter().map(|(_, id)| (*id).to_owned()).collect();
        found_ids.sort();
        expected_ids.sort();
        assert_eq!(found_ids, expected_ids);

        let k = 1 + (random.next() * 20.0) as usize;
        let (status, nearest) = server.get(&format!("/nearest?lat={lat}&lon={lon}&k={k}"));
        assert_eq!(status, 200);
        let mut all: Vec<f64> = rows
            .iter()
            .map(|row| {
                let (plon, plat) = position(row);
                haversine_m(lon, lat, plon, plat)
            })
            .collect();
        all.sort_by(f64::total_cmp);
        let got = numbers(&nearest, "distance_m");
        assert_eq!(got.len(), k);
        for (g, e) in got.iter().zip(&all) {
            assert!((g - e).abs() < 0.1, "nearest {g} vs {e}");
        }
    }
}

#[test]
fn facets_count_every_match_with_the_other_filters_applied() {
    let server = bundled_server();
    let service = "Aide aux démarches administratives";
    let body = search(
        &server,
        &format!("services={service}&frais_a_charge=Gratuit&limit=1000"),
    );
    let total = body["total"].as_u64().unwrap();
    assert!(total > 20, "{total}");
    assert_eq!(body["features"].as_array().unwrap().len() as u64, total);
    // An unfiltered facet counts the values of the result set.
    let mut publics: HashMap<String, u64> = HashMap::new();
    for feature in body["features"].as_array().unwrap() {
        for value in feature["properties"]["publics_specifiquement_adresses"]
            .as_array()
            .into_iter()
            .flatten()
        {
            *publics
                .entry(value.as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    let facet: HashMap<String, u64> = body["facets"]["publics_specifiquement_adresses"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect();
    assert_eq!(facet, publics);
    // A filtered facet counts the result set of the search without its own filter.
    let rows = places();
    let with_service: Vec<&HashMap<String, String>> = rows
        .iter()
        .filter(|r| r["services"].split('|').any(|s| s == service))
        .collect();
    for (fee, count) in body["facets"]["frais_a_charge"].as_object().unwrap() {
        let expected = with_service
            .iter()
            .filter(|r| r["frais_a_charge"].split('|').any(|f| f == fee))
            .count();
        assert_eq!(count.as_u64().unwrap() as usize, expected, "{fee}");
    }
    assert_eq!(body["facets"]["frais_a_charge"]["Gratuit"], total);
}

#[test]
fn french_text_matches_as_people_type_it() {
    let server = bundled_server();
    let rows = places();
    let fold = |s: &str| {
        s.to_lowercase()
            .replace(['é', 'è', 'ê'], "e")
            .replace('à', "a")
            .replace('ô', "o")
    };
    let named = |word: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| fold(&r["nom"]).contains(word))
            .map(|r| r["id"].clone())
            .collect()
    };
    // Accents are optional; plurals and typos match; the last word is a prefix.
    let mediatheques = named("mediatheque");
    assert!(mediatheques.len() > 20);
    for q in ["mediatheque", "Médiathèques", "mediatheqe", "médiath"] {
        let found = ids(&search(&server, &format!("q={q}&limit=1000")));
        for id in &mediatheques {
            assert!(found.contains(id), "{q} misses {id}");
        }
        // The name weighs most: the first results are named so.
        for id in &found[..10] {
            assert!(mediatheques.contains(id), "{q}: {id} ranks first");
        }
    }
    let with_service = rows
        .iter()
        .filter(|r| r["services"].contains("Aide aux démarches administratives"))
        .count();
    for q in [
        "demarches administratives",
        "démarches administratives",
        "demarches administrativs",
        "démarches admin",
    ] {
        let total = search(&server, &format!("q={q}&limit=0"))["total"]
            .as_u64()
            .unwrap();
        assert!(
            total as usize >= with_service,
            "{q}: {total} < {with_service}"
        );
    }
    // A word shorter than five letters is matched exactly, a longer one with one typo at most.
    assert_eq!(search(&server, "q=mediathxqxe")["total"], 0);
    assert_eq!(search(&server, "q=zzzzz")["total"], 0);
    // Query syntax is searched as text, never an error.
    for q in [
        "%22mairie",
        "nom%3A(AND",
        "%5Ba%20TO%20z%5D",
        "a%20OR%20-b",
        "%5C*%3F",
        "%22%22",
    ] {
        search(&server, &format!("q={q}"));
    }
}

#[test]
fn text_and_location_rank_relevant_places_nearby_first() {
    let server = bundled_server();
    // Angers town hall.
    let (lon, lat) = (-0.5536, 47.4712);
    let body = search(
        &server,
        &format!("q=mediatheque&lat={lat}&lon={lon}&radius=30000&limit=1000"),
    );
    let features = body["features"].as_array().unwrap();
    assert!(!features.is_empty());
    let scores = numbers(&body, "score");
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(features
        .iter()
        .all(|f| f["properties"]["distance_m"].as_f64().unwrap() <= 30_000.0));
    // Without text, nearest first.
    let body = search(
        &server,
        &format!("lat={lat}&lon={lon}&radius=5000&limit=1000"),
    );
    let distances = numbers(&body, "distance_m");
    assert!(distances.len() > 5);
    assert!(distances.windows(2).all(|w| w[0] <= w[1]));
    // sort=distance orders text results by distance too.
    let body = search(
        &server,
        &format!("q=mediatheque&lat={lat}&lon={lon}&sort=distance&limit=50"),
    );
    let distances = numbers(&body, "distance_m");
    assert!(distances.windows(2).all(|w| w[0] <= w[1]));
    // bbox keeps places inside it.
    let body = search(&server, "bbox=-0.7,47.3,-0.4,47.6&limit=1000");
    let rows = places();
    let inside = rows
        .iter()
        .filter(|r| {
            let (x, y) = position(r);
            (-0.7..=-0.4).contains(&x) && (47.3..=47.6).contains(&y)
        })
        .count();
    assert_eq!(body["total"], inside);
}

#[test]
fn opening_hours_filter_with_unknown_hours_counted() {
    let server = bundled_server();
    // Tuesday morning, and a Sunday night.
    let tuesday = search(&server, "open_at=2026-11-24T10:00&limit=1000");
    let sunday = search(&server, "open_at=2026-11-29T03:00&limit=1000");
    let open_tuesday = tuesday["total"].as_u64().unwrap();
    assert!(open_tuesday > 100, "{open_tuesday}");
    assert!(sunday["total"].as_u64().unwrap() < open_tuesday / 10);
    let unknown = tuesday["unknown_hours"].as_u64().unwrap();
    assert!(unknown > 100, "places without hours are counted: {unknown}");
    let with_unknown = search(
        &server,
        "open_at=2026-11-24T10:00&include_unknown=true&limit=0",
    );
    assert_eq!(
        with_unknown["total"].as_u64().unwrap(),
        open_tuesday + unknown
    );
    for feature in tuesday["features"].as_array().unwrap() {
        assert!(feature["properties"]["horaires"].is_string());
    }
    // Places open at 10:00 on a Tuesday include those with the plainest weekday hours.
    let rows = places();
    let weekday = rows
        .iter()
        .filter(|r| r["horaires"] == "Mo-Fr 09:00-12:00,14:00-17:00")
        .map(|r| r["id"].clone());
    let found = ids(&tuesday);
    for id in weekday {
        assert!(found.contains(&id), "{id} is open on Tuesday at 10:00");
    }
    search(&server, "open_now=true");
}

#[test]
fn suggestions_complete_communes_services_and_names() {
    let server = bundled_server();
    let (status, body) = server.get("/suggest?q=demarch");
    assert_eq!(status, 200);
    let first = &body["suggestions"][0];
    assert_eq!(first["type"], "service");
    assert_eq!(first["label"], "Aide aux démarches administratives");

    let (_, body) = server.get("/suggest?q=ange");
    let angers = &body["suggestions"][0];
    assert_eq!(angers["type"], "commune");
    assert_eq!(angers["label"], "Angers");
    let in_angers = places()
        .iter()
        .filter(|r| r["commune"].eq_ignore_ascii_case("angers"))
        .count();
    assert_eq!(angers["count"], in_angers);

    let (_, body) = server.get("/suggest?q=mediath&limit=5");
    let suggestions = body["suggestions"].as_array().unwrap();
    assert_eq!(suggestions.len(), 5);
    assert!(suggestions
        .iter()
        .all(|s| s["type"] == "place" && s["label"].as_str().unwrap().contains("diathèque")));
    let (status, body) = server.get("/suggest?q=");
    assert_eq!(status, 200);
    assert_eq!(body["suggestions"].as_array().unwrap().len(), 0);
}

#[test]
fn places_are_found_by_id_with_every_schema_field() {
    let server = bundled_server();
    let rows = places();
    let row = rows
        .iter()
        .find(|r| !r["horaires"].is_empty() && !r["telephone"].is_empty())
        .unwrap();
    let id = &row["id"];
    let (status, feature) = server.get(&format!("/places/{id}"));
    assert_eq!(status, 200);
    assert_eq!(feature["type"], "Feature");
    assert_eq!(feature["id"], id.as_str());
    let properties = &feature["properties"];
    for (field, value) in row {
        if value.is_empty() {
            assert!(properties.get(field).is_none(), "{field} is left out");
        } else if ["latitude", "longitude"].contains(&field.as_str()) {
            let got = properties[field].as_f64().unwrap();
            assert!((got - value.parse::<f64>().unwrap()).abs() < 1e-9);
        } else if let Some(values) = properties[field].as_array() {
            let joined: Vec<&str> = values.iter().map(|v| v.as_str().unwrap()).collect();
            assert_eq!(joined.join("|"), *value, "{field}");
        } else {
            assert_eq!(properties[field], value.as_str(), "{field}");
        }
    }
    let (status, body) = server.get("/places/no-such-place");
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not_found");
}

#[test]
fn exports_stream_every_match_in_schema_order() {
    let server = bundled_server();
    let query = "services=Aide%20aux%20d%C3%A9marches%20administratives";
    let total = search(&server, &format!("{query}&limit=0"))["total"]
        .as_u64()
        .unwrap();
    assert!(total > 25, "more than one page");
    let (status, headers, body) = server.get_bytes(&format!("/search?{query}&format=csv"), &[]);
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(body.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let bundled_header: Vec<String> =
        csv::Reader::from_path(repo().join("data/lieux-pays-de-la-loire.csv"))
            .unwrap()
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
    assert_eq!(header, bundled_header, "schema v1.0.2 column order");
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len() as u64, total);
    let services = header.iter().position(|h| h == "services").unwrap();
    assert!(records
        .iter()
        .all(|r| r[services].contains("Aide aux démarches administratives")));

    let (status, _, body) = server.get_bytes(&format!("/search?{query}&format=geojson"), &[]);
    assert_eq!(status, 200);
    let collection: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        collection["features"].as_array().unwrap().len() as u64,
        total
    );

    let capped = Server::start(&[&"--max-export", &"10"]);
    let (status, body) = capped.get(&format!("/search?{query}&format=csv"));
    assert_eq!(status, 400);
    assert_eq!(body["error"], "too_many_results");
    let (status, _, body) = capped.get_bytes("/search?q=zzzzz&format=csv", &[]);
    assert_eq!(status, 200);
    assert_eq!(
        String::from_utf8(body).unwrap().lines().count(),
        1,
        "the header alone"
    );
}

#[test]
fn bad_parameters_get_a_json_400_naming_them() {
    let server = bundled_server();
    for (query, names) in [
        ("lat=91&lon=0", "lat"),
        ("lat=NaN&lon=0", "lat"),
        ("lat=47&lon=0&radius=-5", "radius"),
        ("radius=100", "radius"),
        ("services=Cuisine", "Aide aux démarches administratives"),
        ("limit=100000", "limit"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=0,50,1,91", "bbox"),
        ("lat=47", "lat"),
        ("lon=0", "lon"),
        ("sort=distance", "sort"),
        ("sort=random", "sort"),
        ("open_at=tomorrow", "open_at"),
        ("limit=1&limit=2", "limit"),
        ("servics=x", "servics"),
        ("format=xml", "format"),
    ] {
        let (status, body) = server.get(&format!("/search?{query}"));
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"], "invalid_parameter", "{query}");
        assert!(
            body["message"].as_str().unwrap().contains(names),
            "{query}: {body}"
        );
    }
    for path in [
        "/nearest?lat=47",
        "/nearest?lat=47&lon=0&k=5000",
        "/suggest?q=a&limit=999",
    ] {
        let (status, body) = server.get(path);
        assert_eq!(status, 400, "{path}");
        assert_eq!(body["error"], "invalid_parameter");
    }
    assert_eq!(server.get("/health").0, 200);
}

#[test]
fn every_path_of_the_openapi_description_is_served() {
    let server = bundled_server();
    let (status, document) = server.get("/openapi.json");
    assert_eq!(status, 200);
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let id = places()[0]["id"].clone();
    let (_, clusters) = server.get("/clusters?zoom=0");
    let cluster = clusters["features"][0]["properties"]["cluster_id"].to_string();
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 12, "{}", paths.len());
    for (path, item) in paths {
        if item.get("get").is_none() {
            // POST /admin/…: off (404) on a server without an admin token (tests/reload.rs and
            // tests/contributions.rs cover them with one); POST /contributions without a body
            // of a type it reads: 415 (tests/contributions.rs sends real ones).
            let (status, _, body) = server.post(path, &[], "");
            let expected = if path.starts_with("/admin/") {
                404
            } else {
                415
            };
            assert_eq!(status, expected, "{path}: {body}");
            continue;
        }
        if path == "/confirmer/{id}" {
            // Signed links only (tests/freshness.rs follows real ones).
            let unsigned = format!(
                "/confirmer/{id}?expire=2100-01-01&signature={}",
                "0".repeat(64)
            );
            assert_eq!(server.get(&unsigned).0, 403);
            assert_eq!(server.get(&format!("/confirmer/{id}")).0, 400);
            continue;
        }
        if path == "/contributions/{id}" {
            // Found with its number and key only (tests/contributions.rs follows real ones).
            let (status, _) = server.get("/contributions/1?key=nope");
            assert_eq!(status, 404);
            continue;
        }
        let concrete = path
            .replace("{z}/{x}/{y}.mvt", "8/126/90.mvt")
            .replace("{id}", &id)
            .replace("{featureId}", &id)
            .replace("{cluster_id}", &cluster);
        let required = match path.as_str() {
            "/clusters" => "?zoom=4",
            "/nearest" => "?lat=47.47&lon=-0.55",
            _ => "",
        };
        if path == "/basemap.pmtiles" {
            // Only with --basemap-pmtiles (src/basemap.rs and tests/page.rs serve archives).
            assert_eq!(server.get(path).0, 404, "{path}");
            continue;
        }
        if path.starts_with("/admin/") {
            // Off (404) on a server without an admin token; tests/relevance.rs covers
            // /admin/search-gaps with one.
            let (status, _, body) = server.get_bytes(path, &[]);
            assert_eq!(status, 404, "{path}: {}", String::from_utf8_lossy(&body));
            continue;
        }
        let (status, _, body) = server.get_bytes(&format!("{concrete}{required}"), &[]);
        assert!(
            (200..300).contains(&status),
            "{path}: {status} {}",
            String::from_utf8_lossy(&body)
        );
    }
}

#[test]
fn one_query_thread_answers_concurrent_searches_as_it_answers_them_alone() {
    let server = Server::start(&[&"--query-threads", &"1"]);
    let targets = [
        "/search?q=mediatheque&lat=47.47&lon=-0.55&radius=20000",
        "/search?lat=47.47&lon=-0.55&radius=5000&services=Aide%20aux%20d%C3%A9marches%20administratives",
        "/nearest?lat=47.0&lon=-1.0&k=7",
        "/suggest?q=ange",
        "/search?q=%22unbalanced&limit=3",
    ];
    // What each answers alone, without its timing.
    let answer = |server: &Server, target: &str| {
        let (status, mut body) = server.get(target);
        assert_eq!(status, 200, "{target}: {body}");
        body.as_object_mut().unwrap().remove("took_ms");
        body
    };
    let alone: Vec<_> = targets.iter().map(|t| answer(&server, t)).collect();
    assert!(alone.iter().all(|b| b != &serde_json::json!({})));
    std::thread::scope(|scope| {
        let clients: Vec<_> = (0..8)
            .map(|client| {
                let (server, targets, alone) = (&server, &targets, &alone);
                scope.spawn(move || {
                    for round in 0..5 {
                        let at = (client + round) % targets.len();
                        assert_eq!(answer(server, targets[at]), alone[at], "{}", targets[at]);
                    }
                })
            })
            .collect();
        for client in clients {
            client.join().unwrap();
        }
    });
    assert_eq!(server.metric("lieux_query_threads"), 1.0);
    assert_eq!(server.metric("lieux_queries_waiting"), 0.0);

    let refused = crate::support::lieux(&[&"serve", &"--query-threads", &"0"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--query-threads"), "{stderr}");
}

/// The ids of a page's features, in order.
fn id_order(body: &serde_json::Value) -> Vec<String> {
    body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn distance_weighs_in_relevance_as_the_caller_tunes_it() {
    let server = bundled_server();
    let at = "lat=47.47&lon=-0.55";
    let text = "q=mediatheque&limit=100";
    // Weight 0: text relevance alone, the order and scores of the same search with no position.
    let alone = search(&server, text);
    let unweighted = search(&server, &format!("{text}&{at}&distance_weight=0"));
    assert_eq!(id_order(&unweighted), id_order(&alone));
    assert_eq!(numbers(&unweighted, "score"), numbers(&alone, "score"));
    assert!(
        id_order(&alone).len() > 20,
        "enough hits to tell orders apart"
    );
    let default = search(&server, &format!("{text}&{at}"));
    assert_ne!(
        id_order(&default),
        id_order(&alone),
        "distance weighs by default"
    );
    // The defaults: the order of an exponential halving every 10 km, named or not.
    let named = search(
        &server,
        &format!("{text}&{at}&decay=exp&decay_scale=10000&decay_value=0.5&distance_weight=1"),
    );
    assert_eq!(id_order(&named), id_order(&default));

    // Each shape scores a hit its text score times its formula, on the decoded answer.
    let text_scores: HashMap<String, f64> = id_order(&alone)
        .into_iter()
        .zip(numbers(&alone, "score"))
        .collect();
    let (scale, offset, value) = (15_000.0, 2_000.0, 0.3f64);
    // A decay's value `x` metres past the offset, with a scale and a decay value.
    type Formula = fn(f64, f64, f64) -> f64;
    let formulas: [(&str, Formula); 3] = [
        ("exp", |x, scale, value| value.powf(x / scale)),
        ("gauss", |x, scale, value| value.powf((x / scale).powi(2))),
        ("linear", |x, scale, value| {
            (1.0 - (1.0 - value) * x / scale).max(0.0)
        }),
    ];
    for (shape, formula) in formulas {
        for weight in [1.0, 0.4] {
            let body = search(
                &server,
                &format!("{text}&{at}&decay={shape}&decay_scale={scale}&decay_offset={offset}&decay_value={value}&distance_weight={weight}"),
            );
            let scores = numbers(&body, "score");
            assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{shape}: by score");
            for ((id, score), distance) in id_order(&body)
                .iter()
                .zip(&scores)
                .zip(numbers(&body, "distance_m"))
            {
                let decay = formula((distance - offset).max(0.0), scale, value);
                let expected = text_scores[id] * (1.0 - weight + weight * decay);
                assert!(
                    (score - expected).abs() <= 1e-4 * expected.max(1e-3),
                    "{shape} {weight} {id}: {score} vs {expected}"
                );
            }
        }
    }

    // Bands: no hit of a farther band before one of a nearer band, and by text score within one.
    let bands = [3_000.0, 20_000.0, 60_000.0];
    let body = search(
        &server,
        &format!("{text}&{at}&distance_bands=60000,3000,20000"),
    );
    let band = |d: f64| bands.iter().position(|b| d <= *b).unwrap_or(bands.len());
    let ranked: Vec<(usize, f64)> = numbers(&body, "distance_m")
        .into_iter()
        .map(band)
        .zip(numbers(&body, "score"))
        .collect();
    assert!(
        ranked
            .windows(2)
            .all(|w| w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 >= w[1].1)),
        "{ranked:?}"
    );
    assert!(
        ranked
            .iter()
            .map(|r| r.0)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            > 2
    );
    for (id, score) in id_order(&body).iter().zip(numbers(&body, "score")) {
        assert_eq!(score, text_scores[id], "text relevance alone within a band");
    }

    // Mistakes get a 400 that names the parameter.
    for (query, names) in [
        ("q=x&decay=gauss", "decay"),
        ("q=x&distance_bands=500", "distance_bands"),
        (&*format!("{at}&distance_bands=500,abc"), "distance_bands"),
        (&*format!("{at}&decay=cubic"), "decay"),
        (&*format!("{at}&decay_value=1"), "decay_value"),
        (&*format!("{at}&distance_weight=2"), "distance_weight"),
        (&*format!("{at}&decay_scale=0"), "decay_scale"),
        (
            &*format!("{at}&distance_bands={}", vec!["1"; 17].join(",")),
            "distance_bands",
        ),
    ] {
        let (status, body) = server.get(&format!("/search?{query}"));
        assert_eq!(status, 400, "{query}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(names),
            "{query}: {body}"
        );
    }
}
