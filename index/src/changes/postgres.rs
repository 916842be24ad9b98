//! The change store in PostgreSQL: one log that several servers share (`--store postgres://…`).
//!
//! The tables, their order and what they refuse are [`super::sqlite`]'s, step for step
//! ([`MIGRATIONS`] has as many steps, and `lieux_schema` holds the version SQLite keeps in
//! `user_version`), so that a hub moves from one server to several without reading its log
//! another way. What differs is what sharing asks for:
//!
//! - **Writes one at a time.** Every write takes the log's advisory lock first
//!   ([`LOG_LOCK`]), so that the events are numbered in the order they are committed (a
//!   sequence alone hands numbers out at insert time, and a later number could commit first:
//!   a server would then read 11 and apply 10 after it), and so that the bound of pending
//!   contributions of a place holds across servers, as SQLite's `IMMEDIATE` transactions make
//!   it hold in one.
//! - **Others are told.** A decision that changes the map notifies `lieux_changes` with its
//!   number; each server listens ([`PostgresStore::listen`]) and applies what it hears through
//!   the path a decision of its own takes. A notification lost while a server was disconnected
//!   is made up for by reading the log's last decision when it connects again, and every
//!   second after.
//! - **One change feed for all.** Each server records what its index shows under the feed's
//!   own lock ([`ChangeStore::record_shared`]), compared with what the feed says of each
//!   place, and only when its index is not behind the feed's: the feed moves forward only,
//!   never doubles a change, and a server behind it answers its consumers up to where it was
//!   until it catches up.
//! - **Losing the database.** A call that cannot reach it answers
//!   [`ChangeError::Unavailable`] (a 503: the map keeps serving reads), the next call connects
//!   again, and [`ChangeStore::link`] says since when it is lost.
//!
//! A write returns once PostgreSQL's `COMMIT` returned, with `synchronous_commit` on: what the
//! server acknowledges is on the database's disk.
//!
//! With `sslmode=require` in the URL, every connection is encrypted (TLS by rustls) and the
//! database's certificate is checked against the system's root certificates and, when the URL
//! names one as libpq does (`sslrootcert=FILE`), the authority of that PEM file; the host
//! name of the URL must be the certificate's. Otherwise connections are in the clear, for a
//! database on the same machine or a private network.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, GenericClient, NoTls, Row, Transaction};

use super::feed::{
    FeedAction, FeedHead, FeedQuery, FeedRow, FeedScope, FeedState, Recorded, ServedChange,
    Territory,
};
use super::{
    accepted_change, action_name, decision_event, fields_of, key_hash, new_key, now, status_after,
    AcceptedChange, ChangeError, ChangeResult, ChangeStore, Contribution, ContributionKind,
    Decision, Event, FeedDifferences, Fields, Link, Receipt, Selection, Status, Submission,
};

/// The schema, one step per release that changed it, as [`super::sqlite`]'s.
const MIGRATIONS: &[&str] = &[
    r"
    CREATE TABLE contributions (
        id BIGSERIAL PRIMARY KEY,
        submitted_at TEXT NOT NULL,
        key_hash BYTEA NOT NULL,
        kind TEXT NOT NULL,
        place_id TEXT NOT NULL,
        submission TEXT NOT NULL
    );
    CREATE INDEX contributions_by_place ON contributions (place_id);
    CREATE TABLE events (
        seq BIGSERIAL PRIMARY KEY,
        contribution BIGINT NOT NULL REFERENCES contributions (id),
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        actor TEXT NOT NULL,
        fields TEXT,
        reason TEXT
    );
    CREATE INDEX events_by_contribution ON events (contribution, seq);
    CREATE FUNCTION lieux_never_rewritten() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '% is never rewritten', TG_TABLE_NAME; END $$;
    CREATE TRIGGER contributions_are_kept BEFORE UPDATE OR DELETE ON contributions
        FOR EACH ROW EXECUTE FUNCTION lieux_never_rewritten();
    CREATE TRIGGER contributions_stay BEFORE TRUNCATE ON contributions
        FOR EACH STATEMENT EXECUTE FUNCTION lieux_never_rewritten();
    CREATE TRIGGER events_are_kept BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION lieux_never_rewritten();
    CREATE TRIGGER events_stay BEFORE TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION lieux_never_rewritten();
",
    r"
    CREATE TABLE feed (
        seq BIGSERIAL PRIMARY KEY,
        at TEXT NOT NULL,
        place_id TEXT NOT NULL,
        action TEXT NOT NULL,
        digest BIGINT NOT NULL,
        name TEXT NOT NULL,
        fields TEXT NOT NULL,
        territory TEXT NOT NULL
    );
    CREATE INDEX feed_by_place ON feed (place_id, seq);
    CREATE TRIGGER feed_is_kept BEFORE UPDATE OR DELETE ON feed
        FOR EACH ROW EXECUTE FUNCTION lieux_never_rewritten();
    CREATE TRIGGER feed_stays BEFORE TRUNCATE ON feed
        FOR EACH STATEMENT EXECUTE FUNCTION lieux_never_rewritten();
    CREATE TABLE feed_served (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        served TEXT NOT NULL,
        instance TEXT NOT NULL
    );
    INSERT INTO feed_served (id, served, instance)
        VALUES (1, '', replace(gen_random_uuid()::text, '-', ''));
",
    r"
    ALTER TABLE feed_served ADD COLUMN position BIGINT NOT NULL DEFAULT 0;
",
];

/// The advisory lock every write of the log takes, and the migrations.
const LOG_LOCK: i64 = 0x6c69_6575_785f_6c6f;
/// The advisory lock of the change feed's recordings.
const FEED_LOCK: i64 = 0x6c69_6575_785f_6665;
/// The channel decisions are announced on.
pub const CHANNEL: &str = "lieux_changes";
/// How long connecting may take before the store is said unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long data sent to the database may go unacknowledged before the connection is said lost.
const UNANSWERED_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a listener reads the log's last decision when it hears nothing.
const LISTEN_POLL: Duration = Duration::from_secs(1);

/// A change store in PostgreSQL, shared by every server given the same URL.
pub struct PostgresStore {
    config: postgres::Config,
    connector: Connector,
    /// The URL without its password, for messages.
    shown: String,
    client: Mutex<Option<Client>>,
    link: Arc<LinkState>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &self.shown)
            .finish_non_exhaustive()
    }
}

/// Whether the database is reached, shared by the calls and the listener, and the decisions
/// this server made, which its listener does not announce again.
#[derive(Debug, Default)]
struct LinkState {
    link: Mutex<Link>,
    own: Mutex<std::collections::BTreeSet<u64>>,
}

impl LinkState {
    fn lock(&self) -> MutexGuard<'_, Link> {
        self.link
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn own(&self) -> MutexGuard<'_, std::collections::BTreeSet<u64>> {
        self.own
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn reached(&self) {
        let mut link = self.lock();
        link.connected = true;
        link.lost_since = None;
    }

    fn lost(&self) {
        let mut link = self.lock();
        if link.connected || link.lost_since.is_none() {
            link.connected = false;
            link.lost_since = Some(now());
        }
    }

    fn heard(&self, seq: u64) {
        let mut link = self.lock();
        link.last_event = link.last_event.max(seq);
    }
}

/// A failure of PostgreSQL: [`ChangeError::Unavailable`] when the database cannot be reached
/// (the connection closed or refused, the server shutting down), otherwise
/// [`ChangeError::Storage`].
fn pg(error: postgres::Error) -> ChangeError {
    let class = error.code().map(|code| &code.code()[..2]);
    let unreachable = error.is_closed()
        || matches!(class, Some("08" | "57"))
        || std::error::Error::source(&error).is_some_and(|source| source.is::<std::io::Error>());
    // The driver says only "db error" of what the database said: its words, and its code.
    let said = match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            // And of a failed connection, only its kind: the cause follows.
            let mut said = error.to_string();
            let mut cause = std::error::Error::source(&error);
            while let Some(source) = cause {
                said = format!("{said}: {source}");
                cause = source.source();
            }
            said
        }
    };
    if unreachable {
        ChangeError::Unavailable(said)
    } else {
        ChangeError::Storage(said)
    }
}

fn storage(error: impl std::fmt::Display) -> ChangeError {
    ChangeError::Storage(error.to_string())
}

fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn signed(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Statements run on a client or in a transaction, failing as [`pg`] says.
trait Queries {
    fn rows(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> ChangeResult<Vec<Row>>;
}

impl<C: GenericClient> Queries for C {
    fn rows(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> ChangeResult<Vec<Row>> {
        self.query(sql, params).map_err(pg)
    }
}

/// The contribution of the row `(id, submitted_at, submission)`, with its decisions.
fn contribution(
    queries: &mut impl Queries,
    id: i64,
    submitted_at: String,
    submission: &str,
) -> ChangeResult<Contribution> {
    let submission: Submission = serde_json::from_str(submission).map_err(storage)?;
    let rows = queries.rows(
        "SELECT seq, at, action, actor, fields, reason FROM events
         WHERE contribution = $1 AND action <> 'submitted' ORDER BY seq",
        &[&id],
    )?;
    let mut decisions = Vec::new();
    for row in rows {
        let action: String = row.get(2);
        decisions.push(Event {
            seq: unsigned(row.get(0)),
            contribution: unsigned(id),
            at: row.get(1),
            action: action_name(&action),
            actor: row.get(3),
            place_id: submission.place_id.clone(),
            before: Fields::new(),
            after: fields_of(row.get(4))?,
            reason: row.get(5),
        });
    }
    let status = decisions
        .last()
        .map_or(Status::Pending, |event| status_after(event.action));
    Ok(Contribution {
        id: unsigned(id),
        submitted_at,
        status,
        submission,
        decisions,
    })
}

/// The contribution `id`, with the hash of its key.
fn find(queries: &mut impl Queries, id: u64) -> ChangeResult<Option<(Contribution, blake3::Hash)>> {
    let Ok(id) = i64::try_from(id) else {
        return Ok(None);
    };
    let rows = queries.rows(
        "SELECT submitted_at, submission, key_hash FROM contributions WHERE id = $1",
        &[&id],
    )?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let hash: Vec<u8> = row.get(2);
    let hash = <[u8; 32]>::try_from(hash.as_slice())
        .map(blake3::Hash::from_bytes)
        .map_err(|_| storage(format!("contribution {id}: a key hash of the wrong length")))?;
    let submission: String = row.get(1);
    Ok(Some((
        contribution(queries, id, row.get(0), &submission)?,
        hash,
    )))
}

fn pending_for(queries: &mut impl Queries, place_id: &str) -> ChangeResult<usize> {
    let rows = queries.rows(
        "SELECT count(*) FROM contributions c WHERE c.place_id = $1 AND
         (SELECT action FROM events e WHERE e.contribution = c.id ORDER BY seq DESC LIMIT 1)
         = 'submitted'",
        &[&place_id],
    )?;
    let count: i64 = rows.first().map_or(0, |row| row.get(0));
    Ok(usize::try_from(count).unwrap_or(usize::MAX))
}

/// The number of the log's last decision (0 for none): the position of an index that applied
/// every accepted change up to it.
fn last_decision(queries: &mut impl Queries) -> ChangeResult<u64> {
    let rows = queries.rows(
        "SELECT coalesce(max(seq), 0) FROM events WHERE action <> 'submitted'",
        &[],
    )?;
    Ok(rows.first().map_or(0, |row| unsigned(row.get(0))))
}

/// `column`'s row is in `territory`: SQL over the parameters from `first` on.
fn in_territory(column: &str, territory: &Territory, first: usize) -> String {
    if territory.is_everywhere() {
        return "TRUE".to_owned();
    }
    let tests: Vec<String> = (first..first + territory.needles.len())
        .map(|n| format!("strpos({column}, ${n}) > 0"))
        .collect();
    format!("({})", tests.join(" OR "))
}

/// The feed rows of `sql`, whose first parameters are `leading` and then the territory's.
fn feed_rows(
    queries: &mut impl Queries,
    sql: &str,
    leading: &[i64],
    territory: &Territory,
) -> ChangeResult<Vec<FeedRow>> {
    let values: Vec<&(dyn postgres::types::ToSql + Sync)> = leading
        .iter()
        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
        .chain(
            territory
                .needles
                .iter()
                .map(|n| n as &(dyn postgres::types::ToSql + Sync)),
        )
        .collect();
    let mut found = Vec::new();
    for row in queries.rows(sql, &values)? {
        let seq: i64 = row.get(0);
        let action: String = row.get(3);
        let fields: String = row.get(5);
        found.push(FeedRow {
            seq: unsigned(seq),
            at: row.get(1),
            place_id: row.get(2),
            action: FeedAction::from_name(&action)
                .ok_or_else(|| storage(format!("feed row {seq}: unknown action {action:?}")))?,
            name: row.get(4),
            fields: fields
                .split('|')
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect(),
            existed: row.get(6),
        });
    }
    Ok(found)
}

fn feed_head(queries: &mut impl Queries) -> ChangeResult<(FeedHead, u64)> {
    let rows = queries.rows(
        "SELECT served, instance, position, (SELECT coalesce(max(seq), 0) FROM feed)
         FROM feed_served WHERE id = 1",
        &[],
    )?;
    let row = rows
        .first()
        .ok_or_else(|| storage("feed_served has no row"))?;
    Ok((
        FeedHead {
            served: row.get(0),
            instance: row.get(1),
            seq: unsigned(row.get(3)),
        },
        unsigned(row.get(2)),
    ))
}

fn feed_state(queries: &mut impl Queries) -> ChangeResult<FeedState> {
    let (head, _) = feed_head(queries)?;
    let rows = queries.rows(
        "SELECT DISTINCT ON (place_id) place_id, digest, name, territory, action FROM feed
         ORDER BY place_id, seq DESC",
        &[],
    )?;
    let places = rows
        .into_iter()
        .filter(|row| row.get::<_, String>(4) != "closed")
        .map(|row| {
            (
                row.get::<_, String>(0),
                Recorded {
                    digest: u64::from_ne_bytes(row.get::<_, i64>(1).to_ne_bytes()),
                    name: row.get(2),
                    territory: row.get(3),
                },
            )
        })
        .collect();
    Ok(FeedState { head, places })
}

/// What the feed last recorded of the places of `scope` (those on the map), and their ids.
fn scoped_feed_state(
    queries: &mut impl Queries,
    scope: FeedScope<'_>,
) -> ChangeResult<(FeedState, Vec<String>)> {
    let (head, _) = feed_head(queries)?;
    let rows = queries.rows(
        "WITH scope AS (SELECT place_id FROM feed WHERE seq > $1
                        UNION SELECT unnest($2::text[]))
         SELECT s.place_id, l.digest, l.name, l.territory, l.action FROM scope s
         LEFT JOIN LATERAL (SELECT digest, name, territory, action FROM feed f
                            WHERE f.place_id = s.place_id ORDER BY f.seq DESC LIMIT 1) l ON TRUE
         ORDER BY s.place_id",
        &[&signed(scope.since), &scope.changed.to_vec()],
    )?;
    let mut ids = Vec::with_capacity(rows.len());
    let mut places = std::collections::HashMap::new();
    for row in rows {
        let id: String = row.get(0);
        let action: Option<String> = row.get(4);
        if action.is_some_and(|action| action != "closed") {
            let digest: i64 = row.get(1);
            places.insert(
                id.clone(),
                Recorded {
                    digest: u64::from_ne_bytes(digest.to_ne_bytes()),
                    name: row.get(2),
                    territory: row.get(3),
                },
            );
        }
        ids.push(id);
    }
    Ok((FeedState { head, places }, ids))
}

/// Appends `changes` to the feed as what `served` (at `position`) shows; the feed's last row.
fn append_feed(
    transaction: &mut Transaction<'_>,
    changes: &[ServedChange],
    served: &str,
    position: Option<u64>,
) -> ChangeResult<u64> {
    let at = now();
    let insert = transaction
        .prepare(
            "INSERT INTO feed (at, place_id, action, digest, name, fields, territory)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .map_err(pg)?;
    for change in changes {
        transaction
            .execute(
                &insert,
                &[
                    &at,
                    &change.place_id,
                    &change.action.name(),
                    &i64::from_ne_bytes(change.digest.to_ne_bytes()),
                    &change.name,
                    &change.fields.join("|"),
                    &change.territory,
                ],
            )
            .map_err(pg)?;
    }
    match position {
        Some(position) => transaction.execute(
            "UPDATE feed_served SET served = $1, position = $2 WHERE id = 1",
            &[&served, &signed(position)],
        ),
        None => transaction.execute(
            "UPDATE feed_served SET served = $1 WHERE id = 1",
            &[&served],
        ),
    }
    .map_err(pg)?;
    Ok(feed_head(transaction)?.0.seq)
}

/// Brings the database's schema up to [`MIGRATIONS`], each step in a transaction of its own
/// under the log's lock, so that servers starting together migrate it once.
fn migrate(client: &mut Client) -> ChangeResult<()> {
    let known = u32::try_from(MIGRATIONS.len()).unwrap_or(u32::MAX);
    loop {
        let mut transaction = client.transaction().map_err(pg)?;
        transaction
            .execute("SELECT pg_advisory_xact_lock($1)", &[&LOG_LOCK])
            .map_err(pg)?;
        transaction
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS lieux_schema (
                     id INTEGER PRIMARY KEY CHECK (id = 1),
                     version INTEGER NOT NULL
                 );
                 INSERT INTO lieux_schema (id, version) VALUES (1, 0) ON CONFLICT DO NOTHING;",
            )
            .map_err(pg)?;
        let found: i32 = transaction
            .query_one("SELECT version FROM lieux_schema WHERE id = 1", &[])
            .map_err(pg)?
            .get(0);
        let found = u32::try_from(found).unwrap_or(0);
        if found > known {
            return Err(ChangeError::TooNew { found, known });
        }
        let Some(step) = MIGRATIONS.get(found as usize) else {
            return transaction.commit().map_err(pg);
        };
        transaction.batch_execute(step).map_err(pg)?;
        transaction
            .execute(
                "UPDATE lieux_schema SET version = $1 WHERE id = 1",
                &[&i32::try_from(found + 1).unwrap_or(i32::MAX)],
            )
            .map_err(pg)?;
        transaction.commit().map_err(pg)?;
    }
}

/// A connection with the settings every one needs: a commit is on disk when it returns.
/// How connections to the database are made: in the clear, or encrypted.
#[derive(Clone)]
enum Connector {
    Plain,
    Tls(tokio_postgres_rustls::MakeRustlsConnect),
}

impl Connector {
    /// TLS when `config` requires it, trusting the system's roots and `root_file`'s.
    fn of(config: &postgres::Config, root_file: Option<&str>) -> ChangeResult<Self> {
        if config.get_ssl_mode() != postgres::config::SslMode::Require {
            if root_file.is_some() {
                return Err(storage(
                    "sslrootcert is given without sslmode=require: say sslmode=require",
                ));
            }
            return Ok(Self::Plain);
        }
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        if let Some(file) = root_file {
            use rustls::pki_types::pem::PemObject as _;
            let certificates = rustls::pki_types::CertificateDer::pem_file_iter(file)
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(|e| storage(format!("sslrootcert {file}: {e}")))?;
            if certificates.is_empty() {
                return Err(storage(format!("sslrootcert {file}: no certificate")));
            }
            let (_, refused) = roots.add_parsable_certificates(certificates);
            if refused > 0 {
                return Err(storage(format!(
                    "sslrootcert {file}: {refused} certificate(s) that are not authorities"
                )));
            }
        }
        // ring builds with a C compiler alone (aws-lc, rustls's default, wants more); what it
        // lacks, deprecated for, is post-quantum key exchange.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| storage(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self::Tls(tokio_postgres_rustls::MakeRustlsConnect::new(
            tls,
        )))
    }
}

/// `url` without libpq's `sslrootcert=FILE` (which the driver does not read), and that file.
fn without_root_file(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), None);
    };
    let mut file = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| match pair.strip_prefix("sslrootcert=") {
            Some(value) => {
                file = Some(value.to_owned());
                false
            }
            None => true,
        })
        .collect();
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (url, file)
}

fn connect(config: &postgres::Config, connector: &Connector) -> ChangeResult<Client> {
    let mut client = match connector {
        Connector::Plain => config.connect(NoTls),
        Connector::Tls(tls) => config.connect(tls.clone()),
    }
    .map_err(pg)?;
    client
        .batch_execute("SET synchronous_commit = on")
        .map_err(pg)?;
    Ok(client)
}

/// `url` without its password.
fn shown(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{}{user}@{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

impl PostgresStore {
    /// Connects to the database of `url` (`postgres://user@host:port/db`, or the key/value
    /// form), migrating its schema.
    ///
    /// # Errors
    /// A URL that does not parse; [`ChangeError::Unavailable`] when the database cannot be
    /// reached; [`ChangeError::TooNew`] for a schema of a later release.
    pub fn open(url: &str) -> ChangeResult<Self> {
        let (driver_url, root_file) = without_root_file(url);
        let mut config: postgres::Config = driver_url
            .parse()
            .map_err(|e| storage(format!("{}: {e}", shown(url))))?;
        let connector = Connector::of(&config, root_file.as_deref())?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        // A database that stops answering without closing the connection (a network cut)
        // fails the call in seconds, as a refused connection does, instead of when TCP gives
        // up on its retransmissions (a quarter of an hour): the node then says it lost the
        // store, and the requests that need the store do not wait behind its lock.
        if config.get_tcp_user_timeout().is_none() {
            config.tcp_user_timeout(UNANSWERED_TIMEOUT);
        }
        config.application_name("lieux");
        let mut client = connect(&config, &connector)?;
        migrate(&mut client)?;
        let link = Arc::new(LinkState::default());
        link.reached();
        link.heard(last_decision(&mut client)?);
        Ok(Self {
            config,
            connector,
            shown: shown(url),
            client: Mutex::new(Some(client)),
            link,
        })
    }

    /// The URL, without its password.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// The schema version of the database.
    ///
    /// # Errors
    /// The database failing.
    pub fn version(&self) -> ChangeResult<u32> {
        self.with_client(|client| {
            let version: i32 = client
                .query_one("SELECT version FROM lieux_schema WHERE id = 1", &[])
                .map_err(pg)?
                .get(0);
            Ok(u32::try_from(version).unwrap_or(0))
        })
    }

    /// Listens, on a thread of its own, for the decisions any server makes: `heard` is called
    /// with the number of the log's last decision when it connects (again), on each
    /// notification of another server's decision, and every second (so that one lost while
    /// disconnected is made up for).
    /// It connects again by itself, each half second, when the database is lost.
    ///
    /// # Errors
    /// When no thread can be started.
    pub fn listen(&self, heard: impl Fn(u64) + Send + 'static) -> std::io::Result<()> {
        let config = self.config.clone();
        let connector = self.connector.clone();
        let link = Arc::clone(&self.link);
        std::thread::Builder::new()
            .name("lieux-listen".to_owned())
            .spawn(move || loop {
                // Either way it ends, the connection is lost: try again shortly.
                let _ = listen_once(&config, &connector, &link, &heard);
                link.lost();
                std::thread::sleep(Duration::from_millis(500));
            })
            .map(drop)
    }

    /// Runs `work` on the connection, connecting first when there is none; a connection found
    /// closed is dropped, and the store said lost until a call or the listener reaches it.
    fn with_client<T>(&self, work: impl FnOnce(&mut Client) -> ChangeResult<T>) -> ChangeResult<T> {
        // A panic while it was held leaves at worst a transaction open, which the next
        // `transaction()` rolls back: the lock is taken over.
        let mut slot = self
            .client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if slot.as_ref().is_none_or(Client::is_closed) {
            *slot = None;
            match connect(&self.config, &self.connector) {
                Ok(client) => *slot = Some(client),
                Err(error) => {
                    self.link.lost();
                    return Err(error);
                }
            }
        }
        let Some(client) = slot.as_mut() else {
            return Err(ChangeError::Unavailable("no connection".to_owned()));
        };
        let result = work(client);
        if client.is_closed() || matches!(result, Err(ChangeError::Unavailable(_))) {
            *slot = None;
            self.link.lost();
        } else {
            self.link.reached();
        }
        result
    }

    /// Runs `work` in a transaction that holds `lock` (an advisory lock) and commits it.
    fn locked<T>(
        &self,
        lock: i64,
        work: impl FnOnce(&mut Transaction<'_>) -> ChangeResult<T>,
    ) -> ChangeResult<T> {
        self.with_client(|client| {
            let mut transaction = client.transaction().map_err(pg)?;
            transaction
                .execute("SELECT pg_advisory_xact_lock($1)", &[&lock])
                .map_err(pg)?;
            let value = work(&mut transaction)?;
            transaction.commit().map_err(pg)?;
            Ok(value)
        })
    }
}

/// One connection of [`PostgresStore::listen`], until it fails.
fn listen_once(
    config: &postgres::Config,
    connector: &Connector,
    link: &LinkState,
    heard: &impl Fn(u64),
) -> ChangeResult<()> {
    let mut client = connect(config, connector)?;
    client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .map_err(pg)?;
    link.reached();
    loop {
        let last = last_decision(&mut client)?;
        link.own().retain(|own| *own > last);
        link.heard(last);
        heard(last);
        let mut notifications = client.notifications();
        let mut waiting = notifications.timeout_iter(LISTEN_POLL);
        while let Some(notification) = waiting.next().map_err(pg)? {
            if let Ok(seq) = notification.payload().parse::<u64>() {
                link.heard(seq);
                if !link.own().remove(&seq) {
                    heard(seq);
                }
            }
        }
    }
}

impl ChangeStore for PostgresStore {
    fn submit(&self, submission: &Submission, max_pending: usize) -> ChangeResult<Receipt> {
        let key = new_key();
        let text = serde_json::to_string(submission).map_err(storage)?;
        let fields = serde_json::to_string(&submission.fields).map_err(storage)?;
        let actor = submission
            .contact
            .as_ref()
            .and_then(|contact| contact.name.clone())
            .unwrap_or_else(|| "anonymous".to_owned());
        let id: i64 = self.locked(LOG_LOCK, |transaction| {
            if submission.kind != ContributionKind::New
                && pending_for(transaction, &submission.place_id)? >= max_pending
            {
                return Err(ChangeError::TooManyPending {
                    place_id: submission.place_id.clone(),
                    max: max_pending,
                });
            }
            let at = now();
            let id: i64 = transaction
                .query_one(
                    "INSERT INTO contributions (submitted_at, key_hash, kind, place_id, submission)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    &[
                        &at,
                        &key_hash(&key).as_bytes().as_slice(),
                        &submission.kind.name(),
                        &submission.place_id,
                        &text,
                    ],
                )
                .map_err(pg)?
                .get(0);
            transaction
                .execute(
                    "INSERT INTO events (contribution, at, action, actor, fields)
                     VALUES ($1, $2, 'submitted', $3, $4)",
                    &[&id, &at, &actor, &fields],
                )
                .map_err(pg)?;
            Ok(id)
        })?;
        Ok(Receipt {
            id: unsigned(id),
            key,
        })
    }

    fn contribution(&self, id: u64) -> ChangeResult<Option<Contribution>> {
        self.with_client(|client| Ok(find(client, id)?.map(|(contribution, _)| contribution)))
    }

    fn contribution_with_key(&self, id: u64, key: &str) -> ChangeResult<Option<Contribution>> {
        // `blake3::Hash` compares in constant time.
        self.with_client(|client| {
            Ok(find(client, id)?
                .filter(|(_, hash)| *hash == key_hash(key))
                .map(|(contribution, _)| contribution))
        })
    }

    fn list(&self, selection: &Selection) -> ChangeResult<Vec<Contribution>> {
        self.with_client(|client| {
            // One snapshot, so that each contribution's decisions are those of its status.
            let mut transaction = client
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .map_err(pg)?;
            let rows = transaction.rows(
                "SELECT c.id, c.submitted_at, c.submission,
                 (SELECT action FROM events e WHERE e.contribution = c.id ORDER BY seq DESC LIMIT 1)
                 FROM contributions c WHERE $1::text IS NULL OR c.place_id = $1 ORDER BY c.id DESC",
                &[&selection.place_id],
            )?;
            let mut found = Vec::new();
            for row in rows {
                let last: String = row.get(3);
                if selection
                    .status
                    .is_some_and(|wanted| status_after(&last) != wanted)
                {
                    continue;
                }
                let submission: String = row.get(2);
                found.push(contribution(
                    &mut transaction,
                    row.get(0),
                    row.get(1),
                    &submission,
                )?);
                if found.len() >= selection.limit {
                    break;
                }
            }
            transaction.commit().map_err(pg)?;
            Ok(found)
        })
    }

    fn decide(&self, id: u64, decision: &Decision) -> ChangeResult<Contribution> {
        self.locked(LOG_LOCK, |transaction| {
            let (current, _) = find(transaction, id)?.ok_or(ChangeError::NotFound(id))?;
            let (fields, reason) = decision_event(&current, decision)?;
            let seq: i64 = transaction
                .query_one(
                    "INSERT INTO events (contribution, at, action, actor, fields, reason)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
                    &[
                        &i64::try_from(id).map_err(storage)?,
                        &now(),
                        &decision.status().name(),
                        &decision.moderator(),
                        &fields,
                        &reason,
                    ],
                )
                .map_err(pg)?
                .get(0);
            // Delivered to every listener when the transaction commits, not before; this
            // server's own applies it through its caller.
            self.link.own().insert(unsigned(seq));
            transaction
                .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &seq.to_string()])
                .map_err(pg)?;
            let (decided, _) = find(transaction, id)?.ok_or(ChangeError::NotFound(id))?;
            Ok((decided, seq))
        })
        .map(|(decided, seq)| {
            self.link.heard(unsigned(seq));
            decided
        })
    }

    fn accepted(&self) -> ChangeResult<Vec<AcceptedChange>> {
        let rows = self.with_client(|client| {
            // The last acceptance of each contribution whose last event is that acceptance.
            client.rows(
                "SELECT c.id, c.submission, e.at, e.fields FROM events e
                 JOIN contributions c ON c.id = e.contribution
                 WHERE e.action = 'accepted' AND e.seq =
                   (SELECT max(seq) FROM events l WHERE l.contribution = e.contribution)
                 ORDER BY e.seq",
                &[],
            )
        })?;
        rows.into_iter()
            .map(|row| {
                let submission: String = row.get(1);
                let at: String = row.get(2);
                accepted_change(unsigned(row.get(0)), &submission, &at, row.get(3))
            })
            .collect()
    }

    fn history(&self, place_id: &str) -> ChangeResult<Vec<Event>> {
        let rows = self.with_client(|client| {
            client.rows(
                "SELECT e.seq, e.contribution, e.at, e.action, e.actor, e.fields, e.reason,
                 c.submission FROM events e JOIN contributions c ON c.id = e.contribution
                 WHERE c.place_id = $1 ORDER BY e.seq",
                &[&place_id],
            )
        })?;
        let mut events = Vec::new();
        for row in rows {
            let action: String = row.get(3);
            let action = action_name(&action);
            let before = if action == "submitted" {
                serde_json::from_str::<Submission>(&row.get::<_, String>(7))
                    .map_err(storage)?
                    .before
            } else {
                Fields::new()
            };
            events.push(Event {
                seq: unsigned(row.get(0)),
                contribution: unsigned(row.get(1)),
                at: row.get(2),
                action,
                actor: row.get(4),
                place_id: place_id.to_owned(),
                before,
                after: fields_of(row.get(5))?,
                reason: row.get(6),
            });
        }
        Ok(events)
    }

    fn feed_head(&self) -> ChangeResult<FeedHead> {
        self.with_client(|client| Ok(feed_head(client)?.0))
    }

    fn feed_state(&self) -> ChangeResult<FeedState> {
        self.with_client(feed_state)
    }

    fn record_served(&self, changes: &[ServedChange], served: &str) -> ChangeResult<u64> {
        self.locked(FEED_LOCK, |transaction| {
            append_feed(transaction, changes, served, None)
        })
    }

    fn feed(&self, query: &FeedQuery) -> ChangeResult<Vec<FeedRow>> {
        // The last row of each place up to `upto` (in the territory), with whether the place
        // was on the map at `since`.
        let sql = format!(
            "SELECT f.seq, f.at, f.place_id, f.action, f.name, f.fields,
             coalesce((SELECT h.action <> 'closed' FROM feed h WHERE h.place_id = f.place_id
                       AND h.seq <= $1 ORDER BY h.seq DESC LIMIT 1), FALSE)
             FROM feed f
             WHERE f.seq > $1 AND f.seq <= $2 AND {in_f}
             AND NOT EXISTS (SELECT 1 FROM feed g WHERE g.place_id = f.place_id
                             AND g.seq > f.seq AND g.seq <= $2 AND {in_g})
             ORDER BY f.seq LIMIT $3",
            in_f = in_territory("f.territory", &query.territory, 4),
            in_g = in_territory("g.territory", &query.territory, 4),
        );
        self.with_client(|client| {
            feed_rows(
                client,
                &sql,
                &[
                    signed(query.since),
                    signed(query.upto),
                    i64::try_from(query.limit).unwrap_or(i64::MAX),
                ],
                &query.territory,
            )
        })
    }

    fn recent(&self, territory: &Territory, upto: u64, limit: usize) -> ChangeResult<Vec<FeedRow>> {
        let sql = format!(
            "SELECT seq, at, place_id, action, name, fields, TRUE FROM feed
             WHERE seq <= $1 AND {in_t} ORDER BY seq DESC LIMIT $2",
            in_t = in_territory("territory", territory, 3),
        );
        self.with_client(|client| {
            feed_rows(
                client,
                &sql,
                &[signed(upto), i64::try_from(limit).unwrap_or(i64::MAX)],
                territory,
            )
        })
    }

    fn log_position(&self) -> ChangeResult<u64> {
        let position = self.with_client(last_decision)?;
        self.link.heard(position);
        Ok(position)
    }

    fn record_shared(
        &self,
        position: u64,
        served: &str,
        scope: Option<FeedScope<'_>>,
        differences: &mut FeedDifferences<'_>,
    ) -> ChangeResult<Option<u64>> {
        self.locked(FEED_LOCK, |transaction| {
            let (_, recorded) = feed_head(transaction)?;
            if position < recorded {
                return Ok(None);
            }
            let changes = match scope {
                None => differences(&feed_state(transaction)?, None),
                Some(scope) => {
                    let (state, ids) = scoped_feed_state(transaction, scope)?;
                    differences(&state, Some(&ids))
                }
            };
            append_feed(transaction, &changes, served, Some(position)).map(Some)
        })
    }

    fn link(&self) -> Option<Link> {
        Some(self.link.lock().clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changes::conformance::{accept, update};
    use std::process::Command;

    #[test]
    fn libpq_s_sslrootcert_is_taken_out_of_the_url_for_the_driver() {
        for (url, left, file) in [
            ("postgres://u@h/db", "postgres://u@h/db", None),
            (
                "postgres://u@h/db?sslmode=require&sslrootcert=/etc/ca.pem",
                "postgres://u@h/db?sslmode=require",
                Some("/etc/ca.pem"),
            ),
            (
                "postgres://u@h/db?sslrootcert=ca.pem&sslmode=require&application_name=x",
                "postgres://u@h/db?sslmode=require&application_name=x",
                Some("ca.pem"),
            ),
            (
                "postgres://u@h/db?sslrootcert=ca.pem",
                "postgres://u@h/db",
                Some("ca.pem"),
            ),
        ] {
            let (kept, root) = without_root_file(url);
            assert_eq!((kept.as_str(), root.as_deref()), (left, file), "{url}");
        }
        // An authority without TLS asked is a mistake, said at once.
        let config: postgres::Config = "postgres://u@h/db".parse().unwrap();
        assert!(matches!(
            Connector::of(&config, Some("ca.pem")),
            Err(ChangeError::Storage(message)) if message.contains("sslmode=require")
        ));
    }

    const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

    /// A private PostgreSQL 15 on a loopback port, in a temporary directory, as the
    /// integration tests start one (`tests/support.rs`); stopped on drop.
    struct Cluster {
        dir: tempfile::TempDir,
        port: u16,
    }

    impl Cluster {
        fn start() -> Self {
            assert!(
                std::path::Path::new(PG_BIN).join("initdb").exists(),
                "PostgreSQL 15 is missing: apt-get install -y postgresql-15 (tests/run.sh does it)"
            );
            let dir = tempfile::tempdir().unwrap();
            if root() {
                assert!(Command::new("chown")
                    .arg("postgres")
                    .arg(dir.path())
                    .status()
                    .unwrap()
                    .success());
            }
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let cluster = Self { dir, port };
            let data = cluster.data();
            cluster.run(
                "initdb",
                &[
                    "-D",
                    &data,
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--locale=C.UTF-8",
                ],
            );
            cluster.resume();
            cluster
        }

        fn data(&self) -> String {
            self.dir.path().join("data").display().to_string()
        }

        fn resume(&self) {
            let (data, log) = (self.data(), self.dir.path().join("log"));
            let options = format!(
                "-p {} -c listen_addresses=127.0.0.1 -k {}",
                self.port,
                self.dir.path().display()
            );
            let log = log.display().to_string();
            self.run(
                "pg_ctl",
                &["-D", &data, "-l", &log, "-w", "-o", &options, "start"],
            );
        }

        fn stop(&self, mode: &str) {
            let data = self.data();
            self.run("pg_ctl", &["-D", &data, "-m", mode, "-w", "stop"]);
        }

        /// The URL of a new database `name`.
        fn database(&self, name: &str) -> String {
            let url = format!("postgres://postgres@127.0.0.1:{}/", self.port);
            let mut client = Client::connect(&format!("{url}postgres"), NoTls).unwrap();
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .unwrap();
            format!("{url}{name}")
        }

        fn run(&self, program: &str, args: &[&str]) {
            let output = pg_tool(program).args(args).output().unwrap();
            assert!(
                output.status.success(),
                "{program}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }

    impl Drop for Cluster {
        fn drop(&mut self) {
            let data = self.data();
            let _ = pg_tool("pg_ctl")
                .args(["-D", &data, "-m", "immediate", "stop"])
                .output();
        }
    }

    /// PostgreSQL's `program`, run as `postgres` when the tests run as root.
    fn pg_tool(program: &str) -> Command {
        let program = std::path::Path::new(PG_BIN).join(program);
        if root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    fn root() -> bool {
        Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
    }

    #[test]
    fn the_store_has_the_semantics_every_backend_has() {
        let cluster = Cluster::start();
        let mut made = 0;
        crate::changes::conformance::run_all(&mut || {
            made += 1;
            let store = PostgresStore::open(&cluster.database(&format!("semantics{made}")));
            Box::new(store.unwrap())
        });
    }

    #[test]
    fn servers_hear_decisions_and_one_that_loses_the_database_says_so_and_comes_back() {
        let cluster = Cluster::start();
        let url = cluster.database("shared");
        let (one, other) = (
            PostgresStore::open(&url).unwrap(),
            PostgresStore::open(&url).unwrap(),
        );
        assert_eq!(one.version().unwrap(), 3);
        assert!(one.url().starts_with("postgres://postgres@127.0.0.1:"));
        let (heard, hearing) = std::sync::mpsc::channel();
        other
            .listen(move |seq| {
                let _ = heard.send(seq);
            })
            .unwrap();
        // A decision on one server is heard by the other.
        let id = one.submit(&update("a", "+33241000000"), 5).unwrap().id;
        let seq = one.decide(id, &accept()).unwrap().decisions[0].seq;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while hearing.recv_timeout(Duration::from_secs(10)).unwrap() < seq {
            assert!(
                std::time::Instant::now() < deadline,
                "decision {seq} not heard"
            );
        }
        assert_eq!(other.link().unwrap().last_event, seq);
        assert_eq!(other.accepted().unwrap().len(), 1);

        // The database stops: a write is refused as unreachable, and the link says since when.
        cluster.stop("fast");
        assert!(matches!(
            one.submit(&update("b", "+33241000000"), 5),
            Err(ChangeError::Unavailable(_))
        ));
        let link = one.link().unwrap();
        assert!(!link.connected && link.lost_since.is_some(), "{link:?}");
        assert!(matches!(one.accepted(), Err(ChangeError::Unavailable(_))));
        // It comes back: the next call connects again.
        cluster.resume();
        one.submit(&update("b", "+33241000000"), 5).unwrap();
        assert_eq!(
            one.link().unwrap(),
            Link {
                connected: true,
                lost_since: None,
                last_event: seq,
            }
        );
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !other.link().unwrap().connected {
            assert!(
                std::time::Instant::now() < deadline,
                "the listener did not reconnect"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    #[test]
    fn the_log_refuses_to_be_rewritten_and_a_later_schema_is_refused() {
        let cluster = Cluster::start();
        let url = cluster.database("kept");
        let store = PostgresStore::open(&url).unwrap();
        store.submit(&update("a", "+33241000000"), 5).unwrap();
        let place = crate::ingest::generate::test_places(1, 1).remove(0);
        let served = crate::changes::feed::Served {
            place: &place,
            notices: &[],
        };
        let created = ServedChange::between(None, Some(served)).unwrap();
        assert_eq!(store.record_served(&[created], "served").unwrap(), 1);
        let mut client = Client::connect(&url, NoTls).unwrap();
        for statement in [
            "UPDATE feed SET name = 'x'",
            "DELETE FROM feed",
            "TRUNCATE feed",
            "UPDATE contributions SET place_id = 'b'",
            "DELETE FROM contributions",
            "UPDATE events SET actor = 'x'",
            "DELETE FROM events",
            "TRUNCATE events CASCADE",
        ] {
            assert!(client.batch_execute(statement).is_err(), "{statement}");
        }
        client
            .batch_execute("UPDATE lieux_schema SET version = 9")
            .unwrap();
        drop(store);
        assert!(matches!(
            PostgresStore::open(&url),
            Err(ChangeError::TooNew { found: 9, known: 3 })
        ));
    }
}
