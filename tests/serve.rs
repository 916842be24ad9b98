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
    // Every record of the bundled file is a place: it is read without merging, and none is
    // rejected (`index::index_writes_manifest_places_and_text_index`).
    let records = csv::Reader::from_path(repo().join("data/lieux-pays-de-la-loire.csv"))
        .unwrap()
        .records()
        .count();
    assert_eq!(body["places"], records as u64);
}

#[test]
fn unknown_routes_and_methods_get_json_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = index_bundled(tmp.path());
    let server = Server::start(&[&"--index", &out]);
    let (status, body) = server.get("/nowhere/../../etc/passwd");
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not_found");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("no route for GET /") && message.ends_with("/etc/passwd"),
        "the message names the method and the path: {message}"
    );

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
