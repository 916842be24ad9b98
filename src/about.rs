//! What the server says of itself: `GET /health` and `GET /openapi.json`.

use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::http_error::ApiError;
use crate::params::{NoParams, Params};
use crate::state::{AppState, Live};

/// The answer of `GET /health`.
#[derive(Serialize)]
struct Health<'a> {
    status: &'static str,
    places: u64,
    index: &'a str,
    schema_version: &'a str,
    created_at: &'a str,
    loaded_at: String,
    load_seconds: f64,
    reloads: u64,
    version: &'static str,
}

pub async fn health(
    state: web::Data<AppState>,
    live: Live,
    _: Params<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let manifest = live.manifest();
    Ok(HttpResponse::Ok().json(Health {
        status: "ok",
        places: manifest.places,
        index: &manifest.content_hash,
        schema_version: &manifest.schema_version,
        created_at: &manifest.created_at,
        loaded_at: chrono::DateTime::<chrono::Utc>::from(live.loaded_at()).to_rfc3339(),
        load_seconds: (live.load_seconds() * 1000.0).round() / 1000.0,
        reloads: state.metrics.reloads_done(),
        version: env!("CARGO_PKG_VERSION"),
    }))
}

/// `GET /openapi.json`: the description of every route (see [`crate::openapi`]).
pub async fn openapi(
    state: web::Data<AppState>,
    _: Params<NoParams>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(state.openapi.clone()))
}
