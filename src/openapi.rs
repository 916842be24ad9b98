//! The OpenAPI 3.1 document of `GET /openapi.json`, made when the server starts.
//!
//! Everything in it comes from a declaration the code itself reads or writes by, so the
//! document cannot promise what the server does not do:
//! - its paths are the table of [`crate::routes::OPERATIONS`], from which the router registers
//!   its routes;
//! - the query parameters are those each route declares ([`crate::params::RouteParams`]), which
//!   the extractor checks and the route reads: types, bounds (under this server's limits),
//!   defaults, groups; the filters are `lieux_index::filter`'s, their values the schema's
//!   vocabularies;
//! - what a route answers is declared beside its handler ([`crate::answers`]): the answers
//!   serde writes derive their schemas, and those written by hand state theirs next to the
//!   writer;
//! - the errors are [`ErrorCode`]'s, with their statuses from its one table.

use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use schemars::{Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use lieux_index::filter::{filter_parameters, FilterValues};

use crate::answers::Answer;
use crate::http_error::{ApiError, ErrorCode};
use crate::limits::Limits;
use crate::params::{Group, Kind, Parameter};
use crate::routes::{Operation, OPERATIONS};

/// The document, under `limits`.
#[must_use]
pub fn document(limits: &Limits) -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .for_serialize()
        .with(|settings| {
            settings.definitions_path = "/components/schemas".into();
            settings.meta_schema = None;
            settings
                .transforms
                .push(Box::new(RecursiveTransform(closed_objects)));
        })
        .into_generator();
    let error = generator.subschema_for::<ApiError>();
    let filters: Map<String, Value> = filter_parameters()
        .into_iter()
        .map(|filter| {
            let mut parameter = json!({
                "name": filter.name,
                "in": "query",
                "required": false,
                "description": format!(
                    "{} Several values are joined with `|`: OR within a filter, AND across filters.",
                    filter.description
                ),
            });
            let items = match filter.values {
                FilterValues::Text => {
                    parameter["description"] = json!(filter.description);
                    parameter["schema"] =
                        json!({ "type": "string", "maxLength": limits.max_query_chars });
                    return (filter.name.to_owned(), parameter);
                }
                // Empty values between pipes are ignored.
                FilterValues::Labels(mut labels) => {
                    labels.insert(0, "");
                    json!({ "type": "string", "enum": labels })
                }
                FilterValues::Pattern(pattern) => json!({ "type": "string", "pattern": pattern }),
                FilterValues::Geometry => {
                    parameter["description"] = json!(filter.description);
                    parameter["content"] = json!({
                        "application/json": { "schema": polygon_schema() }
                    });
                    return (filter.name.to_owned(), parameter);
                }
            };
            parameter["style"] = json!("pipeDelimited");
            parameter["explode"] = json!(false);
            parameter["schema"] = json!({ "type": "array", "items": items });
            (filter.name.to_owned(), parameter)
        })
        .collect();
    let mut paths = Map::new();
    for operation in OPERATIONS {
        let described = describe(operation, &filters, &error, &mut generator, limits);
        let path = paths.entry(operation.path).or_insert_with(|| json!({}));
        path[operation.method] = described;
    }
    let mut schemas = generator.take_definitions(true);
    schemas.sort_keys();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": env!("CARGO_PKG_NAME"),
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Vector tiles and geospatial search for the lieux de médiation numérique (schema v1.0.2). Errors are JSON `{\"error\": code, \"message\": text}`, with a 4xx status for a client's mistakes.",
            "license": { "name": env!("CARGO_PKG_LICENSE"), "identifier": env!("CARGO_PKG_LICENSE") },
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "parameters": filters,
            "securitySchemes": { "admin": { "type": "http", "scheme": "bearer" } },
        },
    })
}

/// A GeoJSON `Polygon` or `MultiPolygon` geometry as `lieux_index::polygon` reads it: what
/// JSON Schema can say of it. That each ring is closed (its last position its first), and the
/// bounds in positions and bytes, the server checks.
fn polygon_schema() -> Value {
    let position = json!({
        "type": "array",
        "minItems": 2,
        "maxItems": 3,
        "prefixItems": [
            { "type": "number", "minimum": -180, "maximum": 180 },
            { "type": "number", "minimum": -90, "maximum": 90 },
            { "type": "number" },
        ],
    });
    let ring = json!({ "type": "array", "minItems": 4, "items": position });
    let polygon = json!({ "type": "array", "minItems": 1, "items": ring });
    let geometry = |kind: &str, coordinates: Value| {
        json!({
            "type": "object",
            "properties": { "type": { "const": kind }, "coordinates": coordinates },
            "required": ["type", "coordinates"],
        })
    };
    json!({
        "oneOf": [
            geometry("Polygon", polygon.clone()),
            geometry(
                "MultiPolygon",
                json!({ "type": "array", "minItems": 1, "items": polygon }),
            ),
        ],
    })
}

/// An object of an answer has the properties its schema names and no others: what serde
/// writes of a struct.
fn closed_objects(schema: &mut Schema) {
    if let Some(object) = schema.as_object_mut() {
        if object.contains_key("properties") && !object.contains_key("additionalProperties") {
            object.insert("additionalProperties".to_owned(), Value::Bool(false));
        }
    }
}

/// The operation object of `operation`.
fn describe(
    operation: &Operation,
    filters: &Map<String, Value>,
    error: &Schema,
    generator: &mut SchemaGenerator,
    limits: &Limits,
) -> Value {
    let described = operation.description;
    let mut parameters: Vec<Value> = described
        .path
        .iter()
        .map(|parameter| {
            json!({
                "name": parameter.name,
                "in": "path",
                "required": true,
                "description": parameter.description,
                "schema": (parameter.schema)(generator),
            })
        })
        .collect();
    let body = operation
        .posted
        .then(|| posted_body(operation, filters, limits));
    parameters.extend(
        filters
            .keys()
            .filter(|name| operation.filters.takes(name) && !operation.posted)
            .map(|name| json!({ "$ref": format!("#/components/parameters/{name}") })),
    );
    let grouped = |name: &str| {
        operation
            .groups
            .iter()
            .any(|g| g.together.contains(&name) || g.with.contains(&name))
    };
    if !operation.posted {
        parameters.extend(
            operation
                .parameters
                .iter()
                .filter(|parameter| !grouped(parameter.name))
                .map(|parameter| query_parameter(parameter, limits)),
        );
        parameters.extend(
            operation
                .groups
                .iter()
                .map(|group| group_parameter(group, operation.parameters, limits)),
        );
    }
    let mut responses = Map::new();
    for answer in described.answers {
        responses.insert(answer.status.to_string(), response(answer, generator));
    }
    for (status, codes) in errors_by_status(operation) {
        responses.insert(status.to_string(), error_response(status, &codes, error));
    }
    let mut object = json!({
        "summary": described.summary,
        "parameters": parameters,
        "responses": responses,
    });
    if !described.description.is_empty() {
        object["description"] = json!(described.description);
    }
    if let Some(body) = body {
        object["requestBody"] = body;
    } else if let Some(body) = described.body {
        let schema = body(generator);
        // A body that must hold a field must be there; one whose fields all have defaults may
        // be left out.
        let required = schema
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|names| !names.is_empty());
        object["requestBody"] = json!({
            "required": required,
            "content": { "application/json": { "schema": schema } },
        });
    }
    if described.admin {
        object["security"] = json!([{ "admin": [] }]);
    }
    object
}

/// The JSON body of a route that takes its parameters posted ([`crate::params::Posted`]):
/// an object of the members its query string would hold, each of the JSON type the server
/// reads it as, with its groups' rules as JSON Schema states them.
fn posted_body(operation: &Operation, filters: &Map<String, Value>, limits: &Limits) -> Value {
    let mut properties = Map::new();
    for (name, parameter) in filters {
        if !operation.filters.takes(name) {
            continue;
        }
        let schema = parameter
            .get("schema")
            .or_else(|| parameter.pointer("/content/application~1json/schema"))
            .cloned()
            .unwrap_or_else(|| json!({}));
        let mut schema = schema;
        schema["description"] = parameter["description"].clone();
        properties.insert(name.clone(), schema);
    }
    let mut required = Vec::new();
    for parameter in operation.parameters {
        let declared = query_parameter(parameter, limits);
        let mut schema = declared["schema"].clone();
        schema["description"] = json!(parameter.description);
        if declared["required"] == json!(true) {
            required.push(parameter.name);
        }
        properties.insert(parameter.name.to_owned(), schema);
    }
    // A group's members given together, and those that come only with them.
    let mut dependent = Map::new();
    let mut exclusive = Vec::new();
    for group in operation.groups {
        if group.required {
            required.extend(group.together);
        }
        for name in group.together.iter().chain(group.with) {
            let needs: Vec<&str> = group
                .together
                .iter()
                .copied()
                .filter(|other| other != name)
                .collect();
            if !needs.is_empty() {
                dependent.insert((*name).to_owned(), json!(needs));
            }
        }
        if !group.at_most_one.is_empty() {
            exclusive.push(json!({ "not": { "required": group.at_most_one } }));
        }
    }
    let mut schema = json!({
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    if !dependent.is_empty() {
        schema["dependentRequired"] = Value::Object(dependent);
    }
    if !exclusive.is_empty() {
        schema["allOf"] = json!(exclusive);
    }
    json!({
        "required": !required.is_empty(),
        "content": { "application/json": { "schema": schema } },
    })
}

/// A response that is not an error.
fn response(answer: &Answer, generator: &mut SchemaGenerator) -> Value {
    let mut response = json!({ "description": answer.description });
    if !answer.content.is_empty() {
        let content: Map<String, Value> = answer
            .content
            .iter()
            .map(|content| {
                let schema = (content.schema)(generator);
                (content.media.to_owned(), json!({ "schema": schema }))
            })
            .collect();
        response["content"] = Value::Object(content);
    }
    if !answer.headers.is_empty() {
        response["headers"] = headers(answer.headers);
    }
    response
}

fn headers(headers: &[(&str, &str)]) -> Value {
    headers
        .iter()
        .map(|(name, description)| {
            (
                (*name).to_owned(),
                json!({ "description": description, "schema": { "type": "string" } }),
            )
        })
        .collect::<Map<String, Value>>()
        .into()
}

/// The errors `operation` may answer, by status, each with when.
fn errors_by_status(operation: &Operation) -> Vec<(u16, Vec<(ErrorCode, &'static str)>)> {
    let mut by_status: Vec<(u16, Vec<(ErrorCode, &'static str)>)> = Vec::new();
    let polygon = operation.filters.takes("polygon").then_some((
        ErrorCode::PolygonTooLarge,
        "A `polygon` of more positions or bytes than the bounds its description states.",
    ));
    for &(code, when) in ERRORS
        .iter()
        .chain(operation.description.errors)
        .chain(&polygon)
    {
        let status = code.status().as_u16();
        match by_status.iter_mut().find(|(s, _)| *s == status) {
            Some((_, codes)) => codes.push((code, when)),
            None => by_status.push((status, vec![(code, when)])),
        }
    }
    by_status.sort_by_key(|(status, _)| *status);
    by_status
}

/// The errors any route may answer, each with when.
const ERRORS: &[(ErrorCode, &str)] = &[
    (
        ErrorCode::InvalidParameter,
        "A parameter is unknown to the route, given twice, malformed or out of its bounds; the message says which and what to change.",
    ),
    (
        ErrorCode::MethodNotAllowed,
        "The route does not take this method; `Allow` lists those it takes.",
    ),
    (
        ErrorCode::QueryTooLong,
        "The query string is longer than the server's `--max-query-string`.",
    ),
    (
        ErrorCode::RateLimited,
        "Too many requests from this client (`--rate-limit`); `Retry-After` says when to try again.",
    ),
    (
        ErrorCode::Internal,
        "Something failed on the server's side; it is logged, and the message says no more.",
    ),
    (
        ErrorCode::Timeout,
        "No answer within the server's `--request-timeout`.",
    ),
    (
        ErrorCode::StoreUnavailable,
        "The change store shared with other servers (`--store`) cannot be reached: nothing was written; the map still answers. Try again in a moment.",
    ),
];

/// An error answer of `status`: the JSON body `{"error", "message"}`, its `error` one of
/// `codes`, with the headers the status carries.
fn error_response(status: u16, codes: &[(ErrorCode, &str)], error: &Schema) -> Value {
    let names: Vec<Value> = codes
        .iter()
        .map(|(code, _)| serde_json::to_value(code).unwrap_or_default())
        .collect();
    let description = codes
        .iter()
        .map(|(code, when)| {
            let name = serde_json::to_value(code).unwrap_or_default();
            format!("`{}`: {when}", name.as_str().unwrap_or_default())
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut response = json!({
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [error],
                    "properties": { "error": { "enum": names } },
                },
            },
        },
    });
    let header = match status {
        405 => Some(("Allow", "The methods the route takes, such as `GET, HEAD`.")),
        416 => Some((
            "Content-Range",
            "`bytes */LENGTH`: the length of what was asked.",
        )),
        429 => Some(("Retry-After", "Seconds to wait before trying again.")),
        _ => None,
    };
    if let Some(header) = header {
        response["headers"] = headers(&[header]);
    }
    response
}

/// A group of parameters as the document states it: one object, exploded into its members.
fn group_parameter(group: &Group, declared: &[Parameter], limits: &Limits) -> Value {
    let mut properties = Map::new();
    for name in group.together.iter().chain(group.with) {
        let parameter = declared
            .iter()
            .find(|p| p.name == *name)
            .unwrap_or_else(|| panic!("{name} of the group {} is declared", group.name));
        let mut schema = query_parameter(parameter, limits)["schema"].clone();
        schema["description"] = json!(parameter.description);
        properties.insert((*name).to_owned(), schema);
    }
    let mut schema = json!({
        "type": "object",
        "properties": properties,
        "required": group.together,
        "additionalProperties": false,
    });
    if !group.at_most_one.is_empty() {
        schema["not"] = json!({ "required": group.at_most_one });
    }
    json!({
        "name": group.name,
        "in": "query",
        "required": group.required,
        "style": "form",
        "explode": true,
        "description": group.description,
        "schema": schema,
    })
}

/// A query parameter as the document states it.
fn query_parameter(parameter: &Parameter, limits: &Limits) -> Value {
    let (schema, required) = match parameter.kind {
        Kind::Integer {
            minimum,
            maximum: max,
            default,
        } => {
            let mut schema = json!({ "type": "integer", "minimum": minimum });
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let max = max.of(limits) as u64;
            schema["maximum"] = json!(max);
            if let Some(default) = default {
                schema["default"] = json!(default);
            }
            (schema, default.is_none())
        }
        Kind::Number {
            minimum,
            maximum: max,
        } => {
            let mut schema = json!({ "type": "number", "minimum": minimum });
            schema["maximum"] = json!(max.of(limits));
            (schema, false)
        }
        Kind::Boolean => (json!({ "type": "boolean" }), false),
        Kind::OneOf { values, default } => (
            json!({ "type": "string", "enum": values, "default": default }),
            false,
        ),
        Kind::Choice { values } => (json!({ "type": "string", "enum": values }), false),
        Kind::Required { pattern } => (json!({ "type": "string", "pattern": pattern }), true),
        Kind::Text => (
            json!({ "type": "string", "maxLength": limits.max_query_chars }),
            false,
        ),
        Kind::Pattern { pattern } => (json!({ "type": "string", "pattern": pattern }), false),
        Kind::TextUpTo { max_chars } => {
            (json!({ "type": "string", "maxLength": max_chars }), false)
        }
        Kind::LocalTime => (
            json!({
                "type": "string",
                // Years 1970 to 2100 (`params::OPEN_AT_YEARS`), days 01 to 28 of any month
                // are always dates; the server takes the 29th to the 31st where they exist.
                "pattern": "^(19[7-9][0-9]|20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
            }),
            false,
        ),
        Kind::Distances { max_items } => {
            // Metres, up to 9,999,999 (`params::MAX_DISTANCE_M`), as seven digits and a
            // fraction that cannot carry past it.
            const DISTANCE: &str = r"[0-9]{1,7}";
            let pattern = format!("^{DISTANCE}(,{DISTANCE}){{0,{}}}$", max_items - 1);
            (json!({ "type": "string", "pattern": pattern }), false)
        }
        Kind::Bbox => {
            // `W,S,E,N`: longitudes within ±180, latitudes within ±90, as decimals.
            const LON: &str = r"-?(180(\.0+)?|(1[0-7][0-9]|[0-9]?[0-9])(\.[0-9]+)?)";
            const LAT: &str = r"-?(90(\.0+)?|[0-8]?[0-9](\.[0-9]+)?)";
            let pattern = format!("^{LON},{LAT},{LON},{LAT}$");
            (json!({ "type": "string", "pattern": pattern }), false)
        }
    };
    json!({
        "name": parameter.name,
        "in": "query",
        "required": required,
        "description": parameter.description,
        "schema": schema,
    })
}

#[cfg(test)]
mod tests {
    use actix_web::http::header;
    use actix_web::test::{call_service, init_service, read_body, TestRequest};

    use super::*;
    use crate::cli::{app, ServeSettings};

    /// `schema` once its `$ref` (or that of its first `allOf`) is followed.
    fn resolved<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
        let schema = schema["allOf"].get(0).unwrap_or(schema);
        match schema["$ref"].as_str() {
            Some(reference) => {
                let name = reference.trim_start_matches("#/components/schemas/");
                &document["components"]["schemas"][name]
            }
            None => schema,
        }
    }

    #[actix_web::test]
    async fn real_answers_have_the_statuses_types_and_members_the_document_declares() {
        let state = tempfile::tempdir().unwrap();
        let settings =
            ServeSettings::parse(&["--state-dir", state.path().to_str().unwrap()]).unwrap();
        let app = init_service(app(
            settings.state().unwrap(),
            settings.cors(),
            settings.pages(),
        ))
        .await;
        let document = document(&Limits::default());
        let first: Value = {
            let request = TestRequest::get().uri("/search?q=mediatheque&limit=1");
            let response = call_service(&app, request.to_request()).await;
            serde_json::from_slice(&read_body(response).await).unwrap()
        };
        let id = first["features"][0]["id"].as_str().unwrap().to_owned();
        let place = format!("/places/{id}");
        let mut statuses = std::collections::BTreeSet::new();
        for (path, uri) in [
            ("/health", "/health"),
            ("/openapi.json", "/openapi.json"),
            ("/search", "/search?q=mediatheque"),
            (
                "/search",
                "/search?q=cours%20informatique&lat=47.47&lon=-0.55&open_now=true",
            ),
            ("/search", "/search?departement=49&format=csv"),
            ("/search", "/search?departement=49&format=geojson"),
            ("/search", "/search?limit=-1"),
            ("/search", "/search?lat=47"),
            ("/nearest", "/nearest?lat=47.47&lon=-0.55&k=3"),
            ("/suggest", "/suggest?q=ang"),
            ("/places/{id}", place.as_str()),
            ("/places/{id}", "/places/nowhere"),
            (
                "/tiles.json",
                "/tiles.json?services=Aide%20aux%20d%C3%A9marches%20administratives",
            ),
            ("/tiles/{z}/{x}/{y}.mvt", "/tiles/0/0/0.mvt"),
            ("/tiles/{z}/{x}/{y}.mvt", "/tiles/0/0/0.png"),
            ("/clusters", "/clusters?zoom=3"),
            ("/clusters/{cluster_id}/leaves", "/clusters/7/leaves"),
            ("/metrics", "/metrics"),
        ] {
            let response = call_service(&app, TestRequest::get().uri(uri).to_request()).await;
            let status = response.status().as_u16().to_string();
            let media = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.split(';').next())
                .unwrap_or("")
                .to_owned();
            let body = read_body(response).await;
            let declared = &document["paths"][path]["get"]["responses"][&status];
            assert!(declared.is_object(), "{uri}: {status} is not declared");
            let content = &declared["content"][&media];
            assert!(
                content.is_object(),
                "{uri}: {status} {media} is not declared"
            );
            statuses.insert(status.clone());
            if !media.ends_with("json") {
                continue;
            }
            let body: Value = serde_json::from_slice(&body).unwrap();
            let schema = resolved(&document, &content["schema"]);
            let members = body.as_object().unwrap();
            if let (Some(properties), false) = (
                schema["properties"].as_object(),
                schema["additionalProperties"].as_bool().unwrap_or(true),
            ) {
                for name in members.keys() {
                    assert!(
                        properties.contains_key(name),
                        "{uri}: {name} is not declared"
                    );
                }
            }
            for required in schema["required"].as_array().into_iter().flatten() {
                let required = required.as_str().unwrap();
                assert!(members.contains_key(required), "{uri}: no {required}");
            }
            if let Some(error) = body["error"].as_str() {
                let codes = &content["schema"]["properties"]["error"]["enum"];
                assert!(
                    codes.as_array().unwrap().contains(&json!(error)),
                    "{uri}: {error} is not declared for {status}"
                );
            }
        }
        assert_eq!(
            statuses.into_iter().collect::<Vec<_>>(),
            ["200", "400", "404"],
            "the answers asked cover successes and errors"
        );
    }

    #[test]
    fn every_operation_is_documented_with_its_declared_parameters() {
        let limits = Limits::default();
        let document = document(&limits);
        let paths = document["paths"].as_object().unwrap();
        assert_eq!(
            paths
                .values()
                .map(|p| p.as_object().unwrap().len())
                .sum::<usize>(),
            OPERATIONS.len()
        );
        for operation in OPERATIONS {
            let described = &paths[operation.path][operation.method];
            assert!(
                described["responses"]
                    .as_object()
                    .is_some_and(|r| !r.is_empty()),
                "{}",
                operation.path
            );
            let members = |parameters: &[Value]| -> Vec<String> {
                parameters
                    .iter()
                    .flat_map(|p| match p["schema"]["properties"].as_object() {
                        Some(members) => members.keys().cloned().collect(),
                        None => vec![p["name"].as_str().unwrap_or("").to_owned()],
                    })
                    .collect()
            };
            // A posted route's parameters are its body's members.
            let documented = if operation.posted {
                described["requestBody"]["content"]["application/json"]["schema"]["properties"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect()
            } else {
                members(described["parameters"].as_array().unwrap())
            };
            for parameter in operation.parameters {
                assert!(
                    documented.iter().any(|name| name == parameter.name),
                    "{} {}",
                    operation.path,
                    parameter.name
                );
            }
        }
        let search = &paths["/search"]["get"]["parameters"];
        let limit = search
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "limit")
            .unwrap();
        assert_eq!(limit["schema"]["maximum"], json!(limits.max_limit));
        let services = &document["components"]["parameters"]["services"];
        assert_eq!(services["style"], "pipeDelimited");
        let values = services["schema"]["items"]["enum"].as_array().unwrap();
        assert!(values.contains(&json!("Aide aux démarches administratives")));
    }

    #[test]
    fn a_request_body_is_required_when_it_must_hold_a_field() {
        let document = document(&Limits::default());
        let contribution = &document["paths"]["/contributions"]["post"]["requestBody"];
        assert_eq!(contribution["required"], json!(true));
        let schema = &contribution["content"]["application/json"]["schema"];
        assert_eq!(schema["required"], json!(["kind"]));
        let names = schema["properties"]["fields"]["propertyNames"]["enum"]
            .as_array()
            .unwrap();
        assert!(names.contains(&json!("nom")) && names.contains(&json!("horaires")));
        for set_by_the_server in ["id", "date_maj", "source"] {
            assert!(!names.contains(&json!(set_by_the_server)));
        }
        let reload = &document["paths"]["/admin/reload"]["post"]["requestBody"];
        assert_eq!(
            reload["required"],
            json!(false),
            "a reload may send no body"
        );
    }
}
