//! The map page: `GET /` and `GET /assets/…`, served from files embedded at build time.
//!
//! `build.rs` builds `web/` with Vite and writes a table of the built files ([`WEB_FILES`]);
//! this module only looks names up in it. No request ever reaches the file system, so no path
//! (`..`, encoded slashes, absolute paths) can name anything but a file of the table.
//!
//! Vite puts a content hash in every asset's name, so `/assets/…` answers may be cached for a
//! year (`immutable`); `index.html`, which names them, is `no-cache` with an `ETag`, so a new
//! release is picked up at once. Answers are compressed when the client accepts it (the
//! MapLibre bundle and the gazetteer are a few megabytes raw).

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::http_error::{ApiError, ErrorCode};

/// One built file of the page.
pub struct WebFile {
    /// The path under the site root, without the leading `/` (`assets/index-1a2b3c.js`).
    pub path: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The built file at `path` (relative to the site root), if there is one.
#[must_use]
pub fn file(path: &str) -> Option<&'static WebFile> {
    WEB_FILES.iter().find(|f| f.path == path)
}

/// The strong validator of a page's bytes.
fn etag_of(page: &WebFile) -> String {
    let hash = blake3::hash(page.bytes).to_hex();
    format!("\"{}\"", &hash[..16])
}

/// A page of the site: `no-cache`, with an `ETag` that `If-None-Match` revalidates with a 304.
fn page(request: &HttpRequest, page: &'static WebFile, etag: &str) -> HttpResponse {
    let unchanged = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tag| tag.as_bytes() == etag.as_bytes());
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ETAG, etag.to_owned()));
    if unchanged {
        return response.finish();
    }
    response.content_type(page.content_type).body(page.bytes)
}

/// `GET /`: the map.
pub async fn index(request: HttpRequest) -> HttpResponse {
    static ETAG: OnceLock<String> = OnceLock::new();
    let index = file("index.html").expect("build.rs always embeds an index.html");
    page(&request, index, ETAG.get_or_init(|| etag_of(index)))
}

/// `GET /api`: the API's documentation, over `/openapi.json`.
pub async fn api(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    static ETAG: OnceLock<String> = OnceLock::new();
    // A build without the page (`LIEUX_SKIP_WEB_BUILD`) has no documentation page either.
    let api = file("api.html").ok_or_else(|| {
        ApiError::new(ErrorCode::NotFound, "this build has no documentation page")
    })?;
    Ok(page(&request, api, ETAG.get_or_init(|| etag_of(api))))
}

/// `GET /admin/`: the moderation page. The API it calls asks for the token; the page itself
/// holds no data, but it is never framed (a moderator's clicks are not to be borrowed) and its
/// address is never sent as a referrer.
pub async fn moderation(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    static ETAG: OnceLock<String> = OnceLock::new();
    let admin = file("admin.html")
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "this build has no moderation page"))?;
    let mut response = page(&request, admin, ETAG.get_or_init(|| etag_of(admin)));
    let headers = response.headers_mut();
    for (name, value) in [
        ("content-security-policy", "frame-ancestors 'none'"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
    ] {
        headers.insert(
            header::HeaderName::from_static(name),
            header::HeaderValue::from_static(value),
        );
    }
    Ok(response)
}

/// `GET /admin`: the moderation page is at `/admin/`.
pub async fn to_moderation() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/admin/"))
        .finish()
}

pub async fn asset(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    if !matches!(request.method().as_str(), "GET" | "HEAD") {
        return Err(ApiError::method_not_allowed(&request, "GET, HEAD"));
    }
    let path = request.path().trim_start_matches('/');
    let found = file(path).filter(|f| f.path.starts_with("assets/"));
    let Some(found) = found else {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no asset {}", request.path()),
        ));
    };
    Ok(HttpResponse::Ok()
        .content_type(found.content_type)
        .insert_header((header::CACHE_CONTROL, IMMUTABLE))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(found.bytes))
}
