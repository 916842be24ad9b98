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
use lieux_index::filter::PlaceFilter;
use lieux_index::ingest::export::{write_schema_csv, Cells};
use lieux_index::search::facets::Facets;
use lieux_index::search::schedules::now_local;
use lieux_index::search::suggest::Suggestion;
use lieux_index::search::Interpretation;
use lieux_index::search::{
    Asked, Decay, DistanceRanking, Hit, Near, OpenFilter, SearchRequest, SearchResults, Sort,
};
use lieux_index::serve::geojson::{collection_schema, PlaceFeature, FEATURE_BYTES};
use lieux_index::serve::json;
use lieux_index::serve::LiveIndex;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;

use crate::answers::{text, Answer, Content, Description, PathParameter};
use crate::http_error::{ApiError, ErrorCode};
use crate::limits::Limits;
use crate::params::{
    at_most, bbox, check_text, filter_of, invalid, location, opening, parse, Filters, Group, Kind,
    Maximum, NoParams, Parameter, Params, Posted, Query, RouteParams, BBOX, INCLUDE_UNKNOWN, LAT,
    LON, OPENING, OPEN_AT, OPEN_NOW, POSITION,
};
use crate::state::{AppState, Live};

/// `GET /search`.
pub const SEARCH: Description = Description {
    errors: &[
        (
            ErrorCode::TooManyResults,
            "An export would hold more than `--max-export` places.",
        ),
        (
            ErrorCode::TooManyRequests,
            "`--max-exports` exports are running already.",
        ),
    ],
    ..Description::new(
        "Ranked search with text, location, filters, opening hours and facets; CSV or GeoJSON export of every match",
        &[Answer {
            status: 200,
            description: "One page of results (`format=json`), or every match as CSV or GeoJSON, streamed.",
            content: &[
                Content {
                    media: "application/json",
                    schema: page_schema,
                },
                Content {
                    media: "text/csv",
                    schema: text,
                },
                Content {
                    media: GEOJSON,
                    schema: export_schema,
                },
            ],
            headers: &[
                (
                    "Content-Disposition",
                    "An export is an attachment, `lieux.csv` or `lieux.geojson`.",
                ),
                ("X-Total-Count", "The number of places an export holds."),
            ],
        }],
    )
};

/// `POST /search`.
pub const SEARCH_POSTED: Description = Description {
    description: "`GET /search` with its parameters in a JSON body (`application/json`), for a `polygon` longer than a query string may be: each member as the query string's parameter of its name, a filter's values as an array of strings, `polygon` as a GeoJSON object, numbers and booleans as JSON ones.",
    errors: &[
        (
            ErrorCode::TooManyResults,
            "An export would hold more than `--max-export` places.",
        ),
        (
            ErrorCode::TooManyRequests,
            "`--max-exports` exports are running already.",
        ),
        POSTED_TOO_LARGE,
        POSTED_NOT_JSON,
    ],
    ..SEARCH
};

/// A posted body over its bound.
pub const POSTED_TOO_LARGE: (ErrorCode, &str) = (
    ErrorCode::BodyTooLarge,
    "The body is larger than a polygon at its bound with the other parameters (320 KiB).",
);

/// A posted body that is not JSON.
pub const POSTED_NOT_JSON: (ErrorCode, &str) = (
    ErrorCode::UnsupportedMediaType,
    "A body that is not `application/json`.",
);

/// `GET /nearest`.
pub const NEAREST: Description = Description::new(
    "The k places nearest to a position, with exact distances",
    &[Answer::ok(
        "The places, nearest first.",
        &[Content {
            media: GEOJSON,
            schema: nearest_schema,
        }],
    )],
);

/// `GET /suggest`.
pub const SUGGEST: Description = Description::new(
    "Completions as you type: communes (with place counts), services, place names",
    &[Answer::ok(
        "The completions, best first.",
        &[Content::json::<Completions<'static>>()],
    )],
);

/// `GET /places/{id}`.
pub const PLACE: Description = Description {
    path: &[PathParameter {
        name: "id",
        description: "The place's id, as features carry it.",
        schema: text,
    }],
    errors: &[(ErrorCode::NotFound, "No place has this id.")],
    ..Description::new(
        "One place",
        &[Answer::ok(
            "The place, as a GeoJSON Feature.",
            &[Content {
                media: GEOJSON,
                schema: SchemaGenerator::subschema_for::<PlaceFeature<'static>>,
            }],
        )],
    )
};

/// The time an answer took, as `took_ms` states it.
fn took_ms_schema() -> serde_json::Value {
    serde_json::json!({
        "type": "number",
        "minimum": 0,
        "description": "How long the server took, in milliseconds.",
    })
}

/// What [`page`] writes.
fn page_schema(generator: &mut SchemaGenerator) -> Schema {
    let count = |description: &str| serde_json::json!({ "type": "integer", "minimum": 0, "description": description });
    let facets = generator.subschema_for::<Facets>().to_value();
    let interpretation = generator.subschema_for::<Interpretation>().to_value();
    collection_schema(
        generator.subschema_for::<PlaceFeature<'static>>(),
        &[
            ("total", count("Every match, not only the page."), true),
            ("limit", count("The page's size."), true),
            ("offset", count("Where the page starts."), true),
            ("facets", facets, true),
            (
                "unknown_hours",
                count("With an opening filter: the matches whose hours are unknown."),
                false,
            ),
            ("interpreted", interpretation, false),
            ("took_ms", took_ms_schema(), true),
        ],
    )
}

/// What [`nearest`] writes.
fn nearest_schema(generator: &mut SchemaGenerator) -> Schema {
    collection_schema(
        generator.subschema_for::<PlaceFeature<'static>>(),
        &[("took_ms", took_ms_schema(), true)],
    )
}

/// What a GeoJSON export writes.
fn export_schema(generator: &mut SchemaGenerator) -> Schema {
    collection_schema(generator.subschema_for::<PlaceFeature<'static>>(), &[])
}

/// The answer of `/suggest`.
#[derive(Serialize, JsonSchema)]
struct Completions<'a> {
    /// The completions, best first.
    suggestions: Vec<Suggestion<'a>>,
    /// How long the server took, in milliseconds.
    took_ms: f64,
}

/// The deepest a page may start; past it, narrow the search or export it.
pub const MAX_OFFSET: usize = 10_000;
/// The most completions `/suggest` returns.
pub const MAX_SUGGESTIONS: usize = 50;
/// Rows per chunk of a streamed export.
const EXPORT_CHUNK: usize = 512;

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

/// The parameters of `/search`: the search and the answer's format.
pub struct SearchParams {
    request: SearchRequest,
    format: Format,
}

/// The parameters of `/search` besides the filters.
mod declared {
    use crate::params::{Kind, Maximum, Parameter};

    pub const RADIUS: Parameter = Parameter {
        name: "radius",
        description: "Only places within this great-circle distance of lat/lon, in metres (at most `--max-radius-m`).",
        kind: Kind::Number {
            minimum: 0.0,
            maximum: Maximum::Limit(|limits| limits.max_radius_m),
        },
    };
    #[allow(clippy::cast_precision_loss)]
    pub const LIMIT: Parameter = Parameter {
        name: "limit",
        description: "Hits per page (default 20, at most `--max-limit`); with an export, the most places it holds (at most `--max-export`; default every match).",
        kind: Kind::Integer {
            minimum: 0,
            maximum: Maximum::Limit(|limits| limits.max_limit as f64),
            default: Some(20),
        },
    };
    pub const OFFSET: Parameter = Parameter {
        name: "offset",
        description: "Hits to skip (at most 10,000: past it, narrow the search or export it).",
        kind: Kind::Integer {
            minimum: 0,
            maximum: Maximum::Fixed(super::MAX_OFFSET as u64),
            default: Some(0),
        },
    };
    pub const SORT: Parameter = Parameter {
        name: "sort",
        description: "`relevance` (text score times distance decay; by distance without text) or `distance` (needs lat/lon).",
        kind: Kind::OneOf {
            values: &["relevance", "distance"],
            default: "relevance",
        },
    };
    // How distance weighs in relevance, in the manner of Elasticsearch's decay functions; the
    // names say `decay_` where Elasticsearch says `scale` and `offset`, as `offset` pages.
    pub const DECAY: Parameter = Parameter {
        name: "decay",
        description: "With lat/lon, the shape of relevance's decay with distance: `exp` (the default: `decay_value^(d/decay_scale)`), `gauss` (`decay_value^((d/decay_scale)²)`) or `linear` (`1 - (1 - decay_value)·d/decay_scale`, down to 0), `d` being the distance past `decay_offset`.",
        kind: Kind::OneOf {
            values: &["exp", "gauss", "linear"],
            default: "exp",
        },
    };
    pub const DECAY_SCALE: Parameter = Parameter {
        name: "decay_scale",
        description: "With lat/lon, the distance past `decay_offset` at which relevance's decay reaches `decay_value`, in metres (default: half the radius, at least 100, or 10,000 without one).",
        kind: Kind::Number {
            minimum: 1.0,
            maximum: Maximum::Limit(|_| crate::params::MAX_DISTANCE_M),
        },
    };
    pub const DECAY_OFFSET: Parameter = Parameter {
        name: "decay_offset",
        description: "With lat/lon, the distance within which relevance does not decay, in metres (default 0).",
        kind: Kind::Number {
            minimum: 0.0,
            maximum: Maximum::Limit(|_| crate::params::MAX_DISTANCE_M),
        },
    };
    pub const DECAY_VALUE: Parameter = Parameter {
        name: "decay_value",
        description: "With lat/lon, what relevance's decay is at `decay_scale` past `decay_offset` (default 0.5).",
        kind: Kind::Number {
            minimum: 0.001,
            maximum: Maximum::Limit(|_| 0.999),
        },
    };
    pub const DISTANCE_WEIGHT: Parameter = Parameter {
        name: "distance_weight",
        description: "With lat/lon, how much distance weighs in relevance: 0 is text relevance alone, 1 (the default) the text score times the decay; in between, times `1 - w + w·decay`.",
        kind: Kind::Number {
            minimum: 0.0,
            maximum: Maximum::Fixed(1),
        },
    };
    pub const DISTANCE_BANDS: Parameter = Parameter {
        name: "distance_bands",
        description: "With lat/lon, distances in metres (`500,2000,5000`) that cut the results into bands: every place within the first comes before every place of the next, and so on, places beyond the last at the end; within a band, by text relevance alone.",
        kind: Kind::Distances { max_items: 16 },
    };
    pub const FORMAT: Parameter = Parameter {
        name: "format",
        description: "`json` (one page with total and facets), `csv` (every match, schema v1.0.2 columns) or `geojson` (every match); exports are capped by `--max-export`.",
        kind: Kind::OneOf {
            values: &["json", "csv", "geojson"],
            default: "json",
        },
    };
}

impl RouteParams for SearchParams {
    const PARAMETERS: &'static [Parameter] = &[
        LAT,
        LON,
        declared::RADIUS,
        BBOX,
        OPEN_AT,
        OPEN_NOW,
        INCLUDE_UNKNOWN,
        declared::LIMIT,
        declared::OFFSET,
        declared::SORT,
        declared::DECAY,
        declared::DECAY_SCALE,
        declared::DECAY_OFFSET,
        declared::DECAY_VALUE,
        declared::DISTANCE_WEIGHT,
        declared::DISTANCE_BANDS,
        declared::FORMAT,
    ];
    const GROUPS: &'static [Group] = &[
        Group {
            name: "position",
            description: "A position (`lat` and `lon` together), with a radius around it, results sorted by distance from it, or distance weighed in relevance as the caller tunes it.",
            together: &["lat", "lon"],
            with: &[
                "radius",
                "sort",
                DISTANCE_NAMES[0],
                DISTANCE_NAMES[1],
                DISTANCE_NAMES[2],
                DISTANCE_NAMES[3],
                DISTANCE_NAMES[4],
                DISTANCE_NAMES[5],
            ],
            at_most_one: &[],
            required: false,
        },
        OPENING,
    ];
    const FILTERS: Filters = Filters::All;

    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        let (request, format) = search_request(query, limits)?;
        Ok(Self { request, format })
    }
}

/// The search a query string asks for, and its format.
fn search_request(query: &Query, limits: &Limits) -> Result<(SearchRequest, Format), ApiError> {
    use declared::{FORMAT, LIMIT, OFFSET, RADIUS, SORT};
    let filter = filter_of(query, limits)?;
    let format = match FORMAT.one_of(query)? {
        "csv" => Format::Csv,
        "geojson" => Format::GeoJson,
        _ => Format::Page,
    };
    let near = match (location(query, limits)?, RADIUS.number(query, limits)?) {
        (None, Some(_)) => return Err(invalid("radius: needs lat and lon")),
        (None, None) => None,
        (Some((longitude, latitude)), radius_m) => Some(Near {
            longitude,
            latitude,
            radius_m,
        }),
    };
    let bbox = bbox(query, limits)?;
    let open = opening(query)?.map(|opening| OpenFilter {
        at: opening.at.unwrap_or_else(now_local),
        include_unknown: opening.include_unknown,
    });
    let sort = match SORT.one_of(query)? {
        "distance" if near.is_none() => return Err(invalid("sort: distance needs lat and lon")),
        "distance" => Sort::Distance,
        _ => Sort::Relevance,
    };
    let distance = distance_ranking(query, limits)?;
    if let Some((name, _)) = query
        .iter()
        .find(|(name, _)| DISTANCE_NAMES.contains(&name.as_str()))
    {
        if near.is_none() {
            return Err(invalid(format!("{name}: needs lat and lon")));
        }
    }
    let offset = OFFSET.count(query, limits)?;
    let limit = match (format, LIMIT.text(query)?) {
        (Format::Page, _) => LIMIT.count(query, limits)?,
        (_, Some(limit)) => at_most("limit", parse(LIMIT.name, limit)?, limits.max_export)?,
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
            distance,
        },
        format,
    ))
}

/// The parameters of [`distance_ranking`], which need a position.
const DISTANCE_NAMES: [&str; 6] = [
    "decay",
    "decay_scale",
    "decay_offset",
    "decay_value",
    "distance_weight",
    "distance_bands",
];

/// How distance weighs in relevance, as `query` tunes it.
fn distance_ranking(query: &Query, limits: &Limits) -> Result<DistanceRanking, ApiError> {
    use declared::{
        DECAY, DECAY_OFFSET, DECAY_SCALE, DECAY_VALUE, DISTANCE_BANDS, DISTANCE_WEIGHT,
    };
    let default = DistanceRanking::default();
    Ok(DistanceRanking {
        decay: match DECAY.one_of(query)? {
            "gauss" => Decay::Gauss,
            "linear" => Decay::Linear,
            _ => Decay::Exp,
        },
        scale_m: DECAY_SCALE.number(query, limits)?,
        offset_m: DECAY_OFFSET
            .number(query, limits)?
            .unwrap_or(default.offset_m),
        decay_value: DECAY_VALUE
            .number(query, limits)?
            .unwrap_or(default.decay_value),
        weight: DISTANCE_WEIGHT
            .number(query, limits)?
            .unwrap_or(default.weight),
        bands_m: DISTANCE_BANDS.distances(query)?.unwrap_or_default(),
    })
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

/// The content type of GeoJSON (RFC 7946).
pub const GEOJSON: &str = "application/geo+json";

/// The features of `hits`, with their opening state now, as a GeoJSON FeatureCollection whose
/// members after `features` are written by `extra` (each starting with a comma), and the time
/// taken since `started` last; answered as `content_type`.
fn collection(
    live: &LiveIndex,
    hits: &[Hit],
    started: Instant,
    content_type: &'static str,
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
    json_response(out, content_type)
}

/// A 200 answer with the JSON text `body`, as `content_type`.
fn json_response(body: Vec<u8>, content_type: &'static str) -> HttpResponse {
    HttpResponse::Ok().content_type(content_type).body(body)
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

/// `POST /search`: `GET /search` with its parameters in a JSON body.
pub async fn search_posted(
    state: web::Data<AppState>,
    live: Live,
    Posted(params): Posted<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    search(state, live, Params(params)).await
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
    collection(live, &results.hits, started, "application/json", |out| {
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

/// `GET /export.csv`.
pub const EXPORT: Description = Description {
    description: "What a hub publishes: the base data with every accepted contribution applied, in the standard's columns and order; with territory filters (`departement`, `epci`, `code_insee`, `code_postal`), the places of that territory only; with `polygon`, the places inside it. A changed place has `date_maj` the day its change was accepted and `source` naming the contribution (`contribution N`); a place reported closed is left out. Cells a spreadsheet would run as a formula start with `'` (`lieux export` writes the values exactly).",
    errors: &[(
        ErrorCode::TooManyRequests,
        "`--max-exports` exports are running already.",
    )],
    ..Description::new(
        "The whole data set served, as a CSV of schema v1.0.2",
        &[Answer {
            status: 200,
            description: "Every place (of the territory asked for), streamed.",
            content: &[Content {
                media: "text/csv",
                schema: text,
            }],
            headers: &[
                (
                    "Content-Disposition",
                    "An attachment, `lieux-YYYY-MM-DD.csv` (the day of the export).",
                ),
                ("X-Total-Count", "The number of places."),
            ],
        }],
    )
};

/// `POST /export.csv`.
pub const EXPORT_POSTED: Description = Description {
    description: "`GET /export.csv` with its filters in a JSON body (`application/json`), for a `polygon` longer than a query string may be: a filter's values as an array of strings, `polygon` as a GeoJSON object.",
    errors: &[
        (
            ErrorCode::TooManyRequests,
            "`--max-exports` exports are running already.",
        ),
        POSTED_TOO_LARGE,
        POSTED_NOT_JSON,
    ],
    ..EXPORT
};

/// The parameters of `/export.csv`: the territory filters and `polygon`.
pub struct ExportParams(PlaceFilter);

impl RouteParams for ExportParams {
    const PARAMETERS: &'static [Parameter] = &[];
    const FILTERS: Filters = Filters::Area;

    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        Ok(Self(filter_of(query, limits)?))
    }
}

/// `GET /export.csv`: every place served (in the territory asked for), streamed; no cap but
/// the number of exports at once.
pub async fn export_all(
    state: web::Data<AppState>,
    live: Live,
    Params(ExportParams(territory)): Params<ExportParams>,
) -> Result<HttpResponse, ApiError> {
    let permit = state.exports.take(state.limits.max_exports)?;
    let ordinals = live.ordinals_matching(&territory).map_err(ApiError::from)?;
    let count = ordinals.len() as u64;
    let file = format!("lieux-{}.csv", now_local().date());
    let body = export_stream(live.0, ordinals, Format::Csv, permit, &state.limits);
    Ok(attachment("text/csv; charset=utf-8", &file, count, body))
}

/// `POST /export.csv`: `GET /export.csv` with its filters in a JSON body.
pub async fn export_posted(
    state: web::Data<AppState>,
    live: Live,
    Posted(params): Posted<ExportParams>,
) -> Result<HttpResponse, ApiError> {
    export_all(state, live, Params(params)).await
}

/// An export's answer: `body` streamed as the attachment `file`, holding `total` places.
fn attachment(
    content_type: &str,
    file: &str,
    total: u64,
    body: impl futures_util::Stream<Item = Result<web::Bytes, std::io::Error>> + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\""),
        ))
        .insert_header(("X-Total-Count", total.to_string()))
        .streaming(body)
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
        _ => (GEOJSON, "lieux.geojson"),
    };
    Ok(attachment(content_type, file, results.total, body))
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
    #[allow(clippy::cast_precision_loss)]
    const PARAMETERS: &'static [Parameter] = &[
        LAT,
        LON,
        Parameter {
            name: "k",
            description: "How many places (default 10, at most `--max-limit`).",
            kind: Kind::Integer {
                minimum: 1,
                maximum: Maximum::Limit(|limits| limits.max_limit as f64),
                default: Some(10),
            },
        },
    ];
    const GROUPS: &'static [Group] = &[Group {
        required: true,
        ..POSITION
    }];
    const FILTERS: Filters = Filters::All;

    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        let (longitude, latitude) =
            location(query, limits)?.ok_or_else(|| invalid("lat and lon are required"))?;
        Ok(Self {
            filter: filter_of(query, limits)?,
            longitude,
            latitude,
            k: Self::PARAMETERS[2].count(query, limits)?,
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
    Ok(collection(&live, &hits, started, GEOJSON, |_| {}))
}

/// The parameters of `/suggest`: the text typed, how many completions, and a position to
/// complete place names nearby first.
pub struct SuggestParams {
    q: String,
    limit: usize,
    near: Option<(f64, f64)>,
}

impl RouteParams for SuggestParams {
    const PARAMETERS: &'static [Parameter] = &[
        Parameter {
            name: "q",
            description: "The text typed so far.",
            kind: Kind::Text,
        },
        Parameter {
            name: "limit",
            description: "How many completions (default 8, at most 50).",
            kind: Kind::Integer {
                minimum: 0,
                maximum: Maximum::Fixed(MAX_SUGGESTIONS as u64),
                default: Some(8),
            },
        },
        LAT,
        LON,
    ];
    const GROUPS: &'static [Group] = &[POSITION];

    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        let [q, limit, ..] = Self::PARAMETERS else {
            unreachable!("four parameters")
        };
        let near = location(query, limits)?;
        let q = q.text(query)?.unwrap_or("");
        check_text("q", q, limits)?;
        Ok(Self {
            q: q.to_owned(),
            limit: limit.count(query, limits)?,
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
            let suggestions = live.suggest(&q, limit, near)?;
            serde_json::to_vec(&Completions {
                suggestions,
                took_ms: took_ms(started),
            })
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
        })
        .await??;
    Ok(json_response(body, "application/json"))
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
    Ok(json_response(feature.to_json(), GEOJSON))
}
