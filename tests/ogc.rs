//! OGC API – Features through a real server, read by clients we did not write: GDAL's OAPIF
//! driver (`ogrinfo`, `ogr2ogr`, Debian's gdal-bin) and Python's owslib (Debian's
//! python3-owslib), both installed by `tests/run.sh`. The conformance classes the server claims
//! are checked by assertions of their own: the landing page's links, the conformance
//! declaration, the collections, paging, `bbox` and a feature by id; and every malformed
//! parameter or filter is a 400 that names it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{bundled_server, feature_ids, Server};

/// Every place the server serves, by id, as `/search` exports them.
fn served(server: &Server, filters: &str) -> BTreeMap<String, Value> {
    let (status, body) = server.get(&format!("/search?format=geojson{filters}"));
    assert_eq!(status, 200, "{body}");
    body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap().to_owned(), f.clone()))
        .collect()
}

/// Runs a tool of gdal-bin; its standard output, and standard error.
fn gdal(tool: &str, args: &[&str], env: &[(&str, &str)]) -> (String, String) {
    let output = Command::new(tool)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| {
            panic!("{tool} runs (apt-get install gdal-bin; tests/run.sh does it): {e}")
        });
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{tool} {args:?} failed: {stderr}");
    (String::from_utf8_lossy(&output.stdout).into_owned(), stderr)
}

/// Runs `script` with Debian's Python (where python3-owslib installs) and reads its JSON.
fn python(script: &str, args: &[&str]) -> Value {
    let output = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "python3 failed (apt-get install python3-owslib; tests/run.sh does it): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The rows of the layer `lieux` of a GeoPackage, read with Python's sqlite3: each column by
/// name, the point decoded from the GeoPackage blob as `_x`, `_y`.
fn geopackage_rows(path: &Path) -> Vec<Value> {
    let script = r#"
import json, sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1])
cursor = db.execute("SELECT * FROM lieux")
names = [d[0] for d in cursor.description]
rows = []
for values in cursor:
    row = dict(zip(names, values))
    blob = row.pop("geom")
    flags = blob[3]
    envelope = [0, 32, 48, 48, 64][(flags >> 1) & 7]
    wkb = blob[8 + envelope:]
    order = "<" if wkb[0] == 1 else ">"
    row["_x"], row["_y"] = struct.unpack(order + "dd", wkb[5:21])
    rows.append(row)
print(json.dumps(rows))
"#;
    python(script, &[path.to_str().unwrap()])
        .as_array()
        .unwrap()
        .clone()
}

/// A GDAL StringList as the GeoPackage driver stores it: `(N:a,b,c)`.
fn string_list(labels: &[Value]) -> String {
    let joined: Vec<&str> = labels.iter().map(|l| l.as_str().unwrap()).collect();
    format!("({}:{})", joined.len(), joined.join(","))
}

#[test]
fn gdal_lists_the_layer_and_copies_every_place_into_a_geopackage() {
    let server = bundled_server();
    let url = format!("OAPIF:{}/ogc", server.base);
    let (info, _) = gdal("ogrinfo", &["-ro", "-so", &url, "lieux"], &[]);
    for field in [
        "id: String",
        "nom: String",
        "code_insee: String",
        "latitude: Real",
        "date_maj: Date",
        "services: StringList",
        "modalites_accompagnement: StringList",
        "prise_rdv: String",
    ] {
        assert!(info.contains(field), "{field} in {info}");
    }
    assert!(info.contains("Geometry: Point"), "{info}");

    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("lieux.gpkg");
    gdal(
        "ogr2ogr",
        &["-f", "GPKG", gpkg.to_str().unwrap(), &url, "lieux"],
        &[],
    );
    let rows = geopackage_rows(&gpkg);
    let places = served(&server, "");
    assert_eq!(rows.len(), places.len());
    assert_eq!(
        u64::try_from(places.len()).unwrap(),
        server.get("/search?limit=0").1["total"].as_u64().unwrap()
    );
    let mut ids = BTreeSet::new();
    for row in &rows {
        let id = row["id"].as_str().unwrap();
        assert!(ids.insert(id.to_owned()), "{id} twice");
        let place = &places[id];
        let [lon, lat] = [0, 1].map(|i| place["geometry"]["coordinates"][i].as_f64().unwrap());
        assert!((row["_x"].as_f64().unwrap() - lon).abs() < 1e-7, "{id}");
        assert!((row["_y"].as_f64().unwrap() - lat).abs() < 1e-7, "{id}");
        let properties = place["properties"].as_object().unwrap();
        // Every column but GDAL's own holds what the place holds; a column the place leaves
        // empty is NULL.
        for (name, value) in row.as_object().unwrap() {
            if ["fid", "_x", "_y"].contains(&name.as_str()) {
                continue;
            }
            // The record's freshness against the server's thresholds, which the collection
            // adds as `/places/{id}` does, and an export of the schema's fields does not.
            if name == "fraicheur" {
                assert!(
                    ["a_jour", "a_verifier", "ancienne"].contains(&value.as_str().unwrap()),
                    "{id}"
                );
                continue;
            }
            let expected = properties.get(name);
            match (expected, value) {
                (None, Value::Null) => {}
                (Some(Value::Array(labels)), Value::String(list)) if name != "avis" => {
                    if name == "autres_valeurs" {
                        let read: Value = serde_json::from_str(list).unwrap();
                        assert_eq!(&read, expected.unwrap(), "{id} {name}");
                    } else {
                        assert_eq!(list, &string_list(labels), "{id} {name}");
                    }
                }
                (Some(Value::Number(n)), Value::Number(m)) => {
                    assert!(
                        (n.as_f64().unwrap() - m.as_f64().unwrap()).abs() < 1e-7,
                        "{id} {name}"
                    );
                }
                (Some(Value::String(a)), Value::String(b)) => assert_eq!(a, b, "{id} {name}"),
                (Some(Value::Array(_)), Value::String(text)) => {
                    let read: Value = serde_json::from_str(text).unwrap();
                    assert_eq!(&read, expected.unwrap(), "{id} {name}");
                }
                (expected, value) => panic!("{id} {name}: {expected:?} served, {value} copied"),
            }
        }
        // And every property of the place has its column.
        for name in properties.keys() {
            assert!(row.get(name).is_some(), "{id}: no column {name}");
        }
    }
    assert_eq!(ids, places.keys().cloned().collect());
}

#[test]
fn a_gdal_where_is_evaluated_by_the_server_as_search_filters() {
    let server = bundled_server();
    let url = format!("OAPIF:{}/ogc", server.base);
    for (where_, filters) in [
        ("code_postal = '49100'", "&code_postal=49100"),
        (
            "code_postal = '49100' OR code_postal = '49000'",
            "&code_postal=49100|49000",
        ),
    ] {
        let (out, log) = gdal(
            "ogr2ogr",
            &[
                "-f",
                "GeoJSON",
                "/vsistdout/",
                &url,
                "lieux",
                "-where",
                where_,
            ],
            &[("CPL_DEBUG", "ON")],
        );
        // GDAL said the filter to the server (`filter=…&filter-lang=cql-text`) and kept what
        // the server answered, evaluating nothing itself.
        assert!(log.contains("filter-lang=cql-text"), "{log}");
        assert!(!log.contains("client side"), "{log}");
        let copied: Value = serde_json::from_str(&out).unwrap();
        let mut ids: Vec<String> = copied["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        let expected: Vec<String> = served(&server, filters).into_keys().collect();
        assert!(!expected.is_empty(), "{filters}");
        assert_eq!(ids, expected, "{where_}");
    }
    // A spatial filter goes to the server as `bbox`.
    let (out, log) = gdal(
        "ogr2ogr",
        &[
            "-f",
            "GeoJSON",
            "/vsistdout/",
            &url,
            "lieux",
            "-spat",
            "-0.6",
            "47.4",
            "-0.5",
            "47.5",
        ],
        &[("CPL_DEBUG", "ON")],
    );
    assert!(log.contains("bbox="), "{log}");
    let copied: Value = serde_json::from_str(&out).unwrap();
    let mut ids: Vec<String> = copied["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    let (_, page) = server.get("/ogc/collections/lieux/items?limit=1000&bbox=-0.6,47.4,-0.5,47.5");
    assert!(!ids.is_empty());
    assert_eq!(ids, feature_ids(&page));
}

#[test]
fn owslib_pages_through_the_collection_with_no_gap_and_no_double() {
    let server = bundled_server();
    let script = r#"
import json, sys
from urllib.parse import urlparse, parse_qs
from owslib.ogcapi.features import Features
api = Features(sys.argv[1])
collections = [c["id"] for c in api.collections()["collections"]]
collection = api.collection("lieux")
ids, pages, cursor = [], 0, None
while True:
    kwargs = {"limit": 50}
    if cursor:
        kwargs["cursor"] = cursor
    page = api.collection_items("lieux", **kwargs)
    pages += 1
    ids += [f["id"] for f in page["features"]]
    nexts = [l["href"] for l in page["links"] if l["rel"] == "next"]
    if not nexts:
        break
    cursor = parse_qs(urlparse(nexts[0]).query)["cursor"][0]
print(json.dumps({"collections": collections, "title": collection["title"],
                  "matched": page["numberMatched"], "ids": ids, "pages": pages,
                  "conformance": api.conformance()["conformsTo"]}))
"#;
    let read = python(script, &[&format!("{}/ogc", server.base)]);
    assert_eq!(read["collections"], serde_json::json!(["lieux"]));
    let ids: Vec<String> = serde_json::from_value(read["ids"].clone()).unwrap();
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no place twice");
    let places = served(&server, "");
    assert_eq!(
        unique.into_iter().cloned().collect::<Vec<_>>(),
        places.keys().cloned().collect::<Vec<_>>(),
        "every place"
    );
    assert_eq!(read["matched"].as_u64().unwrap() as usize, places.len());
    assert_eq!(
        read["pages"].as_u64().unwrap() as usize,
        places.len().div_ceil(50)
    );
    assert!(read["conformance"]
        .as_array()
        .unwrap()
        .contains(&Value::from(
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
        )));
}

/// The path and query of an absolute link of the server.
fn local<'a>(server: &Server, href: &'a str) -> &'a str {
    href.strip_prefix(server.base.as_str())
        .unwrap_or_else(|| panic!("{href} is a link of {}", server.base))
}

fn link<'a>(body: &'a Value, rel: &str) -> Option<&'a str> {
    body["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == rel)
        .map(|l| l["href"].as_str().unwrap())
}

#[test]
fn core_landing_page_conformance_and_collections() {
    let server = bundled_server();
    let (status, landing) = server.get("/ogc");
    assert_eq!(status, 200);
    // /req/core/root-success: links to the API definition, the conformance and the data.
    for rel in ["self", "service-desc", "service-doc", "conformance", "data"] {
        let href = link(&landing, rel).unwrap_or_else(|| panic!("{rel} in {landing}"));
        let (status, headers, _) = server.get_bytes(local(&server, href), &[]);
        assert_eq!(status, 200, "{rel} {href}");
        let media = headers["content-type"].to_str().unwrap();
        assert!(
            media.starts_with(if rel == "service-doc" {
                "text/html"
            } else {
                "application/json"
            }),
            "{rel}: {media}"
        );
    }
    // /ogc/api is the OpenAPI document of these routes, relative to /ogc.
    let (_, api) = server.get(local(&server, link(&landing, "service-desc").unwrap()));
    assert!(api["openapi"].as_str().unwrap().starts_with("3."));
    let paths = api["paths"].as_object().unwrap();
    for path in [
        "/",
        "/conformance",
        "/collections",
        "/collections/lieux/items",
        "/collections/lieux/items/{featureId}",
    ] {
        assert!(paths.contains_key(path), "{path}");
    }
    assert!(api["servers"][0]["url"].as_str().unwrap().ends_with("/ogc"));

    // /req/core/conformance-success: the classes claimed, which this file tests.
    let (status, conformance) = server.get("/ogc/conformance");
    assert_eq!(status, 200);
    let classes: Vec<&str> = conformance["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for class in ["core", "geojson", "html"] {
        assert!(classes.contains(
            &format!("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{class}").as_str()
        ));
    }
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter"));
    assert!(classes.contains(&"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text"));

    // /req/core/fc-md-success: one collection, its extent that of the data, links to items.
    let (status, collections) = server.get("/ogc/collections");
    assert_eq!(status, 200);
    assert!(link(&collections, "self").is_some());
    let collection = &collections["collections"][0];
    assert_eq!(collection["id"], "lieux");
    assert_eq!(collections["collections"].as_array().unwrap().len(), 1);
    let (status, alone) = server.get("/ogc/collections/lieux");
    assert_eq!(status, 200);
    assert_eq!(&alone, collection);
    let bbox: Vec<f64> = collection["extent"]["spatial"]["bbox"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let places = served(&server, "");
    let coordinates = |i: usize| {
        places
            .values()
            .map(move |p| p["geometry"]["coordinates"][i].as_f64().unwrap())
    };
    let fold = |i: usize, min: bool| {
        coordinates(i).fold(if min { f64::MAX } else { f64::MIN }, |a, b| {
            if min {
                a.min(b)
            } else {
                a.max(b)
            }
        })
    };
    let expected = [fold(0, true), fold(1, true), fold(0, false), fold(1, false)];
    for (got, want) in bbox.iter().zip(expected) {
        assert!((got - want).abs() < 1e-7, "{bbox:?} {expected:?}");
    }
    let items = link(collection, "items").unwrap();
    assert!(items.ends_with("/ogc/collections/lieux/items"));
    // Another collection is not found, as JSON.
    let (status, body) = server.get("/ogc/collections/autres");
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
}

#[test]
fn core_items_paging_bbox_and_a_feature_by_id() {
    let server = bundled_server();
    let places = served(&server, "");
    // /req/core/fc-limit-response, /req/core/fc-links: pages chained by next, back by prev.
    let mut path = "/ogc/collections/lieux/items?limit=100".to_owned();
    let mut pages: Vec<Vec<String>> = Vec::new();
    loop {
        let (status, headers, body) = server.get_bytes(&path, &[]);
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "application/geo+json");
        let page: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(page["type"], "FeatureCollection");
        assert_eq!(
            page["numberMatched"].as_u64().unwrap() as usize,
            places.len()
        );
        let ids = feature_ids(&page);
        assert_eq!(page["numberReturned"].as_u64().unwrap() as usize, ids.len());
        assert!(ids.len() <= 100);
        assert!(link(&page, "self").is_some());
        if let Some(prev) = link(&page, "prev") {
            let (_, previous) = server.get(local(&server, prev));
            assert_eq!(&feature_ids(&previous), pages.last().unwrap());
        } else {
            assert!(pages.is_empty());
        }
        pages.push(ids);
        match link(&page, "next") {
            Some(next) => path = local(&server, next).to_owned(),
            None => break,
        }
    }
    let ids: Vec<String> = pages.concat();
    assert_eq!(
        ids,
        places.keys().cloned().collect::<Vec<_>>(),
        "by id, once each"
    );

    // /req/core/fc-bbox-response: the places in the rectangle, those only.
    let bbox = [-0.6, 47.4, -0.5, 47.5];
    let (_, page) = server.get(&format!(
        "/ogc/collections/lieux/items?limit=1000&bbox={},{},{},{}",
        bbox[0], bbox[1], bbox[2], bbox[3]
    ));
    let inside: Vec<&String> = places
        .iter()
        .filter(|(_, p)| {
            let c = &p["geometry"]["coordinates"];
            let (x, y) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
            (bbox[0]..=bbox[2]).contains(&x) && (bbox[1]..=bbox[3]).contains(&y)
        })
        .map(|(id, _)| id)
        .collect();
    assert!(!inside.is_empty());
    assert_eq!(feature_ids(&page).iter().collect::<Vec<_>>(), inside);
    assert_eq!(
        page["numberMatched"].as_u64().unwrap() as usize,
        inside.len()
    );

    // /req/core/f-success: a feature by id, as /search serves it, with its links.
    let id = &ids[7];
    let (status, headers, body) =
        server.get_bytes(&format!("/ogc/collections/lieux/items/{id}"), &[]);
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/geo+json");
    let mut feature: Value = serde_json::from_slice(&body).unwrap();
    assert!(link(&feature, "collection").is_some());
    feature.as_object_mut().unwrap().remove("links");
    feature["properties"]
        .as_object_mut()
        .unwrap()
        .remove("fraicheur");
    assert_eq!(feature, places[id]);
    let (status, body) = server.get("/ogc/collections/lieux/items/nowhere");
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));

    // /req/html: every resource as HTML, by `f` or by `Accept`.
    for path in [
        "/ogc?f=html",
        "/ogc/conformance?f=html",
        "/ogc/collections?f=html",
        "/ogc/collections/lieux?f=html",
        "/ogc/collections/lieux/items?f=html&limit=5",
        &format!("/ogc/collections/lieux/items/{id}?f=html"),
    ] {
        let (status, headers, body) = server.get_bytes(path, &[]);
        assert_eq!(status, 200, "{path}");
        assert!(headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(String::from_utf8(body)
            .unwrap()
            .starts_with("<!doctype html>"));
    }
    let (_, headers, _) = server.get_bytes("/ogc", &[("Accept", "text/html")]);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
}

#[test]
fn queryables_filters_and_cql2_select_as_search_does() {
    let server = bundled_server();
    let items = |query: &str| {
        let (status, body) =
            server.get(&format!("/ogc/collections/lieux/items?limit=1000&{query}"));
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(
            body["numberMatched"].as_u64().unwrap() as usize,
            feature_ids(&body).len()
        );
        feature_ids(&body)
    };
    let search = |filters: &str| served(&server, filters).into_keys().collect::<Vec<_>>();
    let service = "Aide%20aux%20d%C3%A9marches%20administratives";
    let other = "Acc%C3%A8s%20internet%20et%20mat%C3%A9riel%20informatique";
    let expected = search(&format!("&services={service}"));
    assert!(!expected.is_empty());
    assert_eq!(items(&format!("services={service}")), expected);
    assert_eq!(
        items(&format!("filter=services%3D%27{service}%27")),
        expected
    );
    assert_eq!(
        items(&format!("filter=A_CONTAINS(services,(%27{service}%27))")),
        expected
    );
    assert_eq!(
        items(&format!(
            "filter=services%20IN%20(%27{service}%27,%27{other}%27)"
        )),
        search(&format!("&services={service}|{other}"))
    );
    // Both services: A_CONTAINS with both is the intersection of the two searches.
    let both: Vec<String> = {
        let a: BTreeSet<String> = search(&format!("&services={service}"))
            .into_iter()
            .collect();
        let b: BTreeSet<String> = search(&format!("&services={other}")).into_iter().collect();
        a.intersection(&b).cloned().collect()
    };
    assert_eq!(
        items(&format!(
            "filter=A_CONTAINS(services,(%27{service}%27,%27{other}%27))"
        )),
        both
    );
    assert_eq!(
        items("departement=49&filter=NOT%20(code_postal%20LIKE%20%2749%25%27)").len(),
        0
    );
    assert_eq!(
        items("filter=S_INTERSECTS(geometry,BBOX(-0.6,47.4,-0.5,47.5))"),
        items("bbox=-0.6,47.4,-0.5,47.5")
    );
    assert_eq!(
        items("filter=S_INTERSECTS(geometry,POLYGON((-0.6%2047.4,-0.5%2047.4,-0.5%2047.5,-0.6%2047.5,-0.6%2047.4)))"),
        items("bbox=-0.6,47.4,-0.5,47.5")
    );
    assert_eq!(
        items("filter=commune%3D%27Angers%27%20AND%20date_maj%20%3E%3D%20DATE(%272020-01-01%27)&filter-lang=cql2-text")
            .len(),
        items("filter=commune%3D%27Angers%27%20AND%20NOT%20date_maj%20%3C%20DATE(%272020-01-01%27)").len()
    );

    // Every other schema field is a query parameter too, as its CQL2 equality.
    assert_eq!(
        items("commune=Angers|Cholet"),
        items("filter=commune%20IN%20(%27Angers%27,%27Cholet%27)")
    );
    assert!(!items("commune=Angers").is_empty());
    assert_eq!(
        items("itinerance=Fixe"),
        items("filter=itinerance%3D%27Fixe%27")
    );
    let one = feature_ids(&server.get("/ogc/collections/lieux/items?limit=1").1);
    assert_eq!(items(&format!("id={}", one[0])), one);

    // `datetime` is the last update's day, or an interval of them.
    assert_eq!(
        items("datetime=2022-01-01/2022-12-31"),
        items("filter=date_maj%20BETWEEN%20DATE(%272022-01-01%27)%20AND%20DATE(%272022-12-31%27)")
    );
    // Places whose update date is unknown have no day to fall in.
    let (before, after) = (
        items("datetime=../2021-12-31").len(),
        items("datetime=2022-01-01/..").len(),
    );
    assert!(before > 0 && after > 0 && before + after <= served(&server, "").len());
    assert!(!items("datetime=2022-12-01").is_empty());

    // The queryables: every schema field, and the geometry.
    let (status, headers, body) = server.get_bytes("/ogc/collections/lieux/queryables", &[]);
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/schema+json");
    let queryables: Value = serde_json::from_slice(&body).unwrap();
    let properties = queryables["properties"].as_object().unwrap();
    assert_eq!(properties.len(), 33);
    assert_eq!(properties["services"]["type"], "array");

    // Every malformed parameter, syntax error and unsupported construct: a 400 naming it.
    for (query, named) in [
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("limit=100000", "limit"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("cursor=somewhere", "cursor"),
        ("latitude=north", "latitude: \"north\" is not a number"),
        (
            "itinerance=Volante",
            "itinerance: \"Volante\" is not a value of itinerance",
        ),
        ("datetime=2024-13-45", "datetime"),
        ("datetime=2024-06-01/2024-01-01", "ends before it starts"),
        ("services=Cuisine", "services"),
        ("f=xml", "f: \"xml\""),
        ("filter-lang=cql2-json&filter=x", "filter-lang"),
        ("filter-crs=EPSG:2154", "filter-crs"),
        ("sortby=nom", "unknown parameter \"sortby\""),
        ("filter=commune%20%3D", "syntax error"),
        ("filter=commune%20%3D%20%27Angers", "not closed"),
        (
            "filter=S_WITHIN(geometry,BBOX(0,0,1,1))",
            "S_WITHIN is not supported",
        ),
        ("filter=T_AFTER(date_maj,DATE(%272020-01-01%27))", "T_AFTER"),
        ("filter=latitude%2B1%3E2", "arithmetic"),
        ("filter=commune%3Dnom", "two properties"),
        (
            "filter=ville%3D%27Angers%27",
            "\"ville\" is not a queryable",
        ),
        ("filter=services%3D%27Cuisine%27", "not a value of services"),
        (
            "filter=S_INTERSECTS(geometry,LINESTRING(0%200,1%201))",
            "LINESTRING",
        ),
    ] {
        let (status, body) = server.get(&format!("/ogc/collections/lieux/items?{query}"));
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"], "invalid_parameter", "{query}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(named), "{query}: {message}");
    }
}

/// The ids of every page from `path` on, following `next`, each page fetched after `between`
/// has run with its number.
fn page_through(server: &Server, path: &str, mut between: impl FnMut(usize)) -> Vec<Value> {
    let mut path = path.to_owned();
    let mut features = Vec::new();
    for number in 0.. {
        between(number);
        let (status, page) = server.get(&path);
        assert_eq!(status, 200, "{page}");
        features.extend(page["features"].as_array().unwrap().iter().cloned());
        match link(&page, "next") {
            Some(next) => path = local(server, next).to_owned(),
            None => break,
        }
    }
    features
}

#[test]
fn the_collection_is_the_living_data_set_and_its_pages_survive_changes() {
    use crate::contributions::{json_post, start};
    use crate::feed::accept;
    use serde_json::json;
    let tmp = tempfile::tempdir().unwrap();
    let server = start(&tmp.path().join("state"), tmp.path());
    let before: Vec<String> = served(&server, "").into_keys().collect();
    let (renamed, closed) = (before[300].clone(), before[450].clone());
    // A client pages through the collection, 100 places a page, while moderators accept a
    // rename and a closure of places it has not reached, and a new place.
    let features = page_through(&server, "/ogc/collections/lieux/items?limit=100", |page| {
        if page == 1 {
            accept(
                &server,
                &json!({ "kind": "update", "place_id": renamed, "fields": { "nom": "Atelier Quasimodo" } }),
            );
            accept(
                &server,
                &json!({ "kind": "closed", "place_id": closed, "message": "Fermé." }),
            );
            accept(
                &server,
                &json!({
                    "kind": "new",
                    "fields": {
                        "nom": "Atelier numérique du Lac de Maine", "adresse": "1 place du Ralliement",
                        "commune": "Angers", "code_postal": "49000", "latitude": 47.46, "longitude": -0.58,
                    },
                }),
            );
        }
    });
    let ids: Vec<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no place twice");
    // Every place that stayed is there once; the closed one is not; the renamed one is there
    // under its new name: the pages are the living data set, in one order.
    for id in &before {
        assert_eq!(unique.contains(id.as_str()), *id != closed, "{id}");
    }
    let renamed_feature = features
        .iter()
        .find(|f| f["id"] == renamed.as_str())
        .unwrap();
    assert_eq!(renamed_feature["properties"]["nom"], "Atelier Quasimodo");
    // The new place is in the collection, by id and with a filter.
    let (_, found) = server.get(
        "/ogc/collections/lieux/items?filter=nom%20%3D%20%27Atelier%20num%C3%A9rique%20du%20Lac%20de%20Maine%27",
    );
    let new_ids = feature_ids(&found);
    assert_eq!(new_ids.len(), 1, "{found}");
    let (status, _) = server.get(&format!("/ogc/collections/lieux/items/{}", new_ids[0]));
    assert_eq!(status, 200);
    let (status, _) = server.get(&format!("/ogc/collections/lieux/items/{closed}"));
    assert_eq!(status, 404);
    assert_eq!(
        json_post(&server, "/admin/reload", &json!({})).0,
        200,
        "a reload keeps the accepted changes"
    );
    let after: Vec<String> =
        page_through(&server, "/ogc/collections/lieux/items?limit=1000", |_| {})
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect();
    assert_eq!(after, served(&server, "").into_keys().collect::<Vec<_>>());
    assert!(after.contains(&new_ids[0]) && !after.contains(&closed));
}
