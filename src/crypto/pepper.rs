//! Server-held secrets (`API_KEY_PEPPER`), written `<kid>:<secret>[,<kid>:<secret>…]` with the
//! first one current, so a pepper can be rotated without invalidating stored API keys: each key
//! records the id of the pepper that hashed it.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Shortest pepper we accept: 128 bits written in any alphabet is at least 16 characters.
const MIN_SECRET_LEN: usize = 16;

/// One pepper.
#[derive(Clone)]
pub struct Pepper {
    kid: String,
    /// HMAC-SHA256 keyed with the secret and nothing hashed yet. Keying hashes the secret's inner
    /// and outer pads, two of the four SHA-256 blocks of a short MAC; done once here, each MAC
    /// starts from a copy (the secret itself is not kept).
    keyed: HmacSha256,
    /// The key records are sealed under with this pepper (see [`super::sealing`]), derived once
    /// here rather than with an HMAC on every seal and open.
    sealing_key: [u8; super::sealing::KEY_LEN],
}

impl std::fmt::Debug for Pepper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret never reaches logs.
        write!(f, "Pepper({})", self.kid)
    }
}

impl Pepper {
    /// The pepper's id, stored next to what it hashed.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// HMAC-SHA256 of `message` under this pepper, for a given `purpose` so that one pepper's
    /// uses cannot be confused with each other.
    pub fn mac(&self, purpose: &str, message: &[u8]) -> [u8; 32] {
        self.started(purpose, message).finalize().into_bytes().into()
    }

    /// The MAC of `purpose` and `message`, not yet finalised.
    fn started(&self, purpose: &str, message: &[u8]) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(message);
        mac
    }

    /// The key [`super::sealing`] seals and opens with under this pepper.
    pub(super) fn sealing_key(&self) -> &[u8; super::sealing::KEY_LEN] {
        &self.sealing_key
    }

    /// [`Pepper::mac`] as unpadded base64url.
    pub fn mac_base64(&self, purpose: &str, message: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(purpose, message))
    }

    /// Checks `expected_base64` against the MAC of `message` in constant time.
    pub fn verify_mac_base64(&self, purpose: &str, message: &[u8], expected_base64: &str) -> bool {
        let Ok(expected) = URL_SAFE_NO_PAD.decode(expected_base64) else { return false };
        self.started(purpose, message).verify_slice(&expected).is_ok()
    }
}

/// All configured peppers, the first one current.
#[derive(Debug, Clone)]
pub struct PepperRing {
    peppers: Vec<Pepper>,
}

/// Why `API_KEY_PEPPER` cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub enum PepperRingError {
    /// The text is not `<kid>:<secret>[,…]` with valid parts.
    Malformed(String),
}

impl PepperRing {
    /// Parses `<kid>:<secret>[,<kid>:<secret>…]`.
    pub fn parse(text: &str) -> Result<Self, PepperRingError> {
        let mut peppers: Vec<Pepper> = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (kid, secret) = entry
                .split_once(':')
                .ok_or_else(|| PepperRingError::Malformed("each entry must be written <kid>:<secret>".into()))?;
            let kid_ok = !kid.is_empty()
                && kid.len() <= 16
                && kid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !kid_ok {
                return Err(PepperRingError::Malformed("a pepper id is 1-16 letters, digits, '-' or '_'".into()));
            }
            if secret.len() < MIN_SECRET_LEN {
                return Err(PepperRingError::Malformed(format!(
                    "pepper {kid:?} is shorter than {MIN_SECRET_LEN} characters"
                )));
            }
            if peppers.iter().any(|p| p.kid == kid) {
                return Err(PepperRingError::Malformed(format!("pepper id {kid:?} appears twice")));
            }
            let keyed = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
            let mut pepper = Pepper { kid: kid.to_owned(), keyed, sealing_key: [0; super::sealing::KEY_LEN] };
            pepper.sealing_key = super::sealing::derive_key(&pepper);
            peppers.push(pepper);
        }
        if peppers.is_empty() {
            return Err(PepperRingError::Malformed("no pepper given".into()));
        }
        Ok(Self { peppers })
    }

    /// The pepper new hashes are made with.
    pub fn current(&self) -> &Pepper {
        &self.peppers[0]
    }

    /// The pepper with id `kid`, current or retired.
    pub fn get(&self, kid: &str) -> Option<&Pepper> {
        self.peppers.iter().find(|p| p.kid == kid)
    }

    /// Every pepper, the current one first.
    pub fn all(&self) -> &[Pepper] {
        &self.peppers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_pepper_is_current_and_older_ones_still_verify() {
        let ring = PepperRing::parse("p2:new-secret-0123456789, p1:old-secret-0123456789").unwrap();
        assert_eq!(ring.current().kid(), "p2");
        let old = PepperRing::parse("p1:old-secret-0123456789").unwrap();
        let tag = old.current().mac_base64("api-key", b"credential");
        assert!(ring.get("p1").unwrap().verify_mac_base64("api-key", b"credential", &tag));
        assert!(!ring.current().verify_mac_base64("api-key", b"credential", &tag));
    }

    /// The MAC is HMAC-SHA256(secret, purpose ‖ 0 ‖ message), whatever the secret's length
    /// (one past SHA-256's 64-byte block is hashed first): figures from Python's `hmac`. Stored
    /// API keys and cursors hold these, so how a MAC is computed may never change them.
    #[test]
    fn macs_are_hmac_sha256_of_the_purpose_and_message() {
        let hex = |bytes: [u8; 32]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let short = PepperRing::parse("p1:secret-0123456789abcdef").unwrap();
        assert_eq!(
            hex(short.current().mac("api-key", b"credential")),
            "f95489978a794f825d73f84a3caea284382fdbe7c06f6010d16c27c0722a944b"
        );
        let long = PepperRing::parse("p1:a-secret-longer-than-the-sixty-four-bytes-of-a-sha256-block-0123456789");
        assert_eq!(
            hex(long.unwrap().current().mac("cursor", b"x")),
            "97f9c3c44dd2367b4ee8b025895d3774ef57fc8ae8c156fb96367a5e39b9acea"
        );
        // A MAC starts from a copy of the keyed state: one made before another changes nothing.
        let pepper = short.current();
        assert_eq!(pepper.mac("cursor", b"x"), pepper.mac("cursor", b"x"));
        assert!(pepper.verify_mac_base64("api-key", b"credential", &pepper.mac_base64("api-key", b"credential")));
    }

    #[test]
    fn purposes_separate_macs() {
        let ring = PepperRing::parse("p1:secret-0123456789abcdef").unwrap();
        let pepper = ring.current();
        assert_ne!(pepper.mac("api-key", b"x"), pepper.mac("cursor", b"x"));
    }

    #[test]
    fn short_duplicate_or_malformed_peppers_are_refused() {
        assert!(PepperRing::parse("p1:short").is_err());
        assert!(PepperRing::parse("no-colon-0123456789abcdef").is_err());
        assert!(PepperRing::parse("p1:secret-0123456789abcdef,p1:secret-0123456789abcdeg").is_err());
        assert!(PepperRing::parse("bad kid!:secret-0123456789abcdef").is_err());
        assert!(PepperRing::parse("").is_err());
    }
}
