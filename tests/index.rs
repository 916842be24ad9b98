//! `lieux index`: a real tantivy index on disk, its manifest, and atomic replacement.

use crate::support::{index_bundled, lieux, lieux_ok, manifest};

#[test]
fn index_writes_manifest_places_and_text_index() {
    let tmp = tempfile::tempdir().unwrap();
    let out = index_bundled(tmp.path());
    let m = manifest(&out);
    assert_eq!(m["schema_version"], "1.0.2");
    assert_eq!(m["rejected"], 0);
    let places = m["places"].as_u64().unwrap();
    assert!(places > 500);
    assert_eq!(m["content_hash"].as_str().unwrap().len(), 64);
    assert!(out.join("places.bin").is_file() && out.join("text/meta.json").is_file());
    assert!(out.join("report.jsonl").is_file());
    let index = lieux_index::store::PlaceIndex::open(&out).unwrap();
    assert_eq!(index.places.len() as u64, places);
    assert_eq!(index.tree.len() as u64, places);
}

#[test]
fn a_failed_build_leaves_the_previous_index_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = index_bundled(tmp.path());
    let before = manifest(&out);

    let corrupt = tmp.path().join("corrupt.json");
    std::fs::write(&corrupt, b"[{\"id\": \"x\", \"nom\": \"tronqu").unwrap();
    let output = lieux(&[&"index", &corrupt, &"--out", &out]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("corrupt.json") && stderr.contains("line 1"),
        "{stderr}"
    );

    let nothing = tmp.path().join("nothing.csv");
    std::fs::write(
        &nothing,
        "id,nom,adresse,services,date_maj,latitude,longitude\n1,A,B,,2024-01-01,,\n",
    )
    .unwrap();
    let output = lieux(&[&"index", &nothing, &"--out", &out]);
    assert!(!output.status.success(), "an index of no place is refused");

    assert_eq!(manifest(&out), before);
    lieux_index::store::PlaceIndex::open(&out).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary directory is left: {leftovers:?}"
    );
}

#[test]
fn a_corrupt_index_is_refused_on_load() {
    let tmp = tempfile::tempdir().unwrap();
    let out = index_bundled(tmp.path());
    let places = out.join("places.bin");
    let mut bytes = std::fs::read(&places).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&places, bytes).unwrap();
    let error = lieux_index::store::PlaceIndex::open(&out)
        .err()
        .expect("refused");
    assert!(error.to_string().contains("corrupt"), "{error}");
}

#[test]
fn generated_places_are_seeded_and_index_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a.csv");
    let b = tmp.path().join("b.csv");
    for out in [&a, &b] {
        lieux_ok(&[
            &"generate",
            &"--count",
            &"2000",
            &"--seed",
            &"9",
            &"--out",
            out,
        ]);
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let out = tmp.path().join("idx");
    lieux_ok(&[&"index", &a, &"--out", &out, &"--no-merge"]);
    let m = manifest(&out);
    assert_eq!(m["places"], 2000);
    assert_eq!(m["warnings"], 0, "generated places are valid schema v1.0.2");
}
