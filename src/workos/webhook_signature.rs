//! WorkOS's webhook signature: `WorkOS-Signature: t=<unix ms>, v1=<hex HMAC-SHA256(secret,
//! "<t>.<raw body>")>`. Checked over the raw bytes, before anything reads the body, in constant
//! time, and only within a window around our clock, so a delivery captured once cannot be
//! replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header WorkOS signs its deliveries in (lowercase, as requests hold header names).
pub const SIGNATURE_HEADER: &str = "workos-signature";

/// How far a delivery's timestamp may be from our clock, either way: WorkOS's own SDKs accept
/// 180 s in the past. A timestamp ahead of us by more is as suspect as a stale one.
pub const TOLERANCE_MS: i64 = 180_000;

/// Why a delivery's signature was refused. The client gets one code for all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureRefused {
    /// No `WorkOS-Signature` header.
    Missing,
    /// Not `t=<digits>` once and `v1=<64 hex digits>` at least once.
    Malformed,
    /// No `v1` is the HMAC of this body under our secret.
    Mismatch,
    /// Signed, but more than [`TOLERANCE_MS`] from now.
    OutsideTolerance,
}

impl SignatureRefused {
    /// What the refusal tells the sender.
    pub fn describe(self) -> &'static str {
        match self {
            SignatureRefused::Missing => "no WorkOS-Signature header",
            SignatureRefused::Malformed => "the WorkOS-Signature header is not t=<unix ms>, v1=<hex HMAC-SHA256>",
            SignatureRefused::Mismatch => "the signature does not match the body under the webhook secret",
            SignatureRefused::OutsideTolerance => "the signature's timestamp is more than 180 s from now",
        }
    }
}

/// Checks `header` (the `WorkOS-Signature` value) for `body` under `secret` at `now_ms`. Several
/// `v1` values are accepted, any one matching (a sender rotating its secret signs with both);
/// parameters other than `t` and `v1` are ignored, as signature schemes of this form ask.
pub fn verify(secret: &str, header: Option<&str>, body: &[u8], now_ms: i64) -> Result<(), SignatureRefused> {
    let header = header.ok_or(SignatureRefused::Missing)?;
    let (timestamp, signatures) = parse(header).ok_or(SignatureRefused::Malformed)?;
    let mac = signed_payload_mac(secret, timestamp, body);
    // `verify_slice` compares in constant time; every candidate is compared, matching or not.
    let matched =
        signatures.iter().fold(false, |matched, signature| mac.clone().verify_slice(signature).is_ok() | matched);
    if !matched {
        return Err(SignatureRefused::Mismatch);
    }
    let timestamp = i64::try_from(timestamp).map_err(|_| SignatureRefused::OutsideTolerance)?;
    if (now_ms - timestamp).abs() > TOLERANCE_MS {
        return Err(SignatureRefused::OutsideTolerance);
    }
    Ok(())
}

/// The header WorkOS would send for `body` signed at `timestamp_ms`: for tests. (The stand-in
/// signs with code of its own, so that it tests this module rather than agreeing with it.)
pub fn sign(secret: &str, timestamp_ms: u64, body: &[u8]) -> String {
    let tag = signed_payload_mac(secret, timestamp_ms, body).finalize().into_bytes();
    let hex: String = tag.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("t={timestamp_ms}, v1={hex}")
}

fn signed_payload_mac(secret: &str, timestamp_ms: u64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp_ms.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// `t` (exactly once) and every `v1`, decoded; `None` when the header is not of that form.
fn parse(header: &str) -> Option<(u64, Vec<[u8; 32]>)> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (name, value) = part.trim().split_once('=')?;
        match name {
            "t" if timestamp.is_none() => {
                if value.is_empty() || value.len() > 16 || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                timestamp = Some(value.parse().ok()?);
            }
            "t" => return None,
            "v1" => signatures.push(decode_hex_32(value)?),
            _ => {}
        }
    }
    if signatures.is_empty() {
        return None;
    }
    Some((timestamp?, signatures))
}

fn decode_hex_32(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const NOW: i64 = 1_795_305_600_000;
    const BODY: &[u8] = br#"{"id":"event_01","event":"user.deleted"}"#;

    fn signed_now() -> String {
        sign(SECRET, NOW as u64, BODY)
    }

    #[test]
    fn a_delivery_signed_with_the_secret_within_the_window_passes() {
        assert_eq!(verify(SECRET, Some(&signed_now()), BODY, NOW), Ok(()));
        assert_eq!(verify(SECRET, Some(&signed_now()), BODY, NOW + TOLERANCE_MS), Ok(()));
        assert_eq!(verify(SECRET, Some(&signed_now()), BODY, NOW - TOLERANCE_MS), Ok(()));
        // Whitespace around the parts, and a parameter of a scheme we do not know.
        let spaced = signed_now().replace(", ", " ,  ") + ", v0=abc";
        assert_eq!(verify(SECRET, Some(&spaced), BODY, NOW), Ok(()));
    }

    #[test]
    fn the_known_answer_of_workos_s_scheme() {
        // `printf '1795305600000.%s' "$BODY" | openssl dgst -sha256 -hmac whsec_test`
        assert_eq!(
            sign(SECRET, NOW as u64, BODY),
            "t=1795305600000, v1=24af55e6707b3ff6b0dd477494383b0039962655ae012a970f0d0c426f63bb24"
        );
    }

    #[test]
    fn stale_and_future_timestamps_are_refused() {
        let outside = Err(SignatureRefused::OutsideTolerance);
        assert_eq!(verify(SECRET, Some(&signed_now()), BODY, NOW + TOLERANCE_MS + 1), outside);
        assert_eq!(verify(SECRET, Some(&signed_now()), BODY, NOW - TOLERANCE_MS - 1), outside);
    }

    #[test]
    fn a_changed_body_secret_or_timestamp_is_a_mismatch() {
        let mismatch = Err(SignatureRefused::Mismatch);
        assert_eq!(verify(SECRET, Some(&signed_now()), br#"{"id":"event_02","event":"user.deleted"}"#, NOW), mismatch);
        assert_eq!(verify("whsec_other", Some(&signed_now()), BODY, NOW), mismatch);
        let moved = signed_now().replace(&format!("t={NOW}"), &format!("t={}", NOW + 1));
        assert_eq!(verify(SECRET, Some(&moved), BODY, NOW), mismatch);
        // The tag of another body, under the right secret.
        let other = sign(SECRET, NOW as u64, b"{}");
        assert_eq!(verify(SECRET, Some(&other), BODY, NOW), mismatch);
    }

    #[test]
    fn any_of_several_signatures_may_match() {
        let wrong = sign("whsec_old", NOW as u64, BODY);
        let right = signed_now();
        let both = format!("{}, {}", wrong, right.split_once(", ").unwrap().1);
        assert_eq!(verify(SECRET, Some(&both), BODY, NOW), Ok(()));
    }

    #[test]
    fn malformed_headers_are_refused() {
        let v1 = signed_now().split_once(", ").unwrap().1.to_owned();
        let t = format!("t={NOW}");
        let cases = [
            String::new(),
            t.clone(),
            v1.clone(),
            format!("{t}, {t}, {v1}"),
            format!("t=, {v1}"),
            format!("t=-5, {v1}"),
            format!("t=1e3, {v1}"),
            format!("t=12345678901234567, {v1}"),
            format!("{t}, v1=abc"),
            format!("{t}, v1={}", "g".repeat(64)),
            format!("{t}, {v1}0"),
            format!("{t}; {v1}"),
            format!("{t}, v1"),
        ];
        for header in cases {
            assert_eq!(verify(SECRET, Some(&header), BODY, NOW), Err(SignatureRefused::Malformed), "{header:?}");
        }
        assert_eq!(verify(SECRET, None, BODY, NOW), Err(SignatureRefused::Missing));
    }
}
