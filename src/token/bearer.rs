use crate::http::ErrorCode;
use crate::http::{ApiError, ApiRequest};

/// Tokens longer than this are refused before anything is decoded. AuthKit access tokens are
/// around 1 KB; 8 KB leaves room for custom claims while bounding the work an attacker can cause.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The credential of `Authorization: Bearer <credential>`.
///
/// A missing header is `not_authenticated`; another scheme, an empty or oversized credential
/// is `invalid_request`-like and answered as an invalid token, without echoing it.
pub fn bearer_token(request: &ApiRequest) -> Result<&str, ApiError> {
    let Some(header) = request.header("authorization") else {
        return Err(ApiError::not_authenticated("send Authorization: Bearer <token>"));
    };
    let (scheme, credential) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::not_authenticated("only the Bearer authorization scheme is accepted"));
    }
    let credential = credential.trim();
    if credential.is_empty() {
        return Err(ApiError::invalid_token(ErrorCode::TokenMalformed, "the bearer token is empty"));
    }
    if credential.len() > MAX_TOKEN_BYTES {
        return Err(ApiError::invalid_token(ErrorCode::TokenTooLarge, "the bearer token is too large"));
    }
    Ok(credential)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;

    fn with_authorization(value: &str) -> ApiRequest {
        ApiRequest::new(Method::Get, "/").with_header("authorization", value)
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token(&with_authorization("bearer abc")).unwrap(), "abc");
        assert_eq!(bearer_token(&with_authorization("Bearer abc")).unwrap(), "abc");
    }

    #[test]
    fn other_schemes_and_empty_tokens_are_refused() {
        assert_eq!(bearer_token(&with_authorization("Basic dXNlcjpwYXNz")).unwrap_err().code, "not_authenticated");
        assert_eq!(bearer_token(&with_authorization("Bearer ")).unwrap_err().code, "token_malformed");
        assert_eq!(bearer_token(&with_authorization("Bearer")).unwrap_err().code, "token_malformed");
        let missing = bearer_token(&ApiRequest::new(Method::Get, "/")).unwrap_err();
        assert_eq!(missing.status, 401);
    }

    #[test]
    fn a_token_over_8_kb_is_refused_before_decoding() {
        let huge = format!("Bearer {}", "a".repeat(MAX_TOKEN_BYTES + 1));
        let error = bearer_token(&with_authorization(&huge)).unwrap_err();
        assert_eq!((error.status, error.code.as_str()), (401, "token_too_large"));
        assert!(!error.message.contains("aaaa"));
    }
}
