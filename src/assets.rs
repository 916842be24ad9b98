//! The pages (`GET /`, `/embed`, `/api`, `/admin/`) and `GET /assets/…`, served from files
//! embedded at build time.
//!
//! `build.rs` builds `web/` with Vite and writes a table of the built files ([`WEB_FILES`]);
//! this module only looks names up in it. No request ever reaches the file system, so no path
//! (`..`, encoded slashes, absolute paths) can name anything but a file of the table.
//!
//! Vite puts a content hash in every asset's name, so `/assets/…` answers may be cached for a
//! year (`immutable`); `index.html`, which names them, is `no-cache` with an `ETag`, so a new
//! release is picked up at once. Answers are compressed when the client accepts it (the
//! MapLibre bundle and the gazetteer are a few megabytes raw).
//!
//! Every page refuses to be framed (`Content-Security-Policy: frame-ancestors 'none'`,
//! `X-Frame-Options: DENY`) but `/embed`, the map for other sites' `<iframe>`s, which the
//! origins of `--embed-origins` may frame ([`crate::embed`]). The map and the embed are
//! prepared once at start ([`Pages`]) with the operator's settings: `--basemap-style` is
//! written into them as `<meta name="lieux-basemap-style">`, `--basemap-pmtiles` as
//! `<meta name="lieux-basemap-pmtiles">` (the path of the archive, [`crate::basemap`]), which
//! the page reads.

use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::basemap::{BasemapArchive, ARCHIVE_PATH};
use crate::embed::EmbedOrigins;
use crate::http_error::{ApiError, ErrorCode};
use crate::receipts::escape;

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
fn etag_of(bytes: &[u8]) -> String {
    let hash = blake3::hash(bytes).to_hex();
    format!("\"{}\"", &hash[..16])
}

/// A MapLibre style (`--basemap-style`), drawn under the places instead of the basemap made
/// from the gazetteer: an absolute `http` or `https` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasemapStyle(String);

impl std::str::FromStr for BasemapStyle {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let uri: Option<actix_web::http::Uri> = text.parse().ok();
        match uri {
            Some(uri)
                if matches!(uri.scheme_str(), Some("http" | "https"))
                    && uri.authority().is_some() =>
            {
                Ok(Self(text.to_owned()))
            }
            _ => Err(format!(
                "{text:?} is not the URL of a MapLibre style: write an absolute http or https \
                 URL, like https://tuiles.example.org/styles/plan.json"
            )),
        }
    }
}

/// What the map and the embed draw under the places, as the operator chose.
#[derive(Debug, Clone, Default)]
pub enum Basemap {
    /// The basemap the page makes from the gazetteer (no option).
    #[default]
    Gazetteer,
    /// `--basemap-style URL`.
    Style(BasemapStyle),
    /// `--basemap-pmtiles FILE`, served at [`ARCHIVE_PATH`].
    Archive(BasemapArchive),
}

impl Basemap {
    /// The `<meta>` that tells the page, if any.
    fn meta(&self) -> Option<String> {
        let (name, content) = match self {
            Self::Gazetteer => return None,
            Self::Style(BasemapStyle(url)) => ("lieux-basemap-style", url.as_str()),
            Self::Archive(_) => ("lieux-basemap-pmtiles", ARCHIVE_PATH),
        };
        Some(format!(
            "<meta name=\"{name}\" content=\"{}\" />",
            escape(content)
        ))
    }

    /// The archive to serve, with `--basemap-pmtiles`.
    #[must_use]
    pub fn archive(&self) -> Option<&BasemapArchive> {
        match self {
            Self::Archive(archive) => Some(archive),
            _ => None,
        }
    }
}

/// Writes a copy of the map page for a static host into `dir` (`lieux export --site`):
/// `index.html`, with `<meta name="lieux-tiles" content="ARCHIVE">` when `archive` names the
/// PMTiles archive it draws (a URL or a path relative to the page), and the files under
/// `assets/`. Without a lieux server behind it, the page draws the archive's map and says that
/// search and details need the server (web/src/main.ts). Returns how many files it wrote.
///
/// # Errors
/// When a file cannot be written.
pub fn write_site(dir: &std::path::Path, archive: Option<&str>) -> std::io::Result<usize> {
    let mut written = 0;
    for file in WEB_FILES {
        let bytes: std::borrow::Cow<'_, [u8]> = match (file.path, archive) {
            ("index.html", Some(archive)) => {
                let meta = format!(
                    "<meta name=\"lieux-tiles\" content=\"{}\" />",
                    escape(archive)
                );
                let html = String::from_utf8_lossy(file.bytes);
                html.replacen("</head>", &format!("{meta}\n  </head>"), 1)
                    .into_bytes()
                    .into()
            }
            ("index.html", None) => file.bytes.into(),
            (path, _) if path.starts_with("assets/") => file.bytes.into(),
            _ => continue,
        };
        let path = dir.join(file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &bytes)?;
        written += 1;
    }
    Ok(written)
}

/// A page prepared at start: its bytes (with the operator's settings) and their `ETag`.
struct Page {
    bytes: web::Bytes,
    content_type: &'static str,
    etag: String,
}

impl Page {
    /// The built page `file`, with the basemap's `<meta>` before `</head>` when the operator
    /// chose one.
    fn of(file: &'static WebFile, basemap: &Basemap) -> Self {
        let bytes = match basemap.meta() {
            None => web::Bytes::from_static(file.bytes),
            Some(meta) => {
                let html = String::from_utf8_lossy(file.bytes);
                web::Bytes::from(html.replacen("</head>", &format!("{meta}\n  </head>"), 1))
            }
        };
        Self {
            etag: etag_of(&bytes),
            bytes,
            content_type: file.content_type,
        }
    }
}

/// The map and the embed, prepared once with the operator's settings, and who may frame the
/// embed.
pub struct Pages {
    index: Page,
    /// None in a build without the page (`LIEUX_SKIP_WEB_BUILD`).
    embed: Option<Page>,
    /// The embed's `Content-Security-Policy` (`frame-ancestors …`).
    embed_policy: HeaderValue,
    /// `--basemap-pmtiles`, served beside the pages.
    basemap_archive: Option<BasemapArchive>,
}

impl Pages {
    #[must_use]
    pub fn new(basemap: &Basemap, embed_origins: &EmbedOrigins) -> Self {
        let index = file("index.html").expect("build.rs always embeds an index.html");
        Self {
            index: Page::of(index, basemap),
            embed: file("embed.html").map(|embed| Page::of(embed, basemap)),
            embed_policy: embed_origins.policy(),
            basemap_archive: basemap.archive().cloned(),
        }
    }

    /// The basemap archive the pages draw, with `--basemap-pmtiles`.
    #[must_use]
    pub fn basemap_archive(&self) -> Option<&BasemapArchive> {
        self.basemap_archive.as_ref()
    }
}

/// A page of the site: `no-cache`, with an `ETag` that `If-None-Match` revalidates with a
/// 304, never framed (`/embed` says otherwise itself).
fn page(request: &HttpRequest, page: &Page) -> HttpResponse {
    let etag = &page.etag;
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
        .insert_header((header::ETAG, etag.to_owned()))
        .insert_header((header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"));
    if unchanged {
        return response.finish();
    }
    response
        .content_type(page.content_type)
        .body(page.bytes.clone())
}

/// A built page that is the same for every server (`api.html`, `admin.html`).
fn fixed_page(file: &'static WebFile) -> Page {
    Page::of(file, &Basemap::Gazetteer)
}

/// `GET /`: the map.
pub async fn index(request: HttpRequest, pages: web::Data<Pages>) -> HttpResponse {
    page(&request, &pages.index)
}

/// `GET /embed`: the map and the list for an `<iframe>` of another site, framed only by the
/// origins of `--embed-origins`. Its filters, view and colour come from its URL, which the
/// page reads itself.
pub async fn embed(
    request: HttpRequest,
    pages: web::Data<Pages>,
) -> Result<HttpResponse, ApiError> {
    let embed = pages
        .embed
        .as_ref()
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "this build has no embeddable map"))?;
    let mut response = page(&request, embed);
    let headers = response.headers_mut();
    headers.remove(header::X_FRAME_OPTIONS);
    headers.insert(header::CONTENT_SECURITY_POLICY, pages.embed_policy.clone());
    Ok(response)
}

/// `GET /api`: the API's documentation, over `/openapi.json`.
pub async fn api(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    static API: OnceLock<Option<Page>> = OnceLock::new();
    // A build without the page (`LIEUX_SKIP_WEB_BUILD`) has no documentation page either.
    let api = API
        .get_or_init(|| file("api.html").map(fixed_page))
        .as_ref()
        .ok_or_else(|| {
            ApiError::new(ErrorCode::NotFound, "this build has no documentation page")
        })?;
    Ok(page(&request, api))
}

/// `GET /admin/`: the moderation page. The API it calls asks for the token; the page itself
/// holds no data, but it is never framed (a moderator's clicks are not to be borrowed) and its
/// address is never sent as a referrer.
pub async fn moderation(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    static ADMIN: OnceLock<Option<Page>> = OnceLock::new();
    let admin = ADMIN
        .get_or_init(|| file("admin.html").map(fixed_page))
        .as_ref()
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "this build has no moderation page"))?;
    let mut response = page(&request, admin);
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
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

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use crate::in_process::{ask, ask_bytes, refused_at_start};

    /// The HTML of `GET path` on a server started with `args`.
    async fn html(args: &[&str], path: &str) -> String {
        let (_, _, body) = ask_bytes(args, TestRequest::get().uri(path)).await;
        String::from_utf8(body.to_vec()).unwrap()
    }

    #[actix_web::test]
    async fn the_basemap_style_is_written_into_the_map_and_the_embed() {
        let style = "https://tuiles.example.org/styles/plan.json?cle=a&b='c'";
        for path in ["/", "/embed"] {
            let page = html(&["--basemap-style", style], path).await;
            let meta = "<meta name=\"lieux-basemap-style\" \
                        content=\"https://tuiles.example.org/styles/plan.json?cle=a&amp;b=&#39;c&#39;\" />";
            assert!(page.contains(meta), "{path}: {page}");
            assert_eq!(page.matches("lieux-basemap-style").count(), 1, "{path}");
            let plain = html(&[], path).await;
            assert!(!plain.contains("lieux-basemap-style"), "{path}");
        }
        // The ETag is the page's as served.
        let (_, with, _) = ask(&["--basemap-style", style], TestRequest::get().uri("/")).await;
        let (_, without, _) = ask(&[], TestRequest::get().uri("/")).await;
        assert_ne!(with.get("etag"), without.get("etag"));
    }

    #[test]
    fn a_basemap_style_that_is_no_url_is_refused_at_start() {
        for style in [
            "plan.json",
            "/styles/plan.json",
            "file:///etc/style.json",
            "javascript:alert(1)",
        ] {
            let error = refused_at_start(&["--basemap-style", style]);
            assert!(
                error.contains("--basemap-style")
                    && error.contains("is not the URL of a MapLibre style"),
                "{style:?}: {error}"
            );
        }
    }
}
