//! The index a server answers from, built and checked whole before it replaces another.
//!
//! A server holds one [`LiveIndex`]: the loaded [`PlaceIndex`] and everything derived from it
//! (the [`SearchIndex`], the cluster hierarchies of the [`MapCache`], the encoded tiles of the
//! [`TileCache`], the bounds and the attribution). They are one value because they must never
//! mix: a tile cached from one index served with the places of another would draw places that
//! no longer exist. The server keeps it behind an atomic pointer (`arc-swap`); a request takes
//! the pointer once and answers from that index to the end, while a re-index swaps in a new one.
//!
//! [`load`] builds a new `LiveIndex` from an [`IndexSource`] (an index directory, or source files
//! to import and index) and [`LiveIndex::prepare`] checks it before anyone can see it: the
//! manifest hashes and counts (checked by [`PlaceIndex::open`]), the search structures against
//! the places, a test query, the unfiltered cluster hierarchy (built here, so the first map after
//! a swap is as fast as before). Any failure is an [`Error`] and leaves the caller's current
//! index untouched.
//!
//! An index rebuilt from sources is written into a directory of its own, which the `LiveIndex`
//! owns and removes once the last request using it has finished.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

use lieux_tiles::ClusterOptions;

use crate::filter::PlaceFilter;
use crate::import::{import, ImportOptions};
use crate::map::{MapCache, TileCache};
use crate::search::thesaurus::Thesaurus;
use crate::search::{Asked, SearchIndex, SearchRequest};
use crate::store::{write_index, NoProgress, PlaceIndex};
use crate::{Error, Result};

/// How the derived structures of an index are built.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    /// Clustering of the maps.
    pub cluster: ClusterOptions,
    /// The most places the cached filtered maps hold together.
    pub map_cache_places: usize,
    /// The most bytes of encoded tiles cached.
    pub tile_cache_bytes: usize,
    /// Thesaurus files added to the bundled one (`--thesaurus`), read again at each load.
    pub thesaurus: Vec<PathBuf>,
}

/// Where a new index comes from.
#[derive(Clone, Debug)]
pub enum IndexSource {
    /// An index directory written by `lieux index`.
    Dir(PathBuf),
    /// Source files, imported and indexed into a new directory under `work_dir`.
    Sources {
        /// The files.
        inputs: Vec<PathBuf>,
        /// How to read and merge them.
        options: ImportOptions,
        /// Where the new index directory is made.
        work_dir: PathBuf,
    },
}

/// An index ready to serve, with everything derived from it.
pub struct LiveIndex {
    /// The loaded index.
    pub index: PlaceIndex,
    /// Its search structures.
    pub search: SearchIndex,
    /// Its cluster hierarchies, by filter.
    pub maps: MapCache,
    /// Its encoded tiles, by filter and tile.
    pub tiles: TileCache,
    /// `[west, south, east, north]` of the places.
    pub bounds: Option<[f64; 4]>,
    /// "Sources : …", the sources of the places, most frequent first.
    pub attribution: String,
    /// When it was made ready.
    pub loaded_at: SystemTime,
    /// How long loading and checking took, in seconds.
    pub load_seconds: f64,
    /// How long each stage of loading took, in order: opening the index (when this loaded
    /// it), the search structures, the unfiltered cluster hierarchy, the checks.
    pub stages: Vec<(&'static str, std::time::Duration)>,
    /// A directory this index owns (rebuilt from sources), removed when it is dropped. Last, so
    /// that it is dropped after the readers of its files.
    owned_dir: Option<OwnedDir>,
}

impl LiveIndex {
    /// Builds the derived structures of `index` and checks them; see the module documentation.
    ///
    /// # Errors
    /// [`Error::InvalidIndex`] when a check fails; tantivy and clustering errors.
    pub fn prepare(index: PlaceIndex, options: &LiveOptions) -> Result<Self> {
        let started = Instant::now();
        let search = SearchIndex::build_with(&index, Thesaurus::load(&options.thesaurus)?)?;
        let searched = started.elapsed();
        let maps = MapCache::new(options.cluster, options.map_cache_places);
        let whole = maps.get(&index, &search, &PlaceFilter::default())?;
        let clustered = started.elapsed();
        let mut live = Self {
            bounds: bounds(&index),
            attribution: attribution(&index),
            search,
            maps,
            tiles: TileCache::new(options.tile_cache_bytes),
            loaded_at: SystemTime::now(),
            load_seconds: 0.0,
            stages: vec![
                ("search structures", searched),
                ("cluster hierarchy", clustered - searched),
            ],
            owned_dir: None,
            index,
        };
        if whole.len() != live.index.places.len() {
            return Err(live.invalid(format!(
                "the cluster hierarchy holds {} places of {}",
                whole.len(),
                live.index.places.len()
            )));
        }
        live.check()?;
        live.stages.push(("checks", started.elapsed() - clustered));
        Ok(Self {
            load_seconds: started.elapsed().as_secs_f64(),
            ..live
        })
    }

    /// Searches as a person asked: the text read (needs, a place), words that find nothing
    /// dropped, and the nearest answer when nothing is found as asked
    /// ([`SearchIndex::search_as_asked`]).
    ///
    /// # Errors
    /// A tantivy error while matching text.
    pub fn search_as_asked(&self, request: &SearchRequest) -> Result<Asked> {
        self.search.search_as_asked(&self.index, request)
    }

    /// The content hash of the index: its identity.
    #[must_use]
    pub fn hash(&self) -> &str {
        &self.index.manifest.content_hash
    }

    fn invalid(&self, message: String) -> Error {
        Error::InvalidIndex {
            path: self.index.dir.clone(),
            message,
        }
    }

    /// The test queries: a search for everything finds every place, the first place is found
    /// by its id, and by its name.
    fn check(&self) -> Result<()> {
        let index = &self.index;
        let all = self.search.search(
            index,
            &SearchRequest {
                limit: 1,
                ..SearchRequest::default()
            },
        )?;
        if all.total != index.manifest.places {
            return Err(self.invalid(format!(
                "a search for everything finds {} places of {}",
                all.total, index.manifest.places
            )));
        }
        let Some(first) = index.places.first() else {
            return Err(Error::NoPlaces);
        };
        if self.search.ordinal_of(index, first.id()) != Some(0) {
            return Err(self.invalid(format!("the place {:?} is not found by its id", first.id())));
        }
        // Words of four letters or more: never stop words, so the name must find the place.
        let name = first
            .nom()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 4)
            .take(5)
            .collect::<Vec<_>>()
            .join(" ");
        if !name.is_empty() {
            let found = self.search.text_matches(index, &name)?;
            if !found.first().copied().unwrap_or(false) {
                return Err(self.invalid(format!(
                    "the place {:?} is not found by its name {name:?}",
                    first.id()
                )));
            }
        }
        Ok(())
    }
}

/// Loads the index of `source` and prepares it.
///
/// # Errors
/// Whatever stops reading, indexing, loading or checking; nothing is left behind on disk.
pub fn load(source: &IndexSource, options: &LiveOptions) -> Result<LiveIndex> {
    match source {
        IndexSource::Dir(dir) => {
            let started = Instant::now();
            let index = PlaceIndex::open(dir)?;
            let opened = started.elapsed();
            let mut live = LiveIndex::prepare(index, options)?;
            live.stages.insert(0, ("index opened", opened));
            live.load_seconds += opened.as_secs_f64();
            Ok(live)
        }
        IndexSource::Sources {
            inputs,
            options: import_options,
            work_dir,
        } => {
            clear_work_dir(work_dir);
            let dir = OwnedDir(fresh_dir(work_dir));
            let imported = import(inputs, import_options)?;
            write_index(
                &imported.places,
                &imported.report,
                imported.sources,
                &dir.0,
                &NoProgress,
            )?;
            let mut live = LiveIndex::prepare(PlaceIndex::open(&dir.0)?, options)?;
            live.owned_dir = Some(dir);
            Ok(live)
        }
    }
}

/// A directory name under `work_dir` that no other index of this process uses.
fn fresh_dir(work_dir: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let millis = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    work_dir.join(format!(
        "rebuilt-{}-{millis}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Removes what reloads of processes that were killed left in `work_dir`: their
/// `rebuilt-PID-…` indexes and the `.rebuilt-PID-….tmp-PID` directories they were written in.
/// Best effort: a directory that cannot be removed is left for the next time.
fn clear_work_dir(work_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(work_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.strip_prefix('.').unwrap_or(n).strip_prefix("rebuilt-"))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if pid.is_some_and(|pid| !crate::store::process_runs(pid)) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A directory removed when dropped.
struct OwnedDir(PathBuf);

impl Drop for OwnedDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn bounds(index: &PlaceIndex) -> Option<[f64; 4]> {
    index.places.iter().fold(None, |b, p| {
        Some(match b {
            None => [p.longitude, p.latitude, p.longitude, p.latitude],
            Some([w, s, e, n]) => [
                w.min(p.longitude),
                s.min(p.latitude),
                e.max(p.longitude),
                n.max(p.latitude),
            ],
        })
    })
}

fn attribution(index: &PlaceIndex) -> String {
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for place in &index.places {
        for source in place.source().split('|').filter(|s| !s.is_empty()) {
            *counts.entry(source).or_default() += 1;
        }
    }
    let mut sources: Vec<(&str, usize)> = counts.into_iter().collect();
    sources.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let names: Vec<&str> = sources.iter().map(|(name, _)| *name).collect();
    format!("Sources : {}", names.join(", "))
}
