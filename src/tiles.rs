//! The map routes: vector tiles, TileJSON and GeoJSON clusters.
//!
//! A tile or a cluster comes from the filter's map, which the live index builds the first time
//! a filter is asked for (seconds at a million places) and caches: such a request runs on
//! actix's blocking pool, so that no other connection of the worker waits for it. Once the map
//! is built, tiles are encoded on the worker itself (well under a millisecond), and cached.
//!
//! Every map route takes the opening filter of `/search` (`open_now`, `open_at`,
//! `include_unknown`). The live index names an `open_now` map after the span of time over which
//! no place opens or closes ([`lieux_index::serve::map`]), so its tiles' `ETag` changes when a
//! place's state does, and their `max-age` never outlives the span.
//!
//! The routes that draw clusters (tiles, TileJSON, `/clusters` and a cluster's children) also
//! take what their features carry ([`MapContent`]): `cluster_counts=VOCABULARY`, each cluster
//! then carrying the number of its places with each value of that vocabulary, for pie and
//! donut clusters ([`lieux_index::serve::map::ClusterCounts`]); and `fields=`, the place
//! properties a light map needs (`id` always), which TileJSON follows.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use lieux_index::filter::PlaceFilter;
use lieux_index::search::facets::Facet;
use lieux_index::search::schedules::TIME_ZONE;
use lieux_index::serve::geojson::collection_schema;
use lieux_index::serve::map::{MapContent, MapFeature, PlaceFields};
use lieux_index::serve::map::{MapFilter, OpenTime};
use lieux_index::serve::tiles::{Compression, MAX_TILE_ZOOM};
use lieux_index::serve::LiveIndex;
use lieux_tiles::{LngLatBbox, TileCoord, TileJson};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;

use crate::answers::{binary, Answer, Content, Description, PathParameter};
use crate::http_error::{ApiError, ErrorCode};
use crate::limits::Limits;
use crate::params::{
    at_most, filter_of, opening, parse, parse_bbox, Filters, Group, Kind, Maximum, Opening,
    Parameter, Params, Posted, Query, RouteParams, BBOX, INCLUDE_UNKNOWN, OPENING, OPEN_AT,
    OPEN_NOW,
};
use crate::search::GEOJSON;
use crate::state::{AppState, Live};

/// `GET /tiles.json`.
pub const TILEJSON: Description = Description::new(
    "TileJSON 3.0.0 of the vector tiles, keeping the filters",
    &[Answer::ok(
        "The TileJSON, its tile URL carrying the request's filters.",
        &[Content::json::<TileJson>()],
    )],
);

/// `GET /tiles/{z}/{x}/{y}.mvt`.
pub const TILE: Description = Description {
    path: &[
        PathParameter {
            name: "z",
            description: "The zoom.",
            schema: zoom_schema,
        },
        PathParameter {
            name: "x",
            description: "The column: below 2^z at zoom z (a tile outside the grid is not found).",
            schema: tile_index_schema,
        },
        PathParameter {
            name: "y",
            description: "The row: below 2^z at zoom z (a tile outside the grid is not found). The tile also answers as `.pbf`.",
            schema: tile_index_schema,
        },
    ],
    errors: &[(
        ErrorCode::NotFound,
        "No tile of the grid: the last segment does not end in `.mvt` or `.pbf`, or the zoom, column or row is out of it.",
    )],
    ..Description::new(
        "A Mapbox Vector Tile (layer `places`: clusters and places), filtered",
        &[
            Answer {
                status: 200,
                description: "The tile; gzip-compressed (`Content-Encoding: gzip`) when `Accept-Encoding` allows it.",
                content: &[Content {
                    media: "application/vnd.mapbox-vector-tile",
                    schema: binary,
                }],
                headers: TILE_HEADERS,
            },
            Answer {
                status: 204,
                description: "The tile is empty.",
                content: &[],
                headers: TILE_HEADERS,
            },
            Answer {
                status: 304,
                description: "Not modified: `If-None-Match` names the tile's `ETag`.",
                content: &[],
                headers: TILE_HEADERS,
            },
        ],
    )
};

/// The headers of every tile answer.
const TILE_HEADERS: &[(&str, &str)] = &[
    (
        "ETag",
        "Names the index, the filter, the tile and its compression.",
    ),
    (
        "Cache-Control",
        "As `--tile-cache-control` says; with `open_now`, its `max-age` ends when some place next opens or closes.",
    ),
];

/// The path parameters of a cluster's routes.
const CLUSTER_PATH: &[PathParameter] = &[PathParameter {
    name: "cluster_id",
    description: "A cluster's id, as `/clusters` and the tiles give it.",
    schema: cluster_id_schema,
}];

/// The errors of a cluster's routes.
const CLUSTER_ERRORS: &[(ErrorCode, &str)] = &[(
    ErrorCode::NotFound,
    "No cluster of the filters' map has this id.",
)];

/// `GET /clusters`.
pub const CLUSTERS: Description = Description::new(
    "Clusters and places in a bbox at a zoom, as GeoJSON",
    &[Answer::ok(
        "The clusters and places, as the tile of the zoom would show them.",
        &[Content {
            media: GEOJSON,
            schema: map_features,
        }],
    )],
);

/// `POST /clusters`.
pub const CLUSTERS_POSTED: Description = Description {
    description: "`GET /clusters` with its parameters in a JSON body (`application/json`), for a `polygon` longer than a query string may be: each member as the query string's parameter of its name, a filter's values as an array of strings, `polygon` as a GeoJSON object, numbers and booleans as JSON ones.",
    errors: &[
        crate::search::POSTED_TOO_LARGE,
        crate::search::POSTED_NOT_JSON,
    ],
    ..CLUSTERS
};

/// `GET /clusters/{cluster_id}/children`.
pub const CHILDREN: Description = Description {
    path: CLUSTER_PATH,
    errors: CLUSTER_ERRORS,
    ..Description::new(
        "A cluster's children one zoom deeper",
        &[Answer::ok(
            "The clusters and places it splits into.",
            &[Content {
                media: GEOJSON,
                schema: map_features,
            }],
        )],
    )
};

/// `GET /clusters/{cluster_id}/leaves`.
pub const LEAVES: Description = Description {
    path: CLUSTER_PATH,
    errors: CLUSTER_ERRORS,
    ..Description::new(
        "A cluster's places",
        &[Answer::ok(
            "A page of its places.",
            &[Content {
                media: GEOJSON,
                schema: map_features,
            }],
        )],
    )
};

/// `GET /clusters/{cluster_id}/expansion-zoom`.
pub const EXPANSION_ZOOM: Description = Description {
    path: CLUSTER_PATH,
    errors: CLUSTER_ERRORS,
    ..Description::new(
        "The zoom at which a cluster splits",
        &[Answer::ok(
            "The zoom to show its children at.",
            &[Content::json::<ExpansionZoom>()],
        )],
    )
};

fn zoom_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "minimum": 0, "maximum": MAX_TILE_ZOOM })
}

fn tile_index_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "minimum": 0, "maximum": (1_u64 << MAX_TILE_ZOOM) - 1 })
}

/// As [`cluster_id`] reads it.
fn cluster_id_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "minimum": 0, "maximum": u64::MAX })
}

/// What the cluster routes write.
fn map_features(generator: &mut SchemaGenerator) -> Schema {
    collection_schema(generator.subschema_for::<MapFeature>(), &[])
}

/// The answer of `/clusters/{cluster_id}/expansion-zoom`.
#[derive(Serialize, JsonSchema)]
struct ExpansionZoom {
    /// The cluster.
    cluster_id: u64,
    /// The zoom at which it splits into its children.
    expansion_zoom: u8,
}

/// The most leaves one `/clusters/{id}/leaves` answer holds.
pub const MAX_LEAVES: usize = 1000;

/// The filters of a map request, its opening filter, and how its places cluster.
pub struct MapParams {
    filter: PlaceFilter,
    opening: Option<Opening>,
    cluster_by: Option<Facet>,
}

/// `cluster_by` of every map route: it makes another map, whose cluster ids are its own.
const CLUSTER_BY: Parameter = Parameter {
    name: "cluster_by",
    description: "A vocabulary: places cluster only with places that share its value, so that no cluster mixes values. A place with several values clusters with those of its first (in the standard's order) and counts once; places with none cluster together. Every route of the same map (a cluster's children, places and expansion zoom) takes it too, as its cluster ids are that map's.",
    kind: Kind::Choice {
        values: &Facet::VOCABULARY_NAMES,
    },
};

/// The opening parameters of the map routes, as `/search` takes them, and `cluster_by`.
const MAP_OPENING: [Parameter; 4] = [OPEN_AT, OPEN_NOW, INCLUDE_UNKNOWN, CLUSTER_BY];

impl MapParams {
    fn read_from(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        Ok(Self {
            filter: filter_of(query, limits)?,
            opening: opening(query)?,
            cluster_by: CLUSTER_BY.choice(query)?.and_then(Facet::vocabulary_named),
        })
    }

    /// The map filter on `live`: an `open_now` names the present's span of its schedules.
    fn on(self, live: &LiveIndex) -> MapFilter {
        let time = self
            .opening
            .map(|opening| opening.at.map_or(OpenTime::Now, OpenTime::At));
        let include_unknown = self.opening.is_some_and(|opening| opening.include_unknown);
        live.map_filter(self.filter, time, include_unknown)
            .clustered_by(self.cluster_by)
    }
}

impl RouteParams for MapParams {
    const PARAMETERS: &'static [Parameter] = &MAP_OPENING;
    const GROUPS: &'static [Group] = &[OPENING];
    const FILTERS: Filters = Filters::All;

    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        Self::read_from(query, limits)
    }
}

/// `cluster_counts` of the routes that draw clusters.
const CLUSTER_COUNTS: Parameter = Parameter {
    name: "cluster_counts",
    description: "A vocabulary whose values clusters count, to draw them as pies or donuts: each cluster then has `VOCABULARY:VALUE`, the number of its places (among those the filters keep) with that value, for each value at least one of them has (for example `services:Aide aux démarches administratives`). A place with several values counts in each. TileJSON lists the properties.",
    kind: Kind::Choice {
        values: &Facet::VOCABULARY_NAMES,
    },
};

/// `fields` of the routes that draw clusters.
const FIELDS: Parameter = Parameter {
    name: "fields",
    description: "The properties places carry, comma-separated (`nom,services`), for lighter tiles: `id` always, and only `id` when empty. Any of `id`, `nom`, `commune`, `code_postal`, `services`, `typologie`, `dispositif_programmes_nationaux`, `frais_a_charge`, `horaires`; all of them when absent. TileJSON lists those asked. Clusters keep their properties.",
    kind: Kind::Pattern {
        pattern: "^((id|nom|commune|code_postal|services|typologie|dispositif_programmes_nationaux|frais_a_charge|horaires)(,(id|nom|commune|code_postal|services|typologie|dispositif_programmes_nationaux|frais_a_charge|horaires))*)?$",
    },
};

/// What `cluster_counts` and `fields` ask the features to carry.
fn map_content(query: &Query) -> Result<MapContent, ApiError> {
    let counts = CLUSTER_COUNTS
        .choice(query)?
        .and_then(Facet::vocabulary_named);
    let fields = FIELDS
        .text(query)?
        .map(|list| {
            PlaceFields::parse(list).map_err(|message| {
                ApiError::new(ErrorCode::InvalidParameter, format!("fields: {message}"))
            })
        })
        .transpose()?;
    Ok(MapContent { counts, fields })
}

/// The parameters of the routes that draw clusters: the map's, and what its features carry.
pub struct DrawnParams {
    map: MapParams,
    content: MapContent,
}

/// The parameters of the routes that draw clusters.
const DRAWN: [Parameter; 6] = [
    OPEN_AT,
    OPEN_NOW,
    INCLUDE_UNKNOWN,
    CLUSTER_BY,
    CLUSTER_COUNTS,
    FIELDS,
];

impl RouteParams for DrawnParams {
    const PARAMETERS: &'static [Parameter] = &DRAWN;
    const GROUPS: &'static [Group] = &[OPENING];
    const FILTERS: Filters = Filters::All;

    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        Ok(Self {
            map: MapParams::read_from(query, limits)?,
            content: map_content(query)?,
        })
    }
}

/// The map of a tile URL's query string and what its features carry, as the tile routes read
/// them (the filters, `open_at`, `cluster_by`, `cluster_counts`, `fields`): what
/// `lieux export --pmtiles --filter` writes the tiles of. `open_now` is refused, as an archive
/// is made once and read long after.
///
/// # Errors
/// What a tile route refuses, and `open_now`.
pub fn drawn_map_of(query: &str, live: &LiveIndex) -> Result<(MapFilter, MapContent), ApiError> {
    let asked: DrawnParams = crate::params::params_of(query, &Limits::default())?;
    if asked
        .map
        .opening
        .is_some_and(|opening| opening.at.is_none())
    {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            "open_now: an archive is made once; name a time with open_at",
        ));
    }
    Ok((asked.map.on(live), asked.content))
}

/// `Cache-Control` for an answer that holds until `fresh_until` (local time), when it is
/// given: `configured`, its `max-age` and `s-maxage` cut to the seconds left (and one added
/// if it has none).
fn cache_control_until(
    configured: &header::HeaderValue,
    fresh_until: Option<chrono::NaiveDateTime>,
) -> header::HeaderValue {
    use chrono::TimeZone as _;
    let Some(until) = fresh_until else {
        return configured.clone();
    };
    let left = TIME_ZONE
        .from_local_datetime(&until)
        .earliest()
        .map_or(0, |until| {
            (until.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds()
        });
    with_max_age_at_most(configured, u64::try_from(left).unwrap_or(0))
}

/// `configured`, its `max-age` and `s-maxage` cut to `left` seconds (and a `max-age` added if it
/// has none).
fn with_max_age_at_most(configured: &header::HeaderValue, left: u64) -> header::HeaderValue {
    let mut has_max_age = false;
    let mut directives: Vec<String> = configured
        .to_str()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|directive| match directive.split_once('=') {
            Some((name, value))
                if name.eq_ignore_ascii_case("max-age")
                    || name.eq_ignore_ascii_case("s-maxage") =>
            {
                has_max_age = true;
                let seconds = value.trim().parse::<u64>().map_or(left, |v| v.min(left));
                format!("{name}={seconds}")
            }
            _ => directive.to_owned(),
        })
        .collect();
    if !has_max_age {
        directives.push(format!("max-age={left}"));
    }
    header::HeaderValue::from_str(&directives.join(", ")).unwrap_or_else(|_| configured.clone())
}

/// `/tiles/{z}/{x}/{y}.mvt` (or `.pbf`): the tile of a path.
fn tile_of(request: &HttpRequest) -> Result<TileCoord, ApiError> {
    // Read in place: the numbers need no percent-decoding into new strings.
    let segment = |name| request.match_info().get(name).unwrap_or("");
    let (z, x, tile) = (segment("z"), segment("x"), segment("tile"));
    let y = tile
        .strip_suffix(".mvt")
        .or_else(|| tile.strip_suffix(".pbf"))
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "tiles end in .mvt or .pbf"))?;
    // A path that names no tile of the grid (a zoom above the deepest, a column or row outside
    // the zoom's, no number) is not found, as a tile server says.
    let not_found = |error: ApiError| ApiError::new(ErrorCode::NotFound, error.message);
    let z: u8 = parse("zoom", z)
        .and_then(|z| at_most("zoom", z, MAX_TILE_ZOOM))
        .map_err(not_found)?;
    let (x, y) = (
        parse("x", x).map_err(not_found)?,
        parse("y", y).map_err(not_found)?,
    );
    TileCoord::new(z, x, y).map_err(|e| ApiError::new(ErrorCode::NotFound, e.to_string()))
}

/// Runs `answer` on the live index on actix's blocking pool.
async fn blocking<T: Send + 'static>(
    live: &Live,
    answer: impl FnOnce(&LiveIndex) -> lieux_index::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let live = Arc::clone(&live.0);
    web::block(move || answer(&live))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
        .map_err(ApiError::from)
}

/// `GET /tiles/{z}/{x}/{y}.mvt` (or `.pbf`), with the filters.
///
/// The tile comes gzipped when the client accepts gzip, as every browser does: compressed once
/// and cached. An empty tile is a 204 with no body. Each answer has an `ETag` (the index, the
/// filter, the tile and the compression, since the bytes differ) that `If-None-Match`
/// revalidates with a 304.
pub async fn tile(
    state: web::Data<AppState>,
    live: Live,
    Params(asked): Params<DrawnParams>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let coord = tile_of(&request)?;
    let content = asked.content;
    let filter = asked.map.on(&live);
    let cache_control = cache_control_until(&state.tile_cache_control, filter.fresh_until());
    let compression = if accepts_gzip(&request) {
        Compression::Gzip
    } else {
        Compression::None
    };
    let etag = tile_etag(&live, &filter, &content, coord, compression);
    let bytes = if request
        .headers()
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tag| tag.as_bytes() == etag.as_bytes())
    {
        None
    } else if live.has_map(&filter) && content.counts.is_none() {
        Some(live.tile(&filter, coord, compression, &content)?)
    } else {
        // The map, or its counts, may have to be made: seconds at a million places.
        Some(
            blocking(&live, move |live| {
                live.tile(&filter, coord, compression, &content)
            })
            .await?,
        )
    };
    Ok(tile_response(bytes, compression, etag, &cache_control))
}

/// The answer of a tile: 304 when the client holds it (`None`), 204 when it is empty, the
/// tile otherwise; with its `ETag`, `Cache-Control` and `Vary`.
fn tile_response(
    bytes: Option<Arc<[u8]>>,
    compression: Compression,
    etag: String,
    cache_control: &header::HeaderValue,
) -> HttpResponse {
    let mut response = match &bytes {
        None => HttpResponse::NotModified(),
        Some(bytes) if bytes.is_empty() => HttpResponse::NoContent(),
        Some(_) => HttpResponse::Ok(),
    };
    if bytes.as_ref().is_some_and(|bytes| !bytes.is_empty()) {
        response.content_type("application/vnd.mapbox-vector-tile");
        if compression == Compression::Gzip {
            response.insert_header((header::CONTENT_ENCODING, "gzip"));
        }
    }
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control.clone()))
        .insert_header((header::VARY, "Accept-Encoding"));
    match bytes {
        Some(bytes) if !bytes.is_empty() => response.body(web::Bytes::from_owner(bytes)),
        _ => response.finish(),
    }
}

/// The `ETag` of a tile: the index, the filter, the counts and tile, and the compression, as
/// `"0123456789abcdef-0123456789abcdef-gz"`.
fn tile_etag(
    live: &LiveIndex,
    filter: &MapFilter,
    content: &MapContent,
    coord: TileCoord,
    compression: Compression,
) -> String {
    let tile_hash = blake3::Hasher::new()
        .update(filter.key().as_bytes())
        .update(content.counts.map_or("", Facet::name).as_bytes())
        .update(
            content
                .fields
                .map_or("*".to_owned(), fields_text)
                .as_bytes(),
        )
        .update(&[coord.z()])
        .update(&coord.x().to_le_bytes())
        .update(&coord.y().to_le_bytes())
        .finalize()
        .to_hex();
    let mut etag = String::with_capacity(40);
    etag.push('"');
    etag.push_str(live.hash().get(..16).unwrap_or(""));
    etag.push('-');
    etag.push_str(&tile_hash[..16]);
    if compression == Compression::Gzip {
        etag.push_str("-gz");
    }
    etag.push('"');
    etag
}

/// `fields` as a canonical list (`id,nom`), for the `ETag`.
fn fields_text(fields: PlaceFields) -> String {
    fields.names().collect::<Vec<_>>().join(",")
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
pub async fn tilejson(
    state: web::Data<AppState>,
    live: Live,
    Params(asked): Params<DrawnParams>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let content = asked.content;
    let filter = asked.map.on(&live);
    let base = state.base_url(&request)?;
    let query_string = request.query_string();
    let suffix = if query_string.is_empty() {
        String::new()
    } else {
        format!("?{query_string}")
    };
    let tiles = format!(
        "{}/tiles/{{z}}/{{x}}/{{y}}.mvt{suffix}",
        base.trim_end_matches('/')
    );
    let attribution = state.attribution.as_deref();
    Ok(HttpResponse::Ok().json(live.tilejson(tiles, &filter, attribution, &content)))
}

/// The parameters of `/clusters`: the filters, a bbox and a zoom.
pub struct ClustersParams {
    map: MapParams,
    content: MapContent,
    bbox: LngLatBbox,
    zoom: u8,
}

/// `zoom` of `/clusters`.
const ZOOM: Parameter = Parameter {
    name: "zoom",
    description: "The zoom (0 to 22).",
    kind: Kind::Integer {
        minimum: 0,
        maximum: Maximum::Fixed(MAX_TILE_ZOOM as u64),
        default: None,
    },
};

/// The parameters of `/clusters`: a bbox and a zoom, and those of the routes that draw
/// clusters.
const CLUSTERS_PARAMETERS: [Parameter; DRAWN.len() + 2] = {
    let mut parameters = [BBOX; DRAWN.len() + 2];
    parameters[1] = ZOOM;
    let mut i = 0;
    while i < DRAWN.len() {
        parameters[i + 2] = DRAWN[i];
        i += 1;
    }
    parameters
};

impl RouteParams for ClustersParams {
    const PARAMETERS: &'static [Parameter] = &CLUSTERS_PARAMETERS;
    const GROUPS: &'static [Group] = &[OPENING];
    const FILTERS: Filters = Filters::All;

    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        let bbox = match BBOX.text(query)? {
            Some(text) => parse_bbox(text)?,
            None => LngLatBbox::WORLD,
        };
        limits.check_bbox(&bbox)?;
        let DrawnParams { map, content } = DrawnParams::read(query, limits)?;
        Ok(Self {
            map,
            content,
            bbox,
            zoom: u8::try_from(ZOOM.integer(query, limits)?).unwrap_or(MAX_TILE_ZOOM),
        })
    }
}

/// `GET /clusters?bbox=W,S,E,N&zoom=Z`, with the filters: a GeoJSON FeatureCollection.
pub async fn clusters(
    live: Live,
    Params(asked): Params<ClustersParams>,
) -> Result<HttpResponse, ApiError> {
    let ClustersParams {
        map,
        content,
        bbox,
        zoom,
    } = asked;
    let filter = map.on(&live);
    let fresh_until = filter.fresh_until();
    let clusters = blocking(&live, move |live| {
        live.clusters(&filter, bbox, zoom, &content)
    })
    .await?;
    let mut response = HttpResponse::Ok();
    if fresh_until.is_some() {
        let no_cache = header::HeaderValue::from_static("no-cache");
        response.insert_header((
            header::CACHE_CONTROL,
            cache_control_until(&no_cache, fresh_until),
        ));
    }
    Ok(response.content_type(GEOJSON).json(clusters))
}

/// `POST /clusters`: `GET /clusters` with its parameters in a JSON body.
pub async fn clusters_posted(
    live: Live,
    Posted(asked): Posted<ClustersParams>,
) -> Result<HttpResponse, ApiError> {
    clusters(live, Params(asked)).await
}

/// The cluster id of a `/clusters/{id}/…` path.
fn cluster_id(id: &str) -> Result<u64, ApiError> {
    parse("cluster id", id)
}

/// `GET /clusters/{id}/children`, with the filters of the map the cluster belongs to.
pub async fn cluster_children(
    live: Live,
    id: web::Path<String>,
    Params(asked): Params<DrawnParams>,
) -> Result<HttpResponse, ApiError> {
    let id = cluster_id(&id)?;
    let content = asked.content;
    let filter = asked.map.on(&live);
    let children = blocking(&live, move |live| {
        live.cluster_children(&filter, id, &content)
    })
    .await?;
    Ok(HttpResponse::Ok().content_type(GEOJSON).json(children))
}

/// The parameters of `/clusters/{id}/leaves`: the filters, and a page of leaves.
pub struct LeavesParams {
    map: MapParams,
    limit: usize,
    offset: usize,
}

impl RouteParams for LeavesParams {
    const PARAMETERS: &'static [Parameter] = &[
        Parameter {
            name: "limit",
            description: "How many places (default 10, at most 1,000).",
            kind: Kind::Integer {
                minimum: 0,
                maximum: Maximum::Fixed(MAX_LEAVES as u64),
                default: Some(10),
            },
        },
        Parameter {
            name: "offset",
            description: "How many places to skip.",
            kind: Kind::Integer {
                minimum: 0,
                // No cluster holds more places than an index.
                maximum: Maximum::Fixed(u32::MAX as u64),
                default: Some(0),
            },
        },
        OPEN_AT,
        OPEN_NOW,
        INCLUDE_UNKNOWN,
        CLUSTER_BY,
    ];
    const GROUPS: &'static [Group] = &[OPENING];
    const FILTERS: Filters = Filters::All;

    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        let [limit, offset, ..] = Self::PARAMETERS else {
            unreachable!("a limit and an offset")
        };
        Ok(Self {
            limit: limit.count(query, limits)?,
            offset: offset.count(query, limits)?,
            map: MapParams::read_from(query, limits)?,
        })
    }
}

/// `GET /clusters/{id}/leaves?limit=&offset=`, with the filters of the cluster's map.
pub async fn cluster_leaves(
    live: Live,
    id: web::Path<String>,
    Params(asked): Params<LeavesParams>,
) -> Result<HttpResponse, ApiError> {
    let id = cluster_id(&id)?;
    let LeavesParams { map, limit, offset } = asked;
    let filter = map.on(&live);
    let leaves = blocking(&live, move |live| {
        live.cluster_leaves(&filter, id, limit, offset)
    })
    .await?;
    Ok(HttpResponse::Ok().content_type(GEOJSON).json(leaves))
}

/// `GET /clusters/{id}/expansion-zoom`, with the filters of the cluster's map.
pub async fn cluster_expansion_zoom(
    live: Live,
    id: web::Path<String>,
    Params(asked): Params<MapParams>,
) -> Result<HttpResponse, ApiError> {
    let id = cluster_id(&id)?;
    let filter = asked.on(&live);
    let zoom = blocking(&live, move |live| live.cluster_expansion_zoom(&filter, id)).await?;
    Ok(HttpResponse::Ok().json(ExpansionZoom {
        cluster_id: id,
        expansion_zoom: zoom,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_that_holds_for_a_while_is_cached_no_longer() {
        let cut = |configured: &'static str, left: u64| {
            let configured = header::HeaderValue::from_static(configured);
            with_max_age_at_most(&configured, left)
                .to_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(cut("public, max-age=300", 90), "public, max-age=90");
        assert_eq!(cut("public, max-age=30", 90), "public, max-age=30");
        assert_eq!(
            cut("max-age=30, s-maxage=3600", 90),
            "max-age=30, s-maxage=90"
        );
        assert_eq!(cut("no-cache", 90), "no-cache, max-age=90");
        assert_eq!(cut("public, max-age=300", 0), "public, max-age=0");
        // An answer that does not depend on the clock keeps what the operator set.
        let configured = header::HeaderValue::from_static("public, max-age=300");
        assert_eq!(cache_control_until(&configured, None), configured);
    }

    #[test]
    fn fields_declares_every_place_property_and_nothing_else() {
        let Kind::Pattern { pattern } = FIELDS.kind else {
            panic!("fields is a pattern")
        };
        let names = lieux_index::serve::map::PLACE_PROPERTIES.join("|");
        assert_eq!(pattern, format!("^(({names})(,({names}))*)?$"));
        for name in lieux_index::serve::map::PLACE_PROPERTIES {
            assert!(FIELDS.description.contains(&format!("`{name}`")), "{name}");
        }
    }
}
