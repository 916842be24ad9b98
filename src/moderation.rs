//! `/admin/contributions` and `/admin/places/{id}/history`: the moderators' side, behind the
//! admin token.
//!
//! A moderator lists the queue (each contribution with, for every field it touches, the value
//! on the map now and the value proposed), accepts (possibly with corrected values, read with
//! the same rules as the proposal), rejects with a reason, or reverts an accepted change. A
//! decision is appended to the log, and only then is the index rebuilt with every accepted
//! change on top of the base data (`AppState::rebuild`): the answer says whether the change is
//! on the map.

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::{web, HttpResponse};
use lieux_index::changes::apply::Conflict;
use lieux_index::changes::validate::{validate, Proposal};
use lieux_index::changes::{Contribution, Decision, Event, Selection, Status};
use lieux_index::SchemaField;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::answers::{request_body, Answer, Content, Description, PathParameter};
use crate::http_error::{ApiError, ErrorCode};
use crate::limits::Limits;
use crate::params::read_body;
use crate::params::{Kind, Maximum, NoParams, Parameter, Params, Query, RouteParams};
use crate::state::{AppState, Authorized, Live};

/// What every moderation route may answer besides its own.
const MODERATION_ERRORS: &[(ErrorCode, &str)] = &[
    (
        ErrorCode::Unauthorized,
        "No `Authorization: Bearer` header, or not the token.",
    ),
    (
        ErrorCode::NotFound,
        "Admin is off (no token configured), or no contribution has this number.",
    ),
];

/// What a decision may answer besides.
const DECISION_ERRORS: &[(ErrorCode, &str)] = &[
    MODERATION_ERRORS[0],
    MODERATION_ERRORS[1],
    (
        ErrorCode::Conflict,
        "The contribution's status does not allow the decision (only a pending one is accepted or rejected, only an accepted one reverted).",
    ),
    (
        ErrorCode::InvalidContribution,
        "A corrected field is not valid: `fields` says what is wrong with each.",
    ),
    (ErrorCode::BodyTooLarge, "The body is larger than 64 KiB."),
];

/// `GET /admin/contributions`.
pub const QUEUE: Description = Description {
    description: "Needs `Authorization: Bearer TOKEN`. Most recent first; for each, every field it touches with the value on the map now and the value proposed, and the contributor's contact.",
    errors: MODERATION_ERRORS,
    admin: true,
    ..Description::new(
        "The contributions, by status and place",
        &[Answer::ok("The contributions.", &[Content::json::<Queue>()])],
    )
};

const CONTRIBUTION_PATH: &[PathParameter] = &[PathParameter {
    name: "id",
    description: "The contribution's number.",
    schema: crate::answers::count,
}];

/// `POST /admin/contributions/{id}/accept`.
pub const ACCEPT: Description = Description {
    description: "Needs `Authorization: Bearer TOKEN`. With `fields`, the moderator's corrections are put on the map instead of the values proposed for those fields; the other values proposed stay. Answered once the decision is on disk and the index rebuilt.",
    path: CONTRIBUTION_PATH,
    body: Some(request_body::<AcceptBody>),
    errors: DECISION_ERRORS,
    admin: true,
    ..Description::new(
        "Accept a contribution: it goes on the map",
        &[Answer::ok("The decision.", &[Content::json::<Decided>()])],
    )
};

/// `POST /admin/contributions/{id}/reject`.
pub const REJECT: Description = Description {
    description: "Needs `Authorization: Bearer TOKEN`. The reason is shown to the contributor.",
    path: CONTRIBUTION_PATH,
    body: Some(request_body::<ReasonBody>),
    errors: DECISION_ERRORS,
    admin: true,
    ..Description::new(
        "Reject a contribution",
        &[Answer::ok("The decision.", &[Content::json::<Decided>()])],
    )
};

/// `POST /admin/contributions/{id}/revert`.
pub const REVERT: Description = Description {
    description: "Needs `Authorization: Bearer TOKEN`. The change stays in the history.",
    path: CONTRIBUTION_PATH,
    body: Some(request_body::<ReasonBody>),
    errors: DECISION_ERRORS,
    admin: true,
    ..Description::new(
        "Take an accepted change off the map",
        &[Answer::ok("The decision.", &[Content::json::<Decided>()])],
    )
};

/// `GET /admin/places/{id}/history`.
pub const HISTORY: Description = Description {
    description: "Needs `Authorization: Bearer TOKEN`. What the base data says of the place (its source and `date_maj`), then every contribution and decision about it, in order.",
    path: &[PathParameter {
        name: "id",
        description: "The place's id.",
        schema: crate::answers::text,
    }],
    errors: MODERATION_ERRORS,
    admin: true,
    ..Description::new(
        "Every change to a place",
        &[Answer::ok("The history.", &[Content::json::<History>()])],
    )
};

/// `GET /admin/conflicts`.
pub const CONFLICTS: Description = Description {
    description: "Needs `Authorization: Bearer TOKEN`. Fields an accepted change did not set because the base data changed them since the change was proposed; the base value is on the map.",
    errors: MODERATION_ERRORS,
    admin: true,
    ..Description::new(
        "Accepted changes the base data contradicts",
        &[Answer::ok("The conflicts.", &[Content::json::<Conflicts>()])],
    )
};

/// The parameters of the queue.
pub struct QueueParams {
    selection: Selection,
}

impl RouteParams for QueueParams {
    const PARAMETERS: &'static [Parameter] = &[
        Parameter {
            name: "status",
            description: "Only the contributions of this status (default `pending`).",
            kind: Kind::OneOf {
                values: &["pending", "accepted", "rejected", "reverted"],
                default: "pending",
            },
        },
        Parameter {
            name: "place_id",
            description: "Only the contributions about this place.",
            kind: Kind::Text,
        },
        Parameter {
            name: "limit",
            description: "How many (default 100, at most 1,000).",
            kind: Kind::Integer {
                minimum: 1,
                maximum: Maximum::Fixed(1000),
                default: Some(100),
            },
        },
    ];

    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        let [status, place_id, limit] = Self::PARAMETERS else {
            unreachable!("three parameters")
        };
        Ok(Self {
            selection: Selection {
                status: Status::from_name(status.one_of(query)?),
                place_id: place_id.text(query)?.map(str::to_owned),
                limit: limit.count(query, limits)?,
            },
        })
    }
}

/// The queue.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Queue {
    /// The contributions, most recent first.
    contributions: Vec<Queued>,
}

/// A contribution in the queue.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Queued {
    /// The contribution, with its contact.
    #[serde(flatten)]
    contribution: Contribution,
    /// For each field it touches: the value on the map now, and the value proposed.
    diff: BTreeMap<String, FieldDiff>,
    /// The place on the map now, when it is.
    place: Option<PlaceNow>,
}

/// A field's value now and proposed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FieldDiff {
    /// On the map now ("" when empty).
    current: String,
    /// Proposed.
    proposed: String,
}

/// Where a place is on the map now.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PlaceNow {
    /// Its name.
    nom: String,
    /// `[longitude, latitude]`.
    coordinates: [f64; 2],
}

/// `GET /admin/contributions`.
pub async fn queue(
    _: Authorized,
    state: web::Data<AppState>,
    live: Live,
    Params(QueueParams { selection }): Params<QueueParams>,
) -> Result<HttpResponse, ApiError> {
    let store = Arc::clone(&state.changes);
    let listed = web::block(move || store.list(&selection))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
    let contributions = listed
        .into_iter()
        .map(|contribution| {
            let current = live
                .place(&contribution.submission.place_id)
                .map(|f| f.place);
            let diff = contribution
                .submission
                .fields
                .iter()
                .map(|(name, proposed)| {
                    let now = SchemaField::from_name(name)
                        .zip(current)
                        .map(|(field, place)| place.field_text(field))
                        .unwrap_or_default();
                    (
                        name.clone(),
                        FieldDiff {
                            current: now,
                            proposed: proposed.clone(),
                        },
                    )
                })
                .collect();
            let place = current.map(|place| PlaceNow {
                nom: place.nom().to_owned(),
                coordinates: [place.longitude, place.latitude],
            });
            Queued {
                contribution,
                diff,
                place,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(Queue { contributions }))
}

/// The body of an acceptance.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    /// Who decides (default `moderator`).
    #[serde(default)]
    moderator: Option<String>,
    /// Corrected values, instead of the proposed ones, by field name.
    #[serde(default)]
    fields: Option<BTreeMap<String, Value>>,
}

/// The body of a rejection or a revert.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Who decides (default `moderator`).
    #[serde(default)]
    moderator: Option<String>,
    /// Why.
    #[schemars(length(min = 1, max = 2000))]
    reason: String,
}

/// A decision taken.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Decided {
    /// The contribution, with the decision.
    contribution: Contribution,
    /// Whether the map shows the decision already (`false` when a rebuild is running: the
    /// change follows it).
    live: bool,
}

/// The body of a decision, as JSON (an empty body is the default).
fn body_of<T: for<'de> Deserialize<'de> + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("the body is not valid: {e}"),
        )
    })
}

fn moderator(name: Option<String>) -> String {
    name.map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .map_or_else(|| "moderator".to_owned(), |n| n.chars().take(100).collect())
}

/// `POST /admin/contributions/{id}/accept`.
pub async fn accept(
    _: Authorized,
    state: web::Data<AppState>,
    live: Live,
    id: web::Path<String>,
    payload: web::Payload,
    _: Params<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let id = contribution_id(&id)?;
    let body: AcceptBody =
        body_of(&read_body(payload, crate::contributions::MAX_CONTRIBUTION_BYTES).await?)?;
    let fields = match body.fields {
        None => None,
        Some(corrected) => {
            let store = Arc::clone(&state.changes);
            let current = web::block(move || store.contribution(id))
                .await
                .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??
                .ok_or_else(|| {
                    ApiError::new(ErrorCode::NotFound, format!("no contribution {id}"))
                })?;
            let submission = &current.submission;
            // The corrections replace the values proposed for their fields; the others stay.
            let mut fields: BTreeMap<String, Value> = submission
                .fields
                .iter()
                .map(|(name, value)| (name.clone(), Value::String(value.clone())))
                .collect();
            fields.extend(corrected);
            let proposal = Proposal {
                kind: Some(submission.kind),
                place_id: Some(submission.place_id.clone()),
                fields,
                message: None,
                contact: None,
            };
            let place = live.place(&submission.place_id).map(|f| f.place.clone());
            let read = validate(&proposal, place.as_ref(), &submission.place_id)
                .map_err(|refusal| ApiError::invalid_contribution(refusal.fields))?;
            Some(read.fields)
        }
    };
    decide(
        &state,
        id,
        Decision::Accept {
            moderator: moderator(body.moderator),
            fields,
        },
    )
    .await
}

/// `POST /admin/contributions/{id}/reject`.
pub async fn reject(
    _: Authorized,
    state: web::Data<AppState>,
    id: web::Path<String>,
    payload: web::Payload,
    _: Params<NoParams>,
) -> Result<HttpResponse, ApiError> {
    with_reason(&state, &id, payload, |moderator, reason| Decision::Reject {
        moderator,
        reason,
    })
    .await
}

/// `POST /admin/contributions/{id}/revert`.
pub async fn revert(
    _: Authorized,
    state: web::Data<AppState>,
    id: web::Path<String>,
    payload: web::Payload,
    _: Params<NoParams>,
) -> Result<HttpResponse, ApiError> {
    with_reason(&state, &id, payload, |moderator, reason| Decision::Revert {
        moderator,
        reason,
    })
    .await
}

/// The decision `decision` makes of the moderator and the reason of the body.
async fn with_reason(
    state: &web::Data<AppState>,
    id: &str,
    payload: web::Payload,
    decision: fn(String, String) -> Decision,
) -> Result<HttpResponse, ApiError> {
    let id = contribution_id(id)?;
    let body = reason_of(payload).await?;
    decide(state, id, decision(moderator(body.moderator), body.reason)).await
}

async fn reason_of(payload: web::Payload) -> Result<ReasonBody, ApiError> {
    let body: ReasonBody =
        body_of(&read_body(payload, crate::contributions::MAX_CONTRIBUTION_BYTES).await?)?;
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            "reason: say why, in at most 2,000 characters",
        ));
    }
    Ok(body)
}

fn contribution_id(id: &str) -> Result<u64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::new(ErrorCode::NotFound, format!("no contribution {id:?}")))
}

/// How long a decision's answer waits for a build that this server's listener of a shared store
/// started for it.
const SHARED_BUILD_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Appends `decision`, then rebuilds the index when it changes the map.
async fn decide(
    state: &web::Data<AppState>,
    id: u64,
    decision: Decision,
) -> Result<HttpResponse, ApiError> {
    let store = Arc::clone(&state.changes);
    let changes_map = !matches!(decision, Decision::Reject { .. });
    let contribution = web::block(move || store.decide(id, &decision))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
    tracing::info!(
        contribution = id,
        status = contribution.status.name(),
        "moderation decision kept"
    );
    let live = if changes_map {
        match AppState::rebuild(state, "moderation").await? {
            Some(_) => true,
            // With a shared store, this server's listener may have heard the decision first
            // and be applying it: the answer waits for that build rather than say "not yet".
            None if state.changes.link().is_some() => {
                let seq = contribution.decisions.last().map_or(0, |event| event.seq);
                state.shows_decision(seq, SHARED_BUILD_WAIT).await
            }
            None => false,
        }
    } else {
        true
    };
    Ok(HttpResponse::Ok().json(Decided { contribution, live }))
}

/// A place's history.
#[derive(Debug, Serialize, JsonSchema)]
pub struct History {
    /// The place.
    place_id: String,
    /// What the map shows of it now, when it is on the map: its source and `date_maj`.
    current: Option<Origin>,
    /// Every contribution and decision about it, in order.
    events: Vec<Event>,
}

/// Where a place's values come from.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Origin {
    /// Its `source` (the import's, and the contribution that changed it last).
    source: String,
    /// Its `date_maj`.
    date_maj: String,
}

/// `GET /admin/places/{id}/history`.
pub async fn history(
    _: Authorized,
    state: web::Data<AppState>,
    live: Live,
    id: web::Path<String>,
    _: Params<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let place_id = id.into_inner();
    let current = live.place(&place_id).map(|f| Origin {
        source: f.place.source().to_owned(),
        date_maj: f.place.field_text(SchemaField::DateMaj),
    });
    let store = Arc::clone(&state.changes);
    let asked = place_id.clone();
    let events = web::block(move || store.history(&asked))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
    Ok(HttpResponse::Ok().json(History {
        place_id,
        current,
        events,
    }))
}

/// The conflicts of the index served.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Conflicts {
    /// The accepted changes applied.
    changes: usize,
    /// The fields left as the base data says.
    conflicts: Vec<Conflict>,
    /// Changes of places the base data no longer has.
    orphans: Vec<Orphan>,
}

/// A change of a place the base data no longer has.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Orphan {
    /// The contribution.
    contribution: u64,
    /// The place.
    place_id: String,
}

/// `GET /admin/conflicts`.
pub async fn conflicts(
    _: Authorized,
    live: Live,
    _: Params<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let applied = live.changes();
    Ok(HttpResponse::Ok().json(Conflicts {
        changes: applied.count,
        conflicts: applied.conflicts.clone(),
        orphans: applied
            .orphans
            .iter()
            .map(|(contribution, place_id)| Orphan {
                contribution: *contribution,
                place_id: place_id.clone(),
            })
            .collect(),
    }))
}
