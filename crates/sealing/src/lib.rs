//! Sealed records: XChaCha20-Poly1305 under a 256-bit key, bound to a context (the record's own
//! key, as associated data), written as unpadded base64url of nonce ‖ ciphertext ‖ tag.
//!
//! The worker derives the key and draws the nonce (`src/crypto/sealing.rs`); this crate only
//! seals and opens, so that everything the cipher runs is compiled here, at opt-level 3.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305, XNonce,
};

/// Bytes of a key.
pub const KEY_LEN: usize = 32;
/// Bytes of a nonce: 192 bits, random per record, so no counter is kept across isolates.
pub const NONCE_LEN: usize = 24;

/// Seals `plaintext` under `key` with `nonce`, bound to `context`: a record sealed for one
/// context does not open in another.
pub fn seal(key: &[u8; KEY_LEN], nonce: &[u8; NONCE_LEN], context: &[u8], plaintext: &[u8]) -> String {
    let ciphertext = XChaCha20Poly1305::new(key.into())
        .encrypt(XNonce::from_slice(nonce), Payload { msg: plaintext, aad: context })
        .expect("encryption of an in-memory buffer cannot fail");
    let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    sealed.extend_from_slice(nonce);
    sealed.extend_from_slice(&ciphertext);
    URL_SAFE_NO_PAD.encode(sealed)
}

/// Opens what [`seal`] made; `None` if it was altered, sealed for another context or under
/// another key.
pub fn open(key: &[u8; KEY_LEN], context: &[u8], sealed: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    if bytes.len() < NONCE_LEN {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
    XChaCha20Poly1305::new(key.into())
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: context })
        .ok()
}

#[cfg(test)]
mod tests {
    // In wasm the cipher runs its portable backend, natively its SIMD ones: both are tested.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// HMAC-SHA256("secret-0123456789abcdef", "callback-replay-seal\0key"): the key the worker
    /// derives from its test pepper `p1:secret-0123456789abcdef`.
    const KEY: [u8; KEY_LEN] = [
        0x10, 0xbf, 0x9d, 0xe2, 0x10, 0xbf, 0x3c, 0x95, 0x4e, 0x36, 0xf5, 0x38, 0x21, 0xcc, 0xba, 0x57, 0x24, 0x68,
        0xe3, 0xa5, 0xac, 0x1f, 0x78, 0xe1, 0x08, 0xa4, 0x7f, 0x68, 0x2a, 0x47, 0xc4, 0x60,
    ];
    const NONCE: [u8; NONCE_LEN] =
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23];
    /// libsodium's `crypto_aead_xchacha20poly1305_ietf_encrypt` (PyNaCl) of `{"secret":"s"}` under
    /// `KEY` and `NONCE`, with `jti:abc` as associated data, nonce first, in unpadded base64url.
    const SEALED: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYX2uJZZ2w9qcq_KS2gi-DFuQVz_PW7Tg-iZj3RZPsD";

    #[test]
    fn seals_as_libsodium_does() {
        assert_eq!(seal(&KEY, &NONCE, b"jti:abc", br#"{"secret":"s"}"#), SEALED);
        assert_eq!(open(&KEY, b"jti:abc", SEALED).unwrap(), br#"{"secret":"s"}"#);
    }

    #[test]
    fn opens_only_what_it_sealed_in_the_same_context_under_the_same_key() {
        let body = vec![7u8; 1500];
        let sealed = seal(&KEY, &NONCE, b"k", &body);
        assert_eq!(open(&KEY, b"k", &sealed).unwrap(), body);
        assert_eq!(open(&KEY, b"other", &sealed), None);
        let mut other_key = KEY;
        other_key[0] ^= 1;
        assert_eq!(open(&other_key, b"k", &sealed), None);
    }

    #[test]
    fn refuses_a_tampered_truncated_or_malformed_record() {
        let mut bytes = URL_SAFE_NO_PAD.decode(SEALED).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(open(&KEY, b"jti:abc", &URL_SAFE_NO_PAD.encode(&bytes)), None);
        for malformed in ["", "AAEC", &SEALED[..NONCE_LEN * 4 / 3], "not base64!", &format!("{SEALED}=")] {
            assert_eq!(open(&KEY, b"jti:abc", malformed), None, "{malformed:?}");
        }
    }
}
