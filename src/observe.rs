//! What every request goes through: a request id, a log span, the request limits that apply
//! before routing, the timeout, and the metrics of `GET /metrics`.
//!
//! [`observe`] wraps the whole app. It gives each request an id (the client's `X-Request-Id`
//! when it is short and plain, so that a reverse proxy's id carries through; otherwise a new
//! one) and returns it in the `X-Request-Id` header. A failed answer (5xx, timeout) is logged
//! with its id, path and error. Logging every request, an access log, is off by default because
//! it costs a third of the throughput of cached tiles: `RUST_LOG=info,lieux::observe=debug`
//! turns it on, with a `tracing` span carrying the id, so that every line of the request names
//! it. The answer also says which index it came from in
//! `X-Lieux-Index` (see [`crate::state::Live`]).
//!
//! Each request is counted in [`crate::metrics`] under the pattern of its route
//! ([`RoutePattern`]): requests refused before routing count as `unmatched`, and requests that
//! time out as `timed_out` (their log line names the path).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use tracing::Instrument;

use crate::answers::{text, Answer, Content, Description};
use crate::http_error::{ApiError, ErrorCode};
use crate::metrics::{method_label, Gauges};
use crate::params::{NoParams, Params};
use crate::state::{AnsweredFrom, AppState};

/// The route label of requests that matched no route (and of those refused before routing).
const UNMATCHED: &str = "unmatched";
/// The route label of requests that timed out.
const TIMED_OUT: &str = "timed_out";

/// The header naming the request.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// The header naming the index an answer came from (its content hash).
pub const INDEX_HASH: HeaderName = HeaderName::from_static("x-lieux-index");

/// The pattern of the route that answered a request, the label of its metrics. Each resource
/// carries its own as data (see [`crate::routes`]), so that the metrics need not match the path
/// a second time.
#[derive(Debug, Clone, Copy)]
pub struct RoutePattern(pub &'static str);

/// `GET /metrics`.
pub const METRICS: Description = Description {
    description: "Requests and latency histograms by route pattern, tile-cache hits and misses, cached maps, index size, age, load time and hash, exports running, reloads.",
    ..Description::new(
        "Metrics in Prometheus text format",
        &[Answer::ok(
            "The metrics, in Prometheus text format 0.0.4.",
            &[Content {
                media: "text/plain",
                schema: text,
            }],
        )],
    )
};

/// `GET /metrics`.
pub async fn metrics(
    state: web::Data<AppState>,
    _: Params<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let live = state.live();
    let gauges = Gauges {
        live: &live,
        query_threads: state.queries.threads(),
        queries_waiting: state.queries.waiting(),
        queries_abandoned: state.queries.abandoned(),
        exports_running: state.exports.running(),
        reload_running: state.admin.reload_running(),
        store: state.store_state(),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&gauges)))
}

/// The client's request id when it is plain (at most 64 letters, digits, `-`, `_`, `.`), or a
/// new one.
fn request_id(request: &ServiceRequest) -> String {
    if let Some(given) = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        })
    {
        return given.to_owned();
    }
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let prefix = PREFIX.get_or_init(|| {
        let seed = format!("{}-{:?}", std::process::id(), SystemTime::now());
        blake3::hash(seed.as_bytes()).to_hex()[..8].to_owned()
    });
    // Written by hand: `format!` cost more than the rest of this function.
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let digits = (64 - n.leading_zeros()).div_ceil(4).max(8);
    let mut id = String::with_capacity(prefix.len() + 1 + digits as usize);
    id.push_str(prefix);
    id.push('-');
    for shift in (0..digits).rev() {
        id.push(char::from(
            b"0123456789abcdef"[(n >> (shift * 4) & 0xf) as usize],
        ));
    }
    id
}

/// The middleware around every request; see the module documentation.
pub async fn observe(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id(&request);
    let method = request.method().clone();
    // A span costs a tenth of the throughput of cached tiles, so it is on only with the access
    // log; the lines of failed requests name the request themselves.
    let span = tracing::debug_span!("request", id = %id, method = method_label(&method), path = %request.path());
    let uri = request.uri().clone();
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let refused = state.as_ref().and_then(|state| {
        let raw = request.query_string();
        if raw.len() > state.limits.max_query_string {
            return Some(ApiError::new(
                ErrorCode::QueryTooLong,
                format!(
                    "the query string is {} bytes, more than the maximum of {}",
                    raw.len(),
                    state.limits.max_query_string
                ),
            ));
        }
        crate::params::check_query_string(raw).err().or_else(|| {
            let client = state.proxies.client(request.request())?;
            let group = crate::clients::RouteGroup::of(&request);
            state.rates.take(group, client, Instant::now()).err()
        })
    });
    let finish = |headers: &mut actix_web::http::header::HeaderMap,
                  route: &str,
                  status: u16,
                  error: Option<String>| {
        if let Ok(value) = HeaderValue::from_str(&id) {
            headers.insert(REQUEST_ID, value);
        }
        let seconds = started.elapsed().as_secs_f64();
        if let Some(state) = &state {
            state
                .metrics
                .record(route, method_label(&method), status, seconds);
        }
        // One line per request is an access log, off by default: at tens of thousands of
        // requests a second, writing it costs a third of the throughput of cached tiles.
        // `RUST_LOG=info,lieux::observe=debug` turns it on; `/metrics` counts every request.
        span.in_scope(|| {
            let took_ms = (seconds * 1e3).round();
            if status >= 500 {
                let error = error.unwrap_or_default();
                tracing::warn!(%id, %method, path = uri.path(), status, took_ms, %error, "answered");
            } else {
                tracing::debug!(status, took_ms, "answered");
            }
        });
    };
    // A reload may take minutes on a large index, and dropping it at the timeout would throw the
    // new index away: admin requests have no timeout (they are one at a time, by token holders).
    let timeout = match &state {
        _ if request.path().starts_with("/admin/") => std::time::Duration::MAX,
        Some(state) => state.limits.request_timeout,
        None => std::time::Duration::from_secs(30),
    };
    let mut response = if let Some(error) = refused {
        request.into_response(error.error_response())
    } else {
        let answer = next.call(request).instrument(span.clone());
        match actix_web::rt::time::timeout(timeout, answer).await {
            Ok(answered) => answered?.map_into_boxed_body(),
            Err(_) => {
                // The request went with the handler that was dropped: the answer is given as
                // an error, which actix turns into this response.
                let error = ApiError::new(
                    ErrorCode::Timeout,
                    format!(
                        "no answer within the request timeout of {} s",
                        timeout.as_secs_f64()
                    ),
                );
                let mut response = error.error_response();
                let status = response.status().as_u16();
                // The routing went with the handler: the log line names the path.
                finish(
                    response.headers_mut(),
                    TIMED_OUT,
                    status,
                    Some(error.to_string()),
                );
                return Err(actix_web::error::InternalError::from_response(error, response).into());
            }
        }
    };
    if let Some(refusal) = response
        .response()
        .error()
        .and_then(|error| error.as_error::<actix_cors::CorsError>())
    {
        // actix-cors answers a refused preflight in plain text; every error here is JSON.
        let error = ApiError::new(ErrorCode::CorsRefused, refusal.to_string());
        response = ServiceResponse::new(response.request().clone(), error.error_response());
    }
    let answered_from = response
        .request()
        .extensions()
        .get::<AnsweredFrom>()
        .cloned();
    let route = response
        .request()
        .app_data::<RoutePattern>()
        .map_or(UNMATCHED, |pattern| pattern.0);
    let status = response.status().as_u16();
    let error = if status >= 500 {
        response.response().error().map(ToString::to_string)
    } else {
        None
    };
    let headers = response.headers_mut();
    if let Some(AnsweredFrom(live)) = answered_from {
        if let Ok(value) = HeaderValue::from_str(live.hash()) {
            headers.insert(INDEX_HASH, value);
        }
    }
    finish(headers, route, status, error);
    Ok(response)
}
