//! The change feed: what changed on the map, in order, for consumers that keep a copy.
//!
//! A partner that mirrors the places (a département's portal, a hub's own site, a social
//! worker's feed reader) wants every creation, update and closure once, and in order. Offset
//! pagination over a data set that moves under it skips or repeats places; a cursor over an
//! append-only log does neither. So every time the served places change (a moderator's
//! decision, a reload of the base data, a start on other data than last time), what changed is
//! appended to the log as [`ServedChange`]s, each numbered (`seq`) in the order it became
//! visible, and the live index remembers the number of the last change it shows.
//!
//! A consumer asks for what changed after its cursor ([`FeedQuery`]). It is answered one row
//! per place, the last that concerns it up to what the index it asks shows, with the place's
//! record as that index serves it: a place changed twice since the cursor comes once, with its
//! latest record, and a place changed again after the index was built comes only once that
//! change is served. A consumer that applies the entries in order and keeps the last cursor
//! ends with exactly the server's places, however the changes and its reads interleave.
//!
//! With a territory (départements, INSEE or postal codes), a row is kept when the place was in
//! it before or after the change: a place that moves out of a territory is said gone to the
//! consumers of that territory.
//!
//! What a row records of a place is its digest ([`digest`]), so that a server started on other
//! data than the log last described finds what differs ([`FeedState`]), its name (an Atom entry
//! names a closed place too), the fields that changed and its territory codes.

use std::collections::HashMap;

use serde::Serialize;

use crate::notice::Notice;
use crate::place::{Place, SchemaField};

/// A place as the map serves it: its record and its temporary closures and notices.
#[derive(Clone, Copy, Debug)]
pub struct Served<'a> {
    /// The record.
    pub place: &'a Place,
    /// Its temporary closures and notices.
    pub notices: &'a [Notice],
}

impl PartialEq for Served<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.place == other.place && self.notices == other.notices
    }
}

/// The name of the extension that lists a place's closures and notices, in the changed fields.
pub const NOTICES_FIELD: &str = "avis";

/// What happened to a place on the map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedAction {
    /// It appeared.
    Created,
    /// Some of its fields changed.
    Updated,
    /// It is no longer on the map.
    Closed,
}

impl FeedAction {
    /// Its name in the log and the API.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Closed => "closed",
        }
    }

    /// The action named `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Created, Self::Updated, Self::Closed]
            .into_iter()
            .find(|action| action.name() == name)
    }
}

/// A change of the served places, as the log appends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServedChange {
    /// The place.
    pub place_id: String,
    /// What happened.
    pub action: FeedAction,
    /// The digest of its new record (0 once closed).
    pub digest: u64,
    /// Its name (the last it had, for a closure).
    pub name: String,
    /// The schema fields that changed (none for a creation or a closure).
    pub fields: Vec<&'static str>,
    /// Its territory codes before and after ([`territory_codes`]), as the filters match them.
    pub territory: String,
}

impl ServedChange {
    /// The change from `before` to `after` (`None`: absent), or `None` when they are the same.
    #[must_use]
    pub fn between(before: Option<Served<'_>>, after: Option<Served<'_>>) -> Option<Self> {
        let (action, served) = match (before, after) {
            (None, None) => return None,
            (Some(b), Some(a)) if b == a => return None,
            (None, Some(a)) => (FeedAction::Created, a),
            (Some(_), Some(a)) => (FeedAction::Updated, a),
            (Some(b), None) => (FeedAction::Closed, b),
        };
        let fields = match (before, after) {
            (Some(b), Some(a)) => {
                let mut fields: Vec<&'static str> = SchemaField::ALL
                    .iter()
                    .filter(|field| b.place.field_text(**field) != a.place.field_text(**field))
                    .map(|field| field.name())
                    .collect();
                if b.notices != a.notices {
                    fields.push(NOTICES_FIELD);
                }
                fields
            }
            _ => Vec::new(),
        };
        let mut territory = String::from("|");
        for served in before.into_iter().chain(after) {
            territory_codes(served.place, &mut territory);
        }
        Some(Self {
            place_id: served.place.id().to_owned(),
            action,
            digest: after.map_or(0, digest),
            name: served.place.nom().to_owned(),
            fields,
            territory,
        })
    }

    /// The change of a place that the log last recorded as `recorded` (`None`: never, or
    /// closed) and which is now `now`: at start, when the log knows the places by their
    /// digests only.
    #[must_use]
    pub fn from_recorded(
        place_id: &str,
        recorded: Option<&Recorded>,
        now: Option<Served<'_>>,
    ) -> Option<Self> {
        match (recorded, now) {
            (None, None) => None,
            (Some(old), Some(place)) if old.digest == digest(place) => None,
            (recorded, Some(place)) => {
                let mut change = Self::between(None, Some(place))?;
                if let Some(old) = recorded {
                    change.action = FeedAction::Updated;
                    change
                        .territory
                        .push_str(old.territory.trim_start_matches('|'));
                }
                Some(change)
            }
            (Some(old), None) => Some(Self {
                place_id: place_id.to_owned(),
                action: FeedAction::Closed,
                digest: 0,
                name: old.name.clone(),
                fields: Vec::new(),
                territory: old.territory.clone(),
            }),
        }
    }
}

/// What the log last recorded of a place on the map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The digest of its record.
    pub digest: u64,
    /// Its name.
    pub name: String,
    /// Its territory codes ([`ServedChange::territory`]).
    pub territory: String,
}

/// Appends `place`'s territory codes to `out`, each closed by `|`: `d49|i49007|p49000|`.
pub fn territory_codes(place: &Place, out: &mut String) {
    use std::fmt::Write as _;
    if let Some(departement) = place.departement() {
        let _ = write!(out, "d{departement}|");
    }
    // The commune of a place without an INSEE code is read from its postal code and name, as
    // the `code_insee` and `epci` filters read it.
    if let Some(insee) = crate::territory::commune_of(place) {
        let _ = write!(out, "i{insee}|");
    }
    if !place.code_postal().is_empty() {
        let _ = write!(out, "p{}|", place.code_postal());
    }
}

/// A territory, as the feed filters it: any of these codes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Territory {
    /// The `|d49|`-style needles of [`territory_codes`]; empty: everywhere.
    pub needles: Vec<String>,
}

impl Territory {
    /// The territory of `departements`, `codes_insee` and `codes_postaux` (any of them).
    #[must_use]
    pub fn new<'a>(
        departements: impl IntoIterator<Item = &'a String>,
        codes_insee: impl IntoIterator<Item = &'a String>,
        codes_postaux: impl IntoIterator<Item = &'a String>,
    ) -> Self {
        let needles = departements
            .into_iter()
            .map(|d| format!("|d{d}|"))
            .chain(codes_insee.into_iter().map(|c| format!("|i{c}|")))
            .chain(codes_postaux.into_iter().map(|c| format!("|p{c}|")))
            .collect();
        Self { needles }
    }

    /// Whether it is everywhere.
    #[must_use]
    pub fn is_everywhere(&self) -> bool {
        self.needles.is_empty()
    }

    /// Whether `place` is in it.
    #[must_use]
    pub fn holds(&self, place: &Place) -> bool {
        if self.is_everywhere() {
            return true;
        }
        let mut codes = String::from("|");
        territory_codes(place, &mut codes);
        self.needles.iter().any(|needle| codes.contains(needle))
    }
}

/// What a consumer asks of the feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedQuery {
    /// Rows after this one (0: from the start).
    pub since: u64,
    /// Rows up to this one: the last that the index answering shows.
    pub upto: u64,
    /// At most this many rows.
    pub limit: usize,
    /// Only the rows of places in this territory before or after.
    pub territory: Territory,
}

/// A row of the feed, for a consumer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedRow {
    /// Its number: the consumer's cursor once it has applied it.
    pub seq: u64,
    /// When it became visible, RFC 3339 (UTC).
    pub at: String,
    /// The place.
    pub place_id: String,
    /// What the row records.
    pub action: FeedAction,
    /// The place's name.
    pub name: String,
    /// The schema fields that changed.
    pub fields: Vec<String>,
    /// Whether the place was on the map at the consumer's cursor.
    pub existed: bool,
}

/// The latest digest of every place the log says is on the map: what a server compares its
/// places with when it starts on other data than the log last described.
#[derive(Clone, Debug, Default)]
pub struct FeedState {
    /// Where the log is.
    pub head: FeedHead,
    /// What it recorded last of each place on the map, by id.
    pub places: HashMap<String, Recorded>,
}

/// The places a server that shares the feed compares with it when its previous index was what
/// the feed described at `since` ([`super::ChangeStore::record_shared`]): those that changed on
/// the server since, and those the feed recorded since. No other place can differ.
#[derive(Clone, Copy, Debug)]
pub struct FeedScope<'a> {
    /// The feed's last row that the server's previous index showed, exactly.
    pub since: u64,
    /// The places that changed on the server since that index.
    pub changed: &'a [String],
}

/// Where the log is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedHead {
    /// The content hash of the index it last described ("" when it described none).
    pub served: String,
    /// Its last row (0 for none).
    pub seq: u64,
    /// 32 hex digits drawn when the log was made: what tells its rows from those of another
    /// server's log (Atom entry ids).
    pub instance: String,
}

/// A place's digest: 64 bits of the BLAKE3 hash of its record and its notices, which any
/// change of any field changes.
#[must_use]
pub fn digest(served: Served<'_>) -> u64 {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&postcard::to_stdvec(served.place).unwrap_or_default());
    hasher.update(&postcard::to_stdvec(served.notices).unwrap_or_default());
    let hash = hasher.finalize();
    let mut first = [0; 8];
    first.copy_from_slice(&hash.as_bytes()[..8]);
    u64::from_le_bytes(first)
}
