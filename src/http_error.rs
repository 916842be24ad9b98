//! Errors as HTTP answers: one table from error codes to statuses.
//!
//! Every error answer has a JSON body `{"error": code, "message": text}`. The code is stable and
//! machine-readable; the message is for people. User mistakes are 4xx with a message that says
//! what to change. Internal failures are logged with their cause and answered 500 without
//! details.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// The stable error codes of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No such route or resource.
    NotFound,
    /// The route exists but not for this method.
    MethodNotAllowed,
    /// A query parameter or path segment is invalid.
    InvalidParameter,
    /// An export would hold more places than allowed.
    TooManyResults,
    /// The query string is longer than allowed.
    QueryTooLong,
    /// The request body is larger than allowed.
    BodyTooLarge,
    /// A `polygon` filter over its bounds: more positions or bytes than allowed.
    PolygonTooLarge,
    /// An admin route without the right bearer token.
    Unauthorized,
    /// Too many requests of a kind at once (exports).
    TooManyRequests,
    /// Too many requests from one client in a while (`--rate-limit`).
    RateLimited,
    /// A reload is already running.
    ReloadRunning,
    /// A reload could not build or check the new index; the old one still serves.
    ReloadFailed,
    /// The request took longer than the request timeout.
    Timeout,
    /// A CORS preflight from an origin, or for a method, that is not allowed.
    CorsRefused,
    /// A signed link that this server did not sign, or whose time is over.
    InvalidSignature,
    /// A contribution whose fields are not valid: `fields` says what is wrong with each.
    InvalidContribution,
    /// A body of a content type the route does not read.
    UnsupportedMediaType,
    /// A decision a contribution's status does not allow, or a place with too many
    /// contributions pending.
    Conflict,
    /// A `Range` that cannot be served (beyond the end, several ranges, another unit).
    RangeNotSatisfiable,
    /// The change store shared by several servers cannot be reached: nothing was written.
    StoreUnavailable,
    /// Something failed on our side.
    Internal,
}

impl ErrorCode {
    /// The one table from codes to HTTP statuses.
    #[must_use]
    pub fn status(self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::InvalidParameter | Self::TooManyResults => StatusCode::BAD_REQUEST,
            Self::QueryTooLong => StatusCode::URI_TOO_LONG,
            Self::BodyTooLarge | Self::PolygonTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::TooManyRequests | Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::ReloadRunning | Self::Conflict => StatusCode::CONFLICT,
            Self::InvalidContribution => StatusCode::UNPROCESSABLE_ENTITY,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::ReloadFailed => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Timeout | Self::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::CorsRefused | Self::InvalidSignature => StatusCode::FORBIDDEN,
            Self::RangeNotSatisfiable => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error answer.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "Error")]
pub struct ApiError {
    /// The stable code.
    pub error: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// What is wrong with each field, for an invalid contribution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<std::collections::BTreeMap<String, String>>,
    /// Headers the answer needs besides its body (`Allow` of a 405, `Retry-After` of a 429).
    #[serde(skip)]
    #[schemars(skip)]
    headers: Vec<(header::HeaderName, header::HeaderValue)>,
}

impl ApiError {
    /// 404 for a request that no route answers.
    #[must_use]
    pub fn no_route(request: &actix_web::HttpRequest) -> Self {
        Self::new(
            ErrorCode::NotFound,
            format!("no route for {} {}", request.method(), request.path()),
        )
    }

    /// 405 for a request whose route takes only the methods `allow`, with the `Allow` header
    /// RFC 9110 requires.
    #[must_use]
    pub fn method_not_allowed(request: &actix_web::HttpRequest, allow: &'static str) -> Self {
        Self::new(
            ErrorCode::MethodNotAllowed,
            format!(
                "{} is not allowed on {}; use {allow}",
                request.method(),
                request.path()
            ),
        )
        .with_header(header::ALLOW, allow)
    }

    /// An error with `code` and `message`.
    pub fn new(error: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error,
            message: message.into(),
            fields: None,
            headers: Vec::new(),
        }
    }

    /// 422 for a contribution, with what is wrong with each of its `fields`.
    #[must_use]
    pub fn invalid_contribution(fields: std::collections::BTreeMap<String, String>) -> Self {
        let names: Vec<&str> = fields.keys().map(String::as_str).collect();
        Self {
            fields: Some(fields.clone()),
            ..Self::new(
                ErrorCode::InvalidContribution,
                format!("the contribution is not valid: see {}", names.join(", ")),
            )
        }
    }

    /// The same error, answered with the header `name: value` too.
    #[must_use]
    pub fn with_header(mut self, name: header::HeaderName, value: &'static str) -> Self {
        self.headers
            .push((name, header::HeaderValue::from_static(value)));
        self
    }

    /// The same error, answered with the header `name: value` too (a value made at run time).
    #[must_use]
    pub fn with_header_value(
        mut self,
        name: header::HeaderName,
        value: header::HeaderValue,
    ) -> Self {
        self.headers.push((name, value));
        self
    }
}

/// The one table from library errors to API errors.
impl From<lieux_index::Error> for ApiError {
    fn from(error: lieux_index::Error) -> Self {
        use lieux_index::Error as E;
        use lieux_tiles::ClusterError as C;
        match error {
            E::Cluster(C::UnknownCluster(id)) => {
                Self::new(ErrorCode::NotFound, format!("no cluster {id} on this map"))
            }
            other => Self::new(ErrorCode::Internal, other.to_string()),
        }
    }
}

impl From<lieux_index::changes::ChangeError> for ApiError {
    fn from(error: lieux_index::changes::ChangeError) -> Self {
        use lieux_index::changes::ChangeError as E;
        let code = match &error {
            E::NotFound(_) => ErrorCode::NotFound,
            E::WrongStatus { .. } | E::TooManyPending { .. } => ErrorCode::Conflict,
            E::Unavailable(_) => ErrorCode::StoreUnavailable,
            E::Storage(_) | E::TooNew { .. } => ErrorCode::Internal,
        };
        Self::new(code, error.to_string())
    }
}

impl From<crate::pool::JobFailed> for ApiError {
    fn from(error: crate::pool::JobFailed) -> Self {
        Self::new(ErrorCode::Internal, error.to_string())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.error, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.error.status()
    }

    fn error_response(&self) -> HttpResponse {
        if self.error == ErrorCode::Internal {
            // The details go to the log, with the request, through `observe`.
            return HttpResponse::build(self.status_code()).json(ApiError::new(
                ErrorCode::Internal,
                "internal error; it has been logged",
            ));
        }
        let mut response = HttpResponse::build(self.status_code());
        if self.error == ErrorCode::Unauthorized {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        for (name, value) in &self.headers {
            response.insert_header((name.clone(), value.clone()));
        }
        response.json(self)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;

    use super::*;

    /// The answer of `error`: its status, its headers and its JSON body.
    fn answer(error: &ApiError) -> (StatusCode, header::HeaderMap, serde_json::Value) {
        let response = error.error_response();
        let (status, headers) = (response.status(), response.headers().clone());
        let bytes = response.into_body().try_into_bytes().unwrap();
        (status, headers, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn every_code_has_its_status_and_a_json_body() {
        let table = [
            (ErrorCode::NotFound, 404, "not_found"),
            (ErrorCode::MethodNotAllowed, 405, "method_not_allowed"),
            (ErrorCode::InvalidParameter, 400, "invalid_parameter"),
            (ErrorCode::TooManyResults, 400, "too_many_results"),
            (ErrorCode::QueryTooLong, 414, "query_too_long"),
            (ErrorCode::BodyTooLarge, 413, "body_too_large"),
            (ErrorCode::PolygonTooLarge, 413, "polygon_too_large"),
            (ErrorCode::Unauthorized, 401, "unauthorized"),
            (ErrorCode::TooManyRequests, 429, "too_many_requests"),
            (ErrorCode::RateLimited, 429, "rate_limited"),
            (ErrorCode::ReloadRunning, 409, "reload_running"),
            (ErrorCode::ReloadFailed, 422, "reload_failed"),
            (ErrorCode::Timeout, 503, "timeout"),
            (ErrorCode::CorsRefused, 403, "cors_refused"),
            (ErrorCode::InvalidSignature, 403, "invalid_signature"),
        ];
        for (code, status, name) in table {
            let (answered, _, body) = answer(&ApiError::new(code, "what to change"));
            assert_eq!(answered.as_u16(), status, "{name}");
            assert_eq!(
                body,
                serde_json::json!({ "error": name, "message": "what to change" })
            );
        }
    }

    #[test]
    fn internal_errors_keep_their_details_for_the_log() {
        let error = ApiError::from(lieux_index::Error::NoPlaces);
        let (status, _, body) = answer(&error);
        assert_eq!(status, 500);
        assert_eq!(body["error"], "internal");
        assert_eq!(body["message"], "internal error; it has been logged");
        assert!(error
            .to_string()
            .contains(&lieux_index::Error::NoPlaces.to_string()));
    }

    #[test]
    fn an_unknown_cluster_is_a_404_and_a_refusal_carries_its_headers() {
        let unknown = lieux_index::Error::Cluster(lieux_tiles::ClusterError::UnknownCluster(7));
        let (status, _, body) = answer(&ApiError::from(unknown));
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (404, Some("not_found"))
        );
        let (_, headers, _) = answer(&ApiError::new(ErrorCode::Unauthorized, "no token"));
        assert_eq!(headers.get(header::WWW_AUTHENTICATE).unwrap(), "Bearer");
        let limited = ApiError::new(ErrorCode::RateLimited, "slow down")
            .with_header(header::RETRY_AFTER, "3");
        let (_, headers, _) = answer(&limited);
        assert_eq!(headers.get(header::RETRY_AFTER).unwrap(), "3");
    }
}
