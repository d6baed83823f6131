use serde_json::json;

use super::ApiResponse;
use crate::platform::DatabaseErrorKind;

/// A client-visible failure: a status, a stable machine-readable code and a human message.
/// Internal causes are logged where they happen and never put in the message.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Stable code, e.g. `token_expired`.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
    /// Extra headers (`WWW-Authenticate`, `Allow`, `Retry-After`).
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    /// An error with any status.
    pub fn new(status: u16, code: &'static str, message: &str) -> Self {
        Self { status, code, message: message.to_owned(), headers: Vec::new() }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// 400: the request is malformed.
    pub fn bad_request(code: &'static str, message: &str) -> Self {
        Self::new(400, code, message)
    }

    /// 401 for a bad or missing bearer token; the challenge follows RFC 6750.
    pub fn invalid_token(code: &'static str, message: &str) -> Self {
        Self::new(401, code, message).with_header("www-authenticate", "Bearer error=\"invalid_token\"")
    }

    /// 401 when no credentials were sent.
    pub fn not_authenticated(message: &str) -> Self {
        Self::new(401, "not_authenticated", message).with_header("www-authenticate", "Bearer")
    }

    /// 403: authenticated but not allowed.
    pub fn forbidden(code: &'static str, message: &str) -> Self {
        Self::new(403, code, message)
    }

    /// 403 for an API key without the scope a route needs; the challenge follows RFC 6750.
    pub fn insufficient_scope(scope: &str) -> Self {
        Self::new(403, "insufficient_scope", &format!("this API key lacks the {scope} scope"))
            .with_header("www-authenticate", format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\""))
    }

    /// 404: no such resource (also what non-members see, so existence does not leak).
    pub fn not_found(code: &'static str, message: &str) -> Self {
        Self::new(404, code, message)
    }

    /// 409: the request conflicts with the current state.
    pub fn conflict(code: &'static str, message: &str) -> Self {
        Self::new(409, code, message)
    }

    /// 413: the body is larger than any valid request.
    pub fn payload_too_large() -> Self {
        Self::new(413, "payload_too_large", "request body is too large")
    }

    /// 422: well-formed but invalid.
    pub fn unprocessable(code: &'static str, message: &str) -> Self {
        Self::new(422, code, message)
    }

    /// 503: a dependency is down; the client may retry.
    pub fn unavailable(code: &'static str, message: &str) -> Self {
        Self::new(503, code, message).with_header("retry-after", "5")
    }

    /// 500: our bug or our storage failed. The cause is logged by the caller.
    pub fn internal() -> Self {
        Self::new(500, "internal_error", "internal error")
    }

    /// The JSON response `{"error": {"code", "message"}}`.
    pub fn into_response(self) -> ApiResponse {
        let mut response =
            ApiResponse::json(self.status, &json!({ "error": { "code": self.code, "message": self.message } }));
        response.headers.extend(self.headers.into_iter().map(|(k, v)| (k.to_owned(), v)));
        response
    }
}

impl From<crate::platform::DatabaseError> for ApiError {
    fn from(error: crate::platform::DatabaseError) -> Self {
        crate::http::log_error(&error.to_string());
        match error.kind {
            // D1 down, overloaded or timing out: retryable from the client's point of view.
            DatabaseErrorKind::Unavailable => {
                ApiError::unavailable("storage_unavailable", "storage is temporarily unavailable")
            }
            // Our statement or our data: a retry would fail the same way.
            DatabaseErrorKind::Internal => ApiError::internal(),
        }
    }
}
