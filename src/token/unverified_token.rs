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
        check_compact_encoding(token)?;
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
        let signature =
            Rs256Signature::try_from_slice(self.untrusted.signature_bytes()).map_err(|_| TokenError::SignatureInvalid)?;
        if !Rs256.verify_signature(&signature, key, self.signing_input.as_bytes()) {
            return Err(TokenError::SignatureInvalid);
        }
        self.untrusted
            .deserialize_claims_unchecked::<WorkosClaims>()
            .map_err(|_| TokenError::Malformed("claims"))
    }

    /// The claims without the signature check, for the benchmark's breakdown only.
    #[cfg(feature = "bench-routes")]
    pub fn claims_unverified(&self) -> Result<Claims<WorkosClaims>, TokenError> {
        self.untrusted
            .deserialize_claims_unchecked::<WorkosClaims>()
            .map_err(|_| TokenError::Malformed("claims"))
    }
}

/// Compact serialisation as RFC 7515 writes it: three non-empty base64url parts without padding,
/// whitespace or the standard alphabet's `+` `/`, and with canonical (zero) trailing bits, so one
/// token has exactly one spelling. A stripped signature (`a.b.`) fails here.
fn check_compact_encoding(token: &str) -> Result<(), TokenError> {
    let mut parts = 0;
    for part in token.split('.') {
        parts += 1;
        if parts > 3 {
            break;
        }
        check_base64url_part(part)?;
    }
    if parts != 3 {
        return Err(TokenError::Malformed("a token has exactly three parts"));
    }
    Ok(())
}

fn check_base64url_part(part: &str) -> Result<(), TokenError> {
    let bytes = part.as_bytes();
    let Some(&last) = bytes.last() else {
        return Err(TokenError::Malformed("a token part is empty"));
    };
    // One table lookup per byte and no branch, so the whole token is checked in a tight loop
    // (this runs on every fresh token, before anything else).
    let outside_alphabet = bytes.iter().fold(0u8, |seen, &byte| seen | BASE64URL_VALUES[usize::from(byte)]) & NOT_BASE64URL;
    if outside_alphabet != 0 {
        return Err(TokenError::Malformed("not base64url"));
    }
    let last = BASE64URL_VALUES[usize::from(last)];
    let canonical = match bytes.len() % 4 {
        0 => true,
        2 => last & 0x0f == 0,
        3 => last & 0x03 == 0,
        _ => false,
    };
    if canonical {
        Ok(())
    } else {
        Err(TokenError::Malformed("not canonical base64url"))
    }
}

/// Marks a byte outside the base64url alphabet in [`BASE64URL_VALUES`].
const NOT_BASE64URL: u8 = 0x80;

/// The 6-bit value of each base64url character; [`NOT_BASE64URL`] for every other byte.
const BASE64URL_VALUES: [u8; 256] = {
    let mut values = [NOT_BASE64URL; 256];
    let mut i = 0;
    while i < 26 {
        values[b'A' as usize + i] = i as u8;
        values[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut digit = 0;
    while digit < 10 {
        values[b'0' as usize + digit] = 52 + digit as u8;
        digit += 1;
    }
    values[b'-' as usize] = 62;
    values[b'_' as usize] = 63;
    values
};

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

    #[test]
    fn non_canonical_trailing_bits_are_refused() {
        // "QQ" and "QR" both decode to "A" in lenient decoders; only "QQ" is canonical.
        assert!(check_compact_encoding("QQ.QQ.QQ").is_ok());
        assert!(check_compact_encoding("QR.QQ.QQ").is_err());
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
                let token = format!("QUFB.{part}.QUFB");
                assert_eq!(check_compact_encoding(&token).is_ok(), inside, "{token:?}");
            }
        }
    }

    #[test]
    fn padding_whitespace_and_the_standard_alphabet_are_refused() {
        for token in ["QQ==.QQ.QQ", "Q Q.QQ.QQ", "a+b.QQ.QQ", "a/b.QQ.QQ", "QQ.QQ.", "QQ.QQ", "QQ.QQ.QQ.QQ", ".QQ.QQ"] {
            assert!(check_compact_encoding(token).is_err(), "{token} accepted");
        }
    }
}
