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
//! The R-tree is not stored: bulk-loading it at start from `points.bin` (16 bytes a place) is
//! cheaper than deserialising a tree, and runs while `places.bin` is decoded.
//!
//! An index is written into a temporary sibling directory and renamed into place at the end, so
//! a failed or interrupted run never leaves a half-written index where a server would load it.
//! On load, the content hash of `places.bin` is checked against the manifest, and the count of
//! tantivy documents against the number of places.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::{Index, IndexReader, ReloadPolicy};

use crate::geo::PlaceTree;
use crate::place::Place;
use crate::report::Report;
use crate::text_index::{register_analyzers, TextFields};
use crate::{Error, Result};

/// The version of the on-disk layout; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 2;
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
/// # Errors
/// [`Error::NoPlaces`] when `places` is empty; I/O and tantivy errors otherwise. On error the
/// temporary directory is removed and `out` is untouched.
pub fn write_index(
    places: &[Place],
    report: &Report,
    sources: Vec<SourceEntry>,
    out: &Path,
    progress: &dyn Progress,
) -> Result<Manifest> {
    if places.is_empty() {
        return Err(Error::NoPlaces);
    }
    let tmp = sibling(out, "tmp");
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    // Places are stored in space-filling-curve order: neighbours on the map are neighbours in
    // memory, which speeds up clustering, tile queries and the R-tree bulk load.
    let ordered: Vec<&Place> = spatial_order(places)
        .into_iter()
        .map(|i| &places[i])
        .collect();
    let result = write_contents(&ordered, report, sources, &tmp, progress)
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
    let file = File::create(&report_path).map_err(|e| Error::io(&report_path, e))?;
    report
        .write_jsonl(BufWriter::new(file))
        .map_err(|e| Error::io(&report_path, e))?;

    let manifest = Manifest {
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
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::InvalidIndex {
        path: dir.to_owned(),
        message: e.to_string(),
    })?;
    write_synced(&dir.join(MANIFEST), &json)?;
    Ok(manifest)
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
fn decode_places(bytes: &[u8]) -> std::result::Result<Vec<Place>, String> {
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
    let total = first.iter().chain(&second).map(Vec::len).sum();
    let mut places = Vec::with_capacity(total);
    for chunk in first.into_iter().chain(second) {
        places.extend(chunk);
    }
    Ok(places)
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

/// `DIR/.NAME.KIND-PID`: a sibling on the same file system, so that renames are atomic.
fn sibling(out: &Path, kind: &str) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "index".into(), |n| n.to_string_lossy());
    out.with_file_name(format!(".{name}.{kind}-{}", std::process::id()))
}

/// Moves the complete `new` directory to `out`. When `out` exists it is first moved aside and
/// removed after: a reader sees the old index or the new one, and between the two renames the
/// path briefly does not exist (an open fails and may be retried), never a partial index.
fn replace_dir(new: &Path, out: &Path) -> Result<()> {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    if out.exists() {
        let old = sibling(out, "old");
        fs::rename(out, &old).map_err(|e| Error::io(out, e))?;
        fs::rename(new, out).map_err(|e| Error::io(out, e))?;
        fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    } else {
        fs::rename(new, out).map_err(|e| Error::io(out, e))?;
    }
    Ok(())
}

/// Longitudes and latitudes as little-endian `f64` pairs, in ordinal order.
/// The positions of `places` sorted along a Z-order (Morton) curve over web-mercator
/// coordinates quantised to 16 bits (about 600 m at the equator).
fn spatial_order(places: &[Place]) -> Vec<usize> {
    fn spread(v: u32) -> u64 {
        let mut x = u64::from(v & 0xffff);
        x = (x | (x << 8)) & 0x00ff_00ff;
        x = (x | (x << 4)) & 0x0f0f_0f0f;
        x = (x | (x << 2)) & 0x3333_3333;
        (x | (x << 1)) & 0x5555_5555
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let key = |place: &Place| {
        let x = lieux_tiles::mercator::lon_to_unit_x(place.longitude);
        let y = lieux_tiles::mercator::lat_to_unit_y(place.latitude);
        let q = |v: f64| (v.clamp(0.0, 1.0) * 65535.0) as u32;
        spread(q(x)) | (spread(q(y)) << 1)
    };
    let mut order: Vec<usize> = (0..places.len()).collect();
    order.sort_by_cached_key(|&i| key(&places[i]));
    order
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
    pub places: Vec<Place>,
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
        let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
            .map_err(|e| invalid(format!("manifest.json: {e}")))?;
        if manifest.format_version != FORMAT_VERSION {
            return Err(invalid(format!(
                "format version {} but this lieux reads version {FORMAT_VERSION}: rebuild it",
                manifest.format_version
            )));
        }
        let places_path = dir.join(PLACES);
        let bytes = fs::read(&places_path).map_err(|e| Error::io(&places_path, e))?;
        let points_path = dir.join(POINTS);
        let points = fs::read(&points_path).map_err(|e| Error::io(&points_path, e))?;
        // Loading a million places is on the critical path of every restart, so its parts run
        // side by side: the places are decoded while their hash is checked and the R-tree is
        // built from the compact coordinates of points.bin.
        let (hash, decoded, tree) = std::thread::scope(|scope| {
            let tree = scope.spawn(|| {
                let hash = blake3::hash(&points).to_hex().to_string();
                let tree = PlaceTree::build(decode_points(&points));
                (hash, tree)
            });
            let hash = scope.spawn(|| blake3::hash(&bytes).to_hex().to_string());
            let decoded = decode_places(&bytes);
            (crate::join_scoped(hash), decoded, crate::join_scoped(tree))
        });
        if hash != manifest.content_hash || tree.0 != manifest.points_hash {
            return Err(invalid(format!(
                "places.bin or points.bin does not match the manifest's hashes \
                 (places.bin has {hash}, the manifest says {}): the index is corrupt",
                manifest.content_hash
            )));
        }
        let places = decoded.map_err(|e| invalid(format!("places.bin: {e}")))?;
        let tree = tree.1;
        drop(bytes);
        if places.len() as u64 != manifest.places || tree.len() != places.len() {
            return Err(invalid(format!(
                "places.bin holds {} places and points.bin {}, the manifest says {}",
                places.len(),
                tree.len(),
                manifest.places
            )));
        }
        let opened = open_text_index(dir);
        let (text, fields, reader) = opened?;
        let documents = reader.searcher().num_docs();
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
        })
    }
}
