//! The map page: how `lieux` serves it, then the page itself in a real headless Chromium.
//!
//! The browser tests are in `web/e2e/` (node's test runner and playwright-core), run here
//! against a server on the bundled data (or one of their own) so that `cargo test` covers
//! them. They need Debian's `chromium` and `npm ci` in `web/`, and the orientation sheet's
//! test `pdftotext` and `pdftoppm` (poppler-utils) and `zbarimg` (zbar-tools); `tests/run.sh`
//! installs them all. Other sites (a partner framing the embed, a basemap's host) are
//! `StaticSite`s on other loopback ports.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{bundled_server, repo, Server, StaticSite};

/// The asset paths an `index.html` names (`/assets/…`).
fn asset_paths(html: &str) -> Vec<String> {
    html.split('"')
        .filter(|part| part.starts_with("/assets/"))
        .map(str::to_owned)
        .collect()
}

fn header<'h>(headers: &'h ureq::http::HeaderMap, name: &str) -> &'h str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[test]
fn the_page_is_served_with_hashed_assets_cached_for_a_year() {
    let server = bundled_server();
    let (status, headers, body) = server.get_bytes("/", &[]);
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").starts_with("text/html"));
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("<html lang=\"fr\">"), "{html}");

    let assets = asset_paths(&html);
    assert!(
        assets.iter().any(|a| a.ends_with(".js")) && assets.iter().any(|a| a.ends_with(".css")),
        "{assets:?}"
    );
    for asset in &assets {
        let (status, headers, body) = server.get_bytes(asset, &[]);
        assert_eq!(status, 200, "{asset}");
        assert_eq!(
            header(&headers, "cache-control"),
            "public, max-age=31536000, immutable",
            "{asset}"
        );
        assert!(!body.is_empty(), "{asset}");
        let expected = if asset.ends_with(".js") {
            "text/javascript"
        } else {
            "text/css"
        };
        assert!(
            header(&headers, "content-type").starts_with(expected),
            "{asset}"
        );
    }

    let etag = header(&headers, "etag").to_owned();
    assert!(!etag.is_empty());
    let (status, _, _) = server.get_bytes("/", &[("If-None-Match", &etag)]);
    assert_eq!(status, 304, "index.html revalidates");

    let (_, headers, _) = server.get_bytes(&assets[0], &[("Accept-Encoding", "gzip")]);
    assert_eq!(header(&headers, "content-encoding"), "gzip");
}

#[test]
fn only_files_of_the_build_can_be_served() {
    let server = bundled_server();
    for path in [
        "/assets/../Cargo.toml",
        "/assets/%2e%2e/Cargo.toml",
        "/assets/..%2fCargo.toml",
        "/assets//etc/passwd",
        "/assets/index.html",
        "/assets/",
        "/index.html/../Cargo.toml",
        "/web/index.html",
    ] {
        let (status, _, body) = server.get_bytes(path, &[]);
        assert_eq!(status, 404, "{path}");
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"], "not_found", "{path}");
    }
    // The API routes are unchanged beside the page.
    assert_eq!(server.get("/health").0, 200);
}

/// Where test artifacts go: `target/e2e` (beside the target's own `tmp`).
fn artifacts() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target tmp dir has a parent")
        .join("e2e")
}

/// Runs the browser test `file` of `web/e2e/` against `server`, with `env` besides; its
/// screenshots go to `artifacts()`.
fn run_e2e(file: &str, server: &Server, env: &[(&str, &str)]) {
    run_e2e_at(file, &server.base, env);
}

/// Runs the browser test `file` of `web/e2e/` against the site at `base` (a lieux server, or a
/// static host), with `env` besides.
pub(crate) fn run_e2e_at(file: &str, base: &str, env: &[(&str, &str)]) {
    // One browser at a time: each test's steps wait 20 s at most, and three Chromiums with
    // their servers on two cores made the moderation page miss it.
    static ONE_BROWSER: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _browser = ONE_BROWSER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let chromium =
        std::env::var_os("CHROMIUM").map_or_else(|| "/usr/bin/chromium".into(), PathBuf::from);
    assert!(
        chromium.exists(),
        "{} is missing: the page's end-to-end test needs Debian's chromium \
         (apt-get install -y chromium; tests/run.sh does it)",
        chromium.display()
    );
    let web = repo().join("web");
    assert!(
        web.join("node_modules/playwright-core").exists(),
        "web/node_modules is missing: run `npm ci` in web/ (tests/run.sh does it)"
    );
    let artifacts = artifacts();
    let output = Command::new("node")
        .args(["--test", "--test-reporter=spec", &format!("e2e/{file}")])
        .current_dir(&web)
        .env("LIEUX_URL", base)
        .env("LIEUX_E2E_ARTIFACTS", &artifacts)
        .env("CHROMIUM", &chromium)
        .envs(env.iter().copied())
        .output()
        .expect("node runs (Node.js 20+ is needed for the page anyway)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{file} failed ({}); screenshots in {}\n{stdout}\n{stderr}",
        output.status,
        artifacts.display()
    );
}

#[test]
fn the_page_works_in_headless_chromium() {
    run_e2e("page.test.mjs", &bundled_server(), &[]);
    for view in ["map", "cards", "table"] {
        assert!(
            artifacts().join(format!("{view}.png")).exists(),
            "{view}.png"
        );
    }
}

/// Contributing through the page's forms and moderating in the moderation page, on a server of
/// its own (a state directory, a token), since it changes the data.
#[test]
fn places_contribute_and_moderators_decide_in_headless_chromium() {
    const TOKEN: &str = "moderation-token-of-the-browser-test";
    let tmp = tempfile::tempdir().unwrap();
    let token = crate::support::token_file(tmp.path(), TOKEN);
    let server = Server::start(&[&"--admin-token-file", &token, &"--rate-limit", &"write=off"]);
    run_e2e(
        "contribute.test.mjs",
        &server,
        &[("LIEUX_ADMIN_TOKEN", TOKEN)],
    );
}

/// Temporary closures and notices through the correction form and on the place's page, the
/// freshness facet, and a campaign's correction link, on a server of its own (it accepts a
/// contribution).
#[test]
fn closures_notices_and_freshness_show_in_headless_chromium() {
    const TOKEN: &str = "moderation-token-of-the-browser-test";
    let tmp = tempfile::tempdir().unwrap();
    let token = crate::support::token_file(tmp.path(), TOKEN);
    let server = Server::start(&[&"--admin-token-file", &token, &"--rate-limit", &"write=off"]);
    run_e2e("notices.test.mjs", &server, &[("LIEUX_ADMIN_TOKEN", TOKEN)]);
    assert!(artifacts().join("notices.png").exists());
}

/// « Orienter une personne » on the bundled data: the guided path, the selection, its sheet
/// printed to PDF by Chromium and read back with `pdftotext`, its QR code read back with
/// `zbarimg`, the SMS and e-mail links, and axe-core's audit of the path and the sheet.
#[test]
fn a_person_is_oriented_and_the_sheet_printed_in_headless_chromium() {
    for (tool, package) in [
        ("pdftotext", "poppler-utils"),
        ("pdftoppm", "poppler-utils"),
        ("zbarimg", "zbar-tools"),
    ] {
        assert!(
            Command::new(tool).arg("-h").output().is_ok(),
            "{tool} is missing: the orientation sheet's test needs it \
             (apt-get install -y {package}; tests/run.sh does it)"
        );
    }
    run_e2e("orientation.test.mjs", &bundled_server(), &[]);
    for file in [
        "orientation.pdf",
        "orientation-sheet.png",
        "orientation-path.png",
    ] {
        assert!(artifacts().join(file).exists(), "{file}");
    }
}

#[test]
fn the_moderation_page_is_never_framed() {
    let server = bundled_server();
    let (status, headers, body) = server.get_bytes("/admin/", &[]);
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").starts_with("text/html"));
    assert_eq!(header(&headers, "x-frame-options"), "DENY");
    assert_eq!(
        header(&headers, "content-security-policy"),
        "frame-ancestors 'none'"
    );
    assert_eq!(header(&headers, "referrer-policy"), "no-referrer");
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("<html lang=\"fr\">"), "{html}");
    for asset in asset_paths(&html) {
        assert_eq!(server.get_bytes(&asset, &[]).0, 200, "{asset}");
    }
    let (status, head, _) = server.raw("GET", "/admin");
    assert_eq!(status, 308);
    assert!(
        head.to_ascii_lowercase().contains("location: /admin/\r\n"),
        "{head}"
    );
}

/// A partner's page: a heading, into which the browser test puts an `<iframe>` as a webmaster
/// pastes one.
const PARTNER_PAGE: &str = "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\">\
    <title>Site partenaire</title></head><body><h1>Site partenaire</h1></body></html>";

/// The embed on the bundled data, with `--embed-origins` listing one loopback site: framed by a
/// page of that site, refused by a page of another port; its filters, colour and links; the
/// page's « Intégrer cette carte » snippet pasted into the listed site; axe-core's audit.
#[test]
fn the_embed_is_framed_by_the_listed_origin_alone_in_headless_chromium() {
    let partner = StaticSite::start(&[("/", "text/html; charset=utf-8", PARTNER_PAGE)]);
    let stranger = StaticSite::start(&[("/", "text/html; charset=utf-8", PARTNER_PAGE)]);
    let server = Server::start(&[&"--embed-origins", &partner.base]);
    run_e2e(
        "embed.test.mjs",
        &server,
        &[
            ("LIEUX_PARTNER", &partner.base),
            ("LIEUX_STRANGER", &stranger.base),
        ],
    );
    assert!(artifacts().join("embed.png").exists());
    assert!(partner.asked().contains(&"/".to_owned()));
    assert!(stranger.asked().contains(&"/".to_owned()));
}

/// A small MapLibre style: a background and a polygon over France, with its attribution.
const TEST_STYLE: &str = r##"{
  "version": 8,
  "name": "Fond de test",
  "sources": {
    "fond": {
      "type": "geojson",
      "attribution": "Fond de carte de test",
      "data": {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon",
        "coordinates": [[[-5.5, 41], [10, 41], [10, 51.5], [-5.5, 51.5], [-5.5, 41]]]}}
    }
  },
  "layers": [
    {"id": "fond-couleur", "type": "background", "paint": {"background-color": "#e8efe0"}},
    {"id": "fond-zone", "type": "fill", "source": "fond", "paint": {"fill-color": "#d6e4c8"}}
  ]
}"##;

/// `--basemap-style` with a style served from another loopback port: the page and the embed
/// ask for it, draw the places over it with its attribution, and ask no other host.
#[test]
fn the_operators_basemap_style_is_drawn_in_headless_chromium() {
    let host = StaticSite::start(&[("/style.json", "application/json", TEST_STYLE)]);
    let style = format!("{}/style.json", host.base);
    let server = Server::start(&[&"--basemap-style", &style]);
    let (_, _, page) = server.get_bytes("/", &[]);
    let meta = format!("<meta name=\"lieux-basemap-style\" content=\"{style}\" />");
    assert!(String::from_utf8(page).unwrap().contains(&meta));
    run_e2e(
        "basemap.test.mjs",
        &server,
        &[("LIEUX_BASEMAP_STYLE", &style)],
    );
    let asked = host.asked();
    assert!(
        asked.iter().filter(|t| *t == "/style.json").count() >= 2,
        "the page and the embed asked for the style: {asked:?}"
    );
}

/// A gzip stream of `bytes`.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// `value` as a protobuf varint, as PMTiles directories write their numbers.
fn varint(mut value: u64, into: &mut Vec<u8>) {
    while value >= 0x80 {
        into.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    into.push(value as u8);
}

/// The deepest zoom of the test's archive: MapLibre draws deeper zooms from its tiles.
const ARCHIVE_MAX_ZOOM: u8 = 14;

/// One vector tile in the Protomaps basemap's schema: land over the whole tile (`earth`) and a
/// named main road across it (`roads`, `kind=major_road`).
fn basemap_tile() -> Vec<u8> {
    const EXTENT: u32 = 4096;
    let side = EXTENT as f64;
    let mut tile = mvt::Tile::new(EXTENT);
    let earth = tile.create_layer("earth");
    let land = mvt::GeomEncoder::new(mvt::GeomType::Polygon)
        .point(0.0, 0.0)
        .and_then(|e| e.point(side, 0.0))
        .and_then(|e| e.point(side, side))
        .and_then(|e| e.point(0.0, side))
        .and_then(mvt::GeomEncoder::complete)
        .and_then(mvt::GeomEncoder::encode)
        .unwrap();
    let mut feature = earth.into_feature(land);
    feature.add_tag_string("kind", "earth");
    tile.add_layer(feature.into_layer()).unwrap();
    let roads = tile.create_layer("roads");
    let road = mvt::GeomEncoder::new(mvt::GeomType::Linestring)
        .point(0.0, side / 3.0)
        .and_then(|e| e.point(side, side * 2.0 / 3.0))
        .and_then(mvt::GeomEncoder::encode)
        .unwrap();
    let mut feature = roads.into_feature(road);
    feature.add_tag_string("kind", "major_road");
    feature.add_tag_string("name", "Avenue de l'Essai");
    feature.add_tag_uint("min_zoom", 0);
    tile.add_layer(feature.into_layer()).unwrap();
    gzip(&tile.to_bytes().unwrap())
}

/// A PMTiles v3 archive of vector tiles, written as the specification says: the header, the
/// root directory (gzip), the metadata (gzip JSON), no leaf directory, the tile data. Every
/// tile of zooms 0 to [`ARCHIVE_MAX_ZOOM`] is [`basemap_tile`]: one directory entry whose run
/// covers every tile id of those zooms, pointing at the one tile stored.
fn small_pmtiles() -> Vec<u8> {
    let tile = basemap_tile();
    let tiles: u64 = (0..=ARCHIVE_MAX_ZOOM).map(|z| 1u64 << (2 * z)).sum();
    let mut directory = Vec::new();
    varint(1, &mut directory); // entries
    varint(0, &mut directory); // the first tile id (delta from 0)
    varint(tiles, &mut directory); // its run: every tile id up to the deepest zoom
    varint(tile.len() as u64, &mut directory); // length
    varint(1, &mut directory); // offset + 1 in the tile data
    let directory = gzip(&directory);
    let metadata = gzip(
        br#"{"name":"Fond de test","vector_layers":[{"id":"earth","fields":{"kind":"String"}},{"id":"roads","fields":{"kind":"String","name":"String"}}]}"#,
    );
    let root_offset = 127u64;
    let metadata_offset = root_offset + directory.len() as u64;
    let leaves_offset = metadata_offset + metadata.len() as u64;
    let data_offset = leaves_offset;
    let mut header = Vec::with_capacity(127);
    header.extend_from_slice(b"PMTiles");
    header.push(3);
    for value in [
        root_offset,
        directory.len() as u64,
        metadata_offset,
        metadata.len() as u64,
        leaves_offset,
        0,
        data_offset,
        tile.len() as u64,
        tiles, // addressed tiles
        1,     // tile entries
        1,     // tile contents
    ] {
        header.extend_from_slice(&value.to_le_bytes());
    }
    // Clustered; internal compression gzip; tile compression gzip; tile type MVT; zooms.
    header.extend_from_slice(&[1, 2, 2, 1, 0, ARCHIVE_MAX_ZOOM]);
    for degrees in [-180i32, -85, 180, 85] {
        header.extend_from_slice(&(degrees * 10_000_000).to_le_bytes());
    }
    header.push(5); // centre zoom
    header.extend_from_slice(&(-5_500_000i32).to_le_bytes()); // centre: -0.55, 47.4
    header.extend_from_slice(&(474_000_000i32).to_le_bytes());
    assert_eq!(header.len(), 127);
    [header, directory, metadata, tile].concat()
}

/// `--basemap-pmtiles` with a small archive the test writes: the page and the embed draw the
/// places over it with the Protomaps style, read it by ranges from lieux, show where it comes
/// from, and ask no other host.
#[test]
fn the_servers_pmtiles_basemap_is_drawn_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("fond.pmtiles");
    let bytes = small_pmtiles();
    std::fs::write(&archive, &bytes).unwrap();
    let server = Server::start(&[&"--basemap-pmtiles", &archive]);
    // HEAD: the length and the validator, no body; with a range, the range's length.
    let (status, head, body) = server.raw("HEAD", "/basemap.pmtiles");
    let head = head.to_ascii_lowercase();
    assert_eq!((status, body.len()), (200, 0), "{head}");
    assert!(
        head.contains(&format!("content-length: {}\r\n", bytes.len())),
        "{head}"
    );
    assert!(
        head.contains("accept-ranges: bytes") && head.contains("etag: \""),
        "{head}"
    );
    let (status, head, body) = server.raw_with("HEAD", "/basemap.pmtiles", &["Range: bytes=0-126"]);
    let head = head.to_ascii_lowercase();
    assert_eq!((status, body.len()), (206, 0), "{head}");
    assert!(head.contains("content-length: 127\r\n"), "{head}");
    let (status, _, body) = server.raw_with("GET", "/basemap.pmtiles", &["Range: bytes=0-126"]);
    assert_eq!((status, &body[..]), (206, &bytes[..127]));
    let (_, _, page) = server.get_bytes("/", &[]);
    let meta = "<meta name=\"lieux-basemap-pmtiles\" content=\"/basemap.pmtiles\" />";
    assert!(String::from_utf8(page).unwrap().contains(meta));
    run_e2e("pmtiles.test.mjs", &server, &[]);
}

/// The map page without a mouse and on a phone, on the bundled data: a place inside a group of
/// the map reached and opened with the keyboard alone; at a phone's width the results first
/// and the filters behind a button; axe-core's audit of both.
#[test]
fn the_map_is_used_by_keyboard_and_on_a_phone_in_headless_chromium() {
    run_e2e("access.test.mjs", &bundled_server(), &[]);
    assert!(artifacts().join("phone.png").exists());
}
