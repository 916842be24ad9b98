//! The limits a client cannot go past, set on the command line (`lieux serve --help`).
//!
//! Each request is bounded before any work starts: the size of its query string and body, the
//! length of its text, the page size, the export size, the radius and the bbox. A request over a
//! limit gets a 4xx JSON answer that names the limit; concurrent exports over their limit get
//! 429, and a request still unanswered after the request timeout gets 503 (admin requests
//! excepted: a reload cut short would throw its new index away). An export, whose answer has
//! started, is bounded on its own: in all (`--export-timeout`) and while its client reads
//! nothing (`--export-idle-timeout`), past which it is cut off and its slot given back. So one
//! client can neither hang a worker, nor hold the export slots by not reading, nor make the
//! server hold an unbounded answer in memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::http_error::{ApiError, ErrorCode};

/// The limits of one server.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The most characters of the text `q`.
    pub max_query_chars: usize,
    /// The most hits of a `/search` page and of `/nearest`.
    pub max_limit: usize,
    /// The most places of one CSV or GeoJSON export.
    pub max_export: usize,
    /// The widest `radius`, in metres.
    pub max_radius_m: f64,
    /// The widest and tallest `bbox`, in degrees.
    pub max_bbox_degrees: f64,
    /// The most exports streamed at once.
    pub max_exports: usize,
    /// The largest request body, in bytes (only `/admin/*` reads one).
    pub max_body_bytes: usize,
    /// The longest query string, in bytes.
    pub max_query_string: usize,
    /// How long a request may take until its answer starts (not `/admin/*`).
    pub request_timeout: Duration,
    /// How long one export may stream, in all.
    pub export_timeout: Duration,
    /// How long an export waits for its client to read the next chunk.
    pub export_idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_query_chars: lieux_index::filter::MAX_QUERY_CHARS,
            max_limit: 1000,
            max_export: 100_000,
            max_radius_m: 1_000_000.0,
            max_bbox_degrees: 360.0,
            max_exports: 4,
            max_body_bytes: 64 * 1024,
            max_query_string: 8 * 1024,
            request_timeout: Duration::from_secs(30),
            export_timeout: Duration::from_secs(600),
            export_idle_timeout: Duration::from_secs(30),
        }
    }
}

impl Limits {
    /// Refuses a `bbox` wider or taller than allowed.
    pub fn check_bbox(&self, bbox: &lieux_tiles::LngLatBbox) -> Result<(), ApiError> {
        // A box across the antimeridian has its west east of its east.
        let width = if bbox.east >= bbox.west {
            bbox.east - bbox.west
        } else {
            360.0 - (bbox.west - bbox.east)
        };
        let height = (bbox.north - bbox.south).abs();
        if width > self.max_bbox_degrees || height > self.max_bbox_degrees {
            return Err(ApiError::new(
                ErrorCode::InvalidParameter,
                format!(
                    "bbox: {width:.4}° by {height:.4}° is larger than the maximum of {}°",
                    self.max_bbox_degrees
                ),
            ));
        }
        Ok(())
    }
}

/// Exports in flight, bounded.
#[derive(Default)]
pub struct ExportSlots {
    running: AtomicUsize,
}

/// One export in flight; its slot is given back when it is dropped (when the stream ends or the
/// client goes away).
pub struct ExportPermit(Arc<ExportSlots>);

impl ExportSlots {
    /// A slot, or 429 when `max` exports are already running.
    pub fn take(self: &Arc<Self>, max: usize) -> Result<ExportPermit, ApiError> {
        let taken = self
            .running
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            });
        match taken {
            Ok(_) => Ok(ExportPermit(Arc::clone(self))),
            Err(_) => Err(ApiError::new(
                ErrorCode::TooManyRequests,
                format!("{max} exports are already running; try again in a moment"),
            )),
        }
    }

    /// The exports running now.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::Acquire)
    }
}

impl Drop for ExportPermit {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::AcqRel);
    }
}
