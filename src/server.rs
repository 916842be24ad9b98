//! The HTTP server: routes, shared state and the app factory.
//!
//! [`router`] configures every route on an actix `App`; the binary and the tests use the same
//! function, so what is tested is what runs. Handlers are short: parse the request into a typed
//! query, ask `lieux-index`, serialise the answer.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use lieux_index::store::PlaceIndex;
use serde::Serialize;

use crate::http_error::{ApiError, ErrorCode};

/// What every request can reach.
pub struct AppState {
    /// The loaded index.
    pub index: Arc<PlaceIndex>,
}

/// Adds every route of the API to `config`.
pub fn router(config: &mut web::ServiceConfig) {
    config
        .app_data(web::QueryConfig::default().error_handler(|error, _| {
            ApiError::new(ErrorCode::InvalidParameter, error.to_string()).into()
        }))
        .app_data(web::PathConfig::default().error_handler(|error, _| {
            ApiError::new(ErrorCode::InvalidParameter, error.to_string()).into()
        }))
        .service(
            web::resource("/health")
                .route(web::get().to(health))
                .default_service(web::to(method_not_allowed)),
        )
        .default_service(web::to(not_found));
}

/// The answer of `GET /health`.
#[derive(Serialize)]
struct Health<'a> {
    status: &'static str,
    places: u64,
    index: &'a str,
    schema_version: &'a str,
    created_at: &'a str,
    version: &'static str,
}

async fn health(state: web::Data<AppState>) -> HttpResponse {
    let manifest = &state.index.manifest;
    HttpResponse::Ok().json(Health {
        status: "ok",
        places: manifest.places,
        index: &manifest.content_hash,
        schema_version: &manifest.schema_version,
        created_at: &manifest.created_at,
        version: env!("CARGO_PKG_VERSION"),
    })
}

async fn not_found(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        ErrorCode::NotFound,
        format!("no route for {} {}", request.method(), request.path()),
    ))
}

async fn method_not_allowed(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!("{} is not allowed on {}", request.method(), request.path()),
    ))
}
