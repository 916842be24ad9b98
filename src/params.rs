//! Query parameters: one way to read them for every route.
//!
//! A parameter is read at most once (a second copy is an error, not silently ignored), numbers
//! must parse completely, and a route refuses names it does not know, so that a typo such as
//! `servics=` is a 400 that says so rather than an unfiltered answer.

use actix_web::web;
use lieux_index::filter::PlaceFilter;
use lieux_tiles::LngLatBbox;

use crate::http_error::{ApiError, ErrorCode};
use crate::limits::Limits;

/// The query string of a request, as name/value pairs in order.
pub type Query = web::Query<Vec<(String, String)>>;

/// The filter of a request, refusing parameters the route does not know and a text longer than
/// the limit.
pub fn filter_of(query: &Query, also: &[&str], limits: &Limits) -> Result<PlaceFilter, ApiError> {
    if let Some((name, _)) = query
        .iter()
        .find(|(name, _)| !PlaceFilter::is_parameter(name) && !also.contains(&name.as_str()))
    {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("unknown parameter {name:?}"),
        ));
    }
    if let Some(q) = param(query, "q")? {
        check_text("q", q, limits)?;
    }
    PlaceFilter::from_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|e| ApiError::new(ErrorCode::InvalidParameter, e.to_string()))
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
