//! Temporary closures and notices through a real server: set by a contribution, honoured by
//! `open_now` and `open_at` on their days only, shown with the place, told by the change feed,
//! left out of the schema's exports, refused field by field when malformed.

use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::contributions::{first_place, json_post, start};
use crate::feed::Copy;
use crate::support::Server;

fn ids(server: &Server, query: &str) -> Vec<String> {
    let (status, found) = server.get(&format!("/search?limit=1000&{query}"));
    assert_eq!(status, 200, "{found}");
    crate::support::feature_ids(&found)
}

#[test]
fn a_temporary_closure_closes_the_place_on_its_days_only_and_a_notice_is_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let server = start(&state, tmp.path());
    let (id, _, _) = first_place(&server, "mediatheque");
    let (_, place) = server.get(&format!("/places/{id}"));
    let postal = place["properties"]["code_postal"]
        .as_str()
        .unwrap()
        .to_owned();
    // Days around today wherever the test runs: the closure covers today in Paris.
    let day = |offset: i64| (Utc::now().date_naive() + Duration::days(offset)).to_string();
    let (first, last) = (day(-1), day(2));
    let mut feed = Copy::default();
    feed.sync(&server, "");

    // Malformed, it is refused field by field, and nothing is kept.
    let (status, refused) = json_post(
        &server,
        "/contributions",
        &json!({
            "kind": "update", "place_id": id,
            "fields": { "fermeture_debut": day(5), "fermeture_fin": day(3), "avis_message": "Travaux" },
        }),
    );
    assert_eq!(status, 422, "{refused}");
    let wrong = &refused["fields"];
    assert!(
        wrong["fermeture_fin"]
            .as_str()
            .unwrap()
            .contains("before it starts"),
        "{refused}"
    );
    assert!(
        wrong["avis_fin"].as_str().unwrap().contains("last day"),
        "{refused}"
    );
    let (status, refused) = json_post(
        &server,
        "/contributions",
        &json!({ "kind": "closed", "place_id": id, "fields": { "fermeture_debut": first, "fermeture_fin": last } }),
    );
    assert_eq!(status, 422, "{refused}");

    // Open every hour, closed from yesterday to the day after tomorrow, with a notice.
    let (status, kept) = json_post(
        &server,
        "/contributions",
        &json!({
            "kind": "update", "place_id": id,
            "fields": {
                "horaires": "Mo-Su 00:00-24:00",
                "fermeture_debut": first, "fermeture_fin": last,
                "fermeture_motif": "Inventaire annuel",
                "avis_message": "Permanence déplacée à la mairie", "avis_fin": day(30),
            },
        }),
    );
    assert_eq!(status, 202, "{kept}");
    let contribution = kept["id"].as_u64().unwrap();
    let path = format!("/admin/contributions/{contribution}/accept");
    let (status, decided) = json_post(&server, &path, &json!({}));
    assert_eq!(status, 200, "{decided}");

    let (_, place) = server.get(&format!("/places/{id}"));
    let properties = &place["properties"];
    assert_eq!(properties["horaires"], "Mo-Su 00:00-24:00");
    assert_eq!(
        properties["open_now"], false,
        "closed today, whatever the hours say"
    );
    let notices = properties["avis"].as_array().unwrap();
    assert_eq!(
        notices[0],
        json!({ "type": "fermeture", "debut": first, "fin": last, "message": "Inventaire annuel" })
    );
    assert_eq!(notices[1]["type"], "avis");
    assert_eq!(notices[1]["message"], "Permanence déplacée à la mairie");
    assert_eq!(notices[1]["fin"], day(30));

    // open_at: out on the closure's days, in before and after them.
    let open_at = |offset: i64| {
        ids(
            &server,
            &format!("code_postal={postal}&open_at={}T10:00", day(offset)),
        )
    };
    assert!(!open_at(0).contains(&id));
    assert!(!open_at(2).contains(&id));
    assert!(open_at(-2).contains(&id), "the day before the closure");
    assert!(
        open_at(3).contains(&id),
        "the day after: the closure has expired"
    );
    // open_now leaves it out too.
    assert!(!ids(&server, &format!("code_postal={postal}&open_now=true")).contains(&id));
    // The map's clusters judge the closure as the search does (compared at fixed times: the
    // present may cross an opening between two requests).
    let on_map = |opening: &str| {
        let query = format!("code_postal={postal}&{opening}");
        let (status, body) = server.get(&format!("/clusters?zoom=17&{query}"));
        assert_eq!(status, 200, "{body}");
        let shown = crate::support::feature_ids(&body);
        if !opening.starts_with("open_now") {
            let mut searched = ids(&server, &query);
            let mut sorted = shown.clone();
            sorted.sort();
            searched.sort();
            assert_eq!(
                sorted, searched,
                "the map shows what the search finds: {query}"
            );
        }
        shown
    };
    assert!(!on_map(&format!("open_at={}T10:00", day(0))).contains(&id));
    assert!(on_map(&format!("open_at={}T10:00", day(-2))).contains(&id));
    assert!(!on_map("open_now=true").contains(&id));

    // The feed tells its consumers, with the extension among the fields that changed.
    let (_, page) = server.get(&format!("/changes?since={}", feed.cursor));
    assert_eq!(page["changes"].as_array().unwrap().len(), 1);
    let change = &page["changes"][0];
    assert_eq!(change["place_id"], id.as_str());
    assert_eq!(change["action"], "updated");
    assert_eq!(
        change["fields"],
        json!(["horaires", "source", "date_maj", "avis"])
    );
    assert_eq!(
        change["place"]["properties"]["avis"][0]["type"],
        "fermeture"
    );

    // The schema's exports stay the schema's: no column of the extension.
    let (status, _, csv) = server.get_bytes("/export.csv", &[]);
    assert_eq!(status, 200);
    let header = String::from_utf8_lossy(&csv)
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(header.split(',').count(), 32, "{header}");
    assert!(!header.contains("avis") && !header.contains("fermeture"));

    // Reverted, the closure and the notice are gone.
    let (status, _) = json_post(
        &server,
        &format!("/admin/contributions/{contribution}/revert"),
        &json!({ "reason": "erreur de saisie" }),
    );
    assert_eq!(status, 200);
    let (_, place) = server.get(&format!("/places/{id}"));
    assert_eq!(place["properties"].get("avis"), None::<&Value>);
}
