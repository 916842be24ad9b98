//! Readers: any source file in, validated [`Place`]s and a report out.
//!
//! A file is opened ([`read::SourceFile`]), matched with a [`mapping::SourceMapping`] (named with
//! `--format`, given as a TOML file with `--mapping`, or detected from its columns), and each row
//! is mapped to a draft and validated into a place by [`crate::ingest::normalize::Normalizer`].
//!
//! The built-in sources are mapping files compiled into the binary, checked in detection order:
//! the specific producers first, the schema v1.0.2 identity mapping last.

use std::path::Path;

use super::mapping::{Draft, FileFormat, SourceMapping};
use super::read::{RowLocation, SourceFile};

use crate::ingest::normalize::Normalizer;
use crate::place::Place;
use crate::store::report::{Problem, Report, Severity};
use crate::{Error, Result};

const BUILTIN_TOML: &[(&str, &str)] = &[
    (
        "france-services.toml",
        include_str!("../../sources/france-services.toml"),
    ),
    (
        "conseillers-numeriques-v0.1.toml",
        include_str!("../../sources/conseillers-numeriques-v0.1.toml"),
    ),
    (
        "maine-et-loire.toml",
        include_str!("../../sources/maine-et-loire.toml"),
    ),
    ("angers.toml", include_str!("../../sources/angers.toml")),
];

/// The built-in source mappings, in detection order.
///
/// # Panics
/// Never in a released build: the files are checked by the tests.
#[must_use]
pub fn builtin_mappings() -> Vec<SourceMapping> {
    let mut mappings: Vec<SourceMapping> = BUILTIN_TOML
        .iter()
        .map(|(name, text)| {
            SourceMapping::from_toml(text, name)
                .unwrap_or_else(|e| panic!("built-in mapping {name} is invalid: {e}"))
        })
        .collect();
    mappings.push(SourceMapping::schema_v1());
    mappings
}

/// How to choose the mapping of a file.
#[derive(Clone, Debug, Default)]
pub enum FormatChoice {
    /// From the file's columns.
    #[default]
    Detect,
    /// A built-in mapping, by name (`--format`).
    Named(String),
    /// A mapping file (`--mapping`).
    Mapping(Box<SourceMapping>),
}

/// What reading one file gave.
#[derive(Debug)]
pub struct FileRead {
    /// The name of the mapping used.
    pub format: String,
    /// Records read.
    pub records: u64,
    /// Records accepted.
    pub accepted: u64,
    /// Columns the mapping names that the file does not have (read as empty).
    pub missing_columns: Vec<String>,
}

/// Reads `path` into `places`, reporting every problem to `report`.
///
/// # Errors
/// When the file cannot be read or parsed as a whole, when no mapping fits it, or when the mapping
/// does not fit its columns. Problems with single records are not errors: they go to `report`.
pub fn read_places(
    path: &Path,
    choice: &FormatChoice,
    report: &mut Report,
    places: &mut Vec<Place>,
) -> Result<FileRead> {
    let builtins;
    let mapping = match choice {
        FormatChoice::Mapping(mapping) => mapping.as_ref(),
        FormatChoice::Named(name) => {
            builtins = builtin_mappings();
            builtins
                .iter()
                .find(|m| m.source.name == *name)
                .ok_or_else(|| Error::UnknownFormat {
                    path: path.to_owned(),
                    message: format!(
                        "no built-in format is called {name:?}; the formats are: {}",
                        builtins
                            .iter()
                            .map(|m| m.source.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    columns: Vec::new(),
                })?
        }
        FormatChoice::Detect => {
            builtins = builtin_mappings();
            return read_detected(path, &builtins, report, places);
        }
    };
    let file = SourceFile::open(path, &mapping.source.records)?;
    read_with(path, &file, mapping, report, places)
}

fn read_detected(
    path: &Path,
    builtins: &[SourceMapping],
    report: &mut Report,
    places: &mut Vec<Place>,
) -> Result<FileRead> {
    let file = SourceFile::open(path, "")?;
    let format_fits = |m: &SourceMapping| match (m.source.format, &file) {
        (None, _) => true,
        (Some(FileFormat::Csv), SourceFile::Csv { .. }) => true,
        (Some(FileFormat::Json), SourceFile::Json { geojson, .. }) => !geojson,
        (Some(FileFormat::Geojson), SourceFile::Json { geojson, .. }) => *geojson,
        _ => false,
    };
    let mapping = builtins
        .iter()
        .find(|m| format_fits(m) && m.detects(file.header()))
        .ok_or_else(|| Error::UnknownFormat {
            path: path.to_owned(),
            message: format!(
                "its columns match no built-in format ({}); name one with --format or \
                 describe the source in a mapping file (docs/sources.md) and pass --mapping",
                builtins
                    .iter()
                    .map(|m| m.source.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            columns: file.header().to_vec(),
        })?;
    read_with(path, &file, mapping, report, places)
}

fn read_with(
    path: &Path,
    file: &SourceFile,
    mapping: &SourceMapping,
    report: &mut Report,
    places: &mut Vec<Place>,
) -> Result<FileRead> {
    let compiled = mapping.compile(file.header())?;
    let name = path.display().to_string();
    for (column, first, second) in duplicate_columns(file.header()) {
        report.push(Problem {
            severity: Severity::Warning,
            file: name.clone(),
            row: 0,
            line: matches!(file, SourceFile::Csv { .. }).then_some(1),
            field: None,
            value: column.to_owned(),
            reason: format!(
                "the header has the column {column:?} twice (columns {first} and {second}): \
                 the first is read, the second is ignored"
            ),
        });
    }
    let normalizer = Normalizer::new(&name, mapping)?;
    let delimiter = mapping.source.delimiter.and_then(|c| u8::try_from(c).ok());
    let mut records = 0;
    let mut accepted = 0;
    let mut bad_rows = Vec::new();
    file.for_each_batch(
        path,
        delimiter,
        |batch| {
            // Each half of the batch is validated on its own thread; results keep file order.
            let (first, second) = batch.split_at(batch.len() / 2);
            let work = |rows: &[(RowLocation, Vec<&str>)]| {
                let mut draft = Draft::new();
                let mut local = Report::default();
                let mut out = Vec::with_capacity(rows.len());
                for (at, row) in rows {
                    compiled.apply(row, &mut draft);
                    let x = row.get(compiled.x).copied().unwrap_or("");
                    let y = row.get(compiled.y).copied().unwrap_or("");
                    out.extend(normalizer.place(&draft, x, y, *at, &mut local));
                }
                (out, local)
            };
            let (a, b) = std::thread::scope(|scope| {
                let second = scope.spawn(|| work(second));
                let first = work(first);
                (first, crate::join_scoped(second))
            });
            records += batch.len() as u64;
            for (out, local) in [a, b] {
                accepted += out.len() as u64;
                places.extend(out);
                report.problems.extend(local.problems);
            }
        },
        |at, reason| bad_rows.push((at, reason)),
    )?;
    for (at, reason) in bad_rows {
        records += 1;
        report.push(Problem {
            severity: Severity::Rejected,
            file: name.clone(),
            row: at.row,
            line: at.line,
            field: None,
            value: String::new(),
            reason,
        });
    }
    *report.read.entry(name).or_default() += records;
    Ok(FileRead {
        format: mapping.source.name.clone(),
        records,
        accepted,
        missing_columns: compiled.missing_columns,
    })
}

/// The columns of `header` named more than once: the name, its first and its next position
/// (1-based).
fn duplicate_columns(header: &[String]) -> Vec<(&str, usize, usize)> {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut duplicates = Vec::new();
    for (i, column) in header.iter().enumerate() {
        match seen.get(column.as_str()) {
            Some(first) => duplicates.push((column.as_str(), first + 1, i + 1)),
            None => {
                seen.insert(column, i);
            }
        }
    }
    duplicates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_mappings_parse_and_have_distinct_names() {
        let mappings = builtin_mappings();
        let mut names: Vec<_> = mappings.iter().map(|m| m.source.name.clone()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), mappings.len());
        assert!(mappings.iter().all(|m| !m.source.detect.is_empty()));
    }
}
