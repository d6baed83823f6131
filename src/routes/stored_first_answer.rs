//! A first sign-in's answer as it is stored for its replays: its template (the answer's JSON with
//! the default key's secret left empty, as unpadded base64url) beside the secret, sealed on its
//! own. Nothing else in the answer is secret: its other values are in D1's other tables too, as
//! plain as a returning sign-in's stored answer. So a replay opens a few dozen bytes instead of the
//! whole answer (~1 KB: the keystream, base64 and Poly1305 over it were a quarter of a replay's
//! wasm), and every sign-in, which mints a first sign-in's answers before the batch can tell
//! whether it is one, seals one short secret instead of two whole answers. Putting the secret back
//! gives the answer byte for byte.
//!
//! The template is stored as base64url rather than as its JSON: D1's answer crosses into the wasm
//! as JSON text, where each of the template's ~100 quotes came escaped and cost serde_json's reader
//! more (~40k instructions a replay) than decoding base64 does.
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

/// The template as it is stored.
pub fn stored_template(template: &str) -> String {
    URL_SAFE_NO_PAD.encode(template)
}

/// Seals the secret of the answer to be stored under `key`.
pub fn seal_secret(pepper: &Pepper, key: &str, secret: &str) -> String {
    sealing::seal(pepper, &secret_context(key), secret.as_bytes())
}

/// The answer stored under `key`: its stored template with the secret opened from `sealed_secret`.
/// `None` when the secret does not open (altered, moved, or sealed under a pepper since retired)
/// or the template is not one.
pub fn open(pepper: &Pepper, key: &str, stored_template: &str, sealed_secret: &str) -> Option<Vec<u8>> {
    let secret = String::from_utf8(sealing::open(pepper, &secret_context(key), sealed_secret)?).ok()?;
    with_secret(&URL_SAFE_NO_PAD.decode(stored_template).ok()?, &secret)
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

    /// An answer shaped as the callback's, with text in it that looks like the member.
    fn answer(secret: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "user": { "id": "user_1", "email": "\"secret\":\"\"@example.com" },
            "workspace": { "name": "secret" },
            "default_api_key": { "api_key": { "id": "key_1" }, "secret": secret },
        }))
        .unwrap()
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

    #[test]
    fn the_secret_opens_only_for_its_own_record() {
        let ring = PepperRing::parse("p1:secret-0123456789abcdef,p2:another-0123456789abcdef").unwrap();
        let (pepper, template) = (ring.current(), stored_template(std::str::from_utf8(&answer("")).unwrap()));
        let sealed = seal_secret(pepper, "jti:a", "eak_key_1_secret");
        assert_eq!(open(pepper, "jti:a", &template, &sealed).unwrap(), answer("eak_key_1_secret"));
        assert_eq!(open(pepper, "jti:b", &template, &sealed), None, "moved to another record");
        assert_eq!(open(ring.get("p2").unwrap(), "jti:a", &template, &sealed), None, "another pepper");
        let whole = sealing::seal(pepper, "jti:a", b"eak_key_1_secret");
        assert_eq!(open(pepper, "jti:a", &template, &whole), None, "sealed as a whole answer is not a secret");
        assert_eq!(open(pepper, "jti:a", std::str::from_utf8(&answer("")).unwrap(), &sealed), None, "not stored");
    }
}
