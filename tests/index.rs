//! `lieux index`: a real tantivy index on disk, its manifest, and atomic replacement.

use crate::support::{index_bundled, lieux, lieux_ok, manifest, repo};

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

#[test]
fn index_out_never_replaces_what_is_not_an_index() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let source = data.join("lieux.csv");
    std::fs::copy(repo().join("data/lieux-pays-de-la-loire.csv"), &source).unwrap();
    let notes = data.join("notes.txt");
    std::fs::write(&notes, "à garder").unwrap();
    let before = std::fs::read(&source).unwrap();

    // The directory that holds the source, and the source itself.
    for out in [&data, &source] {
        let output = lieux(&[&"index", &source, &"--out", out]);
        assert!(
            !output.status.success(),
            "--out {} is refused",
            out.display()
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("not a lieux index"), "{stderr}");
        assert_eq!(
            std::fs::read(&source).unwrap(),
            before,
            "the source is intact"
        );
        assert_eq!(std::fs::read_to_string(&notes).unwrap(), "à garder");
        let mut names: Vec<String> = std::fs::read_dir(&data)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["lieux.csv", "notes.txt"], "nothing renamed or left");
        let siblings = std::fs::read_dir(tmp.path()).unwrap().count();
        assert_eq!(siblings, 1, "no temporary directory beside it");
    }

    // A directory whose manifest.json is not a lieux manifest is not an index either.
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("manifest.json"), r#"{"name": "a web app"}"#).unwrap();
    let output = lieux(&[&"index", &source, &"--out", &other]);
    assert!(!output.status.success());
    assert!(other.join("manifest.json").is_file());

    // An index is replaced, and so is a missing directory created.
    let out = tmp.path().join("idx");
    lieux_ok(&[&"index", &source, &"--out", &out]);
    let first = manifest(&out);
    lieux_ok(&[&"index", &source, &"--out", &out]);
    assert_eq!(manifest(&out)["content_hash"], first["content_hash"]);
}

#[test]
fn special_files_are_refused_as_sources_without_hanging() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("fifo.csv");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    for (source, kind) in [
        (std::path::PathBuf::from("/dev/zero"), "a device"),
        (fifo, "a FIFO"),
        (tmp.path().to_owned(), "a directory"),
    ] {
        let out = tmp.path().join("out.csv");
        let output = lieux(&[&"import", &source, &"--out", &out]);
        assert!(!output.status.success(), "{}", source.display());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(kind), "{}: {stderr}", source.display());
    }
    // The files of /proc say they are empty, and are read as such.
    let output = lieux(&[
        &"import",
        &"/proc/self/environ",
        &"--out",
        &tmp.path().join("e.csv"),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("empty"), "{stderr}");
}

#[test]
fn a_json_source_with_a_new_key_in_every_record_is_refused_early() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("keys.json");
    // 20,000 records of one distinct key each: 400 million cells if rows were padded out.
    let records: Vec<String> = (0..20_000).map(|i| format!(r#"{{"k{i}": 1}}"#)).collect();
    std::fs::write(&path, format!("[{}]", records.join(","))).unwrap();
    let output = lieux(&[&"import", &path, &"--out", &tmp.path().join("o.csv")]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("more than 1024 columns") && stderr.contains("record 1025"),
        "{stderr}"
    );
}
