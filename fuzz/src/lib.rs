//! What the fuzz targets share: each target is one line calling a function here.
//!
//! The readers are fuzzed through `read_places`, on a file, as `lieux index` reads them (format
//! detection, every built-in mapping, normalisation); the query string through the server's own
//! check (`src/query_string.rs`, compiled here from the server's very file, so that the fuzz
//! build needs none of the server's HTTP stack) and the decoder behind `web::Query`, then
//! `PlaceFilter::from_pairs`; opening hours through the per-weekday conversion of France
//! Services hours and the evaluation the search does (`Schedules`); the French readers of
//! whole-week hours (`read_week_text`) and of update dates (`read_date`) on their own; CQL2
//! filters (`Cql2Filter::parse`) on their own. A target
//! fails on a panic, or when an invariant written below does not hold.

use std::io::Write;

use chrono::Datelike;
use chrono::{DateTime, NaiveDateTime};
use lieux_index::filter::PlaceFilter;
use lieux_index::ingest::normalize::date::read_date;
use lieux_index::ingest::source::{read_places, FormatChoice};
use lieux_index::ingest::weekly_hours::{
    read_week_text, weekly_hours_to_osm, PeriodHours, Weekday,
};
use lieux_index::place::DatePrecision;
use lieux_index::place::Place;
use lieux_index::search::schedules::Schedules;
use lieux_index::store::places::Places;
use lieux_index::store::report::Report;

/// The server's check of raw query strings: plain Rust, with no actix type (see its module
/// doc).
#[path = "../../src/query_string.rs"]
mod query_string;

/// Reads `data` as a source file named `*.{extension}`, detecting its format.
pub fn read_source(data: &[u8], extension: &str) -> Vec<Place> {
    let Ok(mut file) = tempfile::Builder::new()
        .suffix(&format!(".{extension}"))
        .tempfile()
    else {
        return Vec::new();
    };
    if file.write_all(data).is_err() {
        return Vec::new();
    }
    let mut report = Report::default();
    let mut places = Vec::new();
    // Errors are answers (a malformed file); only a panic is a failure.
    let _ = read_places(file.path(), &FormatChoice::Detect, &mut report, &mut places);
    for place in &places {
        assert!(
            place.latitude.is_finite() && place.longitude.is_finite(),
            "a place without a finite position was accepted"
        );
    }
    places
}

/// The server's query-string check, then decoding and the filter.
pub fn query_string(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if query_string::check(raw).is_err() {
        return;
    }
    // What the check lets through decodes without loss: the decoder adds no replacement
    // character that a strict decoding of the whole text does not hold.
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw).expect("a checked query string decodes");
    let strict = strict_decode(raw).expect("a checked query string is UTF-8 once decoded");
    let replacements = |text: &str| text.matches('\u{fffd}').count();
    assert_eq!(
        pairs
            .iter()
            .map(|(k, v)| replacements(k) + replacements(v))
            .sum::<usize>(),
        replacements(&strict),
        "{raw:?} decoded with replacement characters: {pairs:?}"
    );
    let _ = PlaceFilter::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
}

/// `raw` percent-decoded as one text (`+` as a space), or `None` when that is not UTF-8.
fn strict_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The header of the national schema's CSV, and a valid row whose `horaires` is replaced.
const HEADER: &str = "id,nom,commune,code_postal,latitude,longitude,source,date_maj,horaires";

/// Per-weekday hours to OSM, and OSM hours evaluated at a time. The first 8 bytes choose the
/// time; the rest is the text: as OSM hours, and split on `|` into the days of the week.
pub fn opening_hours(data: &[u8]) {
    let (time, text) = data.split_at(data.len().min(8));
    let seconds = i64::from_le_bytes(time.try_into().unwrap_or([0; 8])) % 4_102_444_800;
    let at: NaiveDateTime = DateTime::from_timestamp(seconds.abs(), 0)
        .unwrap_or_default()
        .naive_utc();
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let days: Vec<(Weekday, &str)> = Weekday::ALL.iter().copied().zip(text.split('|')).collect();
    let weekly = weekly_hours_to_osm(&days, &PeriodHours::default());
    let mut texts = vec![text.to_owned()];
    texts.extend(weekly.opening_hours.clone());
    let places: Places = places_with_hours(&texts)
        .into_iter()
        .map(std::sync::Arc::new)
        .collect();
    let schedules = Schedules::build(&places);
    let open = schedules.at(at);
    for ordinal in 0..places.len() {
        let _ = open.state(u32::try_from(ordinal).unwrap_or(0));
    }
    // What the conversion writes, the evaluation reads.
    if let (Some(converted), Some(place)) = (&weekly.opening_hours, places.last()) {
        if place.text(lieux_index::place::TextField::Horaires) == converted {
            let (distinct, unreadable) =
                Schedules::build(&Places::from(vec![place.clone()])).stats();
            assert!(
                distinct == 0 || unreadable == 0,
                "weekly hours {days:?} became {converted:?}, which does not parse"
            );
        }
    }
}

/// Places read from a schema CSV, one per text of `hours`.
fn places_with_hours(hours: &[String]) -> Vec<Place> {
    let mut csv = format!("{HEADER}\n");
    for (i, text) in hours.iter().enumerate() {
        csv.push_str(&format!(
            "fuzz-{i},Lieu {i},Angers,49000,47.47,-0.55,fuzz,2024-01-01,\"{}\"\n",
            text.replace('"', "\"\"")
        ));
    }
    read_source(csv.as_bytes(), "csv")
}

/// A whole-week French text: what is read is OSM `opening_hours` that parses.
pub fn french_hours(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(week) = read_week_text(text, &PeriodHours::default()) {
        assert!(
            week.opening_hours
                .parse::<opening_hours::OpeningHours>()
                .is_ok(),
            "{text:?} became {:?}, which does not parse",
            week.opening_hours
        );
    }
}

/// An update date: a date read to the month or the year is the first day of it.
pub fn french_date(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(read) = read_date(text, &["%d/%m/%Y".to_owned()]) {
        match read.precision {
            DatePrecision::Month => assert_eq!(read.date.day(), 1, "{text:?}: {read:?}"),
            DatePrecision::Year => assert_eq!(read.date.ordinal(), 1, "{text:?}: {read:?}"),
            DatePrecision::Day => {}
            DatePrecision::Unknown => panic!("{text:?}: a date read is never unknown"),
        }
    }
}

/// A CQL2 text filter: read or refused, never a panic nor a stack overflow (nesting is
/// bounded), and read the same once more (the reader keeps no state).
pub fn cql2(data: &[u8]) {
    use lieux_index::search::cql2::Cql2Filter;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    assert_eq!(Cql2Filter::parse(text), Cql2Filter::parse(text), "{text:?}");
}
