//! `/admin/*`: re-indexing while serving, behind a bearer token.
//!
//! Admin is off unless a token is configured (`LIEUX_ADMIN_TOKEN` or `--admin-token-file`):
//! without one, every admin route answers 404, so a server started without thinking about it
//! exposes nothing. With one, a request must carry `Authorization: Bearer TOKEN` or gets 401.
//! Tokens are compared through their BLAKE3 hashes, whose equality is constant-time, so the time
//! of a refusal tells nothing about how much of a guess was right (nor its length).
//!
//! `POST /admin/reload` builds a new index (from `{"path": DIR}`, `{"sources": [FILES]}`, or by
//! default what the server was started with), checks it whole in `lieux_index::live`, and only
//! then swaps it in; requests in flight finish on the old one. SIGHUP does the same with the
//! default. One reload runs at a time: a second one meanwhile gets 409. A reload runs as a task
//! of its own, with no request timeout, so that neither a client going away nor a slow build
//! of a large index can cut it short and throw the new index away.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use lieux_index::import::ImportOptions;
use lieux_index::live::{load, IndexSource, LiveOptions};
use serde::{Deserialize, Serialize};

use crate::http_error::{ApiError, ErrorCode};
use crate::server::{AppState, RoutePattern};

/// The shortest admin token accepted.
pub const MIN_TOKEN_CHARS: usize = 16;

/// Admin settings.
pub struct Admin {
    /// The hash of the token; `None`: admin is off.
    token: Option<blake3::Hash>,
    /// What a reload without a body reads.
    pub default_source: IndexSource,
    /// How `{"sources": …}` are read.
    pub import: ImportOptions,
    /// Where indexes rebuilt from sources are written.
    pub work_dir: PathBuf,
    /// How derived structures are built.
    pub options: LiveOptions,
    reloading: AtomicBool,
}

impl Admin {
    /// Admin settings; `token` off when `None`.
    ///
    /// # Errors
    /// A token shorter than [`MIN_TOKEN_CHARS`].
    pub fn new(
        token: Option<&str>,
        default_source: IndexSource,
        import: ImportOptions,
        work_dir: PathBuf,
        options: LiveOptions,
    ) -> anyhow::Result<Self> {
        let token = token.map(str::trim);
        if let Some(token) = token {
            if token.chars().count() < MIN_TOKEN_CHARS {
                anyhow::bail!("the admin token must have at least {MIN_TOKEN_CHARS} characters");
            }
        }
        Ok(Self {
            token: token.map(|t| blake3::hash(t.as_bytes())),
            default_source,
            import,
            work_dir,
            options,
            reloading: AtomicBool::new(false),
        })
    }

    /// Whether a reload is running.
    pub fn reload_running(&self) -> bool {
        self.reloading.load(Ordering::Acquire)
    }

    /// Whether admin routes are on.
    pub fn enabled(&self) -> bool {
        self.token.is_some()
    }

    /// Refuses a request without the token: 404 when admin is off, 401 otherwise.
    fn authorize(&self, request: &HttpRequest) -> Result<(), ApiError> {
        let Some(expected) = &self.token else {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!("no route for {} {}", request.method(), request.path()),
            ));
        };
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim_start().split_once(' '))
            // The scheme is case-insensitive (RFC 9110, section 11.1).
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| blake3::hash(token.trim().as_bytes()));
        match given {
            // `blake3::Hash` compares in constant time.
            Some(hash) if hash == *expected => Ok(()),
            Some(_) => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "the bearer token is not the admin token",
            )),
            None => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "admin routes need an Authorization: Bearer header",
            )),
        }
    }
}

/// Adds `/admin/*`.
pub fn routes(config: &mut web::ServiceConfig) {
    config.service(
        web::scope("/admin")
            .app_data(RoutePattern("/admin/{route}"))
            .service(
                web::resource("/reload")
                    .app_data(RoutePattern("/admin/reload"))
                    .route(web::post().to(reload_route))
                    .default_service(web::to(other)),
            )
            .service(
                web::resource("/search-gaps")
                    .app_data(RoutePattern("/admin/search-gaps"))
                    .route(web::get().to(search_gaps))
                    .route(web::head().to(search_gaps))
                    .default_service(web::to(other)),
            )
            .default_service(web::to(other)),
    );
}

/// Any other admin request: 405 or 404, once the token is checked, so that nothing tells a
/// client without it which admin routes exist.
async fn other(state: web::Data<AppState>, request: HttpRequest) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(&request)?;
    if request.path() == "/admin/reload" {
        crate::server::method_not_allowed(&request, "POST")
    } else if request.path() == "/admin/search-gaps" {
        crate::server::method_not_allowed(&request, "GET, HEAD")
    } else {
        crate::server::not_found(request).await
    }
}

/// `GET /admin/search-gaps?limit=N`: the most frequent searches that found nothing as asked
/// (see [`crate::gaps`]), 50 unless `limit` says otherwise (at most 1,000).
async fn search_gaps(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: crate::params::Query,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(&request)?;
    if let Some((name, _)) = query.iter().find(|(name, _)| name != "limit") {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("unknown parameter {name:?}: this route takes limit"),
        ));
    }
    let limit: usize = crate::params::number_param(&query, "limit", Some(50))?;
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("limit: {limit} is outside 1 to 1000"),
        ));
    }
    Ok(HttpResponse::Ok().json(state.gaps.list(limit)))
}

/// The body of `POST /admin/reload`: at most one of the two.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReloadBody {
    /// An index directory.
    path: Option<PathBuf>,
    /// Source files to index.
    sources: Option<Vec<PathBuf>>,
}

/// The answer of a reload that swapped.
#[derive(Debug, Serialize)]
pub struct Reloaded {
    status: &'static str,
    previous: String,
    index: String,
    places: u64,
    took_ms: u128,
}

async fn reload_route(
    state: web::Data<AppState>,
    request: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    state.admin.authorize(&request)?;
    let max = state.limits.max_body_bytes;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.to_string()))?;
        if body.len() + chunk.len() > max {
            return Err(ApiError::new(
                ErrorCode::BodyTooLarge,
                format!("the body is larger than the maximum of {max} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let asked: ReloadBody = if body.iter().all(u8::is_ascii_whitespace) {
        ReloadBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("the body is not {{\"path\": DIR}} or {{\"sources\": [FILES]}}: {e}"),
            )
        })?
    };
    let source = match asked {
        ReloadBody {
            path: Some(_),
            sources: Some(_),
        } => {
            return Err(ApiError::new(
                ErrorCode::InvalidParameter,
                "give path or sources, not both",
            ))
        }
        ReloadBody {
            path: Some(dir), ..
        } => IndexSource::Dir(dir),
        ReloadBody {
            sources: Some(inputs),
            ..
        } => {
            if inputs.is_empty() {
                return Err(ApiError::new(
                    ErrorCode::InvalidParameter,
                    "sources: give at least one file",
                ));
            }
            IndexSource::Sources {
                inputs,
                options: state.admin.import.clone(),
                work_dir: state.admin.work_dir.clone(),
            }
        }
        ReloadBody { .. } => state.admin.default_source.clone(),
    };
    // The reload runs as a task of its own: a client that goes away does not cancel it.
    let task = actix_web::rt::spawn(async move { reload(&state, source, "http").await });
    let reloaded = task
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
    Ok(HttpResponse::Ok().json(reloaded))
}

/// Builds the index of `source`, checks it and swaps it in; the old index keeps serving when
/// anything fails. `trigger` is for the logs.
///
/// # Errors
/// 409 when a reload is running, 422 with the reason when the new index cannot be built or
/// fails its checks.
pub async fn reload(
    state: &web::Data<AppState>,
    source: IndexSource,
    trigger: &'static str,
) -> Result<Reloaded, ApiError> {
    if state.admin.reloading.swap(true, Ordering::AcqRel) {
        return Err(ApiError::new(
            ErrorCode::ReloadRunning,
            "a reload is already running",
        ));
    }
    /// Clears the flag however the reload ends (even when the request is dropped).
    struct Running<'a>(&'a AtomicBool);
    impl Drop for Running<'_> {
        fn drop(&mut self) {
            self.0.store(false, Ordering::Release);
        }
    }
    let _running = Running(&state.admin.reloading);
    let started = Instant::now();
    tracing::info!(trigger, source = ?source, "reload started");
    let options = state.admin.options.clone();
    // A panic while building (a bug, or a decoder meeting what no check foresaw) fails this
    // reload like any other error: the old index keeps serving, and the metric counts it.
    let built = web::block(move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load(&source, &options)))
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
    // The sources may be any file the server can read: no message below quotes what they hold.
    .map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        format!("building the index failed ({what})")
    })
    .and_then(|built| built.map_err(|error| error.without_file_content()));
    match built {
        Ok(new) => {
            let new = Arc::new(new);
            let old = state.live.swap(Arc::clone(&new));
            state.metrics.retire_tiles(old.tiles.stats());
            state.metrics.reloaded(true);
            let took_ms = started.elapsed().as_millis();
            tracing::info!(
                trigger,
                previous = %old.hash(),
                index = %new.hash(),
                places = new.index.manifest.places,
                took_ms,
                "reloaded: the new index serves"
            );
            Ok(Reloaded {
                status: "reloaded",
                previous: old.hash().to_owned(),
                index: new.hash().to_owned(),
                places: new.index.manifest.places,
                took_ms,
            })
        }
        Err(error) => {
            state.metrics.reloaded(false);
            tracing::error!(trigger, %error, "reload failed: the old index keeps serving");
            Err(ApiError::new(
                ErrorCode::ReloadFailed,
                format!("reload failed, the old index keeps serving: {error}"),
            ))
        }
    }
}
