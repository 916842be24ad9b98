//! Faults of the machine: a full disk, a read-only directory and a process killed in the
//! middle of writing an index. Each leaves the old index serving, and never a half-written one
//! where a server would load it.
//!
//! A full or read-only file system is a real one: a small tmpfs mounted in a mount namespace of
//! the test's own (`unshare --user --map-root-user --mount`, which needs no privilege where user
//! namespaces are allowed, as on the machines of this project). What the command run inside
//! leaves in it is copied out before the namespace ends, so that the test can look at it.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{index_bundled, lieux_ok, raw, repo, token_file, Server};

const TOKEN: &str = "a-token-for-the-fault-tests";

/// How the small file system is mounted.
#[derive(Clone, Copy, PartialEq)]
enum Disk {
    /// Writable, `KIB` kibibytes in all.
    Full(u64),
    /// Mounted read-only once its seed is copied in.
    ReadOnly,
}

/// The command prefix that mounts `disk` on `mount`, copies `seed`'s contents in, and runs the
/// rest of the command line: as its last act (`exec`, for a server) when `back` is `None`, or
/// as a child whose exit status it returns once the file system's contents are copied to `back`.
fn on_small_disk(
    disk: Disk,
    mount: &Path,
    seed: Option<&Path>,
    back: Option<&Path>,
) -> Vec<OsString> {
    const SCRIPT: &str = r#"
mount_point=$1 size=$2 mode=$3 seed=$4 back=$5; shift 5
mount -t tmpfs -o "size=$size" tmpfs "$mount_point" || exit 90
[ -z "$seed" ] || cp -a "$seed/." "$mount_point/" || exit 91
[ "$mode" != ro ] || mount -o remount,ro "$mount_point" || exit 92
[ -n "$back" ] || exec "$@"
"$@"; status=$?
cp -a "$mount_point/." "$back/" || exit 93
exit $status
"#;
    std::fs::create_dir_all(mount).unwrap();
    let (size, mode) = match disk {
        Disk::Full(kib) => (format!("{kib}k"), "rw"),
        Disk::ReadOnly => ("16m".to_owned(), "ro"),
    };
    let path = |p: Option<&Path>| p.map_or_else(OsString::new, |p| p.as_os_str().to_owned());
    [
        OsStr::new("unshare").to_owned(),
        "--user".into(),
        "--map-root-user".into(),
        "--mount".into(),
        "sh".into(),
        "-c".into(),
        SCRIPT.into(),
        "sh".into(),
        mount.as_os_str().to_owned(),
        size.into(),
        mode.into(),
        path(seed),
        path(back),
    ]
    .into()
}

/// Runs `lieux ARGS` under `wrapper`: its exit status and standard error.
fn lieux_wrapped(wrapper: &[OsString], args: &[&dyn AsRef<OsStr>]) -> (Option<i32>, String) {
    let output = Command::new(&wrapper[0])
        .args(&wrapper[1..])
        .arg(env!("CARGO_BIN_EXE_lieux"))
        .args(args.iter().map(|a| a.as_ref()))
        .current_dir(repo())
        .env("RUST_LOG", "warn")
        .output()
        .expect("unshare runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !matches!(output.status.code(), Some(90..=93)),
        "the small file system could not be set up (are user namespaces allowed?): {stderr}"
    );
    (output.status.code(), stderr)
}

/// The memory the files under `dir` take in a tmpfs (whole 4 KiB pages), in bytes.
fn size_of(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                size_of(&entry.path())
            } else {
                meta.len().div_ceil(4096) * 4096
            }
        })
        .sum()
}

/// Names in `dir` that begin with a dot: the temporary and moved-aside siblings of an index.
fn hidden(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect()
}

/// Checks that `dir` is a complete index that a server loads, and that it holds `places`.
fn assert_serves(dir: &Path, places: u64) {
    let server = Server::start(&[&"--index", &dir]);
    let (status, health) = server.get("/health");
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["places"], places, "{health}");
    let (status, found) = server.get("/search?q=numerique&limit=1");
    assert_eq!(status, 200, "{found}");
    assert!(found["total"].as_u64().unwrap() > 0, "{found}");
}

fn manifest_bytes(index: &Path) -> Vec<u8> {
    std::fs::read(index.join("manifest.json")).expect("a manifest")
}

fn places_of(index: &Path) -> u64 {
    crate::support::manifest(index)["places"].as_u64().unwrap()
}

#[test]
fn a_full_or_read_only_disk_fails_an_index_build_and_keeps_the_old_index() {
    let tmp = tempfile::tempdir().unwrap();
    let old = index_bundled(tmp.path());
    let old_manifest = manifest_bytes(&old);
    let old_bytes = size_of(&old);
    let bundled = repo().join("data/lieux-pays-de-la-loire.csv");
    // Room for the old index and a fraction of the new one; then for nothing at all; then none.
    let cases = [
        (
            "half",
            Disk::Full((old_bytes + old_bytes / 2) / 1024),
            "No space left on device",
        ),
        (
            "none",
            Disk::Full(old_bytes / 1024 + 16),
            "No space left on device",
        ),
        ("read-only", Disk::ReadOnly, "Read-only file system"),
    ];
    for (name, disk, reason) in cases {
        let mount = tmp.path().join(format!("mnt-{name}"));
        let back = tmp.path().join(format!("back-{name}"));
        std::fs::create_dir_all(&back).unwrap();
        let seed = tmp.path().join("seed");
        if !seed.exists() {
            std::fs::create_dir_all(&seed).unwrap();
            std::process::Command::new("cp")
                .args([
                    OsStr::new("-a"),
                    old.as_os_str(),
                    seed.join("idx").as_os_str(),
                ])
                .status()
                .unwrap();
        }
        let wrapper = on_small_disk(disk, &mount, Some(&seed), Some(&back));
        let (status, stderr) = lieux_wrapped(
            &wrapper,
            &[&"index", &bundled, &"--out", &mount.join("idx")],
        );
        assert_eq!(status, Some(1), "{name}: the build must fail: {stderr}");
        assert!(
            stderr.contains(reason),
            "{name}: the error says why: {stderr}"
        );
        assert!(
            stderr.contains(&*mount.to_string_lossy()),
            "{name}: the error names the path: {stderr}"
        );
        assert_eq!(
            manifest_bytes(&back.join("idx")),
            old_manifest,
            "{name}: the old index is left as it was"
        );
        assert_eq!(
            hidden(&back),
            Vec::<String>::new(),
            "{name}: nothing is left beside it"
        );
        assert_serves(&back.join("idx"), places_of(&old));
    }
}

#[test]
fn a_reload_on_a_full_or_read_only_work_dir_fails_and_the_old_index_serves() {
    let tmp = tempfile::tempdir().unwrap();
    let old = index_bundled(tmp.path());
    let token = token_file(tmp.path(), TOKEN);
    let auth = format!("Bearer {TOKEN}");
    for (name, disk, reason) in [
        ("full", Disk::Full(64), "No space left on device"),
        ("read-only", Disk::ReadOnly, "Read-only file system"),
    ] {
        let work = tmp.path().join(format!("work-{name}"));
        let wrapper = on_small_disk(disk, &work, None, None);
        let wrapper: Vec<&dyn AsRef<OsStr>> =
            wrapper.iter().map(|a| a as &dyn AsRef<OsStr>).collect();
        let server = Server::start_wrapped(
            &wrapper,
            &[
                &"--index",
                &old,
                &"--work-dir",
                &work,
                &"--admin-token-file",
                &token,
            ],
        );
        let (_, before) = server.get("/health");
        // Another data set: had the reload succeeded, another index would serve.
        let body = serde_json::json!({ "sources": [raw("angers_guide-services-numeriques.json")] });
        let (status, _, answer) = server.post(
            "/admin/reload",
            &[("Authorization", &auth)],
            &body.to_string(),
        );
        assert_eq!(status, 422, "{name}: {answer}");
        assert_eq!(answer["error"], "reload_failed", "{name}: {answer}");
        let message = answer["message"].as_str().unwrap();
        assert!(
            message.contains(reason),
            "{name}: the error says why: {message}"
        );
        assert!(
            message.contains("old index keeps serving"),
            "{name}: {message}"
        );
        let (status, after) = server.get("/health");
        assert_eq!(status, 200, "{name}: {after}");
        assert_eq!(
            after["index"], before["index"],
            "{name}: the same index serves"
        );
        let (status, found) = server.get("/search?q=numerique&limit=1");
        assert_eq!(status, 200, "{name}: {found}");
        assert!(found["total"].as_u64().unwrap() > 0, "{name}: {found}");
        // What the failed build wrote is gone, and a reload that needs no disk still works.
        let inside = PathBuf::from(format!("/proc/{}/root", server.pid()))
            .join(work.strip_prefix("/").unwrap());
        assert_eq!(
            std::fs::read_dir(&inside).unwrap().count(),
            0,
            "{name}: the work directory is empty"
        );
        let body = serde_json::json!({ "path": old });
        let (status, _, answer) = server.post(
            "/admin/reload",
            &[("Authorization", &auth)],
            &body.to_string(),
        );
        assert_eq!(status, 200, "{name}: {answer}");
    }
}

/// Polls `done` every 5 ms for at most a minute.
fn wait_for(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_server_killed_during_a_reload_restarts_on_a_whole_index_and_clears_what_it_left() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    let source = raw("cnfs_lieux-conseillers-numeriques_2022-12-02.json");
    let token = token_file(tmp.path(), TOKEN);
    let args: [&dyn AsRef<OsStr>; 6] = [
        &"--source",
        &source,
        &"--work-dir",
        &work,
        &"--admin-token-file",
        &token,
    ];
    let mut server = Server::start(&args);
    let (_, health) = server.get("/health");
    let places = health["places"].as_u64().unwrap();
    let served: Vec<_> = std::fs::read_dir(&work)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        served.len(),
        1,
        "the served index is the work directory's only entry"
    );

    let base = server.base.clone();
    let reload = std::thread::spawn(move || {
        // The answer never comes: the server is killed before it.
        let _ = ureq::post(&format!("{base}/admin/reload"))
            .header("Authorization", &format!("Bearer {TOKEN}"))
            .send("");
    });
    // Killed while the reload writes its index beside the served one.
    wait_for("the reload to start writing", || {
        std::fs::read_dir(&work).unwrap().count() > 1
    });
    server.signal("KILL");
    server.wait();
    reload.join().unwrap();
    let left = std::fs::read_dir(&work).unwrap().count();
    assert!(left > 1, "the killed reload left its directory");

    let server = Server::start(&args);
    let (status, health) = server.get("/health");
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["places"], places, "{health}");
    let entries: Vec<_> = std::fs::read_dir(&work)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        entries.len(),
        1,
        "the restart removed what the killed server left: {entries:?}"
    );
    assert!(!entries.contains(&served[0]), "{entries:?}");
}

#[test]
fn lieux_index_killed_at_any_moment_leaves_the_old_index_or_the_new_one() {
    let tmp = tempfile::tempdir().unwrap();
    let out = index_bundled(tmp.path());
    let mut old = manifest_bytes(&out);
    let old_places = places_of(&out);
    let source = raw("cnfs_lieux-conseillers-numeriques_2022-12-02.json");
    let new_index = tmp.path().join("new");
    lieux_ok(&[&"index", &source, &"--out", &new_index]);
    let new_places = places_of(&new_index);
    let new_hash = crate::support::manifest(&new_index)["content_hash"].clone();

    // How long a whole build takes, then kills spread over it.
    let started = Instant::now();
    let copy = tmp.path().join("timing");
    lieux_ok(&[&"index", &source, &"--out", &copy]);
    let whole = started.elapsed();
    let mut outcomes = Vec::new();
    for eighth in 1..=7 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lieux"))
            .args([
                OsStr::new("index"),
                source.as_os_str(),
                OsStr::new("--out"),
                out.as_os_str(),
            ])
            .env("RUST_LOG", "warn")
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole * eighth / 8);
        let _ = child.kill();
        let status = child.wait().unwrap();
        let now = manifest_bytes(&out);
        let outcome = if now == old {
            "old"
        } else {
            assert_eq!(
                crate::support::manifest(&out)["content_hash"],
                new_hash,
                "after a kill at {eighth}/8 of a build, DIR is the old index or the new one"
            );
            "new"
        };
        assert_serves(
            &out,
            if outcome == "old" {
                old_places
            } else {
                new_places
            },
        );
        outcomes.push((eighth, status.success(), outcome));
        if outcome == "new" {
            // Back to the old index for the next kill.
            lieux_ok(&[
                &"index",
                &repo().join("data/lieux-pays-de-la-loire.csv"),
                &"--out",
                &out,
            ]);
            assert_eq!(places_of(&out), old_places);
            // The same places, written at another time: its manifest is the old one now.
            old = manifest_bytes(&out);
        }
    }
    assert!(
        outcomes.iter().any(|(_, finished, _)| !finished),
        "some kill landed during a build: {outcomes:?}"
    );
    // The next build clears what the killed ones left beside the index.
    lieux_ok(&[&"index", &source, &"--out", &out]);
    assert_eq!(hidden(tmp.path()), Vec::<String>::new());
    assert_serves(&out, new_places);
}
