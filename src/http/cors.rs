use super::{ApiRequest, ApiResponse};

/// CORS for the configured browser origins (`ALLOWED_ORIGINS`). An origin listed by name may
/// send credentials (the session cookie): its answers carry `Access-Control-Allow-Credentials`.
/// `*` lets any origin read answers to bearer requests, never with credentials.
#[derive(Debug, Clone, PartialEq)]
pub struct Cors {
    allowed_origins: Vec<String>,
}

const ALLOWED_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
const ALLOWED_HEADERS: &str = "authorization, content-type, mcp-protocol-version";
const EXPOSED_HEADERS: &str = "www-authenticate, retry-after, x-request-id";
const MAX_AGE_SECONDS: &str = "600";

/// How far an origin is trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trust {
    /// Listed by name: may read answers and send the cookie.
    WithCredentials,
    /// Allowed by `*`: may read answers to requests without credentials.
    WithoutCredentials,
}

impl Cors {
    /// Origins exactly as browsers send them (`https://app.example.com`); `*` allows any,
    /// without credentials.
    pub fn new(allowed_origins: Vec<String>) -> Self {
        Self { allowed_origins }
    }

    /// Whether `origin` is listed by name: the browser origins trusted with the session cookie.
    pub fn trusts_with_credentials(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|allowed| allowed == origin)
    }

    /// The request's origin and how far it is trusted, if at all.
    fn trust<'r>(&self, request: &'r ApiRequest) -> Option<(&'r str, Trust)> {
        let origin = request.header("origin")?;
        if self.trusts_with_credentials(origin) {
            return Some((origin, Trust::WithCredentials));
        }
        self.allowed_origins.iter().any(|allowed| allowed == "*").then_some((origin, Trust::WithoutCredentials))
    }

    fn allow(response: &mut ApiResponse, origin: &str, trust: Trust) {
        response.headers.push(("access-control-allow-origin".into(), origin.to_owned()));
        if trust == Trust::WithCredentials {
            response.headers.push(("access-control-allow-credentials".into(), "true".into()));
        }
    }

    /// Answers a preflight (`OPTIONS` with `Access-Control-Request-Method`), if this is one.
    pub fn preflight(&self, request: &ApiRequest) -> Option<ApiResponse> {
        if request.method != super::Method::Options || request.header("access-control-request-method").is_none() {
            return None;
        }
        let mut response = ApiResponse::empty(204);
        if let Some((origin, trust)) = self.trust(request) {
            Self::allow(&mut response, origin, trust);
            response.headers.extend([
                ("access-control-allow-methods".into(), ALLOWED_METHODS.into()),
                ("access-control-allow-headers".into(), ALLOWED_HEADERS.into()),
                ("access-control-max-age".into(), MAX_AGE_SECONDS.into()),
            ]);
        }
        response.headers.push(("vary".into(), "Origin".into()));
        Some(response)
    }

    /// Adds the CORS headers of an actual (non-preflight) response.
    pub fn decorate(&self, request: &ApiRequest, response: &mut ApiResponse) {
        if let Some((origin, trust)) = self.trust(request) {
            Self::allow(response, origin, trust);
            response.headers.push(("access-control-expose-headers".into(), EXPOSED_HEADERS.into()));
        }
        response.headers.push(("vary".into(), "Origin".into()));
    }
}
