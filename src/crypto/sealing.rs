//! Sealing of stored records that hold a secret: the default API key in a first sign-in's
//! answer, a session's refresh token. XChaCha20-Poly1305 (the `edge-auth-sealing` crate): a
//! random 192-bit nonce per record needs no counter state across isolates. The key is derived from
//! a pepper, so no extra secret must be configured; a record lives only until its token expires,
//! so pepper rotation costs at most a few failed replays.

use super::pepper::Pepper;
use crate::platform::random_bytes;

pub use edge_auth_sealing::KEY_LEN;
use edge_auth_sealing::NONCE_LEN;

const PURPOSE: &str = "callback-replay-seal";

/// The sealing key of `pepper`: HMAC-SHA256 under it of the purpose and `key`. Records sealed
/// since the first release were sealed under this key, so how it is derived may never change.
pub(super) fn derive_key(pepper: &Pepper) -> [u8; KEY_LEN] {
    pepper.mac(PURPOSE, b"key")
}

/// Seals `plaintext`, bound to `context` (the record's key) so a sealed body cannot be moved to
/// another record. Returns base64url(nonce ‖ ciphertext ‖ tag).
pub fn seal(pepper: &Pepper, context: &str, plaintext: &[u8]) -> String {
    let mut nonce = [0u8; NONCE_LEN];
    random_bytes(&mut nonce);
    edge_auth_sealing::seal(pepper.sealing_key(), &nonce, context.as_bytes(), plaintext)
}

/// Opens what [`seal`] made; `None` if it was altered, moved or sealed under another pepper.
pub fn open(pepper: &Pepper, context: &str, sealed: &str) -> Option<Vec<u8>> {
    edge_auth_sealing::open(pepper.sealing_key(), context.as_bytes(), sealed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::pepper::PepperRing;

    fn pepper() -> Pepper {
        PepperRing::parse("p1:secret-0123456789abcdef").unwrap().current().clone()
    }

    #[test]
    fn a_sealed_body_opens_only_in_its_own_context() {
        let sealed = seal(&pepper(), "jti:abc", b"{\"secret\":\"s\"}");
        assert!(!sealed.contains("secret"));
        assert_eq!(open(&pepper(), "jti:abc", &sealed).unwrap(), b"{\"secret\":\"s\"}");
        assert_eq!(open(&pepper(), "jti:other", &sealed), None);
    }

    /// A record sealed before the key was kept with its pepper (libsodium's sealing of it under
    /// HMAC-SHA256(secret, purpose ‖ 0 ‖ "key"), as edge-auth-sealing's own test has it) still
    /// opens, and only under its own pepper.
    #[test]
    fn a_record_sealed_under_the_derived_key_still_opens() {
        let sealed = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYX2uJZZ2w9qcq_KS2gi-DFuQVz_PW7Tg-iZj3RZPsD";
        assert_eq!(open(&pepper(), "jti:abc", sealed).unwrap(), b"{\"secret\":\"s\"}");
        let other = PepperRing::parse("p1:secret-0123456789abcdeX").unwrap();
        assert_eq!(open(other.current(), "jti:abc", sealed), None);
    }
}
