//! Hostile and malformed requests, sent raw (no client library normalises them), and the limits.
//!
//! Every answer must be a 4xx with a JSON `{"error", "message"}` body, and the server must still
//! answer afterwards.

use crate::support::{bundled_server, index_bundled, Server};

/// Requests that are wrong in every way we could think of; each must get a 4xx JSON answer.
fn malformed() -> Vec<String> {
    let long = "a".repeat(5000);
    let mut requests: Vec<String> = [
        // Extreme numbers, NaN, infinities, signs, exponents.
        "/search?lat=NaN&lon=0",
        "/search?lat=0&lon=inf",
        "/search?lat=-inf&lon=0",
        "/search?lat=1e400&lon=0",
        "/search?lat=47&lon=-0.5&radius=NaN",
        "/search?lat=47&lon=-0.5&radius=-1",
        "/search?lat=47&lon=-0.5&radius=-0.0001",
        "/search?lat=47&lon=-0.5&radius=1e308",
        "/search?lat=47&lon=-0.5&radius=inf",
        "/search?limit=-1",
        "/search?limit=1e3",
        "/search?limit=99999999999999999999999999",
        "/search?limit=18446744073709551616",
        "/search?offset=-5",
        "/search?offset=4294967296000",
        "/search?limit=0x10",
        "/search?limit=%2B%2B1",
        "/nearest?lat=47&lon=-0.5&k=-3",
        "/nearest?lat=47&lon=-0.5&k=1000000",
        "/nearest?lat=91&lon=0",
        "/nearest?lat=47",
        "/clusters?zoom=-1",
        "/clusters?zoom=256",
        "/clusters?zoom=NaN",
        "/clusters?zoom=5&bbox=NaN,0,1,1",
        "/clusters?zoom=5&bbox=0,0,1",
        "/clusters?zoom=5&bbox=0,0,1,1,1",
        "/clusters?zoom=5&bbox=0,91,1,92",
        "/clusters?zoom=5&bbox=0,10,1,95",
        "/clusters?zoom=5&bbox=,,,",
        "/clusters/18446744073709551616/children",
        "/clusters/-1/leaves",
        "/clusters/abc/expansion-zoom",
        "/clusters/1/leaves?limit=100000",
        "/search?open_at=2026-13-45T25:61",
        "/search?open_at=now",
        "/search?open_now=maybe",
        "/search?sort=random",
        "/search?sort=distance",
        "/search?format=xml",
        "/search?radius=100",
        // Unicode where numbers are expected, and in names.
        "/search?lat=%EF%BC%94%EF%BC%97&lon=0",
        "/search?limit=%D9%A3",
        "/search?%C3%A9=1",
        "/search?services=%F0%9F%92%A9",
        "/search?departement=%E2%80%AE49",
        // Bad percent-encoding: stray %, short, not hex, not UTF-8, overlong UTF-8.
        "/search?q=%",
        "/search?q=%4",
        "/search?q=%zz",
        "/search?q=%C3",
        "/search?q=%ff%fe",
        "/search?q=%C0%AF",
        "/search?q=%ED%A0%80",
        "/search?%=1",
        // Duplicate and unknown parameters.
        "/search?limit=1&limit=2",
        "/search?q=a&q=b",
        "/search?lat=47&lat=48&lon=0",
        "/tiles/5/15/11.mvt?services=a&services=b",
        "/search?servics=Aide",
        "/search?limit",
        "/tiles/5/15/11.mvt?debug=1",
        "/suggest?q=ang&x=1",
        "/places/some-id?full=1",
        "/health/../admin/reload",
        // Tile coordinates out of range.
        "/tiles/23/0/0.mvt",
        "/tiles/255/0/0.mvt",
        "/tiles/256/0/0.mvt",
        "/tiles/-1/0/0.mvt",
        "/tiles/3/8/0.mvt",
        "/tiles/3/0/8.mvt",
        "/tiles/3/-1/0.mvt",
        "/tiles/3/0/4294967296.mvt",
        "/tiles/3/0/0.png",
        "/tiles/3/0/0",
        "/tiles/NaN/0/0.mvt",
        "/tiles/3/0/%00.mvt",
        // Path traversal against the page's files.
        "/assets/../Cargo.toml",
        "/assets/%2e%2e/Cargo.toml",
        "/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/assets/..%2f..%2fetc%2fpasswd",
        "/assets/....//....//etc/passwd",
        "/assets//etc/passwd",
        "/assets/%252e%252e%252fCargo.toml",
        "/assets/index.html%00.js",
        "/assets/C:%5cWindows%5cwin.ini",
        "/..%2f..%2fetc%2fpasswd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/places/..%2f..%2fmanifest.json",
        "/places/%00",
        // Admin without a token configured.
        "/admin/reload",
        "/admin/../admin/reload",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    // Very long strings: a text over the limit, a long unknown name, a long number, a query
    // string over the limit.
    requests.push(format!("/search?q={long}"));
    requests.push(format!("/suggest?q={long}"));
    requests.push(format!("/search?{long}=1"));
    requests.push(format!("/search?limit={}", "9".repeat(3000)));
    requests.push(format!("/search?q=a&{}", "x=1&".repeat(2500)));
    requests.push(format!("/places/{long}"));
    requests.push(format!("/tiles/1/1/{}.mvt", "1".repeat(3000)));
    requests
}

#[test]
fn malformed_requests_get_a_json_4xx_and_the_server_keeps_answering() {
    let tmp = tempfile::tempdir().unwrap();
    let index = index_bundled(tmp.path());
    let server = Server::start(&[&"--index", &index]);
    let mut wrong = Vec::new();
    for target in malformed() {
        let shown: String = target.chars().take(80).collect();
        let (status, head, body) = server.raw("GET", &target);
        let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
        let well_formed = json.as_ref().is_some_and(|j| {
            j["error"].as_str().is_some_and(|e| !e.is_empty())
                && j["message"].as_str().is_some_and(|m| !m.is_empty())
        });
        if !(400..500).contains(&status) || !well_formed {
            wrong.push(format!(
                "{shown}: {status} {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(200)
                    .collect::<String>()
            ));
        }
        assert!(
            head.to_ascii_lowercase().contains("x-request-id"),
            "{shown}: no request id"
        );
    }
    // Other methods, and bodies where none is expected.
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        for target in ["/search", "/tiles/1/0/0.mvt", "/health", "/metrics"] {
            if (method, target) == ("POST", "/search") {
                // It takes its parameters in a body (tests/polygons.rs).
                continue;
            }
            let (status, _, body) = server.raw(method, target);
            let json: Result<serde_json::Value, _> = serde_json::from_slice(&body);
            if status != 405 || json.is_err() {
                wrong.push(format!("{method} {target}: {status}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} answers are not a JSON 4xx:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    let (status, body) = server.get("/health");
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) = server.get("/search?q=numerique&limit=3");
    assert_eq!(status, 200);
    assert_eq!(body["features"].as_array().unwrap().len(), 3);
}

#[test]
fn configured_limits_are_answered_with_json_4xx() {
    let tmp = tempfile::tempdir().unwrap();
    let index = index_bundled(tmp.path());
    let server = Server::start(&[
        &"--index",
        &index,
        &"--max-limit",
        &"5",
        &"--max-query-chars",
        &"10",
        &"--max-radius-m",
        &"2000",
        &"--max-bbox-degrees",
        &"1",
        &"--max-export",
        &"10",
        &"--max-exports",
        &"0",
        &"--max-query-string",
        &"200",
    ]);
    let cases: &[(&str, u16, &str)] = &[
        ("/search?limit=6", 400, "limit"),
        ("/nearest?lat=47&lon=-0.5&k=6", 400, "k"),
        ("/search?q=abcdefghijk", 400, "q"),
        ("/suggest?q=abcdefghijk", 400, "q"),
        ("/tiles/5/15/11.mvt?q=abcdefghijk", 400, "q"),
        ("/search?lat=47&lon=-0.5&radius=2001", 400, "radius"),
        ("/search?bbox=-1,47,0.5,47.5", 400, "bbox"),
        ("/clusters?zoom=5", 400, "bbox"),
        ("/search?format=csv", 429, "exports"),
    ];
    for (path, status, names) in cases {
        let (got, _, body) = server.get_bytes(path, &[]);
        let json: serde_json::Value = serde_json::from_slice(&body).expect("a JSON body");
        assert_eq!(got, *status, "{path}: {json}");
        assert!(
            json["message"].as_str().unwrap().contains(names),
            "{path}: {json}"
        );
    }
    let long = format!("/search?q=a&services={}", "b".repeat(300));
    let (status, _, body) = server.raw("GET", &long);
    assert_eq!(status, 414);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["error"], "query_too_long");
    assert_eq!(server.get_bytes("/search?limit=5", &[]).0, 200);
}

#[test]
fn an_export_over_the_export_limit_is_refused_and_the_slot_comes_back() {
    let tmp = tempfile::tempdir().unwrap();
    let index = index_bundled(tmp.path());
    let server = Server::start(&[
        &"--index",
        &index,
        &"--max-export",
        &"10",
        &"--max-exports",
        &"1",
    ]);
    for _ in 0..3 {
        let (status, _, body) = server.get_bytes("/search?format=csv", &[]);
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (status, json["error"].as_str()),
            (400, Some("too_many_results"))
        );
        // One slot only: each export gives it back when it ends, so the next one runs.
        let (status, _, _) = server.get_bytes("/search?format=csv&q=angers", &[]);
        assert_ne!(status, 429);
    }
    let (_, _, text) = server.get_bytes("/metrics", &[]);
    assert!(String::from_utf8(text)
        .unwrap()
        .contains("lieux_exports_running 0"));
}

// Round two of the hostile review: each defect it found, reproduced.

/// The JSON body of an answer, which must be an error `code`.
fn error_of(path: &str, status: u16, body: &[u8], code: &str) {
    let json: serde_json::Value = serde_json::from_slice(body)
        .unwrap_or_else(|_| panic!("{path}: {status} {}", String::from_utf8_lossy(body)));
    assert_eq!(json["error"], code, "{path}: {status} {json}");
    assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[test]
fn made_up_methods_do_not_grow_the_metrics() {
    let server = bundled_server();
    for i in 0..200 {
        let (status, _, body) = server.raw(&format!("MADEUP{i}"), "/health");
        assert_eq!(status, 405);
        error_of("/health", status, &body, "method_not_allowed");
    }
    let (_, _, text) = server.get_bytes("/metrics", &[]);
    let text = String::from_utf8(text).unwrap();
    assert!(!text.contains("MADEUP"), "a method became a label");
    assert!(
        text.contains(r#"route="/health",method="other",status="405"} 200"#),
        "{text}"
    );
    assert!(text.len() < 64 * 1024, "{} bytes", text.len());
}

#[test]
fn open_at_takes_the_years_hours_can_be_read_in() {
    let server = bundled_server();
    for at in [
        "%2B262143-12-31T23:59",
        "-262144-01-01T00:00",
        "9999-12-31T23:59:59",
        "0001-01-01T00:00",
        "2101-01-01T00:00",
        "1969-12-31T23:59",
    ] {
        let path = format!("/search?open_at={at}");
        let (status, _, body) = server.get_bytes(&path, &[]);
        assert_eq!(status, 400, "{path}");
        error_of(&path, status, &body, "invalid_parameter");
    }
    for at in ["2100-12-31T23:59", "1970-01-01T00:00", "2026-12-07T10:00"] {
        let (status, body) = server.get(&format!("/search?open_at={at}&include_unknown=true"));
        assert_eq!(status, 200, "{at}: {body}");
    }
    assert_eq!(server.get("/health").0, 200);
}

#[test]
fn head_answers_every_read_route_and_a_405_says_what_is_allowed() {
    let server = bundled_server();
    let (_, found) = server.get("/search?limit=1");
    let id = found["features"][0]["id"].as_str().unwrap().to_owned();
    for path in [
        "/".to_owned(),
        "/health".to_owned(),
        "/openapi.json".to_owned(),
        "/metrics".to_owned(),
        "/tiles.json".to_owned(),
        "/tiles/7/63/44.mvt".to_owned(),
        "/clusters?zoom=7&bbox=-2,46.5,0,48".to_owned(),
        "/search?q=numerique".to_owned(),
        "/search?q=angers&format=csv".to_owned(),
        "/nearest?lat=47.47&lon=-0.55".to_owned(),
        "/suggest?q=ang".to_owned(),
        format!("/places/{id}"),
    ] {
        let (get, get_head, _) = server.raw("GET", &path);
        let (head, head_head, body) = server.raw("HEAD", &path);
        assert_eq!(head, get, "HEAD {path}");
        assert!(body.is_empty(), "HEAD {path} has a body");
        let content_type = |h: &str| {
            h.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("content-type:"))
                .map(str::to_owned)
        };
        assert_eq!(content_type(&head_head), content_type(&get_head), "{path}");
    }
    for (method, path, allow) in [
        ("PUT", "/search", "GET, HEAD, POST"),
        ("DELETE", "/tiles/1/0/0.mvt", "GET, HEAD"),
        ("POST", "/", "GET, HEAD"),
        ("PATCH", "/assets/x.js", "GET, HEAD"),
    ] {
        let (status, head, body) = server.raw(method, path);
        assert_eq!(status, 405, "{method} {path}");
        assert!(
            head.to_ascii_lowercase()
                .contains(&format!("allow: {}", allow.to_ascii_lowercase())),
            "{method} {path}: {head}"
        );
        error_of(path, status, &body, "method_not_allowed");
    }
}

#[test]
fn routes_that_take_no_parameter_refuse_one_and_nearest_needs_one_place() {
    let server = bundled_server();
    for path in [
        "/health?verbose=1",
        "/openapi.json?format=yaml",
        "/metrics?name=x",
        "/health?",
        "/nearest?lat=47.47&lon=-0.55&k=0",
        "/nearest?lat=47.47&lon=-0.55&k=-0",
    ] {
        let (status, _, body) = server.get_bytes(path, &[]);
        assert_eq!(status, if path == "/health?" { 200 } else { 400 }, "{path}");
        if status == 400 {
            error_of(path, status, &body, "invalid_parameter");
        }
    }
}

#[test]
fn exports_check_and_honour_limit_and_offset() {
    let server = bundled_server();
    for path in [
        "/search?format=csv&limit=-1",
        "/search?format=csv&limit=abc",
        "/search?format=csv&offset=-1",
        "/search?format=geojson&offset=1e3",
        "/search?format=csv&offset=10001",
        "/search?format=geojson&limit=100001",
        "/search?format=csv&limit=1&limit=2",
    ] {
        let (status, _, body) = server.get_bytes(path, &[]);
        assert_eq!(status, 400, "{path}");
        error_of(path, status, &body, "invalid_parameter");
    }
    let ids = |path: &str| -> Vec<String> {
        let (status, _, body) = server.get_bytes(path, &[]);
        assert_eq!(status, 200, "{path}");
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        json["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = ids("/search?q=mediatheque&format=geojson");
    assert!(all.len() > 6, "{}", all.len());
    assert_eq!(
        ids("/search?q=mediatheque&format=geojson&limit=3"),
        all[..3]
    );
    assert_eq!(
        ids("/search?q=mediatheque&format=geojson&limit=2&offset=4"),
        all[4..6]
    );
    let page: Vec<String> = ids("/search?q=mediatheque&limit=2&offset=4");
    assert_eq!(page, all[4..6], "an export and a page agree");
    let (_, _, csv) = server.get_bytes("/search?q=mediatheque&format=csv&limit=3", &[]);
    assert_eq!(
        String::from_utf8(csv).unwrap().lines().count(),
        4,
        "header and 3 rows"
    );
}

#[test]
fn csv_exports_defuse_spreadsheet_formulas_and_imports_keep_them() {
    let tmp = tempfile::tempdir().unwrap();
    let bundled = crate::support::repo().join("data/lieux-pays-de-la-loire.csv");
    let mut reader = csv::Reader::from_path(&bundled).unwrap();
    let header = reader.headers().unwrap().clone();
    let name = header.iter().position(|h| h == "nom").unwrap();
    let phone = header.iter().position(|h| h == "telephone").unwrap();
    let source = tmp.path().join("formules.csv");
    let mut writer = csv::Writer::from_path(&source).unwrap();
    writer.write_record(&header).unwrap();
    for (i, record) in reader.records().enumerate() {
        let mut record: Vec<String> = record.unwrap().iter().map(str::to_owned).collect();
        if i == 0 {
            record[name] = r#"=HYPERLINK("http://evil.example","Mediatheque piegee")"#.to_owned();
            record[phone] = "+33241000000".to_owned();
        }
        writer.write_record(&record).unwrap();
    }
    writer.flush().unwrap();
    let index = tmp.path().join("idx");
    crate::support::lieux_ok(&[
        &"index",
        &source,
        &"--out",
        &index,
        &"--format",
        &"lamednum-v1",
    ]);
    let server = Server::start(&[&"--index", &index]);
    let (status, _, body) = server.get_bytes("/search?q=piegee&format=csv", &[]);
    assert_eq!(status, 200);
    let mut rows = csv::Reader::from_reader(body.as_slice());
    let row = rows.records().next().unwrap().unwrap();
    assert_eq!(
        &row[name],
        r#"'=HYPERLINK("http://evil.example","Mediatheque piegee")"#
    );
    assert_eq!(
        &row[phone], "+33241000000",
        "a telephone number is not a formula"
    );
    // GeoJSON carries data, not cells: the name is as it was.
    let (_, feature) = server.get("/search?q=piegee&limit=1");
    assert!(feature["features"][0]["properties"]["nom"]
        .as_str()
        .unwrap()
        .starts_with("=HYPERLINK"));
    // `lieux import` writes data for programs: the value is kept exactly.
    let out = tmp.path().join("out.csv");
    crate::support::lieux_ok(&[&"import", &source, &"--out", &out]);
    let kept = crate::support::csv_rows(&out);
    assert!(kept.iter().any(|r| r["nom"].starts_with("=HYPERLINK")));
}

#[test]
fn tile_urls_come_from_forwarding_headers_of_trusted_proxies_only() {
    let tile_url = |server: &Server, headers: &[&str]| -> String {
        let (status, _, body) = server.raw_with("GET", "/tiles.json", headers);
        assert_eq!(status, 200, "{headers:?}");
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        json["tiles"][0].as_str().unwrap().to_owned()
    };
    let forged = [
        "X-Forwarded-Host: evil.example",
        "X-Forwarded-Proto: https",
        "Forwarded: host=evil2.example;proto=https",
    ];
    let server = bundled_server();
    let address = server.base.trim_start_matches("http://").to_owned();
    let url = tile_url(&server, &forged);
    assert_eq!(url, format!("http://{address}/tiles/{{z}}/{{x}}/{{y}}.mvt"));
    let answer = server.send_raw(
        b"GET /tiles.json HTTP/1.1\r\nHost: a\"b<script>\r\nConnection: close\r\n\r\n",
        std::time::Duration::from_secs(30),
    );
    let (status, _, body) = crate::support::split_answer("/tiles.json", &answer);
    assert_eq!(status, 400);
    error_of("/tiles.json", status, &body, "invalid_parameter");
    drop(server);

    let proxied = Server::start(&[&"--trusted-proxies", &"127.0.0.1"]);
    let url = tile_url(
        &proxied,
        &[
            "X-Forwarded-Host: carto.example.org",
            "X-Forwarded-Proto: https",
        ],
    );
    assert_eq!(url, "https://carto.example.org/tiles/{z}/{x}/{y}.mvt");
}

#[test]
fn a_client_over_its_rate_limit_gets_429_with_retry_after() {
    let server = Server::start(&[&"--rate-limit", &"search=1/min,burst=3"]);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        // A forged X-Forwarded-For from an untrusted peer is not a new client.
        let (status, head, body) =
            server.raw_with("GET", "/search?limit=1", &["X-Forwarded-For: 203.0.113.7"]);
        if status == 429 {
            error_of("/search", status, &body, "rate_limited");
            let retry = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("retry-after: ")
                        .map(str::to_owned)
                })
                .expect("Retry-After");
            let seconds: u64 = retry.trim().parse().unwrap();
            assert!((1..=60).contains(&seconds), "{seconds}");
        }
        statuses.push(status);
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    // Other groups are not limited by default.
    for _ in 0..20 {
        assert_eq!(server.get_bytes("/tiles/0/0/0.mvt", &[]).0, 200);
    }
    assert_eq!(server.get("/health").0, 200);
    drop(server);

    // Behind a trusted proxy, each forwarded client has its own bucket.
    let server = Server::start(&[
        &"--rate-limit",
        &"search=1/min,burst=1",
        &"--trusted-proxies",
        &"127.0.0.1",
    ]);
    for client in ["203.0.113.7", "203.0.113.8", "198.51.100.1"] {
        let header = format!("X-Forwarded-For: 192.0.2.99, {client}");
        assert_eq!(server.raw_with("GET", "/search?limit=1", &[&header]).0, 200);
        assert_eq!(server.raw_with("GET", "/search?limit=1", &[&header]).0, 429);
    }
}

/// An index of `count` generated places in `dir`.
fn generated_index(dir: &std::path::Path, count: u32) -> std::path::PathBuf {
    let places = dir.join("places.csv");
    let index = dir.join("generated");
    crate::support::lieux_ok(&[
        &"generate",
        &"--count",
        &count.to_string(),
        &"--seed",
        &"7",
        &"--out",
        &places,
    ]);
    crate::support::lieux_ok(&[&"index", &places, &"--out", &index, &"--no-merge"]);
    index
}

/// Whether a raw chunked answer ended with its last chunk.
fn ended_cleanly(answer: &[u8]) -> bool {
    answer.ends_with(b"\r\n0\r\n\r\n")
}

#[test]
fn exports_whose_clients_stop_reading_give_their_slot_back() {
    use std::io::{Read, Write};
    let tmp = tempfile::tempdir().unwrap();
    let index = generated_index(tmp.path(), 20_000);
    let server = Server::start(&[
        &"--index",
        &index,
        &"--max-exports",
        &"1",
        &"--export-idle-timeout",
        &"1",
        &"--export-timeout",
        &"4",
    ]);
    let address = server.base.trim_start_matches("http://").to_owned();
    let export = format!(
        "GET /search?format=geojson HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    );
    // A client that asks for some 25 MB and reads none of it.
    let mut idle = std::net::TcpStream::connect(&address).unwrap();
    idle.write_all(export.as_bytes()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(3000));
    let (status, _, body) = server.get_bytes("/search?format=csv&limit=5", &[]);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(String::from_utf8(body).unwrap().lines().count(), 6);
    // What it gets when it reads at last is an export that broke off.
    idle.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = idle.read_to_end(&mut answer);
    assert!(answer.starts_with(b"HTTP/1.1 200"));
    assert!(
        !ended_cleanly(&answer),
        "{} bytes, ended as complete",
        answer.len()
    );

    // A client that reads, but too slowly to finish within the export timeout.
    let mut slow = std::net::TcpStream::connect(&address).unwrap();
    slow.write_all(export.as_bytes()).unwrap();
    slow.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match slow.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(
            started.elapsed().as_secs() < 60,
            "the export was not cut off"
        );
    }
    assert!(!ended_cleanly(&answer), "a slow export ran to its end");
    assert_eq!(server.metric("lieux_exports_running"), 0.0);
    // A whole export still works.
    let (status, _, body) = server.get_bytes("/search?format=geojson&limit=2000", &[]);
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["features"].as_array().unwrap().len(), 2000);
}

#[test]
fn a_request_past_the_request_timeout_gets_503_and_the_server_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let index = generated_index(tmp.path(), 20_000);
    let server = Server::start(&[&"--index", &index, &"--request-timeout", &"0.001"]);
    // The cluster hierarchy of a new filter over 20,000 places takes far longer than 1 ms.
    let path = "/tiles/5/15/11.mvt?services=Aide%20aux%20d%C3%A9marches%20administratives";
    let (status, headers, body) = server.get_bytes(path, &[]);
    assert_eq!(status, 503, "{}", String::from_utf8_lossy(&body));
    error_of(path, status, &body, "timeout");
    assert!(headers.get("x-request-id").is_some());
    assert!(server.metric("lieux_http_requests_total") >= 1.0);
    let (_, _, text) = server.get_bytes("/metrics", &[]);
    assert!(String::from_utf8(text)
        .unwrap()
        .contains(r#"route="timed_out",method="GET",status="503"}"#));
    assert_eq!(server.get_bytes("/health", &[]).0, 200);
}

/// Every parameter of every read route with odd encodings, numbers and repeats: an answer is
/// JSON, a 200 or a 4xx with `{"error", "message"}`; never a 5xx. Numbers that are not numbers
/// of their range are 400.
#[test]
fn every_parameter_takes_hostile_values_without_a_5xx() {
    let server = bundled_server();
    let routes: &[(&str, &str, &[&str])] = &[
        (
            "/search",
            "q=a",
            &[
                "q",
                "lat",
                "lon",
                "radius",
                "limit",
                "offset",
                "open_at",
                "services",
                "departement",
                "bbox",
                "sort",
            ],
        ),
        ("/nearest", "lat=47.47&lon=-0.55", &["k", "typologie"]),
        ("/suggest", "q=an", &["limit"]),
        ("/clusters", "zoom=6&bbox=-2,46,0,48", &["zoom", "bbox"]),
        ("/tiles.json", "", &["frais_a_charge"]),
    ];
    let numeric = ["lat", "lon", "radius", "limit", "offset", "k", "zoom"];
    let values = [
        "%00",
        "%C0%80",
        "%E0%80%AF",
        "",
        "1e309",
        "-0",
        "-0.0e0",
        "99999999999999999999",
        "%2B%2B1",
        "%EF%BB%BF1",
    ];
    let mut cases = 0;
    let mut wrong = Vec::new();
    for (route, base, names) in routes {
        for name in *names {
            for value in values
                .iter()
                .map(|v| v.to_string())
                .chain([format!("1&{name}=1")])
            {
                let query = if base.is_empty() {
                    format!("{name}={value}")
                } else {
                    format!("{base}&{name}={value}")
                };
                // A base parameter given again is a repeat too.
                let target = format!("{route}?{query}");
                let (status, _, body) = server.raw("GET", &target);
                cases += 1;
                let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
                let well_formed = match status {
                    200 => json.is_some(),
                    400..=499 => json.as_ref().is_some_and(|j| {
                        j["error"].is_string()
                            && j["message"].as_str().is_some_and(|m| !m.is_empty())
                    }),
                    _ => false,
                };
                let silly_number = numeric.contains(name)
                    && [
                        "%00",
                        "%C0%80",
                        "1e309",
                        "99999999999999999999",
                        "%2B%2B1",
                        "%EF%BB%BF1",
                    ]
                    .contains(&value.as_str());
                let repeated = value.contains('&');
                if !well_formed || ((silly_number || repeated) && status != 400) {
                    wrong.push(format!(
                        "{target}: {status} {}",
                        String::from_utf8_lossy(&body)
                            .chars()
                            .take(120)
                            .collect::<String>()
                    ));
                }
            }
        }
    }
    assert!(cases >= 80, "{cases}");
    assert!(
        wrong.is_empty(),
        "{} of {cases}:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(server.get("/health").0, 200);
}

/// Requests that the HTTP layer refuses before lieux sees them, and ways of sending that are odd
/// but valid: no 5xx, no hang, and the server goes on.
#[test]
fn the_http_layer_refuses_bad_framing_and_odd_clients_are_answered() {
    use std::time::Duration;
    let server = bundled_server();
    let address = server.base.trim_start_matches("http://").to_owned();
    let status_of = |answer: &[u8]| -> Option<u16> {
        let text = String::from_utf8_lossy(answer);
        text.split(' ').nth(1).and_then(|s| s.parse().ok())
    };
    let refused: Vec<(&str, Vec<u8>)> = vec![
        ("Content-Length with Transfer-Encoding", format!("POST /admin/reload HTTP/1.1\r\nHost: {address}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").into_bytes()),
        ("a request line of 100 KB", format!("GET /search?q={} HTTP/1.1\r\nHost: {address}\r\n\r\n", "a".repeat(100_000)).into_bytes()),
        ("a raw non-ASCII target", format!("GET /search?q=caf\u{e9} HTTP/1.1\r\nHost: {address}\r\n\r\n").into_bytes()),
        ("a header line without a colon", format!("GET /health HTTP/1.1\r\nHost: {address}\r\nnot a header\r\n\r\n").into_bytes()),
        ("a header of 64 KB", format!("GET /health HTTP/1.1\r\nHost: {address}\r\nX-Long: {}\r\n\r\n", "b".repeat(65_536)).into_bytes()),
        ("200 headers", format!("GET /health HTTP/1.1\r\nHost: {address}\r\n{}\r\n", (0..200).map(|i| format!("X-H{i}: v\r\n")).collect::<String>()).into_bytes()),
        ("not HTTP at all", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n".to_vec()),
    ];
    for (what, bytes) in &refused {
        let answer = server.send_raw(bytes, Duration::from_secs(20));
        // Refused with a 4xx and an empty body, or (long and many headers, within actix's
        // bounds) answered; never a 5xx.
        if let Some(status) = status_of(&answer) {
            assert!(
                status == 200 || (400..500).contains(&status),
                "{what}: {status}"
            );
        }
    }
    // HTTP/1.0, pipelining, a slow client and a half-closed connection are answered.
    let answer = server.send_raw(b"GET /health HTTP/1.0\r\n\r\n", Duration::from_secs(20));
    assert_eq!(status_of(&answer), Some(200), "HTTP/1.0");
    let two = format!("GET /health HTTP/1.1\r\nHost: {address}\r\n\r\nGET /search?limit=1 HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    let answer = String::from_utf8_lossy(&server.send_raw(two.as_bytes(), Duration::from_secs(20)))
        .into_owned();
    assert_eq!(
        answer.matches("HTTP/1.1 200").count(),
        2,
        "pipelined: {answer}"
    );
    {
        use std::io::{Read, Write};
        let mut slow = std::net::TcpStream::connect(&address).unwrap();
        for piece in [
            "GET /hea",
            "lth HTTP/1.1\r\nHo",
            &format!("st: {address}\r\nConnection: close\r\n\r\n"),
        ] {
            slow.write_all(piece.as_bytes()).unwrap();
            std::thread::sleep(Duration::from_millis(300));
        }
        slow.shutdown(std::net::Shutdown::Write).unwrap();
        slow.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut answer = Vec::new();
        let _ = slow.read_to_end(&mut answer);
        assert_eq!(status_of(&answer), Some(200), "slow and half-closed");
    }
    assert_eq!(server.get("/health").0, 200);
}
