//! The change feed through a real server and a real SQLite file: a consumer that follows
//! `/changes` while places change ends with exactly the server's places, a territory's
//! consumer sees a place leave it, and `/changes.atom` is Atom as a parser we did not write
//! (Python's feedparser) reads it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};

use crate::contributions::{first_place, json_post, start};
use crate::support::{Answers, Server};

/// A consumer's copy of the places, kept from the feed.
#[derive(Default)]
pub(crate) struct Copy {
    pub(crate) cursor: u64,
    pub(crate) places: BTreeMap<String, Value>,
    /// Every cursor applied, in order.
    applied: Vec<u64>,
    /// The entries that changed nothing in the copy (a change said twice), by cursor.
    pub(crate) doubles: Vec<u64>,
}

impl Copy {
    /// Applies every page of the feed after its cursor (`territory`: `&departement=49`…).
    pub(crate) fn sync(&mut self, server: &impl Answers, territory: &str) {
        loop {
            let (status, page) = server.get(&format!(
                "/changes?since={}&limit=25{territory}",
                self.cursor
            ));
            assert_eq!(status, 200, "{page}");
            for change in page["changes"].as_array().unwrap() {
                let cursor = change["cursor"].as_u64().unwrap();
                assert!(
                    self.applied.last().is_none_or(|last| *last < cursor),
                    "cursor {cursor} after {:?}: the feed goes back",
                    self.applied.last()
                );
                assert!(cursor > self.cursor && cursor <= page["next"].as_u64().unwrap());
                self.applied.push(cursor);
                let id = change["place_id"].as_str().unwrap().to_owned();
                match change["action"].as_str().unwrap() {
                    "created" | "updated" => {
                        assert_eq!(change["place"]["id"], id.as_str());
                        let before = self.places.insert(id, change["place"].clone());
                        if before.as_ref() == Some(&change["place"]) {
                            self.doubles.push(cursor);
                        }
                    }
                    "closed" | "removed" => {
                        assert!(change["place"].is_null());
                        if self.places.remove(&id).is_none() {
                            self.doubles.push(cursor);
                        }
                    }
                    other => panic!("unknown action {other}"),
                }
            }
            self.cursor = page["next"].as_u64().unwrap();
            if !page["more"].as_bool().unwrap() {
                return;
            }
        }
    }
}

/// Every place the server serves in `territory` (a `/search` filter), by id, as `/places/{id}`
/// answers it without what depends on the clock (`open_now`, `fraicheur`).
pub(crate) fn served(server: &impl Answers, territory: &str) -> BTreeMap<String, Value> {
    let (status, all) = server.get(&format!("/search?limit=1000{territory}"));
    assert_eq!(status, 200);
    assert!(all["total"].as_u64().unwrap() < 1000);
    all["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|feature| {
            let id = feature["id"].as_str().unwrap().to_owned();
            let (status, mut place) = server.get(&format!("/places/{id}"));
            assert_eq!(status, 200);
            place["properties"]
                .as_object_mut()
                .unwrap()
                .remove("open_now");
            (id, place)
        })
        .collect()
}

pub(crate) fn accept(server: &Server, body: &Value) -> u64 {
    let (status, kept) = json_post(server, "/contributions", body);
    assert_eq!(status, 202, "{kept}");
    let contribution = kept["id"].as_u64().unwrap();
    let path = format!("/admin/contributions/{contribution}/accept");
    let (status, decided) = json_post(server, &path, &json!({}));
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["live"], true, "{decided}");
    contribution
}

#[test]
fn a_consumer_that_follows_the_feed_while_places_change_ends_with_the_servers_places() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let server = Arc::new(start(&state, tmp.path()));
    let (renamed, _, _) = first_place(&server, "mediatheque");
    let (closed, _, _) = first_place(&server, "france+services");
    let (reverted, _, _) = first_place(&server, "espace+numerique");
    assert!(renamed != closed && closed != reverted && renamed != reverted);

    // From the start, the feed holds every place, each created once.
    let mut copy = Copy::default();
    copy.sync(&server, "");
    assert_eq!(copy.places, served(&server, ""));
    assert_eq!(copy.applied.len(), copy.places.len());

    // A consumer follows it while moderators decide.
    let done = Arc::new(AtomicBool::new(false));
    let follower = {
        let (server, done) = (Arc::clone(&server), Arc::clone(&done));
        std::thread::spawn(move || {
            let mut copy = Copy::default();
            let mut syncs = 0;
            while !done.load(Ordering::Acquire) {
                copy.sync(&server, "");
                syncs += 1;
            }
            copy.sync(&server, "");
            (copy, syncs)
        })
    };
    accept(
        &server,
        &json!({ "kind": "update", "place_id": renamed, "fields": { "nom": "Médiathèque Quasimodo" } }),
    );
    accept(
        &server,
        &json!({ "kind": "closed", "place_id": closed, "message": "Fermé en juin." }),
    );
    accept(
        &server,
        &json!({
            "kind": "new",
            "fields": {
                "nom": "Atelier numérique du Lac de Maine", "adresse": "1 place du Ralliement",
                "commune": "Angers", "code_postal": "49000", "latitude": 47.46, "longitude": -0.58,
            },
        }),
    );
    let undone = accept(
        &server,
        &json!({ "kind": "update", "place_id": reverted, "fields": { "telephone": "02 41 00 00 00" } }),
    );
    let (status, _) = json_post(
        &server,
        &format!("/admin/contributions/{undone}/revert"),
        &json!({ "reason": "erreur" }),
    );
    assert_eq!(status, 200);
    accept(
        &server,
        &json!({ "kind": "update", "place_id": renamed, "fields": { "telephone": "02 41 43 28 13" } }),
    );
    // A reload that changes nothing adds nothing.
    let mut end = Copy::default();
    end.sync(&server, "");
    assert_eq!(json_post(&server, "/admin/reload", &json!({})).0, 200);
    let (_, page) = server.get(&format!("/changes?since={}", end.cursor));
    assert_eq!(page["changes"], json!([]));
    assert_eq!(page["next"], end.cursor);
    done.store(true, Ordering::Release);
    let (followed, syncs) = follower.join().unwrap();
    assert!(syncs > 0);

    let now = served(&server, "");
    assert_eq!(followed.places, now, "the follower's copy");
    let applied = copy.applied.len();
    copy.sync(&server, "");
    assert_eq!(copy.places, now, "the copy synced after the changes");
    // Caught up later, each changed place comes once, with its last record: the renamed one
    // (twice changed), the closed one, the new one and the reverted one (back as it was).
    assert_eq!(
        copy.applied.len() - applied,
        4,
        "{:?}",
        &copy.applied[applied..]
    );
    assert!(!now.contains_key(&closed));
    assert_eq!(now[&renamed]["properties"]["nom"], "Médiathèque Quasimodo");
    assert_eq!(now[&renamed]["properties"]["telephone"], "+33241432813");

    // The feed outlives a restart: the same cursor goes on, nothing is recorded again.
    let end = copy.cursor;
    drop(Arc::try_unwrap(server).ok().unwrap());
    let server = start(&state, tmp.path());
    let (status, page) = server.get(&format!("/changes?since={end}"));
    assert_eq!(status, 200);
    assert_eq!(page["changes"], json!([]));
    assert_eq!(page["next"], end);
    // A cursor past the end (a consumer of a state since wiped) is told so.
    let (status, refused) = server.get(&format!("/changes?since={}", end + 1));
    assert_eq!(status, 409);
    assert!(refused["message"]
        .as_str()
        .unwrap()
        .contains("start again from 0"));
}

#[test]
fn a_territorys_consumer_sees_a_place_move_out_and_an_atom_reader_is_told() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let server = start(&state, tmp.path());
    let mut angers = Copy::default();
    angers.sync(&server, "&departement=49");
    let in_49 = served(&server, "&departement=49");
    assert_eq!(angers.places, in_49);
    let mut nantes = Copy::default();
    nantes.sync(&server, "&code_postal=44000|44100");
    assert_eq!(nantes.places, served(&server, "&code_postal=44000|44100"));
    assert!(!nantes.places.is_empty());

    // A place of Maine-et-Loire moves to Nantes.
    let (moved, _, _) = first_place(&server, "mediatheque&departement=49");
    accept(
        &server,
        &json!({
            "kind": "update", "place_id": moved,
            "fields": {
                "adresse": "2 rue de la Paix", "commune": "Nantes", "code_postal": "44000",
                "code_insee": "44109", "latitude": 47.2173, "longitude": -1.5534,
            },
        }),
    );
    let cursor = angers.cursor;
    angers.sync(&server, "&departement=49");
    let (_, page) = server.get(&format!("/changes?since={cursor}&departement=49"));
    assert_eq!(page["changes"][0]["action"], "removed", "{page}");
    assert_eq!(angers.places, served(&server, "&departement=49"));
    assert!(!angers.places.contains_key(&moved));
    nantes.sync(&server, "&code_postal=44000|44100");
    assert_eq!(nantes.places, served(&server, "&code_postal=44000|44100"));
    assert!(nantes.places.contains_key(&moved));

    // The Atom feed of Loire-Atlantique names it, as a reader reads it.
    let (status, headers, atom) = server.get_bytes("/changes.atom?departement=44&limit=5", &[]);
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/atom+xml"));
    let read = feedparser(&atom);
    assert_eq!(read["bozo"], false, "{read}");
    assert_eq!(read["version"], "atom10");
    let entries = read["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 5);
    let name = served(&server, "&departement=44")[&moved]["properties"]["nom"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(entries[0]["title"], format!("Lieu modifié : {name}"));
    assert!(entries[0]["link"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/?lieu={moved}")));
    assert!(entries[0]["summary"].as_str().unwrap().contains("commune"));
    let ids: std::collections::HashSet<&str> =
        entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 5, "entry ids are distinct");
    // The territory filters are read as /search reads them.
    assert_eq!(server.get("/changes.atom?departement=4/9").0, 400);
    assert_eq!(server.get("/changes?services=Wifi").0, 400);
}

/// What Python's feedparser reads of `atom`: bozo, version, each entry's id, title, link and
/// summary.
fn feedparser(atom: &[u8]) -> Value {
    let script = r#"
import json, sys
import feedparser
d = feedparser.parse(sys.stdin.buffer.read())
print(json.dumps({
    "bozo": bool(d.bozo), "bozo_exception": str(d.get("bozo_exception", "")),
    "version": d.version, "title": d.feed.get("title"),
    "entries": [{"id": e.id, "title": e.title, "link": e.link, "summary": e.summary,
                 "updated": e.updated} for e in d.entries],
}))
"#;
    // Debian's Python, which python3-feedparser installs into.
    let mut child = std::process::Command::new("/usr/bin/python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    {
        use std::io::Write as _;
        child.stdin.take().unwrap().write_all(atom).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "python3 with feedparser failed (apt-get install python3-feedparser; tests/run.sh does it): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}
