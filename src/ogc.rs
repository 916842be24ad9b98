//! `/ogc/…`: the places as OGC API – Features (Part 1, Core, GeoJSON and HTML; Part 3, filtering
//! with CQL2 text), so that QGIS, GDAL and the IGN's tools "add a layer" from the living data
//! set with no export step.
//!
//! One collection, `lieux`: the places the live index serves, accepted contributions included.
//! Its items take `/search`'s filters (each schema field a query parameter, with the same
//! values), `q`, `bbox`, `limit`, and a CQL2 `filter` ([`lieux_index::search::cql2`]). Pages
//! follow the places' ids with a cursor, not an offset, so that a client paging through the
//! collection while it changes sees each place once ([`lieux_index::serve::features`]); the
//! `next` and `prev` links carry it.
//!
//! Every resource answers JSON or HTML: `f=json|html`, else the `Accept` header. Links are
//! absolute (`--public-url`, else the request's host): GDAL resolves a link starting with `/`
//! against the landing page, not the host. `/ogc/api` is the OpenAPI document of these routes
//! alone, with `/ogc` as its server: GDAL looks up the items' parameters (the queryables, and
//! `filter-lang`, whose value `cql-text` tells GDAL 3.6 to send a `-where` to the server) under
//! `/collections/lieux/items`, relative to the landing page.

use std::fmt::Write as _;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use lieux_index::search::cql2::{Cql2Filter, Queryable};
use lieux_index::serve::features::{Cursor, FeaturesPage, FeaturesQuery};
use lieux_index::serve::geojson::PlaceFeature;
use lieux_index::serve::LiveIndex;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use crate::answers::{text, Answer, Content, Description, PathParameter};
use crate::http_error::{ApiError, ErrorCode};
use crate::limits::Limits;
use crate::params::{
    filter_of, invalid, parse_bbox, Filters, Kind, Parameter, Params, Query, RouteParams,
};
use crate::receipts::{escape, percent_encode};
use crate::search::GEOJSON;
use crate::state::{AppState, Live};

/// The collection's id.
pub const COLLECTION_ID: &str = "lieux";
/// The coordinate reference system of every geometry: WGS 84 longitude, latitude.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// The content type of `/ogc/api` ([`crate::about::ogc_api`]): JSON, an OpenAPI 3.1 document
/// (the media type OGC API – Features names is for 3.0, and GDAL takes JSON).
const OPENAPI_TYPE: &str = "application/json";
/// The content type of a JSON Schema.
const SCHEMA_TYPE: &str = "application/schema+json";

/// The conformance classes claimed, each tested by `tests/ogc.rs`.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/array-functions",
];

fn any_json(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "object" })
}

fn links_schema() -> Value {
    json!({
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "href": { "type": "string" },
                "rel": { "type": "string" },
                "type": { "type": "string" },
                "title": { "type": "string" },
            },
            "required": ["href", "rel"],
        },
    })
}

fn landing_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "properties": {
            "title": { "type": "string" },
            "description": { "type": "string" },
            "links": links_schema(),
        },
        "required": ["links"],
    })
}

fn conformance_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "properties": {
            "conformsTo": { "type": "array", "items": { "type": "string", "enum": CONFORMANCE } },
        },
        "required": ["conformsTo"],
    })
}

fn collection_value_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "id": { "const": COLLECTION_ID },
            "title": { "type": "string" },
            "description": { "type": "string" },
            "itemType": { "const": "feature" },
            "crs": { "type": "array", "items": { "type": "string" } },
            "storageCrs": { "type": "string" },
            "extent": { "type": "object" },
            "links": links_schema(),
        },
        "required": ["id", "links"],
    })
}

fn collection_schema(_: &mut SchemaGenerator) -> Schema {
    Schema::try_from(collection_value_schema()).unwrap_or_default()
}

fn collections_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "properties": {
            "links": links_schema(),
            "collections": { "type": "array", "items": collection_value_schema() },
        },
        "required": ["links", "collections"],
    })
}

fn items_schema(generator: &mut SchemaGenerator) -> Schema {
    let feature = generator.subschema_for::<PlaceFeature<'static>>();
    let count = json!({ "type": "integer", "minimum": 0 });
    json_schema!({
        "type": "object",
        "properties": {
            "type": { "const": "FeatureCollection" },
            "features": { "type": "array", "items": feature },
            "numberMatched": count,
            "numberReturned": count,
            "timeStamp": { "type": "string", "format": "date-time" },
            "links": links_schema(),
        },
        "required": ["type", "features", "numberMatched", "numberReturned", "links"],
    })
}

fn item_schema(generator: &mut SchemaGenerator) -> Schema {
    let mut feature = PlaceFeature::json_schema(generator);
    if let Some(properties) = feature.get_mut("properties").and_then(Value::as_object_mut) {
        properties.insert("links".to_owned(), links_schema());
    }
    feature
}

const HTML: Content = Content::html();

/// `GET /ogc`.
pub const LANDING: Description = Description::new(
    "OGC API – Features: the landing page",
    &[Answer::ok(
        "Links to the API's definition, its conformance classes and its collection.",
        &[
            Content {
                media: "application/json",
                schema: landing_schema,
            },
            HTML,
        ],
    )],
);

/// `GET /ogc/conformance`.
pub const CONFORMANCE_PAGE: Description = Description::new(
    "OGC API – Features: the conformance classes this server implements",
    &[Answer::ok(
        "The classes.",
        &[
            Content {
                media: "application/json",
                schema: conformance_schema,
            },
            HTML,
        ],
    )],
);

/// `GET /ogc/collections`.
pub const COLLECTIONS: Description = Description::new(
    "OGC API – Features: the collections (one, `lieux`)",
    &[Answer::ok(
        "The collections.",
        &[
            Content {
                media: "application/json",
                schema: collections_schema,
            },
            HTML,
        ],
    )],
);

/// `GET /ogc/collections/lieux`.
pub const COLLECTION: Description = Description::new(
    "OGC API – Features: the collection of places, with its extent from the data",
    &[Answer::ok(
        "The collection.",
        &[
            Content {
                media: "application/json",
                schema: collection_schema,
            },
            HTML,
        ],
    )],
);

/// `GET /ogc/collections/lieux/items`.
pub const ITEMS: Description = Description {
    description: "The places the filters keep, in the order of their ids, `limit` a page. Follow the `next` link (its `cursor`) to the following page: a client that does sees each place once, even while the data changes. Each schema field is a query parameter with `/search`'s values, `q` searches text, `filter` takes CQL2 text.",
    ..Description::new(
        "OGC API – Features: the places, a page at a time",
        &[Answer::ok(
            "A page of places, as a GeoJSON FeatureCollection with `numberMatched`, `numberReturned` and links.",
            &[
                Content {
                    media: GEOJSON,
                    schema: items_schema,
                },
                HTML,
            ],
        )],
    )
};

/// `GET /ogc/collections/lieux/items/{featureId}`.
pub const ITEM: Description = Description {
    path: &[PathParameter {
        name: "featureId",
        description: "The place's id.",
        schema: text,
    }],
    errors: &[(ErrorCode::NotFound, "No place has this id.")],
    ..Description::new(
        "OGC API – Features: one place",
        &[Answer::ok(
            "The place, as a GeoJSON Feature with links.",
            &[
                Content {
                    media: GEOJSON,
                    schema: item_schema,
                },
                HTML,
            ],
        )],
    )
};

/// `GET /ogc/collections/lieux/queryables`.
pub const QUERYABLES: Description = Description::new(
    "OGC API – Features: the properties a filter may name, as a JSON Schema",
    &[Answer::ok(
        "The queryables.",
        &[
            Content {
                media: SCHEMA_TYPE,
                schema: any_json,
            },
            HTML,
        ],
    )],
);

/// `GET /ogc/collections/lieux/schema`.
pub const SCHEMA: Description = Description::new(
    "OGC API – Features: the schema of the collection's features (its `describedby`)",
    &[Answer::ok(
        "The JSON Schema of a feature.",
        &[Content {
            media: SCHEMA_TYPE,
            schema: any_json,
        }],
    )],
);

/// The answer's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Html,
}

/// `f`, as every `/ogc` resource takes it.
const F: Parameter = Parameter {
    name: "f",
    description: "`json` or `html`; without it, the `Accept` header decides: HTML when it names `text/html` and no JSON, else JSON.",
    kind: Kind::OneOf {
        values: &["json", "html"],
        default: "json",
    },
};

/// The format `f` asks for, if it does.
fn format_of(query: &Query) -> Result<Option<Format>, ApiError> {
    Ok(match crate::params::param(query, F.name)? {
        None => None,
        Some("json") => Some(Format::Json),
        Some("html") => Some(Format::Html),
        Some(other) => return Err(invalid(format!("f: {other:?} is not json or html"))),
    })
}

/// The format asked for: `f`, else HTML when `Accept` names HTML and no JSON.
fn negotiated(asked: Option<Format>, request: &HttpRequest) -> Format {
    asked.unwrap_or_else(|| {
        let accept = request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if accept.contains("text/html") && !accept.contains("json") {
            Format::Html
        } else {
            Format::Json
        }
    })
}

/// The parameters of the `/ogc` resources but the items: `f`.
pub struct FormatParams {
    format: Option<Format>,
}

impl RouteParams for FormatParams {
    const PARAMETERS: &'static [Parameter] = &[F];

    fn read(query: &Query, _: &Limits) -> Result<Self, ApiError> {
        Ok(Self {
            format: format_of(query)?,
        })
    }
}

/// The parameters of the items.
pub struct ItemsParams {
    format: Option<Format>,
    query: FeaturesQuery,
    /// The query string's pairs but `cursor` and `f`, for the links.
    kept: Vec<(String, String)>,
}

mod declared {
    use crate::params::{Kind, Maximum, Parameter};

    #[allow(clippy::cast_precision_loss)]
    pub const LIMIT: Parameter = Parameter {
        name: "limit",
        description: "Places per page (default 10, at most `--max-limit`).",
        kind: Kind::Integer {
            minimum: 1,
            maximum: Maximum::Limit(|limits| limits.max_limit as f64),
            default: Some(10),
        },
    };
    pub const BBOX: Parameter = Parameter {
        name: "bbox",
        description: "Only places in this rectangle `W,S,E,N` (CRS84 degrees; W > E crosses the antimeridian).",
        kind: Kind::Bbox,
    };
    pub const CURSOR: Parameter = Parameter {
        name: "cursor",
        description:
            "Where the page starts, as a `next` or `prev` link gives it: `after:ID` or `before:ID`.",
        kind: Kind::Pattern {
            pattern: "^(after|before):.+$",
        },
    };
    pub const DATETIME: Parameter = Parameter {
        name: "datetime",
        description: "Only places whose last update (`date_maj`) is this day or within this interval: `2024-03-01`, `2024-01-01/2024-06-30`, `../2023-12-31`, `2024-01-01/..` (a date-time is read as its day).",
        kind: Kind::Pattern {
            pattern: r"^(\.\.|[0-9]{4}-[0-9]{2}-[0-9]{2}(T[^/]*)?)(/(\.\.|[0-9]{4}-[0-9]{2}-[0-9]{2}(T[^/]*)?))?$",
        },
    };
    pub const FILTER: Parameter = Parameter {
        name: "filter",
        description: "A CQL2 text filter over the queryables (`/ogc/collections/lieux/queryables`): comparisons, `LIKE`, `IN`, `BETWEEN`, `IS NULL`, `AND`, `OR`, `NOT`, `A_CONTAINS`, `A_OVERLAPS`, `A_EQUALS`, `A_CONTAINEDBY` on the vocabularies, `S_INTERSECTS` with a `BBOX`, `POINT`, `POLYGON` or `MULTIPOLYGON`. Anything else is a 400 that names it.",
        kind: Kind::TextUpTo {
            max_chars: lieux_index::search::cql2::MAX_FILTER_CHARS,
        },
    };
    pub const FILTER_LANG: Parameter = Parameter {
        name: "filter-lang",
        description: "`cql2-text` (`cql-text`, as GDAL 3.6 says it, is read alike).",
        kind: Kind::OneOf {
            values: &["cql2-text", "cql-text"],
            default: "cql2-text",
        },
    };
    pub const FILTER_CRS: Parameter = Parameter {
        name: "filter-crs",
        description: "The coordinates' system of the filter: CRS84 only.",
        kind: Kind::OneOf {
            values: &[super::CRS84],
            default: super::CRS84,
        },
    };
    /// A schema field that `/search`'s filters do not name, as a queryable: equal to the value
    /// (for an array, holding it), `|` between several. At most 100 characters, so that a
    /// query string with every field stays within the server's `--max-query-string`.
    pub const fn field(name: &'static str) -> Parameter {
        Parameter {
            name,
            description: "Only places whose field is this value (an array field: holds it); several values joined with `|`, any of them. As `filter=FIELD = 'VALUE'`; a longer value, in `filter`.",
            kind: Kind::TextUpTo { max_chars: 100 },
        }
    }
    pub const BBOX_CRS: Parameter = Parameter {
        name: "bbox-crs",
        description: "The coordinates' system of `bbox`: CRS84 only.",
        kind: Kind::OneOf {
            values: &[super::CRS84],
            default: super::CRS84,
        },
    };
}

impl RouteParams for ItemsParams {
    const PARAMETERS: &'static [Parameter] = &[
        F,
        declared::LIMIT,
        declared::BBOX,
        declared::CURSOR,
        declared::DATETIME,
        declared::FILTER,
        declared::FILTER_LANG,
        declared::FILTER_CRS,
        declared::BBOX_CRS,
        declared::field("id"),
        declared::field("pivot"),
        declared::field("nom"),
        declared::field("commune"),
        declared::field("adresse"),
        declared::field("complement_adresse"),
        declared::field("latitude"),
        declared::field("longitude"),
        declared::field("telephone"),
        declared::field("courriels"),
        declared::field("site_web"),
        declared::field("horaires"),
        declared::field("presentation_resume"),
        declared::field("presentation_detail"),
        declared::field("source"),
        declared::field("itinerance"),
        declared::field("structure_parente"),
        declared::field("date_maj"),
        declared::field("formations_labels"),
        declared::field("autres_formations_labels"),
        declared::field("fiche_acces_libre"),
        declared::field("prise_rdv"),
    ];
    const FILTERS: Filters = Filters::All;

    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        use declared::{BBOX, BBOX_CRS, CURSOR, DATETIME, FILTER, FILTER_CRS, FILTER_LANG, LIMIT};
        FILTER_LANG.one_of(query)?;
        FILTER_CRS.one_of(query)?;
        BBOX_CRS.one_of(query)?;
        let cursor = match CURSOR.text(query)? {
            None => Cursor::First,
            Some(text) => match text.split_once(':') {
                Some(("after", id)) if !id.is_empty() => Cursor::After(id.to_owned()),
                Some(("before", id)) if !id.is_empty() => Cursor::Before(id.to_owned()),
                _ => {
                    return Err(invalid(format!(
                        "cursor: {text:?} is not after:ID or before:ID"
                    )))
                }
            },
        };
        let cql = FILTER
            .text_up_to(query)?
            .map(|text| Cql2Filter::parse(text).map_err(|e| invalid(e.to_string())))
            .transpose()?;
        let mut conjuncts: Vec<Cql2Filter> = cql.into_iter().collect();
        conjuncts.extend(DATETIME.text(query)?.map(datetime).transpose()?);
        for parameter in Self::PARAMETERS.iter().filter(|p| is_field(p)) {
            if let Some(value) = parameter.text_up_to(query)? {
                conjuncts.push(field_filter(parameter.name, value)?);
            }
        }
        let cql = match conjuncts.len() {
            0 => None,
            1 => conjuncts.pop(),
            _ => Some(Cql2Filter::And(conjuncts)),
        };
        let kept = query
            .iter()
            .filter(|(name, _)| name != "cursor" && name != "f")
            .cloned()
            .collect();
        Ok(Self {
            format: format_of(query)?,
            query: FeaturesQuery {
                filter: filter_of(query, limits)?,
                bbox: BBOX.text(query)?.map(parse_bbox).transpose()?,
                cql,
                cursor,
                limit: LIMIT.count(query, limits)?,
            },
            kept,
        })
    }
}

/// Whether `parameter` is a schema field's ([`declared::field`]).
fn is_field(parameter: &Parameter) -> bool {
    matches!(parameter.kind, Kind::TextUpTo { .. }) && Queryable::named(parameter.name).is_some()
}

/// The filter of a field's query parameter: the field equal to one of the values of `text`
/// (`|` between them), or for an array, holding one; read as CQL2 would read it.
fn field_filter(name: &str, text: &str) -> Result<Cql2Filter, ApiError> {
    let values: Vec<&str> = text
        .split('|')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() {
        return Ok(Cql2Filter::Const(true));
    }
    let literal = |value: &str| match Queryable::named(name) {
        Some(Queryable::Number(_)) => value
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(|n| n.to_string())
            .ok_or_else(|| invalid(format!("{name}: {value:?} is not a number"))),
        _ => Ok(format!("'{}'", value.replace('\'', "''"))),
    };
    let list = values
        .iter()
        .map(|v| literal(v))
        .collect::<Result<Vec<_>, _>>()?
        .join(", ");
    Cql2Filter::parse(&format!("\"{name}\" IN ({list})")).map_err(|e| {
        invalid(format!(
            "{name}: {}",
            e.to_string().trim_start_matches("filter: ")
        ))
    })
}

/// The filter of `datetime`: `date_maj` on a day, or within an interval whose ends may be open
/// (`..`).
fn datetime(text: &str) -> Result<Cql2Filter, ApiError> {
    use lieux_index::search::cql2::{Comparison, Scalar};
    let day = |part: &str| -> Result<Option<chrono::NaiveDate>, ApiError> {
        if part == ".." || part.is_empty() {
            return Ok(None);
        }
        part.get(..10)
            .and_then(|day| chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
            .map(Some)
            .ok_or_else(|| {
                invalid(format!(
                    "datetime: {part:?} is not a date such as 2024-03-01, nor .."
                ))
            })
    };
    let bound = |op, date| Cql2Filter::Compare {
        property: Queryable::Date,
        op,
        value: Scalar::Date(date),
    };
    let (start, end) = match text.split_once('/') {
        None => {
            let Some(date) = day(text)? else {
                return Err(invalid("datetime: .. alone is no day"));
            };
            return Ok(bound(Comparison::Eq, date));
        }
        Some((start, end)) => (day(start)?, day(end)?),
    };
    if let (Some(start), Some(end)) = (start, end) {
        if start > end {
            return Err(invalid(format!("datetime: {text:?} ends before it starts")));
        }
    }
    let bounds: Vec<Cql2Filter> = [
        start.map(|date| bound(Comparison::Ge, date)),
        end.map(|date| bound(Comparison::Le, date)),
    ]
    .into_iter()
    .flatten()
    .collect();
    Ok(Cql2Filter::And(bounds))
}

/// A link.
fn link(href: String, rel: &str, media: &str, title: &str) -> Value {
    json!({ "href": href, "rel": rel, "type": media, "title": title })
}

/// `scheme://host` (and path) of the server, without a final slash.
fn base(state: &AppState, request: &HttpRequest) -> Result<String, ApiError> {
    Ok(state.base_url(request)?.trim_end_matches('/').to_owned())
}

/// The self and alternate links of a resource at `path`, answered as `format`.
fn self_links(base: &str, path: &str, format: Format, json_type: &str) -> Vec<Value> {
    let json = link(
        format!("{base}{path}?f=json"),
        "self",
        json_type,
        "This document",
    );
    let html = link(
        format!("{base}{path}?f=html"),
        "alternate",
        "text/html",
        "This document as HTML",
    );
    match format {
        Format::Json => vec![json, html],
        Format::Html => {
            let mut json = json;
            json["rel"] = json!("alternate");
            let mut html = html;
            html["rel"] = json!("self");
            vec![html, json]
        }
    }
}

/// A JSON answer of `content_type`, or its HTML page titled `title`.
fn answer(format: Format, content_type: &str, value: &Value, title: &str) -> HttpResponse {
    match format {
        Format::Json => HttpResponse::Ok()
            .content_type(content_type)
            .body(value.to_string()),
        Format::Html => html_page(title, &html_of(value)),
    }
}

/// A page of the server, around `body`.
fn html_page(title: &str, body: &str) -> HttpResponse {
    let title = escape(title);
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{title}</title>\
             <style>body{{font-family:sans-serif;margin:2em;max-width:70em}}td,th{{text-align:left;vertical-align:top;padding:.2em .6em}}</style>\
             </head><body><h1>{title}</h1>{body}</body></html>"
        ))
}

/// A JSON value as HTML: links as links, objects as tables, arrays as lists.
fn html_of(value: &Value) -> String {
    let mut out = String::new();
    write_html(&mut out, value);
    out
}

fn write_html(out: &mut String, value: &Value) {
    match value {
        Value::Object(object) if object.contains_key("href") => {
            let href = object["href"].as_str().unwrap_or_default();
            let label = object.get("title").and_then(Value::as_str).unwrap_or(href);
            let rel = object
                .get("rel")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let _ = write!(
                out,
                "<a href=\"{}\">{}</a> ({})",
                escape(href),
                escape(label),
                escape(rel)
            );
        }
        Value::Object(object) => {
            out.push_str("<table>");
            for (key, value) in object {
                let _ = write!(out, "<tr><th>{}</th><td>", escape(key));
                write_html(out, value);
                out.push_str("</td></tr>");
            }
            out.push_str("</table>");
        }
        Value::Array(items) => {
            out.push_str("<ul>");
            for item in items {
                out.push_str("<li>");
                write_html(out, item);
                out.push_str("</li>");
            }
            out.push_str("</ul>");
        }
        Value::String(text) => out.push_str(&escape(text)),
        other => out.push_str(&escape(&other.to_string())),
    }
}

/// `GET /ogc`.
pub async fn landing(
    request: HttpRequest,
    state: web::Data<AppState>,
    Params(params): Params<FormatParams>,
) -> Result<HttpResponse, ApiError> {
    let format = negotiated(params.format, &request);
    let base = base(&state, &request)?;
    let mut links = self_links(&base, "/ogc", format, "application/json");
    links.extend([
        link(
            format!("{base}/ogc/api"),
            "service-desc",
            OPENAPI_TYPE,
            "The API's definition (OpenAPI)",
        ),
        link(
            format!("{base}/api"),
            "service-doc",
            "text/html",
            "The API's documentation",
        ),
        link(
            format!("{base}/ogc/conformance"),
            "conformance",
            "application/json",
            "The conformance classes",
        ),
        link(
            format!("{base}/ogc/collections"),
            "data",
            "application/json",
            "The collections",
        ),
    ]);
    let value = json!({
        "title": "Lieux de médiation numérique",
        "description": "Les lieux de médiation numérique (schéma v1.0.2), tels que ce serveur les sert : OGC API – Features.",
        "links": links,
    });
    Ok(answer(
        format,
        "application/json",
        &value,
        "Lieux de médiation numérique",
    ))
}

/// `GET /ogc/conformance`.
pub async fn conformance(
    request: HttpRequest,
    Params(params): Params<FormatParams>,
) -> Result<HttpResponse, ApiError> {
    let format = negotiated(params.format, &request);
    let value = json!({ "conformsTo": CONFORMANCE });
    Ok(answer(format, "application/json", &value, "Conformance"))
}

/// The collection's description, with links from `base`.
fn collection_value(live: &LiveIndex, base: &str) -> Value {
    let collection = format!("{base}/ogc/collections/{COLLECTION_ID}");
    let bbox = live.bounds().unwrap_or([-180.0, -90.0, 180.0, 90.0]);
    json!({
        "id": COLLECTION_ID,
        "title": "Lieux de médiation numérique",
        "description": live.attribution(),
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": {
            "spatial": { "bbox": [bbox], "crs": CRS84 },
        },
        "links": [
            link(collection.clone(), "self", "application/json", "The collection"),
            link(format!("{collection}?f=html"), "alternate", "text/html", "The collection as HTML"),
            link(format!("{collection}/items"), "items", GEOJSON, "The places"),
            link(format!("{collection}/items?f=html"), "items", "text/html", "The places as HTML"),
            link(format!("{collection}/queryables"), "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA_TYPE, "The queryables"),
            link(format!("{collection}/schema"), "describedby", SCHEMA_TYPE, "The schema of a place"),
            // GDAL up to 3.6 looks for this spelling of the relation (IANA's is `describedby`):
            // without the schema, it would know only the fields of the first page.
            link(format!("{collection}/schema"), "describedBy", SCHEMA_TYPE, "The schema of a place"),
        ],
    })
}

/// `GET /ogc/collections`.
pub async fn collections(
    request: HttpRequest,
    state: web::Data<AppState>,
    live: Live,
    Params(params): Params<FormatParams>,
) -> Result<HttpResponse, ApiError> {
    let format = negotiated(params.format, &request);
    let base = base(&state, &request)?;
    let value = json!({
        "links": self_links(&base, "/ogc/collections", format, "application/json"),
        "collections": [collection_value(&live, &base)],
    });
    Ok(answer(format, "application/json", &value, "Collections"))
}

/// `GET /ogc/collections/lieux`.
pub async fn collection(
    request: HttpRequest,
    state: web::Data<AppState>,
    live: Live,
    Params(params): Params<FormatParams>,
) -> Result<HttpResponse, ApiError> {
    let format = negotiated(params.format, &request);
    let base = base(&state, &request)?;
    let value = collection_value(&live, &base);
    Ok(answer(
        format,
        "application/json",
        &value,
        "Lieux de médiation numérique",
    ))
}

/// `GET /ogc/collections/lieux/items`.
pub async fn items(
    request: HttpRequest,
    state: web::Data<AppState>,
    live: Live,
    Params(params): Params<ItemsParams>,
) -> Result<HttpResponse, ApiError> {
    let format = negotiated(params.format, &request);
    let base = base(&state, &request)?;
    let searched = Arc::clone(&live.0);
    let query = params.query;
    let page = state
        .queries
        .run(move || searched.features_page(&query))
        .await?
        .map_err(ApiError::from)?;
    let links = page_links(&base, &params.kept, &live, &page, format);
    match format {
        Format::Json => {
            let mut out = Vec::with_capacity(512 + page.ordinals.len() * 2048);
            out.extend_from_slice(br#"{"type":"FeatureCollection","features":["#);
            for (i, feature) in live.plain_features(&page.ordinals).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                feature.write_json(&mut out);
            }
            let _ = write!(
                Writer(&mut out),
                r#"],"numberMatched":{},"numberReturned":{},"timeStamp":"{}","links":{}}}"#,
                page.matched,
                page.ordinals.len(),
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                Value::Array(links)
            );
            Ok(HttpResponse::Ok().content_type(GEOJSON).body(out))
        }
        Format::Html => {
            let mut body = format!(
                "<p>{} lieux, {} sur cette page.</p><p>",
                page.matched,
                page.ordinals.len()
            );
            for link in &links {
                write_html(&mut body, link);
                body.push_str("<br>");
            }
            body.push_str(
                "</p><table><tr><th>id</th><th>nom</th><th>commune</th><th>code_postal</th></tr>",
            );
            for feature in live.plain_features(&page.ordinals) {
                let place = feature.place;
                let id = place.id();
                let _ = write!(
                    body,
                    "<tr><td><a href=\"{base}/ogc/collections/{COLLECTION_ID}/items/{}?f=html\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&percent_encode(id)),
                    escape(id),
                    escape(place.nom()),
                    escape(place.commune()),
                    escape(place.code_postal()),
                );
            }
            body.push_str("</table>");
            Ok(html_page("Lieux de médiation numérique", &body))
        }
    }
}

/// `std::fmt::Write` into bytes.
struct Writer<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Writer<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// The links of a page: itself, its other format, the next and previous pages.
fn page_links(
    base: &str,
    kept: &[(String, String)],
    live: &LiveIndex,
    page: &FeaturesPage,
    format: Format,
) -> Vec<Value> {
    let items = format!("{base}/ogc/collections/{COLLECTION_ID}/items");
    let url = |cursor: Option<String>, f: &str| {
        let mut query: Vec<String> = kept
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        if let Some(cursor) = cursor {
            query.push(format!("cursor={}", percent_encode(&cursor)));
        }
        query.push(format!("f={f}"));
        format!("{items}?{}", query.join("&"))
    };
    let (this, other, this_type, other_type) = match format {
        Format::Json => ("json", "html", GEOJSON, "text/html"),
        Format::Html => ("html", "json", "text/html", GEOJSON),
    };
    let mut links = vec![
        link(url(None, this), "self", this_type, "This page"),
        link(url(None, other), "alternate", other_type, "This page"),
        link(
            format!("{base}/ogc/collections/{COLLECTION_ID}"),
            "collection",
            "application/json",
            "The collection",
        ),
    ];
    let ids: Vec<&str> = live
        .places(&page.ordinals)
        .map(lieux_index::place::Place::id)
        .collect();
    if let (true, Some(last)) = (page.has_next, ids.last()) {
        links.push(link(
            url(Some(format!("after:{last}")), this),
            "next",
            this_type,
            "The next page",
        ));
    }
    if let (true, Some(first)) = (page.has_prev, ids.first()) {
        links.push(link(
            url(Some(format!("before:{first}")), this),
            "prev",
            this_type,
            "The previous page",
        ));
    }
    links
}

/// `GET /ogc/collections/lieux/items/{featureId}`.
pub async fn item(
    request: HttpRequest,
    state: web::Data<AppState>,
    live: Live,
    id: web::Path<String>,
    Params(params): Params<FormatParams>,
) -> Result<HttpResponse, ApiError> {
    let format = negotiated(params.format, &request);
    let base = base(&state, &request)?;
    let id = id.into_inner();
    let feature = live
        .plain_feature(&id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no place with id {id:?}")))?;
    let collection = format!("{base}/ogc/collections/{COLLECTION_ID}");
    let here = format!("{collection}/items/{}", percent_encode(&id));
    let links = json!([
        link(
            format!("{here}?f=json"),
            if format == Format::Json {
                "self"
            } else {
                "alternate"
            },
            GEOJSON,
            "This place"
        ),
        link(
            format!("{here}?f=html"),
            if format == Format::Html {
                "self"
            } else {
                "alternate"
            },
            "text/html",
            "This place as HTML"
        ),
        link(
            collection,
            "collection",
            "application/json",
            "The collection"
        ),
    ]);
    let mut out = feature.to_json();
    match format {
        Format::Json => {
            out.pop();
            let _ = write!(Writer(&mut out), r#","links":{links}}}"#);
            Ok(HttpResponse::Ok().content_type(GEOJSON).body(out))
        }
        Format::Html => {
            let mut value: Value = serde_json::from_slice(&out)
                .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
            value["links"] = links;
            let title = feature.place.nom().to_owned();
            Ok(html_page(&title, &html_of(&value)))
        }
    }
}

/// The queryables as JSON Schema.
fn queryables_value(base: &str) -> Value {
    let feature = PlaceFeature::json_schema(&mut SchemaGenerator::default()).to_value();
    let fields = &feature["properties"]["properties"]["properties"];
    let mut properties = Map::new();
    for (name, queryable) in Queryable::all() {
        let schema = match queryable {
            Queryable::Geometry => json!({
                "title": "La position du lieu",
                "format": "geometry-point",
                "x-ogc-role": "primary-geometry",
            }),
            _ => {
                let mut schema = fields[name].clone();
                if let Some(object) = schema.as_object_mut() {
                    object.remove("minLength");
                }
                schema["title"] = json!(name);
                schema
            }
        };
        properties.insert(name.to_owned(), schema);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{base}/ogc/collections/{COLLECTION_ID}/queryables"),
        "type": "object",
        "title": "Lieux de médiation numérique",
        "properties": properties,
        "additionalProperties": false,
    })
}

/// `GET /ogc/collections/lieux/queryables`.
pub async fn queryables(
    request: HttpRequest,
    state: web::Data<AppState>,
    Params(params): Params<FormatParams>,
) -> Result<HttpResponse, ApiError> {
    let format = negotiated(params.format, &request);
    let base = base(&state, &request)?;
    Ok(answer(
        format,
        SCHEMA_TYPE,
        &queryables_value(&base),
        "Queryables",
    ))
}

/// `GET /ogc/collections/lieux/schema`: the schema of a feature of the collection, which GDAL
/// reads to know every field, not only those of the first page.
pub async fn schema(_: Params<crate::params::NoParams>) -> HttpResponse {
    let mut feature = PlaceFeature::json_schema(&mut SchemaGenerator::default()).to_value();
    if let Some(properties) = feature["properties"]["properties"]["properties"].as_object_mut() {
        // What a ranked search adds, which the collection never writes; and `id`, which is the
        // feature's own too: GDAL takes it from there and would name two fields `id`.
        for name in ["score", "distance_m", "open_now", "id"] {
            properties.remove(name);
        }
    }
    feature["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    HttpResponse::Ok()
        .content_type(SCHEMA_TYPE)
        .body(feature.to_string())
}
