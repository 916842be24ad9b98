//! The update campaign: moderators export the places whose records are getting old, each with
//! its contact e-mails and a signed link; the hub mail-merges the export (lieux sends no e-mail
//! itself), and each place answers with one click.
//!
//! `GET /admin/campaign.csv` (behind the admin token) lists the places that the filters keep,
//! by default those `a_verifier` or `ancienne`, with a link per place: `/confirmer/{id}?expire=
//! …&signature=…`, signed by the server with a key of its state directory, valid until
//! `expire`. The link opens a page for the place's people (`GET`, which changes nothing, so a
//! mail scanner that follows links confirms nothing): the record as the map shows it, a button
//! "Rien n'a changé" that confirms it (`POST`: an accepted change with no field, which makes
//! the place's `date_maj` the day of the click, in the log like every other change), and a link
//! to the map's correction form, filled in with the record.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use lieux_index::changes::{ContributionKind, Decision, Submission};
use lieux_index::filter::PlaceFilter;
use lieux_index::ingest::export::write_spreadsheet_csv;
use lieux_index::search::schedules::now_local;
use lieux_index::vocab::{Fraicheur, VocabSet};
use lieux_index::SchemaField;

use crate::answers::{Answer, Content, Description, PathParameter};
use crate::http_error::{ApiError, ErrorCode};
use crate::limits::Limits;
use crate::params::{filter_of, Filters, Kind, Maximum, Parameter, Params, Query, RouteParams};
use crate::receipts::{escape, french_date, page, percent_encode};
use crate::state::{AppState, Authorized, Live};

/// `GET /admin/campaign.csv`.
pub const CAMPAIGN: Description = Description {
    description: "Needs `Authorization: Bearer TOKEN`. The places the filters keep (by default `fraicheur=a_verifier|ancienne`), one row each with its contact e-mails and two links to send it: `lien_confirmation`, a page where the place confirms with one click that nothing changed (its `date_maj` becomes that day), and `lien_correction`, the map's correction form filled in with its record. The links are signed and valid for `valid_days`. lieux sends no e-mail: mail-merge the file.",
    errors: &[(
        ErrorCode::Unauthorized,
        "No `Authorization: Bearer` header, or not the token.",
    ), (
        ErrorCode::NotFound,
        "Admin is off (no token configured).",
    )],
    admin: true,
    ..Description::new(
        "The places to check, with a signed link each, for an update campaign",
        &[Answer::ok("A CSV, one place per row.", &[Content {
            media: "text/csv",
            schema: crate::answers::text,
        }])],
    )
};

const PLACE_PATH: &[PathParameter] = &[PathParameter {
    name: "id",
    description: "The place's id.",
    schema: crate::answers::text,
}];

const LINK_ERRORS: &[(ErrorCode, &str)] = &[
    (
        ErrorCode::InvalidSignature,
        "The link was not signed by this server, or its time is over.",
    ),
    (ErrorCode::NotFound, "The place is no longer on the map."),
];

/// `GET /confirmer/{id}`.
pub const CONFIRM_PAGE: Description = Description {
    description: "The page a campaign's link opens, for the place's people: its record as the map shows it, a button that confirms that nothing changed, and a link to the correction form. Changes nothing.",
    path: PLACE_PATH,
    errors: LINK_ERRORS,
    ..Description::new(
        "A place's confirmation page",
        &[Answer::ok("The page.", &[Content::html()])],
    )
};

/// `POST /confirmer/{id}`.
pub const CONFIRM: Description = Description {
    description: "Confirms that nothing changed: an accepted change with no field, whose `date_maj` is the day; answered once it is on disk and on the map.",
    path: PLACE_PATH,
    errors: LINK_ERRORS,
    ..Description::new(
        "A place confirms its record",
        &[Answer::ok("The thanks.", &[Content::html()])],
    )
};

/// The parameters of the campaign's export.
pub struct CampaignParams {
    filter: PlaceFilter,
    valid_days: u64,
}

impl RouteParams for CampaignParams {
    const PARAMETERS: &'static [Parameter] = &[Parameter {
        name: "valid_days",
        description: "How many days the links stay valid (default 90).",
        kind: Kind::Integer {
            minimum: 1,
            maximum: Maximum::Fixed(366),
            default: Some(90),
        },
    }];
    const FILTERS: Filters = Filters::All;

    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError> {
        let [valid_days] = Self::PARAMETERS else {
            unreachable!("one parameter")
        };
        let mut filter = filter_of(query, limits)?;
        if filter.fraicheur.is_empty() {
            filter.fraicheur = VocabSet::from_iter([Fraicheur::AVerifier, Fraicheur::Ancienne]);
        }
        Ok(Self {
            filter,
            valid_days: valid_days.integer(query, limits)?,
        })
    }
}

/// The columns of the campaign's export.
const COLUMNS: [&str; 11] = [
    "id",
    "nom",
    "adresse",
    "code_postal",
    "commune",
    "courriels",
    "telephone",
    "date_maj",
    "fraicheur",
    "lien_confirmation",
    "lien_correction",
];

/// `GET /admin/campaign.csv`.
pub async fn export(
    _: Authorized,
    state: web::Data<AppState>,
    live: Live,
    request: HttpRequest,
    Params(CampaignParams { filter, valid_days }): Params<CampaignParams>,
) -> Result<HttpResponse, ApiError> {
    let base = state.base_url(&request)?;
    let expire =
        now_local().date() + chrono::Duration::days(i64::try_from(valid_days).unwrap_or(90));
    let live = Arc::clone(&live.0);
    let state = state.into_inner();
    let csv = web::block(move || {
        let places = live.matching(&filter)?;
        let rows = places.into_iter().map(|(place, fraicheur)| {
            let id = place.id();
            let encoded = percent_encode(id);
            vec![
                id.to_owned(),
                place.nom().to_owned(),
                place.field_text(SchemaField::Adresse),
                place.code_postal().to_owned(),
                place.commune().to_owned(),
                place.field_text(SchemaField::Courriels),
                place.field_text(SchemaField::Telephone),
                place.field_text(SchemaField::DateMaj),
                fraicheur
                    .map(|f| lieux_index::vocab::Vocabulary::label(f).to_owned())
                    .unwrap_or_default(),
                format!(
                    "{base}/confirmer/{encoded}?{}",
                    state.signer.link_query(id, expire)
                ),
                format!("{base}/?lieu={encoded}&corriger=1"),
            ]
        });
        let mut out = Vec::new();
        write_spreadsheet_csv(&COLUMNS, rows, &mut out)
            .map_err(|e| lieux_index::Error::Changes(e.to_string()))?;
        Ok::<_, lieux_index::Error>(out)
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"campagne-{}.csv\"",
                now_local().date()
            ),
        ))
        .body(csv))
}

/// The query of a confirmation link.
pub struct LinkParams {
    expire: String,
    signature: String,
}

impl RouteParams for LinkParams {
    const PARAMETERS: &'static [Parameter] = &[
        Parameter {
            name: "expire",
            description: "The last day the link is valid, as signed (`YYYY-MM-DD`).",
            kind: Kind::Required {
                pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            },
        },
        Parameter {
            name: "signature",
            description: "The server's signature of the link.",
            kind: Kind::Required {
                pattern: "^[0-9a-f]{64}$",
            },
        },
    ];

    fn read(query: &Query, _: &Limits) -> Result<Self, ApiError> {
        let [expire, signature] = Self::PARAMETERS else {
            unreachable!("two parameters")
        };
        Ok(Self {
            expire: expire.required(query)?.to_owned(),
            signature: signature.required(query)?.to_owned(),
        })
    }
}

/// `GET /confirmer/{id}`: the place's record, a button that confirms it, a link to correct it.
pub async fn page_of(
    state: web::Data<AppState>,
    live: Live,
    request: HttpRequest,
    id: web::Path<String>,
    Params(link): Params<LinkParams>,
) -> Result<HttpResponse, ApiError> {
    let place = linked_place(&state, &live, &id, &link)?;
    let query = request.query_string();
    let encoded = percent_encode(&id);
    let body = format!(
        "<p><strong>{nom}</strong><br>{adresse}, {code_postal} {commune}</p>\n\
         <p>Horaires : {horaires}<br>Téléphone : {telephone}</p>\n\
         <p>Cette fiche a été mise à jour le {date}. Si rien n'a changé, confirmez-le : la carte \
         indiquera qu'elle est à jour.</p>\n\
         <form method=\"post\" action=\"/confirmer/{encoded}?{query}\">\
         <button type=\"submit\">Rien n'a changé : je confirme</button></form>\n\
         <p>Quelque chose a changé ? <a href=\"/?lieu={encoded}&amp;corriger=1\">Proposer une \
         correction</a> (le formulaire est déjà rempli avec la fiche).</p>\n",
        nom = escape(place.nom()),
        adresse = escape(&place.field_text(SchemaField::Adresse)),
        code_postal = escape(place.code_postal()),
        commune = escape(place.commune()),
        horaires = escape(&or_unknown(place.field_text(SchemaField::Horaires))),
        telephone = escape(&or_unknown(place.field_text(SchemaField::Telephone))),
        date = french_date(place.date_maj),
        query = escape(query),
    );
    Ok(page(
        actix_web::http::StatusCode::OK,
        "Votre fiche sur la carte",
        &body,
    ))
}

/// The place of a link, once its signature is checked.
fn linked_place<'a>(
    state: &AppState,
    live: &'a Live,
    id: &str,
    link: &LinkParams,
) -> Result<&'a lieux_index::Place, ApiError> {
    state.signer.check(id, &link.expire, &link.signature)?;
    live.place_record(id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no place with id {id:?}")))
}

fn or_unknown(text: String) -> String {
    if text.is_empty() {
        "non renseigné".to_owned()
    } else {
        text
    }
}

/// `POST /confirmer/{id}`: the record confirmed, its `date_maj` the day, once on disk and on
/// the map.
pub async fn confirm(
    state: web::Data<AppState>,
    live: Live,
    id: web::Path<String>,
    Params(link): Params<LinkParams>,
) -> Result<HttpResponse, ApiError> {
    let place = linked_place(&state, &live, &id, &link)?;
    let today = now_local().date();
    let name = place.nom().to_owned();
    if place.date_maj < today {
        let store = Arc::clone(&state.changes);
        let place_id = id.clone();
        web::block(move || {
            let receipt = store.submit(
                &Submission {
                    kind: ContributionKind::Update,
                    place_id,
                    fields: Default::default(),
                    before: Default::default(),
                    message: Some(
                        "Aucun changement : confirmé par le lieu (lien de la campagne de mise à jour)"
                            .to_owned(),
                    ),
                    contact: None,
                    warnings: Vec::new(),
                    flags: Vec::new(),
                },
                usize::MAX,
            )?;
            store.decide(
                receipt.id,
                &Decision::Accept {
                    moderator: "confirmation par le lieu".to_owned(),
                    fields: None,
                },
            )
        })
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
        AppState::rebuild(&state, "a place confirmed its record").await?;
    }
    Ok(page(
        actix_web::http::StatusCode::OK,
        "Merci !",
        &format!(
            "<p>La fiche de <strong>{}</strong> est confirmée à jour au {}.</p>\n",
            escape(&name),
            french_date(today)
        ),
    ))
}
