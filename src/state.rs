//! The server's state: the index being served, and everything a request can reach.
//!
//! The index is not part of the state itself but behind an atomic pointer, which only
//! [`AppState::reload`] swaps (`/admin/reload` and SIGHUP call it). A handler takes the pointer
//! once, through the [`Live`] extractor, and answers from that index to the end, even when a
//! reload swaps it meanwhile; the `X-Lieux-Index` header of the answer names the index it came
//! from.

use std::future::{ready, Ready};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use arc_swap::ArcSwap;
use lieux_index::changes::ChangeStore;
use lieux_index::ingest::import::ImportOptions;
use lieux_index::serve::{
    load_changed, load_with_changes, record_feed, IndexSource, LiveIndex, LiveOptions,
};
use serde::Serialize;

use crate::clients::{RateLimits, TrustedProxies};
use crate::gaps::SearchGaps;
use crate::http_error::{ApiError, ErrorCode};
use crate::limits::{ExportSlots, Limits};
use crate::metrics::{Metrics, StoreState};
use crate::pool::QueryPool;

/// What every request can reach.
pub struct AppState {
    /// The index being served, with everything derived from it; swapped whole by a reload
    /// ([`AppState::reload`]), and by nothing else.
    pub(crate) live: ArcSwap<LiveIndex>,
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
    pub gaps: SearchGaps,
    /// The OpenAPI document, made at start under the server's limits.
    pub openapi: web::Bytes,
    /// The contributions, the moderators' decisions and their log.
    pub changes: Arc<dyn ChangeStore>,
    /// The last decision of the log that the index served shows
    /// ([`ChangeStore::log_position`], read before the accepted changes it applied).
    pub applied_event: AtomicU64,
    /// The last decision any server made, as the listener of a shared store hears it; `None`
    /// for an embedded store.
    pub decisions_heard: Option<tokio::sync::watch::Receiver<u64>>,
    /// The key that signs the links of update campaigns.
    pub signer: crate::signer::Signer,
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

/// A request that carries the admin token, checked before anything else of the request is
/// read: without the token, an admin route says nothing but 404 (admin off) or 401.
pub struct Authorized;

impl FromRequest for Authorized {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let authorized = match request.app_data::<web::Data<AppState>>() {
            Some(state) => state.admin.authorize(request).map(|()| Self),
            None => Err(ApiError::new(ErrorCode::Internal, "no app state")),
        };
        ready(authorized)
    }
}

impl AppState {
    /// `scheme://host[/path]` of the server for links in answers: `--public-url`, or as the
    /// client asked for it.
    ///
    /// # Errors
    /// 400 when the request's host is not a host.
    pub fn base_url(&self, request: &HttpRequest) -> Result<String, ApiError> {
        match &self.public_url {
            Some(url) => Ok(url.clone()),
            None => self.proxies.base_url(request),
        }
    }

    /// The index being served now.
    #[must_use]
    pub fn live(&self) -> Arc<LiveIndex> {
        self.live.load_full()
    }

    /// The last decision of the log that the index served shows.
    #[must_use]
    pub fn applied_event(&self) -> u64 {
        self.applied_event.load(Ordering::Acquire)
    }

    /// Whether the index served shows the log's decision `seq`, waiting up to `within` for a
    /// build running to show it.
    pub async fn shows_decision(&self, seq: u64, within: Duration) -> bool {
        let started = Instant::now();
        while self.applied_event() < seq {
            if started.elapsed() > within {
                return false;
            }
            actix_web::rt::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }

    /// The change store as `/health` and `/metrics` report it: reached or lost since when,
    /// and whether the index shows every decision heard of.
    #[must_use]
    pub fn store_state(&self) -> StoreState {
        let applied_event = self.applied_event();
        match self.changes.link() {
            None => StoreState {
                backend: "sqlite",
                connected: true,
                lost_since: None,
                applied_event,
                last_event: applied_event,
                caught_up: true,
            },
            Some(link) => StoreState {
                backend: "postgres",
                connected: link.connected,
                lost_since: link.lost_since,
                applied_event,
                last_event: link.last_event,
                caught_up: link.connected && applied_event >= link.last_event,
            },
        }
    }

    /// Builds the index of `source` with the accepted changes applied, checks it and swaps it
    /// in; the old index keeps serving when anything fails. `trigger` is for the logs. When a
    /// change is accepted meanwhile, it is applied next, so that no accepted change waits for
    /// the next reload.
    ///
    /// # Errors
    /// 409 when a reload is running, 422 with the reason when the new index cannot be built or
    /// fails its checks.
    pub async fn reload(
        &self,
        source: IndexSource,
        trigger: &'static str,
    ) -> Result<Reloaded, ApiError> {
        self.build_while_stale(Some(source), trigger).await
    }

    /// Applies the accepted changes to the index served, in place when it can be
    /// ([`lieux_index::serve::load_changed`]): after a moderator's decision, or when the day
    /// changes (the places' freshness). It answers once the changes accepted so far are
    /// served, and the changes accepted meanwhile are applied after it, in the background, so
    /// that the caller never waits for others' changes. When a reload or another batch is
    /// running, it answers `None` at once: that one applies the changes once done.
    ///
    /// # Errors
    /// As [`AppState::reload`], but for a reload running, which is no error here.
    pub async fn rebuild(
        state: &web::Data<Self>,
        trigger: &'static str,
    ) -> Result<Option<Reloaded>, ApiError> {
        state.admin.stale.store(true, Ordering::Release);
        if state.admin.reloading.swap(true, Ordering::AcqRel) {
            return Ok(None);
        }
        let running = Running(&state.admin.reloading);
        let started = Instant::now();
        let reloaded = state.build_and_swap(None, trigger).await;
        let took = started.elapsed();
        // The changes accepted meanwhile are the background's to apply, and so is the flag.
        std::mem::forget(running);
        let state = web::Data::clone(state);
        actix_web::rt::spawn(async move {
            let running = Running(&state.admin.reloading);
            state.apply_while_stale(running, trigger, took).await;
        });
        reloaded.map(Some)
    }

    /// Builds and swaps in the index of `source` (from scratch), or with `None` the served one
    /// with the accepted changes, and answers how it went; then applies the changes accepted
    /// meanwhile.
    async fn build_while_stale(
        &self,
        source: Option<IndexSource>,
        trigger: &'static str,
    ) -> Result<Reloaded, ApiError> {
        if self.admin.reloading.swap(true, Ordering::AcqRel) {
            return Err(ApiError::new(
                ErrorCode::ReloadRunning,
                "a reload is already running",
            ));
        }
        let running = Running(&self.admin.reloading);
        let started = Instant::now();
        let reloaded = self.build_and_swap(source, trigger).await;
        self.apply_while_stale(running, trigger, started.elapsed())
            .await;
        reloaded
    }

    /// Applies the accepted changes again as long as some were accepted since the last build
    /// started (which took `took`), `running` holding the reload flag, then clears it. A change
    /// accepted just before the flag is cleared found it set and left itself to this loop: the
    /// loop takes the flag back for it, unless another has.
    ///
    /// Changes accepted while a batch was built come faster than batches: before the next,
    /// the readers have the machine for as long as the last one took ([`MAX_PAUSE`] at most),
    /// and the next takes the changes of the pause too. Batches then take at most about half
    /// the time, in fewer and larger batches (at five accepts a second under a full read load,
    /// BENCHMARKS.md); a change accepted when none is being built waits for nothing.
    async fn apply_while_stale(
        &self,
        running: Running<'_>,
        trigger: &'static str,
        mut took: Duration,
    ) {
        let mut running = Some(running);
        while running.is_some() {
            while self.admin.stale.load(Ordering::Acquire) {
                actix_web::rt::time::sleep(took.min(MAX_PAUSE)).await;
                let started = Instant::now();
                // Its errors are logged and counted; the index served stays.
                let _ = self.build_and_swap(None, trigger).await;
                took = started.elapsed();
            }
            drop(running.take());
            if self.admin.stale.load(Ordering::Acquire)
                && !self.admin.reloading.swap(true, Ordering::AcqRel)
            {
                running = Some(Running(&self.admin.reloading));
            }
        }
    }

    /// Builds the index of `source` from scratch, or with `None` the served one with the
    /// accepted changes, and swaps it in.
    async fn build_and_swap(
        &self,
        source: Option<IndexSource>,
        trigger: &'static str,
    ) -> Result<Reloaded, ApiError> {
        self.admin.stale.store(false, Ordering::Release);
        let started = Instant::now();
        let from_scratch = source.is_some();
        let source = source.unwrap_or_else(|| self.admin.base());
        tracing::info!(trigger, source = ?source, from_scratch, "reload started");
        let options = self.admin.options.clone();
        let changes = Arc::clone(&self.changes);
        let work_dir = self.admin.work_dir.clone();
        let base = source.clone();
        let before = self.live();
        // A panic while building (a bug, or a decoder meeting what no check foresaw) fails this
        // reload like any other error: the old index keeps serving, and the metric counts it.
        let built = web::block(move || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                yielding_to_readers(|| {
                    let failed = |e: lieux_index::changes::ChangeError| {
                        lieux_index::Error::Changes(e.to_string())
                    };
                    // Read before the changes: the index shows at least the decisions up to it.
                    let position = changes.log_position().map_err(failed)?;
                    let accepted = changes.accepted().map_err(failed)?;
                    let mut live = if from_scratch {
                        load_with_changes(&source, &accepted, &work_dir, &options)?
                    } else {
                        load_changed(&before, &source, &accepted, &work_dir, &options)?
                    };
                    // What changes on the map is in the feed before anyone can see it.
                    record_feed(&*changes, Some(&before), &mut live, position)?;
                    Ok::<_, lieux_index::Error>((live, position))
                })
            }))
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
            Ok((new, position)) => {
                self.applied_event.fetch_max(position, Ordering::AcqRel);
                *self
                    .admin
                    .base
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = base;
                let new = Arc::new(new);
                let old = self.live.swap(Arc::clone(&new));
                self.metrics.retire_tiles(old.cache_stats());
                self.metrics.reloaded(true);
                let took_ms = started.elapsed().as_millis();
                for (stage, took) in new.stages() {
                    tracing::info!(trigger, stage, took_ms = took.as_millis(), "reload stage");
                }
                tracing::info!(
                    trigger,
                    previous = %old.hash(),
                    index = %new.hash(),
                    places = new.manifest().places,
                    changes = new.changes().count,
                    batch = new.changes().count.saturating_sub(old.changes().count),
                    took_ms,
                    "reloaded: the new index serves"
                );
                let reloaded = Reloaded {
                    status: "reloaded",
                    previous: old.hash().to_owned(),
                    index: new.hash().to_owned(),
                    places: new.manifest().places,
                    took_ms,
                };
                retire(old);
                Ok(reloaded)
            }
            Err(error) => {
                self.metrics.reloaded(false);
                tracing::error!(trigger, %error, "reload failed: the old index keeps serving");
                Err(ApiError::new(
                    ErrorCode::ReloadFailed,
                    format!("reload failed, the old index keeps serving: {error}"),
                ))
            }
        }
    }
}

/// The longest pause between two batches of changes that came while the first was built
/// ([`AppState::apply_while_stale`]).
const MAX_PAUSE: Duration = Duration::from_millis(250);

/// How many steps of scheduling priority (nice values) the builds of an index run below the
/// readers: on a busy machine they take what the readers leave, so that changes applied
/// several times a second, or a reload, slow the answers down as little as can be. On an idle
/// one it changes nothing. At 5 accepts a second under a full read load, changes then wait
/// longer to be applied, taken together in fewer batches (BENCHMARKS.md, "Live data").
const BUILD_NICENESS: i32 = 10;

/// Runs `work` on a thread of its own, [`BUILD_NICENESS`] below the server's priority; the
/// threads it starts (the text index's writer, the parts of a batch made side by side) inherit
/// it. The pool's threads that parallel loops borrow (rayon's, for a new cluster hierarchy) do
/// not. On Linux a thread's nice value is its own, and raised it cannot come back down without
/// privileges: hence a thread of its own, not one of the blocking pool's.
fn yielding_to_readers<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let build = std::thread::Builder::new()
            .name("lieux-build".to_owned())
            .spawn_scoped(scope, || {
                let process = rustix::process::getpriority_process(None).unwrap_or(0);
                // Best effort: where it is refused, the build runs at the readers' priority.
                let _ =
                    rustix::process::setpriority_process(None, (process + BUILD_NICENESS).min(19));
                work()
            })
            .unwrap_or_else(|error| panic!("no thread for the build: {error}"));
        build
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Drops an index no longer served on a thread of its own, [`BUILD_NICENESS`] below the
/// readers, once the requests that still hold it are done: otherwise the last of them, or the
/// reload itself, would free it on a worker of the server, which then answers nobody for the
/// tens of milliseconds that freeing the columns of a million places takes (30 ms after a
/// batch, `examples/amend_cost.rs`; more after a reload, which shares nothing).
fn retire<T: Send + Sync + 'static>(old: Arc<T>) {
    let spawned = std::thread::Builder::new()
        .name("lieux-retire".to_owned())
        .spawn(move || {
            let process = rustix::process::getpriority_process(None).unwrap_or(0);
            let _ = rustix::process::setpriority_process(None, (process + BUILD_NICENESS).min(19));
            // A download of the whole data set may hold it for a while: wait, lightly, but not
            // forever (whoever holds it last then frees it).
            let started = Instant::now();
            let mut wait = Duration::from_millis(5);
            while Arc::strong_count(&old) > 1 && started.elapsed() < Duration::from_secs(600) {
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_secs(1));
            }
            drop(old);
        });
    // With no thread to spare, the index is dropped here, as before.
    if let Err(error) = spawned {
        tracing::warn!(%error, "no thread to retire the old index: dropped by the reload");
    }
}

/// Holds the reload flag: clears it however the reload ends (even when the request that
/// started it is dropped).
struct Running<'a>(&'a AtomicBool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// The shortest admin token accepted.
pub const MIN_TOKEN_CHARS: usize = 16;

/// Admin settings.
pub struct Admin {
    /// The hash of the token; `None`: admin is off.
    token: Option<blake3::Hash>,
    /// What a reload without a body reads (with `follow`, what it read at start).
    default_source: IndexSource,
    /// A directory of published generations followed (`--follow`): a reload without a body
    /// reads the generation it names now.
    follow: Option<PathBuf>,
    /// How `{"sources": …}` are read.
    pub import: ImportOptions,
    /// Where indexes rebuilt from sources are written.
    pub work_dir: PathBuf,
    /// How derived structures are built.
    pub options: LiveOptions,
    reloading: AtomicBool,
    /// The base data the served index was built from, which accepted changes are applied on.
    base: Mutex<IndexSource>,
    /// A change was accepted since the reload running read the changes.
    stale: AtomicBool,
}

impl Admin {
    /// The base data the served index was built from.
    #[must_use]
    pub fn base(&self) -> IndexSource {
        self.base
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// What a reload without a body (and SIGHUP) reads: the source the server started with,
    /// or with `--follow` the generation `CURRENT` names now.
    ///
    /// # Errors
    /// With `--follow`, when `CURRENT` names no generation.
    pub fn default_source(&self) -> Result<IndexSource, ApiError> {
        match &self.follow {
            None => Ok(self.default_source.clone()),
            Some(root) => lieux_index::store::generations::current(root)
                .map(|(_, dir)| IndexSource::Dir(dir))
                .map_err(|error| ApiError::new(ErrorCode::ReloadFailed, error.to_string())),
        }
    }

    /// Admin settings; `token` off when `None`; `follow`, a directory of published
    /// generations followed.
    ///
    /// # Errors
    /// A token shorter than [`MIN_TOKEN_CHARS`].
    pub fn new(
        token: Option<&str>,
        default_source: IndexSource,
        follow: Option<PathBuf>,
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
            base: Mutex::new(default_source.clone()),
            stale: AtomicBool::new(false),
            default_source,
            follow,
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

/// The answer of a reload that swapped.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Reloaded {
    /// Always `reloaded`.
    #[schemars(extend("const" = "reloaded"))]
    status: &'static str,
    /// The content hash of the index that served before.
    previous: String,
    /// The content hash of the index that serves now.
    index: String,
    /// The places it serves.
    places: u64,
    /// How long building, checking and swapping took, in milliseconds.
    took_ms: u128,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_run_below_the_readers_and_leave_the_caller_as_it_was() {
        let nice = || rustix::process::getpriority_process(None).unwrap_or(0);
        let caller = nice();
        let build = yielding_to_readers(nice);
        assert_eq!(build, (caller + BUILD_NICENESS).min(19));
        assert_eq!(nice(), caller);
    }

    #[test]
    fn a_retired_index_is_freed_below_the_readers_once_its_last_request_is_done() {
        /// Tells, when dropped, on which thread and at which priority.
        struct Freed(std::sync::mpsc::Sender<(Option<String>, i32)>);
        impl Drop for Freed {
            fn drop(&mut self) {
                let thread = std::thread::current().name().map(str::to_owned);
                let nice = rustix::process::getpriority_process(None).unwrap_or(0);
                let _ = self.0.send((thread, nice));
            }
        }
        let (sender, freed) = std::sync::mpsc::channel();
        let caller = rustix::process::getpriority_process(None).unwrap_or(0);
        let index = Arc::new(Freed(sender));
        let request = Arc::clone(&index);
        retire(index);
        // A request still holds it: it is not freed meanwhile, nor by the request.
        assert!(freed.recv_timeout(Duration::from_millis(50)).is_err());
        drop(request);
        let (thread, nice) = freed.recv_timeout(Duration::from_secs(10)).expect("freed");
        assert_eq!(thread.as_deref(), Some("lieux-retire"));
        assert_eq!(nice, (caller + BUILD_NICENESS).min(19));
    }

    #[test]
    fn a_panic_in_a_build_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| yielding_to_readers(|| panic!("a bug")));
        assert!(caught.is_err());
    }
}
