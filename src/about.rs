//! What the server says of itself: `GET /health` and `GET /openapi.json`.

use actix_web::{web, HttpResponse};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;

use crate::answers::{Answer, Content, Description};
use crate::http_error::ApiError;
use crate::params::{NoParams, Params};
use crate::state::{AppState, Live};

/// `GET /health`.
pub const HEALTH: Description = Description::new(
    "Readiness and the loaded index",
    &[Answer::ok(
        "The index is loaded and serves.",
        &[Content::json::<Health<'static>>()],
    )],
);

/// `GET /openapi.json`.
pub const OPENAPI: Description = Description::new(
    "This document",
    &[Answer::ok(
        "The OpenAPI 3.1 document of the server's routes.",
        &[Content {
            media: "application/json",
            schema: openapi_schema,
        }],
    )],
);

/// `GET /ogc/api`.
pub const OGC_API: Description = Description::new(
    "OGC API – Features: the OpenAPI document of the `/ogc` routes alone, with `/ogc` as its server",
    &[Answer::ok(
        "The OpenAPI 3.1 document of the `/ogc` routes, their paths relative to `/ogc`.",
        &[Content {
            media: "application/json",
            schema: openapi_schema,
        }],
    )],
);

fn openapi_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "properties": { "openapi": { "type": "string", "pattern": "^3\\.1\\." } },
        "required": ["openapi", "info", "paths"],
    })
}

/// The answer of `GET /health`.
#[derive(Serialize, JsonSchema)]
struct Health<'a> {
    /// Always `ok`: a server that answers is ready.
    #[schemars(extend("const" = "ok"))]
    status: &'static str,
    /// The places it serves.
    places: u64,
    /// The content hash of the index.
    index: &'a str,
    /// The schema version of the places.
    schema_version: &'a str,
    /// When the index was built (RFC 3339).
    created_at: &'a str,
    /// When this index was loaded and checked (RFC 3339).
    loaded_at: String,
    /// How long loading and checking it took, in seconds.
    load_seconds: f64,
    /// The reloads that swapped in a new index since the start.
    reloads: u64,
    /// The server's version.
    version: &'static str,
    /// The change store: reached or lost, and whether the index shows every decision heard
    /// of. A server answers only once it has applied the accepted changes of the log it
    /// started on; with a shared store, `caught_up` says whether it shows the others' since.
    store: crate::metrics::StoreState,
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
        store: state.store_state(),
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

/// `GET /ogc/api`: this document cut to the `/ogc` routes, their paths relative to `/ogc` and
/// `/ogc` its server, as an OGC API's definition is: GDAL looks the items' parameters up under
/// `/collections/lieux/items` (see [`crate::ogc`]).
pub async fn ogc_api(
    request: actix_web::HttpRequest,
    state: web::Data<AppState>,
    _: Params<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let mut document: serde_json::Value = serde_json::from_slice(&state.openapi)
        .map_err(|e| ApiError::new(crate::http_error::ErrorCode::Internal, e.to_string()))?;
    let paths: serde_json::Map<String, serde_json::Value> = document["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(path, item)| {
            let rest = path.strip_prefix("/ogc")?;
            let rest = if rest.is_empty() { "/" } else { rest };
            Some((rest.to_owned(), item.clone()))
        })
        .collect();
    let base = state.base_url(&request)?;
    document["paths"] = serde_json::Value::Object(paths);
    document["servers"] =
        serde_json::json!([{ "url": format!("{}/ogc", base.trim_end_matches('/')) }]);
    document["info"]["title"] = serde_json::json!("lieux: OGC API – Features");
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(document.to_string()))
}
