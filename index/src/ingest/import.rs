//! The import pipeline: files in, merged and validated places out, with the report.
//!
//! `lieux import` (to a CSV) and `lieux index` (to an index) share it: read every input with its
//! mapping, merge duplicates across all of them, keep only the selected départements, and make
//! ids unique.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::ingest::dedup::{merge_duplicates, MergeConfig};
use crate::ingest::source::{read_places, FormatChoice};
use crate::place::{Place, TextField};
use crate::store::report::{Problem, Report, Severity};
use crate::store::SourceEntry;
use crate::Result;

/// How to import.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// How to choose each file's mapping.
    pub format: FormatChoice,
    /// Duplicate merging; `None` keeps every record.
    pub merge: Option<MergeConfig>,
    /// Keep only places of these départements (`None`: all).
    pub departements: Option<Vec<String>>,
}

/// The result of an import.
#[derive(Debug, Default)]
pub struct Imported {
    /// The places, in input order.
    pub places: Vec<Place>,
    /// Every warning, rejection and merge.
    pub report: Report,
    /// The inputs.
    pub sources: Vec<SourceEntry>,
    /// Places left out because they are outside the selected départements.
    pub outside_departements: usize,
    /// How long each stage took, for operators and benchmarks.
    pub timings: Vec<(String, Duration)>,
}

/// Reads, merges and filters `inputs`.
///
/// # Errors
/// The first file that cannot be read as a whole; problems with records go to the report.
pub fn import(inputs: &[PathBuf], options: &ImportOptions) -> Result<Imported> {
    let mut imported = Imported::default();
    for path in inputs {
        let started = Instant::now();
        let read = read_places(
            path,
            &options.format,
            &mut imported.report,
            &mut imported.places,
        )?;
        imported
            .timings
            .push((format!("read {}", path.display()), started.elapsed()));
        imported.sources.push(SourceEntry {
            file: path.display().to_string(),
            format: read.format,
            records: read.records,
            accepted: read.accepted,
            missing_columns: read.missing_columns,
        });
    }
    if let Some(departements) = &options.departements {
        let before = imported.places.len();
        imported.places.retain(|p| {
            p.departement()
                .is_some_and(|d| departements.iter().any(|wanted| wanted == d))
        });
        imported.outside_departements = before - imported.places.len();
    }
    if let Some(config) = &options.merge {
        let started = Instant::now();
        let places = std::mem::take(&mut imported.places);
        imported.places = merge_duplicates(places, config, &mut imported.report);
        imported
            .timings
            .push(("merge duplicates".to_owned(), started.elapsed()));
    }
    make_ids_unique(&mut imported.places, &mut imported.report);
    Ok(imported)
}

/// The schema wants `id` unique; a repeated id gets a `-2`, `-3`… suffix, reported.
fn make_ids_unique(places: &mut [Place], report: &mut Report) {
    let mut seen: HashMap<String, u32> = HashMap::with_capacity(places.len());
    for place in places.iter_mut() {
        let count = seen.entry(place.id().to_owned()).or_insert(0);
        *count += 1;
        if *count > 1 {
            let new_id = format!("{}-{count}", place.id());
            report.push(Problem {
                severity: Severity::Warning,
                file: place.source().to_owned(),
                row: 0,
                line: None,
                field: Some("id"),
                value: place.id().to_owned(),
                reason: format!("duplicate id: renamed {new_id}"),
            });
            place.texts = place.texts.with(TextField::Id, &new_id);
        }
    }
}
