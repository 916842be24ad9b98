//! Several nodes on one shared store: a real PostgreSQL on loopback, two `lieux serve` given
//! the same `--store`, and Debian's nginx in front of them. A change accepted through one node
//! is served by the other; a consumer of `/changes` through nginx, answered by either node in
//! turn, ends with exactly the servers' places and never gets a change twice; a node stopped
//! under load costs no answer beyond those it had in flight; a node started late answers only
//! once it shows every accepted change; a node that loses the database keeps serving reads,
//! says so in `/health` and `/metrics`, answers writes 503, and catches up once it is back.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::contributions::{first_place, json_post};
use crate::feed::{served, Copy};
use crate::support::{csv_rows, lieux_ok, token_file, Nginx, Postgres, Server};

const TOKEN: &str = "moderation-token-of-the-tests";

/// How long a node may take to show a change another node accepted before a test fails: the
/// issue's target is 2 s (measured by `benches/nodes.sh`); a loaded CI machine gets more.
const PATIENCE: Duration = Duration::from_secs(15);

/// A node on the shared store of `postgres`, with its own state directory under `tmp`.
fn node(postgres: &Postgres, tmp: &Path, name: &str) -> Server {
    let token = token_file(tmp, TOKEN);
    Server::start(&[
        &"--store",
        &postgres.url(),
        &"--state-dir",
        &tmp.join(name),
        &"--admin-token-file",
        &token,
        &"--rate-limit",
        &"write=off",
    ])
}

/// Submits `body` to `server` and accepts it there: the contribution's number.
fn accept_on(server: &Server, body: &Value) -> u64 {
    let (status, kept) = json_post(server, "/contributions", body);
    assert_eq!(status, 202, "{kept}");
    let id = kept["id"].as_u64().unwrap();
    let (status, decided) = json_post(
        server,
        &format!("/admin/contributions/{id}/accept"),
        &json!({}),
    );
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["live"], true, "{decided}");
    id
}

/// The value of `field` of the place `id` as `server` serves it.
fn field_of(server: &Server, id: &str, field: &str) -> Value {
    let (status, place) = server.get(&format!("/places/{id}"));
    assert_eq!(status, 200, "{place}");
    place["properties"][field].clone()
}

/// Waits until `server` serves `value` as the place `id`'s `field`: how long it took.
fn until_served(server: &Server, id: &str, field: &str, value: &str) -> Duration {
    let started = Instant::now();
    while field_of(server, id, field) != value {
        assert!(
            started.elapsed() < PATIENCE,
            "{} does not serve {field} = {value} of {id} after {PATIENCE:?}: {}",
            server.base,
            field_of(server, id, field)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    started.elapsed()
}

/// `/health`'s `store` of `server`.
fn store_health(server: &Server) -> Value {
    let (status, health) = server.get("/health");
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["status"], "ok");
    health["store"].clone()
}

/// Waits until `check` holds of `server`'s `/health` `store`.
fn until_store(server: &Server, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let store = store_health(server);
        if check(&store) {
            return store;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "{}: not {what} after {PATIENCE:?}: {store}",
            server.base
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn two_nodes_behind_nginx_serve_each_others_changes_and_one_feed() {
    let postgres = Postgres::start();
    let tmp = tempfile::tempdir().unwrap();
    let a = Arc::new(node(&postgres, tmp.path(), "a"));
    let b = Arc::new(node(&postgres, tmp.path(), "b"));
    let nginx = Arc::new(Nginx::proxying(&[&a.base, &b.base], tmp.path()));
    for server in [&a, &b] {
        let store = store_health(server);
        assert_eq!(store["backend"], "postgres", "{store}");
        assert_eq!(store["connected"], true, "{store}");
    }

    // A consumer follows the feed through nginx, answered by either node, from the start.
    let done = Arc::new(AtomicBool::new(false));
    let follower = {
        let (nginx, done) = (Arc::clone(&nginx), Arc::clone(&done));
        std::thread::spawn(move || {
            let mut copy = Copy::default();
            while !done.load(Ordering::Acquire) {
                copy.sync(&nginx, "");
                std::thread::sleep(Duration::from_millis(5));
            }
            copy
        })
    };

    // Changes accepted on one node, then on the other, each served by both.
    let (renamed, _, _) = first_place(&a, "mediatheque");
    let (closed, _, _) = first_place(&a, "france+services");
    let (phoned, _, _) = first_place(&a, "espace+numerique");
    assert!(renamed != closed && closed != phoned && renamed != phoned);
    accept_on(
        &a,
        &json!({ "kind": "update", "place_id": renamed, "fields": { "nom": "Médiathèque des deux nœuds" } }),
    );
    let took = until_served(&b, &renamed, "nom", "Médiathèque des deux nœuds");
    eprintln!("accepted on a, served by b after {took:?}");
    accept_on(
        &b,
        &json!({ "kind": "update", "place_id": phoned, "fields": { "telephone": "+33241000001" } }),
    );
    let took = until_served(&a, &phoned, "telephone", "+33241000001");
    eprintln!("accepted on b, served by a after {took:?}");
    accept_on(
        &b,
        &json!({ "kind": "closed", "place_id": closed, "message": "Fermé." }),
    );
    let created = accept_on(
        &a,
        &json!({
            "kind": "new",
            "fields": {
                "nom": "Atelier partagé de la Doutre", "adresse": "1 place de la Laiterie",
                "commune": "Angers", "code_postal": "49100", "latitude": 47.475, "longitude": -0.56,
            },
        }),
    );
    // Decisions through nginx too, whichever node takes them, and a revert.
    let (status, kept) = json_post_via(
        &nginx,
        "/contributions",
        &json!({ "kind": "update", "place_id": renamed, "fields": { "telephone": "+33241000002" } }),
    );
    assert_eq!(status, 202, "{kept}");
    let id = kept["id"].as_u64().unwrap();
    let (status, decided) = json_post_via(
        &nginx,
        &format!("/admin/contributions/{id}/accept"),
        &json!({}),
    );
    assert_eq!(status, 200, "{decided}");
    let (status, decided) = json_post_via(
        &nginx,
        &format!("/admin/contributions/{id}/revert"),
        &json!({ "reason": "erreur" }),
    );
    assert_eq!(status, 200, "{decided}");

    // Both nodes end on the same places, having applied every decision.
    let last = store_health(&a)["last_event"].as_u64().unwrap();
    for server in [&a, &b] {
        until_store(server, "caught up", |store| {
            store["caught_up"] == true && store["applied_event"].as_u64() >= Some(last)
        });
    }
    assert_eq!(
        field_of(&b, &renamed, "telephone"),
        field_of(&a, &renamed, "telephone")
    );
    let (status, _) = b.get(&format!("/places/{closed}"));
    assert_eq!(status, 404);
    let (_, new_place) = a.get("/search?q=atelier+partage+doutre&limit=1");
    let new_id = new_place["features"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(field_of(&b, &new_id, "nom"), "Atelier partagé de la Doutre");
    let on_a = served(&a, "");
    assert_eq!(on_a, served(&b, ""));

    // The consumer, read through nginx (both nodes in turn), ends with exactly those places,
    // each change said once.
    done.store(true, Ordering::Release);
    let mut copy = follower.join().unwrap();
    // Every node has recorded what it shows: a few more reads reach both.
    for _ in 0..4 {
        copy.sync(&*nginx, "");
    }
    assert_eq!(copy.places.len(), on_a.len());
    assert!(
        copy.places == on_a,
        "the consumer's copy differs from the servers' places"
    );
    assert!(
        copy.doubles.is_empty(),
        "changes said twice: {:?}",
        copy.doubles
    );
    eprintln!(
        "contribution {created} created {new_id}; the feed's cursor is {}",
        copy.cursor
    );

    // Stopping a node under load: nginx routes around it, and no answer is lost but those in
    // flight on it when it died.
    let failures = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let load_done = Arc::new(AtomicBool::new(false));
    const CLIENTS: usize = 4;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let (nginx, failures, answered, load_done) = (
                Arc::clone(&nginx),
                Arc::clone(&failures),
                Arc::clone(&answered),
                Arc::clone(&load_done),
            );
            std::thread::spawn(move || {
                let paths = [
                    "/search?q=mediatheque&limit=5",
                    "/tiles/8/126/89.mvt",
                    "/health",
                ];
                let mut n = i;
                while !load_done.load(Ordering::Acquire) {
                    let status = get_status(&nginx.base, paths[n % paths.len()]);
                    if status == 200 || status == 204 {
                        answered.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                    n += 1;
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let before = answered.load(Ordering::Relaxed);
    drop(Arc::into_inner(b).expect("b is no longer shared"));
    std::thread::sleep(Duration::from_millis(1500));
    load_done.store(true, Ordering::Release);
    for client in clients {
        client.join().unwrap();
    }
    let (failed, total) = (
        failures.load(Ordering::Relaxed),
        answered.load(Ordering::Relaxed),
    );
    eprintln!("under load: {total} answered ({before} before the stop), {failed} failed");
    assert!(total > before, "nothing was answered after the stop");
    assert!(
        failed <= CLIENTS,
        "{failed} answers failed: more than the {CLIENTS} a stopped node can have in flight"
    );
    // And a's feed still says the same.
    let mut fresh = Copy::default();
    fresh.sync(&*nginx, "");
    assert!(fresh.places == served(&a, ""));
}

#[test]
fn a_late_node_catches_up_before_it_answers_and_a_node_without_the_database_keeps_serving() {
    let postgres = Postgres::start();
    let tmp = tempfile::tempdir().unwrap();
    let a = node(&postgres, tmp.path(), "a");
    let (place, _, _) = first_place(&a, "mediatheque");
    accept_on(
        &a,
        &json!({ "kind": "update", "place_id": place, "fields": { "telephone": "+33241000003" } }),
    );
    // A node started late answers only once it shows the log: no wait after it listens.
    let b = node(&postgres, tmp.path(), "b");
    assert_eq!(field_of(&b, &place, "telephone"), "+33241000003");
    let store = store_health(&b);
    assert_eq!(store["caught_up"], true, "{store}");
    assert_eq!(
        store["applied_event"],
        store_health(&a)["applied_event"],
        "{store}"
    );
    // `lieux export` reads the same store: the data set as served.
    let out = tmp.path().join("export.csv");
    lieux_ok(&[
        &"export",
        &"--store",
        &postgres.url(),
        &"--state-dir",
        &tmp.path().join("export-state"),
        &"--out",
        &out,
    ]);
    let exported = csv_rows(&out);
    let row = exported.iter().find(|row| row["id"] == place).unwrap();
    assert_eq!(row["telephone"], "+33241000003");

    // The database goes away: b keeps serving reads and says it lost it.
    postgres.stop();
    let lost = until_store(&b, "disconnected", |store| store["connected"] == false);
    assert!(lost["lost_since"].is_string(), "{lost}");
    assert_eq!(lost["caught_up"], false, "{lost}");
    assert_eq!(field_of(&b, &place, "telephone"), "+33241000003");
    let (status, found) = b.get("/search?q=mediatheque&limit=3");
    assert_eq!(status, 200, "{found}");
    let (status, _, _) = b.get_bytes("/tiles/8/126/89.mvt", &[]);
    assert!(status == 200 || status == 204, "{status}");
    assert_eq!(b.metric("lieux_store_connected"), 0.0);
    assert!(b.metric("lieux_store_lost_seconds") > 0.0);
    // Writes wait for it: a 503 that says so, nothing half written.
    let (status, refused) = json_post(
        &b,
        "/contributions",
        &json!({ "kind": "update", "place_id": place, "fields": { "telephone": "+33241000004" } }),
    );
    assert_eq!(status, 503, "{refused}");
    assert_eq!(refused["error"], "store_unavailable", "{refused}");

    // It comes back: a change accepted on a meanwhile reaches b by itself.
    postgres.resume();
    until_store(&a, "connected", |store| store["connected"] == true);
    let accepted = (0..50).find_map(|_| {
        let (status, kept) = json_post(
            &a,
            "/contributions",
            &json!({ "kind": "update", "place_id": place, "fields": { "telephone": "+33241000005" } }),
        );
        if status == 503 {
            std::thread::sleep(Duration::from_millis(200));
            return None;
        }
        assert_eq!(status, 202, "{kept}");
        Some(kept["id"].as_u64().unwrap())
    });
    let id = accepted.expect("a reaches the database again");
    let (status, decided) = json_post(&a, &format!("/admin/contributions/{id}/accept"), &json!({}));
    assert_eq!(status, 200, "{decided}");
    let took = until_served(&b, &place, "telephone", "+33241000005");
    eprintln!("after the database came back, b served a's change after {took:?}");
    let store = until_store(&b, "caught up", |store| store["caught_up"] == true);
    assert_eq!(store["connected"], true, "{store}");
    assert!(store.get("lost_since").is_none(), "{store}");
    assert_eq!(b.metric("lieux_store_connected"), 1.0);
}

/// `POST path` through nginx with the admin token: the status and the JSON body.
fn json_post_via(nginx: &Nginx, path: &str, body: &Value) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let response = agent
        .post(&format!("{}{path}", nginx.base))
        .header("Content-Type", "application/json")
        .header("Authorization", &format!("Bearer {TOKEN}"))
        .send(&body.to_string())
        .expect("nginx answers");
    let status = response.status().as_u16();
    let body = response.into_body().read_to_vec().unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// The status of `GET base path`; 0 when no answer came at all.
fn get_status(base: &str, path: &str) -> u16 {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    agent
        .get(&format!("{base}{path}"))
        .call()
        .map_or(0, |response| {
            let status = response.status().as_u16();
            let _ = response.into_body().read_to_vec();
            status
        })
}

#[test]
fn a_node_reaches_its_store_over_tls_and_refuses_a_certificate_it_cannot_trust() {
    // The database takes TLS connections only on its port.
    let (postgres, authority) = Postgres::start_with_tls();
    let tmp = tempfile::tempdir().unwrap();
    let tls = format!(
        "{}?sslmode=require&sslrootcert={}",
        postgres.url(),
        authority.display()
    );
    let token = token_file(tmp.path(), TOKEN);
    let a = Server::start(&[
        &"--store",
        &tls,
        &"--state-dir",
        &tmp.path().join("a"),
        &"--admin-token-file",
        &token,
        &"--rate-limit",
        &"write=off",
    ]);
    let store = store_health(&a);
    assert_eq!(store["connected"], true, "{store}");
    let (renamed, _, _) = first_place(&a, "mediatheque");
    accept_on(
        &a,
        &json!({ "kind": "update", "place_id": renamed, "fields": { "nom": "Médiathèque chiffrée" } }),
    );
    assert_eq!(field_of(&a, &renamed, "nom"), "Médiathèque chiffrée");

    // In the clear, the database refuses; with TLS but no authority to trust, lieux refuses.
    let out = tmp.path().join("places.csv");
    for (url, says) in [
        (postgres.url(), "no pg_hba.conf entry"),
        (format!("{}?sslmode=require", postgres.url()), "certificate"),
    ] {
        let output = crate::support::lieux(&[&"export", &"--store", &url, &"--out", &out]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{url}: {stderr}");
        assert!(stderr.contains(says), "{url}: {stderr}");
    }
    // With the authority, the export reads the change accepted over TLS.
    let output = crate::support::lieux(&[&"export", &"--store", &tls, &"--out", &out]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains("Médiathèque chiffrée"));
}
