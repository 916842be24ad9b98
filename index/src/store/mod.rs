//! The persisted index: what `lieux index` writes and `lieux serve` loads.
//!
//! ```text
//! DIR/
//!   manifest.json   schema and format versions, counts, content hash, sources
//!   places.bin      every place (postcard, in chunks decoded in parallel), in ordinal order (Z-order on the map)
//!   points.bin      every place's longitude and latitude (little-endian f64), in ordinal order
//!   report.jsonl    the import report: warnings, rejections, merges
//!   text/           the tantivy index; documents carry the place's ordinal
//! ```
//!
//! An index changed in place ([`amend`]) lives in memory, with its text index in a directory
//! of its own; its documents carry keys ([`DocKeys`]).
//!
//! The R-tree is not stored: bulk-loading it at start from `points.bin` (16 bytes a place) is
//! cheaper than deserialising a tree, and runs while `places.bin` is decoded.
//!
//! An index is written into a temporary sibling directory and renamed into place at the end, so
//! a failed or interrupted run never leaves a half-written index where a server would load it.
//!
//! The manifest, written last, lists every other file of the index with its size and BLAKE3
//! hash, tantivy's files included. On load each file is checked against it before anything is
//! decoded: a truncated, missing or flipped file is refused with its name, rather than answering
//! other results under the same index hash (tantivy's own checksums are not read at open) or
//! panicking inside a decoder. Then the count of tantivy documents is checked against the
//! number of places.
//!
//! The wing holds what an index is made of and no more: the [`schema`] of the text index and
//! its French [`analysis`], the sphere's R-tree ([`tree`]), and the import [`report`] kept
//! beside the places. It reads no source (see [`crate::ingest`]) and answers no query (see
//! [`crate::search`]).

pub mod amend;
pub mod analysis;
pub mod deleted;
pub mod generations;
pub mod places;
pub mod report;
pub mod schema;
pub mod tree;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tantivy::{Index, IndexReader, ReloadPolicy};

use crate::place::Place;
use crate::store::places::Places;
use crate::store::report::Report;
use crate::store::schema::{register_analyzers, TextFields};
use crate::store::tree::PlaceTree;
use crate::{Error, Result};

/// The version of the on-disk layout; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 4;
/// The version of the *schéma des lieux de médiation numérique* the places follow.
pub const SCHEMA_VERSION: &str = "1.0.2";

const MANIFEST: &str = "manifest.json";
const PLACES: &str = "places.bin";
const POINTS: &str = "points.bin";
const REPORT: &str = "report.jsonl";
const TEXT: &str = "text";

/// Memory for tantivy's indexing buffers, shared by its threads.
const WRITER_MEMORY: usize = 160 * 1024 * 1024;

/// One input file of an index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceEntry {
    /// The file as given.
    pub file: String,
    /// The mapping it was read with.
    pub format: String,
    /// Records read.
    pub records: u64,
    /// Records accepted (before merging).
    pub accepted: u64,
    /// Columns the mapping names that the file does not have (read as empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_columns: Vec<String>,
}

/// What an index holds, written last: an index without a manifest is not an index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// [`SCHEMA_VERSION`].
    pub schema_version: String,
    /// The `lieux-index` version that wrote it.
    pub writer: String,
    /// When it was written (RFC 3339).
    pub created_at: String,
    /// The number of places.
    pub places: u64,
    /// Records rejected by validation.
    pub rejected: u64,
    /// Warnings raised by validation.
    pub warnings: u64,
    /// Records merged into others.
    pub merged: u64,
    /// BLAKE3 hash of `places.bin`, hex: the identity of the index's content.
    pub content_hash: String,
    /// BLAKE3 hash of `points.bin`, hex.
    pub points_hash: String,
    /// The inputs.
    pub sources: Vec<SourceEntry>,
    /// Every file of the index but the manifest, by its path relative to the index directory
    /// (`/`-separated): what it must be on load.
    pub files: BTreeMap<String, FileEntry>,
    /// The BLAKE3 hash of this file's own bytes with these 64 hex digits written as zeros: a
    /// flipped byte anywhere in the manifest is found too.
    pub manifest_blake3: String,
}

/// The key of [`Manifest::manifest_blake3`] as it is written.
const SELF_HASH_KEY: &[u8] = b"\"manifest_blake3\": \"";

/// `json` with the 64 hex digits of its self-hash as zeros, and where they are.
fn zero_self_hash(json: &[u8]) -> Option<(Vec<u8>, std::ops::Range<usize>)> {
    let start = json
        .windows(SELF_HASH_KEY.len())
        .position(|w| w == SELF_HASH_KEY)?
        + SELF_HASH_KEY.len();
    let digits = start..start + 64;
    let mut zeroed = json.to_vec();
    zeroed.get_mut(digits.clone())?.fill(b'0');
    Some((zeroed, digits))
}

/// The size and hash of one file of an index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Its length in bytes.
    pub bytes: u64,
    /// Its BLAKE3 hash, hex.
    pub blake3: String,
}

/// Reports the progress of a long build; the CLI draws it as a progress bar.
pub trait Progress: Sync {
    /// A stage with `total` steps starts.
    fn start(&self, stage: &str, total: u64);
    /// `steps` more steps are done.
    fn advance(&self, steps: u64);
    /// The stage is over.
    fn finish(&self);
    /// A stage of the build took `took` (reported once the stage is over).
    fn stage_done(&self, _stage: &str, _took: std::time::Duration) {}
}

/// A [`Progress`] that shows nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// Writes an index of `places` to `out`, atomically: `out` is either left as it was or replaced
/// by the complete new index.
///
/// Only an index is ever replaced: when `out` exists and is anything else (a file, a directory
/// without an index's manifest, such as the one that holds the sources), nothing is written.
///
/// # Errors
/// [`Error::NotAnIndex`] when `out` exists and is not an index; [`Error::NoPlaces`] when
/// `places` is empty; I/O and tantivy errors otherwise. On error the temporary directory is
/// removed and `out` is untouched.
pub fn write_index(
    places: &[Place],
    report: &Report,
    sources: Vec<SourceEntry>,
    out: &Path,
    progress: &dyn Progress,
) -> Result<Manifest> {
    // Places are stored in space-filling-curve order: neighbours on the map are neighbours in
    // memory, which speeds up clustering, tile queries and the R-tree bulk load.
    let ordered: Vec<&Place> = spatial_order(places)
        .into_iter()
        .map(|i| &places[i])
        .collect();
    write_ordered_index(&ordered, report, sources, out, progress)
}

/// Writes an index of `places` in the order given, as [`write_index`] otherwise: for places
/// in [`spatial_order`] with accepted changes applied, where a change moved as few places as
/// it could (see [`crate::changes::apply::Places`]), as a batch applied in place does.
///
/// # Errors
/// As [`write_index`].
pub fn write_ordered_index(
    places: &[&Place],
    report: &Report,
    sources: Vec<SourceEntry>,
    out: &Path,
    progress: &dyn Progress,
) -> Result<Manifest> {
    if places.is_empty() {
        return Err(Error::NoPlaces);
    }
    clear_leftovers(out)?;
    check_replaceable(out)?;
    let tmp = sibling(out, "tmp");
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let result = write_contents(places, report, sources, &tmp, progress)
        .and_then(|manifest| replace_dir(&tmp, out).map(|()| manifest));
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

fn write_contents(
    places: &[&Place],
    report: &Report,
    sources: Vec<SourceEntry>,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<Manifest> {
    // places.bin is written by a second thread while tantivy indexes: both only read `places`.
    let places_path = dir.join(PLACES);
    let points_path = dir.join(POINTS);
    let (hashes, text) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let started = std::time::Instant::now();
            let hash = write_places(places, &places_path).and_then(|places_hash| {
                let points = encode_points(places);
                write_synced(&points_path, &points)?;
                Ok((places_hash, blake3::hash(&points).to_hex().to_string()))
            });
            (hash, started.elapsed())
        });
        let started = std::time::Instant::now();
        let text = write_text_index(places, &dir.join(TEXT), progress);
        let text_took = started.elapsed();
        let (hash, places_took) = crate::join_scoped(writer);
        progress.stage_done("full-text index", text_took);
        progress.stage_done("places.bin", places_took);
        (hash, text)
    });
    let (content_hash, points_hash) = hashes?;
    text?;

    let report_path = dir.join(REPORT);
    let mut jsonl = Vec::new();
    report
        .write_jsonl(&mut jsonl)
        .map_err(|e| Error::io(&report_path, e))?;
    write_synced(&report_path, &jsonl)?;
    let files = hash_files(dir)?;

    let mut manifest = Manifest {
        format_version: FORMAT_VERSION,
        schema_version: SCHEMA_VERSION.to_owned(),
        writer: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        places: places.len() as u64,
        rejected: report.rejected() as u64,
        warnings: report.warnings() as u64,
        merged: report.merges.iter().map(|m| m.merged.len() as u64).sum(),
        content_hash,
        points_hash,
        sources,
        files,
        manifest_blake3: "0".repeat(64),
    };
    let invalid = |message: &str| Error::InvalidIndex {
        path: dir.to_owned(),
        message: message.to_owned(),
    };
    let mut json = serde_json::to_vec_pretty(&manifest).map_err(|e| invalid(&e.to_string()))?;
    let (zeroed, digits) =
        zero_self_hash(&json).ok_or_else(|| invalid("the manifest has no self-hash"))?;
    let hash = blake3::hash(&zeroed).to_hex().to_string();
    json[digits].copy_from_slice(hash.as_bytes());
    manifest.manifest_blake3 = hash;
    write_synced(&dir.join(MANIFEST), &json)?;
    Ok(manifest)
}

/// The size and hash of every file under `dir` but the manifest.
fn hash_files(dir: &Path) -> Result<BTreeMap<String, FileEntry>> {
    fn walk(dir: &Path, prefix: &str, files: &mut BTreeMap<String, FileEntry>) -> Result<()> {
        for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            let path = entry.path();
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
            if kind.is_dir() {
                walk(&path, &format!("{name}/"), files)?;
            } else if name != MANIFEST && !is_lock_file(&name) {
                files.insert(name, hash_file(&path)?);
            }
        }
        Ok(())
    }
    let mut files = BTreeMap::new();
    walk(dir, "", &mut files)?;
    Ok(files)
}

/// tantivy's lock files, which it creates and empties as it likes.
fn is_lock_file(name: &str) -> bool {
    name.rsplit('/')
        .next()
        .is_some_and(|n| n.starts_with(".tantivy-") && n.ends_with(".lock"))
}

fn hash_file(path: &Path) -> Result<FileEntry> {
    let mut hasher = blake3::Hasher::new();
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let bytes = std::io::copy(
        &mut std::io::BufReader::with_capacity(1 << 20, file),
        &mut hasher,
    )
    .map_err(|e| Error::io(path, e))?;
    Ok(FileEntry {
        bytes,
        blake3: hasher.finalize().to_hex().to_string(),
    })
}

/// Checks the files of the index in `dir` against `manifest`, but those in `skip` (read and
/// hashed in memory by the caller), naming the first that differs.
fn check_files(dir: &Path, manifest: &Manifest, skip: &[&str]) -> Result<(), String> {
    for required in [PLACES, POINTS, "text/meta.json"] {
        if !manifest.files.contains_key(required) {
            return Err(format!("the manifest lists no {required}"));
        }
    }
    for (name, entry) in manifest
        .files
        .iter()
        .filter(|(n, _)| !skip.contains(&n.as_str()))
    {
        let path = dir.join(name);
        let metadata = fs::metadata(&path).map_err(|e| format!("{name}: {e}"))?;
        check_file(name, entry, metadata.len(), || {
            hash_file(&path)
                .map(|f| f.blake3)
                .map_err(|e| e.to_string())
        })?;
    }
    Ok(())
}

/// Checks one file of `bytes` bytes against its `entry`, hashing it only when its size is right.
fn check_file(
    name: &str,
    entry: &FileEntry,
    bytes: u64,
    hash: impl FnOnce() -> Result<String, String>,
) -> Result<(), String> {
    if bytes != entry.bytes {
        return Err(format!(
            "{name} has {bytes} bytes, the manifest says {}: the file is truncated or replaced",
            entry.bytes
        ));
    }
    if hash()? != entry.blake3 {
        return Err(format!(
            "{name} does not match the manifest's hash: the file is corrupt"
        ));
    }
    Ok(())
}

/// Places per chunk of `places.bin`: chunks are decoded in parallel at load.
const CHUNK_PLACES: usize = 65_536;

/// Writes the places as chunks, and returns the BLAKE3 hash of the bytes.
///
/// Layout: the chunks, each a postcard `Vec<Place>` of up to [`CHUNK_PLACES`] places, then
/// each chunk's length in bytes and the number of chunks (u64 little-endian each).
fn write_places(places: &[&Place], path: &Path) -> Result<String> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut out = HashingWriter {
        inner: BufWriter::with_capacity(1 << 20, file),
        hasher: blake3::Hasher::new(),
    };
    let mut footer = Vec::new();
    for chunk in places.chunks(CHUNK_PLACES) {
        let bytes = postcard::to_stdvec(chunk).map_err(|e| Error::InvalidIndex {
            path: path.to_owned(),
            message: format!("cannot write the places: {e}"),
        })?;
        out.write_all(&bytes).map_err(|e| Error::io(path, e))?;
        footer.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    }
    footer.extend_from_slice(&(footer.len() as u64 / 8).to_le_bytes());
    out.write_all(&footer).map_err(|e| Error::io(path, e))?;
    let HashingWriter { inner, hasher } = out;
    let file = inner
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(path, e))?;
    Ok(hasher.finalize().to_hex().to_string())
}

/// Splits `places.bin` into its chunks, from the table at its end.
fn place_chunks(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let read_u64 = |at: usize| -> Option<usize> {
        let word: [u8; 8] = bytes.get(at..at.checked_add(8)?)?.try_into().ok()?;
        usize::try_from(u64::from_le_bytes(word)).ok()
    };
    let count = read_u64(bytes.len().checked_sub(8)?)?;
    let table = bytes
        .len()
        .checked_sub(8)?
        .checked_sub(count.checked_mul(8)?)?;
    let mut start = 0usize;
    let mut chunks = Vec::with_capacity(count);
    for i in 0..count {
        let end = start.checked_add(read_u64(table + 8 * i)?)?;
        chunks.push(bytes.get(start..end)?);
        start = end;
    }
    (start == table).then_some(chunks)
}

/// Decodes the chunks of `places.bin` on two threads, in order.
fn decode_places(bytes: &[u8]) -> std::result::Result<Places, String> {
    let chunks = place_chunks(bytes).ok_or("its chunk table is damaged")?;
    let decode = |chunks: &[&[u8]]| -> std::result::Result<Vec<Vec<Place>>, String> {
        chunks
            .iter()
            .map(|chunk| postcard::from_bytes::<Vec<Place>>(chunk).map_err(|e| e.to_string()))
            .collect()
    };
    let (first, second) = chunks.split_at(chunks.len() / 2);
    let (first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(|| decode(second));
        (decode(first), crate::join_scoped(second))
    });
    let (first, second) = (first?, second?);
    Ok(first
        .into_iter()
        .chain(second)
        .flatten()
        .map(Arc::new)
        .collect())
}

/// A writer that hashes what goes through it.
struct HashingWriter<W> {
    inner: W,
    hasher: blake3::Hasher,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.hasher.update(&bytes[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn write_text_index(places: &[&Place], text_dir: &Path, progress: &dyn Progress) -> Result<()> {
    fs::create_dir(text_dir).map_err(|e| Error::io(text_dir, e))?;
    let (schema, fields) = TextFields::schema();
    let index = Index::create_in_dir(text_dir, schema)?;
    register_analyzers(&index);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let mut writer =
        index.writer_with_num_threads::<tantivy::TantivyDocument>(threads, WRITER_MEMORY)?;
    progress.start("indexing text", places.len() as u64);
    for (chunk_start, chunk) in (0u32..).step_by(4096).zip(places.chunks(4096)) {
        for (ordinal, place) in (chunk_start..).zip(chunk) {
            writer.add_document(fields.document(ordinal, place))?;
        }
        progress.advance(chunk.len() as u64);
    }
    writer.commit()?;
    // One segment: every query pays for each segment (a dictionary lookup per term, a scorer per
    // term), and a completion or a typo asks for dozens of terms.
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    progress.finish();
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = File::create(path).map_err(|e| Error::io(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path, e))
}

/// Whether `out` may be replaced by a new index: it does not exist, or it is a directory whose
/// manifest says that lieux wrote it (any format version, so that an old index can be rebuilt).
fn check_replaceable(out: &Path) -> Result<()> {
    let refuse = |reason: &str| {
        Err(Error::NotAnIndex {
            path: out.to_owned(),
            reason: reason.to_owned(),
        })
    };
    let metadata = match fs::symlink_metadata(out) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(out, e)),
    };
    if !metadata.is_dir() {
        return refuse("it is not a directory");
    }
    let Ok(bytes) = fs::read(out.join(MANIFEST)) else {
        return refuse("it has no manifest.json");
    };
    /// The fields every manifest has had since the first format.
    #[derive(Deserialize)]
    struct Written {
        format_version: u32,
        content_hash: String,
    }
    match serde_json::from_slice::<Written>(&bytes) {
        Ok(written) if written.format_version > 0 && !written.content_hash.is_empty() => Ok(()),
        _ => refuse("its manifest.json is not a lieux manifest"),
    }
}

/// `DIR/.NAME.KIND-PID`: a sibling on the same file system, so that renames are atomic.
fn sibling(out: &Path, kind: &str) -> PathBuf {
    // Numbered within the process too: two threads may write the same index at once (servers
    // started side by side in one test process index the bundled data together).
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    out.with_file_name(format!(
        ".{}.{kind}.{n}-{}",
        out_name(out),
        std::process::id()
    ))
}

fn out_name(out: &Path) -> std::borrow::Cow<'_, str> {
    out.file_name()
        .map_or_else(|| "index".into(), |n| n.to_string_lossy())
}

/// Moves the complete `new` directory to `out`.
///
/// On Linux an existing `out` is swapped with `new` in one `renameat2(RENAME_EXCHANGE)`: at
/// every instant `out` is the whole old index or the whole new one, whenever the process dies.
/// Elsewhere (or on a file system without the exchange) the old index is first moved aside;
/// a process killed between the two renames leaves it as `.NAME.old.N-PID`, and the next
/// `lieux index` to the same `out` puts it back before anything else ([`clear_leftovers`]).
/// The parent directory is synced after, so that the rename outlives a power cut.
fn replace_dir(new: &Path, out: &Path) -> Result<()> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    if out.exists() {
        if !exchange(new, out)? {
            let old = sibling(out, "old");
            fs::rename(out, &old).map_err(|e| Error::io(out, e))?;
            fs::rename(new, out).map_err(|e| Error::io(out, e))?;
            fs::rename(&old, new).map_err(|e| Error::io(&old, e))?;
        }
        // `new` now holds the old index.
        fs::remove_dir_all(new).map_err(|e| Error::io(new, e))?;
    } else {
        fs::rename(new, out).map_err(|e| Error::io(out, e))?;
    }
    sync_dir(parent)
}

/// Swaps two existing paths atomically; `false` when the system or file system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<bool> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => Ok(false),
        Err(e) => Err(Error::io(b, e.into())),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> Result<bool> {
    Ok(false)
}

/// Makes the entries of `dir` (a rename into it) durable.
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Clears what an earlier `lieux index … --out OUT` or reload left beside `out` when it was
/// killed: its temporary `.NAME.tmp.N-PID` directory is removed, and an old index moved aside as
/// `.NAME.old.N-PID` goes back to `out` when `out` is missing (it is removed otherwise). Only
/// directories of processes that no longer run are touched.
fn clear_leftovers(out: &Path) -> Result<()> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    let prefix = format!(".{}.", out_name(out));
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some((kind, pid)) = name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|rest| rest.rsplit_once('-'))
        else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        // `tmp.N`, `old.N` (`tmp` and `old` before numbered siblings).
        let kind = kind.split('.').next().unwrap_or(kind);
        if !matches!(kind, "tmp" | "old") || process_runs(pid) {
            continue;
        }
        let path = entry.path();
        if kind == "old" && !out.exists() && check_replaceable(&path).is_ok() {
            fs::rename(&path, out).map_err(|e| Error::io(&path, e))?;
        } else {
            fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

/// Whether process `pid` runs (ours always does).
pub(crate) fn process_runs(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(unix)]
    {
        let Some(pid) = i32::try_from(pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        else {
            return false;
        };
        // EPERM: it runs, as another user's process.
        !matches!(
            rustix::process::test_kill_process(pid),
            Err(rustix::io::Errno::SRCH)
        )
    }
    #[cfg(not(unix))]
    true
}

/// Longitudes and latitudes as little-endian `f64` pairs, in ordinal order.
/// The positions of `places` sorted along a Z-order (Morton) curve over web-mercator
/// coordinates quantised to 16 bits (about 600 m at the equator).
#[must_use]
pub fn spatial_order(places: &[Place]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..places.len()).collect();
    order.sort_by_cached_key(|&i| spatial_key(&places[i]));
    order
}

/// The key of `place` along the curve of [`spatial_order`].
#[must_use]
pub fn spatial_key(place: &Place) -> u64 {
    fn spread(v: u32) -> u64 {
        let mut x = u64::from(v & 0xffff);
        x = (x | (x << 8)) & 0x00ff_00ff;
        x = (x | (x << 4)) & 0x0f0f_0f0f;
        x = (x | (x << 2)) & 0x3333_3333;
        (x | (x << 1)) & 0x5555_5555
    }
    let x = lieux_tiles::mercator::lon_to_unit_x(place.longitude);
    let y = lieux_tiles::mercator::lat_to_unit_y(place.latitude);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let q = |v: f64| (v.clamp(0.0, 1.0) * 65535.0) as u32;
    spread(q(x)) | (spread(q(y)) << 1)
}

fn encode_points(places: &[&Place]) -> Vec<u8> {
    let mut out = Vec::with_capacity(places.len() * 16);
    for place in places {
        out.extend_from_slice(&place.longitude.to_le_bytes());
        out.extend_from_slice(&place.latitude.to_le_bytes());
    }
    out
}

fn decode_points(bytes: &[u8]) -> impl Iterator<Item = (f64, f64)> + '_ {
    bytes.chunks_exact(16).map(|pair| {
        let (lon, lat) = pair.split_at(8);
        let read = |b: &[u8]| f64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
        (read(lon), read(lat))
    })
}

fn open_text_index(dir: &Path) -> Result<(Index, TextFields, IndexReader)> {
    let text = Index::open_in_dir(dir.join(TEXT))?;
    register_analyzers(&text);
    let fields = TextFields::from_schema(&text.schema())?;
    let reader = text
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    Ok((text, fields, reader))
}

/// An index loaded in memory, ready to answer queries.
pub struct PlaceIndex {
    /// What the index holds.
    pub manifest: Manifest,
    /// The places, by ordinal.
    pub places: Places,
    /// The R-tree of the places, on the unit sphere.
    pub tree: PlaceTree,
    /// The full-text index.
    pub text: Index,
    /// One long-lived reader; each request takes a fresh searcher from it.
    pub reader: IndexReader,
    /// The full-text fields.
    pub fields: TextFields,
    /// Where it was loaded from.
    pub dir: PathBuf,
    /// Which place each document of the text index is.
    pub keys: DocKeys,
    /// What the documents deleted from the text index, but still in its segments, count.
    pub deleted: std::sync::Arc<deleted::DeletedStats>,
}

/// Which place each document of the text index is. A written index numbers its documents by
/// ordinal. An index changed in place ([`amend`]) keeps the documents of the places it kept,
/// whose ordinals may have moved, and numbers its new documents past every number used, so
/// that a document is found again by its key whatever moved around it.
#[derive(Clone, Debug, Default)]
pub struct DocKeys {
    /// The key of each ordinal; empty when keys are ordinals.
    of_ordinal: Vec<u32>,
    /// The ordinal of each key, [`DocKeys::NONE`] for a key no place has; empty when keys
    /// are ordinals.
    ordinal_of: Vec<u32>,
    /// The keys below this were written with the index (its first segment); `None` when keys
    /// are ordinals (every key was).
    written: Option<u32>,
}

impl DocKeys {
    const NONE: u32 = u32::MAX;

    /// The keys of an index whose places have the keys `of_ordinal`, all distinct, below
    /// `next`.
    /// `written` of them with the index.
    fn new(of_ordinal: Vec<u32>, next: u32, written: u32) -> Self {
        let mut ordinal_of = vec![Self::NONE; next as usize];
        for (ordinal, key) in (0u32..).zip(&of_ordinal) {
            ordinal_of[*key as usize] = ordinal;
        }
        Self {
            of_ordinal,
            ordinal_of,
            written: Some(written),
        }
    }

    /// Whether the document `key` was written with the index, in its first segment, rather
    /// than added since, for an index of `places` places.
    #[must_use]
    pub fn written(&self, key: u32, places: usize) -> bool {
        key < self.written_count(places)
    }

    /// How many keys were written with the index, for an index of `places` places.
    fn written_count(&self, places: usize) -> u32 {
        self.written
            .unwrap_or_else(|| u32::try_from(places).expect("fewer than 2^32 places"))
    }

    /// The key of the document of the place `ordinal`.
    #[must_use]
    pub fn key(&self, ordinal: u32) -> u32 {
        self.of_ordinal
            .get(ordinal as usize)
            .copied()
            .unwrap_or(ordinal)
    }

    /// The keys of the first `count` ordinals.
    fn first_keys(&self, count: usize) -> Vec<u32> {
        if self.of_ordinal.is_empty() {
            (0..u32::try_from(count).expect("fewer than 2^32 places")).collect()
        } else {
            self.of_ordinal[..count.min(self.of_ordinal.len())].to_vec()
        }
    }

    /// The ordinal of the place whose document has `key`, if a place of `places` has it.
    #[must_use]
    pub fn ordinal(&self, key: u64, places: usize) -> Option<u32> {
        let key = u32::try_from(key).ok()?;
        let ordinal = if self.ordinal_of.is_empty() {
            key
        } else {
            *self.ordinal_of.get(key as usize)?
        };
        (ordinal != Self::NONE && (ordinal as usize) < places).then_some(ordinal)
    }

    /// The first key no document has had.
    fn next(&self, places: usize) -> u32 {
        if self.ordinal_of.is_empty() {
            u32::try_from(places).expect("fewer than 2^32 places")
        } else {
            u32::try_from(self.ordinal_of.len()).expect("fewer than 2^32 keys")
        }
    }
}

impl PlaceIndex {
    /// Loads the index in `dir` and checks it against its manifest.
    ///
    /// # Errors
    /// [`Error::InvalidIndex`] when a part is missing, the format version differs, the content
    /// hash does not match or the text index does not hold one document per place.
    pub fn open(dir: &Path) -> Result<Self> {
        let invalid = |message: String| Error::InvalidIndex {
            path: dir.to_owned(),
            message,
        };
        let manifest_path = dir.join(MANIFEST);
        let manifest_bytes = fs::read(&manifest_path).map_err(|e| Error::io(&manifest_path, e))?;
        /// The field every version has had, read first so that an old index is told as such.
        #[derive(Deserialize)]
        struct Version {
            format_version: u32,
        }
        let version = serde_json::from_slice::<Version>(&manifest_bytes)
            .map_err(|e| invalid(format!("manifest.json is corrupt: {e}")))?;
        if version.format_version != FORMAT_VERSION {
            return Err(invalid(format!(
                "format version {} but this lieux reads version {FORMAT_VERSION}: rebuild it",
                version.format_version
            )));
        }
        let self_hash_matches = zero_self_hash(&manifest_bytes).is_some_and(|(zeroed, digits)| {
            blake3::hash(&zeroed).to_hex().as_bytes() == &manifest_bytes[digits]
        });
        if !self_hash_matches {
            return Err(invalid(
                "manifest.json does not match its own hash: the file is corrupt".to_owned(),
            ));
        }
        let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
            .map_err(|e| invalid(format!("manifest.json is corrupt: {e}")))?;
        let places_path = dir.join(PLACES);
        let bytes = fs::read(&places_path).map_err(|e| Error::io(&places_path, e))?;
        let points_path = dir.join(POINTS);
        let points = fs::read(&points_path).map_err(|e| Error::io(&points_path, e))?;
        let entry = |name: &str| {
            manifest
                .files
                .get(name)
                .ok_or_else(|| format!("the manifest lists no {name}"))
        };
        // Loading a million places is on the critical path of every restart, so its parts run
        // side by side: the places are decoded while their hash is checked, the R-tree is built
        // from the compact coordinates of points.bin once they are checked, and the other files
        // are checked meanwhile.
        let (others, decoded, tree) = std::thread::scope(|scope| {
            let tree = scope.spawn(|| {
                check_file(POINTS, entry(POINTS)?, points.len() as u64, || {
                    Ok(blake3::hash(&points).to_hex().to_string())
                })?;
                Ok::<_, String>(PlaceTree::build(decode_points(&points)))
            });
            let others = scope.spawn(|| check_files(dir, &manifest, &[PLACES, POINTS]));
            let checked = check_file(PLACES, entry(PLACES)?, bytes.len() as u64, || {
                let hash = blake3::hash(&bytes).to_hex().to_string();
                if hash == manifest.content_hash {
                    Ok(hash)
                } else {
                    Err(
                        "places.bin does not match the manifest's content hash: the file is \
                         corrupt"
                            .to_owned(),
                    )
                }
            });
            let decoded = checked
                .and_then(|()| decode_places(&bytes).map_err(|e| format!("places.bin: {e}")));
            let tree = crate::join_scoped(tree);
            let others = crate::join_scoped(others);
            Ok::<_, String>((others, decoded, tree))
        })
        .map_err(&invalid)?;
        others.map_err(&invalid)?;
        let tree = tree.map_err(&invalid)?;
        let places = decoded.map_err(&invalid)?;
        drop(bytes);
        if places.len() as u64 != manifest.places || tree.len() != places.len() {
            return Err(invalid(format!(
                "places.bin holds {} places and points.bin {}, the manifest says {}",
                places.len(),
                tree.len(),
                manifest.places
            )));
        }
        // Every file is as it was written, so tantivy reads what it wrote; should it panic all
        // the same, the index is refused rather than the process or the reload brought down.
        let opened = std::panic::catch_unwind(|| {
            open_text_index(dir).map(|(text, fields, reader)| {
                let documents = reader.searcher().num_docs();
                (text, fields, reader, documents)
            })
        })
        .map_err(|_| invalid("text/: the full-text engine failed to open it".to_owned()))?;
        let (text, fields, reader, documents) = opened?;
        if documents != manifest.places {
            return Err(invalid(format!(
                "the text index holds {documents} documents for {} places",
                manifest.places
            )));
        }
        Ok(Self {
            manifest,
            places,
            tree,
            text,
            reader,
            fields,
            dir: dir.to_owned(),
            keys: DocKeys::default(),
            deleted: std::sync::Arc::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The id of a process that has exited.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!process_runs(pid));
        pid
    }

    fn build(places: u64, seed: u64, out: &Path) -> Manifest {
        let places = crate::ingest::generate::test_places(places, seed);
        write_index(&places, &Report::default(), Vec::new(), out, &NoProgress).unwrap()
    }

    #[test]
    fn a_build_killed_between_its_two_renames_gets_the_old_index_back() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("idx");
        let old = build(50, 1, &out);
        // What the two-rename replacement leaves when killed after its first rename.
        let aside = dir.path().join(format!(".idx.old-{}", dead_pid()));
        fs::rename(&out, &aside).unwrap();
        let stale_tmp = dir.path().join(format!(".idx.tmp-{}", dead_pid()));
        fs::create_dir(&stale_tmp).unwrap();
        // Every build clears leftovers first: the old index is back before anything is written.
        clear_leftovers(&out).unwrap();
        assert_eq!(
            PlaceIndex::open(&out).unwrap().manifest.content_hash,
            old.content_hash
        );
        assert!(!aside.exists() && !stale_tmp.exists());
        // A directory of a process that runs (this one) is left alone.
        let ours = sibling(&out, "tmp");
        fs::create_dir(&ours).unwrap();
        clear_leftovers(&out).unwrap();
        assert!(ours.exists());
    }

    #[test]
    fn a_replaced_index_is_swapped_whole_and_its_old_files_removed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("idx");
        build(50, 1, &out);
        let new = build(80, 2, &out);
        let opened = PlaceIndex::open(&out).unwrap();
        assert_eq!(opened.manifest.content_hash, new.content_hash);
        assert_eq!(opened.places.len(), 80);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["idx"]);
    }
}
