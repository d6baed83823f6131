use jwt_compact::{Algorithm, AlgorithmSignature, Claims, ParseError, UntrustedToken};
use serde::Deserialize;

use super::claims::WorkosClaims;
use super::rs256::Rs256Signature;
use super::{Rs256, TokenError};
use crate::crypto::rsa::RsaVerifyingKey;

/// Header fields beyond jwt-compact's that change how a token must be read. `jku`, `x5u`, `x5c`
/// and `jwk` are deliberately absent: keys come only from the configured JWKS.
#[derive(Debug, Clone, Deserialize)]
struct ExtensionHeader {
    crit: Option<Vec<String>>,
    b64: Option<bool>,
}

/// An RS256 token whose structure and header jwt-compact has read, and whose signature has not
/// been checked yet. Its claims can only be had through [`Self::verify`], so nothing reads the
/// payload of a token that does not verify.
pub struct UnverifiedToken<'t> {
    untrusted: UntrustedToken<'t, ExtensionHeader>,
    /// `header.payload`, the bytes the signature covers.
    signing_input: &'t str,
}

impl<'t> UnverifiedToken<'t> {
    /// Reads the compact serialisation and the header. Refuses any algorithm but RS256, and
    /// headers that would change the meaning of the signature (`crit`, `b64: false`).
    pub fn parse(token: &'t str) -> Result<Self, TokenError> {
        check_no_empty_part(token)?;
        let untrusted = UntrustedToken::<ExtensionHeader>::try_from(token).map_err(parse_error)?;
        if untrusted.algorithm() != "RS256" {
            return Err(TokenError::AlgorithmNotAllowed);
        }
        let extensions = &untrusted.header().other_fields;
        if extensions.crit.as_ref().is_some_and(|crit| !crit.is_empty()) || extensions.b64 == Some(false) {
            return Err(TokenError::UnsupportedHeader);
        }
        let signing_input = token.rsplit_once('.').map_or(token, |(signing_input, _)| signing_input);
        Ok(Self { untrusted, signing_input })
    }

    /// The `kid` of the header, which chooses the key.
    pub fn key_id(&self) -> Option<&str> {
        self.untrusted.header().key_id.as_deref()
    }

    /// Checks the signature with `key`, through jwt-compact's [`Algorithm`] interface, and only
    /// then deserialises the claims.
    ///
    /// jwt-compact's own validator deserialises the claims first (its `Claims<T>` flattens `T`,
    /// which buffers every claim) and then checks the signature; in this order a forged token
    /// costs no JSON parsing of its payload, and a genuine one costs the same.
    pub fn verify(&self, key: &RsaVerifyingKey) -> Result<Claims<WorkosClaims>, TokenError> {
        let signature = Rs256Signature::try_from_slice(self.untrusted.signature_bytes())
            .map_err(|_| TokenError::SignatureInvalid)?;
        if !Rs256.verify_signature(&signature, key, self.signing_input.as_bytes()) {
            return Err(TokenError::SignatureInvalid);
        }
        self.deserialize_claims()
    }

    /// The claims without the signature check, for the benchmark's breakdown only.
    #[cfg(feature = "bench-routes")]
    pub fn claims_unverified(&self) -> Result<Claims<WorkosClaims>, TokenError> {
        self.deserialize_claims()
    }

    fn deserialize_claims(&self) -> Result<Claims<WorkosClaims>, TokenError> {
        self.untrusted.deserialize_claims_unchecked::<WorkosClaims>().map_err(|_| TokenError::Malformed("claims"))
    }
}

/// Refuses a token with an empty part, which jwt-compact would read as an empty header, payload
/// or signature; a stripped signature (`a.b.`) is malformed, not merely unverifiable.
///
/// The rest of RFC 7515's compact form is jwt-compact's to enforce, and it does: exactly three
/// parts, and base64url through `base64ct`, which refuses padding, whitespace, the standard
/// alphabet's `+` `/` and non-canonical trailing bits, so one token has exactly one spelling
/// (the tests below hold it to that). Checking the alphabet here as well cost a second pass over
/// every byte of every fresh token.
fn check_no_empty_part(token: &str) -> Result<(), TokenError> {
    if token.starts_with('.') || token.ends_with('.') || token.contains("..") {
        return Err(TokenError::Malformed("a token part is empty"));
    }
    Ok(())
}

fn parse_error(error: ParseError) -> TokenError {
    match error {
        ParseError::InvalidTokenStructure => TokenError::Malformed("structure"),
        ParseError::InvalidBase64Encoding => TokenError::Malformed("not base64url"),
        ParseError::MalformedHeader(_) => TokenError::Malformed("header"),
        ParseError::UnsupportedContentType(_) => TokenError::UnsupportedHeader,
        _ => TokenError::Malformed("structure"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

    /// A token whose header jwt-compact accepts, with `payload` and `signature` as given.
    fn token_with(payload: &str, signature: &str) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k"}"#);
        format!("{header}.{payload}.{signature}")
    }

    fn parses(token: &str) -> bool {
        UnverifiedToken::parse(token).is_ok()
    }

    #[test]
    fn a_well_formed_token_parses() {
        assert!(parses(&token_with("e30", "QUFB")));
    }

    #[test]
    fn non_canonical_trailing_bits_are_refused() {
        // "QQ" and "QR" both decode to "A" in lenient decoders; only "QQ" is canonical.
        assert!(parses(&token_with("QQ", "QQ")));
        assert!(!parses(&token_with("QR", "QQ")));
        assert!(!parses(&token_with("QQ", "QR")));
        // The same with one byte of slack: "QUE" is canonical for "AA", "QUF" is not.
        assert!(parses(&token_with("QUE", "QUE")));
        assert!(!parses(&token_with("QUF", "QUE")));
        assert!(!parses(&token_with("QUE", "QUF")));
    }

    #[test]
    fn every_byte_outside_the_alphabet_is_refused_wherever_it_stands() {
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for byte in 0..=255u8 {
            let inside = alphabet.as_bytes().contains(&byte);
            for at in 0..4 {
                let mut part = *b"QUFB";
                part[at] = byte;
                let Ok(part) = std::str::from_utf8(&part) else { continue };
                for token in [token_with(part, "QUFB"), token_with("QUFB", part)] {
                    assert_eq!(parses(&token), inside && byte != b'.', "{token:?}");
                }
            }
        }
    }

    #[test]
    fn padding_whitespace_the_standard_alphabet_and_empty_parts_are_refused() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k"}"#);
        let refused = [
            token_with("QQ==", "QUFB"),
            token_with("QUFB", "QQ=="),
            token_with("Q Q", "QUFB"),
            token_with("QUFB", "QUFB "),
            token_with("a+b", "QUFB"),
            token_with("QUFB", "a/bc"),
            token_with("Q", "QUFB"),
            token_with("QUFB", ""),
            token_with("", "QUFB"),
            format!("{header}.QUFB"),
            format!("{header}.QUFB.QUFB.QUFB"),
            ".QUFB.QUFB".to_owned(),
        ];
        for token in refused {
            assert!(!parses(&token), "{token} accepted");
        }
    }

    #[test]
    fn a_stripped_signature_is_malformed() {
        assert!(matches!(
            UnverifiedToken::parse(&token_with("e30", "")),
            Err(TokenError::Malformed("a token part is empty"))
        ));
    }
}
