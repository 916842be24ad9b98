//! The OpenAPI 3.1 document of `GET /openapi.json`, made when the server starts.
//!
//! Its paths are the table of [`crate::routes::OPERATIONS`], from which the router registers
//! its routes, and its query parameters are those each route declares
//! ([`crate::params::RouteParams::PARAMETERS`]), which the extractor checks and the route reads:
//! their types, bounds (under this server's limits), defaults and values come from the same
//! declaration, so the document cannot promise what the server refuses. The filters' values
//! are the schema's vocabularies. What no declaration holds yet (summaries, the answers'
//! schemas, the status codes) comes from `src/openapi.json`, written by hand.

use serde_json::{json, Map, Value};

use lieux_index::filter::{FilterValues, PlaceFilter};

use crate::limits::Limits;
use crate::params::{Group, Kind, Parameter};
use crate::routes::OPERATIONS;

/// The text written by hand that the document starts from.
const BASE: &str = include_str!("openapi.json");

/// The document, under `limits`.
///
/// # Panics
/// When `src/openapi.json` is not JSON (a test reads it at every build).
#[must_use]
pub fn document(limits: &Limits) -> Value {
    let mut document: Value = serde_json::from_str(BASE).expect("src/openapi.json is JSON");
    let filters: Vec<Value> = document["components"]["parameters"]
        .as_object()
        .map(|parameters| {
            parameters
                .keys()
                .filter(|name| PlaceFilter::is_parameter(name))
        })
        .into_iter()
        .flatten()
        .map(|name| json!({ "$ref": format!("#/components/parameters/{name}") }))
        .collect();
    if let Some(parameters) = document["components"]["parameters"].as_object_mut() {
        for (name, parameter) in parameters.iter_mut() {
            let items = match lieux_index::filter::parameter_values(name) {
                None => continue,
                Some(FilterValues::Text) => {
                    parameter["schema"] =
                        json!({ "type": "string", "maxLength": limits.max_query_chars });
                    continue;
                }
                // Empty values between pipes are ignored.
                Some(FilterValues::Labels(mut labels)) => {
                    labels.insert(0, "");
                    json!({ "type": "string", "enum": labels })
                }
                Some(FilterValues::Pattern(pattern)) => {
                    json!({ "type": "string", "pattern": pattern })
                }
            };
            // Several values joined with `|`: OR within a filter.
            parameter["style"] = json!("pipeDelimited");
            parameter["explode"] = json!(false);
            parameter["schema"] = json!({ "type": "array", "items": items });
        }
    }
    let paths = document["paths"]
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    let mut generated = Map::new();
    for operation in OPERATIONS {
        let mut described = paths
            .get(operation.path)
            .and_then(|path| path.get(operation.method))
            .cloned()
            .unwrap_or_else(|| json!({ "responses": {} }));
        // The path's own parameters stay as written; the query's are the declared ones.
        let mut parameters: Vec<Value> = described["parameters"]
            .as_array()
            .map(|all| all.iter().filter(|p| p["in"] == "path").cloned().collect())
            .unwrap_or_default();
        if operation.filters {
            parameters.extend(filters.iter().cloned());
        }
        let grouped = |name: &str| {
            operation
                .groups
                .iter()
                .any(|g| g.together.contains(&name) || g.with.contains(&name))
        };
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
        described["parameters"] = Value::Array(parameters);
        if let Some(responses) = described["responses"].as_object_mut() {
            for (code, description) in ERRORS {
                responses
                    .entry(*code)
                    .or_insert_with(|| error_response(code, description));
            }
        }
        let entry = generated.entry(operation.path).or_insert_with(|| json!({}));
        entry[operation.method] = described;
    }
    document["paths"] = Value::Object(generated);
    document
}

/// The errors any route may answer, besides those its own description lists.
const ERRORS: &[(&str, &str)] = &[
    (
        "400",
        "A parameter is unknown to the route, given twice, malformed or out of its bounds; the message says which and what to change.",
    ),
    (
        "405",
        "The route does not take this method; `Allow` lists those it takes.",
    ),
    (
        "414",
        "The query string is longer than the server's `--max-query-string`.",
    ),
    (
        "429",
        "Too many requests from this client (`--rate-limit`); `Retry-After` says when to try again.",
    ),
    (
        "500",
        "Something failed on the server's side; it is logged, and the message says no more.",
    ),
    (
        "503",
        "No answer within the server's `--request-timeout`.",
    ),
];

/// An error answer: the JSON body `{"error", "message"}`, with the headers its code carries.
fn error_response(code: &str, description: &str) -> Value {
    let mut response = json!({
        "description": description,
        "content": {
            "application/json": { "schema": { "$ref": "#/components/schemas/Error" } }
        },
    });
    let header = match code {
        "405" => Some(("Allow", "The methods the route takes, such as `GET, HEAD`.")),
        "429" => Some(("Retry-After", "Seconds to wait before trying again.")),
        _ => None,
    };
    if let Some((name, description)) = header {
        response["headers"] = json!({
            name: { "description": description, "schema": { "type": "string" } }
        });
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
        Kind::Text => (
            json!({ "type": "string", "maxLength": limits.max_query_chars }),
            false,
        ),
        Kind::LocalTime => (
            json!({
                "type": "string",
                // Years 1970 to 2100 (`search::OPEN_AT_YEARS`), days 01 to 28 of any month
                // are always dates; the server takes the 29th to the 31st where they exist.
                "pattern": "^(19[7-9][0-9]|20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
            }),
            false,
        ),
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
    use super::*;

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
            let documented = members(described["parameters"].as_array().unwrap());
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
}
