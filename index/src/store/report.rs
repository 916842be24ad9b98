//! The import report: every warning, rejection and merge, with the file, row and field.
//!
//! Nothing a source says is dropped silently. A fixable problem is a [`Severity::Warning`] and the
//! record is kept; a record that cannot be put on a map is [`Severity::Rejected`]; both name the
//! row and field so that the producer can fix the source. Merges of duplicate places are listed
//! too, with what was merged into what. The report is written as JSON Lines, one entry per line,
//! and summarised as a table by [`Report::summary`].

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The record was kept, with the value fixed or set aside.
    Warning,
    /// The record was left out of the index.
    Rejected,
}

/// One problem with one record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    /// How bad it is.
    pub severity: Severity,
    /// The source file.
    pub file: String,
    /// The 1-based record number in the file; 0 for the header (a problem of the whole file).
    pub row: u64,
    /// The 1-based line where the record starts, for CSV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The schema field concerned, if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// The value as the source gave it.
    pub value: String,
    /// What is wrong, and what was done about it.
    pub reason: String,
}

/// Places merged into one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Merge {
    /// The id of the merged place.
    pub kept: String,
    /// The ids of the records merged into it.
    pub merged: Vec<String>,
    /// The sources of all of them.
    pub sources: Vec<String>,
    /// The largest distance between the kept record and a merged one, in metres.
    pub distance_m: f64,
    /// The lowest name similarity between the kept record and a merged one (0 to 1).
    pub name_similarity: f64,
}

/// One line of the report file.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Entry<'a> {
    Problem(&'a Problem),
    Merge(&'a Merge),
}

/// Everything that happened to the records of an import.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Warnings and rejections, in reading order.
    pub problems: Vec<Problem>,
    /// Merges of duplicates.
    pub merges: Vec<Merge>,
    /// Records read per file.
    pub read: BTreeMap<String, u64>,
}

impl Report {
    /// Records a problem.
    pub fn push(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    /// The number of rejected records.
    #[must_use]
    pub fn rejected(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Rejected)
            .count()
    }

    /// The number of warnings.
    #[must_use]
    pub fn warnings(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
            .count()
    }

    /// Writes the report as JSON Lines: problems first, then merges.
    ///
    /// # Errors
    /// Any error of `out`.
    pub fn write_jsonl(&self, mut out: impl Write) -> io::Result<()> {
        let entries = self
            .problems
            .iter()
            .map(Entry::Problem)
            .chain(self.merges.iter().map(Entry::Merge));
        for entry in entries {
            serde_json::to_writer(&mut out, &entry)?;
            out.write_all(b"\n")?;
        }
        out.flush()
    }

    /// A plain-text table: records read per file, then problems counted by severity, field and
    /// reason, most frequent first, then the number of merges.
    #[must_use]
    pub fn summary(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(out, "{:>8}  file", "records");
        for (file, count) in &self.read {
            let _ = writeln!(out, "{count:>8}  {file}");
        }
        let mut groups: BTreeMap<(Severity, &str, &str), usize> = BTreeMap::new();
        for p in &self.problems {
            *groups
                .entry((p.severity, p.field.unwrap_or("-"), reason_kind(&p.reason)))
                .or_default() += 1;
        }
        let mut groups: Vec<_> = groups.into_iter().collect();
        groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        if !groups.is_empty() {
            let _ = writeln!(
                out,
                "\n{:>8}  {:<9} {:<32} reason",
                "count", "severity", "field"
            );
            for ((severity, field, reason), count) in groups {
                let severity = match severity {
                    Severity::Warning => "warning",
                    Severity::Rejected => "rejected",
                };
                let _ = writeln!(out, "{count:>8}  {severity:<9} {field:<32} {reason}");
            }
        }
        let merged: usize = self.merges.iter().map(|m| m.merged.len()).sum();
        let _ = writeln!(
            out,
            "\n{} warnings, {} rejected, {} records merged into {} places",
            self.warnings(),
            self.rejected(),
            merged,
            self.merges.len()
        );
        out
    }
}

/// The stable part of a reason (before any `:` detail), for grouping.
fn reason_kind(reason: &str) -> &str {
    reason.split(':').next().unwrap_or(reason)
}
