use crate::http::ApiError;
use crate::http::ErrorCode;

/// Why a token was not accepted. Every variant but [`TokenError::JwksUnavailable`] is the
/// caller's problem (401); that one is ours (503, retryable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Not three base64url parts of JSON, bad encoding, or claims of the wrong type.
    Malformed(&'static str),
    /// The header names another algorithm than RS256.
    AlgorithmNotAllowed,
    /// The header has a `crit` list or `b64: false`, which we do not implement.
    UnsupportedHeader,
    /// No usable key in the JWKS has the token's `kid`.
    KeyUnknown,
    /// The `kid` names a key we refuse to use (too small, wrong `use`, …).
    KeyUnusable,
    /// The signature does not verify.
    SignatureInvalid,
    /// `exp` is in the past (beyond the leeway).
    Expired,
    /// `nbf` or `iat` is in the future (beyond the leeway).
    NotYetValid,
    /// `iss` is not a configured issuer.
    IssuerInvalid,
    /// `aud` does not contain the configured audience.
    AudienceInvalid,
    /// A required claim is missing or empty (`exp`, `sub`).
    ClaimMissing(&'static str),
    /// The JWKS could not be fetched and no usable cached copy exists.
    JwksUnavailable,
}

impl TokenError {
    /// The stable machine-readable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            TokenError::Malformed(_) => ErrorCode::TokenMalformed,
            TokenError::AlgorithmNotAllowed => ErrorCode::TokenAlgorithmInvalid,
            TokenError::UnsupportedHeader => ErrorCode::TokenHeaderUnsupported,
            TokenError::KeyUnknown => ErrorCode::TokenKeyUnknown,
            TokenError::KeyUnusable => ErrorCode::TokenKeyUnusable,
            TokenError::SignatureInvalid => ErrorCode::TokenSignatureInvalid,
            TokenError::Expired => ErrorCode::TokenExpired,
            TokenError::NotYetValid => ErrorCode::TokenNotYetValid,
            TokenError::IssuerInvalid => ErrorCode::TokenIssuerInvalid,
            TokenError::AudienceInvalid => ErrorCode::TokenAudienceInvalid,
            TokenError::ClaimMissing(_) => ErrorCode::TokenClaimMissing,
            TokenError::JwksUnavailable => ErrorCode::JwksUnavailable,
        }
    }

    fn message(&self) -> String {
        match self {
            TokenError::Malformed(why) => format!("the token is malformed: {why}"),
            TokenError::AlgorithmNotAllowed => "only RS256 tokens are accepted".into(),
            TokenError::UnsupportedHeader => {
                "the token header requires extensions we do not support (crit, b64)".into()
            }
            TokenError::KeyUnknown => "no key of the identity provider matches the token's kid".into(),
            TokenError::KeyUnusable => "the token's key is not usable for RS256 signatures".into(),
            TokenError::SignatureInvalid => "the token signature is invalid".into(),
            TokenError::Expired => "the token has expired".into(),
            TokenError::NotYetValid => "the token is not valid yet".into(),
            TokenError::IssuerInvalid => "the token was issued by an issuer this API does not trust".into(),
            TokenError::AudienceInvalid => "the token is not meant for this API".into(),
            TokenError::ClaimMissing(claim) => format!("the token has no {claim} claim"),
            TokenError::JwksUnavailable => "the identity provider's keys are unavailable; retry shortly".into(),
        }
    }
}

impl From<TokenError> for ApiError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::JwksUnavailable => ApiError::new(error.code(), &error.message()),
            _ => ApiError::invalid_token(error.code(), &error.message()),
        }
    }
}
