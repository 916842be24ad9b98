//! Re-indexing while serving: `POST /admin/reload` and SIGHUP under a steady load from client
//! threads, admin access, graceful shutdown.
//!
//! Two indexes with different content take turns: A, the bundled data set, and B, the Angers
//! source alone. Every answer names its index in `X-Lieux-Index`; each is checked against what
//! that index answered when it was served alone, so an answer mixing the two (a tile of one, a
//! count of the other) or a failed request during a swap fails the test.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::support::{index_bundled, lieux_ok, manifest, raw, token_file, Server};

const TOKEN: &str = "a-test-token-of-some-length";

/// The requests of the load, each answered differently by the two indexes.
const PATHS: &[&str] = &[
    "/health",
    "/search?q=numerique&limit=5",
    "/search?lat=47.47&lon=-0.55&radius=5000&limit=10&sort=distance",
    "/tiles/8/127/89.mvt",
    "/clusters?zoom=5",
    "/suggest?q=ang",
];

/// What an answer must be for one index: the status, and the part of the body that identifies
/// the index (timings and "open now" left out).
fn fingerprint(path: &str, status: u16, body: &[u8]) -> String {
    if path.starts_with("/tiles/") {
        return format!("{status} {}", blake3::hash(body).to_hex());
    }
    let json: serde_json::Value = serde_json::from_slice(body).expect("a JSON body");
    let summary = if path == "/health" {
        serde_json::json!([json["index"], json["places"]])
    } else if path.starts_with("/suggest") {
        json["suggestions"].clone()
    } else if path.starts_with("/clusters") {
        let counts: Vec<_> = json["features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|f| f["properties"]["point_count"].clone())
            .collect();
        serde_json::json!(counts)
    } else {
        let ids: Vec<_> = json["features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|f| f["id"].clone())
            .collect();
        serde_json::json!([json["total"], ids])
    };
    format!("{status} {summary}")
}

/// `GET path`: the index that answered and the fingerprint of its answer.
fn answer(agent: &ureq::Agent, server: &Server, path: &str) -> Result<(String, String), String> {
    let response = agent
        .get(&format!("{}{path}", server.base))
        .call()
        .map_err(|e| format!("{path}: {e}"))?;
    let status = response.status().as_u16();
    let index = response
        .headers()
        .get("x-lieux-index")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| format!("{path}: no X-Lieux-Index header"))?;
    let body = response
        .into_body()
        .with_config()
        .limit(50_000_000)
        .read_to_vec()
        .map_err(|e| format!("{path}: {e}"))?;
    if status != 200 {
        return Err(format!(
            "{path}: status {status}: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    Ok((index, fingerprint(path, status, &body)))
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// What each index answers to each path: index hash → path → fingerprint.
type Expected = HashMap<String, HashMap<&'static str, String>>;

fn record(server: &Server, expected: &mut Expected) {
    let agent = agent();
    for path in PATHS {
        let (index, print) = answer(&agent, server, path).expect("the request succeeds");
        expected.entry(index).or_default().insert(path, print);
    }
}

fn reload(server: &Server, body: &str) -> (u16, serde_json::Value) {
    let bearer = format!("Bearer {TOKEN}");
    let (status, _, json) = server.post("/admin/reload", &[("Authorization", &bearer)], body);
    (status, json)
}

/// The failures of a load and its answers counted by index.
type Outcome = (Vec<String>, HashMap<String, usize>);

/// Client threads asking `PATHS` in turn until stopped; each answer checked against
/// `expected`. Returns the failures and the answers counted by index.
struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<Outcome>>,
}

impl Load {
    fn start(server: &Arc<Server>, expected: &Arc<Expected>, threads: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..threads)
            .map(|t| {
                let (server, expected, stop) = (server.clone(), expected.clone(), stop.clone());
                std::thread::spawn(move || {
                    let agent = agent();
                    let mut failures = Vec::new();
                    let mut seen: HashMap<String, usize> = HashMap::new();
                    let mut n = t;
                    while !stop.load(Ordering::Relaxed) {
                        let path = PATHS[n % PATHS.len()];
                        n += 1;
                        match answer(&agent, &server, path) {
                            Ok((index, print)) => {
                                match expected.get(&index).and_then(|e| e.get(path)) {
                                    Some(want) if *want == print => {
                                        *seen.entry(index).or_default() += 1;
                                    }
                                    Some(want) => failures.push(format!(
                                        "{path} from {index}: {print} instead of {want}"
                                    )),
                                    None => failures.push(format!("{path}: unknown index {index}")),
                                }
                            }
                            Err(error) => failures.push(error),
                        }
                    }
                    (failures, seen)
                })
            })
            .collect();
        Self { stop, threads }
    }

    fn finish(self) -> Outcome {
        self.stop.store(true, Ordering::Relaxed);
        let mut failures = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for thread in self.threads {
            let (f, s) = thread.join().expect("a load thread");
            failures.extend(f);
            for (index, count) in s {
                *seen.entry(index).or_default() += count;
            }
        }
        (failures, seen)
    }
}

/// Asks for `/health` until `done` (at most 100 times): a replaced index is removed once its
/// last request is over, and the server may still be dropping that request when its answer
/// arrives.
fn ask_until(server: &Server, done: impl Fn() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        server.get("/health");
    }
}

/// Sends SIGHUP and waits for the reload it starts to end, swapped or failed.
fn hang_up(server: &Server) {
    let reloads =
        || server.metric("lieux_reloads_total") + server.metric("lieux_reloads_failed_total");
    let before = reloads();
    server.signal("HUP");
    while reloads() <= before {
        std::thread::yield_now();
    }
}

impl Load {
    /// Waits until the server has answered `answers` more requests, so that each phase of a
    /// test sees requests (no timing involved); panics if every load thread has stopped.
    fn run_for(&self, server: &Server, answers: u64) {
        let target = server.metric("lieux_http_requests_total") + answers as f64;
        while server.metric("lieux_http_requests_total") < target {
            assert!(
                !self
                    .threads
                    .iter()
                    .all(std::thread::JoinHandle::is_finished),
                "the load threads stopped"
            );
            std::thread::yield_now();
        }
    }
}

/// Checks a load's outcome: no failed or mixed answer, and answers from each of `indexes`.
fn every_answer_right((failures, seen): Outcome, indexes: &[&str]) {
    assert!(
        failures.is_empty(),
        "{} failures: {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    for index in indexes {
        assert!(
            seen.get(*index).copied().unwrap_or(0) > 0,
            "no answer from {index}: {seen:?}"
        );
    }
}

/// Indexes A (bundled) and B (Angers) into `dir`.
fn two_indexes(dir: &Path) -> (PathBuf, PathBuf) {
    let a = index_bundled(dir);
    let b = dir.join("angers");
    lieux_ok(&[
        &"index",
        &raw("angers_guide-services-numeriques.json"),
        &"--out",
        &b,
    ]);
    (a, b)
}

/// A server of the index `dir` with the admin token, its file written in `tmp`.
fn admin_server(tmp: &Path, dir: &Path) -> Arc<Server> {
    Arc::new(Server::start(&[
        &"--index",
        &dir,
        &"--admin-token-file",
        &token_file(tmp, TOKEN),
    ]))
}

fn path_body(dir: &Path) -> String {
    serde_json::json!({ "path": dir }).to_string()
}

#[test]
fn reloads_under_load_give_no_failed_or_mixed_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = two_indexes(tmp.path());
    let (hash_a, hash_b) = (
        manifest(&a)["content_hash"].clone(),
        manifest(&b)["content_hash"].clone(),
    );
    assert_ne!(hash_a, hash_b);
    let server = Arc::new(Server::start(&[
        &"--index",
        &a,
        &"--admin-token-file",
        &token_file(tmp.path(), TOKEN),
        &"--work-dir",
        &tmp.path().join("work"),
    ]));

    // What each index answers alone.
    let mut expected = Expected::new();
    record(&server, &mut expected);
    assert_eq!(reload(&server, &path_body(&b)).0, 200);
    record(&server, &mut expected);
    assert_eq!(reload(&server, &path_body(&a)).0, 200);
    assert_eq!(expected.len(), 2, "two indexes answered");
    for path in PATHS {
        let prints: Vec<_> = expected.values().map(|e| &e[path]).collect();
        assert_ne!(prints[0], prints[1], "{path} tells the indexes apart");
    }

    let load = Load::start(&server, &Arc::new(expected), 4);
    let angers = serde_json::json!({ "sources": [raw("angers_guide-services-numeriques.json")] });
    let reloads = [
        path_body(&b),
        path_body(&a),
        angers.to_string(), // B again, rebuilt from its source by the server
        String::new(),      // the default: the configured index, A
        path_body(&b),
    ];
    for body in &reloads {
        load.run_for(&server, 20);
        let (status, json) = reload(&server, body);
        assert_eq!(status, 200, "{json}");
    }
    load.run_for(&server, 20);
    hang_up(&server); // the default again: A
    assert_eq!(server.get("/health").1["index"], hash_a);
    load.run_for(&server, 20);
    every_answer_right(
        load.finish(),
        &[hash_a.as_str().unwrap(), hash_b.as_str().unwrap()],
    );
    let (_, health) = server.get("/health");
    assert_eq!(health["reloads"], 8, "{health}");
    // The index rebuilt from sources is removed once its last request is over: the server may
    // still be dropping that request when its answer arrives, so ask a few more times.
    let rebuilt = || std::fs::read_dir(tmp.path().join("work")).unwrap().count();
    ask_until(&server, || rebuilt() == 0);
    assert_eq!(rebuilt(), 0, "the rebuilt index was removed once replaced");
}

#[test]
fn a_failed_reload_under_load_leaves_the_old_index_serving() {
    let tmp = tempfile::tempdir().unwrap();
    let a = index_bundled(tmp.path());
    let hash_a = manifest(&a)["content_hash"].as_str().unwrap().to_owned();
    // A copy of A with one byte of its places changed: its hash no longer matches.
    let corrupt = tmp.path().join("corrupt");
    std::fs::create_dir(&corrupt).unwrap();
    copy_dir(&a, &corrupt);
    let places = corrupt.join("places.bin");
    let mut bytes = std::fs::read(&places).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5a;
    std::fs::write(&places, bytes).unwrap();
    // A source that is not a source, and one whose records are all rejected.
    let garbage = tmp.path().join("garbage.json");
    std::fs::write(
        &garbage,
        "{\"type\": \"FeatureCollection\", \"features\": [",
    )
    .unwrap();
    let rejected = tmp.path().join("rejected.csv");
    let header =
        std::fs::read_to_string(crate::support::repo().join("data/lieux-pays-de-la-loire.csv"))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_owned();
    std::fs::write(
        &rejected,
        format!("{header}\n{}\n", ",".repeat(header.matches(',').count())),
    )
    .unwrap();

    let server = admin_server(tmp.path(), &a);
    let mut expected = Expected::new();
    record(&server, &mut expected);
    let load = Load::start(&server, &Arc::new(expected), 4);
    let bad_reloads = [
        path_body(&corrupt),
        path_body(&tmp.path().join("missing")),
        serde_json::json!({ "sources": [garbage] }).to_string(),
        serde_json::json!({ "sources": [rejected] }).to_string(),
    ];
    for body in &bad_reloads {
        load.run_for(&server, 20);
        let (status, json) = reload(&server, body);
        assert_eq!(status, 422, "{body}: {json}");
        assert_eq!(json["error"], "reload_failed", "{json}");
        assert!(
            json["message"]
                .as_str()
                .unwrap()
                .contains("old index keeps serving"),
            "{json}"
        );
    }
    load.run_for(&server, 20);
    let (failures, seen) = load.finish();
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(
        seen.keys().collect::<Vec<_>>(),
        vec![&hash_a],
        "only A answered"
    );
    let (_, _, text) = server.get_bytes("/metrics", &[]);
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("lieux_reloads_failed_total 4"), "{text}");
    assert_eq!(server.get("/health").1["index"], hash_a.as_str());
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn admin_routes_need_the_token_and_are_off_without_one() {
    let tmp = tempfile::tempdir().unwrap();
    let a = index_bundled(tmp.path());

    let off = Server::start(&[&"--index", &a]);
    let bearer = format!("Bearer {TOKEN}");
    let (status, _, json) = off.post("/admin/reload", &[("Authorization", &bearer)], "");
    assert_eq!((status, json["error"].as_str()), (404, Some("not_found")));
    drop(off);

    let short = token_file(tmp.path(), "short");
    let refused = crate::support::lieux(&[&"serve", &"--index", &a, &"--admin-token-file", &short]);
    assert!(
        !refused.status.success(),
        "a short token is refused at start"
    );

    let server = Server::start(&[
        &"--index",
        &a,
        &"--admin-token-file",
        &token_file(tmp.path(), TOKEN),
    ]);
    for headers in [
        vec![],
        vec![("Authorization", "Bearer not-the-token-at-all-no")],
        vec![("Authorization", TOKEN)],
        vec![("Authorization", "Basic YTpi")],
    ] {
        let (status, answer, json) = server.post("/admin/reload", &headers, "");
        assert_eq!(status, 401, "{headers:?}: {json}");
        assert_eq!(json["error"], "unauthorized");
        assert_eq!(answer.get("www-authenticate").unwrap(), "Bearer");
    }
    let (status, _, json) = server.post("/admin/reload", &[("Authorization", &bearer)], "");
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["status"], "reloaded");
    let (status, _, json) = server.post("/admin/nothing", &[("Authorization", &bearer)], "");
    assert_eq!((status, json["error"].as_str()), (404, Some("not_found")));
    let (status, _, _) = server.get_bytes("/admin/reload", &[("Authorization", &bearer)]);
    assert_eq!(status, 405);
    let (status, _, json) = server.post(
        "/admin/reload",
        &[("Authorization", &bearer)],
        "{\"path\": 3}",
    );
    assert_eq!(
        (status, json["error"].as_str()),
        (400, Some("invalid_parameter"))
    );
    let big = format!("{{\"path\": \"{}\"}}", "x".repeat(70_000));
    let (status, _, json) = server.post("/admin/reload", &[("Authorization", &bearer)], &big);
    assert_eq!(
        (status, json["error"].as_str()),
        (413, Some("body_too_large"))
    );
}

#[test]
fn sources_given_at_start_are_indexed_and_indexed_again_by_a_reload() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, b) = two_indexes(tmp.path());
    let work = tmp.path().join("work");
    let server = Server::start(&[
        &"--source",
        &raw("angers_guide-services-numeriques.json"),
        &"--work-dir",
        &work,
        &"--admin-token-file",
        &token_file(tmp.path(), TOKEN),
        // Admin requests have no timeout: the reload below takes far longer than this.
        &"--request-timeout",
        &"0.001",
    ]);
    let (_, health) = server.get("/health");
    assert_eq!(
        health["index"],
        manifest(&b)["content_hash"],
        "as `lieux index` builds it"
    );
    let built = || std::fs::read_dir(&work).unwrap().count();
    assert_eq!(built(), 1, "the index was built under --work-dir");
    let (status, json) = reload(&server, "");
    assert_eq!(status, 200, "{json}");
    assert_eq!(
        json["index"], json["previous"],
        "the same sources, the same content"
    );
    ask_until(&server, || built() == 1);
    assert_eq!(built(), 1, "the replaced index was removed");
}

#[test]
fn sigterm_lets_the_request_in_flight_finish() {
    let tmp = tempfile::tempdir().unwrap();
    let a = index_bundled(tmp.path());
    let mut server = Server::start(&[
        &"--index",
        &a,
        &"--admin-token-file",
        &token_file(tmp.path(), TOKEN),
        // The probes below would spend the write routes' bucket, and the reload's retries get 429.
        &"--rate-limit",
        &"write=off",
    ]);
    let base = server.base.clone();
    let bearer = format!("Bearer {TOKEN}");
    // A reload that rebuilds the bundled data set from its source: the slowest request there is.
    let body = serde_json::json!({ "sources": [crate::support::repo().join("data/lieux-pays-de-la-loire.csv")] })
        .to_string();
    let in_flight = {
        let (base, bearer) = (base.clone(), bearer.clone());
        std::thread::spawn(move || loop {
            let response = ureq::post(&format!("{base}/admin/reload"))
                .header("Authorization", &bearer)
                .config()
                .http_status_as_error(false)
                .build()
                .send(&body)
                .expect("the reload is answered");
            // 409: one of the probes below was running; try again.
            if response.status().as_u16() != 409 {
                return response.status().as_u16();
            }
        })
    };
    // Wait until that reload runs (a probe is refused with 409) or is over.
    loop {
        let (status, _, _) = server.post(
            "/admin/reload",
            &[("Authorization", &bearer)],
            "{\"path\": \"/nonexistent\"}",
        );
        if status == 409 || in_flight.is_finished() {
            break;
        }
    }
    server.signal("TERM");
    assert_eq!(
        in_flight.join().unwrap(),
        200,
        "the request in flight was answered"
    );
    assert!(server.wait().success(), "the server stopped cleanly");
    assert!(
        ureq::get(&format!("{base}/health")).call().is_err(),
        "and it no longer listens"
    );
}

#[test]
fn answers_carry_a_request_id_and_metrics_count_them() {
    let tmp = tempfile::tempdir().unwrap();
    let a = index_bundled(tmp.path());
    let hash = manifest(&a)["content_hash"].as_str().unwrap().to_owned();
    let server = Server::start(&[&"--index", &a]);
    let (_, headers, _) = server.get_bytes("/health", &[]);
    let first = headers
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let (_, headers, _) = server.get_bytes("/nowhere", &[]);
    let second = headers
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second, "each request has its own id");
    let (_, headers, _) = server.get_bytes("/health", &[("X-Request-Id", "from-the-proxy-42")]);
    assert_eq!(headers.get("x-request-id").unwrap(), "from-the-proxy-42");
    let (_, headers, _) = server.get_bytes("/health", &[("X-Request-Id", "not plain\"{}")]);
    assert_ne!(headers.get("x-request-id").unwrap(), "not plain\"{}");
    assert_eq!(
        headers.get("x-lieux-index").unwrap().to_str().unwrap(),
        hash
    );
    for _ in 0..2 {
        assert_eq!(server.get_bytes("/tiles/8/127/89.mvt", &[]).0, 200);
    }

    let (status, headers, body) = server.get_bytes("/metrics", &[]);
    assert_eq!(status, 200);
    assert!(headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = String::from_utf8(body).unwrap();
    let value = |name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    };
    assert_eq!(
        value("lieux_http_requests_total{route=\"/health\",method=\"GET\",status=\"200\"}"),
        3.0
    );
    assert_eq!(
        value("lieux_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}"),
        1.0
    );
    assert_eq!(value("lieux_http_request_duration_seconds_count{route=\"/tiles/{z}/{x}/{tile}\",method=\"GET\"}"), 2.0);
    assert_eq!(value("lieux_http_request_duration_seconds_bucket{route=\"/health\",method=\"GET\",le=\"+Inf\"}"), 3.0);
    assert_eq!(value("lieux_tile_cache_hit_ratio"), 0.5);
    assert_eq!(value("lieux_index_places"), 649.0);
    assert!(value("lieux_index_age_seconds") >= 0.0);
    assert!(
        text.contains(&format!("lieux_index_info{{hash=\"{hash}\"")),
        "{text}"
    );
}

#[test]
fn an_index_rewritten_in_place_while_served_is_picked_up_by_sighup() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = two_indexes(tmp.path());
    let hash_b = manifest(&b)["content_hash"].clone();
    let server = admin_server(tmp.path(), &a);
    let mut expected = Expected::new();
    record(&server, &mut expected);
    assert_eq!(reload(&server, &path_body(&b)).0, 200);
    record(&server, &mut expected);
    assert_eq!(reload(&server, "").0, 200);

    let load = Load::start(&server, &Arc::new(expected), 2);
    load.run_for(&server, 20);
    // The maintainer's workflow: `lieux index` replaces the served directory (atomically)...
    lieux_ok(&[
        &"index",
        &raw("angers_guide-services-numeriques.json"),
        &"--out",
        &a,
    ]);
    load.run_for(&server, 20);
    // ...and the server keeps serving the old index from the replaced files until told.
    assert_ne!(server.get("/health").1["index"], hash_b);
    hang_up(&server);
    assert_eq!(server.get("/health").1["index"], hash_b);
    load.run_for(&server, 20);
    let (failures, seen) = load.finish();
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(seen.len(), 2, "both indexes answered: {seen:?}");
}

#[test]
fn a_reload_goes_on_when_its_client_goes_away() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let a = index_bundled(tmp.path());
    let server = admin_server(tmp.path(), &a);
    let body = serde_json::json!({ "sources": [crate::support::repo().join("data/lieux-pays-de-la-loire.csv")] })
        .to_string();
    let address = server.base.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /admin/reload HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    // Gone before the answer, once the reload runs. The waits are bounded so that a reload
    // that never starts or never ends fails the test instead of hanging it.
    const POLLS: usize = 100_000;
    for poll in 0..=POLLS {
        assert!(poll < POLLS, "the reload never started");
        if server.metric("lieux_reload_running") == 1.0 {
            break;
        }
    }
    drop(stream);
    for poll in 0..=POLLS {
        assert!(poll < POLLS, "the reload whose client left never ended");
        if server.metric("lieux_reload_running") == 0.0 {
            break;
        }
    }
    assert_eq!(server.metric("lieux_reloads_total"), 1.0, "it swapped");
    assert_eq!(server.metric("lieux_reloads_failed_total"), 0.0);
}

#[test]
fn a_failed_reload_quotes_nothing_of_the_files_it_read() {
    let tmp = tempfile::tempdir().unwrap();
    let a = index_bundled(tmp.path());
    let server = admin_server(tmp.path(), &a);
    // A file whose first line is a secret, read as a CSV source: its "columns" are the secret.
    let secret = "LIEUX_ADMIN_TOKEN=s3cr3t-value-that-must-not-leak";
    let env_like = tmp.path().join("environ");
    std::fs::write(&env_like, format!("{secret},HOME=/root\nPATH=/usr/bin,x\n")).unwrap();
    // A mapping-less JSON object whose keys are the secret.
    let json_like = tmp.path().join("secret.json");
    std::fs::write(&json_like, format!(r#"[{{"{secret}": 1}}]"#)).unwrap();
    for source in [
        env_like.as_path(),
        json_like.as_path(),
        Path::new("/proc/self/environ"),
        Path::new("/etc/passwd"),
    ] {
        let body = serde_json::json!({ "sources": [source] }).to_string();
        let (status, json) = reload(&server, &body);
        assert_eq!(status, 422, "{body}: {json}");
        let message = json["message"].as_str().unwrap();
        assert!(message.contains(&source.display().to_string()), "{message}");
        for quoted in ["s3cr3t", "HOME=", "root:x:0"] {
            assert!(!message.contains(quoted), "{source:?}: {message}");
        }
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let log = server.log();
    assert!(log.contains("reload failed"), "{log}");
    for quoted in ["s3cr3t", "HOME=", "root:x:0"] {
        assert!(!log.contains(quoted), "{log}");
    }
    // The command line, run by the operator on files of their own, still names the columns.
    let output =
        crate::support::lieux(&[&"import", &env_like, &"--out", &tmp.path().join("o.csv")]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("the file's columns"));
}

#[test]
fn the_bearer_scheme_is_case_insensitive_and_tile_counters_survive_a_reload() {
    let tmp = tempfile::tempdir().unwrap();
    let a = index_bundled(tmp.path());
    let server = admin_server(tmp.path(), &a);
    for path in ["/tiles/0/0/0.mvt", "/tiles/0/0/0.mvt", "/tiles/1/0/0.mvt"] {
        server.get_bytes(path, &[]);
    }
    let hits = server.metric("lieux_tile_cache_hits_total");
    let misses = server.metric("lieux_tile_cache_misses_total");
    assert!(hits >= 1.0 && misses >= 2.0, "{hits} {misses}");
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let authorization = format!("{scheme} {TOKEN}");
        let (status, _, json) =
            server.post("/admin/reload", &[("Authorization", &authorization)], "");
        assert_eq!(status, 200, "{scheme}: {json}");
    }
    assert_eq!(server.metric("lieux_tile_cache_hits_total"), hits);
    assert_eq!(server.metric("lieux_tile_cache_misses_total"), misses);
    server.get_bytes("/tiles/0/0/0.mvt", &[]);
    assert_eq!(server.metric("lieux_tile_cache_misses_total"), misses + 1.0);
    let (status, _, _) = server.post("/admin/reload", &[("Authorization", "Basic abc")], "");
    assert_eq!(status, 401);
}

/// Every file of the index `dir`, relative to it.
fn index_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if !path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .ends_with(".lock")
            {
                files.push(path.strip_prefix(dir).unwrap().to_owned());
            }
        }
    }
    files.sort();
    files
}

/// The ways a file of an index is damaged: a flipped byte, cut in half, gone.
const DAMAGES: [&str; 3] = ["flipped", "truncated", "missing"];

fn damage(file: &Path, how: &str) {
    match how {
        "flipped" => {
            let mut bytes = std::fs::read(file).unwrap();
            let at = bytes.len() / 3;
            bytes[at] ^= 0x20;
            std::fs::write(file, bytes).unwrap();
        }
        "truncated" => {
            let bytes = std::fs::read(file).unwrap();
            std::fs::write(file, &bytes[..bytes.len() / 2]).unwrap();
        }
        _ => std::fs::remove_file(file).unwrap(),
    }
}

#[test]
fn every_file_of_a_damaged_index_is_refused_at_start_and_at_reload_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let good = index_bundled(tmp.path());
    let hash = manifest(&good)["content_hash"].as_str().unwrap().to_owned();
    let files = index_files(&good);
    assert!(files.len() >= 8, "{files:?}");
    assert!(files.iter().any(|f| f.starts_with("text")), "{files:?}");
    let server = Arc::new(Server::start(&[
        &"--index",
        &good,
        &"--admin-token-file",
        &token_file(tmp.path(), TOKEN),
        &"--rate-limit",
        &"write=off",
    ]));
    let mut cases = 0;
    for file in &files {
        for how in DAMAGES {
            let bytes = std::fs::metadata(good.join(file)).unwrap().len();
            if how != "missing" && bytes < 2 {
                continue;
            }
            let copy = tmp.path().join(format!("damaged-{cases}"));
            std::fs::create_dir(&copy).unwrap();
            copy_dir(&good, &copy);
            damage(&copy.join(file), how);
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            // At start: the loader the server starts with.
            let refused = lieux_index::store::PlaceIndex::open(&copy)
                .err()
                .unwrap_or_else(|| panic!("{how} {}: loaded", file.display()))
                .to_string();
            assert!(
                refused.contains(&name),
                "{how} {}: {refused}",
                file.display()
            );
            // At reload: a 422 that names it, and the old index goes on.
            let (status, json) = reload(&server, &path_body(&copy));
            assert_eq!(status, 422, "{how} {}: {json}", file.display());
            let message = json["message"].as_str().unwrap();
            assert!(
                message.contains(&name),
                "{how} {}: {message}",
                file.display()
            );
            assert_eq!(server.get("/health").1["index"], hash.as_str());
            cases += 1;
        }
    }
    assert!(cases >= 24, "{cases}");
    assert_eq!(server.metric("lieux_reloads_failed_total"), cases as f64);
    let (status, body) = server.get("/search?q=numerique&limit=3");
    assert_eq!(
        (status, body["features"].as_array().unwrap().len()),
        (200, 3)
    );

    // A server asked to start on a damaged index exits and says which file.
    let copy = tmp.path().join("damaged-start");
    std::fs::create_dir(&copy).unwrap();
    copy_dir(&good, &copy);
    let segment = files
        .iter()
        .find(|f| f.extension().is_some_and(|e| e == "idx"))
        .unwrap();
    damage(&copy.join(segment), "flipped");
    // A state directory of its own: never the user's.
    let state = tmp.path().join("state");
    let output = crate::support::lieux(&[
        &"serve",
        &"--index",
        &copy,
        &"--bind",
        &"127.0.0.1:0",
        &"--state-dir",
        &state,
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let name = segment.file_name().unwrap().to_string_lossy();
    assert!(stderr.contains(name.as_ref()), "{stderr}");
}

/// Publishes the sources as a new generation under `root` (`lieux index --publish`), and
/// returns its name, from the command's own words and from `CURRENT`.
fn publish(root: &Path, sources: &Path) -> String {
    let said = lieux_ok(&[&"index", &sources, &"--publish", &root]);
    let current = std::fs::read_to_string(root.join("CURRENT")).expect("CURRENT");
    let name = current.trim_end().to_owned();
    assert!(said.contains(&name), "{said}");
    assert!(
        root.join("generations")
            .join(&name)
            .join("manifest.json")
            .is_file(),
        "the generation is a whole index"
    );
    name
}

/// Waits (at most a minute) until `/health` names `index`.
fn wait_for_index(server: &Server, index: &str) {
    for _ in 0..600 {
        if server.get("/health").1["index"] == index {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!(
        "the server never served {index}: {}",
        server.get("/health").1
    );
}

#[test]
fn generations_published_under_load_are_followed_with_no_failed_or_mixed_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("published");
    let bundled = crate::support::repo().join("data/lieux-pays-de-la-loire.csv");
    let angers = raw("angers_guide-services-numeriques.json");
    let a = publish(&root, &bundled);
    let server = Arc::new(Server::start(&[
        &"--follow",
        &root,
        &"--follow-interval",
        &"0.1",
        &"--admin-token-file",
        &token_file(tmp.path(), TOKEN),
        &"--work-dir",
        &tmp.path().join("work"),
    ]));
    assert_eq!(server.get("/health").1["index"], a);

    // What each generation answers alone.
    let mut expected = Expected::new();
    record(&server, &mut expected);
    let b = publish(&root, &angers);
    assert_ne!(a, b);
    wait_for_index(&server, &b);
    record(&server, &mut expected);
    assert_eq!(expected.len(), 2, "two generations answered");

    // A second node follows the same generations: every node serves each one.
    let other = Server::start(&[&"--follow", &root, &"--follow-interval", &"0.1"]);
    assert_eq!(other.get("/health").1["index"], b);

    // Under load, A again (the same content: its generation is reused), then B.
    let load = Load::start(&server, &Arc::new(expected), 4);
    for (sources, name) in [(&bundled, &a), (&angers, &b), (&bundled, &a)] {
        load.run_for(&server, 20);
        assert_eq!(&publish(&root, sources), name, "named by its content");
        wait_for_index(&server, name);
        wait_for_index(&other, name);
    }
    load.run_for(&server, 20);
    every_answer_right(load.finish(), &[&a, &b]);
    // A reload without a body (and SIGHUP) reads the generation CURRENT names.
    let (status, json) = reload(&server, "");
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["index"], a);
    // Publishing the same content again changes nothing: no reload.
    let reloads = server.metric("lieux_reloads_total");
    publish(&root, &bundled);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(server.metric("lieux_reloads_total"), reloads);

    // A pointer that names nothing is logged and left: the generation served stays.
    std::fs::write(root.join("CURRENT"), "0123\n").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(server.get("/health").1["index"], a);
    let (status, json) = reload(&server, "");
    assert_eq!(status, 422, "{json}");
    assert!(
        json["message"].as_str().unwrap().contains("CURRENT"),
        "{json}"
    );
}
