//! Writing places as a CSV of schema v1.0.2: the standard's columns, in its order, with `|`
//! between multiple values. This is the format of the bundled data set and of exports.

use std::borrow::Borrow;
use std::io::Write;

use crate::place::{Place, SchemaField};

/// Writes `places` as a schema v1.0.2 CSV with its header.
///
/// # Errors
/// Any error of `out`.
pub fn write_schema_csv(
    places: impl IntoIterator<Item = impl Borrow<Place>>,
    out: impl Write,
) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(SchemaField::ALL.iter().map(|f| f.name()))?;
    for place in places {
        let place = place.borrow();
        writer.write_record(SchemaField::ALL.iter().map(|f| place.field_text(*f)))?;
    }
    writer.flush()?;
    Ok(())
}
