use std::borrow::Cow;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jwt_compact::Algorithm;
use serde::Deserialize;

use super::claims::WorkosClaims;
use super::rs256::Rs256Signature;
use super::{Rs256, TokenError};
use crate::crypto::rsa::RsaVerifyingKey;

/// The header parameters that decide how a token is read. `jku`, `x5u`, `x5c` and `jwk` are
/// deliberately not read: keys come only from the configured JWKS. A parameter named twice is
/// refused (serde's derive refuses a duplicate field).
#[derive(Deserialize)]
struct Header<'h> {
    #[serde(borrow)]
    alg: Cow<'h, str>,
    #[serde(default)]
    kid: Option<String>,
    /// The payload's content type: JSON (the default) is the only one read.
    #[serde(default, borrow)]
    cty: Option<Cow<'h, str>>,
    #[serde(default)]
    crit: Option<Vec<String>>,
    #[serde(default)]
    b64: Option<bool>,
}

/// An RS256 token whose compact form and header have been read, and whose signature has not been
/// checked yet. Its claims can only be had through [`Self::verify`], so nothing reads the payload
/// of a token that does not verify.
pub struct UnverifiedToken<'t> {
    key_id: Option<String>,
    /// The payload, base64url-decoded: JSON not yet parsed.
    payload: Vec<u8>,
    signature: Rs256Signature,
    /// `header.payload`, the bytes the signature covers.
    signing_input: &'t str,
}

impl<'t> UnverifiedToken<'t> {
    /// Reads the compact serialisation (RFC 7515 §7.1) and the header. Refuses any algorithm but
    /// RS256, and headers that would change the meaning of the signature (`crit`, `b64: false`,
    /// a content type other than JSON).
    ///
    /// The reading is ours rather than jwt-compact's `UntrustedToken`, which deserialises its
    /// header through two levels of `#[serde(flatten)]` (every parameter buffered, then read
    /// again): 10.2 µs of a fresh verification's 68 in workerd, against 3.4 µs here
    /// (`npm run bench -- --only verify`, row 1c). jwt-compact still checks the signature (its
    /// `Algorithm` interface) and types the claims.
    pub fn parse(token: &'t str) -> Result<Self, TokenError> {
        check_no_empty_part(token)?;
        let mut parts = token.splitn(4, '.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed("structure"));
        };
        // `header.payload`: the first two parts and the dot between them.
        let signing_input = &token[..header.len() + 1 + payload.len()];
        let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| TokenError::Malformed("not base64url"));
        let (header, payload, signature) = (decode(header)?, decode(payload)?, decode(signature)?);
        let header = read_header(&header)?;
        if header.cty.as_deref().is_some_and(|cty| !cty.eq_ignore_ascii_case("json")) {
            return Err(TokenError::UnsupportedHeader);
        }
        if header.alg != "RS256" {
            return Err(TokenError::AlgorithmNotAllowed);
        }
        if header.crit.as_ref().is_some_and(|crit| !crit.is_empty()) || header.b64 == Some(false) {
            return Err(TokenError::UnsupportedHeader);
        }
        Ok(Self { key_id: header.kid, payload, signature: Rs256Signature::new(signature), signing_input })
    }

    /// The `kid` of the header, which chooses the key.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// Checks the signature with `key`, through jwt-compact's [`Algorithm`] interface, and only
    /// then deserialises the claims.
    ///
    /// jwt-compact's own validator deserialises the claims first (its `Claims<T>` flattens `T`,
    /// which buffers every claim) and then checks the signature; in this order a forged token
    /// costs no JSON parsing of its payload, and a genuine one costs the same.
    pub fn verify(&self, key: &RsaVerifyingKey) -> Result<WorkosClaims, TokenError> {
        if !Rs256.verify_signature(&self.signature, key, self.signing_input.as_bytes()) {
            return Err(TokenError::SignatureInvalid);
        }
        self.deserialize_claims()
    }

    /// The claims without the signature check, for the benchmark's breakdown only.
    #[cfg(feature = "bench-routes")]
    pub fn claims_unverified(&self) -> Result<WorkosClaims, TokenError> {
        self.deserialize_claims()
    }

    fn deserialize_claims(&self) -> Result<WorkosClaims, TokenError> {
        serde_json::from_slice(&self.payload).map_err(|_| TokenError::Malformed("claims"))
    }
}

/// The JOSE header, which is a JSON object: serde's derive would also read a struct from an
/// array of its fields in order, so anything but an object is refused before it.
fn read_header(json: &[u8]) -> Result<Header<'_>, TokenError> {
    let malformed = || TokenError::Malformed("header");
    let is_object = json.iter().find(|byte| !matches!(byte, b' ' | b'\t' | b'\n' | b'\r')) == Some(&b'{');
    if !is_object {
        return Err(malformed());
    }
    serde_json::from_slice(json).map_err(|_| malformed())
}

/// Refuses a token with an empty part; a stripped signature (`a.b.`) is malformed, not merely
/// unverifiable.
///
/// The rest of the compact form is [`UnverifiedToken::parse`]'s: exactly three parts, each
/// base64url through the `base64` crate's `URL_SAFE_NO_PAD`, which refuses padding, whitespace,
/// the standard alphabet's `+` `/` and non-canonical trailing bits, so one token has exactly one
/// spelling (the tests below hold it to that). Checking the alphabet here as well would cost a
/// second pass over every byte of every fresh token.
fn check_no_empty_part(token: &str) -> Result<(), TokenError> {
    if token.starts_with('.') || token.ends_with('.') || token.contains("..") {
        return Err(TokenError::Malformed("a token part is empty"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

    /// A token with an RS256 header, and `payload` and `signature` as given.
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

    /// The parse of a token whose header is `header` (JSON text), with a payload and a signature.
    fn parse_with_header(header: &str) -> Result<(), TokenError> {
        let token = format!("{}.e30.QUFB", URL_SAFE_NO_PAD.encode(header));
        UnverifiedToken::parse(&token).map(|_| ())
    }

    #[test]
    fn the_header_decides_how_the_token_is_read() {
        assert!(parse_with_header(r#"{"alg":"RS256","kid":"k","typ":"JWT","cty":"JSON","crit":[]}"#).is_ok());
        assert!(parse_with_header(r#"{"alg":"RS256","cty":"json","b64":true}"#).is_ok());
        for (header, refusal) in [
            (r#"{"alg":"none"}"#, TokenError::AlgorithmNotAllowed),
            (r#"{"alg":"HS256","kid":"k"}"#, TokenError::AlgorithmNotAllowed),
            (r#"{"alg":"rs256"}"#, TokenError::AlgorithmNotAllowed),
            (r#"{"alg":"RS256","crit":["exp"]}"#, TokenError::UnsupportedHeader),
            (r#"{"alg":"RS256","b64":false}"#, TokenError::UnsupportedHeader),
            (r#"{"alg":"RS256","cty":"JWT"}"#, TokenError::UnsupportedHeader),
            (r#"{"kid":"k"}"#, TokenError::Malformed("header")),
            (r#"{"alg":"RS256","alg":"RS256"}"#, TokenError::Malformed("header")),
            (r#"{"alg":"RS256","kid":7}"#, TokenError::Malformed("header")),
            (r#"{"alg":"RS256","crit":"exp"}"#, TokenError::Malformed("header")),
            (r#"["RS256"]"#, TokenError::Malformed("header")),
            (r#" ["RS256",null,null,[],true]"#, TokenError::Malformed("header")),
            (r#"{"alg":"RS256"} x"#, TokenError::Malformed("header")),
        ] {
            assert_eq!(parse_with_header(header), Err(refusal), "{header}");
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
