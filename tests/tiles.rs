//! Vector tiles, TileJSON and cluster endpoints, decoded with an independent MVT reader.

use std::collections::HashMap;

use mvt_reader::feature::Value;

use crate::support::{bundled_server, csv_rows, repo, Server};

/// The bundled places, read straight from the CSV: the oracle for counts.
fn bundled_places() -> Vec<HashMap<String, String>> {
    csv_rows(&repo().join("data/lieux-pays-de-la-loire.csv"))
}

pub(crate) struct DecodedFeature {
    x: f32,
    y: f32,
    pub(crate) properties: HashMap<String, Value>,
}

/// Decodes a tile: the layer's name and extent, and its point features.
pub(crate) fn decode(bytes: Vec<u8>) -> (String, u32, Vec<DecodedFeature>) {
    let reader = mvt_reader::Reader::new(bytes).expect("a valid vector tile");
    let layers = reader.get_layer_metadata().expect("layers");
    assert_eq!(layers.len(), 1, "one layer");
    let features = reader
        .get_features(0)
        .expect("features")
        .into_iter()
        .map(|feature| {
            let (x, y) = match feature.get_geometry() {
                geo_types::Geometry::MultiPoint(points) if points.0.len() == 1 => {
                    (points.0[0].x(), points.0[0].y())
                }
                geo_types::Geometry::Point(point) => (point.x(), point.y()),
                other => panic!("not a point: {other:?}"),
            };
            DecodedFeature {
                x,
                y,
                properties: feature.properties.clone().unwrap_or_default(),
            }
        })
        .collect();
    (layers[0].name.clone(), layers[0].extent, features)
}

fn count_of(feature: &DecodedFeature) -> u64 {
    match feature.properties.get("point_count") {
        Some(Value::UInt(n)) => *n,
        Some(Value::Int(n)) => u64::try_from(*n).unwrap(),
        Some(Value::SInt(n)) => u64::try_from(*n).unwrap(),
        None => 1,
        other => panic!("point_count is {other:?}"),
    }
}

fn text(feature: &DecodedFeature, key: &str) -> String {
    match feature.properties.get(key) {
        Some(Value::String(s)) => s.clone(),
        other => panic!("{key} is {other:?}"),
    }
}

fn tile(server: &Server, path: &str) -> (String, u32, Vec<DecodedFeature>) {
    let (status, headers, body) = server.get_bytes(path, &[]);
    assert_eq!(status, 200, "{path}");
    assert_eq!(
        headers["content-type"],
        "application/vnd.mapbox-vector-tile"
    );
    decode(body)
}

const AIDE: &str = "Aide aux démarches administratives";

/// `[west, south, east, north]` of the bundled places.
fn bundled_bounds() -> [f64; 4] {
    let coordinate = |p: &HashMap<String, String>, key: &str| p[key].parse::<f64>().unwrap();
    bundled_places().iter().fold(
        [180.0f64, 90.0, -180.0, -90.0],
        |[west, south, east, north], p| {
            let (lon, lat) = (coordinate(p, "longitude"), coordinate(p, "latitude"));
            [west.min(lon), south.min(lat), east.max(lon), north.max(lat)]
        },
    )
}

#[test]
fn the_world_tile_counts_every_place_once() {
    let server = bundled_server();
    let (layer, extent, features) = tile(&server, "/tiles/0/0/0.mvt");
    assert_eq!(layer, "places");
    assert_eq!(extent, 4096);
    let total: u64 = features.iter().map(count_of).sum();
    assert_eq!(total, bundled_places().len() as u64);
    assert!(features
        .iter()
        .any(|f| f.properties.get("cluster") == Some(&Value::Bool(true))));
    let cluster = features
        .iter()
        .find(|f| f.properties.contains_key("cluster_id"))
        .unwrap();
    assert!(matches!(
        cluster.properties.get("point_count_abbreviated"),
        Some(Value::String(_))
    ));
}

#[test]
fn filtered_tiles_count_only_matching_places() {
    let expected = bundled_places()
        .iter()
        .filter(|p| p["services"].split('|').any(|s| s == AIDE))
        .count() as u64;
    assert!(expected > 0);
    let encoded = "Aide%20aux%20d%C3%A9marches%20administratives";
    let server = bundled_server();
    let (_, _, features) = tile(&server, &format!("/tiles/0/0/0.pbf?services={encoded}"));
    assert_eq!(features.iter().map(count_of).sum::<u64>(), expected);

    let in_49 = bundled_places()
        .iter()
        .filter(|p| p["code_postal"].starts_with("49"))
        .count();
    let (_, _, features) = tile(&server, "/tiles/0/0/0.mvt?departement=49");
    assert_eq!(features.iter().map(count_of).sum::<u64>(), in_49 as u64);
}

/// The tile of a position at `z`, and the position inside it in extent units (web mercator).
fn locate(lon: f64, lat: f64, z: u8) -> (u32, u32, f64, f64) {
    let n = f64::from(1u32 << z);
    let x = (lon + 180.0) / 360.0 * n;
    let lat = lat.to_radians();
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
    (x as u32, y as u32, x.fract() * 4096.0, y.fract() * 4096.0)
}

#[test]
fn deep_tiles_hold_single_places_with_their_properties() {
    let places = bundled_places();
    let place = places
        .iter()
        .find(|p| !p["horaires"].is_empty())
        .expect("a place with hours");
    let lon: f64 = place["longitude"].parse().unwrap();
    let lat: f64 = place["latitude"].parse().unwrap();
    let (x, y, px, py) = locate(lon, lat, 18);
    let server = bundled_server();
    let (_, _, features) = tile(&server, &format!("/tiles/18/{x}/{y}.mvt"));
    let feature = features
        .iter()
        .find(|f| f.properties.get("id") == Some(&Value::String(place["id"].clone())))
        .expect("the place is in its tile");
    assert!(!feature.properties.contains_key("cluster"));
    assert_eq!(text(feature, "nom"), place["nom"]);
    assert_eq!(text(feature, "commune"), place["commune"]);
    assert_eq!(text(feature, "services"), place["services"]);
    assert_eq!(text(feature, "horaires"), place["horaires"]);
    assert!((f64::from(feature.x) - px).abs() <= 1.0 && (f64::from(feature.y) - py).abs() <= 1.0);
}

#[test]
fn bad_tile_requests_get_json_errors() {
    let server = bundled_server();
    for (path, status) in [
        // A path that names no tile of the grid: no such tile.
        ("/tiles/23/0/0.mvt", 404),
        ("/tiles/3/8/0.mvt", 404),
        ("/tiles/3/-1/0.mvt", 404),
        ("/tiles/a/0/0.mvt", 404),
        ("/tiles/0/0/0.png", 404),
        ("/tiles/0/0/0.mvt?services=Cuisine", 400),
        ("/tiles/0/0/0.mvt?services=a&services=b", 400),
        ("/tiles/0/0/0.mvt?colour=red", 400),
        ("/clusters/999999999/children", 404),
        ("/clusters/abc/children", 400),
        ("/clusters?zoom=40", 400),
        ("/clusters?zoom=3&bbox=1,2,3", 400),
        ("/clusters?zoom=3&bbox=0,80,10,-95", 400),
        ("/clusters?bbox=0,40,10,50", 400),
    ] {
        let (got, body) = server.get(path);
        assert_eq!(got, status, "{path}: {body}");
        assert!(
            body["error"].is_string() && body["message"].is_string(),
            "{path}: {body}"
        );
    }
    assert_eq!(server.get("/health").0, 200);
}

#[test]
fn tiles_carry_an_etag_that_revalidates() {
    let server = bundled_server();
    let (status, headers, first) = server.get_bytes("/tiles/5/15/11.mvt", &[]);
    assert_eq!(status, 200);
    let (_, _, again) = server.get_bytes("/tiles/5/15/11.mvt", &[]);
    assert_eq!(first, again, "a cached tile is the tile");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let (status, _, body) = server.get_bytes("/tiles/5/15/11.mvt", &[("If-None-Match", &etag)]);
    assert_eq!(status, 304);
    assert!(body.is_empty());
    let (_, filtered, _) = server.get_bytes("/tiles/5/15/11.mvt?departement=44", &[]);
    assert_ne!(
        filtered["etag"], headers["etag"],
        "another filter, another tag"
    );
}

/// Decompresses a gzip body with the gzip command, a decoder we did not write.
fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = std::process::Command::new("gzip")
        .arg("-dc")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip runs");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "gzip could not decompress the tile"
    );
    output.stdout
}

#[test]
fn tiles_come_gzipped_to_clients_that_accept_it_compressed_once() {
    let server = bundled_server();
    let path = "/tiles/6/31/22.mvt";
    let (_, plain_headers, plain) = server.get_bytes(path, &[]);
    assert!(plain_headers.get("content-encoding").is_none());
    let browser = [("Accept-Encoding", "gzip, deflate, br, zstd")];
    let (status, headers, compressed) = server.get_bytes(path, &browser);
    assert_eq!(status, 200);
    assert_eq!(headers["content-encoding"], "gzip");
    assert_eq!(
        headers["content-type"],
        "application/vnd.mapbox-vector-tile"
    );
    assert!(headers["vary"]
        .to_str()
        .unwrap()
        .contains("Accept-Encoding"));
    assert!(compressed.len() < plain.len());
    assert_eq!(gunzip(&compressed), plain, "the same tile, compressed");
    assert_ne!(
        headers["etag"], plain_headers["etag"],
        "other bytes, another tag"
    );

    let hits = server.metric("lieux_tile_cache_hits_total");
    let (_, _, again) = server.get_bytes(path, &browser);
    assert_eq!(again, compressed);
    assert_eq!(
        server.metric("lieux_tile_cache_hits_total"),
        hits + 1.0,
        "the compressed tile came from the cache"
    );

    let etag = headers["etag"].to_str().unwrap();
    let (status, _, body) = server.get_bytes(path, &[browser[0], ("If-None-Match", etag)]);
    assert_eq!((status, body.len()), (304, 0));
    for refused in ["gzip;q=0", "identity", "br"] {
        let (_, headers, body) = server.get_bytes(path, &[("Accept-Encoding", refused)]);
        assert!(headers.get("content-encoding").is_none(), "{refused}");
        assert_eq!(body, plain, "{refused}");
    }
}

#[test]
fn empty_tiles_are_204_without_a_body() {
    let server = bundled_server();
    // The Pacific: no place there.
    for headers in [vec![], vec![("Accept-Encoding", "gzip")]] {
        let (status, answer, body) = server.get_bytes("/tiles/10/0/500.mvt", &headers);
        assert_eq!(status, 204);
        assert!(body.is_empty());
        assert!(answer.get("content-encoding").is_none());
        assert!(answer.contains_key("etag"));
    }
    let (status, _, _) = server.get_bytes("/tiles/10/0/500.mvt?services=Cuisine", &[]);
    assert_eq!(status, 400, "a bad filter is still an error");
}

#[test]
fn tilejson_describes_the_tiles_and_keeps_the_filters() {
    let server = bundled_server();
    let (status, doc) = server.get("/tilejson-nope");
    assert_eq!(status, 404, "{doc}");
    let (status, doc) = server.get("/tiles.json?departement=44");
    assert_eq!(status, 200);
    assert_eq!(doc["tilejson"], "3.0.0");
    let url = doc["tiles"][0].as_str().unwrap();
    assert!(url.starts_with(&server.base), "{url}");
    assert!(
        url.ends_with("/tiles/{z}/{x}/{y}.mvt?departement=44"),
        "{url}"
    );
    assert_eq!(doc["vector_layers"][0]["id"], "places");
    for field in ["point_count", "cluster_id", "nom", "services", "horaires"] {
        assert!(
            doc["vector_layers"][0]["fields"][field].is_string(),
            "{field}"
        );
    }
    let bounds: Vec<f64> = doc["bounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for place in bundled_places() {
        let lon: f64 = place["longitude"].parse().unwrap();
        let lat: f64 = place["latitude"].parse().unwrap();
        assert!(bounds[0] <= lon && lon <= bounds[2] && bounds[1] <= lat && lat <= bounds[3]);
    }
    assert!(doc["attribution"]
        .as_str()
        .unwrap()
        .contains("Licence Ouverte"));
    assert_eq!(doc["center"].as_array().unwrap().len(), 3);
}

#[test]
fn cluster_endpoints_expand_clusters_consistently() {
    let server = bundled_server();
    let (status, collection) = server.get("/clusters?zoom=5&bbox=-5,45,3,49");
    assert_eq!(status, 200);
    let features = collection["features"].as_array().unwrap();
    let total: u64 = features
        .iter()
        .map(|f| f["properties"]["point_count"].as_u64().unwrap_or(1))
        .sum();
    assert_eq!(total, bundled_places().len() as u64);
    let cluster = features
        .iter()
        .max_by_key(|f| f["properties"]["point_count"].as_u64().unwrap_or(0))
        .unwrap();
    let id = cluster["properties"]["cluster_id"].as_u64().unwrap();
    let count = cluster["properties"]["point_count"].as_u64().unwrap();

    let (_, children) = server.get(&format!("/clusters/{id}/children"));
    let children_total = places_counted(&children);
    assert_eq!(children_total, count);

    let (_, leaves) = server.get(&format!("/clusters/{id}/leaves?limit=1000"));
    let leaves = leaves["features"].as_array().unwrap();
    assert_eq!(leaves.len() as u64, count);
    assert!(leaves
        .iter()
        .all(|f| f["properties"]["nom"].is_string() && f["id"].is_string()));
    let (_, page) = server.get(&format!("/clusters/{id}/leaves?limit=2&offset=1"));
    assert_eq!(page["features"][0]["id"], leaves[1]["id"]);

    let (_, zoom) = server.get(&format!("/clusters/{id}/expansion-zoom"));
    assert!(zoom["expansion_zoom"].as_u64().unwrap() > 5);
}

/// The places a GeoJSON collection of clusters and places stands for.
fn places_counted(collection: &serde_json::Value) -> u64 {
    collection["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["point_count"].as_u64().unwrap_or(1))
        .sum()
}

fn uint(feature: &DecodedFeature, key: &str) -> u64 {
    match feature.properties.get(key) {
        Some(Value::UInt(n)) => *n,
        Some(Value::Int(n) | Value::SInt(n)) => u64::try_from(*n).unwrap(),
        other => panic!("{key} is {other:?}"),
    }
}

#[test]
fn every_cluster_of_a_tile_carries_the_zoom_its_endpoint_answers() {
    let server = bundled_server();
    let [west, south, east, north] = bundled_bounds();
    let mut clusters = 0;
    for filter in [
        "",
        "?services=Aide%20aux%20d%C3%A9marches%20administratives",
    ] {
        for z in 0..=9u8 {
            let (x0, y0, _, _) = locate(west, north, z);
            let (x1, y1, _, _) = locate(east, south, z);
            for x in x0..=x1 {
                for y in y0..=y1 {
                    let (status, _, body) =
                        server.get_bytes(&format!("/tiles/{z}/{x}/{y}.mvt{filter}"), &[]);
                    if status == 204 {
                        continue;
                    }
                    assert_eq!(status, 200);
                    let (_, _, features) = decode(body);
                    for cluster in features
                        .iter()
                        .filter(|f| f.properties.contains_key("cluster_id"))
                    {
                        let id = uint(cluster, "cluster_id");
                        let in_tile = uint(cluster, "expansion_zoom");
                        let (_, asked) =
                            server.get(&format!("/clusters/{id}/expansion-zoom{filter}"));
                        assert_eq!(
                            Some(in_tile),
                            asked["expansion_zoom"].as_u64(),
                            "{z}/{x}/{y}{filter}"
                        );
                        assert!(in_tile > u64::from(z), "a click zooms in");
                        clusters += 1;
                    }
                }
            }
        }
    }
    assert!(clusters > 100, "{clusters} clusters checked");
}

/// The ids of the places the map of `query` shows alone past the clustering's deepest zoom:
/// every place it keeps.
fn map_ids(server: &Server, query: &str) -> std::collections::BTreeSet<String> {
    let (status, body) = server.get(&format!("/clusters?zoom=17&{query}"));
    assert_eq!(status, 200, "{query}: {body}");
    crate::support::feature_ids(&body).into_iter().collect()
}

/// The places counted in the world tile of `query`, decoded (an empty tile is a 204).
fn world_count(server: &Server, query: &str) -> u64 {
    let (status, _, body) = server.get_bytes(&format!("/tiles/0/0/0.mvt?{query}"), &[]);
    if status == 204 {
        return 0;
    }
    assert_eq!(status, 200, "{query}");
    decode(body).2.iter().map(count_of).sum()
}

/// The minute it is in Europe/Paris, as `open_at` takes it.
fn minute_now() -> String {
    lieux_index::search::schedules::now_local()
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

#[test]
fn opening_filters_tiles_and_clusters_as_it_filters_the_search() {
    let server = bundled_server();
    let searched = |query: &str| -> std::collections::BTreeSet<String> {
        let (status, body) = server.get(&format!("/search?limit=1000&{query}"));
        assert_eq!(status, 200, "{query}: {body}");
        crate::support::feature_ids(&body).into_iter().collect()
    };
    let mut open = Vec::new();
    // A Tuesday morning and a Sunday night, with and without the places of unknown hours.
    for at in ["2026-11-24T10:00", "2026-11-29T03:00"] {
        for unknown in ["", "&include_unknown=true"] {
            let query = format!("open_at={at}{unknown}");
            let expected = searched(&query);
            assert_eq!(map_ids(&server, &query), expected, "{query}");
            assert_eq!(
                world_count(&server, &query),
                expected.len() as u64,
                "{query}"
            );
            open.push(expected.len());
        }
    }
    let every = bundled_places().len();
    assert!(
        open[0] > open[2],
        "open on Tuesday at 10 and Sunday at 3: {open:?}"
    );
    assert!(open[0] < open[1] && open[1] < every, "{open:?} of {every}");

    // Now: what the map shows is what is open at the minute of the request.
    let before = minute_now();
    let shown = map_ids(&server, "open_now=true");
    let counted = world_count(&server, "open_now=true");
    let after = minute_now();
    let at_before = map_ids(&server, &format!("open_at={before}"));
    let at_after = map_ids(&server, &format!("open_at={after}"));
    assert!(
        shown == at_before || shown == at_after,
        "open_now shows {} places; {} were open at {before}, {} at {after}",
        shown.len(),
        at_before.len(),
        at_after.len()
    );
    assert!(counted == at_before.len() as u64 || counted == at_after.len() as u64);
}

#[test]
fn open_now_tiles_are_named_and_cached_for_no_longer_than_the_places_stay_open() {
    let server = bundled_server();
    let (_, plain, _) = server.get_bytes("/tiles/6/31/22.mvt", &[]);
    let (status, open, _) = server.get_bytes("/tiles/6/31/22.mvt?open_now=true", &[]);
    assert!(status == 200 || status == 204, "{status}");
    assert_ne!(
        open["etag"], plain["etag"],
        "a tile of open places is another tile"
    );
    assert_eq!(plain["cache-control"], "public, max-age=300");
    // The configured max-age, cut to when some place next opens or closes (at the latest,
    // midnight in Paris).
    let cache_control = open["cache-control"].to_str().unwrap();
    let max_age: u64 = cache_control
        .strip_prefix("public, max-age=")
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or_else(|| panic!("{cache_control}"));
    assert!(max_age <= 300, "{cache_control}");
    // A tile asked again with its ETag is not sent again while it holds.
    let etag = open["etag"].to_str().unwrap().to_owned();
    let (again, headers, _) = server.get_bytes(
        "/tiles/6/31/22.mvt?open_now=true",
        &[("If-None-Match", &etag)],
    );
    assert!(
        again == 304 || headers["etag"] != etag.as_str(),
        "the same ETag is not modified; a new one means the places open changed"
    );
    // Clusters of open places say how long they hold too; TileJSON keeps the filter.
    let (_, headers, _) = server.get_bytes("/clusters?zoom=3&open_now=true", &[]);
    assert!(headers["cache-control"]
        .to_str()
        .unwrap()
        .starts_with("no-cache, max-age="));
    let (_, tilejson) = server.get("/tiles.json?open_now=true");
    assert!(tilejson["tiles"][0]
        .as_str()
        .unwrap()
        .ends_with("?open_now=true"));
}

/// The counts `cluster_counts=VOCABULARY` gives a cluster: `VOCABULARY:VALUE` by value.
fn counts_in(
    properties: &serde_json::Value,
    vocabulary: &str,
) -> std::collections::BTreeMap<String, u64> {
    let prefix = format!("{vocabulary}:");
    properties
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(key, value)| {
            let value_name = key.strip_prefix(&prefix)?;
            Some((value_name.to_owned(), value.as_u64().expect("a count")))
        })
        .collect()
}

#[test]
fn cluster_counts_are_those_of_the_clusters_places_under_every_filter() {
    let server = bundled_server();
    let [west, south, east, north] = bundled_bounds();
    let mut checked = 0;
    for (vocabulary, filter) in [
        ("services", ""),
        ("typologie", "&departement=49"),
        ("services", "&frais_a_charge=Gratuit"),
    ] {
        // Each cluster's counts, from /clusters at every zoom, checked against its places.
        let mut counts_by_id = HashMap::new();
        for zoom in 0..=17 {
            let (status, collection) = server.get(&format!(
                "/clusters?zoom={zoom}&cluster_counts={vocabulary}{filter}"
            ));
            assert_eq!(status, 200, "{collection}");
            for feature in collection["features"].as_array().unwrap() {
                let properties = &feature["properties"];
                let Some(id) = properties["cluster_id"].as_u64() else {
                    assert!(
                        counts_in(properties, vocabulary).is_empty(),
                        "a place counts nothing"
                    );
                    continue;
                };
                let counts = counts_in(properties, vocabulary);
                if let Some(known) = counts_by_id.get(&id) {
                    assert_eq!(known, &counts, "cluster {id} carried to zoom {zoom}");
                    continue;
                }
                let (status, leaves) =
                    server.get(&format!("/clusters/{id}/leaves?limit=1000{filter}"));
                assert_eq!(status, 200, "{leaves}");
                let mut expected = std::collections::BTreeMap::new();
                for leaf in leaves["features"].as_array().unwrap() {
                    let values = leaf["properties"][vocabulary].as_str().unwrap_or("");
                    for value in values.split('|').filter(|v| !v.is_empty()) {
                        *expected.entry(value.to_owned()).or_insert(0) += 1;
                    }
                }
                assert_eq!(counts, expected, "cluster {id} at zoom {zoom}{filter}");
                counts_by_id.insert(id, counts);
                checked += 1;
            }
        }
        // Tiles carry the same counts, decoded by an independent reader.
        for z in 0..=9u8 {
            let (x0, y0, _, _) = locate(west, north, z);
            let (x1, y1, _, _) = locate(east, south, z);
            for x in x0..=x1 {
                for y in y0..=y1 {
                    let path =
                        format!("/tiles/{z}/{x}/{y}.mvt?cluster_counts={vocabulary}{filter}");
                    let (status, _, body) = server.get_bytes(&path, &[]);
                    if status == 204 {
                        continue;
                    }
                    assert_eq!(status, 200, "{path}");
                    for cluster in decode(body)
                        .2
                        .iter()
                        .filter(|f| f.properties.contains_key("cluster_id"))
                    {
                        let prefix = format!("{vocabulary}:");
                        let in_tile: std::collections::BTreeMap<String, u64> = cluster
                            .properties
                            .keys()
                            .filter_map(|key| {
                                Some((key.strip_prefix(&prefix)?.to_owned(), uint(cluster, key)))
                            })
                            .collect();
                        let id = uint(cluster, "cluster_id");
                        assert_eq!(Some(&in_tile), counts_by_id.get(&id), "{path}");
                    }
                }
            }
        }
    }
    assert!(checked > 300, "{checked} clusters checked");
}

#[test]
fn tilejson_lists_the_counts_and_wrong_vocabularies_are_refused() {
    let server = bundled_server();
    let (status, doc) = server.get("/tiles.json?cluster_counts=services&departement=49");
    assert_eq!(status, 200, "{doc}");
    let url = doc["tiles"][0].as_str().unwrap();
    assert!(
        url.ends_with("?cluster_counts=services&departement=49"),
        "{url}"
    );
    let fields = doc["vector_layers"][0]["fields"].as_object().unwrap();
    let counted: Vec<&String> = fields
        .keys()
        .filter(|k| k.starts_with("services:"))
        .collect();
    assert_eq!(
        counted.len(),
        9,
        "every service of the standard: {counted:?}"
    );
    assert!(fields.contains_key(&format!("services:{AIDE}")));
    assert!(fields.values().all(serde_json::Value::is_string));
    assert!(doc["vector_layers"][0]["description"]
        .as_str()
        .unwrap()
        .contains("services:VALUE"));
    // Without the parameter, no count is promised.
    let (_, plain) = server.get("/tiles.json");
    assert!(!plain["vector_layers"][0]["fields"]
        .as_object()
        .unwrap()
        .keys()
        .any(|k| k.contains(':')));

    for path in [
        "/tiles/5/15/11.mvt?cluster_counts=departement",
        "/tiles.json?cluster_counts=service",
        "/clusters?zoom=5&cluster_counts=",
    ] {
        let (status, body) = server.get(path);
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"], "invalid_parameter", "{path}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains("cluster_counts"),
            "{body}"
        );
    }
    // A cluster's places are places: the route takes no counts.
    let (status, body) = server.get("/clusters/1/leaves?cluster_counts=services");
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("cluster_counts"),
        "{body}"
    );
}

/// The keys of the place features (not clusters) of a decoded tile.
fn place_keys(features: &[DecodedFeature]) -> std::collections::BTreeSet<String> {
    features
        .iter()
        .filter(|f| !f.properties.contains_key("cluster"))
        .flat_map(|f| f.properties.keys().cloned())
        .collect()
}

#[test]
fn fields_choose_what_places_carry_in_tiles_tilejson_and_clusters() {
    let server = bundled_server();
    // A deep tile over Angers: places, no clusters.
    let (z, lon, lat) = (13, -0.5519, 47.4736);
    let (x, y, _, _) = locate(lon, lat, z);
    let path = |query: &str| format!("/tiles/{z}/{x}/{y}.mvt{query}");
    let (status, _, all) = server.get_bytes(&path(""), &[]);
    assert_eq!(status, 200);
    let every = place_keys(&decode(all.clone()).2);
    assert!(
        every.contains("services") && every.contains("horaires"),
        "{every:?}"
    );
    let set = |names: &[&str]| {
        names
            .iter()
            .map(|n| (*n).to_owned())
            .collect::<std::collections::BTreeSet<_>>()
    };
    for (query, expected) in [
        ("?fields=nom", set(&["id", "nom"])),
        ("?fields=", set(&["id"])),
        (
            "?fields=services,commune",
            set(&["id", "commune", "services"]),
        ),
        ("?fields=id,nom,id", set(&["id", "nom"])),
    ] {
        let (status, _, body) = server.get_bytes(&path(query), &[]);
        assert_eq!(status, 200, "{query}");
        assert!(
            body.len() < all.len(),
            "{query}: lighter than the full tile"
        );
        let (_, _, features) = decode(body);
        assert_eq!(
            features.len(),
            decode(all.clone()).2.len(),
            "{query}: the same places"
        );
        assert_eq!(place_keys(&features), expected, "{query}");
    }
    // Clusters keep their properties.
    let (status, _, world) = server.get_bytes("/tiles/0/0/0.mvt?fields=", &[]);
    assert_eq!(status, 200);
    let clusters = decode(world).2;
    assert!(clusters
        .iter()
        .any(|f| f.properties.contains_key("point_count")
            && f.properties.contains_key("expansion_zoom")));

    // TileJSON lists what the tiles carry, and keeps the parameter in the tile URL.
    let (status, doc) = server.get("/tiles.json?fields=nom,services");
    assert_eq!(status, 200, "{doc}");
    assert!(doc["tiles"][0]
        .as_str()
        .unwrap()
        .ends_with("?fields=nom,services"));
    let fields: std::collections::BTreeSet<String> = doc["vector_layers"][0]["fields"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let cluster_fields = set(&[
        "cluster",
        "cluster_id",
        "point_count",
        "point_count_abbreviated",
        "expansion_zoom",
    ]);
    let places: std::collections::BTreeSet<String> =
        fields.difference(&cluster_fields).cloned().collect();
    assert_eq!(places, set(&["id", "nom", "services"]));

    // GeoJSON clusters too.
    let (status, collection) = server.get("/clusters?zoom=17&fields=nom&departement=49");
    assert_eq!(status, 200);
    for feature in collection["features"].as_array().unwrap() {
        let keys: std::collections::BTreeSet<String> = feature["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, set(&["id", "nom"]), "{feature}");
    }

    for bad in [
        "?fields=nope",
        "?fields=nom,,services",
        "?fields=,",
        "?fields=nom&fields=id",
    ] {
        let (status, body) = server.get(&path(bad));
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains("fields"),
            "{bad}: {body}"
        );
    }
}

#[test]
fn cluster_by_keeps_each_cluster_to_one_value_and_counts_every_place_once() {
    let server = bundled_server();
    let total = bundled_places().len() as u64;
    for (vocabulary, filter) in [("typologie", ""), ("services", "&departement=49")] {
        let expected_total = if filter.is_empty() {
            total
        } else {
            let (_, all) = server.get(&format!("/clusters?zoom=17{filter}"));
            all["features"].as_array().unwrap().len() as u64
        };
        let mut clusters = 0;
        for zoom in 0..=16 {
            let query = format!("cluster_by={vocabulary}{filter}");
            let (status, collection) = server.get(&format!("/clusters?zoom={zoom}&{query}"));
            assert_eq!(status, 200, "{collection}");
            let features = collection["features"].as_array().unwrap();
            assert_eq!(
                places_counted(&collection),
                expected_total,
                "zoom {zoom}: every place once"
            );
            for feature in features {
                let Some(id) = feature["properties"]["cluster_id"].as_u64() else {
                    continue;
                };
                let (status, leaves) =
                    server.get(&format!("/clusters/{id}/leaves?limit=1000&{query}"));
                assert_eq!(status, 200, "{leaves}");
                // The group is the first value, in the standard's order, as lists are written.
                let groups: std::collections::BTreeSet<&str> = leaves["features"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|leaf| {
                        leaf["properties"][vocabulary]
                            .as_str()
                            .unwrap_or("")
                            .split('|')
                            .next()
                            .unwrap_or("")
                    })
                    .collect();
                assert_eq!(
                    groups.len(),
                    1,
                    "cluster {id} at zoom {zoom} mixes {groups:?}"
                );
                let (_, children) = server.get(&format!("/clusters/{id}/children?{query}"));
                let children_total = places_counted(&children);
                assert_eq!(
                    Some(children_total),
                    feature["properties"]["point_count"].as_u64()
                );
                clusters += 1;
            }
        }
        assert!(clusters > 50, "{clusters} clusters of {vocabulary}");
        // The world tile counts every place once too, and holds at least a cluster a value.
        let (status, _, body) = server.get_bytes(
            &format!("/tiles/0/0/0.mvt?cluster_by={vocabulary}{filter}"),
            &[],
        );
        assert_eq!(status, 200);
        let features = decode(body).2;
        assert_eq!(features.iter().map(count_of).sum::<u64>(), expected_total);
        let (_, _, plain_body) = server.get_bytes(
            &format!("/tiles/0/0/0.mvt?{}", &filter.trim_start_matches('&')),
            &[],
        );
        assert!(
            features.len() > decode(plain_body).2.len(),
            "more groups than without"
        );
    }
    let (status, body) = server.get("/clusters?zoom=3&cluster_by=departement");
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("cluster_by"));
}
