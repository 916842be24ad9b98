//! `lieux export --pmtiles`: the archive read back by the npm `pmtiles` package (the reader the
//! page uses, which lieux did not write, through `web/e2e/pmtiles-reader.mjs`), every tile it
//! returns compared with the tile a real server sends for the same filter and coordinates.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

use mvt_reader::feature::Value;

use crate::support::{bundled_server, lieux, lieux_ok, repo, Nginx, Server};
use crate::tiles::decode;

/// What the reader found in an archive.
struct Read {
    header: serde_json::Value,
    metadata: serde_json::Value,
    /// The tiles it returned, decompressed, by `(z, x, y)`.
    tiles: HashMap<(u8, u32, u32), Vec<u8>>,
    json: serde_json::Value,
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Reads `archive` with the npm `pmtiles` package.
fn read(archive: &Path) -> Read {
    let web = repo().join("web");
    assert!(
        web.join("node_modules/pmtiles").exists(),
        "web/node_modules is missing: run `npm ci` in web/ (tests/run.sh does it)"
    );
    let output = Command::new("node")
        .arg("e2e/pmtiles-reader.mjs")
        .arg(archive)
        .current_dir(&web)
        .output()
        .expect("node runs (Node.js 20+ is needed for the page anyway)");
    assert!(
        output.status.success(),
        "the reader failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let tiles = json["tiles"]
        .as_array()
        .expect("tiles")
        .iter()
        .map(|tile| {
            let n = |i: usize| tile[i].as_u64().expect("a number");
            (
                (n(0) as u8, n(1) as u32, n(2) as u32),
                unhex(tile[3].as_str().expect("hex")),
            )
        })
        .collect();
    Read {
        header: json["header"].clone(),
        metadata: json["metadata"].clone(),
        tiles,
        json,
    }
}

/// The server's tile, uncompressed; `None` when it is empty.
fn server_tile(server: &Server, (z, x, y): (u8, u32, u32), filter: &str) -> Option<Vec<u8>> {
    let (status, _, body) = server.get_bytes(
        &format!("/tiles/{z}/{x}/{y}.mvt?{filter}"),
        &[("Accept-Encoding", "identity")],
    );
    match status {
        200 => Some(body),
        204 => None,
        other => panic!("tile {z}/{x}/{y}?{filter}: {other}"),
    }
}

/// Exports the bundled data's tiles of `filter` to `archive`, with `extra` options.
fn export(archive: &Path, filter: &str, extra: &[&str]) -> String {
    let state = archive.with_extension("state");
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
        &"export",
        &"--pmtiles",
        &archive,
        &"--filter",
        &filter,
        &"--state-dir",
        &state,
    ];
    args.extend(extra.iter().map(|a| a as &dyn AsRef<std::ffi::OsStr>));
    lieux_ok(&args)
}

const AIDE: &str = "services=Aide%20aux%20d%C3%A9marches%20administratives&departement=49";
/// Donut clusters on a light map: counts of the services in clusters, two place properties.
const DONUTS: &str = "departement=49&cluster_counts=services&fields=nom,services";

#[test]
fn every_tile_the_reader_returns_is_the_servers_tile() {
    let dir = tempfile::tempdir().unwrap();
    let server = bundled_server();
    for filter in ["", AIDE, DONUTS] {
        let archive = dir.path().join("lieux.pmtiles");
        let said = export(&archive, filter, &[]);
        assert!(said.contains("wrote "), "{said}");
        let read = read(&archive);

        // The header, as the reader decoded it.
        let header = &read.header;
        assert_eq!(header["specVersion"], 3);
        assert_eq!(header["clustered"], true);
        assert_eq!(header["tileType"], 1, "vector tiles");
        assert_eq!(header["tileCompression"], 2, "gzip");
        assert_eq!(header["internalCompression"], 2, "gzip");
        assert_eq!(
            (header["minZoom"].as_u64(), header["maxZoom"].as_u64()),
            (Some(0), Some(14))
        );
        assert!(
            header["rootDirectoryOffset"].as_u64().unwrap()
                + header["rootDirectoryLength"].as_u64().unwrap()
                <= 16_384
        );
        let (west, east) = (
            header["minLon"].as_f64().unwrap(),
            header["maxLon"].as_f64().unwrap(),
        );
        assert!(-3.0 < west && west < east && east < 1.5, "{header}");

        // The metadata: the TileJSON's layers and attribution.
        let (status, tilejson) = server.get(&format!("/tiles.json?{filter}"));
        assert_eq!(status, 200);
        assert_eq!(read.metadata["vector_layers"], tilejson["vector_layers"]);
        assert_eq!(read.metadata["attribution"], tilejson["attribution"]);
        assert_eq!(read.metadata["description"], tilejson["description"]);

        // Every tile the archive addresses was found, within the header's bounds.
        assert!(read.tiles.len() > 100, "{}", read.tiles.len());
        assert_eq!(
            header["numAddressedTiles"].as_u64(),
            Some(read.tiles.len() as u64)
        );
        for (&coord, bytes) in &read.tiles {
            assert_eq!(
                server_tile(&server, coord, filter).as_deref(),
                Some(bytes.as_slice()),
                "tile {coord:?} ?{filter}"
            );
        }
        // No tile is missing: the neighbours of every tile that the archive does not hold are
        // empty on the server too (a tile holds what lies in its buffer, next to its edges).
        let held: BTreeSet<_> = read.tiles.keys().copied().collect();
        let mut around = BTreeSet::new();
        for &(z, x, y) in &held {
            let side = 1i64 << z;
            for dx in -1i64..=1 {
                for dy in -1i64..=1 {
                    let (nx, ny) = (i64::from(x) + dx, i64::from(y) + dy);
                    if (0..side).contains(&nx) && (0..side).contains(&ny) {
                        around.insert((z, nx as u32, ny as u32));
                    }
                }
            }
        }
        for coord in around.difference(&held) {
            assert_eq!(
                server_tile(&server, *coord, filter),
                None,
                "{coord:?} ?{filter}"
            );
        }
    }

    // The reader's tile ids are ours.
    for id in read_ids(&dir.path().join("lieux.pmtiles")) {
        let (z, x, y, expected) = id;
        let tile = lieux_tiles::TileCoord::new(z, x, y).unwrap();
        assert_eq!(lieux_tiles::pmtiles::tile_id(tile), expected, "{z}/{x}/{y}");
    }
}

fn read_ids(archive: &Path) -> Vec<(u8, u32, u32, u64)> {
    read(archive).json["tileIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let n = |i: usize| t[i].as_u64().unwrap();
            (n(0) as u8, n(1) as u32, n(2) as u32, n(3))
        })
        .collect()
}

#[test]
fn tiles_of_ids_alone_carry_the_cluster_properties_and_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.pmtiles");
    let bare = dir.path().join("bare.pmtiles");
    export(&full, "", &["--minzoom", "6", "--maxzoom", "12"]);
    export(
        &bare,
        "",
        &[
            "--minzoom",
            "6",
            "--maxzoom",
            "12",
            "--tile-properties",
            "id",
        ],
    );
    let (full_read, bare_read) = (read(&full), read(&bare));
    assert_eq!(bare_read.header["minZoom"], 6);
    assert_eq!(
        full_read.tiles.keys().collect::<BTreeSet<_>>(),
        bare_read.tiles.keys().collect::<BTreeSet<_>>(),
        "the same tiles"
    );
    assert!(std::fs::metadata(&bare).unwrap().len() * 2 < std::fs::metadata(&full).unwrap().len());
    let fields = bare_read.metadata["vector_layers"][0]["fields"]
        .as_object()
        .unwrap();
    let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "cluster",
            "cluster_id",
            "expansion_zoom",
            "id",
            "point_count",
            "point_count_abbreviated"
        ]
    );
    let (mut places, mut clusters) = (0, 0);
    for bytes in bare_read.tiles.values() {
        let (layer, _, features) = decode(bytes.clone());
        assert_eq!(layer, "places");
        for feature in features {
            if feature.properties.contains_key("cluster") {
                clusters += 1;
                assert!(matches!(feature.properties["point_count"], Value::UInt(_)));
            } else {
                places += 1;
                let keys: Vec<&String> = feature.properties.keys().collect();
                assert_eq!(keys, ["id"]);
            }
        }
    }
    assert!(
        places > 0 && clusters > 0,
        "{places} places, {clusters} clusters"
    );
}

#[test]
fn what_an_archive_cannot_hold_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("x.pmtiles");
    let state = dir.path().join("state");
    for (filter, zooms, says) in [
        ("open_now=true", ["0", "14"], "open_now"),
        ("servises=Cuisine", ["0", "14"], "unknown parameter"),
        ("services=Cuisine", ["0", "14"], "services"),
        ("cluster_counts=couleurs", ["0", "14"], "cluster_counts"),
        ("fields=nom,couleur", ["0", "14"], "fields"),
        ("", ["9", "3"], "--minzoom 9 and --maxzoom 3"),
        ("", ["0", "23"], "--maxzoom 23"),
    ] {
        let output = lieux(&[
            &"export",
            &"--pmtiles",
            &archive,
            &"--filter",
            &filter,
            &"--minzoom",
            &zooms[0],
            &"--maxzoom",
            &zooms[1],
            &"--state-dir",
            &state,
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{filter} {zooms:?}");
        assert!(stderr.contains(says), "{filter} {zooms:?}: {stderr}");
        assert!(!archive.exists());
    }
    // A filter that keeps no place makes no archive.
    let output = lieux(&[
        &"export",
        &"--pmtiles",
        &archive,
        &"--filter",
        &"code_postal=75001",
        &"--state-dir",
        &state,
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no tile"));
    assert!(std::fs::read_dir(dir.path()).unwrap().all(|entry| !entry
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains("partial")));
}

#[test]
fn a_map_published_on_nginx_draws_in_chromium_with_no_lieux_running() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    let archive = site.join("lieux.pmtiles");
    let said = export(&archive, "", &["--site", site.to_str().unwrap()]);
    assert!(said.contains("drawing lieux.pmtiles"), "{said}");
    let html = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(html.contains(r#"<meta name="lieux-tiles" content="lieux.pmtiles" />"#));
    // A copy of the page without the archive's <meta>, for `?tiles=`.
    let said = lieux_ok(&[&"export", &"--site", &site.join("bare")]);
    assert!(said.contains("?tiles="), "{said}");
    assert!(!std::fs::read_to_string(site.join("bare/index.html"))
        .unwrap()
        .contains("lieux-tiles"));

    let nginx = Nginx::serving(&site, dir.path());
    crate::page::run_e2e_at("static.test.mjs", &nginx.base, &[]);
    let answered = nginx.answered();
    let ranges: Vec<&String> = answered
        .iter()
        .filter(|line| line.contains("/lieux.pmtiles"))
        .collect();
    assert!(ranges.len() > 4, "{answered:#?}");
    for line in &ranges {
        // 304: the second page revalidating a range the browser keeps.
        assert!(
            line.starts_with("206 GET /lieux.pmtiles \"bytes=")
                || line.starts_with("304 GET /lieux.pmtiles \"bytes="),
            "{line}"
        );
    }
    assert!(
        ranges
            .iter()
            .filter(|line| line.starts_with("206 "))
            .count()
            > 4
    );
    // The page looked for a lieux server and found none.
    assert!(
        answered
            .iter()
            .any(|line| line.starts_with("404 GET /health")),
        "{answered:#?}"
    );
}
