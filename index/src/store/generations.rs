//! Published generations of an index, for several nodes (`lieux index --publish DIR`,
//! `lieux serve --follow DIR`).
//!
//! Several stateless nodes serve one data set behind a load balancer: each needs the same
//! index, and a new one must reach them all with no downtime and without any node ever reading
//! half of it. So a publisher writes each index once, into a directory named by its content
//! (`generations/<content hash>`, never changed afterwards), and only then switches one
//! pointer, `CURRENT`, by an atomic rename: whoever reads `CURRENT` finds the old generation or
//! the new one, whole. Nodes read the pointer again and again, and load a new generation
//! through the reload that exists (the old index serves until the new one is ready and
//! checked), then apply the accepted changes of the shared store on top of it.
//!
//! The root, shared by the publisher and the nodes (a local or network file system: rename and
//! read are all it needs):
//!
//! ```text
//! CURRENT                    the name of the generation to serve, and a newline
//! generations/<hash>/        index directories, as `lieux index --out` writes them
//! generations/.staging-…/    a generation being written (removed if the publisher dies)
//! ```
//!
//! Publishing the same content again reuses its generation. The newest [`KEPT`] generations
//! stay (a node may still be loading the one before the current one); older ones are removed
//! by the next publish.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::report::Report;
use super::{write_index, Manifest, SourceEntry};
use crate::place::Place;
use crate::store::Progress;
use crate::{Error, Result};

/// The pointer to the generation to serve.
pub const CURRENT: &str = "CURRENT";

/// The directory of the generations.
pub const GENERATIONS: &str = "generations";

/// How many generations a publish keeps, the current one included.
pub const KEPT: usize = 3;

/// What [`publish`] did.
#[derive(Debug)]
pub struct Published {
    /// The generation's name (its content hash), now in `CURRENT`.
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Whether a generation of the same content was there already.
    pub reused: bool,
    /// The older generations removed.
    pub removed: Vec<String>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `places` as a new generation under `root` and makes it the current one.
///
/// # Errors
/// When the index cannot be written, or the pointer switched; the current generation is then
/// the one before.
pub fn publish(
    places: &[Place],
    report: &Report,
    sources: Vec<SourceEntry>,
    root: &Path,
    progress: &dyn Progress,
) -> Result<Published> {
    let generations = root.join(GENERATIONS);
    std::fs::create_dir_all(&generations).map_err(io(&generations))?;
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let staging = generations.join(format!(".staging-{}-{nanos}", std::process::id()));
    let manifest = match write_index(places, report, sources, &staging, progress) {
        Ok(manifest) => manifest,
        Err(error) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(error);
        }
    };
    let name = manifest.content_hash.clone();
    let dir = generations.join(&name);
    let reused = dir.is_dir();
    if reused {
        // The same content, published before: the generation is immutable, keep it.
        std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
    } else {
        std::fs::rename(&staging, &dir).map_err(io(&dir))?;
    }
    // Its date orders the generations for the clean-up, a reused one too.
    std::fs::File::open(&dir)
        .and_then(|file| file.set_modified(SystemTime::now()))
        .map_err(io(&dir))?;
    sync_dir(&generations)?;
    switch_current(root, &name)?;
    let removed = remove_old(&generations, &name)?;
    Ok(Published {
        name,
        dir,
        manifest,
        reused,
        removed,
    })
}

/// Points `CURRENT` at the generation `name`: written aside, synced, renamed over.
fn switch_current(root: &Path, name: &str) -> Result<()> {
    let pointer = root.join(CURRENT);
    let partial = root.join(format!(".{CURRENT}.partial"));
    std::fs::write(&partial, format!("{name}\n"))
        .and_then(|()| std::fs::File::open(&partial)?.sync_all())
        .map_err(io(&partial))?;
    std::fs::rename(&partial, &pointer).map_err(io(&pointer))?;
    sync_dir(root)
}

/// Syncs a directory, so that a rename in it outlives a crash.
fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|file| file.sync_all())
        .map_err(io(dir))
}

/// Removes the generations beyond the newest [`KEPT`] (never `current`).
fn remove_old(generations: &Path, current: &str) -> Result<Vec<String>> {
    let mut dated: Vec<(SystemTime, String)> = Vec::new();
    for entry in std::fs::read_dir(generations).map_err(io(generations))? {
        let entry = entry.map_err(io(generations))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.path().is_dir() {
            continue;
        }
        let modified = entry
            .metadata()
            .and_then(|m| m.modified())
            .map_err(io(&entry.path()))?;
        dated.push((modified, name));
    }
    dated.sort_by(|a, b| b.cmp(a));
    let mut removed = Vec::new();
    for (_, name) in dated.into_iter().skip(KEPT) {
        if name == current {
            continue;
        }
        let dir = generations.join(&name);
        std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
        removed.push(name);
    }
    Ok(removed)
}

/// The current generation under `root`: its name and directory.
///
/// # Errors
/// When `CURRENT` is missing, holds no generation's name, or names one that is not there.
pub fn current(root: &Path) -> Result<(String, PathBuf)> {
    let pointer = root.join(CURRENT);
    let invalid = |message: String| Error::Generations {
        root: root.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(&pointer).map_err(|error| {
        invalid(format!(
            "no {CURRENT} to read ({error}): publish a generation with `lieux index --publish`"
        ))
    })?;
    let name = text.trim_end_matches('\n');
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid(format!(
            "{CURRENT} holds {name:?}, not a generation's name"
        )));
    }
    let dir = root.join(GENERATIONS).join(name);
    if !dir.is_dir() {
        return Err(invalid(format!(
            "{CURRENT} names {name}, which is not there"
        )));
    }
    Ok((name.to_owned(), dir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NoProgress;

    #[test]
    fn publishing_switches_current_reuses_the_same_content_and_keeps_the_newest() {
        let root = tempfile::tempdir().unwrap();
        let publish_seed = |seed: u64| {
            let places = crate::ingest::generate::test_places(20, seed);
            publish(
                &places,
                &Report::default(),
                Vec::new(),
                root.path(),
                &NoProgress,
            )
            .unwrap()
        };
        let first = publish_seed(1);
        assert!(!first.reused);
        assert_eq!(
            current(root.path()).unwrap(),
            (first.name.clone(), first.dir.clone())
        );
        let again = publish_seed(1);
        assert_eq!(again.name, first.name, "named by its content");
        assert!(again.reused);

        let mut names = vec![first.name.clone()];
        for seed in 2..6 {
            let published = publish_seed(seed);
            assert_eq!(current(root.path()).unwrap().0, published.name);
            names.push(published.name);
        }
        let left: std::collections::BTreeSet<String> =
            std::fs::read_dir(root.path().join(GENERATIONS))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        let newest: std::collections::BTreeSet<String> =
            names[names.len() - KEPT..].iter().cloned().collect();
        assert_eq!(left, newest, "the newest {KEPT}, and no staging left");
    }

    #[test]
    fn a_missing_or_wrong_pointer_is_an_error_that_says_so() {
        let root = tempfile::tempdir().unwrap();
        let message = |root: &Path| current(root).unwrap_err().to_string();
        assert!(message(root.path()).contains("lieux index --publish"));
        std::fs::write(root.path().join(CURRENT), "../etc\n").unwrap();
        assert!(message(root.path()).contains("not a generation's name"));
        std::fs::write(root.path().join(CURRENT), "abcdef\n").unwrap();
        assert!(message(root.path()).contains("not there"));
    }
}
