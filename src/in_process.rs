//! What the in-process tests share: the app the server runs (`cli::app`), started as
//! `lieux serve ARGS` would start it, asked through `actix_web::test`.

use actix_web::http::{header, StatusCode};
use actix_web::test::{call_service, init_service, read_body, TestRequest};
use serde_json::Value;

use crate::cli::{app, ServeSettings};

/// Asks `request` of an app started with `lieux serve ARGS`: the status, the headers and
/// the body as JSON (`Null` when it is not JSON).
pub async fn ask(args: &[&str], request: TestRequest) -> (StatusCode, header::HeaderMap, Value) {
    let (status, headers, body) = ask_bytes(args, request).await;
    (
        status,
        headers,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

/// [`ask`], with the body as it is.
pub async fn ask_bytes(
    args: &[&str],
    request: TestRequest,
) -> (StatusCode, header::HeaderMap, actix_web::web::Bytes) {
    let state = tempfile::tempdir().unwrap();
    let state_dir = state.path().to_str().unwrap();
    let settings = ServeSettings::parse(&[args, &["--state-dir", state_dir]].concat()).unwrap();
    let app = init_service(app(
        settings.state().unwrap(),
        settings.cors(),
        settings.pages(),
    ))
    .await;
    let response = call_service(&app, request.to_request()).await;
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, read_body(response).await)
}

/// `GET path` of an app started with no argument (the bundled data).
pub async fn get(path: &str) -> (StatusCode, Value) {
    let (status, _, body) = ask(&[], TestRequest::get().uri(path)).await;
    (status, body)
}

/// The error of an answer, which must be `{"error": code, "message": text}`.
pub fn error_of(status: StatusCode, body: &Value) -> (u16, &str, &str) {
    let (Some(code), Some(message)) = (body["error"].as_str(), body["message"].as_str()) else {
        panic!("{status}: not a JSON error: {body}");
    };
    assert_eq!(
        body.as_object().map(serde_json::Map::len),
        Some(2),
        "{body}"
    );
    (status.as_u16(), code, message)
}

/// Why `lieux serve ARGS` does not start: the message of its settings' error.
///
/// # Panics
/// When the arguments are taken.
pub fn refused_at_start(args: &[&str]) -> String {
    match crate::cli::ServeSettings::parse(args) {
        Ok(_) => panic!("{args:?} was taken"),
        Err(error) => error.to_string(),
    }
}
