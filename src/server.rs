//! The HTTP server: routes, shared state and the app factory.
//!
//! [`router`] configures every route on an actix `App`; the binary and the tests use the same
//! function, so what is tested is what runs. Handlers are short: parse the request into a typed
//! query, ask `lieux-index`, serialise the answer. Searches run on the query threads
//! ([`crate::pool`]); work that takes longer (building a cluster hierarchy for a new filter)
//! runs on actix's blocking pool.
//!
//! The index is not part of the state itself but behind an atomic pointer ([`AppState::live`]),
//! which `/admin/reload` and SIGHUP swap. A handler takes the pointer once, through the [`Live`]
//! extractor, and answers from that index to the end, even when a reload swaps it meanwhile; the
//! `X-Lieux-Index` header of the answer names the index it came from.

use std::future::{ready, Ready};
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use arc_swap::ArcSwap;
use lieux_index::filter::PlaceFilter;
use lieux_index::live::LiveIndex;
use lieux_index::map::{gzip, ContentEncoding, PlaceMap, PLACE_PROPERTIES};
use lieux_tiles::{LngLatBbox, TileCoord, TileJson, VectorLayer};
use serde::Serialize;

use crate::admin::Admin;
use crate::clients::{RateLimits, TrustedProxies};
use crate::http_error::{ApiError, ErrorCode};
use crate::limits::{ExportSlots, Limits};
use crate::observe::Metrics;
use crate::params::{filter_of, number_param, param, parse, parse_bbox, Query};
use crate::pool::QueryPool;

/// The deepest zoom tiles are served at.
pub const MAX_TILE_ZOOM: u8 = 22;
/// The most leaves one `/clusters/{id}/leaves` answer holds.
pub const MAX_LEAVES: usize = 1000;

/// What every request can reach.
pub struct AppState {
    /// The index being served, with everything derived from it; swapped whole by a reload.
    pub live: ArcSwap<LiveIndex>,
    /// The limits of requests.
    pub limits: Limits,
    /// Exports in flight.
    pub exports: Arc<ExportSlots>,
    /// The admin token and what a reload reads by default.
    pub admin: Admin,
    /// Request counts and latencies.
    pub metrics: Metrics,
    /// The public URL of the server (`https://example.org/lieux`), for TileJSON; without it,
    /// URLs are built from the request.
    pub public_url: Option<String>,
    /// The data sources and their licences, for TileJSON; without it, the index's sources.
    pub attribution: Option<String>,
    /// The `Cache-Control` of tiles.
    pub tile_cache_control: header::HeaderValue,
    /// The threads that answer searches.
    pub queries: QueryPool,
    /// The proxies whose forwarding headers are believed.
    pub proxies: TrustedProxies,
    /// The rate limits per client.
    pub rates: RateLimits,
    /// The searches that found nothing as asked.
    pub gaps: crate::gaps::SearchGaps,
}

/// The index a request is answered from, taken once when the request starts.
pub struct Live(pub Arc<LiveIndex>);

impl std::ops::Deref for Live {
    type Target = LiveIndex;

    fn deref(&self) -> &LiveIndex {
        &self.0
    }
}

/// The hash of the index that answered, kept in the request for the `X-Lieux-Index` header.
#[derive(Clone)]
pub struct AnsweredFrom(pub Arc<LiveIndex>);

impl FromRequest for Live {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let Some(state) = request.app_data::<web::Data<AppState>>() else {
            return ready(Err(ApiError::new(ErrorCode::Internal, "no app state")));
        };
        let live = state.live.load_full();
        request
            .extensions_mut()
            .insert(AnsweredFrom(Arc::clone(&live)));
        ready(Ok(Live(live)))
    }
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
        .configure(crate::assets::routes)
        .service(get("/health", health))
        .service(get("/openapi.json", openapi))
        .service(get("/tiles.json", tilejson))
        .service(get("/tiles/{z}/{x}/{tile}", tile))
        .service(get("/clusters", clusters))
        .service(get("/clusters/{id}/children", cluster_children))
        .service(get("/clusters/{id}/leaves", cluster_leaves))
        .service(get("/clusters/{id}/expansion-zoom", cluster_expansion_zoom))
        .configure(crate::search::routes)
        .service(get("/metrics", crate::observe::metrics))
        .configure(crate::admin::routes)
        .default_service(web::to(not_found));
}

/// Which web origins may call the API from a browser (CORS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Any origin: the data is public, and so is every route but `/admin/*`, which needs a
    /// token.
    Any,
    /// These origins only (`https://carto.example.org`).
    Listed(Vec<String>),
    /// None: browsers keep the API to pages of its own origin.
    None,
}

impl std::str::FromStr for CorsOrigins {
    type Err = String;

    /// `*`, `none`, or origins separated by commas.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "*" => return Ok(Self::Any),
            "none" | "" => return Ok(Self::None),
            _ => {}
        }
        let origins = text
            .split(',')
            .map(|origin| {
                let origin = origin.trim();
                let uri: actix_web::http::Uri = origin
                    .parse()
                    .map_err(|_| format!("{origin:?} is not an origin"))?;
                let plain = matches!(uri.scheme_str(), Some("http" | "https"))
                    && uri.authority().is_some()
                    && !origin.ends_with('/')
                    && uri.path() == "/"
                    && uri.query().is_none();
                if plain {
                    Ok(origin.to_owned())
                } else {
                    Err(format!(
                        "{origin:?} is not an origin: write a scheme and a host (and a port), \
                         like https://carto.example.org"
                    ))
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Self::Listed(origins))
    }
}

/// The CORS middleware for `origins`: `GET` and `HEAD` from those origins, with any request
/// header, and the `ETag`, `X-Request-Id` and `X-Lieux-Index` answer headers readable by
/// scripts. A request from another origin is answered as usual, without the CORS headers, and
/// the browser keeps the answer from the page; a preflight from another origin is refused with
/// a JSON error (see [`crate::observe`]).
pub fn cors(origins: &CorsOrigins) -> actix_web::middleware::Condition<actix_cors::Cors> {
    let cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "HEAD"])
        .allow_any_header()
        .expose_headers([
            header::ETAG,
            crate::observe::REQUEST_ID,
            crate::observe::INDEX_HASH,
        ])
        .max_age(86_400)
        .block_on_origin_mismatch(false);
    let cors = match origins {
        // The same answer for every origin: nothing for caches to vary on.
        CorsOrigins::Any | CorsOrigins::None => cors
            .allow_any_origin()
            .send_wildcard()
            .disable_vary_header(),
        CorsOrigins::Listed(origins) => origins
            .iter()
            .fold(cors, |cors, origin| cors.allowed_origin(origin)),
    };
    actix_web::middleware::Condition::new(*origins != CorsOrigins::None, cors)
}

/// The pattern of the route that answered a request, the label of its metrics. Each resource
/// carries its own as data, so that [`crate::observe`] need not match the path a second time.
#[derive(Debug, Clone, Copy)]
pub struct RoutePattern(pub &'static str);

/// A resource read with GET and HEAD (the same answer without its body, as HTTP requires);
/// other methods get a JSON 405 with `Allow`.
pub fn get<F, Args>(path: &'static str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    use actix_web::guard;
    web::resource(path)
        .app_data(RoutePattern(path))
        .route(
            web::route()
                .guard(guard::Any(guard::Get()).or(guard::Head()))
                .to(handler),
        )
        .default_service(web::to(|request: HttpRequest| async move {
            method_not_allowed(&request, "GET, HEAD")
        }))
}

/// The map of `filter`, built on the blocking pool when it is not cached.
async fn map_of(live: &Live, filter: PlaceFilter) -> Result<Arc<PlaceMap>, ApiError> {
    let live = Arc::clone(&live.0);
    web::block(move || live.maps.get(&live.index, &live.search, &filter))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
        .map_err(ApiError::from)
}

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

async fn health(
    state: web::Data<AppState>,
    live: Live,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    refuse_parameters(&query)?;
    let manifest = &live.index.manifest;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok",
        places: manifest.places,
        index: &manifest.content_hash,
        schema_version: &manifest.schema_version,
        created_at: &manifest.created_at,
        loaded_at: chrono::DateTime::<chrono::Utc>::from(live.loaded_at).to_rfc3339(),
        load_seconds: (live.load_seconds * 1000.0).round() / 1000.0,
        reloads: state.metrics.reloads_done(),
        version: env!("CARGO_PKG_VERSION"),
    }))
}

/// Refuses any parameter, for routes that take none.
pub fn refuse_parameters(query: &Query) -> Result<(), ApiError> {
    match query.first() {
        Some((name, _)) => Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("unknown parameter {name:?}: this route takes none"),
        )),
        None => Ok(()),
    }
}

/// `GET /openapi.json`: the description of every route, kept by hand in `src/openapi.json`
/// (a test checks that every path it lists is served).
async fn openapi(query: Query) -> Result<HttpResponse, ApiError> {
    refuse_parameters(&query)?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(include_str!("openapi.json")))
}

/// `GET /tiles/{z}/{x}/{y}.mvt` (or `.pbf`), with the filters.
///
/// The tile comes gzipped when the client accepts gzip, as every browser does: compressed once
/// and cached (see [`TileCache`](lieux_index::map::TileCache)). An empty tile is a 204 with no
/// body. Each answer has an `ETag` (the index and the tile; the encoding too, since the bytes
/// differ) that `If-None-Match` revalidates with a 304.
async fn tile(
    state: web::Data<AppState>,
    live: Live,
    query: Query,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    // Read in place: the numbers need no percent-decoding into new strings.
    let segment = |name| request.match_info().get(name).unwrap_or("");
    let (z, x, tile) = (segment("z"), segment("x"), segment("tile"));
    let y = tile
        .strip_suffix(".mvt")
        .or_else(|| tile.strip_suffix(".pbf"))
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "tiles end in .mvt or .pbf"))?;
    let z: u8 = parse("z", z)?;
    if z > MAX_TILE_ZOOM {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("zoom {z} is outside the supported range 0-{MAX_TILE_ZOOM}"),
        ));
    }
    let coord = TileCoord::new(z, parse("x", x)?, parse("y", y)?)
        .map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.to_string()))?;
    let filter = filter_of(&query, &[], &state.limits)?;
    let key = filter.key();
    let encoding = if accepts_gzip(&request) {
        ContentEncoding::Gzip
    } else {
        ContentEncoding::Identity
    };
    let tile_hash = blake3::Hasher::new()
        .update(key.as_bytes())
        .update(&[coord.z()])
        .update(&coord.x().to_le_bytes())
        .update(&coord.y().to_le_bytes())
        .finalize()
        .to_hex();
    // The index, the filter and tile, the encoding: `"0123456789abcdef-0123456789abcdef-gz"`.
    let mut etag = String::with_capacity(40);
    etag.push('"');
    etag.push_str(live.hash().get(..16).unwrap_or(""));
    etag.push('-');
    etag.push_str(&tile_hash[..16]);
    if encoding == ContentEncoding::Gzip {
        etag.push_str("-gz");
    }
    etag.push('"');
    let not_modified = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tag| tag.as_bytes() == etag.as_bytes());
    let (mut response, body) = if not_modified {
        (HttpResponse::NotModified(), None)
    } else {
        let bytes = tile_bytes(&live, filter, &key, coord, encoding).await?;
        if bytes.is_empty() {
            (HttpResponse::NoContent(), None)
        } else {
            let mut response = HttpResponse::Ok();
            response.content_type("application/vnd.mapbox-vector-tile");
            if encoding == ContentEncoding::Gzip {
                response.insert_header((header::CONTENT_ENCODING, "gzip"));
            }
            (response, Some(bytes))
        }
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, state.tile_cache_control.clone()))
        .insert_header((header::VARY, "Accept-Encoding"));
    Ok(match body {
        Some(bytes) => response.body(web::Bytes::from_owner(bytes)),
        None => response.finish(),
    })
}

/// The bytes of a tile in `encoding`: cached, or encoded (and compressed) and then cached.
async fn tile_bytes(
    live: &Live,
    filter: PlaceFilter,
    key: &str,
    coord: TileCoord,
    encoding: ContentEncoding,
) -> Result<Arc<[u8]>, ApiError> {
    if let Some(bytes) = live.tiles.get(key, coord, encoding) {
        return Ok(bytes);
    }
    let cached_mvt = match encoding {
        ContentEncoding::Identity => None,
        ContentEncoding::Gzip => live.tiles.get(key, coord, ContentEncoding::Identity),
    };
    let mvt = match cached_mvt {
        Some(mvt) => mvt,
        None => {
            let map = map_of(live, filter).await?;
            // Encoding one tile takes well under a millisecond: done on the worker itself, a
            // hand-over to the blocking pool would cost more than it saves.
            let mvt: Arc<[u8]> = map.tile(&live.index, coord)?.into();
            live.tiles
                .insert(key, coord, ContentEncoding::Identity, Arc::clone(&mvt));
            mvt
        }
    };
    if encoding == ContentEncoding::Identity || mvt.is_empty() {
        return Ok(mvt);
    }
    let compressed: Arc<[u8]> = gzip(&mvt).into();
    live.tiles
        .insert(key, coord, encoding, Arc::clone(&compressed));
    Ok(compressed)
}

/// Whether `Accept-Encoding` accepts gzip: names `gzip` (or `*`) without `q=0`.
fn accepts_gzip(request: &HttpRequest) -> bool {
    request
        .headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|parameter| {
                let parameter = parameter.trim();
                parameter
                    .strip_prefix("q=")
                    .or_else(|| parameter.strip_prefix("Q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// `GET /tiles.json`: TileJSON 3.0.0, its tile URL keeping the request's filters.
async fn tilejson(
    state: web::Data<AppState>,
    live: Live,
    query: Query,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let filter = filter_of(&query, &[], &state.limits)?;
    let base = match &state.public_url {
        Some(url) => url.clone(),
        None => state.proxies.base_url(&request)?,
    };
    let query_string = request.query_string();
    let suffix = if query_string.is_empty() {
        String::new()
    } else {
        format!("?{query_string}")
    };
    let bounds = live.bounds;
    let mut document = TileJson::new(
        vec![format!(
            "{}/tiles/{{z}}/{{x}}/{{y}}.mvt{suffix}",
            base.trim_end_matches('/')
        )],
        vec![VectorLayer::places(
            PLACE_PROPERTIES.iter().map(|name| (*name, "String")),
        )],
    );
    document.name = Some("lieux".to_owned());
    document.description = Some(if filter.is_empty() {
        "Lieux de médiation numérique".to_owned()
    } else {
        format!("Lieux de médiation numérique ({})", filter.key())
    });
    document.attribution = Some(
        state
            .attribution
            .clone()
            .unwrap_or_else(|| live.attribution.clone()),
    );
    document.maxzoom = MAX_TILE_ZOOM;
    if let Some([w, s, e, n]) = bounds {
        document.bounds = [w, s, e, n];
        document.center = Some([(w + e) / 2.0, (s + n) / 2.0, zoom_to_fit(w, s, e, n)]);
    }
    Ok(HttpResponse::Ok().json(document))
}

/// The zoom at which a 512-pixel map shows the whole box.
fn zoom_to_fit(west: f64, south: f64, east: f64, north: f64) -> f64 {
    let width = (east - west).abs().max(1e-6) / 360.0;
    let height = (lieux_tiles::mercator::lat_to_unit_y(south)
        - lieux_tiles::mercator::lat_to_unit_y(north))
    .abs()
    .max(1e-6);
    (1.0 / width.max(height)).log2().floor().clamp(0.0, 16.0)
}

/// `GET /clusters?bbox=W,S,E,N&zoom=Z`, with the filters: a GeoJSON FeatureCollection.
async fn clusters(
    state: web::Data<AppState>,
    live: Live,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let filter = filter_of(&query, &["bbox", "zoom"], &state.limits)?;
    let bbox = match param(&query, "bbox")? {
        Some(text) => parse_bbox(text)?,
        None => LngLatBbox::WORLD,
    };
    state.limits.check_bbox(&bbox)?;
    let zoom: u8 = number_param(&query, "zoom", None)?;
    if zoom > MAX_TILE_ZOOM {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("zoom {zoom} is outside the supported range 0-{MAX_TILE_ZOOM}"),
        ));
    }
    let map = map_of(&live, filter).await?;
    Ok(HttpResponse::Ok().json(map.clusters_geojson(&live.index, bbox, zoom)))
}

/// The cluster id of a path, and the map of the request's filters (which may also take the
/// parameters `also`).
async fn cluster_map(
    state: &AppState,
    live: &Live,
    id: &str,
    query: &Query,
    also: &[&str],
) -> Result<(u64, Arc<PlaceMap>), ApiError> {
    let id = parse("cluster id", id)?;
    let map = map_of(live, filter_of(query, also, &state.limits)?).await?;
    Ok((id, map))
}

async fn cluster_children(
    state: web::Data<AppState>,
    live: Live,
    id: web::Path<String>,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let (id, map) = cluster_map(&state, &live, &id, &query, &[]).await?;
    Ok(HttpResponse::Ok().json(map.children_geojson(&live.index, id)?))
}

async fn cluster_leaves(
    state: web::Data<AppState>,
    live: Live,
    id: web::Path<String>,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let limit: usize = number_param(&query, "limit", Some(10))?;
    let offset: usize = number_param(&query, "offset", Some(0))?;
    if limit > MAX_LEAVES {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("limit {limit} is above the maximum of {MAX_LEAVES}"),
        ));
    }
    let (id, map) = cluster_map(&state, &live, &id, &query, &["limit", "offset"]).await?;
    Ok(HttpResponse::Ok().json(map.leaves_geojson(&live.index, id, limit, offset)?))
}

async fn cluster_expansion_zoom(
    state: web::Data<AppState>,
    live: Live,
    id: web::Path<String>,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let (id, map) = cluster_map(&state, &live, &id, &query, &[]).await?;
    let zoom = map.expansion_zoom(id)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "cluster_id": id, "expansion_zoom": zoom })))
}

pub async fn not_found(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        ErrorCode::NotFound,
        format!("no route for {} {}", request.method(), request.path()),
    ))
}

/// A 405 for `request`, whose route takes the methods `allow` (the `Allow` header RFC 9110
/// requires).
pub fn method_not_allowed(
    request: &HttpRequest,
    allow: &'static str,
) -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!(
            "{} is not allowed on {}; use {allow}",
            request.method(),
            request.path()
        ),
    )
    .with_header(header::ALLOW, allow))
}
