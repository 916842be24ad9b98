//! What a contributor is answered: the receipt of a contribution kept and the follow page, as
//! JSON, or as pages for a browser that posts the form without JavaScript.
//!
//! The page's form is a real `<form method="post" action="/contributions">`: with JavaScript
//! the page sends it itself and shows the answer, without it the browser posts it and shows
//! what comes back. A browser says so by naming `text/html` in `Accept` (a script's fetch, or
//! `*/*`, gets JSON), and gets the same answer, with the same status, as a short French page:
//! the receipt with the link that follows the contribution, the refusal field by field, the
//! follow page. Every text in them, a field's name or a value the contributor typed, is
//! escaped; the pages load nothing and run nothing (`default-src 'none'`).

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use lieux_index::changes::{Contribution, ContributionKind, Status};
use schemars::JsonSchema;
use serde::Serialize;

use crate::http_error::ApiError;

/// The answer of a contribution kept.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Submitted {
    /// Its number.
    pub(crate) id: u64,
    /// `pending`.
    pub(crate) status: Status,
    /// The secret that shows it to its author: given once, keep it.
    pub(crate) key: String,
    /// Where its author follows it.
    pub(crate) follow_url: String,
    /// What was fixed while reading it.
    pub(crate) warnings: Vec<String>,
    /// What the moderator will look at.
    pub(crate) flags: Vec<String>,
}

/// A contribution as its author sees it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Followed {
    /// Its number.
    pub(crate) id: u64,
    /// Where it is.
    pub(crate) status: Status,
    /// When it was made.
    pub(crate) submitted_at: String,
    /// What it proposes.
    pub(crate) kind: ContributionKind,
    /// The place.
    pub(crate) place_id: String,
    /// The values it proposes.
    pub(crate) fields: BTreeMap<String, String>,
    /// What was fixed while reading it.
    pub(crate) warnings: Vec<String>,
    /// The moderators' decisions: what, when, and why for a rejection.
    pub(crate) decisions: Vec<Decided>,
}

/// A decision, as the author sees it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Decided {
    /// `accepted`, `rejected` or `reverted`.
    pub(crate) action: &'static str,
    /// When.
    pub(crate) at: String,
    /// Why, for a rejection or a revert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<String>,
}

impl From<Contribution> for Followed {
    fn from(contribution: Contribution) -> Self {
        Self {
            id: contribution.id,
            status: contribution.status,
            submitted_at: contribution.submitted_at,
            kind: contribution.submission.kind,
            place_id: contribution.submission.place_id,
            fields: contribution.submission.fields,
            warnings: contribution.submission.warnings,
            decisions: contribution
                .decisions
                .into_iter()
                .map(|event| Decided {
                    action: event.action,
                    at: event.at,
                    reason: event.reason,
                })
                .collect(),
        }
    }
}

/// Whether the client asked for a page: `Accept` names `text/html`, as a browser's form post
/// does.
#[must_use]
pub fn wants_html(request: &HttpRequest) -> bool {
    request
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|item| item.split(';').next())
        .any(|media| media.trim().eq_ignore_ascii_case("text/html"))
}

/// The receipt of a contribution kept: `202`, with its follow link.
#[must_use]
pub fn kept(submitted: &Submitted) -> HttpResponse {
    let mut body = format!(
        "<p>Votre contribution n° {} est enregistrée. Un modérateur va la relire avant \
         qu'elle ne paraisse sur la carte.</p>\n",
        submitted.id
    );
    body.push_str(&list(
        "Ce qui a été corrigé en la lisant :",
        &submitted.warnings,
    ));
    body.push_str(&format!(
        "<p>Pour la suivre, gardez ce lien (il n'est donné qu'une fois) : \
         <a href=\"{url}\">{url}</a></p>\n",
        url = escape(&submitted.follow_url)
    ));
    page(StatusCode::ACCEPTED, "Merci pour votre contribution", &body)
}

/// A refusal, with what is wrong with each field; the status is the error's.
#[must_use]
pub fn refused(error: &ApiError) -> HttpResponse {
    let mut body = String::from("<p>Rien n'a été enregistré.</p>\n");
    match &error.fields {
        Some(fields) => {
            let lines: Vec<String> = fields
                .iter()
                .map(|(field, why)| format!("{field} : {why}"))
                .collect();
            body.push_str(&list("À corriger :", &lines));
        }
        None => body.push_str(&format!("<p>{}</p>\n", escape(&error.message))),
    }
    body.push_str(
        "<p>Revenez à la page précédente : le formulaire a gardé ce que vous avez écrit.</p>\n",
    );
    page(
        error.error.status(),
        "La contribution n'a pas pu être enregistrée",
        &body,
    )
}

/// The follow page of a contribution, for its author.
#[must_use]
pub fn followed(contribution: &Followed) -> HttpResponse {
    let what = match contribution.kind {
        ContributionKind::New => "référencer un nouveau lieu",
        ContributionKind::Update => "modifier la fiche d'un lieu",
        ContributionKind::Closed => "signaler la fermeture d'un lieu",
    };
    let status = match contribution.status {
        Status::Pending => "en attente de relecture",
        Status::Accepted => "acceptée : elle est sur la carte",
        Status::Rejected => "refusée",
        Status::Reverted => "acceptée puis annulée",
    };
    let mut body = format!(
        "<p>Proposée le {} pour {what} ({}).</p>\n<p>Elle est <strong>{status}</strong>.</p>\n",
        escape(&contribution.submitted_at),
        escape(&contribution.place_id)
    );
    let fields: Vec<String> = contribution
        .fields
        .iter()
        .map(|(field, value)| format!("{field} : {value}"))
        .collect();
    body.push_str(&list("Ce qu'elle propose :", &fields));
    let decisions: Vec<String> = contribution
        .decisions
        .iter()
        .map(|decision| {
            let action = match decision.action {
                "accepted" => "acceptée",
                "rejected" => "refusée",
                "reverted" => "annulée",
                other => other,
            };
            match &decision.reason {
                Some(reason) => format!("{} : {action} ({reason})", decision.at),
                None => format!("{} : {action}", decision.at),
            }
        })
        .collect();
    body.push_str(&list("Décisions :", &decisions));
    page(
        StatusCode::OK,
        &format!("Contribution n° {}", contribution.id),
        &body,
    )
}

/// A titled list of texts, escaped; nothing when there is none.
fn list(title: &str, items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut html = format!("<p>{}</p>\n<ul>\n", escape(title));
    for item in items {
        html.push_str(&format!("<li>{}</li>\n", escape(item)));
    }
    html.push_str("</ul>\n");
    html
}

/// A whole page around `body` (already escaped), which loads and runs nothing.
pub(crate) fn page(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    let title = escape(title);
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(format!(
            "<!doctype html>\n<html lang=\"fr\">\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title}</title>\n<main>\n<h1>{title}</h1>\n{body}\
             <p><a href=\"/\">Retour à la carte</a></p>\n</main>\n</html>\n"
        ))
}

/// `text` as HTML or XML text or attribute value: the five characters that could start markup
/// or end an attribute are written as references, and control characters neither allows are
/// left out.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            // Control characters that neither HTML nor XML 1.0 allows in text.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// `date` as French pages write it: `9 décembre 2020`, `1er mars 2021`.
#[must_use]
pub fn french_date(date: chrono::NaiveDate) -> String {
    use chrono::Datelike as _;
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let day = match date.day() {
        1 => "1er".to_owned(),
        day => day.to_string(),
    };
    format!("{day} {} {}", MONTHS[date.month0() as usize], date.year())
}

/// `text` percent-encoded for a URL's path segment or query value: every byte but ASCII
/// letters, digits and `-_.~`.
#[must_use]
pub fn percent_encode(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn dates_read_as_people_write_them() {
        let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(french_date(date(2020, 12, 9)), "9 décembre 2020");
        assert_eq!(french_date(date(2021, 3, 1)), "1er mars 2021");
        assert_eq!(french_date(date(2026, 8, 31)), "31 août 2026");
    }

    #[test]
    fn markup_is_written_as_text() {
        assert_eq!(
            escape(r#"<img src=x onerror="alert('x')"> & co"#),
            "&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt; &amp; co"
        );
    }

    #[test]
    fn a_browser_asks_for_a_page_and_a_script_does_not() {
        let asks = |accept: &str| {
            wants_html(
                &TestRequest::default()
                    .insert_header((header::ACCEPT, accept))
                    .to_http_request(),
            )
        };
        assert!(asks(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        ));
        assert!(!asks("application/json"));
        assert!(!asks("*/*"));
        assert!(!wants_html(&TestRequest::default().to_http_request()));
    }
}
