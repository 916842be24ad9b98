//! The metrics of `GET /metrics`, in Prometheus' text exposition format.
//!
//! Requests are counted by route pattern (`/tiles/{z}/{x}/{tile}`, see
//! [`crate::observe::RoutePattern`]), never by raw path, so that a scan of random URLs cannot
//! grow them without bound; methods are HTTP's nine, or `other`, and statuses are those the
//! server answers with, so every label has a bounded set of values. The format is written by
//! hand: it is a few lines of text. What is not a counter of this module (the caches, the
//! query threads, the index) is read at the time of the scrape, as [`Gauges`].

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::SystemTime;

use lieux_index::serve::{CacheStats, LiveIndex};

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// What the metrics read of the server at the time of a scrape.
pub struct Gauges<'a> {
    /// The index being served.
    pub live: &'a LiveIndex,
    /// Threads that answer searches, searches waiting for one, and searches dropped unrun.
    pub query_threads: usize,
    pub queries_waiting: usize,
    pub queries_abandoned: u64,
    /// Exports being streamed.
    pub exports_running: usize,
    /// Whether a reload is building a new index.
    pub reload_running: bool,
    /// The change store.
    pub store: StoreState,
}

/// The change store as `/health` and `/metrics` report it.
#[derive(Clone, Debug, serde::Serialize, schemars::JsonSchema)]
pub struct StoreState {
    /// `sqlite` (embedded, this server's alone) or `postgres` (shared with other servers).
    pub backend: &'static str,
    /// Whether the store is reached (an embedded one always is). A server that lost it keeps
    /// serving reads; writes are answered 503 `store_unavailable` until it is back.
    pub connected: bool,
    /// Since when it is lost (RFC 3339), while it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost_since: Option<String>,
    /// The last decision of the log that the index served shows.
    pub applied_event: u64,
    /// The last decision of the log this server has heard of, whichever server made it.
    pub last_event: u64,
    /// Whether the store is reached and the index shows every decision heard of.
    pub caught_up: bool,
}

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
    /// Counts a request answered by `route` with `status` after `seconds`.
    pub fn record(&self, route: &str, method: &str, status: u16, seconds: f64) {
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

    /// Keeps the tile-cache counts of an index that no longer serves.
    pub fn retire_tiles(&self, cache: CacheStats) {
        self.retired_tile_hits
            .fetch_add(cache.tile_hits, Ordering::Relaxed);
        self.retired_tile_misses
            .fetch_add(cache.tile_misses, Ordering::Relaxed);
    }

    /// Reloads done since the start.
    pub fn reloads_done(&self) -> u64 {
        self.reloads_ok.load(Ordering::Relaxed)
    }

    /// The text exposition of every metric.
    pub fn render(&self, gauges: &Gauges<'_>) -> String {
        let store = &gauges.store;
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
        let live = gauges.live;
        let cache = live.cache_stats();
        let (hits, misses) = (cache.tile_hits, cache.tile_misses);
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
        let created = chrono::DateTime::parse_from_rfc3339(&live.manifest().created_at)
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
                cache.tile_bytes as f64,
            ),
            (
                "lieux_map_cache_maps",
                "gauge",
                "Cluster hierarchies cached (one per filter).",
                cache.maps as f64,
            ),
            (
                "lieux_index_places",
                "gauge",
                "Places in the index being served.",
                live.manifest().places as f64,
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
                seconds(live.loaded_at()),
            ),
            (
                "lieux_index_load_seconds",
                "gauge",
                "How long loading and checking the index being served took.",
                live.load_seconds(),
            ),
            (
                "lieux_query_threads",
                "gauge",
                "Threads that answer searches.",
                gauges.query_threads as f64,
            ),
            (
                "lieux_queries_waiting",
                "gauge",
                "Searches waiting for a query thread.",
                gauges.queries_waiting as f64,
            ),
            (
                "lieux_queries_abandoned_total",
                "counter",
                "Searches dropped unrun because their request had timed out or their connection was dropped.",
                gauges.queries_abandoned as f64,
            ),
            (
                "lieux_exports_running",
                "gauge",
                "Exports being streamed.",
                gauges.exports_running as f64,
            ),
            (
                "lieux_reload_running",
                "gauge",
                "1 while a reload builds a new index.",
                f64::from(u8::from(gauges.reload_running)),
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
        let lost_seconds = store
            .lost_since
            .as_deref()
            .and_then(|since| chrono::DateTime::parse_from_rfc3339(since).ok())
            .map_or(0.0, |since| {
                chrono::Utc::now()
                    .signed_duration_since(since)
                    .num_milliseconds() as f64
                    / 1000.0
            });
        for (name, help, value) in [
            (
                "lieux_store_connected",
                "Whether the change store is reached (1) or lost (0).",
                f64::from(u8::from(store.connected)),
            ),
            (
                "lieux_store_lost_seconds",
                "How long the change store has been lost (0 while it is reached).",
                lost_seconds,
            ),
            (
                "lieux_store_applied_event",
                "The last decision of the change log that the index served shows.",
                store.applied_event as f64,
            ),
            (
                "lieux_store_last_event",
                "The last decision of the change log this server has heard of.",
                store.last_event as f64,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name}{{backend=\"{}\"}} {value}",
                store.backend
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
            label(&live.manifest().schema_version)
        );
        out
    }
}

/// The method label of a request: one of HTTP's own methods, or `other`. A client may send any
/// token as its method, and each would otherwise become a series of its own, for ever.
pub fn method_label(method: &actix_web::http::Method) -> &'static str {
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
