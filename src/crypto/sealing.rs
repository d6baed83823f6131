//! Sealing of stored answers that contain a secret (the default API key of a first sign-in).
//! XChaCha20-Poly1305: a random 192-bit nonce per record needs no counter state across isolates.
//! The key is derived from the current pepper, so no extra secret must be configured; a record
//! lives only until its token expires, so pepper rotation costs at most a few failed replays.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305, XNonce,
};

use super::pepper::Pepper;
use crate::platform::random_bytes;

const PURPOSE: &str = "callback-replay-seal";
const NONCE_LEN: usize = 24;

fn cipher(pepper: &Pepper) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(&pepper.mac(PURPOSE, b"key").into())
}

/// Seals `plaintext`, bound to `context` (the record's key) so a sealed body cannot be moved to
/// another record. Returns base64url(nonce ‖ ciphertext ‖ tag).
pub fn seal(pepper: &Pepper, context: &str, plaintext: &[u8]) -> String {
    let mut nonce = [0u8; NONCE_LEN];
    random_bytes(&mut nonce);
    let ciphertext = cipher(pepper)
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad: context.as_bytes() })
        .expect("encryption of an in-memory buffer cannot fail");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ciphertext);
    URL_SAFE_NO_PAD.encode(out)
}

/// Opens what [`seal`] made; `None` if it was altered, moved or sealed under another pepper.
pub fn open(pepper: &Pepper, context: &str, sealed: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    if bytes.len() < NONCE_LEN {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
    cipher(pepper).decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: context.as_bytes() }).ok()
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

    #[test]
    fn a_tampered_seal_does_not_open() {
        let sealed = seal(&pepper(), "k", b"body");
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(open(&pepper(), "k", &URL_SAFE_NO_PAD.encode(bytes)), None);
    }
}
