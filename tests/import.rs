//! `lieux import` on the real sources: detection, mapping, validation and the report.

use std::path::Path;

use crate::support::{csv_rows, lieux, lieux_ok, raw, report_lines};

/// Imports `inputs` without merging and returns the rows and the report.
fn import(
    dir: &Path,
    inputs: &[&Path],
    extra: &[&str],
) -> (
    Vec<std::collections::HashMap<String, String>>,
    Vec<serde_json::Value>,
) {
    let out = dir.join("out.csv");
    let report = dir.join("report.jsonl");
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"import"];
    for input in inputs {
        args.push(input);
    }
    args.extend([
        &"--out" as &dyn AsRef<std::ffi::OsStr>,
        &out,
        &"--report",
        &report,
    ]);
    for e in extra {
        args.push(e);
    }
    lieux_ok(&args);
    (csv_rows(&out), report_lines(&report))
}

fn rejected(report: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    report
        .iter()
        .filter(|e| e["severity"] == "rejected")
        .collect()
}

fn row<'a>(
    rows: &'a [std::collections::HashMap<String, String>],
    id: &str,
) -> &'a std::collections::HashMap<String, String> {
    rows.iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no row with id {id}"))
}

#[test]
fn france_services_hours_become_opening_hours_and_missing_coordinates_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, report) = import(
        dir.path(),
        &[&raw("france-services_liste-fs-20221201.csv")],
        &["--no-merge"],
    );
    assert_eq!(rows.len(), 2653);
    let rejected = rejected(&report);
    assert_eq!(rejected.len(), 30, "30 rows have no latitude/longitude");
    assert!(rejected
        .iter()
        .all(|e| e["row"].as_u64().unwrap() > 0 && e["field"] == "latitude"));
    assert!(rejected.iter().all(|e| e["line"].as_u64().is_some()));

    let valserhone = row(&rows, "france-services-1");
    assert_eq!(valserhone["nom"], "France services de Valserhône");
    assert_eq!(
        valserhone["horaires"],
        "Mo-Th 09:00-12:00,13:30-17:00; Fr 09:00-12:00,13:30-16:00"
    );
    assert_eq!(valserhone["telephone"], "+33450568749");
    assert_eq!(valserhone["typologie"], "RFS");
    assert_eq!(
        valserhone["dispositif_programmes_nationaux"],
        "France Services"
    );
    assert!(valserhone["services"].contains("Aide aux démarches administratives"));

    // Day texts that cannot be read are reported with their day and text, never dropped.
    let unparsed: Vec<_> = report
        .iter()
        .filter(|e| {
            e["field"] == "horaires"
                && e["reason"] == "hours not in a recognised form: kept as text"
        })
        .collect();
    assert!(!unparsed.is_empty());
    let days = ["Mo: ", "Tu: ", "We: ", "Th: ", "Fr: ", "Sa: "];
    assert!(unparsed.iter().all(|e| days
        .iter()
        .any(|d| e["value"].as_str().unwrap().starts_with(d))));
}

#[test]
fn legacy_conseillers_numeriques_vocabulary_maps_onto_v1() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, report) = import(
        dir.path(),
        &[&raw("cnfs_lieux-conseillers-numeriques_2022-12-02.json")],
        &["--no-merge"],
    );
    assert_eq!(rows.len() + rejected(&report).len(), 4930);
    let first = row(&rows, "conseillers-numeriques-62592a1d05457b0790816e6c");
    // v0.1 "Prendre en main un smartphone ou une tablette" and "… un ordinateur".
    assert!(
        first["services"].contains("Maîtrise des outils numériques du quotidien"),
        "{first:?}"
    );
    assert_eq!(first["frais_a_charge"], "Gratuit");
    assert_eq!(
        first["dispositif_programmes_nationaux"],
        "Conseillers numériques"
    );
    assert_eq!(first["pivot"], "77556026100015");
    // No v0.1 value is left outside the v1 vocabularies.
    assert!(!report
        .iter()
        .any(|e| e["reason"].as_str().unwrap().contains("vocabulary")));
}

#[test]
fn maine_et_loire_lambert_93_is_projected_to_wgs84_within_a_metre() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, _) = import(
        dir.path(),
        &[&raw("maine-et-loire_lieux-mediation-numerique.json")],
        &["--no-merge"],
    );
    assert_eq!(rows.len(), 243);
    // Reference values computed with PROJ (pyproj, EPSG:2154 -> EPSG:4326).
    for (id, lon, lat) in [
        ("maine-et-loire-LMN008", 0.024_660_205_8, 47.294_016_025_1),
        ("maine-et-loire-LMN112", -0.397_234_0, 47.456_448_0),
    ] {
        let r = row(&rows, id);
        let got_lon: f64 = r["longitude"].parse().unwrap();
        let got_lat: f64 = r["latitude"].parse().unwrap();
        let metres = lieux_index::geo::haversine_m(lon, lat, got_lon, got_lat);
        assert!(metres < 1.0, "{id} is {metres} m off");
    }
    assert_eq!(row(&rows, "maine-et-loire-LMN008")["code_postal"], "49650");
}

#[test]
fn angers_guide_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, report) = import(
        dir.path(),
        &[&raw("angers_guide-services-numeriques.json")],
        &["--no-merge"],
    );
    assert_eq!(rows.len(), 63);
    assert!(rejected(&report).is_empty());
    assert!(rows
        .iter()
        .all(|r| r["commune"] == "Angers" && !r["services"].is_empty()));

    // The hours are only in the description: read from there, and the report says so.
    assert_eq!(
        row(&rows, "angers-1")["horaires"],
        "Mo-Fr 09:00-12:00,14:00-17:00"
    );
    let from_description = report
        .iter()
        .filter(|e| {
            e["field"] == "horaires"
                && e["reason"]
                    .as_str()
                    .unwrap()
                    .starts_with("hours read from presentation_detail")
        })
        .count();
    let with_hours = rows.iter().filter(|r| !r["horaires"].is_empty()).count();
    assert_eq!(from_description, with_hours);
    assert!(with_hours > 40, "{with_hours} of 59 hours texts read");
    // What is not read stays in the description, and is reported.
    let swapped = report
        .iter()
        .find(|e| e["value"] == "Ligne Irigo N° 6, 11 - arrêt les Deniers")
        .expect("the swapped hours and transports are reported");
    assert_eq!(swapped["field"], "horaires");
}

#[test]
fn unreadable_or_missing_dates_are_stand_ins_marked_unknown_never_the_import_day() {
    let dir = tempfile::tempdir().unwrap();
    // Maine-et-Loire states no extraction date, but its latest record is of 2023-01-09: its
    // mapping's `extracted_on` stands in for its 8 missing dates.
    let source = raw("maine-et-loire_lieux-mediation-numerique.json");
    let (rows, report) = import(dir.path(), &[&source], &["--no-merge"]);
    let stand_ins: Vec<_> = report.iter().filter(|e| e["field"] == "date_maj").collect();
    assert_eq!(stand_ins.len(), 8, "8 rows have no DAT_MaJ");
    for entry in &stand_ins {
        assert_eq!(
            entry["reason"],
            "missing required field: set to the source's extraction date \
             ([source].extracted_on), 2023-01-09, and marked unknown"
        );
    }
    assert_eq!(
        row(&rows, "maine-et-loire-LMN023")["date_maj"],
        "2023-01-09"
    );
    // A mapping without an extraction date: the file's modification date stands in.
    let source = dir.path().join("sans-date.csv");
    std::fs::write(
        &source,
        format!(
            "{SCHEMA_HEADER}\n\
             s1,,Médiathèque sans date,Angers,49000,1 rue A,47.47000,-0.55000,Accès internet et matériel informatique,\n"
        ),
    )
    .unwrap();
    let (rows, report) = import(dir.path(), &[&source], &["--no-merge"]);
    let modified: chrono::DateTime<chrono::Local> = std::fs::metadata(&source)
        .unwrap()
        .modified()
        .unwrap()
        .into();
    let file_day = modified.date_naive().to_string();
    assert!(report.iter().any(|e| e["field"] == "date_maj"
        && e["reason"]
            == format!(
                "missing required field: set to the file's modification date, {file_day}, \
                 and marked unknown"
            )));
    assert_eq!(row(&rows, "s1")["date_maj"], file_day);
    // France Services has no date per site: its extraction date stands in.
    let (rows, report) = import(
        dir.path(),
        &[&raw("france-services_liste-fs-20221201.csv")],
        &["--no-merge"],
    );
    assert!(rows.iter().all(|r| r["date_maj"] == "2022-12-01"));
    assert!(report.iter().any(|e| e["field"] == "date_maj"
        && e["reason"]
            == "missing required field: set to the source's extraction date \
                ([source].extracted_on), 2022-12-01, and marked unknown"));
    assert!(!report
        .iter()
        .any(|e| e["reason"].as_str().unwrap().contains("import date")));
}

#[test]
fn merging_sources_keeps_every_provenance_and_reports_the_merge() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, report) = import(
        dir.path(),
        &[
            &raw("france-services_liste-fs-20221201.csv"),
            &raw("maine-et-loire_lieux-mediation-numerique.json"),
        ],
        &["--departements", "49"],
    );
    let merges: Vec<_> = report.iter().filter(|e| e["kind"] == "merge").collect();
    assert!(!merges.is_empty());
    assert!(
        merges
            .iter()
            .any(|m| m["sources"].as_array().unwrap().len() == 2),
        "a France Services site listed by the département too is one place"
    );
    for merge in &merges {
        let kept = row(&rows, merge["kept"].as_str().unwrap());
        let sources: Vec<&str> = merge["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(kept["source"].split('|').collect::<Vec<_>>(), sources);
        assert!(merge["distance_m"].as_f64().unwrap() <= 100.0);
        for merged in merge["merged"].as_array().unwrap() {
            assert!(!rows.iter().any(|r| r["id"] == merged.as_str().unwrap()));
        }
    }
}

const SCHEMA_HEADER: &str =
    "id,pivot,nom,commune,code_postal,adresse,latitude,longitude,services,date_maj";

#[test]
fn near_places_merge_only_when_their_names_are_alike() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    std::fs::write(
        &a,
        format!(
            "{SCHEMA_HEADER}\n\
             a1,,Médiathèque Jean Carmet,Angers,49000,1 rue A,47.47000,-0.55000,Accès internet et matériel informatique,2024-01-02\n\
             a2,,Centre social Jacques Tati,Angers,49000,2 rue A,47.47010,-0.55010,Aide aux démarches administratives,2024-01-02\n"
        ),
    )
    .unwrap();
    std::fs::write(
        &b,
        format!(
            "{SCHEMA_HEADER}\n\
             b1,,MEDIATHEQUE JEAN-CARMET,Angers,49000,1 rue A,47.47020,-0.55020,Loisirs et créations numériques,2023-05-06\n\
             b2,,Médiathèque Jean Carmet,Nantes,44000,1 rue B,47.21800,-1.55300,Loisirs et créations numériques,2023-05-06\n"
        ),
    )
    .unwrap();
    let (rows, report) = import(dir.path(), &[&a, &b], &[]);
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str()).collect();
    assert_eq!(
        ids,
        ["a1", "a2", "b2"],
        "b1 merges into a1; a2 (other name) and b2 (far) stay"
    );
    let a1 = row(&rows, "a1");
    assert_eq!(
        a1["services"],
        "Loisirs et créations numériques|Accès internet et matériel informatique"
    );
    let merge = report.iter().find(|e| e["kind"] == "merge").unwrap();
    assert_eq!(merge["kept"], "a1");
    assert_eq!(merge["merged"], serde_json::json!(["b1"]));
}

#[test]
fn a_new_source_needs_only_a_mapping_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("datami.csv");
    std::fs::write(
        &data,
        "Nom;Ville;CP;Adresse;Lat;Lon;Accompagnements;Mis à jour\n\
         Espace numérique du Lude;Le Lude;72800;Place F. de Nicolay;47,6461;0,1566;Démarches en ligne, Initiation;15/03/2024\n\
         Tiers-lieu La Fabrique;Sablé-sur-Sarthe;72300;3 rue Carnot;47,8390;-0,3330;Fablab;01/02/2024\n\
         Sans position;Le Mans;72000;1 rue X;;;Initiation;01/02/2024\n",
    )
    .unwrap();
    let mapping = dir.path().join("datami.toml");
    std::fs::write(
        &mapping,
        r#"
[source]
name = "datami-72"
label = "Hub numérique Sarthe"
format = "csv"
delimiter = ";"
decimal_comma = true
date_formats = ["%d/%m/%Y"]

[coordinates]
x = "Lon"
y = "Lat"

[fields]
id = { template = "datami-{CP}-{Nom}" }
nom = "Nom"
commune = "Ville"
code_postal = "CP"
adresse = "Adresse"
date_maj = "Mis à jour"

[fields.services]
column = "Accompagnements"
split = ","

[fields.services.values]
"Démarches en ligne" = "Aide aux démarches administratives"
"Initiation" = "Maîtrise des outils numériques du quotidien"
"#,
    )
    .unwrap();
    let mapping_arg = mapping.display().to_string();
    let (rows, report) = import(
        dir.path(),
        &[&data],
        &["--mapping", &mapping_arg, "--no-merge"],
    );
    assert_eq!(rows.len(), 2);
    let lude = &rows[0];
    assert_eq!(
        lude["services"],
        "Aide aux démarches administratives|Maîtrise des outils numériques du quotidien"
    );
    assert_eq!(lude["latitude"], "47.6461");
    assert_eq!(lude["date_maj"], "2024-03-15");
    assert_eq!(lude["source"], "Hub numérique Sarthe");
    // "Fablab" is no service label: reported, kept aside, the place kept.
    let fablab = report
        .iter()
        .find(|e| e["value"] == "Fablab")
        .expect("reported");
    assert_eq!(fablab["field"], "services");
    assert_eq!(fablab["row"], 2);
    assert_eq!(fablab["severity"], "warning");
    let no_position = rejected(&report);
    assert_eq!(no_position.len(), 1);
    assert_eq!(no_position[0]["row"], 3);
}

#[test]
fn geojson_with_schema_properties_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lieux.geojson");
    std::fs::write(
        &data,
        r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","geometry":{"type":"Point","coordinates":[-1.5534,47.2184]},
           "properties":{"id":"g1","nom":"Médiathèque Jacques Demy","commune":"Nantes","code_postal":"44000",
             "adresse":"24 quai de la Fosse","services":["Accès internet et matériel informatique"],
             "date_maj":"2024-04-02","telephone":"02 40 41 95 95"}},
          {"type":"Feature","geometry":{"type":"Polygon","coordinates":[]},"properties":{"id":"g2","nom":"X"}}]}"#,
    )
    .unwrap();
    let (rows, report) = import(dir.path(), &[&data], &["--no-merge"]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["longitude"], "-1.5534");
    assert_eq!(rows[0]["telephone"], "+33240419595");
    assert_eq!(
        rows[0]["services"],
        "Accès internet et matériel informatique"
    );
    let polygon = rejected(&report);
    assert_eq!(polygon.len(), 1);
    assert_eq!(polygon[0]["row"], 2);
}

#[test]
fn malformed_files_fail_with_their_name_and_position() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    let cases: [(&str, &[u8], &str); 4] = [
        ("truncated.json", b"[{\"id\": \"a\",\n \"nom\": ", "line 2"),
        ("latin1.csv", b"id,nom,adresse,services,date_maj,latitude,longitude\n1,M\xe9diath\xe8que,a,,2024-01-01,47,0\n", "line 2"),
        ("quotes.csv", b"id,nom,adresse,services,date_maj,latitude,longitude\n1,\"unterminated,x,y,z,1,2\n2,b,c,,2024-01-01,47,0\n", "line 2"),
        ("unknown.csv", b"foo,bar\n1,2\n", "--mapping"),
    ];
    for (name, content, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let output = lieux(&[
            &"import" as &dyn AsRef<std::ffi::OsStr>,
            &path,
            &"--out",
            &out,
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{name} should fail");
        assert!(
            stderr.contains(name),
            "{name}: the error names the file: {stderr}"
        );
        if expected != "out.csv" {
            assert!(stderr.contains(expected), "{name}: {stderr}");
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn the_bundled_data_set_is_valid_schema_v1() {
    let dir = tempfile::tempdir().unwrap();
    let bundled = crate::support::repo().join("data/lieux-pays-de-la-loire.csv");
    let (rows, report) = import(dir.path(), &[&bundled], &["--no-merge"]);
    assert!(rows.len() > 500);
    assert!(
        report.is_empty(),
        "the bundled CSV re-imports without a warning: {:?}",
        report.first()
    );
    let departements: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| &r["code_postal"][..2]).collect();
    assert_eq!(
        departements.into_iter().collect::<Vec<_>>(),
        ["44", "49", "53", "72", "85"]
    );
    assert_eq!(
        std::fs::read(dir.path().join("out.csv")).unwrap(),
        std::fs::read(&bundled).unwrap(),
        "reading and writing the bundled CSV changes nothing"
    );
}

#[test]
fn schema_v1_json_is_read_with_a_named_format() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lieux.json");
    std::fs::write(
        &data,
        r#"[{"id":"j1","pivot":"43493312300029","nom":"Espace numérique","commune":"Laval",
             "code_postal":"53000","adresse":"1 place du 11 Novembre","latitude":48.0707,
             "longitude":-0.7734,"services":"Aide aux démarches administratives|Accès internet et matériel informatique",
             "frais_a_charge":"Gratuit","date_maj":"2024-04-02"}]"#,
    )
    .unwrap();
    let (rows, report) = import(
        dir.path(),
        &[&data],
        &["--format", "lamednum-v1", "--no-merge"],
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0]["services"],
        "Aide aux démarches administratives|Accès internet et matériel informatique"
    );
    assert_eq!(rows[0]["pivot"], "43493312300029");
    assert!(report.is_empty(), "{report:?}");

    let output = lieux(&[
        &"import" as &dyn AsRef<std::ffi::OsStr>,
        &data,
        &"--format",
        &"nope",
        &"--out",
        &dir.path().join("x.csv"),
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("france-services"));
}

/// A schema v1.0.2 CSV of `rows` (`id`, `commune`, `code_postal`, `latitude`, `longitude`, and
/// `extra` columns after them), with `eol` between lines.
fn schema_csv(rows: &[[&str; 5]], extra: &str, eol: &str) -> String {
    let mut text =
        format!("id,nom,adresse,commune,code_postal,latitude,longitude,date_maj{extra}{eol}");
    for [id, commune, code_postal, latitude, longitude] in rows {
        let padding = ",".repeat(extra.matches(',').count());
        text.push_str(&format!(
            "{id},Lieu {id},1 rue de la Gare,{commune},{code_postal},{latitude},{longitude},2024-05-01{padding}{eol}"
        ));
    }
    text
}

#[test]
fn swapped_and_misplaced_coordinates_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("positions.csv");
    let rows = [
        ["ok", "Angers", "49000", "47.4784", "-0.5536"],
        ["swapped", "Angers", "49000", "-0.5536", "47.4784"],
        // In Nantes (44) with a postal code of Maine-et-Loire, and in the sea off Guinea.
        ["nantes", "Angers", "49000", "47.2184", "-1.5536"],
        ["guinea", "Angers", "49100", "1.0", "1.0"],
        // Ajaccio, whose 20000 is either Corsican département.
        ["ajaccio", "Ajaccio", "20000", "41.9267", "8.7369"],
    ];
    std::fs::write(&path, schema_csv(&rows, "", "\n")).unwrap();
    let (places, report) = import(
        tmp.path(),
        &[&path],
        &["--format", "lamednum-v1", "--no-merge"],
    );
    assert_eq!(places.len(), 5, "nothing is dropped");
    let about = |id: &str| -> Vec<String> {
        let row = rows.iter().position(|r| r[0] == id).unwrap() as u64 + 1;
        report
            .iter()
            .filter(|e| e["row"] == row && e["field"] == "latitude")
            .map(|e| e["reason"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(about("ok").is_empty() && about("ajaccio").is_empty());
    let swapped = about("swapped");
    assert!(
        swapped.len() == 1 && swapped[0].contains("swapped back"),
        "{swapped:?}"
    );
    assert_eq!(
        (
            row(&places, "swapped")["latitude"].as_str(),
            row(&places, "swapped")["longitude"].as_str()
        ),
        ("47.4784", "-0.5536")
    );
    for id in ["nantes", "guinea"] {
        let reasons = about(id);
        assert!(
            reasons.len() == 1 && reasons[0].contains("far outside département 49"),
            "{id}: {reasons:?}"
        );
    }
    assert_eq!(
        row(&places, "guinea")["latitude"],
        "1",
        "kept as the source gave it"
    );
}

#[test]
fn a_column_named_twice_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("twice.csv");
    let text = schema_csv(
        &[["a", "Angers", "49000", "47.4784", "-0.5536"]],
        ",nom",
        "\n",
    );
    std::fs::write(&path, text).unwrap();
    let (places, report) = import(tmp.path(), &[&path], &["--format", "lamednum-v1"]);
    assert_eq!(places[0]["nom"], "Lieu a", "the first column is read");
    let header: Vec<_> = report.iter().filter(|e| e["row"] == 0).collect();
    assert_eq!(header.len(), 1, "{report:?}");
    assert_eq!(header[0]["value"], "nom");
    assert_eq!(header[0]["line"], 1);
    assert!(header[0]["reason"]
        .as_str()
        .unwrap()
        .contains("columns 2 and 9"));
}

#[test]
fn line_numbers_are_the_same_with_crlf_and_lf() {
    let tmp = tempfile::tempdir().unwrap();
    let mut lines = Vec::new();
    for eol in ["\n", "\r\n"] {
        let mut text = schema_csv(
            &[
                ["a", "Angers", "49000", "47.4784", "-0.5536"],
                ["b", "Angers", "49000", "", ""],
            ],
            ",presentation_resume",
            eol,
        );
        // A quoted field over two lines, then a record with no coordinates after it.
        text.push_str(&format!(
            "c,Lieu c,1 rue,Angers,49000,47.47,-0.55,2024-05-01,\"deux{eol}lignes\"{eol}"
        ));
        text.push_str(&format!("d,Lieu d,1 rue,Angers,49000,,,2024-05-01,{eol}"));
        text.push_str(&format!("short,row{eol}"));
        let path = tmp.path().join("eol.csv");
        std::fs::write(&path, text).unwrap();
        let (_, report) = import(tmp.path(), &[&path], &["--format", "lamednum-v1"]);
        let mut seen: Vec<(u64, u64)> = rejected(&report)
            .iter()
            .map(|e| (e["row"].as_u64().unwrap(), e["line"].as_u64().unwrap()))
            .collect();
        seen.sort_unstable();
        lines.push(seen);
    }
    assert_eq!(lines[0], [(2, 3), (4, 6), (5, 7)], "LF");
    assert_eq!(lines[1], lines[0], "CRLF");
}
