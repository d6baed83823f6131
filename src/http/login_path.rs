//! Where an answer sends a browser to sign in: a refusal's `authorize_url`, an invitation's
//! `sign_up_url`, the failure page's "Sign in again" link, the callback's round trip.

use super::request::url_encode;

/// `GET /v1/auth/login` with `params`, each value percent-encoded, in the order given.
pub fn login_path(params: &[(&str, &str)]) -> String {
    let query: Vec<String> = params.iter().map(|(name, value)| format!("{name}={}", url_encode(value))).collect();
    match query.is_empty() {
        true => "/v1/auth/login".to_owned(),
        false => format!("/v1/auth/login?{}", query.join("&")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_encoded_and_no_parameters_give_the_bare_path() {
        assert_eq!(login_path(&[]), "/v1/auth/login");
        assert_eq!(
            login_path(&[("screen_hint", "sign-up"), ("login_hint", "Ada+x@example.com")]),
            "/v1/auth/login?screen_hint=sign-up&login_hint=Ada%2Bx%40example.com"
        );
    }
}
