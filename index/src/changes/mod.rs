//! The write path's store: contributions, the moderators' decisions, and the log of both.
//!
//! The places keep the map current: anyone proposes a new place, a correction or a closure (a
//! [`Submission`]), and a moderator accepts, corrects, rejects or later reverts it (a
//! [`Decision`]). Every one of those is an [`Event`] appended to a log that is never rewritten:
//! a rejected or reverted change stays in the history, so a hub can always say who changed
//! what, when, and why. The status of a contribution is its last decision.
//!
//! The log sits behind one trait, [`ChangeStore`], so that the server does not depend on where
//! it lives: [`sqlite::SqliteStore`], an embedded file in the state directory, is the default
//! (nothing to install, nothing to run beside the server); [`postgres::PostgresStore`], a
//! database that several servers share (`--store postgres://…`), implements the same trait
//! with the same schema, and tells each server of the decisions the others make. A store acknowledges a write only once it is durable: the
//! server answers `202` after [`ChangeStore::submit`] returns, not before.
//!
//! What the log holds is already validated ([`validate`] reads a proposal with the importer's
//! own rules), and what the accepted changes make of the base data is [`apply`]'s, which the
//! live index rebuilds from.

pub mod apply;
#[cfg(test)]
mod conformance;
pub mod feed;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod sqlite;
pub mod validate;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use feed::{FeedHead, FeedQuery, FeedRow, FeedScope, FeedState, ServedChange, Territory};

/// What a contribution proposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContributionKind {
    /// A place that is not on the map.
    New,
    /// New values for some fields of a place.
    Update,
    /// The place has closed.
    Closed,
}

impl ContributionKind {
    /// Its name in the API and in the log.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Update => "update",
            Self::Closed => "closed",
        }
    }

    /// The kind named `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::New, Self::Update, Self::Closed]
            .into_iter()
            .find(|kind| kind.name() == name)
    }
}

/// How to reach a contributor: shown to moderators only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Contact {
    /// Their name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Their e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Field values by schema field name, as the schema's CSV holds them (lists joined with `|`).
pub type Fields = BTreeMap<String, String>;

/// A validated contribution, as the store appends it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Submission {
    /// What it proposes.
    pub kind: ContributionKind,
    /// The place it is about; for a new place, the id it will have.
    pub place_id: String,
    /// The values it proposes, normalised, only those that change.
    pub fields: Fields,
    /// The values of those fields when it was made (empty for a new place).
    pub before: Fields,
    /// What the contributor says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Who they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// What validation fixed, for the contributor and the moderator.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// What a moderator should look at (a place set at its commune's centre…).
    #[serde(default)]
    pub flags: Vec<String>,
}

/// Where a contribution is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for a moderator.
    Pending,
    /// Accepted: it is on the map.
    Accepted,
    /// Rejected: it never was on the map.
    Rejected,
    /// Accepted, then undone.
    Reverted,
}

impl Status {
    /// Its name in the API and in the log.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Reverted => "reverted",
        }
    }

    /// The status named `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Accepted,
            Self::Rejected,
            Self::Reverted,
        ]
        .into_iter()
        .find(|status| status.name() == name)
    }
}

/// A moderator's decision on a contribution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Decision {
    /// Put it on the map, with `fields` instead of the proposed values when the moderator
    /// corrected them (validated as the proposal was).
    Accept {
        /// Who decided.
        moderator: String,
        /// The corrected values, when there are some.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fields: Option<Fields>,
    },
    /// Leave it off the map.
    Reject {
        /// Who decided.
        moderator: String,
        /// Why, for the contributor.
        reason: String,
    },
    /// Take an accepted change off the map again.
    Revert {
        /// Who decided.
        moderator: String,
        /// Why.
        reason: String,
    },
}

impl Decision {
    /// The status it leads to.
    #[must_use]
    pub fn status(&self) -> Status {
        match self {
            Self::Accept { .. } => Status::Accepted,
            Self::Reject { .. } => Status::Rejected,
            Self::Revert { .. } => Status::Reverted,
        }
    }

    /// The status a contribution must have for it.
    #[must_use]
    pub fn applies_to(&self) -> Status {
        match self {
            Self::Accept { .. } | Self::Reject { .. } => Status::Pending,
            Self::Revert { .. } => Status::Accepted,
        }
    }

    /// Who decided.
    #[must_use]
    pub fn moderator(&self) -> &str {
        match self {
            Self::Accept { moderator, .. }
            | Self::Reject { moderator, .. }
            | Self::Revert { moderator, .. } => moderator,
        }
    }
}

/// One entry of the log.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Event {
    /// Its position in the log: later events have larger numbers.
    pub seq: u64,
    /// The contribution it is about.
    pub contribution: u64,
    /// When, in RFC 3339 (UTC).
    pub at: String,
    /// What happened: `submitted`, `accepted`, `rejected` or `reverted`.
    pub action: &'static str,
    /// Who: the contributor's name (or `anonymous`), or the moderator.
    pub actor: String,
    /// The place.
    pub place_id: String,
    /// The values before, for a submission.
    #[serde(skip_serializing_if = "Fields::is_empty")]
    pub before: Fields,
    /// The values after: those proposed, or those accepted.
    #[serde(skip_serializing_if = "Fields::is_empty")]
    pub after: Fields,
    /// The reason of a rejection or a revert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A contribution with where it is.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Contribution {
    /// Its number.
    pub id: u64,
    /// When it was made, in RFC 3339 (UTC).
    pub submitted_at: String,
    /// Where it is: its last decision.
    pub status: Status,
    /// What was submitted.
    pub submission: Submission,
    /// Every decision on it, in order.
    pub decisions: Vec<Event>,
}

impl Contribution {
    /// The values on the map once it is accepted: the moderator's corrections, or the proposal.
    #[must_use]
    pub fn accepted_fields(&self) -> &Fields {
        self.decisions
            .iter()
            .rev()
            .find(|event| event.action == "accepted")
            .map_or(&self.submission.fields, |event| &event.after)
    }
}

/// An accepted change that holds (not reverted), as the map applies it.
#[derive(Clone, Debug, PartialEq)]
pub struct AcceptedChange {
    /// The contribution.
    pub contribution: u64,
    /// What it does.
    pub kind: ContributionKind,
    /// The place.
    pub place_id: String,
    /// The values when it was submitted.
    pub before: Fields,
    /// The values it sets.
    pub after: Fields,
    /// The day it was accepted, which becomes the place's `date_maj`.
    pub accepted_on: chrono::NaiveDate,
}

/// What a store answers a submission: the number and the key its author follows it with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The contribution's number.
    pub id: u64,
    /// The secret that shows it to its author; only its hash is stored.
    pub key: String,
}

/// Which contributions to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Only those with this status.
    pub status: Option<Status>,
    /// Only those about this place.
    pub place_id: Option<String>,
    /// At most this many, most recent first.
    pub limit: usize,
}

/// Why the store refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// The store failed (the disk, the database).
    #[error("the change store: {0}")]
    Storage(String),
    /// The database shared by several servers cannot be reached: nothing was written.
    #[error("the change store cannot be reached, try again in a moment: {0}")]
    Unavailable(String),
    /// The store's file was written by a later release.
    #[error("the change store is at schema version {found}; this release knows up to {known}")]
    TooNew {
        /// Its version.
        found: u32,
        /// The latest this release knows.
        known: u32,
    },
    /// No contribution has this number.
    #[error("no contribution {0}")]
    NotFound(u64),
    /// The decision does not apply to the contribution's status.
    #[error("contribution {id} is {status}: it can only be {wanted} when {applies}", status = status.name(), applies = applies.name())]
    WrongStatus {
        /// The contribution.
        id: u64,
        /// Its status.
        status: Status,
        /// What was asked.
        wanted: &'static str,
        /// The status it must have.
        applies: Status,
    },
    /// The place has as many pending contributions as a place may have.
    #[error("place {place_id} already has {max} contributions waiting for a moderator")]
    TooManyPending {
        /// The place.
        place_id: String,
        /// The cap.
        max: usize,
    },
}

/// A store's result.
pub type ChangeResult<T> = std::result::Result<T, ChangeError>;

// What every backend writes and reads the same way.

/// Now, as the log writes it.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A new key: 128 random bits, as hex.
pub(crate) fn new_key() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the log keeps of a key: its BLAKE3 hash (compared in constant time).
pub(crate) fn key_hash(key: &str) -> blake3::Hash {
    blake3::hash(key.as_bytes())
}

/// The status an event's action leads to.
pub(crate) fn status_after(action: &str) -> Status {
    match action {
        "accepted" => Status::Accepted,
        "rejected" => Status::Rejected,
        "reverted" => Status::Reverted,
        _ => Status::Pending,
    }
}

/// An event's action as [`Event::action`] names it.
pub(crate) fn action_name(action: &str) -> &'static str {
    match action {
        "accepted" => "accepted",
        "rejected" => "rejected",
        "reverted" => "reverted",
        _ => "submitted",
    }
}

/// The fields of an event, kept as JSON text.
pub(crate) fn fields_of(text: Option<String>) -> ChangeResult<Fields> {
    text.map_or(Ok(Fields::new()), |text| {
        serde_json::from_str(&text).map_err(|e| ChangeError::Storage(e.to_string()))
    })
}

/// The accepted change of contribution `id`, whose submission is kept as the JSON `submission`,
/// accepted at `at` (RFC 3339) with the JSON `fields`.
pub(crate) fn accepted_change(
    id: u64,
    submission: &str,
    at: &str,
    fields: Option<String>,
) -> ChangeResult<AcceptedChange> {
    let storage = |e: &dyn std::fmt::Display| ChangeError::Storage(e.to_string());
    let submission: Submission = serde_json::from_str(submission).map_err(|e| storage(&e))?;
    // The day in France: a change accepted at 00:30 in Paris is of that day.
    let accepted_on = chrono::DateTime::parse_from_rfc3339(at)
        .map_err(|e| storage(&e))?
        .with_timezone(&crate::search::schedules::TIME_ZONE)
        .date_naive();
    Ok(AcceptedChange {
        contribution: id,
        kind: submission.kind,
        place_id: submission.place_id,
        before: submission.before,
        after: fields_of(fields)?,
        accepted_on,
    })
}

/// What the event of `decision` on `current` records (its fields as JSON, its reason), if its
/// status allows it.
///
/// # Errors
/// [`ChangeError::WrongStatus`].
pub(crate) fn decision_event<'a>(
    current: &Contribution,
    decision: &'a Decision,
) -> ChangeResult<(Option<String>, Option<&'a String>)> {
    if current.status != decision.applies_to() {
        return Err(ChangeError::WrongStatus {
            id: current.id,
            status: current.status,
            wanted: decision.status().name(),
            applies: decision.applies_to(),
        });
    }
    let (fields, reason) = match decision {
        Decision::Accept { fields, .. } => (
            Some(fields.as_ref().unwrap_or(&current.submission.fields)),
            None,
        ),
        Decision::Reject { reason, .. } | Decision::Revert { reason, .. } => (None, Some(reason)),
    };
    let fields = fields
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| ChangeError::Storage(e.to_string()))?;
    Ok((fields, reason))
}

/// What a server finds different between the feed's record (of every place, or of the places
/// named) and its index ([`ChangeStore::record_shared`]).
pub type FeedDifferences<'a> = dyn FnMut(&FeedState, Option<&[String]>) -> Vec<ServedChange> + 'a;

/// How a server reaches a store that several servers share ([`ChangeStore::link`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Link {
    /// Whether its last call, or its listener, reached the database.
    pub connected: bool,
    /// Since when it cannot, RFC 3339 (UTC).
    pub lost_since: Option<String>,
    /// The last decision of the log this server has heard of: once its index shows it, the
    /// server shows what every server accepted.
    pub last_event: u64,
}

/// Where contributions and decisions are kept: an append-only log.
pub trait ChangeStore: Send + Sync {
    /// Appends `submission`, unless its place has `max_pending` contributions pending already;
    /// returns once it is durable.
    ///
    /// # Errors
    /// [`ChangeError::TooManyPending`], or the store's failure.
    fn submit(&self, submission: &Submission, max_pending: usize) -> ChangeResult<Receipt>;

    /// The contribution `id`.
    ///
    /// # Errors
    /// The store's failure.
    fn contribution(&self, id: u64) -> ChangeResult<Option<Contribution>>;

    /// The contribution `id`, if `key` is the one its author was given.
    ///
    /// # Errors
    /// The store's failure.
    fn contribution_with_key(&self, id: u64, key: &str) -> ChangeResult<Option<Contribution>>;

    /// The contributions `selection` names, most recent first.
    ///
    /// # Errors
    /// The store's failure.
    fn list(&self, selection: &Selection) -> ChangeResult<Vec<Contribution>>;

    /// Appends `decision` on the contribution `id`, if its status allows it; returns once it is
    /// durable.
    ///
    /// # Errors
    /// [`ChangeError::NotFound`], [`ChangeError::WrongStatus`], or the store's failure.
    fn decide(&self, id: u64, decision: &Decision) -> ChangeResult<Contribution>;

    /// The accepted changes that hold, in the order they were accepted.
    ///
    /// # Errors
    /// The store's failure.
    fn accepted(&self) -> ChangeResult<Vec<AcceptedChange>>;

    /// Every event about the place `place_id`, in order.
    ///
    /// # Errors
    /// The store's failure.
    fn history(&self, place_id: &str) -> ChangeResult<Vec<Event>>;

    /// Where the change feed is: the index it last described, its last row.
    ///
    /// # Errors
    /// The store's failure.
    fn feed_head(&self) -> ChangeResult<FeedHead>;

    /// What the change feed last described: [`ChangeStore::feed_head`] and the last record of
    /// each place on the map.
    ///
    /// # Errors
    /// The store's failure.
    fn feed_state(&self) -> ChangeResult<FeedState>;

    /// Appends `changes`, in order, as what the index whose content hash is `served` shows;
    /// returns the feed's last row once it is durable.
    ///
    /// # Errors
    /// The store's failure.
    fn record_served(&self, changes: &[ServedChange], served: &str) -> ChangeResult<u64>;

    /// The rows `query` asks for, oldest first: the last row of each place up to
    /// `query.upto` (see [`feed`]).
    ///
    /// # Errors
    /// The store's failure.
    fn feed(&self, query: &FeedQuery) -> ChangeResult<Vec<FeedRow>>;

    /// The last `limit` rows of places in `territory` up to `upto`, newest first, every one
    /// (an Atom feed lists events, not states).
    ///
    /// # Errors
    /// The store's failure.
    fn recent(&self, territory: &Territory, upto: u64, limit: usize) -> ChangeResult<Vec<FeedRow>>;

    /// The number of the log's last decision (0 for none). Read before
    /// [`ChangeStore::accepted`], it is a position that the changes read show at least.
    ///
    /// # Errors
    /// The store's failure.
    fn log_position(&self) -> ChangeResult<u64>;

    /// For a feed that several servers record: under the feed's lock, unless the feed already
    /// describes a later position of the log than `position` (the last decision the index
    /// whose content hash is `served` shows), appends the changes `differences` finds between
    /// what the feed last recorded of each place and that index, and returns the feed's last
    /// row once it is durable. `differences` is given the feed's record of every place, or with
    /// a `scope`, of the places in it only, and their ids (recorded on the map or not). `None`:
    /// the feed is ahead of this index, nothing was appended, and the index keeps showing the
    /// rows it showed (it catches up when it applies the later decisions). So the feed moves
    /// forward only, and at its last row it describes the index that recorded last, whichever
    /// server that is.
    ///
    /// # Errors
    /// The store's failure.
    fn record_shared(
        &self,
        position: u64,
        served: &str,
        scope: Option<FeedScope<'_>>,
        differences: &mut FeedDifferences<'_>,
    ) -> ChangeResult<Option<u64>>;

    /// How the store is reached when other servers share it; `None` for an embedded store,
    /// which only this server writes.
    fn link(&self) -> Option<Link> {
        None
    }
}
