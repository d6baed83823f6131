use serde_json::json;

use super::{ApiResponse, ErrorCode};
use crate::platform::DatabaseErrorKind;

/// A client-visible failure: a status, a stable machine-readable code and a human message.
/// Internal causes are logged where they happen and never put in the message.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status (the code's).
    pub status: u16,
    /// Stable code, e.g. `token_expired`.
    pub code: ErrorCode,
    /// Human-readable explanation.
    pub message: String,
    /// Extra headers (`WWW-Authenticate`, `Allow`, `Retry-After`).
    pub headers: Vec<(&'static str, String)>,
    /// Where to send the browser to go on (`authorize_url` of an organisation that needs
    /// another sign-in), answered inside the error object.
    pub authorize_url: Option<String>,
}

/// Seconds a client waits before retrying a 503.
const RETRY_AFTER_SECONDS: &str = "5";

impl ApiError {
    /// An error with `code`, answered with the code's status; a 503 says when to retry.
    pub fn new(code: ErrorCode, message: &str) -> Self {
        let error =
            Self { status: code.status(), code, message: message.to_owned(), headers: Vec::new(), authorize_url: None };
        if error.status == 503 {
            return error.with_header("retry-after", RETRY_AFTER_SECONDS);
        }
        error
    }

    /// Sets a header, replacing one of the same name: an error carries one of each (a 503 gets
    /// a default `Retry-After` that a more precise one replaces, never a second one).
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.retain(|(existing, _)| *existing != name);
        self.headers.push((name, value.into()));
        self
    }

    /// 401 for a bad or missing bearer token; the challenge follows RFC 6750.
    pub fn invalid_token(code: ErrorCode, message: &str) -> Self {
        Self::new(code, message).with_header("www-authenticate", "Bearer error=\"invalid_token\"")
    }

    /// 401 when no credentials were sent.
    pub fn not_authenticated(message: &str) -> Self {
        Self::new(ErrorCode::NotAuthenticated, message).with_header("www-authenticate", "Bearer")
    }

    /// 403 for an API key without the scope a route needs; the challenge follows RFC 6750.
    pub fn insufficient_scope(scope: &str) -> Self {
        Self::new(ErrorCode::InsufficientScope, &format!("this API key lacks the {scope} scope"))
            .with_header("www-authenticate", format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\""))
    }

    /// 413: the body is larger than any valid request.
    pub fn payload_too_large() -> Self {
        Self::new(ErrorCode::PayloadTooLarge, "request body is too large")
    }

    /// 500: our bug or our storage failed. The cause is logged by the caller.
    pub fn internal() -> Self {
        Self::new(ErrorCode::InternalError, "internal error")
    }

    /// Adds the URL the browser should go to next.
    pub fn with_authorize_url(mut self, url: String) -> Self {
        self.authorize_url = Some(url);
        self
    }

    /// The JSON response `{"error": {"code", "message"[, "authorize_url"]}}`.
    pub fn into_response(self) -> ApiResponse {
        let mut error = json!({ "code": self.code.as_str(), "message": self.message });
        if let Some(url) = self.authorize_url {
            error["authorize_url"] = url.into();
        }
        let mut response = ApiResponse::json(self.status, &json!({ "error": error }));
        response.headers.extend(self.headers.into_iter().map(|(k, v)| (k.to_owned(), v)));
        response
    }
}

impl From<crate::platform::DatabaseError> for ApiError {
    fn from(error: crate::platform::DatabaseError) -> Self {
        crate::log::log_error(&error.to_string());
        match error.kind {
            // D1 down, overloaded or timing out: retryable from the client's point of view.
            DatabaseErrorKind::Unavailable => {
                ApiError::new(ErrorCode::StorageUnavailable, "storage is temporarily unavailable")
            }
            // Our statement or our data: a retry would fail the same way.
            DatabaseErrorKind::Internal => ApiError::internal(),
        }
    }
}
