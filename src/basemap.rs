//! `lieux serve --basemap-pmtiles FILE`: a PMTiles v3 vector basemap (an OpenStreetMap
//! extract) served by lieux itself at `GET /basemap.pmtiles`, so that a hub runs a map with
//! streets on one machine, asking no outside service.
//!
//! The archive is served whole, by byte ranges (`Range: bytes=A-B`, answered `206`), and the
//! page reads its tiles with the `pmtiles` reader; the server does not cut it into
//! `/{z}/{x}/{y}` tiles. That is the format's own design, and what a product serving an extract
//! of a country or a region should do:
//!
//! - The server stays a file server for the basemap: no directory decoded or kept in memory, no
//!   tile decompressed or recompressed; a tile leaves as it is stored (gzip), read with one
//!   `pread` of the open file. An extract of a few gigabytes costs no memory.
//! - The browser asks no more than it would for z/x/y tiles: the header and the root directory
//!   come in the first range, directories are cached by the reader, then one range per tile.
//! - Ranges of a file with a strong `ETag` are plain HTTP: any cache between keeps them, and the
//!   operator may move the same file to a static host later with nothing else to change.
//!
//! The cost accepted is the reader in the page (a few kilobytes) and caches keyed by range
//! rather than by tile.
//!
//! The file is opened and checked at start ([`BasemapArchive::open`]): a PMTiles version 3
//! archive of vector tiles (MVT) whose sections lie inside it, or the server does not start and
//! says why. It is kept open: replacing the file on disk changes nothing until a restart, and
//! the `ETag` (from its size and modification time) stays true to what is served. A range that
//! cannot be served (beyond the end, several ranges, another unit) is a JSON `416` with
//! `Content-Range: bytes */LENGTH`; `If-Range` with another validator gets the whole file.

use std::fs::File;
use std::io::Read as _;
use std::os::unix::fs::FileExt as _;
use std::path::Path;
use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::answers::{binary, Answer, Content, Description};
use crate::http_error::{ApiError, ErrorCode};
use crate::params::{NoParams, Params};

/// The path the archive is served at, which the page is told (`<meta name="lieux-basemap-pmtiles">`).
pub const ARCHIVE_PATH: &str = "/basemap.pmtiles";

/// The archive's media type, as Protomaps names it.
const PMTILES_MEDIA: &str = "application/vnd.pmtiles";

/// How long a browser may keep ranges without asking again: the archive changes only with a
/// restart, and the `ETag` then changes with it.
const ARCHIVE_CACHE_CONTROL: &str = "public, max-age=3600";

/// The most bytes read from the file at once for one answer.
const CHUNK_BYTES: u64 = 256 * 1024;

/// The length of a PMTiles v3 header.
const HEADER_BYTES: usize = 127;

/// `GET /basemap.pmtiles`.
pub const ARCHIVE: Description = Description {
    description: "Served only with `--basemap-pmtiles FILE`. Read by byte ranges (`Range: bytes=A-B`, one range per request), as the page's PMTiles reader does; `If-Range` with another validator than the `ETag` gets the whole file.",
    errors: &[
        (
            ErrorCode::NotFound,
            "The server was started without `--basemap-pmtiles`.",
        ),
        (
            ErrorCode::RangeNotSatisfiable,
            "The range is beyond the end of the archive, or is not one range of bytes (`Content-Range: bytes */LENGTH` says the length).",
        ),
    ],
    ..Description::new(
        "The basemap: a PMTiles v3 archive of vector tiles (an OpenStreetMap extract)",
        &[
            Answer {
                status: 200,
                description: "The whole archive.",
                content: &[Content {
                    media: PMTILES_MEDIA,
                    schema: binary,
                }],
                headers: ARCHIVE_HEADERS,
            },
            Answer {
                status: 206,
                description: "The range asked for (`Content-Range: bytes A-B/LENGTH`).",
                content: &[Content {
                    media: PMTILES_MEDIA,
                    schema: binary,
                }],
                headers: ARCHIVE_HEADERS,
            },
            Answer {
                status: 304,
                description: "Not modified: `If-None-Match` names the archive's `ETag`.",
                content: &[],
                headers: ARCHIVE_HEADERS,
            },
        ],
    )
};

/// The headers of every answer of the archive.
const ARCHIVE_HEADERS: &[(&str, &str)] = &[
    (
        "ETag",
        "The archive's strong validator, for `If-None-Match` and `If-Range`.",
    ),
    ("Accept-Ranges", "`bytes`."),
    ("Cache-Control", "`public, max-age=3600`."),
];

/// The operator's PMTiles archive, open and checked.
#[derive(Debug, Clone)]
pub struct BasemapArchive {
    file: Arc<File>,
    len: u64,
    etag: HeaderValue,
}

/// Why a file cannot be the basemap.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot read it: {0}")]
    Io(#[from] std::io::Error),
    #[error("it is not a PMTiles archive (it does not start with \"PMTiles\")")]
    NotPmtiles,
    #[error("it is a PMTiles archive of version {0}; lieux reads version 3 (convert it with `pmtiles convert`)")]
    Version(u8),
    #[error("its tiles are {0}, not vector tiles (MVT): the basemap style draws vector tiles")]
    NotVector(&'static str),
    #[error("its header names bytes up to {needed} but the file has {len}: it is cut short")]
    Truncated { needed: u64, len: u64 },
}

impl BasemapArchive {
    /// Opens `path` and checks that it is a PMTiles v3 archive of vector tiles.
    ///
    /// # Errors
    /// When it cannot be read, or is not such an archive.
    pub fn open(path: &Path) -> Result<Self, ArchiveError> {
        let mut file = File::open(path)?;
        let metadata = file.metadata()?;
        if !metadata.is_file() {
            return Err(std::io::Error::other("it is not a file").into());
        }
        let len = metadata.len();
        let mut header = [0u8; HEADER_BYTES];
        if len < HEADER_BYTES as u64 {
            return Err(ArchiveError::NotPmtiles);
        }
        file.read_exact(&mut header)?;
        if &header[..7] != b"PMTiles" {
            return Err(ArchiveError::NotPmtiles);
        }
        check_header(&header, len)?;
        let modified = metadata
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let tag = blake3::hash(format!("{len}:{modified}").as_bytes()).to_hex();
        let etag = HeaderValue::from_str(&format!("\"{}\"", &tag[..16]))
            .expect("hex digits in quotes are a header value");
        Ok(Self {
            file: Arc::new(file),
            len,
            etag,
        })
    }
}

/// Checks the version, the tile type and the sections of a PMTiles v3 header.
fn check_header(header: &[u8; HEADER_BYTES], len: u64) -> Result<(), ArchiveError> {
    if header[7] != 3 {
        return Err(ArchiveError::Version(header[7]));
    }
    match header[99] {
        1 => {}
        2 => return Err(ArchiveError::NotVector("PNG images")),
        3 => return Err(ArchiveError::NotVector("JPEG images")),
        4 => return Err(ArchiveError::NotVector("WebP images")),
        5 => return Err(ArchiveError::NotVector("AVIF images")),
        _ => return Err(ArchiveError::NotVector("of an unknown type")),
    }
    let u64_at =
        |at: usize| u64::from_le_bytes(header[at..at + 8].try_into().expect("eight bytes"));
    // Root directory, metadata, leaf directories, tile data: each an offset and a length.
    for section in [8, 24, 40, 56] {
        let needed = u64_at(section).saturating_add(u64_at(section + 8));
        if needed > len {
            return Err(ArchiveError::Truncated { needed, len });
        }
    }
    Ok(())
}

/// What a request asks of the archive.
#[derive(Debug, PartialEq, Eq)]
enum Wanted {
    Whole,
    /// From the first byte to the last, both included.
    Part(u64, u64),
}

/// Reads `Range` (one range of bytes) against an archive of `len` bytes.
fn wanted(range: &str, len: u64) -> Option<Wanted> {
    let spec = range.trim().strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    let (first, last) = if first.is_empty() {
        // The last N bytes.
        let suffix: u64 = last.parse().ok()?;
        if suffix == 0 || len == 0 {
            return None;
        }
        (len - suffix.min(len), len - 1)
    } else {
        let first: u64 = first.parse().ok()?;
        let last = if last.is_empty() {
            len.checked_sub(1)?
        } else {
            last.parse::<u64>().ok()?.min(len.checked_sub(1)?)
        };
        (first, last)
    };
    (first <= last && first < len).then_some(Wanted::Part(first, last))
}

/// `GET /basemap.pmtiles`: the archive, or the range asked.
pub async fn archive(
    request: HttpRequest,
    archive: Option<web::Data<BasemapArchive>>,
    _: Params<NoParams>,
) -> Result<HttpResponse, ApiError> {
    let archive = archive.ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            "this server has no basemap archive (lieux serve --basemap-pmtiles FILE)",
        )
    })?;
    let headers = request.headers();
    let etag = &archive.etag;
    let unchanged = headers.get(header::IF_NONE_MATCH) == Some(etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag.clone()))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CACHE_CONTROL, ARCHIVE_CACHE_CONTROL));
    if unchanged {
        return Ok(response.finish());
    }
    // `If-Range` with another validator: the archive changed for the client, which gets it all.
    let range_holds = headers
        .get(header::IF_RANGE)
        .is_none_or(|validator| validator == etag);
    let range = headers.get(header::RANGE).filter(|_| range_holds);
    let wanted = match range {
        None => Wanted::Whole,
        Some(range) => range
            .to_str()
            .ok()
            .and_then(|range| wanted(range, archive.len))
            .ok_or_else(|| unsatisfiable(range, archive.len))?,
    };
    let (first, last) = match wanted {
        Wanted::Whole => (0, archive.len),
        Wanted::Part(first, last) => {
            response.status(actix_web::http::StatusCode::PARTIAL_CONTENT);
            response.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {first}-{last}/{}", archive.len),
            ));
            (first, last + 1)
        }
    };
    Ok(response
        .content_type(PMTILES_MEDIA)
        .no_chunking(last - first)
        .streaming(bytes_of(archive.file.clone(), first, last)))
}

/// The 416 of a range that cannot be served.
fn unsatisfiable(range: &HeaderValue, len: u64) -> ApiError {
    let shown = String::from_utf8_lossy(range.as_bytes());
    ApiError::new(
        ErrorCode::RangeNotSatisfiable,
        format!(
            "the range {shown:?} cannot be served: ask one range of bytes within the archive's {len} (bytes=FIRST-LAST)"
        ),
    )
    .with_header_value(
        header::CONTENT_RANGE,
        HeaderValue::from_str(&format!("bytes */{len}")).expect("digits are a header value"),
    )
}

/// The bytes of `file` from `first` to before `end`, read in chunks off the async threads.
fn bytes_of(
    file: Arc<File>,
    first: u64,
    end: u64,
) -> impl futures_util::Stream<Item = Result<web::Bytes, std::io::Error>> {
    futures_util::stream::try_unfold(first, move |at| {
        let file = file.clone();
        async move {
            if at >= end {
                return Ok(None);
            }
            let size = (end - at).min(CHUNK_BYTES);
            let chunk = web::block(move || {
                let mut buffer = vec![0; usize::try_from(size).expect("a chunk fits in memory")];
                file.read_exact_at(&mut buffer, at).map(|()| buffer)
            })
            .await
            .map_err(std::io::Error::other)??;
            Ok(Some((web::Bytes::from(chunk), at + size)))
        }
    })
}

#[cfg(test)]
mod tests {
    use actix_web::http::StatusCode;
    use actix_web::test::TestRequest;

    use super::*;
    use crate::in_process::{ask_bytes, error_of, refused_at_start};

    /// A file of `len` bytes that starts with a PMTiles v3 header of vector tiles (its sections
    /// empty), each byte after the header its offset modulo 251.
    fn archive_file(dir: &Path, len: usize) -> std::path::PathBuf {
        let mut bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        bytes[..HEADER_BYTES].fill(0);
        bytes[..7].copy_from_slice(b"PMTiles");
        bytes[7] = 3;
        bytes[99] = 1;
        let path = dir.join("fond.pmtiles");
        std::fs::write(&path, bytes).unwrap();
        path
    }

    async fn ask_archive(
        path: &Path,
        headers: &[(&str, &str)],
    ) -> (StatusCode, header::HeaderMap, web::Bytes) {
        let request = headers
            .iter()
            .fold(TestRequest::get().uri(ARCHIVE_PATH), |r, &h| {
                r.insert_header(h)
            });
        ask_bytes(&["--basemap-pmtiles", path.to_str().unwrap()], request).await
    }

    #[actix_web::test]
    async fn the_archive_is_served_by_ranges_with_its_validator() {
        let dir = tempfile::tempdir().unwrap();
        let path = archive_file(dir.path(), 2000);
        let whole = std::fs::read(&path).unwrap();

        let (status, headers, body) = ask_archive(&path, &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, whole);
        assert_eq!(headers.get(header::ACCEPT_RANGES).unwrap(), "bytes");
        assert_eq!(headers.get(header::CONTENT_TYPE).unwrap(), PMTILES_MEDIA);
        let etag = headers
            .get(header::ETAG)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();

        let (status, headers, body) = ask_archive(&path, &[("Range", "bytes=130-139")]).await;
        assert_eq!(status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(body, whole[130..140]);
        assert_eq!(
            headers.get(header::CONTENT_RANGE).unwrap(),
            "bytes 130-139/2000"
        );
        assert_eq!(headers.get(header::ETAG).unwrap(), etag.as_str());

        // The reader's first range is longer than a small archive: the archive, as a range.
        let (status, headers, body) = ask_archive(&path, &[("Range", "bytes=0-16383")]).await;
        assert_eq!(status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(body, whole);
        assert_eq!(
            headers.get(header::CONTENT_RANGE).unwrap(),
            "bytes 0-1999/2000"
        );

        let same = [("Range", "bytes=-5"), ("If-Range", etag.as_str())];
        let (status, _, body) = ask_archive(&path, &same).await;
        assert_eq!(
            (status, &body[..]),
            (StatusCode::PARTIAL_CONTENT, &whole[1995..])
        );
        let changed = [("Range", "bytes=-5"), ("If-Range", "\"autre\"")];
        let (status, _, body) = ask_archive(&path, &changed).await;
        assert_eq!(
            (status, body.len()),
            (StatusCode::OK, 2000),
            "another validator: all of it"
        );

        let (status, _, body) = ask_archive(&path, &[("If-None-Match", etag.as_str())]).await;
        assert_eq!((status, body.len()), (StatusCode::NOT_MODIFIED, 0));
    }

    #[actix_web::test]
    async fn a_range_that_cannot_be_served_is_a_json_416() {
        let dir = tempfile::tempdir().unwrap();
        let path = archive_file(dir.path(), 2000);
        for range in ["bytes=2000-2100", "bytes=0-1,5-6", "lines=1-2", "bytes=x-"] {
            let (status, headers, body) = ask_archive(&path, &[("Range", range)]).await;
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let (code, error, message) = error_of(status, &body);
            assert_eq!((code, error), (416, "range_not_satisfiable"), "{range}");
            assert!(message.contains(range), "{message}");
            assert_eq!(headers.get(header::CONTENT_RANGE).unwrap(), "bytes */2000");
        }
    }

    #[actix_web::test]
    async fn without_an_archive_the_route_is_a_json_404() {
        let request = TestRequest::get().uri(ARCHIVE_PATH);
        let (status, _, body) = ask_bytes(&[], request).await;
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(error_of(status, &body).1, "not_found");
    }

    #[test]
    fn a_file_that_is_no_vector_pmtiles_v3_archive_is_refused_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = archive_file(dir.path(), 300);
        let mut bytes = std::fs::read(&path).unwrap();
        let text = dir.path().join("fond.txt");
        std::fs::write(&text, "une carte").unwrap();
        bytes[7] = 2;
        let old = dir.path().join("v2.pmtiles");
        std::fs::write(&old, &bytes).unwrap();
        bytes[7] = 3;
        bytes[99] = 2;
        let raster = dir.path().join("raster.pmtiles");
        std::fs::write(&raster, &bytes).unwrap();
        let missing = dir.path().join("absent.pmtiles");
        for (file, says) in [
            (&text, "not a PMTiles archive"),
            (&old, "version 2; lieux reads version 3"),
            (&raster, "PNG images, not vector tiles"),
            (&missing, "cannot read it"),
        ] {
            let file = file.to_str().unwrap();
            let error = refused_at_start(&["--basemap-pmtiles", file]);
            assert!(
                error.starts_with(&format!("--basemap-pmtiles {file}: ")),
                "{error}"
            );
            assert!(error.contains(says), "{error}");
        }
        let path = path.to_str().unwrap();
        let both = [
            "--basemap-style",
            "https://tuiles.example.org/style.json",
            "--basemap-pmtiles",
            path,
        ];
        assert!(refused_at_start(&both).contains("cannot be used with"));
    }

    #[test]
    fn one_range_of_bytes_is_read_and_anything_else_refused() {
        let len = 1000;
        for (range, expected) in [
            ("bytes=0-16383", Some(Wanted::Part(0, 999))),
            ("bytes=10-19", Some(Wanted::Part(10, 19))),
            ("bytes=990-", Some(Wanted::Part(990, 999))),
            ("bytes=-10", Some(Wanted::Part(990, 999))),
            ("bytes=-5000", Some(Wanted::Part(0, 999))),
            ("bytes=1000-1001", None),
            ("bytes=20-10", None),
            ("bytes=-0", None),
            ("bytes=0-1,5-6", None),
            ("items=0-1", None),
            ("bytes=a-b", None),
            ("bytes=", None),
        ] {
            assert_eq!(wanted(range, len), expected, "{range}");
        }
        assert_eq!(wanted("bytes=0-", 0), None);
    }

    #[test]
    fn a_header_says_what_is_wrong_with_the_archive() {
        let mut header = [0u8; HEADER_BYTES];
        header[..7].copy_from_slice(b"PMTiles");
        header[7] = 3;
        header[99] = 1;
        assert!(check_header(&header, 127).is_ok());
        header[7] = 2;
        assert!(matches!(
            check_header(&header, 127),
            Err(ArchiveError::Version(2))
        ));
        header[7] = 3;
        header[99] = 2;
        assert!(matches!(
            check_header(&header, 127),
            Err(ArchiveError::NotVector(_))
        ));
        header[99] = 1;
        header[56..64].copy_from_slice(&100u64.to_le_bytes());
        header[64..72].copy_from_slice(&100u64.to_le_bytes());
        assert!(matches!(
            check_header(&header, 127),
            Err(ArchiveError::Truncated {
                needed: 200,
                len: 127
            })
        ));
    }
}
