//! One call to WorkOS's management API with the API key: the answer as JSON, or why there is
//! none, split the way callers must treat it (retry later, or WorkOS said no).

use serde_json::Value;

use crate::config::Config;
use crate::http::{ApiError, ErrorCode};
use crate::log::log_error;
use crate::platform::{HttpClient, HttpGet, HttpPost, Platform};

/// Lists and users are a few KB; anything far larger is not one of WorkOS's answers.
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// Why a call gave no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum CallFailed {
    /// No API key, a timeout, the network, 408, 429 or 5xx: retry later.
    Unavailable { retry_after_seconds: Option<u64> },
    /// WorkOS refused (4xx): the status and its body.
    Refused { status: u16, body: Value },
}

impl CallFailed {
    /// The 503 a route answers for [`CallFailed::Unavailable`].
    pub fn unavailable_error(retry_after_seconds: Option<u64>) -> ApiError {
        ApiError::new(ErrorCode::WorkosUnavailable, "WorkOS could not be reached; retry shortly")
            .with_header("retry-after", retry_after_seconds.unwrap_or(5).clamp(1, 300).to_string())
    }
}

/// What to send.
pub enum Call<'a> {
    Get(&'a str),
    Post(&'a str, Value),
}

/// Sends `call` (a path under the API base) with the API key.
pub async fn call<P: Platform>(platform: &P, config: &Config, call: Call<'_>) -> Result<Value, CallFailed> {
    let Some(api_key) = &config.workos_api_key else {
        log_error("WorkOS call without WORKOS_API_KEY");
        return Err(CallFailed::Unavailable { retry_after_seconds: None });
    };
    let headers = vec![("authorization", format!("Bearer {api_key}")), ("accept", "application/json".to_owned())];
    let (what, sent) = match call {
        Call::Get(path) => {
            let url = format!("{}{path}", config.workos_api_base);
            let request =
                HttpGet { url: &url, headers, timeout_ms: config.workos_timeout_ms, max_body_bytes: MAX_ANSWER_BYTES };
            (path, platform.http().get(request).await)
        }
        Call::Post(path, body) => {
            let url = format!("{}{path}", config.workos_api_base);
            let request = HttpPost {
                url: &url,
                headers,
                body: body.to_string(),
                timeout_ms: config.workos_timeout_ms,
                max_body_bytes: MAX_ANSWER_BYTES,
            };
            (path, platform.http().post(request).await)
        }
    };
    let reply = sent.map_err(|error| {
        log_error(&format!("workos {what} failed: {error}"));
        CallFailed::Unavailable { retry_after_seconds: None }
    })?;
    let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    match reply.status {
        200..=299 => Ok(body),
        408 | 429 | 500..=599 => {
            log_error(&format!("workos {what} answered {}", reply.status));
            Err(CallFailed::Unavailable { retry_after_seconds: reply.retry_after_seconds })
        }
        status => Err(CallFailed::Refused { status, body }),
    }
}

/// A path segment for a WorkOS id (letters, digits, `_`, `-`); `None` for anything else, which
/// names nothing at WorkOS and must not reach its URL.
pub fn id_segment(id: &str) -> Option<&str> {
    (!id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        .then_some(id)
}
