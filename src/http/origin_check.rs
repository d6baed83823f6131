//! CSRF: a browser sends the session cookie with any request to this worker, whichever page
//! made it. A change made with the cookie (and a sign-in, which makes a cookie) is accepted
//! only from a page of this worker's own origin or an origin listed by name in
//! `ALLOWED_ORIGINS`, as the browser states it in `Origin` (or, without one, `Referer`).

use super::{ApiError, ApiRequest, Cors, ErrorCode, Method};

/// Whether the method changes something (the ones a cookie must not be trusted for blindly).
pub fn is_unsafe(method: Method) -> bool {
    matches!(method, Method::Post | Method::Put | Method::Patch | Method::Delete)
}

/// The origin the browser says the request comes from: `Origin`, else the origin of `Referer`.
fn stated_origin(request: &ApiRequest) -> Option<&str> {
    if let Some(origin) = request.header("origin") {
        return Some(origin);
    }
    let referer = request.header("referer")?;
    let after_scheme = referer.find("://")? + 3;
    let end = referer[after_scheme..].find(['/', '?', '#']).map_or(referer.len(), |i| after_scheme + i);
    Some(&referer[..end])
}

/// 403 `origin_refused` unless the request states this worker's origin or one `cors` trusts
/// with credentials (`*` never counts; nor does `Origin: null`).
pub fn require_trusted_origin(request: &ApiRequest, cors: &Cors) -> Result<(), ApiError> {
    match stated_origin(request) {
        Some(origin) if origin == request.origin || cors.trusts_with_credentials(origin) => Ok(()),
        Some(origin) => Err(ApiError::new(
            ErrorCode::OriginRefused,
            &format!(
                "requests with the session cookie from {origin:?} are refused; list the origin in ALLOWED_ORIGINS"
            ),
        )),
        None => Err(ApiError::new(
            ErrorCode::OriginRefused,
            "a request with the session cookie must state its Origin (or Referer)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(headers: &[(&str, &str)], allowed: &[&str]) -> Result<(), ErrorCode> {
        let request = headers
            .iter()
            .fold(ApiRequest::new(Method::Post, "/v1/orgs"), |request, (name, value)| request.with_header(name, value));
        let cors = Cors::new(allowed.iter().map(|s| s.to_string()).collect());
        require_trusted_origin(&request, &cors).map_err(|e| e.code)
    }

    #[test]
    fn own_and_listed_origins_pass_and_everything_else_is_refused() {
        let app = "https://app.example.com";
        assert_eq!(check(&[("origin", "https://edge.test")], &[]), Ok(()), "own origin");
        assert_eq!(check(&[("origin", app)], &[app]), Ok(()));
        for refused in [
            vec![("origin", "https://evil.example")],
            vec![("origin", "null")],
            vec![("origin", "https://app.example.com.evil.example")],
            vec![("origin", "http://app.example.com")],
            vec![],
            vec![("referer", "https://evil.example/https://app.example.com")],
        ] {
            assert_eq!(check(&refused, &[app]), Err(ErrorCode::OriginRefused), "{refused:?}");
        }
        assert_eq!(check(&[("origin", "https://evil.example")], &["*"]), Err(ErrorCode::OriginRefused), "* never");
    }

    #[test]
    fn without_origin_the_referers_origin_counts() {
        let app = "https://app.example.com";
        assert_eq!(check(&[("referer", "https://app.example.com/settings?x=1")], &[app]), Ok(()));
        assert_eq!(check(&[("referer", "https://edge.test")], &[]), Ok(()));
        assert_eq!(
            check(&[("referer", "https://app.example.com@evil.example/")], &[app]),
            Err(ErrorCode::OriginRefused)
        );
        // Origin, when sent, decides: a listed Referer does not rescue a foreign Origin.
        let both = [("origin", "https://evil.example"), ("referer", "https://app.example.com/")];
        assert_eq!(check(&both, &[app]), Err(ErrorCode::OriginRefused));
    }
}
