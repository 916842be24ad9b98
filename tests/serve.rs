//! `lieux serve`: a real server on 127.0.0.1.

use crate::support::{index_bundled, manifest, repo, Server};

#[test]
fn health_reports_the_loaded_index() {
    let tmp = tempfile::tempdir().unwrap();
    let out = index_bundled(tmp.path());
    let manifest = manifest(&out);

    let server = Server::start(&[&"--index", &out]);
    let (status, body) = server.get("/health");
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["places"], manifest["places"]);
    assert_eq!(body["index"], manifest["content_hash"]);
}

#[test]
fn without_an_index_the_bundled_data_is_served() {
    let server = Server::start(&[]);
    let (status, body) = server.get("/health");
    assert_eq!(status, 200);
    let rows = std::fs::read_to_string(repo().join("data/lieux-pays-de-la-loire.csv"))
        .unwrap()
        .lines()
        .count();
    // The CSV has quoted multi-line fields, so lines over-count records.
    let places = body["places"].as_u64().unwrap();
    assert!(places > 500 && places < rows as u64, "{places}");
}

#[test]
fn unknown_routes_and_methods_get_json_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = index_bundled(tmp.path());
    let server = Server::start(&[&"--index", &out]);
    let (status, body) = server.get("/nowhere/../../etc/passwd");
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not_found");
    assert!(body["message"].as_str().unwrap().contains("/"));

    let response = ureq::post(&format!("{}/health", server.base))
        .config()
        .http_status_as_error(false)
        .build()
        .send_empty()
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let body: serde_json::Value = response.into_body().read_json().unwrap();
    assert_eq!(body["error"], "method_not_allowed");
    assert_eq!(server.get("/health").0, 200, "the server still answers");
}
