//! What each route answers, declared beside its handler: a summary, the statuses with their
//! content types and schemas, the errors of its own, its path parameters and its body.
//!
//! [`crate::openapi`] makes the document from these declarations and from the parameters the
//! routes read ([`crate::params`]), so it states what the code does. A schema is a function of
//! the generator: the answers that serde writes derive theirs (`schemars`), and those written
//! by hand for speed (GeoJSON features, a page of results) state theirs next to their writer,
//! which a test or schemathesis then holds them to.

use schemars::generate::SchemaSettings;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

use crate::http_error::ErrorCode;

/// Makes the schema of a body, adding the named types it uses to the generator's definitions.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// How a route is described.
#[derive(Debug)]
pub struct Description {
    /// What it does, in a line.
    pub summary: &'static str,
    /// More, when a line is not enough ("" for nothing).
    pub description: &'static str,
    /// The parameters of its path, in their order.
    pub path: &'static [PathParameter],
    /// Its JSON request body, which may be left out.
    pub body: Option<SchemaFn>,
    /// Its answers but errors.
    pub answers: &'static [Answer],
    /// The errors it answers besides those of every route, each with when it does.
    pub errors: &'static [(ErrorCode, &'static str)],
    /// Whether it needs the admin bearer token.
    pub admin: bool,
}

impl Description {
    /// A route answering `answers`, with nothing else to say.
    #[must_use]
    pub const fn new(summary: &'static str, answers: &'static [Answer]) -> Self {
        Self {
            summary,
            description: "",
            path: &[],
            body: None,
            answers,
            errors: &[],
            admin: false,
        }
    }
}

/// One answer that is not an error.
#[derive(Debug)]
pub struct Answer {
    /// Its HTTP status.
    pub status: u16,
    /// What it means.
    pub description: &'static str,
    /// Its bodies by content type; none for an answer without a body.
    pub content: &'static [Content],
    /// Headers it carries, each with what it says.
    pub headers: &'static [(&'static str, &'static str)],
}

impl Answer {
    /// A 200 with one body.
    #[must_use]
    pub const fn ok(description: &'static str, content: &'static [Content]) -> Self {
        Self {
            status: 200,
            description,
            content,
            headers: &[],
        }
    }
}

/// A body of an answer.
#[derive(Debug)]
pub struct Content {
    /// Its content type, exactly as the answer's `Content-Type` starts.
    pub media: &'static str,
    /// Its schema.
    pub schema: SchemaFn,
}

impl Content {
    /// A JSON body of the type `T`.
    #[must_use]
    pub const fn json<T: JsonSchema>() -> Self {
        Self {
            media: "application/json",
            schema: SchemaGenerator::subschema_for::<T>,
        }
    }

    /// A page, for people.
    #[must_use]
    pub const fn html() -> Self {
        Self {
            media: "text/html",
            schema: text,
        }
    }
}

/// A parameter of a route's path.
#[derive(Debug)]
pub struct PathParameter {
    /// Its name in the document's path.
    pub name: &'static str,
    /// What it is.
    pub description: &'static str,
    /// Its schema.
    pub schema: SchemaFn,
}

/// Text.
pub fn text(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string" })
}

/// A whole number, from 0.
pub fn count(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "minimum": 0 })
}

/// Bytes.
pub fn binary(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "format": "binary" })
}

/// The schema of the request body `T` as it is read: with serde's rules for reading (a field
/// that may be left out is not required), every type inline.
pub fn request_body<T: JsonSchema>(_: &mut SchemaGenerator) -> Schema {
    let mut schema = SchemaSettings::draft2020_12()
        .for_deserialize()
        .with(|settings| settings.inline_subschemas = true)
        .into_generator()
        .into_root_schema_for::<T>();
    schema.remove("$schema");
    schema
}
