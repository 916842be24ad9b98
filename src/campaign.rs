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

use std::path::Path;
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
use crate::receipts::{escape, page, percent_encode};
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

/// The signing key of the links, kept in the state directory.
pub struct Signer {
    key: [u8; 32],
}

impl Signer {
    /// The file of the key, in the state directory.
    pub const FILE_NAME: &'static str = "campaign.key";

    /// The key of `state_dir`, made (32 random bytes, readable by the owner only) when there is
    /// none yet: links stay valid across restarts, and only this server's state signs them.
    ///
    /// # Errors
    /// When the file cannot be read or written, or is not 32 bytes.
    pub fn load(state_dir: &Path) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        let path = state_dir.join(Self::FILE_NAME);
        if !path.exists() {
            std::fs::create_dir_all(state_dir)
                .with_context(|| format!("cannot make {}", state_dir.display()))?;
            let key: [u8; 32] = rand::random();
            let tmp = state_dir.join(format!(".{}.tmp-{}", Self::FILE_NAME, std::process::id()));
            write_private(&tmp, &key).with_context(|| format!("cannot write {}", tmp.display()))?;
            std::fs::rename(&tmp, &path)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let key = <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
            anyhow::anyhow!("{} is not a key of 32 bytes: remove it to make a new one (links sent with the old one stop working)", path.display())
        })?;
        Ok(Self { key })
    }

    /// The signature of the confirmation link of `place_id`, valid until `expire`.
    fn sign(&self, place_id: &str, expire: &str) -> blake3::Hash {
        blake3::keyed_hash(
            &self.key,
            format!("lieux confirmation v1\n{place_id}\n{expire}").as_bytes(),
        )
    }

    /// The query of the confirmation link of `place_id` until `expire`.
    #[must_use]
    pub fn link_query(&self, place_id: &str, expire: chrono::NaiveDate) -> String {
        let expire = expire.to_string();
        let signature = self.sign(place_id, &expire).to_hex();
        format!("expire={expire}&signature={signature}")
    }

    /// Checks the link of `place_id`: its signature, and that `expire` is not past in France.
    fn check(&self, place_id: &str, link: &LinkParams) -> Result<(), ApiError> {
        let refused = || {
            ApiError::new(
                ErrorCode::InvalidSignature,
                "ce lien n'est pas valide ou n'est plus valide : demandez-en un nouveau à l'équipe qui vous l'a envoyé",
            )
        };
        let signature = blake3::Hash::from_hex(&link.signature).map_err(|_| refused())?;
        // `blake3::Hash` compares in constant time.
        if signature != self.sign(place_id, &link.expire) {
            return Err(refused());
        }
        let expire =
            chrono::NaiveDate::parse_from_str(&link.expire, "%Y-%m-%d").map_err(|_| refused())?;
        if expire < now_local().date() {
            return Err(refused());
        }
        Ok(())
    }
}

/// Writes `bytes` to `path`, readable by the owner only, synced.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

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
    state.signer.check(&id, &link)?;
    let place = live
        .place_record(&id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no place with id {id:?}")))?;
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
        date = place.date_maj,
        query = escape(query),
    );
    Ok(page(
        actix_web::http::StatusCode::OK,
        "Votre fiche sur la carte",
        &body,
    ))
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
    state.signer.check(&id, &link)?;
    let place = live
        .place_record(&id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no place with id {id:?}")))?;
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
        state.rebuild("a place confirmed its record").await?;
    }
    Ok(page(
        actix_web::http::StatusCode::OK,
        "Merci !",
        &format!(
            "<p>La fiche de <strong>{}</strong> est confirmée à jour au {}.</p>\n",
            escape(&name),
            today
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_holds_for_its_place_until_its_last_day_only() {
        let dir = tempfile::tempdir().unwrap();
        let signer = Signer::load(dir.path()).unwrap();
        // The same key once made.
        let again = Signer::load(dir.path()).unwrap();
        let today = now_local().date();
        let link = |signer: &Signer, id: &str, expire: chrono::NaiveDate| {
            let query = signer.link_query(id, expire);
            let (expire, signature) = query.split_once('&').unwrap();
            LinkParams {
                expire: expire.trim_start_matches("expire=").to_owned(),
                signature: signature.trim_start_matches("signature=").to_owned(),
            }
        };
        let tomorrow = today + chrono::Duration::days(1);
        assert!(again
            .check("lieu-1", &link(&signer, "lieu-1", tomorrow))
            .is_ok());
        assert!(signer
            .check("lieu-1", &link(&signer, "lieu-1", today))
            .is_ok());
        let yesterday = today - chrono::Duration::days(1);
        let expired = signer.check("lieu-1", &link(&signer, "lieu-1", yesterday));
        assert_eq!(expired.unwrap_err().error, ErrorCode::InvalidSignature);
        assert!(signer
            .check("lieu-2", &link(&signer, "lieu-1", tomorrow))
            .is_err());
        let mut later = link(&signer, "lieu-1", tomorrow);
        later.expire = (today + chrono::Duration::days(400)).to_string();
        assert!(
            signer.check("lieu-1", &later).is_err(),
            "the date is signed"
        );
        let other = tempfile::tempdir().unwrap();
        let stranger = Signer::load(other.path()).unwrap();
        assert!(stranger
            .check("lieu-1", &link(&signer, "lieu-1", tomorrow))
            .is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join(Signer::FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
