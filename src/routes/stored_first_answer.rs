//! A first sign-in's answer as it is stored for its replays: its template (the answer's JSON with
//! the default key's secret left empty) beside the secret, sealed on its own. Nothing else in the
//! answer is secret: its other values are in D1's other tables too, as plain as a returning
//! sign-in's stored answer. So a replay opens a few dozen bytes instead of the whole answer (~1 KB:
//! the keystream, base64 and Poly1305 over it were a quarter of a replay's wasm), and every
//! sign-in, which mints a first sign-in's answers before the batch can tell whether it is one,
//! seals one short secret instead of two whole answers. Putting the secret back gives the answer
//! byte for byte.
//!
//! The template is stored as its JSON with every quote and every DEL byte swapped
//! ([`stored_template`]): D1's answer crosses into the wasm as JSON text, where each of the
//! template's ~100 quotes would come escaped, which cost serde_json's reader ~40k instructions a
//! replay. For part of 2026-12-03 templates were stored as unpadded base64url instead, which
//! crosses without an escape but whose decoding was the largest function of a replay's wasm (~20k
//! instructions, a tenth of it, counted with V8's wasm inlining off); those still open until they
//! expire. (A build from before cannot read this form: a replay it serves during a rollout is
//! refused with `replay_unavailable`, as after a pepper's retirement.)
//!
//! Records stored before `migrations/0012_sealed_secret.sql` hold the whole answer sealed under
//! the idempotency key; they still open (`StoredBody::Sealed`) until they expire.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

use crate::crypto::pepper::Pepper;
use crate::crypto::sealing;

/// The template's empty `secret` member, where the secret goes. No other member of the answer has
/// that name, and no JSON string can hold this text (its quotes would be escaped), so a template
/// holds it once.
const EMPTY_SECRET: &[u8] = br#""secret":"""#;

/// The secret's sealing context for the answer stored under `key`: bound to that record, and
/// never the context of a whole sealed answer, which is the key itself (`jti:…` or `sid:…`).
fn secret_context(key: &str) -> String {
    format!("secret:{key}")
}

/// What a template's quotes are stored as, and what is stored as a quote in its place: DEL, which
/// neither serde_json nor `JSON.stringify` escapes, so the stored template crosses from D1 into the
/// wasm without an escape. Only a user's own text could hold a DEL (an email address that did);
/// it is stored as a quote, crosses escaped, and comes back as it was.
const STORED_QUOTE: u8 = 0x7f;

/// The template as it is stored: its JSON with every `"` and every DEL swapped. Both are ASCII,
/// so the text stays UTF-8, and it still starts with the JSON object's `{`, which no base64url
/// template (stored before) can.
pub fn stored_template(template: &str) -> String {
    String::from_utf8(swap_quotes(template.as_bytes().to_vec())).expect("swapping two ASCII bytes keeps UTF-8")
}

/// `bytes` with every `"` and every DEL swapped, its own inverse: each byte that is either is
/// flipped by their XOR. Eight bytes at a time: the worker is compiled for size, where a loop over
/// the bytes stays one byte an iteration.
fn swap_quotes(mut bytes: Vec<u8>) -> Vec<u8> {
    const FLIP: u8 = b'"' ^ STORED_QUOTE;
    let mut words = bytes.chunks_exact_mut(8);
    for word_bytes in &mut words {
        let word = u64::from_le_bytes(word_bytes.try_into().expect("eight bytes"));
        let swapped = (zero_bytes(word ^ every_byte(b'"')) | zero_bytes(word ^ every_byte(STORED_QUOTE))) >> 7;
        word_bytes.copy_from_slice(&(word ^ (swapped * u64::from(FLIP))).to_le_bytes());
    }
    for byte in words.into_remainder() {
        if *byte == b'"' || *byte == STORED_QUOTE {
            *byte ^= FLIP;
        }
    }
    bytes
}

/// A word of eight `byte`s.
const fn every_byte(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

/// 0x80 in each byte of `word` that is zero, 0 in every other byte (no carry crosses a byte).
fn zero_bytes(word: u64) -> u64 {
    const LOW_SEVEN: u64 = every_byte(0x7f);
    !(((word & LOW_SEVEN) + LOW_SEVEN) | word | LOW_SEVEN)
}

/// The template's JSON from its stored form; `None` when it is neither form.
fn template_of(stored: String) -> Option<Vec<u8>> {
    if stored.starts_with('{') {
        Some(swap_quotes(stored.into_bytes()))
    } else {
        URL_SAFE_NO_PAD.decode(stored).ok()
    }
}

/// Seals the secret of the answer to be stored under `key`.
pub fn seal_secret(pepper: &Pepper, key: &str, secret: &str) -> String {
    sealing::seal(pepper, &secret_context(key), secret.as_bytes())
}

/// The answer stored under `key`: its stored template with the secret opened from `sealed_secret`.
/// `None` when the secret does not open (altered, moved, or sealed under a pepper since retired)
/// or the template is not one.
pub fn open(pepper: &Pepper, key: &str, stored_template: String, sealed_secret: &str) -> Option<Vec<u8>> {
    let secret = String::from_utf8(sealing::open(pepper, &secret_context(key), sealed_secret)?).ok()?;
    with_secret(&template_of(stored_template)?, &secret)
}

/// The answer: `template` with `secret` written into its empty `secret` member as serde_json
/// writes the member; `None` when the template has no such member.
///
/// Searched from the end, where the member is (the default key is the answer's last member, and
/// the secret the key's): a search from the start compared ~1 KB of the answer a window at a
/// time, which cost more than the opening it saves.
pub fn with_secret(template: &[u8], secret: &str) -> Option<Vec<u8>> {
    let member = template.windows(EMPTY_SECRET.len()).rposition(|window| window == EMPTY_SECRET)?;
    let value = member + EMPTY_SECRET.len() - 2;
    let quoted = serde_json::to_vec(secret).expect("a string is JSON");
    let mut answer = Vec::with_capacity(template.len() + quoted.len());
    answer.extend_from_slice(&template[..value]);
    answer.extend_from_slice(&quoted);
    answer.extend_from_slice(&template[value + 2..]);
    Some(answer)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::crypto::pepper::PepperRing;

    /// An answer shaped as the callback's, with text in it that looks like the member, and with
    /// what a stored template swaps (a quote, a DEL) and what JSON escapes (a backslash) in a user's
    /// own text.
    fn answer(secret: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "user": { "id": "user_1", "email": "\"secret\":\"\"\u{7f}\\@example.com" },
            "workspace": { "name": "secret" },
            "default_api_key": { "api_key": { "id": "key_1" }, "secret": secret },
        }))
        .unwrap()
    }

    fn text(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).unwrap()
    }

    #[test]
    fn the_template_with_its_secret_is_the_answer_byte_for_byte() {
        for secret in ["eak_key_1_AbC-xyz_0123456789", "", "quote \" and \\ and \u{1F600}"] {
            assert_eq!(with_secret(&answer(""), secret).unwrap(), answer(secret), "{secret}");
        }
    }

    #[test]
    fn a_template_without_the_member_has_no_answer() {
        assert_eq!(with_secret(br#"{"secret":"set"}"#, "x"), None);
        assert_eq!(with_secret(br#"{"user":{}}"#, "x"), None);
    }

    /// The point of the stored form: a template whose user wrote no DEL holds no quote, so it
    /// crosses from D1 as JSON text without an escape.
    #[test]
    fn a_stored_template_holds_no_quote_and_comes_back_as_it_was() {
        let plain = serde_json::to_string(&json!({ "user": { "email": "ada@example.com" }, "secret": "" })).unwrap();
        let stored = stored_template(&plain);
        assert!(!stored.contains('"') && stored.starts_with('{'), "{stored}");
        assert_eq!(template_of(stored).unwrap(), plain.as_bytes());
        let with_del = answer("");
        assert_eq!(template_of(stored_template(text(&with_del))).unwrap(), with_del);
    }

    #[test]
    fn swapping_eight_bytes_at_a_time_swaps_each_byte_alone() {
        let by_byte = |bytes: &[u8]| -> Vec<u8> {
            bytes
                .iter()
                .map(|&byte| match byte {
                    b'"' => STORED_QUOTE,
                    STORED_QUOTE => b'"',
                    other => other,
                })
                .collect()
        };
        // Every byte value at every place of two words and a remainder, beside quotes and DELs.
        for value in 0..=u8::MAX {
            for at in 0..19 {
                let mut bytes = b"a\"b\x7fc\"\"\x7f\x7fd\xff\x80\x00\x01\"e\x7f\"f".to_vec();
                bytes[at] = value;
                assert_eq!(swap_quotes(bytes.clone()), by_byte(&bytes), "{value:#04x} at {at}");
            }
        }
    }

    #[test]
    fn the_secret_opens_only_for_its_own_record() {
        let ring = PepperRing::parse("p1:secret-0123456789abcdef,p2:another-0123456789abcdef").unwrap();
        let (pepper, template) = (ring.current(), stored_template(text(&answer(""))));
        let sealed = seal_secret(pepper, "jti:a", "eak_key_1_secret");
        assert_eq!(open(pepper, "jti:a", template.clone(), &sealed).unwrap(), answer("eak_key_1_secret"));
        assert_eq!(open(pepper, "jti:b", template.clone(), &sealed), None, "moved to another record");
        assert_eq!(open(ring.get("p2").unwrap(), "jti:a", template.clone(), &sealed), None, "another pepper");
        let whole = sealing::seal(pepper, "jti:a", b"eak_key_1_secret");
        assert_eq!(open(pepper, "jti:a", template, &whole), None, "sealed as a whole answer is not a secret");
        assert_eq!(open(pepper, "jti:a", text(&answer("")).to_owned(), &sealed), None, "not in its stored form");
        assert_eq!(open(pepper, "jti:a", "no template!".to_owned(), &sealed), None, "neither form");
    }

    /// Templates stored for part of 2026-12-03 are base64url.
    #[test]
    fn a_template_stored_as_base64url_still_opens() {
        let pepper = PepperRing::parse("p1:secret-0123456789abcdef").unwrap().current().clone();
        let sealed = seal_secret(&pepper, "jti:a", "eak_key_1_secret");
        let stored = URL_SAFE_NO_PAD.encode(answer(""));
        assert_eq!(open(&pepper, "jti:a", stored, &sealed).unwrap(), answer("eak_key_1_secret"));
    }
}
