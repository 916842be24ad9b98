//! `/changes` and `/changes.atom`: the change feed, for consumers that keep a copy of the
//! places and for people who want to be told.
//!
//! `/changes?since=CURSOR` answers, in order, the last change of each place after the cursor
//! that the index answering shows, with the place's record as that index serves it, and the
//! cursor to ask next (see [`lieux_index::changes::feed`] for why a consumer that follows it
//! never misses or doubles a change). `/changes.atom` is the same log as an Atom feed (RFC
//! 4287), newest first, one entry per change, for a feed reader: "a place near me closed".
//! Both take the territory filters of `/search`; a place that leaves the territory is said
//! gone from it.

use std::fmt::Write as _;
use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use lieux_index::changes::feed::{FeedAction, FeedQuery, FeedRow, Territory};
use lieux_index::serve::geojson::PlaceFeature;
use lieux_index::serve::LiveIndex;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::answers::{Answer, Content, Description};
use crate::http_error::{ApiError, ErrorCode};
use crate::limits::Limits;
use crate::params::{filter_of, Filters, Kind, Maximum, Parameter, Params, Query, RouteParams};
use crate::receipts::{escape, percent_encode};
use crate::state::{AppState, Live};

/// `GET /changes`.
pub const CHANGES: Description = Description {
    description: "Every creation, update and closure of a place after the cursor `since`, oldest first: for each place, the last change the server shows, with its record as served now (`place`, a GeoJSON Feature; `null` when it is closed or left the territory). Apply the entries in order, then ask again with `since` set to `next`: a consumer that does so never misses or doubles a change. `created` and `updated` both mean: store this record; `closed` and `removed` (the place left the territory asked for): delete it. Start with `since=0` to receive every place.",
    errors: &[(
        ErrorCode::Conflict,
        "`since` is past the end of the feed: the server's state was reset, start again from 0.",
    )],
    ..Description::new(
        "The change feed",
        &[Answer::ok("The changes after the cursor.", &[Content::json::<FeedPage>()])],
    )
};

/// `GET /changes.atom`.
pub const ATOM: Description = Description {
    description: "The latest changes of places (in the territory asked for) as an Atom feed (RFC 4287), newest first, one entry per change, each linking to the place on the map: for a feed reader.",
    ..Description::new(
        "The change feed, in Atom",
        &[Answer::ok("The Atom feed.", &[Content {
            media: ATOM_TYPE,
            schema: crate::answers::text,
        }])],
    )
};

const ATOM_TYPE: &str = "application/atom+xml";

/// The parameters of `/changes`.
pub struct ChangesParams {
    since: u64,
    limit: usize,
    territory: Territory,
}

/// The territory of the filters of `query` (the route takes no other filter): any of the codes
/// given, an EPCI standing for its communes.
fn territory(query: &Query, limits: &Limits) -> Result<Territory, ApiError> {
    let filter = filter_of(query, limits)?;
    let epci_communes = filter
        .epcis
        .iter()
        .filter_map(|code| lieux_index::territory::epcis().get(code))
        .flat_map(|epci| &epci.communes);
    Ok(Territory::new(
        &filter.departements,
        filter.codes_insee.iter().chain(epci_communes),
        &filter.codes_postaux,
    ))
}

impl RouteParams for ChangesParams {
    const PARAMETERS: &'static [Parameter] = &[
        Parameter {
            name: "since",
            description:
                "The cursor: the `next` of the last page applied (0, the default, for every place).",
            kind: Kind::Integer {
                minimum: 0,
                maximum: Maximum::Fixed(i64::MAX as u64),
                default: Some(0),
            },
        },
        Parameter {
            name: "limit",
            description: "At most this many changes (default 100, at most 1,000).",
            kind: Kind::Integer {
                minimum: 1,
                maximum: Maximum::Fixed(1000),
                default: Some(100),
            },
        },
    ];
    const FILTERS: Filters = Filters::Territory;

    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        let [since, limit] = Self::PARAMETERS else {
            unreachable!("two parameters")
        };
        Ok(Self {
            since: since.integer(query, limits)?,
            limit: limit.count(query, limits)?,
            territory: territory(query, limits)?,
        })
    }
}

/// The parameters of `/changes.atom`.
pub struct AtomParams {
    limit: usize,
    territory: Territory,
}

impl RouteParams for AtomParams {
    const PARAMETERS: &'static [Parameter] = &[Parameter {
        name: "limit",
        description: "At most this many entries (default 50, at most 200).",
        kind: Kind::Integer {
            minimum: 1,
            maximum: Maximum::Fixed(200),
            default: Some(50),
        },
    }];
    const FILTERS: Filters = Filters::Territory;

    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        let [limit] = Self::PARAMETERS else {
            unreachable!("one parameter")
        };
        Ok(Self {
            limit: limit.count(query, limits)?,
            territory: territory(query, limits)?,
        })
    }
}

/// A page of the feed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FeedPage {
    /// The changes, oldest first.
    changes: Vec<FeedEntry>,
    /// The cursor to ask next.
    next: u64,
    /// Whether more changes wait after `next` now.
    more: bool,
}

/// A change of a place, as a consumer applies it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FeedEntry {
    /// Its position in the feed.
    cursor: u64,
    /// `created` or `updated` (store `place`), `closed` or `removed` (delete the place:
    /// closed, or no longer in the territory asked for).
    #[schemars(extend("enum" = ["created", "updated", "closed", "removed"]))]
    action: &'static str,
    /// The place's id.
    place_id: String,
    /// When the change was on the map, RFC 3339 (UTC).
    at: String,
    /// The schema fields that changed, for an update.
    fields: Vec<String>,
    /// The place as served now, or `null`.
    #[schemars(with = "Option<PlaceFeature<'static>>")]
    place: Option<Value>,
}

/// What `row` says to a consumer of `territory`, with the place as `live` serves it.
fn entry(live: &LiveIndex, territory: &Territory, row: FeedRow) -> Result<FeedEntry, ApiError> {
    let served = live
        .place_record(&row.place_id)
        .filter(|place| territory.holds(place));
    let action = match served {
        Some(_) if !row.existed => "created",
        Some(_) => "updated",
        None if live.place_record(&row.place_id).is_some() => "removed",
        None => "closed",
    };
    // Without `open_now`, which depends on the clock and not on the data.
    let place = served
        .and_then(|_| live.place(&row.place_id))
        .map(|feature| {
            serde_json::from_slice(
                &PlaceFeature {
                    open_now: None,
                    ..feature
                }
                .to_json(),
            )
        })
        .transpose()
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    Ok(FeedEntry {
        cursor: row.seq,
        action,
        place_id: row.place_id,
        at: row.at,
        fields: if action == "updated" {
            row.fields
        } else {
            Vec::new()
        },
        place,
    })
}

/// `GET /changes`.
pub async fn changes(
    state: web::Data<AppState>,
    live: Live,
    Params(ChangesParams {
        since,
        limit,
        territory,
    }): Params<ChangesParams>,
) -> Result<HttpResponse, ApiError> {
    let upto = live.feed_seq();
    if since > upto && state.changes.link().is_some() {
        // Servers that share the store record the feed in turn: a cursor that another server,
        // ahead of this one, gave is no reset. Nothing is new here until this one catches up.
        let store = Arc::clone(&state.changes);
        let head = web::block(move || store.feed_head())
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
        if since <= head.seq {
            return Ok(HttpResponse::Ok().json(FeedPage {
                changes: Vec::new(),
                next: since,
                more: false,
            }));
        }
    }
    if since > upto {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!(
                "since: {since} is past the end of the feed ({upto}): the server's state was reset, start again from 0"
            ),
        ));
    }
    let query = FeedQuery {
        since,
        upto,
        limit,
        territory: territory.clone(),
    };
    let store = Arc::clone(&state.changes);
    let rows = web::block(move || store.feed(&query))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
    let more = rows.len() == limit;
    let next = match rows.last() {
        Some(last) if more => last.seq,
        _ => upto,
    };
    let changes = rows
        .into_iter()
        .map(|row| entry(&live, &territory, row))
        .collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(FeedPage {
        changes,
        next,
        more,
    }))
}

/// `GET /changes.atom`.
pub async fn atom(
    state: web::Data<AppState>,
    live: Live,
    request: HttpRequest,
    Params(AtomParams { limit, territory }): Params<AtomParams>,
) -> Result<HttpResponse, ApiError> {
    let base = state.base_url(&request)?;
    let store = Arc::clone(&state.changes);
    let upto = live.feed_seq();
    let (rows, head) = web::block(move || {
        let rows = store.recent(&territory, upto, limit)?;
        store.feed_head().map(|head| (rows, head))
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
    let query = request.query_string();
    let feed = AtomFeed {
        base: &base,
        query,
        instance: &head.instance,
        updated: rows.first().map_or_else(
            || {
                chrono::DateTime::<chrono::Utc>::from(live.loaded_at())
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            },
            |row| row.at.clone(),
        ),
    };
    Ok(HttpResponse::Ok()
        .content_type(format!("{ATOM_TYPE}; charset=utf-8"))
        .body(feed.write(&rows)))
}

/// An Atom feed's own elements.
struct AtomFeed<'a> {
    /// `scheme://host[/path]` of the server.
    base: &'a str,
    /// The request's query string (its territory), kept in the feed's own link.
    query: &'a str,
    /// The log's instance ([`lieux_index::changes::feed::FeedHead::instance`]).
    instance: &'a str,
    /// When it last changed.
    updated: String,
}

impl AtomFeed<'_> {
    fn write(&self, rows: &[FeedRow]) -> String {
        let mut out = String::with_capacity(512 + rows.len() * 512);
        let self_link = if self.query.is_empty() {
            format!("{}/changes.atom", self.base)
        } else {
            format!("{}/changes.atom?{}", self.base, self.query)
        };
        let _ = write!(
            out,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
             <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"fr\">\n\
             <id>{id}</id>\n\
             <title>Lieux de médiation numérique : les changements</title>\n\
             <subtitle>Les lieux créés, modifiés et fermés sur la carte.</subtitle>\n\
             <updated>{updated}</updated>\n\
             <author><name>lieux</name></author>\n\
             <generator>lieux</generator>\n\
             <link rel=\"self\" type=\"{ATOM_TYPE}\" href=\"{self_link}\"/>\n\
             <link rel=\"alternate\" type=\"text/html\" href=\"{base}/\"/>\n",
            id = urn(self.instance, &format!("feed?{}", self.query)),
            updated = escape(&self.updated),
            self_link = escape(&self_link),
            base = escape(self.base),
        );
        for row in rows {
            let title = match row.action {
                FeedAction::Created => "Nouveau lieu",
                FeedAction::Updated => "Lieu modifié",
                FeedAction::Closed => "Lieu fermé",
            };
            let name = if row.name.is_empty() {
                &row.place_id
            } else {
                &row.name
            };
            let summary = match row.action {
                FeedAction::Created => format!("{name} est sur la carte."),
                FeedAction::Updated if row.fields.is_empty() => format!("{name} a changé."),
                FeedAction::Updated => format!(
                    "{name} a changé : {}.",
                    row.fields.join(", ").replace('_', " ")
                ),
                FeedAction::Closed => format!("{name} n'est plus sur la carte."),
            };
            let link = format!("{}/?lieu={}", self.base, percent_encode(&row.place_id));
            let _ = write!(
                out,
                "<entry>\n<id>{id}</id>\n<title>{title} : {name}</title>\n<updated>{at}</updated>\n\
                 <link rel=\"alternate\" type=\"text/html\" href=\"{link}\"/>\n\
                 <category term=\"{action}\"/>\n<summary>{summary}</summary>\n</entry>\n",
                id = urn(self.instance, &row.seq.to_string()),
                name = escape(name),
                at = escape(&row.at),
                link = escape(&link),
                action = row.action.name(),
                summary = escape(&summary),
            );
        }
        out.push_str("</feed>\n");
        out
    }
}

/// A `urn:uuid:` made of the log's instance and `what`: the same for the same entry, on this
/// server only.
fn urn(instance: &str, what: &str) -> String {
    let hash = blake3::hash(format!("{instance}/{what}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash.as_bytes()[..16]);
    // A version 8 (custom) UUID of the RFC 9562 variant.
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}
