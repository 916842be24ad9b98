//! Changes applied under load: client threads read a place by id, by text, in a tile and in
//! clusters while a moderator accepts one change after another. No answer fails, and none
//! mixes two states: every answer names its index (`X-Lieux-Index`), the same index always
//! answers the same, and the place's name it shows is the one of that index wherever it is read
//! (its record, a search, a decoded tile).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use mvt_reader::feature::Value;
use serde_json::json;

use crate::contributions::{first_place, json_post, start};
use crate::support::Server;
use crate::tiles::decode;

/// What the readers saw: per index and path, the answer's fingerprint; per index, the name of
/// the place; the failures.
#[derive(Default)]
struct Seen {
    answers: HashMap<(String, String), String>,
    names: HashMap<String, String>,
    failures: Vec<String>,
    count: usize,
}

impl Seen {
    fn answer(&mut self, index: &str, path: &str, fingerprint: String) {
        self.count += 1;
        let known = self
            .answers
            .entry((index.to_owned(), path.to_owned()))
            .or_insert_with(|| fingerprint.clone());
        if *known != fingerprint {
            self.failures.push(format!(
                "{path}: index {index} answered {fingerprint} and {known}"
            ));
        }
    }

    fn name(&mut self, index: &str, path: &str, name: String) {
        let known = self
            .names
            .entry(index.to_owned())
            .or_insert_with(|| name.clone());
        if *known != name {
            self.failures.push(format!(
                "{path}: index {index} names the place {name:?} here and {known:?} elsewhere"
            ));
        }
    }
}

/// The tile of zoom 16 holding `(lon, lat)`.
fn tile_of(lon: f64, lat: f64) -> String {
    let tile = lieux_tiles::mercator::tile_for(lon, lat, 16).unwrap();
    format!("/tiles/{}/{}/{}.mvt", tile.z(), tile.x(), tile.y())
}

/// Reads `path` and records what it says of the place `id`.
fn read(agent: &ureq::Agent, server: &Server, path: &str, id: &str, seen: &Mutex<Seen>) {
    let response = match agent.get(&format!("{}{path}", server.base)).call() {
        Ok(response) => response,
        Err(error) => {
            seen.lock()
                .unwrap()
                .failures
                .push(format!("{path}: {error}"));
            return;
        }
    };
    let status = response.status().as_u16();
    let index = response
        .headers()
        .get("x-lieux-index")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.into_body().read_to_vec().unwrap_or_default();
    let mut seen = seen.lock().unwrap();
    if status != 200 || index.is_empty() {
        seen.failures
            .push(format!("{path}: {status}, index {index:?}"));
        return;
    }
    if path.starts_with("/tiles/") {
        let (_, _, features) = decode(body.clone());
        let name =
            features.iter().find_map(
                |f| match (f.properties.get("id"), f.properties.get("nom")) {
                    (Some(Value::String(i)), Some(Value::String(n))) if i == id => Some(n.clone()),
                    _ => None,
                },
            );
        seen.answer(&index, path, blake3::hash(&body).to_hex().to_string());
        match name {
            Some(name) => seen.name(&index, path, name),
            None => seen
                .failures
                .push(format!("{path}: the place is not in its tile")),
        }
        return;
    }
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let (fingerprint, name) = if path.starts_with("/places/") {
        (
            json["properties"]["nom"].to_string(),
            json["properties"]["nom"].as_str().map(str::to_owned),
        )
    } else if path.starts_with("/clusters") {
        let counts: Vec<_> = json["features"]
            .as_array()
            .map(|f| {
                f.iter()
                    .map(|f| f["properties"]["point_count"].clone())
                    .collect()
            })
            .unwrap_or_default();
        (json!(counts).to_string(), None)
    } else {
        let features = json["features"].as_array().cloned().unwrap_or_default();
        let ids: Vec<_> = features.iter().map(|f| f["id"].clone()).collect();
        let name = features
            .iter()
            .find(|f| f["id"] == id)
            .and_then(|f| f["properties"]["nom"].as_str())
            .map(str::to_owned);
        (
            json!([json["total"], ids, json["facets"]]).to_string(),
            name,
        )
    };
    seen.answer(&index, path, fingerprint);
    if let Some(name) = name {
        seen.name(&index, path, name);
    }
}

#[test]
fn readers_under_load_never_fail_nor_see_two_states_in_one_answer_while_changes_apply() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let server = Arc::new(start(&state, tmp.path()));
    let (id, lon, lat) = first_place(&server, "mediatheque");
    let (_, place) = server.get(&format!("/places/{id}"));
    let commune = place["properties"]["code_postal"]
        .as_str()
        .unwrap()
        .to_owned();
    let paths = Arc::new(vec![
        format!("/places/{id}"),
        format!("/search?q=mediatheque&code_postal={commune}&limit=20"),
        format!("/search?lat={lat}&lon={lon}&radius=2000&sort=distance&limit=10"),
        tile_of(lon, lat),
        "/clusters?zoom=6".to_owned(),
    ]);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|t| {
            let (server, paths, seen, stop, id) = (
                Arc::clone(&server),
                Arc::clone(&paths),
                Arc::clone(&seen),
                Arc::clone(&stop),
                id.clone(),
            );
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut n = t;
                while !stop.load(Ordering::Relaxed) {
                    read(&agent, &server, &paths[n % paths.len()], &id, &seen);
                    n += 1;
                }
            })
        })
        .collect();
    let rounds = 8;
    for round in 1..=rounds {
        let (status, kept) = json_post(
            &server,
            "/contributions",
            &json!({
                "kind": "update", "place_id": id,
                "fields": { "nom": format!("Médiathèque témoin {round}") },
            }),
        );
        assert_eq!(status, 202, "{kept}");
        let path = format!("/admin/contributions/{}/accept", kept["id"]);
        let (status, decided) = json_post(&server, &path, &json!({}));
        assert_eq!(status, 200, "{decided}");
        assert_eq!(decided["live"], true);
        std::thread::sleep(std::time::Duration::from_millis(150));
    }
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        reader.join().unwrap();
    }
    let seen = seen.lock().unwrap();
    assert!(
        seen.failures.is_empty(),
        "{:#?}",
        &seen.failures[..seen.failures.len().min(10)]
    );
    // The readers saw the states go by: the first, several between, the last.
    let names: std::collections::HashSet<&String> = seen.names.values().collect();
    assert!(names.len() >= 3, "{names:?} in {} answers", seen.count);
    assert!(names.contains(&format!("Médiathèque témoin {rounds}")));
}

/// Accepts that come together: each one that answers `live` shows its own change at once,
/// whatever the others still wait for, and every change is on the map once the batches are
/// done (none left behind by a batch that was just ending when it came).
#[test]
fn accepts_that_come_together_are_each_live_when_answered_so_and_all_applied() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let server = Arc::new(start(&state, tmp.path()));
    let (_, search) = server.get("/search?limit=24");
    let ids: Vec<String> = search["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 24, "{search}");
    let name = |id: &str| format!("Lieu renommé {id}");
    let contributions: Vec<(String, u64)> = ids
        .iter()
        .map(|id| {
            let (status, kept) = json_post(
                &server,
                "/contributions",
                &json!({ "kind": "update", "place_id": id, "fields": { "nom": name(id) } }),
            );
            assert_eq!(status, 202, "{kept}");
            (id.clone(), kept["id"].as_u64().unwrap())
        })
        .collect();
    // Four moderators accept at the same instant, six times over: three of each four find a
    // batch running.
    let together = Arc::new(std::sync::Barrier::new(4));
    let moderators: Vec<_> = contributions
        .chunks(6)
        .map(|chunk| {
            let (server, chunk, together) =
                (Arc::clone(&server), chunk.to_vec(), Arc::clone(&together));
            std::thread::spawn(move || {
                let mut live_when_answered = 0;
                for (id, contribution) in chunk {
                    together.wait();
                    let path = format!("/admin/contributions/{contribution}/accept");
                    let (status, decided) = json_post(&server, &path, &json!({}));
                    assert_eq!(status, 200, "{decided}");
                    if decided["live"] == true {
                        let (_, place) = server.get(&format!("/places/{id}"));
                        assert_eq!(place["properties"]["nom"], name(&id), "{decided}");
                        live_when_answered += 1;
                    }
                }
                live_when_answered
            })
        })
        .collect();
    let live: usize = moderators.into_iter().map(|m| m.join().unwrap()).sum();
    assert!(live >= 1, "no accept answered live");
    let all_named = || {
        ids.iter().all(|id| {
            let (_, place) = server.get(&format!("/places/{id}"));
            place["properties"]["nom"] == name(id)
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !(server.metric("lieux_reload_running") == 0.0 && all_named()) {
        assert!(
            std::time::Instant::now() < deadline,
            "changes left behind: {:?}",
            ids.iter()
                .filter(
                    |id| server.get(&format!("/places/{id}")).1["properties"]["nom"] != name(id)
                )
                .collect::<Vec<_>>()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
