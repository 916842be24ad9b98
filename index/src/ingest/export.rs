//! Writing places as a CSV of schema v1.0.2: the standard's columns, in its order, with `|`
//! between multiple values. This is the format of the bundled data set and of exports.
//!
//! A CSV written for people ([`Cells::ForSpreadsheets`], the HTTP exports) is opened in a
//! spreadsheet, which runs a cell that starts with `=`, `+`, `-` or `@` as a formula: a place
//! named `=HYPERLINK("http://…","Cliquez")` would put a link of the contributor's choosing in the
//! social worker's sheet. Such cells get a leading `'`, which spreadsheets read as "text" and do
//! not show. Numbers and telephone numbers (`+33 2 41 …`, `-0.55`) are left as they are: with
//! no letter in them, they cannot call a function. A CSV written as data ([`Cells::AsData`], the
//! output of `lieux import`) keeps every value exactly, so that it reads back the same.

use std::borrow::{Borrow, Cow};
use std::io::Write;

use crate::place::{Place, SchemaField};

/// Who reads the CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cells {
    /// Another program: every value as it is.
    AsData,
    /// People, in a spreadsheet: values that a spreadsheet would run are escaped.
    ForSpreadsheets,
}

/// Writes `places` as a schema v1.0.2 CSV with its header.
///
/// # Errors
/// Any error of `out`.
pub fn write_schema_csv(
    places: impl IntoIterator<Item = impl Borrow<Place>>,
    out: impl Write,
    cells: Cells,
) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(SchemaField::ALL.iter().map(|f| f.name()))?;
    for place in places {
        let place = place.borrow();
        let values = SchemaField::ALL.iter().map(|f| place.field_text(*f));
        match cells {
            Cells::AsData => writer.write_record(values)?,
            Cells::ForSpreadsheets => {
                writer.write_record(values.map(|v| match defuse_formula(&v) {
                    Cow::Borrowed(_) => v,
                    Cow::Owned(escaped) => escaped,
                }))?;
            }
        }
    }
    writer.flush()?;
    Ok(())
}

/// Writes a table for people, in a spreadsheet: `header`, then `rows`, each cell defused
/// ([`defuse_formula`]).
///
/// # Errors
/// Any error of `out`.
pub fn write_spreadsheet_csv(
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
    out: impl Write,
) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(row.iter().map(|cell| defuse_formula(cell).into_owned()))?;
    }
    writer.flush()?;
    Ok(())
}

/// `value`, with a leading `'` when a spreadsheet would read it as a formula.
#[must_use]
pub fn defuse_formula(value: &str) -> Cow<'_, str> {
    let numeric = |v: &str| {
        v.chars()
            .all(|c| c.is_ascii_digit() || " .,()/+-".contains(c))
    };
    let runs = match value.chars().next() {
        Some('=' | '@' | '\t' | '\r' | '\u{ff1d}') => true,
        Some('+' | '-') => !numeric(value),
        _ => false,
    };
    if runs {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::defuse_formula;

    #[test]
    fn formulas_are_escaped_and_numbers_are_not() {
        for formula in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0",
            "@SUM(A1:A2)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(defuse_formula(formula), format!("'{formula}"), "{formula}");
        }
        for kept in [
            "+33 2 41 00 00 00",
            "-0.5513",
            "02.41.00.00.00",
            "Médiathèque = lecture",
            "",
            "(0)2 41",
        ] {
            assert_eq!(defuse_formula(kept), kept, "{kept}");
        }
    }
}
