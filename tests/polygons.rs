//! Polygon filters over HTTP on the bundled data: every route that takes them keeps the places
//! the `geo` crate finds inside generated polygons with holes (and islands in the holes), in
//! the query string and in a POST body; malformed and oversized polygons are 4xx JSON answers.

use std::collections::BTreeSet;

use geo::Intersects;

use crate::support::{bundled_server, csv_rows_of, feature_ids, Server};
use crate::territories::{clusters_of as clustered, tile_count as world_tile_count};

/// A ring: `[longitude, latitude]` positions, closed.
type Ring = Vec<[f64; 2]>;

/// A served place: its id and position, as `/search` gives them.
struct Served {
    id: String,
    lon: f64,
    lat: f64,
}

/// Every place the server serves.
fn served(server: &Server) -> Vec<Served> {
    let (status, body) = server.get("/search?limit=1000");
    assert_eq!(status, 200);
    let features = body["features"].as_array().unwrap();
    assert_eq!(body["total"].as_u64().unwrap(), features.len() as u64);
    features
        .iter()
        .map(|f| Served {
            id: f["id"].as_str().unwrap().to_owned(),
            lon: f["geometry"]["coordinates"][0].as_f64().unwrap(),
            lat: f["geometry"]["coordinates"][1].as_f64().unwrap(),
        })
        .collect()
}

/// A seeded generator of numbers in [0, 1): the same polygons on every run.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        #[allow(clippy::cast_precision_loss)]
        let unit = (self.0 >> 11) as f64 / (1u64 << 53) as f64;
        unit
    }
}

/// A star-shaped ring of `n` vertices around (`lon`, `lat`), radii between `low` and `high`
/// degrees, angles spread evenly and shifted by up to 0.4 of a step; six decimals.
fn star(draw: &mut Draw, (lon, lat): (f64, f64), n: u32, (low, high): (f64, f64)) -> Ring {
    let step = std::f64::consts::TAU / f64::from(n);
    let round = |v: f64| (v * 1e6).round() / 1e6;
    let mut ring: Ring = (0..n)
        .map(|i| {
            let angle = (f64::from(i) + 0.4 * (2.0 * draw.next() - 1.0)) * step;
            let r = low + (high - low) * draw.next();
            [round(lon + r * angle.cos()), round(lat + r * angle.sin())]
        })
        .collect();
    ring.push(ring[0]);
    ring
}

/// A polygon with a hole, and an island in the hole, around (`lon`, `lat`), `size` degrees
/// wide: rings that never meet (see `holed` in `lieux_index::search`'s tests for why).
fn holed(draw: &mut Draw, centre: (f64, f64), size: f64) -> Vec<Vec<Ring>> {
    vec![
        vec![
            star(draw, centre, 24, (0.7 * size, size)),
            star(draw, centre, 12, (0.1 * size, 0.35 * size)),
        ],
        vec![star(draw, centre, 8, (0.01 * size, 0.05 * size))],
    ]
}

fn geojson(polygons: &[Vec<Ring>]) -> serde_json::Value {
    serde_json::json!({ "type": "MultiPolygon", "coordinates": polygons })
}

/// The ids of the places `geo` finds inside `polygons` (boundary included), checking that
/// none is within a nanodegree of an edge, where rounding could decide either way.
fn inside(places: &[Served], polygons: &[Vec<Ring>]) -> BTreeSet<String> {
    let line =
        |ring: &Ring| geo::LineString::from(ring.iter().map(|&[x, y]| (x, y)).collect::<Vec<_>>());
    let multi = geo::MultiPolygon::new(
        polygons
            .iter()
            .map(|rings| geo::Polygon::new(line(&rings[0]), rings[1..].iter().map(line).collect()))
            .collect(),
    );
    for place in places {
        for ring in polygons.iter().flatten() {
            for edge in ring.windows(2) {
                let ([x1, y1], [x2, y2]) = (edge[0], edge[1]);
                let (dx, dy) = (x2 - x1, y2 - y1);
                let t = (((place.lon - x1) * dx + (place.lat - y1) * dy) / (dx * dx + dy * dy))
                    .clamp(0.0, 1.0);
                let d = (place.lon - x1 - t * dx).hypot(place.lat - y1 - t * dy);
                assert!(
                    d > 1e-9,
                    "{} lies on an edge: pick other polygons",
                    place.id
                );
            }
        }
    }
    places
        .iter()
        .filter(|p| multi.intersects(&geo::Point::new(p.lon, p.lat)))
        .map(|p| p.id.clone())
        .collect()
}

/// Every byte but letters and digits percent-encoded.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The ids and the total of a `/search` answer.
fn searched(status: u16, body: &serde_json::Value) -> BTreeSet<String> {
    assert_eq!(status, 200, "{body}");
    let ids: BTreeSet<String> = feature_ids(body).into_iter().collect();
    assert_eq!(body["total"].as_u64().unwrap(), ids.len() as u64);
    ids
}

fn export_ids(status: u16, body: &[u8]) -> BTreeSet<String> {
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(body));
    csv_rows_of(csv::Reader::from_reader(body))
        .into_iter()
        .map(|row| row["id"].clone())
        .collect()
}

#[test]
fn every_route_keeps_the_places_geo_finds_inside_polygons_with_holes() {
    let server = bundled_server();
    let places = served(&server);
    let mut draw = Draw(21);
    let json = [("content-type", "application/json")];
    let mut cases = 0;
    let mut non_empty = 0;
    let mut holes_decide = 0;
    // Around Angers, Nantes, Le Mans, Laval, La Roche-sur-Yon, and drawn centres.
    let mut centres = vec![
        (-0.55, 47.47, 0.3),
        (-1.55, 47.22, 0.25),
        (0.2, 48.0, 0.5),
        (-0.77, 48.07, 1.5),
        (-1.43, 46.67, 0.8),
    ];
    for _ in 0..5 {
        centres.push((
            -2.5 + 3.4 * draw.next(),
            46.3 + 2.3 * draw.next(),
            0.05 + 1.5 * draw.next(),
        ));
    }
    for (lon, lat, size) in centres {
        let polygons = holed(&mut draw, (lon, lat), size);
        let expected = inside(&places, &polygons);
        let geometry = geojson(&polygons);
        let query = format!("polygon={}", encode(&geometry.to_string()));
        cases += 1;
        non_empty += usize::from(!expected.is_empty());
        // Whether the hole, or the island in it, decides for some place.
        holes_decide += usize::from(inside(&places, &[vec![polygons[0][0].clone()]]) != expected);

        let (status, body) = server.get(&format!("/search?limit=1000&{query}"));
        assert_eq!(searched(status, &body), expected, "/search {geometry}");
        let posted = serde_json::json!({ "polygon": geometry, "limit": 1000 }).to_string();
        let (status, _, body) = server.post("/search", &json, &posted);
        assert_eq!(searched(status, &body), expected, "POST /search {geometry}");

        let (status, body) = server.get(&format!("/clusters?zoom=0&{query}"));
        assert_eq!(status, 200, "{body}");
        assert_eq!(clustered(&body).0, expected.len() as u64, "/clusters z0");
        let (status, body) = server.get(&format!("/clusters?zoom=16&{query}"));
        assert_eq!(status, 200, "{body}");
        let (count, alone) = clustered(&body);
        assert_eq!(count, expected.len() as u64, "/clusters z16");
        assert!(alone.is_subset(&expected), "/clusters z16: {alone:?}");
        let posted = serde_json::json!({ "polygon": geometry, "zoom": 16 }).to_string();
        let (status, _, body) = server.post("/clusters", &json, &posted);
        assert_eq!(status, 200, "{body}");
        assert_eq!(clustered(&body), (count, alone), "POST /clusters");

        assert_eq!(
            world_tile_count(&server, &query),
            expected.len() as u64,
            "the world tile"
        );

        let (status, _, body) = server.get_bytes(&format!("/export.csv?{query}"), &[]);
        assert_eq!(export_ids(status, &body), expected, "/export.csv");
        let posted = serde_json::json!({ "polygon": geometry }).to_string();
        let (status, _, body) = server.post_bytes("/export.csv", &json, &posted);
        assert_eq!(export_ids(status, &body), expected, "POST /export.csv");
    }
    assert!(
        non_empty >= cases / 2,
        "{non_empty} of {cases} polygons hold places"
    );
    assert!(
        holes_decide >= 2,
        "the holes of {holes_decide} polygons hold places"
    );
}

#[test]
fn a_polygon_keeps_its_place_in_maps_and_their_key() {
    let server = bundled_server();
    let places = served(&server);
    let mut draw = Draw(5);
    let polygons = holed(&mut draw, (-0.55, 47.47), 0.4);
    let expected = inside(&places, &polygons);
    assert!(!expected.is_empty());
    // The same polygon spelt otherwise (a Polygon and a Polygon of a MultiPolygon, spaces)
    // shares its map; another polygon does not.
    let spelt = serde_json::to_string_pretty(&geojson(&polygons)).unwrap();
    let (status, body) = server.get(&format!("/clusters?zoom=0&polygon={}", encode(&spelt)));
    assert_eq!(status, 200);
    assert_eq!(clustered(&body).0, expected.len() as u64);
    let outer_only = serde_json::json!({ "type": "Polygon", "coordinates": [polygons[0][0]] });
    let without_hole = inside(&places, &[vec![polygons[0][0].clone()]]);
    assert!(without_hole.len() > expected.len(), "the hole holds places");
    let (status, body) = server.get(&format!(
        "/clusters?zoom=0&polygon={}",
        encode(&outer_only.to_string())
    ));
    assert_eq!(status, 200);
    assert_eq!(clustered(&body).0, without_hole.len() as u64);
    // A tile's ETag names its filter's key: one for both spellings, another for another
    // polygon (and the unfiltered map's).
    let etag = |polygon: &str| {
        let path = format!("/tiles/0/0/0.mvt?polygon={}", encode(polygon));
        let (status, headers, _) = server.get_bytes(&path, &[]);
        assert_eq!(status, 200);
        headers["etag"].to_str().unwrap().to_owned()
    };
    let compact = geojson(&polygons).to_string();
    assert_eq!(etag(&spelt), etag(&compact));
    assert_ne!(etag(&compact), etag(&outer_only.to_string()));
    let (_, unfiltered, _) = server.get_bytes("/tiles/0/0/0.mvt", &[]);
    assert_ne!(etag(&compact), unfiltered["etag"].to_str().unwrap());
    // A cluster's leaves, asked with the polygon of its map, are places inside it.
    let query = format!("polygon={}", encode(&compact));
    let (_, body) = server.get(&format!("/clusters?zoom=8&{query}"));
    let cluster = body["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["cluster"] == true)
        .expect("a cluster at zoom 8");
    let id = cluster["properties"]["cluster_id"].as_u64().unwrap();
    let count = cluster["properties"]["point_count"].as_u64().unwrap();
    let (status, leaves) = server.get(&format!("/clusters/{id}/leaves?limit=1000&{query}"));
    assert_eq!(status, 200, "{leaves}");
    let leaves: BTreeSet<String> = feature_ids(&leaves).into_iter().collect();
    assert_eq!(leaves.len() as u64, count);
    assert!(leaves.is_subset(&expected), "{leaves:?}");
    // With another filter, both apply.
    let query = format!(
        "polygon={}&frais_a_charge=Gratuit",
        encode(&geojson(&polygons).to_string())
    );
    let (status, body) = server.get(&format!("/search?limit=1000&{query}"));
    let free = searched(status, &body);
    let (status, body) = server.get("/search?limit=1000&frais_a_charge=Gratuit");
    let all_free = searched(status, &body);
    assert_eq!(
        free,
        all_free.intersection(&expected).cloned().collect(),
        "polygon and fees"
    );
    // TileJSON names the tiles of the same filter.
    let (status, body) = server.get(&format!("/tiles.json?{query}"));
    assert_eq!(status, 200);
    assert!(body["tiles"][0].as_str().unwrap().contains("polygon="));
}

#[test]
fn malformed_and_oversized_polygons_are_4xx_json_naming_the_parameter() {
    let server = bundled_server();
    let json = [("content-type", "application/json")];
    for (polygon, says) in [
        ("{", "JSON"),
        (r#"{"type":"Point","coordinates":[0,47]}"#, "\"Point\""),
        (
            r#"{"type":"Polygon","coordinates":[[[0,47],[1,47],[1,48],[0,48]]]}"#,
            "closed",
        ),
        (
            r#"{"type":"Polygon","coordinates":[[[0,47],[1,47],[0,47]]]}"#,
            "four",
        ),
        (
            r#"{"type":"Polygon","coordinates":[[[0,47],[1,97],[1,48],[0,47]]]}"#,
            "range",
        ),
        (
            r#"{"type":"Polygon","coordinates":[[[0,47],[1,"x"],[1,48],[0,47]]]}"#,
            "numbers",
        ),
        (r#"{"type":"Polygon","coordinates":[]}"#, "outer ring"),
    ] {
        for route in [
            "/search?",
            "/clusters?zoom=3&",
            "/tiles/0/0/0.mvt?",
            "/export.csv?",
        ] {
            let (status, body) = server.get(&format!("{route}polygon={}", encode(polygon)));
            assert_eq!(status, 400, "{route} {polygon}: {body}");
            assert_eq!(body["error"], "invalid_parameter");
            let message = body["message"].as_str().unwrap();
            assert!(
                message.starts_with("polygon: ") && message.contains(says),
                "{route} {polygon}: {message}"
            );
        }
    }
    // A circle of `n` positions, each coordinate of `decimals` decimals.
    let circle = |n: u32, decimals: i32| -> Vec<[f64; 2]> {
        let round = |v: f64| (v * 10f64.powi(decimals)).round() / 10f64.powi(decimals);
        (0..=n)
            .map(|i| {
                let a = f64::from(i % n) / f64::from(n) * std::f64::consts::TAU;
                [round(-0.5 + 0.1 * a.cos()), round(47.5 + 0.1 * a.sin())]
            })
            .collect()
    };
    // Over the bound in bytes (7,500 positions of sixteen digits or so): only a body holds
    // that much.
    let long =
        serde_json::json!({ "polygon": { "type": "Polygon", "coordinates": [circle(7_500, 15)] } });
    let long = long.to_string();
    assert!(
        long.len() > 256 * 1024 && long.len() < 320 * 1024,
        "{}",
        long.len()
    );
    let (status, _, body) = server.post("/search", &json, &long);
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("polygon_too_large")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("bytes"),
        "{body}"
    );
    // Over the bound of positions, in fewer bytes.
    let ring = circle(10_000, 5);
    let big = serde_json::json!({ "polygon": { "type": "Polygon", "coordinates": [ring] } });
    let (status, _, body) = server.post("/search", &json, &big.to_string());
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("polygon_too_large")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().starts_with("polygon: "));
    // Just under it, it is read, and judged as the GET of a smaller one would be.
    let fits: Vec<[f64; 2]> = ring[..9_999].iter().copied().chain([ring[0]]).collect();
    let small = serde_json::json!({ "polygon": { "type": "Polygon", "coordinates": [fits] } });
    let (status, _, body) = server.post("/search", &json, &small.to_string());
    assert_eq!(status, 200, "{body}");
    // A body over its bound, a body that is no JSON object, another content type, a member of
    // the wrong type or unknown to the route.
    let huge = format!(r#"{{"q":"{}"}}"#, "a".repeat(400 * 1024));
    let (status, _, body) = server.post("/search", &json, &huge);
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("body_too_large"))
    );
    for (headers, posted, status, error) in [
        (&json[..], "[1]", 400, "invalid_parameter"),
        (&json[..], "{", 400, "invalid_parameter"),
        (
            &[("content-type", "text/plain")][..],
            "{}",
            415,
            "unsupported_media_type",
        ),
        (&json[..], r#"{"limit":"10"}"#, 400, "invalid_parameter"),
        (
            &json[..],
            r#"{"services":"Aide aux démarches administratives"}"#,
            400,
            "invalid_parameter",
        ),
        (&json[..], r#"{"polygon":"{}"}"#, 400, "invalid_parameter"),
        (&json[..], r#"{"zoom":3}"#, 400, "invalid_parameter"),
    ] {
        let (answered, _, body) = server.post("/search", headers, posted);
        assert_eq!(
            (answered, body["error"].as_str()),
            (status, Some(error)),
            "{posted}: {body}"
        );
    }
    // The same parameter in the body and the query string is given twice.
    let (status, _, body) = server.post("/search?limit=3", &json, r#"{"limit":4}"#);
    assert_eq!(status, 400);
    assert_eq!(body["message"], "limit: given twice");
    // An empty body is no parameter; the query string's are read.
    let (status, _, body) = server.post("/search?limit=3", &[], "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["features"].as_array().unwrap().len(), 3);
}
