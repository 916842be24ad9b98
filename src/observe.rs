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
//! `X-Lieux-Index` (see [`crate::server::Live`]).
//!
//! Metrics are kept by route pattern (`/tiles/{z}/{x}/{tile}`, which each resource carries as
//! data, see [`RoutePattern`]), never by raw path, so that a scan of random URLs cannot grow
//! them without bound. Requests refused before routing count as `unmatched`, and requests that
//! time out as `timed_out` (their log line names the path). Methods are HTTP's nine, or `other`,
//! and statuses are those the server answers with, so every label has a bounded set of values. The format is Prometheus' text
//! exposition format, written by hand: it is a few lines of text.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use tracing::Instrument;

use crate::http_error::{ApiError, ErrorCode};
use crate::server::{AnsweredFrom, AppState, RoutePattern};

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The route label of requests that matched no route (and of those refused before routing).
const UNMATCHED: &str = "unmatched";
/// The route label of requests that timed out.
const TIMED_OUT: &str = "timed_out";

/// The header naming the request.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// The header naming the index an answer came from (its content hash).
pub const INDEX_HASH: HeaderName = HeaderName::from_static("x-lieux-index");

/// Counts and latencies by route pattern and method, and reloads.
pub struct Metrics {
    routes: Mutex<BTreeMap<String, BTreeMap<String, RouteStats>>>,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
    /// Tile-cache hits and misses of the indexes swapped out: each index counts its own, and
    /// the counters go on from reload to reload.
    retired_tile_hits: AtomicU64,
    retired_tile_misses: AtomicU64,
    /// Text searches, those that found nothing as asked (a fallback or nothing at all), those
    /// that had to drop words, and those answered by a fallback.
    searches_read: AtomicU64,
    searches_found_nothing: AtomicU64,
    searches_dropped_words: AtomicU64,
    searches_fallback: AtomicU64,
}

#[derive(Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            routes: Mutex::default(),
            reloads_ok: AtomicU64::new(0),
            reloads_failed: AtomicU64::new(0),
            retired_tile_hits: AtomicU64::new(0),
            retired_tile_misses: AtomicU64::new(0),
            searches_read: AtomicU64::new(0),
            searches_found_nothing: AtomicU64::new(0),
            searches_dropped_words: AtomicU64::new(0),
            searches_fallback: AtomicU64::new(0),
        }
    }
}

impl Metrics {
    fn record(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let mut routes = self
            .routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Looked up by reference first: the keys are only copied the first time.
        if !routes.contains_key(route) {
            routes.insert(route.to_owned(), BTreeMap::new());
        }
        let Some(by_method) = routes.get_mut(route) else {
            return;
        };
        if !by_method.contains_key(method) {
            by_method.insert(method.to_owned(), RouteStats::default());
        }
        let Some(stats) = by_method.get_mut(method) else {
            return;
        };
        *stats.by_status.entry(status).or_default() += 1;
        for (bucket, bound) in stats.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        stats.count += 1;
        stats.sum += seconds;
    }

    /// Counts a reload.
    pub fn reloaded(&self, ok: bool) {
        if ok {
            &self.reloads_ok
        } else {
            &self.reloads_failed
        }
        .fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a text search: whether it found nothing at all, had to drop words, or was
    /// answered by a fallback.
    pub fn searched(&self, found_nothing: bool, dropped_words: bool, fallback: bool) {
        self.searches_read.fetch_add(1, Ordering::Relaxed);
        for (counter, counts) in [
            (&self.searches_found_nothing, found_nothing),
            (&self.searches_dropped_words, dropped_words),
            (&self.searches_fallback, fallback),
        ] {
            if counts {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Keeps the tile-cache counts of an index that no longer serves, `(hits, misses)`.
    pub fn retire_tiles(&self, (hits, misses): (u64, u64)) {
        self.retired_tile_hits.fetch_add(hits, Ordering::Relaxed);
        self.retired_tile_misses
            .fetch_add(misses, Ordering::Relaxed);
    }

    /// Reloads done since the start.
    pub fn reloads_done(&self) -> u64 {
        self.reloads_ok.load(Ordering::Relaxed)
    }

    /// The text exposition of every metric.
    fn render(&self, state: &AppState) -> String {
        let mut out = String::new();
        let routes = self
            .routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        out.push_str("# HELP lieux_http_requests_total Requests answered, by route pattern, method and status.\n# TYPE lieux_http_requests_total counter\n");
        let by_route = || {
            routes.iter().flat_map(|(route, by_method)| {
                by_method
                    .iter()
                    .map(move |(method, stats)| (route, method, stats))
            })
        };
        for (route, method, stats) in by_route() {
            for (status, count) in &stats.by_status {
                let _ = writeln!(
                    out,
                    "lieux_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {count}",
                    label(route),
                    label(method)
                );
            }
        }
        out.push_str("# HELP lieux_http_request_duration_seconds Time to the start of the answer, by route pattern.\n# TYPE lieux_http_request_duration_seconds histogram\n");
        for (route, method, stats) in by_route() {
            let labels = format!("route=\"{}\",method=\"{}\"", label(route), label(method));
            for (count, bound) in stats.buckets.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "lieux_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "lieux_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\nlieux_http_request_duration_seconds_sum{{{labels}}} {}\nlieux_http_request_duration_seconds_count{{{labels}}} {}",
                stats.count, stats.sum, stats.count
            );
        }
        drop(routes);
        let live = state.live.load();
        let (hits, misses) = live.tiles.stats();
        let ratio = if hits + misses == 0 {
            0.0
        } else {
            hits as f64 / (hits + misses) as f64
        };
        let seconds = |t: SystemTime| {
            t.duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64())
        };
        let now = seconds(SystemTime::now());
        let created = chrono::DateTime::parse_from_rfc3339(&live.index.manifest.created_at)
            .map_or(0.0, |t| t.timestamp() as f64);
        let gauges: [(&str, &str, &str, f64); 20] = [
            (
                "lieux_tile_cache_hits_total",
                "counter",
                "Tiles served from a tile cache, since the start.",
                (hits + self.retired_tile_hits.load(Ordering::Relaxed)) as f64,
            ),
            (
                "lieux_tile_cache_misses_total",
                "counter",
                "Tiles encoded, since the start.",
                (misses + self.retired_tile_misses.load(Ordering::Relaxed)) as f64,
            ),
            (
                "lieux_tile_cache_hit_ratio",
                "gauge",
                "Hits over lookups of the tile cache of the current index.",
                ratio,
            ),
            (
                "lieux_tile_cache_bytes",
                "gauge",
                "Bytes of encoded tiles cached.",
                live.tiles.bytes() as f64,
            ),
            (
                "lieux_map_cache_maps",
                "gauge",
                "Cluster hierarchies cached (one per filter).",
                live.maps.len() as f64,
            ),
            (
                "lieux_index_places",
                "gauge",
                "Places in the index being served.",
                live.index.manifest.places as f64,
            ),
            (
                "lieux_index_created_timestamp_seconds",
                "gauge",
                "When the index being served was written.",
                created,
            ),
            (
                "lieux_index_age_seconds",
                "gauge",
                "Seconds since the index being served was written.",
                if created > 0.0 { now - created } else { 0.0 },
            ),
            (
                "lieux_index_loaded_timestamp_seconds",
                "gauge",
                "When the index being served was loaded.",
                seconds(live.loaded_at),
            ),
            (
                "lieux_index_load_seconds",
                "gauge",
                "How long loading and checking the index being served took.",
                live.load_seconds,
            ),
            (
                "lieux_query_threads",
                "gauge",
                "Threads that answer searches.",
                state.queries.threads() as f64,
            ),
            (
                "lieux_queries_waiting",
                "gauge",
                "Searches waiting for a query thread.",
                state.queries.waiting() as f64,
            ),
            (
                "lieux_queries_abandoned_total",
                "counter",
                "Searches dropped unrun because their request had timed out or their connection was dropped.",
                state.queries.abandoned() as f64,
            ),
            (
                "lieux_exports_running",
                "gauge",
                "Exports being streamed.",
                state.exports.running() as f64,
            ),
            (
                "lieux_reload_running",
                "gauge",
                "1 while a reload builds a new index.",
                f64::from(u8::from(state.admin.reload_running())),
            ),
            (
                "lieux_reloads_failed_total",
                "counter",
                "Reloads that failed (the old index kept serving).",
                self.reloads_failed.load(Ordering::Relaxed) as f64,
            ),
            (
                "lieux_searches_text_total",
                "counter",
                "Searches with text (pages and exports).",
                self.searches_read.load(Ordering::Relaxed) as f64,
            ),
            (
                "lieux_searches_found_nothing_total",
                "counter",
                "Searches with text that found nothing at all, even with words dropped and fallbacks.",
                self.searches_found_nothing.load(Ordering::Relaxed) as f64,
            ),
            (
                "lieux_searches_dropped_words_total",
                "counter",
                "Searches with text that found places only once some of their words were dropped.",
                self.searches_dropped_words.load(Ordering::Relaxed) as f64,
            ),
            (
                "lieux_searches_fallback_total",
                "counter",
                "Searches with text answered by a fallback (without the radius, the territory, or the other words).",
                self.searches_fallback.load(Ordering::Relaxed) as f64,
            ),
        ];
        for (name, kind, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP lieux_reloads_total Reloads that swapped in a new index.\n# TYPE lieux_reloads_total counter\nlieux_reloads_total {}",
            self.reloads_ok.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP lieux_index_info The index being served.\n# TYPE lieux_index_info gauge\nlieux_index_info{{hash=\"{}\",schema_version=\"{}\"}} 1",
            label(live.hash()),
            label(&live.index.manifest.schema_version)
        );
        out
    }
}

/// The method label of a request: one of HTTP's own methods, or `other`. A client may send any
/// token as its method, and each would otherwise become a series of its own, for ever.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// A label value, escaped as the text format requires.
fn label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// `GET /metrics`.
pub async fn metrics(
    state: web::Data<AppState>,
    query: crate::params::Query,
) -> Result<HttpResponse, ApiError> {
    crate::server::refuse_parameters(&query)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&state)))
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
