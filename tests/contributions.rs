//! The write path through a real server and a real SQLite file: contribute, moderate, and find
//! the change in searches and tiles, after a restart, after a reload, after a SIGKILL.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use mvt_reader::feature::Value;
use serde_json::json;

use crate::support::{token_file, Server};
use crate::tiles::decode;

const TOKEN: &str = "moderation-token-of-the-tests";

pub(crate) fn start(state: &Path, tmp: &Path) -> Server {
    let token = token_file(tmp, TOKEN);
    Server::start(&[
        &"--state-dir",
        &state,
        &"--admin-token-file",
        &token,
        &"--rate-limit",
        &"write=off",
    ])
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

pub(crate) fn json_post(
    server: &Server,
    path: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let bearer = bearer();
    let (status, _, answer) = server.post(
        path,
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &bearer),
        ],
        &body.to_string(),
    );
    (status, answer)
}

/// The first place a search for `q` finds: its id and coordinates.
pub(crate) fn first_place(server: &Server, q: &str) -> (String, f64, f64) {
    let (status, found) = server.get(&format!("/search?q={q}&limit=1"));
    assert_eq!(status, 200);
    let feature = &found["features"][0];
    let [lon, lat] = [0, 1].map(|i| feature["geometry"]["coordinates"][i].as_f64().unwrap());
    (feature["id"].as_str().unwrap().to_owned(), lon, lat)
}

/// The names in the tile of zoom 18 holding `(lon, lat)`, by place id.
fn names_in_tile(server: &Server, lon: f64, lat: f64) -> BTreeMap<String, String> {
    let z = 18;
    let n = f64::from(1_u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let lat = lat.to_radians();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
    let (status, _, bytes) = server.get_bytes(&format!("/tiles/{z}/{x}/{y}.mvt"), &[]);
    assert_eq!(status, 200);
    let (_, _, features) = decode(bytes);
    features
        .into_iter()
        .filter_map(|feature| {
            let text = |key| match feature.properties.get(key) {
                Some(Value::String(s)) => Some(s.clone()),
                _ => None,
            };
            Some((text("id")?, text("nom")?))
        })
        .collect()
}

#[test]
fn an_accepted_change_is_searched_and_drawn_and_outlives_a_restart_and_a_reload() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let server = start(&state, tmp.path());
    let (id, lon, lat) = first_place(&server, "mediatheque");
    let (status, kept) = json_post(
        &server,
        "/contributions",
        &json!({
            "kind": "update",
            "place_id": id,
            "fields": { "nom": "Médiathèque Quasimodo", "telephone": "02 41 43 28 13" },
            "message": "Nous avons changé de nom.",
            "contact": { "name": "Camille", "email": "camille@example.org" },
        }),
    );
    assert_eq!(status, 202, "{kept}");
    assert_eq!(kept["status"], "pending");
    assert!(kept["warnings"][0].as_str().unwrap().contains("telephone"));
    // Pending: not on the map, and its author sees it without its contact.
    assert_eq!(server.get("/search?q=quasimodo").1["total"], 0);
    let (status, followed) = server.get(kept["follow_url"].as_str().unwrap());
    assert_eq!(status, 200);
    assert_eq!(followed["status"], "pending");
    assert!(!followed.to_string().contains("camille@example.org"));
    let contribution = kept["id"].as_u64().unwrap();
    let (status, decided) = json_post(
        &server,
        &format!("/admin/contributions/{contribution}/accept"),
        &json!({ "moderator": "Dominique" }),
    );
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["live"], true);

    let on_the_map = |server: &Server| {
        let (_, found) = server.get("/search?q=quasimodo");
        assert_eq!(found["total"], 1, "{found}");
        let properties = &found["features"][0]["properties"];
        assert_eq!(properties["id"], id.as_str());
        assert_eq!(properties["telephone"], "+33241432813");
        assert!(properties["source"]
            .as_str()
            .unwrap()
            .ends_with("contribution 1"));
        let names = names_in_tile(server, lon, lat);
        assert_eq!(
            names.get(&id).map(String::as_str),
            Some("Médiathèque Quasimodo")
        );
        let (_, place) = server.get(&format!("/places/{id}"));
        assert_eq!(place["properties"]["nom"], "Médiathèque Quasimodo");
    };
    on_the_map(&server);
    drop(server);
    let server = start(&state, tmp.path());
    on_the_map(&server);
    let (status, reloaded) = json_post(&server, "/admin/reload", &json!({}));
    assert_eq!(status, 200, "{reloaded}");
    on_the_map(&server);
    let (status, _, history) = server.get_bytes(
        &format!("/admin/places/{id}/history"),
        &[("Authorization", &bearer())],
    );
    assert_eq!(status, 200);
    let history: serde_json::Value = serde_json::from_slice(&history).unwrap();
    let actions: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["submitted", "accepted"]);
    // Reverted, it is off the map, and still in the history.
    let (status, _) = json_post(
        &server,
        &format!("/admin/contributions/{contribution}/revert"),
        &json!({ "reason": "le nom était juste" }),
    );
    assert_eq!(status, 200);
    assert_eq!(server.get("/search?q=quasimodo").1["total"], 0);
}

#[test]
fn every_acknowledged_contribution_survives_a_sigkill_once() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let server = Arc::new(start(&state, tmp.path()));
    let (id, _, _) = first_place(&server, "mediatheque");
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..4)
        .map(|client| {
            let (server, acknowledged, id) =
                (Arc::clone(&server), Arc::clone(&acknowledged), id.clone());
            std::thread::spawn(move || {
                for n in 0..50 {
                    let message = format!("client {client}, contribution {n}");
                    let body = json!({
                        "kind": if n % 2 == 0 { "update" } else { "new" },
                        "place_id": id,
                        "fields": if n % 2 == 0 {
                            json!({ "presentation_resume": message })
                        } else {
                            json!({
                                "nom": message, "adresse": "1 place du Ralliement",
                                "commune": "Angers", "code_postal": "49000",
                            })
                        },
                        "message": message,
                    });
                    let url = format!("{}/contributions", server.base);
                    let Ok(response) = ureq::post(&url)
                        .config()
                        .http_status_as_error(false)
                        .build()
                        .header("Content-Type", "application/json")
                        .send(body.to_string())
                    else {
                        return; // The server is gone.
                    };
                    let status = response.status().as_u16();
                    let Ok(answer) = response.into_body().read_json::<serde_json::Value>() else {
                        return;
                    };
                    match status {
                        202 => acknowledged
                            .lock()
                            .unwrap()
                            .push((answer["id"].as_u64().unwrap(), message)),
                        // A place takes five pending contributions: updates past them are refused.
                        409 => {}
                        other => panic!("{other}: {answer}"),
                    }
                }
            })
        })
        .collect();
    // Killed in the middle of the writes.
    while acknowledged.lock().unwrap().len() < 40 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    server.signal("KILL");
    for thread in threads {
        thread.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    drop(server);
    let server = start(&state, tmp.path());
    let bearer = bearer();
    let (status, _, listed) = server.get_bytes(
        "/admin/contributions?status=pending&limit=1000",
        &[("Authorization", &bearer)],
    );
    assert_eq!(status, 200);
    let listed: serde_json::Value = serde_json::from_slice(&listed).unwrap();
    let kept: BTreeMap<u64, String> = listed["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_u64().unwrap(),
                c["submission"]["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let messages: HashSet<&String> = kept.values().collect();
    assert_eq!(messages.len(), kept.len(), "a contribution kept twice");
    for (id, message) in &acknowledged {
        assert_eq!(kept.get(id), Some(message), "acknowledged {id} is lost");
    }
    assert!(acknowledged.len() >= 40);
}

#[test]
fn malformed_contributions_get_a_4xx_that_names_the_problem_and_the_server_stays_healthy() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let server = start(&state, tmp.path());
    let (id, _, _) = first_place(&server, "mediatheque");
    let big = "x".repeat(1_000_000);
    let cases: Vec<(&str, String, &str)> = vec![
        ("application/json", "{".into(), "body"),
        ("application/json", "[]".into(), "body"),
        ("application/json", "null".into(), "body"),
        ("application/json", r#"{"kind":"renamed"}"#.into(), "body"),
        ("application/json", r#"{"kind":3}"#.into(), "body"),
        ("application/json", "{}".into(), "kind"),
        (
            "application/json",
            r#"{"kind":"update","fields":{"nom":"X"}}"#.into(),
            "place_id",
        ),
        (
            "application/json",
            r#"{"kind":"update","place_id":"nowhere","fields":{"nom":"X"}}"#.into(),
            "place_id",
        ),
        (
            "application/json",
            format!(r#"{{"kind":"update","place_id":"{id}"}}"#),
            "fields",
        ),
        (
            "application/json",
            format!(r#"{{"kind":"update","place_id":"{id}","fields":{{"couleur":"bleu"}}}}"#),
            "couleur",
        ),
        (
            "application/json",
            format!(
                r#"{{"kind":"update","place_id":"{id}","fields":{{"services":["Cours de cuisine"]}}}}"#
            ),
            "services",
        ),
        (
            "application/json",
            format!(
                r#"{{"kind":"update","place_id":"{id}","fields":{{"services":"Cours de cuisine"}}}}"#
            ),
            "services",
        ),
        (
            "application/json",
            format!(r#"{{"kind":"update","place_id":"{id}","fields":{{"services":[1,2]}}}}"#),
            "services",
        ),
        (
            "application/json",
            format!(r#"{{"kind":"update","place_id":"{id}","fields":{{"telephone":"appelez"}}}}"#),
            "telephone",
        ),
        (
            "application/json",
            format!(
                r#"{{"kind":"update","place_id":"{id}","fields":{{"courriels":"pas-un-courriel"}}}}"#
            ),
            "courriels",
        ),
        (
            "application/json",
            format!(r#"{{"kind":"update","place_id":"{id}","fields":{{"latitude":"nord"}}}}"#),
            "latitude",
        ),
        (
            "application/json",
            format!(r#"{{"kind":"update","place_id":"{id}","fields":{{"latitude":true}}}}"#),
            "latitude",
        ),
        (
            "application/json",
            format!(r#"{{"kind":"update","place_id":"{id}","fields":{{"nom":7}}}}"#),
            "nom",
        ),
        (
            "application/json",
            format!(r#"{{"kind":"update","place_id":"{id}","fields":{{"horaires":"le matin"}}}}"#),
            "horaires",
        ),
        (
            "application/json",
            format!(
                r#"{{"kind":"update","place_id":"{id}","fields":{{"horaires":"<img src=x onerror=alert(1)>"}}}}"#
            ),
            "horaires",
        ),
        (
            "application/json",
            format!(r#"{{"kind":"update","place_id":"{id}","fields":{{"nom":["a","b"]}}}}"#),
            "nom",
        ),
        (
            "application/json",
            format!(
                r#"{{"kind":"update","place_id":"{id}","fields":{{"date_maj":"2020-01-01"}}}}"#
            ),
            "date_maj",
        ),
        (
            "application/json",
            format!(r#"{{"kind":"update","place_id":"{id}","fields":{{"id":"autre"}}}}"#),
            "id",
        ),
        (
            "application/json",
            format!(r#"{{"kind":"update","place_id":"{id}","fields":{{"nom":"a\u0000b"}}}}"#),
            "nom",
        ),
        (
            "application/json",
            format!(r#"{{"kind":"closed","place_id":"{id}","fields":{{"nom":"X"}}}}"#),
            "fields",
        ),
        (
            "application/json",
            r#"{"kind":"new","fields":{"nom":"Sans adresse"}}"#.into(),
            "adresse",
        ),
        (
            "application/json",
            format!(
                r#"{{"kind":"update","place_id":"{id}","fields":{{"nom":"X"}},"website":"spam"}}"#
            ),
            "website",
        ),
        (
            "application/json",
            format!(r#"{{"kind":"update","place_id":"{id}","fields":{{"nom":"X"}},"extra":1}}"#),
            "body",
        ),
        (
            "application/json",
            format!(
                r#"{{"kind":"update","place_id":"{id}","fields":{{"nom":"X"}},"contact":{{"email":"nobody"}}}}"#
            ),
            "contact.email",
        ),
        (
            "application/json",
            format!(
                r#"{{"kind":"update","place_id":"{id}","fields":{{"presentation_detail":"{}"}}}}"#,
                "y".repeat(5_000)
            ),
            "presentation_detail",
        ),
        (
            "application/json",
            format!(r#"{{"kind":"update","place_id":"{id}","fields":{{"nom":"{big}"}}}}"#),
            "body_too_large",
        ),
        ("text/plain", "kind=new".into(), "unsupported_media_type"),
        ("", "kind=new".into(), "unsupported_media_type"),
        (
            "application/x-www-form-urlencoded",
            "kind=demolished".into(),
            "kind",
        ),
        (
            "application/x-www-form-urlencoded",
            "kind=new&nom=%ZZ".into(),
            "body",
        ),
        (
            "application/x-www-form-urlencoded",
            format!("kind=update&place_id={id}&nom=a&nom=b"),
            "nom",
        ),
    ];
    assert!(cases.len() >= 30);
    for (media, body, named) in &cases {
        let headers: Vec<(&str, &str)> = if media.is_empty() {
            vec![]
        } else {
            vec![("Content-Type", media)]
        };
        let (status, _, bytes) = server_post_raw(&server, &headers, body.as_bytes());
        let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!("{body:.80}: not JSON: {}", String::from_utf8_lossy(&bytes))
        });
        assert!(
            (400..500).contains(&status),
            "{body:.80}: {status} {answer}"
        );
        let names_it = answer["error"] == *named || answer["fields"].get(named).is_some();
        assert!(names_it, "{body:.80}: {answer} does not name {named}");
    }
    // Bytes that are not UTF-8.
    let (status, _, _) = server_post_raw(
        &server,
        &[("Content-Type", "application/json")],
        b"{\"kind\":\"new\",\"fields\":{\"nom\":\"\xff\xfe\"}}",
    );
    assert!((400..500).contains(&status));
    let (status, _, _) = server_post_raw(
        &server,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"kind=new&nom=\xff",
    );
    assert!((400..500).contains(&status));
    assert_eq!(server.get("/health").0, 200);
}

#[test]
fn the_living_data_set_is_exported_over_http_and_by_the_command_line_alike() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let server = start(&state, tmp.path());
    let (updated, _, _) = first_place(&server, "mediatheque");
    let (closed, _, _) = first_place(&server, "france+services");
    let (_, base) = server.get(&format!("/places/{updated}"));
    let accept = |body: serde_json::Value| {
        let (status, kept) = json_post(&server, "/contributions", &body);
        assert_eq!(status, 202, "{kept}");
        let contribution = kept["id"].as_u64().unwrap();
        let path = format!("/admin/contributions/{contribution}/accept");
        assert_eq!(json_post(&server, &path, &json!({})).0, 200);
        contribution
    };
    let renamed = accept(json!({
        "kind": "update", "place_id": updated,
        "fields": { "nom": "Médiathèque Quasimodo" },
    }));
    accept(json!({ "kind": "closed", "place_id": closed, "message": "Fermé en juin." }));
    accept(json!({
        "kind": "new",
        "fields": {
            "nom": "Atelier numérique du Lac de Maine", "adresse": "1 place du Ralliement",
            "commune": "Angers", "code_postal": "49000", "latitude": 47.46, "longitude": -0.58,
        },
    }));

    let (status, headers, body) = server.get_bytes("/export.csv", &[]);
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"lieux-20"),
        "{disposition}"
    );
    let over_http = tmp.path().join("over-http.csv");
    std::fs::write(&over_http, body).unwrap();
    let rows = crate::support::csv_rows(&over_http);
    let total = server.get("/health").1["places"].as_u64().unwrap();
    assert_eq!(rows.len() as u64, total);
    assert_eq!(
        headers["x-total-count"].to_str().unwrap(),
        total.to_string()
    );
    let row = |id: &str| rows.iter().find(|row| row["id"] == id);
    assert!(row(&closed).is_none(), "a closed place is left out");
    let changed = row(&updated).expect("the updated place is exported");
    assert_eq!(changed["nom"], "Médiathèque Quasimodo");
    assert!(
        changed["source"].ends_with(&format!("contribution {renamed}")),
        "{changed:?}"
    );
    assert_ne!(
        changed["date_maj"],
        base["properties"]["date_maj"].as_str().unwrap()
    );
    let (_, served) = server.get(&format!("/places/{updated}"));
    assert_eq!(
        changed["date_maj"],
        served["properties"]["date_maj"].as_str().unwrap()
    );
    assert!(rows
        .iter()
        .any(|row| row["nom"] == "Atelier numérique du Lac de Maine"
            && row["id"].starts_with("lieux-")));
    drop(server);

    // The command line writes the same data set from the same state, while no server runs.
    let by_command = tmp.path().join("by-command.csv");
    crate::support::lieux_ok(&[&"export", &"--state-dir", &state, &"--out", &by_command]);
    let sorted = |mut rows: Vec<std::collections::HashMap<String, String>>| {
        rows.sort_by(|a, b| a["id"].cmp(&b["id"]));
        rows
    };
    assert_eq!(sorted(crate::support::csv_rows(&by_command)), sorted(rows));
}

#[test]
fn a_moderator_corrects_some_fields_and_the_others_proposed_stay() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let server = start(&state, tmp.path());
    let (id, _, _) = first_place(&server, "mediatheque");
    let (status, kept) = json_post(
        &server,
        "/contributions",
        &json!({
            "kind": "update", "place_id": id,
            "fields": { "nom": "Médiathèque Quasimodo", "telephone": "02 41 00 00 01" },
        }),
    );
    assert_eq!(status, 202, "{kept}");
    let contribution = kept["id"].as_u64().unwrap();
    let (status, decided) = json_post(
        &server,
        &format!("/admin/contributions/{contribution}/accept"),
        &json!({ "fields": { "telephone": "02 41 43 28 13" } }),
    );
    assert_eq!(status, 200, "{decided}");
    let (_, place) = server.get(&format!("/places/{id}"));
    assert_eq!(place["properties"]["nom"], "Médiathèque Quasimodo");
    assert_eq!(place["properties"]["telephone"], "+33241432813");
    // A correction is read with the same rules as a proposal.
    let (_, kept) = json_post(
        &server,
        "/contributions",
        &json!({ "kind": "update", "place_id": id, "fields": { "nom": "Autre nom" } }),
    );
    let (status, refused) = json_post(
        &server,
        &format!("/admin/contributions/{}/accept", kept["id"]),
        &json!({ "fields": { "horaires": "quand on peut" } }),
    );
    assert_eq!(status, 422, "{refused}");
    assert!(refused["fields"]["horaires"].is_string(), "{refused}");
}

#[test]
fn a_form_posted_without_javascript_is_answered_with_a_page() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let server = start(&state, tmp.path());
    let (id, _, _) = first_place(&server, "mediatheque");
    let browser = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        (
            "Accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        ),
    ];
    let form = format!(
        "kind=update&place_id={id}&nom=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E+M%C3%A9diath%C3%A8que\
         &services=Aide+aux+d%C3%A9marches+administratives&website="
    );
    let (status, head, body) = server_post_raw(&server, &browser, form.as_bytes());
    let page = String::from_utf8(body).unwrap();
    assert_eq!(status, 202, "{page}");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(
        head.contains("content-security-policy: default-src 'none'"),
        "{head}"
    );
    let follow = page
        .split("href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the receipt links to the follow page");
    assert!(follow.starts_with("/contributions/"), "{follow}");
    assert!(head.contains(&format!("location: {follow}")), "{head}");

    // Its author follows it as a page, where what they typed is text.
    let (status, headers, body) = server.get_bytes(follow, &[("Accept", "text/html")]);
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let followed = String::from_utf8(body).unwrap();
    assert!(followed.contains("en attente de relecture"), "{followed}");
    assert!(
        followed.contains("&lt;img src=x onerror=alert(1)&gt; Médiathèque"),
        "{followed}"
    );
    assert!(!followed.contains("<img"), "{followed}");
    // A script still gets JSON from the same link.
    assert_eq!(server.get(follow).1["status"], "pending");

    // A refusal is a page too, with the status of the error and the field to correct.
    let form = format!("kind=update&place_id={id}&telephone=%3Cscript%3Eappelez%3C%2Fscript%3E");
    let (status, head, body) = server_post_raw(&server, &browser, form.as_bytes());
    let page = String::from_utf8(body).unwrap();
    assert_eq!(status, 422, "{page}");
    assert!(head
        .to_ascii_lowercase()
        .contains("content-type: text/html"));
    assert!(page.contains("telephone"), "{page}");
    assert!(!page.contains("<script"), "{page}");
    // Without `text/html` in `Accept`, the same form gets JSON.
    let (status, _, body) = server_post_raw(&server, &browser[..1], form.as_bytes());
    assert_eq!(status, 422);
    let refusal: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(refusal["fields"]["telephone"].is_string(), "{refusal}");
}

/// `POST /contributions` with raw bytes.
fn server_post_raw(
    server: &Server,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    let mut request = format!(
        "POST /contributions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    let answer = server.send_raw(&bytes, std::time::Duration::from_secs(10));
    crate::support::split_answer("/contributions", &answer)
}

#[test]
fn no_moderation_route_answers_without_the_token() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let server = start(&state, tmp.path());
    let routes = [
        ("GET", "/admin/contributions"),
        ("GET", "/admin/conflicts"),
        ("GET", "/admin/places/x/history"),
        ("POST", "/admin/contributions/1/accept"),
        ("POST", "/admin/contributions/1/reject"),
        ("POST", "/admin/contributions/1/revert"),
    ];
    for (method, path) in routes {
        for headers in [vec![], vec!["Authorization: Bearer not-the-token-at-all"]] {
            let (status, _, _) = server.raw_with(method, path, &headers);
            assert_eq!(status, 401, "{method} {path} {headers:?}");
        }
    }
    // Without a token configured, admin is off.
    let off = Server::start(&[&"--state-dir", &tmp.path().join("off")]);
    for (method, path) in routes {
        assert_eq!(off.raw_with(method, path, &[]).0, 404, "{method} {path}");
    }
}
