//! `/contributions`: anyone proposes a new place, a correction or a closure, and follows it.
//!
//! A proposal comes as JSON, or as the page's form (`application/x-www-form-urlencoded`, so
//! that it works without JavaScript). It is read with the importer's rules
//! (`lieux_index::changes::validate`) and refused field by field (422) or appended to the log
//! (`ChangeStore::submit`), and only then answered `202`: what is acknowledged is on disk. The
//! answer holds the key that shows the contribution to its author, once; contact details are
//! shown to moderators only. The form carries a field that people leave empty and robots fill
//! in, and a place takes a bounded number of pending contributions.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use lieux_index::changes::validate::{
    new_place_id, proposable_fields, validate, Proposal, MAX_FIELD_CHARS,
};
use lieux_index::changes::{Contact, ContributionKind, Status, Submission};
use lieux_index::notice::EXTENSION_FIELDS;
use lieux_index::SchemaField;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;
use serde_json::Value;

use crate::answers::{request_body, Answer, Content, Description, PathParameter};
use crate::http_error::{ApiError, ErrorCode};
use crate::limits::Limits;
use crate::params::{Kind, NoParams, Parameter, Params, Query, RouteParams};
use crate::receipts::{self, Followed, Submitted};
use crate::state::{AppState, Live};

/// The most contributions one place may have waiting for a moderator.
pub const MAX_PENDING_PER_PLACE: usize = 5;
/// The largest body of a contribution, in bytes.
pub const MAX_CONTRIBUTION_BYTES: usize = 64 * 1024;
/// The form's field that people leave empty (it is hidden) and robots fill in.
pub const HONEYPOT: &str = "website";

/// `POST /contributions`.
pub const SUBMIT: Description = Description {
    description: "No token. The fields are those of schema v1.0.2, only those that change; they are read with the importer's rules: what it would fix is fixed and said in `warnings`, what it would set aside is refused. A new place without coordinates is put at the centre of its postal code's commune, and flagged for the moderator. The answer's `key` shows the contribution to its author (`follow_url`); it is given once. The page's form sends the same as `application/x-www-form-urlencoded`: the fields by name (a checkbox list repeats its name), `contact_name`, `contact_email`. A client whose `Accept` names `text/html` (a browser posting the form without JavaScript) gets the same answers, with the same statuses, as a page in French: the receipt with its follow link, or what to correct field by field.",
    body: Some(request_body::<ContributionBody>),
    errors: &[
        (
            ErrorCode::InvalidContribution,
            "A field is not valid: `fields` says what is wrong with each.",
        ),
        (
            ErrorCode::UnsupportedMediaType,
            "The body is neither JSON nor a form.",
        ),
        (
            ErrorCode::Conflict,
            "The place has as many contributions waiting for a moderator as a place may have.",
        ),
        (
            ErrorCode::BodyTooLarge,
            "The body is larger than 64 KiB.",
        ),
    ],
    ..Description::new(
        "Propose a new place, a correction or a closure",
        &[Answer {
            status: 202,
            description: "Kept, waiting for a moderator.",
            content: &[Content::json::<Submitted>(), Content::html()],
            headers: &[("Location", "Where the contribution is followed (with its key).")],
        }],
    )
};

/// `GET /contributions/{id}`.
pub const FOLLOW: Description = Description {
    path: &[PathParameter {
        name: "id",
        description: "The contribution's number.",
        schema: crate::answers::count,
    }],
    description: "A client whose `Accept` names `text/html` gets it as a page in French.",
    errors: &[(
        ErrorCode::NotFound,
        "No contribution has this number and key.",
    )],
    ..Description::new(
        "Where a contribution is, for its author",
        &[Answer::ok(
            "The contribution, without its contact details.",
            &[Content::json::<Followed>(), Content::html()],
        )],
    )
};

/// A contribution, as JSON.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContributionBody {
    /// What it proposes.
    kind: ContributionKind,
    /// The place, for an update or a closure.
    #[serde(default)]
    place_id: Option<String>,
    /// The new values by schema field name: texts; numbers for `latitude` and `longitude`;
    /// for a field of several values, a list of texts or one text joined with `|`. Beside the
    /// schema's, a temporary closure (`fermeture_debut`, `fermeture_fin`, days `YYYY-MM-DD`,
    /// the last included, and `fermeture_motif`) or a notice (`avis_message`, `avis_fin`,
    /// optionally `avis_debut`), shown until their last day.
    #[serde(default)]
    #[schemars(schema_with = "fields_schema")]
    fields: BTreeMap<String, Value>,
    /// What the contributor says to the moderator.
    #[serde(default)]
    message: Option<String>,
    /// How a moderator may reach the contributor; never shown to anyone else.
    #[serde(default)]
    contact: Option<Contact>,
    /// Leave empty.
    #[serde(default)]
    website: Option<String>,
}

/// The schema of `fields`: the names a contribution may set (all of schema v1.0.2 but `id`,
/// `date_maj` and `source`, and the extension fields of a temporary closure or a notice), each
/// a text, a number (the coordinates) or a list of texts.
fn fields_schema(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = proposable_fields()
        .map(SchemaField::name)
        .chain(EXTENSION_FIELDS)
        .collect();
    json_schema!({
        "type": "object",
        "propertyNames": { "enum": names },
        "additionalProperties": {
            "anyOf": [
                { "type": "string", "maxLength": MAX_FIELD_CHARS },
                { "type": "number" },
                { "type": "array", "items": { "type": "string" } },
            ],
        },
    })
}

/// A refusal of the contribution's body as a whole.
fn refused(what: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid_contribution(BTreeMap::from([(what.to_owned(), message.into())]))
}

/// `POST /contributions`: a browser that posts the form without JavaScript gets its answer as
/// a page (see [`crate::receipts`]).
pub async fn submit(
    state: web::Data<AppState>,
    live: Live,
    request: HttpRequest,
    payload: web::Payload,
    _: Params<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let page = receipts::wants_html(&request);
    let submitted = match receive(&state, &live, &request, payload).await {
        Ok(submitted) => submitted,
        Err(error) if page && error.error != ErrorCode::Internal => {
            return Ok(receipts::refused(&error))
        }
        Err(error) => return Err(error),
    };
    let mut answer = if page {
        receipts::kept(&submitted)
    } else {
        HttpResponse::Accepted().json(&submitted)
    };
    answer.headers_mut().insert(
        header::LOCATION,
        header::HeaderValue::from_str(&submitted.follow_url)
            .expect("a follow URL is a number and a hexadecimal key"),
    );
    Ok(answer)
}

/// Reads a contribution, checks it and keeps it: only what is on disk is answered.
async fn receive(
    state: &AppState,
    live: &Live,
    request: &HttpRequest,
    payload: web::Payload,
) -> Result<Submitted, ApiError> {
    let media = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let body = crate::params::read_body(payload, MAX_CONTRIBUTION_BYTES).await?;
    let proposal =
        match media.as_str() {
            "application/json" => from_json(&body)?,
            "application/x-www-form-urlencoded" => from_form(&body)?,
            _ => return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "send the contribution as application/json or application/x-www-form-urlencoded",
            )),
        };
    let current = proposal
        .place_id
        .as_deref()
        .and_then(|id| live.place(id))
        .map(|feature| feature.place.clone());
    let submission: Submission = validate(&proposal, current.as_ref(), &new_place_id())
        .map_err(|refusal| ApiError::invalid_contribution(refusal.fields))?;
    let store = std::sync::Arc::clone(&state.changes);
    let kept = submission.clone();
    let receipt = web::block(move || store.submit(&kept, MAX_PENDING_PER_PLACE))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
    tracing::info!(
        contribution = receipt.id,
        kind = submission.kind.name(),
        place = %submission.place_id,
        "contribution kept"
    );
    Ok(Submitted {
        id: receipt.id,
        status: Status::Pending,
        follow_url: format!("/contributions/{}?key={}", receipt.id, receipt.key),
        key: receipt.key,
        warnings: submission.warnings,
        flags: submission.flags,
    })
}

/// A proposal from a JSON body.
fn from_json(body: &[u8]) -> Result<Proposal, ApiError> {
    let body: ContributionBody = serde_json::from_slice(body).map_err(|e| {
        let message = e.to_string();
        match message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split_once('`'))
        {
            Some((field, _)) => refused(field, "required"),
            None => refused("body", format!("not a contribution: {message}")),
        }
    })?;
    if body
        .website
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty())
    {
        return Err(refused(HONEYPOT, "leave this field empty"));
    }
    Ok(Proposal {
        kind: Some(body.kind),
        place_id: body.place_id,
        fields: body.fields,
        message: body.message,
        contact: body.contact,
    })
}

/// A proposal from the page's form: the fields by their schema names, a checkbox list
/// repeating its name, and `kind`, `place_id`, `message`, `contact_name`, `contact_email`.
fn from_form(body: &[u8]) -> Result<Proposal, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| refused("body", "not UTF-8"))?;
    crate::query_string::check(text).map_err(|why| refused("body", why))?;
    let pairs = web::Query::<Vec<(String, String)>>::from_query(text)
        .map_err(|e| refused("body", e.to_string()))?
        .into_inner();
    let mut proposal = Proposal::default();
    let mut contact = Contact::default();
    let mut lists: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (name, value) in pairs {
        let value = value.trim().to_owned();
        match name.as_str() {
            "kind" => {
                proposal.kind = Some(
                    ContributionKind::from_name(&value)
                        .ok_or_else(|| refused("kind", "give `new`, `update` or `closed`"))?,
                );
            }
            "place_id" => proposal.place_id = Some(value).filter(|v| !v.is_empty()),
            "message" => proposal.message = Some(value),
            "contact_name" => contact.name = Some(value).filter(|v| !v.is_empty()),
            "contact_email" => contact.email = Some(value).filter(|v| !v.is_empty()),
            HONEYPOT if !value.is_empty() => {
                return Err(refused(HONEYPOT, "leave this field empty"))
            }
            HONEYPOT => {}
            name => match SchemaField::from_name(name) {
                Some(field) if field.is_multi_valued() => {
                    if !value.is_empty() {
                        lists
                            .entry(name.to_owned())
                            .or_default()
                            .push(Value::String(value));
                    }
                }
                _ => {
                    if proposal.fields.contains_key(name) {
                        return Err(refused(name, "given twice"));
                    }
                    proposal
                        .fields
                        .insert(name.to_owned(), Value::String(value));
                }
            },
        }
    }
    for (name, values) in lists {
        proposal.fields.insert(name, Value::Array(values));
    }
    if contact != Contact::default() {
        proposal.contact = Some(contact);
    }
    Ok(proposal)
}

/// The parameters of `GET /contributions/{id}`: its key.
pub struct FollowParams {
    key: String,
}

impl RouteParams for FollowParams {
    const PARAMETERS: &'static [Parameter] = &[Parameter {
        name: "key",
        description: "The key the contribution was answered with.",
        kind: Kind::Text,
    }];

    fn read(query: &Query, _: &Limits) -> Result<Self, ApiError> {
        Ok(Self {
            key: Self::PARAMETERS[0].text(query)?.unwrap_or("").to_owned(),
        })
    }
}

/// `GET /contributions/{id}?key=`.
pub async fn follow(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    Params(FollowParams { key }): Params<FollowParams>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || {
        ApiError::new(
            ErrorCode::NotFound,
            "no contribution with this number and key",
        )
    };
    let id: u64 = id.parse().map_err(|_| not_found())?;
    let store = std::sync::Arc::clone(&state.changes);
    let found = web::block(move || store.contribution_with_key(id, &key))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??
        .ok_or_else(not_found)?;
    let found = Followed::from(found);
    Ok(if receipts::wants_html(&request) {
        receipts::followed(&found)
    } else {
        HttpResponse::Ok().json(found)
    })
}
