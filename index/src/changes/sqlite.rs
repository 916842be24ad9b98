//! The change store in an SQLite file: embedded, nothing to install, one file to back up.
//!
//! Two tables: `contributions`, what was submitted (with the hash of its author's key), and
//! `events`, the log: one row per submission and per decision, numbered in the order they were
//! written. A third, `feed`, is the change feed ([`super::feed`]): one row per change of the
//! served places, with `feed_served` naming the index it last described. Triggers refuse every
//! `UPDATE` and `DELETE` of the three, so no log can be rewritten, not even by a bug of ours. A contribution's status is its last event.
//!
//! The file is in WAL mode with `synchronous = FULL`: a transaction is on disk when its
//! `COMMIT` returns, which is when [`SqliteStore`] returns, which is when the server answers.
//! Its schema version is SQLite's `user_version`; [`MIGRATIONS`] brings an older file up to
//! date when it is opened, and a file from a later release is refused rather than misread.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::feed::{
    FeedAction, FeedHead, FeedQuery, FeedRow, FeedScope, FeedState, Recorded, ServedChange,
    Territory,
};
use super::{
    accepted_change, action_name, decision_event, fields_of, key_hash, new_key, now, status_after,
    AcceptedChange, ChangeError, ChangeResult, ChangeStore, Contribution, ContributionKind,
    Decision, Event, FeedDifferences, Fields, Receipt, Selection, Status, Submission,
};

/// The schema, one step per release that changed it: the file's `user_version` is the number
/// of steps it has had.
const MIGRATIONS: &[&str] = &[
    r"
    CREATE TABLE contributions (
        id INTEGER PRIMARY KEY,
        submitted_at TEXT NOT NULL,
        key_hash BLOB NOT NULL,
        kind TEXT NOT NULL,
        place_id TEXT NOT NULL,
        submission TEXT NOT NULL
    );
    CREATE INDEX contributions_by_place ON contributions (place_id);
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        contribution INTEGER NOT NULL REFERENCES contributions (id),
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        actor TEXT NOT NULL,
        fields TEXT,
        reason TEXT
    );
    CREATE INDEX events_by_contribution ON events (contribution, seq);
    CREATE TRIGGER contributions_are_kept BEFORE UPDATE ON contributions
        BEGIN SELECT RAISE(ABORT, 'contributions are never rewritten'); END;
    CREATE TRIGGER contributions_stay BEFORE DELETE ON contributions
        BEGIN SELECT RAISE(ABORT, 'contributions are never deleted'); END;
    CREATE TRIGGER events_are_kept BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the log is never rewritten'); END;
    CREATE TRIGGER events_stay BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the log is never rewritten'); END;
",
    r"
    CREATE TABLE feed (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        place_id TEXT NOT NULL,
        action TEXT NOT NULL,
        digest INTEGER NOT NULL,
        name TEXT NOT NULL,
        fields TEXT NOT NULL,
        territory TEXT NOT NULL
    );
    CREATE INDEX feed_by_place ON feed (place_id, seq);
    CREATE TRIGGER feed_is_kept BEFORE UPDATE ON feed
        BEGIN SELECT RAISE(ABORT, 'the feed is never rewritten'); END;
    CREATE TRIGGER feed_stays BEFORE DELETE ON feed
        BEGIN SELECT RAISE(ABORT, 'the feed is never rewritten'); END;
    CREATE TABLE feed_served (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        served TEXT NOT NULL,
        instance TEXT NOT NULL
    );
    INSERT INTO feed_served (id, served, instance) VALUES (1, '', lower(hex(randomblob(16))));
",
    r"
    ALTER TABLE feed_served ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
",
];

/// The file's name in the state directory.
pub const FILE_NAME: &str = "changes.sqlite";

/// A change store in an SQLite file.
pub struct SqliteStore {
    path: PathBuf,
    connection: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn storage(error: impl std::fmt::Display) -> ChangeError {
    ChangeError::Storage(error.to_string())
}

impl SqliteStore {
    /// Opens the store of the state directory `dir` (made if missing), migrating its file.
    ///
    /// # Errors
    /// [`ChangeError::TooNew`] for a file of a later release; the directory or the file failing.
    pub fn open(dir: &Path) -> ChangeResult<Self> {
        std::fs::create_dir_all(dir).map_err(|e| storage(format!("{}: {e}", dir.display())))?;
        let path = dir.join(FILE_NAME);
        let mut connection =
            Connection::open(&path).map_err(|e| storage(format!("{}: {e}", path.display())))?;
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(storage)?;
        let mode: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(storage)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(storage(format!(
                "{}: WAL mode refused ({mode})",
                path.display()
            )));
        }
        connection
            .execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
            .map_err(storage)?;
        migrate(&mut connection)?;
        Ok(Self {
            path,
            connection: Mutex::new(connection),
        })
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the file.
    ///
    /// # Errors
    /// The database failing.
    pub fn version(&self) -> ChangeResult<u32> {
        self.lock()
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(storage)
    }

    /// The connection; a panic while it was held left no transaction open (rusqlite rolls an
    /// unfinished one back when it is dropped), so a poisoned lock is taken over.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Brings the file's schema up to [`MIGRATIONS`], each step in a transaction of its own.
fn migrate(connection: &mut Connection) -> ChangeResult<()> {
    let known = u32::try_from(MIGRATIONS.len()).unwrap_or(u32::MAX);
    let found: u32 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(storage)?;
    if found > known {
        return Err(ChangeError::TooNew { found, known });
    }
    for (version, step) in (found..known).zip(&MIGRATIONS[found as usize..]) {
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Exclusive)
            .map_err(storage)?;
        transaction.execute_batch(step).map_err(storage)?;
        transaction
            .pragma_update(None, "user_version", version + 1)
            .map_err(storage)?;
        transaction.commit().map_err(storage)?;
    }
    Ok(())
}

/// The contribution of the row `(id, submitted_at, submission)`, with its decisions.
fn contribution(
    connection: &Connection,
    id: i64,
    submitted_at: String,
    submission: &str,
) -> ChangeResult<Contribution> {
    let submission: Submission = serde_json::from_str(submission).map_err(storage)?;
    let mut statement = connection
        .prepare_cached(
            "SELECT seq, at, action, actor, fields, reason FROM events
             WHERE contribution = ?1 AND action != 'submitted' ORDER BY seq",
        )
        .map_err(storage)?;
    let rows = statement
        .query_map([id], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, Option<String>>(4)?,
                row.get::<_, Option<String>>(5)?,
            ))
        })
        .map_err(storage)?;
    let mut decisions = Vec::new();
    for row in rows {
        let (seq, at, action, actor, fields, reason) = row.map_err(storage)?;
        decisions.push(Event {
            seq: u64::try_from(seq).unwrap_or(0),
            contribution: u64::try_from(id).unwrap_or(0),
            at,
            action: action_name(&action),
            actor,
            place_id: submission.place_id.clone(),
            before: Fields::new(),
            after: fields_of(fields)?,
            reason,
        });
    }
    let status = decisions
        .last()
        .map_or(Status::Pending, |event| status_after(event.action));
    Ok(Contribution {
        id: u64::try_from(id).unwrap_or(0),
        submitted_at,
        status,
        submission,
        decisions,
    })
}

/// The contribution `id`, with the hash of its key.
fn find(connection: &Connection, id: u64) -> ChangeResult<Option<(Contribution, blake3::Hash)>> {
    let Ok(id) = i64::try_from(id) else {
        return Ok(None);
    };
    let row = connection
        .query_row(
            "SELECT submitted_at, submission, key_hash FROM contributions WHERE id = ?1",
            [id],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Vec<u8>>(2)?,
                ))
            },
        )
        .optional()
        .map_err(storage)?;
    let Some((submitted_at, submission, hash)) = row else {
        return Ok(None);
    };
    let hash = <[u8; 32]>::try_from(hash.as_slice())
        .map(blake3::Hash::from_bytes)
        .map_err(|_| storage(format!("contribution {id}: a key hash of the wrong length")))?;
    Ok(Some((
        contribution(connection, id, submitted_at, &submission)?,
        hash,
    )))
}

fn pending_for(connection: &Connection, place_id: &str) -> ChangeResult<usize> {
    let count: i64 = connection
        .query_row(
            "SELECT count(*) FROM contributions c WHERE c.place_id = ?1 AND
             (SELECT action FROM events e WHERE e.contribution = c.id ORDER BY seq DESC LIMIT 1)
             = 'submitted'",
            [place_id],
            |row| row.get(0),
        )
        .map_err(storage)?;
    Ok(usize::try_from(count).unwrap_or(usize::MAX))
}

/// `column`'s row is in `territory`: SQL over the parameters from `first` on (`1` everywhere).
fn in_territory(column: &str, territory: &Territory, first: usize) -> String {
    if territory.is_everywhere() {
        return "1".to_owned();
    }
    let tests: Vec<String> = (first..first + territory.needles.len())
        .map(|n| format!("instr({column}, ?{n}) > 0"))
        .collect();
    format!("({})", tests.join(" OR "))
}

/// The feed rows of `sql`, whose first parameters are `leading` and then the territory's.
fn feed_rows(
    connection: &Connection,
    sql: &str,
    leading: &[i64],
    territory: &Territory,
) -> ChangeResult<Vec<FeedRow>> {
    let mut statement = connection.prepare_cached(sql).map_err(storage)?;
    let values: Vec<&dyn rusqlite::ToSql> = leading
        .iter()
        .map(|v| v as &dyn rusqlite::ToSql)
        .chain(territory.needles.iter().map(|n| n as &dyn rusqlite::ToSql))
        .collect();
    let rows = statement
        .query_map(values.as_slice(), |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, bool>(6)?,
            ))
        })
        .map_err(storage)?;
    let mut found = Vec::new();
    for row in rows {
        let (seq, at, place_id, action, name, fields, existed) = row.map_err(storage)?;
        found.push(FeedRow {
            seq: u64::try_from(seq).unwrap_or(0),
            at,
            place_id,
            action: FeedAction::from_name(&action)
                .ok_or_else(|| storage(format!("feed row {seq}: unknown action {action:?}")))?,
            name,
            fields: fields
                .split('|')
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect(),
            existed,
        });
    }
    Ok(found)
}

fn seq_param(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// Where the feed is, and the position of the log it last described.
fn feed_head(connection: &Connection) -> ChangeResult<(FeedHead, u64)> {
    let (served, instance, position) = connection
        .query_row(
            "SELECT served, instance, position FROM feed_served WHERE id = 1",
            [],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            },
        )
        .map_err(storage)?;
    let seq: i64 = connection
        .query_row("SELECT coalesce(max(seq), 0) FROM feed", [], |row| {
            row.get(0)
        })
        .map_err(storage)?;
    Ok((
        FeedHead {
            served,
            seq: u64::try_from(seq).unwrap_or(0),
            instance,
        },
        u64::try_from(position).unwrap_or(0),
    ))
}

fn feed_state(connection: &Connection) -> ChangeResult<FeedState> {
    let (head, _) = feed_head(connection)?;
    let mut statement = connection
        .prepare_cached(
            "SELECT f.place_id, f.digest, f.name, f.territory FROM feed f
             JOIN (SELECT place_id, max(seq) AS seq FROM feed GROUP BY place_id) l
             ON f.seq = l.seq WHERE f.action != 'closed'",
        )
        .map_err(storage)?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                Recorded {
                    digest: u64::from_ne_bytes(row.get::<_, i64>(1)?.to_ne_bytes()),
                    name: row.get(2)?,
                    territory: row.get(3)?,
                },
            ))
        })
        .map_err(storage)?;
    let places = rows.collect::<Result<_, _>>().map_err(storage)?;
    Ok(FeedState { head, places })
}

/// What the feed last recorded of the places of `scope` (those on the map), and their ids.
fn scoped_feed_state(
    connection: &Connection,
    scope: FeedScope<'_>,
) -> ChangeResult<(FeedState, Vec<String>)> {
    let (head, _) = feed_head(connection)?;
    let mut ids: std::collections::BTreeSet<String> = scope.changed.iter().cloned().collect();
    let mut since = connection
        .prepare_cached("SELECT DISTINCT place_id FROM feed WHERE seq > ?1")
        .map_err(storage)?;
    let rows = since
        .query_map([seq_param(scope.since)], |row| row.get::<_, String>(0))
        .map_err(storage)?;
    for id in rows {
        ids.insert(id.map_err(storage)?);
    }
    let mut last = connection
        .prepare_cached(
            "SELECT digest, name, territory, action FROM feed WHERE place_id = ?1
             ORDER BY seq DESC LIMIT 1",
        )
        .map_err(storage)?;
    let mut places = std::collections::HashMap::new();
    for id in &ids {
        let row = last
            .query_row([id], |row| {
                Ok((
                    Recorded {
                        digest: u64::from_ne_bytes(row.get::<_, i64>(0)?.to_ne_bytes()),
                        name: row.get(1)?,
                        territory: row.get(2)?,
                    },
                    row.get::<_, String>(3)?,
                ))
            })
            .optional()
            .map_err(storage)?;
        if let Some((recorded, _)) = row.filter(|(_, action)| action != "closed") {
            places.insert(id.clone(), recorded);
        }
    }
    Ok((FeedState { head, places }, ids.into_iter().collect()))
}

/// Appends `changes` to the feed as what `served` (at `position`, when known) shows; the
/// feed's last row.
fn append_feed(
    connection: &Connection,
    changes: &[ServedChange],
    served: &str,
    position: Option<u64>,
) -> ChangeResult<u64> {
    let at = now();
    let mut insert = connection
        .prepare_cached(
            "INSERT INTO feed (at, place_id, action, digest, name, fields, territory)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(storage)?;
    for change in changes {
        insert
            .execute(params![
                at,
                change.place_id,
                change.action.name(),
                i64::from_ne_bytes(change.digest.to_ne_bytes()),
                change.name,
                change.fields.join("|"),
                change.territory
            ])
            .map_err(storage)?;
    }
    match position {
        Some(position) => connection.execute(
            "UPDATE feed_served SET served = ?1, position = ?2 WHERE id = 1",
            params![served, seq_param(position)],
        ),
        None => connection.execute("UPDATE feed_served SET served = ?1 WHERE id = 1", [served]),
    }
    .map_err(storage)?;
    Ok(feed_head(connection)?.0.seq)
}

impl ChangeStore for SqliteStore {
    fn submit(&self, submission: &Submission, max_pending: usize) -> ChangeResult<Receipt> {
        let mut connection = self.lock();
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        if submission.kind != ContributionKind::New
            && pending_for(&transaction, &submission.place_id)? >= max_pending
        {
            return Err(ChangeError::TooManyPending {
                place_id: submission.place_id.clone(),
                max: max_pending,
            });
        }
        let key = new_key();
        let at = now();
        let text = serde_json::to_string(submission).map_err(storage)?;
        transaction
            .execute(
                "INSERT INTO contributions (submitted_at, key_hash, kind, place_id, submission)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    at,
                    key_hash(&key).as_bytes().as_slice(),
                    submission.kind.name(),
                    submission.place_id,
                    text
                ],
            )
            .map_err(storage)?;
        let id = transaction.last_insert_rowid();
        let actor = submission
            .contact
            .as_ref()
            .and_then(|contact| contact.name.clone())
            .unwrap_or_else(|| "anonymous".to_owned());
        let fields = serde_json::to_string(&submission.fields).map_err(storage)?;
        transaction
            .execute(
                "INSERT INTO events (contribution, at, action, actor, fields)
                 VALUES (?1, ?2, 'submitted', ?3, ?4)",
                params![id, at, actor, fields],
            )
            .map_err(storage)?;
        transaction.commit().map_err(storage)?;
        Ok(Receipt {
            id: u64::try_from(id).unwrap_or(0),
            key,
        })
    }

    fn contribution(&self, id: u64) -> ChangeResult<Option<Contribution>> {
        Ok(find(&self.lock(), id)?.map(|(contribution, _)| contribution))
    }

    fn contribution_with_key(&self, id: u64, key: &str) -> ChangeResult<Option<Contribution>> {
        // `blake3::Hash` compares in constant time.
        Ok(find(&self.lock(), id)?
            .filter(|(_, hash)| *hash == key_hash(key))
            .map(|(contribution, _)| contribution))
    }

    fn list(&self, selection: &Selection) -> ChangeResult<Vec<Contribution>> {
        let connection = self.lock();
        let mut statement = connection
            .prepare_cached(
                "SELECT c.id, c.submitted_at, c.submission,
                 (SELECT action FROM events e WHERE e.contribution = c.id ORDER BY seq DESC LIMIT 1)
                 FROM contributions c WHERE ?1 IS NULL OR c.place_id = ?1 ORDER BY c.id DESC",
            )
            .map_err(storage)?;
        let rows = statement
            .query_map([&selection.place_id], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })
            .map_err(storage)?;
        let mut found = Vec::new();
        for row in rows {
            let (id, submitted_at, submission, last) = row.map_err(storage)?;
            if selection
                .status
                .is_some_and(|wanted| status_after(&last) != wanted)
            {
                continue;
            }
            found.push(contribution(&connection, id, submitted_at, &submission)?);
            if found.len() >= selection.limit {
                break;
            }
        }
        Ok(found)
    }

    fn decide(&self, id: u64, decision: &Decision) -> ChangeResult<Contribution> {
        let mut connection = self.lock();
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let (current, _) = find(&transaction, id)?.ok_or(ChangeError::NotFound(id))?;
        let (fields, reason) = decision_event(&current, decision)?;
        transaction
            .execute(
                "INSERT INTO events (contribution, at, action, actor, fields, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    i64::try_from(id).map_err(storage)?,
                    now(),
                    decision.status().name(),
                    decision.moderator(),
                    fields,
                    reason
                ],
            )
            .map_err(storage)?;
        let (decided, _) = find(&transaction, id)?.ok_or(ChangeError::NotFound(id))?;
        transaction.commit().map_err(storage)?;
        Ok(decided)
    }

    fn accepted(&self) -> ChangeResult<Vec<AcceptedChange>> {
        let connection = self.lock();
        // The last acceptance of each contribution whose last event is that acceptance.
        let mut statement = connection
            .prepare_cached(
                "SELECT c.id, c.submission, e.at, e.fields FROM events e
                 JOIN contributions c ON c.id = e.contribution
                 WHERE e.action = 'accepted' AND e.seq =
                   (SELECT max(seq) FROM events l WHERE l.contribution = e.contribution)
                 ORDER BY e.seq",
            )
            .map_err(storage)?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                ))
            })
            .map_err(storage)?;
        let mut changes = Vec::new();
        for row in rows {
            let (id, submission, at, fields) = row.map_err(storage)?;
            changes.push(accepted_change(
                u64::try_from(id).unwrap_or(0),
                &submission,
                &at,
                fields,
            )?);
        }
        Ok(changes)
    }

    fn history(&self, place_id: &str) -> ChangeResult<Vec<Event>> {
        let connection = self.lock();
        let mut statement = connection
            .prepare_cached(
                "SELECT e.seq, e.contribution, e.at, e.action, e.actor, e.fields, e.reason,
                 c.submission FROM events e JOIN contributions c ON c.id = e.contribution
                 WHERE c.place_id = ?1 ORDER BY e.seq",
            )
            .map_err(storage)?;
        let rows = statement
            .query_map([place_id], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, Option<String>>(5)?,
                    row.get::<_, Option<String>>(6)?,
                    row.get::<_, String>(7)?,
                ))
            })
            .map_err(storage)?;
        let mut events = Vec::new();
        for row in rows {
            let (seq, contribution, at, action, actor, fields, reason, submission) =
                row.map_err(storage)?;
            let action = action_name(&action);
            let before = if action == "submitted" {
                serde_json::from_str::<Submission>(&submission)
                    .map_err(storage)?
                    .before
            } else {
                Fields::new()
            };
            events.push(Event {
                seq: u64::try_from(seq).unwrap_or(0),
                contribution: u64::try_from(contribution).unwrap_or(0),
                at,
                action,
                actor,
                place_id: place_id.to_owned(),
                before,
                after: fields_of(fields)?,
                reason,
            });
        }
        Ok(events)
    }

    fn feed_head(&self) -> ChangeResult<FeedHead> {
        Ok(feed_head(&self.lock())?.0)
    }

    fn feed_state(&self) -> ChangeResult<FeedState> {
        feed_state(&self.lock())
    }

    fn record_served(&self, changes: &[ServedChange], served: &str) -> ChangeResult<u64> {
        let mut connection = self.lock();
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let seq = append_feed(&transaction, changes, served, None)?;
        transaction.commit().map_err(storage)?;
        Ok(seq)
    }

    fn feed(&self, query: &FeedQuery) -> ChangeResult<Vec<FeedRow>> {
        // The last row of each place up to `upto` (in the territory), with whether the place
        // was on the map at `since`.
        let sql = format!(
            "SELECT f.seq, f.at, f.place_id, f.action, f.name, f.fields,
             coalesce((SELECT h.action != 'closed' FROM feed h WHERE h.place_id = f.place_id
                       AND h.seq <= ?1 ORDER BY h.seq DESC LIMIT 1), 0)
             FROM feed f
             WHERE f.seq > ?1 AND f.seq <= ?2 AND {in_f}
             AND NOT EXISTS (SELECT 1 FROM feed g WHERE g.place_id = f.place_id
                             AND g.seq > f.seq AND g.seq <= ?2 AND {in_g})
             ORDER BY f.seq LIMIT ?3",
            in_f = in_territory("f.territory", &query.territory, 4),
            in_g = in_territory("g.territory", &query.territory, 4),
        );
        feed_rows(
            &self.lock(),
            &sql,
            &[
                seq_param(query.since),
                seq_param(query.upto),
                i64::try_from(query.limit).unwrap_or(i64::MAX),
            ],
            &query.territory,
        )
    }

    fn recent(&self, territory: &Territory, upto: u64, limit: usize) -> ChangeResult<Vec<FeedRow>> {
        let sql = format!(
            "SELECT seq, at, place_id, action, name, fields, 1 FROM feed
             WHERE seq <= ?1 AND {in_t} ORDER BY seq DESC LIMIT ?2",
            in_t = in_territory("territory", territory, 3),
        );
        feed_rows(
            &self.lock(),
            &sql,
            &[seq_param(upto), i64::try_from(limit).unwrap_or(i64::MAX)],
            territory,
        )
    }

    fn log_position(&self) -> ChangeResult<u64> {
        let seq: i64 = self
            .lock()
            .query_row(
                "SELECT coalesce(max(seq), 0) FROM events WHERE action != 'submitted'",
                [],
                |row| row.get(0),
            )
            .map_err(storage)?;
        Ok(u64::try_from(seq).unwrap_or(0))
    }

    fn record_shared(
        &self,
        position: u64,
        served: &str,
        scope: Option<FeedScope<'_>>,
        differences: &mut FeedDifferences<'_>,
    ) -> ChangeResult<Option<u64>> {
        let mut connection = self.lock();
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let (_, recorded) = feed_head(&transaction)?;
        if position < recorded {
            return Ok(None);
        }
        let changes = match scope {
            None => differences(&feed_state(&transaction)?, None),
            Some(scope) => {
                let (state, ids) = scoped_feed_state(&transaction, scope)?;
                differences(&state, Some(&ids))
            }
        };
        let seq = append_feed(&transaction, &changes, served, Some(position))?;
        transaction.commit().map_err(storage)?;
        Ok(Some(seq))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changes::conformance::{accept, update};

    #[test]
    fn the_store_has_the_semantics_every_backend_has() {
        let dirs = std::cell::RefCell::new(Vec::new());
        crate::changes::conformance::run_all(&mut || {
            let dir = tempfile::tempdir().unwrap();
            let store = SqliteStore::open(dir.path()).unwrap();
            dirs.borrow_mut().push(dir);
            Box::new(store)
        });
    }

    #[test]
    fn a_submission_is_kept_on_disk_with_its_decisions_and_found_again() {
        let dir = tempfile::tempdir().unwrap();
        let receipt = {
            let store = SqliteStore::open(dir.path()).unwrap();
            assert_eq!(store.version().unwrap(), 3);
            let receipt = store.submit(&update("a", "+33241000000"), 5).unwrap();
            store.decide(receipt.id, &accept()).unwrap();
            receipt
        };
        // Opened again, as after a restart: the rest of what it holds is the conformance's.
        let store = SqliteStore::open(dir.path()).unwrap();
        let found = store.contribution(receipt.id).unwrap().unwrap();
        assert_eq!(found.status, Status::Accepted);
        assert_eq!(store.accepted().unwrap().len(), 1);
        assert_eq!(store.history("a").unwrap().len(), 2);
    }

    #[test]
    fn the_log_refuses_to_be_rewritten_and_a_later_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        store.submit(&update("a", "+33241000000"), 5).unwrap();
        let place = crate::ingest::generate::test_places(1, 1).remove(0);
        let created = ServedChange::between(
            None,
            Some(crate::changes::feed::Served {
                place: &place,
                notices: &[],
            }),
        )
        .unwrap();
        assert_eq!(store.record_served(&[created], "served").unwrap(), 1);
        let connection = store.lock();
        for statement in [
            "UPDATE feed SET name = 'x'",
            "DELETE FROM feed",
            "UPDATE contributions SET place_id = 'b'",
            "DELETE FROM contributions",
            "UPDATE events SET actor = 'x'",
            "DELETE FROM events",
        ] {
            assert!(connection.execute(statement, []).is_err(), "{statement}");
        }
        connection.pragma_update(None, "user_version", 9).unwrap();
        drop(connection);
        drop(store);
        assert!(matches!(
            SqliteStore::open(dir.path()),
            Err(ChangeError::TooNew { found: 9, known: 3 })
        ));
    }
}
