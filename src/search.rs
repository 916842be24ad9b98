//! The search routes: `/search` (and its CSV and GeoJSON exports), `/nearest`, `/suggest` and
//! `/places/{id}`.
//!
//! Handlers read the query string into a [`SearchRequest`], hand it to `lieux-index` on the
//! query threads (a broad search over a million places takes milliseconds, too long to hold an
//! actix worker; see [`crate::pool`]), and write the answer. Completions run there too: most
//! take a tenth of a millisecond, but a broad prefix with a typo takes one or two, and on the
//! worker every other connection of that worker waited for it. Exports stream the CSV or
//! GeoJSON in chunks, so memory stays flat however many rows there are, up to the configured
//! cap.

use std::sync::Arc;
use std::time::Instant;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use lieux_index::filter::PlaceFilter;
use lieux_index::ingest::export::{write_schema_csv, Cells};
use lieux_index::search::schedules::now_local;
use lieux_index::search::suggest::Suggestion;
use lieux_index::search::{Asked, Hit, Near, OpenFilter, SearchRequest, SearchResults, Sort};
use lieux_index::serve::geojson::{PlaceFeature, FEATURE_BYTES};
use lieux_index::serve::json;
use lieux_index::serve::LiveIndex;
use serde::Serialize;

use crate::http_error::{ApiError, ErrorCode};
use crate::limits::Limits;
use crate::params::{
    at_most, check_text, filter_of, invalid, number_param, param, parse, parse_bbox, within,
    NoParams, Params, Query, RouteParams,
};
use crate::state::{AppState, Live};

/// The deepest a page may start; past it, narrow the search or export it.
pub const MAX_OFFSET: usize = 10_000;
/// The most completions `/suggest` returns.
pub const MAX_SUGGESTIONS: usize = 50;
/// Rows per chunk of a streamed export.
const EXPORT_CHUNK: usize = 512;

/// What `/search` can be asked for besides the filters.
const SEARCH_NAMES: &[&str] = &[
    "lat",
    "lon",
    "radius",
    "bbox",
    "open_at",
    "open_now",
    "include_unknown",
    "limit",
    "offset",
    "sort",
    "format",
];

/// The answer's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// One page, with `total` and facets.
    Page,
    /// Every match as a schema v1.0.2 CSV.
    Csv,
    /// Every match as a GeoJSON FeatureCollection.
    GeoJson,
}

/// A longitude/latitude pair from `lon` and `lat`: both or neither.
fn location(query: &Query) -> Result<Option<(f64, f64)>, ApiError> {
    let lat: Option<f64> = param(query, "lat")?.map(|t| parse("lat", t)).transpose()?;
    let lon: Option<f64> = param(query, "lon")?.map(|t| parse("lon", t)).transpose()?;
    match (lon, lat) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(invalid("lon: given without lat")),
        (None, Some(_)) => Err(invalid("lat: given without lon")),
        (Some(lon), Some(lat)) => Ok(Some((
            within("lon", lon, -180.0..=180.0)?,
            within("lat", lat, -90.0..=90.0)?,
        ))),
    }
}

fn boolean(query: &Query, name: &str) -> Result<bool, ApiError> {
    match param(query, name)? {
        None | Some("false" | "0" | "no") => Ok(false),
        Some("true" | "1" | "yes" | "") => Ok(true),
        Some(other) => Err(invalid(format!("{name}: {other:?} is not true or false"))),
    }
}

/// The parameters of `/search`: the search and the answer's format.
pub struct SearchParams {
    request: SearchRequest,
    format: Format,
}

impl RouteParams for SearchParams {
    const NAMES: &'static [&'static str] = SEARCH_NAMES;
    const FILTERS: bool = true;

    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        let (request, format) = search_request(query, limits)?;
        Ok(Self { request, format })
    }
}

/// The search a query string asks for, and its format.
fn search_request(query: &Query, limits: &Limits) -> Result<(SearchRequest, Format), ApiError> {
    let filter = filter_of(query, limits)?;
    let format = match param(query, "format")? {
        None | Some("json") => Format::Page,
        Some("csv") => Format::Csv,
        Some("geojson") => Format::GeoJson,
        Some(other) => {
            return Err(invalid(format!(
                "format: {other:?} is not json, csv or geojson"
            )))
        }
    };
    let radius: Option<f64> = param(query, "radius")?
        .map(|t| parse("radius", t))
        .transpose()?;
    let near = match (location(query)?, radius) {
        (None, Some(_)) => return Err(invalid("radius: needs lat and lon")),
        (None, None) => None,
        (Some((longitude, latitude)), radius) => Some(Near {
            longitude,
            latitude,
            radius_m: radius
                .map(|r| within("radius", r, 0.0..=limits.max_radius_m))
                .transpose()?,
        }),
    };
    let bbox = param(query, "bbox")?.map(parse_bbox).transpose()?;
    if let Some(bbox) = &bbox {
        limits.check_bbox(bbox)?;
    }
    let open_at = param(query, "open_at")?.map(parse_local_time).transpose()?;
    let open_now = boolean(query, "open_now")?;
    if open_now && open_at.is_some() {
        return Err(invalid("open_now: give open_at or open_now, not both"));
    }
    let include_unknown = boolean(query, "include_unknown")?;
    let open = open_at
        .or_else(|| open_now.then(now_local))
        .map(|at| OpenFilter {
            at,
            include_unknown,
        });
    let sort = match param(query, "sort")? {
        None | Some("relevance") => Sort::Relevance,
        Some("distance") if near.is_some() => Sort::Distance,
        Some("distance") => return Err(invalid("sort: distance needs lat and lon")),
        Some(other) => {
            return Err(invalid(format!(
                "sort: {other:?} is not relevance or distance"
            )))
        }
    };
    // Past the deepest page, narrow the search or export it.
    let offset = at_most(
        "offset",
        number_param(query, "offset", Some(0))?,
        MAX_OFFSET,
    )?;
    let limit: Option<usize> = param(query, "limit")?
        .map(|t| parse("limit", t))
        .transpose()?;
    let limit = match (format, limit) {
        (Format::Page, limit) => at_most("limit", limit.unwrap_or(20), limits.max_limit)?,
        (_, Some(limit)) => at_most("limit", limit, limits.max_export)?,
        // An export holds every match: one more than the cap tells when there are too many.
        (_, None) => limits.max_export + 1,
    };
    Ok((
        SearchRequest {
            filter,
            near,
            bbox,
            open,
            sort,
            limit,
            offset,
        },
        format,
    ))
}

/// The years `open_at` may name. The opening-hours evaluator steps days and weeks from the date
/// it is given and panics near the ends of chrono's range; no schedule says anything of years
/// this far apart anyway.
pub const OPEN_AT_YEARS: std::ops::RangeInclusive<i32> = 1970..=2100;

/// A local date-time: `2026-11-24T14:30`, with or without seconds, `T` or a space, in
/// [`OPEN_AT_YEARS`].
fn parse_local_time(text: &str) -> Result<NaiveDateTime, ApiError> {
    let at = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text.trim(), format).ok())
    .ok_or_else(|| {
        invalid(format!(
            "open_at: {text:?} is not a local date-time such as 2026-11-24T14:30"
        ))
    })?;
    if !OPEN_AT_YEARS.contains(&chrono::Datelike::year(&at)) {
        return Err(invalid(format!(
            "open_at: {text:?} is outside the years {} to {}",
            OPEN_AT_YEARS.start(),
            OPEN_AT_YEARS.end()
        )));
    }
    Ok(at)
}

/// Runs `request` on the query threads, as the person asked it (see
/// [`lieux_index::search::SearchIndex::search_as_asked`]), and counts the searches that found
/// nothing as asked.
async fn run(state: &AppState, live: &Live, request: SearchRequest) -> Result<Asked, ApiError> {
    let live = Arc::clone(&live.0);
    let q = request.filter.q.clone();
    let asked = state
        .queries
        .run(move || live.search(&request))
        .await?
        .map_err(ApiError::from)?;
    if let Some(interpretation) = &asked.interpretation {
        state.metrics.searched(
            asked.results.total == 0,
            !interpretation.dropped.is_empty(),
            interpretation.fallback.is_some(),
        );
        state.gaps.record(
            q.as_deref().unwrap_or_default(),
            interpretation,
            asked.results.total,
        );
    }
    Ok(asked)
}

/// The features of `hits`, with their opening state now, as a GeoJSON FeatureCollection whose
/// members after `features` are written by `extra` (each starting with a comma), and the time
/// taken since `started` last.
fn collection(
    live: &LiveIndex,
    hits: &[Hit],
    started: Instant,
    extra: impl FnOnce(&mut Vec<u8>),
) -> HttpResponse {
    let mut out = Vec::with_capacity(256 + hits.len() * FEATURE_BYTES);
    out.extend_from_slice(br#"{"type":"FeatureCollection","features":["#);
    for (i, feature) in live.features(hits).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        feature.write_json(&mut out);
    }
    out.push(b']');
    extra(&mut out);
    out.extend_from_slice(br#","took_ms":"#);
    json::f64(&mut out, took_ms(started));
    out.push(b'}');
    json_response(out)
}

/// A 200 answer with the JSON text `body`.
fn json_response(body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body)
}

/// `GET /search`.
pub async fn search(
    state: web::Data<AppState>,
    live: Live,
    Params(SearchParams { request, format }): Params<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    if format != Format::Page {
        // The slot is taken before the search, so that a burst of exports costs nothing.
        let permit = state.exports.take(state.limits.max_exports)?;
        let asked = run(&state, &live, request).await?;
        return export(&state, live.0, &asked.results, format, permit);
    }
    let asked = run(&state, &live, request).await?;
    Ok(page(&live, &asked, started))
}

/// A page of `asked`: its hits as a FeatureCollection, with the total, the page, the facets,
/// the count of places whose hours are unknown (when the search filtered on hours), and how
/// the text was read.
fn page(live: &LiveIndex, asked: &Asked, started: Instant) -> HttpResponse {
    let Asked {
        results,
        request,
        interpretation,
    } = asked;
    collection(live, &results.hits, started, |out| {
        for (name, value) in [
            ("total", results.total),
            ("limit", request.limit as u64),
            ("offset", request.offset as u64),
        ] {
            out.push(b',');
            json::key(out, name);
            json::u64(out, value);
        }
        out.push(b',');
        json::key(out, "facets");
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, &results.facets);
        if request.open.is_some() {
            out.push(b',');
            json::key(out, "unknown_hours");
            json::u64(out, results.unknown_hours);
        }
        if let Some(interpretation) = interpretation {
            out.push(b',');
            json::key(out, "interpreted");
            let _ = serde_json::to_writer(&mut *out, interpretation);
        }
    })
}

fn took_ms(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1e5).round() / 100.0
}

/// Streams every hit of `results` as CSV or GeoJSON; `permit` is held until the stream ends.
fn export(
    state: &AppState,
    live: Arc<LiveIndex>,
    results: &SearchResults,
    format: Format,
    permit: crate::limits::ExportPermit,
) -> Result<HttpResponse, ApiError> {
    let max_export = state.limits.max_export;
    // Only an export without a `limit` asks for one more than the maximum.
    if results.hits.len() > max_export {
        return Err(ApiError::new(
            ErrorCode::TooManyResults,
            format!(
                "{} places match, more than the export maximum of {max_export}; add filters or a radius",
                results.total
            ),
        ));
    }
    let ordinals: Vec<u32> = results.hits.iter().map(|h| h.ordinal).collect();
    let body = export_stream(live, ordinals, format, permit, &state.limits);
    let (content_type, file) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "lieux.csv"),
        _ => ("application/geo+json", "lieux.geojson"),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\""),
        ))
        .insert_header(("X-Total-Count", results.total.to_string()))
        .streaming(body))
}

/// The chunks of an export, written by a task of their own that holds the export's slot.
///
/// The task hands each chunk over only when the connection has taken the one before (a channel
/// of one), so a client that stops reading stops it too. actix would hold such a stream, and its
/// slot, until the client hung up; the task instead gives up after `export_idle_timeout`
/// without a hand-over, or `export_timeout` in all, and drops the slot. The stream then ends
/// with an error, which cuts the connection: the client sees an export that broke off (no last
/// chunk), never one that looks complete.
fn export_stream(
    live: Arc<LiveIndex>,
    ordinals: Vec<u32>,
    format: Format,
    permit: crate::limits::ExportPermit,
    limits: &Limits,
) -> impl futures_util::Stream<Item = Result<web::Bytes, std::io::Error>> {
    // Each chunk says whether it is the last: a stream that ends before the last was cut off.
    let (sender, receiver) = tokio::sync::mpsc::channel::<(web::Bytes, bool)>(1);
    let (idle, whole) = (limits.export_idle_timeout, limits.export_timeout);
    actix_web::rt::spawn(async move {
        let _held = permit;
        let deadline = actix_web::rt::time::Instant::now() + whole;
        let chunks = ordinals.chunks(EXPORT_CHUNK).count();
        for chunk in 0..=chunks {
            let bytes = match export_chunk(&live, &ordinals, chunk, chunks, format) {
                Ok(bytes) => web::Bytes::from(bytes),
                Err(error) => {
                    tracing::error!(%error, "export failed");
                    return;
                }
            };
            let now = actix_web::rt::time::Instant::now();
            let wait = idle.min(deadline.saturating_duration_since(now));
            let sent = actix_web::rt::time::timeout(wait, sender.send((bytes, chunk == chunks)));
            match sent.await {
                Ok(Ok(())) => {}
                // The client went away.
                Ok(Err(_)) => return,
                Err(_) => {
                    let why = if wait < idle {
                        "the export took longer than --export-timeout"
                    } else {
                        "the client read nothing for --export-idle-timeout"
                    };
                    tracing::warn!(why, "export cut off");
                    return;
                }
            }
        }
    });
    futures_util::stream::unfold(Some(receiver), |receiver| async move {
        let mut receiver = receiver?;
        match receiver.recv().await {
            Some((bytes, false)) => Some((Ok(bytes), Some(receiver))),
            Some((bytes, true)) => Some((Ok(bytes), None)),
            None => Some((Err(std::io::Error::other("export cut off")), None)),
        }
    })
}

/// The bytes of chunk `chunk` of an export of `ordinals`; chunk `chunks` is the closing one.
fn export_chunk(
    live: &LiveIndex,
    ordinals: &[u32],
    chunk: usize,
    chunks: usize,
    format: Format,
) -> Result<Vec<u8>, ApiError> {
    let rows = live.places(ordinals.chunks(EXPORT_CHUNK).nth(chunk).unwrap_or_default());
    let mut out = Vec::new();
    match format {
        Format::Csv => {
            // The header goes with the first chunk only.
            let mut csv = Vec::new();
            write_schema_csv(rows, &mut csv, Cells::ForSpreadsheets)
                .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
            let skip = if chunk == 0 {
                0
            } else {
                csv.iter()
                    .position(|b| *b == b'\n')
                    .map_or(csv.len(), |i| i + 1)
            };
            if chunk < chunks || ordinals.is_empty() {
                out.extend_from_slice(&csv[skip..]);
            }
        }
        _ => {
            if chunk == 0 {
                out.extend_from_slice(br#"{"type":"FeatureCollection","features":["#);
            }
            for (i, place) in rows.enumerate() {
                if chunk > 0 || i > 0 {
                    out.push(b',');
                }
                PlaceFeature::new(place).write_json(&mut out);
            }
            if chunk == chunks {
                out.extend_from_slice(b"]}");
            }
        }
    }
    Ok(out)
}

/// The parameters of `/nearest`: a position, how many places, and the filters.
pub struct NearestParams {
    filter: PlaceFilter,
    longitude: f64,
    latitude: f64,
    k: usize,
}

impl RouteParams for NearestParams {
    const NAMES: &'static [&'static str] = &["lat", "lon", "k"];
    const FILTERS: bool = true;

    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        let (longitude, latitude) =
            location(query)?.ok_or_else(|| invalid("lat and lon are required"))?;
        Ok(Self {
            filter: filter_of(query, limits)?,
            longitude,
            latitude,
            k: within(
                "k",
                number_param(query, "k", Some(10))?,
                1..=limits.max_limit,
            )?,
        })
    }
}

/// `GET /nearest?lat=&lon=&k=`, with the filters.
pub async fn nearest(
    state: web::Data<AppState>,
    live: Live,
    Params(asked): Params<NearestParams>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let NearestParams {
        filter,
        longitude,
        latitude,
        k,
    } = asked;
    let hits = {
        let live = Arc::clone(&live.0);
        state
            .queries
            .run(move || live.nearest(longitude, latitude, k, &filter))
            .await??
    };
    Ok(collection(&live, &hits, started, |_| {}))
}

/// The parameters of `/suggest`: the text typed, how many completions, and a position to
/// complete place names nearby first.
pub struct SuggestParams {
    q: String,
    limit: usize,
    near: Option<(f64, f64)>,
}

impl RouteParams for SuggestParams {
    const NAMES: &'static [&'static str] = &["q", "limit", "lat", "lon"];
    const FILTERS: bool = false;

    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        let near = location(query)?;
        let q = param(query, "q")?.unwrap_or("");
        check_text("q", q, limits)?;
        Ok(Self {
            q: q.to_owned(),
            limit: at_most(
                "limit",
                number_param(query, "limit", Some(8))?,
                MAX_SUGGESTIONS,
            )?,
            near,
        })
    }
}

/// `GET /suggest?q=&limit=`, with `lat` and `lon` to complete place names nearby first.
pub async fn suggest(
    state: web::Data<AppState>,
    live: Live,
    Params(SuggestParams { q, limit, near }): Params<SuggestParams>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let live = Arc::clone(&live.0);
    let body = state
        .queries
        .run(move || {
            #[derive(Serialize)]
            struct Completions<'a> {
                suggestions: Vec<Suggestion<'a>>,
                took_ms: f64,
            }
            let suggestions = live.suggest(&q, limit, near)?;
            serde_json::to_vec(&Completions {
                suggestions,
                took_ms: took_ms(started),
            })
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
        })
        .await??;
    Ok(json_response(body))
}

/// `GET /places/{id}`.
pub async fn place(
    live: Live,
    id: web::Path<String>,
    _: Params<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let feature = live
        .place(&id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no place with id {id:?}")))?;
    Ok(json_response(feature.to_json()))
}
