use super::{ApiRequest, ApiResponse};

/// CORS for the configured browser origins. Credentials travel as bearer tokens, never cookies,
/// so `Access-Control-Allow-Credentials` is not needed.
#[derive(Debug, Clone, PartialEq)]
pub struct Cors {
    allowed_origins: Vec<String>,
}

const ALLOWED_METHODS: &str = "GET, POST, PATCH, DELETE, OPTIONS";
const ALLOWED_HEADERS: &str = "authorization, content-type";
const MAX_AGE_SECONDS: &str = "600";

impl Cors {
    /// Origins exactly as browsers send them (`https://app.example.com`); `*` allows any.
    pub fn new(allowed_origins: Vec<String>) -> Self {
        Self { allowed_origins }
    }

    /// The request's origin if it is allowed.
    fn allowed_origin<'r>(&self, request: &'r ApiRequest) -> Option<&'r str> {
        let origin = request.header("origin")?;
        self.allowed_origins.iter().any(|allowed| allowed == "*" || allowed == origin).then_some(origin)
    }

    /// Answers a preflight (`OPTIONS` with `Access-Control-Request-Method`), if this is one.
    pub fn preflight(&self, request: &ApiRequest) -> Option<ApiResponse> {
        if request.method != super::Method::Options || request.header("access-control-request-method").is_none() {
            return None;
        }
        let mut response = ApiResponse::empty(204);
        if let Some(origin) = self.allowed_origin(request) {
            response.headers.extend([
                ("access-control-allow-origin".into(), origin.to_owned()),
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
        if let Some(origin) = self.allowed_origin(request) {
            response.headers.push(("access-control-allow-origin".into(), origin.to_owned()));
            response
                .headers
                .push(("access-control-expose-headers".into(), "www-authenticate, retry-after, x-request-id".into()));
        }
        response.headers.push(("vary".into(), "Origin".into()));
    }
}
