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
    let normalizer = Normalizer::new(&name, mapping)?.with_file_modified(modified_day(path));
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

/// The local day `path` was last modified, if the system tells.
fn modified_day(path: &Path) -> Option<chrono::NaiveDate> {
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
    Some(chrono::DateTime::<chrono::Local>::from(modified).date_naive())
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
    use crate::place::{DatePrecision, SchemaField, TextField};
    use chrono::NaiveDate;

    /// A hub's export with French dates and hours, hours in a description, and dates missing or
    /// unreadable; its mapping, with `extracted_on` when given.
    fn read_hub(extracted_on: Option<&str>) -> (Vec<Place>, Report) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.csv");
        std::fs::write(
            &path,
            "ID;LAT;LON;MAJ;HORAIRES;DESCRIPTION\n\
             1;47.47;-0.55;Février 2021;du lundi au vendredi de 9h à 12h;\n\
             2;47.47;-0.55;2021;;Horaires : le mardi matin / Accès : bus\n\
             3;47.47;-0.55;inconnue;9h-12h sauf jeudi;\n\
             4;47.47;-0.55;;;Horaires : Ligne 6\n\
             5;47.47;-0.55;1er mars 2021;Mo-Fr 09:00-12:00;\n",
        )
        .unwrap();
        // Noon UTC of 2020-05-17 is that day in every French time zone.
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_589_716_800))
            .unwrap();
        let extracted = extracted_on.map_or(String::new(), |d| format!("extracted_on = \"{d}\""));
        let toml = format!(
            "[source]\nname = \"hub\"\n{extracted}\n[coordinates]\nx = \"LON\"\ny = \"LAT\"\n\
             [fields]\nid = {{ template = \"hub-{{ID}}\" }}\ndate_maj = \"MAJ\"\n\
             horaires = {{ weekly_text = \"HORAIRES\" }}\npresentation_detail = \"DESCRIPTION\"\n"
        );
        let mapping = SourceMapping::from_toml(&toml, "hub.toml").unwrap();
        let mut report = Report::default();
        let mut places = Vec::new();
        read_places(
            &path,
            &FormatChoice::Mapping(Box::new(mapping)),
            &mut report,
            &mut places,
        )
        .unwrap();
        (places, report)
    }

    fn reasons(report: &Report, row: u64, field: SchemaField) -> Vec<&str> {
        report
            .problems
            .iter()
            .filter(|p| p.row == row && p.field == Some(field.name()))
            .map(|p| p.reason.as_str())
            .collect()
    }

    #[test]
    fn french_dates_are_read_with_their_precision_and_unknown_ones_marked() {
        let (places, report) = read_hub(Some("2022-12-01"));
        let dates: Vec<(String, DatePrecision, bool)> = places
            .iter()
            .map(|p| (p.date_maj.to_string(), p.date_precision, p.date_maj_known()))
            .collect();
        assert_eq!(
            dates,
            [
                ("2021-02-01".to_owned(), DatePrecision::Month, true),
                ("2021-01-01".to_owned(), DatePrecision::Year, true),
                ("2022-12-01".to_owned(), DatePrecision::Unknown, false),
                ("2022-12-01".to_owned(), DatePrecision::Unknown, false),
                ("2021-03-01".to_owned(), DatePrecision::Day, true),
            ]
        );
        assert_eq!(
            reasons(&report, 1, SchemaField::DateMaj),
            ["known only to the month: set to its first day, 2021-02-01 (approximate)"]
        );
        assert_eq!(
            reasons(&report, 3, SchemaField::DateMaj),
            [
                "not a date: set to the source's extraction date ([source].extracted_on), \
                 2022-12-01, and marked unknown"
            ]
        );
        // The unreadable text is kept on the place.
        assert!(places[2]
            .autres_valeurs
            .iter()
            .any(|o| o.field == SchemaField::DateMaj && &*o.value == "inconnue"));
        assert!(reasons(&report, 5, SchemaField::DateMaj).is_empty());
    }

    #[test]
    fn without_an_extraction_date_the_file_date_stands_in() {
        let (places, report) = read_hub(None);
        let file_day = NaiveDate::from_ymd_opt(2020, 5, 17).unwrap();
        assert_eq!(places[3].date_maj, file_day);
        assert!(!places[3].date_maj_known());
        assert_eq!(
            reasons(&report, 4, SchemaField::DateMaj),
            [
                "missing required field: set to the file's modification date, 2020-05-17, \
                 and marked unknown"
            ]
        );
    }

    #[test]
    fn a_file_of_the_schema_keeps_its_own_horaires() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lieux.csv");
        std::fs::write(
            &path,
            "id,nom,adresse,services,date_maj,latitude,longitude,presentation_detail\n\
             a,A,1 rue,,2024-01-02,47.47,-0.55,Horaires : lundi 9h-12h\n",
        )
        .unwrap();
        let (mut report, mut places) = (Report::default(), Vec::new());
        read_places(&path, &FormatChoice::Detect, &mut report, &mut places).unwrap();
        assert_eq!(places[0].text(TextField::Horaires), "");
        assert!(reasons(&report, 1, SchemaField::Horaires).is_empty());
    }

    #[test]
    fn a_plain_hours_column_keeps_osm_reads_french_and_sets_the_rest_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hours.csv");
        std::fs::write(
            &path,
            "ID;LAT;LON;H\n1;47.47;-0.55;\"Mo-Fr 09:00-12:00; PH off\"\n\
             2;47.47;-0.55;Du lundi au jeudi, 9h-12h\n3;47.47;-0.55;Th 08:30-12:00-13:30\n",
        )
        .unwrap();
        let toml =
            "[source]\nname = \"h\"\ndelimiter = \";\"\n[coordinates]\nx = \"LON\"\ny = \"LAT\"\n\
                    [fields]\nid = { template = \"h-{ID}\" }\nhoraires = \"H\"\n";
        let mapping = SourceMapping::from_toml(toml, "h.toml").unwrap();
        let (mut report, mut places) = (Report::default(), Vec::new());
        let choice = FormatChoice::Mapping(Box::new(mapping));
        read_places(&path, &choice, &mut report, &mut places).unwrap();
        let hours: Vec<&str> = places.iter().map(|p| p.text(TextField::Horaires)).collect();
        assert_eq!(
            hours,
            ["Mo-Fr 09:00-12:00; PH off", "Mo-Th 09:00-12:00", ""]
        );
        assert!(reasons(&report, 1, SchemaField::Horaires).is_empty());
        assert_eq!(
            reasons(&report, 2, SchemaField::Horaires),
            ["hours read from French text: Mo-Th 09:00-12:00"]
        );
        assert_eq!(
            reasons(&report, 3, SchemaField::Horaires),
            ["hours not in a recognised form: kept as text"]
        );
        assert_eq!(&*places[2].autres_valeurs[0].value, "Th 08:30-12:00-13:30");
    }

    #[test]
    fn weekly_text_and_described_hours_are_read_and_say_where_from() {
        let (places, report) = read_hub(None);
        let hours: Vec<&str> = places.iter().map(|p| p.text(TextField::Horaires)).collect();
        assert_eq!(
            hours,
            [
                "Mo-Fr 09:00-12:00",
                "Tu 09:00-12:00",
                "",
                "",
                "Mo-Fr 09:00-12:00"
            ]
        );
        assert_eq!(
            reasons(&report, 2, SchemaField::Horaires),
            [
                "hours read from presentation_detail (horaires is empty): Tu 09:00-12:00",
                "hours read: \"matin\" read as 09:00-12:00 (the mapping's or the default morning)",
            ]
        );
        // Not read: kept aside from horaires, or left in the description, and reported.
        assert_eq!(
            reasons(&report, 3, SchemaField::Horaires),
            ["hours not in a recognised form: kept as text"]
        );
        assert!(places[2]
            .autres_valeurs
            .iter()
            .any(|o| o.field == SchemaField::Horaires && &*o.value == "9h-12h sauf jeudi"));
        assert_eq!(
            reasons(&report, 4, SchemaField::Horaires),
            ["hours not in a recognised form, in presentation_detail: left there"]
        );
        assert_eq!(
            places[3].text(TextField::PresentationDetail),
            "Horaires : Ligne 6"
        );
    }

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
