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

/// An outbound POST of a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpPost<'a> {
    /// Absolute URL.
    pub url: &'a str,
    /// Request headers (`content-type: application/json` is added).
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body.
    pub body: String,
    /// Give up after this long.
    pub timeout_ms: u64,
    /// Refuse bodies longer than this.
    pub max_body_bytes: usize,
}

/// A response to an outbound request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpReply {
    /// HTTP status.
    pub status: u16,
    /// The body, at most `max_body_bytes` long.
    pub body: Vec<u8>,
    /// `Retry-After` in seconds, when the answer carried one (a 429 or 503 says when to retry).
    pub retry_after_seconds: Option<u64>,
}

impl HttpReply {
    /// A reply with a status and body, without headers.
    pub fn new(status: u16, body: Vec<u8>) -> Self {
        Self { status, body, retry_after_seconds: None }
    }
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
    /// Performs a POST of a JSON body.
    async fn post(&self, request: HttpPost<'_>) -> Result<HttpReply, FetchError>;
}
