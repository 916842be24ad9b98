//! Hostile and malformed requests, sent raw (no client library normalises them), and the limits.
//!
//! Every answer must be a 4xx with a JSON `{"error", "message"}` body, and the server must still
//! answer afterwards.

use crate::support::{index_bundled, Server};

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
        "/clusters?zoom=5&bbox=0,10,1,5",
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
