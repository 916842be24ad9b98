//! `/admin/*`: re-indexing while serving, behind a bearer token.
//!
//! Admin is off unless a token is configured (`LIEUX_ADMIN_TOKEN` or `--admin-token-file`):
//! without one, every admin route answers 404, so a server started without thinking about it
//! exposes nothing. With one, a request must carry `Authorization: Bearer TOKEN` or gets 401.
//! Tokens are compared through their BLAKE3 hashes, whose equality is constant-time, so the time
//! of a refusal tells nothing about how much of a guess was right (nor its length).
//!
//! `POST /admin/reload` builds a new index (from `{"path": DIR}`, `{"sources": [FILES]}`, or by
//! default what the server was started with), checks it whole in `lieux_index::serve`, and only
//! then swaps it in; requests in flight finish on the old one. SIGHUP does the same with the
//! default. One reload runs at a time: a second one meanwhile gets 409. A reload runs as a task
//! of its own, with no request timeout, so that neither a client going away nor a slow build
//! of a large index can cut it short and throw the new index away.

use std::path::PathBuf;

use actix_web::{web, HttpRequest, HttpResponse};
use lieux_index::serve::IndexSource;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::answers::{request_body, Answer, Content, Description};
use crate::gaps::GapList;
use crate::http_error::{ApiError, ErrorCode};
use crate::limits::Limits;
use crate::params::{read_body, Kind, Maximum, Parameter, Params, Query, RouteParams};
use crate::state::{AppState, Authorized, Reloaded};

/// What every admin route may answer besides its own.
const ADMIN_ERRORS: [(ErrorCode, &str); 2] = [
    (
        ErrorCode::Unauthorized,
        "No `Authorization: Bearer` header, or not the token.",
    ),
    (
        ErrorCode::NotFound,
        "Admin is off: the server has no token configured.",
    ),
];

/// `POST /admin/reload`.
pub const RELOAD: Description = Description {
    description: "Needs `Authorization: Bearer TOKEN` (the token of `LIEUX_ADMIN_TOKEN` or `--admin-token-file`); without a configured token every admin route answers 404. The new index is built and checked completely before the swap; on failure the old one keeps serving. SIGHUP does the same with the default source.",
    body: Some(request_body::<ReloadBody>),
    errors: &[
        ADMIN_ERRORS[0],
        ADMIN_ERRORS[1],
        (
            ErrorCode::InvalidParameter,
            "The body is neither empty nor one of `{\"path\"}` and `{\"sources\"}`.",
        ),
        (
            ErrorCode::BodyTooLarge,
            "The body is larger than `--max-body-bytes`.",
        ),
        (ErrorCode::ReloadRunning, "A reload is already running."),
        (
            ErrorCode::ReloadFailed,
            "The new index could not be built or failed its checks; the old one keeps serving.",
        ),
    ],
    admin: true,
    ..Description::new(
        "Build, check and swap in a new index",
        &[Answer::ok(
            "The new index serves.",
            &[Content::json::<Reloaded>()],
        )],
    )
};

/// `GET /admin/search-gaps`.
pub const SEARCH_GAPS: Description = Description {
    description: "Needs `Authorization: Bearer TOKEN`. Searches that found nothing, dropped words or fell back, by normalised query (folded words, without chunks holding @ or six digits in a row, at most eight words), listed once seen three times; held in memory, bounded. For coordinators: which needs the map does not answer, which words the thesaurus lacks.",
    errors: &ADMIN_ERRORS,
    admin: true,
    ..Description::new(
        "The most frequent searches that found nothing as asked",
        &[Answer::ok("The gaps.", &[Content::json::<GapList>()])],
    )
};

/// Any other admin request: 405 or 404, once the token is checked, so that nothing tells a
/// client without it which admin routes exist.
pub async fn other(_: Authorized, request: HttpRequest) -> Result<HttpResponse, ApiError> {
    let path = request.path();
    let segments: Vec<&str> = path.trim_start_matches("/admin/").split('/').collect();
    let allow = match segments.as_slice() {
        ["reload"] => Some("POST"),
        ["search-gaps" | "contributions" | "conflicts"] | ["places", _, "history"] => {
            Some("GET, HEAD")
        }
        ["contributions", _, "accept" | "reject" | "revert"] => Some("POST"),
        _ => None,
    };
    match allow {
        Some(allow) => Err(ApiError::method_not_allowed(&request, allow)),
        None => Err(ApiError::no_route(&request)),
    }
}

/// `GET /admin/search-gaps?limit=N`: the most frequent searches that found nothing as asked
/// (see [`crate::gaps`]), 50 unless `limit` says otherwise (at most 1,000).
pub async fn search_gaps(
    _: Authorized,
    state: web::Data<AppState>,
    Params(GapsParams { limit }): Params<GapsParams>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.gaps.list(limit)))
}

/// The parameters of `/admin/search-gaps`: how many searches to list.
pub struct GapsParams {
    limit: usize,
}

impl RouteParams for GapsParams {
    const PARAMETERS: &'static [Parameter] = &[Parameter {
        name: "limit",
        description: "How many searches (default 50, at most 1,000).",
        kind: Kind::Integer {
            minimum: 1,
            maximum: Maximum::Fixed(1000),
            default: Some(50),
        },
    }];

    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        Ok(Self {
            limit: Self::PARAMETERS[0].count(query, limits)?,
        })
    }
}

/// The body of `POST /admin/reload`: at most one of the two; without either, the configured
/// `--index` or `--source` is read again.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("not" = { "required": ["path", "sources"] }))]
struct ReloadBody {
    /// An index directory written by `lieux index`.
    path: Option<PathBuf>,
    /// Source files to import and index.
    #[schemars(length(min = 1))]
    sources: Option<Vec<PathBuf>>,
}

pub async fn reload(
    _: Authorized,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(payload, state.limits.max_body_bytes).await?;
    let source = reload_source(&state, &body)?;
    // The reload runs as a task of its own: a client that goes away does not cancel it.
    let task = actix_web::rt::spawn(async move { state.reload(source, "http").await });
    let reloaded = task
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
    Ok(HttpResponse::Ok().json(reloaded))
}

/// What the body of a reload asks to load: an index directory, source files, or (an empty
/// body) what the server was started with.
fn reload_source(state: &AppState, body: &[u8]) -> Result<IndexSource, ApiError> {
    let asked: ReloadBody = if body.iter().all(u8::is_ascii_whitespace) {
        ReloadBody::default()
    } else {
        serde_json::from_slice(body).map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("the body is not {{\"path\": DIR}} or {{\"sources\": [FILES]}}: {e}"),
            )
        })?
    };
    match asked {
        ReloadBody {
            path: Some(_),
            sources: Some(_),
        } => Err(ApiError::new(
            ErrorCode::InvalidParameter,
            "give path or sources, not both",
        )),
        ReloadBody {
            path: Some(dir), ..
        } => Ok(IndexSource::Dir(dir)),
        ReloadBody {
            sources: Some(inputs),
            ..
        } if inputs.is_empty() => Err(ApiError::new(
            ErrorCode::InvalidParameter,
            "sources: give at least one file",
        )),
        ReloadBody {
            sources: Some(inputs),
            ..
        } => Ok(IndexSource::Sources {
            inputs,
            options: state.admin.import.clone(),
            work_dir: state.admin.work_dir.clone(),
        }),
        ReloadBody { .. } => state.admin.default_source(),
    }
}
