//! CQL2 text (OGC 21-065, the filter language of OGC API – Features Part 3), read into a
//! [`Cql2Filter`] that judges places.
//!
//! The parser is a small recursive descent over tokens; it resolves property names against
//! the schema's fields as it reads ([`Queryable`]), so a filter that names no field, compares
//! a text to a number or gives a label outside a vocabulary is refused before any place is
//! looked at, with a [`Cql2Error`] that names what is wrong. Every construct of the standard
//! that this reader does not take (arithmetic, temporal operators, functions, spatial
//! operators other than `S_INTERSECTS`, lines) is refused by name, never read loosely.
//!
//! What is read:
//! - comparisons `=`, `<>`, `<`, `<=`, `>`, `>=`, `[NOT] LIKE` (`%`, `_`, `\` escapes),
//!   `[NOT] IN (…)`, `[NOT] BETWEEN … AND …`, `IS [NOT] NULL` on the text, number and date
//!   fields, `AND`, `OR`, `NOT`, `TRUE`, `FALSE`, parentheses;
//! - on the vocabularies' array fields: `A_CONTAINS` (every value), `A_OVERLAPS` (any),
//!   `A_EQUALS`, `A_CONTAINEDBY`, and `=`, `<>`, `IN` as shortcuts for "holds this value",
//!   "does not hold it", "holds any of these";
//! - `S_INTERSECTS(geometry, BBOX(w,s,e,n) | POLYGON(…) | MULTIPOLYGON(…) | POINT(…))`,
//!   polygons judged exactly (even-odd rule, holes included).
//!
//! The filter is evaluated per place ([`Cql2Filter::matches`]); [`Cql2Filter::narrowing`] says
//! what the index's own filters can select first (the vocabulary sets and the rectangle of the
//! conjuncts at its top), so that most places are never evaluated.

use std::fmt;

use chrono::NaiveDate;

use crate::filter::PlaceFilter;
use crate::place::{Place, SchemaField, TextField};
use crate::polygon::{self, Polygons};
use crate::vocab::{
    Dispositif, FormationLabel, Frais, Itinerance, ModaliteAcces, ModaliteAccompagnement,
    PriseEnCharge, Public, Service, Typologie, VocabSet, Vocabulary,
};

/// The longest filter read, in characters.
pub const MAX_FILTER_CHARS: usize = 2048;
/// The deepest nesting of parentheses and `NOT`s read.
const MAX_DEPTH: usize = 64;

/// A filter that could not be read: what is wrong, naming the construct.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Cql2Error {
    /// Not CQL2 text.
    #[error("filter: syntax error at character {at}: {message}")]
    Syntax { at: usize, message: String },
    /// CQL2 that this server does not evaluate.
    #[error("filter: {construct} is not supported")]
    Unsupported { construct: String },
    /// A property that is no queryable.
    #[error("filter: {name:?} is not a queryable; see /ogc/collections/lieux/queryables")]
    UnknownProperty { name: String },
    /// A value of the wrong type, or outside a vocabulary.
    #[error("filter: {message}")]
    InvalidValue { message: String },
}

/// What a property of the collection is, for a filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queryable {
    /// A text field.
    Text(TextField),
    /// `latitude` or `longitude`.
    Number(SchemaField),
    /// `date_maj`.
    Date,
    /// A vocabulary: an array of labels.
    Labels(SchemaField),
    /// The place's point.
    Geometry,
}

impl Queryable {
    /// The queryable named `name`: a schema field, or `geometry`.
    #[must_use]
    pub fn named(name: &str) -> Option<Self> {
        if name == "geometry" {
            return Some(Self::Geometry);
        }
        let field = SchemaField::from_name(name)?;
        Some(match field {
            SchemaField::Latitude | SchemaField::Longitude => Self::Number(field),
            SchemaField::DateMaj => Self::Date,
            _ if field.is_multi_valued() && labels_of(field).is_some() => Self::Labels(field),
            _ => Self::Text(TextField::of(field)?),
        })
    }

    /// Every queryable, in the order of the schema's fields, `geometry` first.
    #[must_use]
    pub fn all() -> Vec<(&'static str, Self)> {
        std::iter::once(("geometry", Self::Geometry))
            .chain(
                SchemaField::ALL
                    .iter()
                    .filter_map(|f| Some((f.name(), Self::named(f.name())?))),
            )
            .collect()
    }
}

/// The labels of the vocabulary of `field`, or `None` when it has none.
#[must_use]
pub fn labels_of(field: SchemaField) -> Option<Vec<&'static str>> {
    fn all<V: Vocabulary>() -> Vec<&'static str> {
        V::ALL.iter().map(|v| v.label()).collect()
    }
    Some(match field {
        SchemaField::Typologie => all::<Typologie>(),
        SchemaField::Itinerance => all::<Itinerance>(),
        SchemaField::Services => all::<Service>(),
        SchemaField::PublicsSpecifiquementAdresses => all::<Public>(),
        SchemaField::PriseEnChargeSpecifique => all::<PriseEnCharge>(),
        SchemaField::FraisACharge => all::<Frais>(),
        SchemaField::DispositifProgrammesNationaux => all::<Dispositif>(),
        SchemaField::FormationsLabels => all::<FormationLabel>(),
        SchemaField::ModalitesAcces => all::<ModaliteAcces>(),
        SchemaField::ModalitesAccompagnement => all::<ModaliteAccompagnement>(),
        _ => return None,
    })
}

/// The label of `text` in the vocabulary of `field`, read as the filters read it.
fn label_in(field: SchemaField, text: &str) -> Option<&'static str> {
    fn find<V: Vocabulary>(text: &str) -> Option<&'static str> {
        V::lookup(text).map(Vocabulary::label)
    }
    match field {
        SchemaField::Typologie => find::<Typologie>(text),
        SchemaField::Itinerance => find::<Itinerance>(text),
        SchemaField::Services => find::<Service>(text),
        SchemaField::PublicsSpecifiquementAdresses => find::<Public>(text),
        SchemaField::PriseEnChargeSpecifique => find::<PriseEnCharge>(text),
        SchemaField::FraisACharge => find::<Frais>(text),
        SchemaField::DispositifProgrammesNationaux => find::<Dispositif>(text),
        SchemaField::FormationsLabels => find::<FormationLabel>(text),
        SchemaField::ModalitesAcces => find::<ModaliteAcces>(text),
        SchemaField::ModalitesAccompagnement => find::<ModaliteAccompagnement>(text),
        _ => None,
    }
}

/// The labels `place` holds in the vocabulary of `field`.
fn place_labels(place: &Place, field: SchemaField) -> Vec<&'static str> {
    fn of<V: Vocabulary>(set: &VocabSet<V>) -> Vec<&'static str> {
        set.iter().map(Vocabulary::label).collect()
    }
    match field {
        SchemaField::Typologie => of(&place.typologie),
        SchemaField::Itinerance => of(&place.itinerance),
        SchemaField::Services => of(&place.services),
        SchemaField::PublicsSpecifiquementAdresses => of(&place.publics_specifiquement_adresses),
        SchemaField::PriseEnChargeSpecifique => of(&place.prise_en_charge_specifique),
        SchemaField::FraisACharge => of(&place.frais_a_charge),
        SchemaField::DispositifProgrammesNationaux => of(&place.dispositif_programmes_nationaux),
        SchemaField::FormationsLabels => of(&place.formations_labels),
        SchemaField::ModalitesAcces => of(&place.modalites_acces),
        SchemaField::ModalitesAccompagnement => of(&place.modalites_accompagnement),
        _ => Vec::new(),
    }
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparison {
    fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Self::Eq => ordering == Equal,
            Self::Ne => ordering != Equal,
            Self::Lt => ordering == Less,
            Self::Le => ordering != Greater,
            Self::Gt => ordering == Greater,
            Self::Ge => ordering != Less,
        }
    }

    /// The comparison with its operands swapped: `5 < x` is `x > 5`.
    fn flipped(self) -> Self {
        match self {
            Self::Lt => Self::Gt,
            Self::Le => Self::Ge,
            Self::Gt => Self::Lt,
            Self::Ge => Self::Le,
            other => other,
        }
    }
}

/// A value of a scalar field.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Text(String),
    Number(f64),
    Date(NaiveDate),
}

impl Scalar {
    fn compare(&self, other: &Self) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Self::Text(a), Self::Text(b)) => Some(a.cmp(b)),
            (Self::Number(a), Self::Number(b)) => a.partial_cmp(b),
            (Self::Date(a), Self::Date(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// How an array field is compared with a list of labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrayOp {
    /// Holds every label (`A_CONTAINS`).
    Contains,
    /// Holds only labels of the list (`A_CONTAINEDBY`).
    ContainedBy,
    /// Holds exactly the labels (`A_EQUALS`).
    Equals,
    /// Holds one of the labels at least (`A_OVERLAPS`, `IN`, `=`).
    Overlaps,
}

/// A shape of `S_INTERSECTS`.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// `[west, south, east, north]`; west > east crosses the antimeridian.
    Bbox([f64; 4]),
    /// Polygons, each its rings (the first the outer one), judged by the even-odd rule with
    /// their boundary inside ([`crate::polygon`]).
    Polygons(Polygons),
    /// A point.
    Point(f64, f64),
}

impl Shape {
    fn holds(&self, lon: f64, lat: f64) -> bool {
        match self {
            Self::Bbox([w, s, e, n]) => {
                let lon_in = if w <= e {
                    (*w..=*e).contains(&lon)
                } else {
                    lon >= *w || lon <= *e
                };
                lon_in && (*s..=*n).contains(&lat)
            }
            Self::Point(x, y) => (lon - x).abs() < 1e-12 && (lat - y).abs() < 1e-12,
            Self::Polygons(polygons) => polygons.contains(lon, lat),
        }
    }
}

/// A filter, read.
#[derive(Clone, Debug, PartialEq)]
pub enum Cql2Filter {
    Const(bool),
    And(Vec<Cql2Filter>),
    Or(Vec<Cql2Filter>),
    Not(Box<Cql2Filter>),
    /// A scalar field compared with a value.
    Compare {
        property: Queryable,
        op: Comparison,
        value: Scalar,
    },
    /// A text field against a `LIKE` pattern.
    Like {
        property: Queryable,
        pattern: Vec<LikePart>,
    },
    /// A scalar field among values.
    In {
        property: Queryable,
        values: Vec<Scalar>,
    },
    /// A field without a value: an empty text or an empty array.
    IsNull(Queryable),
    /// An array field against labels.
    Array {
        field: SchemaField,
        op: ArrayOp,
        labels: Vec<&'static str>,
    },
    /// The place's point in a shape.
    Intersects(Shape),
}

/// A piece of a `LIKE` pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LikePart {
    /// This character.
    Char(char),
    /// `_`: any one character.
    One,
    /// `%`: any characters.
    Any,
}

fn like(pattern: &[LikePart], text: &[char]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((LikePart::Any, rest)) => (0..=text.len()).any(|skip| like(rest, &text[skip..])),
        Some((LikePart::One, rest)) => !text.is_empty() && like(rest, &text[1..]),
        Some((LikePart::Char(c), rest)) => text.first() == Some(c) && like(rest, &text[1..]),
    }
}

/// The value of a scalar field of `place`; `None` when it is empty.
fn scalar_of(place: &Place, property: Queryable) -> Option<Scalar> {
    match property {
        Queryable::Text(field) => {
            let text = place.text(field);
            (!text.is_empty()).then(|| Scalar::Text(text.to_owned()))
        }
        Queryable::Number(SchemaField::Latitude) => Some(Scalar::Number(place.latitude)),
        Queryable::Number(_) => Some(Scalar::Number(place.longitude)),
        Queryable::Date => place
            .date_maj_known()
            .then_some(Scalar::Date(place.date_maj)),
        Queryable::Labels(_) | Queryable::Geometry => None,
    }
}

impl Cql2Filter {
    /// Reads a CQL2 text filter.
    ///
    /// # Errors
    /// [`Cql2Error`] naming what is wrong or not supported.
    pub fn parse(text: &str) -> Result<Self, Cql2Error> {
        if text.chars().count() > MAX_FILTER_CHARS {
            return Err(Cql2Error::InvalidValue {
                message: format!("longer than {MAX_FILTER_CHARS} characters"),
            });
        }
        let tokens = lex(text)?;
        let mut parser = Parser {
            tokens,
            at: 0,
            end: text.chars().count(),
            depth: 0,
        };
        let filter = parser.or()?;
        if let Some(token) = parser.tokens.get(parser.at) {
            return Err(parser.syntax_at(token.at, format!("unexpected {}", token.kind)));
        }
        Ok(filter)
    }

    /// Whether `place` passes.
    #[must_use]
    pub fn matches(&self, place: &Place) -> bool {
        match self {
            Self::Const(value) => *value,
            Self::And(all) => all.iter().all(|f| f.matches(place)),
            Self::Or(any) => any.iter().any(|f| f.matches(place)),
            Self::Not(filter) => !filter.matches(place),
            Self::Compare {
                property,
                op,
                value,
            } => scalar_of(place, *property)
                .and_then(|held| held.compare(value))
                .is_some_and(|ordering| op.holds(ordering)),
            Self::Like { property, pattern } => match scalar_of(place, *property) {
                Some(Scalar::Text(text)) => like(pattern, &text.chars().collect::<Vec<_>>()),
                _ => false,
            },
            Self::In { property, values } => scalar_of(place, *property).is_some_and(|held| {
                values
                    .iter()
                    .any(|v| held.compare(v) == Some(std::cmp::Ordering::Equal))
            }),
            Self::IsNull(property) => match property {
                Queryable::Labels(field) => place_labels(place, *field).is_empty(),
                Queryable::Geometry => false,
                other => scalar_of(place, *other).is_none(),
            },
            Self::Array { field, op, labels } => {
                let held = place_labels(place, *field);
                match op {
                    ArrayOp::Contains => labels.iter().all(|l| held.contains(l)),
                    ArrayOp::ContainedBy => held.iter().all(|l| labels.contains(l)),
                    ArrayOp::Equals => {
                        labels.iter().all(|l| held.contains(l))
                            && held.iter().all(|l| labels.contains(l))
                    }
                    ArrayOp::Overlaps => labels.iter().any(|l| held.contains(l)),
                }
            }
            Self::Intersects(shape) => shape.holds(place.longitude, place.latitude),
        }
    }

    /// What the index's filters can select before the filter is evaluated: `base` narrowed by
    /// the vocabulary sets of the conjuncts at the filter's top (where `base` has none for that
    /// vocabulary), which keeps every place the filter keeps, and the rectangle of its top
    /// `S_INTERSECTS` with a `BBOX`.
    #[must_use]
    pub fn narrowing(&self, mut base: PlaceFilter) -> (PlaceFilter, Option<[f64; 4]>) {
        let mut bbox = None;
        let conjuncts: Vec<&Self> = match self {
            Self::And(all) => all.iter().collect(),
            other => vec![other],
        };
        let mut seen = std::collections::BTreeSet::new();
        for conjunct in conjuncts {
            match conjunct {
                Self::Array {
                    field,
                    op: ArrayOp::Contains | ArrayOp::Equals | ArrayOp::Overlaps,
                    labels,
                } if !labels.is_empty() && seen.insert(*field) => {
                    let value = labels.join("|");
                    if let Ok(narrowed) = PlaceFilter::from_pairs([(field.name(), value.as_str())])
                    {
                        merge(&mut base, narrowed);
                    }
                }
                Self::Intersects(Shape::Bbox(rectangle)) if bbox.is_none() => {
                    bbox = Some(*rectangle);
                }
                _ => {}
            }
        }
        (base, bbox)
    }
}

/// Adds the vocabulary sets of `other` to `into` where `into` has none.
fn merge(into: &mut PlaceFilter, other: PlaceFilter) {
    macro_rules! take {
        ($($field:ident),*) => {$(
            if into.$field.is_empty() {
                into.$field = other.$field;
            }
        )*};
    }
    take!(
        services,
        publics,
        prise_en_charge,
        frais_a_charge,
        dispositifs,
        modalites_acces,
        modalites_accompagnement,
        typologie
    );
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Eq => "=",
            Self::Ne => "<>",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    /// A word: a keyword, a property or a function name (double-quoted names included).
    Word(String),
    /// A double-quoted property name.
    Quoted(String),
    Text(String),
    Number(f64),
    Open,
    Close,
    Comma,
    Compare(Comparison),
    /// An arithmetic operator or another symbol CQL2 has and this reader does not.
    Symbol(char),
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Word(word) => write!(f, "{word:?}"),
            Self::Quoted(word) => write!(f, "\"{word}\""),
            Self::Text(text) => write!(f, "the text '{text}'"),
            Self::Number(n) => write!(f, "the number {n}"),
            Self::Open => f.write_str("\"(\""),
            Self::Close => f.write_str("\")\""),
            Self::Comma => f.write_str("\",\""),
            Self::Compare(op) => write!(f, "\"{op}\""),
            Self::Symbol(c) => write!(f, "{c:?}"),
        }
    }
}

#[derive(Clone, Debug)]
struct Token {
    kind: Kind,
    /// Its first character's position.
    at: usize,
}

fn lex(text: &str) -> Result<Vec<Token>, Cql2Error> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens: Vec<Token> = Vec::new();
    let mut i = 0;
    let syntax = |at: usize, message: &str| Cql2Error::Syntax {
        at: at + 1,
        message: message.to_owned(),
    };
    while i < chars.len() {
        let c = chars[i];
        let at = i;
        // A sign after a value is an operator ("latitude -1"), but for a number after a
        // number and a space: the second coordinate of a position ("55.5 -21.1", Réunion).
        let value_before = match tokens.last().map(|t| &t.kind) {
            Some(Kind::Number(_)) => !chars[..i].last().is_some_and(|c| c.is_whitespace()),
            last => matches!(
                last,
                Some(Kind::Word(_) | Kind::Quoted(_) | Kind::Text(_) | Kind::Close)
            ),
        };
        let kind = match c {
            _ if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => {
                i += 1;
                Kind::Open
            }
            ')' => {
                i += 1;
                Kind::Close
            }
            ',' => {
                i += 1;
                Kind::Comma
            }
            '=' => {
                i += 1;
                Kind::Compare(Comparison::Eq)
            }
            '<' | '>' => {
                let next = chars.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    ('<', Some('>')) => (Comparison::Ne, 2),
                    ('<', Some('=')) => (Comparison::Le, 2),
                    ('>', Some('=')) => (Comparison::Ge, 2),
                    ('<', _) => (Comparison::Lt, 1),
                    _ => (Comparison::Gt, 1),
                };
                i += len;
                Kind::Compare(op)
            }
            '\'' => {
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(syntax(at, "a text is not closed by '")),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            value.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(other) => {
                            value.push(*other);
                            i += 1;
                        }
                    }
                }
                Kind::Text(value)
            }
            '"' => {
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(syntax(at, "a quoted name is not closed by \"")),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some(other) => {
                            value.push(*other);
                            i += 1;
                        }
                    }
                }
                Kind::Quoted(value)
            }
            _ if c.is_ascii_digit()
                || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
                || ((c == '-' || c == '+')
                    && !value_before
                    && chars
                        .get(i + 1)
                        .is_some_and(|n| n.is_ascii_digit() || *n == '.')) =>
            {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_digit()
                        || chars[i] == '.'
                        || ((chars[i] == 'e' || chars[i] == 'E')
                            && chars
                                .get(i + 1)
                                .is_some_and(|n| n.is_ascii_digit() || *n == '-' || *n == '+'))
                        || ((chars[i] == '-' || chars[i] == '+')
                            && matches!(chars[i - 1], 'e' | 'E')))
                {
                    i += 1;
                }
                let number: String = chars[start..i].iter().collect();
                let value: f64 = number
                    .parse()
                    .map_err(|_| syntax(start, &format!("{number:?} is not a number")))?;
                if !value.is_finite() {
                    return Err(syntax(start, &format!("{number:?} is not a finite number")));
                }
                Kind::Number(value)
            }
            _ if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == ':')
                {
                    i += 1;
                }
                Kind::Word(chars[start..i].iter().collect())
            }
            '+' | '-' | '*' | '/' | '%' | '^' | '|' | '[' | ']' | '{' | '}' | '!' => {
                i += 1;
                Kind::Symbol(c)
            }
            other => return Err(syntax(at, &format!("{other:?} is not CQL2 text"))),
        };
        tokens.push(Token { kind, at });
    }
    Ok(tokens)
}

// ---------------------------------------------------------------------------------------------
// Grammar

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// The text's length, for errors at its end.
    end: usize,
    depth: usize,
}

/// An operand of a comparison, before it is known which side is the property.
enum Operand {
    Property(Queryable, String),
    Value(Scalar),
}

fn unsupported(construct: impl Into<String>) -> Cql2Error {
    Cql2Error::Unsupported {
        construct: construct.into(),
    }
}

fn invalid(message: impl Into<String>) -> Cql2Error {
    Cql2Error::InvalidValue {
        message: message.into(),
    }
}

/// The functions of CQL2 and its extensions that this reader does not take, by family.
fn unsupported_function(name: &str) -> Cql2Error {
    let upper = name.to_ascii_uppercase();
    let family = if upper.starts_with("S_") {
        "the spatial operator"
    } else if upper.starts_with("T_") {
        "the temporal operator"
    } else if upper == "INTERVAL" {
        "the temporal literal"
    } else if matches!(upper.as_str(), "CASEI" | "ACCENTI") {
        "the case- and accent-insensitive comparison"
    } else if matches!(
        upper.as_str(),
        "LINESTRING" | "MULTIPOINT" | "MULTILINESTRING" | "GEOMETRYCOLLECTION"
    ) {
        "the geometry"
    } else {
        "the function"
    };
    unsupported(format!("{family} {upper}"))
}

impl Parser {
    fn peek(&self) -> Option<&Kind> {
        self.tokens.get(self.at).map(|t| &t.kind)
    }

    fn peek_word(&self) -> Option<String> {
        match self.peek() {
            Some(Kind::Word(word)) => Some(word.to_ascii_uppercase()),
            _ => None,
        }
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn here(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |t| t.at)
    }

    fn syntax_at(&self, at: usize, message: String) -> Cql2Error {
        Cql2Error::Syntax {
            at: at + 1,
            message,
        }
    }

    fn expected(&self, what: &str) -> Cql2Error {
        let found = self
            .peek()
            .map_or_else(|| "the end".to_owned(), ToString::to_string);
        self.syntax_at(self.here(), format!("expected {what}, found {found}"))
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if self.peek_word().as_deref() == Some(word) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, kind: &Kind, what: &str) -> Result<(), Cql2Error> {
        if self.peek() == Some(kind) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }

    fn deeper(&mut self) -> Result<(), Cql2Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(unsupported(format!("nesting deeper than {MAX_DEPTH}")));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Cql2Filter, Cql2Error> {
        let mut any = vec![self.and()?];
        while self.eat_word("OR") {
            any.push(self.and()?);
        }
        Ok(if any.len() == 1 {
            any.remove(0)
        } else {
            Cql2Filter::Or(any)
        })
    }

    fn and(&mut self) -> Result<Cql2Filter, Cql2Error> {
        let mut all = vec![self.not()?];
        while self.eat_word("AND") {
            all.push(self.not()?);
        }
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            Cql2Filter::And(all)
        })
    }

    fn not(&mut self) -> Result<Cql2Filter, Cql2Error> {
        if self.eat_word("NOT") {
            self.deeper()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Cql2Filter::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Cql2Filter, Cql2Error> {
        match self.peek() {
            None => Err(self.expected("a predicate")),
            Some(Kind::Open) => {
                self.at += 1;
                self.deeper()?;
                let inner = self.or()?;
                self.depth -= 1;
                self.expect(&Kind::Close, "\")\"")?;
                Ok(inner)
            }
            Some(Kind::Word(word)) => {
                let upper = word.to_ascii_uppercase();
                let call = self.tokens.get(self.at + 1).map(|t| &t.kind) == Some(&Kind::Open);
                match upper.as_str() {
                    "TRUE" | "FALSE" if !self.comparison_follows() => {
                        self.at += 1;
                        Ok(Cql2Filter::Const(upper == "TRUE"))
                    }
                    "S_INTERSECTS" if call => self.intersects(),
                    "A_CONTAINS" | "A_CONTAINEDBY" | "A_EQUALS" | "A_OVERLAPS" if call => {
                        self.array(&upper)
                    }
                    _ if call && !matches!(upper.as_str(), "DATE" | "TIMESTAMP") => {
                        Err(unsupported_function(word))
                    }
                    _ => self.comparison(),
                }
            }
            Some(_) => self.comparison(),
        }
    }

    /// Whether a comparison operator follows the current token (`TRUE = x`).
    fn comparison_follows(&self) -> bool {
        matches!(
            self.tokens.get(self.at + 1).map(|t| &t.kind),
            Some(Kind::Compare(_))
        )
    }

    /// A property or a literal.
    fn operand(&mut self) -> Result<Operand, Cql2Error> {
        let token = self.next().ok_or_else(|| {
            self.at -= 1;
            self.expected("a property or a value")
        })?;
        match token.kind {
            Kind::Text(text) => Ok(Operand::Value(Scalar::Text(text))),
            Kind::Number(number) => Ok(Operand::Value(Scalar::Number(number))),
            Kind::Quoted(name) => Ok(Operand::Property(
                Queryable::named(&name).ok_or(Cql2Error::UnknownProperty { name: name.clone() })?,
                name,
            )),
            Kind::Word(word) => {
                let upper = word.to_ascii_uppercase();
                match upper.as_str() {
                    "DATE" | "TIMESTAMP" => {
                        self.expect(&Kind::Open, "\"(\" after DATE")?;
                        let Some(Token {
                            kind: Kind::Text(text),
                            at,
                        }) = self.next()
                        else {
                            self.at -= 1;
                            return Err(self.expected("a date in quotes"));
                        };
                        self.expect(&Kind::Close, "\")\"")?;
                        let day = text.get(..10).unwrap_or(&text);
                        let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
                            self.syntax_at(at, format!("'{text}' is not a date such as 2024-01-31"))
                        })?;
                        if upper == "TIMESTAMP" && text.len() > 10 {
                            return Err(unsupported(
                                "TIMESTAMP with a time (date_maj is a day): use DATE",
                            ));
                        }
                        Ok(Operand::Value(Scalar::Date(date)))
                    }
                    "TRUE" | "FALSE" => Err(unsupported("a boolean value in a comparison")),
                    "NULL" => Err(self.syntax_at(token.at, "use IS NULL".to_owned())),
                    _ if self.peek() == Some(&Kind::Open) => Err(unsupported_function(&word)),
                    _ => Ok(Operand::Property(
                        Queryable::named(&word)
                            .ok_or(Cql2Error::UnknownProperty { name: word.clone() })?,
                        word,
                    )),
                }
            }
            Kind::Symbol(c) => Err(unsupported(format!("the operator {c:?}"))),
            other => {
                self.at -= 1;
                Err(self.syntax_at(
                    token.at,
                    format!("expected a property or a value, found {other}"),
                ))
            }
        }
    }

    fn comparison(&mut self) -> Result<Cql2Filter, Cql2Error> {
        let left = self.operand()?;
        if let Some(Kind::Symbol(c)) = self.peek() {
            return Err(unsupported(format!("arithmetic ({c:?})")));
        }
        let negated = self.eat_word("NOT");
        let word = self.peek_word();
        let filter = match (word.as_deref(), self.peek().cloned()) {
            (Some("LIKE"), _) => {
                self.at += 1;
                self.like(left)?
            }
            (Some("IN"), _) => {
                self.at += 1;
                self.in_list(left)?
            }
            (Some("BETWEEN"), _) => {
                self.at += 1;
                self.between(left)?
            }
            (Some("IS"), _) if !negated => {
                self.at += 1;
                let not = self.eat_word("NOT");
                if !self.eat_word("NULL") {
                    return Err(self.expected("NULL"));
                }
                let Operand::Property(property, _) = left else {
                    return Err(unsupported("IS NULL of a value"));
                };
                let filter = Cql2Filter::IsNull(property);
                return Ok(if not {
                    Cql2Filter::Not(Box::new(filter))
                } else {
                    filter
                });
            }
            (_, Some(Kind::Compare(op))) if !negated => {
                self.at += 1;
                let right = self.operand()?;
                if let Some(Kind::Symbol(c)) = self.peek() {
                    return Err(unsupported(format!("arithmetic ({c:?})")));
                }
                compare(left, op, right)?
            }
            _ => {
                return Err(self.expected(if negated {
                    "LIKE, IN or BETWEEN after NOT"
                } else {
                    "a comparison (=, <>, <, <=, >, >=, LIKE, IN, BETWEEN, IS NULL)"
                }))
            }
        };
        Ok(if negated {
            Cql2Filter::Not(Box::new(filter))
        } else {
            filter
        })
    }

    fn like(&mut self, left: Operand) -> Result<Cql2Filter, Cql2Error> {
        let Operand::Property(property, name) = left else {
            return Err(unsupported("LIKE on a value"));
        };
        let Queryable::Text(_) = property else {
            return Err(unsupported(format!("LIKE on {name}, which is not a text")));
        };
        let Some(Token {
            kind: Kind::Text(pattern),
            ..
        }) = self.next()
        else {
            self.at -= 1;
            return Err(self.expected("a pattern in quotes after LIKE"));
        };
        let mut parts = Vec::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            parts.push(match c {
                '%' => LikePart::Any,
                '_' => LikePart::One,
                '\\' => LikePart::Char(chars.next().unwrap_or('\\')),
                other => LikePart::Char(other),
            });
        }
        parts.dedup_by(|a, b| *a == LikePart::Any && *b == LikePart::Any);
        Ok(Cql2Filter::Like {
            property,
            pattern: parts,
        })
    }

    fn values(&mut self) -> Result<Vec<Scalar>, Cql2Error> {
        self.expect(&Kind::Open, "\"(\"")?;
        let mut values = Vec::new();
        loop {
            match self.operand()? {
                Operand::Value(value) => values.push(value),
                Operand::Property(_, name) => {
                    return Err(unsupported(format!("the property {name} in a list")))
                }
            }
            match self.next().map(|t| t.kind) {
                Some(Kind::Comma) => {}
                Some(Kind::Close) => return Ok(values),
                _ => {
                    self.at -= 1;
                    return Err(self.expected("\",\" or \")\""));
                }
            }
        }
    }

    fn in_list(&mut self, left: Operand) -> Result<Cql2Filter, Cql2Error> {
        let Operand::Property(property, name) = left else {
            return Err(unsupported("IN on a value"));
        };
        let values = self.values()?;
        if let Queryable::Labels(field) = property {
            return Ok(Cql2Filter::Array {
                field,
                op: ArrayOp::Overlaps,
                labels: labels(field, &values)?,
            });
        }
        let values = values
            .into_iter()
            .map(|value| typed(property, &name, value))
            .collect::<Result<_, _>>()?;
        Ok(Cql2Filter::In { property, values })
    }

    fn between(&mut self, left: Operand) -> Result<Cql2Filter, Cql2Error> {
        let Operand::Property(property, name) = left else {
            return Err(unsupported("BETWEEN on a value"));
        };
        let low = self.operand()?;
        if !self.eat_word("AND") {
            return Err(self.expected("AND"));
        }
        let high = self.operand()?;
        let (Operand::Value(low), Operand::Value(high)) = (low, high) else {
            return Err(unsupported("BETWEEN with a property as a bound"));
        };
        let bound = |op, value| {
            compare(
                Operand::Property(property, name.clone()),
                op,
                Operand::Value(value),
            )
        };
        Ok(Cql2Filter::And(vec![
            bound(Comparison::Ge, low)?,
            bound(Comparison::Le, high)?,
        ]))
    }

    fn array(&mut self, function: &str) -> Result<Cql2Filter, Cql2Error> {
        self.at += 1;
        self.expect(&Kind::Open, "\"(\"")?;
        let (field, name) = match self.operand()? {
            Operand::Property(Queryable::Labels(field), name) => (field, name),
            Operand::Property(_, name) => {
                return Err(unsupported(format!(
                    "{function} on {name}, which is not an array"
                )))
            }
            Operand::Value(_) => return Err(unsupported(format!("{function} of a value"))),
        };
        self.expect(&Kind::Comma, "\",\"")?;
        let values = self.values()?;
        self.expect(&Kind::Close, "\")\"")?;
        let _ = name;
        Ok(Cql2Filter::Array {
            field,
            op: match function {
                "A_CONTAINS" => ArrayOp::Contains,
                "A_CONTAINEDBY" => ArrayOp::ContainedBy,
                "A_EQUALS" => ArrayOp::Equals,
                _ => ArrayOp::Overlaps,
            },
            labels: labels(field, &values)?,
        })
    }

    fn intersects(&mut self) -> Result<Cql2Filter, Cql2Error> {
        self.at += 1;
        self.expect(&Kind::Open, "\"(\"")?;
        let mut shape = None;
        let mut geometry = false;
        for i in 0..2 {
            if i == 1 {
                self.expect(&Kind::Comma, "\",\"")?;
            }
            match self.peek_word().as_deref() {
                Some("BBOX" | "POLYGON" | "MULTIPOLYGON" | "POINT") if shape.is_none() => {
                    shape = Some(self.geometry()?);
                }
                Some(_) | None if matches!(self.peek(), Some(Kind::Word(_) | Kind::Quoted(_))) => {
                    match self.operand()? {
                        Operand::Property(Queryable::Geometry, _) if !geometry => geometry = true,
                        Operand::Property(_, name) => {
                            return Err(unsupported(format!(
                                "S_INTERSECTS on {name}, which is not the geometry"
                            )))
                        }
                        Operand::Value(_) => return Err(self.expected("a geometry")),
                    }
                }
                _ => return Err(self.expected("geometry or a BBOX, POLYGON or POINT")),
            }
        }
        self.expect(&Kind::Close, "\")\"")?;
        match (geometry, shape) {
            (true, Some(shape)) => Ok(Cql2Filter::Intersects(shape)),
            _ => Err(unsupported(
                "S_INTERSECTS between two literals or two properties",
            )),
        }
    }

    fn number(&mut self) -> Result<f64, Cql2Error> {
        match self.next().map(|t| t.kind) {
            Some(Kind::Number(n)) => Ok(n),
            _ => {
                self.at -= 1;
                Err(self.expected("a number"))
            }
        }
    }

    /// `x y` pairs separated by commas, in parentheses: a ring.
    fn ring(&mut self) -> Result<Vec<(f64, f64)>, Cql2Error> {
        self.expect(&Kind::Open, "\"(\"")?;
        let mut points = Vec::new();
        loop {
            let x = self.number()?;
            let y = self.number()?;
            if matches!(self.peek(), Some(Kind::Number(_))) {
                return Err(unsupported("coordinates with a third dimension"));
            }
            // CRS84, the only filter-crs: as a GeoJSON polygon's positions.
            if !polygon::in_range(x, y) {
                return Err(invalid(format!("({x} {y}) is {}", polygon::OUT_OF_RANGE)));
            }
            points.push((x, y));
            match self.next().map(|t| t.kind) {
                Some(Kind::Comma) => {}
                Some(Kind::Close) => break,
                _ => {
                    self.at -= 1;
                    return Err(self.expected("\",\" or \")\""));
                }
            }
        }
        if points.len() < 4 || points.first() != points.last() {
            return Err(invalid(
                "a polygon's ring has four points at least, its last the same as its first",
            ));
        }
        Ok(points)
    }

    fn polygon(&mut self) -> Result<Vec<Vec<(f64, f64)>>, Cql2Error> {
        self.expect(&Kind::Open, "\"(\"")?;
        let mut rings = vec![self.ring()?];
        while self.peek() == Some(&Kind::Comma) {
            self.at += 1;
            rings.push(self.ring()?);
        }
        self.expect(&Kind::Close, "\")\"")?;
        Ok(rings)
    }

    fn geometry(&mut self) -> Result<Shape, Cql2Error> {
        let word = self.peek_word().unwrap_or_default();
        self.at += 1;
        match word.as_str() {
            "BBOX" => {
                self.expect(&Kind::Open, "\"(\"")?;
                let mut numbers = vec![self.number()?];
                while self.peek() == Some(&Kind::Comma) {
                    self.at += 1;
                    numbers.push(self.number()?);
                }
                self.expect(&Kind::Close, "\")\"")?;
                let [w, s, e, n] = numbers[..] else {
                    return Err(invalid("BBOX takes four numbers: west, south, east, north"));
                };
                if !(-90.0..=90.0).contains(&s) || !(-90.0..=90.0).contains(&n) || s > n {
                    return Err(invalid("BBOX: south and north are latitudes, south first"));
                }
                Ok(Shape::Bbox([w, s, e, n]))
            }
            "POINT" => {
                self.expect(&Kind::Open, "\"(\"")?;
                let x = self.number()?;
                let y = self.number()?;
                self.expect(&Kind::Close, "\")\"")?;
                Ok(Shape::Point(x, y))
            }
            "POLYGON" => Ok(Shape::Polygons(Polygons::new(vec![self.polygon()?]))),
            _ => {
                self.expect(&Kind::Open, "\"(\"")?;
                let mut polygons = vec![self.polygon()?];
                while self.peek() == Some(&Kind::Comma) {
                    self.at += 1;
                    polygons.push(self.polygon()?);
                }
                self.expect(&Kind::Close, "\")\"")?;
                Ok(Shape::Polygons(Polygons::new(polygons)))
            }
        }
    }
}

/// The labels of `values` in the vocabulary of `field`.
fn labels(field: SchemaField, values: &[Scalar]) -> Result<Vec<&'static str>, Cql2Error> {
    values
        .iter()
        .map(|value| {
            let Scalar::Text(text) = value else {
                return Err(invalid(format!(
                    "{} holds labels, not {value:?}",
                    field.name()
                )));
            };
            label_in(field, text).ok_or_else(|| {
                invalid(format!(
                    "{text:?} is not a value of {}; the values are: {}",
                    field.name(),
                    labels_of(field).unwrap_or_default().join(", ")
                ))
            })
        })
        .collect()
}

/// `value` as the type of `property` (a date may be written as text).
fn typed(property: Queryable, name: &str, value: Scalar) -> Result<Scalar, Cql2Error> {
    match (property, value) {
        (Queryable::Text(_), value @ Scalar::Text(_))
        | (Queryable::Number(_), value @ Scalar::Number(_))
        | (Queryable::Date, value @ Scalar::Date(_)) => Ok(value),
        (Queryable::Date, Scalar::Text(text)) => text
            .get(..10)
            .and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
            .map(Scalar::Date)
            .ok_or_else(|| invalid(format!("{name}: '{text}' is not a date such as 2024-01-31"))),
        (Queryable::Geometry, _) => Err(unsupported(
            "a comparison of the geometry: use S_INTERSECTS",
        )),
        (_, value) => Err(invalid(format!("{name} cannot be compared with {value:?}"))),
    }
}

fn compare(left: Operand, op: Comparison, right: Operand) -> Result<Cql2Filter, Cql2Error> {
    let (property, name, op, value) = match (left, right) {
        (Operand::Property(property, name), Operand::Value(value)) => (property, name, op, value),
        (Operand::Value(value), Operand::Property(property, name)) => {
            (property, name, op.flipped(), value)
        }
        (Operand::Property(..), Operand::Property(..)) => {
            return Err(unsupported("a comparison of two properties"))
        }
        (Operand::Value(a), Operand::Value(b)) => {
            let ordering = a
                .compare(&b)
                .ok_or_else(|| invalid(format!("{a:?} cannot be compared with {b:?}")))?;
            return Ok(Cql2Filter::Const(op.holds(ordering)));
        }
    };
    if let Queryable::Labels(field) = property {
        let labels = labels(field, std::slice::from_ref(&value))?;
        let holds = Cql2Filter::Array {
            field,
            op: ArrayOp::Overlaps,
            labels,
        };
        return match op {
            Comparison::Eq => Ok(holds),
            Comparison::Ne => Ok(Cql2Filter::Not(Box::new(holds))),
            _ => Err(unsupported(format!(
                "{op} on {name}, an array: use =, <>, IN or A_CONTAINS"
            ))),
        };
    }
    let value = typed(property, &name, value)?;
    Ok(Cql2Filter::Compare {
        property,
        op,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::generate::test_places;

    fn place() -> Place {
        let mut place = test_places(1, 7).remove(0);
        place.texts = place
            .texts
            .with(TextField::Commune, "Angers")
            .with(TextField::CodePostal, "49000")
            .with(TextField::Nom, "Médiathèque Toussaint");
        place.latitude = 47.47;
        place.longitude = -0.55;
        place.services = VocabSet::new();
        place
            .services
            .insert(Service::lookup("Aide aux démarches administratives").unwrap());
        place
            .services
            .insert(Service::lookup("Maîtrise des outils numériques du quotidien").unwrap());
        place.date_maj = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        place
    }

    fn keeps(filter: &str) -> bool {
        Cql2Filter::parse(filter)
            .unwrap_or_else(|e| panic!("{filter}: {e}"))
            .matches(&place())
    }

    #[test]
    fn comparisons_and_logic() {
        assert!(keeps("commune = 'Angers'"));
        assert!(keeps("'Angers' = commune"));
        assert!(!keeps("commune <> 'Angers'"));
        assert!(keeps("code_postal >= '49000' AND code_postal < '49999'"));
        assert!(keeps("latitude > 47 and longitude < 0"));
        assert!(keeps("-0.6 < longitude"));
        assert!(keeps("latitude BETWEEN 47 AND 48"));
        assert!(keeps(
            "NOT (commune = 'Nantes') AND (commune = 'Nantes' OR TRUE)"
        ));
        assert!(keeps("commune IN ('Nantes', 'Angers')"));
        assert!(!keeps("commune NOT IN ('Nantes', 'Angers')"));
        assert!(keeps("nom LIKE 'Médiath%'"));
        assert!(keeps("nom LIKE '%Tou_saint'"));
        assert!(!keeps("nom NOT LIKE '%Toussaint'"));
        assert!(keeps("date_maj > DATE('2024-01-01')"));
        assert!(keeps("date_maj = '2024-03-01'"));
        assert!(keeps("\"commune\" = 'Angers'"));
        assert!(keeps(
            "fiche_acces_libre IS NULL OR fiche_acces_libre IS NOT NULL"
        ));
        assert!(keeps("commune = 'l''Angers' OR commune = 'Angers'"));
    }

    #[test]
    fn arrays_of_the_vocabularies() {
        assert!(keeps("services = 'Aide aux démarches administratives'"));
        assert!(keeps("services = 'aide aux demarches administratives'"));
        assert!(keeps(
            "A_CONTAINS(services, ('Aide aux démarches administratives'))"
        ));
        assert!(!keeps(
            "A_CONTAINS(services, ('Aide aux démarches administratives', 'Parentalité et éducation avec le numérique'))"
        ));
        assert!(keeps(
            "A_OVERLAPS(services, ('Aide aux démarches administratives', 'Parentalité et éducation avec le numérique'))"
        ));
        assert!(keeps("services IN ('Parentalité et éducation avec le numérique', 'Aide aux démarches administratives')"));
        assert!(keeps("A_EQUALS(services, ('Maîtrise des outils numériques du quotidien', 'Aide aux démarches administratives'))"));
        assert!(!keeps(
            "A_CONTAINEDBY(services, ('Aide aux démarches administratives'))"
        ));
        assert!(keeps(
            "services <> 'Parentalité et éducation avec le numérique'"
        ));
        assert!(!keeps("services IS NULL"));
    }

    #[test]
    fn spatial() {
        assert!(keeps("S_INTERSECTS(geometry, BBOX(-1, 47, 0, 48))"));
        assert!(!keeps("S_INTERSECTS(geometry, BBOX(0, 47, 1, 48))"));
        assert!(
            keeps("S_INTERSECTS(geometry, BBOX(170, 47, 0, 48))"),
            "antimeridian"
        );
        assert!(keeps(
            "S_INTERSECTS(geometry, POLYGON((-1 47, 0 47, 0 48, -1 48, -1 47)))"
        ));
        // A hole around the place.
        assert!(!keeps("S_INTERSECTS(geometry, POLYGON((-1 47, 0 47, 0 48, -1 48, -1 47), (-0.6 47.4, -0.5 47.4, -0.5 47.5, -0.6 47.5, -0.6 47.4)))"));
        // A triangle whose bbox holds the place, but not the triangle.
        assert!(!keeps(
            "S_INTERSECTS(geometry, POLYGON((-1 47, 0 47, 0 48, -1 47)))"
        ));
        assert!(keeps("S_INTERSECTS(geometry, MULTIPOLYGON(((5 5, 6 5, 6 6, 5 5)), ((-1 47, 0 47, 0 48, -1 48, -1 47))))"));
        assert!(keeps("S_INTERSECTS(BBOX(-1, 47, 0, 48), geometry)"));
        // Southern latitudes: a number after a number and a space keeps its sign.
        let south = Cql2Filter::parse(
            "S_INTERSECTS(geometry, POLYGON((55.2 -21.4, 55.9 -21.4, 55.9 -20.8, 55.2 -20.8, 55.2 -21.4)))",
        )
        .unwrap();
        let mut reunion = place();
        (reunion.longitude, reunion.latitude) = (55.45, -21.1);
        assert!(south.matches(&reunion));
        assert!(!south.matches(&place()));
    }

    #[test]
    fn what_is_not_supported_is_named() {
        for (filter, named) in [
            ("S_WITHIN(geometry, BBOX(0,0,1,1))", "S_WITHIN"),
            ("T_AFTER(date_maj, DATE('2020-01-01'))", "T_AFTER"),
            ("CASEI(commune) = 'angers'", "CASEI"),
            ("latitude + 1 > 2", "arithmetic"),
            ("commune = nom", "two properties"),
            ("S_INTERSECTS(geometry, LINESTRING(0 0, 1 1))", "LINESTRING"),
            ("services LIKE 'A%'", "LIKE on services"),
            ("upper(commune) = 'A'", "UPPER"),
        ] {
            let error = Cql2Filter::parse(filter).unwrap_err().to_string();
            assert!(error.contains(named), "{filter}: {error}");
        }
        for (filter, named) in [
            ("ville = 'Angers'", "\"ville\" is not a queryable"),
            (
                "services = 'Cuisine'",
                "\"Cuisine\" is not a value of services",
            ),
            ("latitude = 'x'", "latitude cannot be compared"),
            ("commune = 'Angers", "not closed"),
            (
                "commune = ",
                "expected a property or a value, found the end",
            ),
            ("commune 'Angers'", "expected a comparison"),
            ("(commune = 'A'", "expected \")\""),
            ("commune = 'A' commune", "unexpected"),
            ("commune = 'A' ; DROP", "is not CQL2 text"),
            (
                "S_INTERSECTS(geometry, POLYGON((-1 47, 200 47, 0 48, -1 47)))",
                "(200 47) is out of range",
            ),
            (
                "S_INTERSECTS(geometry, POLYGON((-1 47, 0 -95, 0 48, -1 47)))",
                "out of range",
            ),
        ] {
            let error = Cql2Filter::parse(filter).unwrap_err().to_string();
            assert!(error.contains(named), "{filter}: {error}");
        }
        let deep = format!("{}TRUE{}", "(".repeat(100), ")".repeat(100));
        assert!(Cql2Filter::parse(&deep).is_err());
        let nots = format!("{}TRUE", "NOT ".repeat(100));
        assert!(Cql2Filter::parse(&nots).is_err());
    }

    #[test]
    fn the_narrowing_keeps_a_superset() {
        let filter = Cql2Filter::parse(
            "A_CONTAINS(services, ('Aide aux démarches administratives', 'Parentalité et éducation avec le numérique')) AND S_INTERSECTS(geometry, BBOX(-1,47,0,48)) AND commune = 'Angers'",
        )
        .unwrap();
        let (narrowed, bbox) = filter.narrowing(PlaceFilter::default());
        assert_eq!(narrowed.services.len(), 2);
        assert_eq!(bbox, Some([-1.0, 47.0, 0.0, 48.0]));
        let filter = Cql2Filter::parse(
            "services = 'Parentalité et éducation avec le numérique' OR commune = 'Angers'",
        )
        .unwrap();
        assert!(filter.narrowing(PlaceFilter::default()).0.is_empty());
    }

    #[test]
    fn every_queryable_is_named() {
        let all = Queryable::all();
        assert_eq!(all.len(), 33);
        assert_eq!(
            Queryable::named("services"),
            Some(Queryable::Labels(SchemaField::Services))
        );
        assert!(Queryable::named("nowhere").is_none());
    }
}
