//! Reading a source file into rows of text, whatever its format.
//!
//! CSV is streamed record by record, so a million-row file never sits in memory as text.
//! JSON and GeoJSON are parsed whole (their parser needs the full document anyway) and flattened
//! into the same shape: a header of column names and rows of strings. The mapping engine then
//! sees every source the same way.
//!
//! Malformed files fail with the file and the position: the line and column of a JSON syntax
//! error, the line of a broken CSV record or of invalid UTF-8.
//!
//! A source is read only when it is a regular file, and only up to the size it had when it was
//! opened: a device (`/dev/zero`), a FIFO or a socket would otherwise fill the memory or hang the
//! import (and with it every later reload), and the files of `/proc`, which claim to be empty,
//! are read as empty. A file has at most [`MAX_COLUMNS`] columns, or JSON keys: rows are as wide
//! as the union of their keys, so a document with a new key per record would need memory in the
//! square of its size.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use serde_json::Value;

use crate::{Error, Result};

/// Where a row is in its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowLocation {
    /// 1-based record number (the header row is not counted).
    pub row: u64,
    /// 1-based line where the record starts, for line-oriented formats.
    pub line: Option<u64>,
}

/// A source file opened and sniffed, ready to be read row by row.
#[derive(Debug)]
pub enum SourceFile {
    /// A delimited text file; rows are streamed from disk.
    Csv {
        /// The column names.
        header: Vec<String>,
        /// The sniffed delimiter.
        delimiter: u8,
        /// Whether lines end with `\r\n`: the csv crate then counts the line of each record
        /// from the `\n` that ends the one before, one too low.
        crlf: bool,
    },
    /// A JSON or GeoJSON document flattened into rows.
    Json {
        /// Whether it was a GeoJSON `FeatureCollection`.
        geojson: bool,
        /// The union of the records' keys, in first-seen order.
        header: Vec<String>,
        /// The records, aligned with `header`.
        rows: Vec<Vec<String>>,
        /// Problems with single records (a feature that is not a point…), by row number.
        row_problems: Vec<(u64, String)>,
    },
}

/// The most columns (CSV) or distinct keys (JSON) a source may have; the national schema has 33.
pub const MAX_COLUMNS: usize = 1024;

/// Opens a source for reading, bounded to the size it has now.
///
/// # Errors
/// [`Error::NotAFile`] when it is not a regular file, [`Error::Io`] when it cannot be opened.
fn open_source(path: &Path) -> Result<std::io::Take<File>> {
    // Asked before opening: opening a FIFO blocks until something writes to it.
    let metadata = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !metadata.is_file() {
        return Err(not_a_file(path, &metadata.file_type()));
    }
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let metadata = file.metadata().map_err(|e| Error::io(path, e))?;
    if !metadata.is_file() {
        return Err(not_a_file(path, &metadata.file_type()));
    }
    Ok(file.take(metadata.len()))
}

fn not_a_file(path: &Path, kind: &std::fs::FileType) -> Error {
    use std::os::unix::fs::FileTypeExt;
    let kind = if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else {
        "not a regular file"
    };
    Error::NotAFile {
        path: path.to_owned(),
        kind,
    }
}

fn too_many_columns(path: &Path, position: &str) -> Error {
    Error::Malformed {
        path: path.to_owned(),
        position: position.to_owned(),
        message: format!("more than {MAX_COLUMNS} columns: this is not a table of places"),
    }
}

/// The columns added to every GeoJSON row from its geometry.
pub const GEOJSON_LONGITUDE: &str = "longitude";
/// See [`GEOJSON_LONGITUDE`].
pub const GEOJSON_LATITUDE: &str = "latitude";

impl SourceFile {
    /// Opens `path`, deciding between CSV and JSON by its first non-blank byte, and reads its
    /// header. `records` is the JSON pointer to the array of records.
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be read; [`Error::Malformed`] when it is not valid UTF-8,
    /// CSV or JSON, naming the position.
    pub fn open(path: &Path, records: &str) -> Result<Self> {
        let mut start = [0u8; 4096];
        let read = read_prefix(path, &mut start)?;
        let first = start[..read]
            .iter()
            .copied()
            .find(|b| !b.is_ascii_whitespace());
        let first = if start[..read].starts_with(b"\xEF\xBB\xBF") {
            start[3..read]
                .iter()
                .copied()
                .find(|b| !b.is_ascii_whitespace())
        } else {
            first
        };
        match first {
            Some(b'[' | b'{') => Self::open_json(path, records),
            Some(_) => Self::open_csv(path, &start[..read]),
            None => Err(Error::Malformed {
                path: path.to_owned(),
                position: "start".to_owned(),
                message: "the file is empty".to_owned(),
            }),
        }
    }

    /// The column names.
    #[must_use]
    pub fn header(&self) -> &[String] {
        match self {
            Self::Csv { header, .. } | Self::Json { header, .. } => header,
        }
    }

    /// Calls `each` with every row and its location, in file order.
    ///
    /// # Errors
    /// As [`SourceFile::for_each_batch`].
    pub fn for_each_row(
        &self,
        path: &Path,
        delimiter: Option<u8>,
        mut each: impl FnMut(RowLocation, &[&str]),
        bad_row: impl FnMut(RowLocation, String),
    ) -> Result<()> {
        self.for_each_batch(
            path,
            delimiter,
            |batch| batch.iter().for_each(|(at, row)| each(*at, row)),
            bad_row,
        )
    }

    /// Calls `each` with batches of [`BATCH_ROWS`] rows (the last one shorter), in file order,
    /// so that callers can work on a batch in parallel.
    ///
    /// `delimiter` overrides the sniffed CSV delimiter. A CSV record whose number of fields
    /// differs from the header's is passed to `bad_row`, not to `each`.
    ///
    /// # Errors
    /// [`Error::Malformed`] when the CSV breaks off (bad quoting, invalid UTF-8).
    pub fn for_each_batch(
        &self,
        path: &Path,
        delimiter: Option<u8>,
        mut each: impl FnMut(&[(RowLocation, Vec<&str>)]),
        mut bad_row: impl FnMut(RowLocation, String),
    ) -> Result<()> {
        match self {
            Self::Csv {
                header,
                delimiter: sniffed,
                crlf,
            } => {
                let line_of = |counted: u64| counted + u64::from(*crlf);
                let file = open_source(path)?;
                let mut reader = csv::ReaderBuilder::new()
                    .delimiter(delimiter.unwrap_or(*sniffed))
                    .flexible(true)
                    .from_reader(BufReader::with_capacity(1 << 20, file));
                // Read the header first, so that positions below are those of data records.
                reader.headers().map_err(|e| csv_error(path, &e, Some(1)))?;
                // Records are read into a pool that is reused from batch to batch.
                let mut pool: Vec<(RowLocation, csv::StringRecord)> = Vec::new();
                let mut filled = 0;
                let mut row = 0;
                loop {
                    if filled == pool.len() {
                        pool.push((RowLocation { row: 0, line: None }, csv::StringRecord::new()));
                    }
                    // Where the next record starts: the csv crate's own error position can
                    // point at the previous record.
                    let starts_at = line_of(reader.position().line());
                    let record = &mut pool[filled].1;
                    let more = reader
                        .read_record(record)
                        .map_err(|e| csv_error(path, &e, Some(starts_at)))?;
                    if more {
                        row += 1;
                        let location = RowLocation {
                            row,
                            line: record.position().map(|p| line_of(p.line())),
                        };
                        match check_width(record, header.len()) {
                            Width::Right => {
                                pool[filled].0 = location;
                                filled += 1;
                            }
                            Width::Blank => {}
                            Width::Wrong(reason) => bad_row(location, reason),
                            Width::BrokenQuote => {
                                return Err(Error::Malformed {
                                    path: path.to_owned(),
                                    position: format!("line {starts_at}"),
                                    message: "broken quoting: a quoted field runs over the \
                                              following lines and the record is short of fields"
                                        .to_owned(),
                                });
                            }
                        }
                    }
                    if filled == BATCH_ROWS || (!more && filled > 0) {
                        let batch: Vec<(RowLocation, Vec<&str>)> = pool[..filled]
                            .iter()
                            .map(|(at, record)| (*at, record.iter().collect()))
                            .collect();
                        each(&batch);
                        filled = 0;
                    }
                    if !more {
                        return Ok(());
                    }
                }
            }
            Self::Json {
                rows, row_problems, ..
            } => {
                let mut problems = row_problems.iter().peekable();
                let mut batch = Vec::with_capacity(BATCH_ROWS);
                for (i, values) in rows.iter().enumerate() {
                    let location = RowLocation {
                        row: i as u64 + 1,
                        line: None,
                    };
                    if problems.peek().is_some_and(|(row, _)| *row == location.row) {
                        if let Some((_, message)) = problems.next() {
                            bad_row(location, message.clone());
                        }
                        continue;
                    }
                    batch.push((location, values.iter().map(String::as_str).collect()));
                    if batch.len() == BATCH_ROWS {
                        each(&batch);
                        batch.clear();
                    }
                }
                if !batch.is_empty() {
                    each(&batch);
                }
                Ok(())
            }
        }
    }

    fn open_csv(path: &Path, start: &[u8]) -> Result<Self> {
        let delimiter = sniff_delimiter(start);
        let file = open_source(path)?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .from_reader(file);
        let header = reader.headers().map_err(|e| csv_error(path, &e, Some(1)))?;
        if header.len() > MAX_COLUMNS {
            return Err(too_many_columns(path, "line 1"));
        }
        let header = header
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
            .collect();
        let crlf = start
            .iter()
            .position(|b| *b == b'\n')
            .is_some_and(|i| i > 0 && start[i - 1] == b'\r');
        Ok(Self::Csv {
            header,
            delimiter,
            crlf,
        })
    }

    fn open_json(path: &Path, records: &str) -> Result<Self> {
        let mut bytes = Vec::new();
        open_source(path)?
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        let text = std::str::from_utf8(&bytes).map_err(|e| utf8_error(path, &bytes, &e))?;
        let document: Value =
            serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
                Error::Malformed {
                    path: path.to_owned(),
                    position: format!("line {}, column {}", e.line(), e.column()),
                    message: e.to_string(),
                }
            })?;
        let geojson = document.get("type").and_then(Value::as_str) == Some("FeatureCollection");
        let pointer = if geojson && records.is_empty() {
            "/features"
        } else {
            records
        };
        let not_records = |what: &str| Error::Malformed {
            path: path.to_owned(),
            position: format!("JSON pointer {pointer:?}"),
            message: format!("expected an array of records, found {what}"),
        };
        let items = match document.pointer(pointer) {
            Some(Value::Array(items)) => items,
            Some(other) => return Err(not_records(json_kind(other))),
            None => return Err(not_records("nothing")),
        };

        let mut header: Vec<String> = Vec::new();
        let mut columns: HashMap<String, usize> = HashMap::new();
        let mut objects = Vec::with_capacity(items.len());
        let mut row_problems = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let row = i as u64 + 1;
            let (properties, position) = if geojson {
                match geojson_feature(item) {
                    Ok(parts) => parts,
                    Err(message) => {
                        row_problems.push((row, message));
                        (None, None)
                    }
                }
            } else {
                match item {
                    Value::Object(map) => (Some(map), None),
                    other => {
                        row_problems.push((
                            row,
                            format!("a record must be an object, not {}", json_kind(other)),
                        ));
                        (None, None)
                    }
                }
            };
            let mut object: Vec<(String, String)> = properties
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), json_text(v)))
                .collect();
            if let Some((lon, lat)) = position {
                object.retain(|(k, _)| k != GEOJSON_LONGITUDE && k != GEOJSON_LATITUDE);
                object.push((GEOJSON_LONGITUDE.to_owned(), lon));
                object.push((GEOJSON_LATITUDE.to_owned(), lat));
            }
            for (key, _) in &object {
                if !columns.contains_key(key) {
                    if header.len() == MAX_COLUMNS {
                        return Err(too_many_columns(path, &format!("record {row}")));
                    }
                    columns.insert(key.clone(), header.len());
                    header.push(key.clone());
                }
            }
            objects.push(object);
        }
        let rows = objects
            .into_iter()
            .map(|object| {
                let mut row = vec![String::new(); header.len()];
                for (key, value) in object {
                    row[columns[&key]] = value;
                }
                row
            })
            .collect();
        Ok(Self::Json {
            geojson,
            header,
            rows,
            row_problems,
        })
    }
}

/// The number of rows handed over at once by [`SourceFile::for_each_batch`].
pub const BATCH_ROWS: usize = 8192;

enum Width {
    Right,
    Blank,
    Wrong(String),
    BrokenQuote,
}

/// Whether a CSV record has as many fields as the header.
fn check_width(record: &csv::StringRecord, expected: usize) -> Width {
    if record.len() == expected {
        Width::Right
    } else if record.len() == 1 && record.get(0).is_some_and(str::is_empty) {
        Width::Blank
    } else if record.len() < expected && record.iter().any(|f| f.contains('\n')) {
        // A quote that never closes swallows the following lines into one field: the rest of
        // the file cannot be trusted.
        Width::BrokenQuote
    } else {
        Width::Wrong(format!(
            "the record has {} fields, the header has {expected}",
            record.len()
        ))
    }
}

type FeatureParts<'a> = (
    Option<&'a serde_json::Map<String, Value>>,
    Option<(String, String)>,
);

/// The properties and the point of a GeoJSON feature.
fn geojson_feature(item: &Value) -> std::result::Result<FeatureParts<'_>, String> {
    if item.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err("a FeatureCollection member is not a Feature".to_owned());
    }
    let properties = item.get("properties").and_then(Value::as_object);
    let position = match item.get("geometry") {
        None | Some(Value::Null) => None,
        Some(geometry) => {
            let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("?");
            if kind != "Point" {
                return Err(format!("the geometry is a {kind}, not a Point"));
            }
            let coordinates = geometry.get("coordinates").and_then(Value::as_array);
            match coordinates.map(Vec::as_slice) {
                Some([lon, lat, ..]) => Some((json_text(lon), json_text(lat))),
                _ => return Err("the Point has no [longitude, latitude] coordinates".to_owned()),
            }
        }
    };
    Ok((properties, position))
}

/// The text of a JSON value as a column: strings as they are, numbers as written, arrays joined
/// with `|` (the schema's multi-value separator), objects as JSON.
fn json_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => items.iter().map(json_text).collect::<Vec<_>>().join("|"),
        Value::Object(_) => value.to_string(),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn read_prefix(path: &Path, buf: &mut [u8]) -> Result<usize> {
    let mut file = open_source(path)?;
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    Ok(filled)
}

/// The most frequent of `,`, `;` and tab on the first line, outside quotes.
fn sniff_delimiter(start: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in start {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let candidates = [b',', b';', b'\t'];
    let best = (0..3)
        .max_by_key(|&i| (counts[i], usize::from(i == 0)))
        .unwrap_or(0);
    candidates[best]
}

fn csv_error(path: &Path, error: &csv::Error, record_line: Option<u64>) -> Error {
    let position = record_line
        .or_else(|| error.position().map(csv::Position::line))
        .map_or_else(
            || "unknown position".to_owned(),
            |line| format!("line {line}"),
        );
    let message = match error.kind() {
        csv::ErrorKind::Utf8 { err, .. } => {
            format!(
                "invalid UTF-8 in field {} (the file must be UTF-8)",
                err.field() + 1
            )
        }
        _ => error.to_string(),
    };
    Error::Malformed {
        path: path.to_owned(),
        position,
        message,
    }
}

fn utf8_error(path: &Path, bytes: &[u8], error: &std::str::Utf8Error) -> Error {
    let valid = &bytes[..error.valid_up_to()];
    let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
    let column = valid.len() - valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
    Error::Malformed {
        path: path.to_owned(),
        position: format!(
            "line {line}, column {column} (byte {})",
            error.valid_up_to()
        ),
        message: "invalid UTF-8 (the file must be UTF-8)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(content: &[u8], suffix: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
        f.write_all(content).unwrap();
        f
    }

    fn rows(source: &SourceFile, path: &Path) -> (Vec<Vec<String>>, Vec<(u64, String)>) {
        let mut rows = Vec::new();
        let mut bad = Vec::new();
        source
            .for_each_row(
                path,
                None,
                |_, r| rows.push(r.iter().map(|s| (*s).to_owned()).collect()),
                |loc, m| bad.push((loc.row, m)),
            )
            .unwrap();
        (rows, bad)
    }

    #[test]
    fn csv_delimiter_is_sniffed_and_short_rows_are_reported() {
        let f = file("a;b;c\n1;\"x;y\";3\n4;5\n\n6;7;8\n".as_bytes(), ".csv");
        let source = SourceFile::open(f.path(), "").unwrap();
        assert_eq!(source.header(), ["a", "b", "c"]);
        let (rows, bad) = rows(&source, f.path());
        assert_eq!(rows, [["1", "x;y", "3"], ["6", "7", "8"]]);
        assert_eq!(
            bad,
            [(2, "the record has 2 fields, the header has 3".to_owned())]
        );
    }

    #[test]
    fn invalid_utf8_and_truncated_json_name_their_position() {
        let f = file(b"a,b\n1,2\n3,\xff\n", ".csv");
        let source = SourceFile::open(f.path(), "").unwrap();
        let err = source
            .for_each_row(f.path(), None, |_, _| {}, |_, _| {})
            .unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
        assert!(err.to_string().contains("UTF-8"), "{err}");

        let f = file(b"[{\"a\": 1},\n {\"a\": ", ".json");
        let err = SourceFile::open(f.path(), "").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn geojson_points_become_columns_and_other_geometries_are_reported() {
        let f = file(
            br#"{"type":"FeatureCollection","features":[
              {"type":"Feature","geometry":{"type":"Point","coordinates":[-0.55,47.47]},"properties":{"nom":"A","services":["X","Y"]}},
              {"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]},"properties":{"nom":"B"}}]}"#,
            ".geojson",
        );
        let source = SourceFile::open(f.path(), "").unwrap();
        assert_eq!(
            source.header(),
            ["nom", "services", "longitude", "latitude"]
        );
        let (rows, bad) = rows(&source, f.path());
        assert_eq!(rows, [["A", "X|Y", "-0.55", "47.47"]]);
        assert_eq!(
            bad,
            [(2, "the geometry is a LineString, not a Point".to_owned())]
        );
    }
}
