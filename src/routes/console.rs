//! The sign-in console: a page at `/` that shows the product working in a browser (sign in,
//! who you are, workspaces and members, a new workspace, the default key once, organisation
//! switch, your sessions, sign out). It only calls the public API with the session cookie;
//! served when `SIGN_IN_CONSOLE` is on (the default outside production). Its files are
//! `public/console/`, compiled in (see [`super::published`]).

use super::published::published;
use crate::http::ApiResponse;

/// The page's own rules: its script and API calls from this origin only, nothing framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; \
    style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The console's file at `path`, if it is one of its paths.
pub fn asset(path: &str) -> Option<ApiResponse> {
    let (file, content_type) = match path {
        "/" => ("/console/index.html", "text/html; charset=utf-8"),
        "/console.js" => ("/console/console.js", "text/javascript; charset=utf-8"),
        _ => return None,
    };
    let mut response = ApiResponse::empty(200);
    response.body = published(file)?.to_vec();
    response.headers.extend([
        ("content-type".into(), content_type.into()),
        ("cache-control".into(), "no-cache".into()),
        ("content-security-policy".into(), CONTENT_SECURITY_POLICY.into()),
        ("x-content-type-options".into(), "nosniff".into()),
        ("referrer-policy".into(), "same-origin".into()),
    ]);
    Some(response)
}
