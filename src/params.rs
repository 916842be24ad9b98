//! Query parameters, declared per route.
//!
//! Each route reads its query string into a typed value ([`RouteParams`]): it declares the
//! names it takes (and whether it takes the filters), and the extractor [`Params`] refuses any
//! other name before reading, so that a typo such as `servics=` is a 400 that says so rather
//! than an unfiltered answer. A parameter is read at most once (a second copy is an error, not
//! silently ignored), numbers must parse completely, cross-field rules are checked in the
//! route's [`RouteParams::read`], and limits by [`at_most`] and [`within`], which write one
//! message for every route.

use std::future::{ready, Ready};

use actix_web::{web, FromRequest, HttpRequest};
use chrono::NaiveDateTime;
use lieux_index::filter::PlaceFilter;
use lieux_tiles::LngLatBbox;

use crate::http_error::{ApiError, ErrorCode};
use crate::limits::Limits;
use crate::state::AppState;

/// The query string of a request, as name/value pairs in order.
pub type Query = web::Query<Vec<(String, String)>>;

/// A query parameter as a route declares it: what the extractor takes, what [`Parameter`]'s
/// readers check, and what the OpenAPI document says (`crate::openapi`), from one
/// declaration.
#[derive(Clone, Copy, Debug)]
pub struct Parameter {
    pub name: &'static str,
    /// For people, in the document.
    pub description: &'static str,
    pub kind: Kind,
}

/// What a parameter holds.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A whole number from `minimum` to `maximum`; `default` when absent (required when
    /// there is none).
    Integer {
        minimum: u64,
        maximum: Maximum,
        default: Option<u64>,
    },
    /// A number from `minimum` to `maximum`.
    Number { minimum: f64, maximum: Maximum },
    /// `true` or `false` (`1`, `yes`, or nothing after `=`, are true too).
    Boolean,
    /// One of `values`; `default` when absent.
    OneOf {
        values: &'static [&'static str],
        default: &'static str,
    },
    /// One of `values`, or nothing.
    Choice { values: &'static [&'static str] },
    /// Text, at most `--max-query-chars` characters.
    Text,
    /// Text that may be left out, and that matches `pattern` when it is given (ECMA 262).
    Pattern { pattern: &'static str },
    /// Text of at most `max_chars` characters, which the route reads (a CQL2 filter, a
    /// field's value) and checks with [`Parameter::text_up_to`].
    TextUpTo { max_chars: usize },
    /// Text that must be given, and that matches `pattern` (ECMA 262, as the document states
    /// it; the route checks what it means).
    Required { pattern: &'static str },
    /// A local date-time, `2026-11-24T14:30`.
    LocalTime,
    /// A rectangle `W,S,E,N` in degrees, at most `--max-bbox-degrees` wide and tall.
    Bbox,
    /// Up to `max_items` distances in metres, comma-separated (`500,2000,5000`), each below
    /// [`MAX_DISTANCE_M`]: read sorted, each once.
    Distances { max_items: usize },
}

/// The longest distance a [`Kind::Distances`] parameter takes, in metres: 10,000 km, about
/// the farthest two places on Earth's surface are apart, as seven digits say.
pub const MAX_DISTANCE_M: f64 = 9_999_999.0;

/// The largest value a parameter takes.
#[derive(Clone, Copy, Debug)]
pub enum Maximum {
    Fixed(u64),
    /// One of the server's limits (`lieux serve --help`).
    Limit(fn(&Limits) -> f64),
}

impl Maximum {
    /// The maximum under `limits`.
    #[must_use]
    pub fn of(self, limits: &Limits) -> f64 {
        match self {
            #[allow(clippy::cast_precision_loss)]
            Self::Fixed(max) => max as f64,
            Self::Limit(limit) => limit(limits),
        }
    }
}

impl Parameter {
    /// Its text in `query`, at most once.
    ///
    /// # Errors
    /// When it is given twice.
    pub fn text<'q>(&self, query: &'q Query) -> Result<Option<&'q str>, ApiError> {
        param(query, self.name)
    }

    /// Its text, at most once and at most its `max_chars` characters.
    ///
    /// # Errors
    /// When it is given twice or is longer.
    pub fn text_up_to<'q>(&self, query: &'q Query) -> Result<Option<&'q str>, ApiError> {
        let Kind::TextUpTo { max_chars } = self.kind else {
            unreachable!("{} is declared text of a length", self.name);
        };
        let text = self.text(query)?;
        if text.is_some_and(|text| text.chars().count() > max_chars) {
            return Err(invalid(format!(
                "{}: longer than {max_chars} characters",
                self.name
            )));
        }
        Ok(text)
    }

    /// Its whole number, within its bounds, or its default.
    ///
    /// # Errors
    /// When it is no number, out of bounds, or absent without a default.
    pub fn integer(&self, query: &Query, limits: &Limits) -> Result<u64, ApiError> {
        let Kind::Integer {
            minimum,
            maximum,
            default,
        } = self.kind
        else {
            unreachable!("{} is declared an integer", self.name);
        };
        let value = match (self.text(query)?, default) {
            (Some(text), _) => parse(self.name, text)?,
            (None, Some(default)) => return Ok(default),
            (None, None) => return Err(invalid(format!("{} is required", self.name))),
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let max = maximum.of(limits) as u64;
        if minimum == 0 {
            at_most(self.name, value, max)
        } else {
            within(self.name, value, minimum..=max)
        }
    }

    /// Its whole number as a `usize` (see [`Parameter::integer`]).
    ///
    /// # Errors
    /// As [`Parameter::integer`].
    pub fn count(&self, query: &Query, limits: &Limits) -> Result<usize, ApiError> {
        let value = self.integer(query, limits)?;
        usize::try_from(value).map_err(|_| invalid(format!("{}: {value} is too large", self.name)))
    }

    /// Its number, within its bounds, if given.
    ///
    /// # Errors
    /// When it is no number or out of bounds.
    pub fn number(&self, query: &Query, limits: &Limits) -> Result<Option<f64>, ApiError> {
        let Kind::Number { minimum, maximum } = self.kind else {
            unreachable!("{} is declared a number", self.name);
        };
        self.text(query)?
            .map(|text| {
                within(
                    self.name,
                    parse(self.name, text)?,
                    minimum..=maximum.of(limits),
                )
            })
            .transpose()
    }

    /// Its distances, sorted and each once, if given.
    ///
    /// # Errors
    /// When one is no number or out of bounds, or there are too many.
    pub fn distances(&self, query: &Query) -> Result<Option<Vec<f64>>, ApiError> {
        let Kind::Distances { max_items } = self.kind else {
            unreachable!("{} is declared distances", self.name);
        };
        let Some(text) = self.text(query)? else {
            return Ok(None);
        };
        let mut distances = text
            .split(',')
            .map(|item| within(self.name, parse(self.name, item)?, 0.0..=MAX_DISTANCE_M))
            .collect::<Result<Vec<f64>, ApiError>>()?;
        if distances.len() > max_items {
            return Err(invalid(format!(
                "{}: at most {max_items} distances, not {}",
                self.name,
                distances.len()
            )));
        }
        distances.sort_by(f64::total_cmp);
        distances.dedup();
        Ok(Some(distances))
    }

    /// Its truth: absent is false.
    ///
    /// # Errors
    /// A value that is not true or false.
    pub fn boolean(&self, query: &Query) -> Result<bool, ApiError> {
        match self.text(query)? {
            None | Some("false" | "0" | "no") => Ok(false),
            Some("true" | "1" | "yes" | "") => Ok(true),
            Some(other) => Err(invalid(format!(
                "{}: {other:?} is not true or false",
                self.name
            ))),
        }
    }

    /// Its text, which must be given.
    ///
    /// # Errors
    /// When it is absent or given twice.
    pub fn required<'q>(&self, query: &'q Query) -> Result<&'q str, ApiError> {
        self.text(query)?
            .ok_or_else(|| invalid(format!("{} is required", self.name)))
    }

    /// Which of its values it is, or its default.
    ///
    /// # Errors
    /// Another value.
    pub fn one_of(&self, query: &Query) -> Result<&'static str, ApiError> {
        let Kind::OneOf { values, default } = self.kind else {
            unreachable!("{} is declared one of some values", self.name);
        };
        match self.text(query)? {
            None => Ok(default),
            Some(text) => values.iter().copied().find(|v| *v == text).ok_or_else(|| {
                invalid(format!(
                    "{}: {text:?} is not {}",
                    self.name,
                    or_list(values)
                ))
            }),
        }
    }
}

impl Parameter {
    /// Which of its values it is, if it is given.
    ///
    /// # Errors
    /// Another value.
    pub fn choice(&self, query: &Query) -> Result<Option<&'static str>, ApiError> {
        let Kind::Choice { values } = self.kind else {
            unreachable!("{} is declared a choice of some values", self.name);
        };
        self.text(query)?
            .map(|text| {
                values.iter().copied().find(|v| *v == text).ok_or_else(|| {
                    invalid(format!(
                        "{}: {text:?} is not {}",
                        self.name,
                        or_list(values)
                    ))
                })
            })
            .transpose()
    }
}

/// `a, b or c`.
fn or_list(values: &[&str]) -> String {
    match values {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Parameters that only mean something together. The document states them as one object
/// parameter (`style: form`, exploded: each member is still a query parameter of its own), so
/// that a client or a tester knows which go together; [`RouteParams::read`] enforces the rule.
#[derive(Clone, Copy, Debug)]
pub struct Group {
    /// The object's name in the document.
    pub name: &'static str,
    pub description: &'static str,
    /// Members given all or none (`lat` and `lon`).
    pub together: &'static [&'static str],
    /// Members that may come only with those (`radius` needs a position).
    pub with: &'static [&'static str],
    /// Members of which at most one may be given (`open_at` or `open_now`).
    pub at_most_one: &'static [&'static str],
    /// Whether the group must be given (`/nearest` needs a position).
    pub required: bool,
}

/// The position of `lat` and `lon`, optional.
pub const POSITION: Group = Group {
    name: "position",
    description: "A position: `lat` and `lon` together.",
    together: &["lat", "lon"],
    with: &[],
    at_most_one: &[],
    required: false,
};

/// Which of the filters a route takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filters {
    /// None.
    None,
    /// Every one: text, vocabularies, territory.
    All,
    /// The territory's alone ([`TERRITORY`]).
    Territory,
    /// The territory's and `polygon`: where places are, not what they are.
    Area,
}

/// The filters that name a territory.
pub const TERRITORY: &[&str] = &["departement", "epci", "code_insee", "code_postal"];

impl Filters {
    /// Whether `name` is one of them.
    #[must_use]
    pub fn takes(self, name: &str) -> bool {
        match self {
            Self::None => false,
            Self::All => PlaceFilter::is_parameter(name),
            Self::Territory => TERRITORY.contains(&name),
            Self::Area => TERRITORY.contains(&name) || name == "polygon",
        }
    }
}

/// The parameters of a route, read from its query string.
pub trait RouteParams: Sized {
    /// The parameters the route takes, besides the filters when it takes them.
    const PARAMETERS: &'static [Parameter];
    /// Which of them go together.
    const GROUPS: &'static [Group] = &[];
    /// Which filters the route takes (`q`, `services`, `departement`…).
    const FILTERS: Filters = Filters::None;

    /// Reads the parameters, whose names are known to be among those declared.
    ///
    /// # Errors
    /// A parameter that does not parse, breaks a limit of `limits`, or a rule between several.
    fn read(query: &Query, limits: &Limits) -> Result<Self, ApiError>;
}

/// The parameters `T` of a request: its names checked against `T`'s, then read.
pub struct Params<T>(pub T);

impl<T: RouteParams> FromRequest for Params<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(params(request))
    }
}

fn params<T: RouteParams>(request: &HttpRequest) -> Result<Params<T>, ApiError> {
    let default_limits;
    let limits = match request.app_data::<web::Data<AppState>>() {
        Some(state) => &state.limits,
        None => {
            default_limits = Limits::default();
            &default_limits
        }
    };
    params_of(request.query_string(), limits).map(Params)
}

/// The parameters `T` of a query string: its names checked against `T`'s, then read (what a
/// route does, for a query given elsewhere: `lieux export --pmtiles --filter`).
///
/// # Errors
/// An unknown name, or what [`RouteParams::read`] refuses.
pub fn params_of<T: RouteParams>(query_string: &str, limits: &Limits) -> Result<T, ApiError> {
    let query = Query::from_query(query_string).map_err(|error| invalid(error.to_string()))?;
    checked(&query, limits)
}

/// The parameters `T` of `query`: its names checked against `T`'s, then read.
fn checked<T: RouteParams>(query: &Query, limits: &Limits) -> Result<T, ApiError> {
    let unknown = query.iter().find(|(name, _)| {
        let declared = T::PARAMETERS.iter().any(|p| p.name == name);
        let filter = T::FILTERS.takes(name);
        !(declared || filter)
    });
    if let Some((name, _)) = unknown {
        let names: Vec<&str> = T::PARAMETERS.iter().map(|p| p.name).collect();
        let filters = match T::FILTERS {
            Filters::None => None,
            Filters::All => Some("the filters".to_owned()),
            Filters::Territory => Some(TERRITORY.join(", ")),
            Filters::Area => Some(format!("{}, polygon", TERRITORY.join(", "))),
        };
        let takes = match (names.as_slice(), filters) {
            ([], None) => "this route takes none".to_owned(),
            (names, None) => format!("this route takes {}", names.join(", ")),
            ([], Some(filters)) => format!("this route takes {filters}"),
            (names, Some(filters)) => {
                format!("this route takes {filters} and {}", names.join(", "))
            }
        };
        return Err(invalid(format!("unknown parameter {name:?}: {takes}")));
    }
    T::read(query, limits)
}

/// The largest body of a route that takes its parameters in a POST body: a polygon at its
/// bound ([`lieux_index::polygon::MAX_BYTES`]) with room for the other parameters.
pub const MAX_POSTED_BYTES: usize = lieux_index::polygon::MAX_BYTES + 64 * 1024;

/// The parameters `T` of a POST (for a polygon longer than a query string may be): the members
/// of its JSON body, each read as the query string would give it (a filter's values as an array
/// of strings, `polygon` as a GeoJSON object, numbers and booleans as JSON ones), and those of
/// its query string; each name at most once in all. An empty body is an empty object.
pub struct Posted<T>(pub T);

impl<T: RouteParams + 'static> FromRequest for Posted<T> {
    type Error = ApiError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let limits = request
            .app_data::<web::Data<AppState>>()
            .map_or_else(Limits::default, |state| state.limits.clone());
        let json = request
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
        let query = Query::from_query(request.query_string());
        let payload = web::Payload::from_request(request, payload);
        Box::pin(async move {
            let mut query = query.map_err(|error| invalid(error.to_string()))?;
            let payload = payload.await.map_err(|e| invalid(e.to_string()))?;
            let body = read_body(payload, MAX_POSTED_BYTES).await?;
            if !body.is_empty() {
                if !json {
                    return Err(ApiError::new(
                        ErrorCode::UnsupportedMediaType,
                        "send the parameters as a JSON object, application/json",
                    ));
                }
                let members: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_slice(&body).map_err(|e| {
                        invalid(format!(
                            "the body is not a JSON object of the route's parameters: {e}"
                        ))
                    })?;
                for (name, value) in members {
                    let text = posted_text::<T>(&name, &value)?;
                    query.0.push((name, text));
                }
            }
            checked(&query, &limits).map(Posted)
        })
    }
}

/// The JSON type a posted parameter of `T` is given as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostedType {
    Integer,
    Number,
    Boolean,
    String,
    /// Strings, joined with `|` as a filter's values are in a query string.
    Strings,
    /// A JSON object, read as its JSON text (`polygon`).
    Object,
}

impl PostedType {
    /// The type of the parameter `kind`.
    #[must_use]
    pub fn of_kind(kind: Kind) -> Self {
        match kind {
            Kind::Integer { .. } => Self::Integer,
            Kind::Number { .. } => Self::Number,
            Kind::Boolean => Self::Boolean,
            _ => Self::String,
        }
    }

    /// The type of the filter `name`, if it is one.
    #[must_use]
    pub fn of_filter(name: &str) -> Option<Self> {
        use lieux_index::filter::FilterValues;
        Some(match lieux_index::filter::parameter_values(name)? {
            FilterValues::Labels(_) | FilterValues::Pattern(_) => Self::Strings,
            FilterValues::Text => Self::String,
            FilterValues::Geometry => Self::Object,
        })
    }
}

/// The text of the posted member `name` of `T`, as a query string would give it.
fn posted_text<T: RouteParams>(name: &str, value: &serde_json::Value) -> Result<String, ApiError> {
    use serde_json::Value;
    let declared = T::PARAMETERS
        .iter()
        .find(|p| p.name == name)
        .map(|p| PostedType::of_kind(p.kind));
    let Some(kind) = declared.or_else(|| PostedType::of_filter(name)) else {
        // Unknown to the route: refused by name once every member is read.
        return Ok(value.to_string());
    };
    let wrong = |what: &str| invalid(format!("{name}: {value} is not {what}"));
    match (kind, value) {
        (PostedType::String, Value::String(text)) => Ok(text.clone()),
        (PostedType::Boolean, Value::Bool(truth)) => Ok(truth.to_string()),
        (PostedType::Number, Value::Number(number)) => Ok(number.to_string()),
        (PostedType::Integer, Value::Number(number)) => match (number.as_u64(), number.as_f64()) {
            (Some(whole), _) => Ok(whole.to_string()),
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            (None, Some(n)) if n.fract() == 0.0 && (0.0..9e15).contains(&n) => {
                Ok((n as u64).to_string())
            }
            _ => Err(wrong("a whole number from 0")),
        },
        (PostedType::Strings, Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().ok_or_else(|| wrong("an array of strings")))
            .collect::<Result<Vec<&str>, _>>()
            .map(|items| items.join("|")),
        (PostedType::Object, Value::Object(_)) => Ok(value.to_string()),
        (PostedType::String, _) => Err(wrong("a string")),
        (PostedType::Boolean, _) => Err(wrong("true or false")),
        (PostedType::Number | PostedType::Integer, _) => Err(wrong("a number")),
        (PostedType::Strings, _) => Err(wrong("an array of strings")),
        (PostedType::Object, _) => Err(wrong("a JSON object")),
    }
}

/// The body of a request, `max` bytes at most.
pub(crate) async fn read_body(
    mut payload: web::Payload,
    max: usize,
) -> Result<web::BytesMut, ApiError> {
    use futures_util::StreamExt;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.to_string()))?;
        if body.len() + chunk.len() > max {
            return Err(ApiError::new(
                ErrorCode::BodyTooLarge,
                format!("the body is larger than the maximum of {max} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A route that takes no parameter.
pub struct NoParams;

impl RouteParams for NoParams {
    const PARAMETERS: &'static [Parameter] = &[];

    fn read(_: &Query, _: &Limits) -> Result<Self, ApiError> {
        Ok(Self)
    }
}

/// A 400 `invalid_parameter` with `message`.
pub fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameter, message)
}

/// `value` of `name` when it is at most `max`.
///
/// # Errors
/// `"{name}: {value} is above the maximum of {max}"`.
pub fn at_most<T: PartialOrd + std::fmt::Display>(
    name: &str,
    value: T,
    max: T,
) -> Result<T, ApiError> {
    if value > max {
        return Err(invalid(format!(
            "{name}: {value} is above the maximum of {max}"
        )));
    }
    Ok(value)
}

/// `value` of `name` when it is within `range`.
///
/// # Errors
/// `"{name}: {value} is outside {start} to {end}"`.
pub fn within<T: PartialOrd + std::fmt::Display>(
    name: &str,
    value: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ApiError> {
    if !range.contains(&value) {
        return Err(invalid(format!(
            "{name}: {value} is outside {} to {}",
            range.start(),
            range.end()
        )));
    }
    Ok(value)
}

/// The filter of a query string (its filter parameters), refusing a text longer than the limit.
pub fn filter_of(query: &Query, limits: &Limits) -> Result<PlaceFilter, ApiError> {
    if let Some(q) = param(query, "q")? {
        check_text("q", q, limits)?;
    }
    PlaceFilter::from_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(|e| {
        let code = if e.too_large {
            ErrorCode::PolygonTooLarge
        } else {
            ErrorCode::InvalidParameter
        };
        ApiError::new(code, e.to_string())
    })
}

/// The value of a non-filter parameter, at most once.
pub fn param<'q>(query: &'q Query, name: &str) -> Result<Option<&'q str>, ApiError> {
    let mut values = query
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str());
    let first = values.next();
    if values.next().is_some() {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("{name}: given twice"),
        ));
    }
    Ok(first)
}

pub fn parse<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, ApiError> {
    text.trim().parse().map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("{name}: {text:?} is not valid"),
        )
    })
}

pub fn parse_bbox(text: &str) -> Result<LngLatBbox, ApiError> {
    let invalid = |why: &str| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("bbox {text:?}: {why}; expected W,S,E,N"),
        )
    };
    let numbers: Vec<f64> = text
        .split(',')
        .map(|n| n.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| invalid("not numbers"))?;
    let [w, s, e, n] = numbers[..] else {
        return Err(invalid("four numbers"));
    };
    if numbers.iter().any(|v| !v.is_finite())
        || !(-90.0..=90.0).contains(&s)
        || !(-90.0..=90.0).contains(&n)
        || !(-180.0..=180.0).contains(&w)
        || !(-180.0..=180.0).contains(&e)
    {
        return Err(invalid("out of range"));
    }
    // The latitudes bound a band whichever comes first (no schema can say that one must be
    // the smaller); the longitudes' order says whether the box crosses the antimeridian.
    Ok(LngLatBbox::new(w, s.min(n), e, s.max(n)))
}

/// Refuses a text parameter longer than the limit.
pub fn check_text(name: &str, text: &str, limits: &Limits) -> Result<(), ApiError> {
    if text.chars().count() > limits.max_query_chars {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("{name}: longer than {} characters", limits.max_query_chars),
        ));
    }
    Ok(())
}

/// Refuses a raw query string that is not well-formed percent-encoding of UTF-8 text (see
/// [`crate::query_string`]).
pub fn check_query_string(raw: &str) -> Result<(), ApiError> {
    crate::query_string::check(raw).map_err(|why| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("the query string is not valid percent-encoding: {why}"),
        )
    })
}

/// `lat`, with `lon`: a position in degrees.
pub const LAT: Parameter = Parameter {
    name: "lat",
    description: "Latitude in degrees (-90 to 90); needs `lon`.",
    kind: Kind::Number {
        minimum: -90.0,
        maximum: Maximum::Fixed(90),
    },
};

/// `lon`, with `lat`.
pub const LON: Parameter = Parameter {
    name: "lon",
    description: "Longitude in degrees (-180 to 180); needs `lat`.",
    kind: Kind::Number {
        minimum: -180.0,
        maximum: Maximum::Fixed(180),
    },
};

/// `bbox`, a rectangle.
pub const BBOX: Parameter = Parameter {
    name: "bbox",
    description: "A rectangle `W,S,E,N` in degrees (W > E crosses the antimeridian).",
    kind: Kind::Bbox,
};

/// A longitude/latitude pair from `lon` and `lat`: both or neither.
///
/// # Errors
/// One without the other, or out of range.
pub fn location(query: &Query, limits: &Limits) -> Result<Option<(f64, f64)>, ApiError> {
    match (LON.number(query, limits)?, LAT.number(query, limits)?) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(invalid("lon: given without lat")),
        (None, Some(_)) => Err(invalid("lat: given without lon")),
        (Some(lon), Some(lat)) => Ok(Some((lon, lat))),
    }
}

/// The rectangle of `bbox`, checked against the limits, if given.
///
/// # Errors
/// A malformed rectangle, or one over `--max-bbox-degrees`.
pub fn bbox(query: &Query, limits: &Limits) -> Result<Option<LngLatBbox>, ApiError> {
    let Some(bbox) = BBOX.text(query)?.map(parse_bbox).transpose()? else {
        return Ok(None);
    };
    limits.check_bbox(&bbox)?;
    Ok(Some(bbox))
}

/// `open_at`, a local time.
pub const OPEN_AT: Parameter = Parameter {
    name: "open_at",
    description: "Only places open at this local date-time (Europe/Paris), e.g. `2026-11-24T14:30`; not with `open_now`. Temporary closures count.",
    kind: Kind::LocalTime,
};

/// `open_now`.
pub const OPEN_NOW: Parameter = Parameter {
    name: "open_now",
    description:
        "Only places open now (Europe/Paris); not with `open_at`. Temporary closures count.",
    kind: Kind::Boolean,
};

/// `include_unknown`, with one of the two.
pub const INCLUDE_UNKNOWN: Parameter = Parameter {
    name: "include_unknown",
    description: "With an opening filter, keep places whose hours are missing or unreadable.",
    kind: Kind::Boolean,
};

/// The opening filter's parameters, as `/search` and the map routes take them.
pub const OPENING: Group = Group {
    name: "opening",
    description: "Only places open at a time: `open_at` or `open_now`, not both, and whether places of unknown hours are kept.",
    together: &[],
    with: &["open_at", "open_now", "include_unknown"],
    at_most_one: &["open_at", "open_now"],
    required: false,
};

/// An opening filter as asked: at a local time, or now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opening {
    /// The local time of `open_at`; `None` for `open_now`.
    pub at: Option<NaiveDateTime>,
    /// Whether places of unknown hours are kept.
    pub include_unknown: bool,
}

/// The opening filter of `query` ([`OPENING`]), if it asks for one.
///
/// # Errors
/// A malformed `open_at`, `open_now` or `include_unknown`, or `open_at` with `open_now`.
pub fn opening(query: &Query) -> Result<Option<Opening>, ApiError> {
    let at = OPEN_AT.text(query)?.map(parse_local_time).transpose()?;
    let now = OPEN_NOW.boolean(query)?;
    if now && at.is_some() {
        return Err(invalid("open_now: give open_at or open_now, not both"));
    }
    let include_unknown = INCLUDE_UNKNOWN.boolean(query)?;
    Ok((now || at.is_some()).then_some(Opening {
        at,
        include_unknown,
    }))
}

/// The years `open_at` may name. The opening-hours evaluator steps days and weeks from the date
/// it is given and panics near the ends of chrono's range; no schedule says anything of years
/// this far apart anyway.
pub const OPEN_AT_YEARS: std::ops::RangeInclusive<i32> = 1970..=2100;

/// A local date-time: `2026-11-24T14:30`, with or without seconds, `T` or a space, in
/// [`OPEN_AT_YEARS`].
fn parse_local_time(text: &str) -> Result<NaiveDateTime, ApiError> {
    let at = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text.trim(), format).ok())
    .ok_or_else(|| {
        invalid(format!(
            "open_at: {text:?} is not a local date-time such as 2026-11-24T14:30"
        ))
    })?;
    if !OPEN_AT_YEARS.contains(&chrono::Datelike::year(&at)) {
        return Err(invalid(format!(
            "open_at: {text:?} is outside the years {} to {}",
            OPEN_AT_YEARS.start(),
            OPEN_AT_YEARS.end()
        )));
    }
    Ok(at)
}
