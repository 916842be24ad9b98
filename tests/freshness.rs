//! Freshness through a real server: each place's `fraicheur` from its `date_maj` and the
//! server's thresholds, as a facet, a filter of search and of maps; the update campaign's export
//! with signed links, a place confirming its record through its link, and a forged link refused.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};

use crate::support::{csv_rows_of, token_file, Server};

const TOKEN: &str = "moderation-token-of-the-tests";

/// Every place of the bundled data with its `date_maj`.
fn dates(server: &Server) -> BTreeMap<String, NaiveDate> {
    let (status, all) = server.get("/search?limit=1000");
    assert_eq!(status, 200);
    all["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let date = f["properties"]["date_maj"].as_str().unwrap();
            (
                f["id"].as_str().unwrap().to_owned(),
                NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
            )
        })
        .collect()
}

/// A threshold near the `share` of the places' ages that no place's age is within a day of, so
/// that the server (on Paris's day) and this test (on UTC's) classify alike.
fn threshold(ages: &[i64], share: f64) -> i64 {
    let mut sorted = ages.to_vec();
    sorted.sort_unstable();
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let mut days = sorted[(sorted.len() as f64 * share) as usize];
    while ages.iter().any(|age| (age - days).abs() <= 1) {
        days += 1;
    }
    days
}

#[test]
fn freshness_is_a_facet_and_a_filter_of_search_and_maps_and_a_campaign_confirms_a_place() {
    let tmp = tempfile::tempdir().unwrap();
    let bundled = Server::start(&[]);
    let today = Utc::now().date_naive();
    let dates = dates(&bundled);
    drop(bundled);
    let ages: Vec<i64> = dates.values().map(|d| (today - *d).num_days()).collect();
    let (fresh, stale) = (threshold(&ages, 0.3), threshold(&ages, 0.7));
    assert!(fresh < stale);
    let expected = |date: &NaiveDate| {
        let age = (today - *date).num_days();
        if age <= fresh {
            "a_jour"
        } else if age <= stale {
            "a_verifier"
        } else {
            "ancienne"
        }
    };
    let token = token_file(tmp.path(), TOKEN);
    let state = tmp.path().join("state");
    let server = Server::start(&[
        &"--state-dir",
        &state,
        &"--admin-token-file",
        &token,
        &"--fresh-days",
        &fresh.to_string(),
        &"--stale-days",
        &stale.to_string(),
    ]);

    // The facet counts each class; the filter keeps exactly its places, in search and in maps.
    let (_, all) = server.get("/search?limit=1");
    let facet = &all["facets"]["fraicheur"];
    for class in ["a_jour", "a_verifier", "ancienne"] {
        let ids: Vec<&String> = dates
            .iter()
            .filter(|(_, d)| expected(d) == class)
            .map(|(id, _)| id)
            .collect();
        assert!(!ids.is_empty(), "{class}");
        assert_eq!(facet[class], ids.len(), "{class}: {facet}");
        let (status, found) = server.get(&format!("/search?limit=1000&fraicheur={class}"));
        assert_eq!(status, 200);
        let mut found: Vec<String> = found["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                assert_eq!(f["properties"]["fraicheur"], class);
                f["id"].as_str().unwrap().to_owned()
            })
            .collect();
        found.sort();
        assert_eq!(found.iter().collect::<Vec<_>>(), ids, "{class}");
        let (status, clusters) = server.get(&format!(
            "/clusters?bbox=-5,43,3,50&zoom=0&fraicheur={class}"
        ));
        assert_eq!(status, 200);
        let drawn: u64 = clusters["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["point_count"].as_u64().unwrap_or(1))
            .sum();
        assert_eq!(drawn, ids.len() as u64, "{class} on the map");
    }
    assert_eq!(server.get("/search?fraicheur=vieille").0, 400);

    // The campaign: the places to check, each with its links.
    let bearer = format!("Bearer {TOKEN}");
    let (status, headers, csv) =
        server.get_bytes("/admin/campaign.csv", &[("Authorization", &bearer)]);
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert_eq!(server.get_bytes("/admin/campaign.csv", &[]).0, 401);
    let rows = csv_rows_of(csv::Reader::from_reader(csv.as_slice()));
    let to_check = dates.values().filter(|d| expected(d) != "a_jour").count();
    assert_eq!(rows.len(), to_check);
    assert!(rows.iter().all(|r| r["fraicheur"] != "a_jour"));
    let row = rows
        .iter()
        .find(|r| !r["courriels"].is_empty())
        .expect("a place to check with an e-mail");
    let id = row["id"].clone();
    let link = row["lien_confirmation"]
        .strip_prefix(&server.base)
        .unwrap()
        .to_owned();
    assert!(row["lien_correction"].ends_with(&format!("/?lieu={id}&corriger=1")));

    // A forged or altered link is refused, and changes nothing.
    let forged = format!("{}0", &link[..link.len() - 1]);
    let forged = if forged == link {
        format!("{}1", &link[..link.len() - 1])
    } else {
        forged
    };
    let (status, _, _) = server.raw("POST", &forged);
    assert_eq!(status, 403);
    let other = link.replace(&format!("/confirmer/{id}?"), "/confirmer/autre-lieu?");
    assert_eq!(server.raw("GET", &other).0, 403);

    // The link opens the place's page, which changes nothing; its button confirms.
    let (status, _, page) = server.raw("GET", &link);
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("Rien n'a changé : je confirme"), "{page}");
    assert!(page.contains("method=\"post\""));
    let (_, place) = server.get(&format!("/places/{id}"));
    assert_eq!(place["properties"]["date_maj"], dates[&id].to_string());
    let (status, _, thanks) = server.raw("POST", &link);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&thanks));
    let (_, place) = server.get(&format!("/places/{id}"));
    let confirmed = place["properties"]["date_maj"].as_str().unwrap().to_owned();
    let confirmed = NaiveDate::parse_from_str(&confirmed, "%Y-%m-%d").unwrap();
    assert!((confirmed - today).num_days().abs() <= 1, "{confirmed}");
    assert_eq!(place["properties"]["fraicheur"], "a_jour");
    // In the log like any change, accepted.
    assert_eq!(events(&server, &id, &bearer), ["submitted", "accepted"]);
    // Confirming again the same day adds nothing.
    assert_eq!(server.raw("POST", &link).0, 200);
    assert_eq!(events(&server, &id, &bearer).len(), 2);
}

/// The actions of the place's history.
fn events(server: &Server, id: &str, bearer: &str) -> Vec<String> {
    let (status, _, history) = server.get_bytes(
        &format!("/admin/places/{id}/history"),
        &[("Authorization", bearer)],
    );
    assert_eq!(status, 200);
    let history: serde_json::Value = serde_json::from_slice(&history).unwrap();
    history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}
