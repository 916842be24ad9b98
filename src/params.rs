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
use lieux_index::filter::PlaceFilter;
use lieux_tiles::LngLatBbox;

use crate::http_error::{ApiError, ErrorCode};
use crate::limits::Limits;
use crate::state::AppState;

/// The query string of a request, as name/value pairs in order.
pub type Query = web::Query<Vec<(String, String)>>;

/// The parameters of a route, read from its query string.
pub trait RouteParams: Sized {
    /// The names the route takes, besides the filters when it takes them.
    const NAMES: &'static [&'static str];
    /// Whether the route takes the filters (`q`, `services`, `departement`…).
    const FILTERS: bool;

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
    let query =
        Query::from_query(request.query_string()).map_err(|error| invalid(error.to_string()))?;
    let unknown = query.iter().find(|(name, _)| {
        let declared = T::NAMES.contains(&name.as_str());
        let filter = T::FILTERS && PlaceFilter::is_parameter(name);
        !(declared || filter)
    });
    if let Some((name, _)) = unknown {
        let takes = match (T::NAMES, T::FILTERS) {
            ([], false) => "this route takes none".to_owned(),
            (names, false) => format!("this route takes {}", names.join(", ")),
            ([], true) => "this route takes the filters".to_owned(),
            (names, true) => format!("this route takes the filters and {}", names.join(", ")),
        };
        return Err(invalid(format!("unknown parameter {name:?}: {takes}")));
    }
    let default_limits;
    let limits = match request.app_data::<web::Data<AppState>>() {
        Some(state) => &state.limits,
        None => {
            default_limits = Limits::default();
            &default_limits
        }
    };
    T::read(&query, limits).map(Params)
}

/// A route that takes no parameter.
pub struct NoParams;

impl RouteParams for NoParams {
    const NAMES: &'static [&'static str] = &[];
    const FILTERS: bool = false;

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
    PlaceFilter::from_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|e| invalid(e.to_string()))
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

/// A number parameter, at most once; `default` when absent.
pub fn number_param<T: std::str::FromStr>(
    query: &Query,
    name: &str,
    default: Option<T>,
) -> Result<T, ApiError> {
    match param(query, name)? {
        Some(text) => parse(name, text),
        None => default.ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidParameter, format!("{name} is required"))
        }),
    }
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
        || s > n
        || !(-180.0..=180.0).contains(&w)
        || !(-180.0..=180.0).contains(&e)
    {
        return Err(invalid("out of range"));
    }
    Ok(LngLatBbox::new(w, s, e, n))
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
