//! Territory filters (`departement`, `epci`, `code_insee`) on every route that takes filters,
//! held to the gazetteer package itself: for every EPCI with bundled places, the places whose
//! commune the package lists among the EPCI's members, and no other, on `/search`, `/clusters`,
//! the tiles (decoded), `/export.csv` and the change feed. The package's `epci.json` and
//! `communes.json` are read here from `web/node_modules` (a dev dependency of the page), not
//! through the server's own tables. Most bundled places have no INSEE code: their commune is
//! the package's commune of their postal code and name (else of their name, alone in their
//! département), as the server documents it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::feed::Copy;
use crate::support::{bundled_server, csv_rows, csv_rows_of, feature_ids, repo, Server};
use crate::tiles::decode;

/// A file of the gazetteer package.
fn package_file(name: &str) -> serde_json::Value {
    let path = repo()
        .join("web/node_modules/@etalab/decoupage-administratif/data")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run npm ci in web/)", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// A commune's name as addresses are compared: lower case, no accents, words of letters,
/// `st` for `saint`, without numbers or `cedex`.
fn name_key(name: &str) -> String {
    let plain: String = name
        .to_lowercase()
        .replace('œ', "oe")
        .replace('æ', "ae")
        .chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ÿ' => 'y',
            'ç' => 'c',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .collect();
    plain
        .split(' ')
        .filter(|w| !(w.is_empty() || *w == "cedex" || w.bytes().all(|b| b.is_ascii_digit())))
        .map(|w| match w {
            "st" => "saint",
            "ste" => "sainte",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The INSEE code of each bundled place's commune, by id.
fn bundled_communes() -> HashMap<String, String> {
    let communes = package_file("communes.json");
    let communes = communes.as_array().unwrap();
    let postal_codes: HashMap<&str, Vec<&str>> = communes
        .iter()
        .filter(|c| c["type"] == "commune-actuelle")
        .map(|c| {
            let codes = c["codesPostaux"].as_array().map_or(Vec::new(), |codes| {
                codes.iter().map(|p| p.as_str().unwrap()).collect()
            });
            (c["code"].as_str().unwrap(), codes)
        })
        .collect();
    let mut by_postal_code: HashMap<(String, String), String> = HashMap::new();
    let mut by_departement: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
    for commune in communes {
        let code = match commune["type"].as_str().unwrap() {
            "commune-actuelle" => commune["code"].as_str().unwrap(),
            "commune-deleguee" | "commune-associee" => match commune["chefLieu"].as_str() {
                Some(chef) if postal_codes.contains_key(chef) => chef,
                _ => continue,
            },
            _ => continue,
        };
        let key = name_key(commune["nom"].as_str().unwrap());
        for postal in &postal_codes[code] {
            by_postal_code.insert(((*postal).to_owned(), key.clone()), code.to_owned());
            by_departement
                .entry((departement_of_postal(postal), key.clone()))
                .or_default()
                .insert(code.to_owned());
        }
    }
    csv_rows(&repo().join("data/lieux-pays-de-la-loire.csv"))
        .into_iter()
        .filter_map(|place| {
            let commune = if place["code_insee"].is_empty() {
                let key = name_key(&place["commune"]);
                let postal = &place["code_postal"];
                by_postal_code
                    .get(&(postal.clone(), key.clone()))
                    .cloned()
                    .or_else(|| {
                        let found = by_departement.get(&(departement_of_postal(postal), key))?;
                        (found.len() == 1).then(|| found.first().unwrap().clone())
                    })?
            } else {
                place["code_insee"].clone()
            };
            Some((place["id"].clone(), commune))
        })
        .collect()
}

/// The département of a postal code of metropolitan France (the bundled places' own).
fn departement_of_postal(postal: &str) -> String {
    postal.get(..2).unwrap_or("").to_owned()
}

/// The EPCI of each commune, as the gazetteer package lists its members.
fn epci_of_commune() -> HashMap<String, String> {
    let epcis = package_file("epci.json");
    let mut of = HashMap::new();
    for epci in epcis.as_array().unwrap() {
        let code = epci["code"].as_str().unwrap();
        for member in epci["membres"].as_array().unwrap() {
            of.insert(member["code"].as_str().unwrap().to_owned(), code.to_owned());
        }
    }
    of
}

/// The ids of the bundled places (from the CSV), by the EPCI of their commune.
fn bundled_by_epci() -> BTreeMap<String, BTreeSet<String>> {
    let of = epci_of_commune();
    let mut by_epci: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, commune) in bundled_communes() {
        if let Some(epci) = of.get(&commune) {
            by_epci.entry(epci.clone()).or_default().insert(id);
        }
    }
    by_epci
}

fn search_ids(server: &Server, query: &str) -> BTreeSet<String> {
    let (status, body) = server.get(&format!("/search?limit=1000&{query}"));
    assert_eq!(status, 200, "{query}: {body}");
    let ids: BTreeSet<String> = feature_ids(&body).into_iter().collect();
    assert_eq!(body["total"].as_u64().unwrap(), ids.len() as u64, "{query}");
    ids
}

/// The places of the map of `query` in clusters and alone at `zoom`, and the ids of those alone.
fn clustered(server: &Server, zoom: u8, query: &str) -> (u64, BTreeSet<String>) {
    let (status, body) = server.get(&format!("/clusters?zoom={zoom}&{query}"));
    assert_eq!(status, 200, "{query}: {body}");
    clusters_of(&body)
}

/// The places counted in the features of a `/clusters` answer, and the ids of those alone.
pub(crate) fn clusters_of(body: &serde_json::Value) -> (u64, BTreeSet<String>) {
    let mut count = 0;
    let mut alone = BTreeSet::new();
    for feature in body["features"].as_array().unwrap() {
        match feature["properties"]["point_count"].as_u64() {
            Some(n) => count += n,
            None => {
                count += 1;
                alone.insert(feature["id"].as_str().unwrap().to_owned());
            }
        }
    }
    (count, alone)
}

/// The places counted in the world tile of `query`, decoded.
pub(crate) fn tile_count(server: &Server, query: &str) -> u64 {
    let (status, _, body) = server.get_bytes(&format!("/tiles/0/0/0.mvt?{query}"), &[]);
    if status == 204 {
        return 0;
    }
    assert_eq!(status, 200, "{query}");
    let (_, _, features) = decode(body);
    features
        .iter()
        .map(|f| match f.properties.get("point_count") {
            Some(mvt_reader::feature::Value::UInt(n)) => *n,
            Some(mvt_reader::feature::Value::Int(n)) => u64::try_from(*n).unwrap(),
            Some(mvt_reader::feature::Value::SInt(n)) => u64::try_from(*n).unwrap(),
            None => 1,
            other => panic!("point_count is {other:?}"),
        })
        .sum()
}

fn export_ids(server: &Server, query: &str) -> BTreeSet<String> {
    let (status, headers, body) = server.get_bytes(&format!("/export.csv?{query}"), &[]);
    assert_eq!(status, 200, "{query}");
    let rows = csv_rows_of(csv::Reader::from_reader(body.as_slice()));
    assert_eq!(
        headers["x-total-count"].to_str().unwrap(),
        rows.len().to_string()
    );
    rows.into_iter().map(|row| row["id"].clone()).collect()
}

#[test]
fn every_place_of_an_epci_and_no_other_on_every_route() {
    let by_epci = bundled_by_epci();
    assert!(by_epci.len() > 20, "{} EPCIs with places", by_epci.len());
    let server = bundled_server();
    let mut seen = BTreeSet::new();
    for (epci, expected) in &by_epci {
        let query = format!("epci={epci}");
        assert_eq!(&search_ids(&server, &query), expected, "/search?{query}");
        let (count, _) = clustered(&server, 0, &query);
        assert_eq!(count, expected.len() as u64, "/clusters?zoom=0&{query}");
        // Past the clustering's deepest zoom, every place stands alone.
        let (count, alone) = clustered(&server, 17, &query);
        assert_eq!(
            (count, &alone),
            (expected.len() as u64, expected),
            "{query}"
        );
        assert_eq!(
            tile_count(&server, &query),
            expected.len() as u64,
            "{query}"
        );
        assert_eq!(
            &export_ids(&server, &query),
            expected,
            "/export.csv?{query}"
        );
        let mut copy = Copy::default();
        copy.sync(&server, &format!("&{query}"));
        let fed: BTreeSet<String> = copy.places.keys().cloned().collect();
        assert_eq!(&fed, expected, "/changes?{query}");
        seen.extend(expected.iter().cloned());
    }
    // Two EPCIs at once: either's places.
    let mut two = by_epci.iter().take(2);
    let (a, a_ids) = two.next().unwrap();
    let (b, b_ids) = two.next().unwrap();
    let both: BTreeSet<String> = a_ids.union(b_ids).cloned().collect();
    assert_eq!(search_ids(&server, &format!("epci={a}|{b}")), both);
    // The places of no EPCI (a commune the package does not list, or none) are in no answer.
    let (_, all) = server.get("/search?limit=1000");
    let outside = all["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !seen.contains(f["id"].as_str().unwrap()))
        .count();
    assert_eq!(
        seen.len() + outside,
        all["total"].as_u64().unwrap() as usize
    );
}

#[test]
fn territory_filters_combine_with_each_other_and_the_other_filters() {
    let by_epci = bundled_by_epci();
    let angers_loire = "244900015";
    let angers = &by_epci[angers_loire];
    let server = bundled_server();
    let communes = bundled_communes();
    let of_commune = |code: &str| -> BTreeSet<String> {
        communes
            .iter()
            .filter(|(_, commune)| *commune == code)
            .map(|(id, _)| id.clone())
            .collect()
    };
    // A commune of the EPCI and the EPCI: the commune's places.
    let in_angers = of_commune("49007");
    assert!(!in_angers.is_empty() && in_angers.is_subset(angers));
    let query = format!("epci={angers_loire}&code_insee=49007");
    assert_eq!(search_ids(&server, &query), in_angers);
    assert_eq!(export_ids(&server, &query), in_angers);
    assert_eq!(tile_count(&server, &query), in_angers.len() as u64);
    // A commune outside it: nothing.
    let outside = format!("epci={angers_loire}&code_insee=44109");
    assert!(search_ids(&server, &outside).is_empty());
    assert_eq!(tile_count(&server, &outside), 0);
    // The département of the EPCI keeps it whole; another keeps nothing.
    let query = format!("epci={angers_loire}&departement=49");
    assert_eq!(&search_ids(&server, &query), angers);
    assert_eq!(clustered(&server, 0, &query).0, angers.len() as u64);
    assert!(search_ids(&server, &format!("epci={angers_loire}&departement=44")).is_empty());
    // A département on the export, and on tiles, as on search.
    let in_53 = search_ids(&server, "departement=53");
    assert!(!in_53.is_empty());
    assert_eq!(export_ids(&server, "departement=53"), in_53);
    assert_eq!(tile_count(&server, "departement=53"), in_53.len() as u64);
    assert_eq!(export_ids(&server, "code_insee=49007"), in_angers);
    // A well-formed code of no EPCI keeps no place, as a code of no commune does.
    assert!(search_ids(&server, "epci=999999999").is_empty());
}

#[test]
fn bad_territory_codes_are_400_naming_the_parameter_on_every_route() {
    let server = bundled_server();
    for route in [
        "/search?",
        "/tiles/0/0/0.mvt?",
        "/tiles.json?",
        "/clusters?zoom=0&",
        "/export.csv?",
        "/changes?",
        "/changes.atom?",
        "/nearest?lat=47.47&lon=-0.55&",
    ] {
        for (parameter, value) in [
            ("epci", "24490001"),
            ("epci", "Angers"),
            ("code_insee", "4900"),
            ("departement", "4"),
        ] {
            let path = format!("{route}{parameter}={value}");
            let (status, body) = server.get(&path);
            assert_eq!(status, 400, "{path}: {body}");
            assert_eq!(body["error"], "invalid_parameter", "{path}");
            let message = body["message"].as_str().unwrap();
            assert!(
                message.starts_with(&format!("{parameter}:")),
                "{path}: {message}"
            );
        }
    }
}

#[test]
fn suggestions_offer_an_epci_with_its_code_and_its_places() {
    let by_epci = bundled_by_epci();
    let server = bundled_server();
    let (status, body) = server.get("/suggest?q=Angers%20Loire");
    assert_eq!(status, 200);
    let epci = body["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == "epci")
        .unwrap_or_else(|| panic!("no EPCI among {body}"));
    assert_eq!(epci["code"], "244900015");
    assert!(
        epci["label"]
            .as_str()
            .unwrap()
            .contains("Angers Loire Métropole"),
        "{epci}"
    );
    assert_eq!(
        epci["count"].as_u64().unwrap(),
        by_epci["244900015"].len() as u64
    );
    let [w, s, e, n] = [0, 1, 2, 3].map(|i| epci["bbox"][i].as_f64().unwrap());
    let [lon, lat] = [0, 1].map(|i| epci["coordinates"][i].as_f64().unwrap());
    assert!(w <= lon && lon <= e && s <= lat && lat <= n, "{epci}");
}
