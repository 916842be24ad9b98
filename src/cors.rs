//! Which web origins may call the API from a browser, and the middleware that says so.

use actix_web::http::header;

use crate::observe::{INDEX_HASH, REQUEST_ID};

/// Which web origins may call the API from a browser (CORS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Any origin: the data is public, and so is every route but `/admin/*`, which needs a
    /// token.
    Any,
    /// These origins only (`https://carto.example.org`).
    Listed(Vec<String>),
    /// None: browsers keep the API to pages of its own origin.
    None,
}

impl std::str::FromStr for CorsOrigins {
    type Err = String;

    /// `*`, `none`, or origins separated by commas.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "*" => return Ok(Self::Any),
            "none" | "" => return Ok(Self::None),
            _ => {}
        }
        let origins = text
            .split(',')
            .map(|origin| web_origin(origin.trim()))
            .collect::<Result<_, _>>()?;
        Ok(Self::Listed(origins))
    }
}

/// `text` if it is a web origin as browsers write one: `http` or `https`, a host (letters,
/// digits, `-` and `.`, or an IPv6 address in brackets) and maybe a port, nothing else (no
/// path, not even `/`, no user, no query). Origins go into headers (`Access-Control-Allow-Origin`,
/// `Content-Security-Policy`), where anything else could be read as more than one origin.
///
/// # Errors
/// What is wrong, in a sentence that names `text`.
pub fn web_origin(text: &str) -> Result<String, String> {
    let uri: Option<actix_web::http::Uri> = text.parse().ok();
    let host_chars = |host: &str| {
        let ipv6 = host.starts_with('[') && host.ends_with(']');
        !host.is_empty()
            && host.chars().all(|c| {
                c.is_ascii_alphanumeric() || c == '-' || c == '.' || (ipv6 && "[]:".contains(c))
            })
    };
    let plain = uri.as_ref().is_some_and(|uri| {
        matches!(uri.scheme_str(), Some("http" | "https"))
            && uri
                .authority()
                .is_some_and(|a| !a.as_str().contains('@') && host_chars(a.host()))
            && !text.ends_with('/')
            && uri.path() == "/"
            && uri.query().is_none()
    });
    if plain {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "{text:?} is not an origin: write a scheme and a host (and a port), like \
             https://carto.example.org or http://127.0.0.1:8000"
        ))
    }
}

/// The CORS middleware for `origins`: `GET` and `HEAD` from those origins, with any request
/// header, and the `ETag`, `X-Request-Id` and `X-Lieux-Index` answer headers readable by
/// scripts. A request from another origin is answered as usual, without the CORS headers, and
/// the browser keeps the answer from the page; a preflight from another origin is refused with
/// a JSON error (see [`crate::observe`]).
pub fn cors(origins: &CorsOrigins) -> actix_web::middleware::Condition<actix_cors::Cors> {
    let cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "HEAD"])
        .allow_any_header()
        .expose_headers([header::ETAG, REQUEST_ID, INDEX_HASH])
        .max_age(86_400)
        .block_on_origin_mismatch(false);
    let cors = match origins {
        // The same answer for every origin: nothing for caches to vary on.
        CorsOrigins::Any | CorsOrigins::None => cors
            .allow_any_origin()
            .send_wildcard()
            .disable_vary_header(),
        CorsOrigins::Listed(origins) => origins
            .iter()
            .fold(cors, |cors, origin| cors.allowed_origin(origin)),
    };
    actix_web::middleware::Condition::new(*origins != CorsOrigins::None, cors)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use crate::in_process::{ask, error_of, refused_at_start};

    const CARTO: (&str, &str) = ("Origin", "https://carto.example.org");

    fn preflight(path: &str, origin: (&str, &str), method: &str) -> TestRequest {
        TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri(path)
            .insert_header(origin)
            .insert_header(("Access-Control-Request-Method", method))
            .insert_header(("Access-Control-Request-Headers", "if-none-match"))
    }

    #[actix_web::test]
    async fn browsers_may_call_from_any_origin_by_default() {
        for path in ["/tiles/0/0/0.mvt", "/search?q=mediatheque", "/tiles.json"] {
            let (_, headers, _) = ask(&[], TestRequest::get().uri(path).insert_header(CARTO)).await;
            assert_eq!(
                headers.get("access-control-allow-origin").unwrap(),
                "*",
                "{path}"
            );
            let exposed = headers
                .get("access-control-expose-headers")
                .unwrap()
                .to_str()
                .unwrap();
            assert!(exposed.contains("etag"), "{exposed}");
        }
        let (status, headers, _) = ask(&[], preflight("/tiles/0/0/0.mvt", CARTO, "GET")).await;
        assert!(status.is_success(), "{status}");
        assert_eq!(headers.get("access-control-allow-origin").unwrap(), "*");
        let methods = headers
            .get("access-control-allow-methods")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(methods.contains("GET"), "{methods}");
        let (status, _, body) = ask(&[], preflight("/search", CARTO, "DELETE")).await;
        assert_eq!(error_of(status, &body).0, 403);
        assert_eq!(body["error"], "cors_refused");
    }

    #[actix_web::test]
    async fn only_the_listed_origins_may_call_when_listed() {
        let listed = [
            "--cors-origins",
            "https://carto.example.org, http://localhost:5173",
        ];
        for allowed in ["https://carto.example.org", "http://localhost:5173"] {
            let request = TestRequest::get()
                .uri("/tiles/0/0/0.mvt")
                .insert_header(("Origin", allowed));
            let (_, headers, _) = ask(&listed, request).await;
            assert_eq!(headers.get("access-control-allow-origin").unwrap(), allowed);
        }
        let stranger = ("Origin", "https://elsewhere.example.net");
        let request = TestRequest::get()
            .uri("/tiles/0/0/0.mvt")
            .insert_header(stranger);
        let (status, headers, _) = ask(&listed, request).await;
        assert_eq!(status, 200, "answered; the browser keeps it from the page");
        assert!(headers.get("access-control-allow-origin").is_none());
        let (status, _, body) = ask(&listed, preflight("/tiles/0/0/0.mvt", stranger, "GET")).await;
        assert_eq!(
            error_of(status, &body),
            (403, "cors_refused", body["message"].as_str().unwrap())
        );

        let request = TestRequest::get()
            .uri("/tiles/0/0/0.mvt")
            .insert_header(stranger);
        let (_, headers, _) = ask(&["--cors-origins", "none"], request).await;
        assert!(headers.get("access-control-allow-origin").is_none());
    }

    #[test]
    fn origins_that_are_not_origins_are_refused_at_start() {
        for origins in [
            "carto.example.org",
            "https://carto.example.org/",
            "ftp://a.example",
        ] {
            let error = refused_at_start(&["--cors-origins", origins]);
            assert!(
                error.contains("--cors-origins") && error.contains("is not an origin"),
                "{error}"
            );
        }
    }
}
