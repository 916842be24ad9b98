//! Source mapping files: how the columns of one producer's export become schema fields.
//!
//! Every producer of place data has its own columns, separators, value spellings and coordinate
//! system. Rather than a reader per producer, `lieux` has one engine and one TOML file per source,
//! as the national `mednum-cli` has one config per source. A maintainer takes on a new source by
//! writing such a file; the built-in sources are themselves such files (`index/sources/*.toml`).
//! The format is documented in `docs/sources.md`.
//!
//! A [`SourceMapping`] is parsed and checked once, then [`SourceMapping::compile`]d against the
//! header of a file, which resolves every column name to an index. Applying it to a row is then
//! a walk over small vectors, with no look-up by name.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::fold::fold;
use crate::ingest::weekly_hours::{read_week_text, weekly_hours_to_osm, PeriodHours, Weekday};
use crate::place::SchemaField;
use crate::{Error, Result};

/// The kind of file a mapping reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    /// Delimited text with a header row.
    Csv,
    /// A JSON array of flat objects (or one found at [`SourceSettings::records`]).
    Json,
    /// A GeoJSON `FeatureCollection` of points.
    Geojson,
}

/// A coordinate reference system of the coordinate columns.
#[derive(Clone, Debug, PartialEq, Eq, Default, Deserialize)]
#[serde(try_from = "String")]
pub enum Crs {
    /// Longitude and latitude in degrees.
    #[default]
    Wgs84,
    /// Any other system, as a proj4 definition.
    Projected {
        /// The name given in the mapping ("EPSG:2154").
        name: String,
        /// The proj4 definition.
        proj4: String,
    },
}

impl TryFrom<String> for Crs {
    type Error = String;

    fn try_from(name: String) -> std::result::Result<Self, String> {
        let proj4 = match name.to_ascii_uppercase().as_str() {
            "EPSG:4326" | "WGS84" | "CRS84" => return Ok(Self::Wgs84),
            "EPSG:2154" => {
                "+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 \
                            +y_0=6600000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs"
            }
            "EPSG:3857" => {
                "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 \
                            +k=1 +units=m +nadgrids=@null +no_defs"
            }
            _ if name.trim_start().starts_with("+proj=") => name.as_str(),
            _ => {
                return Err(format!(
                    "unknown crs {name:?}: use EPSG:4326, EPSG:2154, EPSG:3857 or a proj4 string"
                ))
            }
        };
        Ok(Self::Projected {
            proj4: proj4.to_owned(),
            name,
        })
    }
}

/// The `[source]` table of a mapping.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSettings {
    /// Short identifier, also the `--format` name.
    pub name: String,
    /// The text written into the schema's `source` field unless `[fields].source` says otherwise.
    pub label: Option<String>,
    /// The kind of file; any kind when absent.
    pub format: Option<FileFormat>,
    /// The CSV delimiter; sniffed from the header line when absent.
    pub delimiter: Option<char>,
    /// JSON pointer to the array of records ("" is the document itself).
    #[serde(default)]
    pub records: String,
    /// Columns whose presence identifies a file of this source.
    #[serde(default)]
    pub detect: Vec<String>,
    /// The coordinate reference system of the coordinate columns.
    #[serde(default)]
    pub crs: Crs,
    /// Whether numbers in coordinate columns use a decimal comma.
    #[serde(default)]
    pub decimal_comma: bool,
    /// chrono formats tried for `date_maj`, after ISO 8601 (French text is read after them).
    #[serde(default)]
    pub date_formats: Vec<String>,
    /// The day the source's data were extracted ("2022-12-01"), when the source states it: the
    /// stand-in `date_maj` of a record whose own date is missing or unreadable (marked unknown).
    /// Without it, the file's modification date is taken.
    pub extracted_on: Option<chrono::NaiveDate>,
    /// What "matin" means in hours texts that give no hours with it ("09:00-12:00" when absent).
    pub morning: Option<String>,
    /// What "après-midi" means in hours texts that give no hours with it ("14:00-17:00" when
    /// absent).
    pub afternoon: Option<String>,
    /// Whether hours that an `Horaires :` label introduces in `presentation_detail` are read
    /// when `horaires` is empty (default true; false for files of the schema, whose `horaires`
    /// is the producer's own word).
    #[serde(default = "read_described_hours")]
    pub hours_from_description: bool,
    /// The default separator of multi-valued columns.
    pub separator: Option<String>,
}

fn read_described_hours() -> bool {
    true
}

/// The `[coordinates]` table: which columns hold the position.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoordinateColumns {
    /// Longitude or easting.
    pub x: String,
    /// Latitude or northing.
    pub y: String,
}

impl Default for CoordinateColumns {
    fn default() -> Self {
        Self {
            x: "longitude".to_owned(),
            y: "latitude".to_owned(),
        }
    }
}

/// How one schema field is computed from a row.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Rule {
    /// Copy a column.
    Column(String),
    /// Several rules: united for multi-valued fields, the first non-empty for the others.
    Many(Vec<Rule>),
    /// A rule with options.
    Spec(Box<RuleSpec>),
}

/// A rule with options; exactly one of `column`, `template`, `value`, `weekdays` and
/// `weekly_text` is given.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// The column to read.
    pub column: Option<String>,
    /// Text with `{COLUMN}` placeholders.
    pub template: Option<String>,
    /// A constant.
    pub value: Option<String>,
    /// For `horaires`: free-text hours per weekday column (`Mo = "h_lundi"`).
    pub weekdays: Option<BTreeMap<String, String>>,
    /// For `horaires`: a column holding the whole week as French text ("du lundi au vendredi de
    /// 9h à 12h") or as OSM `opening_hours`, which is kept as it is.
    pub weekly_text: Option<String>,
    /// Splits the column's text into several values.
    pub split: Option<String>,
    /// Maps source values to schema labels; `"*"` catches the rest, `""` drops a value.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// The result when the rule yields nothing.
    pub default: Option<String>,
}

/// A parsed and checked mapping file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceMapping {
    /// General settings.
    pub source: SourceSettings,
    /// The coordinate columns.
    #[serde(default)]
    pub coordinates: CoordinateColumns,
    /// One rule per schema field.
    #[serde(default)]
    pub fields: BTreeMap<String, Rule>,
}

impl SourceMapping {
    /// Parses and checks a mapping; `origin` names it in errors.
    ///
    /// # Errors
    /// [`Error::Mapping`] when the TOML is malformed, names a field the schema does not have, or
    /// holds a rule with no source or several.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self> {
        let mapping: Self = toml::from_str(text).map_err(|e| Error::Mapping {
            origin: origin.to_owned(),
            message: e.to_string(),
        })?;
        mapping.periods().map_err(|message| Error::Mapping {
            origin: origin.to_owned(),
            message: format!("[source].morning or afternoon: {message}"),
        })?;
        for (name, rule) in &mapping.fields {
            let field = SchemaField::from_name(name).ok_or_else(|| Error::Mapping {
                origin: origin.to_owned(),
                message: format!("[fields] names {name:?}, which is not a field of schema v1.0.2"),
            })?;
            rule.check(field).map_err(|message| Error::Mapping {
                origin: origin.to_owned(),
                message: format!("[fields].{name}: {message}"),
            })?;
        }
        Ok(mapping)
    }

    /// The identity mapping of files that already follow schema v1.0.2 (CSV, JSON or GeoJSON).
    #[must_use]
    pub fn schema_v1() -> Self {
        let fields = SchemaField::ALL
            .into_iter()
            .filter(|f| !matches!(f, SchemaField::Latitude | SchemaField::Longitude))
            .map(|f| (f.name().to_owned(), Rule::Column(f.name().to_owned())))
            .collect();
        Self {
            source: SourceSettings {
                name: "lamednum-v1".to_owned(),
                label: None,
                format: None,
                delimiter: None,
                records: String::new(),
                detect: ["id", "nom", "adresse", "services", "date_maj"]
                    .map(String::from)
                    .into(),
                crs: Crs::Wgs84,
                decimal_comma: false,
                date_formats: Vec::new(),
                extracted_on: None,
                morning: None,
                afternoon: None,
                hours_from_description: false,
                separator: Some("|".to_owned()),
            },
            coordinates: CoordinateColumns::default(),
            fields,
        }
    }

    /// What "matin" and "après-midi" mean in this source's hours (checked by
    /// [`SourceMapping::from_toml`]).
    ///
    /// # Errors
    /// A message when `morning` or `afternoon` is not one range of the day.
    pub fn periods(&self) -> std::result::Result<PeriodHours, String> {
        PeriodHours::new(
            self.source.morning.as_deref(),
            self.source.afternoon.as_deref(),
        )
    }

    /// Whether a file with these columns looks like this source.
    #[must_use]
    pub fn detects(&self, columns: &[String]) -> bool {
        !self.source.detect.is_empty()
            && self
                .source
                .detect
                .iter()
                .all(|wanted| columns.iter().any(|c| c == wanted))
    }

    /// Resolves the mapping's column names against a file's `header`.
    ///
    /// # Errors
    /// [`Error::MissingColumn`] when the coordinates are columns the file does not have.
    pub fn compile(&self, header: &[String]) -> Result<CompiledMapping> {
        let column_index = |column: &str| header.iter().position(|c| c == column);
        let mut missing = Vec::new();
        let mut resolve = |column: &str| -> Option<usize> {
            let index = column_index(column);
            if index.is_none() && !missing.iter().any(|m| m == column) {
                missing.push(column.to_owned());
            }
            index
        };
        let default_split = self.source.separator.as_deref();
        let mut rules: Vec<Option<CompiledRule>> = vec![None; SchemaField::ALL.len()];
        for (name, rule) in &self.fields {
            let Some(field) = SchemaField::from_name(name) else {
                continue;
            };
            let split = field
                .is_multi_valued()
                .then_some(default_split.unwrap_or("|"));
            rules[field.index()] = Some(compile_rule(rule, &mut resolve, split)?);
        }
        let coordinate = |column: &str, what: &str| -> Result<usize> {
            column_index(column).ok_or_else(|| Error::MissingColumn {
                origin: self.source.name.clone(),
                what: what.to_owned(),
                column: column.to_owned(),
                columns: header.to_vec(),
            })
        };
        Ok(CompiledMapping {
            periods: self.periods().unwrap_or_default(),
            rules,
            x: coordinate(&self.coordinates.x, "[coordinates].x")?,
            y: coordinate(&self.coordinates.y, "[coordinates].y")?,
            missing_columns: missing,
        })
    }
}

impl Rule {
    fn check(&self, field: SchemaField) -> std::result::Result<(), String> {
        match self {
            Self::Column(_) => Ok(()),
            Self::Many(rules) => rules.iter().try_for_each(|r| r.check(field)),
            Self::Spec(spec) => {
                let sources = [
                    spec.column.is_some(),
                    spec.template.is_some(),
                    spec.value.is_some(),
                    spec.weekdays.is_some(),
                    spec.weekly_text.is_some(),
                ];
                if sources.iter().filter(|given| **given).count() != 1 {
                    return Err(
                        "give exactly one of column, template, value, weekdays, weekly_text".into(),
                    );
                }
                if spec.weekly_text.is_some() && field != SchemaField::Horaires {
                    return Err("weekly_text only applies to horaires".into());
                }
                if let Some(days) = &spec.weekdays {
                    if field != SchemaField::Horaires {
                        return Err("weekdays only applies to horaires".into());
                    }
                    if let Some(day) = days.keys().find(|d| weekday(d).is_none()) {
                        return Err(format!("{day:?} is not an OSM weekday (Mo, Tu … Su)"));
                    }
                }
                Ok(())
            }
        }
    }
}

fn weekday(code: &str) -> Option<Weekday> {
    Weekday::ALL.into_iter().find(|d| d.osm_code() == code)
}

/// A mapping bound to one file's columns.
#[derive(Clone, Debug)]
pub struct CompiledMapping {
    rules: Vec<Option<CompiledRule>>,
    /// What "matin" and "après-midi" mean in hours texts.
    periods: PeriodHours,
    /// Index of the longitude (or easting) column.
    pub x: usize,
    /// Index of the latitude (or northing) column.
    pub y: usize,
    /// Columns the mapping names that the file lacks: they read as empty. A mapping may serve
    /// several versions of an export, so this is not an error, but it is worth showing.
    pub missing_columns: Vec<String>,
}

#[derive(Clone, Debug)]
enum CompiledRule {
    Column {
        index: Option<usize>,
        split: Option<String>,
        values: ValueMap,
        default: Option<String>,
    },
    Template {
        parts: Vec<TemplatePart>,
        default: Option<String>,
    },
    Value(String),
    Weekdays(Vec<(Weekday, Option<usize>)>),
    WeeklyText(Option<usize>),
    Many(Vec<CompiledRule>),
}

#[derive(Clone, Debug)]
enum TemplatePart {
    Text(String),
    Column(Option<usize>),
}

/// Source values to schema labels, looked up exactly and then folded.
#[derive(Clone, Debug, Default)]
struct ValueMap {
    exact: BTreeMap<String, String>,
    folded: BTreeMap<String, String>,
    fallback: Option<String>,
}

impl ValueMap {
    fn new(values: &BTreeMap<String, String>) -> Self {
        let mut map = Self::default();
        for (from, to) in values {
            if from == "*" {
                map.fallback = Some(to.clone());
            } else {
                map.exact.insert(from.clone(), to.clone());
                map.folded.insert(fold(from), to.clone());
            }
        }
        map
    }

    fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.fallback.is_none()
    }

    fn get<'a>(&'a self, value: &'a str) -> &'a str {
        if self.is_empty() {
            return value;
        }
        self.exact
            .get(value)
            .or_else(|| self.folded.get(&fold(value)))
            .or(self.fallback.as_ref())
            .map_or(value, String::as_str)
    }
}

fn compile_rule(
    rule: &Rule,
    resolve: &mut dyn FnMut(&str) -> Option<usize>,
    field_split: Option<&str>,
) -> Result<CompiledRule> {
    Ok(match rule {
        Rule::Column(column) => CompiledRule::Column {
            index: resolve(column),
            split: field_split.map(str::to_owned),
            values: ValueMap::default(),
            default: None,
        },
        Rule::Many(rules) => CompiledRule::Many(
            rules
                .iter()
                .map(|r| compile_rule(r, &mut *resolve, field_split))
                .collect::<Result<_>>()?,
        ),
        Rule::Spec(spec) => {
            if let Some(column) = &spec.column {
                CompiledRule::Column {
                    index: resolve(column),
                    split: spec
                        .split
                        .clone()
                        .or_else(|| field_split.map(str::to_owned)),
                    values: ValueMap::new(&spec.values),
                    default: spec.default.clone(),
                }
            } else if let Some(template) = &spec.template {
                CompiledRule::Template {
                    parts: parse_template(template, resolve)?,
                    default: spec.default.clone(),
                }
            } else if let Some(days) = &spec.weekdays {
                let mut columns = Vec::new();
                for (code, column) in days {
                    if let Some(day) = weekday(code) {
                        columns.push((day, resolve(column)));
                    }
                }
                columns.sort_by_key(|(day, _)| *day as usize);
                CompiledRule::Weekdays(columns)
            } else if let Some(column) = &spec.weekly_text {
                CompiledRule::WeeklyText(resolve(column))
            } else {
                CompiledRule::Value(spec.value.clone().unwrap_or_default())
            }
        }
    })
}

fn parse_template(
    template: &str,
    resolve: &mut dyn FnMut(&str) -> Option<usize>,
) -> Result<Vec<TemplatePart>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(TemplatePart::Text(rest[..open].to_owned()));
        }
        let close = rest[open..]
            .find('}')
            .map(|i| open + i)
            .ok_or_else(|| Error::Mapping {
                origin: template.to_owned(),
                message: "template has a `{` without its `}`".to_owned(),
            })?;
        parts.push(TemplatePart::Column(resolve(&rest[open + 1..close])));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(TemplatePart::Text(rest.to_owned()));
    }
    Ok(parts)
}

/// What a mapping made of one row: the text of each schema field, before validation.
///
/// A draft is reused from row to row: its buffers keep their capacity, so reading a large
/// file allocates almost nothing per row.
#[derive(Debug, Default)]
pub struct Draft {
    /// The values of every field, end to end.
    text: String,
    /// Per schema field (indexed by [`SchemaField::index`]): where its values are in `text`.
    spans: Vec<Vec<(usize, usize)>>,
    /// A buffer for templates.
    scratch: String,
    /// Hours texts that could not be read, as given (a weekday column's prefixed with its
    /// day, `"Mo: 9h-12h sauf…"`).
    pub unparsed_hours: Vec<String>,
    /// What the hours reader asks to report although it read the text (a default period used,
    /// a condition kept as an OSM comment).
    pub hours_notes: Vec<String>,
}

impl Draft {
    /// An empty draft.
    #[must_use]
    pub fn new() -> Self {
        Self {
            spans: vec![Vec::new(); SchemaField::ALL.len()],
            ..Self::default()
        }
    }

    fn clear(&mut self) {
        self.text.clear();
        self.spans.iter_mut().for_each(Vec::clear);
        self.unparsed_hours.clear();
        self.hours_notes.clear();
    }

    /// The values of `field`.
    pub fn get(&self, field: SchemaField) -> impl Iterator<Item = &str> + Clone {
        self.spans[field.index()]
            .iter()
            .map(|&(start, end)| &self.text[start..end])
    }

    /// The single value of `field`, or "".
    #[must_use]
    pub fn text(&self, field: SchemaField) -> &str {
        self.get(field).next().unwrap_or("")
    }

    fn count(&self, field: usize) -> usize {
        self.spans[field].len()
    }

    /// Adds a value to `field`; a multi-valued field keeps each value once.
    fn push(&mut self, field: usize, value: &str) {
        let duplicate = self.spans[field]
            .iter()
            .any(|&(start, end)| &self.text[start..end] == value);
        if !duplicate {
            let start = self.text.len();
            self.text.push_str(value);
            self.spans[field].push((start, self.text.len()));
        }
    }

    /// Adds a mapped value: labels joined with `|` become several values of a multi-valued field.
    fn push_mapped(&mut self, field: usize, mapped: &str, multi: bool) {
        if multi {
            for value in mapped.split('|').map(str::trim).filter(|v| !v.is_empty()) {
                self.push(field, value);
            }
        } else if !mapped.trim().is_empty() {
            self.push(field, mapped.trim());
        }
    }
}

impl CompiledMapping {
    /// Applies the mapping to one row (`row[i]` is the text of column `i`), into `draft`.
    pub fn apply(&self, row: &[&str], draft: &mut Draft) {
        if draft.spans.len() != SchemaField::ALL.len() {
            *draft = Draft::new();
        }
        draft.clear();
        for (field, rule) in SchemaField::ALL.into_iter().zip(&self.rules) {
            if let Some(rule) = rule {
                rule.eval(
                    row,
                    field.index(),
                    field.is_multi_valued(),
                    draft,
                    &self.periods,
                );
            }
        }
    }
}

impl CompiledRule {
    fn eval(
        &self,
        row: &[&str],
        field: usize,
        multi: bool,
        draft: &mut Draft,
        periods: &PeriodHours,
    ) {
        let start = draft.count(field);
        let cell = |index: Option<usize>| index.and_then(|i| row.get(i).copied()).unwrap_or("");
        match self {
            Self::Column {
                index,
                split,
                values,
                default,
            } => {
                let text = cell(*index).trim();
                let mut take = |piece: &str| {
                    let piece = piece.trim();
                    if !piece.is_empty() {
                        draft.push_mapped(field, values.get(piece), multi);
                    }
                };
                match split.as_deref().filter(|sep| !sep.is_empty()) {
                    Some(separator) => text.split(separator).for_each(&mut take),
                    None => take(text),
                }
                if draft.count(field) == start {
                    if let Some(default) = default {
                        draft.push_mapped(field, default, multi);
                    }
                }
            }
            Self::Template { parts, default } => {
                let mut text = std::mem::take(&mut draft.scratch);
                text.clear();
                let mut any_column = false;
                for part in parts {
                    match part {
                        TemplatePart::Text(t) => text.push_str(t),
                        TemplatePart::Column(i) => {
                            let value = cell(*i).trim();
                            any_column |= !value.is_empty();
                            text.push_str(value);
                        }
                    }
                }
                if any_column {
                    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    draft.push_mapped(field, &collapsed, false);
                } else if let Some(default) = default {
                    draft.push_mapped(field, default, multi);
                }
                draft.scratch = text;
            }
            Self::Value(value) => draft.push_mapped(field, value, multi),
            Self::Weekdays(columns) => {
                let days: Vec<(Weekday, &str)> =
                    columns.iter().map(|(day, i)| (*day, cell(*i))).collect();
                let hours = weekly_hours_to_osm(&days, periods);
                if let Some(hours) = hours.opening_hours {
                    draft.push(field, &hours);
                }
                draft.unparsed_hours.extend(
                    hours
                        .unparsed
                        .into_iter()
                        .map(|(day, text)| format!("{}: {text}", day.osm_code())),
                );
                draft.hours_notes.extend(hours.notes);
            }
            Self::WeeklyText(index) => {
                let text = cell(*index).trim();
                if text.is_empty() {
                    return;
                }
                if text.parse::<opening_hours::OpeningHours>().is_ok() {
                    draft.push(field, text);
                } else if let Some(week) = read_week_text(text, periods) {
                    draft.push(field, &week.opening_hours);
                    draft.hours_notes.extend(week.notes);
                } else {
                    draft.unparsed_hours.push(text.to_owned());
                }
            }
            Self::Many(rules) => {
                for rule in rules {
                    if !multi && draft.count(field) > start {
                        break;
                    }
                    rule.eval(row, field, multi, draft, periods);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    const MAPPING: &str = r#"
        [source]
        name = "test"
        detect = ["NOM", "FLAG"]
        [coordinates]
        x = "X"
        y = "Y"
        [fields]
        nom = "NOM"
        adresse = { template = "{NUM} {RUE}" }
        services = [
          { column = "FLAG", values = { Oui = "Accès internet et matériel informatique", "*" = "" } },
          { column = "LISTE", split = ";", values = { "aide demarches" = "Aide aux démarches administratives" } },
        ]
        source = { value = "Test" }
    "#;

    #[test]
    fn rules_copy_template_map_and_unite_values() {
        let mapping = SourceMapping::from_toml(MAPPING, "test").unwrap();
        let columns = header(&["NOM", "NUM", "RUE", "FLAG", "LISTE", "X", "Y"]);
        assert!(mapping.detects(&columns));
        let compiled = mapping.compile(&columns).unwrap();
        let mut draft = Draft::new();
        compiled.apply(
            &[
                "Médiathèque",
                "",
                "rue  de la Paix",
                "Oui",
                "AIDE DÉMARCHES; Inconnu",
                "1",
                "2",
            ],
            &mut draft,
        );
        assert_eq!(draft.text(SchemaField::Nom), "Médiathèque");
        assert_eq!(draft.text(SchemaField::Adresse), "rue de la Paix");
        assert_eq!(
            draft.get(SchemaField::Services).collect::<Vec<_>>(),
            [
                "Accès internet et matériel informatique",
                "Aide aux démarches administratives",
                "Inconnu"
            ]
        );
        assert_eq!(draft.text(SchemaField::Source), "Test");
        compiled.apply(&["M", "", "", "Non", "", "1", "2"], &mut draft);
        assert_eq!(draft.get(SchemaField::Services).count(), 0);
        assert_eq!(draft.get(SchemaField::Adresse).count(), 0);
    }

    #[test]
    fn errors_name_the_field_and_the_column() {
        let err = SourceMapping::from_toml("[source]\nname='x'\n[fields]\nnon = 'A'", "m.toml")
            .unwrap_err();
        assert!(err.to_string().contains("\"non\""), "{err}");
        let mapping = SourceMapping::from_toml(MAPPING, "test").unwrap();
        let compiled = mapping.compile(&header(&["NOM", "X", "Y"])).unwrap();
        assert_eq!(compiled.missing_columns, ["NUM", "RUE", "FLAG", "LISTE"]);
        let err = mapping.compile(&header(&["NOM", "X"])).unwrap_err();
        assert!(err.to_string().contains("[coordinates].y"), "{err}");
        let err = SourceMapping::from_toml(
            "[source]\nname='x'\n[fields]\nnom = { column = 'A', value = 'B' }",
            "m.toml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("exactly one"), "{err}");
    }
}
