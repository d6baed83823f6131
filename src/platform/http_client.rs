/// An outbound GET request.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpGet<'a> {
    /// Absolute URL.
    pub url: &'a str,
    /// Request headers.
    pub headers: Vec<(&'static str, String)>,
    /// Give up after this long.
    pub timeout_ms: u64,
    /// Refuse bodies longer than this.
    pub max_body_bytes: usize,
}

/// A response to an outbound request.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpReply {
    /// HTTP status.
    pub status: u16,
    /// The body, at most `max_body_bytes` long.
    pub body: Vec<u8>,
}

/// Why an outbound request produced no usable response.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// No answer within the timeout.
    Timeout,
    /// The body was longer than allowed.
    BodyTooLarge,
    /// Connection or protocol failure.
    Network(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Timeout => f.write_str("timed out"),
            FetchError::BodyTooLarge => f.write_str("response body too large"),
            FetchError::Network(message) => write!(f, "network error: {message}"),
        }
    }
}

/// Outbound HTTP (fetch in a Worker).
#[allow(async_fn_in_trait)]
pub trait HttpClient {
    /// Performs a GET.
    async fn get(&self, request: HttpGet<'_>) -> Result<HttpReply, FetchError>;
}
