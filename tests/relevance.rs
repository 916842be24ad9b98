//! Search as people ask: the relevance test set (`tests/relevance.toml`) on the bundled data.
//!
//! Each query of the set is sent as the search box sends it (`/search?q=…`, no position) to a
//! server on the bundled data. The set was written from how people ask, not from the data's
//! labels; each query names the services a good answer offers, and the commune or département
//! it names. The test holds the targets: no query finds nothing (the bundled data has a
//! place for every need of the set), the top three results all offer a meant service for at
//! least 90% of the queries, and every place named in a query is read as the right commune or
//! département. It prints the figures that BENCHMARKS.md records
//! (`benches/search/relevance.py` computes the same against any server).

use serde::Deserialize;

use crate::support::bundled_server;

#[derive(Deserialize)]
struct Set {
    query: Vec<Query>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Query {
    q: String,
    services: Vec<String>,
    commune: Option<String>,
    departement: Option<String>,
    #[serde(default)]
    homonym: bool,
}

fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn everyday_queries_find_places_offering_what_they_mean() {
    let set: Set = toml::from_str(
        &std::fs::read_to_string(crate::support::repo().join("tests/relevance.toml")).unwrap(),
    )
    .unwrap();
    assert!(set.query.len() >= 100, "{} queries", set.query.len());
    let server = bundled_server();
    let mut nothing = Vec::new();
    let mut good_top = 0;
    let mut reciprocal = 0.0;
    let mut misread = Vec::new();
    for query in &set.query {
        let (status, answer) = server.get(&format!("/search?q={}&limit=10", encode(&query.q)));
        assert_eq!(status, 200, "{}: {answer}", query.q);
        let offers: Vec<bool> = answer["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                f["properties"]["services"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|v| query.services.iter().any(|m| v == m)))
            })
            .collect();
        if offers.is_empty() {
            nothing.push(query.q.clone());
        }
        let top = &offers[..offers.len().min(3)];
        if !top.is_empty() && top.iter().all(|good| *good) {
            good_top += 1;
        }
        if let Some(rank) = offers.iter().position(|good| *good) {
            reciprocal += 1.0 / (rank + 1) as f64;
        }
        let location = &answer["interpreted"]["location"];
        let read_right = match (&query.commune, &query.departement) {
            (Some(commune), _) => location["name"] == commune.as_str(),
            (None, Some(code)) => {
                location["kind"] == "departement" && location["code"] == code.as_str()
            }
            (None, None) => true,
        } && query
            .departement
            .as_ref()
            .is_none_or(|code| location["departement"] == code.as_str());
        if !read_right {
            misread.push(format!("{}: {location}", query.q));
        }
    }
    let n = set.query.len();
    eprintln!(
        "relevance: {n} queries, {} found nothing, top 3 all good for {good_top} ({:.0}%), mean reciprocal rank {:.2}",
        nothing.len(),
        100.0 * good_top as f64 / n as f64,
        reciprocal / n as f64
    );
    assert!(nothing.is_empty(), "found nothing: {nothing:#?}");
    assert!(misread.is_empty(), "places read wrong: {misread:#?}");
    assert!(
        good_top * 10 >= n * 9,
        "top 3 all good for {good_top} of {n} queries, under 90%"
    );
}

#[test]
fn a_search_says_how_it_read_the_text_and_never_ends_with_nothing() {
    let server = bundled_server();
    let (_, answer) = server.get("/search?q=cours%20d%27informatique%20%C3%A0%20Cholet");
    let reading = &answer["interpreted"];
    assert_eq!(
        reading["services"][0], "Maîtrise des outils numériques du quotidien",
        "{reading}"
    );
    assert_eq!(reading["location"]["name"], "Cholet", "{reading}");
    assert_eq!(reading["location"]["applied"], "focus", "{reading}");
    assert!(answer["total"].as_u64().unwrap() > 0, "{answer}");
    for feature in answer["features"].as_array().unwrap() {
        let distance = feature["properties"]["distance_m"].as_f64().unwrap();
        assert!(distance <= 10_000.0, "{feature}");
    }

    // A word that matches nothing is dropped, said, and corrected.
    let (_, answer) = server.get("/search?q=wifi%20zorglub%20angers");
    let reading = &answer["interpreted"];
    assert_eq!(
        reading["dropped"],
        serde_json::json!(["zorglub"]),
        "{reading}"
    );
    assert!(answer["total"].as_u64().unwrap() > 0, "{answer}");
    let (_, answer) = server.get("/search?q=wifl");
    assert!(
        answer["interpreted"]["did_you_mean"]
            .as_str()
            .is_some_and(|s| s == "wifi"),
        "{answer}"
    );

    // Nothing within the radius: the nearest, labelled.
    let (_, answer) = server.get("/search?q=ordinateur&lat=43.3&lon=5.4&radius=2000");
    assert!(answer["total"].as_u64().unwrap() > 0, "{answer}");
    assert_eq!(
        answer["interpreted"]["fallback"]["kind"], "without_radius",
        "{answer}"
    );

    // The vocabulary's own words are read as before: no need, no place, the same words.
    let (_, answer) = server.get("/search?q=m%C3%A9diath%C3%A8que");
    assert_eq!(
        answer["interpreted"]["services"],
        serde_json::json!([]),
        "{answer}"
    );
    assert_eq!(
        answer["interpreted"]["words"],
        serde_json::json!(["mediatheque"]),
        "{answer}"
    );
}

#[test]
fn search_gaps_count_and_list_what_found_nothing_without_personal_data() {
    let tmp = tempfile::tempdir().unwrap();
    let token = "a-token-for-the-gap-tests";
    let server = crate::support::Server::start(&[
        &"--admin-token-file",
        &crate::support::token_file(tmp.path(), token),
    ]);
    for _ in 0..3 {
        let (status, _) = server.get("/search?q=zorglub%20jean%40example.org%200612345678");
        assert_eq!(status, 200);
    }
    server.get("/search?q=zorglub%20once");
    let (status, _, body) = server.get_bytes(
        "/admin/search-gaps",
        &[("Authorization", &format!("Bearer {token}"))],
    );
    assert_eq!(status, 200);
    let list: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(list["gaps"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["gaps"][0]["query"], "zorglub", "{list}");
    assert_eq!(list["gaps"][0]["count"], 3, "{list}");
    let text = list.to_string();
    assert!(
        !text.contains("example") && !text.contains("0612"),
        "{text}"
    );
    let metrics = String::from_utf8(server.get_bytes("/metrics", &[]).2).unwrap();
    assert!(
        metrics.contains("lieux_searches_dropped_words_total 4"),
        "{metrics}"
    );
    let (status, _, _) = server.get_bytes("/admin/search-gaps", &[]);
    assert_eq!(status, 401);
}
