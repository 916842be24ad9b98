//! Which sites may show the embeddable map (`/embed`) in an `<iframe>`: `--embed-origins`.
//!
//! Framing is decided by the page framed, through `Content-Security-Policy: frame-ancestors`.
//! `/embed` names the operator's origins there (`'none'` when there are none: it is then
//! framed by nobody, but still opens on its own); every other page of the site refuses to be
//! framed by anyone (`frame-ancestors 'none'` and `X-Frame-Options: DENY`, see
//! [`crate::assets`]). The map's scripts, styles and data are not documents: they load in the
//! frame of any page that may show `/embed`.

use actix_web::http::header::HeaderValue;

use crate::cors::web_origin;

/// The origins (`https://partenaire.example.org`) whose pages may frame `/embed`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmbedOrigins(Vec<String>);

impl std::str::FromStr for EmbedOrigins {
    type Err = String;

    /// Origins separated by commas, or `none`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.trim() == "none" {
            return Ok(Self::default());
        }
        text.split(',')
            .map(|origin| web_origin(origin.trim()))
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

impl EmbedOrigins {
    /// The `Content-Security-Policy` of `/embed`: `frame-ancestors` and the origins, or
    /// `'none'`.
    #[must_use]
    pub fn policy(&self) -> HeaderValue {
        let ancestors = if self.0.is_empty() {
            "'none'".to_owned()
        } else {
            self.0.join(" ")
        };
        HeaderValue::from_str(&format!("frame-ancestors {ancestors}"))
            .expect("origins are checked to be letters, digits and punctuation")
    }
}

/// The framing of the site's pages, asked in process.
#[cfg(test)]
mod tests {
    use actix_web::http::{header, StatusCode};
    use actix_web::test::TestRequest;

    use crate::cli::ServeSettings;
    use crate::in_process::{ask, refused_at_start};

    /// The `Content-Security-Policy` and `X-Frame-Options` of `GET path` on a server started
    /// with `args`.
    async fn framing(args: &[&str], path: &str) -> (Option<String>, Option<String>) {
        let (status, headers, _) = ask(args, TestRequest::get().uri(path)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let text = |name| {
            headers
                .get(name)
                .map(|v: &header::HeaderValue| v.to_str().unwrap().to_owned())
        };
        (
            text(header::CONTENT_SECURITY_POLICY),
            text(header::X_FRAME_OPTIONS),
        )
    }

    const LISTED: [&str; 2] = [
        "--embed-origins",
        "https://partenaire.example.org, http://127.0.0.1:8000",
    ];

    #[actix_web::test]
    async fn the_embed_may_be_framed_by_exactly_the_listed_origins() {
        let (policy, frame_options) = framing(&LISTED, "/embed").await;
        assert_eq!(
            policy.as_deref(),
            Some("frame-ancestors https://partenaire.example.org http://127.0.0.1:8000")
        );
        // `X-Frame-Options` has no list: a `DENY` would win in browsers that do not read CSP.
        assert_eq!(frame_options, None);
        let request = TestRequest::get()
            .uri("/embed?services=Num%C3%A9rique&couleur=0b5d56")
            .insert_header(("If-None-Match", "\"not-this-one\""));
        let (status, headers, _) = ask(&LISTED, request).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "the page takes its state from the URL"
        );
        assert!(headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|t| t.to_str().unwrap().starts_with("text/html")));
    }

    #[actix_web::test]
    async fn without_embed_origins_the_embed_is_framed_by_nobody() {
        for args in [&[][..], &["--embed-origins", "none"][..]] {
            let (policy, _) = framing(args, "/embed").await;
            assert_eq!(
                policy.as_deref(),
                Some("frame-ancestors 'none'"),
                "{args:?}"
            );
        }
    }

    #[actix_web::test]
    async fn every_other_page_refuses_to_be_framed_whatever_the_origins() {
        for args in [&[][..], &LISTED[..]] {
            for path in ["/", "/api", "/admin/"] {
                let (policy, frame_options) = framing(args, path).await;
                assert_eq!(
                    policy.as_deref(),
                    Some("frame-ancestors 'none'"),
                    "{path} {args:?}"
                );
                assert_eq!(frame_options.as_deref(), Some("DENY"), "{path} {args:?}");
            }
        }
    }

    #[test]
    fn origins_that_are_not_origins_are_refused_at_start_with_the_option_named() {
        for origins in [
            "partenaire.example.org",
            "https://partenaire.example.org/",
            "https://partenaire.example.org/carte",
            "https://partenaire.example.org?x=1",
            "https://user@partenaire.example.org",
            "ftp://partenaire.example.org",
            "*",
            "'self'",
            "https://*.example.org",
            "https://a.example.org;script-src",
            "https://a.example.org https://b.example.org",
            "https://a.example.org,",
        ] {
            let error = refused_at_start(&["--embed-origins", origins]);
            assert!(
                error.contains("--embed-origins")
                    && error.contains("is not an origin")
                    && error.contains("https://carto.example.org"),
                "{origins:?}: {error}"
            );
        }
        for origins in [
            "http://127.0.0.1:8000",
            "https://a.example.org,http://[::1]:8000",
        ] {
            assert!(
                ServeSettings::parse(&["--embed-origins", origins]).is_ok(),
                "{origins:?}"
            );
        }
    }
}
